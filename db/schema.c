#include "db/schema.h"

#include <stdio.h>

/* Conventions for component tables: `id` is the local row id; the natural
 * key from the site is UNIQUE; times are Unix seconds (NULL = unset);
 * booleans are 0/1 with NULL meaning "not known" (e.g. a lazy property that
 * was not fetched); `raw_json` keeps the non-secret JSON the row was built
 * from; first_seen/last_seen/gone_at give history. No column ever holds a
 * secret: a PXE password is a flag, a collection variable keeps its name and
 * a verdict, never its value. */
static const char *const migration_1[] = {
	"CREATE TABLE providers ("
	"  id INTEGER PRIMARY KEY,"
	"  url TEXT NOT NULL UNIQUE,"
	"  auth_mode TEXT NOT NULL,"
	"  user_name TEXT,"
	"  ca_file TEXT,"
	"  insecure INTEGER NOT NULL DEFAULT 0,"
	"  last_sync_at INTEGER,"
	"  last_sync_result TEXT,"
	"  last_sync_error TEXT);",

	"CREATE TABLE sites ("
	"  id INTEGER PRIMARY KEY,"
	"  site_code TEXT NOT NULL UNIQUE,"
	"  site_name TEXT, server_name TEXT, version TEXT, build_number INTEGER,"
	"  type INTEGER, parent_site_code TEXT,"
	"  provider_id INTEGER REFERENCES providers(id) ON DELETE SET NULL,"
	"  raw_json TEXT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, gone_at INTEGER);",

	"CREATE TABLE dps ("
	"  id INTEGER PRIMARY KEY,"
	"  site_code TEXT NOT NULL, nal_path TEXT NOT NULL, server_name TEXT NOT NULL,"
	"  is_pxe INTEGER, is_active INTEGER, pxe_password_set INTEGER,"
	"  support_unknown INTEGER, bind_policy INTEGER, bind_except TEXT,"
	"  response_delay INTEGER, uda_setting INTEGER, is_multicast INTEGER,"
	"  internet_facing INTEGER, is_pull_dp INTEGER, identity_guid TEXT,"
	"  raw_json TEXT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, gone_at INTEGER,"
	"  UNIQUE (site_code, nal_path));",

	"CREATE TABLE smps ("
	"  id INTEGER PRIMARY KEY,"
	"  site_code TEXT NOT NULL, nal_path TEXT NOT NULL, server_name TEXT NOT NULL,"
	"  restore_only INTEGER, deletion_delay_min INTEGER, deletion_cycle_min INTEGER,"
	"  remote_name TEXT, ssl_state INTEGER,"
	"  raw_json TEXT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, gone_at INTEGER,"
	"  UNIQUE (site_code, nal_path));",

	"CREATE TABLE smp_folders ("
	"  id INTEGER PRIMARY KEY,"
	"  smp_id INTEGER NOT NULL REFERENCES smps(id) ON DELETE CASCADE,"
	"  directory TEXT NOT NULL, max_clients INTEGER, min_disk_space INTEGER,"
	"  min_disk_unit INTEGER,"
	"  UNIQUE (smp_id, directory));",

	"CREATE TABLE certificates ("
	"  id INTEGER PRIMARY KEY,"
	"  smsid TEXT NOT NULL UNIQUE, site_code TEXT,"
	"  type INTEGER, key_type INTEGER, is_blocked INTEGER, is_approved INTEGER,"
	"  issued_to TEXT, server_name TEXT, valid_from INTEGER, valid_until INTEGER,"
	"  thumbprint TEXT,"
	"  raw_json TEXT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, gone_at INTEGER);",

	"CREATE TABLE associations ("
	"  id INTEGER PRIMARY KEY,"
	"  source_id INTEGER NOT NULL, restore_id INTEGER NOT NULL,"
	"  migration_id TEXT, site_code TEXT, source_name TEXT, restore_name TEXT,"
	"  store_path TEXT, migration_type INTEGER, migration_behavior INTEGER,"
	"  migration_status INTEGER, store_created INTEGER, store_released INTEGER,"
	"  store_deleted INTEGER, user_names TEXT,"
	"  raw_json TEXT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, gone_at INTEGER,"
	"  UNIQUE (source_id, restore_id));",

	"CREATE TABLE boot_images ("
	"  id INTEGER PRIMARY KEY,"
	"  package_id TEXT NOT NULL UNIQUE, site_code TEXT, name TEXT, architecture INTEGER,"
	"  pkg_flags INTEGER, enable_lab_shell INTEGER, source_date INTEGER, last_refresh INTEGER,"
	"  raw_json TEXT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, gone_at INTEGER);",

	"CREATE TABLE packages ("
	"  id INTEGER PRIMARY KEY,"
	"  package_id TEXT NOT NULL UNIQUE, site_code TEXT, name TEXT, package_type INTEGER,"
	"  pkg_flags INTEGER, version TEXT, source_date INTEGER,"
	"  raw_json TEXT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, gone_at INTEGER);",

	"CREATE TABLE task_sequences ("
	"  id INTEGER PRIMARY KEY,"
	"  package_id TEXT NOT NULL UNIQUE, site_code TEXT, name TEXT, boot_image_id TEXT,"
	"  raw_json TEXT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, gone_at INTEGER);",

	/* Run-as steps: the account name only, never the step's password. */
	"CREATE TABLE ts_run_as ("
	"  id INTEGER PRIMARY KEY,"
	"  ts_id INTEGER NOT NULL REFERENCES task_sequences(id) ON DELETE CASCADE,"
	"  step_name TEXT NOT NULL, user_name TEXT NOT NULL,"
	"  UNIQUE (ts_id, step_name));",

	"CREATE TABLE deployments ("
	"  id INTEGER PRIMARY KEY,"
	"  advertisement_id TEXT NOT NULL UNIQUE, site_code TEXT, package_id TEXT,"
	"  collection_id TEXT, offer_type INTEGER, advert_flags INTEGER,"
	"  raw_json TEXT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, gone_at INTEGER);",

	"CREATE TABLE collection_vars ("
	"  id INTEGER PRIMARY KEY,"
	"  collection_id TEXT NOT NULL, name TEXT NOT NULL,"
	"  masked INTEGER NOT NULL, secret_suspect INTEGER NOT NULL DEFAULT 0,"
	"  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, gone_at INTEGER,"
	"  UNIQUE (collection_id, name));",

	"CREATE TABLE admins ("
	"  id INTEGER PRIMARY KEY,"
	"  admin_id INTEGER NOT NULL UNIQUE, logon_name TEXT NOT NULL, account_type INTEGER,"
	"  role_ids TEXT, role_names TEXT, collection_names TEXT,"
	"  raw_json TEXT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, gone_at INTEGER);",

	"CREATE TABLE roles ("
	"  id INTEGER PRIMARY KEY,"
	"  role_id TEXT NOT NULL UNIQUE, role_name TEXT NOT NULL, number_of_admins INTEGER,"
	"  is_builtin INTEGER, operations TEXT,"
	"  raw_json TEXT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, gone_at INTEGER);",

	/* Site-wide settings read from the site control file (EHTTP state,
	 * NAA user names, ...): names and values that are not secrets. */
	"CREATE TABLE site_settings ("
	"  id INTEGER PRIMARY KEY,"
	"  site_code TEXT NOT NULL, item TEXT NOT NULL, name TEXT NOT NULL, value TEXT,"
	"  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, gone_at INTEGER,"
	"  UNIQUE (site_code, item, name));",

	/* Operator tags: what the site cannot know about itself. */
	"CREATE TABLE segments ("
	"  id INTEGER PRIMARY KEY,"
	"  object_type TEXT NOT NULL, object_key TEXT NOT NULL,"
	"  trust TEXT CHECK (trust IN ('trusted','untrusted','perimeter')),"
	"  sanctioned INTEGER NOT NULL DEFAULT 0, compromised INTEGER NOT NULL DEFAULT 0,"
	"  note TEXT, operator TEXT NOT NULL, updated INTEGER NOT NULL,"
	"  UNIQUE (object_type, object_key));",

	"CREATE TABLE check_runs ("
	"  id INTEGER PRIMARY KEY,"
	"  started INTEGER NOT NULL, finished INTEGER, operator TEXT,"
	"  security_grade TEXT, privacy_grade TEXT, summary_json TEXT);",

	"CREATE TABLE findings ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES check_runs(id) ON DELETE CASCADE,"
	"  check_id TEXT NOT NULL, state TEXT NOT NULL, severity TEXT NOT NULL,"
	"  object_type TEXT, object_key TEXT, object_name TEXT,"
	"  evidence_json TEXT, baseline TEXT, waived INTEGER NOT NULL DEFAULT 0);",

	"CREATE TABLE waivers ("
	"  id INTEGER PRIMARY KEY,"
	"  check_id TEXT NOT NULL, object_key TEXT, reason TEXT NOT NULL,"
	"  operator TEXT NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL);",

	"CREATE TABLE attestations ("
	"  id INTEGER PRIMARY KEY,"
	"  check_id TEXT NOT NULL, object_key TEXT, note TEXT NOT NULL,"
	"  operator TEXT NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL);",

	"CREATE TABLE settings ("
	"  key TEXT PRIMARY KEY, value TEXT NOT NULL, description TEXT);",

	"CREATE TABLE task_runs ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL, target TEXT NOT NULL, state TEXT NOT NULL,"
	"  current_step INTEGER NOT NULL DEFAULT 0, operator TEXT,"
	"  created INTEGER NOT NULL, updated INTEGER NOT NULL);",

	"CREATE TABLE task_steps ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES task_runs(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('verify','action','attest')),"
	"  name TEXT NOT NULL, state TEXT NOT NULL, note TEXT, updated INTEGER,"
	"  UNIQUE (run_id, seq));",

	/* Append-only and hash-chained (db/audit, issue 6). */
	"CREATE TABLE audit ("
	"  seq INTEGER PRIMARY KEY,"
	"  ts INTEGER NOT NULL, operator TEXT NOT NULL, host TEXT, ssh_client TEXT,"
	"  action TEXT NOT NULL, target TEXT, request TEXT, outcome TEXT NOT NULL,"
	"  prev_hash TEXT NOT NULL, hash TEXT NOT NULL);",
	NULL,
};

