/* The inventory's store on disk: osdwarden never follows a symbolic link
 * to its store directory or inventory file, so it never chmods or writes
 * a target someone else chose (as root, a store linked to /tmp would have
 * made /tmp 0700). */
#include "support/testutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/db.h"
#include "util/fsutil.h"

struct fx {
	char *dir;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	f->dir = tu_tmpdir();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	unsetenv("XDG_DATA_HOME");
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static unsigned mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static int open_fails(const char *path, bool ro, struct ow_err *e)
{
	struct inv_open_opts o = { .path = path, .read_only = ro };
	struct inv *db = NULL;
	int rc = inv_open(&o, &db, e);

	assert_null(db);
	return rc;
}

/* $XDG_DATA_HOME/osdwarden linked to a shared, world-writable directory
 * (the /tmp case): refused, and the target keeps its mode and contents. */
static void test_symlinked_default_store_directory_is_refused_and_left_alone(void **state)
{
	struct fx *f = *state;
	char *xdg = tu_path(f->dir, "xdg"), *store = tu_path(xdg, "osdwarden");
	char *shared = tu_path(f->dir, "shared-tmp"), *planted = tu_path(shared, "inventory.db");
	struct inv_open_opts o = { 0 };
	struct ow_err e = { 0 };
	struct inv *db = NULL;

	(void)state;
	assert_int_equal(mkdir(xdg, 0755), 0);
	assert_int_equal(mkdir(shared, 0755), 0);
	assert_int_equal(chmod(shared, 01777), 0);
	assert_int_equal(symlink(shared, store), 0);
	setenv("XDG_DATA_HOME", xdg, 1);
	assert_int_equal(inv_open(&o, &db, &e), OW_EINPUT);
	assert_null(db);
	if (!strstr(e.msg, "is a symbolic link"))
		fail_msg("unexpected message: %s", e.msg);
	assert_int_equal(mode_of(shared), 01777);
	assert_false(access(planted, F_OK) == 0);
	/* A link to a directory osdwarden would otherwise tighten: the same. */
	assert_int_equal(chmod(shared, 0755), 0);
	assert_int_equal(inv_open(&o, &db, &e), OW_EINPUT);
	assert_int_equal(mode_of(shared), 0755);
	assert_false(access(planted, F_OK) == 0);
	free(xdg);
	free(store);
	free(shared);
	free(planted);
}

/* --db naming a symlink to someone's file: refused in read-write and
 * read-only mode, the file keeps its mode and bytes; a dangling link
 * creates nothing at its target. */
static void test_symlinked_inventory_file_is_refused_and_its_target_untouched(void **state)
{
	struct fx *f = *state;
	char *target = tu_path(f->dir, "notes.txt"), *lnk = tu_path(f->dir, "inv.db");
	char *missing = tu_path(f->dir, "nowhere.db"), *dangling = tu_path(f->dir, "dangling.db");
	struct ow_err e = { 0 };
	char *after;

	(void)state;
	assert_int_equal(tu_write_file(target, "my notes\n", 9), 0);
	assert_int_equal(chmod(target, 0644), 0);
	assert_int_equal(symlink(target, lnk), 0);
	assert_int_equal(open_fails(lnk, false, &e), OW_EINPUT);
	if (!strstr(e.msg, "is a symbolic link"))
		fail_msg("unexpected message: %s", e.msg);
	assert_int_equal(mode_of(target), 0644);
	memset(&e, 0, sizeof e);
	assert_int_equal(open_fails(lnk, true, &e), OW_EINPUT);
	if (!strstr(e.msg, "is a symbolic link"))
		fail_msg("unexpected read-only message: %s", e.msg);
	after = tu_read_file(target, NULL);
	assert_string_equal(after, "my notes\n");
	free(after);
	assert_int_equal(symlink(missing, dangling), 0);
	memset(&e, 0, sizeof e);
	assert_int_equal(open_fails(dangling, false, &e), OW_EINPUT);
	assert_false(access(missing, F_OK) == 0);
	free(target);
	free(lnk);
	free(missing);
	free(dangling);
}

/* The helpers themselves: a directory link is refused, parents may be
 * links, and a file that is not this user's is never chmod'ed. */
static void test_private_dir_refuses_a_linked_last_component_only(void **state)
{
	struct fx *f = *state;
	char *real = tu_path(f->dir, "real"), *via = tu_path(f->dir, "via");
	char *inside = tu_path(f->dir, "via/store"), *linked = tu_path(f->dir, "via/linked");
	char *slash = tu_path(f->dir, "via/linked/");
	struct ow_err e = { 0 };

	(void)state;
	assert_int_equal(mkdir(real, 0755), 0);
	assert_int_equal(symlink(real, via), 0);
	/* a parent that is a link is followed */
	assert_int_equal(fs_private_dir(inside, true, &e), 0);
	assert_int_equal(mode_of(inside), 0700);
	assert_int_equal(mode_of(real), 0755);
	/* the last component as a link is not, with or without a trailing slash */
	assert_int_equal(symlink(real, linked), 0);
	assert_int_equal(fs_private_dir(linked, true, &e), OW_EINPUT);
	assert_int_equal(fs_private_dir(slash, false, &e), OW_EINPUT);
	assert_int_equal(mode_of(real), 0755);
	free(real);
	free(via);
	free(inside);
	free(linked);
	free(slash);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_symlinked_default_store_directory_is_refused_and_left_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinked_inventory_file_is_refused_and_its_target_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_private_dir_refuses_a_linked_last_component_only, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
