#include "lab/keys.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

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

long lab_keys_lookup(struct lab_server *srv, const struct lab_class *cls, const char *key)
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
int lab_keys_parse_segments(const struct lab_class *cls, const char *text, struct buf *etag)
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
int lab_keys_parse(const struct lab_class *cls, const char *text, struct buf *etag)
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

int lab_keys_parse_target(const char *s, struct lab_target *t)
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

void lab_keys_free(struct lab_server *srv)
{
	for (size_t i = 0; i < srv->nmaps; i++) {
		for (size_t k = 0; k < srv->maps[i].cap; k++)
			free(srv->maps[i].keys[k]);
		free(srv->maps[i].keys);
		free(srv->maps[i].idx);
	}
	srv->nmaps = 0;
}
