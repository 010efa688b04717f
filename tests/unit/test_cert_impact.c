/* The impact of blocking a certificate (backend/cert_impact): built from a
 * seeded inventory, never from the site, and shown as text whatever the
 * site named it. The CLI's `cert block --dry-run` prints it and sends
 * nothing. */
#include "support/testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/cert_impact.h"
#include "backend/workflows.h"
#include "checks/checks.h"
#include "db/checkstore.h"
#include "db/db.h"
#include "db/records.h"
#include "util/width.h"

#define NOW 1780000000LL
#define DAY 86400LL
#define PROVIDER "https://cm01.holdout.example/AdminService"
#define ORPHAN "{0B5E1A11-AAAA-4000-8000-000000000002}"
#define LIVE "{0B5E1A11-AAAA-4000-8000-000000000003}"
#define PKI "{0B5E1A11-AAAA-4000-8000-000000000004}"
#define MEDIA "{0B5E1A11-AAAA-4000-8000-000000000005}"

static char *g_dir, *g_path;
static struct inv *g_db;

static int setup(void **state)
{
	struct inv_open_opts o = { 0 };
	struct ow_err e = { 0 };

	(void)state;
	g_dir = tu_tmpdir();
	g_path = tu_path(g_dir, "inv.db");
	o.path = g_path;
	if (inv_open(&o, &g_db, &e) != 0)
		fail_msg("inv_open: %s", e.msg);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	inv_close(g_db);
	tu_rmtree(g_dir);
	free(g_dir);
	free(g_path);
	return 0;
}

static void put_cert(const char *smsid, int64_t type, int64_t key, const char *issued_to,
                     const char *server, int64_t from, int64_t until, const char *thumb)
{
	struct ow_err e = { 0 };
	struct inv_cert c = { .smsid = (char *)smsid, .site_code = (char *)"HLD", .type = type,
	                      .key_type = key, .is_blocked = 0, .is_approved = 1,
	                      .issued_to = (char *)issued_to, .server_name = (char *)server,
	                      .valid_from = from, .valid_until = until, .thumbprint = (char *)thumb };

	if (inv_put_cert(g_db, &c, NOW - 10, &e) != 0)
		fail_msg("inv_put_cert: %s", e.msg);
}

static void put_dp(const char *server, int64_t password_set)
{
	struct ow_err e = { 0 };
	struct inv_dp d = { .site_code = (char *)"HLD", .server_name = (char *)server,
	                    .is_pxe = 1, .is_active = 1, .pxe_password_set = password_set,
	                    .support_unknown = 0, .bind_policy = 0, .response_delay = 0,
	                    .uda_setting = INV_NULL, .is_multicast = 0, .internet_facing = 0,
	                    .is_pull_dp = 0, .sccm_pxe = INV_NULL };
	char nal[200];

	snprintf(nal, sizeof nal, "[\"Display=\\\\%s\\\"]MSWNET:[\"SMS_SITE=HLD\"]\\\\%s\\", server,
	         server);
	d.nal_path = nal;
	if (inv_put_dp(g_db, &d, NOW - 10, &e) != 0)
		fail_msg("inv_put_dp: %s", e.msg);
}

/* The site HLD, synced from PROVIDER; caps: its $metadata as kept, or NULL
 * for never read. */
static void put_site(const char *caps)
{
	struct ow_err e = { 0 };
	struct inv_provider p = { .url = (char *)PROVIDER, .auth_mode = (char *)"negotiate",
	                          .insecure = 0, .last_sync_at = NOW - 10 };
	struct inv_site s = { .site_code = (char *)"HLD", .site_name = (char *)"Holdout",
	                      .build_number = 9128, .type = 2 };

	assert_int_equal(inv_put_provider(g_db, &p, NOW - 10, &e), 0);
	s.provider_id = p.id;
	assert_int_equal(inv_put_site(g_db, &s, NOW - 10, &e), 0);
	if (caps)
		assert_int_equal(inv_put_capabilities(g_db, PROVIDER, NOW - 3600, caps, &e), 0);
}

static const char CAPS_WITH[] =
	"{\"sets\":[\"SMS_Certificate\"],\"actions\":{\"SMS_CertificateInfo.BlockCertificate\":"
	"[\"SMSID\",\"Blocked\"]}}";
static const char CAPS_WITHOUT[] = "{\"sets\":[\"SMS_Certificate\"],\"actions\":{}}";

