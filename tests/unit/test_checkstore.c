/* The checklist's history as state with a lifetime: a stored run writes
 * only what changed since the last one (new findings, fixed ones, changed
 * evidence), and every run kept still reads as it was stored: its
 * findings, their baselines, --since, the trend, retention; an inventory
 * from before lifetimes keeps its history through the migration. */
#include "support/testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/checks.h"
#include "db/checkstore.h"
#include "db/db.h"
#include "db/internal.h"
#include "util/buf.h"

#define NOW 1780000000LL
#define DAY 86400LL
#define ASSOCS 12

static char *g_dir, *g_path;

static void sql(const char *text)
{
	tu_sql_exec(g_path, text);
}

static struct inv *open_at(int version)
{
	struct inv_open_opts o = { .path = g_path, .target_version = version };
	struct ow_err e = { 0 };
	struct inv *db;

	if (inv_open(&o, &db, &e) != 0)
		fail_msg("open %s: %s", g_path, e.msg);
	return db;
}

/* Every class a check reads marked as read, ASSOCS associations whose
 * user state has been kept too long (OSD-SMP-005 fails on each), and a
 * DP that PXE boots without a password (OSD-PXE-004 fails on it). */
static int setup(void **state)
{
	struct buf q = BUF_INIT;

	(void)state;
	g_dir = tu_tmpdir();
	g_path = tu_path(g_dir, "inv.db");
	inv_close(open_at(0));
	buf_adds(&q, "INSERT INTO providers(id, url, auth_mode) VALUES(1, 'https://p/AdminService', 'none');");
	for (size_t k = 0; k < chk_count(); k++) {
		const char *p = chk_at(k)->needs;
		while (p && *p) {
			size_t l = strcspn(p, ",");
			buf_addf(&q, "INSERT OR IGNORE INTO sync_classes(provider_id, class, status, synced_at)"
			         " VALUES(1, '%.*s', 'ok', 1);", (int)l, p);
			p += l + (p[l] == ',');
		}
	}
	for (int i = 1; i <= ASSOCS; i++)
		buf_addf(&q, "INSERT INTO associations(source_id, restore_id, source_name, restore_name,"
		         " store_path, store_created, first_seen, last_seen) VALUES(%d, %d, 'SRC%02d',"
		         " 'DST%02d', '\\\\smp\\store%02d', %lld, 1, 1);", 100 + i, 200 + i, i, i, i,
		         NOW - 100 * DAY);
	buf_adds(&q, "INSERT INTO dps(site_code, nal_path, server_name, is_pxe, is_active,"
	         " pxe_password_set, first_seen, last_seen) VALUES('S', 'n1', 'PXEA', 1, 1, 0, 1, 1);");
	assert_false(q.failed);
	sql(buf_str(&q));
	buf_free(&q);
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

/* Rows a run inserts, updates and deletes in the tables that hold
 * findings, whatever they are called (SQLite's update hook). */
struct writes {
	long ins, upd, del;
};

static void on_write(void *ctx, int op, const char *dbname, const char *table, sqlite3_int64 row)
{
	struct writes *w = ctx;

	(void)dbname;
	(void)row;
	if (strncmp(table, "finding", 7) != 0)
		return;
	if (op == SQLITE_INSERT)
		w->ins++;
	else if (op == SQLITE_UPDATE)
		w->upd++;
	else
		w->del++;
}

/* What a run wrote: ins rows inserted, upd updated, none deleted. */
static void expect_writes(const struct writes *w, long ins, long upd, const char *what)
{
	if (w->ins != ins || w->upd != upd || w->del != 0)
		fail_msg("%s: %ld inserted, %ld updated, %ld deleted (want %ld, %ld, 0)", what, w->ins,
		         w->upd, w->del, ins, upd);
}

/* One stored run (since: 0 for the previous one); its id. */
static int64_t run_once(int64_t since, struct writes *w)
{
	struct inv *db = open_at(0);
	struct ow_err e = { 0 };
	struct chk_run run;
	int64_t id;

	*w = (struct writes){ 0 };
	sqlite3_update_hook(db->sql, on_write, w);
	if (chk_evaluate_since(db, -1, NOW, since, &run, &e) != 0)
		fail_msg("evaluate: %s", e.msg);
	sqlite3_update_hook(db->sql, NULL, NULL);
	id = run.id;
	assert_true(id > 0);
	chk_run_free(&run);
	inv_close(db);
	return id;
}

static int add_line(void *ctx, const struct inv_finding *f)
{
	struct buf *b = ctx;

	buf_addf(b, "%s|%s|%s|%s|%s|%s|%s|%s|%d\n", f->check_id, f->state, f->severity,
	         f->object_type ? f->object_type : "(null)", f->object_key ? f->object_key : "(null)",
	         f->object_name ? f->object_name : "(null)", f->evidence_json ? f->evidence_json : "(null)",
	         f->baseline ? f->baseline : "(null)", f->waived);
	return 0;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of text, sorted; a new string. */
static char *sorted(const char *in)
{
	char **line = NULL, *save = NULL, *text = strdup(in);
	size_t n = 0;
	struct buf out = BUF_INIT;

	assert_non_null(text);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		line = realloc(line, (n + 1) * sizeof *line);
		assert_non_null(line);
		line[n++] = l;
	}
	if (n)
		qsort(line, n, sizeof *line, cmp_line);
	buf_adds(&out, "");
	for (size_t i = 0; i < n; i++)
		buf_addf(&out, "%s\n", line[i]);
	free(line);
	free(text);
	assert_false(out.failed);
	return buf_detach(&out);
}

/* The findings of run R as the store gives them back, one line each,
 * sorted (the order of storage is not what is compared); a new string. */
static char *findings_of(int64_t r)
{
	struct inv *db = open_at(0);
	struct ow_err e = { 0 };
	struct buf b = BUF_INIT;
	char *s;

	buf_adds(&b, "");
	if (inv_each_finding(db, r, NULL, NULL, NULL, 0, add_line, &b, &e) != 0)
		fail_msg("findings of run %lld: %s", (long long)r, e.msg);
	inv_close(db);
	assert_false(b.failed);
	s = sorted(buf_str(&b));
	buf_free(&b);
	return s;
}

static size_t count_lines(const char *s, const char *with)
{
	size_t n = 0;

	for (const char *l = s; l && *l; l = strchr(l, '\n') + 1) {
		size_t len = strcspn(l, "\n");
		char line[4096];
		snprintf(line, sizeof line, "%.*s", (int)len, l);
		n += !with || strstr(line, with) != NULL;
	}
	return n;
}

/* The first line of s containing what, "" when none (a static buffer). */
static const char *line_with(const char *s, const char *what)
{
	static char line[4096];
	const char *at = strstr(s, what), *from;

	if (!at)
		return "";
	for (from = at; from > s && from[-1] != '\n'; from--)
		;
	snprintf(line, sizeof line, "%.*s", (int)strcspn(from, "\n"), from);
	return line;
}

static void test_an_unchanged_run_writes_no_finding_row(void **state)
{
	struct writes w1, w2;
	int64_t r1, r2;
	char *f1, *f2;

	(void)state;
	r1 = run_once(0, &w1);
	f1 = findings_of(r1);
	assert_int_equal(count_lines(f1, "OSD-SMP-005|fail"), ASSOCS);
	/* the first run stores what it found */
	assert_true(w1.ins >= ASSOCS);
	r2 = run_once(0, &w2);
	if (w2.ins || w2.upd || w2.del)
		fail_msg("an unchanged second run wrote %ld, updated %ld and deleted %ld finding rows "
		         "(the first stored %ld)", w2.ins, w2.upd, w2.del, w1.ins);
	/* and yet it has the same findings, its failures unchanged */
	f2 = findings_of(r2);
	assert_int_equal(count_lines(f2, NULL), count_lines(f1, NULL));
	assert_int_equal(count_lines(f2, "|fail|"), count_lines(f2, "|unchanged|"));
	assert_int_equal(count_lines(f2, "OSD-SMP-005|fail"), ASSOCS);
	free(f1);
	free(f2);
}

static void test_changed_evidence_closes_the_finding_and_opens_another(void **state)
{
	struct writes w;
	int64_t r1, r2;
	char *f1, *f2;

	(void)state;
	r1 = run_once(0, &w);
	sql("UPDATE associations SET store_path = '\\\\smp2\\moved03' WHERE source_id = 103");
	r2 = run_once(0, &w);
	expect_writes(&w, 1, 1, "one changed evidence");
	f1 = findings_of(r1);
	f2 = findings_of(r2);
	/* each run reads with its own evidence; still a failure seen before */
	assert_int_equal(count_lines(f1, "store03"), 1);
	assert_int_equal(count_lines(f1, "moved03"), 0);
	assert_int_equal(count_lines(f2, "store03"), 0);
	assert_int_equal(count_lines(f2, "moved03"), 1);
	assert_non_null(strstr(line_with(f2, "moved03"), "|unchanged|"));
	assert_int_equal(count_lines(f2, NULL), count_lines(f1, NULL));
	free(f1);
	free(f2);
}

/* A fix closes the failure; a check that judges each object says "fixed"
 * for the one run after, then nothing. */
static void test_a_fixed_finding_is_closed_and_reads_fixed_once(void **state)
{
	struct writes w;
	int64_t r1, r2, r3;
	char *f1, *f2, *f3;
	char q[200];

	(void)state;
	r1 = run_once(0, &w);
	snprintf(q, sizeof q, "UPDATE associations SET store_created = %lld WHERE source_id = 105;"
	         "UPDATE dps SET pxe_password_set = 1", NOW - DAY);
	sql(q);
	r2 = run_once(0, &w);
	/* two failures closed, the DP's "fixed" opened; and PXE-005, which
	 * quotes the password flag in its evidence, closed and opened */
	expect_writes(&w, 2, 3, "two fixed");
	r3 = run_once(0, &w);
	/* passing again: only the "fixed" closed */
	expect_writes(&w, 0, 1, "a fix seen again");
	f1 = findings_of(r1);
	f2 = findings_of(r2);
	f3 = findings_of(r3);
	assert_int_equal(count_lines(f1, "SRC05 -> DST05|"), 1);
	assert_int_equal(count_lines(f1, "OSD-PXE-004|fail|"), 1);
	assert_int_equal(count_lines(f1, "|fixed|"), 0);
	assert_int_equal(count_lines(f2, "SRC05 -> DST05|"), 0);
	assert_int_equal(count_lines(f2, "OSD-SMP-005|fail|"), ASSOCS - 1);
	assert_int_equal(count_lines(f2, "OSD-PXE-004|fixed|"), 1);
	assert_int_equal(count_lines(f2, "|fixed|"), 1);
	assert_int_equal(count_lines(f3, "|fixed|"), 0);
	assert_int_equal(count_lines(f3, "OSD-PXE-004|"), 0);
	assert_int_equal(count_lines(f3, "OSD-SMP-005|fail|"), ASSOCS - 1);
	free(f1);
	free(f2);
	free(f3);
}

static int count_unchanged(void *ctx, const struct chk_result *r)
{
	*(size_t *)ctx += r->baseline && strcmp(r->baseline, "unchanged") == 0;
	return 0;
}

/* A run of one category judges only its checks: it is not stored, and
 * the other category's findings stay open, so the next whole run reads
 * them unchanged and writes nothing. */
static void test_a_run_of_one_category_leaves_the_others_findings_open(void **state)
{
	struct writes w;
	struct inv *db;
	struct ow_err e = { 0 };
	struct chk_run run;
	int64_t r1, r2;
	char *f2;

	(void)state;
	r1 = run_once(0, &w);
	db = open_at(0);
	if (chk_evaluate_since(db, CAT_PRIVACY, NOW, 0, &run, &e) != 0)
		fail_msg("a privacy run: %s", e.msg);
	assert_int_equal(run.previous, r1);
	/* compared all the same: its failures are those of run 1 */
	size_t unchanged = 0;
	assert_int_equal(chk_run_each(&run, (int)chk_index(chk_find("OSD-SMP-005")), count_unchanged,
	                              &unchanged), 0);
	assert_int_equal(unchanged, ASSOCS);
	/* and its report says it has no number */
	char *md = NULL;
	size_t mdlen = 0;
	FILE *mf = open_memstream(&md, &mdlen);
	assert_non_null(mf);
	assert_int_equal(chk_write_markdown(mf, &run), 0);
	fclose(mf);
	assert_non_null(strstr(md, "Not stored."));
	free(md);
	chk_run_free(&run);
	inv_close(db);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM check_runs"), 1);
	r2 = run_once(0, &w);
	expect_writes(&w, 0, 0, "a whole run after a privacy run");
	f2 = findings_of(r2);
	assert_non_null(strstr(line_with(f2, "OSD-PXE-004|fail|"), "|unchanged|"));
	assert_int_equal(count_lines(f2, "OSD-SMP-005|fail|"), ASSOCS);
	free(f2);
}

struct trend {
	long failing[16];
	int n;
};

static int on_point(void *ctx, int64_t id, int64_t started, long failing)
{
	struct trend *t = ctx;

	(void)id;
	(void)started;
	if (t->n < 16)
		t->failing[t->n++] = failing;
	return 0;
}

/* A history with new, changed, fixed and --since runs: every run kept
 * reads afterwards exactly as it read when it was stored, the trend
 * counts each run's failures, and --since judges against the run named
 * (a failure new to run 1 is "new" even though the run before had it). */
static void test_every_kept_run_reads_as_it_was_stored(void **state)
{
	struct writes w;
	int64_t r[6];
	char *at[6], q[300];
	struct trend t = { 0 };
	struct inv *db;
	struct ow_err e = { 0 };

	(void)state;
	r[0] = run_once(0, &w);
	at[0] = findings_of(r[0]);
	snprintf(q, sizeof q, "INSERT INTO associations(source_id, restore_id, source_name, restore_name,"
	         " store_path, store_created, first_seen, last_seen) VALUES(999, 998, 'LATE',"
	         " 'LATER', 'p', %lld, 1, 1); UPDATE associations SET store_created = %lld"
	         " WHERE source_id = 101; UPDATE dps SET pxe_password_set = 1", NOW - 90 * DAY, NOW);
	sql(q);
	r[1] = run_once(0, &w);
	at[1] = findings_of(r[1]);
	sql("UPDATE associations SET store_path = 'elsewhere' WHERE source_id = 102");
	r[2] = run_once(0, &w);
	at[2] = findings_of(r[2]);
	/* against run 1: LATE is new again, the DP fixed again */
	r[3] = run_once(r[0], &w);
	at[3] = findings_of(r[3]);
	assert_int_equal(count_lines(at[3], "LATE -> LATER|{"), 1);
	assert_non_null(strstr(line_with(at[3], "LATE -> LATER|{"), "|new|"));
	assert_non_null(strstr(line_with(at[2], "LATE -> LATER|{"), "|unchanged|"));
	assert_int_equal(count_lines(at[3], "OSD-PXE-004|fixed|"), 1);
	assert_int_equal(count_lines(at[2], "|fixed|"), 0);
	assert_int_equal(count_lines(at[1], "OSD-PXE-004|fixed|"), 1);
	r[4] = run_once(0, &w);
	at[4] = findings_of(r[4]);
	assert_int_equal(count_lines(at[4], "|new|"), 0);
	sql("DELETE FROM associations WHERE source_id IN (106, 107)");
	r[5] = run_once(0, &w);
	at[5] = findings_of(r[5]);
	for (int i = 0; i < 6; i++) {
		char *again = findings_of(r[i]);
		if (strcmp(again, at[i]) != 0)
			fail_msg("run %lld reads otherwise than when stored:\n--- stored\n%s--- now\n%s",
			         (long long)r[i], at[i], again);
		free(again);
	}
	db = open_at(0);
	assert_int_equal(inv_each_run_failures(db, 16, on_point, &t, &e), 0);
	inv_close(db);
	assert_int_equal(t.n, 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(t.failing[i], (long)count_lines(at[i], "|fail|"));
	for (int i = 0; i < 6; i++)
		free(at[i]);
}

/* Retention: the runs before the last `history_runs_kept` read no
 * findings; those kept read as stored; nothing only they needed stays. */
static void test_retention_drops_only_what_no_kept_run_reads(void **state)
{
	struct writes w;
	int64_t r[5];
	char *at[5], q[200];

	(void)state;
	struct tu_run set = tu_cli(g_path, (const char *const[]){ "settings", "set",
	                           "history_runs_kept", "3", NULL });
	assert_int_equal(set.rc, 0);
	tu_run_free(&set);
	for (int i = 0; i < 5; i++) {
		/* each run, one more association fixed */
		snprintf(q, sizeof q, "UPDATE associations SET store_created = %lld WHERE source_id = %d",
		         NOW, 101 + i);
		if (i)
			sql(q);
		r[i] = run_once(0, &w);
		at[i] = findings_of(r[i]);
	}
	for (int i = 0; i < 5; i++) {
		char *again = findings_of(r[i]);
		if (i < 2)
			assert_string_equal(again, "");
		else
			assert_string_equal(again, at[i]);
		free(again);
		free(at[i]);
	}
	/* SRC02's failure was last read by run 1, SRC03's by run 2; SRC04's
	 * by run 3, which is kept */
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM finding_spans"
	                            " WHERE object_name IN ('SRC02 -> DST02', 'SRC03 -> DST03')"), 0);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM finding_spans"
	                            " WHERE object_name = 'SRC04 -> DST04'"), 1);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM check_runs"), 5);
}

