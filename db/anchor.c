#include "db/anchor.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/statedir.h"

static void hex(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static int unhex(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}

/* A whole small file into buf (NUL-terminated); -1 with errno. Refuses a
 * symlink and anything but a regular file of ours. */
static int read_small(const char *path, char *buf, size_t cap, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	ssize_t n;
	size_t got = 0;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	while (got + 1 < cap && (n = read(fd, buf + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	*len = got;
	return 0;
}

/* Writes data to a new 0600 temporary file beside path and then either
 * renames it over path (replace) or links it to path, which fails when
 * path exists (so two processes creating the key at once agree on one). */
static int write_file(const char *path, const char *data, size_t len, bool replace,
                      struct ow_err *err)
{
	char tmp[PATH_MAX];
	int fd, rc = 0;

	snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0)
		return ow_err_set(err, OW_EINPUT, "cannot write %s: %s", path, strerror(errno));
	if (fchmod(fd, 0600) != 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) != 0)
		rc = ow_err_set(err, OW_EINPUT, "cannot write %s: %s", tmp, strerror(errno));
	close(fd);
	if (rc == 0 && replace && rename(tmp, path) != 0)
		rc = ow_err_set(err, OW_EINPUT, "cannot replace %s: %s", path, strerror(errno));
	if (rc == 0 && !replace && link(tmp, path) != 0 && errno != EEXIST)
		rc = ow_err_set(err, OW_EINPUT, "cannot create %s: %s", path, strerror(errno));
	if (rc != 0 || !replace)
		unlink(tmp);
	return rc;
}

static char *key_path(bool create, struct ow_err *err)
{
	char *dir = statedir_path(create, err);
	struct buf b = BUF_INIT;

	if (!dir)
		return NULL;
	buf_addf(&b, "%s/audit.key", dir);
	free(dir);
	return buf_detach(&b);
}

int anchor_key_load(bool create, struct anchor_key *key, struct ow_err *err)
{
	char *path = key_path(create, err), text[128];
	unsigned char md[32];
	size_t len;
	int rc = 0;

	struct stat st;

	if (!path)
		return OW_EINPUT;
	/* A key others can read is a key others can forge anchors with. */
	if (lstat(path, &st) == 0 && (st.st_mode & 077)) {
		rc = ow_err_set(err, OW_EINPUT, "the audit key %s can be read by other accounts "
		                "(mode %04o), so anchors made with it prove nothing: chmod 600 it if "
		                "nobody else read it, else delete it and re-anchor (osdwarden audit "
		                "re-anchor)", path, (unsigned)(st.st_mode & 07777));
		free(path);
		return rc;
	}
	if (read_small(path, text, sizeof text, &len) != 0) {
		if (errno != ENOENT) {
			rc = ow_err_set(err, OW_EINPUT, "cannot read the audit key %s: %s", path,
			                strerror(errno));
		} else if (!create) {
			rc = 1;
		} else {
			unsigned char k[32];
			char h[66];
			if (gnutls_rnd(GNUTLS_RND_KEY, k, sizeof k) != 0) {
				rc = ow_err_set(err, OW_EINPUT, "cannot make an audit key: no randomness");
			} else {
				hex(k, sizeof k, h);
				h[64] = '\n';
				h[65] = '\0';
				rc = write_file(path, h, 65, false, err);
			}
			gnutls_memset(k, 0, sizeof k);
			/* read back: another process may have won the race */
			if (rc == 0 && read_small(path, text, sizeof text, &len) != 0)
				rc = ow_err_set(err, OW_EINPUT, "cannot read the audit key %s: %s", path,
				                strerror(errno));
		}
	}
	if (rc == 0 && (len < 64 || unhex(text, key->k, sizeof key->k) != 0))
		rc = ow_err_set(err, OW_EINPUT, "the audit key %s is damaged (not 64 hex digits); "
		                "the anchors it made cannot be checked any more", path);
	if (rc == 0) {
		gnutls_hash_fast(GNUTLS_DIG_SHA256, key->k, sizeof key->k, md);
		hex(md, 8, key->id);
	}
	gnutls_memset(text, 0, sizeof text);
	free(path);
	return rc;
}

int anchor_file_for(const char *inv_path, char **file, char **abs, struct ow_err *err)
{
	char real[PATH_MAX], h[65], *dir;
	unsigned char md[32];
	struct buf b = BUF_INIT;

	*file = *abs = NULL;
	if (!realpath(inv_path, real))
		return ow_err_set(err, OW_EINPUT, "cannot resolve %s: %s", inv_path, strerror(errno));
	if (!(dir = statedir_path(false, err)))
		return OW_EINPUT;
	gnutls_hash_fast(GNUTLS_DIG_SHA256, real, strlen(real), md);
	hex(md, 32, h);
	buf_addf(&b, "%s/anchor-%.32s", dir, h);
	free(dir);
	*file = buf_detach(&b);
	*abs = strdup(real);
	if (!*file || !*abs) {
		free(*file);
		free(*abs);
		*file = *abs = NULL;
		return ow_err_set(err, OW_EINPUT, "out of memory");
	}
	return 0;
}

int anchor_mac(const struct anchor_key *key, const char *data, size_t len, char out[65])
{
	unsigned char md[32];

	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key->k, sizeof key->k, data, len, md) != 0)
		return -1;
	hex(md, 32, out);
	return 0;
}

