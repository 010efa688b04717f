#include "db/db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db/internal.h"
#include "db/schema.h"
#include "db/schemacheck.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/num.h"

/* 'OSDW': marks the file as ours so that --db pointed at another
 * program's SQLite database is refused instead of migrated into. */
#define INV_APPLICATION_ID 0x4F534457

/* How long a writer waits for another one before giving up. */
enum { BUSY_MS = 5000 };

int64_t inv_now(void)
{
	/* OSDWARDEN_NOW pins the clock to one moment, so that the same
	 * inventory judged twice gives the same screens and reports (the
	 * golden screen tests); only Unix seconds that parse whole count. */
	const char *pin = getenv("OSDWARDEN_NOW");
	long at;

	if (pin && *pin && num_parse_long(pin, 0, 253402300799L, &at) == 0)
		return (int64_t)at;
	return (int64_t)time(NULL);
}

char *inv_default_path(struct ow_err *err)
{
	char *dir = fs_xdg_dir("XDG_DATA_HOME", ".local/share");
	struct buf b = BUF_INIT;

	if (!dir) {
		ow_err_set(err, OW_EINPUT, "neither XDG_DATA_HOME nor HOME is set to an "
		           "absolute path; say where the inventory lives with --db FILE");
		return NULL;
	}
	buf_addf(&b, "%s/inventory.db", dir);
	free(dir);
	return buf_detach(&b);
}

int inv_sql_error(struct inv *db, struct ow_err *err, const char *doing)
{
	int code = sqlite3_errcode(db->sql) & 0xff;

	if (code == SQLITE_NOTADB)
		return ow_err_set(err, OW_EINPUT, "%s is not an SQLite database, so not an "
		                  "osdwarden inventory; it was left untouched. Point --db at "
		                  "another file", db->path);
	if (code == SQLITE_CORRUPT)
		return ow_err_set(err, OW_EINPUT, "the inventory %s is damaged (%s) while %s; "
		                  "it was left untouched. Restore it from a backup, or move "
		                  "it aside and sync again (its audit anchor still describes the "
		                  "old file: then osdwarden audit re-anchor)", db->path,
		                  sqlite3_errmsg(db->sql), doing);
	if (code == SQLITE_READONLY && db->read_only)
		return ow_err_set(err, OW_EINPUT, "%s: the inventory is open read-only", doing);
	return ow_err_set(err, OW_EINPUT, "%s (%s): %s", doing, db->path,
	                  sqlite3_errmsg(db->sql));
}

/* Reads the first 16 bytes: an existing non-empty file must carry the
 * SQLite header before SQLite is allowed anywhere near it. */
static int check_header(const char *path, struct ow_err *err)
{
	static const char magic[16] = "SQLite format 3";
	char head[16];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return ow_err_set(err, OW_EINPUT, "cannot read %s: %s", path, strerror(errno));
	n = fread(head, 1, sizeof head, f);
	fclose(f);
	if (n == 0 || (n == sizeof head && memcmp(head, magic, sizeof magic) == 0))
		return 0;
	return ow_err_set(err, OW_EINPUT, "%s is not an SQLite database, so not an "
	                  "osdwarden inventory; it was left untouched. Point --db at "
	                  "another file", path);
}

static int pragma_int(struct inv *db, const char *sql, int *v, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return inv_sql_error(db, err, "reading the inventory header");
	}
	*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

/* WAL, which readers (the console, a check run's checks) need to read
 * while a sync or a run writes. SQLite keeps the old mode, and says so,
 * where the file system cannot share the WAL's index (some network file
 * systems): that inventory is refused, not used half-working. */
static int require_wal(struct inv *db, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->sql, "PRAGMA journal_mode=WAL", -1, &st, NULL);
	bool wal = false;

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		wal = sqlite3_column_text(st, 0) &&
		      strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return inv_sql_error(db, err, "switching to WAL");
	}
	sqlite3_finalize(st);
	if (!wal)
		return ow_err_set(err, OW_EINPUT, "the inventory %s cannot use a write-ahead log here "
		                  "(SQLite kept another journal mode: the file system cannot share "
		                  "its index, as some network file systems cannot); keep the inventory "
		                  "on a local disk (--db)", db->path);
	return 0;
}

/* Refuses foreign databases: one with another application id, or one with
 * tables but no osdwarden schema version. */
static int check_ours(struct inv *db, int version, struct ow_err *err)
{
	int app = 0, tables = 0;

	if (pragma_int(db, "PRAGMA application_id", &app, err) ||
	    pragma_int(db, "SELECT count(*) FROM sqlite_schema", &tables, err))
		return OW_EINPUT;
	if ((app != 0 && app != INV_APPLICATION_ID) || (version == 0 && tables > 0))
		return ow_err_set(err, OW_EINPUT, "%s is an SQLite database of another "
		                  "program, not an osdwarden inventory; it was left untouched. "
		                  "Point --db at another file", db->path);
	return 0;
}

