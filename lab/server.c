#include "lab/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lab/classes.h"
#include "lab/faults.h"
#include "lab/negotiate.h"
#include "lab/odata.h"
#include "lab/tls.h"
#include "util/buf.h"

#define JSON_TYPE "application/json; odata.metadata=minimal; odata.streaming=true; " \
                  "IEEE754Compatible=false; charset=utf-8"
#define MAX_UPLOAD (4u << 20)

/* etag -> object index for one class, built on the first lookup. */
struct keymap {
	const struct lab_class *cls;
	char **keys;
	size_t *idx;
	size_t cap;
};

struct lab_server {
	struct MHD_Daemon *d;
	struct lab_site *site;
	struct lab_config cfg;
	struct lab_tls tls;
	struct lab_faults faults;
	struct lab_negotiate *nego; /* NULL unless --auth negotiate */
	pthread_mutex_t lock;       /* the site, key maps, counters, journal */
	unsigned long requests;
	struct keymap maps[32];
	size_t nmaps;
	json_t *journal;            /* successful writes, replayed from --state */
	FILE *log;
	pthread_mutex_t log_lock;
	uint16_t port;
	bool page_max_set;          /* --page-max given: it caps every page, whatever $top says */
	/* $orderby on key properties only: the order is computed once (keys
	 * never change and objects are never added), so paging a big class
	 * costs no sort per page. */
	struct order_cache { const struct lab_class *cls; char by[256]; size_t *perm; } orders[32];
	size_t norders;
};

struct req {
	char *raw_uri;
	struct buf body;
	bool started;
	bool too_big;
	struct timespec t0;
};

/* A response before it goes on the wire. */
struct answer {
	unsigned status;
	struct buf body;
	const char *type;
	int retry_after;           /* seconds; 0 = no header */
	bool www_auth;
	char *nego_reply;          /* the acceptor's token for a 2xx/4xx after Negotiate */
};

/* --- small helpers ----------------------------------------------------- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void odata_error(struct answer *a, unsigned status, const char *msg)
{
	json_t *e = json_pack("{s:{s:s,s:s}}", "error", "code", "", "message", msg);
	char code[8], *s;

	snprintf(code, sizeof code, "%u", status);
	/* The code is a string, as the real service sends it. */
	json_object_set_new(json_object_get(e, "error"), "code", json_string(code));
	s = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
	a->status = status;
	buf_reset(&a->body);
	buf_adds(&a->body, s ? s : "");
	a->type = JSON_TYPE;
	free(s);
	json_decref(e);
}

static void base_url(struct MHD_Connection *c, const struct lab_server *srv, struct buf *out)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	buf_addf(out, "%s://%s/AdminService", srv->cfg.plain ? "http" : "https",
	         host ? host : "localhost");
}

/* Replaces the lone-surrogate token with the escape a .NET service emits. */
static void lone_surrogates(struct buf *b)
{
	const char *tok = LAB_LONE_SURROGATE_JSON;
	size_t tn = strlen(tok);
	char *p;

	while (b->data && (p = strstr(b->data, tok)) != NULL) {
		memcpy(p, "\\udc80", 6);
		memmove(p + 6, p + tn, b->len - (size_t)(p - b->data) - tn + 1);
		b->len -= tn - 6;
	}
}

static void dump_json(struct answer *a, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

	buf_reset(&a->body);
	buf_adds(&a->body, s ? s : "{}");
	free(s);
	lone_surrogates(&a->body);
	a->type = JSON_TYPE;
}

/* One 80 MiB field in the first row: bigger than any sane per-page cap.
 * Written straight into the body, since building it as JSON is slow. */
static void oversize(struct answer *a)
{
	static char chunk[1u << 20];
	const char *row = a->body.data ? strstr(a->body.data, "\"value\":[{") : NULL;
	struct buf grown = BUF_INIT;
	size_t at;

	if (!row)
		return;
	at = (size_t)(row - a->body.data) + strlen("\"value\":[{");
	memset(chunk, 'X', sizeof chunk);
	buf_add(&grown, a->body.data, at);
	buf_adds(&grown, "\"Oversize\":\"");
	for (int i = 0; i < 80; i++)
		buf_add(&grown, chunk, sizeof chunk);
	buf_adds(&grown, "\",");
	buf_add(&grown, a->body.data + at, a->body.len - at);
	if (grown.failed) {
		buf_free(&grown);
		return;
	}
	buf_free(&a->body);
	a->body = grown;
}

/* --- key lookup -------------------------------------------------------- */

static struct keymap *keymap_for(struct lab_server *srv, const struct lab_class *cls)
{
	struct keymap *m;
	size_t n;

	for (size_t i = 0; i < srv->nmaps; i++)
		if (srv->maps[i].cls == cls)
			return &srv->maps[i];
	if (srv->nmaps == sizeof srv->maps / sizeof srv->maps[0])
		return NULL;
	m = &srv->maps[srv->nmaps];
	n = lab_class_count(srv->site, cls);
	m->cls = cls;
	m->cap = 16;
	while (m->cap < n * 2)
		m->cap *= 2;
	m->keys = calloc(m->cap, sizeof *m->keys);
	m->idx = calloc(m->cap, sizeof *m->idx);
	if (!m->keys || !m->idx) {
		free(m->keys);
		free(m->idx);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		struct buf k = BUF_INIT;
		lab_class_etag(srv->site, cls, i, &k);
		size_t slot = hash_str(buf_str(&k)) & (m->cap - 1);
		while (m->keys[slot])
			slot = (slot + 1) & (m->cap - 1);
		m->keys[slot] = buf_detach(&k);
		m->idx[slot] = i;
	}
	srv->nmaps++;
	return m;
}

/* Index of the live object whose etag is key, or -1. */
static long lookup(struct lab_server *srv, const struct lab_class *cls, const char *key)
{
	struct keymap *m = keymap_for(srv, cls);
	size_t slot;

	if (!m)
		return -1;
	for (slot = hash_str(key) & (m->cap - 1); m->keys[slot]; slot = (slot + 1) & (m->cap - 1))
		if (strcmp(m->keys[slot], key) == 0)
			return lab_class_live(srv->site, cls, m->idx[slot]) ? (long)m->idx[slot] : -1;
	return -1;
}

