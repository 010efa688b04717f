/* Every check of the catalogue: its data missing is never a pass, and
 * small inventories (seeded with SQL, bypassing db/) make it fail and pass
 * where the lab suite does not already show both. */
#include "support/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend/workflows.h"
#include "checks/checks.h"
#include "checks/decide.h"
#include "checks/summary.h"
#include "db/audit.h"
#include "util/buf.h"
#include "db/db.h"
#include "db/decision.h"
#include "db/internal.h"
#include "db/records.h"

#define NOW 1780000000LL

static char *g_dir, *g_path;

static void sql(const char *text)
{
	tu_sql_exec(g_path, text);
}

/* What `osdwarden tag` adds to the rows a seed put in segments: the audit
 * row that vouches for each (the checks honour a tag only with it). */
static void record_tags(void)
{
	struct inv_open_opts o = { .path = g_path };
	struct ow_err e = { 0 };
	struct inv_segment *t = NULL;
	struct inv *db;
	size_t n = 0;
	char target[300], request[300];

	assert_int_equal(inv_open(&o, &db, &e), 0);
	assert_int_equal(inv_load_segment(db, false, &t, &n, &e), 0);
	for (size_t i = 0; i < n; i++) {
		decision_tag_target(&t[i], target, sizeof target);
		decision_tag_request(&t[i], request, sizeof request);
		if (audit_append(db, t[i].updated, DECISION_TAG, target, request, "recorded", &e) != 0)
			fail_msg("audit: %s", e.msg);
	}
	inv_unload_segment(t, n);
	inv_close(db);
}

static bool listed(const char *const *list, const char *item)
{
	for (; list && *list; list++)
		if (strcmp(*list, item) == 0)
			return true;
	return false;
}

static char *g_template_bytes;   /* a new inventory's file, made once */
static size_t g_template_len;

/* A fresh inventory whose sync read every class some check reads (from
 * the catalogue rows), except those in `denied` (NULL-terminated). */
static void fresh_denying(const char *const *denied)
{
	struct inv_open_opts o = { 0 };
	struct ow_err e = { 0 };
	struct inv *db;
	struct buf script = BUF_INIT;
	char q[512], cls[128];

	if (g_dir) {
		tu_rmtree(g_dir);
		free(g_dir);
		free(g_path);
	}
	g_dir = tu_tmpdir();
	g_path = tu_path(g_dir, "inv.db");
	/* Every migration once, then a copy of the file per case: parsing
	 * the schema's SQL was most of this suite's time (a minute under
	 * ASan). The copy is what inv_open made, closed and checkpointed. */
	if (!g_template_bytes) {
		o.path = g_path;
		assert_int_equal(inv_open(&o, &db, &e), 0);
		inv_close(db);
		g_template_bytes = tu_read_file(g_path, &g_template_len);
		assert_non_null(g_template_bytes);
	} else {
		assert_int_equal(tu_write_file(g_path, g_template_bytes, g_template_len), 0);
		assert_int_equal(chmod(g_path, 0600), 0);   /* as inv_open makes it */
	}
	/* one script, one connection: a connection per row parsed the schema
	 * again each time */
	buf_adds(&script, "BEGIN; INSERT INTO providers(id, url, auth_mode) "
	         "VALUES(1, 'https://p/AdminService', 'none');");
	for (size_t k = 0; k < chk_count(); k++) {
		for (const char *p = chk_at(k)->needs; p && *p; p += strcspn(p, ","), p += *p == ',') {
			snprintf(cls, sizeof cls, "%.*s", (int)strcspn(p, ","), p);
			snprintf(q, sizeof q, "INSERT OR IGNORE INTO sync_classes(provider_id, class, status, "
			         "synced_at) VALUES(1, '%s', '%s', 1);", cls,
			         listed(denied, cls) ? "no_access" : "ok");
			buf_adds(&script, q);
		}
	}
	buf_adds(&script, "COMMIT;");
	assert_false(script.failed);
	sql(buf_str(&script));
	buf_free(&script);
}

static void fresh(const char *denied)
{
	fresh_denying((const char *const[]){ denied, NULL });
}

/* A stored run as of now. */
static struct chk_run evaluate_at(int64_t now)
{
	struct inv_open_opts o = { .path = g_path };
	struct ow_err e = { 0 };
	struct inv *db;
	struct chk_run run;

	assert_int_equal(inv_open(&o, &db, &e), 0);
	if (chk_evaluate(db, -1, now, &run, &e) != 0)
		fail_msg("evaluate: %s", e.msg);
	inv_close(db);
	return run;
}

static struct chk_run evaluate(void)
{
	return evaluate_at(NOW);
}

/* Decisions as osdwarden records them (with their audit rows): the
 * checks honour no other. */
static void decide(bool waiver, const char *check, const char *object, long days, int64_t now)
{
	struct inv_open_opts o = { .path = g_path };
	struct ow_err e = { 0 };
	struct inv *db;

	assert_int_equal(inv_open(&o, &db, &e), 0);
	if (chk_decide(db, waiver, check, object, "reviewed", days, now, &e) != 0)
		fail_msg("chk_decide %s %s: %s", check, object, e.msg);
	inv_close(db);
}

static void set_setting(const char *key, const char *value)
{
	struct tu_run r = tu_cli(g_path, (const char *const[]){ "settings", "set", key, value, NULL });

	if (r.rc != 0)
		fail_msg("settings set %s %s: exit %d: %s", key, value, r.rc, r.err);
	tu_run_free(&r);
}

/* What a test reads of one result, copied: a result is valid only during
 * chk_run_each's call. */
struct seen {
	bool found;
	enum chk_state state;
	enum chk_sev sev;
	bool waived;
	char evidence[4096];
};

struct seek {
	const char *key;   /* in the object key (or name, unless key_only); NULL: any */
	bool key_only;
	struct seen out;
};

static int seek_result(void *ctx, const struct chk_result *r)
{
	struct seek *s = ctx;

	if (s->key && !(r->object_key && strstr(r->object_key, s->key)) &&
	    (s->key_only || !(r->object_name && strstr(r->object_name, s->key))))
		return 0;
	s->out.found = true;
	s->out.state = r->state;
	s->out.sev = r->sev;
	s->out.waived = r->waived;
	snprintf(s->out.evidence, sizeof s->out.evidence, "%s", r->evidence ? r->evidence : "");
	return 1;
}

/* The first result of check id for an object whose key (or name) contains
 * key; NULL: the check's first result. */
static struct seen first_result(const struct chk_run *run, const char *id, const char *key, bool key_only)
{
	const struct chk_def *d = chk_find(id);
	struct seek s = { key, key_only, { 0 } };

	if (!d)
		fail_msg("no check %s in the catalogue", id);
	if (chk_run_each(run, (int)chk_index(d), seek_result, &s) < 0)
		fail_msg("the results of %s could not be read back", id);
	return s.out;
}

/* The state of a check's result for an object key containing `key` (NULL:
 * the check's first result). "none" when there is none. */
static const char *state_for(const struct chk_run *run, const char *id, const char *key)
{
	struct seen r = first_result(run, id, key, false);

	return r.found ? chk_state_name(r.state) : "none";
}

/* A site where every check has something to judge and, read in full,
 * as many as possible pass: PXE with a password and listed interfaces,
 * Enhanced HTTP and no NAA, short retention, a recovery right held by a
 * group, every manual control attested. Both chains pass on it, so a
 * denied class that leaves one passing is the defect, not the seed. */
static void seed_clean_site(void)
{
	sql("INSERT INTO sites(site_code,site_name,build_number,first_seen,last_seen) "
	    "VALUES('S','site',9146,1,1);"
	    "INSERT INTO site_settings(site_code,item,name,value,first_seen,last_seen) VALUES"
	    "('S','SMS_SITE_COMPONENT_MANAGER','IISSSLState','1024',1,1),"
	    "('S','SMS Provider','PROV','',1,1),('S','SMS Site Server','SS','',1,1);"
	    "INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,pxe_password_set,"
	    "support_unknown,bind_policy,bind_except,internet_facing,is_multicast,sccm_pxe,first_seen,"
	    "last_seen) VALUES('S','n1','PXEA',1,1,1,0,1,'00:11:22:33:44:55',0,1,1,1,1);"
	    "INSERT INTO secured_types(object_type_id,object_type_name,first_seen,last_seen) VALUES(1,'SMS_Collection',1,1),(6,'SMS_Site',1,1),(20,'SMS_TaskSequencePackage',1,1),(31,'SMS_StateMigration',1,1);"
	    "INSERT INTO segments(object_type,object_key,sanctioned,trust,operator,updated) "
	    "VALUES('dp','PXEA',1,'trusted','t',1);"
	    "INSERT INTO certificates(smsid,type,key_type,is_blocked,server_name,valid_from,valid_until,"
	    "first_seen,last_seen) VALUES('{M}',1,1,0,'',1779000000,1785000000,1,1),"
	    "('{P}',2,1,0,'PXEA',1779000000,1785000000,1,1);"
	    "INSERT INTO boot_images(package_id,name,enable_lab_shell,first_seen,last_seen) "
	    "VALUES('B1','boot',0,1,1);"
	    "INSERT INTO packages(package_id,name,package_type,pkg_flags,version,source_date,first_seen,"
	    "last_seen) VALUES('I1','img',257,0,'1',1779500000,1,1),"
	    "('U1','User State Migration Tool for Windows',0,0,'10.0.26100.1',1779500000,1,1),"
	    "('M1','Drivers (multicast)',0,134217728,'1',1779500000,1,1);"
	    "INSERT INTO task_sequences(id,package_id,name,image_ids,dynamic_install,first_seen,last_seen) "
	    "VALUES(1,'T1','ts','I1',1,1,1);"
	    "INSERT INTO ts_run_as(ts_id,step_name,user_name) VALUES(1,'step','D\\svc_ts1');"
	    "INSERT INTO deployments(advertisement_id,package_id,collection_id,offer_type,advert_flags,"
	    "first_seen,last_seen) VALUES('A1','T1','C1',2,262144,1,1);"
	    "INSERT INTO collections(collection_id,name,member_count,first_seen,last_seen) "
	    "VALUES('C1','c1',10,1,1),('C2','c2',10,1,1);"
	    "INSERT INTO collection_vars(collection_id,name,masked,secret_suspect,first_seen,last_seen) "
	    "VALUES('C1','OSDComputerName',0,0,1,1),('C2','Key',1,0,1,1);"
	    "INSERT INTO admins(admin_id,logon_name,account_type,role_names,categories,first_seen,last_seen) "
	    "VALUES(1,'D\\osd-admins',1,'Operating System Deployment Manager','Default',1,1),"
	    "(2,'D\\recovery',1,'Recovery viewers','Default',1,1);"
	    "INSERT INTO roles(role_id,role_name,operations,first_seen,last_seen) VALUES('R1',"
	    "'Recovery viewers','[{\"ObjectTypeID\":31,\"GrantedOperations\":8388608}]',1,1);"
	    "INSERT INTO smps(id,site_code,nal_path,server_name,deletion_delay_min,deletion_cycle_min,"
	    "first_seen,last_seen) VALUES(1,'S','n','SMPA',1440,1440,1,1);"
	    "INSERT INTO smp_folders(smp_id,directory,max_clients,min_disk_space,min_disk_unit) "
	    "VALUES(1,'E:\\Store',10,5,1);"
	    "INSERT INTO associations(source_id,restore_id,source_name,restore_name,store_created,"
	    "store_released,first_seen,last_seen) VALUES(1,2,'WS1','WS2',1779900000,1779950000,1,1),"
	    "(3,4,'WS3','WS4',1779900000,NULL,1,1)");
	record_tags();
	for (size_t k = 0; k < chk_count(); k++)
		if (chk_at(k)->automation != AUTO_AUTO)
			decide(false, chk_at(k)->id, "", 1, NOW);
}

