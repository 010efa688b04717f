/* Typed records of the inventory, one struct per component, with insert-or-
 * update ("put"), lookup by natural key ("get") and free. The column
 * mapping lives in one table per record in records.c.
 *
 * Conventions: integers, booleans and times are int64_t where INV_NULL
 * means "not known / unset" (stored as SQL NULL); booleans are 0/1; times
 * are Unix seconds. Strings are owned by the record: the get functions
 * fill them with new strings that inv_free_<kind> releases; put never takes
 * ownership. No record has a field for a secret. */
#ifndef OW_DB_RECORDS_H
#define OW_DB_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define INV_NULL INT64_MIN
#define INV_NOTFOUND (-1)

/* History columns every site component carries; filled by get, ignored
 * by put (put stamps last_seen with its `now` argument). */
struct inv_seen {
	int64_t first_seen, last_seen, gone_at;
};

struct inv_provider {
	int64_t id;
	char *url;                    /* key */
	char *auth_mode, *user_name, *ca_file;
	int64_t insecure, last_sync_at;
	char *last_sync_result, *last_sync_error;
	char *profile;                /* the configuration profile it was reached by, or NULL */
};

struct inv_site {
	int64_t id;
	char *site_code;              /* key */
	char *site_name, *server_name, *version;
	int64_t build_number, type;
	char *parent_site_code;
	int64_t provider_id;
	char *raw_json;
	struct inv_seen seen;
};

struct inv_dp {
	int64_t id;
	char *site_code, *nal_path;   /* key */
	char *server_name;
	int64_t is_pxe, is_active, pxe_password_set, support_unknown, bind_policy;
	char *bind_except;            /* MAC addresses, comma separated */
	int64_t response_delay, uda_setting, is_multicast, internet_facing, is_pull_dp;
	int64_t sccm_pxe;             /* the PXE responder runs without WDS (SccmPXE) */
	char *identity_guid;
	char *raw_json;
	struct inv_seen seen;
};

struct inv_smp {
	int64_t id;
	char *site_code, *nal_path;   /* key */
	char *server_name;
	int64_t restore_only, deletion_delay_min, deletion_cycle_min;
	char *remote_name;
	int64_t ssl_state;
	char *raw_json;
	struct inv_seen seen;
};

struct inv_smp_folder {
	int64_t id;
	int64_t smp_id;               /* key */
	char *directory;              /* key */
	int64_t max_clients, min_disk_space, min_disk_unit;
};

struct inv_cert {
	int64_t id;
	char *smsid;                  /* key */
	char *site_code;
	int64_t type, key_type, is_blocked, is_approved;
	char *issued_to, *server_name;
	int64_t valid_from, valid_until;
	char *thumbprint;
	char *raw_json;
	struct inv_seen seen;
};

struct inv_assoc {
	int64_t id;
	int64_t source_id, restore_id; /* key */
	char *migration_id, *site_code, *source_name, *restore_name, *store_path;
	int64_t migration_type, migration_behavior, migration_status;
	int64_t store_created, store_released, store_deleted;
	char *user_names;
	char *raw_json;
	struct inv_seen seen;
};

struct inv_boot_image {
	int64_t id;
	char *package_id;             /* key */
	char *site_code, *name;
	int64_t architecture, pkg_flags, enable_lab_shell, source_date, last_refresh;
	char *raw_json;
	struct inv_seen seen;
};

struct inv_package {
	int64_t id;
	char *package_id;             /* key */
	char *site_code, *name;
	int64_t package_type, pkg_flags;
	char *version;
	int64_t source_date;
	char *raw_json;
	struct inv_seen seen;
};

struct inv_ts {
	int64_t id;
	char *package_id;             /* key */
	char *site_code, *name, *boot_image_id;
	int64_t dynamic_install;      /* installs applications named by variables */
	char *image_ids;              /* OS image packages it applies, comma separated */
	char *raw_json;
	struct inv_seen seen;
};

struct inv_ts_run_as {
	int64_t id;
	int64_t ts_id;                /* key */
	char *step_name;              /* key */
	char *user_name;
};

