/* The two-slot relay (relay.h). */
#include "util/relay.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct relay {
	int (*work)(void *ctx, int slot);
	void *ctx;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;   /* a slot handed on, worked on, or the end */
	bool started, closing;
	int filling;              /* the producer's slot */
	int busy;                 /* the worker's slot, or -1 */
	int status;
};

struct relay *relay_new(int (*work)(void *ctx, int slot), void *ctx)
{
	struct relay *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	r->work = work;
	r->ctx = ctx;
	r->busy = -1;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->changed, NULL);
	return r;
}

int relay_filling(const struct relay *r)
{
	return r->filling;
}

static void *worker(void *arg)
{
	struct relay *r = arg;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (r->busy < 0 && !r->closing)
			pthread_cond_wait(&r->changed, &r->lock);
		if (r->busy < 0)
			break;
		int slot = r->busy;
		pthread_mutex_unlock(&r->lock);
		int status = r->work(r->ctx, slot);
		pthread_mutex_lock(&r->lock);
		r->status = status;
		r->busy = -1;
		pthread_cond_broadcast(&r->changed);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

int relay_hand_on(struct relay *r)
{
	int status;

	if (!r->started) {
		int rc = pthread_create(&r->thread, NULL, worker, r);
		if (rc != 0) {
			errno = rc;
			return RELAY_NO_THREAD;
		}
		r->started = true;
	}
	pthread_mutex_lock(&r->lock);
	while (r->busy >= 0)
		pthread_cond_wait(&r->changed, &r->lock);
	if ((status = r->status) == 0) {
		r->busy = r->filling;
		r->filling = !r->filling;
		pthread_cond_broadcast(&r->changed);
	}
	pthread_mutex_unlock(&r->lock);
	return status;
}

int relay_free(struct relay *r)
{
	int status;

	if (!r)
		return 0;
	if (r->started) {
		pthread_mutex_lock(&r->lock);
		r->closing = true;
		pthread_cond_broadcast(&r->changed);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->thread, NULL);
	}
	status = r->status;
	pthread_cond_destroy(&r->changed);
	pthread_mutex_destroy(&r->lock);
	free(r);
	return status;
}
