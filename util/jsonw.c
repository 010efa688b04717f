/* The evidence writer (jsonw.h): jansson's compact, ASCII-only layout,
 * without a tree. */
#include "util/jsonw.h"

static const char hex[] = "0123456789ABCDEF";

/* The code point of the UTF-8 sequence at p (its length in *len), or -1
 * when it is not one (a stray or overlong byte, a surrogate, a cut
 * sequence). */
static long utf8_at(const unsigned char *p, size_t *len)
{
	long cp;
	size_t n;

	if (p[0] >= 0xf0 && p[0] < 0xf5)
		n = 4, cp = p[0] & 0x07;
	else if (p[0] >= 0xe0 && p[0] < 0xf0)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xc2 && p[0] < 0xe0)
		n = 2, cp = p[0] & 0x1f;
	else
		return -1;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp < 0xe000))
		return -1;
	*len = n;
	return cp;
}

static void add_u(struct buf *b, unsigned long u)
{
	char e[6] = { '\\', 'u', hex[u >> 12 & 15], hex[u >> 8 & 15], hex[u >> 4 & 15], hex[u & 15] };

	buf_add(b, e, sizeof e);
}

void jw_string(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	buf_addc(b, '"');
	for (;;) {
		size_t run = 0, len = 1;
		long cp;
		/* runs of characters that stand for themselves, at once */
		while (p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\')
			run++;
		buf_add(b, p, run);
		p += run;
		if (!*p)
			break;
		switch (*p) {
		case '"': buf_adds(b, "\\\""); break;
		case '\\': buf_adds(b, "\\\\"); break;
		case '\b': buf_adds(b, "\\b"); break;
		case '\f': buf_adds(b, "\\f"); break;
		case '\n': buf_adds(b, "\\n"); break;
		case '\r': buf_adds(b, "\\r"); break;
		case '\t': buf_adds(b, "\\t"); break;
		default:
			cp = *p >= 0x80 ? utf8_at(p, &len) : -1;
			if (cp >= 0x10000) {
				cp -= 0x10000;
				add_u(b, 0xd800 + ((unsigned long)cp >> 10));
				add_u(b, 0xdc00 + ((unsigned long)cp & 0x3ff));
			} else {
				add_u(b, cp >= 0 ? (unsigned long)cp : *p);
			}
		}
		p += len;
	}
	buf_addc(b, '"');
}

void jw_decimal(struct buf *b, long long n)
{
	char d[24];
	size_t i = sizeof d;
	unsigned long long u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;

	do
		d[--i] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (n < 0)
		d[--i] = '-';
	buf_add(b, d + i, sizeof d - i);
}

void jw_begin(struct jw *w, struct buf *b)
{
	w->b = b;
	w->depth = 1;
	w->more[0] = false;
	w->failed = false;
	buf_reset(b);
	buf_addc(b, '{');
}

/* The member's name and its colon, after a comma unless it is the first. */
static void name_of(struct jw *w, const char *name)
{
	if (w->depth < 1) {
		w->failed = true;
		return;
	}
	if (w->more[w->depth - 1])
		buf_addc(w->b, ',');
	w->more[w->depth - 1] = true;
	jw_string(w->b, name);
	buf_addc(w->b, ':');
}

void jw_str(struct jw *w, const char *name, const char *s)
{
	name_of(w, name);
	if (s)
		jw_string(w->b, s);
	else
		buf_adds(w->b, "null");
}

void jw_int(struct jw *w, const char *name, long long n)
{
	name_of(w, name);
	jw_decimal(w->b, n);
}

void jw_bool(struct jw *w, const char *name, bool v)
{
	name_of(w, name);
	buf_adds(w->b, v ? "true" : "false");
}

void jw_null(struct jw *w, const char *name)
{
	name_of(w, name);
	buf_adds(w->b, "null");
}

void jw_obj(struct jw *w, const char *name)
{
	name_of(w, name);
	if (w->depth >= JW_DEPTH) {
		w->failed = true;
		return;
	}
	buf_addc(w->b, '{');
	w->more[w->depth++] = false;
}

void jw_end(struct jw *w)
{
	if (w->depth < 1) {
		w->failed = true;
		return;
	}
	buf_addc(w->b, '}');
	w->depth--;
}

const char *jw_finish(struct jw *w)
{
	while (w->depth > 0)
		jw_end(w);
	return w->failed || w->b->failed ? NULL : buf_str(w->b);
}
