#include "lab/classes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum edm { E_STR, E_I32, E_I64, E_BOOL, E_DATE, E_STRS, E_EMB };

struct entry {
	const char *name;
	enum edm type;
	json_t *value;
	bool lazy;
};

/* A row under construction: properties in any order, sorted on output. */
struct lab_row {
	struct entry e[72];
	size_t n;
	bool full;
	const char *emb_type[8];   /* type names of embedded arrays, for $metadata */
};

struct lab_class {
	const char *name, *superclass;
	const char *keys[4];          /* alphabetical, as the etag lists them */
	size_t nkeys;
	size_t (*count)(const struct lab_site *);
	bool (*live)(const struct lab_site *, size_t);
	void (*build)(const struct lab_site *, size_t, struct lab_row *);
};

/* --- building blocks -------------------------------------------------- */

static void put(struct lab_row *r, const char *name, enum edm t, json_t *v)
{
	if (r->n < sizeof r->e / sizeof r->e[0])
		r->e[r->n++] = (struct entry){ name, t, v ? v : json_null(), false };
	else
		json_decref(v);
}

/* Lazy: listed in __LAZYPROPERTIES; empty in lists, filled on a GET of
 * one instance. Arrays come back as [] and scalars as null. */
static void put_lazy(struct lab_row *r, const char *name, enum edm t, json_t *v)
{
	if (!r->full) {
		json_decref(v);
		v = (t == E_STRS || t == E_EMB) ? json_array() : json_null();
	}
	put(r, name, t, v);
	r->e[r->n - 1].lazy = true;
}

static json_t *str(const char *s)
{
	/* The site's strings are ours and valid UTF-8; hostile ones
	 * (escapes, bidi) are valid UTF-8 too and go out as they are. */
	return s ? json_string(s) : json_null();
}

static json_t *u32(long long v)
{
	return json_integer(v);
}

static json_t *boolean(bool b)
{
	return json_boolean(b);
}

/* ISO 8601 UTC, fraction trimmed of trailing zeros, as the service sends. */
static json_t *date(int64_t ms)
{
	char buf[64], frac[16] = "";
	time_t t = (time_t)(ms / 1000);
	int f = (int)(ms % 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (f) {
		snprintf(frac, sizeof frac, ".%03d", f);
		for (size_t n = strlen(frac); frac[n - 1] == '0'; n--)
			frac[n - 1] = '\0';
	}
	snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	return json_string(buf);
}

/* Unset dates: each class has its habit (null, the Unix epoch, or the DOS
 * epoch shifted by the provider's zone). */
static json_t *date_or(int64_t ms, const char *placeholder)
{
	return ms ? date(ms) : (placeholder ? json_string(placeholder) : json_null());
}

/* "2026-08-01 04:00:01.340": how dates look inside Props values. */
static const char *props_date(int64_t ms, char buf[64])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, 64, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return buf;
}

static json_t *strs(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, str(v[i]));
	return a;
}

/* "a,b,c" -> ["a","b","c"] (empty string -> []). */
static json_t *split(const char *list, char sep)
{
	json_t *a = json_array();
	const char *p = list;

	while (p && *p) {
		const char *e = strchr(p, sep);
		size_t n = e ? (size_t)(e - p) : strlen(p);
		json_array_append_new(a, json_stringn(p, n));
		p = e ? e + 1 : NULL;
	}
	return a;
}

static json_t *prop(const char *name, long long value, const char *value1)
{
	json_t *o = json_object();
	json_object_set_new(o, "ItemType", json_null());
	json_object_set_new(o, "PropertyName", json_string(name));
	json_object_set_new(o, "Value", json_integer(value));
	json_object_set_new(o, "Value1", json_string(value1 ? value1 : ""));
	json_object_set_new(o, "Value2", json_string(""));
	return o;
}

static json_t *proplist(const char *name, json_t *values)
{
	json_t *o = json_object();
	json_object_set_new(o, "ItemType", json_null());
	json_object_set_new(o, "PropertyListName", json_string(name));
	json_object_set_new(o, "Values", values);
	return o;
}

static const struct lab_siteinfo *site_info(const struct lab_site *s, const char *code)
{
	for (size_t i = 0; i < s->nsites; i++)
		if (strcmp(s->sites[i].code, code) == 0)
			return &s->sites[i];
	return &s->sites[0];
}

/* The NAL path of a site system, in the product's peculiar notation. */
static json_t *nal_path(const char *server, const char *site)
{
	char buf[512];
	snprintf(buf, sizeof buf, "[\"Display=\\\\%s\\\"]MSWNET:[\"SMS_SITE=%s\"]\\\\%s\\",
	         server, site, server);
	return json_string(buf);
}

static json_t *item_name(const char *server, const char *site, const char *role)
{
	char buf[600];
	snprintf(buf, sizeof buf, "[\"Display=\\\\%s\\\"]MSWNET:[\"SMS_SITE=%s\"]\\\\%s\\,%s",
	         server, site, server, role);
	return json_string(buf);
}

/* --- the classes -------------------------------------------------------- */

static size_t count_one(const struct lab_site *s) { (void)s; return 1; }
static size_t count_sites(const struct lab_site *s) { return s->nsites; }
static size_t count_dps(const struct lab_site *s) { return s->ndps; }
static size_t count_certs(const struct lab_site *s) { return s->ncerts; }
static size_t count_assocs(const struct lab_site *s) { return s->nassocs; }
static size_t count_boots(const struct lab_site *s) { return s->nboots; }
static size_t count_tss(const struct lab_site *s) { return s->ntss; }
static size_t count_advs(const struct lab_site *s) { return s->nadvs; }
static size_t count_colls(const struct lab_site *s) { return s->ncolls; }
static size_t count_admins(const struct lab_site *s) { return s->nadmins; }
static size_t count_roles(const struct lab_site *s) { return s->nroles; }
static size_t count_accounts(const struct lab_site *s) { return s->naccounts; }
static size_t count_all_pkgs(const struct lab_site *s) { return s->npkgs + s->nboots + s->ntss; }

