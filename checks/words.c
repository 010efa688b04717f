/* Evidence in words. The table below is the one home of what an evidence
 * field is called on screen and in reports, and what its coded values
 * mean; everything else renders a field generically, by its JSON type. */
#include <inttypes.h>
#include <pthread.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <yajl/yajl_parse.h>

#include "checks/words.h"
#include "util/buf.h"

/* How a number is shown. */
enum shape {
	AS_TEXT,      /* as written (strings, counts) */
	AS_DATE,      /* Unix seconds: YYYY-MM-DD and its age */
	AS_DAYS,      /* a count of days: "14 d" */
	AS_MINUTES,   /* a count of minutes, with days when whole */
	AS_HEX,       /* a flag word */
	AS_SSLSTATE,  /* IISSSLState: its HTTPS bits named */
};

struct word {
	const char *value, *word;
};

struct field {
	const char *name;      /* as the evaluators write it */
	const char *label;     /* in the console's words */
	enum shape shape;
	const struct word *words;   /* coded values, ends with { NULL } */
	const char *null_word;      /* NULL: "unknown" */
};

static const struct word bind_policy[] = {
	{ "0", "every interface" }, { "1", "listed NICs only" }, { NULL, NULL },
};
static const struct word migration_status[] = {
	{ "0", "not started" }, { "1", "in progress" }, { "2", "completed" }, { NULL, NULL },
};
static const struct word migration_type[] = {
	{ "1", "side-by-side" }, { "2", "in-place" }, { NULL, NULL },
};
static const struct word key_type[] = {
	{ "1", "self-signed" }, { "2", "PKI" }, { NULL, NULL },
};
static const struct word cert_type[] = {
	{ "1", "boot media" }, { "2", "PXE" }, { NULL, NULL },
};
static const struct word password_set[] = {
	{ "true", "set" }, { "false", "none" }, { NULL, NULL },
};
static const struct word sccm_pxe[] = {
	{ "true", "without WDS" }, { "false", "Windows Deployment Services" }, { NULL, NULL },
};
static const struct word unbounded_at_0[] = {
	{ "0", "unbounded" }, { NULL, NULL },
};
static const struct word supported[] = {
	{ "true", "supported" }, { "false", "not supported" }, { NULL, NULL },
};

