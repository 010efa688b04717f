/* The inventory lists as console tables: a window of rows read from db/
 * with keyset paging (the same cost at row 900,000 as at row 0), a live
 * filter and sort pushed into SQL, and the actions each list offers. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/actions.h"
#include "backend/workflows.h"
#include "checks/checks.h"
#include "db/checkstore.h"
#include "db/list.h"
#include "db/records.h"
#include "tui/internal.h"
#include "tui/list_detail.h"
#include "tui/listfmt.h"
#include "util/width.h"

struct list_view {
	const struct inv_list *list;
	struct inv_page page;
	enum inv_anchor anchor;
	struct inv_cursor at;        /* for INV_AFTER / INV_BEFORE */
	bool have_at;
	int sort_col;
	bool desc;
	int rows;                    /* window size the page was read for */
	char loaded_filter[128];     /* the filter the page was read with */
	char counted_filter[128];    /* the filter the counts are for */
	int64_t total;               /* rows without a filter, counted once per load (-1: not yet) */
	struct mark {
		int64_t key, src, dst;
	} *marked;                   /* marked rows (Space), for bulk actions */
	size_t nmarked, capmarked;
	/* STATE: the latest stored check run (run_id 0: none), and the state
	 * of each row of the page in it */
	int64_t run_id, run_started;
	char unread[200];            /* a class the run could not read ("": none) */
	struct lf_state *states;
	/* the columns as last drawn (for the sort keys) */
	struct lf_col shown[40];
	size_t nshown;
};

static int list_move(struct tui_app *a, struct tui_view *v, enum tui_req r);

int tui_list_select(struct tui_view *v, const char *object_key)
{
	struct list_view *lv = v->priv;

	for (size_t r = 0; lv && object_key && r < lv->page.nrows; r++)
		if (lv->page.rows[r].object_key && strcmp(lv->page.rows[r].object_key, object_key) == 0) {
			v->cursor = (int)r;
			return 0;
		}
	return -1;
}


static int body_rows(void)
{
	return LINES - 4 > 1 ? LINES - 4 : 1;   /* title, header, status, hints */
}

static int add_finding(void *ctx, size_t row, const struct inv_finding *f)
{
	struct lf_state *states = ctx;

	lf_state_add(&states[row], f);
	return 0;
}

/* The state of each row of the page: its findings in the latest stored
 * run, one indexed query for the page's keys. */
static void read_states(struct tui_app *a, struct list_view *lv)
{
	size_t n = lv->page.nrows;
	const char **keys = calloc(n ? n : 1, sizeof *keys);
	struct ow_err e = { 0 };

	free(lv->states);
	lv->states = calloc(n ? n : 1, sizeof *lv->states);
	if (!lv->states || !keys) {
		free(keys);
		return;
	}
	for (size_t r = 0; r < n; r++) {
		keys[r] = lv->page.rows[r].object_key;
		lv->states[r].no_run = lv->run_id == 0;
		lv->states[r].unjudged = lv->page.rows[r].first_seen > lv->run_started;
		lv->states[r].unread = lv->unread[0] != '\0';
	}
	if (lv->run_id && inv_each_object_finding(a->o.db, lv->run_id,
	                                          inv_list_object_types(lv->list), keys, n,
	                                          add_finding, lv->states, &e) < 0) {
		/* unread is never ok */
		for (size_t r = 0; r < n; r++)
			lv->states[r] = (struct lf_state){ .rank = 50, .state = CS_ERROR };
		tui_flash(a, true, "%s", e.msg);
	}
	free(keys);
}

