/* The manual pages and the help against the tables they are made from:
 * every option of every command in its section of osdwarden(1), every
 * option a synopsis names in the command's getopt table, every key of the
 * configuration in osdwarden.conf(5), whose example is a file cfg_load
 * takes. */
#include "support/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/config.h"
#include "cli/siteopts.h"
#include "db/list.h"

static char *g_dir;

static int setup(void **state)
{
	(void)state;
	g_dir = tu_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(g_dir);
	free(g_dir);
	return 0;
}

/* `osdwarden __man PAGE`, its text (new string). */
static char *man_page(const char *page)
{
	char *db = tu_path(g_dir, "unused.db");
	struct tu_run r = tu_cli(db, (const char *const[]){ "__man", page, NULL });
	char *text = r.out;

	assert_int_equal(r.rc, 0);
	assert_string_equal(r.err, "");
	free(r.err);
	free(db);
	return text;
}

/* The text of section (".SH NAME" or ".SS NAME") up to the next heading of
 * either kind, in a new string; fails the test when it is absent. */
static char *section(const char *page, const char *heading)
{
	char needle[128];
	const char *start, *end, *sh, *ss;

	snprintf(needle, sizeof needle, "\n%s\n", heading);
	start = strstr(page, needle);
	if (!start)
		fail_msg("no '%s' in the page", heading);
	start += strlen(needle);
	sh = strstr(start, "\n.SH ");
	ss = strstr(start, "\n.SS ");
	end = !sh ? ss : !ss ? sh : sh < ss ? sh : ss;
	if (!end)
		end = start + strlen(start);
	return strndup(start, (size_t)(end - start));
}

/* name with its hyphens as roff writes them ("dry\-run"). */
static void roff_escape(const char *name, char *out, size_t n)
{
	size_t len = 0;

	for (; *name && len + 3 < n; name++) {
		if (*name == '-')
			out[len++] = '\\';
		out[len++] = *name;
	}
	out[len] = '\0';
}

/* "\fB\-\-dry\-run" for "dry-run": how ow_opt_roff writes the name. */
static void roff_long(const char *name, char *out, size_t n)
{
	char escaped[96];

	roff_escape(name, escaped, sizeof escaped);
	snprintf(out, n, "\\fB\\-\\-%s", escaped);
}

static void assert_options_in(const char *text, const struct ow_opt *t, const char *cmd,
                              const char *where)
{
	char needle[128];

	for (const struct ow_opt *o = t; o && o->name; o++) {
		if (!ow_opt_for(o, cmd))
			continue;
		roff_long(o->name, needle, sizeof needle);
		if (!strstr(text, needle))
			fail_msg("--%s (%s) is not in %s of osdwarden(1)", o->name, cmd ? cmd : "global",
			         where);
		assert_non_null(o->help);
		assert_true(strlen(o->help) > 10);
	}
}

static void test_every_option_of_every_command_is_in_its_section_of_osdwarden_1(void **state)
{
	char *page = man_page("osdwarden"), *text, heading[64];

	(void)state;
	assert_true(strncmp(page, ".TH OSDWARDEN 1 ", 16) == 0);
	for (size_t i = 0; i < cli_command_count(); i++) {
		const struct cli_command *cmd = cli_command_at(i);
		snprintf(heading, sizeof heading, ".SS %s", cmd->name);
		text = section(page, heading);
		assert_options_in(text, cmd->opts, cmd->name, heading);
		if (cmd->site)
			assert_non_null(strstr(text, "SITE OPTIONS"));
		free(text);
	}
	text = section(page, ".SH SITE OPTIONS");
	assert_options_in(text, siteopts_opts, NULL, "SITE OPTIONS");
	free(text);
	text = section(page, ".SH GLOBAL OPTIONS");
	assert_options_in(text, cli_global_opts, NULL, "GLOBAL OPTIONS");
	free(text);
	/* What an operator looks for besides the options. */
	const char *const env[] = { "OSDWARDEN_PASSWORD", "OSDWARDEN_TOKEN", "OSDWARDEN_CONFIG",
		"OSDWARDEN_NOW", "OSDWARDEN_STATE_DIR", "NO_COLOR", "XDG_CONFIG_HOME",
		"XDG_DATA_HOME", "XDG_STATE_HOME", "KRB5CCNAME" };
	text = section(page, ".SH ENVIRONMENT");
	for (size_t i = 0; i < sizeof env / sizeof env[0]; i++)
		if (!strstr(text, env[i]))
			fail_msg("%s is not in ENVIRONMENT", env[i]);
	free(text);
	text = section(page, ".SH FILES");
	assert_non_null(strstr(text, "inventory.db"));
	assert_non_null(strstr(text, "osdwarden/config"));
	assert_non_null(strstr(text, "audit.key"));
	free(text);
	text = section(page, ".SH EXIT STATUS");
	for (char code = '0'; code <= '4'; code++) {
		char tag[8] = { '.', 'B', ' ', code, '\0' };
		assert_non_null(strstr(text, tag));
	}
	free(text);
	free(page);
}

