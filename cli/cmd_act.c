/* The commands that change a site: cert, assoc, smp, dp, boot. Each asks
 * backend/actions to do the work (gate, re-read, write once, verify,
 * audit); this file only finds the site, asks for confirmation and
 * prints the outcome.
 *
 * Confirmation: --yes, or on a terminal a typed confirmation (the last 6
 * characters of the SMSID, the server name, or the count). Without a
 * terminal and without --yes nothing is sent. --dry-run needs neither;
 * `cert block|unblock --dry-run` prints the impact from the inventory
 * (backend/cert_impact) and opens nothing towards the site. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "backend/actions.h"
#include "backend/adminservice.h"
#include "backend/cert_impact.h"
#include "cli/cli.h"
#include "cli/cmd_act.h"
#include "cli/config.h"
#include "cli/siteopts.h"
#include "db/records.h"
#include "util/mac.h"
#include "util/num.h"
#include "util/sanitize.h"

void actcmd_session_init(struct actcmd_session *s)
{
	memset(s, 0, sizeof *s);
	siteopts_init(&s->so);
	s->pxe.active = -1;
	s->pxe.bind_policy = -1;
	s->released_before = -1;
}

/* One getopt table for every command that changes a site, and the
 * console; `only` says which command each row is for. */
const struct ow_opt actcmd_opts[] = {
	{ "yes", 'y', 'y', NULL, NULL, "cert assoc smp dp boot task", "do it without asking" },
	{ "dry-run", 0, 'n', NULL, NULL, "cert assoc smp dp boot",
	  "say what would be done and send nothing; cert: the impact (type, key, DP, validity, "
	  "the findings it closes, whether the site offers the method), from the inventory" },
	{ "released-before", 0, 'r', "DAYS", NULL, "assoc",
	  "prune: associations restored more than DAYS ago (default: the policy setting)" },
	{ "active", 0, 'a', "on|off", "on|off", "dp", "pxe: the PXE responder on or off" },
	{ "bind", 0, 'b', "all|listed", "all|listed", "dp",
	  "pxe: answer on every interface, or only the --macs addresses" },
	{ "macs", 0, 'm', "MAC,...", NULL, "dp", "pxe: the addresses the responder answers on" },
	{ "step", 0, 's', "next|attest", "next|attest", "smp task",
	  "run the next step, or record a manual step as done (with --note)" },
	{ "note", 0, 'N', "TEXT", NULL, "smp task", "what was done by hand, for --step attest" },
	{ "script", 0, 'S', "FILE", "@file", "tui",
	  "drive the console with the key script in FILE instead of a terminal" },
	{ "size", 0, 'Z', "COLSxROWS", NULL, "tui", "the scripted console's size (default 80x24)" },
	{ "view", 0, 'V', "NAME", NULL, "tui", "the view the console opens on" },
	CLI_HELP_OPT,
	{ NULL, 0, 0, NULL, NULL, NULL, NULL },
};

