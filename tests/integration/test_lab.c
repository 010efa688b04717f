/* osdwarden-lab against the real captured responses and its own contract:
 * shapes, lazy properties, paging, queries, writes, auth, faults,
 * determinism, hostile strings and canaries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/labproc.h"
#include "support/testutil.h"
#include "support/sdkref.h"

#define USER "labadmin:pw-for-tests"
#define NOROLE "someone:pw-for-tests"

static struct labproc g_lab;   /* read-only lab shared by the read tests */
static char g_pwfile[300];

static void start_lab(struct labproc *lp, const char *const *extra)
{
	const char *args[40];
	int n = 0;
	FILE *f;

	snprintf(g_pwfile, sizeof g_pwfile, "%s/lab-pw-%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
	         (int)getpid());
	f = fopen(g_pwfile, "w");
	assert_non_null(f);
	fputs("pw-for-tests\n", f);
	fclose(f);
	args[n++] = "--password-file";
	args[n++] = g_pwfile;
	args[n++] = "--norole-user";
	args[n++] = "someone";
	args[n++] = "--now";
	args[n++] = "1780000000";
	for (; extra && *extra && n < 38; extra++)
		args[n++] = *extra;
	args[n] = NULL;
	labproc_start(lp, args);
}

static int group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	start_lab(&g_lab, (const char *const[]){ "--log", "/dev/null", NULL });
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	labproc_stop(&g_lab);
	unlink(g_pwfile);
	curl_global_cleanup();
	return 0;
}

static json_t *get_json(const struct labproc *lp, const char *path, long want_status)
{
	struct http h = labproc_http(lp, "GET", path, NULL, USER);
	json_error_t je;
	json_t *j;

	if (h.rc != CURLE_OK || h.status != want_status)
		fail_msg("GET %s: curl %d, HTTP %ld: %.300s", path, h.rc, h.status, h.body);
	j = json_loads(h.body, 0, &je);
	if (!j)
		fail_msg("GET %s: not JSON (%s): %.200s", path, je.text, h.body);
	http_free(&h);
	return j;
}

static json_t *rows_of(const struct labproc *lp, const char *path)
{
	json_t *env = get_json(lp, path, 200), *v = json_incref(json_object_get(env, "value"));
	json_decref(env);
	assert_true(json_is_array(v));
	return v;
}

static json_t *load_fixture(const char *name)
{
	char path[4096];
	json_t *j;

	snprintf(path, sizeof path, "%s/adminservice-real/%s", tu_fixtures(), name);
	j = json_load_file(path, 0, NULL);
	if (!j)
		fail_msg("cannot load fixture %s", path);
	return j;
}

/* --- shapes ------------------------------------------------------------ */

static void test_reserved_row_has_exactly_the_real_key_order_and_types(void **state)
{
	json_t *fx = load_fixture("adminservice_wmi_SMS_SCI_Reserved__cmbp_lab2303.rows.json");
	json_t *real = json_array_get(json_object_get(fx, "rows"), 0);
	json_t *rows = rows_of(&g_lab, "wmi/SMS_SCI_Reserved"), *ours = json_array_get(rows, 0);
	void *a = json_object_iter(real), *b = json_object_iter(ours);

	(void)state;
	/* Same keys, same order, same JSON types. */
	while (a && b) {
		const char *ka = json_object_iter_key(a), *kb = json_object_iter_key(b);
		if (strcmp(ka, kb) != 0)
			fail_msg("key order differs: real '%s', lab '%s'", ka, kb);
		if (json_typeof(json_object_iter_value(a)) != json_typeof(json_object_iter_value(b)))
			fail_msg("type of %s differs", ka);
		a = json_object_iter_next(real, a);
		b = json_object_iter_next(ours, b);
	}
	assert_null(a);
	assert_null(b);
	/* The etag is the key values joined with ';', like "2;dom\\user|0;User;PS1". */
	assert_string_equal(json_string_value(json_object_get(ours, "@odata.etag")),
	                    "2;HOLDOUT\\svc_naa|0;User;HLD");
	assert_string_equal(json_string_value(json_object_get(ours, "__RELPATH")),
	                    "SMS_SCI_Reserved.FileType=2,ItemName=\"HOLDOUT\\\\svc_naa|0\","
	                    "ItemType=\"User\",SiteCode=\"HLD\"");
	json_decref(rows);
	json_decref(fx);
}

/* For fixtures where the capturing tool kept only some keys: each of them
 * must exist in the lab's row with the same casing and JSON type. */
static void expect_keys_like(const char *fixture, const char *path)
{
	json_t *fx = load_fixture(fixture), *rows = rows_of(&g_lab, path);
	json_t *real = json_array_get(json_object_get(fx, "rows"), 0), *ours = json_array_get(rows, 0);
	const char *k;
	json_t *v;

	assert_non_null(ours);
	json_object_foreach(real, k, v) {
		json_t *o = json_object_get(ours, k);
		if (!o)
			fail_msg("%s: lab row lacks '%s'", path, k);
		bool both_bool = json_is_boolean(o) && json_is_boolean(v);
		if (json_typeof(o) != json_typeof(v) && !both_bool && !json_is_null(v) && !json_is_null(o))
			fail_msg("%s: '%s' has another JSON type", path, k);
	}
	json_decref(rows);
	json_decref(fx);
}

static void test_rows_carry_the_fields_and_types_of_the_real_captures(void **state)
{
	(void)state;
	expect_keys_like("adminservice_wmi_SMS_Site__cmbp_lab2303.rows.json",
	                 "wmi/SMS_Site?$select=BuildNumber,InstallDir,ReportingSiteCode,ServerName,"
	                 "SiteCode,SiteName,Status,Type,Version&$top=1000&$skip=0");
	expect_keys_like("adminservice_wmi_SMS_Admin__cmbp_lab2303.rows.json", "wmi/SMS_Admin");
	expect_keys_like("adminservice_wmi_SMS_Role__cmbp_lab2303.rows.json", "wmi/SMS_Role");
	expect_keys_like("adminservice_wmi_SMS_SCI_SysResUse__cmbp_lab2303.rows.json",
	                 "wmi/SMS_SCI_SysResUse");
}

