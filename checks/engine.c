/* The checklist's run: loads the snapshot once, judges the decisions,
 * evaluates each check in catalogue order (a check whose classes were not
 * read is an error, nothing to judge is not a pass), applies the
 * decisions to its results and keeps what they say for the chains after
 * it; then grades the run and records its history (engine_int.h names the
 * parts). */
#include "checks/checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/engine_int.h"
#include "db/checkstore.h"

static int load_snapshot(struct inv *db, struct chk_snap *s, struct ow_err *err)
{
	memset(s, 0, sizeof *s);
	return inv_load_site(db, INV_LOAD_LEAN, &s->sites, &s->nsites, err) ||
	       inv_load_dp(db, INV_LOAD_LEAN, &s->dps, &s->ndps, err) ||
	       inv_load_smp(db, INV_LOAD_GONE | INV_LOAD_LEAN, &s->smps, &s->nsmps, err) ||
	       inv_load_smp_folder(db, INV_LOAD_LEAN, &s->folders, &s->nfolders, err) ||
	       inv_load_boot_image(db, INV_LOAD_LEAN, &s->boots, &s->nboots, err) ||
	       inv_load_package(db, INV_LOAD_LEAN, &s->pkgs, &s->npkgs, err) ||
	       inv_load_ts(db, INV_LOAD_LEAN, &s->tss, &s->ntss, err) ||
	       inv_load_ts_run_as(db, INV_LOAD_LEAN, &s->runas, &s->nrunas, err) ||
	       inv_load_deployment(db, INV_LOAD_LEAN, &s->deps, &s->ndeps, err) ||
	       inv_load_collection(db, INV_LOAD_LEAN, &s->colls, &s->ncolls, err) ||
	       inv_load_collection_var(db, INV_LOAD_LEAN, &s->vars, &s->nvars, err) ||
	       inv_load_admin(db, INV_LOAD_LEAN, &s->admins, &s->nadmins, err) ||
	       inv_load_role(db, INV_LOAD_LEAN, &s->roles, &s->nroles, err) ||
	       inv_load_secured_type(db, INV_LOAD_LEAN, &s->types, &s->ntypes, err) ||
	       inv_load_update_pkg(db, INV_LOAD_LEAN, &s->updates, &s->nupdates, err) ||
	       inv_load_site_setting(db, INV_LOAD_LEAN, &s->settings, &s->nsettings, err) ||
	       inv_load_waiver(db, INV_LOAD_LEAN, &s->waivers, &s->nwaivers, err) ||
	       inv_load_attestation(db, INV_LOAD_LEAN, &s->attests, &s->nattests, err) ||
	       inv_load_segment(db, INV_LOAD_LEAN, &s->tags, &s->ntags, err)
	               ? -1 : 0;
}

static void free_snapshot(struct chk_snap *s)
{
	inv_unload_site(s->sites, s->nsites);
	inv_unload_dp(s->dps, s->ndps);
	inv_unload_smp(s->smps, s->nsmps);
	inv_unload_smp_folder(s->folders, s->nfolders);
	inv_unload_boot_image(s->boots, s->nboots);
	inv_unload_package(s->pkgs, s->npkgs);
	inv_unload_ts(s->tss, s->ntss);
	inv_unload_ts_run_as(s->runas, s->nrunas);
	inv_unload_deployment(s->deps, s->ndeps);
	inv_unload_collection(s->colls, s->ncolls);
	inv_unload_collection_var(s->vars, s->nvars);
	inv_unload_admin(s->admins, s->nadmins);
	inv_unload_role(s->roles, s->nroles);
	inv_unload_secured_type(s->types, s->ntypes);
	inv_unload_update_pkg(s->updates, s->nupdates);
	inv_unload_site_setting(s->settings, s->nsettings);
	inv_unload_waiver(s->waivers, s->nwaivers);
	inv_unload_attestation(s->attests, s->nattests);
	inv_unload_segment(s->tags, s->ntags);
}

/* Tags by type, then key in any case, then as stored (the first stored
 * of an object's wins, as when they were searched in order). */
static int tag_cmp(const char *type, const char *key, const struct inv_segment *t)
{
	int d = strcmp(type, t->object_type);

	return d ? d : strcasecmp(key, t->object_key);
}

