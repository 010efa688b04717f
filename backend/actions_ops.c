/* The writes osdwarden makes, each a struct op for the one sequence in
 * actions.c: a certificate blocked, an association deleted, an SMP's
 * restore-only mode, deletion policy and removal, a DP's PXE responder, a
 * boot image's F8 prompt. */
#include "backend/actions_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/mac.h"
#include "util/secret.h"

/* Comma lists equal as sets of MAC addresses (order and case ignored). */
static bool same_macs(const char *a, const char *b)
{
	char *x = strdup(a ? a : ""), *save = NULL;
	size_t na = 0, nb = 0;
	bool same = x != NULL;

	for (const char *p = b ? b : ""; *p; p++)
		nb += *p == ',';
	nb += b && *b;
	for (char *t = x ? strtok_r(x, ",", &save) : NULL; t && same; t = strtok_r(NULL, ",", &save)) {
		size_t n = strlen(t);
		const char *p = b ? b : "";
		bool found = false;
		na++;
		while (*p && !found) {
			size_t m = strcspn(p, ",");
			found = m == n && strncasecmp(p, t, n) == 0;
			p += m + (p[m] == ',');
		}
		same = found;
	}
	free(x);
	return same && na == nb;
}

/* --- certificates --------------------------------------------------------- */

static int cert_read(struct op *o, json_t **row, struct ow_err *err)
{
	struct buf f = BUF_INIT;
	int rc;

	as_filter_eq(&f, "SMS_Certificate", "SMSID", o->smsid);
	rc = op_get_filtered(o, "SMS_Certificate", buf_str(&f), row, err);
	buf_free(&f);
	return rc;
}

/* A boolean property of the object: done when the site has it as
 * wanted; as seen when it is what the inventory showed. */
static enum judgement judge_flag(struct op *o, json_t *row, const char *what, const char *prop,
                                 bool want, int64_t inventory)
{
	int64_t v = op_int(as_get(row, prop));

	if (!row) {
		snprintf(o->observed, sizeof o->observed, "the %s is no longer on the site", what);
		return J_CHANGED;
	}
	snprintf(o->observed, sizeof o->observed, "%s=%s", prop,
	         v == INV_NULL ? "unknown" : v ? "true" : "false");
	if (v != INV_NULL && (v != 0) == want)
		return J_DONE;
	return op_seen_as(inventory, v) ? J_AS_SEEN : J_CHANGED;
}

static enum judgement cert_judge(struct op *o, json_t *row)
{
	return judge_flag(o, row, "certificate", "IsBlocked", o->flag, o->cert.is_blocked);
}

static int cert_request(struct op *o, json_t *row, const char **verb, char **url, char **body)
{
	const char *v[] = { o->smsid, o->flag ? "true" : "false" };

	(void)row;
	*verb = as_write_find(AS_BLOCK_CERTIFICATE)->verb;
	*url = as_write_url(o->site->base, AS_BLOCK_CERTIFICATE, NULL, 0);
	*body = as_method_body(o->caps, AS_BLOCK_CERTIFICATE, v);
	return *url && *body ? 0 : -1;
}

static int cert_record(struct op *o, int64_t now, struct ow_err *err)
{
	o->cert.is_blocked = o->flag;
	return inv_put_cert(o->db, &o->cert, now, err);
}

int act_cert_block(struct inv *db, struct act_site *site, const char *smsid, bool block,
                   bool dry_run, struct act_result *res, struct ow_err *err)
{
	struct op o = { .db = db, .site = site, .action = block ? "cert.block" : "cert.unblock",
	                .smsid = smsid, .flag = block, .read = cert_read, .judge = cert_judge,
	                .request = cert_request, .record = cert_record };
	int rc;

	o.cert.smsid = (char *)smsid;
	rc = inv_get_cert(db, &o.cert, err);
	if (rc == INV_NOTFOUND || (rc == 0 && o.cert.seen.gone_at != INV_NULL)) {
		if (rc == 0)
			inv_free_cert(&o.cert);
		return ow_err_set(err, OW_EINPUT, "no certificate %s in the inventory; run `osdwarden "
		                  "sync`, then `osdwarden list certs` to find its SMSID", smsid);
	}
	if (rc)
		return rc;
	op_target(&o, "certificate %s (%s)", smsid, o.cert.issued_to ? o.cert.issued_to : "?");
	snprintf(o.change, sizeof o.change, "Blocked=%s", block ? "true" : "false");
	rc = op_run(&o, dry_run, res, err);
	inv_free_cert(&o.cert);
	return rc;
}

