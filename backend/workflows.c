/* The guided tasks: one table of task kinds, each a list of steps with the
 * function that performs it. wf_advance() loads the run, performs its
 * current step, records the step's new state and audits the transition.
 * Writes go through backend/actions only; the steps here read. */
#define _POSIX_C_SOURCE 200809L
#include "backend/workflows.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend/adminservice.h"
#include "db/audit.h"
#include "db/decision.h"
#include "db/records.h"
#include "util/buf.h"
#include "util/who.h"

struct wfc {
	const struct wf_env *env;
	struct inv_task *task;
	json_t *params;
	const char *note;
	struct wf_result *res;
};

typedef int (*step_fn)(struct wfc *c, struct ow_err *err);

struct step_def {
	const char *kind, *name;
	step_fn run;
	bool note_accepts;       /* a blocked verify may be accepted with a note */
	const char *hint;        /* what the operator does at this step */
};

static void result(struct wfc *c, const char *state, const char *fmt, ...) OW_PRINTF(3, 4);
static void result(struct wfc *c, const char *state, const char *fmt, ...)
{
	va_list ap;

	snprintf(c->res->step_state, sizeof c->res->step_state, "%s", state);
	va_start(ap, fmt);
	vsnprintf(c->res->message, sizeof c->res->message, fmt, ap);
	va_end(ap);
}

static const char *param(struct wfc *c, const char *name)
{
	return json_string_value(json_object_get(c->params, name));
}

/* An action's outcome as a step's state. */
static void from_action(struct wfc *c, const struct act_result *r)
{
	result(c, act_ok(r->outcome) ? "done" : "failed", "%s: %s", act_outcome_name(r->outcome),
	       r->message);
}

/* Every row of a filtered collection, page after page (nextLinks only
 * within the provider); fn per row. */
static int read_all(struct wfc *c, const char *cls, const char *filter,
                    int (*fn)(void *ctx, json_t *row), void *ctx, struct ow_err *err)
{
	char *url = as_filter_url(c->env->site->base, cls, filter);
	int rc = url ? as_read_each(c->env->site->http, c->env->site->base, url, fn, ctx, err)
	             : (int)ow_err_set(err, OW_EINPUT, "out of memory");

	free(url);
	return rc;
}

/* --- SMP decommission -------------------------------------------------------- */

/* The store path prefix of an SMP: \\SERVER\ */
static void store_prefix(const char *server, char *out, size_t n)
{
	snprintf(out, n, "\\\\%s\\", server);
}

struct assoc_count {
	size_t all, unrestored;
	struct buf names;
};

static int count_assoc(void *ctx, json_t *row)
{
	struct assoc_count *ac = ctx;
	json_t *rel = as_get(row, "StoreReleaseDate");

	ac->all++;
	if (!rel || json_is_null(rel)) {
		const char *s = json_string_value(as_get(row, "SourceName"));
		if (ac->unrestored++ < 5)
			buf_addf(&ac->names, "%s%s", ac->names.len ? ", " : "", s ? s : "?");
	}
	return 0;
}

static int site_assocs(struct wfc *c, const char *server, struct assoc_count *ac,
                       struct ow_err *err)
{
	struct buf f = BUF_INIT;
	char prefix[300];
	int rc;

	store_prefix(server, prefix, sizeof prefix);
	as_filter_fn(&f, "startswith", "StorePath", prefix);
	rc = read_all(c, "SMS_StateMigration", buf_str(&f), count_assoc, ac, err);
	buf_free(&f);
	return rc;
}

static int smp_assocs_restored(struct wfc *c, struct ow_err *err)
{
	struct assoc_count ac = { 0, 0, BUF_INIT };
	struct ow_err e = { 0 };

	if (site_assocs(c, c->task->target, &ac, &e) != 0) {
		result(c, "failed", "could not read the associations from the site: %s", e.msg);
	} else if (ac.unrestored == 0) {
		result(c, "done", "%zu association(s) stored on it, every one restored", ac.all);
	} else {
		result(c, "blocked", "%zu of %zu association(s) stored on it are not restored (%s%s). "
		       "Restore them, or accept their loss with --step attest --note \"why\"",
		       ac.unrestored, ac.all, buf_str(&ac.names), ac.unrestored > 5 ? ", ..." : "");
	}
	buf_free(&ac.names);
	(void)err;
	return 0;
}

