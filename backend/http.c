/* The HTTPS client (backend/http_int.h names the other parts): the
 * options of a client and of each transfer (https only, TLS verified, no
 * redirect followed, the provider kept off the environment's proxy), the
 * authentication modes, what a failed transfer means in words an operator
 * can act on, and the retry policy: idempotent requests only, with backoff
 * and jitter, within the request's deadline. */
#include "backend/http.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "backend/adminservice.h"
#include "backend/http_int.h"
#include "util/secret.h"

double hx_mono_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

double http_clock(void)
{
	return hx_mono_s();
}


double hx_pace_at(const struct http_client *c)
{
	if (c->pace_n < c->pace_cap)
		return 0;
	return c->pace[c->pace_head] + 1.0;
}

void hx_pace_note(struct http_client *c, double t)
{
	if (c->pace_n < c->pace_cap) {
		c->pace[(c->pace_head + c->pace_n++) % c->pace_cap] = t;
		return;
	}
	c->pace[c->pace_head] = t;
	c->pace_head = (c->pace_head + 1) % c->pace_cap;
}

static bool wait_or_stop(struct http_client *c, bool stoppable, long ms, double *asked);

/* Waits until a request may begin under max_rate, and notes it; true,
 * and nothing noted, when the operator stopped it meanwhile (a --rate of
 * 1 may hold a request back for a second). */
