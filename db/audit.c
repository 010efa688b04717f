/* The audit log's rows (db/audit_int.h names the other parts): the hash
 * that chains them, reading and writing a row, and the questions the rest
 * of the program asks of the log (the last row, intents still open, who
 * claimed a target, the latest outcome of an action). */
#include "db/audit.h"

#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/audit_int.h"
#include "db/internal.h"
#include "util/buf.h"

/* The hashed form of a row: every field length-prefixed, so no two
 * different rows serialise alike. */
int aud_row_hash(const struct audit_entry *e, char out[65])
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

int aud_last_row(struct inv *db, int64_t *seq, char hash[65], struct ow_err *err)
{
	sqlite3_stmt *st = NULL;

	*seq = 0;
	snprintf(hash, 65, "%s", AUDIT_GENESIS);
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

	return aud_last_row(db, &seq, hash, err) == 0 ? seq : -1;
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

int aud_insert_row(struct inv *db, const struct audit_entry *e, struct ow_err *err)
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

int aud_anchored_before(struct inv *db, const char *key_id)
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

int aud_hash_at(struct inv *db, int64_t seq, char hash[65])
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

int64_t aud_marker_row(struct inv *db, const char *key_id, char *key_out, size_t key_len)
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
