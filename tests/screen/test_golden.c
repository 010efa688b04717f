/* Golden screens (DESIGN §9, as tig's tests do): the console in script mode
 * draws each canonical screen at 80x24 without colour, and the saved text is
 * compared WHOLE with tests/screen/golden/NAME.txt. One character off and the
 * test fails, printing the rows that differ.
 *
 * After an intended change of the look, regenerate them with one command and
 * review the diff like code:
 *     scripts/golden.sh [BUILD_DIR]        (make golden does the same)
 * It runs this suite with OW_GOLDEN_UPDATE=1, which writes the screens into
 * the tree instead of comparing them, then shows what changed.
 *
 * What keeps the screens the same on every machine and every day: the lab's
 * data (seed 1, --now 1780000000: tests/support/labsite.c) and osdwarden's clock
 * (OSDWARDEN_NOW, the same moment) are fixed, colour is off (--no-color and
 * NO_COLOR), the locale is C.UTF-8 and the terminal 80x24. Nothing on these
 * screens shows a port, a temporary path or a duration, so nothing is masked
 * but the sync screen's rates and times (mask_timings);
 * the audit log is left out because it shows the operator's login name and
 * the digest of a random audit key. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "support/labsite.h"
#include "support/testutil.h"
#include "support/tuirun.h"

/* The lab's --now (support/labsite.c), given to osdwarden as its clock. */
#define GOLDEN_NOW "1780000000"

static struct labsite g_ls;
static struct labproc g_lab;

/* Each golden screen: the keys from the start (the dashboard) to it. Every
 * view of the console's registry has one named after it (see
 * test_every_view_has_a_golden_screen), except those in unstable[]. */
static const struct golden {
	const char *name, *keys;
} screens[] = {
	{ "dash", "" },
	{ "dp", ":dp\n" },
	{ "smp", ":smp\n" },
	{ "media", ":media\n" },
	{ "cert", ":cert\n" },
	{ "assoc", ":assoc\n" },
	{ "ts", ":ts\n" },
	{ "accounts", ":accounts\n" },
	{ "sites", ":sites\n" },
	{ "checks", ":checks\n" },
	{ "privacy", ":privacy\n" },
	{ "tasks", ":tasks\n" },
	{ "help", ":help\n" },
	{ "cert-filtered", ":cert\n/PXE<Enter>\n" },
	{ "dp-detail", ":dp\n/PXE01<Enter>\n<Enter>\n" },
	{ "check-explained", ":checks\n/PXE-004<Enter>\n<Enter>\n" },
	{ "actions-menu", ":cert\nx\n" },
	/* a destructive single action: the dialog that defaults to No (the
	 * script ends inside it, so nothing is sent) */
	{ "delete-confirm", ":assoc\nD\n" },
	{ "restore-only-confirm", ":smp\n/SMP02<Enter>\nR\n" },
};

/* Every list again on an inventory with a stored check run (its STATE
 * column then shows findings), at 80x24 and at 120x40 where wider
 * terminals gain columns. Each is drawn twice, monochrome and with the
 * colour theme, and both must match the one file: the saved display is
 * text, and meaning never rests on colour (script mode draws no colour
 * pairs, so what colour adds is not in any file). */
