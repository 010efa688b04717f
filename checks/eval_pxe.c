/* PXE and multicast responders. */
#include <string.h>

#include "backend/adminservice.h"
#include "checks/eval.h"

static json_t *dp_evidence(const struct inv_dp *d)
{
	json_t *e = json_object();
	json_object_set_new(e, "server", json_string(d->server_name));
	json_object_set_new(e, "site", json_string(d->site_code ? d->site_code : ""));
	return e;
}

static void add_bool(json_t *e, const char *name, int64_t v)
{
	json_object_set_new(e, name, v == INV_NULL ? json_null() : json_boolean(v));
}

/* The responders osdwarden sees, against the operator's sanctioned list. */
static int responders(struct chk_ctx *c, bool multicast)
{
	const struct chk_snap *s = chk_data(c);

	for (size_t i = 0; i < s->ndps; i++) {
		const struct inv_dp *d = &s->dps[i];
		bool is = multicast ? d->is_multicast == 1 : chk_dp_pxe(d);
		bool ok;
		json_t *e;
		if (!is)
			continue;
		ok = chk_dp_sanctioned(c, d->server_name);
		e = dp_evidence(d);
		json_object_set_new(e, "sanctioned", json_boolean(ok));
		json_object_set_new(e, "how", json_string("osdwarden tag dp SERVER --sanctioned"));
		if (chk_emit(c, ok ? CS_PASS : CS_FAIL, 0, "dp", d->server_name, d->server_name, e))
			return -1;
	}
	return 0;
}

int eval_pxe_001(struct chk_ctx *c) { return responders(c, false); }
int eval_mc_002(struct chk_ctx *c) { return responders(c, true); }

int eval_pxe_002(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);

	for (size_t i = 0; i < s->ndps; i++) {
		const struct inv_dp *d = &s->dps[i];
		const struct inv_segment *t;
		const char *trust;
		enum chk_state st;
		json_t *e;
		if (!chk_dp_pxe(d))
			continue;
		t = chk_tag(s, "dp", d->server_name);
		trust = t && t->trust ? t->trust : "";
		e = dp_evidence(d);
		add_bool(e, "internet_facing", d->internet_facing);
		json_object_set_new(e, "segment", trust[0] ? json_string(trust) : json_null());
		if (d->internet_facing == 1 || strcmp(trust, "untrusted") == 0 ||
		    strcmp(trust, "perimeter") == 0)
			st = CS_FAIL;
		else if (strcmp(trust, "trusted") == 0)
			st = CS_PASS;
		else
			st = CS_NOTCHECKED;   /* nobody said which segment this is */
		if (chk_emit(c, st, 0, "dp", d->server_name, d->server_name, e))
			return -1;
	}
	return 0;
}

int eval_pxe_003(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);

	for (size_t i = 0; i < s->ndps; i++) {
		const struct inv_dp *d = &s->dps[i];
		bool no_macs = !d->bind_except || !d->bind_except[0];
		enum chk_state st;
		json_t *e;
		if (!chk_dp_pxe(d))
			continue;
		e = dp_evidence(d);
		json_object_set_new(e, "BindPolicy", d->bind_policy == INV_NULL ? json_null()
		                                                               : json_integer(d->bind_policy));
		json_object_set_new(e, "BindExcept", json_string(d->bind_except ? d->bind_except : ""));
		if (d->bind_policy == INV_NULL) {
			st = CS_UNKNOWN;
		} else if (d->bind_policy == 0) {
			st = CS_FAIL;
			json_object_set_new(e, "reason", json_string("answers PXE on every interface"));
		} else if (no_macs) {
			st = CS_FAIL;
			json_object_set_new(e, "reason", json_string("configuration error: only listed "
			                    "interfaces, but none listed, so PXE silently answers nothing"));
		} else {
			st = CS_PASS;
		}
		if (chk_emit(c, st, 0, "dp", d->server_name, d->server_name, e))
			return -1;
	}
	return 0;
}

int eval_pxe_004(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);

	for (size_t i = 0; i < s->ndps; i++) {
		const struct inv_dp *d = &s->dps[i];
		json_t *e;
		if (!chk_dp_pxe(d))
			continue;
		e = dp_evidence(d);
		add_bool(e, "IsPXE", d->is_pxe);
		add_bool(e, "IsActive", d->is_active);
		add_bool(e, "PXEPassword", d->pxe_password_set);
		if (chk_emit(c, d->pxe_password_set == INV_NULL ? CS_UNKNOWN
		                : d->pxe_password_set ? CS_PASS : CS_FAIL,
		             0, "dp", d->server_name, d->server_name, e))
			return -1;
	}
	return 0;
}

/* A required task sequence deployment to All Unknown Computers wipes any
 * machine that PXE boots. */
static bool required_unknown_deployment(const struct chk_snap *s)
{
	for (size_t i = 0; i < s->ndeps; i++)
		if (chk_ieq(s->deps[i].collection_id, CHK_ALL_UNKNOWN) && s->deps[i].offer_type == 0)
			return true;
	return false;
}

