/* Dialogs drawn over the current screen: a box, yes/no (default No), a
 * choice among keys, type-to-confirm, and the `x` actions menu that says
 * why a request cannot run here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/actions.h"
#include "db/records.h"
#include "tui/internal.h"

/* Draws a box with a title and body lines over the middle of the screen. */
static int draw_box(struct tui_app *a, const char *title, const char *body, int extra)
{
	int w = COLS - 8 > 76 ? 76 : COLS - 8, lines = 0, top, x = (COLS - w) / 2;
	const char *p;

	for (p = body; p && *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n'))
		lines++;
	top = (LINES - lines - 4 - extra) / 2;
	if (top < 1)
		top = 1;
	for (int y = top; y < top + lines + 3 + extra; y++) {
		move(y, x);
		for (int i = 0; i < w; i++)
			addch(' ');
	}
	/* Box lines as characters, not the terminal's alternate charset:
	 * the same on every terminal, in screen dumps and in tmux. */
	{
		struct buf line = BUF_INIT;
		const char *h = tui_glyph(a, "\xe2\x94\x80", "-"), *v = tui_glyph(a, "\xe2\x94\x82", "|");
		for (int i = 0; i < w; i++)
			buf_adds(&line, i == 0 ? tui_glyph(a, "\xe2\x94\x8c", "+")
			                : i == w - 1 ? tui_glyph(a, "\xe2\x94\x90", "+") : h);
		mvaddstr(top, x, buf_str(&line));
		buf_reset(&line);
		for (int i = 0; i < w; i++)
			buf_adds(&line, i == 0 ? tui_glyph(a, "\xe2\x94\x94", "+")
			                : i == w - 1 ? tui_glyph(a, "\xe2\x94\x98", "+") : h);
		mvaddstr(top + lines + 2 + extra, x, buf_str(&line));
		buf_free(&line);
		for (int y = top + 1; y < top + lines + 2 + extra; y++) {
			mvaddstr(y, x, v);
			mvaddstr(y, x + w - 1, v);
		}
	}
	tui_putf(a, top, x + 2, w - 4, ST_HEADER, " %s ", title);
	int y = top + 1;
	for (p = body; p && *p; y++) {
		size_t m = strcspn(p, "\n");
		char line[600];
		snprintf(line, sizeof line, "%.*s", (int)(m < sizeof line - 1 ? m : sizeof line - 1), p);
		tui_put(a, y, x + 2, w - 4, ST_NORMAL, line);
		p += m + (p[m] == '\n');
	}
	return y;
}

bool tui_confirm(struct tui_app *a, const char *title, const char *body)
{
	for (;;) {
		int y, key;
		tui_draw_frame(a);
		y = draw_box(a, title, body, 1);
		tui_put(a, y, (COLS - 40) / 2, 40, ST_HEADER, "y yes    n / Esc / Enter: no");
		refresh();
		key = tui_getkey(a);
		if (tui_script_command(a, key))
			continue;
		if (key == 'y' || key == 'Y')
			return true;
		if (key == 'n' || key == 'N' || key == 27 || key == '\n' || key == -1)
			return false;
	}
}

int tui_choose(struct tui_app *a, const char *title, const char *body, const char *keys)
{
	for (;;) {
		int key;
		tui_draw_frame(a);
		draw_box(a, title, body, 0);
		refresh();
		key = tui_getkey(a);
		if (tui_script_command(a, key))
			continue;
		if (key == 27 || key == -1)
			return 27;
		if (key > 0 && key < 256 && strchr(keys, key))
			return key;
	}
}

bool tui_confirm_typed(struct tui_app *a, const char *title, const char *body, const char *expect)
{
	char typed[128] = "", label[200];
	bool ok;
	int y;

	tui_draw_frame(a);
	y = draw_box(a, title, body, 1);
	snprintf(label, sizeof label, "Type '%s' to confirm (Esc cancels): ", expect);
	tui_put(a, y, (COLS - 70) / 2 > 0 ? (COLS - 70) / 2 : 0, 70, ST_HEADER, label);
	ok = tui_edit_line(a, LINES - 2, label, typed, sizeof typed, NULL, false);
	return ok && strcmp(typed, expect) == 0;
}

/* The write each dangerous request sends, to ask whether the site exposes it. */
static const struct { enum tui_req req; enum as_write_kind kind; } req_writes[] = {
	{ REQ_BLOCK, AS_BLOCK_CERTIFICATE }, { REQ_UNBLOCK, AS_BLOCK_CERTIFICATE },
	{ REQ_DELETE, AS_DELETE_ASSOCIATION }, { REQ_PRUNE, AS_DELETE_ASSOCIATION },
	{ REQ_DECOMMISSION, AS_REMOVE_SITE_ROLE }, { REQ_RESTORE_ONLY, AS_UPDATE_SITE_ROLE },
};

/* Why the site does not take request r's write, by what its $metadata
 * showed the last sync (the inventory's one provider), into why; false
 * when it does, or nobody knows. */
static bool unexposed(struct tui_app *a, enum tui_req r, char *why, size_t n)
{
	struct inv_provider *provs = NULL;
	struct ow_err e = { 0 };
	size_t np = 0;
	bool no = false;

	for (size_t i = 0; i < sizeof req_writes / sizeof req_writes[0] && !no; i++) {
		if (req_writes[i].req != r)
			continue;
		if (!provs && (inv_load_provider(a->o.db, false, &provs, &np, &e) != 0 || np != 1))
			break;
		no = act_availability(a->o.db, provs[0].url, req_writes[i].kind, why, n) == 0;
	}
	inv_unload_provider(provs, np);
	return no;
}

/* x: the requests of this view, each with why it cannot run now. */
void tui_actions_menu(struct tui_app *a, struct tui_view *v)
{
	struct buf b = BUF_INIT, keys = BUF_INIT;
	char kb[16], why[700];
	int key;

	for (size_t i = 0; tui_req_at(i); i++) {
		const struct tui_req_info *r = tui_req_at(i);
		if (!r->views || tui_req_for_key(r->key1, v->def->name) != r->req)
			continue;
		buf_addf(&b, "%-6s %-14s %s", tui_key_name(r->key1, kb, sizeof kb), r->name, r->help);
		if ((r->flags & REQ_DANGEROUS) && (a->o.read_only || a->site_read_only))
			buf_adds(&b, "  [refused: read-only]");
		else if ((r->flags & REQ_DANGEROUS) && !a->o.site.connect)
			buf_adds(&b, "  [no site to write to]");
		else if ((r->flags & REQ_DANGEROUS) && unexposed(a, r->req, why, sizeof why)) {
			/* The reason, wrapped under the line: the box is narrow. */
			buf_adds(&b, "  [unavailable]");
			for (const char *p = why; *p;) {
				size_t n = strlen(p), cut = n;
				if (n > 64) {
					cut = 64;
					while (cut > 20 && p[cut] != ' ')
						cut--;
				}
				buf_addf(&b, "\n         %.*s", (int)cut, p);
				p += cut;
				while (*p == ' ')
					p++;
			}
		} else
			buf_addc(&keys, (char)r->key1);
		buf_addc(&b, '\n');
	}
	if (!b.len)
		buf_adds(&b, "nothing to do on this view beyond moving and filtering\n");
	buf_adds(&b, "\na key runs it; Esc closes");
	key = tui_choose(a, "Actions", buf_str(&b), buf_str(&keys));
	buf_free(&b);
	buf_free(&keys);
	if (key != 27)
		tui_dispatch(a, tui_req_for_key(key, v->def->name));
}
