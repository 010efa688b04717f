/* One row of any record kind, driven by its column table: the upsert and
 * the keyed select are derived from the table and prepared once per
 * connection; a row is bound from and read into the kind's struct by the
 * fields' offsets. each() lends SQLite's strings; get() and load() copy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/internal.h"
#include "db/records_int.h"
#include "util/buf.h"

static char **text_at(const void *rec, const struct field *f)
{
	return (char **)((char *)(uintptr_t)rec + f->off);
}

static int64_t *int_at(const void *rec, const struct field *f)
{
	return (int64_t *)((char *)(uintptr_t)rec + f->off);
}

static void build_put_sql(const struct rtable *t, struct buf *b)
{
	size_t i;

	buf_addf(b, "INSERT INTO %s(", t->table);
	for (i = 0; i < t->nfields; i++)
		buf_addf(b, "%s%s", i ? "," : "", t->fields[i].col);
	if (t->seen_off >= 0)
		buf_adds(b, ",first_seen,last_seen");
	buf_adds(b, ") VALUES(");
	for (i = 0; i < t->nfields; i++)
		buf_addf(b, "%s?%zu", i ? "," : "", i + 1);
	if (t->seen_off >= 0)
		buf_addf(b, ",?%zu,?%zu", t->nfields + 1, t->nfields + 1);
	buf_adds(b, ") ON CONFLICT(");
	for (i = 0; i < t->nkey; i++)
		buf_addf(b, "%s%s", i ? "," : "", t->fields[i].col);
	buf_adds(b, ") DO UPDATE SET ");
	for (i = t->nkey; i < t->nfields; i++)
		buf_addf(b, t->fields[i].keep ? "%s%s=COALESCE(excluded.%s,%s)" : "%s%s=excluded.%s",
		         i > t->nkey ? "," : "", t->fields[i].col, t->fields[i].col, t->fields[i].col);
	if (t->seen_off >= 0)
		buf_adds(b, ",last_seen=excluded.last_seen,gone_at=NULL");
	buf_adds(b, " RETURNING id");
}

/* SELECT of a whole row, in the order read_row reads it. */
static void select_row(const struct rtable *t, struct buf *b)
{
	buf_adds(b, "SELECT id");
	for (size_t i = 0; i < t->nfields; i++)
		buf_addf(b, ",%s", t->fields[i].col);
	if (t->seen_off >= 0)
		buf_adds(b, ",first_seen,last_seen,gone_at");
	buf_addf(b, " FROM %s", t->table);
}

static void build_get_sql(const struct rtable *t, struct buf *b)
{
	select_row(t, b);
	buf_adds(b, " WHERE ");
	for (size_t i = 0; i < t->nkey; i++)
		buf_addf(b, "%s%s=?%zu", i ? " AND " : "", t->fields[i].col, i + 1);
}

/* The cached statement for slot, prepared on first use. */
static sqlite3_stmt *stmt(struct inv *db, int slot, const struct rtable *t,
                          void (*build)(const struct rtable *, struct buf *),
                          struct ow_err *err)
{
	struct buf b = BUF_INIT;

	if (db->put[slot]) {
		sqlite3_reset(db->put[slot]);
		sqlite3_clear_bindings(db->put[slot]);
		return db->put[slot];
	}
	build(t, &b);
	if (b.failed) {
		ow_err_set(err, OW_EINPUT, "out of memory");
	} else if (sqlite3_prepare_v3(db->sql, buf_str(&b), -1, SQLITE_PREPARE_PERSISTENT,
	                              &db->put[slot], NULL) != SQLITE_OK) {
		inv_sql_error(db, err, "preparing a query");
		db->put[slot] = NULL;
	}
	buf_free(&b);
	return db->put[slot];
}

static int bind_field(sqlite3_stmt *st, int idx, const void *rec, const struct field *f)
{
	if (f->type == FT_TEXT) {
		const char *s = *text_at(rec, f);
		return s ? sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC)
		         : sqlite3_bind_null(st, idx);
	}
	return *int_at(rec, f) == INV_NULL ? sqlite3_bind_null(st, idx)
	                                   : sqlite3_bind_int64(st, idx, *int_at(rec, f));
}

