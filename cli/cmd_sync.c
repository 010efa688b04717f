#include <string.h>
#include <unistd.h>

#include "backend/sync.h"
#include "cli/cli.h"
#include "cli/siteopts.h"

/* One status line per class on a terminal, rewritten in place. */
static int show_progress(void *ctx, const struct sync_progress *p)
{
	FILE *f = ctx;

	char pct[16] = "";

	/* The site's $count makes the share read a real percentage. */
	if (p->total > 0)
		snprintf(pct, sizeof pct, " %3d%%", (int)((double)p->rows * 100 / (double)p->total));
	fprintf(f, "\r  %-28s %9zu rows%s %9.0f rows/s%s", p->cls, p->rows, pct, p->rows_per_s,
	        p->done ? "\n" : "");
	fflush(f);
	return 0;
}

int cmd_sync(struct cli *c, int argc, char **argv)
{
	struct siteopts so;
	struct sync_opts o = { 0 };
	struct sync_result res;
	struct ow_err e = { 0 };
	struct inv *db = NULL;
	int rc = siteopts_parse(c, "sync", &so, argc, argv);

	if (rc) {
		siteopts_done(&so);
		return rc < 0 ? 0 : rc;
	}
	if ((rc = cli_create_inventory(c, &db)) != 0)
		goto out;
	o.provider = so.provider;
	o.site = so.site;
	o.profile = so.profile;
	o.http = so.http;
	o.concurrency = so.concurrency;
	if (isatty(fileno(c->err))) {
		o.progress = show_progress;
		o.progress_ctx = c->err;
	}
	rc = sync_run(db, &o, &res, &e);
	if (rc == 0 || rc == OW_EPARTIAL)
		fprintf(c->out, "synced %s: %zu rows from %zu classes in %.1f s\n", so.provider,
		        res.rows, res.classes, res.seconds);
	if (rc)
		cli_fail(c, &e);
	if (rc && rc != OW_EPARTIAL)
		fprintf(c->err, "osdwarden: nothing was changed; the inventory is as it was before "
		        "this sync\n");
out:
	inv_close(db);
	siteopts_done(&so);
	return rc;
}