/* The value of the row labelled label (fails when there is none). */
static const char *row_of(const struct cert_impact *ci, const char *label)
{
	for (size_t i = 0; i < ci->n; i++)
		if (strcmp(ci->rows[i].label, label) == 0)
			return ci->rows[i].value;
	fail_msg("the impact has no row '%s'", label);
	return NULL;
}

static void build(const char *smsid, bool block, struct cert_impact *ci)
{
	struct ow_err e = { 0 };

	if (cert_impact_build(g_db, smsid, block, NOW, false, ci, &e) != 0)
		fail_msg("cert_impact_build(%s): %s", smsid, e.msg);
}

#define expect_in(hay, needle)                                                               \
	do {                                                                                 \
		if (!strstr((hay), (needle)))                                                \
			fail_msg("expected '%s' in: %s", (needle), (hay));                   \
	} while (0)
#define expect_not_in(hay, needle)                                                           \
	do {                                                                                 \
		if (strstr((hay), (needle)))                                                 \
			fail_msg("did not expect '%s' in: %s", (needle), (hay));             \
	} while (0)

static void test_a_pki_certificate_says_revocation_at_the_ca_is_needed_too(void **state)
{
	struct cert_impact ci;

	(void)state;
	put_cert(PKI, 2, 2, "PXE05.holdout.example", "PXE05.holdout.example", NOW - 300 * DAY,
	         NOW + 65 * DAY, NULL);
	build(PKI, true, &ci);
	expect_in(row_of(&ci, "Key"), "PKI");
	expect_in(row_of(&ci, "Key"), "revocation at the CA is needed too");
	expect_in(ci.headline, "Block the PXE certificate of PXE05.holdout.example");
	cert_impact_free(&ci);
}

static void test_a_self_signed_certificate_needs_no_ca_revocation(void **state)
{
	struct cert_impact ci;

	(void)state;
	put_cert(ORPHAN, 2, 1, "OLDPXE09.holdout.example", "OLDPXE09.holdout.example",
	         NOW - 700 * DAY, NOW + 730 * DAY, NULL);
	build(ORPHAN, true, &ci);
	assert_string_equal(row_of(&ci, "Key"), "self-signed: no CA revocation needed");
	cert_impact_free(&ci);
}

static void test_the_dp_is_said_present_gone_or_never_one(void **state)
{
	struct cert_impact ci;
	struct ow_err e = { 0 };

	(void)state;
	put_dp("PXE01.holdout.example", 1);
	put_dp("OLDPXE09.holdout.example", 1);
	/* OLDPXE09's role was removed: a complete sync marked it gone. */
	assert_int_equal(inv_mark_gone(g_db, "dps", NOW - 5, NOW - 2 * DAY + 1, &e), 2);
	put_dp("PXE01.holdout.example", 1);
	put_cert(LIVE, 2, 1, "PXE01.holdout.example", "PXE01.holdout.example", NOW - DAY,
	         NOW + 100 * DAY, NULL);
	put_cert(ORPHAN, 2, 1, "OLDPXE09.holdout.example", "OLDPXE09.holdout.example",
	         NOW - 700 * DAY, NOW + 730 * DAY, NULL);
	put_cert(PKI, 2, 1, "NEVER.holdout.example", "NEVER.holdout.example", NOW - DAY,
	         NOW + DAY, NULL);
	build(LIVE, true, &ci);
	assert_string_equal(row_of(&ci, "DP"), "PXE01.holdout.example: a distribution point (PXE on)");
	cert_impact_free(&ci);
	build(ORPHAN, true, &ci);
	expect_in(row_of(&ci, "DP"), "OLDPXE09.holdout.example: no longer a distribution point");
	expect_in(row_of(&ci, "DP"), "gone since 2026-05-26");
	cert_impact_free(&ci);
	build(PKI, true, &ci);
	assert_string_equal(row_of(&ci, "DP"),
	                    "NEVER.holdout.example: not a distribution point in the inventory");
	cert_impact_free(&ci);
}

static void test_validity_says_days_left_or_how_long_ago_it_expired(void **state)
{
	struct cert_impact ci;

	(void)state;
	put_cert(MEDIA, 1, 1, "HLD media (expired)", "", NOW - 400 * DAY, NOW - 30 * DAY, NULL);
	put_cert(LIVE, 2, 1, "PXE01.holdout.example", "PXE01.holdout.example", NOW - DAY,
	         NOW + 100 * DAY, NULL);
	build(MEDIA, true, &ci);
	assert_string_equal(row_of(&ci, "Valid"), "2025-04-23 \xe2\x86\x92 2026-04-28: expired 30 d ago");
	assert_string_equal(row_of(&ci, "DP"), "none named (a boot media certificate)");
	cert_impact_free(&ci);
	build(LIVE, true, &ci);
	expect_in(row_of(&ci, "Valid"), ": 100 d left");
	cert_impact_free(&ci);
}

