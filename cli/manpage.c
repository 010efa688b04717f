/* `osdwarden __man osdwarden|osdwarden.conf`: the manual pages, written
 * as roff from the tables --help reads (the command table, each
 * command's options, the site options, the configuration's keys), so the
 * page says what the program does. The build runs it (doc/meson.build). */
#include <string.h>

#include "cli/cli.h"
#include "cli/config.h"
#include "cli/siteopts.h"

/* A paragraph of plain text. */
static void para(FILE *f, const char *text)
{
	fputs(".PP\n", f);
	ow_roff_text(f, text);
	fputc('\n', f);
}

/* A tagged paragraph: tag in bold, then the text. */
static void tagged(FILE *f, const char *tag, const char *text)
{
	fputs(".TP\n.B ", f);
	ow_roff_text(f, tag);
	fputc('\n', f);
	ow_roff_text(f, text);
	fputc('\n', f);
}

/* Lines kept as they are (synopses, examples, a file's text); spaced:
 * after a paragraph (not straight after a heading, where mandoc says a
 * paragraph break is skipped). */
static void verbatim(FILE *f, const char *text, bool spaced)
{
	fputs(spaced ? ".PP\n.nf\n.RS 4\n" : ".nf\n.RS 4\n", f);
	ow_roff_text(f, text);
	fputs("\n.RE\n.fi\n", f);
}

static void commands(FILE *f)
{
	fputs(".SH COMMANDS\n", f);
	for (size_t i = 0; i < cli_command_count(); i++) {
		const struct cli_command *cmd = cli_command_at(i);
		char synopsis[1024];

		fputs(".SS ", f);
		ow_roff_text(f, cmd->name);
		fputc('\n', f);
		snprintf(synopsis, sizeof synopsis, "osdwarden %s", cmd->usage);
		verbatim(f, synopsis, false);
		fputs(".PP\n", f);
		ow_roff_text(f, cmd->summary);
		fputs(".\n", f);
		if (cmd->opts && ow_opt_count(cmd->opts)) {
			fputs(".RS 4\n", f);
			ow_opt_roff(f, cmd->opts, cmd->name);
			fputs(".RE\n", f);
		}
		if (cmd->site)
			para(f, "It also takes the site options (SITE OPTIONS below).");
	}
}

static void page_osdwarden(FILE *f, const char *date)
{
	fprintf(f, ".TH OSDWARDEN 1 %s \"osdwarden %s\" \"User Commands\"\n", date,
	        OSDWARDEN_VERSION);
	fputs(".SH NAME\nosdwarden \\- the security and privacy console for OS deployment in "
	      "Configuration Manager\n", f);
	fputs(".SH SYNOPSIS\n.B osdwarden\n[\\fIglobal options\\fR] \\fIcommand\\fR "
	      "[\\fIoptions\\fR]\n.br\n.B osdwarden help\n[\\fIcommand\\fR]\n.br\n"
	      ".B osdwarden\n\\-\\-help | \\-\\-version\n", f);
	fputs(".SH DESCRIPTION\n", f);
	ow_roff_text(f, "osdwarden reads the OS-deployment components of a Microsoft Configuration "
	             "Manager site (distribution points, state migration points, boot media, "
	             "certificates, computer associations, task sequences, accounts) through the "
	             "site's AdminService into a local SQLite inventory, evaluates a security and a "
	             "privacy checklist over it, and guides the cleanup. Every change it makes to a "
	             "site is verified and recorded in a tamper-evident audit log; it never stores a "
	             "secret. The console is `osdwarden tui`.");
	fputc('\n', f);
	fputs(".SH GLOBAL OPTIONS\nThey come before the command.\n", f);
	ow_opt_roff(f, cli_global_opts, NULL);
	commands(f);
	fputs(".SH SITE OPTIONS\n", f);
	ow_roff_text(f, "Every command that talks to a site takes them. TLS is always verified "
	             "unless --insecure is given. A password or token is never taken from the "
	             "command line.");
	fputc('\n', f);
	ow_opt_roff(f, siteopts_opts, NULL);
	fputs(".SH EXIT STATUS\n", f);
	tagged(f, "0", "success");
	tagged(f, "1", "findings at or above --fail-on, or an action the site did not apply");
	tagged(f, "2", "a usage or input error: options, a file, the configuration, the inventory");
	tagged(f, "3", "the site is unreachable, or authentication or TLS failed");
	tagged(f, "4", "a partial result: some classes could not be read (sync), or some check could "
	       "not read what it judges (check --fail-on)");
	fputs(".SH ENVIRONMENT\n", f);
	tagged(f, "OSDWARDEN_PASSWORD", "the password for --auth basic or ntlm, or for "
	       "--auth negotiate with --user name@REALM; read once, then wiped from the environment");
	tagged(f, "OSDWARDEN_TOKEN", "the token for --auth bearer; read once, then wiped");
	tagged(f, "OSDWARDEN_CONFIG", "the configuration file to read (it must exist), instead "
	       "of $XDG_CONFIG_HOME/osdwarden/config");
	tagged(f, "OSDWARDEN_NOW", "pins the clock to these Unix seconds (tests and reproducible "
	       "reports); ages, expiries and audit times follow it, and every run warns");
	tagged(f, "OSDWARDEN_STATE_DIR", "an absolute directory for the audit key and anchors, "
	       "instead of $XDG_STATE_HOME/osdwarden");
	tagged(f, "NO_COLOR", "when set and not empty, no colours (as --no-color)");
	tagged(f, "XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_STATE_HOME", "where the configuration, "
	       "the inventory and the audit state live (default ~/.config, ~/.local/share and "
	       "~/.local/state); a relative value is ignored");
	tagged(f, "KRB5CCNAME", "the Kerberos credential cache whose ticket --auth negotiate "
	       "uses (from kinit)");
	tagged(f, "no_proxy, NO_PROXY", "hosts reached without the --proxy");
	fputs(".SH FILES\n", f);
	tagged(f, "$XDG_CONFIG_HOME/osdwarden/config", "the configuration file: defaults and "
	       "provider profiles; see osdwarden.conf(5)");
	tagged(f, "$XDG_DATA_HOME/osdwarden/inventory.db", "the inventory (SQLite): what the "
	       "last sync read, the check runs, decisions, tasks and the audit log");
	tagged(f, "$XDG_STATE_HOME/osdwarden/audit.key", "the HMAC key the audit anchors are "
	       "signed with (0600, in a 0700 directory)");
	tagged(f, "$XDG_STATE_HOME/osdwarden/anchor-*", "the audit log's anchor, one per "
	       "inventory: the head its owner last saw, so a rewritten log is noticed");
	fputs(".SH EXAMPLES\n", f);
	ow_roff_text(f, "Read a site with the Kerberos ticket of kinit, then the checklist's failures of "
	     "high severity or above:\n");
	verbatim(f, "kinit osdaudit@CORP.EXAMPLE\n"
	         "osdwarden sync --provider https://cm01.corp.example --cacert root.pem\n"
	         "osdwarden check --fail-on high", true);
	para(f, "The same with a profile of the configuration file, a report for the auditors, "
	     "and the console:");
	verbatim(f, "osdwarden sync --profile cm01\n"
	         "osdwarden check --format html -o report.html\n"
	         "osdwarden tui", true);
	para(f, "A certificate's impact, then blocking it:");
	verbatim(f, "osdwarden cert block 16777220 --dry-run\n"
	         "osdwarden cert block 16777220", true);
	para(f, "The distribution points as CSV, and the audit chain checked:");
	verbatim(f, "osdwarden list dps --format csv\n"
	         "osdwarden audit verify", true);
	fputs(".SH SEE ALSO\n.BR osdwarden.conf (5),\n.BR osdwarden\\-lab (1),\n.BR kinit (1)\n", f);
}

