/* The fault matrix: sync and every action against osdwarden-lab under each
 * fault kind, at the request where it hurts most, and some combinations
 * (a connection dropped mid-body, a 401 in the middle of a sync). For
 * each: no crash, the exit code and the key words of the message of that
 * fault kind, a successful sync reading exactly what a clean one reads, no
 * write at all from a sync,
 * no partial inventory (a failed sync leaves the file byte-identical), and
 * never a duplicate write: after the faulty run and a clean retry, exactly
 * one write succeeded on the site. Prints the table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/labsite.h"
#include "support/testutil.h"

static struct labsite g_ls;
static char g_pristine[400], g_smsid[64];

static void copy_file(const char *from, const char *to)
{
	size_t n = 0;
	char *data = tu_read_file(from, &n);

	assert_non_null(data);
	assert_int_equal(tu_write_file(to, data, n), 0);
	free(data);
}

static void reset_inventory(void)
{
	char p[400];

	snprintf(p, sizeof p, "%s-wal", g_ls.db);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", g_ls.db);
	unlink(p);
	copy_file(g_pristine, g_ls.db);
}

/* Writes in the lab's log since line `from`: attempted and answered 2xx. */
static void count_writes(int from, int *attempted, int *succeeded)
{
	char *log = tu_read_file(g_ls.log, NULL);
	int line = 0;

	*attempted = *succeeded = 0;
	for (char *p = log; p && *p; line++) {
		char *end = strchr(p, '\n');
		if (end)
			*end = '\0';
		if (line >= from && !strstr(p, "\"method\":\"GET\"")) {
			(*attempted)++;
			*succeeded += strstr(p, "\"status\":20") != NULL;
		}
		p = end ? end + 1 : p + strlen(p);
	}
	free(log);
}

/* Requests in the lab's log since line `from` that met a fault. */
static int faults_met(int from)
{
	char *log = tu_read_file(g_ls.log, NULL);
	int line = 0, n = 0;

	for (char *p = log; p && *p; line++) {
		char *end = strchr(p, '\n');
		if (end)
			*end = '\0';
		if (line >= from && strstr(p, "\"fault\":\"") && !strstr(p, "\"fault\":\"none\""))
			n++;
		p = end ? end + 1 : p + strlen(p);
	}
	free(log);
	return n;
}

static int log_lines(void)
{
	char *log = tu_read_file(g_ls.log, NULL);
	int n = 0;
	for (char *p = log; p && (p = strchr(p, '\n')); p++)
		n++;
	free(log);
	return n;
}

/* What an inventory says about the site, without the local row ids and
 * the times of the sync: every row of every table a sync fills, with
 * whether it is gone, and the class statuses of the newest provider. Two
 * syncs of the same site must give the same text. New string. */
