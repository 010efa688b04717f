#include "support/testutil.h"

#include <jansson.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/out.h"
#include "db/db.h"
#include "db/records.h"

static char *g_dir, *g_db;

static struct tu_run run_cli(const char *const *args)
{
	return tu_cli(g_db, args);
}

#define RUN(...) run_cli((const char *const[]){ __VA_ARGS__, NULL })

static int setup(void **state)
{
	(void)state;
	g_dir = tu_tmpdir();
	g_db = tu_path(g_dir, "inv.db");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(g_dir);
	free(g_dir);
	free(g_db);
	return 0;
}

static void add_cert(const char *smsid, const char *issued_to, int64_t valid_until)
{
	struct inv_open_opts o = { .path = g_db };
	struct ow_err e = { 0 };
	struct inv *db;
	struct inv_cert c = { .smsid = (char *)smsid, .site_code = (char *)"HLD", .type = 2,
	                      .key_type = 1, .is_blocked = 0, .is_approved = 1,
	                      .issued_to = (char *)issued_to, .server_name = (char *)"PXE01",
	                      .valid_from = 1700000000, .valid_until = valid_until };

	assert_int_equal(inv_open(&o, &db, &e), 0);
	assert_int_equal(inv_put_cert(db, &c, 100, &e), 0);
	inv_close(db);
}

static void assert_no_control_bytes(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\r')
			fail_msg("raw control byte 0x%02x at %zu", (unsigned char)s[i], i);
}

static void test_list_certs_json_on_empty_inventory_prints_empty_array(void **state)
{
	struct tu_run r;

	(void)state;
	tu_new_inventory(g_db);
	r = RUN("list", "certs", "--format", "json");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "[]\n");
	assert_string_equal(r.err, "");
	tu_run_free(&r);
}

static void test_list_json_carries_typed_values(void **state)
{
	struct tu_run r;
	json_t *j, *row;

	(void)state;
	add_cert("{0B5E1A11-AAAA-4000-8000-000000000002}", "PXE01.holdout.example", 1900000000);
	r = RUN("list", "certs", "--format", "json");
	assert_int_equal(r.rc, 0);
	j = json_loads(r.out, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(j), 1);
	row = json_array_get(j, 0);
	assert_string_equal(json_string_value(json_object_get(row, "type")), "PXE");
	assert_string_equal(json_string_value(json_object_get(row, "key_type")), "self");
	assert_true(json_is_false(json_object_get(row, "is_blocked")));
	assert_string_equal(json_string_value(json_object_get(row, "valid_until")),
	                    "2030-03-17T17:46:40Z");
	assert_string_equal(json_string_value(json_object_get(row, "smsid")),
	                    "{0B5E1A11-AAAA-4000-8000-000000000002}");
	json_decref(j);
	tu_run_free(&r);
}

static void test_hostile_names_reach_no_output_raw(void **state)
{
	static const char hostile[] = "Media\x1b]52;c;ZXZpbA==\a Build\xe2\x80\xae" "exe.txt\xff";
	const char *formats[] = { "text", "csv", "json" };

	(void)state;
	add_cert("{EVIL}", hostile, 1900000000);
	for (int i = 0; i < 3; i++) {
		struct tu_run r = RUN("list", "certs", "--format", formats[i]);
		assert_int_equal(r.rc, 0);
		assert_no_control_bytes(r.out, r.olen);
		assert_null(strstr(r.out, "\xe2\x80\xae"));
		if (i < 2)
			assert_non_null(strstr(r.out, "^[]52;c;"));
		tu_run_free(&r);
	}
}

static void test_text_output_shows_escapes_visibly_in_utf8_locales(void **state)
{
	struct tu_run r;

	(void)state;
	if (!setlocale(LC_ALL, "C.UTF-8"))
		skip();
	add_cert("{EVIL}", "Build\xe2\x80\xae" "exe", 1900000000);
	r = RUN("list", "certs");
	setlocale(LC_ALL, "C");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "Build<U+202E>exe"));
	tu_run_free(&r);
}

