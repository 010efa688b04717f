/* Shared by the console's modules: the request table, the view interface,
 * the application state, and the drawing helpers. */
#ifndef OW_TUI_INTERNAL_H
#define OW_TUI_INTERNAL_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "backend/cert_impact.h"
#include "checks/checks.h"
#include "tui/tui.h"
#include "util/buf.h"

/* One row per request: name (also its `:` command), key, second key, the
 * views it belongs to (NULL = everywhere), help text, flags. Dispatch, the
 * hint bar, the `:` commands and the help view all come from this table. */
#define CTRL(c) ((c) & 0x1f)
#define REQ_DANGEROUS 1u   /* writes to the site: refused centrally when read-only */
#define REQ_HINT 2u        /* shown in the hint bar of the views it belongs to */

#define TUI_REQUESTS(_)                                                                         \
	_(UP, "up", 'k', KEY_UP, NULL, "move up", 0)                                            \
	_(DOWN, "down", 'j', KEY_DOWN, NULL, "move down", 0)                                     \
	_(PAGE_UP, "page-up", KEY_PPAGE, 0, NULL, "previous page", 0)                           \
	_(PAGE_DOWN, "page-down", KEY_NPAGE, 0, NULL, "next page", 0)                            \
	_(HALF_UP, "half-up", CTRL('u'), 0, NULL, "half a page up", 0)                          \
	_(HALF_DOWN, "half-down", CTRL('d'), 0, NULL, "half a page down", 0)                    \
	_(FIRST, "first", 'g', KEY_HOME, NULL, "first row", 0)                                  \
	_(LAST, "last", 'G', KEY_END, NULL, "last row", 0)                                      \
	_(ENTER, "enter", '\n', KEY_ENTER, NULL, "open / explain", REQ_HINT)                    \
	_(BACK, "back", 'q', 27, NULL, "back", 0)                                              \
	_(QUIT, "quit", 'Q', 0, NULL, "quit", REQ_HINT)                                        \
	_(FILTER, "filter", '/', 0, NULL, "filter the rows (in a text: find)", REQ_HINT)        \
	_(NEXT_MATCH, "next-match", 'n', 0, NULL, "next match of / (a list: the next row)", 0)  \
	_(PREV_MATCH, "previous-match", 'N', 0, NULL, "previous match of /", 0)                 \
	_(NEXT_TAB, "next-tab", '\t', KEY_RIGHT, "detail", "next tab", 0)                       \
	_(SORT_PREV, "sort-prev", '<', 0, NULL, "sort by the previous column", 0)               \
	_(SORT_NEXT, "sort-next", '>', 0, NULL, "sort by the next column", 0)                   \
	_(PROMPT, "prompt", ':', 0, NULL, "command prompt", REQ_HINT)                          \
	_(HELP, "help", '?', KEY_F(1), NULL, "help", REQ_HINT)                                 \
	_(SYNC, "sync", 'r', 0, NULL, "sync the site now", 0)                                   \
	_(CHECK, "check", 'c', 0, NULL, "evaluate the checklist now and store the run", 0)      \
	_(REDRAW, "redraw", CTRL('l'), 0, NULL, "redraw the screen", 0)                          \
	_(TASKS, "tasks", 't', 0, NULL, "guided tasks", 0)                                     \
	_(ACTIONS, "actions", 'x', 0, NULL, "what can be done here (and why not)", REQ_HINT)    \
	_(MARK, "mark", ' ', 0, "assoc", "mark or unmark the row", 0)                          \
	_(BLOCK, "block", 'B', 0, "cert", "block the certificate", REQ_DANGEROUS | REQ_HINT)  \
	_(UNBLOCK, "unblock", 'U', 0, "cert", "unblock the certificate", REQ_DANGEROUS | REQ_HINT) \
	_(DELETE, "delete", 'D', 0, "assoc", "delete the association (or the marked ones)", REQ_DANGEROUS | REQ_HINT) \
	_(PRUNE, "prune", 'P', 0, "assoc", "prune restored associations", REQ_DANGEROUS | REQ_HINT) \
	_(DECOMMISSION, "decommission", 'W', 0, "smp", "decommission walkthrough", REQ_DANGEROUS | REQ_HINT) \
	_(RESTORE_ONLY, "restore-only", 'R', 0, "smp", "restore-only mode on", REQ_DANGEROUS | REQ_HINT) \
	_(RUN_STEP, "run-step", 'n', 0, "wizard", "run the current step", REQ_HINT)            \
	_(ATTEST_STEP, "attest-step", 'a', 0, "wizard", "attest the current step", REQ_HINT)    \
	_(ATTEST, "attest", 'A', 0, "checks privacy explain", "attest (note, expiry)", REQ_HINT) \
	_(WAIVE, "waive", 'W', 0, "checks privacy explain", "waive (reason, expiry)", REQ_HINT) \
	_(FIX, "fix", 'F', 0, "explain", "start the guided fix", REQ_HINT)

