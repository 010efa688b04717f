#include "testutil.h"

#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "db/db.h"

char *tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[4096];
	char *d;

	snprintf(tmpl, sizeof tmpl, "%s/osdwarden-test-XXXXXX", base && *base ? base : "/tmp");
	d = mkdtemp(tmpl);
	assert_non_null(d);
	return strdup(d);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

void tu_rmtree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *tu_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

char *tu_read_file(const char *path, size_t *len)
{
	/* Read to the end rather than by the reported size: files under /proc
	 * report 0 bytes and still have content. */
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			char *p = realloc(data, cap ? cap * 2 : 8192);
			if (!p) {
				free(data);
				fclose(f);
				return NULL;
			}
			data = p;
			cap = cap ? cap * 2 : 8192;
		}
		size_t got = fread(data + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(data);
		fclose(f);
		return NULL;
	}
	fclose(f);
	data[n] = '\0';
	if (len)
		*len = n;
	return data;
}

int tu_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int rc = -1;

	if (f) {
		rc = fwrite(data, 1, len, f) == len ? 0 : -1;
		if (fclose(f) != 0)
			rc = -1;
	}
	return rc;
}

const char *tu_fixtures(void)
{
	const char *d = getenv("OW_FIXTURES");
	return d ? d : "tests/fixtures";
}

struct tu_run tu_cli(const char *db, const char *const *args)
{
	char *argv[48];
	int argc = 0;
	struct tu_run r = { 0 };
	FILE *out = open_memstream(&r.out, &r.olen), *err = open_memstream(&r.err, &r.elen);

	argv[argc++] = (char *)"osdwarden";
	argv[argc++] = (char *)"--db";
	argv[argc++] = (char *)db;
	for (; *args && argc < 47; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	r.rc = cli_main(argc, argv, out, err);
	fclose(out);
	fclose(err);
	return r;
}

void tu_run_free(struct tu_run *r)
{
	free(r->out);
	free(r->err);
}

void tu_sql_exec(const char *path, const char *sql)
{
	sqlite3 *s;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
	if (sqlite3_exec(s, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(s);
}

long long tu_sql_int(const char *path, const char *sql)
{
	sqlite3 *s;
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_open_v2(path, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(s));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -999 : sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(s);
	return v;
}

static int keep_sql(unsigned type, void *ctx, void *stmt, void *unused)
{
	struct tu_plans *p = ctx;
	const char *sql = sqlite3_sql(stmt);

	(void)type;
	(void)unused;
	if (!sql)
		return 0;
	p->text = realloc(p->text, (p->n + 1) * sizeof *p->text);
	assert_non_null(p->text);
	assert_non_null(p->text[p->n++] = strdup(sql));
	return 0;
}

void tu_plans_begin(struct tu_plans *p, struct sqlite3 *sql)
{
	*p = (struct tu_plans){ .sql = sql };
	assert_int_equal(sqlite3_trace_v2(sql, SQLITE_TRACE_STMT, keep_sql, p), SQLITE_OK);
}

char *tu_plans_end(struct tu_plans *p)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	sqlite3_trace_v2(p->sql, 0, NULL, NULL);
	for (size_t i = 0; i < p->n; i++) {
		size_t n = strlen(p->text[i]) + sizeof "EXPLAIN QUERY PLAN ";
		char *q = malloc(n);
		sqlite3_stmt *st;
		assert_non_null(q);
		snprintf(q, n, "EXPLAIN QUERY PLAN %s", p->text[i]);
		fprintf(f, "%s\n", p->text[i]);
		/* a PRAGMA or a transaction's BEGIN has no plan to show */
		if (sqlite3_prepare_v2(p->sql, q, -1, &st, NULL) == SQLITE_OK) {
			while (sqlite3_step(st) == SQLITE_ROW)
				fprintf(f, "  %s\n", (const char *)sqlite3_column_text(st, 3));
			sqlite3_finalize(st);
		}
		free(q);
		free(p->text[i]);
	}
	free(p->text);
	p->text = NULL;
	p->n = 0;
	fclose(f);
	return out;
}

void tu_new_inventory(const char *path)
{
	struct inv_open_opts o = { .path = path };
	struct ow_err e = { 0 };
	struct inv *db;

	if (inv_open(&o, &db, &e) != 0)
		fail_msg("making an empty inventory at %s: %s", path, e.msg);
	inv_close(db);
}
