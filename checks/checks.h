/* The security and privacy checklist: one catalogue table, evaluators per
 * area over a snapshot of the inventory, per-object results with
 * evidence, chains, grades and history. Reads the inventory only. */
#ifndef OW_CHECKS_CHECKS_H
#define OW_CHECKS_CHECKS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "db/records.h"
#include "util/err.h"

/* XCCDF result states (checks.md). An empty or failed query is never
 * CS_PASS: it is CS_ERROR, CS_UNKNOWN or CS_NOTAPPLICABLE. */
enum chk_state {
	CS_PASS, CS_FAIL, CS_ERROR, CS_UNKNOWN, CS_NOTAPPLICABLE, CS_NOTCHECKED,
	CS_INFORMATIONAL, CS_FIXED,
};
enum chk_sev { SEV_INFO, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };
enum chk_cat { CAT_SECURITY, CAT_PRIVACY };
enum chk_auto { AUTO_AUTO, AUTO_HYBRID, AUTO_ATTEST };

const char *chk_state_name(enum chk_state s);
const char *chk_sev_name(enum chk_sev s);
int chk_sev_parse(const char *name, enum chk_sev *out);
/* The state a stored name stands for, spelt exactly as chk_state_name
 * spells it: 0, or -1 for NULL or a name this build does not know. */
int chk_state_parse(const char *name, enum chk_state *out);
const char *chk_cat_name(enum chk_cat c);
const char *chk_auto_name(enum chk_auto a);

/* Everything the evaluators read, loaded once per run. */
struct chk_snap {
	struct inv_site *sites; size_t nsites;
	struct inv_dp *dps; size_t ndps;
	struct inv_smp *smps; size_t nsmps;          /* including gone ones (history) */
	struct inv_smp_folder *folders; size_t nfolders;
	/* certificates: read as each check goes (inv_each_cert), tens of thousands */
	struct inv_boot_image *boots; size_t nboots;
	struct inv_package *pkgs; size_t npkgs;
	struct inv_ts *tss; size_t ntss;
	struct inv_ts_run_as *runas; size_t nrunas;
	struct inv_deployment *deps; size_t ndeps;
	struct inv_collection *colls; size_t ncolls;
	struct inv_collection_var *vars; size_t nvars;
	struct inv_admin *admins; size_t nadmins;
	struct inv_role *roles; size_t nroles;
	struct inv_secured_type *types; size_t ntypes;           /* RBAC object types */
	struct inv_update_pkg *updates; size_t nupdates;         /* SMS_CM_UpdatePackages */
	struct inv_site_setting *settings; size_t nsettings;
	struct inv_waiver *waivers; size_t nwaivers;             /* all; expiry checked on use */
	struct inv_attestation *attests; size_t nattests;
	struct inv_segment *tags; size_t ntags;                   /* operator tags */
};

/* The operator's tag on an object, or NULL. */
const struct inv_segment *chk_tag(const struct chk_snap *s, const char *type, const char *key);

struct chk_ctx;
struct chk_def;
typedef int (*chk_eval_fn)(struct chk_ctx *c);

struct chk_def {
	const char *id, *title, *area;
	enum chk_cat cat;
	enum chk_sev sev;
	enum chk_auto automation;
	const char *seed_topic;
	const char *rationale, *remediation;   /* remediation names console path and PowerShell */
	const char *refs;                      /* Misconfiguration Manager IDs etc. */
	/* The write osdwarden makes to fix a failing object (a name in the
	 * fix task's table, backend/wf_fix.c: "dp-pxe-off", ...), or NULL
	 * when the remediation is the operator's. */
	const char *fix;
	const char *needs;                     /* AdminService classes it reads, ',' separated */
	chk_eval_fn eval;
	/* Checks whose results it combines (chains), ',' separated, each
	 * earlier in the catalogue; NULL for a check that reads only the
	 * inventory. What it depends on is needs plus its inputs' needs. */
	const char *inputs;
	/* A chain: judged from its inputs' results; a failing critical chain
	 * caps the grade. Exactly the rows with inputs. */
	bool chain;
	/* Its per-object results come with an ord (chk_emit_text_ord),
	 * ascending: the run compares them with a cursor over the open
	 * findings in that order, holding none of them (the association
	 * checks, a million objects at scale). An ord out of order fails the
	 * run. */
	bool ordered;
};

