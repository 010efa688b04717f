#include "backend/http.h"

#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/secret.h"

struct http_client {
	struct http_opts o;
	char *secret;            /* our copy; wiped on free */
	CURL *easy;              /* reused: keep-alive for sequential requests */
	CURLM *multi;
	unsigned long rng;
};

/* Per-transfer state shared by the callbacks. */
struct xfer {
	struct http_resp *r;
	size_t max_body;
	bool too_big;
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *headers;
};

static const struct { const char *name; enum http_auth a; } auth_names[] = {
	{ "negotiate", HTTP_AUTH_NEGOTIATE }, { "ntlm", HTTP_AUTH_NTLM },
	{ "basic", HTTP_AUTH_BASIC }, { "bearer", HTTP_AUTH_BEARER }, { "none", HTTP_AUTH_NONE },
};

int http_auth_parse(const char *name, enum http_auth *out)
{
	for (size_t i = 0; i < sizeof auth_names / sizeof auth_names[0]; i++) {
		if (strcmp(auth_names[i].name, name) == 0) {
			*out = auth_names[i].a;
			return 0;
		}
	}
	return -1;
}

const char *http_auth_name(enum http_auth a)
{
	for (size_t i = 0; i < sizeof auth_names / sizeof auth_names[0]; i++)
		if (auth_names[i].a == a)
			return auth_names[i].name;
	return "?";
}

bool http_status_retryable(long status)
{
	return status == 429 || status == 502 || status == 503 || status == 504;
}

static bool curl_retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_CONNECT:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;

	if (x->r->body.len + len > x->max_body) {
		x->too_big = true;
		return 0;   /* aborts the transfer: a body over the cap is an error */
	}
	buf_add(&x->r->body, p, len);
	return x->r->body.failed ? 0 : len;
}

static void copy_header(char *dst, size_t cap, const char *v, size_t n)
{
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;

	if (len > 6 && strncasecmp(p, "Date: ", 6) == 0)
		copy_header(x->r->date, sizeof x->r->date, p + 6, len - 6);
	else if (len > 14 && strncasecmp(p, "Content-Type: ", 14) == 0)
		copy_header(x->r->content_type, sizeof x->r->content_type, p + 14, len - 14);
	return len;
}

int http_client_new(const struct http_opts *o, struct http_client **out, struct ow_err *err)
{
	struct http_client *c = calloc(1, sizeof *c);

	*out = NULL;
	if (!c)
		return ow_err_set(err, OW_EINPUT, "out of memory");
	c->o = *o;
	if (!c->o.connect_timeout_s) c->o.connect_timeout_s = 10;
	if (!c->o.timeout_s) c->o.timeout_s = 300;
	if (!c->o.low_speed_s) c->o.low_speed_s = 60;
	if (!c->o.max_body) c->o.max_body = 64u << 20;
	if (!c->o.max_attempts) c->o.max_attempts = 4;
	if (!c->o.retry_base_ms) c->o.retry_base_ms = 250;
	c->rng = o->seed ? o->seed : (unsigned long)time(NULL) ^ (unsigned long)(uintptr_t)c;
	if (o->secret && !(c->secret = strdup(o->secret))) {
		free(c);
		return ow_err_set(err, OW_EINPUT, "out of memory");
	}
	c->o.secret = NULL;   /* only our copy is kept */
	c->easy = curl_easy_init();
	c->multi = curl_multi_init();
	if (!c->easy || !c->multi) {
		http_client_free(c);
		return ow_err_set(err, OW_EINPUT, "cannot initialise libcurl");
	}
	*out = c;
	return 0;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	if (c->easy)
		curl_easy_cleanup(c->easy);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	secret_free(c->secret);
	free(c);
}

void http_resp_free(struct http_resp *r)
{
	buf_free(&r->body);
}

static void resp_reset(struct http_resp *r)
{
	buf_reset(&r->body);
	r->status = 0;
	r->retry_after_s = -1;
	r->date[0] = r->content_type[0] = '\0';
}