static int cmp_tags(const void *a, const void *b)
{
	const struct inv_segment *x = a, *y = b;
	int d = tag_cmp(x->object_type, x->object_key, y);

	return d ? d : (x->id > y->id) - (x->id < y->id);
}

/* Once per run, after the decisions dropped the tags they do not vouch
 * for: chk_tag is asked once per DP and certificate, tens of thousands. */
static void sort_tags(struct chk_snap *s)
{
	if (s->ntags > 1)
		qsort(s->tags, s->ntags, sizeof *s->tags, cmp_tags);
}

const struct inv_segment *chk_tag(const struct chk_snap *s, const char *type, const char *key)
{
	size_t lo = 0, hi = s->ntags;

	if (!key)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tag_cmp(type, key, &s->tags[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->ntags && tag_cmp(type, key, &s->tags[lo]) == 0 ? &s->tags[lo] : NULL;
}

/* A check whose classes were not read says so, once, as an error. */
static bool classes_readable(struct chk_ctx *c)
{
	char needs[512], *save = NULL;

	if (!c->cur->needs)
		return true;
	snprintf(needs, sizeof needs, "%s", c->cur->needs);
	for (char *cls = strtok_r(needs, ",", &save); cls; cls = strtok_r(NULL, ",", &save)) {
		char why[300];
		const char *st = inv_class_status(c->db, cls, why, sizeof why);
		if (strcmp(st, "ok") != 0) {
			/* What the sync said (not exposed by this site, no role), in
			 * its words where it left them. */
			chk_emit(c, CS_ERROR, 0, "class", cls, cls,
			         json_pack("{s:s,s:s}", "class", cls, "reason",
			                   why[0] ? why
			                   : strcmp(st, "no_access") == 0
			                           ? "no RBAC access: the sync account cannot read it"
			                           : "never synced: run osdwarden sync"));
			return false;
		}
	}
	return true;
}

int chk_evaluate(struct inv *db, int cat, int64_t now, struct chk_run *run, struct ow_err *err)
{
	return chk_evaluate_since(db, cat, now, 0, run, err);
}

static int evaluate(struct inv *db, int cat, int64_t now, int64_t since, bool keep,
                    struct chk_run *run, struct ow_err *err);

int chk_evaluate_since(struct inv *db, int cat, int64_t now, int64_t since, struct chk_run *run,
                       struct ow_err *err)
{
	/* A run of one category is compared, never stored: the history is of
	 * whole runs (stored, it would close the other category's findings,
	 * and the next whole run would read them new). */
	bool keep = cat < 0;
	int rc = evaluate(db, cat, now, since, keep, run, err);

	/* Another run was stored while this one ran: compared with that one
	 * now, once more (a third run racing both says so). */
	if (rc == ENG_STALE) {
		*err = (struct ow_err){ 0 };
		rc = evaluate(db, cat, now, since, keep, run, err);
	}
	return rc ? -1 : 0;
}

int chk_evaluate_peek(struct inv *db, int64_t now, struct chk_run *run, struct ow_err *err)
{
	return evaluate(db, -1, now, 0, false, run, err) ? -1 : 0;
}

/* The waiting results, freed. */
static void drop_chunk(struct chk_ctx *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->res[i].strings);
		free(c->res[i].evidence);
	}
	c->n = 0;
}

/* Why the spool could not take or give back the results. */
static void spool_failed(struct ow_err *err, const struct chk_spool *sp)
{
	ow_err_set(err, OW_EINPUT, "keeping the results for the report failed: %s (the temporary "
	           "file is in TMPDIR, else /tmp)", eng_spool_error(sp));
}

