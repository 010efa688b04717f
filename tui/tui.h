/* The console: an ncurses front end over the inventory. It reads through
 * db/ and checks/, writes through backend/actions and backend/workflows,
 * and never talks to the network or builds SQL itself. */
#ifndef OW_TUI_TUI_H
#define OW_TUI_TUI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "backend/actions.h"
#include "backend/sync.h"
#include "db/db.h"

/* How the console reaches the site for a write, provided by the caller
 * (the CLI knows providers and secrets). Called with the terminal handed
 * back to the shell, so it may prompt for a password. provider_id: the
 * inventory's provider row the console chose (that of the sites shown, or
 * the operator's answer when they come from several), 0 to leave it to
 * the caller. 0 and *site, or non-zero with a message in err. */
struct tui_site_hooks {
	int (*connect)(void *ctx, int64_t provider_id, struct act_site **site, char *err,
	               size_t errlen);
	/* Syncs the inventory from the site connect reached, reporting per
	 * class to progress and asking stop (both with pctx) while a request
	 * is held, so that Esc ends it at once; 0 with a summary in msg, or
	 * non-zero with the error in msg. */
	int (*sync)(void *ctx, sync_progress_fn progress, int (*stop)(void *pctx), void *pctx,
	            char *msg, size_t n);
	void *ctx;
	bool provider_fixed;   /* the caller was told the provider (--provider): no choice */
};

struct tui_opts {
	struct inv *db;              /* open inventory (read-only when read_only) */
	bool read_only;              /* --read-only: every write is refused centrally */
	bool no_color;               /* --no-color or NO_COLOR */
	bool ascii;                  /* no UTF-8 glyphs */
	const char *script;          /* key script: off-screen terminal, no tty needed */
	int rows, cols;              /* script mode size (default 24x80) */
	const char *start_view;      /* e.g. "dash" (default) */
	struct tui_site_hooks site;
	FILE *err;
};

/* Runs the console until the operator quits (or the script ends).
 * Returns 0, or an exit code with a message on opts->err (e.g. not a
 * terminal, unknown TERM). */
int tui_run(const struct tui_opts *opts);

/* The curses library the console is built with ("ncurses 6.4.20230625"). */
const char *tui_library_version(void);

#endif
