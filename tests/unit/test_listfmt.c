/* The console's column layout (tui/listfmt), for every list and every
 * width from the smallest terminal to a very wide one: what an operator
 * must always see stays, the rest goes lowest priority first, nothing is
 * drawn past the edge, and a wider terminal only ever adds columns. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "db/list.h"
#include "tui/listfmt.h"
#include "util/width.h"

static const char *const lists[] = { "dps", "smps", "media", "certs", "assocs", "ts", "admins",
	                             "sites" };

struct laid {
	struct lf_col c[40];
	size_t n;
};

static int prio_of(const struct inv_list *l, int col)
{
	return col == LF_STATE ? 0 : inv_list_col(l, (size_t)col)->prio;
}

static const struct lf_col *find(const struct laid *t, int col)
{
	for (size_t k = 0; k < t->n; k++)
		if (t->c[k].col == col)
			return &t->c[k];
	return NULL;
}

static void test_priority_0_and_state_are_always_shown_and_state_is_last(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		const struct inv_list *l = inv_list_find(lists[i]);
		assert_non_null(l);
		for (int cols = 60; cols <= 260; cols++) {
			struct laid t;
			t.n = lf_layout(l, cols, t.c);
			assert_true(t.n >= 2);
			assert_int_equal(t.c[t.n - 1].col, LF_STATE);
			for (size_t c = 0; c < inv_list_ncols(l); c++)
				if (inv_list_col(l, c)->prio == 0 && !find(&t, (int)c))
					fail_msg("%s at %d columns: %s (priority 0) is not shown", lists[i], cols,
					         inv_list_col(l, c)->name);
		}
	}
}

static void test_lower_priorities_go_first_and_wider_only_adds(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		const struct inv_list *l = inv_list_find(lists[i]);
		struct laid prev = { .n = 0 };
		for (int cols = 60; cols <= 260; cols++) {
			struct laid t;
			int worst_shown = 0, best_hidden = 1000;
			t.n = lf_layout(l, cols, t.c);
			for (size_t c = 0; c < inv_list_ncols(l); c++) {
				int p = prio_of(l, (int)c);
				if (find(&t, (int)c))
					worst_shown = p > worst_shown ? p : worst_shown;
				else
					best_hidden = p < best_hidden ? p : best_hidden;
			}
			if (best_hidden <= worst_shown)
				fail_msg("%s at %d columns: a priority %d column is hidden while a priority %d "
				         "one is shown", lists[i], cols, best_hidden, worst_shown);
			for (size_t k = 0; k < prev.n; k++)
				if (!find(&t, prev.c[k].col))
					fail_msg("%s: a column shown at %d columns is gone at %d", lists[i], cols - 1,
					         cols);
			prev = t;
		}
	}
}

/* Every column between its minimum (never narrower than its title) and
 * its natural width, in the list's order, none past the edge once the
 * always-shown ones fit (80 columns and up). */
static void test_widths_fit_the_terminal_and_never_cut_a_title(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		const struct inv_list *l = inv_list_find(lists[i]);
		for (int cols = 80; cols <= 260; cols++) {
			struct laid t;
			t.n = lf_layout(l, cols, t.c);
			for (size_t k = 0; k < t.n; k++) {
				const struct lf_col *c = &t.c[k];
				int title = (int)width_of(lf_title(l, c));
				int natural = c->col == LF_STATE ? 10 : inv_list_col(l, (size_t)c->col)->width;
				natural = natural > title ? natural : title;
				if (c->w < title || c->w > natural)
					fail_msg("%s at %d columns: %s is %d wide (title %d, natural %d)", lists[i],
					         cols, lf_title(l, c), c->w, title, natural);
				if (k && (c->x < t.c[k - 1].x + t.c[k - 1].w || c->col <= t.c[k - 1].col) &&
				    c->col != LF_STATE)
					fail_msg("%s at %d columns: %s overlaps or is out of order", lists[i], cols,
					         lf_title(l, c));
			}
			if (t.c[t.n - 1].x + t.c[t.n - 1].w > cols)
				fail_msg("%s at %d columns: the last column ends at %d", lists[i], cols,
				         t.c[t.n - 1].x + t.c[t.n - 1].w);
		}
	}
}

/* The decisive columns of issue 16 at 80 columns, by name. */
static void test_80_columns_keep_what_the_operator_looks_for(void **state)
{
	static const struct {
		const char *list, *cols[8];
	} want[] = {
		{ "certs", { "issued_to", "type", "key_type", "valid_until", "is_blocked", NULL } },
		{ "dps", { "server", "pxe", "pxe_password", "bind_policy", "unknown_computers", NULL } },
		{ "assocs", { "source_name", "restore_name", "migration_status", "created", "released",
		              "age_days", NULL } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct inv_list *l = inv_list_find(want[i].list);
		struct laid t;
		t.n = lf_layout(l, 80, t.c);
		for (size_t k = 0; want[i].cols[k]; k++) {
			const struct lf_col *c = find(&t, inv_list_col_index(l, want[i].cols[k]));
			if (!c) {
				fail_msg("%s at 80 columns lacks %s", want[i].list, want[i].cols[k]);
				return;
			}
			/* a date whole: YYYY-MM-DD */
			if (inv_list_col(l, (size_t)c->col)->kind == INV_TIME && c->w < 10)
				fail_msg("%s at 80 columns cuts the date %s to %d", want[i].list,
				         want[i].cols[k], c->w);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priority_0_and_state_are_always_shown_and_state_is_last),
		cmocka_unit_test(test_lower_priorities_go_first_and_wider_only_adds),
		cmocka_unit_test(test_widths_fit_the_terminal_and_never_cut_a_title),
		cmocka_unit_test(test_80_columns_keep_what_the_operator_looks_for),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