static const struct golden_sized {
	const char *name, *size, *keys;
} checked_lists[] = {
	{ "dp-checked", "80x24", ":dp\n" },
	{ "smp-checked", "80x24", ":smp\n" },
	{ "media-checked", "80x24", ":media\n" },
	{ "cert-checked", "80x24", ":cert\n" },
	{ "assoc-checked", "80x24", ":assoc\n" },
	{ "ts-checked", "80x24", ":ts\n" },
	{ "accounts-checked", "80x24", ":accounts\n" },
	{ "sites-checked", "80x24", ":sites\n" },
	{ "dp-120x40", "120x40", ":dp\n" },
	{ "smp-120x40", "120x40", ":smp\n" },
	{ "media-120x40", "120x40", ":media\n" },
	{ "cert-120x40", "120x40", ":cert\n" },
	{ "assoc-120x40", "120x40", ":assoc\n" },
	{ "ts-120x40", "120x40", ":ts\n" },
	{ "accounts-120x40", "120x40", ":accounts\n" },
	{ "sites-120x40", "120x40", ":sites\n" },
	{ "dp-detail-checked", "80x24", ":dp\n/PXE01<Enter>\n<Enter>\n" },
	{ "assoc-detail-checked", "80x24", ":assoc\n/WS000002<Enter>\n<Enter>\n" },
	/* type-to-confirm: blocking an orphaned PXE certificate shows its
	 * impact, with the findings the block closes (the script ends inside
	 * the dialog, so nothing is sent) */
	{ "block-confirm", "80x24", ":cert\n/OLDPXE09<Enter>\nB\n" },
};
#define NCHECKED (sizeof checked_lists / sizeof checked_lists[0])
/* the lab's inventory with one check run stored (setup_all) */
static char g_checked_db[400];

/* Views without a golden screen, and why. */
static const char *const unstable[] = {
	"audit",   /* the operator's login name, the digest of a random audit key */
};

static int setup_all(void **state)
{
	(void)state;
	setenv("OSDWARDEN_NOW", GOLDEN_NOW, 1);
	setenv("NO_COLOR", "1", 1);
	if (labsite_up(&g_ls, &g_lab, "golden") != 0)
		return -1;
	snprintf(g_checked_db, sizeof g_checked_db, "%s/checked.db", g_ls.dir);
	return labsite_checked_copy(&g_ls, g_checked_db);
}

static int teardown_all(void **state)
{
	(void)state;
	labsite_down(&g_ls, &g_lab);
	return 0;
}

static const char *golden_dir(void)
{
	const char *d = getenv("OW_GOLDEN_DIR");
	if (!d || !*d)
		fail_msg("OW_GOLDEN_DIR is not set: run this suite through meson test");
	return d;
}

static bool updating(void)
{
	const char *u = getenv("OW_GOLDEN_UPDATE");
	return u && strcmp(u, "1") == 0;
}

/* Row y of a screen (new string; NULL past its last row). */
static char *row(const char *s, int y)
{
	for (int i = 0; i < y; i++) {
		s = strchr(s, '\n');
		if (!s)
			return NULL;
		s++;
	}
	if (!*s)
		return NULL;
	return strndup(s, strcspn(s, "\n"));
}

/* Prints, as TAP comments, each row where got differs from want. */
static void print_diff(const char *name, const char *want, const char *got)
{
	printf("# %s: the screen differs from golden/%s.txt (- golden, + screen; rows from 0):\n",
	       name, name);
	for (int y = 0;; y++) {
		char *w = row(want, y), *g = row(got, y);
		if (!w && !g)
			break;
		if (!w || !g || strcmp(w, g) != 0) {
			printf("# row %2d -|%s|\n", y, w ? w : "(none)");
			printf("# row %2d +|%s|\n", y, g ? g : "(none)");
		}
		free(w);
		free(g);
	}
	if (strcmp(want, got) != 0 && strlen(want) != strlen(got))
		printf("# (lengths %zu and %zu bytes)\n", strlen(want), strlen(got));
}

/* Keeps the screen as drawn next to the build, for diff -u and review. */
static void keep_actual(const char *name, const char *got)
{
	const char *build = getenv("OW_BUILD_DIR");
	char dir[400], path[500];

	snprintf(dir, sizeof dir, "%s/golden-actual", build ? build : ".");
	mkdir(dir, 0700);
	snprintf(path, sizeof path, "%s/%s.txt", dir, name);
	if (tu_write_file(path, got, strlen(got)) == 0)
		printf("# the screen as drawn: %s\n", path);
}

/* Compares a drawn screen whole with golden/NAME.txt, or writes that file
 * when updating. Takes got. Returns whether it matched. */
