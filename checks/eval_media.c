/* Boot media, certificates, and the provider's channel. */
#include <string.h>

#include "checks/eval.h"
#include "util/buf.h"
#include "util/jsonw.h"

/* Certificates are tens of thousands at scale: their evidence is
 * written straight as text (util/jsonw.h), the members a check adds
 * after these. */
static void cert_evidence(struct jw *w, struct buf *b, const struct inv_cert *k)
{
	jw_begin(w, b);
	jw_str(w, "SMSID", k->smsid);
	jw_int(w, "Type", k->type);
	if (k->key_type == INV_NULL)
		jw_null(w, "KeyType");
	else
		jw_int(w, "KeyType", k->key_type);
	if (k->is_blocked == INV_NULL)
		jw_null(w, "IsBlocked");
	else
		jw_bool(w, "IsBlocked", k->is_blocked != 0);
	jw_str(w, "ServerName", k->server_name ? k->server_name : "");
}

/* Certificates are tens of thousands at scale (a hundred thousand at lab
 * scale 5000): each check reads them from the inventory as it goes, one
 * at a time, instead of from the snapshot. */
struct cert_scan {
	struct chk_ctx *c;
	const struct chk_names *dps;
	long max_days;
	bool media;               /* MEDIA-004: a media certificate in circulation */
	struct buf ev;
};

static int each_cert(struct chk_ctx *c, int (*fn)(void *ctx, const struct inv_cert *k),
                     struct cert_scan *sc)
{
	struct ow_err e = { 0 };

	int rc;

	sc->c = c;
	rc = inv_each_cert(chk_db(c), false, fn, sc, &e) != 0 ? -1 : 0;
	buf_free(&sc->ev);
	return rc;
}

/* One result with the evidence w wrote. */
static int emit_cert(struct cert_scan *sc, struct jw *w, enum chk_state st, int sev,
                     const struct inv_cert *k)
{
	const char *ev = jw_finish(w);

	/* in the order of the certificates' row ids (chk_def.ordered) */
	return !ev || chk_emit_text_ord(sc->c, k->id, st, sev, "certificate", k->smsid, k->issued_to,
	                                ev) != 0;
}

/* Type 1 certificates stand for the boot media in circulation. */
static int media_001(void *ctx, const struct inv_cert *k)
{
	struct cert_scan *sc = ctx;

	if (k->type != 1 || k->is_blocked == 1)
		return 0;
	return chk_attest_needed_ord(sc->c, k->id, "certificate", k->smsid, k->issued_to,
	                             "the media of this certificate requires a password") != 0;
}

int eval_media_001(struct chk_ctx *c)
{
	struct cert_scan sc = { 0 };

	return each_cert(c, media_001, &sc);
}

static int media_002(void *ctx, const struct inv_cert *k)
{
	struct cert_scan *sc = ctx;
	enum chk_state st = CS_PASS;
	struct jw w;

	if (k->type != 1)
		return 0;
	cert_evidence(&w, &sc->ev, k);
	jw_obj(&w, "policy");
	jw_str(&w, "setting", "media_cert_max_lifetime_days");
	jw_int(&w, "value", (int)sc->max_days);
	jw_end(&w);
	if (k->valid_from == INV_NULL || k->valid_until == INV_NULL) {
		st = CS_UNKNOWN;
	} else if (k->valid_until < chk_now(sc->c) && k->is_blocked != 1) {
		st = CS_FAIL;
		jw_str(&w, "reason", "expired and not blocked");
	} else if (k->valid_until - k->valid_from > (int64_t)sc->max_days * DAY && k->is_blocked != 1) {
		st = CS_FAIL;
		jw_str(&w, "reason", "valid longer than the policy allows");
		jw_int(&w, "lifetime_days", (k->valid_until - k->valid_from) / DAY);
	}
	return emit_cert(sc, &w, st, 0, k);
}

int eval_media_002(struct chk_ctx *c)
{
	struct cert_scan sc = { .max_days = chk_policy(c, "media_cert_max_lifetime_days", 365) };

	return each_cert(c, media_002, &sc);
}

static int media_004(void *ctx, const struct inv_cert *k)
{
	struct cert_scan *sc = ctx;

	sc->media = k->type == 1 && k->is_blocked != 1;
	return sc->media;   /* one is enough */
}

