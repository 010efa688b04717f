/* Evaluators (one file per area) and the helpers they share. */
#ifndef OW_CHECKS_EVAL_H
#define OW_CHECKS_EVAL_H

#include "checks/checks.h"

#define DAY 86400

bool chk_ieq(const char *a, const char *b);
/* A DP that answers PXE (PXE enabled and active). */
bool chk_dp_pxe(const struct inv_dp *d);
/* NAA account names configured for a site (site NULL: any site). */
size_t chk_naa_count(const struct chk_snap *s, const char *site);
bool chk_is_naa(const struct chk_snap *s, const char *user);

/* The rows of a snapshot array by a name column, in any case (chk_ieq's
 * equality): sorted once by name and position, searched by halving, so
 * that a check over every object of one class looking up another is not
 * the product of the two (20,000 certificates by 5,000 DPs at lab scale
 * 1000). */
struct chk_names {
	struct chk_name {
		const char *name;   /* borrowed from the row */
		size_t at;          /* the row's position */
	} *v;
	size_t n;
};
/* Indexes rows[0..nrows) (each size bytes) by the char * at name_off in
 * each; keep picks the rows (NULL: all); rows without a name are left
 * out. 0, or -1 when out of memory. chk_names_free releases it. */
int chk_names_build(struct chk_names *ix, const void *rows, size_t nrows, size_t size,
                    size_t name_off, bool (*keep)(const void *row));
void chk_names_free(struct chk_names *ix);
/* How many rows are named name; *first and *last (either may be NULL)
 * get the lowest and highest of their positions when there is one. */
size_t chk_names_find(const struct chk_names *ix, const char *name, size_t *first, size_t *last);

/* The DPs by server name, built on first use and kept for the run (the
 * memo); NULL when out of memory. */
const struct chk_names *chk_dp_names(struct chk_ctx *c);
/* The first DP read whose server is name (any case), or NULL. */
const struct inv_dp *chk_dp_named(const struct chk_snap *s, const struct chk_names *dps,
                                  const char *name);
/* A deployment (struct inv_deployment) that makes its package available
 * to boot media and PXE: a keep for chk_names_build. */
bool chk_dep_media_pxe(const void *row);
/* The task sequences' package IDs that some deployment makes available to
 * boot media and PXE, kept for the run as chk_dp_names is; NULL when out
 * of memory. */
const struct chk_names *chk_pxe_deployments(struct chk_ctx *c);
/* A task sequence some deployment makes available to boot media and PXE
 * (pxe_deps: chk_pxe_deployments). */
bool chk_ts_on_pxe(const struct chk_names *pxe_deps, const struct inv_ts *t);
/* Operator tag lookup for a DP (by server name). */
bool chk_dp_sanctioned(struct chk_ctx *c, const char *server);
/* A TS deployment is available to boot media and PXE. */
#define CHK_ADV_MEDIA_PXE 0x00040000
#define CHK_ALL_UNKNOWN "SMS000US"
#define CHK_ALL_SYSTEMS "SMS00001"
/* One result for an attestation the operator has not given (yet). */
int chk_attest_needed(struct chk_ctx *c, const char *object_type, const char *key,
                      const char *name, const char *what);
/* The same for an ordered check (chk_emit_text_ord). */
int chk_attest_needed_ord(struct chk_ctx *c, int64_t ord, const char *object_type,
                          const char *key, const char *name, const char *what);

/* Three-valued logic for chains: a condition is true, false, or not
 * known (unknown values, inputs awaiting an attestation or not read). */
enum chk_tri { TRI_NO, TRI_YES, TRI_UNSURE };
enum chk_tri chk_tri_and(enum chk_tri a, enum chk_tri b);
enum chk_tri chk_tri_or(enum chk_tri a, enum chk_tri b);
/* "Did check X fail": failed yes; clear or nothing to judge no; else unsure. */
enum chk_tri chk_tri_failed(enum chk_in in);
/* true, false or null for unsure: a new reference (json_pack's "o" takes it). */
json_t *chk_tri_json(enum chk_tri t);
/* Whether site's SMS Provider (provider: that one; NULL: any of them) is
 * on another host than its site server, from the SysResUse roles read:
 * unsure when no provider role was read for the site. */
enum chk_tri chk_provider_remote(const struct chk_snap *s, const char *site, const char *provider);

#define EVAL(name) int name(struct chk_ctx *c)
EVAL(eval_pxe_001); EVAL(eval_pxe_002); EVAL(eval_pxe_003); EVAL(eval_pxe_004);
EVAL(eval_pxe_005); EVAL(eval_pxe_006); EVAL(eval_mc_001); EVAL(eval_mc_002);
EVAL(eval_media_001); EVAL(eval_media_002); EVAL(eval_media_004); EVAL(eval_cert_001);
EVAL(eval_cert_002); EVAL(eval_infra_001);
EVAL(eval_img_001); EVAL(eval_img_002); EVAL(eval_ts_001); EVAL(eval_ts_002);
EVAL(eval_ts_003); EVAL(eval_ts_004); EVAL(eval_ts_005); EVAL(eval_ts_006); EVAL(eval_ts_009);
EVAL(eval_naa_001); EVAL(eval_rbac_001); EVAL(eval_rbac_002);
EVAL(eval_smp_001); EVAL(eval_smp_002); EVAL(eval_smp_003); EVAL(eval_smp_004);
EVAL(eval_smp_005); EVAL(eval_smp_006); EVAL(eval_smp_007); EVAL(eval_smp_008);
EVAL(eval_usmt_001);
EVAL(eval_infra_002); EVAL(eval_naa_002); EVAL(eval_pxe_007); EVAL(eval_img_004);
EVAL(eval_rbac_003); EVAL(eval_rbac_004);
EVAL(eval_attest_once);
EVAL(eval_chain_cred1); EVAL(eval_chain_priv);

#endif