/* Indexes that back the sort columns of the list views (keyset paging
 * needs an index on (sort column, id) to stay fast at 1M rows), and the
 * policy thresholds of checks.md with their defaults. */
static const char *const migration_2[] = {
	"CREATE INDEX dps_server ON dps(server_name, id)",
	"CREATE INDEX smps_server ON smps(server_name, id)",
	"CREATE INDEX certs_valid_until ON certificates(valid_until, id)",
	"CREATE INDEX certs_issued_to ON certificates(issued_to, id)",
	"CREATE INDEX certs_server ON certificates(server_name, id)",
	"CREATE INDEX assoc_source ON associations(source_name, id)",
	"CREATE INDEX assoc_restore ON associations(restore_name, id)",
	"CREATE INDEX assoc_created ON associations(store_created, id)",
	"CREATE INDEX assoc_released ON associations(store_released, id)",
	"CREATE INDEX boot_images_name ON boot_images(name, id)",
	"CREATE INDEX ts_name ON task_sequences(name, id)",
	"CREATE INDEX admins_logon ON admins(logon_name, id)",
	"CREATE INDEX findings_run ON findings(run_id, check_id)",
	"INSERT INTO settings(key, value, description) VALUES"
	"  ('media_cert_max_lifetime_days', '365', 'OSD-MEDIA-002: longest acceptable boot-media certificate lifetime'),"
	"  ('image_max_age_days', '90', 'OSD-IMG-002: oldest acceptable reference image source date'),"
	"  ('osd_manager_max_holders', '5', 'OSD-RBAC-001: most holders of the OS Deployment Manager role'),"
	"  ('smp_max_retention_days', '30', 'OSD-SMP-003: longest acceptable SMP deletion delay'),"
	"  ('assoc_released_max_days', '14', 'OSD-SMP-004: days a restored association may remain'),"
	"  ('assoc_unreleased_max_days', '60', 'OSD-SMP-005: days an unrestored association may remain'),"
	"  ('attestation_default_days', '90', 'default validity of an attestation'),"
	"  ('large_collection_members', '500', 'OSD-TS-009: a collection this large is high impact')",
	NULL,
};

