/* Writes against osdwarden-lab: each action applied and verified; the same
 * action again is already-applied with no second request (the lab's log
 * counts them); a lost answer is unknown until a re-read decides, and is
 * never resent; read-only sends nothing; a decommission resumes after
 * every step; the audit log verifies and catches tampering. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/krbrealm.h"
#include "support/labsite.h"
#include "support/testutil.h"
#include "backend/actions.h"
#include "backend/adminservice.h"
#include "db/db.h"

static struct labsite g_ls;
static struct krbrealm g_kr;

/* Writes go to the lab as to a real site: over Negotiate, with the ticket
 * of a throwaway realm in $KRB5CCNAME. */
static int setup(void **state)
{
	(void)state;
	krbrealm_start(&g_kr, (const char *const[]){ "labadmin", NULL });
	krbrealm_kinit(&g_kr, "labadmin", NULL);
	labsite_init(&g_ls, "actions");
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




/* The library's view of the lab: an inventory and a client. */
struct site {
	struct inv *db;
	struct http_client *http;
	char *base;
	struct act_site s;
};

static void open_site(const struct labproc *lp, struct site *x)
{
	struct inv_open_opts o = { .path = g_ls.db };
	struct http_opts h = { .auth = HTTP_AUTH_NEGOTIATE, .cacert = lp->ca, .timeout_s = 10 };
	struct ow_err e = { 0 };
	char origin[600];

	labsite_origin(lp, origin, sizeof origin);
	assert_int_equal(inv_open(&o, &x->db, &e), 0);
	assert_int_equal(http_client_new(&h, &x->http, &e), 0);
	x->base = as_base_url(origin, &e);
	assert_non_null(x->base);
	x->s = (struct act_site){ x->http, x->base, false };
}

static void close_site(struct site *x)
{
	inv_close(x->db);
	http_client_free(x->http);
	free(x->base);
}

/* Runs one action twice: applied with one write, then already-applied
 * with none. */
#define TWICE(call)                                                                         \
	do {                                                                                \
		struct act_result r1, r2;                                                   \
		struct ow_err e1 = { 0 }, e2 = { 0 };                                       \
		int w0 = labsite_writes_logged(&g_ls);                                                   \
		struct act_result *res = &r1;                                               \
		struct ow_err *err = &e1;                                                   \
		assert_int_equal(call, 0);                                                  \
		if (r1.outcome != ACT_APPLIED)                                              \
			fail_msg("%s: %s: %s", #call, act_outcome_name(r1.outcome), r1.message); \
		assert_int_equal(labsite_writes_logged(&g_ls), w0 + 1);                                  \
		res = &r2;                                                                  \
		err = &e2;                                                                  \
		assert_int_equal(call, 0);                                                  \
		if (r2.outcome != ACT_ALREADY)                                              \
			fail_msg("again %s: %s: %s", #call, act_outcome_name(r2.outcome), r2.message); \
		assert_int_equal(labsite_writes_logged(&g_ls), w0 + 1);                                  \
	} while (0)

static void test_each_write_is_applied_verified_and_idempotent(void **state)
{
	struct labproc lp;
	struct site x;
	char smsid[80], src[32], dst[32], q[200];
	struct act_pxe listed = { -1, 1, "00:15:5D:01:02:03,00:15:5D:0A:0B:0C" };
	struct act_pxe off = { 0, -1, NULL };

	(void)state;
	labsite_start(&g_ls, &lp, NULL);
	assert_int_equal(labsite_sync(&g_ls, &lp), 0);
	open_site(&lp, &x);
	labsite_sql_text(&g_ls, "SELECT smsid FROM certificates WHERE is_blocked=0 AND type=2 ORDER BY smsid",
	         smsid, sizeof smsid);
	assert_true(smsid[0] == '{');
	TWICE(act_cert_block(x.db, &x.s, smsid, true, false, res, err));
	snprintf(q, sizeof q, "SELECT is_blocked FROM certificates WHERE smsid='%s'", smsid);
	assert_int_equal(tu_sql_int(g_ls.db, q), 1);
	TWICE(act_cert_block(x.db, &x.s, smsid, false, false, res, err));
	assert_int_equal(tu_sql_int(g_ls.db, q), 0);

	labsite_sql_text(&g_ls, "SELECT source_id FROM associations ORDER BY id", src, sizeof src);
	labsite_sql_text(&g_ls, "SELECT restore_id FROM associations ORDER BY id", dst, sizeof dst);
	TWICE(act_assoc_delete(x.db, &x.s, atoll(src), atoll(dst), false, res, err));
	snprintf(q, sizeof q, "SELECT gone_at IS NOT NULL FROM associations WHERE source_id=%s", src);
	assert_int_equal(tu_sql_int(g_ls.db, q), 1);

	TWICE(act_smp_restore_only(x.db, &x.s, "SMP01.holdout.example", true, false, res, err));
	assert_int_equal(tu_sql_int(g_ls.db, "SELECT restore_only FROM smps WHERE server_name="
	                                      "'SMP01.holdout.example'"), 1);
	TWICE(act_smp_restore_only(x.db, &x.s, "SMP01.holdout.example", false, false, res, err));
	TWICE(act_smp_deletion_policy(x.db, &x.s, "SMP01.holdout.example", 7, false, res, err));
	assert_int_equal(tu_sql_int(g_ls.db, "SELECT deletion_delay_min FROM smps WHERE server_name="
	                                      "'SMP01.holdout.example'"), 7 * 1440);
	TWICE(act_dp_pxe(x.db, &x.s, "DP00003.holdout.example", &listed, false, res, err));
	assert_int_equal(tu_sql_int(g_ls.db, "SELECT bind_policy FROM dps WHERE server_name="
	                                      "'DP00003.holdout.example'"), 1);
	TWICE(act_dp_pxe(x.db, &x.s, "DP00003.holdout.example", &off, false, res, err));
	assert_int_equal(tu_sql_int(g_ls.db, "SELECT is_active FROM dps WHERE server_name="
	                                      "'DP00003.holdout.example'"), 0);
	TWICE(act_boot_f8_off(x.db, &x.s, "HLD00001", false, res, err));
	assert_int_equal(tu_sql_int(g_ls.db, "SELECT enable_lab_shell FROM boot_images WHERE "
	                                      "package_id='HLD00001'"), 0);
	TWICE(act_smp_remove(x.db, &x.s, "SMP03.holdout.example", false, res, err));

	/* A fresh sync agrees with what the actions recorded. */
	close_site(&x);
	assert_int_equal(labsite_sync(&g_ls, &lp), 0);
	assert_int_equal(tu_sql_int(g_ls.db, q), 1);
	assert_int_equal(tu_sql_int(g_ls.db, "SELECT gone_at IS NOT NULL FROM smps WHERE server_name="
	                                      "'SMP03.holdout.example'"), 1);
	assert_int_equal(tu_sql_int(g_ls.db, "SELECT enable_lab_shell FROM boot_images WHERE "
	                                      "package_id='HLD00001'"), 0);
	labproc_stop(&lp);
	/* Every outcome is in an intact audit log. */
	struct tu_run r = tu_cli(g_ls.db, (const char *const[]){ "audit", "verify", NULL });
	assert_int_equal(r.rc, 0);
	tu_run_free(&r);
}

static void test_lost_answer_is_unknown_then_decided_by_reread_never_resent(void **state)
{
	struct labproc lp;
	struct site x;
	struct act_result res;
	struct ow_err e = { 0 };
	char a[80], b[80];
	struct tu_run r;

	(void)state;
	labsite_start(&g_ls, &lp, (const char *const[]){ "--state", g_ls.state, NULL });
	assert_int_equal(labsite_sync(&g_ls, &lp), 0);
	labproc_stop(&lp);
	labsite_sql_text(&g_ls, "SELECT smsid FROM certificates WHERE is_blocked=0 ORDER BY smsid", a, sizeof a);
	labsite_sql_text(&g_ls, "SELECT smsid FROM certificates WHERE is_blocked=0 ORDER BY smsid DESC", b, sizeof b);

	/* The write is done, but never answered. (Faults placed by path: a
	 * write may read the site's $metadata first.) */
	labsite_start(&g_ls, &lp, (const char *const[]){ "--state", g_ls.state, "--faults",
	                                                 "lost@path=.BlockCertificate", NULL });
	open_site(&lp, &x);
	int w0 = labsite_writes_logged(&g_ls);
	assert_int_equal(act_cert_block(x.db, &x.s, a, true, false, &res, &e), 0);
	assert_int_equal(res.outcome, ACT_APPLIED);
	assert_true(res.resolved_by_reread);
	assert_int_equal(labsite_writes_logged(&g_ls), w0 + 1);
	close_site(&x);
	labproc_stop(&lp);

	/* Lost answer and a failing re-read: unknown. The next attempt reads
	 * first, finds it done, and sends nothing. */
	labsite_start(&g_ls, &lp, (const char *const[]){ "--state", g_ls.state, "--faults",
	                                                 "lost@path=.BlockCertificate,"
	                                                 "500@path=/SMS_Certificate$#2", NULL });
	open_site(&lp, &x);
	w0 = labsite_writes_logged(&g_ls);
	assert_int_equal(act_cert_block(x.db, &x.s, b, true, false, &res, &e), 0);
	assert_int_equal(res.outcome, ACT_UNKNOWN);
	assert_int_equal(labsite_writes_logged(&g_ls), w0 + 1);
	assert_int_equal(act_cert_block(x.db, &x.s, b, true, false, &res, &e), 0);
	assert_int_equal(res.outcome, ACT_ALREADY);
	assert_int_equal(labsite_writes_logged(&g_ls), w0 + 1);
	close_site(&x);
	labproc_stop(&lp);

	r = tu_cli(g_ls.db, (const char *const[]){ "audit", "list", "--format", "json", NULL });
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "unknown: no answer after sending"));
	assert_non_null(strstr(r.out, "\"outcome\":\"unknown: "));
	tu_run_free(&r);
}

static void test_read_only_sends_no_write(void **state)
{
	struct labproc lp;
	struct site x;
	struct act_result res;
	struct ow_err e = { 0 };
	char smsid[80];
	struct tu_run r;
	int n0;

	(void)state;
	labsite_start(&g_ls, &lp, NULL);
	assert_int_equal(labsite_sync(&g_ls, &lp), 0);
	labsite_sql_text(&g_ls, "SELECT smsid FROM certificates WHERE is_blocked=0 ORDER BY smsid", smsid,
	         sizeof smsid);
	/* --read-only: refused before anything is sent, reads included. */
	n0 = labsite_requests_logged(&g_ls);
	setenv("OSDWARDEN_PASSWORD", LS_PASSWORD, 1);
	r = tu_cli(g_ls.db, (const char *const[]){ "--read-only", "cert", "block", smsid, "--yes", NULL });
	unsetenv("OSDWARDEN_PASSWORD");
	assert_int_equal(r.rc, 1);
	assert_non_null(strstr(r.out, "refused: "));
	tu_run_free(&r);
	assert_int_equal(labsite_requests_logged(&g_ls), n0);
	/* No --yes and no terminal: nothing is sent either. */
	setenv("OSDWARDEN_PASSWORD", LS_PASSWORD, 1);
	r = tu_cli(g_ls.db, (const char *const[]){ "cert", "block", smsid, NULL });
	unsetenv("OSDWARDEN_PASSWORD");
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err, "nothing was sent"));
	tu_run_free(&r);
	assert_int_equal(labsite_requests_logged(&g_ls), n0);
	labproc_stop(&lp);

	/* An account that may read but not write: the first write is refused
	 * by the site (404), and from then on nothing more is sent. */
	labsite_start(&g_ls, &lp, (const char *const[]){ "--deny-writes", NULL });
	open_site(&lp, &x);
	n0 = labsite_writes_logged(&g_ls);
	assert_int_equal(act_cert_block(x.db, &x.s, smsid, true, false, &res, &e), 0);
	assert_int_equal(res.outcome, ACT_FAILED);
	assert_non_null(strstr(res.message, "read-only"));
	assert_true(x.s.read_only);
	assert_int_equal(act_smp_restore_only(x.db, &x.s, "SMP01.holdout.example", true, false,
	                                      &res, &e), 0);
	assert_int_equal(res.outcome, ACT_REFUSED);
	assert_int_equal(labsite_writes_logged(&g_ls), n0 + 1);
	close_site(&x);
	labproc_stop(&lp);
}

