/* util/relay: the slots reach the worker in the order they were handed
 * on, the producer fills the other one meanwhile, and the first non-zero
 * status stops the relay: no slot is worked on after it. */
#include "support/testutil.h"

#include <stdlib.h>
#include <string.h>

#include "util/relay.h"

struct log {
	int value[2];             /* what the producer put in each slot */
	int seen[64];             /* what the worker found, in order */
	int n;
	int fail_at;              /* the call that returns a status (0: none) */
};

static int work(void *ctx, int slot)
{
	struct log *l = ctx;

	l->seen[l->n++] = l->value[slot];
	return l->n == l->fail_at ? 7 : 0;
}

static void test_the_slots_are_worked_on_in_order(void **state)
{
	struct log l = { .n = 0 };
	struct relay *r = relay_new(work, &l);

	(void)state;
	assert_non_null(r);
	for (int i = 1; i <= 40; i++) {
		l.value[relay_filling(r)] = i;
		assert_int_equal(relay_hand_on(r), 0);
	}
	assert_int_equal(relay_free(r), 0);
	assert_int_equal(l.n, 40);
	for (int i = 0; i < 40; i++)
		assert_int_equal(l.seen[i], i + 1);
}

static void test_a_status_stops_the_relay(void **state)
{
	struct log l = { .fail_at = 3 };
	struct relay *r = relay_new(work, &l);
	int status = 0, handed = 0;

	(void)state;
	assert_non_null(r);
	for (int i = 1; i <= 10 && status == 0; i++) {
		l.value[relay_filling(r)] = i;
		if ((status = relay_hand_on(r)) == 0)
			handed++;
	}
	/* the third failed, and the fourth hand-on, waiting for it, says so */
	assert_int_equal(status, 7);
	assert_int_equal(handed, 3);
	assert_int_equal(relay_free(r), 7);
	assert_int_equal(l.n, 3);
}

/* A relay never handed a slot starts no worker and says 0. */
static void test_an_unused_relay_frees_quietly(void **state)
{
	struct log l = { .n = 0 };

	(void)state;
	assert_int_equal(relay_free(relay_new(work, &l)), 0);
	assert_int_equal(relay_free(NULL), 0);
	assert_int_equal(l.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_slots_are_worked_on_in_order),
		cmocka_unit_test(test_a_status_stops_the_relay),
		cmocka_unit_test(test_an_unused_relay_frees_quietly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