int actcmd_session_parse(struct cli *c, const char *cmd, struct actcmd_session *s, int argc, char **argv)
{
	struct ow_getopt g;
	int opt, rc;
	long v;

	ow_getopt_init(&g, siteopts_opts, actcmd_opts);
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, g.shorts, g.longopts, NULL)) != -1) {
		switch (opt) {
		case 'y': s->yes = true; break;
		case 'n': s->dry_run = true; break;
		case 'r':
			if (num_parse_long(optarg, 0, 36500, &v) != 0)
				return cli_usage(c, cmd, "--released-before wants days, not '%s'", optarg);
			s->released_before = v;
			break;
		case 'a':
			if (strcmp(optarg, "on") != 0 && strcmp(optarg, "off") != 0)
				return cli_usage(c, cmd, "--active is on or off, not '%s'", optarg);
			s->pxe.active = strcmp(optarg, "on") == 0;
			break;
		case 'b':
			if (strcmp(optarg, "all") != 0 && strcmp(optarg, "listed") != 0)
				return cli_usage(c, cmd, "--bind is all (every interface) or listed (only "
				                 "the --macs addresses), not '%s'", optarg);
			s->pxe.bind_policy = strcmp(optarg, "listed") == 0;
			break;
		case 'm': {
			/* checked here, before anything is opened; act_dp_pxe checks
			 * and normalises again for the console and the workflows */
			struct ow_err e = { 0 };
			char *norm = NULL;
			if (mac_list_normalise(optarg, &norm, &e) != 0)
				return cli_usage(c, cmd, "--macs: %s", e.msg);
			free(norm);
			s->pxe.macs = optarg;
			break;
		}
		case 's': s->step = optarg; break;
		case 'N': s->note = optarg; break;
		case 'S': s->script = optarg; break;
		case 'V': s->view = optarg; break;
		case 'Z':
			if (sscanf(optarg, "%dx%d", &s->cols, &s->rows) != 2 || s->cols < 20 || s->rows < 5)
				return cli_usage(c, cmd, "--size is COLSxROWS, e.g. 80x24");
			break;
		default:
			rc = siteopts_option(c, cmd, &s->so, opt, optarg);
			if (rc < 0)
				return OW_EINPUT;
			if (rc == 0)
				return cli_usage(c, cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
			/* --profile names the provider as --provider does. */
			s->provider_given |= opt == 0x200 || opt == 0x20b;
		}
	}
	for (; optind < argc; optind++) {
		if (s->npos == sizeof s->pos / sizeof s->pos[0])
			return cli_usage(c, cmd, "unexpected '%s'", argv[optind]);
		s->pos[s->npos++] = argv[optind];
	}
	return 0;
}

/* The profile a provider row was synced by, used for what the row does
 * not keep (its password file above all) only while the configuration
 * still has it for that same URL: a profile whose url now points
 * elsewhere never hands its password to the row's old address. */
static void remembered_profile(struct cli *c, struct actcmd_session *s,
                               const struct inv_provider *row)
{
	const struct cfg_profile *p = c->cfg ? cfg_profile(c->cfg, row->profile) : NULL;
	struct ow_err e = { 0 };
	char *base = p ? as_base_url(p->url, &e) : NULL;

	if (base && strcmp(base, row->url) == 0)
		s->so.profile = s->prov_profile = strdup(row->profile);
	else if (p)
		fprintf(c->err, "osdwarden: warning: this provider (%s) was synced with the profile "
		        "'%s', whose url is now another; the profile is not used for it (give "
		        "--profile %s to reach the profile's site)\n", row->url, row->profile,
		        row->profile);
	else
		fprintf(c->err, "osdwarden: warning: this provider was synced with the profile '%s', "
		        "which the configuration no longer has; using what the inventory keeps for "
		        "it\n", row->profile);
	free(base);
}

/* The provider row the session names (the console's choice), else the one
 * the object's site was last synced from; the only one when the site is
 * not known. Copies into the session. */