/* What sync learned that the first schema had no place for: collection
 * sizes (high-impact deployments), per-class read status (a class the
 * provider refused must make its checks say "error", never "pass"), what a
 * task sequence references, and an admin's security scopes. */
static const char *const migration_3[] = {
	"CREATE TABLE collections ("
	"  id INTEGER PRIMARY KEY,"
	"  collection_id TEXT NOT NULL UNIQUE, name TEXT, member_count INTEGER,"
	"  raw_json TEXT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, gone_at INTEGER)",
	"CREATE TABLE sync_classes ("
	"  id INTEGER PRIMARY KEY,"
	"  provider_id INTEGER NOT NULL REFERENCES providers(id) ON DELETE CASCADE,"
	"  class TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('ok','no_access','error')),"
	"  rows INTEGER, message TEXT, synced_at INTEGER NOT NULL,"
	"  UNIQUE (provider_id, class))",
	"ALTER TABLE task_sequences ADD COLUMN dynamic_install INTEGER",
	"ALTER TABLE task_sequences ADD COLUMN image_ids TEXT",
	"ALTER TABLE admins ADD COLUMN categories TEXT",
	NULL,
};

/* One live waiver and one live attestation per check and object (object
 * '' = every object of the check): a new one replaces the old, whose
 * trace stays in the audit log. */
