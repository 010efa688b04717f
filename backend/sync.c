/* The run: every class of the contract read into a stage (at once, stored
 * in contract order: sync_sched.c; the inventory is not locked while the
 * site is read); what a complete read did not see marked gone; the stage
 * applied in one short transaction with its audit row. */
#include "backend/sync_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/audit.h"
#include "db/stage.h"

static int record_class(struct sync *s, const char *cls, const char *status, size_t rows,
                        const char *msg)
{
	struct inv_sync_class sc = { .provider_id = s->provider_id, .class_name = (char *)cls,
	                             .status = (char *)status, .rows = (int64_t)rows,
	                             .message = (char *)msg, .synced_at = s->now };
	return inv_put_sync_class(s->db, &sc, s->now, &s->err);
}

/* What the site exposes: the inventory's copy when it is recent, else its
 * wmi/$metadata read now (*fresh: to be kept when the sync applies, never
 * before, so a failed sync leaves the inventory as it was). NULL when
 * unknown (not readable, or not CSDL): then every class is tried. */
static json_t *sync_capabilities(struct inv *db, struct sync *s, bool *fresh, int64_t *at)
{
	struct ow_err e = { 0 };
	char *text = NULL;
	json_t *caps = NULL;

	*fresh = false;
	if (inv_get_capabilities(db, s->base, at, &text, &e) == 0 && *at <= s->now &&
	    s->now - *at < AS_CAPS_MAX_AGE_S)
		caps = json_loads(text, 0, NULL);
	free(text);
	if (caps)
		return caps;
	if (as_caps_fetch(s->http, s->base, &caps, &e) == 0 && caps) {
		*fresh = true;
		*at = s->now;
	} else if (http_client_stopped(s->http)) {
		s->err = e;   /* not "unknown": the operator ended the sync here */
	}
	return caps;
}

/* One attempt: the site is read into a stage (the inventory is not locked
 * meanwhile), then the stage replaces the sync's tables in one short
 * transaction with the audit row. *stale: an action changed the inventory
 * during the read, so nothing was applied. */
