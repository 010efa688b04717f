#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "util/num.h"
#include "cli/out.h"
#include "db/list.h"

/* Rows read per query; output streams, so memory stays flat at 1M rows. */
#define LIST_BATCH 500

static int print_list(struct cli *c, struct inv *db, const struct inv_list *l,
                      struct inv_page_req *req, enum out_format fmt, long limit)
{
	struct inv_col cols[32];
	size_t ncols = inv_list_ncols(l);
	struct inv_cursor cur = { { true, 0, NULL }, 0 };
	struct out_table *t;
	struct ow_err e = { 0 };
	long printed = 0;
	int rc = 0;

	for (size_t i = 0; i < ncols && i < 32; i++)
		cols[i] = *inv_list_col(l, i);
	t = out_table_begin(c->out, fmt, cols, ncols, c->ascii);
	if (!t)
		return cli_fail(c, &(struct ow_err){ OW_EINPUT, "out of memory" });
	for (;;) {
		struct inv_page page;

		if (inv_list_page(db, l, req, &page, &e) != 0) {
			rc = OW_EINPUT;
			break;
		}
		for (size_t r = 0; r < page.nrows && (limit == 0 || printed < limit); r++, printed++)
			out_table_row(t, page.rows[r].cells);
		inv_cursor_free(&cur);
		if (page.nrows && inv_cursor_from_row(&page.rows[page.nrows - 1], &cur) != 0) {
			ow_err_set(&e, OW_EINPUT, "out of memory");
			rc = OW_EINPUT;
		}
		bool more = page.more;
		inv_page_free(&page);
		if (rc || !more || (limit && printed >= limit))
			break;
		req->anchor = INV_AFTER;
		req->cursor = &cur;
	}
	inv_cursor_free(&cur);
	if (out_table_end(t) != 0 && rc == 0)
		ow_err_set(&e, OW_EINPUT, "writing the output failed; it is incomplete"), rc = OW_EINPUT;
	return rc ? cli_fail(c, &e) : 0;
}

const struct ow_opt cmd_list_opts[] = {
	{ "format", 0, 'f', "FORMAT", "text|json|csv", NULL, "the output's format (default text)" },
	{ "filter", 0, 'F', "TEXT", NULL, NULL, "only the rows with TEXT in one of their columns" },
	{ "sort", 0, 's', "COLUMN", NULL, NULL, "sort by this column of the list" },
	{ "desc", 0, 'D', NULL, NULL, NULL, "sort in descending order" },
	{ "limit", 0, 'n', "N", NULL, NULL, "print at most N rows" },
	CLI_HELP_OPT,
	{ NULL, 0, 0, NULL, NULL, NULL, NULL },
};

int cmd_list(struct cli *c, int argc, char **argv)
{
	struct ow_getopt g;
	struct inv_page_req req = { .sort_col = -1, .anchor = INV_FIRST, .limit = LIST_BATCH };
	enum out_format fmt = OUT_TEXT;
	const char *sort = NULL;
	const struct inv_list *l;
	struct inv *db;
	long limit = 0;
	int opt, rc;

	ow_getopt_init(&g, cmd_list_opts, NULL);
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, g.shorts, g.longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (out_format_parse(optarg, &fmt) != 0)
				return cli_usage(c, "list", "unknown format '%s'", optarg);
			break;
		case 'F':
			req.filter = optarg;
			break;
		case 's':
			sort = optarg;
			break;
		case 'D':
			req.desc = true;
			break;
		case 'n':
			if (num_parse_long(optarg, 1, 100000000, &limit) != 0)
				return cli_usage(c, "list", "--limit wants a number of rows, not '%s'",
				                 optarg);
			break;
		default:
			return cli_usage(c, "list", "unknown or incomplete option '%s'",
			                 argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage(c, "list", "which list? one of %s", inv_list_names());
	if (optind + 1 < argc)
		return cli_usage(c, "list", "one list at a time; '%s' is extra", argv[optind + 1]);
	l = inv_list_find(argv[optind]);
	if (!l)
		return cli_usage(c, "list", "there is no list '%s'; try one of %s",
		                 argv[optind], inv_list_names());
	if (sort && (req.sort_col = inv_list_col_index(l, sort)) < 0)
		return cli_usage(c, "list", "the %s list has no column '%s'", argv[optind], sort);
	if ((rc = cli_open_inventory(c, &db)) != 0)
		return rc;
	rc = print_list(c, db, l, &req, fmt, limit);
	inv_close(db);
	return rc;
}
