#include "support/sdkref.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "support/testutil.h"

json_t *sdk_pages(void)
{
	char dir[4096];
	json_t *pages = json_array();
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof dir, "%s/adminservice-real/sdk_reference", tu_fixtures());
	if (!(d = opendir(dir)))
		fail_msg("cannot read the SDK's class pages in %s", dir);
	while ((de = readdir(d)) != NULL) {
		char path[8192];
		json_t *j;
		if (strncmp(de->d_name, "sdk_", 4) != 0 || !strstr(de->d_name, ".schema.json"))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (!(j = json_load_file(path, 0, NULL)))
			fail_msg("%s is not JSON", path);
		json_object_set_new(j, "file", json_string(de->d_name));
		json_array_append_new(pages, j);
	}
	closedir(d);
	return pages;
}

bool sdk_lazy(const json_t *prop)
{
	const char *q = json_string_value(json_object_get(prop, "qualifiers"));
	char buf[256], *save = NULL;

	snprintf(buf, sizeof buf, "%s", q ? q : "");
	for (char *t = strtok_r(buf, "[], ", &save); t; t = strtok_r(NULL, "[], ", &save))
		if (strcasecmp(t, "lazy") == 0)
			return true;
	return false;
}