static void page_conf(FILE *f, const char *date)
{
	const char *name, *section, *values, *help;

	fprintf(f, ".TH OSDWARDEN.CONF 5 %s \"osdwarden %s\" \"File Formats\"\n", date,
	        OSDWARDEN_VERSION);
	fputs(".SH NAME\nosdwarden.conf \\- the configuration file of osdwarden\n", f);
	fputs(".SH SYNOPSIS\n$XDG_CONFIG_HOME/osdwarden/config "
	      "(~/.config/osdwarden/config), or $OSDWARDEN_CONFIG, or \\-\\-config FILE\n", f);
	fputs(".SH DESCRIPTION\n", f);
	ow_roff_text(f, "An INI-like file: '[defaults]' and '[provider NAME]' sections of "
	             "'key = value' lines; lines starting with '#' or ';' are comments. It is read "
	             "and checked in full before any command runs, the console included: an unknown "
	             "key, a bad value or a key set twice stops osdwarden with exit status 2, naming "
	             "the file and the line. The default file may be absent; one named by "
	             "OSDWARDEN_CONFIG or --config must exist. A value starting with ~/ in a path "
	             "key is under the home directory. The command line wins over the file.");
	fputc('\n', f);
	para(f, "The file never holds a secret: a key that would (password, token, secret and "
	     "the like) is refused wherever it stands. Name a 0600 file with password_file, or use "
	     "OSDWARDEN_PASSWORD or the prompt.");
	fputs(".SH KEYS\n", f);
	static const char *const sections[] = { "defaults", "provider" };

	for (size_t s = 0; s < 2; s++) {
		const char *want = sections[s];
		fprintf(f, ".SS [%s]\n", s == 0 ? "defaults" : "provider NAME");
		if (s == 1)
			ow_roff_text(f, "A profile: --profile NAME (or [defaults] profile) fills what the command "
			     "line leaves out, and the inventory remembers the profile a site came from.\n");
		for (size_t i = 0; (name = cfg_key_at(i, &section, &values, &help)) != NULL; i++) {
			if (strcmp(section, want) != 0)
				continue;
			fputs(".TP\n\\fB", f);
			ow_roff_text(f, name);
			fputs("\\fR = ", f);
			fputs("\\fI", f);
			ow_roff_text(f, values ? values : "VALUE");
			fputs("\\fR\n", f);
			ow_roff_text(f, help);
			fputc('\n', f);
		}
	}
	fputs(".SH EXAMPLE\n", f);
	verbatim(f, "[defaults]\n"
	         "db = ~/osd/inventory.db\n"
	         "format = text\n"
	         "profile = cm01\n"
	         "\n"
	         "[provider cm01]\n"
	         "url = https://cm01.corp.example\n"
	         "auth = negotiate\n"
	         "user = osdaudit@CORP.EXAMPLE\n"
	         "cacert = /etc/osdwarden/sms-issuing-root.pem\n"
	         "site = HLD\n"
	         "timeout = 300", false);
	fputs(".SH SEE ALSO\n.BR osdwarden (1)\n", f);
}

int cli_man(struct cli *c, const char *page)
{
	char date[32];

	ow_man_date(date, sizeof date);
	if (strcmp(page, "osdwarden") == 0)
		page_osdwarden(c->out, date);
	else if (strcmp(page, "osdwarden.conf") == 0)
		page_conf(c->out, date);
	else
		return cli_usage(c, NULL, "there is no manual page '%s' (osdwarden, osdwarden.conf)",
		                 page);
	return 0;
}
