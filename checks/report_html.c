/* The HTML report: one file a reviewer opens or prints with no Office and
 * no network. Inline CSS and inline SVG only, no script, and a CSP that
 * forbids loading anything, so even a string that escaped the escaper
 * could fetch nothing. Every string from the site, the inventory or an
 * operator goes through one escaper (text()). A check's objects past the
 * first OBJ_SHOWN are counted by kind instead of listed, so a site with
 * 200,000 associations still gives a page a browser opens. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "checks/checks.h"
#include "checks/summary.h"
#include "checks/words.h"
#include "db/checkstore.h"
#include "db/decision.h"
#include "db/records.h"
#include "util/buf.h"
#include "util/sanitize.h"

#define OBJ_SHOWN 200     /* objects listed per check; the rest are grouped */
#define GROUPS_MAX 20     /* kinds of the rest named per check; the others are one line */
#define TREND_RUNS 30     /* stored runs in the trend */
#define PAIRS_MAX 16      /* evidence pairs shown per object */

struct html {
	FILE *f;
	const struct chk_run *run;
	struct inv *db;
	bool oom;
	/* the inventory's decisions, loaded once (db given) */
	struct inv_waiver *waivers;
	size_t nwaivers;
	struct inv_attestation *attests;
	size_t nattests;
	struct decision_log log;
	bool log_open;
	char why[200];            /* what could not be read from the inventory, "" when all was */
};

/* s as HTML text. util/sanitize first makes controls, bidi overrides and
 * bytes that are not UTF-8 visible (^[, <U+202E>, \xFF), as on every other
 * output path; then the five characters that could open markup or end an
 * attribute become entities. max bounds the characters (0: no bound). */
static void text(struct html *h, const char *s, size_t max)
{
	struct buf b = BUF_INIT;

	s = s ? s : "";
	san_append(&b, s, strlen(s), max, 0);
	if (b.failed)
		h->oom = true;
	for (const char *p = buf_str(&b); *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", h->f); break;
		case '<': fputs("&lt;", h->f); break;
		case '>': fputs("&gt;", h->f); break;
		case '"': fputs("&quot;", h->f); break;
		case '\'': fputs("&#39;", h->f); break;
		default: fputc(*p, h->f);
		}
	}
	buf_free(&b);
}

/* n with thousands separators: 199,700. */
static void number(struct html *h, long long n)
{
	char digits[32];
	int len = snprintf(digits, sizeof digits, "%lld", n < 0 ? -n : n);

	if (n < 0)
		fputc('-', h->f);
	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			fputc(',', h->f);
		fputc(digits[i], h->f);
	}
}

/* "3 new, 0 unchanged": each number followed by its words. */
static void counted(struct html *h, const long long *n, const char *const *words, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		number(h, n[i]);
		fputs(words[i], h->f);
	}
}

static void when(struct html *h, int64_t t)
{
	char iso[32], shown[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&tt, &tm)) {
		fputs("unknown", h->f);
		return;
	}
	strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(shown, sizeof shown, "%Y-%m-%d %H:%M UTC", &tm);
	fprintf(h->f, "<time datetime=\"%s\">%s</time>", iso, shown);
}

/* A state as a word in a badge: the word carries the meaning, the colour
 * only repeats it. */
static void badge(struct html *h, enum chk_state st, bool waived)
{
	fprintf(h->f, "<span class=\"st st-%s\">%s%s</span>", chk_state_name(st), chk_state_name(st),
	        waived ? ", waived" : "");
}

static bool is_finding(enum chk_state s)
{
	return s != CS_PASS && s != CS_NOTAPPLICABLE;
}

/* What the run says about each check: from its counts, and the
 * baselines from one pass over its results. */
struct per_check {
	bool present;
	enum chk_state state;     /* the worst news among its results */
	size_t findings, fails, waived, fresh, unchanged, fixed;
};

static int count_baseline(void *ctx, const struct chk_result *r)
{
	struct per_check *pc = ctx;
	struct per_check *c = &pc[chk_index(r->def)];

	if (r->baseline) {
		c->fresh += strcmp(r->baseline, "new") == 0;
		c->unchanged += strcmp(r->baseline, "unchanged") == 0;
		c->fixed += strcmp(r->baseline, "fixed") == 0;
	}
	return 0;
}