/* --- computer associations ---------------------------------------------- */

static int assoc_read(struct op *o, json_t **row, struct ow_err *err)
{
	struct buf f = BUF_INIT;
	char a[32], b[32];
	int rc;

	snprintf(a, sizeof a, "%lld", (long long)o->a);
	snprintf(b, sizeof b, "%lld", (long long)o->b);
	as_filter_eq(&f, "SMS_StateMigration", "SourceClientResourceID", a);
	as_filter_eq(&f, "SMS_StateMigration", "RestoreClientResourceID", b);
	rc = op_get_filtered(o, "SMS_StateMigration", buf_str(&f), row, err);
	buf_free(&f);
	return rc;
}

/* A removal: done once the object is gone from the site. */
static enum judgement judge_gone(struct op *o, json_t *row, const char *what)
{
	snprintf(o->observed, sizeof o->observed, "the %s is %son the site", what, row ? "" : "not ");
	return row ? J_AS_SEEN : J_DONE;
}

static enum judgement assoc_judge(struct op *o, json_t *row)
{
	return judge_gone(o, row, "association");
}

static int assoc_request(struct op *o, json_t *row, const char **verb, char **url, char **body)
{
	char a[32], b[32];
	const char *v[] = { a, b };

	(void)row;
	snprintf(a, sizeof a, "%lld", (long long)o->a);
	snprintf(b, sizeof b, "%lld", (long long)o->b);
	*verb = as_write_find(AS_DELETE_ASSOCIATION)->verb;
	*url = as_write_url(o->site->base, AS_DELETE_ASSOCIATION, NULL, 0);
	*body = as_method_body(o->caps, AS_DELETE_ASSOCIATION, v);
	return *url && *body ? 0 : -1;
}

static int assoc_record(struct op *o, int64_t now, struct ow_err *err)
{
	return inv_mark_one_gone(o->db, "associations", o->assoc.id, now, err) < 0 ? OW_EINPUT : 0;
}

int act_assoc_delete(struct inv *db, struct act_site *site, int64_t source_id,
                     int64_t restore_id, bool dry_run, struct act_result *res,
                     struct ow_err *err)
{
	struct op o = { .db = db, .site = site, .action = "assoc.delete", .a = source_id,
	                .b = restore_id, .read = assoc_read, .judge = assoc_judge,
	                .request = assoc_request, .record = assoc_record };
	int rc;

	o.assoc.source_id = source_id;
	o.assoc.restore_id = restore_id;
	rc = inv_get_assoc(db, &o.assoc, err);
	if (rc == INV_NOTFOUND)
		return ow_err_set(err, OW_EINPUT, "no computer association %lld -> %lld in the "
		                  "inventory; run `osdwarden sync`, then `osdwarden list assocs`",
		                  (long long)source_id, (long long)restore_id);
	if (rc)
		return rc;
	op_target(&o, "association %lld:%lld (%s -> %s)", (long long)source_id,
	           (long long)restore_id, o.assoc.source_name ? o.assoc.source_name : "?",
	           o.assoc.restore_name ? o.assoc.restore_name : "?");
	snprintf(o.change, sizeof o.change, "delete the association");
	rc = op_run(&o, dry_run, res, err);
	inv_free_assoc(&o.assoc);
	return rc;
}

/* --- site roles (SMP, DP): SMS_SCI_SysResUse rows --------------------------- */

static int role_read(struct op *o, json_t **row, struct ow_err *err)
{
	struct buf f = BUF_INIT;
	const char *site = o->role[4] == 'S' ? o->smp.site_code : o->dp.site_code;
	const char *nal = o->role[4] == 'S' ? o->smp.nal_path : o->dp.nal_path;
	int rc;

	as_filter_eq(&f, "SMS_SCI_SysResUse", "SiteCode", site);
	as_filter_eq(&f, "SMS_SCI_SysResUse", "NALPath", nal);
	as_filter_eq(&f, "SMS_SCI_SysResUse", "RoleName", o->role);
	rc = op_get_filtered(o, "SMS_SCI_SysResUse", buf_str(&f), row, err);
	buf_free(&f);
	return rc;
}

