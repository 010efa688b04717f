#include "db/list.h"

#include <stdlib.h>
#include <string.h>

#include "db/internal.h"
#include "util/buf.h"

struct list_col {
	struct inv_col pub;
	const char *expr;    /* SQL expression over the list's FROM */
	bool filter;         /* matched by the filter text */
};

struct inv_list {
	const char *name;
	const char *from;    /* a table, or a subquery with an alias */
	const char *where;   /* base predicate */
	const char *key;     /* unique integer expression */
	int default_sort;
	const struct list_col *cols;
	size_t ncols;
	/* An FTS5 trigram index over exactly the filter columns (rowid = key),
	 * used for filters of 3 characters or more; NULL: LIKE only. */
	const char *fts;
	/* How the checks' findings name a row: their object types, and the
	 * SQL of the object key (as checks/eval_*.c emit them). */
	const char *const *obj_types;
	const char *obj_key;
	const char *const *tables;   /* the tables FROM reads */
};

/* Each column: machine name, title, natural width, the width it may be
 * cut to, its priority (0: always shown; the highest is dropped first),
 * the AdminService property it holds (for the words of checks/words), its
 * SQL, and whether the filter matches it. */
#define COL(k, n, t, w, mn, pr, fld, e, f) { { n, t, k, w, mn, pr, fld, NULL }, e, f }
#define TXT(n, t, w, mn, pr, fld, e, f) COL(INV_TEXT, n, t, w, mn, pr, fld, e, f)
#define INT(n, t, w, pr, fld, e) COL(INV_INT, n, t, w, w, pr, fld, e, false)
#define BOOL(n, t, pr, fld, e) COL(INV_BOOL, n, t, 3, 3, pr, fld, e, false)
#define TIME(n, t, pr, fld, e) COL(INV_TIME, n, t, 10, 10, pr, fld, e, false)
#define N(a) (sizeof a / sizeof a[0])

static const struct list_col dp_cols[] = {
	TXT("site_code", "SITE", 4, 4, 2, "SiteCode", "site_code", true),
	TXT("server", "SERVER", 26, 16, 0, "ServerName", "server_name", true),
	BOOL("pxe", "PXE", 0, "IsPXE", "is_pxe"),
	BOOL("pxe_active", "ACTIVE", 1, "IsActive", "is_active"),
	BOOL("pxe_password", "PASSWORD", 0, "PXEPassword", "pxe_password_set"),
	COL(INV_INT, "bind_policy", "INTERFACES", 16, 16, 0, "BindPolicy", "bind_policy", false),
	COL(INV_BOOL, "unknown_computers", "UNKNOWN PCS", 13, 13, 0, "SupportUnknownMachines",
	    "support_unknown", false),
	BOOL("multicast", "MULTICAST", 3, "IsMulticast", "is_multicast"),
	BOOL("internet_facing", "INTERNET", 2, "InternetFacing", "internet_facing"),
	BOOL("pull_dp", "PULL DP", 3, "IsPullDP", "is_pull_dp"),
};

static const struct list_col smp_cols[] = {
	TXT("site_code", "SITE", 4, 4, 2, "SiteCode", "site_code", true),
	TXT("server", "SERVER", 26, 16, 0, "ServerName", "server_name", true),
	BOOL("restore_only", "RESTORE ONLY", 0, "restore_only", "restore_only"),
	COL(INV_INT, "delete_after_minutes", "DELETED AFTER", 16, 13, 0, "deletion_delay_min",
	    "deletion_delay_min", false),
	INT("folders", "FOLDERS", 7, 1,  NULL,
	    "(SELECT count(*) FROM smp_folders f WHERE f.smp_id = smps.id)"),
	TXT("remote_name", "REMOTE NAME", 20, 11, 3, NULL, "remote_name", true),
};

static const struct list_col media_cols[] = {
	TXT("kind", "KIND", 10, 10, 0, NULL, "kind", true),
	TXT("id", "ID", 12, 8, 2, NULL, "ident", true),
	TXT("name", "NAME", 26, 14, 0, NULL, "name", true),
	TXT("site_code", "SITE", 4, 4, 3, "SiteCode", "site_code", true),
	TIME("date", "DATE", 1, NULL, "date"),
	BOOL("f8_prompt", "F8", 0, "EnableLabShell", "lab_shell"),
	TIME("valid_until", "VALID UNTIL", 0, "ValidUntil", "valid_until"),
	BOOL("blocked", "BLOCKED", 1, "IsBlocked", "is_blocked"),
};

