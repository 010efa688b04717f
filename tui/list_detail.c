/* The page Enter opens on a list row, in the console's words: the
 * object's findings first (the STATE column's words, the check, the
 * evidence in words, wrapped to the screen), then its fields under labels
 * with their whole values (the list may have cut them). */
#include "tui/list_detail.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/checks.h"
#include "checks/words.h"
#include "db/records.h"
#include "tui/listfmt.h"
#include "util/width.h"

/* text on lines of at most width characters, each after indent spaces,
 * broken after a ", " where one falls in the line (a pair of the
 * evidence stays whole), else after the last space, else (one word
 * longer than the line) where the width runs out. */
static void add_wrapped(struct buf *b, const char *text, int indent, int width)
{
	size_t len = strlen(text);

	if (width < 20)
		width = 20;
	while (len) {
		size_t end = 0, brk = 0, space = 0;
		int chars = 0;
		while (end < len && chars < width) {
			if (end > 0 && text[end - 1] == ' ' && end > 1 && text[end - 2] == ',')
				brk = end;
			else if (end > 0 && text[end - 1] == ' ')
				space = end;
			end++;
			while (end < len && ((unsigned char)text[end] & 0xC0) == 0x80)
				end++;
			chars++;
		}
		if (end < len && (brk || space))
			end = brk ? brk : space;
		buf_addf(b, "%*s%.*s\n", indent, "", (int)end, text);
		text += end;
		len -= end;
	}
}

/* Columns the pager keeps off its lines (its margins): a wrapped line
 * is never cut at the edge. */
#define PAGER_MARGIN 3

/* s padded with spaces to cols columns (s is at most that wide). */
static void add_padded(struct buf *b, const char *s, size_t cols)
{
	size_t w = width_of(s);

	buf_adds(b, s);
	for (; w < cols; w++)
		buf_addc(b, ' ');
}

/* One finding as the detail shows it: its state in words (the STATE
 * column's), the check, and the evidence in words under it. */
static void add_finding_text(struct tui_app *a, struct buf *b, const struct inv_finding *f)
{
	const struct chk_def *def = chk_find(f->check_id);
	struct lf_state one = { 0 };
	enum tui_style st;
	char word[32], *line = chk_evidence_line(f->evidence_json, inv_now());

	lf_state_add(&one, f);
	buf_addc(b, ' ');
	add_padded(b, lf_state_text(a, &one, word, sizeof word, &st), 11);
	add_padded(b, f->check_id ? f->check_id : "?", 16);
	buf_addf(b, "%s\n", def ? def->title : "");
	if (line && line[0])
		add_wrapped(b, line, 12, COLS - PAGER_MARGIN - 12);
	free(line);
}

struct detail_ctx {
	struct tui_app *a;
	struct buf *out;
	size_t n;
	const char *const *types;   /* evaluated now: the object's types and key */
	const char *key;
};

static int stored_finding(void *ctx, size_t key, const struct inv_finding *f)
{
	struct detail_ctx *dc = ctx;

	(void)key;
	add_finding_text(dc->a, dc->out, f);
	dc->n++;
	return 0;
}

/* A result of an evaluation shown, not stored, that is a finding of the
 * object: as a stored finding would read. */
static int evaluated_finding(void *ctx, const struct chk_result *r)
{
	struct detail_ctx *dc = ctx;
	bool typed = false;

	for (size_t t = 0; dc->types && dc->types[t]; t++)
		typed |= r->object_type && strcmp(r->object_type, dc->types[t]) == 0;
	if (!typed || !r->object_key || strcmp(r->object_key, dc->key) != 0 ||
	    r->state == CS_PASS || r->state == CS_NOTAPPLICABLE)
		return 0;
	add_finding_text(dc->a, dc->out, &(struct inv_finding){
		r->def->id, chk_state_name(r->state), chk_sev_name(r->sev), r->object_type,
		r->object_key, r->object_name, r->evidence, r->baseline, r->waived, false, 0 });
	dc->n++;
	return 0;
}

