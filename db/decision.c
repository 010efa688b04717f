#include "db/decision.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/audit.h"
#include "db/internal.h"
#include "db/records.h"
#include "db/schema.h"
#include "util/buf.h"

/* The decommission task's attestation (OSD-SMP-007) was recorded, before
 * decision_request existed, with the note as its whole request text, this
 * outcome, and ten years of validity. */
#define TASK_OUTCOME "recorded by the decommission task"
#define TASK_DAYS 3650
/* chk_decide wrote "days=N text=T" into a 1200-byte buffer: a longer
 * text was cut at 1199 bytes of request. */
#define OLD_REQUEST_MAX 1199

/* A string in double quotes with '"', '\' and control bytes escaped, so
 * that no object or text can read as another field of the request. */
static void quoted(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_addf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			buf_addf(b, "\\x%02x", *p);
		else
			buf_addc(b, (char)*p);
	}
	buf_addc(b, '"');
}

char *decision_target(const struct decision *d)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, d->check);
	if (d->object && d->object[0]) {
		buf_addc(&b, ' ');
		buf_adds(&b, d->object);
	}
	return buf_detach(&b);
}

char *decision_request(const struct decision *d)
{
	struct buf b = BUF_INIT;
	time_t t = (time_t)d->expires;
	struct tm tm;
	char when[40] = "?";

	if (gmtime_r(&t, &tm))
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_adds(&b, "check=");
	quoted(&b, d->check);
	buf_adds(&b, " object=");
	quoted(&b, d->object);
	buf_addf(&b, " expires=%lld (%s) text=", (long long)d->expires, when);
	quoted(&b, d->text);
	return buf_detach(&b);
}

int decision_record(struct inv *db, const struct decision *d, const char *outcome,
                    struct ow_err *err)
{
	char *target = decision_target(d), *request = decision_request(d);
	int rc;

	if (target && request)
		rc = audit_append(db, d->created, d->waiver ? DECISION_WAIVE : DECISION_ATTEST, target,
		                  request, outcome, err);
	else
		rc = ow_err_set(err, OW_EINPUT, "out of memory recording a decision");

	free(target);
	free(request);
	return rc;
}

void decision_setting_request(long value, char *out, size_t n)
{
	snprintf(out, n, "value=%ld", value);
}

int decision_set_setting(struct inv *db, const char *key, long value, int64_t now,
                         struct ow_err *err)
{
	char text[32], request[48];
	int rc = inv_begin(db, err);

	snprintf(text, sizeof text, "%ld", value);
	decision_setting_request(value, request, sizeof request);
	if (rc == 0)
		rc = inv_setting_set(db, key, text, err);
	if (rc == 0)
		rc = audit_append(db, now, DECISION_SETTING, key, request, "recorded", err);
	if (rc == 0)
		return inv_commit(db, err);
	inv_rollback(db);
	return rc;
}

/* A whole number and nothing else. */
static bool as_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return false;
	v = strtol(s, &end, 10);
	if (*end)
		return false;
	*out = v;
	return true;
}

/* --- what the log vouches for --------------------------------------- */

/* The defaults, from the only place that states them: the migrations,
 * applied to a private in-memory database. */
static int load_defaults(struct decision_log *log, struct ow_err *err)
{
	sqlite3 *mem = NULL;
	sqlite3_stmt *st = NULL;
	int rc = OW_EINPUT;

	if (sqlite3_open(":memory:", &mem) != SQLITE_OK) {
		ow_err_set(err, OW_EINPUT, "cannot open a private database for the settings' defaults");
		goto out;
	}
	if (schema_migrate(mem, 0, err) != 0) {
		ow_err_prefix(err, "reading the settings' defaults");
		goto out;
	}
	if (sqlite3_prepare_v2(mem, "SELECT key, value FROM settings", -1, &st, NULL) != SQLITE_OK) {
		ow_err_set(err, OW_EINPUT, "reading the settings' defaults: %s", sqlite3_errmsg(mem));
		goto out;
	}
	rc = 0;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);
		for (size_t i = 0; k && v && i < log->nsettings; i++) {
			if (strcmp(log->settings[i].key, k) == 0 && !log->settings[i].def &&
			    !(log->settings[i].def = strdup(v)))
				rc = ow_err_set(err, OW_EINPUT, "out of memory");
		}
	}
out:
	sqlite3_finalize(st);
	sqlite3_close(mem);
	return rc;
}