/* The row's own key values, from the row the site sent. */
static char *role_url(struct op *o, json_t *row, enum as_write_kind k)
{
	char filetype[32];
	const char *v[4];
	int64_t ft = op_int(as_get(row, "FileType"));

	snprintf(filetype, sizeof filetype, "%lld", (long long)(ft == INV_NULL ? 0 : ft));
	v[0] = filetype;
	v[1] = json_string_value(as_get(row, "ItemName"));
	v[2] = json_string_value(as_get(row, "ItemType"));
	v[3] = json_string_value(as_get(row, "SiteCode"));
	if (!v[1] || !v[2] || !v[3])
		return NULL;
	return as_write_url(o->site->base, k, v, o->form);
}

/* The row as the service expects it back: no OData annotations. */
/* The PUT body: the row without its @odata annotations. New string; the
 * caller wipes and frees it. Sized first and written once (json_dumpb),
 * because json_dumps grows its buffer by realloc and leaves each partial
 * copy of the row in freed memory. */
static char *role_body(json_t *row)
{
	json_t *copy = json_deep_copy(row);
	const char *k;
	void *tmp;
	json_t *v;
	char *s = NULL;
	size_t n;

	json_object_foreach_safe(copy, tmp, k, v)
		if (strncmp(k, "@odata.", 7) == 0)
			json_object_del(copy, k);
	n = copy ? json_dumpb(copy, NULL, 0, JSON_COMPACT) : 0;
	if (n && (s = malloc(n + 1)) != NULL) {
		if (json_dumpb(copy, s, n, JSON_COMPACT) == n) {
			s[n] = '\0';
		} else {
			secret_wipe(s, n);
			free(s);
			s = NULL;
		}
	}
	op_wipe(copy);
	json_decref(copy);
	return s;
}

static enum judgement smp_missing(struct op *o, json_t *row)
{
	(void)row;
	snprintf(o->observed, sizeof o->observed, "the state migration point role is no longer "
	         "on the site");
	return J_CHANGED;
}

static enum judgement restore_only_judge(struct op *o, json_t *row)
{
	int64_t q = as_sci_value(row, "SMPQuiesceState");

	if (!row)
		return smp_missing(o, row);
	snprintf(o->observed, sizeof o->observed, "SMPQuiesceState=%lld", (long long)q);
	if (q != INV_NULL && (q == 1) == o->flag)
		return J_DONE;
	return op_seen_as(o->smp.restore_only, q == INV_NULL ? INV_NULL : q == 1) ? J_AS_SEEN : J_CHANGED;
}

static int restore_only_request(struct op *o, json_t *row, const char **verb, char **url,
                                char **body)
{
	as_sci_set_value(row, "SMPQuiesceState", o->flag ? 1 : 0);
	*verb = as_write_find(AS_UPDATE_SITE_ROLE)->verb;
	*url = role_url(o, row, AS_UPDATE_SITE_ROLE);
	*body = role_body(row);
	return *url && *body ? 0 : -1;
}

static int restore_only_record(struct op *o, int64_t now, struct ow_err *err)
{
	o->smp.restore_only = o->flag;
	return inv_put_smp(o->db, &o->smp, now, err);
}

static enum judgement policy_judge(struct op *o, json_t *row)
{
	int64_t d = as_sci_value(row, "SMPStoreDeletionDelayTimeInMinutes");
	int64_t c = as_sci_value(row, "SMPStoreDeletionCycleTimeInMinutes");
	int64_t want_d = (int64_t)o->days * 1440, want_c = o->days ? 1440 : 0;

	if (!row)
		return smp_missing(o, row);
	snprintf(o->observed, sizeof o->observed, "deletion delay %lld min, cycle %lld min",
	         (long long)d, (long long)c);
	if (d == want_d && c == want_c)
		return J_DONE;
	return op_seen_as(o->smp.deletion_delay_min, d) && op_seen_as(o->smp.deletion_cycle_min, c)
	               ? J_AS_SEEN : J_CHANGED;
}