static const struct list_col cert_cols[] = {
	TXT("type", "TYPE", 5, 5, 0, NULL,
	    "CASE type WHEN 1 THEN 'media' WHEN 2 THEN 'PXE' WHEN 3 THEN 'ISV' "
	    "ELSE CAST(type AS TEXT) END", true),
	TXT("key_type", "KEY", 4, 4, 0, NULL,
	    "CASE key_type WHEN 1 THEN 'self' WHEN 2 THEN 'PKI' "
	    "ELSE CAST(key_type AS TEXT) END", true),
	TXT("issued_to", "ISSUED TO", 24, 14, 0, "IssuedTo", "issued_to", true),
	TXT("server_name", "SERVER", 18, 8, 1, "ServerName", "server_name", true),
	TIME("valid_from", "VALID FROM", 2, "ValidFrom", "valid_from"),
	TIME("valid_until", "VALID UNTIL", 0, "ValidUntil", "valid_until"),
	BOOL("is_blocked", "BLOCKED", 0, "IsBlocked", "is_blocked"),
	TXT("site_code", "SITE", 4, 4, 3, "SiteCode", "site_code", true),
	TXT("smsid", "SMSID", 38, 12, 4, "SMSID", "smsid", true),
};

static const struct list_col assoc_cols[] = {
	TXT("source_name", "SOURCE", 16, 8, 0, "SourceName", "source_name", true),
	{ { "restore_name", "RESTORE", INV_TEXT, 16, 8, 0, "RestoreName", " \xe2\x86\x92 " },
	  "restore_name", true },
	INT("source_id", "SRC ID", 10, 4, "SourceClientResourceID", "source_id"),
	INT("restore_id", "RST ID", 10, 4, "RestoreClientResourceID", "restore_id"),
	TXT("migration_status", "STATUS", 11, 11, 0, NULL,
	    "CASE migration_status WHEN 0 THEN 'not started' WHEN 1 THEN 'in progress' "
	    "WHEN 2 THEN 'completed' ELSE CAST(migration_status AS TEXT) END", false),
	TIME("created", "CAPTURED", 0, "StoreCreationDate", "store_created"),
	TIME("released", "RESTORED", 0, "StoreReleaseDate", "store_released"),
	/* days since the state was captured, on osdwarden's clock (:now) */
	INT("age_days", "AGE", 6, 0, "age_days", "(:now - store_created) / 86400"),
	TXT("store_path", "STORE", 30, 10, 2, "StorePath", "store_path", true),
	TXT("site_code", "SITE", 4, 4, 3, "SiteCode", "site_code", true),
};

static const struct list_col ts_cols[] = {
	TXT("package_id", "ID", 8, 8, 0, "PackageID", "package_id", true),
	TXT("name", "NAME", 30, 14, 0, "Name", "name", true),
	TXT("boot_image", "BOOT IMG", 8, 8, 1, "BootImageID", "boot_image_id", true),
	TXT("run_as", "RUN AS", 24, 10, 1, "run_as",
	    "(SELECT group_concat(user_name, ', ') FROM ts_run_as r "
	    "WHERE r.ts_id = task_sequences.id)", true),
	TXT("site_code", "SITE", 4, 4, 2, "SiteCode", "site_code", true),
};

static const struct list_col admin_cols[] = {
	TXT("logon_name", "LOGON NAME", 26, 14, 0, "LogonName", "logon_name", true),
	TXT("account_type", "TYPE", 5, 5, 0, NULL,
	    "CASE account_type WHEN 0 THEN 'user' WHEN 1 THEN 'group' "
	    "ELSE CAST(account_type AS TEXT) END", true),
	TXT("roles", "ROLES", 24, 10, 1, "RoleNames", "role_names", true),
	TXT("collections", "COLLECTIONS", 20, 11, 2, "CollectionNames", "collection_names", true),
	INT("admin_id", "ID", 8, 3, "AdminID", "admin_id"),
};

