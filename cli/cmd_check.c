#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "checks/checks.h"
#include "cli/cli.h"
#include "cli/config.h"
#include "util/aout.h"
#include "util/num.h"

struct report {
	const char *format;
	const struct chk_run *run;
	struct inv *db;       /* read by the HTML report (trend, decisions) */
	bool ascii, all;
};

/* The report in its format on f: 0, or -1 when it was not written in full. */
static int write_report(FILE *f, const struct report *r)
{
	if (strcmp(r->format, "json") == 0)
		return chk_write_json(f, r->run);
	if (strcmp(r->format, "sarif") == 0)
		return chk_write_sarif(f, r->run);
	if (strcmp(r->format, "markdown") == 0)
		return chk_write_markdown(f, r->run);
	if (strcmp(r->format, "html") == 0)
		return chk_write_html(f, r->run, r->db);
	return chk_write_text(f, r->run, r->ascii, r->all);
}

/* The report onto fd through a writing thread (util/aout.h: a SARIF
 * report at scale is hundreds of MB, written while the next block is
 * made). fd stays open. 0, or -1 with errno set when the write failed
 * (0 when the report itself was incomplete). */
static int write_report_fd(int fd, const struct report *r)
{
	FILE *f = aout_open(fd);
	int rc, why;

	if (!f)
		return -1;
	errno = 0;
	rc = write_report(f, r);
	why = errno;
	if (fclose(f) != 0)
		return -1;   /* errno: the write that failed */
	errno = rc ? why : 0;
	return rc ? -1 : 0;
}

/* A failure no waiver covers at the --fail-on severity or above stops
 * the walk. */
static int gates(void *ctx, const struct chk_result *r)
{
	const enum chk_sev *at = ctx;

	return r->state == CS_FAIL && !r->waived && r->sev >= *at;
}

/* A run with nothing above --fail-on passes it only if every check could
 * read what it judges: an error (a class never synced, or not readable by
 * the account) is not a pass, so the gate says "partial" (exit 4) and
 * names how many, never 0 (a never-synced inventory passed). */
static int unread_verdict(struct cli *c, const struct chk_run *run)
{
	size_t checks = 0;

	for (size_t k = 0; k < chk_count(); k++)
		checks += run->counts[k][CS_ERROR] > 0;
	if (!checks)
		return 0;
	fprintf(c->err, "osdwarden: --fail-on cannot pass this run: %zu check%s could not read "
	        "what %s judge%s (state error in the report); sync the site, or give the account "
	        "read access to the classes the report names\n", checks, checks == 1 ? "" : "s",
	        checks == 1 ? "it" : "they", checks == 1 ? "s" : "");
	return OW_EPARTIAL;
}

/* --fail-on's verdict: OW_EFINDINGS, 0, or -1 when the results could not
 * be read back. Only checks with an unwaived failure are read (a result's
 * severity may differ from its check's). */
static int gate(const struct chk_run *run, enum chk_sev at)
{
	for (size_t k = 0; k < chk_count(); k++) {
		int rc;
		if (run->counts[k][CS_FAIL] <= run->waived[k])
			continue;
		if ((rc = chk_run_each(run, (int)k, gates, &at)) != 0)
			return rc < 0 ? -1 : OW_EFINDINGS;
	}
	return 0;
}

/* The report on standard output: through the writing thread onto its
 * descriptor, after what is buffered, unless it has none (a memory
 * stream, in tests) or is a terminal (someone reading, no file to
 * overlap with). 0, or -1 with errno set as write_report_fd sets it. */
static int write_report_out(struct cli *c, const struct report *r)
{
	int fd = fileno(c->out);

	if (fd < 0 || isatty(fd)) {
		errno = 0;
		return write_report(c->out, r) == 0 && fflush(c->out) == 0 ? 0 : -1;
	}
	if (fflush(c->out) != 0)
		return -1;
	return write_report_fd(fd, r);
}