/* Site control rows: site server, provider, then every DP, then every SMP. */
static size_t count_sysres(const struct lab_site *s)
{
	return 2 * s->nsites + s->ndps + s->nsmps;
}

static size_t count_images(const struct lab_site *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->npkgs; i++)
		n += s->pkgs[i].type == 257;
	return n;
}

static const struct lab_pkg *nth_image(const struct lab_site *s, size_t k)
{
	for (size_t i = 0; i < s->npkgs; i++)
		if (s->pkgs[i].type == 257 && k-- == 0)
			return &s->pkgs[i];
	return NULL;
}

static size_t count_settings(const struct lab_site *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->ncolls; i++)
		n += s->colls[i].nvars > 0;
	return n;
}

static const struct lab_coll *nth_settings(const struct lab_site *s, size_t k)
{
	for (size_t i = 0; i < s->ncolls; i++)
		if (s->colls[i].nvars > 0 && k-- == 0)
			return &s->colls[i];
	return NULL;
}

static bool live_dp(const struct lab_site *s, size_t i) { return !s->dps[i].removed; }
static bool live_assoc(const struct lab_site *s, size_t i) { return !s->assocs[i].removed; }

static bool live_sysres(const struct lab_site *s, size_t i)
{
	if (i < 2 * s->nsites)
		return true;
	i -= 2 * s->nsites;
	if (i < s->ndps)
		return !s->dps[i].removed;
	return !s->smps[i - s->ndps].removed;
}

static void b_identification(const struct lab_site *s, size_t i, struct lab_row *r)
{
	(void)i;
	put(r, "ThisSiteCode", E_STR, str(s->sites[1].code));
	put(r, "ThisSiteName", E_STR, str(s->sites[1].name));
}

static void b_site(const struct lab_site *s, size_t i, struct lab_row *r)
{
	const struct lab_siteinfo *x = &s->sites[i];
	put(r, "BuildNumber", E_I64, u32(x->build));
	put(r, "InstallDir", E_STR, str("C:\\Program Files\\Microsoft Configuration Manager"));
	put(r, "ReportingSiteCode", E_STR, str(x->parent));
	put(r, "ServerName", E_STR, str(x->server));
	put(r, "SiteCode", E_STR, str(x->code));
	put(r, "SiteName", E_STR, str(x->name));
	put(r, "Status", E_I64, u32(1));
	put(r, "Type", E_I64, u32(x->type));
	put(r, "Version", E_STR, str(x->version));
}

static void sysres_common(struct lab_row *r, const char *server, const char *site,
                          const char *role, int type)
{
	char net[300];

	snprintf(net, sizeof net, "\\\\%s", server);
	put(r, "FileType", E_I64, u32(2));
	put(r, "ItemName", E_STR, item_name(server, site, role));
	put(r, "ItemType", E_STR, str("System Resource Usage"));
	put(r, "NALPath", E_STR, nal_path(server, site));
	put(r, "NALType", E_STR, str("Windows NT Server"));
	put(r, "NetworkOSPath", E_STR, str(net));
	put(r, "RoleCount", E_I64, u32(1));
	put(r, "RoleName", E_STR, str(role));
	put(r, "SiteCode", E_STR, str(site));
	put(r, "Type", E_I64, u32(type));
	put_lazy(r, "ServiceWindows", E_EMB, json_array());
}

static void b_sysres(const struct lab_site *s, size_t i, struct lab_row *r)
{
	json_t *props = json_array(), *lists = json_array();

	if (i < 2 * s->nsites) {
		const struct lab_siteinfo *x = &s->sites[i / 2];
		bool provider = i % 2;
		sysres_common(r, provider ? x->provider : x->server, x->code,
		              provider ? "SMS Provider" : "SMS Site Server", provider ? 8 : 4);
		put(r, "SslState", E_I64, u32(0));
		json_array_append_new(props, prop("Server Remote Name", 0, provider ? x->provider : x->server));
	} else if (i - 2 * s->nsites < s->ndps) {
		const struct lab_dp *d = &s->dps[i - 2 * s->nsites];
		sysres_common(r, d->server, d->site, "SMS Distribution Point", 8);
		put(r, "SslState", E_I64, u32(d->internet ? 63 : 0));
		json_array_append_new(props, prop("IsPXE", d->pxe, NULL));
		json_array_append_new(props, prop("IsActive", d->active, NULL));
		json_array_append_new(props, prop("SupportUnknownMachines", d->unknown, NULL));
		json_array_append_new(props, prop("BindPolicy", d->bind_policy, NULL));
		/* A password is a hash blob in Value1: the canary. */
		json_array_append_new(props, prop("PXEPassword", 0, d->password ? d->pxe_blob : ""));
		json_array_append_new(props, prop("IsMulticast", d->multicast, NULL));
		json_array_append_new(props, prop("UDASetting", d->uda, NULL));
		json_array_append_new(props, prop("ResponseDelay", d->response_delay, NULL));
		json_array_append_new(props, prop("IsInternetFacing", d->internet, NULL));
		json_array_append_new(props, prop("Server Remote Name", 0, d->server));
		char lm[64];
		json_array_append_new(props, prop("LastModified", 0,
		                                  props_date(s->now_ms - 86400000LL * 3 + 340, lm)));
		json_array_append_new(lists, proplist("BindExcept", split(d->bind_except, ',')));
	} else {
		const struct lab_smp *m = &s->smps[i - 2 * s->nsites - s->ndps];
		sysres_common(r, m->server, m->site, "SMS State Migration Point", 8);
		put(r, "SslState", E_I64, u32(0));
		json_array_append_new(props, prop("SMPQuiesceState", m->quiesce, NULL));
		json_array_append_new(props, prop("SMPStoreDeletionDelayTimeInMinutes", m->delay_min, NULL));
		json_array_append_new(props, prop("SMPStoreDeletionCycleTimeInMinutes", m->cycle_min, NULL));
		json_array_append_new(props, prop("Server Remote Name", 0, m->remote_name));
		json_array_append_new(lists, proplist("Directories", strs(m->dirs, (size_t)m->ndirs)));
	}
	put(r, "Props", E_EMB, props);
	put(r, "PropLists", E_EMB, lists);
	r->emb_type[0] = "SMS_EmbeddedProperty";
}