/* Reads one key value at *p: 'quoted' (with '' for a quote) or a bare
 * token up to ',' or the end. */
static int key_value(const char **p, struct buf *out)
{
	const char *s = *p;

	if (*s == '\'') {
		for (s++; *s; s++) {
			if (*s == '\'') {
				if (s[1] != '\'')
					break;
				s++;
			}
			buf_addc(out, *s);
		}
		if (*s != '\'')
			return -1;
		*p = s + 1;
		return 0;
	}
	while (*s && *s != ',')
		buf_addc(out, *s++);
	*p = s;
	return out->len ? 0 : -1;
}

/* "v1/v2" (key-as-segment, bare values in key order) -> the etag form. */
static int parse_key_segments(const struct lab_class *cls, const char *text, struct buf *etag)
{
	size_t n = lab_class_nkeys(cls), k = 0;
	const char *p = text;

	for (; k < n && *p; k++) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == 0)
			return -1;
		if (k)
			buf_addc(etag, ';');
		buf_add(etag, p, len);
		p += len + (end ? 1 : 0);
		if (end && !*p)
			return -1;
	}
	return k == n && !*p ? 0 : -1;
}

/* "'x'", "123" or "Name='x',Other=2" -> the etag form of the key. */
static int parse_key(const struct lab_class *cls, const char *text, struct buf *etag)
{
	size_t n = lab_class_nkeys(cls);
	struct buf vals[4] = { BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT };
	bool have[4] = { false };
	const char *p = text;
	int rc = -1;

	if (*p == '\'' || (*p >= '0' && *p <= '9')) {
		if (n != 1 || key_value(&p, &vals[0]) != 0 || *p)
			goto out;
		have[0] = true;
	} else {
		while (*p) {
			const char *eq = strchr(p, '=');
			size_t k;
			if (!eq)
				goto out;
			for (k = 0; k < n; k++)
				if (strlen(lab_class_key(cls, k)) == (size_t)(eq - p) &&
				    strncasecmp(p, lab_class_key(cls, k), (size_t)(eq - p)) == 0)
					break;
			if (k == n || have[k])
				goto out;
			p = eq + 1;
			if (key_value(&p, &vals[k]) != 0)
				goto out;
			have[k] = true;
			if (*p == ',')
				p++;
			else if (*p)
				goto out;
		}
	}
	for (size_t k = 0; k < n; k++) {
		if (!have[k])
			goto out;
		if (k)
			buf_addc(etag, ';');
		buf_adds(etag, buf_str(&vals[k]));
	}
	rc = 0;
out:
	for (size_t k = 0; k < 4; k++)
		buf_free(&vals[k]);
	return rc;
}

/* --- reads -------------------------------------------------------------- */

struct prop_check {
	struct lab_server *srv;
	const struct lab_class *cls;
	bool in_select_phase;
	const struct lab_query *q;
	char msg[300];
};

static int check_property(void *ctx, const char *name)
{
	struct prop_check *pc = ctx;
	bool lazy = false;

	if (!lab_class_property(pc->srv->site, pc->cls, name, &lazy)) {
		snprintf(pc->msg, sizeof pc->msg, "Could not find a property named '%s' on type "
		         "'AdminService.%s'.", name, lab_class_name(pc->cls));
		return -1;
	}
	/* Selecting a lazy column in a collection is refused (reference §2). */
	for (size_t i = 0; lazy && i < pc->q->nselect; i++) {
		if (strcasecmp(pc->q->select[i], name) == 0) {
			snprintf(pc->msg, sizeof pc->msg, "The lazy property '%s' cannot be selected "
			         "in a collection query; read it from a single instance.", name);
			return -1;
		}
	}
	return 0;
}

/* Parses a collection's query and checks every property it names (a
 * lazy one in $select is refused, as the service does): 0, or -1 with the
 * 400 answer in a. On 0, q is the caller's to free. */
static int parse_query(struct lab_server *srv, const struct lab_class *cls, const char *query,
                       struct lab_query *q, struct answer *a)
{
	struct prop_check pc = { srv, cls, false, q, "" };
	char err[300];

	if (lab_query_parse(query, q, err, sizeof err) != 0) {
		odata_error(a, 400, err);
		return -1;
	}
	if (lab_query_each_property(q, check_property, &pc) != 0) {
		odata_error(a, 400, pc.msg);
		lab_query_free(q);
		return -1;
	}
	return 0;
}

struct order_rows {
	const struct lab_site *site;
	const struct lab_class *cls;
};

static json_t *order_row(void *ctx, size_t i)
{
	struct order_rows *o = ctx;
	return lab_class_row(o->site, o->cls, i, false);
}

static bool orders_by_keys_only(const struct lab_class *cls, const struct lab_query *q)
{
	for (size_t k = 0; k < q->norder; k++) {
		bool key = false;
		for (size_t j = 0; j < lab_class_nkeys(cls); j++)
			key |= strcasecmp(q->order[k], lab_class_key(cls, j)) == 0;
		if (!key)
			return false;
	}
	return true;
}

/* The objects in the order $orderby asks for (NULL: their own order, or
 * out of memory). *owned: the caller frees the result. */
static const size_t *ordered(struct lab_server *srv, const struct lab_class *cls,
                             const struct lab_query *q, bool *owned)
{
	struct order_rows o = { srv->site, cls };
	char by[256] = "";
	size_t *perm;

	*owned = false;
	if (q->norder == 0)
		return NULL;
	for (size_t k = 0; k < q->norder; k++)
		snprintf(by + strlen(by), sizeof by - strlen(by), "%s%s%s", k ? "," : "", q->order[k],
		         q->desc[k] ? " desc" : "");
	bool cacheable = orders_by_keys_only(cls, q);
	for (size_t i = 0; cacheable && i < srv->norders; i++)
		if (srv->orders[i].cls == cls && strcasecmp(srv->orders[i].by, by) == 0)
			return srv->orders[i].perm;
	perm = lab_query_order(q, lab_class_count(srv->site, cls), order_row, &o);
	if (perm && cacheable && srv->norders < sizeof srv->orders / sizeof srv->orders[0]) {
		struct order_cache *e = &srv->orders[srv->norders++];
		e->cls = cls;
		snprintf(e->by, sizeof e->by, "%s", by);
		e->perm = perm;
		return perm;
	}
	*owned = perm != NULL;
	return perm;
}

