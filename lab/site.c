#include "lab/site.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DAY_MS 86400000LL

/* Strings of the site live in a few large chunks, freed together. */
struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

struct lab_arena {
	struct chunk *head;
	bool oom;
};

static char *arena_alloc(struct lab_arena *a, size_t n)
{
	struct chunk *c = a->head;

	if (!c || c->cap - c->used < n) {
		size_t cap = n > (1u << 20) ? n : (1u << 20);
		c = malloc(sizeof *c + cap);
		if (!c) {
			a->oom = true;
			return NULL;
		}
		c->next = a->head;
		c->used = 0;
		c->cap = cap;
		a->head = c;
	}
	c->used += n;
	return c->data + c->used - n;
}

static const char *afmt(struct lab_site *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

uint64_t lab_rng_next(uint64_t *state)
{
	/* splitmix64: tiny, fast, and the same on every platform. */
	uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static unsigned pick(uint64_t *rng, unsigned n)
{
	return (unsigned)(lab_rng_next(rng) % n);
}

static bool chance(uint64_t *rng, unsigned percent)
{
	return pick(rng, 100) < percent;
}

static const char *afmt(struct lab_site *s, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(p = arena_alloc(s->arena, (size_t)n + 1)))
		return "";
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

const char *lab_site_strdup(struct lab_site *s, const char *str)
{
	size_t n = strlen(str) + 1;
	char *p = arena_alloc(s->arena, n);

	if (p)
		memcpy(p, str, n);
	return p;
}

/* A date some days before now, with a millisecond fraction that the
 * serializer trims the way the real service does (.43, .593, none). */
static int64_t days_ago(struct lab_site *s, uint64_t *rng, int days)
{
	static const int fractions[] = { 0, 430, 593, 850, 95, 73, 0, 120 };
	return s->now_ms - (int64_t)days * DAY_MS - (int64_t)pick(rng, 36000) * 1000 +
	       fractions[pick(rng, 8)];
}

static const char *guid(struct lab_site *s, uint64_t *rng)
{
	uint64_t a = lab_rng_next(rng), b = lab_rng_next(rng);
	return afmt(s, "{%08X-%04X-4%03X-8%03X-%012llX}", (unsigned)(a >> 32),
	            (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff, (unsigned)(b >> 48) & 0xfff,
	            (unsigned long long)(b & 0xffffffffffffULL));
}

static const char *thumbprint(struct lab_site *s, uint64_t *rng)
{
	uint64_t a = lab_rng_next(rng), b = lab_rng_next(rng), c = lab_rng_next(rng);
	return afmt(s, "%016llX%016llX%08X", (unsigned long long)a, (unsigned long long)b,
	            (unsigned)(c >> 32));
}

static const char *mac(struct lab_site *s, uint64_t *rng)
{
	uint64_t m = lab_rng_next(rng);
	return afmt(s, "00:15:5D:%02X:%02X:%02X", (unsigned)(m >> 8) & 0xff,
	            (unsigned)(m >> 16) & 0xff, (unsigned)(m >> 24) & 0xff);
}

/* A 64 KiB name: the kind of value that breaks fixed buffers. */
static const char *huge_name(struct lab_site *s)
{
	size_t n = 64 * 1024;
	char *p = arena_alloc(s->arena, n + 1);

	if (!p)
		return "";
	for (size_t i = 0; i < n; i++)
		p[i] = (char)('A' + i % 26);
	p[n] = '\0';
	return p;
}


static const char *const ESC_NAME = "Media\x1b]52;c;ZXZpbA==\a Build\x1b[2J";
static const char *const BIDI_NAME = "Build\xe2\x80\xae" "exe.txt";
/* What a spreadsheet would run, and what Markdown would render as markup. */
static const char *const FORMULA_NAME = "=HYPERLINK(\"http://x.invalid/\",\"open me\")";
static const char *const MARKUP_NAME = "*WS* | [click](javascript:alert(1)) `x` <b><script>alert(1)</script>";

static void gen_sites(struct lab_site *s)
{
	s->nsites = 3;
	s->sites[0] = (struct lab_siteinfo){ "CAS", "Holdout Central", "CASSITE.holdout.example",
		"CASSITE.holdout.example", "", "5.00.9106.1000", 4, 9106, 0x400 };
	/* Three versions, one per site (a real hierarchy shares one): the CAS
	 * at 2303, the primary with the remote provider at 2503 with the NAA
	 * hotfix, the second primary at 2603. */
	s->sites[1] = (struct lab_siteinfo){ "HLD", "Holdout Primary", "HLDSITE.holdout.example",
		"HLDPROV.holdout.example", "CAS", "5.00.9135.1000", 2, 9135, 0 };
	s->sites[2] = (struct lab_siteinfo){ "PR2", "Holdout Second Primary",
		"PR2SITE.holdout.example", "PR2SITE.holdout.example", "CAS", "5.00.9146.1000", 2,
		9146, 0x400 | 63 };
}

static void gen_dps(struct lab_site *s, uint64_t *rng)
{
	size_t fixed = 9, n = fixed + (size_t)s->scale * 5;
	const char *two_macs = afmt(s, "%s,%s", mac(s, rng), mac(s, rng));

	s->dps = calloc(n, sizeof *s->dps);
	if (!s->dps)
		return;
	s->ndps = n;
	struct lab_dp *d = s->dps;
	/* PXE without password, unknown computers, all interfaces: CRED-1. */
	d[0] = (struct lab_dp){ "HLD", "PXE01.holdout.example", "PXE in the build room",
		true, true, false, true, false, false, false, 0, "", 0, 0, NULL, NULL, false, false };
	/* The clean counterpart: password, listed NICs only. */
	d[1] = (struct lab_dp){ "HLD", "PXE02.holdout.example", "PXE, locked down",
		true, true, true, false, false, false, false, 1, two_macs, 0, 0, NULL, NULL, false, true };
	/* BindPolicy 1 with no MAC: PXE silently answers nothing. */
	d[2] = (struct lab_dp){ "PR2", "PXE03.holdout.example", "",
		true, true, true, false, false, false, false, 1, "", 5, 0, NULL, NULL, false, false };
	/* PXE on an internet-facing DP. */
	d[3] = (struct lab_dp){ "HLD", "PXE04.holdout.example", "DMZ distribution point",
		true, true, true, false, false, true, false, 1, mac(s, rng), 0, 0, NULL, NULL, false, false };
	d[4] = (struct lab_dp){ "HLD", "MC01.holdout.example", "multicast only",
		false, false, false, false, true, false, false, 0, "", 0, 0, NULL, NULL, false, false };
	d[5] = (struct lab_dp){ "HLD", "DP01.holdout.example", "plain content DP",
		false, false, false, false, false, false, false, 0, "", 0, 0, NULL, NULL, false, false };
	d[6] = (struct lab_dp){ "PR2", "PULL01.holdout.example", "pull DP",
		false, false, false, false, false, false, true, 0, "", 0, 0, NULL, NULL, false, false };
	/* PXE without password but with a PKI certificate (see certificates). */
	d[7] = (struct lab_dp){ "PR2", "PXE05.holdout.example", "",
		true, true, false, false, false, false, false, 1, mac(s, rng), 0, 0, NULL, NULL, false, false };
	/* Hostile strings from the site. */
	d[8] = (struct lab_dp){ "HLD", "HOSTILE\x1b[2J.holdout.example", BIDI_NAME,
		false, false, false, false, false, false, false, 0, "", 0, 0, NULL, NULL, false, false };
	d[8].description = afmt(s, "%s %s", ESC_NAME, huge_name(s));
	for (size_t i = fixed; i < n; i++) {
		struct lab_dp *x = &d[i];
		x->site = i % 2 ? "HLD" : "PR2";
		x->server = afmt(s, "DP%05zu.holdout.example", i - fixed + 1);
		x->description = "";
		x->pxe = chance(rng, 40);
		x->active = x->pxe;
		x->sccm_pxe = x->pxe && i % 2;   /* from the index: the generator's draws stay as they were */
		x->password = x->pxe && chance(rng, 85);
		x->unknown = x->pxe && chance(rng, 10);
		x->bind_policy = x->pxe && chance(rng, 70) ? 1 : 0;
		x->bind_except = x->bind_policy ? mac(s, rng) : "";
		x->multicast = chance(rng, 4);
		x->internet = chance(rng, 1);
		x->pull = chance(rng, 10);
		x->response_delay = (int)pick(rng, 3);
	}
	for (size_t i = 0; i < n; i++) {
		d[i].guid = guid(s, rng);
		if (d[i].password)
			d[i].pxe_blob = afmt(s, "%s%04zX", s->canary.pxe_blob, i);
	}
}

static void gen_smps(struct lab_site *s, uint64_t *rng)
{
	size_t n = 3 + (size_t)s->scale / 20;
	(void)rng;
	s->smps = calloc(n, sizeof *s->smps);
	if (!s->smps)
		return;
	s->nsmps = n;
	/* Deletes user state at once (delay 0, cycle 0). */
	/* Deletes at once; a second folder whose zeros mean "no limit". */
	s->smps[0] = (struct lab_smp){ "HLD", "SMP01.holdout.example", "SMP01", 0, 0, 0,
		{ "Directory=D:\\USMT;MaxClients=100;MinDiskSpace=5;MinDiskSpaceUnit=2;",
		  "Directory=G:\\NoLimits;MaxClients=0;MinDiskSpace=0;MinDiskSpaceUnit=1;" }, 2, false };
	/* Keeps it 60 days; an unbounded folder. */
	s->smps[1] = (struct lab_smp){ "HLD", "SMP02.holdout.example", "SMP02", 0, 60 * 1440, 1440,
		{ "Directory=E:\\StateStore;MinDiskSpaceUnit=1;",
		  "Directory=F:\\StateStore2;MaxClients=50;MinDiskSpace=10;MinDiskSpaceUnit=3;" }, 2, false };
	/* Clean: one day, bounded, restore-only off. */
	s->smps[2] = (struct lab_smp){ "PR2", "SMP03.holdout.example", "SMP03", 0, 1440, 1440,
		{ "Directory=D:\\USMT;MaxClients=200;MinDiskSpace=20;MinDiskSpaceUnit=2;" }, 1, false };
	for (size_t i = 3; i < n; i++) {
		struct lab_smp *m = &s->smps[i];
		m->site = i % 2 ? "HLD" : "PR2";
		m->server = afmt(s, "SMP%03zu.holdout.example", i + 1);
		m->remote_name = afmt(s, "SMP%03zu", i + 1);
		m->delay_min = 1440 * (int)(1 + i % 7);
		m->cycle_min = 1440;
		m->dirs[0] = afmt(s, "Directory=D:\\USMT;MaxClients=%zu;MinDiskSpace=10;MinDiskSpaceUnit=2;",
		                  50 + i);
		m->ndirs = 1;
	}
}

static void gen_certs(struct lab_site *s, uint64_t *rng)
{
	size_t fixed = 11, n = fixed + (size_t)s->scale * 20;
	int64_t year = 365 * DAY_MS;

	s->certs = calloc(n, sizeof *s->certs);
	if (!s->certs)
		return;
	s->ncerts = n;
	struct lab_cert *c = s->certs;
	int64_t now = s->now_ms;
	/* type, key_type, blocked, approved, from, until */
	c[0] = (struct lab_cert){ NULL, "PXE01.holdout.example", "PXE01.holdout.example", NULL,
		2, 1, false, true, now - year, now + 100 * year };
	c[1] = (struct lab_cert){ NULL, "OLDPXE09.holdout.example", "OLDPXE09.holdout.example", NULL,
		2, 1, false, true, now - 2 * year, now + 2 * year };            /* orphan */
	c[2] = (struct lab_cert){ NULL, "OLDPXE10.holdout.example", "OLDPXE10.holdout.example", NULL,
		2, 1, true, true, now - 2 * year, now + 2 * year };             /* orphan, blocked */
	c[3] = (struct lab_cert){ NULL, "PXE05.holdout.example", "PXE05.holdout.example", NULL,
		2, 2, false, true, now - year, now + year };                     /* PKI, no password */
	c[4] = (struct lab_cert){ NULL, "PXE02.holdout.example", "PXE02.holdout.example", NULL,
		2, 2, false, true, now - year, now + year };                     /* PKI, password */
	c[5] = (struct lab_cert){ NULL, "HLD media (USB, two years)", "", NULL,
		1, 1, false, true, now - 30 * DAY_MS, now + 700 * DAY_MS };      /* too long */
	c[6] = (struct lab_cert){ NULL, "HLD media (expired)", "", NULL,
		1, 1, false, true, now - 400 * DAY_MS, now - 30 * DAY_MS };      /* expired */
	c[7] = (struct lab_cert){ NULL, "HLD media (180 days)", "", NULL,
		1, 1, false, true, now - 10 * DAY_MS, now + 170 * DAY_MS };      /* clean */
	c[8] = (struct lab_cert){ NULL, BIDI_NAME, "", NULL, 1, 1, false, true,
		now - 10 * DAY_MS, now + 100 * DAY_MS };
	c[9] = (struct lab_cert){ NULL, huge_name(s), "", NULL, 1, 1, false, true,
		now - 10 * DAY_MS, now + 100 * DAY_MS };
	c[10] = (struct lab_cert){ NULL, "ISV proxy", "", NULL, 3, 1, false, true,
		now - year, now + 5 * year };
	for (size_t i = fixed; i < n; i++) {
		struct lab_cert *x = &c[i];
		size_t dp = (i - fixed) % s->ndps;
		bool pxe = (i - fixed) < s->ndps && s->dps[dp].pxe;
		x->type = pxe ? 2 : 1;
		x->key_type = chance(rng, 20) ? 2 : 1;
		x->issued_to = pxe ? s->dps[dp].server : afmt(s, "Media %zu", i);
		x->server = pxe ? s->dps[dp].server : "";
		x->valid_from = days_ago(s, rng, (int)pick(rng, 700));
		x->valid_until = x->valid_from + (int64_t)(30 + pick(rng, 800)) * DAY_MS;
		x->blocked = chance(rng, 5);
		x->approved = true;
	}
	for (size_t i = 0; i < n; i++) {
		c[i].smsid = guid(s, rng);
		c[i].thumbprint = thumbprint(s, rng);
	}
}

static void gen_assocs(struct lab_site *s, uint64_t *rng)
{
	size_t fixed = 5, n = (size_t)s->scale * 200;
	if (n < fixed + 20)
		n = fixed + 20;
	s->assocs = calloc(n, sizeof *s->assocs);
	if (!s->assocs)
		return;
	s->nassocs = n;
	for (size_t i = 0; i < n; i++) {
		struct lab_assoc *a = &s->assocs[i];
		size_t smp = i % s->nsmps;
		a->source_id = 16777216u + (uint32_t)(2 * i);
		a->restore_id = 16777217u + (uint32_t)(2 * i);
		a->migration_id = guid(s, rng);
		a->site = s->smps[smp].site;
		a->source_name = afmt(s, "WS%06zu", 2 * i);
		a->restore_name = afmt(s, "WS%06zu", 2 * i + 1);
		a->store_path = afmt(s, "\\\\%s\\SMPSTORE_%08X$\\%s", s->smps[smp].server,
		                     (unsigned)lab_rng_next(rng), a->migration_id);
		a->user = afmt(s, "HOLDOUT\\user%05zu", i);
		a->type = 1 + (int)pick(rng, 2);
		a->behavior = (int)pick(rng, 3);
		int age = (int)pick(rng, 400);
		a->created = days_ago(s, rng, age);
		if (chance(rng, 60)) {
			a->status = 2;
			a->released = a->created + (int64_t)pick(rng, (unsigned)age + 1) * DAY_MS / 2;
		} else {
			a->status = (int)pick(rng, 2);
		}
	}
	/* Restored 100 days ago and still there; restored 2 days ago. */
	s->assocs[0].status = 2;
	s->assocs[0].created = days_ago(s, rng, 101);
	s->assocs[0].released = days_ago(s, rng, 100);
	s->assocs[1].status = 2;
	s->assocs[1].created = days_ago(s, rng, 3);
	s->assocs[1].released = days_ago(s, rng, 2);
	/* Captured 200 days ago, never restored; captured 5 days ago. */
	s->assocs[2].status = 1;
	s->assocs[2].created = days_ago(s, rng, 200);
	s->assocs[2].released = 0;
	s->assocs[3].status = 0;
	s->assocs[3].created = days_ago(s, rng, 5);
	s->assocs[3].released = 0;
	s->assocs[4].source_name = ESC_NAME;
	s->assocs[4].restore_name = FORMULA_NAME;
	s->assocs[5].source_name = MARKUP_NAME;
}

static void gen_software(struct lab_site *s, uint64_t *rng)
{
	size_t nboots = 3 + (size_t)s->scale / 10;

	s->boots = calloc(nboots, sizeof *s->boots);
	s->pkgs = calloc(5, sizeof *s->pkgs);
	s->tss = calloc(6, sizeof *s->tss);
	s->advs = calloc(3, sizeof *s->advs);
	if (!s->boots || !s->pkgs || !s->tss || !s->advs)
		return;
	s->nboots = nboots;
	s->boots[0] = (struct lab_boot){ "HLD00001", "Boot image (x64)", "HLD", "9", 0, true,
		days_ago(s, rng, 40), days_ago(s, rng, 40) };
	s->boots[1] = (struct lab_boot){ "HLD00002", "Boot image (x86)", "HLD", "0", 0, false,
		days_ago(s, rng, 40), 0 };
	s->boots[2] = (struct lab_boot){ "HLD00003", "WinPE " LAB_LONE_SURROGATE " drivers", "HLD",
		"9", 0, false, days_ago(s, rng, 20), days_ago(s, rng, 20) };
	for (size_t i = 3; i < nboots; i++)
		s->boots[i] = (struct lab_boot){ afmt(s, "PR2%05zu", i + 1),
			afmt(s, "Boot image %zu", i + 1), "PR2", "9", 0, chance(rng, 10),
			days_ago(s, rng, (int)pick(rng, 300)), 0 };

	s->npkgs = 5;
	s->pkgs[0] = (struct lab_pkg){ "HLD00010", "Windows 11 23H2 reference (old)", "HLD",
		"1", 257, 0, days_ago(s, rng, 200) };
	s->pkgs[1] = (struct lab_pkg){ "HLD00011", "Windows 11 24H2 reference", "HLD", "3", 257,
		0, days_ago(s, rng, 10) };
	s->pkgs[2] = (struct lab_pkg){ "HLD00012", "Drivers (multicast)", "HLD", "1", 0,
		LAB_PKG_MULTICAST_ALLOW, days_ago(s, rng, 30) };
	s->pkgs[3] = (struct lab_pkg){ "HLD00013", "Drivers (multicast, binary delta replication)",
		"HLD", "1", 0, LAB_PKG_MULTICAST_ALLOW | LAB_PKG_BINARY_DELTA, days_ago(s, rng, 30) };
	s->pkgs[4] = (struct lab_pkg){ "HLD00014", "User State Migration Tool for Windows", "HLD",
		"10.0.17763.1", 0, 0, days_ago(s, rng, 900) };

	s->ntss = 6;
	s->tss[0] = (struct lab_ts){ "HLD00020", "Deploy Windows 11", "HLD", "HLD00001",
		"HOLDOUT\\svc_naa", NULL };
	s->tss[1] = (struct lab_ts){ "HLD00021", "Capture reference", "HLD", "HLD00001",
		"HOLDOUT\\svc_osd_runas", NULL };
	s->tss[2] = (struct lab_ts){ "HLD00022", "In-place upgrade", "HLD", "HLD00002",
		"HOLDOUT\\svc_osd_runas", NULL };
	s->tss[3] = (struct lab_ts){ "HLD00023", "Deploy kiosk", "HLD", "HLD00002",
		"HOLDOUT\\svc_ts_kiosk", NULL };
	s->tss[4] = (struct lab_ts){ "HLD00024", "Deploy finance", "HLD", "HLD00001",
		"HOLDOUT\\osd.admin", NULL };
	s->tss[5] = (struct lab_ts){ "HLD00025", "Bare metal, no run-as", "HLD", "HLD00001",
		NULL, NULL };
	for (size_t i = 0; i < 5; i++)
		s->tss[i].run_as_password = afmt(s, "%s%zu", s->canary.ts_password, i);

	s->nadvs = 3;
	s->advs[0] = (struct lab_adv){ "HLD20001", "HLD00020", "SMS000US",
		"Deploy Windows 11 to unknown computers", 0, LAB_ADV_MEDIA_PXE };
	s->advs[1] = (struct lab_adv){ "HLD20002", "HLD00021", "SMS00001",
		"Capture reference to All Systems", 0, 0 };
	s->advs[2] = (struct lab_adv){ "HLD20003", "HLD00023", "HLD00100",
		"Kiosk build (available)", 2, LAB_ADV_MEDIA_PXE };
}

static void gen_people(struct lab_site *s, uint64_t *rng)
{
	static const char *const osd_mgr = "Operating System Deployment Manager";
	size_t nadmins = 11;

	s->colls = calloc(5, sizeof *s->colls);
	s->admins = calloc(nadmins, sizeof *s->admins);
	s->roles = calloc(6, sizeof *s->roles);
	s->accounts = calloc(3, sizeof *s->accounts);
	if (!s->colls || !s->admins || !s->roles || !s->accounts)
		return;
	s->ncolls = 5;
	s->colls[0] = (struct lab_coll){ "SMS00001", "All Systems", (int)s->nassocs * 2, { { 0 } }, 0 };
	s->colls[1] = (struct lab_coll){ "SMS000US", "All Unknown Computers", 2,
		{ { "OSDJoinPassword", s->canary.masked_value, true } }, 1 };
	s->colls[2] = (struct lab_coll){ "HLD00100", "OSD Lab Build", 10,
		{ { "OSDDomainJoinPassword", s->canary.variable, false },
		  { "OSDComputerName", "LAB-PC-01", false } }, 2 };
	s->colls[3] = (struct lab_coll){ "HLD00101", "Finance refresh", 25,
		{ { "FinanceAppKey", s->canary.masked_value, true } }, 1 };
	s->colls[4] = (struct lab_coll){ "HLD00102", "Pilot", 12, { { 0 } }, 0 };

	/* Rights by object type: Recover User State is bit 23 of the
	 * StateMigration type, Manage OSD Certificate bit 22 of Site, Create
	 * Task Sequence Media bit 20 of the task sequence type; bit 23 on
	 * collections is Deploy Task Sequences, which the last role has. */
	s->nroles = 6;
	s->roles[0] = (struct lab_role){ "SMS0001R", "Full Administrator", "", true, 2,
		"SMS_Site:7fffffff;SMS_StateMigration:00ffffff;SMS_TaskSequencePackage:00ffffff;"
		"SMS_Collection:00ffffff" };
	s->roles[1] = (struct lab_role){ "SMS000AR", osd_mgr, "", true, 7,
		"SMS_Site:00400001;SMS_BootImagePackage:0000001f;SMS_TaskSequencePackage:0010001f;"
		"SMS_StateMigration:00800001" };
	s->roles[2] = (struct lab_role){ "SMS0002R", "Read-only Analyst", "", true, 1,
		"SMS_Site:00000001;SMS_Collection:00000001;SMS_StateMigration:00000001" };
	s->roles[3] = (struct lab_role){ "HLD00001", "Recovery viewers", "custom", false, 1,
		"SMS_StateMigration:00800001" };
	s->roles[4] = (struct lab_role){ "HLD00002", "Task sequence deployers", "custom", false, 1,
		"SMS_Collection:00800001" };
	/* The clean counterpart: media rights held by one group at a scope. */
	s->roles[5] = (struct lab_role){ "HLD00003", "Media team", "custom", false, 1,
		"SMS_Site:00400001;SMS_TaskSequencePackage:00100001" };

	s->nadmins = nadmins;
	s->admins[0] = (struct lab_admin){ 1, "HOLDOUT\\sccm.admins", NULL, 1,
		{ "Full Administrator" }, { "SMS0001R" }, 1, { "All Systems", "All Users and User Groups" }, 2, "All" };
	s->admins[1] = (struct lab_admin){ 2, "HOLDOUT\\osd.admin", NULL, 0,
		{ "Full Administrator" }, { "SMS0001R" }, 1, { "All Systems" }, 1, "All" };
	for (size_t i = 2; i < 8; i++)
		s->admins[i] = (struct lab_admin){ (uint32_t)i + 1, afmt(s, "HOLDOUT\\osdtech%zu", i - 1),
			NULL, 0, { osd_mgr }, { "SMS000AR" }, 1, { "All Systems" }, 1, "All" };
	s->admins[8] = (struct lab_admin){ 9, "HOLDOUT\\osd.team", NULL, 1,
		{ osd_mgr, "Recovery viewers", "Media team" }, { "SMS000AR", "HLD00001", "HLD00003" }, 3,
		{ "OSD Lab Build" }, 1, "Default" };
	s->admins[9] = (struct lab_admin){ 10, afmt(s, "HOLDOUT\\%s", BIDI_NAME), NULL, 0,
		{ "Read-only Analyst" }, { "SMS0002R" }, 1, { "All Systems" }, 1, "All" };
	s->admins[10] = (struct lab_admin){ 11, "HOLDOUT\\ts.deployer", NULL, 0,
		{ "Task sequence deployers" }, { "HLD00002" }, 1, { "All Systems" }, 1, "All" };
	for (size_t i = 0; i < nadmins; i++)
		s->admins[i].sid = afmt(s, "S-1-5-21-1004336348-1177238915-682003330-%u",
		                        1100 + (unsigned)pick(rng, 8000));

	s->naccounts = 3;
	s->accounts[0] = (struct lab_account){ "HLD", "HOLDOUT\\svc_naa", "Software Distribution",
		s->canary.reserved2 };
	s->accounts[1] = (struct lab_account){ "HLD", "HOLDOUT\\svc_push", "SMS_CLIENT_CONFIG_MANAGER",
		afmt(s, "%s01", s->canary.reserved2) };
	s->accounts[2] = (struct lab_account){ "CAS", "HOLDOUT\\svc_cas_naa", "Software Distribution",
		afmt(s, "%s02", s->canary.reserved2) };
}

/* Updates and Servicing: the NAA hardening hotfix installed (the 2503
 * primary relies on it), the 2509 update downloaded but not installed. */
static void gen_updates(struct lab_site *s)
{
	s->updates = calloc(2, sizeof *s->updates);
	if (!s->updates)
		return;
	s->nupdates = 2;
	s->updates[0] = (struct lab_update){ "{6F1D3A2B-5C4E-4B7A-9E21-37447175A001}",
		"Configuration Manager 2503 Hotfix (KB37447175)",
		"Limits access to network access account information to OSD media task sequences",
		"5.00.9135.1011", 196612, 2 };
	s->updates[1] = (struct lab_update){ "{0C8E51F4-2A7D-4F63-B1C9-250900000001}",
		"Configuration Manager 2509", "Current branch update", "5.00.9141.1000", 262146, 0 };
}

static void gen_canaries(struct lab_site *s, uint64_t *rng)
{
	uint64_t a = lab_rng_next(rng), b = lab_rng_next(rng);

	/* Distinctive, greppable, and shaped like the real thing. */
	s->canary.pxe_blob = afmt(s, "0C010000CA11AB1E%016llX", (unsigned long long)a);
	s->canary.reserved2 = afmt(s, "0000000001000000CA11AB1E%016llX", (unsigned long long)b);
	s->canary.variable = afmt(s, "CanaryP@ss-%08X!", (unsigned)(a >> 32));
	s->canary.ts_password = afmt(s, "CanaryRunAs-%08X-", (unsigned)(b >> 32));
	s->canary.masked_value = afmt(s, "CanaryMasked-%08X", (unsigned)(a ^ b));
}

int lab_site_generate(struct lab_site *s, uint64_t seed, int scale, int64_t now_ms)
{
	uint64_t rng = seed ^ 0x6F7364776172646EULL;   /* "osdwardn" */

	memset(s, 0, sizeof *s);
	s->seed = seed;
	s->scale = scale < 1 ? 1 : scale;
	s->now_ms = now_ms;
	s->arena = calloc(1, sizeof *s->arena);
	if (!s->arena)
		return -1;
	gen_canaries(s, &rng);
	gen_sites(s);
	gen_dps(s, &rng);
	gen_smps(s, &rng);
	if (!s->dps || !s->smps)
		goto oom;
	gen_certs(s, &rng);
	gen_assocs(s, &rng);
	if (!s->certs || !s->assocs)
		goto oom;
	gen_software(s, &rng);
	gen_people(s, &rng);
	gen_updates(s);
	if (!s->updates || !s->boots || !s->tss || !s->advs || !s->colls || !s->admins || !s->roles ||
	    !s->accounts || s->arena->oom)
		goto oom;
	return 0;
oom:
	lab_site_free(s);
	return -1;
}

void lab_site_free(struct lab_site *s)
{
	if (s->arena) {
		struct chunk *c = s->arena->head;
		while (c) {
			struct chunk *next = c->next;
			free(c);
			c = next;
		}
		free(s->arena);
	}
	free(s->dps);
	free(s->smps);
	free(s->certs);
	free(s->assocs);
	free(s->boots);
	free(s->pkgs);
	free(s->tss);
	free(s->advs);
	free(s->colls);
	free(s->admins);
	free(s->roles);
	free(s->accounts);
	free(s->updates);
	memset(s, 0, sizeof *s);
}

bool lab_site_hidden(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && n && strncasecmp(p, name, n) == 0)
			return true;
		p = p[len] ? p + len + 1 : NULL;
	}
	return false;
}
