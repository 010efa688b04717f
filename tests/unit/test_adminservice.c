#include "support/testutil.h"
#include "support/sdkref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <strings.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backend/adminservice.h"
#include "backend/http.h"
#include "util/secret.h"

static void test_base_url_accepts_origins_and_full_bases(void **state)
{
	struct ow_err e = { 0 };
	char *u;

	(void)state;
	u = as_base_url("https://cm01.corp.example", &e);
	assert_string_equal(u, "https://cm01.corp.example/AdminService");
	free(u);
	u = as_base_url("https://127.0.0.1:8443/", &e);
	assert_string_equal(u, "https://127.0.0.1:8443/AdminService");
	free(u);
	u = as_base_url("https://cmg.example/CCM_Proxy_ServerAuth/72057594037927941/AdminService", &e);
	assert_string_equal(u, "https://cmg.example/CCM_Proxy_ServerAuth/72057594037927941/AdminService");
	free(u);
	assert_null(as_base_url("cm01.corp.example", &e));
	assert_non_null(strstr(e.msg, "--provider wants a URL"));
}

static void test_urls_keep_the_dollar_and_encode_values(void **state)
{
	const struct as_class *c = as_class_find("sms_site");
	char *u;

	(void)state;
	assert_non_null(c);
	u = as_page_url("https://h/AdminService", c, 2000, "P'1");
	assert_non_null(strstr(u, "/wmi/SMS_Site?$select="));
	assert_non_null(strstr(u, "&$filter=SiteCode%20eq%20%27P%27%271%27"));
	assert_non_null(strstr(u, "&$top=1000&$skip=2000"));
	assert_null(strstr(u, "%24"));
	free(u);
	u = as_instance_url("https://h/AdminService", as_class_find("SMS_Certificate"),
	                    (const char *const[]){ "{0B5E}" });
	assert_string_equal(u, "https://h/AdminService/wmi/SMS_Certificate('%7B0B5E%7D')");
	free(u);
	u = as_instance_url("https://h/AdminService", as_class_find("SMS_Admin"),
	                    (const char *const[]){ "16777218" });
	assert_string_equal(u, "https://h/AdminService/wmi/SMS_Admin(16777218)");
	free(u);
	u = as_instance_url("https://h/AdminService", as_class_find("SMS_StateMigration"),
	                    (const char *const[]){ "1", "2" });
	assert_string_equal(u, "https://h/AdminService/wmi/SMS_StateMigration("
	                       "SourceClientResourceID=1,RestoreClientResourceID=2)");
	free(u);
}

/* An instance write's URL forms, in the contract's order: OData 4.0's
 * named keys first, then key-as-segment (every value percent-encoded, '/'
 * and '\\' included); a write that names no instance has one form. */
static void test_instance_writes_list_their_url_forms_in_order(void **state)
{
	const char *const v[] = { "2", "[\"Display=\\\\SMP01/x\"]MSWNET:", "System Resource Usage", "HLD" };
	char *u;

	(void)state;
	u = as_write_url("https://h/AdminService", AS_UPDATE_SITE_ROLE, v, 0);
	assert_string_equal(u, "https://h/AdminService/wmi/SMS_SCI_SysResUse(FileType=2,ItemName="
	                       "'%5B%22Display%3D%5C%5CSMP01%2Fx%22%5DMSWNET%3A',ItemType="
	                       "'System%20Resource%20Usage',SiteCode='HLD')");
	free(u);
	u = as_write_url("https://h/AdminService", AS_UPDATE_SITE_ROLE, v, 1);
	assert_string_equal(u, "https://h/AdminService/wmi/SMS_SCI_SysResUse/2/"
	                       "%5B%22Display%3D%5C%5CSMP01%2Fx%22%5DMSWNET%3A/System%20Resource%20Usage/HLD");
	free(u);
	assert_null(as_write_url("https://h/AdminService", AS_UPDATE_SITE_ROLE, v, 2));
	u = as_write_url("https://h/AdminService", AS_UPDATE_BOOT_IMAGE, (const char *const[]){ "HLD00001" }, 1);
	assert_string_equal(u, "https://h/AdminService/wmi/SMS_BootImagePackage/HLD00001");
	free(u);
	u = as_write_url("https://h/AdminService", AS_BLOCK_CERTIFICATE, NULL, 0);
	assert_string_equal(u, "https://h/AdminService/wmi/SMS_CertificateInfo.BlockCertificate");
	free(u);
	assert_null(as_write_url("https://h/AdminService", AS_BLOCK_CERTIFICATE, NULL, 1));
}

