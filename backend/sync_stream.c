/* The streaming parser: the big flat classes (certificates, associations)
 * are parsed by yajl straight into their records, one row at a time, with
 * no DOM and no raw_json: their selected columns are stored one to one. */
#include "backend/sync_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yajl/yajl_parse.h>

/* --- streaming pages (yajl) --------------------------------------------- */

/* Depths: the envelope object is 1, the "value" array 2, a row object 3
 * (its fields are read at 3; anything deeper is skipped). Strings of the current row are kept
 * in one buffer as offsets and turned into pointers when the row ends. */
struct stream {
	struct pager *p;
	const struct as_class *c;
	int depth;
	bool in_rows, want_link, in_row;
	int skip;                      /* depth of a nested value being skipped */
	const struct as_prop *cur;     /* property with a field for the current key, or NULL */
	bool cur_is_key;               /* the current key is a key column */
	_Alignas(16) unsigned char rec[256];   /* the record under construction */
	long str_off[32];              /* per property: offset in strs, or -1 */
	struct buf strs;
	struct buf key;                /* key columns of the row, for repeat checks */
	json_t *key_values;            /* the same as strings, when the class has lazy ones */
	size_t rows;
	char first_key[512];
	char *next_link;
	int failed;                    /* a put failed: stop */
};

static void stream_row_start(struct stream *st)
{
	inv_record_init(st->c->record, st->rec);
	for (size_t i = 0; i < st->c->nprops; i++)
		st->str_off[i] = -1;
	buf_reset(&st->strs);
	buf_reset(&st->key);
	if (st->c->lazy) {
		json_decref(st->key_values);
		st->key_values = json_array();
	}
}

static int stream_row_end(struct stream *st)
{
	if (st->rows >= (size_t)st->p->c->page_size) {
		sync_too_many_rows(st->p, st->rows + 1);
		st->failed = 1;
		return 0;   /* stops the parse before the extra row is stored */
	}
	for (size_t i = 0; i < st->c->nprops; i++)
		if (st->str_off[i] >= 0)
			*(const char **)(st->rec + st->c->props[i].off) = st->strs.data + st->str_off[i];
	if (st->rows == 0)
		snprintf(st->first_key, sizeof st->first_key, "%s", buf_str(&st->key));
	st->rows++;
	int stored = sync_put_streamed(st->p->s, st->c, st->rec);
	if (stored < 0) {
		st->failed = 1;
		return 0;
	}
	/* only a stored row is read again, by the key it was stored under */
	if (stored == 0 && st->key_values && sync_lazy_needed(st->p->s, st->c, st->rec)) {
		json_array_append_new(st->p->lazy_keys, st->key_values);
		st->key_values = NULL;
	}
	return 1;
}

/* Sets the current field from a scalar given as text (numbers as their
 * digits, booleans as "true"/"false", null as NULL), through the same
 * converter as the DOM path. */
static int stream_scalar(struct stream *st, const char *text, size_t len, enum as_wire kind)
{
	const struct as_prop *f = st->cur;

	if (st->skip || !st->in_row || !f)
		return 1;
	if (len > SYNC_FIELD_MAX) {
		sync_too_big(st->p->s, f->name, len);
		st->failed = 1;
		return 0;   /* stops the parse */
	}
	if (st->cur_is_key) {
		buf_add(&st->key, text ? text : "", text ? len : 0);
		buf_addc(&st->key, ';');
		if (st->key_values)
			json_array_append_new(st->key_values, json_stringn(text ? text : "",
			                                                   text ? len : 0));
	}
	if (f->off < 0)
		return 1;
	if (f->conv == AS_TEXT || f->conv == AS_LIST) {
		if (kind == AS_W_STRING) {
			st->str_off[f - st->c->props] = (long)st->strs.len;
			buf_add(&st->strs, text, len);
			buf_addc(&st->strs, '\0');
		}
		return 1;
	}
	*(int64_t *)(st->rec + f->off) = as_conv_text(f->conv, text, len, kind);
	return 1;
}

static int y_null(void *ctx)
{
	return stream_scalar(ctx, NULL, 0, AS_W_NULL);
}

static int y_bool(void *ctx, int b)
{
	return stream_scalar(ctx, b ? "true" : "false", b ? 4 : 5, AS_W_BOOL);
}

static int y_number(void *ctx, const char *n, size_t len)
{
	return stream_scalar(ctx, n, len, AS_W_NUMBER);
}

static int y_string(void *ctx, const unsigned char *v, size_t len)
{
	struct stream *st = ctx;

	if (st->want_link && st->depth == 1) {
		free(st->next_link);
		st->next_link = strndup((const char *)v, len);
		st->want_link = false;
		return 1;
	}
	return stream_scalar(st, (const char *)v, len, AS_W_STRING);
}

static int y_start_map(void *ctx)
{
	struct stream *st = ctx;

	st->depth++;
	if (st->skip)
		return 1;
	if (st->depth == 3 && st->in_rows) {
		st->in_row = true;
		stream_row_start(st);
	} else if (st->depth > 3) {
		st->skip = st->depth;   /* an embedded object: not ours to map */
	}
	return 1;
}

