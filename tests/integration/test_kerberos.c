/* Kerberos end to end, as a real site needs it: a throwaway MIT krb5kdc on
 * loopback (tests/support/krbrealm.c), osdwarden-lab accepting Negotiate against
 * the key of HTTP/localhost, osdwarden with a ticket in a FILE ccache.
 * Sync, a verified write and a guided task over Negotiate; no ticket, an
 * expired one, an IP address for the provider, NTLM, a principal without a
 * role; a ticket obtained in memory from a password full of shell
 * metacharacters. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/sync.h"
#include "db/db.h"
#include "support/krbrealm.h"
#include "support/labsite.h"
#include "support/testutil.h"

#define PRINCIPAL "labadmin@" KR_REALM

static struct labsite g_ls;
static struct krbrealm g_kr;

static int setup(void **state)
{
	(void)state;
	krbrealm_start(&g_kr, (const char *const[]){ "labadmin", "norole", NULL });
	labsite_init(&g_ls, "kerberos");
	labsite_negotiate(&g_ls, g_kr.keytab);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	labsite_free(&g_ls);
	krbrealm_stop(&g_kr);
	return 0;
}

static char *lab_stderr(const struct labproc *lp)
{
	char path[400];

	snprintf(path, sizeof path, "%s/stderr.log", lp->dir);
	return tu_read_file(path, NULL);
}


static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; p && (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static struct tu_run sync_with(const struct labproc *lp, const char *provider,
                               const char *const *more)
{
	const char *args[16] = { "sync", "--provider", provider, "--cacert", lp->ca };
	int n = 5;

	for (; more && *more && n < 15; more++)
		args[n++] = *more;
	args[n] = NULL;
	return tu_cli(g_ls.db, args);
}

/* The lab offers what the real service offers: Negotiate, and nothing
 * else; a request without a token is 401. */
static void test_lab_challenges_with_negotiate_only(void **state)
{
	struct labproc lp;
	struct http h;

	(void)state;
	labsite_start(&g_ls, &lp, NULL);
	assert_non_null(strstr(lp.url, "https://localhost:"));
	h = labproc_http(&lp, "GET", "wmi/SMS_Site", NULL, NULL);
	assert_int_equal(h.status, 401);
	assert_string_equal(h.www_authenticate, "Negotiate");
	http_free(&h);
	/* Basic is not accepted by a Negotiate lab, not even with the lab's
	 * own password. */
	h = labproc_http(&lp, "GET", "wmi/SMS_Site", NULL, "labadmin:" LS_PASSWORD);
	assert_int_equal(h.status, 401);
	http_free(&h);
	labproc_stop(&lp);
}

/* Every request of a sync carries its own Kerberos token: the lab keeps
 * nothing between requests, and every log line names the principal. */
static void test_sync_over_negotiate_authenticates_every_request(void **state)
{
	struct labproc lp;
	char *log;
	int lines, named;

	(void)state;
	krbrealm_kinit(&g_kr, "labadmin", NULL);
	labsite_start(&g_ls, &lp, NULL);
	assert_int_equal(labsite_sync(&g_ls, &lp), 0);
	assert_true(tu_sql_int(g_ls.db, "SELECT count(*) FROM certificates") > 0);
	assert_true(tu_sql_int(g_ls.db, "SELECT count(*) FROM sites") > 0);
	log = tu_read_file(g_ls.log, NULL);
	assert_non_null(log);
	lines = count(log, "\n");
	named = count(log, "\"user\":\"" PRINCIPAL "\"");
	if (lines < 16 || named != lines)
		fail_msg("%d requests, %d authenticated as " PRINCIPAL ":\n%s", lines, named, log);
	/* libcurl sends the token with the first request: no challenge leg. */
	assert_int_equal(count(log, "\"status\":401"), 0);
	free(log);
	labproc_stop(&lp);
}

/* The console's sync (a stop function set: its single requests then go
 * through a multi handle of their own, asked every 50 ms) over Negotiate:
 * a token on each of them as on the others, and a stop never pressed
 * ends nothing. */
static int never_pressed(void *ctx)
{
	++*(int *)ctx;
	return 0;
}

