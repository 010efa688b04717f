/* Screen tests (tig style): the real binary runs `osdwarden tui --script`
 * on an inventory synced from osdwarden-lab; the script types keys and
 * saves the screen as text with :save-display; the tests read the screens. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/krbrealm.h"
#include "support/labsite.h"
#include "support/testutil.h"
#include "support/tuirun.h"
#include "backend/adminservice.h"
#include "backend/workflows.h"
#include "db/db.h"

static struct labsite g_ls;
static struct labproc g_lab;
static struct krbrealm g_kr;

/* The console talks to the lab as to a real site: over Negotiate, with
 * the ticket of a throwaway realm in $KRB5CCNAME. */
static int setup_all(void **state)
{
	(void)state;
	krbrealm_start(&g_kr, (const char *const[]){ "labadmin", NULL });
	krbrealm_kinit(&g_kr, "labadmin", NULL);
	labsite_init(&g_ls, "tui");
	labsite_negotiate(&g_ls, g_kr.keytab);
	labsite_start(&g_ls, &g_lab, NULL);
	return labsite_sync(&g_ls, &g_lab);
}

static int teardown_all(void **state)
{
	(void)state;
	labproc_stop(&g_lab);
	labsite_free(&g_ls);
	krbrealm_stop(&g_kr);
	return 0;
}

/* Runs the console on the script (lines joined), in the given locale,
 * with extra global options before `tui`, starting on view (NULL: the
 * default; then its stderr goes to the file "stderr"). Returns the exit code. */
static int run_tui_on(const char *lang, const char *global, const char *size, const char *view,
                      const char *script)
{
	return tuirun_script(&(struct tuirun){ .dir = g_ls.dir, .db = g_ls.db, .lang = lang,
	                                       .global = global, .size = size, .view = view },
	                     script);
}

static int run_tui(const char *lang, const char *global, const char *size, const char *script)
{
	return run_tui_on(lang, global, size, NULL, script);
}

/* A saved screen (new string), checked to hold no escape byte: nothing
 * from the site reaches the terminal as a control sequence. */
static char *screen(const char *name)
{
	return tuirun_screen(g_ls.dir, name);
}

static void expect(const char *scr, const char *text)
{
	if (!strstr(scr, text))
		fail_msg("the screen lacks \"%s\":\n%s", text, scr);
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static int longest_line(const char *s)
{
	int best = 0, cur = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n') {
			best = cur > best ? cur : best;
			cur = 0;
		} else if ((*p & 0xC0) != 0x80) {
			cur++;
		}
	}
	return best;
}

#define SAVE(name) ":save-display %s/" name "\n"

/* The sync summary's count: every class of the contract. */
static const char *synced_classes(void)
{
	static char text[48];
	snprintf(text, sizeof text, " rows from %zu classes", as_class_count());
	return text;
}