static void test_no_select_list_asks_for_a_secret(void **state)
{
	(void)state;
	for (size_t i = 0; i < as_class_count(); i++) {
		const char *sel = as_class_at(i)->select;
		assert_null(strstr(sel, "Reserved2"));
		assert_null(strstr(sel, "PXEPassword"));
		assert_null(strstr(sel, "Password"));
		assert_null(strstr(sel, "Sequence"));
		assert_null(strstr(sel, "CollectionVariables"));
	}
}

/* Keys identify rows across pages (a repeated page is detected by them)
 * and name instances in writes: every class must select them. */
static void test_every_select_list_includes_the_key_columns(void **state)
{
	(void)state;
	for (size_t i = 0; i < as_class_count(); i++) {
		const struct as_class *c = as_class_at(i);
		char keys[256], *save = NULL, sel[1024];
		snprintf(keys, sizeof keys, "%s", c->keys);
		snprintf(sel, sizeof sel, ",%s,", c->select);
		for (char *k = strtok_r(keys, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
			char want[128];
			snprintf(want, sizeof want, ",%s,", k);
			if (!strstr(sel, want))
				fail_msg("%s selects no %s", c->name, k);
		}
	}
}

static void test_repair_turns_lone_surrogates_into_replacement_chars(void **state)
{
	char ok_pair[] = "{\"a\":\"\\ud83d\\ude00\"}";
	char lone_hi[] = "{\"a\":\"x\\ud800y\"}";
	char lone_lo[] = "{\"a\":\"x\\udc80y\"}";
	char escaped_backslash[] = "{\"a\":\"\\\\udc80\"}";
	char raw_bad[] = "{\"a\":\"\xff\xfe\"}";

	(void)state;
	assert_int_equal(as_repair_json(ok_pair, strlen(ok_pair)), 0);
	assert_int_equal(as_repair_json(lone_hi, strlen(lone_hi)), 1);
	assert_string_equal(lone_hi, "{\"a\":\"x\\ufffdy\"}");
	assert_int_equal(as_repair_json(lone_lo, strlen(lone_lo)), 1);
	assert_string_equal(lone_lo, "{\"a\":\"x\\ufffdy\"}");
	/* "\\udc80" is a backslash and the text udc80, not an escape. */
	assert_int_equal(as_repair_json(escaped_backslash, strlen(escaped_backslash)), 0);
	assert_int_equal(as_repair_json(raw_bad, strlen(raw_bad)), 2);
	assert_string_equal(raw_bad, "{\"a\":\"??\"}");
}

/* \u0000 becomes U+FFFD in place, like a lone surrogate: jansson parses
 * the page and the string keeps what follows the NUL. */
static void test_repair_turns_nul_escapes_into_replacement_chars(void **state)
{
	char body[] = "{\"value\":[{\"SiteName\":\"Lab\\u0000.evil\",\"X\":\"a\\\\u0000\"}]}";
	struct buf b = BUF_INIT;
	struct ow_err e = { 0 };
	json_t *root, *rows;
	const char *next;

	(void)state;
	buf_adds(&b, body);
	assert_int_equal(as_parse_page(&b, &root, &rows, &next, &e), 0);
	assert_string_equal(json_string_value(as_get(json_array_get(rows, 0), "SiteName")),
	                    "Lab\xEF\xBF\xBD.evil");
	/* An escaped backslash before "u0000" is text, not an escape. */
	assert_string_equal(json_string_value(as_get(json_array_get(rows, 0), "X")), "a\\u0000");
	json_decref(root);
	buf_free(&b);
}

/* The nextLink rule: the provider's exact scheme, host and port, under
 * its path; anything else refused with the reason, and the URL followed
 * is the one checked. */
static void test_follow_url_keeps_to_the_provider_origin_and_path(void **state)
{
	static const char base[] = "https://cm01.corp.example:8443/AdminService";
	static const struct { const char *link, *why; } refused[] = {
		{ "http://cm01.corp.example:8443/AdminService/wmi/SMS_Site", "another scheme" },
		{ "https://cm02.corp.example:8443/AdminService/wmi/SMS_Site", "another host" },
		{ "https://cm01.corp.example:8443@evil.example/AdminService/wmi/SMS_Site", "another host" },
		{ "https://cm01.corp.example/AdminService/wmi/SMS_Site", "another port" },
		{ "https://cm01.corp.example:443/AdminService/wmi/SMS_Site", "another port" },
		{ "https://u:p@cm01.corp.example:8443/AdminService/wmi/SMS_Site", "a user name" },
		{ "https://cm01.corp.example:8443/AdminServiceX/wmi/SMS_Site", "another path" },
		{ "https://cm01.corp.example:8443/AdminService", "another path" },
		{ "https://cm01.corp.example:8443/AdminService/../Other/x", "another path" },
		{ "gopher://cm01.corp.example:8443/AdminService/x", "another scheme" },
		{ "file:///etc/passwd", "another scheme" },
		{ "javascript:alert(1)", "not a URL" },
	};
	struct ow_err e = { 0 };
	char *u;

	(void)state;
	u = http_follow_url(base, "https://CM01.corp.example:8443/AdminService/wmi/SMS_Site?$skip=2", &e);
	assert_non_null(u);
	assert_string_equal(u, "https://CM01.corp.example:8443/AdminService/wmi/SMS_Site?$skip=2");
	free(u);
	/* A path-absolute link resolves against the provider. */
	u = http_follow_url(base, "/AdminService/wmi/SMS_Site?$skip=3", &e);
	assert_non_null(u);
	assert_string_equal(u, "https://cm01.corp.example:8443/AdminService/wmi/SMS_Site?$skip=3");
	free(u);
	/* The default port is the same origin as the port spelled out. */
	u = http_follow_url("https://cm01/AdminService", "https://cm01:443/AdminService/wmi/X", &e);
	assert_non_null(u);
	free(u);
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		memset(&e, 0, sizeof e);
		u = http_follow_url(base, refused[i].link, &e);
		if (u)
			fail_msg("followed %s as %s", refused[i].link, u);
		assert_int_equal(e.kind, OW_ESITE);
		if (!strstr(e.msg, refused[i].why) || !strstr(e.msg, "nextLink") ||
		    !strstr(e.msg, "https://cm01.corp.example:8443/AdminService"))
			fail_msg("%s: %s", refused[i].link, e.msg);
	}
}

