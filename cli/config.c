/* The configuration file (config.h): one pass over the lines, every
 * value checked where it stands, so an error names its line. */
#include "cli/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/http.h"
#include "util/fsutil.h"
#include "util/num.h"
#include "util/sanitize.h"

#define LINE_MAX_LEN 4096

enum section { SEC_NONE, SEC_DEFAULTS, SEC_PROVIDER };

struct key {
	const char *name;
	enum section in;
	/* ',' separated allowed values, or NULL for free text */
	const char *values;
	bool path;                 /* ~/ is the home directory */
	size_t off;                /* the field, in struct cfg or struct cfg_profile */
	long max;                  /* a number from 1 to max, not a string (0: a string) */
	const char *unit;          /* what the number counts, for the message */
	const char *help;          /* for osdwarden.conf(5) */
};

#define D(name, values, path, field, help) \
	{ name, SEC_DEFAULTS, values, path, offsetof(struct cfg, field), 0, NULL, help }
#define P(name, values, path, field, help) \
	{ name, SEC_PROVIDER, values, path, offsetof(struct cfg_profile, field), 0, NULL, help }
#define N(name, field, max, unit, help) \
	{ name, SEC_PROVIDER, NULL, false, offsetof(struct cfg_profile, field), max, unit, help }
static const struct key keys[] = {
	D("db", NULL, true, db, "the inventory when --db is not given"),
	D("color", "auto,always,never", false, color,
	  "never: no colours, as --no-color; auto and always leave them on"),
	D("format", "text,json,sarif,markdown,html", false, format,
	  "the format of osdwarden check's report when --format is not given"),
	D("profile", NULL, false, profile,
	  "the [provider NAME] section used when a command names neither --provider nor --profile"),
	P("url", NULL, false, url,
	  "the SMS Provider's URL; https:// only (plain HTTP to osdwarden-lab is for the command "
	  "line alone)"),
	P("auth", "negotiate,ntlm,basic,bearer,none", false, auth, "how to authenticate, as --auth"),
	P("user", NULL, false, user, "the account, as --user (name@REALM for a ticket in memory)"),
	P("cacert", NULL, true, cacert, "the site's root certificate, as --cacert"),
	P("site", NULL, false, site, "the site code, as --site"),
	P("proxy", NULL, false, proxy, "an http:// or https:// proxy to reach the provider through"),
	P("password_file", NULL, true, password_file,
	  "the file holding the password: mode 0600 and not a symbolic link, or it is refused"),
	N("timeout", timeout, 86400, "seconds", "seconds, 1 to 86400, as --timeout"),
	N("rate", rate, HTTP_MAX_RATE, "requests a second",
	  "requests begun in any one second, 1 to 200, as --rate"),
};

const char *cfg_key_at(size_t i, const char **section, const char **values, const char **help)
{
	if (i >= sizeof keys / sizeof keys[0])
		return NULL;
	*section = keys[i].in == SEC_DEFAULTS ? "defaults" : "provider";
	*values = keys[i].values;
	*help = keys[i].help;
	return keys[i].name;
}

/* Names that would carry a secret: refused whatever section they are in. */
static const char *const secret_keys[] = { "password", "passwd", "pass", "secret", "token",
	                                   "bearer_token", "pw" };

struct parse {
	struct cfg *c;
	const char *path;
	int line;
	enum section sec;
	struct cfg_profile *prof;
	struct ow_err *err;
};

static int fail(struct parse *p, const char *fmt, ...) OW_PRINTF(2, 3);

/* An error at the current line; the text (which quotes the file) is
 * sanitized as a whole. */
static int fail(struct parse *p, const char *fmt, ...)
{
	char what[600], *safe;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	safe = san_str(what, sizeof what, SAN_ASCII);
	ow_err_set(p->err, OW_EINPUT, "config %s:%d: %s", p->path, p->line, safe ? safe : what);
	free(safe);
	return OW_EINPUT;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	return s;
}

static bool in_list(const char *list, const char *v)
{
	size_t n = strlen(v);

	for (const char *q = list; *q; q += strcspn(q, ","), q += *q == ',')
		if (strcspn(q, ",") == n && strncmp(q, v, n) == 0)
			return true;
	return false;
}

/* "~/x" made absolute from HOME; other text copied. */
static char *expand(const char *v)
{
	const char *home = getenv("HOME");
	char *out;

	if (strncmp(v, "~/", 2) != 0 || !home || home[0] != '/')
		return strdup(v);
	if (!(out = malloc(strlen(home) + strlen(v))))
		return NULL;
	sprintf(out, "%s%s", home, v + 1);
	return out;
}

/* Whether a URL's authority holds user information (an '@' before the
 * first '/', '?' or '#' after the scheme). */
static bool has_userinfo(const char *url)
{
	const char *a = strstr(url, "://");

	a = a ? a + 3 : url;
	return memchr(a, '@', strcspn(a, "/?#")) != NULL;
}

