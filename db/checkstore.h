/* Where the checklist keeps its runs and findings (history), and what it
 * needs to know about how the inventory was read. */
#ifndef OW_DB_CHECKSTORE_H
#define OW_DB_CHECKSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

struct inv_finding {
	const char *check_id, *state, *severity;
	const char *object_type, *object_key, *object_name;
	const char *evidence_json;
	const char *baseline;      /* new, unchanged, fixed */
	int waived;
	/* Where the check emits it among its objects (an association's row
	 * id), for a check whose results come in that order (chk_def.ordered):
	 * the next run compares with a cursor instead of a table in memory. */
	bool has_ord;
	int64_t ord;
};

/* History is kept as state with a lifetime: a stored finding is a finding
 * of every run from the one that found it until the one that no longer
 * did (which closes it), its evidence as first stored. A run stores only
 * the difference with what is open; "the findings of run R" are those
 * alive in R (while R's findings are kept). A fail reads "unchanged" in the
 * runs after its first: a run that judges it otherwise (--since an older
 * run) closes it and stores its own. */

/* A new run; returns its id, or -1 with err set. */
int64_t inv_run_begin(struct inv *db, int64_t started, const char *operator_name,
                      struct ow_err *err);
/* A finding of run_id, and of the runs after it until it is closed. */
int inv_finding_add(struct inv *db, int64_t run_id, const struct inv_finding *f,
                    struct ow_err *err);
/* The open findings ids[0..n) are not findings of run_id (nor after). */
int inv_findings_close(struct inv *db, int64_t run_id, const int64_t *ids, size_t n,
                       struct ow_err *err);
/* A finding's digest: a 64-bit hash of every field (db/checkstore.c); two findings
 * with the same digest are taken to be the same (a collision among a
 * million findings is about one chance in 10^7, by chance; it is not a
 * cryptographic hash, so a run compares the state apart). A stored finding's is
 * of the finding as the runs after it read it (a fail as "unchanged").
 * key_only: of the check, object type and object key alone. */
uint64_t inv_finding_digest(const struct inv_finding *f, bool key_only);

/* An open finding as a later run compares itself with it: its id, the
 * digest of its key and the whole digest (above), its state, key and ord;
 * the strings are valid until the next one. */
struct inv_open_span {
	int64_t id;
	uint64_t key, digest;
	const char *state, *object_type, *object_key;
	bool has_ord;
	int64_t ord;
};

/* The open findings of check_id, read from the index of findings; only
 * those without an ord when unordered_only. fn returns non-zero to stop.
 * 0, fn's non-zero, or an error kind. */
int inv_each_open_of(struct inv *db, const char *check_id, bool unordered_only,
                     int (*fn)(void *ctx, const struct inv_open_span *s), void *ctx,
                     struct ow_err *err);

/* The open findings of check_id that have an ord, one at a time, in the
 * order (ord, object type, object key, state, digest), NULL before any
 * value and strings byte by byte. SQLite sorts them at the first next,
 * spilling to temporary files (TMPDIR) past the cache's size, so the
 * memory is bounded whatever their number. next: 1 with *s set, 0 at the
 * end, -1 with err set. */
struct inv_spans;
int inv_spans_open(struct inv *db, const char *check_id, struct inv_spans **out,
                   struct ow_err *err);
int inv_spans_next(struct inv_spans *c, struct inv_open_span *s, struct ow_err *err);
void inv_spans_close(struct inv_spans *c);

/* Each check id with an open finding, once, in byte order (a seek each
 * through the index, not a read of it all). fn returns non-zero to stop.
 * 0, fn's non-zero, or an error kind. */
int inv_each_open_check(struct inv *db, int (*fn)(void *ctx, const char *check_id), void *ctx,
                        struct ow_err *err);

int inv_run_finish(struct inv *db, int64_t run_id, int64_t finished, const char *security_grade,
                   const char *privacy_grade, const char *summary_json, struct ow_err *err);

/* Applies the retention setting after run_id: the runs older than the
 * last `keep` (the history_runs_kept setting as the check run honours it,
 * at least 2) read no findings any more, and the findings only they had
 * are deleted. Run summaries (grades, counts per check) always stay, for
 * trends. */
int inv_history_prune(struct inv *db, int64_t run_id, long keep, struct ow_err *err);

/* The run before run_id (0 when none), or -1 with err set. */
int64_t inv_run_previous(struct inv *db, int64_t run_id, struct ow_err *err);

/* The failing findings of a run, as (check, object key) only: what a
 * baseline comparison needs, without reading the evidence. */
int inv_each_failure(struct inv *db, int64_t run_id,
                     int (*fn)(void *ctx, const char *check_id, const char *object_key),
                     void *ctx, struct ow_err *err);

/* The latest finished run: what the console shows without re-evaluating. */
struct inv_run_info {
	int64_t id, started, finished;
	char security[8], privacy[8];
	char *summary_json;        /* {"CHECK": {"state": n, ...}, ...}; owned */
};
/* 0, INV_NOTFOUND (-1) when no run was stored, or an error kind. */
int inv_run_latest(struct inv *db, struct inv_run_info *out, struct ow_err *err);
void inv_run_info_free(struct inv_run_info *r);

/* Stored findings of a run, in the order they were stored, optionally of
 * one check, object type and/or state, at most limit (0: all;
 * INV_ANY_ORDER: all, in the order the index gives them, by object type
 * then key when a check is given: a check's can be a million, which the
 * order stored would sort first). The finding is valid only during fn; fn returns
 * non-zero to stop. */
#define INV_ANY_ORDER (-1)
int inv_each_finding(struct inv *db, int64_t run_id, const char *check_id,
                     const char *object_type, const char *state, int limit,
                     int (*fn)(void *ctx, const struct inv_finding *f), void *ctx,
                     struct ow_err *err);

/* The stored findings of run_id about the objects named keys[0..n) (of
 * the object types given, NULL-terminated), in the order stored: a list
 * page's worth, read through the (run, object key) index, so the cost is
 * the page's and not the run's. fn gets the index in keys of the object;
 * the finding is valid only during fn; fn returns non-zero to stop.
 * 0, the non-zero fn returned, or -1 with err set. */
int inv_each_object_finding(struct inv *db, int64_t run_id, const char *const *types,
                            const char *const *keys, size_t n,
                            int (*fn)(void *ctx, size_t key, const struct inv_finding *f),
                            void *ctx, struct ow_err *err);

/* The last n finished runs, oldest first: id, start time, and the number
 * of failing results from their summary (for trends). */
int inv_each_run_failures(struct inv *db, int n, int (*fn)(void *ctx, int64_t id, int64_t started,
                                                            long failing),
                          void *ctx, struct ow_err *err);

/* How the last syncs read a class: "ok" when every provider that asked
 * read it, "no_access" when one could not, "never" when no sync has tried.
 * why (may be NULL) gets the message of the first provider that did not
 * read it ("not exposed by this site ...", "HTTP 404: no role ..."), or "". */
const char *inv_class_status(struct inv *db, const char *cls, char *why, size_t why_len);

#endif
