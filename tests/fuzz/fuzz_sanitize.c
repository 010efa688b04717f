/* The terminal sanitizer: whatever the bytes, the output holds no control
 * character, no ESC, no C1 control, no bidi override, and is valid UTF-8;
 * the width helpers stay within their bound. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "util/buf.h"
#include "util/sanitize.h"
#include "util/width.h"

static void check_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);

	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = san_utf8_decode(p + i, len - i, &cp);
		if (n == 0)
			abort();                      /* not UTF-8 */
		if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
			abort();                      /* a control character got through */
		if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
			abort();                      /* a bidi override got through */
		i += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct buf b = BUF_INIT;
	char *out;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (unsigned flags = 0; flags < 2; flags++) {
		out = san_str(s, size % 64, flags);
		if (out) {
			check_safe(out);
			if (flags & SAN_ASCII)
				for (const char *p = out; *p; p++)
					if ((unsigned char)*p >= 0x80)
						abort();
			buf_reset(&b);
			width_fit(&b, out, size % 40, true, flags & SAN_ASCII);
			if (width_of(buf_str(&b)) != size % 40)
				abort();              /* padded to exactly the columns */
			free(out);
		}
	}
	buf_free(&b);
	free(s);
	return 0;
}