static bool passes_anywhere(const struct chk_run *run, const struct chk_def *d)
{
	size_t k = chk_index(d);

	return run->counts[k][CS_PASS] + run->counts[k][CS_FIXED] > 0;
}

/* Whether d's own row names cls (not through its inputs). */
static bool needs_class(const struct chk_def *d, const char *cls)
{
	size_t n = strlen(cls);

	for (const char *p = d->needs; p && *p; p += strcspn(p, ","), p += *p == ',')
		if (strncmp(p, cls, n) == 0 && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

/* Every class some check reads, denied one at a time: no check that
 * depends on it (chains through their inputs included) passes on any
 * object. Which check depends on which class comes from the catalogue
 * rows, the same declaration the engine uses. */
static void test_each_unread_class_makes_every_check_depending_on_it_never_pass(void **state)
{
	struct chk_run run;
	char cls[128];
	size_t passing = 0, denials = 0;

	(void)state;
	fresh(NULL);
	seed_clean_site();
	run = evaluate();
	for (size_t k = 0; k < chk_count(); k++)
		passing += passes_anywhere(&run, chk_at(k));
	/* The seed is worth something only if the chains pass when all is read. */
	assert_string_equal(state_for(&run, "OSD-CHAIN-CRED1", NULL), "pass");
	assert_string_equal(state_for(&run, "OSD-CHAIN-PRIV", NULL), "pass");
	fprintf(stderr, "# clean site read in full: %zu of %zu checks pass somewhere\n", passing,
	        chk_count());
	chk_run_free(&run);
	for (size_t k = 0; k < chk_count(); k++) {
		for (const char *p = chk_at(k)->needs; p && *p; p += strcspn(p, ","), p += *p == ',') {
			bool seen = false;
			snprintf(cls, sizeof cls, "%.*s", (int)strcspn(p, ","), p);
			/* Each class once, at its first mention. */
			for (size_t j = 0; j < k && !seen; j++)
				seen = needs_class(chk_at(j), cls);
			if (seen)
				continue;
			denials++;
			fresh(cls);
			seed_clean_site();
			run = evaluate();
			for (size_t i = 0; i < chk_count(); i++) {
				const struct chk_def *d = chk_at(i);
				if (chk_depends_on(d, cls) && passes_anywhere(&run, d))
					fail_msg("%s passes although %s, which it depends on, was not read", d->id,
					         cls);
			}
			chk_run_free(&run);
		}
	}
	assert_true(denials >= 10);
}

/* Checks that read nothing from the site (attestation only): with nothing
 * attested they wait for one; they never pass on their own. */
static void test_attestation_only_checks_never_pass_unattested(void **state)
{
	struct chk_run run;

	(void)state;
	fresh(NULL);
	run = evaluate();
	for (size_t k = 0; k < chk_count(); k++) {
		const struct chk_def *d = chk_at(k);
		if (d->needs || d->inputs)
			continue;
		if (strcmp(state_for(&run, d->id, NULL), "notchecked") != 0)
			fail_msg("%s with nothing attested: %s, expected notchecked", d->id,
			         state_for(&run, d->id, NULL));
	}
	chk_run_free(&run);
}

static void test_every_check_on_an_empty_but_read_site_never_passes_by_default(void **state)
{
	struct chk_run run;

	(void)state;
	fresh(NULL);
	run = evaluate();
	/* Nothing to judge is notapplicable or awaits an attestation, for
	 * every check, chains included. */
	for (size_t k = 0; k < chk_count(); k++)
		if (passes_anywhere(&run, chk_at(k)))
			fail_msg("%s passes on an empty site", chk_at(k)->id);
	chk_run_free(&run);
}

/* The issue's reproduction: a site where both chains fail when read in
 * full, with the classes behind the NAA, the collection variables, the
 * task sequences and the roles denied. The inputs say error; the chains
 * must not pass, and the grades must say which chain was not judged. */
static void seed_both_chains_failing(void)
{
	sql("INSERT INTO sites(site_code,site_name,first_seen,last_seen) VALUES('S','site',1,1);"
	    "INSERT INTO site_settings(site_code,item,name,value,first_seen,last_seen) VALUES"
	    "('S','SMS_SITE_COMPONENT_MANAGER','IISSSLState','0',1,1),('S','naa','D\\svc_naa','',1,1);"
	    "INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,pxe_password_set,"
	    "support_unknown,bind_policy,first_seen,last_seen) VALUES('S','n1','PXEA',1,1,0,1,0,1,1);"
	    "INSERT INTO task_sequences(id,package_id,name,first_seen,last_seen) VALUES(1,'T1','ts',1,1);"
	    "INSERT INTO ts_run_as(ts_id,step_name,user_name) VALUES(1,'step','D\\svc_naa');"
	    "INSERT INTO deployments(advertisement_id,package_id,collection_id,offer_type,advert_flags,"
	    "first_seen,last_seen) VALUES('A1','T1','SMS000US',2,262144,1,1);"
	    "INSERT INTO collection_vars(collection_id,name,masked,secret_suspect,first_seen,last_seen) "
	    "VALUES('SMS000US','Key',1,0,1,1);"
	    "INSERT INTO smps(site_code,nal_path,server_name,deletion_delay_min,deletion_cycle_min,"
	    "first_seen,last_seen) VALUES('S','n','SMPA',525600,1440,1,1);"
	    "INSERT INTO secured_types(object_type_id,object_type_name,first_seen,last_seen) VALUES(1,'SMS_Collection',1,1),(6,'SMS_Site',1,1),(20,'SMS_TaskSequencePackage',1,1),(31,'SMS_StateMigration',1,1);"
	    "INSERT INTO roles(role_id,role_name,operations,first_seen,last_seen) VALUES('R1','Viewers',"
	    "'[{\"ObjectTypeID\":31,\"GrantedOperations\":8388608}]',1,1);"
	    "INSERT INTO admins(admin_id,logon_name,account_type,role_names,categories,first_seen,"
	    "last_seen) VALUES(1,'D\\alice',0,'Viewers','All',1,1)");
}

static void test_chains_with_unread_inputs_are_errors_and_the_grade_names_them(void **state)
{
	static const char *const denied[] = { "SMS_SCI_ClientComp", "SMS_CollectionSettings",
	                                      "SMS_TaskSequencePackage", "SMS_Role", NULL };
	struct chk_run run;

	(void)state;
	fresh(NULL);
	seed_both_chains_failing();
	run = evaluate();
	assert_string_equal(state_for(&run, "OSD-CHAIN-CRED1", "PXEA"), "fail");
	assert_string_equal(state_for(&run, "OSD-CHAIN-PRIV", NULL), "fail");
	assert_string_equal(run.grades.privacy, "D");   /* 100 - 30 (chain) - 7 - 7 */
	assert_string_equal(run.grades.privacy_unjudged, "");
	chk_run_free(&run);

	fresh_denying(denied);
	seed_both_chains_failing();
	run = evaluate();
	assert_string_equal(state_for(&run, "OSD-TS-002", NULL), "error");
	assert_string_equal(state_for(&run, "OSD-TS-004", NULL), "error");
	assert_string_equal(state_for(&run, "OSD-NAA-001", NULL), "error");
	assert_string_equal(state_for(&run, "OSD-RBAC-002", NULL), "error");
	/* No input left that can show the chain fails: it could not be judged. */
	assert_string_equal(state_for(&run, "OSD-CHAIN-CRED1", "PXEA"), "error");
	assert_string_equal(state_for(&run, "OSD-CHAIN-PRIV", NULL), "error");
	/* Never better than a failing chain would leave it, and marked. */
	assert_string_equal(run.grades.privacy, "D*");
	assert_string_equal(run.grades.privacy_unjudged, "OSD-CHAIN-PRIV");
	assert_string_equal(run.grades.security_unjudged, "OSD-CHAIN-CRED1");
	assert_true(strchr(run.grades.security, '*') != NULL);
	chk_run_free(&run);
}

/* A chain that read inputs showing it fails fails, whatever else was not
 * read: the masked variable on All Unknown Computers is enough for CRED-1
 * once the DP is open. */
static void test_a_chain_shown_to_fail_by_what_was_read_fails(void **state)
{
	static const char *const denied[] = { "SMS_SCI_ClientComp", "SMS_Role", NULL };
	struct chk_run run;

	(void)state;
	fresh_denying(denied);
	seed_both_chains_failing();
	run = evaluate();
	assert_string_equal(state_for(&run, "OSD-TS-002", NULL), "fail");
	assert_string_equal(state_for(&run, "OSD-CHAIN-CRED1", "PXEA"), "fail");
	assert_string_equal(run.grades.security_unjudged, "");
	assert_string_equal(state_for(&run, "OSD-CHAIN-PRIV", NULL), "error");
	chk_run_free(&run);
}

struct seeded {
	const char *id, *setup, *key, *want;
};

static const struct seeded cases[] = {
	/* PXE responders: untagged fails, sanctioned passes. */
	{ "OSD-PXE-001", "INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,first_seen,last_seen) VALUES('S','n1','PXEA',1,1,1,1)", "PXEA", "fail" },
	{ "OSD-PXE-001", "INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,first_seen,last_seen) VALUES('S','n1','PXEA',1,1,1,1);"
	  "INSERT INTO segments(object_type,object_key,sanctioned,operator,updated) VALUES('dp','PXEA',1,'t',1)", "PXEA", "pass" },
	{ "OSD-PXE-002", "INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,internet_facing,first_seen,last_seen) VALUES('S','n1','PXEA',1,1,0,1,1)", "PXEA", "notchecked" },
	{ "OSD-PXE-002", "INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,internet_facing,first_seen,last_seen) VALUES('S','n1','PXEA',1,1,0,1,1);"
	  "INSERT INTO segments(object_type,object_key,trust,operator,updated) VALUES('dp','PXEA','perimeter','t',1)", "PXEA", "fail" },
	{ "OSD-PXE-002", "INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,internet_facing,first_seen,last_seen) VALUES('S','n1','PXEA',1,1,0,1,1);"
	  "INSERT INTO segments(object_type,object_key,trust,operator,updated) VALUES('dp','PXEA','trusted','t',1)", "PXEA", "pass" },
	/* Tags stored out of order and in another case than the DP's name
	 * still meet their DPs (they are looked up by halving). */
	{ "OSD-PXE-001", "INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,first_seen,last_seen) VALUES"
	  "('S','n1','PXEA',1,1,1,1),('S','n2','PXEM',1,1,1,1),('S','n3','PXEZ',1,1,1,1);"
	  "INSERT INTO segments(object_type,object_key,sanctioned,operator,updated) VALUES"
	  "('dp','pxez',1,'t',1),('certificate','PXEA',1,'t',1),('dp','PXEM',1,'t',1),('dp','pxea',1,'t',1)", "PXEA", "pass" },
	/* Unknown values stay unknown. */
	{ "OSD-PXE-004", "INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,first_seen,last_seen) VALUES('S','n1','PXEA',1,1,1,1)", "PXEA", "unknown" },
	{ "OSD-PXE-006", "INSERT INTO boot_images(package_id,name,first_seen,last_seen) VALUES('B1','boot',1,1)", "B1", "unknown" },
	{ "OSD-PXE-005", "INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,pxe_password_set,support_unknown,first_seen,last_seen) VALUES('S','n1','PXEA',1,1,1,1,1,1)", "PXEA", "informational" },
	{ "OSD-MC-002", "INSERT INTO dps(site_code,nal_path,server_name,is_multicast,first_seen,last_seen) VALUES('S','n1','MCA',1,1,1);"
	  "INSERT INTO segments(object_type,object_key,sanctioned,operator,updated) VALUES('dp','MCA',1,'t',1)", "MCA", "pass" },
	/* Certificates. */
	{ "OSD-CERT-001", "INSERT INTO certificates(smsid,type,key_type,first_seen,last_seen) VALUES('{K}',1,2,1,1)", "{K}", "notchecked" },
	{ "OSD-CERT-002", "INSERT INTO certificates(smsid,type,key_type,is_blocked,first_seen,last_seen) VALUES('{C}',1,1,0,1,1);"
	  "INSERT INTO segments(object_type,object_key,compromised,operator,updated) VALUES('certificate','{C}',1,'t',1)", "{C}", "fail" },
	{ "OSD-MEDIA-001", "INSERT INTO certificates(smsid,type,key_type,is_blocked,first_seen,last_seen) VALUES('{M}',1,1,0,1,1)", "{M}", "notchecked" },
	{ "OSD-MEDIA-004", "INSERT INTO certificates(smsid,type,key_type,is_blocked,first_seen,last_seen) VALUES('{M}',1,1,0,1,1)", "*", "notchecked" },
	{ "OSD-MEDIA-002", "INSERT INTO certificates(smsid,type,first_seen,last_seen) VALUES('{M}',1,1,1)", "{M}", "unknown" },
	/* Provider channel. */
	{ "OSD-INFRA-001", "INSERT INTO site_settings(site_code,item,name,value,first_seen,last_seen) VALUES('S','SMS Provider','P1','',1,1),('S','SMS Site Server','SS','',1,1)", "P1", "notchecked" },
	{ "OSD-INFRA-001", "INSERT INTO site_settings(site_code,item,name,value,first_seen,last_seen) VALUES('S','SMS Provider','SS','',1,1),('S','SMS Site Server','SS','',1,1)", "SS", "notapplicable" },
	/* Images: reachable through a PXE/media deployment awaits an attestation. */
	{ "OSD-IMG-001", "INSERT INTO packages(package_id,name,package_type,first_seen,last_seen) VALUES('I1','img',257,1,1);"
	  "INSERT INTO task_sequences(id,package_id,name,image_ids,first_seen,last_seen) VALUES(1,'T1','ts','I1',1,1);"
	  "INSERT INTO deployments(advertisement_id,package_id,advert_flags,first_seen,last_seen) VALUES('A1','T1',262144,1,1)", "I1", "notchecked" },
	{ "OSD-IMG-001", "INSERT INTO packages(package_id,name,package_type,first_seen,last_seen) VALUES('I1','img',257,1,1);"
	  "INSERT INTO task_sequences(id,package_id,name,image_ids,first_seen,last_seen) VALUES(1,'T1','ts','I1',1,1);"
	  "INSERT INTO deployments(advertisement_id,package_id,advert_flags,first_seen,last_seen) VALUES('A1','T1',0,1,1)", "I1", "none" },
	/* Task sequences and accounts. */
	{ "OSD-TS-003", "INSERT INTO task_sequences(id,package_id,name,dynamic_install,first_seen,last_seen) VALUES(1,'T1','ts',1,1,1)", "T1", "notchecked" },
	{ "OSD-TS-005", "INSERT INTO task_sequences(id,package_id,name,first_seen,last_seen) VALUES(1,'T1','ts',1,1);"
	  "INSERT INTO ts_run_as(ts_id,step_name,user_name) VALUES(1,'s','D\\u')", "T1", "notchecked" },
	{ "OSD-NAA-001", "INSERT INTO sites(site_code,site_name,first_seen,last_seen) VALUES('S','s',1,1)", "S", "unknown" },
	{ "OSD-RBAC-002", "INSERT INTO secured_types(object_type_id,object_type_name,first_seen,last_seen) VALUES(1,'SMS_Collection',1,1),(6,'SMS_Site',1,1),(20,'SMS_TaskSequencePackage',1,1),(31,'SMS_StateMigration',1,1);INSERT INTO roles(role_id,role_name,operations,first_seen,last_seen) VALUES('R1','Viewers','[{\"ObjectTypeID\":31,\"GrantedOperations\":8388608}]',1,1);"
	  "INSERT INTO admins(admin_id,logon_name,account_type,role_names,first_seen,last_seen) VALUES(1,'D\\g',1,'Viewers',1,1)", "R1", "notchecked" },
	{ "OSD-RBAC-002", "INSERT INTO secured_types(object_type_id,object_type_name,first_seen,last_seen) VALUES(1,'SMS_Collection',1,1),(6,'SMS_Site',1,1),(20,'SMS_TaskSequencePackage',1,1),(31,'SMS_StateMigration',1,1);INSERT INTO roles(role_id,role_name,first_seen,last_seen) VALUES('R1','Viewers',1,1)", "R1", "unknown" },
	{ "OSD-RBAC-002", "INSERT INTO secured_types(object_type_id,object_type_name,first_seen,last_seen) VALUES(1,'SMS_Collection',1,1),(6,'SMS_Site',1,1),(20,'SMS_TaskSequencePackage',1,1),(31,'SMS_StateMigration',1,1);INSERT INTO roles(role_id,role_name,operations,first_seen,last_seen) VALUES('R1','Viewers','[{\"ObjectTypeID\":31,\"GrantedOperations\":8388608}]',1,1);"
	  "INSERT INTO admins(admin_id,logon_name,account_type,role_names,categories,first_seen,last_seen) VALUES(1,'D\\alice',0,'Viewers','All',1,1)", "R1", "fail" },
	/* OS Deployment Manager: a few groups pass, a user at scope All fails. */
	{ "OSD-RBAC-001", "INSERT INTO admins(admin_id,logon_name,account_type,role_names,categories,first_seen,last_seen) VALUES"
	  "(1,'D\\osd-admins',1,'Operating System Deployment Manager','Default',1,1)", "SMS000AR", "pass" },
	{ "OSD-RBAC-001", "INSERT INTO admins(admin_id,logon_name,account_type,role_names,categories,first_seen,last_seen) VALUES"
	  "(1,'D\\bob',0,'Operating System Deployment Manager','All',1,1)", "1", "fail" },
	/* The privacy chain: retention failing and recovery broadly viewable. */
	{ "OSD-CHAIN-PRIV", "INSERT INTO secured_types(object_type_id,object_type_name,first_seen,last_seen) VALUES(1,'SMS_Collection',1,1),(6,'SMS_Site',1,1),(20,'SMS_TaskSequencePackage',1,1),(31,'SMS_StateMigration',1,1);INSERT INTO smps(site_code,nal_path,server_name,deletion_delay_min,deletion_cycle_min,first_seen,last_seen) VALUES('S','n','SMPA',1440,1440,1,1)", "*", "pass" },
	{ "OSD-CHAIN-PRIV", "INSERT INTO smps(site_code,nal_path,server_name,deletion_delay_min,deletion_cycle_min,first_seen,last_seen) VALUES('S','n','SMPA',525600,1440,1,1);"
	  "INSERT INTO secured_types(object_type_id,object_type_name,first_seen,last_seen) VALUES(1,'SMS_Collection',1,1),(6,'SMS_Site',1,1),(20,'SMS_TaskSequencePackage',1,1),(31,'SMS_StateMigration',1,1);INSERT INTO roles(role_id,role_name,operations,first_seen,last_seen) VALUES('R1','Viewers','[{\"ObjectTypeID\":31,\"GrantedOperations\":8388608}]',1,1);"
	  "INSERT INTO admins(admin_id,logon_name,account_type,role_names,categories,first_seen,last_seen) VALUES(1,'D\\alice',0,'Viewers','All',1,1)", "*", "fail" },
	/* State migration points. */
	{ "OSD-SMP-001", "INSERT INTO smps(site_code,nal_path,server_name,first_seen,last_seen) VALUES('S','n','SMPA',1,1)", "SMPA", "notchecked" },
	{ "OSD-SMP-008", "INSERT INTO smps(site_code,nal_path,server_name,first_seen,last_seen) VALUES('S','n','SMPA',1,1)", "SMPA", "notchecked" },
	{ "OSD-SMP-007", "INSERT INTO smps(site_code,nal_path,server_name,first_seen,last_seen,gone_at) VALUES('S','n','SMPGONE',1,1,2)", "SMPGONE", "fail" },
	{ "OSD-SMP-002", "INSERT INTO smps(site_code,nal_path,server_name,first_seen,last_seen) VALUES('S','n','SMPA',1,1)", "SMPA", "unknown" },
	{ "OSD-USMT-001", "INSERT INTO packages(package_id,name,version,first_seen,last_seen) VALUES('U1','User State Migration Tool for Windows','10.0.26100.1',1,1)", "U1", "pass" },
	{ "OSD-USMT-001", "INSERT INTO packages(package_id,name,version,first_seen,last_seen) VALUES('U1','User State Migration Tool for Windows','10.0.22621.1',1,1)", "U1", "fail" },
	/* Multicast: no PkgFlags bit says "encrypted" (0x04000000 is binary
	 * delta replication), so a multicast package awaits an attestation
	 * whatever its flags; without a multicast DP nothing is served. */
	{ "OSD-MC-001", "INSERT INTO dps(site_code,nal_path,server_name,is_multicast,first_seen,last_seen) VALUES('S','n1','MCA',1,1,1);"
	  "INSERT INTO packages(package_id,name,pkg_flags,first_seen,last_seen) VALUES('P1','delta',201326592,1,1)", "P1", "notchecked" },
	{ "OSD-MC-001", "INSERT INTO dps(site_code,nal_path,server_name,is_multicast,first_seen,last_seen) VALUES('S','n1','MCA',1,1,1);"
	  "INSERT INTO packages(package_id,name,pkg_flags,first_seen,last_seen) VALUES('P1','clear',134217728,1,1)", "P1", "notchecked" },
	{ "OSD-MC-001", "INSERT INTO dps(site_code,nal_path,server_name,is_multicast,first_seen,last_seen) VALUES('S','n1','MCA',1,1,1);"
	  "INSERT INTO packages(package_id,name,first_seen,last_seen) VALUES('P1','flags unread',1,1)", "P1", "unknown" },
	{ "OSD-MC-001", "INSERT INTO dps(site_code,nal_path,server_name,is_multicast,first_seen,last_seen) VALUES('S','n1','DPA',0,1,1);"
	  "INSERT INTO packages(package_id,name,pkg_flags,first_seen,last_seen) VALUES('P1','clear',134217728,1,1)", "P1", "none" },
	/* The AdminService and NTLM (build 9141 = 2509): a remote provider is worse. */
	{ "OSD-INFRA-002", "INSERT INTO sites(site_code,site_name,build_number,first_seen,last_seen) VALUES('S','s',9106,1,1);"
	  "INSERT INTO site_settings(site_code,item,name,value,first_seen,last_seen) VALUES('S','SMS Provider','P1','',1,1),('S','SMS Site Server','SS','',1,1)", "S", "fail" },
	{ "OSD-INFRA-002", "INSERT INTO sites(site_code,site_name,build_number,first_seen,last_seen) VALUES('S','s',9141,1,1)", "S", "pass" },
	{ "OSD-INFRA-002", "INSERT INTO sites(site_code,site_name,first_seen,last_seen) VALUES('S','s',1,1)", "S", "unknown" },
	/* The NAA hardening hotfix: in 2603, else an installed update, else attested. */
	{ "OSD-NAA-002", "INSERT INTO sites(site_code,site_name,build_number,first_seen,last_seen) VALUES('S','s',9146,1,1)", "S", "pass" },
	{ "OSD-NAA-002", "INSERT INTO sites(site_code,site_name,build_number,first_seen,last_seen) VALUES('S','s',9106,1,1)", "S", "fail" },
	{ "OSD-NAA-002", "INSERT INTO sites(site_code,site_name,build_number,first_seen,last_seen) VALUES('S','s',9135,1,1);"
	  "INSERT INTO sync_classes(provider_id,class,status,synced_at) VALUES(1,'SMS_CM_UpdatePackages','ok',1);"
	  "INSERT INTO update_packages(package_guid,name,state,first_seen,last_seen) VALUES('G1','Configuration Manager 2503 Hotfix (KB37447175)',196612,1,1)", "S", "pass" },
	{ "OSD-NAA-002", "INSERT INTO sites(site_code,site_name,build_number,first_seen,last_seen) VALUES('S','s',9135,1,1);"
	  "INSERT INTO sync_classes(provider_id,class,status,synced_at) VALUES(1,'SMS_CM_UpdatePackages','ok',1);"
	  "INSERT INTO update_packages(package_guid,name,state,first_seen,last_seen) VALUES('G1','Configuration Manager 2503 Hotfix (KB37447175)',262146,1,1)", "S", "fail" },
	{ "OSD-NAA-002", "INSERT INTO sites(site_code,site_name,build_number,first_seen,last_seen) VALUES('S','s',9135,1,1);"
	  "INSERT INTO sync_classes(provider_id,class,status,synced_at) VALUES(1,'SMS_CM_UpdatePackages','no_access',1)", "S", "notchecked" },
	{ "OSD-NAA-002", "INSERT INTO sites(site_code,site_name,first_seen,last_seen) VALUES('S','s',1,1)", "S", "unknown" },
	/* PXE with or without Windows Deployment Services. */
	{ "OSD-PXE-007", "INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,sccm_pxe,first_seen,last_seen) VALUES('S','n1','PXEA',1,1,0,1,1)", "PXEA", "fail" },
	{ "OSD-PXE-007", "INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,sccm_pxe,first_seen,last_seen) VALUES('S','n1','PXEA',1,1,1,1,1)", "PXEA", "pass" },
	{ "OSD-PXE-007", "INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,first_seen,last_seen) VALUES('S','n1','PXEA',1,1,1,1)", "PXEA", "unknown" },
	{ "OSD-PXE-007", "INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,sccm_pxe,first_seen,last_seen) VALUES('S','n1','DPA',0,0,0,1,1)", "DPA", "none" },
	/* Boot images in use by PXE or media wait for the UEFI CA 2023 attestation. */
	{ "OSD-IMG-004", "INSERT INTO boot_images(package_id,name,first_seen,last_seen) VALUES('B1','boot',1,1);"
	  "INSERT INTO task_sequences(id,package_id,name,boot_image_id,first_seen,last_seen) VALUES(1,'T1','ts','B1',1,1);"
	  "INSERT INTO deployments(advertisement_id,package_id,advert_flags,first_seen,last_seen) VALUES('A1','T1',262144,1,1)", "B1", "notchecked" },
	{ "OSD-IMG-004", "INSERT INTO boot_images(package_id,name,first_seen,last_seen) VALUES('B1','boot',1,1);"
	  "INSERT INTO task_sequences(id,package_id,name,boot_image_id,first_seen,last_seen) VALUES(1,'T1','ts','B1',1,1);"
	  "INSERT INTO deployments(advertisement_id,package_id,advert_flags,first_seen,last_seen) VALUES('A1','T1',0,1,1)", "B1", "none" },
	/* Rights, resolved by object type: the same bit on collections is another right. */
	{ "OSD-RBAC-002", "INSERT INTO secured_types(object_type_id,object_type_name,first_seen,last_seen) VALUES(1,'SMS_Collection',1,1),(6,'SMS_Site',1,1),(20,'SMS_TaskSequencePackage',1,1),(31,'SMS_StateMigration',1,1);INSERT INTO roles(role_id,role_name,operations,first_seen,last_seen) VALUES('R2','TS deployers','[{\"ObjectTypeID\":1,\"GrantedOperations\":8388608}]',1,1);"
	  "INSERT INTO admins(admin_id,logon_name,account_type,role_names,categories,first_seen,last_seen) VALUES(1,'D\\alice',0,'TS deployers','All',1,1)", "R2", "none" },
	{ "OSD-RBAC-002", "INSERT INTO secured_types(object_type_id,object_type_name,first_seen,last_seen) VALUES(1,'SMS_Collection',1,1);"
	  "INSERT INTO roles(role_id,role_name,operations,first_seen,last_seen) VALUES('R1','Viewers','[{\"ObjectTypeID\":31,\"GrantedOperations\":8388608}]',1,1)", "Recover User State", "error" },
	{ "OSD-RBAC-003", "INSERT INTO secured_types(object_type_id,object_type_name,first_seen,last_seen) VALUES(1,'SMS_Collection',1,1),(6,'SMS_Site',1,1),(20,'SMS_TaskSequencePackage',1,1),(31,'SMS_StateMigration',1,1);INSERT INTO roles(role_id,role_name,operations,first_seen,last_seen) VALUES('R1','Cert managers','[{\"ObjectTypeID\":6,\"GrantedOperations\":4194305}]',1,1);"
	  "INSERT INTO admins(admin_id,logon_name,account_type,role_names,categories,first_seen,last_seen) VALUES(1,'D\\alice',0,'Cert managers','All',1,1)", "R1", "fail" },
	{ "OSD-RBAC-003", "INSERT INTO secured_types(object_type_id,object_type_name,first_seen,last_seen) VALUES(1,'SMS_Collection',1,1),(6,'SMS_Site',1,1),(20,'SMS_TaskSequencePackage',1,1),(31,'SMS_StateMigration',1,1);INSERT INTO roles(role_id,role_name,operations,first_seen,last_seen) VALUES('R1','Cert managers','[{\"ObjectTypeID\":6,\"GrantedOperations\":4194305}]',1,1);"
	  "INSERT INTO admins(admin_id,logon_name,account_type,role_names,categories,first_seen,last_seen) VALUES(1,'D\\certs',1,'Cert managers','Default',1,1)", "R1", "pass" },
	{ "OSD-RBAC-003", "INSERT INTO secured_types(object_type_id,object_type_name,first_seen,last_seen) VALUES(1,'SMS_Collection',1,1),(6,'SMS_Site',1,1),(20,'SMS_TaskSequencePackage',1,1),(31,'SMS_StateMigration',1,1);INSERT INTO roles(role_id,role_name,operations,first_seen,last_seen) VALUES('R1','Site readers','[{\"ObjectTypeID\":6,\"GrantedOperations\":1}]',1,1);"
	  "INSERT INTO admins(admin_id,logon_name,account_type,role_names,categories,first_seen,last_seen) VALUES(1,'D\\alice',0,'Site readers','All',1,1)", "R1", "none" },
	{ "OSD-RBAC-004", "INSERT INTO secured_types(object_type_id,object_type_name,first_seen,last_seen) VALUES(1,'SMS_Collection',1,1),(6,'SMS_Site',1,1),(20,'SMS_TaskSequencePackage',1,1),(31,'SMS_StateMigration',1,1);INSERT INTO roles(role_id,role_name,operations,first_seen,last_seen) VALUES('R1','Media makers','[{\"ObjectTypeID\":20,\"GrantedOperations\":1048576}]',1,1);"
	  "INSERT INTO admins(admin_id,logon_name,account_type,role_names,categories,first_seen,last_seen) VALUES"
	  "(1,'D\\g1',1,'Media makers','Default',1,1),(2,'D\\g2',1,'Media makers','Default',1,1),(3,'D\\g3',1,'Media makers','Default',1,1),"
	  "(4,'D\\g4',1,'Media makers','Default',1,1),(5,'D\\g5',1,'Media makers','Default',1,1),(6,'D\\g6',1,'Media makers','Default',1,1)", "Create Task Sequence Media", "fail" },
	{ "OSD-RBAC-004", "INSERT INTO secured_types(object_type_id,object_type_name,first_seen,last_seen) VALUES(1,'SMS_Collection',1,1),(6,'SMS_Site',1,1),(20,'SMS_TaskSequencePackage',1,1),(31,'SMS_StateMigration',1,1);INSERT INTO roles(role_id,role_name,operations,first_seen,last_seen) VALUES('R1','Media makers','[{\"ObjectTypeID\":20,\"GrantedOperations\":1048576}]',1,1);"
	  "INSERT INTO admins(admin_id,logon_name,account_type,role_names,categories,first_seen,last_seen) VALUES(1,'D\\g1',1,'Media makers','Default',1,1)", "Create Task Sequence Media", "pass" },
	{ "OSD-RBAC-004", "INSERT INTO secured_types(object_type_id,object_type_name,first_seen,last_seen) VALUES(1,'SMS_Collection',1,1),(6,'SMS_Site',1,1),(20,'SMS_TaskSequencePackage',1,1),(31,'SMS_StateMigration',1,1);INSERT INTO roles(role_id,role_name,first_seen,last_seen) VALUES('R1','Media makers',1,1)", "R1", "unknown" },
	/* Operations as OData sends Int64 under IEEE754Compatible (strings)
	 * still count; operations with nothing usable, no role granting the
	 * right at all, or a holder whose account type was not read are not
	 * "nobody holds it". */
	{ "OSD-RBAC-003", "INSERT INTO secured_types(object_type_id,object_type_name,first_seen,last_seen) VALUES(1,'SMS_Collection',1,1),(6,'SMS_Site',1,1),(20,'SMS_TaskSequencePackage',1,1),(31,'SMS_StateMigration',1,1);INSERT INTO roles(role_id,role_name,operations,first_seen,last_seen) VALUES('R1','Cert managers','[{\"ObjectTypeID\":\"6\",\"GrantedOperations\":\"4194305\"}]',1,1);"
	  "INSERT INTO admins(admin_id,logon_name,account_type,role_names,categories,first_seen,last_seen) VALUES(1,'D\\alice',0,'Cert managers','All',1,1)", "R1", "fail" },
	{ "OSD-RBAC-003", "INSERT INTO secured_types(object_type_id,object_type_name,first_seen,last_seen) VALUES(1,'SMS_Collection',1,1),(6,'SMS_Site',1,1),(20,'SMS_TaskSequencePackage',1,1),(31,'SMS_StateMigration',1,1);INSERT INTO roles(role_id,role_name,operations,first_seen,last_seen) VALUES('R1','Cert managers','[{\"ObjectTypeID\":null,\"GrantedOperations\":{}}]',1,1)", "R1", "unknown" },
	{ "OSD-RBAC-004", "INSERT INTO secured_types(object_type_id,object_type_name,first_seen,last_seen) VALUES(1,'SMS_Collection',1,1),(6,'SMS_Site',1,1),(20,'SMS_TaskSequencePackage',1,1),(31,'SMS_StateMigration',1,1);INSERT INTO roles(role_id,role_name,operations,first_seen,last_seen) VALUES('R1','Readers','[{\"ObjectTypeID\":20,\"GrantedOperations\":1}]',1,1)", "Create Task Sequence Media", "unknown" },
	{ "OSD-RBAC-003", "INSERT INTO secured_types(object_type_id,object_type_name,first_seen,last_seen) VALUES(1,'SMS_Collection',1,1),(6,'SMS_Site',1,1),(20,'SMS_TaskSequencePackage',1,1),(31,'SMS_StateMigration',1,1);INSERT INTO roles(role_id,role_name,operations,first_seen,last_seen) VALUES('R1','Cert managers','[{\"ObjectTypeID\":6,\"GrantedOperations\":4194305}]',1,1);"
	  "INSERT INTO admins(admin_id,logon_name,role_names,categories,first_seen,last_seen) VALUES(1,'D\\who',NULL,'All',1,1);"
	  "UPDATE admins SET role_names='Cert managers'", "R1", "unknown" },
	{ "OSD-RBAC-001", "INSERT INTO admins(admin_id,logon_name,role_names,categories,first_seen,last_seen) VALUES"
	  "(1,'D\\who','Operating System Deployment Manager','All',1,1)", "1", "unknown" },
	/* A PKI certificate on a PXE DP without a password: critical, and an SMP folder with 0 is unbounded. */
	{ "OSD-CERT-001", "INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,pxe_password_set,first_seen,last_seen) VALUES('S','n1','PXEA',1,1,0,1,1);"
	  "INSERT INTO certificates(smsid,type,key_type,server_name,first_seen,last_seen) VALUES('{K}',2,2,'PXEA',1,1)", "{K}", "fail" },
	{ "OSD-SMP-006", "INSERT INTO smps(id,site_code,nal_path,server_name,first_seen,last_seen) VALUES(1,'S','n','SMPA',1,1);"
	  "INSERT INTO smp_folders(smp_id,directory,max_clients,min_disk_space,min_disk_unit) VALUES(1,'E:\\Store',0,5,1)", "SMPA", "fail" },
	{ "OSD-SMP-006", "INSERT INTO smps(id,site_code,nal_path,server_name,first_seen,last_seen) VALUES(1,'S','n','SMPA',1,1);"
	  "INSERT INTO smp_folders(smp_id,directory,max_clients,min_disk_space,min_disk_unit) VALUES(1,'E:\\Store',10,0,1)", "SMPA", "fail" },
	{ "OSD-SMP-006", "INSERT INTO smps(id,site_code,nal_path,server_name,first_seen,last_seen) VALUES(1,'S','n','SMPA',1,1);"
	  "INSERT INTO smp_folders(smp_id,directory,max_clients,min_disk_space,min_disk_unit) VALUES(1,'E:\\Store',10,5,1)", "SMPA", "pass" },
	/* A gone object is not judged (only SMP-007 looks at history). */
	{ "OSD-PXE-004", "INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,pxe_password_set,first_seen,last_seen,gone_at) VALUES('S','n1','OLD',1,1,0,1,1,2)", "OLD", "none" },
};

/* The severity a result of check id for the object whose key contains key
 * carries; -1 when there is none. */
static int sev_for(const struct chk_run *run, const char *id, const char *key)
{
	struct seen r = first_result(run, id, key, true);

	return r.found ? (int)r.sev : -1;
}

/* Turn 2: NTLM on the AdminService is worse when the provider is remote
 * (a relay reaches the SMS Provider over the network), and a PKI
 * certificate on a PXE DP without a password hands the DP's identity out. */
static void test_turn_two_severities_follow_the_facts(void **state)
{
	struct chk_run run;

	(void)state;
	fresh(NULL);
	sql("INSERT INTO sites(site_code,site_name,build_number,first_seen,last_seen) VALUES"
	    "('R','remote',9135,1,1),('L','local',9106,1,1);"
	    "INSERT INTO site_settings(site_code,item,name,value,first_seen,last_seen) VALUES"
	    "('R','SMS Provider','PROV','',1,1),('R','SMS Site Server','SS','',1,1),"
	    "('L','SMS Provider','LS','',1,1),('L','SMS Site Server','LS','',1,1);"
	    "INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,pxe_password_set,first_seen,"
	    "last_seen) VALUES('R','n1','PXEA',1,1,0,1,1);"
	    "INSERT INTO certificates(smsid,type,key_type,server_name,first_seen,last_seen) "
	    "VALUES('{K}',2,2,'PXEA',1,1)");
	run = evaluate();
	assert_string_equal(state_for(&run, "OSD-INFRA-002", "R"), "fail");
	assert_int_equal(sev_for(&run, "OSD-INFRA-002", "R"), SEV_HIGH);
	assert_string_equal(state_for(&run, "OSD-INFRA-002", "L"), "fail");
	assert_int_equal(sev_for(&run, "OSD-INFRA-002", "L"), SEV_MEDIUM);
	assert_int_equal(sev_for(&run, "OSD-CERT-001", "{K}"), SEV_CRITICAL);
	chk_run_free(&run);
}

/* A member of the evidence of check id's first result for key: 1 true,
 * 0 false, -1 null or absent. */
static int evidence_flag(const struct chk_run *run, const char *id, const char *key,
                         const char *member)
{
	struct seen r = first_result(run, id, key, true);
	json_t *e, *v;
	int flag;

	if (!r.found)
		fail_msg("%s has no result for %s", id, key);
	if (!(e = json_loads(r.evidence, 0, NULL)))
		fail_msg("%s on %s: evidence is not JSON: %s", id, key, r.evidence);
	v = json_object_get(e, member);
	flag = json_is_true(v) ? 1 : json_is_false(v) ? 0 : -1;
	json_decref(e);
	return flag;
}

/* Certificates and DPs meet by server name in any case; a blocked
 * certificate hands nothing out; two DPs of one name on two sites are
 * each judged with their own site's NAA. */
static void test_certificates_meet_their_dp_by_name_in_any_case_and_dps_keep_their_site(void **state)
{
	struct chk_run run;

	(void)state;
	fresh(NULL);
	sql("INSERT INTO sites(site_code,site_name,first_seen,last_seen) VALUES('S1','one',1,1),"
	    "('S2','two',1,1);"
	    "INSERT INTO site_settings(site_code,item,name,value,first_seen,last_seen) VALUES"
	    "('S1','naa','D\\svc_naa','',1,1);"
	    "INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,pxe_password_set,"
	    "support_unknown,first_seen,last_seen) VALUES('S1','n1','PXEA.corp',1,1,0,1,1,1),"
	    "('S2','n2','pxea.CORP',1,1,0,1,1,1),('S1','n3','PXEB.corp',1,1,0,1,1,1);"
	    "INSERT INTO certificates(smsid,type,key_type,is_blocked,server_name,first_seen,last_seen)"
	    " VALUES('{K}',2,2,0,'Pxea.Corp',1,1),('{B}',2,2,1,'PXEB.CORP',1,1),"
	    "('{C}',2,1,0,'pxeb.corp',1,1),('{O}',2,1,0,'gone.corp',1,1),"
	    "('{OB}',2,1,1,'gone2.corp',1,1)");
	run = evaluate();
	/* {K}: the PKI certificate of a PXE DP without a password */
	assert_string_equal(state_for(&run, "OSD-CERT-001", "{K}"), "fail");
	assert_int_equal(sev_for(&run, "OSD-CERT-001", "{K}"), SEV_CRITICAL);
	assert_string_equal(state_for(&run, "OSD-CERT-001", "{B}"), "fail");   /* blocked or not */
	/* CERT-002: a certificate whose server is a DP in other case stays;
	 * one whose server is no DP fails unless blocked */
	assert_string_equal(state_for(&run, "OSD-CERT-002", "{K}"), "pass");
	assert_string_equal(state_for(&run, "OSD-CERT-002", "{C}"), "pass");
	assert_string_equal(state_for(&run, "OSD-CERT-002", "{O}"), "fail");
	assert_string_equal(state_for(&run, "OSD-CERT-002", "{OB}"), "pass");
	/* CRED1 per DP: {K} is on both PXEA (either case); PXEB's is blocked;
	 * the NAA is S1's only */
	assert_int_equal(evidence_flag(&run, "OSD-CHAIN-CRED1", "PXEA.corp", "pki_certificate_on_this_dp"), 1);
	assert_int_equal(evidence_flag(&run, "OSD-CHAIN-CRED1", "pxea.CORP", "pki_certificate_on_this_dp"), 1);
	assert_int_equal(evidence_flag(&run, "OSD-CHAIN-CRED1", "PXEB.corp", "pki_certificate_on_this_dp"), 0);
	assert_int_equal(evidence_flag(&run, "OSD-CHAIN-CRED1", "PXEA.corp", "naa_configured"), 1);
	assert_int_equal(evidence_flag(&run, "OSD-CHAIN-CRED1", "pxea.CORP", "naa_configured"), 0);
	assert_int_equal(evidence_flag(&run, "OSD-CHAIN-CRED1", "PXEB.corp", "naa_configured"), 1);
	assert_string_equal(state_for(&run, "OSD-CHAIN-CRED1", "pxea.CORP"), "fail");   /* by the PKI certificate */
	chk_run_free(&run);
}

/* The README's catalogue table is the catalogue: one row per check, its
 * ID, title, category, severity and automation as the code has them. On a
 * mismatch the test prints the table to paste between the markers. */
static void test_the_readme_table_lists_every_check_as_the_catalogue_has_it(void **state)
{
	const char *root = getenv("OW_SOURCE_ROOT");
	char *path, *readme, *begin, *end, *want = NULL;
	size_t wlen = 0;
	FILE *w = open_memstream(&want, &wlen);

	(void)state;
	assert_non_null(root);
	assert_non_null(w);
	path = tu_path(root, "README.md");
	readme = tu_read_file(path, NULL);
	assert_non_null(readme);
	fprintf(w, "| ID | check | category | severity | decided by |\n| --- | --- | --- | --- | --- |\n");
	for (size_t k = 0; k < chk_count(); k++) {
		const struct chk_def *d = chk_at(k);
		fprintf(w, "| %s | %s | %s | %s | %s |\n", d->id, d->title, chk_cat_name(d->cat),
		        chk_sev_name(d->sev), d->chain ? "chain" : chk_auto_name(d->automation));
	}
	fclose(w);
	begin = strstr(readme, "<!-- catalogue:begin -->\n");
	end = begin ? strstr(begin, "<!-- catalogue:end -->") : NULL;
	if (!begin || !end || (size_t)(end - begin) - strlen("<!-- catalogue:begin -->\n") != wlen ||
	    memcmp(begin + strlen("<!-- catalogue:begin -->\n"), want, wlen) != 0) {
		/* cmocka cuts long messages: the table goes to a file to paste from */
		char *out = tu_path(getenv("OW_BUILD_DIR") ? getenv("OW_BUILD_DIR") : ".",
		                    "catalogue-table.md");
		tu_write_file(out, want, wlen);
		fail_msg("README.md's table between <!-- catalogue:begin --> and <!-- catalogue:end --> "
		         "is not the catalogue; the table it should hold is in %s", out);
	}
	free(want);
	free(readme);
	free(path);
}

static void test_seeded_inventories_give_the_expected_state(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct chk_run run;
		const char *st;
		fresh(NULL);
		sql(cases[i].setup);
		record_tags();
		run = evaluate();
		st = state_for(&run, cases[i].id, cases[i].key);
		if (strcmp(st, cases[i].want) != 0)
			fail_msg("case %zu: %s on %s is %s, expected %s", i, cases[i].id, cases[i].key, st,
			         cases[i].want);
		chk_run_free(&run);
	}
}

/* Every check an operator closes by attestation (attest and hybrid): on
 * each seeded inventory and on the empty site, each of its notchecked
 * results passes once attested for that object, and is notchecked again
 * when the attestation has expired. For attest-only checks notchecked is
 * the failing state: nothing in the inventory can make them pass. */
static int attest_one(void *ctx, const struct chk_result *r)
{
	const long long *expires = ctx;

	if (r->state != CS_NOTCHECKED && !(r->state == CS_FAIL && r->attestable))
		return 0;
	/* one day's attestation made a day before it expires */
	decide(false, r->def->id, r->object_key ? r->object_key : "", 1, *expires - 86400);
	return 0;
}

static void attest_all_notchecked(const struct chk_run *run, const struct chk_def *d, long long expires)
{
	assert_int_equal(chk_run_each(run, (int)chk_index(d), attest_one, &expires), 0);
}

struct state_count {
	enum chk_state st;
	size_t n;
};

static int count_one(void *ctx, const struct chk_result *r)
{
	struct state_count *sc = ctx;

	sc->n += r->state == sc->st || (sc->st == CS_NOTCHECKED && r->state == CS_FAIL && r->attestable) ||
	         (sc->st == CS_PASS && r->state == CS_FIXED);
	return 0;
}

/* Results of d in state st; CS_NOTCHECKED also counts the failures an
 * attestation would close (they are open in the same sense), CS_PASS the
 * previous failures that now pass (reported as fixed). */
static size_t count_state(const struct chk_run *run, const struct chk_def *d, enum chk_state st)
{
	struct state_count sc = { st, 0 };

	assert_int_equal(chk_run_each(run, (int)chk_index(d), count_one, &sc), 0);
	return sc.n;
}

static void test_attestations_close_and_expiry_reopens_every_attestable_check(void **state)
{
	size_t covered = 0, attestable = 0;

	(void)state;
	for (size_t k = 0; k < chk_count(); k++) {
		const struct chk_def *d = chk_at(k);
		bool seen = false;
		if (d->automation == AUTO_AUTO)
			continue;
		attestable++;
		for (size_t i = 0; i <= sizeof cases / sizeof cases[0]; i++) {
			struct chk_run run;
			size_t open;
			if (i < sizeof cases / sizeof cases[0] && strcmp(cases[i].id, d->id) != 0)
				continue;
			fresh(NULL);
			if (i < sizeof cases / sizeof cases[0])
				sql(cases[i].setup);
			run = evaluate();
			open = count_state(&run, d, CS_NOTCHECKED);
			if (open == 0) {
				chk_run_free(&run);
				continue;
			}
			seen = true;
			assert_int_equal(count_state(&run, d, CS_PASS), 0);
			attest_all_notchecked(&run, d, NOW - 1);   /* already expired */
			chk_run_free(&run);
			run = evaluate();
			if (count_state(&run, d, CS_NOTCHECKED) != open)
				fail_msg("%s: an expired attestation changed the result", d->id);
			attest_all_notchecked(&run, d, NOW + 86400);
			chk_run_free(&run);
			run = evaluate();
			if (count_state(&run, d, CS_NOTCHECKED) != 0 || count_state(&run, d, CS_PASS) < open)
				fail_msg("%s: attested, yet %zu result(s) still notchecked", d->id,
				         count_state(&run, d, CS_NOTCHECKED));
			chk_run_free(&run);
		}
		if (!seen)
			fprintf(stderr, "# %s: no seeded inventory leaves it notchecked\n", d->id);
		covered += seen;
	}
	/* Every attestable check reached notchecked in some inventory above,
	 * bar the three decided by tags and role counts, not attestations
	 * (PXE-001, MC-002, RBAC-001: their fail/pass cases are above). */
	fprintf(stderr, "# %zu of %zu attestable checks exercised through notchecked -> pass -> expired\n",
	        covered, attestable);
	assert_true(covered + 3 >= attestable);
}

/* Old runs lose their findings but keep their summary. */
static void test_history_is_pruned_by_the_retention_settings(void **state)
{
	(void)state;
	fresh(NULL);
	sql("INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,pxe_password_set,first_seen,last_seen) "
	    "VALUES('S','n1','PXEA',1,1,0,1,1)");
	set_setting("history_runs_kept", "3");
	for (int i = 0; i < 5; i++) {
		struct chk_run run = evaluate();
		chk_run_free(&run);
	}
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM check_runs"), 5);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(DISTINCT run_id) FROM findings"), 3);
	assert_int_equal(tu_sql_int(g_path, "SELECT min(run_id) FROM findings"), 3);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM check_runs WHERE summary_json IS NULL"), 0);
}

