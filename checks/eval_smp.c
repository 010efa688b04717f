/* State migration points, associations, USMT, and the chains. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "checks/eval.h"
#include "util/buf.h"
#include "util/jsonw.h"

static json_t *smp_evidence(const struct inv_smp *m)
{
	return json_pack("{s:s,s:s,s:o,s:o}", "server", m->server_name, "site", m->site_code,
	                 "deletion_delay_min", m->deletion_delay_min == INV_NULL ? json_null()
	                                                    : json_integer(m->deletion_delay_min),
	                 "restore_only", m->restore_only == INV_NULL ? json_null()
	                                                    : json_boolean(m->restore_only));
}

static bool current(const struct inv_smp *m)
{
	return m->seen.gone_at == INV_NULL;
}

/* One attestation per current SMP. */
static int attest_each_smp(struct chk_ctx *c, const char *what)
{
	const struct chk_snap *s = chk_data(c);

	for (size_t i = 0; i < s->nsmps; i++)
		if (current(&s->smps[i]) &&
		    chk_attest_needed(c, "smp", s->smps[i].server_name, s->smps[i].server_name, what) != 0)
			return -1;
	return 0;
}

int eval_smp_001(struct chk_ctx *c)
{
	return attest_each_smp(c, "SMB signing or IPsec protects user state between clients and "
	                       "this SMP");
}

int eval_smp_008(struct chk_ctx *c)
{
	return attest_each_smp(c, "the state store is backed up (site backup does not include it)");
}

int eval_smp_002(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);

	for (size_t i = 0; i < s->nsmps; i++) {
		const struct inv_smp *m = &s->smps[i];
		if (!current(m))
			continue;
		if (chk_emit(c, m->deletion_delay_min == INV_NULL ? CS_UNKNOWN
		                : m->deletion_delay_min == 0 ? CS_FAIL : CS_PASS,
		             0, "smp", m->server_name, m->server_name, smp_evidence(m)))
			return -1;
	}
	return 0;
}

int eval_smp_003(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);
	long days = chk_policy(c, "smp_max_retention_days", 30);

	for (size_t i = 0; i < s->nsmps; i++) {
		const struct inv_smp *m = &s->smps[i];
		json_t *e;
		if (!current(m))
			continue;
		e = smp_evidence(m);
		json_object_set_new(e, "policy", json_pack("{s:s,s:i}", "setting",
		                    "smp_max_retention_days", "value", (int)days));
		if (chk_emit(c, m->deletion_delay_min == INV_NULL ? CS_UNKNOWN
		                : m->deletion_delay_min > days * 1440 ? CS_FAIL : CS_PASS,
		             0, "smp", m->server_name, m->server_name, e))
			return -1;
	}
	return 0;
}

/* Associations can be hundreds of thousands: each of the two checks
 * scans them (SMP-004 the released stores, SMP-005 the others) as its
 * results go on, holding none of them; each failing one is a result, the
 * passing ones are counted into one; evidence is formatted directly (no
 * JSON tree each). */
struct assoc_scan {
	struct chk_ctx *c;
	bool released;            /* the kind this check judges */
	int64_t limit;            /* seconds */
	long days;
	size_t ok;
	int rc;
	struct buf ev, key, name;
};

/* Only what the inventory says: an age would change the stored finding
 * every day (the reports show it from the date). */
static void evidence(struct assoc_scan *sc, const struct inv_assoc *a, int64_t when)
{
	struct jw w;

	jw_begin(&w, &sc->ev);
	jw_int(&w, sc->released ? "store_released" : "store_created", when);
	jw_str(&w, "store_path", a->store_path ? a->store_path : "");
	jw_obj(&w, "policy");
	jw_str(&w, "setting", sc->released ? "assoc_released_max_days" : "assoc_unreleased_max_days");
	jw_int(&w, "value", sc->days);
	sc->ev.failed |= !jw_finish(&w);
}

static int scan_assoc(void *ctx, const struct inv_assoc *a)
{
	struct assoc_scan *sc = ctx;
	bool released = a->store_released != INV_NULL;
	int64_t when = released ? a->store_released : a->store_created;

	if (released != sc->released || when == INV_NULL)
		return 0;
	if (when >= chk_now(sc->c) - sc->limit) {
		sc->ok++;
		return 0;
	}
	buf_reset(&sc->key);
	jw_decimal(&sc->key, a->source_id);
	buf_addc(&sc->key, ':');
	jw_decimal(&sc->key, a->restore_id);
	/* (the name as snprintf into 300 bytes cut it) */
	buf_reset(&sc->name);
	buf_adds(&sc->name, a->source_name ? a->source_name : "?");
	buf_adds(&sc->name, " -> ");
	buf_adds(&sc->name, a->restore_name ? a->restore_name : "?");
	evidence(sc, a, when);
	if (sc->key.failed || sc->name.failed || sc->ev.failed)
		return sc->rc = -1;
	if (sc->name.len > 299)
		sc->name.data[299] = '\0';
	/* in the order of the associations' row ids, which the check is
	 * compared in (chk_def.ordered) */
	sc->rc = chk_emit_text_ord(sc->c, a->id, CS_FAIL, 0, "association", buf_str(&sc->key),
	                           buf_str(&sc->name), buf_str(&sc->ev));
	return sc->rc;
}