/* An inventory whose runs were stored one row per finding per run (schema
 * 12) reads the same history after the migration, consecutive identical
 * findings of a check and object merged into one lifetime. */
static void test_a_migrated_inventory_keeps_its_history(void **state)
{
	static const char seed[] =
		"INSERT INTO check_runs(id, started, finished, summary_json) VALUES"
		" (1, 10, 11, '{}'), (2, 20, 21, '{}'), (3, 30, 31, '{}'), (4, 40, 41, '{}'),"
		" (5, 50, 51, '{}'), (6, 60, 61, '{}');"
		"INSERT INTO findings(run_id, check_id, state, severity, object_type, object_key,"
		" object_name, evidence_json, baseline, waived) VALUES"
		/* A: new at 2, new again at 3 (a --since run), then unchanged: two, closed at 6 */
		" (2, 'OSD-X', 'fail', 'high', 'dp', 'A', 'a', '{}', 'new', 0),"
		" (3, 'OSD-X', 'fail', 'high', 'dp', 'A', 'a', '{}', 'new', 0),"
		" (4, 'OSD-X', 'fail', 'high', 'dp', 'A', 'a', '{}', 'unchanged', 0),"
		" (5, 'OSD-X', 'fail', 'high', 'dp', 'A', 'a', '{}', 'unchanged', 0),"
		/* B: in 3 and 5, not 4 (two) */
		" (3, 'OSD-X', 'fail', 'high', 'dp', 'B', 'b', '{}', 'new', 0),"
		" (5, 'OSD-X', 'fail', 'high', 'dp', 'B', 'b', '{}', 'new', 0),"
		/* C: its evidence changes at 5 (two), still open */
		" (4, 'OSD-X', 'fail', 'high', 'dp', 'C', 'c', '{\"v\":1}', 'new', 0),"
		" (5, 'OSD-X', 'fail', 'high', 'dp', 'C', 'c', '{\"v\":2}', 'unchanged', 0),"
		" (6, 'OSD-X', 'fail', 'high', 'dp', 'C', 'c', '{\"v\":2}', 'unchanged', 0),"
		/* D: 'new' twice running (run 6 was --since an older run: two) */
		" (5, 'OSD-X', 'fail', 'high', 'dp', 'D', 'd', '{}', 'new', 0),"
		" (6, 'OSD-X', 'fail', 'high', 'dp', 'D', 'd', '{}', 'new', 0),"
		/* E: fixed at 4 (one), then an unknown twice, two alike each run (two) */
		" (4, 'OSD-Y', 'fixed', 'low', 'dp', 'E', 'e', '{}', 'fixed', 0),"
		" (5, 'OSD-Y', 'unknown', 'low', 'dp', 'E', 'e', '{}', NULL, 0),"
		" (5, 'OSD-Y', 'unknown', 'low', 'dp', 'E', 'e', '{}', NULL, 0),"
		" (6, 'OSD-Y', 'unknown', 'low', 'dp', 'E', 'e', '{}', NULL, 0),"
		" (6, 'OSD-Y', 'unknown', 'low', 'dp', 'E', 'e', '{}', NULL, 0),"
		/* F: a waiver at 6 (two) */
		" (5, 'OSD-Y', 'fail', 'low', 'dp', 'F', 'f', '{}', 'new', 0),"
		" (6, 'OSD-Y', 'fail', 'low', 'dp', 'F', 'f', '{}', 'unchanged', 1),"
		/* G: two of one object at 5, the second alone at 6 (paired in the
		 * order stored, three: more rows than needed, never another history) */
		" (5, 'OSD-Y', 'unknown', 'low', 'dp', 'G', 'g', '{\"n\":1}', NULL, 0),"
		" (5, 'OSD-Y', 'unknown', 'low', 'dp', 'G', 'g', '{\"n\":2}', NULL, 0),"
		" (6, 'OSD-Y', 'unknown', 'low', 'dp', 'G', 'g', '{\"n\":2}', NULL, 0);";
	char *before[7];
	sqlite3 *s;
	sqlite3_stmt *st;

	(void)state;
	tu_rmtree(g_dir);
	free(g_dir);
	free(g_path);
	g_dir = tu_tmpdir();
	g_path = tu_path(g_dir, "inv.db");
	inv_close(open_at(12));
	sql(seed);
	/* what schema 12 says run by run */
	assert_int_equal(sqlite3_open(g_path, &s), SQLITE_OK);
	for (int r = 1; r <= 6; r++) {
		struct buf b = BUF_INIT;
		assert_int_equal(sqlite3_prepare_v2(s, "SELECT check_id, state, severity, object_type,"
		                 " object_key, object_name, evidence_json, baseline, waived FROM findings"
		                 " WHERE run_id = ?1", -1, &st, NULL), SQLITE_OK);
		sqlite3_bind_int(st, 1, r);
		buf_adds(&b, "");
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *c[8];
			for (int i = 0; i < 8; i++)
				c[i] = sqlite3_column_text(st, i) ? (const char *)sqlite3_column_text(st, i)
				                                  : "(null)";
			buf_addf(&b, "%s|%s|%s|%s|%s|%s|%s|%s|%d\n", c[0], c[1], c[2], c[3], c[4], c[5],
			         c[6], c[7], sqlite3_column_int(st, 8));
		}
		sqlite3_finalize(st);
		before[r] = sorted(buf_str(&b));
		buf_free(&b);
	}
	sqlite3_close(s);
	inv_close(open_at(0));
	for (int r = 1; r <= 6; r++) {
		char *after = findings_of(r);
		if (strcmp(after, before[r]) != 0)
			fail_msg("run %d after the migration:\n--- before\n%s--- after\n%s", r, before[r], after);
		free(after);
		free(before[r]);
	}
	/* A 2, B 2, C 2, D 2, E 3, F 2, G 3; open: C, D, E twice, F, G */
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM finding_spans"), 16);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM finding_spans WHERE closed_run IS NULL"), 6);
	assert_int_equal(tu_sql_int(g_path, "SELECT closed_run FROM finding_spans WHERE object_key = 'A'"
	                            " AND first_run = 3"), 6);
	/* run 1 had no finding at all: it reads none, as before */
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM findings WHERE run_id = 1"), 0);
}