struct inv_deployment {
	int64_t id;
	char *advertisement_id;       /* key */
	char *site_code, *package_id, *collection_id;
	int64_t offer_type, advert_flags;
	char *raw_json;
	struct inv_seen seen;
};

struct inv_collection_var {
	int64_t id;
	char *collection_id, *name;   /* key */
	int64_t masked, secret_suspect;
	struct inv_seen seen;
};

struct inv_admin {
	int64_t id;
	int64_t admin_id;             /* key */
	char *logon_name;
	int64_t account_type;
	char *role_ids, *role_names, *collection_names;
	char *categories;             /* security scopes, comma separated */
	char *raw_json;
	struct inv_seen seen;
};

struct inv_collection {
	int64_t id;
	char *collection_id;          /* key */
	char *name;
	int64_t member_count;
	char *raw_json;
	struct inv_seen seen;
};

/* How the last sync of a provider read one class. */
struct inv_sync_class {
	int64_t id;
	int64_t provider_id;          /* key */
	char *class_name;             /* key */
	char *status;                 /* ok, no_access, error */
	int64_t rows;
	char *message;
	int64_t synced_at;
};

/* Operator decisions (not from the site). object_key "" = all objects. */
struct inv_waiver {
	int64_t id;
	char *check_id, *object_key;  /* key */
	char *reason, *operator_name;
	int64_t created, expires;
};

struct inv_attestation {
	int64_t id;
	char *check_id, *object_key;  /* key */
	char *note, *operator_name;
	int64_t created, expires;
};

struct inv_segment {
	int64_t id;
	char *object_type, *object_key;   /* key: ("dp", server) or ("certificate", SMSID) */
	char *trust;                      /* trusted, untrusted, perimeter, or NULL */
	int64_t sanctioned, compromised;
	char *note, *operator_name;
	int64_t updated;
};

struct inv_role {
	int64_t id;
	char *role_id;                /* key */
	char *role_name;
	int64_t number_of_admins, is_builtin;
	char *operations;
	char *raw_json;
	struct inv_seen seen;
};

/* An RBAC object type (SMS_RbacSecuredObject): the numbers a role's
 * operations name their object type by, resolved by name at run time. */
struct inv_secured_type {
	int64_t id;
	int64_t object_type_id;       /* key */
	char *object_type_name;
	struct inv_seen seen;
};

/* An update or hotfix the site knows of (SMS_CM_UpdatePackages, Updates
 * and Servicing): which fixes are installed, for the checks that need a
 * hotfix a build number does not show. Hierarchy-wide: no site code. */
struct inv_update_pkg {
	int64_t id;
	char *package_guid;           /* key */
	char *name, *description, *full_version;
	int64_t state, update_type;
	struct inv_seen seen;
};

struct inv_site_setting {
	int64_t id;
	char *site_code, *item, *name; /* key */
	char *value;
	struct inv_seen seen;
};

/* put: inserts the record or updates the row with the same natural key,
 * marks it seen at `now` (first_seen kept, gone_at cleared), and stores the
 * row id in r->id. get: looks up by the key fields already set in r and
 * overwrites every field, keys included, with the stored values (new
 * strings; the caller keeps ownership of the key strings it passed in);
 * returns 0, INV_NOTFOUND, or an error kind. */
/* load: every current row (and gone ones with how INV_LOAD_GONE, which
 * `true` is) into a new array the caller frees with inv_unload_<kind>; with
 * INV_LOAD_LEAN, without the row's raw JSON (raw_json NULL: a checklist
 * run over thousands of DPs never reads it). For the small tables.
 * each: calls fn for every current row (gone rows too with include_gone),
 * the record valid only during the call; fn returns non-zero to stop.
 * Returns 0, fn's non-zero result, or -1 with err set. */
