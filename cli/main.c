#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "cli/cli.h"

/* The process holds the site's password (and, after a read, whatever the
 * site sent): no core file, and no ptrace or /proc/PID/mem by other
 * processes of the same user. Done first, before anything is read. */
static void no_core_dumps(void)
{
	struct rlimit none = { 0, 0 };

	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
	int rc;

	no_core_dumps();
	/* The locale decides UTF-8 glyphs vs ASCII and character widths. */
	setlocale(LC_ALL, "");
	rc = cli_main(argc, argv, stdout, stderr);
	/* One place for every command: output that did not all reach stdout
	 * (a full disk, a closed pipe) is a failure, not a silent exit 0. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		int e = errno;
		fprintf(stderr, "osdwarden: cannot write the output: %s; it is incomplete. Check "
		        "the disk or pipe stdout goes to, then run the command again\n",
		        e ? strerror(e) : "write error");
		if (rc == 0)
			rc = 2;
	}
	if (fclose(stdout) != 0 && rc == 0) {
		fprintf(stderr, "osdwarden: cannot write the output: %s\n", strerror(errno));
		rc = 2;
	}
	return rc;
}
