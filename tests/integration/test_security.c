/* The security suite: the real `osdwarden sync` against small stand-in
 * servers on loopback that do what a hostile or broken site would do --
 * paging links to another scheme, host, port or path, plain HTTP, a
 * certificate from the wrong CA, for another name or expired, NUL bytes in
 * strings, a page larger than asked for, a server that answers a byte at a
 * time. Each case asserts its exact outcome: the exit code, the key words
 * of the message, what was stored, and that nothing reached a server it
 * must not reach. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <jansson.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "support/testutil.h"
#include "backend/adminservice.h"
#include "backend/http.h"

#define PASSWORD "standin-pw-9f3a"

static char *g_dir;

/* --- a throwaway PKI -------------------------------------------------- */

/* A CA and one server certificate it signed, for the names and validity
 * asked; the CA's PEM is written to ca_path. */
struct pki {
	char ca_path[PATH_MAX];
	char *cert_pem, *key_pem;
};

static char *datum_dup(gnutls_datum_t *d)
{
	char *s = malloc(d->size + 1);

	assert_non_null(s);
	memcpy(s, d->data, d->size);
	s[d->size] = '\0';
	gnutls_free(d->data);
	return s;
}

static void new_key(gnutls_x509_privkey_t *k)
{
	assert_true(gnutls_x509_privkey_init(k) >= 0);
	assert_true(gnutls_x509_privkey_generate(*k, GNUTLS_PK_ECDSA,
	            GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) >= 0);
}

static void new_cert(gnutls_x509_crt_t *c, gnutls_x509_privkey_t key, const char *cn,
                     unsigned char serial, time_t from, time_t until)
{
	unsigned char ser[4] = { 0x53, 0x45, (unsigned char)(time(NULL) & 0xff), serial };

	assert_true(gnutls_x509_crt_init(c) >= 0);
	assert_true(gnutls_x509_crt_set_version(*c, 3) >= 0);
	assert_true(gnutls_x509_crt_set_serial(*c, ser, sizeof ser) >= 0);
	assert_true(gnutls_x509_crt_set_activation_time(*c, from) >= 0);
	assert_true(gnutls_x509_crt_set_expiration_time(*c, until) >= 0);
	assert_true(gnutls_x509_crt_set_dn_by_oid(*c, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
	                                          (unsigned)strlen(cn)) >= 0);
	assert_true(gnutls_x509_crt_set_key(*c, key) >= 0);
}

/* The server certificate names "localhost" and 127.0.0.1 only. */
static void pki_make(struct pki *p, const char *name, time_t from, time_t until)
{
	static const unsigned char loopback[4] = { 127, 0, 0, 1 };
	gnutls_x509_privkey_t ca_key, key;
	gnutls_x509_crt_t ca, crt;
	gnutls_datum_t d;
	time_t now = time(NULL);
	char *ca_pem;
	FILE *f;

	new_key(&ca_key);
	new_cert(&ca, ca_key, name, 1, now - 86400, now + 30 * 86400);
	assert_true(gnutls_x509_crt_set_basic_constraints(ca, 1, 0) >= 0);
	assert_true(gnutls_x509_crt_set_key_usage(ca, GNUTLS_KEY_KEY_CERT_SIGN) >= 0);
	assert_true(gnutls_x509_crt_sign2(ca, ca, ca_key, GNUTLS_DIG_SHA256, 0) >= 0);
	new_key(&key);
	new_cert(&crt, key, "localhost", 2, from, until);
	assert_true(gnutls_x509_crt_set_basic_constraints(crt, 0, -1) >= 0);
	assert_true(gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE) >= 0);
	assert_true(gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0) >= 0);
	assert_true(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
	                                                 GNUTLS_FSAN_APPEND) >= 0);
	assert_true(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, loopback, 4,
	                                                 GNUTLS_FSAN_APPEND) >= 0);
	assert_true(gnutls_x509_crt_sign2(crt, ca, ca_key, GNUTLS_DIG_SHA256, 0) >= 0);
	assert_true(gnutls_x509_crt_export2(ca, GNUTLS_X509_FMT_PEM, &d) >= 0);
	ca_pem = datum_dup(&d);
	assert_true(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d) >= 0);
	p->cert_pem = datum_dup(&d);
	assert_true(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &d) >= 0);
	p->key_pem = datum_dup(&d);
	snprintf(p->ca_path, sizeof p->ca_path, "%s/%s-ca.pem", g_dir, name);
	f = fopen(p->ca_path, "w");
	assert_non_null(f);
	fputs(ca_pem, f);
	assert_int_equal(fclose(f), 0);
	free(ca_pem);
	gnutls_x509_crt_deinit(ca);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(ca_key);
	gnutls_x509_privkey_deinit(key);
}

static void pki_free(struct pki *p)
{
	free(p->cert_pem);
	free(p->key_pem);
}

/* --- the stand-in AdminService ----------------------------------------- */

/* Answers every class with an empty page unless page() says otherwise, and
 * counts what it was asked. */
struct standin {
	struct MHD_Daemon *d;
	char host[64];
	uint16_t port;
	char origin[128];              /* scheme://host:port */
	pthread_mutex_t mu;
	int requests;                  /* every request */
	int wrong_host;                /* Host header not host:port */
	int outside_base;              /* path not under /AdminService/ */
	int with_auth;                 /* requests that carried Authorization */
	/* The body for a class (new string), or NULL for an empty page. */
	char *(*page)(struct standin *s, const char *cls, const char *skip);
	const char *link;              /* for page(): the nextLink to hand out */
	bool drip;                     /* send "{" then a space every 50 ms, forever */
	size_t bulk_bytes;             /* for the bulk page: its size */
	size_t bulk_sent;              /* bytes handed to MHD so far */
};

