/* Operator decisions: attest a manual control, waive a failure (with an
 * expiry, always), tag what the site cannot know (segment trust, a
 * sanctioned responder, a compromised certificate). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks/checks.h"
#include "checks/decide.h"
#include "cli/cli.h"
#include "db/audit.h"
#include "db/decision.h"
#include "db/records.h"
#include "util/num.h"
#include "util/who.h"

/* attest's and waive's (one getopt table; --note is attest's, --reason waive's). */
const struct ow_opt cmd_decide_opts[] = {
	{ "object", 0, 'o', "ID", NULL, NULL,
	  "only this object of the check (default: the check as a whole)" },
	{ "note", 0, 'n', "TEXT", NULL, "attest", "what is in place, for the reviewer (required)" },
	{ "reason", 0, 'r', "TEXT", NULL, "waive", "why the failure is accepted, for the reviewer "
	  "(required)" },
	{ "expires", 0, 'e', "DAYS", NULL, NULL,
	  "how long it holds, 1 to 3650 days (an attestation: by default the setting "
	  "attestation_default_days, 90; a waiver: required, nothing is waived forever)" },
	CLI_HELP_OPT,
	{ NULL, 0, 0, NULL, NULL, NULL, NULL },
};

/* Shared shape of attest and waive: CHECK [--object ID] --TEXT T --expires D. */
static int decide(struct cli *c, int argc, char **argv, bool waiver)
{
	struct ow_getopt g;
	const char *cmd = waiver ? "waive" : "attest", *object = "", *text = NULL, *check;
	long days = -1;
	int opt, rc;
	struct inv *db;
	struct ow_err e = { 0 };
	int64_t now = inv_now();

	ow_getopt_init(&g, cmd_decide_opts, NULL);
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, g.shorts, g.longopts, NULL)) != -1) {
		switch (opt) {
		case 'o': object = optarg; break;
		case 'n':
			if (waiver)
				return cli_usage(c, cmd, "a waiver takes --reason, not --note");
			text = optarg;
			break;
		case 'r':
			if (!waiver)
				return cli_usage(c, cmd, "an attestation takes --note, not --reason");
			text = optarg;
			break;
		case 'e':
			if (num_parse_long(optarg, 1, 3650, &days) != 0)
				return cli_usage(c, cmd, "--expires wants days (1 to 3650), not '%s'", optarg);
			break;
		default:
			return cli_usage(c, cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage(c, cmd, "name one check, e.g. OSD-PXE-004");
	check = argv[optind];
	if (!chk_find(check))
		return cli_usage(c, cmd, "there is no check '%s' (osdwarden check lists them)", check);
	if (!text || !*text)
		return cli_usage(c, cmd, "%s is required: say why, for the reviewer",
		                 waiver ? "--reason" : "--note");
	if (waiver && days < 0)
		return cli_usage(c, cmd, "a waiver needs --expires DAYS: nothing is waived forever");
	if (c->read_only)
		return cli_usage(c, cmd, "%s writes the inventory; drop --read-only", cmd);
	if ((rc = cli_open_inventory(c, &db)) != 0)
		return rc;
	if (days < 0)
		days = decision_setting_now(db, "attestation_default_days", 90);
	rc = chk_decide(db, waiver, check, object, text, days, now, &e);
	inv_close(db);
	if (rc)
		return cli_fail(c, &e);
	fprintf(c->out, "%s %s%s%s by %s for %ld days\n", waiver ? "waived" : "attested", check,
	        object[0] ? " for " : "", object, who_operator(), days);
	return 0;
}

int cmd_attest(struct cli *c, int argc, char **argv)
{
	return decide(c, argc, argv, false);
}

int cmd_waive(struct cli *c, int argc, char **argv)
{
	return decide(c, argc, argv, true);
}

/* osdwarden tag dp SERVER [--trust T] [--sanctioned|--not-sanctioned]
 * osdwarden tag cert SMSID --compromised|--not-compromised */
const struct ow_opt cmd_tag_opts[] = {
	{ "trust", 0, 't', "TRUST", "trusted|untrusted|perimeter", NULL,
	  "dp: the network the distribution point stands in" },
	{ "sanctioned", 0, 's', NULL, NULL, NULL, "dp: the PXE responder is approved" },
	{ "not-sanctioned", 0, 'S', NULL, NULL, NULL, "dp: the PXE responder is not approved" },
	{ "compromised", 0, 'c', NULL, NULL, NULL, "cert: the certificate is known to be compromised" },
	{ "not-compromised", 0, 'C', NULL, NULL, NULL, "cert: take the compromised tag back" },
	{ "note", 0, 'n', "TEXT", NULL, NULL, "a note kept with the tag" },
	CLI_HELP_OPT,
	{ NULL, 0, 0, NULL, NULL, NULL, NULL },
};

int cmd_tag(struct cli *c, int argc, char **argv)
{
	struct ow_getopt g;
	struct inv_segment seg = { 0 }, old;
	const char *type, *key, *trust = NULL, *note = NULL;
	int sanctioned = -1, compromised = -1, opt, rc;
	struct ow_err e = { 0 };
	struct inv *db;
	int64_t now = inv_now();

	ow_getopt_init(&g, cmd_tag_opts, NULL);
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, g.shorts, g.longopts, NULL)) != -1) {
		switch (opt) {
		case 't':
			if (strcmp(optarg, "trusted") && strcmp(optarg, "untrusted") && strcmp(optarg, "perimeter"))
				return cli_usage(c, "tag", "--trust is trusted, untrusted or perimeter");
			trust = optarg;
			break;
		case 's': sanctioned = 1; break;
		case 'S': sanctioned = 0; break;
		case 'c': compromised = 1; break;
		case 'C': compromised = 0; break;
		case 'n': note = optarg; break;
		default:
			return cli_usage(c, "tag", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 2 != argc)
		return cli_usage(c, "tag", "say what to tag: dp SERVER or cert SMSID");
	type = strcmp(argv[optind], "cert") == 0 ? "certificate" : argv[optind];
	key = argv[optind + 1];
	if (strcmp(type, "dp") != 0 && strcmp(type, "certificate") != 0)
		return cli_usage(c, "tag", "tag dp SERVER or cert SMSID, not '%s'", argv[optind]);
	if (strcmp(type, "dp") == 0 && compromised >= 0)
		return cli_usage(c, "tag", "--compromised is for certificates");
	if (strcmp(type, "certificate") == 0 && (trust || sanctioned >= 0))
		return cli_usage(c, "tag", "--trust and --sanctioned are for distribution points");
	if (!trust && sanctioned < 0 && compromised < 0)
		return cli_usage(c, "tag", "nothing to tag: give --trust, --sanctioned or --compromised");
	if (c->read_only)
		return cli_usage(c, "tag", "tag writes the inventory; drop --read-only");
	if ((rc = cli_open_inventory(c, &db)) != 0)
		return rc;
	/* Keep what an earlier tag said about the other properties. */
	old = (struct inv_segment){ .object_type = (char *)type, .object_key = (char *)key };
	int found = inv_get_segment(db, &old, &e);   /* 0 found, INV_NOTFOUND, or an error */
	bool had = found == 0;
	seg.object_type = (char *)type;
	seg.object_key = (char *)key;
	seg.trust = trust ? (char *)trust : had ? old.trust : NULL;
	seg.sanctioned = sanctioned >= 0 ? sanctioned : had ? old.sanctioned : 0;
	seg.compromised = compromised >= 0 ? compromised : had ? old.compromised : 0;
	seg.note = note ? (char *)note : had ? old.note : NULL;
	seg.operator_name = (char *)who_operator();
	seg.updated = now;
	rc = found > 0 ? found : inv_begin(db, &e);
	if (rc == 0)
		rc = inv_put_segment(db, &seg, now, &e);
	if (rc == 0) {
		char target[300], request[300];
		decision_tag_target(&seg, target, sizeof target);
		decision_tag_request(&seg, request, sizeof request);
		rc = audit_append(db, now, DECISION_TAG, target, request, "recorded", &e);
		rc = rc ? rc : inv_commit(db, &e);
	}
	if (rc && found <= 0)
		inv_rollback(db);
	if (had)
		inv_free_segment(&old);
	inv_close(db);
	if (rc)
		return cli_fail(c, &e);
	fprintf(c->out, "tagged %s %s: trust %s, sanctioned %s, compromised %s\n", type, key,
	        seg.trust ? seg.trust : "-", seg.sanctioned ? "yes" : "no",
	        seg.compromised ? "yes" : "no");
	return 0;
}
