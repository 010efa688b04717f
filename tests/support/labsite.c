#define _POSIX_C_SOURCE 200809L
#include "labsite.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "testutil.h"

void labsite_init(struct labsite *ls, const char *name)
{
	const char *base = getenv("TMPDIR");
	FILE *f;

	snprintf(ls->dir, sizeof ls->dir, "%s/osdwarden-%s-XXXXXX", base && *base ? base : "/tmp",
	         name);
	assert_non_null(mkdtemp(ls->dir));
	ls->keytab[0] = '\0';
	snprintf(ls->db, sizeof ls->db, "%s/inv.db", ls->dir);
	snprintf(ls->pwfile, sizeof ls->pwfile, "%s/pw", ls->dir);
	snprintf(ls->state, sizeof ls->state, "%s/lab-state.json", ls->dir);
	snprintf(ls->log, sizeof ls->log, "%s/lab-requests.log", ls->dir);
	f = fopen(ls->pwfile, "w");
	assert_non_null(f);
	fputs(LS_PASSWORD "\n", f);
	fclose(f);
}

void labsite_free(struct labsite *ls)
{
	tu_rmtree(ls->dir);
}

void labsite_start(struct labsite *ls, struct labproc *lp, const char *const *extra)
{
	const char *args[28] = { "--password-file", ls->pwfile, "--now", "1780000000", "--seed", "1",
	                         "--log", ls->log };
	int n = 8;

	if (ls->keytab[0]) {
		args[n++] = "--auth";
		args[n++] = "negotiate";
		args[n++] = "--keytab";
		args[n++] = ls->keytab;
	}
	for (; extra && *extra && n < 27; extra++)
		args[n++] = *extra;
	args[n] = NULL;
	labproc_start(lp, args);
}

int labsite_requests_logged(const struct labsite *ls)
{
	char *log = tu_read_file(ls->log, NULL);
	int n = 0;

	for (const char *p = log; p && (p = strchr(p, '\n')); p++)
		n++;
	free(log);
	return n;
}

int labsite_writes_logged(const struct labsite *ls)
{
	char *log = tu_read_file(ls->log, NULL);
	int n = 0;

	for (const char *p = log; p && (p = strstr(p, "\"method\":\"")); p += 10)
		n += strncmp(p + 10, "GET\"", 4) != 0;
	free(log);
	return n;
}

void labsite_sql_text(const struct labsite *ls, const char *sql, char *out, size_t n)
{
	sqlite3 *s;
	sqlite3_stmt *st;

	out[0] = '\0';
	assert_int_equal(sqlite3_open_v2(ls->db, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(s);
}

void labsite_origin(const struct labproc *lp, char *out, size_t n)
{
	snprintf(out, n, "%.*s", (int)(strlen(lp->url) - strlen("/AdminService/")), lp->url);
}

void labsite_negotiate(struct labsite *ls, const char *keytab)
{
	snprintf(ls->keytab, sizeof ls->keytab, "%s", keytab);
}

int labsite_checked_copy(const struct labsite *ls, const char *path)
{
	struct tu_run r;
	size_t len;
	char *data = tu_read_file(ls->db, &len);

	if (!data || tu_write_file(path, data, len) != 0) {
		fprintf(stderr, "# cannot copy %s to %s\n", ls->db, path);
		free(data);
		return -1;
	}
	free(data);
	/* check exits non-zero when something fails (the lab fails plenty):
	 * the stored run is what counts */
	r = tu_cli(path, (const char *const[]){ "check", "--format", "json", NULL });
	tu_run_free(&r);
	if (tu_sql_int(path, "SELECT count(*) FROM check_runs WHERE finished IS NOT NULL") != 1) {
		fprintf(stderr, "# osdwarden check stored no run in %s\n", path);
		return -1;
	}
	return 0;
}

int labsite_sync(struct labsite *ls, const struct labproc *lp)
{
	char origin[600];
	struct tu_run r;
	int rc;

	labsite_origin(lp, origin, sizeof origin);
	setenv("OSDWARDEN_PASSWORD", LS_PASSWORD, 1);
	if (ls->keytab[0])
		r = tu_cli(ls->db, (const char *const[]){ "sync", "--provider", origin, "--auth",
		                                          "negotiate", "--cacert", lp->ca, NULL });
	else
		r = tu_cli(ls->db, (const char *const[]){ "sync", "--provider", origin, "--auth",
		                                          "basic", "--user", "labadmin", "--cacert",
		                                          lp->ca, NULL });
	unsetenv("OSDWARDEN_PASSWORD");
	rc = r.rc;
	if (rc)
		fprintf(stderr, "# sync failed (%d): %s\n", rc, r.err);
	tu_run_free(&r);
	return rc;
}

int labsite_up(struct labsite *ls, struct labproc *lp, const char *name)
{
	labsite_init(ls, name);
	labsite_start(ls, lp, NULL);
	return labsite_sync(ls, lp);
}

int labsite_synced(struct labsite *ls, const char *name)
{
	struct labproc lp;
	int rc = labsite_up(ls, &lp, name);

	labproc_stop(&lp);
	if (rc != 0)
		fprintf(stderr, "# the lab did not sync into %s (exit %d)\n", ls->db, rc);
	return rc != 0 ? -1 : 0;
}

void labsite_down(struct labsite *ls, struct labproc *lp)
{
	labproc_stop(lp);
	labsite_free(ls);
}
