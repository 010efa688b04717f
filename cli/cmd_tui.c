/* `osdwarden tui`: the console over the inventory. Writes reach the site
 * the way the other commands' do (provider from the inventory, password
 * from the environment, a file or a prompt), connected on the first write. */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_act.h"
#include "tui/tui.h"

struct hook_ctx {
	struct cli *c;
	struct actcmd_session *s;
};

static int connect_site(void *ctx, int64_t provider_id, struct act_site **site, char *err,
                        size_t n)
{
	struct hook_ctx *h = ctx;
	FILE *saved = h->c->err;
	char *msg = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&msg, &len);
	int rc;

	/* Messages go to the console's status line, not over the screen. */
	if (mem)
		h->c->err = mem;
	h->s->provider_id = provider_id;
	rc = actcmd_session_connect(h->c, "tui", h->s, NULL);
	h->c->err = saved;
	if (mem)
		fclose(mem);
	if (rc == 0) {
		*site = &h->s->site;
	} else {
		snprintf(err, n, "%s", msg && *msg ? msg : "no provider to reach");
		err[strcspn(err, "\n")] = '\0';
	}
	free(msg);
	return rc;
}

static int sync_site(void *ctx, sync_progress_fn progress, int (*stop)(void *pctx), void *pctx,
                     char *msg, size_t n)
{
	struct hook_ctx *h = ctx;
	struct sync_opts o = { 0 };
	struct sync_result res;
	struct ow_err e = { 0 };
	int rc;

	o.provider = h->s->so.provider;
	o.http = h->s->so.http;
	o.concurrency = h->s->so.concurrency;
	o.progress = progress;
	o.progress_ctx = pctx;
	o.http.stop = stop;
	o.http.stop_ctx = pctx;
	rc = sync_run(h->s->db, &o, &res, &e);
	if (rc == 0 || rc == OW_EPARTIAL)
		snprintf(msg, n, "synced %zu rows from %zu classes in %.1f s%s%s", res.rows, res.classes,
		         res.seconds, res.denied ? "; no access to " : "", res.denied ? res.denied_names : "");
	else
		snprintf(msg, n, "sync failed, the inventory is as it was: %s", e.msg);
	return rc == OW_EPARTIAL ? 0 : rc;
}

int cmd_tui(struct cli *c, int argc, char **argv)
{
	struct actcmd_session s;
	struct hook_ctx h = { c, &s };
	struct tui_opts o = { 0 };
	int rc;

	actcmd_session_init(&s);
	if ((rc = actcmd_session_parse(c, "tui", &s, argc, argv)) != 0)
		goto out;
	if (s.npos) {
		rc = cli_usage(c, "tui", "unexpected '%s'", s.pos[0]);
		goto out;
	}
	/* The console may start on nothing yet: it syncs from within. */
	if ((rc = cli_create_inventory(c, &s.db)) != 0)
		goto out;
	o.db = s.db;
	o.read_only = c->read_only;
	o.no_color = c->no_color;
	o.ascii = c->ascii;
	o.script = s.script;
	o.start_view = s.view;
	o.rows = s.rows;
	o.cols = s.cols;
	o.err = c->err;
	o.site.connect = connect_site;
	o.site.sync = sync_site;
	o.site.ctx = &h;
	o.site.provider_fixed = s.provider_given;
	s.yes = true;   /* the console asks itself, in its own dialogs */
	rc = tui_run(&o);
out:
	actcmd_session_close(&s);
	return rc;
}
