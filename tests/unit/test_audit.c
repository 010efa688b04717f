#include "testutil.h"

#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* The operator of the newest row, as a new string. */
static char *last_operator(void)
{
	sqlite3 *s;
	sqlite3_stmt *st;
	char *v = NULL;

	assert_int_equal(sqlite3_open_v2(g_path, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(s, "SELECT operator FROM audit ORDER BY seq DESC LIMIT 1",
	                                    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(s);
	return v;
}

static void append_one(const char *action)
{
	struct inv_open_opts o = { .path = g_path };
	struct ow_err e = { 0 };
	struct inv *db;

	assert_int_equal(inv_open(&o, &db, &e), 0);
	if (audit_append(db, 1700000100, action, "object-x", "", "recorded", &e) != 0)
		fail_msg("audit_append: %s", e.msg);
	inv_close(db);
}

static void test_the_operator_is_the_real_account_not_logname(void **state)
{
	struct passwd *pw = getpwuid(getuid());
	char *saved_logname = getenv("LOGNAME") ? strdup(getenv("LOGNAME")) : NULL;
	char *saved_sudo = getenv("SUDO_USER") ? strdup(getenv("SUDO_USER")) : NULL;
	char *op;

	(void)state;
	assert_non_null(pw);
	setenv("LOGNAME", "mallory", 1);
	setenv("USER", "mallory", 1);
	unsetenv("SUDO_USER");
	append_one("waive");
	op = last_operator();
	if (strcmp(op, pw->pw_name) != 0)
		fail_msg("operator '%s', the account is '%s'", op, pw->pw_name);
	free(op);
	/* A sudo claim is kept beside the account, never instead of it. */
	setenv("SUDO_USER", "mallory", 1);
	append_one("attest");
	op = last_operator();
	assert_non_null(strstr(op, pw->pw_name));
	assert_true(strncmp(op, pw->pw_name, strlen(pw->pw_name)) == 0);
	assert_non_null(strstr(op, "(sudo: mallory)"));
	free(op);
	if (saved_logname)
		setenv("LOGNAME", saved_logname, 1);
	if (saved_sudo)
		setenv("SUDO_USER", saved_sudo, 1);
	else
		unsetenv("SUDO_USER");
	free(saved_logname);
	free(saved_sudo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_an_untouched_log_verifies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_changed_row_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_changed_operator_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_removed_row_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reordered_rows_are_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_operator_is_the_real_account_not_logname, setup,
		                                teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