static const struct field fields[] = {
	/* distribution points and PXE */
	{ "server", "server", AS_TEXT, NULL, NULL },
	{ "site", "site", AS_TEXT, NULL, NULL },
	{ "BindPolicy", "answers on", AS_TEXT, bind_policy, NULL },
	{ "BindExcept", "listed NICs", AS_TEXT, NULL, NULL },
	{ "IsPXE", "PXE", AS_TEXT, NULL, NULL },
	{ "IsActive", "PXE responder active", AS_TEXT, NULL, NULL },
	{ "PXEPassword", "PXE password", AS_TEXT, password_set, NULL },
	{ "sanctioned", "sanctioned", AS_TEXT, NULL, NULL },
	{ "internet_facing", "internet-facing", AS_TEXT, NULL, NULL },
	{ "segment", "network segment", AS_TEXT, NULL, "not tagged" },
	{ "how", "how", AS_TEXT, NULL, NULL },
	{ "multicast_dps", "multicast DPs", AS_TEXT, NULL, NULL },
	{ "multicast_allowed_bit", "multicast allowed bit", AS_TEXT, NULL, NULL },
	{ "PkgFlags", "package flags", AS_HEX, NULL, NULL },
	{ "SccmPXE", "PXE responder", AS_TEXT, sccm_pxe, NULL },
	{ "dp", "DP", AS_TEXT, NULL, NULL },
	{ "pxe_dps", "PXE DPs", AS_TEXT, NULL, NULL },
	{ "pxe_dps_without_wds", "PXE DPs without WDS", AS_TEXT, NULL, NULL },
	{ "boot_image", "boot image", AS_TEXT, NULL, NULL },
	{ "pki_certificate_on_this_dp", "PKI certificate on this DP", AS_TEXT, NULL, NULL },
	/* the console's list columns, by AdminService property (db/list.c) */
	{ "SiteCode", "site", AS_TEXT, NULL, NULL },
	{ "SupportUnknownMachines", "unknown computers", AS_TEXT, supported, NULL },
	{ "IsMulticast", "multicast", AS_TEXT, NULL, NULL },
	{ "InternetFacing", "internet-facing", AS_TEXT, NULL, NULL },
	{ "IsPullDP", "pull DP", AS_TEXT, NULL, NULL },
	{ "EnableLabShell", "F8 command prompt", AS_TEXT, NULL, NULL },
	{ "IssuedTo", "issued to", AS_TEXT, NULL, NULL },
	{ "ValidFrom", "valid from", AS_DATE, NULL, NULL },
	{ "ValidUntil", "valid until", AS_DATE, NULL, NULL },
	{ "SourceName", "source computer", AS_TEXT, NULL, NULL },
	{ "RestoreName", "restore computer", AS_TEXT, NULL, NULL },
	{ "SourceClientResourceID", "source resource ID", AS_TEXT, NULL, NULL },
	{ "RestoreClientResourceID", "restore resource ID", AS_TEXT, NULL, NULL },
	{ "StoreCreationDate", "captured", AS_DATE, NULL, NULL },
	{ "StoreReleaseDate", "restored", AS_DATE, NULL, "not yet" },
	{ "StorePath", "store", AS_TEXT, NULL, NULL },
	{ "PackageID", "package ID", AS_TEXT, NULL, NULL },
	{ "Name", "name", AS_TEXT, NULL, NULL },
	{ "BootImageID", "boot image", AS_TEXT, NULL, NULL },
	{ "LogonName", "logon name", AS_TEXT, NULL, NULL },
	{ "RoleNames", "roles", AS_TEXT, NULL, NULL },
	{ "CollectionNames", "collections", AS_TEXT, NULL, NULL },
	{ "AdminID", "admin ID", AS_TEXT, NULL, NULL },
	{ "SiteName", "site name", AS_TEXT, NULL, NULL },
	{ "Version", "version", AS_TEXT, NULL, NULL },
	{ "ReportingSiteCode", "parent site", AS_TEXT, NULL, "none" },
	/* certificates */
	{ "SMSID", "certificate", AS_TEXT, NULL, NULL },
	{ "Type", "used for", AS_TEXT, cert_type, NULL },
	{ "KeyType", "key", AS_TEXT, key_type, NULL },
	{ "IsBlocked", "blocked", AS_TEXT, NULL, NULL },
	{ "ServerName", "server", AS_TEXT, NULL, NULL },
	{ "lifetime_days", "valid for", AS_DAYS, NULL, NULL },
	/* state migration points and associations */
	{ "deletion_delay_min", "deleted after", AS_MINUTES, NULL, NULL },
	{ "restore_only", "restore only", AS_TEXT, NULL, NULL },
	{ "directory", "folder", AS_TEXT, NULL, NULL },
	{ "MaxClients", "max clients", AS_TEXT, unbounded_at_0, "not set (unbounded)" },
	{ "MinDiskSpace", "min free disk", AS_TEXT, unbounded_at_0, "not set (unbounded)" },
	{ "store_released", "restored", AS_DATE, NULL, "not yet" },
	{ "store_created", "captured", AS_DATE, NULL, NULL },
	{ "store_path", "store", AS_TEXT, NULL, NULL },
	{ "age_days", "age", AS_DAYS, NULL, NULL },
	{ "gone_at", "gone since", AS_DATE, NULL, NULL },
	{ "MigrationStatus", "status", AS_TEXT, migration_status, NULL },
	{ "MigrationType", "migration", AS_TEXT, migration_type, NULL },
	{ "version", "version", AS_TEXT, NULL, NULL },
	{ "newest_known", "newest known", AS_TEXT, NULL, NULL },
	/* images and task sequences */
	{ "source_date", "source date", AS_DATE, NULL, NULL },
	{ "collection", "collection", AS_TEXT, NULL, NULL },
	{ "masked", "masked", AS_TEXT, NULL, NULL },
	{ "looks_secret", "looks like a secret", AS_TEXT, NULL, NULL },
	{ "value", "value", AS_TEXT, NULL, NULL },
	{ "reachable_from_pxe_or_media", "reachable from PXE or media", AS_TEXT, NULL, NULL },
	{ "step", "step", AS_TEXT, NULL, NULL },
	{ "run_as", "runs as", AS_TEXT, NULL, NULL },
	{ "is_naa", "is the network access account", AS_TEXT, NULL, NULL },
	{ "other_task_sequences", "other task sequences", AS_TEXT, NULL, NULL },
	{ "package", "package", AS_TEXT, NULL, NULL },
	{ "task_sequences", "task sequences", AS_TEXT, NULL, NULL },
	{ "offer", "offer", AS_TEXT, NULL, NULL },
	{ "members", "members", AS_TEXT, NULL, NULL },
	/* the site, its accounts and roles */
	{ "BuildNumber", "build", AS_TEXT, NULL, NULL },
	{ "fixed_in", "fixed in", AS_TEXT, NULL, NULL },
	{ "provider", "SMS Provider", AS_TEXT, NULL, NULL },
	{ "hotfix", "hotfix", AS_TEXT, NULL, NULL },
	{ "update", "update", AS_TEXT, NULL, NULL },
	{ "State", "update state", AS_TEXT, NULL, NULL },
	{ "right", "right", AS_TEXT, NULL, NULL },
	{ "bit", "bit", AS_TEXT, NULL, NULL },
	{ "object_type", "object type", AS_TEXT, NULL, NULL },
	{ "users_at_scope_all", "users at scope All", AS_TEXT, NULL, NULL },
	{ "IISSSLState", "client communication", AS_SSLSTATE, NULL, NULL },
	{ "enhanced_http", "enhanced HTTP", AS_TEXT, NULL, NULL },
	{ "https_only", "HTTPS only", AS_TEXT, NULL, NULL },
	{ "network_access_accounts", "network access accounts", AS_TEXT, NULL, NULL },
	{ "holders", "holders", AS_TEXT, NULL, NULL },
	{ "names", "held by", AS_TEXT, NULL, NULL },
	{ "users", "users", AS_TEXT, NULL, NULL },
	{ "scopes", "scopes", AS_TEXT, NULL, NULL },
	{ "count", "count", AS_TEXT, NULL, NULL },
	/* the chains' links */
	{ "no_pxe_password", "no PXE password", AS_TEXT, NULL, NULL },
	{ "unknown_computers", "unknown computers", AS_TEXT, NULL, NULL },
	{ "naa_configured", "network access account set", AS_TEXT, NULL, NULL },
	{ "masked_variables_on_pxe_collections", "masked variables on PXE collections", AS_TEXT,
	  NULL, NULL },
	{ "run_as_in_pxe_task_sequences", "run-as in PXE task sequences", AS_TEXT, NULL, NULL },
	{ "user_state_kept_too_long", "user state kept too long", AS_TEXT, NULL, NULL },
	{ "recovery_information_broadly_viewable", "recovery information broadly viewable",
	  AS_TEXT, NULL, NULL },
	{ "inputs_not_evaluated", "inputs not evaluated", AS_TEXT, NULL, NULL },
	/* what the engine adds, and the decisions */
	{ "reason", "why", AS_TEXT, NULL, NULL },
	{ "needs", "needs", AS_TEXT, NULL, NULL },
	{ "about", "about", AS_TEXT, NULL, NULL },
	{ "class", "class", AS_TEXT, NULL, NULL },
	{ "waiver", "waiver", AS_TEXT, NULL, NULL },
	{ "attestation", "attestation", AS_TEXT, NULL, NULL },
	{ "waiver_not_honoured", "waiver not honoured", AS_TEXT, NULL, NULL },
	{ "attestation_not_honoured", "attestation not honoured", AS_TEXT, NULL, NULL },
	{ "by", "by", AS_TEXT, NULL, NULL },
	{ "note", "note", AS_TEXT, NULL, NULL },
	{ "at", "on", AS_DATE, NULL, NULL },
	{ "until", "until", AS_DATE, NULL, "no expiry" },
	{ "audit_seq", "audit entry", AS_TEXT, NULL, NULL },
};

