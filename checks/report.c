/* Exports of a check run: text for people, JSON as the native model. */
#include <stdio.h>
#include <string.h>

#include "checks/checks.h"
#include "checks/summary.h"
#include "checks/words.h"
#include "util/buf.h"
#include "util/sanitize.h"

/* What the run says about each check, in catalogue order, from its
 * counts (no result is read). */
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

/* sum[k] for every catalogue entry k. */
static void summarize(const struct chk_run *run, struct check_sum *sum)
{
	static const enum chk_state order[] = {
		CS_FAIL, CS_ERROR, CS_UNKNOWN, CS_NOTCHECKED, CS_FIXED, CS_INFORMATIONAL, CS_PASS,
	};

	for (size_t k = 0; k < chk_count(); k++) {
		const size_t *n = run->counts[k];
		size_t all = 0;
		for (int st = 0; st <= CS_FIXED; st++)
			all += n[st];
		sum[k] = (struct check_sum){ .present = all > 0, .state = CS_NOTAPPLICABLE,
		                             .fails = n[CS_FAIL],
		                             .listed = n[CS_FAIL] + n[CS_ERROR] + n[CS_FIXED] };
		for (size_t o = 0; o < sizeof order / sizeof order[0]; o++) {
			if (n[order[o]]) {
				sum[k].state = order[o];
				break;
			}
		}
	}
}

/* Whether s reads the same after util/sanitize with a bound of max
 * characters: printable ASCII that fits, as nearly all evidence is. The
 * sanitizer's byte-by-byte copy of such text was a tenth of an export. */
static bool plain(const char *s, size_t len, size_t max)
{
	if (max && len > max)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7E)
			return false;
	return true;
}

/* s sanitized (max characters, flags), written to f. */
static void put_safe(FILE *f, const char *s, size_t max, unsigned flags)
{
	char *safe;

	if (plain(s, strlen(s), max)) {
		fputs(s, f);
		return;
	}
	safe = san_str(s, max, flags);
	fputs(safe ? safe : "?", f);
	free(safe);
}

/* s as a JSON string onto b, as jansson writes it with JSON_ENSURE_ASCII
 * (the exports stay byte for byte what they were), or null. A byte that
 * is not UTF-8, which jansson refuses, is written visibly as \xFF text
 * instead of failing the whole export. */
static void json_str(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		buf_add(b, "null", 4);
		return;
	}
	buf_addc(b, '"');
	while (*p) {
		const unsigned char *run = p;
		unsigned cp;
		size_t n;
		while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
			p++;
		buf_add(b, run, (size_t)(p - run));
		if (!*p)
			break;
		switch (*p) {
		case '"': buf_add(b, "\\\"", 2); p++; continue;
		case '\\': buf_add(b, "\\\\", 2); p++; continue;
		case '\b': buf_add(b, "\\b", 2); p++; continue;
		case '\f': buf_add(b, "\\f", 2); p++; continue;
		case '\n': buf_add(b, "\\n", 2); p++; continue;
		case '\r': buf_add(b, "\\r", 2); p++; continue;
		case '\t': buf_add(b, "\\t", 2); p++; continue;
		default: break;
		}
		n = san_utf8_decode(p, strnlen((const char *)p, 4), &cp);
		if (n == 0) {
			buf_addf(b, "\\\\x%02X", *p);
			p++;
		} else if (cp >= 0x10000) {
			cp -= 0x10000;
			buf_addf(b, "\\u%04X\\u%04X", 0xD800 | (cp >> 10), 0xDC00 | (cp & 0x3FF));
			p += n;
		} else {
			buf_addf(b, "\\u%04X", cp);
			p += n;
		}
	}
	buf_addc(b, '"');
}

/* s[len] as a JSON string onto b when it is printable ASCII (what
 * util/sanitize leaves as it is), in one pass; false, with b as it was,
 * when it is not. */
static bool json_str_plain(struct buf *b, const char *s, size_t len)
{
	size_t mark = b->len, from = 0;

	buf_addc(b, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c > 0x7E) {
			buf_truncate(b, mark);
			return false;
		}
		if (c == '"' || c == '\\') {
			buf_add(b, s + from, i - from);
			buf_addc(b, '\\');
			from = i;
		}
	}
	buf_add(b, s + from, len - from);
	buf_addc(b, '"');
	return true;
}