static void test_the_thumbprint_is_grouped_or_said_unknown(void **state)
{
	struct cert_impact ci;

	(void)state;
	put_cert(LIVE, 2, 1, "PXE01", "PXE01", NOW - DAY, NOW + DAY,
	         "11223344556677889900aabbccddeeff00112233");
	put_cert(ORPHAN, 2, 1, "OLDPXE09", "OLDPXE09", NOW - DAY, NOW + DAY, NULL);
	build(LIVE, true, &ci);
	assert_string_equal(row_of(&ci, "Thumbprint"),
	                    "1122 3344 5566 7788 9900 AABB CCDD EEFF 0011 2233");
	cert_impact_free(&ci);
	build(ORPHAN, true, &ci);
	expect_in(row_of(&ci, "Thumbprint"), "not known");
	cert_impact_free(&ci);
}

static void test_metadata_without_the_method_says_so(void **state)
{
	struct cert_impact ci;

	(void)state;
	put_cert(LIVE, 2, 1, "PXE01", "PXE01", NOW - DAY, NOW + DAY, NULL);
	put_site(CAPS_WITHOUT);
	build(LIVE, true, &ci);
	expect_in(row_of(&ci, "Site API"), "not offered: the site's $metadata does not list");
	expect_in(row_of(&ci, "Site API"), "SMS_CertificateInfo.BlockCertificate");
	expect_in(row_of(&ci, "Site API"), "Block-CMCertificate");
	cert_impact_free(&ci);
}

static void test_metadata_with_the_method_or_never_read(void **state)
{
	struct cert_impact ci;
	struct ow_err e = { 0 };

	(void)state;
	put_cert(LIVE, 2, 1, "PXE01", "PXE01", NOW - DAY, NOW + DAY, NULL);
	put_site(NULL);
	build(LIVE, true, &ci);
	expect_in(row_of(&ci, "Site API"), "not known");
	expect_in(row_of(&ci, "Site API"), "never read");
	cert_impact_free(&ci);
	assert_int_equal(inv_put_capabilities(g_db, PROVIDER, NOW - 60, CAPS_WITH, &e), 0);
	build(LIVE, true, &ci);
	assert_string_equal(row_of(&ci, "Site API"), "offered: its $metadata (read 2026-05-28) "
	                    "lists SMS_CertificateInfo.BlockCertificate");
	cert_impact_free(&ci);
}

static void assert_no_control_bytes(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
			fail_msg("raw control byte 0x%02x in: %s", *p, s);
}

static void test_a_hostile_issued_to_is_shown_as_text(void **state)
{
	static const char hostile[] = "Media\x1b]52;c;ZXZpbA==\a Build\xe2\x80\xae" "exe.txt\xff";
	struct cert_impact ci;
	char *text;

	(void)state;
	put_cert("{EVIL\x1b[2J}", 1, 1, hostile, "SRV\x1b[31m", NOW - DAY, NOW + DAY,
	         "not\x07hex");
	build("{EVIL\x1b[2J}", true, &ci);
	text = cert_impact_text(&ci, 0);
	assert_no_control_bytes(text);
	expect_not_in(text, "\xe2\x80\xae");
	expect_in(text, "Media^[]52;c;ZXZpbA==^G Build<U+202E>exe.txt\\xFF");
	expect_in(text, "{EVIL^[[2J}");
	expect_in(text, "SRV^[[31m");
	expect_in(text, "not^Ghex");
	free(text);
	cert_impact_free(&ci);
}

/* A stored run as `osdwarden check` leaves it: three findings on ORPHAN
 * (two that blocking closes, one about its key that stays) and one on
 * another certificate. */