/* The rename into path is on disk once its directory is. */
static void sync_directory_of(const char *path)
{
	char *copy = strdup(path);
	int fd = copy ? open(dirname(copy), O_RDONLY | O_DIRECTORY) : -1;

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

/* -o to what is not a regular file (a pipe, /dev/null, a terminal): the
 * report goes into it as into standard output; renaming a file over it
 * would replace the device itself (as root, /dev/null). */
static int write_report_into(const char *path, const struct report *r, struct ow_err *err)
{
	int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC), why = 0;
	int rc = fd >= 0 && write_report_fd(fd, r) == 0 ? 0 : -1;

	why = errno;
	if (fd >= 0 && close(fd) != 0) {
		why = rc == 0 ? errno : why;
		rc = -1;
	}
	if (rc != 0)
		ow_err_set(err, OW_EINPUT, "writing the report into %s failed (%s): choose another "
		           "file and run osdwarden check again", path, why ? strerror(why) : "incomplete");
	return rc ? OW_EINPUT : 0;
}

/* -o FILE: the report replaces path whole or not at all. It is written to
 * a new file beside path (mkstemp: O_EXCL, never through a file someone
 * prepared), flushed to disk and renamed over path; on any failure the
 * new file is removed and path is as it was. Mode 0644 less the umask, as
 * for any file the operator creates, or the mode of the file it replaces. 0, or an error kind with err set. */
static int write_report_file(const char *path, const struct report *r, struct ow_err *err)
{
	size_t n = strlen(path) + sizeof ".tmp-XXXXXX";
	char *tmp = malloc(n);
	mode_t mask = umask(0), mode;
	int fd, rc = -1, why = 0;
	struct stat old;

	umask(mask);
	if (stat(path, &old) == 0 && !S_ISREG(old.st_mode) && !S_ISDIR(old.st_mode)) {
		free(tmp);
		return write_report_into(path, r, err);
	}
	/* A report replaced keeps its mode (a private one stays private). */
	mode = stat(path, &old) == 0 && S_ISREG(old.st_mode) ? old.st_mode & 0777 : 0644 & ~mask;
	if (!tmp)
		return ow_err_set(err, OW_EINPUT, "out of memory");
	snprintf(tmp, n, "%s.tmp-XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0) {
		ow_err_set(err, OW_EINPUT, "cannot create the report beside %s (%s): check that its "
		           "directory exists and that you may write there", path, strerror(errno));
		free(tmp);
		return OW_EINPUT;
	}
	if (fchmod(fd, mode) == 0 && write_report_fd(fd, r) == 0 && fsync(fd) == 0)
		rc = 0;
	why = errno;
	if (close(fd) != 0) {
		why = rc == 0 ? errno : why;
		rc = -1;
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		why = errno;
		rc = -1;
	}
	if (rc != 0) {
		unlink(tmp);
		ow_err_set(err, OW_EINPUT, "writing the report to %s failed (%s): %s is unchanged; "
		           "free some space or choose another file and run osdwarden check again", path,
		           why ? strerror(why) : "incomplete", path);
	} else {
		sync_directory_of(path);
	}
	free(tmp);
	return rc ? OW_EINPUT : 0;
}

const struct ow_opt cmd_check_opts[] = {
	{ "format", 0, 'f', "FORMAT", "text|json|sarif|markdown|html", NULL,
	  "the report's format (default text, or the configuration's [defaults] format); html "
	  "is one self-contained page" },
	{ "category", 0, 'c', "CATEGORY", "security|privacy", NULL,
	  "only the security or only the privacy checklist" },
	{ "fail-on", 0, 'F', "SEVERITY", "info|low|medium|high|critical", NULL,
	  "exit 1 when a failure no waiver covers is of this severity or above" },
	{ "as-of", 0, 'a', "EPOCH", NULL, NULL,
	  "judge ages and expiries as of this moment (Unix seconds), e.g. what fails next "
	  "month; the site's data stays as synced" },
	{ "since", 0, 's', "RUN", NULL, NULL,
	  "compare with the stored run RUN instead of the previous one" },
	{ "all", 0, 'A', NULL, NULL, NULL,
	  "the text report names every failing object, not the first 5 per check" },
	{ "output", 'o', 'o', "FILE", "@file", NULL,
	  "write the report (any format) into FILE, which is replaced only once the report is "
	  "written in full" },
	CLI_HELP_OPT,
	{ NULL, 0, 0, NULL, NULL, NULL, NULL },
};

