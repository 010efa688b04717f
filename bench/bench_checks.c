/* Checklist phases, timed apart on an existing inventory (bench/checks.sh
 * builds one from the lab): evaluating the catalogue (load + evaluators +
 * baseline, read-only: nothing stored), the same with the run stored in
 * history, and each export (HTML too) written to /dev/null. Prints figures only.
 *   bench_checks INVENTORY [REPEATS] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "checks/checks.h"
#include "db/db.h"
#include "util/err.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static struct inv *open_inv(const char *path, bool ro)
{
	struct inv_open_opts o = { .path = path, .read_only = ro };
	struct ow_err e = { 0 };
	struct inv *db;

	if (inv_open(&o, &db, &e) != 0) {
		fprintf(stderr, "bench_checks: %s: %s\n", path, e.msg);
		exit(2);
	}
	return db;
}

/* One evaluation; returns seconds and leaves the run in *run. */
static double evaluate(const char *path, bool ro, struct chk_run *run)
{
	struct inv *db = open_inv(path, ro);
	struct ow_err e = { 0 };
	double t0 = now_s(), t;

	if (chk_evaluate(db, -1, (int64_t)time(NULL), run, &e) != 0) {
		fprintf(stderr, "bench_checks: evaluate: %s\n", e.msg);
		exit(2);
	}
	t = now_s() - t0;
	inv_close(db);
	return t;
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "text", "json", "sarif", "markdown", "html" };
	int repeats = argc > 2 ? atoi(argv[2]) : 3;
	struct chk_run run;
	FILE *null;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_checks INVENTORY [REPEATS]\n");
		return 2;
	}
	null = fopen("/dev/null", "w");
	if (!null)
		return 2;
	for (int i = 0; i < repeats; i++) {
		double ro = evaluate(argv[1], true, &run);
		size_t n = run.n;
		chk_run_free(&run);
		double rw = evaluate(argv[1], false, &run);
		printf("  run %d: %zu results; evaluate %.2f s; evaluate + store history %.2f s;", i + 1, n,
		       ro, rw);
		/* the HTML report reads the trend and decisions from the inventory */
		struct inv *hdb = open_inv(argv[1], true);
		for (size_t k = 0; k < 5; k++) {
			double t0 = now_s();
			int rc = k == 0 ? chk_write_text(null, &run, false, false)
			       : k == 1 ? chk_write_json(null, &run)
			       : k == 2 ? chk_write_sarif(null, &run)
			       : k == 3 ? chk_write_markdown(null, &run)
			                : chk_write_html(null, &run, hdb);
			printf(" %s %.2f s%s", names[k], now_s() - t0, rc ? " (failed)" : "");
		}
		printf("\n");
		inv_close(hdb);
		chk_run_free(&run);
	}
	fclose(null);
	return 0;
}