static void test_loopback_hosts_are_told_apart_from_others(void **state)
{
	(void)state;
	assert_true(http_url_is_loopback("http://127.0.0.1:8080/AdminService"));
	assert_true(http_url_is_loopback("http://127.1.2.3/"));
	assert_true(http_url_is_loopback("http://LOCALHOST:80"));
	assert_true(http_url_is_loopback("http://[::1]:8080/"));
	assert_false(http_url_is_loopback("http://128.0.0.1/"));
	assert_false(http_url_is_loopback("http://cm01.corp.example/"));
	assert_false(http_url_is_loopback("http://127.0.0.1.evil.example/"));
	assert_false(http_url_is_loopback("http://localhost.evil.example/"));
	assert_false(http_url_is_loopback("not a url"));
}

static void test_page_parse_reports_what_is_wrong(void **state)
{
	struct buf b = BUF_INIT;
	struct ow_err e = { 0 };
	json_t *root, *rows;
	const char *next;

	(void)state;
	buf_adds(&b, "{\"value\":[{\"a\":1}");
	assert_int_equal(as_parse_page(&b, &root, &rows, &next, &e), OW_ESITE);
	assert_non_null(strstr(e.msg, "not valid JSON"));
	buf_reset(&b);
	buf_adds(&b, "{\"values\":[]}");
	assert_int_equal(as_parse_page(&b, &root, &rows, &next, &e), OW_ESITE);
	assert_non_null(strstr(e.msg, "no \"value\""));
	buf_reset(&b);
	buf_adds(&b, "{\"value\":[],\"@odata.nextLink\":\"https://h/AdminService/wmi/X?$skip=5\"}");
	assert_int_equal(as_parse_page(&b, &root, &rows, &next, &e), 0);
	assert_string_equal(next, "https://h/AdminService/wmi/X?$skip=5");
	json_decref(root);
	buf_free(&b);
}