static int pick_provider(struct cli *c, const char *cmd, struct actcmd_session *s,
                         const char *site_code)
{
	struct inv_provider *provs = NULL;
	struct inv_site *sites = NULL;
	size_t np = 0, ns = 0;
	struct ow_err e = { 0 };
	int64_t want = s->provider_id > 0 ? s->provider_id : INV_NULL;
	int rc;

	if (inv_load_provider(s->db, false, &provs, &np, &e) != 0 ||
	    inv_load_site(s->db, false, &sites, &ns, &e) != 0) {
		inv_unload_provider(provs, np);
		return cli_fail(c, &e);
	}
	for (size_t i = 0; want == INV_NULL && site_code && i < ns; i++)
		if (strcasecmp(sites[i].site_code, site_code) == 0)
			want = sites[i].provider_id;
	if (want == INV_NULL && np == 1)
		want = provs[0].id;
	rc = -1;
	for (size_t i = 0; i < np; i++) {
		if (provs[i].id != want)
			continue;
		s->prov_url = strdup(provs[i].url);
		s->prov_user = provs[i].user_name ? strdup(provs[i].user_name) : NULL;
		s->prov_ca = provs[i].ca_file ? strdup(provs[i].ca_file) : NULL;
		s->so.provider = s->prov_url;
		if (!s->so.http.user)
			s->so.http.user = s->prov_user;
		if (!s->so.http.cacert)
			s->so.http.cacert = s->prov_ca;
		if (http_auth_parse(provs[i].auth_mode, &s->so.http.auth) != 0)
			s->so.http.auth = HTTP_AUTH_NEGOTIATE;
		/* The row's HTTP_INSECURE_* bits: warned again by siteopts_finish. */
		s->so.http.insecure |= (unsigned)provs[i].insecure & (HTTP_INSECURE_TLS | HTTP_PLAIN_TEST_LAB);
		/* The profile the sync came by gives what the row does not keep
		 * (the password file, the timeout, the proxy). */
		if (provs[i].profile)
			remembered_profile(c, s, &provs[i]);
		rc = 0;
	}
	inv_unload_provider(provs, np);
	inv_unload_site(sites, ns);
	if (rc && np)
		return cli_usage(c, cmd, "this inventory was synced from %zu providers; say which one "
		                 "with --provider URL", np);
	if (rc)
		return cli_usage(c, cmd, "this inventory was never synced; sync it first, or give "
		                 "--provider URL");
	return 0;
}

int actcmd_session_open_db(struct cli *c, struct actcmd_session *s)
{
	return cli_open_inventory(c, &s->db);
}

int actcmd_session_connect(struct cli *c, const char *cmd, struct actcmd_session *s,
                           const char *site_code)
{
	struct ow_err e = { 0 };
	int rc;

	if (s->site.base)
		return 0;
	if (!s->provider_given && (rc = pick_provider(c, cmd, s, site_code)) != 0)
		return rc;
	if ((rc = siteopts_finish(c, cmd, &s->so)) != 0)
		return rc;
	if (!(s->base = as_base_url(s->so.provider, &e)) ||
	    http_client_new(&s->so.http, &s->http, &e) != 0)
		return cli_fail(c, &e);
	s->site.http = s->http;
	s->site.base = s->base;
	s->site.read_only = c->read_only;
	return 0;
}

void actcmd_session_close(struct actcmd_session *s)
{
	http_client_free(s->http);
	free(s->base);
	inv_close(s->db);
	siteopts_done(&s->so);
	free(s->prov_url);
	free(s->prov_user);
	free(s->prov_ca);
	free(s->prov_profile);
	memset(s, 0, sizeof *s);
}

int actcmd_confirm(struct cli *c, const struct actcmd_session *s, const char *what, const char *expect)
{
	char line[256];
	char *clean = san_str(expect, 80, c->ascii ? SAN_ASCII : 0);
	int rc = 0;

	if (s->yes || s->dry_run) {
		free(clean);
		return 0;
	}
	if (!isatty(STDIN_FILENO)) {
		fprintf(c->err, "osdwarden: %s: not confirmed, so nothing was sent. Run it on a "
		        "terminal to confirm, add --dry-run to see what would happen, or --yes to "
		        "confirm in a script\n", what);
		free(clean);
		return OW_EINPUT;
	}
	fprintf(c->err, "%s\nType '%s' to confirm (anything else cancels): ", what, clean);
	fflush(c->err);
	if (!fgets(line, sizeof line, stdin))
		line[0] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (strcmp(line, expect) != 0) {
		fprintf(c->err, "osdwarden: not confirmed; nothing was sent\n");
		rc = OW_EINPUT;
	}
	free(clean);
	return rc;
}