static const char *const migration_4[] = {
	"UPDATE waivers SET object_key = '' WHERE object_key IS NULL",
	"UPDATE attestations SET object_key = '' WHERE object_key IS NULL",
	"CREATE UNIQUE INDEX waivers_key ON waivers(check_id, object_key)",
	"CREATE UNIQUE INDEX attestations_key ON attestations(check_id, object_key)",
	NULL,
};

/* History retention: a run at scale stores hundreds of thousands of
 * findings; old runs keep their summary (grades, counts) for trends. */
static const char *const migration_5[] = {
	"INSERT INTO settings(key, value, description) VALUES"
	"  ('history_runs_kept', '10', 'check runs whose findings are kept (older runs keep their summary)')",
	NULL,
};

/* Guided tasks carry their parameters (e.g. the MAC list a fix applies)
 * and each step what its last attempt said. */
static const char *const migration_6[] = {
	"ALTER TABLE task_runs ADD COLUMN params TEXT",
	"ALTER TABLE task_steps ADD COLUMN detail TEXT",
	"CREATE INDEX task_runs_target ON task_runs(kind, target, state)",
	NULL,
};

/* A trigram index over the computer names of the associations (the
 * association list's filter columns): a substring filter over a million
 * associations answers from the index (~1 ms) instead of a scan (~450 ms).
 * Names only and detail=none keep it small (a store path would make it
 * 8x slower to build). Triggers keep it in step with single changes; a
 * sync holds them (assoc_fts_hold) and rebuilds the index once at its end,
 * which costs a fraction of maintaining it row by row. */
static const char *const migration_7[] = {
	"CREATE VIRTUAL TABLE assoc_fts USING fts5(source_name, restore_name,"
	"  content='associations', content_rowid='id', tokenize='trigram', detail='none')",
	"INSERT INTO assoc_fts(assoc_fts) VALUES('rebuild')",
	"CREATE TABLE assoc_fts_hold (hold INTEGER NOT NULL)",
	"INSERT INTO assoc_fts_hold VALUES (0)",
	"CREATE TRIGGER assoc_fts_insert AFTER INSERT ON associations"
	"  WHEN (SELECT hold FROM assoc_fts_hold) = 0 BEGIN"
	"  INSERT INTO assoc_fts(rowid, source_name, restore_name)"
	"  VALUES (new.id, new.source_name, new.restore_name); END",
	"CREATE TRIGGER assoc_fts_delete AFTER DELETE ON associations"
	"  WHEN (SELECT hold FROM assoc_fts_hold) = 0 BEGIN"
	"  INSERT INTO assoc_fts(assoc_fts, rowid, source_name, restore_name)"
	"  VALUES ('delete', old.id, old.source_name, old.restore_name); END",
	"CREATE TRIGGER assoc_fts_update AFTER UPDATE OF source_name, restore_name ON associations"
	"  WHEN (old.source_name IS NOT new.source_name OR old.restore_name IS NOT new.restore_name)"
	"  AND (SELECT hold FROM assoc_fts_hold) = 0 BEGIN"
	"  INSERT INTO assoc_fts(assoc_fts, rowid, source_name, restore_name)"
	"  VALUES ('delete', old.id, old.source_name, old.restore_name);"
	"  INSERT INTO assoc_fts(rowid, source_name, restore_name)"
	"  VALUES (new.id, new.source_name, new.restore_name); END",
	/* the few gone rows, so the list's total is a subtraction, not a scan */
	"CREATE INDEX assoc_gone ON associations(gone_at) WHERE gone_at IS NOT NULL",
	NULL,
};

