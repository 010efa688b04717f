/* Writes to a site, each through one sequence (see actions.h). An action
 * is described by a struct op: how to re-read its object, how to judge
 * what was read, how to write, and how to bring the inventory in line;
 * run_op() is the sequence itself, the same for every action. */
#define _POSIX_C_SOURCE 200809L
#include "backend/actions_int.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "backend/adminservice.h"
#include "db/audit.h"
#include "db/records.h"
#include "util/buf.h"
#include "util/mac.h"
#include "util/sanitize.h"
#include "util/secret.h"

const char *act_outcome_name(enum act_outcome o)
{
	switch (o) {
	case ACT_APPLIED: return "applied";
	case ACT_ALREADY: return "already-applied";
	case ACT_NOT_APPLIED: return "not-applied";
	case ACT_FAILED: return "failed";
	case ACT_UNKNOWN: return "unknown";
	case ACT_REFUSED: return "refused";
	case ACT_DRY_RUN: return "dry-run";
	}
	return "?";
}

bool act_ok(enum act_outcome o)
{
	return o == ACT_APPLIED || o == ACT_ALREADY;
}

void op_say(struct act_result *r, enum act_outcome o, const char *fmt, ...)
{
	va_list ap;

	r->outcome = o;
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof r->message, fmt, ap);
	va_end(ap);
}

void op_target(struct op *o, const char *fmt, ...)
{
	char raw[600];
	char *clean;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	clean = san_str(raw, sizeof o->target - 1, 0);
	snprintf(o->target, sizeof o->target, "%s", clean ? clean : "?");
	free(clean);
}

/* --- reading ------------------------------------------------------------- */

/* GETs url and returns its first row (or NULL when the answer has none).
 * instance: a 404 means "no such object" rather than "no access". */
int op_get_row(struct op *o, const char *url, bool instance, json_t **row,
                         struct ow_err *err)
{
	json_t *root = NULL, *rows = NULL;
	const char *next = NULL;
	int rc = as_read(o->site->http, url, instance, &root, &rows, &next, err);

	*row = rc == 0 && json_array_size(rows) ? json_incref(json_array_get(rows, 0)) : NULL;
	json_decref(root);
	return rc;
}

int op_get_filtered(struct op *o, const char *cls, const char *filter, json_t **row,
                        struct ow_err *err)
{
	char *url = as_filter_url(o->site->base, cls, filter);
	int rc = url ? op_get_row(o, url, false, row, err)
	             : (int)ow_err_set(err, OW_EINPUT, "out of memory");
	free(url);
	return rc;
}

/* A number or a boolean as 0/1 (the contract's converter, as the sync
 * reads it); INV_NULL when absent. */
int64_t op_int(json_t *v)
{
	return as_conv_json(AS_INT, v);
}

/* Whether the site's value is what the inventory showed (an unknown on
 * either side cannot say otherwise). */
bool op_seen_as(int64_t inventory, int64_t site)
{
	return inventory == INV_NULL || site == INV_NULL || inventory == site;
}


/* Zeroes the text of every string inside v before it is freed: a site
 * control row carries the PXE password's hash blob (Props PXEPassword
 * Value1), and jansson frees without wiping. Only for values no one else
 * holds (a deep copy, or a re-read row about to be released). */
void op_wipe(json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_string(v))
		secret_wipe((char *)json_string_value(v), json_string_length(v));
	else if (json_is_object(v))
		json_object_foreach(v, k, x)
			op_wipe(x);
	else if (json_is_array(v))
		json_array_foreach(v, i, x)
			op_wipe(x);
}

/* --- the sequence ------------------------------------------------------------ */

/* An unanswered intent younger than this is another osdwarden still at
 * work on the object (a write and its re-read take at most two request
 * timeouts); an older one is a run that died, and the next action's
 * re-read decides. */
enum { INTENT_FRESH_S = 15 * 60, OUTCOME_WAIT_MS = 120 * 1000 };

static void unlock(struct op *o)
{
	if (o->locked)
		inv_rollback(o->db);
	o->locked = false;
}

