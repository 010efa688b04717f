#include "backend/sync.h"

#include <jansson.h>
#include <yajl/yajl_parse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "backend/adminservice.h"
#include "db/audit.h"
#include "db/stage.h"
#include "db/records.h"
#include "util/buf.h"
#include "util/secret.h"
#include "util/timeparse.h"

/* --- the mapping: property -> record field ------------------------------ */

enum conv { C_STR, C_INT, C_BOOL, C_DATE, C_LIST };

/* No single value the inventory keeps is legitimately larger; a bigger
 * one is an error, not something to store (the 64 KiB hostile names of
 * the lab pass). The whole page has its own 64 MiB cap in backend/http. */
#define FIELD_MAX (1u << 20)

struct fmap {
	const char *prop;
	size_t off;
	enum conv conv;
};

#define F(S, field, prop, conv) { prop, offsetof(struct S, field), conv }

/* DP extras from its site-control row, joined to SMS_DistributionPointInfo
 * by NAL path. */
struct dpx {
	char *nal;
	int64_t password_set;
	char *bind_except;
};

struct sync {
	struct inv *db;
	const struct sync_opts *o;
	struct http_client *http;
	char *base;
	int64_t now;
	int64_t provider_id;
	struct dpx *dpx;
	size_t ndpx, capdpx;
	char *scratch[16];        /* strings made for the current row */
	size_t nscratch;
	struct ow_err err;
	size_t rows;
};

static const char *keep(struct sync *s, char *str)
{
	if (!str)
		return NULL;
	if (s->nscratch == sizeof s->scratch / sizeof s->scratch[0]) {
		free(str);
		return NULL;
	}
	s->scratch[s->nscratch++] = str;
	return str;
}

static void drop_scratch(struct sync *s)
{
	for (size_t i = 0; i < s->nscratch; i++)
		free(s->scratch[i]);
	s->nscratch = 0;
}

static int64_t to_int(json_t *v)
{
	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_real(v))
		return (int64_t)json_real_value(v);
	if (json_is_string(v)) {
		const char *p = json_string_value(v);
		char *end;
		long long x;
		if (strcasecmp(p, "true") == 0)
			return 1;
		if (strcasecmp(p, "false") == 0)
			return 0;
		x = strtoll(p, &end, 10);
		if (end != p && *end == '\0')
			return x;
	}
	return INV_NULL;
}

static int64_t to_bool(json_t *v)
{
	int64_t x = to_int(v);
	return x == INV_NULL ? INV_NULL : x != 0;
}

static int64_t to_date(json_t *v)
{
	struct owtime t;

	if (json_is_string(v) && owtime_parse(json_string_value(v), &t) == OWTIME_OK)
		return t.ms / 1000;
	return INV_NULL;
}

/* ["a","b"] -> "a, b" (new string), or NULL. */
static char *join_list(json_t *v, const char *sep)
{
	struct buf b = BUF_INIT;
	json_t *e;
	size_t i;

	if (!json_is_array(v))
		return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
	json_array_foreach(v, i, e) {
		if (!json_is_string(e))
			continue;
		if (b.len)
			buf_adds(&b, sep);
		buf_adds(&b, json_string_value(e));
	}
	return buf_detach(&b);
}

static int too_big(struct sync *s, const char *prop, size_t len)
{
	return ow_err_set(&s->err, OW_ESITE, "the value of %s is %zu bytes, over the %u KiB cap "
	                  "for one field; the site sent something unexpected", prop, len,
	                  FIELD_MAX >> 10);
}

static int apply(struct sync *s, json_t *row, const struct fmap *m, size_t n, void *rec)
{
	for (size_t i = 0; i < n; i++) {
		json_t *v = as_get(row, m[i].prop);
		char *base = rec;
		if (json_is_string(v) && json_string_length(v) > FIELD_MAX)
			return too_big(s, m[i].prop, json_string_length(v));
		switch (m[i].conv) {
		case C_STR:
			*(const char **)(base + m[i].off) = json_string_value(v);
			break;
		case C_INT:
			*(int64_t *)(base + m[i].off) = to_int(v);
			break;
		case C_BOOL:
			*(int64_t *)(base + m[i].off) = to_bool(v);
			break;
		case C_DATE:
			*(int64_t *)(base + m[i].off) = to_date(v);
			break;
		case C_LIST:
			*(const char **)(base + m[i].off) = keep(s, join_list(v, ", "));
			break;
		}
	}
	return 0;
}

/* Names that hold secrets, wherever they appear; scrubbed from raw_json
 * even though the $select lists never ask for them. */
static const char *const secret_props[] = {
	"PXEPassword", "Reserved2", "UserPassword", "Sequence", "CollectionVariables", "Password",
};

static bool secret_name(const char *k)
{
	for (size_t i = 0; i < sizeof secret_props / sizeof secret_props[0]; i++)
		if (strcasecmp(k, secret_props[i]) == 0)
			return true;
	return false;
}

/* A copy of v without secrets: secret keys dropped; an embedded property
 * named like a secret keeps its name, loses its values. */
static json_t *scrub(json_t *v)
{
	const char *k;
	json_t *e, *out;
	size_t i;

	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, e)
			json_array_append_new(out, scrub(e));
		return out;
	}
	if (!json_is_object(v))
		return json_incref(v);
	out = json_object();
	const char *pname = json_string_value(as_get(v, "PropertyName"));
	bool secret_prop = pname && secret_name(pname);
	json_object_foreach(v, k, e) {
		if (secret_name(k))
			continue;
		if (secret_prop && (strcasecmp(k, "Value1") == 0 || strcasecmp(k, "Value2") == 0)) {
			json_object_set_new(out, k, json_string(""));
			continue;
		}
		if (k[0] == '_' && k[1] == '_')
			continue;   /* WMI system properties: noise */
		json_object_set_new(out, k, scrub(e));
	}
	return out;
}