int eval_media_004(struct chk_ctx *c)
{
	struct cert_scan sc = { 0 };
	struct ow_err e = { 0 };

	sc.c = c;
	if (inv_each_cert(chk_db(c), false, media_004, &sc, &e) < 0)
		return -1;
	if (sc.media)
		return chk_attest_needed(c, "site", "*", "boot media in circulation",
		                         "prestaged media is kept under physical access control");
	return 0;
}

static int cert_001(void *ctx, const struct inv_cert *k)
{
	struct cert_scan *sc = ctx;
	const struct chk_snap *s = chk_data(sc->c);
	const struct inv_dp *d;

	if (k->key_type != 2)
		return 0;
	d = k->type == 2 ? chk_dp_named(s, sc->dps, k->server_name) : NULL;
	if (d && chk_dp_pxe(d) && d->pxe_password_set == 0) {
		/* Anyone who PXE boots there takes the certificate with its
		 * key from the media policy and is the DP to the site. */
		struct jw w;
		cert_evidence(&w, &sc->ev, k);
		jw_str(&w, "reason", "a PKI certificate on a PXE DP without a PXE password: a "
		       "PXE-booting machine can take it with its key and authenticate as the DP");
		jw_str(&w, "dp", d->server_name);
		return emit_cert(sc, &w, CS_FAIL, SEV_CRITICAL, k);
	}
	return chk_attest_needed(sc->c, "certificate", k->smsid, k->issued_to,
	                         "the imported .pfx is password protected and stored "
	                         "safely") != 0;
}

int eval_cert_001(struct chk_ctx *c)
{
	struct cert_scan sc = { .dps = chk_dp_names(c) };

	return sc.dps ? each_cert(c, cert_001, &sc) : -1;
}

static int cert_002(void *ctx, const struct inv_cert *k)
{
	struct cert_scan *sc = ctx;
	const struct chk_snap *s = chk_data(sc->c);
	const struct inv_segment *tag;
	bool compromised;
	enum chk_state st = CS_PASS;
	int sev = 0;
	struct jw w;

	if (k->type != 2 && k->type != 1)
		return 0;
	tag = chk_tag(s, "certificate", k->smsid);
	compromised = tag && tag->compromised == 1;
	if (k->type != 2 && !compromised)
		return 0;   /* a media certificate nobody marked: MEDIA-002's business */
	cert_evidence(&w, &sc->ev, k);
	if (compromised && k->is_blocked != 1) {
		st = CS_FAIL;
		sev = SEV_CRITICAL;
		jw_str(&w, "reason", "marked compromised and not blocked");
	} else if (k->type == 2 && k->is_blocked != 1 && !chk_dp_named(s, sc->dps, k->server_name)) {
		st = CS_FAIL;
		jw_str(&w, "reason", "its server is no longer a distribution point, and it is not "
		       "blocked");
	}
	return emit_cert(sc, &w, st, sev, k);
}

int eval_cert_002(struct chk_ctx *c)
{
	struct cert_scan sc = { .dps = chk_dp_names(c) };

	return sc.dps ? each_cert(c, cert_002, &sc) : -1;
}

/* An SMS Provider on another server than the site server talks to it over
 * the network: that channel needs SMB signing or IPsec (attested). */
int eval_infra_001(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);

	for (size_t i = 0; i < s->nsettings; i++) {
		const struct inv_site_setting *p = &s->settings[i];
		bool colocated;
		char key[300];
		if (strcmp(p->item, "SMS Provider") != 0)
			continue;
		colocated = chk_provider_remote(s, p->site_code, p->name) == TRI_NO;
		snprintf(key, sizeof key, "%s/%s", p->site_code, p->name);
		if (colocated) {
			if (chk_emit(c, CS_NOTAPPLICABLE, 0, "provider", key, p->name,
			             json_pack("{s:s,s:s}", "site", p->site_code, "reason",
			                       "the provider is on the site server")))
				return -1;
		} else if (chk_attest_needed(c, "provider", key, p->name,
		                             "SMB signing or IPsec between the site server and this "
		                             "remote SMS Provider") != 0) {
			return -1;
		}
	}
	return 0;
}
