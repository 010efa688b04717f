/* For integration suites: a private directory with a password file and an
 * inventory, osdwarden-lab started on it, and `osdwarden sync` into it. */
#ifndef OW_TESTS_LABSITE_H
#define OW_TESTS_LABSITE_H

#include "labproc.h"

#define LS_PASSWORD "pw-for-tests"

struct labsite {
	char dir[256], db[300], pwfile[300], state[300], log[300];
	char keytab[300];    /* set by labsite_negotiate: the lab takes Kerberos */
};

/* Creates the directory (under $TMPDIR) and the password file. */
void labsite_init(struct labsite *ls, const char *name);
void labsite_free(struct labsite *ls);
/* Starts the lab (seed 1, --now 1780000000, basic auth with the password
 * file or Negotiate after labsite_negotiate, requests logged to ls->log,
 * appended across restarts) with extra arguments (NULL-terminated, may be
 * NULL). */
void labsite_start(struct labsite *ls, struct labproc *lp, const char *const *extra);
/* From now on the lab authenticates with Negotiate against keytab (a
 * krbrealm's HTTP/localhost key) and labsite_sync uses the ticket in
 * $KRB5CCNAME; without this call the lab takes Basic (the lab-only path). */
void labsite_negotiate(struct labsite *ls, const char *keytab);
/* The whole fixture of a suite's setup: labsite_init(name), labsite_start
 * (no extra arguments) and labsite_sync; the sync's exit code. labsite_down
 * stops the lab and removes the directory. */
int labsite_up(struct labsite *ls, struct labproc *lp, const char *name);
void labsite_down(struct labsite *ls, struct labproc *lp);
/* For suites that only read the inventory: labsite_up, then the lab is
 * stopped; 0, or -1 (said on stderr) when the sync failed. A group setup
 * returns it as is; the teardown is labsite_free. */
int labsite_synced(struct labsite *ls, const char *name);
/* A copy of ls->db at path with one check run stored in it (`osdwarden
 * check`, whatever it finds): for screens that show stored findings.
 * 0, or -1 (said on stderr). */
int labsite_checked_copy(const struct labsite *ls, const char *path);
/* `osdwarden sync` from the lab into ls->db; the exit code. */
int labsite_sync(struct labsite *ls, const struct labproc *lp);
/* Requests in the lab's log (ls->log): all of them, and the writes (every
 * request that is not a GET). */
int labsite_requests_logged(const struct labsite *ls);
int labsite_writes_logged(const struct labsite *ls);
/* The first column of the first row of sql on ls->db, as text ("" when
 * none), read with SQLite itself. */
void labsite_sql_text(const struct labsite *ls, const char *sql, char *out, size_t n);
/* The origin (https://127.0.0.1:PORT, https://localhost:PORT under
 * Negotiate) of a running lab. */
void labsite_origin(const struct labproc *lp, char *out, size_t n);

#endif