/* What each provider's $metadata said it exposes (EntitySets, actions and
 * their parameter names), as a JSON summary with the time it was read:
 * writes and doctor consult it instead of reading the CSDL again. Keyed by
 * the provider's base URL, which is what every caller has. */
static const char *const migration_8[] = {
	"CREATE TABLE site_capabilities ("
	"  provider TEXT PRIMARY KEY, read_at INTEGER NOT NULL, capabilities TEXT NOT NULL)",
	NULL,
};

/* The RBAC object types (SMS_RbacSecuredObject), by which a role's
 * operations are resolved to rights ("Recover User State" is a bit of the
 * StateMigration type's operations). */
static const char *const migration_9[] = {
	"CREATE TABLE secured_types ("
	"  id INTEGER PRIMARY KEY,"
	"  object_type_id INTEGER NOT NULL UNIQUE, object_type_name TEXT,"
	"  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, gone_at INTEGER)",
	NULL,
};

/* Turn 2 of the checklist: whether a DP's PXE responder runs without WDS
 * (SccmPXE), and the site's updates and hotfixes (SMS_CM_UpdatePackages). */
static const char *const migration_10[] = {
	"ALTER TABLE dps ADD COLUMN sccm_pxe INTEGER",
	"CREATE TABLE update_packages ("
	"  id INTEGER PRIMARY KEY,"
	"  package_guid TEXT NOT NULL UNIQUE, name TEXT, description TEXT, full_version TEXT,"
	"  state INTEGER, update_type INTEGER,"
	"  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, gone_at INTEGER)",
	"INSERT INTO settings(key, value, description) VALUES"
	"  ('recovery_max_holders', '5', 'OSD-RBAC-002: most holders of Recover User State'),"
	"  ('osd_certificate_max_holders', '5', 'OSD-RBAC-003: most holders of Manage OSD Certificate'),"
	"  ('ts_media_max_holders', '5', 'OSD-RBAC-004: most holders of Create Task Sequence Media')",
	NULL,
};

/* The console's STATE column: the findings of one page of objects in the
 * latest run, read by object key (a run at scale holds 10^5 findings). */
static const char *const migration_11[] = {
	"CREATE INDEX findings_object ON findings(run_id, object_key)",
	NULL,
};

/* The configuration profile a provider was reached by (osdwarden.conf(5)),
 * so later runs and actions can name it. */
static const char *const migration_12[] = {
	"ALTER TABLE providers ADD COLUMN profile TEXT",
	NULL,
};

/* Findings as state with a lifetime (issue 18): a row is a finding from
 * run first_run until the run that no longer had it (closed_run, NULL
 * while open), so a run writes only what changed. A fail reads
 * "unchanged" in the runs after its first; a run that judged it otherwise
 * (--since an older run) opened a row of its own. Runs whose findings
 * retention dropped are marked, as they can no longer be read.
 * The per-run rows become lifetimes: the same finding in consecutive runs
 * is one row (several of one object in a run paired in the order stored). `findings`
 * stays, as a view with one row per run and finding. */
