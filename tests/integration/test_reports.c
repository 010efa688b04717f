/* Reports a reviewer can hand on: the text, Markdown and SARIF reports over
 * the lab name, per failing object, the values that decided it and the
 * threshold used, in the console's words (checks/words). */
#include "support/testutil.h"

#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/labsite.h"

/* The lab's clock (labsite_start: --now 1780000000), so ages are fixed. */
#define AS_OF "1780000000"

static struct labsite g_ls;

static int setup(void **state)
{
	(void)state;
	return labsite_synced(&g_ls, "reports");
}

static int teardown(void **state)
{
	(void)state;
	labsite_free(&g_ls);
	return 0;
}

static char *report(const char *format, bool all)
{
	const char *args[] = { "check", "--format", format, "--as-of", AS_OF, all ? "--all" : NULL,
	                       NULL };
	struct tu_run r = tu_cli(g_ls.db, args);
	char *out = r.out;

	if (r.rc != 0)
		fail_msg("check --format %s exited %d: %s", format, r.rc, r.err);
	r.out = NULL;
	tu_run_free(&r);
	return out;
}

/* The part of a report from the line that starts with head up to the next
 * line that starts with stop (a new string). */
static char *part(const char *text, const char *head, const char *stop)
{
	const char *from = strstr(text, head), *to;

	if (!from)
		fail_msg("the report has no '%s'", head);
	to = strstr(from + strlen(head), stop);
	return strndup(from, to ? (size_t)(to - from) : strlen(from));
}

/* The line of text that contains what, and the line after it (a new
 * string): a text report writes an object's evidence under its name. */
static char *lines_with(const char *text, const char *what, int nlines)
{
	const char *at = strstr(text, what), *from, *to;

	if (!at)
		fail_msg("no line contains '%s' in:\n%.2000s", what, text);
	for (from = at; from > text && from[-1] != '\n'; from--)
		;
	to = at;
	for (int i = 0; i < nlines && to; i++) {
		to = strchr(to, '\n');
		to = to ? to + 1 : NULL;
	}
	return strndup(from, to ? (size_t)(to - from) : strlen(from));
}

/* A check's block in a text report: its line (state, severity, id, title)
 * and the indented lines under it (a new string). */
static char *text_block(const char *text, const char *id)
{
	char head[40];
	const char *from, *to;

	snprintf(head, sizeof head, " %-16s ", id);
	from = strstr(text, head);
	if (!from)
		fail_msg("the text report has no line for %s", id);
	while (from > text && from[-1] != '\n')
		from--;
	for (to = strchr(from, '\n'); to && to[1] == ' '; to = strchr(to + 1, '\n'))
		;
	return strndup(from, to ? (size_t)(to + 1 - from) : strlen(from));
}

static void assert_has(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' lacks '%s'", hay, needle);
}

/* How many objects of check id the JSON report lists as fail, error or
 * fixed (what the text report names one by one). */
static size_t listed_in_json(const char *id)
{
	char *out = report("json", false);
	json_t *j = json_loads(out, 0, NULL), *f;
	size_t i, n = 0;

	assert_non_null(j);
	json_array_foreach(json_object_get(j, "findings"), i, f) {
		const char *st = json_string_value(json_object_get(f, "state"));
		n += strcmp(json_string_value(json_object_get(f, "check_id")), id) == 0 &&
		     (!strcmp(st, "fail") || !strcmp(st, "error") || !strcmp(st, "fixed"));
	}
	json_decref(j);
	free(out);
	return n;
}

/* The objects the issue names and what their evidence must say, as the
 * text report writes it and escaped as Markdown writes it. */
static const struct expect {
	const char *check, *object, *object_md;
	const char *says[2], *says_md[2];
} expected[] = {
	/* PXE-003: the DP answers on every interface. */
	{ "OSD-PXE-003", "PXE01.holdout.example", "PXE01\\.holdout\\.example",
	  { "answers on every interface (0)", "listed NICs none" },
	  { "answers on every interface \\(0\\)", "listed NICs none" } },
	/* SMP-004: restored 100 days before the lab's now, against 14. */
	{ "OSD-SMP-004", "WS000000 -> WS000001", "WS000000 \\-\\> WS000001",
	  { "restored 2026-02-17 (100 d ago)", "policy assoc_released_max_days 14 d" },
	  { "restored 2026\\-02\\-17 \\(100 d ago\\)", "policy assoc\\_released\\_max\\_days 14 d" } },
	/* SMP-005: captured 200 days before the lab's now and never restored;
	 * no age is stored, it is the run's time less the date. */
	{ "OSD-SMP-005", "WS000004 -> WS000005", "WS000004 \\-\\> WS000005",
	  { "captured 2025-11-09 (200 d ago)", "policy assoc_unreleased_max_days 60 d" },
	  { "captured 2025\\-11\\-09 \\(200 d ago\\)",
	    "policy assoc\\_unreleased\\_max\\_days 60 d" } },
	/* TS-004: the task sequence runs a step as the network access account. */
	{ "OSD-TS-004", "Deploy Windows 11", "Deploy Windows 11",
	  { "runs as HOLDOUT\\svc_naa", "is the network access account yes" },
	  { "runs as HOLDOUT\\\\svc\\_naa", "is the network access account yes" } },
};

/* Each expected object is named under its check with its evidence: on
 * the line after it in text, on its own line in Markdown. */
