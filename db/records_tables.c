/* Whole component tables, named by the sync or a view and checked against
 * the column tables before they reach SQL: marking what the last sync did
 * not see as gone, counting the live rows, an object's raw JSON, clearing
 * an object's child rows, the association name index, and the stamp a
 * sync writes its rows with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/internal.h"
#include "db/records_int.h"
#include "util/buf.h"

/* Runs one statement over a known table with up to two integer
 * parameters, returning changes() or the single integer it selects. */
static int64_t run_on_table(struct inv *db, const char *table, const char *head,
                            const char *tail, int64_t a, int64_t b, bool select,
                            struct ow_err *err)
{
	const struct rtable *t = rec_history_table(table);
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st = NULL;
	int64_t result = -1;
	int rc;

	if (!t) {
		ow_err_set(err, OW_EINPUT, "no component table named '%s'", table);
		return -1;
	}
	buf_adds(&sql, head);
	buf_adds(&sql, t->table);
	buf_adds(&sql, tail);
	rc = sqlite3_prepare_v2(db->sql, buf_str(&sql), -1, &st, NULL);
	buf_free(&sql);
	if (rc == SQLITE_OK && sqlite3_bind_parameter_count(st) >= 2) {
		sqlite3_bind_int64(st, 1, a);
		sqlite3_bind_int64(st, 2, b);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (select && rc == SQLITE_ROW)
		result = sqlite3_column_int64(st, 0);
	else if (!select && rc == SQLITE_DONE)
		result = sqlite3_changes(db->sql);
	else
		inv_sql_error(db, err, table);
	sqlite3_finalize(st);
	return result;
}

int64_t inv_mark_gone(struct inv *db, const char *table, int64_t since, int64_t now,
                      struct ow_err *err)
{
	return run_on_table(db, table, "UPDATE ",
	                    " SET gone_at=?2 WHERE last_seen<?1 AND gone_at IS NULL",
	                    since, now, false, err);
}

int64_t inv_mark_one_gone(struct inv *db, const char *table, int64_t id, int64_t now,
                          struct ow_err *err)
{
	return run_on_table(db, table, "UPDATE ", " SET gone_at=?2 WHERE id=?1 AND gone_at IS NULL",
	                    id, now, false, err);
}

char *inv_raw_json(struct inv *db, const char *table, int64_t id, struct ow_err *err)
{
	const struct rtable *t = rec_history_table(table);
	sqlite3_stmt *st = NULL;
	char sql[200], *out = NULL;

	if (!t) {
		ow_err_set(err, OW_EINPUT, "no component table named '%s'", table);
		return NULL;
	}
	snprintf(sql, sizeof sql, "SELECT raw_json FROM %s WHERE id = ?1", t->table);
	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) {
		inv_sql_error(db, err, "reading an object's raw JSON");
		return NULL;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

int inv_assoc_index_hold(struct inv *db, bool hold, struct ow_err *err)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db->sql, hold ? "UPDATE assoc_fts_hold SET hold = 1"
	                                    : "INSERT INTO assoc_fts(assoc_fts) VALUES('rebuild');"
	                                      "UPDATE assoc_fts_hold SET hold = 0",
	                      NULL, NULL, &msg);

	sqlite3_free(msg);
	return rc == SQLITE_OK ? 0 : inv_sql_error(db, err, "indexing association names");
}

int64_t inv_count(struct inv *db, const char *table, struct ow_err *err)
{
	/* All rows less the gone ones (see db/list.c): no scan of a big table. */
	const struct rtable *t = rec_history_table(table);
	char sql[300];
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (!t) {
		ow_err_set(err, OW_EINPUT, "no component table named '%s'", table);
		return -1;
	}
	snprintf(sql, sizeof sql, "SELECT (SELECT count(*) FROM %s) - (SELECT count(*) FROM %s "
	         "WHERE gone_at IS NOT NULL)", t->table, t->table);
	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		inv_sql_error(db, err, table);
	sqlite3_finalize(st);
	return n;
}

static int clear_children(struct inv *db, const char *sql, int64_t parent, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, parent);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : inv_sql_error(db, err, "clearing child rows");
}

int inv_clear_smp_folders(struct inv *db, int64_t smp_id, struct ow_err *err)
{
	return clear_children(db, "DELETE FROM smp_folders WHERE smp_id = ?1", smp_id, err);
}

int inv_clear_ts_run_as(struct inv *db, int64_t ts_id, struct ow_err *err)
{
	return clear_children(db, "DELETE FROM ts_run_as WHERE ts_id = ?1", ts_id, err);
}

int64_t inv_sync_stamp(struct inv *db, int64_t now, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t last = INV_NULL;

	if (sqlite3_prepare_v2(db->sql, "SELECT max(last_sync_at) FROM providers", -1, &st,
	                       NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		inv_sql_error(db, err, "reading the last sync time");
		return -1;
	}
	if (sqlite3_column_type(st, 0) != SQLITE_NULL)
		last = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return last != INV_NULL && last >= now ? last + 1 : now;
}

int inv_each_assoc_store(struct inv *db, bool released,
                         int (*fn)(void *ctx, const struct inv_assoc *a), void *ctx,
                         struct ow_err *err)
{
	/* A million rows at scale, twice a run: seven columns, the other kind
	 * of store filtered out by SQLite rather than by the callback. */
	static const char *const sql[2] = {
		"SELECT source_id, restore_id, source_name, restore_name, store_path, store_created,"
		" NULL, id FROM associations WHERE gone_at IS NULL AND store_released IS NULL"
		" AND store_created IS NOT NULL ORDER BY id",
		"SELECT source_id, restore_id, source_name, restore_name, store_path, store_created,"
		" store_released, id FROM associations WHERE gone_at IS NULL"
		" AND store_released IS NOT NULL ORDER BY id",
	};
	sqlite3_stmt *st = NULL;
	int rc = SQLITE_DONE, stop = 0;

	if (sqlite3_prepare_v2(db->sql, sql[released], -1, &st, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "reading the associations"), -1;
	struct inv_assoc a;

	inv_record_init(INV_REC_assoc, &a);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.source_id = sqlite3_column_int64(st, 0);
		a.restore_id = sqlite3_column_int64(st, 1);
		a.source_name = (char *)sqlite3_column_text(st, 2);
		a.restore_name = (char *)sqlite3_column_text(st, 3);
		a.store_path = (char *)sqlite3_column_text(st, 4);
		a.store_created = sqlite3_column_type(st, 5) == SQLITE_NULL
		                          ? INV_NULL : sqlite3_column_int64(st, 5);
		if (released)
			a.store_released = sqlite3_column_int64(st, 6);
		a.id = sqlite3_column_int64(st, 7);
		stop = fn(ctx, &a);
	}
	if (!stop && rc != SQLITE_DONE) {
		inv_sql_error(db, err, "reading the associations");
		stop = -1;
	}
	sqlite3_finalize(st);
	return stop;
}