static void store_run(void)
{
	struct ow_err e = { 0 };
	int64_t run = inv_run_begin(g_db, NOW - 100, "tester", &e);
	const struct inv_finding f[] = {
		{ "OSD-CERT-002", "fail", "high", "certificate", ORPHAN, "OLDPXE09", "{}", "new", 0, false, 0 },
		{ "OSD-CERT-001", "fail", "critical", "certificate", ORPHAN, "OLDPXE09", "{}", "new", 0, false, 0 },
		{ "OSD-MEDIA-002", "fail", "medium", "certificate", ORPHAN, "OLDPXE09", "{}", "new", 1, false, 0 },
		{ "OSD-MEDIA-002", "fail", "medium", "certificate", LIVE, "PXE01", "{}", "new", 0, false, 0 },
		{ "OSD-MEDIA-001", "pass", "medium", "certificate", LIVE, "PXE01", "{}", NULL, 0, false, 0 },
	};

	assert_true(run > 0);
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		assert_int_equal(inv_finding_add(g_db, run, &f[i], &e), 0);
	assert_int_equal(inv_run_finish(g_db, run, NOW - 90, "D", "B", "{}", &e), 0);
}

static void test_what_blocking_closes_comes_from_the_latest_check_run(void **state)
{
	struct cert_impact ci;

	(void)state;
	put_cert(ORPHAN, 2, 1, "OLDPXE09", "OLDPXE09", NOW - DAY, NOW + DAY, NULL);
	put_cert(LIVE, 2, 1, "PXE01", "PXE01", NOW - DAY, NOW + DAY, NULL);
	build(ORPHAN, true, &ci);
	expect_in(row_of(&ci, "Closes"), "no check run stored");
	cert_impact_free(&ci);
	store_run();
	build(ORPHAN, true, &ci);
	assert_string_equal(row_of(&ci, "Closes"), "OSD-CERT-002 (failing, high), OSD-MEDIA-002 "
	                    "(failing, medium, waived); check run #1, 2026-05-28");
	assert_int_equal(ci.closes, 2);
	cert_impact_free(&ci);
	/* Unblocking LIVE: the check that passes it because it is blocked. */
	build(LIVE, false, &ci);
	expect_in(ci.headline, "Unblock the PXE certificate of PXE01");
	expect_in(row_of(&ci, "Reopens"), "OSD-MEDIA-001: they pass it now because it is blocked");
	assert_int_equal(ci.closes, 0);
	cert_impact_free(&ci);
}

/* The classes the certificate checks need, read in full by the last sync
 * of PROVIDER (unread classes leave every check unknown). */
static void read_classes(void)
{
	static const char *const classes[] = { "SMS_Certificate", "SMS_DistributionPointInfo",
	                                       "SMS_SCI_SysResUse" };
	struct ow_err e = { 0 };

	put_site(NULL);
	for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
		struct inv_sync_class k = { .provider_id = 1, .class_name = (char *)classes[i],
		                            .status = (char *)"ok", .rows = 1, .synced_at = NOW - 10 };
		assert_int_equal(inv_put_sync_class(g_db, &k, NOW - 10, &e), 0);
	}
}

/* One certificate finding of the run before the block, against the run
 * after it: whether it is still open there (read nested, per check). */
struct block_sides {
	const struct chk_run *after;
	size_t closes, stays;
};

struct open_after {
	const struct chk_result *before;
	bool open;
};

static int still_open(void *ctx, const struct chk_result *a)
{
	struct open_after *o = ctx;
	const struct chk_result *r = o->before;

	o->open |= a->object_key && r->object_key && strcmp(a->object_key, r->object_key) == 0 &&
	           a->state != CS_PASS && a->state != CS_FIXED && a->state != CS_NOTAPPLICABLE;
	return 0;
}

static int judge_before(void *ctx, const struct chk_result *r)
{
	struct block_sides *sides = ctx;
	struct open_after o = { r, false };

	if (!r->object_type || strcmp(r->object_type, "certificate") != 0 ||
	    r->state == CS_PASS || r->state == CS_NOTAPPLICABLE)
		return 0;
	assert_int_equal(chk_run_each(sides->after, (int)chk_index(r->def), still_open, &o), 0);
	if (cert_impact_block_closes(r->def->id) == o.open)
		fail_msg("%s on %s is %s after the block, but cert_impact_block_closes says "
		         "it %s", r->def->id, r->object_key, o.open ? "still open" : "closed",
		         o.open ? "closes" : "stays");
	sides->closes += !o.open;
	sides->stays += o.open;
	return 0;
}

/* The table of checks that blocking closes, held against the evaluator:
 * every open result on a certificate closes once it is blocked exactly
 * when cert_impact_block_closes says so. */