static int finish(struct op *o, struct act_result *res, int64_t now, bool record,
                  const char *extra_outcome, struct ow_err *err)
{
	char outcome[800];

	/* Once a write went out its outcome must be recorded: wait for the
	 * lock far longer than usual (a sync's apply, another action's row). */
	if (!o->locked && inv_begin_wait(o->db, o->sent ? OUTCOME_WAIT_MS : 0, err) != 0) {
		if (o->sent)
			ow_err_prefix(err, "the write was sent but its outcome could not be recorded; "
			              "the audit log shows it as \"%s\" with no outcome: run the same "
			              "action again to record what the site shows", AUDIT_INTENT);
		return err->kind;
	}
	o->locked = true;
	if (extra_outcome && audit_append(o->db, now, o->action, o->target, res->request,
	                                  extra_outcome, err) != 0)
		goto fail;
	snprintf(outcome, sizeof outcome, "%s%s%s", act_outcome_name(res->outcome),
	         res->outcome == ACT_APPLIED || res->outcome == ACT_ALREADY ? "" : ": ",
	         res->outcome == ACT_APPLIED || res->outcome == ACT_ALREADY ? "" : res->message);
	if (audit_append(o->db, now, o->action, o->target, res->request, outcome, err) != 0)
		goto fail;
	res->audited = true;
	if (record && o->record(o, now, err) != 0)
		goto fail;
	if (inv_commit(o->db, err) != 0)
		goto fail;
	o->locked = false;
	return 0;
fail:
	unlock(o);
	return err->kind ? err->kind : OW_EINPUT;
}

/* One re-read and its judgement; J_CHANGED with a message when the read fails. */
static int reread(struct op *o, enum judgement *j, struct ow_err *err)
{
	json_t *row = NULL;
	int rc = o->read(o, &row, err);

	if (rc == 0)
		*j = o->judge(o, row);
	op_wipe(row);
	json_decref(row);
	return rc;
}

static void drop_request(char *url, char *body)
{
	if (body)
		secret_wipe(body, strlen(body));   /* a PUT carries the whole row */
	free(body);
	free(url);
}

/* Commits an intent row before the write, in a transaction of its own, so
 * that the write is in the log even if osdwarden dies between sending it
 * and recording its outcome (the outcome row, same action and target,
 * answers it; audit verify names an unanswered one). The row is also the
 * object's claim: if, since this action began (seq), another row for the
 * same object was written, or another osdwarden's intent for it is still
 * fresh, nothing is sent -- so two actions on one object cannot both send,
 * and the inventory is not locked while the site is slow. 0 to go ahead;
 * otherwise res says why not. */
static int record_intent(struct op *o, int64_t now, int64_t seq, struct act_result *res)
{
	struct ow_err e = { 0 };
	char host[256], this_host[256] = "", intent[64];
	long pid;
	int64_t busy;

	gethostname(this_host, sizeof this_host - 1);
	snprintf(intent, sizeof intent, "%s (pid %ld)", AUDIT_INTENT, (long)getpid());
	if (inv_begin(o->db, &e) != 0) {
		op_say(res, ACT_REFUSED, "the inventory is being written by another osdwarden (a sync "
		    "applying what it read, or another change), so nothing was sent (%s). Try again "
		    "in a moment", e.msg);
		return -1;
	}
	o->locked = true;
	busy = audit_claimed(o->db, o->target, seq, now - INTENT_FRESH_S, host, sizeof host, &pid,
	                     &e);
	/* An intent of this host whose process is gone is a run that died: its
	 * outcome is what the re-read just showed, and this action goes on. */
	if (busy > 0 && pid > 0 && strcmp(host, this_host) == 0 && kill((pid_t)pid, 0) != 0 &&
	    errno == ESRCH)
		busy = 0;
	if (busy != 0) {
		unlock(o);
		if (busy < 0)
			op_say(res, ACT_FAILED, "could not read the audit log, so nothing was sent: %s", e.msg);
		else
			op_say(res, ACT_REFUSED, "another osdwarden is changing this object (audit row "
			    "%lld), so nothing was sent. Run the action again once it is done: it "
			    "re-reads the site first", (long long)busy);
		return -1;
	}
	if (audit_append(o->db, now, o->action, o->target, res->request, intent, &e) != 0 ||
	    inv_commit(o->db, &e) != 0) {
		unlock(o);
		op_say(res, ACT_FAILED, "the write could not be entered in the audit log first, so "
		    "nothing was sent: %s", e.msg);
		return -1;
	}
	o->locked = false;
	return 0;
}

