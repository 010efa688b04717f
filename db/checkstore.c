#include "db/checkstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/internal.h"
#include "db/records.h"
#include "util/buf.h"


static int step_done(struct inv *db, sqlite3_stmt *st, const char *doing, struct ow_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : inv_sql_error(db, err, doing);
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

int64_t inv_run_begin(struct inv *db, int64_t started, const char *operator_name,
                      struct ow_err *err)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->sql, "INSERT INTO check_runs(started, operator) VALUES(?1, ?2)",
	                       -1, &st, NULL) != SQLITE_OK) {
		inv_sql_error(db, err, "starting a check run");
		return -1;
	}
	sqlite3_bind_int64(st, 1, started);
	bind_text(st, 2, operator_name);
	if (step_done(db, st, "starting a check run", err) != 0)
		return -1;
	return sqlite3_last_insert_rowid(db->sql);
}

/* Eight bytes at a time (the evidence is most of what is hashed, a
 * million times at scale); words are read little-endian whatever the
 * machine, as digests are stored. No value and "" differ. */
static uint64_t mix(uint64_t h, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);

	h = (h ^ (s ? n + 1 : 0)) * 0x9e3779b97f4a7c15ULL;
	for (; n >= 8; n -= 8, p += 8) {
		uint64_t w = 0;
		for (int i = 7; i >= 0; i--)
			w = w << 8 | p[i];
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	uint64_t w = 0;
	for (size_t i = n; i-- > 0;)
		w = w << 8 | p[i];
	h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 31);
}

uint64_t inv_finding_digest(const struct inv_finding *f, bool key_only)
{
	uint64_t h = 0x84222325cbf29ce4ULL;

	h = mix(mix(mix(h, f->check_id), f->object_type), f->object_key);
	if (key_only)
		return h;
	h = mix(mix(mix(mix(h, f->state), f->severity), f->object_name), f->evidence_json);
	h = mix(h, f->baseline);
	return (h ^ (f->waived ? 3u : 4u)) * 0x9e3779b97f4a7c15ULL;
}

/* The columns an open finding is compared from: from the index alone,
 * but for a row stored before digests (migration 14), hashed whole:
 * SQLite seeks the row only when a CASE reads one of its columns. */
#define WHOLE(col) "CASE WHEN digest IS NULL THEN " col " END"
#define OPEN_COLUMNS \
	"SELECT id, check_id, object_type, object_key, state, digest, " WHOLE("severity") ", " \
	WHOLE("object_name") ", " WHOLE("evidence_json") ", " \
	WHOLE("CASE WHEN state <> 'fail' THEN baseline ELSE 'unchanged' END") ", " \
	WHOLE("waived") ", ord FROM finding_spans INDEXED BY spans_key" \
	" WHERE check_id = ?1 AND closed_run IS NULL"

static void open_span_of(sqlite3_stmt *st, struct inv_open_span *s)
{
	const char *t[10];
	bool hashed = sqlite3_column_type(st, 5) != SQLITE_NULL;

	for (int i = 1; i < (hashed ? 5 : 10); i++)
		t[i] = i == 5 ? NULL : (const char *)sqlite3_column_text(st, i);
	struct inv_finding f = { t[1], t[4], NULL, t[2], t[3], NULL, NULL, NULL, 0, false, 0 };
	s->id = sqlite3_column_int64(st, 0);
	s->state = t[4];
	s->object_type = t[2];
	s->object_key = t[3];
	s->has_ord = sqlite3_column_type(st, 11) != SQLITE_NULL;
	s->ord = s->has_ord ? sqlite3_column_int64(st, 11) : 0;
	s->key = inv_finding_digest(&f, true);
	if (hashed) {
		s->digest = (uint64_t)sqlite3_column_int64(st, 5);
	} else {
		f.severity = t[6];
		f.object_name = t[7];
		f.evidence_json = t[8];
		f.baseline = t[9];
		f.waived = sqlite3_column_int(st, 10);
		s->digest = inv_finding_digest(&f, false);
	}
}

int inv_each_open_of(struct inv *db, const char *check_id, bool unordered_only,
                     int (*fn)(void *ctx, const struct inv_open_span *s), void *ctx,
                     struct ow_err *err)
{
	static const char *const sql[2] = { OPEN_COLUMNS, OPEN_COLUMNS " AND ord IS NULL" };
	sqlite3_stmt *st = NULL;
	int stop = 0, rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(db->sql, sql[unordered_only], -1, &st, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "reading the open findings");
	sqlite3_bind_text(st, 1, check_id, -1, SQLITE_STATIC);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct inv_open_span s;
		open_span_of(st, &s);
		stop = fn(ctx, &s);
	}
	if (!stop && rc != SQLITE_DONE)
		stop = inv_sql_error(db, err, "reading the open findings");
	sqlite3_finalize(st);
	return stop;
}

