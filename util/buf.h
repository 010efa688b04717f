/* A growable byte buffer that always keeps a terminating NUL. */
#ifndef OW_UTIL_BUF_H
#define OW_UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct buf {
	char *data;   /* NUL-terminated; NULL until the first append */
	size_t len;
	size_t cap;
	bool failed;  /* an allocation failed; later appends are ignored */
	bool wipe;    /* may hold a secret: zeroed when it moves or is freed */
};

#define BUF_INIT { NULL, 0, 0, false, false }

void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...) OW_PRINTF(2, 3);
void buf_reset(struct buf *b);
/* Cuts the contents back to their first len bytes (nothing when they
 * are no longer), terminated again; the capacity stays. */
void buf_truncate(struct buf *b, size_t len);
void buf_free(struct buf *b);

/* Hands over the string (caller frees); returns NULL if an allocation
 * failed, and "" for an empty buffer. The buffer is left empty. */
char *buf_detach(struct buf *b);

/* The contents as a C string, "" when empty. Valid until the next append. */
const char *buf_str(const struct buf *b);

#endif
