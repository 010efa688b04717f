/* The dashboard: security and privacy grades, failing chains, failing
 * findings by severity, the trend over the stored check runs, the
 * components with what needs attention, the last sync, open tasks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks/checks.h"
#include "checks/stored.h"
#include "db/checkstore.h"
#include "db/records.h"
#include "db/tasks.h"
#include "tui/internal.h"

struct dash {
	bool evaluated;
	int64_t from_run, run_time;        /* the stored run shown, or 0 when evaluated here */
	struct chk_grades grades;
	long sev[2][SEV_CRITICAL + 1];     /* failing findings per category and severity */
	long attest[2];                    /* notchecked per category */
	char chains[2][2][160];            /* failing chain lines per category */
	char unjudged[2][160];             /* a critical chain that could not be judged */
	long trend[12];
	int ntrend;
	struct {
		const char *label;
		long total, attention;
		char first[160];
	} comp[5];
	int64_t last_sync;
	char tasks[3][200];
	int ntasks;
};

static int on_run(void *ctx, int64_t id, int64_t started, long failing)
{
	struct dash *d = ctx;

	(void)id;
	(void)started;
	if (d->ntrend < 12)
		d->trend[d->ntrend++] = failing;
	return 0;
}

static int on_task(void *ctx, const struct inv_task *t)
{
	struct dash *d = ctx;

	if (strcmp(t->state, "open") == 0 && d->ntasks < 3)
		snprintf(d->tasks[d->ntasks++], sizeof d->tasks[0], "#%lld %s %s: at step %d",
		         (long long)t->id, t->kind, t->target, t->current);
	return 0;
}

/* Which component a finding is about, by its object type. */
static int component_of(const char *type)
{
	static const char *const types[][3] = {
		{ "dp", NULL, NULL }, { "smp", "smp_folder", NULL }, { "boot_image", "media", "package" },
		{ "certificate", NULL, NULL }, { "association", NULL, NULL },
	};
	for (int i = 0; type && i < 5; i++)
		for (int k = 0; k < 3 && types[i][k]; k++)
			if (strcmp(type, types[i][k]) == 0)
				return i;
	return -1;
}

static void age(int64_t t, char *out, size_t n);

struct first_fail {
	struct dash *d;
	const char *const (*types)[3];
	int unused;
};

static int first_fail(void *ctx, const struct inv_finding *f)
{
	struct first_fail *ff = ctx;
	const struct chk_def *def = chk_find(f->check_id);

	for (int c = 0; c < 5; c++)
		for (int t = 0; t < 3 && ff->types[c][t]; t++)
			if (f->object_type && strcmp(f->object_type, ff->types[c][t]) == 0 &&
			    !ff->d->comp[c].first[0])
				snprintf(ff->d->comp[c].first, sizeof ff->d->comp[0].first, "%s: %s",
				         f->object_name ? f->object_name : "?", def ? def->title : f->check_id);
	return 1;
}