/* GET Class/$count: the number of live objects the $filter matches, as a
 * bare number (what the community reports the service answers). */
static void get_count(struct lab_server *srv, const struct lab_class *cls, const char *query,
                      struct answer *a)
{
	struct lab_query q;
	size_t n = lab_class_count(srv->site, cls), live = 0;

	if (parse_query(srv, cls, query, &q, a) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		json_t *row;
		if (!lab_class_live(srv->site, cls, i))
			continue;
		if (!q.filter) {
			live++;
			continue;
		}
		row = lab_class_row(srv->site, cls, i, false);
		live += lab_filter_match(q.filter, row);
		json_decref(row);
	}
	live = (size_t)((long)live + srv->cfg.count_offset > 0 ? (long)live + srv->cfg.count_offset : 0);
	buf_reset(&a->body);
	buf_addf(&a->body, "%zu", live);
	a->status = 200;
	a->type = "text/plain";
	lab_query_free(&q);
}

static void get_collection(struct lab_server *srv, struct MHD_Connection *c,
                           const struct lab_class *cls, const char *query,
                           const struct lab_fault *fault, struct answer *a)
{
	struct lab_query q;
	json_t *env, *rows;
	size_t n = lab_class_count(srv->site, cls), live = 0;
	long skip, top;
	bool more = false;
	struct buf url = BUF_INIT;

	if (parse_query(srv, cls, query, &q, a) != 0)
		return;
	skip = q.has_skip ? q.skip : 0;
	top = q.has_top ? q.top : (srv->cfg.next_link ? srv->cfg.page_max : -1);
	/* A capped server sends at most page_max rows whatever $top asks. */
	if (srv->page_max_set && (top < 0 || top > srv->cfg.page_max))
		top = srv->cfg.page_max;
	if (fault->kind == FAULT_REPEAT_PAGE)
		skip = 0;
	bool owned;
	const size_t *order = ordered(srv, cls, &q, &owned);
	if (q.norder && !order) {
		odata_error(a, 500, "Out of memory sorting the collection.");
		lab_query_free(&q);
		return;
	}
	rows = json_array();
	for (size_t j = 0; j < n; j++) {
		size_t i = order ? order[j] : j;
		json_t *row;

		if (!lab_class_live(srv->site, cls, i))
			continue;
		if (!q.filter && live < (size_t)skip) {
			live++;        /* no filter: skipping needs no row */
			continue;
		}
		row = lab_class_row(srv->site, cls, i, false);
		if (!lab_filter_match(q.filter, row)) {
			json_decref(row);
			continue;
		}
		if (live++ < (size_t)skip) {
			json_decref(row);
			continue;
		}
		if (top >= 0 && (long)json_array_size(rows) >= top) {
			more = true;
			json_decref(row);
			break;
		}
		json_array_append_new(rows, lab_select(row, &q));
		json_decref(row);
	}
	base_url(c, srv, &url);
	env = json_object();
	buf_addf(&url, "/wmi/$metadata#%s", lab_class_name(cls));
	json_object_set_new(env, "@odata.context", json_string(buf_str(&url)));
	json_object_set_new(env, "value", rows);
	if (srv->cfg.next_link && more && !q.filter) {
		struct buf next = BUF_INIT;
		base_url(c, srv, &next);
		buf_addf(&next, "/wmi/%s?$top=%ld&$skip=%ld", lab_class_name(cls),
		         top, skip + top);
		for (size_t i = 0; i < q.nselect; i++)
			buf_addf(&next, "%s%s", i ? "," : "&$select=", q.select[i]);
		for (size_t i = 0; i < q.norder; i++)
			buf_addf(&next, "%s%s%s", i ? "," : "&$orderby=", q.order[i],
			         q.desc[i] ? "%20desc" : "");
		json_object_set_new(env, "@odata.nextLink", json_string(buf_str(&next)));
		buf_free(&next);
	}
	a->status = 200;
	dump_json(a, env);
	if (fault->kind == FAULT_OVERSIZE)
		oversize(a);
	json_decref(env);
	buf_free(&url);
	if (owned)
		free((size_t *)order);
	lab_query_free(&q);
}

static void get_instance(struct lab_server *srv, struct MHD_Connection *c,
                         const struct lab_class *cls, long i, struct answer *a)
{
	json_t *env = json_object(), *rows = json_array();
	struct buf url = BUF_INIT;

	base_url(c, srv, &url);
	buf_addf(&url, "/wmi/$metadata#%s", lab_class_name(cls));
	json_array_append_new(rows, lab_class_row(srv->site, cls, (size_t)i, true));
	json_object_set_new(env, "@odata.context", json_string(buf_str(&url)));
	json_object_set_new(env, "value", rows);
	a->status = 200;
	dump_json(a, env);
	json_decref(env);
	buf_free(&url);
}

/* --- writes ------------------------------------------------------------- */

static void method_ok(struct lab_server *srv, struct MHD_Connection *c, struct answer *a)
{
	struct buf url = BUF_INIT;
	json_t *j = json_object();

	if (c)
		base_url(c, srv, &url);
	else
		buf_adds(&url, "https://localhost/AdminService");
	buf_adds(&url, "/wmi/$metadata#__PARAMETERS");
	json_object_set_new(j, "@odata.context", json_string(buf_str(&url)));
	json_object_set_new(j, "ReturnValue", json_integer(0));
	a->status = 201;
	dump_json(a, j);
	json_decref(j);
	buf_free(&url);
}

static bool json_bool_of(json_t *v, bool *out)
{
	if (json_is_boolean(v))
		*out = json_is_true(v);
	else if (json_is_integer(v))
		*out = json_integer_value(v) != 0;
	else
		return false;
	return true;
}

