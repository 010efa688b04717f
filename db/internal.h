/* Shared between the modules of db/ only: nothing outside db/ sees SQL. */
#ifndef OW_DB_INTERNAL_H
#define OW_DB_INTERNAL_H

#include <sqlite3.h>
#include <sys/types.h>

#include "db/db.h"

enum { INV_STMT_CACHE = 48 };

struct inv {
	sqlite3 *sql;
	char *path;
	bool read_only;
	/* Prepared upserts, one per record kind, built on first use. */
	sqlite3_stmt *put[INV_STMT_CACHE];
	/* db/stage: a stage remembers the audit head it was copied at; the
	 * inventory, whether a stage is attached to it. */
	int64_t stage_seq;
	bool stage_attached;
	int stage_fd;          /* a stage's lock on its own file, -1 when none */
	/* read-only: no -wal/-shm existed at open, so those that exist at
	 * close were ours to tidy away (inv_close). */
	bool ro_tidy;
	/* A note for the operator from inv_open (inv_warning), or NULL. */
	char *warning;
	/* db/audit: the audit row this connection wrote into the anchor as
	 * pending inside a transaction still open (0: none); the commit and
	 * rollback hooks clear it. */
	int64_t anchor_open_seq;
	int64_t anchor_committed_seq;   /* set by the commit hook */
	bool hooks_set;
	/* The file SQLite opened (inv_open_reader's check that a second
	 * connection is on the same one). */
	dev_t dev;
	ino_t ino;
	/* For tests: called with each reader opened from this connection
	 * (inv_open_reader), to watch what it runs. NULL otherwise. */
	void (*on_reader)(struct inv *reader, void *ctx);
	void *on_reader_ctx;
};

/* After a successful COMMIT: moves the anchor's pending head to its
 * committed head (db/audit_append.c). Never fails: a missed promotion leaves an
 * anchor that verify still accepts. */
void audit_after_commit(struct inv *db);

/* Turns the last SQLite error on db into an ow_err naming what we were
 * doing; damaged and foreign files get a message that says what to do. */
int inv_sql_error(struct inv *db, struct ow_err *err, const char *doing);

#endif
