#include "testutil.h"

#include <jansson.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/out.h"
#include "db/db.h"
#include "db/records.h"

static char *g_dir, *g_db;

static struct tu_run run_cli(const char *const *args)
{
	return tu_cli(g_db, args);
}

#define RUN(...) run_cli((const char *const[]){ __VA_ARGS__, NULL })

static int setup(void **state)
{
	(void)state;
	g_dir = tu_tmpdir();
	g_db = tu_path(g_dir, "inv.db");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(g_dir);
	free(g_dir);
	free(g_db);
	return 0;
}

static void add_cert(const char *smsid, const char *issued_to, int64_t valid_until)
{
	struct inv_open_opts o = { .path = g_db };
	struct ow_err e = { 0 };
	struct inv *db;
	struct inv_cert c = { .smsid = (char *)smsid, .site_code = (char *)"HLD", .type = 2,
	                      .key_type = 1, .is_blocked = 0, .is_approved = 1,
	                      .issued_to = (char *)issued_to, .server_name = (char *)"PXE01",
	                      .valid_from = 1700000000, .valid_until = valid_until };

	assert_int_equal(inv_open(&o, &db, &e), 0);
	assert_int_equal(inv_put_cert(db, &c, 100, &e), 0);
	inv_close(db);
}

static void assert_no_control_bytes(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\r')
			fail_msg("raw control byte 0x%02x at %zu", (unsigned char)s[i], i);
}

static void test_list_certs_json_on_empty_inventory_prints_empty_array(void **state)
{
	struct tu_run r = RUN("list", "certs", "--format", "json");

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "[]\n");
	assert_string_equal(r.err, "");
	tu_run_free(&r);
}

static void test_list_json_carries_typed_values(void **state)
{
	struct tu_run r;
	json_t *j, *row;

	(void)state;
	add_cert("{0B5E1A11-AAAA-4000-8000-000000000002}", "PXE01.holdout.example", 1900000000);
	r = RUN("list", "certs", "--format", "json");
	assert_int_equal(r.rc, 0);
	j = json_loads(r.out, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(j), 1);
	row = json_array_get(j, 0);
	assert_string_equal(json_string_value(json_object_get(row, "type")), "PXE");
	assert_string_equal(json_string_value(json_object_get(row, "key_type")), "self");
	assert_true(json_is_false(json_object_get(row, "is_blocked")));
	assert_string_equal(json_string_value(json_object_get(row, "valid_until")),
	                    "2030-03-17T17:46:40Z");
	assert_string_equal(json_string_value(json_object_get(row, "smsid")),
	                    "{0B5E1A11-AAAA-4000-8000-000000000002}");
	json_decref(j);
	tu_run_free(&r);
}

static void test_hostile_names_reach_no_output_raw(void **state)
{
	static const char hostile[] = "Media\x1b]52;c;ZXZpbA==\a Build\xe2\x80\xae" "exe.txt\xff";
	const char *formats[] = { "text", "csv", "json" };

	(void)state;
	add_cert("{EVIL}", hostile, 1900000000);
	for (int i = 0; i < 3; i++) {
		struct tu_run r = RUN("list", "certs", "--format", formats[i]);
		assert_int_equal(r.rc, 0);
		assert_no_control_bytes(r.out, r.olen);
		assert_null(strstr(r.out, "\xe2\x80\xae"));
		if (i < 2)
			assert_non_null(strstr(r.out, "^[]52;c;"));
		tu_run_free(&r);
	}
}

static void test_text_output_shows_escapes_visibly_in_utf8_locales(void **state)
{
	struct tu_run r;

	(void)state;
	if (!setlocale(LC_ALL, "C.UTF-8"))
		skip();
	add_cert("{EVIL}", "Build\xe2\x80\xae" "exe", 1900000000);
	r = RUN("list", "certs");
	setlocale(LC_ALL, "C");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "Build<U+202E>exe"));
	tu_run_free(&r);
}

static void test_csv_defuses_spreadsheet_formulas(void **state)
{
	struct tu_run r;

	(void)state;
	add_cert("{F1}", "=HYPERLINK(\"http://x\",\"y\")", 1900000000);
	add_cert("{F2}", "+1+2", 1900000000);
	add_cert("{F3}", "@SUM(A1)", 1900000000);
	add_cert("{F4}", "-2", 1900000000);
	r = RUN("list", "certs", "--format", "csv", "--sort", "smsid");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""));
	assert_non_null(strstr(r.out, "\"'+1+2\""));
	assert_non_null(strstr(r.out, "\"'@SUM(A1)\""));
	assert_non_null(strstr(r.out, "\"'-2\""));
	/* Header row, then one row per certificate, CRLF line ends. */
	assert_true(strncmp(r.out, "type,key_type,issued_to,", 24) == 0);
	assert_non_null(strstr(r.out, "\r\n"));
	tu_run_free(&r);
}

static void test_csv_field_quotes_only_what_needs_it(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	out_csv_field(&b, "plain", true);
	buf_addc(&b, '|');
	out_csv_field(&b, "a,b", true);
	buf_addc(&b, '|');
	out_csv_field(&b, "say \"hi\"", true);
	buf_addc(&b, '|');
	out_csv_field(&b, "-5", false);   /* a number, not a formula */
	assert_string_equal(buf_str(&b), "plain|\"a,b\"|\"say \"\"hi\"\"\"|-5");
	buf_free(&b);
}

