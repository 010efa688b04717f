#include "lab/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "lab/classes.h"
#include "lab/faults.h"
#include "lab/journal.h"
#include "lab/keys.h"
#include "lab/negotiate.h"
#include "lab/reads.h"
#include "lab/server_int.h"
#include "lab/tls.h"
#include "lab/writes.h"
#include "util/buf.h"

#define JSON_TYPE "application/json; odata.metadata=minimal; odata.streaming=true; " \
                  "IEEE754Compatible=false; charset=utf-8"
#define MAX_UPLOAD (4u << 20)

struct req {
	char *raw_uri;
	struct buf body;
	bool started;
	bool too_big;
	struct timespec t0;
	bool in_flight;             /* counted in srv->inflight */
	unsigned inflight;          /* requests being answered when it began, itself included */
};

/* --- answers ------------------------------------------------------------ */

void lab_answer_error(struct answer *a, unsigned status, const char *msg)
{
	json_t *e = json_pack("{s:{s:s,s:s}}", "error", "code", "", "message", msg);
	char code[8], *s;

	snprintf(code, sizeof code, "%u", status);
	/* The code is a string, as the real service sends it. */
	json_object_set_new(json_object_get(e, "error"), "code", json_string(code));
	s = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
	a->status = status;
	buf_reset(&a->body);
	buf_adds(&a->body, s ? s : "");
	a->type = JSON_TYPE;
	free(s);
	json_decref(e);
}

void lab_base_url(struct MHD_Connection *c, const struct lab_server *srv, struct buf *out)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	buf_addf(out, "%s://%s/AdminService", srv->cfg.plain ? "http" : "https",
	         host ? host : "localhost");
}

/* Replaces the lone-surrogate token with the escape a .NET service emits. */
static void lone_surrogates(struct buf *b)
{
	const char *tok = LAB_LONE_SURROGATE_JSON;
	size_t tn = strlen(tok);
	char *p;

	while (b->data && (p = strstr(b->data, tok)) != NULL) {
		memcpy(p, "\\udc80", 6);
		memmove(p + 6, p + tn, b->len - (size_t)(p - b->data) - tn + 1);
		b->len -= tn - 6;
	}
}

void lab_answer_json(struct answer *a, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

	buf_reset(&a->body);
	buf_adds(&a->body, s ? s : "{}");
	free(s);
	lone_surrogates(&a->body);
	a->type = JSON_TYPE;
}

/* --- routing ------------------------------------------------------------- */