/* pc[k] for every catalogue entry; -1 when the results could not be read. */
static int tally(const struct chk_run *run, struct per_check *pc)
{
	static const enum chk_state worst[] = {
		CS_FAIL, CS_ERROR, CS_UNKNOWN, CS_NOTCHECKED, CS_FIXED, CS_INFORMATIONAL, CS_PASS,
	};

	for (size_t k = 0; k < chk_count(); k++) {
		const size_t *n = run->counts[k];
		pc[k] = (struct per_check){ .state = CS_NOTAPPLICABLE, .fails = n[CS_FAIL],
		                            .waived = run->waived[k] };
		for (int st = 0; st <= CS_FIXED; st++) {
			pc[k].present |= n[st] > 0;
			pc[k].findings += is_finding((enum chk_state)st) ? n[st] : 0;
		}
		for (size_t o = 0; o < sizeof worst / sizeof *worst; o++)
			if (n[worst[o]]) {
				pc[k].state = worst[o];
				break;
			}
	}
	return chk_run_each(run, -1, count_baseline, pc) < 0 ? -1 : 0;
}

/* The order of the states in a check's table: failures first. Each rank
 * is one state, so a check's rows are one pass over its results per
 * state it has (no array of every result to sort). */
static const enum chk_state by_rank[] = {
	CS_FAIL, CS_ERROR, CS_UNKNOWN, CS_NOTCHECKED, CS_INFORMATIONAL, CS_FIXED,
};

static const char STYLE[] =
	":root{color-scheme:light;--ink:#1b1f24;--dim:#57606a;--line:#d0d7de;--bg:#f6f8fa;"
	"--bad:#b42318;--warn:#b54708;--ok:#067647;--info:#175cd3}"
	"*{box-sizing:border-box}"
	"body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
	"color:var(--ink);margin:0 auto;padding:24px 28px 60px;max-width:1180px}"
	"h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 10px;border-bottom:1px solid "
	"var(--line);padding-bottom:4px}h3{font-size:17px;margin:0 0 6px}h4{font-size:14px;margin:14px 0 "
	"6px;text-transform:uppercase;letter-spacing:.04em;color:var(--dim)}"
	".sub,.meta,small{color:var(--dim)}"
	"code,pre,.id,.key{font-family:'DejaVu Sans Mono',ui-monospace,Menlo,Consolas,monospace;"
	"font-size:13px}"
	"pre{background:var(--bg);border:1px solid var(--line);padding:8px 10px;white-space:pre-wrap;"
	"word-break:break-word;margin:4px 0}"
	".grades{display:flex;gap:16px;flex-wrap:wrap;margin-top:18px}"
	".grade{flex:1 1 300px;border:1px solid var(--line);border-left:8px solid var(--dim);"
	"padding:12px 16px;border-radius:6px}"
	".grade h2{border:0;margin:0;font-size:15px;text-transform:uppercase;letter-spacing:.06em;"
	"color:var(--dim)}"
	".letter{font-size:54px;font-weight:700;line-height:1;margin:6px 0}"
	".g-A,.g-B{border-left-color:var(--ok)}.g-C{border-left-color:var(--warn)}"
	".g-D,.g-F{border-left-color:var(--bad)}"
	"table{border-collapse:collapse;width:100%;margin:6px 0 10px}"
	"th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}"
	"th{background:var(--bg);font-weight:600}td.n,th.n{text-align:right;"
	"font-variant-numeric:tabular-nums}"
	"td{overflow-wrap:anywhere}"
	"dl{display:grid;grid-template-columns:max-content 1fr;gap:0 10px;margin:0}"
	"dt{color:var(--dim)}dd{margin:0}"
	".st{display:inline-block;padding:0 6px;border-radius:4px;border:1px solid currentColor;"
	"font-size:12px;font-weight:600;white-space:nowrap}"
	".st-fail,.st-error{color:var(--bad)}.st-unknown,.st-notchecked{color:var(--warn)}"
	".st-pass,.st-fixed{color:var(--ok)}.st-informational,.st-notapplicable{color:var(--info)}"
	".check{border-top:2px solid var(--line);padding-top:14px;margin-top:22px}"
	"tr.more td{background:var(--bg);font-style:italic}"
	"table.objs th:nth-child(1){width:9em}table.objs th:nth-child(2){width:30%}"
	"table.objs th:nth-child(3){width:7em}"
	"ul.caps li{margin:4px 0}"
	"a{color:var(--info)}"
	"svg{max-width:100%;height:auto;border:1px solid var(--line);border-radius:6px}"
	"svg text{font:12px system-ui,'DejaVu Sans',sans-serif;fill:var(--dim)}"
	"@media print{body{max-width:none;padding:0;font-size:10pt}"
	"svg{width:100%}table.objs{table-layout:fixed}"
	"dl{display:block}dt{display:inline}dt::after{content:\": \"}"
	"dd{display:inline}dd::after{content:\"\\A\";white-space:pre}"
	"a{color:inherit;text-decoration:none}"
	".check{break-inside:auto;break-before:auto}h2,h3,h4{break-after:avoid}"
	"tr{break-inside:avoid}thead{display:table-header-group}"
	".grade,.st{print-color-adjust:exact;-webkit-print-color-adjust:exact}"
	"pre{white-space:pre-wrap}}";

