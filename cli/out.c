#include "cli/out.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/sanitize.h"
#include "util/timeparse.h"
#include "util/width.h"

/* Text cells longer than this are cut before measuring; a table cell never
 * needs more, and a 64 KiB hostile name should not cost 64 KiB of work. */
#define CELL_MAX_CHARS 512

struct out_table {
	FILE *f;
	enum out_format fmt;
	const struct inv_col *cols;
	size_t ncols;
	size_t widths[32];   /* text: column widths, never narrower than the title */
	bool ascii;
	size_t rows;
	struct buf line;
};

int out_format_parse(const char *name, enum out_format *fmt)
{
	static const struct { const char *name; enum out_format fmt; } names[] = {
		{ "text", OUT_TEXT }, { "json", OUT_JSON }, { "csv", OUT_CSV },
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(names[i].name, name) == 0) {
			*fmt = names[i].fmt;
			return 0;
		}
	}
	return -1;
}

void out_csv_field(struct buf *b, const char *s, bool is_text)
{
	bool formula = is_text && strchr("=+-@\t\r", s[0]) && s[0];
	bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;

	if (quote)
		buf_addc(b, '"');
	if (formula)
		buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	if (quote)
		buf_addc(b, '"');
}

/* A cell as display text for text and CSV output; NULL for "no value". */
static void cell_text(const struct out_table *t, const struct inv_col *col,
                      const struct inv_cell *c, bool iso, struct buf *out)
{
	char tbuf[32];

	if (c->null)
		return;
	switch (col->kind) {
	case INV_BOOL:
		buf_adds(out, c->i ? (iso ? "true" : "yes") : (iso ? "false" : "no"));
		break;
	case INV_TIME:
		owtime_format(c->i * 1000, tbuf);
		if (!iso)
			tbuf[10] = '\0';   /* the date is what fits a table */
		buf_adds(out, tbuf);
		break;
	case INV_INT:
		buf_addf(out, "%lld", (long long)c->i);
		break;
	case INV_TEXT:
		if (c->s)
			san_append(out, c->s, strlen(c->s), CELL_MAX_CHARS,
			           t->ascii ? SAN_ASCII : 0);
		break;
	}
}

static json_t *cell_json(const struct inv_col *col, const struct inv_cell *c)
{
	char tbuf[32];

	if (c->null)
		return json_null();
	switch (col->kind) {
	case INV_BOOL:
		return json_boolean(c->i);
	case INV_TIME:
		return json_string(owtime_format(c->i * 1000, tbuf));
	case INV_INT:
		return json_integer((json_int_t)c->i);
	case INV_TEXT:
		break;
	}
	if (!c->s)
		return json_null();
	/* jansson refuses invalid UTF-8; such a string is shown in the same
	 * visible form the terminal gets rather than dropped. */
	json_t *j = json_stringn(c->s, strlen(c->s));
	if (!j) {
		char *safe = san_str(c->s, 0, 0);
		j = safe ? json_string(safe) : json_null();
		free(safe);
	}
	return j;
}

static void flush_line(struct out_table *t)
{
	buf_addc(&t->line, '\n');
	fwrite(t->line.data, 1, t->line.len, t->f);
	buf_reset(&t->line);
}

static void text_header(struct out_table *t)
{
	for (size_t i = 0; i < t->ncols; i++) {
		if (i)
			buf_adds(&t->line, "  ");
		width_fit(&t->line, t->cols[i].title, t->widths[i], i + 1 < t->ncols, t->ascii);
	}
	flush_line(t);
}

static void csv_header(struct out_table *t)
{
	for (size_t i = 0; i < t->ncols; i++) {
		if (i)
			buf_addc(&t->line, ',');
		out_csv_field(&t->line, t->cols[i].name, false);
	}
	buf_addc(&t->line, '\r');
	flush_line(t);
}

struct out_table *out_table_begin(FILE *f, enum out_format fmt, const struct inv_col *cols,
                                  size_t ncols, bool ascii)
{
	struct out_table *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->f = f;
	t->fmt = fmt;
	t->cols = cols;
	t->ncols = ncols;
	t->ascii = ascii;
	if (ncols > sizeof t->widths / sizeof t->widths[0]) {
		free(t);
		return NULL;
	}
	for (size_t i = 0; i < ncols; i++) {
		size_t tw = width_of(cols[i].title);
		t->widths[i] = (size_t)cols[i].width > tw ? (size_t)cols[i].width : tw;
	}
	if (fmt == OUT_TEXT)
		text_header(t);
	else if (fmt == OUT_CSV)
		csv_header(t);
	else
		fputc('[', f);
	return t;
}

void out_table_row(struct out_table *t, const struct inv_cell *cells)
{
	struct buf cell = BUF_INIT;

	if (t->fmt == OUT_JSON) {
		json_t *obj = json_object();
		char *s;

		for (size_t i = 0; i < t->ncols; i++)
			json_object_set_new(obj, t->cols[i].name, cell_json(&t->cols[i], &cells[i]));
		/* ASCII only: bidi overrides and the like arrive as \uXXXX, so
		 * the JSON is terminal-safe even when printed raw. */
		s = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
		fprintf(t->f, "%s\n%s", t->rows ? "," : "", s ? s : "null");
		free(s);
		json_decref(obj);
		t->rows++;
		return;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		buf_reset(&cell);
		cell_text(t, &t->cols[i], &cells[i], t->fmt == OUT_CSV, &cell);
		if (t->fmt == OUT_CSV) {
			if (i)
				buf_addc(&t->line, ',');
			out_csv_field(&t->line, buf_str(&cell), t->cols[i].kind == INV_TEXT);
		} else {
			if (i)
				buf_adds(&t->line, "  ");
			width_fit(&t->line, cells[i].null ? "-" : buf_str(&cell),
			          t->widths[i], i + 1 < t->ncols, t->ascii);
		}
	}
	if (t->fmt == OUT_CSV)
		buf_addc(&t->line, '\r');
	flush_line(t);
	buf_free(&cell);
	t->rows++;
}

int out_table_end(struct out_table *t)
{
	int rc;

	if (t->fmt == OUT_JSON)
		fputs(t->rows ? "\n]\n" : "]\n", t->f);
	rc = (fflush(t->f) != 0 || ferror(t->f)) ? -1 : 0;
	buf_free(&t->line);
	free(t);
	return rc;
}