/* One `osdwarden` invocation per step, as after a dropped session. */
static struct tu_run cli_step(const char *const *args)
{
	struct tu_run r;

	setenv("OSDWARDEN_PASSWORD", LS_PASSWORD, 1);
	r = tu_cli(g_ls.db, args);
	unsetenv("OSDWARDEN_PASSWORD");
	return r;
}

static long long current_step(void)
{
	return tu_sql_int(g_ls.db, "SELECT current_step FROM task_runs WHERE kind='smp-decommission'");
}

#define SMP "SMP02.holdout.example"

static void test_decommission_resumes_after_every_step(void **state)
{
	static const struct {
		const char *step, *note;
		int rc;
		long long after;   /* current step after it */
		int writes;        /* writes it sends */
	} steps[] = {
		{ "next", NULL, 1, 1, 0 },                     /* blocked: unrestored associations */
		{ "attest", "owners agreed to lose them", 0, 2, 0 },
		{ "next", NULL, 0, 3, 0 },                     /* restore-only: done before, see below */
		{ "next", NULL, 1, 3, 0 },                     /* an attest step needs a note */
		{ "attest", "copied to \\\\backup\\smp02", 0, 4, 0 },
		{ "next", NULL, 0, 5, 1 },                     /* remove the role */
		{ "attest", "share and D:\\SMPSTORE deleted", 0, 6, 0 },
		{ "next", NULL, 0, 7, -1 },                    /* delete the associations */
		{ "next", NULL, 0, 8, 0 },                     /* verify on the site */
	};
	struct labproc lp;
	struct tu_run r;
	int w;

	(void)state;
	labsite_start(&g_ls, &lp, NULL);
	assert_int_equal(labsite_sync(&g_ls, &lp), 0);
	r = cli_step((const char *const[]){ "smp", "decommission", SMP, NULL });
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "started task #"));
	tu_run_free(&r);
	assert_int_equal(current_step(), 1);
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		const char *args[10] = { "smp", "decommission", SMP, "--step", steps[i].step, "--yes" };
		int n = 6;
		if (steps[i].note) {
			args[n++] = "--note";
			args[n++] = steps[i].note;
		}
		args[n] = NULL;
		if (i == 2) {
			/* As if an earlier session wrote restore-only mode, then
			 * dropped before recording the step: no second write. */
			r = cli_step((const char *const[]){ "smp", "restore-only", SMP, "on", "--yes", NULL });
			assert_int_equal(r.rc, 0);
			tu_run_free(&r);
		}
		w = labsite_writes_logged(&g_ls);
		r = cli_step(args);
		if (r.rc != steps[i].rc || current_step() != steps[i].after)
			fail_msg("step %zu (%s): exit %d, at step %lld; out: %s err: %s", i, steps[i].step,
			         r.rc, current_step(), r.out, r.err);
		if (i == 2)
			assert_non_null(strstr(r.out, "already-applied"));
		tu_run_free(&r);
		if (steps[i].writes >= 0)
			assert_int_equal(labsite_writes_logged(&g_ls), w + steps[i].writes);
		else
			assert_true(labsite_writes_logged(&g_ls) > w);
	}
	r = cli_step((const char *const[]){ "task", "list", NULL });
	assert_non_null(strstr(r.out, "smp-decommission  done"));
	tu_run_free(&r);
	/* The folder-deletion attestation closes OSD-SMP-007 for this SMP. */
	assert_int_equal(tu_sql_int(g_ls.db, "SELECT count(*) FROM attestations WHERE check_id="
	                                      "'OSD-SMP-007' AND object_key='" SMP "'"), 1);
	/* Resuming a finished task does nothing and sends nothing. */
	w = labsite_writes_logged(&g_ls);
	r = cli_step((const char *const[]){ "task", "resume", "1", "--step", "next", "--yes", NULL });
	assert_non_null(strstr(r.out, "nothing to do"));
	tu_run_free(&r);
	assert_int_equal(labsite_writes_logged(&g_ls), w);
	labproc_stop(&lp);

	/* The audit log holds every step and verifies; an edited row breaks it. */
	r = tu_cli(g_ls.db, (const char *const[]){ "audit", "verify", NULL });
	assert_int_equal(r.rc, 0);
	tu_run_free(&r);
	{
		sqlite3 *s;
		assert_int_equal(sqlite3_open(g_ls.db, &s), SQLITE_OK);
		assert_int_equal(sqlite3_exec(s, "UPDATE audit SET outcome='done: nothing' WHERE seq=("
		                              "SELECT min(seq) FROM audit WHERE action='task.step')",
		                              NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(s);
	}
	r = tu_cli(g_ls.db, (const char *const[]){ "audit", "verify", NULL });
	assert_int_equal(r.rc, 1);
	tu_run_free(&r);
}

static void test_assoc_prune_deletes_what_the_policy_says_once(void **state)
{
	struct labproc lp;
	struct tu_run r;
	long long due;
	int w;

	(void)state;
	labsite_start(&g_ls, &lp, NULL);
	assert_int_equal(labsite_sync(&g_ls, &lp), 0);
	due = tu_sql_int(g_ls.db, "SELECT count(*) FROM associations WHERE store_released IS NOT NULL "
	                          "AND gone_at IS NULL AND store_released < strftime('%s','now') - 30*86400");
	assert_true(due > 0);
	w = labsite_writes_logged(&g_ls);
	r = cli_step((const char *const[]){ "assoc", "prune", "--released-before", "30", "--dry-run", NULL });
	assert_int_equal(r.rc, 0);
	tu_run_free(&r);
	assert_int_equal(labsite_writes_logged(&g_ls), w);
	r = cli_step((const char *const[]){ "assoc", "prune", "--released-before", "30", "--yes", NULL });
	assert_int_equal(r.rc, 0);
	tu_run_free(&r);
	assert_int_equal(labsite_writes_logged(&g_ls), w + due);
	r = cli_step((const char *const[]){ "assoc", "prune", "--released-before", "30", "--yes", NULL });
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "0 computer association(s)"));
	tu_run_free(&r);
	assert_int_equal(labsite_writes_logged(&g_ls), w + due);
	labproc_stop(&lp);
}

