/* The sync screen: `r` syncs the site from the console, a line per class
 * with the rows read, a bar and a percentage of the site's $count, the
 * rate, and the time it took or is expected to take; Esc stops it (nothing
 * is written then), and every open view re-reads the inventory afterwards.
 * Also which provider the console reaches when the inventory has several. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/adminservice.h"
#include "db/records.h"
#include "tui/internal.h"

/* A class's line, from the left: the class and the rows read (W_HEAD),
 * the bar (every column left over), the share, the rate ("  1234567/s")
 * and the time ("  done  12.3 s"). */
enum { COL_CLASS = 25, COL_ROWS = 9, W_HEAD = COL_CLASS + 1 + COL_ROWS + 2, W_PCT = 6, W_RATE = 11,
       W_TIME = 13, BAR_MIN = 10 };

struct sync_class {
	char *cls;
	size_t rows;
	long long total;   /* the site's $count, -1 unknown */
	double rate;       /* rows/s, as the sync measured it */
	double t0, t1;     /* first frame, and the frame that finished it */
	bool done;
};

struct sync_screen {
	struct tui_app *a;
	struct sync_class *c;   /* in the order the sync began them */
	size_t n, cap;
	double t0;
};

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A duration in seven columns: " 12.3 s" under 100 s, then "   4m05",
 * "   2h13". */
static void fmt_dur(double s, char *out, size_t n)
{
	if (s < 0)
		s = 0;
	if (s < 100)
		snprintf(out, n, "%5.1f s", s);
	else if (s < 6000)
		snprintf(out, n, "%4dm%02d", (int)(s / 60), (int)s % 60);
	else
		snprintf(out, n, "%4dh%02d", (int)(s / 3600) % 10000, (int)(s / 60) % 60);
}

/* A rate in seven columns before "/s": 999999, then 12.3k, 4.5M. */
static void fmt_rate(double r, char *out, size_t n)
{
	if (r <= 0)
		snprintf(out, n, "%7s", "-");
	else if (r < 1e6)
		snprintf(out, n, "%7.0f", r);
	else if (r < 1e9)
		snprintf(out, n, "%6.1fM", r / 1e6);
	else
		snprintf(out, n, "%7s", ">1G");
}

/* The columns in cols: the bar takes what the others leave; below
 * BAR_MIN the time, then the rate, give their room up. */
struct sync_layout {
	int bar;
	bool rate, time;
};

static struct sync_layout layout(int cols)
{
	struct sync_layout l = { cols - (W_HEAD + W_PCT + W_RATE + W_TIME), true, true };

	if (l.bar < BAR_MIN) {
		l.time = false;
		l.bar += W_TIME;
	}
	if (l.bar < BAR_MIN) {
		l.rate = false;
		l.bar += W_RATE;
	}
	if (l.bar < 1)
		l.bar = 1;
	return l;
}

/* One class's line, as wide as cols. */
static void class_line(const struct tui_app *a, const struct sync_class *c, double now, int cols,
                       struct buf *line)
{
	struct sync_layout l = layout(cols);
	bool time = l.time, rate = l.rate;
	int bar = l.bar;
	int fill, pct = -1;
	char t[32], r[32];
	if (c->total > 0)
		pct = (int)((double)c->rows * 100 / (double)c->total);
	if (pct > 100 || c->done)
		pct = 100;
	/* With the site's count the bar is the share read; without one a
	 * block runs along it as rows arrive. */
	fill = c->done ? bar : pct >= 0 ? pct * bar / 100 : -1;
	buf_addf(line, "%-*.*s %*zu  ", COL_CLASS, COL_CLASS, c->cls, COL_ROWS, c->rows);
	for (int b = 0; b < bar; b++) {
		bool on = fill >= 0 ? b < fill : b == (int)(c->rows / 500 % (size_t)bar);
		buf_adds(line, on ? tui_glyph(a, "\xe2\x96\x88", "#")
		                  : tui_glyph(a, "\xe2\x96\x91", "."));
	}
	if (pct >= 0)
		buf_addf(line, "  %3d%%", pct);
	else
		buf_addf(line, "  %*s", W_PCT - 2, "?");
	if (rate) {
		fmt_rate(c->rate, r, sizeof r);
		buf_addf(line, "  %s/s", r);
	}
	if (!time)
		return;
	if (c->done) {
		/* The sync's own rate is rows over the class's time. */
		fmt_dur(c->rate > 0 && c->rows ? (double)c->rows / c->rate : c->t1 - c->t0, t, sizeof t);
		buf_addf(line, "  done%s", t);
	} else if (c->total > 0 && c->rate > 0 && (long long)c->rows < c->total) {
		fmt_dur((double)(c->total - (long long)c->rows) / c->rate, t, sizeof t);
		buf_addf(line, "  left%s", t);
	} else {
		fmt_dur(now - c->t0, t, sizeof t);
		buf_addf(line, "  read%s", t);
	}
}

