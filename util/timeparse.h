/* Parsing of every date form the AdminService and WMI send (reference §2):
 * ISO 8601 with 0-3 (we accept up to 9) fraction digits and Z or an offset,
 * the plain "YYYY-MM-DD HH:MM:SS[.fff]" strings inside Props, DMTF
 * "yyyymmddHHMMSS.mmmmmm+UUU" including the "+***" unknown offset, and the
 * "unset" forms: null, "", and the 1970-01-01 / 1980-01-01 / 1601-01-01
 * placeholders. */
#ifndef OW_UTIL_TIMEPARSE_H
#define OW_UTIL_TIMEPARSE_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

enum owtime_status {
	OWTIME_OK,
	OWTIME_UNSET,    /* a legitimate "no date" value: not an error */
	OWTIME_INVALID,  /* not a date we recognise */
};

struct owtime {
	int64_t ms;          /* milliseconds since the Unix epoch, UTC */
	bool offset_known;   /* false for "+***" and for zone-less plain strings */
};

/* s may be NULL (unset). out is written only on OWTIME_OK. */
enum owtime_status owtime_parse(const char *s, struct owtime *out);

/* Writes "YYYY-MM-DDTHH:MM:SSZ" (no fraction) into out; returns out. */
char *owtime_format(int64_t ms, char out[32]);

#endif