/* The other guided tasks: blocking a certificate (self-signed: the CA
 * step is skipped) and fixing a failing check with a write. */
static void test_cert_block_and_fix_tasks_run_to_the_end(void **state)
{
	struct labproc lp;
	struct tu_run r;
	char smsid[80];
	int w;

	(void)state;
	labsite_start(&g_ls, &lp, NULL);
	assert_int_equal(labsite_sync(&g_ls, &lp), 0);
	labsite_sql_text(&g_ls, "SELECT smsid FROM certificates WHERE is_blocked=0 AND key_type=1 ORDER BY smsid",
	         smsid, sizeof smsid);
	r = cli_step((const char *const[]){ "task", "start", "cert-block", smsid, NULL });
	assert_int_equal(r.rc, 0);
	tu_run_free(&r);
	for (int i = 0; i < 3; i++) {
		r = cli_step((const char *const[]){ "task", "resume", "1", "--step", "next", "--yes", NULL });
		assert_int_equal(r.rc, 0);
		if (i == 2)
			assert_non_null(strstr(r.out, "skipped"));
		tu_run_free(&r);
	}
	assert_int_equal(tu_sql_int(g_ls.db, "SELECT state='done' FROM task_runs WHERE id=1"), 1);

	/* OSD-PXE-006 fails on the boot image with F8 on; the fix task turns
	 * it off on the site, then re-evaluates the checklist. */
	r = cli_step((const char *const[]){ "check", "--format", "json", NULL });
	assert_non_null(strstr(r.out, "{\"check_id\":\"OSD-PXE-006\",\"state\":\"fail\""));
	tu_run_free(&r);
	r = cli_step((const char *const[]){ "task", "start", "fix", "OSD-PXE-006", "HLD00001", NULL });
	assert_int_equal(r.rc, 0);
	tu_run_free(&r);
	w = labsite_writes_logged(&g_ls);
	r = cli_step((const char *const[]){ "task", "resume", "2", "--step", "next", "--yes", NULL });
	assert_int_equal(r.rc, 0);
	tu_run_free(&r);
	assert_int_equal(labsite_writes_logged(&g_ls), w + 1);
	r = cli_step((const char *const[]){ "task", "resume", "2", "--step", "next", NULL });
	if (r.rc != 0 || !strstr(r.out, "is now pass"))
		fail_msg("fix verify: %d %s %s", r.rc, r.out, r.err);
	tu_run_free(&r);
	/* A check osdwarden cannot fix by itself is refused. */
	r = cli_step((const char *const[]){ "task", "start", "fix", "OSD-RBAC-002", "x", NULL });
	assert_int_equal(r.rc, 2);
	tu_run_free(&r);
	labproc_stop(&lp);
}

