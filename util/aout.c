/* The writing thread (aout.h): a glibc cookie stream whose write fills
 * one block while the thread writes the other. */
#define _GNU_SOURCE   /* fopencookie */
#include "util/aout.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct aout {
	int fd;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;   /* a block handed on, written, or the end */
	char *block[2];
	size_t len[2];
	int filling;              /* the block the writes go into */
	int busy;                 /* the block the thread has, or -1 */
	bool closing;
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

static void *writer(void *arg)
{
	struct aout *a = arg;

	pthread_mutex_lock(&a->lock);
	for (;;) {
		while (a->busy < 0 && !a->closing)
			pthread_cond_wait(&a->changed, &a->lock);
		if (a->busy < 0)
			break;
		/* No block is handed on after one that failed (hand_on): the
		 * descriptor holds what came before it, never a piece from
		 * further on. */
		int b = a->busy;
		pthread_mutex_unlock(&a->lock);
		int why = write_all(a->fd, a->block[b], a->len[b]);
		pthread_mutex_lock(&a->lock);
		a->error = why;
		a->len[b] = 0;
		a->busy = -1;
		pthread_cond_broadcast(&a->changed);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/* The filling block to the thread, once it has finished the one before:
 * 0, or the error that stops the stream (errno set). */
static int hand_on(struct aout *a)
{
	int error;

	pthread_mutex_lock(&a->lock);
	while (a->busy >= 0)
		pthread_cond_wait(&a->changed, &a->lock);
	if (!(error = a->error) && a->len[a->filling] > 0) {
		a->busy = a->filling;
		a->filling = !a->filling;
		pthread_cond_broadcast(&a->changed);
	}
	pthread_mutex_unlock(&a->lock);
	if (error)
		errno = error;
	return error;
}

static ssize_t aout_write(void *cookie, const char *p, size_t n)
{
	struct aout *a = cookie;
	size_t done = 0;
	int error;

	pthread_mutex_lock(&a->lock);
	error = a->error;
	pthread_mutex_unlock(&a->lock);
	if (error) {
		errno = error;
		return 0;
	}
	while (done < n) {
		size_t *len = &a->len[a->filling];
		size_t room = AOUT_BLOCK - *len, take = n - done < room ? n - done : room;
		memcpy(a->block[a->filling] + *len, p + done, take);
		*len += take;
		done += take;
		if (*len == AOUT_BLOCK && hand_on(a) != 0)
			return 0;   /* glibc's word for a failed write; errno says why */
	}
	return (ssize_t)n;
}

static int aout_close(void *cookie)
{
	struct aout *a = cookie;
	int error;

	hand_on(a);   /* the last block, part full; its failure is a->error */
	pthread_mutex_lock(&a->lock);
	a->closing = true;
	pthread_cond_broadcast(&a->changed);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	error = a->error;
	pthread_cond_destroy(&a->changed);
	pthread_mutex_destroy(&a->lock);
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
	int rc;

	if (!a)
		return NULL;
	a->fd = fd;
	a->busy = -1;
	a->block[0] = malloc(AOUT_BLOCK);
	a->block[1] = malloc(AOUT_BLOCK);
	if (!a->block[0] || !a->block[1]) {
		free(a->block[0]);
		free(a->block[1]);
		free(a);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->changed, NULL);
	if ((rc = pthread_create(&a->thread, NULL, writer, a)) != 0) {
		pthread_cond_destroy(&a->changed);
		pthread_mutex_destroy(&a->lock);
		free(a->block[0]);
		free(a->block[1]);
		free(a);
		errno = rc;
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
