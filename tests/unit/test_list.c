#include "support/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "db/checkstore.h"
#include "db/internal.h"
#include "db/db.h"
#include "db/list.h"
#include "db/records.h"

#define NCERTS 1000

/* What we inserted, to compute the expected order independently of SQL. */
struct ref {
	int64_t id;
	char issued_to[32];
	bool issued_null;
	int64_t valid_until;   /* INV_NULL for unset */
	int type;
};

struct fx {
	char *dir, *path;
	struct inv *db;
	struct ref refs[NCERTS];
};

static unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct inv_open_opts o = { 0 };
	struct ow_err e = { 0 };
	unsigned seed = 7;

	f->dir = tu_tmpdir();
	f->path = tu_path(f->dir, "inv.db");
	o.path = f->path;
	assert_int_equal(inv_open(&o, &f->db, &e), 0);
	assert_int_equal(inv_begin(f->db, &e), 0);
	for (int i = 0; i < NCERTS; i++) {
		struct ref *r = &f->refs[i];
		char smsid[48];
		unsigned pick = rnd(&seed) % 10;

		/* Duplicated names and NULLs make ties the keyset must break. */
		r->issued_null = pick == 0;
		snprintf(r->issued_to, sizeof r->issued_to, "%s%03u.holdout.example",
		         pick < 5 ? "PXE" : "media", rnd(&seed) % 50);
		r->valid_until = pick == 1 ? INV_NULL : 1700000000 + (int64_t)(rnd(&seed) % 300) * 86400;
		r->type = pick < 5 ? 2 : 1;
		snprintf(smsid, sizeof smsid, "{%08d-AAAA-4000-8000-000000000000}", i);
		struct inv_cert c = {
			.smsid = smsid, .type = r->type, .key_type = 1, .is_blocked = 0,
			.is_approved = 1, .issued_to = r->issued_null ? NULL : r->issued_to,
			.valid_from = INV_NULL, .valid_until = r->valid_until,
		};
		assert_int_equal(inv_put_cert(f->db, &c, 100, &e), 0);
		r->id = c.id;
	}
	assert_int_equal(inv_commit(f->db, &e), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	inv_close(f->db);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

/* SQLite's order: NULL first ascending, then by value, then by key. */
static int sort_col;
static int cmp_ref(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	int c;

	if (sort_col == 0) {
		if (x->issued_null != y->issued_null)
			return x->issued_null ? -1 : 1;
		c = x->issued_null ? 0 : strcmp(x->issued_to, y->issued_to);
	} else {
		bool xn = x->valid_until == INV_NULL, yn = y->valid_until == INV_NULL;
		if (xn != yn)
			return xn ? -1 : 1;
		c = xn ? 0 : (x->valid_until > y->valid_until) - (x->valid_until < y->valid_until);
	}
	return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* Expected key order for a sort column and direction. */
static int64_t *expected(struct fx *f, const char *col, bool desc)
{
	struct ref *copy = malloc(sizeof f->refs);
	int64_t *keys = malloc(NCERTS * sizeof *keys);

	memcpy(copy, f->refs, sizeof f->refs);
	sort_col = strcmp(col, "issued_to") == 0 ? 0 : 1;
	qsort(copy, NCERTS, sizeof *copy, cmp_ref);
	for (int i = 0; i < NCERTS; i++)
		keys[i] = copy[desc ? NCERTS - 1 - i : i].id;
	free(copy);
	return keys;
}

/* Pages through the whole list in one direction and compares keys. */
static void walk(struct fx *f, const char *col, bool desc, bool backward, int limit)
{
	const struct inv_list *l = inv_list_find("certs");
	int64_t *want = expected(f, col, desc);
	struct inv_cursor cur = { { true, 0, NULL }, 0 };
	struct inv_page_req req = { .sort_col = inv_list_col_index(l, col), .desc = desc,
	                            .anchor = backward ? INV_LAST : INV_FIRST, .limit = limit };
	struct ow_err e = { 0 };
	int seen = 0, pages = 0;

	assert_true(req.sort_col >= 0);
	for (;;) {
		struct inv_page p;

		if (inv_list_page(f->db, l, &req, &p, &e) != 0)
			fail_msg("page: %s", e.msg);
		pages++;
		for (size_t i = 0; i < p.nrows; i++) {
			/* Rows come in display order; walking back fills from the end. */
			int pos = backward ? NCERTS - seen - (int)p.nrows + (int)i : seen + (int)i;
			if (p.rows[i].key != want[pos])
				fail_msg("%s %s %s: row %d is key %lld, expected %lld", col,
				         desc ? "desc" : "asc", backward ? "backward" : "forward",
				         pos, (long long)p.rows[i].key, (long long)want[pos]);
		}
		seen += (int)p.nrows;
		inv_cursor_free(&cur);
		if (p.nrows)
			assert_int_equal(inv_cursor_from_row(&p.rows[backward ? 0 : p.nrows - 1], &cur), 0);
		bool more = p.more;
		inv_page_free(&p);
		if (!more)
			break;
		req.anchor = backward ? INV_BEFORE : INV_AFTER;
		req.cursor = &cur;
	}
	inv_cursor_free(&cur);
	assert_int_equal(seen, NCERTS);
	assert_int_equal(pages, (NCERTS + limit - 1) / limit);
	free(want);
}

static void test_forward_paging_visits_every_row_once_in_order(void **state)
{
	struct fx *f = *state;

	walk(f, "issued_to", false, false, 37);
	walk(f, "issued_to", true, false, 37);
	walk(f, "valid_until", false, false, 100);
	walk(f, "valid_until", true, false, 1);
}

static void test_backward_paging_from_the_end_matches_the_forward_order(void **state)
{
	struct fx *f = *state;

	walk(f, "issued_to", false, true, 37);
	walk(f, "issued_to", true, true, 64);
	walk(f, "valid_until", false, true, 999);
	walk(f, "valid_until", true, true, 1000);
}

static void test_page_after_then_before_returns_the_same_window(void **state)
{
	struct fx *f = *state;
	const struct inv_list *l = inv_list_find("certs");
	struct inv_page_req req = { .sort_col = inv_list_col_index(l, "issued_to"),
	                            .anchor = INV_FIRST, .limit = 20 };
	struct inv_page p1, p2, p3;
	struct inv_cursor c1, c2;
	struct ow_err e = { 0 };

	assert_int_equal(inv_list_page(f->db, l, &req, &p1, &e), 0);
	assert_int_equal(inv_cursor_from_row(&p1.rows[19], &c1), 0);
	req.anchor = INV_AFTER;
	req.cursor = &c1;
	assert_int_equal(inv_list_page(f->db, l, &req, &p2, &e), 0);   /* PgDn */
	assert_int_equal(inv_cursor_from_row(&p2.rows[0], &c2), 0);
	req.anchor = INV_BEFORE;
	req.cursor = &c2;
	assert_int_equal(inv_list_page(f->db, l, &req, &p3, &e), 0);   /* PgUp */
	assert_int_equal(p3.nrows, 20);
	for (int i = 0; i < 20; i++)
		assert_int_equal(p3.rows[i].key, p1.rows[i].key);
	assert_false(p3.more);   /* nothing before the first page */
	inv_cursor_free(&c1);
	inv_cursor_free(&c2);
	inv_page_free(&p1);
	inv_page_free(&p2);
	inv_page_free(&p3);
}

static void test_filter_is_case_insensitive_and_counts_are_exact(void **state)
{
	struct fx *f = *state;
	const struct inv_list *l = inv_list_find("certs");
	struct inv_page_req req = { .sort_col = -1, .filter = "pxe0",
	                            .anchor = INV_FIRST, .limit = 10000, .want_counts = true };
	struct inv_page p;
	struct ow_err e = { 0 };
	int64_t want = 0;

	for (int i = 0; i < NCERTS; i++)
		if (!f->refs[i].issued_null && strncasecmp(f->refs[i].issued_to, "pxe0", 4) == 0)
			want++;
	assert_true(want > 0 && want < NCERTS);
	assert_int_equal(inv_list_page(f->db, l, &req, &p, &e), 0);
	assert_int_equal(p.total, NCERTS);
	assert_int_equal(p.filtered, want);
	assert_int_equal((int64_t)p.nrows, want);
	inv_page_free(&p);

	/* The filter also sees derived labels: type 2 shows as "PXE". */
	req.filter = "PXE";
	req.limit = 5;
	assert_int_equal(inv_list_page(f->db, l, &req, &p, &e), 0);
	assert_true(p.filtered > want);
	assert_true(p.more);
	assert_int_equal(p.nrows, 5);
	inv_page_free(&p);
}

static void test_filter_takes_wildcards_literally(void **state)
{
	struct fx *f = *state;
	const struct inv_list *l = inv_list_find("certs");
	struct inv_page_req req = { .sort_col = -1, .anchor = INV_FIRST, .limit = 100,
	                            .want_counts = true };
	struct inv_cert c = { .smsid = (char *)"{WILD}", .issued_to = (char *)"50%_off\\sale",
	                      .type = 2, .key_type = INV_NULL, .is_blocked = INV_NULL,
	                      .is_approved = INV_NULL, .valid_from = INV_NULL,
	                      .valid_until = INV_NULL };
	struct ow_err e = { 0 };
	struct inv_page p;
	const char *filters[] = { "%", "_", "%_o", "\\s" };

	assert_int_equal(inv_put_cert(f->db, &c, 100, &e), 0);
	for (size_t i = 0; i < 4; i++) {
		req.filter = filters[i];
		assert_int_equal(inv_list_page(f->db, l, &req, &p, &e), 0);
		if (p.filtered != 1)
			fail_msg("filter '%s' matched %lld rows", filters[i], (long long)p.filtered);
		inv_page_free(&p);
	}
}

/* The association list filters its computer names through a trigram
 * index from three characters on: the counts and rows must be what a
 * plain substring search of the names finds, after inserts, renames and
 * deletions (one by one, and a bulk load that holds the index), for
 * quotes, wildcards and non-ASCII text too. */
static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; hay && *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

static void test_association_filter_index_agrees_with_a_substring_scan(void **state)
{
	struct fx *f = *state;
	const struct inv_list *l = inv_list_find("assocs");
	struct ow_err e = { 0 };
	char names[300][3][64];
	bool alive[300];
	unsigned seed = 11;
	const char *filters[] = { "ws0", "WS01", "smp\\", "\\\\SMP", "o\"q", "50%", "_x_", "ab", "x",
	                          "kiosk-7", "\xc3\xa9t\xc3\xa9" };

	for (int i = 0; i < 300; i++) {
		struct inv_assoc a = { .source_id = 1000 + i, .restore_id = 5000 + i,
		                       .migration_type = 1, .migration_behavior = 0,
		                       .migration_status = i % 3, .store_created = 1,
		                       .store_released = INV_NULL, .store_deleted = INV_NULL };
		unsigned r = rnd(&seed);
		snprintf(names[i][0], 64, "%s%03u", r % 3 ? "WS" : "KIOSK-", r % 120);
		snprintf(names[i][1], 64, "%s", r % 7 == 0 ? "o\"quote" : r % 11 == 0 ? "50%_x_" : "ws777");
		snprintf(names[i][2], 64, "\\\\SMP%02u\\store\\%s", r % 5, r % 13 == 0 ? "\xc3\xa9t\xc3\xa9" : "d");
		a.source_name = names[i][0];
		a.restore_name = names[i][1];
		a.store_path = names[i][2];
		a.site_code = (char *)"HLD";
		assert_int_equal(inv_put_assoc(f->db, &a, 100, &e), 0);
		alive[i] = true;
	}
	/* renames (the update trigger) and deletions (the delete trigger) */
	for (int i = 0; i < 300; i += 17) {
		struct inv_assoc a = { .source_id = 1000 + i, .restore_id = 5000 + i };
		assert_int_equal(inv_get_assoc(f->db, &a, &e), 0);
		snprintf(names[i][0], 64, "RENAMED-%d", i);
		free(a.source_name);
		a.source_name = strdup(names[i][0]);
		assert_int_equal(inv_put_assoc(f->db, &a, 200, &e), 0);
		inv_free_assoc(&a);
	}
	assert_int_equal(inv_begin(f->db, &e), 0);
	for (int i = 5; i < 300; i += 29) {
		struct inv_assoc a = { .source_id = 1000 + i, .restore_id = 5000 + i };
		assert_int_equal(inv_get_assoc(f->db, &a, &e), 0);
		assert_int_equal(inv_mark_one_gone(f->db, "associations", a.id, 300, &e), 1);
		inv_free_assoc(&a);
		alive[i] = false;
	}
	assert_int_equal(inv_commit(f->db, &e), 0);
	for (size_t k = 0; k < sizeof filters / sizeof filters[0]; k++) {
		struct inv_page_req req = { .sort_col = -1, .anchor = INV_FIRST, .limit = 10000,
		                            .want_counts = true, .filter = filters[k] };
		struct inv_page p;
		int64_t want = 0;
		for (int i = 0; i < 300; i++)
			want += alive[i] && (contains_ci(names[i][0], filters[k]) ||
			                     contains_ci(names[i][1], filters[k]));
		assert_int_equal(inv_list_page(f->db, l, &req, &p, &e), 0);
		if (p.filtered != want || (int64_t)p.nrows != want)
			fail_msg("filter '%s': %lld counted, %zu listed, %lld expected", filters[k],
			         (long long)p.filtered, p.nrows, (long long)want);
		inv_page_free(&p);
	}
	/* A bulk load as a sync does it: triggers held, one rebuild at the end. */
	assert_int_equal(inv_begin(f->db, &e), 0);
	assert_int_equal(inv_assoc_index_hold(f->db, true, &e), 0);
	for (int i = 0; i < 10; i++) {
		char src[32];
		struct inv_assoc a = { .source_id = 90000 + i, .restore_id = 95000 + i,
		                       .source_name = src, .restore_name = (char *)"x",
		                       .migration_type = INV_NULL, .migration_behavior = INV_NULL,
		                       .migration_status = INV_NULL, .store_created = INV_NULL,
		                       .store_released = INV_NULL, .store_deleted = INV_NULL };
		snprintf(src, sizeof src, "BULK-%d", i);
		assert_int_equal(inv_put_assoc(f->db, &a, 400, &e), 0);
	}
	assert_int_equal(inv_assoc_index_hold(f->db, false, &e), 0);
	assert_int_equal(inv_commit(f->db, &e), 0);
	{
		struct inv_page_req req = { .sort_col = -1, .anchor = INV_FIRST, .limit = 100,
		                            .want_counts = true, .filter = "bulk-" };
		struct inv_page p;
		assert_int_equal(inv_list_page(f->db, l, &req, &p, &e), 0);
		assert_int_equal(p.filtered, 10);
		inv_page_free(&p);
	}
}

/* The trigram index keeps no positions: a name holding every trigram of
 * the filter in another order (AAA-AAB for "aaab") must not be listed;
 * the substring still decides (an association opened from a check's
 * explanation is found by its name). */
static void test_a_filter_needs_the_substring_not_only_its_trigrams(void **state)
{
	struct fx *f = *state;
	const struct inv_list *l = inv_list_find("assocs");
	struct ow_err e = { 0 };
	const char *sources[] = { "AAA-AAB", "AAAB-1", "WS000010", "WS000001" };
	struct inv_page_req req = { .sort_col = -1, .anchor = INV_FIRST, .limit = 100,
	                            .want_counts = true, .filter = "aaab" };
	struct inv_page p;

	for (int i = 0; i < 4; i++) {
		struct inv_assoc a = { .source_id = 700 + i, .restore_id = 800 + i,
		                       .source_name = (char *)sources[i], .restore_name = (char *)"R",
		                       .migration_type = 1, .migration_behavior = 0,
		                       .migration_status = 2, .store_created = 1,
		                       .store_released = INV_NULL, .store_deleted = INV_NULL };
		assert_int_equal(inv_put_assoc(f->db, &a, 100, &e), 0);
	}
	assert_int_equal(inv_list_page(f->db, l, &req, &p, &e), 0);
	assert_int_equal(p.filtered, 1);
	assert_int_equal(p.nrows, 1);
	inv_page_free(&p);
	req.filter = "WS000001";
	assert_int_equal(inv_list_page(f->db, l, &req, &p, &e), 0);
	assert_int_equal(p.filtered, 1);
	assert_int_equal(p.nrows, 1);
	inv_page_free(&p);
}

static void test_rows_gone_from_the_site_are_not_listed(void **state)
{
	struct fx *f = *state;
	const struct inv_list *l = inv_list_find("certs");
	struct inv_page_req req = { .sort_col = -1, .anchor = INV_FIRST, .limit = 1,
	                            .want_counts = true };
	struct ow_err e = { 0 };
	struct inv_page p;

	assert_int_equal(inv_mark_gone(f->db, "certificates", 101, 102, &e), NCERTS);
	assert_int_equal(inv_list_page(f->db, l, &req, &p, &e), 0);
	assert_int_equal(p.total, 0);
	assert_int_equal(p.nrows, 0);
	assert_false(p.more);
	inv_page_free(&p);
}

static void test_media_list_shows_boot_images_and_media_certificates(void **state)
{
	struct fx *f = *state;
	const struct inv_list *l = inv_list_find("media");
	struct inv_boot_image b = { .package_id = (char *)"HLD00001", .name = (char *)"Boot x64",
	                            .architecture = 9, .pkg_flags = 0, .enable_lab_shell = 1,
	                            .source_date = 1700000000, .last_refresh = INV_NULL };
	struct inv_page_req req = { .sort_col = -1, .anchor = INV_FIRST, .limit = 10000,
	                            .want_counts = true };
	struct ow_err e = { 0 };
	struct inv_page p;
	int media_certs = 0, images = 0;
	int kind = inv_list_col_index(l, "kind");

	for (int i = 0; i < NCERTS; i++)
		media_certs += f->refs[i].type == 1;
	assert_int_equal(inv_put_boot_image(f->db, &b, 100, &e), 0);
	assert_int_equal(inv_list_page(f->db, l, &req, &p, &e), 0);
	assert_int_equal(p.total, media_certs + 1);
	for (size_t i = 0; i < p.nrows; i++)
		images += strcmp(p.rows[i].cells[kind].s, "boot image") == 0;
	assert_int_equal(images, 1);
	inv_page_free(&p);
}

static void test_every_list_answers_on_an_empty_inventory(void **state)
{
	const char *names[] = { "dps", "smps", "media", "certs", "assocs", "ts", "admins" };
	struct inv_open_opts o = { 0 };
	struct ow_err e = { 0 };
	char *dir = tu_tmpdir(), *path = tu_path(dir, "empty.db");
	struct inv *db;

	(void)state;
	o.path = path;
	assert_int_equal(inv_open(&o, &db, &e), 0);
	for (size_t i = 0; i < 7; i++) {
		const struct inv_list *l = inv_list_find(names[i]);
		assert_non_null(l);
		for (size_t c = 0; c < inv_list_ncols(l); c++) {
			struct inv_page_req req = { .sort_col = (int)c, .anchor = INV_LAST,
			                            .limit = 10, .want_counts = true, .filter = "x" };
			struct inv_page p;
			if (inv_list_page(db, l, &req, &p, &e) != 0)
				fail_msg("%s sorted by %zu: %s", names[i], c, e.msg);
			assert_int_equal(p.nrows, 0);
			assert_int_equal(p.total, 0);
			inv_page_free(&p);
		}
	}
	assert_null(inv_list_find("passwords"));
	inv_close(db);
	tu_rmtree(dir);
	free(dir);
	free(path);
}

static int count_finding(void *ctx, size_t key, const struct inv_finding *f)
{
	int *seen = ctx;

	assert_string_equal(f->object_type, "certificate");
	seen[key]++;
	return 0;
}

/* The console's STATE column: the findings of one page's objects, by
 * their key and of the list's object types only, read through an index. */
static void test_page_findings_are_read_by_key_and_type_through_an_index(void **state)
{
	struct fx *f = *state;
	const struct inv_list *l = inv_list_find("certs");
	struct inv_page_req req = { .sort_col = -1, .anchor = INV_FIRST, .limit = 4 };
	struct inv_page p;
	struct ow_err e = { 0 };
	const char *keys[4];
	int seen[4] = { 0 };
	int64_t run;
	struct tu_plans plans;
	char *text;

	assert_int_equal(inv_list_page(f->db, l, &req, &p, &e), 0);
	assert_int_equal(p.nrows, 4);
	for (size_t i = 0; i < 4; i++) {
		keys[i] = p.rows[i].object_key;
		assert_non_null(keys[i]);
		assert_int_equal(keys[i][0], '{');       /* an SMSID, as the checks name certificates */
		assert_int_equal(p.rows[i].first_seen, 100);
	}
	run = inv_run_begin(f->db, 200, "test", &e);
	assert_true(run > 0);
	/* two findings on row 0, one on row 2, and one of another type
	 * carrying row 1's key, which is not a certificate's */
	assert_int_equal(inv_finding_add(f->db, run, &(struct inv_finding){ "OSD-MEDIA-001", "fail",
	                 "high", "certificate", keys[0], "x", "{}", "new", 0, false, 0 }, &e), 0);
	assert_int_equal(inv_finding_add(f->db, run, &(struct inv_finding){ "OSD-MEDIA-002", "unknown",
	                 "medium", "certificate", keys[0], "x", "{}", NULL, 0, false, 0 }, &e), 0);
	assert_int_equal(inv_finding_add(f->db, run, &(struct inv_finding){ "OSD-MEDIA-001", "fail",
	                 "high", "certificate", keys[2], "x", "{}", "new", 1, false, 0 }, &e), 0);
	assert_int_equal(inv_finding_add(f->db, run, &(struct inv_finding){ "OSD-PXE-004", "fail",
	                 "high", "dp", keys[1], "x", "{}", "new", 0, false, 0 }, &e), 0);
	assert_int_equal(inv_each_object_finding(f->db, run, inv_list_object_types(l), keys, 4,
	                                         count_finding, seen, &e), 0);
	assert_int_equal(seen[0], 2);
	assert_int_equal(seen[1], 0);
	assert_int_equal(seen[2], 1);
	assert_int_equal(seen[3], 0);
	/* another run's findings are not this run's */
	memset(seen, 0, sizeof seen);
	assert_int_equal(inv_each_object_finding(f->db, run + 1, inv_list_object_types(l), keys, 4,
	                                         count_finding, seen, &e), 0);
	assert_int_equal(seen[0] + seen[1] + seen[2] + seen[3], 0);
	/* Every statement the lookup runs reaches the findings by an index
	 * search, never a scan of them (the whole history, at scale). */
	tu_plans_begin(&plans, f->db->sql);
	assert_int_equal(inv_each_object_finding(f->db, run, inv_list_object_types(l), keys, 4,
	                                         count_finding, seen, &e), 0);
	text = tu_plans_end(&plans);
	if (strstr(text, "  SCAN finding_spans") || !strstr(text, "  SEARCH finding_spans"))
		fail_msg("the findings of a page are not read through an index:\n%s", text);
	free(text);
	/* A type with a NUL in it (the table edited by hand) reads back as
	 * less than itself: the lookup ends, and does not find it for ever. */
	tu_sql_exec(f->path, "INSERT INTO finding_spans(first_run, check_id, state, severity,"
	            " object_type, object_key) VALUES(1, 'OSD-MEDIA-001', 'fail', 'high',"
	            " 'certificate' || char(0) || 'x', 'k')");
	memset(seen, 0, sizeof seen);
	assert_int_equal(inv_each_object_finding(f->db, run, inv_list_object_types(l), keys, 4,
	                                         count_finding, seen, &e), 0);
	assert_int_equal(seen[0], 2);
	inv_page_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_forward_paging_visits_every_row_once_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backward_paging_from_the_end_matches_the_forward_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_after_then_before_returns_the_same_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_is_case_insensitive_and_counts_are_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_takes_wildcards_literally, setup, teardown),
		cmocka_unit_test_setup_teardown(test_association_filter_index_agrees_with_a_substring_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_filter_needs_the_substring_not_only_its_trigrams, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rows_gone_from_the_site_are_not_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_media_list_shows_boot_images_and_media_certificates, setup, teardown),
		cmocka_unit_test(test_every_list_answers_on_an_empty_inventory),
		cmocka_unit_test_setup_teardown(test_page_findings_are_read_by_key_and_type_through_an_index, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
