#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum ow_errkind ow_err_set(struct ow_err *err, enum ow_errkind kind,
                           const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		err->kind = kind;
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return kind;
}

void ow_err_prefix(struct ow_err *err, const char *fmt, ...)
{
	char head[256];
	size_t hn, mn, cap = sizeof err->msg - 1;
	va_list ap;
	int n;

	if (!err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	hn = strlen(head);
	if (hn + 2 > cap)
		return;
	/* Shift the old message right (cut at the end if need be) and put
	 * "head: " in front; truncation of a long message is intended. */
	mn = strlen(err->msg);
	if (mn > cap - hn - 2)
		mn = cap - hn - 2;
	memmove(err->msg + hn + 2, err->msg, mn);
	memcpy(err->msg, head, hn);
	err->msg[hn] = ':';
	err->msg[hn + 1] = ' ';
	err->msg[hn + 2 + mn] = '\0';
}

void ow_err_clear(struct ow_err *err)
{
	if (err) {
		err->kind = OW_OK;
		err->msg[0] = '\0';
	}
}
