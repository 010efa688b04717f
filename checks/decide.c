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

int chk_recheck(void *ctx, struct inv *db, const char *check, const char *object, char *state,
                size_t n, struct ow_err *err)
{
	struct chk_run run;
	const char *worst = NULL;
	bool passed = false;

	(void)ctx;
	if (chk_evaluate(db, -1, inv_now(), &run, err) != 0)
		return err->kind ? (int)err->kind : OW_EINPUT;
	for (size_t i = 0; i < run.n; i++) {
		const struct chk_result *r = &run.results[i];
		if (strcmp(r->def->id, check) != 0 || !r->object_key ||
		    (strcmp(r->object_key, object) != 0 &&
		     !(r->object_name && strcmp(r->object_name, object) == 0)))
			continue;
		if (r->state == CS_PASS || r->state == CS_FIXED)
			passed = true;
		else if (!worst)
			worst = chk_state_name(r->state);
	}
	/* No result for the object is not a pass: the check did not judge it. */
	snprintf(state, n, "%s", worst ? worst : passed ? "pass" : "not judged");
	chk_run_free(&run);
	return 0;
}
