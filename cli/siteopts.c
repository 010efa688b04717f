#include "cli/siteopts.h"
#include "util/num.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "backend/krb.h"
#include "cli/config.h"
#include "util/secret.h"

const struct ow_opt siteopts_opts[] = {
	{ "provider", 0, 0x200, "URL", NULL, NULL,
	  "the SMS Provider's https:// URL; the URL names the provider's FQDN, whose SPN is "
	  "HTTP/<fqdn> for Negotiate" },
	{ "site", 0, 0x201, "CODE", NULL, NULL,
	  "read only the site with this code (default: every site the provider shows)" },
	{ "auth", 0, 0x202, "MODE", "negotiate|ntlm|basic|bearer|none", NULL,
	  "negotiate (the default): the Kerberos ticket of `kinit user@REALM`, or --user "
	  "user@REALM with a password for a ticket kept in memory only; ntlm: refused by sites "
	  "from 2509 on, and relayable; basic: osdwarden-lab only; bearer: a token from "
	  "OSDWARDEN_TOKEN; none: osdwarden-lab only" },
	{ "user", 0, 0x203, "NAME", NULL, NULL,
	  "the account to authenticate as (name@REALM for a Kerberos ticket in memory)" },
	{ "cacert", 0, 0x204, "FILE", "@file", NULL,
	  "the site's root certificate (PEM, or the Base-64 .cer exported from the site); TLS "
	  "is verified against it, and the path is remembered for the provider" },
	{ "insecure", 0, 0x205, NULL, NULL, NULL,
	  "do not verify the site's TLS certificate (anyone on the path can then read and change "
	  "the session); warned, and the run recorded as insecure" },
	{ "timeout", 0, 0x206, "S", NULL, NULL,
	  "the most one request to the site may take, retries included, from when it begins "
	  "(default 300)" },
	{ "password-file", 0, 0x207, "FILE", "@file", NULL,
	  "read the password from FILE, which must be 0600; otherwise OSDWARDEN_PASSWORD or a "
	  "prompt on the terminal, never the command line" },
	{ "concurrency", 0, 0x208, "N", NULL, NULL,
	  "requests to the site in flight at once, all classes together, 1 to 64 (default 4)" },
	{ "plain-http-test-lab", 0, 0x209, NULL, NULL, NULL,
	  "http:// to osdwarden-lab --plain on this machine only, with --auth none or basic; "
	  "recorded and warned every run" },
	{ "proxy", 0, 0x20a, "URL", NULL, NULL,
	  "reach the provider through this proxy (by default the provider is kept off the "
	  "https_proxy of the environment)" },
	{ "rate", 0, 0x20c, "N", NULL, NULL,
	  "requests begun in any one second, retries included, 1 to 200 (default 200, the "
	  "AdminService's limit per client): fewer for a provider that is busy serving its site" },
	{ "profile", 0, 0x20b, "NAME", "@profile", NULL,
	  "the [provider NAME] section of the configuration file (osdwarden.conf(5)) gives what "
	  "the command line does not" },
	{ NULL, 0, 0, NULL, NULL, NULL, NULL },
};

void siteopts_init(struct siteopts *so)
{
	memset(so, 0, sizeof *so);
	so->http.auth = HTTP_AUTH_NEGOTIATE;
	so->concurrency = 4;
}

