/* The options every command that talks to a site shares (sync, doctor,
 * and later the actions): provider URL, auth, TLS, timeouts, and where
 * the password or token comes from -- never argv. */
#ifndef OW_CLI_SITEOPTS_H
#define OW_CLI_SITEOPTS_H

#include <getopt.h>
#include <stdbool.h>

#include "backend/http.h"
#include "backend/krb.h"
#include "cli/cli.h"

struct siteopts {
	const char *provider;
	const char *site;
	const char *password_file;
	struct http_opts http;
	char *secret;           /* owned; secret_free'd by siteopts_done */
	char *cacert_abs;       /* owned: --cacert made absolute when given */
	struct krb_memory *ticket; /* owned: --user name@REALM's ticket, in memory */
	int concurrency;
	const char *profile;    /* --profile, or the configuration's default profile when used */
	bool auth_given;        /* --auth was given: a profile's auth does not override it */
};

/* getopt_long entries for the shared options, with codes >= 0x200. */
#define SITEOPTS_LONGOPTS                                                   \
	{ "provider", required_argument, NULL, 0x200 },                     \
	{ "site", required_argument, NULL, 0x201 },                         \
	{ "auth", required_argument, NULL, 0x202 },                         \
	{ "user", required_argument, NULL, 0x203 },                         \
	{ "cacert", required_argument, NULL, 0x204 },                       \
	{ "insecure", no_argument, NULL, 0x205 },                           \
	{ "timeout", required_argument, NULL, 0x206 },                      \
	{ "password-file", required_argument, NULL, 0x207 },                \
	{ "concurrency", required_argument, NULL, 0x208 },                  \
	{ "plain-http-test-lab", no_argument, NULL, 0x209 },               \
	{ "proxy", required_argument, NULL, 0x20a },                        \
	{ "profile", required_argument, NULL, 0x20b }

#define SITEOPTS_USAGE                                                      \
	"--provider URL | --profile NAME [--site CODE]\n"                   \
	"       [--auth negotiate|ntlm|basic|bearer|none] [--user NAME]\n"  \
	"       [--cacert FILE] [--insecure] [--timeout S] [--password-file FILE]\n" \
	"       [--concurrency N] [--plain-http-test-lab] [--proxy URL]\n"  \
	"  --profile NAME: the [provider NAME] section of the configuration file\n" \
	"  (osdwarden.conf(5)) gives what the command line does not\n"        \
	"  --proxy URL: reach the provider through this proxy (by default the\n" \
	"  provider is kept off the https_proxy of the environment)\n"          \
	"  --timeout S: the most one class of the site may take, retries included\n" \
	"  (default 300); --plain-http-test-lab: http:// to osdwarden-lab --plain on\n" \
	"  this machine only, --auth none or basic, recorded and warned every run\n" \
	"  password/token: OSDWARDEN_PASSWORD / OSDWARDEN_TOKEN, --password-file (0600),\n" \
	"  or a prompt on the terminal; never on the command line\n"               \
	"  --auth negotiate (the default): the Kerberos ticket of `kinit user@REALM`, or\n" \
	"  --user user@REALM with a password (from the same places) for a ticket kept in\n" \
	"  memory only; the URL names the provider's FQDN (its SPN is HTTP/<fqdn>).\n" \
	"  --auth ntlm: refused by sites from 2509 on, and relayable\n"          \
	"  --auth basic: osdwarden-lab only"

void siteopts_init(struct siteopts *so);

/* Parses the arguments of a command that takes only the shared options
 * (sync, doctor), then finishes them as siteopts_finish does. Returns 0,
 * or the exit code to return (help printed: -1 means "done, exit 0"). */
int siteopts_parse(struct cli *c, const char *cmd, struct siteopts *so, int argc, char **argv);

/* Handles one option code; 1 if it was one of ours, 0 if not, -1 (usage
 * message printed) if its value is bad. */
int siteopts_option(struct cli *c, const char *cmd, struct siteopts *so, int opt,
                    const char *arg);

/* Checks the provider is set and its scheme allowed (https; http only in
 * the loopback test-lab mode, without real credentials), finds the secret
 * the auth mode needs, and warns loudly about --insecure and plain HTTP
 * (from the options or from the provider's row). 0 or an exit code
 * (message printed). */
int siteopts_finish(struct cli *c, const char *cmd, struct siteopts *so);

void siteopts_done(struct siteopts *so);

#endif