/* After a refusal of a write in one URL form (the site may not name the
 * instance that way, reference §6): when the contract lists another form,
 * the re-read still shows the object as it was, and the refusal is in the
 * audit log, *row is that re-read, *seq where the log now stands, and the
 * next form is to be sent: 0. Otherwise -1, and the refusal stands. */
static int next_form(struct op *o, const struct http_resp *r, int64_t now, json_t **row,
                     int64_t *seq)
{
	struct ow_err e = { 0 };
	char outcome[700], *msg;
	json_t *again = NULL;
	size_t next = o->form + 1;

	if ((r->status != 400 && r->status != 404 && r->status != 405 && r->status != 501) ||
	    !o->write || !o->write->cls || next >= AS_ADDR_MAX || o->write->forms[next] == AS_ADDR_END)
		return -1;
	if (o->read(o, &again, &e) != 0 || o->judge(o, again) != J_AS_SEEN) {
		op_wipe(again);
		json_decref(again);
		return -1;
	}
	msg = as_site_message(r);
	snprintf(outcome, sizeof outcome, "not-applied: HTTP %ld%s%s to the key form %s, and a "
	         "re-read shows no change; trying the key form %s", r->status, msg && *msg ? ": " : "",
	         msg ? msg : "", as_addr_name(o->write->forms[o->form]),
	         as_addr_name(o->write->forms[next]));
	free(msg);
	if (inv_begin_wait(o->db, OUTCOME_WAIT_MS, &e) != 0)
		goto refused;
	o->locked = true;
	if (audit_append(o->db, now, o->action, o->target, NULL, outcome, &e) != 0 ||
	    inv_commit(o->db, &e) != 0) {
		unlock(o);
		goto refused;
	}
	o->locked = false;
	o->sent = false;
	if ((*seq = audit_last_seq(o->db, &e)) < 0)
		goto refused;
	o->form = next;
	*row = again;
	return 0;
refused:
	op_wipe(again);
	json_decref(again);
	return -1;
}

