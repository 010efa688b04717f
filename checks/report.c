/* Exports of a check run: text for people, JSON as the native model. */
#include <stdio.h>
#include <string.h>

#include "checks/checks.h"
#include "checks/summary.h"
#include "checks/words.h"
#include "util/buf.h"
#include "util/sanitize.h"

/* What the results say about each check, in catalogue order, from one
 * pass over them (at scale there are hundreds of thousands). */
struct check_sum {
	bool present;
	enum chk_state state;   /* the worst news among its results */
	size_t fails;
	size_t listed;          /* objects a report names one by one */
};

/* The objects the text and Markdown reports name, each with its evidence:
 * what fails, what could not be decided, and what was fixed since. */
static bool is_listed(enum chk_state s)
{
	return s == CS_FAIL || s == CS_ERROR || s == CS_FIXED;
}

/* A new array of chk_count() entries, or NULL when out of memory. */
static struct check_sum *summarize(const struct chk_run *run)
{
	static const enum chk_state order[] = {
		CS_FAIL, CS_ERROR, CS_UNKNOWN, CS_NOTCHECKED, CS_FIXED, CS_INFORMATIONAL, CS_PASS,
	};
	size_t n = chk_count();
	struct check_sum *sum = calloc(n, sizeof *sum);
	bool (*seen)[CS_FIXED + 1] = calloc(n, sizeof *seen);

	if (!sum || !seen) {
		free(sum);
		free(seen);
		return NULL;
	}
	for (size_t i = 0; i < run->n; i++) {
		size_t k = chk_index(run->results[i].def);
		sum[k].present = true;
		seen[k][run->results[i].state] = true;
		sum[k].fails += run->results[i].state == CS_FAIL;
		sum[k].listed += is_listed(run->results[i].state);
	}
	for (size_t k = 0; k < n; k++) {
		sum[k].state = CS_NOTAPPLICABLE;
		for (size_t o = 0; o < sizeof order / sizeof order[0]; o++) {
			if (seen[k][order[o]]) {
				sum[k].state = order[o];
				break;
			}
		}
	}
	free(seen);
	return sum;
}

/* How every export ends: all of it reached f, or -1. */
static int finish(FILE *f, int rc)
{
	return (fflush(f) != 0 || ferror(f) || rc != 0) ? -1 : 0;
}

static bool is_finding(enum chk_state s)
{
	return s != CS_PASS && s != CS_NOTAPPLICABLE;
}

/* The critical chains a grade could not judge, one sentence each. */
static void say_unjudged(FILE *f, const char *before, const char *list, const char *cat,
                         const char *after)
{
	for (const char *p = list; p && *p; p += strcspn(p, ","), p += *p == ',')
		fprintf(f, "%scritical chain %.*s could not be judged (a check it combines was not read "
		        "or is unknown): the %s grade cannot be better than D until it is%s\n", before,
		        (int)strcspn(p, ","), p, cat, after);
}

/* The same list as a JSON array (new reference). */
static json_t *unjudged_json(const char *list)
{
	json_t *a = json_array();

	for (const char *p = list; p && *p; p += strcspn(p, ","), p += *p == ',')
		json_array_append_new(a, json_stringn(p, strcspn(p, ",")));
	return a;
}

static void md_text(FILE *f, const char *s, size_t max);

/* Decisions in the inventory that the audit log does not vouch for: how
 * many were set aside, and why, in one sentence each; text writes the
 * parts that come from the inventory, escaped the way the format needs. */
static void say_ignored(FILE *f, const char *before, const struct chk_ignored *ig,
                        const char *after, void (*text)(FILE *f, const char *s, size_t max))
{
	if (ig->waivers || ig->attestations || ig->settings || ig->tags) {
		fprintf(f, "%snot honoured: %zu waiver(s), %zu attestation(s), %zu setting(s) and %zu "
		        "tag(s) are in the inventory but not in the audit log as they stand", before,
		        ig->waivers, ig->attestations, ig->settings, ig->tags);
		if (ig->settings) {
			fputs(" (the default is used for ", f);
			text(f, ig->setting_keys, sizeof ig->setting_keys);
			fputc(')', f);
		}
		fprintf(f, ": record them again with osdwarden waive, attest, settings set or tag%s\n",
		        after);
	}
	if (ig->log_broken) {
		fprintf(f, "%sthe audit log does not verify (", before);
		text(f, ig->why, sizeof ig->why);
		fprintf(f, "): no waiver, attestation or changed setting is honoured until it does "
		        "(osdwarden audit verify)%s\n", after);
	}
}

