/* The only door to a write on a site. Every action follows one sequence:
 *   read-only gate -> re-read the object from the site -> compare with what
 *   the inventory showed the operator (refuse if the site changed; report
 *   already-applied without sending anything if it is already so) -> the
 *   REST write, sent once -> re-read to verify -> audit entry and inventory
 *   update in one transaction.
 * A lost answer (timeout or reset after sending) is never resent: the
 * outcome is "unknown" until a re-read shows what the site did. */
#ifndef OW_BACKEND_ACTIONS_H
#define OW_BACKEND_ACTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/adminservice.h"
#include "backend/http.h"
#include "db/db.h"
#include "util/err.h"

enum act_outcome {
	ACT_APPLIED,          /* sent, and the re-read shows the new state */
	ACT_ALREADY,          /* the site was already so: nothing sent */
	ACT_NOT_APPLIED,      /* the site accepted the request, the state did not change */
	ACT_FAILED,           /* the site refused, or could not be read */
	ACT_UNKNOWN,          /* sent, no answer, and the re-read could not decide */
	ACT_REFUSED,          /* read-only, or the site changed since the last sync */
	ACT_DRY_RUN,          /* everything up to the write; nothing sent */
};

const char *act_outcome_name(enum act_outcome o);
/* Applied or already applied: the site is now as asked. */
bool act_ok(enum act_outcome o);

/* How to reach the site. read_only is set by --read-only, and by the
 * actions themselves when a write is answered 401/403/404 (the account
 * may read but not write): every later action is then refused unsent. */
struct act_site {
	struct http_client *http;
	const char *base;        /* ".../AdminService" */
	bool read_only;
};

struct act_result {
	enum act_outcome outcome;
	bool resolved_by_reread; /* the answer was lost; a re-read decided */
	char target[300];        /* the object, as the audit log names it */
	char message[700];       /* for the operator: what happened, what to do */
	char request[300];       /* what was (or would be) sent, never a secret */
	bool audited;            /* the outcome is in the audit log */
};

/* What an action changes on a DP's PXE responder; -1 / NULL = leave. */
struct act_pxe {
	int active;              /* IsActive: 0 stops answering PXE */
	int bind_policy;         /* BindPolicy: 1 = answer only on the listed MACs */
	const char *macs;        /* BindExcept, comma separated */
};

/* Each returns 0 when the action reached an outcome (any of the above, in
 * *res), or an error kind for a local failure (the inventory could not be
 * written; the object is not in the inventory: OW_EINPUT with advice). */
int act_cert_block(struct inv *db, struct act_site *site, const char *smsid, bool block,
                   bool dry_run, struct act_result *res, struct ow_err *err);
int act_assoc_delete(struct inv *db, struct act_site *site, int64_t source_id,
                     int64_t restore_id, bool dry_run, struct act_result *res,
                     struct ow_err *err);
int act_smp_restore_only(struct inv *db, struct act_site *site, const char *server, bool on,
                         bool dry_run, struct act_result *res, struct ow_err *err);
/* days 0 = delete immediately after restore. */
int act_smp_deletion_policy(struct inv *db, struct act_site *site, const char *server,
                            int days, bool dry_run, struct act_result *res,
                            struct ow_err *err);
int act_smp_remove(struct inv *db, struct act_site *site, const char *server, bool dry_run,
                   struct act_result *res, struct ow_err *err);
int act_dp_pxe(struct inv *db, struct act_site *site, const char *server,
               const struct act_pxe *want, bool dry_run, struct act_result *res,
               struct ow_err *err);
/* Whether the site takes write k, by the capabilities the last sync or
 * doctor read from its $metadata (no request is made): 1 yes, -1 unknown
 * (never read), 0 no, with why saying what is missing and where else to
 * do it (console path, PowerShell cmdlet). The console's menus ask this. */
int act_availability(struct inv *db, const char *base, enum as_write_kind k, char *why, size_t n);

int act_boot_f8_off(struct inv *db, struct act_site *site, const char *package_id,
                    bool dry_run, struct act_result *res, struct ow_err *err);

#endif