static void b_dpinfo(const struct lab_site *s, size_t i, struct lab_row *r)
{
	const struct lab_dp *d = &s->dps[i];
	const struct lab_siteinfo *x = site_info(s, d->site);
	char share[300];

	snprintf(share, sizeof share, "\\\\%s\\SMSPKGD$", d->server);
	put(r, "BindExcept", E_STR, str(d->bind_except));
	put(r, "BindPolicy", E_BOOL, boolean(d->bind_policy));
	put(r, "Description", E_STR, str(d->description));
	put(r, "DPFlags", E_I64, u32(d->pxe ? 1 : 0));
	put(r, "Drive", E_STR, str("D:"));
	put(r, "HealthCheckEnabled", E_BOOL, boolean(false));
	put(r, "ID", E_I64, u32((long long)i + 1));
	put(r, "IdentityGUID", E_STR, str(d->guid));
	put(r, "InternetFacing", E_BOOL, boolean(d->internet));
	put(r, "IsActive", E_BOOL, boolean(d->active));
	put(r, "IsMulticast", E_BOOL, boolean(d->multicast));
	put(r, "IsPeerDP", E_BOOL, boolean(false));
	put(r, "IsProtected", E_BOOL, boolean(false));
	put(r, "IsPullDP", E_BOOL, boolean(d->pull));
	put(r, "IsPXE", E_BOOL, boolean(d->pxe));
	put(r, "NALPath", E_STR, nal_path(d->server, d->site));
	put(r, "SccmPXE", E_BOOL, boolean(d->sccm_pxe));
	put(r, "Name", E_STR, str(d->server));
	put(r, "PreStagingAllowed", E_BOOL, boolean(false));
	put(r, "PXEPassword", E_STR, str(d->password ? d->pxe_blob : ""));
	put(r, "ResponseDelay", E_I64, u32(d->response_delay));
	put(r, "ServerName", E_STR, str(d->server));
	put(r, "ShareName", E_STR, str(share));
	put(r, "SiteCode", E_STR, str(d->site));
	put(r, "SiteName", E_STR, str(x->name));
	put(r, "SupportUnknownMachines", E_BOOL, boolean(d->unknown));
	put(r, "UdaSetting", E_I64, u32(d->uda));
}

static void b_statemig(const struct lab_site *s, size_t i, struct lab_row *r)
{
	const struct lab_assoc *a = &s->assocs[i];
	json_t *users = json_array(), *u = json_object();

	json_object_set_new(u, "LocaleID", json_integer(1033));
	json_object_set_new(u, "UserName", json_string(a->user));
	json_array_append_new(users, u);
	put(r, "MigrationBehavior", E_I64, u32(a->behavior));
	put(r, "MigrationID", E_STR, str(a->migration_id));
	put(r, "MigrationStatus", E_I64, u32(a->status));
	put(r, "MigrationType", E_I64, u32(a->type));
	put(r, "RestoreClientResourceID", E_I64, u32(a->restore_id));
	put(r, "RestoreLastLogonUserDomain", E_STR, str("HOLDOUT"));
	put(r, "RestoreLastLogonUserName", E_STR, str(""));
	put(r, "RestoreMACAddresses", E_STR, str(""));
	put(r, "RestoreName", E_STR, str(a->restore_name));
	put(r, "SiteCode", E_STR, str(a->site));
	put(r, "SourceClientResourceID", E_I64, u32(a->source_id));
	put(r, "SourceLastLogonUserDomain", E_STR, str("HOLDOUT"));
	put(r, "SourceLastLogonUserName", E_STR, str(""));
	put(r, "SourceMACAddresses", E_STR, str(""));
	put(r, "SourceName", E_STR, str(a->source_name));
	put(r, "StoreCreationDate", E_DATE, date_or(a->created, NULL));
	put(r, "StoreDeletionDate", E_DATE, date_or(a->deleted, NULL));
	put(r, "StorePath", E_STR, str(a->store_path));
	put(r, "StoreReleaseDate", E_DATE, date_or(a->released, NULL));
	put_lazy(r, "UserNames", E_EMB, users);
	r->emb_type[0] = "SMS_StateMigrationUserNames";
}

static void b_cert(const struct lab_site *s, size_t i, struct lab_row *r)
{
	const struct lab_cert *c = &s->certs[i];
	char blob[64];

	snprintf(blob, sizeof blob, "MIIC%.40s", c->thumbprint);
	put_lazy(r, "Certificate", E_STR, str(blob));
	put(r, "IsApproved", E_BOOL, boolean(c->approved));
	put(r, "IsBlocked", E_BOOL, boolean(c->blocked));
	put(r, "IssuedTo", E_STR, str(c->issued_to));
	put(r, "KeyType", E_I32, u32(c->key_type));
	put_lazy(r, "PublicKey", E_STR, str(""));
	put(r, "ServerName", E_STR, str(c->server));
	put(r, "SMSID", E_STR, str(c->smsid));
	put_lazy(r, "Thumbprint", E_STR, str(c->thumbprint));
	put(r, "Type", E_I64, u32(c->type));
	put(r, "ValidFrom", E_DATE, date(c->valid_from));
	put(r, "ValidUntil", E_DATE, date(c->valid_until));
}