static int policy_request(struct op *o, json_t *row, const char **verb, char **url, char **body)
{
	as_sci_set_value(row, "SMPStoreDeletionDelayTimeInMinutes", (int64_t)o->days * 1440);
	as_sci_set_value(row, "SMPStoreDeletionCycleTimeInMinutes", o->days ? 1440 : 0);
	*verb = as_write_find(AS_UPDATE_SITE_ROLE)->verb;
	*url = role_url(o, row, AS_UPDATE_SITE_ROLE);
	*body = role_body(row);
	return *url && *body ? 0 : -1;
}

static int policy_record(struct op *o, int64_t now, struct ow_err *err)
{
	o->smp.deletion_delay_min = (int64_t)o->days * 1440;
	o->smp.deletion_cycle_min = o->days ? 1440 : 0;
	return inv_put_smp(o->db, &o->smp, now, err);
}

static enum judgement remove_judge(struct op *o, json_t *row)
{
	return judge_gone(o, row, "role");
}

static int remove_request(struct op *o, json_t *row, const char **verb, char **url, char **body)
{
	*verb = as_write_find(AS_REMOVE_SITE_ROLE)->verb;
	*url = role_url(o, row, AS_REMOVE_SITE_ROLE);
	*body = NULL;
	return *url ? 0 : -1;
}

static int remove_record(struct op *o, int64_t now, struct ow_err *err)
{
	return inv_mark_one_gone(o->db, "smps", o->smp.id, now, err) < 0 ? OW_EINPUT : 0;
}

/* The current SMP of the inventory whose server is `server`. */
static int find_smp(struct inv *db, const char *server, struct inv_smp *out, struct ow_err *err)
{
	struct inv_smp *all = NULL;
	size_t n = 0;
	/* Gone ones too (a removed role): the re-read then says what is so. */
	int rc = inv_load_smp(db, true, &all, &n, err);
	bool found = false;

	for (int pass = 0; pass < 2; pass++)
	for (size_t i = 0; rc == 0 && i < n && !found; i++) {
		/* a current row first, then a gone one */
		if (strcasecmp(all[i].server_name, server) != 0 ||
		    (pass == 0) != (all[i].seen.gone_at == INV_NULL))
			continue;
		/* get replaces the key strings with its own copies */
		out->site_code = all[i].site_code;
		out->nal_path = all[i].nal_path;
		found = (rc = inv_get_smp(db, out, err)) == 0;
	}
	inv_unload_smp(all, n);
	if (rc == 0 && !found)
		rc = ow_err_set(err, OW_EINPUT, "no state migration point on server '%s' in the "
		                "inventory; run `osdwarden sync`, then `osdwarden list smps`", server);
	return rc;
}

static int smp_action(struct op *o, const char *server, bool dry_run, struct act_result *res,
                      struct ow_err *err)
{
	int rc = find_smp(o->db, server, &o->smp, err);

	if (rc)
		return rc;
	o->role = "SMS State Migration Point";
	o->read = role_read;
	op_target(o, "state migration point %s", o->smp.server_name);
	rc = op_run(o, dry_run, res, err);
	inv_free_smp(&o->smp);
	return rc;
}

int act_smp_restore_only(struct inv *db, struct act_site *site, const char *server, bool on,
                         bool dry_run, struct act_result *res, struct ow_err *err)
{
	struct op o = { .db = db, .site = site, .action = on ? "smp.restore-only.on"
	                                                     : "smp.restore-only.off",
	                .flag = on, .judge = restore_only_judge, .request = restore_only_request,
	                .record = restore_only_record };
	snprintf(o.change, sizeof o.change, "SMPQuiesceState=%d", on ? 1 : 0);
	return smp_action(&o, server, dry_run, res, err);
}

int act_smp_deletion_policy(struct inv *db, struct act_site *site, const char *server,
                            int days, bool dry_run, struct act_result *res,
                            struct ow_err *err)
{
	struct op o = { .db = db, .site = site, .action = "smp.deletion-policy", .days = days,
	                .judge = policy_judge, .request = policy_request, .record = policy_record };
	if (days < 0 || days > 3650)
		return ow_err_set(err, OW_EINPUT, "the deletion delay is 0 to 3650 days, not %d", days);
	snprintf(o.change, sizeof o.change, "SMPStoreDeletionDelayTimeInMinutes=%d "
	         "SMPStoreDeletionCycleTimeInMinutes=%d", days * 1440, days ? 1440 : 0);
	return smp_action(&o, server, dry_run, res, err);
}

