/* Images, task sequences, collection variables and accounts. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks/eval.h"

static const struct inv_ts *ts_by_id(const struct chk_snap *s, int64_t id)
{
	for (size_t i = 0; i < s->ntss; i++)
		if (s->tss[i].id == id)
			return &s->tss[i];
	return NULL;
}

int eval_img_001(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);
	const struct chk_names *pxe = chk_pxe_deployments(c);

	if (!pxe)
		return -1;
	for (size_t i = 0; i < s->npkgs; i++) {
		const struct inv_package *p = &s->pkgs[i];
		bool reachable = false;
		if (p->package_type != 257)
			continue;
		for (size_t k = 0; k < s->ntss && !reachable; k++)
			reachable = s->tss[k].image_ids && strstr(s->tss[k].image_ids, p->package_id) &&
			            chk_ts_on_pxe(pxe, &s->tss[k]);
		if (reachable && chk_attest_needed(c, "package", p->package_id, p->name,
		                                   "no sensitive line-of-business software in this "
		                                   "image, which PXE and media can deliver") != 0)
			return -1;
	}
	return 0;
}

/* Boot images PXE or media hand out: whether each uses the boot loader
 * signed by the Windows UEFI CA 2023 (the 2509 option against
 * CVE-2023-24932) is not a public property, so the operator attests per
 * image. The option works only on PXE DPs without WDS: the evidence says
 * how many there are. */
int eval_img_004(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);
	const struct chk_names *pxe_deps = chk_pxe_deployments(c);
	size_t pxe = 0, wdsless = 0;

	if (!pxe_deps)
		return -1;
	for (size_t i = 0; i < s->ndps; i++)
		if (chk_dp_pxe(&s->dps[i])) {
			pxe++;
			wdsless += s->dps[i].sccm_pxe == 1;
		}
	for (size_t i = 0; i < s->nboots; i++) {
		const struct inv_boot_image *b = &s->boots[i];
		json_t *tss = json_array();
		for (size_t k = 0; k < s->ntss; k++)
			if (chk_ieq(s->tss[k].boot_image_id, b->package_id) &&
			    chk_ts_on_pxe(pxe_deps, &s->tss[k]))
				json_array_append_new(tss, json_string(s->tss[k].package_id));
		if (!json_array_size(tss)) {
			json_decref(tss);
			continue;
		}
		if (chk_emit(c, CS_NOTCHECKED, 0, "boot_image", b->package_id, b->name,
		             json_pack("{s:s,s:s,s:o,s:I,s:I}", "needs", "an operator attestation",
		                       "about", "this boot image uses the boot loader signed by the "
		                       "Windows UEFI CA 2023", "task_sequences", tss, "pxe_dps",
		                       (json_int_t)pxe, "pxe_dps_without_wds", (json_int_t)wdsless)))
			return -1;
	}
	return 0;
}

int eval_img_002(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);
	long days = chk_policy(c, "image_max_age_days", 90);

	for (size_t i = 0; i < s->npkgs; i++) {
		const struct inv_package *p = &s->pkgs[i];
		enum chk_state st;
		json_t *e;
		if (p->package_type != 257)
			continue;
		e = json_pack("{s:o,s:{s:s,s:i}}", "source_date",
		              p->source_date == INV_NULL ? json_null() : json_integer(p->source_date),
		              "policy", "setting", "image_max_age_days", "value", (int)days);
		/* no age in the evidence: it would change the stored finding daily */
		st = p->source_date == INV_NULL ? CS_UNKNOWN
		     : p->source_date < chk_now(c) - days * DAY ? CS_FAIL : CS_PASS;
		if (chk_emit(c, st, 0, "package", p->package_id, p->name, e))
			return -1;
	}
	return 0;
}

/* A collection PXE and media reach: All Unknown Computers, or one that a
 * media and PXE deployment targets (pxe_colls: their collections). */
