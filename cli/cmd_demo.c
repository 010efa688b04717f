/* `osdwarden demo`: the path a real site needs, on this machine alone. A
 * throwaway Kerberos realm (osdwarden-krbrealm, beside this program, runs
 * MIT krb5kdc on loopback) with a ticket for the demo user, osdwarden-lab
 * taking Negotiate on https://localhost:PORT, a sync of it, then the
 * console on it. Everything lives in a private temporary directory removed
 * at the end, unless --db names the inventory to keep. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"

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

int cmd_demo(struct cli *c, int argc, char **argv)
{
	char lab[512], realm_sh[512], dir[256], realm[300], ca[300], db[300], errlog[300];
	char realmlog[300], keytab[320], line[600], env[400], url[600] = "", origin[600];
	const char *base = getenv("TMPDIR");
	int fds[2], rc = 0;
	pid_t pid = -1;
	FILE *out = NULL;

	(void)argv;
	if (argc > 1)
		return cli_usage(c, "demo", "demo takes no arguments (--db before it keeps the inventory)");
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
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
	{
		char *sync_argv[] = { (char *)"sync", (char *)"--provider", origin, (char *)"--auth",
		                      (char *)"negotiate", (char *)"--cacert", ca, NULL };
		rc = cmd_sync(c, 7, sync_argv);
	}
	if (rc == 0) {
		char *tui_argv[] = { (char *)"tui", (char *)"--provider", origin, (char *)"--auth",
		                     (char *)"negotiate", (char *)"--cacert", ca, NULL };
		rc = cmd_tui(c, 7, tui_argv);
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
