/* checks/words: evidence in the console's words. */
#include "support/testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks/checks.h"
/* the engine's spool: a test hands a report a run it built itself */
#include "checks/engine_int.h"
#include "checks/words.h"
#include "util/buf.h"

/* 2026-12-02 00:00:00 UTC, a fixed "now" for ages. */
#define NOW 1796169600LL
#define DAYS(n) ((long long)(n) * 86400)

/* The evidence json as one line is want. */
static void assert_line(const char *json, const char *want)
{
	char *s = chk_evidence_line(json, NOW);

	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static void test_a_coded_value_becomes_its_word(void **state)
{
	struct chk_pair p[8];
	size_t n;

	(void)state;
	assert_string_equal(chk_value_word("BindPolicy", "0"), "every interface");
	assert_string_equal(chk_value_word("BindPolicy", "1"), "listed NICs only");
	assert_string_equal(chk_value_word("MigrationStatus", "2"), "completed");
	assert_string_equal(chk_value_word("KeyType", "1"), "self-signed");
	assert_string_equal(chk_value_word("KeyType", "2"), "PKI");
	assert_string_equal(chk_value_word("Type", "1"), "boot media");
	assert_string_equal(chk_value_word("Type", "2"), "PXE");
	assert_string_equal(chk_value_word("SccmPXE", "false"), "Windows Deployment Services");
	assert_null(chk_value_word("BindPolicy", "7"));
	assert_null(chk_value_word("NoSuchField", "0"));

	n = chk_evidence_pairs("{\"server\":\"PXE01\",\"BindPolicy\":0,\"BindExcept\":\"\","
	                       "\"IsBlocked\":false,\"KeyType\":null}", NOW, p, 8);
	assert_int_equal(n, 5);
	assert_string_equal(p[0].label, "server");
	assert_string_equal(p[0].value, "PXE01");
	assert_string_equal(p[1].label, "answers on");
	assert_string_equal(p[1].value, "every interface (0)");
	assert_string_equal(p[2].value, "none");
	assert_string_equal(p[3].label, "blocked");
	assert_string_equal(p[3].value, "no");
	assert_string_equal(p[4].label, "key");
	assert_string_equal(p[4].value, "unknown");
}

static void test_a_date_gets_its_age(void **state)
{
	char json[160];

	(void)state;
	snprintf(json, sizeof json, "{\"store_released\":%lld,\"store_created\":%lld}",
	         NOW - DAYS(103), NOW + DAYS(3));
	assert_line(json, "restored 2026-08-21 (103 d ago), captured 2026-12-05 (in 3 d)");
}

/* Every day from 1900 to 2200, at several times of day, and the ends of
 * what a calendar date is written for, read as the C library dates them
 * (words.c does its own arithmetic: gmtime and strftime were a tenth of
 * a report's time). */
static void test_a_date_is_the_calendar_day_the_c_library_gives(void **state)
{
	static const long long ends[] = { 0, -1, 1, 86399, 86400, -86400, -86401,
	                                  951782400, 951868800, 4107542400LL, 253402300799LL,
	                                  253402300800LL, -30610224000LL, -30610224001LL,
	                                  -62135596800LL, -62135596801LL };
	char json[96], want[64];

	(void)state;
	for (long long t = -2208988800LL; t < 7258118400LL + DAYS(1); t += 86400 / 2 + 7) {
		time_t tt = (time_t)t;
		struct tm tm;
		char *s;
		assert_non_null(gmtime_r(&tt, &tm));
		assert_int_not_equal(strftime(want, sizeof want, "restored %Y-%m-%d (", &tm), 0);
		snprintf(json, sizeof json, "{\"store_released\":%lld}", t);
		s = chk_evidence_line(json, NOW);
		assert_non_null(s);
		if (strncmp(s, want, strlen(want)) != 0)
			fail_msg("%lld: %s, want %s...", t, s, want);
		free(s);
	}
	for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
		time_t tt = (time_t)ends[i];
		struct tm tm;
		char *s;
		if (!gmtime_r(&tt, &tm) || strftime(want, sizeof want, "restored %Y-%m-%d", &tm) == 0)
			snprintf(want, sizeof want, "restored %lld", ends[i]);
		snprintf(json, sizeof json, "{\"store_released\":%lld}", ends[i]);
		s = chk_evidence_line(json, NOW);
		assert_non_null(s);
		if (strncmp(s, want, strlen(want)) != 0 || (s[strlen(want)] != '\0' &&
		    s[strlen(want)] != ' '))
			fail_msg("%lld: %s, want %s", ends[i], s, want);
		free(s);
	}
}

