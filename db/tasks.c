/* Task runs and steps in SQL (see tasks.h). */
#define _POSIX_C_SOURCE 200809L
#include "db/tasks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/internal.h"
#include "db/records.h"

static char *dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? strdup((const char *)t) : NULL;
}

static void copy_col(char *dst, size_t n, sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(dst, n, "%s", t ? (const char *)t : "");
}

static int finish_stmt(struct inv *db, sqlite3_stmt *st, int rc, const char *doing,
                       struct ow_err *err)
{
	if (rc != SQLITE_DONE) {
		inv_sql_error(db, err, doing);
		sqlite3_finalize(st);
		return OW_EINPUT;
	}
	sqlite3_finalize(st);
	return 0;
}

int inv_task_create(struct inv *db, const char *kind, const char *target, const char *params,
                    const struct inv_task_step_def *steps, size_t n, int64_t now,
                    const char *operator_name, int64_t *id, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (n == 0 || n > INV_TASK_MAX_STEPS)
		return ow_err_set(err, OW_EINPUT, "a task has 1 to %d steps", INV_TASK_MAX_STEPS);
	if (sqlite3_prepare_v2(db->sql, "INSERT INTO task_runs(kind, target, state, current_step, "
	                       "operator, created, updated, params) VALUES(?1,?2,'open',1,?3,?4,?4,?5)",
	                       -1, &st, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "creating a task");
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, operator_name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_text(st, 5, params, -1, SQLITE_STATIC);
	if ((rc = finish_stmt(db, st, sqlite3_step(st), "creating a task", err)) != 0)
		return rc;
	*id = sqlite3_last_insert_rowid(db->sql);
	for (size_t i = 0; i < n; i++) {
		if (sqlite3_prepare_v2(db->sql, "INSERT INTO task_steps(run_id, seq, kind, name, state, "
		                       "updated) VALUES(?1,?2,?3,?4,'pending',?5)", -1, &st,
		                       NULL) != SQLITE_OK)
			return inv_sql_error(db, err, "creating a task step");
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_int(st, 2, (int)i + 1);
		sqlite3_bind_text(st, 3, steps[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, steps[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, now);
		if ((rc = finish_stmt(db, st, sqlite3_step(st), "creating a task step", err)) != 0)
			return rc;
	}
	return 0;
}

int64_t inv_task_find_open(struct inv *db, const char *kind, const char *target,
                           struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t id = 0;
	int rc;

	if (sqlite3_prepare_v2(db->sql, "SELECT max(id) FROM task_runs WHERE kind=?1 AND target=?2 "
	                       "AND state='open'", -1, &st, NULL) != SQLITE_OK) {
		inv_sql_error(db, err, "finding a task");
		return -1;
	}
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_ROW)
		id = -1, inv_sql_error(db, err, "finding a task");
	sqlite3_finalize(st);
	return id;
}

static const char run_cols[] =
	"SELECT id, kind, target, state, current_step, operator, created, updated, params "
	"FROM task_runs ";

static void run_from_row(sqlite3_stmt *st, struct inv_task *t)
{
	memset(t, 0, sizeof *t);
	t->id = sqlite3_column_int64(st, 0);
	copy_col(t->kind, sizeof t->kind, st, 1);
	t->target = dup_col(st, 2);
	copy_col(t->state, sizeof t->state, st, 3);
	t->current = sqlite3_column_int(st, 4);
	t->operator_name = dup_col(st, 5);
	t->created = sqlite3_column_int64(st, 6);
	t->updated = sqlite3_column_int64(st, 7);
	t->params = dup_col(st, 8);
}

int inv_task_load(struct inv *db, int64_t id, struct inv_task *t, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	char sql[256];
	int rc;

	memset(t, 0, sizeof *t);
	snprintf(sql, sizeof sql, "%sWHERE id=?1", run_cols);
	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "reading a task");
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		run_from_row(st, t);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return INV_NOTFOUND;
	if (rc != SQLITE_ROW)
		return inv_sql_error(db, err, "reading a task");
	if (sqlite3_prepare_v2(db->sql, "SELECT seq, kind, name, state, note, detail, updated FROM "
	                       "task_steps WHERE run_id=?1 ORDER BY seq", -1, &st, NULL) != SQLITE_OK) {
		inv_task_free(t);
		return inv_sql_error(db, err, "reading a task's steps");
	}
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && t->nsteps < INV_TASK_MAX_STEPS) {
		struct inv_task_step *s = &t->steps[t->nsteps++];
		s->seq = sqlite3_column_int(st, 0);
		copy_col(s->kind, sizeof s->kind, st, 1);
		copy_col(s->name, sizeof s->name, st, 2);
		copy_col(s->state, sizeof s->state, st, 3);
		s->note = dup_col(st, 4);
		s->detail = dup_col(st, 5);
		s->updated = sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		inv_task_free(t);
		return inv_sql_error(db, err, "reading a task's steps");
	}
	return 0;
}

void inv_task_free(struct inv_task *t)
{
	free(t->target);
	free(t->params);
	free(t->operator_name);
	for (size_t i = 0; i < t->nsteps; i++) {
		free(t->steps[i].note);
		free(t->steps[i].detail);
	}
	memset(t, 0, sizeof *t);
}

int inv_task_set_step(struct inv *db, int64_t id, int seq, const char *state, const char *note,
                      const char *detail, int64_t now, struct ow_err *err)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->sql, "UPDATE task_steps SET state=?3, note=coalesce(?4, note), "
	                       "detail=?5, updated=?6 WHERE run_id=?1 AND seq=?2", -1, &st,
	                       NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "updating a task step");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, seq);
	sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, note, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, detail, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	return finish_stmt(db, st, sqlite3_step(st), "updating a task step", err);
}

int inv_task_set_state(struct inv *db, int64_t id, const char *state, int current, int64_t now,
                       struct ow_err *err)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->sql, "UPDATE task_runs SET state=?2, current_step=?3, updated=?4 "
	                       "WHERE id=?1", -1, &st, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "updating a task");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, current);
	sqlite3_bind_int64(st, 4, now);
	return finish_stmt(db, st, sqlite3_step(st), "updating a task", err);
}

int inv_task_each(struct inv *db, int (*fn)(void *ctx, const struct inv_task *t), void *ctx,
                  struct ow_err *err)
{
	sqlite3_stmt *st = NULL;
	char sql[256];
	int rc = SQLITE_DONE, stop = 0;

	snprintf(sql, sizeof sql, "%sORDER BY id DESC", run_cols);
	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
		return inv_sql_error(db, err, "listing tasks");
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct inv_task t;
		run_from_row(st, &t);
		stop = fn(ctx, &t);
		inv_task_free(&t);
	}
	sqlite3_finalize(st);
	if (!stop && rc != SQLITE_DONE)
		return inv_sql_error(db, err, "listing tasks");
	return stop;
}