static void block_certificate(struct lab_server *srv, struct MHD_Connection *c, json_t *body,
                              struct answer *a)
{
	const char *smsid = json_string_value(lab_get_ci(body, "SMSID"));
	bool blocked;
	long i;

	if (!smsid || !json_bool_of(lab_get_ci(body, "Blocked"), &blocked)) {
		odata_error(a, 400, "BlockCertificate needs SMSID (string) and Blocked (boolean).");
		return;
	}
	i = lookup(srv, lab_class_find("SMS_Certificate"), smsid);
	if (i < 0) {
		odata_error(a, 404, "No certificate with that SMSID.");
		return;
	}
	srv->site->certs[i].blocked = blocked;
	method_ok(srv, c, a);
}

static void delete_association(struct lab_server *srv, struct MHD_Connection *c, json_t *body,
                               struct answer *a)
{
	json_t *src = lab_get_ci(body, "SourceClientResourceID");
	json_t *dst = lab_get_ci(body, "RestoreClientResourceID");
	char key[64];
	long i;

	if (!json_is_integer(src) || !json_is_integer(dst)) {
		odata_error(a, 400, "DeleteAssociation needs SourceClientResourceID and "
		            "RestoreClientResourceID (integers).");
		return;
	}
	snprintf(key, sizeof key, "%lld;%lld", (long long)json_integer_value(dst),
	         (long long)json_integer_value(src));
	i = lookup(srv, lab_class_find("SMS_StateMigration"), key);
	if (i < 0) {
		odata_error(a, 404, "No such computer association.");
		return;
	}
	srv->site->assocs[i].removed = true;
	srv->site->assocs[i].deleted = srv->site->now_ms;
	method_ok(srv, c, a);
}

/* The embedded property called name in a PUT body's Props, or NULL. */
static json_t *embedded(json_t *body, const char *list, const char *key, const char *name)
{
	json_t *arr = lab_get_ci(body, list), *e;
	size_t i;

	json_array_foreach(arr, i, e) {
		const char *n = json_string_value(lab_get_ci(e, key));
		if (n && strcasecmp(n, name) == 0)
			return e;
	}
	return NULL;
}

static bool prop_value(json_t *body, const char *name, int *out)
{
	json_t *e = embedded(body, "Props", "PropertyName", name), *v;

	if (!e || !json_is_integer(v = lab_get_ci(e, "Value")))
		return false;
	*out = (int)json_integer_value(v);
	return true;
}

/* Joins a PropList's Values with ','; NULL if the list is absent. */
static const char *proplist_joined(struct lab_site *s, json_t *body, const char *name)
{
	json_t *e = embedded(body, "PropLists", "PropertyListName", name), *v;
	struct buf b = BUF_INIT;
	const char *kept;
	size_t i;

	if (!e)
		return NULL;
	json_array_foreach(lab_get_ci(e, "Values"), i, v) {
		if (json_is_string(v))
			buf_addf(&b, "%s%s", b.len ? "," : "", json_string_value(v));
	}
	kept = lab_site_strdup(s, buf_str(&b));
	buf_free(&b);
	return kept;
}

static void put_sysres(struct lab_server *srv, size_t i, json_t *body, struct answer *a)
{
	struct lab_site *s = srv->site;
	size_t base = 2 * s->nsites;
	int v;

	if (!json_is_object(body) || !json_is_array(lab_get_ci(body, "Props"))) {
		odata_error(a, 400, "PUT needs the whole object, with its Props.");
		return;
	}
	if (i >= base && i - base < s->ndps) {
		struct lab_dp *d = &s->dps[i - base];
		const char *macs = proplist_joined(s, body, "BindExcept");
		if (prop_value(body, "IsActive", &v)) d->active = v != 0;
		if (prop_value(body, "IsPXE", &v)) d->pxe = v != 0;
		if (prop_value(body, "SupportUnknownMachines", &v)) d->unknown = v != 0;
		if (prop_value(body, "BindPolicy", &v)) d->bind_policy = v;
		if (macs) d->bind_except = macs;
	} else if (i >= base + s->ndps) {
		struct lab_smp *m = &s->smps[i - base - s->ndps];
		if (prop_value(body, "SMPQuiesceState", &v)) m->quiesce = v;
		if (prop_value(body, "SMPStoreDeletionDelayTimeInMinutes", &v)) m->delay_min = v;
		if (prop_value(body, "SMPStoreDeletionCycleTimeInMinutes", &v)) m->cycle_min = v;
	}
	/* Other site control rows accept the PUT and change nothing the lab
	 * models, like a provider that ignores unknown properties. */
	a->status = 204;
	buf_reset(&a->body);
}

static void put_boot_image(struct lab_server *srv, size_t i, json_t *body, struct answer *a)
{
	bool on;

	if (!json_bool_of(lab_get_ci(body, "EnableLabShell"), &on)) {
		odata_error(a, 400, "PUT needs EnableLabShell (boolean).");
		return;
	}
	srv->site->boots[i].lab_shell = on;
	a->status = 204;
	buf_reset(&a->body);
}

static void delete_sysres(struct lab_server *srv, size_t i, struct answer *a)
{
	struct lab_site *s = srv->site;
	size_t base = 2 * s->nsites;

	if (i < base) {
		odata_error(a, 400, "The site server and SMS Provider roles cannot be removed here.");
		return;
	}
	if (i - base < s->ndps)
		s->dps[i - base].removed = true;
	else
		s->smps[i - base - s->ndps].removed = true;
	a->status = 204;
	buf_reset(&a->body);
}

/* --- routing ------------------------------------------------------------- */

