/* Many GETs at once on the client's multi handle (http_get_many): a slot
 * per transfer in flight, each URL retried as http_request would (its own
 * deadline and cap, backoff before the retry), no more begun in a second
 * than the client's max_rate, completions handed back in the order they
 * arrive. */
#include "backend/http.h"

#include <stdlib.h>
#include <string.h>

#include "backend/http_int.h"

struct slot {
	CURL *h;
	char *url;
	size_t index;
	int attempt;
	bool busy, waiting;
	double ready_at;          /* monotonic seconds: when a retry is due */
	double deadline;          /* of this URL, all its attempts */
	bool by_budget;
	const char *what;         /* the budget's name and length */
	long budget_s;
	size_t max_body;          /* the cap when the URL was handed over */
	struct http_resp resp;
	struct xfer x;
};

static void slot_start(struct http_client *c, struct slot *s, double t)
{
	hx_pace_note(c, t);
	hx_resp_reset(&s->resp);
	s->resp.attempts = s->attempt;
	s->x = (struct xfer){ &s->resp, s->max_body, false, "", NULL, s->deadline, s->by_budget,
	                      s->what, s->budget_s };
	hx_setup(c, s->h, "GET", s->url, NULL, &s->x);
	curl_easy_setopt(s->h, CURLOPT_PRIVATE, s);
	curl_multi_add_handle(c->multi, s->h);
	s->busy = true;
	s->waiting = false;
}

/* The operator stopped the requests: the first one in flight or waiting
 * is answered with that (done() once, as for any URL); done's result, or
 * 1 when it asks to go on regardless. */
static int stopped(struct slot *slots, int concurrency, http_done_fn done, void *ctx)
{
	for (int i = 0; i < concurrency; i++) {
		struct slot *s = &slots[i];
		if (s->busy || s->waiting) {
			struct ow_err e = { 0 };
			struct http_resp none = { 0 };
			int rc;
			hx_stopped_by_operator(s->url, &e);
			rc = done(ctx, s->index, &none, &e);
			return rc ? rc : 1;
		}
	}
	return 1;
}

int http_get_many(struct http_client *c, int concurrency, http_next_fn next,
                  http_done_fn done, void *ctx)
{
	struct slot *slots;
	size_t issued = 0;
	int inflight = 0, stop = 0;
	double stop_asked = 0;   /* when o.stop was last asked */

	if (concurrency < 1)
		concurrency = 1;
	slots = calloc((size_t)concurrency, sizeof *slots);
	if (!slots)
		return -1;
	for (int i = 0; i < concurrency; i++)
		slots[i].h = curl_easy_init();
	for (;;) {
		double t = hx_mono_s(), paced = 0;
		int running = 0, finished;
		long poll_ms = 50;
		CURLMsg *m;

		/* Not every turn of the loop (hundreds a second in a fast sync;
		 * the console's check reads the keyboard), and also while the
		 * rate holds the next one back: a stop with nothing in flight
		 * is said by the next URL, which is not sent. */
		if (!stop && c->o.stop && hx_stop_asked(c, &stop_asked) && inflight > 0) {
			stop = stopped(slots, concurrency, done, ctx);
			break;
		}

		/* Fill free slots with new URLs; restart retries that are due;
		 * neither past the rate (paced: when the next may begin). */
		for (int i = 0; i < concurrency && !stop; i++) {
			struct slot *s = &slots[i];
			/* once stopped, nothing waits for the rate: nothing is sent */
			if (!c->stopped &&
			    ((s->waiting && s->ready_at <= t) || (!s->busy && !s->waiting))) {
				double at = hx_pace_at(c);
				if (at > t) {
					paced = at;
					break;
				}
			}
			if (s->waiting) {
				if (s->ready_at <= t && hx_out_of_time(s->deadline)) {
					/* The rate held the retry to the deadline: not begun. */
					struct ow_err e = { 0 };
					s->waiting = false;
					hx_verdict(c, CURLE_OPERATION_TIMEDOUT, &s->x, s->url, true, s->attempt,
					           false, &e);
					inflight--;
					if (!stop)
						stop = done(ctx, s->index, &s->resp, &e);
					free(s->url);
					s->url = NULL;
				} else if (s->ready_at <= t) {
					slot_start(c, s, t);
				}
			} else if (!s->busy) {
				/* NULL: nothing now; asked again after the next completion. */
				char *url = next(ctx, issued);
				struct ow_err de = { 0 };
				if (!url)
					continue;
				if (c->stopped)
					hx_stopped_by_operator(url, &de);
				else
					hx_refuse_denied(url, &de);
				if (de.kind != OW_OK) {
					struct http_resp none = { 0 };
					bool was_stopped = c->stopped;
					free(url);
					stop = done(ctx, issued++, &none, &de);
					if (was_stopped && !stop)
						stop = 1;   /* nothing more is sent once stopped */
					continue;
				}
				s->url = url;
				s->index = issued++;
				s->attempt = 1;
				hx_start_deadline(c, &s->x);
				s->deadline = s->x.deadline;
				s->by_budget = s->x.by_budget;
				s->what = s->x.what;
				s->budget_s = s->x.budget_s;
				s->max_body = c->max_body;
				slot_start(c, s, t);
				inflight++;
			}
		}
		if (stop || (inflight == 0 && paced == 0))
			break;
		if (paced > 0) {
			/* Wake when the rate lets the next request begin. */
			long ms = (long)((paced - t) * 1e3) + 1;
			poll_ms = ms < poll_ms ? ms : poll_ms;
		}
		if (inflight == 0) {
			curl_multi_poll(c->multi, NULL, 0, (int)poll_ms, NULL);
			continue;
		}
		curl_multi_perform(c->multi, &running);
		finished = 0;
		while ((m = curl_multi_info_read(c->multi, &running)) != NULL) {
			struct slot *s;
			struct ow_err e = { 0 };
			int v;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			hx_finish(s->h, &s->x);
			curl_multi_remove_handle(c->multi, s->h);
			s->busy = false;
			v = hx_verdict(c, m->data.result, &s->x, s->url, true, s->attempt, false, &e);
			if (v == 1) {
				long ms = hx_retry_wait_ms(c, s->attempt++, s->resp.retry_after_s,
				                           s->deadline);
				s->ready_at = hx_mono_s() + (double)ms / 1e3;
				s->waiting = true;
				continue;
			}
			inflight--;
			finished++;
			if (!stop)
				stop = done(ctx, s->index, &s->resp, v ? &e : NULL);
			free(s->url);
			s->url = NULL;
		}
		/* A slot just freed is filled at once: waiting on the others
		 * first would leave a connection idle for their latency. */
		if (inflight > 0 && !finished)
			curl_multi_poll(c->multi, NULL, 0, (int)poll_ms, NULL);
	}
	for (int i = 0; i < concurrency; i++) {
		if (slots[i].busy)
			curl_multi_remove_handle(c->multi, slots[i].h);
		if (slots[i].x.headers)
			curl_slist_free_all(slots[i].x.headers);
		curl_easy_cleanup(slots[i].h);
		free(slots[i].url);
		http_resp_free(&slots[i].resp);
	}
	free(slots);
	return stop;
}