static bool matches_golden(const char *name, char *got)
{
	char path[500];
	char *want;
	bool same;

	snprintf(path, sizeof path, "%s/%s.txt", golden_dir(), name);
	if (updating()) {
		assert_int_equal(tu_write_file(path, got, strlen(got)), 0);
		printf("# wrote %s\n", path);
		free(got);
		return true;
	}
	want = tu_read_file(path, NULL);
	if (!want)
		printf("# %s: no golden screen %s; make it with scripts/golden.sh BUILD_DIR\n", name,
		       path);
	same = want && strcmp(want, got) == 0;
	if (want && !same)
		print_diff(name, want, got);
	if (!same)
		keep_actual(name, got);
	free(want);
	free(got);
	return same;
}

/* Runs the console on keys at size (NULL: 80x24), colour off or (colour)
 * on, and returns the screen it saved as name (new string). */
static char *draw_sized(const char *db, const char *size, bool colour, const char *keys,
                        const char *name)
{
	char script[600];
	int rc;

	snprintf(script, sizeof script, "%s:save-display %s/%s\n", keys, g_ls.dir, name);
	if (colour)
		unsetenv("NO_COLOR");
	rc = tuirun_script(&(struct tuirun){ .dir = g_ls.dir, .db = db, .size = size,
	                                     .global = colour ? NULL : "--no-color" }, script);
	setenv("NO_COLOR", "1", 1);
	if (rc != 0)
		fail_msg("%s: the console exited with an error on the keys\n%s", name, script);
	return tuirun_screen(g_ls.dir, name);
}

static char *draw(const char *db, const char *keys, const char *name)
{
	return draw_sized(db, NULL, false, keys, name);
}

/* The lists with a stored run, at both sizes, mono then colour. */
static void test_the_checked_lists_match_their_golden_files(void **state)
{
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < NCHECKED; i++) {
		const struct golden_sized *g = &checked_lists[i];
		bad += !matches_golden(g->name, draw_sized(g_checked_db, g->size, false, g->keys, g->name));
		if (!updating())
			bad += !matches_golden(g->name, draw_sized(g_checked_db, g->size, true, g->keys,
			                                           g->name));
	}
	if (bad)
		fail_msg("%d screens of the checked lists differ from tests/screen/golden; if the change "
		         "is intended, run scripts/golden.sh BUILD_DIR and review the diff", bad);
}

/* Every screen of the table, each compared whole; all are drawn before the
 * test fails, so one run shows every difference. */
static void test_the_canonical_screens_match_their_golden_files(void **state)
{
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof screens / sizeof screens[0]; i++)
		bad += !matches_golden(screens[i].name, draw(g_ls.db, screens[i].keys, screens[i].name));
	if (bad)
		fail_msg("%d of %zu screens differ from tests/screen/golden; if the change is "
		         "intended, run scripts/golden.sh BUILD_DIR and review the diff", bad,
		         sizeof screens / sizeof screens[0]);
}

/* The sync screen's rates and times ("12345/s", "0.3 s") vary from run
 * to run: each such number, with the spaces that pad its column, becomes
 * '#'s of the same length. Its columns are fixed, so the rest of the
 * screen, the row counts and the bars included, is compared as drawn. */
static char *mask_timings(char *s)
{
	for (char *p = s; *p; p++) {
		char *end = p;
		bool digit = false;
		if (!(*p >= '0' && *p <= '9') || (p > s && (p[-1] == '.' || (p[-1] >= '0' && p[-1] <= '9'))))
			continue;
		for (; (*end >= '0' && *end <= '9') || *end == '.'; end++)
			digit = true;
		if (!digit || !(strncmp(end, "/s", 2) == 0 ||
		                (strncmp(end, " s", 2) == 0 && (end[2] == ' ' || end[2] == '\n' || !end[2]))))
			continue;
		for (char *q = p; q > s && q[-1] == ' '; q--)
			q[-1] = '#';
		memset(p, '#', (size_t)(end - p));
		p = end - 1;
	}
	return s;
}

/* The sync screen: r on an inventory of its own, its last frame kept by
 * OSDWARDEN_TUI_PROGRESS (script mode only): a full bar per class, the
 * rates and times masked (mask_timings). */