static int read_page(struct tui_app *a, struct tui_view *v, enum inv_anchor anchor,
                     const struct inv_cursor *at)
{
	struct list_view *lv = v->priv;
	/* Counts are shown only for a filter, and change only with it: not
	 * recounted (a scan of the whole list) on every page. */
	/* A one- or two-letter filter over a large list would be counted by
	 * a scan (no trigram yet): counted from the third letter on. */
	bool counts = v->filter[0] && strcmp(lv->counted_filter, v->filter) != 0 &&
	              (strlen(v->filter) >= 3 || (lv->total >= 0 && lv->total < 100000));
	struct inv_page_req req = { v->filter, lv->sort_col, lv->desc, anchor, at, body_rows(),
	                            counts || lv->total < 0, lv->total >= 0 };
	struct inv_page page = { 0 };
	struct ow_err e = { 0 };

	if (inv_list_page(a->o.db, lv->list, &req, &page, &e) != 0) {
		tui_flash(a, true, "%s", e.msg);
		return -1;
	}
	/* A move past either end keeps the current window. */
	if (page.nrows == 0 && (anchor == INV_AFTER || anchor == INV_BEFORE)) {
		inv_page_free(&page);
		return 1;
	}
	if (req.want_counts && page.total >= 0)
		lv->total = page.total;
	if (counts)
		snprintf(lv->counted_filter, sizeof lv->counted_filter, "%s", v->filter);
	else
		page.filtered = v->filter[0] && strcmp(lv->counted_filter, v->filter) == 0
		                        ? lv->page.filtered : -1;
	page.total = lv->total;
	inv_page_free(&lv->page);
	lv->page = page;
	read_states(a, lv);
	lv->anchor = anchor;
	lv->rows = body_rows();
	if (lv->have_at)
		inv_cursor_free(&lv->at);
	lv->have_at = false;
	if (at && inv_cursor_from_row(&(struct inv_row){ at->key, at->sort, NULL, NULL, 0 },
	                              &lv->at) == 0)
		lv->have_at = true;
	if (v->cursor >= (int)page.nrows)
		v->cursor = page.nrows ? (int)page.nrows - 1 : 0;
	return 0;
}

static int lv_load(struct tui_app *a, struct tui_view *v)
{
	struct list_view *lv = v->priv;
	struct inv_cursor at;
	int rc;

	if (!lv) {
		lv = calloc(1, sizeof *lv);
		if (!lv)
			return -1;
		lv->list = v->def->list ? inv_list_find(v->def->list) : NULL;
		if (!lv->list) {
			tui_flash(a, true, "the view %s names no list of the inventory", v->def->name);
			free(lv);
			return -1;
		}
		lv->sort_col = -1;
		lv->anchor = INV_FIRST;
		lv->total = -1;
		v->priv = lv;
	}
	{
		struct inv_run_info run;
		struct ow_err e = { 0 };
		int got = inv_run_latest(a->o.db, &run, &e);
		lv->run_id = got == 0 ? run.id : 0;
		lv->run_started = got == 0 ? run.started : 0;
		lv->unread[0] = '\0';
		if (lv->run_id && lf_run_unread(a->o.db, lv->run_id, lv->list, lv->unread,
		                                sizeof lv->unread) && !lv->unread[0])
			snprintf(lv->unread, sizeof lv->unread, "a class");
		if (got == 0)
			inv_run_info_free(&run);
		else if (got != INV_NOTFOUND)
			tui_flash(a, true, "%s", e.msg);
	}
	/* A new filter starts at the top; otherwise the same window again
	 * (after an action or a resize), so the cursor row stays put. */
	if (strcmp(lv->loaded_filter, v->filter) != 0 || !lv->have_at) {
		snprintf(lv->loaded_filter, sizeof lv->loaded_filter, "%s", v->filter);
		return read_page(a, v, lv->anchor == INV_LAST && !v->filter[0] ? INV_LAST : INV_FIRST,
		                 NULL) < 0 ? -1 : 0;
	}
	at = lv->at;
	lv->have_at = false;   /* read_page copies it before replacing it */
	rc = read_page(a, v, lv->anchor, &at);
	if (rc == 1) {
		/* the rows past the anchor went away (deleted): from the top */
		rc = read_page(a, v, INV_FIRST, NULL);
	}
	inv_cursor_free(&at);
	return rc < 0 ? -1 : 0;
}

