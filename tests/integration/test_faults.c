/* The fault matrix: sync and every action against osdwarden-lab under each
 * fault kind, at the request where it hurts most, and some combinations
 * (a connection dropped mid-body, a 401 in the middle of a sync). For
 * each: no crash, a message that says what happened, the right exit code,
 * no partial inventory (a failed sync leaves the file byte-identical), and
 * never a duplicate write: after the faulty run and a clean retry, exactly
 * one write succeeded on the site. Prints the table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../labsite.h"
#include "../unit/testutil.h"

static struct labsite g_ls;
static char g_pristine[400], g_smsid[64];

static void copy_file(const char *from, const char *to)
{
	size_t n = 0;
	char *data = tu_read_file(from, &n);

	assert_non_null(data);
	assert_int_equal(tu_write_file(to, data, n), 0);
	free(data);
}

static void reset_inventory(void)
{
	char p[400];

	snprintf(p, sizeof p, "%s-wal", g_ls.db);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", g_ls.db);
	unlink(p);
	copy_file(g_pristine, g_ls.db);
}

/* Writes in the lab's log since line `from`: attempted and answered 2xx. */
static void count_writes(int from, int *attempted, int *succeeded)
{
	char *log = tu_read_file(g_ls.log, NULL);
	int line = 0;

	*attempted = *succeeded = 0;
	for (char *p = log; p && *p; line++) {
		char *end = strchr(p, '\n');
		if (end)
			*end = '\0';
		if (line >= from && !strstr(p, "\"method\":\"GET\"")) {
			(*attempted)++;
			*succeeded += strstr(p, "\"status\":20") != NULL;
		}
		p = end ? end + 1 : p + strlen(p);
	}
	free(log);
}

static int log_lines(void)
{
	char *log = tu_read_file(g_ls.log, NULL);
	int n = 0;
	for (char *p = log; p && (p = strchr(p, '\n')); p++)
		n++;
	free(log);
	return n;
}