#define NFIELDS (sizeof fields / sizeof fields[0])
#define FIELD_SLOTS 512   /* a power of two, well over NFIELDS */

/* The table by name: an open-addressed hash of each name's first entry
 * (a report looks up every member of every finding, hundreds of
 * thousands at scale, and a walk of the table was a tenth of a SARIF
 * export's time). Slot values are index + 1; 0 is empty. */
static uint16_t field_slot[FIELD_SLOTS];
static pthread_once_t field_slots_once = PTHREAD_ONCE_INIT;

static size_t name_hash(const char *name)
{
	uint32_t h = 2166136261u;   /* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h & (FIELD_SLOTS - 1);
}

static void index_fields(void)
{
	for (size_t i = 0; i < NFIELDS; i++) {
		size_t at = name_hash(fields[i].name);
		while (field_slot[at] && strcmp(fields[field_slot[at] - 1].name, fields[i].name) != 0)
			at = (at + 1) & (FIELD_SLOTS - 1);
		if (!field_slot[at])
			field_slot[at] = (uint16_t)(i + 1);   /* the first entry of a name wins */
	}
}

static const struct field *field_of(const char *name)
{
	_Static_assert(NFIELDS < FIELD_SLOTS / 2, "FIELD_SLOTS too small for the table");
	if (!name || !name[0])
		return NULL;
	pthread_once(&field_slots_once, index_fields);
	for (size_t at = name_hash(name); field_slot[at]; at = (at + 1) & (FIELD_SLOTS - 1))
		if (strcmp(fields[field_slot[at] - 1].name, name) == 0)
			return &fields[field_slot[at] - 1];
	return NULL;
}

static const char *word_of(const struct field *f, const char *value)
{
	for (const struct word *w = f && value ? f->words : NULL; w && w->value; w++)
		if (strcmp(w->value, value) == 0)
			return w->word;
	return NULL;
}

const char *chk_value_word(const char *field, const char *value)
{
	return word_of(field_of(field), value);
}

#define DAY_S 86400

/* v in decimal into out (at least 21 bytes); returns its length. The
 * reports format several numbers per finding, and printf's machinery
 * was a fifth of an export's time. */