static void draw(struct sync_screen *ss, double now)
{
	struct tui_app *a = ss->a;
	struct buf line = BUF_INIT;
	int rows = LINES - 5;   /* title, header; the total, a gap, the hint */
	size_t first = 0, total = 0;
	char t[32], r[32];

	for (size_t k = 0; k < ss->n; k++)
		total += ss->c[k].rows;
	/* More classes than rows: the latest ones, the one being read last. */
	if (rows > 0 && ss->n > (size_t)rows)
		first = ss->n - (size_t)rows;
	erase();
	tui_putf(a, 0, 0, COLS, ST_TITLE, " syncing %s", a->site_name);
	{
		struct sync_layout l = layout(COLS - 2);
		buf_addf(&line, "%-*s %*s  %-*s  %*s", COL_CLASS, "CLASS", COL_ROWS, "ROWS", l.bar,
		         l.bar >= 8 ? "PROGRESS" : "", W_PCT - 2, "%");
		if (l.rate)
			buf_addf(&line, "  %*s", W_RATE - 2, "ROWS/S");
		if (l.time)
			buf_adds(&line, "  TIME");
		tui_put(a, 1, 1, COLS - 2, ST_HEADER, buf_str(&line));
	}
	for (size_t k = first; rows > 0 && k < ss->n; k++) {
		buf_reset(&line);
		class_line(a, &ss->c[k], now, COLS - 2, &line);
		tui_put(a, 2 + (int)(k - first), 1, COLS - 2, ss->c[k].done ? ST_OK : ST_NORMAL,
		        buf_str(&line));
	}
	buf_reset(&line);
	fmt_dur(now - ss->t0, t, sizeof t);
	fmt_rate(now > ss->t0 ? (double)total / (now - ss->t0) : 0, r, sizeof r);
	buf_addf(&line, "%zu rows from %zu of %zu classes  %s/s  elapsed%s", total, ss->n,
	         as_class_count(), r, t);
	tui_put(a, LINES - 3, 1, COLS - 2, ST_NORMAL, buf_str(&line));
	buf_free(&line);
	tui_put(a, LINES - 1, 0, COLS, ST_DIM, "Esc stops the sync; nothing is written then");
	refresh();
}

static int sync_progress(void *ctx, const struct sync_progress *p)
{
	struct sync_screen *ss = ctx;
	struct tui_app *a = ss->a;
	double now = mono_now();
	size_t i;

	for (i = 0; i < ss->n && strcmp(ss->c[i].cls, p->cls) != 0; i++)
		;
	if (i == ss->n) {
		if (ss->n == ss->cap) {
			size_t cap = ss->cap ? ss->cap * 2 : 32;
			struct sync_class *c = realloc(ss->c, cap * sizeof *c);
			if (!c)
				return tui_abort_pressed(a);   /* the sync goes on, unseen */
			ss->c = c;
			ss->cap = cap;
		}
		ss->c[i] = (struct sync_class){ .cls = strdup(p->cls), .t0 = now };
		if (!ss->c[i].cls)
			return tui_abort_pressed(a);
		ss->n++;
	}
	ss->c[i].rows = p->rows;
	ss->c[i].total = p->total;
	ss->c[i].rate = p->rows_per_s;
	if (p->done && !ss->c[i].done)
		ss->c[i].t1 = now;
	ss->c[i].done = p->done;
	draw(ss, now);
	/* OSDWARDEN_TUI_PROGRESS=FILE (key scripts only): every frame is saved
	 * there, so a screen test sees the last one. */
	if (a->script && a->progress_dump)
		tui_save_display(a, a->progress_dump);
	/* Esc aborts: the sync stops and the inventory stays as it was. */
	return tui_abort_pressed(a);
}

/* While the site holds a request (sync_progress asks between pages): Esc
 * stops the sync. */
static int sync_stop(void *ctx)
{
	struct sync_screen *ss = ctx;

	return tui_abort_pressed(ss->a);
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
	struct sync_screen ss = { .a = a, .t0 = mono_now() };
	char msg[600];
	int rc;

	if (a->o.read_only) {
		tui_flash(a, true, "read-only: a sync writes the inventory; refused");
		return;
	}
	if (!a->o.site.sync || !tui_site(a))
		return;
	rc = a->o.site.sync(a->o.site.ctx, sync_progress, sync_stop, &ss, msg, sizeof msg);
	for (size_t i = 0; i < ss.n; i++)
		free(ss.c[i].cls);
	free(ss.c);
	tui_flash(a, rc != 0, "%s", msg);
	tui_reload_all(a);
}