int actcmd_print(struct cli *c, const struct act_result *r)
{
	unsigned fl = c->ascii ? SAN_ASCII : 0;
	char *msg = san_str(r->message, 600, fl), *target = san_str(r->target, 200, fl);

	fprintf(c->out, "%s: %s: %s\n", act_outcome_name(r->outcome), target ? target : "",
	        msg ? msg : "");
	free(msg);
	free(target);
	return act_ok(r->outcome) || r->outcome == ACT_DRY_RUN ? 0 : 1;
}

/* --- cert block|unblock SMSID ---------------------------------------------- */

/* The impact of the block, from the inventory alone (backend/cert_impact):
 * what --dry-run prints, and what a terminal shows before the typed
 * confirmation. Wrapped to the terminal, one line a row otherwise. */
static int print_impact(struct cli *c, struct inv *db, FILE *f, const char *smsid, bool block)
{
	struct ow_err e = { 0 };
	char *text = cert_impact_describe(db, smsid, block, inv_now(), c->ascii,
	                                  isatty(fileno(f)) ? 78 : 0, &e);

	if (!text)
		return cli_fail(c, &e);
	fputs(text, f);
	free(text);
	return 0;
}

int cmd_cert(struct cli *c, int argc, char **argv)
{
	struct actcmd_session s;
	struct act_result res;
	struct ow_err e = { 0 };
	struct inv_cert cert = { 0 };
	char what[400];
	bool block;
	int rc;

	actcmd_session_init(&s);
	if ((rc = actcmd_session_parse(c, "cert", &s, argc, argv)) != 0)
		goto out;
	if (s.npos != 2 || (strcmp(s.pos[0], "block") != 0 && strcmp(s.pos[0], "unblock") != 0)) {
		rc = cli_usage(c, "cert", "say block or unblock, then the certificate's SMSID");
		goto out;
	}
	block = strcmp(s.pos[0], "block") == 0;
	if ((rc = actcmd_session_open_db(c, &s)) != 0)
		goto out;
	/* --dry-run: the impact, and nothing opened towards the site. */
	if (s.dry_run) {
		if ((rc = print_impact(c, s.db, c->out, s.pos[1], block)) == 0)
			fprintf(c->out, "dry run: nothing was sent; without --dry-run the %s is "
			        "confirmed, sent, read back and audited\n", block ? "block" : "unblock");
		goto out;
	}
	cert.smsid = (char *)s.pos[1];
	rc = inv_get_cert(s.db, &cert, &e);
	if (rc != 0)
		cert.smsid = NULL;   /* still ours (argv); get replaces it only on success */
	if (rc == INV_NOTFOUND) {
		ow_err_set(&e, OW_EINPUT, "no certificate %s in the inventory; run `osdwarden sync`, "
		           "then `osdwarden list certs` to find its SMSID", s.pos[1]);
		rc = cli_fail(c, &e);
		goto out;
	}
	if (rc) {
		rc = cli_fail(c, &e);
		goto out;
	}
	snprintf(what, sizeof what, "%s certificate %s issued to %s (type %lld%s)%s",
	         block ? "Block" : "Unblock", s.pos[1], cert.issued_to ? cert.issued_to : "?",
	         (long long)cert.type, cert.key_type == 2 ? ", PKI-issued: also revoke it at the CA" : "",
	         block ? ": PXE or media that use it stop working" : "");
	if ((rc = actcmd_session_connect(c, "cert", &s, cert.site_code)) != 0)
		goto out;
	/* The whole impact before a typed confirmation (not with --yes). */
	if (!s.yes && isatty(STDIN_FILENO) && (rc = print_impact(c, s.db, c->err, s.pos[1], block)) != 0)
		goto out;
	if ((rc = actcmd_confirm(c, &s, what, strlen(s.pos[1]) > 6 ? s.pos[1] + strlen(s.pos[1]) - 6
	                                                          : s.pos[1])) != 0)
		goto out;
	if ((rc = act_cert_block(s.db, &s.site, s.pos[1], block, false, &res, &e)) != 0) {
		rc = cli_fail(c, &e);
		goto out;
	}
	rc = actcmd_print(c, &res);
out:
	inv_free_cert(&cert);
	actcmd_session_close(&s);
	return rc;
}

