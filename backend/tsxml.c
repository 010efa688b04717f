#include "backend/sync_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The value of XML attribute `name` inside the tag starting at tag (not
 * past end), new string or NULL. */
static char *xml_attr(const char *tag, const char *end, const char *name)
{
	char pat[64];
	const char *p, *q;

	snprintf(pat, sizeof pat, "%s=\"", name);
	p = strstr(tag, pat);
	if (!p || p >= end)
		return NULL;
	p += strlen(pat);
	q = strchr(p, '"');
	return q && q <= end ? strndup(p, (size_t)(q - p)) : NULL;
}

/* The text of <variable ... property="prop">TEXT</variable> within a step. */
static char *step_var(const char *step, const char *end, const char *prop)
{
	char pat[96];
	const char *p, *gt, *lt;

	snprintf(pat, sizeof pat, "property=\"%s\"", prop);
	p = strstr(step, pat);
	if (!p || p >= end || !(gt = strchr(p, '>')) || gt >= end || !(lt = strchr(gt, '<')) || lt > end)
		return NULL;
	return strndup(gt + 1, (size_t)(lt - gt - 1));
}

/* One step between p and end (its tag closes at close). */
static int read_step(const char *p, const char *close, const char *end,
                     int (*fn)(void *, const char *, const char *), void *ctx,
                     struct buf *images, int64_t *dynamic)
{
	char *type = xml_attr(p, close, "type"), *name = xml_attr(p, close, "name");
	int rc = 0;

	if (type && strcmp(type, "SMS_TaskSequence_RunCommandLineAction") == 0) {
		/* The account only: the password beside it is never read. */
		char *as = step_var(p, end, "RunAsUser"), *user = step_var(p, end, "UserName");
		if (as && strcasecmp(as, "true") == 0 && user && *user)
			rc = fn(ctx, name ? name : "?", user);
		free(as);
		free(user);
	} else if (type && strcmp(type, "SMS_TaskSequence_InstallApplicationAction") == 0) {
		char *base = step_var(p, end, "BaseVariableName");
		if (base && *base)
			*dynamic = 1;
		free(base);
	} else if (type && strcmp(type, "SMS_TaskSequence_ApplyOperatingSystemAction") == 0) {
		char *img = step_var(p, end, "ImagePackageID");
		if (img && *img)
			buf_addf(images, "%s%s", images->len ? "," : "", img);
		free(img);
	}
	free(type);
	free(name);
	return rc;
}

int tsxml_read(const char *xml, int (*fn)(void *ctx, const char *step, const char *user),
               void *ctx, char **images, int64_t *dynamic)
{
	struct buf found = BUF_INIT;
	const char *p = xml;
	int rc = 0;

	*dynamic = 0;
	while (rc == 0 && (p = strstr(p, "<step ")) != NULL) {
		const char *end = strstr(p, "</step>"), *close = strchr(p, '>');
		if (!close)
			break;
		if (!end || (close[-1] == '/' && close < end))
			end = close;
		rc = read_step(p, close, end, fn, ctx, &found, dynamic);
		p = end;
	}
	*images = buf_detach(&found);
	return rc;
}
