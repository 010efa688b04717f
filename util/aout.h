/* A stream whose writes a second thread makes, so that writing a big
 * report overlaps with making it: a SARIF report at lab scale 1000 is
 * 163 MB, and the kernel's copy of it into the page cache was a fifth of
 * the command's time, on a core otherwise idle.
 *
 * What is written is gathered in blocks of AOUT_BLOCK bytes; a full block
 * goes to the thread, which writes it to the descriptor while the next one
 * fills (two blocks: the memory does not grow with the report). The bytes
 * reach the descriptor whole and in order. The first write that fails is
 * the stream's error: the writes after it fail, nothing more reaches the
 * descriptor (no gap in the middle of a report), and fclose returns EOF
 * with errno set to the write's own (ENOSPC, EPIPE, ...). */
#ifndef OW_UTIL_AOUT_H
#define OW_UTIL_AOUT_H

#include <stdio.h>

#define AOUT_BLOCK ((size_t)1 << 20)

/* A stream onto fd, closed with fclose, which waits until everything
 * written has been written to fd (or failed). fd stays the caller's: it is
 * not closed, nor written to by anyone else until then. NULL, with errno
 * set, when out of memory or when no thread could start. */
FILE *aout_open(int fd);

#endif