/* Sets every option of one transfer on h. */
static void setup(struct http_client *c, CURL *h, const char *method, const char *url,
                  const char *body, struct xfer *x)
{
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "osdwarden/" OSDWARDEN_VERSION);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);   /* never carry credentials elsewhere */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->o.insecure ? 0L : 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->o.insecure ? 0L : 2L);
	if (c->o.cacert)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->o.cacert);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->o.connect_timeout_s);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, c->o.timeout_s);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->o.low_speed_s);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->o.max_body);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	switch (c->o.auth) {
	case HTTP_AUTH_NEGOTIATE:
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_NEGOTIATE);
		curl_easy_setopt(h, CURLOPT_USERPWD, ":");   /* the ticket cache decides */
		break;
	case HTTP_AUTH_NTLM:
	case HTTP_AUTH_BASIC:
		curl_easy_setopt(h, CURLOPT_HTTPAUTH,
		                 (long)(c->o.auth == HTTP_AUTH_NTLM ? CURLAUTH_NTLM : CURLAUTH_BASIC));
		curl_easy_setopt(h, CURLOPT_USERNAME, c->o.user ? c->o.user : "");
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->secret ? c->secret : "");
		break;
	case HTTP_AUTH_BEARER:
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, c->secret ? c->secret : "");
		break;
	case HTTP_AUTH_NONE:
		break;
	}
	x->headers = curl_slist_append(NULL, "Accept: application/json");
	if (body) {
		x->headers = curl_slist_append(x->headers, "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->headers);
	if (strcmp(method, "GET") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
}

/* What a failed transfer means, in words an operator can act on. */
static int transport_error(CURLcode rc, const struct xfer *x, const char *url, bool sent_write,
                           struct ow_err *err)
{
	const char *detail = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);

	if (x->too_big || rc == CURLE_FILESIZE_EXCEEDED)
		return ow_err_set(err, OW_ESITE, "%s: the answer is larger than the %zu MiB cap "
		                  "per response; the site sent something unexpected", url,
		                  x->max_body >> 20);
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		return ow_err_set(err, OW_ESITE, "%s: the site's TLS certificate is not trusted (%s). "
		                  "Export the site's root certificate (by default the \"SMS Issuing\" "
		                  "root, in the site server's Trusted Root store) as a Base-64 .cer "
		                  "file and pass it with --cacert FILE", url, detail);
	case CURLE_SSL_CONNECT_ERROR:
		return ow_err_set(err, OW_ESITE, "%s: the TLS handshake failed (%s)", url, detail);
	case CURLE_COULDNT_RESOLVE_HOST:
		return ow_err_set(err, OW_ESITE, "%s: the host name does not resolve (%s); check "
		                  "the --provider URL and DNS", url, detail);
	case CURLE_COULDNT_CONNECT:
		return ow_err_set(err, OW_ESITE, "%s: nothing answers there (%s); is the SMS "
		                  "Provider up and port 443 open from this host?", url, detail);
	case CURLE_OPERATION_TIMEDOUT:
		if (sent_write)
			return ow_err_set(err, OW_ESITE, "%s: no answer after the request was sent "
			                  "(%s); the site may or may not have applied it", url, detail);
		return ow_err_set(err, OW_ESITE, "%s: timed out (%s)", url, detail);
	default:
		return ow_err_set(err, OW_ESITE, "%s: %s", url, detail);
	}
}

static long backoff_ms(struct http_client *c, int attempt, long retry_after_s)
{
	long ms = c->o.retry_base_ms << (attempt - 1 < 6 ? attempt - 1 : 6);

	c->rng = c->rng * 6364136223846793005UL + 1442695040888963407UL;
	ms += (long)((c->rng >> 33) % (unsigned long)c->o.retry_base_ms);   /* jitter */
	if (ms > 10000)
		ms = 10000;
	if (retry_after_s >= 0) {
		long ra = (retry_after_s > 60 ? 60 : retry_after_s) * 1000;
		if (ra > ms)
			ms = ra;
	}
	return ms;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void finish(CURL *h, struct xfer *x)
{
	curl_off_t ra = -1;

	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &x->r->status);
	if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
		x->r->retry_after_s = (long)ra;
	curl_slist_free_all(x->headers);
	x->headers = NULL;
}

/* Decides after one attempt: 0 done, 1 retry, or an error kind. */
static int verdict(struct http_client *c, CURLcode rc, struct xfer *x, const char *url,
                   bool idempotent, int attempt, bool write, struct ow_err *err)
{
	bool last = attempt >= c->o.max_attempts;

	if (rc == CURLE_OK) {
		if (idempotent && !last && http_status_retryable(x->r->status))
			return 1;
		return 0;
	}
	if (idempotent && !last && !x->too_big && curl_retryable(rc))
		return 1;
	return transport_error(rc, x, url, write && rc == CURLE_OPERATION_TIMEDOUT, err);
}

