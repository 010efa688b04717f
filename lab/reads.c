#include "lab/reads.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lab/odata.h"
#include "util/buf.h"

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
		lab_answer_error(a, 400, err);
		return -1;
	}
	if (lab_query_each_property(q, check_property, &pc) != 0) {
		lab_answer_error(a, 400, pc.msg);
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

void lab_reads_count(struct lab_server *srv, const struct lab_class *cls, const char *query,
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

void lab_reads_collection(struct lab_server *srv, struct MHD_Connection *c,
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
		lab_answer_error(a, 500, "Out of memory sorting the collection.");
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
	lab_base_url(c, srv, &url);
	env = json_object();
	buf_addf(&url, "/wmi/$metadata#%s", lab_class_name(cls));
	json_object_set_new(env, "@odata.context", json_string(buf_str(&url)));
	a->rows = json_array_size(rows);
	json_object_set_new(env, "value", rows);
	if (srv->cfg.next_link && more && !q.filter) {
		struct buf next = BUF_INIT;
		lab_base_url(c, srv, &next);
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
	lab_answer_json(a, env);
	if (fault->kind == FAULT_OVERSIZE)
		oversize(a);
	json_decref(env);
	buf_free(&url);
	if (owned)
		free((size_t *)order);
	lab_query_free(&q);
}

void lab_reads_instance(struct lab_server *srv, struct MHD_Connection *c,
                        const struct lab_class *cls, long i, struct answer *a)
{
	json_t *env = json_object(), *rows = json_array();
	struct buf url = BUF_INIT;

	lab_base_url(c, srv, &url);
	buf_addf(&url, "/wmi/$metadata#%s", lab_class_name(cls));
	json_array_append_new(rows, lab_class_row(srv->site, cls, (size_t)i, true));
	json_object_set_new(env, "@odata.context", json_string(buf_str(&url)));
	json_object_set_new(env, "value", rows);
	a->status = 200;
	lab_answer_json(a, env);
	json_decref(env);
	buf_free(&url);
}

void lab_reads_free(struct lab_server *srv)
{
	for (size_t i = 0; i < srv->norders; i++)
		free(srv->orders[i].perm);
	srv->norders = 0;
}
