/* The checklist against osdwarden-lab: every seeded misconfiguration fails
 * on its object and its clean counterpart passes; data that was not read
 * is an error, never a pass; history says new, unchanged, fixed. */
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
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/jsonschema.h"
#include "support/labsite.h"
#include "checks/checks.h"
#include "cli/cli.h"
#include "db/db.h"
#include "support/testutil.h"

#define PW LS_PASSWORD

static struct labsite g_ls;

static int setup(void **state)
{
	(void)state;
	labsite_init(&g_ls, "checks");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	labsite_free(&g_ls);
	return 0;
}

static void start(struct labproc *lp, const char *const *extra)
{
	labsite_start(&g_ls, lp, extra);
}

static int sync_lab(const struct labproc *lp)
{
	return labsite_sync(&g_ls, lp);
}

static json_t *check_json(int *rc_out, const char *const *extra)
{
	const char *args[12] = { "check", "--format", "json", "--as-of", "1780000000" };
	int n = 5;
	struct tu_run r;
	json_t *j;

	for (; extra && *extra; extra++)
		args[n++] = *extra;
	args[n] = NULL;
	r = tu_cli(g_ls.db, args);
	if (rc_out)
		*rc_out = r.rc;
	j = json_loads(r.out, 0, NULL);
	if (!j)
		fail_msg("check output is not JSON (exit %d): %.300s %s", r.rc, r.out, r.err);
	tu_run_free(&r);
	return j;
}

/* The state of check id for the object whose name or id contains what;
 * "pass" when the object has no finding but the check judged it. */
static const char *state_of(json_t *run, const char *id, const char *what)
{
	json_t *f;
	size_t i;

	json_array_foreach(json_object_get(run, "findings"), i, f) {
		const char *name = json_string_value(json_object_get(f, "object_name"));
		const char *key = json_string_value(json_object_get(f, "object_id"));
		if (strcmp(json_string_value(json_object_get(f, "check_id")), id) == 0 &&
		    ((name && strstr(name, what)) || (key && strstr(key, what))))
			return json_string_value(json_object_get(f, "state"));
	}
	return "no finding";
}

static const char *check_state(json_t *run, const char *id)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(run, "checks"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "id")), id) == 0)
			return json_string_value(json_object_get(c, "state"));
	return "absent";
}

/* The checklist as the engine holds it, every object's result included
 * (the JSON export lists findings only, so a pass there looks like an
 * object never judged). Evaluated, not stored. */
static struct chk_run evaluate_now(void)
{
	struct inv_open_opts o = { .path = g_ls.db, .read_only = true };
	struct ow_err e = { 0 };
	struct inv *db;
	struct chk_run run;

	if (inv_open(&o, &db, &e) != 0)
		fail_msg("open %s: %s", g_ls.db, e.msg);
	if (chk_evaluate_peek(db, 1780000000, &run, &e) != 0)
		fail_msg("evaluate: %s", e.msg);
	inv_close(db);
	return run;
}

static bool about(const struct chk_result *r, const char *what)
{
	return (r->object_name && strstr(r->object_name, what)) ||
	       (r->object_key && strstr(r->object_key, what));
}

/* What assert_object_passes and assert_association_passes walk: one
 * check's results, about one object. */
struct walk {
	const char *id, *what;
	long long n;
};

static int object_passes(void *ctx, const struct chk_result *r)
{
	struct walk *w = ctx;

	if (!about(r, w->what))
		return 0;
	w->n++;
	if (r->state != CS_PASS)
		fail_msg("%s on %s: %s, expected pass", w->id, w->what, chk_state_name(r->state));
	return 0;
}

/* Check id judged the object whose name or key contains what, and every
 * result it has for it is a pass. */
static void assert_object_passes(const struct chk_run *run, const char *id, const char *what)
{
	struct walk w = { id, what, 0 };

	assert_int_equal(chk_run_each(run, (int)chk_index(chk_find(id)), object_passes, &w), 0);
	if (w.n == 0)
		fail_msg("%s on %s: never judged (no result at all), expected pass", id, what);
}

/* Counts the associations a result judged: one per failure, the count of
 * the folded passing one. */
static int association_counted(void *ctx, const struct chk_result *r)
{
	struct walk *w = ctx;

	if (about(r, w->what))
		fail_msg("%s on %s: %s, expected pass", w->id, w->what, chk_state_name(r->state));
	if (r->state == CS_FAIL)
		w->n++;
	else if (r->state == CS_PASS && r->object_type && strcmp(r->object_type, "associations") == 0) {
		json_t *e = json_loads(r->evidence, 0, NULL);
		w->n += json_integer_value(json_object_get(e, "count"));
		json_decref(e);
	} else
		fail_msg("%s: unexpected %s result", w->id, chk_state_name(r->state));
	return 0;
}