static int run_op(struct op *o, bool dry_run, struct act_result *res, struct ow_err *err)
{
	struct ow_err e = { 0 };
	struct http_resp r = { 0 };
	json_t *row = NULL;
	const char *verb = NULL;
	char *url = NULL, *body = NULL, *msg;
	enum judgement j;
	int64_t now = inv_now(), start;
	int rc;

	memset(res, 0, sizeof *res);
	snprintf(res->request, sizeof res->request, "%s", o->change);
	snprintf(res->target, sizeof res->target, "%s", o->target);
	if (o->site->read_only || inv_read_only(o->db)) {
		op_say(res, ACT_REFUSED, "read-only: nothing was sent to the site%s",
		    inv_read_only(o->db) ? " (the inventory is open read-only)" : "");
		return inv_read_only(o->db) ? 0 : finish(o, res, now, false, NULL, err);
	}
	/* Where the log stands before the re-read: any row for this object
	 * after it means someone else acted meanwhile (record_intent). */
	if ((start = audit_last_seq(o->db, &e)) < 0) {
		op_say(res, ACT_FAILED, "could not read the audit log, so nothing was sent: %s", e.msg);
		return 0;
	}
	if (o->read(o, &row, &e) != 0) {
		op_say(res, ACT_FAILED, "could not re-read the object before writing, so nothing was "
		    "sent: %s", e.msg);
		return dry_run ? 0 : finish(o, res, now, false, NULL, err);
	}
	j = o->judge(o, row);
	if (j == J_DONE) {
		op_wipe(row);
		json_decref(row);
		op_say(res, ACT_ALREADY, "already so on the site (%s); nothing was sent", o->observed);
		return dry_run ? 0 : finish(o, res, now, true, NULL, err);
	}
	if (j == J_CHANGED) {
		op_wipe(row);
		json_decref(row);
		op_say(res, ACT_REFUSED, "the site changed since the last sync (%s); nothing was sent. "
		    "Run `osdwarden sync`, look again, then retry", o->observed);
		return dry_run ? 0 : finish(o, res, now, false, NULL, err);
	}
	for (;;) {
		if (o->request(o, row, &verb, &url, &body) != 0) {
			op_wipe(row);
			json_decref(row);
			unlock(o);
			return ow_err_set(err, OW_EINPUT, "out of memory");
		}
		op_wipe(row);
		json_decref(row);
		row = NULL;
		snprintf(res->request, sizeof res->request, "%s %s %s", verb,
		         strncmp(url, o->site->base, strlen(o->site->base)) == 0
		                 ? url + strlen(o->site->base) + 1 : url,
		         o->change);
		if (dry_run) {
			op_say(res, ACT_DRY_RUN, "would send %s (now: %s); nothing was sent", res->request,
			    o->observed);
			drop_request(url, body);
			return 0;
		}
		if (record_intent(o, now, start, res) != 0) {
			drop_request(url, body);
			return 0;
		}
		/* Sent once, never retried: a write that may have happened is re-read. */
		o->sent = true;
		rc = http_request(o->site->http, verb, url, body, false, &r, &e);
		drop_request(url, body);
		if (rc != 0 || next_form(o, &r, now, &row, &start) != 0)
			break;
		http_resp_free(&r);
	}
	if (rc != 0) {
		char first[900];
		http_resp_free(&r);
		snprintf(first, sizeof first, "unknown: no answer after sending (%s)", e.msg);
		memset(&e, 0, sizeof e);
		if (reread(o, &j, &e) == 0 && j == J_DONE) {
			res->resolved_by_reread = true;
			op_say(res, ACT_APPLIED, "the answer was lost, and a re-read shows the change was "
			    "made (%s); nothing was resent", o->observed);
			return finish(o, res, now, true, first, err);
		}
		if (e.msg[0] == '\0' && j == J_AS_SEEN) {
			res->resolved_by_reread = true;
			op_say(res, ACT_NOT_APPLIED, "the answer was lost, and a re-read shows no change "
			    "(%s); nothing was resent. Run the action again to retry", o->observed);
			return finish(o, res, now, false, first, err);
		}
		op_say(res, ACT_UNKNOWN, "no answer after sending, and the re-read could not tell "
		    "whether the site made the change (%s). Nothing was resent; run the same action "
		    "again: it re-reads first and sends only if the change is not there",
		    e.msg[0] ? e.msg : o->observed);
		return finish(o, res, now, false, NULL, err);
	}
	if (r.status == 401 || r.status == 403 || r.status == 404) {
		msg = as_site_message(&r);
		o->site->read_only = true;
		op_say(res, ACT_FAILED, "the site refused the write (HTTP %ld%s%s): the account may "
		    "read but not change this; osdwarden now treats the site as read-only for this "
		    "session. Use an account with the Configuration Manager role for this change",
		    r.status, msg && *msg ? ": " : "", msg ? msg : "");
		free(msg);
		http_resp_free(&r);
		return finish(o, res, now, false, NULL, err);
	}
	if (r.status < 200 || r.status > 299) {
		msg = as_site_message(&r);
		op_say(res, ACT_FAILED, "the site answered HTTP %ld%s%s", r.status, msg && *msg ? ": " : "",
		    msg ? msg : "");
		free(msg);
		http_resp_free(&r);
		return finish(o, res, now, false, NULL, err);
	}
	if (r.body.len) {
		/* Methods answer {"ReturnValue": n}; anything but 0 is a failure. */
		json_t *ans = json_loadb(r.body.data, r.body.len, 0, NULL);
		int64_t rv = op_int(as_get(ans, "ReturnValue"));
		json_decref(ans);
		if (rv != INV_NULL && rv != 0) {
			op_say(res, ACT_FAILED, "the site ran the method and it returned %lld",
			    (long long)rv);
			http_resp_free(&r);
			return finish(o, res, now, false, NULL, err);
		}
	}
	http_resp_free(&r);
	if (reread(o, &j, &e) != 0) {
		op_say(res, ACT_UNKNOWN, "the site accepted the write, but the re-read to verify it "
		    "failed (%s); run the action again to verify", e.msg);
		return finish(o, res, now, false, NULL, err);
	}
	if (j != J_DONE) {
		op_say(res, ACT_NOT_APPLIED, "the site accepted the request but the re-read shows no "
		    "change (%s). Site control changes may need the console; nothing else was sent",
		    o->observed);
		return finish(o, res, now, false, NULL, err);
	}
	op_say(res, ACT_APPLIED, "verified on the site (%s)", o->observed);
	return finish(o, res, now, true, NULL, err);
}

/* --- what the site exposes ---------------------------------------------- */

