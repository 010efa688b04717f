/* Secret hygiene end to end, with the real binary in its default places:
 * after a sync, the checklist in every format, every list in every
 * format, the audit log, a write and the console, none of the lab's
 * secret canaries (nor the password) is in the inventory, its WAL, any
 * output or screen; the inventory is 0600 in a 0700 directory; the
 * password is never on the command line nor left in the environment block
 * of the running process. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support/labsite.h"
#include "support/testutil.h"
#include "lab/site.h"

static struct labsite g_ls;
static char g_xdg[400], g_store[500], g_db[600];
static const char *g_secrets[6];
static struct lab_site g_site;

/* Runs the binary with XDG_DATA_HOME set (no --db: the default inventory)
 * and the password in the environment; returns stdout+stderr (new string). */
static char *run(const char *const *args, int *rc)
{
	char *bin = tu_path(getenv("OW_BUILD_DIR") ? getenv("OW_BUILD_DIR") : "build", "osdwarden");
	char outpath[600];
	int status;
	pid_t pid;
	char *out;

	snprintf(outpath, sizeof outpath, "%s/out.txt", g_ls.dir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *argv[20] = { bin };
		int n = 1, fd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		for (; *args && n < 19; args++)
			argv[n++] = *args;
		argv[n] = NULL;
		dup2(fd, 1);
		dup2(fd, 2);
		setenv("XDG_DATA_HOME", g_xdg, 1);
		setenv("OSDWARDEN_PASSWORD", LS_PASSWORD, 1);
		setenv("LANG", "C.UTF-8", 1);
		setenv("TERM", "xterm", 1);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	*rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	free(bin);
	out = tu_read_file(outpath, NULL);
	return out ? out : strdup("");
}

static void assert_clean(const char *what, const char *text, size_t len)
{
	for (int i = 0; g_secrets[i]; i++)
		if (memmem(text, len, g_secrets[i], strlen(g_secrets[i])))
			fail_msg("secret %d (%.6s...) found in %s", i, g_secrets[i], what);
}

static void assert_file_clean(const char *path)
{
	size_t len = 0;
	char *data = tu_read_file(path, &len);

	if (data)
		assert_clean(path, data, len);
	free(data);
}

static int setup(void **state)
{
	(void)state;
	labsite_init(&g_ls, "hygiene");
	snprintf(g_xdg, sizeof g_xdg, "%s/xdg", g_ls.dir);
	snprintf(g_store, sizeof g_store, "%s/osdwarden", g_xdg);
	snprintf(g_db, sizeof g_db, "%s/inventory.db", g_store);
	if (lab_site_generate(&g_site, 1, 1, 1780000000LL * 1000) != 0)
		return -1;
	g_secrets[0] = g_site.canary.pxe_blob;
	g_secrets[1] = g_site.canary.reserved2;
	g_secrets[2] = g_site.canary.variable;
	g_secrets[3] = g_site.canary.ts_password;
	g_secrets[4] = g_site.canary.masked_value;
	g_secrets[5] = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	lab_site_free(&g_site);
	labsite_free(&g_ls);
	return 0;
}

/* The password is neither in /proc/PID/cmdline nor in /proc/PID/environ
 * while a sync runs (the lab answers slowly so there is time to look). */
static void test_the_password_is_not_visible_in_proc(void **state)
{
	struct labproc lp;
	char origin[600], path[64], *bin;
	pid_t pid;
	int status, looks[2] = { 0, 0 };

	(void)state;
	/* request 5: the page of SMS_SCI_SysResUse (after $metadata, 1, and
	 * its $count, 4) */
	labsite_start(&g_ls, &lp, (const char *const[]){ "--faults", "slow=3s@req=5", NULL });
	labsite_origin(&lp, origin, sizeof origin);
	bin = tu_path(getenv("OW_BUILD_DIR") ? getenv("OW_BUILD_DIR") : "build", "osdwarden");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		setenv("XDG_DATA_HOME", g_xdg, 1);
		setenv("OSDWARDEN_PASSWORD", LS_PASSWORD, 1);
		execl(bin, bin, "sync", "--provider", origin, "--auth", "basic", "--user", "labadmin",
		      "--cacert", lp.ca, (char *)NULL);
		_exit(127);
	}
	/* Look while it runs: after start-up, before it ends. */
	for (int i = 0; i < 40; i++) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		const char *files[] = { "cmdline", "environ" };
		nanosleep(&ts, NULL);
		for (int k = 0; k < 2; k++) {
			size_t len = 0;
			char *data;
			snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, files[k]);
			data = tu_read_file(path, &len);
			if (!data)
				continue;   /* not ours to read (not dumpable, another account) */
			/* What was read is the process's: its command line names the
			 * command, its environment the variable the test set. */
			if (i >= 4 && len > 0 &&
			    memmem(data, len, k == 0 ? "sync" : "XDG_DATA_HOME=", k == 0 ? 4 : 14))
				looks[k]++;   /* the environment is wiped right after start-up */
			if (i >= 4 && memmem(data, len, LS_PASSWORD, strlen(LS_PASSWORD)))
				fail_msg("the password is visible in %s", path);
			free(data);
		}
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The looks saw something: the command line always, and the
	 * environment where this account may read it (root may, for a
	 * process that is not dumpable). */
	assert_true(looks[0] > 0);
	if (geteuid() == 0)
		assert_true(looks[1] > 0);
	free(bin);
	labproc_stop(&lp);
}

