/* Writes to a site, each through one sequence (see actions.h). An action
 * is described by a struct op: how to re-read its object, how to judge
 * what was read, how to write, and how to bring the inventory in line;
 * run_op() is the sequence itself, the same for every action. */
#define _POSIX_C_SOURCE 200809L
#include "backend/actions.h"

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

/* What a re-read says about the object. */
enum judgement {
	J_DONE,       /* already as the action wants it */
	J_AS_SEEN,    /* as the inventory showed it: the write may go ahead */
	J_CHANGED,    /* neither: the site changed since the last sync */
};

struct op {
	struct inv *db;
	struct act_site *site;
	const char *action;          /* audit action name, e.g. "cert.block" */
	char target[300];            /* audit target, sanitized */
	char observed[300];          /* what the last re-read showed, for messages */
	char change[200];            /* the change asked for, for the audit row */
	/* The object and the wanted state. */
	const char *smsid;
	bool flag;
	int64_t a, b;
	int days;
	const struct act_pxe *pxe;
	const char *role;            /* SysResUse RoleName */
	struct inv_cert cert;
	struct inv_assoc assoc;
	struct inv_smp smp;
	struct inv_dp dp;
	struct inv_boot_image boot;
	bool locked;                 /* inside the inventory's write transaction */
	bool sent;                   /* the write went out: its outcome must be recorded */
	size_t form;                 /* which of the write's URL forms (as_write.forms) */
	const struct as_write *write; /* the write it sends, when the contract names it */
	json_t *caps;                /* what the site's $metadata exposes; NULL: unknown */
	int64_t caps_at;             /* when it was read */
	/* Steps. read: *row = the object's current JSON, NULL if the site no
	 * longer has it. */
	int (*read)(struct op *o, json_t **row, struct ow_err *err);
	enum judgement (*judge)(struct op *o, json_t *row);
	/* The request: verb, URL and body (new strings) from the read row. */
	int (*request)(struct op *o, json_t *row, const char **verb, char **url, char **body);
	/* The inventory, once the site is known to be as wanted. */
	int (*record)(struct op *o, int64_t now, struct ow_err *err);
};

static void say(struct act_result *r, enum act_outcome o, const char *fmt, ...) OW_PRINTF(3, 4);
static void say(struct act_result *r, enum act_outcome o, const char *fmt, ...)
{
	va_list ap;

	r->outcome = o;
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof r->message, fmt, ap);
	va_end(ap);
}

static void set_target(struct op *o, const char *fmt, ...) OW_PRINTF(2, 3);
static void set_target(struct op *o, const char *fmt, ...)
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
static int get_first_row(struct op *o, const char *url, bool instance, json_t **row,
                         struct ow_err *err)
{
	struct http_resp r = { 0 };
	json_t *root = NULL, *rows = NULL;
	const char *next = NULL;
	int rc;

	*row = NULL;
	rc = http_request(o->site->http, "GET", url, NULL, true, &r, err);
	if (rc == 0 && instance && r.status == 404) {
		http_resp_free(&r);
		return 0;
	}
	if (rc == 0)
		rc = as_check_read(&r, url, !instance, err);
	if (rc == 0)
		rc = as_parse_page(&r.body, &root, &rows, &next, err);
	if (rc == 0 && json_array_size(rows))
		*row = json_incref(json_array_get(rows, 0));
	json_decref(root);
	http_resp_free(&r);
	return rc;
}

static int get_filtered(struct op *o, const char *cls, const char *filter, json_t **row,
                        struct ow_err *err)
{
	char *url = as_filter_url(o->site->base, cls, filter);
	int rc = url ? get_first_row(o, url, false, row, err)
	             : (int)ow_err_set(err, OW_EINPUT, "out of memory");
	free(url);
	return rc;
}

/* A number or a boolean as 0/1 (the contract's converter, as the sync
 * reads it); INV_NULL when absent. */
static int64_t int_of(json_t *v)
{
	return as_conv_json(AS_INT, v);
}

/* Whether the site's value is what the inventory showed (an unknown on
 * either side cannot say otherwise). */
static bool seen_as(int64_t inventory, int64_t site)
{
	return inventory == INV_NULL || site == INV_NULL || inventory == site;
}