int eval_pxe_005(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);
	bool required = required_unknown_deployment(s);

	for (size_t i = 0; i < s->ndps; i++) {
		const struct inv_dp *d = &s->dps[i];
		enum chk_state st;
		json_t *e;
		if (!chk_dp_pxe(d))
			continue;
		e = dp_evidence(d);
		add_bool(e, "SupportUnknownMachines", d->support_unknown);
		add_bool(e, "PXEPassword", d->pxe_password_set);
		json_object_set_new(e, "required_deployment_to_SMS000US", json_boolean(required));
		if (d->support_unknown == INV_NULL)
			st = CS_UNKNOWN;
		else if (!d->support_unknown)
			st = CS_PASS;
		else if (d->pxe_password_set == 0 || required)
			st = CS_FAIL;
		else
			st = CS_INFORMATIONAL;   /* deliberate, password-protected */
		if (chk_emit(c, st, 0, "dp", d->server_name, d->server_name, e))
			return -1;
	}
	return 0;
}

int eval_pxe_006(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);

	for (size_t i = 0; i < s->nboots; i++) {
		const struct inv_boot_image *b = &s->boots[i];
		json_t *e = json_object();
		json_object_set_new(e, "EnableLabShell", b->enable_lab_shell == INV_NULL ? json_null()
		                                                   : json_boolean(b->enable_lab_shell));
		if (chk_emit(c, b->enable_lab_shell == INV_NULL ? CS_UNKNOWN
		                : b->enable_lab_shell ? CS_FAIL : CS_PASS,
		             0, "boot_image", b->package_id, b->name, e))
			return -1;
	}
	return 0;
}

/* Multicast encryption is a package setting the SMS Provider exposes
 * through no documented property or bit, so it is attested per package.
 * What is known scopes the question: the DPs that serve multicast
 * (IsMulticast, documented) and the packages whose PkgFlags carry the
 * allow-multicast bit of the contract table (unverified: it only decides
 * which packages are listed, never that one passes). */
int eval_mc_001(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);
	const struct as_flag *allow = as_flag_find("SMS_PackageBaseclass", "PkgFlags",
	                                           "multicast allowed");
	json_t *dps = json_array();
	char bit[160];
	size_t listed = 0;
	int rc = 0;

	for (size_t i = 0; i < s->ndps; i++)
		if (s->dps[i].is_multicast == 1)
			json_array_append_new(dps, json_string(s->dps[i].server_name));
	/* No DP serves multicast: no package is sent that way. */
	if (json_array_size(dps) == 0) {
		json_decref(dps);
		return 0;
	}
	if (allow)
		snprintf(bit, sizeof bit, "0x%08lx (%s: %s)", allow->mask,
		         allow->verified ? "documented" : "unverified", allow->source);
	else
		snprintf(bit, sizeof bit, "none known");
	for (size_t i = 0; i < s->npkgs && rc == 0; i++) {
		const struct inv_package *p = &s->pkgs[i];
		if (p->pkg_flags != INV_NULL && !(allow && ((unsigned long)p->pkg_flags & allow->mask)))
			continue;
		listed++;
		if (p->pkg_flags == INV_NULL) {
			rc = chk_emit(c, CS_UNKNOWN, 0, "package", p->package_id, p->name,
			              json_pack("{s:n,s:s,s:O}", "PkgFlags", "reason", "the package's flags "
			                        "were not read", "multicast_dps", dps));
			continue;
		}
		rc = chk_emit(c, CS_NOTCHECKED, 0, "package", p->package_id, p->name,
		              json_pack("{s:I,s:s,s:O,s:s,s:s}", "PkgFlags", (json_int_t)p->pkg_flags,
		                        "multicast_allowed_bit", bit, "multicast_dps", dps, "needs",
		                        "an operator attestation", "about", "Encrypt multicast packages "
		                        "is set on this package (the SMS Provider does not expose it)"));
	}
	/* Multicast is served but no package is known to use it: the bit may
	 * be wrong, so the question goes to the operator for the site. */
	if (rc == 0 && listed == 0)
		rc = chk_emit(c, CS_NOTCHECKED, 0, "site", "*", "multicast packages",
		              json_pack("{s:O,s:s,s:s,s:s}", "multicast_dps", dps, "multicast_allowed_bit",
		                        bit, "needs", "an operator attestation", "about", "every package "
		                        "enabled for multicast has Encrypt multicast packages set"));
	json_decref(dps);
	return rc;
}

/* A PXE responder that is Windows Deployment Services carries the WDS
 * remote-code-execution CVEs of 2026 (one in its TFTP server); the
 * responder without WDS does not. Closed by an attestation that WDS is
 * patched on that DP. */
int eval_pxe_007(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);

	for (size_t i = 0; i < s->ndps; i++) {
		const struct inv_dp *d = &s->dps[i];
		enum chk_state st;
		json_t *e;
		if (!chk_dp_pxe(d))
			continue;
		e = dp_evidence(d);
		add_bool(e, "SccmPXE", d->sccm_pxe);
		st = d->sccm_pxe == INV_NULL ? CS_UNKNOWN : d->sccm_pxe ? CS_PASS : CS_FAIL;
		if (st == CS_FAIL)
			json_object_set_new(e, "reason", json_string("the PXE responder is Windows "
			                    "Deployment Services"));
		if (chk_emit(c, st, 0, "dp", d->server_name, d->server_name, e))
			return -1;
		if (st == CS_FAIL)
			chk_last_attestable(c);
	}
	return 0;
}
