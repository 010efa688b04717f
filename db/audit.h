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

/* The outcome of the row an action commits before it sends a write, so
 * that a write is in the log even when osdwarden dies before its outcome
 * is recorded; the outcome row (same action and target) follows it. */
#define AUDIT_INTENT "about to send"

/* The seq of the last row (0 for an empty log); -1 with err set. */
int64_t audit_last_seq(struct inv *db, struct ow_err *err);

/* Intent rows (outcome AUDIT_INTENT, followed by " (pid N)") that no later
 * row of the same action and target answers: their count and the first
 * one's seq (0 when none). */
int audit_open_intents(struct inv *db, int64_t *count, int64_t *first, struct ow_err *err);

/* Who else is at work on target: the seq of the newest row for it written
 * after since_seq, or of an unanswered intent for it from fresh_ts on; 0
 * when there is none, -1 with err set. For an intent, host and *pid say
 * whose it is (pid 0 otherwise), so the caller can tell a run that died. */
int64_t audit_claimed(struct inv *db, const char *target, int64_t since_seq, int64_t fresh_ts,
                      char *host, size_t host_len, long *pid, struct ow_err *err);

/* Rows in order; strings valid only during fn. */
int audit_each(struct inv *db, int (*fn)(void *ctx, const struct audit_entry *e), void *ctx,
               struct ow_err *err);

/* The latest row with this action and target that is not an intent
 * (AUDIT_INTENT), given to fn (strings valid only during fn): what the
 * log last recorded of one decision. 1 found, 0 none, -1 with err set. */
int audit_latest(struct inv *db, const char *action, const char *target,
                 int (*fn)(void *ctx, const struct audit_entry *e), void *ctx, struct ow_err *err);

/* The action of the row that starts (or restarts) anchoring the log under
 * a key; its target is the key's id. */
#define AUDIT_ANCHOR_ACTION "audit.anchor"

/* What audit verify found. */
struct audit_report {
	int64_t rows;
	char head[65];
	int64_t bad_seq;   /* first bad row, when broken */
	char why[600];     /* when broken: what and where */
	char note[600];    /* when intact: what vouches for which rows */
};

/* The chain (every row links to the one before and hashes to its fields)
 * and the anchor kept outside the inventory (db/anchor.h): truncation, a
 * rewrite with recomputed hashes, a missing or forged anchor, a missing or
 * replaced key. 0 intact (note says how far the anchor vouches), 1 broken
 * (why), an error kind otherwise. */
int audit_check(struct inv *db, struct audit_report *r, struct ow_err *err);

/* One line for shipping off-host: the inventory, row count, head hash,
 * key id and an HMAC of them under the audit key. *line is a new string.
 * Refused (OW_EFINDINGS) when the log does not verify. */
int audit_export_head(struct inv *db, char **line, struct ow_err *err);

/* After the operator has looked at a verify failure they can explain (a
 * moved inventory, a lost key): starts a new anchor at the current head in
 * a transaction of its own, with a row saying so and what verify said
 * before. Refused when the chain itself is broken. note says what was done. */
int audit_reanchor(struct inv *db, char *note, size_t note_len, struct ow_err *err);

/* Chain and anchor, as audit_check; 0 when the chain is intact (rows > 0 gets the count and head the last
 * hash, for recording elsewhere); 1 when it is broken, with *bad_seq and
 * why naming the first broken row; an error kind otherwise. */
int audit_verify(struct inv *db, int64_t *rows, char head[65], int64_t *bad_seq, char *why,
                 size_t why_len, struct ow_err *err);

#endif