/* The association checks fold their passing objects into one counted
 * result (there can be a million). The clean association passed when it
 * is not failing and passes + failures cover every association judged. */
static void assert_association_passes(const struct chk_run *run, const char *id, const char *what,
                                      const char *judged_sql)
{
	long long judged = tu_sql_int(g_ls.db, judged_sql);
	struct walk w = { id, what, 0 };

	assert_int_equal(chk_run_each(run, (int)chk_index(chk_find(id)), association_counted, &w), 0);
	assert_true(judged > 0);
	if (w.n != judged)
		fail_msg("%s judged %lld associations of %lld", id, w.n, judged);
}

/* Turn 2. The remote provider makes NTLM worse; a PKI certificate on a
 * PXE DP without a password is critical. */
static int turn_two(void *ctx, const struct chk_result *r)
{
	(void)ctx;
	if (strcmp(r->def->id, "OSD-INFRA-002") == 0 && r->state == CS_FAIL)
		assert_int_equal(r->sev, strcmp(r->object_key, "HLD") == 0 ? SEV_HIGH : SEV_MEDIUM);
	if (strcmp(r->def->id, "OSD-CERT-001") == 0 && r->state == CS_FAIL)
		assert_int_equal(r->sev, SEV_CRITICAL);
	/* Bit 23 on collections is Deploy Task Sequences, not Recover User State. */
	if (strncmp(r->def->id, "OSD-RBAC-00", 11) == 0 && r->def->id[11] > '1')
		assert_false(about(r, "Task sequence deployers") || about(r, "ts.deployer"));
	if (strcmp(r->def->id, "OSD-RBAC-002") == 0 && about(r, "Recovery viewers"))
		assert_string_equal(chk_state_name(r->state), "notchecked");
	return 0;
}

/* The multicast package not attested still waits for the operator. */
static int hld00012_waits(void *ctx, const struct chk_result *r)
{
	(void)ctx;
	if (about(r, "HLD00012"))
		assert_string_equal(chk_state_name(r->state), "notchecked");
	return 0;
}