/* Which write each action sends (its audit name's prefix). */
static const struct { const char *action; enum as_write_kind kind; } action_writes[] = {
	{ "cert.", AS_BLOCK_CERTIFICATE },
	{ "assoc.", AS_DELETE_ASSOCIATION },
	{ "smp.remove", AS_REMOVE_SITE_ROLE },
	{ "smp.", AS_UPDATE_SITE_ROLE },
	{ "dp.", AS_UPDATE_SITE_ROLE },
	{ "boot.", AS_UPDATE_BOOT_IMAGE },
};

/* The site's capabilities as the last sync (or doctor) read them from its
 * $metadata: a new reference, or NULL when never read. *at: when. */
static json_t *site_caps(struct inv *db, const char *base, int64_t *at)
{
	struct ow_err e = { 0 };
	char *text = NULL;
	json_t *caps = NULL;

	if (inv_get_capabilities(db, base, at, &text, &e) == 0)
		caps = json_loads(text, 0, NULL);
	free(text);
	return caps;
}

/* The verdict on write w from capabilities read at `at` (see
 * act_availability). */
static int caps_verdict(const json_t *caps, int64_t at, const struct as_write *w, char *why,
                        size_t n)
{
	char what[300] = "", when[32] = "?";
	int ok = caps && w ? as_caps_allows(caps, w, what, sizeof what) : -1;

	if (ok == 0) {
		struct tm tm;
		time_t t = (time_t)at;
		if (gmtime_r(&t, &tm))
			strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
		snprintf(why, n, "this site does not expose it over the AdminService (%s; $metadata "
		         "read %s). Do it in the console: %s; or in PowerShell: %s. `osdwarden doctor` "
		         "reads $metadata again", what, when, w->console, w->cmdlet);
	}
	return ok;
}

int act_availability(struct inv *db, const char *base, enum as_write_kind k, char *why, size_t n)
{
	int64_t at = 0;
	json_t *caps = site_caps(db, base, &at);
	int ok = caps_verdict(caps, at, as_write_find(k), why, n);

	json_decref(caps);
	return ok;
}

/* What the site exposes, for a write: as kept in the inventory, or, when
 * no sync or doctor ever read it from this provider, read from its
 * $metadata now and kept (outside read-only mode). An unreadable
 * $metadata leaves it unknown (NULL): the site then decides, and the
 * re-read after the write verifies. */
static json_t *write_caps(struct op *o, int64_t *at)
{
	json_t *caps = site_caps(o->db, o->site->base, at);
	struct ow_err e = { 0 };
	char *text;

	if (caps || !o->site->http)
		return caps;
	if (as_caps_fetch(o->site->http, o->site->base, &caps, &e) != 0 || !caps)
		return NULL;
	*at = inv_now();
	if (!inv_read_only(o->db) && (text = json_dumps(caps, JSON_COMPACT)) != NULL) {
		if (inv_begin(o->db, &e) == 0) {
			if (inv_put_capabilities(o->db, o->site->base, *at, text, &e) != 0 ||
			    inv_commit(o->db, &e) != 0)
				inv_rollback(o->db);
		}
		free(text);
	}
	return caps;
}

/* run_op(), unless the site's own contract says it does not take this
 * write: then nothing is read or sent, and the refusal names the console
 * path and the cmdlet that do the same (audited like a read-only one). */
int op_run(struct op *o, bool dry_run, struct act_result *res, struct ow_err *err)
{
	char why[700];
	int rc;

	o->caps = write_caps(o, &o->caps_at);
	for (size_t i = 0; i < sizeof action_writes / sizeof action_writes[0]; i++) {
		if (strncmp(o->action, action_writes[i].action, strlen(action_writes[i].action)) != 0)
			continue;
		o->write = as_write_find(action_writes[i].kind);
		if (caps_verdict(o->caps, o->caps_at, o->write, why, sizeof why) != 0)
			break;
		memset(res, 0, sizeof *res);
		snprintf(res->request, sizeof res->request, "%s", o->change);
		snprintf(res->target, sizeof res->target, "%s", o->target);
		op_say(res, ACT_REFUSED, "nothing was sent: %s", why);
		rc = dry_run || inv_read_only(o->db) ? 0 : finish(o, res, inv_now(), false, NULL, err);
		json_decref(o->caps);
		o->caps = NULL;
		return rc;
	}
	rc = run_op(o, dry_run, res, err);
	json_decref(o->caps);
	o->caps = NULL;
	return rc;
}
