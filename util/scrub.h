/* Secrets out of what the site sent, before any of it is kept: the raw
 * JSON stored beside a record never holds a property that carries a
 * secret, whether or not a $select asked for it. */
#ifndef OW_UTIL_SCRUB_H
#define OW_UTIL_SCRUB_H

#include <jansson.h>
#include <stdbool.h>

/* Whether a property of this name holds a secret (any case). */
bool scrub_secret_name(const char *name);

/* A deep copy of v without secrets (new reference): a secret member is
 * dropped; an embedded property whose PropertyName names a secret keeps
 * its name and loses its values; WMI system properties (__X) go too. */
json_t *scrub_json(json_t *v);

#endif