static size_t decimal(char *out, int64_t v)
{
	char rev[20];
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0, len = 0;

	do {
		rev[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		out[len++] = '-';
	while (n)
		out[len++] = rev[--n];
	out[len] = '\0';
	return len;
}

static void add_decimal(struct buf *b, int64_t v)
{
	char text[24];

	buf_add(b, text, decimal(text, v));
}

/* 1000-01-01 and 10000-01-01 00:00 UTC in Unix seconds: the years
 * written with four digits. */
#define FOUR_DIGITS_FROM (-30610224000LL)
#define FOUR_DIGITS_UNTIL 253402300800LL

/* The UTC day of t as YYYY-MM-DD into day[11], for t in the four-digit
 * years, by the proleptic Gregorian calendar's arithmetic: gmtime and
 * strftime (a lock and the time zone each call) were a tenth of a SARIF
 * export's time. Days are counted from 0000-03-01, so that a leap day
 * ends its year; eras of 400 years repeat. The method is Howard
 * Hinnant's, as his paper "chrono-Compatible Low-Level Date Algorithms"
 * explains it (civil_from_days); written here for int64_t seconds. */
static void civil_day(int64_t t, char day[11])
{
	int64_t days = (t >= 0 ? t : t - (DAY_S - 1)) / DAY_S + 719468;   /* since 0000-03-01 */
	int64_t era = days / 146097;   /* days >= 0 here */
	int64_t doe = days - era * 146097;                                /* 0..146096 */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;   /* 0..399 */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);             /* 0..365, from March */
	int64_t mp = (5 * doy + 2) / 153;                                 /* 0 = March */
	int d = (int)(doy - (153 * mp + 2) / 5 + 1);
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	int y = (int)(yoe + era * 400 + (m <= 2));

	day[0] = (char)('0' + y / 1000);
	day[1] = (char)('0' + y / 100 % 10);
	day[2] = (char)('0' + y / 10 % 10);
	day[3] = (char)('0' + y % 10);
	day[4] = '-';
	day[5] = (char)('0' + m / 10);
	day[6] = (char)('0' + m % 10);
	day[7] = '-';
	day[8] = (char)('0' + d / 10);
	day[9] = (char)('0' + d % 10);
	day[10] = '\0';
}

static void add_date(struct buf *b, json_int_t t, int64_t now)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char day[16];
	size_t len;
	int64_t age;

	if (t >= FOUR_DIGITS_FROM && t < FOUR_DIGITS_UNTIL) {
		civil_day((int64_t)t, day);
		len = 10;
	} else if (!gmtime_r(&tt, &tm) || (len = strftime(day, sizeof day, "%Y-%m-%d", &tm)) == 0) {
		add_decimal(b, (int64_t)t);
		return;
	}
	buf_add(b, day, len);
	age = (now - (int64_t)t) / DAY_S;
	if (age > 0) {
		buf_add(b, " (", 2);
		add_decimal(b, age);
		buf_adds(b, " d ago)");
	} else if (age < 0) {
		buf_add(b, " (in ", 5);
		add_decimal(b, -age);
		buf_add(b, " d)", 3);
	} else {
		buf_adds(b, " (today)");
	}
}

/* IISSSLState's bits, as NAA-001 reads them. */
static const char *ssl_words(json_int_t v)
{
	if ((v & 63) == 63 || (v & 63) == 31)
		return "HTTPS only";
	return (v & 0x400) ? "enhanced HTTP" : "HTTP allowed";
}

static void add_number(struct buf *b, const struct field *f, json_int_t v, int64_t now)
{
	char text[32];
	const char *w;

	if (f && f->shape == AS_DATE) {
		add_date(b, v, now);
		return;
	}
	decimal(text, (int64_t)v);
	w = word_of(f, text);
	switch (f ? f->shape : AS_TEXT) {
	case AS_DAYS:
		buf_adds(b, text);
		buf_add(b, " d", 2);
		return;
	case AS_MINUTES:
		if (v > 0 && v % 1440 == 0)
			buf_addf(b, "%s min (%" PRId64 " d)", text, (int64_t)v / 1440);
		else
			buf_addf(b, "%s min", text);
		return;
	case AS_HEX:
		buf_addf(b, "0x%" PRIx64, (uint64_t)v);
		return;
	case AS_SSLSTATE:
		buf_addf(b, "%s (%s)", text, ssl_words(v));
		return;
	case AS_DATE:   /* above */
	case AS_TEXT:
		break;
	}
	if (w)
		buf_addf(b, "%s (%s)", w, text);
	else
		buf_adds(b, text);
}

/* One scalar of the evidence, whichever parser read it: the same words
 * whether the text was walked as a stream or as a jansson tree. */
struct scalar {
	enum { SC_NULL, SC_TRUE, SC_FALSE, SC_INT, SC_REAL, SC_STRING } kind;
	int64_t i;
	double r;
	const char *s;
	size_t len;
};

static void add_scalar(struct buf *b, const struct field *f, const struct scalar *v, int64_t now)
{
	const char *w;

	switch (v->kind) {
	case SC_NULL:
		buf_adds(b, f && f->null_word ? f->null_word : "unknown");
		break;
	case SC_TRUE:
	case SC_FALSE:
		w = word_of(f, v->kind == SC_TRUE ? "true" : "false");
		buf_adds(b, w ? w : v->kind == SC_TRUE ? "yes" : "no");
		break;
	case SC_INT:
		add_number(b, f, (json_int_t)v->i, now);
		break;
	case SC_REAL:
		buf_addf(b, "%g", v->r);
		break;
	case SC_STRING:
		w = word_of(f, v->s);
		if (w)
			buf_adds(b, w);
		else if (v->len == 0)
			buf_adds(b, "none");
		else
			buf_add(b, v->s, v->len);
		break;
	}
}

/* A jansson scalar as a struct scalar; false for an object or array. */
static bool scalar_of(const json_t *v, struct scalar *out)
{
	*out = (struct scalar){ .kind = SC_NULL };
	switch (json_typeof(v)) {
	case JSON_NULL: return true;
	case JSON_TRUE: out->kind = SC_TRUE; return true;
	case JSON_FALSE: out->kind = SC_FALSE; return true;
	case JSON_INTEGER: out->kind = SC_INT; out->i = (int64_t)json_integer_value(v); return true;
	case JSON_REAL: out->kind = SC_REAL; out->r = json_real_value(v); return true;
	case JSON_STRING:
		out->kind = SC_STRING;
		out->s = json_string_value(v);
		out->len = json_string_length(v);
		return true;
	case JSON_ARRAY:
	case JSON_OBJECT:
		break;
	}
	return false;
}