/* Findings are kept as lifetimes: a run over an unchanged inventory
 * opens and closes none, even when a day has turned for the objects'
 * ages (an association released 20 days and 23 hours before the first
 * run, an image built 100 days and 23 hours before it: a day older two
 * hours later). Their age is shown from the dates the evidence holds. */
static void test_an_unchanged_inventory_two_hours_later_opens_and_closes_no_finding(void **state)
{
	const long long day = 86400, hours23 = 23 * 3600;
	char q[1200];
	struct chk_run run;

	(void)state;
	fresh(NULL);
	seed_both_chains_failing();
	snprintf(q, sizeof q,
	         "INSERT INTO associations(source_id,restore_id,source_name,restore_name,store_created,"
	         "store_released,first_seen,last_seen) VALUES(1,2,'WS1','WS2',%lld,%lld,1,1),"
	         "(3,4,'WS3','WS4',%lld,NULL,1,1);"
	         "INSERT INTO packages(package_id,name,package_type,pkg_flags,version,source_date,"
	         "first_seen,last_seen) VALUES('I1','img',257,0,'1',%lld,1,1)",
	         NOW - 30 * day, NOW - 20 * day - hours23, NOW - 70 * day - hours23,
	         NOW - 100 * day - hours23);
	sql(q);
	run = evaluate_at(NOW);
	assert_string_equal(state_for(&run, "OSD-SMP-004", "WS1"), "fail");
	assert_string_equal(state_for(&run, "OSD-SMP-005", "WS3"), "fail");
	assert_string_equal(state_for(&run, "OSD-IMG-002", "I1"), "fail");
	chk_run_free(&run);
	run = evaluate_at(NOW + 2 * 3600);
	assert_int_equal(run.id, 2);
	chk_run_free(&run);
	assert_true(tu_sql_int(g_path, "SELECT count(*) FROM finding_spans WHERE first_run = 1") > 5);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM finding_spans WHERE first_run = 2"), 0);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM finding_spans WHERE closed_run = 2"), 0);
}

