/* What the commands that change a site share: options, the site's
 * provider (from the inventory unless --provider), confirmation, output. */
#ifndef OW_CLI_CMD_ACT_H
#define OW_CLI_CMD_ACT_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/actions.h"
#include "cli/cli.h"
#include "cli/siteopts.h"

struct actcmd_session {
	struct siteopts so;
	bool provider_given, yes, dry_run;
	int64_t provider_id;           /* the provider row to reach (the console's choice), 0: by site */
	long released_before;          /* assoc prune; -1 = the policy setting */
	struct act_pxe pxe;            /* dp pxe */
	const char *step, *note;       /* smp decommission, task resume */
	const char *script, *view;     /* tui --script FILE, --view NAME */
	int cols, rows;                /* tui --size COLSxROWS */
	const char *pos[4];
	size_t npos;
	struct inv *db;
	struct http_client *http;
	char *base, *prov_url, *prov_user, *prov_ca, *prov_profile;
	struct act_site site;
};

void actcmd_session_init(struct actcmd_session *s);
/* Options and positional arguments; 0 or an exit code (message printed). */
int actcmd_session_parse(struct cli *c, const char *cmd, struct actcmd_session *s, int argc, char **argv);
int actcmd_session_open_db(struct cli *c, struct actcmd_session *s);
/* Connects to the provider the site_code was synced from (or the only
 * one), taking the secret from the same places as sync. Idempotent. */
int actcmd_session_connect(struct cli *c, const char *cmd, struct actcmd_session *s,
                           const char *site_code);
void actcmd_session_close(struct actcmd_session *s);

/* 0 when confirmed (or --yes / --dry-run); otherwise an exit code, with
 * "nothing was sent" said. */
int actcmd_confirm(struct cli *c, const struct actcmd_session *s, const char *what, const char *expect);
/* Prints "<outcome>: <target>: <message>"; 0 if the site is now as asked
 * (or a dry run), 1 otherwise. */
int actcmd_print(struct cli *c, const struct act_result *r);
/* smp restore-only|deletion-policy|remove (pos[0] is the verb). */
int actcmd_smp_simple(struct cli *c, struct actcmd_session *s);

#endif
