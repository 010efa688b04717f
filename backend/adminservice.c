#include "backend/adminservice.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend/http.h"
#include "util/jsonci.h"
#include "util/sanitize.h"
#include "util/timeparse.h"

/* Page size: the service's own tools page by 1000. */
#define PAGE 1000

#define P(S, field, name, conv, flags) { name, conv, flags, (long)offsetof(struct S, field) }
#define H(name, flags) { name, AS_TEXT, (flags) | AS_HOOK, -1 }
#define PROPS(a) a, sizeof a / sizeof a[0]
#define RAW(S) ((long)offsetof(struct S, raw_json))

static const struct as_prop site_p[] = {
	P(inv_site, site_code, "SiteCode", AS_TEXT, AS_KEY | AS_NEED),
	P(inv_site, site_name, "SiteName", AS_TEXT, 0),
	P(inv_site, server_name, "ServerName", AS_TEXT, 0),
	P(inv_site, version, "Version", AS_TEXT, 0),
	P(inv_site, build_number, "BuildNumber", AS_INT, 0),
	P(inv_site, type, "Type", AS_INT, 0),
	P(inv_site, parent_site_code, "ReportingSiteCode", AS_TEXT, 0),
};
/* The four key parts of every site-control class. */
#define SCI_KEYS                                                                      \
	{ "FileType", AS_INT, AS_KEY | AS_HOOK, -1 }, H("ItemName", AS_KEY), H("ItemType", AS_KEY), \
	H("SiteCode", AS_KEY)
static const struct as_prop sysres_p[] = {
	SCI_KEYS, H("NALPath", 0), H("RoleName", 0), H("NetworkOSPath", 0), H("SslState", 0),
	H("Props", 0), H("PropLists", 0),
};
static const struct as_prop dp_p[] = {
	P(inv_dp, nal_path, "NALPath", AS_TEXT, AS_KEY | AS_NEED),
	P(inv_dp, site_code, "SiteCode", AS_TEXT, AS_NEED),
	P(inv_dp, server_name, "ServerName", AS_TEXT, AS_NEED),
	P(inv_dp, is_pxe, "IsPXE", AS_BOOL, 0),
	P(inv_dp, is_active, "IsActive", AS_BOOL, 0),
	P(inv_dp, support_unknown, "SupportUnknownMachines", AS_BOOL, 0),
	P(inv_dp, bind_policy, "BindPolicy", AS_INT, 0),
	P(inv_dp, bind_except, "BindExcept", AS_TEXT, 0),
	P(inv_dp, response_delay, "ResponseDelay", AS_INT, 0),
	P(inv_dp, uda_setting, "UdaSetting", AS_INT, 0),
	P(inv_dp, is_multicast, "IsMulticast", AS_BOOL, 0),
	P(inv_dp, internet_facing, "InternetFacing", AS_BOOL, 0),
	P(inv_dp, is_pull_dp, "IsPullDP", AS_BOOL, 0),
	P(inv_dp, identity_guid, "IdentityGUID", AS_TEXT, 0),
};
/* SMS_Certificate has no SiteCode (SDK): a PXE certificate's site is its
 * DP's, filled by the sync from the DPs it read. Thumbprint is lazy. */
static const struct as_prop cert_p[] = {
	P(inv_cert, smsid, "SMSID", AS_TEXT, AS_KEY | AS_NEED),
	P(inv_cert, type, "Type", AS_INT, 0),
	P(inv_cert, key_type, "KeyType", AS_INT, 0),
	P(inv_cert, is_blocked, "IsBlocked", AS_BOOL, 0),
	P(inv_cert, is_approved, "IsApproved", AS_BOOL, 0),
	P(inv_cert, issued_to, "IssuedTo", AS_TEXT, 0),
	P(inv_cert, server_name, "ServerName", AS_TEXT, 0),
	P(inv_cert, valid_from, "ValidFrom", AS_DATE, 0),
	P(inv_cert, valid_until, "ValidUntil", AS_DATE, 0),
	P(inv_cert, thumbprint, "Thumbprint", AS_TEXT, AS_LAZY),
};
static const struct as_prop assoc_p[] = {
	P(inv_assoc, source_id, "SourceClientResourceID", AS_INT, AS_KEY | AS_NEED),
	P(inv_assoc, restore_id, "RestoreClientResourceID", AS_INT, AS_KEY | AS_NEED),
	P(inv_assoc, migration_id, "MigrationID", AS_TEXT, 0),
	P(inv_assoc, site_code, "SiteCode", AS_TEXT, 0),
	P(inv_assoc, source_name, "SourceName", AS_TEXT, 0),
	P(inv_assoc, restore_name, "RestoreName", AS_TEXT, 0),
	P(inv_assoc, store_path, "StorePath", AS_TEXT, 0),
	P(inv_assoc, migration_type, "MigrationType", AS_INT, 0),
	P(inv_assoc, migration_behavior, "MigrationBehavior", AS_INT, 0),
	P(inv_assoc, migration_status, "MigrationStatus", AS_INT, 0),
	P(inv_assoc, store_created, "StoreCreationDate", AS_DATE, 0),
	P(inv_assoc, store_released, "StoreReleaseDate", AS_DATE, 0),
	P(inv_assoc, store_deleted, "StoreDeletionDate", AS_DATE, 0),
};
static const struct as_prop boot_p[] = {
	P(inv_boot_image, package_id, "PackageID", AS_TEXT, AS_KEY | AS_NEED),
	P(inv_boot_image, name, "Name", AS_TEXT, 0),
	P(inv_boot_image, architecture, "Architecture", AS_INT, 0),
	P(inv_boot_image, pkg_flags, "PkgFlags", AS_INT, 0),
	P(inv_boot_image, source_date, "SourceDate", AS_DATE, 0),
	P(inv_boot_image, last_refresh, "LastRefreshTime", AS_DATE, 0),
	P(inv_boot_image, site_code, "SourceSite", AS_TEXT, 0),
	P(inv_boot_image, enable_lab_shell, "EnableLabShell", AS_BOOL, AS_LAZY),
};
static const struct as_prop pkg_p[] = {
	P(inv_package, package_id, "PackageID", AS_TEXT, AS_KEY | AS_NEED),
	P(inv_package, name, "Name", AS_TEXT, 0),
	P(inv_package, package_type, "PackageType", AS_INT, 0),
	P(inv_package, pkg_flags, "PkgFlags", AS_INT, 0),
	P(inv_package, version, "Version", AS_TEXT, 0),
	P(inv_package, source_date, "SourceDate", AS_DATE, 0),
	P(inv_package, site_code, "SourceSite", AS_TEXT, 0),
};
/* BootImageID is lazy in the SDK (a site refused it in $select with HTTP
 * 400): it comes with Sequence from the keyed GET of each one. */