static void head(struct html *h)
{
	const struct chk_run *run = h->run;

	/* The CSP comes first in <head>: nothing before it could load. */
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n"
	      "<meta name=\"referrer\" content=\"no-referrer\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n", h->f);
	/* a run read-only or of one category is not stored: it has no number */
	char title[40] = "not stored", sub[40] = "Not stored";
	if (run->id) {
		snprintf(title, sizeof title, "run %lld", (long long)run->id);
		snprintf(sub, sizeof sub, "Run %lld", (long long)run->id);
	}
	fprintf(h->f, "<title>osdwarden checklist report, %s</title>\n<style>%s</style>\n"
	        "</head>\n<body>\n<header>\n<h1>osdwarden checklist report</h1>\n<p class=\"sub\">%s, "
	        "judged as of ", title, STYLE, sub);
	when(h, run->started);
	if (run->previous)
		fprintf(h->f, "; new and fixed are counted against run %lld.", (long long)run->previous);
	else
		fputs("; the first run: there is nothing to compare with yet.", h->f);
	fputs(" A grade ending in * is incomplete.</p>\n</header>\n", h->f);
}

static void grade_card(struct html *h, const char *cat, const char *grade, int score, bool capped,
                       const char *unjudged)
{
	/* (a run with no grade yet would put a NUL byte in the file) */
	fprintf(h->f, "<div class=\"grade g-%c\"><h2>%s</h2><p class=\"letter\" id=\"grade-%s\">",
	        grade[0] ? grade[0] : '?', cat, cat);
	text(h, grade, 8);
	fputs("</p><p>", h->f);
	if (score < 0) {
		fputs("nothing read from the site was judged: no grade</p></div>\n", h->f);
		return;
	}
	fprintf(h->f, "score %d of 100", score);
	if (capped)
		fputs("; capped at D by a failing critical chain", h->f);
	if (unjudged && *unjudged)
		fputs("; at most D while a critical chain cannot be judged", h->f);
	fputs("</p></div>\n", h->f);
}

/* One <li> per name in a ',' separated list. */
static void unjudged_items(struct html *h, const char *list, const char *cat)
{
	for (const char *p = list; p && *p; p += strcspn(p, ","), p += *p == ',') {
		char id[64];
		snprintf(id, sizeof id, "%.*s", (int)strcspn(p, ","), p);
		fputs("<li>Critical chain <span class=\"id\">", h->f);
		text(h, id, 60);
		fprintf(h->f, "</span> could not be judged (a check it combines was not read or is "
		        "unknown): the %s grade cannot be better than D until it is.</li>\n", cat);
	}
}

/* What capped the grades: failing chains, chains not judged, decisions
 * the audit log does not vouch for (the same facts the text report says). */
static void caps(struct html *h, const struct chk_summary *sum)
{
	const struct chk_run *run = h->run;
	const struct chk_ignored *ig = &run->ignored;
	size_t items = 0;

	fputs("<section id=\"caps\"><h2>What limits the grades</h2>\n<ul class=\"caps\">\n", h->f);
	for (int cat = CAT_SECURITY; cat <= CAT_PRIVACY; cat++)
		for (int k = 0; k < CHK_SUMMARY_CHAINS && sum->cat[cat].chains[k]; k++, items++) {
			const struct chk_def *d = sum->cat[cat].chains[k];
			fprintf(h->f, "<li>Chain <a href=\"#%s\" class=\"id\">%s</a> (", d->id, d->id);
			text(h, d->title, 0);
			fprintf(h->f, ") fails and no waiver covers it: the %s grade is at most D while it "
			        "does.</li>\n", chk_cat_name((enum chk_cat)cat));
		}
	unjudged_items(h, run->grades.security_unjudged, "security");
	unjudged_items(h, run->grades.privacy_unjudged, "privacy");
	items += run->grades.security_unjudged[0] || run->grades.privacy_unjudged[0];
	if (ig->waivers || ig->attestations || ig->settings || ig->tags) {
		const long long n[] = { (long long)ig->waivers, (long long)ig->attestations,
		                        (long long)ig->settings, (long long)ig->tags };
		fputs("<li>Not honoured: ", h->f);
		counted(h, n, (const char *const[]){ " waiver(s), ", " attestation(s), ",
		                                     " setting(s) and ", " tag(s)" }, 4);
		fputs(" are in the inventory but not in the audit log as they stand", h->f);
		if (ig->settings) {
			fputs(" (the default is used for ", h->f);
			text(h, ig->setting_keys, sizeof ig->setting_keys);
			fputc(')', h->f);
		}
		fputs(": record them again with <code>osdwarden waive</code>, <code>attest</code>, "
		      "<code>settings set</code> or <code>tag</code>.</li>\n", h->f);
		items++;
	}
	if (ig->log_broken) {
		fputs("<li>The audit log does not verify (", h->f);
		text(h, ig->why, sizeof ig->why);
		fputs("): no waiver, attestation or changed setting is honoured until it does "
		      "(<code>osdwarden audit verify</code>).</li>\n", h->f);
		items++;
	}
	if (!items)
		fputs("<li>Nothing: no critical chain fails or is left unjudged, and every decision in "
		      "the inventory is one the audit log records.</li>\n", h->f);
	fputs("</ul>\n</section>\n", h->f);
}

