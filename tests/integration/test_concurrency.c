/* Two osdwardens on one inventory: an action racing a sync in both orders,
 * from the CLI and from the console, a check run stored during a sync, and
 * two actions at once. After each race the site, the inventory and the audit
 * log agree, and the audit log verifies.
 *
 * The races are made with the lab's slow fault: one request (a page of the
 * sync, or the write of an action) takes seconds, longer than SQLite's busy
 * timeout, so that whatever holds the inventory's write lock across it
 * makes the other side fail. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support/labsite.h"
#include "support/testutil.h"

static struct labsite g_ls;

static int setup(void **state)
{
	(void)state;
	labsite_init(&g_ls, "concurrency");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	labsite_free(&g_ls);
	return 0;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char *binary(void)
{
	return tu_path(getenv("OW_BUILD_DIR") ? getenv("OW_BUILD_DIR") : "build", "osdwarden");
}

/* The real binary in a child: `osdwarden --db DB args...`, output to
 * files in the test directory named after tag. */
static pid_t spawn(const char *tag, const char *const *args)
{
	char *bin = binary();
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		const char *argv[40];
		char out[400];
		int n = 0;
		argv[n++] = bin;
		argv[n++] = "--db";
		argv[n++] = g_ls.db;
		for (; *args && n < 39; args++)
			argv[n++] = *args;
		argv[n] = NULL;
		snprintf(out, sizeof out, "%s/%s.out", g_ls.dir, tag);
		if (!freopen(out, "w", stdout))
			_exit(126);
		snprintf(out, sizeof out, "%s/%s.err", g_ls.dir, tag);
		if (!freopen(out, "w", stderr))
			_exit(126);
		setenv("OSDWARDEN_PASSWORD", LS_PASSWORD, 1);
		setenv("LANG", "C.UTF-8", 1);
		setenv("LC_ALL", "C.UTF-8", 1);
		setenv("TERM", "xterm", 1);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	free(bin);
	return pid;
}

