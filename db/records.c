/* The inventory's record kinds: one column table per kind (struct field
 * to column, the natural key first, keep for a value read once), the
 * table of each kind from INV_RECORDS, and each kind's API (put, get,
 * each, load) generated from that list; the rows themselves are read and
 * written by records_rows.c. */
#include "db/records.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "db/internal.h"
#include "db/records_int.h"

#define T(S, c) { #c, FT_TEXT, offsetof(struct S, c), false }
#define I(S, c) { #c, FT_INT, offsetof(struct S, c), false }
/* A value read once and then kept (a lazy property that never changes for
 * its object): a put that does not know it leaves it as stored. */
#define TK(S, c) { #c, FT_TEXT, offsetof(struct S, c), true }
#define N(a) (sizeof a / sizeof a[0])
#define SEEN(S) ((long)offsetof(struct S, seen))

static const struct field provider_f[] = {
	T(inv_provider, url), T(inv_provider, auth_mode), T(inv_provider, user_name),
	T(inv_provider, ca_file), I(inv_provider, insecure), I(inv_provider, last_sync_at),
	T(inv_provider, last_sync_result), T(inv_provider, last_sync_error),
	T(inv_provider, profile),
};
static const struct field site_f[] = {
	T(inv_site, site_code), T(inv_site, site_name), T(inv_site, server_name),
	T(inv_site, version), I(inv_site, build_number), I(inv_site, type),
	T(inv_site, parent_site_code), I(inv_site, provider_id), T(inv_site, raw_json),
};
static const struct field dp_f[] = {
	T(inv_dp, site_code), T(inv_dp, nal_path), T(inv_dp, server_name),
	I(inv_dp, is_pxe), I(inv_dp, is_active), I(inv_dp, pxe_password_set),
	I(inv_dp, support_unknown), I(inv_dp, bind_policy), T(inv_dp, bind_except),
	I(inv_dp, response_delay), I(inv_dp, uda_setting), I(inv_dp, is_multicast),
	I(inv_dp, internet_facing), I(inv_dp, is_pull_dp), I(inv_dp, sccm_pxe),
	T(inv_dp, identity_guid), T(inv_dp, raw_json),
};
static const struct field smp_f[] = {
	T(inv_smp, site_code), T(inv_smp, nal_path), T(inv_smp, server_name),
	I(inv_smp, restore_only), I(inv_smp, deletion_delay_min),
	I(inv_smp, deletion_cycle_min), T(inv_smp, remote_name), I(inv_smp, ssl_state),
	T(inv_smp, raw_json),
};
static const struct field smp_folder_f[] = {
	I(inv_smp_folder, smp_id), T(inv_smp_folder, directory),
	I(inv_smp_folder, max_clients), I(inv_smp_folder, min_disk_space),
	I(inv_smp_folder, min_disk_unit),
};
static const struct field cert_f[] = {
	T(inv_cert, smsid), T(inv_cert, site_code), I(inv_cert, type), I(inv_cert, key_type),
	I(inv_cert, is_blocked), I(inv_cert, is_approved), T(inv_cert, issued_to),
	T(inv_cert, server_name), I(inv_cert, valid_from), I(inv_cert, valid_until),
	TK(inv_cert, thumbprint), T(inv_cert, raw_json),
};
static const struct field assoc_f[] = {
	I(inv_assoc, source_id), I(inv_assoc, restore_id), T(inv_assoc, migration_id),
	T(inv_assoc, site_code), T(inv_assoc, source_name), T(inv_assoc, restore_name),
	T(inv_assoc, store_path), I(inv_assoc, migration_type),
	I(inv_assoc, migration_behavior), I(inv_assoc, migration_status),
	I(inv_assoc, store_created), I(inv_assoc, store_released),
	I(inv_assoc, store_deleted), T(inv_assoc, user_names), T(inv_assoc, raw_json),
};
static const struct field boot_image_f[] = {
	T(inv_boot_image, package_id), T(inv_boot_image, site_code), T(inv_boot_image, name),
	I(inv_boot_image, architecture), I(inv_boot_image, pkg_flags),
	I(inv_boot_image, enable_lab_shell), I(inv_boot_image, source_date),
	I(inv_boot_image, last_refresh), T(inv_boot_image, raw_json),
};
static const struct field package_f[] = {
	T(inv_package, package_id), T(inv_package, site_code), T(inv_package, name),
	I(inv_package, package_type), I(inv_package, pkg_flags), T(inv_package, version),
	I(inv_package, source_date), T(inv_package, raw_json),
};
static const struct field ts_f[] = {
	T(inv_ts, package_id), T(inv_ts, site_code), T(inv_ts, name),
	T(inv_ts, boot_image_id), I(inv_ts, dynamic_install), T(inv_ts, image_ids),
	T(inv_ts, raw_json),
};
static const struct field ts_run_as_f[] = {
	I(inv_ts_run_as, ts_id), T(inv_ts_run_as, step_name), T(inv_ts_run_as, user_name),
};
static const struct field deployment_f[] = {
	T(inv_deployment, advertisement_id), T(inv_deployment, site_code),
	T(inv_deployment, package_id), T(inv_deployment, collection_id),
	I(inv_deployment, offer_type), I(inv_deployment, advert_flags),
	T(inv_deployment, raw_json),
};
static const struct field collection_var_f[] = {
	T(inv_collection_var, collection_id), T(inv_collection_var, name),
	I(inv_collection_var, masked), I(inv_collection_var, secret_suspect),
};
static const struct field admin_f[] = {
	I(inv_admin, admin_id), T(inv_admin, logon_name), I(inv_admin, account_type),
	T(inv_admin, role_ids), T(inv_admin, role_names), T(inv_admin, collection_names),
	T(inv_admin, categories), T(inv_admin, raw_json),
};
static const struct field collection_f[] = {
	T(inv_collection, collection_id), T(inv_collection, name),
	I(inv_collection, member_count), T(inv_collection, raw_json),
};
static const struct field waiver_f[] = {
	T(inv_waiver, check_id), T(inv_waiver, object_key), T(inv_waiver, reason),
	{ "operator", FT_TEXT, offsetof(struct inv_waiver, operator_name), false },
	I(inv_waiver, created), I(inv_waiver, expires),
};
static const struct field attestation_f[] = {
	T(inv_attestation, check_id), T(inv_attestation, object_key), T(inv_attestation, note),
	{ "operator", FT_TEXT, offsetof(struct inv_attestation, operator_name), false },
	I(inv_attestation, created), I(inv_attestation, expires),
};
static const struct field segment_f[] = {
	T(inv_segment, object_type), T(inv_segment, object_key), T(inv_segment, trust),
	I(inv_segment, sanctioned), I(inv_segment, compromised), T(inv_segment, note),
	{ "operator", FT_TEXT, offsetof(struct inv_segment, operator_name), false },
	I(inv_segment, updated),
};
static const struct field sync_class_f[] = {
	I(inv_sync_class, provider_id), { "class", FT_TEXT, offsetof(struct inv_sync_class, class_name), false },
	T(inv_sync_class, status), I(inv_sync_class, rows), T(inv_sync_class, message),
	I(inv_sync_class, synced_at),
};
static const struct field role_f[] = {
	T(inv_role, role_id), T(inv_role, role_name), I(inv_role, number_of_admins),
	I(inv_role, is_builtin), T(inv_role, operations), T(inv_role, raw_json),
};
static const struct field secured_type_f[] = {
	I(inv_secured_type, object_type_id), T(inv_secured_type, object_type_name),
};
static const struct field update_pkg_f[] = {
	T(inv_update_pkg, package_guid), T(inv_update_pkg, name), T(inv_update_pkg, description),
	T(inv_update_pkg, full_version), I(inv_update_pkg, state), I(inv_update_pkg, update_type),
};
static const struct field site_setting_f[] = {
	T(inv_site_setting, site_code), T(inv_site_setting, item), T(inv_site_setting, name),
	T(inv_site_setting, value),
};