static bool denied(const struct lab_server *srv, const char *cls)
{
	const char *p = srv->cfg.deny;
	size_t n = strlen(cls);

	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncasecmp(p, cls, n) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* The handler writes.c lists for a write on an instance of cls, or NULL. */
static lab_instance_write *write_route(const char *method, const struct lab_class *cls)
{
	for (const struct lab_write_route *r = lab_write_routes; r->handler; r++)
		if (strcmp(method, r->method) == 0 && cls == lab_class_find(r->cls))
			return r->handler;
	return NULL;
}

/* The handler writes.c lists for the method Class.Method, or NULL. */
static lab_method_call *call_route(const char *cls, const char *method)
{
	for (const struct lab_call_route *r = lab_call_routes; r->handler; r++)
		if (strcasecmp(cls, r->cls) == 0 && strcasecmp(method, r->method) == 0)
			return r->handler;
	return NULL;
}

void lab_route(struct lab_server *srv, struct MHD_Connection *c, const char *method,
               const char *path, const char *query, const char *upload,
               const struct lab_fault *fault, struct answer *a)
{
	static const char prefix[] = "/AdminService/";
	struct lab_target t;
	const struct lab_class *cls;
	json_t *body = NULL;
	bool is_get = strcmp(method, "GET") == 0;

	if (strncasecmp(path, prefix, sizeof prefix - 1) != 0) {
		lab_answer_error(a, 404, "Not an AdminService URL.");
		return;
	}
	path += sizeof prefix - 1;
	if (strcasecmp(path, "wmi/$metadata") == 0 || strcasecmp(path, "v1.0/$metadata") == 0) {
		if (!is_get) {
			lab_answer_error(a, 405, "Method not allowed.");
			return;
		}
		lab_class_metadata(srv->site, &a->body, path[0] == 'v' ? "v1.0" : "wmi",
		                   srv->cfg.metadata_without);
		a->status = 200;
		a->type = "application/xml";
		return;
	}
	char counted[200];
	bool count_only = false;
	size_t plen = strlen(path);
	if (plen > 11 && plen - 7 < sizeof counted && strncasecmp(path, "wmi/", 4) == 0 &&
	    strcasecmp(path + plen - 7, "/$count") == 0) {
		memcpy(counted, path, plen - 7);
		counted[plen - 7] = '\0';
		path = counted;
		count_only = true;
	}
	if (strncasecmp(path, "wmi/", 4) != 0 || lab_keys_parse_target(path + 4, &t) != 0 ||
	    (count_only && (t.has_key || t.has_method))) {
		lab_answer_error(a, 404, "No such resource.");
		return;
	}
	/* What --metadata-without took out of $metadata, the lab does not
	 * serve either: a site that does not expose a class or method. */
	{
		char full[200];
		snprintf(full, sizeof full, "%s%s%s", t.cls, t.has_method ? "." : "", t.method);
		if (lab_site_hidden(srv->cfg.metadata_without, full)) {
			lab_answer_error(a, 404, t.has_method ? "No such method." : "No such class.");
			return;
		}
	}

	if (upload && *upload && !(body = json_loads(upload, 0, NULL))) {
		lab_answer_error(a, 400, "The request body is not valid JSON.");
		return;
	}
	if (t.has_method) {
		lab_method_call *call = call_route(t.cls, t.method);
		if (strcmp(method, "POST") != 0)
			lab_answer_error(a, 405, "Methods are called with POST.");
		else if (call)
			call(srv, c, body, a);
		else
			lab_answer_error(a, 404, "No such method.");
		json_decref(body);
		return;
	}
	cls = lab_class_find(t.cls);
	if (!cls) {
		lab_answer_error(a, 404, "No such class.");
		json_decref(body);
		return;
	}
	if (denied(srv, lab_class_name(cls))) {
		/* A role without rights on this class: the service says 404. */
		buf_reset(&a->body);
		buf_adds(&a->body, "{\"error\":{\"code\":\"404\",\"message\":\"Access denied  WMI QUERY: \"}}");
		a->status = 404;
		a->type = JSON_TYPE;
		json_decref(body);
		return;
	}
	if (!t.has_key) {
		if (is_get && count_only)
			lab_reads_count(srv, cls, query, a);
		else if (is_get)
			lab_reads_collection(srv, c, cls, query, fault, a);
		else
			lab_answer_error(a, 405, "Only GET is served on a collection.");
		json_decref(body);
		return;
	}
	unsigned forms = srv->cfg.key_forms && lab_class_nkeys(cls) > 1
	                         ? srv->cfg.key_forms : LAB_KEY_PARENS | LAB_KEY_SEGMENTS;
	if (t.segments && !(forms & LAB_KEY_SEGMENTS)) {
		lab_answer_error(a, 404, "No such resource.");
		json_decref(body);
		return;
	}
	struct buf etag = BUF_INIT;
	long i = (t.segments ? lab_keys_parse_segments(cls, t.key, &etag)
	                     : forms & LAB_KEY_PARENS ? lab_keys_parse(cls, t.key, &etag) : -1) == 0
	                 ? lab_keys_lookup(srv, cls, buf_str(&etag)) : -2;
	lab_instance_write *change;
	buf_free(&etag);
	if (i == -2)
		lab_answer_error(a, 400, "The key in the URL is not valid for this class.");
	else if (i < 0)
		lab_answer_error(a, 404, "No instance with that key.");
	else if (is_get)
		lab_reads_instance(srv, c, cls, i, a);
	else if ((change = write_route(method, cls)) != NULL)
		change(srv, (size_t)i, body, a);
	else
		lab_answer_error(a, 405, "This operation is not supported on this class.");
	json_decref(body);
}

/* --- HTTP plumbing ------------------------------------------------------ */

struct trickle {
	char *data;
	size_t len, pos, stop;     /* stop < len: drop the connection there */
	unsigned delay_ms;         /* per chunk */
};

static ssize_t trickle_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct trickle *t = cls;
	size_t n;

	(void)pos;
	if (t->pos >= t->stop)
		return t->stop < t->len ? MHD_CONTENT_READER_END_WITH_ERROR
		                        : MHD_CONTENT_READER_END_OF_STREAM;
	n = t->stop - t->pos;
	if (n > max)
		n = max;
	if (t->delay_ms) {
		if (n > 4096)
			n = 4096;
		usleep(t->delay_ms * 1000u);
	}
	memcpy(out, t->data + t->pos, n);
	t->pos += n;
	return (ssize_t)n;
}

