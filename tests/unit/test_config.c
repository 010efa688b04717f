/* The configuration file: a good one gives its defaults and profiles; each
 * bad one stops with its file, its line and what is wrong (fixtures in
 * tests/data/config); a secret in it is refused, a password file must be
 * 0600, and a missing default file is no configuration. */
#include "support/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/config.h"

/* A fixture copied to a private file: the checkout's modes follow the
 * umask, and a group-writable configuration is refused. */
static char *fixture(const char *name)
{
	const char *data = getenv("OW_TESTDATA");
	static char *dir;
	char src[600], *from, *to, *text;
	size_t len;

	snprintf(src, sizeof src, "%s/config", data ? data : "tests/data");
	from = tu_path(src, name);
	text = tu_read_file(from, &len);
	assert_non_null(text);
	if (!dir)
		dir = tu_tmpdir();
	to = tu_path(dir, name);
	assert_int_equal(tu_write_file(to, text, len), 0);
	chmod(to, 0600);
	free(text);
	free(from);
	return to;
}

static void test_a_good_file_gives_its_defaults_and_profiles(void **state)
{
	struct cfg c;
	struct ow_err e = { 0 };
	char *path = fixture("good.conf");
	const struct cfg_profile *p;

	(void)state;
	setenv("HOME", "/home/op", 1);
	assert_int_equal(cfg_load(path, &c, &e), 0);
	assert_string_equal(c.db, "/home/op/osd/inventory.db");   /* ~ expanded */
	assert_string_equal(c.color, "never");
	assert_string_equal(c.format, "markdown");
	assert_string_equal(c.profile, "cm01");
	assert_int_equal(c.nprofiles, 2);
	p = cfg_profile(&c, "cm01");
	assert_non_null(p);
	assert_string_equal(p->url, "https://cm01.corp.example");
	assert_string_equal(p->auth, "negotiate");
	assert_string_equal(p->user, "osdaudit@CORP.EXAMPLE");
	assert_string_equal(p->cacert, "/home/op/certs/sms-issuing-root.pem");
	assert_string_equal(p->site, "HLD");
	assert_int_equal(p->timeout, 120);
	assert_int_equal(p->rate, 50);
	assert_null(p->password_file);
	p = cfg_profile(&c, "lab");
	assert_non_null(p);
	assert_string_equal(p->proxy, "http://proxy.corp.example:3128");
	assert_int_equal(p->rate, 0);   /* not set: the default */
	assert_null(cfg_profile(&c, "cm02"));
	cfg_free(&c);
	free(path);
}