static void test_status_codes_become_operator_advice(void **state)
{
	struct http_resp r = { 0 };
	struct ow_err e = { 0 };
	char path[4096];

	(void)state;
	r.status = 401;
	assert_int_equal(as_check_read(&r, "U", true, &e), OW_ESITE);
	assert_non_null(strstr(e.msg, "authentication failed"));
	/* The real "no role" body: a 404 with a string code. */
	snprintf(path, sizeof path, "%s/adminservice-real/adminservice_error_404_access_denied__moderndrivermgmt_issue179.json", tu_fixtures());
	r.body = (struct buf)BUF_INIT;
	char *text = tu_read_file(path, NULL);
	buf_adds(&r.body, text);
	free(text);
	r.status = 404;
	assert_int_equal(as_check_read(&r, "U", true, &e), AS_NO_ACCESS);
	assert_non_null(strstr(e.msg, "no RBAC access"));
	assert_non_null(strstr(e.msg, "Access denied"));
	/* A 404 on one instance is not a missing role. */
	assert_int_equal(as_check_read(&r, "U", false, &e), OW_ESITE);
	buf_reset(&r.body);
	buf_adds(&r.body, "{\"error\":{\"code\":\"400\",\"message\":\"bad \\u001b[2J query\"}}");
	r.status = 400;
	assert_int_equal(as_check_read(&r, "U", true, &e), OW_ESITE);
	assert_non_null(strstr(e.msg, "bad ^[[2J query"));   /* the site's words, sanitized */
	buf_free(&r.body);
}

static void test_secret_suspect_judges_names_and_values(void **state)
{
	(void)state;
	assert_true(secret_suspect("OSDDomainJoinPassword", "x"));
	assert_true(secret_suspect("ProductKey", "ABCDE"));
	assert_true(secret_suspect("API_KEY", "abc"));
	assert_true(secret_suspect("Whatever", "CanaryP@ss-1234ABCD!"));
	assert_true(secret_suspect("Blob", "0123456789abcdef0123456789abcdef"));
	assert_false(secret_suspect("OSDComputerName", "LAB-PC-01"));
	assert_false(secret_suspect("OSDKeyboardLocale", "0409:00000409"));
	assert_false(secret_suspect("OSDTimeZone", "W. Europe Standard Time"));
	assert_false(secret_suspect("Edition", "WindowsServer2019"));
	assert_false(secret_suspect("OSDDomainJoinPassword", ""));
}

static void test_password_file_must_be_private(void **state)
{
	char *dir = tu_tmpdir(), *p = tu_path(dir, "pw");
	struct ow_err e = { 0 };
	char *s;

	(void)state;
	assert_int_equal(tu_write_file(p, "hunter2\n", 8), 0);
	chmod(p, 0644);
	assert_null(secret_from_file(p, &e));
	assert_non_null(strstr(e.msg, "chmod 600"));
	chmod(p, 0600);
	s = secret_from_file(p, &e);
	assert_string_equal(s, "hunter2");
	secret_free(s);
	tu_rmtree(dir);
	free(dir);
	free(p);
}

/* The SDK's own class pages mark some properties lazy: a collection query
 * does not fill them, and a $select naming one may be refused (a real site
 * answered HTTP 400 for BootImageID). No $select of the contract may name
 * one; such a property is read per instance by keyed GET. */
