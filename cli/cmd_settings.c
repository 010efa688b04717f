/* osdwarden settings [list] | settings set KEY VALUE: the policy
 * thresholds the checks use (days, counts). */
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "db/audit.h"
#include "db/records.h"
#include "util/num.h"

static int show(void *ctx, const char *key, const char *value, const char *description)
{
	struct cli *c = ctx;
	fprintf(c->out, "%-30s %8s  %s\n", key, value, description ? description : "");
	return 0;
}

int cmd_settings(struct cli *c, int argc, char **argv)
{
	struct ow_err e = { 0 };
	struct inv *db;
	long v;
	int rc;

	if (argc == 1 || (argc == 2 && strcmp(argv[1], "list") == 0)) {
		if ((rc = cli_open_inventory(c, &db)) != 0)
			return rc;
		rc = inv_each_setting(db, show, c, &e) < 0 ? cli_fail(c, &e) : 0;
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
	if ((rc = cli_open_inventory(c, &db)) != 0)
		return rc;
	rc = inv_begin(db, &e);
	if (rc == 0)
		rc = inv_setting_set(db, argv[2], argv[3], &e);
	if (rc == INV_NOTFOUND) {
		inv_rollback(db);
		inv_close(db);
		return cli_usage(c, "settings", "there is no setting '%s' (osdwarden settings list)",
		                 argv[2]);
	}
	if (rc == 0) {
		char req[128];
		snprintf(req, sizeof req, "value=%ld", v);
		rc = audit_append(db, (int64_t)time(NULL), "setting", argv[2], req, "recorded", &e);
	}
	rc = rc ? (inv_rollback(db), rc) : inv_commit(db, &e);
	inv_close(db);
	if (rc)
		return cli_fail(c, &e);
	fprintf(c->out, "%s = %ld\n", argv[2], v);
	return 0;
}
