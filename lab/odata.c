#include "lab/odata.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/jsonci.h"

enum fkind { F_AND, F_EQ, F_NE, F_STARTS, F_ENDS };

struct lab_filter {
	enum fkind kind;
	struct lab_filter *l, *r;  /* F_AND */
	char *prop;                /* comparisons */
	json_t *lit;
};

struct parser {
	const char *p;
	char *err;
	size_t errlen;
	int depth;
};

static void filter_free(struct lab_filter *f)
{
	if (!f)
		return;
	filter_free(f->l);
	filter_free(f->r);
	free(f->prop);
	json_decref(f->lit);
	free(f);
}

static int fail(struct parser *ps, const char *what)
{
	snprintf(ps->err, ps->errlen, "The query specified in the URI is not valid. %s", what);
	return -1;
}

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ')
		ps->p++;
}

static bool word(struct parser *ps, const char *w)
{
	size_t n = strlen(w);

	skip_ws(ps);
	if (strncmp(ps->p, w, n) == 0 && !isalnum((unsigned char)ps->p[n]) && ps->p[n] != '_') {
		ps->p += n;
		return true;
	}
	return false;
}

static bool punct(struct parser *ps, char c)
{
	skip_ws(ps);
	if (*ps->p == c) {
		ps->p++;
		return true;
	}
	return false;
}

static char *ident(struct parser *ps)
{
	const char *start;

	skip_ws(ps);
	start = ps->p;
	if (!isalpha((unsigned char)*ps->p) && *ps->p != '_')
		return NULL;
	while (isalnum((unsigned char)*ps->p) || *ps->p == '_')
		ps->p++;
	return strndup(start, (size_t)(ps->p - start));
}

static json_t *literal(struct parser *ps)
{
	skip_ws(ps);
	if (*ps->p == '\'') {
		/* OData strings: single quotes, '' for a quote inside. */
		char buf[1024];
		size_t n = 0;
		for (ps->p++; *ps->p; ps->p++) {
			if (*ps->p == '\'') {
				if (ps->p[1] != '\'')
					break;
				ps->p++;
			}
			if (n + 1 >= sizeof buf)
				return NULL;
			buf[n++] = *ps->p;
		}
		if (*ps->p != '\'')
			return NULL;
		ps->p++;
		buf[n] = '\0';
		return json_string(buf);
	}
	if (word(ps, "true"))
		return json_true();
	if (word(ps, "false"))
		return json_false();
	if (word(ps, "null"))
		return json_null();
	if (*ps->p == '-' || isdigit((unsigned char)*ps->p)) {
		char *end;
		errno = 0;
		long long v = strtoll(ps->p, &end, 10);
		if (errno || end == ps->p)
			return NULL;
		ps->p = end;
		return json_integer(v);
	}
	return NULL;
}

static struct lab_filter *node(enum fkind k)
{
	struct lab_filter *f = calloc(1, sizeof *f);
	if (f)
		f->kind = k;
	return f;
}

static struct lab_filter *parse_and(struct parser *ps);

static struct lab_filter *parse_primary(struct parser *ps)
{
	struct lab_filter *f;
	enum fkind k;
	char *name;

