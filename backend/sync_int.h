/* Inside the sync (backend/sync*.c only): the state of one run, and the
 * seams between its parts.
 *   sync.c         the run: what is exposed, what is gone, the apply
 *   sync_sched.c   the classes read at once over a bounded set of
 *                  connections, stored in contract order
 *   sync_page.c    the pager of one class (count, pages in order, capped
 *                  pages, refetch), the DOM path and the lazy keyed reads
 *   sync_stream.c  the streaming parser (yajl) for the big flat classes
 *   sync_map.c     rows into records: the generic mapping from the contract's
 *                  property table, and the hooks of the classes that need code
 *   tsxml.c        the task sequence XML reader */
#ifndef OW_BACKEND_SYNC_INT_H
#define OW_BACKEND_SYNC_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/adminservice.h"
#include "backend/http.h"
#include "backend/sync.h"
#include "db/records.h"
#include "util/buf.h"

/* No single value the inventory keeps is legitimately larger; a bigger
 * one is an error, not something to store (the 64 KiB hostile names of
 * the lab pass). The whole page has its own 64 MiB cap in backend/http. */
#define SYNC_FIELD_MAX (1u << 20)

/* What a later class joins on: a key compared without regard to case,
 * and the order it was added in (the first of equal keys wins). */
struct sync_key {
	char *key;
	size_t seq;
};

/* DP extras from its site-control row, joined to SMS_DistributionPointInfo
 * by NAL path. */
struct sync_dpx {
	struct sync_key nal;
	int64_t password_set;
	char *bind_except;
};

/* A DP's server and site, for the certificates it owns. */
struct sync_dp_site {
	struct sync_key server;
	char *site;
};

struct sync {
	struct inv *db;              /* the stage while a sync reads */
	const struct sync_opts *o;   /* NULL for the fixture entry points */
	struct http_client *http;
	char *base;
	int64_t now;
	int64_t provider_id;
	struct sync_dpx *dpx;
	size_t ndpx, capdpx;
	struct sync_dp_site *dps;
	size_t ndps, capdps;
	bool dpx_sorted, dps_sorted;  /* sorted by key for lookups, once the class is read */
	char *scratch[16];           /* strings made for the current row */
	size_t nscratch;
	struct ow_err err;
	size_t rows;
};

/* Keeps str until the row is done (sync_drop_scratch); NULL stays NULL. */
const char *sync_keep(struct sync *s, char *str);
void sync_drop_scratch(struct sync *s);
/* Frees what the run gathered to join classes (DP extras, DP sites). */
void sync_free_joins(struct sync *s);
int sync_too_big(struct sync *s, const char *prop, size_t len);

/* sync_map.c. One row of class c as the DOM gives it: mapped and stored
 * (0), skipped when it lacks what keys it (1), or -1 with s->err. */
int sync_map_row(struct sync *s, const struct as_class *c, json_t *row);
/* A record the stream filled from c's properties: checked, completed by
 * the class's hook, stored. 0 stored, 1 skipped (it lacks its key), or -1
 * with s->err. */
int sync_put_streamed(struct sync *s, const struct as_class *c, void *rec);
/* Whether rec (just stored) still needs its keyed GET: false when every
 * lazy property of c is stable and already in the inventory. */
bool sync_lazy_needed(struct sync *s, const struct as_class *c, const void *rec);

/* The pager of one class (sync_page.c), shared with the stream. */
enum { SYNC_MAX_WINDOW = 16 };
/* Keyed reads answered ahead of the next one to store, at most. */
enum { SYNC_LAZY_WINDOW = 32 };
/* Connections a sync uses at once unless told (sync_opts.concurrency). */
#define SYNC_DEFAULT_CONNECTIONS 4
/* The most rows osdwarden reads of one class: a bound of our own, not the
 * site's (a million associations at lab scale 5000). Every request has
 * its --timeout but a sync as a whole has none, so without it a site that
 * answers at once with page after page of new keys (no $count, or a huge
 * one) would fill the disk; at 200 pages a second of 1000 rows it is
 * reached in about five minutes, as the old per-class 300 s budget was. */
