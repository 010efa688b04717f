/* The fix task: make the fix a failing check's catalogue row names, then
 * re-evaluate the check. The table of fixes says how each is made (the
 * write in backend/actions it calls, and whether it deletes its object);
 * which check a fix serves is said in checks/catalog.c, once. */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/workflows_int.h"
#include "db/records.h"
#include "util/buf.h"

static const char *param(struct wfc *c, const char *name)
{
	return json_string_value(json_object_get(c->params, name));
}

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
		wfc_result(c, "failed", "this fix needs the MAC addresses PXE may answer on (start the "
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
		wfc_result(c, "failed", "the association is named SOURCE:RESTORE, not '%s'", object);
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
		wfc_result(c, "failed", "the task names no check, object or known fix; cancel it and start "
		       "it again from the check (osdwarden task start fix CHECK OBJECT)");
		return 0;
	}
	rc = f->apply(c, object, &r, err);
	/* A fix that could not start has said why in the step's result. */
	return c->res->step_state[0] ? rc : wfc_acted(c, rc, &r);
}

static int fix_verify(struct wfc *c, struct ow_err *err)
{
	char state[32] = "";
	int rc;

	if (!c->env->recheck) {
		wfc_result(c, "failed", "no checklist to re-evaluate with here; run `osdwarden check`");
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
		wfc_result(c, "done", "%s on %s is now %s", param(c, "check"), param(c, "object"),
		       strcmp(state, "pass") == 0 ? "pass" : "gone: nothing left to judge");
	else
		wfc_result(c, "failed", "%s on %s is %s, not a pass: sync, then look at `osdwarden check` "
		       "for why", param(c, "check"), param(c, "object"), state);
	return 0;
}

static const struct wf_step fix_steps[] = {
	{ "action", "make the fix, verified on the site", fix_apply, false, "--step next" },
	{ "verify", "the check no longer fails", fix_verify, false, "--step next" },
};

/* A fix task names its check and one of the fixes above. */
static int fix_known(struct inv *db, const char *target, json_t *params, struct ow_err *err)
{
	const char *check = json_string_value(json_object_get(params, "check"));
	const char *fix = json_string_value(json_object_get(params, "fix"));
	struct buf known = BUF_INIT;

	(void)db;
	(void)target;
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

const struct wf_steps wf_fix_steps = { fix_steps, sizeof fix_steps / sizeof fix_steps[0],
                                       fix_known };