static ssize_t drip_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	(void)max;
	if (pos > 0) {
		struct timespec ts = { 0, 50 * 1000000L };
		nanosleep(&ts, NULL);
	}
	buf[0] = pos == 0 ? '{' : ' ';
	return pos > 20000 ? MHD_CONTENT_READER_END_WITH_ERROR : 1;
}

/* A page of `bulk_bytes`: one row whose SiteName is all 'x', produced as
 * it is sent, so the test can tell how much the client took. */
static ssize_t bulk_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct standin *s = cls;
	static const char head[] = "{\"value\":[{\"SiteCode\":\"S01\",\"SiteName\":\"";
	static const char tail[] = "\"}]}";
	size_t total = s->bulk_bytes, n = 0;

	while (n < max && pos + n < total) {
		uint64_t at = pos + n;
		if (at < sizeof head - 1)
			buf[n] = head[at];
		else if (at >= total - (sizeof tail - 1))
			buf[n] = tail[at - (total - (sizeof tail - 1))];
		else
			buf[n] = 'x';
		n++;
	}
	pthread_mutex_lock(&s->mu);
	s->bulk_sent += n;
	pthread_mutex_unlock(&s->mu);
	return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_len, void **state)
{
	struct standin *s = cls;
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	const char *skip = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "$skip");
	const char *wmi = strstr(url, "/wmi/");
	char want_host[96], *body = NULL;
	struct MHD_Response *r;
	enum MHD_Result rc;

	(void)method; (void)version; (void)upload;
	if (!*state) {
		*state = s;   /* headers first; the (empty) body comes next */
		return MHD_YES;
	}
	*upload_len = 0;
	snprintf(want_host, sizeof want_host, "%s:%u", s->host, (unsigned)s->port);
	pthread_mutex_lock(&s->mu);
	s->requests++;
	s->wrong_host += !host || strcmp(host, want_host) != 0;
	s->outside_base += strncmp(url, "/AdminService/", 14) != 0;
	s->with_auth += auth != NULL;
	pthread_mutex_unlock(&s->mu);
	size_t wlen = wmi ? strlen(wmi) : 0;
	if (wmi && wlen > 12 && strcmp(wmi + wlen - 7, "/$count") == 0) {
		/* <Class>/$count: as many rows as page() gives at $skip=0 (one
		 * for the drip and bulk pages), as a bare number. */
		char counted[128];
		json_t *j;
		size_t n = 0;
		snprintf(counted, sizeof counted, "%.*s", (int)(wlen - 12), wmi + 5);
		if ((s->drip || s->bulk_bytes) && strcmp(counted, "SMS_Site") == 0)
			n = 1;
		else if (s->page && (body = s->page(s, counted, "0")) != NULL) {
			j = json_loads(body, JSON_ALLOW_NUL, NULL);
			n = json_array_size(json_object_get(j, "value"));
			json_decref(j);
			free(body);
		}
		assert_true(asprintf(&body, "%zu", n) > 0);
		r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	} else if (s->drip && wmi && strcmp(wmi + 5, "SMS_Site") == 0) {
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1, drip_reader, s, NULL);
	} else if (s->bulk_bytes && wmi && strcmp(wmi + 5, "SMS_Site") == 0) {
		r = MHD_create_response_from_callback(s->bulk_bytes, 64 * 1024, bulk_reader, s, NULL);
	} else {
		if (wmi && s->page)
			body = s->page(s, wmi + 5, skip ? skip : "0");
		if (!body)
			body = strdup("{\"value\":[]}");
		r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	}
	MHD_add_response_header(r, "Content-Type", "application/json; odata.metadata=minimal");
	rc = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return rc;
}

/* Starts on ip:0; TLS when p is given. */
static void standin_start(struct standin *s, const char *ip, const struct pki *p)
{
	struct sockaddr_in sa = { 0 };
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
	                 MHD_USE_POLL;
	const union MHD_DaemonInfo *info;

	pthread_mutex_init(&s->mu, NULL);
	sa.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, &sa.sin_addr), 1);
	if (p)
		s->d = MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL, answer, s,
		                        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		                        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
		                        MHD_OPTION_HTTPS_MEM_KEY, p->key_pem,
		                        MHD_OPTION_HTTPS_MEM_CERT, p->cert_pem, MHD_OPTION_END);
	else
		s->d = MHD_start_daemon(flags, 0, NULL, NULL, answer, s,
		                        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		                        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
	assert_non_null(s->d);
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	assert_non_null(info);
	s->port = info->port;
	snprintf(s->host, sizeof s->host, "%s", ip);
	snprintf(s->origin, sizeof s->origin, "%s://%s:%u", p ? "https" : "http", ip,
	         (unsigned)s->port);
}

static void standin_stop(struct standin *s)
{
	MHD_stop_daemon(s->d);
	pthread_mutex_destroy(&s->mu);
}

/* --- a trap: a bare TCP port that must never be contacted ----------------- */

struct trap {
	int fd;
	uint16_t port;
	pthread_t th;
	volatile bool stop;
	int conns;
	size_t bytes;
	char first[512];               /* the first bytes anyone sent */
};

static void *trap_run(void *arg)
{
	struct trap *t = arg;

	while (!t->stop) {
		struct pollfd pf = { t->fd, POLLIN, 0 };
		int c;
		if (poll(&pf, 1, 50) <= 0)
			continue;
		c = accept(t->fd, NULL, NULL);
		if (c < 0)
			continue;
		t->conns++;
		/* Keep what arrives within a moment, then hang up. */
		for (int i = 0; i < 10; i++) {
			struct pollfd cp = { c, POLLIN, 0 };
			char buf[512];
			ssize_t n;
			if (poll(&cp, 1, 50) <= 0)
				continue;
			if ((n = read(c, buf, sizeof buf)) <= 0)
				break;
			if (t->bytes < sizeof t->first - 1)
				memcpy(t->first + t->bytes, buf,
				       (size_t)n < sizeof t->first - 1 - t->bytes ? (size_t)n
				                                                  : sizeof t->first - 1 - t->bytes);
			t->bytes += (size_t)n;
		}
		close(c);
	}
	return NULL;
}

