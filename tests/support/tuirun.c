#define _POSIX_C_SOURCE 200809L
#include "tuirun.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/adminservice.h"
#include "labsite.h"
#include "testutil.h"

int tuirun_script(const struct tuirun *r, const char *script)
{
	const char *build = getenv("OW_BUILD_DIR");
	char keys[400], err[400];
	char *bin = tu_path(build ? build : "build", "osdwarden");
	pid_t pid;
	int status;

	snprintf(keys, sizeof keys, "%s/keys", r->dir);
	snprintf(err, sizeof err, "%s/stderr", r->dir);
	assert_int_equal(tu_write_file(keys, script, strlen(script)), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *argv[16];
		int n = 0;
		argv[n++] = bin;
		argv[n++] = "--db";
		argv[n++] = r->db;
		if (r->global)
			argv[n++] = r->global;
		argv[n++] = "tui";
		argv[n++] = "--script";
		argv[n++] = keys;
		argv[n++] = "--size";
		argv[n++] = r->size ? r->size : "80x24";
		if (r->view) {
			argv[n++] = "--view";
			argv[n++] = r->view;
			if (!freopen(err, "w", stderr))
				_exit(126);
		}
		argv[n] = NULL;
		setenv("LANG", r->lang ? r->lang : "C.UTF-8", 1);
		setenv("LC_ALL", r->lang ? r->lang : "C.UTF-8", 1);
		setenv("TERM", "xterm", 1);
		setenv("OSDWARDEN_PASSWORD", LS_PASSWORD, 1);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	free(bin);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

char *tuirun_screen(const char *dir, const char *name)
{
	char path[400];
	char *s;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	s = tu_read_file(path, NULL);
	if (!s)
		fail_msg("no screen %s was saved", name);
	if (strchr(s, '\x1b') || strchr(s, '\a'))
		fail_msg("the screen %s holds a control byte (ESC or BEL):\n%s", name, s);
	return s;
}

void tuirun_expect(const char *scr, const char *text)
{
	if (!strstr(scr, text))
		fail_msg("the screen lacks \"%s\":\n%s", text, scr);
}

void tuirun_expect_not(const char *scr, const char *text)
{
	if (strstr(scr, text))
		fail_msg("the screen shows \"%s\":\n%s", text, scr);
}

const char *tuirun_synced_classes(void)
{
	static char text[48];
	snprintf(text, sizeof text, " rows from %zu classes", as_class_count());
	return text;
}