/* A string literal onto b, its length known when compiled. */
#define ADD(b, literal) buf_add((b), literal, sizeof literal - 1)

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
	put_safe(f, s ? s : "", max, SAN_ASCII);
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
	char *line = chk_evidence_line(r->evidence, now);

	fprintf(f, "    %-6s %-9s ", chk_state_name(r->state), r->baseline ? r->baseline : "");
	put_safe(f, r->object_name ? r->object_name : r->object_key ? r->object_key : "", 60, flags);
	fputs(r->waived ? "  (waived)\n" : "\n", f);
	if (line && line[0]) {
		fputs("        ", f);
		put_safe(f, line, 2000, flags);
		fputc('\n', f);
	}
	free(line);
}

/* The objects a report names of one check, up to max (0: all). */
struct listing {
	FILE *f;
	const struct chk_run *run;
	int64_t now;
	unsigned flags;
	size_t shown, max;
	void (*object)(struct listing *l, const struct chk_result *r);
};

static int list_object(void *ctx, const struct chk_result *r)
{
	struct listing *l = ctx;

	if (!is_listed(r->state))
		return 0;
	if (l->max && l->shown == l->max)
		return 1;   /* enough: stop reading */
	l->shown++;
	l->object(l, r);
	return 0;
}

/* The listed objects of check k, the first max of them (0: all); the
 * number named in *shown. -1 when the results could not be read. */
static int list_check(struct listing *l, size_t k, size_t max)
{
	l->shown = 0;
	l->max = max;
	return chk_run_each(l->run, (int)k, list_object, l) < 0 ? -1 : 0;
}

static void text_listed(struct listing *l, const struct chk_result *r)
{
	text_object(l->f, r, l->now, l->flags);
}

int chk_write_text(FILE *f, const struct chk_run *run, bool ascii, bool all)
{
	struct check_sum sum[CHK_MAX];
	struct listing l = { .f = f, .run = run, .now = run->started,
	                     .flags = ascii ? SAN_ASCII : 0, .object = text_listed };
	int rc = 0;

	summarize(run, sum);
	/* a run read-only or of one category is not stored */
	if (run->id)
		fprintf(f, "osdwarden check: run %lld%s", (long long)run->id,
		        run->previous ? "" : " (first run)");
	else if (run->previous)
		fprintf(f, "osdwarden check: not stored, compared with run %lld",
		        (long long)run->previous);
	else
		fprintf(f, "osdwarden check: not stored, no run before");
	fprintf(f, "  security %s (%d)%s  privacy %s (%d)%s\n", run->grades.security,
	        run->grades.security_score, run->grades.security_capped ? " capped by a chain" : "",
	        run->grades.privacy, run->grades.privacy_score,
	        run->grades.privacy_capped ? " capped by a chain" : "");
	say_unjudged(f, "incomplete: ", run->grades.security_unjudged, "security", "");
	say_unjudged(f, "incomplete: ", run->grades.privacy_unjudged, "privacy", "");
	say_ignored(f, "", &run->ignored, "", plain_text);
	say_summary(f, run);
	fprintf(f, "%-13s %-8s %-16s %s\n", "STATE", "SEVERITY", "CHECK", "TITLE");
	for (size_t k = 0; k < chk_count() && rc == 0; k++) {
		const struct chk_def *d = chk_at(k);
		if (!sum[k].present)
			continue;
		fprintf(f, "%-13s %-8s %-16s %s", chk_state_name(sum[k].state), chk_sev_name(d->sev),
		        d->id, d->title);
		if (sum[k].fails)
			fprintf(f, " (%zu failing)", sum[k].fails);
		fputc('\n', f);
		if (!sum[k].listed)
			continue;
		rc = list_check(&l, k, all ? 0 : TEXT_FIRST);
		if (l.shown < sum[k].listed)
			fprintf(f, "    ... and %zu more: osdwarden check --all\n", sum[k].listed - l.shown);
	}
	return finish(f, rc);
}

/* One finding of the JSON export, written whole to f. */
struct json_out {
	FILE *f;
	struct buf b;
	size_t written;
	int rc;
};