static void test_csv_defuses_spreadsheet_formulas(void **state)
{
	struct tu_run r;

	(void)state;
	add_cert("{F1}", "=HYPERLINK(\"http://x\",\"y\")", 1900000000);
	add_cert("{F2}", "+1+2", 1900000000);
	add_cert("{F3}", "@SUM(A1)", 1900000000);
	add_cert("{F4}", "-2", 1900000000);
	r = RUN("list", "certs", "--format", "csv", "--sort", "smsid");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""));
	assert_non_null(strstr(r.out, "\"'+1+2\""));
	assert_non_null(strstr(r.out, "\"'@SUM(A1)\""));
	assert_non_null(strstr(r.out, "\"'-2\""));
	/* Header row, then one row per certificate, CRLF line ends. */
	assert_true(strncmp(r.out, "type,key_type,issued_to,", 24) == 0);
	assert_non_null(strstr(r.out, "\r\n"));
	tu_run_free(&r);
}

static void test_csv_field_quotes_only_what_needs_it(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	out_csv_field(&b, "plain", true);
	buf_addc(&b, '|');
	out_csv_field(&b, "a,b", true);
	buf_addc(&b, '|');
	out_csv_field(&b, "say \"hi\"", true);
	buf_addc(&b, '|');
	out_csv_field(&b, "-5", false);   /* a number, not a formula */
	assert_string_equal(buf_str(&b), "plain|\"a,b\"|\"say \"\"hi\"\"\"|-5");
	buf_free(&b);
}

static void test_filter_sort_and_limit_shape_the_output(void **state)
{
	struct tu_run r;
	json_t *j;

	(void)state;
	add_cert("{1}", "alpha.example", 1900000000);
	add_cert("{2}", "beta.example", 1800000000);
	add_cert("{3}", "gamma.other", 1700000000);
	r = RUN("list", "certs", "--format", "json", "--filter", "EXAMPLE", "--sort",
	        "valid_until", "--desc");
	j = json_loads(r.out, 0, NULL);
	assert_int_equal(json_array_size(j), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "issued_to")),
	                    "alpha.example");
	json_decref(j);
	tu_run_free(&r);
	r = RUN("list", "certs", "--format", "json", "--limit", "1", "--sort", "issued_to");
	j = json_loads(r.out, 0, NULL);
	assert_int_equal(json_array_size(j), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "issued_to")),
	                    "alpha.example");
	json_decref(j);
	tu_run_free(&r);
}

