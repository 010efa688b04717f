/* The impact of blocking a certificate, from what the inventory holds:
 * the certificate row, the distribution points, the latest stored check
 * run and the site's $metadata as the last sync or doctor kept it. */
#define _POSIX_C_SOURCE 200809L
#include "backend/cert_impact.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "backend/adminservice.h"
#include "db/checkstore.h"
#include "db/records.h"
#include "util/buf.h"
#include "util/sanitize.h"
#include "util/width.h"

#define DAY 86400

/* The checks whose verdict on a certificate turns to pass once it is
 * blocked: each judges only certificates that are not (eval_media.c).
 * OSD-CERT-001 is not here: it judges the key, blocked or not. */
static const char *const closed_by_block[] = { "OSD-CERT-002", "OSD-MEDIA-002", "OSD-MEDIA-001" };

bool cert_impact_block_closes(const char *check_id)
{
	for (size_t i = 0; check_id && i < sizeof closed_by_block / sizeof closed_by_block[0]; i++)
		if (strcmp(closed_by_block[i], check_id) == 0)
			return true;
	return false;
}

struct build {
	struct cert_impact *ci;
	unsigned san;
	bool oom;
};

static void add_row(struct build *b, const char *label, const char *fmt, ...) OW_PRINTF(3, 4);
static void add_row(struct build *b, const char *label, const char *fmt, ...)
{
	struct cert_impact *ci = b->ci;
	va_list ap;
	char *v = NULL;
	int n;

	if (ci->n == CERT_IMPACT_ROWS)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(v = malloc((size_t)n + 1))) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(v, (size_t)n + 1, fmt, ap);
	va_end(ap);
	ci->rows[ci->n].label = label;
	ci->rows[ci->n++].value = v;
}

/* A site string as it may be shown (new string, "" for NULL). */
static char *shown(const struct build *b, const char *s, size_t max)
{
	return san_str(s ? s : "", max, b->san);
}

static void day_of(int64_t t, char out[16])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 16, "%Y-%m-%d", &tm))
		snprintf(out, 16, "?");
}

static const char *arrow(const struct build *b)
{
	return b->san & SAN_ASCII ? "->" : "\xe2\x86\x92";
}

static const char *type_word(int64_t type)
{
	return type == 1 ? "boot media" : type == 2 ? "PXE" : type == 3 ? "ISV proxy" : NULL;
}

/* --- the distribution point ------------------------------------------------ */

struct dp_find {
	const char *server;
	bool current, gone;
	int64_t gone_at, is_pxe;
};

static int dp_match(void *ctx, const struct inv_dp *d)
{
	struct dp_find *f = ctx;

	if (!d->server_name || strcasecmp(d->server_name, f->server) != 0)
		return 0;
	if (d->seen.gone_at == INV_NULL) {
		f->current = true;
		f->is_pxe = d->is_pxe;
	} else if (!f->gone || d->seen.gone_at > f->gone_at) {
		f->gone = true;
		f->gone_at = d->seen.gone_at;
	}
	return 0;
}

static int dp_row(struct build *b, struct inv *db, const struct inv_cert *c, struct ow_err *err)
{
	struct dp_find f = { .server = c->server_name };
	char *server, when[16];

	if (!c->server_name || !*c->server_name) {
		add_row(b, "DP", "none named (%s)", c->type == 1 ? "a boot media certificate"
		                                                  : "no server in the certificate");
		return 0;
	}
	if (inv_each_dp(db, true, dp_match, &f, err) != 0)
		return err->kind ? (int)err->kind : OW_EINPUT;
	server = shown(b, c->server_name, 60);
	if (f.current)
		add_row(b, "DP", "%s: a distribution point (PXE %s)", server,
		        f.is_pxe == 1 ? "on" : f.is_pxe == 0 ? "off" : "not known");
	else if (f.gone) {
		day_of(f.gone_at, when);
		add_row(b, "DP", "%s: no longer a distribution point (gone since %s)", server, when);
	} else
		add_row(b, "DP", "%s: not a distribution point in the inventory", server);
	free(server);
	return 0;
}

/* --- the rows ------------------------------------------------------------- */