static const struct list_col site_cols[] = {
	TXT("site_code", "SITE", 4, 4, 0, "SiteCode", "site_code", true),
	TXT("name", "NAME", 24, 10, 1, "SiteName", "site_name", true),
	TXT("server", "SERVER", 26, 12, 1, "ServerName", "server_name", true),
	TXT("version", "VERSION", 14, 10, 2, "Version", "version", true),
	INT("build", "BUILD", 6, 0, "BuildNumber", "build_number"),
	TXT("parent", "PARENT", 6, 6, 2, "ReportingSiteCode", "parent_site_code", true),
	/* a URL cut short says little: shown at a width that holds a host
	 * and port, else not at all */
	TXT("provider", "PROVIDER", 30, 24, 3, NULL,
	    "(SELECT url FROM providers p WHERE p.id = sites.provider_id)", false),
};

/* Boot images and boot-media certificates side by side: the media in
 * circulation is only visible through its certificate (reference §6). */
static const char media_from[] =
	"(SELECT id * 2 AS rk, 'boot image' AS kind, package_id AS ident, name, site_code,"
	"  source_date AS date, enable_lab_shell AS lab_shell, NULL AS valid_until,"
	"  NULL AS is_blocked, first_seen FROM boot_images WHERE gone_at IS NULL"
	" UNION ALL"
	" SELECT id * 2 + 1, 'media cert', smsid, issued_to, site_code, valid_from, NULL,"
	"  valid_until, is_blocked, first_seen FROM certificates WHERE type = 1 AND gone_at IS NULL)"
	" AS m";

static const char *const t_dp[] = { "dp", NULL }, *const t_smp[] = { "smp", NULL },
	*const t_media[] = { "boot_image", "certificate", NULL }, *const t_cert[] = { "certificate", NULL },
	*const t_assoc[] = { "association", NULL }, *const t_ts[] = { "task_sequence", NULL },
	*const t_admin[] = { "admin", NULL }, *const t_site[] = { "site", NULL };
static const char *const tb_dp[] = { "dps", NULL }, *const tb_smp[] = { "smps", NULL },
	*const tb_media[] = { "boot_images", "certificates", NULL },
	*const tb_cert[] = { "certificates", NULL }, *const tb_assoc[] = { "associations", NULL },
	*const tb_ts[] = { "task_sequences", NULL }, *const tb_admin[] = { "admins", NULL },
	*const tb_site[] = { "sites", NULL };

/* One row per list: name, from, where, key, default sort, columns, FTS
 * index, the findings' object types and key, the tables it reads. The
 * table and the names for usage messages both come from it. */
#define INV_LISTS(_)                                                                      \
	_("dps", "dps", "gone_at IS NULL", "id", 1, dp_cols, NULL, t_dp, "server_name", tb_dp)  \
	_("smps", "smps", "gone_at IS NULL", "id", 1, smp_cols, NULL, t_smp, "server_name",    \
	  tb_smp)                                                                             \
	_("media", media_from, "1", "rk", 2, media_cols, NULL, t_media, "ident", tb_media)     \
	_("certs", "certificates", "gone_at IS NULL", "id", 2, cert_cols, NULL, t_cert, "smsid", \
	  tb_cert)                                                                            \
	_("assocs", "associations", "gone_at IS NULL", "id", 0, assoc_cols, "assoc_fts", t_assoc, \
	  "source_id || ':' || restore_id", tb_assoc)                                         \
	_("ts", "task_sequences", "gone_at IS NULL", "id", 1, ts_cols, NULL, t_ts, "package_id", \
	  tb_ts)                                                                              \
	_("admins", "admins", "gone_at IS NULL", "id", 0, admin_cols, NULL, t_admin,           \
	  "CAST(admin_id AS TEXT)", tb_admin)                                                 \
	_("sites", "sites", "gone_at IS NULL", "id", 0, site_cols, NULL, t_site, "site_code",  \
	  tb_site)

static const struct inv_list lists[] = {
#define LIST_ROW(name, from, where, key, sort, cols, fts, types, okey, tables) \
	{ name, from, where, key, sort, cols, N(cols), fts, types, okey, tables },
	INV_LISTS(LIST_ROW)
#undef LIST_ROW
};

/* "dps|smps|...", joined at compile time */
#define LIST_NAME(name, ...) "|" name
static const char list_names[] = INV_LISTS(LIST_NAME);
#undef LIST_NAME

