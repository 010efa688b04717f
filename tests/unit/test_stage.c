/* A sync's staging area (db/stage): what is written to the stage replaces
 * the inventory's rows in one transaction, touching only what differs; the
 * name index follows; an action logged since the stage was taken makes it
 * stale and nothing is applied; the operator's own tables never pass
 * through it. */
#include "support/testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/audit.h"
#include "db/db.h"
#include "db/records.h"
#include "db/stage.h"

static char *g_dir, *g_path;
static struct inv *g_db;

static int setup(void **state)
{
	struct inv_open_opts o = { 0 };
	struct ow_err e = { 0 };

	(void)state;
	g_dir = tu_tmpdir();
	g_path = tu_path(g_dir, "inv.db");
	o.path = g_path;
	assert_int_equal(inv_open(&o, &g_db, &e), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	inv_close(g_db);
	tu_rmtree(g_dir);
	free(g_dir);
	free(g_path);
	return 0;
}

static void put_assoc(struct inv *db, int64_t src, const char *source, const char *restore,
                      int64_t now)
{
	struct inv_assoc a = { 0 };
	struct ow_err e = { 0 };

	a.source_id = src;
	a.restore_id = src + 1;
	a.source_name = (char *)source;
	a.restore_name = (char *)restore;
	a.migration_type = a.migration_behavior = a.migration_status = INV_NULL;
	a.store_created = a.store_released = a.store_deleted = INV_NULL;
	if (inv_put_assoc(db, &a, now, &e) != 0)
		fail_msg("put: %s", e.msg);
}

static bool stage_file_left(void)
{
	DIR *d = opendir(g_dir);
	struct dirent *de;
	bool found = false;

	assert_non_null(d);
	while ((de = readdir(d)))
		found |= strncmp(de->d_name, ".osdwarden-sync-", 16) == 0;
	closedir(d);
	return found;
}

static long long count(const char *sql)
{
	return tu_sql_int(g_path, sql);
}

/* Stages, lets fn write to the stage, applies and commits. */
static int apply(void (*fn)(struct inv *stage), bool *stale, struct ow_err *e)
{
	struct inv *st = NULL;
	int rc;

	assert_int_equal(inv_stage_open(g_db, &st, e), 0);
	assert_int_equal(inv_begin(st, e), 0);
	fn(st);
	assert_int_equal(inv_commit(st, e), 0);
	rc = inv_stage_apply(g_db, st, stale, e);
	if (rc == 0)
		assert_int_equal(inv_commit(g_db, e), 0);
	inv_stage_close(g_db, st);
	return rc;
}

static void first_sync(struct inv *st)
{
	put_assoc(st, 100, "WS-ALPHA", "WS-BETA", 10);
	put_assoc(st, 200, "WS-GAMMA", "WS-DELTA", 10);
	put_assoc(st, 300, "WS-EPSILON", "WS-ZETA", 10);
}

static void second_sync(struct inv *st)
{
	struct ow_err e = { 0 };

	put_assoc(st, 100, "WS-ALPHA", "WS-RENAMED", 20);   /* renamed */
	put_assoc(st, 200, "WS-GAMMA", "WS-DELTA", 20);     /* seen again */
	put_assoc(st, 400, "WS-NEW", "WS-NEWER", 20);       /* new */
	/* 300 not seen: gone */
	assert_true(inv_mark_gone(st, "associations", 20, 20, &e) >= 0);
}

static void test_the_stage_replaces_only_what_differs_and_the_index_follows(void **state)
{
	struct ow_err e = { 0 };
	bool stale = true;

	(void)state;
	assert_int_equal(apply(first_sync, &stale, &e), 0);
	assert_false(stale);
	assert_int_equal(count("SELECT count(*) FROM associations"), 3);
	long long id100 = count("SELECT id FROM associations WHERE source_id = 100");
	assert_int_equal(apply(second_sync, &stale, &e), 0);
	assert_false(stale);
	/* ids and first_seen kept, values and last_seen new, the unseen gone */
	assert_int_equal(count("SELECT id FROM associations WHERE source_id = 100"), id100);
	assert_int_equal(count("SELECT count(*) FROM associations WHERE source_id = 100 AND "
	                       "restore_name = 'WS-RENAMED' AND first_seen = 10 AND last_seen = 20"), 1);
	assert_int_equal(count("SELECT count(*) FROM associations WHERE source_id = 200 AND "
	                       "last_seen = 20 AND gone_at IS NULL"), 1);
	assert_int_equal(count("SELECT count(*) FROM associations WHERE source_id = 300 AND "
	                       "gone_at = 20"), 1);
	assert_int_equal(count("SELECT count(*) FROM associations WHERE source_id = 400 AND "
	                       "first_seen = 20"), 1);
	/* the trigram index (queried as db/list does: an AND of 3-grams)
	 * answers with the new names, not the old */
	assert_int_equal(count("SELECT count(*) FROM assoc_fts WHERE assoc_fts MATCH '\"REN\" AND \"AME\" AND \"MED\"'"), 1);
	assert_int_equal(count("SELECT count(*) FROM assoc_fts WHERE assoc_fts MATCH '\"BET\" AND \"ETA\"'"), 0);
	assert_int_equal(count("SELECT count(*) FROM assoc_fts WHERE assoc_fts MATCH '\"NEW\"'"), 1);
	assert_int_equal(count("SELECT hold FROM assoc_fts_hold"), 0);
	/* the stage's file is gone */
	assert_false(stage_file_left());
}

static void many_new(struct inv *st)
{
	char a[32], b[32];

	for (int i = 0; i < 10050; i++) {
		snprintf(a, sizeof a, "BULK-%05d", i);
		snprintf(b, sizeof b, "DEST-%05d", i);
		put_assoc(st, 1000 + 2 * i, a, b, 30);
	}
}

/* Many new rows take the bulk path (triggers held, one rebuild): the
 * index must hold every row all the same. */
static void test_a_bulk_stage_rebuilds_the_name_index(void **state)
{
	struct ow_err e = { 0 };
	bool stale = true;

	(void)state;
	assert_int_equal(apply(many_new, &stale, &e), 0);
	assert_int_equal(count("SELECT count(*) FROM associations"), 10050);
	assert_int_equal(count("SELECT count(*) FROM assoc_fts WHERE assoc_fts MATCH '\"LK-\" AND \"K-0\"'"),
	                 10000);
	assert_int_equal(count("SELECT count(*) FROM assoc_fts WHERE assoc_fts MATCH '\"100\" AND \"004\" AND \"049\"'"),
	                 1);
	assert_int_equal(count("SELECT hold FROM assoc_fts_hold"), 0);
}

static void touch_all(struct inv *st)
{
	put_assoc(st, 100, "WS-CHANGED", "WS-BETA", 40);
}

/* A write to the site recorded after the stage was taken: the stage may be
 * older than what it recorded, so nothing is applied. An attestation
 * changes none of the sync's tables and does not count. */
static void test_an_action_since_the_stage_makes_it_stale(void **state)
{
	struct inv *st = NULL;
	struct ow_err e = { 0 };
	bool stale = false;

	(void)state;
	assert_int_equal(apply(first_sync, &stale, &e), 0);

	assert_int_equal(inv_stage_open(g_db, &st, &e), 0);
	assert_int_equal(inv_begin(st, &e), 0);
	touch_all(st);
	assert_int_equal(inv_commit(st, &e), 0);
	assert_int_equal(audit_append(g_db, 35, "attest", "OSD-X", "note", "recorded", &e), 0);
	assert_int_equal(audit_append(g_db, 35, "cert.block", "{C}", "POST", "applied", &e), 0);
	assert_int_not_equal(inv_stage_apply(g_db, st, &stale, &e), 0);
	assert_true(stale);
	assert_non_null(strstr(e.msg, "cert.block"));
	inv_stage_close(g_db, st);
	assert_int_equal(count("SELECT count(*) FROM associations WHERE source_name = 'WS-CHANGED'"), 0);

	/* only harmless rows since: applied */
	memset(&e, 0, sizeof e);
	assert_int_equal(inv_stage_open(g_db, &st, &e), 0);
	assert_int_equal(inv_begin(st, &e), 0);
	touch_all(st);
	assert_int_equal(inv_commit(st, &e), 0);
	assert_int_equal(audit_append(g_db, 36, "waive", "OSD-Y", "why", "recorded", &e), 0);
	assert_int_equal(inv_stage_apply(g_db, st, &stale, &e), 0);
	assert_false(stale);
	assert_int_equal(inv_commit(g_db, &e), 0);
	inv_stage_close(g_db, st);
	assert_int_equal(count("SELECT count(*) FROM associations WHERE source_name = 'WS-CHANGED'"), 1);
}

/* The stage holds the sync's tables only: a write to an operator table
 * through it fails instead of being lost when the stage is dropped. */
static void test_the_stage_has_none_of_the_operators_tables(void **state)
{
	struct inv *st = NULL;
	struct ow_err e = { 0 };

	(void)state;
	assert_int_equal(inv_stage_open(g_db, &st, &e), 0);
	assert_int_not_equal(audit_append(st, 1, "x", "y", "z", "w", &e), 0);
	inv_stage_close(g_db, st);
}

/* A sync killed before its end leaves its stage behind; the next one
 * deletes it, but never the stage of a sync still running (it holds a
 * lock on its file) nor anything that is not a stage file of ours. */
static void test_a_killed_syncs_stage_is_swept_and_a_live_one_kept(void **state)
{
	char *stale = tu_path(g_dir, ".osdwarden-sync-KILLED"), *live = tu_path(g_dir,
	                                                                     ".osdwarden-sync-RUNNING");
	char *other = tu_path(g_dir, "notes.txt");
	struct inv *st = NULL;
	struct ow_err e = { 0 };
	int fd;

	(void)state;
	assert_int_equal(tu_write_file(stale, "x", 1), 0);
	assert_int_equal(tu_write_file(live, "y", 1), 0);
	assert_int_equal(tu_write_file(other, "z", 1), 0);
	fd = open(live, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);   /* a sync at work */
	assert_int_equal(inv_stage_open(g_db, &st, &e), 0);
	inv_stage_close(g_db, st);
	assert_int_equal(access(stale, F_OK), -1);
	assert_int_equal(access(live, F_OK), 0);
	assert_int_equal(access(other, F_OK), 0);
	close(fd);
	free(stale);
	free(live);
	free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_the_stage_replaces_only_what_differs_and_the_index_follows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_bulk_stage_rebuilds_the_name_index, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_an_action_since_the_stage_makes_it_stale, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_the_stage_has_none_of_the_operators_tables, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_a_killed_syncs_stage_is_swept_and_a_live_one_kept,
		                                setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