static void validity_row(struct build *b, const struct inv_cert *c, int64_t now)
{
	char from[16], until[16];

	if (c->valid_until == INV_NULL) {
		add_row(b, "Valid", "not known (the site did not say)");
		return;
	}
	day_of(c->valid_until, until);
	if (c->valid_from != INV_NULL)
		day_of(c->valid_from, from);
	else
		snprintf(from, sizeof from, "?");
	if (c->valid_until < now)
		add_row(b, "Valid", "%s %s %s: expired %lld d ago", from, arrow(b), until,
		        (long long)((now - c->valid_until) / DAY));
	else
		add_row(b, "Valid", "%s %s %s: %lld d left", from, arrow(b), until,
		        (long long)((c->valid_until - now) / DAY));
}

/* The thumbprint in groups of four when it is hex, else as sent. */
static void thumb_row(struct build *b, const struct inv_cert *c)
{
	struct buf t = BUF_INIT;
	const char *p = c->thumbprint;
	size_t n = p ? strlen(p) : 0;
	bool hex = n > 0 && n <= 128;

	for (size_t i = 0; hex && i < n; i++)
		hex = isxdigit((unsigned char)p[i]) != 0;
	if (!n) {
		add_row(b, "Thumbprint", "not known (not read from the site yet)");
		return;
	}
	if (!hex) {
		char *s = shown(b, p, 80);
		add_row(b, "Thumbprint", "%s", s ? s : "");
		free(s);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i && i % 4 == 0)
			buf_addc(&t, ' ');
		buf_addc(&t, (char)toupper((unsigned char)p[i]));
	}
	add_row(b, "Thumbprint", "%s", buf_str(&t));
	buf_free(&t);
}

struct closes {
	const char *smsid;
	bool block;
	struct buf list;
	size_t n;
};

/* A stored state in the console's words (the STATE column's), not its code. */
static const char *state_words(const char *state)
{
	static const struct { const char *code, *words; } w[] = {
		{ "fail", "failing" }, { "notchecked", "awaits an attestation" },
		{ "error", "could not be judged" }, { "unknown", "unknown" },
		{ "informational", "informational" },
	};

	for (size_t i = 0; state && i < sizeof w / sizeof w[0]; i++)
		if (strcmp(w[i].code, state) == 0)
			return w[i].words;
	return state ? state : "?";
}

/* A finding of the latest run on this certificate. Blocking closes those
 * of a closing check that did not pass; unblocking reopens to judgement
 * those of a closing check that pass now. */
static int finding_seen(void *ctx, const struct inv_finding *f)
{
	struct closes *cl = ctx;
	bool open;

	if (!f->object_key || strcmp(f->object_key, cl->smsid) != 0 || !f->check_id ||
	    !cert_impact_block_closes(f->check_id))
		return 0;
	open = f->state && strcmp(f->state, "pass") != 0 && strcmp(f->state, "notapplicable") != 0 &&
	       strcmp(f->state, "fixed") != 0;
	if (open != cl->block)
		return 0;
	buf_addf(&cl->list, "%s%s", cl->n ? ", " : "", f->check_id);
	if (open)
		buf_addf(&cl->list, " (%s%s%s%s)", state_words(f->state),
		         f->severity && *f->severity ? ", " : "", f->severity ? f->severity : "",
		         f->waived ? ", waived" : "");
	cl->n++;
	return 0;
}

static int findings_row(struct build *b, struct inv *db, const struct inv_cert *c, bool block,
                        struct ow_err *err)
{
	struct inv_run_info run;
	struct closes cl = { .smsid = c->smsid, .block = block, .list = BUF_INIT };
	const char *label = block ? "Closes" : "Reopens";
	char when[16];
	int rc = inv_run_latest(db, &run, err);

	if (rc == INV_NOTFOUND) {
		add_row(b, label, "not known: no check run stored (`osdwarden check`, or c in the "
		        "console, stores one)");
		return 0;
	}
	if (rc)
		return rc;
	rc = inv_each_finding(db, run.id, NULL, "certificate", NULL, 0, finding_seen, &cl, err);
	day_of(run.finished, when);
	if (rc == 0 && cl.n)
		add_row(b, label, "%s%s; check run #%lld, %s", buf_str(&cl.list),
		        block ? "" : ": they pass it now because it is blocked", (long long)run.id, when);
	else if (rc == 0)
		add_row(b, label, "%s in check run #%lld, %s", block ? "no open finding on it"
		        : "no finding on it rests on the block", (long long)run.id, when);
	b->ci->closes = block ? cl.n : 0;
	buf_free(&cl.list);
	inv_run_info_free(&run);
	return rc ? (err->kind ? (int)err->kind : OW_EINPUT) : 0;
}

