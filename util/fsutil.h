/* Private files and directories: the inventory lives in a 0700 directory as
 * a 0600 file, whatever the umask says. */
#ifndef OW_UTIL_FSUTIL_H
#define OW_UTIL_FSUTIL_H

#include <stdbool.h>

#include "util/err.h"

/* Creates dir and any missing parents with mode 0700. dir itself must not
 * be a symbolic link (parents may be). An existing directory is left as it
 * is unless tighten is set, in which case group and other permissions are
 * removed (only for directories osdwarden owns, such as
 * $XDG_DATA_HOME/osdwarden, and only when this user owns them). */
int fs_private_dir(const char *dir, bool tighten, struct ow_err *err);

/* Creates path as an empty 0600 file if it does not exist (never
 * truncates). *created tells which. A symbolic link at path is refused,
 * never followed. An existing regular file of this user's that group or
 * others can read is tightened to 0600. */
int fs_private_file(const char *path, bool *created, struct ow_err *err);

/* osdwarden's directory under an XDG base directory: "$var/osdwarden" when
 * var is set to an absolute path (the spec says a relative one is
 * ignored), else "$HOME/home_rel/osdwarden". A new string; NULL when
 * neither is absolute (or out of memory). */
char *fs_xdg_dir(const char *var, const char *home_rel);

/* The directory part of path, in a new string ("." when there is none). */
char *fs_dirname(const char *path);

bool fs_exists(const char *path);

/* Whether path itself is a symbolic link (not followed). */
bool fs_is_link(const char *path);

#endif
