/* `osdwarden demo`: the path a real site needs, on this machine alone. A
 * throwaway Kerberos realm (osdwarden-krbrealm, beside this program, runs
 * MIT krb5kdc on loopback) with a ticket for the demo user, osdwarden-lab
 * taking Negotiate on https://localhost:PORT, a sync of it, then the
 * console on it. Everything lives in a private temporary directory removed
 * at the end, unless --db names the inventory to keep. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/adminservice.h"
#include "cli/cli.h"
#include "db/providers.h"
#include "db/records.h"

/* out = the directory of this program + name; 0 when it is executable. */
static int beside_me(const char *name, char *out, size_t n)
{
	ssize_t len = readlink("/proc/self/exe", out, n - 40);
	char *slash;

	if (len <= 0)
		return -1;
	out[len] = '\0';
	slash = strrchr(out, '/');
	if (!slash)
		return -1;
	snprintf(slash + 1, n - (size_t)(slash + 1 - out), "%s", name);
	return access(out, R_OK);
}

/* Runs argv with stdout and stderr appended to log; its exit status. */
static int run_logged(const char *const *argv, const char *log)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void remove_dir(const char *dir)
{
	/* The realm's database, keytabs and logs, the lab's CA and state:
	 * all of it throwaway, all under dir. */
	run_logged((const char *const[]){ "rm", "-rf", "--", dir, NULL }, "/dev/null");
}

/* Whether a provider row's base URL is a lab on loopback:
 * https://localhost|127.0.0.1|[::1][:PORT]/AdminService[/]. */
static bool on_loopback(const char *url)
{
	static const char *const hosts[] = { "localhost", "127.0.0.1", "[::1]" };
	const char *p;

	if (strncmp(url, "https://", 8) != 0)
		return false;
	url += 8;
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		size_t n = strlen(hosts[i]);
		if (strncasecmp(url, hosts[i], n) != 0)
			continue;
		p = url + n;
		if (*p == ':')
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
		return strcmp(p, "/AdminService") == 0 || strcmp(p, "/AdminService/") == 0;
	}
	return false;
}

/* The demo's lab is the same lab on every run, but on a port the kernel
 * picks anew, so its URL changes. What identifies it is what the demo
 * makes of it: a provider on loopback that takes Negotiate, in the
 * inventory the demo syncs into. The most recently synced such row is
 * moved to the new URL before the sync, which then updates it rather than
 * adding a provider: the sites, the per-class results and the history keep
 * one row. A site reached through an SSH tunnel on loopback would match
 * too; that is why only the demo does this, never `sync`. 0, or an exit
 * code with the message printed. */
static int adopt_lab_row(struct cli *c, const char *origin)
{
	struct inv *db = NULL;
	struct inv_provider *provs = NULL;
	struct ow_err e = { 0 };
	size_t np = 0, pick = SIZE_MAX;
	char *base;
	int rc;

	if (!c->db_path || access(c->db_path, F_OK) != 0)
		return 0;   /* a new inventory: the sync adds the row */
	if (!(base = as_base_url(origin, &e)))
		return cli_fail(c, &e);
	if ((rc = cli_create_inventory(c, &db)) != 0)
		goto out;
	if (inv_load_provider(db, false, &provs, &np, &e) != 0) {
		rc = cli_fail(c, &e);
		goto out;
	}
	for (size_t i = 0; i < np; i++) {
		if (strcmp(provs[i].url, base) == 0) {
			pick = SIZE_MAX;   /* already there: the sync finds it */
			break;
		}
		if (!on_loopback(provs[i].url) || !provs[i].auth_mode ||
		    strcmp(provs[i].auth_mode, "negotiate") != 0)
			continue;
		if (pick == SIZE_MAX || provs[i].last_sync_at > provs[pick].last_sync_at)
			pick = i;
	}
	if (pick != SIZE_MAX) {
		if (inv_provider_move(db, provs[pick].id, base, &e) != 0) {
			rc = cli_fail(c, &e);
			goto out;
		}
		fprintf(c->out, "the demo's lab of an earlier run (%s) is this one: its provider row "
		        "now names %s\n", provs[pick].url, base);
	}
out:
	inv_unload_provider(provs, np);
	inv_close(db);
	free(base);
	return rc;
}

const struct ow_opt cmd_demo_opts[] = {
	{ "script", 0, 'S', "FILE", "@file", NULL,
	  "drive the console with the key script in FILE instead of a terminal" },
	{ "size", 0, 'Z', "COLSxROWS", NULL, NULL, "the scripted console's size (default 80x24)" },
	{ "adopt", 0, 'A', "ORIGIN", NULL, NULL,
	  "the lab at ORIGIN is the demo's: an earlier demo's provider row in the inventory "
	  "(--db, before demo) now names it (scripts/demo.sh); nothing else is done" },
	CLI_HELP_OPT,
	{ NULL, 0, 0, NULL, NULL, NULL, NULL },
};