static void trickle_free(void *cls)
{
	struct trickle *t = cls;
	free(t->data);
	free(t);
}

static void log_request(struct lab_server *srv, struct req *r, const char *method,
                        const char *user, unsigned status, size_t bytes,
                        const struct lab_fault *fault)
{
	struct timespec t1;
	const char *q;
	json_t *j;
	char *line, *path;
	double ms;

	if (!srv->log)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - r->t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e6;
	q = strchr(r->raw_uri ? r->raw_uri : "", '?');
	path = strndup(r->raw_uri ? r->raw_uri : "", q ? (size_t)(q - r->raw_uri) : strlen(r->raw_uri ? r->raw_uri : ""));
	/* at: when it began, in ms since the lab started */
	j = json_pack("{s:s,s:s,s:s,s:i,s:I,s:f,s:s?,s:s,s:f,s:i}", "method", method,
	              "path", path ? path : "", "query", q ? q + 1 : "", "status", (int)status,
	              "bytes", (json_int_t)bytes, "ms", ms, "user", user,
	              "fault", lab_fault_name(fault->kind),
	              "at", (double)(r->t0.tv_sec - srv->started.tv_sec) * 1e3 +
	                    (double)(r->t0.tv_nsec - srv->started.tv_nsec) / 1e6,
	              "inflight", (int)r->inflight);
	line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	pthread_mutex_lock(&srv->log_lock);
	if (line)
		fprintf(srv->log, "%s\n", line);
	fflush(srv->log);
	pthread_mutex_unlock(&srv->log_lock);
	free(line);
	free(path);
	json_decref(j);
}

static enum MHD_Result send_answer(struct MHD_Connection *c, struct answer *a,
                                   const struct lab_fault *fault, bool srv_basic, size_t *sent)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;
	size_t len = a->body.len;
	char *data = buf_detach(&a->body);

	if (!data)
		return MHD_NO;
	*sent = len;
	if (fault->kind == FAULT_BADJSON && a->status == 200 && len > 2) {
		/* Keep the start, end in the middle of a token. */
		size_t cut = len / 2 + 1;
		memcpy(data + cut - 1, "\"", 1);
		data[cut] = '\0';
		len = cut;
		*sent = len;
	}
	if (fault->kind == FAULT_SLOW || fault->kind == FAULT_TRUNCATE) {
		struct trickle *t = calloc(1, sizeof *t);
		if (!t) {
			free(data);
			return MHD_NO;
		}
		t->data = data;
		t->len = len;
		t->stop = fault->kind == FAULT_TRUNCATE ? len / 2 : len;
		t->delay_ms = fault->kind == FAULT_SLOW
		                      ? (unsigned)(fault->ms / (len / 4096 + 1)) : 0;
		resp = MHD_create_response_from_callback(len, 4096, trickle_read, t, trickle_free);
	} else {
		resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	}
	if (!resp)
		return MHD_NO;
	if (a->type)
		MHD_add_response_header(resp, "Content-Type", a->type);
	MHD_add_response_header(resp, "OData-Version", "4.0");
	if (a->retry_after) {
		char v[16];
		snprintf(v, sizeof v, "%d", a->retry_after);
		MHD_add_response_header(resp, "Retry-After", v);
	}
	if (a->www_auth) {
		/* What the lab offers is what it accepts: the real service offers
		 * Negotiate only; Basic exists in the lab alone. */
		MHD_add_response_header(resp, "WWW-Authenticate",
		                        srv_basic ? "Basic realm=\"AdminService\"" : "Negotiate");
	} else if (a->nego_reply) {
		char *v = malloc(strlen(a->nego_reply) + 11);
		if (v) {
			sprintf(v, "Negotiate %s", a->nego_reply);
			MHD_add_response_header(resp, "WWW-Authenticate", v);
			free(v);
		}
	}
	rc = MHD_queue_response(c, a->status, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* A principal "name@REALM" is the lab's user when the configured name is
 * the whole principal or, without a realm, its name part. */
static bool principal_is(const char *principal, const char *want)
{
	size_t n = strlen(want);

	if (!want || !*want)
		return false;
	if (strcmp(principal, want) == 0)
		return true;
	return !strchr(want, '@') && strncmp(principal, want, n) == 0 && principal[n] == '@';
}

/* Negotiate, once per request. A principal the KDC vouches for but the
 * lab does not know is treated as an account without a role (the real
 * service: authenticated, no Configuration Manager role, 404). */
static int authenticate_negotiate(struct lab_server *srv, struct MHD_Connection *c,
                                  char **user, char **reply, bool *challenge)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	char why[400], *principal = NULL;
	enum lab_nego r = lab_negotiate_check(srv->nego, h, &principal, reply, why, sizeof why);
	int who;

	*challenge = r == LAB_NEGO_ABSENT;
	if (r == LAB_NEGO_NTLM || r == LAB_NEGO_FAILED) {
		/* The lab's log (stderr), as AdminService.log would say it. */
		fprintf(stderr, "osdwarden-lab: 401: %s\n", why);
		return 0;
	}
	if (r != LAB_NEGO_OK)
		return 0;
	who = principal_is(principal, srv->cfg.user) ? 1 : 2;
	*user = principal;
	return who;
}