int rec_put(struct inv *db, const struct rtable *t, void *rec, int64_t now,
               struct ow_err *err)
{
	sqlite3_stmt *st = stmt(db, t->slot, t, build_put_sql, err);
	int rc = SQLITE_OK;

	if (!st)
		return OW_EINPUT;
	for (size_t i = 0; i < t->nfields && rc == SQLITE_OK; i++)
		rc = bind_field(st, (int)i + 1, rec, &t->fields[i]);
	if (rc == SQLITE_OK && t->seen_off >= 0)
		rc = sqlite3_bind_int64(st, (int)t->nfields + 1, now);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		*(int64_t *)((char *)rec + t->id_off) = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return 0;
	}
	sqlite3_reset(st);
	inv_sql_error(db, err, "saving a row");
	ow_err_prefix(err, "%s", t->table);
	return OW_EINPUT;
}

static int64_t column_int(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? INV_NULL
	                                                   : sqlite3_column_int64(st, col);
}

/* Fills rec from the current row of st (columns in get's order). */
static void read_row(const struct rtable *t, sqlite3_stmt *st, void *rec)
{
	int col = 0;

	*(int64_t *)((char *)rec + t->id_off) = sqlite3_column_int64(st, col++);
	for (size_t i = 0; i < t->nfields; i++, col++) {
		if (t->fields[i].type == FT_TEXT)
			*text_at(rec, &t->fields[i]) = (char *)sqlite3_column_text(st, col);
		else
			*int_at(rec, &t->fields[i]) = column_int(st, col);
	}
	if (t->seen_off >= 0) {
		struct inv_seen *s = (struct inv_seen *)((char *)rec + t->seen_off);
		s->first_seen = column_int(st, col++);
		s->last_seen = column_int(st, col++);
		s->gone_at = column_int(st, col);
	}
}

int rec_get(struct inv *db, const struct rtable *t, void *rec, struct ow_err *err)
{
	sqlite3_stmt *st = stmt(db, t->slot + 1, t, build_get_sql, err);
	int rc = SQLITE_OK;

	if (!st)
		return OW_EINPUT;
	for (size_t i = 0; i < t->nkey && rc == SQLITE_OK; i++)
		rc = bind_field(st, (int)i + 1, rec, &t->fields[i]);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return INV_NOTFOUND;
	}
	if (rc != SQLITE_ROW) {
		inv_sql_error(db, err, "reading a row");
		sqlite3_reset(st);
		return OW_EINPUT;
	}
	read_row(t, st, rec);
	/* The row's strings live in the statement; the caller keeps copies. */
	for (size_t i = 0; i < t->nfields; i++) {
		char **p = text_at(rec, &t->fields[i]);
		if (t->fields[i].type == FT_TEXT && *p)
			*p = strdup(*p);
	}
	sqlite3_reset(st);
	return 0;
}

/* Iterates without copying: text fields point into SQLite's row buffer,
 * valid until the next step, which is all fn may rely on. */
int rec_each(struct inv *db, const struct rtable *t, bool include_gone,
                int (*fn)(void *, const void *), void *ctx, struct ow_err *err)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st = NULL;
	_Alignas(16) unsigned char rec[512];
	int rc, stop = 0;

	select_row(t, &sql);
	if (t->seen_off >= 0 && !include_gone)
		buf_adds(&sql, " WHERE gone_at IS NULL");
	buf_adds(&sql, " ORDER BY id");
	rc = sqlite3_prepare_v2(db->sql, buf_str(&sql), -1, &st, NULL);
	buf_free(&sql);
	if (rc != SQLITE_OK)
		return inv_sql_error(db, err, "reading the inventory"), -1;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(rec, 0, sizeof rec);
		read_row(t, st, rec);
		stop = fn(ctx, rec);
	}
	if (!stop && rc != SQLITE_DONE) {
		inv_sql_error(db, err, "reading the inventory");
		stop = -1;
	}
	sqlite3_finalize(st);
	return stop;
}

