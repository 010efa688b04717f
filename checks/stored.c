#include "checks/stored.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "db/checkstore.h"
#include "db/records.h"

int chk_stored_load_summary(struct inv *db, struct chk_stored *out, json_t **summary,
                            struct ow_err *err)
{
	struct inv_run_info r;
	json_t *sum, *per, *n;
	const char *id, *state;
	int rc = inv_run_latest(db, &r, err);

	memset(out, 0, sizeof *out);
	if (summary)
		*summary = NULL;
	if (rc)
		return rc;
	out->run_id = r.id;
	out->finished = r.finished;
	snprintf(out->security, sizeof out->security, "%s", r.security);
	snprintf(out->privacy, sizeof out->privacy, "%s", r.privacy);
	sum = json_loads(r.summary_json, 0, NULL);
	inv_run_info_free(&r);
	json_object_foreach(sum, id, per) {
		const struct chk_def *d = chk_find(id);
		size_t k;
		if (!d)
			continue;   /* a check this build no longer has */
		k = chk_index(d);
		json_object_foreach(per, state, n) {
			enum chk_state st;
			if (strcmp(state, "waived") == 0)
				out->waived[k] += (long)json_integer_value(n);
			if (chk_state_parse(state, &st) == 0)
				out->counts[k][st] += (long)json_integer_value(n);
		}
	}
	if (summary)
		*summary = sum;
	else
		json_decref(sum);
	return 0;
}

int chk_stored_load(struct inv *db, struct chk_stored *out, struct ow_err *err)
{
	return chk_stored_load_summary(db, out, NULL, err);
}

enum chk_state chk_stored_worst(const struct chk_stored *s, size_t k)
{
	static const enum chk_state order[] = { CS_FAIL, CS_ERROR, CS_UNKNOWN, CS_NOTCHECKED,
	                                        CS_INFORMATIONAL, CS_FIXED, CS_PASS };
	for (size_t i = 0; k < chk_count() && i < sizeof order / sizeof order[0]; i++)
		if (s->counts[k][order[i]])
			return order[i];
	return CS_NOTAPPLICABLE;
}
