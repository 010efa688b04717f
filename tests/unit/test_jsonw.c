/* util/jsonw: the evidence writer gives the bytes jansson's compact,
 * ASCII-only dump gives for the same object, whatever the strings hold. */
#include "support/testutil.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/jsonw.h"

static char *jansson_of(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);

	json_decref(o);
	return s;
}

/* {"s": s} both ways, s valid UTF-8. */
static void same_string(const char *s)
{
	struct buf b = BUF_INIT;
	struct jw w;
	char *want;
	json_t *v = json_string(s);

	assert_non_null(v);
	want = jansson_of(json_pack("{s:o}", "s", v));
	jw_begin(&w, &b);
	jw_str(&w, "s", s);
	if (!jw_finish(&w) || strcmp(buf_str(&b), want) != 0)
		fail_msg("for %zu bytes: jsonw '%s', jansson '%s'", strlen(s), buf_str(&b), want);
	free(want);
	buf_free(&b);
}

static void test_every_ascii_character_as_jansson_writes_it(void **state)
{
	char s[2] = { 0, 0 };

	(void)state;
	for (int c = 1; c < 0x80; c++) {
		s[0] = (char)c;
		same_string(s);
	}
	same_string("");
	same_string("\\\\SMP01\\SMPSTORE$\\{0B95}\"quoted\"/slash\x7f\x1b[2J\t\r\n\b\f");
}

static void test_every_kind_of_utf8_as_jansson_writes_it(void **state)
{
	(void)state;
	same_string("M\xc3\xbcller \xe2\x82\xac \xf0\x9d\x84\x9e \xef\xbf\xbf \xc2\x80 \xc2\x9b"
	            " \xe2\x80\xae \xf4\x8f\xbf\xbf \xed\x9f\xbf \xee\x80\x80");
}

/* Every code point that is not a surrogate, each once in a long string. */
static void test_the_whole_of_unicode_as_jansson_writes_it(void **state)
{
	struct buf s = BUF_INIT;

	(void)state;
	for (uint32_t cp = 1; cp <= 0x10ffff; cp += cp < 0x800 ? 1 : 37) {
		unsigned char u[4];
		size_t n;
		if (cp >= 0xd800 && cp < 0xe000)
			continue;
		if (cp < 0x80) {
			u[0] = (unsigned char)cp, n = 1;
		} else if (cp < 0x800) {
			u[0] = (unsigned char)(0xc0 | cp >> 6), u[1] = (unsigned char)(0x80 | (cp & 0x3f));
			n = 2;
		} else if (cp < 0x10000) {
			u[0] = (unsigned char)(0xe0 | cp >> 12);
			u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
			u[2] = (unsigned char)(0x80 | (cp & 0x3f));
			n = 3;
		} else {
			u[0] = (unsigned char)(0xf0 | cp >> 18);
			u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
			u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
			u[3] = (unsigned char)(0x80 | (cp & 0x3f));
			n = 4;
		}
		buf_add(&s, u, n);
	}
	assert_false(s.failed);
	same_string(buf_str(&s));
	buf_free(&s);
}

/* Bytes that are not UTF-8 keep their number, as the association
 * evidence always wrote them: a stray continuation, an overlong form, a
 * surrogate, a cut sequence, a byte past F4. */
static void test_bytes_that_are_not_utf8_keep_their_number(void **state)
{
	struct buf b = BUF_INIT;
	struct jw w;

	(void)state;
	jw_begin(&w, &b);
	jw_str(&w, "s", "a\x80" "b\xc0\xaf" "c\xed\xa0\x80" "d\xe2\x82" "e\xf5");
	assert_non_null(jw_finish(&w));
	assert_string_equal(buf_str(&b), "{\"s\":\"a\\u0080b\\u00C0\\u00AFc\\u00ED\\u00A0\\u0080"
	                                 "d\\u00E2\\u0082e\\u00F5\"}");
	buf_free(&b);
}

static void test_members_nested_as_jansson_writes_them(void **state)
{
	struct buf b = BUF_INIT;
	struct jw w;
	char *want;

	(void)state;
	want = jansson_of(json_pack("{s:s,s:I,s:I,s:b,s:b,s:n,s:{s:s,s:i},s:{},s:I}", "SMSID",
	                            "{4B88}", "Type", (json_int_t)1, "min", (json_int_t)INT64_MIN,
	                            "IsBlocked", 1, "no", 0, "KeyType", "policy", "setting",
	                            "media_cert_max_lifetime_days", "value", 365, "empty",
	                            "last", (json_int_t)-42));
	jw_begin(&w, &b);
	jw_str(&w, "SMSID", "{4B88}");
	jw_int(&w, "Type", 1);
	jw_int(&w, "min", INT64_MIN);
	jw_bool(&w, "IsBlocked", true);
	jw_bool(&w, "no", false);
	jw_null(&w, "KeyType");
	jw_obj(&w, "policy");
	jw_str(&w, "setting", "media_cert_max_lifetime_days");
	jw_int(&w, "value", 365);
	jw_end(&w);
	jw_obj(&w, "empty");
	jw_end(&w);
	jw_int(&w, "last", -42);
	assert_non_null(jw_finish(&w));
	assert_string_equal(buf_str(&b), want);
	/* a second object in the same buffer starts afresh */
	jw_begin(&w, &b);
	jw_str(&w, "x", NULL);
	assert_string_equal(jw_finish(&w), "{\"x\":null}");
	free(want);
	buf_free(&b);
}

static void test_too_deep_fails(void **state)
{
	struct buf b = BUF_INIT;
	struct jw w;

	(void)state;
	jw_begin(&w, &b);
	for (int i = 0; i < JW_DEPTH + 1; i++)
		jw_obj(&w, "a");
	assert_null(jw_finish(&w));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_ascii_character_as_jansson_writes_it),
		cmocka_unit_test(test_every_kind_of_utf8_as_jansson_writes_it),
		cmocka_unit_test(test_the_whole_of_unicode_as_jansson_writes_it),
		cmocka_unit_test(test_bytes_that_are_not_utf8_keep_their_number),
		cmocka_unit_test(test_members_nested_as_jansson_writes_them),
		cmocka_unit_test(test_too_deep_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
