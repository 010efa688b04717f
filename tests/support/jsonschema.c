/* Draft-04 JSON Schema checking, the subset the SARIF 2.1.0 schema uses:
 * $ref (local), type, enum, properties, additionalProperties, required,
 * items, minItems, maxItems, uniqueItems, minimum, maximum (with the
 * draft-04 exclusive flags), minLength, maxLength, pattern, format
 * (date-time, uri, uri-reference), anyOf, oneOf, allOf, not. Annotation
 * keywords are skipped; anything else makes the result JS_UNSUPPORTED. */
#define _POSIX_C_SOURCE 200809L
#include "jsonschema.h"

#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct ctx {
	json_t *root;
	char *err;
	size_t errlen;
	bool unsupported;
	int depth;
};

static enum js_result check(struct ctx *c, json_t *s, json_t *v, const char *path);

static enum js_result fail(struct ctx *c, const char *path, const char *fmt, ...)
{
	char why[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (c->err && c->errlen)
		snprintf(c->err, c->errlen, "%s: %s", *path ? path : "/", why);
	return JS_INVALID;
}

static enum js_result unsupported(struct ctx *c, const char *path, const char *what)
{
	c->unsupported = true;
	if (c->err && c->errlen)
		snprintf(c->err, c->errlen, "%s: schema uses %s, which this checker does not implement",
		         *path ? path : "/", what);
	return JS_UNSUPPORTED;
}

/* "#/definitions/x" inside the root schema; ~1 and ~0 decoded. */
static json_t *resolve(json_t *root, const char *ref)
{
	json_t *at = root;
	char seg[256];

	if (ref[0] != '#')
		return NULL;
	ref++;
	while (*ref == '/') {
		size_t n = 0;
		ref++;
		while (*ref && *ref != '/' && n + 1 < sizeof seg) {
			if (ref[0] == '~' && (ref[1] == '0' || ref[1] == '1')) {
				seg[n++] = ref[1] == '0' ? '~' : '/';
				ref += 2;
			} else {
				seg[n++] = *ref++;
			}
		}
		seg[n] = '\0';
		at = json_is_array(at) ? json_array_get(at, strtoul(seg, NULL, 10))
		                       : json_object_get(at, seg);
		if (!at)
			return NULL;
	}
	return *ref ? NULL : at;
}

static bool is_type(json_t *v, const char *t)
{
	if (strcmp(t, "object") == 0) return json_is_object(v);
	if (strcmp(t, "array") == 0) return json_is_array(v);
	if (strcmp(t, "string") == 0) return json_is_string(v);
	if (strcmp(t, "boolean") == 0) return json_is_boolean(v);
	if (strcmp(t, "null") == 0) return json_is_null(v);
	if (strcmp(t, "number") == 0) return json_is_number(v);
	if (strcmp(t, "integer") == 0)
		return json_is_integer(v) || (json_is_real(v) && json_real_value(v) < 9e15 &&
		                              json_real_value(v) > -9e15 &&
		                              (double)(long long)json_real_value(v) == json_real_value(v));
	return false;
}

static size_t utf8_length(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static bool matches(const char *re, const char *s, bool *bad_re)
{
	regex_t rx;
	bool ok;

	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0) {
		*bad_re = true;
		return false;
	}
	ok = regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	return ok;
}

/* RFC 3339 date-time, as draft-04's "date-time" format asks. */
static bool is_date_time(const char *s)
{
	bool bad = false;
	return matches("^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]"
	               "([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?"
	               "([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$", s, &bad) && !bad;
}

/* An absolute URI: a scheme, a colon, then no space or control character. */
static bool is_uri(const char *s, bool absolute)
{
	bool bad = false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p == 0x7F || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
			return false;
	return !absolute || (matches("^[A-Za-z][A-Za-z0-9+.-]*:", s, &bad) && !bad);
}

static const char *const annotations[] = {
	"description", "title", "default", "$schema", "id", "definitions", NULL,
};
static const char *const implemented[] = {
	"$ref", "type", "enum", "properties", "additionalProperties", "required", "items",
	"minItems", "maxItems", "uniqueItems", "minimum", "maximum", "exclusiveMinimum",
	"exclusiveMaximum", "minLength", "maxLength", "pattern", "format", "anyOf", "oneOf",
	"allOf", "not", NULL,
};

static bool listed(const char *const *list, const char *k)
{
	for (; *list; list++)
		if (strcmp(*list, k) == 0)
			return true;
	return false;
}

static void child(char *out, size_t n, const char *path, const char *seg)
{
	snprintf(out, n, "%s/%s", path, seg);
}

static enum js_result check_object(struct ctx *c, json_t *s, json_t *v, const char *path)
{
	json_t *props = json_object_get(s, "properties"), *extra = json_object_get(s, "additionalProperties");
	json_t *req = json_object_get(s, "required"), *sub, *x;
	const char *k;
	size_t i;
	enum js_result r;
	char p[1024];