int act_smp_remove(struct inv *db, struct act_site *site, const char *server, bool dry_run,
                   struct act_result *res, struct ow_err *err)
{
	struct op o = { .db = db, .site = site, .action = "smp.remove-role", .judge = remove_judge,
	                .request = remove_request, .record = remove_record };
	snprintf(o.change, sizeof o.change, "remove the role");
	return smp_action(&o, server, dry_run, res, err);
}

/* --- DP PXE responder ------------------------------------------------------ */

static enum judgement pxe_judge(struct op *o, json_t *row)
{
	int64_t active = as_sci_value(row, "IsActive"), bind = as_sci_value(row, "BindPolicy");
	char *macs;
	bool done, seen;

	if (!row) {
		snprintf(o->observed, sizeof o->observed, "the distribution point role is no longer "
		         "on the site");
		return J_CHANGED;
	}
	macs = as_sci_joined(row, "BindExcept", ",");
	if (!macs)
		macs = strdup("");
	snprintf(o->observed, sizeof o->observed, "IsActive=%lld BindPolicy=%lld BindExcept=[%.120s]",
	         (long long)active, (long long)bind, macs ? macs : "");
	done = (o->pxe->active < 0 || active == o->pxe->active) &&
	       (o->pxe->bind_policy < 0 || bind == o->pxe->bind_policy) &&
	       (!o->pxe->macs || same_macs(macs, o->pxe->macs));
	seen = op_seen_as(o->dp.is_active, active) && op_seen_as(o->dp.bind_policy, bind) &&
	       (!o->dp.bind_except || same_macs(macs, o->dp.bind_except));
	free(macs);
	return done ? J_DONE : seen ? J_AS_SEEN : J_CHANGED;
}

static int pxe_request(struct op *o, json_t *row, const char **verb, char **url, char **body)
{
	if (o->pxe->active >= 0)
		as_sci_set_value(row, "IsActive", o->pxe->active);
	if (o->pxe->bind_policy >= 0)
		as_sci_set_value(row, "BindPolicy", o->pxe->bind_policy);
	if (o->pxe->macs)
		as_sci_set_list(row, "BindExcept", o->pxe->macs);
	*verb = as_write_find(AS_UPDATE_SITE_ROLE)->verb;
	*url = role_url(o, row, AS_UPDATE_SITE_ROLE);
	*body = role_body(row);
	return *url && *body ? 0 : -1;
}

static int pxe_record(struct op *o, int64_t now, struct ow_err *err)
{
	char *old = o->dp.bind_except;
	int rc;

	if (o->pxe->active >= 0)
		o->dp.is_active = o->pxe->active;
	if (o->pxe->bind_policy >= 0)
		o->dp.bind_policy = o->pxe->bind_policy;
	if (o->pxe->macs)
		o->dp.bind_except = (char *)o->pxe->macs;
	rc = inv_put_dp(o->db, &o->dp, now, err);
	o->dp.bind_except = old;
	return rc;
}

int act_dp_pxe(struct inv *db, struct act_site *site, const char *server,
               const struct act_pxe *want, bool dry_run, struct act_result *res,
               struct ow_err *err)
{
	struct op o = { .db = db, .site = site, .action = "dp.pxe", .pxe = want,
	                .role = "SMS Distribution Point", .read = role_read, .judge = pxe_judge,
	                .request = pxe_request, .record = pxe_record };
	struct act_pxe norm = *want;
	struct inv_dp *all = NULL;
	char *macs = NULL;
	size_t n = 0;
	int rc;
	bool found = false;