static void test_the_sync_screen_matches_its_golden_file(void **state)
{
	struct labsite own = g_ls;
	char progress[400];
	char *after;

	(void)state;
	snprintf(own.db, sizeof own.db, "%s/sync.db", g_ls.dir);
	assert_int_equal(labsite_sync(&own, &g_lab), 0);
	snprintf(progress, sizeof progress, "%s/sync-progress", g_ls.dir);
	setenv("OSDWARDEN_TUI_PROGRESS", progress, 1);
	after = draw(own.db, "r\n", "after-sync");
	unsetenv("OSDWARDEN_TUI_PROGRESS");
	free(after);
	if (!matches_golden("sync-progress", mask_timings(tuirun_screen(g_ls.dir, "sync-progress"))))
		fail_msg("the sync screen differs from tests/screen/golden/sync-progress.txt; if the "
		         "change is intended, run scripts/golden.sh BUILD_DIR and review the diff");
}

/* The views of the console's registry, as --view with an unknown name lists
 * them: each has a golden screen, or is named in unstable[] with a reason. */
static void test_every_view_has_a_golden_screen(void **state)
{
	char path[400];
	char *err, *list, *tok, *save = NULL;
	int views = 0;

	(void)state;
	assert_int_equal(tuirun_script(&(struct tuirun){ .dir = g_ls.dir, .db = g_ls.db,
	                                                 .view = "no-such-view" }, "Q\n"), 2);
	snprintf(path, sizeof path, "%s/stderr", g_ls.dir);
	err = tu_read_file(path, NULL);
	assert_non_null(err);
	list = strstr(err, "try ");
	if (!list)
		fail_msg("--view no-such-view did not list the views: %s", err);
	list[strcspn(list, "\n")] = '\0';
	for (tok = strtok_r(list + 4, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		bool found = false;
		for (size_t i = 0; i < sizeof screens / sizeof screens[0]; i++)
			found |= strcmp(screens[i].name, tok) == 0;
		for (size_t i = 0; i < sizeof unstable / sizeof unstable[0]; i++)
			found |= strcmp(unstable[i], tok) == 0;
		if (!found)
			fail_msg("the view '%s' has no golden screen: add a row to screens[] in %s and "
			         "run scripts/golden.sh BUILD_DIR", tok, __FILE__);
		views++;
	}
	assert_true(views >= 10);
	free(err);
}

/* Whether the file called file (n bytes) is the golden screen name. */
static bool is_file_of(const char *file, size_t n, const char *name)
{
	return n == strlen(name) + 4 && strncmp(file, name, n - 4) == 0 &&
	       strcmp(file + n - 4, ".txt") == 0;
}

/* Every file in tests/screen/golden is a screen of this suite: a screen
 * dropped from the table does not leave a file nobody compares. */
static void test_no_golden_file_is_left_over(void **state)
{
	DIR *d = opendir(golden_dir());
	struct dirent *de;
	int files = 0;

	(void)state;
	if (!d)
		fail_msg("cannot read %s", golden_dir());
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		bool known = strcmp(de->d_name, "sync-progress.txt") == 0;
		if (de->d_name[0] == '.')
			continue;
		for (size_t i = 0; i < sizeof screens / sizeof screens[0]; i++)
			known |= is_file_of(de->d_name, n, screens[i].name);
		for (size_t i = 0; i < NCHECKED; i++)
			known |= is_file_of(de->d_name, n, checked_lists[i].name);
		if (!known)
			fail_msg("%s/%s is no screen of this suite: delete it, or add its row to screens[]",
			         golden_dir(), de->d_name);
		files++;
	}
	closedir(d);
	assert_int_equal(files, (int)(sizeof screens / sizeof screens[0] + NCHECKED) + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_canonical_screens_match_their_golden_files),
		cmocka_unit_test(test_the_checked_lists_match_their_golden_files),
		cmocka_unit_test(test_the_sync_screen_matches_its_golden_file),
		cmocka_unit_test(test_every_view_has_a_golden_screen),
		cmocka_unit_test(test_no_golden_file_is_left_over),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
