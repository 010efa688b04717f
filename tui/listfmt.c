#include "tui/listfmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "backend/adminservice.h"
#include "checks/checks.h"
#include "checks/words.h"
#include "db/records.h"
#include "util/width.h"

/* STATE: natural width for "✗ critical", cut no further than "! medium". */
#define STATE_W 10
#define STATE_MIN 8
#define GAP 2

struct spec {
	int natural, min, prio, sep;
};

static struct spec spec_of(const struct inv_list *l, int c)
{
	const struct inv_col *col;
	int title;

	if (c == LF_STATE)
		return (struct spec){ STATE_W, STATE_MIN, 0, GAP };
	col = inv_list_col(l, (size_t)c);
	title = (int)width_of(col->title);
	/* a title is never cut: the column is as wide as its title, or dropped */
	return (struct spec){ col->width > title ? col->width : title, col->min > title ? col->min : title,
		              col->prio, col->sep ? (int)width_of(col->sep) : GAP };
}

/* Width of the chosen columns with their widths, the gaps between them
 * (none before the first). */
static int total(const struct spec *sp, const int *w, int n)
{
	int sum = 0;
	bool first = true;

	for (int c = 0; c < n; c++) {
		if (!w[c])
			continue;
		sum += w[c] + (first ? 0 : sp[c].sep);
		first = false;
	}
	return sum;
}

size_t lf_layout(const struct inv_list *l, int cols, struct lf_col *out)
{
	int n = (int)inv_list_ncols(l) + 1, avail = cols - 2, w[40] = { 0 }, left, x = 2;
	struct spec sp[40];
	size_t shown = 0;

	if (n > 40)
		n = 40;
	/* slot n-1 is STATE */
	for (int c = 0; c < n; c++)
		sp[c] = spec_of(l, c == n - 1 ? LF_STATE : c);
	left = n;
	/* A priority at a time, from 0: its columns at their natural width,
	 * narrowed toward their minimum (the most slack first) while the row
	 * is too wide; a priority that does not fit even so is dropped with
	 * every one after it (0 is always shown). */
	for (int p = 0; left > 0; p++) {
		int over;
		for (int c = 0; c < n; c++)
			if (sp[c].prio == p) {
				w[c] = sp[c].natural;
				left--;
			}
		while ((over = total(sp, w, n) - avail) > 0) {
			int best = -1, slack = 0;
			for (int c = 0; c < n; c++)
				if (sp[c].prio == p && w[c] - sp[c].min > slack) {
					slack = w[c] - sp[c].min;
					best = c;
				}
			if (best < 0)
				break;
			w[best]--;
		}
		if (over > 0 && p > 0) {
			for (int c = 0; c < n; c++)
				if (sp[c].prio == p)
					w[c] = 0;
			break;
		}
	}
	for (int c = 0; c < n; c++) {
		if (!w[c])
			continue;
		if (shown)
			x += sp[c].sep;
		out[shown++] = (struct lf_col){ c == n - 1 ? LF_STATE : c, x, w[c] };
		x += w[c];
	}
	return shown;
}

const char *lf_title(const struct inv_list *l, const struct lf_col *c)
{
	return c->col == LF_STATE ? "STATE" : inv_list_col(l, (size_t)c->col)->title;
}

const char *lf_sep(const struct tui_app *a, const struct inv_list *l, const struct lf_col *c)
{
	const char *sep = c->col == LF_STATE ? NULL : inv_list_col(l, (size_t)c->col)->sep;

	/* the one separator the lists use is an arrow */
	return sep ? tui_glyph(a, sep, " > ") : NULL;
}

void lf_cell(const struct inv_col *col, const struct inv_cell *c, char *out, size_t n)
{
	char v[32];
	const char *w;

	if (c->null) {
		snprintf(out, n, "-");
		return;
	}
	if (col->kind == INV_TIME) {
		time_t t = (time_t)c->i;
		struct tm tm;
		if (!gmtime_r(&t, &tm) || !strftime(out, n, "%Y-%m-%d", &tm))
			snprintf(out, n, "%" PRId64, c->i);
		return;
	}
	if (col->kind == INV_TEXT) {
		w = chk_value_word(col->field, c->s ? c->s : "");
		snprintf(out, n, "%s", w ? w : c->s ? c->s : "");
		return;
	}
	snprintf(v, sizeof v, col->kind == INV_BOOL ? (c->i ? "true" : "false") : "%" PRId64, c->i);
	if ((w = chk_value_word(col->field, v))) {
		snprintf(out, n, "%s", w);
	} else if (col->kind == INV_BOOL) {
		snprintf(out, n, "%s", c->i ? "yes" : "no");
	} else if (col->field) {
		/* a number in the unit the words give its field ("103 d") */
		char json[160];
		struct chk_pair p;
		snprintf(json, sizeof json, "{\"%s\":%" PRId64 "}", col->field, c->i);
		snprintf(out, n, "%s", chk_evidence_pairs(json, 0, &p, 1) ? p.value : v);
	} else {
		snprintf(out, n, "%s", v);
	}
}