static void plain_text(FILE *f, const char *s, size_t max)
{
	char *safe = san_str(s ? s : "", max, SAN_ASCII);
	fputs(safe ? safe : "?", f);
	free(safe);
}

/* The same as JSON (new reference). */
static json_t *ignored_json(const struct chk_ignored *ig)
{
	json_t *o = json_pack("{s:I,s:I,s:o,s:I,s:b}", "waivers", (json_int_t)ig->waivers,
	                      "attestations", (json_int_t)ig->attestations, "settings",
	                      unjudged_json(ig->setting_keys), "tags", (json_int_t)ig->tags,
	                      "audit_log_verifies", !ig->log_broken);

	if (o && ig->log_broken)
		json_object_set_new(o, "why", json_string(ig->why));
	return o;
}

/* The dashboard's figures (checks/summary), one line per category:
 * failing findings no waiver covers by severity, what awaits an
 * attestation, the failing chains. */
static void say_summary(FILE *f, const struct chk_run *run)
{
	struct chk_summary sum;
	char sev[96];

	chk_summary_of_run(run, &sum);
	for (int cat = CAT_SECURITY; cat <= CAT_PRIVACY; cat++) {
		const struct chk_summary_cat *c = &sum.cat[cat];
		chk_summary_severities(c, sev, sizeof sev);
		fprintf(f, "%-8s failing %s  to attest %ld", chk_cat_name((enum chk_cat)cat), sev,
		        c->to_attest);
		for (int k = 0; k < CHK_SUMMARY_CHAINS && c->chains[k]; k++)
			fprintf(f, "%s%s", k ? ", " : "  failing chain ", c->chains[k]->id);
		fputc('\n', f);
	}
}

/* How many objects per check the text report names unless asked for all. */
#define TEXT_FIRST 5

/* One object of the text report: its state, baseline and name, and under
 * it the evidence in words. */
static void text_object(FILE *f, const struct chk_result *r, int64_t now, unsigned flags)
{
	char *name = san_str(r->object_name ? r->object_name : r->object_key, 60, flags);
	char *line = chk_evidence_line(r->evidence, now);
	char *safe = line ? san_str(line, 2000, flags) : NULL;

	fprintf(f, "    %-6s %-9s %s%s\n", chk_state_name(r->state), r->baseline ? r->baseline : "",
	        name ? name : "?", r->waived ? "  (waived)" : "");
	if (safe && safe[0])
		fprintf(f, "        %s\n", safe);
	free(name);
	free(line);
	free(safe);
}

int chk_write_text(FILE *f, const struct chk_run *run, bool ascii, bool all)
{
	unsigned flags = ascii ? SAN_ASCII : 0;
	struct check_sum *sum = summarize(run);

	if (!sum)
		return -1;

	fprintf(f, "osdwarden check: run %lld%s  security %s (%d)%s  privacy %s (%d)%s\n",
	        (long long)run->id, run->previous ? "" : " (first run)", run->grades.security,
	        run->grades.security_score, run->grades.security_capped ? " capped by a chain" : "",
	        run->grades.privacy, run->grades.privacy_score,
	        run->grades.privacy_capped ? " capped by a chain" : "");
	say_unjudged(f, "incomplete: ", run->grades.security_unjudged, "security", "");
	say_unjudged(f, "incomplete: ", run->grades.privacy_unjudged, "privacy", "");
	say_ignored(f, "", &run->ignored, "", plain_text);
	say_summary(f, run);
	fprintf(f, "%-13s %-8s %-16s %s\n", "STATE", "SEVERITY", "CHECK", "TITLE");
	for (size_t k = 0; k < chk_count(); k++) {
		const struct chk_def *d = chk_at(k);
		size_t shown = 0;
		if (!sum[k].present)
			continue;
		fprintf(f, "%-13s %-8s %-16s %s", chk_state_name(sum[k].state), chk_sev_name(d->sev),
		        d->id, d->title);
		if (sum[k].fails)
			fprintf(f, " (%zu failing)", sum[k].fails);
		fputc('\n', f);
		for (size_t i = 0; i < run->n && (all || shown < TEXT_FIRST); i++) {
			const struct chk_result *r = &run->results[i];
			if (r->def != d || !is_listed(r->state))
				continue;
			shown++;
			text_object(f, r, run->started, flags);
		}
		if (shown < sum[k].listed)
			fprintf(f, "    ... and %zu more: osdwarden check --all\n", sum[k].listed - shown);
	}
	free(sum);
	return finish(f, 0);
}

