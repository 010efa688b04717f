/* The console's core: the view stack and the views by name, the `:`
 * commands, the dispatch of requests (central refusal of writes in
 * read-only mode), the site gate, and the loop that turns keys into
 * requests. The terminal is term.c's, input input.c's, dialogs dialog.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks/checks.h"
#include "tui/internal.h"

struct tui_view *tui_top(struct tui_app *a)
{
	return a->depth ? a->stack[a->depth - 1] : NULL;
}

void tui_reload_all(struct tui_app *a)
{
	for (int i = 0; i < a->depth; i++)
		if (a->stack[i]->ops->load)
			a->stack[i]->ops->load(a, a->stack[i]);
}

/* --- views ------------------------------------------------------------------- */

int tui_push(struct tui_app *a, const struct tui_view_def *def, void *priv)
{
	struct tui_view *v;

	if (a->depth == (int)(sizeof a->stack / sizeof a->stack[0])) {
		tui_flash(a, true, "too many views open; Esc closes one");
		return -1;
	}
	v = calloc(1, sizeof *v);
	if (!v)
		return -1;
	v->def = def;
	v->ops = def->ops;
	v->priv = priv;
	a->stack[a->depth++] = v;
	if (v->ops->load && v->ops->load(a, v) != 0) {
		a->depth--;
		if (v->ops->free)
			v->ops->free(v);
		free(v);
		return -1;
	}
	return 0;
}

static void pop(struct tui_app *a)
{
	struct tui_view *v = a->stack[--a->depth];
	if (v->ops->free)
		v->ops->free(v);
	free(v);
}

/* --- the views by name (TUI_VIEWS) -------------------------------------------- */

static const struct tui_view_def views[] = {
#define VIEW_ROW(name, digit, title, ops, list, table, ident) \
	{ name, digit, title, &ops, list, table, ident },
	TUI_VIEWS(VIEW_ROW)
#undef VIEW_ROW
};

/* The names as one string each, at compile time: for the prompt's
 * completion (with the commands that are not views) and for the error. */
#define VIEW_WORD(name, ...) name " "
#define VIEW_ITEM(name, ...) ", " name
static const char view_words[] = TUI_VIEWS(VIEW_WORD) "quit save-display";
static const char view_list[] = TUI_VIEWS(VIEW_ITEM);

const struct tui_view_def *tui_view_at(size_t i)
{
	return i < sizeof views / sizeof views[0] ? &views[i] : NULL;
}

const struct tui_view_def *tui_view_named(const char *name)
{
	for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
		if (strcmp(views[i].name, name) == 0)
			return &views[i];
	return NULL;
}

const char *tui_view_names(void)
{
	return view_words;
}

static const struct tui_view_def *view_of_digit(int key)
{
	for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
		if (views[i].digit && views[i].digit == key)
			return &views[i];
	return NULL;
}

/* Switches to a top-level view: the stack becomes just that view. */
static void go(struct tui_app *a, const char *name)
{
	const struct tui_view_def *def = tui_view_named(name);

	if (!def) {
		tui_flash(a, true, "no view '%s'; try %s", name, view_list + 2);
		return;
	}
	while (a->depth)
		pop(a);
	a->flash[0] = '\0';
	if (tui_push(a, def, NULL) != 0 && !a->depth)
		tui_push(a, tui_view_named("help"), NULL);
}

static void command(struct tui_app *a, const char *cmd)
{
	while (*cmd == ' ')
		cmd++;
	if (!*cmd)
		return;
	tui_add_history(a, cmd);
	if (strncmp(cmd, "save-display ", 13) != 0)
		a->flash[0] = '\0';
	if (strcmp(cmd, "q") == 0 || strcmp(cmd, "quit") == 0) {
		a->quit = true;
	} else if (strncmp(cmd, "save-display ", 13) == 0) {
		tui_draw_frame(a);
		tui_save_display_command(a, cmd + 13);
	} else if (tui_view_named(cmd)) {
		go(a, cmd);
	} else {
		for (size_t i = 0; tui_req_at(i); i++)
			if (strcmp(tui_req_at(i)->name, cmd) == 0) {
				tui_dispatch(a, tui_req_at(i)->req);
				return;
			}
		tui_flash(a, true, "unknown command '%s' (Tab completes, ? lists the keys)", cmd);
	}
}

static void live_filter(struct tui_app *a, const char *text)
{
	struct tui_view *v = tui_top(a);

	snprintf(v->filter, sizeof v->filter, "%s", text);
	v->cursor = 0;
	if (v->ops->load)
		v->ops->load(a, v);
	tui_draw_frame(a);
}

/* c: a stored check run, as `osdwarden check` makes; the views then show it. */
static void check_now(struct tui_app *a)
{
	struct chk_run run;
	struct ow_err e = { 0 };

	if (a->o.read_only) {
		tui_flash(a, true, "read-only: a check run is stored in the inventory; refused");
		return;
	}
	tui_put(a, LINES - 2, 0, COLS, ST_NORMAL, "evaluating the checklist ...");
	refresh();
	if (chk_evaluate(a->o.db, -1, inv_now(), &run, &e) != 0) {
		tui_flash(a, true, "the checklist could not be evaluated: %s", e.msg);
		return;
	}
	tui_flash(a, false, "check run #%lld stored: security %s, privacy %s", (long long)run.id,
	          run.grades.security, run.grades.privacy);
	chk_run_free(&run);
	tui_reload_all(a);
}

