/* The CLI's table writers: text stays terminal-safe, JSON parses and is
 * ASCII, CSV never starts a cell with what a spreadsheet runs. Each input
 * is split at NUL bytes into the cells of rows of three text columns. */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/out.h"
#include "fuzz.h"

static const struct inv_col cols[] = {
	{ "a", "A", INV_TEXT, 12, 12, 0, NULL, NULL }, { "b", "B", INV_TEXT, 20, 20, 0, NULL, NULL },
	{ "c", "C", INV_TEXT, 8, 8, 0, NULL, NULL },
};

static void check_csv(const char *s)
{
	/* every line's cells: a cell starting with = + - @ must be quoted
	 * with the ' prefix inside */
	const char *p = s;
	while (*p) {
		const char *cell = p;
		if (*cell == '"')
			cell++;
		/* (an empty last cell is followed by the CRLF that ends the record) */
		if (*cell == '=' || *cell == '+' || *cell == '-' || *cell == '@' || *cell == '\t' ||
		    (*cell == '\r' && cell[1] != '\n'))
			abort();
		/* next cell: after a comma or newline outside quotes */
		bool quoted = *p == '"';
		p += quoted;
		while (*p) {
			if (quoted && *p == '"' && p[1] == '"') {
				p += 2;
				continue;
			}
			if (quoted && *p == '"') {
				quoted = false;
				p++;
				continue;
			}
			if (!quoted && (*p == ',' || *p == '\n')) {
				p++;
				break;
			}
			p++;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *parts[30];
	size_t n = 0;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (char *p = copy; n < 30 && p <= copy + size; p += strlen(p) + 1)
		parts[n++] = p;
	for (int fmt = OUT_TEXT; fmt <= OUT_CSV; fmt++) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		struct out_table *t;
		if (!f)
			break;
		t = out_table_begin(f, (enum out_format)fmt, cols, 3, fmt == OUT_TEXT && size % 2);
		for (size_t r = 0; t && r + 3 <= n; r += 3) {
			struct inv_cell cells[3];
			for (int k = 0; k < 3; k++)
				cells[k] = (struct inv_cell){ parts[r + k][0] == '\x01', 0, parts[r + k] };
			out_table_row(t, cells);
		}
		if (t)
			out_table_end(t);
		fclose(f);
		if (fmt == OUT_JSON && text && len) {
			json_t *j = json_loads(text, 0, NULL);
			if (!j)
				abort();              /* the JSON writer wrote something unparsable */
			json_decref(j);
			for (size_t i = 0; i < len; i++)
				if ((unsigned char)text[i] >= 0x80)
					abort();
		}
		if (fmt == OUT_TEXT && text)
			for (size_t i = 0; i < len; i++)
				if (text[i] == 0x1b || (text[i] > 0 && text[i] < 0x20 && text[i] != '\n'))
					abort();
		if (fmt == OUT_CSV && text)
			check_csv(text);
		free(text);
	}
	free(copy);
	return 0;
}