static void test_filter_sort_and_limit_shape_the_output(void **state)
{
	struct tu_run r;
	json_t *j;

	(void)state;
	add_cert("{1}", "alpha.example", 1900000000);
	add_cert("{2}", "beta.example", 1800000000);
	add_cert("{3}", "gamma.other", 1700000000);
	r = RUN("list", "certs", "--format", "json", "--filter", "EXAMPLE", "--sort",
	        "valid_until", "--desc");
	j = json_loads(r.out, 0, NULL);
	assert_int_equal(json_array_size(j), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "issued_to")),
	                    "alpha.example");
	json_decref(j);
	tu_run_free(&r);
	r = RUN("list", "certs", "--format", "json", "--limit", "1", "--sort", "issued_to");
	j = json_loads(r.out, 0, NULL);
	assert_int_equal(json_array_size(j), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "issued_to")),
	                    "alpha.example");
	json_decref(j);
	tu_run_free(&r);
}

static void test_usage_errors_exit_2_and_say_what_to_do(void **state)
{
	struct {
		const char *const *args;
		const char *says;
	} cases[] = {
		{ (const char *const[]){ "list", NULL }, "which list?" },
		{ (const char *const[]){ "list", "passwords", NULL }, "no list 'passwords'" },
		{ (const char *const[]){ "list", "certs", "--format", "xml", NULL }, "unknown format" },
		{ (const char *const[]){ "list", "certs", "--sort", "nope", NULL }, "no column 'nope'" },
		{ (const char *const[]){ "list", "certs", "--limit", "-3", NULL }, "--limit" },
		{ (const char *const[]){ "list", "certs", "dps", NULL }, "one list at a time" },
		{ (const char *const[]){ "frobnicate", NULL }, "no command 'frobnicate'" },
		{ (const char *const[]){ "--bogus", NULL }, "unknown or incomplete option" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tu_run r = run_cli(cases[i].args);
		if (r.rc != 2 || !strstr(r.err, cases[i].says))
			fail_msg("case %zu: rc %d, stderr '%s'", i, r.rc, r.err);
		assert_string_equal(r.out, "");
		tu_run_free(&r);
	}
}

static void test_help_and_version_exit_0(void **state)
{
	struct tu_run r = RUN("--help");

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "--read-only"));
	assert_non_null(strstr(r.out, "list"));
	tu_run_free(&r);
	r = RUN("--version");
	assert_int_equal(r.rc, 0);
	assert_true(strncmp(r.out, "osdwarden " OSDWARDEN_VERSION, 10 + strlen(OSDWARDEN_VERSION)) == 0);
	tu_run_free(&r);
	r = RUN("help", "list");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "--format"));
	tu_run_free(&r);
}

static void test_no_command_prints_usage_and_exits_2(void **state)
{
	struct tu_run r = run_cli((const char *const[]){ NULL });

	(void)state;
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err, "usage:"));
	tu_run_free(&r);
}

static void test_read_only_on_a_missing_inventory_exits_2_without_creating_it(void **state)
{
	struct tu_run r = RUN("--read-only", "list", "dps");

	(void)state;
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err, "run `osdwarden sync` first"));
	assert_false(access(g_db, F_OK) == 0);
	tu_run_free(&r);
}

static void test_damaged_inventory_exits_2_with_advice(void **state)
{
	struct tu_run r;

	(void)state;
	assert_int_equal(tu_write_file(g_db, "garbage garbage garbage", 23), 0);
	r = RUN("list", "dps");
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err, "left untouched"));
	tu_run_free(&r);
}

static void test_settings_list_and_set_with_validation_and_audit(void **state)
{
	struct tu_run r = RUN("settings");

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "assoc_released_max_days"));
	tu_run_free(&r);
	r = RUN("settings", "set", "assoc_released_max_days", "7");
	assert_int_equal(r.rc, 0);
	tu_run_free(&r);
	assert_int_equal(tu_sql_int(g_db, "SELECT value FROM settings WHERE key='assoc_released_max_days'"), 7);
	assert_int_equal(tu_sql_int(g_db, "SELECT count(*) FROM audit WHERE action='setting'"), 1);
	r = RUN("settings", "set", "no_such_threshold", "7");
	assert_int_equal(r.rc, 2);
	tu_run_free(&r);
	r = RUN("settings", "set", "assoc_released_max_days", "-1");
	assert_int_equal(r.rc, 2);
	tu_run_free(&r);
	assert_int_equal(tu_sql_int(g_db, "SELECT value FROM settings WHERE key='assoc_released_max_days'"), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_certs_json_on_empty_inventory_prints_empty_array, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_json_carries_typed_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_names_reach_no_output_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_output_shows_escapes_visibly_in_utf8_locales, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_defuses_spreadsheet_formulas, setup, teardown),
		cmocka_unit_test(test_csv_field_quotes_only_what_needs_it),
		cmocka_unit_test_setup_teardown(test_filter_sort_and_limit_shape_the_output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage_errors_exit_2_and_say_what_to_do, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_and_version_exit_0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_command_prints_usage_and_exits_2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_on_a_missing_inventory_exits_2_without_creating_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_inventory_exits_2_with_advice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings_list_and_set_with_validation_and_audit, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
