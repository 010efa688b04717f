#include "util/who.h"

#include <stdlib.h>

const char *who_operator(void)
{
	/* SUDO_USER first: "root" says nothing about who ran sudo. */
	static const char *const vars[] = { "SUDO_USER", "LOGNAME", "USER" };

	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return v;
	}
	return "unknown";
}