const struct inv_list *inv_list_find(const char *name)
{
	for (size_t i = 0; i < N(lists); i++)
		if (strcmp(lists[i].name, name) == 0)
			return &lists[i];
	return NULL;
}

const char *inv_list_names(void)
{
	return list_names + 1;
}

const char *inv_list_name(const struct inv_list *l)
{
	return l->name;
}

size_t inv_list_ncols(const struct inv_list *l)
{
	return l->ncols;
}

const struct inv_col *inv_list_col(const struct inv_list *l, size_t i)
{
	return i < l->ncols ? &l->cols[i].pub : NULL;
}

const char *const *inv_list_object_types(const struct inv_list *l)
{
	return l->obj_types;
}

const char *const *inv_list_tables(const struct inv_list *l)
{
	return l->tables;
}

int inv_list_col_index(const struct inv_list *l, const char *name)
{
	for (size_t i = 0; i < l->ncols; i++)
		if (strcmp(l->cols[i].pub.name, name) == 0)
			return (int)i;
	return -1;
}

static bool has_filter(const struct inv_page_req *req)
{
	return req->filter && req->filter[0];
}

/* Whether the filter goes through the list's trigram index: only 3
 * characters and more make a trigram. */
static bool use_fts(const struct inv_list *l, const char *filter)
{
	size_t chars = 0;

	for (const unsigned char *p = (const unsigned char *)(filter ? filter : ""); *p; p++)
		chars += (*p & 0xC0) != 0x80;
	return l->fts && chars >= 3;
}

/* The filter as an FTS5 query: every trigram of it, ANDed (the index
 * keeps no positions, so no phrase; LIKE then checks the order). */
static char *fts_query(const char *text)
{
	struct buf b = BUF_INIT;
	size_t starts[130], n = 0, len = strlen(text);

	for (size_t i = 0; i < len && n < 129; i++)
		if (((unsigned char)text[i] & 0xC0) != 0x80)
			starts[n++] = i;
	starts[n] = len;
	for (size_t k = 0; k + 3 <= n; k++) {
		buf_adds(&b, k ? " AND \"" : "\"");
		for (size_t i = starts[k]; i < starts[k + 3]; i++) {
			if (text[i] == '"')
				buf_addc(&b, '"');
			buf_addc(&b, text[i]);
		}
		buf_addc(&b, '"');
	}
	return buf_detach(&b);
}

static void add_filter(struct buf *sql, const struct inv_list *l, bool fts)
{
	bool first = true;

	/* The index narrows to rows holding every trigram, in any order; the
	 * LIKE then says which hold the text itself. */
	if (fts)
		buf_addf(sql, " AND %s IN (SELECT rowid FROM %s WHERE %s MATCH :m)", l->key, l->fts,
		         l->fts);
	buf_adds(sql, " AND (");
	for (size_t i = 0; i < l->ncols; i++) {
		if (!l->cols[i].filter)
			continue;
		buf_addf(sql, "%s(%s) LIKE :f ESCAPE '\\'", first ? "" : " OR ", l->cols[i].expr);
		first = false;
	}
	buf_adds(sql, first ? "0)" : ")");
}

/* Rows strictly after the cursor in the given order. SQLite sorts NULL
 * first ascending and last descending; row-value comparisons are false
 * for NULL, so NULL sort values need their own terms. */
static void add_keyset(struct buf *sql, const char *sort, const char *key, bool desc,
                       bool cursor_null)
{
	if (!desc && !cursor_null)
		buf_addf(sql, " AND (%s, %s) > (:v, :k)", sort, key);
	else if (!desc)
		buf_addf(sql, " AND ((%s IS NULL AND %s > :k) OR %s IS NOT NULL)", sort, key, sort);
	else if (!cursor_null)
		buf_addf(sql, " AND ((%s, %s) < (:v, :k) OR %s IS NULL)", sort, key, sort);
	else
		buf_addf(sql, " AND %s IS NULL AND %s < :k", sort, key);
}

/* The filter text as a LIKE pattern with %, _ and \ taken literally. */
static char *like_pattern(const char *text)
{
	struct buf b = BUF_INIT;

	buf_addc(&b, '%');
	for (const char *p = text; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			buf_addc(&b, '\\');
		buf_addc(&b, *p);
	}
	buf_addc(&b, '%');
	return buf_detach(&b);
}