static const char *raw(struct sync *s, json_t *row)
{
	json_t *clean = scrub(row);
	char *text = json_dumps(clean, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(clean);
	return keep(s, text);
}

static int put_failed(struct sync *s, const char *cls)
{
	ow_err_prefix(&s->err, "storing %s", cls);
	return -1;
}

/* --- embedded site-control properties ---------------------------------- */

static json_t *embedded(json_t *row, const char *list, const char *key, const char *name)
{
	json_t *arr = as_get(row, list), *e;
	size_t i;

	json_array_foreach(arr, i, e) {
		const char *n = json_string_value(as_get(e, key));
		if (n && strcasecmp(n, name) == 0)
			return e;
	}
	return NULL;
}

static int64_t prop_value(json_t *row, const char *name)
{
	json_t *e = embedded(row, "Props", "PropertyName", name);
	return e ? to_int(as_get(e, "Value")) : INV_NULL;
}

static const char *prop_value1(json_t *row, const char *name)
{
	json_t *e = embedded(row, "Props", "PropertyName", name);
	return e ? json_string_value(as_get(e, "Value1")) : NULL;
}

static json_t *proplist(json_t *row, const char *name)
{
	json_t *e = embedded(row, "PropLists", "PropertyListName", name);
	return e ? as_get(e, "Values") : NULL;
}

/* "\\SERVER" -> "SERVER" */
static const char *server_of(json_t *row)
{
	const char *p = json_string_value(as_get(row, "NetworkOSPath"));
	if (!p)
		return NULL;
	while (*p == '\\')
		p++;
	return p;
}

static char *lower_dup(const char *s)
{
	char *d = strdup(s ? s : "");
	for (char *p = d; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return d;
}

static struct dpx *dpx_find(struct sync *s, const char *nal)
{
	char *key = lower_dup(nal);
	struct dpx *hit = NULL;

	for (size_t i = 0; key && i < s->ndpx && !hit; i++)
		if (strcmp(s->dpx[i].nal, key) == 0)
			hit = &s->dpx[i];
	free(key);
	return hit;
}

/* "Directory=D:\USMT;MaxClients=100;MinDiskSpace=5;MinDiskSpaceUnit=2;" */
static int64_t dir_field(const char *v, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = v; p && *p; p = strchr(p, ';') ? strchr(p, ';') + 1 : NULL) {
		if (strncasecmp(p, name, n) == 0 && p[n] == '=') {
			char *end;
			long long x = strtoll(p + n + 1, &end, 10);
			return end != p + n + 1 ? x : INV_NULL;
		}
	}
	return INV_NULL;
}

static char *dir_path(const char *v)
{
	const char *p = strncasecmp(v, "Directory=", 10) == 0 ? v + 10 : v;
	return strndup(p, strcspn(p, ";"));
}

static int map_smp(struct sync *s, json_t *row)
{
	const char *site = json_string_value(as_get(row, "SiteCode"));
	struct inv_smp m = {
		.site_code = (char *)site,
		.nal_path = (char *)json_string_value(as_get(row, "NALPath")),
		.server_name = (char *)server_of(row),
		.remote_name = (char *)prop_value1(row, "Server Remote Name"),
		.ssl_state = to_int(as_get(row, "SslState")),
		.raw_json = (char *)raw(s, row),
	};
	int64_t q = prop_value(row, "SMPQuiesceState");
	json_t *dirs = proplist(row, "Directories"), *d;
	size_t i;

	m.restore_only = q == INV_NULL ? INV_NULL : q == 1;
	m.deletion_delay_min = prop_value(row, "SMPStoreDeletionDelayTimeInMinutes");
	m.deletion_cycle_min = prop_value(row, "SMPStoreDeletionCycleTimeInMinutes");
	if (!m.site_code || !m.nal_path || !m.server_name)
		return 0;   /* not a row we can key: skip rather than invent */
	if (inv_put_smp(s->db, &m, s->now, &s->err) != 0 ||
	    inv_clear_smp_folders(s->db, m.id, &s->err) != 0)
		return put_failed(s, "a state migration point");
	json_array_foreach(dirs, i, d) {
		const char *v = json_string_value(d);
		char *path = v ? dir_path(v) : NULL;
		struct inv_smp_folder f = {
			.smp_id = m.id, .directory = path,
			.max_clients = v ? dir_field(v, "MaxClients") : INV_NULL,
			.min_disk_space = v ? dir_field(v, "MinDiskSpace") : INV_NULL,
			.min_disk_unit = v ? dir_field(v, "MinDiskSpaceUnit") : INV_NULL,
		};
		int rc = path ? inv_put_smp_folder(s->db, &f, s->now, &s->err) : 0;
		free(path);
		if (rc)
			return put_failed(s, "an SMP folder");
	}
	return 0;
}

static int remember_dp(struct sync *s, json_t *row)
{
	const char *blob = prop_value1(row, "PXEPassword");
	const char *nal = json_string_value(as_get(row, "NALPath"));
	struct dpx *x;

	if (!nal)
		return 0;
	if (s->ndpx == s->capdpx) {
		size_t cap = s->capdpx ? s->capdpx * 2 : 64;
		struct dpx *n = realloc(s->dpx, cap * sizeof *n);
		if (!n)
			return ow_err_set(&s->err, OW_EINPUT, "out of memory"), -1;
		s->dpx = n;
		s->capdpx = cap;
	}
	x = &s->dpx[s->ndpx++];
	x->nal = lower_dup(nal);
	/* The password's hash blob is looked at here, in memory, and only
	 * "is there one" survives. */
	x->password_set = embedded(row, "Props", "PropertyName", "PXEPassword")
	                          ? (blob && *blob) : INV_NULL;
	x->bind_except = join_list(proplist(row, "BindExcept"), ",");
	return 0;
}

static int map_sysres(struct sync *s, json_t *row)
{
	const char *role = json_string_value(as_get(row, "RoleName"));
	const char *site = json_string_value(as_get(row, "SiteCode"));

	if (!role || !site)
		return 0;
	if (strcmp(role, "SMS Distribution Point") == 0)
		return remember_dp(s, row);
	if (strcmp(role, "SMS State Migration Point") == 0)
		return map_smp(s, row);
	if (strcmp(role, "SMS Provider") == 0 || strcmp(role, "SMS Site Server") == 0) {
		struct inv_site_setting st = { .site_code = (char *)site, .item = (char *)role,
		                               .name = (char *)server_of(row), .value = (char *)"" };
		if (st.name && inv_put_site_setting(s->db, &st, s->now, &s->err) != 0)
			return put_failed(s, "a site role");
	}
	return 0;
}

static const struct fmap dp_map[] = {
	F(inv_dp, site_code, "SiteCode", C_STR), F(inv_dp, nal_path, "NALPath", C_STR),
	F(inv_dp, server_name, "ServerName", C_STR), F(inv_dp, is_pxe, "IsPXE", C_BOOL),
	F(inv_dp, is_active, "IsActive", C_BOOL),
	F(inv_dp, support_unknown, "SupportUnknownMachines", C_BOOL),
	F(inv_dp, bind_policy, "BindPolicy", C_INT), F(inv_dp, bind_except, "BindExcept", C_STR),
	F(inv_dp, response_delay, "ResponseDelay", C_INT), F(inv_dp, uda_setting, "UdaSetting", C_INT),
	F(inv_dp, is_multicast, "IsMulticast", C_BOOL),
	F(inv_dp, internet_facing, "InternetFacing", C_BOOL),
	F(inv_dp, is_pull_dp, "IsPullDP", C_BOOL), F(inv_dp, identity_guid, "IdentityGUID", C_STR),
};

static int map_dp(struct sync *s, json_t *row)
{
	struct inv_dp d = { 0 };
	struct dpx *x;

	if (apply(s, row, dp_map, sizeof dp_map / sizeof dp_map[0], &d) != 0)
		return -1;
	if (!d.site_code || !d.nal_path || !d.server_name)
		return 0;
	x = dpx_find(s, d.nal_path);
	d.pxe_password_set = x ? x->password_set : INV_NULL;
	if (x && x->bind_except && (!d.bind_except || !*d.bind_except))
		d.bind_except = x->bind_except;
	d.raw_json = (char *)raw(s, row);
	if (inv_put_dp(s->db, &d, s->now, &s->err) != 0)
		return put_failed(s, "a distribution point");
	return 0;
}

static const struct fmap site_map[] = {
	F(inv_site, site_code, "SiteCode", C_STR), F(inv_site, site_name, "SiteName", C_STR),
	F(inv_site, server_name, "ServerName", C_STR), F(inv_site, version, "Version", C_STR),
	F(inv_site, build_number, "BuildNumber", C_INT), F(inv_site, type, "Type", C_INT),
	F(inv_site, parent_site_code, "ReportingSiteCode", C_STR),
};

static int map_site(struct sync *s, json_t *row)
{
	struct inv_site x = { 0 };

	if (apply(s, row, site_map, sizeof site_map / sizeof site_map[0], &x) != 0)
		return -1;
	if (!x.site_code)
		return 0;
	x.provider_id = s->provider_id;
	x.raw_json = (char *)raw(s, row);
	return inv_put_site(s->db, &x, s->now, &s->err) ? put_failed(s, "a site") : 0;
}

static const struct fmap cert_map[] = {
	F(inv_cert, smsid, "SMSID", C_STR), F(inv_cert, site_code, "SiteCode", C_STR),
	F(inv_cert, type, "Type", C_INT), F(inv_cert, key_type, "KeyType", C_INT),
	F(inv_cert, is_blocked, "IsBlocked", C_BOOL), F(inv_cert, is_approved, "IsApproved", C_BOOL),
	F(inv_cert, issued_to, "IssuedTo", C_STR), F(inv_cert, server_name, "ServerName", C_STR),
	F(inv_cert, valid_from, "ValidFrom", C_DATE), F(inv_cert, valid_until, "ValidUntil", C_DATE),
	F(inv_cert, thumbprint, "Thumbprint", C_STR),
};

static int put_cert(struct sync *s, void *rec)
{
	struct inv_cert *c = rec;

	if (!c->smsid)
		return 0;
	return inv_put_cert(s->db, c, s->now, &s->err) ? put_failed(s, "a certificate") : 0;
}

static int map_cert(struct sync *s, json_t *row)
{
	struct inv_cert c = { 0 };

	if (apply(s, row, cert_map, sizeof cert_map / sizeof cert_map[0], &c) != 0)
		return -1;
	if (!c.smsid)
		return 0;
	c.raw_json = (char *)raw(s, row);
	return inv_put_cert(s->db, &c, s->now, &s->err) ? put_failed(s, "a certificate") : 0;
}

static const struct fmap assoc_map[] = {
	F(inv_assoc, source_id, "SourceClientResourceID", C_INT),
	F(inv_assoc, restore_id, "RestoreClientResourceID", C_INT),
	F(inv_assoc, migration_id, "MigrationID", C_STR), F(inv_assoc, site_code, "SiteCode", C_STR),
	F(inv_assoc, source_name, "SourceName", C_STR), F(inv_assoc, restore_name, "RestoreName", C_STR),
	F(inv_assoc, store_path, "StorePath", C_STR), F(inv_assoc, migration_type, "MigrationType", C_INT),
	F(inv_assoc, migration_behavior, "MigrationBehavior", C_INT),
	F(inv_assoc, migration_status, "MigrationStatus", C_INT),
	F(inv_assoc, store_created, "StoreCreationDate", C_DATE),
	F(inv_assoc, store_released, "StoreReleaseDate", C_DATE),
	F(inv_assoc, store_deleted, "StoreDeletionDate", C_DATE),
};

static int put_assoc(struct sync *s, void *rec)
{
	struct inv_assoc *a = rec;

	if (a->source_id == INV_NULL || a->restore_id == INV_NULL)
		return 0;
	return inv_put_assoc(s->db, a, s->now, &s->err) ? put_failed(s, "an association") : 0;
}

static int map_assoc(struct sync *s, json_t *row)
{
	struct inv_assoc a = { 0 };

	if (apply(s, row, assoc_map, sizeof assoc_map / sizeof assoc_map[0], &a) != 0)
		return -1;
	if (a.source_id == INV_NULL || a.restore_id == INV_NULL)
		return 0;
	a.raw_json = (char *)raw(s, row);
	return inv_put_assoc(s->db, &a, s->now, &s->err) ? put_failed(s, "an association") : 0;
}

static const struct fmap boot_map[] = {
	F(inv_boot_image, package_id, "PackageID", C_STR), F(inv_boot_image, site_code, "SourceSite", C_STR),
	F(inv_boot_image, name, "Name", C_STR), F(inv_boot_image, architecture, "Architecture", C_INT),
	F(inv_boot_image, pkg_flags, "PkgFlags", C_INT),
	F(inv_boot_image, enable_lab_shell, "EnableLabShell", C_BOOL),
	F(inv_boot_image, source_date, "SourceDate", C_DATE),
	F(inv_boot_image, last_refresh, "LastRefreshTime", C_DATE),
};

static int map_boot(struct sync *s, json_t *row)
{
	struct inv_boot_image b = { 0 };

	if (apply(s, row, boot_map, sizeof boot_map / sizeof boot_map[0], &b) != 0)
		return -1;
	if (!b.package_id)
		return 0;
	b.raw_json = (char *)raw(s, row);
	return inv_put_boot_image(s->db, &b, s->now, &s->err) ? put_failed(s, "a boot image") : 0;
}

static const struct fmap pkg_map[] = {
	F(inv_package, package_id, "PackageID", C_STR), F(inv_package, site_code, "SourceSite", C_STR),
	F(inv_package, name, "Name", C_STR), F(inv_package, package_type, "PackageType", C_INT),
	F(inv_package, pkg_flags, "PkgFlags", C_INT), F(inv_package, version, "Version", C_STR),
	F(inv_package, source_date, "SourceDate", C_DATE),
};

static int map_pkg(struct sync *s, json_t *row)
{
	struct inv_package p = { 0 };

	if (apply(s, row, pkg_map, sizeof pkg_map / sizeof pkg_map[0], &p) != 0)
		return -1;
	if (!p.package_id)
		return 0;
	p.raw_json = (char *)raw(s, row);
	return inv_put_package(s->db, &p, s->now, &s->err) ? put_failed(s, "a package") : 0;
}

/* The value of XML attribute `name` inside the tag starting at tag (not
 * past end), new string or NULL. */
static char *xml_attr(const char *tag, const char *end, const char *name)
{
	char pat[64];
	const char *p, *q;

	snprintf(pat, sizeof pat, "%s=\"", name);
	p = strstr(tag, pat);
	if (!p || p >= end)
		return NULL;
	p += strlen(pat);
	q = strchr(p, '"');
	return q && q <= end ? strndup(p, (size_t)(q - p)) : NULL;
}

/* The text of <variable ... property="prop">TEXT</variable> within a step. */
static char *step_var(const char *step, const char *end, const char *prop)
{
	char pat[96];
	const char *p, *gt, *lt;

	snprintf(pat, sizeof pat, "property=\"%s\"", prop);
	p = strstr(step, pat);
	if (!p || p >= end || !(gt = strchr(p, '>')) || gt >= end || !(lt = strchr(gt, '<')) || lt > end)
		return NULL;
	return strndup(gt + 1, (size_t)(lt - gt - 1));
}

/* Reads the steps of a task sequence's XML: run-as accounts (never the
 * password next to them), dynamic application installs, applied images. */
static int map_sequence(struct sync *s, int64_t ts_id, const char *xml, struct inv_ts *t)
{
	struct buf images = BUF_INIT;
	const char *p = xml;

	t->dynamic_install = 0;
	if (inv_clear_ts_run_as(s->db, ts_id, &s->err) != 0)
		return put_failed(s, "a task sequence");
	while ((p = strstr(p, "<step ")) != NULL) {
		const char *end = strstr(p, "</step>"), *close = strchr(p, '>');
		char *type, *name;
		if (!close)
			break;
		if (!end || (close[-1] == '/' && close < end))
			end = close;
		type = xml_attr(p, close, "type");
		name = xml_attr(p, close, "name");
		if (type && strcmp(type, "SMS_TaskSequence_RunCommandLineAction") == 0) {
			char *as = step_var(p, end, "RunAsUser"), *user = step_var(p, end, "UserName");
			if (as && strcasecmp(as, "true") == 0 && user && *user) {
				struct inv_ts_run_as r = { .ts_id = ts_id, .step_name = name ? name : (char *)"?",
				                           .user_name = user };
				if (inv_put_ts_run_as(s->db, &r, s->now, &s->err) != 0) {
					free(as); free(user); free(type); free(name);
					buf_free(&images);
					return put_failed(s, "a run-as step");
				}
			}
			free(as);
			free(user);
		} else if (type && strcmp(type, "SMS_TaskSequence_InstallApplicationAction") == 0) {
			char *base = step_var(p, end, "BaseVariableName");
			if (base && *base)
				t->dynamic_install = 1;
			free(base);
		} else if (type && strcmp(type, "SMS_TaskSequence_ApplyOperatingSystemAction") == 0) {
			char *img = step_var(p, end, "ImagePackageID");
			if (img && *img)
				buf_addf(&images, "%s%s", images.len ? "," : "", img);
			free(img);
		}
		free(type);
		free(name);
		p = end;
	}
	t->image_ids = (char *)keep(s, buf_detach(&images));
	return 0;
}

static const struct fmap ts_map[] = {
	F(inv_ts, package_id, "PackageID", C_STR), F(inv_ts, site_code, "SourceSite", C_STR),
	F(inv_ts, name, "Name", C_STR), F(inv_ts, boot_image_id, "BootImageID", C_STR),
};

static int map_ts(struct sync *s, json_t *row)
{
	struct inv_ts t = { 0 };
	const char *xml = json_string_value(as_get(row, "Sequence"));

	if (apply(s, row, ts_map, sizeof ts_map / sizeof ts_map[0], &t) != 0)
		return -1;
	if (!t.package_id)
		return 0;
	t.dynamic_install = INV_NULL;
	t.raw_json = (char *)raw(s, row);
	if (inv_put_ts(s->db, &t, s->now, &s->err) != 0)
		return put_failed(s, "a task sequence");
	if (xml && *xml) {
		if (map_sequence(s, t.id, xml, &t) != 0)
			return -1;
		if (inv_put_ts(s->db, &t, s->now, &s->err) != 0)
			return put_failed(s, "a task sequence");
	}
	return 0;
}

static const struct fmap adv_map[] = {
	F(inv_deployment, advertisement_id, "AdvertisementID", C_STR),
	F(inv_deployment, site_code, "SourceSite", C_STR),
	F(inv_deployment, package_id, "PackageID", C_STR),
	F(inv_deployment, collection_id, "CollectionID", C_STR),
	F(inv_deployment, offer_type, "OfferType", C_INT),
	F(inv_deployment, advert_flags, "AdvertFlags", C_INT),
};

static int map_adv(struct sync *s, json_t *row)
{
	struct inv_deployment d = { 0 };

	if (apply(s, row, adv_map, sizeof adv_map / sizeof adv_map[0], &d) != 0)
		return -1;
	if (!d.advertisement_id)
		return 0;
	d.raw_json = (char *)raw(s, row);
	return inv_put_deployment(s->db, &d, s->now, &s->err) ? put_failed(s, "a deployment") : 0;
}

static const struct fmap coll_map[] = {
	F(inv_collection, collection_id, "CollectionID", C_STR),
	F(inv_collection, name, "Name", C_STR),
	F(inv_collection, member_count, "MemberCount", C_INT),
};

static int map_coll(struct sync *s, json_t *row)
{
	struct inv_collection c = { 0 };

	if (apply(s, row, coll_map, sizeof coll_map / sizeof coll_map[0], &c) != 0)
		return -1;
	if (!c.collection_id)
		return 0;
	c.raw_json = (char *)raw(s, row);
	return inv_put_collection(s->db, &c, s->now, &s->err) ? put_failed(s, "a collection") : 0;
}

/* Variables: names and masking kept; an unmasked value is judged here in
 * memory and forgotten; a masked one is never even looked at. */
static int map_settings(struct sync *s, json_t *row)
{
	const char *coll = json_string_value(as_get(row, "CollectionID"));
	json_t *vars = as_get(row, "CollectionVariables"), *v;
	size_t i;

	if (!coll)
		return 0;
	json_array_foreach(vars, i, v) {
		const char *name = json_string_value(as_get(v, "Name"));
		int64_t masked = to_bool(as_get(v, "IsMasked"));
		struct inv_collection_var cv = { .collection_id = (char *)coll, .name = (char *)name,
		                                 .masked = masked == 1, .secret_suspect = 0 };
		if (!name)
			continue;
		if (masked != 1)
			cv.secret_suspect = secret_suspect(name, json_string_value(as_get(v, "Value")));
		if (inv_put_collection_var(s->db, &cv, s->now, &s->err) != 0)
			return put_failed(s, "a collection variable");
	}
	return 0;
}

static const struct fmap admin_map[] = {
	F(inv_admin, admin_id, "AdminID", C_INT), F(inv_admin, logon_name, "LogonName", C_STR),
	F(inv_admin, account_type, "AccountType", C_INT), F(inv_admin, role_names, "RoleNames", C_LIST),
	F(inv_admin, collection_names, "CollectionNames", C_LIST),
	F(inv_admin, categories, "CategoryNames", C_LIST),
};

static int map_admin(struct sync *s, json_t *row)
{
	struct inv_admin a = { 0 };

	if (apply(s, row, admin_map, sizeof admin_map / sizeof admin_map[0], &a) != 0)
		return -1;
	if (a.admin_id == INV_NULL || !a.logon_name)
		return 0;
	a.raw_json = (char *)raw(s, row);
	return inv_put_admin(s->db, &a, s->now, &s->err) ? put_failed(s, "an administrator") : 0;
}

static const struct fmap role_map[] = {
	F(inv_role, role_id, "RoleID", C_STR), F(inv_role, role_name, "RoleName", C_STR),
	F(inv_role, number_of_admins, "NumberOfAdmins", C_INT), F(inv_role, is_builtin, "IsBuiltIn", C_BOOL),
};

static int map_role(struct sync *s, json_t *row)
{
	struct inv_role r = { 0 };
	json_t *ops = as_get(row, "Operations");

	if (apply(s, row, role_map, sizeof role_map / sizeof role_map[0], &r) != 0)
		return -1;
	if (!r.role_id || !r.role_name)
		return 0;
	if (json_is_array(ops) && json_array_size(ops))
		r.operations = (char *)keep(s, json_dumps(ops, JSON_COMPACT | JSON_PRESERVE_ORDER));
	r.raw_json = (char *)raw(s, row);
	return inv_put_role(s->db, &r, s->now, &s->err) ? put_failed(s, "a role") : 0;
}

static int put_setting(struct sync *s, const char *site, const char *item, const char *name,
                       const char *value)
{
	struct inv_site_setting st = { .site_code = (char *)site, .item = (char *)item,
	                               .name = (char *)name, .value = (char *)value };
	if (!site || !name)
		return 0;
	return inv_put_site_setting(s->db, &st, s->now, &s->err) ? put_failed(s, "a site setting") : 0;
}

static int map_component(struct sync *s, json_t *row)
{
	const char *item = json_string_value(as_get(row, "ItemName"));
	const char *site = json_string_value(as_get(row, "SiteCode"));
	int64_t v = prop_value(row, "IISSSLState");
	char num[32];

	if (!item || strncasecmp(item, "SMS_SITE_COMPONENT_MANAGER", 26) != 0 || v == INV_NULL)
		return 0;
	snprintf(num, sizeof num, "%lld", (long long)v);
	return put_setting(s, site, "SMS_SITE_COMPONENT_MANAGER", "IISSSLState", num);
}

static int map_clientcomp(struct sync *s, json_t *row)
{
	const char *item = json_string_value(as_get(row, "ItemName"));
	const char *site = json_string_value(as_get(row, "SiteCode"));
	json_t *names = proplist(row, "Network Access User Names"), *n;
	size_t i;

	if (!item || strcasecmp(item, "Software Distribution") != 0)
		return 0;
	json_array_foreach(names, i, n)
		if (put_setting(s, site, "naa", json_string_value(n), "") != 0)
			return -1;
	return 0;
}

static int map_reserved(struct sync *s, json_t *row)
{
	char *usage = join_list(as_get(row, "AccountUsage"), ", ");
	int rc = put_setting(s, json_string_value(as_get(row, "SiteCode")), "account",
	                     json_string_value(as_get(row, "UserName")), usage ? usage : "");
	free(usage);
	return rc;
}

/* The order matters: site-control rows before DPs (the PXE password flag
 * comes from them). `lazy`: the rows are read again one instance at a time
 * because a property the checks need is lazy. `tables`: what a complete
 * read of the class lets us mark as gone. */
struct class_map {
	const char *cls;
	int (*row)(struct sync *, json_t *);
	bool lazy;
	const char *tables[3];
	/* Streaming: classes with flat rows and many of them are parsed by
	 * yajl straight into their record (no DOM, no raw_json: their
	 * selected columns are stored one to one). */
	const struct fmap *fields;
	size_t nfields, rec_size;
	int (*put)(struct sync *, void *rec);
};

static const struct class_map maps[] = {
	{ "SMS_Site", map_site, false, { "sites" }, NULL, 0, 0, NULL },
	{ "SMS_SCI_SysResUse", map_sysres, false, { "smps", "site_settings" }, NULL, 0, 0, NULL },
	{ "SMS_DistributionPointInfo", map_dp, false, { "dps" }, NULL, 0, 0, NULL },
	{ "SMS_Certificate", map_cert, false, { "certificates" },
	  cert_map, sizeof cert_map / sizeof cert_map[0], sizeof(struct inv_cert), put_cert },
	{ "SMS_StateMigration", map_assoc, false, { "associations" },
	  assoc_map, sizeof assoc_map / sizeof assoc_map[0], sizeof(struct inv_assoc), put_assoc },
	{ "SMS_BootImagePackage", map_boot, true, { "boot_images" }, NULL, 0, 0, NULL },
	{ "SMS_PackageBaseclass", map_pkg, false, { "packages" }, NULL, 0, 0, NULL },
	{ "SMS_TaskSequencePackage", map_ts, true, { "task_sequences" }, NULL, 0, 0, NULL },
	{ "SMS_Advertisement", map_adv, false, { "deployments" }, NULL, 0, 0, NULL },
	{ "SMS_Collection", map_coll, false, { "collections" }, NULL, 0, 0, NULL },
	{ "SMS_CollectionSettings", map_settings, true, { "collection_vars" }, NULL, 0, 0, NULL },
	{ "SMS_Admin", map_admin, false, { "admins" }, NULL, 0, 0, NULL },
	{ "SMS_Role", map_role, true, { "roles" }, NULL, 0, 0, NULL },
	{ "SMS_SCI_Component", map_component, false, { "site_settings" }, NULL, 0, 0, NULL },
	{ "SMS_SCI_ClientComp", map_clientcomp, false, { "site_settings" }, NULL, 0, 0, NULL },
	{ "SMS_SCI_Reserved", map_reserved, false, { "site_settings" }, NULL, 0, 0, NULL },
};
#define N_MAPS (sizeof maps / sizeof maps[0])

static const struct class_map *map_find(const char *cls)
{
	for (size_t i = 0; i < N_MAPS; i++)
		if (strcasecmp(maps[i].cls, cls) == 0)
			return &maps[i];
	return NULL;
}

static int map_one(struct sync *s, const struct class_map *m, json_t *row)
{
	int rc = m->row(s, row);
	drop_scratch(s);
	if (rc == 0)
		s->rows++;
	return rc;
}

int sync_map_rows(struct inv *db, const char *cls, void *rows_json, int64_t now,
                  struct ow_err *err)
{
	const struct class_map *m = map_find(cls);
	struct sync s = { .db = db, .now = now, .provider_id = INV_NULL };
	json_t *rows = rows_json, *row;
	size_t i;
	int rc = 0;

	if (!m)
		return ow_err_set(err, OW_EINPUT, "no mapping for class %s", cls);
	json_array_foreach(rows, i, row) {
		if ((rc = map_one(&s, m, row)) != 0)
			break;
	}
	for (size_t k = 0; k < s.ndpx; k++) {
		free(s.dpx[k].nal);
		free(s.dpx[k].bind_except);
	}
	free(s.dpx);
	if (rc && err)
		*err = s.err;
	return rc ? OW_EINPUT : 0;
}

/* --- paging -------------------------------------------------------------- */

enum { MAX_WINDOW = 16 };

/* What one page may hold, per row asked for ($top): bytes on the wire
 * (the lab's largest rows, hostile names included, are ~64 KiB, its
 * average ~2 KiB) and JSON values (its richest rows, SysResUse with their
 * embedded properties, ~190). A page over either is refused: the bytes
 * while they arrive (backend/http), the values before any DOM is built.
 * So a page's memory is bounded by $top, never by what a site sends. */
#define PAGE_ROW_BYTES (16u << 10)
#define PAGE_ENVELOPE_BYTES (1u << 20)
#define PAGE_ROW_VALUES 1024u

struct pager {
	struct sync *s;
	const struct as_class *c;
	const struct class_map *m;
	bool started, decided, link_mode, ended, failed, denied;
	char *next_link;
	size_t expected;              /* next page index to process */
	struct buf pending[MAX_WINDOW];
	bool have[MAX_WINDOW];
	char *urls[MAX_WINDOW];
	int window;
	json_t *first_keys;           /* first row key of every page: a repeat is an error */
	size_t rows;
	long long count;              /* what <Class>/$count said, -1 when it says nothing */
	/* $top/$skip paging: page i (i >= base_index) starts at
	 * base_skip + (i - base_index) * step. A page shorter than step before
	 * the count is reached means the site caps its pages: the plan starts
	 * again after the rows read, with the cap as the step, and pages
	 * already asked for under the old plan are dropped when they arrive. */
	size_t base_index, issued;
	long base_skip, step;
	double t0;
	json_t *lazy_keys;            /* key value arrays of rows to read one by one */
};

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void first_key(const struct as_class *c, json_t *row, char *out, size_t n)
{
	char keys[256], *save = NULL;
	size_t used = 0;

	snprintf(keys, sizeof keys, "%s", c->keys);
	out[0] = '\0';
	for (char *k = strtok_r(keys, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		json_t *v = as_get(row, k);
		char part[256];
		if (json_is_string(v))
			snprintf(part, sizeof part, "%s;", json_string_value(v));
		else
			snprintf(part, sizeof part, "%lld;", (long long)to_int(v));
		if (used + strlen(part) < n) {
			memcpy(out + used, part, strlen(part) + 1);
			used += strlen(part);
		}
	}
}

static json_t *key_values(const struct as_class *c, json_t *row)
{
	char keys[256], *save = NULL;
	json_t *vals = json_array();

	snprintf(keys, sizeof keys, "%s", c->keys);
	for (char *k = strtok_r(keys, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		json_t *v = as_get(row, k);
		char num[32];
		if (json_is_string(v)) {
			json_array_append(vals, v);
		} else {
			snprintf(num, sizeof num, "%lld", (long long)to_int(v));
			json_array_append_new(vals, json_string(num));
		}
	}
	return vals;
}

static int progress(struct pager *p, bool done)
{
	struct sync_progress pr;
	double dt = now_s() - p->t0;

	if (!p->s->o || !p->s->o->progress)
		return 0;
	pr.cls = p->c->name;
	pr.rows = p->rows;
	pr.total = p->count;
	pr.rows_per_s = dt > 0 ? (double)p->rows / dt : 0;
	pr.done = done;
	if (p->s->o->progress(p->s->o->progress_ctx, &pr) == 0)
		return 0;
	ow_err_set(&p->s->err, OW_EINPUT, "the sync was stopped by the operator while reading %s",
	           p->c->name);
	p->failed = true;
	return 1;
}


/* --- streaming pages (yajl) --------------------------------------------- */

/* Depths: the envelope object is 1, the "value" array 2, a row object 3
 * (its fields are read at 3; anything deeper is skipped). Strings of the current row are kept
 * in one buffer as offsets and turned into pointers when the row ends. */
struct stream {
	struct pager *p;
	const struct class_map *m;
	int depth;
	bool in_rows, want_link, in_row;
	int skip;                      /* depth of a nested value being skipped */
	const struct fmap *cur;        /* field for the current key, or NULL */
	bool cur_is_key;               /* the current key is a key column */
	_Alignas(16) unsigned char rec[256];   /* the record under construction */
	long str_off[32];              /* per field: offset in strs, or -1 */
	struct buf strs;
	struct buf key;                /* key columns of the row, for repeat checks */
	size_t rows;
	char first_key[512];
	char *next_link;
	int failed;                    /* a put failed: stop */
};

static void stream_row_start(struct stream *st)
{
	memset(st->rec, 0, sizeof st->rec);
	for (size_t i = 0; i < st->m->nfields; i++) {
		const struct fmap *f = &st->m->fields[i];
		st->str_off[i] = -1;
		if (f->conv != C_STR && f->conv != C_LIST)
			*(int64_t *)(st->rec + f->off) = INV_NULL;
	}
	buf_reset(&st->strs);
	buf_reset(&st->key);
}

static int too_many_rows(struct pager *p, size_t rows)
{
	return ow_err_set(&p->s->err, OW_ESITE, "the page has at least %zu rows, more than the %d "
	                  "its $top asked for; the site ignored the page size, and osdwarden "
	                  "refuses an unbounded page rather than hold it in memory", rows,
	                  p->c->page_size);
}

static int stream_row_end(struct stream *st)
{
	if (st->rows >= (size_t)st->p->c->page_size) {
		too_many_rows(st->p, st->rows + 1);
		st->failed = 1;
		return 0;   /* stops the parse before the extra row is stored */
	}
	for (size_t i = 0; i < st->m->nfields; i++)
		if (st->str_off[i] >= 0)
			*(const char **)(st->rec + st->m->fields[i].off) = st->strs.data + st->str_off[i];
	if (st->rows == 0)
		snprintf(st->first_key, sizeof st->first_key, "%s", buf_str(&st->key));
	st->rows++;
	if (st->m->put(st->p->s, st->rec) != 0) {
		st->failed = 1;
		return 0;
	}
	st->p->s->rows++;
	return 1;
}

/* Sets the current field from a scalar given as text (numbers as their
 * digits, booleans as "true"/"false", null as NULL). */
static int stream_scalar(struct stream *st, const char *text, size_t len, bool is_string)
{
	const struct fmap *f = st->cur;
	char tmp[64];

	if (st->skip || !st->in_row || !f)
		return 1;
	if (len > FIELD_MAX) {
		too_big(st->p->s, f->prop, len);
		st->failed = 1;
		return 0;   /* stops the parse */
	}
	if (st->cur_is_key) {
		buf_add(&st->key, text ? text : "", text ? len : 0);
		buf_addc(&st->key, ';');
	}
	if (!text)
		return 1;   /* null: the field stays unknown */
	if (f->conv == C_STR) {
		if (is_string) {
			st->str_off[f - st->m->fields] = (long)st->strs.len;
			buf_add(&st->strs, text, len);
			buf_addc(&st->strs, '\0');
		}
		return 1;
	}
	if (len >= sizeof tmp)
		return 1;
	memcpy(tmp, text, len);
	tmp[len] = '\0';
	int64_t *dst = (int64_t *)(st->rec + f->off);
	if (f->conv == C_DATE) {
		struct owtime t;
		*dst = is_string && owtime_parse(tmp, &t) == OWTIME_OK ? t.ms / 1000 : INV_NULL;
	} else if (strcmp(tmp, "true") == 0 || strcmp(tmp, "True") == 0) {
		*dst = 1;
	} else if (strcmp(tmp, "false") == 0 || strcmp(tmp, "False") == 0) {
		*dst = 0;
	} else {
		char *end;
		long long x = strtoll(tmp, &end, 10);
		*dst = end != tmp && *end == '\0' ? x : INV_NULL;
		if (f->conv == C_BOOL && *dst != INV_NULL)
			*dst = *dst != 0;
	}
	return 1;
}

static int y_null(void *ctx)
{
	return stream_scalar(ctx, NULL, 0, false);
}

static int y_bool(void *ctx, int b)
{
	return stream_scalar(ctx, b ? "true" : "false", b ? 4 : 5, false);
}

static int y_number(void *ctx, const char *n, size_t len)
{
	return stream_scalar(ctx, n, len, false);
}

static int y_string(void *ctx, const unsigned char *v, size_t len)
{
	struct stream *st = ctx;

	if (st->want_link && st->depth == 1) {
		free(st->next_link);
		st->next_link = strndup((const char *)v, len);
		st->want_link = false;
		return 1;
	}
	return stream_scalar(st, (const char *)v, len, true);
}

static int y_start_map(void *ctx)
{
	struct stream *st = ctx;

	st->depth++;
	if (st->skip)
		return 1;
	if (st->depth == 3 && st->in_rows) {
		st->in_row = true;
		stream_row_start(st);
	} else if (st->depth > 3) {
		st->skip = st->depth;   /* an embedded object: not ours to map */
	}
	return 1;
}

static int y_key(void *ctx, const unsigned char *k, size_t len)
{
	struct stream *st = ctx;

	if (st->skip)
		return 1;
	if (st->depth == 1) {
		st->want_link = len == 15 && memcmp(k, "@odata.nextLink", 15) == 0;
		st->in_rows = false;
		if (len == 5 && memcmp(k, "value", 5) == 0)
			st->in_rows = true;
		return 1;
	}
	st->cur = NULL;
	st->cur_is_key = false;
	if (st->depth == 3) {
		for (size_t i = 0; i < st->m->nfields; i++) {
			const char *name = st->m->fields[i].prop;
			if (strlen(name) == len && strncasecmp(name, (const char *)k, len) == 0) {
				st->cur = &st->m->fields[i];
				break;
			}
		}
		/* Key columns, by the contract's names, feed the repeat check. */
		const char *keys = st->p->c->keys;
		for (const char *q = keys; q && *q;) {
			size_t n = strcspn(q, ",");
			if (n == len && strncasecmp(q, (const char *)k, len) == 0)
				st->cur_is_key = true;
			q = q[n] ? q + n + 1 : NULL;
		}
	}
	return 1;
}

static int y_end_map(void *ctx)
{
	struct stream *st = ctx;
	int rc = 1;

	if (st->skip == st->depth)
		st->skip = 0;
	else if (!st->skip && st->depth == 3 && st->in_row) {
		st->in_row = false;
		rc = stream_row_end(st);
	}
	st->depth--;
	return rc;
}

static int y_start_array(void *ctx)
{
	struct stream *st = ctx;

	st->depth++;
	if (!st->skip && st->depth > 3)
		st->skip = st->depth;   /* an array inside a row */
	return 1;
}

static int y_end_array(void *ctx)
{
	struct stream *st = ctx;

	if (st->skip == st->depth)
		st->skip = 0;
	if (st->depth == 2)
		st->in_rows = false;
	st->depth--;
	return 1;
}

static const yajl_callbacks stream_callbacks = {
	y_null, y_bool, NULL, NULL, y_number, y_string,
	y_start_map, y_key, y_end_map, y_start_array, y_end_array,
};

/* Parses one page with yajl, storing each row as it completes. */
static int stream_page(struct pager *p, struct buf *body, size_t *nrows, char **next_link,
                       char *first_key, size_t fk_len)
{
	struct stream *st = calloc(1, sizeof *st);
	struct sync *s = p->s;
	yajl_handle h;
	yajl_status ys;
	int rc = 0;

	if (!st)
		return ow_err_set(&s->err, OW_EINPUT, "out of memory");
	if (p->m->rec_size > sizeof st->rec ||
	    p->m->nfields > sizeof st->str_off / sizeof st->str_off[0]) {
		free(st);
		return ow_err_set(&s->err, OW_EINPUT, "internal: the record of %s is too big to "
		                  "stream", p->c->name);
	}
	st->p = p;
	st->m = p->m;
	as_repair_json(body->data, body->len);
	h = yajl_alloc(&stream_callbacks, NULL, st);
	ys = yajl_parse(h, (const unsigned char *)body->data, body->len);
	if (ys == yajl_status_ok)
		ys = yajl_complete_parse(h);
	if (st->failed) {
		rc = s->err.kind ? (int)s->err.kind : OW_EINPUT;
	} else if (ys != yajl_status_ok) {
		unsigned char *why = yajl_get_error(h, 0, NULL, 0);
		rc = ow_err_set(&s->err, OW_ESITE, "the answer is not valid JSON (%s)",
		                why ? (const char *)why : "?");
		yajl_free_error(h, why);
	}
	yajl_free(h);
	*nrows = st->rows;
	*next_link = st->next_link;
	snprintf(first_key, fk_len, "%s", st->first_key);
	buf_free(&st->strs);
	buf_free(&st->key);
	free(st);
	return rc;
}

/* Checks a page's first row against every earlier page's. */
static int check_repeat(struct pager *p, size_t index, const char *key)
{
	json_t *seen;

	/* Pages may arrive in any order; a page starting with a row that
	 * started another page means rows were skipped. */
	if ((seen = json_object_get(p->first_keys, key)) != NULL)
		return ow_err_set(&p->s->err, OW_ESITE, "page %zu repeats page %lld (same first "
		                  "row); the site's paging is broken, so rows would be missed",
		                  index + 1, (long long)json_integer_value(seen) + 1);
	json_object_set_new(p->first_keys, key, json_integer((json_int_t)index));
	return 0;
}

/* Counting a page before it becomes a DOM: rows of the "value" array
 * and JSON values, stopping at the first over the page's bounds. */
struct census {
	int depth;
	bool in_rows;
	size_t rows, values, max_rows, max_values;
};

static int census_value(struct census *c)
{
	return ++c->values <= c->max_values;
}

static int cz_null(void *ctx) { return census_value(ctx); }
static int cz_bool(void *ctx, int b) { (void)b; return census_value(ctx); }
static int cz_number(void *ctx, const char *n, size_t len)
{
	(void)n; (void)len;
	return census_value(ctx);
}
static int cz_string(void *ctx, const unsigned char *v, size_t len)
{
	(void)v; (void)len;
	return census_value(ctx);
}
static int cz_key(void *ctx, const unsigned char *k, size_t len)
{
	struct census *c = ctx;
	if (c->depth == 1)
		c->in_rows = len == 5 && memcmp(k, "value", 5) == 0;
	return census_value(c);
}
static int cz_start_map(void *ctx)
{
	struct census *c = ctx;
	if (++c->depth == 3 && c->in_rows && ++c->rows > c->max_rows)
		return 0;
	return census_value(c);
}
static int cz_end(void *ctx)
{
	((struct census *)ctx)->depth--;
	return 1;
}
static int cz_start_array(void *ctx)
{
	((struct census *)ctx)->depth++;
	return census_value(ctx);
}

static const yajl_callbacks census_callbacks = {
	cz_null, cz_bool, NULL, NULL, cz_number, cz_string,
	cz_start_map, cz_key, cz_end, cz_start_array, cz_end,
};

/* 0 when the page is within its bounds (or is not JSON at all: the
 * parser proper reports that), else OW_ESITE. */
static int dom_bounds(struct pager *p, struct buf *body)
{
	struct census c = { .max_rows = (size_t)p->c->page_size,
	                    .max_values = (size_t)p->c->page_size * PAGE_ROW_VALUES };
	yajl_handle h = yajl_alloc(&census_callbacks, NULL, &c);

	if (!h)
		return ow_err_set(&p->s->err, OW_EINPUT, "out of memory");
	if (yajl_parse(h, (const unsigned char *)body->data, body->len) == yajl_status_ok)
		yajl_complete_parse(h);
	yajl_free(h);
	if (c.rows > c.max_rows)
		return too_many_rows(p, c.rows);
	if (c.values > c.max_values)
		return ow_err_set(&p->s->err, OW_ESITE, "the page holds more than %zu JSON values "
		                  "for %d rows; the site sent something unexpected, and osdwarden "
		                  "refuses it rather than hold it in memory", c.max_values,
		                  p->c->page_size);
	return 0;
}

/* The DOM path: the page as jansson values, each row through its mapper. */
static int dom_page(struct pager *p, size_t index, struct buf *body, size_t *nrows,
                    char **next_link)
{
	struct sync *s = p->s;
	json_t *root, *rows, *row;
	const char *next;
	size_t i;
	int rc;

	if (body->data)
		as_repair_json(body->data, body->len);
	if (body->data && (rc = dom_bounds(p, body)) != 0)
		return rc;
	if ((rc = as_parse_page(body, &root, &rows, &next, &s->err)) != 0)
		return rc;
	if (json_array_size(rows)) {
		char key[512];
		first_key(p->c, json_array_get(rows, 0), key, sizeof key);
		if ((rc = check_repeat(p, index, key)) != 0) {
			json_decref(root);
			return rc;
		}
	}
	json_array_foreach(rows, i, row) {
		if (map_one(s, p->m, row) != 0) {
			json_decref(root);
			return OW_EINPUT;
		}
		if (p->m->lazy)
			json_array_append_new(p->lazy_keys, key_values(p->c, row));
	}
	*nrows = json_array_size(rows);
	*next_link = next ? strdup(next) : NULL;
	json_decref(root);
	return 0;
}

static long page_skip(const struct pager *p, size_t index)
{
	if (index < p->base_index)
		return (long)index * p->c->page_size;   /* a page of an earlier plan */
	return p->base_skip + (long)(index - p->base_index) * p->step;
}

static char *page_url(const struct pager *p, size_t index)
{
	return as_page_url_top(p->s->base, p->c, page_skip(p, index), p->step,
	                       p->s->o ? p->s->o->site : NULL);
}

/* The page at index was shorter than the plan's step: what to do next. */
static void short_page(struct pager *p, size_t index, size_t nrows)
{
	for (size_t k = index + 1; k < p->issued; k++) {
		size_t slot = k % MAX_WINDOW;
		if (p->have[slot]) {
			buf_free(&p->pending[slot]);
			p->have[slot] = false;
		}
	}
	p->base_index = p->issued > index + 1 ? p->issued : index + 1;
	p->base_skip = (long)p->rows;
	p->step = (long)nrows;
	/* the pager_done loop moves on to base_index */
	p->expected = p->base_index - 1;
}

/* Parses and stores one page; decides the paging mode on the first. */
static int process_page(struct pager *p, size_t index, struct buf *body)
{
	size_t nrows = 0;
	char *next = NULL, key[512] = "";
	int rc;

	if (!body->data || body->len == 0)
		return ow_err_set(&p->s->err, OW_ESITE, "the answer was empty");
	if (p->m->put) {
		rc = stream_page(p, body, &nrows, &next, key, sizeof key);
		if (rc == 0 && nrows)
			rc = check_repeat(p, index, key);
	} else {
		rc = dom_page(p, index, body, &nrows, &next);
	}
	if (rc) {
		free(next);
		return rc;
	}
	/* A link is followed only within the provider's origin and path;
	 * what is kept is the URL as checked. */
	if (next && (index == 0 || p->link_mode)) {
		char *checked = http_follow_url(p->s->base, next, &p->s->err);
		free(next);
		if (!checked)
			return p->s->err.kind ? (int)p->s->err.kind : OW_ESITE;
		next = checked;
	}
	p->rows += nrows;
	if (index == 0) {
		p->decided = true;
		p->link_mode = next != NULL;
	}
	if (p->count >= 0 && p->rows > (size_t)p->count) {
		free(next);
		return ow_err_set(&p->s->err, OW_ESITE, "the site sent %zu rows where its $count said "
		                  "%lld; the class changed during the read, or the site pages wrongly",
		                  p->rows, p->count);
	}
	if (p->link_mode) {
		free(p->next_link);
		p->next_link = next;
		next = NULL;
		p->ended = p->next_link == NULL;
	} else if (nrows == 0 || (p->count >= 0 && p->rows == (size_t)p->count)) {
		p->ended = true;
	} else if (nrows < (size_t)p->step) {
		/* Short, yet rows are missing (or the count is unknown): never
		 * the end by itself; an empty page or the count decides. */
		short_page(p, index, nrows);
	}
	free(next);
	return progress(p, false);
}

static char *pager_next(void *ctx, size_t i)
{
	struct pager *p = ctx;

	char *url = NULL;

	if (p->ended || p->failed)
		return NULL;
	if (i == 0)
		url = page_url(p, 0);
	else if (!p->decided)
		return NULL;   /* wait for page 1 to say how to page */
	else if (p->link_mode)
		url = i == p->expected && p->next_link ? strdup(p->next_link) : NULL;
	else if (i >= p->expected + (size_t)p->window)
		return NULL;
	else if (p->count >= 0 && page_skip(p, i) >= p->count)
		return NULL;   /* past what the count promises: the pages in flight decide */
	else
		url = page_url(p, i);
	if (url && i + 1 > p->issued)
		p->issued = i + 1;
	return url;
}

/* A page whose body did not parse is read again (a GET is safe to
 * repeat), at most twice. */
static int refetch(struct pager *p, size_t index, struct buf *body)
{
	char *url = p->link_mode ? NULL : page_url(p, index);
	int rc = -1;

	for (int attempt = 0; url && attempt < 2 && rc != 0; attempt++) {
		struct http_resp r;
		struct ow_err e = { 0 };
		if (http_request(p->s->http, "GET", url, NULL, true, &r, &e) == 0 &&
		    as_check_read(&r, url, true, &e) == 0) {
			struct ow_err pe = { 0 };
			json_t *root, *rows;
			const char *next;
			if (as_parse_page(&r.body, &root, &rows, &next, &pe) == 0) {
				json_decref(root);
				buf_free(body);
				*body = r.body;   /* repaired copy, parsed again by the caller */
				r.body = (struct buf)BUF_INIT;
				rc = 0;
			}
		}
		http_resp_free(&r);
	}
	free(url);
	return rc;
}

static int pager_done(void *ctx, size_t index, struct http_resp *r, const struct ow_err *e)
{
	struct pager *p = ctx;
	struct sync *s = p->s;
	size_t slot;
	int rc;

	if (e) {
		s->err = *e;
		ow_err_prefix(&s->err, "reading %s", p->c->name);
		p->failed = true;
		return 1;
	}
	rc = as_check_read(r, "", true, &s->err);
	if (rc == AS_NO_ACCESS && index == 0) {
		p->denied = true;
		p->ended = true;
		return 1;
	}
	if (rc) {
		char *url = page_url(p, index);
		struct ow_err tmp = s->err;
		ow_err_set(&s->err, tmp.kind, "reading %s (%s): %s", p->c->name, url,
		           tmp.msg + (tmp.msg[0] == ':' ? 2 : 0));
		free(url);
		p->failed = true;
		return 1;
	}
	if (index < p->expected) {
		/* asked for under a plan a capped page replaced: not ours */
		return p->ended ? 1 : 0;
	}
	if (index >= p->expected + MAX_WINDOW) {
		ow_err_set(&s->err, OW_ESITE, "reading %s: page window overflow", p->c->name);
		p->failed = true;
		return 1;
	}
	slot = index % MAX_WINDOW;
	p->pending[slot] = r->body;
	p->have[slot] = true;
	r->body = (struct buf)BUF_INIT;
	/* Pages are stored in order, whatever order they arrived in. */
	while (!p->ended && p->have[p->expected % MAX_WINDOW]) {
		size_t k = p->expected % MAX_WINDOW;
		rc = process_page(p, p->expected, &p->pending[k]);
		if (rc == OW_ESITE && strstr(s->err.msg, "not valid JSON") &&
		    refetch(p, p->expected, &p->pending[k]) == 0)
			rc = process_page(p, p->expected, &p->pending[k]);
		buf_free(&p->pending[k]);
		p->have[k] = false;
		if (rc) {
			char *url = page_url(p, p->expected);
			struct ow_err tmp = s->err;
			ow_err_set(&s->err, tmp.kind, "reading %s (%s): %s", p->c->name, url, tmp.msg);
			free(url);
			p->failed = true;
			return 1;
		}
		p->expected++;
	}
	return p->ended ? 1 : 0;
}

/* --- lazy instances ------------------------------------------------------ */

struct lazy {
	struct sync *s;
	const struct as_class *c;
	const struct class_map *m;
	json_t *keys;
	bool failed;
};

static char *lazy_next(void *ctx, size_t i)
{
	struct lazy *l = ctx;
	json_t *vals = json_array_get(l->keys, i);
	const char *v[8];
	size_t n = json_array_size(vals);

	if (!vals || l->failed || n > 8)
		return NULL;
	for (size_t k = 0; k < n; k++)
		v[k] = json_string_value(json_array_get(vals, k));
	return as_instance_url(l->s->base, l->c, v);
}

static int lazy_done(void *ctx, size_t index, struct http_resp *r, const struct ow_err *e)
{
	struct lazy *l = ctx;
	struct sync *s = l->s;
	json_t *root, *rows;
	const char *next;
	int rc;

	(void)index;
	if (e) {
		s->err = *e;
		ow_err_prefix(&s->err, "reading one %s", l->c->name);
		l->failed = true;
		return 1;
	}
	if (r->status == 404)
		return 0;   /* gone since the list was read: nothing to add */
	if ((rc = as_check_read(r, "", false, &s->err)) != 0 ||
	    (rc = as_parse_page(&r->body, &root, &rows, &next, &s->err)) != 0) {
		ow_err_prefix(&s->err, "reading one %s", l->c->name);
		l->failed = true;
		return 1;
	}
	if (json_array_size(rows) && l->m->row(s, json_array_get(rows, 0)) != 0)
		l->failed = true;
	drop_scratch(s);
	json_decref(root);
	return l->failed;
}

/* --- the run ------------------------------------------------------------- */

/* <Class>/$count, before the pages. 0 with *count (-1 when the site has
 * no $count for it: paging then ends only on an empty page),
 * AS_NO_ACCESS for a 404 (no role), or -1 with s->err. */
static int read_count(struct sync *s, const struct as_class *c, long long *count)
{
	char *url = as_count_url(s->base, c, s->o ? s->o->site : NULL);
	struct http_resp r;
	struct ow_err e = { 0 };
	int rc;

	*count = -1;
	if (http_request(s->http, "GET", url, NULL, true, &r, &e) != 0) {
		s->err = e;
		ow_err_prefix(&s->err, "counting %s", c->name);
		free(url);
		http_resp_free(&r);
		return -1;
	}
	if (r.status == 200) {
		rc = as_parse_count(&r, count);
		if (rc != 0)
			*count = -1;   /* not a number: as if there were no $count */
		rc = 0;
	} else if (r.status == 404 || r.status == 401) {
		rc = as_check_read(&r, url, true, &e);
		if (rc != AS_NO_ACCESS) {
			s->err = e;
			ow_err_prefix(&s->err, "counting %s", c->name);
			rc = -1;
		}
	} else if (r.status == 400 || r.status == 501) {
		rc = 0;        /* the segment is not supported: page to an empty page */
	} else {
		as_check_read(&r, url, true, &e);
		s->err = e;
		ow_err_prefix(&s->err, "counting %s", c->name);
		rc = -1;
	}
	http_resp_free(&r);
	free(url);
	return rc;
}

/* Reads one class. 0 read, 1 denied (no role), -1 failed (s->err). */
static int read_class(struct sync *s, const struct class_map *m, size_t *rows)
{
	struct pager p = { .s = s, .m = m, .c = as_class_find(m->cls), .t0 = now_s(), .count = -1 };
	int rc;

	p.window = s->o->prefetch > 0 ? s->o->prefetch : 3;
	if (p.window > MAX_WINDOW / 2)
		p.window = MAX_WINDOW / 2;
	p.lazy_keys = json_array();
	p.first_keys = json_object();
	/* The whole class, pages, retries and lazy reads, within --timeout;
	 * each page within what its $top allows. */
	http_client_set_budget(s->http, s->o->http.timeout_s > 0 ? s->o->http.timeout_s
	                                                         : HTTP_DEFAULT_TIMEOUT_S, p.c->name);
	p.step = p.c->page_size;
	if ((rc = read_count(s, p.c, &p.count)) != 0) {
		http_client_set_budget(s->http, 0, NULL);
		json_decref(p.lazy_keys);
		json_decref(p.first_keys);
		return rc == AS_NO_ACCESS ? 1 : -1;
	}
	http_client_set_max_body(s->http, (size_t)p.c->page_size * PAGE_ROW_BYTES +
	                                  PAGE_ENVELOPE_BYTES);
	rc = http_get_many(s->http, p.window, pager_next, pager_done, &p);
	(void)rc;
	if (!p.failed && !p.denied && p.count >= 0 && p.rows != (size_t)p.count) {
		ow_err_set(&s->err, OW_ESITE, "reading %s: the site's $count says %lld rows, its pages "
		           "held %zu; osdwarden does not judge a class it read only part of (nothing "
		           "was changed). Sync again; if it stays so, the site's paging is broken: "
		           "report it with `osdwarden doctor`", p.c->name, p.count, p.rows);
		p.failed = true;
	}
	http_client_set_max_body(s->http, 0);   /* lazy reads: one object, the client's cap */
	for (int i = 0; i < MAX_WINDOW; i++)
		buf_free(&p.pending[i]);
	free(p.next_link);
	json_decref(p.first_keys);
	*rows = p.rows;
	if (p.failed) {
		json_decref(p.lazy_keys);
		return -1;
	}
	if (p.denied) {
		json_decref(p.lazy_keys);
		return 1;
	}
	if (m->lazy && json_array_size(p.lazy_keys)) {
		struct lazy l = { s, p.c, m, p.lazy_keys, false };
		http_get_many(s->http, s->o->concurrency > 0 ? s->o->concurrency : 8,
		              lazy_next, lazy_done, &l);
		if (l.failed) {
			json_decref(p.lazy_keys);
			return -1;
		}
	}
	json_decref(p.lazy_keys);
	http_client_set_budget(s->http, 0, NULL);
	return progress(&p, true) ? -1 : 0;
}

static int record_class(struct sync *s, const char *cls, const char *status, size_t rows,
                        const char *msg)
{
	struct inv_sync_class sc = { .provider_id = s->provider_id, .class_name = (char *)cls,
	                             .status = (char *)status, .rows = (int64_t)rows,
	                             .message = (char *)msg, .synced_at = s->now };
	return inv_put_sync_class(s->db, &sc, s->now, &s->err);
}

/* What the site exposes: the inventory's copy when it is recent, else its
 * wmi/$metadata read now (*fresh: to be kept when the sync applies, never
 * before, so a failed sync leaves the inventory as it was). NULL when
 * unknown (not readable, or not CSDL): then every class is tried. */
static json_t *sync_capabilities(struct inv *db, struct sync *s, bool *fresh, int64_t *at)
{
	struct ow_err e = { 0 };
	char *text = NULL;
	json_t *caps = NULL;

	*fresh = false;
	if (inv_get_capabilities(db, s->base, at, &text, &e) == 0 && *at <= s->now &&
	    s->now - *at < AS_CAPS_MAX_AGE_S)
		caps = json_loads(text, 0, NULL);
	free(text);
	if (caps)
		return caps;
	if (as_caps_fetch(s->http, s->base, &caps, &e) == 0 && caps) {
		*fresh = true;
		*at = s->now;
	}
	return caps;
}

/* One attempt: the site is read into a stage (the inventory is not locked
 * meanwhile), then the stage replaces the sync's tables in one short
 * transaction with the audit row. *stale: an action changed the inventory
 * during the read, so nothing was applied. */
static int sync_once(struct inv *db, const struct sync_opts *o, struct sync_result *res,
                     bool *stale, struct ow_err *err)
{
	struct sync s = { .o = o, .now = inv_now() };
	bool denied[N_MAPS] = { false };
	struct inv_provider prov = { 0 };
	struct inv *st = NULL;
	double t0 = now_s();
	int rc = 0;
	json_t *caps = NULL;
	bool caps_fresh = false;
	int64_t caps_at = 0;

	*stale = false;
	memset(res, 0, sizeof *res);
	if (!(s.base = as_base_url(o->provider, err)))
		return OW_EINPUT;
	if (http_client_new(&o->http, &s.http, err) != 0) {
		free(s.base);
		return OW_EINPUT;
	}
	if (inv_stage_open(db, &st, err) != 0 || inv_begin(st, err) != 0) {
		rc = OW_EINPUT;
		goto out;
	}
	s.db = st;
	if ((s.now = inv_sync_stamp(st, s.now, &s.err)) < 0) {
		rc = OW_EINPUT;
		goto fail;
	}
	prov.url = s.base;
	prov.auth_mode = (char *)http_auth_name(o->http.auth);
	prov.user_name = (char *)o->http.user;
	prov.ca_file = (char *)o->http.cacert;
	prov.insecure = o->http.insecure;
	prov.last_sync_at = s.now;
	prov.last_sync_result = (char *)"running";
	if (inv_put_provider(st, &prov, s.now, &s.err) != 0) {
		rc = OW_EINPUT;
		goto fail;
	}
	s.provider_id = prov.id;
	caps = sync_capabilities(db, &s, &caps_fresh, &caps_at);
	for (size_t i = 0; i < N_MAPS; i++) {
		size_t rows = 0;
		int r;
		if (caps && !as_caps_has_class(caps, maps[i].cls)) {
			/* Not exposed by this site: nothing to read, nothing proven
			 * gone, and its checks say error. */
			char why[300], when[32];
			struct tm tm;
			time_t t = (time_t)caps_at;
			gmtime_r(&t, &tm);
			strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
			snprintf(why, sizeof why, "not exposed by this site: its wmi/$metadata (read %s) "
			         "has no EntitySet %s", when, maps[i].cls);
			denied[i] = true;
			res->unexposed++;
			snprintf(res->unexposed_names + strlen(res->unexposed_names),
			         sizeof res->unexposed_names - strlen(res->unexposed_names), "%s%s",
			         res->unexposed_names[0] ? ", " : "", maps[i].cls);
			if (record_class(&s, maps[i].cls, "error", 0, why) != 0) {
				rc = OW_EINPUT;
				goto fail;
			}
			continue;
		}
		r = read_class(&s, &maps[i], &rows);
		if (r < 0) {
			rc = s.err.kind ? (int)s.err.kind : OW_ESITE;
			goto fail;
		}
		denied[i] = r == 1;
		if (denied[i]) {
			res->denied++;
			snprintf(res->denied_names + strlen(res->denied_names),
			         sizeof res->denied_names - strlen(res->denied_names), "%s%s",
			         res->denied_names[0] ? ", " : "", maps[i].cls);
		} else {
			res->classes++;
		}
		if (record_class(&s, maps[i].cls, denied[i] ? "no_access" : "ok", rows,
		                 denied[i] ? "HTTP 404: no role that can read this class" : NULL) != 0) {
			rc = OW_EINPUT;
			goto fail;
		}
	}
	if (res->classes == 0) {
		rc = ow_err_set(&s.err, OW_ESITE, "%s: the account can read none of the classes "
		                "osdwarden needs (HTTP 404 on every one): it holds no Configuration "
		                "Manager role. Give it one (read-only is enough for sync)", s.base);
		goto fail;
	}
	/* What a complete read did not see is gone; a refused class proves
	 * nothing, and a --site sync sees only part of the hierarchy. */
	for (size_t t = 0; !o->site && t < N_MAPS; t++) {
		for (size_t k = 0; k < 3 && maps[t].tables[k]; k++) {
			bool complete = true;
			for (size_t j = 0; j < N_MAPS; j++)
				for (size_t q = 0; q < 3 && maps[j].tables[q]; q++)
					if (denied[j] && strcmp(maps[j].tables[q], maps[t].tables[k]) == 0)
						complete = false;
			if (complete && inv_mark_gone(st, maps[t].tables[k], s.now, s.now, &s.err) < 0) {
				rc = OW_EINPUT;
				goto fail;
			}
		}
	}
	prov.last_sync_result = (char *)(res->denied || res->unexposed ? "partial" : "ok");
	if (inv_put_provider(st, &prov, s.now, &s.err) != 0 || inv_commit(st, &s.err) != 0) {
		rc = OW_EINPUT;
		goto fail;
	}
	/* The network is done: only now is the inventory locked. */
	if (inv_stage_apply(db, st, stale, &s.err) != 0) {
		rc = s.err.kind ? (int)s.err.kind : OW_EINPUT;
		goto fail;
	}
	if (caps && caps_fresh) {
		char *text = json_dumps(caps, JSON_COMPACT);
		int prc = text ? inv_put_capabilities(db, s.base, caps_at, text, &s.err) : OW_EINPUT;
		free(text);
		if (prc != 0) {
			inv_rollback(db);
			rc = OW_EINPUT;
			goto fail;
		}
	}
	{
		char summary[700];
		snprintf(summary, sizeof summary, "rows=%zu classes=%zu denied=%s%s%s", s.rows,
		         res->classes, res->denied ? res->denied_names : "none",
		         o->site ? " site=" : "", o->site ? o->site : "");
		if (audit_append(db, s.now, "sync", s.base, summary, prov.last_sync_result,
		                 &s.err) != 0 || inv_commit(db, &s.err) != 0) {
			inv_rollback(db);
			rc = OW_EINPUT;
			goto fail;
		}
	}
	res->rows = s.rows;
	res->seconds = now_s() - t0;
	rc = res->denied || res->unexposed ? OW_EPARTIAL : 0;
	if (res->denied)
		ow_err_set(err, OW_EPARTIAL, "no RBAC access to %s: the checks that need %s will "
		           "say \"error\"; give the account a role that can read them%s%s",
		           res->denied_names, res->denied > 1 ? "them" : "it",
		           res->unexposed ? "; not exposed by this site: " : "", res->unexposed_names);
	else if (res->unexposed)
		ow_err_set(err, OW_EPARTIAL, "not exposed by this site (absent from its wmi/$metadata): "
		           "%s; nothing was read for %s and the checks that need %s say \"error\". "
		           "A newer site version may expose %s; `osdwarden doctor` lists what it does",
		           res->unexposed_names, res->unexposed > 1 ? "them" : "it",
		           res->unexposed > 1 ? "them" : "it", res->unexposed > 1 ? "them" : "it");
	goto out;
fail:
	inv_rollback(st);
	if (err)
		*err = s.err;
	if (rc == 0)
		rc = OW_ESITE;
out:
	inv_stage_close(db, st);
	json_decref(caps);
	for (size_t k = 0; k < s.ndpx; k++) {
		free(s.dpx[k].nal);
		free(s.dpx[k].bind_except);
	}
	free(s.dpx);
	drop_scratch(&s);
	http_client_free(s.http);
	free(s.base);
	return rc;
}

int sync_run(struct inv *db, const struct sync_opts *o, struct sync_result *res,
             struct ow_err *err)
{
	/* One more read when an action ran during the first: rare, and the
	 * second read sees what the action did. */
	enum { ATTEMPTS = 3 };
	bool stale = false;
	int rc = 0;

	if (inv_read_only(db))
		return ow_err_set(err, OW_EINPUT, "sync writes the inventory; drop --read-only");
	for (int i = 0; i < ATTEMPTS; i++) {
		if (err)
			ow_err_clear(err);
		rc = sync_once(db, o, res, &stale, err);
		if (!stale)
			break;
	}
	return rc;
}