static void counts(struct html *h, const struct chk_summary *sum)
{
	fputs("<section id=\"counts\"><h2>Failing findings by severity</h2>\n<p class=\"sub\">Failing "
	      "objects no waiver covers; to attest: manual controls awaiting an operator's "
	      "attestation.</p>\n<table><thead><tr><th>category</th>", h->f);
	for (int s = SEV_CRITICAL; s >= SEV_INFO; s--)
		fprintf(h->f, "<th class=\"n\">%s</th>", chk_sev_name((enum chk_sev)s));
	fputs("<th class=\"n\">to attest</th></tr></thead><tbody>\n", h->f);
	for (int cat = CAT_SECURITY; cat <= CAT_PRIVACY; cat++) {
		const struct chk_summary_cat *c = &sum->cat[cat];
		fprintf(h->f, "<tr><td>%s</td>", chk_cat_name((enum chk_cat)cat));
		for (int s = SEV_CRITICAL; s >= SEV_INFO; s--) {
			fputs("<td class=\"n\">", h->f);
			number(h, c->failing[s]);
			fputs("</td>", h->f);
		}
		fputs("<td class=\"n\">", h->f);
		number(h, c->to_attest);
		fputs("</td></tr>\n", h->f);
	}
	fputs("</tbody></table>\n</section>\n", h->f);
}

/* --- the trend: failing findings per stored run, as a step chart ----- */

struct point {
	int64_t id, started;
	long failing;
};

struct trend {
	struct point p[TREND_RUNS + 1];
	size_t n;
};

static int add_point(void *ctx, int64_t id, int64_t started, long failing)
{
	struct trend *t = ctx;

	if (t->n < TREND_RUNS)
		t->p[t->n++] = (struct point){ id, started, failing };
	return 0;
}

/* The chart's top: the next 1, 2 or 5 times a power of ten at or above v. */
static long nice_ceiling(long v)
{
	long p = 1;

	while (p * 10 <= v)
		p *= 10;
	return v <= p ? p : v <= 2 * p ? 2 * p : v <= 5 * p ? 5 * p : 10 * p;
}

