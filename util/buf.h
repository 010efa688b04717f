/* A growable byte buffer that always keeps a terminating NUL. */
#ifndef OW_UTIL_BUF_H
#define OW_UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "util/err.h"

struct buf {
	char *data;   /* NUL-terminated; NULL until the first append */
	size_t len;
	size_t cap;
	bool failed;  /* an allocation failed; later appends are ignored */
	bool wipe;    /* may hold a secret: zeroed when it moves or is freed */
};

#define BUF_INIT { NULL, 0, 0, false, false }

/* Appends n bytes at p (p may be NULL when n is 0). */
void buf_add_grow(struct buf *b, const void *p, size_t n);
/* The reports and the evidence writer append a few bytes at a time,
 * hundreds of millions of times at scale: while they fit, an append is a
 * copy here, not a call (buf_add_grow does the rest, the same way). */
static inline void buf_add(struct buf *b, const void *p, size_t n)
{
	if (n && !b->failed && n < b->cap - b->len) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return;
	}
	buf_add_grow(b, p, n);
}

static inline void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static inline void buf_addc(struct buf *b, char c)
{
	if (!b->failed && b->cap - b->len > 1) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return;
	}
	buf_add_grow(b, &c, 1);
}

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
