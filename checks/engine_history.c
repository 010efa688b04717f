/* The grades of a run, and its history: the run compared with the last
 * one (new, unchanged and fixed findings) and, unless it is a peek or the
 * inventory is read-only, stored: its summary per check, and of its
 * findings only what differs from those still open (db/checkstore.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/engine_int.h"
#include "db/checkstore.h"
#include "util/who.h"

/* Scoring, per category: 100 minus, for each check with failing objects,
 * a weight by severity (critical 30, high 15, medium 7, low 3) plus one
 * point per further failing object up to five. A >= 90, B >= 80, C >= 65,
 * D >= 50, else F. A failing critical chain caps the grade at D, and so
 * does one that could not be judged (error or unknown): its worst case
 * was not ruled out; those are named in unjudged. Any "error" in the
 * category, or an unjudged chain, marks the grade incomplete with '*'. */
static void grade(const struct chk_run *run, enum chk_cat cat, char out[4], int *score,
                  bool *capped, char *unjudged, size_t unjudged_size)
{
	static const int weight[] = { 0, 3, 7, 15, 30 };
	const struct chk_def *last = NULL;
	int s = 100, extra = 0;
	bool error = false, chain = false, decided = false;

	unjudged[0] = '\0';
	for (size_t i = 0; i < run->n; i++) {
		const struct chk_result *r = &run->results[i];
		if (r->def->cat != cat)
			continue;
		error |= r->state == CS_ERROR;
		/* something read from the site was judged */
		decided |= r->def->needs && r->state != CS_ERROR;
		if (r->def->chain && r->sev == SEV_CRITICAL &&
		    (r->state == CS_ERROR || r->state == CS_UNKNOWN) && !strstr(unjudged, r->def->id)) {
			size_t l = strlen(unjudged);
			snprintf(unjudged + l, unjudged_size - l, "%s%s", l ? "," : "", r->def->id);
		}
		if (r->state != CS_FAIL || r->waived)
			continue;
		if (r->def != last) {
			s -= weight[r->sev];
			extra = 0;
			last = r->def;
		} else if (extra < 5) {
			s--;
			extra++;
		}
		chain |= r->def->chain && r->sev == SEV_CRITICAL;
	}
	if (s < 0)
		s = 0;
	*score = s;
	out[0] = s >= 90 ? 'A' : s >= 80 ? 'B' : s >= 65 ? 'C' : s >= 50 ? 'D' : 'F';
	*capped = chain && out[0] < 'D';
	if ((chain || unjudged[0]) && out[0] < 'D')
		out[0] = 'D';
	out[1] = error || unjudged[0] ? '*' : '\0';
	out[2] = '\0';
	/* Nothing read, nothing judged: no grade at all, never a good one. */
	if (!decided) {
		out[0] = '?';
		out[1] = '\0';
		*score = -1;
		*capped = false;
	}
}

/* The previous run's failures, as a sorted set of 64-bit hashes of
 * "check|object": a lookup per result without a string or an allocation
 * per key (the association checks have hundreds of thousands). */
struct keyset {
	uint64_t *h;
	size_t n, cap;
	bool oom;
};