static int smp_restore_only(struct wfc *c, struct ow_err *err)
{
	struct act_result r;
	int rc = act_smp_restore_only(c->env->db, c->env->site, c->task->target, true, false, &r, err);

	if (rc == 0)
		from_action(c, &r);
	return rc;
}

static int attest_step(struct wfc *c, const char *what)
{
	if (!c->note || !*c->note) {
		c->res->needs_note = true;
		result(c, "pending", "%s: confirm with --step attest --note \"...\"", what);
		return 0;
	}
	result(c, "done", "attested: %s", c->note);
	return 0;
}

static int smp_backup(struct wfc *c, struct ow_err *err)
{
	(void)err;
	return attest_step(c, "back up the state migration store (say where the copy is)");
}

static int smp_remove_role(struct wfc *c, struct ow_err *err)
{
	struct act_result r;
	int rc = act_smp_remove(c->env->db, c->env->site, c->task->target, false, &r, err);

	if (rc == 0)
		from_action(c, &r);
	return rc;
}

static int smp_share_deleted(struct wfc *c, struct ow_err *err)
{
	int64_t now = inv_now();
	struct inv_attestation a = { .check_id = (char *)"OSD-SMP-007", .object_key = c->task->target,
	                             .note = (char *)c->note, .operator_name = (char *)who_operator(),
	                             .created = now, .expires = now + 3650LL * 86400 };

	struct decision d = { false, a.check_id, a.object_key, a.note, a.created, a.expires };

	attest_step(c, "delete the SMP's share and folders on the server (the site does not)");
	if (c->res->needs_note)
		return 0;
	/* This is the attestation OSD-SMP-007 asks for, so the check closes:
	 * its audit row is what the check honours. */
	if (inv_begin(c->env->db, err) != 0)
		return err->kind;
	if (inv_put_attestation(c->env->db, &a, now, err) != 0 ||
	    decision_record(c->env->db, &d, "recorded by the decommission task", err) != 0 ||
	    inv_commit(c->env->db, err) != 0) {
		inv_rollback(c->env->db);
		return err->kind ? err->kind : OW_EINPUT;
	}
	return 0;
}

/* The associations of the inventory stored on one SMP. */
struct pairs {
	const char *prefix;
	int64_t cutoff;          /* assoc-prune: released before this */
	int64_t (*p)[2];
	size_t n, cap;
};

static int pick_pair(void *ctx, const struct inv_assoc *a)
{
	struct pairs *ps = ctx;

	if (ps->prefix && (!a->store_path || strncasecmp(a->store_path, ps->prefix, strlen(ps->prefix))))
		return 0;
	if (!ps->prefix && (a->store_released == INV_NULL || a->store_released > ps->cutoff))
		return 0;
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 64;
		int64_t (*np)[2] = realloc(ps->p, cap * sizeof *np);
		if (!np)
			return -1;
		ps->p = np;
		ps->cap = cap;
	}
	ps->p[ps->n][0] = a->source_id;
	ps->p[ps->n++][1] = a->restore_id;
	return 0;
}

