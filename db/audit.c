#include "db/audit.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int audit_append(struct inv *db, int64_t ts, const char *action, const char *target,
                 const char *request, const char *outcome, struct ow_err *err)
{
	char prev[65], hash[65], host[256] = "";
	const char *ssh = getenv("SSH_CONNECTION");
	struct audit_entry e;
	sqlite3_stmt *st = NULL;
	int64_t last;
	int rc;

	if (last_row(db, &last, prev, err) != 0)
		return OW_EINPUT;
	gethostname(host, sizeof host - 1);
	e = (struct audit_entry){ last + 1, ts, who_operator(), host, ssh ? ssh : "", action,
	                          target, request, outcome, prev, NULL };
	if (row_hash(&e, hash) != 0)
		return ow_err_set(err, OW_EINPUT, "cannot hash the audit entry");
	if (sqlite3_prepare_v2(db->sql, "INSERT INTO audit(seq, ts, operator, host, ssh_client, "
	                       "action, target, request, outcome, prev_hash, hash) "
	                       "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)", -1, &st, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "writing the audit log");
	sqlite3_bind_int64(st, 1, e.seq);
	sqlite3_bind_int64(st, 2, e.ts);
	sqlite3_bind_text(st, 3, e.operator_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, e.host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, e.ssh_client, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, target ? target : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, request ? request : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, outcome, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : inv_sql_error(db, err, "writing the audit log");
}

int audit_each(struct inv *db, int (*fn)(void *ctx, const struct audit_entry *e), void *ctx,
               struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int stop = 0, rc;

	if (sqlite3_prepare_v2(db->sql, "SELECT seq, ts, operator, host, ssh_client, action, target, "
	                       "request, outcome, prev_hash, hash FROM audit ORDER BY rowid", -1, &st,
	                       NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "reading the audit log"), -1;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_entry e = {
			sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
			(const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
			(const char *)sqlite3_column_text(st, 4), (const char *)sqlite3_column_text(st, 5),
			(const char *)sqlite3_column_text(st, 6), (const char *)sqlite3_column_text(st, 7),
			(const char *)sqlite3_column_text(st, 8), (const char *)sqlite3_column_text(st, 9),
			(const char *)sqlite3_column_text(st, 10),
		};
		stop = fn(ctx, &e);
	}
	sqlite3_finalize(st);
	return stop;
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

int audit_verify(struct inv *db, int64_t *rows, char head[65], int64_t *bad_seq, char *why,
                 size_t why_len, struct ow_err *err)
{
	struct verify v = { 1, GENESIS, 0, why, why_len };
	int rc = audit_each(db, verify_one, &v, err);

	*rows = v.expect - 1;
	snprintf(head, 65, "%s", v.prev);
	*bad_seq = v.bad;
	if (rc < 0)
		return OW_EINPUT;
	return rc ? 1 : 0;
}