/* Who is asking: 1 = the lab's user, 2 = the role-less user, 0 = nobody.
 * *user is to be freed with free(). *challenge: the request carried no
 * credentials at all (the first leg of Negotiate). */
static int authenticate(struct lab_server *srv, struct MHD_Connection *c, char **user,
                        char **reply, bool *challenge)
{
	char *pass = NULL, *name;
	const char *hdr;
	int who = 0;

	*user = NULL;
	*reply = NULL;
	*challenge = false;
	if (srv->cfg.auth_none)
		return 1;
	if (srv->nego)
		return authenticate_negotiate(srv, c, user, reply, challenge);
	hdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	*challenge = !hdr;
	if (hdr && strncasecmp(hdr, "NTLM", 4) == 0 && (hdr[4] == ' ' || hdr[4] == '\0')) {
		fprintf(stderr, "osdwarden-lab: 401: Rejecting NTLM authentication. "
		        "(Authorization: NTLM)\n");
		return 0;
	}
	name = MHD_basic_auth_get_username_password(c, &pass);
	if (name) {
		*user = strdup(name);
		MHD_free(name);
	}
	if (*user && pass && strcmp(pass, srv->cfg.password) == 0) {
		if (strcmp(*user, srv->cfg.user) == 0)
			who = 1;
		else if (srv->cfg.norole_user && strcmp(*user, srv->cfg.norole_user) == 0)
			who = 2;
	}
	if (pass) {
		memset(pass, 0, strlen(pass));
		MHD_free(pass);
	}
	return who;
}

/* A provider's pace (--latency, --rows-per-s): this connection's thread
 * waits before the first byte; others are not held up. */
