#include "checks/decide.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "checks/checks.h"

#include "db/decision.h"
#include "db/records.h"
#include "util/who.h"

int chk_decide(struct inv *db, bool waiver, const char *check, const char *object,
               const char *text, long days, int64_t now, struct ow_err *err)
{
	/* What the audit row records is what the checks will honour. */
	struct decision d = { waiver, check, object, text, now, now + days * 86400 };
	int rc = inv_begin(db, err);

	if (rc == 0 && waiver) {
		struct inv_waiver w = { .check_id = (char *)check, .object_key = (char *)object,
		                        .reason = (char *)text, .operator_name = (char *)who_operator(),
		                        .created = d.created, .expires = d.expires };
		rc = inv_put_waiver(db, &w, now, err);
	} else if (rc == 0) {
		struct inv_attestation a = { .check_id = (char *)check, .object_key = (char *)object,
		                             .note = (char *)text, .operator_name = (char *)who_operator(),
		                             .created = d.created, .expires = d.expires };
		rc = inv_put_attestation(db, &a, now, err);
	}
	if (rc == 0)
		rc = decision_record(db, &d, "recorded", err);
	if (rc == 0)
		rc = inv_commit(db, err);
	else
		inv_rollback(db);
	return rc;
}

/* What a recheck gathers of one object's results. */
struct recheck {
	const char *object;
	const char *worst;   /* the first state that is not a pass */
	bool passed;
};

static int recheck_result(void *ctx, const struct chk_result *r)
{
	struct recheck *rc = ctx;

	if (!r->object_key || (strcmp(r->object_key, rc->object) != 0 &&
	                       !(r->object_name && strcmp(r->object_name, rc->object) == 0)))
		return 0;
	if (r->state == CS_PASS || r->state == CS_FIXED)
		rc->passed = true;
	else if (!rc->worst)
		rc->worst = chk_state_name(r->state);   /* a static name: valid past the call */
	return 0;
}

int chk_recheck(void *ctx, struct inv *db, const char *check, const char *object, char *state,
                size_t n, struct ow_err *err)
{
	const struct chk_def *d = chk_find(check);
	struct recheck rc = { object, NULL, false };
	struct chk_run run;

	(void)ctx;
	if (chk_evaluate(db, -1, inv_now(), &run, err) != 0)
		return err->kind ? (int)err->kind : OW_EINPUT;
	if (d && chk_run_each(&run, (int)chk_index(d), recheck_result, &rc) != 0) {
		chk_run_free(&run);
		ow_err_set(err, OW_EINPUT, "the run's results could not be read back to recheck %s "
		           "(out of memory, or an I/O error)", check);
		return OW_EINPUT;
	}
	/* No result for the object is not a pass: the check did not judge it. */
	snprintf(state, n, "%s", rc.worst ? rc.worst : rc.passed ? "pass" : "not judged");
	chk_run_free(&run);
	return 0;
}
