#include "support/testutil.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/audit.h"
#include "db/db.h"
#include "db/internal.h"   /* a raw COMMIT, as a crash after it would leave things */

static char *g_dir, *g_path, *g_state;

static int setup(void **state)
{
	struct inv_open_opts o = { 0 };
	struct ow_err e = { 0 };
	struct inv *db;

	(void)state;
	g_dir = tu_tmpdir();
	g_path = tu_path(g_dir, "inv.db");
	/* The key and the anchor live outside the inventory, here. */
	g_state = tu_path(g_dir, "state");
	setenv("OSDWARDEN_STATE_DIR", g_state, 1);
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
	free(g_state);
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
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM audit WHERE action = 'waive'"), 4);
	/* the first write under the key says so: row 1 */
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM audit WHERE seq = 1 AND "
	                                    "action = 'audit.anchor'"), 1);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(DISTINCT hash) FROM audit"), 5);
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

/* What an attacker who can write the inventory can do: recompute every
 * row's hash from its fields, so that the chain links again. The row format
 * is no secret (db/audit.c). */
static void hash_row(sqlite3_stmt *st, const char *prev, char out[65])
{
	char buf[8192];
	size_t n;
	unsigned char md[32];

	n = (size_t)snprintf(buf, sizeof buf, "osdwarden-audit-v1|%lld|%lld|",
	                     (long long)sqlite3_column_int64(st, 0),
	                     (long long)sqlite3_column_int64(st, 1));
	n += (size_t)snprintf(buf + n, sizeof buf - n, "%zu:%s|", strlen(prev), prev);
	for (int c = 2; c <= 8; c++) {
		const char *f = (const char *)sqlite3_column_text(st, c);
		f = f ? f : "";
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%zu:%s|", strlen(f), f);
	}
	assert_int_equal(gnutls_hash_fast(GNUTLS_DIG_SHA256, buf, n, md), 0);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void rechain(void)
{
	sqlite3 *s;
	sqlite3_stmt *st, *up;
	char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
	char h[65];

	assert_int_equal(sqlite3_open(g_path, &s), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(s, "SELECT seq, ts, operator, host, ssh_client, action, "
	                                    "target, request, outcome FROM audit ORDER BY seq", -1,
	                                    &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(s, "UPDATE audit SET prev_hash = ?1, hash = ?2 WHERE "
	                                    "seq = ?3", -1, &up, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(s, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		hash_row(st, prev, h);
		sqlite3_bind_text(up, 1, prev, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(up, 2, h, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(up, 3, sqlite3_column_int64(st, 0));
		assert_int_equal(sqlite3_step(up), SQLITE_DONE);
		sqlite3_reset(up);
		snprintf(prev, sizeof prev, "%s", h);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	assert_int_equal(sqlite3_exec(s, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(s);
}

static char *state_file(const char *prefix)
{
	char *dir = g_state, *found = NULL;
	char cmd[600];
	FILE *p;

	snprintf(cmd, sizeof cmd, "ls %s/%s* 2>/dev/null | head -1", dir, prefix);
	p = popen(cmd, "r");
	assert_non_null(p);
	{
		char line[600];
		if (fgets(line, sizeof line, p)) {
			line[strcspn(line, "\n")] = '\0';
			found = strdup(line);
		}
	}
	pclose(p);
	return found;
}

static void expect_broken(const char *words)
{
	int64_t bad;
	char why[600];

	if (verify(&bad, why, sizeof why) != 1)
		fail_msg("verify says intact; expected: %s", words);
	if (!strstr(why, words))
		fail_msg("verify says '%s'; expected it to say '%s'", why, words);
}

static void test_a_removed_last_row_is_named_as_truncation(void **state)
{
	(void)state;
	tamper("DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)");
	expect_broken("truncated");
}

static void test_a_rewrite_with_recomputed_hashes_is_named(void **state)
{
	(void)state;
	tamper("UPDATE audit SET outcome = 'not applied' WHERE seq = 3");
	rechain();
	expect_broken("rewritten");
}

static void test_rows_removed_and_rechained_are_named(void **state)
{
	(void)state;
	/* what a planted trigger does to attest/waive rows, rechained after */
	tamper("DELETE FROM audit WHERE seq = 5");
	rechain();
	expect_broken("truncated");
}

static void test_a_planted_trigger_is_refused_and_its_work_named(void **state)
{
	struct inv_open_opts o = { .path = g_path };
	struct ow_err e = { 0 };
	struct inv *db = NULL;
	struct tu_run r;

	(void)state;
	tamper("CREATE TRIGGER x AFTER INSERT ON audit BEGIN "
	       "DELETE FROM audit WHERE action IN ('attest','waive') AND seq = new.seq; END");
	assert_int_equal(inv_open(&o, &db, &e), OW_EINPUT);
	assert_null(db);
	assert_non_null(strstr(e.msg, "trigger x"));
	r = tu_cli(g_path, (const char *const[]){ "audit", "verify", NULL });
	assert_int_equal(r.rc, 2);
	if (!strstr(r.err, "DROP TRIGGER x"))
		fail_msg("audit verify: '%s'", r.err);
	tu_run_free(&r);
	/* Had it run (an older osdwarden, or SQLite by hand): the waive row it
	 * removed is missing when the operator drops it and verifies. */
	tamper("DELETE FROM audit WHERE seq = 5; DROP TRIGGER x");
	expect_broken("truncated");
}

static void test_a_missing_anchor_is_reported_and_not_recreated(void **state)
{
	char *anchor = state_file("anchor-");

	(void)state;
	assert_non_null(anchor);
	assert_int_equal(unlink(anchor), 0);
	expect_broken("anchor is missing");
	append_one("waive");
	assert_false(access(anchor, F_OK) == 0);
	expect_broken("anchor is missing");
	free(anchor);
}

static void test_a_missing_key_is_reported(void **state)
{
	char *key = tu_path(g_state, "audit.key");

	(void)state;
	assert_int_equal(unlink(key), 0);
	expect_broken("key is missing");
	/* an append does not quietly make a new key for this anchor */
	append_one("waive");
	assert_false(access(key, F_OK) == 0);
	expect_broken("key is missing");
	free(key);
}

static void test_a_replaced_key_is_reported(void **state)
{
	char *key = tu_path(g_state, "audit.key");
	static const char other[] =
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";

	(void)state;
	assert_int_equal(tu_write_file(key, other, sizeof other - 1), 0);
	expect_broken("MAC");
	free(key);
}

static void test_a_key_other_accounts_can_read_is_refused(void **state)
{
	char *key = tu_path(g_state, "audit.key");
	struct tu_run r;

	(void)state;
	assert_int_equal(chmod(key, 0644), 0);
	r = tu_cli(g_path, (const char *const[]){ "audit", "verify", NULL });
	assert_int_equal(r.rc, 2);
	if (!strstr(r.err, "can be read by other accounts"))
		fail_msg("audit verify: '%s'", r.err);
	tu_run_free(&r);
	free(key);
}

static void test_an_anchor_update_cut_by_a_crash_still_verifies(void **state)
{
	struct inv_open_opts o = { .path = g_path };
	struct ow_err e = { 0 };
	struct inv *db;
	int64_t bad;
	char why[600];

	(void)state;
	/* Crash before the commit: the anchor names a pending row that never
	 * committed. */
	assert_int_equal(inv_open(&o, &db, &e), 0);
	assert_int_equal(inv_begin(db, &e), 0);
	assert_int_equal(audit_append(db, 1700000200, "attest", "t", "", "recorded", &e), 0);
	inv_rollback(db);
	inv_close(db);
	assert_int_equal(verify(&bad, why, sizeof why), 0);
	/* Crash after the commit, before the anchor moved on: a COMMIT that
	 * did not go through inv_commit never promotes the pending head. */
	assert_int_equal(inv_open(&o, &db, &e), 0);
	assert_int_equal(inv_begin(db, &e), 0);
	assert_int_equal(audit_append(db, 1700000201, "attest", "t", "", "recorded", &e), 0);
	assert_int_equal(sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	inv_close(db);
	assert_int_equal(verify(&bad, why, sizeof why), 0);
	{
		struct audit_report r;
		assert_int_equal(inv_open(&o, &db, &e), 0);
		assert_int_equal(audit_check(db, &r, &e), 0);
		assert_non_null(strstr(r.note, "interrupted"));
		inv_close(db);
	}
	/* and the next append carries on from it */
	append_one("waive");
	assert_int_equal(verify(&bad, why, sizeof why), 0);
}

static void test_an_older_log_is_anchored_from_its_head_on(void **state)
{
	struct inv_open_opts o = { .path = g_path };
	struct audit_report r;
	struct ow_err e = { 0 };
	struct inv *db;

	(void)state;
	/* An inventory from before the key: rows, no marker, no state. */
	tu_rmtree(g_state);
	tamper("DELETE FROM audit WHERE seq = 1");
	tamper("UPDATE audit SET seq = seq - 1");
	rechain();
	assert_int_equal(inv_open(&o, &db, &e), 0);
	assert_int_equal(audit_check(db, &r, &e), 0);
	assert_non_null(strstr(r.note, "not anchored yet"));
	assert_int_equal(audit_append(db, 1700000300, "attest", "t", "", "recorded", &e), 0);
	assert_int_equal(audit_check(db, &r, &e), 0);
	if (!strstr(r.note, "rows 1..4 predate the key"))
		fail_msg("note: %s", r.note);
	inv_close(db);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM audit WHERE seq = 5 AND "
	                                    "action = 'audit.anchor'"), 1);
}

static void test_export_head_carries_a_mac_under_the_key(void **state)
{
	struct tu_run r;
	char *keytext = NULL, *abs = NULL, data[1200], want[65], *mac, *head;
	unsigned char k[32], md[32];
	size_t n;

	(void)state;
	r = tu_cli(g_path, (const char *const[]){ "audit", "export-head", NULL });
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "rows=5 "));
	assert_non_null(head = strstr(r.out, "head="));
	assert_non_null(mac = strstr(r.out, "mac="));
	{
		char *kp = tu_path(g_state, "audit.key");
		keytext = tu_read_file(kp, &n);
		free(kp);
	}
	assert_non_null(keytext);
	for (int i = 0; i < 32; i++) {
		unsigned v;
		assert_int_equal(sscanf(keytext + 2 * i, "%2x", &v), 1);
		k[i] = (unsigned char)v;
	}
	abs = realpath(g_path, NULL);
	n = (size_t)snprintf(data, sizeof data, "osdwarden-audit-head-v1|%s|5|%.64s", abs, head + 5);
	assert_int_equal(gnutls_hmac_fast(GNUTLS_MAC_SHA256, k, sizeof k, data, n, md), 0);
	for (int i = 0; i < 32; i++)
		snprintf(want + 2 * i, 3, "%02x", md[i]);
	assert_memory_equal(mac + 4, want, 64);
	/* and a log that does not verify has no head to export */
	tu_run_free(&r);
	tamper("DELETE FROM audit WHERE seq = 5");
	r = tu_cli(g_path, (const char *const[]){ "audit", "export-head", NULL });
	assert_int_equal(r.rc, 1);
	assert_non_null(strstr(r.err, "truncated"));
	tu_run_free(&r);
	free(keytext);
	free(abs);
}

static void test_re_anchor_after_an_explained_loss_verifies_again(void **state)
{
	char *anchor = state_file("anchor-");
	struct tu_run r;

	(void)state;
	assert_int_equal(unlink(anchor), 0);
	expect_broken("anchor is missing");
	r = tu_cli(g_path, (const char *const[]){ "audit", "re-anchor", NULL });
	assert_int_equal(r.rc, 0);
	tu_run_free(&r);
	r = tu_cli(g_path, (const char *const[]){ "audit", "verify", NULL });
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "rows 1..5 predate the key"));
	tu_run_free(&r);
	free(anchor);
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
		cmocka_unit_test_setup_teardown(test_a_removed_last_row_is_named_as_truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_rewrite_with_recomputed_hashes_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rows_removed_and_rechained_are_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_planted_trigger_is_refused_and_its_work_named, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_a_missing_anchor_is_reported_and_not_recreated, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_a_missing_key_is_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_replaced_key_is_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_key_other_accounts_can_read_is_refused, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_an_anchor_update_cut_by_a_crash_still_verifies, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_an_older_log_is_anchored_from_its_head_on, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_export_head_carries_a_mac_under_the_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_re_anchor_after_an_explained_loss_verifies_again, setup,
		                                teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
