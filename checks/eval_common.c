#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/eval.h"
#include "util/buf.h"
#include "util/jsonw.h"

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

static int name_cmp(const void *a, const void *b)
{
	const struct chk_name *x = a, *y = b;
	int d = strcasecmp(x->name, y->name);

	return d ? d : (x->at > y->at) - (x->at < y->at);
}

int chk_names_build(struct chk_names *ix, const void *rows, size_t nrows, size_t size,
                    size_t name_off, bool (*keep)(const void *row))
{
	ix->n = 0;
	if (!(ix->v = malloc((nrows ? nrows : 1) * sizeof *ix->v)))
		return -1;
	for (size_t i = 0; i < nrows; i++) {
		const char *row = (const char *)rows + i * size;
		const char *name;
		memcpy(&name, row + name_off, sizeof name);
		if (name && (!keep || keep(row)))
			ix->v[ix->n++] = (struct chk_name){ name, i };
	}
	qsort(ix->v, ix->n, sizeof *ix->v, name_cmp);
	return 0;
}

void chk_names_free(struct chk_names *ix)
{
	free(ix->v);
	ix->v = NULL;
	ix->n = 0;
}

/* The first entry whose name sorts after name (past: also equal to it). */
static size_t name_bound(const struct chk_names *ix, const char *name, bool past)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcasecmp(ix->v[mid].name, name);
		if (d < 0 || (past && d == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t chk_names_find(const struct chk_names *ix, const char *name, size_t *first, size_t *last)
{
	size_t lo, hi;

	if (!name)
		return 0;
	lo = name_bound(ix, name, false);
	hi = name_bound(ix, name, true);
	if (lo < hi && first)
		*first = ix->v[lo].at;
	if (lo < hi && last)
		*last = ix->v[hi - 1].at;
	return hi - lo;
}

static void names_release(void *p)
{
	chk_names_free(p);
	free(p);
}

/* The index the memo keeps under name, built by build on first use. */
static const struct chk_names *memo_names(struct chk_ctx *c, const char *name,
                                          int (*build)(const struct chk_snap *, struct chk_names *))
{
	struct chk_names *ix = chk_memo_get(c, name);

	if (ix)
		return ix;
	if (!(ix = calloc(1, sizeof *ix)))
		return NULL;
	if (build(chk_data(c), ix) != 0) {
		free(ix);
		return NULL;
	}
	/* a full memo (engine_int.h) frees it: the evaluator fails, visibly */
	return chk_memo_put(c, name, ix, names_release) == 0 ? ix : NULL;
}

static int build_dp_names(const struct chk_snap *s, struct chk_names *ix)
{
	return chk_names_build(ix, s->dps, s->ndps, sizeof *s->dps,
	                       offsetof(struct inv_dp, server_name), NULL);
}

const struct chk_names *chk_dp_names(struct chk_ctx *c)
{
	return memo_names(c, "dps by server name", build_dp_names);
}

const struct inv_dp *chk_dp_named(const struct chk_snap *s, const struct chk_names *dps,
                                  const char *name)
{
	size_t first;

	return chk_names_find(dps, name, &first, NULL) ? &s->dps[first] : NULL;
}

bool chk_dep_media_pxe(const void *row)
{
	const struct inv_deployment *d = row;

	return d->advert_flags != INV_NULL && (d->advert_flags & CHK_ADV_MEDIA_PXE);
}

static int build_pxe_deployments(const struct chk_snap *s, struct chk_names *ix)
{
	return chk_names_build(ix, s->deps, s->ndeps, sizeof *s->deps,
	                       offsetof(struct inv_deployment, package_id), chk_dep_media_pxe);
}

const struct chk_names *chk_pxe_deployments(struct chk_ctx *c)
{
	return memo_names(c, "media and PXE deployments by package", build_pxe_deployments);
}

bool chk_ts_on_pxe(const struct chk_names *pxe_deps, const struct inv_ts *t)
{
	return chk_names_find(pxe_deps, t->package_id, NULL, NULL) > 0;
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

static int attest_needed(struct chk_ctx *c, const int64_t *ord, const char *object_type,
                         const char *key, const char *name, const char *what)
{
	struct buf b = BUF_INIT;
	struct jw w;
	const char *ev;
	int rc;

	/* written as text: one per certificate of boot media, tens of thousands */
	jw_begin(&w, &b);
	jw_str(&w, "needs", "an operator attestation");
	jw_str(&w, "about", what);
	ev = jw_finish(&w);
	rc = !ev ? -1
	     : ord ? chk_emit_text_ord(c, *ord, CS_NOTCHECKED, 0, object_type, key, name, ev)
	           : chk_emit_text(c, CS_NOTCHECKED, 0, object_type, key, name, ev);
	buf_free(&b);
	return rc;
}

int chk_attest_needed(struct chk_ctx *c, const char *object_type, const char *key,
                      const char *name, const char *what)
{
	return attest_needed(c, NULL, object_type, key, name, what);
}

int chk_attest_needed_ord(struct chk_ctx *c, int64_t ord, const char *object_type,
                          const char *key, const char *name, const char *what)
{
	return attest_needed(c, &ord, object_type, key, name, what);
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