static int reap(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static bool running(pid_t pid)
{
	int status;
	return waitpid(pid, &status, WNOHANG) == 0;
}

static char *output(const char *tag, const char *stream)
{
	char path[400];
	snprintf(path, sizeof path, "%s/%s.%s", g_ls.dir, tag, stream);
	return tu_read_file(path, NULL);
}



/* Pages of cls answered 200 in the lab's log from line `from` on (a
 * challenge leg of Negotiate is a 401 and does not count). */
static int pages_logged(const char *cls, int from)
{
	char *log = tu_read_file(g_ls.log, NULL), pat[96];
	int n = 0, line = 0;

	snprintf(pat, sizeof pat, "/wmi/%s\"", cls);
	for (char *p = log; p && *p; line++) {
		char *end = strchr(p, '\n');
		if (end)
			*end = '\0';
		n += line >= from && strstr(p, pat) && strstr(p, "\"status\":200");
		p = end ? end + 1 : p + strlen(p);
	}
	free(log);
	return n;
}

/* Waits until the lab has answered a page of cls since line `from`. */
static void wait_for_page(const char *cls, int from)
{
	double t0 = now_s();

	while (pages_logged(cls, from) < 1) {
		if (now_s() - t0 > 20)
			fail_msg("the lab served no page of %s in 20 s", cls);
		usleep(20000);
	}
}

/* Waits until an action has committed its intent row: its write is next. */
static void wait_for_intent(void)
{
	double t0 = now_s();

	while (tu_sql_int(g_ls.db, "SELECT count(*) FROM audit WHERE outcome LIKE "
	                  "'about to send%' AND NOT EXISTS (SELECT 1 FROM audit b WHERE "
	                  "b.seq > audit.seq AND b.target IS audit.target)") < 1) {
		if (now_s() - t0 > 20)
			fail_msg("no action entered its write in the audit log in 20 s");
		usleep(20000);
	}
}


/* A certificate that is not blocked, by its SMSID. */
static void unblocked_cert(char *smsid, size_t n, int skip)
{
	char q[200];
	snprintf(q, sizeof q, "SELECT smsid FROM certificates WHERE is_blocked = 0 AND gone_at IS NULL "
	         "ORDER BY smsid LIMIT 1 OFFSET %d", skip);
	labsite_sql_text(&g_ls, q, smsid, n);
	assert_true(smsid[0] == '{');
}

/* What the site says, over the lab's REST API. */
static bool site_blocked(const struct labproc *lp, const char *smsid)
{
	char path[200], user[100];
	struct http h;
	bool blocked;

	snprintf(path, sizeof path, "wmi/SMS_Certificate('%s')", smsid);
	snprintf(user, sizeof user, "labadmin:%s", LS_PASSWORD);
	h = labproc_http(lp, "GET", path, NULL, user);
	assert_int_equal(h.status, 200);
	blocked = strstr(h.body, "\"IsBlocked\":true") != NULL;
	if (!blocked && !strstr(h.body, "\"IsBlocked\":false"))
		fail_msg("no IsBlocked in %s", h.body);
	http_free(&h);
	return blocked;
}

static long long inventory_blocked(const char *smsid)
{
	char q[200];
	snprintf(q, sizeof q, "SELECT is_blocked FROM certificates WHERE smsid = '%s'", smsid);
	return tu_sql_int(g_ls.db, q);
}

static void assert_audit_verifies(void)
{
	struct tu_run r = tu_cli(g_ls.db, (const char *const[]){ "audit", "verify", NULL });
	if (r.rc != 0)
		fail_msg("audit verify: %d: %s%s", r.rc, r.out, r.err);
	tu_run_free(&r);
}

/* The site, the inventory and the audit log agree on smsid being blocked:
 * one applied block in the log, recorded before the last sync's row. */
static void assert_blocked_everywhere(const struct labproc *lp, const char *smsid)
{
	char q[400];

	assert_true(site_blocked(lp, smsid));
	assert_int_equal(inventory_blocked(smsid), 1);
	snprintf(q, sizeof q, "SELECT count(*) FROM audit WHERE action = 'cert.block' AND "
	         "target LIKE '%%%s%%' AND outcome = 'applied'", smsid);
	assert_int_equal(tu_sql_int(g_ls.db, q), 1);
	assert_audit_verifies();
}

static void sync_args(const struct labproc *lp, char *origin, size_t n, const char **args)
{
	labsite_origin(lp, origin, n);
	const char *a[] = { "sync", "--provider", origin, "--auth", "basic", "--user", "labadmin",
	                    "--cacert", lp->ca, NULL };
	memcpy(args, a, sizeof a);
}

static void block_args(const struct labproc *lp, char *origin, size_t n, const char *smsid,
                       const char **args)
{
	labsite_origin(lp, origin, n);
	const char *a[] = { "cert", "block", smsid, "--yes", "--provider", origin, "--auth", "basic",
	                    "--user", "labadmin", "--cacert", lp->ca, NULL };
	memcpy(args, a, sizeof a);
}

/* A sync whose page of associations takes 7 s (past the 5 s busy timeout); a
 * certificate blocked from the CLI meanwhile. The block must not wait for
 * the sync, must be recorded, and the sync must not undo it in the
 * inventory. */
static void test_action_during_a_sync_is_recorded_and_kept(void **state)
{
	struct labproc lp;
	char origin[600], smsid[80];
	const char *sync[12], *block[14];
	double t0;
	pid_t pid;
	struct tu_run r;

	(void)state;
	labsite_start(&g_ls, &lp, NULL);
	assert_int_equal(labsite_sync(&g_ls, &lp), 0);
	unblocked_cert(smsid, sizeof smsid, 0);
	labproc_stop(&lp);
	/* The page of the class after the certificates is slow (asked for
	 * ahead or not, it is stored after them): the block comes after the
	 * sync read them. */
	labsite_start(&g_ls, &lp, (const char *const[]){ "--faults", "slow=7s@path=SMS_StateMigration$",
	                                                 NULL });
	sync_args(&lp, origin, sizeof origin, sync);
	int before = labsite_requests_logged(&g_ls);
	pid = spawn("sync", sync);
	wait_for_page("SMS_Certificate", before);
	usleep(300000);
	assert_true(running(pid));

	block_args(&lp, origin, sizeof origin, smsid, block);
	setenv("OSDWARDEN_PASSWORD", LS_PASSWORD, 1);
	t0 = now_s();
	r = tu_cli(g_ls.db, block);
	unsetenv("OSDWARDEN_PASSWORD");
	if (r.rc != 0 || !strstr(r.out, "applied"))
		fail_msg("block during a sync: %d: %s%s", r.rc, r.out, r.err);
	/* It did not wait for the sync's read to end. */
	assert_true(now_s() - t0 < 4.0);
	assert_true(running(pid));
	tu_run_free(&r);

	if (reap(pid) != 0) {
		char *e = output("sync", "err");
		fail_msg("the sync failed: %s", e);
	}
	assert_blocked_everywhere(&lp, smsid);
	/* The sync had read the certificates before the block (the slow page
	 * is the next class): it must have seen the block recorded after its
	 * stage was taken and read the site again, or it would have put the
	 * certificate back to unblocked. */
	assert_true(pages_logged("SMS_Certificate", before) >= 2);
	/* The sync applied after the block, and read the site again to do so. */
	assert_true(tu_sql_int(g_ls.db, "SELECT max(seq) FROM audit WHERE action = 'sync'") >
	            tu_sql_int(g_ls.db, "SELECT max(seq) FROM audit WHERE action = 'cert.block'"));
	labproc_stop(&lp);
}

/* The other order: the block's write takes 7 s, past the busy timeout; a
 * sync and an attestation started meanwhile go through without waiting for
 * it (the inventory is not locked while the site is slow), and the block
 * is recorded after them: site, inventory and log agree. */
static void test_a_sync_and_an_attestation_do_not_wait_for_a_slow_write(void **state)
{
	struct labproc lp;
	char origin[600], smsid[80];
	const char *sync[12], *block[14];
	pid_t pid;
	struct tu_run r;

	(void)state;
	labsite_start(&g_ls, &lp, NULL);
	assert_int_equal(labsite_sync(&g_ls, &lp), 0);
	unblocked_cert(smsid, sizeof smsid, 1);
	labproc_stop(&lp);
	labsite_start(&g_ls, &lp, (const char *const[]){ "--faults",
	                                                 "slow=7s@path=BlockCertificate", NULL });
	block_args(&lp, origin, sizeof origin, smsid, block);
	pid = spawn("block", block);
	wait_for_intent();
	usleep(300000);
	assert_true(running(pid));

	sync_args(&lp, origin, sizeof origin, sync);
	setenv("OSDWARDEN_PASSWORD", LS_PASSWORD, 1);
	r = tu_cli(g_ls.db, sync);
	unsetenv("OSDWARDEN_PASSWORD");
	if (r.rc != 0)
		fail_msg("sync during a block: %d: %s%s", r.rc, r.out, r.err);
	tu_run_free(&r);
	/* Neither waited for the block's write: the inventory is not locked
	 * while the site is slow. */
	r = tu_cli(g_ls.db, (const char *const[]){ "attest", "OSD-MEDIA-003", "--note",
	                                           "during a slow write", NULL });
	if (r.rc != 0)
		fail_msg("attest during a block: %d: %s%s", r.rc, r.out, r.err);
	tu_run_free(&r);
	assert_true(running(pid));
	if (reap(pid) != 0) {
		char *o = output("block", "out"), *e = output("block", "err");
		fail_msg("the block failed: %s%s", o, e);
	}
	assert_blocked_everywhere(&lp, smsid);
	labproc_stop(&lp);
}

/* During a long sync the console stores a check run (`c`) and blocks a
 * certificate with its typed confirmation; the CLI records an
 * attestation. None of them waits for the sync. */
static void test_console_and_decisions_work_during_a_sync(void **state)
{
	struct labproc lp;
	char origin[600], smsid[80], script[1200], path[400];
	const char *sync[12];
	long long runs0, attests0;
	pid_t pid, tui;
	struct tu_run r;
	char *s;

	(void)state;
	/* One lab for both syncs (the console acts on the inventory's one
	 * provider); the second sync is slow at the class after the
	 * certificates. */
	labsite_start(&g_ls, &lp, (const char *const[]){ "--faults",
	                                                 "slow=8s@path=SMS_StateMigration$#2", NULL });
	assert_int_equal(labsite_sync(&g_ls, &lp), 0);
	/* The PXE certificate of DP00003, as the console's filter finds it. */
	labsite_sql_text(&g_ls, "SELECT smsid FROM certificates WHERE issued_to LIKE '%DP00003%' AND is_blocked = 0 "
	         "ORDER BY smsid LIMIT 1", smsid, sizeof smsid);
	assert_true(smsid[0] == '{');
	runs0 = tu_sql_int(g_ls.db, "SELECT count(*) FROM check_runs");
	attests0 = tu_sql_int(g_ls.db, "SELECT count(*) FROM audit WHERE action = 'attest'");
	sync_args(&lp, origin, sizeof origin, sync);
	int before = labsite_requests_logged(&g_ls);
	pid = spawn("sync", sync);
	wait_for_page("SMS_Certificate", before);
	usleep(300000);

	r = tu_cli(g_ls.db, (const char *const[]){ "attest", "OSD-MEDIA-003", "--note",
	                                           "built on the isolated host", NULL });
	if (r.rc != 0)
		fail_msg("attest during a sync: %d: %s%s", r.rc, r.out, r.err);
	tu_run_free(&r);

	/* The console talks to the provider the inventory names: this lab. */
	snprintf(path, sizeof path, "%s/keys", g_ls.dir);
	snprintf(script, sizeof script, "c\n:save-display %s/checked\n"
	         "4\n/DP00003<Enter>\nB\n%s<Enter>\n:save-display %s/blocked\nQ\n",
	         g_ls.dir, smsid + strlen(smsid) - 6, g_ls.dir);
	assert_int_equal(tu_write_file(path, script, strlen(script)), 0);
	tui = spawn("tui", (const char *const[]){ "tui", "--script", path, "--size", "140x24", NULL });
	assert_int_equal(reap(tui), 0);
	/* Done while the sync still reads the site. */
	assert_true(running(pid));
	assert_int_equal(tu_sql_int(g_ls.db, "SELECT count(*) FROM check_runs"), runs0 + 1);
	assert_int_equal(tu_sql_int(g_ls.db, "SELECT count(*) FROM audit WHERE action = 'attest'"),
	                 attests0 + 1);
	snprintf(path, sizeof path, "%s/blocked", g_ls.dir);
	s = tu_read_file(path, NULL);
	if (!s || !strstr(s, "applied: verified on the site"))
		fail_msg("the console's block during a sync:\n%s", s ? s : "(no screen)");
	free(s);

	if (reap(pid) != 0) {
		char *e = output("sync", "err");
		fail_msg("the sync failed: %s", e);
	}
	assert_blocked_everywhere(&lp, smsid);
	assert_int_equal(tu_sql_int(g_ls.db, "SELECT count(*) FROM check_runs"), runs0 + 1);
	labproc_stop(&lp);
}

/* The same block twice at once: the second waits for the first to be
 * recorded, re-reads, and finds nothing to send. One write reaches the
 * site, the log holds one applied and one already-applied. */
static void test_two_actions_at_once_send_one_write(void **state)
{
	struct labproc lp;
	char origin[600], smsid[80], q[300];
	const char *block[14];
	pid_t pid;
	struct tu_run r;
	int w0;

	(void)state;
	labsite_start(&g_ls, &lp, NULL);
	assert_int_equal(labsite_sync(&g_ls, &lp), 0);
	unblocked_cert(smsid, sizeof smsid, 2);
	labproc_stop(&lp);
	labsite_start(&g_ls, &lp, (const char *const[]){ "--faults",
	                                                 "slow=7s@path=BlockCertificate", NULL });
	w0 = labsite_writes_logged(&g_ls);
	block_args(&lp, origin, sizeof origin, smsid, block);
	pid = spawn("block1", block);
	wait_for_intent();
	usleep(300000);
	setenv("OSDWARDEN_PASSWORD", LS_PASSWORD, 1);
	r = tu_cli(g_ls.db, block);
	unsetenv("OSDWARDEN_PASSWORD");
	if (r.rc != 0 || !strstr(r.out, "already-applied"))
		fail_msg("the second block: %d: %s%s", r.rc, r.out, r.err);
	tu_run_free(&r);
	assert_int_equal(reap(pid), 0);
	assert_int_equal(labsite_writes_logged(&g_ls), w0 + 1);
	assert_blocked_everywhere(&lp, smsid);
	snprintf(q, sizeof q, "SELECT count(*) FROM audit WHERE action = 'cert.block' AND "
	         "target LIKE '%%%s%%' AND outcome = 'already-applied'", smsid);
	assert_int_equal(tu_sql_int(g_ls.db, q), 1);
	labproc_stop(&lp);
}

/* osdwarden killed while its write is on the wire (the lab applies it,
 * then answers slowly): the log already holds the write as "about to
 * send", verify names it, and the same action run again finds the change
 * on the site, sends nothing and records the outcome that answers it. */
static void test_a_write_cut_off_by_a_kill_stays_in_the_log(void **state)
{
	struct labproc lp;
	char origin[600], smsid[80], q[300];
	const char *block[14];
	pid_t pid;
	struct tu_run r;
	int w0;

	(void)state;
	labsite_start(&g_ls, &lp, NULL);
	assert_int_equal(labsite_sync(&g_ls, &lp), 0);
	unblocked_cert(smsid, sizeof smsid, 3);
	labproc_stop(&lp);
	labsite_start(&g_ls, &lp, (const char *const[]){ "--faults",
	                                                 "slow=4s@path=BlockCertificate", NULL });
	w0 = labsite_writes_logged(&g_ls);
	block_args(&lp, origin, sizeof origin, smsid, block);
	pid = spawn("killed", block);
	wait_for_intent();   /* the write is next */
	usleep(700000);
	assert_true(running(pid));
	kill(pid, SIGKILL);
	assert_int_equal(reap(pid), 128 + SIGKILL);
	assert_true(site_blocked(&lp, smsid));
	assert_int_equal(inventory_blocked(smsid), 0);
	snprintf(q, sizeof q, "SELECT count(*) FROM audit WHERE action = 'cert.block' AND "
	         "target LIKE '%%%s%%' AND outcome LIKE 'about to send%%'", smsid);
	assert_int_equal(tu_sql_int(g_ls.db, q), 1);
	r = tu_cli(g_ls.db, (const char *const[]){ "audit", "verify", NULL });
	assert_int_equal(r.rc, 0);
	if (!strstr(r.out, "1 write was entered as \"about to send\" with no outcome"))
		fail_msg("verify does not name the unanswered write:\n%s", r.out);
	tu_run_free(&r);

	setenv("OSDWARDEN_PASSWORD", LS_PASSWORD, 1);
	r = tu_cli(g_ls.db, block);
	unsetenv("OSDWARDEN_PASSWORD");
	if (r.rc != 0 || !strstr(r.out, "already-applied"))
		fail_msg("the block run again: %d: %s%s", r.rc, r.out, r.err);
	tu_run_free(&r);
	assert_int_equal(labsite_writes_logged(&g_ls), w0 + 1);
	assert_int_equal(inventory_blocked(smsid), 1);
	r = tu_cli(g_ls.db, (const char *const[]){ "audit", "verify", NULL });
	assert_int_equal(r.rc, 0);
	assert_null(strstr(r.out, "no outcome"));
	tu_run_free(&r);
	labproc_stop(&lp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_action_during_a_sync_is_recorded_and_kept, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_a_sync_and_an_attestation_do_not_wait_for_a_slow_write, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_console_and_decisions_work_during_a_sync, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_two_actions_at_once_send_one_write, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_a_write_cut_off_by_a_kill_stays_in_the_log, setup,
		                                teardown),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