static int delete_pairs(struct wfc *c, struct pairs *ps, struct ow_err *err)
{
	size_t counts[ACT_DRY_RUN + 1] = { 0 };
	char last[sizeof ((struct act_result *)0)->message] = "";
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < ps->n; i++) {
		struct act_result r;
		rc = act_assoc_delete(c->env->db, c->env->site, ps->p[i][0], ps->p[i][1], false, &r, err);
		if (rc == 0) {
			counts[r.outcome]++;
			if (!act_ok(r.outcome))
				snprintf(last, sizeof last, "%s", r.message);
		}
		if (c->env->progress)
			c->env->progress(c->env->progress_ctx, i + 1, ps->n);
		if (c->env->site->read_only)
			break;
	}
	if (rc)
		return rc;
	result(c, counts[ACT_APPLIED] + counts[ACT_ALREADY] == ps->n ? "done" : "failed",
	       "%zu association(s): %zu deleted, %zu already gone, %zu not deleted%s%s",
	       ps->n, counts[ACT_APPLIED], counts[ACT_ALREADY],
	       ps->n - counts[ACT_APPLIED] - counts[ACT_ALREADY], last[0] ? "; last: " : "", last);
	return 0;
}

static int smp_delete_assocs(struct wfc *c, struct ow_err *err)
{
	char prefix[300];
	struct pairs ps = { .prefix = prefix };
	int rc;

	store_prefix(c->task->target, prefix, sizeof prefix);
	rc = inv_each_assoc(c->env->db, false, pick_pair, &ps, err);
	if (rc == 0)
		rc = delete_pairs(c, &ps, err);
	free(ps.p);
	return rc < 0 ? OW_EINPUT : rc;
}

static int role_rows(void *ctx, json_t *row)
{
	(void)row;
	++*(size_t *)ctx;
	return 0;
}

static int smp_final(struct wfc *c, struct ow_err *err)
{
	struct assoc_count ac = { 0, 0, BUF_INIT };
	struct ow_err e = { 0 };
	struct buf f = BUF_INIT;
	size_t roles = 0;
	char pattern[300];

	(void)err;
	snprintf(pattern, sizeof pattern, "\\\\%s", c->task->target);
	as_filter_eq(&f, "SMS_SCI_SysResUse", "RoleName", "SMS State Migration Point");
	as_filter_fn(&f, "endswith", "NetworkOSPath", pattern);
	if (read_all(c, "SMS_SCI_SysResUse", buf_str(&f), role_rows, &roles, &e) != 0 ||
	    site_assocs(c, c->task->target, &ac, &e) != 0)
		result(c, "failed", "could not read the site to verify: %s", e.msg);
	else if (roles || ac.all)
		result(c, "failed", "not finished on the site: %zu SMP role row(s), %zu association(s) "
		       "still point at it", roles, ac.all);
	else
		result(c, "done", "verified on the site: the role is gone and no association points "
		       "at %s; the manual steps are attested in the audit log", c->task->target);
	buf_free(&f);
	buf_free(&ac.names);
	return 0;
}

static const struct step_def smp_steps[] = {
	{ "verify", "every association stored on it is restored (or its loss accepted)",
	  smp_assocs_restored, true, "--step next to check, or --step attest --note to accept" },
	{ "action", "restore-only mode on", smp_restore_only, false, "--step next" },
	{ "attest", "the store is backed up", smp_backup, false, "--step attest --note WHERE" },
	{ "action", "remove the state migration point role", smp_remove_role, false, "--step next" },
	{ "attest", "share and folders deleted on the server", smp_share_deleted, false,
	  "--step attest --note WHAT-WAS-DELETED" },
	{ "action", "delete the computer associations that pointed at it", smp_delete_assocs, false,
	  "--step next" },
	{ "verify", "role and associations gone from the site", smp_final, false, "--step next" },
};

/* --- certificate blocking ------------------------------------------------------ */

static int cert_impact(struct wfc *c, struct ow_err *err)
{
	struct inv_cert cert = { .smsid = c->task->target };
	int rc = inv_get_cert(c->env->db, &cert, err);

	if (rc == INV_NOTFOUND) {
		result(c, "failed", "the certificate is not in the inventory; sync first");
		return 0;
	}
	if (rc)
		return rc;
	result(c, "done", "%s certificate issued to %s%s%s, %s, %s; blocking it stops %s",
	       cert.type == 1 ? "boot media" : cert.type == 2 ? "PXE/DP" : "other",
	       cert.issued_to ? cert.issued_to : "?", cert.server_name ? " on " : "",
	       cert.server_name ? cert.server_name : "",
	       cert.key_type == 2 ? "PKI-issued (revoke it at the CA as well)" : "self-signed",
	       cert.is_blocked == 1 ? "already blocked" : "not blocked",
	       cert.type == 1 ? "every boot media made with it" : "the PXE responder that uses it");
	inv_free_cert(&cert);   /* get replaced the key with its own copy */
	return 0;
}

