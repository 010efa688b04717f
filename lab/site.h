/* The generated site of osdwarden-lab: every object the emulator serves,
 * built deterministically from a seed and a scale. Independent of the
 * client: it shares util/ only. */
#ifndef OW_LAB_SITE_H
#define OW_LAB_SITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* PkgFlags bits. Allow-multicast is from one community source (the
 * lab's assumption, as osdwarden's contract table marks it unverified).
 * No bit for "encrypt multicast" is documented, so the lab serves none:
 * whether a package encrypts is not visible from the site. Binary delta
 * replication is documented (AP_USE_BINARY_DELTA_REP), and set on one
 * multicast package, the bit osdwarden once misread as "encrypted". */
#define LAB_PKG_MULTICAST_ALLOW   0x08000000u
#define LAB_PKG_BINARY_DELTA      0x04000000u
/* AdvertFlags: available to boot media and PXE. */
#define LAB_ADV_MEDIA_PXE 0x00040000u

/* A token the serializer turns into a lone UTF-16 surrogate escape
 * (\udc80), which is how a .NET service sends a string that is not valid
 * Unicode: valid JSON syntax, invalid text. */
#define LAB_LONE_SURROGATE "\x01LONE_SURROGATE\x01"
#define LAB_LONE_SURROGATE_JSON "\\u0001LONE_SURROGATE\\u0001"

struct lab_arena;

struct lab_siteinfo {
	const char *code, *name, *server, *provider, *parent, *version;
	int type;           /* 4 CAS, 2 primary */
	int build;
	unsigned iis_ssl;   /* IISSSLState: 0x400 = Enhanced HTTP, 63 = HTTPS only */
};

struct lab_dp {
	const char *site, *server, *description;
	bool pxe, active, password, unknown, multicast, internet, pull;
	int bind_policy;          /* 0 all interfaces, 1 only BindExcept MACs */
	const char *bind_except;  /* MACs separated by ',' */
	int response_delay, uda;
	const char *guid, *pxe_blob;   /* pxe_blob: canary when password is set */
	bool removed;
	bool sccm_pxe;            /* the PXE responder runs without WDS (SccmPXE) */
};

struct lab_smp {
	const char *site, *server, *remote_name;
	int quiesce;              /* 1 = restore-only */
	int delay_min, cycle_min;
	const char *dirs[3];      /* Directory=...;MaxClients=...; values */
	int ndirs;
	bool removed;
};

struct lab_cert {
	const char *smsid, *issued_to, *server, *thumbprint;
	int type, key_type;       /* 1 media, 2 PXE, 3 ISV; 1 self-signed, 2 PKI */
	bool blocked, approved;
	int64_t valid_from, valid_until;   /* ms */
};

struct lab_assoc {
	uint32_t source_id, restore_id;
	const char *migration_id, *site, *source_name, *restore_name, *store_path, *user;
	int type, behavior, status;
	int64_t created, released, deleted;   /* ms; 0 = unset */
	bool removed;
};

struct lab_boot {
	const char *package_id, *name, *site;
	const char *arch;
	unsigned flags;
	bool lab_shell;
	int64_t source_date, refresh;
};

struct lab_pkg {
	const char *package_id, *name, *site, *version;
	int type;                 /* 0 package, 257 OS image, ... */
	unsigned flags;
	int64_t source_date;
};

struct lab_ts {
	const char *package_id, *name, *site, *boot_image;
	const char *run_as_user, *run_as_password;   /* password: canary, only in Sequence */
};

struct lab_adv {
	const char *id, *package_id, *collection_id, *name;
	int offer_type;           /* 0 required, 2 available */
	unsigned flags;
};

struct lab_var {
	const char *name, *value;
	bool masked;
};

struct lab_coll {
	const char *id, *name;
	int members;
	struct lab_var vars[4];
	int nvars;
};

struct lab_admin {
	uint32_t id;
	const char *logon, *sid;
	int account_type;          /* 0 user, 1 group */
	const char *roles[3], *role_ids[3];
	int nroles;
	const char *collections[2];
	int ncollections;
	const char *categories;    /* security scope, e.g. "All" */
};

struct lab_role {
	const char *id, *name, *description;
	bool builtin;
	int admins;
	/* ';'-separated "<ObjectTypeName>:<GrantedOperations>" (hex), served
	 * in the lazy Operations with the lab's own ObjectTypeID numbers. */
	const char *operations;
};

/* An update or hotfix of Updates and Servicing (SMS_CM_UpdatePackages). */
struct lab_update {
	const char *guid, *name, *description, *full_version;
	int state, type;          /* 196612 installed, 262146 available (community values) */
};

struct lab_account {
	const char *site, *user, *usage, *reserved2;   /* reserved2: canary */
};

struct lab_canaries {
	const char *pxe_blob, *reserved2, *variable, *ts_password, *masked_value;
};

struct lab_site {
	uint64_t seed;
	int scale;
	int64_t now_ms;
	struct lab_arena *arena;
	struct lab_siteinfo sites[3];
	size_t nsites;
	struct lab_dp *dps;       size_t ndps;
	struct lab_smp *smps;     size_t nsmps;
	struct lab_cert *certs;   size_t ncerts;
	struct lab_assoc *assocs; size_t nassocs;
	struct lab_boot *boots;   size_t nboots;
	struct lab_pkg *pkgs;     size_t npkgs;
	struct lab_ts *tss;       size_t ntss;
	struct lab_adv *advs;     size_t nadvs;
	struct lab_coll *colls;   size_t ncolls;
	struct lab_admin *admins; size_t nadmins;
	struct lab_role *roles;   size_t nroles;
	struct lab_account *accounts; size_t naccounts;
	struct lab_update *updates; size_t nupdates;
	struct lab_canaries canary;
};

/* Builds the site; now_ms anchors every relative date. 0 or -1 (OOM). */
int lab_site_generate(struct lab_site *s, uint64_t seed, int scale, int64_t now_ms);
void lab_site_free(struct lab_site *s);

/* A copy of str kept for the life of the site (for writes that change
 * strings); NULL when out of memory. */
const char *lab_site_strdup(struct lab_site *s, const char *str);

/* True when name (a class, or Class.Method) is in the ',' separated list
 * (any case): what --metadata-without hides. */
bool lab_site_hidden(const char *list, const char *name);

/* The deterministic generator the site and the fault injector share. */
uint64_t lab_rng_next(uint64_t *state);

#endif