/* Streams the findings: one small tree per finding, so memory does not
 * grow with hundreds of thousands of them. */
int chk_write_json(FILE *f, const struct chk_run *run)
{
	json_t *head = json_object(), *checks = json_array();
	size_t written = 0;
	char *text;
	int rc = 0;

	json_object_set_new(head, "run", json_pack("{s:I,s:I,s:o}", "id", (json_int_t)run->id,
	                                           "started", (json_int_t)run->started, "previous",
	                                           run->previous ? json_integer(run->previous) : json_null()));
	json_object_set_new(head, "grades", json_pack("{s:{s:s,s:i,s:b,s:o},s:{s:s,s:i,s:b,s:o}}",
	                    "security", "grade", run->grades.security, "score", run->grades.security_score,
	                    "capped", run->grades.security_capped,
	                    "unjudged_chains", unjudged_json(run->grades.security_unjudged),
	                    "privacy", "grade", run->grades.privacy, "score", run->grades.privacy_score,
	                    "capped", run->grades.privacy_capped,
	                    "unjudged_chains", unjudged_json(run->grades.privacy_unjudged)));
	json_object_set_new(head, "ignored_decisions", ignored_json(&run->ignored));
	struct check_sum *sum = summarize(run);
	if (!sum) {
		json_decref(head);
		json_decref(checks);
		return -1;
	}
	for (size_t k = 0; k < chk_count(); k++) {
		const struct chk_def *d = chk_at(k);
		if (!sum[k].present)
			continue;
		json_array_append_new(checks, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s?}", "id", d->id,
		                      "title", d->title, "category", chk_cat_name(d->cat), "severity",
		                      chk_sev_name(d->sev), "automation", chk_auto_name(d->automation),
		                      "state", chk_state_name(sum[k].state), "refs", d->refs));
	}
	free(sum);
	json_object_set_new(head, "checks", checks);
	/* ASCII only, like every JSON osdwarden writes: terminal-safe as is. */
	text = json_dumps(head, JSON_INDENT(1) | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
	json_decref(head);
	if (!text)
		return -1;
	/* Open the object again to append "findings" as a stream. */
	text[strlen(text) - 2] = '\0';   /* drop "\n}" */
	fprintf(f, "%s,\n \"findings\": [", text);
	free(text);
	for (size_t i = 0; i < run->n; i++) {
		const struct chk_result *r = &run->results[i];
		json_t *one;
		char *s;
		if (!is_finding(r->state))
			continue;
		one = json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:s?,s:s?,s:b}",
		                "check_id", r->def->id, "state", chk_state_name(r->state),
		                "severity", chk_sev_name(r->sev), "object_type", r->object_type,
		                "object_id", r->object_key, "object_name", r->object_name,
		                "baseline", r->baseline, "waived", r->waived);
		s = json_dumps(one, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
		json_decref(one);
		if (!s) {
			rc = -1;
			continue;
		}
		/* The evidence is already ASCII-only compact JSON: embed it. */
		s[strlen(s) - 1] = '\0';
		fprintf(f, "%s\n  %s,\"evidence\":%s}", written++ ? "," : "", s,
		        r->evidence ? r->evidence : "{}");
		free(s);
	}
	fputs("\n ]\n}\n", f);
	return finish(f, rc);
}

/* --- SARIF 2.1.0: rules = checks, results = findings, suppressions =
 * waivers, baselineState from history. ------------------------------- */

static const char *sarif_level(const struct chk_result *r)
{
	if (r->state != CS_FAIL)
		return "none";
	return r->sev >= SEV_HIGH ? "error" : r->sev == SEV_MEDIUM ? "warning" : "note";
}

