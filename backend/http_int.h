/* Inside backend/http (backend/http*.c, the one home of libcurl):
 *   http.c       the client: options, one transfer's setup, what a failure
 *                means, the retry policy, http_request
 *   http_many.c  many GETs at once on the client's multi handle
 *   http_url.c   URLs: the links a site hands back, hosts, escaping */
#ifndef OW_BACKEND_HTTP_INT_H
#define OW_BACKEND_HTTP_INT_H

#include <curl/curl.h>
#include <stdbool.h>

#include "backend/http.h"

struct http_client {
	struct http_opts o;
	char *secret;            /* our copy; wiped on free */
	CURL *easy;              /* reused: keep-alive for sequential requests */
	CURLM *multi;
	CURLM *single;           /* easy's, while a request may be stopped; NULL until then */
	bool stopped;            /* the operator's stop said yes once: held */
	unsigned long rng;
	size_t max_body;         /* the cap in force: o.max_body or a page's */
	double budget_end;       /* monotonic seconds; 0 = no budget */
	long budget_s;
	const char *budget_what; /* the caller's string (a class name), or "" */
	/* When the last max_rate requests began (a ring, oldest at pace_head
	 * once full): a new one may begin a second after the oldest. */
	double *pace;
	size_t pace_n, pace_head, pace_cap;
};

/* Per-transfer state shared by the callbacks. */
struct xfer {
	struct http_resp *r;
	size_t max_body;
	bool too_big;
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *headers;
	double deadline;         /* monotonic seconds: every attempt ends by then */
	bool by_budget;          /* the deadline is the client's budget, not timeout_s */
	const char *what;        /* the budget's name and length, for the message */
	long budget_s;
};

/* How close to its deadline a request may begin another attempt. libcurl's
 * timeout, set in whole milliseconds, ends an attempt up to a millisecond
 * before the deadline; an attempt begun after it (libcurl's 1 ms at least)
 * could still be answered on a kept-alive connection, so that a request the
 * site held past --timeout succeeded (seen in test_sync). */
#define HX_DEADLINE_SLACK_S 0.005
/* Whether a request with this deadline may no longer begin an attempt. */
bool hx_out_of_time(double deadline);

/* How often the operator's stop (http_opts.stop) is asked while a request
 * may be stopped: often enough for a key press, not on every turn of a
 * loop that turns hundreds of times a second. */
#define HX_STOP_EVERY_MS 50
/* Whether the operator stopped the requests, asked at most every
 * HX_STOP_EVERY_MS (*asked: when it was last asked; 0 at first), and
 * from the first yes on always yes (c->stopped). c->o.stop must be set. */
bool hx_stop_asked(struct http_client *c, double *asked);
/* The error of a request the operator stopped (OW_EINPUT, naming url). */
int hx_stopped_by_operator(const char *url, struct ow_err *err);

/* Monotonic seconds. */
double hx_mono_s(void);
/* Sets x's deadline for a request starting now: timeout_s for it, all
 * attempts included, or the client's budget if that ends first. */
void hx_start_deadline(const struct http_client *c, struct xfer *x);
/* The earliest monotonic time the next request may begin without more
 * than max_rate begun in one second (<= now: at once). */
double hx_pace_at(const struct http_client *c);
/* Notes that a request begins at t. */
void hx_pace_note(struct http_client *c, double t);
/* Empties r for another attempt (its body wiped as it goes). */
void hx_resp_reset(struct http_resp *r);
/* Sets every option of one transfer on h. */
void hx_setup(struct http_client *c, CURL *h, const char *method, const char *url,
              const char *body, struct xfer *x);
/* After a transfer: the status and Retry-After into x->r; x's headers freed. */
void hx_finish(CURL *h, struct xfer *x);
/* Decides after one attempt: 0 done, 1 retry, or an error kind (err set). */
int hx_verdict(struct http_client *c, CURLcode rc, struct xfer *x, const char *url,
               bool idempotent, int attempt, bool write, struct ow_err *err);
/* How long to wait before attempt + 1 (backoff with jitter, Retry-After
 * honoured), never past deadline; >= 0. */
long hx_retry_wait_ms(struct http_client *c, int attempt, long retry_after_s, double deadline);
/* Refuses a URL that calls a method handing out secrets; 0 or OW_EINPUT. */
int hx_refuse_denied(const char *url, struct ow_err *err);

#endif