static void trend(struct html *h)
{
	enum { W = 760, H = 220, L = 56, R = 16, T = 16, B = 40 };
	const struct chk_run *run = h->run;
	struct trend t = { .n = 0 };
	struct ow_err e = { 0 };
	long now_failing = 0, top = 1;
	bool stored = false;

	fputs("<section id=\"trend\"><h2>Trend over stored runs</h2>\n", h->f);
	for (size_t k = 0; k < chk_count(); k++)
		now_failing += (long)run->counts[k][CS_FAIL];
	if (h->db && inv_each_run_failures(h->db, TREND_RUNS, add_point, &t, &e) != 0) {
		fputs("<p>The stored runs could not be read (", h->f);
		text(h, e.msg, 200);
		fputs("); the trend is left out.</p>\n</section>\n", h->f);
		return;
	}
	for (size_t i = 0; i < t.n; i++)
		stored |= t.p[i].id == run->id;
	/* A whole run that was not stored (a read-only inventory) is still
	 * the last point; one of a category is not a point of this trend. */
	if (!stored && !run->partial)
		t.p[t.n++] = (struct point){ run->id, run->started, now_failing };
	for (size_t i = 0; i < t.n; i++)
		top = t.p[i].failing > top ? t.p[i].failing : top;
	top = nice_ceiling(top);
	fputs("<p class=\"sub\">Failing findings (waived ones included) per run, oldest first", h->f);
	if (t.n > 1) {
		fputs(": ", h->f);
		number(h, t.p[0].failing);
		fputs(" in run ", h->f);
		number(h, t.p[0].id);
		fputs(", ", h->f);
		number(h, t.p[t.n - 1].failing);
		fputs(" now.", h->f);
	} else {
		fputs(". One run so far: the line grows with each stored run.", h->f);
	}
	fputs("</p>\n", h->f);
	fprintf(h->f, "<svg viewBox=\"0 0 %d %d\" width=\"%d\" "
	        "height=\"%d\" role=\"img\" aria-labelledby=\"trend-title\"><title id=\"trend-title\">"
	        "Failing findings over the last %zu run(s)</title>\n", W, H, W, H, t.n);
	/* the axis, and reference lines at half and all of the top, labelled */
	fprintf(h->f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#d0d7de\"/>"
	        "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n", L, H - B, W - R, H - B,
	        L - 6, H - B + 4);
	for (int k = 1; k <= 2; k++) {
		int y = H - B - (H - T - B) * k / 2;
		fprintf(h->f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#d0d7de\" "
		        "stroke-dasharray=\"4 4\"/><text x=\"%d\" y=\"%d\" text-anchor=\"end\">", L, y,
		        W - R, y, L - 6, y + 4);
		number(h, top * k / 2);
		fputs("</text>\n", h->f);
	}
	double step = t.n > 1 ? (double)(W - L - R) / (double)(t.n - 1) : 0;
	double span = H - T - B;
	fputs("<path fill=\"none\" stroke=\"#b42318\" stroke-width=\"2.5\" d=\"", h->f);
	for (size_t i = 0; i < t.n; i++) {
		double x = L + step * (double)i, y = T + span - span * (double)t.p[i].failing / (double)top;
		if (i == 0)
			fprintf(h->f, "M%.1f %.1f", x, y);
		else
			fprintf(h->f, " H%.1f V%.1f", x, y);
	}
	if (t.n == 1)
		fprintf(h->f, " H%d", W - R);
	fputs("\"/>\n", h->f);
	for (size_t i = 0; i < t.n; i++) {
		double x = L + step * (double)i, y = T + span - span * (double)t.p[i].failing / (double)top;
		fprintf(h->f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"#b42318\"><title>run %lld: ",
		        x, y, (long long)t.p[i].id);
		number(h, t.p[i].failing);
		fputs(" failing</title></circle>", h->f);
		/* run numbers under the axis, thinned to about a dozen */
		if (t.n <= 12 || i % ((t.n + 11) / 12) == 0 || i + 1 == t.n)
			fprintf(h->f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%lld</text>", x,
			        H - B + 18, (long long)t.p[i].id);
		fputc('\n', h->f);
	}
	fprintf(h->f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">run</text></svg>\n",
	        (W + L) / 2, H - 4);
	fputs("</section>\n", h->f);
}

/* --- the checklist, then each check in full ------------------------- */

static bool has_decisions(const struct html *h, const struct chk_def *d);

static void checklist(struct html *h, const struct per_check *pc)
{
	fputs("<section id=\"checklist\"><h2>Checklist</h2>\n<table><thead><tr><th>state</th>"
	      "<th>severity</th><th>check</th><th>title</th><th class=\"n\">failing</th>"
	      "<th class=\"n\">new</th><th class=\"n\">fixed</th></tr></thead><tbody>\n", h->f);
	for (size_t k = 0; k < chk_count(); k++) {
		const struct chk_def *d = chk_at(k);
		if (!pc[k].present)
			continue;
		fputs("<tr><td>", h->f);
		badge(h, pc[k].state, false);
		fprintf(h->f, "</td><td>%s</td><td class=\"id\">", chk_sev_name(d->sev));
		if (pc[k].findings || has_decisions(h, d))
			fprintf(h->f, "<a href=\"#%s\">%s</a>", d->id, d->id);
		else
			fputs(d->id, h->f);
		fputs("</td><td>", h->f);
		text(h, d->title, 0);
		fputs("</td><td class=\"n\">", h->f);
		number(h, (long long)pc[k].fails);
		fputs("</td><td class=\"n\">", h->f);
		number(h, (long long)pc[k].fresh);
		fputs("</td><td class=\"n\">", h->f);
		number(h, (long long)pc[k].fixed);
		fputs("</td></tr>\n", h->f);
	}
	fputs("</tbody></table>\n</section>\n", h->f);
}

/* "associations" for the rows about type. */
static const char *plural(const char *type)
{
	static const struct {
		const char *type, *words;
	} names[] = {
		{ "dp", "distribution points" }, { "smp", "state migration points" },
		{ "smp_folder", "state migration folders" }, { "certificate", "certificates" },
		{ "boot_image", "boot images" }, { "media", "media" }, { "package", "packages" },
		{ "association", "associations" }, { "ts", "task sequences" },
		{ "deployment", "deployments" }, { "collection", "collections" },
		{ "collection_var", "collection variables" }, { "admin", "administrative users" },
		{ "role", "security roles" }, { "site", "sites" },
	};

	for (size_t i = 0; type && i < sizeof names / sizeof *names; i++)
		if (strcmp(type, names[i].type) == 0)
			return names[i].words;
	return "objects";
}

