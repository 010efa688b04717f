#include "util/sanitize.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t san_utf8_decode(const unsigned char *s, size_t len, unsigned *cp)
{
	unsigned c = s[0], v, min;
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2; v = c & 0x1F; min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3; v = c & 0x0F; min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4; v = c & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

/* Code points that are invisible or reorder text: they can make a name look
 * like another one (Trojan Source), hide content, or break table layout. */
static bool is_hidden(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9F) ||           /* C1 controls, incl. CSI 0x9B */
	       cp == 0xAD ||                          /* soft hyphen */
	       cp == 0x061C ||                        /* Arabic letter mark */
	       (cp >= 0x180B && cp <= 0x180E) ||      /* Mongolian free variation, vowel sep. */
	       (cp >= 0x200B && cp <= 0x200F) ||      /* zero width, LRM, RLM */
	       (cp >= 0x2028 && cp <= 0x202E) ||      /* line/para separators, embeddings, overrides */
	       (cp >= 0x2060 && cp <= 0x206F) ||      /* word joiner, isolates, deprecated format */
	       cp == 0xFEFF ||                        /* BOM / zero width no-break space */
	       (cp >= 0xFFF9 && cp <= 0xFFFB) ||      /* interlinear annotation */
	       cp == 0xFFFE || cp == 0xFFFF ||
	       (cp >= 0xE0000 && cp <= 0xE007F);      /* tag characters */
}

/* One output unit, already escaped. Kept small so the bound can be checked
 * before anything is appended. */
struct unit {
	char text[16];
	size_t bytes;
	size_t chars;
};

static void unit_escape_cp(struct unit *u, unsigned cp)
{
	int n = snprintf(u->text, sizeof u->text, "<U+%04X>", cp);
	u->bytes = u->chars = (size_t)n;
}

/* Decides how s[0..len) begins; returns the number of input bytes used. */
static size_t next_unit(const unsigned char *s, size_t len, unsigned flags,
                        struct unit *u)
{
	unsigned cp;
	size_t n = san_utf8_decode(s, len, &cp);

	if (n == 0) {
		u->bytes = u->chars = (size_t)snprintf(u->text, sizeof u->text,
		                                       "\\x%02X", s[0]);
		return 1;
	}
	if (cp == '\n' && (flags & SAN_KEEP_NEWLINE)) {
		u->text[0] = '\n';
		u->bytes = u->chars = 1;
	} else if (cp < 0x20 || cp == 0x7F) {
		u->text[0] = '^';
		u->text[1] = (char)(cp == 0x7F ? '?' : cp + 0x40);
		u->bytes = u->chars = 2;
	} else if (is_hidden(cp) || (cp >= 0x80 && (flags & SAN_ASCII))) {
		unit_escape_cp(u, cp);
	} else {
		memcpy(u->text, s, n);
		u->bytes = n;
		u->chars = 1;
	}
	return n;
}

void san_append(struct buf *out, const char *str, size_t len, size_t max_chars,
                unsigned flags)
{
	const unsigned char *s = (const unsigned char *)str;
	const char *ell = (flags & SAN_ASCII) ? "..." : "\xE2\x80\xA6";
	size_t ell_chars = (flags & SAN_ASCII) ? 3 : 1;
	size_t used = 0, i = 0, cut = out->len;
	struct unit u;

	while (i < len) {
		size_t adv = next_unit(s + i, len - i, flags, &u);

		if (max_chars && used + u.chars > max_chars) {
			/* Too long: go back to the last point that leaves room
			 * for the ellipsis. Input after the bound is never read. */
			buf_truncate(out, cut);
			if (max_chars >= ell_chars)
				buf_adds(out, ell);
			return;
		}
		buf_add(out, u.text, u.bytes);
		used += u.chars;
		i += adv;
		if (used + ell_chars <= max_chars)
			cut = out->len;
	}
}

char *san_str(const char *s, size_t max_chars, unsigned flags)
{
	struct buf b = BUF_INIT;

	if (s)
		san_append(&b, s, strlen(s), max_chars, flags);
	return buf_detach(&b);
}