static void test_a_stoppable_sync_over_negotiate_authenticates_every_request(void **state)
{
	struct labproc lp;
	struct inv_open_opts oo = { .path = g_ls.db };
	struct sync_opts o = { 0 };
	struct sync_result res;
	struct ow_err e = { 0 };
	struct inv *db;
	char origin[600], *log;
	int asked = 0, lines, named;

	(void)state;
	krbrealm_kinit(&g_kr, "labadmin", NULL);
	labsite_start(&g_ls, &lp, NULL);
	snprintf(origin, sizeof origin, "%.*s", (int)(strlen(lp.url) - strlen("/AdminService/")),
	         lp.url);
	o.provider = origin;
	o.http = (struct http_opts){ .auth = HTTP_AUTH_NEGOTIATE, .cacert = lp.ca,
	                             .stop = never_pressed, .stop_ctx = &asked };
	unlink(g_ls.db);
	assert_int_equal(inv_open(&oo, &db, &e), 0);
	if (sync_run(db, &o, &res, &e) != 0)
		fail_msg("sync over Negotiate with a stop set: %s", e.msg);
	inv_close(db);
	assert_true(asked > 0);
	assert_true(tu_sql_int(g_ls.db, "SELECT count(*) FROM certificates") > 0);
	log = tu_read_file(g_ls.log, NULL);
	assert_non_null(log);
	lines = count(log, "\n");
	named = count(log, "\"user\":\"" PRINCIPAL "\"");
	if (lines < 16 || named != lines || !strstr(log, "$metadata"))
		fail_msg("%d requests, %d authenticated as " PRINCIPAL ":\n%s", lines, named, log);
	free(log);
	labproc_stop(&lp);
}

/* A write verified by its re-read, and a guided task to its end, with
 * nothing but the ticket in the ccache. */
static void test_write_and_guided_task_over_negotiate(void **state)
{
	struct labproc lp;
	struct tu_run r;
	char smsid[80], *log;

	(void)state;
	krbrealm_kinit(&g_kr, "labadmin", NULL);
	labsite_start(&g_ls, &lp, NULL);
	assert_int_equal(labsite_sync(&g_ls, &lp), 0);
	labsite_sql_text(&g_ls, "SELECT smsid FROM certificates WHERE is_blocked=0 AND key_type=1 ORDER BY smsid",
	         smsid, sizeof smsid);
	assert_true(smsid[0] != '\0');
	r = tu_cli(g_ls.db, (const char *const[]){ "task", "start", "cert-block", smsid, NULL });
	assert_int_equal(r.rc, 0);
	tu_run_free(&r);
	for (int i = 0; i < 3; i++) {
		r = tu_cli(g_ls.db, (const char *const[]){ "task", "resume", "1", "--step", "next",
		                                           "--yes", NULL });
		if (r.rc != 0)
			fail_msg("task step %d: exit %d: %s %s", i, r.rc, r.out, r.err);
		tu_run_free(&r);
	}
	assert_int_equal(tu_sql_int(g_ls.db, "SELECT state='done' FROM task_runs WHERE id=1"), 1);
	assert_int_equal(tu_sql_int(g_ls.db, "SELECT count(*) FROM audit WHERE action='cert.block' "
	                                     "AND outcome='applied'"), 1);
	log = tu_read_file(g_ls.log, NULL);
	assert_true(count(log, "\"method\":\"POST\"") + count(log, "\"method\":\"PUT\"") >= 1);
	assert_int_equal(count(log, "\"user\":\"" PRINCIPAL "\""), count(log, "\n"));
	free(log);
	labproc_stop(&lp);
}

/* No ticket: exit 3 before anything is sent, saying which realm and
 * service are expected and how to get a ticket. */