static void test_envelope_names_the_metadata_of_the_class(void **state)
{
	json_t *env = get_json(&g_lab, "wmi/SMS_Certificate?$top=1", 200);
	char want[300];

	(void)state;
	snprintf(want, sizeof want, "https://127.0.0.1:%s/AdminService/wmi/$metadata#SMS_Certificate",
	         g_lab.port);
	assert_string_equal(json_string_value(json_object_get(env, "@odata.context")), want);
	assert_null(json_object_get(env, "@odata.nextLink"));
	json_decref(env);
}

static void test_dates_are_iso_with_trimmed_fractions_and_placeholders(void **state)
{
	struct http b = labproc_http(&g_lab, "GET", "wmi/SMS_BootImagePackage", NULL, USER);
	struct http h = labproc_http(&g_lab, "GET", "wmi/SMS_StateMigration?$top=200", NULL, USER);

	(void)state;
	/* Unset dates: the DOS epoch on boot images, null on associations. */
	assert_non_null(strstr(b.body, "\"LastRefreshTime\":\"1980-01-01T00:00:00Z\""));
	assert_non_null(strstr(h.body, "\"StoreReleaseDate\":null"));
	/* Some dates carry 1-3 fraction digits, none ends in a zero digit. */
	assert_non_null(strstr(h.body, ".43Z"));
	assert_non_null(strstr(h.body, ".593Z"));
	/* ".<digits>Z" never ends in 0: trailing zeros are trimmed. */
	for (const char *z = strstr(h.body, "Z\""); z; z = strstr(z + 1, "Z\"")) {
		const char *d = z;
		while (d > h.body && d[-1] >= '0' && d[-1] <= '9')
			d--;
		if (d > h.body && d[-1] == '.')
			assert_true(z[-1] != '0');
	}
	http_free(&h);
	http_free(&b);
}

static void test_sysresuse_embeds_props_and_proplists(void **state)
{
	json_t *rows = rows_of(&g_lab, "wmi/SMS_SCI_SysResUse?$filter=RoleName%20eq%20"
	                                "'SMS%20Distribution%20Point'%20and%20NetworkOSPath%20eq%20"
	                                "'%5C%5CPXE02.holdout.example'");
	json_t *row = json_array_get(rows, 0), *p, *lists;
	size_t i;
	bool pwd = false;

	(void)state;
	assert_int_equal(json_array_size(rows), 1);
	json_array_foreach(json_object_get(row, "Props"), i, p) {
		if (strcmp(json_string_value(json_object_get(p, "PropertyName")), "PXEPassword") == 0)
			pwd = strlen(json_string_value(json_object_get(p, "Value1"))) > 0;
		assert_true(json_is_integer(json_object_get(p, "Value")));
	}
	assert_true(pwd);
	lists = json_object_get(row, "PropLists");
	assert_string_equal(json_string_value(json_object_get(json_array_get(lists, 0),
	                                                      "PropertyListName")), "BindExcept");
	assert_int_equal(json_array_size(json_object_get(json_array_get(lists, 0), "Values")), 2);
	json_decref(rows);
}

/* --- lazy properties ---------------------------------------------------- */

static void test_lazy_properties_are_empty_in_lists_and_filled_on_one_instance(void **state)
{
	json_t *rows = rows_of(&g_lab, "wmi/SMS_Certificate?$top=1"), *one, *lazy;
	const char *smsid;
	char path[256];
	size_t i;
	json_t *v;
	bool listed = false;

	(void)state;
	one = json_array_get(rows, 0);
	assert_true(json_is_null(json_object_get(one, "Thumbprint")));
	lazy = json_object_get(one, "__LAZYPROPERTIES");
	json_array_foreach(lazy, i, v)
		listed |= strcmp(json_string_value(v), "Thumbprint") == 0;
	assert_true(listed);
	smsid = json_string_value(json_object_get(one, "SMSID"));
	snprintf(path, sizeof path, "wmi/SMS_Certificate('%s')", smsid);
	json_t *single = rows_of(&g_lab, path);
	assert_int_equal(json_array_size(single), 1);
	assert_int_equal(strlen(json_string_value(json_object_get(json_array_get(single, 0),
	                                                          "Thumbprint"))), 40);
	json_decref(single);
	json_decref(rows);
	/* Numeric-key and composite-key forms. */
	single = rows_of(&g_lab, "wmi/SMS_Admin(2)");
	assert_string_equal(json_string_value(json_object_get(json_array_get(single, 0), "LogonName")),
	                    "HOLDOUT\\osd.admin");
	assert_int_equal(json_array_size(json_object_get(json_array_get(single, 0), "Roles")), 1);
	json_decref(single);
	single = rows_of(&g_lab, "wmi/SMS_StateMigration(SourceClientResourceID=16777216,"
	                         "RestoreClientResourceID=16777217)");
	assert_int_equal(json_array_size(json_object_get(json_array_get(single, 0), "UserNames")), 1);
	json_decref(single);
}

static void test_unknown_instance_is_404_and_bad_key_is_400(void **state)
{
	struct http h = labproc_http(&g_lab, "GET", "wmi/SMS_Certificate('nope')", NULL, USER);

	(void)state;
	assert_int_equal(h.status, 404);
	http_free(&h);
	h = labproc_http(&g_lab, "GET", "wmi/SMS_StateMigration(Nonsense=1)", NULL, USER);
	assert_int_equal(h.status, 400);
	http_free(&h);
}

/* --- paging ------------------------------------------------------------- */

static size_t count_all(const struct labproc *lp, const char *cls)
{
	char path[200];
	snprintf(path, sizeof path, "wmi/%s", cls);
	json_t *rows = rows_of(lp, path);
	size_t n = json_array_size(rows);
	json_decref(rows);
	return n;
}