static bool denied(const struct lab_server *srv, const char *cls)
{
	const char *p = srv->cfg.deny;
	size_t n = strlen(cls);

	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncasecmp(p, cls, n) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* Splits "Class(key)" / "Class/v1/v2" / "Class.Method" / "Class". */
struct target {
	char cls[128];
	char key[2048];
	char method[64];
	bool has_key, has_method;
	bool segments;             /* key-as-segment: key holds the values, '/' between */
};

static int parse_target(const char *s, struct target *t)
{
	const char *paren = strchr(s, '('), *slash = strchr(s, '/'), *dot = strchr(s, '.');
	size_t n;

	memset(t, 0, sizeof *t);
	if (slash && (!paren || slash < paren)) {
		/* Class/v1/v2: values may hold dots, so this comes first. */
		n = (size_t)(slash - s);
		if (n == 0 || n >= sizeof t->cls || strlen(slash + 1) >= sizeof t->key || !slash[1] ||
		    memchr(s, '.', n))
			return -1;
		memcpy(t->cls, s, n);
		strcpy(t->key, slash + 1);
		t->has_key = t->segments = true;
		/* Instance methods (Class/k/AdminService.Method) are not served. */
		return strstr(t->key, "AdminService.") ? -1 : 0;
	}
	if (paren) {
		size_t len = strlen(s);
		if (s[len - 1] != ')' || (size_t)(paren - s) >= sizeof t->cls ||
		    len - (size_t)(paren - s) - 2 >= sizeof t->key)
			return -1;
		memcpy(t->cls, s, (size_t)(paren - s));
		memcpy(t->key, paren + 1, len - (size_t)(paren - s) - 2);
		t->has_key = true;
		/* Instance method: Class('k')/AdminService.Method is not served. */
		return strchr(paren, '/') ? -1 : 0;
	}
	if (dot) {
		n = (size_t)(dot - s);
		if (n >= sizeof t->cls || strlen(dot + 1) >= sizeof t->method)
			return -1;
		memcpy(t->cls, s, n);
		strcpy(t->method, dot + 1);
		t->has_method = true;
		return 0;
	}
	if (strlen(s) >= sizeof t->cls)
		return -1;
	strcpy(t->cls, s);
	return 0;
}

/* Handles one request whose auth has passed; the caller holds the lock.
 * c is NULL when a journal entry is replayed at start. */
static void route(struct lab_server *srv, struct MHD_Connection *c, const char *method,
                  const char *path, const char *query, const char *upload,
                  const struct lab_fault *fault, struct answer *a)
{
	static const char prefix[] = "/AdminService/";
	struct target t;
	const struct lab_class *cls;
	json_t *body = NULL;
	bool is_get = strcmp(method, "GET") == 0;

	if (strncasecmp(path, prefix, sizeof prefix - 1) != 0) {
		odata_error(a, 404, "Not an AdminService URL.");
		return;
	}
	path += sizeof prefix - 1;
	if (strcasecmp(path, "wmi/$metadata") == 0 || strcasecmp(path, "v1.0/$metadata") == 0) {
		if (!is_get) {
			odata_error(a, 405, "Method not allowed.");
			return;
		}
		lab_class_metadata(srv->site, &a->body, path[0] == 'v' ? "v1.0" : "wmi",
		                   srv->cfg.metadata_without);
		a->status = 200;
		a->type = "application/xml";
		return;
	}
	char counted[200];
	bool count_only = false;
	size_t plen = strlen(path);
	if (plen > 11 && plen - 7 < sizeof counted && strncasecmp(path, "wmi/", 4) == 0 &&
	    strcasecmp(path + plen - 7, "/$count") == 0) {
		memcpy(counted, path, plen - 7);
		counted[plen - 7] = '\0';
		path = counted;
		count_only = true;
	}
	if (strncasecmp(path, "wmi/", 4) != 0 || parse_target(path + 4, &t) != 0 ||
	    (count_only && (t.has_key || t.has_method))) {
		odata_error(a, 404, "No such resource.");
		return;
	}
	/* What --metadata-without took out of $metadata, the lab does not
	 * serve either: a site that does not expose a class or method. */
	{
		char full[200];
		snprintf(full, sizeof full, "%s%s%s", t.cls, t.has_method ? "." : "", t.method);
		if (lab_site_hidden(srv->cfg.metadata_without, full)) {
			odata_error(a, 404, t.has_method ? "No such method." : "No such class.");
			return;
		}
	}

	if (upload && *upload && !(body = json_loads(upload, 0, NULL))) {
		odata_error(a, 400, "The request body is not valid JSON.");
		return;
	}
	if (t.has_method) {
		if (strcmp(method, "POST") != 0)
			odata_error(a, 405, "Methods are called with POST.");
		else if (strcasecmp(t.cls, "SMS_CertificateInfo") == 0 &&
		         strcasecmp(t.method, "BlockCertificate") == 0)
			block_certificate(srv, c, body, a);
		else if (strcasecmp(t.cls, "SMS_StateMigration") == 0 &&
		         strcasecmp(t.method, "DeleteAssociation") == 0)
			delete_association(srv, c, body, a);
		else
			odata_error(a, 404, "No such method.");
		json_decref(body);
		return;
	}
	cls = lab_class_find(t.cls);
	if (!cls) {
		odata_error(a, 404, "No such class.");
		json_decref(body);
		return;
	}
	if (denied(srv, lab_class_name(cls))) {
		/* A role without rights on this class: the service says 404. */
		buf_reset(&a->body);
		buf_adds(&a->body, "{\"error\":{\"code\":\"404\",\"message\":\"Access denied  WMI QUERY: \"}}");
		a->status = 404;
		a->type = JSON_TYPE;
		json_decref(body);
		return;
	}
	if (!t.has_key) {
		if (is_get && count_only)
			get_count(srv, cls, query, a);
		else if (is_get)
			get_collection(srv, c, cls, query, fault, a);
		else
			odata_error(a, 405, "Only GET is served on a collection.");
		json_decref(body);
		return;
	}
	unsigned forms = srv->cfg.key_forms && lab_class_nkeys(cls) > 1
	                         ? srv->cfg.key_forms : LAB_KEY_PARENS | LAB_KEY_SEGMENTS;
	if (t.segments && !(forms & LAB_KEY_SEGMENTS)) {
		odata_error(a, 404, "No such resource.");
		json_decref(body);
		return;
	}
	struct buf etag = BUF_INIT;
	long i = (t.segments ? parse_key_segments(cls, t.key, &etag)
	                     : forms & LAB_KEY_PARENS ? parse_key(cls, t.key, &etag) : -1) == 0
	                 ? lookup(srv, cls, buf_str(&etag)) : -2;
	buf_free(&etag);
	if (i == -2)
		odata_error(a, 400, "The key in the URL is not valid for this class.");
	else if (i < 0)
		odata_error(a, 404, "No instance with that key.");
	else if (is_get)
		get_instance(srv, c, cls, i, a);
	else if (strcmp(method, "PUT") == 0 && cls == lab_class_find("SMS_SCI_SysResUse"))
		put_sysres(srv, (size_t)i, body, a);
	else if (strcmp(method, "PUT") == 0 && cls == lab_class_find("SMS_BootImagePackage"))
		put_boot_image(srv, (size_t)i, body, a);
	else if (strcmp(method, "DELETE") == 0 && cls == lab_class_find("SMS_SCI_SysResUse"))
		delete_sysres(srv, (size_t)i, a);
	else
		odata_error(a, 405, "This operation is not supported on this class.");
	json_decref(body);
}

/* --- state journal ------------------------------------------------------ */

static void journal_save(struct lab_server *srv)
{
	char tmp[4096];
	FILE *f;
	int fd;

	if (!srv->cfg.state_path)
		return;
	snprintf(tmp, sizeof tmp, "%s.tmp", srv->cfg.state_path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "osdwarden-lab: cannot save state to %s: %s\n", tmp, strerror(errno));
		return;
	}
	json_dumpf(srv->journal, f, JSON_INDENT(1));
	if (fclose(f) != 0 || rename(tmp, srv->cfg.state_path) != 0)
		fprintf(stderr, "osdwarden-lab: cannot save state to %s: %s\n",
		        srv->cfg.state_path, strerror(errno));
}

