/* Helpers shared by every suite (tests/support/, one static library). */
#ifndef OW_TESTS_TESTUTIL_H
#define OW_TESTS_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* A fresh private directory under $TMPDIR for one test; removed by
 * tu_rmtree. Returns a new string. */
char *tu_tmpdir(void);
void tu_rmtree(const char *dir);

/* path built from parts (new string). */
char *tu_path(const char *dir, const char *name);

/* Whole file into a new buffer (NUL-terminated); NULL if unreadable. */
char *tu_read_file(const char *path, size_t *len);
int tu_write_file(const char *path, const void *data, size_t len);

/* The fixtures directory (tests/fixtures). */
const char *tu_fixtures(void);

/* `osdwarden --db DB args...` run in-process; output captured. */
struct tu_run {
	int rc;
	char *out, *err;
	size_t olen, elen;
};
struct tu_run tu_cli(const char *db, const char *const *args);
void tu_run_free(struct tu_run *r);

/* An inventory at path that holds nothing, made as a first sync makes it
 * (the reading commands refuse a file that is not there). */
void tu_new_inventory(const char *path);

/* The first column of the first row of sql on the database at path
 * (opened read-only with SQLite itself, bypassing db/); -999 for NULL,
 * -1 when there is no row. */
long long tu_sql_int(const char *path, const char *sql);
/* Runs the statements in sql on the database at path (bypassing db/); a
 * failure fails the test, naming the SQL and SQLite's message. */
void tu_sql_exec(const char *path, const char *sql);

/* The query plans of what db/ runs: between tu_plans_begin and
 * tu_plans_end, the SQL of every statement started on the connection is
 * kept; tu_plans_end returns, for each statement, its SQL on one line and
 * then its EXPLAIN QUERY PLAN steps, each on a line of its own beginning
 * with two spaces (a new string). */
struct sqlite3;
struct tu_plans {
	struct sqlite3 *sql;
	char **text;
	size_t n;
};
void tu_plans_begin(struct tu_plans *p, struct sqlite3 *sql);
char *tu_plans_end(struct tu_plans *p);

#endif
