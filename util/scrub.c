#include "util/scrub.h"

#include <strings.h>

#include "util/jsonci.h"

/* Names that hold secrets, wherever they appear. */
static const char *const secret_props[] = {
	"PXEPassword", "Reserved2", "UserPassword", "Sequence", "CollectionVariables", "Password",
};

bool scrub_secret_name(const char *k)
{
	for (size_t i = 0; i < sizeof secret_props / sizeof secret_props[0]; i++)
		if (strcasecmp(k, secret_props[i]) == 0)
			return true;
	return false;
}

json_t *scrub_json(json_t *v)
{
	const char *k, *pname;
	json_t *e, *out;
	size_t i;
	bool secret_prop;

	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, e)
			json_array_append_new(out, scrub_json(e));
		return out;
	}
	if (!json_is_object(v))
		return json_incref(v);
	out = json_object();
	pname = json_string_value(json_member_ci(v, "PropertyName"));
	secret_prop = pname && scrub_secret_name(pname);
	json_object_foreach(v, k, e) {
		if (scrub_secret_name(k))
			continue;
		if (secret_prop && (strcasecmp(k, "Value1") == 0 || strcasecmp(k, "Value2") == 0)) {
			json_object_set_new(out, k, json_string(""));
			continue;
		}
		if (k[0] == '_' && k[1] == '_')
			continue;   /* WMI system properties: noise */
		json_object_set_new(out, k, scrub_json(e));
	}
	return out;
}