int siteopts_option(struct cli *c, const char *cmd, struct siteopts *so, int opt,
                    const char *arg)
{
	long v;

	switch (opt) {
	case 0x200: so->provider = arg; return 1;
	case 0x201: so->site = arg; return 1;
	case 0x202:
		if (http_auth_parse(arg, &so->http.auth) != 0) {
			cli_usage(c, cmd, "--auth is negotiate, ntlm, basic, bearer or none, not '%s'", arg);
			return -1;
		}
		so->auth_given = true;
		return 1;
	case 0x20b: so->profile = arg; return 1;
	case 0x203: so->http.user = arg; return 1;
	case 0x204:
		/* Stored on the provider row and used by later runs from any
		 * directory: resolved now, against the directory it was typed in. */
		free(so->cacert_abs);
		if (!(so->cacert_abs = realpath(arg, NULL))) {
			cli_usage(c, cmd, "--cacert %s: %s; give the file that holds the site's root "
			          "certificate (PEM, or the Base-64 .cer exported from the site)", arg,
			          strerror(errno));
			return -1;
		}
		so->http.cacert = so->cacert_abs;
		return 1;
	case 0x205: so->http.insecure |= HTTP_INSECURE_TLS; return 1;
	case 0x209: so->http.insecure |= HTTP_PLAIN_TEST_LAB; return 1;
	case 0x20a: so->http.proxy = arg; return 1;
	case 0x206:
		if (num_parse_long(arg, 1, 86400, &v) != 0) {
			cli_usage(c, cmd, "--timeout wants seconds, not '%s'", arg);
			return -1;
		}
		so->http.timeout_s = v;
		return 1;
	case 0x207: so->password_file = arg; return 1;
	case 0x208:
		if (num_parse_long(arg, 1, 64, &v) != 0) {
			cli_usage(c, cmd, "--concurrency wants 1 to 64, not '%s'", arg);
			return -1;
		}
		so->concurrency = (int)v;
		return 1;
	case 0x20c:
		if (num_parse_long(arg, 1, HTTP_MAX_RATE, &v) != 0) {
			cli_usage(c, cmd, "--rate wants 1 to %d requests a second, not '%s'", HTTP_MAX_RATE,
			          arg);
			return -1;
		}
		so->http.max_rate = (int)v;
		return 1;
	default:
		return 0;
	}
}

/* The environment variable's value is copied and the original wiped, so
 * it does not linger in this process's environment block. */
static char *take_env(const char *name)
{
	char *v = getenv(name), *copy = secret_from_env(name);

	if (v)
		secret_wipe(v, strlen(v));
	unsetenv(name);
	return copy;
}

/* Plain HTTP exists for osdwarden-lab --plain and nothing else: only when
 * asked for by name, only to this machine, and only with the lab's kinds
 * of login (none, or basic with the lab's test account) -- a Kerberos
 * ticket, an NTLM exchange or a bearer token are real credentials and
 * never travel unencrypted. */
static int plain_http_rules(struct cli *c, const char *cmd, const struct siteopts *so)
{
	bool plain_url = strncasecmp(so->provider, "http://", 7) == 0;
	bool test_lab = so->http.insecure & HTTP_PLAIN_TEST_LAB;

	if (plain_url && !test_lab)
		return cli_usage(c, cmd, "--provider %s is plain HTTP: the password and everything "
		                 "read would cross the network unencrypted. Use the SMS Provider's "
		                 "https:// URL. (Only osdwarden-lab started with --plain is reached "
		                 "over plain HTTP, and only with --plain-http-test-lab.)", so->provider);
	if (!test_lab)
		return 0;
	if (!plain_url)
		return cli_usage(c, cmd, "--plain-http-test-lab is for an http:// test lab, and %s "
		                 "is not one; drop the option", so->provider);
	if (!http_url_is_loopback(so->provider))
		return cli_usage(c, cmd, "--plain-http-test-lab reaches only a lab on this machine "
		                 "(a loopback address: 127.0.0.1, ::1 or localhost), not %s: plain "
		                 "HTTP never leaves the host", so->provider);
	if (so->http.auth != HTTP_AUTH_NONE && so->http.auth != HTTP_AUTH_BASIC)
		return cli_usage(c, cmd, "--auth %s over plain HTTP would hand real credentials to "
		                 "anyone who can read the traffic; a test lab takes --auth none or "
		                 "basic (its own test account)", http_auth_name(so->http.auth));
	return 0;
}

/* The password or token from the environment, --password-file or a
 * prompt; NULL with err set. */
