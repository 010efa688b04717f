#include "support/testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/checkstore.h"
#include "db/db.h"
#include "db/records.h"
#include "db/schema.h"

struct fx {
	char *dir;
	char *path;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	f->dir = tu_tmpdir();
	f->path = tu_path(f->dir, "inventory.db");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tu_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

static struct inv *open_ok(const char *path, bool ro, int version)
{
	struct inv_open_opts o = { .path = path, .read_only = ro, .target_version = version };
	struct ow_err e = { 0 };
	struct inv *db = NULL;

	if (inv_open(&o, &db, &e) != 0)
		fail_msg("inv_open(%s): %s", path, e.msg);
	return db;
}

static int open_fails(const char *path, bool ro, struct ow_err *e)
{
	struct inv_open_opts o = { .path = path, .read_only = ro };
	struct inv *db = NULL;
	int rc = inv_open(&o, &db, e);

	assert_null(db);
	return rc;
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *s;

	assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
	assert_int_equal(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(s);
}

static unsigned mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void put_cert(struct inv *db, const char *smsid, int64_t now)
{
	struct inv_cert c = {
		.smsid = (char *)smsid, .site_code = (char *)"HLD", .type = 2, .key_type = 1,
		.is_blocked = 0, .is_approved = 1, .issued_to = (char *)"PXE01",
		.server_name = (char *)"PXE01", .valid_from = 1700000000, .valid_until = INV_NULL,
		.thumbprint = NULL, .raw_json = (char *)"{}",
	};
	struct ow_err e = { 0 };

	if (inv_put_cert(db, &c, now, &e) != 0)
		fail_msg("put: %s", e.msg);
	assert_true(c.id > 0);
}

static void test_fresh_inventory_is_latest_version_in_wal_mode(void **state)
{
	struct fx *f = *state;
	struct inv *db = open_ok(f->path, false, 0);
	struct ow_err e = { 0 };

	assert_int_equal(inv_version(db, &e), schema_latest_version());
	assert_true(schema_latest_version() >= 2);
	inv_close(db);
	assert_int_equal(tu_sql_int(f->path, "PRAGMA user_version"), schema_latest_version());
	assert_int_equal(tu_sql_int(f->path, "SELECT count(*) FROM settings"), 12);
	/* WAL is recorded in the header: read/write versions 2. */
	assert_int_equal(tu_sql_int(f->path, "SELECT count(*) FROM pragma_journal_mode "
	                                  "WHERE journal_mode = 'wal'"), 1);
}

/* A new inventory has 16 KiB pages (a first check run at a million
 * findings stored them in half the system time); one made with 4 KiB
 * pages keeps them and its rows (opening never rewrites a file). */
static void test_a_new_inventory_has_16k_pages_and_an_old_one_keeps_its_own(void **state)
{
	struct fx *f = *state;
	char *old = tu_path(f->dir, "old.db");
	struct inv *db = open_ok(f->path, false, 0);

	inv_close(db);
	assert_int_equal(tu_sql_int(f->path, "PRAGMA page_size"), 16384);
	/* as osdwarden made them before: schema version 1, 4 KiB pages */
	raw_exec(old, "PRAGMA page_size=4096; VACUUM");
	db = open_ok(old, false, 1);
	put_cert(db, "{A}", 1000);
	inv_close(db);
	assert_int_equal(tu_sql_int(old, "PRAGMA page_size"), 4096);
	db = open_ok(old, false, 0);
	inv_close(db);
	assert_int_equal(tu_sql_int(old, "PRAGMA page_size"), 4096);
	assert_int_equal(tu_sql_int(old, "PRAGMA user_version"), schema_latest_version());
	assert_int_equal(tu_sql_int(old, "SELECT count(*) FROM certificates"), 1);
	free(old);
}

static void test_default_location_is_private_even_with_umask_zero(void **state)
{
	struct fx *f = *state;
	char *xdg = tu_path(f->dir, "xdg/data"), *dir, *file;
	struct inv_open_opts o = { 0 };
	struct ow_err e = { 0 };
	struct inv *db;
	mode_t old = umask(0);

	setenv("XDG_DATA_HOME", xdg, 1);
	assert_int_equal(inv_open(&o, &db, &e), 0);
	umask(old);
	dir = tu_path(xdg, "osdwarden");
	file = tu_path(dir, "inventory.db");
	assert_string_equal(inv_path(db), file);
	assert_int_equal(mode_of(dir), 0700);
	assert_int_equal(mode_of(file), 0600);
	/* The WAL and shared-memory files follow the database's mode: looked
	 * at while the connection holds them (the last close deletes them);
	 * mode_of fails the test when one is absent. */
	{
		char *wal = tu_path(dir, "inventory.db-wal"), *shm = tu_path(dir, "inventory.db-shm");
		assert_int_equal(mode_of(wal), 0600);
		assert_int_equal(mode_of(shm), 0600);
		free(wal);
		free(shm);
	}
	inv_close(db);
	free(xdg);
	free(dir);
	free(file);
}

static void test_loose_default_directory_is_tightened(void **state)
{
	struct fx *f = *state;
	char *xdg = tu_path(f->dir, "xdg"), *dir = tu_path(xdg, "osdwarden");
	struct inv_open_opts o = { 0 };
	struct ow_err e = { 0 };
	struct inv *db;

	assert_int_equal(mkdir(xdg, 0755), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	setenv("XDG_DATA_HOME", xdg, 1);
	assert_int_equal(inv_open(&o, &db, &e), 0);
	assert_int_equal(mode_of(dir), 0700);
	assert_int_equal(mode_of(xdg), 0755);   /* not ours: untouched */
	inv_close(db);
	free(xdg);
	free(dir);
}

static void test_db_option_creates_private_file_and_leaves_parent_alone(void **state)
{
	struct fx *f = *state;
	char *sub = tu_path(f->dir, "shared"), *file = tu_path(sub, "x.db");
	char *fresh = tu_path(f->dir, "new/deeper/y.db"), *fresh_dir = tu_path(f->dir, "new/deeper");
	struct inv *db;

	assert_int_equal(mkdir(sub, 0755), 0);
	db = open_ok(file, false, 0);
	inv_close(db);
	assert_int_equal(mode_of(sub), 0755);
	assert_int_equal(mode_of(file), 0600);
	/* Missing directories are created private. */
	db = open_ok(fresh, false, 0);
	inv_close(db);
	assert_int_equal(mode_of(fresh_dir), 0700);
	assert_int_equal(mode_of(fresh), 0600);
	free(sub);
	free(file);
	free(fresh);
	free(fresh_dir);
}

static void test_existing_group_readable_inventory_is_tightened(void **state)
{
	struct fx *f = *state;
	struct inv *db = open_ok(f->path, false, 0);

	inv_close(db);
	assert_int_equal(chmod(f->path, 0644), 0);
	db = open_ok(f->path, false, 0);
	inv_close(db);
	assert_int_equal(mode_of(f->path), 0600);
}

static void test_older_inventory_is_migrated_and_keeps_its_rows(void **state)
{
	struct fx *f = *state;
	struct inv *db = open_ok(f->path, false, 1);
	struct inv_cert c = { .smsid = (char *)"{A}" };
	struct ow_err e = { 0 };

	put_cert(db, "{A}", 1000);
	inv_close(db);
	assert_int_equal(tu_sql_int(f->path, "PRAGMA user_version"), 1);
	assert_int_equal(tu_sql_int(f->path, "SELECT count(*) FROM settings"), 0);

	db = open_ok(f->path, false, 0);
	assert_int_equal(inv_version(db, &e), schema_latest_version());
	assert_int_equal(inv_get_cert(db, &c, &e), 0);
	assert_string_equal(c.issued_to, "PXE01");
	inv_free_cert(&c);
	inv_close(db);
	assert_int_equal(tu_sql_int(f->path, "SELECT count(*) FROM settings"), 12);
	assert_int_equal(tu_sql_int(f->path, "SELECT count(*) FROM sqlite_schema "
	                                  "WHERE name = 'assoc_released'"), 1);
}

static void test_newer_inventory_is_refused_and_left_untouched(void **state)
{
	struct fx *f = *state;
	struct inv *db = open_ok(f->path, false, 0);
	struct ow_err e = { 0 };
	char *before, *after;
	size_t n1, n2;

	inv_close(db);
	raw_exec(f->path, "PRAGMA user_version = 99");
	before = tu_read_file(f->path, &n1);
	assert_int_equal(open_fails(f->path, false, &e), OW_EINPUT);
	assert_non_null(strstr(e.msg, "schema version 99"));
	assert_non_null(strstr(e.msg, "newer"));
	after = tu_read_file(f->path, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(before, after, n1);
	assert_int_equal(tu_sql_int(f->path, "PRAGMA user_version"), 99);
	free(before);
	free(after);
}

static void test_file_that_is_not_sqlite_is_refused_and_left_untouched(void **state)
{
	struct fx *f = *state;
	static const char text[] = "these are my notes, not a database\n";
	struct ow_err e = { 0 };
	char *after, *wal = tu_path(f->dir, "inventory.db-wal");
	size_t n;

	assert_int_equal(tu_write_file(f->path, text, sizeof text - 1), 0);
	assert_int_equal(open_fails(f->path, false, &e), OW_EINPUT);
	assert_non_null(strstr(e.msg, "not an SQLite database"));
	assert_non_null(strstr(e.msg, "untouched"));
	after = tu_read_file(f->path, &n);
	assert_int_equal(n, sizeof text - 1);
	assert_memory_equal(after, text, n);
	assert_false(access(wal, F_OK) == 0);
	free(after);
	free(wal);
}

static void test_corrupt_inventory_is_refused_and_left_untouched(void **state)
{
	struct fx *f = *state;
	struct inv *db = open_ok(f->path, false, 0);
	struct ow_err e = { 0 };
	char *data, *after;
	size_t n, n2;

	put_cert(db, "{A}", 1000);
	inv_close(db);
	data = tu_read_file(f->path, &n);
	assert_true(n > 4096);
	/* Keep the 100-byte header, garble the schema page that follows. */
	memset(data + 100, 0xA5, 4096 - 100);
	assert_int_equal(tu_write_file(f->path, data, n), 0);
	assert_int_equal(open_fails(f->path, false, &e), OW_EINPUT);
	assert_true(strstr(e.msg, "damaged") || strstr(e.msg, "not an SQLite"));
	assert_non_null(strstr(e.msg, "untouched"));
	after = tu_read_file(f->path, &n2);
	assert_int_equal(n, n2);
	assert_memory_equal(data, after, n);
	free(data);
	free(after);
}

static void test_sqlite_database_of_another_program_is_refused(void **state)
{
	struct fx *f = *state;
	struct ow_err e = { 0 };

	raw_exec(f->path, "CREATE TABLE moz_places(id INTEGER PRIMARY KEY, url TEXT)");
	assert_int_equal(open_fails(f->path, false, &e), OW_EINPUT);
	assert_non_null(strstr(e.msg, "another program"));
	assert_int_equal(tu_sql_int(f->path, "SELECT count(*) FROM sqlite_schema"), 1);
}

static void test_read_only_never_creates_or_writes(void **state)
{
	struct fx *f = *state;
	struct ow_err e = { 0 };
	struct inv *db;
	struct inv_cert c = { .smsid = (char *)"{B}", .valid_until = INV_NULL };

	assert_int_equal(open_fails(f->path, true, &e), OW_EINPUT);
	assert_non_null(strstr(e.msg, "no inventory"));
	assert_false(access(f->path, F_OK) == 0);

	db = open_ok(f->path, false, 0);
	inv_close(db);
	db = open_ok(f->path, true, 0);
	assert_true(inv_read_only(db));
	assert_int_not_equal(inv_put_cert(db, &c, 1, &e), 0);
	assert_non_null(strstr(e.msg, "read-only"));
	inv_close(db);
}

static bool exists(const char *dir, const char *name)
{
	char *p = tu_path(dir, name);
	bool yes = access(p, F_OK) == 0;

	free(p);
	return yes;
}

static void test_read_only_leaves_no_wal_or_shm_behind(void **state)
{
	struct fx *f = *state;
	struct inv *db = open_ok(f->path, false, 0);
	struct ow_err e = { 0 };

	put_cert(db, "{A}", 1000);
	inv_close(db);
	assert_false(exists(f->dir, "inventory.db-wal"));
	assert_false(exists(f->dir, "inventory.db-shm"));
	db = open_ok(f->path, true, 0);
	assert_int_equal(inv_version(db, &e), schema_latest_version());
	inv_close(db);
	assert_false(exists(f->dir, "inventory.db-wal"));
	assert_false(exists(f->dir, "inventory.db-shm"));
}

static void test_read_only_leaves_a_writers_wal_alone(void **state)
{
	struct fx *f = *state;
	struct inv *w = open_ok(f->path, false, 0), *r;
	struct inv_cert c = { .smsid = (char *)"{A}" };
	struct ow_err e = { 0 };

	put_cert(w, "{A}", 1000);
	r = open_ok(f->path, true, 0);
	assert_int_equal(inv_get_cert(r, &c, &e), 0);
	inv_free_cert(&c);
	inv_close(r);
	/* the writer's WAL still holds its row, and it still works */
	assert_true(exists(f->dir, "inventory.db-wal"));
	assert_true(exists(f->dir, "inventory.db-shm"));
	put_cert(w, "{B}", 1001);
	inv_close(w);
	assert_int_equal(tu_sql_int(f->path, "SELECT count(*) FROM certificates"), 2);
}

/* must_exist refuses what is not there and never takes away what is: in
 * read-only mode nothing is created, so nothing may be removed either (a
 * flag read uninitialised there unlinked the inventory in CI). */
static void test_must_exist_refuses_a_missing_file_and_keeps_an_existing_one(void **state)
{
	struct fx *f = *state;
	struct ow_err e = { 0 };
	struct inv *db;

	for (int ro = 0; ro < 2; ro++) {
		struct inv_open_opts o = { .path = f->path, .read_only = ro, .must_exist = true };
		assert_int_not_equal(inv_open(&o, &db, &e), 0);
		assert_non_null(strstr(e.msg, "no inventory at"));
		assert_int_not_equal(access(f->path, F_OK), 0);
		memset(&e, 0, sizeof e);
	}
	tu_new_inventory(f->path);
	for (int i = 0; i < 8; i++) {
		struct inv_open_opts o = { .path = f->path, .read_only = i % 2, .must_exist = true };
		if (inv_open(&o, &db, &e) != 0)
			fail_msg("open %d (%s): %s", i, i % 2 ? "read-only" : "read-write", e.msg);
		inv_close(db);
		assert_int_equal(access(f->path, F_OK), 0);
	}
}

static void test_db_in_a_world_writable_directory_is_warned_about(void **state)
{
	struct fx *f = *state;
	static const mode_t modes[] = { 0777, 01777 };

	for (int i = 0; i < 2; i++) {
		char name[16], *dir, *file;
		struct tu_run r;

		snprintf(name, sizeof name, "open%d", i);
		dir = tu_path(f->dir, name);
		file = tu_path(dir, "inv.db");
		assert_int_equal(mkdir(dir, 0700), 0);
		assert_int_equal(chmod(dir, modes[i]), 0);
		r = tu_cli(file, (const char *const[]){ "settings", NULL });
		assert_int_equal(r.rc, 0);
		if (!strstr(r.err, dir) || !strstr(r.err, "world-writable"))
			fail_msg("no warning naming %s: '%s'", dir, r.err);
		tu_run_free(&r);
		free(dir);
		free(file);
	}
	/* a private directory: no warning */
	{
		struct tu_run r = tu_cli(f->path, (const char *const[]){ "settings", NULL });
		assert_int_equal(r.rc, 0);
		assert_null(strstr(r.err, "world-writable"));
		tu_run_free(&r);
	}
}

/* Each planted object is refused at open, read-write and read-only, with a
 * message that names it and says how to remove it; the file is unchanged. */
static void expect_refused(const struct fx *f, const char *name, const char *remedy)
{
	struct ow_err e = { 0 };

	for (int ro = 0; ro < 2; ro++) {
		memset(&e, 0, sizeof e);
		assert_int_equal(open_fails(f->path, ro, &e), OW_EINPUT);
		if (!strstr(e.msg, name) || !strstr(e.msg, remedy))
			fail_msg("%s open: '%s' does not name %s and '%s'", ro ? "read-only" : "read-write",
			         e.msg, name, remedy);
	}
}

static void test_a_planted_trigger_is_refused_at_open(void **state)
{
	struct fx *f = *state;
	struct inv *db = open_ok(f->path, false, 0);

	inv_close(db);
	raw_exec(f->path, "CREATE TRIGGER x AFTER INSERT ON audit BEGIN "
	                  "DELETE FROM audit WHERE action IN ('attest','waive'); END");
	expect_refused(f, "trigger x", "DROP TRIGGER x");
	assert_int_equal(tu_sql_int(f->path, "SELECT count(*) FROM sqlite_schema WHERE name='x'"), 1);
}

static void test_a_planted_view_is_refused_at_open(void **state)
{
	struct fx *f = *state;
	struct inv *db = open_ok(f->path, false, 0);

	inv_close(db);
	raw_exec(f->path, "CREATE VIEW v AS SELECT * FROM audit");
	expect_refused(f, "view v", "DROP VIEW v");
}

static void test_a_changed_trigger_of_ours_is_refused_at_open(void **state)
{
	struct fx *f = *state;
	struct inv *db = open_ok(f->path, false, 0);

	inv_close(db);
	raw_exec(f->path, "DROP TRIGGER assoc_fts_insert; CREATE TRIGGER assoc_fts_insert AFTER "
	                  "INSERT ON associations BEGIN DELETE FROM audit; END");
	expect_refused(f, "assoc_fts_insert", "restore");
}

static void test_a_changed_audit_table_is_refused_at_open(void **state)
{
	struct fx *f = *state;
	struct inv *db = open_ok(f->path, false, 0);

	inv_close(db);
	raw_exec(f->path, "DROP TABLE audit; CREATE TABLE audit (seq INTEGER PRIMARY KEY, ts INTEGER,"
	                  " operator TEXT, host TEXT, ssh_client TEXT, action TEXT CHECK (action <> "
	                  "'waive'), target TEXT, request TEXT, outcome TEXT, prev_hash TEXT, hash TEXT)");
	expect_refused(f, "table audit", "restore");
}

static void test_an_older_inventory_with_a_planted_trigger_is_refused_before_migrating(void **state)
{
	struct fx *f = *state;
	struct inv *db = open_ok(f->path, false, 1);
	struct ow_err e = { 0 };

	inv_close(db);
	raw_exec(f->path, "CREATE TRIGGER y AFTER UPDATE ON waivers BEGIN DELETE FROM audit; END");
	assert_int_equal(open_fails(f->path, false, &e), OW_EINPUT);
	assert_non_null(strstr(e.msg, "DROP TRIGGER y"));
	assert_int_equal(tu_sql_int(f->path, "PRAGMA user_version"), 1);
	/* and without it, the older inventory opens and migrates */
	raw_exec(f->path, "DROP TRIGGER y");
	db = open_ok(f->path, false, 0);
	assert_int_equal(inv_version(db, &e), schema_latest_version());
	inv_close(db);
}

static void test_an_extra_index_or_table_is_tolerated(void **state)
{
	struct fx *f = *state;
	struct inv *db = open_ok(f->path, false, 0);

	inv_close(db);
	raw_exec(f->path, "CREATE INDEX mine ON certificates(thumbprint); CREATE TABLE notes(t TEXT);"
	                  "ANALYZE");
	db = open_ok(f->path, false, 0);
	inv_close(db);
}

static void test_read_only_refuses_to_migrate(void **state)
{
	struct fx *f = *state;
	struct inv *db = open_ok(f->path, false, 1);
	struct ow_err e = { 0 };

	inv_close(db);
	assert_int_equal(open_fails(f->path, true, &e), OW_EINPUT);
	assert_non_null(strstr(e.msg, "without --read-only"));
	assert_int_equal(tu_sql_int(f->path, "PRAGMA user_version"), 1);
}

static void test_put_updates_in_place_and_keeps_first_seen(void **state)
{
	struct fx *f = *state;
	struct inv *db = open_ok(f->path, false, 0);
	struct inv_cert c = { .smsid = (char *)"{A}" };
	struct ow_err e = { 0 };
	int64_t first_id;

	put_cert(db, "{A}", 1000);
	assert_int_equal(inv_get_cert(db, &c, &e), 0);
	first_id = c.id;
	assert_int_equal(c.seen.first_seen, 1000);
	assert_int_equal(c.valid_until, INV_NULL);   /* unknown stays unknown */
	assert_int_equal(c.is_blocked, 0);
	inv_free_cert(&c);

	c = (struct inv_cert){ .smsid = (char *)"{A}", .issued_to = (char *)"PXE09",
	                       .type = 2, .key_type = INV_NULL, .is_blocked = 1,
	                       .is_approved = INV_NULL, .valid_from = INV_NULL,
	                       .valid_until = 1900000000 };
	assert_int_equal(inv_put_cert(db, &c, 2000, &e), 0);
	assert_int_equal(c.id, first_id);
	c = (struct inv_cert){ .smsid = (char *)"{A}" };
	assert_int_equal(inv_get_cert(db, &c, &e), 0);
	assert_string_equal(c.issued_to, "PXE09");
	assert_int_equal(c.is_blocked, 1);
	assert_int_equal(c.valid_until, 1900000000);
	assert_int_equal(c.seen.first_seen, 1000);
	assert_int_equal(c.seen.last_seen, 2000);
	assert_int_equal(c.seen.gone_at, INV_NULL);
	inv_free_cert(&c);
	inv_close(db);
}

/* A lean load (the checklist's snapshot) leaves the raw JSON out and
 * everything else in; a plain load keeps it; INV_LOAD_GONE adds gone rows. */
static void test_a_lean_load_leaves_only_the_raw_json_out(void **state)
{
	struct fx *f = *state;
	struct inv *db = open_ok(f->path, false, 0);
	struct inv_dp d;
	struct inv_dp *all = NULL;
	struct ow_err e = { 0 };
	size_t n = 0;

	inv_record_init(INV_REC_dp, &d);
	d.site_code = (char *)"S01";
	d.nal_path = (char *)"n1";
	d.server_name = (char *)"DP01";
	d.is_pxe = 1;
	d.raw_json = (char *)"{\"ServerName\":\"DP01\"}";
	assert_int_equal(inv_put_dp(db, &d, 1000, &e), 0);
	assert_int_equal(inv_load_dp(db, 0, &all, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(all[0].raw_json, "{\"ServerName\":\"DP01\"}");
	inv_unload_dp(all, n);
	assert_int_equal(inv_load_dp(db, INV_LOAD_LEAN, &all, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_null(all[0].raw_json);
	assert_string_equal(all[0].server_name, "DP01");
	assert_string_equal(all[0].nal_path, "n1");
	assert_int_equal(all[0].is_pxe, 1);
	inv_unload_dp(all, n);
	inv_close(db);
}

struct stores {
	char seen[256];
};

static int on_store(void *ctx, const struct inv_assoc *a)
{
	struct stores *st = ctx;
	size_t l = strlen(st->seen);

	snprintf(st->seen + l, sizeof st->seen - l, "%lld:%lld %s>%s %s %lld %lld;",
	         (long long)a->source_id, (long long)a->restore_id, a->source_name,
	         a->restore_name, a->store_path, (long long)a->store_created,
	         (long long)a->store_released);
	return 0;
}

/* What the association checks read: current rows only, released stores
 * or held ones with a creation date, apart. */
static void test_associations_are_read_by_kind_of_store(void **state)
{
	struct fx *f = *state;
	struct inv *db = open_ok(f->path, false, 0);
	struct ow_err e = { 0 };
	struct stores held = { "" }, released = { "" };

	tu_sql_exec(f->path, "INSERT INTO associations(source_id, restore_id, source_name,"
	                 " restore_name, store_path, store_created, store_released, gone_at,"
	                 " first_seen, last_seen) VALUES"
	                 " (1, 2, 'A', 'B', 'p1', 10, NULL, NULL, 1, 1),"
	                 " (3, 4, 'C', 'D', 'p2', 20, 30, NULL, 1, 1),"
	                 " (5, 6, 'E', 'F', 'p3', NULL, NULL, NULL, 1, 1),"
	                 " (7, 8, 'G', 'H', 'p4', 40, 50, 99, 1, 1),"
	                 " (9, 10, 'I', 'J', 'p5', NULL, 60, NULL, 1, 1)");
	assert_int_equal(inv_each_assoc_store(db, false, on_store, &held, &e), 0);
	assert_int_equal(inv_each_assoc_store(db, true, on_store, &released, &e), 0);
	assert_string_equal(held.seen, "1:2 A>B p1 10 -9223372036854775808;");
	assert_string_equal(released.seen, "3:4 C>D p2 20 30;9:10 I>J p5 -9223372036854775808 60;");
	inv_close(db);
}

static void test_rows_not_seen_by_a_sync_are_marked_gone(void **state)
{
	struct fx *f = *state;
	struct inv *db = open_ok(f->path, false, 0);
	struct inv_cert c = { .smsid = (char *)"{OLD}" };
	struct ow_err e = { 0 };

	put_cert(db, "{OLD}", 1000);
	put_cert(db, "{KEPT}", 1000);
	put_cert(db, "{KEPT}", 2000);
	assert_int_equal(inv_mark_gone(db, "certificates", 2000, 2001, &e), 1);
	assert_int_equal(inv_count(db, "certificates", &e), 1);
	assert_int_equal(inv_get_cert(db, &c, &e), 0);
	assert_int_equal(c.seen.gone_at, 2001);
	inv_free_cert(&c);
	/* Seen again: back from the dead. */
	put_cert(db, "{OLD}", 3000);
	assert_int_equal(inv_count(db, "certificates", &e), 2);
	/* Table names reach SQL only from the known list. */
	assert_int_equal(inv_count(db, "certificates; DROP TABLE dps", &e), -1);
	inv_close(db);
}

static void test_composite_keys_and_child_rows(void **state)
{
	struct fx *f = *state;
	struct inv *db = open_ok(f->path, false, 0);
	struct ow_err e = { 0 };
	struct inv_smp smp = { .site_code = (char *)"HLD", .nal_path = (char *)"[\"Display=\\\\SMP01\\\"]",
	                       .server_name = (char *)"SMP01", .restore_only = 0,
	                       .deletion_delay_min = 0, .deletion_cycle_min = 1440,
	                       .ssl_state = INV_NULL };
	struct inv_smp_folder fo = { .directory = (char *)"D:\\USMT", .max_clients = 100,
	                             .min_disk_space = INV_NULL, .min_disk_unit = 1 };
	struct inv_assoc a = { .source_id = 16777220, .restore_id = 16777221,
	                       .source_name = (char *)"OLDPC", .migration_type = 1,
	                       .migration_behavior = 0, .migration_status = 2,
	                       .store_created = 1700000000, .store_released = 1710000000,
	                       .store_deleted = INV_NULL };
	struct inv_assoc k = { .source_id = 16777220, .restore_id = 16777221 };
	struct inv_assoc other = { .source_id = 16777220, .restore_id = 1 };

	assert_int_equal(inv_put_smp(db, &smp, 10, &e), 0);
	fo.smp_id = smp.id;
	assert_int_equal(inv_put_smp_folder(db, &fo, 10, &e), 0);
	assert_int_equal(inv_put_assoc(db, &a, 10, &e), 0);
	assert_int_equal(inv_get_assoc(db, &k, &e), 0);
	assert_string_equal(k.source_name, "OLDPC");
	assert_int_equal(k.store_released, 1710000000);
	assert_int_equal(k.store_deleted, INV_NULL);
	inv_free_assoc(&k);
	assert_int_equal(inv_get_assoc(db, &other, &e), INV_NOTFOUND);
	inv_close(db);
	assert_int_equal(tu_sql_int(f->path, "SELECT min_disk_space IS NULL FROM smp_folders"), 1);
}

/* The capabilities a site's $metadata showed, kept per provider with the
 * time they were read; a newer read replaces the older. */
static void test_site_capabilities_are_cached_per_provider_with_their_time(void **state)
{
	struct fx *f = *state;
	struct inv *db = open_ok(f->path, false, 0);
	struct ow_err e = { 0 };
	int64_t at = 0;
	char *caps = NULL;

	assert_int_equal(inv_get_capabilities(db, "https://a/AdminService", &at, &caps, &e), INV_NOTFOUND);
	assert_null(caps);
	assert_int_equal(inv_put_capabilities(db, "https://a/AdminService", 1000, "{\"sets\":[]}", &e), 0);
	assert_int_equal(inv_put_capabilities(db, "https://b/AdminService", 1500, "{\"b\":1}", &e), 0);
	assert_int_equal(inv_put_capabilities(db, "https://a/AdminService", 2000, "{\"sets\":[\"X\"]}", &e), 0);
	assert_int_equal(inv_get_capabilities(db, "https://a/AdminService", &at, &caps, &e), 0);
	assert_int_equal(at, 2000);
	assert_string_equal(caps, "{\"sets\":[\"X\"]}");
	free(caps);
	inv_close(db);
	assert_int_equal(tu_sql_int(f->path, "SELECT count(*) FROM site_capabilities"), 2);
}

/* Two providers in one inventory, one of which could not read a class:
 * the class is not "read" (checks over it would judge the other site's
 * rows as if they were all), only when every provider read it. */
static void test_a_class_one_provider_could_not_read_is_not_read(void **state)
{
	struct fx *f = *state;
	struct inv *db = open_ok(f->path, false, 0);
	sqlite3 *s;

	inv_close(db);
	assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
	assert_int_equal(sqlite3_exec(s,
		"INSERT INTO providers(id, url, auth_mode) VALUES(1, 'https://a/AdminService', 'none'),"
		"(2, 'https://b/AdminService', 'none');"
		"INSERT INTO sync_classes(provider_id, class, status, message, synced_at) VALUES"
		"(1, 'SMS_Role', 'ok', NULL, 1), (2, 'SMS_Role', 'error', 'not exposed by this site', 1),"
		"(1, 'SMS_Admin', 'ok', NULL, 1), (2, 'SMS_Admin', 'ok', NULL, 1)", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(s);
	db = open_ok(f->path, true, 0);
	char why[200];
	assert_string_equal(inv_class_status(db, "SMS_Admin", why, sizeof why), "ok");
	assert_string_equal(why, "");
	assert_string_not_equal(inv_class_status(db, "SMS_Role", why, sizeof why), "ok");
	assert_string_equal(why, "not exposed by this site");
	assert_string_equal(inv_class_status(db, "SMS_Site", NULL, 0), "never");
	inv_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh_inventory_is_latest_version_in_wal_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_new_inventory_has_16k_pages_and_an_old_one_keeps_its_own,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_site_capabilities_are_cached_per_provider_with_their_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_location_is_private_even_with_umask_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loose_default_directory_is_tightened, setup, teardown),
		cmocka_unit_test_setup_teardown(test_db_option_creates_private_file_and_leaves_parent_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_group_readable_inventory_is_tightened, setup, teardown),
		cmocka_unit_test_setup_teardown(test_older_inventory_is_migrated_and_keeps_its_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_inventory_is_refused_and_left_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_that_is_not_sqlite_is_refused_and_left_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_inventory_is_refused_and_left_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sqlite_database_of_another_program_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_never_creates_or_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_refuses_to_migrate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_leaves_no_wal_or_shm_behind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_leaves_a_writers_wal_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_db_in_a_world_writable_directory_is_warned_about, setup, teardown),
		cmocka_unit_test_setup_teardown(test_must_exist_refuses_a_missing_file_and_keeps_an_existing_one,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_planted_trigger_is_refused_at_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_planted_view_is_refused_at_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_changed_trigger_of_ours_is_refused_at_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_changed_audit_table_is_refused_at_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_older_inventory_with_a_planted_trigger_is_refused_before_migrating, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_extra_index_or_table_is_tolerated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_updates_in_place_and_keeps_first_seen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_lean_load_leaves_only_the_raw_json_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_associations_are_read_by_kind_of_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rows_not_seen_by_a_sync_are_marked_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_composite_keys_and_child_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_class_one_provider_could_not_read_is_not_read, setup,
		                                teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
