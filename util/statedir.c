#include "util/statedir.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/fsutil.h"

char *statedir_path(bool create, struct ow_err *err)
{
	const char *own = getenv("OSDWARDEN_STATE_DIR"), *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	struct buf b = BUF_INIT;
	char *dir;

	/* As for XDG_DATA_HOME, a relative XDG_STATE_HOME is ignored. */
	if (own && own[0] == '/')
		buf_adds(&b, own);
	else if (xdg && xdg[0] == '/')
		buf_addf(&b, "%s/osdwarden", xdg);
	else if (home && home[0] == '/')
		buf_addf(&b, "%s/.local/state/osdwarden", home);
	else {
		ow_err_set(err, OW_EINPUT, "neither OSDWARDEN_STATE_DIR, XDG_STATE_HOME nor HOME "
		           "is an absolute path, so there is no place for the audit key; set one");
		return NULL;
	}
	dir = buf_detach(&b);
	if (!dir) {
		ow_err_set(err, OW_EINPUT, "out of memory");
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