static void test_usage_errors_exit_2_and_say_what_to_do(void **state)
{
	struct {
		const char *const *args;
		const char *says;
	} cases[] = {
		{ (const char *const[]){ "list", NULL }, "which list?" },
		{ (const char *const[]){ "list", "passwords", NULL }, "no list 'passwords'" },
		{ (const char *const[]){ "list", "certs", "--format", "xml", NULL }, "unknown format" },
		{ (const char *const[]){ "list", "certs", "--sort", "nope", NULL }, "no column 'nope'" },
		{ (const char *const[]){ "list", "certs", "--limit", "-3", NULL }, "--limit" },
		{ (const char *const[]){ "list", "certs", "dps", NULL }, "one list at a time" },
		{ (const char *const[]){ "frobnicate", NULL }, "no command 'frobnicate'" },
		{ (const char *const[]){ "--bogus", NULL }, "unknown or incomplete option" },
		/* more than the AdminService's 200 a second would be refused by it */
		{ (const char *const[]){ "sync", "--provider", "https://cm01.example", "--rate", "201",
		                         NULL }, "--rate wants 1 to 200 requests a second, not '201'" },
		{ (const char *const[]){ "sync", "--provider", "https://cm01.example", "--rate", "0",
		                         NULL }, "--rate wants 1 to 200" },
		{ (const char *const[]){ "sync", "--provider", "https://cm01.example", "--rate", "fast",
		                         NULL }, "--rate wants 1 to 200" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tu_run r = run_cli(cases[i].args);
		if (r.rc != 2 || !strstr(r.err, cases[i].says))
			fail_msg("case %zu: rc %d, stderr '%s'", i, r.rc, r.err);
		assert_string_equal(r.out, "");
		tu_run_free(&r);
	}
}

static void test_help_and_version_exit_0(void **state)
{
	struct tu_run r = RUN("--help");

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "--read-only"));
	assert_non_null(strstr(r.out, "list"));
	tu_run_free(&r);
	r = RUN("--version");
	assert_int_equal(r.rc, 0);
	assert_true(strncmp(r.out, "osdwarden " OSDWARDEN_VERSION, 10 + strlen(OSDWARDEN_VERSION)) == 0);
	/* What a bug report needs: each library, libcurl's TLS backend and
	 * whether it can do Kerberos. */
	assert_non_null(strstr(r.out, "\nSQLite 3."));
	assert_non_null(strstr(r.out, "\nlibcurl "));
	assert_non_null(strstr(r.out, "(TLS "));
	assert_non_null(strstr(r.out, "GSS-API yes"));
	assert_non_null(strstr(r.out, ", yajl 2."));
	assert_non_null(strstr(r.out, "\njansson 2."));
	assert_non_null(strstr(r.out, "\nncurses "));
	tu_run_free(&r);
	r = RUN("help", "list");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "--format"));
	tu_run_free(&r);
}

static void test_no_command_prints_usage_and_exits_2(void **state)
{
	struct tu_run r = run_cli((const char *const[]){ NULL });

	(void)state;
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err, "usage:"));
	tu_run_free(&r);
}

static void test_read_only_on_a_missing_inventory_exits_2_without_creating_it(void **state)
{
	struct tu_run r = RUN("--read-only", "list", "dps");

	(void)state;
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err, "run `osdwarden sync` first"));
	assert_false(access(g_db, F_OK) == 0);
	tu_run_free(&r);
}

/* A mistyped --db is not a new, empty site: the commands that read the
 * inventory refuse a file that is not there, say how to make one, and
 * leave nothing behind (a check there exited 0 with no data at all). */
static void test_reading_commands_refuse_a_missing_inventory_without_creating_it(void **state)
{
	static const char *const cmds[][7] = {
		{ "list", "dps" }, { "check" }, { "check", "--format", "sarif" }, { "audit", "list" },
		{ "attest", "OSD-PXE-004", "--note", "a manual control" }, { "tag", "dp", "PXE01", "--sanctioned" },
		{ "waive", "OSD-PXE-004", "--reason", "a lab", "--expires", "30" },
		{ "cert", "block", "{0B958243}", "--yes" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		const char *args[8] = { 0 };
		struct tu_run r;
		for (size_t j = 0; j < 7 && cmds[i][j]; j++)
			args[j] = cmds[i][j];
		r = run_cli(args);
		if (r.rc != 2 || !strstr(r.err, "no inventory at") || !strstr(r.err, "sync --provider URL"))
			fail_msg("%s %s: exit %d: %s", cmds[i][0], cmds[i][1] ? cmds[i][1] : "", r.rc,
			         r.err);
		if (access(g_db, F_OK) == 0)
			fail_msg("%s created the inventory %s", cmds[i][0], g_db);
		tu_run_free(&r);
	}
}

/* --fail-on is what a cron job or a pipeline reads: a run whose checks
 * could not read their data has no finding to fail on and is still no
 * pass (a never-synced inventory exited 0). Without --fail-on the exit
 * stays 0: the report itself says error. */
static void test_fail_on_does_not_pass_a_run_whose_checks_read_nothing(void **state)
{
	struct tu_run r;

	(void)state;
	tu_new_inventory(g_db);
	r = RUN("check", "--fail-on", "low");
	if (r.rc != 4 || !strstr(r.err, "--fail-on cannot pass") || !strstr(r.err, "sync the site"))
		fail_msg("check --fail-on low on a never-synced inventory: exit %d: %s", r.rc, r.err);
	tu_run_free(&r);
	r = RUN("check", "--format", "json", "--fail-on", "critical");
	assert_int_equal(r.rc, 4);
	assert_non_null(strstr(r.out, "\"error\""));
	tu_run_free(&r);
	r = RUN("check");
	assert_int_equal(r.rc, 0);
	tu_run_free(&r);
}

static void test_damaged_inventory_exits_2_with_advice(void **state)
{
	struct tu_run r;

	(void)state;
	assert_int_equal(tu_write_file(g_db, "garbage garbage garbage", 23), 0);
	r = RUN("list", "dps");
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err, "left untouched"));
	tu_run_free(&r);
}