int eng_flush(struct chk_ctx *c, bool final)
{
	size_t k = chk_index(c->cur);

	if (c->flush_failed)
		return -1;
	for (size_t i = 0; i < c->n; i++)
		eng_apply_decisions(c, &c->res[i]);
	if (final && c->cur->inputs)
		eng_chain_unread_inputs(c, 0);
	/* Nothing to judge is not a pass. */
	if (final && c->emitted == 0)
		chk_emit(c, CS_NOTAPPLICABLE, 0, NULL, NULL, NULL,
		         json_pack("{s:s}", "reason", "no object of the kind it checks"));
	if (c->oom) {
		ow_err_set(&c->flush_err, OW_EINPUT, "out of memory");
		c->flush_failed = true;
		return -1;
	}
	c->seen[k] |= eng_seen_of(c->res, c->n);
	for (size_t i = 0; i < c->n; i++) {
		int taken = eng_history_take(c, &c->res[i]);
		if (taken != 0) {
			c->flush_failed = true;
			c->flush_stale = taken == ENG_STALE;
			break;
		}
		if (eng_spool_put(c->run->spool, &c->res[i]) != 0) {
			spool_failed(&c->flush_err, c->run->spool);
			c->flush_failed = true;
			break;
		}
		c->run->n++;
	}
	drop_chunk(c);
	return c->flush_failed ? -1 : 0;
}

static int evaluate(struct inv *db, int cat, int64_t now, int64_t since, bool keep,
                    struct chk_run *run, struct ow_err *err)
{
	struct chk_ctx c = { .db = db, .run_db = db, .now = now, .run = run };
	struct inv *reader = NULL;
	int rc = -1;

	memset(run, 0, sizeof *run);
	run->started = now;
	run->partial = cat >= 0;
	if (!(run->spool = eng_spool_new())) {
		ow_err_set(err, OW_EINPUT, "out of memory");
		return -1;
	}
	/* A run to store reads on a connection of its own, so that its new
	 * findings go into db while its checks go on (engine_store.c). */
	if (keep && !inv_read_only(db)) {
		if (inv_open_reader(db, &reader, err) != 0)
			goto out;
		c.db = reader;
	}
	/* The association scan reads every page once, and storing writes
	 * each page once: a small cache is as fast, and at scale 12 MiB
	 * less. */
	inv_cache_kib(db, 4096);
	if (reader)
		inv_cache_kib(reader, 4096);
	/* One state of the inventory for every check, whatever a sync
	 * commits meanwhile (the big classes are read as the checks go). */
	if (inv_read_begin(c.db, err) != 0)
		goto out;
	if (load_snapshot(c.db, &c.snap, err) != 0 || eng_judge_decisions(&c, &run->ignored, err) != 0 ||
	    eng_history_begin(&c, since, keep, err) != 0)
		goto out;
	sort_tags(&c.snap);
	for (size_t i = 0; i < chk_count(); i++) {
		c.cur = chk_at(i);
		if (cat >= 0 && (int)c.cur->cat != cat)
			continue;
		c.emitted = 0;
		c.seen[i] = 0;
		if (eng_history_check_begin(&c, err) != 0)
			goto out;
		if (classes_readable(&c) && c.cur->eval(&c) != 0) {
			if (c.flush_failed)
				*err = c.flush_err;
			else
				ow_err_set(err, OW_EINPUT, "evaluating %s failed", c.cur->id);
			rc = c.flush_stale ? ENG_STALE : -1;
			goto out;
		}
		if (c.undeclared) {
			ow_err_set(err, OW_EINPUT, "evaluating %s failed: it reads %s, which its catalogue "
			           "row does not declare as an input", c.cur->id, c.undeclared);
			goto out;
		}
		if (eng_flush(&c, true) != 0) {
			*err = c.flush_err;
			rc = c.flush_stale ? ENG_STALE : -1;
			goto out;
		}
		if (eng_history_check_end(&c, err) != 0)
			goto out;
	}
	if (eng_spool_seal(run->spool) != 0) {
		spool_failed(err, run->spool);
		goto out;
	}
	inv_read_end(c.db);
	if ((rc = eng_history_end(&c, err)) != 0)
		goto out;
out:
	eng_history_abort(&c);
	inv_read_end(c.db);
	inv_close(reader);
	inv_cache_kib(db, INV_CACHE_KIB);
	free_snapshot(&c.snap);
	decision_log_close(&c.log);
	free(c.wv);
	free(c.av);
	drop_chunk(&c);
	free(c.res);
	for (size_t i = 0; i < sizeof c.memo / sizeof c.memo[0]; i++)
		if (c.memo[i].name)
			c.memo[i].free_fn(c.memo[i].p);
	if (rc)
		chk_run_free(run);
	return rc;
}

void chk_run_free(struct chk_run *run)
{
	eng_spool_free(run->spool);
	run->spool = NULL;
	run->n = 0;
}
