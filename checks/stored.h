/* The latest stored check run, read back for display without evaluating
 * again: at a million associations an evaluation takes seconds and
 * hundreds of MiB, the stored summary a few milliseconds. */
#ifndef OW_CHECKS_STORED_H
#define OW_CHECKS_STORED_H

#include <jansson.h>
#include <stdint.h>

#include "checks/checks.h"
#include "db/db.h"

struct chk_stored {
	int64_t run_id, finished;
	char security[8], privacy[8];          /* grades as stored ("C", "F*") */
	long counts[CHK_MAX][CS_FIXED + 1];    /* per catalogue entry and state */
	long waived[CHK_MAX];                  /* of its failures, those a waiver covered */
};

/* 0, INV_NOTFOUND (-1) when nothing was stored yet, or an error kind. */
int chk_stored_load(struct inv *db, struct chk_stored *out, struct ow_err *err);
/* The same, and the run's summary as parsed (the caller's to json_decref;
 * NULL when there is none or it did not parse). */
int chk_stored_load_summary(struct inv *db, struct chk_stored *out, json_t **summary,
                            struct ow_err *err);
/* The worst state a check had in the stored run (notapplicable if none). */
enum chk_state chk_stored_worst(const struct chk_stored *s, size_t check_index);

#endif
