#define _GNU_SOURCE
/* The security and privacy checklists: a row per check with its worst
 * state, from the latest stored run or an evaluation shown, not stored.
 * Enter explains a check (view_explain.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/checks.h"
#include "checks/stored.h"
#include "db/checkstore.h"
#include "db/records.h"
#include "tui/internal.h"

struct row {
	const struct chk_def *def;
	enum chk_state worst;
	long failing, total, waived;
};

struct checklist {
	enum chk_cat cat;
	/* An evaluation shown, not stored: its counts only (its results are
	 * freed at once). */
	size_t counts[CHK_MAX][CS_FIXED + 1], waived[CHK_MAX];
	bool have_run;
	struct chk_stored stored;
	bool use_stored;
	struct row rows[CHK_MAX];
	int nrows;
};

static int rank(enum chk_state s)
{
	switch (s) {
	case CS_FAIL: return 7;
	case CS_ERROR: return 6;
	case CS_UNKNOWN: return 5;
	case CS_NOTCHECKED: return 4;
	case CS_INFORMATIONAL: return 3;
	case CS_FIXED: return 2;
	case CS_PASS: return 1;
	default: return 0;
	}
}

const char *tui_check_mark(const struct tui_app *a, enum chk_state s)
{
	switch (s) {
	case CS_FAIL: return tui_glyph(a, "\xe2\x9c\x97 FAIL", "x FAIL");
	case CS_PASS: case CS_FIXED: return tui_glyph(a, "\xe2\x9c\x93 pass", "ok pass");
	case CS_ERROR: return "! error";
	case CS_UNKNOWN: return "? unknown";
	case CS_NOTCHECKED: return "~ attest";
	case CS_NOTAPPLICABLE: return "- n/a";
	case CS_INFORMATIONAL: return "i info";
	}
	return "?";
}

enum tui_style tui_check_style(enum chk_state s)
{
	return s == CS_FAIL ? ST_DANGER : s == CS_ERROR || s == CS_UNKNOWN ? ST_WARN
	       : s == CS_PASS || s == CS_FIXED ? ST_OK : ST_NORMAL;
}

static int cl_load(struct tui_app *a, struct tui_view *v)
{
	struct checklist *cl = v->priv;
	struct ow_err e = { 0 };

	if (!cl) {
		if (!(cl = v->priv = calloc(1, sizeof *cl)))
			return -1;
		cl->cat = strcmp(v->def->name, "privacy") == 0 ? CAT_PRIVACY : CAT_SECURITY;
	}
	cl->have_run = false;
	/* The latest stored run when there is one (fast at any size); else an
	 * evaluation that is shown, not stored. */
	int src = chk_stored_load(a->o.db, &cl->stored, &e);
	cl->use_stored = src == 0;
	if (!cl->use_stored) {
		struct chk_run run;
		if (src != INV_NOTFOUND || chk_evaluate_peek(a->o.db, inv_now(), &run, &e) != 0) {
			tui_flash(a, true, "the checklist could not be read: %s", e.msg);
			return 0;
		}
		memcpy(cl->counts, run.counts, sizeof cl->counts);
		memcpy(cl->waived, run.waived, sizeof cl->waived);
		chk_run_free(&run);
		cl->have_run = true;
	}
	snprintf(v->title_extra, sizeof v->title_extra, "%s", cl->use_stored ? "(stored run; c re-evaluates)"
	                                                                      : "(evaluated now)");
	cl->nrows = 0;
	for (size_t k = 0; k < chk_count() && cl->nrows < CHK_MAX; k++) {
		const struct chk_def *d = chk_at(k);
		struct row *r;
		if (d->cat != cl->cat)
			continue;
		if (v->filter[0] && !strcasestr(d->id, v->filter) && !strcasestr(d->title, v->filter))
			continue;
		r = &cl->rows[cl->nrows++];
		memset(r, 0, sizeof *r);
		r->def = d;
		r->worst = CS_NOTAPPLICABLE;
		if (cl->use_stored) {
			r->worst = chk_stored_worst(&cl->stored, k);
			r->failing = cl->stored.counts[k][CS_FAIL];
			for (int st = 0; st <= CS_FIXED; st++)
				r->total += cl->stored.counts[k][st];
		}
	}
	/* An evaluation shown: its counts per check and state (a waived
	 * failure is counted apart and never the worst). */
	for (int i = 0; cl->have_run && i < cl->nrows; i++) {
		struct row *r = &cl->rows[i];
		size_t k = chk_index(r->def);
		for (int st = 0; st <= CS_FIXED; st++) {
			size_t n = cl->counts[k][st];
			r->total += (long)n;
			if (st == CS_FAIL) {
				r->waived += (long)cl->waived[k];
				n -= cl->waived[k];
				r->failing += (long)n;
			}
			if (n && rank((enum chk_state)st) > rank(r->worst))
				r->worst = (enum chk_state)st;
		}
	}
	if (v->cursor >= cl->nrows)
		v->cursor = cl->nrows ? cl->nrows - 1 : 0;
	return 0;
}

static void cl_draw(struct tui_app *a, struct tui_view *v, int top, int rows)
{
	struct checklist *cl = v->priv;
	int body = rows - 1;

	tui_put(a, top, 2, COLS - 2, ST_HEADER, "STATE      SEV       CHECK           FAILING  TITLE");
	tui_keep_visible(cl->nrows, body, &v->cursor, &v->top);
	for (int i = 0; i < body && v->top + i < cl->nrows; i++) {
		const struct row *r = &cl->rows[v->top + i];
		bool sel = v->top + i == v->cursor;
		int y = top + 1 + i;
		/* The count before the title: at 80 columns the title is what is cut. */
		char count[32] = "", waived[32] = "";
		if (r->failing)
			snprintf(count, sizeof count, "%ld/%ld", r->failing, r->total);
		if (r->waived)
			snprintf(waived, sizeof waived, "  %ld waived", r->waived);
		if (sel) {
			tui_mark_row(a, y);
		}
		tui_put(a, y, 2, 10, sel ? ST_SELECTED : tui_check_style(r->worst), tui_check_mark(a, r->worst));
		tui_putf(a, y, 13, COLS - 13, sel ? ST_SELECTED : ST_NORMAL, "%-9s %-15s %-8s %s%s",
		         chk_sev_name(r->def->sev), r->def->id, count, r->def->title, waived);
	}
}

static void cl_counts(struct tui_view *v, char *buf, size_t n)
{
	struct checklist *cl = v->priv;
	snprintf(buf, n, "%d of %zu", cl ? cl->nrows : 0, chk_count());
}

static int cl_request(struct tui_app *a, struct tui_view *v, enum tui_req r)
{
	struct checklist *cl = v->priv;
	const struct chk_def *d = v->cursor < cl->nrows ? cl->rows[v->cursor].def : NULL;

	if (tui_move(r, cl->nrows, tui_view_rows() - 1, &v->cursor, &v->top))
		return TUI_HANDLED;
	switch (r) {
	case REQ_ENTER:
		if (d)
			tui_push_explain(a, d->id);
		return TUI_HANDLED;
	default: return 0;
	}
}

static void cl_free(struct tui_view *v)
{
	free(v->priv);
}

const struct tui_view_ops tui_checklist_ops = { cl_load, cl_draw, cl_request, cl_free, cl_counts };