struct inv_spans {
	struct inv *db;
	sqlite3_stmt *st;
	bool sorted;
};

int inv_spans_open(struct inv *db, const char *check_id, struct inv_spans **out,
                   struct ow_err *err)
{
	static const char sql[] = OPEN_COLUMNS " AND ord IS NOT NULL"
	                          " ORDER BY ord, object_type, object_key, state, digest";
	struct inv_spans *c = calloc(1, sizeof *c);

	*out = NULL;
	if (!c) {
		ow_err_set(err, OW_EINPUT, "out of memory");
		return -1;
	}
	c->db = db;
	if (sqlite3_prepare_v2(db->sql, sql, -1, &c->st, NULL) != SQLITE_OK) {
		free(c);
		return inv_sql_error(db, err, "reading the open findings in order");
	}
	/* copied: the cursor outlives the caller's string */
	sqlite3_bind_text(c->st, 1, check_id, -1, SQLITE_TRANSIENT);
	*out = c;
	return 0;
}

int inv_spans_next(struct inv_spans *c, struct inv_open_span *s, struct ow_err *err)
{
	int rc;

	/* The first step sorts them all. With temp_store=MEMORY (as the
	 * inventory is opened: statement journals in memory) SQLite's sorter
	 * never spills, so a million findings would take tens of MiB; on
	 * disk for that step only, since with it on for the whole run a first
	 * run at scale took 0.3-0.6 s longer (measured, cause not found).
	 * Where the pragma is refused (a temporary table open in this
	 * transaction) the sort stays in memory, bigger but the same. */
	if (!c->sorted) {
		sqlite3_exec(c->db->sql, "PRAGMA temp_store=FILE", NULL, NULL, NULL);
		rc = sqlite3_step(c->st);
		sqlite3_exec(c->db->sql, "PRAGMA temp_store=MEMORY", NULL, NULL, NULL);
		c->sorted = true;
	} else {
		rc = sqlite3_step(c->st);
	}

	if (rc == SQLITE_ROW) {
		open_span_of(c->st, s);
		return 1;
	}
	if (rc == SQLITE_DONE)
		return 0;
	return inv_sql_error(c->db, err, "reading the open findings in order (SQLite sorts them in "
	                     "a temporary file in TMPDIR, else /var/tmp or /tmp)"), -1;
}

void inv_spans_close(struct inv_spans *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->st);
	free(c);
}
#undef OPEN_COLUMNS
#undef WHOLE

int inv_each_open_check(struct inv *db, int (*fn)(void *ctx, const char *check_id), void *ctx,
                        struct ow_err *err)
{
	/* the first check id (from '' on), then the next after the last one,
	 * with an open finding: a seek each, then the check's closed findings
	 * skipped in the index */
	static const char *const sql[2] = {
		"SELECT check_id FROM finding_spans INDEXED BY spans_key"
		" WHERE check_id >= ?1 AND closed_run IS NULL ORDER BY check_id LIMIT 1",
		"SELECT check_id FROM finding_spans INDEXED BY spans_key"
		" WHERE check_id > ?1 AND closed_run IS NULL ORDER BY check_id LIMIT 1",
	};
	sqlite3_stmt *st[2] = { NULL, NULL };
	char last[256] = "";
	int stop = 0, rc = SQLITE_DONE;
	bool odd = false;