static int section(struct parse *p, char *text)
{
	char *close = strchr(text, ']'), *name;
	struct cfg_profile *grown;

	if (!close || trim(close + 1)[0])
		return fail(p, "a section header is [defaults] or [provider NAME]");
	*close = '\0';
	text = trim(text + 1);
	if (strcmp(text, "defaults") == 0) {
		p->sec = SEC_DEFAULTS;
		p->prof = NULL;
		return 0;
	}
	if (strncmp(text, "provider", 8) != 0 || (text[8] != ' ' && text[8] != '\t'))
		return fail(p, "unknown section [%s]: sections are [defaults] and [provider NAME]", text);
	name = trim(text + 8);
	if (!*name || strlen(name) > 64 || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM"
	                                       "NOPQRSTUVWXYZ0123456789._-") != strlen(name))
		return fail(p, "profile name '%s': 1 to 64 letters, digits, '.', '_' or '-'", name);
	if (cfg_profile(p->c, name))
		return fail(p, "profile '%s' is defined twice", name);
	grown = realloc(p->c->profiles, (p->c->nprofiles + 1) * sizeof *grown);
	if (!grown)
		return ow_err_set(p->err, OW_EINPUT, "out of memory reading %s", p->path);
	p->c->profiles = grown;
	p->prof = &grown[p->c->nprofiles++];
	memset(p->prof, 0, sizeof *p->prof);
	p->prof->line = p->line;
	p->sec = SEC_PROVIDER;
	return (p->prof->name = strdup(name)) ? 0 : ow_err_set(p->err, OW_EINPUT, "out of memory");
}

static int check_password_file(struct parse *p, const char *path)
{
	struct stat st;

	if (path[0] != '/')
		return fail(p, "password_file '%s' is not an absolute path (or ~/...)", path);
	if (lstat(path, &st) != 0)
		return fail(p, "password_file %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(p, "password_file %s is not a regular file (a symbolic link is refused)",
		            path);
	if (st.st_mode & 077)
		return fail(p, "password_file %s can be read by others: chmod 600 it", path);
	return 0;
}

static void known_keys(enum section sec, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (keys[i].in == sec)
			len += (size_t)snprintf(out + len, len < n ? n - len : 0, "%s%s", len ? ", " : "",
			                        keys[i].name);
}

static int assign(struct parse *p, char *k, char *v)
{
	char known[200];
	char **field;

	for (size_t i = 0; i < sizeof secret_keys / sizeof secret_keys[0]; i++)
		if (strcasecmp(k, secret_keys[i]) == 0)
			return fail(p, "'%s': a secret never goes in the config; name a 0600 file with "
			            "password_file, or use OSDWARDEN_PASSWORD / a prompt", k);
	if (p->sec == SEC_NONE)
		return fail(p, "'%s' before any section: start with [defaults] or [provider NAME]", k);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const struct key *key = &keys[i];
		if (key->in != p->sec || strcmp(key->name, k) != 0)
			continue;
		if (key->max) {
			long *n = (long *)((char *)p->prof + key->off);
			if (*n)
				return fail(p, "'%s' is set twice in this section", k);
			if (num_parse_long(v, 1, key->max, n) != 0)
				return fail(p, "%s '%s' is not a number of %s from 1 to %ld", k, v, key->unit,
				            key->max);
			return 0;
		}
		field = (char **)((char *)(p->sec == SEC_DEFAULTS ? (void *)p->c : (void *)p->prof) +
		                  key->off);
		if (*field)
			return fail(p, "'%s' is set twice in this section", k);
		if (!*v)
			return fail(p, "'%s' has no value", k);
		if (key->values && !in_list(key->values, v)) {
			char allowed[160];
			snprintf(allowed, sizeof allowed, "%s is one of %s, not", k, key->values);
			return fail(p, "%s '%s'", allowed, v);
		}
		if ((strcmp(k, "url") == 0 || strcmp(k, "proxy") == 0) && has_userinfo(v))
			return fail(p, "%s must not carry a user name or password (user@host): the user "
			            "goes in 'user', the password in a 0600 password_file (the value is not "
			            "repeated here)", k);
		if (strcmp(k, "url") == 0 && strncmp(v, "https://", 8) != 0)
			return fail(p, "url '%s' must start with https:// (plain HTTP is for "
			            "osdwarden-lab only, on the command line)", v);
		if (strcmp(k, "proxy") == 0 && strncmp(v, "http://", 7) != 0 &&
		    strncmp(v, "https://", 8) != 0)
			return fail(p, "proxy '%s' must be an http:// or https:// URL", v);
		if (!(*field = key->path ? expand(v) : strdup(v)))
			return ow_err_set(p->err, OW_EINPUT, "out of memory");
		return strcmp(k, "password_file") == 0 ? check_password_file(p, *field) : 0;
	}
	known_keys(p->sec, known, sizeof known);
	return fail(p, "unknown key '%s' (known here: %s)", k, known);
}

