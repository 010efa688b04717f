/* The HTTPS client osdwarden uses to talk to a site: libcurl with TLS
 * verification always on, the authentication modes of the AdminService,
 * timeouts, size caps, and retries only where a request is idempotent. */
#ifndef OW_BACKEND_HTTP_H
#define OW_BACKEND_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

enum http_auth {
	HTTP_AUTH_NEGOTIATE,   /* Kerberos ticket cache; no password */
	HTTP_AUTH_NTLM,
	HTTP_AUTH_BASIC,
	HTTP_AUTH_BEARER,
	HTTP_AUTH_NONE,
};

/* "negotiate", "ntlm", ... -> 0 and *out, or -1. */
int http_auth_parse(const char *name, enum http_auth *out);
const char *http_auth_name(enum http_auth a);

/* Bits of http_opts.insecure; the provider row's `insecure` column keeps
 * the same bits, so what a run was allowed is what the inventory says. */
#define HTTP_INSECURE_TLS   1u   /* --insecure: the certificate is not verified */
#define HTTP_PLAIN_TEST_LAB 2u   /* --plain-http-test-lab: http://, no TLS at all */

struct http_opts {
	enum http_auth auth;
	const char *user;          /* NTLM/Basic */
	const char *secret;        /* password or token; copied, never logged */
	const char *cacert;        /* the site's root, PEM; NULL = system store */
	unsigned insecure;         /* HTTP_INSECURE_* bits: loud, recorded; 0 = https, verified */
	long connect_timeout_s;    /* default 10 */
	long timeout_s;            /* one request, all its attempts included, default 300 */
	long low_speed_s;          /* abort below 1 KB/s for this long, default 60 */
	size_t max_body;           /* per response, default 64 MiB */
	int max_attempts;          /* for idempotent requests, default 4 */
	long retry_base_ms;        /* backoff base, default 250 */
	unsigned long seed;        /* jitter seed; 0 = from the clock */
	/* NULL: the provider is on the no-proxy list (libcurl would otherwise
	 * take https_proxy from the environment); a URL: every request goes
	 * through that proxy (--proxy). */
	const char *proxy;
	/* Requests begun in any one second, at most (retries included): the
	 * AdminService allows a client 200 a second, the default (0). */
	int max_rate;
	/* Asked at least every 50 ms while http_get_many has requests in flight
	 * or waiting, and while http_request sends one that may be repeated or
	 * waits to retry it; non-zero stops them at once: the request answered
	 * first fails (OW_EINPUT, "stopped by the operator"). The console's
	 * Esc, so that a request the site holds does not hold the operator for
	 * --timeout. The first yes holds for the client: every later request
	 * that may be stopped fails the same way without being sent. A write
	 * is never stopped: cut off half sent, the site may still apply it.
	 * NULL: never asked. */
	int (*stop)(void *ctx);
	void *stop_ctx;
};

struct http_resp {
	long status;               /* 0 when no HTTP answer arrived */
	struct buf body;
	long retry_after_s;        /* -1 when absent */
	char date[64];             /* the Date header, for clock skew */
	char content_type[128];
	int attempts;
};

struct http_client;

/* Creates a client (one reusable keep-alive handle + a multi pool) into
 * *out, which the caller releases with http_client_free. The secret is
 * copied and the copy is wiped when the client is freed. */
int http_client_new(const struct http_opts *o, struct http_client **out, struct ow_err *err);
void http_client_free(struct http_client *c);
/* Whether the operator's stop (http_opts.stop) has said yes. */
bool http_client_stopped(const struct http_client *c);

/* One request. idempotent requests (GET, and PUTs the caller declares so)
 * are retried on 429/502/503/504, resets and truncated bodies, honouring
 * Retry-After; others are sent once and a timeout after sending is
 * reported as such (the caller re-reads to learn what happened).
 * Returns 0 when an HTTP answer arrived (any status: inspect r->status),
 * or an error kind (OW_ESITE for transport/TLS, with a message). */
int http_request(struct http_client *c, const char *method, const char *url,
                 const char *json_body, bool idempotent, struct http_resp *r,
                 struct ow_err *err);
void http_resp_free(struct http_resp *r);

/* GETs URLs from next() with at most `concurrency` in flight (curl
 * multi), each retried as http_request would. next(ctx, i) returns the
 * i-th URL (a new string), or NULL for "none now": the loop asks again
 * after each completion and ends when nothing is in flight and next()
 * has nothing. The cap and the budget in force when next() returns a URL
 * are that URL's, retries included, so next() may set them per URL.
 * done() is called once per URL, in completion order; a non-zero result
 * stops everything. Returns 0 or that result. */
typedef char *(*http_next_fn)(void *ctx, size_t index);
typedef int (*http_done_fn)(void *ctx, size_t index, struct http_resp *r,
                            const struct ow_err *err);
int http_get_many(struct http_client *c, int concurrency, http_next_fn next,
                  http_done_fn done, void *ctx);

/* The cap per response from now on, enforced while it arrives (the
 * transfer stops at the first byte over it, so a huge body is never
 * held); 0 restores the client's max_body. A sync sets it per page. */
void http_client_set_max_body(struct http_client *c, size_t max_body);

/* From now on every request, retries included, must end within seconds
 * of this call; one that would outlast it fails with a message that names
 * `what` (e.g. the class being read) and --timeout. seconds <= 0 clears
 * the budget (each request still has timeout_s). A sync sets one per
 * request as it hands the URL over (the same length as timeout_s), so
 * that the message names the class. */
/* `what` is kept as given: it must outlive the requests (a class name of
 * the contract). */
void http_client_set_budget(struct http_client *c, long seconds, const char *what);
/* CLOCK_MONOTONIC in seconds. */
double http_clock(void);

#define HTTP_DEFAULT_TIMEOUT_S 300L
/* The AdminService's limit per client, requests begun a second: the
 * default of http_opts.max_rate and the most --rate may ask for. */
#define HTTP_MAX_RATE 200

/* The URL to follow for a link a site handed back (an OData nextLink),
 * resolved against base as a browser would: a new string, or NULL with
 * err set (OW_ESITE) when it leaves base's exact origin (scheme, host,
 * port) or its path (base's path followed by '/'), or carries a user
 * name. The check uses libcurl's own URL parser, the one that would
 * make the connection, and the URL returned is the one it checked. */
char *http_follow_url(const char *base, const char *link, struct ow_err *err);

/* True when url's host is a loopback address (127.0.0.0/8, ::1) or
 * "localhost". */
bool http_url_is_loopback(const char *url);

/* The host of an http(s) URL, as libcurl would connect to it (an IPv6
 * literal keeps its brackets), into out[n]; 0, or -1 (out empty) when the
 * URL has no host or the host does not fit. */
int http_url_host(const char *url, char *out, size_t n);

/* Percent-encodes s for a URL query value (everything but unreserved
 * characters). A new string the caller frees with free(); NULL when out of
 * memory. */
char *http_escape(const char *s);

/* Decodes %XX sequences in s (once: call again to decode twice); a %00 is
 * left as it is, so that nothing after it is lost. A new string the caller
 * frees with free(); NULL when out of memory. */
char *http_unescape(const char *s);

/* libcurl's version and the libraries it was built with ("libcurl/7.88.1
 * OpenSSL/3.0.11 ..."), for the version banner. Static storage: not freed. */
const char *http_library_versions(void);

/* True when the error says the transfer was cut short or refused in a way
 * a retry of an idempotent request might cure. For tests and callers. */
bool http_status_retryable(long status);

#endif