static const struct as_prop ts_p[] = {
	P(inv_ts, package_id, "PackageID", AS_TEXT, AS_KEY | AS_NEED),
	P(inv_ts, name, "Name", AS_TEXT, 0),
	P(inv_ts, site_code, "SourceSite", AS_TEXT, 0),
	H("Sequence", AS_LAZY),
	P(inv_ts, boot_image_id, "BootImageID", AS_TEXT, AS_LAZY),
};
static const struct as_prop adv_p[] = {
	P(inv_deployment, advertisement_id, "AdvertisementID", AS_TEXT, AS_KEY | AS_NEED),
	P(inv_deployment, package_id, "PackageID", AS_TEXT, 0),
	P(inv_deployment, collection_id, "CollectionID", AS_TEXT, 0),
	P(inv_deployment, offer_type, "OfferType", AS_INT, 0),
	P(inv_deployment, advert_flags, "AdvertFlags", AS_INT, 0),
	P(inv_deployment, site_code, "SourceSite", AS_TEXT, 0),
};
static const struct as_prop coll_p[] = {
	P(inv_collection, collection_id, "CollectionID", AS_TEXT, AS_KEY | AS_NEED),
	P(inv_collection, name, "Name", AS_TEXT, 0),
	P(inv_collection, member_count, "MemberCount", AS_INT, 0),
};
static const struct as_prop settings_p[] = {
	H("CollectionID", AS_KEY), H("CollectionVariables", AS_LAZY),
};
static const struct as_prop admin_p[] = {
	P(inv_admin, admin_id, "AdminID", AS_INT, AS_KEY | AS_NEED),
	P(inv_admin, logon_name, "LogonName", AS_TEXT, AS_NEED),
	P(inv_admin, account_type, "AccountType", AS_INT, 0),
	P(inv_admin, role_names, "RoleNames", AS_LIST, 0),
	P(inv_admin, collection_names, "CollectionNames", AS_LIST, 0),
	P(inv_admin, categories, "CategoryNames", AS_LIST, 0),
};
static const struct as_prop role_p[] = {
	P(inv_role, role_id, "RoleID", AS_TEXT, AS_KEY | AS_NEED),
	P(inv_role, role_name, "RoleName", AS_TEXT, AS_NEED),
	P(inv_role, number_of_admins, "NumberOfAdmins", AS_INT, 0),
	P(inv_role, is_builtin, "IsBuiltIn", AS_BOOL, 0),
	H("Operations", AS_LAZY),
};
static const struct as_prop secured_p[] = {
	P(inv_secured_type, object_type_id, "ObjectTypeID", AS_INT, AS_KEY | AS_NEED),
	P(inv_secured_type, object_type_name, "ObjectTypeName", AS_TEXT, 0),
};
static const struct as_prop component_p[] = { SCI_KEYS, H("Props", 0) };
static const struct as_prop clientcomp_p[] = { SCI_KEYS, H("PropLists", 0) };
/* Never Reserved2: it holds the account's encrypted password. */
static const struct as_prop reserved_p[] = { SCI_KEYS, H("UserName", 0), H("AccountUsage", 0) };

static struct as_class classes[] = {
	{ .name = "SMS_Site", .props = PROPS(site_p), .key_form = AS_KEY_QUOTED, .site_scoped = true,
	  .record = INV_REC_site, .raw_off = RAW(inv_site), .why = "sites of the hierarchy" },
	{ .name = "SMS_SCI_SysResUse", .props = PROPS(sysres_p), .key_form = AS_KEY_COMPOSITE,
	  .site_scoped = true, .raw_off = -1, .gone = { INV_REC_smp, INV_REC_site_setting },
	  .why = "site roles: DP PXE settings, state migration points, providers" },
	{ .name = "SMS_DistributionPointInfo", .props = PROPS(dp_p), .key_form = AS_KEY_QUOTED,
	  .site_scoped = true, .record = INV_REC_dp, .raw_off = RAW(inv_dp),
	  .why = "distribution points" },
	{ .name = "SMS_Certificate", .props = PROPS(cert_p), .key_form = AS_KEY_QUOTED, .stream = true,
	  .record = INV_REC_cert, .raw_off = -1, .why = "boot media and PXE certificates" },
	{ .name = "SMS_StateMigration", .props = PROPS(assoc_p), .key_form = AS_KEY_COMPOSITE,
	  .site_scoped = true, .stream = true, .record = INV_REC_assoc, .raw_off = -1,
	  .why = "computer associations" },
	{ .name = "SMS_BootImagePackage", .props = PROPS(boot_p), .key_form = AS_KEY_QUOTED,
	  .record = INV_REC_boot_image, .raw_off = RAW(inv_boot_image),
	  .why = "boot images (F8 prompt)" },
	{ .name = "SMS_PackageBaseclass", .props = PROPS(pkg_p), .key_form = AS_KEY_QUOTED,
	  .record = INV_REC_package, .raw_off = RAW(inv_package),
	  .why = "OS images and packages (multicast, USMT)" },
	{ .name = "SMS_TaskSequencePackage", .props = PROPS(ts_p), .key_form = AS_KEY_QUOTED,
	  .record = INV_REC_ts, .raw_off = RAW(inv_ts),
	  .why = "task sequences (run-as steps, boot image)" },
	{ .name = "SMS_Advertisement", .props = PROPS(adv_p), .key_form = AS_KEY_QUOTED,
	  .record = INV_REC_deployment, .raw_off = RAW(inv_deployment), .why = "deployments" },
	{ .name = "SMS_Collection", .props = PROPS(coll_p), .key_form = AS_KEY_QUOTED,
	  .record = INV_REC_collection, .raw_off = RAW(inv_collection), .why = "collection sizes" },
	{ .name = "SMS_CollectionSettings", .props = PROPS(settings_p), .key_form = AS_KEY_QUOTED,
	  .raw_off = -1, .gone = { INV_REC_collection_var },
	  .why = "collection variables (names and masking only)" },
	{ .name = "SMS_Admin", .props = PROPS(admin_p), .key_form = AS_KEY_NUMBER,
	  .record = INV_REC_admin, .raw_off = RAW(inv_admin), .why = "administrative users" },
	{ .name = "SMS_Role", .props = PROPS(role_p), .key_form = AS_KEY_QUOTED,
	  .record = INV_REC_role, .raw_off = RAW(inv_role), .why = "security roles" },
	{ .name = "SMS_RbacSecuredObject", .props = PROPS(secured_p), .key_form = AS_KEY_NUMBER,
	  .record = INV_REC_secured_type, .raw_off = -1,
	  .why = "RBAC object types (which role operations mean which right)" },
	{ .name = "SMS_SCI_Component", .props = PROPS(component_p), .key_form = AS_KEY_COMPOSITE,
	  .site_scoped = true, .raw_off = -1, .gone = { INV_REC_site_setting },
	  .why = "Enhanced HTTP and HTTPS settings" },
	{ .name = "SMS_SCI_ClientComp", .props = PROPS(clientcomp_p), .key_form = AS_KEY_COMPOSITE,
	  .site_scoped = true, .raw_off = -1, .gone = { INV_REC_site_setting },
	  .why = "network access account names" },
	{ .name = "SMS_SCI_Reserved", .props = PROPS(reserved_p), .key_form = AS_KEY_COMPOSITE,
	  .site_scoped = true, .raw_off = -1, .gone = { INV_REC_site_setting },
	  .why = "site accounts (names and usage only)" },
};
#define N_CLASSES (sizeof classes / sizeof classes[0])

