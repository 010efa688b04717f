/* The sync screen: `r` syncs the site from the console with a progress bar
 * per class (the share of the site's $count read), Esc stops it (nothing is
 * written then), and every open view re-reads the inventory afterwards. */
#include <stdio.h>
#include <string.h>

#include "tui/internal.h"

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
	if (a->script && a->progress_dump)
		tui_save_display(a, a->progress_dump);
	/* Esc aborts: the sync stops and the inventory stays as it was. */
	return tui_abort_pressed(a);
}

void tui_sync_now(struct tui_app *a)
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
	tui_reload_all(a);
}
