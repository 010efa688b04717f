/* The console's lists as an operator reads them (issue 16): the columns
 * that matter fitted to the terminal, a STATE column from the latest
 * stored check run (honest when there is none), values in words, and a
 * detail that shows the object's findings before its fields.
 *
 * The inventory is the lab's (synced once, the lab then stopped), on the
 * lab's clock (OSDWARDEN_NOW); "checked.db" is a copy of it with one check
 * run stored by `osdwarden check`, so both "no run" and "a run" are seen. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "support/labsite.h"
#include "support/testutil.h"
#include "support/tuirun.h"

#define LAB_NOW "1780000000"

static struct labsite g_ls;
static char g_checked[400];

static int setup_all(void **state)
{
	(void)state;
	setenv("OSDWARDEN_NOW", LAB_NOW, 1);
	if (labsite_synced(&g_ls, "lists") != 0)
		return -1;
	snprintf(g_checked, sizeof g_checked, "%s/checked.db", g_ls.dir);
	return labsite_checked_copy(&g_ls, g_checked);
}

static int teardown_all(void **state)
{
	(void)state;
	labsite_free(&g_ls);
	return 0;
}

/* The console on db at size (NULL: 80x24) in lang (NULL: C.UTF-8), the
 * keys, then the screen saved as name (new string). */
static char *draw_in(const char *db, const char *size, const char *lang, const char *keys,
                     const char *name)
{
	char script[800];

	snprintf(script, sizeof script, "%s:save-display %s/%s\n", keys, g_ls.dir, name);
	if (tuirun_script(&(struct tuirun){ .dir = g_ls.dir, .db = db, .size = size, .lang = lang },
	                  script) != 0)
		fail_msg("%s: the console exited with an error on\n%s", name, script);
	return tuirun_screen(g_ls.dir, name);
}

static char *draw(const char *db, const char *size, const char *keys, const char *name)
{
	return draw_in(db, size, NULL, keys, name);
}

/* The screen's row holding what (new string), failing when none does. */
static char *row_with(const char *scr, const char *what)
{
	const char *p = strstr(scr, what), *start;

	if (!p)
		fail_msg("no row of the screen holds \"%s\":\n%s", what, scr);
	for (start = p; start > scr && start[-1] != '\n'; start--)
		;
	return strndup(start, strcspn(start, "\n"));
}

static void expect(const char *scr, const char *text)
{
	if (!strstr(scr, text))
		fail_msg("the screen lacks \"%s\":\n%s", text, scr);
}

/* Each of the texts (NULL-terminated) in scr. */
static void expect_each(const char *scr, const char *const *texts)
{
	for (; *texts; texts++)
		expect(scr, *texts);
}

static void expect_not(const char *scr, const char *text)
{
	if (strstr(scr, text))
		fail_msg("the screen holds \"%s\":\n%s", text, scr);
}

/* The column of row where the header's title starts. */
static const char *at_title(const char *scr, const char *row, const char *title)
{
	char *header = row_with(scr, title);
	size_t col = 0;
	const char *p, *r = row;

	/* in characters, not bytes: the header and the row may hold UTF-8 */
	for (p = header; p < strstr(header, title); p++)
		col += ((unsigned char)*p & 0xC0) != 0x80;
	free(header);
	for (; *r && col; r++)
		col -= ((unsigned char)r[1] & 0xC0) != 0x80;
	return r;
}

static void test_cert_list_at_80x24_shows_full_valid_until_blocked_and_state(void **state)
{
	char until[16], *s, *line;

	(void)state;
	labsite_sql_text(&g_ls, "SELECT date(valid_until, 'unixepoch') FROM certificates "
	                 "WHERE issued_to = 'DP00003.holdout.example'", until, sizeof until);
	assert_true(strlen(until) == 10);
	s = draw(g_checked, NULL, ":cert\n", "cert-80");
	line = row_with(s, "DP00003");
	expect(s, "VALID UNTIL");
	expect(s, "BLOCKED");
	expect(s, "STATE");
	/* the date whole, under its title */
	if (strncmp(at_title(s, line, "VALID UNTIL"), until, 10) != 0)
		fail_msg("the valid-until date of DP00003 is not %s whole under VALID UNTIL:\n%s", until,
		         s);
	assert_string_equal(strtok(strdup(at_title(s, line, "BLOCKED")), " "), "no");
	expect_not(s, "-0\xe2\x80\xa6");     /* no date cut to "2027-0…" */
	free(line);
	free(s);
}

