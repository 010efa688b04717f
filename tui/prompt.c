/* The line editor of the status line: the `:` prompt (history, Tab
 * completion over the view names), the `/` live filter, and the questions
 * dialogs ask (a note, a reason, the text to type to confirm). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/internal.h"

/* Edits text in place on row y after label. live (may be NULL) is called
 * after each change. Returns true on Enter, false on Esc. */
bool tui_edit_line(struct tui_app *a, int y, const char *label, char *text, size_t n,
                   void (*live)(struct tui_app *, const char *), bool history)
{
	size_t len = strlen(text);
	int hist = a->nhistory;

	for (;;) {
		int key;
		move(y, 0);
		clrtoeol();
		tui_putf(a, y, 0, COLS, ST_NORMAL, "%s%s", label, text);
		curs_set(1);
		refresh();
		if (live && len)
			tui_time_key(a, text[len - 1]);   /* the live filter's screen is done */
		key = tui_getkey(a);
		tui_time_mark(a);
		curs_set(0);
		if (key == TUI_TICK)
			continue;   /* no refresh under a prompt */
		if (!len && tui_script_command(a, key))
			continue;   /* a script's :save-display, with the line still empty */
		if (key == -1 || key == 27)
			return false;
		if (key == '\n' || key == '\r' || key == KEY_ENTER)
			return true;
		if ((key == KEY_BACKSPACE || key == 127 || key == 8) && len) {
			while (len && ((unsigned char)text[len - 1] & 0xC0) == 0x80)
				len--;
			text[--len] = '\0';
		} else if (key == '\t' && history) {
			/* Completion over view names and request names. */
			const char *names = tui_view_names();
			for (const char *p = names; *p;) {
				size_t m = strcspn(p, " ");
				if (m > len && strncmp(p, text, len) == 0 && m < n) {
					memcpy(text, p, m);
					text[len = m] = '\0';
					break;
				}
				p += m + (p[m] == ' ');
			}
		} else if ((key == KEY_UP || key == KEY_DOWN) && history && a->nhistory) {
			hist += key == KEY_UP ? -1 : 1;
			if (hist < 0)
				hist = 0;
			if (hist >= a->nhistory) {
				hist = a->nhistory;
				text[len = 0] = '\0';
			} else {
				snprintf(text, n, "%s", a->history[hist]);
				len = strlen(text);
			}
		} else if (key >= 32 && key < 256 && key != 127 && len + 1 < n) {
			text[len++] = (char)key;
			text[len] = '\0';
		} else {
			continue;
		}
		if (live)
			live(a, text);
	}
}

bool tui_ask(struct tui_app *a, const char *question, char *out, size_t n)
{
	char label[300];

	snprintf(label, sizeof label, "%s: ", question);
	out[0] = '\0';
	return tui_edit_line(a, LINES - 2, label, out, n, NULL, false) && out[0];
}

void tui_add_history(struct tui_app *a, const char *cmd)
{
	if (a->nhistory == (int)(sizeof a->history / sizeof a->history[0])) {
		free(a->history[0]);
		memmove(a->history, a->history + 1, sizeof a->history - sizeof a->history[0]);
		a->nhistory--;
	}
	a->history[a->nhistory++] = strdup(cmd);
}
