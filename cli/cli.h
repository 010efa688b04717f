/* The command line: global options, the command table, exit codes. */
#ifndef OW_CLI_CLI_H
#define OW_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "db/db.h"
#include "util/err.h"
#include "util/opttab.h"

struct cli {
	FILE *out, *err;
	const char *db_path;   /* --db, or NULL for the default */
	bool read_only;        /* --read-only */
	bool no_color;         /* --no-color or NO_COLOR */
	bool ascii;            /* the locale cannot show UTF-8 */
	/* The configuration file, read and checked before the command runs
	 * (cli/config.h); empty when there is none. */
	const struct cfg *cfg;
};

/* Runs osdwarden with argv; returns the exit code (DESIGN §7). The caller
 * sets the locale; output goes to out and err. */
int cli_main(int argc, char **argv, FILE *out, FILE *err);

/* For commands: report an error as "osdwarden: ..." and return its kind. */
int cli_fail(struct cli *c, const struct ow_err *e);
int cli_usage(struct cli *c, const char *cmd, const char *fmt, ...) OW_PRINTF(3, 4);
/* A command's usage and summary from the one command table: `osdwarden
 * help NAME` and a command's own --help. */
int cli_help(struct cli *c, const char *name);

/* Opens the inventory the global options name into *db (the caller
 * inv_closes it); prints the error itself. A file that is not there is
 * refused (a mistyped --db is not a new, empty site); only the commands
 * that fill or prepare an inventory (sync, demo, settings, and the console,
 * which syncs from within) create it, with cli_create_inventory. */
int cli_open_inventory(struct cli *c, struct inv **db);
int cli_create_inventory(struct cli *c, struct inv **db);

/* A row of the command table: what runs it and what documents it. --help,
 * `osdwarden help`, the manual page and the completion read these rows. */
struct cli_command {
	const char *name;
	int (*run)(struct cli *c, int argc, char **argv);
	const char *usage;            /* the synopsis after "osdwarden " */
	const char *summary;
	const struct ow_opt *opts;    /* the table its getopt_long reads; NULL: none */
	bool site;                    /* it also takes the site options (siteopts_opts) */
};

size_t cli_command_count(void);
const struct cli_command *cli_command_at(size_t i);
/* The command called name, or NULL. */
const struct cli_command *cli_command_find(const char *name);

/* The options before the command (--db, --read-only, ...). */
extern const struct ow_opt cli_global_opts[];
/* A table of one row, --help, for the commands whose table has none. */
extern const struct ow_opt cli_help_opts[];
#define CLI_HELP_OPT { "help", 'h', 'h', NULL, NULL, NULL, "this command's usage and options" }

/* The hidden helpers: `osdwarden __man PAGE` writes a manual page as roff
 * (cli/manpage.c), `osdwarden __complete WORD...` the candidates for the
 * last word, one a line (cli/complete.c). */
int cli_man(struct cli *c, const char *page);
int cli_complete(struct cli *c, int argc, char **argv);

/* The option tables of the commands (each in its command's file). */
extern const struct ow_opt cmd_check_opts[];
extern const struct ow_opt cmd_list_opts[];
extern const struct ow_opt cmd_audit_opts[];
extern const struct ow_opt cmd_decide_opts[];
extern const struct ow_opt cmd_tag_opts[];
extern const struct ow_opt cmd_demo_opts[];
extern const struct ow_opt actcmd_opts[];

/* Commands (one file each). argv[0] is the command's name. */
int cmd_list(struct cli *c, int argc, char **argv);
int cmd_sync(struct cli *c, int argc, char **argv);
int cmd_doctor(struct cli *c, int argc, char **argv);
int cmd_check(struct cli *c, int argc, char **argv);
int cmd_attest(struct cli *c, int argc, char **argv);
int cmd_waive(struct cli *c, int argc, char **argv);
int cmd_tag(struct cli *c, int argc, char **argv);
int cmd_audit(struct cli *c, int argc, char **argv);
int cmd_settings(struct cli *c, int argc, char **argv);
int cmd_cert(struct cli *c, int argc, char **argv);
int cmd_assoc(struct cli *c, int argc, char **argv);
int cmd_dp(struct cli *c, int argc, char **argv);
int cmd_boot(struct cli *c, int argc, char **argv);
int cmd_smp(struct cli *c, int argc, char **argv);
int cmd_task(struct cli *c, int argc, char **argv);
int cmd_tui(struct cli *c, int argc, char **argv);
int cmd_demo(struct cli *c, int argc, char **argv);

#endif