/* Findings stored before digests (schema 13) have none: a run after the
 * migration hashes them as it reads them and still matches them. */
static void test_findings_stored_without_a_digest_still_match(void **state)
{
	struct writes w;

	(void)state;
	run_once(0, &w);
	sql("UPDATE finding_spans SET digest = NULL");
	run_once(0, &w);
	expect_writes(&w, 0, 0, "a run over findings without digests");
	/* and those it stores from now on have one */
	sql("UPDATE associations SET store_path = 'moved' WHERE source_id = 104");
	run_once(0, &w);
	expect_writes(&w, 1, 1, "one changed evidence");
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM finding_spans WHERE closed_run IS"
	                            " NULL AND digest IS NOT NULL"), 1);
}

#define MANY 9000   /* more than a chunk (CHK_CHUNK) of one check's results */

static void add_many(void)
{
	char q[400];

	snprintf(q, sizeof q, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
	         " WHERE i < %d) INSERT INTO associations(source_id, restore_id, source_name,"
	         " restore_name, store_path, store_created, first_seen, last_seen) SELECT 10000 + i,"
	         " 20000 + i, 'S' || i, 'D' || i, 'p' || i, %lld, 1, 1 FROM n", MANY, NOW - 100 * DAY);
	sql(q);
}

struct reading {
	struct buf text;          /* every result, a line each */
	size_t n, per_check[CHK_MAX];
	long long sources;        /* the sum of the association keys' source IDs */
	const struct chk_run *run;
	size_t nested;            /* results one nested read of OSD-SMP-004 saw */
};