static const char *sarif_kind(enum chk_state s)
{
	switch (s) {
	case CS_FAIL: return "fail";
	case CS_PASS: case CS_FIXED: return "pass";
	case CS_NOTCHECKED: return "review";
	case CS_INFORMATIONAL: return "informational";
	case CS_NOTAPPLICABLE: return "notApplicable";
	case CS_ERROR: case CS_UNKNOWN: break;
	}
	return "open";   /* could not be decided */
}

/* Where the README lists the checks: its "### The catalogue" heading. */
#define CHK_DOCS_CATALOGUE "README.md#the-catalogue"

/* One SARIF result for a finding (a new object, or NULL out of memory);
 * its message names the evidence in words. */
static json_t *sarif_result(const struct chk_result *r, size_t rule_index, int64_t now)
{
	json_t *res, *loc;
	char fq[600];
	json_t *ev = r->evidence ? json_loads(r->evidence, 0, NULL) : NULL;
	char *line = chk_evidence_line_of(ev, now);
	struct buf msg = BUF_INIT;

	snprintf(fq, sizeof fq, "%s/%s", r->object_type ? r->object_type : "site",
	         r->object_key ? r->object_key : "*");
	buf_addf(&msg, "%s: %s (%s)", r->def->title, r->object_name ? r->object_name : fq,
	         chk_state_name(r->state));
	if (line && line[0])
		buf_addf(&msg, ": %s", line);
	free(line);
	if (msg.failed) {
		buf_free(&msg);
		json_decref(ev);
		return NULL;
	}
	/* The message is what viewers print (`jq -r`, a terminal): no control
	 * or bidi character of the site reaches it; the raw values stay in
	 * the location and properties.evidence. */
	{
		char *safe = san_str(buf_str(&msg), msg.len + 1, 0);
		buf_free(&msg);
		if (!safe) {
			json_decref(ev);
			return NULL;
		}
		buf_adds(&msg, safe);
		free(safe);
	}
	loc = json_pack("[{s:[{s:s,s:s,s:s}]}]", "logicalLocations", "name",
	                r->object_name ? r->object_name : fq, "fullyQualifiedName", fq, "kind", "resource");
	res = json_pack("{s:s,s:I,s:s,s:s,s:{s:s},s:o,s:{s:s,s:s,s:o}}", "ruleId", r->def->id,
	                "ruleIndex", (json_int_t)rule_index, "kind", sarif_kind(r->state), "level",
	                sarif_level(r), "message", "text", buf_str(&msg), "locations", loc, "properties", "state",
	                chk_state_name(r->state), "severity", chk_sev_name(r->sev), "evidence",
	                ev ? json_incref(ev) : json_object());
	if (res && r->baseline)
		json_object_set_new(res, "baselineState",
		                    json_string(strcmp(r->baseline, "fixed") == 0 ? "absent" : r->baseline));
	if (res && r->waived) {
		json_t *w = ev ? json_object_get(ev, "waiver") : NULL;
		const char *why = w ? json_string_value(json_object_get(w, "reason")) : NULL;
		json_object_set_new(res, "suppressions", json_pack("[{s:s,s:s,s:s}]", "kind", "external",
		                    "status", "accepted", "justification", why ? why : "waived"));
	}
	json_decref(ev);
	buf_free(&msg);
	return res;
}

/* The log is written as a stream: the head (tool and rules) as one
 * document with its "results" array left open, then one result at a time,
 * so memory does not grow with the number of findings. */
