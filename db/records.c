#include "db/records.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/internal.h"
#include "util/buf.h"

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

#define T(S, c) { #c, FT_TEXT, offsetof(struct S, c), false }
#define I(S, c) { #c, FT_INT, offsetof(struct S, c), false }
/* A value read once and then kept (a lazy property that never changes for
 * its object): a put that does not know it leaves it as stored. */
#define TK(S, c) { #c, FT_TEXT, offsetof(struct S, c), true }
#define N(a) (sizeof a / sizeof a[0])
#define SEEN(S) ((long)offsetof(struct S, seen))

static const struct field provider_f[] = {
	T(inv_provider, url), T(inv_provider, auth_mode), T(inv_provider, user_name),
	T(inv_provider, ca_file), I(inv_provider, insecure), I(inv_provider, last_sync_at),
	T(inv_provider, last_sync_result), T(inv_provider, last_sync_error),
};
static const struct field site_f[] = {
	T(inv_site, site_code), T(inv_site, site_name), T(inv_site, server_name),
	T(inv_site, version), I(inv_site, build_number), I(inv_site, type),
	T(inv_site, parent_site_code), I(inv_site, provider_id), T(inv_site, raw_json),
};
static const struct field dp_f[] = {
	T(inv_dp, site_code), T(inv_dp, nal_path), T(inv_dp, server_name),
	I(inv_dp, is_pxe), I(inv_dp, is_active), I(inv_dp, pxe_password_set),
	I(inv_dp, support_unknown), I(inv_dp, bind_policy), T(inv_dp, bind_except),
	I(inv_dp, response_delay), I(inv_dp, uda_setting), I(inv_dp, is_multicast),
	I(inv_dp, internet_facing), I(inv_dp, is_pull_dp), T(inv_dp, identity_guid),
	T(inv_dp, raw_json),
};
static const struct field smp_f[] = {
	T(inv_smp, site_code), T(inv_smp, nal_path), T(inv_smp, server_name),
	I(inv_smp, restore_only), I(inv_smp, deletion_delay_min),
	I(inv_smp, deletion_cycle_min), T(inv_smp, remote_name), I(inv_smp, ssl_state),
	T(inv_smp, raw_json),
};
static const struct field smp_folder_f[] = {
	I(inv_smp_folder, smp_id), T(inv_smp_folder, directory),
	I(inv_smp_folder, max_clients), I(inv_smp_folder, min_disk_space),
	I(inv_smp_folder, min_disk_unit),
};
static const struct field cert_f[] = {
	T(inv_cert, smsid), T(inv_cert, site_code), I(inv_cert, type), I(inv_cert, key_type),
	I(inv_cert, is_blocked), I(inv_cert, is_approved), T(inv_cert, issued_to),
	T(inv_cert, server_name), I(inv_cert, valid_from), I(inv_cert, valid_until),
	TK(inv_cert, thumbprint), T(inv_cert, raw_json),
};
static const struct field assoc_f[] = {
	I(inv_assoc, source_id), I(inv_assoc, restore_id), T(inv_assoc, migration_id),
	T(inv_assoc, site_code), T(inv_assoc, source_name), T(inv_assoc, restore_name),
	T(inv_assoc, store_path), I(inv_assoc, migration_type),
	I(inv_assoc, migration_behavior), I(inv_assoc, migration_status),
	I(inv_assoc, store_created), I(inv_assoc, store_released),
	I(inv_assoc, store_deleted), T(inv_assoc, user_names), T(inv_assoc, raw_json),
};
static const struct field boot_image_f[] = {
	T(inv_boot_image, package_id), T(inv_boot_image, site_code), T(inv_boot_image, name),
	I(inv_boot_image, architecture), I(inv_boot_image, pkg_flags),
	I(inv_boot_image, enable_lab_shell), I(inv_boot_image, source_date),
	I(inv_boot_image, last_refresh), T(inv_boot_image, raw_json),
};
static const struct field package_f[] = {
	T(inv_package, package_id), T(inv_package, site_code), T(inv_package, name),
	I(inv_package, package_type), I(inv_package, pkg_flags), T(inv_package, version),
	I(inv_package, source_date), T(inv_package, raw_json),
};
static const struct field ts_f[] = {
	T(inv_ts, package_id), T(inv_ts, site_code), T(inv_ts, name),
	T(inv_ts, boot_image_id), I(inv_ts, dynamic_install), T(inv_ts, image_ids),
	T(inv_ts, raw_json),
};
static const struct field ts_run_as_f[] = {
	I(inv_ts_run_as, ts_id), T(inv_ts_run_as, step_name), T(inv_ts_run_as, user_name),
};
static const struct field deployment_f[] = {
	T(inv_deployment, advertisement_id), T(inv_deployment, site_code),
	T(inv_deployment, package_id), T(inv_deployment, collection_id),
	I(inv_deployment, offer_type), I(inv_deployment, advert_flags),
	T(inv_deployment, raw_json),
};
static const struct field collection_var_f[] = {
	T(inv_collection_var, collection_id), T(inv_collection_var, name),
	I(inv_collection_var, masked), I(inv_collection_var, secret_suspect),
};
static const struct field admin_f[] = {
	I(inv_admin, admin_id), T(inv_admin, logon_name), I(inv_admin, account_type),
	T(inv_admin, role_ids), T(inv_admin, role_names), T(inv_admin, collection_names),
	T(inv_admin, categories), T(inv_admin, raw_json),
};
static const struct field collection_f[] = {
	T(inv_collection, collection_id), T(inv_collection, name),
	I(inv_collection, member_count), T(inv_collection, raw_json),
};
static const struct field waiver_f[] = {
	T(inv_waiver, check_id), T(inv_waiver, object_key), T(inv_waiver, reason),
	{ "operator", FT_TEXT, offsetof(struct inv_waiver, operator_name), false },
	I(inv_waiver, created), I(inv_waiver, expires),
};
static const struct field attestation_f[] = {
	T(inv_attestation, check_id), T(inv_attestation, object_key), T(inv_attestation, note),
	{ "operator", FT_TEXT, offsetof(struct inv_attestation, operator_name), false },
	I(inv_attestation, created), I(inv_attestation, expires),
};
static const struct field segment_f[] = {
	T(inv_segment, object_type), T(inv_segment, object_key), T(inv_segment, trust),
	I(inv_segment, sanctioned), I(inv_segment, compromised), T(inv_segment, note),
	{ "operator", FT_TEXT, offsetof(struct inv_segment, operator_name), false },
	I(inv_segment, updated),
};
static const struct field sync_class_f[] = {
	I(inv_sync_class, provider_id), { "class", FT_TEXT, offsetof(struct inv_sync_class, class_name), false },
	T(inv_sync_class, status), I(inv_sync_class, rows), T(inv_sync_class, message),
	I(inv_sync_class, synced_at),
};
static const struct field role_f[] = {
	T(inv_role, role_id), T(inv_role, role_name), I(inv_role, number_of_admins),
	I(inv_role, is_builtin), T(inv_role, operations), T(inv_role, raw_json),
};
static const struct field secured_type_f[] = {
	I(inv_secured_type, object_type_id), T(inv_secured_type, object_type_name),
};
static const struct field site_setting_f[] = {
	T(inv_site_setting, site_code), T(inv_site_setting, item), T(inv_site_setting, name),
	T(inv_site_setting, value),
};

