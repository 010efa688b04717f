/* Inside the checklist's engine (checks/engine*.c only):
 *   engine.c          the run: the snapshot, each check in catalogue order,
 *                     what its results say to the chains after it
 *   engine_emit.c     what an evaluator calls: results, evidence, the
 *                     memo, a chain's view of its inputs; the names
 *   engine_decide.c   waivers and attestations, as the audit log vouches
 *                     for them, applied to each result
 *   engine_history.c  the grades, and the run compared with the last one
 *                     and stored with its findings */
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
	struct inv *db;
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

/* Both categories' grades of run. */
void eng_grade(struct chk_run *run);
/* Compares run with run `since` (0: the previous stored one), marking each
 * result new, unchanged or fixed, and, when keep and the inventory may be
 * written, stores the run, its findings and its summary in one
 * transaction. 0, or -1 with err set (nothing stored). */
int eng_history(struct chk_ctx *c, struct chk_run *run, int64_t since, bool keep,
                struct ow_err *err);

#endif