/* The tables of every kind, in INV_RECORDS order; a kind's two cached
 * statements (put, get) are slots 2k and 2k+1. */
#define SEEN_HIST(S) SEEN(S)
#define SEEN_FLAT(S) (-1L)
#define RTABLE(kind, S, name, nkey, history, writer)                                 \
	static const struct rtable rt_##kind = { 2 * (INV_REC_##kind - 1), name, kind##_f,       \
	                                         N(kind##_f), nkey, offsetof(struct S, id), \
	                                         SEEN_##history(S), sizeof(struct S),      \
	                                         INV_R_FLAGS(history, writer) };
INV_RECORDS(RTABLE)
#undef RTABLE
#define RTABLE_REF(kind, S, name, nkey, history, writer) &rt_##kind,
static const struct rtable *const rtables[] = { INV_RECORDS(RTABLE_REF) };
#undef RTABLE_REF
/* the last slot is checkstore's */
_Static_assert(2 * (INV_REC_COUNT - 1) <= INV_STMT_CACHE - 1, "more record kinds than statement slots");

const struct rtable *rec_table(enum inv_record k)
{
	return k > INV_REC_NONE && k < INV_REC_COUNT ? rtables[k - 1] : NULL;
}

const char *inv_kind_table(enum inv_record k)
{
	return rec_table(k) ? rec_table(k)->table : NULL;
}

