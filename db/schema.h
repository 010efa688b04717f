/* The inventory schema as numbered migrations; PRAGMA user_version records
 * how many have been applied. Migrations are append-only: a released one
 * is never edited, a change is a new one.
 * Internal to db/ (it speaks sqlite3 *): included only by db/'s own .c
 * files and the db tests; everyone else asks db/db.h (inv_version,
 * inv_schema_latest).
 * scripts/layercheck.py refuses it anywhere else. */
#ifndef OW_DB_SCHEMA_H
#define OW_DB_SCHEMA_H

#include <sqlite3.h>

#include "util/err.h"

/* The version this build writes and understands. */
int schema_latest_version(void);

/* Brings db from its current version up to target (0 = latest), each
 * migration in its own transaction. Refuses a database newer than this
 * build. Returns 0 or an error kind. */
int schema_migrate(sqlite3 *db, int target, struct ow_err *err);

/* Reads PRAGMA user_version; -1 on error (err filled). */
int schema_version(sqlite3 *db, struct ow_err *err);

#endif