static void pkg_common(struct lab_row *r, const char *id, const char *name, const char *site,
                       int type, unsigned flags, int64_t source, const char *version)
{
	put(r, "Description", E_STR, str(""));
	put(r, "Manufacturer", E_STR, str(""));
	put(r, "Name", E_STR, str(name));
	put(r, "PackageID", E_STR, str(id));
	put(r, "PackageType", E_I64, u32(type));
	put(r, "PkgFlags", E_I64, u32(flags));
	put(r, "SourceDate", E_DATE, date_or(source, "1970-01-01T00:00:00Z"));
	put(r, "SourceSite", E_STR, str(site));
	put(r, "Version", E_STR, str(version));
}

static void b_boot(const struct lab_site *s, size_t i, struct lab_row *r)
{
	const struct lab_boot *b = &s->boots[i];
	pkg_common(r, b->package_id, b->name, b->site, 258, b->flags, b->source_date, "1");
	put(r, "Architecture", E_STR, str(b->arch));
	put(r, "DefaultImage", E_BOOL, boolean(false));
	put_lazy(r, "EnableLabShell", E_BOOL, boolean(b->lab_shell));
	put(r, "ImageOSVersion", E_STR, str("10.0.26100.1"));
	put(r, "LastRefreshTime", E_DATE, date_or(b->refresh, "1980-01-01T00:00:00Z"));
}

static void b_image(const struct lab_site *s, size_t i, struct lab_row *r)
{
	const struct lab_pkg *p = nth_image(s, i);
	if (!p)
		return;
	pkg_common(r, p->package_id, p->name, p->site, p->type, p->flags, p->source_date, p->version);
	put(r, "ImageOSVersion", E_STR, str("10.0.22631.1"));
}

static void b_allpkg(const struct lab_site *s, size_t i, struct lab_row *r)
{
	if (i < s->npkgs) {
		const struct lab_pkg *p = &s->pkgs[i];
		pkg_common(r, p->package_id, p->name, p->site, p->type, p->flags, p->source_date,
		           p->version);
	} else if (i - s->npkgs < s->nboots) {
		const struct lab_boot *b = &s->boots[i - s->npkgs];
		pkg_common(r, b->package_id, b->name, b->site, 258, b->flags, b->source_date, "1");
	} else {
		const struct lab_ts *t = &s->tss[i - s->npkgs - s->nboots];
		pkg_common(r, t->package_id, t->name, t->site, 4, 0, 0, "");
	}
}

static void b_ts(const struct lab_site *s, size_t i, struct lab_row *r)
{
	const struct lab_ts *t = &s->tss[i];
	struct buf x = BUF_INIT;

	/* The Sequence XML holds steps; a run-as step carries the account and
	 * its password (the canary a client must never keep). */
	buf_addf(&x, "<sequence version=\"3.10\"><group name=\"Install\">"
	         "<step type=\"SMS_TaskSequence_ApplyOperatingSystemAction\" name=\"Apply OS\">"
	         "<defaultVarList><variable name=\"OSDImagePackageId\" property=\"ImagePackageID\">"
	         "%s</variable></defaultVarList></step>", i == 0 ? "HLD00010" : "HLD00011");
	/* Applications chosen at run time from variables (OSD-TS-003). */
	if (i == 1)
		buf_adds(&x, "<step type=\"SMS_TaskSequence_InstallApplicationAction\" "
		         "name=\"Install dynamic apps\"><defaultVarList><variable "
		         "name=\"BaseVariableName\" property=\"BaseVariableName\">APPS</variable>"
		         "</defaultVarList></step>");
	if (t->run_as_user)
		buf_addf(&x, "<step type=\"SMS_TaskSequence_RunCommandLineAction\" name=\"Install agent\">"
		         "<defaultVarList><variable name=\"SMSTSRunCommandLineAsUser\" "
		         "property=\"RunAsUser\">true</variable><variable "
		         "name=\"SMSTSRunCommandLineUserName\" property=\"UserName\">%s</variable>"
		         "<variable name=\"SMSTSRunCommandLineUserPassword\" property=\"UserPassword\">%s"
		         "</variable></defaultVarList><action>smsswd.exe /run: agent.cmd</action></step>",
		         t->run_as_user, t->run_as_password);
	buf_adds(&x, "</group></sequence>");
	pkg_common(r, t->package_id, t->name, t->site, 4, 0, 0, "");
	put_lazy(r, "BootImageID", E_STR, str(t->boot_image));
	put(r, "ProgramFlags", E_I64, u32(0));
	put_lazy(r, "Sequence", E_STR, str(buf_str(&x)));
	buf_free(&x);
}

static void b_adv(const struct lab_site *s, size_t i, struct lab_row *r)
{
	const struct lab_adv *a = &s->advs[i];
	put(r, "AdvertFlags", E_I64, u32(a->flags));
	put(r, "AdvertisementID", E_STR, str(a->id));
	put(r, "AdvertisementName", E_STR, str(a->name));
	put(r, "CollectionID", E_STR, str(a->collection_id));
	put(r, "OfferType", E_I64, u32(a->offer_type));
	put(r, "PackageID", E_STR, str(a->package_id));
	put(r, "PresentTime", E_DATE, date(s->now_ms - 86400000LL * 20));
	put(r, "ProgramName", E_STR, str("*"));
	put(r, "SourceSite", E_STR, str("HLD"));
}

static void b_coll(const struct lab_site *s, size_t i, struct lab_row *r)
{
	const struct lab_coll *c = &s->colls[i];
	put(r, "CollectionID", E_STR, str(c->id));
	put(r, "CollectionType", E_I64, u32(2));
	put(r, "CollectionVariablesCount", E_I64, u32(c->nvars));
	put(r, "IsBuiltIn", E_BOOL, boolean(strncmp(c->id, "SMS", 3) == 0));
	put(r, "LastMemberChangeTime", E_DATE, json_string("1980-01-01T06:00:00Z"));
	put(r, "LimitToCollectionID", E_STR, str(strcmp(c->id, "SMS00001") ? "SMS00001" : ""));
	put(r, "MemberCount", E_I64, u32(c->members));
	put(r, "Name", E_STR, str(c->name));
}

