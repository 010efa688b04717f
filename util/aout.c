/* The writing thread (aout.h): a glibc cookie stream whose write fills
 * one block while a relay's worker (util/relay.h) writes the other. */
#define _GNU_SOURCE   /* fopencookie */
#include "util/aout.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/relay.h"

struct aout {
	int fd;
	struct relay *relay;
	char *block[2];
	size_t len[2];
	int error;                /* the first failed write's errno, or 0 */
};

/* All of p to fd: 0, or the errno of the write that failed (EIO for one
 * that wrote nothing and said nothing). */
static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 && errno ? errno : EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* On the worker: the block to fd; a failure is the relay's status, after
 * which no block is handed on (nothing reaches fd after a gap). */
static int write_block(void *ctx, int b)
{
	struct aout *a = ctx;
	int why = write_all(a->fd, a->block[b], a->len[b]);

	a->len[b] = 0;
	return why;
}

/* The filling block to the worker: 0, or the errno that stops the
 * stream (errno set). */
static int hand_on(struct aout *a)
{
	int status;

	if (a->error)
		return errno = a->error;
	if (a->len[relay_filling(a->relay)] == 0)
		return 0;
	if ((status = relay_hand_on(a->relay)) != 0)
		a->error = errno = status == RELAY_NO_THREAD ? errno : status;
	return a->error;
}

static ssize_t aout_write(void *cookie, const char *p, size_t n)
{
	struct aout *a = cookie;
	size_t done = 0;

	if (a->error) {
		errno = a->error;
		return 0;
	}
	while (done < n) {
		int f = relay_filling(a->relay);
		size_t room = AOUT_BLOCK - a->len[f], take = n - done < room ? n - done : room;
		memcpy(a->block[f] + a->len[f], p + done, take);
		a->len[f] += take;
		done += take;
		if (a->len[f] == AOUT_BLOCK && hand_on(a) != 0)
			return 0;   /* glibc's word for a failed write; errno says why */
	}
	return (ssize_t)n;
}

static int aout_close(void *cookie)
{
	struct aout *a = cookie;
	int error;

	hand_on(a);   /* the last block, part full; its failure is the status */
	error = relay_free(a->relay);
	if (!error)
		error = a->error;
	free(a->block[0]);
	free(a->block[1]);
	free(a);
	if (error) {
		errno = error;
		return EOF;
	}
	return 0;
}

FILE *aout_open(int fd)
{
	struct aout *a = calloc(1, sizeof *a);
	FILE *f;

	if (!a)
		return NULL;
	a->fd = fd;
	a->block[0] = malloc(AOUT_BLOCK);
	a->block[1] = malloc(AOUT_BLOCK);
	a->relay = relay_new(write_block, a);
	if (!a->block[0] || !a->block[1] || !a->relay) {
		free(a->block[0]);
		free(a->block[1]);
		relay_free(a->relay);
		free(a);
		errno = ENOMEM;
		return NULL;
	}
	f = fopencookie(a, "w", (cookie_io_functions_t){ .write = aout_write, .close = aout_close });
	if (!f) {
		int why = errno;
		aout_close(a);
		errno = why;
	}
	return f;
}