enum tui_req {
	REQ_NONE,
#define REQ_ENUM(id, name, k1, k2, views, help, flags) REQ_##id,
	TUI_REQUESTS(REQ_ENUM)
#undef REQ_ENUM
	REQ_COUNT
};

struct tui_req_info {
	enum tui_req req;
	const char *name;
	int key1, key2;
	const char *views;       /* space separated view names, or NULL */
	const char *help;
	unsigned flags;
};

const struct tui_req_info *tui_req_at(size_t i);   /* NULL past the end */
const struct tui_req_info *tui_req_info(enum tui_req r);
/* The request a key means in view (view-scoped rows first). */
enum tui_req tui_req_for_key(int key, const char *view);
const char *tui_key_name(int key, char *buf, size_t n);

/* What a view's request handler asks of the loop (htop style). */
enum {
	TUI_HANDLED = 1,
	TUI_RELOAD = 2,          /* the view re-reads its data */
	TUI_CLOSE = 4,           /* pop the view */
};

struct tui_app;
struct tui_view;

/* The functions of a kind of view (a list, a checklist, a pager...). */
struct tui_view_ops {
	int (*load)(struct tui_app *a, struct tui_view *v);    /* (re)reads; 0 or -1 */
	void (*draw)(struct tui_app *a, struct tui_view *v, int top, int rows);
	int (*request)(struct tui_app *a, struct tui_view *v, enum tui_req r);
	void (*free)(struct tui_view *v);
	/* Optional: "3 of 41" for the title when filtered. */
	void (*counts)(struct tui_view *v, char *buf, size_t n);
};

/* What a view is: its name (the `:` command and the scope of its
 * requests), the digit that jumps to it (0: none), its title, its kind, and
 * for a list view the db/ list it shows, the component table that keeps its
 * raw JSON (NULL: none) and the column findings name its objects by (NULL:
 * source:restore ids). */
struct tui_view_def {
	const char *name;
	int digit;
	const char *title;
	const struct tui_view_ops *ops;
	const char *list, *table, *ident;
};

/* The top-level views, one row each (tig's VIEW_INFO): the view names, the
 * digits, the `:` completion, help's list of views and the error for an
 * unknown view are all made from this list. Adding a view is adding a row
 * (and, for a new list, its columns in db/list.c). */
#define TUI_VIEWS(_)                                                                          \
	_("dash", '0', "dashboard", tui_dash_ops, NULL, NULL, NULL)                               \
	_("dp", '1', "distribution points", tui_list_ops, "dps", "dps", "server")                \
	_("smp", '2', "state migration points", tui_list_ops, "smps", "smps", "server")          \
	_("media", '3', "boot media and images", tui_list_ops, "media", NULL, "id")              \
	_("cert", '4', "certificates", tui_list_ops, "certs", "certificates", "smsid")           \
	_("assoc", '5', "computer associations", tui_list_ops, "assocs", "associations", NULL)   \
	_("ts", '6', "task sequences", tui_list_ops, "ts", "task_sequences", "package_id")       \
	_("accounts", 0, "administrative accounts", tui_list_ops, "admins", "admins", "logon_name") \
	_("sites", 0, "sites", tui_list_ops, "sites", "sites", "site_code")                      \
	_("checks", '7', "security checklist", tui_checklist_ops, NULL, NULL, NULL)             \
	_("privacy", '8', "privacy checklist", tui_checklist_ops, NULL, NULL, NULL)             \
	_("tasks", '9', "guided tasks", tui_tasks_ops, NULL, NULL, NULL)                         \
	_("audit", 0, "audit log", tui_audit_ops, NULL, NULL, NULL)                              \
	_("help", 0, "help", tui_help_ops, NULL, NULL, NULL)

struct tui_view {
	const struct tui_view_def *def;
	const struct tui_view_ops *ops;   /* def->ops */
	void *priv;
	char filter[128];
	int cursor;              /* selected row, kept across resizes */
	int top;                 /* first row on screen (views with their rows in memory) */
	char title_extra[160];
};

/* Cursor movement, the same in every view (move.c, htop's Panel_onKey):
 * Up/Down one row; PgUp/PgDn a page and Ctrl-U/Ctrl-D half a page, the
 * window moving with the cursor (it keeps its screen row); g/Home and
 * G/End the first and the last row. */