static bool pace_wait(struct http_client *c, bool stoppable, double *asked)
{
	double at = hx_pace_at(c), now = hx_mono_s();

	if (at > now) {
		if (wait_or_stop(c, stoppable, (long)((at - now) * 1e3) + 1, asked))
			return true;
		now = hx_mono_s();
	}
	hx_pace_note(c, now);
	return false;
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
	c->budget_what = "";
	c->pace_cap = (size_t)(c->o.max_rate > 0 ? c->o.max_rate : HTTP_MAX_RATE);
	if (!(c->pace = calloc(c->pace_cap, sizeof *c->pace))) {
		free(c);
		return ow_err_set(err, OW_EINPUT, "out of memory");
	}
	c->rng = o->seed ? o->seed : (unsigned long)time(NULL) ^ (unsigned long)(uintptr_t)c;
	if (o->secret && !(c->secret = strdup(o->secret))) {
		free(c->pace);
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
	if (c->single)
		curl_multi_cleanup(c->single);
	secret_free(c->secret);
	free(c->pace);
	free(c);
}

void http_client_set_max_body(struct http_client *c, size_t max_body)
{
	c->max_body = max_body ? max_body : c->o.max_body;
}

void http_client_set_budget(struct http_client *c, long seconds, const char *what)
{
	bool on = seconds > 0;

	c->budget_end = on ? hx_mono_s() + (double)seconds : 0;
	c->budget_s = on ? seconds : 0;
	c->budget_what = on && what ? what : "";
}

void hx_start_deadline(const struct http_client *c, struct xfer *x)
{
	x->deadline = hx_mono_s() + (double)c->o.timeout_s;
	x->by_budget = false;
	if (c->budget_end > 0 && c->budget_end <= x->deadline) {
		x->deadline = c->budget_end;
		x->by_budget = true;
	}
	x->what = c->budget_what;
	x->budget_s = c->budget_s;
}

void http_resp_free(struct http_resp *r)
{
	buf_free(&r->body);
}

void hx_resp_reset(struct http_resp *r)
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

void hx_setup(struct http_client *c, CURL *h, const char *method, const char *url,
              const char *body, struct xfer *x)
{
	/* https only (plain http only in the lab's explicit test mode), on
	 * every URL whatever its source: a scheme a site slips into a link
	 * (gopher, file, ...) is refused by libcurl itself. */
	const char *proto = c->o.insecure & HTTP_PLAIN_TEST_LAB ? "http" : "https";
	double left_ms = (x->deadline - hx_mono_s()) * 1e3;
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
			                  "slow, raise --timeout S", url, x->what, x->budget_s,
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

long hx_retry_wait_ms(struct http_client *c, int attempt, long retry_after_s, double deadline)
{
	long ms = backoff_ms(c, attempt, retry_after_s);
	double left_ms = (deadline - HX_DEADLINE_SLACK_S - hx_mono_s()) * 1e3;

	/* The retry begins before the deadline, with what is left: what
	 * arrives in that time is in time, and what does not fails as the
	 * timeout it is. */
	if ((double)ms > left_ms)
		ms = (long)left_ms;
	return ms > 0 ? ms : 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

bool hx_stop_asked(struct http_client *c, double *asked)
{
	double t = hx_mono_s();

	if (c->stopped)
		return true;
	if (t - *asked < HX_STOP_EVERY_MS / 1e3)
		return false;
	*asked = t;
	/* Held: the console's Esc is one key press, read once, and a caller
	 * that takes a stopped request for "not readable" and goes on (the
	 * capabilities) must meet the stop again at its next request. */
	c->stopped = c->o.stop(c->o.stop_ctx) != 0;
	return c->stopped;
}

bool http_client_stopped(const struct http_client *c)
{
	return c->stopped;
}

/* The wait before a retry, a piece at a time while it may be stopped: a
 * Retry-After may ask for a minute. True when stopped. */
static bool wait_or_stop(struct http_client *c, bool stoppable, long ms, double *asked)
{
	if (!stoppable) {
		sleep_ms(ms);
		return false;
	}
	for (double end = hx_mono_s() + (double)ms / 1e3;;) {
		double left_ms = (end - hx_mono_s()) * 1e3;
		if (hx_stop_asked(c, asked))
			return true;
		if (left_ms <= 0)
			return false;
		sleep_ms(left_ms < HX_STOP_EVERY_MS ? (long)left_ms + 1 : HX_STOP_EVERY_MS);
	}
}

/* One attempt on the client's handle. A stoppable one runs on a multi
 * handle of its own (not the one http_get_many drives: its completions
 * must stay its own) so that the stop is asked while the site holds the
 * request; libcurl's progress callback can go a second between calls. */
static CURLcode perform(struct http_client *c, bool stoppable, double *asked, bool *stopped)
{
	CURLcode rc = CURLE_OK;
	bool done = false;

	*stopped = false;
	if (!stoppable)
		return curl_easy_perform(c->easy);
	if (!c->single && !(c->single = curl_multi_init()))
		return CURLE_OUT_OF_MEMORY;
	if (curl_multi_add_handle(c->single, c->easy) != CURLM_OK)
		return CURLE_FAILED_INIT;
	while (!done) {
		int running = 0, left;
		CURLMsg *m;

		if (curl_multi_perform(c->single, &running) != CURLM_OK) {
			rc = CURLE_FAILED_INIT;
			break;
		}
		while ((m = curl_multi_info_read(c->single, &left)) != NULL) {
			if (m->msg == CURLMSG_DONE && m->easy_handle == c->easy) {
				rc = m->data.result;
				done = true;
			}
		}
		if (done)
			break;
		if (hx_stop_asked(c, asked)) {
			*stopped = true;
			break;
		}
		curl_multi_poll(c->single, NULL, 0, HX_STOP_EVERY_MS, NULL);
	}
	curl_multi_remove_handle(c->single, c->easy);
	return rc;
}

int hx_stopped_by_operator(const char *url, struct ow_err *err)
{
	return ow_err_set(err, OW_EINPUT, "%s: stopped by the operator", url);
}

void hx_finish(CURL *h, struct xfer *x)
{
	curl_off_t ra = -1;

	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &x->r->status);
	if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
		x->r->retry_after_s = (long)ra;
	curl_slist_free_all(x->headers);
	x->headers = NULL;
}

bool hx_out_of_time(double deadline)
{
	return hx_mono_s() >= deadline - HX_DEADLINE_SLACK_S;
}

/* No retry once the request's time is up, or all but (hx_out_of_time). */
int hx_verdict(struct http_client *c, CURLcode rc, struct xfer *x, const char *url,
               bool idempotent, int attempt, bool write, struct ow_err *err)
{
	bool out_of_time = hx_out_of_time(x->deadline);
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
int hx_refuse_denied(const char *url, struct ow_err *err)
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
	/* Only a request that may be repeated may be stopped: a write cut off
	 * half sent may still be applied, so it runs to its answer. */
	bool stoppable = !write && idempotent && c->o.stop;
	double asked = 0;
	struct xfer first = { 0 };

	memset(r, 0, sizeof *r);
	if (hx_refuse_denied(url, err) != 0)
		return OW_EINPUT;
	if (stoppable && c->stopped)
		return hx_stopped_by_operator(url, err);   /* nothing is sent */
	/* The wait for the rate before the first attempt is not the site's
	 * time: the deadline runs from when the request begins. */
	if (pace_wait(c, stoppable, &asked))
		return hx_stopped_by_operator(url, err);
	hx_start_deadline(c, &first);
	for (int attempt = 1;; attempt++) {
		struct xfer x = { r, c->max_body, false, "", NULL, first.deadline, first.by_budget,
		                  first.what, first.budget_s };
		CURLcode rc;
		bool stopped;
		int v;

		if (attempt > 1) {
			if (pace_wait(c, stoppable, &asked))
				return hx_stopped_by_operator(url, err);
			/* The rate held the retry to the deadline: it is not begun. */
			if (hx_out_of_time(x.deadline))
				return hx_verdict(c, CURLE_OPERATION_TIMEDOUT, &x, url, idempotent, attempt,
				                  write, err);
		}
		hx_resp_reset(r);
		r->attempts = attempt;
		hx_setup(c, c->easy, method, url, json_body, &x);
		/* A request that must not be repeated gets a connection of its
		 * own: on a kept-alive connection the server closed, libcurl
		 * itself resends the request, which for a write is exactly the
		 * blind retry we must never make (the lab's "lost" fault). */
		curl_easy_setopt(c->easy, CURLOPT_FRESH_CONNECT, idempotent ? 0L : 1L);
		curl_easy_setopt(c->easy, CURLOPT_FORBID_REUSE, idempotent ? 0L : 1L);
		rc = perform(c, stoppable, &asked, &stopped);
		hx_finish(c->easy, &x);
		if (stopped) {
			hx_resp_reset(r);   /* what arrived of it is no answer */
			return hx_stopped_by_operator(url, err);
		}
		v = hx_verdict(c, rc, &x, url, idempotent, attempt, write, err);
		if (v != 1)
			return v;
		if (wait_or_stop(c, stoppable, hx_retry_wait_ms(c, attempt, r->retry_after_s,
		                                                x.deadline), &asked))
			return hx_stopped_by_operator(url, err);
	}
}