	if (++ps->depth > 32) {
		fail(ps, "The filter is nested too deeply.");
		return NULL;
	}
	if (punct(ps, '(')) {
		f = parse_and(ps);
		if (f && !punct(ps, ')')) {
			filter_free(f);
			fail(ps, "A closing parenthesis is missing.");
			return NULL;
		}
		ps->depth--;
		return f;
	}
	name = ident(ps);
	if (!name) {
		fail(ps, "A property name or function was expected.");
		return NULL;
	}
	f = calloc(1, sizeof *f);
	if (!f) {
		free(name);
		return NULL;
	}
	if ((strcmp(name, "startswith") == 0 || strcmp(name, "endswith") == 0) && punct(ps, '(')) {
		f->kind = name[0] == 's' ? F_STARTS : F_ENDS;
		free(name);
		f->prop = ident(ps);
		if (!f->prop || !punct(ps, ',') || !(f->lit = literal(ps)) || !punct(ps, ')') ||
		    !json_is_string(f->lit)) {
			filter_free(f);
			fail(ps, "startswith/endswith take a property and a string.");
			return NULL;
		}
		ps->depth--;
		return f;
	}
	f->prop = name;
	if (word(ps, "eq"))
		k = F_EQ;
	else if (word(ps, "ne"))
		k = F_NE;
	else {
		filter_free(f);
		fail(ps, "Only the eq and ne operators are supported.");
		return NULL;
	}
	f->kind = k;
	if (!(f->lit = literal(ps))) {
		filter_free(f);
		fail(ps, "A literal value was expected.");
		return NULL;
	}
	ps->depth--;
	return f;
}

static struct lab_filter *parse_and(struct parser *ps)
{
	struct lab_filter *f = parse_primary(ps);

	while (f && word(ps, "and")) {
		struct lab_filter *r = parse_primary(ps), *a;
		if (!r || !(a = node(F_AND))) {
			filter_free(f);
			filter_free(r);
			return NULL;
		}
		a->l = f;
		a->r = r;
		f = a;
	}
	return f;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decoding, '+' as space as in forms. NULL on a bad escape. */
static char *decode(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int h, l;
			if (i + 2 >= n) {
				free(out);
				return NULL;
			}
			h = hexval((unsigned char)s[i + 1]);
			l = hexval((unsigned char)s[i + 2]);
			if (h < 0 || l < 0) {
				free(out);
				return NULL;
			}
			*o++ = (char)(h * 16 + l);
			i += 2;
		} else {
			*o++ = s[i] == '+' ? ' ' : s[i];
		}
	}
	*o = '\0';
	return out;
}

static int parse_long(const char *v, long *out)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(v, &end, 10);
	if (errno || end == v || *end || x < 0)
		return -1;
	*out = x;
	return 0;
}

static int parse_select(struct lab_query *q, const char *v, char *err, size_t errlen)
{
	const char *p = v;

	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		while (n && *p == ' ')
			p++, n--;
		while (n && p[n - 1] == ' ')
			n--;
		if (n == 0 || q->nselect >= sizeof q->select / sizeof q->select[0]) {
			snprintf(err, errlen, "The $select list is not valid.");
			return -1;
		}
		q->select[q->nselect++] = strndup(p, n);
		p = e ? e + 1 : p + strlen(p);
	}
	return 0;
}

static int parse_orderby(struct lab_query *q, const char *v, char *err, size_t errlen)
{
	const char *p = v;

	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char item[160], *dir;

		while (n && *p == ' ')
			p++, n--;
		if (n == 0 || n >= sizeof item || q->norder >= sizeof q->order / sizeof q->order[0]) {
			snprintf(err, errlen, "The $orderby clause is not valid.");
			return -1;
		}
		memcpy(item, p, n);
		item[n] = '\0';
		while (n && item[n - 1] == ' ')
			item[--n] = '\0';
		dir = strchr(item, ' ');
		q->desc[q->norder] = false;
		if (dir) {
			*dir++ = '\0';
			while (*dir == ' ')
				dir++;
			if (strcasecmp(dir, "desc") == 0)
				q->desc[q->norder] = true;
			else if (strcasecmp(dir, "asc") != 0) {
				snprintf(err, errlen, "The $orderby direction '%s' is not asc or desc.", dir);
				return -1;
			}
		}
		q->order[q->norder++] = strdup(item);
		p = e ? e + 1 : p + strlen(p);
	}
	return 0;
}

