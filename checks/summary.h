/* A check run at a glance, as the console's dashboard and `osdwarden
 * check` both show it: per category the grade, the failing findings by
 * severity, what awaits an attestation, the failing chains and a critical
 * chain that could not be judged; per component the failing findings and
 * one of them. Computed here once, from an evaluated run or from the
 * stored one, so the two say the same numbers. */
#ifndef OW_CHECKS_SUMMARY_H
#define OW_CHECKS_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/checks.h"
#include "db/db.h"
#include "util/err.h"

#define CHK_SUMMARY_CHAINS 2   /* failing chains named per category */
#define CHK_SUMMARY_COMPS 5    /* components: DPs, SMPs, media and images, certificates, associations */

struct chk_summary_cat {
	char grade[8];                     /* "C", "F*"; "?" when nothing was evaluated */
	bool capped;                       /* by a failing critical chain (an evaluated run only) */
	long failing[SEV_CRITICAL + 1];    /* failing findings no waiver covers, by severity */
	long to_attest;                    /* results awaiting an attestation (notchecked) */
	/* Chains that fail where no waiver covers it, in catalogue order; NULL after the last. */
	const struct chk_def *chains[CHK_SUMMARY_CHAINS];
	const struct chk_def *unjudged;    /* a critical chain that could not be judged, or NULL */
};

struct chk_summary_comp {
	const char *label;                 /* "distribution points", ... */
	long total;                        /* objects in the inventory, -1 when not counted */
	long attention;                    /* failing findings about it; -1: some, not counted */
	char first[160];                   /* "object: check title" of one of them, "" when none */
};

struct chk_summary {
	bool evaluated;                    /* false: no run to summarise */
	int64_t stored_run, finished;      /* the stored run summarised, or 0 for one evaluated now */
	struct chk_summary_cat cat[2];     /* by enum chk_cat */
	struct chk_summary_comp comp[CHK_SUMMARY_COMPS];
};

/* The summary of a run just evaluated (no inventory read: totals -1). */
void chk_summary_of_run(const struct chk_run *run, struct chk_summary *out);

/* The summary the dashboard shows: of the latest stored run when there
 * is one (milliseconds, where evaluating a large site takes seconds),
 * else of an evaluation now that is not stored; with the inventory's
 * totals. 0, or an error kind (then out->evaluated is false). */
int chk_summary_load(struct inv *db, int64_t now, struct chk_summary *out, struct ow_err *err);

/* "crit 1  high 2  med 0  low 3": a category's failing findings, in the
 * words both the dashboard and the text report use. */
void chk_summary_severities(const struct chk_summary_cat *c, char *out, size_t n);

#endif
