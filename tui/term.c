/* The terminal and the frame: a real terminal or an off-screen one for key
 * scripts, the semantic styles, sanitized drawing, and the title, status
 * and hint lines around the view on top. Everything is drawn on stdscr, so
 * a screen dump shows exactly what the operator sees. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui/internal.h"
#include "util/sanitize.h"
#include "util/width.h"

/* --- styles and glyphs ---------------------------------------------------- */

static void setup_styles(struct tui_app *a)
{
	/* Monochrome first: meaning never rests on colour alone (the glyphs
	 * and words carry it); colour only adds emphasis. */
	a->style[ST_NORMAL] = A_NORMAL;
	a->style[ST_TITLE] = A_REVERSE;
	a->style[ST_SELECTED] = A_REVERSE | A_BOLD;
	a->style[ST_OK] = A_NORMAL;
	a->style[ST_WARN] = A_BOLD;
	a->style[ST_DANGER] = A_BOLD | A_UNDERLINE;
	a->style[ST_DIM] = A_DIM;
	a->style[ST_HEADER] = A_BOLD;
	if (a->o.no_color || !has_colors() || a->o.script)
		return;
	start_color();
	use_default_colors();
	init_pair(1, COLOR_GREEN, -1);
	init_pair(2, COLOR_YELLOW, -1);
	init_pair(3, COLOR_RED, -1);
	init_pair(4, COLOR_BLACK, COLOR_CYAN);
	a->style[ST_OK] = COLOR_PAIR(1);
	a->style[ST_WARN] = COLOR_PAIR(2) | A_BOLD;
	a->style[ST_DANGER] = COLOR_PAIR(3) | A_BOLD;
	a->style[ST_TITLE] = COLOR_PAIR(4);
}

const char *tui_glyph(const struct tui_app *a, const char *utf8, const char *ascii)
{
	return a->o.ascii ? ascii : utf8;
}

/* --- drawing ------------------------------------------------------------- */

void tui_put(struct tui_app *a, int y, int x, int cols, enum tui_style st, const char *text)
{
	char *safe;
	struct buf b = BUF_INIT;

	if (cols <= 0 || y < 0 || y >= LINES)
		return;
	safe = san_str(text ? text : "", 0, a->o.ascii ? SAN_ASCII : 0);
	width_fit(&b, safe ? safe : "", (size_t)cols, false, a->o.ascii);
	attrset(a->style[st]);
	mvaddstr(y, x, buf_str(&b));
	attrset(A_NORMAL);
	buf_free(&b);
	free(safe);
}

void tui_putf(struct tui_app *a, int y, int x, int cols, enum tui_style st, const char *fmt, ...)
{
	/* Sized from the text, not a fixed buffer: what is drawn grows with
	 * the terminal (bars, padded columns) and tui_put cuts it to fit. */
	va_list ap;
	char *text;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(text = malloc((size_t)n + 1)))
		return;
	va_start(ap, fmt);
	vsnprintf(text, (size_t)n + 1, fmt, ap);
	va_end(ap);
	tui_put(a, y, x, cols, st, text);
	free(text);
}

void tui_flash(struct tui_app *a, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->flash, sizeof a->flash, fmt, ap);
	va_end(ap);
	a->flash_error = error;
}

static void draw_hints(struct tui_app *a, struct tui_view *v)
{
	struct buf b = BUF_INIT;
	char kb[16];

	for (size_t i = 0; tui_req_at(i); i++) {
		const struct tui_req_info *r = tui_req_at(i);
		if (!(r->flags & REQ_HINT) || tui_req_for_key(r->key1, v->def->name) != r->req)
			continue;
		if (r->views == NULL && (r->req == REQ_QUIT || r->req == REQ_PROMPT ||
		                         r->req == REQ_FILTER || r->req == REQ_HELP))
			continue;   /* the common ones go last */
		buf_addf(&b, "%s %s  ", tui_key_name(r->key1, kb, sizeof kb),
		         r->req == REQ_ENTER ? "open" : r->name);
	}
	buf_adds(&b, "/ filter  : command  ? help  Q quit");
	tui_put(a, LINES - 1, 0, COLS, ST_DIM, buf_str(&b));
	buf_free(&b);
}

int tui_view_rows(void)
{
	return LINES - 3 > 1 ? LINES - 3 : 1;   /* title, status, hints */
}