	json_array_foreach(req, i, x)
		if (!json_object_get(v, json_string_value(x)))
			return fail(c, path, "required property \"%s\" is missing", json_string_value(x));
	json_object_foreach(v, k, sub) {
		json_t *ps = props ? json_object_get(props, k) : NULL;
		child(p, sizeof p, path, k);
		if (ps) {
			if ((r = check(c, ps, sub, p)) != JS_VALID)
				return r;
		} else if (json_is_false(extra)) {
			return fail(c, path, "property \"%s\" is not allowed here", k);
		} else if (json_is_object(extra)) {
			if ((r = check(c, extra, sub, p)) != JS_VALID)
				return r;
		}
	}
	return JS_VALID;
}

static enum js_result check_array(struct ctx *c, json_t *s, json_t *v, const char *path)
{
	json_t *items = json_object_get(s, "items"), *x, *y;
	json_t *lo = json_object_get(s, "minItems"), *hi = json_object_get(s, "maxItems");
	size_t i, j, n = json_array_size(v);
	enum js_result r;
	char p[1024];

	if (lo && (json_int_t)n < json_integer_value(lo))
		return fail(c, path, "%zu items, fewer than minItems %lld", n, (long long)json_integer_value(lo));
	if (hi && (json_int_t)n > json_integer_value(hi))
		return fail(c, path, "%zu items, more than maxItems %lld", n, (long long)json_integer_value(hi));
	if (json_is_true(json_object_get(s, "uniqueItems")))
		json_array_foreach(v, i, x)
			for (j = i + 1; j < n; j++)
				if (json_equal(x, (y = json_array_get(v, j))))
					return fail(c, path, "items %zu and %zu are equal (uniqueItems)", i, j);
	if (json_is_array(items))
		return unsupported(c, path, "tuple \"items\"");
	if (json_is_object(items))
		json_array_foreach(v, i, x) {
			char idx[24];
			snprintf(idx, sizeof idx, "%zu", i);
			child(p, sizeof p, path, idx);
			if ((r = check(c, items, x, p)) != JS_VALID)
				return r;
		}
	return JS_VALID;
}

static enum js_result check_string(struct ctx *c, json_t *s, json_t *v, const char *path)
{
	const char *str = json_string_value(v), *fmt = json_string_value(json_object_get(s, "format"));
	json_t *lo = json_object_get(s, "minLength"), *hi = json_object_get(s, "maxLength");
	json_t *pat = json_object_get(s, "pattern");
	size_t len = utf8_length(str);
	bool bad = false;

	if (lo && (json_int_t)len < json_integer_value(lo))
		return fail(c, path, "string shorter than minLength");
	if (hi && (json_int_t)len > json_integer_value(hi))
		return fail(c, path, "string longer than maxLength");
	if (pat) {
		bool ok = matches(json_string_value(pat), str, &bad);
		if (bad)
			return unsupported(c, path, "a pattern POSIX regcomp rejects");
		if (!ok)
			return fail(c, path, "\"%.80s\" does not match pattern %s", str, json_string_value(pat));
	}
	if (!fmt)
		return JS_VALID;
	if (strcmp(fmt, "date-time") == 0)
		return is_date_time(str) ? JS_VALID : fail(c, path, "\"%.80s\" is not an RFC 3339 date-time", str);
	if (strcmp(fmt, "uri") == 0)
		return is_uri(str, true) ? JS_VALID : fail(c, path, "\"%.80s\" is not an absolute URI", str);
	if (strcmp(fmt, "uri-reference") == 0)
		return is_uri(str, false) ? JS_VALID : fail(c, path, "\"%.80s\" is not a URI reference", str);
	return unsupported(c, path, "an unknown format");
}

static enum js_result check_number(struct ctx *c, json_t *s, json_t *v, const char *path)
{
	json_t *lo = json_object_get(s, "minimum"), *hi = json_object_get(s, "maximum");
	double x = json_number_value(v);
	bool xlo = json_is_true(json_object_get(s, "exclusiveMinimum"));
	bool xhi = json_is_true(json_object_get(s, "exclusiveMaximum"));