/* One scalar or array value in words, appended to b. */
static void add_value(struct buf *b, const struct field *f, const json_t *v, int64_t now)
{
	struct scalar sc;

	if (scalar_of(v, &sc)) {
		add_scalar(b, f, &sc, now);
		return;
	}
	if (!json_is_array(v))
		return;   /* an object: flattened by the caller */
	if (json_array_size(v) == 0)
		buf_adds(b, "none");
	for (size_t i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i);
		if (i)
			buf_adds(b, ", ");
		if (json_is_object(e) || json_is_array(e)) {
			char *s = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
			buf_adds(b, s ? s : "?");
			free(s);
		} else {
			add_value(b, f, e, now);
		}
	}
}

/* Copies s into dst[n], cut on a UTF-8 boundary and marked "..." when it
 * does not fit. */
static void copy_cut(char *dst, size_t n, const char *s, size_t len)
{
	size_t keep = len;

	if (len < n) {
		memcpy(dst, s, len);
		dst[len] = '\0';
		return;
	}
	keep = n - 4;
	while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80)
		keep--;
	memcpy(dst, s, keep);
	memcpy(dst + keep, "...", 4);
}

/* Where the pairs go: into out[], or as text onto line. */
struct pairs {
	struct chk_pair *out;
	struct buf *line;
	size_t n, max;
	bool more;             /* some were left out: max was reached */
	int64_t now;
	struct buf scratch;
};

static void put(struct pairs *p, const char *label, const char *value, size_t len)
{
	struct chk_pair one, *to = p->line ? &one : &p->out[p->n];
	size_t llen = strlen(label);

	if (p->n >= p->max) {
		p->more = true;
		return;
	}
	p->n++;
	if (p->line && llen < sizeof one.label && len < sizeof one.value) {
		/* fits: straight onto the line */
		if (p->n > 1)
			buf_add(p->line, ", ", 2);
		buf_add(p->line, label, llen);
		buf_addc(p->line, ' ');
		buf_add(p->line, value, len);
		return;
	}
	copy_cut(to->label, sizeof to->label, label, llen);
	copy_cut(to->value, sizeof to->value, value, len);
	if (p->line)
		buf_addf(p->line, "%s%s %s", p->n > 1 ? ", " : "", to->label, to->value);
}

/* A setting's value in the unit its name says. */
static void add_policy_scalar(struct buf *b, const char *setting, const struct scalar *v,
                              int64_t now)
{
	size_t n = strlen(setting);

	if (v->kind == SC_INT && n > 5 && strcmp(setting + n - 5, "_days") == 0) {
		add_decimal(b, v->i);
		buf_add(b, " d", 2);
	} else
		add_scalar(b, NULL, v, now);
}

static void walk(struct pairs *p, const char *prefix, const json_t *obj)
{
	const char *name;
	json_t *v;

	json_object_foreach((json_t *)obj, name, v) {
		const struct field *f = field_of(name);
		const char *label = f ? f->label : name;
		char nested[128];
		const char *full = label;
		if (p->n >= p->max) {
			p->more = true;
			return;
		}
		if (prefix[0]) {
			snprintf(nested, sizeof nested, "%s %s", prefix, label);
			full = nested;
		}
		if (json_is_object(v)) {
			const char *setting = json_string_value(json_object_get(v, "setting"));
			json_t *pv = json_object_get(v, "value");
			struct scalar sc;
			if (strcmp(name, "policy") == 0 && setting && pv && json_object_size(v) == 2) {
				char pl[128];
				snprintf(pl, sizeof pl, "policy %s", setting);
				buf_reset(&p->scratch);
				if (scalar_of(pv, &sc))
					add_policy_scalar(&p->scratch, setting, &sc, p->now);
				else
					add_value(&p->scratch, NULL, pv, p->now);
				put(p, pl, buf_str(&p->scratch), p->scratch.len);
			} else if (json_object_size(v) == 0) {
				put(p, full, "none", 4);
			} else {
				walk(p, full, v);
			}
			continue;
		}
		buf_reset(&p->scratch);
		add_value(&p->scratch, f, v, p->now);
		put(p, full, buf_str(&p->scratch), p->scratch.len);
	}
}

/* --- The same walk over the text as a stream (yajl): a report reads the
 * evidence of every finding, and building a jansson tree for each of
 * 200,000 is most of what a SARIF export cost. It takes the shapes the
 * evaluators write (objects of scalars, arrays of scalars, nested objects,
 * the policy pair); anything else is handed back to the tree walk above,
 * so both give the same words. ------------------------------------------ */

#define STREAM_DEPTH 8     /* nested objects the stream follows */
#define STREAM_KEY 256     /* longest member name it looks up */

enum stream_end { STREAM_DONE, STREAM_NOT_OBJECT, STREAM_TREE };

struct stream {
	struct pairs *p;
	int depth;                          /* objects open; 0 before the top one */
	char prefix[STREAM_DEPTH + 1][128]; /* the label of each open object */
	size_t members[STREAM_DEPTH + 1];   /* members seen in each */
	const struct field *f;              /* the member being read */
	char full[128];                     /* its label, after its object's */
	bool in_array;
	size_t elements;
	/* the member named "policy", when its value is an object: held until
	 * its end says whether it is the {setting, value} pair */
	bool in_policy;
	size_t policy_members;
	char policy_key[16];
	char setting[128];
	bool has_setting, has_value;
	struct scalar value;
	char value_text[128];
	bool stopped;                       /* max pairs reached: only validate the rest */
	enum stream_end end;
};

