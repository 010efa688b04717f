/* osdwarden audit list | verify */
#include <getopt.h>
#include <jansson.h>
#include <string.h>

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

int cmd_audit(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct lister l = { c, false, 0 };
	struct ow_err e = { 0 };
	struct inv *db;
	int opt, rc;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "text") == 0))
			l.json = strcmp(optarg, "json") == 0;
		else
			return cli_usage(c, "audit", "unknown or incomplete option '%s'", argv[optind - 1]);
	}
	if (optind + 1 != argc || (strcmp(argv[optind], "list") && strcmp(argv[optind], "verify")))
		return cli_usage(c, "audit", "audit list or audit verify");
	if ((rc = cli_open_inventory(c, &db)) != 0)
		return rc;
	if (strcmp(argv[optind], "list") == 0) {
		if (l.json)
			fputc('[', c->out);
		rc = audit_each(db, list_one, &l, &e) < 0 ? cli_fail(c, &e) : 0;
		if (l.json)
			fputs(l.n ? "\n]\n" : "]\n", c->out);
	} else {
		int64_t rows, bad;
		char head[65], why[300] = "";
		rc = audit_verify(db, &rows, head, &bad, why, sizeof why, &e);
		if (rc == 0)
			fprintf(c->out, "audit log intact: %lld rows, head %s\n(keep the head hash "
			        "elsewhere to detect a rewrite of the whole log)\n", (long long)rows, head);
		else if (rc == 1)
			fprintf(c->err, "osdwarden: the audit log was tampered with: %s\n", why);
		else
			rc = cli_fail(c, &e);
	}
	inv_close(db);
	return rc;
}