static void test_settings_list_and_set_with_validation_and_audit(void **state)
{
	struct tu_run r = RUN("settings");

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "assoc_released_max_days"));
	tu_run_free(&r);
	r = RUN("settings", "set", "assoc_released_max_days", "7");
	assert_int_equal(r.rc, 0);
	tu_run_free(&r);
	assert_int_equal(tu_sql_int(g_db, "SELECT value FROM settings WHERE key='assoc_released_max_days'"), 7);
	assert_int_equal(tu_sql_int(g_db, "SELECT count(*) FROM audit WHERE action='setting'"), 1);
	r = RUN("settings", "set", "no_such_threshold", "7");
	assert_int_equal(r.rc, 2);
	tu_run_free(&r);
	r = RUN("settings", "set", "assoc_released_max_days", "-1");
	assert_int_equal(r.rc, 2);
	tu_run_free(&r);
	assert_int_equal(tu_sql_int(g_db, "SELECT value FROM settings WHERE key='assoc_released_max_days'"), 7);
}

/* The real binary (not cli_main in-process: main() is what is tested),
 * with stdout on /dev/full and stderr kept in errbuf. Returns the exit
 * code, 128 + signal when killed. */
static int run_with_full_stdout(const char *const *args, char *errbuf, size_t n)
{
	char *bin = tu_path(getenv("OW_BUILD_DIR") ? getenv("OW_BUILD_DIR") : "build", "osdwarden");
	char *errpath = tu_path(g_dir, "stderr.txt"), *text;
	pid_t pid;
	int status;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *argv[16];
		int k = 0, full = open("/dev/full", O_WRONLY), e;
		e = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (full < 0 || e < 0 || dup2(full, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		argv[k++] = bin;
		argv[k++] = "--db";
		argv[k++] = g_db;
		for (; *args && k < 15; args++)
			argv[k++] = *args;
		argv[k] = NULL;
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	text = tu_read_file(errpath, NULL);
	snprintf(errbuf, n, "%s", text ? text : "");
	free(text);
	free(errpath);
	free(bin);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A full disk (or a closed pipe) under any command that prints is a
 * failure the caller must see: exit 2 and a word on stderr, never 0. */
static void test_every_printing_command_reports_a_short_write(void **state)
{
	const char *const *const cmds[] = {
		(const char *const[]){ "--help", NULL },
		(const char *const[]){ "settings", NULL },
		(const char *const[]){ "audit", "list", NULL },
		(const char *const[]){ "audit", "verify", NULL },
		(const char *const[]){ "task", "list", NULL },
		(const char *const[]){ "list", "dps", NULL },
	};
	struct tu_run r = RUN("settings", "set", "assoc_released_max_days", "7");
	char err[2000];

	(void)state;
	assert_int_equal(r.rc, 0);   /* an audit row for audit list/verify to print */
	tu_run_free(&r);
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		int rc = run_with_full_stdout(cmds[i], err, sizeof err);
		if (rc != 2 || !strstr(err, "cannot write the output") || !strstr(err, "No space left"))
			fail_msg("osdwarden %s %s with stdout on /dev/full: exit %d, stderr '%s'",
			         cmds[i][0], cmds[i][1] ? cmds[i][1] : "", rc, err);
	}
	/* A command that failed keeps its own exit code. */
	assert_int_equal(run_with_full_stdout((const char *const[]){ "list", "nosuch", NULL },
	                                      err, sizeof err), 2);
	assert_non_null(strstr(err, "no list 'nosuch'"));
}

/* --macs is checked where it is parsed: six hex pairs, ':' or '-', and
 * `--bind listed` never with an empty list (that is OSD-PXE-003: PXE
 * answering on no interface). Nothing reaches the inventory or a site. */
static void test_dp_pxe_refuses_malformed_and_empty_mac_lists(void **state)
{
	static const struct {
		const char *macs, *bind, *says;
	} cases[] = {
		{ "zz:15:5D:01:02:03", NULL, "'zz:15:5D:01:02:03' is not a MAC address" },
		{ "00:15:5D:01:02", NULL, "'00:15:5D:01:02' is not a MAC address" },
		{ "00:15:5D:01:02:03:04", NULL, "is not a MAC address" },
		{ "00:15-5D:01:02:03", NULL, "is not a MAC address" },
		{ "00:15:5D:01:02:03,,00:15:5D:01:02:04", NULL, "an empty entry" },
		{ "00:15:5D:01:02:03;rm -rf", NULL, "is not a MAC address" },
		{ "00:15:5D:01:02:03,00-15-5d-01-02-03", NULL, "twice" },
		{ "", "listed", "--bind listed with no MAC address" },
		{ " ", "listed", "is not a MAC address" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tu_run r = cases[i].bind
			? RUN("dp", "pxe", "PXE01", "--bind", cases[i].bind, "--macs", cases[i].macs, "--yes")
			: RUN("dp", "pxe", "PXE01", "--macs", cases[i].macs, "--yes");
		if (r.rc != 2 || !strstr(r.err, cases[i].says))
			fail_msg("--macs '%s': rc %d, stderr '%s'", cases[i].macs, r.rc, r.err);
		tu_run_free(&r);
	}
	/* Refused before the inventory was even opened. */
	assert_false(access(g_db, F_OK) == 0);
}

/* A /proc file (its size reads as 0, so tu_read_file cannot): new string. */
static char *read_proc(const char *path)
{
	FILE *f = fopen(path, "r");
	char *data = calloc(1, 16384);
	size_t n;

	assert_non_null(f);
	assert_non_null(data);
	n = fread(data, 1, 16383, f);
	data[n] = '\0';
	fclose(f);
	return data;
}

/* The owner of /proc/PID/status: the process's uid while it may be
 * dumped, root once PR_SET_DUMPABLE is 0. */
static uid_t proc_owner(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	assert_int_equal(stat(path, &st), 0);
	return st.st_uid;
}

/* The process that holds the password never leaves a core file: seen
 * from outside while `osdwarden doctor` waits on a server that never
 * answers. /proc/PID/limits shows RLIMIT_CORE, and /proc/PID files belong
 * to root when the process is not dumpable (so the child runs as nobody
 * when the test runs as root). */
static void test_core_dumps_are_disabled_for_the_process(void **state)
{
	char *bin = tu_path(getenv("OW_BUILD_DIR") ? getenv("OW_BUILD_DIR") : "build", "osdwarden");
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	uid_t as = getuid() == 0 ? 65534 : getuid();
	int srv = socket(AF_INET, SOCK_STREAM, 0), conn, status;
	char provider[64], path[64], *limits;
	pid_t pid;

	(void)state;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(srv >= 0);
	assert_int_equal(bind(srv, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(srv, 4), 0);
	assert_int_equal(getsockname(srv, (struct sockaddr *)&sa, &len), 0);
	snprintf(provider, sizeof provider, "https://127.0.0.1:%d", ntohs(sa.sin_port));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		struct rlimit core;
		/* core files allowed as far as the hard limit lets: what
		 * osdwarden then shows is its own doing */
		if (getrlimit(RLIMIT_CORE, &core) == 0) {
			core.rlim_cur = core.rlim_max;
			setrlimit(RLIMIT_CORE, &core);
		}
		if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(126);
		unsetenv("OSDWARDEN_PASSWORD");
		execl(bin, bin, "doctor", "--provider", provider, "--auth", "none", "--timeout", "30",
		      (char *)NULL);
		_exit(127);
	}
	/* Once it connects, main() has long run: the state is final. */
	conn = accept(srv, NULL, NULL);
	assert_true(conn >= 0);
	snprintf(path, sizeof path, "/proc/%d/limits", (int)pid);
	limits = read_proc(path);
	{
		const char *l = strstr(limits, "Max core file size");
		char soft[32] = "", hard[32] = "";
		assert_non_null(l);
		assert_int_equal(sscanf(l + strlen("Max core file size"), "%31s %31s", soft, hard), 2);
		if (strcmp(soft, "0") != 0 || strcmp(hard, "0") != 0)
			fail_msg("core files are allowed: soft %s, hard %s", soft, hard);
	}
	{
		char *st;
		snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
		st = read_proc(path);
		/* it really runs as that user, so owner root means "not dumpable" */
		{
			const char *u = strstr(st, "\nUid:");
			assert_non_null(u);
			assert_int_equal(strtol(u + 5, NULL, 10), (long)as);
		}
		free(st);
		if (proc_owner(pid) != 0)
			fail_msg("osdwarden is dumpable: /proc/%d/status belongs to uid %d", (int)pid,
			         (int)proc_owner(pid));
	}
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(conn);
	close(srv);
	free(limits);
	free(bin);
}

/* A pinned clock (OSDWARDEN_NOW) is said on every command: ages, expiries
 * and audit times follow it. */
static void test_a_pinned_clock_is_warned_about(void **state)
{
	struct tu_run r;

	(void)state;
	tu_new_inventory(g_db);
	setenv("OSDWARDEN_NOW", "1780000000", 1);
	r = RUN("list", "certs", "--format", "json");
	unsetenv("OSDWARDEN_NOW");
	assert_int_equal(r.rc, 0);
	if (!strstr(r.err, "OSDWARDEN_NOW") || !strstr(r.err, "pinned"))
		fail_msg("no warning of the pinned clock: %s", r.err);
	tu_run_free(&r);
	r = RUN("list", "certs", "--format", "json");
	assert_null(strstr(r.err, "OSDWARDEN_NOW"));
	tu_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_pinned_clock_is_warned_about, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_certs_json_on_empty_inventory_prints_empty_array, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_json_carries_typed_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_names_reach_no_output_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_output_shows_escapes_visibly_in_utf8_locales, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_defuses_spreadsheet_formulas, setup, teardown),
		cmocka_unit_test(test_csv_field_quotes_only_what_needs_it),
		cmocka_unit_test_setup_teardown(test_filter_sort_and_limit_shape_the_output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage_errors_exit_2_and_say_what_to_do, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_and_version_exit_0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_command_prints_usage_and_exits_2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_on_a_missing_inventory_exits_2_without_creating_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reading_commands_refuse_a_missing_inventory_without_creating_it,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail_on_does_not_pass_a_run_whose_checks_read_nothing,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_inventory_exits_2_with_advice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings_list_and_set_with_validation_and_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_printing_command_reports_a_short_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dp_pxe_refuses_malformed_and_empty_mac_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_core_dumps_are_disabled_for_the_process, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