	for (int i = 0; i < 2; i++)
		if (sqlite3_prepare_v2(db->sql, sql[i], -1, &st[i], NULL) != SQLITE_OK) {
			sqlite3_finalize(st[0]);
			return inv_sql_error(db, err, "listing the checks with open findings");
		}
	for (bool first = true;; first = false) {
		sqlite3_stmt *q = st[!first];
		sqlite3_bind_text(q, 1, last, -1, SQLITE_TRANSIENT);
		if ((rc = sqlite3_step(q)) != SQLITE_ROW) {
			sqlite3_reset(q);
			break;
		}
		/* an id of ours is text without a NUL, and short: anything else
		 * (a BLOB, a NUL inside) would come back at each step */
		int type = sqlite3_column_type(q, 0);   /* before column_text converts it */
		const char *id = (const char *)sqlite3_column_text(q, 0);
		int len = sqlite3_column_bytes(q, 0);
		if (type != SQLITE_TEXT || !id || strlen(id) != (size_t)len ||
		    (size_t)len >= sizeof last) {
			odd = true;
			sqlite3_reset(q);
			break;
		}
		memcpy(last, id, (size_t)len + 1);
		sqlite3_reset(q);
		if ((stop = fn(ctx, last)) != 0)
			break;
	}
	if (odd)
		stop = ow_err_set(err, OW_EINPUT, "an open finding's check id is not text of up to "
		                  "255 bytes (after \"%s\"): the inventory's finding_spans table was "
		                  "changed outside osdwarden", last);
	else if (!stop && rc != SQLITE_DONE)
		stop = inv_sql_error(db, err, "listing the checks with open findings");
	sqlite3_finalize(st[0]);
	sqlite3_finalize(st[1]);
	return stop;
}

int inv_finding_add(struct inv *db, int64_t run_id, const struct inv_finding *f,
                    struct ow_err *err)
{
	static const char sql[] =
		"INSERT INTO finding_spans(first_run, check_id, state, severity, object_type, object_key,"
		" object_name, evidence_json, baseline, waived, digest, ord)"
		" VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)";
	/* Cached: a first run at scale stores tens of thousands of findings. */
	sqlite3_stmt *st = db->put[INV_STMT_CACHE - 1];
	int rc;

	if (st) {
		sqlite3_reset(st);
	} else if (sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		return inv_sql_error(db, err, "storing a finding");
	} else {
		db->put[INV_STMT_CACHE - 1] = st;
	}
	sqlite3_bind_int64(st, 1, run_id);
	bind_text(st, 2, f->check_id);
	bind_text(st, 3, f->state);
	bind_text(st, 4, f->severity);
	bind_text(st, 5, f->object_type);
	bind_text(st, 6, f->object_key);
	bind_text(st, 7, f->object_name);
	bind_text(st, 8, f->evidence_json);
	bind_text(st, 9, f->baseline);
	sqlite3_bind_int(st, 10, f->waived);
	/* the digest of the finding as the runs after this one read it */
	struct inv_finding later = *f;
	if (f->state && strcmp(f->state, "fail") == 0)
		later.baseline = "unchanged";
	sqlite3_bind_int64(st, 11, (int64_t)inv_finding_digest(&later, false));
	if (f->has_ord)
		sqlite3_bind_int64(st, 12, f->ord);
	else
		sqlite3_bind_null(st, 12);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : inv_sql_error(db, err, "storing a finding");
}

int inv_findings_close(struct inv *db, int64_t run_id, const int64_t *ids, size_t n,
                       struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = SQLITE_DONE;

	if (n == 0)
		return 0;
	if (sqlite3_prepare_v2(db->sql, "UPDATE finding_spans SET closed_run = ?2 WHERE id = ?1"
	                       " AND closed_run IS NULL", -1, &st, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "closing findings");
	sqlite3_bind_int64(st, 2, run_id);
	for (size_t i = 0; i < n && rc == SQLITE_DONE; i++) {
		sqlite3_bind_int64(st, 1, ids[i]);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : inv_sql_error(db, err, "closing findings");
}

/* The columns a finding is read from, baseline as run ?1 reads it, and the
 * rows alive in run ?1, if its findings were kept. */
#define FINDING_COLS "check_id, state, severity, object_type, object_key, object_name," \
	" evidence_json, CASE WHEN first_run = ?1 OR state <> 'fail' THEN baseline" \
	" ELSE 'unchanged' END, waived"
#define OF_RUN "first_run <= ?1 AND (closed_run IS NULL OR closed_run > ?1) AND EXISTS" \
	" (SELECT 1 FROM check_runs WHERE id = ?1 AND findings_pruned = 0)"

/* The finding in columns col.. of st (FINDING_COLS' order); valid until
 * the next step. */
static struct inv_finding column_finding(sqlite3_stmt *st, int col)
{
	const char *t[8];

	for (int i = 0; i < 8; i++)
		t[i] = (const char *)sqlite3_column_text(st, col + i);
	return (struct inv_finding){ t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7],
		                     sqlite3_column_int(st, col + 8), false, 0 };
}

int inv_run_finish(struct inv *db, int64_t run_id, int64_t finished, const char *security_grade,
                   const char *privacy_grade, const char *summary_json, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->sql, "UPDATE check_runs SET finished=?2, security_grade=?3, "
	                       "privacy_grade=?4, summary_json=?5 WHERE id=?1", -1, &st, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "finishing a check run");
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, finished);
	bind_text(st, 3, security_grade);
	bind_text(st, 4, privacy_grade);
	bind_text(st, 5, summary_json);
	return step_done(db, st, "finishing a check run", err);
}

