/* Appending to the audit log with the anchor kept in step: before a row
 * can commit, the anchor records it as pending; once it is known to be
 * committed and still the last row, the pending head becomes the anchor's
 * head (the commit and rollback hooks say which way a transaction ended).
 * An anchor that disagrees with the log is left as evidence. Re-anchoring
 * starts a new anchor that vouches only for what follows. */
#include "db/audit.h"

#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/anchor.h"
#include "db/audit_int.h"
#include "db/internal.h"
#include "util/who.h"

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
		if (aud_anchored_before(db, p->key.id) != 0)
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

static void hooks_on(struct inv *db)
{
	if (!db->hooks_set) {
		sqlite3_commit_hook(db->sql, on_commit, db);
		sqlite3_rollback_hook(db->sql, on_rollback, db);
		db->hooks_set = true;
	}
}

/* Moves the pending head to the committed head once its row is known to
 * be committed and is still the log's last row. */
static void promote(struct inv *db, int64_t seq)
{
	struct ow_err ignore = { 0 };
	struct plan p = { 0 };
	char hash[65];
	int64_t last;

	if (seq <= 0 || aud_last_row(db, &last, hash, &ignore) != 0 || last != seq)
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
	e->hash = aud_row_hash(e, hash_out) == 0 ? hash_out : NULL;
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
	if (aud_last_row(db, &last, prev, err) != 0)
		return OW_EINPUT;
	gethostname(host, sizeof host - 1);
	hooks_on(db);
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
	rc = (p.first && (rc = aud_insert_row(db, &marker, err)) != 0) ? rc : aud_insert_row(db, &e, err);
	plan_free(&p);
	if (rc != 0)
		return rc;
	if (sqlite3_get_autocommit(db->sql))
		promote(db, e.seq);   /* no transaction: the row is committed */
	else
		db->anchor_open_seq = e.seq;
	return 0;
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
	if ((rc = aud_chain_verify(db, &r, err)) != 0) {
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
	    aud_insert_row(db, &e, err) != 0) {
		if (err && !err->kind)
			ow_err_set(err, OW_EINPUT, "cannot re-anchor the audit log");
		inv_rollback(db);
		plan_free(&p);
		return OW_EINPUT;
	}
	snprintf(key_id, sizeof key_id, "%s", p.key.id);
	plan_free(&p);
	db->anchor_open_seq = e.seq;
	hooks_on(db);
	if (inv_commit(db, err) != 0)
		return OW_EINPUT;
	snprintf(note, note_len, "re-anchored at row %lld with key %s; rows 1..%lld rest on the "
	         "chain alone", (long long)e.seq, key_id, (long long)r.rows);
	return 0;
}
