/* Paged, filtered, sorted lists over the inventory: the one way the CLI's
 * `list` and the console's tables read rows. Paging is keyset based (the
 * sort value and row key of the last row seen), so PgDn at row 900,000 costs
 * what it costs at row 0; filter text and sort column go into SQL. */
#ifndef OW_DB_LIST_H
#define OW_DB_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

enum inv_kind { INV_TEXT, INV_INT, INV_BOOL, INV_TIME };

/* A column, and how a table that must fit a terminal treats it: every
 * column at its min first, by priority, until the width runs out; then the
 * spare columns go to the shown ones up to their natural width. */
struct inv_col {
	const char *name;    /* stable machine name: JSON key, CSV header */
	const char *title;   /* short header for text tables */
	enum inv_kind kind;
	int width;           /* natural width in a text table */
	int min;             /* the narrowest it is cut to (with an ellipsis) */
	int prio;            /* 0: always shown (identity, state, the decisive value);
	                      * the highest number is dropped first */
	const char *field;   /* the AdminService property it holds, by which
	                      * checks/words names its values; NULL: none */
	const char *sep;     /* drawn before it instead of two spaces (" → "), or NULL */
};

struct inv_list;

/* The list called name ("dps", "smps", "media", "certs", "assocs", "ts",
 * "admins", "sites"), or NULL. */
const struct inv_list *inv_list_find(const char *name);
/* Names of every list joined with '|', for help texts. */
const char *inv_list_names(void);
const char *inv_list_name(const struct inv_list *l);
size_t inv_list_ncols(const struct inv_list *l);
const struct inv_col *inv_list_col(const struct inv_list *l, size_t i);
/* Index of the column called name, or -1. */
int inv_list_col_index(const struct inv_list *l, const char *name);
/* How the check findings name this list's objects: the object types
 * (NULL-terminated) and, per row, the key (inv_row.object_key). */
const char *const *inv_list_object_types(const struct inv_list *l);
/* The inventory tables its rows come from (NULL-terminated). */
const char *const *inv_list_tables(const struct inv_list *l);

struct inv_cell {
	bool null;
	int64_t i;           /* INV_INT, INV_BOOL, INV_TIME */
	char *s;             /* INV_TEXT; owned by the page or cursor */
};

struct inv_row {
	int64_t key;         /* unique within the list: the paging tiebreaker */
	struct inv_cell sort;
	struct inv_cell *cells;
	char *object_key;    /* what check findings call the object (NULL: none); owned */
	int64_t first_seen;  /* when a sync first read it */
};

/* Where a page starts: a copy of a row's sort value and key. */
struct inv_cursor {
	struct inv_cell sort;
	int64_t key;
};

enum inv_anchor {
	INV_FIRST,    /* the first `limit` rows */
	INV_LAST,     /* the last `limit` rows (G) */
	INV_AFTER,    /* rows after cursor (PgDn) */
	INV_BEFORE,   /* rows before cursor (PgUp) */
};

struct inv_page_req {
	const char *filter;          /* case-insensitive substring; NULL or "" = none */
	int sort_col;                /* column index; -1 = the list's default */
	bool desc;
	enum inv_anchor anchor;
	const struct inv_cursor *cursor;  /* for INV_AFTER / INV_BEFORE */
	int limit;                   /* rows wanted, 1..10000 */
	bool want_counts;            /* fill total and filtered */
	bool skip_total;             /* with want_counts: the caller knows the total (-1 here) */
};

struct inv_page {
	size_t nrows, ncols;
	struct inv_row *rows;        /* always in display order */
	bool more;                   /* more rows exist beyond the page in its direction */
	int64_t total, filtered;     /* -1 unless want_counts */
};

/* Reads one window of rows. *page is owned by the caller (inv_page_free). */
int inv_list_page(struct inv *db, const struct inv_list *l, const struct inv_page_req *req,
                  struct inv_page *page, struct ow_err *err);
void inv_page_free(struct inv_page *page);

/* Copies row's position into cur (owned; inv_cursor_free). 0 or -1 (OOM). */
int inv_cursor_from_row(const struct inv_row *row, struct inv_cursor *cur);
void inv_cursor_free(struct inv_cursor *cur);

#endif