/* The re-check a guided fix ends with says "pass" only for an object
 * the checklist judged and passed: one it did not judge, or could not
 * (its class unread), is never taken as fixed. */
static void recheck(const char *check, const char *object, char *state, size_t n)
{
	struct inv_open_opts o = { .path = g_path };
	struct ow_err e = { 0 };
	struct inv *db;

	assert_int_equal(inv_open(&o, &db, &e), 0);
	if (chk_recheck(NULL, db, check, object, state, n, &e) != 0)
		fail_msg("recheck: %s", e.msg);
	inv_close(db);
}

static void test_recheck_passes_only_what_was_judged_and_passed(void **state)
{
	char st[32];

	(void)state;
	fresh(NULL);
	sql("INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,first_seen,last_seen) "
	    "VALUES('S','n1','PXEA',1,1,1,1);"
	    "INSERT INTO segments(object_type,object_key,sanctioned,operator,updated) "
	    "VALUES('dp','PXEA',1,'t',1)");
	record_tags();
	recheck("OSD-PXE-001", "PXEA", st, sizeof st);
	assert_string_equal(st, "pass");
	recheck("OSD-PXE-001", "NO-SUCH-DP", st, sizeof st);
	assert_string_equal(st, "not judged");
	fresh("SMS_DistributionPointInfo");
	sql("INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,first_seen,last_seen) "
	    "VALUES('S','n1','PXEA',1,1,1,1);"
	    "INSERT INTO segments(object_type,object_key,sanctioned,operator,updated) "
	    "VALUES('dp','PXEA',1,'t',1)");
	record_tags();
	recheck("OSD-PXE-001", "PXEA", st, sizeof st);
	assert_string_not_equal(st, "pass");
}