static int dash_load(struct tui_app *a, struct tui_view *v)
{
	static const char *const labels[] = { "distribution points", "state migration points",
	                                      "boot media and images", "certificates",
	                                      "computer associations" };
	static const char *const tables[] = { "dps", "smps", "boot_images", "certificates",
	                                      "associations" };
	struct dash *d = v->priv;
	struct chk_run run;
	struct chk_stored cs;
	struct ow_err e = { 0 };
	int src;
	struct inv_provider *provs = NULL;
	size_t np = 0;

	if (!d && !(d = v->priv = calloc(1, sizeof *d)))
		return -1;
	memset(d, 0, sizeof *d);
	for (int i = 0; i < 5; i++) {
		d->comp[i].label = labels[i];
		d->comp[i].total = (long)inv_count(a->o.db, tables[i], &e);
	}
	/* The latest stored run, when there is one: reading it back costs
	 * milliseconds where evaluating a large site costs seconds. */
	if ((src = chk_stored_load(a->o.db, &cs, &e)) == 0) {
		static const char *const types[5][3] = {
			{ "dp", NULL, NULL }, { "smp", "smp_folder", NULL },
			{ "boot_image", "media", "package" }, { "certificate", NULL, NULL },
			{ "association", NULL, NULL },
		};
		d->evaluated = true;
		d->from_run = cs.run_id;
		d->run_time = cs.finished;
		snprintf(d->grades.security, sizeof d->grades.security, "%.3s", cs.security);
		snprintf(d->grades.privacy, sizeof d->grades.privacy, "%.3s", cs.privacy);
		for (size_t k = 0; k < chk_count() && k < 64; k++) {
			const struct chk_def *def = chk_at(k);
			int cat = def->cat == CAT_PRIVACY;
			long fails = cs.counts[k][CS_FAIL];
			d->attest[cat] += cs.counts[k][CS_NOTCHECKED];
			d->sev[cat][def->sev] += fails;
			if (def->inputs && def->sev == SEV_CRITICAL && !d->unjudged[cat][0] &&
			    (cs.counts[k][CS_ERROR] || cs.counts[k][CS_UNKNOWN]))
				snprintf(d->unjudged[cat], sizeof d->unjudged[0], "%s: could not be judged",
				         def->id + 4);
			if (fails && strncmp(def->id, "OSD-CHAIN-", 10) == 0)
				for (int c = 0; c < 2; c++)
					if (!d->chains[cat][c][0]) {
						snprintf(d->chains[cat][c], sizeof d->chains[0][0], "%s: %s",
						         def->id + 4, def->title);
						break;
					}
		}
		/* The first failing object of each component: the first failure
		 * of each failing check, through the (run, check) index. */
		for (int c = 0; c < 5; c++)
			d->comp[c].attention = -1;
		for (size_t k = 0; k < chk_count() && k < 64; k++) {
			struct first_fail ff = { d, types, -1 };
			if (cs.counts[k][CS_FAIL])
				inv_each_finding(a->o.db, cs.run_id, chk_at(k)->id, NULL, "fail", 1, first_fail,
				                 &ff, &e);
		}
	} else if (src == INV_NOTFOUND && chk_evaluate_peek(a->o.db, (int64_t)time(NULL), &run, &e) == 0) {
		d->evaluated = true;
		d->grades = run.grades;
		for (size_t i = 0; i < run.n; i++) {
			const struct chk_result *r = &run.results[i];
			int cat = r->def->cat == CAT_PRIVACY, comp;
			if (r->state == CS_NOTCHECKED)
				d->attest[cat]++;
			if (r->def->inputs && r->sev == SEV_CRITICAL && !d->unjudged[cat][0] &&
			    (r->state == CS_ERROR || r->state == CS_UNKNOWN))
				snprintf(d->unjudged[cat], sizeof d->unjudged[0], "%s: could not be judged",
				         r->def->id + 4);
			if (r->state != CS_FAIL || r->waived)
				continue;
			d->sev[cat][r->sev]++;
			if (strncmp(r->def->id, "OSD-CHAIN-", 10) == 0) {
				for (int k = 0; k < 2; k++)
					if (!d->chains[cat][k][0]) {
						snprintf(d->chains[cat][k], sizeof d->chains[0][0], "%s: %s",
						         r->def->id + 4, r->def->title);
						break;
					}
			}
			if ((comp = component_of(r->object_type)) >= 0) {
				if (!d->comp[comp].attention++)
					snprintf(d->comp[comp].first, sizeof d->comp[0].first, "%s: %s",
					         r->object_name ? r->object_name : "?", r->def->title);
			}
		}
		chk_run_free(&run);
	} else {
		tui_flash(a, true, "checklist: %s", e.msg);
	}
	inv_each_run_failures(a->o.db, 12, on_run, d, &e);
	inv_task_each(a->o.db, on_task, d, &e);
	if (inv_load_provider(a->o.db, false, &provs, &np, &e) == 0) {
		for (size_t i = 0; i < np; i++)
			if (provs[i].last_sync_at != INV_NULL && provs[i].last_sync_at > d->last_sync)
				d->last_sync = provs[i].last_sync_at;
		inv_unload_provider(provs, np);
	}
	{
		struct inv_site *sites = NULL;
		size_t ns = 0;
		if (inv_load_site(a->o.db, false, &sites, &ns, &e) == 0 && ns)
			snprintf(a->site_name, sizeof a->site_name, "%s %s", sites[0].site_code,
			         sites[0].site_name ? sites[0].site_name : "");
		inv_unload_site(sites, ns);
	}
	{
		char when[64];
		age(d->last_sync, when, sizeof when);
		snprintf(v->title_extra, sizeof v->title_extra, "%s %s", tui_glyph(a, "\xc2\xb7", "-"),
		         when);
	}
	return 0;
}

static void age(int64_t t, char *out, size_t n)
{
	int64_t s = (int64_t)time(NULL) - t;

	if (t <= 0)
		snprintf(out, n, "never synced");
	else if (s < 120)
		snprintf(out, n, "synced %llds ago", (long long)s);
	else if (s < 7200)
		snprintf(out, n, "synced %lldm ago", (long long)(s / 60));
	else if (s < 172800)
		snprintf(out, n, "synced %lldh ago", (long long)(s / 3600));
	else
		snprintf(out, n, "synced %lldd ago", (long long)(s / 86400));
}

