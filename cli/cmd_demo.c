/* `osdwarden demo`: osdwarden-lab (beside this program) on loopback with a
 * fresh random password, a sync of it over HTTPS, then the console on it.
 * Everything lives in a private temporary directory removed at the end,
 * unless --db names the inventory to keep. */
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

static int lab_path(char *out, size_t n)
{
	ssize_t len = readlink("/proc/self/exe", out, n - 20);
	char *slash;

	if (len <= 0)
		return -1;
	out[len] = '\0';
	slash = strrchr(out, '/');
	if (!slash)
		return -1;
	strcpy(slash + 1, "osdwarden-lab");
	return access(out, X_OK);
}

static void remove_dir(const char *dir)
{
	static const char *const names[] = { "pw", "ca.pem", "inventory.db", "inventory.db-wal",
	                                     "inventory.db-shm", "lab-state.json", "lab.err" };
	char p[600];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

int cmd_demo(struct cli *c, int argc, char **argv)
{
	char lab[512], dir[256], pwfile[300], ca[300], db[300], errlog[300], line[600];
	char password[40], url[600] = "", origin[600];
	unsigned char rnd[16];
	const char *base = getenv("TMPDIR");
	int fds[2], fd, rc = 0;
	pid_t pid;
	FILE *out;

	(void)argv;
	if (argc > 1)
		return cli_usage(c, "demo", "demo takes no arguments (--db before it keeps the inventory)");
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(c->err, "osdwarden: the demo ends in the console, which needs a terminal; "
		        "`make demo` shows the same site without one\n");
		return OW_EINPUT;
	}
	if (lab_path(lab, sizeof lab) != 0) {
		fprintf(c->err, "osdwarden: osdwarden-lab is not beside this program (%s); build it "
		        "with `make`\n", lab);
		return OW_EINPUT;
	}
	snprintf(dir, sizeof dir, "%s/osdwarden-demo-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(c->err, "osdwarden: cannot create %s: %s\n", dir, strerror(errno));
		return OW_EINPUT;
	}
	snprintf(pwfile, sizeof pwfile, "%s/pw", dir);
	snprintf(ca, sizeof ca, "%s/ca.pem", dir);
	snprintf(db, sizeof db, "%s/inventory.db", dir);
	snprintf(errlog, sizeof errlog, "%s/lab.err", dir);
	/* A throwaway password for the lab, in a 0600 file and this process's
	 * environment only. */
	fd = open("/dev/urandom", O_RDONLY);
	if (fd < 0 || read(fd, rnd, sizeof rnd) != (ssize_t)sizeof rnd) {
		if (fd >= 0)
			close(fd);
		remove_dir(dir);
		return OW_EINPUT;
	}
	close(fd);
	for (size_t i = 0; i < sizeof rnd; i++)
		snprintf(password + 2 * i, 3, "%02x", rnd[i]);
	fd = open(pwfile, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, password, strlen(password)) < 0 || close(fd) != 0) {
		remove_dir(dir);
		return OW_EINPUT;
	}
	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		remove_dir(dir);
		return OW_EINPUT;
	}
	if (pid == 0) {
		int efd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (efd >= 0)
			dup2(efd, STDERR_FILENO);
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execl(lab, lab, "--port", "0", "--seed", "1", "--scale", "1", "--ca-out", ca,
		      "--password-file", pwfile, (char *)NULL);
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
	fprintf(c->out, "osdwarden-lab is serving %s (a generated site)\n", url);
	if (!c->db_path)
		c->db_path = db;
	setenv("OSDWARDEN_PASSWORD", password, 1);
	{
		char *sync_argv[] = { (char *)"sync", (char *)"--provider", origin, (char *)"--auth",
		                      (char *)"basic", (char *)"--user", (char *)"labadmin",
		                      (char *)"--cacert", ca, NULL };
		rc = cmd_sync(c, 9, sync_argv);
	}
	if (rc == 0) {
		char *tui_argv[] = { (char *)"tui", (char *)"--provider", origin, (char *)"--auth",
		                     (char *)"basic", (char *)"--user", (char *)"labadmin",
		                     (char *)"--cacert", ca, NULL };
		setenv("OSDWARDEN_PASSWORD", password, 1);   /* sync took it from the environment */
		rc = cmd_tui(c, 9, tui_argv);
	}
	unsetenv("OSDWARDEN_PASSWORD");
out:
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	if (out)
		fclose(out);
	if (c->db_path == db)
		c->db_path = NULL;
	remove_dir(dir);
	return rc;
}