void tui_dispatch(struct tui_app *a, enum tui_req r)
{
	struct tui_view *v = tui_top(a);
	const struct tui_req_info *info = tui_req_info(r);
	int flags = 0;

	if (!v || r == REQ_NONE)
		return;
	if (info && (info->flags & REQ_DANGEROUS) && !tui_may_write(a, info->help))
		return;
	if (v->ops->request)
		flags = v->ops->request(a, v, r);
	if (flags & TUI_CLOSE) {
		if (a->depth > 1)
			pop(a);
		v = tui_top(a);
		if (v->ops->load)
			v->ops->load(a, v);
		return;
	}
	if (flags & TUI_RELOAD && v->ops->load)
		v->ops->load(a, v);
	if (flags & TUI_HANDLED)
		return;
	switch (r) {
	case REQ_QUIT:
		a->quit = true;
		break;
	case REQ_BACK:
		if (a->depth > 1) {
			pop(a);
			v = tui_top(a);
			if (v->ops->load)
				v->ops->load(a, v);
		} else {
			tui_flash(a, false, "Q quits");
		}
		break;
	case REQ_HELP:
		tui_push(a, tui_view_named("help"), NULL);
		break;
	case REQ_TASKS:
		go(a, "tasks");
		break;
	case REQ_ACTIONS:
		tui_actions_menu(a, v);
		break;
	case REQ_PROMPT: {
		char cmd[256] = "";
		if (tui_edit_line(a, LINES - 2, ":", cmd, sizeof cmd, NULL, true))
			command(a, cmd);
		break;
	}
	case REQ_FILTER: {
		char text[128];
		/* a view that counts what a filter keeps is one that filters */
		if (!v->ops->counts) {
			tui_flash(a, false, "/: nothing to filter in the %s", v->def->title);
			break;
		}
		snprintf(text, sizeof text, "%s", v->filter);
		if (!tui_edit_line(a, LINES - 2, "/", text, sizeof text, live_filter, false))
			live_filter(a, "");
		break;
	}
	case REQ_REDRAW:
		clearok(curscr, TRUE);
		break;
	case REQ_SYNC:
		tui_sync_now(a);
		break;
	case REQ_CHECK:
		check_now(a);
		break;
	default:
		if (info)
			tui_flash(a, false, "%s: not available here", info->name);
		break;
	}
}

/* --- the site -------------------------------------------------------------- */

bool tui_may_write(struct tui_app *a, const char *what)
{
	if (a->o.read_only || a->site_read_only) {
		tui_flash(a, true, "read-only: %s refused; nothing was sent%s", what,
		          a->o.read_only ? " (started with --read-only)"
		                         : " (the site refused a write this session)");
		return false;
	}
	return true;
}

struct act_site *tui_site(struct tui_app *a)
{
	char err[400] = "";
	int64_t provider = 0;
	int rc;

	if (a->site)
		return a->site;
	if (!a->o.site.connect) {
		tui_flash(a, true, "no site to write to in this session");
		return NULL;
	}
	if (tui_pick_provider(a, &provider) != 0) {
		tui_flash(a, true, "no provider chosen: nothing was read or sent");
		return NULL;
	}
	if (!a->o.script) {
		def_prog_mode();
		endwin();
	}
	rc = a->o.site.connect(a->o.site.ctx, provider, &a->site, err, sizeof err);
	if (!a->o.script) {
		reset_prog_mode();
		refresh();
	}
	if (rc) {
		a->site = NULL;
		tui_flash(a, true, "cannot reach the site: %s", err);
	}
	return a->site;
}

/* --- the loop -------------------------------------------------------------- */

int tui_run(const struct tui_opts *opts)
{
	struct tui_app a;
	int rc, last_key = -1;

	memset(&a, 0, sizeof a);
	a.o = *opts;
	if (!a.o.err)
		a.o.err = stderr;
	if (a.o.start_view && !tui_view_named(a.o.start_view)) {
		fprintf(a.o.err, "osdwarden: no view '%s'; try %s\n", a.o.start_view, view_list + 2);
		return 2;
	}
	if ((rc = tui_term_start(&a)) != 0) {
		tui_term_stop(&a);
		return rc;
	}
	tui_timing_open(&a);
	go(&a, a.o.start_view ? a.o.start_view : "dash");
	while (!a.quit) {
		struct tui_view *v = tui_top(&a);
		const struct tui_view_def *jump;
		int key;
		tui_draw_frame(&a);
		refresh();
		tui_time_key(&a, last_key);
		key = tui_getkey(&a);
		tui_time_mark(&a);
		last_key = key;
		if (key == -1)
			break;
		if (key == TUI_TICK) {
			if (v && v->ops->load && LINES >= TUI_MIN_ROWS && COLS >= TUI_MIN_COLS)
				v->ops->load(&a, v);
			continue;
		}
		if (key == KEY_RESIZE) {
			/* Views keep their cursor row; the frame re-lays itself out. */
			continue;
		}
		if (LINES < TUI_MIN_ROWS || COLS < TUI_MIN_COLS) {
			/* Only quitting and commands make sense on this screen. */
			if (key == 'Q')
				a.quit = true;
			else if (key == ':')
				tui_dispatch(&a, REQ_PROMPT);
			continue;
		}
		/* A message stays until the next key (the prompt keeps it, so
		 * :save-display captures what the operator was shown). */
		if (key != ':')
			a.flash[0] = '\0';
		if ((jump = view_of_digit(key)) != NULL) {
			go(&a, jump->name);
			continue;
		}
		tui_dispatch(&a, tui_req_for_key(key, v->def->name));
	}
	while (a.depth)
		pop(&a);
	for (int i = 0; i < a.nhistory; i++)
		free(a.history[i]);
	tui_term_stop(&a);
	tui_timing_close(&a);
	return 0;
}
