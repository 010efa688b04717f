/* The HTML report (checks/report_html.c) and `osdwarden check -o FILE`:
 * every site string is text, never markup; the file loads nothing from
 * anywhere; a check with thousands of objects stays a readable page; a
 * report that could not be written in full never replaces the old one. */
#define _GNU_SOURCE   /* strcasestr: tags are read in any case */
#include "support/testutil.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "checks/checks.h"
/* the engine's spool: a test hands a report a run it built itself */
#include "checks/engine_int.h"
#include "db/db.h"

static char *g_dir, *g_db;

static int setup(void **state)
{
	(void)state;
	g_dir = tu_tmpdir();
	g_db = tu_path(g_dir, "inv.db");
	tu_new_inventory(g_db);
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

#define RUN(...) tu_cli(g_db, (const char *const[]){ __VA_ARGS__, NULL })

/* A run built by hand: n results of the catalogue's first check, each
 * with the given name and evidence, kept as the engine keeps a run's
 * results (its spool); chk_run_free frees it. */
static struct chk_run fake_run(size_t n, const char *name, const char *evidence)
{
	struct chk_run run = { .id = 7, .previous = 6, .started = 1780000000 };

	run.spool = eng_spool_new();
	assert_non_null(run.spool);
	for (size_t i = 0; i < n; i++) {
		struct chk_result r = {
			.def = chk_at(0), .state = CS_FAIL, .sev = chk_at(0)->sev,
			.object_type = (char *)"association", .object_key = (char *)"1:2",
			.object_name = (char *)name, .evidence = (char *)evidence,
			.baseline = i % 2 ? "unchanged" : "new",
		};
		assert_int_equal(eng_spool_put(run.spool, &r), 0);
	}
	assert_int_equal(eng_spool_seal(run.spool), 0);
	run.n = n;
	run.counts[0][CS_FAIL] = n;
	snprintf(run.grades.security, sizeof run.grades.security, "F");
	snprintf(run.grades.privacy, sizeof run.grades.privacy, "C*");
	run.grades.security_score = 12;
	run.grades.privacy_score = 70;
	snprintf(run.grades.privacy_unjudged, sizeof run.grades.privacy_unjudged, "OSD-CHAIN-X");
	return run;
}

/* The report of run as a new string. */
static char *html_of(const struct chk_run *run, struct inv *db)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(chk_write_html(f, run, db), 0);
	fclose(f);
	return text;
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void test_site_strings_are_text_never_markup(void **state)
{
	/* A script, an attribute break-out, an OSC 52 clipboard write, a
	 * right-to-left override and a byte that is not UTF-8. */
	static const char name[] = "<script>alert(1)</script> & \"q\" 'a' \x1b]52;c;ZXZpbA==\a "
	                           "Build\xe2\x80\xae" "exe.txt \xff end";
	static const char ev[] = "{\"reason\":\"<img src=x onerror=alert(2)>\",\"age_days\":3}";
	struct chk_run run = fake_run(1, name, ev);
	char *html = html_of(&run, NULL);

	(void)state;
	assert_null(strcasestr(html, "<script"));
	assert_null(strcasestr(html, "<img"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; "
	                             "&#39;a&#39;"));
	assert_non_null(strstr(html, "&lt;img src=x onerror=alert(2)&gt;"));
	/* the controls are shown, not sent: caret form and <U+202E> */
	assert_non_null(strstr(html, "^[]52;c;ZXZpbA==^G"));
	assert_non_null(strstr(html, "Build&lt;U+202E&gt;exe.txt"));
	assert_null(strstr(html, "\xe2\x80\xae"));
	assert_null(strchr(html, '\x1b'));
	assert_null(strchr(html, '\a'));
	/* the stray byte is replaced, visibly */
	assert_null(strchr(html, '\xff'));
	assert_non_null(strstr(html, "\\xFF end"));
	/* both grades, and the chain that kept one from being judged */
	assert_non_null(strstr(html, ">F<"));
	assert_non_null(strstr(html, ">C*<"));
	assert_non_null(strstr(html, "OSD-CHAIN-X"));
	free(html);
	chk_run_free(&run);
}

static void test_the_report_loads_nothing_and_carries_a_strict_csp(void **state)
{
	static const char ev[] = "{\"reason\":\"=HYPERLINK(\\\"http://x.invalid/\\\",\\\"open\\\")\"}";
	struct chk_run run = fake_run(3, "see https://evil.invalid/a.js", ev);
	char *html = html_of(&run, NULL);

	(void)state;
	assert_non_null(strstr(html, "<meta http-equiv=\"Content-Security-Policy\" content=\""
	                             "default-src 'none'; style-src 'unsafe-inline'; img-src data:"));
	/* the CSP comes before anything that could load */
	assert_true(strstr(html, "Content-Security-Policy") < strstr(html, "<style"));
	for (const char *bad = "<script\0<link\0<iframe\0<object\0<embed\0<base\0@import\0url(\0"
	                       "<img\0<form\0srcset\0";
	     *bad; bad += strlen(bad) + 1)
		if (strcasestr(html, bad))
			fail_msg("the report holds %s", bad);
	/* every link stays inside the file; nothing has a src */
	for (const char *p = html; (p = strcasestr(p, "href=")); p += 5)
		if (p[5] != '"' || p[6] != '#')
			fail_msg("a link out of the file: %.60s", p);
	assert_null(strcasestr(html, "src="));
	/* the site's URLs are text */
	assert_non_null(strstr(html, "see https://evil.invalid/a.js"));
	assert_non_null(strstr(html, "@media print"));
	free(html);
	chk_run_free(&run);
}

/* "and 2,400 more associations like these" for n = 2400. */
static const char *more_text(size_t n)
{
	static char out[120];

	if (n >= 1000)
		snprintf(out, sizeof out, "and %zu,%03zu more associations like these", n / 1000, n % 1000);
	else
		snprintf(out, sizeof out, "and %zu more associations like these", n);
	return out;
}

static void test_a_big_check_shows_the_first_objects_then_groups_with_counts(void **state)
{
	static const char ev[] = "{\"age_days\":120,\"policy\":{\"setting\":\"assoc_released_max_days\","
	                         "\"value\":14}}";
	struct chk_run run = fake_run(5000, "PC0001 -> PC0002", ev);
	char *html = html_of(&run, NULL);
	size_t rows = count_of(html, "<tr class=\"obj");

	(void)state;
	assert_true(rows >= 100);
	assert_true(rows <= 300);
	/* the rest are counted, by kind: new and unchanged ones apart */
	assert_int_equal(rows % 2, 0);
	assert_non_null(strstr(html, more_text((5000 - rows) / 2)));
	assert_int_equal(count_of(html, "more associations like these"), 2);
	assert_non_null(strstr(html, "5,000"));
	free(html);
	chk_run_free(&run);
}

/* A check's table: failures first, then errors, unknown, notchecked,
 * informational and fixed, each in the order evaluated. */
static void test_a_check_lists_failures_first_then_by_state(void **state)
{
	static const enum chk_state st[] = { CS_FIXED, CS_FAIL, CS_ERROR, CS_FAIL, CS_INFORMATIONAL,
	                                     CS_NOTCHECKED, CS_UNKNOWN, CS_PASS };
	static const char *const want[] = { "obj1<", "obj3<", "obj2<", "obj6<", "obj5<", "obj4<",
	                                    "obj0<" };
	struct chk_run run = { .id = 7, .started = 1780000000, .spool = eng_spool_new() };
	const char *at;
	char *html;

	(void)state;
	assert_non_null(run.spool);
	for (size_t i = 0; i < sizeof st / sizeof *st; i++) {
		char name[16];
		struct chk_result r = { .def = chk_at(0), .state = st[i], .sev = chk_at(0)->sev,
		                        .object_type = (char *)"dp", .object_name = name,
		                        .evidence = (char *)"{}" };
		snprintf(name, sizeof name, "obj%zu", i);
		assert_int_equal(eng_spool_put(run.spool, &r), 0);
		run.counts[0][st[i]]++;
		run.n++;
	}
	assert_int_equal(eng_spool_seal(run.spool), 0);
	snprintf(run.grades.security, sizeof run.grades.security, "F");
	snprintf(run.grades.privacy, sizeof run.grades.privacy, "A");
	html = html_of(&run, NULL);
	at = html;
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		const char *next = strstr(at, want[i]);
		if (!next)
			fail_msg("%s is not after %s", want[i], i ? want[i - 1] : "the start");
		at = next;
	}
	assert_null(strstr(html, "obj7<"));   /* a pass is not a finding */
	assert_int_equal(count_of(html, "<tr class=\"obj"), 7);
	free(html);
	chk_run_free(&run);
}