static void lv_free(struct tui_view *v)
{
	struct list_view *lv = v->priv;

	if (!lv)
		return;
	inv_page_free(&lv->page);
	if (lv->have_at)
		inv_cursor_free(&lv->at);
	free(lv->marked);
	free(lv->states);
	free(lv);
}

static void lv_counts(struct tui_view *v, char *buf, size_t n)
{
	struct list_view *lv = v->priv;

	if (lv && v->filter[0] && lv->page.filtered >= 0)
		snprintf(buf, n, "%lld of %lld", (long long)lv->page.filtered, (long long)lv->page.total);
}

static void lv_draw(struct tui_app *a, struct tui_view *v, int top, int rows)
{
	struct list_view *lv = v->priv;

	lv->nshown = lf_layout(lv->list, COLS, lv->shown);
	for (size_t k = 0; k < lv->nshown; k++) {
		const struct lf_col *c = &lv->shown[k];
		const char *sep = lf_sep(a, lv->list, c);
		char h[64];
		if (c->x >= COLS)
			break;
		if (sep)
			tui_put(a, top, c->x - (int)width_of(sep), COLS - c->x, ST_HEADER, sep);
		snprintf(h, sizeof h, "%s", lf_title(lv->list, c));
		tui_put(a, top, c->x, c->w < COLS - c->x ? c->w : COLS - c->x, ST_HEADER, h);
		if (c->col >= 0 && c->col == lv->sort_col) {
			/* the sort mark after the title, in the gap if need be: a
			 * title is never cut for it */
			int tw = (int)width_of(h), mx = c->x + (tw + 1 < c->w ? tw + 1 : c->w);
			if (mx < COLS)
				tui_put(a, top, mx, 1, ST_HEADER, lv->desc ? "v" : "^");
		}
	}
	for (size_t r = 0; r < lv->page.nrows && (int)r < rows - 1; r++) {
		const struct inv_row *row = &lv->page.rows[r];
		bool sel = (int)r == v->cursor;
		int y = top + 1 + (int)r;
		if (sel)
			tui_mark_row(a, y);
		for (size_t m = 0; m < lv->nmarked; m++)
			if (lv->marked[m].key == row->key)
				tui_put(a, y, 1, 1, sel ? ST_SELECTED : ST_NORMAL, "*");
		for (size_t k = 0; k < lv->nshown; k++) {
			const struct lf_col *c = &lv->shown[k];
			const char *sep = lf_sep(a, lv->list, c), *text;
			enum tui_style st = ST_NORMAL;
			char buf[512];
			if (c->x >= COLS)
				break;
			if (sep)
				tui_put(a, y, c->x - (int)width_of(sep), COLS - c->x, sel ? ST_SELECTED : ST_DIM,
				        sep);
			if (c->col == LF_STATE) {
				text = lv->states ? lf_state_text(a, &lv->states[r], buf, sizeof buf, &st) : "?";
			} else {
				lf_cell(inv_list_col(lv->list, (size_t)c->col), &row->cells[c->col], buf,
				        sizeof buf);
				text = buf;
			}
			tui_put(a, y, c->x, c->w < COLS - c->x ? c->w : COLS - c->x, sel ? ST_SELECTED : st,
			        text);
		}
	}
	if (lv->page.nrows == 0)
		tui_put(a, top + 2, 2, COLS - 4, ST_DIM,
		        v->filter[0] ? "nothing matches the filter (Esc on / clears it)"
		                     : "nothing in the inventory yet: sync the site (osdwarden sync)");
}

/* The selected row's value in the column called name (NULL when none). */
static const struct inv_cell *selected(struct tui_view *v, const char *name)
{
	struct list_view *lv = v->priv;
	int c = inv_list_col_index(lv->list, name);

	if (c < 0 || v->cursor < 0 || v->cursor >= (int)lv->page.nrows)
		return NULL;
	return &lv->page.rows[v->cursor].cells[c];
}

