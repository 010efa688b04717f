/* Every captured response with rows goes through the sync mapping; the
 * values that land in the inventory are checked, and no secret does. */
#include "support/testutil.h"

#include <dirent.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/adminservice.h"
#include "backend/sync.h"
#include "db/db.h"
#include "db/records.h"
#include "util/buf.h"

static char *g_dir, *g_path;
static struct inv *g_db;

static int setup(void **state)
{
	struct inv_open_opts o = { 0 };
	struct ow_err e = { 0 };

	(void)state;
	g_dir = tu_tmpdir();
	g_path = tu_path(g_dir, "inv.db");
	o.path = g_path;
	assert_int_equal(inv_open(&o, &g_db, &e), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	inv_close(g_db);
	tu_rmtree(g_dir);
	free(g_dir);
	free(g_path);
	return 0;
}

static json_t *fixture_rows(const char *file)
{
	char path[4096];
	json_t *j, *rows;

	snprintf(path, sizeof path, "%s/adminservice-real/%s", tu_fixtures(), file);
	j = json_load_file(path, 0, NULL);
	if (!j)
		fail_msg("cannot load %s", path);
	rows = json_object_get(j, "rows");
	if (!rows)
		rows = json_object_get(j, "value");
	json_incref(rows);
	json_decref(j);
	return rows;
}

static int map_fixture(const char *cls, const char *file)
{
	json_t *rows = fixture_rows(file);
	struct ow_err e = { 0 };
	int rc;

	assert_int_equal(inv_begin(g_db, &e), 0);
	rc = sync_map_rows(g_db, cls, rows, 1780000000, &e);
	assert_int_equal(inv_commit(g_db, &e), 0);
	json_decref(rows);
	return rc;
}

static long long q_int(const char *sql)
{
	return tu_sql_int(g_path, sql);
}

static char *q_text(const char *sql)
{
	sqlite3 *s;
	sqlite3_stmt *st;
	char *v = NULL;

	assert_int_equal(sqlite3_open_v2(g_path, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(s);
	return v;
}

static void expect_text(const char *sql, const char *want)
{
	char *got = q_text(sql);
	if (!got || strcmp(got, want) != 0)
		fail_msg("%s: got '%s', want '%s'", sql, got ? got : "(null)", want);
	free(got);
}

/* The database files must not contain a byte string. Called while g_db
 * holds the inventory open, so the -wal and -shm exist (the last close
 * deletes them): a missing one fails the test instead of passing it. */
static void assert_absent_from_files(const char *needle)
{
	const char *suffix[] = { "", "-wal", "-shm" };
	for (int i = 0; i < 3; i++) {
		char path[4096];
		size_t n;
		char *data;
		snprintf(path, sizeof path, "%s%s", g_path, suffix[i]);
		data = tu_read_file(path, &n);
		if (!data)
			fail_msg("%s is absent while the inventory is open: nothing was checked", path);
		for (size_t k = 0; k + strlen(needle) <= n; k++)
			if (memcmp(data + k, needle, strlen(needle)) == 0)
				fail_msg("'%.16s...' found in %s", needle, path);
		free(data);
	}
}

static void test_sites_map_every_field(void **state)
{
	(void)state;
	assert_int_equal(map_fixture("SMS_Site", "adminservice_wmi_SMS_Site__cmbp_lab2303.rows.json"), 0);
	assert_int_equal(q_int("SELECT count(*) FROM sites"), 3);
	expect_text("SELECT site_name FROM sites WHERE site_code='CAS'", "Central Administration Site");
	expect_text("SELECT server_name FROM sites WHERE site_code='CAS'", "cas-pss.mayyhem.com");
	expect_text("SELECT version FROM sites WHERE site_code='PS1'", "5.00.9106.1000");
	assert_int_equal(q_int("SELECT build_number FROM sites WHERE site_code='PS1'"), 9106);
	assert_int_equal(q_int("SELECT type FROM sites WHERE site_code='CAS'"), 4);
	assert_int_equal(q_int("SELECT type FROM sites WHERE site_code='SEC'"), 1);
	expect_text("SELECT parent_site_code FROM sites WHERE site_code='PS1'", "CAS");
	expect_text("SELECT parent_site_code FROM sites WHERE site_code='SEC'", "PS1");
}

static void test_admins_join_their_arrays(void **state)
{
	(void)state;
	assert_int_equal(map_fixture("SMS_Admin", "adminservice_wmi_SMS_Admin__cmbp_lab2303.rows.json"), 0);
	assert_int_equal(q_int("SELECT count(*) FROM admins"), 4);
	expect_text("SELECT role_names FROM admins WHERE admin_id=16777218",
	            "Application Administrator, Software Update Manager");
	expect_text("SELECT categories FROM admins WHERE admin_id=16777218", "Default");
	expect_text("SELECT collection_names FROM admins WHERE admin_id=1",
	            "All Systems, All Users and User Groups");
	expect_text("SELECT logon_name FROM admins WHERE admin_id=16777219", "mayyhem\\roanalyst");
	assert_int_equal(q_int("SELECT account_type FROM admins WHERE admin_id=1"), 0);
}

static void test_roles_keep_builtin_flags_and_counts(void **state)
{
	(void)state;
	assert_int_equal(map_fixture("SMS_Role", "adminservice_wmi_SMS_Role__cmbp_lab2303.rows.json"), 0);
	assert_int_equal(q_int("SELECT count(*) FROM roles"), 17);
	expect_text("SELECT role_name FROM roles WHERE role_id='SMS0001R'", "Full Administrator");
	assert_int_equal(q_int("SELECT number_of_admins FROM roles WHERE role_id='SMS0001R'"), 2);
	assert_int_equal(q_int("SELECT is_builtin FROM roles WHERE role_id='SMS0001R'"), 1);
	assert_int_equal(q_int("SELECT is_builtin FROM roles WHERE role_id='PS100001'"), 0);
	/* Operations is lazy and empty in a list: nothing is invented. */
	assert_int_equal(q_int("SELECT count(*) FROM roles WHERE operations IS NOT NULL"), 0);
}

static void test_collections_keep_member_counts(void **state)
{
	(void)state;
	assert_int_equal(map_fixture("SMS_Collection", "adminservice_wmi_SMS_Collection__cmbp_lab2303.rows.json"), 0);
	assert_int_equal(q_int("SELECT count(*) FROM collections"), 10);
	assert_int_equal(q_int("SELECT member_count FROM collections WHERE collection_id='SMS00001'"), 37);
	expect_text("SELECT name FROM collections WHERE collection_id='SMS00004'", "All Users and User Groups");
}

static void test_site_roles_record_providers_and_site_servers(void **state)
{
	(void)state;
	assert_int_equal(map_fixture("SMS_SCI_SysResUse", "adminservice_wmi_SMS_SCI_SysResUse__cmbp_lab2303.rows.json"), 0);
	assert_int_equal(q_int("SELECT count(*) FROM site_settings WHERE item='SMS Provider'"), 4);
	assert_int_equal(q_int("SELECT count(*) FROM site_settings WHERE item='SMS Provider' AND site_code='PS1'"), 3);
	assert_int_equal(q_int("SELECT count(*) FROM site_settings WHERE item='SMS Site Server'"), 4);
	expect_text("SELECT name FROM site_settings WHERE item='SMS Provider' AND site_code='CAS'",
	            "cas-pss.mayyhem.com");
	/* The capture logged no NALPath or Props: no DP or SMP is invented. */
	assert_int_equal(q_int("SELECT count(*) FROM dps"), 0);
	assert_int_equal(q_int("SELECT count(*) FROM smps"), 0);
}

static void test_site_accounts_keep_names_never_reserved2(void **state)
{
	json_t *rows = fixture_rows("adminservice_wmi_SMS_SCI_Reserved__cmbp_lab2303.rows.json"), *r;
	json_t *rows7 = fixture_rows("adminservice_wmi_SMS_SCI_Reserved__misconfigmgr_cred7.json");
	size_t i;

	(void)state;
	assert_int_equal(map_fixture("SMS_SCI_Reserved", "adminservice_wmi_SMS_SCI_Reserved__cmbp_lab2303.rows.json"), 0);
	assert_int_equal(map_fixture("SMS_SCI_Reserved", "adminservice_wmi_SMS_SCI_Reserved__misconfigmgr_cred7.json"), 0);
	assert_int_equal(q_int("SELECT count(*) FROM site_settings WHERE item='account'"), 2);
	expect_text("SELECT value FROM site_settings WHERE item='account' AND name='mayyhem\\networkaccess'",
	            "Software Distribution");
	assert_true(json_array_size(rows) > 0 && json_array_size(rows7) > 0);
	json_array_foreach(rows, i, r)
		assert_absent_from_files(json_string_value(json_object_get(r, "Reserved2")));
	json_array_foreach(rows7, i, r)
		assert_absent_from_files(json_string_value(json_object_get(r, "Reserved2")));
	json_decref(rows);
	json_decref(rows7);
}

static void test_a_field_over_the_cap_is_an_error_not_a_row(void **state)
{
	size_t big = (1u << 20) + 1;
	char *name = malloc(big + 1);
	json_t *rows;
	struct ow_err e = { 0 };

	(void)state;
	memset(name, 'A', big);
	name[big] = '\0';
	rows = json_pack("[{s:s,s:s,s:i}]", "SMSID", "{X}", "IssuedTo", name, "Type", 2);
	assert_int_equal(inv_begin(g_db, &e), 0);
	assert_int_not_equal(sync_map_rows(g_db, "SMS_Certificate", rows, 1780000000, &e), 0);
	inv_rollback(g_db);
	assert_non_null(strstr(e.msg, "IssuedTo"));
	assert_non_null(strstr(e.msg, "cap for one field"));
	assert_int_equal(q_int("SELECT count(*) FROM certificates"), 0);
	json_decref(rows);
	free(name);
}

/* Classes osdwarden does not read are refused by the mapping, and their
 * pages still parse: the page parser copes with every captured shape. */
static void test_every_fixture_with_rows_parses_and_maps_or_is_refused(void **state)
{
	char dir[4096];
	struct dirent *de;
	DIR *d;
	int files = 0;

	(void)state;
	snprintf(dir, sizeof dir, "%s/adminservice-real", tu_fixtures());
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name, *start = strstr(name, "adminservice_wmi_"), *end;
		char cls[128];
		json_t *rows, *env, *root, *parsed;
		const char *next;
		struct buf body = BUF_INIT;
		struct ow_err e = { 0 };
		char *text;
		if (!start || !strstr(name, ".json") || !(end = strstr(name, "__")))
			continue;
		start += strlen("adminservice_wmi_");
		snprintf(cls, sizeof cls, "%.*s", (int)(end - start), start);
		rows = fixture_rows(name);
		if (!json_is_array(rows)) {
			json_decref(rows);
			continue;
		}
		env = json_pack("{s:s,s:O}", "@odata.context", "https://x/AdminService/wmi/$metadata#c",
		                "value", rows);
		text = json_dumps(env, JSON_COMPACT);
		buf_adds(&body, text);
		assert_int_equal(as_parse_page(&body, &root, &parsed, &next, &e), 0);
		assert_int_equal(json_array_size(parsed), json_array_size(rows));
		assert_int_equal(as_repair_json(body.data, body.len), 0);
		json_decref(root);
		assert_int_equal(inv_begin(g_db, &e), 0);
		int rc = sync_map_rows(g_db, cls, rows, 1780000000, &e);
		inv_rollback(g_db);
		if (as_class_find(cls))
			assert_int_equal(rc, 0);
		else
			assert_non_null(strstr(e.msg, "no mapping"));
		free(text);
		buf_free(&body);
		json_decref(env);
		json_decref(rows);
		files++;
	}
	closedir(d);
	assert_true(files >= 12);
}

/* Every certificate row as text, in SMSID order (inside the caller's
 * transaction). New string. */
static char *cert_rows(void)
{
	sqlite3 *sq;
	sqlite3_stmt *st;
	struct buf b = BUF_INIT;

	assert_int_equal(sqlite3_open(g_path, &sq), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(sq, "SELECT smsid||'|'||quote(type)||'|'||quote(key_type)"
	                                    "||'|'||quote(is_blocked)||'|'||quote(is_approved)||'|'"
	                                    "||quote(issued_to)||'|'||quote(valid_from)||'|'"
	                                    "||quote(valid_until) FROM certificates ORDER BY smsid",
	                                    -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		buf_addf(&b, "%s\n", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(sq);
	return buf_detach(&b);
}

static char *map_page_with(const char *page, bool stream)
{
	struct ow_err e = { 0 };
	char *rows;
	sqlite3 *sq;

	assert_int_equal(inv_begin(g_db, &e), 0);
	if (sync_map_page(g_db, "SMS_Certificate", page, strlen(page), 1780000000, stream, &e) != 0)
		fail_msg("the %s path refused the page: %s", stream ? "streaming" : "DOM", e.msg);
	assert_int_equal(inv_commit(g_db, &e), 0);
	rows = cert_rows();
	assert_int_equal(sqlite3_open(g_path, &sq), SQLITE_OK);
	assert_int_equal(sqlite3_exec(sq, "DELETE FROM certificates", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(sq);
	return rows;
}

/* One page through both parsers gives the same rows: booleans as true,
 * "TRUE", "False", 1 and "0"; numbers as numbers, strings and reals;
 * dates with and without fractions; nulls. */
static void test_both_parsers_read_a_page_the_same(void **state)
{
	static const char page[] =
		"{\"@odata.context\":\"x\",\"value\":["
		"{\"SMSID\":\"{A}\",\"Type\":2,\"KeyType\":\"1\",\"IsBlocked\":\"TRUE\","
		"\"IsApproved\":true,\"IssuedTo\":\"PXE01\",\"ValidFrom\":\"2025-11-26T15:52:45.43Z\","
		"\"ValidUntil\":\"2027-02-27T17:05:42Z\"},"
		"{\"SMSID\":\"{B}\",\"Type\":\"1\",\"KeyType\":2.0,\"IsBlocked\":\"False\","
		"\"IsApproved\":1,\"IssuedTo\":null,\"ValidFrom\":null,\"ValidUntil\":\"1970-01-01T00:00:00Z\"},"
		"{\"SMSID\":\"{C}\",\"Type\":3,\"KeyType\":1,\"IsBlocked\":0,\"IsApproved\":\"0\","
		"\"IssuedTo\":\"x\",\"ValidFrom\":\"not a date\",\"ValidUntil\":12}"
		"]}";
	char *dom, *stream;

	(void)state;
	dom = map_page_with(page, false);
	stream = map_page_with(page, true);
	/* "TRUE" is true, "False" false, on both */
	assert_non_null(strstr(dom, "{A}|2|1|1|1|'PXE01'|"));
	assert_non_null(strstr(dom, "{B}|1|2|0|1|NULL|NULL|"));
	assert_non_null(strstr(dom, "{C}|3|1|0|0|'x'|NULL|NULL"));
	assert_string_equal(stream, dom);
	free(dom);
	free(stream);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_both_parsers_read_a_page_the_same, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sites_map_every_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_admins_join_their_arrays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roles_keep_builtin_flags_and_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collections_keep_member_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_site_roles_record_providers_and_site_servers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_site_accounts_keep_names_never_reserved2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_fixture_with_rows_parses_and_maps_or_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_field_over_the_cap_is_an_error_not_a_row, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