/* The tables of every kind, in INV_RECORDS order; a kind's two cached
 * statements (put, get) are slots 2k and 2k+1. */
#define SEEN_HIST(S) SEEN(S)
#define SEEN_FLAT(S) (-1L)
#define RTABLE(kind, S, name, nkey, history, writer)                                 \
	static const struct rtable rt_##kind = { 2 * (INV_REC_##kind - 1), name, kind##_f,       \
	                                         N(kind##_f), nkey, offsetof(struct S, id), \
	                                         SEEN_##history(S), sizeof(struct S),      \
	                                         INV_R_FLAGS(history, writer) };
INV_RECORDS(RTABLE)
#undef RTABLE
#define RTABLE_REF(kind, S, name, nkey, history, writer) &rt_##kind,
static const struct rtable *const rtables[] = { INV_RECORDS(RTABLE_REF) };
#undef RTABLE_REF
/* the last slot is checkstore's */
_Static_assert(2 * (INV_REC_COUNT - 1) <= INV_STMT_CACHE - 1, "more record kinds than statement slots");

static const struct rtable *rtable_of(enum inv_record k)
{
	return k > INV_REC_NONE && k < INV_REC_COUNT ? rtables[k - 1] : NULL;
}

const char *inv_kind_table(enum inv_record k)
{
	return rtable_of(k) ? rtable_of(k)->table : NULL;
}

