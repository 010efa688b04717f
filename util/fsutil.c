#include "util/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"

/* A parent on the way may be a symlink (/home -> /usr/home is the
 * operator's business); the store directory itself (last) may not: its
 * target would be chmod'ed and filled with the inventory. */
static int mkdir_one(const char *dir, bool last, struct ow_err *err)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return ow_err_set(err, OW_EINPUT, "cannot create directory %s: %s",
		                  dir, strerror(errno));
	if ((last ? lstat(dir, &st) : stat(dir, &st)) != 0)
		return ow_err_set(err, OW_EINPUT, "cannot look at %s: %s", dir, strerror(errno));
	if (S_ISLNK(st.st_mode))
		return ow_err_set(err, OW_EINPUT, "the store directory %s is a symbolic link; "
		                  "osdwarden does not follow it (its target would be made private and "
		                  "written to). Remove the link, or give --db a path in a real "
		                  "directory", dir);
	if (!S_ISDIR(st.st_mode))
		return ow_err_set(err, OW_EINPUT, "%s exists and is not a directory", dir);
	return 0;
}

/* Removes group and other permissions through a descriptor opened without
 * following a link, and only on a directory this user owns. */
static int tighten_dir(const char *dir, struct ow_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	int rc = 0;

	if (fd < 0)
		return ow_err_set(err, OW_EINPUT, "cannot open the store directory %s: %s%s", dir,
		                  strerror(errno), errno == ELOOP ? " (it is a symbolic link)" : "");
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
	    (st.st_mode & 077) && fchmod(fd, st.st_mode & 0700) != 0)
		rc = ow_err_set(err, OW_EINPUT, "cannot make %s private (chmod 0700): %s",
		                dir, strerror(errno));
	close(fd);
	return rc;
}

int fs_private_dir(const char *dir, bool tighten, struct ow_err *err)
{
	char *p = strdup(dir);
	int rc = 0;

	if (!p)
		return ow_err_set(err, OW_EINPUT, "out of memory");
	/* Trailing slashes would hide a symlinked last component from lstat. */
	for (size_t n = strlen(p); n > 1 && p[n - 1] == '/'; n--)
		p[n - 1] = '\0';
	/* Walk the path, creating each missing component. */
	for (char *s = p + 1; *s && rc == 0; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		rc = mkdir_one(p, false, err);
		*s = '/';
	}
	if (rc == 0)
		rc = mkdir_one(p, true, err);
	if (rc == 0 && tighten)
		rc = tighten_dir(p, err);
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
	/* It exists: looked at and tightened through one descriptor that did
	 * not follow a link (O_NONBLOCK: a FIFO does not hang the open). */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ELOOP)
		return ow_err_set(err, OW_EINPUT, "the inventory %s is a symbolic link; osdwarden "
		                  "does not follow it (its target would be made private and written "
		                  "to). Give --db the real file", path);
	if (fd < 0)
		return ow_err_set(err, OW_EINPUT, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		close(fd);
		return ow_err_set(err, OW_EINPUT, "cannot stat %s: %s", path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return ow_err_set(err, OW_EINPUT, "%s exists and is not a regular file", path);
	}
	if ((st.st_mode & 077) && st.st_uid == geteuid() && fchmod(fd, 0600) != 0) {
		close(fd);
		return ow_err_set(err, OW_EINPUT, "cannot make %s private (chmod 0600): %s",
		                  path, strerror(errno));
	}
	close(fd);
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

bool fs_is_link(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

char *fs_xdg_dir(const char *var, const char *home_rel)
{
	const char *base = getenv(var), *home = getenv("HOME");
	struct buf b = BUF_INIT;

	if (base && base[0] == '/')
		buf_addf(&b, "%s/osdwarden", base);
	else if (home && home[0] == '/')
		buf_addf(&b, "%s/%s/osdwarden", home, home_rel);
	else
		return NULL;
	return buf_detach(&b);
}