	if (lo && (x < json_number_value(lo) || (xlo && x == json_number_value(lo))))
		return fail(c, path, "%g is below the minimum %g", x, json_number_value(lo));
	if (hi && (x > json_number_value(hi) || (xhi && x == json_number_value(hi))))
		return fail(c, path, "%g is above the maximum %g", x, json_number_value(hi));
	return JS_VALID;
}

/* anyOf / oneOf / allOf: sub-results are judged quietly, then one verdict. */
static enum js_result check_combined(struct ctx *c, json_t *s, json_t *v, const char *path)
{
	static const char *const kw[] = { "anyOf", "oneOf", "allOf" };
	enum js_result r;

	for (size_t k = 0; k < 3; k++) {
		json_t *list = json_object_get(s, kw[k]), *sub;
		size_t i, passed = 0;
		char firsterr[512] = "";
		if (!list)
			continue;
		json_array_foreach(list, i, sub) {
			struct ctx q = { c->root, firsterr[0] ? NULL : firsterr, sizeof firsterr, false, c->depth };
			r = check(&q, sub, v, path);
			if (q.unsupported)
				return unsupported(c, path, "an unsupported keyword inside a combinator");
			passed += r == JS_VALID;
		}
		if (k == 0 && passed == 0)
			return fail(c, path, "matches none of anyOf (first: %s)", firsterr);
		if (k == 1 && passed != 1)
			return fail(c, path, "matches %zu of oneOf, not exactly one", passed);
		if (k == 2 && passed != json_array_size(list))
			return fail(c, path, "does not match allOf (first: %s)", firsterr);
	}
	if (json_object_get(s, "not")) {
		struct ctx q = { c->root, NULL, 0, false, c->depth };
		r = check(&q, json_object_get(s, "not"), v, path);
		if (q.unsupported)
			return unsupported(c, path, "an unsupported keyword inside \"not\"");
		if (r == JS_VALID)
			return fail(c, path, "matches a schema under \"not\"");
	}
	return JS_VALID;
}

static enum js_result check(struct ctx *c, json_t *s, json_t *v, const char *path)
{
	json_t *type, *en, *x;
	const char *k;
	size_t i;
	enum js_result r;

	if (!json_is_object(s))
		return unsupported(c, path, "a schema that is not an object");
	if (++c->depth > 200)
		return unsupported(c, path, "references nested deeper than 200");
	json_object_foreach(s, k, x)
		if (!listed(annotations, k) && !listed(implemented, k))
			return unsupported(c, path, k);
	if ((x = json_object_get(s, "$ref"))) {
		json_t *target = resolve(c->root, json_string_value(x) ? json_string_value(x) : "");
		if (!target)
			return unsupported(c, path, "a $ref outside the schema");
		r = check(c, target, v, path);   /* draft-04: siblings of $ref are ignored */
		c->depth--;
		return r;
	}
	if ((type = json_object_get(s, "type"))) {
		bool ok = false;
		if (json_is_string(type))
			ok = is_type(v, json_string_value(type));
		json_array_foreach(type, i, x)
			ok |= is_type(v, json_string_value(x));
		if (!ok)
			return fail(c, path, "wrong type (schema wants %s)",
			            json_is_string(type) ? json_string_value(type) : "one of several");
	}
	if ((en = json_object_get(s, "enum"))) {
		bool ok = false;
		json_array_foreach(en, i, x)
			ok |= json_equal(x, v);
		if (!ok)
			return fail(c, path, "value is not one of the enumerated values");
	}
	if (json_is_object(v))
		r = check_object(c, s, v, path);
	else if (json_is_array(v))
		r = check_array(c, s, v, path);
	else if (json_is_string(v))
		r = check_string(c, s, v, path);
	else if (json_is_number(v))
		r = check_number(c, s, v, path);
	else
		r = JS_VALID;
	if (r == JS_VALID)
		r = check_combined(c, s, v, path);
	c->depth--;
	return c->unsupported ? JS_UNSUPPORTED : r;
}

enum js_result js_validate(json_t *schema, json_t *doc, char *err, size_t errlen)
{
	struct ctx c = { schema, err, errlen, false, 0 };
	enum js_result r;

	if (err && errlen)
		err[0] = '\0';
	r = check(&c, schema, doc, "");
	return c.unsupported ? JS_UNSUPPORTED : r;
}
