#include "db/schemacheck.h"

#include <stdlib.h>
#include <string.h>

#include "db/schema.h"
#include "util/buf.h"
#include "util/sanitize.h"

/* One row of sqlite_schema. */
struct obj {
	char *type, *name, *sql;
};

struct objs {
	struct obj *v;
	size_t n;
};

static void objs_free(struct objs *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free(o->v[i].type);
		free(o->v[i].name);
		free(o->v[i].sql);
	}
	free(o->v);
}

static char *dup_col(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? strdup((const char *)t) : NULL;
}

/* The sql text with runs of white space made one space, so that only a
 * change of meaning counts, not of layout. */
static char *squeeze(const char *s)
{
	struct buf b = BUF_INIT;
	bool space = false;

	for (; s && *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			space = true;
			continue;
		}
		if (space && b.len)
			buf_addc(&b, ' ');
		space = false;
		buf_addc(&b, *s);
	}
	return b.failed ? (buf_free(&b), NULL) : buf_detach(&b);
}

static int load(sqlite3 *db, struct objs *o)
{
	sqlite3_stmt *st = NULL;
	int rc;

	o->v = NULL;
	o->n = 0;
	if (sqlite3_prepare_v2(db, "SELECT type, name, sql FROM sqlite_schema", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct obj *v = realloc(o->v, (o->n + 1) * sizeof *v);
		if (!v)
			break;
		o->v = v;
		v[o->n].type = dup_col(st, 0);
		v[o->n].name = dup_col(st, 1);
		v[o->n].sql = sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : squeeze(
			(const char *)sqlite3_column_text(st, 2));
		o->n++;
		if (!v[o->n - 1].type || !v[o->n - 1].name)
			break;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static const struct obj *find(const struct objs *o, const char *name)
{
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->v[i].name, name) == 0)
			return &o->v[i];
	return NULL;
}

/* Shadow tables of a virtual table osdwarden created (fts5's _data,
 * _idx, ...): their set and definitions belong to the SQLite version that
 * made them, so they are not compared (defensive mode keeps SQL from
 * writing them). */
static bool is_shadow_of_ours(const struct objs *want, const char *name)
{
	for (size_t i = 0; i < want->n; i++) {
		const struct obj *w = &want->v[i];
		size_t n = strlen(w->name);
		if (w->sql && strncmp(w->sql, "CREATE VIRTUAL TABLE", 20) == 0 &&
		    strncmp(name, w->name, n) == 0 && name[n] == '_')
			return true;
	}
	return false;
}

static bool is_sqlite_internal(const char *name)
{
	/* ANALYZE's statistics, AUTOINCREMENT's counters: SQLite's own */
	return strncmp(name, "sqlite_stat", 11) == 0 || strcmp(name, "sqlite_sequence") == 0;
}

static bool same_sql(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The SQL keyword for DROP of an object type, upper case. */
static const char *drop_kw(const char *type)
{
	if (strcmp(type, "trigger") == 0)
		return "TRIGGER";
	if (strcmp(type, "view") == 0)
		return "VIEW";
	if (strcmp(type, "index") == 0)
		return "INDEX";
	return "TABLE";
}

static int refuse_foreign(const char *path, const struct obj *o, struct ow_err *err)
{
	char *name = san_str(o->name, 80, SAN_ASCII), *sql = san_str(o->sql, 200, SAN_ASCII);
	bool plain = true;

	for (const char *p = o->name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_'))
			plain = false;
	ow_err_set(err, OW_EINPUT, "the inventory %s holds a %s osdwarden did not create, %s %s: "
	           "it could hide or change what osdwarden writes (the audit log above all), so "
	           "the inventory was not opened and was left untouched. If you did not add it, "
	           "someone who can write the inventory did: remove it with sqlite3 '%s' "
	           "'DROP %s %s%s%s', then run osdwarden audit verify. Its definition: %s",
	           path, o->type, o->type, name ? name : "?", path, drop_kw(o->type),
	           plain ? "" : "\"", name ? name : "?", plain ? "" : "\"", sql ? sql : "");
	free(name);
	free(sql);
	return OW_EINPUT;
}

static int refuse_changed(const char *path, const struct obj *o, bool missing, struct ow_err *err)
{
	char *name = san_str(o->name, 80, SAN_ASCII);

	ow_err_set(err, OW_EINPUT, "the inventory %s: osdwarden's %s %s %s, so the inventory "
	           "was not opened and was left untouched. It was changed outside osdwarden; "
	           "restore the inventory from a backup (then osdwarden audit verify), or move it "
	           "aside and sync again (then osdwarden audit re-anchor: the anchor still describes "
	           "the old file)", path, o->type, name ? name : "?",
	           missing ? "is missing" : "has a definition osdwarden did not write");
	free(name);
	return OW_EINPUT;
}

int schemacheck_run(sqlite3 *db, const char *path, int version, struct ow_err *err)
{
	struct objs have, want;
	sqlite3 *mem = NULL;
	int rc = 0;

	if (version <= 0)
		return 0;
	/* What the migrations create, built where nothing else can reach. */
	if (sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		sqlite3_close(mem);
		return ow_err_set(err, OW_EINPUT, "out of memory while checking the inventory's schema");
	}
	if (schema_migrate(mem, version, err) != 0) {
		sqlite3_close(mem);
		return ow_err_prefix(err, "building the expected schema"), OW_EINPUT;
	}
	if (load(mem, &want) != 0 || load(db, &have) != 0) {
		rc = ow_err_set(err, OW_EINPUT, "cannot read the schema of the inventory %s: %s", path,
		                sqlite3_errmsg(db));
		objs_free(&want);
		sqlite3_close(mem);
		return rc;
	}
	sqlite3_close(mem);
	for (size_t i = 0; i < have.n && rc == 0; i++) {
		const struct obj *h = &have.v[i], *w = find(&want, h->name);
		if (!w) {
			/* A plain table or index cannot run anything when we write;
			 * a trigger, a view or a virtual table can. */
			bool inert = (strcmp(h->type, "table") == 0 &&
			              !(h->sql && strncmp(h->sql, "CREATE VIRTUAL", 14) == 0)) ||
			             strcmp(h->type, "index") == 0;
			if (!inert && !is_sqlite_internal(h->name))
				rc = refuse_foreign(path, h, err);
		} else if (strcmp(w->type, h->type) != 0 ||
		           (!(strcmp(h->type, "table") == 0 && is_shadow_of_ours(&want, h->name) &&
		              !(h->sql && strncmp(h->sql, "CREATE VIRTUAL", 14) == 0)) &&
		            !same_sql(w->sql, h->sql))) {
			rc = refuse_changed(path, h, false, err);
		}
	}
	/* A shadow table is the module's business: another SQLite version may
	 * make a different set of them. */
	for (size_t i = 0; i < want.n && rc == 0; i++)
		if (!find(&have, want.v[i].name) &&
		    !(strcmp(want.v[i].type, "table") == 0 && is_shadow_of_ours(&want, want.v[i].name)))
			rc = refuse_changed(path, &want.v[i], true, err);
	objs_free(&want);
	objs_free(&have);
	return rc;
}