static int json_finding(void *ctx, const struct chk_result *r)
{
	struct json_out *o = ctx;
	struct buf *b = &o->b;

	if (!is_finding(r->state))
		return 0;
	buf_reset(b);
	buf_adds(b, o->written++ ? ",\n  {\"check_id\":" : "\n  {\"check_id\":");
	json_str(b, r->def->id);
	ADD(b, ",\"state\":");
	json_str(b, chk_state_name(r->state));
	ADD(b, ",\"severity\":");
	json_str(b, chk_sev_name(r->sev));
	ADD(b, ",\"object_type\":");
	json_str(b, r->object_type);
	ADD(b, ",\"object_id\":");
	json_str(b, r->object_key);
	ADD(b, ",\"object_name\":");
	json_str(b, r->object_name);
	ADD(b, ",\"baseline\":");
	json_str(b, r->baseline);
	buf_adds(b, r->waived ? ",\"waived\":true" : ",\"waived\":false");
	/* The evidence is already ASCII-only compact JSON: embed it. */
	ADD(b, ",\"evidence\":");
	buf_adds(b, r->evidence ? r->evidence : "{}");
	buf_addc(b, '}');
	if (b->failed) {
		o->rc = -1;
		return 1;
	}
	fwrite(b->data, 1, b->len, o->f);
	return 0;
}

/* Streams the findings, one at a time, so memory does not grow with
 * hundreds of thousands of them. */
int chk_write_json(FILE *f, const struct chk_run *run)
{
	json_t *head = json_object(), *checks = json_array();
	struct check_sum sum[CHK_MAX];
	struct json_out o = { .f = f, .b = BUF_INIT };
	char *text;

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
	summarize(run, sum);
	for (size_t k = 0; k < chk_count(); k++) {
		const struct chk_def *d = chk_at(k);
		if (!sum[k].present)
			continue;
		json_array_append_new(checks, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s?}", "id", d->id,
		                      "title", d->title, "category", chk_cat_name(d->cat), "severity",
		                      chk_sev_name(d->sev), "automation", chk_auto_name(d->automation),
		                      "state", chk_state_name(sum[k].state), "refs", d->refs));
	}
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
	if (chk_run_each(run, -1, json_finding, &o) < 0)
		o.rc = -1;
	buf_free(&o.b);
	fputs("\n ]\n}\n", f);
	return finish(f, o.rc);
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

/* Whether evidence text is what jansson writes for it (compact, ASCII,
 * no \u escape whose case could differ): then it is embedded as it is. */
static bool embeddable(const char *evidence)
{
	return plain(evidence, strlen(evidence), 0) && !strstr(evidence, "\\u");
}

/* The evidence as properties.evidence: the text as it is when words
 * found it a JSON object, else what jansson makes of it ({} when nothing). */
static void sarif_evidence(struct buf *b, const char *evidence, bool is_object)
{
	json_t *ev;
	char *s;

	if (evidence && is_object && embeddable(evidence)) {
		buf_adds(b, evidence);
		return;
	}
	ev = evidence ? json_loads(evidence, 0, NULL) : NULL;
	s = ev ? json_dumps(ev, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER) : NULL;
	buf_adds(b, s ? s : "{}");
	free(s);
	json_decref(ev);
}

/* A waived finding's justification: its waiver's reason, as the engine
 * put it in the evidence (a new string, or NULL). */
static char *waiver_reason(const char *evidence)
{
	json_t *ev = evidence ? json_loads(evidence, 0, NULL) : NULL;
	const char *why = json_string_value(json_object_get(json_object_get(ev, "waiver"), "reason"));
	char *copy = why ? strdup(why) : NULL;

	json_decref(ev);
	return copy;
}

#define FQ_MAX 599

struct sarif_out {
	FILE *f;
	struct buf fq;            /* the location's "type/key" */
	char index[CHK_MAX][24];  /* ",\"ruleIndex\":N" per catalogue entry */
	int64_t now;
	struct buf b, msg;
	size_t written;
	int rc;
};

/* One SARIF result for a finding, built by hand (jansson's tree and dump
 * per result were most of the export's time) in jansson's own layout; its
 * message names the evidence in words. */