static void test_a_short_write_is_an_error(void **state)
{
	struct chk_run run = fake_run(50, "x", "{}");
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	assert_non_null(f);
	assert_int_equal(chk_write_html(f, &run, NULL), -1);
	fclose(f);
	chk_run_free(&run);
}

/* Waivers and attestations: who, when, until, in words, escaped. */
static void test_decisions_are_listed_with_who_when_and_expiry(void **state)
{
	struct tu_run r = RUN("waive", "OSD-PXE-004", "--object", "PXE01",
	                      "--reason", "lab <script>x</script> only", "--expires", "30");
	char *path = tu_path(g_dir, "r.html"), *html;

	(void)state;
	assert_int_equal(r.rc, 0);
	tu_run_free(&r);
	r = RUN("check", "--format", "html", "-o", path);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "");
	tu_run_free(&r);
	html = tu_read_file(path, NULL);
	assert_non_null(html);
	assert_null(strcasestr(html, "<script"));
	assert_non_null(strstr(html, "lab &lt;script&gt;x&lt;/script&gt; only"));
	assert_non_null(strstr(html, "PXE01"));
	assert_non_null(strstr(html, "expires"));
	free(html);
	free(path);
}

/* No temporary file is left in dir. */
static void assert_no_temp_left(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".tmp-"))
			fail_msg("a temporary file was left: %s", e->d_name);
	closedir(d);
}