static int cert_block(struct wfc *c, struct ow_err *err)
{
	struct act_result r;
	int rc = act_cert_block(c->env->db, c->env->site, c->task->target, true, false, &r, err);

	if (rc == 0)
		from_action(c, &r);
	return rc;
}

static int cert_revoked(struct wfc *c, struct ow_err *err)
{
	struct inv_cert cert = { .smsid = c->task->target };
	int rc = inv_get_cert(c->env->db, &cert, err);
	bool pki;

	if (rc)
		return rc == INV_NOTFOUND ? (result(c, "failed", "the certificate is gone from the "
		                                    "inventory"), 0) : rc;
	pki = cert.key_type == 2;
	inv_free_cert(&cert);
	if (!pki) {
		result(c, "skipped", "self-signed: there is no CA to revoke it at");
		return 0;
	}
	return attest_step(c, "revoke the certificate at the issuing CA");
}

static const struct step_def cert_steps[] = {
	{ "verify", "impact reviewed", cert_impact, false, "--step next" },
	{ "action", "block the certificate", cert_block, false, "--step next" },
	{ "attest", "PKI certificate revoked at the CA", cert_revoked, false,
	  "--step attest --note HOW" },
};

/* --- association pruning ------------------------------------------------------- */

static int prune_collect(struct wfc *c, struct pairs *ps, struct ow_err *err)
{
	long days = strtol(c->task->target, NULL, 10);

	ps->cutoff = inv_now() - (int64_t)days * 86400;
	return inv_each_assoc(c->env->db, false, pick_pair, ps, err) < 0 ? OW_EINPUT : 0;
}

static int prune_list(struct wfc *c, struct ow_err *err)
{
	struct pairs ps = { 0 };
	int rc = prune_collect(c, &ps, err);

	if (rc == 0)
		result(c, "done", "%zu association(s) restored more than %s days ago will be deleted",
		       ps.n, c->task->target);
	free(ps.p);
	return rc;
}

static int prune_delete(struct wfc *c, struct ow_err *err)
{
	struct pairs ps = { 0 };
	int rc = prune_collect(c, &ps, err);

	if (rc == 0)
		rc = delete_pairs(c, &ps, err);
	free(ps.p);
	return rc;
}

static int prune_report(struct wfc *c, struct ow_err *err)
{
	struct pairs ps = { 0 };
	int rc = prune_collect(c, &ps, err);

	if (rc == 0 && ps.n)
		result(c, "failed", "%zu association(s) still due for deletion", ps.n);
	else if (rc == 0)
		result(c, "done", "none left that the policy deletes");
	free(ps.p);
	return rc;
}

static const struct step_def prune_steps[] = {
	{ "verify", "list the associations the policy deletes", prune_list, false, "--step next" },
	{ "action", "delete them, verifying each", prune_delete, false, "--step next" },
	{ "verify", "report: none left", prune_report, false, "--step next" },
};

/* --- fix a failing check ---------------------------------------------------------- */

/* The writes the fix task makes, by the name a check's catalogue row gives
 * in its fix column (checks/catalog.c): which check a fix serves is said
 * there, once; this table says how each fix is made. A fix fn returns 0
 * with *r filled, 0 with the step's result set when it could not start,
 * or an error kind. */
typedef int (*fix_fn)(struct wfc *c, const char *object, struct act_result *r, struct ow_err *err);

struct fix {
	const char *name, *what;
	fix_fn apply;
	bool removes;   /* the fix deletes the object: afterwards nothing is left to judge */
};

