#define _GNU_SOURCE
/* Text views: help (generated from the request table), the audit log,
 * and a pager for an object's fields. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/audit.h"
#include "tui/internal.h"

/* A scrollable block of lines, shared by the three; the pager has tabs
 * (fields, findings, raw JSON), each its own block. / finds a line (the
 * text in v->filter, as the lists' filter), n and N the next and previous
 * one; the line found is marked. */
struct text {
	struct buf b;
	struct buf tabs[3];
	const char *tab_names[3];
	int ntabs, tab;
	int scroll;
	int match;               /* the line found, -1: none */
};

static const char *text_shown(const struct text *t)
{
	return buf_str(t->ntabs ? &t->tabs[t->tab] : &t->b);
}

/* The rows the text gets: the tab bar takes one. */
static int text_page(const struct text *t)
{
	return tui_view_rows() - (t->ntabs ? 1 : 0);
}

static void text_draw(struct tui_app *a, struct tui_view *v, int top, int rows)
{
	struct text *t = v->priv;

	if (t->ntabs) {
		char bar[200] = "";
		for (int i = 0; i < t->ntabs; i++)
			snprintf(bar + strlen(bar), sizeof bar - strlen(bar), i == t->tab ? "[%s]  " : " %s   ",
			         t->tab_names[i]);
		tui_putf(a, top++, 1, COLS - 2, ST_HEADER, "%s(Tab switches)", bar);
		rows--;
	}
	tui_draw_lines(a, top, rows, text_shown(t), t->scroll, ST_NORMAL);
	if (t->match >= t->scroll && t->match < t->scroll + rows) {
		const char *p = text_shown(t);
		for (int i = 0; i < t->match && *p; i++)
			p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n');
		char *line = strndup(p, strcspn(p, "\n"));
		if (line)
			tui_mark_line(a, top + t->match - t->scroll, line);
		free(line);
	}
}

/* The scroll that shows line: unchanged when it is on screen, else it
 * at the top (never past the last page). */
static void show_line(struct text *t, int line)
{
	int page = text_page(t), last = tui_count_lines(text_shown(t)) - page;

	if (line >= t->scroll && line < t->scroll + page)
		return;
	t->scroll = line < last ? line : last > 0 ? last : 0;
}

/* The line with what (any case) nearest from in direction dir (+1: from
 * on, -1: from back), around the end; -1 when no line has it. */
static int find_line(const struct text *t, const char *what, int from, int dir)
{
	int first = -1, last = -1, after = -1, before = -1, i = 0;

	for (const char *p = text_shown(t); *p; i++) {
		size_t len = strcspn(p, "\n");
		char *line = strndup(p, len);
		if (line && strcasestr(line, what)) {
			if (first < 0)
				first = i;
			last = i;
			if (i >= from && after < 0)
				after = i;
			if (i <= from)
				before = i;
		}
		free(line);
		p += len + (p[len] == '\n');
	}
	if (dir > 0)
		return after >= 0 ? after : first;
	return before >= 0 ? before : last;
}

static void find(struct tui_app *a, struct tui_view *v, int from, int dir)
{
	struct text *t = v->priv;

	if (!v->filter[0]) {
		t->match = -1;
		return;
	}
	t->match = find_line(t, v->filter, from, dir);
	if (t->match < 0)
		tui_flash(a, true, "no line has '%s'", v->filter);
	else
		show_line(t, t->match);
}

/* The line editor's live text: the search, from the line on screen. */
static void live_find(struct tui_app *a, const char *text)
{
	struct tui_view *v = tui_top(a);
	struct text *t = v->priv;

	snprintf(v->filter, sizeof v->filter, "%s", text);
	a->flash[0] = '\0';
	find(a, v, t->match >= 0 ? t->match : t->scroll, 1);
	tui_draw_frame(a);
}

static void text_counts(struct tui_view *v, char *buf, size_t n)
{
	struct text *t = v->priv;
	int matches = 0, nth = 0, i = 0;

	if (!t || !v->filter[0])
		return;
	for (const char *p = text_shown(t); *p; i++) {
		size_t len = strcspn(p, "\n");
		char *line = strndup(p, len);
		if (line && strcasestr(line, v->filter)) {
			matches++;
			if (i <= t->match)
				nth = matches;
		}
		free(line);
		p += len + (p[len] == '\n');
	}
	snprintf(buf, n, "%d of %d", nth, matches);
}

static int text_request(struct tui_app *a, struct tui_view *v, enum tui_req r)
{
	struct text *t = v->priv;
	char text[sizeof v->filter];

	switch (r) {
	case REQ_FILTER:
		snprintf(text, sizeof text, "%s", v->filter);
		if (!tui_edit_line(a, LINES - 2, "/", text, sizeof text, live_find, false)) {
			v->filter[0] = '\0';
			t->match = -1;
		}
		return TUI_HANDLED;
	case REQ_NEXT_MATCH:
	case REQ_PREV_MATCH:
		if (!v->filter[0]) {
			tui_flash(a, false, "/ first: n and N then go to the next and previous line found");
			return TUI_HANDLED;
		}
		find(a, v, (t->match >= 0 ? t->match : t->scroll) + (r == REQ_NEXT_MATCH ? 1 : -1),
		     r == REQ_NEXT_MATCH ? 1 : -1);
		return TUI_HANDLED;
	default: break;
	}
	if (tui_scroll(r, tui_count_lines(text_shown(t)), text_page(t), &t->scroll))
		return TUI_HANDLED;
	switch (r) {
	case REQ_ENTER: return TUI_HANDLED;
	case REQ_NEXT_TAB:
		if (t->ntabs) {
			t->tab = (t->tab + 1) % t->ntabs;
			t->scroll = 0;
			find(a, v, 0, 1);
		}
		return TUI_HANDLED;
	default: return 0;
	}
}