static void test_output_file_is_written_whole_with_mode_0644_for_every_format(void **state)
{
	static const char *const formats[] = { "text", "json", "sarif", "markdown", "html" };
	char *path = tu_path(g_dir, "report.out");
	struct stat st;
	mode_t old = umask(022);

	(void)state;
	for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
		struct tu_run r = RUN("check", "--format", formats[i], "--output", path);
		char *text;
		assert_int_equal(r.rc, 0);
		assert_string_equal(r.out, "");
		tu_run_free(&r);
		text = tu_read_file(path, NULL);
		assert_non_null(text);
		assert_true(strlen(text) > 100);
		if (strcmp(formats[i], "html") == 0)
			assert_memory_equal(text, "<!DOCTYPE html>", 15);
		free(text);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0644);
	}
	/* A report that exists keeps its mode: a private one stays private. */
	chmod(path, 0600);
	{
		struct tu_run r = RUN("check", "--format", "html", "-o", path);
		assert_int_equal(r.rc, 0);
		tu_run_free(&r);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	unlink(path);
	umask(027);
	{
		struct tu_run r = RUN("check", "--format", "html", "-o", path);
		assert_int_equal(r.rc, 0);
		tu_run_free(&r);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0640);
	}
	umask(old);
	assert_no_temp_left(g_dir);
	free(path);
}

static void test_a_failed_write_leaves_the_old_file_and_no_temp(void **state)
{
	char *path = tu_path(g_dir, "old.html"), *text;
	struct rlimit lim, small = { 48 * 1024, 48 * 1024 };
	struct tu_run r;

	(void)state;
	assert_int_equal(tu_write_file(path, "the old report\n", 15), 0);
	/* An inventory to read, then read only: the limit below is for the report. */
	r = RUN("check");
	assert_int_equal(r.rc, 0);
	tu_run_free(&r);
	/* Past 48 KiB every write fails with EFBIG instead of a signal: room
	 * for the inventory's 32 KiB shared-memory file, not for the report
	 * (about 70 KiB over an empty inventory). */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &lim), 0);
	small.rlim_max = lim.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	r = RUN("--read-only", "check", "--format", "html", "-o", path);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	signal(SIGXFSZ, SIG_DFL);
	if (r.rc != 2 || !strstr(r.err, path) || !strstr(r.err, "unchanged"))
		fail_msg("exit %d, said: %s", r.rc, r.err);
	tu_run_free(&r);
	text = tu_read_file(path, NULL);
	assert_string_equal(text, "the old report\n");
	free(text);
	assert_no_temp_left(g_dir);
	free(path);
}

static void test_output_into_a_missing_directory_says_which(void **state)
{
	struct tu_run r = RUN("check", "--format", "html", "-o", "/nonexistent-dir/r.html");

	(void)state;
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err, "/nonexistent-dir/r.html"));
	assert_string_equal(r.out, "");
	tu_run_free(&r);
}

static void test_help_names_html_and_output(void **state)
{
	struct tu_run r = RUN("check", "--help");

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "html"));
	assert_non_null(strstr(r.out, "--output FILE"));
	tu_run_free(&r);
	r = RUN("help", "check");
	assert_non_null(strstr(r.out, "html"));
	assert_non_null(strstr(r.out, "-o FILE"));
	tu_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_site_strings_are_text_never_markup),
		cmocka_unit_test(test_the_report_loads_nothing_and_carries_a_strict_csp),
		cmocka_unit_test(test_a_big_check_shows_the_first_objects_then_groups_with_counts),
		cmocka_unit_test(test_a_check_lists_failures_first_then_by_state),
		cmocka_unit_test(test_a_short_write_is_an_error),
		cmocka_unit_test_setup_teardown(test_decisions_are_listed_with_who_when_and_expiry,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_file_is_written_whole_with_mode_0644_for_every_format,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_failed_write_leaves_the_old_file_and_no_temp,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_into_a_missing_directory_says_which, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_help_names_html_and_output, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