/* Comma lists equal as sets of MAC addresses (order and case ignored). */
static bool same_macs(const char *a, const char *b)
{
	char *x = strdup(a ? a : ""), *save = NULL;
	size_t na = 0, nb = 0;
	bool same = x != NULL;

	for (const char *p = b ? b : ""; *p; p++)
		nb += *p == ',';
	nb += b && *b;
	for (char *t = x ? strtok_r(x, ",", &save) : NULL; t && same; t = strtok_r(NULL, ",", &save)) {
		size_t n = strlen(t);
		const char *p = b ? b : "";
		bool found = false;
		na++;
		while (*p && !found) {
			size_t m = strcspn(p, ",");
			found = m == n && strncasecmp(p, t, n) == 0;
			p += m + (p[m] == ',');
		}
		same = found;
	}
	free(x);
	return same && na == nb;
}

/* Zeroes the text of every string inside v before it is freed: a site
 * control row carries the PXE password's hash blob (Props PXEPassword
 * Value1), and jansson frees without wiping. Only for values no one else
 * holds (a deep copy, or a re-read row about to be released). */
static void wipe_json_strings(json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_string(v))
		secret_wipe((char *)json_string_value(v), json_string_length(v));
	else if (json_is_object(v))
		json_object_foreach(v, k, x)
			wipe_json_strings(x);
	else if (json_is_array(v))
		json_array_foreach(v, i, x)
			wipe_json_strings(x);
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
	wipe_json_strings(row);
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
		say(res, ACT_REFUSED, "the inventory is being written by another osdwarden (a sync "
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
			say(res, ACT_FAILED, "could not read the audit log, so nothing was sent: %s", e.msg);
		else
			say(res, ACT_REFUSED, "another osdwarden is changing this object (audit row "
			    "%lld), so nothing was sent. Run the action again once it is done: it "
			    "re-reads the site first", (long long)busy);
		return -1;
	}
	if (audit_append(o->db, now, o->action, o->target, res->request, intent, &e) != 0 ||
	    inv_commit(o->db, &e) != 0) {
		unlock(o);
		say(res, ACT_FAILED, "the write could not be entered in the audit log first, so "
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
		wipe_json_strings(again);
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
	wipe_json_strings(again);
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
		say(res, ACT_REFUSED, "read-only: nothing was sent to the site%s",
		    inv_read_only(o->db) ? " (the inventory is open read-only)" : "");
		return inv_read_only(o->db) ? 0 : finish(o, res, now, false, NULL, err);
	}
	/* Where the log stands before the re-read: any row for this object
	 * after it means someone else acted meanwhile (record_intent). */
	if ((start = audit_last_seq(o->db, &e)) < 0) {
		say(res, ACT_FAILED, "could not read the audit log, so nothing was sent: %s", e.msg);
		return 0;
	}
	if (o->read(o, &row, &e) != 0) {
		say(res, ACT_FAILED, "could not re-read the object before writing, so nothing was "
		    "sent: %s", e.msg);
		return dry_run ? 0 : finish(o, res, now, false, NULL, err);
	}
	j = o->judge(o, row);
	if (j == J_DONE) {
		wipe_json_strings(row);
		json_decref(row);
		say(res, ACT_ALREADY, "already so on the site (%s); nothing was sent", o->observed);
		return dry_run ? 0 : finish(o, res, now, true, NULL, err);
	}
	if (j == J_CHANGED) {
		wipe_json_strings(row);
		json_decref(row);
		say(res, ACT_REFUSED, "the site changed since the last sync (%s); nothing was sent. "
		    "Run `osdwarden sync`, look again, then retry", o->observed);
		return dry_run ? 0 : finish(o, res, now, false, NULL, err);
	}
	for (;;) {
		if (o->request(o, row, &verb, &url, &body) != 0) {
			wipe_json_strings(row);
			json_decref(row);
			unlock(o);
			return ow_err_set(err, OW_EINPUT, "out of memory");
		}
		wipe_json_strings(row);
		json_decref(row);
		row = NULL;
		snprintf(res->request, sizeof res->request, "%s %s %s", verb,
		         strncmp(url, o->site->base, strlen(o->site->base)) == 0
		                 ? url + strlen(o->site->base) + 1 : url,
		         o->change);
		if (dry_run) {
			say(res, ACT_DRY_RUN, "would send %s (now: %s); nothing was sent", res->request,
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
			say(res, ACT_APPLIED, "the answer was lost, and a re-read shows the change was "
			    "made (%s); nothing was resent", o->observed);
			return finish(o, res, now, true, first, err);
		}
		if (e.msg[0] == '\0' && j == J_AS_SEEN) {
			res->resolved_by_reread = true;
			say(res, ACT_NOT_APPLIED, "the answer was lost, and a re-read shows no change "
			    "(%s); nothing was resent. Run the action again to retry", o->observed);
			return finish(o, res, now, false, first, err);
		}
		say(res, ACT_UNKNOWN, "no answer after sending, and the re-read could not tell "
		    "whether the site made the change (%s). Nothing was resent; run the same action "
		    "again: it re-reads first and sends only if the change is not there",
		    e.msg[0] ? e.msg : o->observed);
		return finish(o, res, now, false, NULL, err);
	}
	if (r.status == 401 || r.status == 403 || r.status == 404) {
		msg = as_site_message(&r);
		o->site->read_only = true;
		say(res, ACT_FAILED, "the site refused the write (HTTP %ld%s%s): the account may "
		    "read but not change this; osdwarden now treats the site as read-only for this "
		    "session. Use an account with the Configuration Manager role for this change",
		    r.status, msg && *msg ? ": " : "", msg ? msg : "");
		free(msg);
		http_resp_free(&r);
		return finish(o, res, now, false, NULL, err);
	}
	if (r.status < 200 || r.status > 299) {
		msg = as_site_message(&r);
		say(res, ACT_FAILED, "the site answered HTTP %ld%s%s", r.status, msg && *msg ? ": " : "",
		    msg ? msg : "");
		free(msg);
		http_resp_free(&r);
		return finish(o, res, now, false, NULL, err);
	}
	if (r.body.len) {
		/* Methods answer {"ReturnValue": n}; anything but 0 is a failure. */
		json_t *ans = json_loadb(r.body.data, r.body.len, 0, NULL);
		int64_t rv = int_of(as_get(ans, "ReturnValue"));
		json_decref(ans);
		if (rv != INV_NULL && rv != 0) {
			say(res, ACT_FAILED, "the site ran the method and it returned %lld",
			    (long long)rv);
			http_resp_free(&r);
			return finish(o, res, now, false, NULL, err);
		}
	}
	http_resp_free(&r);
	if (reread(o, &j, &e) != 0) {
		say(res, ACT_UNKNOWN, "the site accepted the write, but the re-read to verify it "
		    "failed (%s); run the action again to verify", e.msg);
		return finish(o, res, now, false, NULL, err);
	}
	if (j != J_DONE) {
		say(res, ACT_NOT_APPLIED, "the site accepted the request but the re-read shows no "
		    "change (%s). Site control changes may need the console; nothing else was sent",
		    o->observed);
		return finish(o, res, now, false, NULL, err);
	}
	say(res, ACT_APPLIED, "verified on the site (%s)", o->observed);
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

/* The spelling of a body member the site's $metadata declares for the
 * write (new string). */
static char *param_name(struct op *o, enum as_write_kind k, const char *name)
{
	return strdup(as_caps_param(o->caps, as_write_find(k)->method, name));
}

/* run_op(), unless the site's own contract says it does not take this
 * write: then nothing is read or sent, and the refusal names the console
 * path and the cmdlet that do the same (audited like a read-only one). */
static int run_exposed(struct op *o, bool dry_run, struct act_result *res, struct ow_err *err)
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
		say(res, ACT_REFUSED, "nothing was sent: %s", why);
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

/* --- certificates --------------------------------------------------------- */

static int cert_read(struct op *o, json_t **row, struct ow_err *err)
{
	struct buf f = BUF_INIT;
	int rc;

	buf_adds(&f, "SMSID eq ");
	as_add_literal(&f, o->smsid);
	rc = get_filtered(o, "SMS_Certificate", buf_str(&f), row, err);
	buf_free(&f);
	return rc;
}

static enum judgement cert_judge(struct op *o, json_t *row)
{
	int64_t v = int_of(as_get(row, "IsBlocked"));

	if (!row) {
		snprintf(o->observed, sizeof o->observed, "the certificate is no longer on the site");
		return J_CHANGED;
	}
	snprintf(o->observed, sizeof o->observed, "IsBlocked=%s",
	         v == INV_NULL ? "unknown" : v ? "true" : "false");
	if (v != INV_NULL && (v != 0) == o->flag)
		return J_DONE;
	return seen_as(o->cert.is_blocked, v) ? J_AS_SEEN : J_CHANGED;
}

static int cert_request(struct op *o, json_t *row, const char **verb, char **url, char **body)
{
	char *k1 = param_name(o, AS_BLOCK_CERTIFICATE, "SMSID");
	char *k2 = param_name(o, AS_BLOCK_CERTIFICATE, "Blocked");
	json_t *b = k1 && k2 ? json_pack("{s:s,s:b}", k1, o->smsid, k2, o->flag) : NULL;

	(void)row;
	free(k1);
	free(k2);
	*verb = as_write_find(AS_BLOCK_CERTIFICATE)->verb;
	*url = as_write_url(o->site->base, AS_BLOCK_CERTIFICATE, NULL, 0);
	*body = b ? json_dumps(b, JSON_COMPACT) : NULL;
	json_decref(b);
	return *url && *body ? 0 : -1;
}

static int cert_record(struct op *o, int64_t now, struct ow_err *err)
{
	o->cert.is_blocked = o->flag;
	return inv_put_cert(o->db, &o->cert, now, err);
}

int act_cert_block(struct inv *db, struct act_site *site, const char *smsid, bool block,
                   bool dry_run, struct act_result *res, struct ow_err *err)
{
	struct op o = { .db = db, .site = site, .action = block ? "cert.block" : "cert.unblock",
	                .smsid = smsid, .flag = block, .read = cert_read, .judge = cert_judge,
	                .request = cert_request, .record = cert_record };
	int rc;

	o.cert.smsid = (char *)smsid;
	rc = inv_get_cert(db, &o.cert, err);
	if (rc == INV_NOTFOUND || (rc == 0 && o.cert.seen.gone_at != INV_NULL)) {
		if (rc == 0)
			inv_free_cert(&o.cert);
		return ow_err_set(err, OW_EINPUT, "no certificate %s in the inventory; run `osdwarden "
		                  "sync`, then `osdwarden list certs` to find its SMSID", smsid);
	}
	if (rc)
		return rc;
	set_target(&o, "certificate %s (%s)", smsid, o.cert.issued_to ? o.cert.issued_to : "?");
	snprintf(o.change, sizeof o.change, "Blocked=%s", block ? "true" : "false");
	rc = run_exposed(&o, dry_run, res, err);
	inv_free_cert(&o.cert);
	return rc;
}

/* --- computer associations ---------------------------------------------- */

static int assoc_read(struct op *o, json_t **row, struct ow_err *err)
{
	char f[128];

	snprintf(f, sizeof f, "SourceClientResourceID eq %lld and RestoreClientResourceID eq %lld",
	         (long long)o->a, (long long)o->b);
	return get_filtered(o, "SMS_StateMigration", f, row, err);
}

static enum judgement assoc_judge(struct op *o, json_t *row)
{
	if (!row) {
		snprintf(o->observed, sizeof o->observed, "the association is not on the site");
		return J_DONE;
	}
	snprintf(o->observed, sizeof o->observed, "the association is on the site");
	return J_AS_SEEN;
}

static int assoc_request(struct op *o, json_t *row, const char **verb, char **url, char **body)
{
	char *k1 = param_name(o, AS_DELETE_ASSOCIATION, "SourceClientResourceID");
	char *k2 = param_name(o, AS_DELETE_ASSOCIATION, "RestoreClientResourceID");
	json_t *b = k1 && k2 ? json_pack("{s:I,s:I}", k1, (json_int_t)o->a, k2, (json_int_t)o->b)
	                     : NULL;

	(void)row;
	free(k1);
	free(k2);
	*verb = as_write_find(AS_DELETE_ASSOCIATION)->verb;
	*url = as_write_url(o->site->base, AS_DELETE_ASSOCIATION, NULL, 0);
	*body = b ? json_dumps(b, JSON_COMPACT) : NULL;
	json_decref(b);
	return *url && *body ? 0 : -1;
}

static int assoc_record(struct op *o, int64_t now, struct ow_err *err)
{
	return inv_mark_one_gone(o->db, "associations", o->assoc.id, now, err) < 0 ? OW_EINPUT : 0;
}

int act_assoc_delete(struct inv *db, struct act_site *site, int64_t source_id,
                     int64_t restore_id, bool dry_run, struct act_result *res,
                     struct ow_err *err)
{
	struct op o = { .db = db, .site = site, .action = "assoc.delete", .a = source_id,
	                .b = restore_id, .read = assoc_read, .judge = assoc_judge,
	                .request = assoc_request, .record = assoc_record };
	int rc;

	o.assoc.source_id = source_id;
	o.assoc.restore_id = restore_id;
	rc = inv_get_assoc(db, &o.assoc, err);
	if (rc == INV_NOTFOUND)
		return ow_err_set(err, OW_EINPUT, "no computer association %lld -> %lld in the "
		                  "inventory; run `osdwarden sync`, then `osdwarden list assocs`",
		                  (long long)source_id, (long long)restore_id);
	if (rc)
		return rc;
	set_target(&o, "association %lld:%lld (%s -> %s)", (long long)source_id,
	           (long long)restore_id, o.assoc.source_name ? o.assoc.source_name : "?",
	           o.assoc.restore_name ? o.assoc.restore_name : "?");
	snprintf(o.change, sizeof o.change, "delete the association");
	rc = run_exposed(&o, dry_run, res, err);
	inv_free_assoc(&o.assoc);
	return rc;
}

/* --- site roles (SMP, DP): SMS_SCI_SysResUse rows --------------------------- */

static int role_read(struct op *o, json_t **row, struct ow_err *err)
{
	struct buf f = BUF_INIT;
	const char *site = o->role[4] == 'S' ? o->smp.site_code : o->dp.site_code;
	const char *nal = o->role[4] == 'S' ? o->smp.nal_path : o->dp.nal_path;
	int rc;

	buf_adds(&f, "SiteCode eq ");
	as_add_literal(&f, site);
	buf_adds(&f, " and NALPath eq ");
	as_add_literal(&f, nal);
	buf_adds(&f, " and RoleName eq ");
	as_add_literal(&f, o->role);
	rc = get_filtered(o, "SMS_SCI_SysResUse", buf_str(&f), row, err);
	buf_free(&f);
	return rc;
}

/* The row's own key values, from the row the site sent. */
static char *role_url(struct op *o, json_t *row, enum as_write_kind k)
{
	char filetype[32];
	const char *v[4];
	int64_t ft = int_of(as_get(row, "FileType"));

	snprintf(filetype, sizeof filetype, "%lld", (long long)(ft == INV_NULL ? 0 : ft));
	v[0] = filetype;
	v[1] = json_string_value(as_get(row, "ItemName"));
	v[2] = json_string_value(as_get(row, "ItemType"));
	v[3] = json_string_value(as_get(row, "SiteCode"));
	if (!v[1] || !v[2] || !v[3])
		return NULL;
	return as_write_url(o->site->base, k, v, o->form);
}

/* The row as the service expects it back: no OData annotations. */
/* The PUT body: the row without its @odata annotations. New string; the
 * caller wipes and frees it. Sized first and written once (json_dumpb),
 * because json_dumps grows its buffer by realloc and leaves each partial
 * copy of the row in freed memory. */
static char *role_body(json_t *row)
{
	json_t *copy = json_deep_copy(row);
	const char *k;
	void *tmp;
	json_t *v;
	char *s = NULL;
	size_t n;

	json_object_foreach_safe(copy, tmp, k, v)
		if (strncmp(k, "@odata.", 7) == 0)
			json_object_del(copy, k);
	n = copy ? json_dumpb(copy, NULL, 0, JSON_COMPACT) : 0;
	if (n && (s = malloc(n + 1)) != NULL) {
		if (json_dumpb(copy, s, n, JSON_COMPACT) == n) {
			s[n] = '\0';
		} else {
			secret_wipe(s, n);
			free(s);
			s = NULL;
		}
	}
	wipe_json_strings(copy);
	json_decref(copy);
	return s;
}

static enum judgement smp_missing(struct op *o, json_t *row)
{
	(void)row;
	snprintf(o->observed, sizeof o->observed, "the state migration point role is no longer "
	         "on the site");
	return J_CHANGED;
}

static enum judgement restore_only_judge(struct op *o, json_t *row)
{
	int64_t q = as_sci_value(row, "SMPQuiesceState");

	if (!row)
		return smp_missing(o, row);
	snprintf(o->observed, sizeof o->observed, "SMPQuiesceState=%lld", (long long)q);
	if (q != INV_NULL && (q == 1) == o->flag)
		return J_DONE;
	return seen_as(o->smp.restore_only, q == INV_NULL ? INV_NULL : q == 1) ? J_AS_SEEN : J_CHANGED;
}

static int restore_only_request(struct op *o, json_t *row, const char **verb, char **url,
                                char **body)
{
	as_sci_set_value(row, "SMPQuiesceState", o->flag ? 1 : 0);
	*verb = as_write_find(AS_UPDATE_SITE_ROLE)->verb;
	*url = role_url(o, row, AS_UPDATE_SITE_ROLE);
	*body = role_body(row);
	return *url && *body ? 0 : -1;
}

static int restore_only_record(struct op *o, int64_t now, struct ow_err *err)
{
	o->smp.restore_only = o->flag;
	return inv_put_smp(o->db, &o->smp, now, err);
}

static enum judgement policy_judge(struct op *o, json_t *row)
{
	int64_t d = as_sci_value(row, "SMPStoreDeletionDelayTimeInMinutes");
	int64_t c = as_sci_value(row, "SMPStoreDeletionCycleTimeInMinutes");
	int64_t want_d = (int64_t)o->days * 1440, want_c = o->days ? 1440 : 0;

	if (!row)
		return smp_missing(o, row);
	snprintf(o->observed, sizeof o->observed, "deletion delay %lld min, cycle %lld min",
	         (long long)d, (long long)c);
	if (d == want_d && c == want_c)
		return J_DONE;
	return seen_as(o->smp.deletion_delay_min, d) && seen_as(o->smp.deletion_cycle_min, c)
	               ? J_AS_SEEN : J_CHANGED;
}

static int policy_request(struct op *o, json_t *row, const char **verb, char **url, char **body)
{
	as_sci_set_value(row, "SMPStoreDeletionDelayTimeInMinutes", (int64_t)o->days * 1440);
	as_sci_set_value(row, "SMPStoreDeletionCycleTimeInMinutes", o->days ? 1440 : 0);
	*verb = as_write_find(AS_UPDATE_SITE_ROLE)->verb;
	*url = role_url(o, row, AS_UPDATE_SITE_ROLE);
	*body = role_body(row);
	return *url && *body ? 0 : -1;
}

static int policy_record(struct op *o, int64_t now, struct ow_err *err)
{
	o->smp.deletion_delay_min = (int64_t)o->days * 1440;
	o->smp.deletion_cycle_min = o->days ? 1440 : 0;
	return inv_put_smp(o->db, &o->smp, now, err);
}

static enum judgement remove_judge(struct op *o, json_t *row)
{
	if (!row) {
		snprintf(o->observed, sizeof o->observed, "the role is not on the site");
		return J_DONE;
	}
	snprintf(o->observed, sizeof o->observed, "the role is on the site");
	return J_AS_SEEN;
}

static int remove_request(struct op *o, json_t *row, const char **verb, char **url, char **body)
{
	*verb = as_write_find(AS_REMOVE_SITE_ROLE)->verb;
	*url = role_url(o, row, AS_REMOVE_SITE_ROLE);
	*body = NULL;
	return *url ? 0 : -1;
}

static int remove_record(struct op *o, int64_t now, struct ow_err *err)
{
	return inv_mark_one_gone(o->db, "smps", o->smp.id, now, err) < 0 ? OW_EINPUT : 0;
}

/* The current SMP of the inventory whose server is `server`. */
static int find_smp(struct inv *db, const char *server, struct inv_smp *out, struct ow_err *err)
{
	struct inv_smp *all = NULL;
	size_t n = 0;
	/* Gone ones too (a removed role): the re-read then says what is so. */
	int rc = inv_load_smp(db, true, &all, &n, err);
	bool found = false;

	for (int pass = 0; pass < 2; pass++)
	for (size_t i = 0; rc == 0 && i < n && !found; i++) {
		/* a current row first, then a gone one */
		if (strcasecmp(all[i].server_name, server) != 0 ||
		    (pass == 0) != (all[i].seen.gone_at == INV_NULL))
			continue;
		/* get replaces the key strings with its own copies */
		out->site_code = all[i].site_code;
		out->nal_path = all[i].nal_path;
		found = (rc = inv_get_smp(db, out, err)) == 0;
	}
	inv_unload_smp(all, n);
	if (rc == 0 && !found)
		rc = ow_err_set(err, OW_EINPUT, "no state migration point on server '%s' in the "
		                "inventory; run `osdwarden sync`, then `osdwarden list smps`", server);
	return rc;
}

static int smp_action(struct op *o, const char *server, bool dry_run, struct act_result *res,
                      struct ow_err *err)
{
	int rc = find_smp(o->db, server, &o->smp, err);

	if (rc)
		return rc;
	o->role = "SMS State Migration Point";
	o->read = role_read;
	set_target(o, "state migration point %s", o->smp.server_name);
	rc = run_exposed(o, dry_run, res, err);
	inv_free_smp(&o->smp);
	return rc;
}

int act_smp_restore_only(struct inv *db, struct act_site *site, const char *server, bool on,
                         bool dry_run, struct act_result *res, struct ow_err *err)
{
	struct op o = { .db = db, .site = site, .action = on ? "smp.restore-only.on"
	                                                     : "smp.restore-only.off",
	                .flag = on, .judge = restore_only_judge, .request = restore_only_request,
	                .record = restore_only_record };
	snprintf(o.change, sizeof o.change, "SMPQuiesceState=%d", on ? 1 : 0);
	return smp_action(&o, server, dry_run, res, err);
}

int act_smp_deletion_policy(struct inv *db, struct act_site *site, const char *server,
                            int days, bool dry_run, struct act_result *res,
                            struct ow_err *err)
{
	struct op o = { .db = db, .site = site, .action = "smp.deletion-policy", .days = days,
	                .judge = policy_judge, .request = policy_request, .record = policy_record };
	if (days < 0 || days > 3650)
		return ow_err_set(err, OW_EINPUT, "the deletion delay is 0 to 3650 days, not %d", days);
	snprintf(o.change, sizeof o.change, "SMPStoreDeletionDelayTimeInMinutes=%d "
	         "SMPStoreDeletionCycleTimeInMinutes=%d", days * 1440, days ? 1440 : 0);
	return smp_action(&o, server, dry_run, res, err);
}

int act_smp_remove(struct inv *db, struct act_site *site, const char *server, bool dry_run,
                   struct act_result *res, struct ow_err *err)
{
	struct op o = { .db = db, .site = site, .action = "smp.remove-role", .judge = remove_judge,
	                .request = remove_request, .record = remove_record };
	snprintf(o.change, sizeof o.change, "remove the role");
	return smp_action(&o, server, dry_run, res, err);
}

/* --- DP PXE responder ------------------------------------------------------ */

static enum judgement pxe_judge(struct op *o, json_t *row)
{
	int64_t active = as_sci_value(row, "IsActive"), bind = as_sci_value(row, "BindPolicy");
	char *macs;
	bool done, seen;

	if (!row) {
		snprintf(o->observed, sizeof o->observed, "the distribution point role is no longer "
		         "on the site");
		return J_CHANGED;
	}
	macs = as_sci_joined(row, "BindExcept", ",");
	if (!macs)
		macs = strdup("");
	snprintf(o->observed, sizeof o->observed, "IsActive=%lld BindPolicy=%lld BindExcept=[%.120s]",
	         (long long)active, (long long)bind, macs ? macs : "");
	done = (o->pxe->active < 0 || active == o->pxe->active) &&
	       (o->pxe->bind_policy < 0 || bind == o->pxe->bind_policy) &&
	       (!o->pxe->macs || same_macs(macs, o->pxe->macs));
	seen = seen_as(o->dp.is_active, active) && seen_as(o->dp.bind_policy, bind) &&
	       (!o->dp.bind_except || same_macs(macs, o->dp.bind_except));
	free(macs);
	return done ? J_DONE : seen ? J_AS_SEEN : J_CHANGED;
}

static int pxe_request(struct op *o, json_t *row, const char **verb, char **url, char **body)
{
	if (o->pxe->active >= 0)
		as_sci_set_value(row, "IsActive", o->pxe->active);
	if (o->pxe->bind_policy >= 0)
		as_sci_set_value(row, "BindPolicy", o->pxe->bind_policy);
	if (o->pxe->macs)
		as_sci_set_list(row, "BindExcept", o->pxe->macs);
	*verb = as_write_find(AS_UPDATE_SITE_ROLE)->verb;
	*url = role_url(o, row, AS_UPDATE_SITE_ROLE);
	*body = role_body(row);
	return *url && *body ? 0 : -1;
}

static int pxe_record(struct op *o, int64_t now, struct ow_err *err)
{
	char *old = o->dp.bind_except;
	int rc;

	if (o->pxe->active >= 0)
		o->dp.is_active = o->pxe->active;
	if (o->pxe->bind_policy >= 0)
		o->dp.bind_policy = o->pxe->bind_policy;
	if (o->pxe->macs)
		o->dp.bind_except = (char *)o->pxe->macs;
	rc = inv_put_dp(o->db, &o->dp, now, err);
	o->dp.bind_except = old;
	return rc;
}

int act_dp_pxe(struct inv *db, struct act_site *site, const char *server,
               const struct act_pxe *want, bool dry_run, struct act_result *res,
               struct ow_err *err)
{
	struct op o = { .db = db, .site = site, .action = "dp.pxe", .pxe = want,
	                .role = "SMS Distribution Point", .read = role_read, .judge = pxe_judge,
	                .request = pxe_request, .record = pxe_record };
	struct act_pxe norm = *want;
	struct inv_dp *all = NULL;
	char *macs = NULL;
	size_t n = 0;
	int rc;
	bool found = false;

	/* Every caller (CLI, console, workflows) comes through here: the MAC
	 * list is checked and written in the site's form before anything is
	 * read or sent. */
	if (want->macs && mac_list_normalise(want->macs, &macs, err) != 0)
		return err->kind;
	norm.macs = macs;
	o.pxe = &norm;
	rc = inv_load_dp(db, false, &all, &n, err);
	for (size_t i = 0; rc == 0 && i < n && !found; i++) {
		if (strcasecmp(all[i].server_name, server) != 0)
			continue;
		o.dp.site_code = all[i].site_code;
		o.dp.nal_path = all[i].nal_path;
		found = inv_get_dp(db, &o.dp, err) == 0;
	}
	inv_unload_dp(all, n);
	if (rc || !found) {
		if (found)
			inv_free_dp(&o.dp);
		free(macs);
		if (rc)
			return rc;
		return ow_err_set(err, OW_EINPUT, "no distribution point on server '%s' in the "
		                  "inventory; run `osdwarden sync`, then `osdwarden list dps`", server);
	}
	/* BindPolicy 1 with an empty list is OSD-PXE-003's misconfiguration
	 * (PXE answering on no interface): never written, whether the empty
	 * list is asked for or already there. */
	{
		bool listed = norm.bind_policy >= 0 ? norm.bind_policy == 1 : o.dp.bind_policy == 1;
		const char *after = norm.macs ? norm.macs : o.dp.bind_except;
		if (listed && (!after || !*after)) {
			ow_err_set(err, OW_EINPUT, "distribution point %s would answer PXE on no "
			           "interface (BindPolicy 1 with no MAC address); give its PXE interfaces "
			           "with --macs, or use --active off to stop PXE", o.dp.server_name);
			inv_free_dp(&o.dp);
			free(macs);
			return OW_EINPUT;
		}
	}
	set_target(&o, "distribution point %s", o.dp.server_name);
	snprintf(o.change, sizeof o.change, "%s%s%s%s%s%.100s%s", norm.active < 0 ? "" : "IsActive=",
	         norm.active < 0 ? "" : norm.active ? "1 " : "0 ",
	         norm.bind_policy < 0 ? "" : "BindPolicy=",
	         norm.bind_policy < 0 ? "" : norm.bind_policy ? "1 " : "0 ",
	         norm.macs ? "BindExcept=[" : "", norm.macs ? norm.macs : "", norm.macs ? "]" : "");
	rc = run_exposed(&o, dry_run, res, err);
	inv_free_dp(&o.dp);
	free(macs);
	return rc;
}

/* --- boot images ----------------------------------------------------------- */

static int boot_read(struct op *o, json_t **row, struct ow_err *err)
{
	const char *v[1] = { o->boot.package_id };
	char *url = as_instance_url(o->site->base, as_class_find("SMS_BootImagePackage"), v);
	int rc = url ? get_first_row(o, url, true, row, err)
	             : (int)ow_err_set(err, OW_EINPUT, "out of memory");

	free(url);
	return rc;
}

static enum judgement boot_judge(struct op *o, json_t *row)
{
	int64_t v = int_of(as_get(row, "EnableLabShell"));

	if (!row) {
		snprintf(o->observed, sizeof o->observed, "the boot image is no longer on the site");
		return J_CHANGED;
	}
	snprintf(o->observed, sizeof o->observed, "EnableLabShell=%s",
	         v == INV_NULL ? "unknown" : v ? "true" : "false");
	if (v == 0)
		return J_DONE;
	return seen_as(o->boot.enable_lab_shell, v) ? J_AS_SEEN : J_CHANGED;
}

static int boot_request(struct op *o, json_t *row, const char **verb, char **url, char **body)
{
	const char *v[1] = { o->boot.package_id };

	json_object_set_new(row, "EnableLabShell", json_false());
	*verb = as_write_find(AS_UPDATE_BOOT_IMAGE)->verb;
	*url = as_write_url(o->site->base, AS_UPDATE_BOOT_IMAGE, v, o->form);
	*body = role_body(row);
	return *url && *body ? 0 : -1;
}

static int boot_record(struct op *o, int64_t now, struct ow_err *err)
{
	o->boot.enable_lab_shell = 0;
	return inv_put_boot_image(o->db, &o->boot, now, err);
}

int act_boot_f8_off(struct inv *db, struct act_site *site, const char *package_id,
                    bool dry_run, struct act_result *res, struct ow_err *err)
{
	struct op o = { .db = db, .site = site, .action = "boot.f8-off", .read = boot_read,
	                .judge = boot_judge, .request = boot_request, .record = boot_record };
	int rc;

	o.boot.package_id = (char *)package_id;
	rc = inv_get_boot_image(db, &o.boot, err);
	if (rc == INV_NOTFOUND)
		return ow_err_set(err, OW_EINPUT, "no boot image %s in the inventory; run `osdwarden "
		                  "sync`, then `osdwarden list media`", package_id);
	if (rc)
		return rc;
	set_target(&o, "boot image %s (%s)", package_id, o.boot.name ? o.boot.name : "?");
	snprintf(o.change, sizeof o.change, "EnableLabShell=false");
	rc = run_exposed(&o, dry_run, res, err);
	inv_free_boot_image(&o.boot);
	return rc;
}
