/* The inventory: one SQLite file, opened private, migrated, in WAL mode. */
#ifndef OW_DB_DB_H
#define OW_DB_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct inv;

struct inv_open_opts {
	const char *path;     /* NULL: $XDG_DATA_HOME/osdwarden/inventory.db */
	bool read_only;       /* never writes, never creates, never migrates */
	bool must_exist;      /* refuse a file that is not there instead of creating it */
	int target_version;   /* 0: latest. Tests use lower values to build old inventories. */
};

/* Opens (creating and migrating as needed) the inventory. A file that is
 * not an osdwarden inventory, is damaged, or is newer than this build is
 * refused and left exactly as it was. On success *out is owned by the
 * caller (inv_close). */
int inv_open(const struct inv_open_opts *opts, struct inv **out, struct ow_err *err);
void inv_close(struct inv *db);

/* The default inventory path, in a new string; NULL with err set when
 * neither XDG_DATA_HOME nor HOME is usable. */
char *inv_default_path(struct ow_err *err);

const char *inv_path(const struct inv *db);
/* A warning about where the inventory lives (a world-writable directory)
 * for the caller to show, or NULL; valid until inv_close. */
const char *inv_warning(const struct inv *db);
bool inv_read_only(const struct inv *db);
/* The page cache's size in KiB (16 MiB when opened): smaller while a long
 * scan would fill it with pages read once (the checklist run). */
void inv_cache_kib(struct inv *db, int kib);
/* What it is opened with. */
#define INV_CACHE_KIB 16384
int inv_version(struct inv *db, struct ow_err *err);
/* The schema version this build writes (what inv_version reads back from an
 * inventory it migrated), for the version banner. */
int inv_schema_latest(void);
/* The SQLite library in use ("3.40.1"), for the version banner. Static
 * storage: not freed. */
const char *inv_library_version(void);

/* Explicit transactions, for callers that write many rows (sync). */
int inv_begin(struct inv *db, struct ow_err *err);
/* The same, waiting up to wait_ms for another writer (0: the usual wait). */
int inv_begin_wait(struct inv *db, int wait_ms, struct ow_err *err);
int inv_commit(struct inv *db, struct ow_err *err);
/* A second connection on db's inventory, read-only, for reading in one
 * thread while db writes in another: the same file (refused, with err
 * set, when the path no longer names the file db has open), no check of
 * its schema beyond what opening read-only does. Owned by the caller
 * (inv_close). 0, or an error kind with err set. */
int inv_open_reader(const struct inv *db, struct inv **out, struct ow_err *err);

/* A read transaction: everything read until inv_read_end sees the
 * inventory as it was at inv_read_begin, while others may write (WAL). */
int inv_read_begin(struct inv *db, struct ow_err *err);
void inv_read_end(struct inv *db);
void inv_rollback(struct inv *db);

/* Seconds since the epoch, the clock every first_seen/last_seen uses, and
 * the "now" by which the console and `check` judge ages and expiries.
 * OSDWARDEN_NOW=SECONDS pins it to one moment (tests, reproducible reports). */
int64_t inv_now(void);

#endif