unsigned inv_kind_flags(enum inv_record k)
{
	return rec_table(k) ? rec_table(k)->flags : 0;
}

size_t inv_kind_size(enum inv_record k)
{
	return rec_table(k) ? rec_table(k)->size : 0;
}

const struct rtable *rec_history_table(const char *name)
{
	for (size_t i = 0; i < N(rtables); i++)
		if ((rtables[i]->flags & INV_R_HISTORY) && strcmp(rtables[i]->table, name) == 0)
			return rtables[i];
	return NULL;
}

#define INV_RECORD_IMPL(kind, type)                                                       \
	int inv_put_##kind(struct inv *db, struct type *r, int64_t now,                   \
	                   struct ow_err *err)                                            \
	{                                                                                 \
		return rec_put(db, &rt_##kind, r, now, err);                              \
	}                                                                                 \
	int inv_get_##kind(struct inv *db, struct type *r, struct ow_err *err)            \
	{                                                                                 \
		return rec_get(db, &rt_##kind, r, err);                                   \
	}                                                                                 \
	void inv_free_##kind(struct type *r)                                              \
	{                                                                                 \
		rec_free(&rt_##kind, r);                                                  \
	}                                                                                 \
	struct each_##kind {                                                              \
		int (*fn)(void *ctx, const struct type *r);                               \
		void *ctx;                                                                \
	};                                                                                \
	static int each_call_##kind(void *c, const void *r)                               \
	{                                                                                 \
		struct each_##kind *e = c;                                                \
		return e->fn(e->ctx, r);                                                  \
	}                                                                                 \
	int inv_each_##kind(struct inv *db, bool include_gone,                            \
	                    int (*fn)(void *ctx, const struct type *r), void *ctx,        \
	                    struct ow_err *err)                                           \
	{                                                                                 \
		struct each_##kind e = { fn, ctx };                                       \
		_Static_assert(sizeof(struct type) <= 512, "record too big");             \
		return rec_each(db, &rt_##kind, include_gone, each_call_##kind, &e, err); \
	}                                                                                 \
	int inv_load_##kind(struct inv *db, unsigned how, struct type **out,              \
	                    size_t *n, struct ow_err *err)                                \
	{                                                                                 \
		return rec_load(db, &rt_##kind, sizeof(struct type), how,                 \
		                (void **)out, n, err);                                    \
	}                                                                                 \
	void inv_unload_##kind(struct type *arr, size_t n)                                \
	{                                                                                 \
		for (size_t i = 0; i < n; i++)                                            \
			rec_free(&rt_##kind, &arr[i]);                                    \
		free(arr);                                                                \
	}

#define RECORD_IMPL(kind, type, table, nkey, history, writer) INV_RECORD_IMPL(kind, type)
INV_RECORDS(RECORD_IMPL)
#undef RECORD_IMPL