static int add_setting(void *ctx, const char *key, const char *value, const char *description)
{
	struct decision_log *log = ctx;
	struct decision_setting *n;

	(void)description;
	if (!key)
		return 0;
	n = realloc(log->settings, (log->nsettings + 1) * sizeof *n);
	if (!n)
		return 1;
	log->settings = n;
	n = &log->settings[log->nsettings];
	*n = (struct decision_setting){ strdup(key), strdup(value ? value : ""), NULL, false };
	log->nsettings++;
	return !n->key || !n->value;
}

struct latest {
	bool found;
	char request[64];
};

static int keep_request(void *ctx, const struct audit_entry *e)
{
	struct latest *l = ctx;

	l->found = true;
	snprintf(l->request, sizeof l->request, "%s", e->request ? e->request : "");
	return 0;
}

/* A value equal to its default needs no row; any other needs the latest
 * "setting" row for its key to carry it (the same text, built from the
 * table's value as the settings command builds it). */
static int judge_setting(struct inv *db, const struct decision_log *log,
                         struct decision_setting *s, struct ow_err *err)
{
	long v, d;
	char want[48];
	struct latest l = { 0 };

	if (s->def && (strcmp(s->value, s->def) == 0 ||
	               (as_long(s->value, &v) && as_long(s->def, &d) && v == d))) {
		s->honoured = true;
		return 0;
	}
	if (!log->intact || !as_long(s->value, &v))
		return 0;
	decision_setting_request(v, want, sizeof want);
	if (audit_latest(db, DECISION_SETTING, s->key, keep_request, &l, err) < 0)
		return OW_EINPUT;
	s->honoured = l.found && strcmp(l.request, want) == 0;
	return 0;
}

int decision_log_open(struct inv *db, struct decision_log *log, struct ow_err *err)
{
	struct audit_report r;
	struct ow_err e = { 0 };
	int rc;

	memset(log, 0, sizeof *log);
	rc = audit_check(db, &r, &e);
	log->intact = rc == 0;
	if (rc == 1)
		snprintf(log->why, sizeof log->why, "%s", r.why);
	else if (rc != 0)
		snprintf(log->why, sizeof log->why, "it could not be checked: %.500s", e.msg);
	if (inv_each_setting(db, add_setting, log, err) != 0) {
		if (!err->kind)
			ow_err_set(err, OW_EINPUT, "out of memory reading the settings");
		decision_log_close(log);
		return OW_EINPUT;
	}
	if (load_defaults(log, err) != 0) {
		decision_log_close(log);
		return OW_EINPUT;
	}
	for (size_t i = 0; i < log->nsettings; i++) {
		if (judge_setting(db, log, &log->settings[i], err) != 0) {
			decision_log_close(log);
			return OW_EINPUT;
		}
	}
	return 0;
}

void decision_log_close(struct decision_log *log)
{
	for (size_t i = 0; i < log->nsettings; i++) {
		free(log->settings[i].key);
		free(log->settings[i].value);
		free(log->settings[i].def);
	}
	free(log->settings);
	log->settings = NULL;
	log->nsettings = 0;
}

/* --- one waiver or attestation --------------------------------------- */

struct match {
	const struct decision *d;
	const char *want;          /* decision_request of d */
	bool found, same;
	struct decision_row *row;
};

/* Rows written before decision_request: chk_decide's "days=N text=T"
 * (expiry = ts + N days; T cut where the old buffer ended) and the
 * decommission task's bare note. Both carry check and object in the
 * target and the creation time as ts, which the caller compares. */
static bool old_request_matches(const struct decision *d, const struct audit_entry *e)
{
	const char *req = e->request ? e->request : "";
	long long days = 0;
	int at = 0;

	if (sscanf(req, "days=%lld text=%n", &days, &at) == 1 && at > 0 && days > 0 &&
	    days <= 36500) {
		const char *text = req + at;
		if (d->expires != e->ts + days * 86400)
			return false;
		return strcmp(text, d->text) == 0 ||
		       (strlen(req) == OLD_REQUEST_MAX && strncmp(d->text, text, strlen(text)) == 0);
	}
	return !d->waiver && e->outcome && strcmp(e->outcome, TASK_OUTCOME) == 0 &&
	       strcmp(req, d->text) == 0 && d->expires == e->ts + TASK_DAYS * 86400LL;
}

static int compare_row(void *ctx, const struct audit_entry *e)
{
	struct match *m = ctx;

	m->found = true;
	m->row->seq = e->seq;
	m->row->ts = e->ts;
	snprintf(m->row->operator_name, sizeof m->row->operator_name, "%s",
	         e->operator_name ? e->operator_name : "?");
	m->same = e->ts == m->d->created &&
	          ((e->request && strcmp(e->request, m->want) == 0) || old_request_matches(m->d, e));
	return 0;
}