static int fix_pxe(struct wfc *c, const char *object, const struct act_pxe *want,
                   struct act_result *r, struct ow_err *err)
{
	return act_dp_pxe(c->env->db, c->env->site, object, want, false, r, err);
}

static int fix_pxe_off(struct wfc *c, const char *object, struct act_result *r, struct ow_err *err)
{
	return fix_pxe(c, object, &(struct act_pxe){ .active = 0, .bind_policy = -1 }, r, err);
}

static int fix_pxe_listed(struct wfc *c, const char *object, struct act_result *r,
                          struct ow_err *err)
{
	struct act_pxe want = { .active = -1, .bind_policy = 1, .macs = param(c, "macs") };

	if (!want.macs) {
		result(c, "failed", "this fix needs the MAC addresses PXE may answer on (start the "
		       "task with --macs)");
		return 0;
	}
	return fix_pxe(c, object, &want, r, err);
}

static int fix_f8_off(struct wfc *c, const char *object, struct act_result *r, struct ow_err *err)
{
	return act_boot_f8_off(c->env->db, c->env->site, object, false, r, err);
}

static int fix_deletion_delay(struct wfc *c, const char *object, struct act_result *r,
                              struct ow_err *err)
{
	json_t *d = json_object_get(c->params, "days");
	long days = json_is_integer(d) ? (long)json_integer_value(d)
	                               : inv_setting_long(c->env->db, "smp_max_retention_days", 30);

	return act_smp_deletion_policy(c->env->db, c->env->site, object, (int)days, false, r, err);
}

static int fix_cert_block(struct wfc *c, const char *object, struct act_result *r,
                          struct ow_err *err)
{
	return act_cert_block(c->env->db, c->env->site, object, true, false, r, err);
}

static int fix_assoc_delete(struct wfc *c, const char *object, struct act_result *r,
                            struct ow_err *err)
{
	long long src = 0, dst = 0;

	if (sscanf(object, "%lld:%lld", &src, &dst) != 2) {
		result(c, "failed", "the association is named SOURCE:RESTORE, not '%s'", object);
		return 0;
	}
	return act_assoc_delete(c->env->db, c->env->site, src, dst, false, r, err);
}

static const struct fix fixes[] = {
	{ "dp-pxe-off", "stop the DP answering PXE (IsActive off)", fix_pxe_off, false },
	{ "dp-pxe-listed", "answer PXE only on the listed MAC addresses", fix_pxe_listed, false },
	{ "boot-f8-off", "turn the F8 command prompt off in the boot image", fix_f8_off, false },
	{ "smp-deletion-delay", "set the SMP's deletion delay to the retention policy",
	  fix_deletion_delay, false },
	{ "cert-block", "block the certificate", fix_cert_block, false },
	{ "assoc-delete", "delete the restored computer association", fix_assoc_delete, true },
};

static const struct fix *fix_find(const char *name)
{
	for (size_t i = 0; name && i < sizeof fixes / sizeof fixes[0]; i++)
		if (strcmp(fixes[i].name, name) == 0)
			return &fixes[i];
	return NULL;
}

static int fix_apply(struct wfc *c, struct ow_err *err)
{
	const char *object = param(c, "object");
	const struct fix *f = fix_find(param(c, "fix"));
	struct act_result r;
	int rc;

	if (!param(c, "check") || !object || !f) {
		result(c, "failed", "the task names no check, object or known fix; cancel it and start "
		       "it again from the check (osdwarden task start fix CHECK OBJECT)");
		return 0;
	}
	rc = f->apply(c, object, &r, err);
	/* A fix that could not start has said why in the step's result. */
	if (rc == 0 && !c->res->step_state[0])
		from_action(c, &r);
	return rc;
}