static void test_seeded_misconfigurations_fail_and_clean_counterparts_pass(void **state)
{
	static const struct {
		const char *id, *bad, *good;
	} cases[] = {
		{ "OSD-PXE-003", "PXE01", "PXE02" },
		{ "OSD-PXE-003", "PXE03", "PXE02" },
		{ "OSD-PXE-004", "PXE01", "PXE02" },
		{ "OSD-PXE-005", "PXE01", "PXE02" },
		{ "OSD-PXE-002", "PXE04", NULL },
		{ "OSD-PXE-006", "HLD00001", "HLD00002" },
		{ "OSD-MEDIA-002", "two years", "180 days" },
		{ "OSD-MEDIA-002", "expired", "180 days" },
		{ "OSD-CERT-001", "PXE05", NULL },
		{ "OSD-CERT-002", "OLDPXE09", "OLDPXE10" },
		{ "OSD-IMG-002", "HLD00010", "HLD00011" },
		{ "OSD-MC-002", "MC01", NULL },
		{ "OSD-TS-001", "OSDDomainJoinPassword", "OSDComputerName" },
		{ "OSD-TS-002", "SMS000US", "HLD00101" },
		{ "OSD-TS-004", "HLD00020", "HLD00023" },
		{ "OSD-TS-005", "HLD00024", NULL },
		{ "OSD-TS-006", "HLD00021", "HLD00023" },
		{ "OSD-TS-009", "HLD20002", "HLD20003" },
		{ "OSD-NAA-001", "HLD", "PR2" },
		{ "OSD-NAA-001", "CAS", "PR2" },
		{ "OSD-RBAC-001", "osdtech1", NULL },
		{ "OSD-SMP-002", "SMP01", "SMP03" },
		{ "OSD-SMP-003", "SMP02", "SMP03" },
		{ "OSD-SMP-006", "E:\\StateStore", "SMP03" },
		{ "OSD-SMP-004", "WS000000 -> WS000001", NULL },
		{ "OSD-SMP-005", "WS000004 -> WS000005", NULL },
		{ "OSD-USMT-001", "HLD00014", NULL },
		{ "OSD-SMP-006", "G:\\NoLimits", "SMP03" },
		{ "OSD-INFRA-002", "HLD", "PR2" },
		{ "OSD-INFRA-002", "CAS", "PR2" },
		{ "OSD-NAA-002", "CAS", "PR2" },
		{ "OSD-NAA-002", "CAS", "HLD" },       /* 2503 with the hotfix installed */
		{ "OSD-PXE-007", "PXE01", "PXE02" },
		{ "OSD-RBAC-002", "Full Administrator", NULL },
		{ "OSD-RBAC-003", "Full Administrator", "Media team" },
		{ "OSD-RBAC-004", "Operating System Deployment Manager", "Media team" },
		{ "OSD-CERT-001", "PXE05", NULL },
		{ "OSD-CHAIN-CRED1", "PXE01", "PXE02" },
		{ "OSD-CHAIN-PRIV", "user state", NULL },
	};
	struct labproc lp;
	json_t *run;
	struct chk_run all;

	(void)state;
	start(&lp, NULL);
	assert_int_equal(sync_lab(&lp), 0);
	labproc_stop(&lp);
	run = check_json(NULL, NULL);
	all = evaluate_now();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *bad = state_of(run, cases[i].id, cases[i].bad);
		if (strcmp(bad, "fail") != 0)
			fail_msg("%s on %s: %s, expected fail", cases[i].id, cases[i].bad, bad);
		if (cases[i].good)
			assert_object_passes(&all, cases[i].id, cases[i].good);
	}
	assert_association_passes(&all, "OSD-SMP-004", "WS000002 -> WS000003",
	                          "SELECT count(*) FROM associations WHERE gone_at IS NULL AND "
	                          "store_released IS NOT NULL");
	assert_association_passes(&all, "OSD-SMP-005", "WS000006 -> WS000007",
	                          "SELECT count(*) FROM associations WHERE gone_at IS NULL AND "
	                          "store_released IS NULL AND store_created IS NOT NULL");
	/* Multicast: no flag says "encrypted" (the lab's HLD00013 carries the
	 * binary delta replication bit, once misread as that), so both
	 * multicast packages wait for the operator, and an attestation for
	 * one closes that one only. */
	assert_string_equal(state_of(run, "OSD-MC-001", "HLD00012"), "notchecked");
	assert_string_equal(state_of(run, "OSD-MC-001", "HLD00013"), "notchecked");
	assert_int_equal(chk_run_each(&all, -1, turn_two, NULL), 0);
	chk_run_free(&all);
	{
		struct tu_run r = tu_cli(g_ls.db, (const char *const[]){ "attest", "OSD-MC-001", "--object",
		                                                        "HLD00013", "--note",
		                                                        "encryption set in the console", NULL });
		assert_int_equal(r.rc, 0);
		tu_run_free(&r);
	}
	all = evaluate_now();
	assert_object_passes(&all, "OSD-MC-001", "HLD00013");
	assert_int_equal(chk_run_each(&all, (int)chk_index(chk_find("OSD-MC-001")), hld00012_waits,
	                              NULL), 0);
	chk_run_free(&all);
	/* Boot images that PXE and media hand out wait for the UEFI CA 2023
	 * attestation; one no deployment reaches is not listed. */
	assert_string_equal(state_of(run, "OSD-IMG-004", "HLD00001"), "notchecked");
	assert_string_equal(state_of(run, "OSD-IMG-004", "HLD00003"), "no finding");
	/* Manual controls wait for an attestation; they never pass by default. */
	assert_string_equal(check_state(run, "OSD-MEDIA-003"), "notchecked");
	assert_string_equal(check_state(run, "OSD-SMP-008"), "notchecked");
	assert_string_equal(state_of(run, "OSD-INFRA-001", "HLDPROV"), "notchecked");
	/* The JSON model carries what reviewers and scripts need. */
	json_t *g = json_object_get(json_object_get(run, "grades"), "security");
	assert_non_null(json_object_get(g, "grade"));
	assert_true(json_is_true(json_object_get(g, "capped")) || json_integer_value(json_object_get(g, "score")) < 50);
	json_decref(run);
}

static void test_data_not_read_is_an_error_never_a_pass(void **state)
{
	struct labproc lp;
	json_t *run;
	struct tu_run r;

	(void)state;
	/* Never synced: everything that reads the site is an error, and there
	 * is no grade to give (never a good one). */
	tu_new_inventory(g_ls.db);
	run = check_json(NULL, NULL);
	assert_string_equal(check_state(run, "OSD-PXE-004"), "error");
	assert_string_equal(check_state(run, "OSD-SMP-002"), "error");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(run,
	                    "grades"), "security"), "grade")), "?");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(run,
	                    "grades"), "privacy"), "grade")), "?");
	json_decref(run);
	/* A class the account may not read. */
	start(&lp, (const char *const[]){ "--deny", "SMS_Certificate", NULL });
	assert_int_equal(sync_lab(&lp), 4);
	labproc_stop(&lp);
	run = check_json(NULL, NULL);
	assert_string_equal(check_state(run, "OSD-CERT-002"), "error");
	assert_string_equal(check_state(run, "OSD-MEDIA-002"), "error");
	assert_string_equal(state_of(run, "OSD-CERT-002", "SMS_Certificate"), "error");
	assert_string_equal(check_state(run, "OSD-PXE-004"), "fail");   /* others still judged */
	json_decref(run);
	r = tu_cli(g_ls.db, (const char *const[]){ "check", NULL });
	assert_non_null(strstr(r.out, "security F*"));   /* incomplete, and says so */
	tu_run_free(&r);
}

