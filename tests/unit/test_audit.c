#include "testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/audit.h"
#include "db/db.h"

static char *g_dir, *g_path;

static int setup(void **state)
{
	struct inv_open_opts o = { 0 };
	struct ow_err e = { 0 };
	struct inv *db;

	(void)state;
	g_dir = tu_tmpdir();
	g_path = tu_path(g_dir, "inv.db");
	o.path = g_path;
	assert_int_equal(inv_open(&o, &db, &e), 0);
	for (int i = 1; i <= 4; i++) {
		char target[32];
		snprintf(target, sizeof target, "object-%d", i);
		assert_int_equal(audit_append(db, 1700000000 + i, "waive", target, "days=1 text=x",
		                              "recorded", &e), 0);
	}
	inv_close(db);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(g_dir);
	free(g_dir);
	free(g_path);
	return 0;
}

static void tamper(const char *sql)
{
	sqlite3 *s;
	assert_int_equal(sqlite3_open(g_path, &s), SQLITE_OK);
	assert_int_equal(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(s);
}

static int verify(int64_t *bad, char *why, size_t n)
{
	struct inv_open_opts o = { .path = g_path };
	struct ow_err e = { 0 };
	struct inv *db;
	int64_t rows;
	char head[65];
	int rc;

	assert_int_equal(inv_open(&o, &db, &e), 0);
	rc = audit_verify(db, &rows, head, bad, why, n, &e);
	inv_close(db);
	return rc;
}

static void test_an_untouched_log_verifies(void **state)
{
	int64_t bad;
	char why[300];

	(void)state;
	assert_int_equal(verify(&bad, why, sizeof why), 0);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM audit"), 4);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(DISTINCT hash) FROM audit"), 4);
}

static void test_a_changed_row_is_named(void **state)
{
	int64_t bad;
	char why[300];

	(void)state;
	tamper("UPDATE audit SET outcome = 'not applied' WHERE seq = 2");
	assert_int_equal(verify(&bad, why, sizeof why), 1);
	assert_int_equal(bad, 2);
	assert_non_null(strstr(why, "changed"));
}

static void test_a_changed_operator_is_named(void **state)
{
	int64_t bad;
	char why[300];

	(void)state;
	tamper("UPDATE audit SET operator = 'someone-else' WHERE seq = 3");
	assert_int_equal(verify(&bad, why, sizeof why), 1);
	assert_int_equal(bad, 3);
}

static void test_a_removed_row_is_named(void **state)
{
	int64_t bad;
	char why[300];

	(void)state;
	tamper("DELETE FROM audit WHERE seq = 2");
	assert_int_equal(verify(&bad, why, sizeof why), 1);
	assert_int_equal(bad, 3);
	assert_non_null(strstr(why, "removed"));
}

static void test_reordered_rows_are_named(void **state)
{
	int64_t bad;
	char why[300];

	(void)state;
	tamper("UPDATE audit SET seq = -2 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3;"
	       "UPDATE audit SET seq = 3 WHERE seq = -2");
	assert_int_equal(verify(&bad, why, sizeof why), 1);
	assert_int_equal(bad, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_an_untouched_log_verifies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_changed_row_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_changed_operator_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_removed_row_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reordered_rows_are_named, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