void tui_draw_frame(struct tui_app *a)
{
	struct tui_view *v = tui_top(a);
	char counts[64] = "", title[900];
	const char *ro = a->o.read_only || a->site_read_only ? "[RO]" : "[RW]";

	erase();
	if (LINES < TUI_MIN_ROWS || COLS < TUI_MIN_COLS) {
		tui_putf(a, 0, 0, COLS, ST_WARN, "terminal too small: %dx%d", COLS, LINES);
		tui_putf(a, 1, 0, COLS, ST_NORMAL, "osdwarden needs %dx%d; Q quits", TUI_MIN_COLS, TUI_MIN_ROWS);
		return;
	}
	if (!v)
		return;
	if (v->ops->counts)
		v->ops->counts(v, counts, sizeof counts);
	snprintf(title, sizeof title, " osdwarden %s %s %s %s%s%s%s%s%s%s%s",
	         tui_glyph(a, "\xc2\xb7", "-"), a->site_name[0] ? a->site_name : "no site",
	         tui_glyph(a, "\xc2\xb7", "-"), v->def->title, v->title_extra[0] ? " " : "",
	         v->title_extra, v->filter[0] ? "  /" : "", v->filter,
	         v->filter[0] && counts[0] ? " (" : "", v->filter[0] ? counts : "",
	         v->filter[0] && counts[0] ? ")" : "");
	attrset(a->style[ST_TITLE]);
	mvhline(0, 0, ' ', COLS);
	attrset(A_NORMAL);
	tui_put(a, 0, 0, COLS - 6, ST_TITLE, title);
	tui_put(a, 0, COLS - 5, 5, ST_TITLE, ro);
	v->ops->draw(a, v, 1, tui_view_rows());
	if (a->flash[0])
		tui_put(a, LINES - 2, 0, COLS, a->flash_error ? ST_DANGER : ST_NORMAL, a->flash);
	draw_hints(a, v);
}

void tui_mark_row(struct tui_app *a, int y)
{
	attrset(a->style[ST_SELECTED]);
	mvhline(y, 0, ' ', COLS);
	attrset(A_NORMAL);
	tui_put(a, y, 0, 2, ST_SELECTED, ">");
}

void tui_mark_line(struct tui_app *a, int y, const char *text)
{
	tui_mark_row(a, y);
	tui_put(a, y, 0, 1, ST_SELECTED, ">");
	tui_put(a, y, 1, COLS - 2, ST_SELECTED, text);
}

void tui_draw_lines(struct tui_app *a, int y, int rows, const char *text, int first,
                    enum tui_style first_style)
{
	int line = 0;

	for (const char *p = text; *p && rows > 0; line++) {
		size_t n = strcspn(p, "\n");
		if (line >= first) {
			/* the whole line, however long: tui_put fits it to the width */
			struct buf l = BUF_INIT;
			buf_add(&l, p, n);
			tui_put(a, y++, 1, COLS - 2, line == 0 ? first_style : ST_NORMAL, buf_str(&l));
			buf_free(&l);
			rows--;
		}
		p += n + (p[n] == '\n');
	}
}

/* --- the terminal ------------------------------------------------------------ */

int tui_term_start(struct tui_app *a)
{
	const char *term = getenv("TERM");

	if (a->o.script) {
		a->script = fopen(a->o.script, "r");
		if (!a->script) {
			fprintf(a->o.err, "osdwarden: cannot read the key script %s: %s\n", a->o.script,
			        strerror(errno));
			return 2;
		}
		a->null_out = fopen("/dev/null", "w");
		a->null_in = fopen("/dev/null", "r");
		a->screen = newterm(term && *term && strcmp(term, "dumb") ? term : "xterm",
		                    a->null_out, a->null_in);
		if (!a->screen)
			a->screen = newterm("vt100", a->null_out, a->null_in);
		if (!a->screen) {
			fprintf(a->o.err, "osdwarden: no terminal description for script mode\n");
			return 2;
		}
		resizeterm(a->o.rows > 0 ? a->o.rows : 24, a->o.cols > 0 ? a->o.cols : 80);
	} else {
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
			fprintf(a->o.err, "osdwarden: the console needs a terminal (stdin and stdout); "
			        "for scripts use the other commands, or `osdwarden tui --script FILE`\n");
			return 2;
		}
		if (!term || !*term) {
			fprintf(a->o.err, "osdwarden: TERM is not set; set it (e.g. TERM=xterm-256color)\n");
			return 2;
		}
		a->screen = newterm(term, stdout, stdin);
		if (!a->screen) {
			fprintf(a->o.err, "osdwarden: the terminal type '%s' is unknown here; try "
			        "TERM=xterm-256color or install ncurses-term\n", term);
			return 2;
		}
		set_escdelay(25);
		/* Every 30 s without a key the view re-reads the inventory (a
		 * sync in another session shows up); dialogs and prompts have
		 * their own input loops, so the refresh pauses while they are open. */
		timeout(30000);
	}
	set_term(a->screen);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	setup_styles(a);
	return 0;
}

const char *tui_library_version(void)
{
	return curses_version();
}

void tui_term_stop(struct tui_app *a)
{
	if (a->screen) {
		endwin();
		delscreen(a->screen);
	}
	if (a->script)
		fclose(a->script);
	if (a->null_out)
		fclose(a->null_out);
	if (a->null_in)
		fclose(a->null_in);
}