static void assert_evidence_shown(const char *report_text, bool markdown)
{
	for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
		const struct expect *x = &expected[i];
		char head[40], *block, *lines;
		snprintf(head, sizeof head, "## %s", x->check);
		block = markdown ? part(report_text, head, "\n## ") : text_block(report_text, x->check);
		lines = lines_with(block, markdown ? x->object_md : x->object, markdown ? 1 : 2);
		for (size_t k = 0; k < 2; k++)
			assert_has(lines, markdown ? x->says_md[k] : x->says[k]);
		free(lines);
		free(block);
	}
}

/* The objects a text report's check block names. */
static size_t objects_in(const char *block)
{
	size_t n = 0;

	for (const char *p = block; (p = strstr(p, "\n    fail ")); p++)
		n++;
	return n;
}

static void test_markdown_shows_the_values_that_decided_each_object(void **state)
{
	char *md = report("markdown", false);

	(void)state;
	assert_evidence_shown(md, true);
	free(md);
}

static void test_text_all_lists_every_object_with_its_evidence(void **state)
{
	char *text = report("text", true), *sec;
	size_t want = listed_in_json("OSD-SMP-004");

	(void)state;
	assert_evidence_shown(text, false);
	/* Every failing association, none left out. */
	assert_true(want > 10);
	sec = text_block(text, "OSD-SMP-004");
	assert_int_equal(objects_in(sec), want);
	assert_null(strstr(sec, "more: osdwarden check --all"));
	free(sec);
	free(text);
}

static void test_text_says_how_many_objects_it_left_out(void **state)
{
	char *text = report("text", false), *sec, want[96];
	size_t listed = listed_in_json("OSD-SMP-004");

	(void)state;
	sec = text_block(text, "OSD-SMP-004");
	assert_int_equal(objects_in(sec), 5);
	snprintf(want, sizeof want, "\n    ... and %zu more: osdwarden check --all\n", listed - 5);
	assert_has(sec, want);
	free(sec);
	free(text);
}

static void test_sarif_messages_name_the_evidence(void **state)
{
	char *out = report("sarif", false);
	json_t *j = json_loads(out, 0, NULL), *run, *res, *rule;
	size_t i;
	bool seen = false;

	(void)state;
	assert_non_null(j);
	run = json_array_get(json_object_get(j, "runs"), 0);
	json_array_foreach(json_object_get(run, "results"), i, res) {
		const char *id = json_string_value(json_object_get(res, "ruleId"));
		const char *msg = json_string_value(json_object_get(json_object_get(res, "message"), "text"));
		if (strcmp(id, "OSD-PXE-003") == 0 && strstr(msg, "PXE01.holdout.example")) {
			assert_has(msg, "answers on every interface (0)");
			seen = true;
		}
	}
	assert_true(seen);
	/* Each rule says where its documentation is. */
	json_array_foreach(json_object_get(json_object_get(json_object_get(run, "tool"), "driver"),
	                                   "rules"), i, rule)
		assert_has(json_string_value(json_object_get(json_object_get(rule, "help"), "markdown")),
		           "(README.md#the-catalogue)");
	json_decref(j);
	free(out);
}

/* -o to something that is not a regular file (a pipe here; /dev/null or a
 * terminal alike) writes into it: the report is never renamed over it
 * (as root that turned /dev/null into a file of the report). */
static void test_a_report_to_a_pipe_goes_into_the_pipe(void **state)
{
	char fifo[400], copy[400];
	struct stat st;
	struct tu_run r;
	pid_t reader;
	int status = 0;
	bool still_fifo;
	json_t *j;

	(void)state;
	snprintf(fifo, sizeof fifo, "%s/report.fifo", g_ls.dir);
	snprintf(copy, sizeof copy, "%s/report.copy", g_ls.dir);
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* what comes out of the pipe, into a file (the child ends on EOF) */
	reader = fork();
	assert_true(reader >= 0);
	if (reader == 0) {
		char b[65536];
		ssize_t n;
		int in = open(fifo, O_RDONLY), out = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (in < 0 || out < 0)
			_exit(2);
		while ((n = read(in, b, sizeof b)) > 0)
			if (write(out, b, (size_t)n) != n)
				_exit(3);
		_exit(n == 0 ? 0 : 4);
	}
	r = tu_cli(g_ls.db, (const char *const[]){ "check", "--format", "json", "--as-of", AS_OF,
	                                           "-o", fifo, NULL });
	still_fifo = lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode);
	if (!still_fifo)
		kill(reader, SIGKILL);   /* nothing will ever open the pipe */
	waitpid(reader, &status, 0);
	if (!still_fifo)
		fail_msg("check -o PIPE replaced the pipe with a file (exit %d: %s)", r.rc, r.err);
	assert_int_equal(r.rc, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	j = json_load_file(copy, 0, NULL);
	if (!j || !json_is_array(json_object_get(j, "findings")))
		fail_msg("what the pipe carried is not the JSON report");
	json_decref(j);
	tu_run_free(&r);
	unlink(fifo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markdown_shows_the_values_that_decided_each_object),
		cmocka_unit_test(test_text_all_lists_every_object_with_its_evidence),
		cmocka_unit_test(test_text_says_how_many_objects_it_left_out),
		cmocka_unit_test(test_sarif_messages_name_the_evidence),
		cmocka_unit_test(test_a_report_to_a_pipe_goes_into_the_pipe),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
