/* Secrets leave no copy behind in freed memory. Every free() in the
 * process (libc's own included, e.g. a stdio buffer freed by fclose) is
 * watched for the password while the reader runs. Without a sanitizer,
 * free is interposed (glibc routes its internal frees through the
 * program's free); under ASan its free hook does the same. */
#include "support/testutil.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/buf.h"
#include "util/secret.h"

#if defined(__SANITIZE_ADDRESS__)
#define OW_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OW_ASAN 1
#endif
#endif

static const char *const *g_watch;   /* NULL-terminated strings to look for */
static int g_found;

static int holds(const volatile unsigned char *p, size_t n, const char *s)
{
	size_t m = strlen(s);

	for (size_t i = 0; i + m <= n; i++) {
		size_t k = 0;
		while (k < m && p[i + k] == (unsigned char)s[k])
			k++;
		if (k == m)
			return 1;
	}
	return 0;
}

static void look(const volatile void *p, size_t n)
{
	if (!p || !g_watch)
		return;
	for (const char *const *w = g_watch; *w; w++)
		g_found += holds(p, n, *w);
}

#ifdef OW_ASAN
/* From ASan's allocator interface (its header is not always installed). */
int __sanitizer_install_malloc_and_free_hooks(void (*m)(const volatile void *, size_t),
                                              void (*f)(const volatile void *));
size_t __sanitizer_get_allocated_size(const volatile void *p);
static void on_free(const volatile void *p)
{
	look(p, __sanitizer_get_allocated_size(p));
}
static void on_malloc(const volatile void *p, size_t n)
{
	(void)p;
	(void)n;
}
static void start_watching(void)
{
	__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}
#else
void __libc_free(void *p);
void free(void *p)
{
	if (p)
		look(p, malloc_usable_size(p));
	__libc_free(p);
}
static void start_watching(void)
{
}
#endif

static char *g_dir, *g_file;

static int setup(void **state)
{
	static const char text[] = "Canary-Pw-7f3a9e\nsecond-line-4b1d\n";

	(void)state;
	start_watching();
	g_dir = tu_tmpdir();
	g_file = tu_path(g_dir, "pw");
	assert_int_equal(tu_write_file(g_file, text, sizeof text - 1), 0);
	assert_int_equal(chmod(g_file, 0600), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(g_dir);
	free(g_dir);
	free(g_file);
	return 0;
}

static const char *const canaries[] = { "Canary-Pw-7f3a9e", "second-line-4b1d", NULL };

/* The watcher can fail: a stdio read of the same file leaves the
 * password in the buffer fclose frees (what the reader used to do). */
static void test_the_watcher_sees_a_stdio_buffer_freed_unwiped(void **state)
{
	char line[64];
	FILE *f;

	(void)state;
	g_found = 0;
	g_watch = canaries;
	f = fopen(g_file, "r");
	if (f && fgets(line, sizeof line, f))
		secret_wipe(line, sizeof line);
	if (f)
		fclose(f);
	g_watch = NULL;
	assert_non_null(f);
	assert_true(g_found > 0);
}

static void test_password_file_reader_leaves_no_copy_in_freed_memory(void **state)
{
	char *s;
	int same;

	(void)state;
	g_found = 0;
	g_watch = canaries;
	s = secret_from_file(g_file, NULL);
	same = s && strcmp(s, "Canary-Pw-7f3a9e") == 0;
	secret_free(s);
	g_watch = NULL;
	assert_true(same);
	if (g_found)
		fail_msg("the password was in %d freed block(s)", g_found);
}

/* A buffer marked wipe (what backend/http gives every answer) leaves
 * nothing in freed memory as it grows or when it is released; an unmarked
 * one is the control that the watcher sees realloc's leftovers. */
static void grow_and_free(bool wipe)
{
	struct buf b = BUF_INIT;

	b.wipe = wipe;
	buf_adds(&b, "{\"Props\":[{\"PropertyName\":\"PXEPassword\",\"Value1\":\"");
	buf_adds(&b, canaries[0]);
	for (int i = 0; i < 2000; i++)   /* many doublings: each one moves the block */
		buf_adds(&b, "\"},{\"PropertyName\":\"Other\",\"Value1\":\"x");
	buf_reset(&b);
	buf_adds(&b, canaries[1]);
	buf_free(&b);
}

static void test_a_wiping_buffer_leaves_no_copy_as_it_grows_or_is_freed(void **state)
{
	(void)state;
	g_found = 0;
	g_watch = canaries;
	grow_and_free(false);
	g_watch = NULL;
	assert_true(g_found > 0);   /* the watcher sees an unwiped buffer */
	g_found = 0;
	g_watch = canaries;
	grow_and_free(true);
	g_watch = NULL;
	if (g_found)
		fail_msg("a wiping buffer left the secret in %d freed block(s)", g_found);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_watcher_sees_a_stdio_buffer_freed_unwiped),
		cmocka_unit_test(test_password_file_reader_leaves_no_copy_in_freed_memory),
		cmocka_unit_test(test_a_wiping_buffer_leaves_no_copy_as_it_grows_or_is_freed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