static int read_one(void *ctx, const struct chk_result *r)
{
	struct reading *rd = ctx;

	rd->n++;
	rd->per_check[chk_index(r->def)]++;
	buf_addf(&rd->text, "%s|%d|%d|%s|%s|%s|%s|%s|%d%d\n", r->def->id, r->state, r->sev,
	         r->object_type ? r->object_type : "-", r->object_key ? r->object_key : "-",
	         r->object_name ? r->object_name : "-", r->evidence ? r->evidence : "-",
	         r->baseline ? r->baseline : "-", r->waived, r->attestable);
	if (r->object_type && strcmp(r->object_type, "association") == 0 &&
	    strcmp(r->def->id, "OSD-SMP-005") == 0)
		rd->sources += atoll(r->object_key);
	return 0;
}

static int count_one(void *ctx, const struct chk_result *r)
{
	(void)r;
	++*(size_t *)ctx;
	return 0;
}

static int read_nested(void *ctx, const struct chk_result *r)
{
	struct reading *rd = ctx;

	/* the first association of SMP-005 reads SMP-004 meanwhile */
	if (!rd->nested && r->object_type && strcmp(r->object_type, "association") == 0 &&
	    chk_run_each(rd->run, (int)chk_index(chk_find("OSD-SMP-004")), count_one,
	                 &rd->nested) != 0)
		return -1;
	return read_one(ctx, r);
}

