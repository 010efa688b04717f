/* What a site's version decides: whether its AdminService still accepts
 * NTLM, and whether the network access account hardening hotfix is in. */
#include <stdio.h>
#include <string.h>

#include "backend/adminservice.h"
#include "checks/eval.h"
#include "db/checkstore.h"

/* The NAA hardening update: limits NAA information to the task sequences
 * of OSD media. A hotfix for 2409 and 2503, in the 2509 rollup, part of
 * 2603 (memdocs hotfix/2503/37447175; What's new in 2603). */
#define NAA_HOTFIX_KB "37447175"

static json_t *build_json(int64_t build)
{
	const struct as_version *v = build == INV_NULL ? NULL : as_version_of((long)build);

	return json_pack("{s:o,s:s?}", "BuildNumber", build == INV_NULL ? json_null()
	                 : json_integer(build), "version", v ? v->version : NULL);
}

int eval_infra_002(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);
	long fixed = as_build_of("2509");

	for (size_t i = 0; i < s->nsites; i++) {
		const struct inv_site *site = &s->sites[i];
		enum chk_tri remote = chk_provider_remote(s, site->site_code, NULL);
		json_t *e = build_json(site->build_number);
		enum chk_state st;
		int sev = 0;
		json_object_set_new(e, "fixed_in", json_sprintf("2509 (build %ld)", fixed));
		if (site->build_number == INV_NULL) {
			st = CS_UNKNOWN;
			json_object_set_new(e, "reason", json_string("the site's build number was not read"));
		} else if (site->build_number >= fixed) {
			st = CS_PASS;
		} else {
			/* A relayed NTLM login reaches the SMS Provider; across
			 * the network when it is not on the site server. */
			st = CS_FAIL;
			sev = remote == TRI_NO ? SEV_MEDIUM : SEV_HIGH;
			json_object_set_new(e, "provider", json_string(remote == TRI_YES ? "remote"
			                    : remote == TRI_NO ? "on the site server" : "not read"));
			json_object_set_new(e, "reason", json_string("the AdminService accepts NTLM, "
			                    "which can be relayed to the SMS Provider"));
		}
		if (chk_emit(c, st, sev, "site", site->site_code, site->site_name, e))
			return -1;
	}
	return 0;
}

/* An update of the site's list that is the hotfix, or the 2509 rollup
 * that carries it, or NULL. */
static const struct inv_update_pkg *naa_update(const struct chk_snap *s, int64_t build)
{
	for (size_t i = 0; i < s->nupdates; i++) {
		const struct inv_update_pkg *u = &s->updates[i];
		const char *name = u->name ? u->name : "", *desc = u->description ? u->description : "";
		if (strstr(name, NAA_HOTFIX_KB) || strstr(desc, NAA_HOTFIX_KB))
			return u;
		if (build >= as_build_of("2509") && strstr(name, "2509") && (strstr(name, "Rollup") || strstr(name, "rollup")))
			return u;
	}
	return NULL;
}

int eval_naa_002(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);
	const struct as_value *installed = as_value_find("SMS_CM_UpdatePackages", "State", "installed");
	const char *updates = inv_class_status(chk_db(c), "SMS_CM_UpdatePackages", NULL, 0);

	for (size_t i = 0; i < s->nsites; i++) {
		const struct inv_site *site = &s->sites[i];
		const struct inv_update_pkg *u;
		json_t *e = build_json(site->build_number);
		enum chk_state st;
		json_object_set_new(e, "hotfix", json_string("KB" NAA_HOTFIX_KB));
		if (site->build_number == INV_NULL) {
			st = CS_UNKNOWN;
			json_object_set_new(e, "reason", json_string("the site's build number was not read"));
		} else if (site->build_number >= as_build_of("2603")) {
			st = CS_PASS;
			json_object_set_new(e, "reason", json_string("included from version 2603"));
		} else if (site->build_number < as_build_of("2409")) {
			st = CS_FAIL;
			json_object_set_new(e, "reason", json_string("no hotfix exists for this version: "
			                    "upgrade to 2509 with its hotfix rollup, or to 2603"));
		} else if (strcmp(updates, "ok") != 0) {
			json_decref(e);
			if (chk_attest_needed(c, "site", site->site_code, site->site_name,
			                      "hotfix KB" NAA_HOTFIX_KB " (or the 2509 rollup) is installed: "
			                      "the site's updates (SMS_CM_UpdatePackages) were not read"))
				return -1;
			continue;
		} else if (!(u = naa_update(s, site->build_number))) {
			st = CS_FAIL;
			json_object_set_new(e, "reason", json_string("no update of the site's list is the "
			                    "hotfix: download and install it (Updates and Servicing)"));
		} else {
			bool done = installed && u->state == installed->value;
			st = done ? CS_PASS : CS_FAIL;
			json_object_set_new(e, "update", json_string(u->name ? u->name : u->package_guid));
			json_object_set_new(e, "State", u->state == INV_NULL ? json_null() : json_integer(u->state));
			json_object_set_new(e, "reason", json_string(done ? "installed (the State value is "
			                    "the community's reading: unverified)" : "known to the site but not "
			                    "installed: install it (Updates and Servicing)"));
		}
		if (chk_emit(c, st, 0, "site", site->site_code, site->site_name, e))
			return -1;
	}
	return 0;
}
