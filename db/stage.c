#include "db/stage.h"
#include "db/records.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "db/internal.h"
#include "db/schema.h"
#include "util/buf.h"
#include "util/fsutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define STAGE_PREFIX ".osdwarden-sync-"


/* The tables a sync writes are the kinds INV_RECORDS marks SYNC, parents
 * before children (the order rows are put back in). Everything else in the
 * inventory belongs to the operator (checks, waivers, tasks, the audit log)
 * and never passes through a stage: the stage does not even have those
 * tables, so a sync that tried to write one would fail loudly instead of
 * losing the write. The i-th sync table, or NULL past the last. */
static const char *sync_table(size_t i)
{
	for (int k = INV_REC_NONE + 1; k < INV_REC_COUNT; k++)
		if ((inv_kind_flags((enum inv_record)k) & INV_R_SYNC) && i-- == 0)
			return inv_kind_table((enum inv_record)k);
	return NULL;
}

/* Audit actions that change none of the sync tables. Any other action logged
 * since the stage was taken (a write to the site, a task step, another
 * sync) may have changed a row the stage would overwrite: the stage is then
 * stale. Unknown actions count as changes, so a new kind fails safe. */
static const char *const harmless_actions[] = {
	"attest", "waive", "setting", "tag", "task.start", "task.cancel", "audit.anchor",
};

static bool is_sync_table(const char *name)
{
	for (size_t i = 0; sync_table(i); i++)
		if (strcmp(sync_table(i), name) == 0)
			return true;
	return false;
}

static bool is_harmless(const char *action)
{
	for (size_t i = 0; i < N(harmless_actions); i++)
		if (strcmp(harmless_actions[i], action) == 0)
			return true;
	return false;
}

static int run(sqlite3 *sql, const char *stmt, const char *doing, const char *path,
               struct ow_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(sql, stmt, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	ow_err_set(err, OW_EINPUT, "%s (%s): %s", doing, path, msg ? msg : sqlite3_errmsg(sql));
	sqlite3_free(msg);
	return OW_EINPUT;
}

/* The columns of table as schema has them, in a buf as "c1","c2",... and
 * one per entry of names (at most max). Both sides come from the same
 * migrations; naming the columns keeps every statement right even if
 * their order ever differed. */
enum { MAX_COLS = 64 };

struct cols {
	char *name[MAX_COLS];
	size_t n;
};

static void cols_free(struct cols *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->name[i]);
	c->n = 0;
}

static int cols_load(sqlite3 *sql, const char *schema, const char *table, struct cols *c,
                     struct ow_err *err)
{
	sqlite3_stmt *st = NULL;

	c->n = 0;
	if (sqlite3_prepare_v2(sql, "SELECT name FROM pragma_table_info(?1, ?2)", -1, &st,
	                       NULL) != SQLITE_OK)
		return ow_err_set(err, OW_EINPUT, "reading the columns of %s: %s", table,
		                  sqlite3_errmsg(sql));
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, schema, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && c->n < MAX_COLS)
		c->name[c->n++] = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (c->n == 0 || c->n == MAX_COLS)
		return ow_err_set(err, OW_EINPUT, "the staging area has no usable table %s", table);
	return 0;
}

/* "p.c1,p.c2,..." (p may be ""), skipping one column (NULL: none). */
static void cols_list(struct buf *b, const struct cols *c, const char *p, const char *skip)
{
	bool first = true;

	for (size_t i = 0; i < c->n; i++) {
		if (skip && strcmp(c->name[i], skip) == 0)
			continue;
		buf_addf(b, "%s%s\"%s\"", first ? "" : ",", p, c->name[i]);
		first = false;
	}
}

static bool cols_has(const struct cols *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->name[i], name) == 0)
			return true;
	return false;
}

/* A copy of every row: "INSERT INTO dst.t(cols) SELECT cols FROM src.t". */
static int copy_sql(sqlite3 *sql, const char *dst, const char *src, const char *stage,
                    const char *table, struct buf *out, struct ow_err *err)
{
	struct cols c;

	if (cols_load(sql, stage, table, &c, err))
		return OW_EINPUT;
	buf_reset(out);
	buf_addf(out, "INSERT INTO %s.\"%s\"(", dst, table);
	cols_list(out, &c, "", NULL);
	buf_adds(out, ") SELECT ");
	cols_list(out, &c, "", NULL);
	buf_addf(out, " FROM %s.\"%s\"", src, table);
	cols_free(&c);
	return 0;
}