struct tui_motion {
	enum { TUI_MOVE_NONE, TUI_MOVE_BY, TUI_MOVE_FIRST, TUI_MOVE_LAST } to;
	int rows;                /* TUI_MOVE_BY: how far; negative is up */
	bool window;             /* the window moves with the cursor */
};
/* What request r means for a view showing page rows at a time. */
struct tui_motion tui_motion(enum tui_req r, int page);
/* Applies r to a cursor over n rows shown page at a time from *top.
 * TUI_HANDLED for a movement request, 0 (nothing changed) otherwise. */
int tui_move(enum tui_req r, int n, int page, int *cursor, int *top);
/* The same for text: *first, the first of lines shown page at a time,
 * moves as a cursor and never past the last full page. */
int tui_scroll(enum tui_req r, int lines, int page, int *first);
/* Clamps the cursor to the n rows and *top (may be NULL) so the cursor is
 * on screen and the last page is full (after a reload or a resize). */
void tui_keep_visible(int n, int page, int *cursor, int *top);
/* The lines of a text (the last one need not end in a newline). */
int tui_count_lines(const char *text);

/* Semantic styles, mapped to colours or (monochrome) attributes in one table. */
enum tui_style { ST_NORMAL, ST_TITLE, ST_SELECTED, ST_OK, ST_WARN, ST_DANGER, ST_DIM, ST_HEADER,
	         ST_COUNT };

struct tui_app {
	struct tui_opts o;
	struct tui_view *stack[8];
	int depth;
	bool quit;
	char flash[400];
	bool flash_error;
	/* The `:` prompt's history. */
	char *history[32];
	int nhistory;
	/* Script mode: the key script, and its current line decoded one key
	 * at a time (input.c). */
	FILE *script;
	struct {
		char line[1024];
		size_t pos, len;
	} in;
	SCREEN *screen;
	FILE *null_out, *null_in;
	/* bench/tui: per-key timings (OSDWARDEN_TUI_TIMING), from t0, the time
	 * the last key was read; the sync screen's frames (OSDWARDEN_TUI_PROGRESS). */
	FILE *timing;
	struct timespec t0;
	const char *progress_dump;
	struct act_site *site;    /* connected on the first write */
	bool site_read_only;      /* learned from a refused write */
	char site_name[80];
	attr_t style[ST_COUNT];
};

/* The kinds of view TUI_VIEWS names (one file each). */
extern const struct tui_view_ops tui_dash_ops, tui_list_ops, tui_checklist_ops, tui_tasks_ops,
	tui_help_ops, tui_audit_ops;
/* The rows of TUI_VIEWS (NULL past the end), and one by name (NULL: none). */
const struct tui_view_def *tui_view_at(size_t i);
const struct tui_view_def *tui_view_named(const char *name);
/* The words the `:` prompt completes: the view names and the commands. */
const char *tui_view_names(void);
/* Pushes a new view (its load is called); 0 or -1 with a flash. */
int tui_push(struct tui_app *a, const struct tui_view_def *def, void *priv);
/* The view on top of the stack (NULL when none), borrowed: the stack owns it. */
struct tui_view *tui_top(struct tui_app *a);
/* In a list view just loaded, puts the cursor on the row whose findings
 * name object_key (an object opened from elsewhere, where a filter by its
 * name alone may match several rows). 0, or -1 when that row is not on
 * the page. */
int tui_list_select(struct tui_view *v, const char *object_key);
/* The explanation of one check, pushed over the checklist (view_explain.c). */
int tui_push_explain(struct tui_app *a, const char *check_id);
/* A check result's state as the checklists show it (a glyph and a word:
 * "✗ FAIL", "~ attest"), and its style. */
const char *tui_check_mark(const struct tui_app *a, enum chk_state s);
enum tui_style tui_check_style(enum chk_state s);
/* The wizard of one guided task run. */
int tui_push_wizard(struct tui_app *a, long long task_id);
/* A read-only detail pager with tabs: fields, findings, raw JSON (each an
 * owned string, NULL = no such tab). */
int tui_push_pager(struct tui_app *a, const char *title, char *fields, char *findings, char *raw);

/* Status line messages (sanitized here). */
void tui_flash(struct tui_app *a, bool error, const char *fmt, ...) OW_PRINTF(3, 4);