/* "a b" (or b alone when a is ""), cut to dst[n] as the tree walk's
 * snprintf cuts it. */
static void join(char *dst, size_t n, const char *a, const char *b)
{
	size_t o = 0;

	for (const char *s = a; *s && o + 1 < n; s++)
		dst[o++] = *s;
	if (a[0] && o + 1 < n)
		dst[o++] = ' ';
	for (const char *s = b; *s && o + 1 < n; s++)
		dst[o++] = *s;
	dst[o] = '\0';
}

static int hand_to_tree(struct stream *st)
{
	st->end = STREAM_TREE;
	return 0;
}

static void put_scalar(struct stream *st, const struct scalar *v)
{
	struct pairs *p = st->p;

	if (st->in_array) {
		if (st->elements++)
			buf_add(&p->scratch, ", ", 2);
		add_scalar(&p->scratch, st->f, v, p->now);
		return;
	}
	buf_reset(&p->scratch);
	add_scalar(&p->scratch, st->f, v, p->now);
	put(p, st->full, buf_str(&p->scratch), p->scratch.len);
}

/* A scalar where the walk is: a member's value, an array's element, or
 * one of the policy object's two. */
static int on_scalar(struct stream *st, struct scalar *v)
{
	if (st->stopped)
		return 1;
	if (st->depth == 0)
		return st->end = STREAM_NOT_OBJECT, 0;
	if (st->in_policy) {
		st->policy_members++;
		if (strcmp(st->policy_key, "setting") == 0 && v->kind == SC_STRING &&
		    v->len < sizeof st->setting) {
			memcpy(st->setting, v->s, v->len + 1);
			st->has_setting = true;
		} else if (strcmp(st->policy_key, "value") == 0 && (v->kind != SC_STRING ||
		           v->len < sizeof st->value_text)) {
			st->value = *v;
			if (v->kind == SC_STRING) {
				memcpy(st->value_text, v->s, v->len + 1);
				st->value.s = st->value_text;
			}
			st->has_value = true;
		} else {
			return hand_to_tree(st);   /* a policy object of another shape */
		}
		return 1;
	}
	put_scalar(st, v);
	return 1;
}

static int on_null(void *ctx)
{
	return on_scalar(ctx, &(struct scalar){ .kind = SC_NULL });
}

static int on_boolean(void *ctx, int b)
{
	return on_scalar(ctx, &(struct scalar){ .kind = b ? SC_TRUE : SC_FALSE });
}

static int on_integer(void *ctx, long long i)
{
	return on_scalar(ctx, &(struct scalar){ .kind = SC_INT, .i = i });
}

static int on_double(void *ctx, double r)
{
	return on_scalar(ctx, &(struct scalar){ .kind = SC_REAL, .r = r });
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
	struct stream *st = ctx;
	char small[256], *copy;
	int rc;

	/* word_of compares C strings: a NUL inside (which jansson refuses
	 * anyway) goes to the tree walk, which says nothing for it. */
	if (memchr(s, '\0', len))
		return hand_to_tree(st);
	copy = len < sizeof small ? small : malloc(len + 1);
	if (!copy)
		return hand_to_tree(st);
	memcpy(copy, s, len);
	copy[len] = '\0';
	rc = on_scalar(st, &(struct scalar){ .kind = SC_STRING, .s = copy, .len = len });
	if (copy != small)
		free(copy);
	return rc;
}

static int on_start_map(void *ctx)
{
	struct stream *st = ctx;

	if (st->stopped)
		return 1;
	if (st->in_array || st->in_policy || st->depth == STREAM_DEPTH)
		return hand_to_tree(st);
	if (st->depth > 0 && strcmp(st->policy_key, "policy") == 0) {
		st->in_policy = true;
		st->policy_members = 0;
		st->has_setting = st->has_value = false;
		st->policy_key[0] = '\0';
		return 1;
	}
	st->depth++;
	join(st->prefix[st->depth], sizeof st->prefix[0], "", st->depth > 1 ? st->full : "");
	st->members[st->depth] = 0;
	return 1;
}

static int on_key(void *ctx, const unsigned char *key, size_t len)
{
	struct stream *st = ctx;
	struct pairs *p = st->p;
	char name[STREAM_KEY];
	const char *label;

	if (st->stopped)
		return 1;
	if (len >= sizeof name || memchr(key, '\0', len))
		return hand_to_tree(st);
	memcpy(name, key, len);
	name[len] = '\0';
	if (st->in_policy) {
		join(st->policy_key, sizeof st->policy_key, "", len < sizeof st->policy_key ? name : "");
		return 1;
	}
	st->members[st->depth]++;
	if (p->n >= p->max) {
		/* the tree walk stops at the first member past the last pair */
		p->more = true;
		st->stopped = true;
		return 1;
	}
	st->f = field_of(name);
	label = st->f ? st->f->label : name;
	join(st->full, sizeof st->full, st->prefix[st->depth], label);
	join(st->policy_key, sizeof st->policy_key, "", strcmp(name, "policy") ? "" : "policy");
	/* a label as long as the tree walk's unbounded one: not followed here */
	if (!st->prefix[st->depth][0] && strlen(label) >= sizeof st->full)
		return hand_to_tree(st);
	return 1;
}

