/* The HTML report in a real browser: the lab synced, the report written
 * with -o, and headless Chromium made to load it (--dump-dom, then a
 * screenshot). The DOM must say the grades the JSON export says, show the
 * lab's hostile names (one carries a <script> element) as text, hold no
 * <script> element, and the browser must log no console message (a CSP
 * violation, an uncaught error) and the page start no request. Chromium
 * missing is a failure naming scripts/install-deps.sh, never a skip. */
#define _GNU_SOURCE   /* strcasestr: tags are read in any case */
#include "support/testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "support/labsite.h"

/* The lab's clock (labsite_start: --now 1780000000), so ages are fixed. */
#define AS_OF "1780000000"
/* The lab's association named in markup, with a script in it, as text. */
#define MARKUP_SHOWN "*WS* | [click](javascript:alert(1)) `x` &lt;b&gt;&lt;script&gt;alert(1)" \
	"&lt;/script&gt;"

static struct labsite g_ls;
static struct labproc g_lp;

static int setup(void **state)
{
	(void)state;
	if (labsite_up(&g_ls, &g_lp, "html") != 0) {
		fprintf(stderr, "# the lab did not sync\n");
		return -1;
	}
	labproc_stop(&g_lp);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	labsite_free(&g_ls);
	return 0;
}

static bool have_chromium(void)
{
	return system("command -v chromium >/dev/null 2>&1") == 0;
}

/* Chromium on the report, as the test's own profile, with nothing able
 * to reach a network: every host name resolves to nothing and the
 * browser's own background fetches are off. what: "--dump-dom" or
 * "--screenshot=PATH ...". Its stdout and stderr go to out and err. */
