/* The schema checker the SARIF acceptance test relies on: it has to pass
 * a valid log and catch each kind of violation, or the SARIF test proves
 * nothing. Schema: tests/data/sarif-2.1.0-rtm.5.json (see SOURCES.md). */
#include "support/jsonschema.h"
#include "support/testutil.h"

#include <stdlib.h>
#include <string.h>

static json_t *g_schema;

static int load_schema(void **state)
{
	const char *dir = getenv("OW_TESTDATA");
	char path[1024];
	json_error_t e;

	(void)state;
	snprintf(path, sizeof path, "%s/sarif-2.1.0-rtm.5.json", dir ? dir : "tests/data");
	g_schema = json_load_file(path, 0, &e);
	if (!g_schema)
		fprintf(stderr, "# cannot load %s: %s\n", path, e.text);
	return g_schema ? 0 : -1;
}

static int free_schema(void **state)
{
	(void)state;
	json_decref(g_schema);
	return 0;
}

/* A small log that uses most of what osdwarden emits. */
static const char *const valid_log =
	"{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\","
	"\"runs\":[{\"tool\":{\"driver\":{\"name\":\"osdwarden\",\"version\":\"0.1\","
	"\"informationUri\":\"https://example.invalid/x\",\"rules\":["
	"{\"id\":\"A-1\",\"shortDescription\":{\"text\":\"a\"},\"defaultConfiguration\":{\"level\":\"error\"},"
	"\"properties\":{\"category\":\"security\"}},"
	"{\"id\":\"A-2\",\"shortDescription\":{\"text\":\"b\"}}]}},"
	"\"invocations\":[{\"executionSuccessful\":true,\"startTimeUtc\":\"2026-11-25T02:10:08Z\"}],"
	"\"results\":[{\"ruleId\":\"A-1\",\"ruleIndex\":0,\"kind\":\"fail\",\"level\":\"error\","
	"\"message\":{\"text\":\"m\"},\"baselineState\":\"absent\","
	"\"locations\":[{\"logicalLocations\":[{\"name\":\"n\",\"fullyQualifiedName\":\"dp/1\",\"kind\":\"resource\"}]}],"
	"\"suppressions\":[{\"kind\":\"external\",\"status\":\"accepted\",\"justification\":\"j\"}],"
	"\"properties\":{\"evidence\":{\"x\":1}}}]}]}";

static enum js_result judge(const char *doc_text, char *err, size_t n)
{
	json_error_t e;
	json_t *doc = json_loads(doc_text, 0, &e);
	enum js_result r;

	assert_non_null(doc);
	r = js_validate(g_schema, doc, err, n);
	json_decref(doc);
	return r;
}

static void test_valid_log_passes(void **state)
{
	char err[600];
	(void)state;
	assert_int_equal(judge(valid_log, err, sizeof err), JS_VALID);
	assert_string_equal(err, "");
}

/* Each mutation replaces one piece of the valid log and must be caught,
 * with the error naming where. */
static void test_each_violation_is_caught(void **state)
{
	static const struct {
		const char *from, *to, *where;
	} cases[] = {
		{ "\"version\":\"2.1.0\",", "", "required property \"version\"" },
		{ "\"version\":\"2.1.0\"", "\"version\":\"2.0.0\"", "/version" },
		{ "\"version\":\"2.1.0\"", "\"version\":\"2.1.0\",\"extra\":1", "\"extra\" is not allowed" },
		{ "\"kind\":\"fail\"", "\"kind\":\"bad\"", "/runs/0/results/0/kind" },
		{ "\"level\":\"error\",\"message\"", "\"level\":\"fatal\",\"message\"", "/results/0/level" },
		{ "\"ruleIndex\":0", "\"ruleIndex\":-2", "below the minimum" },
		{ "\"ruleIndex\":0", "\"ruleIndex\":\"0\"", "wrong type" },
		{ "\"baselineState\":\"absent\"", "\"baselineState\":\"fixed\"", "/baselineState" },
		{ "\"kind\":\"external\"", "\"kind\":\"waiver\"", "/suppressions/0/kind" },
		{ "\"startTimeUtc\":\"2026-11-25T02:10:08Z\"", "\"startTimeUtc\":\"yesterday\"", "date-time" },
		{ "\"informationUri\":\"https://example.invalid/x\"", "\"informationUri\":\"no scheme\"", "absolute URI" },
		{ "\"message\":{\"text\":\"m\"},", "", "required property \"message\"" },
		{ "{\"id\":\"A-2\",\"shortDescription\":{\"text\":\"b\"}}",
		  "{\"id\":\"A-1\",\"shortDescription\":{\"text\":\"a\"},\"defaultConfiguration\":{\"level\":\"error\"},"
		  "\"properties\":{\"category\":\"security\"}}", "uniqueItems" },
		{ "\"executionSuccessful\":true,", "", "required property \"executionSuccessful\"" },
		{ "\"name\":\"osdwarden\",", "\"name\":\"osdwarden\",\"guid\":\"not-a-guid\",", "pattern" },
		{ "\"defaultConfiguration\":{\"level\":\"error\"}", "\"defaultConfiguration\":{\"level\":\"error\",\"rank\":101}", "above the maximum" },
	};
	char err[600], doc[4096];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *at = strstr(valid_log, cases[i].from);
		assert_non_null(at);
		snprintf(doc, sizeof doc, "%.*s%s%s", (int)(at - valid_log), valid_log, cases[i].to,
		         at + strlen(cases[i].from));
		if (judge(doc, err, sizeof err) != JS_INVALID || !strstr(err, cases[i].where)) {
			fprintf(stderr, "# case %zu: expected a violation at \"%s\", got \"%s\"\n", i,
			        cases[i].where, err);
			fail();
		}
	}
}

/* A keyword the checker does not know is reported, not skipped. */
static void test_unknown_keyword_is_not_a_pass(void **state)
{
	json_t *s = json_pack("{s:s,s:{}}", "type", "object", "patternProperties");
	json_t *doc = json_object();
	char err[300];

	(void)state;
	assert_int_equal(js_validate(s, doc, err, sizeof err), JS_UNSUPPORTED);
	assert_non_null(strstr(err, "patternProperties"));
	json_decref(s);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_log_passes),
		cmocka_unit_test(test_each_violation_is_caught),
		cmocka_unit_test(test_unknown_keyword_is_not_a_pass),
	};
	return cmocka_run_group_tests(tests, load_schema, free_schema);
}