/* --- Operator decisions count only as the audit log records them. ---
 * A waiver, an attestation or a changed policy threshold written into the
 * inventory with SQL (by anyone who can write the file) is not honoured;
 * the same made through osdwarden is; one edited after its audit row is
 * not; and when the log no longer verifies, none is. */

/* The first result of check id for an object key or name containing key. */
static struct seen result_for(const struct chk_run *run, const char *id, const char *key)
{
	struct seen r = first_result(run, id, key, false);

	if (!r.found)
		fail_msg("%s has no result for %s", id, key);
	return r;
}

/* A PXE DP without a password (PXE-004 fails), an SMP awaiting its
 * backup attestation (SMP-008), and an association restored 30 days ago
 * (SMP-004 fails under the default of 14 days, passes under 99999). */
static void seed_decisions_site(void)
{
	char q[600];

	snprintf(q, sizeof q,
	         "INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,pxe_password_set,"
	         "first_seen,last_seen) VALUES('S','n1','PXEA',1,1,0,1,1);"
	         "INSERT INTO smps(site_code,nal_path,server_name,deletion_delay_min,deletion_cycle_min,"
	         "first_seen,last_seen) VALUES('S','n','SMPA',1440,1440,1,1);"
	         "INSERT INTO associations(source_id,restore_id,source_name,restore_name,store_created,"
	         "store_released,first_seen,last_seen) VALUES(1,2,'OLDWS1','OLDWS2',%lld,%lld,1,1)",
	         NOW - 40 * 86400LL, NOW - 30 * 86400LL);
	sql(q);
}