/* Dialogs; all draw over the current screen and return when answered. */
bool tui_confirm(struct tui_app *a, const char *title, const char *body);   /* default No */
/* Type-to-confirm: true only if the operator typed expect exactly. */
bool tui_confirm_typed(struct tui_app *a, const char *title, const char *body, const char *expect);
/* A choice among keys shown in a box; returns the key pressed (Esc: 27). */
int tui_choose(struct tui_app *a, const char *title, const char *body, const char *keys);
/* Whether Esc was pressed since the last call (long loops poll it; always
 * false in script mode). */
bool tui_abort_pressed(struct tui_app *a);
/* A line of text (note, reason); false when cancelled. */
bool tui_ask(struct tui_app *a, const char *question, char *out, size_t n);

/* The site for a write: connects on first use (the terminal is handed
 * back meanwhile). NULL with a flash when it cannot. Borrowed: the
 * session's connect hook keeps it. */
struct act_site *tui_site(struct tui_app *a);
/* The provider row tui_site reaches (view_sync.c): that of the sites
 * shown, asked in a dialog when they come from several providers; *id 0
 * leaves it to the caller (one provider, or --provider). 0, or -1 when the
 * operator cancelled the dialog. */
int tui_pick_provider(struct tui_app *a, int64_t *id);
/* Central gate for DANGEROUS requests: false (and a flash) when read-only. */
bool tui_may_write(struct tui_app *a, const char *what);

/* Drawing: text is sanitized and cut to the columns given. */
void tui_put(struct tui_app *a, int y, int x, int cols, enum tui_style st, const char *text);
void tui_putf(struct tui_app *a, int y, int x, int cols, enum tui_style st, const char *fmt, ...)
	OW_PRINTF(6, 7);
const char *tui_glyph(const struct tui_app *a, const char *utf8, const char *ascii);
/* The selected row y: across the screen in the selected style, '>' first. */
void tui_mark_row(struct tui_app *a, int y);
/* The same for a line of text drawn from column 1 (the explanation's
 * cursor, a text view's match): '>' in column 0, then the text. */
void tui_mark_line(struct tui_app *a, int y, const char *text);
/* Text from its line first on, a line a row from y for at most rows rows;
 * its line 0 (a title) in first_style, the others normal. */
void tui_draw_lines(struct tui_app *a, int y, int rows, const char *text, int first,
                    enum tui_style first_style);

/* Input (input.c): the next key (from the terminal or the script). -1 at
 * the end of a script; TUI_TICK when the terminal was idle for the refresh
 * period. */
#define TUI_TICK (-3)
int tui_getkey(struct tui_app *a);
/* Writes the screen as text (script mode and `:save-display`). */
int tui_save_display(struct tui_app *a, const char *path);
/* :save-display PATH; a failure is flashed (and, in a key script, on stderr). */
void tui_save_display_command(struct tui_app *a, const char *path);
/* In a key script, a ':' line read inside a dialog (":save-display PATH");
 * true when key began one and it was consumed. */
bool tui_script_command(struct tui_app *a, int key);
/* Per-key timings for bench/tui: opened from the environment, the time a
 * key was read, and the time its screen was done. */
void tui_timing_open(struct tui_app *a);
void tui_timing_close(struct tui_app *a);
void tui_time_mark(struct tui_app *a);
void tui_time_key(struct tui_app *a, int key);

/* The terminal and the frame (term.c). Below TUI_MIN_COLS x TUI_MIN_ROWS
 * the frame says the terminal is too small. */
#define TUI_MIN_ROWS 16
#define TUI_MIN_COLS 60
int tui_term_start(struct tui_app *a);   /* 0, or an exit code with a message */
void tui_term_stop(struct tui_app *a);
void tui_draw_frame(struct tui_app *a);
/* The rows a view draws in (between the title and the status line). */
int tui_view_rows(void);

/* The line editor (prompt.c): edits text in place on row y after label;
 * live (may be NULL) is called after each change; history enables the
 * prompt's history and completion. True on Enter, false on Esc. */
bool tui_edit_line(struct tui_app *a, int y, const char *label, char *text, size_t n,
                   void (*live)(struct tui_app *, const char *), bool history);
void tui_add_history(struct tui_app *a, const char *cmd);

/* The `x` menu: this view's requests, each with why it cannot run now. */
void tui_actions_menu(struct tui_app *a, struct tui_view *v);
/* `r`: the sync screen (view_sync.c). */
void tui_sync_now(struct tui_app *a);
/* Runs request r on the view on top (app.c). */
void tui_dispatch(struct tui_app *a, enum tui_req r);
/* Every open view re-reads the inventory (after a sync or a check run). */
void tui_reload_all(struct tui_app *a);

#endif
