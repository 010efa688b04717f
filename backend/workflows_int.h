/* Inside backend/workflows (workflows.c: the engine that starts, advances
 * and cancels a run; wf_tasks.c: the steps of the cleanup tasks,
 * smp-decommission, cert-block and assoc-prune; wf_fix.c: the fix task and
 * the table of fixes it makes). A task kind is a list of steps and a check
 * of the object it names; a step reads or writes through backend/actions
 * and says its state in the run's result. */
#ifndef OW_BACKEND_WORKFLOWS_INT_H
#define OW_BACKEND_WORKFLOWS_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "backend/workflows.h"
#include "util/err.h"

/* One attempt at a step: the run, its parameters and where the outcome goes. */
struct wfc {
	const struct wf_env *env;
	struct inv_task *task;
	json_t *params;
	const char *note;
	struct wf_result *res;
};

/* A step: 0 with c->res filled (or needs_note set), or an error kind. */
typedef int (*wf_step_fn)(struct wfc *c, struct ow_err *err);

struct wf_step {
	const char *kind, *name;
	wf_step_fn run;
	bool note_accepts;       /* a blocked verify may be accepted with a note */
	const char *hint;        /* what the operator does at this step */
};

/* The steps of one kind of task, and the check, at start, that the object
 * it names is in the inventory (params: the task's JSON parameters). */
struct wf_steps {
	const struct wf_step *rows;
	size_t n;
	int (*known)(struct inv *db, const char *target, json_t *params, struct ow_err *err);
};

extern const struct wf_steps wf_smp_steps, wf_cert_steps, wf_prune_steps;   /* wf_tasks.c */
extern const struct wf_steps wf_fix_steps;                                  /* wf_fix.c */

/* The step's state and message. */
void wfc_result(struct wfc *c, const char *state, const char *fmt, ...) OW_PRINTF(3, 4);
/* rc: what an action call returned; when 0, the action's outcome r
 * becomes the step's state. Returns rc. */
int wfc_acted(struct wfc *c, int rc, const struct act_result *r);

#endif