static int state_of(const char *name)
{
	enum chk_state st;

	/* a state this osdwarden does not know: not ok */
	return chk_state_parse(name, &st) == 0 ? (int)st : CS_UNKNOWN;
}

/* How bad a finding is, for the worst of an object's: an unwaived failure
 * by its severity, then what could not be judged, then a waived failure. */
static int rank_of(int state, int sev, bool waived)
{
	switch (state) {
	case CS_FAIL: return waived ? 30 : 100 + sev;
	case CS_ERROR: return 60;
	case CS_UNKNOWN: return 50;
	case CS_NOTCHECKED: return 40;
	case CS_INFORMATIONAL: return 10;
	case CS_FIXED: return 5;
	default: return 0;
	}
}

void lf_state_add(struct lf_state *s, const struct inv_finding *f)
{
	enum chk_sev sev = SEV_INFO;
	int st = state_of(f->state), r;

	if (f->severity)
		chk_sev_parse(f->severity, &sev);
	r = rank_of(st, (int)sev, f->waived != 0);
	if (r > s->rank) {
		s->rank = r;
		s->state = st;
		s->sev = (int)sev;
	}
}

const char *lf_state_text(const struct tui_app *a, const struct lf_state *s, char *buf, size_t n,
                          enum tui_style *style)
{
	*style = ST_DIM;
	if (s->no_run)
		return "? no run";
	if (!s->rank && s->unjudged)
		return "? new";
	*style = ST_WARN;
	if (!s->rank && s->unread)
		return "? unread";
	switch (s->rank ? s->state : CS_PASS) {
	case CS_FAIL:
		if (s->rank < 100) {
			*style = ST_DIM;
			return "waived";
		}
		*style = s->sev >= SEV_HIGH ? ST_DANGER : ST_WARN;
		snprintf(buf, n, "%s %s", s->sev >= SEV_HIGH ? tui_glyph(a, "\xe2\x9c\x97", "x") : "!",
		         chk_sev_name((enum chk_sev)s->sev));
		return buf;
	case CS_ERROR: return "? error";
	case CS_UNKNOWN: return "? unknown";
	case CS_NOTCHECKED: return "~ attest";
	default:
		*style = ST_OK;
		return "ok";
	}
}

/* Whether the rows of l come from class cls (the contract's record, or
 * the records a complete read of it proves gone). */
static bool class_feeds(const struct inv_list *l, const char *cls)
{
	const struct as_class *c = as_class_find(cls);

	for (const char *const *t = c ? inv_list_tables(l) : NULL; t && *t; t++) {
		const char *table = inv_kind_table(c->record);
		if (table && strcmp(table, *t) == 0)
			return true;
		for (size_t g = 0; g < sizeof c->gone / sizeof c->gone[0]; g++)
			if ((table = inv_kind_table(c->gone[g])) && strcmp(table, *t) == 0)
				return true;
	}
	return false;
}

struct unread {
	const struct inv_list *l;
	char *why;
	size_t n;
	bool hit;
};

static int class_error(void *ctx, size_t key, const struct inv_finding *f)
{
	struct unread *u = ctx;
	const struct chk_def *def = chk_find(f->check_id);
	char needs[400], *save = NULL;

	(void)key;
	if (!def || !def->needs || strcmp(f->state, chk_state_name(CS_ERROR)) != 0)
		return 0;
	snprintf(needs, sizeof needs, "%s", def->needs);
	for (char *cls = strtok_r(needs, ",", &save); cls; cls = strtok_r(NULL, ",", &save))
		if (class_feeds(u->l, cls)) {
			snprintf(u->why, u->n, "%s (%s)", f->object_key, f->check_id);
			u->hit = true;
			return 1;
		}
	return 0;
}

bool lf_run_unread(struct inv *db, int64_t run_id, const struct inv_list *l, char *why, size_t n)
{
	static const char *const types[] = { "class", NULL };
	const char *names[64];
	size_t k = 0;
	struct unread u = { l, why, n, false };
	struct ow_err e = { 0 };

	if (n)
		why[0] = '\0';
	for (size_t i = 0; i < as_class_count() && k < 64; i++)
		names[k++] = as_class_at(i)->name;
	/* unread is never ok: a failed read of the findings counts as one */
	if (inv_each_object_finding(db, run_id, types, names, k, class_error, &u, &e) < 0) {
		snprintf(why, n, "%s", e.msg);
		return true;
	}
	return u.hit;
}
