/* Guided tasks as persisted step machines (no curses): the cleanup that
 * Configuration Manager leaves to people. A task is a list of steps, each
 * `verify` (read the site: pass or not), `action` (a write through
 * backend/actions) or `attest` (the operator confirms a manual step with a
 * note). Runs and steps live in the inventory, so a task resumes after a
 * dropped session from the CLI or the console; every transition is
 * audited. Tasks:
 *   smp-decommission SERVER, cert-block SMSID, assoc-prune DAYS,
 *   fix CHECK OBJECT (for checks whose catalogue row names a fix: a write
 *   osdwarden can make). */
#ifndef OW_BACKEND_WORKFLOWS_H
#define OW_BACKEND_WORKFLOWS_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/actions.h"
#include "db/tasks.h"

struct wf_env {
	struct inv *db;
	struct act_site *site;
	/* For fix tasks: evaluates the checklist and says the state of check
	 * on object ("pass", "fail", ...). The caller (cli, tui) provides it:
	 * the backend does not depend on checks/. */
	int (*recheck)(void *ctx, struct inv *db, const char *check, const char *object,
	               char *state, size_t n, struct ow_err *err);
	void *recheck_ctx;
	/* Progress of a long step (e.g. deleting many associations); may be NULL. */
	void (*progress)(void *ctx, size_t done, size_t total);
	void *progress_ctx;
};

struct wf_result {
	int seq;                 /* the step that was attempted (0: none) */
	char step_state[12];     /* done, failed, blocked, skipped, pending */
	bool needs_note;         /* an attest step, asked without a note: nothing changed */
	bool finished;           /* the task is complete */
	char message[1200];
};

/* The list of task kinds, for usage messages. */
const char *wf_kinds(void);

/* Starts a task, or finds the open run of the same kind and target (a
 * task is not started twice). params: a JSON object of extra inputs
 * ({"macs": "..."} for a PXE fix, {"days": n} for a deletion policy), or
 * NULL. Checks that the object exists in the inventory. *id set;
 * *resumed true when an open run already existed. */
int wf_start(struct inv *db, const char *kind, const char *target, const char *params,
             int64_t *id, bool *resumed, struct ow_err *err);
/* The same for the fix task: make the fix named `fix` (the fix column of
 * check's catalogue row; fixes[] in wf_fix.c makes them) on object,
 * then re-check.
 * macs: the addresses dp-pxe-listed binds PXE to, or NULL. A fix the task
 * does not make is refused here, naming those it does. */
int wf_start_fix(struct inv *db, const char *check, const char *fix, const char *object,
                 const char *macs, int64_t *id, bool *resumed, struct ow_err *err);

/* Attempts the current step of run id. note: the operator's note for an
 * attest step (or to accept a blocked verify step that allows it);
 * NULL otherwise. Returns 0 with *res filled, or an error kind. */
int wf_advance(const struct wf_env *env, int64_t id, const char *note, struct wf_result *res,
               struct ow_err *err);

/* Marks an open run cancelled (audited). */
int wf_cancel(struct inv *db, int64_t id, struct ow_err *err);

/* What the operator must do at the current step (one line). */
const char *wf_step_hint(const struct inv_task *t);

#endif