/* The rest of a check's objects, counted by what sets them apart: state,
 * baseline, waived, and the evidence's reason or the policy it broke. */
struct group {
	enum chk_state state;
	char baseline[16];        /* "" when none */
	bool waived;
	char why[160];
	size_t n;
	bool others;              /* the slot for every kind past GROUPS_MAX */
};

static bool same_kind(const struct group *g, const struct chk_result *r, const char *why)
{
	return g->state == r->state && g->waived == r->waived && strcmp(g->why, why) == 0 &&
	       strcmp(g->baseline, r->baseline ? r->baseline : "") == 0;
}

/* g holds up to GROUPS_MAX kinds, and one more slot for every kind past them. */
static void add_to_group(struct group *g, size_t *ng, const struct chk_result *r)
{
	size_t kinds = *ng < GROUPS_MAX ? *ng : GROUPS_MAX, i;
	char why[160];

	chk_evidence_why(r->evidence, why, sizeof why);
	for (i = 0; i < kinds && !same_kind(&g[i], r, why); i++)
		;
	if (i == kinds && kinds < GROUPS_MAX) {
		g[i] = (struct group){ .state = r->state, .waived = r->waived };
		snprintf(g[i].baseline, sizeof g[i].baseline, "%s", r->baseline ? r->baseline : "");
		snprintf(g[i].why, sizeof g[i].why, "%s", why);
		*ng = i + 1;
	} else if (i == kinds) {
		if (*ng == GROUPS_MAX)
			g[GROUPS_MAX] = (struct group){ .state = r->state, .others = true };
		*ng = GROUPS_MAX + 1;
	}
	g[i].n++;
}

static void object_row(struct html *h, const struct chk_result *r)
{
	struct chk_pair pairs[PAIRS_MAX];
	size_t np = chk_evidence_pairs(r->evidence, h->run->started, pairs, PAIRS_MAX);

	fputs("<tr class=\"obj\"><td>", h->f);
	badge(h, r->state, r->waived);
	fputs("</td><td>", h->f);
	text(h, r->object_name ? r->object_name : r->object_key, 200);
	if (r->object_type || r->object_key) {
		fputs("<br><small>", h->f);
		text(h, r->object_type, 40);
		fputs(" <span class=\"key\">", h->f);
		text(h, r->object_key, 120);
		fputs("</span></small>", h->f);
	}
	fputs("</td><td>", h->f);
	text(h, r->baseline, 20);
	fputs("</td><td>", h->f);
	if (np) {
		fputs("<dl>", h->f);
		for (size_t i = 0; i < np; i++) {
			fputs("<dt>", h->f);
			text(h, pairs[i].label, 0);
			fputs("</dt><dd>", h->f);
			text(h, pairs[i].value, 0);
			fputs("</dd>", h->f);
		}
		fputs("</dl>", h->f);
	}
	fputs("</td></tr>\n", h->f);
}

/* A check's rows, one state at a time: the first OBJ_SHOWN listed, the
 * rest counted in groups. */
struct rows {
	struct html *h;
	enum chk_state state;
	struct group g[GROUPS_MAX + 1];
	size_t ng, shown;
	char type[40];            /* the object type of the first row grouped that has one */
	bool typed;
};

static int object_or_group(void *ctx, const struct chk_result *r)
{
	struct rows *w = ctx;

	if (r->state != w->state)
		return 0;
	if (w->shown < OBJ_SHOWN) {
		object_row(w->h, r);
		w->shown++;
		return 0;
	}
	if (!w->typed && r->object_type) {
		snprintf(w->type, sizeof w->type, "%s", r->object_type);
		w->typed = true;
	}
	add_to_group(w->g, &w->ng, r);
	return 0;
}

