#include "cli/cli.h"

#include <getopt.h>
#include <jansson.h>
#include <langinfo.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "backend/http.h"
#include "cli/config.h"
#include "cli/siteopts.h"
#include "db/db.h"
#include "db/list.h"
#include "tui/tui.h"

const struct ow_opt cli_help_opts[] = {
	CLI_HELP_OPT,
	{ NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct ow_opt cli_global_opts[] = {
	{ "db", 0, 'd', "FILE", "@file", NULL,
	  "the inventory (default $XDG_DATA_HOME/osdwarden/inventory.db, or the configuration's "
	  "[defaults] db); only sync, demo, settings and tui create it" },
	{ "read-only", 0, 'r', NULL, NULL, NULL, "never write: the inventory is opened read-only" },
	{ "no-color", 0, 'c', NULL, NULL, NULL, "no colours (also when NO_COLOR is set)" },
	{ "help", 'h', 'h', NULL, NULL, NULL,
	  "this help; `osdwarden help COMMAND` for one command" },
	{ "version", 'V', 'V', NULL, NULL, NULL, "version and library versions" },
	{ "config", 0, 'C', "FILE", "@file", NULL,
	  "the configuration file (default $OSDWARDEN_CONFIG, else "
	  "$XDG_CONFIG_HOME/osdwarden/config; see osdwarden.conf(5))" },
	{ NULL, 0, 0, NULL, NULL, NULL, NULL },
};

/* Only commands that work are listed; later ones are added as they land. */
static const struct cli_command commands[] = {
	{ "sync", cmd_sync, "sync " SITEOPTS_USAGE,
	  "read a site through its AdminService into the inventory", cli_help_opts, true },
	{ "doctor", cmd_doctor, "doctor " SITEOPTS_USAGE,
	  "check DNS, TCP, TLS, auth, RBAC and the API a site offers", cli_help_opts, true },
	{ "check", cmd_check,
	  "check [--format text|json|sarif|markdown|html] [--category security|privacy]\n"
	  "       [--fail-on SEVERITY] [--as-of EPOCH] [--since RUN] [--all] [-o FILE]",
	  "evaluate the security and privacy checklist over the inventory", cmd_check_opts, false },
	{ "attest", cmd_attest, "attest CHECK [--object ID] --note TEXT [--expires DAYS]",
	  "record that a manual control is in place (default 90 days)", cmd_decide_opts, false },
	{ "waive", cmd_waive, "waive CHECK [--object ID] --reason TEXT --expires DAYS",
	  "accept a failure for a while, visibly", cmd_decide_opts, false },
	{ "tag", cmd_tag,
	  "tag dp SERVER [--trust trusted|untrusted|perimeter] [--sanctioned|--not-sanctioned]\n"
	  "       tag cert SMSID --compromised|--not-compromised   [--note TEXT]",
	  "tell osdwarden what the site cannot know", cmd_tag_opts, false },
	{ "settings", cmd_settings, "settings [list] | settings set KEY VALUE",
	  "show or change the policy thresholds the checks use", cli_help_opts, false },
	{ "audit", cmd_audit, "audit list [--format text|json] | audit verify | audit export-head "
	  "[--syslog] | audit re-anchor",
	  "show the tamper-evident audit log, check its chain and anchor, ship its head off-host, "
	  "or start a new anchor after a failure you can explain", cmd_audit_opts, false },
	{ "cert", cmd_cert, "cert block|unblock SMSID [--yes] [--dry-run] [site options]",
	  "block or unblock a certificate on the site, verified and audited", actcmd_opts, true },
	{ "assoc", cmd_assoc,
	  "assoc delete SOURCE_ID RESTORE_ID [--yes] [--dry-run]\n"
	  "       assoc prune [--released-before DAYS] [--yes] [--dry-run]",
	  "delete computer associations, one or all restored long enough ago", actcmd_opts, true },
	{ "smp", cmd_smp,
	  "smp decommission SERVER [--step next | --step attest --note TEXT] [--yes]\n"
	  "       smp restore-only SERVER on|off | smp deletion-policy SERVER DAYS\n"
	  "       smp remove SERVER   [--yes] [--dry-run]",
	  "decommission a state migration point step by step, or change one", actcmd_opts, true },
	{ "dp", cmd_dp,
	  "dp pxe SERVER [--active on|off] [--bind all|listed] [--macs MAC,...] [--yes] [--dry-run]",
	  "change a distribution point's PXE responder", actcmd_opts, true },
	{ "boot", cmd_boot, "boot f8-off PACKAGE_ID [--yes] [--dry-run]",
	  "turn the F8 command prompt off in a boot image", actcmd_opts, true },
	{ "task", cmd_task,
	  "task list | task show ID | task resume ID [--step next | --step attest --note TEXT]\n"
	  "       task start cert-block SMSID | assoc-prune [DAYS] | fix CHECK OBJECT",
	  "guided tasks: persisted step by step, resumable after a dropped session", actcmd_opts,
	  true },
	{ "demo", cmd_demo, "demo [--script FILE [--size COLSxROWS]] | demo --adopt ORIGIN",
	  "start osdwarden-lab on loopback, sync it, open the console on it (a key script "
	  "drives the console without a terminal)", cmd_demo_opts, false },
	{ "tui", cmd_tui, "tui [--script FILE [--size COLSxROWS]] [--view NAME] [site options]",
	  "the console: dashboard, lists, checklists, guided tasks", actcmd_opts, true },
	{ "list", cmd_list,
	  "list dps|smps|media|certs|assocs|ts|admins|sites [--format text|json|csv]\n"
	  "       [--filter TEXT] [--sort COLUMN] [--desc] [--limit N]",
	  "print one inventory list", cmd_list_opts, false },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

size_t cli_command_count(void)
{
	return N_COMMANDS;
}

const struct cli_command *cli_command_at(size_t i)
{
	return i < N_COMMANDS ? &commands[i] : NULL;
}

static void print_help(FILE *f)
{
	fputs("osdwarden: the security and privacy console for OS deployment in\n"
	      "Configuration Manager.\n\n"
	      "usage: osdwarden [--db FILE] [--read-only] [--no-color] [--config FILE] <command> [options]\n"
	      "       osdwarden --help | --version\n\n"
	      "global options:\n", f);
	ow_opt_print(f, cli_global_opts, NULL, 80);
	fputs("\ncommands:\n", f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("\nexit codes: 0 ok, 1 findings at/above --fail-on or an action not applied,\n"
	      "2 usage or input error, 3 site unreachable/auth/TLS, 4 partial result.\n", f);
}

static void print_version(FILE *f)
{
	fprintf(f, "osdwarden %s\ninventory schema %d\nSQLite %s\n%s\njansson %s\n%s\n",
	        OSDWARDEN_VERSION, inv_schema_latest(), inv_library_version(),
	        http_library_versions(), jansson_version_str(), tui_library_version());
}

const struct cli_command *cli_command_find(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int cli_fail(struct cli *c, const struct ow_err *e)
{
	fprintf(c->err, "osdwarden: %s\n", e->msg);
	return e->kind == OW_OK ? OW_EINPUT : (int)e->kind;
}

int cli_usage(struct cli *c, const char *cmd, const char *fmt, ...)
{
	const struct cli_command *command = cmd ? cli_command_find(cmd) : NULL;
	va_list ap;

	fputs("osdwarden: ", c->err);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	if (command)
		fprintf(c->err, "\nusage: osdwarden %s\n", command->usage);
	else
		fputs("\nsee osdwarden --help\n", c->err);
	return OW_EINPUT;
}

static int open_inventory(struct cli *c, struct inv **db, bool must_exist)
{
	struct inv_open_opts o = { .path = c->db_path, .read_only = c->read_only,
	                           .must_exist = must_exist };
	struct ow_err e = { 0 };

	if (inv_open(&o, db, &e) != 0)
		return cli_fail(c, &e);
	if (inv_warning(*db))
		fprintf(c->err, "osdwarden: warning: %s\n", inv_warning(*db));
	return 0;
}

int cli_open_inventory(struct cli *c, struct inv **db)
{
	return open_inventory(c, db, true);
}

int cli_create_inventory(struct cli *c, struct inv **db)
{
	return open_inventory(c, db, false);
}

int cli_help(struct cli *c, const char *name)
{
	const struct cli_command *cmd = cli_command_find(name);

	if (!cmd)
		return cli_usage(c, NULL, "there is no command '%s'", name);
	fprintf(c->out, "usage: osdwarden %s\n\n%s.\n", cmd->usage, cmd->summary);
	if (cmd->opts) {
		fputs("\noptions:\n", c->out);
		ow_opt_print(c->out, cmd->opts, cmd->name, 80);
	}
	if (cmd->site) {
		fputs("\nsite options:\n", c->out);
		ow_opt_print(c->out, siteopts_opts, cmd->name, 80);
	}
	return 0;
}

/* Whether a command's arguments ask for its help (-h, --help), read as
 * its own getopt_long reads them (`--note --help` is a note), on a copy:
 * GNU getopt permutes the vector it is given. optind is the caller's
 * again on return. */
static bool wants_help(const struct cli_command *cmd, int argc, char **argv)
{
	char **copy = calloc((size_t)argc + 1, sizeof *copy);
	struct ow_getopt g;
	bool help = false;
	int opt, saved = optind;

	if (!copy)
		return false;
	memcpy(copy, argv, (size_t)argc * sizeof *copy);
	ow_getopt_init(&g, cmd->site ? siteopts_opts : NULL, cmd->opts);
	optind = 0;
	opterr = 0;
	while (!help && (opt = getopt_long(argc, copy, g.shorts, g.longopts, NULL)) != -1)
		help = opt == 'h';
	free(copy);
	optind = saved;
	return help;
}

int cli_main(int argc, char **argv, FILE *out, FILE *err)
{
	struct ow_getopt g;
	struct cli c = { .out = out, .err = err };
	struct cfg cfg;
	struct ow_err e = { 0 };
	const char *config_path = NULL;
	const char *nc = getenv("NO_COLOR"), *codeset = nl_langinfo(CODESET);
	const struct cli_command *cmd;
	int opt;

	c.no_color = nc && nc[0];
	c.ascii = !codeset || strcmp(codeset, "UTF-8") != 0;
	ow_getopt_init(&g, cli_global_opts, NULL);
	optind = 0;   /* GNU: full re-initialisation, so cli_main can run twice */
	opterr = 0;
	/* '+': stop at the command; its options are its own. */
	while ((opt = getopt_long(argc, argv, "+hV", g.longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			c.db_path = optarg;
			break;
		case 'r':
			c.read_only = true;
			break;
		case 'c':
			c.no_color = true;
			break;
		case 'C':
			config_path = optarg;
			break;
		case 'h':
			print_help(out);
			return 0;
		case 'V':
			print_version(out);
			return 0;
		default:
			return cli_usage(&c, NULL, "unknown or incomplete option '%s'",
			                 argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		print_help(err);
		return OW_EINPUT;
	}
	if (strcmp(argv[optind], "help") == 0) {
		if (optind + 1 < argc)
			return cli_help(&c, argv[optind + 1]);
		print_help(out);
		return 0;
	}
	/* Hidden: the build's manual pages and the shells' completion. */
	if (strcmp(argv[optind], "__man") == 0)
		return optind + 2 == argc ? cli_man(&c, argv[optind + 1])
		                          : cli_usage(&c, NULL, "__man wants one page name");
	if (strcmp(argv[optind], "__complete") == 0) {
		/* The configuration's profiles and db, when it reads; a bad
		 * file is the command's business, not the shell's. */
		int rc = cfg_load(config_path, &cfg, &e);
		c.cfg = rc == 0 ? &cfg : NULL;
		if (!c.db_path && rc == 0 && cfg.db)
			c.db_path = cfg.db;
		rc = cli_complete(&c, argc - optind - 1, argv + optind + 1);
		cfg_free(&cfg);
		return rc;
	}
	cmd = cli_command_find(argv[optind]);
	if (!cmd)
		return cli_usage(&c, NULL, "there is no command '%s'", argv[optind]);
	/* One place answers every command's -h and --help, from the tables;
	 * before the configuration, so a bad file does not hide the help. */
	if (wants_help(cmd, argc - optind, argv + optind))
		return cli_help(&c, cmd->name);
	/* The whole file is checked before anything starts (the console
	 * included): a bad line stops here, naming itself. */
	if (cfg_load(config_path, &cfg, &e) != 0) {
		cfg_free(&cfg);
		return cli_fail(&c, &e);
	}
	c.cfg = &cfg;
	if (!c.db_path && cfg.db)
		c.db_path = cfg.db;
	if (cfg.color && strcmp(cfg.color, "never") == 0)
		c.no_color = true;
	/* A pinned clock is for tests and reproducible reports: say so, since
	 * ages, expiries and the times of audit rows then follow it. */
	if (getenv("OSDWARDEN_NOW") && *getenv("OSDWARDEN_NOW"))
		fprintf(err, "osdwarden: warning: the clock is pinned by OSDWARDEN_NOW; ages, expiries "
		        "and audit times follow it (unset it outside tests)\n");
	{
		int rc = cmd->run(&c, argc - optind, argv + optind);
		cfg_free(&cfg);
		return rc;
	}
}
