#define _GNU_SOURCE
/* The dashboard: security and privacy grades, failing chains, failing
 * findings by severity, the trend over the stored check runs, the
 * components with what needs attention, the last sync, open tasks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks/checks.h"
#include "checks/summary.h"
#include "db/checkstore.h"
#include "db/records.h"
#include "db/tasks.h"
#include "tui/internal.h"

struct dash {
	struct chk_summary sum;            /* checks/summary: the same numbers as osdwarden check */
	long trend[12];
	int ntrend;
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

static void age(int64_t t, char *out, size_t n);

static int dash_load(struct tui_app *a, struct tui_view *v)
{
	struct dash *d = v->priv;
	struct ow_err e = { 0 };
	struct inv_provider *provs = NULL;
	size_t np = 0;

	if (!d && !(d = v->priv = calloc(1, sizeof *d)))
		return -1;
	memset(d, 0, sizeof *d);
	if (chk_summary_load(a->o.db, inv_now(), &d->sum, &e) != 0)
		tui_flash(a, true, "checklist: %s", e.msg);
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
	int64_t s = inv_now() - t;

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
	const struct chk_summary_cat *c = &d->sum.cat[cat];
	char sev[96];
	int n = 0;

	tui_putf(a, y, x, w, ST_HEADER, "%s  grade %s%s", cat ? "Privacy" : "Security",
	         d->sum.evaluated ? c->grade : "?", c->capped ? " (capped by a chain)" : "");
	for (int k = 0; k < CHK_SUMMARY_CHAINS && c->chains[k]; k++)
		tui_putf(a, y + 1 + n++, x, w, ST_DANGER, "%s %s: %s", tui_glyph(a, "\xe2\x9c\x97", "x"),
		         chk_short_id(c->chains[k]), c->chains[k]->title);
	if (c->unjudged && n < 2)
		tui_putf(a, y + 1 + n++, x, w, ST_WARN, "? %s: could not be judged",
		         chk_short_id(c->unjudged));
	if (n == 0)
		tui_putf(a, y + 1 + n++, x, w, ST_OK, "%s no failing chain", tui_glyph(a, "\xe2\x9c\x93", "ok"));
	chk_summary_severities(c, sev, sizeof sev);
	tui_put(a, y + 1 + n, x, w, ST_NORMAL, sev);
	tui_putf(a, y + 2 + n, x, w, ST_DIM, "to attest %ld", c->to_attest);
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
	if (d->sum.stored_run) {
		char when[64];
		age(d->sum.finished, when, sizeof when);
		tui_putf(a, y, 1, COLS - 2, ST_DIM, "checklist: stored run #%lld, %s (c evaluates now)",
		         (long long)d->sum.stored_run, when + 7 /* "synced " */);
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
	for (int i = 0; i < CHK_SUMMARY_COMPS && y < top + rows - 2; i++)
	{
		const struct chk_summary_comp *c = &d->sum.comp[i];
		char att[24];
		if (c->attention < 0)
			snprintf(att, sizeof att, "%s", c->first[0] ? "yes" : "-");
		else
			snprintf(att, sizeof att, "%ld", c->attention);
		if (i == v->cursor) {
			/* Enter opens it: the same row as its digit */
			char *line = NULL;
			if (asprintf(&line, "%d %-24s %5ld  %5s   %s", i + 1, c->label, c->total, att,
			             c->first) >= 0)
				tui_mark_line(a, y++, line);
			free(line);
			continue;
		}
		tui_putf(a, y++, 1, COLS - 2, c->first[0] ? ST_WARN : ST_NORMAL,
		         "%d %-24s %5ld  %5s   %s", i + 1, c->label, c->total, att, c->first);
	}
	y++;
	for (int i = 0; i < d->ntasks && y < top + rows; i++)
		tui_putf(a, y++, 1, COLS - 2, ST_NORMAL, "task in progress: %s (t opens tasks)",
		         d->tasks[i]);
}

/* The components are rows like any other (the movement keys move over
 * them); Enter opens the list of the one selected, as its digit does, but
 * over the dashboard (Esc comes back). */
static int dash_request(struct tui_app *a, struct tui_view *v, enum tui_req r)
{
	if (tui_move(r, CHK_SUMMARY_COMPS, CHK_SUMMARY_COMPS, &v->cursor, &v->top))
		return TUI_HANDLED;
	if (r != REQ_ENTER)
		return 0;
	for (size_t i = 0; tui_view_at(i); i++)
		if (tui_view_at(i)->digit == '1' + v->cursor) {
			tui_push(a, tui_view_at(i), NULL);
			break;
		}
	return TUI_HANDLED;
}

static void dash_free(struct tui_view *v)
{
	free(v->priv);
}

const struct tui_view_ops tui_dash_ops = { dash_load, dash_draw, dash_request, dash_free, NULL };
