/* `osdwarden demo` as an operator runs it, twice on one kept inventory
 * (--db), the console driven by a key script: each run starts its own
 * Kerberos realm and osdwarden-lab on a port the kernel picks, so the
 * second run finds a lab at a new URL. The inventory keeps one provider
 * row, and `r` in the console syncs. Then the console alone on an
 * inventory that holds several providers: `r` syncs the provider of the
 * sites shown, and asks which one when the sites come from several. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/labsite.h"
#include "support/testutil.h"
#include "support/tuirun.h"

/* `osdwarden --db DB demo --script DIR/keys` with its output in DIR/demo.out
 * and DIR/demo.err; the exit code. */
static int run_demo(const char *dir, const char *db, const char *keys)
{
	const char *build = getenv("OW_BUILD_DIR");
	char *bin = tu_path(build ? build : "build", "osdwarden");
	char kpath[400], out[400], err[400];
	pid_t pid;
	int status;

	snprintf(kpath, sizeof kpath, "%s/keys", dir);
	snprintf(out, sizeof out, "%s/demo.out", dir);
	snprintf(err, sizeof err, "%s/demo.err", dir);
	assert_int_equal(tu_write_file(kpath, keys, strlen(keys)), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (!freopen(out, "w", stdout) || !freopen(err, "w", stderr))
			_exit(126);
		setenv("LANG", "C.UTF-8", 1);
		setenv("LC_ALL", "C.UTF-8", 1);
		setenv("TERM", "xterm", 1);
		execl(bin, bin, "--db", db, "demo", "--script", kpath, "--size", "80x24", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	free(bin);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void print_file(const char *dir, const char *name)
{
	char path[400];
	char *s;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	s = tu_read_file(path, NULL);
	printf("# %s:\n%s\n", name, s ? s : "(none)");
	free(s);
}

static void test_the_demo_run_twice_keeps_one_provider_and_r_syncs(void **state)
{
	char *dir = tu_tmpdir(), db[400], keys[600];
	struct tu_run r;
	char *s;
	int rc;

	(void)state;
	snprintf(db, sizeof db, "%s/inventory.db", dir);
	snprintf(keys, sizeof keys, ":save-display %s/first\n", dir);
	if ((rc = run_demo(dir, db, keys)) != 0) {
		print_file(dir, "demo.err");
		fail_msg("the first demo exited %d", rc);
	}
	s = tuirun_screen(dir, "first");
	tuirun_expect(s, "Security  grade");
	free(s);
	snprintf(keys, sizeof keys, "r\n:save-display %s/after-r\n", dir);
	if ((rc = run_demo(dir, db, keys)) != 0) {
		print_file(dir, "demo.err");
		fail_msg("the second demo exited %d", rc);
	}
	/* The second lab is the same lab at a new port: its row, moved. */
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM providers"), 1);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM sites WHERE provider_id IS NOT "
	                                "(SELECT id FROM providers)"), 0);
	s = tuirun_screen(dir, "after-r");
	tuirun_expect(s, "synced ");
	tuirun_expect(s, tuirun_synced_classes());
	tuirun_expect_not(s, "cannot reach the site");
	tuirun_expect_not(s, "synced from");
	free(s);
	/* scripts/demo.sh starts its own lab and asks for the move alone. */
	r = tu_cli(db, (const char *const[]){ "demo", "--adopt", "https://localhost:4443", NULL });
	assert_int_equal(r.rc, 0);
	tu_run_free(&r);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM providers WHERE url = "
	                                "'https://localhost:4443/AdminService'"), 1);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM providers"), 1);
	tu_rmtree(dir);
	free(dir);
}

/* The lab synced, stopped, started again on a new port and synced again
 * with plain `sync`: two provider rows, every site on the second. `r`
 * reaches the provider of the sites shown (before: "this inventory was
 * synced from 2 providers"). */