/* BlockCertificate and DeleteAssociation over REST, the composite key of
 * SysResUse, and whether a PUT of SMS_SCI_* commits: all unverified
 * (reference §6). osdwarden re-reads after every write either way; an
 * instance write tries its URL forms in the order listed. */
static const struct as_write writes[] = {
	{ AS_BLOCK_CERTIFICATE, "POST", "wmi/SMS_CertificateInfo.BlockCertificate", NULL, false,
	  "SMS_CertificateInfo.BlockCertificate", "SMSID,Blocked", "sb",
	  "Administration > Security > Certificates: select the certificate, Block (or Unblock)",
	  "Block-CMCertificate (Unblock-CMCertificate)", { AS_ADDR_END } },
	{ AS_DELETE_ASSOCIATION, "POST", "wmi/SMS_StateMigration.DeleteAssociation", NULL, false,
	  "SMS_StateMigration.DeleteAssociation", "SourceClientResourceID,RestoreClientResourceID", "ii",
	  "Assets and Compliance > User State Migration: select the association, Delete",
	  "Remove-CMComputerAssociation", { AS_ADDR_END } },
	{ AS_UPDATE_SITE_ROLE, "PUT", "wmi/SMS_SCI_SysResUse%s", "SMS_SCI_SysResUse", true, NULL, NULL, NULL,
	  "Administration > Site Configuration > Servers and Site System Roles: the role's Properties",
	  "Set-CMStateMigrationPoint / Set-CMDistributionPoint",
	  { AS_ADDR_PARENS, AS_ADDR_SEGMENTS } },
	{ AS_REMOVE_SITE_ROLE, "DELETE", "wmi/SMS_SCI_SysResUse%s", "SMS_SCI_SysResUse", true, NULL,
	  NULL, NULL, "Administration > Site Configuration > Servers and Site System Roles: the role, "
	  "Remove Role", "Remove-CMStateMigrationPoint", { AS_ADDR_PARENS, AS_ADDR_SEGMENTS } },
	{ AS_UPDATE_BOOT_IMAGE, "PUT", "wmi/SMS_BootImagePackage%s", "SMS_BootImagePackage", true,
	  NULL, NULL, NULL, "Software Library > Operating Systems > Boot Images: Properties, Customization, "
	  "Enable command support (testing only) off", "Set-CMBootImage -EnableCommandSupport $false",
	  { AS_ADDR_PARENS, AS_ADDR_SEGMENTS } },
};

/* Reference §3: methods that answer with secrets. Matched anywhere in the
 * decoded URL, so neither a bound form (Class('k')/AdminService.Method), a
 * static one (Class.Method) nor an encoded spelling gets through. */
static const char *const denied_methods[] = {
	"GetEncryptDecryptKey",      /* SMS_StateMigration: decrypts stored user state */
	"GetTSPolicies",             /* SMS_TaskSequencePackage: policies with run-as passwords */
	"GetClientConfigPolicies",   /* client policies, network access account included */
};

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

const char *as_url_denied(const char *url)
{
	const char *hit = NULL;
	char *plain;

	if (!url)
		return NULL;
	/* Decoded twice: "%2544" is "%44" is "D". */
	plain = http_unescape(url);
	if (plain) {
		char *twice = http_unescape(plain);
		if (twice) {
			free(plain);
			plain = twice;
		}
	}
	for (size_t i = 0; i < sizeof denied_methods / sizeof denied_methods[0] && !hit; i++)
		if (contains_ci(url, denied_methods[i]) || (plain && contains_ci(plain, denied_methods[i])))
			hit = denied_methods[i];
	free(plain);
	return hit;
}

/* PkgFlags: the SDK documents no multicast bit at all. 0x04000000 is
 * binary delta replication (AP_USE_BINARY_DELTA_REP), not encryption;
 * whether a package encrypts its multicast is not exposed as a bit
 * anyone documents, so there is no row for it. */
static const struct as_flag flags[] = {
	{ "SMS_PackageBaseclass", "PkgFlags", "multicast allowed", 0x08000000ul, false,
	  "one community source; not in the SDK's PkgFlags table" },
};

const struct as_flag *as_flag_find(const char *cls, const char *property, const char *meaning)
{
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
		if (strcmp(flags[i].cls, cls) == 0 && strcmp(flags[i].property, property) == 0 &&
		    strcmp(flags[i].meaning, meaning) == 0)
			return &flags[i];
	return NULL;
}