/* The MAC'd part of the file: fixed field order, one per line. */
static void body(struct buf *b, const struct anchor *a)
{
	buf_addf(b, "osdwarden-audit-anchor-v1\npath=%s\nsince=%lld\ncreated=%lld\n"
	         "head=%lld %s\npending=%lld %s\n", a->path, (long long)a->since,
	         (long long)a->created, (long long)a->seq, a->hash, (long long)a->pend_seq,
	         a->pend_seq ? a->pend_hash : "-");
}

int anchor_write(const struct anchor_key *key, const char *file, const struct anchor *a,
                 struct ow_err *err)
{
	struct buf b = BUF_INIT;
	char mac[65];
	int rc;

	body(&b, a);
	if (b.failed || anchor_mac(key, b.data, b.len, mac) != 0) {
		buf_free(&b);
		return ow_err_set(err, OW_EINPUT, "cannot compute the audit anchor's MAC");
	}
	buf_addf(&b, "mac=%s\n", mac);
	rc = b.failed ? (int)ow_err_set(err, OW_EINPUT, "out of memory")
	              : write_file(file, b.data, b.len, true, err);
	buf_free(&b);
	return rc;
}

void anchor_clear(struct anchor *a)
{
	free(a->path);
	memset(a, 0, sizeof *a);
}

enum anchor_state anchor_read(const struct anchor_key *key, const char *file, struct anchor *a)
{
	char text[PATH_MAX + 1024], path[PATH_MAX], pend[65], mac[65], want[65];
	long long since, created, seq, pseq;
	struct buf b = BUF_INIT;
	const char *m;
	size_t len;
	enum anchor_state st;

	memset(a, 0, sizeof *a);
	if (read_small(file, text, sizeof text, &len) != 0)
		return errno == ENOENT ? ANCHOR_NONE : ANCHOR_DAMAGED;
	if (sscanf(text, "osdwarden-audit-anchor-v1\npath=%4095[^\n]\nsince=%lld\ncreated=%lld\n"
	           "head=%lld %64s\npending=%lld %64s\n", path, &since, &created, &seq, a->hash,
	           &pseq, pend) != 7 || !(m = strstr(text, "\nmac=")) ||
	    sscanf(m, "\nmac=%64s", mac) != 1)
		return ANCHOR_DAMAGED;
	a->path = strdup(path);
	a->since = since;
	a->created = created;
	a->seq = seq;
	a->pend_seq = pseq;
	snprintf(a->pend_hash, sizeof a->pend_hash, "%s", pseq ? pend : "");
	if (!a->path)
		return ANCHOR_DAMAGED;
	/* The MAC is recomputed from the parsed fields: text that parses the
	 * same but differs elsewhere cannot slip through. */
	body(&b, a);
	st = (b.failed || anchor_mac(key, b.data, b.len, want) != 0 || strcmp(want, mac) != 0)
	             ? ANCHOR_FORGED : ANCHOR_OK;
	buf_free(&b);
	return st;
}
