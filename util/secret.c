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

static char *chomp_dup(char *line)
{
	char *s;

	line[strcspn(line, "\r\n")] = '\0';
	s = strdup(line);
	secret_wipe(line, strlen(line));
	return s;
}

char *secret_from_file(const char *path, struct ow_err *err)
{
	char line[4096];
	struct stat st;
	FILE *f;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char *s = NULL;

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
	f = fdopen(fd, "r");
	if (f && fgets(line, sizeof line, f))
		s = chomp_dup(line);
	if (f)
		fclose(f);
	else
		close(fd);
	secret_wipe(line, sizeof line);
	if (!s || !*s) {
		secret_free(s);
		ow_err_set(err, OW_EINPUT, "the password file %s is empty", path);
		return NULL;
	}
	return s;
}

char *secret_prompt(const char *prompt, struct ow_err *err)
{
	struct termios old, quiet;
	char line[4096];
	char *s = NULL;
	FILE *tty = fopen("/dev/tty", "r+");

	if (!tty) {
		ow_err_set(err, OW_EINPUT, "no terminal to ask for the password on; set "
		           "OSDWARDEN_PASSWORD or use --password-file");
		return NULL;
	}
	fputs(prompt, tty);
	fflush(tty);
	if (tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	}
	if (fgets(line, sizeof line, tty))
		s = chomp_dup(line);
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
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