static int sync_once(struct inv *db, const struct sync_opts *o, struct sync_result *res,
                     bool *stale, struct ow_err *err)
{
	struct sync s = { .o = o, .now = inv_now() };
	const size_t nclasses = as_class_count();
	bool denied[64] = { false }, unexposed[64] = { false };
	size_t rows[64] = { 0 };
	struct inv_provider prov = { 0 };
	struct inv *st = NULL;
	double t0 = sync_clock();
	int rc = 0;
	json_t *caps = NULL;
	bool caps_fresh = false;
	int64_t caps_at = 0;

	*stale = false;
	memset(res, 0, sizeof *res);
	if (!(s.base = as_base_url(o->provider, err)))
		return OW_EINPUT;
	if (http_client_new(&o->http, &s.http, err) != 0) {
		free(s.base);
		return OW_EINPUT;
	}
	if (inv_stage_open(db, &st, err) != 0 || inv_begin(st, err) != 0) {
		rc = OW_EINPUT;
		goto out;
	}
	s.db = st;
	if ((s.now = inv_sync_stamp(st, s.now, &s.err)) < 0) {
		rc = OW_EINPUT;
		goto fail;
	}
	prov.url = s.base;
	prov.auth_mode = (char *)http_auth_name(o->http.auth);
	prov.user_name = (char *)o->http.user;
	prov.ca_file = (char *)o->http.cacert;
	prov.insecure = o->http.insecure;
	prov.profile = (char *)o->profile;
	prov.last_sync_at = s.now;
	prov.last_sync_result = (char *)"running";
	if (inv_put_provider(st, &prov, s.now, &s.err) != 0) {
		rc = OW_EINPUT;
		goto fail;
	}
	s.provider_id = prov.id;
	caps = sync_capabilities(db, &s, &caps_fresh, &caps_at);
	if (http_client_stopped(s.http)) {
		rc = OW_EINPUT;
		goto fail;
	}
	if (nclasses > sizeof denied / sizeof denied[0]) {
		rc = ow_err_set(&s.err, OW_EINPUT, "internal: more classes than the sync can track");
		goto fail;
	}
	/* What this site does not expose is not read: nothing proven gone,
	 * and its checks say error. */
	for (size_t i = 0; i < nclasses; i++)
		unexposed[i] = caps && !as_caps_has_class(caps, as_class_at(i)->name);
	if (sync_read_classes(&s, unexposed, denied, rows) != 0) {
		rc = s.err.kind ? (int)s.err.kind : OW_ESITE;
		goto fail;
	}
	/* Recorded in contract order, once every class is in. */
	for (size_t i = 0; i < nclasses; i++) {
		const struct as_class *c = as_class_at(i);
		if (unexposed[i]) {
			char why[300], when[32];
			struct tm tm;
			time_t t = (time_t)caps_at;
			gmtime_r(&t, &tm);
			strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
			snprintf(why, sizeof why, "not exposed by this site: its wmi/$metadata (read %s) "
			         "has no EntitySet %s", when, c->name);
			denied[i] = true;
			if (!c->optional) {
				res->unexposed++;
				snprintf(res->unexposed_names + strlen(res->unexposed_names),
				         sizeof res->unexposed_names - strlen(res->unexposed_names),
				         "%s%s", res->unexposed_names[0] ? ", " : "", c->name);
			}
			if (record_class(&s, c->name, "error", 0, why) != 0) {
				rc = OW_EINPUT;
				goto fail;
			}
			continue;
		}
		if (denied[i] && c->optional) {
			/* Recorded below; the sync stays complete. */
		} else if (denied[i]) {
			res->denied++;
			snprintf(res->denied_names + strlen(res->denied_names),
			         sizeof res->denied_names - strlen(res->denied_names), "%s%s",
			         res->denied_names[0] ? ", " : "", c->name);
		} else {
			res->classes++;
		}
		if (record_class(&s, c->name, denied[i] ? "no_access" : "ok", rows[i],
		                 denied[i] ? "HTTP 404: no role that can read this class" : NULL) != 0) {
			rc = OW_EINPUT;
			goto fail;
		}
	}
	if (res->classes == 0) {
		rc = ow_err_set(&s.err, OW_ESITE, "%s: the account can read none of the classes "
		                "osdwarden needs (HTTP 404 on every one): it holds no Configuration "
		                "Manager role. Give it one (read-only is enough for sync)", s.base);
		goto fail;
	}
	/* What a complete read did not see is gone; a refused class proves
	 * nothing, and a --site sync sees only part of the hierarchy. */
	for (size_t t = 0; !o->site && t < nclasses; t++) {
		const struct as_class *c = as_class_at(t);
		for (size_t k = 0; k < 3 && c->gone[k] != INV_REC_NONE; k++) {
			bool complete = true;
			for (size_t j = 0; j < nclasses; j++)
				for (size_t q = 0; q < 3 && as_class_at(j)->gone[q] != INV_REC_NONE; q++)
					if (denied[j] && as_class_at(j)->gone[q] == c->gone[k])
						complete = false;
			if (complete && inv_mark_gone(st, inv_kind_table(c->gone[k]), s.now, s.now,
			                              &s.err) < 0) {
				rc = OW_EINPUT;
				goto fail;
			}
		}
	}
	prov.last_sync_result = (char *)(res->denied || res->unexposed ? "partial" : "ok");
	if (inv_put_provider(st, &prov, s.now, &s.err) != 0 || inv_commit(st, &s.err) != 0) {
		rc = OW_EINPUT;
		goto fail;
	}
	/* The network is done: only now is the inventory locked. */
	if (inv_stage_apply(db, st, stale, &s.err) != 0) {
		rc = s.err.kind ? (int)s.err.kind : OW_EINPUT;
		goto fail;
	}
	if (caps && caps_fresh) {
		char *text = json_dumps(caps, JSON_COMPACT);
		int prc = text ? inv_put_capabilities(db, s.base, caps_at, text, &s.err) : OW_EINPUT;
		free(text);
		if (prc != 0) {
			inv_rollback(db);
			rc = OW_EINPUT;
			goto fail;
		}
	}
	{
		char summary[700];
		snprintf(summary, sizeof summary, "rows=%zu classes=%zu denied=%s%s%s", s.rows,
		         res->classes, res->denied ? res->denied_names : "none",
		         o->site ? " site=" : "", o->site ? o->site : "");
		if (audit_append(db, s.now, "sync", s.base, summary, prov.last_sync_result,
		                 &s.err) != 0 || inv_commit(db, &s.err) != 0) {
			inv_rollback(db);
			rc = OW_EINPUT;
			goto fail;
		}
	}
	res->rows = s.rows;
	res->seconds = sync_clock() - t0;
	rc = res->denied || res->unexposed ? OW_EPARTIAL : 0;
	if (res->denied)
		ow_err_set(err, OW_EPARTIAL, "no RBAC access to %s: the checks that need %s will "
		           "say \"error\"; give the account a role that can read them%s%s",
		           res->denied_names, res->denied > 1 ? "them" : "it",
		           res->unexposed ? "; not exposed by this site: " : "", res->unexposed_names);
	else if (res->unexposed)
		ow_err_set(err, OW_EPARTIAL, "not exposed by this site (absent from its wmi/$metadata): "
		           "%s; nothing was read for %s and the checks that need %s say \"error\". "
		           "A newer site version may expose %s; `osdwarden doctor` lists what it does",
		           res->unexposed_names, res->unexposed > 1 ? "them" : "it",
		           res->unexposed > 1 ? "them" : "it", res->unexposed > 1 ? "them" : "it");
	goto out;
fail:
	inv_rollback(st);
	if (err)
		*err = s.err;
	if (rc == 0)
		rc = OW_ESITE;
out:
	inv_stage_close(db, st);
	json_decref(caps);
	sync_free_joins(&s);
	sync_drop_scratch(&s);
	http_client_free(s.http);
	free(s.base);
	return rc;
}

int sync_run(struct inv *db, const struct sync_opts *o, struct sync_result *res,
             struct ow_err *err)
{
	/* One more read when an action ran during the first: rare, and the
	 * second read sees what the action did. */
	enum { ATTEMPTS = 3 };
	bool stale = false;
	int rc = 0;

	if (inv_read_only(db))
		return ow_err_set(err, OW_EINPUT, "sync writes the inventory; drop --read-only");
	for (int i = 0; i < ATTEMPTS; i++) {
		if (err)
			ow_err_clear(err);
		rc = sync_once(db, o, res, &stale, err);
		if (!stale)
			break;
	}
	return rc;
}