/* --- assoc delete SOURCE RESTORE | assoc prune ------------------------------- */

struct pair {
	int64_t src, dst;
};

struct prune {
	int64_t cutoff;
	struct pair *p;
	size_t n, cap;
	char *first_site;
};

static int collect_released(void *ctx, const struct inv_assoc *a)
{
	struct prune *pr = ctx;

	if (a->store_released == INV_NULL || a->store_released > pr->cutoff)
		return 0;
	if (pr->n == pr->cap) {
		size_t cap = pr->cap ? pr->cap * 2 : 256;
		struct pair *np = realloc(pr->p, cap * sizeof *np);
		if (!np)
			return -1;
		pr->p = np;
		pr->cap = cap;
	}
	pr->p[pr->n].src = a->source_id;
	pr->p[pr->n++].dst = a->restore_id;
	if (!pr->first_site && a->site_code)
		pr->first_site = strdup(a->site_code);
	return 0;
}

static int assoc_prune(struct cli *c, struct actcmd_session *s)
{
	struct prune pr = { 0 };
	struct ow_err e = { 0 };
	size_t counts[ACT_DRY_RUN + 1] = { 0 };
	long days = s->released_before >= 0 ? s->released_before
	                                    : inv_setting_long(s->db, "assoc_released_max_days", 14);
	bool tty = isatty(fileno(c->err));
	char what[200], count[32];
	int rc;

	pr.cutoff = inv_now() - (int64_t)days * 86400;
	if (inv_each_assoc(s->db, false, collect_released, &pr, &e) != 0) {
		free(pr.p);
		free(pr.first_site);
		return cli_fail(c, &e);
	}
	fprintf(c->out, "%zu computer association(s) restored more than %ld days ago\n", pr.n, days);
	snprintf(what, sizeof what, "Delete %zu computer association(s) restored more than %ld "
	         "days ago (their stored user state goes with them)", pr.n, days);
	snprintf(count, sizeof count, "%zu", pr.n);
	rc = pr.n == 0 ? 0 : actcmd_session_connect(c, "assoc", s, pr.first_site);
	if (rc == 0 && pr.n)
		rc = actcmd_confirm(c, s, what, count);
	for (size_t i = 0; rc == 0 && i < pr.n; i++) {
		struct act_result res;
		if (act_assoc_delete(s->db, &s->site, pr.p[i].src, pr.p[i].dst, s->dry_run, &res, &e)) {
			rc = cli_fail(c, &e);
			break;
		}
		counts[res.outcome]++;
		if (s->dry_run || !act_ok(res.outcome) || !tty)
			actcmd_print(c, &res);
		if (tty)
			fprintf(c->err, "\r  %zu/%zu", i + 1, pr.n);
		if (s->site.read_only && !s->dry_run) {
			fprintf(c->err, "%sosdwarden: stopping: the site refused a write; %zu left "
			        "untouched\n", tty ? "\n" : "", pr.n - i - 1);
			break;
		}
	}
	if (tty && pr.n)
		fputc('\n', c->err);
	if (pr.n)
		fprintf(c->out, "deleted %zu, already gone %zu, not applied %zu, failed %zu, unknown "
		        "%zu, refused %zu, dry-run %zu\n", counts[ACT_APPLIED], counts[ACT_ALREADY],
		        counts[ACT_NOT_APPLIED], counts[ACT_FAILED], counts[ACT_UNKNOWN],
		        counts[ACT_REFUSED], counts[ACT_DRY_RUN]);
	if (rc == 0 && (counts[ACT_NOT_APPLIED] || counts[ACT_FAILED] || counts[ACT_UNKNOWN] ||
	                counts[ACT_REFUSED]))
		rc = 1;
	free(pr.p);
	free(pr.first_site);
	return rc;
}