static void journal_add(struct lab_server *srv, const char *method, const char *path,
                        const char *body)
{
	json_array_append_new(srv->journal, json_pack("{s:s,s:s,s:s}", "method", method,
	                                               "path", path, "body", body ? body : ""));
	journal_save(srv);
}

static int journal_replay(struct lab_server *srv, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j, *e;
	size_t i;

	if (!srv->cfg.state_path || access(srv->cfg.state_path, F_OK) != 0)
		return 0;
	j = json_load_file(srv->cfg.state_path, 0, &je);
	if (!json_is_array(j)) {
		snprintf(err, errlen, "state file %s is not a lab journal: %s",
		         srv->cfg.state_path, je.text);
		json_decref(j);
		return -1;
	}
	json_array_foreach(j, i, e) {
		struct answer a = { 0, BUF_INIT, NULL, 0, false, NULL };
		struct lab_fault none = { .kind = FAULT_NONE };
		const char *m = json_string_value(json_object_get(e, "method"));
		const char *p = json_string_value(json_object_get(e, "path"));
		const char *b = json_string_value(json_object_get(e, "body"));
		if (m && p) {
			route(srv, NULL, m, p, "", b, &none, &a);
			json_array_append(srv->journal, e);
		}
		buf_free(&a.body);
	}
	json_decref(j);
	return 0;
}

/* --- HTTP plumbing ------------------------------------------------------ */

struct trickle {
	char *data;
	size_t len, pos, stop;     /* stop < len: drop the connection there */
	unsigned delay_ms;         /* per chunk */
};

static ssize_t trickle_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct trickle *t = cls;
	size_t n;

	(void)pos;
	if (t->pos >= t->stop)
		return t->stop < t->len ? MHD_CONTENT_READER_END_WITH_ERROR
		                        : MHD_CONTENT_READER_END_OF_STREAM;
	n = t->stop - t->pos;
	if (n > max)
		n = max;
	if (t->delay_ms) {
		if (n > 4096)
			n = 4096;
		usleep(t->delay_ms * 1000u);
	}
	memcpy(out, t->data + t->pos, n);
	t->pos += n;
	return (ssize_t)n;
}

static void trickle_free(void *cls)
{
	struct trickle *t = cls;
	free(t->data);
	free(t);
}

static void log_request(struct lab_server *srv, struct req *r, const char *method,
                        const char *user, unsigned status, size_t bytes,
                        const struct lab_fault *fault)
{
	struct timespec t1;
	const char *q;
	json_t *j;
	char *line, *path;
	double ms;

	if (!srv->log)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - r->t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e6;
	q = strchr(r->raw_uri ? r->raw_uri : "", '?');
	path = strndup(r->raw_uri ? r->raw_uri : "", q ? (size_t)(q - r->raw_uri) : strlen(r->raw_uri ? r->raw_uri : ""));
	j = json_pack("{s:s,s:s,s:s,s:i,s:I,s:f,s:s?,s:s}", "method", method, "path", path ? path : "",
	              "query", q ? q + 1 : "", "status", (int)status, "bytes", (json_int_t)bytes,
	              "ms", ms, "user", user, "fault", lab_fault_name(fault->kind));
	line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	pthread_mutex_lock(&srv->log_lock);
	if (line)
		fprintf(srv->log, "%s\n", line);
	fflush(srv->log);
	pthread_mutex_unlock(&srv->log_lock);
	free(line);
	free(path);
	json_decref(j);
}