static int setup(void **state)
{
	struct labproc lp;
	sqlite3 *s;
	sqlite3_stmt *st;

	(void)state;
	labsite_init(&g_ls, "faults");
	labsite_start(&g_ls, &lp, NULL);
	if (labsite_sync(&g_ls, &lp) != 0)
		return -1;
	labproc_stop(&lp);
	snprintf(g_pristine, sizeof g_pristine, "%s/pristine.db", g_ls.dir);
	/* one file, no WAL: a clean copy to restore before every row */
	assert_int_equal(sqlite3_open(g_ls.db, &s), SQLITE_OK);
	sqlite3_exec(s, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	assert_int_equal(sqlite3_prepare_v2(s, "SELECT smsid FROM certificates WHERE type=2 AND "
	                                    "is_blocked=0 ORDER BY smsid", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(g_smsid, sizeof g_smsid, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(s);
	copy_file(g_ls.db, g_pristine);
	return g_smsid[0] ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	labsite_free(&g_ls);
	return 0;
}

enum op { OP_SYNC, OP_CERT, OP_ASSOC, OP_SMP, OP_DP, OP_BOOT, OP_COUNT };
static const char *const op_names[] = { "sync", "cert block", "assoc delete", "smp restore-only",
	                                "dp pxe off", "boot f8-off" };

static struct tu_run run_op(enum op op, const struct labproc *lp)
{
	char origin[600];
	const char *site[] = { "--provider", origin, "--auth", "basic", "--user", "labadmin",
	                       "--cacert", lp->ca };
	const char *args[24];
	int n = 0;
	struct tu_run r;

	labsite_origin(lp, origin, sizeof origin);
	switch (op) {
	case OP_SYNC: args[n++] = "sync"; break;
	case OP_CERT: args[n++] = "cert"; args[n++] = "block"; args[n++] = g_smsid; break;
	case OP_ASSOC: args[n++] = "assoc"; args[n++] = "delete"; args[n++] = "16777216";
		args[n++] = "16777217"; break;
	case OP_SMP: args[n++] = "smp"; args[n++] = "restore-only"; args[n++] = "SMP01.holdout.example";
		args[n++] = "on"; break;
	case OP_DP: args[n++] = "dp"; args[n++] = "pxe"; args[n++] = "DP00003.holdout.example";
		args[n++] = "--active"; args[n++] = "off"; break;
	case OP_BOOT: args[n++] = "boot"; args[n++] = "f8-off"; args[n++] = "HLD00001"; break;
	default: break;
	}
	if (op != OP_SYNC)
		args[n++] = "--yes";
	for (size_t i = 0; i < sizeof site / sizeof site[0]; i++)
		args[n++] = site[i];
	args[n] = NULL;
	setenv("OSDWARDEN_PASSWORD", LS_PASSWORD, 1);
	r = tu_cli(g_ls.db, args);
	unsetenv("OSDWARDEN_PASSWORD");
	return r;
}

static const char *outcome_word(const struct tu_run *r)
{
	static char w[32];
	const char *s = r->out && *r->out ? r->out : r->err ? r->err : "";
	size_t n;

	if (strncmp(s, "osdwarden: ", 11) == 0)
		s += 11;
	n = strcspn(s, ":\n");
	snprintf(w, sizeof w, "%.*s", (int)(n < 20 ? n : 20), s);
	if (strncmp(s, "synced", 6) == 0)
		return "synced";
	return w;
}

static void test_fault_matrix(void **state)
{
	static const char *const sync_faults[] = {
		"500@req=3", "503@req=3", "429@req=3", "401@req=3", "reset@req=3", "truncate@req=3",
		"badjson@req=3", "lost@req=3", "slow=1s@req=3", "repeat-page@req=4", "oversize@req=3",
		"truncate@req=4,503@req=6", "401@req=9", "reset@req=2,reset@req=3,reset@req=4,reset@req=5",
	};
	static const char *const action_faults[] = {
		"500@req=2", "503@req=2", "429@req=2", "401@req=2", "reset@req=2", "truncate@req=2",
		"badjson@req=2", "lost@req=2", "slow=1s@req=2", "500@req=1", "reset@req=1",
		"500@req=3", "lost@req=2,500@req=3",
	};
	char before_path[400];

	(void)state;
	printf("# %-18s %-44s %4s  %-22s %s\n", "operation", "fault", "exit", "outcome",
	       "writes (this run / ok after a clean retry)");
	for (int op = 0; op < OP_COUNT; op++) {
		const char *const *faults = op == OP_SYNC ? sync_faults : action_faults;
		size_t nf = op == OP_SYNC ? sizeof sync_faults / sizeof sync_faults[0]
		                          : sizeof action_faults / sizeof action_faults[0];
		for (size_t f = 0; f < nf; f++) {
			struct labproc lp;
			struct tu_run r;
			int from, attempted, succeeded, a2, s2;
			size_t n0 = 0, n1 = 0;
			char *before, *after;

			reset_inventory();
			unlink(g_ls.state);
			snprintf(before_path, sizeof before_path, "%s", g_ls.db);
			before = tu_read_file(before_path, &n0);
			from = log_lines();
			labsite_start(&g_ls, &lp, (const char *const[]){ "--state", g_ls.state,
			                                                 "--faults", faults[f], NULL });
			r = run_op((enum op)op, &lp);
			labproc_stop(&lp);
			count_writes(from, &attempted, &succeeded);
			/* A message, always; an exit code from the table, never a crash. */
			if (!((r.out && *r.out) || (r.err && *r.err)))
				fail_msg("%s under %s: no message at all", op_names[op], faults[f]);
			assert_true(r.rc == 0 || r.rc == 1 || r.rc == 3 || r.rc == 4);
			/* Never more than one write attempt per run. */
			assert_true(attempted <= 1);
			if (op == OP_SYNC && r.rc != 0) {
				/* a failed sync changed nothing */
				after = tu_read_file(g_ls.db, &n1);
				assert_int_equal(n0, n1);
				if (memcmp(before, after, n0) != 0)
					fail_msg("sync under %s changed the inventory", faults[f]);
				assert_non_null(strstr(r.err, "nothing was changed"));
				free(after);
			}
			free(before);
			/* Then a clean run: the site ends as asked, with exactly one
			 * successful write over both runs. */
			labsite_start(&g_ls, &lp, (const char *const[]){ "--state", g_ls.state, NULL });
			{
				struct tu_run r2 = run_op((enum op)op, &lp);
				count_writes(from, &a2, &s2);
				if (r2.rc != 0)
					fail_msg("%s after %s: the clean retry failed (%d): %s %s", op_names[op],
					         faults[f], r2.rc, r2.out, r2.err);
				if (op != OP_SYNC && s2 != 1)
					fail_msg("%s after %s: %d successful writes over both runs", op_names[op],
					         faults[f], s2);
				tu_run_free(&r2);
			}
			labproc_stop(&lp);
			printf("# %-18s %-44s %4d  %-22s %d / %d\n", op_names[op], faults[f], r.rc,
			       outcome_word(&r), attempted, op == OP_SYNC ? 0 : s2);
			tu_run_free(&r);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_matrix),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
