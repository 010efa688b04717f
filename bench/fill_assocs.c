/* Builds an inventory with N computer associations (and nothing else) for
 * the console benchmark: fill_assocs PATH N [findings]. Names and paths
 * vary like a site's do, so a filter has something to search. With
 * "findings", one stored check run fails every other association (the
 * console's STATE column then reads a run of N/2 findings). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

int main(int argc, char **argv)
{
	struct inv_open_opts o = { 0 };
	struct ow_err e = { 0 };
	struct inv *db;
	sqlite3 *s;
	char sql[1600];
	char *msg = NULL;
	long n = argc > 2 ? atol(argv[2]) : 1000000;

	if (argc < 2) {
		fprintf(stderr, "usage: fill_assocs PATH [N]\n");
		return 2;
	}
	o.path = argv[1];
	if (inv_open(&o, &db, &e) != 0) {
		fprintf(stderr, "fill_assocs: %s\n", e.msg);
		return 2;
	}
	inv_close(db);
	if (sqlite3_open(argv[1], &s) != SQLITE_OK)
		return 2;
	snprintf(sql, sizeof sql,
	         "BEGIN;"
	         "WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < %ld) "
	         "INSERT INTO associations(source_id, restore_id, migration_id, site_code, source_name,"
	         " restore_name, store_path, migration_type, migration_behavior, migration_status,"
	         " store_created, store_released, first_seen, last_seen) "
	         "SELECT 16777216 + 2 * x, 16777217 + 2 * x, printf('{%%08X-0000-4000-8000-%%012d}', x, x),"
	         " 'HLD', printf('WS%%07d', x), printf('WS%%07d', x + 1),"
	         " printf('\\\\SMP%%02d.corp.example\\SMPSTORE_%%08X$\\{%%08X}', x %% 40, x * 7919, x),"
	         " 1 + x %% 2, 0, x %% 3, 1700000000 + x * 60, CASE WHEN x %% 2 THEN 1710000000 + x * 60 END,"
	         " 1, 1 FROM i;"
	         "COMMIT;", n);
	if (sqlite3_exec(s, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "fill_assocs: %s\n", msg);
		return 2;
	}
	if (argc > 3 && strcmp(argv[3], "findings") == 0 &&
	    sqlite3_exec(s, "BEGIN;"
	                 "INSERT INTO check_runs(started, finished, security_grade, privacy_grade,"
	                 " summary_json) VALUES(1700000000, 1700000001, 'C', 'D', '{}');"
	                 "INSERT INTO finding_spans(first_run, check_id, state, severity, object_type,"
	                 " object_key, object_name, evidence_json, baseline, ord)"
	                 " SELECT (SELECT max(id) FROM check_runs), 'OSD-SMP-005', 'fail', 'medium', 'association',"
	                 " source_id || ':' || restore_id, source_name || ' -> ' || restore_name,"
	                 " '{\"store_created\":' || store_created || '}', 'new', id"
	                 " FROM associations WHERE id % 2 = 0;"
	                 "COMMIT;", NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "fill_assocs: %s\n", msg);
		return 2;
	}
	sqlite3_close(s);
	printf("%ld associations in %s\n", n, argv[1]);
	return 0;
}
