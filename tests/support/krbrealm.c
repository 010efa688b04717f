#include "krbrealm.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

static const char *script(void)
{
	static char path[4096];
	const char *b = getenv("OW_BUILD_DIR");

	snprintf(path, sizeof path, "%s/osdwarden-krbrealm", b ? b : "build");
	return path;
}

/* Runs argv with input (may be NULL) on its standard input and its output
 * appended to dir/krbrealm.log; the exit status. */
static int run(const char *dir, const char *input, const char *const *argv)
{
	char log[400];
	int in[2], status;
	pid_t pid;

	snprintf(log, sizeof log, "%s/krbrealm.log", dir);
	assert_int_equal(pipe(in), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		dup2(in[0], STDIN_FILENO);
		close(in[0]);
		close(in[1]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	if (input && write(in[1], input, strlen(input)) < 0)
		fprintf(stderr, "# could not write to %s\n", argv[0]);
	close(in[1]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* "text\n", malloc'ed. */
static char *with_newline(const char *text)
{
	size_t n = strlen(text);
	char *line = malloc(n + 2);

	assert_non_null(line);
	memcpy(line, text, n);
	memcpy(line + n, "\n", 2);
	return line;
}

static void fail_with_log(const struct krbrealm *kr, const char *what)
{
	char log[400], *text;

	snprintf(log, sizeof log, "%s/krbrealm.log", kr->dir);
	text = tu_read_file(log, NULL);
	fail_msg("%s failed:\n%s", what, text ? text : "(no log)");
}

void krbrealm_start(struct krbrealm *kr, const char *const *users)
{
	const char *base = getenv("TMPDIR");
	const char *argv[16] = { "sh", script(), "start", NULL };
	char conf[320];
	int n = 3;

	memset(kr, 0, sizeof *kr);
	snprintf(kr->dir, sizeof kr->dir, "%s/osdwarden-realm-XXXXXX", base && *base ? base : "/tmp");
	assert_non_null(mkdtemp(kr->dir));
	argv[n++] = kr->dir;
	for (; users && *users && n < 15; users++)
		argv[n++] = *users;
	argv[n] = NULL;
	/* the KDC goes when this test does, even when it is killed */
	snprintf(conf, sizeof conf, "%ld", (long)getpid());
	setenv("KRBREALM_WATCH", conf, 1);
	if (run(kr->dir, NULL, argv) != 0)
		fail_with_log(kr, "starting a throwaway KDC (scripts/krbrealm.sh)");
	unsetenv("KRBREALM_WATCH");
	snprintf(kr->keytab, sizeof kr->keytab, "%s/http.keytab", kr->dir);
	snprintf(kr->ccache, sizeof kr->ccache, "%s/ccache", kr->dir);
	snprintf(conf, sizeof conf, "%s/krb5.conf", kr->dir);
	setenv("KRB5_CONFIG", conf, 1);
	snprintf(conf, sizeof conf, "%s/kdc.conf", kr->dir);
	setenv("KRB5_KDC_PROFILE", conf, 1);
	snprintf(conf, sizeof conf, "FILE:%s", kr->ccache);
	setenv("KRB5CCNAME", conf, 1);
	/* The lab's key is given with --keytab; no default keytab is read. */
	unsetenv("KRB5_KTNAME");
}

void krbrealm_kinit(struct krbrealm *kr, const char *user, const char *lifetime)
{
	if (run(kr->dir, NULL, (const char *const[]){ "sh", script(), "kinit", kr->dir, user, lifetime,
	                                              NULL }) != 0)
		fail_with_log(kr, "kinit from the users' keytab");
}

int krbrealm_kinit_password(struct krbrealm *kr, const char *user, const char *password)
{
	char principal[200], *line;
	int rc;

	snprintf(principal, sizeof principal, "%s@" KR_REALM, user);
	line = with_newline(password);
	rc = run(kr->dir, line, (const char *const[]){ "kinit", principal, NULL });
	free(line);
	return rc;
}

void krbrealm_add_user(struct krbrealm *kr, const char *user, const char *password)
{
	char *line;

	line = with_newline(password);
	if (run(kr->dir, line, (const char *const[]){ "sh", script(), "addpw", kr->dir, user, NULL }) != 0)
		fail_with_log(kr, "adding a principal with a password");
	free(line);
}

void krbrealm_kdestroy(struct krbrealm *kr)
{
	unlink(kr->ccache);
}

void krbrealm_stop(struct krbrealm *kr)
{
	if (!kr->dir[0])
		return;
	run(kr->dir, NULL, (const char *const[]){ "sh", script(), "stop", kr->dir, NULL });
	tu_rmtree(kr->dir);
	kr->dir[0] = '\0';
	unsetenv("KRB5_CONFIG");
	unsetenv("KRB5_KDC_PROFILE");
	unsetenv("KRB5CCNAME");
}
