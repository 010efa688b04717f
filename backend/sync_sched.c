/* The classes of a sync read at once. One pool of at most
 * o->concurrency connections (default 4) carries every class's $count,
 * pages and keyed reads, so that the site's latency per request overlaps;
 * rows are stored in contract order only, one class after the other, as
 * a serial read would store them: later classes join on earlier ones (the
 * DP extras, the DPs' sites), and what the inventory holds must not depend
 * on the order answers arrive in.
 *
 * The class being stored (the current one) asks first: its pages (its
 * window ahead) and its keyed reads. Connections it leaves free go to the
 * classes after it, which ask their $count and their first page ahead and
 * keep that page until their turn: at most one such page per connection,
 * and at most AHEAD_BYTES of them waiting, so memory stays bounded by the
 * pages' caps, never by the site. */
#include "backend/sync_int.h"

#include <stdlib.h>
#include <string.h>

/* Bytes of pages of later classes waiting for their turn, at most. */
#define AHEAD_BYTES ((size_t)8 << 20)
/* Connections at most, whatever --concurrency says. */
#define MAX_CONNECTIONS 64

enum req_kind { RQ_COUNT, RQ_PAGE, RQ_LAZY };

/* A request in flight: which class asked it, and for what. */
struct req {
	size_t gidx;              /* http_get_many's index */
	size_t cls;
	enum req_kind kind;
	size_t page;              /* RQ_PAGE: the page's index; RQ_LAZY: the read's */
	bool used;
};

struct cls {
	struct pager p;
	bool skip;                /* not to be read (not exposed) */
	bool started;             /* its $count was asked for */
	bool lazy_phase;          /* its pages are stored; keyed reads now */
	bool finished;
	size_t next_page;         /* the next page index to ask for */
	size_t next_lazy;
	int pages_inflight, lazy_inflight;
};

struct sched {
	struct sync *s;
	struct cls *k;
	size_t n, cur;            /* cur: the class being stored */
	int conc;
	long timeout;
	struct req reqs[MAX_CONNECTIONS];
	bool failed;
};

static struct req *req_find(struct sched *sc, size_t gidx)
{
	for (int i = 0; i < sc->conc; i++)
		if (sc->reqs[i].used && sc->reqs[i].gidx == gidx)
			return &sc->reqs[i];
	return NULL;
}

static int req_add(struct sched *sc, size_t gidx, size_t cls, enum req_kind kind, size_t page)
{
	for (int i = 0; i < sc->conc; i++) {
		if (!sc->reqs[i].used) {
			sc->reqs[i] = (struct req){ gidx, cls, kind, page, true };
			return 0;
		}
	}
	return -1;
}

/* The class being stored is done once its pages are in, checked against
 * its $count, and its keyed reads answered: then the next one's turn. */
static int advance(struct sched *sc)
{
	while (sc->cur < sc->n) {
		struct cls *k = &sc->k[sc->cur];
		struct pager *p = &k->p;

		if (k->skip) {
			sc->cur++;
			continue;
		}
		if (!p->current) {
			/* Its turn: the pages it read ahead are stored now. */
			p->current = true;
			p->t0 = sync_clock();
			if (sync_page_drain(p) != 0)
				return -1;
		}
		if (!p->counted || !p->ended)
			return 0;
		if (!k->lazy_phase && !p->denied) {
			if (sync_pages_check(p) != 0)
				return -1;
			k->lazy_phase = true;
		}
		if (k->lazy_inflight > 0 ||
		    (k->lazy_phase && k->next_lazy < json_array_size(p->lazy_keys)))
			return 0;
		if (!p->denied && sync_page_progress(p, true) != 0)
			return -1;
		k->finished = true;
		json_decref(p->lazy_keys);   /* what the next classes need is in s */
		p->lazy_keys = NULL;
		sc->cur++;
	}
	return 0;
}