static void bind_named_text(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(st, name);
	if (i)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

static void bind_named_int(sqlite3_stmt *st, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(st, name);
	if (i)
		sqlite3_bind_int64(st, i, v);
}

static void bind_cell(sqlite3_stmt *st, const char *name, const struct inv_cell *c)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (!i)
		return;
	if (c->null)
		sqlite3_bind_null(st, i);
	else if (c->s)
		sqlite3_bind_text(st, i, c->s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, i, c->i);
}

static int read_cell(sqlite3_stmt *st, int col, struct inv_cell *c)
{
	memset(c, 0, sizeof *c);
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_NULL:
		c->null = true;
		return 0;
	case SQLITE_INTEGER:
	case SQLITE_FLOAT:
		c->i = sqlite3_column_int64(st, col);
		return 0;
	default:
		c->s = strdup((const char *)sqlite3_column_text(st, col));
		return c->s ? 0 : -1;
	}
}

static int64_t count_rows(struct inv *db, const struct inv_list *l, const char *pattern,
                          const char *phrase, struct ow_err *err)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (!pattern && strcmp(l->where, "gone_at IS NULL") == 0)
		/* All rows less the gone ones: count(*) of a table reads its
		 * smallest index, and the gone rows have a partial index of
		 * their own; "WHERE gone_at IS NULL" would read every row. */
		buf_addf(&sql, "SELECT (SELECT count(*) FROM %s) - (SELECT count(*) FROM %s WHERE "
		         "gone_at IS NOT NULL)", l->from, l->from);
	else
		buf_addf(&sql, "SELECT count(*) FROM %s WHERE %s", l->from, l->where);
	if (pattern)
		add_filter(&sql, l, phrase != NULL);
	if (sqlite3_prepare_v2(db->sql, buf_str(&sql), -1, &st, NULL) == SQLITE_OK) {
		if (pattern)
			bind_named_text(st, ":f", pattern);
		if (phrase)
			bind_named_text(st, ":m", phrase);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
	}
	if (n < 0)
		inv_sql_error(db, err, "counting rows");
	sqlite3_finalize(st);
	buf_free(&sql);
	return n;
}

static void reverse_rows(struct inv_page *p)
{
	for (size_t i = 0, j = p->nrows ? p->nrows - 1 : 0; i < j; i++, j--) {
		struct inv_row t = p->rows[i];
		p->rows[i] = p->rows[j];
		p->rows[j] = t;
	}
}

static int fetch_rows(struct inv *db, sqlite3_stmt *st, size_t ncols, int limit,
                      struct inv_page *page, struct ow_err *err)
{
	int rc;

	page->rows = calloc((size_t)limit, sizeof *page->rows);
	if (!page->rows)
		return ow_err_set(err, OW_EINPUT, "out of memory");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct inv_row *r;

		if (page->nrows == (size_t)limit) {
			page->more = true;   /* the (limit+1)th row only says so */
			return 0;
		}
		r = &page->rows[page->nrows++];
		r->key = sqlite3_column_int64(st, 0);
		r->cells = calloc(ncols, sizeof *r->cells);
		if (!r->cells || read_cell(st, 1, &r->sort) != 0)
			return ow_err_set(err, OW_EINPUT, "out of memory");
		if (sqlite3_column_type(st, 2) != SQLITE_NULL &&
		    !(r->object_key = strdup((const char *)sqlite3_column_text(st, 2))))
			return ow_err_set(err, OW_EINPUT, "out of memory");
		r->first_seen = sqlite3_column_int64(st, 3);
		for (size_t c = 0; c < ncols; c++)
			if (read_cell(st, (int)c + 4, &r->cells[c]) != 0)
				return ow_err_set(err, OW_EINPUT, "out of memory");
	}
	if (rc != SQLITE_DONE)
		return inv_sql_error(db, err, "reading a list");
	return 0;
}

