/* The console's frame: terminal setup (a real terminal, or an off-screen
 * one for key scripts), the view stack, the title, status and hint lines,
 * the `:` prompt and `/` filter, dialogs, and the loop that turns keys
 * into requests. Everything is drawn on stdscr, so a screen dump shows
 * exactly what the operator sees. */
#define NCURSES_WIDECHAR 1
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>
#include <sys/stat.h>

#include "checks/checks.h"
#include "tui/internal.h"
#include "util/sanitize.h"
#include "util/width.h"

#define MIN_ROWS 16
#define MIN_COLS 60

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

struct tui_view *tui_top(struct tui_app *a)
{
	return a->depth ? a->stack[a->depth - 1] : NULL;
}

static void draw_hints(struct tui_app *a, struct tui_view *v)
{
	struct buf b = BUF_INIT;
	char kb[16];

	for (size_t i = 0; tui_req_at(i); i++) {
		const struct tui_req_info *r = tui_req_at(i);
		if (!(r->flags & REQ_HINT) || tui_req_for_key(r->key1, v->ops->name) != r->req)
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

static void draw_frame(struct tui_app *a)
{
	struct tui_view *v = tui_top(a);
	char counts[64] = "", title[900];
	const char *ro = a->o.read_only || a->site_read_only ? "[RO]" : "[RW]";

	erase();
	if (LINES < MIN_ROWS || COLS < MIN_COLS) {
		tui_putf(a, 0, 0, COLS, ST_WARN, "terminal too small: %dx%d", COLS, LINES);
		tui_putf(a, 1, 0, COLS, ST_NORMAL, "osdwarden needs %dx%d; Q quits", MIN_COLS, MIN_ROWS);
		return;
	}
	if (!v)
		return;
	if (v->ops->counts)
		v->ops->counts(v, counts, sizeof counts);
	snprintf(title, sizeof title, " osdwarden %s %s %s %s%s%s%s%s%s%s%s",
	         tui_glyph(a, "\xc2\xb7", "-"), a->site_name[0] ? a->site_name : "no site",
	         tui_glyph(a, "\xc2\xb7", "-"), v->ops->title, v->title_extra[0] ? " " : "",
	         v->title_extra, v->filter[0] ? "  /" : "", v->filter,
	         v->filter[0] && counts[0] ? " (" : "", v->filter[0] ? counts : "",
	         v->filter[0] && counts[0] ? ")" : "");
	attrset(a->style[ST_TITLE]);
	mvhline(0, 0, ' ', COLS);
	attrset(A_NORMAL);
	tui_put(a, 0, 0, COLS - 6, ST_TITLE, title);
	tui_put(a, 0, COLS - 5, 5, ST_TITLE, ro);
	v->ops->draw(a, v, 1, LINES - 3);
	if (a->flash[0])
		tui_put(a, LINES - 2, 0, COLS, a->flash_error ? ST_DANGER : ST_NORMAL, a->flash);
	draw_hints(a, v);
}

/* --- input: keyboard or script --------------------------------------------- */

static int script_token(struct tui_app *a, const char *tok)
{
	static const struct {
		const char *name;
		int key;
	} names[] = {
		{ "Enter", '\n' }, { "Esc", 27 }, { "Up", KEY_UP }, { "Down", KEY_DOWN },
		{ "Left", KEY_LEFT }, { "Right", KEY_RIGHT }, { "PgUp", KEY_PPAGE },
		{ "PgDn", KEY_NPAGE }, { "Home", KEY_HOME }, { "End", KEY_END }, { "Tab", '\t' },
		{ "BS", KEY_BACKSPACE }, { "Space", ' ' }, { "lt", '<' }, { "F1", KEY_F(1) },
	};
	int r, c;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(tok, names[i].name) == 0)
			return names[i].key;
	if (tok[0] == 'C' && tok[1] == '-' && tok[2] && !tok[3])
		return CTRL(tok[2]);
	if (sscanf(tok, "Resize %dx%d", &c, &r) == 2 && r > 0 && c > 0) {
		resizeterm(r, c);
		return KEY_RESIZE;
	}
	(void)a;
	return -2;
}

/* Keys of the current script line, decoded one at a time. */
static char line_buf[1024];
static size_t line_pos, line_len;

int tui_getkey(struct tui_app *a)
{
	if (!a->script) {
		int ch = getch();
		return ch == ERR ? TUI_TICK : ch;
	}
	for (;;) {
		if (line_pos < line_len) {
			char *p = line_buf + line_pos;
			if (*p == '<') {
				char *end = strchr(p, '>');
				if (end) {
					int key;
					*end = '\0';
					key = script_token(a, p + 1);
					*end = '>';
					if (key != -2) {
						line_pos = (size_t)(end - line_buf) + 1;
						return key;
					}
				}
			}
			/* A UTF-8 character arrives as its bytes, like from a terminal. */
			line_pos++;
			return (unsigned char)*p;
		}
		if (!fgets(line_buf, sizeof line_buf, a->script))
			return -1;
		line_buf[strcspn(line_buf, "\n")] = '\0';
		line_pos = 0;
		line_len = strlen(line_buf);
		if (line_buf[0] == '#')
			line_len = 0;
		else if (line_buf[0] == ':' && line_len + 1 < sizeof line_buf) {
			/* a command line: typed and entered */
			line_buf[line_len++] = '\n';
			line_buf[line_len] = '\0';
		}
	}
}

/* The screen as text, one line per row, trailing blanks dropped. */
static int write_screen(FILE *f)
{
	size_t cap = (size_t)(COLS > 0 ? COLS : 1) + 1;
	wchar_t *w = calloc(cap, sizeof *w);
	char mb[MB_LEN_MAX];
	mbstate_t st;

	if (!w)
		return -1;
	for (int y = 0; y < LINES; y++) {
		struct buf line = BUF_INIT;
		int n = mvinnwstr(y, 0, w, (int)cap - 1);
		for (int i = 0; i < n; i++) {
			size_t k;
			memset(&st, 0, sizeof st);
			k = wcrtomb(mb, w[i], &st);
			if (k == (size_t)-1)
				buf_addc(&line, '?');
			else
				buf_add(&line, mb, k);
		}
		while (line.len && line.data[line.len - 1] == ' ')
			line.len--;
		fprintf(f, "%.*s\n", (int)line.len, line.data ? line.data : "");
		buf_free(&line);
	}
	free(w);
	return ferror(f) ? -1 : 0;
}

int tui_save_display(struct tui_app *a, const char *path)
{
	/* A new 0600 file that only this process created (mkstemp: O_EXCL),
	 * renamed over the name: never written through a symlink, never into
	 * a file someone else prepared, never readable by others. A symlink
	 * at the name is refused rather than replaced. */
	struct stat st;
	struct buf tmp = BUF_INIT;
	FILE *f;
	int fd, rc, saved;

	(void)a;
	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			errno = ELOOP;
			return -1;
		}
		if (!S_ISREG(st.st_mode)) {
			errno = EEXIST;
			return -1;
		}
	} else if (errno != ENOENT) {
		return -1;
	}
	buf_addf(&tmp, "%s.XXXXXX", path);
	if (tmp.failed)
		return -1;
	fd = mkstemp(tmp.data);
	if (fd < 0) {
		saved = errno;
		buf_free(&tmp);
		errno = saved;
		return -1;
	}
	f = fdopen(fd, "w");
	if (!f)
		close(fd);
	rc = f && fchmod(fd, 0600) == 0 ? write_screen(f) : -1;
	if (f && fclose(f) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp.data, path) != 0)
		rc = -1;
	saved = errno;
	if (rc != 0)
		unlink(tmp.data);
	buf_free(&tmp);
	errno = saved;
	return rc;
}