static void text_free(struct tui_view *v)
{
	struct text *t = v->priv;
	if (t) {
		buf_free(&t->b);
		for (int i = 0; i < 3; i++)
			buf_free(&t->tabs[i]);
	}
	free(t);
}

static struct text *text_of(struct tui_view *v)
{
	struct text *t = v->priv;

	if (!t && (t = v->priv = calloc(1, sizeof *t)) != NULL)
		t->match = -1;
	return t;
}

/* --- help ------------------------------------------------------------------- */

static int help_load(struct tui_app *a, struct tui_view *v)
{
	struct text *t = text_of(v);
	char kb1[16], kb2[16];

	(void)a;
	if (!t)
		return -1;
	buf_reset(&t->b);
	buf_adds(&t->b, "Keys (the same table drives the keys, the : commands and this page)\n\n");
	for (size_t i = 0; tui_req_at(i); i++) {
		const struct tui_req_info *r = tui_req_at(i);
		char keys[40];
		snprintf(keys, sizeof keys, "%s%s%s", tui_key_name(r->key1, kb1, sizeof kb1),
		         r->key2 ? " " : "", r->key2 ? tui_key_name(r->key2, kb2, sizeof kb2) : "");
		buf_addf(&t->b, "  %-12s :%-14s %s%s%s%s\n", keys, r->name, r->help,
		         r->views ? " (in " : "", r->views ? r->views : "", r->views ? ")" : "");
	}
	/* The views from their table: those with a digit by it, the others by
	 * their `:` name. */
	buf_adds(&t->b, "\nViews:");
	for (int d = '0'; d <= '9'; d++)
		for (size_t i = 0; tui_view_at(i); i++)
			if (tui_view_at(i)->digit == d)
				buf_addf(&t->b, "%s%c %s", d == '0' ? " " : "  ", d, tui_view_at(i)->name);
	buf_adds(&t->b, "\n      ");
	for (size_t i = 0; tui_view_at(i); i++)
		if (!tui_view_at(i)->digit)
			buf_addf(&t->b, " :%s ", tui_view_at(i)->name);
	buf_adds(&t->b, "  (Tab completes after :)\n"
	         "Writes are refused centrally in read-only mode; every write is verified and "
	         "audited.\n");
	return 0;
}

const struct tui_view_ops tui_help_ops = { help_load, text_draw, text_request, text_free, text_counts };

/* --- audit log ----------------------------------------------------------------- */

static int audit_row(void *ctx, const struct audit_entry *e)
{
	struct buf *b = ctx;
	time_t t = (time_t)e->ts;
	struct tm tm;
	char when[32];

	strftime(when, sizeof when, "%Y-%m-%d %H:%M", gmtime_r(&t, &tm));
	buf_addf(b, "%5lld %s %-10s %-18s %-16.16s %s\n", (long long)e->seq, when,
	         e->operator_name ? e->operator_name : "", e->action ? e->action : "",
	         e->outcome ? e->outcome : "", e->target ? e->target : "");
	return 0;
}

static int audit_load(struct tui_app *a, struct tui_view *v)
{
	struct text *t = text_of(v);
	struct ow_err e = { 0 };

	if (!t)
		return -1;
	buf_reset(&t->b);
	buf_adds(&t->b, "  SEQ TIME (UTC)       OPERATOR   ACTION             OUTCOME          TARGET\n");
	if (audit_each(a->o.db, audit_row, &t->b, &e) != 0)
		tui_flash(a, true, "%s", e.msg);
	return 0;
}

const struct tui_view_ops tui_audit_ops = { audit_load, text_draw, text_request, text_free, text_counts };

/* --- pager --------------------------------------------------------------------- */

static int pager_load(struct tui_app *a, struct tui_view *v)
{
	(void)a;
	(void)v;
	return 0;
}

static const struct tui_view_ops pager_ops = { pager_load, text_draw, text_request, text_free, text_counts };
static const struct tui_view_def pager_def = { "detail", 0, "detail", &pager_ops, NULL, NULL, NULL };

int tui_push_pager(struct tui_app *a, const char *title, char *fields, char *findings, char *raw)
{
	struct text *t = calloc(1, sizeof *t);
	char *parts[3] = { fields, findings, raw };
	static const char *const names[3] = { "fields", "findings", "raw JSON" };

	if (!t) {
		for (int i = 0; i < 3; i++)
			free(parts[i]);
		return -1;
	}
	t->match = -1;
	for (int i = 0; i < 3; i++) {
		if (!parts[i])
			continue;
		t->tab_names[t->ntabs] = names[i];
		buf_adds(&t->tabs[t->ntabs++], parts[i]);
		free(parts[i]);
	}
	if (tui_push(a, &pager_def, t) != 0)
		return -1;
	snprintf(tui_top(a)->title_extra, sizeof tui_top(a)->title_extra, "%s %s",
	         tui_glyph(a, "\xe2\x80\xba", ">"), title);
	return 0;
}