static int on_end_map(void *ctx)
{
	struct stream *st = ctx;
	struct pairs *p = st->p;

	if (st->stopped)
		return 1;
	if (st->in_policy) {
		st->in_policy = false;
		if (st->policy_members == 2 && st->has_setting && st->has_value) {
			char pl[128];
			join(pl, sizeof pl, "policy", st->setting);
			buf_reset(&p->scratch);
			add_policy_scalar(&p->scratch, st->setting, &st->value, p->now);
			put(p, pl, buf_str(&p->scratch), p->scratch.len);
		} else if (st->policy_members == 0) {
			put(p, st->full, "none", 4);
		} else {
			return hand_to_tree(st);
		}
		return 1;
	}
	if (st->depth > 1 && st->members[st->depth] == 0) {
		/* an empty object: its member's label, said as "none" */
		join(st->full, sizeof st->full, "", st->prefix[st->depth]);
		put(p, st->full, "none", 4);
	}
	st->depth--;
	if (st->depth > 0)
		st->policy_key[0] = '\0';
	return 1;
}

static int on_start_array(void *ctx)
{
	struct stream *st = ctx;

	if (st->stopped)
		return 1;
	if (st->depth == 0)
		return st->end = STREAM_NOT_OBJECT, 0;
	if (st->in_array || st->in_policy)
		return hand_to_tree(st);
	st->in_array = true;
	st->elements = 0;
	buf_reset(&st->p->scratch);
	return 1;
}

static int on_end_array(void *ctx)
{
	struct stream *st = ctx;
	struct pairs *p = st->p;

	if (st->stopped)
		return 1;
	st->in_array = false;
	if (st->elements == 0)
		buf_adds(&p->scratch, "none");
	put(p, st->full, buf_str(&p->scratch), p->scratch.len);
	return 1;
}

/* yajl's memory for one evidence text, from the stack: a parser's few
 * blocks (the handle, its lexer and stack, a string's decoding buffer)
 * were half a dozen malloc/free pairs per finding. What does not fit
 * comes from the heap; blocks are given back with the arena. */
#define ARENA_BYTES 6144

struct arena {
	_Alignas(max_align_t) unsigned char mem[ARENA_BYTES];
	size_t used;
};

struct block {
	size_t size;
	_Alignas(max_align_t) unsigned char data[];
};

static bool in_arena(const struct arena *a, const void *p)
{
	uintptr_t at = (uintptr_t)p, from = (uintptr_t)a->mem;
	return at >= from && at < from + sizeof a->mem;
}

static void *arena_malloc(void *ctx, size_t n)
{
	struct arena *a = ctx;
	size_t need = (sizeof(struct block) + n + _Alignof(max_align_t) - 1) &
	              ~(_Alignof(max_align_t) - 1);
	struct block *b;

	if (n > sizeof a->mem || need > sizeof a->mem - a->used)
		return malloc(n);
	b = (struct block *)(void *)(a->mem + a->used);
	b->size = n;
	a->used += need;
	return b->data;
}

static void arena_free(void *ctx, void *p)
{
	if (p && !in_arena(ctx, p))
		free(p);
}

static void *arena_realloc(void *ctx, void *p, size_t n)
{
	struct block *old;
	void *to;

	if (!p)
		return arena_malloc(ctx, n);
	if (!in_arena(ctx, p))
		return realloc(p, n);
	old = (struct block *)(void *)((unsigned char *)p - offsetof(struct block, data));
	if ((to = arena_malloc(ctx, n)))
		memcpy(to, p, old->size < n ? old->size : n);
	return to;
}

/* A yajl parser of text, its memory in a; 0 when it ran to the end,
 * else 1 (not JSON, or a callback stopped it). */
static int parse_in(struct arena *a, const yajl_callbacks *calls, void *ctx, const char *text)
{
	yajl_alloc_funcs funcs = { arena_malloc, arena_realloc, arena_free, a };
	yajl_handle y = yajl_alloc(calls, &funcs, ctx);
	yajl_status s;

	if (!y)
		return 1;
	s = yajl_parse(y, (const unsigned char *)text, strlen(text));
	if (s == yajl_status_ok)
		s = yajl_complete_parse(y);
	yajl_free(y);
	return s != yajl_status_ok;
}

static const yajl_callbacks stream_calls = {
	.yajl_null = on_null, .yajl_boolean = on_boolean, .yajl_integer = on_integer,
	.yajl_double = on_double, .yajl_string = on_string, .yajl_start_map = on_start_map,
	.yajl_map_key = on_key, .yajl_end_map = on_end_map, .yajl_start_array = on_start_array,
	.yajl_end_array = on_end_array,
};

/* Walks the evidence text onto p; STREAM_DONE, STREAM_NOT_OBJECT (not an
 * object, or not JSON: no pairs), or STREAM_TREE (walk the tree instead).
 * p is left as it was unless STREAM_DONE. */
static enum stream_end walk_text(struct pairs *p, const char *json)
{
	struct stream st = { .p = p, .end = STREAM_DONE };
	size_t line_at = p->line ? p->line->len : 0;
	struct arena a;

	a.used = 0;
	if (parse_in(&a, &stream_calls, &st, json) && st.end == STREAM_DONE)
		st.end = STREAM_NOT_OBJECT;   /* not JSON (or no memory: no words either way) */
	if (st.end != STREAM_DONE) {
		p->n = 0;
		p->more = false;
		if (p->line)
			buf_truncate(p->line, line_at);
	}
	return st.end;
}

