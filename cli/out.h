/* Streaming writers for tabular output in the formats scripts and people
 * read: text (aligned, terminal-safe), JSON (an array of objects, ASCII
 * only) and CSV (RFC 4180, with spreadsheet formula injection defused). */
#ifndef OW_CLI_OUT_H
#define OW_CLI_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "db/list.h"
#include "util/buf.h"

enum out_format { OUT_TEXT, OUT_JSON, OUT_CSV };

/* 0 and *fmt set, or -1 for an unknown name. */
int out_format_parse(const char *name, enum out_format *fmt);

struct out_table;

/* Starts a table on f. ascii: the terminal cannot show UTF-8. Returns NULL
 * when out of memory; out_table_end writes the rest and frees it. The
 * columns must outlive the table. */
struct out_table *out_table_begin(FILE *f, enum out_format fmt, const struct inv_col *cols,
                                  size_t ncols, bool ascii);
void out_table_row(struct out_table *t, const struct inv_cell *cells);
/* Finishes and frees the table; -1 if any write failed (full disk, closed
 * pipe), so the caller can report an incomplete output. */
int out_table_end(struct out_table *t);

/* One CSV field, quoted as needed; text cells that a spreadsheet would
 * run as a formula (leading = + - @ tab CR) are prefixed with '. */
void out_csv_field(struct buf *b, const char *s, bool is_text);

#endif