static uint64_t finding_hash(const char *id, const char *object_key)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ '|') * 1099511628211ULL;
	for (const char *p = object_key ? object_key : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

/* v (n items of size bytes, room for *cap) with room for one more: v
 * itself or its new place, NULL when out of memory (v is then intact). */
static void *room_for_one(void *v, size_t n, size_t *cap, size_t size)
{
	size_t want = *cap ? *cap * 2 : 1024;

	if (n < *cap)
		return v;
	if (!(v = realloc(v, want * size)))
		return NULL;
	*cap = want;
	return v;
}

static int remember_failure(void *ctx, const char *check_id, const char *object_key)
{
	struct keyset *set = ctx;
	uint64_t *h = room_for_one(set->h, set->n, &set->cap, sizeof *h);

	if (!h) {
		set->oom = true;
		return -1;
	}
	set->h = h;
	set->h[set->n++] = finding_hash(check_id, object_key);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static bool failed_before(const struct keyset *set, const char *id, const char *object_key)
{
	uint64_t h = finding_hash(id, object_key);
	return set->n && bsearch(&h, set->h, set->n, sizeof h, cmp_u64);
}

static bool is_finding(enum chk_state s)
{
	return s != CS_PASS && s != CS_NOTAPPLICABLE;
}

void eng_grade(struct chk_run *run)
{
	struct chk_grades *g = &run->grades;

	grade(run, CAT_SECURITY, g->security, &g->security_score, &g->security_capped,
	      g->security_unjudged, sizeof g->security_unjudged);
	grade(run, CAT_PRIVACY, g->privacy, &g->privacy_score, &g->privacy_capped,
	      g->privacy_unjudged, sizeof g->privacy_unjudged);
}

/* {"CHECK": {"state": count, ..., "waived": failures waived}, ...} for the
 * trends and the dashboard, from the counts per check (catalogue order)
 * and state; a new string, NULL when out of memory. */
static char *summary_json(size_t counts[][CS_FIXED + 1], const size_t *waived)
{
	json_t *summary = json_object();
	char *s;

	for (size_t k = 0; k < chk_count(); k++) {
		json_t *per = NULL;
		for (int st = 0; st <= CS_FIXED; st++) {
			if (!counts[k][st])
				continue;
			if (!per)
				json_object_set_new(summary, chk_at(k)->id, per = json_object());
			json_object_set_new(per, chk_state_name((enum chk_state)st),
			                    json_integer((json_int_t)counts[k][st]));
		}
		if (waived[k])
			json_object_set_new(per, "waived", json_integer((json_int_t)waived[k]));
	}
	s = json_dumps(summary, JSON_COMPACT);
	json_decref(summary);
	return s;
}

/* The stored run's findings against the open ones: an open finding the
 * run has too, the same in every stored field, stays open; any other is
 * closed, and each finding of the run no open one matched is stored. Both
 * sides are walked in the same key order (check, object type, object key),
 * so a match costs a step, not a search. */
struct reconcile {
	const struct chk_result *res;
	const struct chk_result **order;   /* the run's findings, by key */
	size_t n, at;             /* how many; the first whose key the cursor has not passed */
	bool sorted;              /* order is sorted once there is an open finding to match */
	unsigned char *kept;      /* per result: an open finding says it already */
	int64_t *close;           /* open findings the run no longer has */
	size_t nclose, capclose;
	bool oom;
};

static int cmp_opt(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);   /* no value first, as SQLite orders */
	return strcmp(a, b);
}

static int key_cmp(const struct chk_result *r, const char *check_id, const char *type,
                   const char *key)
{
	int c = cmp_opt(r->def->id, check_id);

	if (!c)
		c = cmp_opt(r->object_type, type);
	return c ? c : cmp_opt(r->object_key, key);
}

static bool same_finding(const struct chk_result *r, const struct inv_finding *f)
{
	/* (a column SQLite could not hand over reads as no value: no match) */
	return !cmp_opt(chk_state_name(r->state), f->state) &&
	       !cmp_opt(chk_sev_name(r->sev), f->severity) && !cmp_opt(r->object_name, f->object_name) &&
	       !cmp_opt(r->evidence, f->evidence_json) && !cmp_opt(r->baseline, f->baseline) &&
	       (r->waived != 0) == (f->waived != 0);
}

/* By key, then in the run's order (the pointers are into one array). */
static int cmp_by_key(const void *a, const void *b)
{
	const struct chk_result *x = *(const struct chk_result *const *)a;
	const struct chk_result *y = *(const struct chk_result *const *)b;
	int c = key_cmp(x, y->def->id, y->object_type, y->object_key);

	return c ? c : (x > y) - (x < y);
}

static int on_open(void *ctx, int64_t id, const struct inv_finding *f)
{
	struct reconcile *rc = ctx;

	if (!rc->sorted) {
		qsort(rc->order, rc->n, sizeof *rc->order, cmp_by_key);
		rc->sorted = true;
	}
	while (rc->at < rc->n && key_cmp(rc->order[rc->at], f->check_id, f->object_type,
	                                 f->object_key) < 0)
		rc->at++;
	for (size_t k = rc->at; k < rc->n; k++) {
		const struct chk_result *r = rc->order[k];
		if (key_cmp(r, f->check_id, f->object_type, f->object_key) != 0)
			break;
		if (!rc->kept[r - rc->res] && same_finding(r, f)) {
			rc->kept[r - rc->res] = 1;
			return 0;
		}
	}
	int64_t *ids = room_for_one(rc->close, rc->nclose, &rc->capclose, sizeof *ids);

	if (!ids) {
		rc->oom = true;
		return -1;
	}
	rc->close = ids;
	rc->close[rc->nclose++] = id;
	return 0;
}

static int store_findings(struct inv *db, const struct chk_run *run, struct ow_err *err)
{
	struct reconcile rc = { .res = run->results };
	int ret = -1;

	rc.order = malloc((run->n ? run->n : 1) * sizeof *rc.order);
	rc.kept = calloc(run->n ? run->n : 1, 1);
	if (!rc.order || !rc.kept) {
		ow_err_set(err, OW_EINPUT, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < run->n; i++)
		if (is_finding(run->results[i].state))
			rc.order[rc.n++] = &run->results[i];
	/* Closes and stores once the cursor is done: a row written under an
	 * open cursor of its own table may or may not be read again. */
	if (inv_each_open_finding(db, on_open, &rc, err) != 0) {
		if (rc.oom)
			ow_err_set(err, OW_EINPUT, "out of memory");
		goto out;
	}
	if (inv_findings_close(db, run->id, rc.close, rc.nclose, err) != 0)
		goto out;
	for (size_t i = 0; i < run->n; i++) {
		const struct chk_result *r = &run->results[i];
		struct inv_finding f = { r->def->id, chk_state_name(r->state), chk_sev_name(r->sev),
		                         r->object_type, r->object_key, r->object_name, r->evidence,
		                         r->baseline, r->waived };
		if (is_finding(r->state) && !rc.kept[i] && inv_finding_add(db, run->id, &f, err) != 0)
			goto out;
	}
	ret = 0;
out:
	free(rc.order);
	free(rc.kept);
	free(rc.close);
	return ret;
}

int eng_history(struct chk_ctx *c, struct chk_run *run, int64_t since, bool keep,
                struct ow_err *err)
{
	struct inv *db = c->db;
	struct keyset prev_fail = { 0 };
	/* Per check (catalogue order) and state: how many results; and how
	 * many of its failures a waiver covers. */
	size_t counts[CHK_MAX][CS_FIXED + 1] = { { 0 } }, waived[CHK_MAX] = { 0 };
	/* A read-only inventory is compared with, never written to. */
	bool store = keep && !inv_read_only(db);
	int rc = -1;

	if (store && inv_begin(db, err) != 0)
		return -1;
	if ((store && (run->id = inv_run_begin(db, c->now, who_operator(), err)) < 0) ||
	    (run->previous = since > 0 ? since
	                               : inv_run_previous(db, store ? run->id : INT64_MAX, err)) < 0 ||
	    (run->previous && inv_each_failure(db, run->previous, remember_failure, &prev_fail, err) < 0))
		goto out;
	if (prev_fail.oom) {
		ow_err_set(err, OW_EINPUT, "out of memory");
		goto out;
	}
	if (prev_fail.n)
		qsort(prev_fail.h, prev_fail.n, sizeof *prev_fail.h, cmp_u64);
	for (size_t i = 0; i < run->n; i++) {
		struct chk_result *r = &run->results[i];
		bool before = failed_before(&prev_fail, r->def->id, r->object_key);
		if (r->state == CS_FAIL)
			r->baseline = before ? "unchanged" : "new";
		else if ((r->state == CS_PASS || r->state == CS_INFORMATIONAL) && before) {
			r->state = CS_FIXED;
			r->baseline = "fixed";
		}
		counts[chk_index(r->def)][r->state]++;
		waived[chk_index(r->def)] += r->state == CS_FAIL && r->waived;
	}
	memcpy(run->counts, counts, sizeof run->counts);
	memcpy(run->waived, waived, sizeof run->waived);
	if (store && store_findings(db, run, err) != 0)
		goto out;
	if (store) {
		char *s = summary_json(counts, waived);
		int frc = s ? inv_run_finish(db, run->id, c->now, run->grades.security,
		                             run->grades.privacy, s, err)
		            : (ow_err_set(err, OW_EINPUT, "out of memory"), -1);
		free(s);
		if (frc != 0 ||
		    inv_history_prune(db, run->id, chk_policy(c, "history_runs_kept", 10), err) != 0 ||
		    inv_commit(db, err) != 0)
			goto out;
	}
	rc = 0;
out:
	if (rc && store)
		inv_rollback(db);
	free(prev_fail.h);
	return rc;
}