/* The evidence text walked onto p: as a stream when it can, else as a
 * tree. Whether the text is a JSON object. */
static bool walk_evidence(struct pairs *p, const char *json)
{
	json_t *e;
	bool is_object;

	if (!json)
		return false;
	switch (walk_text(p, json)) {
	case STREAM_DONE: return true;
	case STREAM_NOT_OBJECT: return false;
	case STREAM_TREE: break;
	}
	e = json_loads(json, 0, NULL);
	is_object = json_is_object(e);
	if (is_object)
		walk(p, "", e);
	json_decref(e);
	return is_object;
}

size_t chk_evidence_pairs(const char *evidence_json, int64_t now, struct chk_pair *out, size_t max)
{
	struct pairs p = { .out = out, .max = max, .now = now, .scratch = BUF_INIT };

	if (max > 0)
		walk_evidence(&p, evidence_json);
	buf_free(&p.scratch);
	return p.n;
}

/* Enough for any evaluator's evidence; the rest of a larger one is said
 * to be there rather than dropped silently. */
#define LINE_PAIRS 48

bool chk_evidence_line_onto(struct buf *line, const char *evidence_json, int64_t now,
                            bool *is_object)
{
	struct pairs p = { .line = line, .max = LINE_PAIRS, .now = now, .scratch = BUF_INIT };

	*is_object = walk_evidence(&p, evidence_json);
	if (p.more)
		buf_adds(line, ", and more (see the JSON export)");
	buf_free(&p.scratch);
	return !line->failed;
}

char *chk_evidence_line(const char *evidence_json, int64_t now)
{
	struct buf line = BUF_INIT;
	bool is_object;

	chk_evidence_line_onto(&line, evidence_json, now, &is_object);
	return buf_detach(&line);
}

/* --- why: the reason or the policy, read as a stream ------------------ */

struct why {
	int depth;                /* containers open */
	bool object;              /* the text is an object */
	enum { K_OTHER, K_REASON, K_POLICY, K_SETTING, K_VALUE } key;
	bool in_policy;           /* the policy member's object is open (depth 2) */
	struct buf reason, setting;
	bool has_reason, has_setting, bad;
	int64_t value;
};

static int why_string(void *ctx, const unsigned char *s, size_t len)
{
	struct why *w = ctx;
	struct buf *to = w->depth == 1 && w->key == K_REASON ? &w->reason
	                 : w->in_policy && w->depth == 2 && w->key == K_SETTING ? &w->setting : NULL;

	if (to) {
		/* jansson refuses a NUL in a string, and the tree said nothing */
		w->bad |= memchr(s, '\0', len) != NULL;
		buf_reset(to);
		buf_add(to, s, len);
		*(to == &w->reason ? &w->has_reason : &w->has_setting) = true;
	}
	return 1;
}

static int why_integer(void *ctx, long long v)
{
	struct why *w = ctx;

	if (w->in_policy && w->depth == 2 && w->key == K_VALUE)
		w->value = v;
	return 1;
}

static int why_start(void *ctx)
{
	struct why *w = ctx;

	w->object |= w->depth == 0;
	if (w->depth == 1)
		w->in_policy = w->key == K_POLICY;
	w->depth++;
	return 1;
}

static int why_start_array(void *ctx)
{
	struct why *w = ctx;

	w->depth++;
	return 1;
}

static int why_end(void *ctx)
{
	struct why *w = ctx;

	if (--w->depth == 1)
		w->in_policy = false;
	return 1;
}

static int why_key(void *ctx, const unsigned char *k, size_t len)
{
	struct why *w = ctx;

#define IS(word) (len == sizeof word - 1 && memcmp(k, word, len) == 0)
	if (w->depth == 1)
		w->key = IS("reason") ? K_REASON : IS("policy") ? K_POLICY : K_OTHER;
	else if (w->in_policy && w->depth == 2)
		w->key = IS("setting") ? K_SETTING : IS("value") ? K_VALUE : K_OTHER;
#undef IS
	return 1;
}

static const yajl_callbacks why_calls = {
	.yajl_string = why_string, .yajl_integer = why_integer, .yajl_start_map = why_start,
	.yajl_map_key = why_key, .yajl_end_map = why_end, .yajl_start_array = why_start_array,
	.yajl_end_array = why_end,
};

void chk_evidence_why(const char *evidence_json, char *out, size_t n)
{
	struct why w = { .reason = BUF_INIT, .setting = BUF_INIT };
	struct arena a;
	bool parsed;

	out[0] = '\0';
	/* most evidence has neither: no parse for it */
	if (!evidence_json || (!strstr(evidence_json, "\"reason\"") &&
	                       !strstr(evidence_json, "\"policy\"")))
		return;
	a.used = 0;
	parsed = parse_in(&a, &why_calls, &w, evidence_json) == 0;
	if (parsed && w.object && !w.bad && !w.reason.failed && !w.setting.failed) {
		if (w.has_reason)
			snprintf(out, n, "%s", buf_str(&w.reason));
		else if (w.has_setting)
			snprintf(out, n, "over the policy %s = %" PRId64, buf_str(&w.setting), w.value);
	}
	buf_free(&w.reason);
	buf_free(&w.setting);
}