static int sarif_result(void *ctx, const struct chk_result *r)
{
	struct sarif_out *o = ctx;
	struct buf *b = &o->b, *msg = &o->msg;
	char *why = NULL;
	bool is_object = false;
	const char *name, *fq;
	size_t before_words;

	if (!is_finding(r->state))
		return 0;
	buf_reset(&o->fq);
	buf_adds(&o->fq, r->object_type ? r->object_type : "site");
	buf_addc(&o->fq, '/');
	buf_adds(&o->fq, r->object_key ? r->object_key : "*");
	/* as long as it ever was (a buffer of 600) */
	buf_truncate(&o->fq, FQ_MAX);
	fq = buf_str(&o->fq);
	name = r->object_name ? r->object_name : fq;
	buf_reset(msg);
	buf_adds(msg, r->def->title);
	buf_add(msg, ": ", 2);
	buf_adds(msg, name);
	buf_add(msg, " (", 2);
	buf_adds(msg, chk_state_name(r->state));
	buf_addc(msg, ')');
	/* the evidence's words straight onto the message, and ": " taken
	 * back when it has none */
	before_words = msg->len;
	buf_add(msg, ": ", 2);
	chk_evidence_line_onto(msg, r->evidence, o->now, &is_object);
	if (msg->len == before_words + 2)
		buf_truncate(msg, before_words);
	buf_reset(b);
	buf_adds(b, o->written++ ? ",\n{\"ruleId\":" : "\n{\"ruleId\":");
	json_str(b, r->def->id);
	buf_adds(b, o->index[chk_index(r->def)]);
	ADD(b, ",\"kind\":");
	json_str(b, sarif_kind(r->state));
	ADD(b, ",\"level\":");
	json_str(b, sarif_level(r));
	/* The message is what viewers print (`jq -r`, a terminal): no control
	 * or bidi character of the site reaches it; the raw values stay in
	 * the location and properties.evidence. */
	ADD(b, ",\"message\":{\"text\":");
	if (!json_str_plain(b, buf_str(msg), msg->len)) {
		/* no bound: a control shown as ^A or <U+202E> is longer than
		 * itself, and a bound of the bytes cut the message's end */
		char *safe = san_str(buf_str(msg), 0, 0);
		if (!safe)
			return o->rc = -1;
		json_str(b, safe);
		free(safe);
	}
	ADD(b, "},\"locations\":[{\"logicalLocations\":[{\"name\":");
	json_str(b, name);
	ADD(b, ",\"fullyQualifiedName\":");
	json_str(b, fq);
	ADD(b, ",\"kind\":\"resource\"}]}],\"properties\":{\"state\":");
	json_str(b, chk_state_name(r->state));
	ADD(b, ",\"severity\":");
	json_str(b, chk_sev_name(r->sev));
	ADD(b, ",\"evidence\":");
	sarif_evidence(b, r->evidence, is_object);
	buf_addc(b, '}');
	if (r->baseline) {
		ADD(b, ",\"baselineState\":");
		json_str(b, strcmp(r->baseline, "fixed") == 0 ? "absent" : r->baseline);
	}
	if (r->waived) {
		why = waiver_reason(r->evidence);
		ADD(b, ",\"suppressions\":[{\"kind\":\"external\",\"status\":\"accepted\","
		         "\"justification\":");
		json_str(b, why ? why : "waived");
		ADD(b, "}]");
		free(why);
	}
	buf_addc(b, '}');
	if (b->failed || msg->failed)
		return o->rc = -1;
	/* One write per result. */
	fwrite(b->data, 1, b->len, o->f);
	return 0;
}

/* The log is written as a stream: the head (tool and rules) as one
 * document with its "results" array left open, then one result at a time,
 * so memory does not grow with the number of findings. */