/* The lists a class's properties imply, made once. */
static struct {
	char select[512], keys[160], lazy[160];
} derived[N_CLASSES];

static void add_name(char *list, size_t n, const char *name)
{
	size_t len = strlen(list);
	snprintf(list + len, n - len, "%s%s", len ? "," : "", name);
}

static void derive(void)
{
	for (size_t i = 0; i < N_CLASSES; i++) {
		struct as_class *c = &classes[i];
		for (size_t k = 0; k < c->nprops; k++) {
			const struct as_prop *p = &c->props[k];
			if (p->flags & AS_LAZY)
				add_name(derived[i].lazy, sizeof derived[i].lazy, p->name);
			else
				add_name(derived[i].select, sizeof derived[i].select, p->name);
			if (p->flags & AS_KEY)
				add_name(derived[i].keys, sizeof derived[i].keys, p->name);
		}
		c->select = derived[i].select;
		c->keys = derived[i].keys;
		c->lazy = derived[i].lazy[0] ? derived[i].lazy : NULL;
		if (!c->page_size)
			c->page_size = PAGE;
		if (c->gone[0] == INV_REC_NONE)
			c->gone[0] = c->record;
	}
}

static const struct as_class *table(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, derive);
	return classes;
}

const struct as_class *as_class_find(const char *name)
{
	const struct as_class *t = table();

	for (size_t i = 0; i < N_CLASSES; i++)
		if (strcasecmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

size_t as_class_count(void)
{
	return N_CLASSES;
}

const struct as_class *as_class_at(size_t i)
{
	return i < N_CLASSES ? &table()[i] : NULL;
}

const struct as_prop *as_class_prop(const struct as_class *c, const char *name)
{
	for (size_t i = 0; c && i < c->nprops; i++)
		if (strcasecmp(c->props[i].name, name) == 0)
			return &c->props[i];
	return NULL;
}

/* --- the converter --------------------------------------------------------- */

int64_t as_conv_text(enum as_conv conv, const char *text, size_t len, enum as_wire kind)
{
	char tmp[64], *end;
	long long x;
	struct owtime t;

	if (kind == AS_W_NULL || !text || len >= sizeof tmp)
		return INV_NULL;
	memcpy(tmp, text, len);
	tmp[len] = '\0';
	if (conv == AS_DATE)
		return kind == AS_W_STRING && owtime_parse(tmp, &t) == OWTIME_OK ? t.ms / 1000 : INV_NULL;
	/* Booleans arrive as true/false, 1/0 or their strings, in any case. */
	if (strcasecmp(tmp, "true") == 0)
		return 1;
	if (strcasecmp(tmp, "false") == 0)
		return 0;
	errno = 0;
	if (kind == AS_W_NUMBER && strpbrk(tmp, ".eE")) {
		/* a JSON number with a fraction or an exponent keeps its
		 * integer part, as the DOM's real does */
		double d = strtod(tmp, &end);
		if (end == tmp || *end || errno || !(d > -9.2e18 && d < 9.2e18))
			return INV_NULL;
		x = (long long)d;
	} else {
		x = strtoll(tmp, &end, 10);
		if (end == tmp || *end || errno)
			return INV_NULL;
	}
	return conv == AS_BOOL ? x != 0 : x;
}

int64_t as_conv_json(enum as_conv conv, const json_t *v)
{
	char num[32];

	if (json_is_string(v))
		return as_conv_text(conv, json_string_value(v), json_string_length(v), AS_W_STRING);
	if (json_is_boolean(v))
		return as_conv_text(conv, json_is_true(v) ? "true" : "false", json_is_true(v) ? 4 : 5,
		                    AS_W_BOOL);
	if (json_is_integer(v))
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(num, sizeof num, "%.17g", json_real_value(v));
	else
		return INV_NULL;
	return as_conv_text(conv, num, strlen(num), AS_W_NUMBER);
}

char *as_conv_list(const json_t *v, const char *sep)
{
	struct buf b = BUF_INIT;
	json_t *e;
	size_t i;

	if (!json_is_array(v))
		return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
	json_array_foreach((json_t *)v, i, e) {
		if (!json_is_string(e))
			continue;
		if (b.len)
			buf_adds(&b, sep);
		buf_adds(&b, json_string_value(e));
	}
	return buf_detach(&b);
}

const struct as_write *as_write_find(enum as_write_kind k)
{
	for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++)
		if (writes[i].kind == k)
			return &writes[i];
	return NULL;
}

char *as_base_url(const char *provider, struct ow_err *err)
{
	struct buf b = BUF_INIT;
	size_t n = strlen(provider);
	static const char suffix[] = "/AdminService";

	size_t scheme = strncasecmp(provider, "https://", 8) == 0 ? 8
	                : strncasecmp(provider, "http://", 7) == 0 ? 7 : 0;

	if (!scheme) {
		ow_err_set(err, OW_EINPUT, "--provider wants a URL such as https://cm01.corp.example, "
		           "not '%s'", provider);
		return NULL;
	}
	/* user:password@host would be sent, printed, stored and audited: the
	 * URL itself is not repeated in the message, since it holds them. */
	if (memchr(provider + scheme, '@', strcspn(provider + scheme, "/?#"))) {
		ow_err_set(err, OW_EINPUT, "--provider must not carry a user name or password "
		           "(user:password@host): they would be sent, shown and stored. Give the user "
		           "with --user, and the password from OSDWARDEN_PASSWORD, --password-file or the "
		           "prompt");
		return NULL;
	}
	while (n > scheme && provider[n - 1] == '/')
		n--;
	if (n == scheme) {
		ow_err_set(err, OW_EINPUT, "--provider names no host: give a URL such as "
		           "https://cm01.corp.example");
		return NULL;
	}
	buf_adds(&b, scheme == 8 ? "https://" : "http://");
	buf_add(&b, provider + scheme, n - scheme);
	if (n < sizeof suffix - 1 ||
	    strcasecmp(buf_str(&b) + n - (sizeof suffix - 1), suffix) != 0)
		buf_adds(&b, suffix);
	return buf_detach(&b);
}

/* Percent-encodes an OData query value: spaces, quotes and the rest; the
 * '$' of option names is written literally by the callers. */
static void add_escaped(struct buf *b, const char *v)
{
	char *e = http_escape(v);
	buf_adds(b, e ? e : "");
	free(e);
}

static void add_site_filter(struct buf *b, const struct as_class *c, const char *site,
                            char sep)
{
	struct buf f = BUF_INIT;

	if (!site || !c->site_scoped)
		return;
	buf_adds(&f, "SiteCode eq '");
	for (const char *p = site; *p; p++) {
		if (*p == '\'')
			buf_addc(&f, '\'');
		buf_addc(&f, *p);
	}
	buf_addc(&f, '\'');
	buf_addc(b, sep);
	buf_adds(b, "$filter=");
	add_escaped(b, buf_str(&f));
	buf_free(&f);
}

char *as_page_url_top(const char *base, const struct as_class *c, long skip, long top,
                      const char *site)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s/wmi/%s?$select=%s", base, c->name, c->select);
	add_site_filter(&b, c, site, '&');
	/* A stable order on the key: without one, nothing promises that page 2
	 * continues where page 1 ended. */
	buf_addf(&b, "&$orderby=%s&$top=%ld&$skip=%ld", c->keys, top > 0 ? top : (long)c->page_size,
	         skip);
	return buf_detach(&b);
}