/* A directory others can write lets them replace or remove the inventory
 * and, worse, create its -wal or -shm before osdwarden does (the sticky bit
 * stops the first, not the second): SQLite would then read pages they
 * wrote. Said, not refused: the operator chose the place. */
static void warn_about_location(struct inv *db)
{
	char *dir = fs_dirname(db->path);
	struct stat st;
	struct buf b = BUF_INIT;

	if (dir && stat(dir, &st) == 0 && (st.st_mode & S_IWOTH)) {
		buf_addf(&b, "the inventory's directory %s is world-writable%s: any local account "
		         "can %screate the inventory's -wal and -shm files before osdwarden does "
		         "(and so feed it pages it never wrote). Keep the inventory in a private "
		         "directory (mkdir -m 700), or omit --db for the default place", dir,
		         (st.st_mode & S_ISVTX) ? " (sticky)" : " without the sticky bit",
		         (st.st_mode & S_ISVTX) ? "" : "replace or delete the inventory, and ");
		db->warning = buf_detach(&b);
	}
	buf_free(&b);
	free(dir);
}

static bool side_file_exists(const char *path, const char *suffix)
{
	char p[4200];
	snprintf(p, sizeof p, "%s%s", path, suffix);
	return access(p, F_OK) == 0;
}

static int prepare_location(const char *path, bool is_default, bool read_only,
                            bool must_exist, struct ow_err *err)
{
	char *dir;
	int rc = 0;

	if (must_exist && !read_only && !fs_is_link(path) && !fs_exists(path))
		return ow_err_set(err, OW_EINPUT, "there is no inventory at %s: nothing was read "
		                  "there. Make one with `osdwarden --db %s sync --provider URL`, or "
		                  "give --db the inventory you meant", path, path);
	if (read_only) {
		/* Nothing is written, but the same file is refused as in
		 * read-write mode (SQLite's NOFOLLOW would say less). */
		if (fs_is_link(path))
			return ow_err_set(err, OW_EINPUT, "the inventory %s is a symbolic link; osdwarden "
			                  "does not follow it. Give --db the real file", path);
		if (!fs_exists(path))
			return ow_err_set(err, OW_EINPUT, "there is no inventory at %s yet; run "
			                  "`osdwarden sync` first, or drop --read-only", path);
		return 0;
	}
	dir = fs_dirname(path);
	if (!dir)
		return ow_err_set(err, OW_EINPUT, "out of memory");
	/* Our own directory is made private even if it existed; a directory
	 * the operator chose with --db is created private but never changed. */
	if (is_default || !fs_exists(dir))
		rc = fs_private_dir(dir, is_default, err);
	free(dir);
	return rc;
}