static void test_top_skip_paging_visits_every_row_once(void **state)
{
	size_t total = count_all(&g_lab, "SMS_StateMigration"), seen = 0;
	json_t *ids = json_object();

	(void)state;
	assert_true(total >= 200);
	for (long skip = 0;; skip += 37) {
		char path[200];
		snprintf(path, sizeof path, "wmi/SMS_StateMigration?$select=MigrationID&$top=37&$skip=%ld", skip);
		json_t *rows = rows_of(&g_lab, path);
		size_t i;
		json_t *r;
		json_array_foreach(rows, i, r) {
			const char *id = json_string_value(json_object_get(r, "MigrationID"));
			assert_null(json_object_get(ids, id));
			json_object_set_new(ids, id, json_true());
			assert_int_equal(json_object_size(r), 1);   /* $select keeps only that */
		}
		seen += json_array_size(rows);
		bool last = json_array_size(rows) < 37;
		json_decref(rows);
		if (last)
			break;
	}
	assert_int_equal(seen, total);
	json_decref(ids);
}

static void test_next_link_mode_pages_by_links(void **state)
{
	struct labproc lp;
	size_t seen = 0, pages = 0, total;
	char path[600] = "wmi/SMS_StateMigration";

	(void)state;
	start_lab(&lp, (const char *const[]){ "--next-link", "--page-max", "64", NULL });
	total = 200;
	for (;;) {
		json_t *env = get_json(&lp, path, 200);
		const char *next = json_string_value(json_object_get(env, "@odata.nextLink"));
		seen += json_array_size(json_object_get(env, "value"));
		pages++;
		if (!next) {
			json_decref(env);
			break;
		}
		assert_true(strncmp(next, lp.url, strlen(lp.url)) == 0);
		snprintf(path, sizeof path, "%s", next + strlen(lp.url));
		json_decref(env);
	}
	assert_int_equal(seen, total);
	assert_int_equal(pages, 4);
	labproc_stop(&lp);
}

/* --- queries ------------------------------------------------------------ */

static size_t count_filter(const char *path)
{
	json_t *rows = rows_of(&g_lab, path);
	size_t n = json_array_size(rows);
	json_decref(rows);
	return n;
}

static void test_filter_operators_and_select_casing(void **state)
{
	json_t *rows;

	(void)state;
	assert_int_equal(count_filter("wmi/SMS_DistributionPointInfo?$filter=ServerName%20eq%20'pxe01.holdout.example'"), 1);
	assert_int_equal(count_filter("wmi/SMS_DistributionPointInfo?$filter=startswith(ServerName,'PXE0')"), 5);
	assert_int_equal(count_filter("wmi/SMS_DistributionPointInfo?$filter=endswith(ServerName,'01.holdout.example')%20and%20IsPXE%20eq%20true"), 1);
	assert_int_equal(count_filter("wmi/SMS_Certificate?$filter=Type%20eq%201%20and%20IsBlocked%20ne%20true")
	                 + count_filter("wmi/SMS_Certificate?$filter=Type%20eq%201%20and%20IsBlocked%20eq%20true"),
	                 count_filter("wmi/SMS_Certificate?$filter=Type%20eq%201"));
	/* The server's casing, whatever the $select said. */
	rows = rows_of(&g_lab, "wmi/SMS_Certificate?$select=issuedto,SMSId&$top=1");
	assert_non_null(json_object_get(json_array_get(rows, 0), "IssuedTo"));
	assert_non_null(json_object_get(json_array_get(rows, 0), "SMSID"));
	json_decref(rows);
}

static void test_queries_it_cannot_parse_are_400_with_an_odata_error(void **state)
{
	const char *bad[] = {
		"wmi/SMS_Site?$filter=SiteCode%20gt%20'A'",
		"wmi/SMS_Site?$filter=(SiteCode%20eq%20'A'",
		"wmi/SMS_Site?$filter=SiteCode%20eq%20'A'%20or%20SiteCode%20eq%20'B'",
		"wmi/SMS_Site?$top=ten",
		"wmi/SMS_Site?$expand=SiteCode",
		"wmi/SMS_Site?$orderby=NoSuchProperty",
		"wmi/SMS_Site?$orderby=SiteCode%20sideways",
		"wmi/SMS_Site?%24top=1",
		"wmi/SMS_Site?$select=Nope",
		"wmi/SMS_Certificate?$select=Thumbprint",
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct http h = labproc_http(&g_lab, "GET", bad[i], NULL, USER);
		json_t *j = json_loads(h.body, 0, NULL);
		if (h.status != 400 || !json_is_string(json_object_get(json_object_get(j, "error"), "code")))
			fail_msg("%s: HTTP %ld %s", bad[i], h.status, h.body);
		assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "code")), "400");
		json_decref(j);
		http_free(&h);
	}
}

/* --- auth ---------------------------------------------------------------- */

static void test_anonymous_is_401_with_empty_body_and_norole_is_404_access_denied(void **state)
{
	struct http h = labproc_http(&g_lab, "GET", "wmi/SMS_Site", NULL, NULL);
	char *want;

	(void)state;
	assert_int_equal(h.status, 401);
	assert_int_equal(h.len, 0);
	http_free(&h);
	h = labproc_http(&g_lab, "GET", "wmi/SMS_Site", NULL, "labadmin:wrong");
	assert_int_equal(h.status, 401);
	http_free(&h);
	h = labproc_http(&g_lab, "GET", "wmi/SMS_Site", NULL, NOROLE);
	assert_int_equal(h.status, 404);
	{
		char path[4096];
		snprintf(path, sizeof path, "%s/adminservice-real/adminservice_error_404_access_denied__moderndrivermgmt_issue179.json", tu_fixtures());
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		want = calloc(1, 256);
		assert_true(fread(want, 1, 255, f) > 0);
		fclose(f);
		want[strcspn(want, "\n")] = '\0';
	}
	assert_string_equal(h.body, want);
	free(want);
	http_free(&h);
}

/* --- metadata -------------------------------------------------------------- */