/* The most checks the catalogue holds: arrays per catalogue entry (the
 * stored counts, the chains' view of their inputs, the checklist's rows)
 * are this long, and catalog.c does not compile once the catalogue
 * outgrows it. */
#define CHK_MAX 64

size_t chk_count(void);
const struct chk_def *chk_at(size_t i);
/* The position of a catalogue entry (results point into the catalogue). */
size_t chk_index(const struct chk_def *d);
const struct chk_def *chk_find(const char *id);
/* The ID without the product's "OSD-" prefix, for narrow screens. */
const char *chk_short_id(const struct chk_def *d);
/* Whether d reads class cls, itself or through one of its inputs: the
 * one answer to "what does this check depend on", from its catalogue row. */
bool chk_depends_on(const struct chk_def *d, const char *cls);

/* For evaluators: the inventory the run reads, borrowed. */
struct inv *chk_db(struct chk_ctx *c);
const struct chk_snap *chk_data(struct chk_ctx *c);
int64_t chk_now(struct chk_ctx *c);
/* A policy threshold; the evidence of findings that use it names it. */
long chk_policy(struct chk_ctx *c, const char *key, long def);

/* One result for the current check. sev 0 = the check's own; evidence is
 * stolen (may be NULL). Returns 0 or -1 (out of memory). */
int chk_emit(struct chk_ctx *c, enum chk_state st, int sev, const char *object_type,
             const char *object_key, const char *object_name, json_t *evidence);

/* Work one evaluator does for a later one (e.g. one scan of 200k
 * associations for two checks): kept by name until the run ends, then
 * released with free_fn. get returns NULL when absent. */
void *chk_memo_get(struct chk_ctx *c, const char *name);
int chk_memo_put(struct chk_ctx *c, const char *name, void *p, void (*free_fn)(void *));

/* Marks the result just emitted as a failure that a live attestation for
 * its object closes (e.g. "folders deleted by hand"). */
void chk_last_attestable(struct chk_ctx *c);

/* The same with evidence already serialised as ASCII-only compact JSON
 * (for the hot paths that emit hundreds of thousands of results). */
int chk_emit_text(struct chk_ctx *c, enum chk_state st, int sev, const char *object_type,
                  const char *object_key, const char *object_name, const char *evidence_json);
/* The same for an ordered check (chk_def.ordered): ord says where the
 * object comes among the check's, ascending (equal for results of one
 * object); the same object has the same ord in every run. In a check
 * that is not ordered the ord is dropped. */
int chk_emit_text_ord(struct chk_ctx *c, int64_t ord, enum chk_state st, int sev,
                      const char *object_type, const char *object_key, const char *object_name,
                      const char *evidence_json);

/* For chains: what the current run says about check id, which must be
 * one of the current check's declared inputs (an undeclared one fails
 * the evaluation). CHK_IN_UNREAD: it could not be evaluated (a class it
 * reads was not read, or it has an error result). */
enum chk_in {
	CHK_IN_NONE,      /* evaluated; nothing of its kind to judge */
	CHK_IN_CLEAR,     /* evaluated; no object failed, none left open */
	CHK_IN_FAILED,    /* some object failed (waived or not) */
	CHK_IN_UNSURE,    /* no failure, but some object unknown or awaiting an attestation */
	CHK_IN_UNREAD,
};
enum chk_in chk_input(struct chk_ctx *c, const char *id);
/* Whether d's row declares check id as one of its inputs. */
bool chk_reads_input(const struct chk_def *d, const char *id);

