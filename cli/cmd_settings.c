/* osdwarden settings [list] | settings set KEY VALUE: the policy
 * thresholds the checks use (days, counts). */
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "db/decision.h"
#include "db/records.h"
#include "util/num.h"

struct listing {
	struct cli *c;
	struct decision_log log;
};

/* A value the audit log does not record is shown with the one the checks
 * use instead. */
static int show(void *ctx, const char *key, const char *value, const char *description)
{
	struct listing *l = ctx;
	bool ignored;
	long used = decision_setting_long(&l->log, key, 0, &ignored);

	fprintf(l->c->out, "%-30s %8s  %s", key, value, description ? description : "");
	if (ignored)
		fprintf(l->c->out, " [not in the audit log: the checks use the default, %ld; set it "
		        "with osdwarden settings set]", used);
	fputc('\n', l->c->out);
	return 0;
}

int cmd_settings(struct cli *c, int argc, char **argv)
{
	struct ow_err e = { 0 };
	struct inv *db;
	long v;
	int rc;

	if (argc == 1 || (argc == 2 && strcmp(argv[1], "list") == 0)) {
		struct listing l = { .c = c };
		if ((rc = cli_create_inventory(c, &db)) != 0)
			return rc;
		if (decision_log_open(db, &l.log, &e) != 0) {
			inv_close(db);
			return cli_fail(c, &e);
		}
		rc = inv_each_setting(db, show, &l, &e) < 0 ? cli_fail(c, &e) : 0;
		decision_log_close(&l.log);
		inv_close(db);
		return rc;
	}
	if (argc != 4 || strcmp(argv[1], "set") != 0)
		return cli_usage(c, "settings", "settings list, or settings set KEY VALUE");
	/* Every threshold is a count of days or of objects. */
	if (num_parse_long(argv[3], 0, 36500, &v) != 0)
		return cli_usage(c, "settings", "a threshold is a whole number from 0 to 36500, not '%s'",
		                 argv[3]);
	if (c->read_only)
		return cli_usage(c, "settings", "settings set writes the inventory; drop --read-only");
	if ((rc = cli_create_inventory(c, &db)) != 0)
		return rc;
	/* The checks honour a value other than the default only as its
	 * audit row records it: both are written here, together. */
	rc = decision_set_setting(db, argv[2], v, inv_now(), &e);
	inv_close(db);
	if (rc == INV_NOTFOUND)
		return cli_usage(c, "settings", "there is no setting '%s' (osdwarden settings list)",
		                 argv[2]);
	if (rc)
		return cli_fail(c, &e);
	fprintf(c->out, "%s = %ld\n", argv[2], v);
	return 0;
}