/* :save-display PATH, from the prompt or (key scripts) inside a dialog.
 * --read-only refuses it at a terminal: read-only promises no writes. A key
 * script's saved screens are the output the script was started for, so
 * they are written (and a failure goes to stderr, as nobody sees the screen). */
static void save_display_command(struct tui_app *a, const char *path)
{
	const char *why;

	if (a->o.read_only && !a->script) {
		tui_flash(a, true, "read-only: :save-display writes a file; refused, nothing was "
		          "written (started with --read-only)");
		return;
	}
	if (tui_save_display(a, path) == 0)
		return;
	why = errno == ELOOP ? "it is a symbolic link; give the real path"
	    : errno == EEXIST ? "it exists and is not a regular file; choose another name"
	    : strerror(errno);
	tui_flash(a, true, "cannot write %s: %s", path, why);
	if (a->script)
		fprintf(a->o.err, "osdwarden: :save-display %s: %s\n", path, why);
}

/* --- timing (bench/tui) ------------------------------------------------------ */

static FILE *timing;
static struct timespec t0;

/* Logs how long the screen took since the key was read. */
static void time_key(int key)
{
	struct timespec t1;
	char kb[16];

	if (!timing)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(timing, "%s %.2f\n", key == -1 ? "start" : tui_key_name(key, kb, sizeof kb),
	        (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	fflush(timing);
}

/* --- line input (prompt, filter, dialogs) --------------------------------- */

/* Edits text in place on row y after label. live (may be NULL) is called
 * after each change. Returns true on Enter, false on Esc. */
static bool edit_line(struct tui_app *a, int y, const char *label, char *text, size_t n,
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
			time_key(text[len - 1]);   /* the live filter's screen is done */
		key = tui_getkey(a);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		curs_set(0);
		if (key == TUI_TICK)
			continue;   /* no refresh under a prompt */
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
	return edit_line(a, LINES - 2, label, out, n, NULL, false) && out[0];
}

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

static bool script_save_in_dialog(struct tui_app *a, int key);

bool tui_confirm(struct tui_app *a, const char *title, const char *body)
{
	for (;;) {
		int y, key;
		draw_frame(a);
		y = draw_box(a, title, body, 1);
		tui_put(a, y, (COLS - 40) / 2, 40, ST_HEADER, "y yes    n / Esc / Enter: no");
		refresh();
		key = tui_getkey(a);
		if (script_save_in_dialog(a, key))
			continue;
		if (key == 'y' || key == 'Y')
			return true;
		if (key == 'n' || key == 'N' || key == 27 || key == '\n' || key == -1)
			return false;
	}
}

/* In a key script, ":save-display PATH" also works while a dialog is
 * open, so tests can see dialogs; on a terminal ':' is just a key. */
static bool script_save_in_dialog(struct tui_app *a, int key)
{
	char cmd[300];
	size_t n = 0;
	int k;

	if (!a->script || key != ':')
		return false;
	while ((k = tui_getkey(a)) != '\n' && k != -1)
		if (n + 1 < sizeof cmd && k > 0 && k < 256)
			cmd[n++] = (char)k;
	cmd[n] = '\0';
	if (strncmp(cmd, "save-display ", 13) == 0)
		save_display_command(a, cmd + 13);
	return true;
}

int tui_choose(struct tui_app *a, const char *title, const char *body, const char *keys)
{
	for (;;) {
		int key;
		draw_frame(a);
		draw_box(a, title, body, 0);
		refresh();
		key = tui_getkey(a);
		if (script_save_in_dialog(a, key))
			continue;
		if (key == 27 || key == -1)
			return 27;
		if (key > 0 && key < 256 && strchr(keys, key))
			return key;
	}
}

bool tui_abort_pressed(struct tui_app *a)
{
	int key;

	if (a->script)
		return false;
	nodelay(stdscr, TRUE);
	key = getch();
	timeout(30000);
	return key == 27;
}

static void dispatch(struct tui_app *a, enum tui_req r);

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
static void actions_menu(struct tui_app *a, struct tui_view *v)
{
	struct buf b = BUF_INIT, keys = BUF_INIT;
	char kb[16], why[700];
	int key;

	for (size_t i = 0; tui_req_at(i); i++) {
		const struct tui_req_info *r = tui_req_at(i);
		if (!r->views || tui_req_for_key(r->key1, v->ops->name) != r->req)
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
		dispatch(a, tui_req_for_key(key, v->ops->name));
}

bool tui_confirm_typed(struct tui_app *a, const char *title, const char *body, const char *expect)
{
	char typed[128] = "", label[200];
	bool ok;
	int y;

	draw_frame(a);
	y = draw_box(a, title, body, 1);
	snprintf(label, sizeof label, "Type '%s' to confirm (Esc cancels): ", expect);
	tui_put(a, y, (COLS - 70) / 2 > 0 ? (COLS - 70) / 2 : 0, 70, ST_HEADER, label);
	ok = edit_line(a, LINES - 2, label, typed, sizeof typed, NULL, false);
	return ok && strcmp(typed, expect) == 0;
}

/* --- the site -------------------------------------------------------------- */

bool tui_may_write(struct tui_app *a, const char *what)
{
	if (a->o.read_only || a->site_read_only) {
		tui_flash(a, true, "read-only: %s refused; nothing was sent%s", what,
		          a->o.read_only ? " (started with --read-only)"
		                         : " (the site refused a write this session)");
		return false;
	}
	return true;
}

struct act_site *tui_site(struct tui_app *a)
{
	char err[400] = "";
	int rc;

	if (a->site)
		return a->site;
	if (!a->o.site.connect) {
		tui_flash(a, true, "no site to write to in this session");
		return NULL;
	}
	if (!a->o.script) {
		def_prog_mode();
		endwin();
	}
	rc = a->o.site.connect(a->o.site.ctx, &a->site, err, sizeof err);
	if (!a->o.script) {
		reset_prog_mode();
		refresh();
	}
	if (rc) {
		a->site = NULL;
		tui_flash(a, true, "cannot reach the site: %s", err);
	}
	return a->site;
}

/* --- views ------------------------------------------------------------------- */

int tui_push(struct tui_app *a, const struct tui_view_ops *ops, void *priv)
{
	struct tui_view *v;

	if (a->depth == (int)(sizeof a->stack / sizeof a->stack[0])) {
		tui_flash(a, true, "too many views open; Esc closes one");
		return -1;
	}
	v = calloc(1, sizeof *v);
	if (!v)
		return -1;
	v->ops = ops;
	v->priv = priv;
	a->stack[a->depth++] = v;
	if (ops->load && ops->load(a, v) != 0) {
		a->depth--;
		if (ops->free)
			ops->free(v);
		free(v);
		return -1;
	}
	return 0;
}

static void pop(struct tui_app *a)
{
	struct tui_view *v = a->stack[--a->depth];
	if (v->ops->free)
		v->ops->free(v);
	free(v);
}

static const struct tui_view_ops *view_by_name(const char *name)
{
	static const struct tui_view_ops *const fixed[] = {
		&tui_dash_ops, &tui_checks_ops, &tui_privacy_ops, &tui_tasks_ops, &tui_help_ops,
		&tui_audit_ops,
	};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if (strcmp(fixed[i]->name, name) == 0)
			return fixed[i];
	return tui_list_ops(name);
}

const char *tui_view_names(void)
{
	return "dash dp smp media cert assoc ts accounts sites checks privacy tasks audit help quit "
	       "save-display";
}

/* Switches to a top-level view: the stack becomes just that view. */
static void go(struct tui_app *a, const char *name)
{
	const struct tui_view_ops *ops = view_by_name(name);

	if (!ops) {
		tui_flash(a, true, "no view '%s'; try dash, dp, smp, media, cert, assoc, ts, accounts, "
		          "sites, checks, privacy, tasks, audit, help", name);
		return;
	}
	while (a->depth)
		pop(a);
	a->flash[0] = '\0';
	if (tui_push(a, ops, NULL) != 0 && !a->depth)
		tui_push(a, &tui_help_ops, NULL);
}

static void add_history(struct tui_app *a, const char *cmd)
{
	if (a->nhistory == (int)(sizeof a->history / sizeof a->history[0])) {
		free(a->history[0]);
		memmove(a->history, a->history + 1, sizeof a->history - sizeof a->history[0]);
		a->nhistory--;
	}
	a->history[a->nhistory++] = strdup(cmd);
}

static void dispatch(struct tui_app *a, enum tui_req r);

static void command(struct tui_app *a, const char *cmd)
{
	while (*cmd == ' ')
		cmd++;
	if (!*cmd)
		return;
	add_history(a, cmd);
	if (strncmp(cmd, "save-display ", 13) != 0)
		a->flash[0] = '\0';
	if (strcmp(cmd, "q") == 0 || strcmp(cmd, "quit") == 0) {
		a->quit = true;
	} else if (strncmp(cmd, "save-display ", 13) == 0) {
		draw_frame(a);
		save_display_command(a, cmd + 13);
	} else if (view_by_name(cmd)) {
		go(a, cmd);
	} else {
		for (size_t i = 0; tui_req_at(i); i++)
			if (strcmp(tui_req_at(i)->name, cmd) == 0) {
				dispatch(a, tui_req_at(i)->req);
				return;
			}
		tui_flash(a, true, "unknown command '%s' (Tab completes, ? lists the keys)", cmd);
	}
}

static void live_filter(struct tui_app *a, const char *text)
{
	struct tui_view *v = tui_top(a);

	snprintf(v->filter, sizeof v->filter, "%s", text);
	v->cursor = 0;
	if (v->ops->load)
		v->ops->load(a, v);
	draw_frame(a);
}

/* --- sync with a progress bar per class --------------------------------------- */

static const char *progress_dump;

struct sync_screen {
	struct tui_app *a;
	struct {
		char cls[48];
		size_t rows;
		long long total;   /* the site's $count, -1 unknown */
		double rate;
		bool done;
	} c[24];
	int n;
};

static int sync_progress(void *ctx, const struct sync_progress *p)
{
	struct sync_screen *ss = ctx;
	struct tui_app *a = ss->a;
	int i;

	for (i = 0; i < ss->n && strcmp(ss->c[i].cls, p->cls) != 0; i++)
		;
	if (i == ss->n && ss->n < 24)
		snprintf(ss->c[ss->n++].cls, sizeof ss->c[0].cls, "%s", p->cls);
	if (i >= 24)
		return 0;
	ss->c[i].rows = p->rows;
	ss->c[i].total = p->total;
	ss->c[i].rate = p->rows_per_s;
	ss->c[i].done = p->done;
	erase();
	tui_putf(a, 0, 0, COLS, ST_TITLE, " syncing %s", a->site_name);
	for (int k = 0; k < ss->n && k + 2 < LINES - 1; k++) {
		/* The bar is as wide as the terminal: built on the heap, one
		 * glyph (three bytes in UTF-8) per column. */
		int w = COLS - 60 > 10 ? COLS - 60 : 10;
		/* With the site's count the bar is the share read; without
		 * one it only shows that rows arrive. */
		long long total = ss->c[k].total;
		int pct = total > 0 ? (int)((double)ss->c[k].rows * 100 / (double)total) : -1;
		int fill = ss->c[k].done ? w
		           : total > 0 ? (int)((double)ss->c[k].rows * w / (double)total)
		                       : (int)(ss->c[k].rows / 1000 % (size_t)w);
		struct buf line = BUF_INIT;
		if (fill > w)
			fill = w;
		buf_addf(&line, "%-28s %9zu rows  ", ss->c[k].cls, ss->c[k].rows);
		for (int b = 0; b < w; b++)
			buf_adds(&line, b < fill ? tui_glyph(a, "\xe2\x96\x88", "#") : " ");
		if (ss->c[k].done)
			buf_adds(&line, "  done");
		else if (pct >= 0)
			buf_addf(&line, "  reading %d%%", pct > 100 ? 100 : pct);
		else
			buf_adds(&line, "  reading");
		tui_put(a, k + 2, 1, COLS - 2, ss->c[k].done ? ST_OK : ST_NORMAL, buf_str(&line));
		buf_free(&line);
	}
	tui_put(a, LINES - 1, 0, COLS, ST_DIM, "Esc stops the sync; nothing is written then");
	refresh();
	/* OSDWARDEN_TUI_PROGRESS=FILE (key scripts only): every frame is saved
	 * there, so a screen test sees the last one. */
	if (a->script && progress_dump)
		tui_save_display(a, progress_dump);
	/* Esc aborts: the sync stops and the inventory stays as it was. */
	return tui_abort_pressed(a);
}

static void sync_now(struct tui_app *a)
{
	struct sync_screen ss = { .a = a };
	char msg[600];
	int rc;

	if (a->o.read_only) {
		tui_flash(a, true, "read-only: a sync writes the inventory; refused");
		return;
	}
	if (!a->o.site.sync || !tui_site(a))
		return;
	rc = a->o.site.sync(a->o.site.ctx, sync_progress, &ss, msg, sizeof msg);
	tui_flash(a, rc != 0, "%s", msg);
	for (int i = 0; i < a->depth; i++)
		if (a->stack[i]->ops->load)
			a->stack[i]->ops->load(a, a->stack[i]);
}

/* c: a stored check run, as `osdwarden check` makes; the views then show it. */
static void check_now(struct tui_app *a)
{
	struct chk_run run;
	struct ow_err e = { 0 };

	if (a->o.read_only) {
		tui_flash(a, true, "read-only: a check run is stored in the inventory; refused");
		return;
	}
	tui_put(a, LINES - 2, 0, COLS, ST_NORMAL, "evaluating the checklist ...");
	refresh();
	if (chk_evaluate(a->o.db, -1, (int64_t)time(NULL), &run, &e) != 0) {
		tui_flash(a, true, "the checklist could not be evaluated: %s", e.msg);
		return;
	}
	tui_flash(a, false, "check run #%lld stored: security %s, privacy %s", (long long)run.id,
	          run.grades.security, run.grades.privacy);
	chk_run_free(&run);
	for (int i = 0; i < a->depth; i++)
		if (a->stack[i]->ops->load)
			a->stack[i]->ops->load(a, a->stack[i]);
}

static void dispatch(struct tui_app *a, enum tui_req r)
{
	struct tui_view *v = tui_top(a);
	const struct tui_req_info *info = tui_req_info(r);
	int flags = 0;

	if (!v || r == REQ_NONE)
		return;
	if (info && (info->flags & REQ_DANGEROUS) && !tui_may_write(a, info->help))
		return;
	if (v->ops->request)
		flags = v->ops->request(a, v, r);
	if (flags & TUI_CLOSE) {
		if (a->depth > 1)
			pop(a);
		v = tui_top(a);
		if (v->ops->load)
			v->ops->load(a, v);
		return;
	}
	if (flags & TUI_RELOAD && v->ops->load)
		v->ops->load(a, v);
	if (flags & TUI_HANDLED)
		return;
	switch (r) {
	case REQ_QUIT:
		a->quit = true;
		break;
	case REQ_BACK:
		if (a->depth > 1) {
			pop(a);
			v = tui_top(a);
			if (v->ops->load)
				v->ops->load(a, v);
		} else {
			tui_flash(a, false, "Q quits");
		}
		break;
	case REQ_HELP:
		tui_push(a, &tui_help_ops, NULL);
		break;
	case REQ_TASKS:
		go(a, "tasks");
		break;
	case REQ_ACTIONS:
		actions_menu(a, v);
		break;
	case REQ_PROMPT: {
		char cmd[256] = "";
		if (edit_line(a, LINES - 2, ":", cmd, sizeof cmd, NULL, true))
			command(a, cmd);
		break;
	}
	case REQ_FILTER: {
		char text[128];
		snprintf(text, sizeof text, "%s", v->filter);
		if (!edit_line(a, LINES - 2, "/", text, sizeof text, live_filter, false))
			live_filter(a, "");
		break;
	}
	case REQ_REDRAW:
		clearok(curscr, TRUE);
		break;
	case REQ_SYNC:
		sync_now(a);
		break;
	case REQ_CHECK:
		check_now(a);
		break;
	default:
		if (info)
			tui_flash(a, false, "%s: not available here", info->name);
		break;
	}
}

/* --- the loop -------------------------------------------------------------- */

static int start_terminal(struct tui_app *a)
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

static void stop_terminal(struct tui_app *a)
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

int tui_run(const struct tui_opts *opts)
{
	struct tui_app a;
	int rc, last_key = -1;

	memset(&a, 0, sizeof a);
	a.o = *opts;
	if (!a.o.err)
		a.o.err = stderr;
	line_pos = line_len = 0;
	if ((rc = start_terminal(&a)) != 0) {
		stop_terminal(&a);
		return rc;
	}
	/* OSDWARDEN_TUI_TIMING=FILE: per key, the time from the key to the
	 * finished screen (bench/tui reads it). */
	{
		const char *tp = getenv("OSDWARDEN_TUI_TIMING");
		timing = tp && *tp ? fopen(tp, "w") : NULL;
		tp = getenv("OSDWARDEN_TUI_PROGRESS");
		progress_dump = tp && *tp ? tp : NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	go(&a, a.o.start_view ? a.o.start_view : "dash");
	while (!a.quit) {
		struct tui_view *v = tui_top(&a);
		int key;
		draw_frame(&a);
		refresh();
		time_key(last_key);
		key = tui_getkey(&a);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		last_key = key;
		if (key == -1)
			break;
		if (key == TUI_TICK) {
			if (v && v->ops->load && LINES >= MIN_ROWS && COLS >= MIN_COLS)
				v->ops->load(&a, v);
			continue;
		}
		if (key == KEY_RESIZE) {
			/* Views keep their cursor row; the frame re-lays itself out. */
			continue;
		}
		if (LINES < MIN_ROWS || COLS < MIN_COLS) {
			/* Only quitting and commands make sense on this screen. */
			if (key == 'Q')
				a.quit = true;
			else if (key == ':')
				dispatch(&a, REQ_PROMPT);
			continue;
		}
		/* A message stays until the next key (the prompt keeps it, so
		 * :save-display captures what the operator was shown). */
		if (key != ':')
			a.flash[0] = '\0';
		if (key >= '0' && key <= '9') {
			static const char *const digits[] = { "dash", "dp", "smp", "media", "cert",
			                                      "assoc", "ts", "checks", "privacy", "tasks" };
			go(&a, digits[key - '0']);
			continue;
		}
		dispatch(&a, tui_req_for_key(key, v->ops->name));
	}
	while (a.depth)
		pop(&a);
	for (int i = 0; i < a.nhistory; i++)
		free(a.history[i]);
	stop_terminal(&a);
	if (timing)
		fclose(timing);
	return 0;
}