static const char *selected_text(struct tui_view *v, const char *name)
{
	const struct inv_cell *c = selected(v, name);
	return c && !c->null ? c->s : NULL;
}

static void report(struct tui_app *a, const struct act_result *r)
{
	tui_flash(a, !act_ok(r->outcome), "%s: %s", act_outcome_name(r->outcome), r->message);
	if (r->outcome == ACT_FAILED && a->site && a->site->read_only)
		a->site_read_only = true;
}

static int cert_action(struct tui_app *a, struct tui_view *v, bool block)
{
	const char *smsid = selected_text(v, "smsid");
	struct act_site *site;
	struct act_result res;
	struct ow_err e = { 0 };
	char expect[8], *body;
	size_t n;
	bool yes;

	if (!smsid) {
		tui_flash(a, true, "no certificate selected");
		return TUI_HANDLED;
	}
	n = strlen(smsid);
	snprintf(expect, sizeof expect, "%s", n > 6 ? smsid + n - 6 : smsid);
	/* The impact (backend/cert_impact, as cert block --dry-run prints it),
	 * wrapped to the text width of a dialog box (dialog.c: draw_box). */
	body = cert_impact_describe(a->o.db, smsid, block, inv_now(), a->o.ascii,
	                            (size_t)(COLS - 8 > 76 ? 72 : COLS > 32 ? COLS - 12 : 20), &e);
	if (!body) {
		tui_flash(a, true, "%s", e.msg);
		return TUI_HANDLED;
	}
	yes = tui_confirm_typed(a, block ? "Block certificate" : "Unblock certificate", body, expect);
	free(body);
	if (!yes) {
		tui_flash(a, false, "not confirmed; nothing was sent");
		return TUI_HANDLED;
	}
	if (!(site = tui_site(a)))
		return TUI_HANDLED;
	if (act_cert_block(a->o.db, site, smsid, block, false, &res, &e) != 0)
		tui_flash(a, true, "%s", e.msg);
	else
		report(a, &res);
	return TUI_HANDLED | TUI_RELOAD;
}

static int toggle_mark(struct tui_app *a, struct tui_view *v)
{
	struct list_view *lv = v->priv;
	int64_t key;

	if (v->cursor >= (int)lv->page.nrows)
		return TUI_HANDLED;
	key = lv->page.rows[v->cursor].key;
	for (size_t m = 0; m < lv->nmarked; m++)
		if (lv->marked[m].key == key) {
			lv->marked[m] = lv->marked[--lv->nmarked];
			tui_flash(a, false, "%zu marked", lv->nmarked);
			return list_move(a, v, REQ_DOWN);
		}
	if (lv->nmarked == lv->capmarked) {
		size_t cap = lv->capmarked ? lv->capmarked * 2 : 64;
		struct mark *n = realloc(lv->marked, cap * sizeof *n);
		if (!n)
			return TUI_HANDLED;
		lv->marked = n;
		lv->capmarked = cap;
	}
	if (!selected(v, "source_id") || !selected(v, "restore_id"))
		return TUI_HANDLED;
	lv->marked[lv->nmarked].key = key;
	lv->marked[lv->nmarked].src = selected(v, "source_id")->i;
	lv->marked[lv->nmarked++].dst = selected(v, "restore_id")->i;
	tui_flash(a, false, "%zu marked (D deletes them)", lv->nmarked);
	return list_move(a, v, REQ_DOWN);
}

/* D with marked rows: the count typed to confirm, then one verified
 * deletion after another; Esc stops between two; on a failure the
 * operator aborts, skips it, or skips every further failure. */
