#define _GNU_SOURCE
/* Guided tasks in the console: the list of runs (resumable), and the
 * wizard of one run: every step with its state, the current one marked,
 * `n` to run it (confirmed when it writes), `a` to attest it with a note.
 * The steps themselves are backend/workflows'; this only shows and asks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/workflows.h"
#include "checks/decide.h"
#include "db/tasks.h"
#include "tui/internal.h"

/* --- the list ------------------------------------------------------------- */

struct tasks {
	struct {
		long long id;
		char line[240];
		bool open;
	} rows[200];
	int n, total;
	const char *filter;      /* the view's, while loading */
};

static int on_task(void *ctx, const struct inv_task *t)
{
	struct tasks *ts = ctx;

	if (ts->n == 200)
		return 1;
	ts->total++;
	if (ts->filter[0] && !strcasestr(t->kind, ts->filter) && !strcasestr(t->target, ts->filter) &&
	    !strcasestr(t->state, ts->filter))
		return 0;
	ts->rows[ts->n].id = t->id;
	ts->rows[ts->n].open = strcmp(t->state, "open") == 0;
	snprintf(ts->rows[ts->n].line, sizeof ts->rows[0].line, "#%-4lld %-17s %-10s step %-2d %s",
	         (long long)t->id, t->kind, t->state, t->current, t->target);
	ts->n++;
	return 0;
}

static int tasks_load(struct tui_app *a, struct tui_view *v)
{
	struct tasks *ts = v->priv;
	struct ow_err e = { 0 };

	if (!ts && !(ts = v->priv = calloc(1, sizeof *ts)))
		return -1;
	ts->n = ts->total = 0;
	ts->filter = v->filter;
	if (inv_task_each(a->o.db, on_task, ts, &e) < 0)
		tui_flash(a, true, "%s", e.msg);
	if (v->cursor >= ts->n)
		v->cursor = ts->n ? ts->n - 1 : 0;
	return 0;
}

static void tasks_draw(struct tui_app *a, struct tui_view *v, int top, int rows)
{
	struct tasks *ts = v->priv;

	tui_put(a, top, 2, COLS - 2, ST_HEADER, "TASK  KIND              STATE      STEP    TARGET");
	if (ts->n == 0)
		tui_put(a, top + 2, 2, COLS - 4, ST_DIM, "no guided task yet: W on an SMP, B on a "
		        "certificate, P on associations, or F on a failing check starts one");
	tui_keep_visible(ts->n, rows - 1, &v->cursor, &v->top);
	for (int i = 0; v->top + i < ts->n && i < rows - 1; i++) {
		int k = v->top + i;
		bool sel = k == v->cursor;
		if (sel) {
			tui_mark_row(a, top + 1 + i);
		}
		tui_put(a, top + 1 + i, 2, COLS - 2, sel ? ST_SELECTED : ts->rows[k].open ? ST_WARN
		                                                                       : ST_NORMAL,
		        ts->rows[k].line);
	}
}

static int tasks_request(struct tui_app *a, struct tui_view *v, enum tui_req r)
{
	struct tasks *ts = v->priv;

	if (tui_move(r, ts->n, tui_view_rows() - 1, &v->cursor, &v->top))
		return TUI_HANDLED;
	switch (r) {
	case REQ_ENTER:
		if (v->cursor < ts->n)
			tui_push_wizard(a, ts->rows[v->cursor].id);
		return TUI_HANDLED;
	default: return 0;
	}
}

static void tasks_free(struct tui_view *v)
{
	free(v->priv);
}

static void tasks_counts(struct tui_view *v, char *buf, size_t n)
{
	struct tasks *ts = v->priv;
	snprintf(buf, n, "%d of %d", ts ? ts->n : 0, ts ? ts->total : 0);
}

const struct tui_view_ops tui_tasks_ops = { tasks_load, tasks_draw, tasks_request, tasks_free,
	                                    tasks_counts };

/* --- the wizard ----------------------------------------------------------- */

struct wizard {
	long long id;
	struct inv_task t;
	bool loaded;
};

static int wz_load(struct tui_app *a, struct tui_view *v)
{
	struct wizard *w = v->priv;
	struct ow_err e = { 0 };

	if (w->loaded)
		inv_task_free(&w->t);
	w->loaded = inv_task_load(a->o.db, w->id, &w->t, &e) == 0;
	if (!w->loaded) {
		tui_flash(a, true, "no task #%lld", w->id);
		return -1;
	}
	snprintf(v->title_extra, sizeof v->title_extra, "%s #%lld %s %s", tui_glyph(a, "\xe2\x80\xba", ">"),
	         w->id, w->t.kind, w->t.target);
	return 0;
}

