#include "util/mac.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One address of exactly n bytes into its 17-byte canonical form. */
static bool parse_one(const char *p, size_t n, char canon[18])
{
	static const char digits[] = "0123456789ABCDEF";
	char sep;

	if (n != 17 || (p[2] != ':' && p[2] != '-'))
		return false;
	sep = p[2];
	for (int i = 0; i < 6; i++) {
		int hi = hexval(p[i * 3]), lo = hexval(p[i * 3 + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && p[i * 3 + 2] != sep))
			return false;
		canon[i * 3] = digits[hi];
		canon[i * 3 + 1] = digits[lo];
		canon[i * 3 + 2] = i < 5 ? ':' : '\0';
	}
	return true;
}

/* The operator's text, cut and with anything unprintable as '?', for a
 * message. */
static void shown(const char *p, size_t n, char *out, size_t cap)
{
	size_t k = 0;

	for (; k < n && k + 4 < cap; k++)
		out[k] = (unsigned char)p[k] < 0x20 || (unsigned char)p[k] >= 0x7f ? '?' : p[k];
	if (k < n) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k] = '\0';
}

int mac_list_normalise(const char *in, char **out, struct ow_err *err)
{
	struct buf b = BUF_INIT;
	char canon[18], text[48];
	size_t count = 0;
	const char *p = in ? in : "";

	*out = NULL;
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n == 0 || (p[n] == ',' && p[n + 1] == '\0')) {
			buf_free(&b);
			return ow_err_set(err, OW_EINPUT, "an empty entry in the MAC address list; "
			                  "separate addresses with single commas, e.g. "
			                  "00:15:5D:0A:0B:0C,00:15:5D:0A:0B:0D");
		}
		if (!parse_one(p, n, canon)) {
			shown(p, n, text, sizeof text);
			buf_free(&b);
			return ow_err_set(err, OW_EINPUT, "'%s' is not a MAC address; write six hex "
			                  "pairs separated by ':' or '-', e.g. 00:15:5D:0A:0B:0C", text);
		}
		/* the canonical list so far: 17-byte addresses, commas between */
		for (size_t at = 0; at < b.len; at += 18)
			if (memcmp(b.data + at, canon, 17) == 0) {
				buf_free(&b);
				return ow_err_set(err, OW_EINPUT, "%s is listed twice in the MAC address "
				                  "list; give each address once", canon);
			}
		if (++count > MAC_LIST_MAX) {
			buf_free(&b);
			return ow_err_set(err, OW_EINPUT, "more than %d MAC addresses; a distribution "
			                  "point answers PXE on a few interfaces, not more",
			                  MAC_LIST_MAX);
		}
		buf_addf(&b, "%s%s", count > 1 ? "," : "", canon);
		p += n + (p[n] == ',');
	}
	*out = buf_detach(&b);
	if (!*out)
		return ow_err_set(err, OW_EINPUT, "out of memory");
	return 0;
}