/* One stored run, read back whole: its results as text, and counts. */
static void read_run(struct reading *rd, struct writes *w)
{
	struct inv *db = open_at(0);
	struct ow_err e = { 0 };
	struct chk_run run;

	memset(rd, 0, sizeof *rd);
	buf_adds(&rd->text, "");
	*w = (struct writes){ 0 };
	sqlite3_update_hook(db->sql, on_write, w);
	if (chk_evaluate(db, -1, NOW, &run, &e) != 0)
		fail_msg("evaluate: %s", e.msg);
	sqlite3_update_hook(db->sql, NULL, NULL);
	rd->run = &run;
	assert_int_equal(chk_run_each(&run, -1, read_nested, rd), 0);
	assert_int_equal(rd->n, run.n);
	for (size_t k = 0; k < chk_count(); k++) {
		size_t want = 0, got = 0;
		for (int st = 0; st <= CS_FIXED; st++)
			want += run.counts[k][st];
		assert_int_equal(chk_run_each(&run, (int)k, count_one, &got), 0);
		if (got != want || got != rd->per_check[k])
			fail_msg("%s: %zu results read alone, %zu in all, %zu counted", chk_at(k)->id, got,
			         rd->per_check[k], want);
	}
	rd->run = NULL;
	chk_run_free(&run);
	inv_close(db);
	assert_false(rd->text.failed);
}

/* An ordered check's findings stored before ords (schema 15) get their
 * object's row id in the migration, so that the next run finds each one
 * through the cursor and writes nothing. */
static void test_ordered_findings_from_before_ords_get_theirs(void **state)
{
	struct writes w;

	(void)state;
	sql("INSERT INTO certificates(smsid, type, is_blocked, issued_to, valid_from, valid_until,"
	    " first_seen, last_seen) VALUES ('{C1}', 1, 0, 'M1', 1, 2, 1, 1),"
	    " ('{C2}', 1, 0, 'M2', 1, 2000000000, 1, 1)");
	char q[300];
	snprintf(q, sizeof q, "INSERT INTO associations(source_id, restore_id, source_name,"
	         " restore_name, store_path, store_created, store_released, first_seen, last_seen)"
	         " VALUES (300, 400, 'SR', 'DR', 'pr', %lld, %lld, 1, 1)", NOW - 100 * DAY,
	         NOW - 90 * DAY);
	sql(q);
	run_once(0, &w);
	/* 12 never restored, 1 restored, 2 certificates for MEDIA-001 and 2 for -002 */
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM finding_spans WHERE check_id"
	                            " IN ('OSD-MEDIA-001', 'OSD-MEDIA-002', 'OSD-SMP-004',"
	                            " 'OSD-SMP-005') AND ord IS NOT NULL"), ASSOCS + 5);
	/* the inventory as schema 15 had it: the same findings, no ord */
	sql("DROP INDEX spans_key; ALTER TABLE finding_spans DROP COLUMN ord;"
	    "CREATE INDEX spans_key ON finding_spans(check_id, object_type, object_key, state,"
	    " digest, closed_run); PRAGMA user_version = 15");
	run_once(0, &w);
	expect_writes(&w, 0, 0, "the first run after the migration");
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM finding_spans WHERE check_id"
	                            " IN ('OSD-MEDIA-001', 'OSD-MEDIA-002', 'OSD-SMP-004',"
	                            " 'OSD-SMP-005') AND ord IS NULL"), 0);
}

/* The cursor is in the order the check emits (the row ids), not that of
 * the keys: associations whose keys sort against their row ids still
 * match. */
static void test_an_ordered_check_matches_whatever_order_its_keys_sort_in(void **state)
{
	struct writes w;
	char q[400];

	(void)state;
	/* ids 13 and 14: "99999:1" before "5:2", where bytes put "5:2" first */
	snprintf(q, sizeof q, "INSERT INTO associations(source_id, restore_id, source_name,"
	         " restore_name, store_path, store_created, first_seen, last_seen) VALUES"
	         " (99999, 1, 'S9', 'D9', 'p9', %lld, 1, 1), (5, 2, 'S5', 'D5', 'p5', %lld, 1, 1)",
	         NOW - 100 * DAY, NOW - 100 * DAY);
	sql(q);
	run_once(0, &w);
	run_once(0, &w);
	expect_writes(&w, 0, 0, "an unchanged run");
	/* and one that changed is closed and stored again, nothing else */
	sql("UPDATE associations SET store_path = 'moved' WHERE source_id = 99999");
	run_once(0, &w);
	expect_writes(&w, 1, 1, "one changed evidence");
}