static void wz_draw(struct tui_app *a, struct tui_view *v, int top, int rows)
{
	struct wizard *w = v->priv;
	bool open = strcmp(w->t.state, "open") == 0;
	int y = top + 1;

	tui_putf(a, top, 1, COLS - 2, ST_HEADER, "%s %s%s%s", w->t.kind, w->t.target,
	         open ? "" : " - ", open ? "" : w->t.state);
	if (open)
		tui_putf(a, top, COLS - 16, 16, ST_HEADER, "step %d of %zu", w->t.current, w->t.nsteps);
	for (size_t i = 0; i < w->t.nsteps && y < top + rows; i++) {
		const struct inv_task_step *s = &w->t.steps[i];
		bool cur = open && (int)i + 1 == w->t.current;
		const char *mark = strcmp(s->state, "done") == 0 ? tui_glyph(a, "\xe2\x9c\x93", "ok")
		                 : strcmp(s->state, "skipped") == 0 ? "-"
		                 : strcmp(s->state, "failed") == 0 ? tui_glyph(a, "\xe2\x9c\x97", "x")
		                 : strcmp(s->state, "blocked") == 0 ? "!"
		                 : cur ? tui_glyph(a, "\xe2\x96\xb6", ">") : " ";
		tui_putf(a, y++, 1, COLS - 2, cur ? ST_SELECTED : strcmp(s->state, "failed") == 0 ||
		                                                  strcmp(s->state, "blocked") == 0
		                                                  ? ST_WARN : ST_NORMAL,
		         "%-2s %zu [%s] %s%s%s", mark, i + 1, s->kind, s->name,
		         s->note ? " - " : "", s->note ? s->note : "");
	}
	y++;
	if (open && w->t.current >= 1 && (size_t)w->t.current <= w->t.nsteps) {
		const struct inv_task_step *s = &w->t.steps[w->t.current - 1];
		if (s->detail && *s->detail)
			tui_putf(a, y++, 1, COLS - 2, ST_NORMAL, "last attempt: %s", s->detail);
		tui_put(a, y, 1, COLS - 2, ST_DIM, strcmp(s->kind, "attest") == 0
		        ? "a attests this step with a note (what was done, where)"
		        : "n runs this step; a accepts a blocked check with a note; Esc pauses");
	} else if (!open) {
		tui_put(a, y, 1, COLS - 2, ST_OK, "finished; every step is in the audit log");
	}
}

static int advance(struct tui_app *a, struct wizard *w, const char *note)
{
	struct wf_env env = { .db = a->o.db, .recheck = chk_recheck };
	struct act_site none = { NULL, "", true };   /* no site: a read-only stand-in */
	struct wf_result res;
	struct ow_err e = { 0 };
	const struct inv_task_step *s;

	if (strcmp(w->t.state, "open") != 0 || w->t.current < 1 || (size_t)w->t.current > w->t.nsteps) {
		tui_flash(a, false, "this task is %s", w->t.state);
		return TUI_HANDLED;
	}
	s = &w->t.steps[w->t.current - 1];
	if (strcmp(s->kind, "attest") != 0) {
		char body[400];
		if (strcmp(s->kind, "action") == 0) {
			if (!tui_may_write(a, s->name))
				return TUI_HANDLED;
			snprintf(body, sizeof body, "Step %d: %s\non %s\n\nThe change is re-read from the "
			         "site afterwards and written to the audit log.", w->t.current, s->name,
			         w->t.target);
			if (!tui_confirm(a, "Run this step", body)) {
				tui_flash(a, false, "paused; nothing was sent");
				return TUI_HANDLED;
			}
		}
		if (!(env.site = tui_site(a)))
			return TUI_HANDLED;
	} else {
		env.site = a->site ? a->site : &none;   /* attesting reads nothing */
	}
	if (wf_advance(&env, w->id, note, &res, &e) != 0)
		tui_flash(a, true, "%s", e.msg);
	else if (res.needs_note)
		tui_flash(a, false, "%s", res.message);
	else
		tui_flash(a, strcmp(res.step_state, "done") != 0 && strcmp(res.step_state, "skipped") != 0,
		          "step %d: %s: %s", res.seq, res.step_state, res.message);
	if (env.site && env.site->read_only && env.site == a->site)
		a->site_read_only = true;
	return TUI_HANDLED | TUI_RELOAD;
}

static int wz_request(struct tui_app *a, struct tui_view *v, enum tui_req r)
{
	struct wizard *w = v->priv;
	char note[300];

	switch (r) {
	case REQ_RUN_STEP:
	case REQ_ENTER:
		return advance(a, w, NULL);
	case REQ_ATTEST_STEP:
		if (!tui_ask(a, "Note (what was done, where)", note, sizeof note)) {
			tui_flash(a, false, "nothing recorded");
			return TUI_HANDLED;
		}
		return advance(a, w, note);
	default: return 0;
	}
}

static void wz_free(struct tui_view *v)
{
	struct wizard *w = v->priv;
	if (w && w->loaded)
		inv_task_free(&w->t);
	free(w);
}

static const struct tui_view_ops wizard_ops = { wz_load, wz_draw, wz_request, wz_free, NULL };
static const struct tui_view_def wizard_def = { "wizard", 0, "guided task", &wizard_ops, NULL, NULL,
	                                        NULL };

int tui_push_wizard(struct tui_app *a, long long task_id)
{
	struct wizard *w = calloc(1, sizeof *w);

	if (!w)
		return -1;
	w->id = task_id;
	return tui_push(a, &wizard_def, w);
}