#define M13_KEY "check_id, object_type, object_key"
static const char *const migration_13[] = {
	"ALTER TABLE check_runs ADD COLUMN findings_pruned INTEGER NOT NULL DEFAULT 0",
	"UPDATE check_runs SET findings_pruned = 1 WHERE id < (SELECT min(run_id) FROM findings)",
	"CREATE TABLE finding_spans ("
	"  id INTEGER PRIMARY KEY,"
	"  first_run INTEGER NOT NULL REFERENCES check_runs(id) ON DELETE CASCADE,"
	"  closed_run INTEGER,"
	"  check_id TEXT NOT NULL, state TEXT NOT NULL, severity TEXT NOT NULL,"
	"  object_type TEXT, object_key TEXT, object_name TEXT,"
	"  evidence_json TEXT, baseline TEXT, waived INTEGER NOT NULL DEFAULT 0)",
	/* Partitioned by the object only, the content compared row to row:
	 * sorting by the evidence too took a third longer (10 runs of 220k). */
	"WITH runs AS (SELECT id, row_number() OVER (ORDER BY id) AS rk,"
	"    lead(id) OVER (ORDER BY id) AS next_id FROM check_runs),"
	"  dup AS (SELECT f.*, r.rk, row_number() OVER (PARTITION BY f.run_id, " M13_KEY
	"    ORDER BY f.id) AS dup FROM findings f JOIN runs r ON r.id = f.run_id),"
	"  cont AS (SELECT *, coalesce(lag(rk) OVER w = rk - 1 AND lag(state) OVER w = state"
	"    AND lag(severity) OVER w = severity AND lag(object_name) OVER w IS object_name"
	"    AND lag(evidence_json) OVER w IS evidence_json AND lag(waived) OVER w = waived"
	"    AND baseline IS CASE WHEN state = 'fail' THEN 'unchanged' ELSE lag(baseline) OVER w END,"
	"    0) AS cont FROM dup WINDOW w AS (PARTITION BY " M13_KEY ", dup ORDER BY rk)),"
	"  island AS (SELECT *, sum(NOT cont) OVER (PARTITION BY " M13_KEY ", dup ORDER BY rk"
	"    ROWS UNBOUNDED PRECEDING) AS island FROM cont),"
	"  span AS (SELECT *, max(rk) OVER p AS last_rk, row_number() OVER (p ORDER BY rk) AS pos"
	"    FROM island WINDOW p AS (PARTITION BY " M13_KEY ", dup, island))"
	"  INSERT INTO finding_spans(first_run, closed_run, " M13_KEY ", state, severity,"
	"  object_name, evidence_json, waived, baseline)"
	"  SELECT run_id, (SELECT next_id FROM runs WHERE runs.rk = span.last_rk), " M13_KEY
	"  , state, severity, object_name, evidence_json, waived, baseline"
	"  FROM span WHERE pos = 1 ORDER BY id",
	"DROP TABLE findings",
	/* what the next run compares itself with, in the order it reads it */
	"CREATE INDEX spans_open ON finding_spans(check_id, object_type, object_key)"
	"  WHERE closed_run IS NULL",
	"CREATE INDEX spans_check ON finding_spans(check_id)",
	"CREATE INDEX spans_object ON finding_spans(object_key, object_type)",
	"CREATE INDEX spans_closed ON finding_spans(closed_run) WHERE closed_run IS NOT NULL",
	/* the findings by key first (a page's lookup was an index search
	 * through spans_object until migration 15; db/checkstore.c reads
	 * finding_spans itself) */
	"CREATE VIEW findings AS SELECT r.id AS run_id, f.id AS span_id, f.check_id, f.state,"
	"  f.severity, f.object_type, f.object_key, f.object_name, f.evidence_json,"
	"  CASE WHEN f.first_run = r.id OR f.state <> 'fail' THEN f.baseline ELSE 'unchanged' END"
	"  AS baseline, f.waived FROM finding_spans f CROSS JOIN check_runs r"
	"  WHERE r.findings_pruned = 0 AND r.id >= f.first_run"
	"  AND (f.closed_run IS NULL OR r.id < f.closed_run)",
	NULL,
};
#undef M13_KEY

/* 14: each finding's digest (db/checkstore.h: what a later run compares
 * itself with, without reading the evidence back), in the index of the
 * open findings, which a run then reads without touching the table.
 * Rows stored before it have none and are hashed when read. */
static const char *const migration_14[] = {
	"ALTER TABLE finding_spans ADD COLUMN digest INTEGER",
	"DROP INDEX spans_open",
	"CREATE INDEX spans_open ON finding_spans(check_id, object_type, object_key, state, digest)"
	"  WHERE closed_run IS NULL",
	NULL,
};