static void objects(struct html *h, size_t k, const struct per_check *pc)
{
	const struct chk_run *run = h->run;
	struct rows w = { .h = h };

	fputs("<h4>Objects</h4>\n<p>", h->f);
	number(h, (long long)pc->fails);
	fputs(" failing", h->f);
	if (pc->waived) {
		fputs(" (", h->f);
		number(h, (long long)pc->waived);
		fputs(" of them waived)", h->f);
	}
	if (run->previous) {
		const long long n[] = { run->previous, (long long)pc->fresh, (long long)pc->unchanged,
		                        (long long)pc->fixed };
		fputs("; since run ", h->f);
		counted(h, n, (const char *const[]){ ": ", " new, ", " unchanged, ", " fixed" }, 4);
	}
	fputs(".</p>\n", h->f);
	if (!pc->findings)
		return;
	fputs("<table class=\"objs\"><thead><tr><th>state</th><th>object</th><th>since the last run"
	      "</th><th>evidence</th></tr></thead><tbody>\n", h->f);
	for (size_t i = 0; i < sizeof by_rank / sizeof *by_rank; i++) {
		w.state = by_rank[i];
		if (run->counts[k][w.state] && chk_run_each(run, (int)k, object_or_group, &w) < 0)
			h->oom = true;   /* not written in full */
	}
	for (size_t i = 0; i < w.ng; i++) {
		const struct group *g = &w.g[i];
		fputs("<tr class=\"more\"><td colspan=\"4\">and ", h->f);
		number(h, (long long)g->n);
		if (g->others) {
			fprintf(h->f, " more %s of other kinds (every one of them: <code>osdwarden check "
			        "--format json</code>)</td></tr>\n", plural(w.type));
			continue;
		}
		fprintf(h->f, " more %s like these: %s", plural(w.type), chk_state_name(g->state));
		if (g->waived)
			fputs(", waived", h->f);
		if (g->baseline[0]) {
			fputs(", ", h->f);
			text(h, g->baseline, 20);
		}
		if (g->why[0]) {
			fputs(", ", h->f);
			text(h, g->why, 160);
		}
		fputs(" (every one of them: <code>osdwarden check --format json</code>)</td></tr>\n", h->f);
	}
	fputs("</tbody></table>\n", h->f);
}

/* The remediation's console path and its PowerShell, told apart where
 * the catalogue's text says "PowerShell:". */
static void fix(struct html *h, const struct chk_def *d)
{
	const char *ps = d->remediation ? strstr(d->remediation, "PowerShell:") : NULL;
	char *console;

	if (!d->remediation)
		return;
	fputs("<h4>Fix</h4>\n<p>", h->f);
	if (!ps) {
		text(h, d->remediation, 0);
		fputs("</p>\n", h->f);
		return;
	}
	console = strndup(d->remediation, (size_t)(ps - d->remediation));
	if (!console) {
		h->oom = true;
		return;
	}
	fputs("<b>Console:</b> ", h->f);
	text(h, console, 0);
	free(console);
	fputs("</p>\n<p><b>PowerShell:</b></p><pre><code>", h->f);
	ps += strlen("PowerShell:");
	ps += strspn(ps, " ");
	text(h, ps, 0);
	fputs("</code></pre>\n", h->f);
}

/* One waiver or attestation: who and when as the audit row that vouches
 * for it says, its expiry, and whether this run honoured it. */
static void decision_row(struct html *h, const struct decision *dc, const char *table_operator)
{
	struct decision_row row = { 0 };
	struct ow_err e = { 0 };
	int v = h->log_open ? decision_verify(h->db, &h->log, dc, &row, &e) : -1;
	char why[900];

	fprintf(h->f, "<tr><td>%s</td><td>", dc->waiver ? "waiver" : "attestation");
	if (dc->object && dc->object[0])
		text(h, dc->object, 120);
	else
		fputs("every object", h->f);
	fputs("</td><td>", h->f);
	text(h, v == DECISION_HONOURED ? row.operator_name : table_operator, 120);
	fputs("</td><td>", h->f);
	when(h, v == DECISION_HONOURED ? row.ts : dc->created);
	fputs("</td><td>", h->f);
	fputs(dc->expires <= h->run->started ? "expired " : "expires ", h->f);
	when(h, dc->expires);
	fputs("</td><td>", h->f);
	text(h, dc->text, 400);
	fputs("</td><td>", h->f);
	if (v < 0) {
		fputs("not judged: ", h->f);
		text(h, h->log_open ? e.msg : h->why, 200);
	} else if (dc->expires <= h->run->started) {
		fputs("expired: counts for nothing", h->f);
	} else if (v == DECISION_HONOURED) {
		fprintf(h->f, "in force (audit row %lld)", (long long)row.seq);
	} else {
		decision_explain(&h->log, dc->waiver, (enum decision_verdict)v, &row, why, sizeof why);
		text(h, why, 400);
	}
	fputs("</td></tr>\n", h->f);
}

static void decisions(struct html *h, const struct chk_def *d)
{
	size_t n = 0;

	for (size_t i = 0; i < h->nwaivers + h->nattests; i++) {
		bool waiver = i < h->nwaivers;
		const struct inv_waiver *w = waiver ? &h->waivers[i] : NULL;
		const struct inv_attestation *a = waiver ? NULL : &h->attests[i - h->nwaivers];
		struct decision dc = {
			waiver, waiver ? w->check_id : a->check_id,
			(waiver ? w->object_key : a->object_key) ? (waiver ? w->object_key : a->object_key) : "",
			waiver ? w->reason : a->note, waiver ? w->created : a->created,
			waiver ? w->expires : a->expires,
		};
		if (!dc.check || strcmp(dc.check, d->id) != 0)
			continue;
		if (!n++)
			fputs("<h4>Waivers and attestations</h4>\n<table><thead><tr><th>kind</th>"
			      "<th>object</th><th>by</th><th>recorded</th><th>expiry</th><th>reason or note"
			      "</th><th>standing</th></tr></thead><tbody>\n", h->f);
		decision_row(h, &dc, waiver ? w->operator_name : a->operator_name);
	}
	if (n)
		fputs("</tbody></table>\n", h->f);
}

