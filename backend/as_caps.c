/* What a site says it exposes, read off its wmi/$metadata (CSDL), and
 * what that means for a write. */
#include "backend/adminservice.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend/http.h"
#include "util/buf.h"

/* --- $metadata -------------------------------------------------------- */

/* The value of attribute name in the tag [tag, end), entities decoded (a
 * new string), or NULL. */
static char *csdl_attr(const char *tag, const char *end, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = tag; p + n + 2 < end; p++) {
		const char *v, *q;
		struct buf b = BUF_INIT;
		if ((p[-1] != ' ' && p[-1] != '\t' && p[-1] != '\n' && p[-1] != '\r') ||
		    strncmp(p, name, n) != 0 || p[n] != '=' || (p[n + 1] != '"' && p[n + 1] != '\''))
			continue;
		v = p + n + 2;
		q = memchr(v, p[n + 1], (size_t)(end - v));
		if (!q)
			return NULL;
		for (const char *c = v; c < q; c++) {
			static const struct { const char *ent; char ch; } ents[] = {
				{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' },
				{ "&apos;", '\'' },
			};
			bool done = false;
			for (size_t e = 0; *c == '&' && e < sizeof ents / sizeof ents[0]; e++) {
				size_t el = strlen(ents[e].ent);
				if ((size_t)(q - c) >= el && strncmp(c, ents[e].ent, el) == 0) {
					buf_addc(&b, ents[e].ch);
					c += el - 1;
					done = true;
					break;
				}
			}
			if (!done)
				buf_addc(&b, *c);
		}
		return buf_detach(&b);
	}
	return NULL;
}

/* The name a tag at p ('<' already passed) opens, into out; its length. */
static size_t csdl_tag(const char *p, const char *end, char *out, size_t n)
{
	size_t k = 0;

	while (p + k < end && k + 1 < n && (isalnum((unsigned char)p[k]) || p[k] == ':' ||
	                                    p[k] == '/' || p[k] == '_'))
		k++;
	memcpy(out, p, k);
	out[k] = '\0';
	return k;
}

static const char *strip_ns(const char *qualified)
{
	return strncmp(qualified, "AdminService.", 13) == 0 ? qualified + 13 : qualified;
}