static void test_r_syncs_the_provider_of_the_sites_shown(void **state)
{
	struct labsite ls;
	struct labproc lp;
	char script[600];
	struct tu_run r;
	char *s;

	(void)state;
	labsite_init(&ls, "two-providers");
	labsite_start(&ls, &lp, NULL);
	assert_int_equal(labsite_sync(&ls, &lp), 0);
	labproc_stop(&lp);
	labsite_start(&ls, &lp, NULL);
	assert_int_equal(labsite_sync(&ls, &lp), 0);
	assert_int_equal(tu_sql_int(ls.db, "SELECT count(*) FROM providers"), 2);
	snprintf(script, sizeof script, "r\n:save-display %s/after-r\n", ls.dir);
	assert_int_equal(tuirun_script(&(struct tuirun){ .dir = ls.dir, .db = ls.db }, script), 0);
	s = tuirun_screen(ls.dir, "after-r");
	tuirun_expect(s, tuirun_synced_classes());
	tuirun_expect_not(s, "cannot reach the site");
	free(s);
	/* These providers take Basic: no row of theirs is the demo's lab. */
	r = tu_cli(ls.db, (const char *const[]){ "demo", "--adopt", "https://localhost:4443", NULL });
	assert_int_equal(r.rc, 0);
	tu_run_free(&r);
	assert_int_equal(tu_sql_int(ls.db, "SELECT count(*) FROM providers WHERE url LIKE "
	                                   "'https://localhost:4443%'"), 0);
	labsite_down(&ls, &lp);
}

/* Two labs, both running: all sites synced from the first, then one site
 * (--site) from the second, so the sites come from two providers. `r`
 * asks which; the answer is the provider synced; Esc reads nothing. */
static void test_r_asks_which_provider_when_the_sites_come_from_several(void **state)
{
	struct labsite a, b;
	struct labproc la, lb;
	char script[900], code[64], origin[600];
	struct tu_run r;
	int before;
	char *s;

	(void)state;
	labsite_init(&a, "provider-a");
	labsite_init(&b, "provider-b");
	labsite_start(&a, &la, NULL);
	labsite_start(&b, &lb, NULL);
	assert_int_equal(labsite_sync(&a, &la), 0);
	labsite_sql_text(&a, "SELECT site_code FROM sites ORDER BY id DESC LIMIT 1", code,
	                 sizeof code);
	assert_true(code[0] != '\0');
	labsite_origin(&lb, origin, sizeof origin);
	setenv("OSDWARDEN_PASSWORD", LS_PASSWORD, 1);
	r = tu_cli(a.db, (const char *const[]){ "sync", "--provider", origin, "--site", code,
	                                        "--auth", "basic", "--user", "labadmin",
	                                        "--cacert", lb.ca, NULL });
	unsetenv("OSDWARDEN_PASSWORD");
	if (r.rc != 0)
		fail_msg("sync --site %s from the second lab exited %d: %s", code, r.rc, r.err);
	tu_run_free(&r);
	assert_int_equal(tu_sql_int(a.db, "SELECT count(DISTINCT provider_id) FROM sites "
	                                  "WHERE gone_at IS NULL"), 2);
	/* Esc: no provider, nothing read from either lab. */
	before = labsite_requests_logged(&b);
	snprintf(script, sizeof script, "r\n:save-display %s/which\n<Esc>\n:save-display %s/none\n",
	         a.dir, a.dir);
	assert_int_equal(tuirun_script(&(struct tuirun){ .dir = a.dir, .db = a.db }, script), 0);
	s = tuirun_screen(a.dir, "which");
	tuirun_expect(s, "Which provider?");
	tuirun_expect(s, "1  https://127.0.0.1:");
	tuirun_expect(s, "2  https://127.0.0.1:");
	tuirun_expect(s, code);
	free(s);
	s = tuirun_screen(a.dir, "none");
	tuirun_expect(s, "no provider chosen: nothing was read or sent");
	free(s);
	assert_int_equal(labsite_requests_logged(&b), before);
	/* 2 is the second lab (the first holds the site shown): it is read. */
	snprintf(script, sizeof script, "r\n2\n:save-display %s/after-r\n", a.dir);
	assert_int_equal(tuirun_script(&(struct tuirun){ .dir = a.dir, .db = a.db }, script), 0);
	s = tuirun_screen(a.dir, "after-r");
	tuirun_expect(s, tuirun_synced_classes());
	free(s);
	assert_true(labsite_requests_logged(&b) > before);
	assert_int_equal(tu_sql_int(a.db, "SELECT count(DISTINCT provider_id) FROM sites "
	                                  "WHERE gone_at IS NULL"), 1);
	labsite_down(&b, &lb);
	labsite_down(&a, &la);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_demo_run_twice_keeps_one_provider_and_r_syncs),
		cmocka_unit_test(test_r_syncs_the_provider_of_the_sites_shown),
		cmocka_unit_test(test_r_asks_which_provider_when_the_sites_come_from_several),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
