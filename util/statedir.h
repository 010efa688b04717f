/* Where osdwarden keeps per-user state that must not live in the inventory
 * (the audit key and anchors): $OSDWARDEN_STATE_DIR, else
 * $XDG_STATE_HOME/osdwarden, else ~/.local/state/osdwarden. */
#ifndef OW_UTIL_STATEDIR_H
#define OW_UTIL_STATEDIR_H

#include <stdbool.h>

#include "util/err.h"

/* The directory, in a new string. With create, it (and missing parents)
 * is made 0700 and an existing one is tightened to 0700; without, nothing
 * is created. NULL with err set when no absolute location is known. */
char *statedir_path(bool create, struct ow_err *err);

#endif
