/* Operator decisions (waivers, attestations, policy thresholds) live in
 * the inventory's tables, but they count only as far as the audit log
 * records them: anyone who can write the file can insert a row, not an
 * audit row that the anchored chain vouches for. This module is the one
 * home of what a decision's audit row says: the same functions build it
 * when the decision is recorded and when a check asks whether the row in
 * the table is the one that was recorded. */
#ifndef OW_DB_DECISION_H
#define OW_DB_DECISION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "db/records.h"

/* Audit actions of the three kinds. */
#define DECISION_WAIVE "waive"
#define DECISION_ATTEST "attest"
#define DECISION_SETTING "setting"
#define DECISION_TAG "tag"

/* A waiver or an attestation, as the table holds it. */
struct decision {
	bool waiver;
	const char *check, *object;   /* object "" = every object of the check */
	const char *text;             /* the waiver's reason or the attestation's note */
	int64_t created, expires;     /* created is the audit row's ts */
};

/* The target ("CHECK" or "CHECK OBJECT") and the request text (what
 * decides: check, object, expiry, and the text) of its audit row. New
 * strings; NULL when out of memory. */
char *decision_target(const struct decision *d);
char *decision_request(const struct decision *d);

/* Appends the audit row of d, at d->created, with this outcome ("recorded"
 * unless a task says more), inside the caller's transaction. */
int decision_record(struct inv *db, const struct decision *d, const char *outcome,
                    struct ow_err *err);

/* The request text of a setting's audit row ("value=N"). */
void decision_setting_request(long value, char *out, size_t n);

/* Changes an existing setting to value (stored as the number it is, so
 * that "007" and 7 are one value) and records it, in one transaction.
 * INV_NOTFOUND for a key the settings table does not have. */
int decision_set_setting(struct inv *db, const char *key, long value, int64_t now,
                         struct ow_err *err);

/* One setting as a check run sees it. */
struct decision_setting {
	char *key, *value;   /* the table's */
	char *def;           /* the migrations' default, NULL when they have none */
	bool honoured;       /* equal to the default, or the latest "setting" row carries it */
};

/* What the audit log vouches for, read once per check run. */
struct decision_log {
	bool intact;         /* audit_check said intact */
	char why[600];       /* when not: what it said */
	struct decision_setting *settings;
	size_t nsettings;
};

/* Verifies the log (audit_check) and judges every setting. A log that
 * cannot be checked or does not verify is not an error here: log->intact
 * is false and nothing that needs a row is honoured. 0, or an error kind
 * (out of memory, the settings unreadable). */
int decision_log_open(struct inv *db, struct decision_log *log, struct ow_err *err);
void decision_log_close(struct decision_log *log);

enum decision_verdict {
	DECISION_HONOURED,
	DECISION_UNRECORDED,   /* no audit row for its check and object */
	DECISION_CHANGED,      /* the latest row records something else */
	DECISION_LOG_BROKEN,   /* the log does not verify */
};

/* The audit row that vouches for a decision. */
struct decision_row {
	int64_t seq, ts;
	char operator_name[128];
};

/* Whether d is the decision the latest audit row of its kind, check and
 * object records (decision_request's text, or the older texts described
 * in decision.c), with created equal to that row's time. row is filled
 * for HONOURED and CHANGED. -1 with err set when the log cannot be read. */
int decision_verify(struct inv *db, const struct decision_log *log, const struct decision *d,
                    struct decision_row *row, struct ow_err *err);

/* A tag (segment trust, sanctioned responder, compromised certificate):
 * its audit target ("dp SERVER", "certificate SMSID") and request
 * ("trust=T sanctioned=N compromised=N"), the same text `osdwarden tag`
 * has always written. */
void decision_tag_target(const struct inv_segment *t, char *out, size_t n);
void decision_tag_request(const struct inv_segment *t, char *out, size_t n);

/* Whether the latest "tag" row for t records it as it stands, at
 * t->updated; -1 with err set when the log cannot be read. */
int decision_verify_tag(struct inv *db, const struct decision_log *log, const struct inv_segment *t,
                        struct ow_err *err);

/* The sentence a check result carries for a decision not honoured. */
void decision_explain(const struct decision_log *log, bool waiver, enum decision_verdict v,
                      const struct decision_row *row, char *out, size_t n);

/* The value of a threshold that counts: the table's when honoured,
 * otherwise the migrations' default; def when neither exists or it is not
 * a number. *ignored (may be NULL) says whether the table's was set
 * aside. */
long decision_setting_long(const struct decision_log *log, const char *key, long def,
                           bool *ignored);

/* The same for one lookup outside a check run (opens and closes a log). */
long decision_setting_now(struct inv *db, const char *key, long def);

#endif
