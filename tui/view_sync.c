/* The sync screen: `r` syncs the site from the console with a progress bar
 * per class (the share of the site's $count read), Esc stops it (nothing is
 * written then), and every open view re-reads the inventory afterwards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/records.h"
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

/* --- which provider ---------------------------------------------------------- */

/* A provider the sites of the inventory name, with those sites. */
struct prov_choice {
	const struct inv_provider *p;
	struct buf sites;
	bool shown;   /* the provider of the site in the title */
};

/* The dialog: one entry a provider (at most nine, a key each), the one of
 * the site shown first. 0 and *id, or -1 when the operator cancelled. */
static int ask_provider(struct tui_app *a, struct prov_choice *ch, size_t n, int64_t *id)
{
	struct buf body = BUF_INIT;
	char keys[10] = "";
	int key;

	if (n > 9)
		n = 9;
	buf_adds(&body, "The sites of this inventory were synced from several providers.\n"
	                "Which one does this session reach (sync, and every write)?\n");
	for (size_t i = 0; i < n; i++) {
		char when[32] = "never";
		if (ch[i].p->last_sync_at != INV_NULL && ch[i].p->last_sync_at > 0) {
			time_t t = (time_t)ch[i].p->last_sync_at;
			struct tm tm;
			gmtime_r(&t, &tm);
			strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
		}
		buf_addf(&body, "\n%zu  %s\n   sites %s; last sync %s%s", i + 1, ch[i].p->url,
		         ch[i].sites.len ? buf_str(&ch[i].sites) : "(none)", when,
		         ch[i].shown ? "; the site shown" : "");
		keys[i] = (char)('1' + i);
	}
	buf_addf(&body, "\n\n1-%zu chooses, Esc cancels (nothing is read or sent)", n);
	key = tui_choose(a, "Which provider?", buf_str(&body), keys);
	buf_free(&body);
	if (key < '1' || key > '0' + (int)n)
		return -1;
	*id = ch[key - '1'].p->id;
	return 0;
}

int tui_pick_provider(struct tui_app *a, int64_t *id)
{
	struct inv_provider *provs = NULL;
	struct inv_site *sites = NULL;
	struct prov_choice *ch = NULL;
	struct ow_err e = { 0 };
	size_t np = 0, ns = 0, nc = 0;
	int rc = 0;

	*id = 0;
	if (a->o.site.provider_fixed)
		return 0;
	if (inv_load_provider(a->o.db, false, &provs, &np, &e) != 0 || np < 2 ||
	    inv_load_site(a->o.db, false, &sites, &ns, &e) != 0 ||
	    !(ch = calloc(np, sizeof *ch)))
		goto out;   /* none or one: the caller's own choice is right */
	for (size_t i = 0; i < np; i++) {
		ch[nc].p = &provs[i];
		for (size_t k = 0; k < ns; k++) {
			if (sites[k].provider_id != provs[i].id)
				continue;
			buf_addf(&ch[nc].sites, "%s%s", ch[nc].sites.len ? ", " : "",
			         sites[k].site_code);
			/* The title names the first site the dashboard read. */
			ch[nc].shown |= k == 0;
		}
		if (ch[nc].sites.len)
			nc++;
		else
			buf_free(&ch[nc].sites);
	}
	if (nc == 1) {
		*id = ch[0].p->id;
		goto out;
	}
	if (nc == 0) {
		/* No site names a provider: every provider is a candidate. */
		for (size_t i = 0; i < np; i++)
			ch[nc++].p = &provs[i];
	}
	/* The site shown first, then the most recently synced. */
	for (size_t i = 1; i < nc; i++)
		for (size_t k = i; k > 0; k--) {
			struct prov_choice *x = &ch[k - 1], *y = &ch[k];
			bool before = y->shown > x->shown ||
			              (y->shown == x->shown && y->p->last_sync_at > x->p->last_sync_at);
			if (!before)
				break;
			struct prov_choice t = *x;
			*x = *y;
			*y = t;
		}
	rc = ask_provider(a, ch, nc, id);
out:
	for (size_t i = 0; ch && i < np; i++)
		buf_free(&ch[i].sites);
	free(ch);
	inv_unload_site(sites, ns);
	inv_unload_provider(provs, np);
	return rc;
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