static int y_key(void *ctx, const unsigned char *k, size_t len)
{
	struct stream *st = ctx;

	if (st->skip)
		return 1;
	if (st->depth == 1) {
		st->want_link = len == 15 && memcmp(k, "@odata.nextLink", 15) == 0;
		st->in_rows = false;
		if (len == 5 && memcmp(k, "value", 5) == 0)
			st->in_rows = true;
		return 1;
	}
	st->cur = NULL;
	st->cur_is_key = false;
	if (st->depth == 3) {
		/* Key columns, by the contract's names, feed the repeat check
		 * and the lazy reads. */
		for (size_t i = 0; i < st->c->nprops; i++) {
			const char *name = st->c->props[i].name;
			if (strlen(name) == len && strncasecmp(name, (const char *)k, len) == 0) {
				st->cur = &st->c->props[i];
				st->cur_is_key = (st->cur->flags & AS_KEY) != 0;
				break;
			}
		}
	}
	return 1;
}

static int y_end_map(void *ctx)
{
	struct stream *st = ctx;
	int rc = 1;

	if (st->skip == st->depth)
		st->skip = 0;
	else if (!st->skip && st->depth == 3 && st->in_row) {
		st->in_row = false;
		rc = stream_row_end(st);
	}
	st->depth--;
	return rc;
}

static int y_start_array(void *ctx)
{
	struct stream *st = ctx;

	st->depth++;
	if (!st->skip && st->depth > 3)
		st->skip = st->depth;   /* an array inside a row */
	return 1;
}

static int y_end_array(void *ctx)
{
	struct stream *st = ctx;

	if (st->skip == st->depth)
		st->skip = 0;
	if (st->depth == 2)
		st->in_rows = false;
	st->depth--;
	return 1;
}

static const yajl_callbacks stream_callbacks = {
	y_null, y_bool, NULL, NULL, y_number, y_string,
	y_start_map, y_key, y_end_map, y_start_array, y_end_array,
};

int sync_stream_page(struct pager *p, struct buf *body, size_t *nrows, char **next_link,
                     char *first_key, size_t fk_len)
{
	struct stream *st = calloc(1, sizeof *st);
	struct sync *s = p->s;
	yajl_handle h;
	yajl_status ys;
	int rc = 0;

	if (!st)
		return ow_err_set(&s->err, OW_EINPUT, "out of memory");
	if (inv_kind_size(p->c->record) > sizeof st->rec ||
	    p->c->nprops > sizeof st->str_off / sizeof st->str_off[0]) {
		free(st);
		return ow_err_set(&s->err, OW_EINPUT, "internal: the record of %s is too big to "
		                  "stream", p->c->name);
	}
	st->p = p;
	st->c = p->c;
	as_repair_json(body->data, body->len);
	h = yajl_alloc(&stream_callbacks, NULL, st);
	ys = yajl_parse(h, (const unsigned char *)body->data, body->len);
	if (ys == yajl_status_ok)
		ys = yajl_complete_parse(h);
	if (st->failed) {
		rc = s->err.kind ? (int)s->err.kind : OW_EINPUT;
	} else if (ys != yajl_status_ok) {
		unsigned char *why = yajl_get_error(h, 0, NULL, 0);
		rc = ow_err_set(&s->err, OW_ESITE, "the answer is not valid JSON (%s)",
		                why ? (const char *)why : "?");
		yajl_free_error(h, why);
	}
	yajl_free(h);
	*nrows = st->rows;
	*next_link = st->next_link;
	snprintf(first_key, fk_len, "%s", st->first_key);
	buf_free(&st->strs);
	buf_free(&st->key);
	json_decref(st->key_values);
	free(st);
	return rc;
}

int sync_map_page(struct inv *db, const char *cls, const char *body, size_t len, int64_t now,
                  bool stream, struct ow_err *err)
{
	const struct as_class *c = as_class_find(cls);
	struct sync s = { .db = db, .now = now, .provider_id = INV_NULL };
	struct pager p = { .s = &s, .c = c, .count = -1 };
	struct buf b = BUF_INIT;
	json_t *root = NULL, *rows = NULL;
	const char *next = NULL;
	char *link = NULL, first[512];
	size_t nrows = 0;
	int rc;

	if (!c)
		return ow_err_set(err, OW_EINPUT, "no mapping for class %s", cls);
	buf_add(&b, body, len);
	if (stream && c->record != INV_REC_NONE) {
		p.lazy_keys = json_array();
		rc = sync_stream_page(&p, &b, &nrows, &link, first, sizeof first);
		json_decref(p.lazy_keys);
		free(link);
	} else if ((rc = as_parse_page(&b, &root, &rows, &next, &s.err)) == 0) {
		rc = sync_map_rows(db, cls, rows, now, &s.err);
		json_decref(root);
	}
	buf_free(&b);
	sync_free_joins(&s);
	if (rc && err)
		*err = s.err;
	return rc ? OW_EINPUT : 0;
}