/* An ordered check's open finding without an ord (one the migration
 * found no object for, or put there by hand) still matches its result. */
static void test_an_ordered_checks_finding_without_an_ord_still_matches(void **state)
{
	struct writes w;

	(void)state;
	run_once(0, &w);
	sql("UPDATE finding_spans SET ord = NULL WHERE check_id = 'OSD-SMP-005'"
	    " AND object_key = '103:203'");
	run_once(0, &w);
	expect_writes(&w, 0, 0, "a run over a finding without an ord");
}

/* A check the catalogue no longer has (an older osdwarden's) finds
 * nothing: its open findings are closed by the next stored run. */
static void test_a_check_gone_from_the_catalogue_has_its_findings_closed(void **state)
{
	struct writes w;
	int64_t r1, r2;

	(void)state;
	r1 = run_once(0, &w);
	char q[300];
	snprintf(q, sizeof q, "INSERT INTO finding_spans(first_run, check_id, state, severity,"
	         " object_type, object_key) VALUES (%lld, 'OSD-GONE-001', 'fail', 'high', 'dp', 'X'),"
	         " (%lld, 'OSD-ZZZ-009', 'unknown', 'low', 'dp', 'Y'), (%lld, '', 'fail', 'low', 'dp',"
	         " 'Z'), (%lld, 'A-FIRST', 'fail', 'low', 'dp', 'W')", (long long)r1, (long long)r1,
	         (long long)r1, (long long)r1);
	sql(q);
	r2 = run_once(0, &w);
	expect_writes(&w, 0, 4, "a run after four findings of checks it does not have");
	snprintf(q, sizeof q, "SELECT count(*) FROM finding_spans WHERE closed_run = %lld",
	         (long long)r2);
	assert_int_equal(tu_sql_int(g_path, q), 4);
}

/* A check id no osdwarden writes (a BLOB, put there by hand) fails the
 * run with a message saying so, rather than looping on it. */
static void test_a_check_id_that_is_not_text_fails_the_run(void **state)
{
	struct writes w;
	struct inv *db;
	struct ow_err e = { 0 };
	struct chk_run run;
	char q[300];

	(void)state;
	snprintf(q, sizeof q, "INSERT INTO finding_spans(first_run, check_id, state, severity)"
	         " VALUES (%lld, X'4F5344', 'fail', 'low')", (long long)run_once(0, &w));
	sql(q);
	db = open_at(0);
	assert_int_not_equal(chk_evaluate(db, -1, NOW, &run, &e), 0);
	assert_non_null(strstr(e.msg, "changed outside osdwarden"));
	inv_close(db);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM check_runs"), 1);
}

/* A check with more results than a chunk, the spool in a file: every
 * result comes back once, in order, alike from memory and from the file,
 * one check's alone, and nested; stored alike, and a second run over it
 * writes nothing. */
static void test_a_run_bigger_than_memory_reads_back_whole(void **state)
{
	struct reading mem, file, again;
	struct writes w;
	long long want = 0;

	(void)state;
	add_many();
	for (int i = 1; i <= MANY; i++)
		want += 10000 + i;
	for (int i = 1; i <= ASSOCS; i++)
		want += 100 + i;
	unsetenv("OSDWARDEN_SPOOL_MEMORY");
	read_run(&mem, &w);
	assert_true(w.ins > MANY);
	tu_sql_exec(g_path, "DELETE FROM finding_spans; DELETE FROM check_runs");
	setenv("OSDWARDEN_SPOOL_MEMORY", "4096", 1);
	read_run(&file, &w);
	assert_true(w.ins > MANY);
	assert_int_equal(file.per_check[chk_index(chk_find("OSD-SMP-005"))], MANY + ASSOCS);
	assert_int_equal(file.sources, want);
	assert_true(file.nested > 0);
	assert_int_equal(file.nested, file.per_check[chk_index(chk_find("OSD-SMP-004"))]);
	if (strcmp(buf_str(&mem.text), buf_str(&file.text)) != 0)
		fail_msg("the results read back from the file differ from those kept in memory");
	read_run(&again, &w);
	unsetenv("OSDWARDEN_SPOOL_MEMORY");
	expect_writes(&w, 0, 0, "an unchanged second run at scale");
	assert_int_equal(again.n, file.n);
	buf_free(&mem.text);
	buf_free(&file.text);
	buf_free(&again.text);
}

/* What another osdwarden does on the same inventory while a run reads it
 * (from SQLite's progress handler on the run's connection, once). */
struct meanwhile {
	const char *sql;          /* run on a second connection */
	int rc;                   /* what BEGIN IMMEDIATE there said */
	int calls;
	bool done;
};

static int on_progress(void *ctx)
{
	struct meanwhile *m = ctx;
	sqlite3 *other;

	/* well into the run: past opening it and judging the decisions */
	if (m->done || ++m->calls < 40)
		return 0;
	m->done = true;
	assert_int_equal(sqlite3_open(g_path, &other), SQLITE_OK);
	m->rc = sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (m->rc == SQLITE_OK) {
		assert_int_equal(sqlite3_exec(other, m->sql, NULL, NULL, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	}
	sqlite3_close(other);
	return 0;
}

/* The checks of a run that is stored read on a connection of their own. */
static void watch_reader(struct inv *reader, void *ctx)
{
	sqlite3_progress_handler(reader->sql, 100, on_progress, ctx);
}

/* One run with m happening while it reads; evaluate's result. */
static int run_meanwhile(struct meanwhile *m, struct ow_err *e)
{
	struct inv *db = open_at(0);
	struct chk_run run;
	int rc;

	db->on_reader = watch_reader;
	db->on_reader_ctx = m;
	rc = chk_evaluate(db, -1, NOW, &run, e);
	if (rc == 0)
		chk_run_free(&run);
	inv_close(db);
	return rc;
}

/* The checks run without the inventory's write lock (a sync or an action
 * is not kept waiting for seconds at scale); the run is stored after. */
static void test_a_run_leaves_the_inventory_writable_while_it_reads(void **state)
{
	struct meanwhile m = { .sql = "UPDATE providers SET auth_mode = auth_mode" };
	struct ow_err e = { 0 };

	(void)state;
	if (run_meanwhile(&m, &e) != 0)
		fail_msg("evaluate: %s", e.msg);
	assert_true(m.done);
	if (m.rc != SQLITE_OK)
		fail_msg("another writer could not write while the run read (%d)", m.rc);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM check_runs"), 1);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM finding_spans WHERE check_id ="
	                            " 'OSD-SMP-005'"), ASSOCS);
}

