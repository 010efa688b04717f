#include "support/testutil.h"

#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeparse.h"

static void expect_ok(const char *s, int64_t ms, bool offset_known)
{
	struct owtime t = { 0 };

	if (owtime_parse(s, &t) != OWTIME_OK)
		fail_msg("'%s' did not parse", s);
	if (t.ms != ms)
		fail_msg("'%s' gave %lld ms, expected %lld", s, (long long)t.ms, (long long)ms);
	assert_int_equal(t.offset_known, offset_known);
}

static void expect_status(const char *s, enum owtime_status want)
{
	struct owtime t = { 0 };
	enum owtime_status got = owtime_parse(s, &t);

	if (got != want)
		fail_msg("'%s' gave status %d, expected %d", s ? s : "(null)", got, want);
}

static void test_iso_with_zero_to_three_fraction_digits(void **state)
{
	(void)state;
	expect_ok("2026-02-27T17:05:42Z", 1772211942000LL, true);
	expect_ok("2025-11-26T15:52:45.4Z", 1764172365400LL, true);
	expect_ok("2025-11-26T15:52:45.43Z", 1764172365430LL, true);
	expect_ok("2025-11-26T15:52:45.433Z", 1764172365433LL, true);
	/* .NET writes 7 digits; anything past milliseconds is dropped. */
	expect_ok("2025-11-26T15:52:45.4339999Z", 1764172365433LL, true);
}

static void test_iso_with_offsets(void **state)
{
	(void)state;
	expect_ok("2026-02-27T19:05:42+02:00", 1772211942000LL, true);
	expect_ok("2026-02-27T12:05:42-0500", 1772211942000LL, true);
	expect_status("2026-02-27T17:05:42+25:00", OWTIME_INVALID);
}

static void test_unset_placeholders(void **state)
{
	(void)state;
	expect_status(NULL, OWTIME_UNSET);
	expect_status("", OWTIME_UNSET);
	expect_status("   ", OWTIME_UNSET);
	expect_status("null", OWTIME_UNSET);
	expect_status("1970-01-01T00:00:00Z", OWTIME_UNSET);
	expect_status("1980-01-01T00:00:00Z", OWTIME_UNSET);
	expect_status("1980-01-01T06:00:00Z", OWTIME_UNSET);
	expect_status("1980-01-01T12:00:00Z", OWTIME_UNSET);
	expect_status("00000000000000.000000+000", OWTIME_UNSET);
	expect_status("16010101000000.000000+000", OWTIME_UNSET);
	/* The epoch written in a zone ahead of UTC falls on 1970-01-01 UTC:
	 * still the placeholder, whichever day the wall clock showed (the
	 * fuzzer found the parse and its formatted UTC form disagreeing). */
	expect_status("1970-01-02+0530", OWTIME_UNSET);
	expect_status("1980-01-02T01:00:00+03:00", OWTIME_UNSET);
	expect_status("1969-12-31T20:00:00-05:00", OWTIME_UNSET);
	expect_status("16010102000000.000000+060", OWTIME_UNSET);
	/* written on the placeholder day, whatever the zone */
	expect_status("1980-01-01T02:00:00+03:00", OWTIME_UNSET);
	/* A real date on 1970-01-02 UTC is not a placeholder. */
	expect_ok("1970-01-02T00:00:00Z", 86400000LL, true);
	expect_ok("1970-01-02T06:00:00+05:30", 86400000LL + 1800000LL, true);
}

static void test_dmtf_with_utc_and_unknown_offset(void **state)
{
	(void)state;
	expect_ok("20230828055956.247000+000", 1693202396247LL, true);
	expect_ok("20240122191812.000000+***", 1705951092000LL, false);
	/* +060: the local time is an hour ahead of UTC. */
	expect_ok("20230828065956.247000+060", 1693202396247LL, true);
	expect_ok("20230828045956.247000-060", 1693202396247LL, true);
	expect_status("2023082805595.247000+000", OWTIME_INVALID);
	expect_status("20230828055956.247000*000", OWTIME_INVALID);
	expect_status("2023082805**56.247000+000", OWTIME_INVALID);
}

static void test_plain_strings_found_in_props(void **state)
{
	(void)state;
	expect_ok("2026-08-01 04:00:01.340", 1785556801340LL, false);
	expect_ok("2025-12-01 17:57:05", 1764611825000LL, false);
	expect_ok("2024-02-29 00:00:00.000", 1709164800000LL, false);
	expect_status("2016-10-01 00:00:00.000", OWTIME_OK);
}