static void test_no_secret_anywhere_after_every_kind_of_use(void **state)
{
	static const char *const lists[] = { "dps", "smps", "media", "certs", "assocs", "ts",
	                                     "admins", "sites" };
	static const char *const lfmts[] = { "text", "json", "csv" };
	static const char *const cfmts[] = { "text", "json", "sarif", "markdown" };
	static const char *const suffix[] = { "", "-wal", "-shm" };
	struct labproc lp;
	char origin[600], keys[1200], script[600], *out;
	struct stat st;
	sqlite3 *holder = NULL;
	int rc;

	(void)state;
	labsite_start(&g_ls, &lp, NULL);
	labsite_origin(&lp, origin, sizeof origin);
	out = run((const char *const[]){ "sync", "--provider", origin, "--auth", "basic", "--user",
	                                 "labadmin", "--cacert", lp.ca, NULL }, &rc);
	assert_int_equal(rc, 0);
	assert_clean("sync output", out, strlen(out));
	free(out);
	/* The default places: the store 0700, the inventory 0600. */
	assert_int_equal(stat(g_store, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(g_db, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* Held open from here to the end, so the -wal and -shm every later run
	 * wrote are still there to be read (the last close deletes them). */
	assert_int_equal(sqlite3_open_v2(g_db, &holder, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(holder, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL),
	                 SQLITE_OK);
	for (size_t f = 0; f < 4; f++) {
		out = run((const char *const[]){ "check", "--format", cfmts[f], NULL }, &rc);
		assert_clean(cfmts[f], out, strlen(out));
		free(out);
	}
	for (size_t l = 0; l < 8; l++)
		for (size_t f = 0; f < 3; f++) {
			out = run((const char *const[]){ "list", lists[l], "--format", lfmts[f], NULL }, &rc);
			assert_int_equal(rc, 0);
			assert_clean(lists[l], out, strlen(out));
			free(out);
		}
	/* A write (the provider and password as for sync), a task, the audit log. */
	/* (two labs were synced into this inventory: the CLI asks which) */
	out = run((const char *const[]){ "smp", "restore-only", "SMP01.holdout.example", "on", "--yes",
	                                 NULL }, &rc);
	assert_int_equal(rc, 2);
	assert_non_null(strstr(out, "say which one with --provider URL"));
	free(out);
	out = run((const char *const[]){ "smp", "restore-only", "SMP01.holdout.example", "on", "--yes",
	                                 "--provider", origin, "--auth", "basic", "--user", "labadmin",
	                                 "--cacert", lp.ca, NULL }, &rc);
	assert_int_equal(rc, 0);
	assert_clean("action output", out, strlen(out));
	free(out);
	out = run((const char *const[]){ "audit", "list", "--format", "json", NULL }, &rc);
	assert_clean("audit log", out, strlen(out));
	assert_null(strstr(out, LS_PASSWORD));
	free(out);
	/* The console's screens. */
	snprintf(script, sizeof script, "%s/keys", g_ls.dir);
	snprintf(keys, sizeof keys, ":save-display %s/s1\n6\n:save-display %s/s2\n:accounts\n"
	         ":save-display %s/s3\n", g_ls.dir, g_ls.dir, g_ls.dir);
	assert_int_equal(tu_write_file(script, keys, strlen(keys)), 0);
	out = run((const char *const[]){ "tui", "--script", script, NULL }, &rc);
	assert_int_equal(rc, 0);
	free(out);
	for (int i = 1; i <= 3; i++) {
		char p[600];
		snprintf(p, sizeof p, "%s/s%d", g_ls.dir, i);
		assert_file_clean(p);
	}
	labproc_stop(&lp);
	/* Last, the files themselves, the WAL included; and no password. */
	for (int k = 0; k < 3; k++) {
		char p[700];
		size_t len = 0;
		char *data;
		snprintf(p, sizeof p, "%s%s", g_db, suffix[k]);
		if (!(data = tu_read_file(p, &len)))
			fail_msg("%s is absent while a connection holds the inventory: its secrets and "
			         "mode would go unchecked", p);
		assert_file_clean(p);
		if (memmem(data, len, LS_PASSWORD, strlen(LS_PASSWORD)))
			fail_msg("the password is in %s", p);
		free(data);
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_mode & 0077, 0);
	}
	sqlite3_close(holder);
}

/* No raw control sequence in any text output: no ESC, no C1 control,
 * no bidi override or isolate as raw bytes (they are shown as text). */
static void assert_inert(const char *what, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p == 0x1b || *p == 0x07 || (*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r'))
			fail_msg("%s: a raw control byte 0x%02x", what, *p);
		if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
			fail_msg("%s: a raw C1 control", what);
		if (p[0] == 0xE2 && ((p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE) ||
		                     (p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)))
			fail_msg("%s: a raw bidi control", what);
	}
}

/* Every output path fed the lab's hostile names (an OSC 52 clipboard
 * write, a screen clear, a right-to-left override, a spreadsheet formula,
 * Markdown markup): text, CSV, Markdown, the audit log and the console
 * draw them inert; CSV defuses the formula; Markdown escapes the markup. */
static void test_hostile_names_are_inert_on_every_output_path(void **state)
{
	static const char *const lists[] = { "dps", "smps", "media", "certs", "assocs", "ts",
	                                     "admins", "sites" };
	struct labproc lp;
	char origin[600], keys[2000], script[600], path[700], *out, *screen_text;
	int rc;

	(void)state;
	labsite_start(&g_ls, &lp, NULL);
	labsite_origin(&lp, origin, sizeof origin);
	out = run((const char *const[]){ "sync", "--provider", origin, "--auth", "basic", "--user",
	                                 "labadmin", "--cacert", lp.ca, NULL }, &rc);
	assert_int_equal(rc, 0);
	free(out);
	labproc_stop(&lp);
	for (size_t l = 0; l < 8; l++) {
		out = run((const char *const[]){ "list", lists[l], NULL }, &rc);
		assert_inert(lists[l], out);
		free(out);
		out = run((const char *const[]){ "list", lists[l], "--format", "csv", NULL }, &rc);
		assert_inert(lists[l], out);
		if (strcmp(lists[l], "assocs") == 0) {
			/* the formula is a text cell a spreadsheet will not run */
			assert_non_null(strstr(out, "\"'=HYPERLINK("));
			assert_null(strstr(out, ",=HYPERLINK("));
			assert_null(strstr(out, ",\"=HYPERLINK("));
		}
		free(out);
	}
	out = run((const char *const[]){ "check", NULL }, &rc);
	assert_inert("check text", out);
	free(out);
	out = run((const char *const[]){ "check", "--format", "markdown", NULL }, &rc);
	assert_inert("check markdown", out);
	assert_null(strstr(out, "[click](javascript"));   /* no live link */
	free(out);
	out = run((const char *const[]){ "audit", "list", NULL }, &rc);
	assert_inert("audit list", out);
	free(out);
	snprintf(script, sizeof script, "%s/keys2", g_ls.dir);
	snprintf(keys, sizeof keys, "5\n:save-display %s/h1\n/Media<Enter>\n<Enter>\n"
	         ":save-display %s/h2\n<Tab>\n:save-display %s/h3\n:accounts\n:save-display %s/h4\n"
	         "1\n/HOSTILE<Enter>\n:save-display %s/h5\n", g_ls.dir, g_ls.dir, g_ls.dir, g_ls.dir,
	         g_ls.dir);
	assert_int_equal(tu_write_file(script, keys, strlen(keys)), 0);
	out = run((const char *const[]){ "tui", "--script", script, NULL }, &rc);
	assert_int_equal(rc, 0);
	free(out);
	for (int i = 1; i <= 5; i++) {
		snprintf(path, sizeof path, "%s/h%d", g_ls.dir, i);
		screen_text = tu_read_file(path, NULL);
		assert_non_null(screen_text);
		assert_inert(path, screen_text);
		free(screen_text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_password_is_not_visible_in_proc),
		cmocka_unit_test(test_no_secret_anywhere_after_every_kind_of_use),
		cmocka_unit_test(test_hostile_names_are_inert_on_every_output_path),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