static void test_no_select_names_a_property_the_sdk_marks_lazy(void **state)
{
	json_t *pages = sdk_pages(), *j;
	int checked = 0;
	size_t k;

	(void)state;
	json_array_foreach(pages, k, j) {
		json_t *props, *p;
		const char *cls, *file = json_string_value(json_object_get(j, "file"));
		const struct as_class *c;
		size_t i;

		cls = json_string_value(json_object_get(j, "class"));
		props = json_object_get(j, "properties_extracted");
		assert_non_null(cls);
		assert_true(json_is_array(props));
		c = as_class_find(cls);
		json_array_foreach(props, i, p) {
			const char *name = json_string_value(json_object_get(p, "name"));
			char sel[1100], want[140];
			if (!c || !name || !sdk_lazy(p))
				continue;
			snprintf(sel, sizeof sel, ",%s,", c->select);
			snprintf(want, sizeof want, ",%s,", name);
			checked++;
			for (char *q = sel; *q; q++)
				*q = (char)tolower((unsigned char)*q);
			for (char *q = want; *q; q++)
				*q = (char)tolower((unsigned char)*q);
			if (strstr(sel, want))
				fail_msg("the contract's $select of %s names %s, which the SDK marks lazy "
				         "(%s): read it per instance instead", cls, name, file);
		}
	}
	/* The pages are there and hold lazy properties of classes we read. */
	assert_true(json_array_size(pages) >= 20);
	assert_true(checked >= 10);
	json_decref(pages);
}

/* A listening socket on loopback nobody accepts on: a request that were
 * sent would sit in its backlog. */
