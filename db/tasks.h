/* Guided task runs and their steps, persisted so that a task resumes after
 * a dropped session (backend/workflows decides what the steps do). */
#ifndef OW_DB_TASKS_H
#define OW_DB_TASKS_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define INV_TASK_MAX_STEPS 12

struct inv_task_step {
	int seq;                 /* 1-based */
	char kind[8];            /* verify, action, attest */
	char name[120];
	char state[12];          /* pending, done, failed, blocked, skipped */
	char *note, *detail;     /* operator's note (attest), last attempt's words */
	int64_t updated;
};

struct inv_task {
	int64_t id;
	char kind[32], state[12];   /* state: open, done, cancelled */
	char *target, *params, *operator_name;
	int current;             /* seq of the step to do next; nsteps + 1 when finished */
	int64_t created, updated;
	struct inv_task_step steps[INV_TASK_MAX_STEPS];
	size_t nsteps;
};

struct inv_task_step_def {
	const char *kind, *name;
};

/* A new open run with its steps, all pending; *id set. */
int inv_task_create(struct inv *db, const char *kind, const char *target, const char *params,
                    const struct inv_task_step_def *steps, size_t n, int64_t now,
                    const char *operator_name, int64_t *id, struct ow_err *err);
/* The open run of kind for target, or 0 when there is none (-1 on error). */
int64_t inv_task_find_open(struct inv *db, const char *kind, const char *target,
                           struct ow_err *err);
/* 0, INV_NOTFOUND (from records.h: -1), or an error kind. inv_task_free after. */
int inv_task_load(struct inv *db, int64_t id, struct inv_task *t, struct ow_err *err);
void inv_task_free(struct inv_task *t);
int inv_task_set_step(struct inv *db, int64_t id, int seq, const char *state, const char *note,
                      const char *detail, int64_t now, struct ow_err *err);
int inv_task_set_state(struct inv *db, int64_t id, const char *state, int current, int64_t now,
                       struct ow_err *err);
/* Runs, newest first; the task is valid only during fn (steps not loaded). */
int inv_task_each(struct inv *db, int (*fn)(void *ctx, const struct inv_task *t), void *ctx,
                  struct ow_err *err);

#endif