#define SYNC_MAX_ROWS 50000000L
struct pager {
	struct sync *s;
	const struct as_class *c;
	bool started, decided, link_mode, ended, failed, denied;
	char *next_link;
	size_t expected;              /* next page index to process */
	struct buf pending[SYNC_MAX_WINDOW];
	bool have[SYNC_MAX_WINDOW];
	int window;
	json_t *first_keys;           /* first row key of every page: a repeat is an error */
	size_t rows;
	long long count;              /* what <Class>/$count said, -1 when it says nothing */
	/* $top/$skip paging: page i (i >= base_index) starts at
	 * base_skip + (i - base_index) * step. A page shorter than step before
	 * the count is reached means the site caps its pages: the plan starts
	 * again after the rows read, with the cap as the step, and pages
	 * already asked for under the old plan are dropped when they arrive. */
	size_t base_index, issued;
	long base_skip, step;
	double t0;
	json_t *lazy_keys;            /* key value arrays of rows to read one by one */
	/* What the scheduler (sync_sched.c) keeps of the class. Only the
	 * current class stores rows: the others' pages wait in `pending`. */
	bool current;
	bool counted;                 /* the $count's answer is in */
	size_t held, held_bytes;      /* pages waiting in `pending`, and their bytes */
	/* Keyed reads are stored in the order of lazy_keys too, whatever
	 * order they are answered in: lazy_stored is the next to store. */
	struct buf lazy_pending[SYNC_LAZY_WINDOW];
	unsigned char lazy_have[SYNC_LAZY_WINDOW];   /* 0 not in, 1 a body, 2 gone (404) */
	size_t lazy_stored;
};

int sync_too_many_rows(struct pager *p, size_t rows);

/* sync_stream.c: parses one page with yajl, storing each row as it
 * completes; the page's row count, its nextLink (new string or NULL) and
 * its first row's key (for the repeat check). Rows of a class with lazy
 * properties add their key values to p->lazy_keys. */
int sync_stream_page(struct pager *p, struct buf *body, size_t *nrows, char **next_link,
                     char *first_key, size_t fk_len);

/* sync_page.c: one class, driven by the scheduler. Each *_done returns
 * 0 to go on, or -1 with s->err (and p->failed). */
void sync_pager_init(struct pager *p, struct sync *s, const struct as_class *c);
void sync_pager_free(struct pager *p);
/* The URL of its $count (new string). */
char *sync_count_url(const struct pager *p);
/* Its answer: p->count (-1 when the site has none), or p->denied. */
int sync_count_done(struct pager *p, struct http_resp *r, const struct ow_err *e);
/* The URL of page i (new string), or NULL for "not now". */
char *sync_page_next(struct pager *p, size_t i);
/* Page i's answer: kept in p->pending, and stored with every page before
 * it that is in when p->current (pages are stored in order, whatever
 * order they arrive in). A page no longer wanted is dropped. */
int sync_page_done(struct pager *p, size_t i, struct http_resp *r, const struct ow_err *e);
/* Stores the pages waiting (p has just become current). */
int sync_page_drain(struct pager *p);
/* After the last page: the rows against the $count. 0 or -1. */
int sync_pages_check(struct pager *p);
/* The keyed GET of the i-th row to read again (new string), or NULL
 * (none, or not before more are stored: p->lazy_stored). */
char *sync_lazy_url(struct pager *p, size_t i);
/* The i-th keyed read's answer, stored in order with those before it. */
int sync_lazy_done(struct pager *p, size_t i, struct http_resp *r, const struct ow_err *e);
/* Progress for the class (done: it is finished). 0, or non-zero: the
 * operator stopped the sync (s->err says so, p->failed). */
int sync_page_progress(struct pager *p, bool done);
/* What a page of p may weigh (its $top's bound). */
size_t sync_page_cap(const struct pager *p);
double sync_clock(void);

/* sync_sched.c: reads every class not in skip[] (as_class_at order) at
 * once, over at most o->concurrency connections, storing them in that
 * order. denied[i]: refused for lack of a role; rows[i]: rows stored.
 * 0, or -1 with s->err (then nothing is to be applied). */
int sync_read_classes(struct sync *s, const bool *skip, bool *denied, size_t *rows);

/* tsxml.c: what a task sequence's XML says, read without ever keeping
 * the passwords next to its run-as accounts. For each run-as step, fn is
 * called with the step's name and account (0 to go on). images: the OS
 * image packages it applies, comma separated (new string); dynamic: 1 when
 * it installs applications named by variables, else 0. */
int tsxml_read(const char *xml, int (*fn)(void *ctx, const char *step, const char *user),
               void *ctx, char **images, int64_t *dynamic);

#endif