/* The statements that make main.t what stage.t is, touching only what
 * differs: rows the stage no longer has go, rows whose values changed are
 * rewritten, rows only seen again get their new last_seen (no index holds
 * it, so that is one write per row, not one per index), new rows are
 * added. Rows are matched by id: the stage was copied from main, and main
 * has not changed since (inv_stage_apply checks that first). */
static int merge_sql(sqlite3 *sql, const char *table, struct buf *out, struct ow_err *err)
{
	struct cols c;
	bool first = true;

	if (cols_load(sql, "stage", table, &c, err))
		return OW_EINPUT;
	buf_reset(out);
	buf_addf(out, "DELETE FROM main.\"%s\" WHERE id NOT IN (SELECT id FROM stage.\"%s\");",
	         table, table);
	buf_addf(out, "UPDATE main.\"%s\" AS m SET (", table);
	cols_list(out, &c, "", "id");
	buf_adds(out, ") = (");
	cols_list(out, &c, "s.", "id");
	buf_addf(out, ") FROM stage.\"%s\" AS s WHERE m.id = s.id AND NOT (", table);
	for (size_t i = 0; i < c.n; i++) {
		if (strcmp(c.name[i], "id") == 0 || strcmp(c.name[i], "last_seen") == 0)
			continue;
		buf_addf(out, "%sm.\"%s\" IS s.\"%s\"", first ? "" : " AND ", c.name[i], c.name[i]);
		first = false;
	}
	buf_adds(out, first ? "1);" : ");");
	if (cols_has(&c, "last_seen"))
		buf_addf(out, "UPDATE main.\"%s\" AS m SET last_seen = s.last_seen FROM "
		         "stage.\"%s\" AS s WHERE m.id = s.id AND m.last_seen IS NOT s.last_seen;",
		         table, table);
	buf_addf(out, "INSERT INTO main.\"%s\"(", table);
	cols_list(out, &c, "", NULL);
	buf_adds(out, ") SELECT ");
	cols_list(out, &c, "", NULL);
	buf_addf(out, " FROM stage.\"%s\" WHERE id NOT IN (SELECT id FROM main.\"%s\");", table,
	         table);
	cols_free(&c);
	return 0;
}

/* Drops every trigger, view, index and table the sync does not own from a
 * fresh stage: the stage then holds exactly the sync's tables. */
static int trim(struct inv *st, struct ow_err *err)
{
	sqlite3_stmt *q = NULL;
	struct buf drop = BUF_INIT;
	int rc;

	/* The sort indexes go too: the sync's upserts need only the unique
	 * keys, which are part of the tables. */
	if (sqlite3_prepare_v2(st->sql, "SELECT type, name FROM sqlite_schema WHERE "
	                       "(type IN ('trigger','view','table') OR (type = 'index' AND sql IS "
	                       "NOT NULL)) AND name NOT LIKE 'sqlite_%' ORDER BY type = 'table'",
	                       -1, &q, NULL) != SQLITE_OK)
		return ow_err_set(err, OW_EINPUT, "reading the staging schema: %s",
		                  sqlite3_errmsg(st->sql));
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(q, 0);
		const char *name = (const char *)sqlite3_column_text(q, 1);
		if (strcmp(type, "table") == 0 && is_sync_table(name))
			continue;
		if (strcmp(type, "index") == 0) {
			buf_addf(&drop, "DROP INDEX IF EXISTS \"%s\";", name);
			continue;
		}
		/* FTS shadow tables go with their virtual table. */
		if (strcmp(type, "table") == 0 && strncmp(name, "assoc_fts_", 10) == 0 &&
		    strcmp(name, "assoc_fts_hold") != 0)
			continue;
		buf_addf(&drop, "DROP %s IF EXISTS \"%s\";", strcmp(type, "table") == 0 ? "TABLE" :
		         strcmp(type, "view") == 0 ? "VIEW" : "TRIGGER", name);
	}
	sqlite3_finalize(q);
	rc = run(st->sql, buf_str(&drop), "trimming the staging area", st->path, err);
	buf_free(&drop);
	return rc;
}

