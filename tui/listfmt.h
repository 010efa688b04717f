/* How a row of a console list reads: the list's columns and STATE fitted
 * to the terminal by priority (htop/k9s), each cell in the console's words
 * (checks/words), and an object's state folded from its stored findings. */
#ifndef OW_TUI_LISTFMT_H
#define OW_TUI_LISTFMT_H

#include <stddef.h>

#include "db/checkstore.h"
#include "db/list.h"
#include "tui/internal.h"

/* The STATE column's index in a layout (the list's columns are 0..n-1). */
#define LF_STATE (-1)

struct lf_col {
	int col;           /* a column of the list, or LF_STATE */
	int x, w;          /* where it starts on screen and how wide it is */
};

/* Lays the columns of l and STATE out across a terminal cols wide, in the
 * list's order with STATE last: every column at its minimum by priority
 * (0 first) while they fit (priority 0 always), then the spare width to
 * the shown ones up to their natural width. out holds inv_list_ncols(l)+1;
 * returns how many are shown. */
size_t lf_layout(const struct inv_list *l, int cols, struct lf_col *out);
/* The title of a laid-out column. */
const char *lf_title(const struct inv_list *l, const struct lf_col *c);
/* What is drawn before the column (" → ", or the ASCII " > "), NULL for
 * the two spaces of a gap. */
const char *lf_sep(const struct tui_app *a, const struct inv_list *l, const struct lf_col *c);

/* A cell in words (checks/words by the column's field): "every interface",
 * "none", "103 d", a date as YYYY-MM-DD; "-" for no value. */
void lf_cell(const struct inv_col *col, const struct inv_cell *c, char *out, size_t n);

/* The state of one object: the worst of its findings in a run. */
struct lf_state {
	int rank;          /* 0: no finding; see listfmt.c */
	int state;         /* enum chk_state of the worst */
	int sev;           /* enum chk_sev of the worst */
	bool no_run;       /* no check run is stored */
	bool unjudged;     /* synced after the run: the run never saw it */
	bool unread;       /* the run could not read a class its checks need */
};
/* Whether check run run_id could not read a class that a check about l's
 * rows needs (the engine's "class" error findings): then a row with no
 * finding of its own is not known to pass. why gets "CLASS (CHECK)". */
bool lf_run_unread(struct inv *db, int64_t run_id, const struct inv_list *l, char *why, size_t n);
/* Folds one stored finding into s. */
void lf_state_add(struct lf_state *s, const struct inv_finding *f);
/* s as the STATE column says it ("✗ high", "! medium", "ok", "waived",
 * "? unknown", "? no run"), and its style. Static or a's glyphs. */
const char *lf_state_text(const struct tui_app *a, const struct lf_state *s, char *buf, size_t n,
                          enum tui_style *style);

#endif
