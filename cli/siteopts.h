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
#include "util/opttab.h"

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

/* The shared options (codes >= 0x200), with their help: every command
 * that talks to a site takes them, and its --help, the manual page and the
 * completion list them from here. */
extern const struct ow_opt siteopts_opts[];

#define SITEOPTS_USAGE                                                      \
	"--provider URL | --profile NAME [--site CODE]\n"                   \
	"       [--auth negotiate|ntlm|basic|bearer|none] [--user NAME]\n"  \
	"       [--cacert FILE] [--insecure] [--timeout S] [--password-file FILE]\n" \
	"       [--concurrency N] [--plain-http-test-lab] [--proxy URL]"

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