static void b_settings(const struct lab_site *s, size_t i, struct lab_row *r)
{
	const struct lab_coll *c = nth_settings(s, i);
	json_t *vars;

	if (!c)
		return;
	vars = json_array();
	for (int v = 0; v < c->nvars; v++) {
		json_t *o = json_object();
		json_object_set_new(o, "IsMasked", json_boolean(c->vars[v].masked));
		json_object_set_new(o, "Name", json_string(c->vars[v].name));
		/* A masked value never leaves the site. */
		json_object_set_new(o, "Value", json_string(c->vars[v].masked ? "" : c->vars[v].value));
		json_array_append_new(vars, o);
	}
	put(r, "CollectionID", E_STR, str(c->id));
	put(r, "CollectionVariablePrecedence", E_I64, u32(0));
	put_lazy(r, "CollectionVariables", E_EMB, vars);
	put(r, "LastModificationTime", E_DATE, date(s->now_ms - 86400000LL * 50 + 430));
	put(r, "LocaleID", E_I64, u32(1033));
	put(r, "SourceSite", E_STR, str("HLD"));
	r->emb_type[0] = "SMS_CollectionVariable";
}

static void b_admin(const struct lab_site *s, size_t i, struct lab_row *r)
{
	const struct lab_admin *a = &s->admins[i];
	json_t *roles = json_array();

	for (int k = 0; k < a->nroles; k++) {
		json_t *o = json_object();
		json_object_set_new(o, "CategoryID", json_string("SMS00UNA"));
		json_object_set_new(o, "CategoryTypeID", json_integer(29));
		json_object_set_new(o, "RoleID", json_string(a->role_ids[k]));
		json_array_append_new(roles, o);
	}
	put(r, "AccountType", E_I64, u32(a->account_type));
	put(r, "AdminID", E_I64, u32(a->id));
	put_lazy(r, "AdminSid", E_STR, str(a->sid));
	put(r, "CategoryNames", E_STRS, strs(&a->categories, 1));
	put(r, "CollectionNames", E_STRS, strs(a->collections, (size_t)a->ncollections));
	put(r, "CreatedBy", E_STR, str("HOLDOUT\\domainadmin"));
	put(r, "CreatedDate", E_DATE, date(s->now_ms - 86400000LL * 400));
	put(r, "DisplayName", E_STR, str(""));
	put(r, "DistinguishedName", E_STR, str(""));
	put(r, "IsGroup", E_BOOL, boolean(a->account_type == 1));
	put(r, "LastModifiedBy", E_STR, str("HOLDOUT\\domainadmin"));
	put(r, "LastModifiedDate", E_DATE, date(s->now_ms - 86400000LL * 90 + 73));
	put(r, "LogonName", E_STR, str(a->logon));
	put(r, "RoleNames", E_STRS, strs(a->roles, (size_t)a->nroles));
	put_lazy(r, "Roles", E_EMB, roles);
	put(r, "SourceSite", E_STR, str("CAS"));
	r->emb_type[0] = "SMS_APermission";
}

/* RBAC object types. The real numbers are not public (reference §6): the
 * lab numbers them its own way, so a client must resolve them by name. */
static const struct { unsigned id; const char *name; } secured_types[] = {
	{ 1, "SMS_Collection" }, { 2, "SMS_Package" }, { 6, "SMS_Site" },
	{ 20, "SMS_TaskSequencePackage" }, { 31, "SMS_StateMigration" },
	{ 33, "SMS_BootImagePackage" },
};
/* The lab's number of an object type, 0 when it has none. */
static unsigned secured_id(const char *name)
{
	for (size_t i = 0; i < sizeof secured_types / sizeof secured_types[0]; i++)
		if (strcmp(secured_types[i].name, name) == 0)
			return secured_types[i].id;
	return 0;
}

static void b_role(const struct lab_site *s, size_t i, struct lab_row *r)
{
	const struct lab_role *x = &s->roles[i];
	json_t *ops = json_array();
	const char *p = x->operations;

	/* One SMS_ARoleOperation per object type: its number (as the lab's
	 * SMS_RbacSecuredObject numbers it) and the granted bits. */
	while (p && *p) {
		const char *e = strchr(p, ';'), *colon = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		json_t *o = json_object();
		if (colon && colon < p + n) {
			char name[64];
			snprintf(name, sizeof name, "%.*s", (int)(colon - p), p);
			json_object_set_new(o, "GrantedOperations",
			                    json_integer((json_int_t)strtoul(colon + 1, NULL, 16)));
			json_object_set_new(o, "ObjectTypeID", json_integer((json_int_t)secured_id(name)));
		}
		json_array_append_new(ops, o);
		p = e ? e + 1 : NULL;
	}
	put(r, "CopiedFromID", E_STR, str(x->builtin ? "" : "SMS0002R"));
	put(r, "CreatedBy", E_STR, str(x->builtin ? "" : "HOLDOUT\\domainadmin"));
	put(r, "CreatedDate", E_DATE, date(s->now_ms - 86400000LL * 700 + 593));
	put(r, "IsBuiltIn", E_BOOL, boolean(x->builtin));
	put_lazy(r, "IsSecAdminRole", E_BOOL, boolean(strcmp(x->id, "SMS0001R") == 0));
	put(r, "LastModifiedBy", E_STR, str(x->builtin ? "" : "HOLDOUT\\domainadmin"));
	put(r, "LastModifiedDate", E_DATE, date(s->now_ms - 86400000LL * 700 + 593));
	put(r, "NumberOfAdmins", E_I64, u32(x->admins));
	put(r, "RoleDescription", E_STR, str(x->description));
	put(r, "RoleID", E_STR, str(x->id));
	put(r, "RoleName", E_STR, str(x->name));
	put(r, "SourceSite", E_STR, str("CAS"));
	put_lazy(r, "Operations", E_EMB, ops);
	r->emb_type[0] = "SMS_ARoleOperation";
}

