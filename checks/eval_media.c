/* Boot media, certificates, and the provider's channel. */
#include <string.h>

#include "checks/eval.h"

static json_t *cert_evidence(const struct inv_cert *k)
{
	json_t *e = json_object();
	json_object_set_new(e, "SMSID", json_string(k->smsid));
	json_object_set_new(e, "Type", json_integer(k->type));
	json_object_set_new(e, "KeyType", k->key_type == INV_NULL ? json_null() : json_integer(k->key_type));
	json_object_set_new(e, "IsBlocked", k->is_blocked == INV_NULL ? json_null() : json_boolean(k->is_blocked));
	json_object_set_new(e, "ServerName", json_string(k->server_name ? k->server_name : ""));
	return e;
}

/* Certificates are tens of thousands at scale (a hundred thousand at lab
 * scale 5000): each check reads them from the inventory as it goes, one
 * at a time, instead of from the snapshot. */
struct cert_scan {
	struct chk_ctx *c;
	const struct chk_names *dps;
	long max_days;
	bool media;               /* MEDIA-004: a media certificate in circulation */
};

static int each_cert(struct chk_ctx *c, int (*fn)(void *ctx, const struct inv_cert *k),
                     struct cert_scan *sc)
{
	struct ow_err e = { 0 };

	sc->c = c;
	return inv_each_cert(chk_db(c), false, fn, sc, &e) != 0 ? -1 : 0;
}

/* Type 1 certificates stand for the boot media in circulation. */
static int media_001(void *ctx, const struct inv_cert *k)
{
	struct cert_scan *sc = ctx;

	if (k->type != 1 || k->is_blocked == 1)
		return 0;
	return chk_attest_needed(sc->c, "certificate", k->smsid, k->issued_to,
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
	json_t *e;

	if (k->type != 1)
		return 0;
	e = cert_evidence(k);
	json_object_set_new(e, "policy", json_pack("{s:s,s:i}", "setting",
	                    "media_cert_max_lifetime_days", "value", (int)sc->max_days));
	if (k->valid_from == INV_NULL || k->valid_until == INV_NULL) {
		st = CS_UNKNOWN;
	} else if (k->valid_until < chk_now(sc->c) && k->is_blocked != 1) {
		st = CS_FAIL;
		json_object_set_new(e, "reason", json_string("expired and not blocked"));
	} else if (k->valid_until - k->valid_from > (int64_t)sc->max_days * DAY && k->is_blocked != 1) {
		st = CS_FAIL;
		json_object_set_new(e, "reason", json_string("valid longer than the policy allows"));
		json_object_set_new(e, "lifetime_days", json_integer((k->valid_until - k->valid_from) / DAY));
	}
	return chk_emit(sc->c, st, 0, "certificate", k->smsid, k->issued_to, e) != 0;
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
		json_t *e = cert_evidence(k);
		json_object_set_new(e, "reason", json_string("a PKI certificate on a PXE DP "
		                    "without a PXE password: a PXE-booting machine can take it "
		                    "with its key and authenticate as the DP"));
		json_object_set_new(e, "dp", json_string(d->server_name));
		return chk_emit(sc->c, CS_FAIL, SEV_CRITICAL, "certificate", k->smsid, k->issued_to,
		                e) != 0;
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
	json_t *e;

	if (k->type != 2 && k->type != 1)
		return 0;
	tag = chk_tag(s, "certificate", k->smsid);
	compromised = tag && tag->compromised == 1;
	if (k->type != 2 && !compromised)
		return 0;   /* a media certificate nobody marked: MEDIA-002's business */
	e = cert_evidence(k);
	if (compromised && k->is_blocked != 1) {
		st = CS_FAIL;
		sev = SEV_CRITICAL;
		json_object_set_new(e, "reason", json_string("marked compromised and not blocked"));
	} else if (k->type == 2 && k->is_blocked != 1 && !chk_dp_named(s, sc->dps, k->server_name)) {
		st = CS_FAIL;
		json_object_set_new(e, "reason", json_string("its server is no longer a "
		                    "distribution point, and it is not blocked"));
	}
	return chk_emit(sc->c, st, sev, "certificate", k->smsid, k->issued_to, e) != 0;
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