static char *find_secret(const struct siteopts *so, bool token, struct ow_err *e)
{
	char *s = take_env(token ? "OSDWARDEN_TOKEN" : "OSDWARDEN_PASSWORD");

	if (!s && so->password_file)
		s = secret_from_file(so->password_file, e);
	else if (!s && isatty(STDIN_FILENO))
		s = secret_prompt(token ? "Bearer token: " : "Password: ", e);
	else if (!s)
		ow_err_set(e, OW_EINPUT, "no %s: set %s, use --password-file FILE, or run on "
		           "a terminal to be asked", token ? "token" : "password",
		           token ? "OSDWARDEN_TOKEN" : "OSDWARDEN_PASSWORD");
	return s;
}

/* Kerberos, before anything is sent: the URL's host is what the SPN is
 * made of; --user name@REALM with a password gets a ticket into memory;
 * otherwise the default cache must hold a valid ticket (doctor reports a
 * missing one itself instead of stopping on it). */
static int kerberos_rules(struct cli *c, const char *cmd, struct siteopts *so)
{
	struct ow_err e = { 0 };
	char host[256], warn[600];

	if (http_url_host(so->provider, host, sizeof host) != 0)
		return cli_usage(c, cmd, "cannot read a host name out of --provider %s", so->provider);
	if (krb_host_is_ip(host))
		fprintf(c->err, "osdwarden: WARNING: --provider %s is an IP address: Kerberos will "
		        "ask the KDC for the service HTTP/%s, which no KDC knows, and the site will "
		        "answer 401. Use the SMS Provider's FQDN (the name its SPN HTTP/<fqdn> is "
		        "registered for).\n", so->provider, host);
	if (so->http.user && strchr(so->http.user, '@')) {
		int rc;
		so->secret = find_secret(so, false, &e);
		if (!so->secret)
			return cli_fail(c, &e);
		rc = krb_memory_ticket(so->http.user, so->secret, &so->ticket, &e);
		/* The password has done its work: it goes now. */
		secret_free(so->secret);
		so->secret = NULL;
		return rc ? cli_fail(c, &e) : 0;
	}
	if (strcmp(cmd, "doctor") == 0)
		return 0;
	if (krb_preflight(host, warn, sizeof warn, &e) != 0)
		return cli_fail(c, &e);
	if (warn[0])
		fprintf(c->err, "osdwarden: WARNING: %s\n", warn);
	return 0;
}

/* What the profile says, for each option the command line left unset.
 * The profile is --profile's, or the configuration's default when no
 * --provider was given either. */
static int apply_profile(struct cli *c, const char *cmd, struct siteopts *so)
{
	const struct cfg_profile *p;
	char names[400] = "";

	if (!so->profile && !so->provider && c->cfg && c->cfg->profile)
		so->profile = c->cfg->profile;
	if (!so->profile)
		return 0;
	if (!c->cfg || !(p = cfg_profile(c->cfg, so->profile))) {
		for (size_t i = 0; c->cfg && i < c->cfg->nprofiles; i++)
			snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
			         i ? ", " : "", c->cfg->profiles[i].name);
		return cli_usage(c, cmd, "--profile %s: %s has no [provider %s] section%s%s",
		                 so->profile, c->cfg && c->cfg->path ? c->cfg->path
		                 : "there is no configuration file, so it", so->profile,
		                 names[0] ? "; its profiles: " : "", names);
	}
	if (!so->provider)
		so->provider = p->url;
	if (!so->site)
		so->site = p->site;
	if (!so->auth_given && p->auth && http_auth_parse(p->auth, &so->http.auth) != 0)
		return cli_usage(c, cmd, "profile %s: auth %s is not known", p->name, p->auth);
	if (!so->http.user)
		so->http.user = p->user;
	if (!so->http.cacert && p->cacert) {
		if (!(so->cacert_abs = realpath(p->cacert, NULL)))
			return cli_usage(c, cmd, "profile %s: cacert %s: %s", p->name, p->cacert,
			                 strerror(errno));
		so->http.cacert = so->cacert_abs;
	}
	if (!so->http.timeout_s && p->timeout)
		so->http.timeout_s = p->timeout;
	if (!so->http.max_rate && p->rate)
		so->http.max_rate = (int)p->rate;
	if (!so->http.proxy)
		so->http.proxy = p->proxy;
	if (!so->password_file)
		so->password_file = p->password_file;
	return 0;
}