int cmd_check(struct cli *c, int argc, char **argv)
{
	struct ow_getopt g;
	/* The configuration's [defaults] format, else text. */
	const char *format = c->cfg && c->cfg->format ? c->cfg->format : "text", *output = NULL;
	int cat = -1, opt, rc;
	bool fail_on_set = false, all = false;
	enum chk_sev fail_on = SEV_CRITICAL;
	struct chk_run run;
	struct ow_err e = { 0 };
	struct inv *db;
	long as_of = (long)inv_now(), since = 0;

	ow_getopt_init(&g, cmd_check_opts, NULL);
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, g.shorts, g.longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json") && strcmp(optarg, "sarif") &&
			    strcmp(optarg, "markdown") && strcmp(optarg, "html"))
				return cli_usage(c, "check", "--format is text, json, sarif, markdown or "
				                 "html, not '%s'", optarg);
			format = optarg;
			break;
		case 'c':
			if (strcmp(optarg, "security") == 0)
				cat = CAT_SECURITY;
			else if (strcmp(optarg, "privacy") == 0)
				cat = CAT_PRIVACY;
			else
				return cli_usage(c, "check", "--category is security or privacy");
			break;
		case 'F':
			if (chk_sev_parse(optarg, &fail_on) != 0)
				return cli_usage(c, "check", "--fail-on is info, low, medium, high or "
				                 "critical, not '%s'", optarg);
			fail_on_set = true;
			break;
		case 'a':
			/* Judge ages and expiries as of another moment ("what
			 * fails next month"); the site data stays as synced. */
			if (num_parse_long(optarg, 0, 253402300799L, &as_of) != 0)
				return cli_usage(c, "check", "--as-of wants Unix seconds, not '%s'", optarg);
			break;
		case 's':
			if (num_parse_long(optarg, 1, 1L << 40, &since) != 0)
				return cli_usage(c, "check", "--since wants a run number, not '%s'", optarg);
			break;
		case 'A':
			all = true;   /* text: every object, not the first few per check */
			break;
		case 'o':
			output = optarg;
			break;
		default:
			return cli_usage(c, "check", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage(c, "check", "unexpected '%s'", argv[optind]);
	if ((rc = cli_open_inventory(c, &db)) != 0)
		return rc;
	if (chk_evaluate_since(db, cat, (int64_t)as_of, since, &run, &e) != 0) {
		inv_close(db);
		return cli_fail(c, &e);
	}
	struct report report = { format, &run, db, c->ascii, all };
	if (output && (rc = write_report_file(output, &report, &e)) != 0) {
		chk_run_free(&run);
		inv_close(db);
		return cli_fail(c, &e);
	}
	if (!output && write_report_out(c, &report) != 0) {
		int why = errno;
		chk_run_free(&run);
		inv_close(db);
		ow_err_set(&e, OW_EINPUT, "writing the report failed (%s); it is incomplete: free "
		           "some space, or see to what standard output goes to, and run osdwarden "
		           "check again", why ? strerror(why) : "incomplete");
		return cli_fail(c, &e);
	}
	if (fail_on_set && (rc = gate(&run, fail_on)) < 0) {
		chk_run_free(&run);
		inv_close(db);
		return cli_fail(c, &(struct ow_err){ OW_EINPUT, "the run's results could not be read "
		                "back to judge --fail-on (out of memory, or an I/O error)" });
	}
	if (fail_on_set && rc == 0 && (rc = unread_verdict(c, &run)) != 0) {
		chk_run_free(&run);
		inv_close(db);
		return rc;
	}
	chk_run_free(&run);
	inv_close(db);
	return rc;
}