/* 15: one index over a finding's key instead of three (issue 18). Every
 * stored finding updated each of them: at a million findings a first
 * run's store took twice as long as the table alone. spans_key serves all
 * three readers: the open findings (the whole index, closed_run in it), a
 * check's findings (its prefix) and a page's objects (each check in turn,
 * db/checkstore.c). A check's first failure, which spans_check gave in
 * row order, is in the run's summary (checks/engine_history.c). */
static const char *const migration_15[] = {
	"DROP INDEX spans_open",
	"DROP INDEX spans_check",
	"DROP INDEX spans_object",
	"CREATE INDEX spans_key ON finding_spans(check_id, object_type, object_key, state, digest,"
	"  closed_run)",
	NULL,
};

/* 16: each finding's ord (db/checkstore.h): where an ordered check
 * emits it among its objects, so that the next run compares with a
 * cursor in that order instead of holding every open finding (issue 18).
 * The ordered checks' open findings get theirs, their object's row id,
 * from the key those checks give them: an association's source and
 * restore resource ids ("S:R"), a certificate's SMSID. In the index,
 * last, so that the cursor reads it without the table. */
static const char *const migration_16[] = {
	"ALTER TABLE finding_spans ADD COLUMN ord INTEGER",
	"UPDATE finding_spans SET ord = (SELECT a.id FROM associations a"
	"  WHERE a.source_id = CAST(substr(object_key, 1, instr(object_key, ':') - 1) AS INTEGER)"
	"  AND a.restore_id = CAST(substr(object_key, instr(object_key, ':') + 1) AS INTEGER))"
	"  WHERE closed_run IS NULL AND check_id IN ('OSD-SMP-004', 'OSD-SMP-005')"
	"  AND object_type = 'association' AND instr(object_key, ':') > 0",
	"UPDATE finding_spans SET ord = (SELECT c.id FROM certificates c WHERE c.smsid = object_key)"
	"  WHERE closed_run IS NULL AND check_id IN ('OSD-MEDIA-001', 'OSD-MEDIA-002')"
	"  AND object_type = 'certificate'",
	"DROP INDEX spans_key",
	"CREATE INDEX spans_key ON finding_spans(check_id, object_type, object_key, state, digest,"
	"  closed_run, ord)",
	NULL,
};

static const char *const *const migrations[] = { migration_1, migration_2, migration_3, migration_4,
	                                          migration_5, migration_6, migration_7, migration_8,
	                                          migration_9, migration_10, migration_11,
	                                          migration_12, migration_13, migration_14,
	                                          migration_15, migration_16 };
#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int schema_latest_version(void)
{
	return N_MIGRATIONS;
}

int schema_version(sqlite3 *db, struct ow_err *err)
{
	sqlite3_stmt *st;
	int v = -1, rc;

	rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else
		ow_err_set(err, OW_EINPUT, "cannot read the schema version: %s",
		           sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return v;
}

static int exec(sqlite3 *db, const char *sql, struct ow_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	ow_err_set(err, OW_EINPUT, "%s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return OW_EINPUT;
}

int schema_migrate(sqlite3 *db, int target, struct ow_err *err)
{
	int v = schema_version(db, err);
	char sql[64];

	if (v < 0)
		return OW_EINPUT;
	if (target <= 0 || target > N_MIGRATIONS)
		target = N_MIGRATIONS;
	if (v > N_MIGRATIONS)
		return ow_err_set(err, OW_EINPUT,
		                  "the inventory has schema version %d, newer than this "
		                  "osdwarden understands (%d); use a newer osdwarden, or "
		                  "--db to point at another inventory", v, N_MIGRATIONS);
	for (; v < target; v++) {
		/* Each step is atomic: a failed migration leaves the previous
		 * version intact rather than a half-built schema. */
		if (exec(db, "BEGIN IMMEDIATE", err) != 0)
			return OW_EINPUT;
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		int rc = 0;
		for (const char *const *stmt = migrations[v]; *stmt && rc == 0; stmt++)
			rc = exec(db, *stmt, err);
		if (rc != 0 || exec(db, sql, err) != 0) {
			ow_err_prefix(err, "migrating the inventory to version %d", v + 1);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return OW_EINPUT;
		}
		if (exec(db, "COMMIT", err) != 0)
			return OW_EINPUT;
	}
	return 0;
}