static void test_sync_without_a_ticket_exits_3_and_says_kinit(void **state)
{
	struct labproc lp;
	char origin[600], *log;
	struct tu_run r;

	(void)state;
	krbrealm_kdestroy(&g_kr);
	labsite_start(&g_ls, &lp, NULL);
	labsite_origin(&lp, origin, sizeof origin);
	r = sync_with(&lp, origin, NULL);
	assert_int_equal(r.rc, 3);
	if (!strstr(r.err, "no Kerberos ticket") || !strstr(r.err, "kinit user@" KR_REALM) ||
	    !strstr(r.err, "HTTP/localhost@" KR_REALM) || !strstr(r.err, "FQDN"))
		fail_msg("the message does not say what to do: %s", r.err);
	tu_run_free(&r);
	assert_true(access(g_ls.db, F_OK) != 0 ||
	            tu_sql_int(g_ls.db, "SELECT count(*) FROM sites") == 0);
	/* Nothing was sent: the check is made before the first request. */
	log = tu_read_file(g_ls.log, NULL);
	assert_true(!log || !strstr(log, "/AdminService/"));
	free(log);
	labproc_stop(&lp);
}

static void test_an_expired_ticket_exits_3_and_says_so(void **state)
{
	struct labproc lp;
	char origin[600];
	struct tu_run r;

	(void)state;
	krbrealm_kinit(&g_kr, "labadmin", "2s");
	labsite_start(&g_ls, &lp, NULL);
	labsite_origin(&lp, origin, sizeof origin);
	sleep(3);
	r = sync_with(&lp, origin, NULL);
	assert_int_equal(r.rc, 3);
	if (!strstr(r.err, "expired") || !strstr(r.err, "kinit " PRINCIPAL))
		fail_msg("no word of the expired ticket: %s", r.err);
	tu_run_free(&r);
	labproc_stop(&lp);
}

/* An IP address in the URL asks for HTTP/127.0.0.1, which no KDC knows:
 * warned before, and the 401 is explained. */
static void test_an_ip_address_provider_is_warned_about(void **state)
{
	struct labproc lp;
	char ip[600];
	struct tu_run r;

	(void)state;
	krbrealm_kinit(&g_kr, "labadmin", NULL);
	labsite_start(&g_ls, &lp, NULL);
	snprintf(ip, sizeof ip, "https://127.0.0.1:%s", lp.port);
	r = sync_with(&lp, ip, NULL);
	assert_int_equal(r.rc, 3);
	if (!strstr(r.err, "is an IP address") || !strstr(r.err, "HTTP/127.0.0.1"))
		fail_msg("no warning about the IP address: %s", r.err);
	tu_run_free(&r);
	labproc_stop(&lp);
}

/* A ticket of one realm for a host krb5.conf puts in another: warned
 * before anything is sent, and doctor names both realms. */
static void test_a_ticket_of_another_realm_is_named(void **state)
{
	struct labproc lp;
	char origin[600], conf[400], *text, *other;
	struct tu_run r;
	const char *old = getenv("KRB5_CONFIG");
	char saved[400];

	(void)state;
	krbrealm_kinit(&g_kr, "labadmin", NULL);
	labsite_start(&g_ls, &lp, NULL);
	labsite_origin(&lp, origin, sizeof origin);
	/* The same configuration, with localhost mapped to OTHER.TEST (whose
	 * KDC does not answer). */
	snprintf(saved, sizeof saved, "%s", old);
	text = tu_read_file(saved, NULL);
	assert_non_null(text);
	other = malloc(strlen(text) + 200);
	assert_non_null(other);
	{
		const char *at = strstr(text, "localhost = " KR_REALM);
		assert_non_null(at);
		sprintf(other, "%.*slocalhost = OTHER.TEST%s[realms]\n\tOTHER.TEST = {\n"
		        "\t\tkdc = 127.0.0.1:9\n\t}\n", (int)(at - text), text,
		        at + strlen("localhost = " KR_REALM));
	}
	snprintf(conf, sizeof conf, "%s/other.conf", g_kr.dir);
	assert_int_equal(tu_write_file(conf, other, strlen(other)), 0);
	setenv("KRB5_CONFIG", conf, 1);
	r = sync_with(&lp, origin, NULL);
	assert_int_equal(r.rc, 3);
	if (!strstr(r.err, "realm " KR_REALM) || !strstr(r.err, "HTTP/localhost@OTHER.TEST"))
		fail_msg("no word of the realms: %s", r.err);
	tu_run_free(&r);
	r = tu_cli(g_ls.db, (const char *const[]){ "doctor", "--provider", origin, "--cacert", lp.ca,
	                                           NULL });
	assert_int_equal(r.rc, 3);
	if (!strstr(r.out, "FAIL realm") || !strstr(r.out, "the wrong realm"))
		fail_msg("doctor does not name the realms: %s", r.out);
	tu_run_free(&r);
	setenv("KRB5_CONFIG", saved, 1);
	free(text);
	free(other);
	labproc_stop(&lp);
}