int chk_write_sarif(FILE *f, const struct chk_run *run)
{
	json_t *rules = json_array(), *root;
	size_t index[CHK_MAX], nrules = 0, written = 0;
	char *text, *open_at;
	int rc = 0;
	struct check_sum *sum = summarize(run);

	if (!sum) {
		json_decref(rules);
		return -1;
	}
	for (size_t k = 0; k < chk_count(); k++) {
		const struct chk_def *d = chk_at(k);
		char help_md[1400];
		index[k] = nrules;
		if (!sum[k].present)
			continue;
		/* helpUri must be absolute (SARIF 2.1.0 3.49.12, "format": "uri" in
		 * the schema) and osdwarden has no public home to point at: the
		 * help's Markdown links the README's catalogue relatively. */
		snprintf(help_md, sizeof help_md, "%s\n\n%s is one row of "
		         "[the catalogue](" CHK_DOCS_CATALOGUE ").", d->remediation, d->id);
		json_array_append_new(rules, json_pack(
			"{s:s,s:{s:s},s:{s:s},s:{s:s,s:s},s:{s:s},s:{s:s,s:s,s:s,s:s?,s:s}}",
			"id", d->id, "shortDescription", "text", d->title, "fullDescription", "text",
			d->rationale, "help", "text", d->remediation, "markdown", help_md,
			"defaultConfiguration", "level",
			d->sev >= SEV_HIGH ? "error" : d->sev == SEV_MEDIUM ? "warning" : "note",
			"properties", "category", chk_cat_name(d->cat), "severity", chk_sev_name(d->sev),
			"automation", chk_auto_name(d->automation), "references", d->refs,
			"seedTopic", d->seed_topic));
		nrules++;
	}
	free(sum);
	json_t *unjudged = unjudged_json(run->grades.security_unjudged);
	json_t *more = unjudged_json(run->grades.privacy_unjudged);
	json_array_extend(unjudged, more);
	json_decref(more);
	/* "results" holds a marker string that is cut out and replaced by the stream. */
	root = json_pack("{s:s,s:s,s:[{s:{s:{s:s,s:s,s:s,s:o}},s:{s:I,s:s,s:s,s:o},s:s}]}",
	                 "$schema", "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0",
	                 "runs", "tool", "driver", "name", "osdwarden", "version", OSDWARDEN_VERSION,
	                 "informationUri", "https://example.invalid/osdwarden", "rules", rules,
	                 "properties", "runId", (json_int_t)run->id, "securityGrade",
	                 run->grades.security, "privacyGrade", run->grades.privacy,
	                 "unjudgedChains", unjudged, "results", "@RESULTS@");
	if (root)
		json_object_set_new(json_object_get(json_array_get(json_object_get(root, "runs"), 0),
		                                    "properties"),
		                    "ignoredDecisions", ignored_json(&run->ignored));
	text = root ? json_dumps(root, JSON_INDENT(1) | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	open_at = text ? strstr(text, "\"@RESULTS@\"") : NULL;
	if (!open_at) {
		free(text);
		return -1;
	}
	fprintf(f, "%.*s[", (int)(open_at - text), text);
	for (size_t i = 0; i < run->n && rc == 0; i++) {
		const struct chk_result *r = &run->results[i];
		json_t *res;
		if (!is_finding(r->state))
			continue;
		res = sarif_result(r, index[chk_index(r->def)], run->started);
		if (!res) {
			rc = -1;
			break;
		}
		fputs(written++ ? ",\n" : "\n", f);
		/* One write per result: json_dumpf writes token by token. */
		char *one = json_dumps(res, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
		json_decref(res);
		if (!one || fputs(one, f) == EOF)
			rc = -1;
		free(one);
	}
	fprintf(f, "\n   ]%s\n", open_at + strlen("\"@RESULTS@\""));
	free(text);
	return finish(f, rc);
}

/* --- Markdown: a report a reviewer reads. Site strings are sanitized and
 * escaped so they cannot become markup, links or HTML. --------------- */

static void md_text(FILE *f, const char *s, size_t max)
{
	char *safe = san_str(s ? s : "", max, 0);
	for (const char *p = safe ? safe : ""; *p; p++) {
		if (strchr("\\`*_{}[]()#+-.!|<>~", *p))
			fputc('\\', f);
		fputc(*p, f);
	}
	free(safe);
}

/* Markdown names a check's objects one by one up to MD_EACH; a check with
 * more (an association check at lab scale 1000 has 100,000 and more)
 * names the first MD_FIRST and counts the rest by state and baseline, so
 * the report stays readable. */
#define MD_EACH 300
#define MD_FIRST 100

static void md_object(FILE *f, const struct chk_result *r, int64_t now)
{
	char *line = chk_evidence_line(r->evidence, now);

	fputs("- ", f);
	md_text(f, r->object_name ? r->object_name : r->object_key, 120);
	fprintf(f, " — %s%s%s%s", chk_state_name(r->state), r->baseline ? ", " : "",
	        r->baseline ? r->baseline : "", r->waived ? ", waived" : "");
	if (line && line[0]) {
		fputs(": ", f);
		md_text(f, line, 2000);
	}
	fputc('\n', f);
	free(line);
}

static size_t baseline_index(const char *b)
{
	return !b ? 0 : strcmp(b, "new") == 0 ? 1 : strcmp(b, "unchanged") == 0 ? 2 : 3;
}

/* The objects of d past the first MD_FIRST, counted by state, baseline and
 * waiver. */
static void md_grouped(FILE *f, const struct chk_run *run, const struct chk_def *d, size_t skip)
{
	static const char *const baselines[] = { "", "new", "unchanged", "fixed" };
	size_t n[CS_FIXED + 1][4][2] = { 0 }, seen = 0, rest = 0;
	const char *sep = "";

	for (size_t i = 0; i < run->n; i++) {
		const struct chk_result *r = &run->results[i];
		if (r->def != d || !is_listed(r->state) || seen++ < skip)
			continue;
		n[r->state][baseline_index(r->baseline)][r->waived]++;
		rest++;
	}
	fprintf(f, "- and %zu more:", rest);
	for (int st = 0; st <= CS_FIXED; st++)
		for (size_t b = 0; b < 4; b++)
			for (int w = 0; w < 2; w++) {
				if (!n[st][b][w])
					continue;
				fprintf(f, "%s %zu %s%s%s%s%s", sep, n[st][b][w],
				        chk_state_name((enum chk_state)st), b || w ? " (" : "", baselines[b],
				        w ? (b ? ", waived" : "waived") : "", b || w ? ")" : "");
				sep = ",";
			}
	fputs("; the JSON and SARIF exports name each one\n", f);
}

int chk_write_markdown(FILE *f, const struct chk_run *run)
{
	fprintf(f, "# osdwarden checklist report\n\n");
	fprintf(f, "Run %lld%s. Security grade **", (long long)run->id,
	        run->previous ? "" : " (first run)");
	md_text(f, run->grades.security, 8);
	fprintf(f, "** (score %d%s), privacy grade **", run->grades.security_score,
	        run->grades.security_capped ? ", capped by a failing chain" : "");
	md_text(f, run->grades.privacy, 8);
	fprintf(f, "** (score %d%s).\n\n", run->grades.privacy_score,
	        run->grades.privacy_capped ? ", capped by a failing chain" : "");
	say_unjudged(f, "**Incomplete:** ", run->grades.security_unjudged, "security", ".\n");
	say_unjudged(f, "**Incomplete:** ", run->grades.privacy_unjudged, "privacy", ".\n");
	say_ignored(f, "**Audit:** ", &run->ignored, ".\n", md_text);
	fprintf(f, "A grade ending in `*` is incomplete: some checks could not be evaluated, or a "
	        "critical chain could not be judged.\n\n");
	struct check_sum *sum = summarize(run);
	if (!sum)
		return -1;
	fprintf(f, "| state | severity | check | title | failing |\n|---|---|---|---|---|\n");
	for (size_t k = 0; k < chk_count(); k++) {
		const struct chk_def *d = chk_at(k);
		if (!sum[k].present)
			continue;
		fprintf(f, "| %s | %s | %s | %s | %zu |\n", chk_state_name(sum[k].state),
		        chk_sev_name(d->sev), d->id, d->title, sum[k].fails);
	}
	for (size_t k = 0; k < chk_count(); k++) {
		const struct chk_def *d = chk_at(k);
		size_t shown = 0, each = sum[k].listed > MD_EACH ? MD_FIRST : MD_EACH;
		if (!sum[k].listed)
			continue;
		fprintf(f, "\n## %s — %s (%s, %s)\n\n%s\n\n**Fix.** %s\n\n", d->id, d->title,
		        chk_sev_name(d->sev), chk_cat_name(d->cat), d->rationale, d->remediation);
		for (size_t i = 0; i < run->n && shown < each; i++) {
			const struct chk_result *r = &run->results[i];
			if (r->def != d || !is_listed(r->state))
				continue;
			shown++;
			md_object(f, r, run->started);
		}
		if (shown < sum[k].listed)
			md_grouped(f, run, d, shown);
	}
	free(sum);
	return finish(f, 0);
}