int cmd_demo(struct cli *c, int argc, char **argv)
{
	char lab[512], realm_sh[512], dir[256], realm[300], ca[300], db[300], errlog[300];
	char realmlog[300], keytab[320], line[600], env[400], url[600] = "", origin[600];
	const char *base = getenv("TMPDIR");
	int fds[2], rc = 0;
	pid_t pid = -1;
	FILE *out = NULL;

	struct ow_getopt g;
	const char *script = NULL, *size = NULL, *adopt = NULL;
	int opt;

	ow_getopt_init(&g, cmd_demo_opts, NULL);
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, g.shorts, g.longopts, NULL)) != -1) {
		if (opt == 'S')
			script = optarg;
		else if (opt == 'Z')
			size = optarg;
		else if (opt == 'A')
			adopt = optarg;
		else
			return cli_usage(c, "demo", "unknown or incomplete option '%s' (--db before "
			                 "demo keeps the inventory)", argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage(c, "demo", "unexpected '%s' (--db before demo keeps the inventory)",
		                 argv[optind]);
	if (size && !script)
		return cli_usage(c, "demo", "--size is for the console's --script");
	/* scripts/demo.sh starts its own lab: it only needs the row moved. */
	if (adopt && (script || !c->db_path))
		return cli_usage(c, "demo", "--adopt ORIGIN goes alone, after --db INVENTORY");
	if (adopt)
		return adopt_lab_row(c, adopt);
	/* With a key script the console needs no terminal (tests, recordings). */
	if (!script && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(c->err, "osdwarden: the demo ends in the console, which needs a terminal; "
		        "`make demo` shows the same site without one\n");
		return OW_EINPUT;
	}
	if (beside_me("osdwarden-lab", lab, sizeof lab) != 0 ||
	    beside_me("osdwarden-krbrealm", realm_sh, sizeof realm_sh) != 0) {
		fprintf(c->err, "osdwarden: osdwarden-lab and osdwarden-krbrealm are not beside this "
		        "program (%s); build them with `make`\n", lab);
		return OW_EINPUT;
	}
	snprintf(dir, sizeof dir, "%s/osdwarden-demo-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(c->err, "osdwarden: cannot create %s: %s\n", dir, strerror(errno));
		return OW_EINPUT;
	}
	snprintf(realm, sizeof realm, "%s/realm", dir);
	snprintf(realmlog, sizeof realmlog, "%s/realm.log", dir);
	snprintf(keytab, sizeof keytab, "%s/http.keytab", realm);
	snprintf(ca, sizeof ca, "%s/ca.pem", dir);
	snprintf(db, sizeof db, "%s/inventory.db", dir);
	snprintf(errlog, sizeof errlog, "%s/lab.err", dir);
	/* The realm first: every Kerberos call of this process and its
	 * children reads the realm's own krb5.conf and ticket cache. */
	if (run_logged((const char *const[]){ "sh", realm_sh, "start", realm, "labadmin", NULL },
	               realmlog) != 0) {
		fprintf(c->err, "osdwarden: the demo's Kerberos realm did not start (see %s; "
		        "scripts/install-deps.sh installs krb5-kdc)\n", realmlog);
		rc = OW_EINPUT;
		goto out;
	}
	snprintf(env, sizeof env, "%s/krb5.conf", realm);
	setenv("KRB5_CONFIG", env, 1);
	snprintf(env, sizeof env, "%s/kdc.conf", realm);
	setenv("KRB5_KDC_PROFILE", env, 1);
	snprintf(env, sizeof env, "FILE:%s/ccache", realm);
	setenv("KRB5CCNAME", env, 1);
	if (run_logged((const char *const[]){ "sh", realm_sh, "kinit", realm, "labadmin", NULL },
	               realmlog) != 0) {
		fprintf(c->err, "osdwarden: no ticket for the demo user (see %s)\n", realmlog);
		rc = OW_EINPUT;
		goto out;
	}
	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		rc = OW_EINPUT;
		goto out;
	}
	if (pid == 0) {
		int efd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (efd >= 0)
			dup2(efd, STDERR_FILENO);
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execl(lab, lab, "--port", "0", "--seed", "1", "--scale", "1", "--auth", "negotiate",
		      "--keytab", keytab, "--ca-out", ca, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	out = fdopen(fds[0], "r");
	while (out && fgets(line, sizeof line, out)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "url ", 4) == 0)
			snprintf(url, sizeof url, "%s", line + 4);
		if (strcmp(line, "ready") == 0)
			break;
	}
	if (!url[0]) {
		fprintf(c->err, "osdwarden: osdwarden-lab did not start (see %s)\n", errlog);
		rc = OW_ESITE;
		goto out;
	}
	snprintf(origin, sizeof origin, "%.*s", (int)(strlen(url) - strlen("/AdminService/")), url);
	fprintf(c->out, "osdwarden-lab is serving %s (a generated site), over Kerberos: a "
	        "throwaway realm OSDWARDEN.TEST, a ticket for labadmin@OSDWARDEN.TEST\n", url);
	if (!c->db_path)
		c->db_path = db;
	if ((rc = adopt_lab_row(c, origin)) != 0)
		goto out;
	{
		char *sync_argv[] = { (char *)"sync", (char *)"--provider", origin, (char *)"--auth",
		                      (char *)"negotiate", (char *)"--cacert", ca, NULL };
		rc = cmd_sync(c, 7, sync_argv);
	}
	if (rc == 0) {
		char *tui_argv[12] = { (char *)"tui", (char *)"--provider", origin, (char *)"--auth",
		                       (char *)"negotiate", (char *)"--cacert", ca };
		int n = 7;
		if (script) {
			tui_argv[n++] = (char *)"--script";
			tui_argv[n++] = (char *)script;
		}
		if (size) {
			tui_argv[n++] = (char *)"--size";
			tui_argv[n++] = (char *)size;
		}
		tui_argv[n] = NULL;
		rc = cmd_tui(c, n, tui_argv);
	}
out:
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	if (out)
		fclose(out);
	run_logged((const char *const[]){ "sh", realm_sh, "stop", realm, NULL }, realmlog);
	unsetenv("KRB5_CONFIG");
	unsetenv("KRB5_KDC_PROFILE");
	unsetenv("KRB5CCNAME");
	if (c->db_path == db)
		c->db_path = NULL;
	remove_dir(dir);
	return rc;
}