json_t *as_caps_parse(const char *xml, size_t len)
{
	json_t *sets, *actions, *defs, *imports, *params = NULL, *caps;
	const char *p = xml, *end = xml + len;
	char *action = NULL;
	bool bound = false, binding_seen = false, csdl = false;

	if (!xml)
		return NULL;
	sets = json_array();
	actions = json_object();   /* exposed name -> parameters */
	defs = json_object();      /* unbound Action name -> parameters */
	imports = json_object();   /* ActionImport name -> Action name */
	while (p < end && (p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		const char *close = memchr(p, '>', (size_t)(end - p));
		bool action_ends = false;
		char tag[64];
		if (!close)
			break;
		csdl_tag(p + 1, close, tag, sizeof tag);
		if (strcmp(tag, "EntitySet") == 0) {
			char *name = csdl_attr(p, close, "Name");
			if (name)
				json_array_append_new(sets, json_string(name));
			free(name);
			csdl = true;
		} else if (strcmp(tag, "Action") == 0) {
			char *b = csdl_attr(p, close, "IsBound");
			free(action);
			action = csdl_attr(p, close, "Name");
			bound = b && strcasecmp(b, "true") == 0;
			binding_seen = false;
			free(b);
			json_decref(params);
			params = json_array();
			csdl = true;
			action_ends = close[-1] == '/';
		} else if (strcmp(tag, "Parameter") == 0 && action) {
			char *name = csdl_attr(p, close, "Name");
			char *type = csdl_attr(p, close, "Type");
			if (bound && !binding_seen) {
				/* The binding parameter names the class, not an input:
				 * the method is Class.Method. */
				char cls[160], *named;
				const char *t = type ? type : "";
				size_t nl;
				if (strncmp(t, "Collection(", 11) == 0)
					t += 11;
				snprintf(cls, sizeof cls, "%s", strip_ns(t));
				cls[strcspn(cls, ")")] = '\0';
				nl = strlen(cls) + strlen(action) + 2;
				if ((named = malloc(nl)) != NULL) {
					snprintf(named, nl, "%s.%s", cls, action);
					free(action);
					action = named;
				}
				binding_seen = true;
			} else if (name) {
				json_array_append_new(params, json_string(name));
			}
			free(name);
			free(type);
		} else if (strcmp(tag, "/Action") == 0) {
			action_ends = action != NULL;
		} else if (strcmp(tag, "ActionImport") == 0) {
			char *name = csdl_attr(p, close, "Name");
			char *target = csdl_attr(p, close, "Action");
			if (name)
				json_object_set_new(imports, name, json_string(strip_ns(target ? target : name)));
			free(name);
			free(target);
			csdl = true;
		}
		if (action_ends && action) {
			json_object_set_new(bound ? actions : defs, action, params);
			params = NULL;
			free(action);
			action = NULL;
		}
		p = close + 1;
	}
	free(action);
	json_decref(params);
	{
		const char *k;
		json_t *v;
		/* A static method is exposed by its import, with the parameters
		 * of the action the import names. */
		json_object_foreach(imports, k, v) {
			json_t *def = json_object_get(defs, json_string_value(v));
			json_object_set_new(actions, k, def ? json_deep_copy(def) : json_array());
		}
	}
	json_decref(defs);
	json_decref(imports);
	if (!csdl) {
		json_decref(sets);
		json_decref(actions);
		return NULL;
	}
	caps = json_object();
	json_object_set_new(caps, "sets", sets);
	json_object_set_new(caps, "actions", actions);
	return caps;
}

bool as_caps_has_class(const json_t *caps, const char *cls)
{
	json_t *sets = json_object_get(caps, "sets"), *v;
	size_t i;

	json_array_foreach(sets, i, v)
		if (strcasecmp(json_string_value(v), cls) == 0)
			return true;
	return false;
}

json_t *as_caps_action(const json_t *caps, const char *name)
{
	json_t *actions = json_object_get(caps, "actions"), *v;
	const char *k;

	json_object_foreach(actions, k, v)
		if (strcasecmp(k, name) == 0)
			return v;
	return NULL;
}

int as_caps_fetch(struct http_client *h, const char *base, json_t **caps, struct ow_err *err)
{
	char *url = as_metadata_url(base, "wmi");
	struct http_resp r;
	int rc = 0;

	*caps = NULL;
	if (http_request(h, "GET", url, NULL, true, &r, err) != 0) {
		if (!http_client_stopped(h))   /* a stop names the URL already */
			ow_err_prefix(err, "reading %s", url);
		rc = err && err->kind ? (int)err->kind : OW_ESITE;
	} else if (r.status != 200) {
		rc = as_check_read(&r, url, false, err);
		if (rc == 0 || rc == AS_NO_ACCESS)
			rc = ow_err_set(err, OW_ESITE, "%s: HTTP %ld", url, r.status);
	} else {
		*caps = as_caps_parse(r.body.data, r.body.len);
	}
	http_resp_free(&r);
	free(url);
	return rc;
}

int as_caps_allows(const json_t *caps, const struct as_write *w, char *why, size_t n)
{
	json_t *declared;
	char members[256], *save = NULL;

	if (!caps)
		return -1;
	if (!w->method) {
		if (!w->cls || as_caps_has_class(caps, w->cls))
			return 1;
		snprintf(why, n, "the site's $metadata has no EntitySet %s", w->cls);
		return 0;
	}
	if (!(declared = as_caps_action(caps, w->method))) {
		snprintf(why, n, "the site's $metadata does not list %s", w->method);
		return 0;
	}
	snprintf(members, sizeof members, "%s", w->params ? w->params : "");
	for (char *m = strtok_r(members, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
		bool found = false;
		size_t i;
		json_t *v;
		json_array_foreach(declared, i, v)
			found |= strcasecmp(json_string_value(v), m) == 0;
		if (!found) {
			struct buf b = BUF_INIT;
			json_array_foreach(declared, i, v)
				buf_addf(&b, "%s%s", i ? ", " : "", json_string_value(v));
			snprintf(why, n, "the site's %s takes (%s), not %s", w->method, buf_str(&b), m);
			buf_free(&b);
			return 0;
		}
	}
	return 1;
}

const char *as_caps_param(const json_t *caps, const char *method, const char *name)
{
	json_t *declared = caps ? as_caps_action(caps, method) : NULL, *v;
	size_t i;

	json_array_foreach(declared, i, v)
		if (strcasecmp(json_string_value(v), name) == 0)
			return json_string_value(v);
	return name;
}