int lab_query_parse(const char *raw, struct lab_query *q, char *err, size_t errlen)
{
	const char *p = raw ? raw : "";

	memset(q, 0, sizeof *q);
	while (*p) {
		const char *amp = strchr(p, '&'), *eq;
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		char *key, *val;
		int rc = 0;

		eq = memchr(p, '=', n);
		/* Newer service versions refuse an encoded dollar sign. */
		if (strncasecmp(p, "%24", 3) == 0) {
			snprintf(err, errlen, "The query parameter '%.*s' is not supported; send "
			         "a literal '$'.", (int)(eq ? eq - p : (long)n), p);
			lab_query_free(q);
			return -1;
		}
		key = decode(p, eq ? (size_t)(eq - p) : n);
		val = eq ? decode(eq + 1, n - (size_t)(eq - p) - 1) : strdup("");
		if (!key || !val) {
			snprintf(err, errlen, "The query string has a malformed percent escape.");
			rc = -1;
		} else if (strcmp(key, "$top") == 0) {
			q->has_top = true;
			if (parse_long(val, &q->top) != 0)
				rc = -1, snprintf(err, errlen, "Invalid value '%s' for $top.", val);
		} else if (strcmp(key, "$skip") == 0) {
			q->has_skip = true;
			if (parse_long(val, &q->skip) != 0)
				rc = -1, snprintf(err, errlen, "Invalid value '%s' for $skip.", val);
		} else if (strcmp(key, "$select") == 0) {
			rc = parse_select(q, val, err, errlen);
		} else if (strcmp(key, "$orderby") == 0) {
			rc = parse_orderby(q, val, err, errlen);
		} else if (strcmp(key, "$filter") == 0) {
			struct parser ps = { val, err, errlen, 0 };
			filter_free(q->filter);
			q->filter = parse_and(&ps);
			if (!q->filter)
				rc = -1;
			else if (skip_ws(&ps), *ps.p) {
				fail(&ps, "Unexpected text after the filter.");
				rc = -1;
			}
		} else if (key[0] == '$') {
			snprintf(err, errlen, "The query option '%s' is not supported.", key);
			rc = -1;
		}
		free(key);
		free(val);
		if (rc) {
			lab_query_free(q);
			return -1;
		}
		p = amp ? amp + 1 : p + n;
	}
	return 0;
}

void lab_query_free(struct lab_query *q)
{
	for (size_t i = 0; i < q->nselect; i++)
		free(q->select[i]);
	for (size_t i = 0; i < q->norder; i++)
		free(q->order[i]);
	filter_free(q->filter);
	memset(q, 0, sizeof *q);
}

static int each_filter_prop(const struct lab_filter *f, int (*fn)(void *, const char *),
                            void *ctx)
{
	int rc;

	if (!f)
		return 0;
	if (f->kind == F_AND)
		return (rc = each_filter_prop(f->l, fn, ctx)) ? rc : each_filter_prop(f->r, fn, ctx);
	return fn(ctx, f->prop);
}

int lab_query_each_property(const struct lab_query *q, int (*fn)(void *, const char *),
                            void *ctx)
{
	int rc;

	for (size_t i = 0; i < q->nselect; i++)
		if ((rc = fn(ctx, q->select[i])) != 0)
			return rc;
	for (size_t i = 0; i < q->norder; i++)
		if ((rc = fn(ctx, q->order[i])) != 0)
			return rc;
	return each_filter_prop(q->filter, fn, ctx);
}

json_t *lab_get_ci(json_t *row, const char *name)
{
	return json_member_ci(row, name);
}

static bool equal(json_t *v, json_t *lit)
{
	if (!v || json_is_null(v))
		return json_is_null(lit);
	if (json_is_string(v) && json_is_string(lit))
		return strcasecmp(json_string_value(v), json_string_value(lit)) == 0;
	if (json_is_integer(lit) && (json_is_integer(v) || json_is_boolean(v)))
		return (json_is_boolean(v) ? json_is_true(v) : json_integer_value(v)) ==
		       json_integer_value(lit);
	if (json_is_boolean(lit) && (json_is_boolean(v) || json_is_integer(v)))
		return (json_is_boolean(v) ? json_is_true(v) : json_integer_value(v) != 0) ==
		       json_is_true(lit);
	return false;
}

