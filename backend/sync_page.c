/* The pager of one class: its $count, its pages in order (whatever order
 * they arrive in), a capped page size found and followed, a page that does
 * not parse read again, nextLinks kept to the provider's origin; the DOM
 * path for the classes that are not streamed; and the keyed reads of the
 * rows whose lazy properties the checks need. Its requests are made by
 * the scheduler (sync_sched.c), which hands each answer back here. */
#include "backend/sync_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_parse.h>

/* What one page may hold, per row asked for ($top): bytes on the wire
 * (the lab's largest rows, hostile names included, are ~64 KiB, its
 * average ~2 KiB) and JSON values (its richest rows, SysResUse with their
 * embedded properties, ~190). A page over either is refused: the bytes
 * while they arrive (backend/http), the values before any DOM is built.
 * So a page's memory is bounded by $top, never by what a site sends. */
#define PAGE_ROW_BYTES (16u << 10)
#define PAGE_ENVELOPE_BYTES (1u << 20)
#define PAGE_ROW_VALUES 1024u


double sync_clock(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A row's key values as text, in key order (new reference): a number as
 * its digits, as the stream gives them. */
static json_t *key_values(const struct as_class *c, json_t *row)
{
	json_t *vals = json_array();

	for (size_t i = 0; i < c->nprops; i++) {
		json_t *v;
		char num[32];
		if (!(c->props[i].flags & AS_KEY))
			continue;
		v = as_get(row, c->props[i].name);
		if (json_is_string(v)) {
			json_array_append(vals, v);
		} else {
			snprintf(num, sizeof num, "%lld", (long long)as_conv_json(AS_INT, v));
			json_array_append_new(vals, json_string(num));
		}
	}
	return vals;
}

/* The same joined as "v1;v2;" (at most n - 1 bytes), for the repeat check. */
static void first_key(const struct as_class *c, json_t *row, char *out, size_t n)
{
	json_t *vals = key_values(c, row), *v;
	size_t i, used = 0;

	out[0] = '\0';
	json_array_foreach(vals, i, v) {
		int w = snprintf(out + used, n - used, "%s;", json_string_value(v));
		if (w < 0 || (size_t)w >= n - used) {
			out[used] = '\0';   /* a part that does not fit is left out whole */
			continue;
		}
		used += (size_t)w;
	}
	json_decref(vals);
}

int sync_page_progress(struct pager *p, bool done)
{
	struct sync_progress pr;
	double dt = sync_clock() - p->t0;

	if (!p->s->o || !p->s->o->progress)
		return 0;
	pr.cls = p->c->name;
	pr.rows = p->rows;
	pr.total = p->count;
	pr.rows_per_s = dt > 0 ? (double)p->rows / dt : 0;
	pr.done = done;
	if (p->s->o->progress(p->s->o->progress_ctx, &pr) == 0)
		return 0;
	ow_err_set(&p->s->err, OW_EINPUT, "the sync was stopped by the operator while reading %s",
	           p->c->name);
	p->failed = true;
	return 1;
}

int sync_too_many_rows(struct pager *p, size_t rows)
{
	return ow_err_set(&p->s->err, OW_ESITE, "the page has at least %zu rows, more than the %d "
	                  "its $top asked for; the site ignored the page size, and osdwarden "
	                  "refuses an unbounded page rather than hold it in memory", rows,
	                  p->c->page_size);
}

/* Checks a page's first row against every earlier page's. */
static int check_repeat(struct pager *p, size_t index, const char *key)
{
	json_t *seen;

	/* Pages may arrive in any order; a page starting with a row that
	 * started another page means rows were skipped. */
	if ((seen = json_object_get(p->first_keys, key)) != NULL)
		return ow_err_set(&p->s->err, OW_ESITE, "page %zu repeats page %lld (same first "
		                  "row); the site's paging is broken, so rows would be missed",
		                  index + 1, (long long)json_integer_value(seen) + 1);
	json_object_set_new(p->first_keys, key, json_integer((json_int_t)index));
	return 0;
}

/* Counting a page before it becomes a DOM: rows of the "value" array
 * and JSON values, stopping at the first over the page's bounds. */
struct census {
	int depth;
	bool in_rows;
	size_t rows, values, max_rows, max_values;
};

static int census_value(struct census *c)
{
	return ++c->values <= c->max_values;
}

static int cz_null(void *ctx) { return census_value(ctx); }
static int cz_bool(void *ctx, int b) { (void)b; return census_value(ctx); }
static int cz_number(void *ctx, const char *n, size_t len)
{
	(void)n; (void)len;
	return census_value(ctx);
}
static int cz_string(void *ctx, const unsigned char *v, size_t len)
{
	(void)v; (void)len;
	return census_value(ctx);
}
static int cz_key(void *ctx, const unsigned char *k, size_t len)
{
	struct census *c = ctx;
	if (c->depth == 1)
		c->in_rows = len == 5 && memcmp(k, "value", 5) == 0;
	return census_value(c);
}
static int cz_start_map(void *ctx)
{
	struct census *c = ctx;
	if (++c->depth == 3 && c->in_rows && ++c->rows > c->max_rows)
		return 0;
	return census_value(c);
}
static int cz_end(void *ctx)
{
	((struct census *)ctx)->depth--;
	return 1;
}
static int cz_start_array(void *ctx)
{
	((struct census *)ctx)->depth++;
	return census_value(ctx);
}

static const yajl_callbacks census_callbacks = {
	cz_null, cz_bool, NULL, NULL, cz_number, cz_string,
	cz_start_map, cz_key, cz_end, cz_start_array, cz_end,
};

/* 0 when the page is within its bounds (or is not JSON at all: the
 * parser proper reports that), else OW_ESITE. */
static int dom_bounds(struct pager *p, struct buf *body)
{
	struct census c = { .max_rows = (size_t)p->c->page_size,
	                    .max_values = (size_t)p->c->page_size * PAGE_ROW_VALUES };
	yajl_handle h = yajl_alloc(&census_callbacks, NULL, &c);

	if (!h)
		return ow_err_set(&p->s->err, OW_EINPUT, "out of memory");
	if (yajl_parse(h, (const unsigned char *)body->data, body->len) == yajl_status_ok)
		yajl_complete_parse(h);
	yajl_free(h);
	if (c.rows > c.max_rows)
		return sync_too_many_rows(p, c.rows);
	if (c.values > c.max_values)
		return ow_err_set(&p->s->err, OW_ESITE, "the page holds more than %zu JSON values "
		                  "for %d rows; the site sent something unexpected, and osdwarden "
		                  "refuses it rather than hold it in memory", c.max_values,
		                  p->c->page_size);
	return 0;
}

/* The DOM path: the page as jansson values, each row through its mapper. */
static int dom_page(struct pager *p, size_t index, struct buf *body, size_t *nrows,
                    char **next_link)
{
	struct sync *s = p->s;
	json_t *root, *rows, *row;
	const char *next;
	size_t i;
	int rc;

	if (body->data)
		as_repair_json(body->data, body->len);
	if (body->data && (rc = dom_bounds(p, body)) != 0)
		return rc;
	if ((rc = as_parse_page(body, &root, &rows, &next, &s->err)) != 0)
		return rc;
	if (json_array_size(rows)) {
		char key[512];
		first_key(p->c, json_array_get(rows, 0), key, sizeof key);
		if ((rc = check_repeat(p, index, key)) != 0) {
			json_decref(root);
			return rc;
		}
	}
	json_array_foreach(rows, i, row) {
		int stored = sync_map_row(s, p->c, row);
		if (stored < 0) {
			json_decref(root);
			return OW_EINPUT;
		}
		/* only a stored row is read again, by the key it was stored under */
		if (stored == 0 && p->c->lazy)
			json_array_append_new(p->lazy_keys, key_values(p->c, row));
	}
	*nrows = json_array_size(rows);
	*next_link = next ? strdup(next) : NULL;
	json_decref(root);
	return 0;
}
static long page_skip(const struct pager *p, size_t index)
{
	if (index < p->base_index)
		return (long)index * p->c->page_size;   /* a page of an earlier plan */
	return p->base_skip + (long)(index - p->base_index) * p->step;
}

static char *page_url(const struct pager *p, size_t index)
{
	return as_page_url_top(p->s->base, p->c, page_skip(p, index), p->step,
	                       p->s->o ? p->s->o->site : NULL);
}

/* The page at index was shorter than the plan's step: what to do next. */
static void short_page(struct pager *p, size_t index, size_t nrows)
{
	for (size_t k = index + 1; k < p->issued; k++) {
		size_t slot = k % SYNC_MAX_WINDOW;
		if (p->have[slot]) {
			p->held--;
			p->held_bytes -= p->pending[slot].len;
			buf_free(&p->pending[slot]);
			p->have[slot] = false;
		}
	}
	p->base_index = p->issued > index + 1 ? p->issued : index + 1;
	p->base_skip = (long)p->rows;
	p->step = (long)nrows;
	/* the pager_done loop moves on to base_index */
	p->expected = p->base_index - 1;
}

/* Parses and stores one page; decides the paging mode on the first. */
static int process_page(struct pager *p, size_t index, struct buf *body)
{
	size_t nrows = 0;
	char *next = NULL, key[512] = "";
	int rc;

	if (!body->data || body->len == 0)
		return ow_err_set(&p->s->err, OW_ESITE, "the answer was empty");
	if (p->c->stream) {
		rc = sync_stream_page(p, body, &nrows, &next, key, sizeof key);
		if (rc == 0 && nrows)
			rc = check_repeat(p, index, key);
	} else {
		rc = dom_page(p, index, body, &nrows, &next);
	}
	if (rc) {
		free(next);
		return rc;
	}
	/* A link is followed only within the provider's origin and path;
	 * what is kept is the URL as checked. */
	if (next && (index == 0 || p->link_mode)) {
		char *checked = http_follow_url(p->s->base, next, &p->s->err);
		free(next);
		if (!checked)
			return p->s->err.kind ? (int)p->s->err.kind : OW_ESITE;
		next = checked;
	}
	p->rows += nrows;
	if (p->rows > (size_t)SYNC_MAX_ROWS) {
		free(next);
		return ow_err_set(&p->s->err, OW_ESITE, "the site sent more than %ld rows of %s, more "
		                  "than osdwarden reads of one class; no real site has that many: the "
		                  "site pages wrongly, or is not what it claims to be", SYNC_MAX_ROWS,
		                  p->c->name);
	}
	if (index == 0) {
		p->decided = true;
		p->link_mode = next != NULL;
	}
	if (p->count >= 0 && p->rows > (size_t)p->count) {
		free(next);
		return ow_err_set(&p->s->err, OW_ESITE, "the site sent %zu rows where its $count said "
		                  "%lld; the class changed during the read, or the site pages wrongly",
		                  p->rows, p->count);
	}
	if (p->link_mode) {
		free(p->next_link);
		p->next_link = next;
		next = NULL;
		p->ended = p->next_link == NULL;
	} else if (nrows == 0 || (p->count >= 0 && p->rows == (size_t)p->count)) {
		p->ended = true;
	} else if (nrows < (size_t)p->step) {
		/* Short, yet rows are missing (or the count is unknown): never
		 * the end by itself; an empty page or the count decides. */
		short_page(p, index, nrows);
	}
	free(next);
	return sync_page_progress(p, false);
}

size_t sync_page_cap(const struct pager *p)
{
	return (size_t)p->c->page_size * PAGE_ROW_BYTES + PAGE_ENVELOPE_BYTES;
}

void sync_pager_init(struct pager *p, struct sync *s, const struct as_class *c)
{
	const struct sync_opts *o = s->o;

	memset(p, 0, sizeof *p);
	p->s = s;
	p->c = c;
	p->t0 = sync_clock();
	p->count = -1;
	p->step = c->page_size;
	/* As many pages ahead as there are connections, unless told. */
	p->window = o && o->prefetch > 0 ? o->prefetch
	            : o && o->concurrency > 0 ? o->concurrency : SYNC_DEFAULT_CONNECTIONS;
	if (p->window > SYNC_MAX_WINDOW / 2)
		p->window = SYNC_MAX_WINDOW / 2;
	p->lazy_keys = json_array();
	p->first_keys = json_object();
}

void sync_pager_free(struct pager *p)
{
	for (int i = 0; i < SYNC_MAX_WINDOW; i++)
		buf_free(&p->pending[i]);
	for (int i = 0; i < SYNC_LAZY_WINDOW; i++)
		buf_free(&p->lazy_pending[i]);
	p->held = p->held_bytes = 0;
	free(p->next_link);
	p->next_link = NULL;
	json_decref(p->first_keys);
	json_decref(p->lazy_keys);
	p->first_keys = p->lazy_keys = NULL;
}

char *sync_page_next(struct pager *p, size_t i)
{
	char *url = NULL;

	if (p->ended || p->failed)
		return NULL;
	if (i == 0)
		url = page_url(p, 0);
	else if (!p->decided)
		return NULL;   /* wait for page 1 to say how to page */
	else if (p->link_mode)
		url = i == p->expected && p->next_link ? strdup(p->next_link) : NULL;
	else if (i >= p->expected + (size_t)p->window)
		return NULL;
	else if (p->count >= 0 && page_skip(p, i) >= p->count)
		return NULL;   /* past what the count promises: the pages in flight decide */
	else
		url = page_url(p, i);
	if (url && i + 1 > p->issued)
		p->issued = i + 1;
	return url;
}

/* A page whose body did not parse is read again (a GET is safe to
 * repeat), at most twice, under the page's cap and one --timeout for both. */
static int refetch(struct pager *p, size_t index, struct buf *body)
{
	struct sync *s = p->s;
	char *url = p->link_mode ? NULL : page_url(p, index);
	long timeout = s->o && s->o->http.timeout_s > 0 ? s->o->http.timeout_s
	                                                : HTTP_DEFAULT_TIMEOUT_S;
	int rc = -1;

	http_client_set_max_body(s->http, sync_page_cap(p));
	http_client_set_budget(s->http, timeout, p->c->name);
	for (int attempt = 0; url && attempt < 2 && rc != 0; attempt++) {
		struct http_resp r;
		struct ow_err e = { 0 };
		if (http_request(s->http, "GET", url, NULL, true, &r, &e) == 0 &&
		    as_check_read(&r, url, true, &e) == 0) {
			struct ow_err pe = { 0 };
			json_t *root, *rows;
			const char *next;
			if (as_parse_page(&r.body, &root, &rows, &next, &pe) == 0) {
				json_decref(root);
				buf_free(body);
				*body = r.body;   /* repaired copy, parsed again by the caller */
				r.body = (struct buf)BUF_INIT;
				rc = 0;
			}
		}
		http_resp_free(&r);
		if (rc != 0 && http_client_stopped(s->http)) {
			s->err = e;   /* the operator's, not the page's bad JSON */
			break;
		}
	}
	free(url);
	return rc;
}

static int page_failed(struct pager *p, size_t index, const char *why)
{
	struct sync *s = p->s;
	char *url = page_url(p, index);
	struct ow_err tmp = s->err;

	ow_err_set(&s->err, tmp.kind, "reading %s (%s): %s", p->c->name, url, why);
	free(url);
	p->failed = true;
	return -1;
}

int sync_page_drain(struct pager *p)
{
	struct sync *s = p->s;

	while (!p->ended && p->have[p->expected % SYNC_MAX_WINDOW]) {
		size_t k = p->expected % SYNC_MAX_WINDOW;
		int rc;
		p->held--;
		p->held_bytes -= p->pending[k].len;
		rc = process_page(p, p->expected, &p->pending[k]);
		if (rc == OW_ESITE && strstr(s->err.msg, "not valid JSON") &&
		    refetch(p, p->expected, &p->pending[k]) == 0)
			rc = process_page(p, p->expected, &p->pending[k]);
		buf_free(&p->pending[k]);
		p->have[k] = false;
		if (rc) {
			char msg[sizeof s->err.msg];
			snprintf(msg, sizeof msg, "%s", s->err.msg);
			return page_failed(p, p->expected, msg);
		}
		p->expected++;
	}
	if (p->ended) {
		/* pages asked for past the end are not wanted */
		for (int i = 0; i < SYNC_MAX_WINDOW; i++) {
			buf_free(&p->pending[i]);
			p->have[i] = false;
		}
		p->held = p->held_bytes = 0;
	}
	return 0;
}

int sync_page_done(struct pager *p, size_t index, struct http_resp *r, const struct ow_err *e)
{
	struct sync *s = p->s;
	size_t slot;
	int rc;

	if (p->failed)
		return -1;
	if (p->ended)
		return 0;   /* past the end, or the class is refused: not wanted */
	if (e) {
		s->err = *e;
		ow_err_prefix(&s->err, "reading %s", p->c->name);
		p->failed = true;
		return -1;
	}
	rc = as_check_read(r, "", true, &s->err);
	if (rc == AS_NO_ACCESS && index == 0) {
		p->denied = true;
		p->ended = true;
		return 0;
	}
	if (rc) {
		char msg[sizeof s->err.msg];
		snprintf(msg, sizeof msg, "%s", s->err.msg + (s->err.msg[0] == ':' ? 2 : 0));
		return page_failed(p, index, msg);
	}
	if (index < p->expected)
		return 0;   /* asked for under a plan a capped page replaced: not ours */
	if (index >= p->expected + SYNC_MAX_WINDOW) {
		ow_err_set(&s->err, OW_ESITE, "reading %s: page window overflow", p->c->name);
		p->failed = true;
		return -1;
	}
	slot = index % SYNC_MAX_WINDOW;
	p->pending[slot] = r->body;
	p->have[slot] = true;
	p->held++;
	p->held_bytes += r->body.len;
	r->body = (struct buf)BUF_INIT;
	return p->current ? sync_page_drain(p) : 0;
}

int sync_pages_check(struct pager *p)
{
	if (p->failed)
		return -1;
	if (!p->denied && p->count >= 0 && p->rows != (size_t)p->count) {
		ow_err_set(&p->s->err, OW_ESITE, "reading %s: the site's $count says %lld rows, its "
		           "pages held %zu; osdwarden does not judge a class it read only part of "
		           "(nothing was changed). Sync again; if it stays so, the site's paging is "
		           "broken: report it with `osdwarden doctor`", p->c->name, p->count, p->rows);
		p->failed = true;
		return -1;
	}
	return 0;
}

/* --- lazy instances ------------------------------------------------------ */
/* The keyed GET of the i-th row to read again (new string), or NULL. */
static char *lazy_key_url(struct pager *p, size_t i)
{
	json_t *vals = json_array_get(p->lazy_keys, i);
	const char *v[8];
	size_t n = json_array_size(vals);
	size_t nkeys = p->c->nkeys;

	if (!vals)
		return NULL;
	for (size_t k = 0; k < n && n == nkeys && n <= 8; k++)
		v[k] = json_string_value(json_array_get(vals, k));
	for (size_t k = 0; k < n && n == nkeys && n <= 8; k++)
		if (!v[k] || !*v[k])
			n = 0;
	if (n != nkeys || n > 8) {
		/* a key that is not whole names no instance: never guess one */
		ow_err_set(&p->s->err, OW_EINPUT, "internal: a %s row to read again has no whole key",
		           p->c->name);
		p->failed = true;
		return NULL;
	}
	return as_instance_url(p->s->base, p->c, v);
}

char *sync_lazy_url(struct pager *p, size_t i)
{
	if (p->failed || i >= p->lazy_stored + SYNC_LAZY_WINDOW)
		return NULL;
	return lazy_key_url(p, i);
}

/* Stores the keyed reads answered, in order, up to the first not in. */
static int lazy_drain(struct pager *p)
{
	struct sync *s = p->s;

	while (p->lazy_have[p->lazy_stored % SYNC_LAZY_WINDOW]) {
		size_t k = p->lazy_stored % SYNC_LAZY_WINDOW;
		json_t *root, *rows;
		const char *next;
		if (p->lazy_have[k] == 1) {
			if (as_parse_page(&p->lazy_pending[k], &root, &rows, &next, &s->err) != 0) {
				ow_err_prefix(&s->err, "reading one %s", p->c->name);
				p->failed = true;
				return -1;
			}
			/* the row was counted when its page was read */
			if (json_array_size(rows)) {
				size_t before = s->rows;
				if (sync_map_row(s, p->c, json_array_get(rows, 0)) < 0)
					p->failed = true;
				s->rows = before;
			}
			json_decref(root);
			if (p->failed)
				return -1;
		}
		buf_free(&p->lazy_pending[k]);
		p->lazy_have[k] = 0;
		p->lazy_stored++;
	}
	return 0;
}

int sync_lazy_done(struct pager *p, size_t i, struct http_resp *r, const struct ow_err *e)
{
	struct sync *s = p->s;
	size_t k = i % SYNC_LAZY_WINDOW;

	if (p->failed)
		return -1;
	if (e) {
		s->err = *e;
		ow_err_prefix(&s->err, "reading one %s", p->c->name);
		p->failed = true;
		return -1;
	}
	if (i < p->lazy_stored || i >= p->lazy_stored + SYNC_LAZY_WINDOW || p->lazy_have[k]) {
		ow_err_set(&s->err, OW_EINPUT, "internal: keyed read %zu of %s out of its window", i,
		           p->c->name);
		p->failed = true;
		return -1;
	}
	if (r->status == 404) {
		p->lazy_have[k] = 2;   /* gone since the list was read: nothing to add */
	} else if (as_check_read(r, "", false, &s->err) != 0) {
		char *url = lazy_key_url(p, i);   /* the message names the URL */
		as_check_read(r, url ? url : "", false, &s->err);
		free(url);
		ow_err_prefix(&s->err, "reading one %s", p->c->name);
		p->failed = true;
		return -1;
	} else {
		p->lazy_pending[k] = r->body;
		r->body = (struct buf)BUF_INIT;
		p->lazy_have[k] = 1;
	}
	return lazy_drain(p);
}

/* --- the $count ---------------------------------------------------------- */
char *sync_count_url(const struct pager *p)
{
	return as_count_url(p->s->base, p->c, p->s->o ? p->s->o->site : NULL);
}

/* <Class>/$count, before the pages: p->count (-1 when the site has no
 * $count for it: paging then ends only on an empty page), p->denied for
 * a 404 (no role), or -1 with s->err. */
int sync_count_done(struct pager *p, struct http_resp *r, const struct ow_err *e)
{
	struct sync *s = p->s;
	struct ow_err ce = { 0 };
	char *url;
	int rc;

	p->counted = true;
	if (e) {
		s->err = *e;
		ow_err_prefix(&s->err, "counting %s", p->c->name);
		p->failed = true;
		return -1;
	}
	if (r->status == 200) {
		if (as_parse_count(r, &p->count) != 0)
			p->count = -1;   /* not a number: as if there were no $count */
		if (p->count > SYNC_MAX_ROWS) {
			ow_err_set(&s->err, OW_ESITE, "the site counts %lld rows of %s, more than the %ld "
			           "osdwarden reads of one class; no real site has that many: the count "
			           "is wrong, or the site is not what it claims to be", p->count,
			           p->c->name, SYNC_MAX_ROWS);
			p->failed = true;
			return -1;
		}
		return 0;
	}
	if (r->status == 400 || r->status == 501)
		return 0;        /* the segment is not supported: page to an empty page */
	url = sync_count_url(p);
	rc = as_check_read(r, url, true, &ce);
	free(url);
	if ((r->status == 404 || r->status == 401) && rc == AS_NO_ACCESS) {
		p->denied = true;
		p->ended = true;
		return 0;
	}
	if (!ce.kind)
		ow_err_set(&ce, OW_ESITE, "unexpected HTTP %ld", r->status);
	s->err = ce;
	ow_err_prefix(&s->err, "counting %s", p->c->name);
	p->failed = true;
	return -1;
}