static bool has_decisions(const struct html *h, const struct chk_def *d)
{
	for (size_t i = 0; i < h->nwaivers; i++)
		if (h->waivers[i].check_id && strcmp(h->waivers[i].check_id, d->id) == 0)
			return true;
	for (size_t i = 0; i < h->nattests; i++)
		if (h->attests[i].check_id && strcmp(h->attests[i].check_id, d->id) == 0)
			return true;
	return false;
}

static void check_section(struct html *h, const struct chk_def *d, const struct per_check *pc)
{
	fprintf(h->f, "<section class=\"check\" id=\"%s\">\n<h3><span class=\"id\">%s</span> ", d->id,
	        d->id);
	text(h, d->title, 0);
	fputs("</h3>\n<p class=\"meta\">", h->f);
	badge(h, pc->state, false);
	fprintf(h->f, " severity %s · %s · %s", chk_sev_name(d->sev), chk_cat_name(d->cat),
	        d->automation == AUTO_AUTO ? "automated" : d->automation == AUTO_HYBRID
	        ? "partly automated, partly attested" : "attested by an operator");
	if (d->refs) {
		fputs(" · ", h->f);
		text(h, d->refs, 0);
	}
	if (d->inputs) {
		fputs(" · combines ", h->f);
		text(h, d->inputs, 0);
	}
	fputs("</p>\n<p>", h->f);
	text(h, d->rationale, 0);
	fputs("</p>\n", h->f);
	objects(h, chk_index(d), pc);
	fix(h, d);
	decisions(h, d);
	fputs("</section>\n", h->f);
}

/* The inventory's waivers and attestations and the audit log's verdict,
 * once per report; what could not be read is said, not hidden. */
static void load_decisions(struct html *h)
{
	struct ow_err e = { 0 };

	if (!h->db) {
		snprintf(h->why, sizeof h->why, "no inventory was given to the report");
		return;
	}
	if (inv_load_waiver(h->db, false, &h->waivers, &h->nwaivers, &e) != 0 ||
	    inv_load_attestation(h->db, false, &h->attests, &h->nattests, &e) != 0) {
		snprintf(h->why, sizeof h->why, "the decisions could not be read: %.150s", e.msg);
		return;
	}
	if (decision_log_open(h->db, &h->log, &e) != 0) {
		snprintf(h->why, sizeof h->why, "the audit log could not be read: %.150s", e.msg);
		return;
	}
	h->log_open = true;
}

int chk_write_html(FILE *f, const struct chk_run *run, struct inv *db)
{
	struct html h = { .f = f, .run = run, .db = db };
	struct chk_summary sum;
	struct per_check pc[CHK_MAX];

	if (tally(run, pc) != 0)
		return -1;
	load_decisions(&h);
	chk_summary_of_run(run, &sum);
	head(&h);
	fputs("<section class=\"grades\">\n", f);
	grade_card(&h, "security", run->grades.security, run->grades.security_score,
	           run->grades.security_capped, run->grades.security_unjudged);
	grade_card(&h, "privacy", run->grades.privacy, run->grades.privacy_score,
	           run->grades.privacy_capped, run->grades.privacy_unjudged);
	fputs("</section>\n", f);
	caps(&h, &sum);
	counts(&h, &sum);
	trend(&h);
	checklist(&h, pc);
	fputs("<section id=\"details\"><h2>Checks with findings</h2>\n", f);
	if (h.why[0]) {
		fputs("<p class=\"sub\">Waivers and attestations are not listed: ", f);
		text(&h, h.why, 200);
		fputs(".</p>\n", f);
	}
	for (size_t k = 0; k < chk_count(); k++)
		if (pc[k].present && (pc[k].findings || has_decisions(&h, chk_at(k))))
			check_section(&h, chk_at(k), &pc[k]);
	fputs("</section>\n<footer><p class=\"sub\">Written by osdwarden " OSDWARDEN_VERSION
	      ". Every object of every check: <code>osdwarden check --format json</code> or "
	      "<code>--format sarif</code>.</p></footer>\n</body>\n</html>\n", f);
	inv_unload_waiver(h.waivers, h.nwaivers);
	inv_unload_attestation(h.attests, h.nattests);
	if (h.log_open)
		decision_log_close(&h.log);
	return (fflush(f) != 0 || ferror(f) || h.oom) ? -1 : 0;
}