/* Another run stored while this one read: this one's comparison is out of
 * date, so it is made again against that run, and stored once. */
static void test_a_run_stored_meanwhile_makes_this_one_compare_again(void **state)
{
	struct meanwhile m = { .sql = "INSERT INTO check_runs(started, finished) VALUES(1, 2)" };
	struct ow_err e = { 0 };
	struct writes w;
	char *f;

	(void)state;
	run_once(0, &w);
	if (run_meanwhile(&m, &e) != 0)
		fail_msg("evaluate: %s", e.msg);
	assert_true(m.done);
	/* the first, the one stored meanwhile, this one; nothing changed */
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM check_runs"), 3);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM finding_spans WHERE closed_run IS"
	                            " NOT NULL OR first_run > 1"), 0);
	f = findings_of(3);
	assert_int_equal(count_lines(f, "OSD-SMP-005|fail"), ASSOCS);
	free(f);
}

/* The same with more new findings than a chunk: the thread that stores
 * them while the checks go on finds, at the first chunk, that a run was
 * stored meanwhile (one open finding, of the first association). The run
 * stops, stores nothing, and is made again against that one: the finding
 * is closed as changed, and no object has two open findings. */
static void test_a_run_stored_before_its_first_chunk_makes_it_compare_again(void **state)
{
	struct meanwhile m = { .sql = "INSERT INTO check_runs(started, finished) VALUES(1, 2);"
	                              " INSERT INTO finding_spans(first_run, check_id, state, severity,"
	                              " object_type, object_key, object_name, evidence_json, baseline,"
	                              " waived, digest) VALUES(last_insert_rowid(), 'OSD-SMP-005',"
	                              " 'fail', 'medium', 'association', '101:201', 'x', '{}', 'new',"
	                              " 0, 1)" };
	struct ow_err e = { 0 };

	(void)state;
	add_many();
	if (run_meanwhile(&m, &e) != 0)
		fail_msg("evaluate: %s", e.msg);
	assert_true(m.done);
	assert_int_equal(m.rc, SQLITE_OK);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM check_runs"), 2);
	assert_int_equal(tu_sql_int(g_path, "SELECT closed_run FROM finding_spans WHERE first_run = 1"),
	                 2);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM finding_spans WHERE closed_run IS"
	                            " NULL AND check_id = 'OSD-SMP-005'"), MANY + ASSOCS);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM (SELECT 1 FROM finding_spans WHERE"
	                            " closed_run IS NULL GROUP BY check_id, object_type, object_key"
	                            " HAVING count(*) > 1)"), 0);
}

/* A run that fails after its first chunks were stored (the spool cannot
 * grow past memory: TMPDIR names no directory) stores nothing, and
 * leaves the inventory unlocked: the next run is stored whole. */
static void test_a_run_that_fails_while_storing_stores_nothing(void **state)
{
	struct inv *db;
	struct chk_run run;
	struct ow_err e = { 0 };
	struct writes w;
	char *tmpdir = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;

	(void)state;
	add_many();
	/* past the first chunk (4096 findings, about 0.6 MB of results) */
	setenv("OSDWARDEN_SPOOL_MEMORY", "1000000", 1);
	setenv("TMPDIR", "/nonexistent-osdwarden-test", 1);
	db = open_at(0);
	/* the thread's inserts, on the run's connection */
	w = (struct writes){ 0 };
	sqlite3_update_hook(db->sql, on_write, &w);
	int rc = chk_evaluate(db, -1, NOW, &run, &e);
	sqlite3_update_hook(db->sql, NULL, NULL);
	unsetenv("OSDWARDEN_SPOOL_MEMORY");
	if (tmpdir)
		setenv("TMPDIR", tmpdir, 1);
	else
		unsetenv("TMPDIR");
	free(tmpdir);
	assert_int_not_equal(rc, 0);
	if (!strstr(e.msg, "keeping the results"))
		fail_msg("the run failed, but not for its spool: %s", e.msg);
	/* a chunk is 4096 findings (CHK_CHUNK) */
	if (w.ins < 4096)
		fail_msg("the spool failed before a chunk was stored (%ld inserts)", w.ins);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM check_runs"), 0);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM finding_spans"), 0);
	/* the same connection, its transaction rolled back: the next run is
	 * stored on it */
	w = (struct writes){ 0 };
	sqlite3_update_hook(db->sql, on_write, &w);
	if (chk_evaluate(db, -1, NOW, &run, &e) != 0)
		fail_msg("the run after the failed one: %s", e.msg);
	sqlite3_update_hook(db->sql, NULL, NULL);
	chk_run_free(&run);
	inv_close(db);
	assert_true(w.ins > MANY);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM check_runs"), 1);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM finding_spans WHERE check_id ="
	                            " 'OSD-SMP-005'"), MANY + ASSOCS);
}

/* The checks of a stored run read on a second connection: one opened on
 * another file put at the inventory's path is refused, and nothing is read
 * from it or stored. */
static void test_a_run_refuses_an_inventory_replaced_under_it(void **state)
{
	char *other = tu_path(g_dir, "other.db");
	struct inv *db = open_at(0);
	struct inv_open_opts o = { .path = other };
	struct ow_err e = { 0 };
	struct chk_run run;
	struct inv *x;

	(void)state;
	assert_int_equal(inv_open(&o, &x, &e), 0);
	inv_close(x);
	assert_int_equal(rename(other, g_path), 0);
	if (chk_evaluate(db, -1, NOW, &run, &e) == 0)
		fail_msg("a run read an inventory put in the place of the one it had open");
	inv_close(db);
	if (!strstr(e.msg, "replaced by another file"))
		fail_msg("not refused as replaced: %s", e.msg);
	assert_int_equal(tu_sql_int(g_path, "SELECT count(*) FROM check_runs"), 0);
	free(other);
}

/* A sync that commits while a run reads does not reach the run halfway:
 * every check judges the inventory as it was when the run began. */