static size_t count_secured(const struct lab_site *s)
{
	(void)s;
	return sizeof secured_types / sizeof secured_types[0];
}

static void b_secured(const struct lab_site *s, size_t i, struct lab_row *r)
{
	(void)s;
	put(r, "AvailableInstanceOperations", E_I64, u32(0x1ff));
	put(r, "AvailableTypeOperations", E_I64, u32(0xfff));
	put(r, "GrantedOperations", E_I64, u32(0xfff));
	put(r, "ObjectTypeID", E_I64, u32(secured_types[i].id));
	put(r, "ObjectTypeName", E_STR, str(secured_types[i].name));
	put_lazy(r, "Operations", E_EMB, json_array());
}

static void sci_common(struct lab_row *r, const char *item, const char *type, const char *site)
{
	put(r, "FileType", E_I64, u32(2));
	put(r, "Flag", E_I64, u32(0));
	put(r, "ItemName", E_STR, str(item));
	put(r, "ItemType", E_STR, str(type));
	put(r, "SiteCode", E_STR, str(site));
}

static void b_component(const struct lab_site *s, size_t i, struct lab_row *r)
{
	const struct lab_siteinfo *x = &s->sites[i];
	char item[200];
	json_t *props = json_array();

	snprintf(item, sizeof item, "SMS_SITE_COMPONENT_MANAGER|%s", x->server);
	sci_common(r, item, "Component", x->code);
	put(r, "ComponentName", E_STR, str("SMS_SITE_COMPONENT_MANAGER"));
	put(r, "Name", E_STR, str(x->server));
	json_array_append_new(props, prop("IISSSLState", x->iis_ssl, NULL));
	json_array_append_new(props, prop("Enhanced HTTP", (x->iis_ssl & 0x400) != 0, NULL));
	put(r, "Props", E_EMB, props);
	put(r, "PropLists", E_EMB, json_array());
	r->emb_type[0] = "SMS_EmbeddedProperty";
}

static void b_clientcomp(const struct lab_site *s, size_t i, struct lab_row *r)
{
	const struct lab_siteinfo *x = &s->sites[i];
	json_t *names = json_array();

	for (size_t a = 0; a < s->naccounts; a++)
		if (strcmp(s->accounts[a].site, x->code) == 0 &&
		    strcmp(s->accounts[a].usage, "Software Distribution") == 0)
			json_array_append_new(names, json_string(s->accounts[a].user));
	sci_common(r, "Software Distribution", "Client Component", x->code);
	put(r, "ClientComponentName", E_STR, str("Software Distribution"));
	put(r, "Flags", E_I64, u32(0));
	put(r, "Props", E_EMB, json_array());
	json_t *lists = json_array();
	json_array_append_new(lists, proplist("Network Access User Names", names));
	put(r, "PropLists", E_EMB, lists);
	r->emb_type[0] = "SMS_EmbeddedProperty";
}

static void b_reserved(const struct lab_site *s, size_t i, struct lab_row *r)
{
	const struct lab_account *a = &s->accounts[i];
	char item[200];

	snprintf(item, sizeof item, "%s|0", a->user);
	sci_common(r, item, "User", a->site);
	put(r, "AccountUsage", E_STRS, strs(&a->usage, 1));
	put(r, "Availability", E_I64, u32(0));
	put(r, "Reserved2", E_STR, str(a->reserved2));   /* the canary */
	put(r, "ServerName", E_STR, str(""));
	put(r, "UserName", E_STR, str(a->user));
	put(r, "PropLists", E_EMB, json_array());
	put(r, "Props", E_EMB, json_array());
	r->emb_type[0] = "SMS_EmbeddedProperty";
}

static size_t count_updates(const struct lab_site *s)
{
	return s->nupdates;
}

static void b_update(const struct lab_site *s, size_t i, struct lab_row *r)
{
	const struct lab_update *u = &s->updates[i];
	put(r, "ClientVersion", E_STR, str(u->full_version));
	put(r, "DateReleased", E_DATE, date(s->now_ms - 86400000LL * 40));
	put(r, "Description", E_STR, str(u->description));
	put_lazy(r, "EULA", E_STR, str("(license terms)"));
	put(r, "FullVersion", E_STR, str(u->full_version));
	put(r, "Name", E_STR, str(u->name));
	put(r, "PackageGuid", E_STR, str(u->guid));
	put(r, "State", E_I64, u32(u->state));
	put(r, "UpdateType", E_I64, u32(u->type));
}

#define SCI "SMS_SiteControlItem"
#define PKG "SMS_PackageBaseclass"
static const struct lab_class classes[] = {
	{ "SMS_Identification", NULL, { "ThisSiteCode" }, 1, count_one, NULL, b_identification },
	{ "SMS_Site", NULL, { "SiteCode" }, 1, count_sites, NULL, b_site },
	{ "SMS_SCI_SysResUse", SCI, { "FileType", "ItemName", "ItemType", "SiteCode" }, 4,
	  count_sysres, live_sysres, b_sysres },
	{ "SMS_DistributionPointInfo", NULL, { "NALPath" }, 1, count_dps, live_dp, b_dpinfo },
	{ "SMS_StateMigration", NULL, { "RestoreClientResourceID", "SourceClientResourceID" }, 2,
	  count_assocs, live_assoc, b_statemig },
	{ "SMS_Certificate", NULL, { "SMSID" }, 1, count_certs, NULL, b_cert },
	{ "SMS_BootImagePackage", PKG, { "PackageID" }, 1, count_boots, NULL, b_boot },
	{ "SMS_ImagePackage", PKG, { "PackageID" }, 1, count_images, NULL, b_image },
	{ "SMS_PackageBaseclass", NULL, { "PackageID" }, 1, count_all_pkgs, NULL, b_allpkg },
	{ "SMS_TaskSequencePackage", PKG, { "PackageID" }, 1, count_tss, NULL, b_ts },
	{ "SMS_Advertisement", NULL, { "AdvertisementID" }, 1, count_advs, NULL, b_adv },
	{ "SMS_Collection", NULL, { "CollectionID" }, 1, count_colls, NULL, b_coll },
	{ "SMS_CollectionSettings", NULL, { "CollectionID" }, 1, count_settings, NULL, b_settings },
	{ "SMS_Admin", NULL, { "AdminID" }, 1, count_admins, NULL, b_admin },
	{ "SMS_Role", NULL, { "RoleID" }, 1, count_roles, NULL, b_role },
	{ "SMS_RbacSecuredObject", NULL, { "ObjectTypeID" }, 1, count_secured, NULL, b_secured },
	{ "SMS_CM_UpdatePackages", NULL, { "PackageGuid" }, 1, count_updates, NULL, b_update },
	{ "SMS_SCI_Component", SCI, { "FileType", "ItemName", "ItemType", "SiteCode" }, 4,
	  count_sites, NULL, b_component },
	{ "SMS_SCI_ClientComp", SCI, { "FileType", "ItemName", "ItemType", "SiteCode" }, 4,
	  count_sites, NULL, b_clientcomp },
	{ "SMS_SCI_Reserved", SCI, { "FileType", "ItemName", "ItemType", "SiteCode" }, 4,
	  count_accounts, NULL, b_reserved },
};
#define N_CLASSES (sizeof classes / sizeof classes[0])

