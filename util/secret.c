#include "util/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

void secret_wipe(void *p, size_t n)
{
	/* A volatile pointer: the stores cannot be proven dead and dropped. */
	volatile unsigned char *v = p;
	while (n--)
		*v++ = 0;
}

void secret_free(char *s)
{
	if (s) {
		secret_wipe(s, strlen(s));
		free(s);
	}
}

/* Reads up to the first newline (or cap - 1 bytes, or the end) with
 * read(2) into buf, NUL-terminated, the newline dropped. No stdio: its
 * buffer is freed without being wiped, so the password would stay in the
 * heap. Returns the length, or -1 (errno set). */
static ssize_t read_line(int fd, char *buf, size_t cap)
{
	size_t len = 0;

	while (len + 1 < cap) {
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
		if (memchr(buf + len - (size_t)n, '\n', (size_t)n))
			break;
	}
	buf[len] = '\0';
	len = strcspn(buf, "\r\n");
	/* what followed the first line (the rest of a file) is wiped too */
	secret_wipe(buf + len, cap - len);
	return (ssize_t)len;
}

char *secret_from_file(const char *path, struct ow_err *err)
{
	char line[4096];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char *s = NULL;
	ssize_t n;

	if (fd < 0) {
		ow_err_set(err, OW_EINPUT, "cannot open the password file %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		ow_err_set(err, OW_EINPUT, "%s is not a regular file", path);
		return NULL;
	}
	if (st.st_mode & 077) {
		close(fd);
		ow_err_set(err, OW_EINPUT, "the password file %s can be read by others (mode %03o); "
		           "run chmod 600 %s", path, (unsigned)(st.st_mode & 0777), path);
		return NULL;
	}
	n = read_line(fd, line, sizeof line);
	if (n < 0) {
		int e = errno;
		close(fd);
		secret_wipe(line, sizeof line);
		ow_err_set(err, OW_EINPUT, "cannot read the password file %s: %s", path, strerror(e));
		return NULL;
	}
	close(fd);
	if (n > 0)
		s = strdup(line);
	secret_wipe(line, sizeof line);
	if (!s) {
		ow_err_set(err, OW_EINPUT, n > 0 ? "out of memory reading the password file %s"
		                                 : "the password file %s is empty", path);
		return NULL;
	}
	return s;
}

char *secret_prompt(const char *prompt, struct ow_err *err)
{
	struct termios old, quiet;
	char line[4096];
	char *s = NULL;
	bool restore = false;
	ssize_t n, shown;
	int tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);

	if (tty < 0) {
		ow_err_set(err, OW_EINPUT, "no terminal to ask for the password on; set "
		           "OSDWARDEN_PASSWORD or use --password-file");
		return NULL;
	}
	shown = write(tty, prompt, strlen(prompt));
	if (tcgetattr(tty, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(tty, TCSAFLUSH, &quiet) == 0;
	}
	n = read_line(tty, line, sizeof line);
	if (n > 0)
		s = strdup(line);
	if (restore)
		tcsetattr(tty, TCSAFLUSH, &old);
	shown = write(tty, "\n", 1);
	(void)shown;   /* a lost prompt or newline changes nothing read */
	close(tty);
	secret_wipe(line, sizeof line);
	if (!s)
		ow_err_set(err, OW_EINPUT, "no password was entered");
	return s;
}

char *secret_from_env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? strdup(v) : NULL;
}

static bool name_says_secret(const char *name)
{
	static const char *const words[] = { "pass", "pwd", "secret", "token", "cred" };
	char low[256];
	size_t n = 0;

	for (; name[n] && n + 1 < sizeof low; n++)
		low[n] = (char)((name[n] >= 'A' && name[n] <= 'Z') ? name[n] + 32 : name[n]);
	low[n] = '\0';
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strstr(low, words[i]))
			return true;
	/* "ProductKey", "API_KEY" -- but not "OSDKeyboardLocale": a "key"
	 * counts when no lowercase letter continues the word. */
	for (size_t i = 0; i + 3 <= n; i++) {
		char after = name[i + 3];
		if (strncmp(low + i, "key", 3) == 0 && !(after >= 'a' && after <= 'z'))
			return true;
	}
	return false;
}

bool secret_suspect(const char *name, const char *value)
{
	int lower = 0, upper = 0, digit = 0, other = 0;
	size_t len = value ? strlen(value) : 0, hexish = 0;

	if (len == 0)
		return false;
	if (name && name_says_secret(name))
		return true;
	for (const char *p = value; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == ' ' || c == '\t')
			return false;   /* prose, paths with spaces: not a password */
		if (c >= 'a' && c <= 'z') lower = 1;
		else if (c >= 'A' && c <= 'Z') upper = 1;
		else if (c >= '0' && c <= '9') digit = 1;
		else other = 1;
		hexish += (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
	}
	/* All four character classes, like a password policy demands, or a
	 * long key-like blob. Names such as LAB-PC-01 or Server2019 pass. */
	return (len >= 8 && lower && upper && digit && other) ||
	       (len >= 32 && (hexish == len || (lower && upper && digit && !other)));
}