static void draw_panel(struct tui_app *a, const struct dash *d, int cat, int y, int x, int w)
{
	const char *grade = cat ? d->grades.privacy : d->grades.security;
	int n = 0;

	tui_putf(a, y, x, w, ST_HEADER, "%s  grade %s%s", cat ? "Privacy" : "Security",
	         d->evaluated ? grade : "?", (cat ? d->grades.privacy_capped : d->grades.security_capped)
	                                            ? " (capped by a chain)" : "");
	for (int k = 0; k < 2; k++)
		if (d->chains[cat][k][0])
			tui_putf(a, y + 1 + n++, x, w, ST_DANGER, "%s %s", tui_glyph(a, "\xe2\x9c\x97", "x"),
			         d->chains[cat][k]);
	if (d->unjudged[cat][0] && n < 2)
		tui_putf(a, y + 1 + n++, x, w, ST_WARN, "? %s", d->unjudged[cat]);
	if (n == 0)
		tui_putf(a, y + 1 + n++, x, w, ST_OK, "%s no failing chain", tui_glyph(a, "\xe2\x9c\x93", "ok"));
	tui_putf(a, y + 1 + n, x, w, ST_NORMAL, "crit %ld  high %ld  med %ld  low %ld",
	         d->sev[cat][SEV_CRITICAL], d->sev[cat][SEV_HIGH], d->sev[cat][SEV_MEDIUM],
	         d->sev[cat][SEV_LOW]);
	tui_putf(a, y + 2 + n, x, w, ST_DIM, "to attest %ld", d->attest[cat]);
}

static void dash_draw(struct tui_app *a, struct tui_view *v, int top, int rows)
{
	static const char *const bars_utf8[] = { "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
	                                         "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
	                                         "\xe2\x96\x87", "\xe2\x96\x88" };
	const struct dash *d = v->priv;
	int half = COLS / 2, y;
	char spark[128] = "";
	long max = 1;

	draw_panel(a, d, 0, top + 1, 1, half - 2);
	draw_panel(a, d, 1, top + 1, half + 1, half - 2);
	y = top + 6;
	if (d->from_run) {
		char when[64];
		age(d->run_time, when, sizeof when);
		tui_putf(a, y, 1, COLS - 2, ST_DIM, "checklist: stored run #%lld, %s (c evaluates now)",
		         (long long)d->from_run, when + 7 /* "synced " */);
	} else {
		tui_put(a, y, 1, COLS - 2, ST_DIM, "checklist: evaluated now, not stored (c stores a run)");
	}
	y = top + 8;
	for (int i = 0; i < d->ntrend; i++)
		if (d->trend[i] > max)
			max = d->trend[i];
	for (int i = 0; i < d->ntrend; i++) {
		int level = (int)(d->trend[i] * 7 / max);
		strcat(spark, a->o.ascii ? (const char *[]){ "_", ".", "-", "=", "+", "*", "#", "#" }[level]
		                         : bars_utf8[level]);
	}
	if (d->ntrend)
		tui_putf(a, y++, 1, COLS - 2, ST_NORMAL, "failing findings, last %d runs  %s  %ld -> %ld",
		         d->ntrend, spark, d->trend[0], d->trend[d->ntrend - 1]);
	else
		tui_put(a, y++, 1, COLS - 2, ST_DIM, "no stored check run yet: run `osdwarden check` "
		        "for a trend");
	y++;
	tui_put(a, y++, 1, COLS - 2, ST_HEADER, "  component                total  attention");
	for (int i = 0; i < 5 && y < top + rows - 2; i++)
	{
		char att[24];
		if (d->comp[i].attention < 0)
			snprintf(att, sizeof att, "%s", d->comp[i].first[0] ? "yes" : "-");
		else
			snprintf(att, sizeof att, "%ld", d->comp[i].attention);
		tui_putf(a, y++, 1, COLS - 2, d->comp[i].first[0] ? ST_WARN : ST_NORMAL,
		         "%d %-24s %5ld  %5s   %s", i + 1, d->comp[i].label, d->comp[i].total, att,
		         d->comp[i].first);
	}
	y++;
	for (int i = 0; i < d->ntasks && y < top + rows; i++)
		tui_putf(a, y++, 1, COLS - 2, ST_NORMAL, "task in progress: %s (t opens tasks)",
		         d->tasks[i]);
}

static int dash_request(struct tui_app *a, struct tui_view *v, enum tui_req r)
{
	(void)a;
	(void)v;
	return r == REQ_ENTER ? TUI_HANDLED : 0;
}

static void dash_free(struct tui_view *v)
{
	free(v->priv);
}

const struct tui_view_ops tui_dash_ops = { "dash", "dashboard", dash_load, dash_draw,
	                                   dash_request, dash_free, NULL };