static int fix_verify(struct wfc *c, struct ow_err *err)
{
	char state[32] = "";
	int rc;

	if (!c->env->recheck) {
		result(c, "failed", "no checklist to re-evaluate with here; run `osdwarden check`");
		return 0;
	}
	rc = c->env->recheck(c->env->recheck_ctx, c->env->db, param(c, "check"), param(c, "object"),
	                     state, sizeof state, err);
	if (rc)
		return rc;
	const struct fix *f = fix_find(param(c, "fix"));
	/* Done only on a pass, or, for a fix that deletes its object, when
	 * nothing is left to judge; an error or unknown is not a fix. */
	if (strcmp(state, "pass") == 0 || (f && f->removes && strcmp(state, "not judged") == 0))
		result(c, "done", "%s on %s is now %s", param(c, "check"), param(c, "object"),
		       strcmp(state, "pass") == 0 ? "pass" : "gone: nothing left to judge");
	else
		result(c, "failed", "%s on %s is %s, not a pass: sync, then look at `osdwarden check` "
		       "for why", param(c, "check"), param(c, "object"), state);
	return 0;
}

static const struct step_def fix_steps[] = {
	{ "action", "make the fix, verified on the site", fix_apply, false, "--step next" },
	{ "verify", "the check no longer fails", fix_verify, false, "--step next" },
};

/* --- the engine ---------------------------------------------------------------- */

struct task_def {
	const char *kind;
	const struct step_def *steps;
	size_t n;
};

/* One row per kind of task and its steps; tasks[] and wf_kinds() come from it. */
#define WF_TASKS(_)                       \
	_("smp-decommission", smp_steps) \
	_("cert-block", cert_steps)       \
	_("assoc-prune", prune_steps)     \
	_("fix", fix_steps)

static const struct task_def tasks[] = {
#define TASK_ROW(kind, steps) { kind, steps, sizeof steps / sizeof steps[0] },
	WF_TASKS(TASK_ROW)
#undef TASK_ROW
};

/* "smp-decommission, cert-block, ...", joined at compile time */
#define TASK_KIND(kind, steps) ", " kind
static const char task_kinds[] = WF_TASKS(TASK_KIND);
#undef TASK_KIND

const char *wf_kinds(void)
{
	return task_kinds + 2;
}

static const struct task_def *task_find(const char *kind)
{
	for (size_t i = 0; i < sizeof tasks / sizeof tasks[0]; i++)
		if (strcmp(tasks[i].kind, kind) == 0)
			return &tasks[i];
	return NULL;
}

const char *wf_step_hint(const struct inv_task *t)
{
	const struct task_def *d = task_find(t->kind);

	if (strcmp(t->state, "open") != 0)
		return "finished";
	if (!d || t->current < 1 || (size_t)t->current > d->n)
		return "?";
	return d->steps[t->current - 1].hint;
}

/* The object a task names must be in the inventory. */
static int target_known(struct inv *db, const char *kind, const char *target, json_t *params,
                        struct ow_err *err)
{
	if (strcmp(kind, "cert-block") == 0) {
		struct inv_cert cert = { .smsid = (char *)target };
		int rc = inv_get_cert(db, &cert, err);
		if (rc == 0)
			inv_free_cert(&cert);
		return rc == INV_NOTFOUND ? (int)ow_err_set(err, OW_EINPUT, "no certificate %s in "
		                                            "the inventory", target) : rc;
	}
	if (strcmp(kind, "smp-decommission") == 0) {
		struct inv_smp *all = NULL;
		size_t n = 0;
		bool found = false;
		/* gone ones too: a role removed elsewhere still leaves its store */
		int rc = inv_load_smp(db, true, &all, &n, err);
		for (size_t i = 0; rc == 0 && i < n; i++)
			found |= strcasecmp(all[i].server_name, target) == 0;
		inv_unload_smp(all, n);
		if (rc == 0 && !found)
			rc = ow_err_set(err, OW_EINPUT, "no state migration point on server '%s' in the "
			                "inventory; `osdwarden list smps` shows them", target);
		return rc;
	}
	if (strcmp(kind, "assoc-prune") == 0) {
		char *end;
		long v = strtol(target, &end, 10);
		return *end || v < 0 ? ow_err_set(err, OW_EINPUT, "assoc-prune takes a number of "
		                                  "days, not '%s'", target) : 0;
	}
	if (strcmp(kind, "fix") == 0) {
		const char *check = json_string_value(json_object_get(params, "check"));
		const char *fix = json_string_value(json_object_get(params, "fix"));
		struct buf known = BUF_INIT;
		if (check && fix_find(fix))
			return 0;
		for (size_t i = 0; i < sizeof fixes / sizeof fixes[0]; i++)
			buf_addf(&known, "%s%s (%s)", i ? ", " : "", fixes[i].name, fixes[i].what);
		ow_err_set(err, OW_EINPUT, "a fix task names its check and one of the fixes osdwarden "
		           "makes, not %s '%s'; they are: %s", check ? "fix" : "check",
		           check ? (fix ? fix : "") : "", buf_str(&known));
		buf_free(&known);
		return OW_EINPUT;
	}
	return ow_err_set(err, OW_EINPUT, "no task kind '%s'; there are %s", kind, wf_kinds());
}