int http_request(struct http_client *c, const char *method, const char *url,
                 const char *json_body, bool idempotent, struct http_resp *r,
                 struct ow_err *err)
{
	bool write = strcmp(method, "GET") != 0;

	memset(r, 0, sizeof *r);
	for (int attempt = 1;; attempt++) {
		struct xfer x = { r, c->o.max_body, false, "", NULL };
		CURLcode rc;
		int v;

		resp_reset(r);
		r->attempts = attempt;
		setup(c, c->easy, method, url, json_body, &x);
		/* A request that must not be repeated gets a connection of its
		 * own: on a kept-alive connection the server closed, libcurl
		 * itself resends the request, which for a write is exactly the
		 * blind retry we must never make (the lab's "lost" fault). */
		curl_easy_setopt(c->easy, CURLOPT_FRESH_CONNECT, idempotent ? 0L : 1L);
		curl_easy_setopt(c->easy, CURLOPT_FORBID_REUSE, idempotent ? 0L : 1L);
		rc = curl_easy_perform(c->easy);
		finish(c->easy, &x);
		v = verdict(c, rc, &x, url, idempotent, attempt, write, err);
		if (v != 1)
			return v;
		sleep_ms(backoff_ms(c, attempt, r->retry_after_s));
	}
}

/* --- many concurrent GETs ------------------------------------------------ */

struct slot {
	CURL *h;
	char *url;
	size_t index;
	int attempt;
	bool busy, waiting;
	struct timespec ready_at;
	struct http_resp resp;
	struct xfer x;
};

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void slot_start(struct http_client *c, struct slot *s)
{
	resp_reset(&s->resp);
	s->resp.attempts = s->attempt;
	s->x = (struct xfer){ &s->resp, c->o.max_body, false, "", NULL };
	setup(c, s->h, "GET", s->url, NULL, &s->x);
	curl_easy_setopt(s->h, CURLOPT_PRIVATE, s);
	curl_multi_add_handle(c->multi, s->h);
	s->busy = true;
	s->waiting = false;
}

int http_get_many(struct http_client *c, int concurrency, http_next_fn next,
                  http_done_fn done, void *ctx)
{
	struct slot *slots;
	size_t issued = 0;
	int inflight = 0, stop = 0;

	if (concurrency < 1)
		concurrency = 1;
	slots = calloc((size_t)concurrency, sizeof *slots);
	if (!slots)
		return -1;
	for (int i = 0; i < concurrency; i++)
		slots[i].h = curl_easy_init();
	for (;;) {
		double t = now_ms();
		int running = 0;
		CURLMsg *m;

		/* Fill free slots with new URLs; restart retries that are due. */
		for (int i = 0; i < concurrency && !stop; i++) {
			struct slot *s = &slots[i];
			if (s->waiting) {
				double due = (double)s->ready_at.tv_sec * 1e3 + (double)s->ready_at.tv_nsec / 1e6;
				if (due <= t)
					slot_start(c, s);
			} else if (!s->busy) {
				/* NULL: nothing now; asked again after the next completion. */
				char *url = next(ctx, issued);
				if (!url)
					continue;
				s->url = url;
				s->index = issued++;
				s->attempt = 1;
				slot_start(c, s);
				inflight++;
			}
		}
		if (inflight == 0 || stop)
			break;
		curl_multi_perform(c->multi, &running);
		while ((m = curl_multi_info_read(c->multi, &running)) != NULL) {
			struct slot *s;
			struct ow_err e = { 0 };
			int v;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			finish(s->h, &s->x);
			curl_multi_remove_handle(c->multi, s->h);
			s->busy = false;
			v = verdict(c, m->data.result, &s->x, s->url, true, s->attempt, false, &e);
			if (v == 1) {
				long ms = backoff_ms(c, s->attempt++, s->resp.retry_after_s);
				clock_gettime(CLOCK_MONOTONIC, &s->ready_at);
				s->ready_at.tv_sec += ms / 1000;
				s->ready_at.tv_nsec += (ms % 1000) * 1000000L;
				if (s->ready_at.tv_nsec >= 1000000000L) {
					s->ready_at.tv_sec++;
					s->ready_at.tv_nsec -= 1000000000L;
				}
				s->waiting = true;
				continue;
			}
			inflight--;
			if (!stop)
				stop = done(ctx, s->index, &s->resp, v ? &e : NULL);
			free(s->url);
			s->url = NULL;
		}
		if (inflight > 0)
			curl_multi_poll(c->multi, NULL, 0, 50, NULL);
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