static int assoc_delete_marked(struct tui_app *a, struct tui_view *v)
{
	struct list_view *lv = v->priv;
	struct act_site *site;
	size_t counts[ACT_DRY_RUN + 1] = { 0 }, done = 0;
	char body[300], expect[24];
	bool skip_all = false, stopped = false;

	snprintf(expect, sizeof expect, "%zu", lv->nmarked);
	snprintf(body, sizeof body, "Delete %zu marked computer associations?\nEach is re-read "
	         "first, deleted, verified and audited. Esc stops between two.", lv->nmarked);
	if (!tui_confirm_typed(a, "Delete associations", body, expect)) {
		tui_flash(a, false, "not confirmed; nothing was sent");
		return TUI_HANDLED;
	}
	if (!(site = tui_site(a)))
		return TUI_HANDLED;
	for (size_t m = 0; m < lv->nmarked && !stopped; m++) {
		struct act_result res;
		struct ow_err e = { 0 };
		int rc = act_assoc_delete(a->o.db, site, lv->marked[m].src, lv->marked[m].dst, false,
		                          &res, &e);
		done++;
		if (rc == 0)
			counts[res.outcome]++;
		tui_putf(a, LINES - 2, 0, COLS, ST_NORMAL, "deleting %zu/%zu ... (Esc stops)", done,
		         lv->nmarked);
		refresh();
		if ((rc || !act_ok(res.outcome)) && !skip_all) {
			char q[900];
			snprintf(q, sizeof q, "%s\n\na abort   s skip it   S skip every failure",
			         rc ? e.msg : res.message);
			int k = tui_choose(a, "A deletion did not go through", q, "asS");
			if (k == 'a' || k == 27)
				stopped = true;
			skip_all = k == 'S';
		}
		if (site->read_only) {
			a->site_read_only = true;
			stopped = true;
		}
		if (tui_abort_pressed(a))
			stopped = true;
	}
	tui_flash(a, counts[ACT_FAILED] + counts[ACT_UNKNOWN] + counts[ACT_NOT_APPLIED] +
	          counts[ACT_REFUSED] > 0,
	          "%s%zu deleted, %zu already gone, %zu not deleted (audit log has each)",
	          stopped ? "stopped: " : "", counts[ACT_APPLIED], counts[ACT_ALREADY],
	          done - counts[ACT_APPLIED] - counts[ACT_ALREADY]);
	lv->nmarked = 0;
	return TUI_HANDLED | TUI_RELOAD;
}

static int assoc_delete(struct tui_app *a, struct tui_view *v)
{
	const struct inv_cell *src = selected(v, "source_id"), *dst = selected(v, "restore_id");
	const char *from = selected_text(v, "source_name"), *to = selected_text(v, "restore_name");
	const struct inv_cell *rel = selected(v, "released");
	struct act_site *site;
	struct act_result res;
	struct ow_err e = { 0 };
	char body[400];

	if (!src || !dst || src->null || dst->null) {
		tui_flash(a, true, "no association selected");
		return TUI_HANDLED;
	}
	snprintf(body, sizeof body, "Delete the computer association %s -> %s?\n%s",
	         from ? from : "?", to ? to : "?",
	         rel && !rel->null ? "It was restored; its stored user state goes with it."
	                           : "NOT restored yet: its user state will be lost.");
	if (!tui_confirm(a, "Delete association", body)) {
		tui_flash(a, false, "kept; nothing was sent");
		return TUI_HANDLED;
	}
	if (!(site = tui_site(a)))
		return TUI_HANDLED;
	if (act_assoc_delete(a->o.db, site, src->i, dst->i, false, &res, &e) != 0)
		tui_flash(a, true, "%s", e.msg);
	else
		report(a, &res);
	return TUI_HANDLED | TUI_RELOAD;
}

static int start_task(struct tui_app *a, const char *kind, const char *target)
{
	struct ow_err e = { 0 };
	int64_t id;
	bool resumed;

	if (wf_start(a->o.db, kind, target, NULL, &id, &resumed, &e) != 0) {
		tui_flash(a, true, "%s", e.msg);
		return TUI_HANDLED;
	}
	tui_flash(a, false, "%s task #%lld", resumed ? "resuming" : "started", (long long)id);
	tui_push_wizard(a, id);
	return TUI_HANDLED;
}