int cmd_assoc(struct cli *c, int argc, char **argv)
{
	struct actcmd_session s;
	struct act_result res;
	struct ow_err e = { 0 };
	struct inv_assoc a = { 0 };
	long src, dst;
	char what[400], expect[32];
	int rc;

	actcmd_session_init(&s);
	if ((rc = actcmd_session_parse(c, "assoc", &s, argc, argv)) != 0)
		goto out;
	if (s.npos == 1 && strcmp(s.pos[0], "prune") == 0) {
		if ((rc = actcmd_session_open_db(c, &s)) == 0)
			rc = assoc_prune(c, &s);
		goto out;
	}
	if (s.npos != 3 || strcmp(s.pos[0], "delete") != 0 ||
	    num_parse_long(s.pos[1], 1, INT32_MAX, &src) != 0 ||
	    num_parse_long(s.pos[2], 1, INT32_MAX, &dst) != 0) {
		rc = cli_usage(c, "assoc", "say delete SOURCE_ID RESTORE_ID (resource IDs, as in "
		               "`osdwarden list assocs`), or prune");
		goto out;
	}
	if ((rc = actcmd_session_open_db(c, &s)) != 0)
		goto out;
	a.source_id = src;
	a.restore_id = dst;
	if ((rc = inv_get_assoc(s.db, &a, &e)) != 0) {
		if (rc == INV_NOTFOUND)
			ow_err_set(&e, OW_EINPUT, "no computer association %ld -> %ld in the inventory; "
			           "run `osdwarden sync`, then `osdwarden list assocs`", src, dst);
		rc = cli_fail(c, &e);
		goto out;
	}
	snprintf(what, sizeof what, "Delete the computer association %s -> %s%s",
	         a.source_name ? a.source_name : "?", a.restore_name ? a.restore_name : "?",
	         a.store_released == INV_NULL ? " (NOT yet restored: its user state is lost)" : "");
	snprintf(expect, sizeof expect, "%ld", dst);
	if ((rc = actcmd_session_connect(c, "assoc", &s, a.site_code)) != 0 ||
	    (rc = actcmd_confirm(c, &s, what, expect)) != 0)
		goto out;
	if ((rc = act_assoc_delete(s.db, &s.site, src, dst, s.dry_run, &res, &e)) != 0) {
		rc = cli_fail(c, &e);
		goto out;
	}
	rc = actcmd_print(c, &res);
out:
	inv_free_assoc(&a);
	actcmd_session_close(&s);
	return rc;
}

/* --- dp pxe SERVER, boot f8-off ID, smp restore-only|deletion-policy|remove -- */

/* What dp and boot share once their arguments are checked: the
 * inventory, the site, the operator's yes, the write and its outcome. */
static int run_one(struct cli *c, const char *cmd, struct actcmd_session *s, const char *what,
                   int (*act)(struct actcmd_session *s, struct act_result *res, struct ow_err *e))
{
	struct act_result res;
	struct ow_err e = { 0 };
	int rc;

	if ((rc = actcmd_session_open_db(c, s)) != 0 ||
	    (rc = actcmd_session_connect(c, cmd, s, NULL)) != 0 ||
	    (rc = actcmd_confirm(c, s, what, s->pos[1])) != 0)
		return rc;
	if (act(s, &res, &e) != 0)
		return cli_fail(c, &e);
	return actcmd_print(c, &res);
}

static int dp_pxe(struct actcmd_session *s, struct act_result *res, struct ow_err *e)
{
	return act_dp_pxe(s->db, &s->site, s->pos[1], &s->pxe, s->dry_run, res, e);
}

static int boot_f8_off(struct actcmd_session *s, struct act_result *res, struct ow_err *e)
{
	return act_boot_f8_off(s->db, &s->site, s->pos[1], s->dry_run, res, e);
}