static void pace(const struct lab_server *srv, const struct answer *a)
{
	long long us = srv->cfg.latency_ms * 1000LL;
	struct timespec t;

	if (srv->cfg.rows_per_s > 0)
		us += (long long)a->rows * 1000000LL / srv->cfg.rows_per_s;
	if (us <= 0)
		return;
	t.tv_sec = (time_t)(us / 1000000);
	t.tv_nsec = (long)(us % 1000000) * 1000;
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

/* Requests being answered at once (the log's "inflight": how many were
 * when a request began). A request stops counting before its answer is
 * queued, so the client cannot have had it yet: the figure never exceeds
 * what the client had in flight. */
static void inflight_begin(struct lab_server *srv, struct req *r)
{
	pthread_mutex_lock(&srv->lock);
	r->inflight = ++srv->inflight;
	r->in_flight = true;
	pthread_mutex_unlock(&srv->lock);
}

static void inflight_end(struct lab_server *srv, struct req *r)
{
	if (!r->in_flight)
		return;
	pthread_mutex_lock(&srv->lock);
	srv->inflight--;
	r->in_flight = false;
	pthread_mutex_unlock(&srv->lock);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
	struct lab_server *srv = cls;
	struct req *r = *con_cls;
	struct answer a = { 0, BUF_INIT, NULL, 0, false, NULL, 0 };
	struct lab_fault fault;
	const char *query;
	char *user = NULL;
	size_t sent = 0;
	enum MHD_Result rc;
	bool challenge;
	int who;

	(void)version;
	if (!r)
		return MHD_NO;
	if (!r->started) {
		r->started = true;
		return MHD_YES;
	}
	if (*upload_size) {
		if (r->body.len + *upload_size > MAX_UPLOAD)
			r->too_big = true;
		else
			buf_add(&r->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	query = strchr(r->raw_uri ? r->raw_uri : "", '?');
	query = query ? query + 1 : "";
	inflight_begin(srv, r);

	who = authenticate(srv, c, &user, &a.nego_reply, &challenge);
	/* A request with no credentials at all is the challenge leg of
	 * Negotiate (401, then the same request with a token): it is logged
	 * but neither counted nor faulted, so that `@req=N` names the Nth
	 * request that carried credentials, whatever the auth mode. */
	memset(&fault, 0, sizeof fault);
	if (!(challenge && who == 0)) {
		pthread_mutex_lock(&srv->lock);
		fault = lab_faults_pick(&srv->faults, ++srv->requests, url, query);
		pthread_mutex_unlock(&srv->lock);
	}
	if (fault.kind == FAULT_RESET) {
		inflight_end(srv, r);
		log_request(srv, r, method, user, 0, 0, &fault);
		free(user);
		free(a.nego_reply);
		return MHD_NO;
	}
	if (who == 0 || fault.kind == FAULT_401) {
		/* Anonymous or wrong password: 401 with an empty body. */
		a.status = 401;
		a.www_auth = true;
	} else if (who == 2 || (srv->cfg.deny_writes && strcmp(method, "GET") != 0)) {
		a.status = 404;
		buf_adds(&a.body, "{\"error\":{\"code\":\"404\",\"message\":\"Access denied  WMI QUERY: \"}}");
		a.type = JSON_TYPE;
	} else if (fault.kind == FAULT_500 || fault.kind == FAULT_503 || fault.kind == FAULT_429) {
		lab_answer_error(&a, fault.kind == FAULT_500 ? 500 : fault.kind == FAULT_503 ? 503 : 429,
		            "Injected fault.");
		if (fault.kind != FAULT_500)
			a.retry_after = 1;
	} else if (r->too_big) {
		lab_answer_error(&a, 413, "The request body is too large.");
	} else {
		bool write = strcmp(method, "GET") != 0;
		pthread_mutex_lock(&srv->lock);
		lab_route(srv, c, method, url, query, buf_str(&r->body), &fault, &a);
		if (write && a.status >= 200 && a.status < 300)
			lab_journal_add(srv, method, url, buf_str(&r->body));
		pthread_mutex_unlock(&srv->lock);
		if (fault.kind == FAULT_LOST) {
			/* Done, but the answer never leaves: the client cannot know. */
			inflight_end(srv, r);
			log_request(srv, r, method, user, a.status, 0, &fault);
			buf_free(&a.body);
			free(user);
			free(a.nego_reply);
			return MHD_NO;
		}
	}
	pace(srv, &a);
	if (a.www_auth) {
		/* A refused token gets no mutual-authentication reply. */
		free(a.nego_reply);
		a.nego_reply = NULL;
	}
	inflight_end(srv, r);
	rc = send_answer(c, &a, &fault, srv->cfg.auth_basic, &sent);
	log_request(srv, r, method, user, a.status, sent, &fault);
	buf_free(&a.body);
	free(user);
	free(a.nego_reply);
	return rc;
}

static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct req *r = calloc(1, sizeof *r);

	(void)cls;
	(void)c;
	if (r) {
		/* The raw URI: query options are parsed by us, escapes and all. */
		r->raw_uri = strdup(uri);
		clock_gettime(CLOCK_MONOTONIC, &r->t0);
	}
	return r;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (r) {
		inflight_end(cls, r);   /* a request cut off while it was answered */
		free(r->raw_uri);
		buf_free(&r->body);
		free(r);
		*con_cls = NULL;
	}
}

int lab_server_start(struct lab_site *site, const struct lab_config *cfg,
                     struct lab_server **out, char *err, size_t errlen)
{
	struct lab_server *srv = calloc(1, sizeof *srv);
	struct sockaddr_in sa = { 0 };
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
	                 MHD_USE_POLL;
	const union MHD_DaemonInfo *info;

	*out = NULL;
	if (!srv) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	srv->site = site;
	srv->cfg = *cfg;
	clock_gettime(CLOCK_MONOTONIC, &srv->started);
	srv->page_max_set = srv->cfg.page_max > 0;
	if (srv->cfg.page_max <= 0)
		srv->cfg.page_max = 1000;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_mutex_init(&srv->log_lock, NULL);
	srv->journal = json_array();
	if (lab_faults_parse(cfg->faults, site->seed, &srv->faults, err, errlen) != 0)
		goto fail;
	if (lab_journal_replay(srv, err, errlen) != 0)
		goto fail;
	if (!cfg->auth_none && !cfg->auth_basic &&
	    lab_negotiate_open(cfg->keytab, &srv->nego, err, errlen) != 0)
		goto fail;
	if (cfg->log_path && !(srv->log = fopen(cfg->log_path, "a"))) {
		snprintf(err, errlen, "cannot open the log %s: %s", cfg->log_path, strerror(errno));
		goto fail;
	}
	if (!cfg->plain) {
		if (lab_tls_generate(&srv->tls, err, errlen) != 0)
			goto fail;
		if (cfg->ca_out) {
			FILE *f = fopen(cfg->ca_out, "w");
			if (!f || fputs(srv->tls.ca_pem, f) < 0 || fclose(f) != 0) {
				snprintf(err, errlen, "cannot write the CA to %s: %s", cfg->ca_out,
				         strerror(errno));
				goto fail;
			}
		}
		flags |= MHD_USE_TLS;
	}
	sa.sin_family = AF_INET;
	sa.sin_port = htons(cfg->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (cfg->plain)
		srv->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, srv,
		                          MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		                          MHD_OPTION_URI_LOG_CALLBACK, uri_logger, srv,
		                          MHD_OPTION_NOTIFY_COMPLETED, completed, srv,
		                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
		                          MHD_OPTION_END);
	else
		srv->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, srv,
		                          MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		                          MHD_OPTION_URI_LOG_CALLBACK, uri_logger, srv,
		                          MHD_OPTION_NOTIFY_COMPLETED, completed, srv,
		                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
		                          MHD_OPTION_HTTPS_MEM_KEY, srv->tls.key_pem,
		                          MHD_OPTION_HTTPS_MEM_CERT, srv->tls.cert_pem,
		                          MHD_OPTION_END);
	if (!srv->d) {
		snprintf(err, errlen, "cannot listen on 127.0.0.1:%u (in use, or TLS unsupported)",
		         (unsigned)cfg->port);
		goto fail;
	}
	info = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : cfg->port;
	*out = srv;
	return 0;
fail:
	lab_server_stop(srv);
	return -1;
}

uint16_t lab_server_port(const struct lab_server *srv)
{
	return srv->port;
}

void lab_server_stop(struct lab_server *srv)
{
	if (!srv)
		return;
	if (srv->d)
		MHD_stop_daemon(srv->d);
	lab_keys_free(srv);
	if (srv->log)
		fclose(srv->log);
	json_decref(srv->journal);
	lab_reads_free(srv);
	lab_negotiate_close(srv->nego);
	lab_tls_free(&srv->tls);
	pthread_mutex_destroy(&srv->lock);
	pthread_mutex_destroy(&srv->log_lock);
	free(srv);
}
