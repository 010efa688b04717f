/* A small JSON Schema (draft-04) checker for the tests: enough of the
 * vocabulary to validate a document against the SARIF 2.1.0 schema in
 * tests/data. A keyword it does not implement is an error, never a
 * silent pass. */
#ifndef OW_TESTS_JSONSCHEMA_H
#define OW_TESTS_JSONSCHEMA_H

#include <jansson.h>
#include <stddef.h>

enum js_result {
	JS_VALID = 0,
	JS_INVALID = 1,      /* the document breaks the schema; err says where and why */
	JS_UNSUPPORTED = 2,  /* the schema uses something this checker cannot judge */
};

/* Validates doc against schema (whose "#/..." references resolve inside
 * itself). On failure, err receives a JSON-pointer-like path and the rule
 * that was broken. */
enum js_result js_validate(json_t *schema, json_t *doc, char *err, size_t errlen);

#endif
