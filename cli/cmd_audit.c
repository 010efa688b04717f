/* osdwarden audit list | verify | export-head | re-anchor */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "cli/cli.h"
#include "cli/out.h"
#include "db/audit.h"
#include "util/sanitize.h"
#include "util/timeparse.h"

struct lister {
	struct cli *c;
	bool json;
	size_t n;
};

static int list_one(void *ctx, const struct audit_entry *e)
{
	struct lister *l = ctx;
	char when[32];

	owtime_format(e->ts * 1000, when);
	if (l->json) {
		json_t *j = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "seq", (json_int_t)e->seq,
		                      "time", when, "operator", e->operator_name, "host", e->host,
		                      "ssh_client", e->ssh_client, "action", e->action, "target", e->target,
		                      "request", e->request, "outcome", e->outcome, "hash", e->hash);
		char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
		fprintf(l->c->out, "%s\n  %s", l->n ? "," : "", s ? s : "null");
		free(s);
		json_decref(j);
	} else {
		char *target = san_str(e->target, 60, l->c->ascii ? SAN_ASCII : 0);
		char *request = san_str(e->request, 80, l->c->ascii ? SAN_ASCII : 0);
		fprintf(l->c->out, "%6lld  %s  %-10s %-8s %-10s %s  %s\n", (long long)e->seq, when,
		        e->operator_name, e->action, e->outcome, target ? target : "",
		        request ? request : "");
		free(target);
		free(request);
	}
	l->n++;
	return 0;
}

/* The head line goes to syslog as well, for a collector off this host
 * that the inventory's writers cannot reach. */
static void to_syslog(const char *line)
{
	openlog("osdwarden", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_NOTICE, "%s", line);
	closelog();
}

static int verify(struct cli *c, struct inv *db)
{
	struct audit_report r;
	struct ow_err e = { 0 };
	int64_t open = 0, first = 0;
	int rc = audit_check(db, &r, &e);

	if (rc == 1) {
		fprintf(c->err, "osdwarden: the audit log was tampered with: %s\n", r.why);
		return rc;
	}
	if (rc != 0 || audit_open_intents(db, &open, &first, &e) != 0)
		return cli_fail(c, &e);
	fprintf(c->out, "audit log intact: %lld rows, head %s\n%s\n(osdwarden audit "
	        "export-head --syslog ships the head off this host)\n", (long long)r.rows,
	        r.head, r.note);
	/* Not tampering: a write whose outcome osdwarden could not record
	 * because it stopped while sending. Said on every verify until the
	 * same action runs again and records what the site shows. */
	if (open > 0)
		fprintf(c->out, "%lld write%s %s entered as \"" AUDIT_INTENT "\" with no outcome "
		        "after %s (first: row %lld): osdwarden stopped while sending. Run the same "
		        "action again: it re-reads the site, sends nothing if the change is there, "
		        "and records the outcome\n", (long long)open, open > 1 ? "s" : "",
		        open > 1 ? "were" : "was", open > 1 ? "them" : "it", (long long)first);
	return 0;
}

const struct ow_opt cmd_audit_opts[] = {
	{ "format", 0, 'f', "FORMAT", "text|json", NULL, "list: the output's format (default text)" },
	{ "syslog", 0, 's', NULL, NULL, NULL, "export-head: to syslog as well as to stdout" },
	CLI_HELP_OPT,
	{ NULL, 0, 0, NULL, NULL, NULL, NULL },
};

int cmd_audit(struct cli *c, int argc, char **argv)
{
	struct ow_getopt g;
	static const char *const subs[] = { "list", "verify", "export-head", "re-anchor" };
	struct lister l = { c, false, 0 };
	struct ow_err e = { 0 };
	struct inv *db;
	bool use_syslog = false, known = false;
	const char *sub;
	int opt, rc;

	ow_getopt_init(&g, cmd_audit_opts, NULL);
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, g.shorts, g.longopts, NULL)) != -1) {
		if (opt == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "text") == 0))
			l.json = strcmp(optarg, "json") == 0;
		else if (opt == 's')
			use_syslog = true;
		else
			return cli_usage(c, "audit", "unknown or incomplete option '%s'", argv[optind - 1]);
	}
	for (size_t i = 0; optind + 1 == argc && i < sizeof subs / sizeof subs[0]; i++)
		known = known || strcmp(argv[optind], subs[i]) == 0;
	if (!known)
		return cli_usage(c, "audit", "audit list, audit verify, audit export-head [--syslog] "
		                 "or audit re-anchor");
	sub = argv[optind];
	if (use_syslog && strcmp(sub, "export-head") != 0)
		return cli_usage(c, "audit", "--syslog goes with audit export-head");
	if (strcmp(sub, "re-anchor") == 0 && c->read_only)
		return cli_usage(c, "audit", "audit re-anchor writes to the inventory; drop --read-only");
	if ((rc = cli_open_inventory(c, &db)) != 0)
		return rc;
	if (strcmp(sub, "list") == 0) {
		if (l.json)
			fputc('[', c->out);
		rc = audit_each(db, list_one, &l, &e) < 0 ? cli_fail(c, &e) : 0;
		if (l.json)
			fputs(l.n ? "\n]\n" : "]\n", c->out);
	} else if (strcmp(sub, "verify") == 0) {
		rc = verify(c, db);
	} else if (strcmp(sub, "export-head") == 0) {
		char *line = NULL;
		if ((rc = audit_export_head(db, &line, &e)) != 0) {
			rc = cli_fail(c, &e);
		} else {
			fprintf(c->out, "%s\n", line);
			if (use_syslog)
				to_syslog(line);
		}
		free(line);
	} else {
		char note[300];
		if ((rc = audit_reanchor(db, note, sizeof note, &e)) != 0)
			rc = cli_fail(c, &e);
		else
			fprintf(c->out, "%s\n", note);
	}
	inv_close(db);
	return rc;
}