static void trap_start(struct trap *t, const char *ip)
{
	struct sockaddr_in sa = { 0 };
	socklen_t len = sizeof sa;

	memset(t, 0, sizeof *t);
	sa.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, &sa.sin_addr), 1);
	t->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(t->fd >= 0);
	assert_int_equal(bind(t->fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(t->fd, 8), 0);
	assert_int_equal(getsockname(t->fd, (struct sockaddr *)&sa, &len), 0);
	t->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&t->th, NULL, trap_run, t), 0);
}

static void trap_stop(struct trap *t)
{
	t->stop = true;
	pthread_join(t->th, NULL);
	close(t->fd);
}

/* --- running osdwarden -------------------------------------------------- */

static char *db_path(const char *name)
{
	char *p = NULL;
	assert_true(asprintf(&p, "%s/%s.db", g_dir, name) > 0);
	return p;
}

/* `osdwarden --db DB sync --provider ORIGIN --auth basic ...` plus extra
 * arguments; the password from the environment, as an operator would. */
static struct tu_run sync_with(const char *db, const char *origin, const char *auth,
                               const char *cacert, const char *const *extra)
{
	const char *args[32] = { "sync", "--provider", origin, "--auth", auth };
	int n = 5;
	struct tu_run r;

	if (strcmp(auth, "basic") == 0 || strcmp(auth, "ntlm") == 0) {
		args[n++] = "--user";
		args[n++] = "CORP\\reader";
	}
	if (cacert) {
		args[n++] = "--cacert";
		args[n++] = cacert;
	}
	for (; extra && *extra && n < 31; extra++)
		args[n++] = *extra;
	args[n] = NULL;
	setenv("OSDWARDEN_PASSWORD", PASSWORD, 1);
	setenv("OSDWARDEN_TOKEN", PASSWORD, 1);
	r = tu_cli(db, args);
	unsetenv("OSDWARDEN_PASSWORD");
	unsetenv("OSDWARDEN_TOKEN");
	return r;
}

static void expect_in(const char *text, const char *word)
{
	if (!text || !strcasestr(text, word))
		fail_msg("expected \"%s\" in: %s", word, text ? text : "(nothing)");
}

/* The text of one value from the inventory (new string), NULL for none. */
static char *sql_text(const char *db, const char *sql, size_t *len)
{
	sqlite3 *s;
	sqlite3_stmt *st;
	char *v = NULL;

	assert_int_equal(sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		int n = sqlite3_column_bytes(st, 0);
		v = malloc((size_t)n + 1);
		assert_non_null(v);
		memcpy(v, sqlite3_column_blob(st, 0), (size_t)n);
		v[n] = '\0';
		if (len)
			*len = (size_t)n;
	}
	sqlite3_finalize(st);
	sqlite3_close(s);
	return v;
}

/* --- foreign nextLinks -------------------------------------------------- */

static char *site_with_link(struct standin *s, const char *cls, const char *skip)
{
	char *b = NULL;

	if (strcmp(cls, "SMS_Site") != 0 || strcmp(skip, "0") != 0)
		return NULL;
	assert_true(asprintf(&b, "{\"value\":[{\"SiteCode\":\"S01\",\"SiteName\":\"First\"}],"
	                     "\"@odata.nextLink\":\"%s\"}", s->link) > 0);
	return b;
}

/* A sync whose first page links to `link`: exit 3, a message naming the
 * link's origin and the provider's, nothing stored; the stand-in saw only
 * its own host under its own base path. */
static void expect_link_refused(struct standin *s, struct pki *p, const char *link,
                                const char *link_origin)
{
	char *db = db_path("link");
	struct tu_run r;

	s->page = site_with_link;
	s->link = link;
	r = sync_with(db, s->origin, "basic", p->ca_path, NULL);
	assert_int_equal(r.rc, 3);
	expect_in(r.err, "nextLink");
	expect_in(r.err, link_origin);
	expect_in(r.err, s->origin);
	expect_in(r.err, "SMS_Site");
	assert_int_equal(s->wrong_host, 0);
	assert_int_equal(s->outside_base, 0);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM sites"), 0);
	tu_run_free(&r);
	unlink(db);
	free(db);
}

static void test_nextlink_to_plain_http_is_not_followed(void **state)
{
	struct pki p;
	struct standin s = { 0 };
	struct trap t;
	char link[256], origin[64];

	(void)state;
	pki_make(&p, "nl-http", time(NULL) - 3600, time(NULL) + 86400);
	standin_start(&s, "127.0.0.1", &p);
	trap_start(&t, "127.0.0.1");
	snprintf(origin, sizeof origin, "http://127.0.0.1:%u", (unsigned)t.port);
	snprintf(link, sizeof link, "%s/AdminService/wmi/SMS_Site?$skip=1", origin);
	expect_link_refused(&s, &p, link, origin);
	trap_stop(&t);
	/* Not a connection, so certainly not the Basic password in clear. */
	if (t.conns)
		fail_msg("the foreign http server was contacted %d times (%zu bytes: %.80s)", t.conns,
		         t.bytes, t.first);
	standin_stop(&s);
	pki_free(&p);
}

static void test_nextlink_to_another_host_is_not_followed(void **state)
{
	struct pki p;
	struct standin s = { 0 };
	struct trap t;
	char link[256], origin[64];

	(void)state;
	pki_make(&p, "nl-host", time(NULL) - 3600, time(NULL) + 86400);
	standin_start(&s, "127.0.0.1", &p);
	trap_start(&t, "127.0.0.2");
	snprintf(origin, sizeof origin, "https://127.0.0.2:%u", (unsigned)t.port);
	snprintf(link, sizeof link, "%s/AdminService/wmi/SMS_Site?$skip=1", origin);
	expect_link_refused(&s, &p, link, origin);
	trap_stop(&t);
	assert_int_equal(t.conns, 0);
	standin_stop(&s);
	pki_free(&p);
}