/* act_dp_pxe is where the console and the workflows come in too: a MAC
 * list that is not six hex pairs, or BindPolicy 1 left with no address
 * (OSD-PXE-003: PXE answering nowhere), is refused before anything is
 * read from or sent to the site; a good list is written in the site's
 * form. */
static void test_dp_pxe_refuses_bad_macs_and_an_empty_listed_bind_before_sending(void **state)
{
	static const struct {
		const char *server;
		struct act_pxe want;
		const char *says;
	} refused[] = {
		{ "DP00003.holdout.example", { -1, 1, "zz:15:5D:01:02:03" }, "is not a MAC address" },
		{ "DP00003.holdout.example", { -1, -1, "00:15:5D:01:02" }, "is not a MAC address" },
		{ "DP00003.holdout.example", { -1, -1, "00:15:5D:01:02:03,,00:15:5D:01:02:04" },
		  "an empty entry" },
		{ "DP00003.holdout.example", { -1, 1, "" }, "would answer PXE on no interface" },
		/* PXE03 is already BindPolicy 1 with an empty list: not made so again */
		{ "PXE03.holdout.example", { -1, 1, NULL }, "would answer PXE on no interface" },
		{ "PXE01.holdout.example", { -1, 1, "" }, "would answer PXE on no interface" },
	};
	struct act_pxe good = { -1, 1, "00-15-5d-0a-0b-0c,00:15:5D:0A:0B:0D" };
	struct labproc lp;
	struct site x;
	struct act_result res;
	char stored[200];
	int n0;

	(void)state;
	labsite_start(&g_ls, &lp, NULL);
	assert_int_equal(labsite_sync(&g_ls, &lp), 0);
	open_site(&lp, &x);
	n0 = labsite_requests_logged(&g_ls);
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		struct ow_err e = { 0 };
		int rc = act_dp_pxe(x.db, &x.s, refused[i].server, &refused[i].want, false, &res, &e);
		if (rc != OW_EINPUT || !strstr(e.msg, refused[i].says))
			fail_msg("case %zu (%s): rc %d, '%s'", i, refused[i].server, rc, e.msg);
	}
	assert_int_equal(labsite_requests_logged(&g_ls), n0);
	assert_int_equal(tu_sql_int(g_ls.db, "SELECT count(*) FROM audit WHERE action = 'dp.pxe'"), 0);
	/* The CLI says the same and sends nothing either. */
	{
		struct tu_run r = cli_step((const char *const[]){ "dp", "pxe", "PXE01.holdout.example",
		                                                   "--bind", "listed", "--macs", "",
		                                                   "--yes", NULL });
		assert_int_equal(r.rc, 2);
		assert_non_null(strstr(r.err, "answering PXE on no interface"));
		tu_run_free(&r);
		r = cli_step((const char *const[]){ "dp", "pxe", "PXE01.holdout.example", "--macs",
		                                    "00:15:5D:01:02:03;reboot", "--yes", NULL });
		assert_int_equal(r.rc, 2);
		assert_non_null(strstr(r.err, "is not a MAC address"));
		tu_run_free(&r);
	}
	assert_int_equal(labsite_requests_logged(&g_ls), n0);
	/* A good list, in mixed forms: applied as the site writes it. */
	{
		struct ow_err e = { 0 };
		int w0 = labsite_writes_logged(&g_ls);
		assert_int_equal(act_dp_pxe(x.db, &x.s, "DP00003.holdout.example", &good, false, &res,
		                            &e), 0);
		if (res.outcome != ACT_APPLIED)
			fail_msg("%s: %s", act_outcome_name(res.outcome), res.message);
		assert_int_equal(labsite_writes_logged(&g_ls), w0 + 1);
	}
	labsite_sql_text(&g_ls, "SELECT bind_except FROM dps WHERE server_name = 'DP00003.holdout.example'", stored,
	         sizeof stored);
	assert_string_equal(stored, "00:15:5D:0A:0B:0C,00:15:5D:0A:0B:0D");
	assert_int_equal(labsite_sync(&g_ls, &lp), 0);
	labsite_sql_text(&g_ls, "SELECT bind_except FROM dps WHERE server_name = 'DP00003.holdout.example'", stored,
	         sizeof stored);
	assert_string_equal(stored, "00:15:5D:0A:0B:0C,00:15:5D:0A:0B:0D");
	close_site(&x);
	labproc_stop(&lp);
}