/* The line appended to a buffer that holds text already: the same words
 * after it, and the buffer as it was when there are none. */
static void test_the_line_is_appended_onto_a_buffer(void **state)
{
	static const char *const evidence[] = {
		"{\"store_path\":\"\\\\\\\\SMP01\\\\WS1\",\"policy\":{\"setting\":"
		"\"assoc_released_max_days\",\"value\":14}}",
		"{\"a\":[1,{\"b\":2}],\"c\":{\"d\":{\"e\":null}}}",   /* walked as a tree */
		"[1,2]", "not json", "{}", "",
	};
	struct buf b = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof evidence / sizeof evidence[0]; i++) {
		char *alone = chk_evidence_line(evidence[i], NOW);
		bool is_object = evidence[i][0] != '{';   /* the opposite: it must be set */
		buf_reset(&b);
		buf_adds(&b, "title: ");
		assert_true(chk_evidence_line_onto(&b, evidence[i], NOW, &is_object));
		assert_non_null(alone);
		assert_string_equal(buf_str(&b) + strlen("title: "), alone);
		assert_memory_equal(buf_str(&b), "title: ", strlen("title: "));
		assert_int_equal(is_object, evidence[i][0] == '{');
		free(alone);
	}
	buf_free(&b);
}

/* The association checks keep the date in their evidence, not an age (a
 * stored finding would change every day): the age is the run's time less
 * the date, said when the evidence is shown. */
static void test_an_association_s_age_is_counted_from_the_time_it_is_shown(void **state)
{
	char released[240], created[160], *day_later;
	struct chk_pair p[4];

	(void)state;
	snprintf(released, sizeof released, "{\"store_released\":%lld,\"store_path\":"
	         "\"\\\\\\\\SMP01\\\\WS1\",\"policy\":{\"setting\":\"assoc_released_max_days\","
	         "\"value\":14}}", NOW - DAYS(100));
	assert_line(released, "restored 2026-08-24 (100 d ago), store \\\\SMP01\\WS1, "
	            "policy assoc_released_max_days 14 d");
	/* the same evidence a day later: one day older, nothing stored changed */
	day_later = chk_evidence_line(released, NOW + DAYS(1));
	assert_string_equal(day_later, "restored 2026-08-24 (101 d ago), store \\\\SMP01\\WS1, "
	                    "policy assoc_released_max_days 14 d");
	free(day_later);
	snprintf(created, sizeof created, "{\"store_created\":%lld,\"store_path\":\"x\","
	         "\"policy\":{\"setting\":\"assoc_unreleased_max_days\",\"value\":60}}",
	         NOW - DAYS(75) - 3600);
	assert_int_equal(chk_evidence_pairs(created, NOW, p, 4), 3);
	assert_string_equal(p[0].label, "captured");
	assert_string_equal(p[0].value, "2026-09-17 (75 d ago)");
	assert_string_equal(p[2].label, "policy assoc_unreleased_max_days");
	assert_string_equal(p[2].value, "60 d");
}

/* Evidence is read as a stream, and the shapes the stream does not take
 * (objects in arrays, a policy that is not the pair) as a tree: the
 * words must not depend on which. */