int wf_start(struct inv *db, const char *kind, const char *target, const char *params,
             int64_t *id, bool *resumed, struct ow_err *err)
{
	const struct task_def *d = task_find(kind);
	struct inv_task_step_def defs[INV_TASK_MAX_STEPS];
	json_t *p = params ? json_loads(params, 0, NULL) : NULL;
	int64_t now = inv_now();
	char what[400];
	int rc;

	*resumed = false;
	if (params && !json_is_object(p)) {
		json_decref(p);
		return ow_err_set(err, OW_EINPUT, "task parameters are not a JSON object");
	}
	if (!d) {
		json_decref(p);
		return ow_err_set(err, OW_EINPUT, "no task kind '%s'; there are %s", kind, wf_kinds());
	}
	/* An open run resumes even if its object is gone by now (the role an
	 * unfinished decommission removed, say). */
	if ((*id = inv_task_find_open(db, kind, target, err)) != 0) {
		json_decref(p);
		*resumed = *id > 0;
		return *id < 0 ? OW_EINPUT : 0;
	}
	rc = target_known(db, kind, target, p, err);
	json_decref(p);
	if (rc)
		return rc;
	for (size_t i = 0; i < d->n; i++) {
		defs[i].kind = d->steps[i].kind;
		defs[i].name = d->steps[i].name;
	}
	snprintf(what, sizeof what, "task %s %s", kind, target);
	if (inv_begin(db, err) != 0)
		return err->kind;
	rc = inv_task_create(db, kind, target, params, defs, d->n, now, who_operator(), id, err);
	if (rc == 0)
		rc = audit_append(db, now, "task.start", what, params ? params : "", "open", err);
	if (rc == 0)
		rc = inv_commit(db, err);
	if (rc)
		inv_rollback(db);
	return rc;
}

int wf_start_fix(struct inv *db, const char *check, const char *fix, const char *object,
                 const char *macs, int64_t *id, bool *resumed, struct ow_err *err)
{
	json_t *p = json_pack("{s:s,s:s,s:s?,s:s?}", "check", check, "object", object, "fix", fix,
	                      "macs", macs);
	char *params = p ? json_dumps(p, JSON_COMPACT) : NULL;
	char target[400];
	int rc;

	json_decref(p);
	if (!params)
		return ow_err_set(err, OW_EINPUT, "out of memory starting the fix of %s", check);
	snprintf(target, sizeof target, "%s %s", check, object);
	rc = wf_start(db, "fix", target, params, id, resumed, err);
	free(params);
	return rc;
}

int wf_advance(const struct wf_env *env, int64_t id, const char *note, struct wf_result *res,
               struct ow_err *err)
{
	struct inv_task t;
	struct wfc c = { .env = env, .task = &t, .note = note, .res = res };
	const struct task_def *d;
	const struct step_def *s;
	int64_t now;
	char target[400];
	int rc = inv_task_load(env->db, id, &t, err), next;