static void test_metadata_lists_entity_sets_and_methods(void **state)
{
	struct http h = labproc_http(&g_lab, "GET", "wmi/$metadata", NULL, USER);

	(void)state;
	assert_int_equal(h.status, 200);
	assert_non_null(strstr(h.body, "<EntitySet Name=\"SMS_Certificate\""));
	assert_non_null(strstr(h.body, "<EntitySet Name=\"SMS_StateMigration\""));
	assert_non_null(strstr(h.body, "SMS_CertificateInfo.BlockCertificate"));
	assert_non_null(strstr(h.body, "SMS_StateMigration.DeleteAssociation"));
	assert_non_null(strstr(h.body, "<Property Name=\"ValidUntil\" Type=\"Edm.DateTimeOffset\"/>"));
	http_free(&h);
	h = labproc_http(&g_lab, "GET", "v1.0/$metadata", NULL, USER);
	assert_int_equal(h.status, 200);
	assert_non_null(strstr(h.body, "edmx:Edmx"));
	http_free(&h);
}

/* --- hostile strings and canaries ---------------------------------------- */

static void test_site_contains_hostile_strings(void **state)
{
	struct http h = labproc_http(&g_lab, "GET", "wmi/SMS_DistributionPointInfo", NULL, USER);

	(void)state;
	assert_non_null(strstr(h.body, "\\u001B]52;c;"));          /* OSC 52 */
	assert_true(h.len > 64 * 1024);                              /* the 64 KiB name */
	http_free(&h);
	h = labproc_http(&g_lab, "GET", "wmi/SMS_Certificate", NULL, USER);
	assert_non_null(strstr(h.body, "Build\xe2\x80\xae" "exe.txt"));   /* RLO */
	http_free(&h);
	h = labproc_http(&g_lab, "GET", "wmi/SMS_BootImagePackage", NULL, USER);
	assert_non_null(strstr(h.body, "WinPE \\udc80 drivers"));   /* lone surrogate */
	assert_null(json_loads(h.body, 0, NULL));                    /* strict parsers balk */
	http_free(&h);
}

static char **canaries(size_t *n)
{
	char cmd[4096], line[256], **out = calloc(8, sizeof *out);
	const char *b = getenv("OW_BUILD_DIR");
	FILE *p;

	snprintf(cmd, sizeof cmd, "%s/osdwarden-lab --seed 1 --print-canaries", b ? b : "build");
	p = popen(cmd, "r");
	assert_non_null(p);
	*n = 0;
	while (*n < 8 && fgets(line, sizeof line, p)) {
		line[strcspn(line, "\n")] = '\0';
		out[(*n)++] = strdup(line);
	}
	assert_int_equal(pclose(p), 0);
	return out;
}

static void test_canaries_are_served_where_a_careless_client_would_store_them(void **state)
{
	size_t n;
	char **c = canaries(&n);
	struct http h;

	(void)state;
	assert_int_equal(n, 5);
	/* 0: PXE blob, 1: Reserved2, 2: unmasked variable, 3: TS password, 4: masked value */
	h = labproc_http(&g_lab, "GET", "wmi/SMS_DistributionPointInfo", NULL, USER);
	assert_non_null(strstr(h.body, c[0]));
	http_free(&h);
	h = labproc_http(&g_lab, "GET", "wmi/SMS_SCI_Reserved", NULL, USER);
	assert_non_null(strstr(h.body, c[1]));
	http_free(&h);
	h = labproc_http(&g_lab, "GET", "wmi/SMS_SCI_Reserved?$select=UserName,AccountUsage", NULL, USER);
	assert_null(strstr(h.body, c[1]));
	http_free(&h);
	h = labproc_http(&g_lab, "GET", "wmi/SMS_CollectionSettings('HLD00100')", NULL, USER);
	assert_non_null(strstr(h.body, c[2]));
	http_free(&h);
	h = labproc_http(&g_lab, "GET", "wmi/SMS_CollectionSettings", NULL, USER);
	assert_null(strstr(h.body, c[2]));                            /* lazy: not in lists */
	http_free(&h);
	h = labproc_http(&g_lab, "GET", "wmi/SMS_TaskSequencePackage('HLD00020')", NULL, USER);
	assert_non_null(strstr(h.body, c[3]));
	http_free(&h);
	h = labproc_http(&g_lab, "GET", "wmi/SMS_TaskSequencePackage", NULL, USER);
	assert_null(strstr(h.body, c[3]));
	http_free(&h);
	/* Masked values never leave the site, not even on one instance. */
	const char *colls[] = { "SMS000US", "HLD00101" };
	for (int i = 0; i < 2; i++) {
		char path[100];
		snprintf(path, sizeof path, "wmi/SMS_CollectionSettings('%s')", colls[i]);
		h = labproc_http(&g_lab, "GET", path, NULL, USER);
		assert_int_equal(h.status, 200);
		assert_null(strstr(h.body, c[4]));
		http_free(&h);
	}
	/* A collection without settings answers 404. */
	h = labproc_http(&g_lab, "GET", "wmi/SMS_CollectionSettings('HLD00102')", NULL, USER);
	assert_int_equal(h.status, 404);
	http_free(&h);
	for (size_t i = 0; i < n; i++)
		free(c[i]);
	free(c);
}

/* --- determinism ----------------------------------------------------------- */

static void test_same_seed_gives_byte_identical_responses(void **state)
{
	struct labproc a, b, other;
	const char *paths[] = { "wmi/SMS_StateMigration", "wmi/SMS_Certificate",
	                        "wmi/SMS_SCI_SysResUse", "wmi/SMS_DistributionPointInfo",
	                        "wmi/SMS_TaskSequencePackage('HLD00020')", "wmi/$metadata" };
	const char *seed7[] = { "--seed", "7", "--scale", "3", NULL };
	const char *seed8[] = { "--seed", "8", "--scale", "3", NULL };

	(void)state;
	start_lab(&a, seed7);
	start_lab(&b, seed7);
	start_lab(&other, seed8);
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct http ha = labproc_http(&a, "GET", paths[i], NULL, USER);
		struct http hb = labproc_http(&b, "GET", paths[i], NULL, USER);
		struct http ho = labproc_http(&other, "GET", paths[i], NULL, USER);
		char *na = labproc_normalize(&a, ha.body), *nb = labproc_normalize(&b, hb.body);
		char *no = labproc_normalize(&other, ho.body);
		assert_int_equal(ha.status, 200);
		if (strcmp(na, nb) != 0)
			fail_msg("%s differs between two labs of the same seed", paths[i]);
		if (i < 4 && strcmp(na, no) == 0)
			fail_msg("%s is the same for seeds 7 and 8", paths[i]);
		free(na);
		free(nb);
		free(no);
		http_free(&ha);
		http_free(&hb);
		http_free(&ho);
	}
	labproc_stop(&a);
	labproc_stop(&b);
	labproc_stop(&other);
}