static int parse_line(struct parse *p, char *line)
{
	char *eq, *s = trim(line);

	if (!*s || *s == '#' || *s == ';')
		return 0;
	if (*s == '[')
		return section(p, s);
	/* Not repeated: a line that is not key = value may be a secret. */
	if (!(eq = strchr(s, '=')))
		return fail(p, "this is not a 'key = value' line (its text is not repeated here)");
	*eq = '\0';
	return assign(p, trim(s), trim(eq + 1));
}

/* Whoever may write the file can point a profile's url elsewhere and have
 * osdwarden send the password there: it must be this user's (or root's)
 * and writable by no one else. */
static int check_file(struct parse *p, int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return fail(p, "cannot check the file: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(p, "not a regular file");
	if (st.st_uid != getuid() && st.st_uid != 0)
		return fail(p, "the file belongs to another user (uid %u): whoever owns it decides "
		            "where your password goes; use a file of your own", (unsigned)st.st_uid);
	if (st.st_mode & 022)
		return fail(p, "others can write the file (mode %04o): they could send your password "
		            "elsewhere; chmod go-w it", (unsigned)(st.st_mode & 07777));
	return 0;
}

char *cfg_default_path(void)
{
	char *dir = fs_xdg_dir("XDG_CONFIG_HOME", ".config"), *path;

	if (!dir)
		return NULL;
	path = malloc(strlen(dir) + sizeof "/config");
	if (path)
		sprintf(path, "%s/config", dir);
	free(dir);
	return path;
}

int cfg_load(const char *path, struct cfg *out, struct ow_err *err)
{
	const char *env = getenv("OSDWARDEN_CONFIG");
	char *owned = NULL, *text = NULL;
	size_t cap = 0;
	ssize_t len;
	bool named = path || (env && *env);
	struct parse p = { .c = out, .err = err };
	FILE *f;
	int rc = 0;

	memset(out, 0, sizeof *out);
	if (!path)
		path = env && *env ? env : (owned = cfg_default_path());
	if (!path)
		return 0;   /* no HOME: no default file to read */
	if (!(f = fopen(path, "r"))) {
		int e = errno;
		struct stat st;
		/* The default place: a file that is not there (or under a home
		 * this user cannot look into, e.g. after dropping privileges) is
		 * no configuration; one that is there must be readable. */
		if (!named && stat(path, &st) != 0) {
			free(owned);
			return 0;
		}
		rc = ow_err_set(err, OW_EINPUT, "config %s: %s%s", path, strerror(e),
		                named ? " (named by OSDWARDEN_CONFIG or --config)" : "");
		free(owned);
		return rc;
	}
	out->path = owned ? owned : strdup(path);
	p.path = out->path ? out->path : "?";
	rc = check_file(&p, fileno(f));
	while (rc == 0 && (len = getline(&text, &cap, f)) >= 0) {
		p.line++;
		if (memchr(text, '\0', (size_t)len)) {
			rc = fail(&p, "a NUL byte in the line: this is not a text file");
			break;
		}
		if (len > LINE_MAX_LEN) {
			rc = fail(&p, "a line longer than %d bytes", LINE_MAX_LEN);
			break;
		}
		rc = parse_line(&p, text);
	}
	free(text);
	if (rc == 0 && ferror(f))
		rc = ow_err_set(err, OW_EINPUT, "config %s: read error", p.path);
	fclose(f);
	for (size_t i = 0; rc == 0 && i < out->nprofiles; i++)
		if (!out->profiles[i].url) {
			p.line = out->profiles[i].line;
			rc = fail(&p, "profile '%s' has no url", out->profiles[i].name);
		}
	if (rc == 0 && out->profile && !cfg_profile(out, out->profile)) {
		p.line = 0;
		rc = ow_err_set(err, OW_EINPUT, "config %s: [defaults] profile '%s' names no [provider] "
		                "section", p.path, out->profile);
	}
	return rc;
}

const struct cfg_profile *cfg_profile(const struct cfg *c, const char *name)
{
	for (size_t i = 0; name && i < c->nprofiles; i++)
		if (strcmp(c->profiles[i].name, name) == 0)
			return &c->profiles[i];
	return NULL;
}

void cfg_free(struct cfg *c)
{
	for (size_t i = 0; i < c->nprofiles; i++) {
		struct cfg_profile *p = &c->profiles[i];
		free(p->name);
		free(p->url);
		free(p->auth);
		free(p->user);
		free(p->cacert);
		free(p->site);
		free(p->proxy);
		free(p->password_file);
	}
	free(c->profiles);
	free(c->path);
	free(c->db);
	free(c->color);
	free(c->format);
	free(c->profile);
	memset(c, 0, sizeof *c);
}