static int open_sqlite(struct inv *db, bool must_exist, struct ow_err *err)
{
	/* Memory statistics cost a global mutex on every allocation, which a
	 * sync makes millions of. Only possible before SQLite initialises:
	 * later calls fail harmlessly. */
	static bool configured;
	if (!configured) {
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		configured = true;
	}
	int flags = db->read_only ? SQLITE_OPEN_READONLY
	                          : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	bool created = false;   /* read-only: nothing is made */

	if (!db->read_only && fs_private_file(db->path, &created, err) != 0)
		return OW_EINPUT;
	/* Gone between prepare_location's look and here: not made after all. */
	if (must_exist && created) {
		unlink(db->path);
		return ow_err_set(err, OW_EINPUT, "the inventory %s went away while it was opened; "
		                  "nothing was made in its place", db->path);
	}
	if (check_header(db->path, err) != 0)
		return OW_EINPUT;
#ifdef SQLITE_OPEN_NOFOLLOW
	flags |= SQLITE_OPEN_NOFOLLOW;
#endif
	if (db->read_only)
		db->ro_tidy = !side_file_exists(db->path, "-wal") && !side_file_exists(db->path, "-shm");
	if (sqlite3_open_v2(db->path, &db->sql, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "opening the inventory");
	sqlite3_extended_result_codes(db->sql, 1);
	/* the file as it is now that SQLite has it open (the path itself:
	 * SQLite refused to follow a link) */
	struct stat st;
	if (lstat(db->path, &st) != 0)
		return ow_err_set(err, OW_EINPUT, "the inventory %s went away while it was opened (%s)",
		                  db->path, strerror(errno));
	db->dev = st.st_dev;
	db->ino = st.st_ino;
	/* The inventory is a file others may have written: no writing to
	 * sqlite_schema or shadow tables through SQL (DEFENSIVE). Read-only
	 * connections also distrust the schema (no function or virtual table
	 * reached from a trigger or view unless SQLite knows it harmless).
	 * Writers cannot: our own triggers keep the FTS5 index of associations,
	 * and FTS5 (3.40) does not declare itself harmless, so with
	 * trusted_schema off every association write fails ("unsafe use of
	 * virtual table"). For writers the schema check at open stands in: it
	 * admits no trigger, view or virtual table the migrations did not
	 * create, and none of ours with another definition. */
	if (sqlite3_db_config(db->sql, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL) != SQLITE_OK ||
	    (db->read_only && sqlite3_db_config(db->sql, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0,
	                                        (int *)NULL) != SQLITE_OK))
		return inv_sql_error(db, err, "hardening the inventory's connection");
	sqlite3_busy_timeout(db->sql, BUSY_MS);
	return 0;
}

static int exec(struct inv *db, const char *sql, const char *doing, struct ow_err *err)
{
	if (sqlite3_exec(db->sql, sql, NULL, NULL, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, doing);
	return 0;
}

int inv_open(const struct inv_open_opts *opts, struct inv **out, struct ow_err *err)
{
	struct inv *db = calloc(1, sizeof *db);
	int version, latest = schema_latest_version();
	char sql[64];

	*out = NULL;
	if (!db)
		return ow_err_set(err, OW_EINPUT, "out of memory");
	db->read_only = opts->read_only;
	db->path = opts->path ? strdup(opts->path) : inv_default_path(err);
	if (!db->path) {
		if (opts->path)
			ow_err_set(err, OW_EINPUT, "out of memory");
		goto fail;
	}
	if (prepare_location(db->path, !opts->path, db->read_only, opts->must_exist, err) ||
	    open_sqlite(db, opts->must_exist, err))
		goto fail;
	version = schema_version(db->sql, err);
	if (version < 0) {
		inv_sql_error(db, err, "reading the schema version");
		goto fail;
	}
	if (check_ours(db, version, err))
		goto fail;
	if (version > latest) {
		ow_err_set(err, OW_EINPUT, "the inventory %s has schema version %d, newer "
		           "than this osdwarden understands (%d); it was left untouched. "
		           "Use a newer osdwarden, or --db another file",
		           db->path, version, latest);
		goto fail;
	}
	/* Before anything runs a statement that a planted trigger could
	 * ride on (the migrations included). */
	if (schemacheck_run(db->sql, db->path, version, err))
		goto fail;
	warn_about_location(db);
	if (db->read_only) {
		int want = opts->target_version > 0 ? opts->target_version : latest;
		if (version < want) {
			ow_err_set(err, OW_EINPUT, "the inventory %s has schema version %d and "
			           "needs upgrading to %d, which read-only mode cannot do; "
			           "open it once without --read-only", db->path, version, want);
			goto fail;
		}
	} else {
		/* 16 KiB pages for a new inventory (nothing for one that has
		 * pages already: its size is fixed, and opening never rewrites
		 * it): a first check run at a million findings stored them in
		 * 2.8-2.9 s instead of 4.1 s, half the system time (issue 18). */
		if (exec(db, "PRAGMA page_size=16384", "sizing the pages", err) ||
		    require_wal(db, err))
			goto fail;
		int app = 0;
		/* Written once: an unchanged inventory is never rewritten by
		 * merely opening it. */
		snprintf(sql, sizeof sql, "PRAGMA application_id=%d", INV_APPLICATION_ID);
		if (pragma_int(db, "PRAGMA application_id", &app, err) ||
		    (app != INV_APPLICATION_ID && exec(db, sql, "marking the inventory", err)) ||
		    schema_migrate(db->sql, opts->target_version, err)) {
			ow_err_prefix(err, "%s", db->path);
			goto fail;
		}
	}
	if (exec(db, "PRAGMA foreign_keys=ON", "enabling foreign keys", err))
		goto fail;
	/* 16 MiB of page cache: a sync's indexes stay in memory instead of
	 * spilling to the WAL page by page. */
	snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d", INV_CACHE_KIB);
	if (exec(db, sql, "sizing the cache", err))
		goto fail;
	/* Statement journals in memory: every upsert touching several
	 * indexes journals its pages, and on a temp file that is a write
	 * syscall per page per row (measured: ~12 per association). */
	if (exec(db, "PRAGMA temp_store=MEMORY", "keeping temporary data in memory", err))
		goto fail;
	*out = db;
	return 0;
fail:
	if (err && err->kind == OW_OK)
		err->kind = OW_EINPUT;
	inv_close(db);
	return OW_EINPUT;
}

int inv_open_reader(const struct inv *db, struct inv **out, struct ow_err *err)
{
	struct inv_open_opts o = { .path = db->path, .read_only = true, .must_exist = true };
	int rc;

	*out = NULL;
	/* the reader and db's writer in two threads at once */
	if (!sqlite3_threadsafe())
		return ow_err_set(err, OW_EINPUT, "this SQLite library (%s) was built without "
		                  "threads, which a check run needs: install a build of SQLite with "
		                  "threads (Debian's has them)", sqlite3_libversion());
	if ((rc = inv_open(&o, out, err)) != 0)
		return rc;
	/* Another file put in its place since db opened it, by a rename or a
	 * link: what it holds is not what db checked. (Someone who may write
	 * to the directory can do worse at any time, which inv_open warns
	 * about; this refuses the swap it can see.) */
	if ((*out)->dev != db->dev || (*out)->ino != db->ino) {
		inv_close(*out);
		*out = NULL;
		return ow_err_set(err, OW_EINPUT, "the inventory %s was replaced by another file while "
		                  "osdwarden had it open; nothing was read from it. Keep the inventory "
		                  "in a private directory and run the command again", db->path);
	}
	if (db->on_reader)
		db->on_reader(*out, db->on_reader_ctx);
	return 0;
}

/* A read-only connection cannot delete the -wal and -shm it created
 * (deleting them needs a write lock on the database), so SQLite leaves them.
 * When there were none before we opened, and the WAL is still empty (no
 * writer has committed since), a brief read-write connection that changes
 * nothing hands the tidying to SQLite itself: on its close it deletes both
 * only if it is the last connection, and leaves them to any writer that is
 * still using them. An empty WAL means that close writes no page. */
static void tidy_after_read_only(const char *path)
{
	char wal[4200];
	struct stat st;
	sqlite3 *s = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	snprintf(wal, sizeof wal, "%s-wal", path);
	if (lstat(wal, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != 0)
		return;
#ifdef SQLITE_OPEN_NOFOLLOW
	flags |= SQLITE_OPEN_NOFOLLOW;
#endif
	if (sqlite3_open_v2(path, &s, flags, NULL) == SQLITE_OK) {
		sqlite3_db_config(s, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
		sqlite3_exec(s, "PRAGMA query_only=1; SELECT 1 FROM sqlite_schema LIMIT 1", NULL,
		             NULL, NULL);
	}
	sqlite3_close(s);
}

void inv_close(struct inv *db)
{
	if (!db)
		return;
	for (int i = 0; i < INV_STMT_CACHE; i++)
		sqlite3_finalize(db->put[i]);
	sqlite3_close(db->sql);
	if (db->read_only && db->ro_tidy && db->sql)
		tidy_after_read_only(db->path);
	free(db->warning);
	free(db->path);
	free(db);
}

const char *inv_warning(const struct inv *db)
{
	return db->warning;
}

const char *inv_path(const struct inv *db)
{
	return db->path;
}

bool inv_read_only(const struct inv *db)
{
	return db->read_only;
}

void inv_cache_kib(struct inv *db, int kib)
{
	char sql[64];

	snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d", kib);
	sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
}

int inv_version(struct inv *db, struct ow_err *err)
{
	return schema_version(db->sql, err);
}

int inv_schema_latest(void)
{
	return schema_latest_version();
}

const char *inv_library_version(void)
{
	return sqlite3_libversion();
}

int inv_begin(struct inv *db, struct ow_err *err)
{
	return exec(db, "BEGIN IMMEDIATE", "starting a transaction", err);
}

int inv_begin_wait(struct inv *db, int wait_ms, struct ow_err *err)
{
	int rc;

	if (wait_ms <= 0)
		return inv_begin(db, err);
	sqlite3_busy_timeout(db->sql, wait_ms);
	rc = inv_begin(db, err);
	sqlite3_busy_timeout(db->sql, BUSY_MS);
	return rc;
}

int inv_read_begin(struct inv *db, struct ow_err *err)
{
	/* A deferred transaction takes its snapshot at its first read. */
	return exec(db, "BEGIN DEFERRED; SELECT count(*) FROM check_runs",
	            "starting a read transaction", err);
}

void inv_read_end(struct inv *db)
{
	if (!sqlite3_get_autocommit(db->sql))
		sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
}

int inv_commit(struct inv *db, struct ow_err *err)
{
	if (exec(db, "COMMIT", "committing", err) != 0)
		return OW_EINPUT;
	audit_after_commit(db);
	return 0;
}

void inv_rollback(struct inv *db)
{
	sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
}