static enum MHD_Result send_answer(struct MHD_Connection *c, struct answer *a,
                                   const struct lab_fault *fault, bool srv_basic, size_t *sent)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;
	size_t len = a->body.len;
	char *data = buf_detach(&a->body);

	if (!data)
		return MHD_NO;
	*sent = len;
	if (fault->kind == FAULT_BADJSON && a->status == 200 && len > 2) {
		/* Keep the start, end in the middle of a token. */
		size_t cut = len / 2 + 1;
		memcpy(data + cut - 1, "\"", 1);
		data[cut] = '\0';
		len = cut;
		*sent = len;
	}
	if (fault->kind == FAULT_SLOW || fault->kind == FAULT_TRUNCATE) {
		struct trickle *t = calloc(1, sizeof *t);
		if (!t) {
			free(data);
			return MHD_NO;
		}
		t->data = data;
		t->len = len;
		t->stop = fault->kind == FAULT_TRUNCATE ? len / 2 : len;
		t->delay_ms = fault->kind == FAULT_SLOW
		                      ? (unsigned)(fault->ms / (len / 4096 + 1)) : 0;
		resp = MHD_create_response_from_callback(len, 4096, trickle_read, t, trickle_free);
	} else {
		resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	}
	if (!resp)
		return MHD_NO;
	if (a->type)
		MHD_add_response_header(resp, "Content-Type", a->type);
	MHD_add_response_header(resp, "OData-Version", "4.0");
	if (a->retry_after) {
		char v[16];
		snprintf(v, sizeof v, "%d", a->retry_after);
		MHD_add_response_header(resp, "Retry-After", v);
	}
	if (a->www_auth) {
		/* What the lab offers is what it accepts: the real service offers
		 * Negotiate only; Basic exists in the lab alone. */
		MHD_add_response_header(resp, "WWW-Authenticate",
		                        srv_basic ? "Basic realm=\"AdminService\"" : "Negotiate");
	} else if (a->nego_reply) {
		char *v = malloc(strlen(a->nego_reply) + 11);
		if (v) {
			sprintf(v, "Negotiate %s", a->nego_reply);
			MHD_add_response_header(resp, "WWW-Authenticate", v);
			free(v);
		}
	}
	rc = MHD_queue_response(c, a->status, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* A principal "name@REALM" is the lab's user when the configured name is
 * the whole principal or, without a realm, its name part. */
static bool principal_is(const char *principal, const char *want)
{
	size_t n = strlen(want);

	if (!want || !*want)
		return false;
	if (strcmp(principal, want) == 0)
		return true;
	return !strchr(want, '@') && strncmp(principal, want, n) == 0 && principal[n] == '@';
}

/* Negotiate, once per request. A principal the KDC vouches for but the
 * lab does not know is treated as an account without a role (the real
 * service: authenticated, no Configuration Manager role, 404). */
static int authenticate_negotiate(struct lab_server *srv, struct MHD_Connection *c,
                                  char **user, char **reply, bool *challenge)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	char why[400], *principal = NULL;
	enum lab_nego r = lab_negotiate_check(srv->nego, h, &principal, reply, why, sizeof why);
	int who;

	*challenge = r == LAB_NEGO_ABSENT;
	if (r == LAB_NEGO_NTLM || r == LAB_NEGO_FAILED) {
		/* The lab's log (stderr), as AdminService.log would say it. */
		fprintf(stderr, "osdwarden-lab: 401: %s\n", why);
		return 0;
	}
	if (r != LAB_NEGO_OK)
		return 0;
	who = principal_is(principal, srv->cfg.user) ? 1 : 2;
	*user = principal;
	return who;
}

/* Who is asking: 1 = the lab's user, 2 = the role-less user, 0 = nobody.
 * *user is to be freed with free(). *challenge: the request carried no
 * credentials at all (the first leg of Negotiate). */