static void test_every_shape_of_evidence_reads_the_same(void **state)
{
	struct chk_pair p[3];

	(void)state;
	assert_line("{\"a\":{\"b\":{\"c\":1}},\"d\":{}}", "a b c 1, d none");
	assert_line("{\"holders\":[{\"n\":\"x\"},[1,2]],\"BindPolicy\":[0,1]}",
	            "holders {\"n\":\"x\"}, [1,2], answers on every interface (0), "
	            "listed NICs only (1)");
	assert_line("{\"policy\":{\"setting\":\"x_days\"}}", "policy setting x_days");
	assert_line("{\"policy\":{\"value\":3,\"setting\":\"x_days\"}}", "policy x_days 3 d");
	assert_line("{\"policy\":{\"setting\":\"x_days\",\"value\":3,\"more\":true}}",
	            "policy setting x_days, policy value 3, policy more yes");
	assert_line("{\"policy\":{}}", "policy none");
	assert_line("{\"n\":null,\"r\":1.5,\"t\":true,\"s\":\"\"}", "n unknown, r 1.5, t yes, s none");
	/* not JSON, or not all of it: nothing, as from the tree */
	assert_line("{\"a\":1} x", "");
	assert_line("{\"a\":1,", "");
	assert_line("{\"a\":\"\\u0000\"}", "");
	/* past the last pair: said, not dropped */
	assert_int_equal(chk_evidence_pairs("{\"a\":1,\"b\":{\"c\":2,\"d\":3},\"e\":4}", NOW, p, 2), 2);
	assert_string_equal(p[1].label, "b c");
}

static void test_the_policy_threshold_is_named(void **state)
{
	struct chk_pair p[4];
	size_t n;

	(void)state;
	n = chk_evidence_pairs("{\"age_days\":103,\"policy\":{\"setting\":\"assoc_released_max_days\","
	                       "\"value\":14}}", NOW, p, 4);
	assert_int_equal(n, 2);
	assert_string_equal(p[1].label, "policy assoc_released_max_days");
	assert_string_equal(p[1].value, "14 d");
	assert_line("{\"holders\":7,\"policy\":{\"setting\":\"osd_manager_max_holders\",\"value\":5}}",
	            "holders 7, policy osd_manager_max_holders 5");
}

static void test_an_unknown_field_still_appears(void **state)
{
	(void)state;
	assert_line("{\"FutureProperty\":42,\"nested\":{\"a\":true,\"b\":[\"x\",\"y\"]},"
	            "\"empty\":[],\"ratio\":0.5}",
	            "FutureProperty 42, nested a yes, nested b x, y, empty none, ratio 0.5");
	/* The engine's decisions flatten with their own words. */
	assert_line("{\"waiver\":{\"by\":\"alice\",\"reason\":\"lab\",\"at\":1796169600}}",
	            "waiver by alice, waiver why lab, waiver on 2026-12-02 (today)");
}

static void test_no_evidence_is_no_pairs(void **state)
{
	struct chk_pair p[2];

	(void)state;
	assert_int_equal(chk_evidence_pairs(NULL, NOW, p, 2), 0);
	assert_int_equal(chk_evidence_pairs("not json", NOW, p, 2), 0);
	assert_int_equal(chk_evidence_pairs("[1,2]", NOW, p, 2), 0);
	assert_int_equal(chk_evidence_pairs("{\"a\":1,\"b\":2,\"c\":3}", NOW, p, 2), 2);
	assert_line("{}", "");
}

static void test_hostile_text_is_passed_raw(void **state)
{
	struct chk_pair p[2];

	(void)state;
	/* Escaping is each format's job: the words keep the bytes. */
	assert_int_equal(chk_evidence_pairs("{\"run_as\":\"<script>\\u001b[31m|*x*\"}", NOW, p, 2), 1);
	assert_string_equal(p[0].label, "runs as");
	assert_string_equal(p[0].value, "<script>\x1b[31m|*x*");
	assert_line("{\"reason\":\"a\\nb\"}", "why a\nb");
}

static void test_a_long_value_is_cut_on_a_character_boundary(void **state)
{
	struct chk_pair p[1];
	char json[1200];
	size_t len;

	(void)state;
	strcpy(json, "{\"store_path\":\"");
	for (int i = 0; i < 200; i++)
		strcat(json, "\xc3\xa9");   /* é, two bytes each */
	strcat(json, "\"}");
	assert_int_equal(chk_evidence_pairs(json, NOW, p, 1), 1);
	len = strlen(p[0].value);
	assert_true(len < sizeof p[0].value);
	assert_string_equal(p[0].value + len - 3, "...");
	assert_int_equal((len - 3) % 2, 0);   /* no half character */
}

/* n failing results of OSD-TS-004 with hostile evidence, written by fn
 * (a new string); every other one is new, the rest unchanged. */