/* The site's updates are optional: a site whose $metadata does not offer
 * them, or an account that may not read them, leaves the sync complete
 * (exit 0), and the NAA hotfix check of the 2503 site asks the operator
 * instead of passing or failing on what was not read. */
static void test_unread_updates_leave_the_sync_complete_and_the_hotfix_to_an_attestation(void **state)
{
	static const char *const hidden[] = { "--metadata-without", "SMS_CM_UpdatePackages", NULL };
	static const char *const denied[] = { "--deny", "SMS_CM_UpdatePackages", NULL };
	const char *const *const ways[] = { hidden, denied };
	struct labproc lp;

	(void)state;
	for (size_t i = 0; i < sizeof ways / sizeof ways[0]; i++) {
		json_t *run;
		start(&lp, ways[i]);
		assert_int_equal(sync_lab(&lp), 0);
		labproc_stop(&lp);
		run = check_json(NULL, NULL);
		assert_string_equal(state_of(run, "OSD-NAA-002", "HLD"), "notchecked");
		assert_string_equal(state_of(run, "OSD-NAA-002", "CAS"), "fail");   /* by its build alone */
		json_decref(run);
	}
}

static const char *str_or_absent(json_t *j)
{
	return json_string_value(j) ? json_string_value(j) : "(absent)";
}

/* The console's dashboard, as the real binary draws it in script mode
 * (new string, the saved screen). */
