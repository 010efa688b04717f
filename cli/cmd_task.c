/* Guided tasks from the command line: `smp decommission SERVER` and
 * `task list|show|start|resume|cancel`. The steps themselves live in
 * backend/workflows; this file starts or finds a run, shows where it is,
 * and performs one step per `--step next` (or records an attestation with
 * `--step attest --note TEXT`), so a dropped session loses nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/workflows.h"
#include "checks/checks.h"
#include "checks/decide.h"
#include "cli/cli.h"
#include "cli/cmd_act.h"
#include "db/records.h"
#include "db/tasks.h"
#include "util/num.h"
#include "util/sanitize.h"

static void show_progress(void *ctx, size_t done, size_t total)
{
	FILE *f = ctx;
	fprintf(f, "\r  %zu/%zu", done, total);
	if (done == total)
		fputc('\n', f);
	fflush(f);
}

static void print_task(struct cli *c, const struct inv_task *t)
{
	unsigned fl = c->ascii ? SAN_ASCII : 0;
	char *target = san_str(t->target, 120, fl);

	fprintf(c->out, "task #%lld %s %s: %s", (long long)t->id, t->kind, target ? target : "",
	        t->state);
	if (strcmp(t->state, "open") == 0)
		fprintf(c->out, ", at step %d of %zu (%s)", t->current, t->nsteps, wf_step_hint(t));
	fputc('\n', c->out);
	for (size_t i = 0; i < t->nsteps; i++) {
		const struct inv_task_step *s = &t->steps[i];
		char *detail = s->detail ? san_str(s->detail, 300, fl) : NULL;
		char *note = s->note ? san_str(s->note, 200, fl) : NULL;
		fprintf(c->out, " %s %d. [%-6s] %-8s %s\n", (int)i + 1 == t->current &&
		        strcmp(t->state, "open") == 0 ? ">" : " ", s->seq, s->kind, s->state, s->name);
		if (detail && *detail)
			fprintf(c->out, "        %s\n", detail);
		if (note && *note)
			fprintf(c->out, "        note: %s\n", note);
		free(detail);
		free(note);
	}
	free(target);
}

static int show(struct cli *c, struct inv *db, int64_t id)
{
	struct inv_task t;
	struct ow_err e = { 0 };
	int rc = inv_task_load(db, id, &t, &e);

	if (rc == -1)
		ow_err_set(&e, OW_EINPUT, "no task #%lld; `osdwarden task list` shows them", (long long)id);
	if (rc)
		return cli_fail(c, &e);
	print_task(c, &t);
	inv_task_free(&t);
	return 0;
}

/* One step of run id (if a step was asked for), then where the run is. */
static int step(struct cli *c, struct actcmd_session *s, int64_t id)
{
	struct inv_task t;
	struct wf_env env = { .db = s->db, .site = &s->site, .recheck = chk_recheck };
	struct wf_result res;
	struct ow_err e = { 0 };
	char *msg;
	int rc;

	if (!s->step)
		return show(c, s->db, id);
	if (strcmp(s->step, "next") != 0 && strcmp(s->step, "attest") != 0)
		return cli_usage(c, "task", "--step is next or attest, not '%s'", s->step);
	if (strcmp(s->step, "attest") == 0 && (!s->note || !*s->note))
		return cli_usage(c, "task", "--step attest needs --note TEXT (what was done, where)");
	if (strcmp(s->step, "next") == 0 && s->note)
		return cli_usage(c, "task", "--note goes with --step attest");
	if (inv_task_load(s->db, id, &t, &e) != 0)
		return cli_fail(c, &e);
	/* Steps that write need the site; confirm the run once per invocation. */
	if (strcmp(t.state, "open") == 0 && t.current >= 1 && (size_t)t.current <= t.nsteps &&
	    strcmp(t.steps[t.current - 1].kind, "attest") != 0) {
		char what[400];
		snprintf(what, sizeof what, "Step %d of task #%lld (%s %s): %s", t.current,
		         (long long)id, t.kind, t.target, t.steps[t.current - 1].name);
		rc = actcmd_session_connect(c, "task", s, NULL);
		if (rc == 0 && strcmp(t.steps[t.current - 1].kind, "action") == 0)
			rc = actcmd_confirm(c, s, what, t.target);
		if (rc) {
			inv_task_free(&t);
			return rc;
		}
	}
	inv_task_free(&t);
	if (isatty(fileno(c->err))) {
		env.progress = show_progress;
		env.progress_ctx = c->err;
	}
	if ((rc = wf_advance(&env, id, s->note, &res, &e)) != 0)
		return cli_fail(c, &e);
	msg = san_str(res.message, 1000, c->ascii ? SAN_ASCII : 0);
	if (res.seq)
		fprintf(c->out, "step %d: %s: %s\n", res.seq, res.needs_note ? "waiting" : res.step_state,
		        msg ? msg : "");
	else
		fprintf(c->out, "%s\n", msg ? msg : "");
	free(msg);
	rc = show(c, s->db, id);
	if (rc == 0 && res.seq && strcmp(res.step_state, "done") != 0 &&
	    strcmp(res.step_state, "skipped") != 0)
		rc = 1;   /* the step did not go through: say so in the exit code */
	return rc;
}