static int smp_restore_only(struct tui_app *a, struct tui_view *v)
{
	const char *server = selected_text(v, "server");
	struct act_site *site;
	struct act_result res;
	struct ow_err e = { 0 };
	char body[300];

	if (!server)
		return TUI_HANDLED;
	snprintf(body, sizeof body, "Put %s in restore-only mode?\nIt stops accepting new user "
	         "state; restores continue.", server);
	if (!tui_confirm(a, "Restore-only mode", body) || !(site = tui_site(a)))
		return TUI_HANDLED;
	if (act_smp_restore_only(a->o.db, site, server, true, false, &res, &e) != 0)
		tui_flash(a, true, "%s", e.msg);
	else
		report(a, &res);
	return TUI_HANDLED | TUI_RELOAD;
}

/* Moves the window of rows by d (negative: up), the cursor then on screen
 * row c of it. Read through SQL after (or before) a row of the window, so
 * the cost does not grow with the list; at either end of the list the
 * window is the first (last) full one and the cursor clamped to it. */
static void shift_window(struct tui_app *a, struct tui_view *v, int d, int c)
{
	struct list_view *lv = v->priv;
	int n = (int)lv->page.nrows, page = body_rows(), k, got;
	struct inv_cursor at;

	/* forward: the rows after row k, the new window starting at k + 1;
	 * backward: the page of rows before row k, starting at k - page */
	k = d > 0 ? (d < n ? d : n) - 1 : (page + d < n ? page + d : n - 1);
	if (k < 0 || inv_cursor_from_row(&lv->page.rows[k], &at) != 0)
		return;
	got = read_page(a, v, d > 0 ? INV_AFTER : INV_BEFORE, &at);
	inv_cursor_free(&at);
	if (got < 0)
		return;
	if (got == 1) {
		/* nothing beyond row k: it is the last (first) row of the list */
		v->cursor = d > 0 ? n - 1 : 0;
		return;
	}
	got = (int)lv->page.nrows;
	if (got < page && read_page(a, v, d > 0 ? INV_LAST : INV_FIRST, NULL) == 0) {
		/* a short read ran into the end: the window of that end, with the
		 * cursor on the row it aimed at */
		int m = (int)lv->page.nrows;
		c = d > 0 ? c - got + m : c - (page - got);
	}
	v->cursor = c;
	tui_keep_visible((int)lv->page.nrows, page, &v->cursor, NULL);
}

/* A movement request (the same motions as every view, tui_motion) over the
 * window of rows read from SQL. */
static int list_move(struct tui_app *a, struct tui_view *v, enum tui_req r)
{
	struct list_view *lv = v->priv;
	struct tui_motion m = tui_motion(r, body_rows());
	int n, want;

	if (m.to == TUI_MOVE_NONE)
		return 0;
	/* a window read for another terminal size: the same rows again, as
	 * many as fit now */
	if (lv->rows != body_rows() && lv_load(a, v) != 0)
		return TUI_HANDLED;
	n = (int)lv->page.nrows;
	want = v->cursor + m.rows;
	switch (m.to) {
	case TUI_MOVE_NONE:
		return 0;
	case TUI_MOVE_FIRST:
		v->cursor = 0;
		read_page(a, v, INV_FIRST, NULL);
		return TUI_HANDLED;
	case TUI_MOVE_LAST:
		read_page(a, v, INV_LAST, NULL);
		v->cursor = lv->page.nrows ? (int)lv->page.nrows - 1 : 0;
		return TUI_HANDLED;
	case TUI_MOVE_BY:
		break;
	}
	if (n == 0)
		return TUI_HANDLED;
	if (!m.window && want >= 0 && want < n)
		v->cursor = want;
	else if (m.window)
		shift_window(a, v, m.rows, v->cursor);
	else
		shift_window(a, v, want < 0 ? want : want - (n - 1), want < 0 ? 0 : n - 1);
	return TUI_HANDLED;
}

