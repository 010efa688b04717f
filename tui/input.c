/* Input: keys from the terminal or from a key script (tig style), the
 * screen written out as text (`:save-display`, the base of the screen
 * tests), and the per-key timing bench/tui reads. The script's state lives
 * in struct tui_app: nothing here is file-scope. */
#define NCURSES_WIDECHAR 1
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>
#include <sys/stat.h>

#include "tui/internal.h"

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

int tui_getkey(struct tui_app *a)
{
	if (!a->script) {
		int ch = getch();
		return ch == ERR ? TUI_TICK : ch;
	}
	for (;;) {
		if (a->in.pos < a->in.len) {
			char *p = a->in.line + a->in.pos;
			if (*p == '<') {
				char *end = strchr(p, '>');
				if (end) {
					int key;
					*end = '\0';
					key = script_token(a, p + 1);
					*end = '>';
					if (key != -2) {
						a->in.pos = (size_t)(end - a->in.line) + 1;
						return key;
					}
				}
			}
			/* A UTF-8 character arrives as its bytes, like from a terminal. */
			a->in.pos++;
			return (unsigned char)*p;
		}
		if (!fgets(a->in.line, sizeof a->in.line, a->script))
			return -1;
		a->in.line[strcspn(a->in.line, "\n")] = '\0';
		a->in.pos = 0;
		a->in.len = strlen(a->in.line);
		if (a->in.line[0] == '#')
			a->in.len = 0;
		else if (a->in.line[0] == ':' && a->in.len + 1 < sizeof a->in.line) {
			/* a command line: typed and entered */
			a->in.line[a->in.len++] = '\n';
			a->in.line[a->in.len] = '\0';
		}
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
void tui_save_display_command(struct tui_app *a, const char *path)
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

/* In a key script, ":save-display PATH" also works while a dialog is
 * open, so tests can see dialogs; on a terminal ':' is just a key. */
bool tui_script_command(struct tui_app *a, int key)
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
		tui_save_display_command(a, cmd + 13);
	return true;
}

/* --- timing (bench/tui) ------------------------------------------------------ */

void tui_timing_open(struct tui_app *a)
{
	/* OSDWARDEN_TUI_TIMING=FILE: per key, the time from the key to the
	 * finished screen (bench/tui reads it). OSDWARDEN_TUI_PROGRESS=FILE
	 * (key scripts only): every frame of the sync screen is saved there. */
	const char *tp = getenv("OSDWARDEN_TUI_TIMING");

	a->timing = tp && *tp ? fopen(tp, "w") : NULL;
	tp = getenv("OSDWARDEN_TUI_PROGRESS");
	a->progress_dump = tp && *tp ? tp : NULL;
	tui_time_mark(a);
}

void tui_timing_close(struct tui_app *a)
{
	if (a->timing)
		fclose(a->timing);
	a->timing = NULL;
}

void tui_time_mark(struct tui_app *a)
{
	clock_gettime(CLOCK_MONOTONIC, &a->t0);
}

/* Logs how long the screen took since the key was read. */
void tui_time_key(struct tui_app *a, int key)
{
	struct timespec t1;
	char kb[16];

	if (!a->timing)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(a->timing, "%s %.2f\n", key == -1 ? "start" : tui_key_name(key, kb, sizeof kb),
	        (double)(t1.tv_sec - a->t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - a->t0.tv_nsec) / 1e6);
	fflush(a->timing);
}