int cmd_smp(struct cli *c, int argc, char **argv)
{
	struct actcmd_session s;
	struct ow_err e = { 0 };
	int64_t id;
	bool resumed;
	int rc;

	actcmd_session_init(&s);
	if ((rc = actcmd_session_parse(c, "smp", &s, argc, argv)) != 0)
		goto out;
	if (s.npos < 2) {
		rc = cli_usage(c, "smp", "say decommission, restore-only, deletion-policy or remove, "
		               "then the server");
		goto out;
	}
	if ((rc = actcmd_session_open_db(c, &s)) != 0)
		goto out;
	if (strcmp(s.pos[0], "decommission") != 0) {
		if (strcmp(s.pos[0], "restore-only") != 0 && strcmp(s.pos[0], "deletion-policy") != 0 &&
		    strcmp(s.pos[0], "remove") != 0)
			rc = cli_usage(c, "smp", "there is no 'smp %s'", s.pos[0]);
		else
			rc = actcmd_smp_simple(c, &s);
		goto out;
	}
	if (s.npos != 2) {
		rc = cli_usage(c, "smp", "say decommission SERVER");
		goto out;
	}
	if ((rc = wf_start(s.db, "smp-decommission", s.pos[1], NULL, &id, &resumed, &e)) != 0) {
		rc = cli_fail(c, &e);
		goto out;
	}
	if (!s.step)
		fprintf(c->out, "%s task #%lld\n", resumed ? "resuming" : "started", (long long)id);
	rc = step(c, &s, id);
out:
	actcmd_session_close(&s);
	return rc;
}

static int list_one(void *ctx, const struct inv_task *t)
{
	struct cli *c = ctx;
	char *target = san_str(t->target, 60, c->ascii ? SAN_ASCII : 0);
	char when[32];
	time_t u = (time_t)t->updated;
	struct tm tm;

	strftime(when, sizeof when, "%Y-%m-%d %H:%M", gmtime_r(&u, &tm));
	fprintf(c->out, "%6lld  %-17s %-10s step %-2d %s  %s\n", (long long)t->id, t->kind, t->state,
	        t->current, when, target ? target : "");
	free(target);
	return 0;
}

int cmd_task(struct cli *c, int argc, char **argv)
{
	struct actcmd_session s;
	struct ow_err e = { 0 };
	long id = 0;
	int rc;

	actcmd_session_init(&s);
	if ((rc = actcmd_session_parse(c, "task", &s, argc, argv)) != 0)
		goto out;
	if (s.npos < 1) {
		rc = cli_usage(c, "task", "say list, show ID, start KIND ..., resume ID or cancel ID");
		goto out;
	}
	if ((rc = actcmd_session_open_db(c, &s)) != 0)
		goto out;
	if (strcmp(s.pos[0], "list") == 0 && s.npos == 1) {
		fprintf(c->out, "    id  kind              state      step  updated (UTC)     target\n");
		if (inv_task_each(s.db, list_one, c, &e) < 0)
			rc = cli_fail(c, &e);
		goto out;
	}
	if (strcmp(s.pos[0], "start") == 0) {
		const char *kind = s.npos > 1 ? s.pos[1] : "";
		char target[300];
		bool resumed, fix = strcmp(kind, "fix") == 0 && s.npos == 4;
		int64_t tid;
		if (fix) {
			/* Which write fixes a check is its catalogue row's to say. */
			const struct chk_def *d = chk_find(s.pos[2]);
			if (!d)
				rc = ow_err_set(&e, OW_EINPUT, "there is no check %s (osdwarden check lists "
				                "them)", s.pos[2]);
			else if (!d->fix)
				rc = ow_err_set(&e, OW_EINPUT, "osdwarden cannot fix %s by itself; the check's "
				                "remediation says what to do", d->id);
			else
				rc = wf_start_fix(s.db, d->id, d->fix, s.pos[3], s.pxe.macs, &tid, &resumed, &e);
		} else if (strcmp(kind, "assoc-prune") == 0 && s.npos <= 3) {
			snprintf(target, sizeof target, "%ld", s.npos == 3 ? strtol(s.pos[2], NULL, 10)
			         : inv_setting_long(s.db, "assoc_released_max_days", 14));
			if (s.npos == 3 && num_parse_long(s.pos[2], 0, 36500, &id) != 0) {
				rc = cli_usage(c, "task", "assoc-prune takes days, not '%s'", s.pos[2]);
				goto out;
			}
		} else if ((strcmp(kind, "cert-block") == 0 || strcmp(kind, "smp-decommission") == 0) &&
		           s.npos == 3) {
			snprintf(target, sizeof target, "%s", s.pos[2]);
		} else {
			rc = cli_usage(c, "task", "start takes cert-block SMSID, assoc-prune [DAYS], "
			               "smp-decommission SERVER, or fix CHECK OBJECT [--macs LIST]");
			goto out;
		}
		if (!fix)
			rc = wf_start(s.db, kind, target, NULL, &tid, &resumed, &e);
		if (rc) {
			rc = cli_fail(c, &e);
			goto out;
		}
		fprintf(c->out, "%s task #%lld\n", resumed ? "resuming" : "started", (long long)tid);
		rc = step(c, &s, tid);
		goto out;
	}
	if (s.npos != 2 || num_parse_long(s.pos[1], 1, INT32_MAX, &id) != 0) {
		rc = cli_usage(c, "task", "%s takes a task number (see `osdwarden task list`)", s.pos[0]);
		goto out;
	}
	if (strcmp(s.pos[0], "show") == 0)
		rc = show(c, s.db, id);
	else if (strcmp(s.pos[0], "resume") == 0)
		rc = step(c, &s, id);
	else if (strcmp(s.pos[0], "cancel") == 0)
		rc = wf_cancel(s.db, id, &e) ? cli_fail(c, &e) : show(c, s.db, id);
	else
		rc = cli_usage(c, "task", "there is no 'task %s'", s.pos[0]);
out:
	actcmd_session_close(&s);
	return rc;
}