unsigned inv_kind_flags(enum inv_record k)
{
	return rtable_of(k) ? rtable_of(k)->flags : 0;
}

size_t inv_kind_size(enum inv_record k)
{
	return rtable_of(k) ? rtable_of(k)->size : 0;
}

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

static void build_get_sql(const struct rtable *t, struct buf *b)
{
	size_t i;

	buf_adds(b, "SELECT id");
	for (i = 0; i < t->nfields; i++)
		buf_addf(b, ",%s", t->fields[i].col);
	if (t->seen_off >= 0)
		buf_adds(b, ",first_seen,last_seen,gone_at");
	buf_addf(b, " FROM %s WHERE ", t->table);
	for (i = 0; i < t->nkey; i++)
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

static int put(struct inv *db, const struct rtable *t, void *rec, int64_t now,
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

static int get(struct inv *db, const struct rtable *t, void *rec, struct ow_err *err)
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
static int each(struct inv *db, const struct rtable *t, bool include_gone,
                int (*fn)(void *, const void *), void *ctx, struct ow_err *err)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st = NULL;
	_Alignas(16) unsigned char rec[512];
	int rc, stop = 0;

	buf_adds(&sql, "SELECT id");
	for (size_t i = 0; i < t->nfields; i++)
		buf_addf(&sql, ",%s", t->fields[i].col);
	if (t->seen_off >= 0)
		buf_adds(&sql, ",first_seen,last_seen,gone_at");
	buf_addf(&sql, " FROM %s", t->table);
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
	bool oom;
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
		if (l->t->fields[i].type == FT_TEXT && *p && !(*p = strdup(*p)))
			l->oom = true;
	}
	l->n++;
	return l->oom;
}

static int load(struct inv *db, const struct rtable *t, size_t size, bool include_gone,
                void **out, size_t *n, struct ow_err *err);

static void free_rec(const struct rtable *t, void *rec)
{
	for (size_t i = 0; i < t->nfields; i++) {
		if (t->fields[i].type == FT_TEXT) {
			free(*text_at(rec, &t->fields[i]));
			*text_at(rec, &t->fields[i]) = NULL;
		}
	}
}

