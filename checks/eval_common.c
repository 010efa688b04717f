#include <string.h>
#include <strings.h>

#include "checks/eval.h"

bool chk_ieq(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

bool chk_dp_pxe(const struct inv_dp *d)
{
	return d->is_pxe == 1 && d->is_active != 0;
}

size_t chk_naa_count(const struct chk_snap *s, const char *site)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nsettings; i++)
		n += strcmp(s->settings[i].item, "naa") == 0 &&
		     (!site || chk_ieq(s->settings[i].site_code, site));
	return n;
}

bool chk_is_naa(const struct chk_snap *s, const char *user)
{
	for (size_t i = 0; i < s->nsettings; i++)
		if (strcmp(s->settings[i].item, "naa") == 0 && chk_ieq(s->settings[i].name, user))
			return true;
	return false;
}

const struct inv_dp *chk_dp_named(const struct chk_snap *s, const char *name)
{
	for (size_t i = 0; name && i < s->ndps; i++)
		if (chk_ieq(s->dps[i].server_name, name))
			return &s->dps[i];
	return NULL;
}

bool chk_ts_on_pxe(const struct chk_snap *s, const struct inv_ts *t)
{
	for (size_t i = 0; i < s->ndeps; i++)
		if (chk_ieq(s->deps[i].package_id, t->package_id) && s->deps[i].advert_flags != INV_NULL &&
		    (s->deps[i].advert_flags & CHK_ADV_MEDIA_PXE))
			return true;
	return false;
}

enum chk_tri chk_provider_remote(const struct chk_snap *s, const char *site, const char *provider)
{
	bool any = false, remote = false;

	for (size_t i = 0; i < s->nsettings; i++) {
		const struct inv_site_setting *p = &s->settings[i];
		bool colocated = false;
		if (strcmp(p->item, "SMS Provider") != 0 || !chk_ieq(p->site_code, site) ||
		    (provider && !chk_ieq(p->name, provider)))
			continue;
		any = true;
		for (size_t k = 0; k < s->nsettings; k++)
			colocated |= strcmp(s->settings[k].item, "SMS Site Server") == 0 &&
			             chk_ieq(s->settings[k].site_code, site) &&
			             chk_ieq(s->settings[k].name, p->name);
		remote |= !colocated;
	}
	return !any ? TRI_UNSURE : remote ? TRI_YES : TRI_NO;
}

bool chk_dp_sanctioned(struct chk_ctx *c, const char *server)
{
	const struct inv_segment *t = chk_tag(chk_data(c), "dp", server);
	return t && t->sanctioned == 1;
}

int chk_attest_needed(struct chk_ctx *c, const char *object_type, const char *key,
                      const char *name, const char *what)
{
	return chk_emit(c, CS_NOTCHECKED, 0, object_type, key, name,
	                json_pack("{s:s,s:s}", "needs", "an operator attestation", "about", what));
}

enum chk_tri chk_tri_and(enum chk_tri a, enum chk_tri b)
{
	return a == TRI_NO || b == TRI_NO ? TRI_NO : a == TRI_YES && b == TRI_YES ? TRI_YES : TRI_UNSURE;
}

enum chk_tri chk_tri_or(enum chk_tri a, enum chk_tri b)
{
	return a == TRI_YES || b == TRI_YES ? TRI_YES : a == TRI_NO && b == TRI_NO ? TRI_NO : TRI_UNSURE;
}

enum chk_tri chk_tri_failed(enum chk_in in)
{
	return in == CHK_IN_FAILED ? TRI_YES
	       : in == CHK_IN_CLEAR || in == CHK_IN_NONE ? TRI_NO : TRI_UNSURE;
}

json_t *chk_tri_json(enum chk_tri t)
{
	return t == TRI_UNSURE ? json_null() : json_boolean(t == TRI_YES);
}

/* For controls only a person can confirm: one result for the site. */
int eval_attest_once(struct chk_ctx *c)
{
	return chk_attest_needed(c, "site", "*", "the site", "this manual control");
}