static char *report_of(int (*fn)(FILE *f, const struct chk_run *run, bool), bool ascii, size_t n)
{
	const struct chk_def *d = NULL;
	char *text = NULL, strings[] = "task_sequence\0HLD00020\0Deploy";
	char evidence[] = "{\"run_as\":\"<script>\\u001b]52;c;eA==\\u0007|*x*\","
	                  "\"note\":\"Z\\u00fcrich\"}";
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct chk_run run = { .id = 1, .started = NOW, .spool = eng_spool_new(), .n = n };

	for (size_t k = 0; k < chk_count(); k++)
		if (strcmp(chk_at(k)->id, "OSD-TS-004") == 0)
			d = chk_at(k);
	assert_non_null(d);
	assert_non_null(f);
	assert_non_null(run.spool);
	for (size_t i = 0; i < n; i++) {
		struct chk_result r = { .def = d, .state = CS_FAIL, .sev = d->sev,
		                        .object_type = strings, .object_key = strings + 14,
		                        .object_name = strings + 23, .evidence = evidence,
		                        .baseline = i % 2 ? "unchanged" : "new" };
		assert_int_equal(eng_spool_put(run.spool, &r), 0);
	}
	assert_int_equal(eng_spool_seal(run.spool), 0);
	run.counts[chk_index(d)][CS_FAIL] = n;   /* what the reports read before any result */
	strcpy(run.grades.security, "F");
	strcpy(run.grades.privacy, "A");
	assert_int_equal(fn(f, &run, ascii), 0);
	fclose(f);
	chk_run_free(&run);
	assert_null(strchr(text, '\x1b'));
	assert_null(strchr(text, '\a'));
	return text;
}

static int text_report(FILE *f, const struct chk_run *run, bool ascii)
{
	return chk_write_text(f, run, ascii, false);
}

static int markdown_report(FILE *f, const struct chk_run *run, bool ascii)
{
	(void)ascii;
	return chk_write_markdown(f, run);
}