/* Each --name (or -x) a synopsis spells, inside brackets or between '|'. */
static void assert_synopsis_options_exist(const struct cli_command *cmd)
{
	const char *p = cmd->usage;

	while ((p = strchr(p, '-')) != NULL) {
		char name[64];
		size_t n;
		bool is_long = p[1] == '-', found = false;
		const char *start = p + (is_long ? 2 : 1);

		/* only an option: "-" after a space, '[' or '|' */
		if (p != cmd->usage && !strchr(" [|", p[-1])) {
			p++;
			continue;
		}
		n = strspn(start, "abcdefghijklmnopqrstuvwxyz0123456789-");
		snprintf(name, sizeof name, "%.*s", (int)n, start);
		p = start + n;
		if (!n)
			continue;
		const struct ow_opt *tables[] = { cmd->opts, cmd->site ? siteopts_opts : NULL };
		for (size_t t = 0; t < 2 && !found; t++)
			for (const struct ow_opt *o = tables[t]; o && o->name && !found; o++)
				found = is_long ? strcmp(o->name, name) == 0
				                : n == 1 && o->letter == name[0];
		if (!found)
			fail_msg("osdwarden %s: the synopsis names %s%s, which its option table does "
			         "not have", cmd->name, is_long ? "--" : "-", name);
	}
}

static void test_every_option_a_synopsis_names_is_in_the_commands_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < cli_command_count(); i++)
		assert_synopsis_options_exist(cli_command_at(i));
}

/* getopt_long takes the first row of a name: two rows of one name (or
 * one code for two meanings) in a command's tables would hide one. */
static void test_a_commands_tables_fit_getopt_and_name_each_option_once(void **state)
{
	(void)state;
	for (size_t i = 0; i < cli_command_count(); i++) {
		const struct cli_command *cmd = cli_command_at(i);
		struct ow_getopt g;
		/* as siteopts_parse and actcmd_session_parse put them together */
		int n = ow_getopt_init(&g, cmd->site ? siteopts_opts : NULL, cmd->opts);

		assert_true(n >= 0);
		for (int a = 0; a < n; a++)
			for (int b = a + 1; b < n; b++) {
				if (strcmp(g.longopts[a].name, g.longopts[b].name) == 0 ||
				    g.longopts[a].val == g.longopts[b].val)
					fail_msg("osdwarden %s: --%s and --%s share a name or a code", cmd->name,
					         g.longopts[a].name, g.longopts[b].name);
			}
	}
}

/* What osdwarden(1) says of -h, --help for every command. */
static void test_every_command_takes_help_and_prints_its_usage_and_options(void **state)
{
	char *db = tu_path(g_dir, "unused.db"), want[64];

	(void)state;
	for (size_t i = 0; i < cli_command_count(); i++) {
		const struct cli_command *cmd = cli_command_at(i);
		for (int form = 0; form < 2; form++) {
			struct tu_run r = tu_cli(db, (const char *const[]){ cmd->name,
			                                                    form ? "-h" : "--help", NULL });
			snprintf(want, sizeof want, "usage: osdwarden %s", cmd->name);
			if (r.rc != 0 || strncmp(r.out, want, strlen(want)) != 0 || *r.err)
				fail_msg("osdwarden %s %s: exit %d, out '%.60s', err '%.80s'", cmd->name,
				         form ? "-h" : "--help", r.rc, r.out, r.err);
			if (cmd->opts && ow_opt_count(cmd->opts) > 1)
				assert_non_null(strstr(r.out, "\noptions:\n"));
			tu_run_free(&r);
		}
	}
	/* a value that looks like the option is the option's value, as getopt has it */
	struct tu_run r = tu_cli(db, (const char *const[]){ "attest", "OSD-PXE-004", "--note",
	                                                    "--help", "--object", NULL });
	assert_int_equal(r.rc, 2);
	assert_null(strstr(r.out, "usage:"));
	tu_run_free(&r);
	free(db);
}

