#define _GNU_SOURCE
/* The explanation of one check: why it matters, every object it judged
 * with its evidence in the console's words (checks/words), the fix
 * (console path and PowerShell), and the guided task that makes the fix
 * when osdwarden can. A list of lines with a cursor: the movement keys
 * are every view's, n/N go from object to object, / filters the objects,
 * Enter opens one in its list. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/workflows.h"
#include "checks/checks.h"
#include "checks/decide.h"
#include "checks/stored.h"
#include "checks/words.h"
#include "db/checkstore.h"
#include "db/records.h"
#include "tui/internal.h"

/* One object of the explained check, as the run found it. */
struct ex_obj {
	enum chk_state state;
	bool waived;
	char *type, *key, *name, *evidence;   /* owned; evidence: compact JSON */
	char *words;     /* its evidence in words, made when first drawn or filtered */
};

/* A line of the explanation (owned text), and the object it shows. */
struct ex_line {
	char *text;
	int obj;         /* -1: none */
};

/* The explanation is a list of lines with a cursor, as tig's pager: the
 * movement keys are every view's, Enter on an object's line opens the
 * object, n/N go to the next/previous object, / filters the objects. */
struct explain {
	const struct chk_def *def;
	struct ex_obj *obj;
	size_t nobj, capobj;
	long fails, total;
	bool loaded;
	char built_filter[128];   /* the filter and the width the lines were made with */
	int built_cols;
	struct ex_line *lines;
	int nlines, caplines, shown;
};

static void wrap(struct buf *b, const char *label, const char *text, int width)
{
	int col = 0, indent = (int)strlen(label);
	const char *p = text ? text : "";

	buf_adds(b, label);
	col = indent;
	while (*p) {
		size_t word = strcspn(p, " ");
		if (col + (int)word > width && col > indent) {
			buf_addf(b, "\n%*s", indent, "");
			col = indent;
		}
		buf_add(b, p, word);
		col += (int)word;
		p += word;
		if (*p == ' ') {
			buf_addc(b, ' ');
			col++;
			p++;
		}
	}
	buf_addc(b, '\n');
}

static void free_objects(struct explain *ex)
{
	for (size_t i = 0; i < ex->nobj; i++) {
		free(ex->obj[i].type);
		free(ex->obj[i].key);
		free(ex->obj[i].name);
		free(ex->obj[i].evidence);
		free(ex->obj[i].words);
	}
	free(ex->obj);
	ex->obj = NULL;
	ex->nobj = ex->capobj = 0;
}

static void free_lines(struct explain *ex)
{
	for (int i = 0; i < ex->nlines; i++)
		free(ex->lines[i].text);
	free(ex->lines);
	ex->lines = NULL;
	ex->nlines = ex->caplines = 0;
}

static int add_object(struct explain *ex, enum chk_state st, bool waived, const char *type,
                      const char *key, const char *name, const char *evidence)
{
	struct ex_obj *o;

	if (ex->nobj == ex->capobj) {
		size_t cap = ex->capobj ? ex->capobj * 2 : 16;
		struct ex_obj *n = realloc(ex->obj, cap * sizeof *n);
		if (!n)
			return -1;
		ex->obj = n;
		ex->capobj = cap;
	}
	o = &ex->obj[ex->nobj];
	*o = (struct ex_obj){ st, waived, strdup(type ? type : ""), strdup(key ? key : ""),
	                      strdup(name ? name : key ? key : "site"), strdup(evidence ? evidence : ""),
	                      NULL };
	if (!o->type || !o->key || !o->name || !o->evidence) {
		free(o->type);
		free(o->key);
		free(o->name);
		free(o->evidence);
		return -1;
	}
	ex->nobj++;
	return 0;
}

static int stored_object(void *ctx, const struct inv_finding *f)
{
	enum chk_state st;

	if (chk_state_parse(f->state, &st) != 0)
		st = CS_UNKNOWN;
	return add_object(ctx, st, f->waived, f->object_type, f->object_key, f->object_name,
	                  f->evidence_json);
}

/* One result of an evaluation shown, not stored: what the stored run
 * would keep of it (passes and "not applicable" are only counted). */
static int evaluated_object(void *ctx, const struct chk_result *r)
{
	if (r->state == CS_PASS || r->state == CS_NOTAPPLICABLE)
		return 0;
	return add_object(ctx, r->state, r->waived, r->object_type, r->object_key, r->object_name,
	                  r->evidence);
}

/* What needs doing: a failure no waiver covers. */
static bool needs_doing(const struct ex_obj *o)
{
	return o->state == CS_FAIL && !o->waived;
}

