/* The operator's settings (policy thresholds, kept in the inventory) and
 * what each site's $metadata said it exposes, kept with when it was read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/internal.h"
#include "db/records.h"

long inv_setting_long(struct inv *db, const char *key, long def)
{
	sqlite3_stmt *st = NULL;
	long v = def;

	if (sqlite3_prepare_v2(db->sql, "SELECT value FROM settings WHERE key = ?1", -1, &st,
	                       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(st, 0);
			char *end;
			long x = t ? strtol(t, &end, 10) : 0;
			if (t && end != t && *end == '\0')
				v = x;
		}
	}
	sqlite3_finalize(st);
	return v;
}

int inv_each_setting(struct inv *db, int (*fn)(void *ctx, const char *key, const char *value,
                                               const char *description),
                     void *ctx, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int stop = 0;

	if (sqlite3_prepare_v2(db->sql, "SELECT key, value, description FROM settings ORDER BY key",
	                       -1, &st, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "reading settings"), -1;
	while (!stop && sqlite3_step(st) == SQLITE_ROW)
		stop = fn(ctx, (const char *)sqlite3_column_text(st, 0),
		          (const char *)sqlite3_column_text(st, 1),
		          (const char *)sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
	return stop;
}

int inv_setting_set(struct inv *db, const char *key, const char *value, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db->sql, "UPDATE settings SET value = ?2 WHERE key = ?1", -1, &st,
	                       NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "changing a setting");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return inv_sql_error(db, err, "changing a setting");
	return sqlite3_changes(db->sql) ? 0 : INV_NOTFOUND;
}

int inv_get_capabilities(struct inv *db, const char *base, int64_t *read_at, char **json,
                         struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*json = NULL;
	if (sqlite3_prepare_v2(db->sql, "SELECT read_at, capabilities FROM site_capabilities "
	                       "WHERE provider = ?1", -1, &st, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "reading what the site exposes");
	sqlite3_bind_text(st, 1, base, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 1);
		*read_at = sqlite3_column_int64(st, 0);
		*json = t ? strdup(t) : NULL;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return *json ? 0 : ow_err_set(err, OW_EINPUT, "out of memory");
	if (rc != SQLITE_DONE)
		return inv_sql_error(db, err, "reading what the site exposes");
	return INV_NOTFOUND;
}

int inv_put_capabilities(struct inv *db, const char *base, int64_t read_at, const char *json,
                         struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db->sql, "INSERT INTO site_capabilities(provider, read_at, capabilities) "
	                       "VALUES (?1, ?2, ?3) ON CONFLICT(provider) DO UPDATE SET "
	                       "read_at = excluded.read_at, capabilities = excluded.capabilities",
	                       -1, &st, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "keeping what the site exposes");
	sqlite3_bind_text(st, 1, base, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, read_at);
	sqlite3_bind_text(st, 3, json, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : inv_sql_error(db, err, "keeping what the site exposes");
}