/* "localhost" reaches the same server, but it is not the origin the
 * operator named: not followed either. */
static int count_row(void *ctx, json_t *row)
{
	(void)row;
	(*(int *)ctx)++;
	return 0;
}

/* The reader the guided tasks page with (as_read_each) keeps nextLinks to
 * the provider too: a link to another host is refused, never contacted,
 * after the rows of the first page. */
static void test_the_task_reader_does_not_follow_a_foreign_nextlink(void **state)
{
	struct pki p;
	struct standin s = { 0 };
	struct trap t;
	struct http_client *h = NULL;
	struct ow_err e = { 0 };
	char link[256], base[200], url[300];
	int rows = 0, rc;

	(void)state;
	pki_make(&p, "nl-reader", time(NULL) - 3600, time(NULL) + 86400);
	standin_start(&s, "127.0.0.1", &p);
	trap_start(&t, "127.0.0.2");
	snprintf(link, sizeof link, "https://127.0.0.2:%u/AdminService/wmi/SMS_Site?$skip=1",
	         (unsigned)t.port);
	s.page = site_with_link;
	s.link = link;
	struct http_opts o = { .auth = HTTP_AUTH_NONE, .cacert = p.ca_path, .timeout_s = 10 };
	assert_int_equal(http_client_new(&o, &h, &e), 0);
	snprintf(base, sizeof base, "%s/AdminService", s.origin);
	snprintf(url, sizeof url, "%s/wmi/SMS_Site?$skip=0", base);
	rc = as_read_each(h, base, url, count_row, &rows, &e);
	http_client_free(h);
	trap_stop(&t);
	if (rc == 0 || !strstr(e.msg, "nextLink"))
		fail_msg("the reader followed or ignored a foreign nextLink (%d): %s", rc, e.msg);
	assert_int_equal(rows, 1);
	assert_int_equal(t.conns, 0);
	standin_stop(&s);
	pki_free(&p);
}

static void test_nextlink_to_another_name_of_the_same_server_is_not_followed(void **state)
{
	struct pki p;
	struct standin s = { 0 };
	char link[256], origin[64];

	(void)state;
	pki_make(&p, "nl-name", time(NULL) - 3600, time(NULL) + 86400);
	standin_start(&s, "127.0.0.1", &p);
	snprintf(origin, sizeof origin, "https://localhost:%u", (unsigned)s.port);
	snprintf(link, sizeof link, "%s/AdminService/wmi/SMS_Site?$skip=1", origin);
	expect_link_refused(&s, &p, link, origin);
	standin_stop(&s);
	pki_free(&p);
}

static void test_nextlink_to_another_port_is_not_followed(void **state)
{
	struct pki p;
	struct standin s = { 0 };
	struct trap t;
	char link[256], origin[64];

	(void)state;
	pki_make(&p, "nl-port", time(NULL) - 3600, time(NULL) + 86400);
	standin_start(&s, "127.0.0.1", &p);
	trap_start(&t, "127.0.0.1");
	snprintf(origin, sizeof origin, "https://127.0.0.1:%u", (unsigned)t.port);
	snprintf(link, sizeof link, "%s/AdminService/wmi/SMS_Site?$skip=1", origin);
	expect_link_refused(&s, &p, link, origin);
	trap_stop(&t);
	assert_int_equal(t.conns, 0);
	standin_stop(&s);
	pki_free(&p);
}

static void test_nextlink_outside_the_base_path_is_not_followed(void **state)
{
	struct pki p;
	struct standin s = { 0 };
	char link[256];

	(void)state;
	pki_make(&p, "nl-path", time(NULL) - 3600, time(NULL) + 86400);
	standin_start(&s, "127.0.0.1", &p);
	snprintf(link, sizeof link, "%s/AdminServiceEvil/wmi/SMS_Site?$skip=1", s.origin);
	expect_link_refused(&s, &p, link, "/AdminServiceEvil");
	standin_stop(&s);
	pki_free(&p);
}

/* gopher:// would send the path's bytes raw to any TCP port. */
static void test_nextlink_to_gopher_is_not_followed(void **state)
{
	struct pki p;
	struct standin s = { 0 };
	struct trap t;
	char link[256], origin[64];

	(void)state;
	pki_make(&p, "nl-gopher", time(NULL) - 3600, time(NULL) + 86400);
	standin_start(&s, "127.0.0.1", &p);
	trap_start(&t, "127.0.0.1");
	snprintf(origin, sizeof origin, "gopher://127.0.0.1:%u", (unsigned)t.port);
	snprintf(link, sizeof link, "%s/_FLUSHALL%%0D%%0A", origin);
	expect_link_refused(&s, &p, link, origin);
	trap_stop(&t);
	if (t.conns)
		fail_msg("gopher reached the trap %d times (%zu bytes: %.80s)", t.conns, t.bytes, t.first);
	standin_stop(&s);
	pki_free(&p);
}

/* file:// would read a local file as if the site had sent it: here one
 * that is a valid page with a row the site never had. */
static void test_nextlink_to_a_local_file_is_not_read(void **state)
{
	struct pki p;
	struct standin s = { 0 };
	char link[PATH_MAX + 16], *page = tu_path(g_dir, "planted-page.json");
	static const char planted[] = "{\"value\":[{\"SiteCode\":\"EVL\",\"SiteName\":\"planted\"}]}";
	char *db = db_path("file");
	struct tu_run r;

	(void)state;
	assert_int_equal(tu_write_file(page, planted, strlen(planted)), 0);
	pki_make(&p, "nl-file", time(NULL) - 3600, time(NULL) + 86400);
	standin_start(&s, "127.0.0.1", &p);
	snprintf(link, sizeof link, "file://%s", page);
	s.page = site_with_link;
	s.link = link;
	r = sync_with(db, s.origin, "basic", p.ca_path, NULL);
	assert_int_equal(r.rc, 3);
	expect_in(r.err, "nextLink");
	expect_in(r.err, "file://");
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM sites WHERE site_code='EVL'"), 0);
	tu_run_free(&r);
	standin_stop(&s);
	pki_free(&p);
	free(page);
	free(db);
}

