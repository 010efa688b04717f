/* Inside the checklist's engine (checks/engine*.c only):
 *   engine.c          the run: the snapshot, each check in catalogue order,
 *                     what its results say to the chains after it
 *   engine_emit.c     what an evaluator calls: results, evidence, the
 *                     memo, a chain's view of its inputs; the names
 *   engine_decide.c   waivers and attestations, as the audit log vouches
 *                     for them, applied to each result
 *   engine_history.c  the grades, and the run compared with the last one
 *                     and stored with its findings, a result at a time
 *   engine_spool.c    where the results wait for the reports (memory,
 *                     then an unlinked temporary file)
 *   engine_store.c    the new findings stored by a thread of their own
 *                     while the checks go on */
#ifndef OW_CHECKS_ENGINE_INT_H
#define OW_CHECKS_ENGINE_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/checks.h"
#include "db/decision.h"
#include "util/err.h"

/* What the audit log says of one waiver or attestation of the snapshot. */
struct verdict {
	int v;                      /* enum decision_verdict */
	struct decision_row row;
};

struct chk_ctx {
	struct inv *db;           /* what the checks read: the run's connection, or a
	                           * reader of its own when the run is stored */
	struct inv *run_db;       /* the run's connection, which the run is stored on */
	struct chk_snap snap;
	/* Decisions count only as the audit log records them: the log's
	 * verdict on the settings, and one per waiver and attestation
	 * (parallel to snap.waivers and snap.attests). */
	struct decision_log log;
	struct verdict *wv, *av;
	int64_t now;
	const struct chk_def *cur;
	struct chk_result *res;
	size_t n, cap;
	size_t emitted;           /* results of the current check */
	/* Per catalogue entry, what its results said (IN_* bits), for the
	 * chains that combine them. */
	unsigned char seen[CHK_MAX];
	const char *undeclared;   /* an input a chain asked for without declaring it */
	/* The run being made: res[0..n) are the current check's results not
	 * yet handed on (a chunk: past CHK_CHUNK of a check that is not a
	 * chain, they go on to history and the spool as it runs). */
	struct chk_run *run;
	struct history *hist;     /* engine_history.c's state */
	struct ow_err flush_err;  /* why handing results on failed (code set) */
	bool flush_failed;
	bool flush_stale;         /* because the run is stale: it is made again */
	struct {
		const char *name;
		void *p;
		void (*free_fn)(void *);
	} memo[4];
	bool oom;
};

/* Sets member name of r's evidence to v (stolen), keeping the rest. */
void eng_add_evidence(struct chk_result *r, const char *name, json_t *v);
/* What a check's n results (after decisions) tell the chains after it,
 * for chk_ctx.seen. */
unsigned char eng_seen_of(const struct chk_result *r, size_t n);
/* For a chain whose results start at c->res[first]: a pass or an unknown
 * becomes an error naming the inputs that could not be evaluated. */
void eng_chain_unread_inputs(struct chk_ctx *c, size_t first);

/* Judges every waiver and attestation of c->snap against the audit log
 * (c->wv, c->av), drops the tags it does not vouch for, and counts in ign
 * what was set aside. 0, or -1 with err set. */
int eng_judge_decisions(struct chk_ctx *c, struct chk_ignored *ign, struct ow_err *err);
/* The live, vouched-for decisions that cover r, applied to it. */
void eng_apply_decisions(struct chk_ctx *c, struct chk_result *r);

/* How many results of a check (not a chain) wait before they are handed on. */
#define CHK_CHUNK 4096

/* Hands the current check's waiting results on: decisions applied (and,
 * when final, a chain's rule on unread inputs and "nothing to judge"),
 * what they tell the chains after it, then history and the spool. 0, or
 * -1 with c->flush_err set. */
int eng_flush(struct chk_ctx *c, bool final);

/* History, a result at a time. begin: compares with run `since` (0: the
 * previous stored one), reading the open findings (on c->db, in the
 * checks' read transaction) a check at a time; the run is stored on
 * c->run_db when keep is set (a run of every check) and the inventory
 * may be written. take: marks r new, unchanged or
 * fixed and counts it; when it is a finding no open one matches, it goes
 * to the store (eng_store_put: 0, or -1 or ENG_STALE with c->flush_err
 * set). end: the
 * grades; then, storing, in one transaction: the run (refused when
 * another run was stored since begin), its new findings, those no longer
 * found closed, the summary, retention. abort: rolls back what end or the
 * store began after an error and frees the state. begin and end return 0,
 * or -1 (end: or ENG_STALE) with err set. */
#define ENG_STALE (-2)   /* end: another run was stored since begin */
int eng_history_begin(struct chk_ctx *c, int64_t since, bool keep, struct ow_err *err);
/* Around each check: begin reads its open findings (those without an
 * ord, held; an ordered check's others, a cursor), end closes those no
 * result matched. 0, or -1 with err set. */
int eng_history_check_begin(struct chk_ctx *c, struct ow_err *err);
int eng_history_check_end(struct chk_ctx *c, struct ow_err *err);
int eng_history_take(struct chk_ctx *c, struct chk_result *r);
int eng_history_end(struct chk_ctx *c, struct ow_err *err);
void eng_history_abort(struct chk_ctx *c);

/* The spool (engine_spool.c): results appended in catalogue order, read
 * back by chk_run_each. seal: everything written, before reading. put and
 * seal return 0 or -1 (then eng_spool_error says why). */
struct chk_spool *eng_spool_new(void);
int eng_spool_put(struct chk_spool *sp, const struct chk_result *r);
int eng_spool_seal(struct chk_spool *sp);
/* A result's baseline ("new", "unchanged", "fixed" or NULL) as the spool
 * and the store keep it (1-3, 0), and back (NULL for 0 or out of range). */
uint8_t eng_baseline_code(const char *baseline);
const char *eng_baseline_name(uint8_t code);
const char *eng_spool_error(const struct chk_spool *sp);
void eng_spool_free(struct chk_spool *sp);

/* The store (engine_store.c): the findings a run stores, copied as they
 * are handed on, into db (the run's connection) while the checks read on
 * another. Fewer than CHK_CHUNK: all at finish, on the calling thread.
 * From the first full chunk on, a thread has db: it begins the
 * transaction (refused as ENG_STALE when a run newer than latest was
 * stored), the run's row (started), then each chunk as it comes; nothing
 * else may use db until finish. put: 0, or what stopped the store: -1, or
 * ENG_STALE (the transaction already rolled back: the run is to be made
 * again); eng_store_error says why. finish: the rest; then db is in the transaction, with
 * the run's row (*run_id) and its findings; 0, ENG_STALE or -1 with err
 * set. free: ends the thread, rolls back a transaction finish did not
 * hand on. */
struct eng_store;
struct eng_store *eng_store_new(struct inv *db, int64_t latest, int64_t started);
int eng_store_put(struct eng_store *s, const struct chk_result *r);
/* Why put failed. */
void eng_store_error(const struct eng_store *s, struct ow_err *err);
int eng_store_finish(struct eng_store *s, int64_t *run_id, struct ow_err *err);
void eng_store_free(struct eng_store *s);

#endif
