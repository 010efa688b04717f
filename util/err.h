/* Errors as values: a kind that maps to an exit code, and a message that
 * says what failed and what the operator can do about it. */
#ifndef OW_UTIL_ERR_H
#define OW_UTIL_ERR_H

#include <stddef.h>

/* The kinds are the exit codes of DESIGN §7, so the CLI never translates. */
enum ow_errkind {
	OW_OK = 0,
	OW_EFINDINGS = 1,   /* findings at/above --fail-on, or an action not applied */
	OW_EINPUT = 2,      /* usage, input, local file or inventory problem */
	OW_ESITE = 3,       /* site unreachable, authentication, TLS */
	OW_EPARTIAL = 4,    /* partial result */
};

struct ow_err {
	enum ow_errkind kind;
	char msg[768];
};

#if defined(__GNUC__)
#define OW_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define OW_PRINTF(a, b)
#endif

/* Records an error; returns kind so callers can `return ow_err_set(...)`.
 * err may be NULL (the message is dropped). */
enum ow_errkind ow_err_set(struct ow_err *err, enum ow_errkind kind,
                           const char *fmt, ...) OW_PRINTF(3, 4);

/* Prefixes the existing message with more context ("opening X: <old>"). */
void ow_err_prefix(struct ow_err *err, const char *fmt, ...) OW_PRINTF(2, 3);

void ow_err_clear(struct ow_err *err);

#endif