/* A nextLink to the provider's own origin and path is followed (the
 * control: the refusals above are not a refusal of every link). */
static void test_nextlink_to_the_provider_itself_is_followed(void **state)
{
	struct pki p;
	struct standin s = { 0 };
	char link[256], *db = db_path("own-link");
	struct tu_run r;

	(void)state;
	pki_make(&p, "nl-own", time(NULL) - 3600, time(NULL) + 86400);
	standin_start(&s, "127.0.0.1", &p);
	snprintf(link, sizeof link, "%s/AdminService/wmi/SMS_Site?$top=1000&$skip=1", s.origin);
	s.page = site_with_link;
	s.link = link;
	r = sync_with(db, s.origin, "basic", p.ca_path, NULL);
	if (r.rc != 0)
		fail_msg("sync failed (%d): %s", r.rc, r.err);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM sites WHERE site_code='S01'"), 1);
	assert_int_equal(s.wrong_host, 0);
	assert_int_equal(s.outside_base, 0);
	/* $metadata, every class's $count and one page, and the linked page
	 * of SMS_Site. */
	assert_int_equal(s.requests, 2 + 2 * (int)as_class_count());
	assert_int_equal(s.with_auth, s.requests);
	tu_run_free(&r);
	standin_stop(&s);
	pki_free(&p);
	free(db);
}

/* --- plain HTTP providers ------------------------------------------------ */

static void test_plain_http_provider_is_refused_without_the_test_lab_option(void **state)
{
	struct standin s = { 0 };
	char *db = db_path("plain-refused");
	struct tu_run r;

	(void)state;
	standin_start(&s, "127.0.0.1", NULL);
	r = sync_with(db, s.origin, "basic", NULL, NULL);
	assert_int_equal(r.rc, 2);
	expect_in(r.err, "plain HTTP");
	expect_in(r.err, "--plain-http-test-lab");
	assert_int_equal(s.requests, 0);
	tu_run_free(&r);
	r = sync_with(db, s.origin, "none", NULL, NULL);
	assert_int_equal(r.rc, 2);
	assert_int_equal(s.requests, 0);
	tu_run_free(&r);
	standin_stop(&s);
	free(db);
}

/* With the option: only a loopback lab, only --auth none or basic. */
static void test_plain_http_test_lab_refuses_real_credentials_and_real_hosts(void **state)
{
	static const char *const lab[] = { "--plain-http-test-lab", NULL };
	static const char *const modes[] = { "ntlm", "bearer", "negotiate" };
	struct standin s = { 0 };
	char *db = db_path("plain-creds");
	struct tu_run r;

	(void)state;
	standin_start(&s, "127.0.0.1", NULL);
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		r = sync_with(db, s.origin, modes[i], NULL, lab);
		if (r.rc != 2)
			fail_msg("--auth %s over plain HTTP: exit %d (%s)", modes[i], r.rc, r.err);
		expect_in(r.err, "plain HTTP");
		expect_in(r.err, modes[i]);
		tu_run_free(&r);
	}
	r = sync_with(db, "http://cm01.corp.example", "none", NULL, lab);
	assert_int_equal(r.rc, 2);
	expect_in(r.err, "loopback");
	tu_run_free(&r);
	assert_int_equal(s.requests, 0);
	standin_stop(&s);
	free(db);
}

static char *one_cert(struct standin *s, const char *cls, const char *skip)
{
	(void)s;
	(void)skip;
	if (strcmp(cls, "SMS_Certificate") != 0)
		return NULL;
	return strdup("{\"value\":[{\"SMSID\":\"{C1}\",\"Type\":2,\"IsBlocked\":false,"
	              "\"IssuedTo\":\"PXE01\"}]}");
}

/* Certificates a sync cannot key: one without SMSID, one whose SMSID is
 * null, one whose SMSID is an object. */
static char *unkeyed_certs(struct standin *s, const char *cls, const char *skip)
{
	(void)s;
	(void)skip;
	if (strcmp(cls, "SMS_Certificate") != 0)
		return NULL;
	return strdup("{\"value\":[{\"Type\":1,\"IssuedTo\":\"nokey\"},{\"SMSID\":null,\"Type\":1},"
	              "{\"SMSID\":{\"x\":1},\"Type\":2}]}");
}

/* A streamed row that is not stored (it has no key) is not read again by
 * a keyed GET either: no instance URL is built from a key that is not
 * there (it read an unset pointer before) and nothing is asked for. */
static void test_an_unkeyed_streamed_row_is_not_read_again(void **state)
{
	static const char *const lab[] = { "--plain-http-test-lab", NULL };
	struct standin s = { 0 };
	char *db = db_path("unkeyed");
	struct tu_run r;

	(void)state;
	standin_start(&s, "127.0.0.1", NULL);
	s.page = unkeyed_certs;
	r = sync_with(db, s.origin, "basic", NULL, lab);
	if (r.rc != 0)
		fail_msg("sync of unkeyed certificates failed (%d): %s", r.rc, r.err);
	/* $metadata; every class's $count and one page; no keyed GET */
	assert_int_equal(s.requests, 1 + 2 * (int)as_class_count());
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM certificates"), 0);
	tu_run_free(&r);
	standin_stop(&s);
	unlink(db);
	free(db);
}