static void test_rejects_impossible_dates_and_garbage(void **state)
{
	(void)state;
	expect_status("2023-02-29T00:00:00Z", OWTIME_INVALID);   /* not a leap year */
	expect_status("2026-13-01T00:00:00Z", OWTIME_INVALID);
	expect_status("2026-04-31T00:00:00Z", OWTIME_INVALID);
	expect_status("2026-01-01T24:00:00Z", OWTIME_INVALID);
	expect_status("2026-01-01T23:60:00Z", OWTIME_INVALID);
	expect_status("2026-01-01T23:59:00ZZ", OWTIME_INVALID);
	expect_status("2026-01-01T23:59:00.Z", OWTIME_INVALID);
	expect_status("0000-01-01T00:00:00Z", OWTIME_INVALID);
	expect_status("yesterday", OWTIME_INVALID);
	expect_status("2026-1-1", OWTIME_INVALID);
	expect_status("99999999999999999999999999999999999999999999999999999999999999999999",
	              OWTIME_INVALID);
}

static void test_format_round_trips(void **state)
{
	char buf[32];
	struct owtime t;

	(void)state;
	assert_string_equal(owtime_format(1772211942000LL, buf), "2026-02-27T17:05:42Z");
	assert_int_equal(owtime_parse(buf, &t), OWTIME_OK);
	assert_int_equal(t.ms, 1772211942000LL);
}

/* Every string in the captured responses that looks like a date must parse
 * (or be a recognised "unset"): the real shapes are the contract. */
static bool looks_like_date(const char *s)
{
	return strlen(s) >= 10 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[3]) &&
	       ((s[4] == '-' && s[7] == '-') ||
	        (strlen(s) == 25 && s[14] == '.'));
}

static int walk(json_t *j, int *seen)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_string(j) && looks_like_date(json_string_value(j))) {
		struct owtime t;
		(*seen)++;
		if (owtime_parse(json_string_value(j), &t) == OWTIME_INVALID)
			fail_msg("fixture date '%s' did not parse", json_string_value(j));
	} else if (json_is_object(j)) {
		json_object_foreach(j, key, v)
			walk(v, seen);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			walk(v, seen);
	}
	return 0;
}

static void test_every_date_in_the_real_fixtures_parses(void **state)
{
	char dir[4096];
	struct dirent *de;
	DIR *d;
	int seen = 0, dmtf = 0;

	(void)state;
	snprintf(dir, sizeof dir, "%s/adminservice-real", tu_fixtures());
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char *path = tu_path(dir, de->d_name), *text;
		size_t n = strlen(de->d_name);

		if (n > 5 && strcmp(de->d_name + n - 5, ".json") == 0) {
			json_t *j = json_load_file(path, 0, NULL);
			assert_non_null(j);
			walk(j, &seen);
			json_decref(j);
		} else if (n > 4 && strcmp(de->d_name + n - 4, ".txt") == 0 &&
		           (text = tu_read_file(path, NULL)) != NULL) {
			/* SharpSCCM dumps: DMTF values after "Name: ". */
			for (char *p = text; (p = strchr(p, '.')) != NULL; p++) {
				char cand[26];
				if (p - text < 14 || strlen(p) < 11)
					continue;
				memcpy(cand, p - 14, 25);
				cand[25] = '\0';
				if (!isdigit((unsigned char)cand[0]) || (cand[21] != '+' && cand[21] != '-'))
					continue;
				struct owtime t;
				if (owtime_parse(cand, &t) == OWTIME_INVALID)
					fail_msg("fixture DMTF '%s' did not parse", cand);
				dmtf++;
			}
			free(text);
		}
		free(path);
	}
	closedir(d);
	/* The fixtures hold dozens of ISO and plain dates and several DMTF. */
	assert_true(seen >= 30);
	assert_true(dmtf >= 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso_with_zero_to_three_fraction_digits),
		cmocka_unit_test(test_iso_with_offsets),
		cmocka_unit_test(test_unset_placeholders),
		cmocka_unit_test(test_dmtf_with_utc_and_unknown_offset),
		cmocka_unit_test(test_plain_strings_found_in_props),
		cmocka_unit_test(test_rejects_impossible_dates_and_garbage),
		cmocka_unit_test(test_format_round_trips),
		cmocka_unit_test(test_every_date_in_the_real_fixtures_parses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