/* NTLM: warned about on our side, refused by the lab as by a 2509 site,
 * whose log says so. */
static void test_ntlm_is_warned_about_and_refused(void **state)
{
	struct labproc lp;
	char origin[600], *err;
	struct tu_run r;

	(void)state;
	labsite_start(&g_ls, &lp, NULL);
	labsite_origin(&lp, origin, sizeof origin);
	setenv("OSDWARDEN_PASSWORD", LS_PASSWORD, 1);
	r = sync_with(&lp, origin, (const char *const[]){ "--auth", "ntlm", "--user", "labadmin", NULL });
	unsetenv("OSDWARDEN_PASSWORD");
	assert_int_equal(r.rc, 3);
	if (!strstr(r.err, "2509") || !strstr(r.err, "relay"))
		fail_msg("no NTLM warning: %s", r.err);
	tu_run_free(&r);
	err = lab_stderr(&lp);
	assert_non_null(err);
	assert_non_null(strstr(err, "Rejecting NTLM authentication."));
	free(err);
	labproc_stop(&lp);
}

/* A principal the KDC vouches for and the site gives no role. */
static void test_a_principal_without_a_role_gets_the_rbac_message(void **state)
{
	struct labproc lp;
	char origin[600], *log;
	struct tu_run r;

	(void)state;
	krbrealm_kinit(&g_kr, "norole", NULL);
	labsite_start(&g_ls, &lp, NULL);
	labsite_origin(&lp, origin, sizeof origin);
	r = sync_with(&lp, origin, NULL);
	assert_int_equal(r.rc, 3);
	assert_non_null(strstr(r.err, "holds no Configuration Manager role"));
	tu_run_free(&r);
	log = tu_read_file(g_ls.log, NULL);
	assert_non_null(strstr(log, "\"user\":\"norole@" KR_REALM "\""));
	free(log);
	labproc_stop(&lp);
}

/* doctor on a 401 goes through the Kerberos causes in order. */
static void test_doctor_explains_a_kerberos_401(void **state)
{
	struct labproc lp;
	char origin[600], ip[600];
	struct tu_run r;
	const char *a, *b, *c, *d;

	(void)state;
	krbrealm_kinit(&g_kr, "labadmin", NULL);
	labsite_start(&g_ls, &lp, NULL);
	labsite_origin(&lp, origin, sizeof origin);
	r = tu_cli(g_ls.db, (const char *const[]){ "doctor", "--provider", origin, "--cacert", lp.ca,
	                                           NULL });
	if (r.rc != 0 || !strstr(r.out, "ticket") || !strstr(r.out, PRINCIPAL))
		fail_msg("doctor with a good ticket: %d %s %s", r.rc, r.out, r.err);
	tu_run_free(&r);
	/* The wrong SPN: the site by IP address. */
	snprintf(ip, sizeof ip, "https://127.0.0.1:%s", lp.port);
	r = tu_cli(g_ls.db, (const char *const[]){ "doctor", "--provider", ip, "--cacert", lp.ca, NULL });
	assert_int_equal(r.rc, 3);
	a = strstr(r.out, "ticket");
	b = strstr(r.out, "SPN");
	c = strstr(r.out, "NTLM");
	d = strstr(r.out, "Windows Hello for Business");
	if (!a || !b || !c || !d || !(a < b && b < c && c < d) || !strstr(r.out, "HTTP/127.0.0.1"))
		fail_msg("doctor does not explain the 401 in order: %s", r.out);
	tu_run_free(&r);
	labproc_stop(&lp);
}

/* --user name@REALM and a password: a ticket in memory only. The password
 * holds what broke shell-quoting scripts, and a non-ASCII letter. */