static char *site_content(const char *path)
{
	static const char *const tables[] = {
		"sites", "dps", "smps", "smp_folders", "certificates", "associations", "boot_images",
		"packages", "task_sequences", "ts_run_as", "deployments", "collection_vars", "admins",
		"roles", "site_settings", "collections",
	};
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	sqlite3 *s;
	sqlite3_stmt *st;

	assert_non_null(f);
	assert_int_equal(sqlite3_open_v2(path, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
		char cols[4000] = "", q[4400];
		assert_int_equal(sqlite3_prepare_v2(s, "SELECT name FROM pragma_table_info(?1)", -1,
		                                    &st, NULL), SQLITE_OK);
		sqlite3_bind_text(st, 1, tables[t], -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *c = (const char *)sqlite3_column_text(st, 0);
			if (strcmp(c, "id") == 0 || strcmp(c, "first_seen") == 0 ||
			    strcmp(c, "last_seen") == 0 || strcmp(c, "provider_id") == 0)
				continue;
			char expr[200];
			if (strcmp(c, "gone_at") == 0)
				snprintf(expr, sizeof expr, "quote(gone_at IS NULL)");
			else
				snprintf(expr, sizeof expr, "quote(%s)", c);
			snprintf(cols + strlen(cols), sizeof cols - strlen(cols), "%s%s",
			         cols[0] ? "||'|'||" : "", expr);
		}
		sqlite3_finalize(st);
		snprintf(q, sizeof q, "SELECT %s FROM %s ORDER BY 1", cols, tables[t]);
		assert_int_equal(sqlite3_prepare_v2(s, q, -1, &st, NULL), SQLITE_OK);
		fprintf(f, "[%s]\n", tables[t]);
		while (sqlite3_step(st) == SQLITE_ROW)
			fprintf(f, "%s\n", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	assert_int_equal(sqlite3_prepare_v2(s, "SELECT class || ' ' || status || ' ' || rows FROM "
	                                    "sync_classes WHERE provider_id = (SELECT id FROM providers "
	                                    "ORDER BY last_sync_at DESC LIMIT 1) ORDER BY class", -1,
	                                    &st, NULL), SQLITE_OK);
	fputs("[sync_classes]\n", f);
	while (sqlite3_step(st) == SQLITE_ROW)
		fprintf(f, "%s\n", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(s);
	fclose(f);
	return out;
}

static int setup(void **state)
{
	struct labproc lp;
	sqlite3 *s;
	sqlite3_stmt *st;

	(void)state;
	labsite_init(&g_ls, "faults");
	labsite_start(&g_ls, &lp, NULL);
	if (labsite_sync(&g_ls, &lp) != 0)
		return -1;
	labproc_stop(&lp);
	snprintf(g_pristine, sizeof g_pristine, "%s/pristine.db", g_ls.dir);
	/* one file, no WAL: a clean copy to restore before every row */
	assert_int_equal(sqlite3_open(g_ls.db, &s), SQLITE_OK);
	/* No $metadata kept: every row reads it as its request 1, even when
	 * its lab happens to get the port of the lab synced here. */
	assert_int_equal(sqlite3_exec(s, "DELETE FROM site_capabilities", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_exec(s, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	assert_int_equal(sqlite3_prepare_v2(s, "SELECT smsid FROM certificates WHERE type=2 AND "
	                                    "is_blocked=0 ORDER BY smsid", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(g_smsid, sizeof g_smsid, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(s);
	copy_file(g_ls.db, g_pristine);
	return g_smsid[0] ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	labsite_free(&g_ls);
	return 0;
}

enum op { OP_SYNC, OP_CERT, OP_ASSOC, OP_SMP, OP_DP, OP_BOOT, OP_COUNT };
static const char *const op_names[] = { "sync", "cert block", "assoc delete", "smp restore-only",
	                                "dp pxe off", "boot f8-off" };

static struct tu_run run_op(enum op op, const struct labproc *lp)
{
	char origin[600];
	const char *site[] = { "--provider", origin, "--auth", "basic", "--user", "labadmin",
	                       "--cacert", lp->ca };
	const char *args[24];
	int n = 0;
	struct tu_run r;

	labsite_origin(lp, origin, sizeof origin);
	switch (op) {
	case OP_SYNC: args[n++] = "sync"; break;
	case OP_CERT: args[n++] = "cert"; args[n++] = "block"; args[n++] = g_smsid; break;
	case OP_ASSOC: args[n++] = "assoc"; args[n++] = "delete"; args[n++] = "16777216";
		args[n++] = "16777217"; break;
	case OP_SMP: args[n++] = "smp"; args[n++] = "restore-only"; args[n++] = "SMP01.holdout.example";
		args[n++] = "on"; break;
	case OP_DP: args[n++] = "dp"; args[n++] = "pxe"; args[n++] = "DP00003.holdout.example";
		args[n++] = "--active"; args[n++] = "off"; break;
	case OP_BOOT: args[n++] = "boot"; args[n++] = "f8-off"; args[n++] = "HLD00001"; break;
	default: break;
	}
	if (op != OP_SYNC)
		args[n++] = "--yes";
	for (size_t i = 0; i < sizeof site / sizeof site[0]; i++)
		args[n++] = site[i];
	args[n] = NULL;
	setenv("OSDWARDEN_PASSWORD", LS_PASSWORD, 1);
	r = tu_cli(g_ls.db, args);
	unsetenv("OSDWARDEN_PASSWORD");
	return r;
}

static const char *outcome_word(const struct tu_run *r)
{
	static char w[32];
	const char *s = r->out && *r->out ? r->out : r->err ? r->err : "";
	size_t n;

	if (strncmp(s, "osdwarden: ", 11) == 0)
		s += 11;
	n = strcspn(s, ":\n");
	snprintf(w, sizeof w, "%.*s", (int)(n < 20 ? n : 20), s);
	if (strncmp(s, "synced", 6) == 0)
		return "synced";
	return w;
}

/* One row of the matrix: the fault, the exit code it must give, and words
 * the message must hold (all of them, '|' between). */
struct expect {
	const char *fault;
	int exit;
	const char *words;
};

/* A sync reads its classes at once over several connections, so the
 * order its requests reach the lab changes from run to run: each fault is
 * placed by what it hits, never by a request's number. At scale 1 every
 * class has one page (KIND@page=CLASS:1), after its $count
 * (KIND@path=CLASS/$count$); a retry is the same page or path asked again
 * (#2). After the certificates' page come their keyed GETs (Thumbprint is
 * lazy): SMS_Certificate(' is any one of them. (Each lab here has a port
 * of its own, so a provider of its own, whose $metadata the sync reads.) */
static const struct expect sync_rows[] = {
	{ "500@page=SMS_DistributionPointInfo:1", 3,
	  "SMS_DistributionPointInfo|HTTP 500|nothing was changed" },
	{ "503@page=SMS_DistributionPointInfo:1", 0, "synced" },
	{ "429@page=SMS_DistributionPointInfo:1", 0, "synced" },
	{ "401@page=SMS_DistributionPointInfo:1", 3,
	  "SMS_DistributionPointInfo|HTTP 401|nothing was changed" },
	{ "reset@page=SMS_DistributionPointInfo:1", 0, "synced" },
	{ "truncate@page=SMS_DistributionPointInfo:1", 0, "synced" },
	{ "badjson@page=SMS_DistributionPointInfo:1", 0, "synced" },
	{ "lost@page=SMS_DistributionPointInfo:1", 0, "synced" },
	{ "slow=1s@page=SMS_DistributionPointInfo:1", 0, "synced" },
	{ "repeat-page@page=SMS_Certificate:1", 0, "synced" },
	{ "oversize@page=SMS_DistributionPointInfo:1", 3,
	  "SMS_DistributionPointInfo|larger|nothing was changed" },
	{ "truncate@page=SMS_Certificate:1,503@path=SMS_BootImagePackage/$count$", 0, "synced" },
	{ "401@path=SMS_BootImagePackage('#3", 3, "SMS_BootImagePackage|HTTP 401|nothing was changed" },
	/* requests of three classes cut at once, each retried on its own */
	{ "reset@page=SMS_SCI_SysResUse:1,reset@path=SMS_DistributionPointInfo/$count$,"
	  "reset@page=SMS_DistributionPointInfo:1,reset@path=SMS_Certificate/$count$", 0, "synced" },
	/* one page cut three times: the fourth attempt, the last, reads it */
	{ "reset@page=SMS_Certificate:1,reset@page=SMS_Certificate:1#2,"
	  "reset@page=SMS_Certificate:1#3", 0, "synced" },
	/* $metadata unreadable: what the site exposes stays unknown, every
	 * class is read */
	{ "500@path=$metadata$", 0, "synced" },
	{ "reset@path=$metadata$", 0, "synced" },
	/* the $count before the pages */
	{ "500@path=SMS_DistributionPointInfo/$count$", 3,
	  "SMS_DistributionPointInfo|HTTP 500|nothing was changed" },
	{ "503@path=SMS_DistributionPointInfo/$count$", 0, "synced" },
	{ "401@path=SMS_DistributionPointInfo/$count$", 3,
	  "SMS_DistributionPointInfo|HTTP 401|nothing was changed" },
};

/* The same for every action. Each lab here is a provider the inventory
 * never read $metadata from, so request 1 reads it (a write checks that
 * the site exposes it), 2 is the re-read before the write, 3 the write,
 * 4 the re-read that verifies it. */
static const struct expect action_rows[] = {
	{ "500@req=3", 1, "failed: |the site answered HTTP 500" },
	{ "503@req=3", 1, "failed: |the site answered HTTP 503" },
	{ "429@req=3", 1, "failed: |the site answered HTTP 429" },
	{ "401@req=3", 1, "failed: |refused the write (HTTP 401)|read-only for this session" },
	{ "reset@req=3", 1, "not-applied: |re-read shows no change|nothing was resent" },
	/* a write whose answer has a body notices the cut; one with none does not */
	{ "truncate@req=3", 0, "applied: " },
	{ "badjson@req=3", 0, "applied: |verified on the site" },
	{ "lost@req=3", 0, "applied: |the answer was lost|nothing was resent" },
	{ "slow=1s@req=3", 0, "applied: |verified on the site" },
	{ "500@req=2", 1, "failed: |nothing was sent|HTTP 500" },
	{ "reset@req=2", 0, "applied: |verified on the site" },
	{ "500@req=4", 1, "unknown: |re-read to verify it failed" },
	{ "lost@req=3,500@req=4", 1, "unknown: |no answer after sending|Nothing was resent" },
	/* $metadata unreadable: what the site exposes stays unknown, the site
	 * decides and the re-read verifies */
	{ "500@req=1", 0, "applied: |verified on the site" },
	{ "reset@req=1", 0, "applied: |verified on the site" },
};

static void expect_words(const char *what, const struct expect *x, const struct tu_run *r)
{
	char words[300];
	char *save = NULL;

	snprintf(words, sizeof words, "%s", x->words);
	for (char *w = strtok_r(words, "|", &save); w; w = strtok_r(NULL, "|", &save))
		if (!strstr(r->out ? r->out : "", w) && !strstr(r->err ? r->err : "", w))
			fail_msg("%s under %s: the message lacks \"%s\":\n%s%s", what, x->fault, w,
			         r->out ? r->out : "", r->err ? r->err : "");
}

static void test_fault_matrix(void **state)
{
	char before_path[400];
	char *clean = site_content(g_pristine);

	(void)state;
	/* the comparison has rows to compare */
	for (const char *const *t = (const char *const[]){ "[certificates]\n", "[associations]\n",
	                                                   "[dps]\n", NULL }; *t; t++) {
		const char *at = strstr(clean, *t);
		assert_non_null(at);
		assert_true(at[strlen(*t)] != '[' && at[strlen(*t)] != '\0');
	}
	printf("# %-18s %-44s %4s  %-22s %s\n", "operation", "fault", "exit", "outcome",
	       "writes (this run / ok after a clean retry)");
	for (int op = 0; op < OP_COUNT; op++) {
		const struct expect *rows = op == OP_SYNC ? sync_rows : action_rows;
		size_t nf = op == OP_SYNC ? sizeof sync_rows / sizeof sync_rows[0]
		                          : sizeof action_rows / sizeof action_rows[0];
		for (size_t f = 0; f < nf; f++) {
			const struct expect *x = &rows[f];
			struct labproc lp;
			struct tu_run r;
			int from, attempted, succeeded, a2, s2;
			size_t n0 = 0, n1 = 0;
			char *before, *after;

			reset_inventory();
			unlink(g_ls.state);
			snprintf(before_path, sizeof before_path, "%s", g_ls.db);
			before = tu_read_file(before_path, &n0);
			from = log_lines();
			labsite_start(&g_ls, &lp, (const char *const[]){ "--state", g_ls.state,
			                                                 "--faults", x->fault, NULL });
			r = run_op((enum op)op, &lp);
			labproc_stop(&lp);
			count_writes(from, &attempted, &succeeded);
			/* Every fault of the row met its request (each fires once):
			 * a fault placed where no request goes would test nothing. */
			{
				int items = 1, met = faults_met(from);
				for (const char *c = x->fault; *c; c++)
					items += *c == ',';
				if (met != items)
					fail_msg("%s under %s: %d of its %d faults met a request", op_names[op],
					         x->fault, met, items);
			}
			if (r.rc != x->exit)
				fail_msg("%s under %s: exit %d, want %d:\n%s%s", op_names[op], x->fault, r.rc,
				         x->exit, r.out ? r.out : "", r.err ? r.err : "");
			expect_words(op_names[op], x, &r);
			/* A sync never writes to the site; an action at most once. */
			if (op == OP_SYNC)
				assert_int_equal(attempted, 0);
			else
				assert_true(attempted <= 1);
			if (op == OP_SYNC && r.rc != 0) {
				/* a failed sync changed nothing */
				after = tu_read_file(g_ls.db, &n1);
				assert_int_equal(n0, n1);
				if (memcmp(before, after, n0) != 0)
					fail_msg("sync under %s changed the inventory", x->fault);
				free(after);
			} else if (op == OP_SYNC) {
				/* a sync that got through despite the fault read what a
				 * clean one reads: no row lost, doubled or marked gone */
				char *got = site_content(g_ls.db);
				if (strcmp(got, clean) != 0)
					fail_msg("sync under %s succeeded but the inventory differs from a "
					         "clean sync's", x->fault);
				free(got);
			}
			free(before);
			/* Then a clean run: the site ends as asked, with exactly one
			 * successful write over both runs. */
			labsite_start(&g_ls, &lp, (const char *const[]){ "--state", g_ls.state, NULL });
			{
				struct tu_run r2 = run_op((enum op)op, &lp);
				count_writes(from, &a2, &s2);
				if (r2.rc != 0)
					fail_msg("%s after %s: the clean retry failed (%d): %s %s", op_names[op],
					         x->fault, r2.rc, r2.out, r2.err);
				if (op != OP_SYNC && s2 != 1)
					fail_msg("%s after %s: %d successful writes over both runs", op_names[op],
					         x->fault, s2);
				if (op == OP_SYNC)
					assert_int_equal(a2, 0);
				tu_run_free(&r2);
			}
			labproc_stop(&lp);
			printf("# %-18s %-44s %4d  %-22s %d / %d\n", op_names[op], x->fault, r.rc,
			       outcome_word(&r), attempted, op == OP_SYNC ? 0 : s2);
			tu_run_free(&r);
		}
	}
	free(clean);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_matrix),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