/* Whether the STATE of the screen's row holding what starts with want. */
static bool state_is(const char *scr, const char *what, const char *want)
{
	char *line = row_with(scr, what);
	bool is = strncmp(at_title(scr, line, "STATE"), want, strlen(want)) == 0;

	free(line);
	return is;
}

/* No stored run: every STATE says it was not checked, none says ok. */
static void test_state_column_without_a_stored_run_says_not_checked(void **state)
{
	char *s;

	(void)state;
	s = draw(g_ls.db, NULL, ":dp\n", "dp-unchecked");
	if (!state_is(s, "PXE01.holdout", "? no run") || !state_is(s, "DP00001.holdout", "? no run"))
		fail_msg("a DP's state is not \"? no run\" without a stored run:\n%s", s);
	free(s);
}

/* With a run: the worst finding by its glyph and word; an object the run
 * judged and found nothing wrong with says ok. */
static void test_state_column_shows_the_worst_stored_finding(void **state)
{
	char *s;

	(void)state;
	s = draw(g_checked, NULL, ":dp\n", "dp-checked");
	if (!state_is(s, "PXE01.holdout", "\xe2\x9c\x97 high") &&
	    !state_is(s, "PXE01.holdout", "\xe2\x9c\x97 critical"))
		fail_msg("PXE01 (no PXE password, unknown computers) is not failing high or critical:\n%s",
		         s);
	if (!state_is(s, "DP00001.holdout", "ok"))
		fail_msg("DP00001 (no PXE) is not ok:\n%s", s);
	free(s);
	/* ASCII: a letter for the glyph, the word stays */
	s = draw_in(g_checked, NULL, "C", ":dp\n", "dp-ascii");
	if (!state_is(s, "PXE01.holdout", "x high") && !state_is(s, "PXE01.holdout", "x critical"))
		fail_msg("in ASCII PXE01's state is not \"x high\" (or critical):\n%s", s);
	free(s);
}

/* A run that could not read the class the DPs come from judged none of
 * them: a DP without a finding of its own is not "ok" then. */
static void test_a_class_the_run_could_not_read_leaves_its_rows_unread(void **state)
{
	char path[400], *data, *s;
	size_t len;
	sqlite3 *db;
	struct tu_run r;

	(void)state;
	snprintf(path, sizeof path, "%s/unread.db", g_ls.dir);
	data = tu_read_file(g_ls.db, &len);
	assert_non_null(data);
	assert_int_equal(tu_write_file(path, data, len), 0);
	free(data);
	/* as a sync whose account may not read the class leaves it */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE sync_classes SET status = 'no_access', message = "
	                              "'HTTP 403' WHERE class = 'SMS_DistributionPointInfo'", NULL,
	                              NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_close(db);
	r = tu_cli(path, (const char *const[]){ "check", "--format", "json", NULL });
	tu_run_free(&r);
	assert_int_equal(tu_sql_int(path, "SELECT count(*) FROM findings WHERE object_type = 'class' "
	                            "AND object_key = 'SMS_DistributionPointInfo'") > 0, 1);
	s = draw(path, NULL, ":dp\n", "dp-unread");
	if (!state_is(s, "DP00001.holdout", "? unread"))
		fail_msg("DP00001 is not \"? unread\" after a run that could not read its class:\n%s", s);
	free(s);
	s = draw(path, "100x40", ":dp\n/DP00001<Enter>\n<Enter>\n", "dp-unread-detail");
	expect(s, "could not read SMS_DistributionPointInfo");
	free(s);
}

