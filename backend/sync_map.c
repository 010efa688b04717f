/* Rows into records. A class whose properties map one to one is mapped
 * by its row in the contract table alone; the hooks below exist only for
 * what a table cannot say: a site-control row that becomes SMPs, DP extras
 * and site roles; the DP/site join of DPs and certificates; the task
 * sequence XML; collection variables judged in memory; role operations;
 * the settings of the SCI component classes. */
#include "backend/sync_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/scrub.h"
#include "util/secret.h"

const char *sync_keep(struct sync *s, char *str)
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

void sync_drop_scratch(struct sync *s)
{
	for (size_t i = 0; i < s->nscratch; i++)
		free(s->scratch[i]);
	s->nscratch = 0;
}

void sync_free_joins(struct sync *s)
{
	for (size_t k = 0; k < s->ndpx; k++) {
		free(s->dpx[k].nal.key);
		free(s->dpx[k].bind_except);
	}
	free(s->dpx);
	for (size_t k = 0; k < s->ndps; k++) {
		free(s->dps[k].server.key);
		free(s->dps[k].site);
	}
	free(s->dps);
	s->dpx = NULL;
	s->dps = NULL;
	s->ndpx = s->capdpx = s->ndps = s->capdps = 0;
}

int sync_too_big(struct sync *s, const char *prop, size_t len)
{
	return ow_err_set(&s->err, OW_ESITE, "the value of %s is %zu bytes, over the %u KiB cap "
	                  "for one field; the site sent something unexpected", prop, len,
	                  SYNC_FIELD_MAX >> 10);
}

static int put_failed(struct sync *s, const char *cls)
{
	ow_err_prefix(&s->err, "storing %s", cls);
	return -1;
}