/* --- writes ---------------------------------------------------------------- */

static const char *first_string(const struct labproc *lp, const char *path, const char *field,
                                char *out, size_t n)
{
	json_t *rows = rows_of(lp, path);
	snprintf(out, n, "%s", json_string_value(json_object_get(json_array_get(rows, 0), field)));
	json_decref(rows);
	return out;
}

static long write_req(const struct labproc *lp, const char *method, const char *path, const char *body)
{
	struct http h = labproc_http(lp, method, path, body, USER);
	long s = h.status;
	http_free(&h);
	return s;
}

static int64_t sysres_prop(const struct labproc *lp, const char *server, const char *name)
{
	char path[600];
	json_t *rows, *p;
	size_t i;
	int64_t v = -1;

	snprintf(path, sizeof path, "wmi/SMS_SCI_SysResUse?$filter=NetworkOSPath%%20eq%%20'%%5C%%5C%s'", server);
	rows = rows_of(lp, path);
	json_array_foreach(json_object_get(json_array_get(rows, 0), "Props"), i, p)
		if (strcmp(json_string_value(json_object_get(p, "PropertyName")), name) == 0)
			v = json_integer_value(json_object_get(p, "Value"));
	json_decref(rows);
	return v;
}

static void sysres_key_path(const struct labproc *lp, const char *server, char *out, size_t n)
{
	char path[600], item[600];
	json_t *rows, *r;
	struct { char s[1200]; } q;
	size_t k = 0;

	snprintf(path, sizeof path, "wmi/SMS_SCI_SysResUse?$filter=NetworkOSPath%%20eq%%20'%%5C%%5C%s'", server);
	rows = rows_of(lp, path);
	r = json_array_get(rows, 0);
	snprintf(item, sizeof item, "%s", json_string_value(json_object_get(r, "ItemName")));
	/* Percent-encode the ItemName for the URL: quotes doubled for OData. */
	for (const char *p = item; *p && k + 8 < sizeof q.s; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '\'') {
			k += (size_t)snprintf(q.s + k, sizeof q.s - k, "%%27%%27");
		} else if (strchr("\"\\[]=:, ", ch)) {
			k += (size_t)snprintf(q.s + k, sizeof q.s - k, "%%%02X", ch);
		} else {
			q.s[k++] = (char)ch;
		}
	}
	q.s[k] = '\0';
	snprintf(out, n, "wmi/SMS_SCI_SysResUse(FileType=2,ItemName='%s',ItemType='System%%20Resource%%20Usage',SiteCode='%s')",
	         q.s, json_string_value(json_object_get(r, "SiteCode")));
	json_decref(rows);
}