int siteopts_finish(struct cli *c, const char *cmd, struct siteopts *so)
{
	struct ow_err e = { 0 };
	int rc;

	if ((rc = apply_profile(c, cmd, so)) != 0)
		return rc;
	bool needs_password = so->http.auth == HTTP_AUTH_NTLM || so->http.auth == HTTP_AUTH_BASIC;
	bool needs_token = so->http.auth == HTTP_AUTH_BEARER;

	if (!so->provider)
		return cli_usage(c, cmd, "--provider URL (e.g. https://cm01.corp.example) or --profile "
		                 "NAME is required");
	if ((rc = plain_http_rules(c, cmd, so)) != 0)
		return rc;
	if (needs_password && !so->http.user)
		return cli_usage(c, cmd, "--auth %s needs --user DOMAIN\\\\NAME",
		                 http_auth_name(so->http.auth));
	if (so->http.auth == HTTP_AUTH_NTLM)
		fprintf(c->err, "osdwarden: WARNING: --auth ntlm: Configuration Manager sites from "
		        "2509 (build 9141) on refuse NTLM (AdminService.log: \"Rejecting NTLM "
		        "authentication.\"), and an NTLM exchange can be relayed by anyone on the "
		        "path to another server in your name. Use --auth negotiate with a Kerberos "
		        "ticket (kinit user@REALM).\n");
	if (needs_password || needs_token) {
		so->secret = find_secret(so, needs_token, &e);
		if (!so->secret)
			return cli_fail(c, &e);
		so->http.secret = so->secret;
	}
	if (so->http.auth == HTTP_AUTH_NEGOTIATE && (rc = kerberos_rules(c, cmd, so)) != 0)
		return rc;
	if (so->http.insecure & HTTP_INSECURE_TLS)
		fprintf(c->err, "osdwarden: WARNING: --insecure: the site's TLS certificate is NOT "
		        "verified. Anyone on the network path can read and change this session, "
		        "including credentials. This run is recorded as insecure. Export the site's "
		        "root certificate and use --cacert FILE instead.\n");
	if (so->http.insecure & HTTP_PLAIN_TEST_LAB)
		fprintf(c->err, "osdwarden: WARNING: %s is plain HTTP (--plain-http-test-lab): "
		        "nothing is encrypted, neither the password nor what is read. This is for "
		        "osdwarden-lab only, never a real site; the inventory records this provider "
		        "as plain HTTP and every later run and action says so.\n", so->provider);
	return 0;
}

int siteopts_parse(struct cli *c, const char *cmd, struct siteopts *so, int argc, char **argv)
{
	struct ow_getopt g;
	int opt, rc;

	siteopts_init(so);
	ow_getopt_init(&g, siteopts_opts, cli_help_opts);
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, g.shorts, g.longopts, NULL)) != -1) {
		if (opt == 'h') {
			cli_help(c, cmd);
			return -1;
		}
		rc = siteopts_option(c, cmd, so, opt, optarg);
		if (rc < 0)
			return OW_EINPUT;
		if (rc == 0)
			return cli_usage(c, cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage(c, cmd, "unexpected '%s'", argv[optind]);
	return siteopts_finish(c, cmd, so);
}

void siteopts_done(struct siteopts *so)
{
	secret_free(so->secret);
	so->secret = NULL;
	so->http.secret = NULL;
	krb_memory_free(so->ticket);
	so->ticket = NULL;
	free(so->cacert_abs);
	so->cacert_abs = NULL;
	so->http.cacert = NULL;
}
