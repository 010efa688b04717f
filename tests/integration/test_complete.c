/* The bash completion (contrib/completion/osdwarden.bash) as bash runs it:
 * COMP_WORDS and COMP_CWORD set, the function called, COMPREPLY read; and
 * the zsh one, with compadd stood in for.
 * Commands, options, option values and check IDs come from the tables;
 * DP servers and SMSIDs from an inventory synced from the lab, opened
 * read-only: a missing one gives nothing and is not created. */
#include "support/labsite.h"
#include "support/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/checks.h"

static struct labsite g_ls;
static char *g_home;

static int setup(void **state)
{
	char *data, *config;

	(void)state;
	if (labsite_synced(&g_ls, "complete") != 0)
		return -1;
	/* No inventory or configuration of the runner's is read. */
	g_home = tu_tmpdir();
	data = tu_path(g_home, "data");
	config = tu_path(g_home, "config");
	mkdir(data, 0700);
	setenv("XDG_DATA_HOME", data, 1);
	setenv("XDG_CONFIG_HOME", config, 1);
	unsetenv("OSDWARDEN_CONFIG");
	free(data);
	free(config);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(g_home);
	free(g_home);
	labsite_free(&g_ls);
	return 0;
}

/* COMPREPLY, one a line, after bash completes words (the last being the
 * one typed) in the directory cwd (NULL: the test's home); a new string. */
static char *complete(const char *cwd, const char *const *words)
{
	char *script = tu_path(g_home, "complete.sh"), cmd[1024], line[512];
	const char *build = getenv("OW_BUILD_DIR"), *src = getenv("OW_SOURCE_ROOT");
	FILE *f = fopen(script, "w"), *p;
	size_t n = 0, len = 0, cap = 4096;
	char *out = calloc(1, cap);

	assert_non_null(f);
	assert_non_null(build);
	assert_non_null(src);
	fprintf(f, "source '%s/contrib/completion/osdwarden.bash' || exit 9\n"
	        "COMP_WORDS=('%s/osdwarden'", src, build);
	for (; words[n]; n++)
		fprintf(f, " '%s'", words[n]);
	fprintf(f, ")\nCOMP_CWORD=%zu\n_osdwarden || exit 8\n"
	        "[ ${#COMPREPLY[@]} -eq 0 ] || printf '%%s\\n' \"${COMPREPLY[@]}\"\n", n);
	fclose(f);
	snprintf(cmd, sizeof cmd, "cd '%s' && bash --norc --noprofile '%s'", cwd ? cwd : g_home,
	         script);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof line, p)) {
		size_t l = strlen(line);
		if (len + l + 1 > cap)
			out = realloc(out, cap = 2 * (len + l + 1));
		memcpy(out + len, line, l + 1);
		len += l;
	}
	assert_int_equal(pclose(p), 0);
	free(script);
	return out;
}

#define COMPLETE(...) complete(NULL, (const char *const[]){ __VA_ARGS__, NULL })