static bool affix(json_t *v, json_t *lit, bool start)
{
	const char *s, *a;
	size_t n, m;

	if (!v || !json_is_string(v))
		return false;
	s = json_string_value(v);
	a = json_string_value(lit);
	n = strlen(s);
	m = strlen(a);
	if (m > n)
		return false;
	return strncasecmp(start ? s : s + n - m, a, m) == 0;
}

bool lab_filter_match(const struct lab_filter *f, json_t *row)
{
	json_t *v;

	if (!f)
		return true;
	if (f->kind == F_AND)
		return lab_filter_match(f->l, row) && lab_filter_match(f->r, row);
	v = lab_get_ci(row, f->prop);
	switch (f->kind) {
	case F_EQ: return equal(v, f->lit);
	case F_NE: return !equal(v, f->lit);
	case F_STARTS: return affix(v, f->lit, true);
	case F_ENDS: return affix(v, f->lit, false);
	case F_AND: break;
	}
	return false;
}

json_t *lab_select(json_t *row, const struct lab_query *q)
{
	json_t *out, *v;
	const char *k;

	if (q->nselect == 0)
		return json_incref(row);
	out = json_object();
	/* Server order and server casing, whatever order $select used. */
	json_object_foreach(row, k, v) {
		for (size_t i = 0; i < q->nselect; i++) {
			if (strcasecmp(k, q->select[i]) == 0) {
				json_object_set(out, k, v);
				break;
			}
		}
	}
	return out;
}

/* --- $orderby ---------------------------------------------------------- */

struct sort_item {
	size_t index;
	json_t *v[8];
};

static int compare_values(json_t *a, json_t *b)
{
	bool na = !a || json_is_null(a), nb = !b || json_is_null(b);

	if (na || nb)
		return na == nb ? 0 : na ? -1 : 1;
	if (json_is_number(a) && json_is_number(b)) {
		double x = json_number_value(a), y = json_number_value(b);
		return x < y ? -1 : x > y;
	}
	if (json_is_boolean(a) && json_is_boolean(b))
		return (int)json_is_true(a) - (int)json_is_true(b);
	if (json_is_string(a) && json_is_string(b))
		return strcmp(json_string_value(a), json_string_value(b));
	return json_typeof(a) < json_typeof(b) ? -1 : json_typeof(a) > json_typeof(b);
}

/* qsort has no context argument: the order being sorted by is set per
 * call (the server answers one request at a time, under its lock). */
static const struct lab_query *sorting;

static int compare_items(const void *pa, const void *pb)
{
	const struct sort_item *a = pa, *b = pb;

	for (size_t k = 0; k < sorting->norder; k++) {
		int c = compare_values(a->v[k], b->v[k]);
		if (c)
			return sorting->desc[k] ? -c : c;
	}
	return a->index < b->index ? -1 : a->index > b->index;
}

size_t *lab_query_order(const struct lab_query *q, size_t n, json_t *(*row)(void *, size_t),
                        void *ctx)
{
	struct sort_item *items = calloc(n ? n : 1, sizeof *items);
	size_t *out = malloc((n ? n : 1) * sizeof *out);

	if (!items || !out) {
		free(items);
		free(out);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *r = row(ctx, i);
		items[i].index = i;
		for (size_t k = 0; k < q->norder; k++)
			items[i].v[k] = json_incref(lab_get_ci(r, q->order[k]));
		json_decref(r);
	}
	sorting = q;
	qsort(items, n, sizeof *items, compare_items);
	sorting = NULL;
	for (size_t i = 0; i < n; i++) {
		out[i] = items[i].index;
		for (size_t k = 0; k < q->norder; k++)
			json_decref(items[i].v[k]);
	}
	free(items);
	return out;
}
