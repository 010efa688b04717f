#include "util/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int mkdir_one(const char *dir, struct ow_err *err)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return ow_err_set(err, OW_EINPUT, "cannot create directory %s: %s",
	                  dir, strerror(errno));
}

int fs_private_dir(const char *dir, bool tighten, struct ow_err *err)
{
	char *p = strdup(dir);
	struct stat st;
	int rc = 0;

	if (!p)
		return ow_err_set(err, OW_EINPUT, "out of memory");
	/* Walk the path, creating each missing component. */
	for (char *s = p + 1; *s && rc == 0; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		rc = mkdir_one(p, err);
		*s = '/';
	}
	if (rc == 0)
		rc = mkdir_one(p, err);
	if (rc == 0 && tighten && stat(p, &st) == 0 && st.st_uid == geteuid() &&
	    (st.st_mode & 077) && chmod(p, st.st_mode & 0700) != 0)
		rc = ow_err_set(err, OW_EINPUT, "cannot make %s private (chmod 0700): %s",
		                p, strerror(errno));
	free(p);
	return rc;
}

int fs_private_file(const char *path, bool *created, struct ow_err *err)
{
	struct stat st;
	int fd;

	*created = false;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		/* open() honours the umask, which can only remove bits, so
		 * the file is 0600 or stricter; make it exactly 0600. */
		if (fchmod(fd, 0600) != 0) {
			close(fd);
			return ow_err_set(err, OW_EINPUT, "cannot set mode 0600 on %s: %s",
			                  path, strerror(errno));
		}
		close(fd);
		*created = true;
		return 0;
	}
	if (errno != EEXIST)
		return ow_err_set(err, OW_EINPUT, "cannot create %s: %s", path, strerror(errno));
	if (stat(path, &st) != 0)
		return ow_err_set(err, OW_EINPUT, "cannot stat %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return ow_err_set(err, OW_EINPUT, "%s exists and is not a regular file", path);
	if ((st.st_mode & 077) && st.st_uid == geteuid() && chmod(path, 0600) != 0)
		return ow_err_set(err, OW_EINPUT, "cannot make %s private (chmod 0600): %s",
		                  path, strerror(errno));
	return 0;
}

char *fs_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	d = malloc((size_t)(slash - path) + 1);
	if (d) {
		memcpy(d, path, (size_t)(slash - path));
		d[slash - path] = '\0';
	}
	return d;
}

bool fs_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}