/* What an unrecorded or changed decision leaves: the check as if it
 * were not there, and evidence saying why. */
static void assert_not_honoured(const struct chk_run *run)
{
	struct seen w = result_for(run, "OSD-PXE-004", "PXEA"), a;

	assert_string_equal(chk_state_name(w.state), "fail");
	assert_false(w.waived);
	if (!strstr(w.evidence, "not honoured"))
		fail_msg("the waiver's evidence does not say it was not honoured: %s", w.evidence);
	a = result_for(run, "OSD-SMP-008", "SMPA");
	assert_string_equal(chk_state_name(a.state), "notchecked");
	if (!strstr(a.evidence, "not honoured"))
		fail_msg("the attestation's evidence does not say it was not honoured: %s", a.evidence);
	/* the default of 14 days, not the unrecorded value */
	assert_string_equal(state_for(run, "OSD-SMP-004", "OLDWS"), "fail");
}

static void test_decisions_written_with_sql_are_not_honoured(void **state)
{
	struct chk_run run;
	char q[600];

	(void)state;
	fresh(NULL);
	seed_decisions_site();
	snprintf(q, sizeof q,
	         "INSERT INTO waivers(check_id,object_key,reason,operator,created,expires) "
	         "VALUES('OSD-PXE-004','PXEA','planted','mallory',%lld,%lld);"
	         "INSERT INTO attestations(check_id,object_key,note,operator,created,expires) "
	         "VALUES('OSD-SMP-008','SMPA','planted','mallory',%lld,%lld);"
	         "UPDATE settings SET value='99999' WHERE key='assoc_released_max_days'",
	         NOW - 10, NOW + 3650 * 86400LL, NOW - 10, NOW + 3650 * 86400LL);
	sql(q);
	run = evaluate_at(NOW);
	assert_not_honoured(&run);
	if (!strstr(result_for(&run, "OSD-PXE-004", "PXEA").evidence, "not in the audit log"))
		fail_msg("evidence: %s", result_for(&run, "OSD-PXE-004", "PXEA").evidence);
	assert_int_equal(run.ignored.waivers, 1);
	assert_int_equal(run.ignored.attestations, 1);
	assert_int_equal(run.ignored.settings, 1);
	assert_non_null(strstr(run.ignored.setting_keys, "assoc_released_max_days"));
	chk_run_free(&run);
}