static size_t lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Whether word is one of the lines of s. */
static bool has_line(const char *s, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = s; (p = strstr(p, word)) != NULL; p++)
		if ((p == s || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static void test_a_command_prefix_completes_to_the_commands_it_begins(void **state)
{
	char *r = COMPLETE("ch");

	(void)state;
	assert_string_equal(r, "check\n");
	free(r);
	r = COMPLETE("c");
	assert_string_equal(r, "check\ncert\n");
	free(r);
	r = COMPLETE("help", "wa");
	assert_string_equal(r, "waive\n");
	free(r);
}

static void test_an_option_prefix_completes_to_the_options_of_that_command(void **state)
{
	char *r = COMPLETE("check", "--fo");

	(void)state;
	assert_string_equal(r, "--format\n");
	free(r);
	r = COMPLETE("dp", "pxe", "DP01", "--ma");
	assert_string_equal(r, "--macs\n");
	free(r);
	/* the shared action table's console rows are not dp's */
	r = COMPLETE("dp", "pxe", "DP01", "--scr");
	assert_string_equal(r, "");
	free(r);
	/* a site option, on a command that talks to the site */
	r = COMPLETE("sync", "--passw");
	assert_string_equal(r, "--password-file\n");
	free(r);
}

static void test_option_values_come_from_the_options_row(void **state)
{
	char *r = COMPLETE("check", "--format", "");

	(void)state;
	assert_string_equal(r, "text\njson\nsarif\nmarkdown\nhtml\n");
	free(r);
	r = COMPLETE("list", "dps", "--format", "c");
	assert_string_equal(r, "csv\n");
	free(r);
	r = COMPLETE("sync", "--auth", "n");
	assert_string_equal(r, "negotiate\nntlm\nnone\n");
	free(r);
	r = COMPLETE("list", "");
	assert_string_equal(r, "dps\nsmps\nmedia\ncerts\nassocs\nts\nadmins\nsites\n");
	free(r);
}

static void test_a_check_id_completes_from_the_catalogue(void **state)
{
	char *r = COMPLETE("attest", "OSD-PXE-00");
	size_t want = 0;

	(void)state;
	for (size_t i = 0; i < chk_count(); i++)
		want += strncmp(chk_at(i)->id, "OSD-PXE-00", 10) == 0;
	assert_true(want >= 4);
	assert_int_equal(lines(r), want);
	assert_true(has_line(r, "OSD-PXE-004"));
	free(r);
	r = COMPLETE("task", "start", "fix", "OSD-PXE-004");
	assert_string_equal(r, "OSD-PXE-004\n");
	free(r);
}

static void test_dp_servers_and_smsids_come_from_the_inventory(void **state)
{
	char name[256], prefix[16], smsid[64];
	char *r;

	(void)state;
	labsite_sql_text(&g_ls, "SELECT server_name FROM dps WHERE gone_at IS NULL ORDER BY 1 LIMIT 1",
	                 name, sizeof name);
	assert_true(strlen(name) > 4);
	r = complete(NULL, (const char *const[]){ "--db", g_ls.db, "dp", "pxe", "", NULL });
	/* Every server name but the lab's hostile one (a clear-screen escape):
	 * a name the shell would print raw, or split at a newline, is not
	 * offered at all (completing a cleaned copy would insert another). */
	assert_int_equal(lines(r),
	                 tu_sql_int(g_ls.db, "SELECT count(*) FROM dps WHERE gone_at IS NULL AND "
	                            "instr(server_name, char(27)) = 0"));
	assert_true(tu_sql_int(g_ls.db, "SELECT count(*) FROM dps WHERE instr(server_name, "
	                       "char(27)) > 0") > 0);
	assert_null(strchr(r, '\x1b'));
	assert_true(has_line(r, name));
	free(r);
	/* the word typed so far narrows them */
	snprintf(prefix, sizeof prefix, "%.5s", name);
	r = complete(NULL, (const char *const[]){ "--db", g_ls.db, "dp", "pxe", prefix, NULL });
	assert_true(has_line(r, name));
	for (const char *l = r; *l; l = strchr(l, '\n') + 1)
		assert_true(strncmp(l, prefix, strlen(prefix)) == 0);
	free(r);
	labsite_sql_text(&g_ls, "SELECT smsid FROM certificates WHERE gone_at IS NULL ORDER BY 1 "
	                 "LIMIT 1", smsid, sizeof smsid);
	assert_true(*smsid);
	r = complete(NULL, (const char *const[]){ "--db", g_ls.db, "cert", "block", "", NULL });
	assert_true(has_line(r, smsid));
	assert_int_equal(lines(r), tu_sql_int(g_ls.db, "SELECT count(*) FROM certificates "
	                                               "WHERE gone_at IS NULL"));
	free(r);
}

static void test_a_missing_inventory_completes_nothing_and_is_not_created(void **state)
{
	char *none = tu_path(g_home, "none.db"), *def = tu_path(g_home, "data/osdwarden");
	struct stat st;
	char *r;

	(void)state;
	r = complete(NULL, (const char *const[]){ "--db", none, "dp", "pxe", "", NULL });
	assert_string_equal(r, "");
	free(r);
	assert_int_not_equal(stat(none, &st), 0);
	/* the default inventory ($XDG_DATA_HOME/osdwarden) neither */
	r = COMPLETE("cert", "unblock", "");
	assert_string_equal(r, "");
	free(r);
	assert_int_not_equal(stat(def, &st), 0);
	free(none);
	free(def);
}

static void test_a_profile_completes_from_the_configuration(void **state)
{
	char *dir = tu_path(g_home, "config/osdwarden"), *file = tu_path(dir, "config"), *r;
	const char conf[] = "[provider cm01]\nurl = https://cm01.corp.example\n"
	                    "[provider cm02]\nurl = https://cm02.corp.example\n";

	(void)state;
	r = tu_path(g_home, "config");
	mkdir(r, 0700);
	free(r);
	mkdir(dir, 0700);
	r = COMPLETE("sync", "--profile", "");
	assert_string_equal(r, "");   /* no configuration yet */
	free(r);
	assert_int_equal(tu_write_file(file, conf, strlen(conf)), 0);
	r = COMPLETE("sync", "--profile", "");
	assert_string_equal(r, "cm01\ncm02\n");
	free(r);
	r = COMPLETE("cert", "block", "1", "--profile", "cm0");
	assert_string_equal(r, "cm01\ncm02\n");
	free(r);
	unlink(file);
	free(file);
	free(dir);
}

/* The zsh function (contrib/completion/_osdwarden) with zsh's compadd and
 * _files stood in for: what it hands to compadd, one a line. zsh comes
 * with scripts/install-deps.sh; without it this test fails. */
static char *complete_zsh(const char *const *words)
{
	char *script = tu_path(g_home, "complete.zsh"), cmd[600], line[512];
	const char *build = getenv("OW_BUILD_DIR"), *src = getenv("OW_SOURCE_ROOT");
	FILE *f = fopen(script, "w"), *p;
	size_t n = 0, len = 0;
	char *out = calloc(1, 8192);

	assert_non_null(f);
	fprintf(f, "compadd() { [[ $1 == -a ]] && print -rl -- \"${(@P)2}\"; }\n"
	        "_files() { print -r -- '(files)'; }\n"
	        "words=('%s/osdwarden'", build);
	for (; words[n]; n++)
		fprintf(f, " '%s'", words[n]);
	fprintf(f, ")\nCURRENT=%zu\ncomplete() { source '%s/contrib/completion/_osdwarden'; }\n"
	        "complete\n", n + 1, src);
	fclose(f);
	if (system("command -v zsh >/dev/null 2>&1") != 0)
		fail_msg("zsh is not installed (scripts/install-deps.sh installs it)");
	snprintf(cmd, sizeof cmd, "cd '%s' && zsh -f '%s'", g_home, script);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof line, p) && len + strlen(line) < 8192) {
		memcpy(out + len, line, strlen(line) + 1);
		len += strlen(line);
	}
	pclose(p);
	free(script);
	return out;
}