#define INV_LOAD_GONE 1u
#define INV_LOAD_LEAN 2u
#define INV_RECORD_API(kind, type)                                              \
	int inv_put_##kind(struct inv *db, struct type *r, int64_t now,         \
	                   struct ow_err *err);                                 \
	int inv_get_##kind(struct inv *db, struct type *r, struct ow_err *err); \
	void inv_free_##kind(struct type *r);                                   \
	int inv_each_##kind(struct inv *db, bool include_gone,                  \
	                    int (*fn)(void *ctx, const struct type *r), void *ctx, \
	                    struct ow_err *err);                                 \
	int inv_load_##kind(struct inv *db, unsigned how, struct type **out,    \
	                    size_t *n, struct ow_err *err);                      \
	void inv_unload_##kind(struct type *arr, size_t n);

/* Every record kind, once: X(kind, struct, table, nkey, history, writer),
 * where the first nkey fields of the kind's column table are its natural
 * key. history HIST: the table keeps first_seen/last_seen/gone_at (a
 * component of the site; the struct has `seen`), FLAT: it does not.
 * writer SYNC: a sync writes it, so it passes through the stage
 * (db/stage.c); LOCAL: the operator's. Sync tables come parents first, the order the stage
 * puts rows back in. A new kind is a struct above, a line here, its
 * column table in records.c and its table in db/schema.c. */
#define INV_R_HISTORY 1u
#define INV_R_SYNC 2u
#define INV_R_HIST INV_R_HISTORY
#define INV_R_FLAT 0u
#define INV_R_LOCAL 0u
#define INV_R_FLAGS(history, writer) (INV_R_##history | INV_R_##writer)
#define INV_RECORDS(X)                                                              \
	X(provider, inv_provider, "providers", 1, FLAT, SYNC)                       \
	X(site, inv_site, "sites", 1, HIST, SYNC)                                   \
	X(dp, inv_dp, "dps", 2, HIST, SYNC)                                         \
	X(smp, inv_smp, "smps", 2, HIST, SYNC)                                      \
	X(smp_folder, inv_smp_folder, "smp_folders", 2, FLAT, SYNC)                 \
	X(cert, inv_cert, "certificates", 1, HIST, SYNC)                            \
	X(assoc, inv_assoc, "associations", 2, HIST, SYNC)                          \
	X(boot_image, inv_boot_image, "boot_images", 1, HIST, SYNC)                 \
	X(package, inv_package, "packages", 1, HIST, SYNC)                          \
	X(ts, inv_ts, "task_sequences", 1, HIST, SYNC)                              \
	X(ts_run_as, inv_ts_run_as, "ts_run_as", 2, FLAT, SYNC)                     \
	X(deployment, inv_deployment, "deployments", 1, HIST, SYNC)                 \
	X(collection_var, inv_collection_var, "collection_vars", 2,                 \
	  HIST, SYNC)                                                               \
	X(admin, inv_admin, "admins", 1, HIST, SYNC)                                \
	X(role, inv_role, "roles", 1, HIST, SYNC)                                   \
	X(site_setting, inv_site_setting, "site_settings", 3,                       \
	  HIST, SYNC)                                                               \
	X(collection, inv_collection, "collections", 1, HIST, SYNC)                 \
	X(secured_type, inv_secured_type, "secured_types", 1, HIST, SYNC)           \
	X(update_pkg, inv_update_pkg, "update_packages", 1, HIST, SYNC)             \
	X(sync_class, inv_sync_class, "sync_classes", 2, FLAT, SYNC)                \
	X(waiver, inv_waiver, "waivers", 2, FLAT, LOCAL)                            \
	X(attestation, inv_attestation, "attestations", 2, FLAT, LOCAL)             \
	X(segment, inv_segment, "segments", 2, FLAT, LOCAL)

#define INV_KIND_ENUM(kind, type, table, nkey, history, writer) INV_REC_##kind,
/* INV_REC_NONE: no record (a field left unset means none). */
enum inv_record { INV_REC_NONE, INV_RECORDS(INV_KIND_ENUM) INV_REC_COUNT };
#undef INV_KIND_ENUM

#define INV_RECORD_DECL(kind, type, table, nkey, history, writer) INV_RECORD_API(kind, type)
INV_RECORDS(INV_RECORD_DECL)
#undef INV_RECORD_DECL