/* The DP list at 80 columns: server, PXE, password, interfaces, unknown
 * computers and state, in words, no header cut. */
static void test_dp_list_at_80_columns_says_words_not_codes(void **state)
{
	char *s, *line;

	(void)state;
	s = draw(g_checked, NULL, ":dp\n", "dp-words");
	line = row_with(s, "SERVER");
	expect_each(line, (const char *const[]){ "PXE", "PASSWORD", "INTERFACES", "UNKNOWN", "STATE",
	                                         NULL });
	expect_not(line, "\xe2\x80\xa6");    /* no title cut */
	free(line);
	line = row_with(s, "PXE02.holdout");
	expect(line, "listed NICs only");
	free(line);
	line = row_with(s, "PXE01.holdout");
	expect(line, "every interface");
	expect(line, "none");                /* its PXE password */
	free(line);
	free(s);
}

/* Wider terminals gain columns; 80 columns keep the decisive ones. */
static void test_wider_terminals_gain_columns(void **state)
{
	char *narrow, *wide, *h80, *h120;

	(void)state;
	narrow = draw(g_checked, NULL, ":cert\n", "cert-narrow");
	wide = draw(g_checked, "120x40", ":cert\n", "cert-wide");
	h80 = row_with(narrow, "ISSUED TO");
	h120 = row_with(wide, "ISSUED TO");
	expect_not(h80, "VALID FROM");
	expect_each(h120, (const char *const[]){ "VALID FROM", "SERVER", "STATE", NULL });
	free(h80);
	free(h120);
	free(narrow);
	free(wide);
	narrow = draw(g_checked, NULL, ":assoc\n", "assoc-narrow");
	h80 = row_with(narrow, "SOURCE");
	expect_each(h80, (const char *const[]){ "\xe2\x86\x92 RESTORE", "STATUS", "CAPTURED",
	                                        "RESTORED", "AGE", "STATE", NULL });
	free(h80);
	h80 = row_with(narrow, "WS000000");
	expect(h80, "\xe2\x86\x92 WS000001");
	expect(h80, " d ");                  /* an age in days */
	free(h80);
	free(narrow);
}

/* Enter: the object's findings first (check, state, evidence in words),
 * then its fields under labels in words; JSON only on the raw tab. */
static void test_detail_shows_findings_first_then_fields_in_words(void **state)
{
	char *s, *f, *raw;
	const char *finding, *field;

	(void)state;
	s = draw(g_checked, "100x40", ":dp\n/PXE01<Enter>\n<Enter>\n", "detail");
	f = draw(g_checked, "100x40", ":dp\n/PXE01<Enter>\n<Enter>\n<Tab>\n", "detail-findings");
	raw = draw(g_checked, "100x40", ":dp\n/PXE01<Enter>\n<Enter>\n<Tab>\n<Tab>\n", "detail-raw");
	finding = strstr(s, "OSD-PXE-004");
	field = strstr(s, "answers on:");
	if (!finding || !field || finding > field)
		fail_msg("the detail does not show PXE01's findings before its fields:\n%s", s);
	expect(s, "answers on: every interface");
	expect(s, "unknown computers: supported");
	expect(s, "PXE password: none");
	expect_not(s, "bind_policy");
	expect_not(s, "unknown_computers");
	expect_not(s, "{\"");
	expect(f, "OSD-PXE-004");
	expect_not(f, "{\"");
	expect(raw, "\"ServerName\"");
	free(s);
	free(f);
	free(raw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cert_list_at_80x24_shows_full_valid_until_blocked_and_state),
		cmocka_unit_test(test_state_column_without_a_stored_run_says_not_checked),
		cmocka_unit_test(test_state_column_shows_the_worst_stored_finding),
		cmocka_unit_test(test_a_class_the_run_could_not_read_leaves_its_rows_unread),
		cmocka_unit_test(test_dp_list_at_80_columns_says_words_not_codes),
		cmocka_unit_test(test_wider_terminals_gain_columns),
		cmocka_unit_test(test_detail_shows_findings_first_then_fields_in_words),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