static int authenticate(struct lab_server *srv, struct MHD_Connection *c, char **user,
                        char **reply, bool *challenge)
{
	char *pass = NULL, *name;
	const char *hdr;
	int who = 0;

	*user = NULL;
	*reply = NULL;
	*challenge = false;
	if (srv->cfg.auth_none)
		return 1;
	if (srv->nego)
		return authenticate_negotiate(srv, c, user, reply, challenge);
	hdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	*challenge = !hdr;
	if (hdr && strncasecmp(hdr, "NTLM", 4) == 0 && (hdr[4] == ' ' || hdr[4] == '\0')) {
		fprintf(stderr, "osdwarden-lab: 401: Rejecting NTLM authentication. "
		        "(Authorization: NTLM)\n");
		return 0;
	}
	name = MHD_basic_auth_get_username_password(c, &pass);
	if (name) {
		*user = strdup(name);
		MHD_free(name);
	}
	if (*user && pass && strcmp(pass, srv->cfg.password) == 0) {
		if (strcmp(*user, srv->cfg.user) == 0)
			who = 1;
		else if (srv->cfg.norole_user && strcmp(*user, srv->cfg.norole_user) == 0)
			who = 2;
	}
	if (pass) {
		memset(pass, 0, strlen(pass));
		MHD_free(pass);
	}
	return who;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
	struct lab_server *srv = cls;
	struct req *r = *con_cls;
	struct answer a = { 0, BUF_INIT, NULL, 0, false, NULL };
	struct lab_fault fault;
	const char *query;
	char *user = NULL;
	size_t sent = 0;
	enum MHD_Result rc;
	bool challenge;
	int who;

	(void)version;
	if (!r)
		return MHD_NO;
	if (!r->started) {
		r->started = true;
		return MHD_YES;
	}
	if (*upload_size) {
		if (r->body.len + *upload_size > MAX_UPLOAD)
			r->too_big = true;
		else
			buf_add(&r->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	query = strchr(r->raw_uri ? r->raw_uri : "", '?');
	query = query ? query + 1 : "";

	who = authenticate(srv, c, &user, &a.nego_reply, &challenge);
	/* A request with no credentials at all is the challenge leg of
	 * Negotiate (401, then the same request with a token): it is logged
	 * but neither counted nor faulted, so that `@req=N` names the Nth
	 * request that carried credentials, whatever the auth mode. */
	memset(&fault, 0, sizeof fault);
	if (!(challenge && who == 0)) {
		pthread_mutex_lock(&srv->lock);
		fault = lab_faults_pick(&srv->faults, ++srv->requests, url);
		pthread_mutex_unlock(&srv->lock);
	}
	if (fault.kind == FAULT_RESET) {
		log_request(srv, r, method, user, 0, 0, &fault);
		free(user);
		free(a.nego_reply);
		return MHD_NO;
	}
	if (who == 0 || fault.kind == FAULT_401) {
		/* Anonymous or wrong password: 401 with an empty body. */
		a.status = 401;
		a.www_auth = true;
	} else if (who == 2 || (srv->cfg.deny_writes && strcmp(method, "GET") != 0)) {
		a.status = 404;
		buf_adds(&a.body, "{\"error\":{\"code\":\"404\",\"message\":\"Access denied  WMI QUERY: \"}}");
		a.type = JSON_TYPE;
	} else if (fault.kind == FAULT_500 || fault.kind == FAULT_503 || fault.kind == FAULT_429) {
		odata_error(&a, fault.kind == FAULT_500 ? 500 : fault.kind == FAULT_503 ? 503 : 429,
		            "Injected fault.");
		if (fault.kind != FAULT_500)
			a.retry_after = 1;
	} else if (r->too_big) {
		odata_error(&a, 413, "The request body is too large.");
	} else {
		bool write = strcmp(method, "GET") != 0;
		pthread_mutex_lock(&srv->lock);
		route(srv, c, method, url, query, buf_str(&r->body), &fault, &a);
		if (write && a.status >= 200 && a.status < 300)
			journal_add(srv, method, url, buf_str(&r->body));
		pthread_mutex_unlock(&srv->lock);
		if (fault.kind == FAULT_LOST) {
			/* Done, but the answer never leaves: the client cannot know. */
			log_request(srv, r, method, user, a.status, 0, &fault);
			buf_free(&a.body);
			free(user);
			free(a.nego_reply);
			return MHD_NO;
		}
	}
	if (a.www_auth) {
		/* A refused token gets no mutual-authentication reply. */
		free(a.nego_reply);
		a.nego_reply = NULL;
	}
	rc = send_answer(c, &a, &fault, srv->cfg.auth_basic, &sent);
	log_request(srv, r, method, user, a.status, sent, &fault);
	buf_free(&a.body);
	free(user);
	free(a.nego_reply);
	return rc;
}

static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct req *r = calloc(1, sizeof *r);

	(void)cls;
	(void)c;
	if (r) {
		/* The raw URI: query options are parsed by us, escapes and all. */
		r->raw_uri = strdup(uri);
		clock_gettime(CLOCK_MONOTONIC, &r->t0);
	}
	return r;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (r) {
		free(r->raw_uri);
		buf_free(&r->body);
		free(r);
		*con_cls = NULL;
	}
}

int lab_server_start(struct lab_site *site, const struct lab_config *cfg,
                     struct lab_server **out, char *err, size_t errlen)
{
	struct lab_server *srv = calloc(1, sizeof *srv);
	struct sockaddr_in sa = { 0 };
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
	                 MHD_USE_POLL;
	const union MHD_DaemonInfo *info;

	*out = NULL;
	if (!srv) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	srv->site = site;
	srv->cfg = *cfg;
	srv->page_max_set = srv->cfg.page_max > 0;
	if (srv->cfg.page_max <= 0)
		srv->cfg.page_max = 1000;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_mutex_init(&srv->log_lock, NULL);
	srv->journal = json_array();
	if (lab_faults_parse(cfg->faults, site->seed, &srv->faults, err, errlen) != 0)
		goto fail;
	if (journal_replay(srv, err, errlen) != 0)
		goto fail;
	if (!cfg->auth_none && !cfg->auth_basic &&
	    lab_negotiate_open(cfg->keytab, &srv->nego, err, errlen) != 0)
		goto fail;
	if (cfg->log_path && !(srv->log = fopen(cfg->log_path, "a"))) {
		snprintf(err, errlen, "cannot open the log %s: %s", cfg->log_path, strerror(errno));
		goto fail;
	}
	if (!cfg->plain) {
		if (lab_tls_generate(&srv->tls, err, errlen) != 0)
			goto fail;
		if (cfg->ca_out) {
			FILE *f = fopen(cfg->ca_out, "w");
			if (!f || fputs(srv->tls.ca_pem, f) < 0 || fclose(f) != 0) {
				snprintf(err, errlen, "cannot write the CA to %s: %s", cfg->ca_out,
				         strerror(errno));
				goto fail;
			}
		}
		flags |= MHD_USE_TLS;
	}
	sa.sin_family = AF_INET;
	sa.sin_port = htons(cfg->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (cfg->plain)
		srv->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, srv,
		                          MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		                          MHD_OPTION_URI_LOG_CALLBACK, uri_logger, srv,
		                          MHD_OPTION_NOTIFY_COMPLETED, completed, srv,
		                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
		                          MHD_OPTION_END);
	else
		srv->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, srv,
		                          MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		                          MHD_OPTION_URI_LOG_CALLBACK, uri_logger, srv,
		                          MHD_OPTION_NOTIFY_COMPLETED, completed, srv,
		                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
		                          MHD_OPTION_HTTPS_MEM_KEY, srv->tls.key_pem,
		                          MHD_OPTION_HTTPS_MEM_CERT, srv->tls.cert_pem,
		                          MHD_OPTION_END);
	if (!srv->d) {
		snprintf(err, errlen, "cannot listen on 127.0.0.1:%u (in use, or TLS unsupported)",
		         (unsigned)cfg->port);
		goto fail;
	}
	info = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : cfg->port;
	*out = srv;
	return 0;
fail:
	lab_server_stop(srv);
	return -1;
}

uint16_t lab_server_port(const struct lab_server *srv)
{
	return srv->port;
}

void lab_server_stop(struct lab_server *srv)
{
	if (!srv)
		return;
	if (srv->d)
		MHD_stop_daemon(srv->d);
	for (size_t i = 0; i < srv->nmaps; i++) {
		for (size_t k = 0; k < srv->maps[i].cap; k++)
			free(srv->maps[i].keys[k]);
		free(srv->maps[i].keys);
		free(srv->maps[i].idx);
	}
	if (srv->log)
		fclose(srv->log);
	json_decref(srv->journal);
	for (size_t i = 0; i < srv->norders; i++)
		free(srv->orders[i].perm);
	lab_negotiate_close(srv->nego);
	lab_tls_free(&srv->tls);
	pthread_mutex_destroy(&srv->lock);
	pthread_mutex_destroy(&srv->log_lock);
	free(srv);
}