static char *sched_next(void *ctx, size_t gidx)
{
	struct sched *sc = ctx;
	struct sync *s = sc->s;
	size_t ahead_pages = 0, ahead_bytes = 0;

	if (sc->failed)
		return NULL;
	for (size_t i = sc->cur + 1; i < sc->n; i++) {
		ahead_pages += (size_t)sc->k[i].pages_inflight + sc->k[i].p.held;
		ahead_bytes += sc->k[i].p.held_bytes;
	}
	for (size_t i = sc->cur; i < sc->n; i++) {
		struct cls *k = &sc->k[i];
		struct pager *p = &k->p;
		enum req_kind kind;
		size_t page = 0;
		char *url;

		if (k->skip || k->finished || p->failed)
			continue;
		if (!k->started) {
			k->started = true;
			url = sync_count_url(p);
			kind = RQ_COUNT;
		} else if (!p->counted) {
			continue;
		} else if (!p->ended) {
			if (i != sc->cur && (ahead_pages >= (size_t)sc->conc || ahead_bytes >= AHEAD_BYTES))
				continue;
			if (!(url = sync_page_next(p, k->next_page)))
				continue;
			page = k->next_page++;
			kind = RQ_PAGE;
		} else if (k->lazy_phase && i == sc->cur) {
			if (!(url = sync_lazy_url(p, k->next_lazy))) {
				if (!p->failed)
					continue;   /* all asked for: the classes after it may ask */
				sc->failed = true;
				return NULL;
			}
			page = k->next_lazy++;
			kind = RQ_LAZY;
		} else {
			continue;
		}
		if (!url || req_add(sc, gidx, i, kind, page) != 0) {
			free(url);
			ow_err_set(&s->err, OW_EINPUT, "out of memory while reading %s", p->c->name);
			sc->failed = true;
			return NULL;
		}
		if (kind == RQ_PAGE)
			k->pages_inflight++;
		else if (kind == RQ_LAZY)
			k->lazy_inflight++;
		/* This URL's cap, and its --timeout from now, retries included
		 * (http_get_many begins it at once: next() is asked only when the
		 * rate lets a request begin, so the wait for the rate never
		 * counts against a request). */
		http_client_set_max_body(s->http, kind == RQ_PAGE ? sync_page_cap(p) : 0);
		http_client_set_budget(s->http, sc->timeout, p->c->name);
		return url;
	}
	return NULL;
}

static int sched_done(void *ctx, size_t gidx, struct http_resp *r, const struct ow_err *e)
{
	struct sched *sc = ctx;
	struct req *q = req_find(sc, gidx);
	struct cls *k;
	int rc = -1;

	if (!q) {
		ow_err_set(&sc->s->err, OW_EINPUT, "internal: an answer no class asked for");
		sc->failed = true;
		return 1;
	}
	q->used = false;
	k = &sc->k[q->cls];
	switch (q->kind) {
	case RQ_COUNT:
		rc = sync_count_done(&k->p, r, e);
		break;
	case RQ_PAGE:
		k->pages_inflight--;
		rc = sync_page_done(&k->p, q->page, r, e);
		break;
	case RQ_LAZY:
		k->lazy_inflight--;
		rc = sync_lazy_done(&k->p, q->page, r, e);
		break;
	}
	if (rc == 0)
		rc = advance(sc);
	if (rc != 0) {
		sc->failed = true;
		return 1;
	}
	return 0;
}

int sync_read_classes(struct sync *s, const bool *skip, bool *denied, size_t *rows)
{
	struct sched sc = { .s = s, .n = as_class_count() };
	const struct sync_opts *o = s->o;
	int rc = 0;

	sc.conc = o->concurrency > 0 ? o->concurrency : SYNC_DEFAULT_CONNECTIONS;
	if (sc.conc > MAX_CONNECTIONS)
		sc.conc = MAX_CONNECTIONS;
	sc.timeout = o->http.timeout_s > 0 ? o->http.timeout_s : HTTP_DEFAULT_TIMEOUT_S;
	if (!(sc.k = calloc(sc.n, sizeof *sc.k)))
		return ow_err_set(&s->err, OW_EINPUT, "out of memory");
	for (size_t i = 0; i < sc.n; i++) {
		sc.k[i].skip = skip[i];
		if (!skip[i])
			sync_pager_init(&sc.k[i].p, s, as_class_at(i));
	}
	if (advance(&sc) != 0)
		sc.failed = true;
	while (!sc.failed && sc.cur < sc.n) {
		struct pager *p;

		if (http_get_many(s->http, sc.conc, sched_next, sched_done, &sc) < 0 && !sc.failed) {
			ow_err_set(&s->err, OW_EINPUT, "out of memory");
			sc.failed = true;
		}
		if (sc.failed || sc.cur >= sc.n)
			break;
		/* Nothing in flight and nothing to ask: the current class's
		 * pages have said all they will (its $count then judges them). */
		p = &sc.k[sc.cur].p;
		if (p->counted && !p->ended && sc.k[sc.cur].pages_inflight == 0) {
			p->ended = true;
			if (sync_page_drain(p) != 0 || advance(&sc) != 0)
				sc.failed = true;
		} else {
			ow_err_set(&s->err, OW_EINPUT, "internal: the read of %s stalled", p->c->name);
			sc.failed = true;
		}
	}
	http_client_set_max_body(s->http, 0);
	http_client_set_budget(s->http, 0, NULL);
	for (size_t i = 0; i < sc.n; i++) {
		denied[i] = !skip[i] && sc.k[i].p.denied;
		rows[i] = skip[i] ? 0 : sc.k[i].p.rows;
		if (!skip[i])
			sync_pager_free(&sc.k[i].p);
	}
	free(sc.k);
	if (sc.failed) {
		if (!s->err.kind)
			ow_err_set(&s->err, OW_ESITE, "the sync failed");
		rc = -1;
	}
	return rc;
}
