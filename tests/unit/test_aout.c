/* util/aout: a report stream whose writes a second thread makes. The bytes
 * reach the descriptor as they were written, in order, whatever the sizes
 * of the writes; a write that fails is the stream's error at its close
 * (and at the writes after it), never lost, and nothing after it is
 * written. */
#include "support/testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "util/aout.h"

/* Byte i of the pattern: not periodic at any block size. */
static char pattern_at(size_t i)
{
	return (char)('a' + (i * 7 + i / 4099) % 26);
}

/* n bytes of the pattern through the stream, in writes of uneven sizes
 * (one byte, a few, more than a block), with fputc and fprintf among them. */
static int write_pattern(FILE *f, size_t n)
{
	static const size_t sizes[] = { 1, 3, 4095, 17, (size_t)3 << 20, 8192, 65537, 5 };
	char *chunk = malloc((size_t)3 << 20);
	size_t at = 0, k = 0;
	int rc = 0;

	assert_non_null(chunk);
	while (at < n && rc == 0) {
		size_t len = sizes[k++ % (sizeof sizes / sizeof sizes[0])];
		if (len > n - at)
			len = n - at;
		if (len == 1) {
			rc = fputc(pattern_at(at), f) == EOF;
		} else if (len == 3) {
			rc = fprintf(f, "%c%c%c", pattern_at(at), pattern_at(at + 1), pattern_at(at + 2)) != 3;
		} else {
			for (size_t i = 0; i < len; i++)
				chunk[i] = pattern_at(at + i);
			rc = fwrite(chunk, 1, len, f) != len;
		}
		at += len;
	}
	free(chunk);
	return rc;
}

/* A new file "report" in a new directory (*dir, *path: new strings), open
 * for writing. */
static int new_report(char **dir, char **path)
{
	int fd;

	*dir = tu_tmpdir();
	*path = tu_path(*dir, "report");
	fd = open(*path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	return fd;
}

static void done_with(char *dir, char *path, char *got)
{
	free(got);
	free(path);
	tu_rmtree(dir);
	free(dir);
}

static void test_the_bytes_arrive_whole_and_in_order(void **state)
{
	char *dir, *path, *got;
	/* many blocks, and a last one that is not full */
	const size_t n = ((size_t)23 << 20) + 12345;
	size_t len = 0;
	int fd = new_report(&dir, &path);
	FILE *f;

	(void)state;
	assert_non_null(f = aout_open(fd));
	assert_int_equal(write_pattern(f, n), 0);
	assert_int_equal(fclose(f), 0);
	/* the descriptor is the caller's, still open */
	assert_int_equal(write(fd, "!", 1), 1);
	assert_int_equal(close(fd), 0);
	got = tu_read_file(path, &len);
	assert_non_null(got);
	assert_int_equal(len, n + 1);
	for (size_t i = 0; i < n; i++)
		if (got[i] != pattern_at(i))
			fail_msg("byte %zu is '%c', not '%c'", i, got[i], pattern_at(i));
	assert_int_equal(got[n], '!');
	done_with(dir, path, got);
}

/* Nothing written at all is an empty file, not an error. */
static void test_an_empty_report_is_an_empty_file(void **state)
{
	char *dir, *path, *got;
	size_t len = 99;
	int fd = new_report(&dir, &path);
	FILE *f;

	(void)state;
	assert_non_null(f = aout_open(fd));
	assert_int_equal(fclose(f), 0);
	close(fd);
	got = tu_read_file(path, &len);
	assert_non_null(got);
	assert_int_equal(len, 0);
	done_with(dir, path, got);
}

/* A full disk: the close says so, with the write's own errno. */
static void test_a_full_disk_is_the_close_error(void **state)
{
	int fd = open("/dev/full", O_WRONLY);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	assert_non_null(f = aout_open(fd));
	/* less than a block: only the close hands it to the thread */
	assert_int_equal(fputs("short", f) >= 0, 1);
	errno = 0;
	assert_int_equal(fclose(f), EOF);
	assert_int_equal(errno, ENOSPC);
	assert_non_null(f = aout_open(fd));
	/* more than a block: the writes after the failed one fail too */
	int failed = write_pattern(f, (size_t)40 << 20);
	errno = 0;
	assert_int_equal(fclose(f), EOF);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(failed, 1);
	close(fd);
}

/* A file that may not grow past 1 MiB + 10 bytes: the write that crosses
 * it fails, and nothing written later reaches the file, even once it may
 * grow again (the file holds only a prefix of what was written, never a
 * piece from further on). */
static void test_nothing_is_written_after_a_failed_write(void **state)
{
	char *dir, *path, *got;
	struct rlimit old, small = { ((size_t)1 << 20) + 10, RLIM_INFINITY };
	size_t len = 0;
	int fd = new_report(&dir, &path), saved;
	FILE *f;

	(void)state;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	assert_non_null(f = aout_open(fd));
	int failed = write_pattern(f, (size_t)9 << 20);
	/* The file may grow again: what the stream still holds, and what is
	 * written now, would land after the gap if it were written. */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	fputs("written after the failure", f);
	errno = 0;
	int rc = fclose(f);
	saved = errno;
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(rc, EOF);
	assert_int_equal(saved, EFBIG);
	assert_int_equal(failed, 1);
	close(fd);
	got = tu_read_file(path, &len);
	assert_non_null(got);
	assert_true(len <= ((size_t)1 << 20) + 10);
	for (size_t i = 0; i < len; i++)
		if (got[i] != pattern_at(i))
			fail_msg("byte %zu of %zu is '%c', not '%c': a later block was written", i, len,
			         got[i], pattern_at(i));
	done_with(dir, path, got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_bytes_arrive_whole_and_in_order),
		cmocka_unit_test(test_an_empty_report_is_an_empty_file),
		cmocka_unit_test(test_a_full_disk_is_the_close_error),
		cmocka_unit_test(test_nothing_is_written_after_a_failed_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