struct chk_result {
	const struct chk_def *def;
	enum chk_state state;
	enum chk_sev sev;
	char *object_type, *object_key, *object_name;   /* inside `strings` */
	char *strings;           /* owns the three strings above */
	char *evidence;          /* compact JSON */
	const char *baseline;    /* new, unchanged, fixed, or NULL (not a finding) */
	bool waived;             /* a live waiver covers this failure */
	bool attestable;         /* a failure an operator attestation closes */
	bool has_ord;            /* where an ordered check emitted it (chk_def.ordered) */
	int64_t ord;
};

struct chk_grades {
	char security[4], privacy[4];   /* "A".."F", "*" appended when incomplete */
	int security_score, privacy_score;
	bool security_capped, privacy_capped;   /* by a failing critical chain */
	/* Critical chains that could not be judged (error or unknown), ','
	 * separated, "" when none: the grade is capped at D and marked '*'. */
	char security_unjudged[64], privacy_unjudged[64];
};

/* Operator decisions the inventory holds that the audit log does not
 * vouch for (db/decision.h): never honoured, counted for the report. */
struct chk_ignored {
	size_t waivers, attestations, settings;   /* live rows set aside */
	size_t tags;                              /* tags set aside: the objects count as untagged */
	char setting_keys[256];                   /* ',' separated; their defaults were used */
	bool log_broken;                          /* the log did not verify: nothing was honoured */
	char why[600];                            /* then: what audit verify said */
};

struct chk_spool;

struct chk_run {
	int64_t id, previous;     /* id 0: not stored (read-only, or partial) */
	bool partial;             /* of one category: not a point of the trend */
	int64_t started;
	size_t n;                                /* results in all */
	size_t counts[CHK_MAX][CS_FIXED + 1];    /* per catalogue entry and state */
	size_t waived[CHK_MAX];                  /* of its failures, those a waiver covers */
	struct chk_grades grades;
	struct chk_ignored ignored;
	/* Where the results are: the engine's (read them with chk_run_each:
	 * at scale they are not all in memory). */
	struct chk_spool *spool;
};

/* Every result of the run in order (catalogue order, then as evaluated),
 * or only those of catalogue entry check (check >= 0), which costs only
 * that check's results. r and its strings are valid only during fn; fn
 * returns non-zero to stop. Calls may nest (each has its own cursor).
 * 0, fn's non-zero value, or -1 when the results could not be read back
 * (out of memory or an I/O error). */
int chk_run_each(const struct chk_run *run, int check,
                 int (*fn)(void *ctx, const struct chk_result *r), void *ctx);

/* Evaluates every check, stores the run and its findings, and compares
 * with the previous run; one category (cat >= 0) is compared, not stored.
 * *run is owned by the caller (chk_run_free). */
int chk_evaluate(struct inv *db, int cat, int64_t now, struct chk_run *run, struct ow_err *err);
/* The same, comparing with run `since` instead of the previous one. */
int chk_evaluate_since(struct inv *db, int cat, int64_t now, int64_t since, struct chk_run *run,
                       struct ow_err *err);
/* The same evaluation, compared with the latest stored run but not stored
 * itself: for views that show the checklist without adding to history. */
int chk_evaluate_peek(struct inv *db, int64_t now, struct chk_run *run, struct ow_err *err);
void chk_run_free(struct chk_run *run);

/* Exports. Each returns 0, or -1 when the report could not be written in
 * full (out of memory, or a write error on f). */
/* all: every failing, error and fixed object, else the first few per
 * check and how many were left out. */
int chk_write_text(FILE *f, const struct chk_run *run, bool ascii, bool all);
int chk_write_json(FILE *f, const struct chk_run *run);
int chk_write_sarif(FILE *f, const struct chk_run *run);
int chk_write_markdown(FILE *f, const struct chk_run *run);
/* One self-contained HTML file (checks/report_html.c): db, read only, for
 * the trend over stored runs and the waivers and attestations with who,
 * when and expiry; NULL leaves them out and says so. */
int chk_write_html(FILE *f, const struct chk_run *run, struct inv *db);

#endif