static void test_the_checks_blocking_closes_are_those_the_evaluator_passes(void **state)
{
	static const char *const certs[] = { ORPHAN, PKI, MEDIA };
	struct chk_run before, after;
	struct block_sides sides = { &after, 0, 0 };
	struct ow_err e = { 0 };

	(void)state;
	read_classes();
	put_dp("PXE05.holdout.example", 0);
	put_cert(ORPHAN, 2, 1, "OLDPXE09", "OLDPXE09.holdout.example", NOW - 700 * DAY,
	         NOW + 730 * DAY, NULL);
	put_cert(PKI, 2, 2, "PXE05", "PXE05.holdout.example", NOW - 300 * DAY, NOW + 65 * DAY, NULL);
	put_cert(MEDIA, 1, 1, "HLD media (expired)", "", NOW - 400 * DAY, NOW - 30 * DAY, NULL);
	if (chk_evaluate(g_db, -1, NOW, &before, &e) != 0)
		fail_msg("chk_evaluate: %s", e.msg);
	for (size_t k = 0; k < sizeof certs / sizeof certs[0]; k++) {
		struct inv_cert c = { .smsid = (char *)certs[k] };
		assert_int_equal(inv_get_cert(g_db, &c, &e), 0);
		c.is_blocked = 1;
		assert_int_equal(inv_put_cert(g_db, &c, NOW - 5, &e), 0);
		inv_free_cert(&c);
	}
	if (chk_evaluate_peek(g_db, NOW, &after, &e) != 0)
		fail_msg("chk_evaluate_peek: %s", e.msg);
	assert_int_equal(chk_run_each(&before, -1, judge_before, &sides), 0);
	/* The seeded certificates fail CERT-002 and MEDIA-002 (closed by the
	 * block) and CERT-001 (not): both sides of the table are exercised. */
	assert_true(sides.closes >= 2);
	assert_true(sides.stays >= 1);
	chk_run_free(&before);
	chk_run_free(&after);
}

static void test_an_unknown_certificate_says_how_to_find_one(void **state)
{
	struct cert_impact ci;
	struct ow_err e = { 0 };

	(void)state;
	assert_int_equal(cert_impact_build(g_db, "{NOPE}", true, NOW, false, &ci, &e), OW_EINPUT);
	expect_in(e.msg, "no certificate {NOPE} in the inventory");
	expect_in(e.msg, "osdwarden list certs");
	assert_int_equal(ci.n, 0);
	assert_null(ci.headline);
}

static void test_the_text_fits_the_width_it_is_given(void **state)
{
	struct cert_impact ci;
	char *text, *save = NULL;
	int lines = 0;

	(void)state;
	put_cert(PKI, 2, 2, "PXE05.holdout.example", "PXE05.holdout.example", NOW - 300 * DAY,
	         NOW + 65 * DAY, "11223344556677889900aabbccddeeff00112233");
	put_site(CAPS_WITHOUT);
	build(PKI, true, &ci);
	text = cert_impact_text(&ci, 68);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save), lines++)
		if (width_of(l) > 68)
			fail_msg("line %d is %zu columns wide, over 68: %s", lines, width_of(l), l);
	/* the headline and one line per row at least, the long ones wrapped */
	assert_true(lines > (int)ci.n + 1);
	free(text);
	cert_impact_free(&ci);
}

/* The guided task's first step says the same impact, on one line. */
static void test_the_cert_block_task_starts_with_the_impact(void **state)
{
	struct act_site none = { NULL, "", true };   /* the step reads nothing from a site */
	struct wf_env env = { .db = g_db, .site = &none };
	struct wf_result res;
	struct ow_err e = { 0 };
	int64_t id = 0;
	bool resumed = false;

	(void)state;
	put_cert(ORPHAN, 2, 2, "OLDPXE09.holdout.example", "OLDPXE09.holdout.example",
	         NOW - 700 * DAY, NOW + 730 * DAY, NULL);
	store_run();
	assert_int_equal(wf_start(g_db, "cert-block", ORPHAN, NULL, &id, &resumed, &e), 0);
	if (wf_advance(&env, id, NULL, &res, &e) != 0)
		fail_msg("wf_advance: %s", e.msg);
	assert_int_equal(res.seq, 1);
	assert_string_equal(res.step_state, "done");
	expect_in(res.message, "Block the PXE certificate of OLDPXE09.holdout.example. SMSID: " ORPHAN);
	expect_in(res.message, "; Key: PKI: revocation at the CA is needed too");
	expect_in(res.message, "; DP: OLDPXE09.holdout.example: not a distribution point in the "
	          "inventory");
	expect_in(res.message, "; Closes: OSD-CERT-002 (failing, high)");
	assert_null(strchr(res.message, '\n'));
}

