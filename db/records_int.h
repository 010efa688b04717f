/* Inside db/records (db/records*.c only):
 *   records.c           the column table of every record kind and the
 *                       per-kind API generated from them (INV_RECORDS)
 *   records_rows.c      one row of any kind: the SQL derived from its
 *                       table, the cached statements, put, get, each, load
 *   records_tables.c    whole component tables: what is gone, counts, an
 *                       object's raw JSON, child rows, the sync stamp
 *   records_settings.c  the operator's settings and what a site exposes */
#ifndef OW_DB_RECORDS_INT_H
#define OW_DB_RECORDS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/records.h"

enum ftype { FT_TEXT, FT_INT };

struct field {
	const char *col;
	enum ftype type;
	size_t off;
	bool keep;           /* a put without a value keeps the stored one */
};

/* One record kind: which table, which struct fields go to which columns
 * (the first nkey fields are the natural key), and where the id and the
 * history columns live in the struct. */
struct rtable {
	int slot;            /* statement cache slot (2 per kind) */
	const char *table;
	const struct field *fields;
	size_t nfields, nkey;
	size_t id_off;
	long seen_off;       /* -1: the table has no history columns */
	size_t size;         /* of the struct */
	unsigned flags;      /* INV_R_* */
};

/* The table of kind k, or NULL when k names none. */
const struct rtable *rec_table(enum inv_record k);
/* A component table (one with history columns) by name, or NULL: table
 * names reach SQL only from the column tables. */
const struct rtable *rec_history_table(const char *name);

/* One row of table t, rec its struct (records_rows.c). put: upserts by the
 * natural key and sets rec's id; get: fills rec by its key, strings new
 * (rec_free), or INV_NOTFOUND; each: fn per row, strings borrowed until
 * fn returns; load: every row into a new array (out, n). */
int rec_put(struct inv *db, const struct rtable *t, void *rec, int64_t now, struct ow_err *err);
int rec_get(struct inv *db, const struct rtable *t, void *rec, struct ow_err *err);
int rec_each(struct inv *db, const struct rtable *t, bool include_gone,
             int (*fn)(void *, const void *), void *ctx, struct ow_err *err);
int rec_load(struct inv *db, const struct rtable *t, size_t size, unsigned how,
             void **out, size_t *n, struct ow_err *err);
/* Frees rec's strings (not rec). */
void rec_free(const struct rtable *t, void *rec);

#endif
