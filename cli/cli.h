/* The command line: global options, the command table, exit codes. */
#ifndef OW_CLI_CLI_H
#define OW_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "db/db.h"
#include "util/err.h"

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
 * inv_closes it); prints the error itself. */
int cli_open_inventory(struct cli *c, struct inv **db);

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
