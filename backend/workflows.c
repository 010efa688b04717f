/* The guided tasks' engine: one table of task kinds, each a list of steps
 * (wf_tasks.c, wf_fix.c). wf_start() checks the object and records a new
 * run; wf_advance() loads the run, performs its current step, records the
 * step's new state and audits the transition. Writes go through
 * backend/actions only; the steps say what they do. */
#define _POSIX_C_SOURCE 200809L
#include "backend/workflows.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/workflows_int.h"
#include "db/audit.h"
#include "db/records.h"
#include "util/who.h"

void wfc_result(struct wfc *c, const char *state, const char *fmt, ...)
{
	va_list ap;

	snprintf(c->res->step_state, sizeof c->res->step_state, "%s", state);
	va_start(ap, fmt);
	vsnprintf(c->res->message, sizeof c->res->message, fmt, ap);
	va_end(ap);
}

int wfc_acted(struct wfc *c, int rc, const struct act_result *r)
{
	if (rc == 0)
		wfc_result(c, act_ok(r->outcome) ? "done" : "failed", "%s: %s",
		           act_outcome_name(r->outcome), r->message);
	return rc;
}

struct task_def {
	const char *kind;
	const struct wf_steps *steps;
};

/* One row per kind of task and its steps; tasks[] and wf_kinds() come from it. */
#define WF_TASKS(_)                           \
	_("smp-decommission", wf_smp_steps)   \
	_("cert-block", wf_cert_steps)        \
	_("assoc-prune", wf_prune_steps)      \
	_("fix", wf_fix_steps)

static const struct task_def tasks[] = {
#define TASK_ROW(kind, steps) { kind, &steps },
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
	if (!d || t->current < 1 || (size_t)t->current > d->steps->n)
		return "?";
	return d->steps->rows[t->current - 1].hint;
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
	rc = d->steps->known(db, target, p, err);
	json_decref(p);
	if (rc)
		return rc;
	for (size_t i = 0; i < d->steps->n; i++) {
		defs[i].kind = d->steps->rows[i].kind;
		defs[i].name = d->steps->rows[i].name;
	}
	snprintf(what, sizeof what, "task %s %s", kind, target);
	if (inv_begin(db, err) != 0)
		return err->kind;
	rc = inv_task_create(db, kind, target, params, defs, d->steps->n, now, who_operator(), id,
	                     err);
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
	const struct wf_step *s;
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
	if (!d || strcmp(t.state, "open") != 0 || t.current < 1 || (size_t)t.current > d->steps->n) {
		res->finished = true;
		snprintf(res->message, sizeof res->message, "task #%lld is %s; nothing to do",
		         (long long)id, t.state);
		inv_task_free(&t);
		return 0;
	}
	s = &d->steps->rows[t.current - 1];
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
	res->finished = (size_t)next > d->steps->n;
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
