/* Compact JSON objects written straight into a buffer, byte for byte as
 * jansson's json_dumps(JSON_COMPACT | JSON_PRESERVE_ORDER |
 * JSON_ENSURE_ASCII) writes the same tree: for evidence built a hundred
 * thousand times a run, where a tree per result and its dump cost more
 * than the check. One difference, on purpose: a byte that is not UTF-8
 * (which jansson refuses, dropping the member) is written as the code
 * point of the same number, so nothing of the value is lost. */
#ifndef OW_UTIL_JSONW_H
#define OW_UTIL_JSONW_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

#define JW_DEPTH 8

struct jw {
	struct buf *b;
	int depth;
	bool more[JW_DEPTH];      /* a member written at that depth already */
	bool failed;              /* too deep, or the buffer's allocation */
};

/* Empties b and opens the outermost object. */
void jw_begin(struct jw *w, struct buf *b);
/* Members: s NULL is null. */
void jw_str(struct jw *w, const char *name, const char *s);
void jw_int(struct jw *w, const char *name, long long n);
void jw_bool(struct jw *w, const char *name, bool v);
void jw_null(struct jw *w, const char *name);
/* An object as the member name; jw_end closes it. */
void jw_obj(struct jw *w, const char *name);
void jw_end(struct jw *w);
/* Closes what is open; the text (valid until b changes), or NULL when it
 * failed. */
const char *jw_finish(struct jw *w);

/* A JSON string (quotes included) as jsonw writes it, appended to b. */
void jw_string(struct buf *b, const char *s);
/* n in decimal, appended to b. */
void jw_decimal(struct buf *b, long long n);

#endif