static void test_a_run_reads_one_state_of_the_inventory(void **state)
{
	char q[200];
	struct meanwhile m = { .sql = q };
	struct ow_err e = { 0 };
	char *f;

	(void)state;
	snprintf(q, sizeof q, "UPDATE associations SET store_created = %lld", NOW - DAY);
	if (run_meanwhile(&m, &e) != 0)
		fail_msg("evaluate: %s", e.msg);
	assert_true(m.done);
	assert_int_equal(m.rc, SQLITE_OK);
	f = findings_of(1);
	if (count_lines(f, "OSD-SMP-005|fail") != ASSOCS)
		fail_msg("the run saw the change made after it began:\n%s", f);
	free(f);
}

/* What the run's snapshot holds (the DPs, settings, decisions, not only
 * the big classes) is read in the same read transaction as the rest: a
 * DP given a PXE password just after the run's read began is not seen. */
static int after_read_began(unsigned type, void *ctx, void *p, void *x)
{
	struct meanwhile *m = ctx;
	const char *sql = sqlite3_sql(p);
	sqlite3 *other;

	(void)type;
	(void)x;
	if (m->done || !sql || !strstr(sql, "SELECT count(*) FROM check_runs"))
		return 0;
	m->done = true;
	assert_int_equal(sqlite3_open(g_path, &other), SQLITE_OK);
	m->rc = sqlite3_exec(other, m->sql, NULL, NULL, NULL);
	sqlite3_close(other);
	return 0;
}

static void trace_reader(struct inv *reader, void *ctx)
{
	sqlite3_trace_v2(reader->sql, SQLITE_TRACE_PROFILE, after_read_began, ctx);
}

static void test_a_runs_snapshot_is_of_the_same_state_as_the_rest(void **state)
{
	struct meanwhile m = { .sql = "UPDATE dps SET pxe_password_set = 1" };
	struct inv *db = open_at(0);
	struct ow_err e = { 0 };
	struct chk_run run;
	char *f;

	(void)state;
	db->on_reader = trace_reader;
	db->on_reader_ctx = &m;
	if (chk_evaluate(db, -1, NOW, &run, &e) != 0)
		fail_msg("evaluate: %s", e.msg);
	chk_run_free(&run);
	inv_close(db);
	assert_true(m.done);
	assert_int_equal(m.rc, SQLITE_OK);
	f = findings_of(1);
	if (count_lines(f, "OSD-PXE-004|fail") != 1)
		fail_msg("the run saw the DP changed after its read began:\n%s", f);
	free(f);
}

/* A store path that is not ASCII is kept as its characters (escaped, in
 * jansson's upper-case hex as every other evidence), not as its bytes. */
static void test_evidence_keeps_characters_that_are_not_ascii(void **state)
{
	struct writes w;
	char *f;

	(void)state;
	sql("UPDATE associations SET store_path = '\\\\smp\\M\xc3\xbcller\xe2\x82\xac\xf0\x9d\x84\x9e'"
	    " WHERE source_id = 101");
	f = findings_of(run_once(0, &w));
	if (count_lines(f, "\\\\\\\\smp\\\\M\\u00FCller\\u20AC\\uD834\\uDD1E") != 1)
		fail_msg("the path's characters:\n%s", f);
	free(f);
}

/* A check's findings, for a reader that sorts them itself, come straight
 * from the index: no sort of what can be a million rows first. */
static void test_a_checks_findings_in_any_order_are_not_sorted_first(void **state)
{
	struct writes w;
	struct tu_plans plans;
	struct ow_err e = { 0 };
	struct buf b = BUF_INIT;
	struct inv *db;
	int64_t r;
	char *text;

	(void)state;
	r = run_once(0, &w);
	db = open_at(0);
	buf_adds(&b, "");
	tu_plans_begin(&plans, db->sql);
	if (inv_each_finding(db, r, "OSD-SMP-005", NULL, NULL, INV_ANY_ORDER, add_line, &b, &e) != 0)
		fail_msg("findings of run %lld: %s", (long long)r, e.msg);
	text = tu_plans_end(&plans);
	inv_close(db);
	assert_int_equal(count_lines(buf_str(&b), "OSD-SMP-005|fail"), ASSOCS);
	if (strstr(text, "TEMP B-TREE") || !strstr(text, "SEARCH finding_spans"))
		fail_msg("a check's findings are sorted, or not searched:\n%s", text);
	free(text);
	buf_free(&b);
}

/* A name that is not UTF-8 still names the check's first failure in the
 * run's summary (bytes that are not as U+FFFD): the dashboard does not
 * fall back on reading the check's findings for it. */
static void test_a_first_failure_not_in_utf8_is_named_in_the_summary(void **state)
{
	struct writes w;

	(void)state;
	sql("UPDATE associations SET source_name = CAST(X'53FF' AS TEXT) || source_name");
	run_once(0, &w);
	assert_int_equal(tu_sql_int(g_path, "SELECT instr(json_extract(summary_json,"
	                            " '$.\"OSD-SMP-005\".first.association'), char(65533))"
	                            " FROM check_runs ORDER BY id DESC LIMIT 1"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_an_unchanged_run_writes_no_finding_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_evidence_closes_the_finding_and_opens_another, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_fixed_finding_is_closed_and_reads_fixed_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_kept_run_reads_as_it_was_stored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_run_of_one_category_leaves_the_others_findings_open,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_drops_only_what_no_kept_run_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_migrated_inventory_keeps_its_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_findings_stored_without_a_digest_still_match, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ordered_findings_from_before_ords_get_theirs, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_an_ordered_check_matches_whatever_order_its_keys_sort_in,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_check_gone_from_the_catalogue_has_its_findings_closed,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_check_id_that_is_not_text_fails_the_run, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_an_ordered_checks_finding_without_an_ord_still_matches,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_run_bigger_than_memory_reads_back_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_run_leaves_the_inventory_writable_while_it_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_run_stored_meanwhile_makes_this_one_compare_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_run_stored_before_its_first_chunk_makes_it_compare_again,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_run_that_fails_while_storing_stores_nothing, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_a_run_refuses_an_inventory_replaced_under_it, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_a_runs_snapshot_is_of_the_same_state_as_the_rest, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_evidence_keeps_characters_that_are_not_ascii, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_run_reads_one_state_of_the_inventory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_checks_findings_in_any_order_are_not_sorted_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_first_failure_not_in_utf8_is_named_in_the_summary, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
