#include "db/providers.h"

#include "db/internal.h"
#include "db/records.h"

int inv_provider_move(struct inv *db, int64_t id, const char *url, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db->sql, "UPDATE providers SET url = ?2 WHERE id = ?1", -1, &st,
	                       NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "moving a provider to its new URL");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, url, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return ow_err_set(err, OW_EINPUT, "another provider of this inventory is already at "
		                  "%s; the provider was not moved", url);
	if (rc != SQLITE_DONE)
		return inv_sql_error(db, err, "moving a provider to its new URL");
	return sqlite3_changes(db->sql) ? 0 : INV_NOTFOUND;
}