/* A write whose method the site's $metadata does not list is never sent:
 * the action and the guided task say the site does not expose it, and
 * name the console path and the PowerShell cmdlet that do the same. */
static void test_an_action_the_metadata_lacks_sends_nothing_and_names_the_alternative(void **state)
{
	struct labproc lp;
	struct tu_run r;
	char smsid[80], src[32], dst[32], *log;
	int w;

	(void)state;
	labsite_start(&g_ls, &lp, (const char *const[]){ "--metadata-without",
	              "SMS_CertificateInfo.BlockCertificate,SMS_StateMigration.DeleteAssociation", NULL });
	assert_int_equal(labsite_sync(&g_ls, &lp), 0);
	labsite_sql_text(&g_ls, "SELECT smsid FROM certificates WHERE is_blocked=0 AND key_type=1 ORDER BY smsid",
	         smsid, sizeof smsid);
	labsite_sql_text(&g_ls, "SELECT source_id FROM associations ORDER BY id", src, sizeof src);
	labsite_sql_text(&g_ls, "SELECT restore_id FROM associations ORDER BY id", dst, sizeof dst);
	assert_true(smsid[0] && src[0] && dst[0]);
	w = labsite_writes_logged(&g_ls);
	r = cli_step((const char *const[]){ "cert", "block", smsid, "--yes", NULL });
	if (r.rc != 1 || !strstr(r.out, "refused") || !strstr(r.out, "not expose") ||
	    !strstr(r.out, "SMS_CertificateInfo.BlockCertificate") ||
	    !strstr(r.out, "Block-CMCertificate") || !strstr(r.out, "Administration > Security > Certificates") ||
	    !strstr(r.out, "nothing was sent"))
		fail_msg("cert block: exit %d: %s %s", r.rc, r.out, r.err);
	tu_run_free(&r);
	r = cli_step((const char *const[]){ "assoc", "delete", src, dst, "--yes", NULL });
	if (r.rc != 1 || !strstr(r.out, "Remove-CMComputerAssociation") ||
	    !strstr(r.out, "User State Migration"))
		fail_msg("assoc delete: exit %d: %s %s", r.rc, r.out, r.err);
	tu_run_free(&r);
	/* The guided task stops at its write with the same words. */
	r = cli_step((const char *const[]){ "task", "start", "cert-block", smsid, NULL });
	assert_int_equal(r.rc, 0);
	tu_run_free(&r);
	for (int i = 0; i < 2; i++) {
		r = cli_step((const char *const[]){ "task", "resume", "1", "--step", "next", "--yes", NULL });
		if (i == 1 && !strstr(r.out, "Block-CMCertificate"))
			fail_msg("task step: exit %d: %s %s", r.rc, r.out, r.err);
		tu_run_free(&r);
	}
	assert_int_equal(tu_sql_int(g_ls.db, "SELECT state='done' FROM task_runs WHERE id=1"), 0);
	assert_int_equal(labsite_writes_logged(&g_ls), w);
	log = tu_read_file(g_ls.log, NULL);
	assert_null(strstr(log, "BlockCertificate"));
	assert_null(strstr(log, "DeleteAssociation"));
	free(log);
	assert_int_equal(tu_sql_int(g_ls.db, "SELECT is_blocked FROM certificates WHERE smsid="
	                            "(SELECT min(smsid) FROM certificates WHERE key_type=1 AND is_blocked=0)"), 0);
	labproc_stop(&lp);
}