static char *dashboard_screen(void)
{
	char keys[400], shot[400], script[900];
	char *bin = tu_path(getenv("OW_BUILD_DIR") ? getenv("OW_BUILD_DIR") : "build", "osdwarden");
	char *text;
	pid_t pid;
	int status;

	snprintf(keys, sizeof keys, "%s/keys", g_ls.dir);
	snprintf(shot, sizeof shot, "%s/dash.txt", g_ls.dir);
	snprintf(script, sizeof script, ":save-display %s\n", shot);
	assert_int_equal(tu_write_file(keys, script, strlen(script)), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("LANG", "C.UTF-8", 1);
		setenv("LC_ALL", "C.UTF-8", 1);
		setenv("TERM", "xterm", 1);
		execl(bin, bin, "--db", g_ls.db, "tui", "--script", keys, "--size", "100x30", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(bin);
	text = tu_read_file(shot, NULL);
	assert_non_null(text);
	return text;
}

/* The reproduction end to end: the classes behind the NAA, the
 * collection variables, the task sequences and the roles denied. Their
 * checks say error; both chains could not be judged, and every report
 * and the console say so by name instead of showing a better grade. */
static void test_a_chain_that_could_not_be_judged_is_named_everywhere(void **state)
{
	struct labproc lp;
	json_t *run, *priv, *sec;
	struct tu_run r;
	char *dash;

	(void)state;
	start(&lp, (const char *const[]){ "--deny", "SMS_SCI_ClientComp,SMS_CollectionSettings,"
	                                  "SMS_TaskSequencePackage,SMS_Role", NULL });
	assert_int_equal(sync_lab(&lp), 4);
	labproc_stop(&lp);
	run = check_json(NULL, NULL);
	assert_string_equal(check_state(run, "OSD-TS-002"), "error");
	assert_string_equal(check_state(run, "OSD-NAA-001"), "error");
	assert_string_equal(check_state(run, "OSD-RBAC-002"), "error");
	assert_string_equal(check_state(run, "OSD-CHAIN-CRED1"), "error");
	assert_string_equal(check_state(run, "OSD-CHAIN-PRIV"), "error");
	priv = json_object_get(json_object_get(run, "grades"), "privacy");
	sec = json_object_get(json_object_get(run, "grades"), "security");
	/* A full read gives F; unread, never better than D, and marked. */
	assert_string_equal(json_string_value(json_object_get(priv, "grade")), "D*");
	assert_string_equal(str_or_absent(json_array_get(json_object_get(priv, "unjudged_chains"), 0)),
	                    "OSD-CHAIN-PRIV");
	assert_string_equal(str_or_absent(json_array_get(json_object_get(sec, "unjudged_chains"), 0)),
	                    "OSD-CHAIN-CRED1");
	json_decref(run);
	r = tu_cli(g_ls.db, (const char *const[]){ "check", "--as-of", "1780000000", NULL });
	assert_non_null(strstr(r.out, "privacy D* (73)"));
	assert_non_null(strstr(r.out, "critical chain OSD-CHAIN-PRIV could not be judged"));
	assert_non_null(strstr(r.out, "critical chain OSD-CHAIN-CRED1 could not be judged"));
	tu_run_free(&r);
	r = tu_cli(g_ls.db, (const char *const[]){ "check", "--format", "markdown", "--as-of",
	                                           "1780000000", NULL });
	assert_non_null(strstr(r.out, "privacy grade **D\\***"));
	assert_non_null(strstr(r.out, "critical chain OSD-CHAIN-PRIV could not be judged"));
	tu_run_free(&r);
	r = tu_cli(g_ls.db, (const char *const[]){ "check", "--format", "sarif", "--as-of",
	                                           "1780000000", NULL });
	run = json_loads(r.out, 0, NULL);
	assert_string_equal(str_or_absent(json_array_get(json_object_get(json_object_get(
	                    json_array_get(json_object_get(run, "runs"), 0), "properties"),
	                    "unjudgedChains"), 0)), "OSD-CHAIN-CRED1");
	json_decref(run);
	tu_run_free(&r);
	dash = dashboard_screen();
	if (!strstr(dash, "CHAIN-PRIV: could not be judged") ||
	    !strstr(dash, "CHAIN-CRED1: could not be judged") || !strstr(dash, "grade D*"))
		fail_msg("the dashboard does not name the chain it could not judge:\n%s", dash);
	free(dash);
}

/* The SARIF text validates against the vendored SARIF 2.1.0 schema. */
static void assert_valid_sarif(const char *text)
{
	const char *dir = getenv("OW_TESTDATA");
	char path[1024], err[700];
	json_t *schema, *doc;
	enum js_result v;

	snprintf(path, sizeof path, "%s/sarif-2.1.0-rtm.5.json", dir ? dir : "tests/data");
	schema = json_load_file(path, 0, NULL);
	doc = json_loads(text, 0, NULL);
	assert_non_null(schema);
	assert_non_null(doc);
	v = js_validate(schema, doc, err, sizeof err);
	if (v != JS_VALID)
		fprintf(stderr, "# SARIF output is not valid SARIF 2.1.0: %s\n", err);
	assert_int_equal(v, JS_VALID);
	json_decref(doc);
	json_decref(schema);
}

static void test_history_marks_findings_new_unchanged_and_fixed(void **state)
{
	struct labproc lp;
	json_t *run;
	char smsid[64] = "";
	struct http h;
	json_t *f;
	size_t i;

	(void)state;
	start(&lp, NULL);
	assert_int_equal(sync_lab(&lp), 0);
	run = check_json(NULL, NULL);
	json_array_foreach(json_object_get(run, "findings"), i, f)
		if (strcmp(json_string_value(json_object_get(f, "check_id")), "OSD-CERT-002") == 0)
			snprintf(smsid, sizeof smsid, "%s", json_string_value(json_object_get(f, "object_id")));
	assert_string_equal(state_of(run, "OSD-CERT-002", "OLDPXE09"), "fail");
	json_decref(run);
	run = check_json(NULL, NULL);
	json_array_foreach(json_object_get(run, "findings"), i, f)
		if (strcmp(json_string_value(json_object_get(f, "state")), "fail") == 0)
			assert_string_equal(json_string_value(json_object_get(f, "baseline")), "unchanged");
	json_decref(run);
	/* Block the orphaned certificate on the site, sync, check again. */
	{
		char body[200];
		snprintf(body, sizeof body, "{\"SMSID\":\"%s\",\"Blocked\":true}", smsid);
		h = labproc_http(&lp, "POST", "wmi/SMS_CertificateInfo.BlockCertificate", body, "labadmin:" PW);
		assert_int_equal(h.status, 201);
		http_free(&h);
	}
	assert_int_equal(sync_lab(&lp), 0);
	labproc_stop(&lp);
	run = check_json(NULL, NULL);
	assert_string_equal(state_of(run, "OSD-CERT-002", "OLDPXE09"), "fixed");
	json_decref(run);
	/* The same history as SARIF: new, unchanged and absent baselines. */
	{
		struct tu_run r = tu_cli(g_ls.db, (const char *const[]){ "check", "--format", "sarif", "--since", "1", NULL });
		assert_int_equal(r.rc, 0);
		json_t *log = json_loads(r.out, 0, NULL), *res;
		bool absent = false;
		json_array_foreach(json_object_get(json_array_get(json_object_get(log, "runs"), 0), "results"), i, res) {
			const char *b = json_string_value(json_object_get(res, "baselineState"));
			absent |= b && strcmp(b, "absent") == 0;
		}
		assert_true(absent);
		json_decref(log);
		assert_valid_sarif(r.out);
		tu_run_free(&r);
	}
}

static void test_fail_on_sets_the_exit_code(void **state)
{
	struct labproc lp;
	int rc;
	json_t *run;
	struct tu_run r;

	(void)state;
	start(&lp, NULL);
	assert_int_equal(sync_lab(&lp), 0);
	labproc_stop(&lp);
	run = check_json(&rc, NULL);
	assert_int_equal(rc, 0);
	json_decref(run);
	run = check_json(&rc, (const char *const[]){ "--fail-on", "critical", NULL });
	assert_int_equal(rc, 1);
	json_decref(run);
	r = tu_cli(g_ls.db, (const char *const[]){ "check", "--fail-on", "severe", NULL });
	assert_int_equal(r.rc, 2);
	tu_run_free(&r);
	/* Read-only: evaluates and compares, stores nothing. */
	long long runs = tu_sql_int(g_ls.db, "SELECT count(*) FROM check_runs");
	r = tu_cli(g_ls.db, (const char *const[]){ "--read-only", "check", "--format", "json", NULL });
	assert_int_equal(r.rc, 0);
	run = json_loads(r.out, 0, NULL);
	assert_non_null(json_object_get(run, "findings"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(run, "run"), "previous")), runs);
	json_decref(run);
	tu_run_free(&r);
	assert_int_equal(tu_sql_int(g_ls.db, "SELECT count(*) FROM check_runs"), runs);
	r = tu_cli(g_ls.db, (const char *const[]){ "check", "--category", "privacy", "--format", "json", NULL });
	run = json_loads(r.out, 0, NULL);
	assert_string_equal(check_state(run, "OSD-PXE-004"), "absent");
	assert_string_equal(check_state(run, "OSD-SMP-003"), "fail");
	json_decref(run);
	tu_run_free(&r);
	/* A report that cannot be written in full is an error, in every format. */
	for (const char *const *fmt = (const char *const[]){ "text", "json", "sarif", "markdown", NULL };
	     *fmt; fmt++) {
		char *err_text = NULL;
		size_t err_len = 0;
		FILE *full = fopen("/dev/full", "w"), *err = open_memstream(&err_text, &err_len);
		char *argv[] = { (char *)"osdwarden", (char *)"--db", g_ls.db, (char *)"check",
		                 (char *)"--category", (char *)"privacy", (char *)"--format", (char *)*fmt, NULL };
		assert_non_null(full);
		assert_int_equal(cli_main(8, argv, full, err), 2);
		fclose(full);
		fclose(err);
		assert_non_null(strstr(err_text, "incomplete"));
		free(err_text);
	}
}

static int cli_rc(const char *const *args)
{
	struct tu_run r = tu_cli(g_ls.db, args);
	int rc = r.rc;
	if (rc)
		fprintf(stderr, "%s", r.err);
	tu_run_free(&r);
	return rc;
}

static void test_attestations_waivers_and_tags_change_results_as_they_should(void **state)
{
	struct labproc lp;
	json_t *run;
	int rc;
	long now = (long)time(NULL);
	char later[32];

	(void)state;
	start(&lp, NULL);
	assert_int_equal(sync_lab(&lp), 0);
	labproc_stop(&lp);
	/* An attestation closes a manual control. */
	assert_int_equal(cli_rc((const char *const[]){ "attest", "OSD-MEDIA-003", "--note",
	                                               "media built on the isolated build host", NULL }), 0);
	/* A waiver keeps the failure visible but out of --fail-on. */
	assert_int_equal(cli_rc((const char *const[]){ "waive", "OSD-PXE-002", "--object",
	                                               "PXE04.holdout.example", "--reason",
	                                               "DMZ PXE until the move in May", "--expires",
	                                               "1", NULL }), 0);
	/* Tags: a sanctioned responder; a compromised certificate. */
	assert_int_equal(cli_rc((const char *const[]){ "tag", "dp", "PXE02.holdout.example",
	                                               "--sanctioned", "--trust", "trusted", NULL }), 0);
	assert_int_equal(cli_rc((const char *const[]){ "tag", "cert", "{86F4BFE4-0D0D-4A83-8C79-0A6584ED0302}",
	                                               "--compromised", NULL }), 0);
	/* A waiver written straight into the inventory (check-wide, ten
	 * years) has no audit row: it is not honoured, and the report counts it. */
	{
		sqlite3 *s;
		char q[300];
		snprintf(q, sizeof q, "INSERT INTO waivers(check_id,object_key,reason,operator,created,"
		         "expires) VALUES('OSD-PXE-001','','planted','mallory',%ld,%ld)", now,
		         now + 3650L * 86400);
		assert_int_equal(sqlite3_open(g_ls.db, &s), SQLITE_OK);
		assert_int_equal(sqlite3_exec(s, q, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(s);
	}
	snprintf(later, sizeof later, "%ld", now);
	{
		const char *args[] = { "check", "--format", "json", "--as-of", later, "--fail-on", "critical", NULL };
		struct tu_run r = tu_cli(g_ls.db, args);
		run = json_loads(r.out, 0, NULL);
		rc = r.rc;
		tu_run_free(&r);
	}
	assert_string_equal(check_state(run, "OSD-MEDIA-003"), "pass");
	assert_string_equal(state_of(run, "OSD-PXE-001", "PXE02"), "no finding");   /* passes */
	assert_string_equal(state_of(run, "OSD-PXE-001", "PXE01"), "fail");
	assert_string_equal(state_of(run, "OSD-PXE-002", "PXE02"), "no finding");
	json_t *f;
	size_t i;
	bool waived_seen = false;
	json_array_foreach(json_object_get(run, "findings"), i, f) {
		const char *id = json_string_value(json_object_get(f, "check_id"));
		const char *name = json_string_value(json_object_get(f, "object_name"));
		if (strcmp(id, "OSD-PXE-002") == 0 && strstr(name, "PXE04")) {
			assert_true(json_is_true(json_object_get(f, "waived")));
			assert_string_equal(json_string_value(json_object_get(f, "state")), "fail");
			waived_seen = true;
		}
	}
	assert_true(waived_seen);
	json_array_foreach(json_object_get(run, "findings"), i, f) {
		const char *id = json_string_value(json_object_get(f, "check_id"));
		const char *name = json_string_value(json_object_get(f, "object_name"));
		if (strcmp(id, "OSD-PXE-001") == 0 && strstr(name, "PXE01")) {
			char *ev = json_dumps(json_object_get(f, "evidence"), 0);
			assert_true(json_is_false(json_object_get(f, "waived")));
			assert_non_null(ev);
			if (!strstr(ev, "not in the audit log"))
				fail_msg("PXE01's evidence does not say the waiver was not honoured: %s", ev);
			free(ev);
		}
	}
	assert_int_equal(json_integer_value(json_object_get(json_object_get(run, "ignored_decisions"),
	                                                    "waivers")), 1);
	assert_string_equal(state_of(run, "OSD-CERT-002", "86F4BFE4"), "fail");
	/* Chains are still critical and unwaived: --fail-on critical trips. */
	assert_int_equal(rc, 1);
	json_decref(run);
	/* Two days on, the one-day waiver has expired: the failure counts again. */
	snprintf(later, sizeof later, "%ld", now + 2 * 86400);
	{
		const char *args[] = { "check", "--format", "json", "--as-of", later, NULL };
		struct tu_run r = tu_cli(g_ls.db, args);
		run = json_loads(r.out, 0, NULL);
		tu_run_free(&r);
	}
	json_array_foreach(json_object_get(run, "findings"), i, f) {
		const char *id = json_string_value(json_object_get(f, "check_id"));
		const char *name = json_string_value(json_object_get(f, "object_name"));
		if (strcmp(id, "OSD-PXE-002") == 0 && strstr(name, "PXE04"))
			assert_true(json_is_false(json_object_get(f, "waived")));
	}
	json_decref(run);
	/* Every decision is in the audit log, and the log verifies. */
	assert_true(tu_sql_int(g_ls.db, "SELECT count(*) FROM audit WHERE action IN "
	                             "('attest','waive','tag')") == 4);
	assert_true(tu_sql_int(g_ls.db, "SELECT count(*) FROM audit WHERE action = 'sync'") == 1);
	{
		struct tu_run v = tu_cli(g_ls.db, (const char *const[]){ "audit", "verify", NULL });
		assert_int_equal(v.rc, 0);
		/* the five above and the first write's audit.anchor row */
		assert_non_null(strstr(v.out, "audit log intact: 6 rows"));
		tu_run_free(&v);
	}
	/* Usage errors: unknown check, waiver without expiry. */
	assert_int_equal(cli_rc((const char *const[]){ "waive", "OSD-NOPE-1", "--reason", "x", "--expires", "1", NULL }), 2);
	assert_int_equal(cli_rc((const char *const[]){ "waive", "OSD-PXE-004", "--reason", "x", NULL }), 2);
	assert_int_equal(cli_rc((const char *const[]){ "attest", "OSD-PXE-004", NULL }), 2);
}

static void test_sarif_and_markdown_exports_are_well_formed_and_safe(void **state)
{
	struct labproc lp;
	struct tu_run r;
	json_t *sarif, *run0, *rules, *res;
	size_t i;
	static const char *const kinds[] = { "pass", "fail", "review", "open", "informational",
	                                     "notApplicable" };

	(void)state;
	start(&lp, NULL);
	assert_int_equal(sync_lab(&lp), 0);
	labproc_stop(&lp);
	assert_int_equal(cli_rc((const char *const[]){ "waive", "OSD-PXE-004", "--reason", "lab",
	                                               "--expires", "30", NULL }), 0);
	r = tu_cli(g_ls.db, (const char *const[]){ "check", "--format", "sarif", "--as-of", "1780000000", NULL });
	assert_int_equal(r.rc, 0);
	sarif = json_loads(r.out, 0, NULL);
	assert_non_null(sarif);
	assert_valid_sarif(r.out);
	tu_run_free(&r);
	assert_string_equal(json_string_value(json_object_get(sarif, "version")), "2.1.0");
	run0 = json_array_get(json_object_get(sarif, "runs"), 0);
	rules = json_object_get(json_object_get(json_object_get(run0, "tool"), "driver"), "rules");
	assert_true(json_array_size(rules) >= 40);
	bool suppressed = false;
	json_array_foreach(json_object_get(run0, "results"), i, res) {
		size_t idx = (size_t)json_integer_value(json_object_get(res, "ruleIndex"));
		const char *kind = json_string_value(json_object_get(res, "kind"));
		bool known = false;
		/* ruleIndex points at the rule named by ruleId. */
		assert_string_equal(json_string_value(json_object_get(json_array_get(rules, idx), "id")),
		                    json_string_value(json_object_get(res, "ruleId")));
		for (size_t k = 0; k < 6; k++)
			known |= strcmp(kind, kinds[k]) == 0;
		assert_true(known);
		assert_non_null(json_object_get(json_object_get(res, "message"), "text"));
		/* What viewers print carries no control character of the site's
		 * (the lab's OSC 52 name); the raw value stays in the location. */
		for (const char *t = json_string_value(json_object_get(json_object_get(res, "message"),
		                                                       "text")); *t; t++)
			if ((unsigned char)*t < 0x20 || *t == 0x7f)
				fail_msg("SARIF message with a control character: %s",
				         json_string_value(json_object_get(json_object_get(res, "message"),
				                                           "text")));
		assert_true(json_array_size(json_object_get(res, "locations")) == 1);
		if (strcmp(kind, "fail") != 0)
			assert_string_equal(json_string_value(json_object_get(res, "level")), "none");
		if (json_object_get(res, "suppressions")) {
			assert_string_equal(json_string_value(json_object_get(res, "ruleId")), "OSD-PXE-004");
			suppressed = true;
		}
	}
	assert_true(suppressed);
	json_decref(sarif);
	/* Markdown: the hostile association name is shown, escaped, inert. */
	r = tu_cli(g_ls.db, (const char *const[]){ "check", "--format", "markdown", "--as-of", "1780000000", NULL });
	assert_int_equal(r.rc, 0);
	assert_null(strchr(r.out, '\x1b'));
	assert_non_null(strstr(r.out, "Media^\\[\\]52;c;"));
	assert_non_null(strstr(r.out, "# osdwarden checklist report"));
	tu_run_free(&r);
	/* --since compares with a named run: against run 1, a fail is unchanged. */
	r = tu_cli(g_ls.db, (const char *const[]){ "check", "--format", "json", "--since", "1", NULL });
	json_t *j = json_loads(r.out, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "run"), "previous")), 1);
	json_decref(j);
	tu_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seeded_misconfigurations_fail_and_clean_counterparts_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unread_updates_leave_the_sync_complete_and_the_hotfix_to_an_attestation,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_not_read_is_an_error_never_a_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_chain_that_could_not_be_judged_is_named_everywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_marks_findings_new_unchanged_and_fixed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail_on_sets_the_exit_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attestations_waivers_and_tags_change_results_as_they_should, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sarif_and_markdown_exports_are_well_formed_and_safe, setup, teardown),
	};
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