/* The provider the certificate's site was synced from; the only one when
 * the site is not known. New string or NULL. */
static char *provider_of(struct inv *db, const char *site_code, struct ow_err *err)
{
	struct inv_provider *provs = NULL;
	struct inv_site site = { .site_code = (char *)site_code };
	int64_t want = INV_NULL;
	char *url = NULL;
	size_t n = 0;

	if (site_code && inv_get_site(db, &site, err) == 0) {
		want = site.provider_id;
		inv_free_site(&site);
	}
	if (inv_load_provider(db, false, &provs, &n, err) != 0)
		return NULL;
	if (want == INV_NULL && n == 1)
		want = provs[0].id;
	for (size_t i = 0; i < n && !url; i++)
		if (provs[i].id == want && provs[i].url)
			url = strdup(provs[i].url);
	inv_unload_provider(provs, n);
	return url;
}

/* Whether the site takes the write, by its $metadata as the last sync or
 * doctor kept it; nothing is read from the site here. */
static void method_row(struct build *b, struct inv *db, const struct inv_cert *c)
{
	const struct as_write *w = as_write_find(AS_BLOCK_CERTIFICATE);
	struct ow_err e = { 0 };
	char *base = provider_of(db, c->site_code, &e), *text = NULL, what[300] = "", when[16];
	json_t *caps = NULL;
	int64_t at = 0;
	int ok;

	if (base && inv_get_capabilities(db, base, &at, &text, &e) == 0)
		caps = json_loads(text, 0, NULL);
	ok = caps ? as_caps_allows(caps, w, what, sizeof what) : -1;
	day_of(at, when);
	if (ok > 0)
		add_row(b, "Site API", "offered: its $metadata (read %s) lists %s", when, w->method);
	else if (ok == 0)
		add_row(b, "Site API", "not offered: %s (read %s); the console or %s can do it", what,
		        when, w->cmdlet);
	else
		add_row(b, "Site API", "not known whether it offers %s: its $metadata was never read "
		        "(`osdwarden doctor` reads it)", w->method);
	json_decref(caps);
	free(text);
	free(base);
}

int cert_impact_build(struct inv *db, const char *smsid, bool block, int64_t now, bool ascii,
                      struct cert_impact *out, struct ow_err *err)
{
	struct inv_cert c = { .smsid = (char *)smsid };
	struct build b = { .ci = out, .san = ascii ? SAN_ASCII : 0 };
	const char *type;
	char *who = NULL, *id = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	out->ascii = ascii;
	rc = inv_get_cert(db, &c, err);
	if (rc == 0 && c.seen.gone_at != INV_NULL) {
		inv_free_cert(&c);
		rc = INV_NOTFOUND;
	}
	if (rc == INV_NOTFOUND) {
		char *s = san_str(smsid, 80, SAN_ASCII);
		rc = ow_err_set(err, OW_EINPUT, "no certificate %s in the inventory; run `osdwarden "
		                "sync`, then `osdwarden list certs` to find its SMSID", s ? s : "?");
		free(s);
		return rc;
	}
	if (rc)
		return rc;
	type = type_word(c.type);
	who = shown(&b, c.issued_to, 80);
	id = shown(&b, c.smsid, 80);
	{
		struct buf h = BUF_INIT;
		buf_addf(&h, "%s the ", block ? "Block" : "Unblock");
		if (type)
			buf_addf(&h, "%s ", type);
		else
			buf_addf(&h, "type %lld ", (long long)c.type);
		buf_addf(&h, "certificate of %s", who && *who ? who : "(no name)");
		out->headline = buf_detach(&h);
	}
	add_row(&b, "SMSID", "%s", id ? id : "");
	add_row(&b, "Issued to", "%s", who && *who ? who : "(no name)");
	if (c.key_type == 2)
		add_row(&b, "Key", "PKI: %s", block ? "revocation at the CA is needed too (a block "
		        "only stops this site trusting it)" : "if it was revoked at the CA, the CA "
		        "still refuses it");
	else if (c.key_type == 1)
		add_row(&b, "Key", "self-signed: no CA revocation needed");
	else
		add_row(&b, "Key", "not known: whether a CA must revoke it too cannot be said");
	if ((rc = dp_row(&b, db, &c, err)) != 0)
		goto out;
	validity_row(&b, &c, now);
	thumb_row(&b, &c);
	add_row(&b, "Blocked", "%s", c.is_blocked == 1 ? (block ? "yes, already: blocking again "
	        "changes nothing" : "yes") : c.is_blocked == 0 ? (block ? "no" : "no, already: "
	        "unblocking changes nothing") : "not known");
	if ((rc = findings_row(&b, db, &c, block, err)) != 0)
		goto out;
	method_row(&b, db, &c);
	add_row(&b, "Effect", "%s", block ? "clients presenting it no longer receive policy (PXE "
	        "or media made with it stop working); reversible with Unblock"
	        : "clients presenting it receive policy again");
	if (b.oom)
		rc = ow_err_set(err, OW_EINPUT, "out of memory describing the certificate");
out:
	free(who);
	free(id);
	inv_free_cert(&c);
	if (rc)
		cert_impact_free(out);
	return rc;
}

