/* The contract's URLs and $filter expressions: the base, pages with their
 * stable order, counts, instances in each key form, writes, $metadata; the
 * one place that quotes and escapes what goes into them. */
#include "backend/adminservice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend/http.h"
#include "util/buf.h"

char *as_base_url(const char *provider, struct ow_err *err)
{
	struct buf b = BUF_INIT;
	size_t n = strlen(provider);
	static const char suffix[] = "/AdminService";

	size_t scheme = strncasecmp(provider, "https://", 8) == 0 ? 8
	                : strncasecmp(provider, "http://", 7) == 0 ? 7 : 0;

	if (!scheme) {
		ow_err_set(err, OW_EINPUT, "--provider wants a URL such as https://cm01.corp.example, "
		           "not '%s'", provider);
		return NULL;
	}
	/* user:password@host would be sent, printed, stored and audited: the
	 * URL itself is not repeated in the message, since it holds them. */
	if (memchr(provider + scheme, '@', strcspn(provider + scheme, "/?#"))) {
		ow_err_set(err, OW_EINPUT, "--provider must not carry a user name or password "
		           "(user:password@host): they would be sent, shown and stored. Give the user "
		           "with --user, and the password from OSDWARDEN_PASSWORD, --password-file or the "
		           "prompt");
		return NULL;
	}
	while (n > scheme && provider[n - 1] == '/')
		n--;
	if (n == scheme) {
		ow_err_set(err, OW_EINPUT, "--provider names no host: give a URL such as "
		           "https://cm01.corp.example");
		return NULL;
	}
	buf_adds(&b, scheme == 8 ? "https://" : "http://");
	buf_add(&b, provider + scheme, n - scheme);
	if (n < sizeof suffix - 1 ||
	    strcasecmp(buf_str(&b) + n - (sizeof suffix - 1), suffix) != 0)
		buf_adds(&b, suffix);
	return buf_detach(&b);
}

/* Percent-encodes an OData query value: spaces, quotes and the rest; the
 * '$' of option names is written literally by the callers. */
static void add_escaped(struct buf *b, const char *v)
{
	char *e = http_escape(v);
	buf_adds(b, e ? e : "");
	free(e);
}

static void add_site_filter(struct buf *b, const struct as_class *c, const char *site,
                            char sep)
{
	struct buf f = BUF_INIT;

	if (!site || !c->site_scoped)
		return;
	buf_adds(&f, "SiteCode eq '");
	for (const char *p = site; *p; p++) {
		if (*p == '\'')
			buf_addc(&f, '\'');
		buf_addc(&f, *p);
	}
	buf_addc(&f, '\'');
	buf_addc(b, sep);
	buf_adds(b, "$filter=");
	add_escaped(b, buf_str(&f));
	buf_free(&f);
}

char *as_page_url_top(const char *base, const struct as_class *c, long skip, long top,
                      const char *site)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s/wmi/%s?$select=%s", base, c->name, c->select);
	add_site_filter(&b, c, site, '&');
	/* A stable order on the key: without one, nothing promises that page 2
	 * continues where page 1 ended. */
	buf_addf(&b, "&$orderby=%s&$top=%ld&$skip=%ld", c->keys, top > 0 ? top : (long)c->page_size,
	         skip);
	return buf_detach(&b);
}

char *as_page_url(const char *base, const struct as_class *c, long skip, const char *site)
{
	return as_page_url_top(base, c, skip, 0, site);
}

char *as_count_url(const char *base, const struct as_class *c, const char *site)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s/wmi/%s/$count", base, c->name);
	add_site_filter(&b, c, site, '?');
	return buf_detach(&b);
}

int as_parse_count(const struct http_resp *r, long long *n)
{
	char tmp[32], *end;
	size_t len = r->body.len;
	const char *p = r->body.data;

	/* A bare number, perhaps with a BOM or spaces around it. */
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3, len -= 3;
	while (len && (*p == ' ' || *p == '\r' || *p == '\n' || *p == '\t'))
		p++, len--;
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\r' || p[len - 1] == '\n'))
		len--;
	if (!p || len == 0 || len >= sizeof tmp)
		return -1;
	memcpy(tmp, p, len);
	tmp[len] = '\0';
	if (tmp[0] < '0' || tmp[0] > '9')
		return -1;
	*n = strtoll(tmp, &end, 10);
	return *end == '\0' && *n >= 0 ? 0 : -1;
}