	memset(res, 0, sizeof *res);
	if (rc == INV_NOTFOUND)
		return ow_err_set(err, OW_EINPUT, "no task #%lld; `osdwarden task list` shows them",
		                  (long long)id);
	if (rc)
		return rc;
	d = task_find(t.kind);
	if (!d || strcmp(t.state, "open") != 0 || t.current < 1 || (size_t)t.current > d->n) {
		res->finished = true;
		snprintf(res->message, sizeof res->message, "task #%lld is %s; nothing to do",
		         (long long)id, t.state);
		inv_task_free(&t);
		return 0;
	}
	s = &d->steps[t.current - 1];
	res->seq = t.current;
	c.params = t.params ? json_loads(t.params, 0, NULL) : NULL;
	if (strcmp(s->kind, "attest") != 0 && note && s->note_accepts) {
		/* The operator accepts what the verification would block on. */
		rc = s->run(&c, err);
		if (rc == 0 && strcmp(res->step_state, "blocked") == 0)
			snprintf(res->step_state, sizeof res->step_state, "done");
		if (rc == 0 && strcmp(res->step_state, "done") == 0) {
			char m[sizeof res->message];
			snprintf(m, sizeof m, "%.700s; accepted by %.60s: %.300s", res->message, who_operator(), note);
			snprintf(res->message, sizeof res->message, "%s", m);
		}
	} else if (strcmp(s->kind, "attest") != 0 && note) {
		rc = ow_err_set(err, OW_EINPUT, "step %d (%s) is not attested; run it with --step next",
		                t.current, s->name);
	} else {
		rc = s->run(&c, err);
	}
	json_decref(c.params);
	if (rc || res->needs_note) {
		inv_task_free(&t);
		return rc;
	}
	now = inv_now();
	next = strcmp(res->step_state, "done") == 0 || strcmp(res->step_state, "skipped") == 0
	               ? t.current + 1 : t.current;
	res->finished = (size_t)next > d->n;
	snprintf(target, sizeof target, "task #%lld %s %s step %d: %s", (long long)id, t.kind,
	         t.target, t.current, s->name);
	if (inv_begin(env->db, err) != 0) {
		inv_task_free(&t);
		return err->kind;
	}
	rc = inv_task_set_step(env->db, id, t.current, res->step_state,
	                       strcmp(s->kind, "attest") == 0 || s->note_accepts ? note : NULL,
	                       res->message, now, err);
	if (rc == 0)
		rc = inv_task_set_state(env->db, id, res->finished ? "done" : "open", next, now, err);
	if (rc == 0) {
		char outcome[1300];
		snprintf(outcome, sizeof outcome, "%s: %s", res->step_state, res->message);
		rc = audit_append(env->db, now, "task.step", target, note ? note : "", outcome, err);
	}
	if (rc == 0)
		rc = inv_commit(env->db, err);
	if (rc)
		inv_rollback(env->db);
	inv_task_free(&t);
	return rc;
}

int wf_cancel(struct inv *db, int64_t id, struct ow_err *err)
{
	struct inv_task t;
	char target[400];
	int64_t now = inv_now();
	int rc = inv_task_load(db, id, &t, err);

	if (rc == INV_NOTFOUND)
		return ow_err_set(err, OW_EINPUT, "no task #%lld", (long long)id);
	if (rc)
		return rc;
	snprintf(target, sizeof target, "task #%lld %s %s", (long long)id, t.kind, t.target);
	if (inv_begin(db, err) != 0) {
		inv_task_free(&t);
		return err->kind;
	}
	rc = inv_task_set_state(db, id, "cancelled", t.current, now, err);
	if (rc == 0)
		rc = audit_append(db, now, "task.cancel", target, "", "cancelled", err);
	if (rc == 0)
		rc = inv_commit(db, err);
	if (rc)
		inv_rollback(db);
	inv_task_free(&t);
	return rc;
}
