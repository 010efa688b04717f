/* Inside db/audit (db/audit*.c only):
 *   audit.c         the rows: their hash, reading and writing them, and
 *                   the queries the rest of the program asks of the log
 *   audit_append.c  appending a row, with the anchor kept in step (the
 *                   commit hooks, the pending head), and re-anchoring
 *   audit_verify.c  the chain walked row by row, and its head compared
 *                   with the anchor; the MACed head export */
#ifndef OW_DB_AUDIT_INT_H
#define OW_DB_AUDIT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "db/audit.h"

/* The prev_hash of row 1. */
#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* The SHA-256, in hex, of e's fields (not of e->hash); 0 or -1. */
int aud_row_hash(const struct audit_entry *e, char out[65]);
/* The last row's seq and hash (0 and the genesis for an empty log). */
int aud_last_row(struct inv *db, int64_t *seq, char hash[65], struct ow_err *err);
int aud_insert_row(struct inv *db, const struct audit_entry *e, struct ow_err *err);
/* Whether the log holds the row that started anchoring under key_id:
 * 1, 0, or -1 when it could not be read. */
int aud_anchored_before(struct inv *db, const char *key_id);
/* The hash of row seq: 1 when found, 0 not, -1 unreadable. */
int aud_hash_at(struct inv *db, int64_t seq, char hash[65]);
/* The first row that started anchoring (under key_id, or any key when
 * NULL): its seq, or 0; its key's id into key_out when given. */
int64_t aud_marker_row(struct inv *db, const char *key_id, char *key_out, size_t key_len);
/* Walks the chain: r->rows, r->head, and on a break r->bad_seq and
 * r->why. 0 intact, 1 broken, or an error kind. */
int aud_chain_verify(struct inv *db, struct audit_report *r, struct ow_err *err);

#endif
