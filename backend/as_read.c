/* Reading what the site answers: the JSON repair, a page and its
 * nextLink, the verdict on a status, the site's own error text; the one
 * reader (as_read, as_read_each); site-control rows; method bodies. */
#include "backend/adminservice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend/http.h"
#include "util/buf.h"
#include "util/jsonci.h"
#include "util/sanitize.h"

static int hex(int ch)
{
	if (ch >= '0' && ch <= '9') return ch - '0';
	if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
	return -1;
}

/* The code unit of "\uXXXX" at s (s[0] == '\\'), or -1. */
static long escape_unit(const char *s, size_t left)
{
	long v = 0;

	if (left < 6 || s[1] != 'u')
		return -1;
	for (int i = 2; i < 6; i++) {
		int h = hex((unsigned char)s[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

size_t as_repair_json(char *s, size_t len)
{
	size_t fixes = 0;

	for (size_t i = 0; i < len;) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\\' && i + 1 < len) {
			long u = escape_unit(s + i, len - i);
			if (u >= 0xD800 && u <= 0xDBFF) {
				long lo = i + 6 < len && s[i + 6] == '\\' ? escape_unit(s + i + 6, len - i - 6) : -1;
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					i += 12;   /* a proper pair */
					continue;
				}
			}
			/* A lone surrogate, or a NUL: a NUL would cut the string
			 * short in every C consumer (yajl hands it on, SQLite's text
			 * stops there) or fail jansson's parse, so it becomes a
			 * visible U+FFFD and the rest of the string is kept. */
			if ((u >= 0xD800 && u <= 0xDFFF) || u == 0) {
				memcpy(s + i, "\\ufffd", 6);   /* same length: in place */
				fixes++;
			}
			i += u >= 0 ? 6 : 2;
			continue;
		}
		if (ch >= 0x80) {
			unsigned cp;
			size_t n = san_utf8_decode((const unsigned char *)s + i, len - i, &cp);
			if (n == 0) {
				s[i++] = '?';
				fixes++;
			} else {
				i += n;
			}
			continue;
		}
		i++;
	}
	return fixes;
}

int as_parse_page(struct buf *body, json_t **root, json_t **rows, const char **next_link,
                  struct ow_err *err)
{
	json_error_t je;

	*root = NULL;
	*rows = NULL;
	*next_link = NULL;
	if (!body->data || body->len == 0)
		return ow_err_set(err, OW_ESITE, "the answer was empty");
	as_repair_json(body->data, body->len);
	*root = json_loadb(body->data, body->len, 0, &je);
	if (!*root) {
		char *where = san_str(je.text, 120, 0);
		ow_err_set(err, OW_ESITE, "the answer is not valid JSON (%s at byte %d)",
		           where ? where : "?", je.position);
		free(where);
		return OW_ESITE;
	}
	*rows = json_object_get(*root, "value");
	if (!json_is_array(*rows)) {
		json_decref(*root);
		*root = NULL;
		return ow_err_set(err, OW_ESITE, "the answer has no \"value\" array");
	}
	*next_link = json_string_value(json_object_get(*root, "@odata.nextLink"));
	return 0;
}

/* The site's error message, sanitized and bounded, or "". */
char *as_site_message(const struct http_resp *r)
{
	json_t *j = r->body.data ? json_loadb(r->body.data, r->body.len, 0, NULL) : NULL;
	const char *m = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
	char *s = san_str(m ? m : "", 200, 0);

	json_decref(j);
	return s;
}

int as_check_read(const struct http_resp *r, const char *url, bool collection,
                  struct ow_err *err)
{
	char *msg;
	int rc;

	if (r->status == 200)
		return 0;
	if (r->status == 401)
		return ow_err_set(err, OW_ESITE, "%s: authentication failed (HTTP 401); check "
		                  "--auth and --user, the password or token, or the Kerberos "
		                  "ticket (klist)", url);
	msg = as_site_message(r);
	if (r->status == 404 && collection)
		rc = ow_err_set(err, AS_NO_ACCESS, "no RBAC access (HTTP 404%s%s): the account holds "
		                "no Configuration Manager role that can read this class",
		                *msg ? ": " : "", msg ? msg : "");
	else
		rc = ow_err_set(err, OW_ESITE, "%s: HTTP %ld%s%s", url, r->status,
		                msg && *msg ? ": " : "", msg ? msg : "");
	free(msg);
	return rc;
}

json_t *as_get(json_t *row, const char *name)
{
	return json_member_ci(row, name);
}

int as_read(struct http_client *h, const char *url, bool instance, json_t **root, json_t **rows,
            const char **next, struct ow_err *err)
{
	struct http_resp r = { 0 };
	int rc;

	*root = *rows = NULL;
	*next = NULL;
	rc = http_request(h, "GET", url, NULL, true, &r, err);
	if (rc == 0 && instance && r.status == 404) {
		http_resp_free(&r);
		return 0;
	}
	if (rc == 0)
		rc = as_check_read(&r, url, !instance, err);
	if (rc == 0)
		rc = as_parse_page(&r.body, root, rows, next, err);
	http_resp_free(&r);
	return rc;
}

int as_read_each(struct http_client *h, const char *base, const char *url,
                 int (*fn)(void *ctx, json_t *row), void *ctx, struct ow_err *err)
{
	char *at = strdup(url);
	int rc = at ? 0 : ow_err_set(err, OW_EINPUT, "out of memory");

	/* at most 10,000 pages: a site whose links never end is not read forever */
	for (int pages = 0; at && rc == 0; pages++) {
		json_t *root = NULL, *rows = NULL, *row;
		const char *next = NULL;
		size_t i;
		rc = as_read(h, at, false, &root, &rows, &next, err);
		json_array_foreach(rows, i, row)
			if (rc == 0)
				rc = fn(ctx, row);
		free(at);
		at = NULL;
		if (rc == 0 && next && pages + 1 < 10000 && !(at = http_follow_url(base, next, err)))
			rc = err && err->kind ? (int)err->kind : OW_ESITE;
		json_decref(root);
	}
	free(at);
	return rc;
}

/* --- site control rows ---------------------------------------------------- */

static json_t *sci_entry(json_t *row, const char *list, const char *key, const char *name)
{
	json_t *e;
	size_t i;

	json_array_foreach(as_get(row, list), i, e) {
		const char *n = json_string_value(as_get(e, key));
		if (n && strcasecmp(n, name) == 0)
			return e;
	}
	return NULL;
}

json_t *as_sci_prop(json_t *row, const char *name)
{
	return sci_entry(row, "Props", "PropertyName", name);
}

json_t *as_sci_list(json_t *row, const char *name)
{
	return sci_entry(row, "PropLists", "PropertyListName", name);
}

int64_t as_sci_value(json_t *row, const char *name)
{
	json_t *e = as_sci_prop(row, name);
	return e ? as_conv_json(AS_INT, as_get(e, "Value")) : INV_NULL;
}

const char *as_sci_value1(json_t *row, const char *name)
{
	json_t *e = as_sci_prop(row, name);
	return e ? json_string_value(as_get(e, "Value1")) : NULL;
}

char *as_sci_joined(json_t *row, const char *name, const char *sep)
{
	json_t *e = as_sci_list(row, name);
	return e ? as_conv_list(as_get(e, "Values"), sep) : NULL;
}

void as_sci_set_value(json_t *row, const char *name, int64_t v)
{
	json_t *e = as_sci_prop(row, name), *props = as_get(row, "Props");

	if (e) {
		json_object_set_new(e, "Value", json_integer(v));
		return;
	}
	if (!json_is_array(props))
		json_object_set_new(row, "Props", props = json_array());
	json_array_append_new(props, json_pack("{s:s,s:s,s:I,s:s,s:s}", "@odata.type",
	                      "#AdminService.SMS_EmbeddedProperty", "PropertyName", name, "Value",
	                      (json_int_t)v, "Value1", "", "Value2", ""));
}

void as_sci_set_list(json_t *row, const char *name, const char *csv)
{
	json_t *e = as_sci_list(row, name), *vals = json_array();
	json_t *lists = as_get(row, "PropLists");
	char *copy = strdup(csv), *save = NULL;

	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(vals, json_string(t));
	free(copy);
	if (e) {
		json_object_set_new(e, "Values", vals);
		return;
	}
	if (!json_is_array(lists))
		json_object_set_new(row, "PropLists", lists = json_array());
	json_array_append_new(lists, json_pack("{s:s,s:s,s:o}", "@odata.type",
	                      "#AdminService.SMS_EmbeddedPropertyList", "PropertyListName", name,
	                      "Values", vals));
}

/* --- method bodies ------------------------------------------------------- */

char *as_method_body(const json_t *caps, enum as_write_kind k, const char *const *values)
{
	const struct as_write *w = as_write_find(k);
	json_t *body;
	char names[256], *save = NULL, *text;
	size_t i = 0;

	if (!w || !w->method || !w->params || !w->types)
		return NULL;
	body = json_object();
	snprintf(names, sizeof names, "%s", w->params);
	for (char *n = strtok_r(names, ",", &save); n && w->types[i]; n = strtok_r(NULL, ",", &save), i++) {
		const char *v = values[i] ? values[i] : "";
		const char *name = as_caps_param(caps, w->method, n);
		json_t *j;
		int64_t x;
		if (w->types[i] == 's') {
			j = json_string(v);
		} else {
			x = as_conv_text(w->types[i] == 'b' ? AS_BOOL : AS_INT, v, strlen(v), AS_W_STRING);
			if (x == INV_NULL) {
				json_decref(body);
				return NULL;
			}
			j = w->types[i] == 'b' ? json_boolean(x) : json_integer((json_int_t)x);
		}
		json_object_set_new(body, name, j);
	}
	text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(body);
	return text;
}
