/* Two slots between a producer and one worker thread: the producer fills
 * one while the worker works on the other, so that making and writing
 * overlap on two cores (util/aout's blocks of a report, a check run's
 * chunks of findings). At most two slots' worth is ever held.
 *
 * The worker starts at the first hand-on. work(ctx, slot) runs on it, with
 * the slot handed on; the first non-zero it returns is the relay's status,
 * and no slot is handed on after it. Whatever work touches is the
 * worker's from relay_hand_on until relay_hand_on or relay_free returns
 * the next time, and what work wrote is the producer's to read then. */
#ifndef OW_UTIL_RELAY_H
#define OW_UTIL_RELAY_H

#include <limits.h>

/* relay_hand_on: no worker could start (errno set). */
#define RELAY_NO_THREAD INT_MIN

struct relay;

/* NULL when out of memory. */
struct relay *relay_new(int (*work)(void *ctx, int slot), void *ctx);

/* The slot (0 or 1) the producer fills. */
int relay_filling(const struct relay *r);

/* Waits until the worker is done with the slot it has; then, while the
 * status is 0, hands it the filling slot, and the producer fills the
 * other. Returns the status (0: handed on), or RELAY_NO_THREAD. */
int relay_hand_on(struct relay *r);

/* The worker ended after the slot it has, and r freed (NULL: nothing).
 * Returns the status. */
int relay_free(struct relay *r);

#endif
