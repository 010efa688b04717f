/* Verifying the audit log: the chain walked row by row (numbering, links,
 * hashes), then its head compared with the anchor, which tells a
 * truncated or rewritten log from one still in step; and the head
 * exported with a MAC, for a copy kept elsewhere. */
#include "db/audit.h"

#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/anchor.h"
#include "db/audit_int.h"
#include "db/internal.h"
#include "util/buf.h"

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
	} else if (aud_row_hash(e, h) != 0 || !e->hash || strcmp(h, e->hash) != 0) {
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

int aud_chain_verify(struct inv *db, struct audit_report *r, struct ow_err *err)
{
	struct verify v = { 1, AUDIT_GENESIS, 0, r->why, sizeof r->why };
	int rc = audit_each(db, verify_one, &v, err);

	r->rows = v.expect - 1;
	snprintf(r->head, sizeof r->head, "%s", v.prev);
	r->bad_seq = v.bad;
	if (rc < 0)
		return OW_EINPUT;
	return rc ? 1 : 0;
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
	if (aud_hash_at(db, a->seq, h) != 1 || strcmp(h, a->hash) != 0) {
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
	if (a->pend_seq && (aud_hash_at(db, a->pend_seq, h) != 1 || strcmp(h, a->pend_hash) != 0)) {
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
	if ((rc = aud_chain_verify(db, r, err)) != 0)
		return rc;
	if (anchor_file_for(db->path, &file, &abs, err) != 0)
		return OW_EINPUT;
	krc = anchor_key_load(false, &key, err);
	if (krc > 1) {
		rc = krc;
		goto out;
	}
	if (krc == 1) {
		if (access(file, F_OK) == 0 || (m = aud_marker_row(db, NULL, other, sizeof other)) > 0) {
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
		if ((m = aud_marker_row(db, key.id, NULL, 0)) > 0) {
			r->bad_seq = r->rows;
			snprintf(r->why, sizeof r->why, "the anchor is missing: row %lld says this "
			         "inventory was anchored with this account's key %s, but %s does not "
			         "exist (deleted, or the inventory was moved or copied here). If you "
			         "know why, re-anchor with osdwarden audit re-anchor", (long long)m,
			         key.id, file);
			rc = 1;
		} else if ((m = aud_marker_row(db, NULL, other, sizeof other)) > 0) {
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
