#include "support/testutil.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/sanitize.h"
#include "util/width.h"

static void expect(const char *in, size_t len, size_t max, unsigned flags, const char *want)
{
	struct buf b = BUF_INIT;

	san_append(&b, in, len, max, flags);
	if (strcmp(buf_str(&b), want) != 0)
		fail_msg("sanitized to '%s', expected '%s'", buf_str(&b), want);
	buf_free(&b);
}

#define EXPECT(in, want) expect(in, sizeof(in) - 1, 0, 0, want)

/* No byte that a terminal acts on may survive: C0, DEL, and the 8-bit C1
 * introducers in either raw or UTF-8 form. */
static void assert_terminal_safe(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		assert_false(*p < 0x20 || *p == 0x7f);
		if (p[0] == 0xC2)
			assert_false(p[1] >= 0x80 && p[1] <= 0x9F);
	}
}

static void test_plain_text_passes_unchanged(void **state)
{
	(void)state;
	EXPECT("PXE01.holdout.example", "PXE01.holdout.example");
	EXPECT("Zürich Ω 東京", "Zürich Ω 東京");
	EXPECT("", "");
}

static void test_control_characters_become_caret_notation(void **state)
{
	(void)state;
	EXPECT("a\tb\nc\rd", "a^Ib^Jc^Md");
	EXPECT("bell\a del\x7f", "bell^G del^?");
	expect("nul\0x", 5, 0, 0, "nul^@x");
	/* Newlines only where the caller allows them. */
	expect("line1\nline2", 11, 0, SAN_KEEP_NEWLINE, "line1\nline2");
}

static void test_escape_sequences_are_shown_not_run(void **state)
{
	(void)state;
	/* CSI: clear screen, colour */
	EXPECT("\x1b[2J\x1b[31mred", "^[[2J^[[31mred");
	/* OSC 52: write to the clipboard, terminated by BEL */
	EXPECT("Media\x1b]52;c;ZXZpbA==\a Build", "Media^[]52;c;ZXZpbA==^G Build");
	/* OSC 8 hyperlink with ST terminator */
	EXPECT("\x1b]8;;http://x\x1b\\link", "^[]8;;http://x^[\\link");
	/* 8-bit CSI, valid UTF-8 form (U+009B) and raw byte form */
	EXPECT("\xc2\x9b" "2J", "<U+009B>2J");
	EXPECT("\x9b" "2J", "\\x9B2J");
}

static void test_bidi_overrides_and_invisibles_are_made_visible(void **state)
{
	(void)state;
	EXPECT("Build\xe2\x80\xae" "exe.txt", "Build<U+202E>exe.txt");
	EXPECT("a\xe2\x81\xa6" "b\xe2\x81\xa9", "a<U+2066>b<U+2069>");
	EXPECT("ad\xe2\x80\x8bmin", "ad<U+200B>min");       /* zero width space */
	EXPECT("\xef\xbb\xbfname", "<U+FEFF>name");          /* BOM */
	EXPECT("x\xf3\xa0\x81\x81y", "x<U+E0041>y");         /* tag character */
	EXPECT("l\xe2\x80\xa8m", "l<U+2028>m");              /* line separator */
}

static void test_invalid_utf8_is_shown_byte_by_byte(void **state)
{
	(void)state;
	EXPECT("a\xff" "b", "a\\xFFb");
	EXPECT("\xc0\xaf", "\\xC0\\xAF");                  /* overlong '/' */
	EXPECT("\xed\xa0\x80", "\\xED\\xA0\\x80");         /* UTF-16 surrogate */
	EXPECT("\xf4\x90\x80\x80", "\\xF4\\x90\\x80\\x80"); /* above U+10FFFF */
	EXPECT("cut\xe2\x82", "cut\\xE2\\x82");            /* truncated sequence */
}

static void test_length_is_bounded_with_an_ellipsis(void **state)
{
	char *big = malloc(65536 + 1);
	char *out;

	(void)state;
	expect("abcdefghij", 10, 10, 0, "abcdefghij");
	expect("abcdefghijk", 11, 10, 0, "abcdefghi\xe2\x80\xa6");
	expect("abcdefghijk", 11, 10, SAN_ASCII, "abcdefg...");
	/* An escape is never cut in half. */
	expect("abcdefg\x1b[0m", 11, 9, 0, "abcdefg\xe2\x80\xa6");
	/* A 64 KiB hostile name costs only the bound. */
	memset(big, 'A', 65536);
	big[65536] = '\0';
	big[100] = '\x1b';
	out = san_str(big, 200, 0);
	assert_non_null(out);
	assert_int_equal(width_of(out), 200);
	assert_terminal_safe(out);
	free(out);
	free(big);
}

static void test_ascii_mode_escapes_everything_non_ascii(void **state)
{
	(void)state;
	expect("Zürich", 7, 0, SAN_ASCII, "Z<U+00FC>rich");
	expect("\xe6\x9d\xb1", 3, 0, SAN_ASCII, "<U+6771>");
}

static void test_random_bytes_always_come_out_terminal_safe(void **state)
{
	unsigned seed = 12345;
	char in[256];

	(void)state;
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)(round % 255) + 1;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = (char)(seed >> 16);
		}
		struct buf b = BUF_INIT;
		san_append(&b, in, n, 0, 0);
		assert_terminal_safe(buf_str(&b));
		buf_free(&b);
	}
}

static void test_width_fit_pads_and_cuts_by_columns(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	width_fit(&b, "abc", 5, true, false);
	assert_string_equal(buf_str(&b), "abc  ");
	buf_reset(&b);
	width_fit(&b, "abcdef", 4, true, false);
	assert_string_equal(buf_str(&b), "abc\xe2\x80\xa6");
	buf_reset(&b);
	width_fit(&b, "abcdef", 4, false, true);
	assert_string_equal(buf_str(&b), "abc.");
	buf_free(&b);
}

/* The cut that san_append and the reports use: back to a shorter
 * length only, terminated again, the room kept for what comes next. */
static void test_a_buffer_is_cut_back_never_forward(void **state)
{
	struct buf b = BUF_INIT;
	size_t cap;

	(void)state;
	buf_truncate(&b, 0);            /* nothing allocated: nothing to do */
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	buf_adds(&b, "abcdef");
	cap = b.cap;
	buf_truncate(&b, 10);           /* longer than the contents */
	assert_int_equal(b.len, 6);
	assert_string_equal(buf_str(&b), "abcdef");
	buf_truncate(&b, 6);
	assert_string_equal(buf_str(&b), "abcdef");
	buf_truncate(&b, 3);
	assert_int_equal(b.len, 3);
	assert_string_equal(buf_str(&b), "abc");
	assert_int_equal(b.cap, cap);
	buf_adds(&b, "xy");
	assert_string_equal(buf_str(&b), "abcxy");
	buf_truncate(&b, 0);
	assert_string_equal(buf_str(&b), "");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_passes_unchanged),
		cmocka_unit_test(test_control_characters_become_caret_notation),
		cmocka_unit_test(test_escape_sequences_are_shown_not_run),
		cmocka_unit_test(test_bidi_overrides_and_invisibles_are_made_visible),
		cmocka_unit_test(test_invalid_utf8_is_shown_byte_by_byte),
		cmocka_unit_test(test_length_is_bounded_with_an_ellipsis),
		cmocka_unit_test(test_ascii_mode_escapes_everything_non_ascii),
		cmocka_unit_test(test_random_bytes_always_come_out_terminal_safe),
		cmocka_unit_test(test_width_fit_pads_and_cuts_by_columns),
		cmocka_unit_test(test_a_buffer_is_cut_back_never_forward),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