/* A write to a site whose $metadata this inventory never read (no sync or
 * doctor has kept it) reads it first, keeps it, and then refuses what the
 * site does not expose: the refusal does not depend on a cache. */
static void test_a_write_reads_metadata_it_never_read_before_sending(void **state)
{
	struct labproc lp;
	struct tu_run r;
	char smsid[80], *log;
	sqlite3 *s;
	int w;

	(void)state;
	labsite_start(&g_ls, &lp, (const char *const[]){ "--metadata-without",
	              "SMS_CertificateInfo.BlockCertificate", NULL });
	assert_int_equal(labsite_sync(&g_ls, &lp), 0);
	labsite_sql_text(&g_ls, "SELECT smsid FROM certificates WHERE is_blocked=0 AND key_type=1 ORDER BY smsid",
	                 smsid, sizeof smsid);
	assert_true(smsid[0]);
	assert_int_equal(sqlite3_open(g_ls.db, &s), SQLITE_OK);
	assert_int_equal(sqlite3_exec(s, "DELETE FROM site_capabilities", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(s);
	assert_int_equal(tu_sql_int(g_ls.db, "SELECT count(*) FROM site_capabilities"), 0);
	w = labsite_writes_logged(&g_ls);
	r = cli_step((const char *const[]){ "cert", "block", smsid, "--yes", NULL });
	if (r.rc != 1 || !strstr(r.out, "not expose") || !strstr(r.out, "Block-CMCertificate") ||
	    !strstr(r.out, "nothing was sent"))
		fail_msg("cert block with no $metadata kept: exit %d: %s %s", r.rc, r.out, r.err);
	tu_run_free(&r);
	assert_int_equal(labsite_writes_logged(&g_ls), w);
	log = tu_read_file(g_ls.log, NULL);
	assert_null(strstr(log, "BlockCertificate"));
	free(log);
	/* what it read is kept for the next write and the console's menu */
	assert_int_equal(tu_sql_int(g_ls.db, "SELECT count(*) FROM site_capabilities"), 1);
	labproc_stop(&lp);
}

/* Where the contract does not know how the site names an instance (the
 * four-part key of SysResUse; reference §6), the write tries the forms
 * the contract lists, in order: after a refusal of one, the re-read shows
 * nothing changed, the refusal is in the audit log, and the next form is
 * sent. A site that takes only key-as-segment URLs (Class/v1/v2/...) for
 * a composite key gets its changes, each applied once. */
static void test_a_write_tries_the_next_key_form_the_contract_lists(void **state)
{
	struct labproc lp;
	struct tu_run r;
	char *log;
	int w;

	(void)state;
	labsite_start(&g_ls, &lp, (const char *const[]){ "--key-forms", "segments", NULL });
	assert_int_equal(labsite_sync(&g_ls, &lp), 0);
	w = labsite_writes_logged(&g_ls);
	r = cli_step((const char *const[]){ "smp", "restore-only", "SMP01.holdout.example", "on",
	                                    "--yes", NULL });
	if (r.rc != 0 || !strstr(r.out, "applied"))
		fail_msg("smp restore-only on a segments-only site: exit %d: %s %s", r.rc, r.out, r.err);
	tu_run_free(&r);
	assert_int_equal(labsite_writes_logged(&g_ls), w + 2);
	r = cli_step((const char *const[]){ "boot", "f8-off", "HLD00001", "--yes", NULL });
	if (r.rc != 0 || !strstr(r.out, "applied"))
		fail_msg("boot f8-off on a segments-only site: exit %d: %s %s", r.rc, r.out, r.err);
	tu_run_free(&r);
	assert_int_equal(labsite_writes_logged(&g_ls), w + 3);
	log = tu_read_file(g_ls.log, NULL);
	assert_non_null(strstr(log, "\"method\":\"PUT\",\"path\":\"/AdminService/wmi/SMS_SCI_SysResUse("));
	assert_non_null(strstr(log, "\"method\":\"PUT\",\"path\":\"/AdminService/wmi/SMS_SCI_SysResUse/"));
	/* a single key: the first form (confirmed on real sites) is taken */
	assert_non_null(strstr(log, "\"method\":\"PUT\",\"path\":\"/AdminService/wmi/SMS_BootImagePackage('HLD00001')\""));
	free(log);
	/* the refused form is in the audit log, answered, and the log verifies */
	r = tu_cli(g_ls.db, (const char *const[]){ "audit", "list", "--format", "json", NULL });
	assert_int_equal(r.rc, 0);
	if (!strstr(r.out, "HTTP 400") || !strstr(r.out, "key form"))
		fail_msg("audit list lacks the refused key form: %s", r.out);
	tu_run_free(&r);
	r = tu_cli(g_ls.db, (const char *const[]){ "audit", "verify", NULL });
	if (r.rc != 0)
		fail_msg("audit verify after a second key form: exit %d: %s %s", r.rc, r.out, r.err);
	tu_run_free(&r);
	/* again: already so, nothing sent */
	r = cli_step((const char *const[]){ "smp", "restore-only", "SMP01.holdout.example", "on",
	                                    "--yes", NULL });
	assert_int_equal(r.rc, 0);
	tu_run_free(&r);
	assert_int_equal(labsite_writes_logged(&g_ls), w + 3);
	labproc_stop(&lp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_each_write_is_applied_verified_and_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_answer_is_unknown_then_decided_by_reread_never_resent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_sends_no_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decommission_resumes_after_every_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_assoc_prune_deletes_what_the_policy_says_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cert_block_and_fix_tasks_run_to_the_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dp_pxe_refuses_bad_macs_and_an_empty_listed_bind_before_sending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_action_the_metadata_lacks_sends_nothing_and_names_the_alternative, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_write_reads_metadata_it_never_read_before_sending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_write_tries_the_next_key_form_the_contract_lists, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