const struct lab_class *lab_class_find(const char *name)
{
	for (size_t i = 0; i < N_CLASSES; i++)
		if (strcasecmp(classes[i].name, name) == 0)
			return &classes[i];
	return NULL;
}

const char *lab_class_name(const struct lab_class *c) { return c->name; }
size_t lab_class_nkeys(const struct lab_class *c) { return c->nkeys; }
const char *lab_class_key(const struct lab_class *c, size_t i) { return c->keys[i]; }

size_t lab_class_count(const struct lab_site *s, const struct lab_class *c)
{
	return c->count(s);
}

bool lab_class_live(const struct lab_site *s, const struct lab_class *c, size_t i)
{
	return !c->live || c->live(s, i);
}

/* --- assembling a row ----------------------------------------------- */

static int cmp_entry(const void *a, const void *b)
{
	return strcasecmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static const struct entry *entry_named(const struct lab_row *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->e[i].name, name) == 0)
			return &r->e[i];
	return NULL;
}

static void key_text(const struct entry *e, struct buf *out)
{
	if (!e)
		return;
	if (json_is_integer(e->value))
		buf_addf(out, "%lld", (long long)json_integer_value(e->value));
	else if (json_is_string(e->value))
		buf_adds(out, json_string_value(e->value));
}

/* WMI object path quoting: backslash and double quote escaped. */
static void relpath(const struct lab_class *c, const struct lab_row *r, struct buf *out)
{
	buf_addf(out, "%s.", c->name);
	for (size_t k = 0; k < c->nkeys; k++) {
		const struct entry *e = entry_named(r, c->keys[k]);
		buf_addf(out, "%s%s=", k ? "," : "", c->keys[k]);
		if (e && json_is_string(e->value)) {
			buf_addc(out, '"');
			for (const char *p = json_string_value(e->value); *p; p++) {
				if (*p == '\\' || *p == '"')
					buf_addc(out, '\\');
				buf_addc(out, *p);
			}
			buf_addc(out, '"');
		} else {
			key_text(e, out);
		}
	}
}

static void free_row(struct lab_row *r)
{
	for (size_t i = 0; i < r->n; i++)
		json_decref(r->e[i].value);
	r->n = 0;
}

static json_t *assemble(const struct lab_site *s, const struct lab_class *c, struct lab_row *r)
{
	json_t *o = json_object(), *lazy = json_array(), *deriv = json_array();
	struct buf etag = BUF_INIT, rel = BUF_INIT, path = BUF_INIT;
	const char *server = "HLDPROV";

	for (size_t k = 0; k < c->nkeys; k++) {
		if (k)
			buf_addc(&etag, ';');
		key_text(entry_named(r, c->keys[k]), &etag);
	}
	relpath(c, r, &rel);
	qsort(r->e, r->n, sizeof r->e[0], cmp_entry);
	json_array_append_new(lazy, json_string("__QUALIFIER_SECURITYVERBS"));
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].lazy)
			json_array_append_new(lazy, json_string(r->e[i].name));
	json_object_set_new(o, "@odata.etag", json_string(buf_str(&etag)));
	json_object_set_new(o, "__LAZYPROPERTIES", lazy);
	json_object_set_new(o, "__QUALIFIER_SECURITYVERBS", json_null());
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].type != E_EMB)
			json_object_set(o, r->e[i].name, r->e[i].value);
	json_object_set_new(o, "__GENUS", json_integer(2));
	json_object_set_new(o, "__CLASS", json_string(c->name));
	json_object_set_new(o, "__SUPERCLASS", json_string(c->superclass ? c->superclass : "SMS_BaseClass"));
	json_object_set_new(o, "__DYNASTY", json_string("SMS_BaseClass"));
	json_object_set_new(o, "__RELPATH", json_string(buf_str(&rel)));
	json_object_set_new(o, "__PROPERTY_COUNT", json_integer((json_int_t)r->n));
	if (c->superclass)
		json_array_append_new(deriv, json_string(c->superclass));
	json_array_append_new(deriv, json_string("SMS_BaseClass"));
	json_object_set_new(o, "__DERIVATION", deriv);
	json_object_set_new(o, "__SERVER", json_string(server));
	json_object_set_new(o, "__NAMESPACE", json_string("root\\sms\\site_HLD"));
	buf_addf(&path, "\\\\%s\\root\\sms\\site_HLD:%s", server, buf_str(&rel));
	json_object_set_new(o, "__PATH", json_string(buf_str(&path)));
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].type == E_EMB)
			json_object_set(o, r->e[i].name, r->e[i].value);
	buf_free(&etag);
	buf_free(&rel);
	buf_free(&path);
	(void)s;
	return o;
}

