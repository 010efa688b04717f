#include "util/jsonci.h"

#include <strings.h>

json_t *json_member_ci(json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);
	const char *k;

	if (v || !json_is_object(o))
		return v;
	json_object_foreach(o, k, v)
		if (strcasecmp(k, name) == 0)
			return v;
	return NULL;
}