/* What needs doing first, then the rest, each group in the order read
 * (two passes: qsort is not stable): the cursor starts on a failure. An
 * evaluated run's objects are read in the run's order, a stored run's in
 * its index's (by object type, then key: db/checkstore.h). */
static void sort_objects(struct explain *ex)
{
	struct ex_obj *copy = malloc((ex->nobj ? ex->nobj : 1) * sizeof *copy);
	size_t n = 0;

	if (!copy)
		return;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < ex->nobj; i++)
			if (needs_doing(&ex->obj[i]) == (pass == 0))
				copy[n++] = ex->obj[i];
	memcpy(ex->obj, copy, n * sizeof *copy);
	free(copy);
}

/* The object's evidence in the console's words (checks/words), less the
 * pairs that only repeat its name or key. */
static const char *object_words(struct ex_obj *o)
{
	struct chk_pair pairs[48];
	struct buf b = BUF_INIT;
	size_t n;

	if (o->words)
		return o->words;
	n = chk_evidence_pairs(o->evidence, inv_now(), pairs, sizeof pairs / sizeof pairs[0]);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(pairs[i].value, o->name) == 0 || strcmp(pairs[i].value, o->key) == 0)
			continue;
		buf_addf(&b, "%s%s %s", b.len ? ", " : "", pairs[i].label, pairs[i].value);
	}
	o->words = buf_detach(&b);
	if (!o->words)
		o->words = strdup("");
	return o->words ? o->words : "";
}

static const char *object_state(const struct tui_app *a, const struct ex_obj *o)
{
	return o->state == CS_FAIL && o->waived ? "- waived" : tui_check_mark(a, o->state);
}

static bool object_matches(struct explain *ex, struct ex_obj *o, const char *filter)
{
	return !filter[0] || strcasestr(o->name, filter) || strcasestr(o->key, filter) ||
	       strcasestr(object_words(o), filter);
}

static int add_line(struct explain *ex, char *text, int obj)
{
	if (ex->nlines == ex->caplines) {
		int cap = ex->caplines ? ex->caplines * 2 : 64;
		struct ex_line *n = realloc(ex->lines, (size_t)cap * sizeof *n);
		if (!n) {
			free(text);
			return -1;
		}
		ex->lines = n;
		ex->caplines = cap;
	}
	ex->lines[ex->nlines++] = (struct ex_line){ text, obj };
	return 0;
}

/* The text of b, one line each. */
static void add_text(struct explain *ex, const char *text)
{
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		add_line(ex, strndup(p, n), -1);
		p += n + (p[n] == '\n');
	}
}