static bool pxe_exposed_collection(const struct chk_names *pxe_colls, const char *coll)
{
	return chk_ieq(coll, CHK_ALL_UNKNOWN) || chk_names_find(pxe_colls, coll, NULL, NULL) > 0;
}

static void var_key(const struct inv_collection_var *v, char *key, size_t n)
{
	snprintf(key, n, "%s/%s", v->collection_id, v->name);
}

int eval_ts_001(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);

	for (size_t i = 0; i < s->nvars; i++) {
		const struct inv_collection_var *v = &s->vars[i];
		char key[300];
		bool bad = !v->masked && v->secret_suspect;
		var_key(v, key, sizeof key);
		if (chk_emit(c, bad ? CS_FAIL : CS_PASS, 0, "collection_variable", key, v->name,
		             json_pack("{s:s,s:b,s:b,s:s}", "collection", v->collection_id, "masked",
		                       (int)v->masked, "looks_secret", (int)v->secret_suspect, "value",
		                       "never stored; judged in memory at sync")))
			return -1;
	}
	return 0;
}

int eval_ts_002(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);
	struct chk_names pxe_colls;
	int rc = -1;

	if (chk_names_build(&pxe_colls, s->deps, s->ndeps, sizeof *s->deps,
	                    offsetof(struct inv_deployment, collection_id), chk_dep_media_pxe) != 0)
		return -1;
	for (size_t i = 0; i < s->nvars; i++) {
		const struct inv_collection_var *v = &s->vars[i];
		char key[300];
		bool exposed;
		if (!v->masked)
			continue;
		exposed = pxe_exposed_collection(&pxe_colls, v->collection_id);
		var_key(v, key, sizeof key);
		if (chk_emit(c, exposed ? CS_FAIL : CS_PASS, 0, "collection_variable", key, v->name,
		             json_pack("{s:s,s:b}", "collection", v->collection_id,
		                       "reachable_from_pxe_or_media", (int)exposed)))
			goto out;
	}
	rc = 0;
out:
	chk_names_free(&pxe_colls);
	return rc;
}

int eval_ts_003(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);

	for (size_t i = 0; i < s->ntss; i++)
		if (s->tss[i].dynamic_install == 1 &&
		    chk_attest_needed(c, "task_sequence", s->tss[i].package_id, s->tss[i].name,
		                      "the applications named by variables are not sensitive") != 0)
			return -1;
	return 0;
}

int eval_ts_004(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);

	for (size_t i = 0; i < s->nrunas; i++) {
		const struct inv_ts_run_as *r = &s->runas[i];
		const struct inv_ts *t = ts_by_id(s, r->ts_id);
		bool naa = chk_is_naa(s, r->user_name);
		if (chk_emit(c, naa ? CS_FAIL : CS_PASS, 0, "task_sequence", t ? t->package_id : "?",
		             t ? t->name : "?", json_pack("{s:s,s:s,s:b}", "step", r->step_name,
		                                           "run_as", r->user_name, "is_naa", (int)naa)))
			return -1;
	}
	return 0;
}

static bool full_admin(const struct chk_snap *s, const char *user)
{
	for (size_t i = 0; i < s->nadmins; i++)
		if (chk_ieq(s->admins[i].logon_name, user) && s->admins[i].role_names &&
		    strstr(s->admins[i].role_names, "Full Administrator"))
			return true;
	return false;
}

int eval_ts_005(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);

	for (size_t i = 0; i < s->nrunas; i++) {
		const struct inv_ts_run_as *r = &s->runas[i];
		const struct inv_ts *t = ts_by_id(s, r->ts_id);
		int rc;
		if (full_admin(s, r->user_name))
			rc = chk_emit(c, CS_FAIL, 0, "task_sequence", t ? t->package_id : "?",
			              t ? t->name : "?", json_pack("{s:s,s:s}", "run_as", r->user_name,
			                                           "reason", "a Full Administrator"));
		else
			rc = chk_attest_needed(c, "task_sequence", t ? t->package_id : "?",
			                       t ? t->name : "?", "the run-as account has least "
			                       "privilege and is not a domain admin");
		if (rc)
			return -1;
	}
	return 0;
}