void cert_impact_free(struct cert_impact *ci)
{
	free(ci->headline);
	for (size_t i = 0; i < ci->n; i++)
		free(ci->rows[i].value);
	memset(ci, 0, sizeof *ci);
}

/* Appends v wrapped to `room` columns, each further line indented by
 * `indent` spaces; a word wider than the room is cut with an ellipsis. */
static void wrap_value(struct buf *out, const char *v, size_t room, size_t indent, bool ascii)
{
	size_t used = 0;
	char *copy = strdup(v), *save = NULL;

	if (!copy)
		return;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		size_t ww = width_of(w);
		if (used && used + 1 + ww > room) {
			buf_addf(out, "\n%*s", (int)indent, "");
			used = 0;
		} else if (used) {
			buf_addc(out, ' ');
			used++;
		}
		if (ww > room) {
			width_fit(out, w, room, false, ascii);
			ww = room;
		} else {
			buf_adds(out, w);
		}
		used += ww;
	}
	free(copy);
}

char *cert_impact_text(const struct cert_impact *ci, size_t width)
{
	struct buf t = BUF_INIT;
	size_t lw = 0;

	for (size_t i = 0; i < ci->n; i++)
		if (strlen(ci->rows[i].label) > lw)
			lw = strlen(ci->rows[i].label);
	if (width > 20)
		wrap_value(&t, ci->headline ? ci->headline : "", width, 0, ci->ascii);
	else
		buf_adds(&t, ci->headline ? ci->headline : "");
	buf_addc(&t, '\n');
	for (size_t i = 0; i < ci->n; i++) {
		buf_addf(&t, "%-*s  ", (int)lw, ci->rows[i].label);
		if (width > lw + 12)
			wrap_value(&t, ci->rows[i].value, width - lw - 2, lw + 2, ci->ascii);
		else
			buf_adds(&t, ci->rows[i].value);
		buf_addc(&t, '\n');
	}
	return buf_detach(&t);
}

char *cert_impact_describe(struct inv *db, const char *smsid, bool block, int64_t now,
                           bool ascii, size_t width, struct ow_err *err)
{
	struct cert_impact ci;
	char *text;

	if (cert_impact_build(db, smsid, block, now, ascii, &ci, err) != 0)
		return NULL;
	if (!(text = cert_impact_text(&ci, width)))
		ow_err_set(err, OW_EINPUT, "out of memory describing the certificate");
	cert_impact_free(&ci);
	return text;
}

char *cert_impact_line(const struct cert_impact *ci)
{
	struct buf t = BUF_INIT;

	buf_adds(&t, ci->headline ? ci->headline : "");
	for (size_t i = 0; i < ci->n; i++)
		buf_addf(&t, "%s%s: %s", i ? "; " : ". ", ci->rows[i].label, ci->rows[i].value);
	return buf_detach(&t);
}