static void test_plain_http_test_lab_is_recorded_and_warned(void **state)
{
	static const char *const lab[] = { "--plain-http-test-lab", NULL };
	struct standin s = { 0 };
	char *db = db_path("plain-lab");
	struct tu_run r;
	int before;

	(void)state;
	standin_start(&s, "127.0.0.1", NULL);
	s.page = one_cert;
	r = sync_with(db, s.origin, "basic", NULL, lab);
	if (r.rc != 0)
		fail_msg("sync of a plain lab failed (%d): %s", r.rc, r.err);
	expect_in(r.err, "WARNING");
	expect_in(r.err, "plain HTTP");
	/* $metadata; every class's $count and one page; the certificate's
	 * keyed GET (its Thumbprint is lazy) */
	assert_int_equal(s.requests, 2 + 2 * (int)as_class_count());
	/* Bit 2 of providers.insecure: plain HTTP; bit 1 (TLS unverified) not set. */
	assert_int_equal(tu_sql_int(db, "SELECT insecure FROM providers"), 2);
	tu_run_free(&r);
	/* A later action takes the provider from the inventory: it reaches
	 * the lab, and is warned again on the way. (Not --dry-run: a
	 * certificate's dry run is said from the inventory and sends nothing.) */
	before = s.requests;
	setenv("OSDWARDEN_PASSWORD", PASSWORD, 1);
	r = tu_cli(db, (const char *const[]){ "cert", "block", "{C1}", "--yes", NULL });
	unsetenv("OSDWARDEN_PASSWORD");
	expect_in(r.err, "WARNING");
	expect_in(r.err, "plain HTTP");
	assert_true(s.requests > before);
	tu_run_free(&r);
	standin_stop(&s);
	free(db);
}

/* --- TLS ----------------------------------------------------------------- */

static void test_certificate_from_another_ca_fails_with_a_tls_error(void **state)
{
	struct pki p, other;
	struct standin s = { 0 };
	char *db = db_path("wrong-ca");
	struct tu_run r;

	(void)state;
	pki_make(&p, "served", time(NULL) - 3600, time(NULL) + 86400);
	pki_make(&other, "other", time(NULL) - 3600, time(NULL) + 86400);
	standin_start(&s, "127.0.0.1", &p);
	r = sync_with(db, s.origin, "basic", other.ca_path, NULL);
	assert_int_equal(r.rc, 3);
	expect_in(r.err, "not trusted");
	expect_in(r.err, "--cacert");
	assert_int_equal(s.requests, 0);
	tu_run_free(&r);
	standin_stop(&s);
	pki_free(&p);
	pki_free(&other);
	free(db);
}

/* The certificate names localhost and 127.0.0.1; the provider is named
 * 127.0.0.2 (the same server, on every loopback address). */
static void test_certificate_for_another_name_fails_with_a_name_error(void **state)
{
	struct pki p;
	struct standin s = { 0 };
	char *db = db_path("mismatch");
	struct tu_run r;

	(void)state;
	pki_make(&p, "mismatch", time(NULL) - 3600, time(NULL) + 86400);
	standin_start(&s, "127.0.0.2", &p);
	r = sync_with(db, s.origin, "basic", p.ca_path, NULL);
	assert_int_equal(r.rc, 3);
	expect_in(r.err, "127.0.0.2");
	expect_in(r.err, "does not name");
	assert_int_equal(s.requests, 0);
	tu_run_free(&r);
	standin_stop(&s);
	pki_free(&p);
	free(db);
}

static void test_expired_certificate_fails_with_an_expiry_error(void **state)
{
	struct pki p;
	struct standin s = { 0 };
	char *db = db_path("expired");
	struct tu_run r;

	(void)state;
	pki_make(&p, "expired", time(NULL) - 20 * 86400, time(NULL) - 86400);
	standin_start(&s, "127.0.0.1", &p);
	r = sync_with(db, s.origin, "basic", p.ca_path, NULL);
	assert_int_equal(r.rc, 3);
	expect_in(r.err, "expired");
	assert_int_equal(s.requests, 0);
	tu_run_free(&r);
	standin_stop(&s);
	pki_free(&p);
	free(db);
}

/* A relative --cacert is stored as an absolute path: a later action run
 * from another directory must find the same file. */
static void test_relative_cacert_is_stored_absolute(void **state)
{
	struct pki p;
	struct standin s = { 0 };
	char *db = db_path("relative-ca"), cwd[PATH_MAX], *stored, *base;
	struct tu_run r;

	(void)state;
	pki_make(&p, "relative", time(NULL) - 3600, time(NULL) + 86400);
	standin_start(&s, "127.0.0.1", &p);
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(g_dir), 0);
	base = strrchr(p.ca_path, '/') + 1;
	r = sync_with(db, s.origin, "basic", base, NULL);
	assert_int_equal(chdir(cwd), 0);
	if (r.rc != 0)
		fail_msg("sync failed (%d): %s", r.rc, r.err);
	stored = sql_text(db, "SELECT ca_file FROM providers", NULL);
	assert_non_null(stored);
	assert_string_equal(stored, p.ca_path);
	free(stored);
	tu_run_free(&r);
	/* A --cacert that does not exist is refused before anything is sent. */
	s.requests = 0;
	r = sync_with(db, s.origin, "basic", "no-such-ca.pem", NULL);
	assert_int_equal(r.rc, 2);
	expect_in(r.err, "no-such-ca.pem");
	assert_int_equal(s.requests, 0);
	tu_run_free(&r);
	standin_stop(&s);
	pki_free(&p);
	free(db);
}

/* --- hostile content ------------------------------------------------------ */