static int listener(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static bool someone_connected(int fd)
{
	int c = accept(fd, NULL, NULL);
	if (c >= 0)
		close(c);
	return c >= 0;
}

static char *many_url;
static char *one_url(void *ctx, size_t i)
{
	(void)ctx;
	return i == 0 ? strdup(many_url) : NULL;
}
static int many_err_kind;
static int one_done(void *ctx, size_t i, struct http_resp *r, const struct ow_err *e)
{
	(void)ctx; (void)i; (void)r;
	many_err_kind = e ? (int)e->kind : 0;
	return 0;
}

/* The console's Esc: asked while a request is held, a stop ends it at
 * once rather than after --timeout, and the request answered with it says
 * so. The listener takes the connection and never answers. */
static int stop_calls;
static char many_msg[1024];
static int stop_after_a_few(void *ctx)
{
	(void)ctx;
	return ++stop_calls >= 4;
}
static int keep_done(void *ctx, size_t i, struct http_resp *r, const struct ow_err *e)
{
	(void)ctx; (void)i; (void)r;
	many_err_kind = e ? (int)e->kind : 0;
	snprintf(many_msg, sizeof many_msg, "%s", e ? e->msg : "");
	return e != NULL;
}

static void test_a_stop_ends_a_held_request_at_once(void **state)
{
	struct http_opts o = { .auth = HTTP_AUTH_NONE, .insecure = HTTP_PLAIN_TEST_LAB,
	                       .connect_timeout_s = 5, .timeout_s = 20, .max_attempts = 1,
	                       .stop = stop_after_a_few };
	struct http_client *h;
	struct ow_err e = { 0 };
	struct timespec t0, t1;
	int port, fd = listener(&port);
	char url[128];
	double took;

	(void)state;
	assert_int_equal(http_client_new(&o, &h, &e), 0);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/AdminService/wmi/SMS_Site", port);
	many_url = url;
	many_err_kind = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_not_equal(http_get_many(h, 2, one_url, keep_done, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_int_equal(many_err_kind, OW_EINPUT);
	if (!strstr(many_msg, "stopped by the operator"))
		fail_msg("the held request ended with: %s", many_msg);
	if (took > 5)
		fail_msg("a stop asked 4 times took %.1f s to end the request (--timeout 20)", took);
	assert_int_equal(stop_calls, 4);
	http_client_free(h);
	close(fd);
}

static double since_s(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A client of o and a URL on a listener that takes the connection and
 * never answers (*fd, closed by the caller). */
static struct http_client *held_client(const struct http_opts *o, int *fd, char *url, size_t n)
{
	struct http_client *h;
	struct ow_err e = { 0 };
	int port;

	*fd = listener(&port);
	assert_int_equal(http_client_new(o, &h, &e), 0);
	snprintf(url, n, "http://127.0.0.1:%d/AdminService/wmi/SMS_Site", port);
	return h;
}

/* The same for one request on its own (the capabilities' $metadata, a
 * page read again, an instance read): the site holding it does not hold
 * the operator either. */
static void test_a_stop_ends_a_single_held_request_at_once(void **state)
{
	struct http_opts o = { .auth = HTTP_AUTH_NONE, .insecure = HTTP_PLAIN_TEST_LAB,
	                       .connect_timeout_s = 5, .timeout_s = 20, .max_attempts = 3,
	                       .stop = stop_after_a_few };
	struct http_resp r;
	struct ow_err e = { 0 };
	struct timespec t0;
	char url[128];
	int fd;
	struct http_client *h = held_client(&o, &fd, url, sizeof url);
	double took;

	(void)state;
	stop_calls = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(http_request(h, "GET", url, NULL, true, &r, &e), OW_EINPUT);
	took = since_s(&t0);
	if (!strstr(e.msg, "stopped by the operator") || !strstr(e.msg, url))
		fail_msg("the held request ended with: %s", e.msg);
	if (took > 5)
		fail_msg("a stop asked 4 times took %.1f s to end the request (--timeout 20)", took);
	assert_int_equal(stop_calls, 4);
	assert_int_equal(r.status, 0);
	http_resp_free(&r);
	/* The stop holds: the next request is not sent, and not asked again. */
	assert_true(someone_connected(fd));   /* the one held */
	assert_false(someone_connected(fd));
	e = (struct ow_err){ 0 };
	assert_int_equal(http_request(h, "GET", url, NULL, true, &r, &e), OW_EINPUT);
	if (!strstr(e.msg, "stopped by the operator"))
		fail_msg("the request after a stop ended with: %s", e.msg);
	assert_int_equal(stop_calls, 4);
	assert_false(someone_connected(fd));
	http_resp_free(&r);
	/* and so do many: the URL is answered with it, and not sent */
	many_url = url;
	many_err_kind = 0;
	many_msg[0] = '\0';
	assert_int_not_equal(http_get_many(h, 2, one_url, keep_done, NULL), 0);
	assert_int_equal(many_err_kind, OW_EINPUT);
	if (!strstr(many_msg, "stopped by the operator"))
		fail_msg("a URL after a stop ended with: %s", many_msg);
	assert_int_equal(stop_calls, 4);
	assert_false(someone_connected(fd));
	http_client_free(h);
	close(fd);
}

/* A write is never cut off half sent: the site may apply it whatever we
 * do, so it runs to its answer or its --timeout, and the caller re-reads
 * (backend/actions). Asked to stop from the first moment, the write
 * still ends only as the timeout it is. */
static int stop_always(void *ctx)
{
	(void)ctx;
	stop_calls++;
	return 1;
}

static void test_a_stop_does_not_cut_off_a_write(void **state)
{
	struct http_opts o = { .auth = HTTP_AUTH_NONE, .insecure = HTTP_PLAIN_TEST_LAB,
	                       .connect_timeout_s = 2, .timeout_s = 2, .max_attempts = 1,
	                       .stop = stop_always };
	struct http_resp r;
	struct ow_err e = { 0 };
	char url[128];
	int fd;
	struct http_client *h = held_client(&o, &fd, url, sizeof url);

	(void)state;
	stop_calls = 0;
	assert_int_equal(http_request(h, "PUT", url, "{}", false, &r, &e), OW_ESITE);
	if (!strstr(e.msg, "may or may not have applied it"))
		fail_msg("the held write ended with: %s", e.msg);
	assert_int_equal(stop_calls, 0);
	http_resp_free(&r);
	/* nor one its caller may repeat (http.h: PUTs declared idempotent) */
	e = (struct ow_err){ 0 };
	assert_int_equal(http_request(h, "PUT", url, "{}", true, &r, &e), OW_ESITE);
	if (!strstr(e.msg, "may or may not have applied it"))
		fail_msg("the held repeatable write ended with: %s", e.msg);
	assert_int_equal(stop_calls, 0);
	http_resp_free(&r);
	http_client_free(h);
	close(fd);
}

static void test_methods_that_hand_out_secrets_are_never_sent(void **state)
{
	static const char *const paths[] = {
		"wmi/SMS_StateMigration.GetEncryptDecryptKey",
		"wmi/sms_statemigration.getencryptdecryptkey",
		"wmi/SMS_StateMigration.GetEncrypt%44ecryptKey",
		"wmi/SMS_TaskSequencePackage('P0100001')/AdminService.GetTSPolicies",
		"wmi/SMS_TaskSequencePackage.GetClientConfigPolicies",
		"wmi/SMS_Site?$filter=x&y=GetTSPolicies",
		/* a decoded NUL must not end the decoded text before the name */
		"wmi/SMS_TaskSequencePackage%00.%47etTSPolicies",
	};
	struct http_opts o = { .auth = HTTP_AUTH_NONE, .insecure = HTTP_PLAIN_TEST_LAB,
	                       .connect_timeout_s = 1, .timeout_s = 2, .max_attempts = 1 };
	struct http_client *h;
	struct ow_err e = { 0 };
	int port, fd = listener(&port);
	char url[512];

	(void)state;
	assert_int_equal(http_client_new(&o, &h, &e), 0);
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct http_resp r;
		snprintf(url, sizeof url, "http://127.0.0.1:%d/AdminService/%s", port, paths[i]);
		assert_true(as_url_denied(url) != NULL);
		memset(&e, 0, sizeof e);
		assert_int_not_equal(http_request(h, "POST", url, "{}", false, &r, &e), 0);
		http_resp_free(&r);
		assert_non_null(strstr(e.msg, "never"));
		assert_false(someone_connected(fd));
		many_url = url;
		many_err_kind = 0;
		http_get_many(h, 2, one_url, one_done, NULL);
		assert_int_not_equal(many_err_kind, 0);
		assert_false(someone_connected(fd));
	}
	/* The control: an ordinary URL does reach the socket. */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/AdminService/wmi/SMS_Site", port);
	assert_null(as_url_denied(url));
	{
		struct http_resp r;
		http_request(h, "GET", url, NULL, true, &r, &e);
		http_resp_free(&r);
	}
	assert_true(someone_connected(fd));
	http_client_free(h);
	close(fd);
}

/* What a site's $metadata exposes, read off the real (excerpted) CSDL:
 * the entity set, its static methods (ActionImport) and its bound ones
 * with their parameter names; nothing that is not there. */
static void test_capabilities_are_read_off_the_real_metadata(void **state)
{
	char path[1024];
	size_t len = 0;
	char *xml;
	json_t *caps, *params;

	(void)state;
	snprintf(path, sizeof path, "%s/adminservice-real/"
	         "adminservice_wmi_metadata_SMS_Collection_excerpt__mecmtoolkit.csdl.xml", tu_fixtures());
	xml = tu_read_file(path, &len);
	assert_non_null(xml);
	caps = as_caps_parse(xml, len);
	assert_non_null(caps);
	assert_true(as_caps_has_class(caps, "SMS_Collection"));
	assert_true(as_caps_has_class(caps, "sms_collection"));
	assert_false(as_caps_has_class(caps, "SMS_Site"));
	assert_non_null(as_caps_action(caps, "SMS_Collection.GetNumResults"));
	assert_non_null(as_caps_action(caps, "sms_collection.approveclients"));
	params = as_caps_action(caps, "SMS_Collection.AddMembershipRule");
	assert_non_null(params);
	assert_int_equal(json_array_size(params), 1);   /* the binding parameter is not one */
	assert_string_equal(json_string_value(json_array_get(params, 0)), "collectionRule");
	assert_null(as_caps_action(caps, "SMS_CertificateInfo.BlockCertificate"));
	assert_null(as_caps_action(caps, "SMS_Collection"));
	json_decref(caps);
	/* not CSDL at all: no capabilities, rather than "nothing exposed" */
	assert_null(as_caps_parse("{\"value\":[]}", 12));
	assert_null(as_caps_parse("", 0));
	free(xml);
}

static void test_capabilities_take_parameters_from_the_action_an_import_names(void **state)
{
	static const char xml[] =
		"<edmx:Edmx><edmx:DataServices><Schema Namespace=\"AdminService\">"
		"<Action Name=\"SMS_X.Do\" IsBound=\"false\"><Parameter Name=\"Alpha\" Type=\"Edm.String\"/>"
		"<Parameter Name='Be&amp;ta' Type=\"Edm.Int64\"/></Action>"
		"<EntityContainer Name=\"C\"><EntitySet Name=\"SMS_X\" EntityType=\"AdminService.SMS_X\"/>"
		"<ActionImport Name=\"SMS_X.Do\" Action=\"AdminService.SMS_X.Do\"/></EntityContainer>"
		"</Schema></edmx:DataServices></edmx:Edmx>";
	json_t *caps = as_caps_parse(xml, sizeof xml - 1), *p;

	(void)state;
	assert_non_null(caps);
	p = as_caps_action(caps, "SMS_X.Do");
	assert_non_null(p);
	assert_int_equal(json_array_size(p), 2);
	assert_string_equal(json_string_value(json_array_get(p, 0)), "Alpha");
	assert_string_equal(json_string_value(json_array_get(p, 1)), "Be&ta");
	json_decref(caps);
}

/* The provider is kept off the proxy of the environment (the console of
 * Configuration Manager is known to fail through proxies); --proxy sends
 * it through the one named. And the User-Agent names osdwarden. */
static void test_the_provider_bypasses_the_environment_proxy_unless_told(void **state)
{
	struct ow_err e = { 0 };
	struct http_client *h;
	struct http_resp r;
	int site_port, proxy_port, site = listener(&site_port), proxy = listener(&proxy_port);
	char url[200], proxy_url[100];
	struct http_opts o = { .auth = HTTP_AUTH_NONE, .insecure = HTTP_PLAIN_TEST_LAB,
	                       .connect_timeout_s = 1, .timeout_s = 1, .max_attempts = 1 };

	(void)state;
	snprintf(url, sizeof url, "http://127.0.0.1:%d/AdminService/wmi/SMS_Site", site_port);
	snprintf(proxy_url, sizeof proxy_url, "http://127.0.0.1:%d", proxy_port);
	setenv("http_proxy", proxy_url, 1);
	setenv("https_proxy", proxy_url, 1);
	setenv("HTTPS_PROXY", proxy_url, 1);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	assert_int_equal(http_client_new(&o, &h, &e), 0);
	http_request(h, "GET", url, NULL, true, &r, &e);
	http_resp_free(&r);
	http_client_free(h);
	assert_true(someone_connected(site));
	assert_false(someone_connected(proxy));
	/* --proxy: through it, the provider too */
	o.proxy = proxy_url;
	assert_int_equal(http_client_new(&o, &h, &e), 0);
	http_request(h, "GET", url, NULL, true, &r, &e);
	http_resp_free(&r);
	http_client_free(h);
	assert_true(someone_connected(proxy));
	assert_false(someone_connected(site));
	unsetenv("http_proxy");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	close(site);
	close(proxy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_url_accepts_origins_and_full_bases),
		cmocka_unit_test(test_urls_keep_the_dollar_and_encode_values),
		cmocka_unit_test(test_no_select_list_asks_for_a_secret),
		cmocka_unit_test(test_every_select_list_includes_the_key_columns),
		cmocka_unit_test(test_repair_turns_lone_surrogates_into_replacement_chars),
		cmocka_unit_test(test_repair_turns_nul_escapes_into_replacement_chars),
		cmocka_unit_test(test_follow_url_keeps_to_the_provider_origin_and_path),
		cmocka_unit_test(test_loopback_hosts_are_told_apart_from_others),
		cmocka_unit_test(test_page_parse_reports_what_is_wrong),
		cmocka_unit_test(test_status_codes_become_operator_advice),
		cmocka_unit_test(test_secret_suspect_judges_names_and_values),
		cmocka_unit_test(test_password_file_must_be_private),
		cmocka_unit_test(test_no_select_names_a_property_the_sdk_marks_lazy),
		cmocka_unit_test(test_methods_that_hand_out_secrets_are_never_sent),
		cmocka_unit_test(test_a_stop_ends_a_held_request_at_once),
		cmocka_unit_test(test_a_stop_ends_a_single_held_request_at_once),
		cmocka_unit_test(test_a_stop_does_not_cut_off_a_write),
		cmocka_unit_test(test_capabilities_are_read_off_the_real_metadata),
		cmocka_unit_test(test_the_provider_bypasses_the_environment_proxy_unless_told),
		cmocka_unit_test(test_capabilities_take_parameters_from_the_action_an_import_names),
		cmocka_unit_test(test_instance_writes_list_their_url_forms_in_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
