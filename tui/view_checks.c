#define _GNU_SOURCE
/* The security and privacy checklists, and the explanation of one check:
 * why it matters, the evidence per object, the fix (console path and
 * PowerShell), and the guided task that makes the fix when osdwarden can. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "backend/workflows.h"
#include "checks/checks.h"
#include "checks/decide.h"
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
	struct chk_run run;
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

static const char *state_mark(const struct tui_app *a, enum chk_state s)
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

static enum tui_style state_style(enum chk_state s)
{
	return s == CS_FAIL ? ST_DANGER : s == CS_ERROR || s == CS_UNKNOWN ? ST_WARN
	       : s == CS_PASS || s == CS_FIXED ? ST_OK : ST_NORMAL;
}

static void free_list(struct checklist *cl)
{
	if (cl->have_run)
		chk_run_free(&cl->run);
	cl->have_run = false;
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
	free_list(cl);
	/* The latest stored run when there is one (fast at any size); else an
	 * evaluation that is shown, not stored. */
	int src = chk_stored_load(a->o.db, &cl->stored, &e);
	cl->use_stored = src == 0;
	if (!cl->use_stored) {
		if (src != INV_NOTFOUND || chk_evaluate_peek(a->o.db, inv_now(), &cl->run, &e) != 0) {
			tui_flash(a, true, "the checklist could not be read: %s", e.msg);
			return 0;
		}
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
	for (size_t i = 0; cl->have_run && i < cl->run.n; i++) {
		const struct chk_result *res = &cl->run.results[i];
		for (int k = 0; k < cl->nrows; k++) {
			struct row *r = &cl->rows[k];
			if (r->def != res->def)
				continue;
			r->total++;
			if (res->state == CS_FAIL && res->waived) {
				r->waived++;
			} else {
				r->failing += res->state == CS_FAIL;
				if (rank(res->state) > rank(r->worst))
					r->worst = res->state;
			}
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

	tui_put(a, top, 2, COLS - 2, ST_HEADER, "STATE      SEV       CHECK           TITLE");
	tui_keep_visible(cl->nrows, body, &v->cursor, &v->top);
	for (int i = 0; i < body && v->top + i < cl->nrows; i++) {
		const struct row *r = &cl->rows[v->top + i];
		bool sel = v->top + i == v->cursor;
		int y = top + 1 + i;
		char count[48] = "";
		if (r->failing)
			snprintf(count, sizeof count, "  %ld of %ld", r->failing, r->total);
		if (r->waived)
			snprintf(count + strlen(count), sizeof count - strlen(count), "  %ld waived", r->waived);
		if (sel) {
			tui_mark_row(a, y);
		}
		tui_put(a, y, 2, 10, sel ? ST_SELECTED : state_style(r->worst), state_mark(a, r->worst));
		tui_putf(a, y, 13, COLS - 13, sel ? ST_SELECTED : ST_NORMAL, "%-9s %-15s %s%s",
		         chk_sev_name(r->def->sev), r->def->id, r->def->title, count);
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
	struct checklist *cl = v->priv;
	if (cl)
		free_list(cl);
	free(cl);
}

const struct tui_view_ops tui_checklist_ops = { cl_load, cl_draw, cl_request, cl_free, cl_counts };

/* --- explaining one check --------------------------------------------------- */

struct explain {
	const struct chk_def *def;
	struct buf text;
	char first_object[200];    /* the first failing object: what attest/waive/fix act on */
	int scroll;
};

static void wrap(struct buf *b, const char *label, const char *text, int width)
{
	int col = 0, indent = (int)strlen(label);
	const char *p = text ? text : "";

	buf_adds(b, label);
	col = indent;
	while (*p) {
		size_t word = strcspn(p, " ");
		if (col + (int)word > width && col > indent) {
			buf_addf(b, "\n%*s", indent, "");
			col = indent;
		}
		buf_add(b, p, word);
		col += (int)word;
		p += word;
		if (*p == ' ') {
			buf_addc(b, ' ');
			col++;
			p++;
		}
	}
	buf_addc(b, '\n');
}

struct ev_ctx {
	struct explain *ex;
	struct buf *ev;
	long shown;
};

static int stored_evidence(void *ctx, const struct inv_finding *f)
{
	struct ev_ctx *c = ctx;

	if (!c->ex->first_object[0] && f->object_key && strcmp(f->state, "fail") == 0)
		snprintf(c->ex->first_object, sizeof c->ex->first_object, "%s", f->object_key);
	if (c->shown++ < 8)
		buf_addf(c->ev, "  %s %s  %s\n", f->state, f->object_name ? f->object_name
		                                  : f->object_key ? f->object_key : "site",
		         f->evidence_json ? f->evidence_json : "");
	return 0;
}

static int ex_load(struct tui_app *a, struct tui_view *v)
{
	struct explain *ex = v->priv;
	struct chk_stored cs;
	struct chk_run run;
	struct ow_err e = { 0 };
	long fails = 0, total = 0, shown = 0;
	int width = COLS - 4 > 40 ? COLS - 4 : 40;
	struct buf ev = BUF_INIT;

	buf_free(&ex->text);
	ex->first_object[0] = '\0';
	if (chk_stored_load(a->o.db, &cs, &e) == 0) {
		/* the stored run's findings of this check (only non-passing ones
		 * are stored), and its counts */
		struct ev_ctx ctx = { ex, &ev, 0 };
		size_t k = chk_index(ex->def);
		for (int st = 0; st <= CS_FIXED; st++)
			total += cs.counts[k][st];
		fails = cs.counts[k][CS_FAIL];
		inv_each_finding(a->o.db, cs.run_id, ex->def->id, NULL, NULL, 8, stored_evidence, &ctx, &e);
		/* every result but a pass or "nothing to judge" was stored */
		shown = total - cs.counts[k][CS_PASS] - cs.counts[k][CS_NOTAPPLICABLE];
		goto compose;
	}
	if (chk_evaluate_peek(a->o.db, inv_now(), &run, &e) != 0) {
		tui_flash(a, true, "%s", e.msg);
		return 0;
	}
	for (size_t i = 0; i < run.n; i++) {
		const struct chk_result *r = &run.results[i];
		if (r->def != ex->def)
			continue;
		total++;
		if (r->state == CS_PASS || r->state == CS_NOTAPPLICABLE)
			continue;
		fails += r->state == CS_FAIL;
		if (!ex->first_object[0] && r->object_key)
			snprintf(ex->first_object, sizeof ex->first_object, "%s", r->object_key);
		if (shown++ < 8)
			buf_addf(&ev, "  %s %s  %s\n", chk_state_name(r->state),
			         r->object_name ? r->object_name : r->object_key ? r->object_key : "site",
			         r->evidence ? r->evidence : "");
	}
	chk_run_free(&run);
compose:
	if (shown > 8)
		buf_addf(&ev, "  ... and %ld more (osdwarden check --format json)\n", shown - 8);
	snprintf(v->title_extra, sizeof v->title_extra, "%s %s", tui_glyph(a, "\xe2\x80\xba", ">"),
	         ex->def->id);
	buf_addf(&ex->text, "%s  %s  %s   %ld of %ld objects failing\n",
	         fails ? "FAIL" : "no failure", chk_sev_name(ex->def->sev), ex->def->title, fails, total);
	wrap(&ex->text, "Why  ", ex->def->rationale, width);
	buf_adds(&ex->text, "Evidence\n");
	buf_adds(&ex->text, ev.len ? buf_str(&ev) : "  nothing to show: every object passes\n");
	wrap(&ex->text, "Fix  ", ex->def->remediation, width);
	if (ex->def->refs)
		wrap(&ex->text, "Refs ", ex->def->refs, width);
	if (ex->def->fix)
		buf_addf(&ex->text, "Guided fix: F starts it for %s\n",
		         ex->first_object[0] ? ex->first_object : "the first failing object");
	buf_free(&ev);
	return 0;
}

static void ex_draw(struct tui_app *a, struct tui_view *v, int top, int rows)
{
	struct explain *ex = v->priv;

	tui_draw_lines(a, top, rows, buf_str(&ex->text), ex->scroll, ST_HEADER);
}

static int decide(struct tui_app *a, struct explain *ex, bool waiver)
{
	char text[300], days_s[16];
	struct ow_err e = { 0 };
	long days;

	if (a->o.read_only) {
		tui_flash(a, true, "read-only: the inventory cannot record a decision");
		return TUI_HANDLED;
	}
	if (!tui_ask(a, waiver ? "Waiver reason (for the reviewer)" : "Attestation note", text,
	             sizeof text)) {
		tui_flash(a, false, "nothing recorded");
		return TUI_HANDLED;
	}
	if (!tui_ask(a, waiver ? "Expires in days (required)" : "Expires in days (Enter: default)",
	             days_s, sizeof days_s) && waiver) {
		tui_flash(a, true, "a waiver needs an expiry; nothing recorded");
		return TUI_HANDLED;
	}
	days = atol(days_s);
	if (days <= 0)
		days = inv_setting_long(a->o.db, "attestation_default_days", 90);
	if (chk_decide(a->o.db, waiver, ex->def->id, ex->first_object, text, days,
	               inv_now(), &e) != 0)
		tui_flash(a, true, "%s", e.msg);
	else
		tui_flash(a, false, "%s %s %s for %ld days (audited)", waiver ? "waived" : "attested",
		          ex->def->id, ex->first_object, days);
	return TUI_HANDLED | TUI_RELOAD;
}

static int ex_request(struct tui_app *a, struct tui_view *v, enum tui_req r)
{
	struct explain *ex = v->priv;
	struct ow_err e = { 0 };
	int64_t id;
	bool resumed;

	if (tui_scroll(r, tui_count_lines(buf_str(&ex->text)), tui_view_rows(), &ex->scroll))
		return TUI_HANDLED;
	switch (r) {
	case REQ_ATTEST: return decide(a, ex, false);
	case REQ_WAIVE: return decide(a, ex, true);
	case REQ_FIX:
		if (!ex->def->fix || !ex->first_object[0]) {
			tui_flash(a, true, "no guided fix for %s%s", ex->def->id,
			          ex->first_object[0] ? "" : " here (nothing fails)");
			return TUI_HANDLED;
		}
		if (!tui_may_write(a, "the guided fix"))
			return TUI_HANDLED;
		if (wf_start_fix(a->o.db, ex->def->id, ex->def->fix, ex->first_object, NULL, &id,
		                 &resumed, &e) != 0)
			tui_flash(a, true, "%s", e.msg);
		else
			tui_push_wizard(a, id);
		return TUI_HANDLED;
	default: return 0;
	}
}

static void ex_free(struct tui_view *v)
{
	struct explain *ex = v->priv;
	if (ex)
		buf_free(&ex->text);
	free(ex);
}

static const struct tui_view_ops explain_ops = { ex_load, ex_draw, ex_request, ex_free, NULL };
static const struct tui_view_def explain_def = { "explain", 0, "checklist", &explain_ops, NULL, NULL,
	                                         NULL };

int tui_push_explain(struct tui_app *a, const char *check_id)
{
	struct explain *ex = calloc(1, sizeof *ex);

	if (!ex || !(ex->def = chk_find(check_id))) {
		free(ex);
		return -1;
	}
	return tui_push(a, &explain_def, ex);
}
