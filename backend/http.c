#include "backend/http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "backend/adminservice.h"
#include "util/sanitize.h"
#include "util/secret.h"

struct http_client {
	struct http_opts o;
	char *secret;            /* our copy; wiped on free */
	CURL *easy;              /* reused: keep-alive for sequential requests */
	CURLM *multi;
	unsigned long rng;
	size_t max_body;         /* the cap in force: o.max_body or a page's */
	double budget_end;       /* monotonic seconds; 0 = no budget */
	long budget_s;
	char budget_what[96];
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
};

static double mono_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

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
	if (!c->o.timeout_s) c->o.timeout_s = HTTP_DEFAULT_TIMEOUT_S;
	if (!c->o.low_speed_s) c->o.low_speed_s = 60;
	if (!c->o.max_body) c->o.max_body = 64u << 20;
	if (!c->o.max_attempts) c->o.max_attempts = 4;
	if (!c->o.retry_base_ms) c->o.retry_base_ms = 250;
	c->max_body = c->o.max_body;
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

void http_client_set_max_body(struct http_client *c, size_t max_body)
{
	c->max_body = max_body ? max_body : c->o.max_body;
}

void http_client_set_budget(struct http_client *c, long seconds, const char *what)
{
	c->budget_end = seconds > 0 ? mono_s() + (double)seconds : 0;
	c->budget_s = seconds > 0 ? seconds : 0;
	snprintf(c->budget_what, sizeof c->budget_what, "%s", what && seconds > 0 ? what : "");
}

/* When the request starting now must end: timeout_s for it, all attempts
 * included, or the client's budget if that ends first. */
static void start_deadline(const struct http_client *c, struct xfer *x)
{
	x->deadline = mono_s() + (double)c->o.timeout_s;
	x->by_budget = false;
	if (c->budget_end > 0 && c->budget_end < x->deadline) {
		x->deadline = c->budget_end;
		x->by_budget = true;
	}
}

void http_resp_free(struct http_resp *r)
{
	buf_free(&r->body);
}

static void resp_reset(struct http_resp *r)
{
	/* An answer can hold a site control row with the PXE password hash:
	 * its bytes are zeroed when the buffer grows or is released. */
	r->body.wipe = true;
	buf_reset(&r->body);
	r->status = 0;
	r->retry_after_s = -1;
	r->date[0] = r->content_type[0] = '\0';
}

/* Proxies: libcurl takes https_proxy from the environment, and the
 * console of Configuration Manager is known to fail through proxies, so
 * the provider's host joins the no-proxy list unless --proxy names one to
 * use for it. */
static void set_proxy(const struct http_client *c, CURL *h, const char *url)
{
	const char *env = getenv("no_proxy") ? getenv("no_proxy") : getenv("NO_PROXY");
	char *host = NULL, list[1024];
	CURLU *u;

	if (c->o.proxy && *c->o.proxy) {
		curl_easy_setopt(h, CURLOPT_PROXY, c->o.proxy);
		curl_easy_setopt(h, CURLOPT_NOPROXY, "");
		return;
	}
	if ((u = curl_url()) != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host) {
		/* an IPv6 literal is listed without its brackets */
		size_t n = strlen(host);
		const char *bare = host[0] == '[' && n > 2 ? host + 1 : host;
		snprintf(list, sizeof list, "%.*s%s%s", (int)(bare == host ? n : n - 2), bare,
		         env && *env ? "," : "", env && *env ? env : "");
		curl_easy_setopt(h, CURLOPT_NOPROXY, list);
	} else {
		curl_easy_setopt(h, CURLOPT_NOPROXY, "*");   /* no host: no proxy either */
	}
	curl_free(host);
	curl_url_cleanup(u);
}

/* Sets every option of one transfer on h. */
static void setup(struct http_client *c, CURL *h, const char *method, const char *url,
                  const char *body, struct xfer *x)
{
	/* https only (plain http only in the lab's explicit test mode), on
	 * every URL whatever its source: a scheme a site slips into a link
	 * (gopher, file, ...) is refused by libcurl itself. */
	const char *proto = c->o.insecure & HTTP_PLAIN_TEST_LAB ? "http" : "https";
	double left_ms = (x->deadline - mono_s()) * 1e3;
	bool verify = !(c->o.insecure & HTTP_INSECURE_TLS);

	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, proto);
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, proto);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "osdwarden/" OSDWARDEN_VERSION);
	set_proxy(c, h, url);
	/* A redirect is answered as its 3xx status, never followed: a site
	 * moved elsewhere is for the operator to name in --provider. */
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_UNRESTRICTED_AUTH, 0L);
	/* Kerberos: authenticate, never hand the site a forwardable ticket. */
	curl_easy_setopt(h, CURLOPT_GSSAPI_DELEGATION, (long)CURLGSSAPI_DELEGATION_NONE);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
	if (c->o.cacert)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->o.cacert);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->o.connect_timeout_s);
	/* What is left of the request's time (at least 1 ms, so that an
	 * attempt begun after the deadline fails as a timeout at once). */
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left_ms < 1 ? 1L : (long)left_ms);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->o.low_speed_s);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_body);
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