int cmd_dp(struct cli *c, int argc, char **argv)
{
	struct actcmd_session s;
	char what[300];
	int rc;

	actcmd_session_init(&s);
	if ((rc = actcmd_session_parse(c, "dp", &s, argc, argv)) != 0)
		goto out;
	if (s.npos != 2 || strcmp(s.pos[0], "pxe") != 0 ||
	    (s.pxe.active < 0 && s.pxe.bind_policy < 0 && !s.pxe.macs)) {
		rc = cli_usage(c, "dp", "say pxe SERVER and at least one of --active on|off, "
		               "--bind all|listed, --macs LIST");
		goto out;
	}
	if (s.pxe.bind_policy == 1 && s.pxe.macs && !*s.pxe.macs) {
		/* exactly OSD-PXE-003's misconfiguration: PXE answering nowhere */
		rc = cli_usage(c, "dp", "--bind listed with no MAC address would leave the "
		               "distribution point answering PXE on no interface; list its PXE "
		               "interfaces with --macs, or use --active off to stop PXE");
		goto out;
	}
	snprintf(what, sizeof what, "Change the PXE responder of distribution point %s", s.pos[1]);
	rc = run_one(c, "dp", &s, what, dp_pxe);
out:
	actcmd_session_close(&s);
	return rc;
}

int cmd_boot(struct cli *c, int argc, char **argv)
{
	struct actcmd_session s;
	char what[300];
	int rc;

	actcmd_session_init(&s);
	if ((rc = actcmd_session_parse(c, "boot", &s, argc, argv)) != 0)
		goto out;
	if (s.npos != 2 || strcmp(s.pos[0], "f8-off") != 0) {
		rc = cli_usage(c, "boot", "say f8-off PACKAGE_ID");
		goto out;
	}
	snprintf(what, sizeof what, "Turn the F8 command prompt off in boot image %s", s.pos[1]);
	rc = run_one(c, "boot", &s, what, boot_f8_off);
out:
	actcmd_session_close(&s);
	return rc;
}

int actcmd_smp_simple(struct cli *c, struct actcmd_session *s)
{
	struct act_result res;
	struct ow_err e = { 0 };
	const char *verb = s->pos[0], *server = s->pos[1];
	char what[300];
	long days = 0;
	int rc;

	if (strcmp(verb, "restore-only") == 0 &&
	    (s->npos != 3 || (strcmp(s->pos[2], "on") != 0 && strcmp(s->pos[2], "off") != 0)))
		return cli_usage(c, "smp", "say restore-only SERVER on|off");
	if (strcmp(verb, "deletion-policy") == 0 &&
	    (s->npos != 3 || num_parse_long(s->pos[2], 0, 3650, &days) != 0))
		return cli_usage(c, "smp", "say deletion-policy SERVER DAYS (0 = delete right after "
		                 "the restore)");
	if (strcmp(verb, "remove") == 0 && s->npos != 2)
		return cli_usage(c, "smp", "say remove SERVER");
	snprintf(what, sizeof what, "%s on state migration point %s",
	         strcmp(verb, "remove") == 0 ? "Remove the role (the folders and share stay on the "
	                                       "server: delete them by hand)"
	                                     : "Change the settings", server);
	if ((rc = actcmd_session_connect(c, "smp", s, NULL)) != 0 ||
	    (rc = actcmd_confirm(c, s, what, server)) != 0)
		return rc;
	if (strcmp(verb, "restore-only") == 0)
		rc = act_smp_restore_only(s->db, &s->site, server, strcmp(s->pos[2], "on") == 0,
		                          s->dry_run, &res, &e);
	else if (strcmp(verb, "deletion-policy") == 0)
		rc = act_smp_deletion_policy(s->db, &s->site, server, (int)days, s->dry_run, &res, &e);
	else
		rc = act_smp_remove(s->db, &s->site, server, s->dry_run, &res, &e);
	return rc ? cli_fail(c, &e) : actcmd_print(c, &res);
}