/* Any kind, by its number (a sync maps classes onto kinds through the
 * contract table). table: its SQL table; flags: INV_R_*. init: every
 * text field NULL, every number INV_NULL ("not known"). put: as
 * inv_put_<kind>. */
const char *inv_kind_table(enum inv_record k);
unsigned inv_kind_flags(enum inv_record k);
size_t inv_kind_size(enum inv_record k);
void inv_record_init(enum inv_record k, void *rec);
int inv_put_record(struct inv *db, enum inv_record k, void *rec, int64_t now, struct ow_err *err);
/* Whether the stored row with rec's key has a value in the field at
 * offset off: 1, 0 (no value, or no such row), or -1 with err set. */
int inv_known(struct inv *db, enum inv_record k, const void *rec, long off, struct ow_err *err);

/* A policy threshold from the settings table, or def when absent or not
 * a number. */
long inv_setting_long(struct inv *db, const char *key, long def);

/* Every setting; strings valid only during fn. */
int inv_each_setting(struct inv *db, int (*fn)(void *ctx, const char *key, const char *value,
                                               const char *description),
                     void *ctx, struct ow_err *err);
/* Changes an existing setting (unknown keys are refused: INV_NOTFOUND). */
int inv_setting_set(struct inv *db, const char *key, const char *value, struct ow_err *err);

/* The capabilities (a JSON summary of $metadata) last read from the
 * provider at base, and when: 0 with *json a new string, INV_NOTFOUND, or
 * an error kind. Put replaces what was there. */
int inv_get_capabilities(struct inv *db, const char *base, int64_t *read_at, char **json,
                         struct ow_err *err);
int inv_put_capabilities(struct inv *db, const char *base, int64_t read_at, const char *json,
                         struct ow_err *err);

/* Removes the child rows of one parent before a sync writes them anew:
 * the folders of an SMP, the run-as steps of a task sequence. */
int inv_clear_smp_folders(struct inv *db, int64_t smp_id, struct ow_err *err);
int inv_clear_ts_run_as(struct inv *db, int64_t ts_id, struct ow_err *err);

/* The time a new sync stamps on what it sees: now, or one second after
 * the latest sync if that is not earlier, so that "not seen by this sync"
 * (last_seen < stamp) stays true even for two syncs in one second. */
int64_t inv_sync_stamp(struct inv *db, int64_t now, struct ow_err *err);

/* Marks rows of a component table not seen since `since` as gone at `now`
 * (the end of a complete sync). table is one of the component tables.
 * Returns the number of rows newly marked, or -1 with err set. */
int64_t inv_mark_gone(struct inv *db, const char *table, int64_t since, int64_t now,
                      struct ow_err *err);

/* Marks one row (by id) of a component table gone at `now`, after an
 * action removed it from the site. Returns rows changed (0 or 1) or -1. */
int64_t inv_mark_one_gone(struct inv *db, const char *table, int64_t id, int64_t now,
                          struct ow_err *err);

/* The non-secret JSON a component row was built from (new string), or
 * NULL when none was kept (certificates and associations keep none). */
char *inv_raw_json(struct inv *db, const char *table, int64_t id, struct ow_err *err);

/* The current associations whose store is released (released) or still
 * held with a creation date (!released), with only what the checklist
 * judges them by: the row id, the key, both names, the store path and
 * dates (the other fields NULL / INV_NULL), in the order of their row ids.
 * The record is valid only during fn,
 * which returns non-zero to stop. 0, fn's non-zero, or -1 with err set. */
int inv_each_assoc_store(struct inv *db, bool released,
                         int (*fn)(void *ctx, const struct inv_assoc *a), void *ctx,
                         struct ow_err *err);

/* A bulk load (a sync) holds the association name index's triggers and
 * rebuilds it once when released; both inside the caller's transaction. */
int inv_assoc_index_hold(struct inv *db, bool hold, struct ow_err *err);

/* Rows in a table whose gone_at is NULL; -1 with err set on error. */
int64_t inv_count(struct inv *db, const char *table, struct ow_err *err);

#endif
