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
	/* The PXE responder without WDS arrived in 1806, before the
	 * AdminService (1810): every site that answers here has it (on the
	 * current SDK page; absent from the 2020 copy in the fixtures). */
	P(inv_dp, sccm_pxe, "SccmPXE", AS_BOOL, 0),
};
/* SMS_Certificate has no SiteCode (SDK): a PXE certificate's site is its
 * DP's, filled by the sync from the DPs it read. Thumbprint is lazy, and
 * a certificate's own: read once per certificate, not at every sync. */
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
	P(inv_cert, thumbprint, "Thumbprint", AS_TEXT, AS_LAZY | AS_STABLE),
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
/* EULA is lazy and of no use here. */
static const struct as_prop update_p[] = {
	P(inv_update_pkg, package_guid, "PackageGuid", AS_TEXT, AS_KEY | AS_NEED),
	P(inv_update_pkg, name, "Name", AS_TEXT, 0),
	P(inv_update_pkg, description, "Description", AS_TEXT, 0),
	P(inv_update_pkg, full_version, "FullVersion", AS_TEXT, 0),
	P(inv_update_pkg, state, "State", AS_INT, 0),
	P(inv_update_pkg, update_type, "UpdateType", AS_INT, 0),
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
	{ .name = "SMS_CM_UpdatePackages", .props = PROPS(update_p), .key_form = AS_KEY_QUOTED,
	  .record = INV_REC_update_pkg, .raw_off = -1, .optional = true,
	  .why = "installed updates and hotfixes (the NAA hardening hotfix)" },
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

/* The SDK lists SMS_CM_UpdatePackages.State without its values; the
 * installed state is what the community's servicing scripts test for. */
static const struct as_value values[] = {
	{ "SMS_CM_UpdatePackages", "State", "installed", 196612, false,
	  "community servicing scripts; the SDK page lists no State values" },
};

const struct as_value *as_value_find(const char *cls, const char *property, const char *meaning)
{
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
		if (strcmp(values[i].cls, cls) == 0 && strcmp(values[i].property, property) == 0 &&
		    strcmp(values[i].meaning, meaning) == 0)
			return &values[i];
	return NULL;
}

/* SDK SMS_ARoleOperation / SMS_Operation (reference §6). The type
 * spellings are the SMS classes the object types stand for. */
static const struct as_right rights[] = {
	{ "Recover User State", "SMS_StateMigration", 0x00800000ul,
	  "SDK: bit 23 of the StateMigration type (the console's View Recovery Information)" },
	{ "Manage OSD Certificate", "SMS_Site", 0x00400000ul, "SDK: bit 22 of the Site type" },
	{ "Create Task Sequence Media", "SMS_TaskSequencePackage", 0x00100000ul,
	  "SDK: bit 20 of the SequencePackage type" },
};

const struct as_right *as_right_find(const char *name)
{
	for (size_t i = 0; i < sizeof rights / sizeof rights[0]; i++)
		if (strcmp(rights[i].name, name) == 0)
			return &rights[i];
	return NULL;
}

bool as_right_type_is(const struct as_right *r, const char *name)
{
	size_t n = name ? strlen(name) : 0;

	for (const char *p = r->types; n && *p; p += strcspn(p, ","), p += *p == ',')
		if (strcspn(p, ",") == n && strncasecmp(p, name, n) == 0)
			return true;
	return false;
}

/* Builds of the current-branch versions (SMS_Site.BuildNumber). 2509 is
 * the first that refuses NTLM on the AdminService; 2603 includes the NAA
 * hardening hotfix. */
static const struct as_version versions[] = {
	{ "2303", 9106, true, "the real 2303 captures in the fixtures (5.00.9106.1000)" },
	{ "2409", 9132, false, "public field material (version tables)" },
	{ "2503", 9135, false, "public field material (version tables)" },
	{ "2509", 9141, true, "Microsoft, What's new in 2509; ConfigManBearPig" },
	{ "2603", 9146, false, "public field material (version tables: 5.00.9146.1000)" },
};

long as_build_of(const char *version)
{
	for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++)
		if (strcmp(versions[i].version, version) == 0)
			return versions[i].build;
	return 0;
}

const struct as_version *as_version_of(long build)
{
	const struct as_version *best = NULL;

	for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++)
		if (versions[i].build <= build && (!best || versions[i].build > best->build))
			best = &versions[i];
	return best;
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
			if (p->flags & AS_KEY) {
				add_name(derived[i].keys, sizeof derived[i].keys, p->name);
				c->nkeys++;
			}
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
