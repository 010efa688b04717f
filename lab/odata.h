/* The OData query options the lab understands: $top, $skip, $select,
 * $orderby (properties, each asc or desc) and a $filter of
 * eq/ne/and/startswith/endswith. Anything else is a 400. */
#ifndef OW_LAB_ODATA_H
#define OW_LAB_ODATA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct lab_filter;

struct lab_query {
	bool has_top, has_skip;
	long top, skip;
	char *select[64];
	size_t nselect;
	char *order[8];          /* $orderby properties, in order */
	bool desc[8];
	size_t norder;
	struct lab_filter *filter;
};

/* Parses the raw (still percent-encoded) query string. On error returns -1
 * and writes an OData-style message into err. */
int lab_query_parse(const char *raw, struct lab_query *q, char *err, size_t errlen);
void lab_query_free(struct lab_query *q);

/* Calls fn for every property name the query mentions ($select and
 * $filter); stops and returns the first non-zero fn result. */
int lab_query_each_property(const struct lab_query *q, int (*fn)(void *, const char *),
                            void *ctx);

/* The order $orderby asks for: object indices 0..n-1 sorted by the
 * values row(ctx, i) holds (numbers by value, strings ordinally, null
 * first), ties in index order. New array (the caller frees it), or NULL
 * when out of memory. */
size_t *lab_query_order(const struct lab_query *q, size_t n, json_t *(*row)(void *, size_t),
                        void *ctx);

bool lab_filter_match(const struct lab_filter *f, json_t *row);

/* The row cut to the $select list (server casing, server order), or the
 * row itself (new reference) without $select. */
json_t *lab_select(json_t *row, const struct lab_query *q);

/* Property lookup that ignores case, as the service does; borrowed from row. */
json_t *lab_get_ci(json_t *row, const char *name);

#endif