static void test_decisions_made_through_osdwarden_are_honoured(void **state)
{
	struct chk_run run;

	(void)state;
	fresh(NULL);
	seed_decisions_site();
	decide(true, "OSD-PXE-004", "PXEA", 30, NOW - 10);
	decide(false, "OSD-SMP-008", "SMPA", 30, NOW - 10);
	set_setting("assoc_released_max_days", "36500");
	run = evaluate_at(NOW);
	assert_string_equal(chk_state_name(result_for(&run, "OSD-PXE-004", "PXEA").state), "fail");
	assert_true(result_for(&run, "OSD-PXE-004", "PXEA").waived);
	assert_string_equal(chk_state_name(result_for(&run, "OSD-SMP-008", "SMPA").state), "pass");
	assert_string_equal(state_for(&run, "OSD-SMP-004", "OLDWS"), "none");
	assert_string_equal(state_for(&run, "OSD-SMP-004", NULL), "pass");
	assert_int_equal(run.ignored.waivers + run.ignored.attestations + run.ignored.settings, 0);
	chk_run_free(&run);
}

static void test_a_decision_edited_after_its_audit_row_is_not_honoured(void **state)
{
	struct chk_run run;

	(void)state;
	fresh(NULL);
	seed_decisions_site();
	/* One day each, then stretched to ten years in the table. */
	decide(true, "OSD-PXE-004", "PXEA", 1, NOW - 10);
	decide(false, "OSD-SMP-008", "SMPA", 1, NOW - 10);
	set_setting("assoc_released_max_days", "20");
	sql("UPDATE waivers SET expires = expires + 3650 * 86400;"
	    "UPDATE attestations SET expires = expires + 3650 * 86400;"
	    "UPDATE settings SET value='99999' WHERE key='assoc_released_max_days'");
	run = evaluate_at(NOW + 2 * 86400);
	assert_not_honoured(&run);
	assert_int_equal(run.ignored.waivers, 1);
	assert_int_equal(run.ignored.attestations, 1);
	assert_int_equal(run.ignored.settings, 1);
	chk_run_free(&run);
	/* The same for a decision moved to another object. */
	fresh(NULL);
	seed_decisions_site();
	sql("INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,pxe_password_set,"
	    "first_seen,last_seen) VALUES('S','n2','PXEB',1,1,0,1,1)");
	decide(true, "OSD-PXE-004", "PXEB", 30, NOW - 10);
	sql("UPDATE waivers SET object_key = 'PXEA'");
	run = evaluate_at(NOW);
	assert_false(result_for(&run, "OSD-PXE-004", "PXEA").waived);
	assert_int_equal(run.ignored.waivers, 1);
	chk_run_free(&run);
}

static void test_a_log_that_no_longer_verifies_honours_no_decision(void **state)
{
	struct chk_run run;

	(void)state;
	fresh(NULL);
	seed_decisions_site();
	decide(true, "OSD-PXE-004", "PXEA", 30, NOW - 10);
	decide(false, "OSD-SMP-008", "SMPA", 30, NOW - 10);
	set_setting("assoc_released_max_days", "36500");
	/* Honoured while the log verifies... */
	run = evaluate_at(NOW);
	assert_true(result_for(&run, "OSD-PXE-004", "PXEA").waived);
	chk_run_free(&run);
	/* ...and none once one of its rows was changed. */
	sql("UPDATE audit SET outcome = 'edited' WHERE seq = (SELECT min(seq) FROM audit "
	    "WHERE action = 'waive')");
	run = evaluate_at(NOW);
	assert_not_honoured(&run);
	if (!strstr(result_for(&run, "OSD-PXE-004", "PXEA").evidence, "does not verify"))
		fail_msg("evidence: %s", result_for(&run, "OSD-PXE-004", "PXEA").evidence);
	assert_int_equal(run.ignored.waivers, 1);
	assert_int_equal(run.ignored.attestations, 1);
	assert_int_equal(run.ignored.settings, 1);
	assert_true(run.ignored.log_broken);
	chk_run_free(&run);
}

/* Rows recorded before the request text carried the expiry: chk_decide's
 * "days=N text=T" and the decommission task's bare note (ten years) are
 * matched by check and object (target), creation time (ts) and expiry
 * (ts + N days); an expiry edited since is still refused. */
static void old_decision(bool waiver, const char *check, const char *object, const char *request,
                         const char *outcome, const char *text, int64_t created, int64_t expires)
{
	struct inv_open_opts o = { .path = g_path };
	struct ow_err e = { 0 };
	struct inv *db;
	char target[300];

	assert_int_equal(inv_open(&o, &db, &e), 0);
	snprintf(target, sizeof target, "%s %s", check, object);
	assert_int_equal(inv_begin(db, &e), 0);
	if (waiver) {
		struct inv_waiver w = { .check_id = (char *)check, .object_key = (char *)object,
		                        .reason = (char *)text, .operator_name = (char *)"old",
		                        .created = created, .expires = expires };
		assert_int_equal(inv_put_waiver(db, &w, created, &e), 0);
	} else {
		struct inv_attestation a = { .check_id = (char *)check, .object_key = (char *)object,
		                             .note = (char *)text, .operator_name = (char *)"old",
		                             .created = created, .expires = expires };
		assert_int_equal(inv_put_attestation(db, &a, created, &e), 0);
	}
	assert_int_equal(audit_append(db, created, waiver ? "waive" : "attest", target, request,
	                              outcome, &e), 0);
	assert_int_equal(inv_commit(db, &e), 0);
	inv_close(db);
}

static void test_decisions_recorded_in_the_older_audit_format_are_honoured(void **state)
{
	struct chk_run run;
	const int64_t t = NOW - 100;

	(void)state;
	fresh(NULL);
	seed_decisions_site();
	sql("INSERT INTO smps(site_code,nal_path,server_name,first_seen,last_seen,gone_at) "
	    "VALUES('S','n-gone','SMPGONE',1,1,2)");
	old_decision(true, "OSD-PXE-004", "PXEA", "days=30 text=lab until May", "recorded",
	             "lab until May", t, t + 30 * 86400LL);
	old_decision(false, "OSD-SMP-008", "SMPA", "days=5 text=backed up to tape", "recorded",
	             "backed up to tape", t, t + 5 * 86400LL);
	old_decision(false, "OSD-SMP-007", "SMPGONE", "share removed by hand",
	             "recorded by the decommission task", "share removed by hand", t,
	             t + 3650 * 86400LL);
	run = evaluate_at(NOW);
	assert_true(result_for(&run, "OSD-PXE-004", "PXEA").waived);
	assert_string_equal(chk_state_name(result_for(&run, "OSD-SMP-008", "SMPA").state), "pass");
	assert_string_equal(chk_state_name(result_for(&run, "OSD-SMP-007", "SMPGONE").state), "pass");
	assert_int_equal(run.ignored.waivers + run.ignored.attestations, 0);
	chk_run_free(&run);
	/* Stretched in the table: the old row's days no longer match. */
	sql("UPDATE waivers SET expires = expires + 86400; UPDATE attestations SET expires = "
	    "expires + 86400 WHERE check_id = 'OSD-SMP-007'");
	run = evaluate_at(NOW);
	assert_false(result_for(&run, "OSD-PXE-004", "PXEA").waived);
	assert_string_equal(chk_state_name(result_for(&run, "OSD-SMP-007", "SMPGONE").state), "fail");
	assert_int_equal(run.ignored.waivers, 1);
	assert_int_equal(run.ignored.attestations, 1);
	chk_run_free(&run);
}

/* A tag written into segments with SQL, or changed after its audit row,
 * is not honoured: the DP counts as untagged (PXE-001 fails), and the run
 * counts the tag it set aside. Recorded, the same tag makes it pass. */
static void test_a_tag_written_outside_osdwarden_is_not_honoured(void **state)
{
	struct chk_run run;

	(void)state;
	fresh(NULL);
	sql("INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,first_seen,last_seen) "
	    "VALUES('S','n1','PXEA',1,1,1,1);"
	    "INSERT INTO segments(object_type,object_key,sanctioned,trust,operator,updated) "
	    "VALUES('dp','PXEA',1,'trusted','t',1)");
	run = evaluate();
	assert_string_equal(state_for(&run, "OSD-PXE-001", "PXEA"), "fail");
	assert_int_equal(run.ignored.tags, 1);
	chk_run_free(&run);
	record_tags();
	run = evaluate();   /* a pass, and "fixed" against the run before */
	assert_string_equal(state_for(&run, "OSD-PXE-001", "PXEA"), "fixed");
	assert_int_equal(run.ignored.tags, 0);
	chk_run_free(&run);
	/* changed after its row: set aside again */
	sql("UPDATE segments SET trust = 'trusted', sanctioned = 1, updated = 2");
	run = evaluate();
	assert_string_equal(state_for(&run, "OSD-PXE-001", "PXEA"), "fail");
	assert_int_equal(run.ignored.tags, 1);
	chk_run_free(&run);
}

/* The dashboard reads the stored run back; `osdwarden check` has the run
 * it evaluated: both summaries say the same numbers, failures a waiver
 * covers left out of both (the stored run counted them until its counts
 * said which were waived). */
static void expect_same_summary(const struct chk_summary *a, const struct chk_summary *b)
{
	for (int c = 0; c < 2; c++) {
		assert_string_equal(a->cat[c].grade, b->cat[c].grade);
		for (int s = 0; s <= SEV_CRITICAL; s++)
			if (a->cat[c].failing[s] != b->cat[c].failing[s])
				fail_msg("%s %s: %ld failing in the run, %ld in the stored run",
				         chk_cat_name((enum chk_cat)c), chk_sev_name((enum chk_sev)s),
				         a->cat[c].failing[s], b->cat[c].failing[s]);
		assert_int_equal(a->cat[c].to_attest, b->cat[c].to_attest);
		for (int k = 0; k < CHK_SUMMARY_CHAINS; k++)
			if (a->cat[c].chains[k] != b->cat[c].chains[k])
				fail_msg("failing chain %d: %s in the run, %s in the stored run", k,
				         a->cat[c].chains[k] ? a->cat[c].chains[k]->id : "none",
				         b->cat[c].chains[k] ? b->cat[c].chains[k]->id : "none");
		assert_ptr_equal(a->cat[c].unjudged, b->cat[c].unjudged);
	}
	for (int i = 0; i < CHK_SUMMARY_COMPS; i++)
		assert_string_equal(a->comp[i].first, b->comp[i].first);
}

