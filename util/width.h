/* Display width of terminal-safe UTF-8 text (the output of util/sanitize):
 * fitting a cell into a fixed number of columns. */
#ifndef OW_UTIL_WIDTH_H
#define OW_UTIL_WIDTH_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* Columns s takes on a terminal (wide characters count 2). */
size_t width_of(const char *s);

/* Appends s cut to at most `cols` columns (ending in an ellipsis when cut)
 * and, if pad, padded with spaces to exactly `cols`. */
void width_fit(struct buf *out, const char *s, size_t cols, bool pad, bool ascii);

#endif