#define INV_RECORD_IMPL(kind, type)                                             \
	int inv_put_##kind(struct inv *db, struct type *r, int64_t now,         \
	                   struct ow_err *err)                                  \
	{                                                                       \
		return put(db, &rt_##kind, r, now, err);                        \
	}                                                                       \
	int inv_get_##kind(struct inv *db, struct type *r, struct ow_err *err)  \
	{                                                                       \
		return get(db, &rt_##kind, r, err);                             \
	}                                                                       \
	void inv_free_##kind(struct type *r)                                    \
	{                                                                       \
		free_rec(&rt_##kind, r);                                        \
	}                                                                       \
	struct each_##kind {                                                    \
		int (*fn)(void *ctx, const struct type *r);                     \
		void *ctx;                                                      \
	};                                                                      \
	static int each_call_##kind(void *c, const void *r)                     \
	{                                                                       \
		struct each_##kind *e = c;                                      \
		return e->fn(e->ctx, r);                                        \
	}                                                                       \
	int inv_each_##kind(struct inv *db, bool include_gone,                  \
	                    int (*fn)(void *ctx, const struct type *r), void *ctx, \
	                    struct ow_err *err)                                 \
	{                                                                       \
		struct each_##kind e = { fn, ctx };                             \
		_Static_assert(sizeof(struct type) <= 512, "record too big");   \
		return each(db, &rt_##kind, include_gone, each_call_##kind, &e, err); \
	}                                                                       \
	int inv_load_##kind(struct inv *db, bool include_gone, struct type **out, \
	                    size_t *n, struct ow_err *err)                      \
	{                                                                       \
		return load(db, &rt_##kind, sizeof(struct type), include_gone,  \
		            (void **)out, n, err);                              \
	}                                                                       \
	void inv_unload_##kind(struct type *arr, size_t n)                      \
	{                                                                       \
		for (size_t i = 0; i < n; i++)                                  \
			free_rec(&rt_##kind, &arr[i]);                          \
		free(arr);                                                      \
	}

#define RECORD_IMPL(kind, type, table, nkey, history, writer) INV_RECORD_IMPL(kind, type)
INV_RECORDS(RECORD_IMPL)
#undef RECORD_IMPL

void inv_record_init(enum inv_record k, void *rec)
{
	const struct rtable *t = rtable_of(k);

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
	const struct rtable *t = rtable_of(k);
	_Alignas(16) unsigned char row[512];
	int rc, known = 0;

	if (!t || t->size > sizeof row)
		return ow_err_set(err, OW_EINPUT, "internal: no record kind %d", (int)k), -1;
	memcpy(row, rec, t->size);
	rc = get(db, t, row, err);
	if (rc == INV_NOTFOUND)
		return 0;
	if (rc != 0)
		return -1;
	for (size_t i = 0; i < t->nfields; i++)
		if ((long)t->fields[i].off == off)
			known = t->fields[i].type == FT_TEXT ? *text_at(row, &t->fields[i]) != NULL
			                                     : *int_at(row, &t->fields[i]) != INV_NULL;
	free_rec(t, row);
	return known;
}

int inv_put_record(struct inv *db, enum inv_record k, void *rec, int64_t now, struct ow_err *err)
{
	if (!rtable_of(k))
		return ow_err_set(err, OW_EINPUT, "internal: no record kind %d", (int)k);
	return put(db, rtable_of(k), rec, now, err);
}

static int load(struct inv *db, const struct rtable *t, size_t size, bool include_gone,
                void **out, size_t *n, struct ow_err *err)
{
	struct loader l = { t, size, 0, 0, NULL, false };
	int rc = each(db, t, include_gone, load_one, &l, err);

	if (rc < 0 || l.oom) {
		/* Free what was copied; a partial copy is never handed out. */
		for (size_t i = 0; i < l.n; i++)
			free_rec(t, l.arr + i * size);
		free(l.arr);
		*out = NULL;
		*n = 0;
		if (rc >= 0)
			ow_err_set(err, OW_EINPUT, "out of memory");
		return -1;
	}
	*out = l.arr;
	*n = l.n;
	return 0;
}

/* A component table by name (table names reach SQL only from rtables). */
static const struct rtable *history_table(const char *name)
{
	for (size_t i = 0; i < N(rtables); i++)
		if ((rtables[i]->flags & INV_R_HISTORY) && strcmp(rtables[i]->table, name) == 0)
			return rtables[i];
	return NULL;
}

/* Runs one statement over a known table with up to two integer
 * parameters, returning changes() or the single integer it selects. */
static int64_t run_on_table(struct inv *db, const char *table, const char *head,
                            const char *tail, int64_t a, int64_t b, bool select,
                            struct ow_err *err)
{
	const struct rtable *t = history_table(table);
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st = NULL;
	int64_t result = -1;
	int rc;

	if (!t) {
		ow_err_set(err, OW_EINPUT, "no component table named '%s'", table);
		return -1;
	}
	buf_adds(&sql, head);
	buf_adds(&sql, t->table);
	buf_adds(&sql, tail);
	rc = sqlite3_prepare_v2(db->sql, buf_str(&sql), -1, &st, NULL);
	buf_free(&sql);
	if (rc == SQLITE_OK && sqlite3_bind_parameter_count(st) >= 2) {
		sqlite3_bind_int64(st, 1, a);
		sqlite3_bind_int64(st, 2, b);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (select && rc == SQLITE_ROW)
		result = sqlite3_column_int64(st, 0);
	else if (!select && rc == SQLITE_DONE)
		result = sqlite3_changes(db->sql);
	else
		inv_sql_error(db, err, table);
	sqlite3_finalize(st);
	return result;
}

int64_t inv_mark_gone(struct inv *db, const char *table, int64_t since, int64_t now,
                      struct ow_err *err)
{
	return run_on_table(db, table, "UPDATE ",
	                    " SET gone_at=?2 WHERE last_seen<?1 AND gone_at IS NULL",
	                    since, now, false, err);
}

int64_t inv_mark_one_gone(struct inv *db, const char *table, int64_t id, int64_t now,
                          struct ow_err *err)
{
	return run_on_table(db, table, "UPDATE ", " SET gone_at=?2 WHERE id=?1 AND gone_at IS NULL",
	                    id, now, false, err);
}

char *inv_raw_json(struct inv *db, const char *table, int64_t id, struct ow_err *err)
{
	const struct rtable *t = history_table(table);
	sqlite3_stmt *st = NULL;
	char sql[200], *out = NULL;

	if (!t) {
		ow_err_set(err, OW_EINPUT, "no component table named '%s'", table);
		return NULL;
	}
	snprintf(sql, sizeof sql, "SELECT raw_json FROM %s WHERE id = ?1", t->table);
	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) {
		inv_sql_error(db, err, "reading an object's raw JSON");
		return NULL;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

int inv_assoc_index_hold(struct inv *db, bool hold, struct ow_err *err)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db->sql, hold ? "UPDATE assoc_fts_hold SET hold = 1"
	                                    : "INSERT INTO assoc_fts(assoc_fts) VALUES('rebuild');"
	                                      "UPDATE assoc_fts_hold SET hold = 0",
	                      NULL, NULL, &msg);

	sqlite3_free(msg);
	return rc == SQLITE_OK ? 0 : inv_sql_error(db, err, "indexing association names");
}

int64_t inv_count(struct inv *db, const char *table, struct ow_err *err)
{
	/* All rows less the gone ones (see db/list.c): no scan of a big table. */
	const struct rtable *t = history_table(table);
	char sql[300];
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (!t) {
		ow_err_set(err, OW_EINPUT, "no component table named '%s'", table);
		return -1;
	}
	snprintf(sql, sizeof sql, "SELECT (SELECT count(*) FROM %s) - (SELECT count(*) FROM %s "
	         "WHERE gone_at IS NOT NULL)", t->table, t->table);
	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		inv_sql_error(db, err, table);
	sqlite3_finalize(st);
	return n;
}

static int clear_children(struct inv *db, const char *sql, int64_t parent, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, parent);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : inv_sql_error(db, err, "clearing child rows");
}

int inv_clear_smp_folders(struct inv *db, int64_t smp_id, struct ow_err *err)
{
	return clear_children(db, "DELETE FROM smp_folders WHERE smp_id = ?1", smp_id, err);
}

int inv_clear_ts_run_as(struct inv *db, int64_t ts_id, struct ow_err *err)
{
	return clear_children(db, "DELETE FROM ts_run_as WHERE ts_id = ?1", ts_id, err);
}

int64_t inv_sync_stamp(struct inv *db, int64_t now, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t last = INV_NULL;

	if (sqlite3_prepare_v2(db->sql, "SELECT max(last_sync_at) FROM providers", -1, &st,
	                       NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		inv_sql_error(db, err, "reading the last sync time");
		return -1;
	}
	if (sqlite3_column_type(st, 0) != SQLITE_NULL)
		last = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return last != INV_NULL && last >= now ? last + 1 : now;
}

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
