/* The steps of the cleanup tasks: decommissioning a state migration
 * point, blocking a certificate and pruning restored associations. The
 * reads go to the site through the contract's reader, the writes through
 * backend/actions; each task also says, at start, whether the object it
 * names is in the inventory. */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend/adminservice.h"
#include "backend/cert_impact.h"
#include "backend/workflows_int.h"
#include "db/decision.h"
#include "db/records.h"
#include "util/buf.h"
#include "util/who.h"

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
		wfc_result(c, "failed", "could not read the associations from the site: %s", e.msg);
	} else if (ac.unrestored == 0) {
		wfc_result(c, "done", "%zu association(s) stored on it, every one restored", ac.all);
	} else {
		wfc_result(c, "blocked", "%zu of %zu association(s) stored on it are not restored (%s%s). "
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

	return wfc_acted(c, act_smp_restore_only(c->env->db, c->env->site, c->task->target,
	                                         true, false, &r, err), &r);
}

static int attest_step(struct wfc *c, const char *what)
{
	if (!c->note || !*c->note) {
		c->res->needs_note = true;
		wfc_result(c, "pending", "%s: confirm with --step attest --note \"...\"", what);
		return 0;
	}
	wfc_result(c, "done", "attested: %s", c->note);
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

	return wfc_acted(c, act_smp_remove(c->env->db, c->env->site, c->task->target,
	                                   false, &r, err), &r);
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
	wfc_result(c, counts[ACT_APPLIED] + counts[ACT_ALREADY] == ps->n ? "done" : "failed",
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
		wfc_result(c, "failed", "could not read the site to verify: %s", e.msg);
	else if (roles || ac.all)
		wfc_result(c, "failed", "not finished on the site: %zu SMP role row(s), %zu association(s) "
		       "still point at it", roles, ac.all);
	else
		wfc_result(c, "done", "verified on the site: the role is gone and no association points "
		       "at %s; the manual steps are attested in the audit log", c->task->target);
	buf_free(&f);
	buf_free(&ac.names);
	return 0;
}

static const struct wf_step smp_steps[] = {
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

/* The SMP must be in the inventory: gone ones too, for a role removed
 * elsewhere still leaves its store. */
static int smp_known(struct inv *db, const char *target, json_t *params, struct ow_err *err)
{
	struct inv_smp *all = NULL;
	size_t n = 0;
	bool found = false;
	int rc = inv_load_smp(db, true, &all, &n, err);

	(void)params;
	for (size_t i = 0; rc == 0 && i < n; i++)
		found |= strcasecmp(all[i].server_name, target) == 0;
	inv_unload_smp(all, n);
	if (rc == 0 && !found)
		rc = ow_err_set(err, OW_EINPUT, "no state migration point on server '%s' in the "
		                "inventory; `osdwarden list smps` shows them", target);
	return rc;
}

const struct wf_steps wf_smp_steps = { smp_steps, sizeof smp_steps / sizeof smp_steps[0],
                                       smp_known };

/* --- certificate blocking ------------------------------------------------------ */

/* The first step: the impact of the block (backend/cert_impact), the same
 * block the console and `cert block --dry-run` show. */
static int cert_impact(struct wfc *c, struct ow_err *err)
{
	struct cert_impact ci;
	char *line;
	int rc = cert_impact_build(c->env->db, c->task->target, true, inv_now(), false, &ci, err);

	if (rc == OW_EINPUT) {
		wfc_result(c, "failed", "%s", err->msg);
		return 0;
	}
	if (rc)
		return rc;
	line = cert_impact_line(&ci);
	wfc_result(c, "done", "%s", line ? line : "");
	free(line);
	cert_impact_free(&ci);
	return 0;
}

static int cert_block(struct wfc *c, struct ow_err *err)
{
	struct act_result r;

	return wfc_acted(c, act_cert_block(c->env->db, c->env->site, c->task->target,
	                                   true, false, &r, err), &r);
}

static int cert_revoked(struct wfc *c, struct ow_err *err)
{
	struct inv_cert cert = { .smsid = c->task->target };
	int rc = inv_get_cert(c->env->db, &cert, err);
	bool pki;

	if (rc)
		return rc == INV_NOTFOUND ? (wfc_result(c, "failed", "the certificate is gone from the "
		                                    "inventory"), 0) : rc;
	pki = cert.key_type == 2;
	inv_free_cert(&cert);
	if (!pki) {
		wfc_result(c, "skipped", "self-signed: there is no CA to revoke it at");
		return 0;
	}
	return attest_step(c, "revoke the certificate at the issuing CA");
}

static const struct wf_step cert_steps[] = {
	{ "verify", "impact reviewed", cert_impact, false, "--step next" },
	{ "action", "block the certificate", cert_block, false, "--step next" },
	{ "attest", "PKI certificate revoked at the CA", cert_revoked, false,
	  "--step attest --note HOW" },
};

static int cert_known(struct inv *db, const char *target, json_t *params, struct ow_err *err)
{
	struct inv_cert cert = { .smsid = (char *)target };
	int rc = inv_get_cert(db, &cert, err);

	(void)params;
	if (rc == 0)
		inv_free_cert(&cert);
	return rc == INV_NOTFOUND ? (int)ow_err_set(err, OW_EINPUT, "no certificate %s in "
	                                            "the inventory", target) : rc;
}

const struct wf_steps wf_cert_steps = { cert_steps, sizeof cert_steps / sizeof cert_steps[0],
                                        cert_known };

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
		wfc_result(c, "done", "%zu association(s) restored more than %s days ago will be deleted",
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
		wfc_result(c, "failed", "%zu association(s) still due for deletion", ps.n);
	else if (rc == 0)
		wfc_result(c, "done", "none left that the policy deletes");
	free(ps.p);
	return rc;
}

static const struct wf_step prune_steps[] = {
	{ "verify", "list the associations the policy deletes", prune_list, false, "--step next" },
	{ "action", "delete them, verifying each", prune_delete, false, "--step next" },
	{ "verify", "report: none left", prune_report, false, "--step next" },
};

/* The target of a pruning is its age in days. */
static int prune_known(struct inv *db, const char *target, json_t *params, struct ow_err *err)
{
	char *end;
	long v = strtol(target, &end, 10);

	(void)db;
	(void)params;
	return *end || v < 0 ? ow_err_set(err, OW_EINPUT, "assoc-prune takes a number of "
	                                  "days, not '%s'", target) : 0;
}

const struct wf_steps wf_prune_steps = { prune_steps, sizeof prune_steps / sizeof prune_steps[0],
                                         prune_known };