/* A certificate that failed verification: expired, for another name, or
 * from a CA we were not given -- three different things to fix. */
static int tls_error(const char *url, const char *detail, struct ow_err *err)
{
	if (strstr(detail, "expired"))
		return ow_err_set(err, OW_ESITE, "%s: the site's TLS certificate has expired (%s). "
		                  "The site must renew it; osdwarden does not talk to a site whose "
		                  "certificate is out of date", url, detail);
	if (strstr(detail, "subject name") || strstr(detail, "host name") ||
	    strstr(detail, "does not match"))
		return ow_err_set(err, OW_ESITE, "%s: the site's TLS certificate does not name the "
		                  "host given in --provider (%s). Use the name the certificate was "
		                  "issued for (usually the SMS Provider's FQDN), not an address or "
		                  "an alias", url, detail);
	return ow_err_set(err, OW_ESITE, "%s: the site's TLS certificate is not trusted (%s). "
	                  "Export the site's root certificate (by default the \"SMS Issuing\" "
	                  "root, in the site server's Trusted Root store) as a Base-64 .cer "
	                  "file and pass it with --cacert FILE", url, detail);
}

/* What a failed transfer means, in words an operator can act on. */
static int transport_error(const struct http_client *c, CURLcode rc, const struct xfer *x,
                           const char *url, bool sent_write, struct ow_err *err)
{
	const char *detail = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);

	if (x->too_big || rc == CURLE_FILESIZE_EXCEEDED)
		return ow_err_set(err, OW_ESITE, "%s: the answer is larger than the %zu KiB "
		                  "cap for it (a page's cap follows its $top), so it was not read to "
		                  "the end; the site sent far more than was asked for", url, x->max_body >> 10);
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		return tls_error(url, detail, err);
	case CURLE_UNSUPPORTED_PROTOCOL:
		return ow_err_set(err, OW_ESITE, "%s: refused: osdwarden talks to a site over %s "
		                  "only (%s)", url, c->o.insecure & HTTP_PLAIN_TEST_LAB
		                  ? "plain HTTP (--plain-http-test-lab)" : "HTTPS", detail);
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
		if (x->by_budget)
			return ow_err_set(err, OW_ESITE, "%s: %s took longer than the %ld s --timeout "
			                  "allows for it, retries included (%s); the site is very slow, "
			                  "or keeps connections open without finishing. If it is only "
			                  "slow, raise --timeout S", url, c->budget_what, c->budget_s,
			                  detail);
		return ow_err_set(err, OW_ESITE, "%s: no complete answer within the %ld s --timeout "
		                  "allows, retries included (%s); if the site is only slow, raise "
		                  "--timeout S", url, c->o.timeout_s, detail);
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

/* Decides after one attempt: 0 done, 1 retry, or an error kind. No
 * retry once the request's time is up. */
static int verdict(struct http_client *c, CURLcode rc, struct xfer *x, const char *url,
                   bool idempotent, int attempt, bool write, struct ow_err *err)
{
	bool out_of_time = mono_s() >= x->deadline;
	bool last = attempt >= c->o.max_attempts || out_of_time;

	if (rc == CURLE_OK) {
		if (idempotent && !last && http_status_retryable(x->r->status))
			return 1;
		return 0;
	}
	if (idempotent && !last && !x->too_big && curl_retryable(rc))
		return 1;
	if (out_of_time && rc != CURLE_OK && !x->too_big)
		rc = CURLE_OPERATION_TIMEDOUT;   /* whatever cut the last attempt, time was up */
	return transport_error(c, rc, x, url, write && rc == CURLE_OPERATION_TIMEDOUT, err);
}

/* The one gate every URL passes before a connection is made: a method
 * that hands out secrets (the contract's denylist) is never asked for,
 * whoever builds the URL. */
