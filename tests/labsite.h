/* For integration suites: a private directory with a password file and an
 * inventory, osdwarden-lab started on it, and `osdwarden sync` into it. */
#ifndef OW_TESTS_LABSITE_H
#define OW_TESTS_LABSITE_H

#include "labproc.h"

#define LS_PASSWORD "pw-for-tests"

struct labsite {
	char dir[256], db[300], pwfile[300], state[300], log[300];
};

/* Creates the directory (under $TMPDIR) and the password file. */
void labsite_init(struct labsite *ls, const char *name);
void labsite_free(struct labsite *ls);
/* Starts the lab (seed 1, --now 1780000000, basic auth with the password
 * file, requests logged to ls->log, appended across restarts) with extra
 * arguments (NULL-terminated, may be NULL). */
void labsite_start(struct labsite *ls, struct labproc *lp, const char *const *extra);
/* `osdwarden sync` from the lab into ls->db; the exit code. */
int labsite_sync(struct labsite *ls, const struct labproc *lp);
/* The origin (https://127.0.0.1:PORT) of a running lab. */
void labsite_origin(const struct labproc *lp, char *out, size_t n);

#endif