static char *nul_pages(struct standin *s, const char *cls, const char *skip)
{
	(void)s;
	(void)skip;
	if (strcmp(cls, "SMS_Site") == 0)
		return strdup("{\"value\":[{\"SiteCode\":\"S01\",\"SiteName\":\"Lab\\u0000.evil\"}]}");
	if (strcmp(cls, "SMS_Certificate") == 0)
		return strdup("{\"value\":[{\"SMSID\":\"{C1}\",\"Type\":2,\"IsBlocked\":false,"
		              "\"IssuedTo\":\"PXE01\\u0000.evil\",\"ServerName\":\"PXE01\"}]}");
	return NULL;
}

/* U+FFFD where the NUL was, the rest kept: the same on the streaming
 * (certificates) and the DOM (sites) path, and the sync succeeds. */
static void test_nul_in_site_strings_is_kept_visible_on_both_paths(void **state)
{
	static const char marked_site[] = "Lab\xEF\xBF\xBD.evil";
	static const char marked_cert[] = "PXE01\xEF\xBF\xBD.evil";
	struct pki p;
	struct standin s = { 0 };
	char *db = db_path("nul"), *v;
	size_t len = 0;
	struct tu_run r;

	(void)state;
	pki_make(&p, "nul", time(NULL) - 3600, time(NULL) + 86400);
	standin_start(&s, "127.0.0.1", &p);
	s.page = nul_pages;
	r = sync_with(db, s.origin, "basic", p.ca_path, NULL);
	if (r.rc != 0)
		fail_msg("a NUL in a string failed the sync (%d): %s", r.rc, r.err);
	v = sql_text(db, "SELECT issued_to FROM certificates WHERE smsid='{C1}'", &len);
	assert_non_null(v);
	assert_int_equal(len, strlen(marked_cert));
	assert_string_equal(v, marked_cert);
	free(v);
	v = sql_text(db, "SELECT site_name FROM sites WHERE site_code='S01'", &len);
	assert_non_null(v);
	assert_int_equal(len, strlen(marked_site));
	assert_string_equal(v, marked_site);
	free(v);
	tu_run_free(&r);
	standin_stop(&s);
	pki_free(&p);
	free(db);
}

static char *rows_page(const char *cls, size_t n)
{
	struct { char *p; size_t len; } b = { NULL, 0 };
	FILE *f = open_memstream(&b.p, &b.len);

	fputs("{\"value\":[", f);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(cls, "SMS_Certificate") == 0)
			fprintf(f, "%s{\"SMSID\":\"{C%06zu}\",\"Type\":2,\"IssuedTo\":\"X\"}", i ? "," : "", i);
		else
			fprintf(f, "%s{\"SiteCode\":\"S%04zu\",\"SiteName\":\"x\"}", i ? "," : "", i);
	}
	fputs("]}", f);
	fclose(f);
	return b.p;
}

static const char *g_oversized_class;

static char *oversized(struct standin *s, const char *cls, const char *skip)
{
	(void)s;
	if (strcmp(cls, g_oversized_class) != 0 || strcmp(skip, "0") != 0)
		return NULL;
	return rows_page(cls, 1001);   /* $top was 1000 */
}

static void expect_oversized_page_fails(const char *cls, const char *table)
{
	struct pki p;
	struct standin s = { 0 };
	char *db = db_path(cls), sql[128];
	struct tu_run r;

	pki_make(&p, cls, time(NULL) - 3600, time(NULL) + 86400);
	standin_start(&s, "127.0.0.1", &p);
	g_oversized_class = cls;
	s.page = oversized;
	r = sync_with(db, s.origin, "basic", p.ca_path, NULL);
	assert_int_equal(r.rc, 3);
	expect_in(r.err, cls);
	expect_in(r.err, "1001 rows");
	expect_in(r.err, "$top");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	assert_int_equal(tu_sql_int(db, sql), 0);
	tu_run_free(&r);
	standin_stop(&s);
	pki_free(&p);
	free(db);
}

static void test_page_with_more_rows_than_top_fails_the_class_when_streamed(void **state)
{
	(void)state;
	expect_oversized_page_fails("SMS_Certificate", "certificates");
}

static void test_page_with_more_rows_than_top_fails_the_class_on_the_dom_path(void **state)
{
	(void)state;
	expect_oversized_page_fails("SMS_Site", "sites");
}

/* A 40 MiB page for a class asked 1000 rows at a time is refused while it
 * arrives: the client stops reading long before the end. */
static void test_huge_page_body_is_refused_while_receiving(void **state)
{
	struct pki p;
	struct standin s = { 0 };
	char *db = db_path("bulk");
	struct tu_run r;

	(void)state;
	pki_make(&p, "bulk", time(NULL) - 3600, time(NULL) + 86400);
	standin_start(&s, "127.0.0.1", &p);
	s.bulk_bytes = 40u << 20;
	r = sync_with(db, s.origin, "basic", p.ca_path, NULL);
	assert_int_equal(r.rc, 3);
	expect_in(r.err, "SMS_Site");
	expect_in(r.err, "larger than");
	if (s.bulk_sent >= 32u << 20)
		fail_msg("the client read %zu of %zu bytes before refusing the page", s.bulk_sent,
		         s.bulk_bytes);
	tu_run_free(&r);
	standin_stop(&s);
	pki_free(&p);
	free(db);
}

/* --- time ------------------------------------------------------------------ */

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A server that sends a byte now and then keeps every request alive: the
 * class as a whole gets --timeout, retries included, and the message says
 * which option gives it more. */
static void test_slow_server_is_bounded_per_class_by_timeout(void **state)
{
	static const char *const extra[] = { "--timeout", "2", NULL };
	struct pki p;
	struct standin s = { 0 };
	char *db = db_path("slow");
	struct tu_run r;
	double t0, took;

	(void)state;
	pki_make(&p, "slow", time(NULL) - 3600, time(NULL) + 86400);
	standin_start(&s, "127.0.0.1", &p);
	s.drip = true;
	t0 = now_s();
	r = sync_with(db, s.origin, "basic", p.ca_path, extra);
	took = now_s() - t0;
	assert_int_equal(r.rc, 3);
	expect_in(r.err, "SMS_Site");
	expect_in(r.err, "--timeout");
	if (took > 4.5)
		fail_msg("a 2 s --timeout took %.1f s (every retry got its own 2 s)", took);
	tu_run_free(&r);
	standin_stop(&s);
	pki_free(&p);
	free(db);
}