int decision_verify(struct inv *db, const struct decision_log *log, const struct decision *d,
                    struct decision_row *row, struct ow_err *err)
{
	char *target, *want;
	struct match m = { .d = d, .row = row };
	int rc;

	memset(row, 0, sizeof *row);
	if (!log->intact)
		return DECISION_LOG_BROKEN;
	target = decision_target(d);
	want = decision_request(d);
	if (!target || !want) {
		free(target);
		free(want);
		ow_err_set(err, OW_EINPUT, "out of memory");
		return -1;
	}
	m.want = want;
	rc = audit_latest(db, d->waiver ? DECISION_WAIVE : DECISION_ATTEST, target, compare_row, &m,
	                  err);
	free(target);
	free(want);
	if (rc < 0)
		return -1;
	return !m.found ? DECISION_UNRECORDED : m.same ? DECISION_HONOURED : DECISION_CHANGED;
}

void decision_tag_target(const struct inv_segment *t, char *out, size_t n)
{
	snprintf(out, n, "%s %s", t->object_type ? t->object_type : "",
	         t->object_key ? t->object_key : "");
}

void decision_tag_request(const struct inv_segment *t, char *out, size_t n)
{
	snprintf(out, n, "trust=%s sanctioned=%lld compromised=%lld", t->trust ? t->trust : "-",
	         (long long)t->sanctioned, (long long)t->compromised);
}

struct tag_match {
	const struct inv_segment *t;
	char want[300];
	bool same;
};

static int compare_tag_row(void *ctx, const struct audit_entry *e)
{
	struct tag_match *m = ctx;

	m->same = e->ts == m->t->updated && e->request && strcmp(e->request, m->want) == 0;
	return 0;
}

int decision_verify_tag(struct inv *db, const struct decision_log *log, const struct inv_segment *t,
                        struct ow_err *err)
{
	struct tag_match m = { .t = t };
	char target[300];

	if (!log->intact)
		return DECISION_LOG_BROKEN;
	decision_tag_target(t, target, sizeof target);
	decision_tag_request(t, m.want, sizeof m.want);
	switch (audit_latest(db, DECISION_TAG, target, compare_tag_row, &m, err)) {
	case 0:
		return DECISION_UNRECORDED;
	case 1:
		return m.same ? DECISION_HONOURED : DECISION_CHANGED;
	default:
		return -1;
	}
}

void decision_explain(const struct decision_log *log, bool waiver, enum decision_verdict v,
                      const struct decision_row *row, char *out, size_t n)
{
	const char *what = waiver ? "a waiver" : "an attestation";
	const char *cmd = waiver ? "osdwarden waive" : "osdwarden attest";

	switch (v) {
	case DECISION_HONOURED:
		snprintf(out, n, "%s recorded in audit row %lld", what, (long long)row->seq);
		break;
	case DECISION_UNRECORDED:
		snprintf(out, n, "%s for this object is in the inventory but not in the audit log: not "
		         "honoured (it was written outside osdwarden; record it with %s)", what, cmd);
		break;
	case DECISION_CHANGED:
		snprintf(out, n, "%s for this object is in the inventory but differs from the one audit "
		         "row %lld records (changed outside osdwarden): not honoured (record it again "
		         "with %s)", what, (long long)row->seq, cmd);
		break;
	case DECISION_LOG_BROKEN:
		snprintf(out, n, "%s for this object is in the inventory but the audit log does not "
		         "verify (%s): not honoured until it does (osdwarden audit verify)", what,
		         log->why);
		break;
	}
}

long decision_setting_long(const struct decision_log *log, const char *key, long def,
                           bool *ignored)
{
	long v = def;

	if (ignored)
		*ignored = false;
	for (size_t i = 0; i < log->nsettings; i++) {
		const struct decision_setting *s = &log->settings[i];
		if (strcmp(s->key, key) != 0)
			continue;
		if (s->honoured && as_long(s->value, &v))
			return v;
		if (ignored)
			*ignored = !s->honoured;
		return s->def && as_long(s->def, &v) ? v : def;
	}
	return def;
}

long decision_setting_now(struct inv *db, const char *key, long def)
{
	struct decision_log log;
	struct ow_err e = { 0 };
	long v;

	/* Unreadable settings: the caller's default, as inv_setting_long. */
	if (decision_log_open(db, &log, &e) != 0)
		return def;
	v = decision_setting_long(&log, key, def, NULL);
	decision_log_close(&log);
	return v;
}
