/* Exports of a check run: text for people, JSON as the native model. */
#include <stdio.h>
#include <string.h>

#include "checks/checks.h"
#include "util/buf.h"
#include "util/sanitize.h"

/* Which state stands for a check with several results: the worst news. */
static enum chk_state check_state(const struct chk_run *run, const struct chk_def *d)
{
	static const enum chk_state order[] = {
		ST_FAIL, ST_ERROR, ST_UNKNOWN, ST_NOTCHECKED, ST_FIXED, ST_INFORMATIONAL, ST_PASS,
	};
	bool seen[ST_FIXED + 1] = { false };

	for (size_t i = 0; i < run->n; i++)
		if (run->results[i].def == d)
			seen[run->results[i].state] = true;
	for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
		if (seen[order[k]])
			return order[k];
	return ST_NOTAPPLICABLE;
}

static bool in_run(const struct chk_run *run, const struct chk_def *d)
{
	for (size_t i = 0; i < run->n; i++)
		if (run->results[i].def == d)
			return true;
	return false;
}

static bool is_finding(enum chk_state s)
{
	return s != ST_PASS && s != ST_NOTAPPLICABLE;
}

void chk_write_text(FILE *f, const struct chk_run *run, bool ascii)
{
	unsigned flags = ascii ? SAN_ASCII : 0;

	fprintf(f, "osdwarden check: run %lld%s  security %s (%d)%s  privacy %s (%d)%s\n",
	        (long long)run->id, run->previous ? "" : " (first run)", run->grades.security,
	        run->grades.security_score, run->grades.security_capped ? " capped by a chain" : "",
	        run->grades.privacy, run->grades.privacy_score,
	        run->grades.privacy_capped ? " capped by a chain" : "");
	fprintf(f, "%-13s %-8s %-16s %s\n", "STATE", "SEVERITY", "CHECK", "TITLE");
	for (size_t k = 0; k < chk_count(); k++) {
		const struct chk_def *d = chk_at(k);
		size_t fails = 0, shown = 0;
		if (!in_run(run, d))
			continue;
		for (size_t i = 0; i < run->n; i++)
			fails += run->results[i].def == d && run->results[i].state == ST_FAIL;
		fprintf(f, "%-13s %-8s %-16s %s", chk_state_name(check_state(run, d)), chk_sev_name(d->sev),
		        d->id, d->title);
		if (fails)
			fprintf(f, " (%zu failing)", fails);
		fputc('\n', f);
		for (size_t i = 0; i < run->n; i++) {
			const struct chk_result *r = &run->results[i];
			char *name;
			if (r->def != d || (r->state != ST_FAIL && r->state != ST_ERROR && r->state != ST_FIXED))
				continue;
			if (++shown > 5) {
				if (shown == 6)
					fprintf(f, "    ... and more (osdwarden check --format json)\n");
				continue;
			}
			name = san_str(r->object_name ? r->object_name : r->object_key, 60, flags);
			fprintf(f, "    %-6s %-9s %s%s\n", chk_state_name(r->state),
			        r->baseline ? r->baseline : "", name ? name : "?", r->waived ? "  (waived)" : "");
			free(name);
		}
	}
}

int chk_write_json(FILE *f, const struct chk_run *run)
{
	json_t *root = json_object(), *checks = json_array(), *findings = json_array();
	int rc;

	json_object_set_new(root, "run", json_pack("{s:I,s:I,s:o}", "id", (json_int_t)run->id,
	                                           "started", (json_int_t)run->started, "previous",
	                                           run->previous ? json_integer(run->previous) : json_null()));
	json_object_set_new(root, "grades", json_pack("{s:{s:s,s:i,s:b},s:{s:s,s:i,s:b}}",
	                    "security", "grade", run->grades.security, "score", run->grades.security_score,
	                    "capped", run->grades.security_capped,
	                    "privacy", "grade", run->grades.privacy, "score", run->grades.privacy_score,
	                    "capped", run->grades.privacy_capped));
	for (size_t k = 0; k < chk_count(); k++) {
		const struct chk_def *d = chk_at(k);
		if (!in_run(run, d))
			continue;
		json_array_append_new(checks, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s?}", "id", d->id,
		                      "title", d->title, "category", chk_cat_name(d->cat), "severity",
		                      chk_sev_name(d->sev), "automation", chk_auto_name(d->automation),
		                      "state", chk_state_name(check_state(run, d)), "refs", d->refs));
	}
	for (size_t i = 0; i < run->n; i++) {
		const struct chk_result *r = &run->results[i];
		json_t *ev;
		if (!is_finding(r->state))
			continue;
		ev = r->evidence ? json_loads(r->evidence, 0, NULL) : NULL;
		json_array_append_new(findings, json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:s?,s:o,s:s?,s:b}",
		                      "check_id", r->def->id, "state", chk_state_name(r->state),
		                      "severity", chk_sev_name(r->sev), "object_type", r->object_type,
		                      "object_id", r->object_key, "object_name", r->object_name,
		                      "evidence", ev ? ev : json_object(), "baseline", r->baseline,
		                      "waived", r->waived));
	}
	json_object_set_new(root, "checks", checks);
	json_object_set_new(root, "findings", findings);
	/* ASCII only, like every JSON osdwarden writes: terminal-safe as is. */
	rc = json_dumpf(root, f, JSON_INDENT(1) | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
	fputc('\n', f);
	json_decref(root);
	return rc;
}