static int setup(void **state)
{
	(void)state;
	g_dir = tu_tmpdir();
	return g_dir ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(g_dir);
	free(g_dir);
	return 0;
}

/* --- credentials in the provider URL, encoded paths, the client alone -- */

/* user:password@host in --provider would be sent, printed, stored and
 * audited: refused before anything is opened or sent, and the message
 * does not repeat the password. */
static void test_provider_url_with_credentials_is_refused(void **state)
{
	struct trap t;
	char origin[128], *db = db_path("userinfo");
	struct tu_run r;

	(void)state;
	trap_start(&t, "127.0.0.1");
	snprintf(origin, sizeof origin, "https://reader:Sekr3t-in-url@127.0.0.1:%u", (unsigned)t.port);
	r = sync_with(db, origin, "none", NULL, NULL);
	trap_stop(&t);
	assert_int_equal(r.rc, 2);
	expect_in(r.err, "must not carry a user name or password");
	assert_null(strstr(r.out ? r.out : "", "Sekr3t"));
	assert_null(strstr(r.err ? r.err : "", "Sekr3t"));
	assert_int_equal(t.conns, 0);
	tu_run_free(&r);
	unlink(db);
	free(db);
}

/* %2e%2e and %2f stay text for the path check, but a server may decode
 * them and serve another path: such a link is not followed. */
static void test_nextlink_with_encoded_dot_segments_is_not_followed(void **state)
{
	static const char *const paths[] = { "/AdminService/%2e%2e/secret/x",
	                                     "/AdminService/..%2fsecret",
	                                     "/AdminService/%2E%2E%5Cetc" };
	struct pki p;
	struct standin s = { 0 };
	char link[256];

	(void)state;
	pki_make(&p, "nl-encoded", time(NULL) - 3600, time(NULL) + 86400);
	standin_start(&s, "127.0.0.1", &p);
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		snprintf(link, sizeof link, "%s%s", s.origin, paths[i]);
		expect_link_refused(&s, &p, link, "encoded");
	}
	standin_stop(&s);
	pki_free(&p);
}

/* The client itself speaks https only, whatever URL a caller hands it:
 * the protocol restriction holds even where no link check runs first. */
static void test_the_http_client_refuses_other_schemes_itself(void **state)
{
	struct http_opts o = { .auth = HTTP_AUTH_BASIC, .user = "u", .secret = PASSWORD,
	                       .timeout_s = 5, .max_attempts = 1 };
	struct http_client *c = NULL;
	struct ow_err e = { 0 };
	struct trap t;
	char url[128];

	(void)state;
	trap_start(&t, "127.0.0.1");
	assert_int_equal(http_client_new(&o, &c, &e), 0);
	static const char *const schemes[] = { "gopher", "http", "ftp", "dict" };
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
		struct http_resp r = { 0 };
		snprintf(url, sizeof url, "%s://127.0.0.1:%u/AdminService/x", schemes[i],
		         (unsigned)t.port);
		memset(&e, 0, sizeof e);
		assert_int_not_equal(http_request(c, "GET", url, NULL, true, &r, &e), 0);
		http_resp_free(&r);
	}
	http_client_free(c);
	trap_stop(&t);
	if (t.conns)
		fail_msg("the client connected to the trap %d times (%.80s)", t.conns, t.first);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nextlink_to_plain_http_is_not_followed),
		cmocka_unit_test(test_nextlink_to_another_host_is_not_followed),
		cmocka_unit_test(test_the_task_reader_does_not_follow_a_foreign_nextlink),
		cmocka_unit_test(test_nextlink_to_another_name_of_the_same_server_is_not_followed),
		cmocka_unit_test(test_nextlink_to_another_port_is_not_followed),
		cmocka_unit_test(test_nextlink_outside_the_base_path_is_not_followed),
		cmocka_unit_test(test_nextlink_to_gopher_is_not_followed),
		cmocka_unit_test(test_nextlink_to_a_local_file_is_not_read),
		cmocka_unit_test(test_nextlink_to_the_provider_itself_is_followed),
		cmocka_unit_test(test_plain_http_provider_is_refused_without_the_test_lab_option),
		cmocka_unit_test(test_plain_http_test_lab_refuses_real_credentials_and_real_hosts),
		cmocka_unit_test(test_plain_http_test_lab_is_recorded_and_warned),
		cmocka_unit_test(test_an_unkeyed_streamed_row_is_not_read_again),
		cmocka_unit_test(test_certificate_from_another_ca_fails_with_a_tls_error),
		cmocka_unit_test(test_certificate_for_another_name_fails_with_a_name_error),
		cmocka_unit_test(test_expired_certificate_fails_with_an_expiry_error),
		cmocka_unit_test(test_relative_cacert_is_stored_absolute),
		cmocka_unit_test(test_nul_in_site_strings_is_kept_visible_on_both_paths),
		cmocka_unit_test(test_page_with_more_rows_than_top_fails_the_class_when_streamed),
		cmocka_unit_test(test_page_with_more_rows_than_top_fails_the_class_on_the_dom_path),
		cmocka_unit_test(test_huge_page_body_is_refused_while_receiving),
		cmocka_unit_test(test_slow_server_is_bounded_per_class_by_timeout),
		cmocka_unit_test(test_provider_url_with_credentials_is_refused),
		cmocka_unit_test(test_nextlink_with_encoded_dot_segments_is_not_followed),
		cmocka_unit_test(test_the_http_client_refuses_other_schemes_itself),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