static void test_list_filter_counts_and_hostile_names_are_inert(void **state)
{
	char script[1000];
	char *s;

	(void)state;
	snprintf(script, sizeof script, "4\n" SAVE("certs") "/PXE<Enter>\n" SAVE("filtered"),
	         g_ls.dir, g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", NULL, NULL, script), 0);
	s = screen("certs");
	expect(s, "certificates");
	expect(s, "ISSUED TO");
	expect(s, "Build<U+202E>exe.txt");        /* a bidi override, shown not obeyed */
	free(s);
	s = screen("filtered");
	expect(s, "/PXE");
	expect(s, " of ");                        /* "(n of m)" in the title */
	expect(s, "PXE    self");
	assert_null(strstr(s, "media  self"));
	free(s);
	/* The association with an OSC 52 clipboard sequence in its name. */
	snprintf(script, sizeof script, "5\n/Media<Enter>\n" SAVE("hostile"), g_ls.dir);
	/* wide enough for the name's first 13 characters (80 columns cut it) */
	assert_int_equal(run_tui("C.UTF-8", NULL, "120x24", script), 0);
	s = screen("hostile");
	expect(s, "Media^[]52;c;");
	free(s);
}

static void test_prompt_completes_and_remembers_commands(void **state)
{
	char script[1000];
	char *s;

	(void)state;
	/* Up three times: dash, the save-display before it, then cert (the
	 * line's end enters it; an <Enter> more would reach the view) */
	snprintf(script, sizeof script, ":ce<Tab><Enter>\n" SAVE("cert") ":dash\n:<Up><Up><Up>\n"
	         SAVE("again") ":nosuchview\n" SAVE("bad"), g_ls.dir, g_ls.dir, g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", NULL, NULL, script), 0);
	s = screen("cert");
	expect(s, "certificates");
	free(s);
	s = screen("again");
	expect(s, "ISSUED TO");                  /* the certificate list, not the dashboard's row */
	free(s);
	s = screen("bad");
	expect(s, "unknown command 'nosuchview'");
	free(s);
}

static void test_help_lists_every_request(void **state)
{
	char script[1000];
	char *s;

	(void)state;
	snprintf(script, sizeof script, "?\n" SAVE("help"), g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", NULL, "100x40", script), 0);
	s = screen("help");
	expect(s, ":block");
	expect(s, ":decommission");
	expect(s, "(in cert)");
	free(s);
}

static void test_read_only_refuses_writes_centrally(void **state)
{
	char script[1000];
	char *s;

	(void)state;
	snprintf(script, sizeof script, "4\nB\n" SAVE("refused"), g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", "--read-only", NULL, script), 0);
	s = screen("refused");
	expect(s, "[RO]");
	expect(s, "read-only: block the certificate refused; nothing was sent");
	free(s);
}

static void test_resize_and_too_small(void **state)
{
	char script[1000];
	char *s;

	(void)state;
	snprintf(script, sizeof script, "4\n<Down><Down>\n<Resize 100x30>\n" SAVE("big")
	         "<Resize 50x10>\n" SAVE("small") "<Resize 80x24>\n" SAVE("back"),
	         g_ls.dir, g_ls.dir, g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", NULL, NULL, script), 0);
	s = screen("big");
	assert_int_equal(count_lines(s), 30);
	assert_true(longest_line(s) <= 100);
	expect(s, ">");
	free(s);
	s = screen("small");
	expect(s, "terminal too small");
	free(s);
	s = screen("back");
	/* the cursor row survived the resizes */
	{
		const char *third = s;
		for (int i = 0; i < 4; i++)
			third = strchr(third, '\n') + 1;
		assert_int_equal(third[0], '>');
	}
	free(s);
}

static void test_ascii_locale_uses_no_utf8_glyph(void **state)
{
	char script[1000];
	char *s;

	(void)state;
	snprintf(script, sizeof script, SAVE("dash") "7\n" SAVE("checks"), g_ls.dir, g_ls.dir);
	assert_int_equal(run_tui("C", NULL, NULL, script), 0);
	s = screen("checks");
	expect(s, "x FAIL");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		assert_true(*p < 0x80);
	free(s);
	s = screen("dash");
	expect(s, "osdwarden - ");
	free(s);
}

static void test_block_a_certificate_with_typed_confirmation(void **state)
{
	char script[1000], smsid[64] = "";
	char *s, *line;

	(void)state;
	/* The PXE certificate of DP00003: the first PXE row once filtered. */
	snprintf(script, sizeof script, "4\n/DP00003<Enter>\nB\nwrong<Enter>\n" SAVE("cancelled")
	         "B\n", g_ls.dir);
	/* 160 columns: wide enough for the whole SMSID in the list */
	assert_int_equal(run_tui("C.UTF-8", NULL, "160x24", script), 0);
	s = screen("cancelled");
	expect(s, "not confirmed; nothing was sent");
	line = strstr(s, "{");
	assert_non_null(line);
	snprintf(smsid, sizeof smsid, "%.38s", line);
	free(s);
	snprintf(script, sizeof script, "4\n/DP00003<Enter>\nB\n%s<Enter>\n" SAVE("blocked"),
	         smsid + 32, g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", NULL, "160x24", script), 0);
	s = screen("blocked");
	expect(s, "applied: verified on the site (IsBlocked=true)");
	free(s);
}

static void test_decommission_wizard_runs_and_resumes(void **state)
{
	char script[2000];
	char *s;

	(void)state;
	/* Start from the SMP list (W), accept step 1 with a note, run step 2,
	 * then leave. */
	snprintf(script, sizeof script, "2\n/SMP02<Enter>\nW\n" SAVE("wizard")
	         "a\nowners agreed<Enter>\nn\ny\n" SAVE("step3") "Q\n", g_ls.dir, g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", NULL, NULL, script), 0);
	s = screen("wizard");
	expect(s, "smp-decommission SMP02.holdout.example");
	expect(s, "step 1 of 7");
	free(s);
	s = screen("step3");
	expect(s, "step 3 of 7");
	expect(s, "restore-only mode on");
	free(s);
	/* A new session: the task is still there, at step 3. */
	snprintf(script, sizeof script, "9\n" SAVE("tasks") "<Enter>\n" SAVE("resumed")
	         "a\nD:\\backup<Enter>\n" SAVE("step4"), g_ls.dir, g_ls.dir, g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", NULL, NULL, script), 0);
	s = screen("tasks");
	expect(s, "smp-decommission  open");
	free(s);
	s = screen("resumed");
	expect(s, "step 3 of 7");
	free(s);
	s = screen("step4");
	expect(s, "step 4 of 7");
	expect(s, "D:\\backup");
	free(s);
}

/* r syncs from the console (the provider and password as for `sync`) and
 * every view re-reads the inventory it wrote. */
static void test_sync_from_the_console(void **state)
{
	char script[1000];
	char *s;

	(void)state;
	snprintf(script, sizeof script, "r\n" SAVE("synced"), g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", NULL, NULL, script), 0);
	s = screen("synced");
	expect(s, "synced ");
	expect(s, synced_classes());
	expect(s, "Security  grade");
	free(s);
	/* Read-only: refused before anything is read or written. */
	assert_int_equal(run_tui("C.UTF-8", "--read-only", NULL, script), 0);
	s = screen("synced");
	expect(s, "read-only: a sync writes the inventory; refused");
	free(s);
}

/* The bar of one finished class: `n` full-block glyphs between spaces. */
static int has_full_bar(const char *line, size_t len, int n)
{
	static const char full[] = "\xe2\x96\x88";
	const char *p = line, *end = line + len;
	int run = 0, best = 0;

	while (p < end) {
		if ((size_t)(end - p) >= 3 && memcmp(p, full, 3) == 0) {
			run++;
			p += 3;
		} else {
			best = run > best ? run : best;
			run = 0;
			p++;
		}
	}
	best = run > best ? run : best;
	return best == n;
}

/* r in a UTF-8 terminal of 80, 160 and 250 columns: every class gets a bar
 * as wide as the terminal allows (all but the 69 columns of the class, its
 * rows, the share, the rate, the time and the margins: glyphs of three
 * bytes each),
 * the frames stay inside the screen, and the console comes back to the
 * dashboard with the sync's summary. The last progress frame is kept by
 * OSDWARDEN_TUI_PROGRESS (script mode only). */
static void test_sync_progress_fits_wide_terminals(void **state)
{
	static const int widths[] = { 80, 160, 250 };
	char script[1000], size[32], progress[400], name[64];

	(void)state;
	/* First the console survives r at each width and shows the summary... */
	for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
		int w = widths[i], rc;
		char *s;
		snprintf(size, sizeof size, "%dx30", w);
		snprintf(progress, sizeof progress, "%s/progress-%d", g_ls.dir, w);
		snprintf(script, sizeof script, "r\n:save-display %s/synced-%d\n", g_ls.dir, w);
		setenv("OSDWARDEN_TUI_PROGRESS", progress, 1);
		rc = run_tui("C.UTF-8", NULL, size, script);
		unsetenv("OSDWARDEN_TUI_PROGRESS");
		if (rc != 0)
			fail_msg("r at %d columns: the console exited %d", w, rc);
		snprintf(name, sizeof name, "synced-%d", w);
		s = screen(name);
		expect(s, "synced ");
		expect(s, synced_classes());
		expect(s, "Security  grade");
		assert_int_equal(count_lines(s), 30);
		assert_true(longest_line(s) <= w);
		free(s);
	}
	/* ...then its last progress frame: a full bar per class, in the width. */
	for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
		int w = widths[i], bars = 0;
		char *s;
		snprintf(name, sizeof name, "progress-%d", w);
		s = screen(name);
		expect(s, " syncing ");
		expect(s, "Esc stops the sync");
		assert_int_equal(count_lines(s), 30);
		assert_true(longest_line(s) <= w);
		for (const char *l = s; *l;) {
			size_t n = strcspn(l, "\n");
			char *line = strndup(l, n);
			assert_non_null(line);
			if (strstr(line, "100%") && strstr(line, "/s  done ")) {
				if (!has_full_bar(line, n, w - 69))
					fail_msg("at %d columns a finished class lacks a bar of %d glyphs:\n%s",
					         w, w - 69, s);
				bars++;
			}
			free(line);
			l += n + (l[n] == '\n');
		}
		assert_int_equal(bars, (int)as_class_count());   /* a bar per class of the contract */
		expect(s, "ROWS/S  TIME");
		snprintf(name, sizeof name, " rows from %zu of %zu classes", as_class_count(),
		         as_class_count());
		expect(s, name);
		expect(s, "elapsed ");
		free(s);
	}
}

/* :save-display writes a new 0600 file, whatever the umask, replaces an
 * old screen without writing into it, and refuses a symlink (the file it
 * points to stays as it was). */
static void test_save_display_is_private_and_refuses_symlinks(void **state)
{
	char script[2000], path[400], target[400], lnk[400], hard[400];
	struct stat st;
	char *s;
	mode_t old;

	(void)state;
	snprintf(path, sizeof path, "%s/private-screen", g_ls.dir);
	snprintf(target, sizeof target, "%s/someone-elses-file", g_ls.dir);
	snprintf(lnk, sizeof lnk, "%s/linked-screen", g_ls.dir);
	snprintf(hard, sizeof hard, "%s/hard-link", g_ls.dir);
	assert_int_equal(tu_write_file(target, "keep me\n", 8), 0);
	assert_int_equal(chmod(target, 0644), 0);
	assert_int_equal(symlink(target, lnk), 0);
	/* an old screen with a second name: that inode must not be rewritten */
	assert_int_equal(tu_write_file(path, "old screen\n", 11), 0);
	assert_int_equal(link(path, hard), 0);
	snprintf(script, sizeof script, ":save-display %s\n:save-display %s\n" SAVE("after-link"),
	         path, lnk, g_ls.dir);
	old = umask(0);
	assert_int_equal(run_tui("C.UTF-8", NULL, NULL, script), 0);
	umask(old);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	if ((st.st_mode & 07777) != 0600)
		fail_msg("the saved screen has mode %04o, not 0600", (unsigned)(st.st_mode & 07777));
	s = screen("private-screen");
	expect(s, "Security  grade");
	free(s);
	s = tu_read_file(hard, NULL);
	assert_string_equal(s, "old screen\n");
	free(s);
	/* the symlink: refused, the file behind it untouched, the link kept */
	s = tu_read_file(target, NULL);
	assert_string_equal(s, "keep me\n");
	free(s);
	assert_int_equal(lstat(lnk, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	s = screen("after-link");
	expect(s, "linked-screen: it is a symbolic link");
	free(s);
}

/* The views whose screens are not golden (test_golden.c says why) open on
 * the lab site and show their own header; every other view's whole screen
 * is compared there. */
static void test_every_view_opens(void **state)
{
	static const struct {
		const char *cmd, *shows;
	} views[] = {
		{ "audit", "sync" },
	};
	char script[4000] = "", *s;

	(void)state;
	for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
		snprintf(script + strlen(script), sizeof script - strlen(script),
		         ":%s\n:save-display %s/view-%s\n", views[i].cmd, g_ls.dir, views[i].cmd);
	/* NO_COLOR: the monochrome theme draws the same screens. */
	setenv("NO_COLOR", "1", 1);
	assert_int_equal(run_tui("C.UTF-8", "--no-color", "100x30", script), 0);
	unsetenv("NO_COLOR");
	for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
		char name[64];
		snprintf(name, sizeof name, "view-%s", views[i].cmd);
		s = screen(name);
		expect(s, views[i].shows);
		free(s);
	}
}

/* Enter on a list row: fields, then (Tab) its findings, then the raw JSON
 * the inventory kept, which never holds the PXE password. */
static void test_detail_has_fields_findings_and_raw_tabs(void **state)
{
	char script[1000];
	char *s;

	(void)state;
	snprintf(script, sizeof script, "1\n/PXE01<Enter>\n<Enter>\n" SAVE("fields") "<Tab>\n"
	         SAVE("findings") "<Tab>\n" SAVE("raw"), g_ls.dir, g_ls.dir, g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", NULL, "100x40", script), 0);
	s = screen("fields");
	expect(s, "[fields]");
	expect(s, "PXE01.holdout.example");
	free(s);
	s = screen("findings");
	expect(s, "[findings]");
	expect(s, "OSD-PXE-004");
	free(s);
	s = screen("raw");
	expect(s, "[raw JSON]");
	expect(s, "\"ServerName\": \"PXE01.holdout.example\"");
	assert_null(strstr(s, "PXEPassword\": \""));
	free(s);
}

/* Space marks associations, D deletes the marked ones after the count is
 * typed, each verified; x lists what the view can do, and why not. */
static void test_marked_associations_and_the_actions_menu(void **state)
{
	char script[1000];
	char *s;

	(void)state;
	snprintf(script, sizeof script, "5\n<Space><Space><Space>\n" SAVE("marked")
	         "D\n3<Enter>\n" SAVE("deleted") "4\nx\n" SAVE("menu") "<Esc>\n", g_ls.dir, g_ls.dir,
	         g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", NULL, "100x30", script), 0);
	s = screen("marked");
	expect(s, "3 marked");
	free(s);
	s = screen("deleted");
	expect(s, "3 deleted, 0 already gone, 0 not deleted");
	free(s);
	s = screen("menu");
	expect(s, "Actions");
	expect(s, "block the certificate");
	assert_null(strstr(s, "refused: read-only"));
	free(s);
	snprintf(script, sizeof script, "4\nx\n" SAVE("menu-ro") "<Esc>\n", g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", "--read-only", "100x30", script), 0);
	s = screen("menu-ro");
	expect(s, "[refused: read-only]");
	free(s);
}

/* The other wizards: P on associations starts the prune task, F on an
 * explained check the guided fix; both run to the end from the console. */
static void test_prune_and_fix_wizards(void **state)
{
	char script[1500];
	char *s;

	(void)state;
	snprintf(script, sizeof script, "5\nP\n" SAVE("prune1") "n\nn\ny\nn\n" SAVE("prune-done")
	         "7\n/PXE-006<Enter>\n<Enter>\nF\n" SAVE("fix1") "n\ny\nn\n" SAVE("fix-done"),
	         g_ls.dir, g_ls.dir, g_ls.dir, g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", NULL, "100x30", script), 0);
	s = screen("prune1");
	expect(s, "assoc-prune 14");
	expect(s, "step 1 of 3");
	free(s);
	s = screen("prune-done");
	expect(s, "assoc-prune 14 - done");
	free(s);
	s = screen("fix1");
	expect(s, "fix OSD-PXE-006 HLD00001");
	free(s);
	s = screen("fix-done");
	expect(s, " - done");
	expect(s, "is now pass");
	free(s);
}

/* c stores a check run; the dashboard and the checklists then read it
 * back instead of evaluating again (what keeps a large site fast). */
static void test_views_read_the_stored_check_run(void **state)
{
	char script[1000];
	char *s;

	(void)state;
	snprintf(script, sizeof script, "c\n" SAVE("stored") "7\n" SAVE("checks-stored")
	         "/PXE-004<Enter>\n<Enter>\n" SAVE("explain-stored"), g_ls.dir, g_ls.dir, g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", NULL, "100x30", script), 0);
	s = screen("stored");
	expect(s, "check run #");
	expect(s, "checklist: stored run #");
	expect(s, "Security  grade");
	free(s);
	s = screen("checks-stored");
	expect(s, "(stored run; c re-evaluates)");
	expect(s, "OSD-PXE-004");
	free(s);
	s = screen("explain-stored");
	expect(s, "Evidence");
	expect(s, "FAIL     PXE01.holdout.example  site HLD");
	free(s);
	/* read-only: nothing stored, refused centrally */
	snprintf(script, sizeof script, "c\n" SAVE("stored-ro"), g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", "--read-only", "100x30", script), 0);
	s = screen("stored-ro");
	expect(s, "read-only: a check run is stored in the inventory; refused");
	free(s);
}

/* x on the certificates of a site whose $metadata lacks BlockCertificate:
 * block and unblock are shown unavailable, with why and where else. */
static void test_the_actions_menu_shows_what_the_site_does_not_expose(void **state)
{
	struct labsite shared = g_ls, own;
	struct labproc lp;
	char script[600];
	char *s;

	(void)state;
	labsite_init(&own, "tui-metadata");
	labsite_negotiate(&own, g_kr.keytab);
	labsite_start(&own, &lp, (const char *const[]){ "--metadata-without",
	                                                "SMS_CertificateInfo.BlockCertificate", NULL });
	assert_int_equal(labsite_sync(&own, &lp), 0);
	g_ls = own;
	snprintf(script, sizeof script, "4\nx\n" SAVE("menu-unexposed") "<Esc>\n", g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", NULL, "160x40", script), 0);
	s = screen("menu-unexposed");
	g_ls = shared;
	labproc_stop(&lp);
	expect(s, "[unavailable]");
	expect(s, "does not expose it");
	expect(s, "SMS_CertificateInfo.BlockCertificate");
	expect(s, "Block-CMCertificate");
	free(s);
	labsite_free(&own);
}

/* The text of screen row y (new string; "" past the end). */
static char *row_of(const char *scr, int y)
{
	const char *p = scr;

	for (int i = 0; i < y && p; i++)
		p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
	if (!p)
		return strdup("");
	return strndup(p, strcspn(p, "\n"));
}

/* Whether screen row y is the selected one. */
static bool selected_at(const char *scr, int y)
{
	char *line = row_of(scr, y);
	bool sel = line[0] == '>';
	free(line);
	return sel;
}

/* The selected row of a table view (the one marked '>'), from column 2. */
static char *selected_row(const char *scr)
{
	for (const char *p = scr; *p;) {
		size_t n = strcspn(p, "\n");
		if (*p == '>')
			return strndup(p + (n >= 2 ? 2 : n), n >= 2 ? n - 2 : 0);
		p += n + (p[n] == '\n');
	}
	fail_msg("no row is selected:\n%s", scr);
	return NULL;
}

/* Row i of a table whose rows start on screen row first, from column 2. */
static char *table_row(const char *scr, int first, int i)
{
	char *line = row_of(scr, first + i), *text = strdup(strlen(line) > 2 ? line + 2 : "");
	free(line);
	return text;
}

static void expect_selected(const char *scr, const char *ref, int first, int index,
                            const char *what)
{
	char *got = selected_row(scr), *want = table_row(ref, first, index);
	if (strcmp(got, want) != 0)
		fail_msg("%s: the cursor is on\n  %s\nnot on row %d\n  %s\n%s", what, got, index, want, scr);
	free(got);
	free(want);
}

/* The body rows of a table in a tall reference screen (up to the first
 * empty row). */
static int table_rows(const char *ref, int first)
{
	int n = 0;
	for (;; n++) {
		char *line = row_of(ref, first + n);
		bool empty = !line[0];
		free(line);
		if (empty)
			return n;
	}
}

/* How many lines of text a text view shows from screen row first, up to
 * the last non-empty one of its rows. */
static int text_lines(const char *scr, int first, int rows)
{
	int n = 0;
	for (int i = 0; i < rows; i++) {
		char *line = row_of(scr, first + i);
		if (line[0])
			n = i + 1;
		free(line);
	}
	return n;
}

/* Runs keys (one a line) in view at size, saving a screen after each
 * into name-0, name-1, ... (a key script of its own). */
static void run_moves(const char *view_keys, const char *size, const char *name,
                      const char *const *moves, size_t n)
{
	char script[3000];

	snprintf(script, sizeof script, "%s", view_keys);
	for (size_t i = 0; i < n; i++)
		snprintf(script + strlen(script), sizeof script - strlen(script),
		         "%s\n:save-display %s/%s-%zu\n", moves[i], g_ls.dir, name, i);
	assert_int_equal(run_tui("C.UTF-8", NULL, size, script), 0);
}

/* The same movement keys in every view (DESIGN §5, htop's Panel_onKey):
 * PgDn a page (the cursor keeps its screen row), g/Home the first row,
 * G/End the last, Ctrl-D half a page. At 80x24 a table shows 20 rows
 * (title, header, status and hints take 4). Where the cursor lands is
 * read against a tall screen of the same view. */
static void test_every_view_moves_with_the_same_keys(void **state)
{
	static const char *const moves[] = { "<PgDn>", "g", "G", "g<C-d>", "<End>", "<Home>" };
	static const struct {
		const char *keys, *name;
		int first;               /* screen row of the first table row */
	} tables[] = {
		{ "7\n", "checks", 2 },
		{ "4\n", "cert", 2 },
		{ "9\n", "tasks", 2 },
	};
	/* A text view shows LINES - 3 lines. The longest explanation (19 lines
	 * at 60 columns) needs the smallest terminal to scroll at all. */
	static const struct {
		const char *keys, *name, *size, *ref_size;
		int page, ref_rows;
	} texts[] = {
		{ "7\n/MEDIA-001<Enter>\n<Enter>\n", "explain", "60x16", "60x70", 13, 67 },
		{ "?\n", "help", "80x24", "80x80", 21, 77 },
	};
	struct labsite shared = g_ls;
	struct inv *db = NULL;
	struct ow_err e = { 0 };
	char name[64];
	char *ref, *s;

	(void)state;
	/* 30 guided tasks, in an inventory of their own (the other tests
	 * open the first task of the shared one). */
	snprintf(g_ls.db, sizeof g_ls.db, "%s/tasks.db", g_ls.dir);
	assert_int_equal(inv_open(&(struct inv_open_opts){ .path = g_ls.db }, &db, &e), 0);
	for (int i = 1; i <= 30; i++) {
		char days[8];
		int64_t id;
		bool resumed;
		snprintf(days, sizeof days, "%d", i);
		assert_int_equal(wf_start(db, "assoc-prune", days, NULL, &id, &resumed, &e), 0);
	}
	inv_close(db);
	g_ls = shared;

	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
		int n;
		if (strcmp(tables[t].name, "tasks") == 0)
			snprintf(g_ls.db, sizeof g_ls.db, "%s/tasks.db", shared.dir);
		/* the reference: every row at once (the lists: the first 76, and
		 * after G the last 76) */
		snprintf(name, sizeof name, "%s-ref", tables[t].name);
		run_moves(tables[t].keys, "80x80", name, (const char *const[]){ "g", "G" }, 2);
		run_moves(tables[t].keys, "80x24", tables[t].name, moves, sizeof moves / sizeof moves[0]);
		g_ls = shared;
		snprintf(name, sizeof name, "%s-ref-0", tables[t].name);
		ref = screen(name);
		n = table_rows(ref, tables[t].first);
		if (n <= 20)
			fail_msg("%s: %d rows, not enough to page through", tables[t].name, n);
		snprintf(name, sizeof name, "%s-0", tables[t].name);
		s = screen(name);
		expect_selected(s, ref, tables[t].first, 20, "PgDn");
		/* the window moved with it, as far as the last full window: the
		 * cursor kept its screen row when it could */
		{
			int top = n - 20 < 20 ? n - 20 : 20;
			if (!selected_at(s, tables[t].first + 20 - top))
				fail_msg("PgDn: the cursor is not on row %d of the window:\n%s", 20 - top, s);
		}
		free(s);
		snprintf(name, sizeof name, "%s-1", tables[t].name);
		s = screen(name);
		expect_selected(s, ref, tables[t].first, 0, "g");
		free(s);
		snprintf(name, sizeof name, "%s-3", tables[t].name);
		s = screen(name);
		expect_selected(s, ref, tables[t].first, 10, "Ctrl-D");
		free(s);
		snprintf(name, sizeof name, "%s-5", tables[t].name);
		s = screen(name);
		expect_selected(s, ref, tables[t].first, 0, "Home");
		free(s);
		free(ref);
		/* G and End: the last row, at the bottom of a full window */
		snprintf(name, sizeof name, "%s-ref-1", tables[t].name);
		ref = screen(name);
		n = table_rows(ref, tables[t].first);
		for (int k = 2; k <= 4; k += 2) {
			snprintf(name, sizeof name, "%s-%d", tables[t].name, k);
			s = screen(name);
			expect_selected(s, ref, tables[t].first, n - 1, k == 2 ? "G" : "End");
			if (!selected_at(s, tables[t].first + 19))
				fail_msg("%s: the last row is not at the bottom of the window:\n%s",
				         k == 2 ? "G" : "End", s);
			free(s);
		}
		free(ref);
	}

	/* The text views (the explanation of a check, help): the same keys
	 * scroll the text, never past its last page. */
	for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
		int lines, page = texts[t].page, last;
		snprintf(name, sizeof name, "%s-ref", texts[t].name);
		run_moves(texts[t].keys, texts[t].ref_size, name, (const char *const[]){ "g" }, 1);
		run_moves(texts[t].keys, texts[t].size, texts[t].name, moves,
		          sizeof moves / sizeof moves[0]);
		snprintf(name, sizeof name, "%s-ref-0", texts[t].name);
		ref = screen(name);
		lines = text_lines(ref, 1, texts[t].ref_rows);
		if (lines <= page || lines >= texts[t].ref_rows)
			fail_msg("%s: %d lines of text, the test needs %d..%d:\n%s", texts[t].name, lines,
			         page + 1, texts[t].ref_rows - 1, ref);
		last = lines - page;
		{
			/* the first line shown after each move */
			const int want[] = { page < last ? page : last, 0, last,
			                     page / 2 < last ? page / 2 : last, last, 0 };
			for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
				char *first, *w;
				snprintf(name, sizeof name, "%s-%zu", texts[t].name, k);
				s = screen(name);
				first = row_of(s, 1);
				w = row_of(ref, 1 + want[k]);
				/* from column 1: column 0 holds the explanation's cursor mark */
				if (strcmp(first[0] ? first + 1 : first, w[0] ? w + 1 : w) != 0)
					fail_msg("%s after %s: the first line is\n  %s\nnot line %d\n  %s\n%s",
					         texts[t].name, moves[k], first, want[k], w, s);
				free(w);
				free(first);
				free(s);
			}
		}
		free(ref);
	}
}

/* The selected row of scr holds want, else the test fails saying what. */
static void expect_on_row(const char *scr, const char *want, const char *what)
{
	char *sel = selected_row(scr);

	if (!strstr(sel, want))
		fail_msg("%s: the cursor is not on %s:\n%s", what, want, scr);
	free(sel);
}

/* The rows of a screen that show an object of an explained check (its
 * state mark, then its name): how many, and the last one (new string). */
static int object_rows(const char *scr, char **last)
{
	int n = 0;

	for (int y = 1; y < count_lines(scr); y++) {
		char *line = row_of(scr, y);
		if (strstr(line, "FAIL ") && strstr(line, " -> ")) {
			n++;
			if (last) {
				free(*last);
				*last = strdup(line + 1);   /* from column 1: the cursor mark aside */
			}
		}
		free(line);
	}
	return n;
}

/* The name on an object row: after the state mark, up to two spaces. */
static char *object_name(const char *row)
{
	const char *p = strstr(row, "FAIL ");
	const char *end;

	assert_non_null(p);
	p += 5;
	while (*p == ' ')
		p++;
	end = strstr(p, "  ");
	return strndup(p, end ? (size_t)(end - p) : strlen(p));
}

/* A check with many objects (SMP-004: 106 associations in the lab): its
 * explanation lists every one (no "and N more", no JSON), PgDn and G page
 * through them, and Enter on an object opens it in its list, the cursor on
 * it; Esc comes back to the explanation. */
static void test_an_explained_check_pages_its_objects_and_opens_one(void **state)
{
	struct labsite shared = g_ls, own;
	struct labproc lp;
	char script[2000];
	char *ref, *s, *last = NULL, *name, *src, *dst;
	int n;

	(void)state;
	/* an inventory of its own: other tests delete and prune associations */
	labsite_init(&own, "tui-evidence");
	labsite_negotiate(&own, g_kr.keytab);
	labsite_start(&own, &lp, NULL);
	assert_int_equal(labsite_sync(&own, &lp), 0);
	labproc_stop(&lp);
	g_ls = own;
	snprintf(script, sizeof script, "8\n/SMP-004<Enter>\n<Enter>\n" SAVE("ev-ref"), g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", NULL, "250x300", script), 0);
	ref = screen("ev-ref");
	n = object_rows(ref, &last);
	if (n < 60)
		fail_msg("the explanation shows %d objects of SMP-004, not all of them:\n%s", n, ref);
	assert_null(strstr(ref, " more ("));
	assert_null(strstr(ref, "{\""));
	expect(ref, " d ago");                 /* evidence in words: "restored 2026-02-17 (287 d ago)" */
	free(ref);

	snprintf(script, sizeof script, "8\n/SMP-004<Enter>\n<Enter>\n" SAVE("ev-top") "<PgDn>\n"
	         SAVE("ev-pg") "G\nN\n" SAVE("ev-end") "<Enter>\n" SAVE("ev-open") "<Esc>\n"
	         SAVE("ev-back"), g_ls.dir, g_ls.dir, g_ls.dir, g_ls.dir, g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", NULL, "120x24", script), 0);
	s = screen("ev-top");
	{
		char *top_last = NULL, *pg_last = NULL, *pg;
		object_rows(s, &top_last);
		assert_non_null(top_last);
		/* the last object is not on the first page */
		if (strcmp(top_last, last) == 0)
			fail_msg("the first page already shows the last object:\n%s", s);
		/* PgDn: objects the first page did not show */
		pg = screen("ev-pg");
		if (object_rows(pg, &pg_last) < 5 || strstr(s, pg_last + 1))
			fail_msg("PgDn: no page of objects past the first:\n%s\n%s", s, pg);
		free(pg);
		free(pg_last);
		free(top_last);
	}
	free(s);
	/* G and N: the last object, selected */
	s = screen("ev-end");
	name = object_name(last);
	expect_on_row(s, name, "G N: the last object");
	free(s);
	src = strndup(name, strstr(name, " -> ") - name);
	dst = strdup(strstr(name, " -> ") + 4);
	s = screen("ev-open");
	expect(s, "computer associations");
	{
		char *sel = selected_row(s);
		if (!strstr(sel, src) || !strstr(sel, dst))
			fail_msg("Enter: the cursor is not on the association %s:\n%s", name, s);
		free(sel);
	}
	free(s);
	s = screen("ev-back");
	expect(s, "OSD-SMP-004");
	expect_on_row(s, name, "Esc: the explanation's place");
	free(s);
	free(src);
	free(dst);
	free(name);
	free(last);

	/* / filters the objects, live, with counts; Enter opens the match */
	snprintf(script, sizeof script, "8\n/SMP-004<Enter>\n<Enter>\n/WS000014<Enter>\n"
	         SAVE("ev-filter") "<Enter>\n" SAVE("ev-filter-open"), g_ls.dir, g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", NULL, "120x24", script), 0);
	s = screen("ev-filter");
	expect(s, "/WS000014 (1 of ");
	assert_int_equal(object_rows(s, NULL), 1);
	free(s);
	s = screen("ev-filter-open");
	expect(s, "computer associations");
	expect_on_row(s, "WS000014", "Enter");
	free(s);
	g_ls = shared;
	labsite_free(&own);
}

/* The dashboard's components are rows: Down moves to the next, Enter
 * opens its list over the dashboard, Esc comes back. */
static void test_the_dashboard_opens_the_component_under_the_cursor(void **state)
{
	char script[1000];
	char *s;

	(void)state;
	snprintf(script, sizeof script, "<Down>\n" SAVE("dash-down") "<Enter>\n" SAVE("dash-open")
	         "<Esc>\n" SAVE("dash-back"), g_ls.dir, g_ls.dir, g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", NULL, "100x30", script), 0);
	s = screen("dash-down");
	{
		char *sel = selected_row(s);
		if (!strstr(sel, "state migration points"))
			fail_msg("Down: the cursor is not on the second component:\n%s", s);
		free(sel);
	}
	free(s);
	s = screen("dash-open");
	expect(s, "state migration points");
	expect(s, "SERVER");
	free(s);
	s = screen("dash-back");
	expect(s, "dashboard");
	free(s);
}

/* The row selected with '>' in column 0 of a text view (help, audit,
 * pager) from column 1; NULL when none. */
static char *marked_text(const char *scr)
{
	for (const char *p = scr; *p;) {
		size_t n = strcspn(p, "\n");
		if (*p == '>')
			return strndup(p + 1, n - 1);
		p += n + (p[n] == '\n');
	}
	return NULL;
}

/* Enter on an association whose source computer has several: the list
 * opens filtered by that name, with the cursor on that very association
 * (the row its findings name), not on the first of them. */
static void test_an_association_opened_from_a_check_is_the_one_selected(void **state)
{
	struct labsite shared = g_ls, own;
	struct labproc lp;
	char script[1200], *s, *last = NULL, *name, *dst, *sel;

	(void)state;
	labsite_init(&own, "tui-same-source");
	labsite_negotiate(&own, g_kr.keytab);
	labsite_start(&own, &lp, NULL);
	assert_int_equal(labsite_sync(&own, &lp), 0);
	labproc_stop(&lp);
	/* every association captured from one computer */
	tu_sql_exec(own.db, "UPDATE associations SET source_name = 'WSDUP'");
	g_ls = own;
	snprintf(script, sizeof script, "8\n/SMP-004<Enter>\n<Enter>\nG\nN\n" SAVE("dup-end")
	         "<Enter>\n" SAVE("dup-open"), g_ls.dir, g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", NULL, "120x24", script), 0);
	s = screen("dup-end");
	sel = selected_row(s);
	object_rows(s, &last);
	name = object_name(sel);
	assert_non_null(strstr(name, "WSDUP -> "));
	dst = strdup(strstr(name, " -> ") + 4);
	free(sel);
	free(s);
	s = screen("dup-open");
	expect(s, "computer associations");
	expect_on_row(s, dst, "Enter on the association");
	free(s);
	free(dst);
	free(name);
	free(last);
	g_ls = shared;
	labsite_free(&own);
}

/* In a text view, / finds a line, n the next one, N the one before;
 * the title counts the matches. */
static void test_slash_and_n_find_the_next_match_in_help(void **state)
{
	char script[1000];
	char *s, *first, *second, *back;

	(void)state;
	snprintf(script, sizeof script, "?\n/page<Enter>\n" SAVE("find-0") "n\n" SAVE("find-1")
	         "N\n" SAVE("find-2"), g_ls.dir, g_ls.dir, g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", NULL, "100x40", script), 0);
	s = screen("find-0");
	expect(s, "/page (1 of ");
	first = marked_text(s);
	if (!first || !strstr(first, "page"))
		fail_msg("/page: no line with 'page' is marked:\n%s", s);
	free(s);
	s = screen("find-1");
	expect(s, "/page (2 of ");
	second = marked_text(s);
	if (!second || !strstr(second, "page") || strcmp(first, second) == 0)
		fail_msg("n: the next line with 'page' is not marked (still %s):\n%s", first, s);
	free(s);
	s = screen("find-2");
	expect(s, "/page (1 of ");
	back = marked_text(s);
	if (!back || strcmp(back, first) != 0)
		fail_msg("N: not back on the first match %s:\n%s", first, s);
	free(s);
	free(first);
	free(second);
	free(back);
}

/* No screen shows JSON but the raw tab of a detail: every view, a
 * detail's fields and findings, and the explanation of checks whose
 * evidence is nested (a policy) or asks for an attestation. */
static void test_no_screen_but_the_raw_tab_shows_json(void **state)
{
	static const char *const views[] = { "dash", "dp", "smp", "media", "cert", "assoc", "ts",
	                                     "accounts", "sites", "checks", "privacy", "tasks",
	                                     "audit", "help" };
	static const char *const checks[] = { "PXE-004", "MEDIA-001", "MEDIA-002", "SMP-004",
	                                      "RBAC-001", "SMP-005", "PXE-001" };
	char script[6000] = "", *s;
	size_t nv = sizeof views / sizeof views[0], nc = sizeof checks / sizeof checks[0];

	(void)state;
	for (size_t i = 0; i < nv; i++)
		snprintf(script + strlen(script), sizeof script - strlen(script),
		         ":%s\n:save-display %s/json-view-%zu\n", views[i], g_ls.dir, i);
	for (size_t i = 0; i < nc; i++)
		snprintf(script + strlen(script), sizeof script - strlen(script),
		         "7\n/%s<Enter>\n<Enter>\n:save-display %s/json-check-%zu\n", checks[i], g_ls.dir,
		         i);
	snprintf(script + strlen(script), sizeof script - strlen(script),
	         "1\n/PXE01<Enter>\n<Enter>\n" SAVE("json-fields") "<Tab>\n" SAVE("json-findings")
	         "<Tab>\n" SAVE("json-raw"), g_ls.dir, g_ls.dir, g_ls.dir);
	assert_int_equal(run_tui("C.UTF-8", NULL, "160x50", script), 0);
	for (size_t i = 0; i < nv + nc + 2; i++) {
		char name[64];
		if (i < nv)
			snprintf(name, sizeof name, "json-view-%zu", i);
		else if (i < nv + nc)
			snprintf(name, sizeof name, "json-check-%zu", i - nv);
		else
			snprintf(name, sizeof name, i == nv + nc ? "json-fields" : "json-findings");
		s = screen(name);
		if (strstr(s, "{\""))
			fail_msg("%s (%s) shows JSON:\n%s", name,
			         i < nv ? views[i] : i < nv + nc ? checks[i - nv] : "detail", s);
		free(s);
	}
	/* the raw tab is JSON: the walk would see it */
	s = screen("json-raw");
	expect(s, "[raw JSON]");
	expect(s, "\"ServerName\": ");
	free(s);
}

/* --view names a view of the table, or the console does not start: it
 * says which views there are (it used to crash on the first key). */
static void test_an_unknown_start_view_is_refused_with_the_views_named(void **state)
{
	char script[600], path[400];
	char *err, *s;

	(void)state;
	snprintf(script, sizeof script, "<Down>\n" SAVE("unknown-view"), g_ls.dir);
	assert_int_equal(run_tui_on("C.UTF-8", NULL, NULL, "nosuch", script), 2);
	snprintf(path, sizeof path, "%s/stderr", g_ls.dir);
	err = tu_read_file(path, NULL);
	assert_non_null(err);
	if (!strstr(err, "no view 'nosuch'; try dash, dp, smp, media, cert, assoc, ts, accounts, "
	            "sites, checks, privacy, tasks, audit, help"))
		fail_msg("stderr does not name the views: %s", err);
	free(err);
	/* a view of the table starts there */
	snprintf(script, sizeof script, SAVE("start-view"), g_ls.dir);
	assert_int_equal(run_tui_on("C.UTF-8", NULL, NULL, "privacy", script), 0);
	s = screen("start-view");
	expect(s, "privacy checklist");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_filter_counts_and_hostile_names_are_inert),
		cmocka_unit_test(test_prompt_completes_and_remembers_commands),
		cmocka_unit_test(test_help_lists_every_request),
		cmocka_unit_test(test_read_only_refuses_writes_centrally),
		cmocka_unit_test(test_resize_and_too_small),
		cmocka_unit_test(test_ascii_locale_uses_no_utf8_glyph),
		cmocka_unit_test(test_block_a_certificate_with_typed_confirmation),
		cmocka_unit_test(test_decommission_wizard_runs_and_resumes),
		cmocka_unit_test(test_sync_from_the_console),
		cmocka_unit_test(test_sync_progress_fits_wide_terminals),
		cmocka_unit_test(test_save_display_is_private_and_refuses_symlinks),
		cmocka_unit_test(test_every_view_opens),
		cmocka_unit_test(test_detail_has_fields_findings_and_raw_tabs),
		cmocka_unit_test(test_marked_associations_and_the_actions_menu),
		cmocka_unit_test(test_the_actions_menu_shows_what_the_site_does_not_expose),
		cmocka_unit_test(test_prune_and_fix_wizards),
		cmocka_unit_test(test_views_read_the_stored_check_run),
		cmocka_unit_test(test_every_view_moves_with_the_same_keys),
		cmocka_unit_test(test_an_explained_check_pages_its_objects_and_opens_one),
		cmocka_unit_test(test_an_association_opened_from_a_check_is_the_one_selected),
		cmocka_unit_test(test_slash_and_n_find_the_next_match_in_help),
		cmocka_unit_test(test_the_dashboard_opens_the_component_under_the_cursor),
		cmocka_unit_test(test_no_screen_but_the_raw_tab_shows_json),
		cmocka_unit_test(test_an_unknown_start_view_is_refused_with_the_views_named),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