/* One association check: released (SMP-004) or not (SMP-005) stores
 * kept longer than the policy setting says. */
static int scan_assocs(struct chk_ctx *c, bool released, const char *setting, long def)
{
	struct assoc_scan sc = { .c = c, .released = released, .ev = BUF_INIT, .key = BUF_INIT,
		                 .name = BUF_INIT };
	struct ow_err e = { 0 };
	int rc;

	sc.days = chk_policy(c, setting, def);
	sc.limit = (int64_t)sc.days * DAY;
	rc = inv_each_assoc_store(chk_db(c), released, scan_assoc, &sc, &e);
	buf_free(&sc.ev);
	buf_free(&sc.key);
	buf_free(&sc.name);
	if (rc < 0 || sc.rc)
		return -1;
	if (sc.ok)
		return chk_emit(c, CS_PASS, 0, "associations", "*", "associations within policy",
		                json_pack("{s:I}", "count", (json_int_t)sc.ok));
	return 0;
}

int eval_smp_004(struct chk_ctx *c)
{
	return scan_assocs(c, true, "assoc_released_max_days", 14);
}

int eval_smp_005(struct chk_ctx *c)
{
	return scan_assocs(c, false, "assoc_unreleased_max_days", 60);
}

int eval_smp_006(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);

	for (size_t i = 0; i < s->nfolders; i++) {
		const struct inv_smp_folder *f = &s->folders[i];
		const char *server = "?";
		char key[600];
		/* 0 is no limit, as a missing key is. */
		bool bounded = f->max_clients != INV_NULL && f->min_disk_space != INV_NULL &&
		               f->max_clients > 0 && f->min_disk_space > 0;
		for (size_t k = 0; k < s->nsmps; k++)
			if (s->smps[k].id == f->smp_id)
				server = s->smps[k].server_name;
		snprintf(key, sizeof key, "%s|%s", server, f->directory);
		if (chk_emit(c, bounded ? CS_PASS : CS_FAIL, 0, "smp_folder", key, key,
		             json_pack("{s:s,s:o,s:o}", "directory", f->directory, "MaxClients",
		                       f->max_clients == INV_NULL ? json_null() : json_integer(f->max_clients),
		                       "MinDiskSpace", f->min_disk_space == INV_NULL ? json_null()
		                                                    : json_integer(f->min_disk_space))))
			return -1;
	}
	return 0;
}

int eval_smp_007(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);

	for (size_t i = 0; i < s->nsmps; i++) {
		const struct inv_smp *m = &s->smps[i];
		if (current(m))
			continue;
		if (chk_emit(c, CS_FAIL, 0, "smp", m->server_name, m->server_name,
		             json_pack("{s:s,s:I,s:s}", "reason", "the role is gone from the site; "
		                       "its folders and share are not removed by the site",
		                       "gone_at", (json_int_t)m->seen.gone_at, "needs",
		                       "an attestation that the folder and share were deleted")))
			return -1;
		chk_last_attestable(c);
	}
	return 0;
}

/* The newest USMT osdwarden knows of: the Windows 11 24H2 ADK. */
#define USMT_NEWEST "10.0.26100"

static int version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		long x = strtol(a, (char **)&a, 10), y = strtol(b, (char **)&b, 10);
		if (x != y)
			return x < y ? -1 : 1;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
		if (!*a && !*b)
			break;
	}
	return 0;
}

int eval_usmt_001(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);

	for (size_t i = 0; i < s->npkgs; i++) {
		const struct inv_package *p = &s->pkgs[i];
		if (!p->name || !strstr(p->name, "User State Migration Tool"))
			continue;
		if (chk_emit(c, !p->version ? CS_UNKNOWN
		                : version_cmp(p->version, USMT_NEWEST) < 0 ? CS_FAIL : CS_PASS,
		             0, "package", p->package_id, p->name,
		             json_pack("{s:s?,s:s}", "version", p->version, "newest_known", USMT_NEWEST)))
			return -1;
	}
	return 0;
}

/* A DP field as a condition: unknown when NULL or when the check that
 * reads it could not be evaluated. */
static enum chk_tri field_is(int64_t v, int64_t want, enum chk_in in)
{
	return in == CHK_IN_UNREAD || v == INV_NULL ? TRI_UNSURE : v == want ? TRI_YES : TRI_NO;
}

/* The servers of the DPs' own certificates, handed out with their key,
 * from the certificates as they are read (they are not in the snapshot). */
struct server_list {
	char **v;
	size_t n, cap;
	bool oom;
};

static int keep_pki_server(void *ctx, const struct inv_cert *k)
{
	struct server_list *l = ctx;

	if (k->type != 2 || k->key_type != 2 || k->is_blocked == 1 || !k->server_name)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return l->oom = true, 1;
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(k->server_name)))
		return l->oom = true, 1;
	l->n++;
	return 0;
}

