#include "util/width.h"

#include <string.h>
#include <wchar.h>

#include "util/sanitize.h"

/* Columns of one code point; anything the locale cannot measure counts as
 * one column, which is what terminals do with unknown characters. */
static size_t cp_width(unsigned cp)
{
	int w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : (size_t)w;
}

/* Length in bytes and columns of the character at s (already valid UTF-8;
 * a stray invalid byte counts as one column). */
static size_t step(const char *s, size_t *cols)
{
	unsigned cp;
	size_t n = san_utf8_decode((const unsigned char *)s, strlen(s), &cp);

	if (n == 0) {
		*cols = 1;
		return 1;
	}
	*cols = cp_width(cp);
	return n;
}

size_t width_of(const char *s)
{
	size_t w = 0, c;

	while (*s) {
		s += step(s, &c);
		w += c;
	}
	return w;
}

void width_fit(struct buf *out, const char *s, size_t cols, bool pad, bool ascii)
{
	const char *ell = ascii ? "." : "\xE2\x80\xA6";
	size_t used = 0, c, total = width_of(s);

	if (total <= cols) {
		buf_adds(out, s);
		used = total;
	} else if (cols > 0) {
		/* Keep one column for the ellipsis. */
		while (*s) {
			size_t n = step(s, &c);
			if (used + c > cols - 1)
				break;
			buf_add(out, s, n);
			used += c;
			s += n;
		}
		buf_adds(out, ell);
		used++;
	}
	while (pad && used < cols) {
		buf_addc(out, ' ');
		used++;
	}
}