int eval_ts_006(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);

	for (size_t i = 0; i < s->nrunas; i++) {
		const struct inv_ts_run_as *r = &s->runas[i];
		const struct inv_ts *t = ts_by_id(s, r->ts_id);
		size_t uses = 0;
		for (size_t k = 0; k < s->nrunas; k++)
			uses += chk_ieq(s->runas[k].user_name, r->user_name) && s->runas[k].ts_id != r->ts_id;
		if (chk_emit(c, uses ? CS_FAIL : CS_PASS, 0, "task_sequence", t ? t->package_id : "?",
		             t ? t->name : "?", json_pack("{s:s,s:I}", "run_as", r->user_name,
		                                           "other_task_sequences", (json_int_t)uses)))
			return -1;
	}
	return 0;
}

int eval_ts_009(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);
	long large = chk_policy(c, "large_collection_members", 500);
	struct chk_names tss = { 0 }, colls = { 0 };
	int rc = -1;

	if (chk_names_build(&tss, s->tss, s->ntss, sizeof *s->tss,
	                    offsetof(struct inv_ts, package_id), NULL) != 0 ||
	    chk_names_build(&colls, s->colls, s->ncolls, sizeof *s->colls,
	                    offsetof(struct inv_collection, collection_id), NULL) != 0)
		goto out;
	for (size_t i = 0; i < s->ndeps; i++) {
		const struct inv_deployment *d = &s->deps[i];
		int64_t members = INV_NULL;
		size_t last;
		bool wide;
		if (!chk_names_find(&tss, d->package_id, NULL, NULL))
			continue;
		/* the last collection read of that ID, as the sync left it */
		if (chk_names_find(&colls, d->collection_id, NULL, &last))
			members = s->colls[last].member_count;
		wide = chk_ieq(d->collection_id, CHK_ALL_SYSTEMS) ||
		       (members != INV_NULL && members > large);
		if (chk_emit(c, d->offer_type == 0 && wide ? CS_FAIL : CS_PASS, 0, "deployment",
		             d->advertisement_id, d->advertisement_id,
		             json_pack("{s:s,s:s,s:s,s:o,s:{s:s,s:i}}", "package", d->package_id,
		                       "collection", d->collection_id, "offer",
		                       d->offer_type == 0 ? "required" : "available", "members",
		                       members == INV_NULL ? json_null() : json_integer(members),
		                       "policy", "setting", "large_collection_members", "value",
		                       (int)large)))
			goto out;
	}
	rc = 0;
out:
	chk_names_free(&tss);
	chk_names_free(&colls);
	return rc;
}

int eval_naa_001(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);

	for (size_t i = 0; i < s->nsites; i++) {
		const char *site = s->sites[i].site_code;
		long v = -1;
		size_t naas = chk_naa_count(s, site);
		enum chk_state st;
		int sev = 0;
		for (size_t k = 0; k < s->nsettings; k++)
			if (strcmp(s->settings[k].name, "IISSSLState") == 0 &&
			    chk_ieq(s->settings[k].site_code, site))
				v = strtol(s->settings[k].value, NULL, 10);
		bool ehttp = v >= 0 && (v & 0x400), https = v >= 0 && ((v & 63) == 63 || (v & 63) == 31);
		if (v < 0)
			st = CS_UNKNOWN;
		else if (!ehttp && !https)
			st = CS_FAIL;
		else if (naas) {
			st = CS_FAIL;
			sev = SEV_MEDIUM;
		} else
			st = CS_PASS;
		if (chk_emit(c, st, sev, "site", site, s->sites[i].site_name,
		             json_pack("{s:o,s:b,s:b,s:I}", "IISSSLState", v < 0 ? json_null() : json_integer(v),
		                       "enhanced_http", (int)ehttp, "https_only", (int)https,
		                       "network_access_accounts", (json_int_t)naas)))
			return -1;
	}
	return 0;
}