struct loader {
	const struct rtable *t;
	size_t size, n, cap;
	char *arr;
	bool oom, lean;
};

/* Deep copy of one row into the growing array. */
static int load_one(void *c, const void *rec)
{
	struct loader *l = c;
	char *dst;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char *a = realloc(l->arr, cap * l->size);
		if (!a) {
			l->oom = true;
			return 1;
		}
		l->arr = a;
		l->cap = cap;
	}
	dst = l->arr + l->n * l->size;
	memcpy(dst, rec, l->size);
	for (size_t i = 0; i < l->t->nfields; i++) {
		char **p = text_at(dst, &l->t->fields[i]);
		if (l->t->fields[i].type != FT_TEXT || !*p)
			continue;
		if (l->lean && strcmp(l->t->fields[i].col, "raw_json") == 0)
			*p = NULL;
		else if (!(*p = strdup(*p)))
			l->oom = true;
	}
	l->n++;
	return l->oom;
}

void rec_free(const struct rtable *t, void *rec)
{
	for (size_t i = 0; i < t->nfields; i++) {
		if (t->fields[i].type == FT_TEXT) {
			free(*text_at(rec, &t->fields[i]));
			*text_at(rec, &t->fields[i]) = NULL;
		}
	}
}

int rec_load(struct inv *db, const struct rtable *t, size_t size, unsigned how,
                void **out, size_t *n, struct ow_err *err)
{
	struct loader l = { t, size, 0, 0, NULL, false, (how & INV_LOAD_LEAN) != 0 };
	int rc = rec_each(db, t, (how & INV_LOAD_GONE) != 0, load_one, &l, err);

	if (rc < 0 || l.oom) {
		/* Free what was copied; a partial copy is never handed out. */
		for (size_t i = 0; i < l.n; i++)
			rec_free(t, l.arr + i * size);
		free(l.arr);
		*out = NULL;
		*n = 0;
		if (rc >= 0)
			ow_err_set(err, OW_EINPUT, "out of memory");
		return -1;
	}
	/* Grown by doubling: give back the slack (up to half of it at scale). */
	if (l.n && l.n < l.cap) {
		char *a = realloc(l.arr, l.n * size);
		if (a)
			l.arr = a;
	}
	*out = l.arr;
	*n = l.n;
	return 0;
}

void inv_record_init(enum inv_record k, void *rec)
{
	const struct rtable *t = rec_table(k);

	if (!t)
		return;
	memset(rec, 0, t->size);
	*(int64_t *)((char *)rec + t->id_off) = INV_NULL;
	for (size_t i = 0; i < t->nfields; i++)
		if (t->fields[i].type == FT_INT)
			*int_at(rec, &t->fields[i]) = INV_NULL;
}

int inv_known(struct inv *db, enum inv_record k, const void *rec, long off, struct ow_err *err)
{
	const struct rtable *t = rec_table(k);
	_Alignas(16) unsigned char row[512];
	int rc, known = 0;

	if (!t || t->size > sizeof row)
		return ow_err_set(err, OW_EINPUT, "internal: no record kind %d", (int)k), -1;
	memcpy(row, rec, t->size);
	rc = rec_get(db, t, row, err);
	if (rc == INV_NOTFOUND)
		return 0;
	if (rc != 0)
		return -1;
	for (size_t i = 0; i < t->nfields; i++)
		if ((long)t->fields[i].off == off)
			known = t->fields[i].type == FT_TEXT ? *text_at(row, &t->fields[i]) != NULL
			                                     : *int_at(row, &t->fields[i]) != INV_NULL;
	rec_free(t, row);
	return known;
}

int inv_put_record(struct inv *db, enum inv_record k, void *rec, int64_t now, struct ow_err *err)
{
	if (!rec_table(k))
		return ow_err_set(err, OW_EINPUT, "internal: no record kind %d", (int)k);
	return rec_put(db, rec_table(k), rec, now, err);
}
