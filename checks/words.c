/* Evidence in words. The table below is the one home of what an evidence
 * field is called on screen and in reports, and what its coded values
 * mean; everything else renders a field generically, by its JSON type. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

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

static const struct field *field_of(const char *name)
{
	/* The first byte first: a report looks up every field of every
	 * finding (hundreds of thousands at scale). */
	for (size_t i = 0; name && i < sizeof fields / sizeof fields[0]; i++)
		if (fields[i].name[0] == name[0] && strcmp(fields[i].name, name) == 0)
			return &fields[i];
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

static void add_date(struct buf *b, json_int_t t, int64_t now)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char day[16];
	int64_t age;

	if (!gmtime_r(&tt, &tm) || strftime(day, sizeof day, "%Y-%m-%d", &tm) == 0) {
		buf_addf(b, "%" PRId64, (int64_t)t);
		return;
	}
	age = (now - (int64_t)t) / DAY_S;
	if (age > 0)
		buf_addf(b, "%s (%" PRId64 " d ago)", day, age);
	else if (age < 0)
		buf_addf(b, "%s (in %" PRId64 " d)", day, -age);
	else
		buf_addf(b, "%s (today)", day);
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

	snprintf(text, sizeof text, "%" PRId64, (int64_t)v);
	w = word_of(f, text);
	switch (f ? f->shape : AS_TEXT) {
	case AS_DATE:
		add_date(b, v, now);
		return;
	case AS_DAYS:
		buf_addf(b, "%s d", text);
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
	case AS_TEXT:
		break;
	}
	if (w)
		buf_addf(b, "%s (%s)", w, text);
	else
		buf_adds(b, text);
}

/* One scalar or array value in words, appended to b. */
static void add_value(struct buf *b, const struct field *f, const json_t *v, int64_t now)
{
	const char *w;

	switch (json_typeof(v)) {
	case JSON_NULL:
		buf_adds(b, f && f->null_word ? f->null_word : "unknown");
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		w = word_of(f, json_is_true(v) ? "true" : "false");
		buf_adds(b, w ? w : json_is_true(v) ? "yes" : "no");
		break;
	case JSON_INTEGER:
		add_number(b, f, json_integer_value(v), now);
		break;
	case JSON_REAL:
		buf_addf(b, "%g", json_real_value(v));
		break;
	case JSON_STRING:
		w = word_of(f, json_string_value(v));
		if (w)
			buf_adds(b, w);
		else if (json_string_length(v) == 0)
			buf_adds(b, "none");
		else
			buf_add(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_ARRAY:
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
		break;
	case JSON_OBJECT:
		break;   /* flattened by the caller */
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
static void add_policy_value(struct buf *b, const char *setting, const json_t *v, int64_t now)
{
	size_t n = strlen(setting);

	if (json_is_integer(v) && n > 5 && strcmp(setting + n - 5, "_days") == 0)
		buf_addf(b, "%" PRId64 " d", (int64_t)json_integer_value(v));
	else
		add_value(b, NULL, v, now);
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
			if (strcmp(name, "policy") == 0 && setting && pv && json_object_size(v) == 2) {
				char pl[128];
				snprintf(pl, sizeof pl, "policy %s", setting);
				buf_reset(&p->scratch);
				add_policy_value(&p->scratch, setting, pv, p->now);
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

size_t chk_evidence_pairs(const char *evidence_json, int64_t now, struct chk_pair *out, size_t max)
{
	struct pairs p = { .out = out, .max = max, .now = now, .scratch = BUF_INIT };
	json_t *e = evidence_json ? json_loads(evidence_json, 0, NULL) : NULL;

	if (json_is_object(e) && max > 0)
		walk(&p, "", e);
	json_decref(e);
	buf_free(&p.scratch);
	return p.n;
}

/* Enough for any evaluator's evidence; the rest of a larger one is said
 * to be there rather than dropped silently. */
#define LINE_PAIRS 48

char *chk_evidence_line_of(const json_t *evidence, int64_t now)
{
	struct buf line = BUF_INIT;
	struct pairs p = { .line = &line, .max = LINE_PAIRS, .now = now, .scratch = BUF_INIT };

	if (json_is_object(evidence))
		walk(&p, "", evidence);
	if (p.more)
		buf_adds(&line, ", and more (see the JSON export)");
	buf_free(&p.scratch);
	return buf_detach(&line);
}

char *chk_evidence_line(const char *evidence_json, int64_t now)
{
	json_t *e = evidence_json ? json_loads(evidence_json, 0, NULL) : NULL;
	char *line = chk_evidence_line_of(e, now);

	json_decref(e);
	return line;
}