/* How many columns text takes (UTF-8, one a character: the state marks). */
static int columns(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* Object i's lines: its state and name, then its evidence pairs, carried
 * over to lines of their own (under the name) where the width ends, so
 * no value is cut; a single pair wider than the screen is cut by tui_put. */
static void add_object_lines(struct tui_app *a, struct explain *ex, int i, int width)
{
	struct ex_obj *o = &ex->obj[i];
	const char *mark = object_state(a, o), *p = object_words(o);
	struct buf b = BUF_INIT;
	int indent = 2 + 10 + 1;

	buf_addf(&b, "  %s%*s %s", mark, 10 - columns(mark), "", o->name);
	if (*p)
		buf_adds(&b, "  ");
	while (*p) {
		/* the next pair, up to ", " */
		const char *end = strstr(p, ", ");
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *pair = strndup(p, n);
		int col = columns(buf_str(&b));
		if (col > indent && col + columns(pair ? pair : "") + 1 > width) {
			add_line(ex, buf_detach(&b), i);
			buf_addf(&b, "%*s", indent, "");
		}
		buf_adds(&b, pair ? pair : "");
		free(pair);
		p += n;
		if (*p) {
			buf_addc(&b, ',');
			p += 2;
			buf_addc(&b, ' ');
		}
	}
	add_line(ex, buf_detach(&b), i);
}

/* The lines, with the objects the filter keeps; the cursor on the lines
 * of the object whose key is keep when it is still shown (the window
 * where it was), else on the first object. */
static void build_lines(struct tui_app *a, struct tui_view *v, const char *keep)
{
	struct explain *ex = v->priv;
	const struct chk_def *d = ex->def;
	int width = COLS - 4 > 40 ? COLS - 4 : 40;
	struct buf b = BUF_INIT;
	int first_object = -1, kept = -1;

	free_lines(ex);
	snprintf(ex->built_filter, sizeof ex->built_filter, "%s", v->filter);
	ex->built_cols = COLS;
	{
		/* As the checklist says it: failing first, else waiting for an
		 * attestation, else nothing open. */
		size_t attest = 0;
		for (size_t i = 0; i < ex->nobj; i++)
			attest += ex->obj[i].state == CS_NOTCHECKED;
		if (ex->fails)
			buf_addf(&b, "FAIL  %s  %s   %ld of %ld objects failing\n", chk_sev_name(d->sev),
			         d->title, ex->fails, ex->total);
		else if (attest)
			buf_addf(&b, "~ attest  %s  %s   %zu object%s await%s an attestation\n",
			         chk_sev_name(d->sev), d->title, attest, attest == 1 ? "" : "s",
			         attest == 1 ? "s" : "");
		else
			buf_addf(&b, "no failure  %s  %s   %ld of %ld objects failing\n",
			         chk_sev_name(d->sev), d->title, ex->fails, ex->total);
	}
	wrap(&b, "Why  ", d->rationale, width);
	ex->shown = 0;
	for (size_t i = 0; i < ex->nobj; i++)
		ex->shown += object_matches(ex, &ex->obj[i], v->filter);
	if (v->filter[0])
		buf_addf(&b, "Evidence  %d of %zu objects match /%s\n", ex->shown, ex->nobj, v->filter);
	else
		buf_addf(&b, "Evidence  %zu object%s\n", ex->nobj, ex->nobj == 1 ? "" : "s");
	add_text(ex, buf_str(&b));
	buf_reset(&b);
	for (size_t i = 0; i < ex->nobj; i++)
		if (object_matches(ex, &ex->obj[i], v->filter)) {
			if (first_object < 0)
				first_object = ex->nlines;
			if (keep && kept < 0 && strcmp(ex->obj[i].key, keep) == 0)
				kept = ex->nlines;
			add_object_lines(a, ex, (int)i, COLS - 2);
		}
	if (!ex->nobj)
		buf_adds(&b, "  nothing to show: every object passes\n");
	else if (!ex->shown)
		buf_addf(&b, "  no object matches /%s (Esc on / clears it)\n", v->filter);
	wrap(&b, "Fix  ", d->remediation, width);
	if (d->refs)
		wrap(&b, "Refs ", d->refs, width);
	if (d->fix)
		buf_adds(&b, "Guided fix: F starts it for the object under the cursor (or the first "
		         "failing one)\n");
	add_text(ex, buf_str(&b));
	buf_free(&b);
	if (kept >= 0) {
		v->cursor = kept;
	} else {
		v->cursor = first_object >= 0 ? first_object : 0;
		v->top = 0;
	}
}

/* The object under the cursor, or NULL. */
static struct ex_obj *cursor_object(struct tui_view *v)
{
	struct explain *ex = v->priv;

	if (v->cursor < 0 || v->cursor >= ex->nlines || ex->lines[v->cursor].obj < 0)
		return NULL;
	return &ex->obj[ex->lines[v->cursor].obj];
}

/* What A, W and F act on: the object under the cursor, else the first
 * failing one, else the first one ("" when there is none). */
static const char *acted_on(struct tui_view *v, bool failing)
{
	struct explain *ex = v->priv;
	struct ex_obj *o = cursor_object(v);

	if (o && (!failing || o->state == CS_FAIL))
		return o->key;
	for (size_t i = 0; i < ex->nobj; i++)
		if (!failing || ex->obj[i].state == CS_FAIL)
			return ex->obj[i].key;
	return "";
}

static int ex_load(struct tui_app *a, struct tui_view *v)
{
	struct explain *ex = v->priv;
	struct chk_stored cs;
	struct chk_run run;
	struct ow_err e = { 0 };
	char keep[300] = "";
	size_t k = chk_index(ex->def);

	/* a new filter: the same objects, other lines */
	if (ex->loaded && strcmp(ex->built_filter, v->filter) != 0) {
		build_lines(a, v, NULL);
		return 0;
	}
	if (cursor_object(v))
		snprintf(keep, sizeof keep, "%s", cursor_object(v)->key);
	free_objects(ex);
	ex->fails = ex->total = 0;
	snprintf(v->title_extra, sizeof v->title_extra, "%s %s", tui_glyph(a, "\xe2\x80\xba", ">"),
	         ex->def->id);
	if (chk_stored_load(a->o.db, &cs, &e) == 0) {
		/* the stored run's findings of this check (only non-passing ones
		 * are stored), and its counts */
		for (int st = 0; st <= CS_FIXED; st++)
			ex->total += cs.counts[k][st];
		ex->fails = cs.counts[k][CS_FAIL];
		if (inv_each_finding(a->o.db, cs.run_id, ex->def->id, NULL, NULL, INV_ANY_ORDER,
		                     stored_object, ex, &e) < 0)
			tui_flash(a, true, "the findings of %s could not be read: %s", ex->def->id, e.msg);
	} else if (chk_evaluate_peek(a->o.db, inv_now(), &run, &e) != 0) {
		tui_flash(a, true, "%s", e.msg);
	} else {
		/* an evaluation shown, not stored: the same, from its results */
		for (int st = 0; st <= CS_FIXED; st++)
			ex->total += (long)run.counts[k][st];
		ex->fails = (long)run.counts[k][CS_FAIL];
		if (chk_run_each(&run, (int)k, evaluated_object, ex) != 0)
			tui_flash(a, true, "the results of %s could not all be shown (out of memory)",
			          ex->def->id);
		chk_run_free(&run);
	}
	sort_objects(ex);
	ex->loaded = true;
	/* a reload (after a decision, or back from an object): the same object */
	build_lines(a, v, keep[0] ? keep : NULL);
	return 0;
}

static void ex_draw(struct tui_app *a, struct tui_view *v, int top, int rows)
{
	struct explain *ex = v->priv;

	if (ex->built_cols != COLS) {
		/* resized: the text wrapped again, the cursor on the same object */
		char keep[300] = "";
		if (cursor_object(v))
			snprintf(keep, sizeof keep, "%s", cursor_object(v)->key);
		build_lines(a, v, keep[0] ? keep : NULL);
	}
	tui_keep_visible(ex->nlines, rows, &v->cursor, &v->top);
	for (int i = 0; i < rows && v->top + i < ex->nlines; i++) {
		const struct ex_line *l = &ex->lines[v->top + i];
		if (v->top + i == v->cursor)
			tui_mark_line(a, top + i, l->text);
		else
			tui_put(a, top + i, 1, COLS - 2,
			        v->top + i == 0 ? ST_HEADER
			        : l->obj >= 0 ? tui_check_style(ex->obj[l->obj].state) : ST_NORMAL,
			        l->text);
	}
}

static void ex_counts(struct tui_view *v, char *buf, size_t n)
{
	struct explain *ex = v->priv;
	snprintf(buf, n, "%d of %zu", ex ? ex->shown : 0, ex ? ex->nobj : 0);
}

/* Where an object of a kind is listed, and the text that finds it there
 * (the list's filter): the list is where its actions are (B on a
 * certificate, D on an association), and Enter there shows its fields. */
static const struct {
	const char *type, *view;
	enum { BY_KEY, BY_NAME, BY_SOURCE } by;
} homes[] = {
	{ "dp", "dp", BY_KEY },               { "smp", "smp", BY_KEY },
	{ "certificate", "cert", BY_KEY },    { "association", "assoc", BY_SOURCE },
	{ "task_sequence", "ts", BY_KEY },    { "admin", "accounts", BY_NAME },
	{ "site", "sites", BY_KEY },          { "boot_image", "media", BY_KEY },
};

static int open_object(struct tui_app *a, struct tui_view *v)
{
	struct ex_obj *o = cursor_object(v);
	const struct tui_view_def *def = NULL;
	struct tui_view *list;
	char filter[sizeof list->filter];
	size_t i;

	if (!o) {
		tui_flash(a, false, "Enter on an object's line opens it (n goes to the next object)");
		return TUI_HANDLED;
	}
	for (i = 0; i < sizeof homes / sizeof homes[0]; i++)
		if (strcmp(homes[i].type, o->type) == 0) {
			def = tui_view_named(homes[i].view);
			break;
		}
	if (!def || strcmp(o->key, "*") == 0) {
		tui_flash(a, false, "%s is not an object a list shows; its evidence above is all the "
		          "inventory holds of it", o->name);
		return TUI_HANDLED;
	}
	/* An association by its restore computer, which a source's several
	 * associations do not share (the cursor then goes to its very row). */
	if (homes[i].by == BY_SOURCE)
		snprintf(filter, sizeof filter, "%s", strstr(o->name, " -> ")
		                                      ? strstr(o->name, " -> ") + 4 : o->name);
	else
		snprintf(filter, sizeof filter, "%s", homes[i].by == BY_NAME ? o->name : o->key);
	if (tui_push(a, def, NULL) != 0)
		return TUI_HANDLED;
	list = tui_top(a);
	snprintf(list->filter, sizeof list->filter, "%s", filter);
	list->cursor = 0;
	if (list->ops->load && list->ops->load(a, list) == 0 && def->ops == &tui_list_ops &&
	    tui_list_select(list, o->key) != 0)
		tui_flash(a, false, "%s is not among the rows the filter '%s' shows first; move "
		          "through them to find it", o->name, filter);
	return TUI_HANDLED;
}

/* n/N: the next (previous) object's line. */
static int next_object(struct tui_app *a, struct tui_view *v, int dir)
{
	struct explain *ex = v->priv;

	int here = v->cursor >= 0 && v->cursor < ex->nlines ? ex->lines[v->cursor].obj : -1;

	for (int i = v->cursor + dir; i >= 0 && i < ex->nlines; i += dir)
		if (ex->lines[i].obj >= 0 && ex->lines[i].obj != here &&
		    (i == 0 || ex->lines[i - 1].obj != ex->lines[i].obj)) {
			v->cursor = i;
			tui_keep_visible(ex->nlines, tui_view_rows(), &v->cursor, &v->top);
			return TUI_HANDLED;
		}
	tui_flash(a, false, "no object %s this line", dir > 0 ? "after" : "before");
	return TUI_HANDLED;
}

static int decide(struct tui_app *a, struct tui_view *v, bool waiver)
{
	struct explain *ex = v->priv;
	char text[300], days_s[16], object[300];
	struct ow_err e = { 0 };
	long days;

	if (a->o.read_only) {
		tui_flash(a, true, "read-only: the inventory cannot record a decision");
		return TUI_HANDLED;
	}
	snprintf(object, sizeof object, "%s", acted_on(v, waiver));
	if (!tui_ask(a, waiver ? "Waiver reason (for the reviewer)" : "Attestation note", text,
	             sizeof text)) {
		tui_flash(a, false, "nothing recorded");
		return TUI_HANDLED;
	}
	if (!tui_ask(a, waiver ? "Expires in days (required)" : "Expires in days (Enter: default)",
	             days_s, sizeof days_s) && waiver) {
		tui_flash(a, true, "a waiver needs an expiry; nothing recorded");
		return TUI_HANDLED;
	}
	days = atol(days_s);
	if (days <= 0)
		days = inv_setting_long(a->o.db, "attestation_default_days", 90);
	if (chk_decide(a->o.db, waiver, ex->def->id, object, text, days, inv_now(), &e) != 0)
		tui_flash(a, true, "%s", e.msg);
	else
		tui_flash(a, false, "%s %s %s for %ld days (audited)", waiver ? "waived" : "attested",
		          ex->def->id, object, days);
	return TUI_HANDLED | TUI_RELOAD;
}

static int ex_request(struct tui_app *a, struct tui_view *v, enum tui_req r)
{
	struct explain *ex = v->priv;
	struct ow_err e = { 0 };
	const char *object;
	int64_t id;
	bool resumed;

	switch (r) {
	case REQ_NEXT_MATCH: return next_object(a, v, 1);
	case REQ_PREV_MATCH: return next_object(a, v, -1);
	default: break;
	}
	if (tui_move(r, ex->nlines, tui_view_rows(), &v->cursor, &v->top))
		return TUI_HANDLED;
	switch (r) {
	case REQ_ENTER: return open_object(a, v);
	case REQ_ATTEST: return decide(a, v, false);
	case REQ_WAIVE: return decide(a, v, true);
	case REQ_FIX:
		object = acted_on(v, true);
		if (!ex->def->fix || !object[0]) {
			tui_flash(a, true, "no guided fix for %s%s", ex->def->id,
			          object[0] ? "" : " here (nothing fails)");
			return TUI_HANDLED;
		}
		if (!tui_may_write(a, "the guided fix"))
			return TUI_HANDLED;
		if (wf_start_fix(a->o.db, ex->def->id, ex->def->fix, object, NULL, &id, &resumed, &e) != 0)
			tui_flash(a, true, "%s", e.msg);
		else
			tui_push_wizard(a, id);
		return TUI_HANDLED;
	default: return 0;
	}
}

static void ex_free(struct tui_view *v)
{
	struct explain *ex = v->priv;
	if (ex) {
		free_objects(ex);
		free_lines(ex);
	}
	free(ex);
}

static const struct tui_view_ops explain_ops = { ex_load, ex_draw, ex_request, ex_free, ex_counts };
static const struct tui_view_def explain_def = { "explain", 0, "checklist", &explain_ops, NULL, NULL,
	                                         NULL };

int tui_push_explain(struct tui_app *a, const char *check_id)
{
	struct explain *ex = calloc(1, sizeof *ex);

	if (!ex || !(ex->def = chk_find(check_id))) {
		free(ex);
		return -1;
	}
	return tui_push(a, &explain_def, ex);
}
