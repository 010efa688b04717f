#include "db/audit.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/anchor.h"
#include "db/internal.h"
#include "util/buf.h"
#include "util/who.h"

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* The hashed form of a row: every field length-prefixed, so no two
 * different rows serialise alike. */
static int row_hash(const struct audit_entry *e, char out[65])
{
	const char *fields[] = { e->prev_hash, e->operator_name, e->host, e->ssh_client,
	                         e->action, e->target, e->request, e->outcome };
	struct buf b = BUF_INIT;
	unsigned char md[32];
	int rc;

	buf_addf(&b, "osdwarden-audit-v1|%lld|%lld|", (long long)e->seq, (long long)e->ts);
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const char *f = fields[i] ? fields[i] : "";
		buf_addf(&b, "%zu:", strlen(f));
		buf_adds(&b, f);
		buf_addc(&b, '|');
	}
	rc = b.failed ? -1 : gnutls_hash_fast(GNUTLS_DIG_SHA256, b.data, b.len, md);
	buf_free(&b);
	if (rc < 0)
		return -1;
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static int last_row(struct inv *db, int64_t *seq, char hash[65], struct ow_err *err)
{
	sqlite3_stmt *st = NULL;

	*seq = 0;
	snprintf(hash, 65, "%s", GENESIS);
	if (sqlite3_prepare_v2(db->sql, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
	                       -1, &st, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "reading the audit log");
	if (sqlite3_step(st) == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		snprintf(hash, 65, "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return 0;
}

int64_t audit_last_seq(struct inv *db, struct ow_err *err)
{
	char hash[65];
	int64_t seq;

	return last_row(db, &seq, hash, err) == 0 ? seq : -1;
}

int audit_open_intents(struct inv *db, int64_t *count, int64_t *first, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;

	*count = *first = 0;
	if (sqlite3_prepare_v2(db->sql, "SELECT count(*), coalesce(min(a.seq), 0) FROM audit a "
	                       "WHERE substr(a.outcome, 1, length(?1)) = ?1 AND NOT EXISTS (SELECT 1 "
	                       "FROM audit b WHERE b.seq > a.seq AND b.action = a.action AND "
	                       "b.target IS a.target)", -1, &st, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "reading the audit log");
	sqlite3_bind_text(st, 1, AUDIT_INTENT, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		*first = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return 0;
}

int64_t audit_claimed(struct inv *db, const char *target, int64_t since_seq, int64_t fresh_ts,
                      char *host, size_t host_len, long *pid, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t seq = 0;

	*pid = 0;
	if (host_len)
		host[0] = '\0';
	if (sqlite3_prepare_v2(db->sql, "SELECT a.seq, a.host, a.outcome, substr(a.outcome, 1, "
	                       "length(?4)) = ?4 FROM audit a WHERE a.target IS ?1 AND (a.seq > ?2 OR "
	                       "(substr(a.outcome, 1, length(?4)) = ?4 AND a.ts >= ?3 AND NOT EXISTS "
	                       "(SELECT 1 FROM audit b WHERE b.seq > a.seq AND b.target IS a.target))) "
	                       "ORDER BY a.seq DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
		inv_sql_error(db, err, "reading the audit log");
		return -1;
	}
	sqlite3_bind_text(st, 1, target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since_seq);
	sqlite3_bind_int64(st, 3, fresh_ts);
	sqlite3_bind_text(st, 4, AUDIT_INTENT, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 1);
		const char *o = (const char *)sqlite3_column_text(st, 2);
		const char *p = o ? strstr(o, "(pid ") : NULL;
		seq = sqlite3_column_int64(st, 0);
		if (host_len)
			snprintf(host, host_len, "%s", h ? h : "");
		if (sqlite3_column_int(st, 3) && p)
			*pid = strtol(p + 5, NULL, 10);
	}
	sqlite3_finalize(st);
	return seq;
}

static int insert_row(struct inv *db, const struct audit_entry *e, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db->sql, "INSERT INTO audit(seq, ts, operator, host, ssh_client, "
	                       "action, target, request, outcome, prev_hash, hash) "
	                       "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)", -1, &st, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "writing the audit log");
	sqlite3_bind_int64(st, 1, e->seq);
	sqlite3_bind_int64(st, 2, e->ts);
	sqlite3_bind_text(st, 3, e->operator_name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, e->host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, e->ssh_client, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, e->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, e->target ? e->target : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, e->request ? e->request : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, e->outcome, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, e->prev_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, e->hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : inv_sql_error(db, err, "writing the audit log");
}

/* Whether the log holds the row that started anchoring under this key. */
static int anchored_before(struct inv *db, const char *key_id)
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(db->sql, "SELECT 1 FROM audit WHERE action = '" AUDIT_ANCHOR_ACTION
	                       "' AND target = ?1 LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key_id, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static int hash_at(struct inv *db, int64_t seq, char hash[65])
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	hash[0] = '\0';
	if (sqlite3_prepare_v2(db->sql, "SELECT hash FROM audit WHERE seq = ?1", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
		snprintf(hash, 65, "%s", (const char *)sqlite3_column_text(st, 0));
		found = 1;
	}
	sqlite3_finalize(st);
	return found;
}

/* What an append may do with the anchor. */
struct plan {
	struct anchor_key key;
	char *file, *abs;
	struct anchor a;
	bool update;      /* write the anchor with the new row as pending */
	bool first;       /* no anchor yet for this key: start one (marker row) */
};

static void plan_free(struct plan *p)
{
	free(p->file);
	free(p->abs);
	anchor_clear(&p->a);
	gnutls_memset(&p->key, 0, sizeof p->key);
}

/* Decides, from the anchor and the log's last row (last, lhash), whether
 * this append extends the anchor. An anchor that disagrees with the log
 * (tampering, a lost key) is left exactly as it is, as evidence: the row is
 * still written (an action already sent must be recorded), and verify says
 * what is wrong. */
static void plan_anchor(struct inv *db, int64_t last, const char *lhash, struct plan *p)
{
	struct ow_err ignore = { 0 };
	enum anchor_state st;
	char *probe_file = NULL, *probe_abs = NULL;
	bool have_anchor;

	memset(p, 0, sizeof *p);
	if (anchor_file_for(db->path, &probe_file, &probe_abs, &ignore) != 0)
		return;
	have_anchor = access(probe_file, F_OK) == 0;
	/* A new key only when this inventory has no anchor: a missing key
	 * beside an existing anchor is reported by verify, not papered over. */
	if (anchor_key_load(!have_anchor, &p->key, &ignore) != 0) {
		free(probe_file);
		free(probe_abs);
		return;
	}
	p->file = probe_file;
	p->abs = probe_abs;
	st = anchor_read(&p->key, p->file, &p->a);
	if (st == ANCHOR_NONE) {
		anchor_clear(&p->a);
		if (anchored_before(db, p->key.id) != 0)
			return;   /* it had one: missing, reported by verify */
		p->first = p->update = true;
		p->a.path = strdup(p->abs);
		p->a.since = last;
		p->a.created = inv_now();
		p->a.seq = last;
		snprintf(p->a.hash, sizeof p->a.hash, "%s", lhash);
		if (!p->a.path)
			p->first = p->update = false;
		return;
	}
	if (st != ANCHOR_OK || strcmp(p->a.path, p->abs) != 0)
		return;
	if (last == p->a.pend_seq && strcmp(lhash, p->a.pend_hash) == 0) {
		/* Pending matches: committed earlier, unless it is this
		 * connection's own row in the transaction still open. */
		if (!(db->anchor_open_seq == last && !sqlite3_get_autocommit(db->sql))) {
			p->a.seq = p->a.pend_seq;
			snprintf(p->a.hash, sizeof p->a.hash, "%s", p->a.pend_hash);
		}
		p->update = true;
	} else if (last == p->a.seq && strcmp(lhash, p->a.hash) == 0) {
		p->update = true;
	}
}

/* The commit and rollback hooks keep anchor_open_seq honest whichever way
 * a transaction ends (inv_commit, a raw COMMIT, an implicit rollback). */
static int on_commit(void *ctx)
{
	struct inv *db = ctx;

	db->anchor_committed_seq = db->anchor_open_seq;
	db->anchor_open_seq = 0;
	return 0;
}

static void on_rollback(void *ctx)
{
	struct inv *db = ctx;

	db->anchor_open_seq = 0;
	db->anchor_committed_seq = 0;
}

/* Moves the pending head to the committed head once its row is known to
 * be committed and is still the log's last row. */
static void promote(struct inv *db, int64_t seq)
{
	struct ow_err ignore = { 0 };
	struct plan p = { 0 };
	char hash[65];
	int64_t last;

	if (seq <= 0 || last_row(db, &last, hash, &ignore) != 0 || last != seq)
		return;
	if (anchor_file_for(db->path, &p.file, &p.abs, &ignore) == 0 &&
	    anchor_key_load(false, &p.key, &ignore) == 0 &&
	    anchor_read(&p.key, p.file, &p.a) == ANCHOR_OK && p.a.pend_seq == seq &&
	    strcmp(p.a.pend_hash, hash) == 0) {
		p.a.seq = seq;
		snprintf(p.a.hash, sizeof p.a.hash, "%s", hash);
		p.a.pend_seq = 0;
		p.a.pend_hash[0] = '\0';
		anchor_write(&p.key, p.file, &p.a, &ignore);
	}
	plan_free(&p);
}

void audit_after_commit(struct inv *db)
{
	int64_t seq = db->anchor_committed_seq;

	db->anchor_committed_seq = 0;
	promote(db, seq);
}

static void fill(struct audit_entry *e, int64_t seq, int64_t ts, const char *host,
                 const char *ssh, const char *action, const char *target, const char *request,
                 const char *outcome, const char *prev, char hash_out[65])
{
	*e = (struct audit_entry){ seq, ts, who_operator(), host, ssh, action, target, request,
	                           outcome, prev, NULL };
	e->hash = row_hash(e, hash_out) == 0 ? hash_out : NULL;
}

int audit_append(struct inv *db, int64_t ts, const char *action, const char *target,
                 const char *request, const char *outcome, struct ow_err *err)
{
	char prev[65], mprev[65], hash[65], mhash[65], host[256] = "", note[96];
	const char *ssh = getenv("SSH_CONNECTION");
	struct audit_entry e, marker;
	struct plan p;
	int64_t last;
	int rc = 0;

	if (!ssh)
		ssh = "";
	if (last_row(db, &last, prev, err) != 0)
		return OW_EINPUT;
	gethostname(host, sizeof host - 1);
	if (!db->hooks_set) {
		sqlite3_commit_hook(db->sql, on_commit, db);
		sqlite3_rollback_hook(db->sql, on_rollback, db);
		db->hooks_set = true;
	}
	plan_anchor(db, last, prev, &p);
	if (p.first) {
		/* The log itself says from which row on this key vouches for
		 * it, so a lost anchor is told from one never made. */
		snprintf(note, sizeof note, "rows 1..%lld predate this key: chain only",
		         (long long)last);
		snprintf(mprev, sizeof mprev, "%s", prev);
		fill(&marker, last + 1, ts, host, ssh, AUDIT_ANCHOR_ACTION, p.key.id, note,
		     "anchored", mprev, mhash);
		if (!marker.hash) {
			plan_free(&p);
			return ow_err_set(err, OW_EINPUT, "cannot hash the audit entry");
		}
		last++;
		snprintf(prev, sizeof prev, "%s", mhash);
	}
	fill(&e, last + 1, ts, host, ssh, action, target, request, outcome, prev, hash);
	if (!e.hash) {
		plan_free(&p);
		return ow_err_set(err, OW_EINPUT, "cannot hash the audit entry");
	}
	if (p.update) {
		p.a.pend_seq = e.seq;
		snprintf(p.a.pend_hash, sizeof p.a.pend_hash, "%s", hash);
		/* Before the row can commit: see db/anchor.h on crash ordering. */
		if ((rc = anchor_write(&p.key, p.file, &p.a, err)) != 0) {
			ow_err_prefix(err, "updating the audit anchor (nothing was written)");
			plan_free(&p);
			return rc;
		}
	}
	rc = (p.first && (rc = insert_row(db, &marker, err)) != 0) ? rc : insert_row(db, &e, err);
	plan_free(&p);
	if (rc != 0)
		return rc;
	if (sqlite3_get_autocommit(db->sql))
		promote(db, e.seq);   /* no transaction: the row is committed */
	else
		db->anchor_open_seq = e.seq;
	return 0;
}

/* The columns of a whole row, in the order row_entry reads them. */
#define ROW_COLUMNS "seq, ts, operator, host, ssh_client, action, target, request, outcome, " \
	"prev_hash, hash"

/* The current row of a statement selecting ROW_COLUMNS; strings valid
 * until the statement steps again. */
static struct audit_entry row_entry(sqlite3_stmt *st)
{
	struct audit_entry e = {
		sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
		(const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
		(const char *)sqlite3_column_text(st, 4), (const char *)sqlite3_column_text(st, 5),
		(const char *)sqlite3_column_text(st, 6), (const char *)sqlite3_column_text(st, 7),
		(const char *)sqlite3_column_text(st, 8), (const char *)sqlite3_column_text(st, 9),
		(const char *)sqlite3_column_text(st, 10),
	};
	return e;
}

int audit_each(struct inv *db, int (*fn)(void *ctx, const struct audit_entry *e), void *ctx,
               struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int stop = 0, rc;

	if (sqlite3_prepare_v2(db->sql, "SELECT " ROW_COLUMNS " FROM audit ORDER BY rowid", -1, &st,
	                       NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "reading the audit log"), -1;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_entry e = row_entry(st);
		stop = fn(ctx, &e);
	}
	sqlite3_finalize(st);
	return stop;
}

int audit_latest(struct inv *db, const char *action, const char *target,
                 int (*fn)(void *ctx, const struct audit_entry *e), void *ctx, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int found = 0, rc;

	if (sqlite3_prepare_v2(db->sql, "SELECT " ROW_COLUMNS " FROM audit WHERE action = ?1 AND "
	                       "target = ?2 AND substr(outcome, 1, length(?3)) <> ?3 ORDER BY seq "
	                       "DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "reading the audit log"), -1;
	sqlite3_bind_text(st, 1, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, AUDIT_INTENT, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		struct audit_entry e = row_entry(st);
		fn(ctx, &e);
		found = 1;
	} else if (rc != SQLITE_DONE) {
		found = -1;
		inv_sql_error(db, err, "reading the audit log");
	}
	sqlite3_finalize(st);
	return found;
}

struct verify {
	int64_t expect;
	char prev[65];
	int64_t bad;
	char *why;
	size_t why_len;
};

static int verify_one(void *ctx, const struct audit_entry *e)
{
	struct verify *v = ctx;
	char h[65];

	/* seq must run 1, 2, 3...: a gap is a removed row, a step back a
	 * reordering; the links and the hashes catch edits. */
	if (e->seq != v->expect) {
		snprintf(v->why, v->why_len, "row %lld found where row %lld should be: a row was "
		         "removed or the rows were reordered", (long long)e->seq, (long long)v->expect);
	} else if (!e->prev_hash || strcmp(e->prev_hash, v->prev) != 0) {
		snprintf(v->why, v->why_len, "row %lld does not link to the row before it",
		         (long long)e->seq);
	} else if (row_hash(e, h) != 0 || !e->hash || strcmp(h, e->hash) != 0) {
		snprintf(v->why, v->why_len, "row %lld was changed after it was written "
		         "(its hash does not match its fields)", (long long)e->seq);
	} else {
		snprintf(v->prev, sizeof v->prev, "%s", e->hash);
		v->expect++;
		return 0;
	}
	v->bad = e->seq;
	return 1;
}

static int chain_verify(struct inv *db, struct audit_report *r, struct ow_err *err)
{
	struct verify v = { 1, GENESIS, 0, r->why, sizeof r->why };
	int rc = audit_each(db, verify_one, &v, err);

	r->rows = v.expect - 1;
	snprintf(r->head, sizeof r->head, "%s", v.prev);
	r->bad_seq = v.bad;
	if (rc < 0)
		return OW_EINPUT;
	return rc ? 1 : 0;
}

/* The first row that started anchoring (under key_id, or any key when
 * NULL): its seq, or 0. */
static int64_t marker_row(struct inv *db, const char *key_id, char *key_out, size_t key_len)
{
	sqlite3_stmt *st = NULL;
	int64_t seq = 0;

	if (sqlite3_prepare_v2(db->sql, "SELECT seq, target FROM audit WHERE action = '"
	                       AUDIT_ANCHOR_ACTION "' AND (?1 IS NULL OR target = ?1) "
	                       "ORDER BY seq LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (key_id)
		sqlite3_bind_text(st, 1, key_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		seq = sqlite3_column_int64(st, 0);
		if (key_out)
			snprintf(key_out, key_len, "%s", sqlite3_column_text(st, 1) ?
			         (const char *)sqlite3_column_text(st, 1) : "");
	}
	sqlite3_finalize(st);
	return seq;
}

static void covered_note(struct audit_report *r, const struct anchor *a, const char *key_id,
                         bool pending)
{
	if (a->since > 0)
		snprintf(r->note, sizeof r->note, "anchored by key %s: rows %lld..%lld are vouched "
		         "for by the anchor; rows 1..%lld predate the key and rest on the chain "
		         "alone%s", key_id, (long long)a->since + 1, (long long)r->rows,
		         (long long)a->since, pending ? " (the anchor's last update was "
		         "interrupted after its row was written; that row is covered)" : "");
	else
		snprintf(r->note, sizeof r->note, "anchored by key %s: all %lld rows are vouched for "
		         "by the anchor%s", key_id, (long long)r->rows, pending ? " (the anchor's "
		         "last update was interrupted after its row was written; that row is "
		         "covered)" : "");
}

/* Compares the log's head (r->rows, r->head) with the anchor. */
static int against_anchor(struct inv *db, const struct anchor *a, const char *key_id,
                          struct audit_report *r)
{
	int64_t last = r->rows;
	char h[65];

	if (last == a->seq && strcmp(r->head, a->hash) == 0) {
		covered_note(r, a, key_id, false);
		return 0;
	}
	if (a->pend_seq && last == a->pend_seq && strcmp(r->head, a->pend_hash) == 0) {
		covered_note(r, a, key_id, true);
		return 0;
	}
	if (last < a->seq) {
		r->bad_seq = last + 1;
		snprintf(r->why, sizeof r->why, "the log was truncated: the anchor records %lld rows "
		         "(head %.16s...), the log has %lld; rows %lld..%lld were removed",
		         (long long)a->seq, a->hash, (long long)last, (long long)last + 1,
		         (long long)a->seq);
		return 1;
	}
	if (hash_at(db, a->seq, h) != 1 || strcmp(h, a->hash) != 0) {
		r->bad_seq = a->seq;
		snprintf(r->why, sizeof r->why, "the log was rewritten: row %lld is not the row the "
		         "anchor recorded (its hash differs), although the chain links: the rows "
		         "were changed and their hashes recomputed", (long long)a->seq);
		return 1;
	}
	if (a->pend_seq && last < a->pend_seq) {
		r->bad_seq = last + 1;
		snprintf(r->why, sizeof r->why, "the log was truncated: the anchor records row %lld "
		         "as written, the log ends at row %lld", (long long)a->pend_seq,
		         (long long)last);
		return 1;
	}
	if (a->pend_seq && (hash_at(db, a->pend_seq, h) != 1 || strcmp(h, a->pend_hash) != 0)) {
		r->bad_seq = a->pend_seq;
		snprintf(r->why, sizeof r->why, "the log was rewritten: row %lld is not the row the "
		         "anchor recorded (its hash differs)", (long long)a->pend_seq);
		return 1;
	}
	{
		int64_t from = (a->pend_seq ? a->pend_seq : a->seq) + 1;
		r->bad_seq = from;
		snprintf(r->why, sizeof r->why, "rows %lld..%lld were added without this account's "
		         "audit key (by another account, an osdwarden older than the anchor, or by "
		         "hand): nothing vouches for them", (long long)from, (long long)last);
	}
	return 1;
}

int audit_check(struct inv *db, struct audit_report *r, struct ow_err *err)
{
	struct anchor_key key;
	struct anchor a = { 0 };
	char *file = NULL, *abs = NULL, other[32] = "";
	enum anchor_state st;
	int rc, krc;
	int64_t m;

	memset(r, 0, sizeof *r);
	if ((rc = chain_verify(db, r, err)) != 0)
		return rc;
	if (anchor_file_for(db->path, &file, &abs, err) != 0)
		return OW_EINPUT;
	krc = anchor_key_load(false, &key, err);
	if (krc > 1) {
		rc = krc;
		goto out;
	}
	if (krc == 1) {
		if (access(file, F_OK) == 0 || (m = marker_row(db, NULL, other, sizeof other)) > 0) {
			r->bad_seq = r->rows;
			snprintf(r->why, sizeof r->why, "the audit key is missing from the state "
			         "directory (%s/audit.key), so the anchor of this inventory cannot be "
			         "checked: restore the key from a backup, or, if it is lost, "
			         "re-anchor with osdwarden audit re-anchor", "$OSDWARDEN_STATE_DIR or "
			         "$XDG_STATE_HOME/osdwarden");
			rc = 1;
		} else {
			snprintf(r->note, sizeof r->note, "not anchored yet: the chain alone vouches "
			         "for these rows (the next write by osdwarden anchors the log)");
		}
		goto out;
	}
	st = anchor_read(&key, file, &a);
	if (st == ANCHOR_NONE) {
		if ((m = marker_row(db, key.id, NULL, 0)) > 0) {
			r->bad_seq = r->rows;
			snprintf(r->why, sizeof r->why, "the anchor is missing: row %lld says this "
			         "inventory was anchored with this account's key %s, but %s does not "
			         "exist (deleted, or the inventory was moved or copied here). If you "
			         "know why, re-anchor with osdwarden audit re-anchor", (long long)m,
			         key.id, file);
			rc = 1;
		} else if ((m = marker_row(db, NULL, other, sizeof other)) > 0) {
			snprintf(r->note, sizeof r->note, "not anchored by this account: row %lld "
			         "anchored it with another key (%s: another account or machine), so "
			         "only the chain is checked here", (long long)m, other);
		} else {
			snprintf(r->note, sizeof r->note, "not anchored yet: the chain alone vouches "
			         "for these rows (the next write by osdwarden anchors the log)");
		}
	} else if (st == ANCHOR_FORGED) {
		r->bad_seq = r->rows;
		snprintf(r->why, sizeof r->why, "the anchor %s does not carry the MAC of this "
		         "account's audit key %s: the key was replaced, or someone else wrote the "
		         "anchor", file, key.id);
		rc = 1;
	} else if (st == ANCHOR_DAMAGED || strcmp(a.path, abs) != 0) {
		r->bad_seq = r->rows;
		snprintf(r->why, sizeof r->why, "the anchor %s is damaged or belongs to another "
		         "inventory", file);
		rc = 1;
	} else {
		rc = against_anchor(db, &a, key.id, r);
	}
out:
	anchor_clear(&a);
	gnutls_memset(&key, 0, sizeof key);
	free(file);
	free(abs);
	return rc;
}

int audit_verify(struct inv *db, int64_t *rows, char head[65], int64_t *bad_seq, char *why,
                 size_t why_len, struct ow_err *err)
{
	struct audit_report r;
	int rc = audit_check(db, &r, err);

	*rows = r.rows;
	snprintf(head, 65, "%s", r.head);
	*bad_seq = r.bad_seq;
	if (why_len)
		snprintf(why, why_len, "%s", r.why);
	return rc;
}

int audit_export_head(struct inv *db, char **line, struct ow_err *err)
{
	struct audit_report r;
	struct anchor_key key;
	struct buf b = BUF_INIT;
	char *file = NULL, *abs = NULL, mac[65];
	int rc;

	*line = NULL;
	if ((rc = audit_check(db, &r, err)) > 1)
		return rc;
	if (rc == 1)
		return ow_err_set(err, OW_EFINDINGS, "the audit log does not verify (%s); its head "
		                  "was not exported", r.why);
	if (anchor_file_for(db->path, &file, &abs, err) != 0)
		return OW_EINPUT;
	/* Read-only mode makes nothing, not even a key. */
	if ((rc = anchor_key_load(!db->read_only, &key, err)) != 0) {
		free(file);
		free(abs);
		return rc == 1 ? (int)ow_err_set(err, OW_EINPUT, "there is no audit key yet to MAC the "
		                            "head with; run audit export-head without --read-only")
		               : rc;
	}
	buf_addf(&b, "osdwarden-audit-head-v1|%s|%lld|%s", abs, (long long)r.rows, r.head);
	if (b.failed || anchor_mac(&key, b.data, b.len, mac) != 0) {
		rc = ow_err_set(err, OW_EINPUT, "cannot compute the head's MAC");
	} else {
		buf_reset(&b);
		buf_addf(&b, "osdwarden audit head: inventory=%s rows=%lld head=%s key=%s mac=%s", abs,
		         (long long)r.rows, r.head, key.id, mac);
		*line = buf_detach(&b);
		rc = *line ? 0 : ow_err_set(err, OW_EINPUT, "out of memory");
	}
	buf_free(&b);
	gnutls_memset(&key, 0, sizeof key);
	free(file);
	free(abs);
	return rc;
}

int audit_reanchor(struct inv *db, char *note, size_t note_len, struct ow_err *err)
{
	struct audit_report r;
	struct plan p = { 0 };
	struct audit_entry e;
	char hash[65], host[256] = "", req[600], key_id[17];
	const char *ssh = getenv("SSH_CONNECTION");
	int rc;

	if (inv_begin(db, err) != 0)
		return OW_EINPUT;
	if ((rc = chain_verify(db, &r, err)) != 0) {
		inv_rollback(db);
		if (rc == 1)
			return ow_err_set(err, OW_EFINDINGS, "the chain itself is broken (%s): "
			                  "re-anchoring would vouch for a damaged log; restore the "
			                  "inventory from a backup instead", r.why);
		return rc;
	}
	audit_check(db, &r, err);
	ow_err_clear(err);
	if (anchor_file_for(db->path, &p.file, &p.abs, err) != 0 ||
	    anchor_key_load(true, &p.key, err) != 0) {
		inv_rollback(db);
		plan_free(&p);
		return OW_EINPUT;
	}
	/* The new anchor vouches only for what follows: the rows up to now
	 * were accepted by the operator, and the log says so. */
	snprintf(req, sizeof req, "re-anchored by the operator; rows 1..%lld accepted on the chain "
	         "alone; before: %.400s", (long long)r.rows, r.why[0] ? r.why : r.note);
	gethostname(host, sizeof host - 1);
	fill(&e, r.rows + 1, inv_now(), host, ssh ? ssh : "", AUDIT_ANCHOR_ACTION, p.key.id, req,
	     "anchored", r.head, hash);
	p.a.path = strdup(p.abs);
	p.a.since = r.rows;
	p.a.created = inv_now();
	p.a.seq = r.rows;
	snprintf(p.a.hash, sizeof p.a.hash, "%s", r.head);
	p.a.pend_seq = e.seq;
	snprintf(p.a.pend_hash, sizeof p.a.pend_hash, "%s", hash);
	if (!e.hash || !p.a.path || anchor_write(&p.key, p.file, &p.a, err) != 0 ||
	    insert_row(db, &e, err) != 0) {
		if (err && !err->kind)
			ow_err_set(err, OW_EINPUT, "cannot re-anchor the audit log");
		inv_rollback(db);
		plan_free(&p);
		return OW_EINPUT;
	}
	snprintf(key_id, sizeof key_id, "%s", p.key.id);
	plan_free(&p);
	db->anchor_open_seq = e.seq;
	if (!db->hooks_set) {
		sqlite3_commit_hook(db->sql, on_commit, db);
		sqlite3_rollback_hook(db->sql, on_rollback, db);
		db->hooks_set = true;
	}
	if (inv_commit(db, err) != 0)
		return OW_EINPUT;
	snprintf(note, note_len, "re-anchored at row %lld with key %s; rows 1..%lld rest on the "
	         "chain alone", (long long)e.seq, key_id, (long long)r.rows);
	return 0;
}
