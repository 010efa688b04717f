/* Members of JSON objects by name, without regard to case: the service
 * answers in its own casing whatever was asked (ResourceId for ResourceID),
 * so the client, the lab and the scrubbing all look names up this way. */
#ifndef OW_UTIL_JSONCI_H
#define OW_UTIL_JSONCI_H

#include <jansson.h>

/* The member of o named name (the exact spelling first, then any case),
 * borrowed, or NULL (also when o is not an object). */
json_t *json_member_ci(json_t *o, const char *name);

#endif