json_t *lab_class_row(const struct lab_site *s, const struct lab_class *c, size_t i, bool full)
{
	struct lab_row r = { .full = full };
	json_t *o;

	c->build(s, i, &r);
	o = assemble(s, c, &r);
	free_row(&r);
	return o;
}

void lab_class_etag(const struct lab_site *s, const struct lab_class *c, size_t i,
                    struct buf *out)
{
	struct lab_row r = { .full = false };

	c->build(s, i, &r);
	for (size_t k = 0; k < c->nkeys; k++) {
		if (k)
			buf_addc(out, ';');
		key_text(entry_named(&r, c->keys[k]), out);
	}
	free_row(&r);
}

const char *lab_class_property(const struct lab_site *s, const struct lab_class *c,
                               const char *name, bool *lazy)
{
	struct lab_row r = { .full = false };
	const char *found = NULL;

	if (c->count(s) == 0)
		return NULL;
	c->build(s, 0, &r);
	for (size_t i = 0; i < r.n; i++) {
		if (strcasecmp(r.e[i].name, name) == 0) {
			found = r.e[i].name;   /* a string literal in the builder */
			*lazy = r.e[i].lazy;
		}
	}
	free_row(&r);
	return found;
}

static const char *edm_name(enum edm t)
{
	switch (t) {
	case E_STR: return "Edm.String";
	case E_I32: return "Edm.Int32";
	case E_I64: return "Edm.Int64";
	case E_BOOL: return "Edm.Boolean";
	case E_DATE: return "Edm.DateTimeOffset";
	case E_STRS: return "Collection(Edm.String)";
	case E_EMB: break;
	}
	return "Collection(AdminService.Embedded)";
}

/* The static methods the lab serves, with their parameters as $metadata
 * declares them (the SDK's names). */
static const struct lab_method {
	const char *cls, *name;
	const char *params[4][2];
} methods[] = {
	{ "SMS_CertificateInfo", "BlockCertificate",
	  { { "SMSID", "Edm.String" }, { "Blocked", "Edm.Boolean" } } },
	{ "SMS_StateMigration", "DeleteAssociation",
	  { { "SourceClientResourceID", "Edm.Int64" }, { "RestoreClientResourceID", "Edm.Int64" } } },
};

void lab_class_metadata(const struct lab_site *s, struct buf *out, const char *route,
                        const char *without)
{
	buf_adds(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	         "<edmx:Edmx Version=\"4.0\" xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\">"
	         "<edmx:DataServices><Schema Namespace=\"AdminService\" "
	         "xmlns=\"http://docs.oasis-open.org/odata/ns/edm\">");
	if (strcmp(route, "v1.0") == 0) {
		buf_adds(out, "<EntityContainer Name=\"Container\"/></Schema></edmx:DataServices></edmx:Edmx>");
		return;
	}
	/* The first object of each class is enough to read the schema off;
	 * every generated site has at least one of each. */
	for (size_t i = 0; i < N_CLASSES; i++) {
		const struct lab_class *c = &classes[i];
		struct lab_row r = { .full = true };

		if (c->count(s) == 0 || lab_site_hidden(without, c->name))
			continue;
		c->build(s, 0, &r);
		qsort(r.e, r.n, sizeof r.e[0], cmp_entry);
		buf_addf(out, "<EntityType Name=\"%s\"><Key>", c->name);
		for (size_t k = 0; k < c->nkeys; k++)
			buf_addf(out, "<PropertyRef Name=\"%s\"/>", c->keys[k]);
		buf_adds(out, "</Key>");
		for (size_t k = 0; k < r.n; k++) {
			if (r.e[k].type == E_EMB)
				buf_addf(out, "<Property Name=\"%s\" Type=\"Collection(AdminService.%s)\"/>",
				         r.e[k].name, r.emb_type[0] ? r.emb_type[0] : "SMS_EmbeddedObject");
			else
				buf_addf(out, "<Property Name=\"%s\" Type=\"%s\"%s/>", r.e[k].name,
				         edm_name(r.e[k].type),
				         c->nkeys && strcmp(r.e[k].name, c->keys[0]) == 0 ? " Nullable=\"false\"" : "");
		}
		buf_adds(out, "<Property Name=\"__LAZYPROPERTIES\" Type=\"Collection(Edm.String)\"/>"
		         "</EntityType>");
		free_row(&r);
	}
	/* The methods osdwarden calls, as static actions. */
	for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
		char full[128];
		snprintf(full, sizeof full, "%s.%s", methods[m].cls, methods[m].name);
		if (lab_site_hidden(without, full) || lab_site_hidden(without, methods[m].cls))
			continue;
		buf_addf(out, "<Action Name=\"%s\" IsBound=\"false\">", full);
		for (size_t k = 0; k < 4 && methods[m].params[k][0]; k++)
			buf_addf(out, "<Parameter Name=\"%s\" Type=\"%s\"/>", methods[m].params[k][0],
			         methods[m].params[k][1]);
		buf_adds(out, "<ReturnType Type=\"Edm.Int32\"/></Action>");
	}
	buf_adds(out, "<EntityContainer Name=\"Container\">");
	for (size_t i = 0; i < N_CLASSES; i++)
		if (!lab_site_hidden(without, classes[i].name))
			buf_addf(out, "<EntitySet Name=\"%s\" EntityType=\"AdminService.%s\"/>",
			         classes[i].name, classes[i].name);
	for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
		char full[128];
		snprintf(full, sizeof full, "%s.%s", methods[m].cls, methods[m].name);
		if (lab_site_hidden(without, full) || lab_site_hidden(without, methods[m].cls))
			continue;
		buf_addf(out, "<ActionImport Name=\"%s\" Action=\"AdminService.%s\"/>", full, full);
	}
	buf_adds(out, "</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>");
}
