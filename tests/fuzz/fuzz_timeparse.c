/* The date parser (ISO 8601, DMTF): never crashes, and what it accepts
 * formats and parses back to the same instant. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "util/timeparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct owtime t, again;
	char text[32];

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* Within years 1..9999 the formatted second parses back to itself
	 * (the format has no fraction). */
	if (owtime_parse(s, &t) == OWTIME_OK && t.ms >= -62135596800000LL &&
	    t.ms <= 253402300799999LL) {
		int64_t sec = t.ms >= 0 ? t.ms / 1000 : -((-t.ms + 999) / 1000);
		owtime_format(t.ms, text);
		if (owtime_parse(text, &again) != OWTIME_OK || again.ms != sec * 1000)
			abort();
	}
	free(s);
	return 0;
}