/* The completion offers list's names from its synopsis: they are db/list's. */
static void test_the_list_synopsis_names_the_lists_db_list_has(void **state)
{
	char want[256];

	(void)state;
	snprintf(want, sizeof want, "list %s ", inv_list_names());
	assert_non_null(cli_command_find("list"));
	assert_true(strncmp(cli_command_find("list")->usage, want, strlen(want)) == 0);
}

static void test_help_of_a_command_lists_its_options_and_not_the_others(void **state)
{
	char *db = tu_path(g_dir, "unused.db");
	struct tu_run r = tu_cli(db, (const char *const[]){ "help", "dp", NULL });

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "--macs MAC,..."));
	assert_non_null(strstr(r.out, "--provider URL"));
	/* the console's and the tasks' rows of the shared table are not dp's */
	assert_null(strstr(r.out, "--script"));
	assert_null(strstr(r.out, "--step"));
	tu_run_free(&r);
	r = tu_cli(db, (const char *const[]){ "help", "waive", NULL });
	assert_non_null(strstr(r.out, "--reason TEXT"));
	assert_null(strstr(r.out, "--note"));
	tu_run_free(&r);
	free(db);
}

static void test_every_config_key_is_in_osdwarden_conf_5(void **state)
{
	char *page = man_page("osdwarden.conf"), *defaults, *provider, needle[80];
	const char *name, *sec, *values, *help;
	size_t n = 0;

	(void)state;
	assert_true(strncmp(page, ".TH OSDWARDEN.CONF 5 ", 21) == 0);
	defaults = section(page, ".SS [defaults]");
	provider = section(page, ".SS [provider NAME]");
	for (size_t i = 0; (name = cfg_key_at(i, &sec, &values, &help)) != NULL; i++, n++) {
		char escaped[64];
		roff_escape(name, escaped, sizeof escaped);
		snprintf(needle, sizeof needle, ".TP\n\\fB%s\\fR = ", escaped);
		if (!strstr(strcmp(sec, "defaults") == 0 ? defaults : provider, needle))
			fail_msg("config key %s ([%s]) is not in osdwarden.conf(5)", name, sec);
		assert_true(help && strlen(help) > 10);
	}
	/* the keys table's rows, timeout among them */
	assert_true(n >= 12);
	free(defaults);
	free(provider);
	free(page);
}

/* The page's EXAMPLE is a file the parser takes as it stands. */
static void test_the_example_in_osdwarden_conf_5_is_a_valid_file(void **state)
{
	char *page = man_page("osdwarden.conf"), *text = section(page, ".SH EXAMPLE");
	char *body = strstr(text, ".RS 4\n"), *end, *path = tu_path(g_dir, "example.conf");
	struct cfg cfg;
	struct ow_err e = { 0 };
	size_t len = 0;

	(void)state;
	assert_non_null(body);
	body += 6;
	end = strstr(body, "\n.RE");
	assert_non_null(end);
	*end = '\0';
	/* roff back to text: \- is '-', \e is '\' */
	for (char *r = body, *w = body; ; r++) {
		if (r[0] == '\\' && (r[1] == '-' || r[1] == 'e'))
			*w++ = *++r == '-' ? '-' : '\\';
		else
			*w++ = *r;
		if (!*r)
			break;
	}
	len = strlen(body);
	assert_int_equal(tu_write_file(path, body, len), 0);
	if (cfg_load(path, &cfg, &e) != 0)
		fail_msg("the example of osdwarden.conf(5) does not load: %s", e.msg);
	assert_non_null(cfg_profile(&cfg, "cm01"));
	assert_string_equal(cfg_profile(&cfg, "cm01")->url, "https://cm01.corp.example");
	assert_int_equal(cfg_profile(&cfg, "cm01")->timeout, 300);
	cfg_free(&cfg);
	free(path);
	free(text);
	free(page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_option_of_every_command_is_in_its_section_of_osdwarden_1),
		cmocka_unit_test(test_every_option_a_synopsis_names_is_in_the_commands_table),
		cmocka_unit_test(test_a_commands_tables_fit_getopt_and_name_each_option_once),
		cmocka_unit_test(test_every_command_takes_help_and_prints_its_usage_and_options),
		cmocka_unit_test(test_the_list_synopsis_names_the_lists_db_list_has),
		cmocka_unit_test(test_help_of_a_command_lists_its_options_and_not_the_others),
		cmocka_unit_test(test_every_config_key_is_in_osdwarden_conf_5),
		cmocka_unit_test(test_the_example_in_osdwarden_conf_5_is_a_valid_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