/* Enter: the object's findings first, then its fields in words; the
 * findings alone on their tab; the raw JSON the inventory kept of it. */
static int detail(struct tui_app *a, struct tui_view *v)
{
	struct list_view *lv = v->priv;
	const struct tui_view_def *d = v->def;
	const struct inv_row *row;
	struct buf fields = BUF_INIT, findings = BUF_INIT;
	char *raw = NULL;
	struct ow_err e = { 0 };

	if (v->cursor >= (int)lv->page.nrows)
		return TUI_HANDLED;
	row = &lv->page.rows[v->cursor];
	ld_findings(a, lv->list, row, lv->run_id, lv->run_started, lv->unread[0] ? lv->unread : NULL,
	            &findings);
	buf_adds(&fields, buf_str(&findings));
	buf_addc(&fields, '\n');
	ld_fields(lv->list, row, &fields);
	if (d->table) {
		char *text = inv_raw_json(a->o.db, d->table, row->key, &e);
		json_t *j = text ? json_loads(text, 0, NULL) : NULL;
		raw = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
		json_decref(j);
		free(text);
		if (!raw)
			raw = strdup("the inventory keeps no raw JSON for this kind of object\n");
	}
	tui_push_pager(a, d->title, buf_detach(&fields), buf_detach(&findings), raw);
	return TUI_HANDLED;
}

/* Whether column c of the list is on screen (before the first draw:
 * every column is). */
static bool shown_col(const struct list_view *lv, int c)
{
	for (size_t k = 0; k < lv->nshown; k++)
		if (lv->shown[k].col == c)
			return true;
	return lv->nshown == 0;
}

static int lv_request(struct tui_app *a, struct tui_view *v, enum tui_req r)
{
	struct list_view *lv = v->priv;

	if (list_move(a, v, r))
		return TUI_HANDLED;
	switch (r) {
	case REQ_SORT_NEXT:
	case REQ_SORT_PREV: {
		int n = (int)inv_list_ncols(lv->list);
		/* through the columns on screen (a hidden one would sort by
		 * something the operator cannot see); n steps at most */
		for (int step = 0; step < n; step++) {
			if (lv->sort_col < 0)
				lv->sort_col = 0;
			else if (r == REQ_SORT_NEXT && lv->sort_col == n - 1)
				lv->desc = !lv->desc, lv->sort_col = 0;
			else
				lv->sort_col = (lv->sort_col + (r == REQ_SORT_NEXT ? 1 : n - 1)) % n;
			if (shown_col(lv, lv->sort_col))
				break;
		}
		v->cursor = 0;
		read_page(a, v, INV_FIRST, NULL);
		return TUI_HANDLED;
	}
	case REQ_ENTER: return detail(a, v);
	case REQ_BLOCK: return cert_action(a, v, true);
	case REQ_UNBLOCK: return cert_action(a, v, false);
	case REQ_DELETE: return lv->nmarked ? assoc_delete_marked(a, v) : assoc_delete(a, v);
	case REQ_MARK: return toggle_mark(a, v);
	case REQ_PRUNE: {
		char days[16];
		snprintf(days, sizeof days, "%ld", inv_setting_long(a->o.db, "assoc_released_max_days", 14));
		return start_task(a, "assoc-prune", days);
	}
	case REQ_DECOMMISSION: {
		const char *server = selected_text(v, "server");
		return server ? start_task(a, "smp-decommission", server) : TUI_HANDLED;
	}
	case REQ_RESTORE_ONLY: return smp_restore_only(a, v);
	default: return 0;
	}
}

const struct tui_view_ops tui_list_ops = { lv_load, lv_draw, lv_request, lv_free, lv_counts };