static int attach(sqlite3 *sql, const char *path, const char *as, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	char stmt[64];
	int rc;

	snprintf(stmt, sizeof stmt, "ATTACH DATABASE ?1 AS %s", as);
	rc = sqlite3_prepare_v2(sql, stmt, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return ow_err_set(err, OW_EINPUT, "attaching %s: %s", path, sqlite3_errmsg(sql));
	return 0;
}

static int64_t audit_head(sqlite3 *sql, const char *schema)
{
	sqlite3_stmt *st = NULL;
	char q[80];
	int64_t seq = -1;

	snprintf(q, sizeof q, "SELECT coalesce(max(seq), 0) FROM %s.audit", schema);
	if (sqlite3_prepare_v2(sql, q, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return seq;
}

static void drop_file(const char *path)
{
	char side[4200];

	unlink(path);
	snprintf(side, sizeof side, "%s-journal", path);
	unlink(side);
}

/* Deletes the stages that syncs killed before their end left in dir: ours
 * (a regular file of this account), and not locked by a running sync. */
static void sweep(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct stat sb;
		int fd;
		if (strncmp(de->d_name, STAGE_PREFIX, sizeof STAGE_PREFIX - 1) != 0 ||
		    strstr(de->d_name, "-journal"))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_uid == geteuid() &&
		    flock(fd, LOCK_EX | LOCK_NB) == 0)
			drop_file(path);
		close(fd);
	}
	closedir(d);
}

int inv_stage_open(struct inv *live, struct inv **out, struct ow_err *err)
{
	struct inv *st = calloc(1, sizeof *st);
	char *dir = fs_dirname(live->path);
	struct buf b = BUF_INIT;
	int fd, rc = OW_EINPUT;

	*out = NULL;
	if (!st || !dir) {
		ow_err_set(err, OW_EINPUT, "out of memory");
		goto fail;
	}
	st->stage_fd = -1;
	sweep(dir);
	/* Beside the inventory: the same private directory, the same disk. */
	buf_addf(&b, "%s/" STAGE_PREFIX "XXXXXX", dir);
	st->path = buf_detach(&b);
	if ((fd = mkstemp(st->path)) < 0) {
		ow_err_set(err, OW_EINPUT, "cannot create the sync's staging file in %s: %s; the "
		           "inventory's directory must be writable", dir, strerror(errno));
		free(st->path);
		st->path = NULL;
		goto fail;
	}
	/* Held until the stage is deleted: a sweep tells a live stage from
	 * one a killed sync left behind by this lock (flock, which SQLite's
	 * own fcntl locks do not touch). */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		ow_err_set(err, OW_EINPUT, "cannot lock the sync's staging file %s: %s", st->path,
		           strerror(errno));
		close(fd);
		goto fail;
	}
	st->stage_fd = fd;
	if (sqlite3_open_v2(st->path, &st->sql, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		ow_err_set(err, OW_EINPUT, "opening the staging file %s: %s", st->path,
		           st->sql ? sqlite3_errmsg(st->sql) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(st->sql, 1);
	/* Throwaway: no journal, no fsync. A crash leaves a file to delete,
	 * never a damaged inventory. */
	if (run(st->sql, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; "
	        "PRAGMA foreign_keys=OFF; PRAGMA cache_size=-4096; PRAGMA temp_store=MEMORY",
	        "setting up the staging file", st->path, err) ||
	    schema_migrate(st->sql, 0, err) || trim(st, err) ||
	    attach(st->sql, live->path, "live", err))
		goto fail;
	/* One read transaction: the copies and the audit head are one snapshot. */
	if (run(st->sql, "BEGIN", "reading the inventory", st->path, err))
		goto fail;
	for (size_t i = 0; sync_table(i); i++) {
		if (copy_sql(st->sql, "main", "live", "main", sync_table(i), &b, err) ||
		    run(st->sql, buf_str(&b), "copying the inventory into the staging area",
		        st->path, err)) {
			sqlite3_exec(st->sql, "ROLLBACK", NULL, NULL, NULL);
			goto fail;
		}
	}
	st->stage_seq = audit_head(st->sql, "live");
	if (st->stage_seq < 0 || run(st->sql, "COMMIT; DETACH DATABASE live",
	                             "reading the inventory", st->path, err)) {
		if (st->stage_seq < 0)
			ow_err_set(err, OW_EINPUT, "reading the audit log of %s: %s", live->path,
			           sqlite3_errmsg(st->sql));
		sqlite3_exec(st->sql, "ROLLBACK", NULL, NULL, NULL);
		goto fail;
	}
	buf_free(&b);
	free(dir);
	*out = st;
	return 0;
fail:
	buf_free(&b);
	free(dir);
	inv_stage_close(NULL, st);
	return err && err->kind ? (int)err->kind : rc;
}

/* The first action since the stage was taken that may have changed the
 * sync's tables: 1 with its name and row, 0 when there is none. */
static int changed_since(struct inv *live, int64_t seq, char *what, size_t n, int64_t *at)
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(live->sql, "SELECT seq, action FROM main.audit WHERE seq > ?1 "
	                       "ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	while (!found && sqlite3_step(st) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(st, 1);
		if (!is_harmless(a ? a : "")) {
			*at = sqlite3_column_int64(st, 0);
			snprintf(what, n, "%s", a ? a : "?");
			found = 1;
		}
	}
	sqlite3_finalize(st);
	return found;
}

static int64_t count_new_assocs(struct inv *live)
{
	sqlite3_stmt *st = NULL;
	int64_t n = INT64_MAX;

	if (sqlite3_prepare_v2(live->sql, "SELECT count(*) FROM stage.associations WHERE id NOT IN "
	                       "(SELECT id FROM main.associations)", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int inv_stage_apply(struct inv *live, struct inv *stage, bool *stale, struct ow_err *err)
{
	struct buf b = BUF_INIT;
	bool bulk;
	char what[64];
	int64_t at = 0;
	int c;

	*stale = false;
	if (attach(live->sql, stage->path, "stage", err))
		return OW_EINPUT;
	live->stage_attached = true;
	/* Replacing a table is one statement over all its rows, and its
	 * statement journal holds every page it changes: in memory (the
	 * inventory's usual setting) that was 60-130 MiB at 200k associations.
	 * A temporary file keeps the apply's memory flat; the usual setting is
	 * restored when the stage is closed. */
	if (run(live->sql, "PRAGMA temp_store=FILE", "applying the sync", live->path, err))
		return OW_EINPUT;
	if (run(live->sql, "BEGIN IMMEDIATE", "locking the inventory to apply the sync",
	        live->path, err))
		return OW_EINPUT;
	c = changed_since(live, stage->stage_seq, what, sizeof what, &at);
	if (c != 0) {
		inv_rollback(live);
		if (c < 0)
			return inv_sql_error(live, err, "reading the audit log");
		*stale = true;
		return ow_err_set(err, OW_ESITE, "`%s` (audit row %lld) changed the inventory while "
		                  "this sync was reading the site, so what the sync read may be older "
		                  "than what that change recorded; nothing was applied. Sync again",
		                  what, (long long)at);
	}
	/* The FTS triggers are held while the rows are replaced; the index is
	 * rebuilt once at the end. */
	/* The name index follows single changes through its triggers; a
	 * sync that brings many new associations holds them and rebuilds the
	 * index once, which costs far less than row by row. */
	bulk = count_new_assocs(live) > 10000;
	if (bulk && run(live->sql, "UPDATE main.assoc_fts_hold SET hold = 1", "applying the sync",
	                live->path, err))
		goto fail;
	for (size_t i = 0; sync_table(i); i++)
		if (merge_sql(live->sql, sync_table(i), &b, err) ||
		    run(live->sql, buf_str(&b), "applying the sync", live->path, err))
			goto fail;
	if (bulk && run(live->sql, "INSERT INTO main.assoc_fts(assoc_fts) VALUES('rebuild');"
	                "UPDATE main.assoc_fts_hold SET hold = 0", "indexing association names",
	                live->path, err))
		goto fail;
	buf_free(&b);
	return 0;
fail:
	buf_free(&b);
	inv_rollback(live);
	return OW_EINPUT;
}

void inv_stage_close(struct inv *live, struct inv *stage)
{
	if (live && live->stage_attached) {
		sqlite3_exec(live->sql, "DETACH DATABASE stage; PRAGMA temp_store=MEMORY", NULL, NULL,
		             NULL);
		live->stage_attached = false;
	}
	if (!stage)
		return;
	for (int i = 0; i < INV_STMT_CACHE; i++)
		sqlite3_finalize(stage->put[i]);
	sqlite3_close(stage->sql);
	if (stage->path)
		drop_file(stage->path);
	if (stage->stage_fd >= 0)
		close(stage->stage_fd);
	free(stage->path);
	free(stage);
}