void ld_findings(struct tui_app *a, const struct inv_list *l, const struct inv_row *row,
                 int64_t run_id, int64_t run_started, const char *unread, struct buf *out)
{
	const char *const *types = inv_list_object_types(l);
	const char *key = row->object_key;
	struct detail_ctx dc = { a, out, 0, types, key };
	struct chk_run run;
	struct ow_err e = { 0 };

	if (!key) {
		buf_adds(out, " no finding can name this object (it has no key)\n");
		return;
	}
	if (run_id) {
		buf_addf(out, "Findings in check run #%lld\n", (long long)run_id);
		if (inv_each_object_finding(a->o.db, run_id, types, &key, 1, stored_finding, &dc,
		                            &e) < 0)
			buf_addf(out, " the findings could not be read: %s\n", e.msg);
		else if (!dc.n && row->first_seen > run_started)
			buf_adds(out, " none: synced after the run (c runs the checklist again)\n");
		else if (!dc.n && unread)
			buf_addf(out, " none of its own, but the run could not read %s: not known to pass "
			         "(sync again, then c)\n", unread);
		else if (!dc.n)
			buf_adds(out, " none: every check passed or does not apply\n");
		return;
	}
	buf_adds(out, "Findings (no check run is stored: evaluated now, not stored; c stores one)\n");
	if (chk_evaluate_peek(a->o.db, inv_now(), &run, &e) != 0) {
		buf_addf(out, " the checklist could not be evaluated: %s\n", e.msg);
		return;
	}
	if (chk_run_each(&run, -1, evaluated_finding, &dc) != 0)
		buf_adds(out, " the checklist's results could not be read back (out of memory or "
		         "an I/O error)\n");
	else if (!dc.n)
		buf_adds(out, " none: every check passed or does not apply\n");
	chk_run_free(&run);
}

/* One JSON object of the values by field name, through the same renderer
 * as the reports (checks/words). */
void ld_fields(const struct inv_list *l, const struct inv_row *row, struct buf *out)
{
	size_t ncols = inv_list_ncols(l);
	json_t *obj = json_object();
	struct chk_pair *pairs = calloc(ncols ? ncols : 1, sizeof *pairs);
	char *text;
	size_t n;

	for (size_t c = 0; c < ncols && obj && pairs; c++) {
		const struct inv_col *col = inv_list_col(l, c);
		const struct inv_cell *cell = &row->cells[c];
		char name[64];
		json_t *val;
		if (col->field) {
			snprintf(name, sizeof name, "%s", col->field);
		} else {
			snprintf(name, sizeof name, "%s", col->title);
			for (char *p = name; *p; p++)
				*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
		}
		if (cell->null)
			val = json_null();
		else if (col->kind == INV_TEXT)
			val = json_string(cell->s ? cell->s : "");
		else if (col->kind == INV_BOOL)
			val = json_boolean(cell->i);
		else if (col->kind == INV_TIME && !col->field) {
			/* a time the words table cannot name: as the list shows it,
			 * a date, never the seconds since 1970 */
			char show[64];
			lf_cell(col, cell, show, sizeof show);
			val = json_string(show);
		} else
			val = json_integer((json_int_t)cell->i);
		/* a string that is not UTF-8 stays visible, as the list shows it */
		if (!val) {
			char show[512];
			lf_cell(col, cell, show, sizeof show);
			val = json_string(show);
		}
		json_object_set_new(obj, name, val ? val : json_null());
	}
	text = obj ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	n = text && pairs ? chk_evidence_pairs(text, inv_now(), pairs, ncols) : 0;
	buf_adds(out, "Fields\n");
	for (size_t i = 0; i < n; i++) {
		/* the whole value: the list may have cut it */
		char line[sizeof pairs[i].label + sizeof pairs[i].value + 4];
		snprintf(line, sizeof line, "%s: %s", pairs[i].label, pairs[i].value);
		add_wrapped(out, line, 1, COLS - PAGER_MARGIN - 1);
	}
	if (!n)
		buf_adds(out, " (out of memory)\n");
	free(text);
	free(pairs);
	json_decref(obj);
}
