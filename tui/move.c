/* Cursor movement, once for every view (htop's Panel_onKey): the movement
 * requests mean the same rows everywhere, whether a view holds its rows in
 * memory (tui_move), scrolls lines of text (tui_scroll), or reads a window
 * of rows from SQL (the lists apply tui_motion themselves). */
#include <string.h>

#include "tui/internal.h"

struct tui_motion tui_motion(enum tui_req r, int page)
{
	int half;

	if (page < 1)
		page = 1;
	half = page / 2 > 0 ? page / 2 : 1;
	switch (r) {
	case REQ_UP: return (struct tui_motion){ TUI_MOVE_BY, -1, false };
	case REQ_DOWN: return (struct tui_motion){ TUI_MOVE_BY, 1, false };
	/* In rows a filter chose, the next match is the next row; text
	 * views and the explanation find their matches themselves. */
	case REQ_PREV_MATCH: return (struct tui_motion){ TUI_MOVE_BY, -1, false };
	case REQ_NEXT_MATCH: return (struct tui_motion){ TUI_MOVE_BY, 1, false };
	case REQ_PAGE_UP: return (struct tui_motion){ TUI_MOVE_BY, -page, true };
	case REQ_PAGE_DOWN: return (struct tui_motion){ TUI_MOVE_BY, page, true };
	case REQ_HALF_UP: return (struct tui_motion){ TUI_MOVE_BY, -half, true };
	case REQ_HALF_DOWN: return (struct tui_motion){ TUI_MOVE_BY, half, true };
	case REQ_FIRST: return (struct tui_motion){ TUI_MOVE_FIRST, 0, true };
	case REQ_LAST: return (struct tui_motion){ TUI_MOVE_LAST, 0, true };
	default: return (struct tui_motion){ TUI_MOVE_NONE, 0, false };
	}
}

void tui_keep_visible(int n, int page, int *cursor, int *top)
{
	int last_top;

	if (page < 1)
		page = 1;
	if (*cursor >= n)
		*cursor = n - 1;
	if (*cursor < 0)
		*cursor = 0;
	if (!top)
		return;
	/* The cursor on screen, and the last page full when there is one. */
	if (*top > *cursor)
		*top = *cursor;
	if (*top < *cursor - page + 1)
		*top = *cursor - page + 1;
	last_top = n - page > 0 ? n - page : 0;
	if (*top > last_top)
		*top = last_top;
	if (*top < 0)
		*top = 0;
}

int tui_move(enum tui_req r, int n, int page, int *cursor, int *top)
{
	struct tui_motion m = tui_motion(r, page);

	switch (m.to) {
	case TUI_MOVE_NONE: return 0;
	case TUI_MOVE_FIRST: *cursor = 0; break;
	case TUI_MOVE_LAST: *cursor = n - 1; break;
	case TUI_MOVE_BY:
		*cursor += m.rows;
		if (m.window && top)
			*top += m.rows;   /* the cursor keeps its screen row */
		break;
	}
	tui_keep_visible(n, page, cursor, top);
	return TUI_HANDLED;
}

int tui_scroll(enum tui_req r, int lines, int page, int *first)
{
	/* The first line shown is a cursor over the positions that still
	 * fill the screen: 0 .. lines - page. */
	int positions = lines - page + 1;

	return tui_move(r, positions > 1 ? positions : 1, page, first, NULL);
}

int tui_count_lines(const char *text)
{
	int n = 0;

	for (const char *p = text; p && *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n'))
		n++;
	return n;
}
