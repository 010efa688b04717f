/* Secrets (passwords, tokens) in memory: where they may come from, and
 * wiping them. They never come from argv and are never written anywhere. */
#ifndef OW_UTIL_SECRET_H
#define OW_UTIL_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* Overwrites s (if any) with zeros in a way the compiler keeps, then frees. */
void secret_free(char *s);
void secret_wipe(void *p, size_t n);

/* The first line of a file that only its owner can read (0600 or
 * stricter; a looser file is refused with the chmod that fixes it).
 * New string: secret_free it. NULL with err set. */
char *secret_from_file(const char *path, struct ow_err *err);

/* Asks on /dev/tty without echo. New string: secret_free it. NULL (err
 * set) when there is no terminal: a script must use the environment or a
 * file instead. */
char *secret_prompt(const char *prompt, struct ow_err *err);

/* A copy of the environment variable (new string: secret_free it), or
 * NULL if unset/empty. The variable itself is left as it is (the caller
 * may unsetenv). */
char *secret_from_env(const char *name);

/* Whether a variable looks like it holds a secret, judged in memory from
 * its name and value; only the verdict is ever kept. */
bool secret_suspect(const char *name, const char *value);

#endif