static void test_a_password_gets_a_ticket_in_memory_never_on_disk(void **state)
{
	static const char pw[] = "a&b$c!d'e\"f\xc3\xa9g";
	struct labproc lp;
	char origin[600], *log;
	struct tu_run r;
	struct stat st;

	(void)state;
	krbrealm_add_user(&g_kr, "pwuser", pw);
	/* The realm takes this password as it is: kinit agrees. */
	assert_int_equal(krbrealm_kinit_password(&g_kr, "pwuser", pw), 0);
	krbrealm_kdestroy(&g_kr);
	labsite_start(&g_ls, &lp, (const char *const[]){ "--user", "pwuser", NULL });
	labsite_origin(&lp, origin, sizeof origin);
	setenv("OSDWARDEN_PASSWORD", pw, 1);
	r = sync_with(&lp, origin, (const char *const[]){ "--user", "pwuser@" KR_REALM, NULL });
	unsetenv("OSDWARDEN_PASSWORD");
	if (r.rc != 0)
		fail_msg("sync with a password: %d %s", r.rc, r.err);
	tu_run_free(&r);
	assert_int_equal(stat(g_kr.ccache, &st), -1);
	log = tu_read_file(g_ls.log, NULL);
	assert_non_null(strstr(log, "\"user\":\"pwuser@" KR_REALM "\""));
	free(log);
	/* A wrong password: exit 3, and still nothing on disk. */
	setenv("OSDWARDEN_PASSWORD", "a&b$c!d'e\"f", 1);
	r = sync_with(&lp, origin, (const char *const[]){ "--user", "pwuser@" KR_REALM, NULL });
	unsetenv("OSDWARDEN_PASSWORD");
	assert_int_equal(r.rc, 3);
	assert_non_null(strstr(r.err, "pwuser@" KR_REALM));
	tu_run_free(&r);
	assert_int_equal(stat(g_kr.ccache, &st), -1);
	labproc_stop(&lp);
}

/* Whether pid runs (a zombie does not: no init may reap it here). */
static bool running(long pid)
{
	char path[64], *stat;
	bool alive;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	stat = tu_read_file(path, NULL);
	alive = stat && strstr(stat, ") Z ") == NULL;
	free(stat);
	return alive;
}

/* A test killed before its teardown leaves no KDC behind, and no realm:
 * the KDC lives only as long as the process that started it. */
static void test_a_killed_test_leaves_no_kdc_behind(void **state)
{
	struct krbrealm kr;
	char dir[256] = "", pidfile[300], *text;
	int fds[2];
	long kdc = 0;
	pid_t child;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(fds[0]);
		krbrealm_start(&kr, (const char *const[]){ "someone", NULL });
		if (write(fds[1], kr.dir, strlen(kr.dir)) < 0)
			_exit(1);
		close(fds[1]);
		pause();
		_exit(0);
	}
	close(fds[1]);
	assert_true(read(fds[0], dir, sizeof dir - 1) > 0);
	close(fds[0]);
	snprintf(pidfile, sizeof pidfile, "%s/kdc.pid", dir);
	text = tu_read_file(pidfile, NULL);
	assert_non_null(text);
	kdc = strtol(text, NULL, 10);
	free(text);
	assert_true(kdc > 0 && running(kdc));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	for (int i = 0; i < 100 && (running(kdc) || access(dir, F_OK) == 0); i++)
		usleep(50 * 1000);
	if (running(kdc)) {
		kill((pid_t)kdc, SIGTERM);
		fail_msg("the KDC (pid %ld) outlived the test that started it", kdc);
	}
	if (access(dir, F_OK) == 0)
		fail_msg("the realm %s outlived the test that started it", dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_killed_test_leaves_no_kdc_behind),
		cmocka_unit_test_setup_teardown(test_lab_challenges_with_negotiate_only, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_stoppable_sync_over_negotiate_authenticates_every_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_over_negotiate_authenticates_every_request,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_and_guided_task_over_negotiate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_without_a_ticket_exits_3_and_says_kinit, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_an_expired_ticket_exits_3_and_says_so, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_ip_address_provider_is_warned_about, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_ticket_of_another_realm_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ntlm_is_warned_about_and_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_principal_without_a_role_gets_the_rbac_message,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_doctor_explains_a_kerberos_401, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_password_gets_a_ticket_in_memory_never_on_disk,
		                                setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