/* --- the CLI --------------------------------------------------------------- */

/* A port that counts the connections made to it and closes each at once. */
struct listener {
	int fd, port, connections;
	pthread_t thread;
};

static void *count_connections(void *arg)
{
	struct listener *l = arg;
	int c;

	while ((c = accept(l->fd, NULL, NULL)) >= 0) {
		__atomic_add_fetch(&l->connections, 1, __ATOMIC_SEQ_CST);
		close(c);
	}
	return NULL;
}

static void listener_start(struct listener *l)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t n = sizeof a;

	l->connections = 0;
	l->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(l->fd >= 0);
	assert_int_equal(bind(l->fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(l->fd, 8), 0);
	assert_int_equal(getsockname(l->fd, (struct sockaddr *)&a, &n), 0);
	l->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&l->thread, NULL, count_connections, l), 0);
}

static void listener_stop(struct listener *l)
{
	shutdown(l->fd, SHUT_RDWR);
	pthread_join(l->thread, NULL);
	close(l->fd);
}

static void test_cert_block_dry_run_prints_the_impact_and_sends_nothing(void **state)
{
	struct listener l;
	struct ow_err e = { 0 };
	struct inv_provider p = { .auth_mode = (char *)"basic", .user_name = (char *)"labadmin",
	                          .insecure = 2, .last_sync_at = NOW - 10 };
	struct inv_site s = { .site_code = (char *)"HLD", .build_number = 9128, .type = 2 };
	const char *verbs[] = { "block", "unblock" };
	char url[80];

	(void)state;
	listener_start(&l);
	/* The provider the sync would have kept: plain HTTP to the counting
	 * port, with a password in the environment, so that anything that
	 * connected would get through to it. */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/AdminService", l.port);
	p.url = url;
	assert_int_equal(inv_put_provider(g_db, &p, NOW - 10, &e), 0);
	s.provider_id = p.id;
	assert_int_equal(inv_put_site(g_db, &s, NOW - 10, &e), 0);
	put_cert(ORPHAN, 2, 1, "OLDPXE09\x1b[2J.holdout.example", "OLDPXE09.holdout.example",
	         NOW - 700 * DAY, NOW + 730 * DAY, NULL);
	setenv("OSDWARDEN_PASSWORD", "not-sent", 1);
	for (size_t i = 0; i < 2; i++) {
		struct tu_run r = tu_cli(g_path, (const char *const[]){ "cert", verbs[i], ORPHAN,
		                                                       "--dry-run", NULL });
		if (r.rc != 0)
			fail_msg("cert %s --dry-run exited %d: %s%s", verbs[i], r.rc, r.out, r.err);
		expect_in(r.out, i ? "Unblock the PXE certificate of OLDPXE09^[[2J.holdout.example"
		                   : "Block the PXE certificate of OLDPXE09^[[2J.holdout.example");
		expect_in(r.out, "SMSID       " ORPHAN);
		expect_in(r.out, "Key         self-signed: no CA revocation needed");
		expect_in(r.out, "Site API    not known");
		expect_in(r.out, "dry run: nothing was sent");
		assert_no_control_bytes(r.out);
		tu_run_free(&r);
	}
	unsetenv("OSDWARDEN_PASSWORD");
	listener_stop(&l);
	assert_int_equal(l.connections, 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_a_pki_certificate_says_revocation_at_the_ca_is_needed_too),
		T(test_a_self_signed_certificate_needs_no_ca_revocation),
		T(test_the_dp_is_said_present_gone_or_never_one),
		T(test_validity_says_days_left_or_how_long_ago_it_expired),
		T(test_the_thumbprint_is_grouped_or_said_unknown),
		T(test_metadata_without_the_method_says_so),
		T(test_metadata_with_the_method_or_never_read),
		T(test_a_hostile_issued_to_is_shown_as_text),
		T(test_what_blocking_closes_comes_from_the_latest_check_run),
		T(test_the_checks_blocking_closes_are_those_the_evaluator_passes),
		T(test_an_unknown_certificate_says_how_to_find_one),
		T(test_the_text_fits_the_width_it_is_given),
		T(test_the_cert_block_task_starts_with_the_impact),
		T(test_cert_block_dry_run_prints_the_impact_and_sends_nothing),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