int chk_write_sarif(FILE *f, const struct chk_run *run)
{
	json_t *rules = json_array(), *root;
	size_t nrules = 0;
	struct check_sum sum[CHK_MAX];
	struct sarif_out o = { .f = f, .fq = BUF_INIT, .now = run->started, .b = BUF_INIT,
	                       .msg = BUF_INIT };
	char *text, *open_at;

	summarize(run, sum);
	for (size_t k = 0; k < chk_count(); k++) {
		const struct chk_def *d = chk_at(k);
		char help_md[1400];
		snprintf(o.index[k], sizeof o.index[k], ",\"ruleIndex\":%zu", nrules);
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
	if (chk_run_each(run, -1, sarif_result, &o) < 0)
		o.rc = -1;
	buf_free(&o.b);
	buf_free(&o.msg);
	buf_free(&o.fq);
	fprintf(f, "\n   ]%s\n", open_at + strlen("\"@RESULTS@\""));
	free(text);
	return finish(f, o.rc);
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

static void md_object(struct listing *l, const struct chk_result *r)
{
	char *line = chk_evidence_line(r->evidence, l->now);

	fputs("- ", l->f);
	md_text(l->f, r->object_name ? r->object_name : r->object_key, 120);
	fprintf(l->f, " — %s%s%s%s", chk_state_name(r->state), r->baseline ? ", " : "",
	        r->baseline ? r->baseline : "", r->waived ? ", waived" : "");
	if (line && line[0]) {
		fputs(": ", l->f);
		md_text(l->f, line, 2000);
	}
	fputc('\n', l->f);
	free(line);
}

static size_t baseline_index(const char *b)
{
	return !b ? 0 : strcmp(b, "new") == 0 ? 1 : strcmp(b, "unchanged") == 0 ? 2 : 3;
}

/* A check's listed objects past the first skip, counted by state,
 * baseline and waiver. */
struct grouped {
	size_t n[CS_FIXED + 1][4][2];
	size_t seen, skip, rest;
};

static int md_count(void *ctx, const struct chk_result *r)
{
	struct grouped *g = ctx;

	if (!is_listed(r->state) || g->seen++ < g->skip)
		return 0;
	g->n[r->state][baseline_index(r->baseline)][r->waived]++;
	g->rest++;
	return 0;
}

static int md_grouped(FILE *f, const struct chk_run *run, size_t k, size_t skip)
{
	static const char *const baselines[] = { "", "new", "unchanged", "fixed" };
	struct grouped g = { .skip = skip };
	const char *sep = "";

	if (chk_run_each(run, (int)k, md_count, &g) < 0)
		return -1;
	fprintf(f, "- and %zu more:", g.rest);
	for (int st = 0; st <= CS_FIXED; st++)
		for (size_t b = 0; b < 4; b++)
			for (int w = 0; w < 2; w++) {
				if (!g.n[st][b][w])
					continue;
				fprintf(f, "%s %zu %s%s%s%s%s", sep, g.n[st][b][w],
				        chk_state_name((enum chk_state)st), b || w ? " (" : "", baselines[b],
				        w ? (b ? ", waived" : "waived") : "", b || w ? ")" : "");
				sep = ",";
			}
	fputs("; the JSON and SARIF exports name each one\n", f);
	return 0;
}

int chk_write_markdown(FILE *f, const struct chk_run *run)
{
	struct check_sum sum[CHK_MAX];
	struct listing l = { .f = f, .run = run, .now = run->started, .object = md_object };
	int rc = 0;

	fprintf(f, "# osdwarden checklist report\n\n");
	if (run->id)
		fprintf(f, "Run %lld%s. Security grade **", (long long)run->id,
		        run->previous ? "" : " (first run)");
	else
		fprintf(f, "Not stored%s. Security grade **", run->previous ? "" : " (no run before)");
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
	summarize(run, sum);
	fprintf(f, "| state | severity | check | title | failing |\n|---|---|---|---|---|\n");
	for (size_t k = 0; k < chk_count(); k++) {
		const struct chk_def *d = chk_at(k);
		if (!sum[k].present)
			continue;
		fprintf(f, "| %s | %s | %s | %s | %zu |\n", chk_state_name(sum[k].state),
		        chk_sev_name(d->sev), d->id, d->title, sum[k].fails);
	}
	for (size_t k = 0; k < chk_count() && rc == 0; k++) {
		const struct chk_def *d = chk_at(k);
		if (!sum[k].listed)
			continue;
		fprintf(f, "\n## %s — %s (%s, %s)\n\n%s\n\n**Fix.** %s\n\n", d->id, d->title,
		        chk_sev_name(d->sev), chk_cat_name(d->cat), d->rationale, d->remediation);
		rc = list_check(&l, k, sum[k].listed > MD_EACH ? MD_FIRST : MD_EACH);
		if (rc == 0 && l.shown < sum[k].listed)
			rc = md_grouped(f, run, k, l.shown);
	}
	return finish(f, rc);
}
