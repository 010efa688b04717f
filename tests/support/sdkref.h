/* The SDK's class pages in the fixtures (adminservice-real/sdk_reference):
 * the property types and [lazy] qualifiers the contract and the lab follow. */
#ifndef OW_TESTS_SDKREF_H
#define OW_TESTS_SDKREF_H

#include <jansson.h>
#include <stdbool.h>

/* Every sdk_*.schema.json page, each as its JSON object with "file" added
 * (a new array the caller decrefs). Fails the test when the folder cannot
 * be read or a page is not JSON. */
json_t *sdk_pages(void);

/* Whether a property's qualifiers ("[large, lazy]") say lazy. */
bool sdk_lazy(const json_t *prop);

#endif