static void test_every_write_changes_what_a_reread_shows_and_survives_restart(void **state)
{
	struct labproc lp;
	char smsid[80], body[600], state_file[400], key[1600];
	const char *args[4];

	(void)state;
	/* The state file lives outside the lab's temp dir so a restart keeps it. */
	snprintf(state_file, sizeof state_file, "%s/osdwarden-lab-state-%d.json",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	unlink(state_file);
	args[0] = "--state";
	args[1] = state_file;
	args[2] = NULL;
	start_lab(&lp, args);

	/* Block a certificate. */
	first_string(&lp, "wmi/SMS_Certificate?$filter=IssuedTo%20eq%20'OLDPXE09.holdout.example'",
	             "SMSID", smsid, sizeof smsid);
	snprintf(body, sizeof body, "{\"SMSID\":\"%s\",\"Blocked\":true}", smsid);
	assert_int_equal(write_req(&lp, "POST", "wmi/SMS_CertificateInfo.BlockCertificate", body), 201);
	{
		char path[200];
		snprintf(path, sizeof path, "wmi/SMS_Certificate('%s')", smsid);
		json_t *rows = rows_of(&lp, path);
		assert_true(json_is_true(json_object_get(json_array_get(rows, 0), "IsBlocked")));
		json_decref(rows);
	}
	assert_int_equal(write_req(&lp, "POST", "wmi/SMS_CertificateInfo.BlockCertificate",
	                           "{\"SMSID\":\"{00000000-0000-0000-0000-000000000000}\",\"Blocked\":true}"), 404);
	assert_int_equal(write_req(&lp, "POST", "wmi/SMS_CertificateInfo.BlockCertificate", "{\"SMSID\":1}"), 400);

	/* Delete a computer association. */
	size_t before = count_all(&lp, "SMS_StateMigration");
	assert_int_equal(write_req(&lp, "POST", "wmi/SMS_StateMigration.DeleteAssociation",
	                           "{\"SourceClientResourceID\":16777216,\"RestoreClientResourceID\":16777217}"), 201);
	assert_int_equal(count_all(&lp, "SMS_StateMigration"), before - 1);
	assert_int_equal(write_req(&lp, "POST", "wmi/SMS_StateMigration.DeleteAssociation",
	                           "{\"SourceClientResourceID\":16777216,\"RestoreClientResourceID\":16777217}"), 404);

	/* SMP restore-only and deletion policy by PUT of the SysResUse row. */
	sysres_key_path(&lp, "SMP01.holdout.example", key, sizeof key);
	assert_int_equal(write_req(&lp, "PUT", key,
	                           "{\"Props\":[{\"PropertyName\":\"SMPQuiesceState\",\"Value\":1},"
	                           "{\"PropertyName\":\"SMPStoreDeletionDelayTimeInMinutes\",\"Value\":1440},"
	                           "{\"PropertyName\":\"SMPStoreDeletionCycleTimeInMinutes\",\"Value\":1440}],"
	                           "\"PropLists\":[]}"), 204);
	assert_int_equal(sysres_prop(&lp, "SMP01.holdout.example", "SMPQuiesceState"), 1);
	assert_int_equal(sysres_prop(&lp, "SMP01.holdout.example", "SMPStoreDeletionDelayTimeInMinutes"), 1440);
	assert_int_equal(write_req(&lp, "PUT", key, "{\"nothing\":true}"), 400);

	/* DP: answer PXE only on one NIC. */
	char dpkey[1600];
	sysres_key_path(&lp, "PXE01.holdout.example", dpkey, sizeof dpkey);
	assert_int_equal(write_req(&lp, "PUT", dpkey,
	                           "{\"Props\":[{\"PropertyName\":\"BindPolicy\",\"Value\":1}],"
	                           "\"PropLists\":[{\"PropertyListName\":\"BindExcept\",\"Values\":[\"00:15:5D:AA:BB:CC\"]}]}"), 204);
	assert_int_equal(sysres_prop(&lp, "PXE01.holdout.example", "BindPolicy"), 1);

	/* Boot image: F8 prompt off. */
	assert_int_equal(write_req(&lp, "PUT", "wmi/SMS_BootImagePackage('HLD00001')",
	                           "{\"EnableLabShell\":false}"), 204);

	/* Remove the SMP role. */
	sysres_key_path(&lp, "SMP02.holdout.example", key, sizeof key);
	assert_int_equal(write_req(&lp, "DELETE", key, NULL), 204);
	assert_int_equal(write_req(&lp, "DELETE", key, NULL), 404);

	/* A restart with the same --state sees every change. */
	labproc_stop(&lp);
	start_lab(&lp, args);
	assert_int_equal(count_all(&lp, "SMS_StateMigration"), before - 1);
	assert_int_equal(sysres_prop(&lp, "SMP01.holdout.example", "SMPQuiesceState"), 1);
	assert_int_equal(sysres_prop(&lp, "SMP02.holdout.example", "SMPQuiesceState"), -1);
	{
		json_t *rows = rows_of(&lp, "wmi/SMS_BootImagePackage('HLD00001')");
		assert_true(json_is_false(json_object_get(json_array_get(rows, 0), "EnableLabShell")));
		json_decref(rows);
		char path[200];
		snprintf(path, sizeof path, "wmi/SMS_Certificate('%s')", smsid);
		rows = rows_of(&lp, path);
		assert_true(json_is_true(json_object_get(json_array_get(rows, 0), "IsBlocked")));
		json_decref(rows);
	}
	labproc_stop(&lp);
	unlink(state_file);
}

/* --- faults ------------------------------------------------------------------ */

static struct http faulted(const char *spec, const char *path)
{
	struct labproc lp;
	const char *args[] = { "--faults", spec, NULL };
	struct http h;

	start_lab(&lp, args);
	h = labproc_http(&lp, "GET", path, NULL, USER);
	labproc_stop(&lp);
	return h;
}

static void test_each_fault_kind_happens_on_its_request(void **state)
{
	struct http h;

	(void)state;
	h = faulted("500@req=1", "wmi/SMS_Site");
	assert_int_equal(h.status, 500);
	assert_non_null(strstr(h.body, "\"code\":\"500\""));
	http_free(&h);
	h = faulted("503@req=1", "wmi/SMS_Site");
	assert_int_equal(h.status, 503);
	assert_string_equal(h.retry_after, "1");
	http_free(&h);
	h = faulted("429@req=1", "wmi/SMS_Site");
	assert_int_equal(h.status, 429);
	assert_string_equal(h.retry_after, "1");
	http_free(&h);
	h = faulted("reset@req=1", "wmi/SMS_Site");
	assert_int_not_equal(h.rc, CURLE_OK);
	http_free(&h);
	h = faulted("truncate@req=1", "wmi/SMS_StateMigration");
	assert_int_equal(h.rc, CURLE_PARTIAL_FILE);
	http_free(&h);
	h = faulted("slow=1s@req=1", "wmi/SMS_StateMigration");
	assert_int_equal(h.rc, CURLE_OK);
	assert_true(h.secs >= 0.9);
	json_t *whole = json_loads(h.body, 0, NULL);
	assert_non_null(whole);
	json_decref(whole);
	http_free(&h);
	/* in milliseconds: the 600 s bound is on the duration, not the number */
	h = faulted("slow=1500ms@req=1", "wmi/SMS_Site");
	assert_int_equal(h.rc, CURLE_OK);
	assert_true(h.secs >= 1.4);
	http_free(&h);
	h = faulted("badjson@req=1", "wmi/SMS_Site");
	assert_int_equal(h.status, 200);
	assert_null(json_loads(h.body, 0, NULL));
	http_free(&h);
	h = faulted("oversize@req=1", "wmi/SMS_Site");
	assert_int_equal(h.status, 200);
	assert_true(h.len > 64u << 20);
	http_free(&h);
	{
		struct http first, again;
		struct labproc lp;
		start_lab(&lp, (const char *const[]){ "--faults", "repeat-page@req=2", NULL });
		first = labproc_http(&lp, "GET", "wmi/SMS_StateMigration?$top=10&$skip=0", NULL, USER);
		again = labproc_http(&lp, "GET", "wmi/SMS_StateMigration?$top=10&$skip=10", NULL, USER);
		assert_string_equal(first.body, again.body);
		http_free(&first);
		http_free(&again);
		labproc_stop(&lp);
	}
}

static void test_rated_faults_are_deterministic_and_logged(void **state)
{
	struct labproc a, b;
	const char *args[] = { "--faults", "500@0.3", "--log", NULL, NULL };
	char log_a[400], log_b[400];
	int codes_a[40], codes_b[40], fives = 0;

	(void)state;
	snprintf(log_a, sizeof log_a, "%s/lab-a-%d.log", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	snprintf(log_b, sizeof log_b, "%s/lab-b-%d.log", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	args[3] = log_a;
	start_lab(&a, args);
	args[3] = log_b;
	start_lab(&b, args);
	for (int i = 0; i < 40; i++) {
		struct http ha = labproc_http(&a, "GET", "wmi/SMS_Site", NULL, USER);
		struct http hb = labproc_http(&b, "GET", "wmi/SMS_Site", NULL, USER);
		codes_a[i] = (int)ha.status;
		codes_b[i] = (int)hb.status;
		fives += ha.status == 500;
		http_free(&ha);
		http_free(&hb);
	}
	labproc_stop(&a);
	labproc_stop(&b);
	assert_memory_equal(codes_a, codes_b, sizeof codes_a);
	assert_true(fives >= 4 && fives <= 24);
	/* One JSON line per request, with the fields the tests rely on. */
	FILE *f = fopen(log_a, "r");
	char line[2048];
	int lines = 0, logged_fives = 0;
	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		json_t *j = json_loads(line, 0, NULL);
		assert_non_null(j);
		assert_string_equal(json_string_value(json_object_get(j, "method")), "GET");
		assert_string_equal(json_string_value(json_object_get(j, "path")), "/AdminService/wmi/SMS_Site");
		assert_string_equal(json_string_value(json_object_get(j, "user")), "labadmin");
		assert_true(json_is_number(json_object_get(j, "ms")));
		assert_true(json_is_integer(json_object_get(j, "bytes")));
		logged_fives += json_integer_value(json_object_get(j, "status")) == 500;
		json_decref(j);
		lines++;
	}
	fclose(f);
	assert_int_equal(lines, 40);
	assert_int_equal(logged_fives, fives);
	unlink(log_a);
	unlink(log_b);
}

static void test_bad_fault_spec_is_refused_at_start(void **state)
{
	char cmd[4096];
	const char *b = getenv("OW_BUILD_DIR");

	(void)state;
	snprintf(cmd, sizeof cmd, "%s/osdwarden-lab --faults 'explode@0.5' >/dev/null 2>&1", b ? b : "build");
	assert_int_equal(WEXITSTATUS(system(cmd)), 2);
	/* a duration past 600 s, in either unit */
	snprintf(cmd, sizeof cmd, "%s/osdwarden-lab --faults 'slow=600001ms@req=1' >/dev/null 2>&1",
	         b ? b : "build");
	assert_int_equal(WEXITSTATUS(system(cmd)), 2);
}

/* --- the site's own contract: lazy properties, $count, $orderby, page caps */

static bool listed(json_t *names, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(names, i, v)
		if (strcasecmp(json_string_value(v), name) == 0)
			return true;
	return false;
}

static void test_lab_marks_lazy_exactly_what_the_sdk_marks_lazy(void **state)
{
	json_t *pages = sdk_pages(), *j;
	int classes = 0, lazies = 0;
	size_t k;

	(void)state;
	json_array_foreach(pages, k, j) {
		char url[300];
		json_t *props, *p, *row, *lazy;
		const char *cls;
		struct http h;
		size_t i;

		cls = json_string_value(json_object_get(j, "class"));
		snprintf(url, sizeof url, "wmi/%s?$top=1", cls);
		h = labproc_http(&g_lab, "GET", url, NULL, USER);
		if (h.status == 404) {   /* a class the lab does not serve */
			http_free(&h);
			continue;
		}
		http_free(&h);
		json_t *rows = rows_of(&g_lab, url);
		row = json_array_get(rows, 0);
		if (!row) {
			json_decref(rows);
			continue;
		}
		classes++;
		lazy = json_object_get(row, "__LAZYPROPERTIES");
		props = json_object_get(j, "properties_extracted");
		json_array_foreach(props, i, p) {
			const char *name = json_string_value(json_object_get(p, "name"));
			bool want = sdk_lazy(p);
			if (!json_object_get(row, name))
				continue;   /* not served */
			if (want != listed(lazy, name))
				fail_msg("%s.%s: the SDK says %slazy, the lab %s", cls, name, want ? "" : "not ",
				         want ? "serves it as an ordinary property" : "marks it lazy");
			if (want) {
				lazies++;
				snprintf(url, sizeof url, "wmi/%s?$select=%s&$top=1", cls, name);
				h = labproc_http(&g_lab, "GET", url, NULL, USER);
				if (h.status != 400)
					fail_msg("$select of the lazy %s.%s: HTTP %ld, not 400", cls, name, h.status);
				http_free(&h);
			}
		}
		json_decref(rows);
	}
	json_decref(pages);
	assert_true(classes >= 10);
	assert_true(lazies >= 5);
}

static long get_count(const struct labproc *lp, const char *path)
{
	struct http h = labproc_http(lp, "GET", path, NULL, USER);
	char *end;
	long n;

	if (h.status != 200)
		fail_msg("GET %s: HTTP %ld: %.200s", path, h.status, h.body);
	n = strtol(h.body, &end, 10);
	assert_true(end != h.body && *end == '\0');
	http_free(&h);
	return n;
}

static void test_count_segment_answers_a_bare_number_with_the_filter(void **state)
{
	(void)state;
	assert_int_equal(get_count(&g_lab, "wmi/SMS_StateMigration/$count"),
	                 (long)count_all(&g_lab, "SMS_StateMigration"));
	assert_int_equal(get_count(&g_lab, "wmi/SMS_StateMigration/$count?$filter=MigrationStatus%20eq%202"),
	                 (long)count_filter("wmi/SMS_StateMigration?$filter=MigrationStatus%20eq%202"));
}

static void test_orderby_sorts_by_the_keys_it_names(void **state)
{
	json_t *rows = rows_of(&g_lab, "wmi/SMS_StateMigration?$select=SourceClientResourceID,"
	                       "RestoreClientResourceID&$orderby=SourceClientResourceID,"
	                       "RestoreClientResourceID%20desc");
	json_int_t ps = -1, pr = 0;
	size_t i;
	json_t *r;

	(void)state;
	assert_true(json_array_size(rows) >= 200);
	json_array_foreach(rows, i, r) {
		json_int_t s = json_integer_value(json_object_get(r, "SourceClientResourceID"));
		json_int_t d = json_integer_value(json_object_get(r, "RestoreClientResourceID"));
		assert_true(s > ps || (s == ps && d < pr));
		ps = s;
		pr = d;
	}
	json_decref(rows);
}

/* --page-max caps every page, whatever $top asks, with and without links. */
/* A provider's pace: --latency holds every request before its first byte,
 * --rows-per-s a read by the rows it serves. Only lower bounds are
 * asserted (a sleep is at least as long as asked; a loaded machine may
 * take longer). */
static double ms_of(const struct labproc *lp, const char *path)
{
	struct timespec t0, t1;
	json_t *env;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	env = get_json(lp, path, 200);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	json_decref(env);
	return (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
}

static void test_latency_and_rows_per_second_pace_the_answers(void **state)
{
	struct labproc lp;
	double site, page;

	(void)state;
	start_lab(&lp, (const char *const[]){ "--latency", "150", "--rows-per-s", "200", NULL });
	site = ms_of(&lp, "wmi/SMS_Site");                                 /* 3 rows: +15 ms */
	page = ms_of(&lp, "wmi/SMS_StateMigration?$top=100&$skip=0");      /* 100 rows: +500 ms */
	labproc_stop(&lp);
	if (site < 165 || page < 650)
		fail_msg("paced answers came too soon: SMS_Site in %.0f ms (at least 165), a page of "
		         "100 rows in %.0f ms (at least 650)", site, page);
}

static void test_page_max_ignores_a_larger_top(void **state)
{
	struct labproc lp;
	json_t *env;

	(void)state;
	start_lab(&lp, (const char *const[]){ "--page-max", "64", NULL });
	env = get_json(&lp, "wmi/SMS_StateMigration?$top=1000&$skip=0", 200);
	assert_int_equal(json_array_size(json_object_get(env, "value")), 64);
	assert_null(json_object_get(env, "@odata.nextLink"));
	json_decref(env);
	env = get_json(&lp, "wmi/SMS_StateMigration?$top=10", 200);
	assert_int_equal(json_array_size(json_object_get(env, "value")), 10);
	json_decref(env);
	labproc_stop(&lp);
	start_lab(&lp, (const char *const[]){ "--page-max", "64", "--next-link", NULL });
	env = get_json(&lp, "wmi/SMS_StateMigration?$top=1000&$skip=0", 200);
	assert_int_equal(json_array_size(json_object_get(env, "value")), 64);
	assert_non_null(strstr(json_string_value(json_object_get(env, "@odata.nextLink")),
	                       "$skip=64"));
	json_decref(env);
	labproc_stop(&lp);
}

static void test_metadata_without_drops_the_named_actions(void **state)
{
	struct labproc lp;
	struct http h;

	(void)state;
	start_lab(&lp, (const char *const[]){ "--metadata-without",
	                                      "SMS_CertificateInfo.BlockCertificate,SMS_Advertisement",
	                                      "--log", "/dev/null", NULL });
	h = labproc_http(&lp, "GET", "wmi/$metadata", NULL, USER);
	assert_int_equal(h.status, 200);
	assert_null(strstr(h.body, "SMS_CertificateInfo.BlockCertificate"));
	assert_null(strstr(h.body, "<EntitySet Name=\"SMS_Advertisement\""));
	assert_non_null(strstr(h.body, "SMS_StateMigration.DeleteAssociation"));
	assert_non_null(strstr(h.body, "<EntitySet Name=\"SMS_Certificate\""));
	http_free(&h);
	/* what the metadata lacks, the lab does not serve either */
	h = labproc_http(&lp, "POST", "wmi/SMS_CertificateInfo.BlockCertificate",
	                 "{\"SMSID\":\"x\",\"Blocked\":true}", USER);
	assert_int_equal(h.status, 404);
	http_free(&h);
	h = labproc_http(&lp, "GET", "wmi/SMS_Advertisement", NULL, USER);
	assert_int_equal(h.status, 404);
	http_free(&h);
	labproc_stop(&lp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reserved_row_has_exactly_the_real_key_order_and_types),
		cmocka_unit_test(test_rows_carry_the_fields_and_types_of_the_real_captures),
		cmocka_unit_test(test_envelope_names_the_metadata_of_the_class),
		cmocka_unit_test(test_dates_are_iso_with_trimmed_fractions_and_placeholders),
		cmocka_unit_test(test_sysresuse_embeds_props_and_proplists),
		cmocka_unit_test(test_lazy_properties_are_empty_in_lists_and_filled_on_one_instance),
		cmocka_unit_test(test_unknown_instance_is_404_and_bad_key_is_400),
		cmocka_unit_test(test_top_skip_paging_visits_every_row_once),
		cmocka_unit_test(test_next_link_mode_pages_by_links),
		cmocka_unit_test(test_filter_operators_and_select_casing),
		cmocka_unit_test(test_queries_it_cannot_parse_are_400_with_an_odata_error),
		cmocka_unit_test(test_anonymous_is_401_with_empty_body_and_norole_is_404_access_denied),
		cmocka_unit_test(test_metadata_lists_entity_sets_and_methods),
		cmocka_unit_test(test_site_contains_hostile_strings),
		cmocka_unit_test(test_canaries_are_served_where_a_careless_client_would_store_them),
		cmocka_unit_test(test_same_seed_gives_byte_identical_responses),
		cmocka_unit_test(test_every_write_changes_what_a_reread_shows_and_survives_restart),
		cmocka_unit_test(test_each_fault_kind_happens_on_its_request),
		cmocka_unit_test(test_rated_faults_are_deterministic_and_logged),
		cmocka_unit_test(test_bad_fault_spec_is_refused_at_start),
		cmocka_unit_test(test_lab_marks_lazy_exactly_what_the_sdk_marks_lazy),
		cmocka_unit_test(test_count_segment_answers_a_bare_number_with_the_filter),
		cmocka_unit_test(test_orderby_sorts_by_the_keys_it_names),
		cmocka_unit_test(test_page_max_ignores_a_larger_top),
		cmocka_unit_test(test_latency_and_rows_per_second_pace_the_answers),
		cmocka_unit_test(test_metadata_without_drops_the_named_actions),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
