/* The inventory's schema compared with what osdwarden's migrations create,
 * so that a trigger or view planted by someone who can write the file (one
 * that deletes audit rows as they are written, say) is refused at open
 * instead of running inside osdwarden's own transactions.
 * Internal to db/ (it speaks sqlite3 *): included only by db/'s own .c
 * files. */
#ifndef OW_DB_SCHEMACHECK_H
#define OW_DB_SCHEMACHECK_H

#include <sqlite3.h>

#include "util/err.h"

/* Compares sqlite_schema of db with a private in-memory database migrated
 * to version (the migrations of db/schema.c are the only description of
 * what is expected). Refused, with a message naming the object and how to
 * remove or restore it: a trigger, view or virtual table osdwarden did not
 * create; any object of osdwarden's whose definition differs; one that is
 * missing. Tolerated: extra plain tables and indexes (they cannot run code
 * on our writes) and SQLite's own sqlite_stat* tables. 0 or OW_EINPUT. */
int schemacheck_run(sqlite3 *db, const char *path, int version, struct ow_err *err);

#endif