static void test_reports_escape_the_evidence_their_own_way(void **state)
{
	char *s;

	(void)state;
	s = report_of(text_report, true, 1);
	if (!strstr(s, "\n        runs as <script>^[]52;c;eA==^G|*x*, note Z<U+00FC>rich\n"))
		fail_msg("text report (ASCII):\n%s", s);
	free(s);
	s = report_of(text_report, false, 1);
	if (!strstr(s, "runs as <script>^[]52;c;eA==^G|*x*, note Z\xc3\xbcrich\n"))
		fail_msg("text report:\n%s", s);
	free(s);
	s = report_of(markdown_report, false, 1);
	if (!strstr(s, "- Deploy — fail, new: runs as \\<script\\>^\\[\\]52;c;eA==^G\\|\\*x\\*, "
	                "note Z\xc3\xbcrich\n"))
		fail_msg("markdown report:\n%s", s);
	free(s);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* Lab scale 1000 has 100,000 and more failing associations: Markdown names
 * 300 of a check, and past that the first 100 and the rest counted. */
static void test_markdown_counts_a_big_check_past_the_first_objects(void **state)
{
	char *s;

	(void)state;
	s = report_of(markdown_report, false, 300);
	assert_int_equal(count(s, "\n- Deploy — fail, "), 300);
	assert_null(strstr(s, "more:"));
	free(s);
	s = report_of(markdown_report, false, 400);
	assert_int_equal(count(s, "\n- Deploy — fail, "), 100);
	if (!strstr(s, "\n- and 300 more: 150 fail (new), 150 fail (unchanged); the JSON and SARIF "
	            "exports name each one\n"))
		fail_msg("no counted line in:\n%s", strstr(s, "\n- and") ? strstr(s, "\n- and") : s);
	free(s);
	/* Text: the first 5, and how many it left out. */
	s = report_of(text_report, false, 12);
	assert_int_equal(count(s, "\n    fail   "), 5);
	assert_non_null(strstr(s, "\n    ... and 7 more: osdwarden check --all\n"));
	free(s);
}

/* The JSON or SARIF export (json: true) of one failing OSD-TS-004 result
 * named name, as a parsed document. */
static json_t *export_of(bool json, const char *name, const char *evidence)
{
	const struct chk_def *d = chk_find("OSD-TS-004");
	struct chk_run run = { .id = 1, .started = NOW, .spool = eng_spool_new(), .n = 1 };
	struct chk_result r = { .def = d, .state = CS_FAIL, .sev = d->sev,
	                        .object_type = (char *)"task_sequence", .object_key = (char *)name,
	                        .object_name = (char *)name, .evidence = (char *)evidence,
	                        .baseline = "new" };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	json_error_t e;
	json_t *doc;

	assert_non_null(run.spool);
	assert_int_equal(eng_spool_put(run.spool, &r), 0);
	assert_int_equal(eng_spool_seal(run.spool), 0);
	run.counts[chk_index(d)][CS_FAIL] = 1;
	strcpy(run.grades.security, "F");
	strcpy(run.grades.privacy, "A");
	assert_int_equal(json ? chk_write_json(f, &run) : chk_write_sarif(f, &run), 0);
	fclose(f);
	chk_run_free(&run);
	doc = json_loads(text, 0, &e);
	if (!doc)
		fail_msg("not JSON (%s at %d): %s", e.text, e.position, text);
	for (const char *p = text; *p; p++)
		if ((unsigned char)*p >= 0x80 || ((unsigned char)*p < 0x20 && *p != '\n'))
			fail_msg("a byte 0x%02x in the export", (unsigned char)*p);
	free(text);
	return doc;
}

/* jansson refuses a string that is not UTF-8, which failed the whole
 * export; the exports write such a byte as visible text, and escape the
 * rest as jansson does. */
static void test_a_name_that_is_not_utf8_is_exported_visibly(void **state)
{
	static const char name[] = "PC\xff\x01 \"q\" \\ \xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xae";
	static const char ev[] = "{\"run_as\":\"HOLDOUT\\\\svc\",\"note\":\"Z\\u00FCrich\"}";
	json_t *doc = export_of(true, name, ev), *one, *res;
	const char *msg;

	(void)state;
	one = json_array_get(json_object_get(doc, "findings"), 0);
	assert_string_equal(json_string_value(json_object_get(one, "object_name")),
	                    "PC\\xFF\x01 \"q\" \\ \xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xae");
	assert_string_equal(json_string_value(json_object_get(json_object_get(one, "evidence"),
	                                                      "note")), "Z\xc3\xbcrich");
	json_decref(doc);
	doc = export_of(false, name, ev);
	res = json_array_get(json_object_get(json_array_get(json_object_get(doc, "runs"), 0),
	                                     "results"), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
	                    json_array_get(json_object_get(res, "locations"), 0),
	                    "logicalLocations"), 0), "name")),
	                    "PC\\xFF\x01 \"q\" \\ \xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xae");
	/* the message is for terminals: the control and the override are shown */
	msg = json_string_value(json_object_get(json_object_get(res, "message"), "text"));
	if (!strstr(msg, "PC\\xFF^A \"q\" \\ \xc3\xa9 \xf0\x9f\x98\x80 <U+202E> (fail): "
	            "runs as HOLDOUT\\svc, note Z\xc3\xbcrich"))
		fail_msg("the message: %s", msg);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(res,
	                    "properties"), "evidence"), "note")), "Z\xc3\xbcrich");
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_coded_value_becomes_its_word),
		cmocka_unit_test(test_a_date_gets_its_age),
		cmocka_unit_test(test_a_date_is_the_calendar_day_the_c_library_gives),
		cmocka_unit_test(test_the_line_is_appended_onto_a_buffer),
		cmocka_unit_test(test_an_association_s_age_is_counted_from_the_time_it_is_shown),
		cmocka_unit_test(test_every_shape_of_evidence_reads_the_same),
		cmocka_unit_test(test_the_policy_threshold_is_named),
		cmocka_unit_test(test_an_unknown_field_still_appears),
		cmocka_unit_test(test_no_evidence_is_no_pairs),
		cmocka_unit_test(test_hostile_text_is_passed_raw),
		cmocka_unit_test(test_a_long_value_is_cut_on_a_character_boundary),
		cmocka_unit_test(test_reports_escape_the_evidence_their_own_way),
		cmocka_unit_test(test_markdown_counts_a_big_check_past_the_first_objects),
		cmocka_unit_test(test_a_name_that_is_not_utf8_is_exported_visibly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