static void test_each_bad_file_names_its_line_and_what_is_wrong(void **state)
{
	static const struct {
		const char *file, *where, *what;
	} cases[] = {
		{ "bad-secret.conf", ":3: ", "a secret never goes in the config" },
		{ "bad-value.conf", ":2: ", "color is one of auto,always,never, not 'sometimes'" },
		{ "bad-key.conf", ":3: ", "unknown key 'pasword_file' (known here: url, auth" },
		{ "bad-nosection.conf", ":2: ", "before any section" },
		{ "bad-nourl.conf", ":1: ", "profile 'cm01' has no url" },
		{ "bad-http.conf", ":2: ", "must start with https://" },
		{ "bad-twice.conf", ":4: ", "profile 'a' is defined twice" },
		{ "bad-profile.conf", "", "profile 'nope' names no [provider] section" },
		{ "bad-timeout.conf", ":3: ", "timeout 'soon' is not a number of seconds" },
		{ "bad-rate.conf", ":3: ", "rate '500' is not a number of requests a second from 1 to 200" },
		{ "bad-section.conf", ":1: ", "unknown section [servers]" },
		{ "bad-userinfo.conf", ":3: ", "proxy must not carry a user name or password" },
		{ "bad-colon.conf", ":3: ", "not a 'key = value' line" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cfg c;
		struct ow_err e = { 0 };
		char *path = fixture(cases[i].file), want[700];
		int rc = cfg_load(path, &c, &e);
		snprintf(want, sizeof want, "config %s%s", path, cases[i].where);
		if (rc != OW_EINPUT || !strstr(e.msg, want) || !strstr(e.msg, cases[i].what))
			fail_msg("%s: rc %d, message '%s'; wanted '%s' and '%s'", cases[i].file, rc, e.msg,
			         want, cases[i].what);
		/* An error never repeats a secret the line holds. */
		if (strstr(e.msg, "hunter2"))
			fail_msg("%s: the message repeats the secret: %s", cases[i].file, e.msg);
		cfg_free(&c);
		free(path);
	}
}

static void test_a_password_file_must_be_private_and_a_missing_default_is_no_config(void **state)
{
	char *dir = tu_tmpdir(), *conf = tu_path(dir, "config"), *pw = tu_path(dir, "cm01.pw");
	char text[900];
	struct cfg c;
	struct ow_err e = { 0 };

	(void)state;
	assert_int_equal(tu_write_file(pw, "x\n", 2), 0);
	chmod(pw, 0644);
	snprintf(text, sizeof text, "[provider cm01]\nurl = https://cm01\npassword_file = %s\n", pw);
	assert_int_equal(tu_write_file(conf, text, strlen(text)), 0);
	chmod(conf, 0600);
	assert_int_equal(cfg_load(conf, &c, &e), OW_EINPUT);
	assert_non_null(strstr(e.msg, ":3: "));
	assert_non_null(strstr(e.msg, "chmod 600"));
	cfg_free(&c);
	chmod(pw, 0600);
	assert_int_equal(cfg_load(conf, &c, &e), 0);
	assert_string_equal(cfg_profile(&c, "cm01")->password_file, pw);
	cfg_free(&c);
	/* A file others may write can send the password elsewhere: refused. */
	chmod(conf, 0666);
	assert_int_equal(cfg_load(conf, &c, &e), OW_EINPUT);
	assert_non_null(strstr(e.msg, "others can write"));
	cfg_free(&c);
	chmod(conf, 0644);
	/* A NUL byte in a line is said as such. */
	assert_int_equal(tu_write_file(conf, "[defaults]\ncolor = ne\0ver\n", 26), 0);
	chmod(conf, 0600);
	assert_int_equal(cfg_load(conf, &c, &e), OW_EINPUT);
	assert_non_null(strstr(e.msg, ":2: a NUL byte"));
	cfg_free(&c);
	/* OSDWARDEN_CONFIG names a file: it must exist. */
	setenv("OSDWARDEN_CONFIG", "/nonexistent/osdwarden.conf", 1);
	assert_int_equal(cfg_load(NULL, &c, &e), OW_EINPUT);
	assert_non_null(strstr(e.msg, "OSDWARDEN_CONFIG"));
	cfg_free(&c);
	unsetenv("OSDWARDEN_CONFIG");
	/* The default place, empty: no configuration, no error. */
	setenv("XDG_CONFIG_HOME", dir, 1);
	assert_int_equal(cfg_load(NULL, &c, &e), 0);
	assert_null(c.path);
	cfg_free(&c);
	/* The default place with a file: read. */
	unlink(conf);
	{
		char *sub = tu_path(dir, "osdwarden"), *def;
		mkdir(sub, 0700);
		def = tu_path(sub, "config");
		assert_int_equal(tu_write_file(def, "[defaults]\ncolor = always\n", 26), 0);
		chmod(def, 0600);
		assert_int_equal(cfg_load(NULL, &c, &e), 0);
		assert_string_equal(c.path, def);
		assert_string_equal(c.color, "always");
		cfg_free(&c);
		free(def);
		free(sub);
	}
	unsetenv("XDG_CONFIG_HOME");
	tu_rmtree(dir);
	free(dir);
	free(conf);
	free(pw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_good_file_gives_its_defaults_and_profiles),
		cmocka_unit_test(test_each_bad_file_names_its_line_and_what_is_wrong),
		cmocka_unit_test(test_a_password_file_must_be_private_and_a_missing_default_is_no_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