static int refuse_denied(const char *url, struct ow_err *err)
{
	const char *m = as_url_denied(url);

	if (!m)
		return 0;
	return ow_err_set(err, OW_EINPUT, "refused to send a request to %s: osdwarden never calls "
	                  "methods that hand out secrets (%s); nothing was sent", m, url);
}

int http_request(struct http_client *c, const char *method, const char *url,
                 const char *json_body, bool idempotent, struct http_resp *r,
                 struct ow_err *err)
{
	bool write = strcmp(method, "GET") != 0;
	struct xfer first = { 0 };

	memset(r, 0, sizeof *r);
	if (refuse_denied(url, err) != 0)
		return OW_EINPUT;
	start_deadline(c, &first);
	for (int attempt = 1;; attempt++) {
		struct xfer x = { r, c->max_body, false, "", NULL, first.deadline, first.by_budget };
		CURLcode rc;
		int v;
		long wait;

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
		/* Never sleep past the deadline: the next attempt then times out
		 * at once and says so. */
		wait = backoff_ms(c, attempt, r->retry_after_s);
		if ((double)wait > (x.deadline - mono_s()) * 1e3)
			wait = (long)((x.deadline - mono_s()) * 1e3) + 1;
		sleep_ms(wait > 0 ? wait : 0);
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
	double deadline;          /* of this URL, all its attempts */
	bool by_budget;
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
	s->x = (struct xfer){ &s->resp, c->max_body, false, "", NULL, s->deadline, s->by_budget };
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
				struct ow_err de = { 0 };
				if (!url)
					continue;
				if (refuse_denied(url, &de) != 0) {
					struct http_resp none = { 0 };
					free(url);
					stop = done(ctx, issued++, &none, &de);
					continue;
				}
				s->url = url;
				s->index = issued++;
				s->attempt = 1;
				start_deadline(c, &s->x);
				s->deadline = s->x.deadline;
				s->by_budget = s->x.by_budget;
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
				if ((double)ms > (s->deadline - mono_s()) * 1e3)
					ms = (long)((s->deadline - mono_s()) * 1e3) + 1;
				if (ms < 0)
					ms = 0;
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

/* --- links a site hands back ------------------------------------------- */

struct url_parts {
	char *scheme, *host, *port, *path, *user;
};

static void parts_free(struct url_parts *p)
{
	curl_free(p->scheme);
	curl_free(p->host);
	curl_free(p->port);
	curl_free(p->path);
	curl_free(p->user);
	memset(p, 0, sizeof *p);
}

/* Parts of u; a part it lacks (a file: URL has no host) is NULL. */
static void parts_get(CURLU *u, struct url_parts *p)
{
	memset(p, 0, sizeof *p);
	curl_url_get(u, CURLUPART_SCHEME, &p->scheme, 0);
	curl_url_get(u, CURLUPART_HOST, &p->host, 0);
	curl_url_get(u, CURLUPART_PORT, &p->port, CURLU_DEFAULT_PORT);
	curl_url_get(u, CURLUPART_PATH, &p->path, 0);
	curl_url_get(u, CURLUPART_USER, &p->user, 0);
}

static bool same_ci(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

/* base's path, without trailing '/', followed by '/' begins path. */
static bool under_path(const char *base, const char *path)
{
	size_t n = base ? strlen(base) : 0;

	while (n && base[n - 1] == '/')
		n--;
	return path && strncasecmp(base, path, n) == 0 && path[n] == '/';
}

/* %2e, %2f, %5c in any case: the path check sees them as text, while a
 * server (IIS does) may decode them to '.', '/' and '\\' and so leave the
 * base path ("/AdminService/%2e%2e/x"). No link the service makes needs
 * them in its path. */
static bool encoded_separator(const char *link)
{
	size_t path_end = strcspn(link, "?#");

	for (size_t i = 0; i + 2 < path_end; i++)
		if (link[i] == '%' && ((link[i + 1] == '2' && strchr("eEfF", link[i + 2])) ||
		                       (link[i + 1] == '5' && strchr("cC", link[i + 2]))))
			return true;
	return false;
}

char *http_follow_url(const char *base, const char *link, struct ow_err *err)
{
	CURLU *b = curl_url(), *l = curl_url();
	struct url_parts bp = { 0 }, lp = { 0 };
	const char *why = NULL;
	char *url = NULL, *out = NULL;

	if (!b || !l) {
		ow_err_set(err, OW_EINPUT, "out of memory");
		goto done;
	}
	if (curl_url_set(b, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(l, CURLUPART_URL, base, 0) != CURLUE_OK) {
		ow_err_set(err, OW_EINPUT, "the provider URL %s does not parse", base);
		goto done;
	}
	/* Set over the base: a relative link resolves against it. */
	if (curl_url_set(l, CURLUPART_URL, link, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
		char *shown = san_str(link, 120, 0);
		ow_err_set(err, OW_ESITE, "the site's @odata.nextLink (%s) is not a URL that can be "
		           "followed from the provider %s; nothing was requested with it",
		           shown ? shown : "?", base);
		free(shown);
		goto done;
	}
	parts_get(b, &bp);
	parts_get(l, &lp);
	if (!same_ci(bp.scheme, lp.scheme))
		why = "another scheme";
	else if (!same_ci(bp.host, lp.host))
		why = "another host";
	else if (!bp.port || !lp.port || strcmp(bp.port, lp.port) != 0)
		why = "another port";
	else if (lp.user)
		why = "a user name in it";
	else if (!under_path(bp.path, lp.path))
		why = "another path";
	else if (encoded_separator(link))
		why = "an encoded dot, slash or backslash in its path, which a server may decode "
		      "into another path";
	if (why) {
		char shown[512], *clean;
		snprintf(shown, sizeof shown, "%s://%s%s%s%s", lp.scheme ? lp.scheme : "?",
		         lp.host ? lp.host : "", lp.port ? ":" : "", lp.port ? lp.port : "",
		         lp.path ? lp.path : "");
		clean = san_str(shown, 200, 0);
		ow_err_set(err, OW_ESITE, "the site's @odata.nextLink leads to %s (%s), outside the "
		           "provider %s://%s:%s%s; osdwarden follows a paging link only to the "
		           "provider's own scheme, host, port and path, so nothing was requested "
		           "there. If a proxy in front of the SMS Provider rewrites links, give "
		           "--provider as the links name it", clean ? clean : "?", why, bp.scheme,
		           bp.host ? bp.host : "", bp.port ? bp.port : "", bp.path ? bp.path : "");
		free(clean);
		goto done;
	}
	if (curl_url_get(l, CURLUPART_URL, &url, 0) != CURLUE_OK || !(out = strdup(url)))
		ow_err_set(err, OW_EINPUT, "out of memory");
done:
	curl_free(url);
	parts_free(&bp);
	parts_free(&lp);
	curl_url_cleanup(b);
	curl_url_cleanup(l);
	return out;
}

bool http_url_is_loopback(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	bool yes = false;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		struct in_addr a4;
		if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0)
			yes = true;
		else if (inet_pton(AF_INET, host, &a4) == 1)
			yes = (ntohl(a4.s_addr) >> 24) == 127;
	}
	curl_free(host);
	curl_url_cleanup(u);
	return yes;
}

int http_url_host(const char *url, char *out, size_t n)
{
	CURLU *u = curl_url();
	char *host = NULL;
	int rc = -1;

	out[0] = '\0';
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host &&
	    (size_t)snprintf(out, n, "%s", host) < n)
		rc = 0;
	if (rc != 0 && n > 0)
		out[0] = '\0';   /* no half host name: a truncated one could name another machine */
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/* libcurl's strings are released with curl_free(); the copies handed out
 * here are plain malloc() ones, so a caller never needs to know which
 * library made them. */
static char *plain_copy(char *curl_owned)
{
	char *copy = curl_owned ? strdup(curl_owned) : NULL;

	curl_free(curl_owned);
	return copy;
}

char *http_escape(const char *s)
{
	return plain_copy(curl_easy_escape(NULL, s, 0));
}

char *http_unescape(const char *s)
{
	int len = 0;
	char *plain = curl_easy_unescape(NULL, s, 0, &len);
	struct buf b = BUF_INIT;

	if (!plain)
		return NULL;
	/* A decoded NUL stays "%00": the text after it is decoded too, not
	 * cut off (a denylist reading the result must see all of it). */
	for (const char *p = plain, *end = plain + len; p < end;) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t run = nul ? (size_t)(nul - p) : (size_t)(end - p);

		buf_add(&b, p, run);
		p += run;
		if (nul) {
			buf_adds(&b, "%00");
			p++;
		}
	}
	curl_free(plain);
	return buf_detach(&b);
}

const char *http_library_versions(void)
{
	return curl_version();
}