static int chromium(const char *what, const char *html, const char *out, const char *err,
                    const char *netlog)
{
	char cmd[4096];
	int st;

	snprintf(cmd, sizeof cmd,
	         "timeout -k 5 20 chromium --headless --no-sandbox --disable-gpu "
	         "--enable-logging=stderr --v=0 --user-data-dir='%s/chromium' "
	         "--disable-background-networking --disable-component-update --disable-sync "
	         "--no-first-run --disable-default-apps --disable-extensions "
	         "--host-resolver-rules='MAP * ~NOTFOUND' --log-net-log='%s' %s 'file://%s' "
	         ">'%s' 2>'%s'", g_ls.dir, netlog, what, html, out, err);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Every message the page logged to the console (the browser writes
 * them as ":CONSOLE" lines with --enable-logging): a CSP violation, an
 * error, anything. The report has no script, so there must be none. */
static void assert_no_console_message(const char *err_path)
{
	char *err = tu_read_file(err_path, NULL);

	assert_non_null(err);
	for (char *line = strtok(err, "\n"); line; line = strtok(NULL, "\n"))
		if (strstr(line, ":CONSOLE") || strstr(line, "Uncaught") || strstr(line, "Refused") ||
		    strstr(line, "Content Security Policy"))
			fail_msg("the browser logged: %s", line);
	free(err);
}

/* The net log lists every request the browser started; the page's own
 * carry its (opaque file) origin as initiator, the browser's internal
 * ones "not an origin". The page may start none but file: and data:. */
static void assert_page_requested_nothing(const char *netlog_path)
{
	json_error_t je;
	json_t *log = json_load_file(netlog_path, 0, &je), *ev;
	json_int_t start_job;
	size_t i, jobs = 0;

	if (!log)
		fail_msg("the net log %s is not JSON: %s", netlog_path, je.text);
	start_job = json_integer_value(json_object_get(
		json_object_get(json_object_get(log, "constants"), "logEventTypes"),
		"URL_REQUEST_START_JOB"));
	assert_true(start_job > 0);
	json_array_foreach(json_object_get(log, "events"), i, ev) {
		json_t *p = json_object_get(ev, "params");
		const char *url = json_string_value(json_object_get(p, "url"));
		const char *from = json_string_value(json_object_get(p, "initiator"));
		if (json_integer_value(json_object_get(ev, "type")) != start_job)
			continue;
		if (!url)
			continue;   /* the end of a job: its start carried the URL */
		jobs++;
		if (strncmp(url, "file:", 5) == 0 || strncmp(url, "data:", 5) == 0)
			continue;
		if (from && strcmp(from, "not an origin") == 0)
			continue;   /* the browser's own, unanswered: no host resolves */
		fail_msg("the page requested %s (initiator %s)", url, from ? from : "none");
	}
	(void)jobs;
	json_decref(log);
}

static void test_the_report_renders_in_chromium_as_text_with_no_request_or_error(void **state)
{
	char html[400], dom_path[400], err_path[400], net_path[400], png[400], what[600], want[64];
	const char *grade[2];
	json_t *j;
	struct tu_run r;
	char *dom, *png_data;
	size_t png_len;

	(void)state;
	if (!have_chromium())
		fail_msg("chromium is not installed: the HTML report is tested in a real browser; "
		         "run scripts/install-deps.sh (Debian package chromium)");
	snprintf(html, sizeof html, "%s/report.html", g_ls.dir);
	snprintf(dom_path, sizeof dom_path, "%s/dom.html", g_ls.dir);
	snprintf(err_path, sizeof err_path, "%s/chromium.err", g_ls.dir);
	snprintf(net_path, sizeof net_path, "%s/net.json", g_ls.dir);
	snprintf(png, sizeof png, "%s/report.png", g_ls.dir);

	/* The grades as the JSON export says them, for the same inventory and clock. */
	r = tu_cli(g_ls.db, (const char *const[]){ "check", "--format", "json", "--as-of", AS_OF,
	                                           NULL });
	assert_int_equal(r.rc, 0);
	j = json_loads(r.out, 0, NULL);
	assert_non_null(j);
	tu_run_free(&r);
	grade[0] = json_string_value(json_object_get(json_object_get(json_object_get(j, "grades"),
	                                                              "security"), "grade"));
	grade[1] = json_string_value(json_object_get(json_object_get(json_object_get(j, "grades"),
	                                                              "privacy"), "grade"));
	assert_non_null(grade[0]);
	assert_non_null(grade[1]);

	r = tu_cli(g_ls.db, (const char *const[]){ "check", "--format", "html", "--as-of", AS_OF,
	                                           "-o", html, NULL });
	if (r.rc != 0)
		fail_msg("check --format html -o exited %d: %s", r.rc, r.err);
	assert_string_equal(r.out, "");
	tu_run_free(&r);

	assert_int_equal(chromium("--dump-dom", html, dom_path, err_path, net_path), 0);
	dom = tu_read_file(dom_path, NULL);
	assert_non_null(dom);
	if (!strstr(dom, "</html>"))
		fail_msg("chromium gave no whole document: %.300s", dom);
	snprintf(want, sizeof want, "id=\"grade-security\">%s<", grade[0]);
	if (!strstr(dom, want))
		fail_msg("the DOM does not show the security grade %s", grade[0]);
	snprintf(want, sizeof want, "id=\"grade-privacy\">%s<", grade[1]);
	if (!strstr(dom, want))
		fail_msg("the DOM does not show the privacy grade %s", grade[1]);
	/* the lab's hostile names: shown as text, not acted on; no script element */
	assert_non_null(strstr(dom, MARKUP_SHOWN));
	assert_null(strcasestr(dom, "<script"));
	assert_non_null(strstr(dom, "Media^[]52;c;ZXZpbA==^G Build^[[2J"));
	assert_null(strchr(dom, '\x1b'));
	assert_null(strstr(dom, "\xe2\x80\xae"));
	/* the evidence is there in words, and the trend chart */
	assert_non_null(strstr(dom, "<svg"));
	assert_non_null(strstr(dom, "<dt>"));
	assert_no_console_message(err_path);
	assert_page_requested_nothing(net_path);
	free(dom);
	json_decref(j);

	snprintf(what, sizeof what, "--hide-scrollbars --window-size=1280,1800 --screenshot='%s'", png);
	assert_int_equal(chromium(what, html, dom_path, err_path, net_path), 0);
	assert_no_console_message(err_path);
	assert_page_requested_nothing(net_path);
	png_data = tu_read_file(png, &png_len);
	assert_non_null(png_data);
	assert_memory_equal(png_data, "\x89PNG\r\n\x1a\n", 8);
	/* a blank page compresses to a few KiB; the report is text and tables */
	if (png_len < 40000)
		fail_msg("the screenshot is %zu bytes: a blank page?", png_len);
	free(png_data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_report_renders_in_chromium_as_text_with_no_request_or_error),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
