/* Reports a reviewer can hand on: the text, Markdown and SARIF reports over
 * the lab name, per failing object, the values that decided it and the
 * threshold used, in the console's words (checks/words). */
#include "support/testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/labsite.h"

/* The lab's clock (labsite_start: --now 1780000000), so ages are fixed. */
#define AS_OF "1780000000"

static struct labsite g_ls;
static struct labproc g_lp;

static int setup(void **state)
{
	(void)state;
	if (labsite_up(&g_ls, &g_lp, "reports") != 0) {
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

static void test_markdown_shows_the_values_that_decided_each_object(void **state)
{
	char *md = report("markdown", false), *sec, *line;

	(void)state;
	/* PXE-003: the DP answers on every interface. */
	sec = part(md, "## OSD-PXE-003", "\n## ");
	line = lines_with(sec, "PXE01\\.holdout\\.example", 1);
	assert_has(line, "answers on every interface \\(0\\)");
	assert_has(line, "listed NICs none");
	free(line);
	free(sec);
	/* SMP-004: restored 100 days before the lab's now, against 14. */
	sec = part(md, "## OSD-SMP-004", "\n## ");
	line = lines_with(sec, "WS000000 \\-\\> WS000001", 1);
	assert_has(line, "restored 2026\\-02\\-17 \\(100 d ago\\)");
	assert_has(line, "policy assoc\\_released\\_max\\_days 14 d");
	free(line);
	free(sec);
	/* TS-004: the task sequence runs a step as the network access account. */
	sec = part(md, "## OSD-TS-004", "\n## ");
	line = lines_with(sec, "Deploy Windows 11", 1);
	assert_has(line, "runs as HOLDOUT\\\\svc\\_naa");
	assert_has(line, "is the network access account yes");
	free(line);
	free(sec);
	free(md);
}

static void test_text_all_lists_every_object_with_its_evidence(void **state)
{
	char *text = report("text", true), *sec, *two;
	size_t want = listed_in_json("OSD-SMP-004"), got = 0;

	(void)state;
	sec = text_block(text, "OSD-PXE-003");
	two = lines_with(sec, "PXE01.holdout.example", 2);
	assert_has(two, "answers on every interface (0), listed NICs none");
	free(two);
	free(sec);
	sec = text_block(text, "OSD-TS-004");
	two = lines_with(sec, "Deploy Windows 11", 2);
	assert_has(two, "runs as HOLDOUT\\svc_naa");
	free(two);
	free(sec);
	sec = text_block(text, "OSD-SMP-004");
	two = lines_with(sec, "WS000000 -> WS000001", 2);
	assert_has(two, "restored 2026-02-17 (100 d ago)");
	assert_has(two, "policy assoc_released_max_days 14 d");
	free(two);
	/* Every failing association, none left out. */
	assert_true(want > 10);
	for (const char *p = sec; (p = strstr(p, "\n    fail ")); p++)
		got++;
	assert_int_equal(got, want);
	assert_null(strstr(sec, "more: osdwarden check --all"));
	free(sec);
	free(text);
}

static void test_text_says_how_many_objects_it_left_out(void **state)
{
	char *text = report("text", false), *sec, want[96];
	size_t listed = listed_in_json("OSD-SMP-004"), got = 0;

	(void)state;
	sec = text_block(text, "OSD-SMP-004");
	for (const char *p = sec; (p = strstr(p, "\n    fail ")); p++)
		got++;
	assert_int_equal(got, 5);
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
		           "(README.md#the-checklist)");
	json_decref(j);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markdown_shows_the_values_that_decided_each_object),
		cmocka_unit_test(test_text_all_lists_every_object_with_its_evidence),
		cmocka_unit_test(test_text_says_how_many_objects_it_left_out),
		cmocka_unit_test(test_sarif_messages_name_the_evidence),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