static void test_the_dashboard_and_the_check_report_say_the_same_numbers(void **state)
{
	struct inv_open_opts o = { 0 };
	struct ow_err e = { 0 };
	struct chk_summary ran, stored;
	struct chk_run run;
	struct inv *db;
	struct tu_run r;
	char line[300], sev[96], now[32];
	bool waived = false;
	struct tu_plans plans;
	char *text;

	(void)state;
	fresh(NULL);
	seed_both_chains_failing();
	decide(true, "OSD-PXE-001", "PXEA", 30, NOW);
	decide(true, "OSD-CHAIN-CRED1", "PXEA", 30, NOW);
	run = evaluate();
	for (size_t k = 0; k < chk_count(); k++)
		waived |= run.waived[k] > 0;
	assert_true(waived);
	chk_summary_of_run(&run, &ran);
	chk_run_free(&run);
	assert_null(ran.cat[CAT_SECURITY].chains[0]);   /* the failing CRED1 is waived */
	assert_ptr_equal(ran.cat[CAT_PRIVACY].chains[0], chk_find("OSD-CHAIN-PRIV"));
	assert_true(ran.cat[CAT_SECURITY].failing[SEV_HIGH] > 0);
	o.path = g_path;
	assert_int_equal(inv_open(&o, &db, &e), 0);
	/* The stored run's summary names each component's first failure: the
	 * dashboard reads no finding (a check's can be a million). */
	tu_plans_begin(&plans, db->sql);
	if (chk_summary_load(db, NOW, &stored, &e) != 0)
		fail_msg("summary: %s", e.msg);
	text = tu_plans_end(&plans);
	if (strstr(text, "finding_spans") || strstr(text, "findings "))
		fail_msg("the dashboard read findings:\n%s", text);
	free(text);
	inv_close(db);
	assert_true(stored.stored_run > 0);
	assert_true(stored.comp[0].total == 1);
	expect_same_summary(&ran, &stored);
	/* A run stored before summaries named them: its findings are read. */
	tu_sql_exec(g_path, "UPDATE check_runs SET summary_json = (SELECT json_group_object(key,"
	            " json_remove(value, '$.first')) FROM json_each(summary_json))");
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM check_runs WHERE summary_json"
	                            " LIKE '%first%'"), 0);
	assert_int_equal(inv_open(&o, &db, &e), 0);
	if (chk_summary_load(db, NOW, &stored, &e) != 0)
		fail_msg("summary: %s", e.msg);
	inv_close(db);
	expect_same_summary(&ran, &stored);

	/* The text report prints the same figures. */
	snprintf(now, sizeof now, "%lld", NOW);
	r = tu_cli(g_path, (const char *const[]){ "check", "--as-of", now, NULL });
	for (int c = 0; c < 2; c++) {
		chk_summary_severities(&stored.cat[c], sev, sizeof sev);
		snprintf(line, sizeof line, "%-8s failing %s  to attest %ld%s%s\n",
		         chk_cat_name((enum chk_cat)c), sev, stored.cat[c].to_attest,
		         stored.cat[c].chains[0] ? "  failing chain " : "",
		         stored.cat[c].chains[0] ? stored.cat[c].chains[0]->id : "");
		if (!strstr(r.out, line))
			fail_msg("the report does not say '%s':\n%s", line, r.out);
	}
	tu_run_free(&r);
}

/* The stored summary of the latest run, as the dashboard loads it. */
static struct chk_summary stored_summary(void)
{
	struct inv_open_opts o = { .path = g_path };
	struct ow_err e = { 0 };
	struct chk_summary out;
	struct inv *db;

	assert_int_equal(inv_open(&o, &db, &e), 0);
	if (chk_summary_load(db, NOW, &out, &e) != 0)
		fail_msg("summary: %s", e.msg);
	inv_close(db);
	assert_true(out.stored_run > 0);
	return out;
}

/* The check whose title a component's "object: title" names. */
static const struct chk_def *check_titled(const char *title)
{
	for (size_t k = 0; k < chk_count(); k++)
		if (strcmp(chk_at(k)->title, title) == 0)
			return chk_at(k);
	fail_msg("no check is titled '%s'", title);
	return NULL;
}

/* A component's first failure is the first no waiver covers: with the
 * first DP's waived, the dashboard names the second DP, in the run and
 * in the stored run, from its summary and from its findings alike. */
static void test_a_waived_failure_is_never_a_components_first(void **state)
{
	struct chk_summary ran, stored;
	struct chk_run run;

	(void)state;
	fresh(NULL);
	seed_both_chains_failing();
	sql("INSERT INTO dps(site_code,nal_path,server_name,is_pxe,is_active,pxe_password_set,"
	    "support_unknown,bind_policy,first_seen,last_seen) VALUES('S','n2','PXEB',1,1,0,1,0,1,1)");
	run = evaluate();
	chk_summary_of_run(&run, &ran);
	chk_run_free(&run);
	/* which check names the DPs first, without a waiver */
	if (strncmp(ran.comp[0].first, "PXEA: ", 6) != 0)
		fail_msg("the DPs' first failure is '%s', not PXEA's", ran.comp[0].first);
	const char *title = strchr(ran.comp[0].first, ':') + 2;
	const struct chk_def *first = check_titled(title);
	decide(true, first->id, "PXEA", 30, NOW);
	run = evaluate();
	chk_summary_of_run(&run, &ran);
	chk_run_free(&run);
	if (strncmp(ran.comp[0].first, "PXEB: ", 6) != 0 || strcmp(ran.comp[0].first + 6, title) != 0)
		fail_msg("with %s waived on PXEA the DPs' first failure is '%s'", first->id,
		         ran.comp[0].first);
	stored = stored_summary();
	assert_string_equal(stored.comp[0].first, ran.comp[0].first);
	/* a run stored before summaries named them: its findings say the same */
	tu_sql_exec(g_path, "UPDATE check_runs SET summary_json = (SELECT json_group_object(key,"
	            " json_remove(value, '$.first')) FROM json_each(summary_json))");
	stored = stored_summary();
	assert_string_equal(stored.comp[0].first, ran.comp[0].first);
}

/* A check whose first failures are of two components' types (none in the
 * catalogue today; a summary stored by a later build may say so) names
 * each component, and one type not known to any component names none. */
static void test_a_checks_first_failures_name_each_of_their_components(void **state)
{
	struct chk_summary stored;
	struct chk_run run;
	char q[600];

	(void)state;
	fresh(NULL);
	seed_both_chains_failing();
	run = evaluate();
	chk_run_free(&run);
	stored = stored_summary();
	assert_string_equal(stored.comp[4].first, "");   /* no association fails */
	assert_true(stored.comp[0].first[0] != '\0');
	/* the DPs' first check says it failed on an association first */
	const struct chk_def *d = check_titled(strchr(stored.comp[0].first, ':') + 2);
	snprintf(q, sizeof q, "UPDATE check_runs SET summary_json = json_set(summary_json,"
	         " '$.\"%s\".first', json_object('association', 'WS1 -> WS2',"
	         " 'no_such_type', 'X', 'dp', 'PXEA')) WHERE id = (SELECT max(id) FROM check_runs)",
	         d->id);
	tu_sql_exec(g_path, q);
	stored = stored_summary();
	snprintf(q, sizeof q, "WS1 -> WS2: %s", d->title);
	assert_string_equal(stored.comp[4].first, q);
	snprintf(q, sizeof q, "PXEA: %s", d->title);
	assert_string_equal(stored.comp[0].first, q);
	for (int i = 1; i < 4; i++)
		if (strstr(stored.comp[i].first, "X: "))
			fail_msg("component %d named the unknown type's object: %s", i, stored.comp[i].first);
}

/* --- The catalogue is the one home of a check's fix and of "is it a chain". --- */

/* Every fix a row names is one the fix task makes, and the task starts for
 * that check; a fix nobody wrote is refused at the start, not at step 1. */
static void test_every_fix_the_catalogue_names_starts_a_fix_task_for_its_check(void **state)
{
	struct inv_open_opts o = { 0 };
	struct ow_err e = { 0 };
	struct inv *db;
	size_t fixable = 0;
	int64_t id = 0;
	bool resumed = true;

	(void)state;
	fresh(NULL);
	o.path = g_path;
	assert_int_equal(inv_open(&o, &db, &e), 0);
	for (size_t k = 0; k < chk_count(); k++) {
		const struct chk_def *d = chk_at(k);
		if (!d->fix)
			continue;
		fixable++;
		if (wf_start_fix(db, d->id, d->fix, "OBJ1", NULL, &id, &resumed, &e) != 0)
			fail_msg("%s names the fix '%s', which the fix task refuses: %s", d->id, d->fix,
			         e.msg);
		assert_true(id > 0);
		assert_false(resumed);
		assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM task_runs WHERE kind='fix' "
		                            "AND json_extract(params,'$.fix') IS NOT NULL"), (long)fixable);
	}
	assert_true(fixable >= 7);
	assert_int_not_equal(wf_start_fix(db, "OSD-PXE-002", "no-such-fix", "OBJ2", NULL, &id,
	                                  &resumed, &e), 0);
	assert_non_null(strstr(e.msg, "dp-pxe-off"));
	inv_close(db);
}

/* A chain is a row that combines others' results: the flag and the
 * declared inputs say the same, and every input is an earlier row. */
static void test_chain_rows_are_exactly_those_with_declared_inputs(void **state)
{
	size_t chains = 0;

	(void)state;
	for (size_t k = 0; k < chk_count(); k++) {
		const struct chk_def *d = chk_at(k);
		char id[64];
		if (d->chain != (d->inputs != NULL))
			fail_msg("%s: chain %d but inputs %s", d->id, d->chain, d->inputs ? d->inputs : "none");
		chains += d->chain;
		for (const char *p = d->inputs; p && *p; p += strcspn(p, ","), p += *p == ',') {
			const struct chk_def *in;
			snprintf(id, sizeof id, "%.*s", (int)strcspn(p, ","), p);
			in = chk_find(id);
			if (!in || chk_index(in) >= k)
				fail_msg("%s combines %s, which is not an earlier row", d->id, id);
		}
	}
	assert_int_equal(chains, 2);
}

static int cleanup(void **state)
{
	(void)state;
	if (g_dir)
		tu_rmtree(g_dir);
	free(g_dir);
	free(g_path);
	free(g_template_bytes);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_unread_class_makes_every_check_depending_on_it_never_pass),
		cmocka_unit_test(test_attestation_only_checks_never_pass_unattested),
		cmocka_unit_test(test_chains_with_unread_inputs_are_errors_and_the_grade_names_them),
		cmocka_unit_test(test_a_chain_shown_to_fail_by_what_was_read_fails),
		cmocka_unit_test(test_every_check_on_an_empty_but_read_site_never_passes_by_default),
		cmocka_unit_test(test_seeded_inventories_give_the_expected_state),
		cmocka_unit_test(test_turn_two_severities_follow_the_facts),
		cmocka_unit_test(test_certificates_meet_their_dp_by_name_in_any_case_and_dps_keep_their_site),
		cmocka_unit_test(test_the_readme_table_lists_every_check_as_the_catalogue_has_it),
		cmocka_unit_test(test_history_is_pruned_by_the_retention_settings),
		cmocka_unit_test(test_an_unchanged_inventory_two_hours_later_opens_and_closes_no_finding),
		cmocka_unit_test(test_recheck_passes_only_what_was_judged_and_passed),
		cmocka_unit_test(test_a_tag_written_outside_osdwarden_is_not_honoured),
		cmocka_unit_test(test_attestations_close_and_expiry_reopens_every_attestable_check),
		cmocka_unit_test(test_decisions_written_with_sql_are_not_honoured),
		cmocka_unit_test(test_decisions_made_through_osdwarden_are_honoured),
		cmocka_unit_test(test_a_decision_edited_after_its_audit_row_is_not_honoured),
		cmocka_unit_test(test_a_log_that_no_longer_verifies_honours_no_decision),
		cmocka_unit_test(test_decisions_recorded_in_the_older_audit_format_are_honoured),
		cmocka_unit_test(test_every_fix_the_catalogue_names_starts_a_fix_task_for_its_check),
		cmocka_unit_test(test_chain_rows_are_exactly_those_with_declared_inputs),
		cmocka_unit_test(test_the_dashboard_and_the_check_report_say_the_same_numbers),
		cmocka_unit_test(test_a_waived_failure_is_never_a_components_first),
		cmocka_unit_test(test_a_checks_first_failures_name_each_of_their_components),
	};
	return cmocka_run_group_tests(tests, NULL, cleanup);
}