char *as_page_url(const char *base, const struct as_class *c, long skip, const char *site)
{
	return as_page_url_top(base, c, skip, 0, site);
}

char *as_count_url(const char *base, const struct as_class *c, const char *site)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s/wmi/%s/$count", base, c->name);
	add_site_filter(&b, c, site, '?');
	return buf_detach(&b);
}

int as_parse_count(const struct http_resp *r, long long *n)
{
	char tmp[32], *end;
	size_t len = r->body.len;
	const char *p = r->body.data;

	/* A bare number, perhaps with a BOM or spaces around it. */
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3, len -= 3;
	while (len && (*p == ' ' || *p == '\r' || *p == '\n' || *p == '\t'))
		p++, len--;
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\r' || p[len - 1] == '\n'))
		len--;
	if (!p || len == 0 || len >= sizeof tmp)
		return -1;
	memcpy(tmp, p, len);
	tmp[len] = '\0';
	if (tmp[0] < '0' || tmp[0] > '9')
		return -1;
	*n = strtoll(tmp, &end, 10);
	return *end == '\0' && *n >= 0 ? 0 : -1;
}

static void add_quoted(struct buf *b, const char *v)
{
	struct buf q = BUF_INIT;

	for (const char *p = v; *p; p++) {
		if (*p == '\'')
			buf_addc(&q, '\'');   /* OData doubles a quote inside a string */
		buf_addc(&q, *p);
	}
	buf_addc(b, '\'');
	add_escaped(b, buf_str(&q));
	buf_addc(b, '\'');
	buf_free(&q);
}

/* The "(...)" key part of an instance URL. */
static void key_part(struct buf *b, const struct as_class *c, const char *const *values)
{
	char keys[256];
	char *save = NULL, *k;
	size_t i = 0;

	buf_addc(b, '(');
	if (c->key_form == AS_KEY_NUMBER) {
		add_escaped(b, values[0]);
	} else if (c->key_form == AS_KEY_QUOTED) {
		add_quoted(b, values[0]);
	} else {
		snprintf(keys, sizeof keys, "%s", c->keys);
		for (k = strtok_r(keys, ",", &save); k; k = strtok_r(NULL, ",", &save), i++) {
			const struct as_prop *p = as_class_prop(c, k);
			bool numeric = p && (p->conv == AS_INT || p->conv == AS_BOOL);
			buf_addf(b, "%s%s=", i ? "," : "", k);
			if (numeric)
				add_escaped(b, values[i]);
			else
				add_quoted(b, values[i]);
		}
	}
	buf_addc(b, ')');
}

char *as_instance_url(const char *base, const struct as_class *c, const char *const *values)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s/wmi/%s", base, c->name);
	key_part(&b, c, values);
	return buf_detach(&b);
}

void as_add_literal(struct buf *b, const char *v)
{
	buf_addc(b, '\'');
	for (const char *p = v; *p; p++) {
		if (*p == '\'')
			buf_addc(b, '\'');
		buf_addc(b, *p);
	}
	buf_addc(b, '\'');
}

char *as_filter_url(const char *base, const char *cls, const char *filter)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s/wmi/%s?$filter=", base, cls);
	add_escaped(&b, filter);
	return buf_detach(&b);
}

const char *as_addr_name(enum as_addr a)
{
	return a == AS_ADDR_SEGMENTS ? "Class/v/..." : "Class(K=v,...)";
}

/* The "/v1/v2" key part of a key-as-segment URL: bare values in key
 * order, each percent-encoded ('/' included). */
static void key_segments(struct buf *b, const struct as_class *c, const char *const *values)
{
	size_t n = 1;

	for (const char *p = c->keys; *p; p++)
		n += *p == ',';
	for (size_t i = 0; i < n; i++) {
		buf_addc(b, '/');
		add_escaped(b, values[i]);
	}
}

char *as_write_url(const char *base, enum as_write_kind k, const char *const *key_values,
                   size_t form)
{
	const struct as_write *w = as_write_find(k);
	struct buf b = BUF_INIT, key = BUF_INIT;
	const char *pct;

	if (!w || form >= AS_ADDR_MAX || (form > 0 && (!w->cls || w->forms[form] == AS_ADDR_END)))
		return NULL;
	if (w->cls && key_values) {
		if (w->forms[form] == AS_ADDR_SEGMENTS)
			key_segments(&key, as_class_find(w->cls), key_values);
		else
			key_part(&key, as_class_find(w->cls), key_values);
	}
	buf_addf(&b, "%s/", base);
	pct = strstr(w->path, "%s");
	if (pct) {
		buf_add(&b, w->path, (size_t)(pct - w->path));
		buf_adds(&b, buf_str(&key));
		buf_adds(&b, pct + 2);
	} else {
		buf_adds(&b, w->path);
	}
	buf_free(&key);
	return buf_detach(&b);
}

char *as_metadata_url(const char *base, const char *route)
{
	struct buf b = BUF_INIT;
	buf_addf(&b, "%s/%s/$metadata", base, route);
	return buf_detach(&b);
}