static void test_the_zsh_function_hands_the_same_candidates_to_compadd(void **state)
{
	char *r = complete_zsh((const char *const[]){ "check", "--format", "", NULL });

	(void)state;
	assert_string_equal(r, "text\njson\nsarif\nmarkdown\nhtml\n");
	free(r);
	r = complete_zsh((const char *const[]){ "--db", g_ls.db, "dp", "pxe", "", NULL });
	assert_int_equal(lines(r),
	                 tu_sql_int(g_ls.db, "SELECT count(*) FROM dps WHERE gone_at IS NULL AND "
	                            "instr(server_name, char(27)) = 0"));
	assert_null(strchr(r, '\x1b'));
	free(r);
	r = complete_zsh((const char *const[]){ "check", "-o", "", NULL });
	assert_string_equal(r, "(files)\n");
	free(r);
	r = complete_zsh((const char *const[]){ "zz", NULL });
	assert_string_equal(r, "");
	free(r);
}

static void test_a_file_option_completes_file_names(void **state)
{
	char *dir = tu_path(g_home, "files"), *file = tu_path(dir, "report-a.html"), *r;

	(void)state;
	mkdir(dir, 0700);
	assert_int_equal(tu_write_file(file, "x", 1), 0);
	r = complete(dir, (const char *const[]){ "check", "-o", "rep", NULL });
	assert_string_equal(r, "report-a.html\n");
	free(r);
	free(file);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_command_prefix_completes_to_the_commands_it_begins),
		cmocka_unit_test(test_an_option_prefix_completes_to_the_options_of_that_command),
		cmocka_unit_test(test_option_values_come_from_the_options_row),
		cmocka_unit_test(test_a_check_id_completes_from_the_catalogue),
		cmocka_unit_test(test_dp_servers_and_smsids_come_from_the_inventory),
		cmocka_unit_test(test_a_missing_inventory_completes_nothing_and_is_not_created),
		cmocka_unit_test(test_a_profile_completes_from_the_configuration),
		cmocka_unit_test(test_a_file_option_completes_file_names),
		cmocka_unit_test(test_the_zsh_function_hands_the_same_candidates_to_compadd),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
