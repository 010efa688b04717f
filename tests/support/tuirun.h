/* The console in script mode, for the screen suites: the real binary runs
 * `osdwarden --db DB [GLOBAL] tui --script KEYS --size SIZE [--view V]`
 * on a key script, and :save-display writes screens as text (DESIGN §5). */
#ifndef OW_TESTS_TUIRUN_H
#define OW_TESTS_TUIRUN_H

struct tuirun {
	const char *dir;      /* a private directory: the script goes to DIR/keys */
	const char *db;       /* the inventory */
	const char *lang;     /* LANG and LC_ALL; NULL: C.UTF-8 */
	const char *global;   /* one global option before `tui` (--read-only), or NULL */
	const char *size;     /* COLSxROWS; NULL: 80x24 */
	const char *view;     /* --view NAME, or NULL; with a view, stderr goes to DIR/stderr */
};

/* Runs the console on script (the keys, one request a line) with TERM=xterm
 * and the lab's password in OSDWARDEN_PASSWORD. Returns its exit code (128
 * when it did not exit). */
int tuirun_script(const struct tuirun *r, const char *script);

/* The screen saved as DIR/name (new string). Fails the test when there is
 * none, or when it holds an ESC or BEL byte: nothing from the site may reach
 * the terminal as a control sequence. */
char *tuirun_screen(const char *dir, const char *name);

/* Fails the test, printing the screen, when scr lacks text (has it). */
void tuirun_expect(const char *scr, const char *text);
void tuirun_expect_not(const char *scr, const char *text);
/* What the summary of a sync from the console says of the classes read:
 * " rows from N classes", N every class of the contract (static string). */
const char *tuirun_synced_classes(void);

#endif