static int hex(int ch)
{
	if (ch >= '0' && ch <= '9') return ch - '0';
	if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
	return -1;
}

/* The code unit of "\uXXXX" at s (s[0] == '\\'), or -1. */
static long escape_unit(const char *s, size_t left)
{
	long v = 0;

	if (left < 6 || s[1] != 'u')
		return -1;
	for (int i = 2; i < 6; i++) {
		int h = hex((unsigned char)s[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

size_t as_repair_json(char *s, size_t len)
{
	size_t fixes = 0;

	for (size_t i = 0; i < len;) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\\' && i + 1 < len) {
			long u = escape_unit(s + i, len - i);
			if (u >= 0xD800 && u <= 0xDBFF) {
				long lo = i + 6 < len && s[i + 6] == '\\' ? escape_unit(s + i + 6, len - i - 6) : -1;
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					i += 12;   /* a proper pair */
					continue;
				}
			}
			/* A lone surrogate, or a NUL: a NUL would cut the string
			 * short in every C consumer (yajl hands it on, SQLite's text
			 * stops there) or fail jansson's parse, so it becomes a
			 * visible U+FFFD and the rest of the string is kept. */
			if ((u >= 0xD800 && u <= 0xDFFF) || u == 0) {
				memcpy(s + i, "\\ufffd", 6);   /* same length: in place */
				fixes++;
			}
			i += u >= 0 ? 6 : 2;
			continue;
		}
		if (ch >= 0x80) {
			unsigned cp;
			size_t n = san_utf8_decode((const unsigned char *)s + i, len - i, &cp);
			if (n == 0) {
				s[i++] = '?';
				fixes++;
			} else {
				i += n;
			}
			continue;
		}
		i++;
	}
	return fixes;
}

int as_parse_page(struct buf *body, json_t **root, json_t **rows, const char **next_link,
                  struct ow_err *err)
{
	json_error_t je;

	*root = NULL;
	*rows = NULL;
	*next_link = NULL;
	if (!body->data || body->len == 0)
		return ow_err_set(err, OW_ESITE, "the answer was empty");
	as_repair_json(body->data, body->len);
	*root = json_loadb(body->data, body->len, 0, &je);
	if (!*root) {
		char *where = san_str(je.text, 120, 0);
		ow_err_set(err, OW_ESITE, "the answer is not valid JSON (%s at byte %d)",
		           where ? where : "?", je.position);
		free(where);
		return OW_ESITE;
	}
	*rows = json_object_get(*root, "value");
	if (!json_is_array(*rows)) {
		json_decref(*root);
		*root = NULL;
		return ow_err_set(err, OW_ESITE, "the answer has no \"value\" array");
	}
	*next_link = json_string_value(json_object_get(*root, "@odata.nextLink"));
	return 0;
}

/* The site's error message, sanitized and bounded, or "". */
char *as_site_message(const struct http_resp *r)
{
	json_t *j = r->body.data ? json_loadb(r->body.data, r->body.len, 0, NULL) : NULL;
	const char *m = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
	char *s = san_str(m ? m : "", 200, 0);

	json_decref(j);
	return s;
}

int as_check_read(const struct http_resp *r, const char *url, bool collection,
                  struct ow_err *err)
{
	char *msg;
	int rc;

	if (r->status == 200)
		return 0;
	if (r->status == 401)
		return ow_err_set(err, OW_ESITE, "%s: authentication failed (HTTP 401); check "
		                  "--auth and --user, the password or token, or the Kerberos "
		                  "ticket (klist)", url);
	msg = as_site_message(r);
	if (r->status == 404 && collection)
		rc = ow_err_set(err, AS_NO_ACCESS, "no RBAC access (HTTP 404%s%s): the account holds "
		                "no Configuration Manager role that can read this class",
		                *msg ? ": " : "", msg ? msg : "");
	else
		rc = ow_err_set(err, OW_ESITE, "%s: HTTP %ld%s%s", url, r->status,
		                msg && *msg ? ": " : "", msg ? msg : "");
	free(msg);
	return rc;
}

json_t *as_get(json_t *row, const char *name)
{
	return json_member_ci(row, name);
}

/* --- $metadata -------------------------------------------------------- */

/* The value of attribute name in the tag [tag, end), entities decoded (a
 * new string), or NULL. */
static char *csdl_attr(const char *tag, const char *end, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = tag; p + n + 2 < end; p++) {
		const char *v, *q;
		struct buf b = BUF_INIT;
		if ((p[-1] != ' ' && p[-1] != '\t' && p[-1] != '\n' && p[-1] != '\r') ||
		    strncmp(p, name, n) != 0 || p[n] != '=' || (p[n + 1] != '"' && p[n + 1] != '\''))
			continue;
		v = p + n + 2;
		q = memchr(v, p[n + 1], (size_t)(end - v));
		if (!q)
			return NULL;
		for (const char *c = v; c < q; c++) {
			static const struct { const char *ent; char ch; } ents[] = {
				{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' },
				{ "&apos;", '\'' },
			};
			bool done = false;
			for (size_t e = 0; *c == '&' && e < sizeof ents / sizeof ents[0]; e++) {
				size_t el = strlen(ents[e].ent);
				if ((size_t)(q - c) >= el && strncmp(c, ents[e].ent, el) == 0) {
					buf_addc(&b, ents[e].ch);
					c += el - 1;
					done = true;
					break;
				}
			}
			if (!done)
				buf_addc(&b, *c);
		}
		return buf_detach(&b);
	}
	return NULL;
}

/* The name a tag at p ('<' already passed) opens, into out; its length. */
static size_t csdl_tag(const char *p, const char *end, char *out, size_t n)
{
	size_t k = 0;

	while (p + k < end && k + 1 < n && (isalnum((unsigned char)p[k]) || p[k] == ':' ||
	                                    p[k] == '/' || p[k] == '_'))
		k++;
	memcpy(out, p, k);
	out[k] = '\0';
	return k;
}

static const char *strip_ns(const char *qualified)
{
	return strncmp(qualified, "AdminService.", 13) == 0 ? qualified + 13 : qualified;
}

json_t *as_caps_parse(const char *xml, size_t len)
{
	json_t *sets, *actions, *defs, *imports, *params = NULL, *caps;
	const char *p = xml, *end = xml + len;
	char *action = NULL;
	bool bound = false, binding_seen = false, csdl = false;

	if (!xml)
		return NULL;
	sets = json_array();
	actions = json_object();   /* exposed name -> parameters */
	defs = json_object();      /* unbound Action name -> parameters */
	imports = json_object();   /* ActionImport name -> Action name */
	while (p < end && (p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		const char *close = memchr(p, '>', (size_t)(end - p));
		bool action_ends = false;
		char tag[64];
		if (!close)
			break;
		csdl_tag(p + 1, close, tag, sizeof tag);
		if (strcmp(tag, "EntitySet") == 0) {
			char *name = csdl_attr(p, close, "Name");
			if (name)
				json_array_append_new(sets, json_string(name));
			free(name);
			csdl = true;
		} else if (strcmp(tag, "Action") == 0) {
			char *b = csdl_attr(p, close, "IsBound");
			free(action);
			action = csdl_attr(p, close, "Name");
			bound = b && strcasecmp(b, "true") == 0;
			binding_seen = false;
			free(b);
			json_decref(params);
			params = json_array();
			csdl = true;
			action_ends = close[-1] == '/';
		} else if (strcmp(tag, "Parameter") == 0 && action) {
			char *name = csdl_attr(p, close, "Name");
			char *type = csdl_attr(p, close, "Type");
			if (bound && !binding_seen) {
				/* The binding parameter names the class, not an input:
				 * the method is Class.Method. */
				char cls[160], *named;
				const char *t = type ? type : "";
				size_t nl;
				if (strncmp(t, "Collection(", 11) == 0)
					t += 11;
				snprintf(cls, sizeof cls, "%s", strip_ns(t));
				cls[strcspn(cls, ")")] = '\0';
				nl = strlen(cls) + strlen(action) + 2;
				if ((named = malloc(nl)) != NULL) {
					snprintf(named, nl, "%s.%s", cls, action);
					free(action);
					action = named;
				}
				binding_seen = true;
			} else if (name) {
				json_array_append_new(params, json_string(name));
			}
			free(name);
			free(type);
		} else if (strcmp(tag, "/Action") == 0) {
			action_ends = action != NULL;
		} else if (strcmp(tag, "ActionImport") == 0) {
			char *name = csdl_attr(p, close, "Name");
			char *target = csdl_attr(p, close, "Action");
			if (name)
				json_object_set_new(imports, name, json_string(strip_ns(target ? target : name)));
			free(name);
			free(target);
			csdl = true;
		}
		if (action_ends && action) {
			json_object_set_new(bound ? actions : defs, action, params);
			params = NULL;
			free(action);
			action = NULL;
		}
		p = close + 1;
	}
	free(action);
	json_decref(params);
	{
		const char *k;
		json_t *v;
		/* A static method is exposed by its import, with the parameters
		 * of the action the import names. */
		json_object_foreach(imports, k, v) {
			json_t *def = json_object_get(defs, json_string_value(v));
			json_object_set_new(actions, k, def ? json_deep_copy(def) : json_array());
		}
	}
	json_decref(defs);
	json_decref(imports);
	if (!csdl) {
		json_decref(sets);
		json_decref(actions);
		return NULL;
	}
	caps = json_object();
	json_object_set_new(caps, "sets", sets);
	json_object_set_new(caps, "actions", actions);
	return caps;
}

bool as_caps_has_class(const json_t *caps, const char *cls)
{
	json_t *sets = json_object_get(caps, "sets"), *v;
	size_t i;

	json_array_foreach(sets, i, v)
		if (strcasecmp(json_string_value(v), cls) == 0)
			return true;
	return false;
}

json_t *as_caps_action(const json_t *caps, const char *name)
{
	json_t *actions = json_object_get(caps, "actions"), *v;
	const char *k;

	json_object_foreach(actions, k, v)
		if (strcasecmp(k, name) == 0)
			return v;
	return NULL;
}

int as_caps_fetch(struct http_client *h, const char *base, json_t **caps, struct ow_err *err)
{
	char *url = as_metadata_url(base, "wmi");
	struct http_resp r;
	int rc = 0;

	*caps = NULL;
	if (http_request(h, "GET", url, NULL, true, &r, err) != 0) {
		ow_err_prefix(err, "reading %s", url);
		rc = err && err->kind ? (int)err->kind : OW_ESITE;
	} else if (r.status != 200) {
		rc = as_check_read(&r, url, false, err);
		if (rc == 0 || rc == AS_NO_ACCESS)
			rc = ow_err_set(err, OW_ESITE, "%s: HTTP %ld", url, r.status);
	} else {
		*caps = as_caps_parse(r.body.data, r.body.len);
	}
	http_resp_free(&r);
	free(url);
	return rc;
}

int as_caps_allows(const json_t *caps, const struct as_write *w, char *why, size_t n)
{
	json_t *declared;
	char members[256], *save = NULL;

	if (!caps)
		return -1;
	if (!w->method) {
		if (!w->cls || as_caps_has_class(caps, w->cls))
			return 1;
		snprintf(why, n, "the site's $metadata has no EntitySet %s", w->cls);
		return 0;
	}
	if (!(declared = as_caps_action(caps, w->method))) {
		snprintf(why, n, "the site's $metadata does not list %s", w->method);
		return 0;
	}
	snprintf(members, sizeof members, "%s", w->params ? w->params : "");
	for (char *m = strtok_r(members, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
		bool found = false;
		size_t i;
		json_t *v;
		json_array_foreach(declared, i, v)
			found |= strcasecmp(json_string_value(v), m) == 0;
		if (!found) {
			struct buf b = BUF_INIT;
			json_array_foreach(declared, i, v)
				buf_addf(&b, "%s%s", i ? ", " : "", json_string_value(v));
			snprintf(why, n, "the site's %s takes (%s), not %s", w->method, buf_str(&b), m);
			buf_free(&b);
			return 0;
		}
	}
	return 1;
}

const char *as_caps_param(const json_t *caps, const char *method, const char *name)
{
	json_t *declared = caps ? as_caps_action(caps, method) : NULL, *v;
	size_t i;

	json_array_foreach(declared, i, v)
		if (strcasecmp(json_string_value(v), name) == 0)
			return json_string_value(v);
	return name;
}

/* --- site control rows ---------------------------------------------------- */

static json_t *sci_entry(json_t *row, const char *list, const char *key, const char *name)
{
	json_t *e;
	size_t i;

	json_array_foreach(as_get(row, list), i, e) {
		const char *n = json_string_value(as_get(e, key));
		if (n && strcasecmp(n, name) == 0)
			return e;
	}
	return NULL;
}

json_t *as_sci_prop(json_t *row, const char *name)
{
	return sci_entry(row, "Props", "PropertyName", name);
}

json_t *as_sci_list(json_t *row, const char *name)
{
	return sci_entry(row, "PropLists", "PropertyListName", name);
}

int64_t as_sci_value(json_t *row, const char *name)
{
	json_t *e = as_sci_prop(row, name);
	return e ? as_conv_json(AS_INT, as_get(e, "Value")) : INV_NULL;
}

const char *as_sci_value1(json_t *row, const char *name)
{
	json_t *e = as_sci_prop(row, name);
	return e ? json_string_value(as_get(e, "Value1")) : NULL;
}

char *as_sci_joined(json_t *row, const char *name, const char *sep)
{
	json_t *e = as_sci_list(row, name);
	return e ? as_conv_list(as_get(e, "Values"), sep) : NULL;
}

void as_sci_set_value(json_t *row, const char *name, int64_t v)
{
	json_t *e = as_sci_prop(row, name), *props = as_get(row, "Props");

	if (e) {
		json_object_set_new(e, "Value", json_integer(v));
		return;
	}
	if (!json_is_array(props))
		json_object_set_new(row, "Props", props = json_array());
	json_array_append_new(props, json_pack("{s:s,s:s,s:I,s:s,s:s}", "@odata.type",
	                      "#AdminService.SMS_EmbeddedProperty", "PropertyName", name, "Value",
	                      (json_int_t)v, "Value1", "", "Value2", ""));
}

void as_sci_set_list(json_t *row, const char *name, const char *csv)
{
	json_t *e = as_sci_list(row, name), *vals = json_array();
	json_t *lists = as_get(row, "PropLists");
	char *copy = strdup(csv), *save = NULL;

	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(vals, json_string(t));
	free(copy);
	if (e) {
		json_object_set_new(e, "Values", vals);
		return;
	}
	if (!json_is_array(lists))
		json_object_set_new(row, "PropLists", lists = json_array());
	json_array_append_new(lists, json_pack("{s:s,s:s,s:o}", "@odata.type",
	                      "#AdminService.SMS_EmbeddedPropertyList", "PropertyListName", name,
	                      "Values", vals));
}

/* --- filters, bodies, the reader --------------------------------------- */

void as_filter_eq(struct buf *f, const char *cls, const char *prop, const char *value)
{
	const struct as_prop *p = as_class_prop(as_class_find(cls), prop);
	bool numeric = p && (p->conv == AS_INT || p->conv == AS_BOOL) &&
	               as_conv_text(AS_INT, value, strlen(value), AS_W_STRING) != INV_NULL;

	buf_addf(f, "%s%s eq ", f->len ? " and " : "", prop);
	if (numeric)
		buf_addf(f, "%lld", (long long)as_conv_text(AS_INT, value, strlen(value), AS_W_STRING));
	else
		as_add_literal(f, value);
}

void as_filter_fn(struct buf *f, const char *fn, const char *prop, const char *value)
{
	buf_addf(f, "%s%s(%s,", f->len ? " and " : "", fn, prop);
	as_add_literal(f, value);
	buf_addc(f, ')');
}

char *as_method_body(const json_t *caps, enum as_write_kind k, const char *const *values)
{
	const struct as_write *w = as_write_find(k);
	json_t *body;
	char names[256], *save = NULL, *text;
	size_t i = 0;

	if (!w || !w->method || !w->params || !w->types)
		return NULL;
	body = json_object();
	snprintf(names, sizeof names, "%s", w->params);
	for (char *n = strtok_r(names, ",", &save); n && w->types[i]; n = strtok_r(NULL, ",", &save), i++) {
		const char *v = values[i] ? values[i] : "";
		const char *name = as_caps_param(caps, w->method, n);
		json_t *j;
		int64_t x;
		if (w->types[i] == 's') {
			j = json_string(v);
		} else {
			x = as_conv_text(w->types[i] == 'b' ? AS_BOOL : AS_INT, v, strlen(v), AS_W_STRING);
			if (x == INV_NULL) {
				json_decref(body);
				return NULL;
			}
			j = w->types[i] == 'b' ? json_boolean(x) : json_integer((json_int_t)x);
		}
		json_object_set_new(body, name, j);
	}
	text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(body);
	return text;
}

int as_read(struct http_client *h, const char *url, bool instance, json_t **root, json_t **rows,
            const char **next, struct ow_err *err)
{
	struct http_resp r = { 0 };
	int rc;

	*root = *rows = NULL;
	*next = NULL;
	rc = http_request(h, "GET", url, NULL, true, &r, err);
	if (rc == 0 && instance && r.status == 404) {
		http_resp_free(&r);
		return 0;
	}
	if (rc == 0)
		rc = as_check_read(&r, url, !instance, err);
	if (rc == 0)
		rc = as_parse_page(&r.body, root, rows, next, err);
	http_resp_free(&r);
	return rc;
}

int as_read_each(struct http_client *h, const char *base, const char *url,
                 int (*fn)(void *ctx, json_t *row), void *ctx, struct ow_err *err)
{
	char *at = strdup(url);
	int rc = at ? 0 : ow_err_set(err, OW_EINPUT, "out of memory");

	/* at most 10,000 pages: a site whose links never end is not read forever */
	for (int pages = 0; at && rc == 0; pages++) {
		json_t *root = NULL, *rows = NULL, *row;
		const char *next = NULL;
		size_t i;
		rc = as_read(h, at, false, &root, &rows, &next, err);
		json_array_foreach(rows, i, row)
			if (rc == 0)
				rc = fn(ctx, row);
		free(at);
		at = NULL;
		if (rc == 0 && next && pages + 1 < 10000 && !(at = http_follow_url(base, next, err)))
			rc = err && err->kind ? (int)err->kind : OW_ESITE;
		json_decref(root);
	}
	free(at);
	return rc;
}