int inv_history_prune(struct inv *db, int64_t run_id, long keep, struct ow_err *err)
{
	/* Runs before the oldest kept one (?1) can no longer be read; a
	 * finding that none of the kept runs had goes (a range of an index:
	 * what closed since the last prune, cheap). */
	static const char *const sql[] = {
		"UPDATE check_runs SET findings_pruned = 1 WHERE id < ?1 AND findings_pruned = 0",
		"DELETE FROM finding_spans WHERE closed_run IS NOT NULL AND closed_run <= ?1",
	};

	for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db->sql, sql[i], -1, &st, NULL) != SQLITE_OK)
			return inv_sql_error(db, err, "pruning check history");
		sqlite3_bind_int64(st, 1, run_id - (keep < 2 ? 2 : keep) + 1);
		if (step_done(db, st, "pruning check history", err) != 0)
			return OW_EINPUT;
	}
	return 0;
}

int64_t inv_run_previous(struct inv *db, int64_t run_id, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t prev = 0;

	if (sqlite3_prepare_v2(db->sql, "SELECT max(id) FROM check_runs WHERE id < ?1 AND "
	                       "finished IS NOT NULL", -1, &st, NULL) != SQLITE_OK) {
		inv_sql_error(db, err, "reading check history");
		return -1;
	}
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		prev = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return prev;
}