	/* Every caller (CLI, console, workflows) comes through here: the MAC
	 * list is checked and written in the site's form before anything is
	 * read or sent. */
	if (want->macs && mac_list_normalise(want->macs, &macs, err) != 0)
		return err->kind;
	norm.macs = macs;
	o.pxe = &norm;
	rc = inv_load_dp(db, false, &all, &n, err);
	for (size_t i = 0; rc == 0 && i < n && !found; i++) {
		if (strcasecmp(all[i].server_name, server) != 0)
			continue;
		o.dp.site_code = all[i].site_code;
		o.dp.nal_path = all[i].nal_path;
		found = inv_get_dp(db, &o.dp, err) == 0;
	}
	inv_unload_dp(all, n);
	if (rc || !found) {
		if (found)
			inv_free_dp(&o.dp);
		free(macs);
		if (rc)
			return rc;
		return ow_err_set(err, OW_EINPUT, "no distribution point on server '%s' in the "
		                  "inventory; run `osdwarden sync`, then `osdwarden list dps`", server);
	}
	/* BindPolicy 1 with an empty list is OSD-PXE-003's misconfiguration
	 * (PXE answering on no interface): never written, whether the empty
	 * list is asked for or already there. */
	{
		bool listed = norm.bind_policy >= 0 ? norm.bind_policy == 1 : o.dp.bind_policy == 1;
		const char *after = norm.macs ? norm.macs : o.dp.bind_except;
		if (listed && (!after || !*after)) {
			ow_err_set(err, OW_EINPUT, "distribution point %s would answer PXE on no "
			           "interface (BindPolicy 1 with no MAC address); give its PXE interfaces "
			           "with --macs, or use --active off to stop PXE", o.dp.server_name);
			inv_free_dp(&o.dp);
			free(macs);
			return OW_EINPUT;
		}
	}
	op_target(&o, "distribution point %s", o.dp.server_name);
	snprintf(o.change, sizeof o.change, "%s%s%s%s%s%.100s%s", norm.active < 0 ? "" : "IsActive=",
	         norm.active < 0 ? "" : norm.active ? "1 " : "0 ",
	         norm.bind_policy < 0 ? "" : "BindPolicy=",
	         norm.bind_policy < 0 ? "" : norm.bind_policy ? "1 " : "0 ",
	         norm.macs ? "BindExcept=[" : "", norm.macs ? norm.macs : "", norm.macs ? "]" : "");
	rc = op_run(&o, dry_run, res, err);
	inv_free_dp(&o.dp);
	free(macs);
	return rc;
}

/* --- boot images ----------------------------------------------------------- */

static int boot_read(struct op *o, json_t **row, struct ow_err *err)
{
	const char *v[1] = { o->boot.package_id };
	char *url = as_instance_url(o->site->base, as_class_find("SMS_BootImagePackage"), v);
	int rc = url ? op_get_row(o, url, true, row, err)
	             : (int)ow_err_set(err, OW_EINPUT, "out of memory");

	free(url);
	return rc;
}

static enum judgement boot_judge(struct op *o, json_t *row)
{
	return judge_flag(o, row, "boot image", "EnableLabShell", false, o->boot.enable_lab_shell);
}

static int boot_request(struct op *o, json_t *row, const char **verb, char **url, char **body)
{
	const char *v[1] = { o->boot.package_id };

	json_object_set_new(row, "EnableLabShell", json_false());
	*verb = as_write_find(AS_UPDATE_BOOT_IMAGE)->verb;
	*url = as_write_url(o->site->base, AS_UPDATE_BOOT_IMAGE, v, o->form);
	*body = role_body(row);
	return *url && *body ? 0 : -1;
}

static int boot_record(struct op *o, int64_t now, struct ow_err *err)
{
	o->boot.enable_lab_shell = 0;
	return inv_put_boot_image(o->db, &o->boot, now, err);
}

int act_boot_f8_off(struct inv *db, struct act_site *site, const char *package_id,
                    bool dry_run, struct act_result *res, struct ow_err *err)
{
	struct op o = { .db = db, .site = site, .action = "boot.f8-off", .read = boot_read,
	                .judge = boot_judge, .request = boot_request, .record = boot_record };
	int rc;

	o.boot.package_id = (char *)package_id;
	rc = inv_get_boot_image(db, &o.boot, err);
	if (rc == INV_NOTFOUND)
		return ow_err_set(err, OW_EINPUT, "no boot image %s in the inventory; run `osdwarden "
		                  "sync`, then `osdwarden list media`", package_id);
	if (rc)
		return rc;
	op_target(&o, "boot image %s (%s)", package_id, o.boot.name ? o.boot.name : "?");
	snprintf(o.change, sizeof o.change, "EnableLabShell=false");
	rc = op_run(&o, dry_run, res, err);
	inv_free_boot_image(&o.boot);
	return rc;
}
