/* PXE and multicast responders. */
#include <string.h>

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
		if (chk_emit(c, ok ? ST_PASS : ST_FAIL, 0, "dp", d->server_name, d->server_name, e))
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
			st = ST_FAIL;
		else if (strcmp(trust, "trusted") == 0)
			st = ST_PASS;
		else
			st = ST_NOTCHECKED;   /* nobody said which segment this is */
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
			st = ST_UNKNOWN;
		} else if (d->bind_policy == 0) {
			st = ST_FAIL;
			json_object_set_new(e, "reason", json_string("answers PXE on every interface"));
		} else if (no_macs) {
			st = ST_FAIL;
			json_object_set_new(e, "reason", json_string("configuration error: only listed "
			                    "interfaces, but none listed, so PXE silently answers nothing"));
		} else {
			st = ST_PASS;
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
		if (chk_emit(c, d->pxe_password_set == INV_NULL ? ST_UNKNOWN
		                : d->pxe_password_set ? ST_PASS : ST_FAIL,
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
			st = ST_UNKNOWN;
		else if (!d->support_unknown)
			st = ST_PASS;
		else if (d->pxe_password_set == 0 || required)
			st = ST_FAIL;
		else
			st = ST_INFORMATIONAL;   /* deliberate, password-protected */
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
		if (chk_emit(c, b->enable_lab_shell == INV_NULL ? ST_UNKNOWN
		                : b->enable_lab_shell ? ST_FAIL : ST_PASS,
		             0, "boot_image", b->package_id, b->name, e))
			return -1;
	}
	return 0;
}

/* PkgFlags: allow multicast 0x08000000 (one community source); the
 * encrypt bit is not documented (reference §6) -- the lab's assumption,
 * to be confirmed on a real site. */
#define PKG_MULTICAST_ALLOW 0x08000000
#define PKG_MULTICAST_ENCRYPT 0x04000000

int eval_mc_001(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);

	for (size_t i = 0; i < s->npkgs; i++) {
		const struct inv_package *p = &s->pkgs[i];
		json_t *e;
		if (p->pkg_flags == INV_NULL || !(p->pkg_flags & PKG_MULTICAST_ALLOW))
			continue;
		e = json_pack("{s:I,s:b}", "PkgFlags", (json_int_t)p->pkg_flags, "encrypted",
		              (p->pkg_flags & PKG_MULTICAST_ENCRYPT) != 0);
		if (chk_emit(c, p->pkg_flags & PKG_MULTICAST_ENCRYPT ? ST_PASS : ST_FAIL, 0, "package",
		             p->package_id, p->name, e))
			return -1;
	}
	return 0;
}