int inv_each_failure(struct inv *db, int64_t run_id,
                     int (*fn)(void *ctx, const char *check_id, const char *object_key),
                     void *ctx, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int stop = 0;

	if (sqlite3_prepare_v2(db->sql, "SELECT check_id, object_key FROM finding_spans "
	                       "WHERE state = 'fail' AND " OF_RUN, -1, &st, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "reading findings"), -1;
	sqlite3_bind_int64(st, 1, run_id);
	while (!stop && sqlite3_step(st) == SQLITE_ROW)
		stop = fn(ctx, (const char *)sqlite3_column_text(st, 0),
		          (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return stop;
}

const char *inv_class_status(struct inv *db, const char *cls, char *why, size_t why_len)
{
	sqlite3_stmt *st = NULL;
	const char *status = "never";

	if (why_len)
		why[0] = '\0';
	if (sqlite3_prepare_v2(db->sql, "SELECT sum(status = 'ok'), count(*), (SELECT message FROM "
	                       "sync_classes WHERE class = ?1 AND status <> 'ok' ORDER BY id LIMIT 1) "
	                       "FROM sync_classes WHERE class = ?1", -1, &st, NULL) != SQLITE_OK)
		return "never";
	sqlite3_bind_text(st, 1, cls, -1, SQLITE_STATIC);
	/* Read only when every provider that asked for it read it: with one
	 * that could not, its site's rows are missing, and a check over the
	 * class would judge the others' rows as if they were all. */
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 1) > 0)
		status = sqlite3_column_int(st, 0) == sqlite3_column_int(st, 1) ? "ok" : "no_access";
	if (why_len && sqlite3_column_text(st, 2))
		snprintf(why, why_len, "%s", (const char *)sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
	return status;
}


int inv_each_run_failures(struct inv *db, int n, int (*fn)(void *ctx, int64_t id, int64_t started,
                                                            long failing),
                          void *ctx, struct ow_err *err)
{
	/* The summary is {"CHECK": {"fail": n, ...}, ...}; SQLite's JSON
	 * functions add the fail counts up. */
	static const char sql[] =
		"SELECT id, started, (SELECT coalesce(sum(json_extract(value, '$.fail')), 0) "
		"FROM json_each(coalesce(summary_json, '{}'))) FROM ("
		"SELECT id, started, summary_json FROM check_runs WHERE finished IS NOT NULL "
		"ORDER BY id DESC LIMIT ?1) ORDER BY id";
	sqlite3_stmt *st = NULL;
	int rc, stop = 0;

	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "reading check history");
	sqlite3_bind_int(st, 1, n);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
		stop = fn(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
		          (long)sqlite3_column_int64(st, 2));
	if (!stop && rc != SQLITE_DONE)
		stop = inv_sql_error(db, err, "reading check history");
	sqlite3_finalize(st);
	return stop;
}

int inv_run_latest(struct inv *db, struct inv_run_info *out, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if (sqlite3_prepare_v2(db->sql, "SELECT id, started, finished, security_grade, privacy_grade,"
	                       " summary_json FROM check_runs WHERE finished IS NOT NULL"
	                       " ORDER BY id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "reading the latest check run");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *sec = sqlite3_column_text(st, 3), *pri = sqlite3_column_text(st, 4);
		const unsigned char *sum = sqlite3_column_text(st, 5);
		out->id = sqlite3_column_int64(st, 0);
		out->started = sqlite3_column_int64(st, 1);
		out->finished = sqlite3_column_int64(st, 2);
		snprintf(out->security, sizeof out->security, "%s", sec ? (const char *)sec : "?");
		snprintf(out->privacy, sizeof out->privacy, "%s", pri ? (const char *)pri : "?");
		out->summary_json = strdup(sum ? (const char *)sum : "{}");
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return INV_NOTFOUND;
	if (rc != SQLITE_ROW || !out->summary_json)
		return inv_sql_error(db, err, "reading the latest check run");
	return 0;
}

void inv_run_info_free(struct inv_run_info *r)
{
	free(r->summary_json);
	r->summary_json = NULL;
}

int inv_each_finding(struct inv *db, int64_t run_id, const char *check_id,
                     const char *object_type, const char *state, int limit,
                     int (*fn)(void *ctx, const struct inv_finding *f), void *ctx,
                     struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int stop = 0, rc = SQLITE_DONE;

	char sql[700];

	/* Only the conditions given: "(?2 IS NULL OR check_id = ?2)" would keep
	 * SQLite from the check's index (250 ms instead of 0.1 ms). */
	snprintf(sql, sizeof sql, "SELECT " FINDING_COLS " FROM finding_spans WHERE " OF_RUN "%s%s%s"
	         "%s LIMIT ?4", check_id ? " AND check_id = ?2" : "",
	         object_type ? " AND object_type = ?3" : "", state ? " AND state = ?5" : "",
	         limit == INV_ANY_ORDER ? "" : " ORDER BY id");
	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "reading findings");
	sqlite3_bind_int64(st, 1, run_id);
	if (check_id)
		bind_text(st, 2, check_id);
	if (object_type)
		bind_text(st, 3, object_type);
	sqlite3_bind_int(st, 4, limit > 0 ? limit : -1);
	if (state)
		bind_text(st, 5, state);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct inv_finding f = column_finding(st, 0);
		stop = fn(ctx, &f);
	}
	if (!stop && rc != SQLITE_DONE)
		stop = inv_sql_error(db, err, "reading findings");
	sqlite3_finalize(st);
	return stop;
}

/* A NULL-ended list of strings, and each of them. */
static void free_strings(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* The checks with findings of one of these types, in any run kept: the
 * distinct (check, type) pairs at the head of spans_key, a seek each
 * (a few dozen), not a read of the index. A new string list, NULL-ended,
 * in *out; -1 when SQLite or memory fails. */
static int checks_of_types(struct inv *db, const char *const *types, char ***out,
                           struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	/* the last pair found, as stored: a value re-bound as the text it
	 * reads back as would lose a blob's type or what follows a NUL (the
	 * table edited by hand), and the seek would find it again for ever */
	sqlite3_value *check = NULL, *type = NULL;
	char **v = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	rc = sqlite3_prepare_v2(db->sql, "SELECT check_id, object_type FROM finding_spans"
	                        " INDEXED BY spans_key WHERE (check_id, object_type)"
	                        " > (?1, ?2) ORDER BY check_id, object_type LIMIT 1", -1, &st, NULL);
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		sqlite3_reset(st);
		/* the first pair, or the one after the last; a site-wide
		 * finding has no type (NULL sorts first): after it, its
		 * check's first type (> "") */
		if (check)
			sqlite3_bind_value(st, 1, check);
		else
			sqlite3_bind_text(st, 1, "", 0, SQLITE_STATIC);
		if (type)
			sqlite3_bind_value(st, 2, type);
		else
			sqlite3_bind_text(st, 2, "", 0, SQLITE_STATIC);
		if ((rc = sqlite3_step(st)) != SQLITE_ROW)
			break;
		sqlite3_value_free(check);
		sqlite3_value_free(type);
		check = sqlite3_value_dup(sqlite3_column_value(st, 0));
		type = sqlite3_value_type(sqlite3_column_value(st, 1)) == SQLITE_NULL
		               ? NULL : sqlite3_value_dup(sqlite3_column_value(st, 1));
		const char *c = (const char *)sqlite3_column_text(st, 0);
		const char *t = (const char *)sqlite3_column_text(st, 1);
		rc = SQLITE_NOMEM;
		if (!check || !c || (t && !type))
			break;
		bool wanted = false;
		for (size_t i = 0; t && types[i] && !wanted; i++)
			wanted = strcmp(types[i], t) == 0;
		rc = SQLITE_ROW;
		if (!wanted || (n && strcmp(v[n - 1], c) == 0))
			continue;
		char **nv = realloc(v, (n + 2) * sizeof *v);
		rc = SQLITE_NOMEM;
		if (!nv)
			break;
		v = nv;
		if (!(v[n] = strdup(c)))
			break;
		v[++n] = NULL;
		rc = SQLITE_ROW;
	}
	sqlite3_finalize(st);
	sqlite3_value_free(check);
	sqlite3_value_free(type);
	if (rc == SQLITE_DONE) {
		*out = v ? v : calloc(1, sizeof *v);
		if (*out)
			return 0;
		rc = SQLITE_NOMEM;
	}
	free_strings(v);   /* NULL-ended at every step */
	if (rc == SQLITE_NOMEM)
		return ow_err_set(err, OW_EINPUT, "out of memory"), -1;
	return inv_sql_error(db, err, "reading the checks of a page's findings"), -1;
}

/* The findings of the objects of one page: one statement, the keys as
 * parameters (a page holds at most a screenful, far below SQLite's limit
 * of parameters), through spans_key: each check that has findings of the
 * page's types, each type, each key, a search. */
int inv_each_object_finding(struct inv *db, int64_t run_id, const char *const *types,
                            const char *const *keys, size_t n,
                            int (*fn)(void *ctx, size_t key, const struct inv_finding *f),
                            void *ctx, struct ow_err *err)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st = NULL;
	size_t ntypes = 0, nchecks = 0;
	char **checks = NULL;
	int stop = 0, rc = SQLITE_DONE, p = 2;

	if (n == 0 || !types || !types[0])
		return 0;
	if (n > 2000)
		return ow_err_set(err, OW_EINPUT, "%zu objects are more than one page of a list", n), -1;
	if (checks_of_types(db, types, &checks, err) != 0)
		return -1;
	if (!checks[0]) {
		free_strings(checks);
		return 0;   /* no finding of these types in any run */
	}
	buf_adds(&sql, "SELECT " FINDING_COLS " FROM finding_spans WHERE " OF_RUN " AND check_id IN (");
	for (; checks[nchecks]; nchecks++)
		buf_adds(&sql, nchecks ? ",?" : "?");
	buf_adds(&sql, ") AND object_type IN (");
	for (; types[ntypes]; ntypes++)
		buf_adds(&sql, ntypes ? ",?" : "?");
	buf_adds(&sql, ") AND object_key IN (");
	for (size_t i = 0; i < n; i++)
		buf_adds(&sql, i ? ",?" : "?");
	buf_adds(&sql, ") ORDER BY id");
	if (sql.failed) {
		buf_free(&sql);
		free_strings(checks);
		return ow_err_set(err, OW_EINPUT, "out of memory"), -1;
	}
	if (sqlite3_prepare_v2(db->sql, buf_str(&sql), -1, &st, NULL) != SQLITE_OK) {
		buf_free(&sql);
		free_strings(checks);
		return inv_sql_error(db, err, "reading the findings of a page"), -1;
	}
	buf_free(&sql);
	sqlite3_bind_int64(st, 1, run_id);
	for (size_t i = 0; i < nchecks; i++)
		bind_text(st, p++, checks[i]);
	for (size_t i = 0; i < ntypes; i++)
		bind_text(st, p++, types[i]);
	for (size_t i = 0; i < n; i++)
		bind_text(st, p++, keys[i]);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct inv_finding f = column_finding(st, 0);
		const char *key = f.object_key;
		/* every row of the page with that key (two rows may share one) */
		for (size_t i = 0; i < n && !stop; i++)
			if (keys[i] && key && strcmp(keys[i], key) == 0)
				stop = fn(ctx, i, &f);
	}
	if (!stop && rc != SQLITE_DONE) {
		inv_sql_error(db, err, "reading the findings of a page");
		stop = -1;
	}
	sqlite3_finalize(st);
	free_strings(checks);
	return stop;
}
