#include <getopt.h>
#include <string.h>
#include <time.h>

#include "checks/checks.h"
#include "cli/cli.h"
#include "util/num.h"

int cmd_check(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "category", required_argument, NULL, 'c' },
		{ "fail-on", required_argument, NULL, 'F' },
		{ "as-of", required_argument, NULL, 'a' },
		{ "since", required_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "text";
	int cat = -1, opt, rc;
	bool fail_on_set = false, all = false;
	enum chk_sev fail_on = SEV_CRITICAL;
	struct chk_run run;
	struct ow_err e = { 0 };
	struct inv *db;
	long as_of = (long)inv_now(), since = 0;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json") && strcmp(optarg, "sarif") &&
			    strcmp(optarg, "markdown"))
				return cli_usage(c, "check", "--format is text, json, sarif or markdown, "
				                 "not '%s'", optarg);
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
		case 'h':
			return cli_help(c, "check");
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
	if (strcmp(format, "json") == 0)
		rc = chk_write_json(c->out, &run);
	else if (strcmp(format, "sarif") == 0)
		rc = chk_write_sarif(c->out, &run);
	else if (strcmp(format, "markdown") == 0)
		rc = chk_write_markdown(c->out, &run);
	else
		rc = chk_write_text(c->out, &run, c->ascii, all);
	if (rc != 0) {
		chk_run_free(&run);
		inv_close(db);
		return cli_fail(c, &(struct ow_err){ OW_EINPUT,
		                "writing the report failed; it is incomplete (run osdwarden check again)" });
	}
	for (size_t i = 0; fail_on_set && i < run.n; i++)
		if (run.results[i].state == CS_FAIL && !run.results[i].waived &&
		    run.results[i].sev >= fail_on)
			rc = OW_EFINDINGS;
	chk_run_free(&run);
	inv_close(db);
	return rc;
}