static void add_quoted(struct buf *b, const char *v)
{
	struct buf q = BUF_INIT;

	for (const char *p = v; *p; p++) {
		if (*p == '\'')
			buf_addc(&q, '\'');   /* OData doubles a quote inside a string */
		buf_addc(&q, *p);
	}
	buf_addc(b, '\'');
	add_escaped(b, buf_str(&q));
	buf_addc(b, '\'');
	buf_free(&q);
}

/* The "(...)" key part of an instance URL. */
static void key_part(struct buf *b, const struct as_class *c, const char *const *values)
{
	size_t i = 0;

	buf_addc(b, '(');
	if (c->key_form == AS_KEY_NUMBER) {
		add_escaped(b, values[0]);
	} else if (c->key_form == AS_KEY_QUOTED) {
		add_quoted(b, values[0]);
	} else {
		/* the key properties in key order, each typed by its conversion */
		for (size_t k = 0; k < c->nprops; k++) {
			const struct as_prop *p = &c->props[k];
			if (!(p->flags & AS_KEY))
				continue;
			buf_addf(b, "%s%s=", i ? "," : "", p->name);
			if (p->conv == AS_INT || p->conv == AS_BOOL)
				add_escaped(b, values[i]);
			else
				add_quoted(b, values[i]);
			i++;
		}
	}
	buf_addc(b, ')');
}

char *as_instance_url(const char *base, const struct as_class *c, const char *const *values)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s/wmi/%s", base, c->name);
	key_part(&b, c, values);
	return buf_detach(&b);
}

void as_add_literal(struct buf *b, const char *v)
{
	buf_addc(b, '\'');
	for (const char *p = v; *p; p++) {
		if (*p == '\'')
			buf_addc(b, '\'');
		buf_addc(b, *p);
	}
	buf_addc(b, '\'');
}

char *as_filter_url(const char *base, const char *cls, const char *filter)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s/wmi/%s?$filter=", base, cls);
	add_escaped(&b, filter);
	return buf_detach(&b);
}

const char *as_addr_name(enum as_addr a)
{
	return a == AS_ADDR_SEGMENTS ? "Class/v/..." : "Class(K=v,...)";
}

/* The "/v1/v2" key part of a key-as-segment URL: bare values in key
 * order, each percent-encoded ('/' included). */
static void key_segments(struct buf *b, const struct as_class *c, const char *const *values)
{
	for (size_t i = 0; i < c->nkeys; i++) {
		buf_addc(b, '/');
		add_escaped(b, values[i]);
	}
}

char *as_write_url(const char *base, enum as_write_kind k, const char *const *key_values,
                   size_t form)
{
	const struct as_write *w = as_write_find(k);
	struct buf b = BUF_INIT, key = BUF_INIT;
	const char *pct;

	if (!w || form >= AS_ADDR_MAX || (form > 0 && (!w->cls || w->forms[form] == AS_ADDR_END)))
		return NULL;
	if (w->cls && key_values) {
		if (w->forms[form] == AS_ADDR_SEGMENTS)
			key_segments(&key, as_class_find(w->cls), key_values);
		else
			key_part(&key, as_class_find(w->cls), key_values);
	}
	buf_addf(&b, "%s/", base);
	pct = strstr(w->path, "%s");
	if (pct) {
		buf_add(&b, w->path, (size_t)(pct - w->path));
		buf_adds(&b, buf_str(&key));
		buf_adds(&b, pct + 2);
	} else {
		buf_adds(&b, w->path);
	}
	buf_free(&key);
	return buf_detach(&b);
}

char *as_metadata_url(const char *base, const char *route)
{
	struct buf b = BUF_INIT;
	buf_addf(&b, "%s/%s/$metadata", base, route);
	return buf_detach(&b);
}

/* --- filters ------------------------------------------------------------- */

void as_filter_eq(struct buf *f, const char *cls, const char *prop, const char *value)
{
	const struct as_prop *p = as_class_prop(as_class_find(cls), prop);
	int64_t n = p && (p->conv == AS_INT || p->conv == AS_BOOL)
	                    ? as_conv_text(AS_INT, value, strlen(value), AS_W_STRING) : INV_NULL;

	buf_addf(f, "%s%s eq ", f->len ? " and " : "", prop);
	if (n != INV_NULL)
		buf_addf(f, "%lld", (long long)n);   /* a number property, bare */
	else
		as_add_literal(f, value);
}

void as_filter_fn(struct buf *f, const char *fn, const char *prop, const char *value)
{
	buf_addf(f, "%s%s(%s,", f->len ? " and " : "", fn, prop);
	as_add_literal(f, value);
	buf_addc(f, ')');
}