static void server_list_free(struct server_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static bool naa_setting(const void *row)
{
	return strcmp(((const struct inv_site_setting *)row)->item, "naa") == 0;
}

/* CRED-1: a machine that PXE boots without a password, as an unknown
 * computer, receives policy with secrets in it. Each link is true, false
 * or not known; the chain fails when every link is shown, passes when one
 * is shown absent, and is unknown otherwise (the engine makes that an
 * error when an input could not be evaluated). */
int eval_chain_cred1(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);
	enum chk_in pw_in = chk_input(c, "OSD-PXE-004"), unk_in = chk_input(c, "OSD-PXE-005");
	enum chk_in naa_in = chk_input(c, "OSD-NAA-001"), runas_in = chk_input(c, "OSD-TS-004");
	enum chk_tri masked = chk_tri_failed(chk_input(c, "OSD-TS-002")), runas = TRI_NO;
	enum chk_in cert_in = chk_input(c, "OSD-CERT-001");
	const struct chk_names *pxe_deps = chk_pxe_deployments(c);
	/* the DPs' PKI certificates by server, the NAAs by site */
	struct chk_names pki_certs = { 0 }, naas = { 0 };
	struct server_list servers = { 0 };
	struct ow_err e = { 0 };
	int rc = -1;

	if (!pxe_deps || inv_each_cert(chk_db(c), false, keep_pki_server, &servers, &e) != 0 ||
	    chk_names_build(&pki_certs, servers.v, servers.n, sizeof *servers.v, 0, NULL) != 0 ||
	    chk_names_build(&naas, s->settings, s->nsettings, sizeof *s->settings,
	                    offsetof(struct inv_site_setting, site_code), naa_setting) != 0)
		goto out;
	for (size_t i = 0; i < s->nrunas && runas == TRI_NO; i++)
		for (size_t k = 0; k < s->ntss; k++)
			if (s->tss[k].id == s->runas[i].ts_id && chk_ts_on_pxe(pxe_deps, &s->tss[k]))
				runas = TRI_YES;
	if (runas_in == CHK_IN_UNREAD)
		runas = TRI_UNSURE;
	for (size_t i = 0; i < s->ndps; i++) {
		const struct inv_dp *d = &s->dps[i];
		enum chk_tri no_pw, unknown, naa, open, secrets, v, pki;
		if (!chk_dp_pxe(d))
			continue;
		pki = cert_in == CHK_IN_UNREAD ? TRI_UNSURE
		      : chk_names_find(&pki_certs, d->server_name, NULL, NULL) ? TRI_YES : TRI_NO;
		no_pw = field_is(d->pxe_password_set, 0, pw_in);
		unknown = field_is(d->support_unknown, 1, unk_in);
		naa = naa_in == CHK_IN_UNREAD ? TRI_UNSURE
		      : chk_names_find(&naas, d->site_code, NULL, NULL) ? TRI_YES : TRI_NO;
		open = chk_tri_and(no_pw, unknown);
		secrets = chk_tri_or(chk_tri_or(chk_tri_or(naa, masked), runas), pki);
		v = chk_tri_and(open, secrets);
		if (chk_emit(c, v == TRI_YES ? CS_FAIL : v == TRI_NO ? CS_PASS : CS_UNKNOWN, 0, "dp",
		             d->server_name, d->server_name,
		             json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "no_pxe_password", chk_tri_json(no_pw),
		                       "unknown_computers", chk_tri_json(unknown), "naa_configured",
		                       chk_tri_json(naa), "masked_variables_on_pxe_collections",
		                       chk_tri_json(masked), "run_as_in_pxe_task_sequences",
		                       chk_tri_json(runas), "pki_certificate_on_this_dp",
		                       chk_tri_json(pki))))
			goto out;
	}
	rc = 0;
out:
	chk_names_free(&pki_certs);
	chk_names_free(&naas);
	server_list_free(&servers);
	return rc;
}

/* User state kept too long that many can recover. No SMP and no
 * association at all: no user state, nothing to judge. */
int eval_chain_priv(struct chk_ctx *c)
{
	enum chk_in k3 = chk_input(c, "OSD-SMP-003"), k4 = chk_input(c, "OSD-SMP-004");
	enum chk_in k5 = chk_input(c, "OSD-SMP-005");
	enum chk_tri kept, broad, v;

	if (k3 == CHK_IN_NONE && k4 == CHK_IN_NONE && k5 == CHK_IN_NONE)
		return 0;
	kept = chk_tri_or(chk_tri_or(chk_tri_failed(k3), chk_tri_failed(k4)), chk_tri_failed(k5));
	broad = chk_tri_failed(chk_input(c, "OSD-RBAC-002"));
	v = chk_tri_and(kept, broad);
	return chk_emit(c, v == TRI_YES ? CS_FAIL : v == TRI_NO ? CS_PASS : CS_UNKNOWN, 0, "site", "*",
	                "user state",
	                json_pack("{s:o,s:o}", "user_state_kept_too_long", chk_tri_json(kept),
	                          "recovery_information_broadly_viewable", chk_tri_json(broad)));
}
