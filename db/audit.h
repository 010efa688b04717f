/* The audit log: append-only rows, each carrying the SHA-256 of the row
 * before it and of its own fields, so a changed, removed or reordered row
 * breaks the chain where it happened. Never a secret in a row. */
#ifndef OW_DB_AUDIT_H
#define OW_DB_AUDIT_H

#include <stdint.h>

#include "db/db.h"

struct audit_entry {
	int64_t seq, ts;
	const char *operator_name, *host, *ssh_client;
	const char *action, *target, *request, *outcome;
	const char *prev_hash, *hash;
};

/* Appends one row (inside the caller's transaction, if any). The
 * operator, host and SSH client come from the environment. */
int audit_append(struct inv *db, int64_t ts, const char *action, const char *target,
                 const char *request, const char *outcome, struct ow_err *err);

/* Rows in order; strings valid only during fn. */
int audit_each(struct inv *db, int (*fn)(void *ctx, const struct audit_entry *e), void *ctx,
               struct ow_err *err);

/* 0 when the chain is intact (rows > 0 gets the count and head the last
 * hash, for recording elsewhere); 1 when it is broken, with *bad_seq and
 * why naming the first broken row; an error kind otherwise. */
int audit_verify(struct inv *db, int64_t *rows, char head[65], int64_t *bad_seq, char *why,
                 size_t why_len, struct ow_err *err);

#endif