int inv_list_page(struct inv *db, const struct inv_list *l, const struct inv_page_req *req,
                  struct inv_page *page, struct ow_err *err)
{
	int sort_col = req->sort_col >= 0 && (size_t)req->sort_col < l->ncols
	                       ? req->sort_col : l->default_sort;
	const char *sort = l->cols[sort_col].expr;
	/* Backward anchors read in the opposite order and flip the result. */
	bool backward = req->anchor == INV_LAST || req->anchor == INV_BEFORE;
	bool desc = req->desc != backward;
	bool keyset = req->anchor == INV_AFTER || req->anchor == INV_BEFORE;
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st = NULL;
	char *pattern = NULL, *phrase = NULL;
	int rc = 0;

	memset(page, 0, sizeof *page);
	page->ncols = l->ncols;
	page->total = page->filtered = -1;
	if (req->limit < 1 || req->limit > 10000)
		return ow_err_set(err, OW_EINPUT, "a page holds 1 to 10000 rows, not %d", req->limit);
	if (keyset && !req->cursor)
		return ow_err_set(err, OW_EINPUT, "paging after or before a row needs its cursor");
	if (has_filter(req) && (!(pattern = like_pattern(req->filter)) ||
	                        (use_fts(l, req->filter) && !(phrase = fts_query(req->filter))))) {
		free(pattern);
		return ow_err_set(err, OW_EINPUT, "out of memory");
	}

	/* every list's FROM has first_seen: a row newer than a check run was
	 * not judged by it */
	buf_addf(&sql, "SELECT %s, %s, %s, first_seen", l->key, sort, l->obj_key);
	for (size_t i = 0; i < l->ncols; i++)
		buf_addf(&sql, ", %s", l->cols[i].expr);
	buf_addf(&sql, " FROM %s WHERE %s", l->from, l->where);
	if (pattern)
		add_filter(&sql, l, phrase != NULL);
	if (keyset)
		add_keyset(&sql, sort, l->key, desc, req->cursor->sort.null);
	buf_addf(&sql, " ORDER BY %s %s, %s %s LIMIT :lim", sort, desc ? "DESC" : "ASC",
	         l->key, desc ? "DESC" : "ASC");
	if (sql.failed) {
		rc = ow_err_set(err, OW_EINPUT, "out of memory");
		goto out;
	}
	if (sqlite3_prepare_v2(db->sql, buf_str(&sql), -1, &st, NULL) != SQLITE_OK) {
		rc = inv_sql_error(db, err, "preparing a list query");
		goto out;
	}
	if (pattern)
		bind_named_text(st, ":f", pattern);
	if (phrase)
		bind_named_text(st, ":m", phrase);
	if (keyset) {
		bind_cell(st, ":v", &req->cursor->sort);
		bind_named_int(st, ":k", req->cursor->key);
	}
	bind_named_int(st, ":lim", req->limit + 1);
	bind_named_int(st, ":now", inv_now());
	rc = fetch_rows(db, st, l->ncols, req->limit, page, err);
	if (rc == 0 && backward)
		reverse_rows(page);
	if (rc == 0 && req->want_counts) {
		/* The total is a scan of the whole list: once, when asked. */
		page->total = req->skip_total ? -1 : count_rows(db, l, NULL, NULL, err);
		page->filtered = pattern ? count_rows(db, l, pattern, phrase, err) : page->total;
		if ((!req->skip_total && page->total < 0) || (pattern && page->filtered < 0))
			rc = OW_EINPUT;
	}
out:
	sqlite3_finalize(st);
	buf_free(&sql);
	free(pattern);
	free(phrase);
	if (rc)
		inv_page_free(page);
	return rc;
}

void inv_page_free(struct inv_page *page)
{
	for (size_t r = 0; r < page->nrows; r++) {
		free(page->rows[r].sort.s);
		free(page->rows[r].object_key);
		if (page->rows[r].cells)
			for (size_t c = 0; c < page->ncols; c++)
				free(page->rows[r].cells[c].s);
		free(page->rows[r].cells);
	}
	free(page->rows);
	page->rows = NULL;
	page->nrows = 0;
}

int inv_cursor_from_row(const struct inv_row *row, struct inv_cursor *cur)
{
	cur->key = row->key;
	cur->sort = row->sort;
	cur->sort.s = NULL;
	if (row->sort.s && !(cur->sort.s = strdup(row->sort.s)))
		return -1;
	return 0;
}

void inv_cursor_free(struct inv_cursor *cur)
{
	free(cur->sort.s);
	cur->sort.s = NULL;
}