/* The row without secrets, as text kept with the record. */
static const char *raw(struct sync *s, json_t *row)
{
	json_t *clean = scrub_json(row);
	char *text = json_dumps(clean, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(clean);
	return sync_keep(s, text);
}

static int key_order(const void *a, const void *b)
{
	const struct sync_key *x = a, *y = b;
	int c = strcasecmp(x->key, y->key);

	return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The first entry (in the order added) whose key equals key, in an array
 * of n entries of size bytes that each begin with a struct sync_key;
 * sorted on the first lookup, so a class joined to thousands of rows of
 * another costs a binary search a row, not a scan. */
static void *join_find(void *arr, size_t n, size_t size, bool *sorted, const char *key)
{
	char *base = arr, *hit;
	size_t lo = 0, hi = n;

	if (!key || !n)
		return NULL;
	if (!*sorted) {
		qsort(arr, n, size, key_order);
		*sorted = true;
	}
	/* the lowest index whose key is not below key: the first added of equals */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcasecmp(((struct sync_key *)(base + mid * size))->key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	hit = base + lo * size;
	return lo < n && strcasecmp(((struct sync_key *)hit)->key, key) == 0 ? hit : NULL;
}

/* Room for one more element of a growing array. */
static int grow(void **arr, size_t *cap, size_t n, size_t size, struct sync *s)
{
	void *a;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 64;
	if (!(a = realloc(*arr, c * size)))
		return ow_err_set(&s->err, OW_EINPUT, "out of memory"), -1;
	*arr = a;
	*cap = c;
	return 0;
}

/* --- the generic mapping ------------------------------------------------ */

/* Every property with a record field, from a DOM row. */
static int apply_props(struct sync *s, const struct as_class *c, json_t *row, void *rec)
{
	for (size_t i = 0; i < c->nprops; i++) {
		const struct as_prop *p = &c->props[i];
		json_t *v = as_get(row, p->name);
		char *field = (char *)rec + p->off;
		if (p->off < 0)
			continue;
		if (json_is_string(v) && json_string_length(v) > SYNC_FIELD_MAX)
			return sync_too_big(s, p->name, json_string_length(v));
		if (p->conv == AS_TEXT)
			*(const char **)field = json_string_value(v);
		else if (p->conv == AS_LIST)
			*(const char **)field = sync_keep(s, as_conv_list(v, ", "));
		else
			*(int64_t *)field = as_conv_json(p->conv, v);
	}
	return 0;
}

/* Whether the record has every property the class needs to key it. */
static bool complete(const struct as_class *c, const void *rec)
{
	for (size_t i = 0; i < c->nprops; i++) {
		const struct as_prop *p = &c->props[i];
		const char *field = (const char *)rec + p->off;
		if (!(p->flags & AS_NEED) || p->off < 0)
			continue;
		if (p->conv == AS_TEXT || p->conv == AS_LIST ? !*(char *const *)field
		                                             : *(const int64_t *)field == INV_NULL)
			return false;
	}
	return true;
}

/* --- hooks ------------------------------------------------------------- */

struct hook {
	const char *cls;
	/* The whole row, instead of the generic mapping. */
	int (*row)(struct sync *s, json_t *row);
	/* After the generic mapping, before the put (row NULL when streamed). */
	int (*fix)(struct sync *s, json_t *row, void *rec);
	/* After the put: the record has its id. */
	int (*after)(struct sync *s, json_t *row, void *rec);
};

static int fix_site(struct sync *s, json_t *row, void *rec)
{
	(void)row;
	((struct inv_site *)rec)->provider_id = s->provider_id;
	return 0;
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

static struct sync_dpx *dpx_find(struct sync *s, const char *nal)
{
	return join_find(s->dpx, s->ndpx, sizeof *s->dpx, &s->dpx_sorted, nal);
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

static int put_folders(struct sync *s, int64_t smp_id, json_t *dirs)
{
	json_t *d;
	size_t i;

	json_array_foreach(dirs, i, d) {
		const char *v = json_string_value(d);
		char *path = v ? dir_path(v) : NULL;
		struct inv_smp_folder f = {
			.smp_id = smp_id, .directory = path,
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

static int map_smp(struct sync *s, json_t *row)
{
	int64_t q = as_sci_value(row, "SMPQuiesceState");
	json_t *dirs = as_sci_list(row, "Directories");
	struct inv_smp m = {
		.site_code = (char *)json_string_value(as_get(row, "SiteCode")),
		.nal_path = (char *)json_string_value(as_get(row, "NALPath")),
		.server_name = (char *)server_of(row),
		.remote_name = (char *)as_sci_value1(row, "Server Remote Name"),
		.ssl_state = as_conv_json(AS_INT, as_get(row, "SslState")),
		.restore_only = q == INV_NULL ? INV_NULL : q == 1,
		.deletion_delay_min = as_sci_value(row, "SMPStoreDeletionDelayTimeInMinutes"),
		.deletion_cycle_min = as_sci_value(row, "SMPStoreDeletionCycleTimeInMinutes"),
		.raw_json = (char *)raw(s, row),
	};

	if (!m.site_code || !m.nal_path || !m.server_name)
		return 0;   /* not a row we can key: skip rather than invent */
	if (inv_put_smp(s->db, &m, s->now, &s->err) != 0 ||
	    inv_clear_smp_folders(s->db, m.id, &s->err) != 0)
		return put_failed(s, "a state migration point");
	return put_folders(s, m.id, as_get(dirs, "Values"));
}

static int remember_dp(struct sync *s, json_t *row)
{
	const char *blob = as_sci_value1(row, "PXEPassword");
	const char *nal = json_string_value(as_get(row, "NALPath"));
	struct sync_dpx *x;

	if (!nal)
		return 0;
	if (grow((void **)&s->dpx, &s->capdpx, s->ndpx, sizeof *s->dpx, s) != 0)
		return -1;
	x = &s->dpx[s->ndpx];
	if (!(x->nal.key = strdup(nal)))
		return ow_err_set(&s->err, OW_EINPUT, "out of memory"), -1;
	x->nal.seq = s->ndpx++;
	s->dpx_sorted = false;
	/* The password's hash blob is looked at here, in memory, and only
	 * "is there one" survives. */
	x->password_set = as_sci_prop(row, "PXEPassword") ? (blob && *blob) : INV_NULL;
	x->bind_except = as_sci_joined(row, "BindExcept", ",");
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

/* A DP gets its password flag and listed NICs from its site-control row,
 * and tells the certificates after it which site it is in. */
static int fix_dp(struct sync *s, json_t *row, void *rec)
{
	struct inv_dp *d = rec;
	struct sync_dpx *x = dpx_find(s, d->nal_path);

	(void)row;
	d->pxe_password_set = x ? x->password_set : INV_NULL;
	if (x && x->bind_except && (!d->bind_except || !*d->bind_except))
		d->bind_except = x->bind_except;
	if (grow((void **)&s->dps, &s->capdps, s->ndps, sizeof *s->dps, s) != 0)
		return -1;
	s->dps[s->ndps].server = (struct sync_key){ strdup(d->server_name), s->ndps };
	s->dps[s->ndps].site = strdup(d->site_code);
	if (!s->dps[s->ndps].server.key || !s->dps[s->ndps].site) {
		free(s->dps[s->ndps].server.key);
		free(s->dps[s->ndps].site);
		return ow_err_set(&s->err, OW_EINPUT, "out of memory"), -1;
	}
	s->ndps++;
	s->dps_sorted = false;
	return 0;
}

/* SMS_Certificate has no SiteCode: a PXE certificate's site is that of
 * the DP it names; a boot media certificate's stays unknown. */
static int fix_cert(struct sync *s, json_t *row, void *rec)
{
	struct inv_cert *c = rec;
	struct sync_dp_site *dp = c->server_name && *c->server_name
	                                  ? join_find(s->dps, s->ndps, sizeof *s->dps, &s->dps_sorted,
	                                              c->server_name)
	                                  : NULL;

	(void)row;
	if (dp && !c->site_code)
		c->site_code = dp->site;
	return 0;
}

struct run_as_ctx {
	struct sync *s;
	int64_t ts_id;
};

static int put_run_as(void *ctx, const char *step, const char *user)
{
	struct run_as_ctx *r = ctx;
	struct inv_ts_run_as ra = { .ts_id = r->ts_id, .step_name = (char *)step,
	                            .user_name = (char *)user };

	return inv_put_ts_run_as(r->s->db, &ra, r->s->now, &r->s->err) ? put_failed(r->s, "a run-as step")
	                                                                 : 0;
}

/* The steps of its XML (a lazy property): run-as accounts, dynamic
 * application installs, the images it applies. */
static int after_ts(struct sync *s, json_t *row, void *rec)
{
	struct inv_ts *t = rec;
	const char *xml = json_string_value(as_get(row, "Sequence"));
	struct run_as_ctx ctx = { s, t->id };
	char *images = NULL;

	if (!xml || !*xml)
		return 0;
	if (inv_clear_ts_run_as(s->db, t->id, &s->err) != 0)
		return put_failed(s, "a task sequence");
	if (tsxml_read(xml, put_run_as, &ctx, &images, &t->dynamic_install) != 0) {
		free(images);
		return -1;
	}
	t->image_ids = (char *)sync_keep(s, images);
	return inv_put_ts(s->db, t, s->now, &s->err) ? put_failed(s, "a task sequence") : 0;
}

static int fix_role(struct sync *s, json_t *row, void *rec)
{
	struct inv_role *r = rec;
	json_t *ops = as_get(row, "Operations");

	if (json_is_array(ops) && json_array_size(ops))
		r->operations = (char *)sync_keep(s, json_dumps(ops, JSON_COMPACT | JSON_PRESERVE_ORDER));
	return 0;
}

/* Variables: names and masking kept; an unmasked value is judged here in
 * memory and forgotten; a masked one is never even looked at. */
static int map_settings(struct sync *s, json_t *row)
{
	const char *coll = json_string_value(as_get(row, "CollectionID"));
	json_t *v;
	size_t i;

	if (!coll)
		return 0;
	json_array_foreach(as_get(row, "CollectionVariables"), i, v) {
		const char *name = json_string_value(as_get(v, "Name"));
		int64_t masked = as_conv_json(AS_BOOL, as_get(v, "IsMasked"));
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
	int64_t v = as_sci_value(row, "IISSSLState");
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
	json_t *names = as_get(as_sci_list(row, "Network Access User Names"), "Values"), *n;
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
	char *usage = as_conv_list(as_get(row, "AccountUsage"), ", ");
	int rc = put_setting(s, json_string_value(as_get(row, "SiteCode")), "account",
	                     json_string_value(as_get(row, "UserName")), usage ? usage : "");
	free(usage);
	return rc;
}

static const struct hook hooks[] = {
	{ "SMS_Site", NULL, fix_site, NULL },
	{ "SMS_SCI_SysResUse", map_sysres, NULL, NULL },
	{ "SMS_DistributionPointInfo", NULL, fix_dp, NULL },
	{ "SMS_Certificate", NULL, fix_cert, NULL },
	{ "SMS_TaskSequencePackage", NULL, NULL, after_ts },
	{ "SMS_CollectionSettings", map_settings, NULL, NULL },
	{ "SMS_Role", NULL, fix_role, NULL },
	{ "SMS_SCI_Component", map_component, NULL, NULL },
	{ "SMS_SCI_ClientComp", map_clientcomp, NULL, NULL },
	{ "SMS_SCI_Reserved", map_reserved, NULL, NULL },
};

static const struct hook *hook_of(const struct as_class *c)
{
	for (size_t i = 0; i < sizeof hooks / sizeof hooks[0]; i++)
		if (strcmp(hooks[i].cls, c->name) == 0)
			return &hooks[i];
	return NULL;
}

/* --- storing ------------------------------------------------------------ */

/* The last steps of both paths: keyed, completed, stored. 0 stored, 1
 * skipped (it lacks what keys it), -1 with s->err. */
static int store(struct sync *s, const struct as_class *c, const struct hook *h, json_t *row,
                 void *rec)
{
	if (!complete(c, rec))
		return 1;   /* not a row we can key: skip rather than invent */
	if (h && h->fix && h->fix(s, row, rec) != 0)
		return -1;
	if (row && c->raw_off >= 0)
		*(const char **)((char *)rec + c->raw_off) = raw(s, row);
	if (inv_put_record(s->db, c->record, rec, s->now, &s->err) != 0)
		return put_failed(s, c->name);
	return h && h->after && row ? h->after(s, row, rec) : 0;
}

int sync_map_row(struct sync *s, const struct as_class *c, json_t *row)
{
	const struct hook *h = hook_of(c);
	_Alignas(16) unsigned char rec[512];
	bool skipped = false;
	int rc;

	if (h && h->row) {
		rc = h->row(s, row);
	} else if (c->record == INV_REC_NONE || inv_kind_size(c->record) > sizeof rec) {
		rc = ow_err_set(&s->err, OW_EINPUT, "internal: %s has neither a record nor code",
		                c->name);
	} else {
		inv_record_init(c->record, rec);
		rc = apply_props(s, c, row, rec);
		if (rc == 0)
			skipped = (rc = store(s, c, h, row, rec)) == 1;
	}
	sync_drop_scratch(s);
	if (rc == 0 || skipped)
		s->rows++;
	return skipped ? 1 : rc ? -1 : 0;
}

int sync_put_streamed(struct sync *s, const struct as_class *c, void *rec)
{
	int rc = store(s, c, hook_of(c), NULL, rec);

	sync_drop_scratch(s);
	if (rc >= 0)
		s->rows++;
	return rc < 0 ? -1 : rc;
}

bool sync_lazy_needed(struct sync *s, const struct as_class *c, const void *rec)
{
	struct ow_err e = { 0 };

	for (size_t i = 0; i < c->nprops; i++) {
		const struct as_prop *p = &c->props[i];
		if (!(p->flags & AS_LAZY))
			continue;
		if (!(p->flags & AS_STABLE) || p->off < 0 || !rec ||
		    inv_known(s->db, c->record, rec, p->off, &e) != 1)
			return true;
	}
	return false;
}

int sync_map_rows(struct inv *db, const char *cls, void *rows_json, int64_t now,
                  struct ow_err *err)
{
	const struct as_class *c = as_class_find(cls);
	struct sync s = { .db = db, .now = now, .provider_id = INV_NULL };
	json_t *rows = rows_json, *row;
	size_t i;
	int rc = 0;

	if (!c)
		return ow_err_set(err, OW_EINPUT, "no mapping for class %s", cls);
	json_array_foreach(rows, i, row) {
		if ((rc = sync_map_row(&s, c, row)) < 0)
			break;
		rc = 0;
	}
	sync_free_joins(&s);
	if (rc && err)
		*err = s.err;
	return rc ? OW_EINPUT : 0;
}
