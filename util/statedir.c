#include "util/statedir.h"

#include <stdlib.h>
#include <string.h>

#include "util/fsutil.h"

char *statedir_path(bool create, struct ow_err *err)
{
	const char *own = getenv("OSDWARDEN_STATE_DIR");
	char *dir;

	dir = own && own[0] == '/' ? strdup(own) : fs_xdg_dir("XDG_STATE_HOME", ".local/state");
	if (!dir) {
		ow_err_set(err, OW_EINPUT, "neither OSDWARDEN_STATE_DIR, XDG_STATE_HOME nor HOME "
		           "is an absolute path, so there is no place for the audit key; set one");
		return NULL;
	}
	/* Created private; an existing directory is tightened only when it is
	 * osdwarden's own (not one named by OSDWARDEN_STATE_DIR). */
	if (create && fs_private_dir(dir, !(own && own[0] == '/'), err) != 0) {
		free(dir);
		return NULL;
	}
	return dir;
}
