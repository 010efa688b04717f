/* The grades of a run, and its history: the run compared with the last
 * one (new, unchanged and fixed findings) and, unless it is a peek or the
 * inventory is read-only, stored: its summary per check, and of its
 * findings only what differs from those still open (db/checkstore.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/engine_int.h"
#include "db/checkstore.h"
#include "util/buf.h"
#include "util/sanitize.h"

/* What a check's results add to its category's grade, gathered as they
 * pass (a run's results are not all in memory at once). */
struct grade_acc {
	size_t failing;           /* failures no waiver covers */
	int first_sev;            /* the severity of the first of them */
	bool error, decided, unjudged, critical_chain_fails;
};

static void grade_take(struct grade_acc *g, const struct chk_result *r)
{
	g->error |= r->state == CS_ERROR;
	/* something read from the site was judged */
	g->decided |= r->def->needs && r->state != CS_ERROR;
	g->unjudged |= r->def->chain && r->sev == SEV_CRITICAL &&
	               (r->state == CS_ERROR || r->state == CS_UNKNOWN);
	if (r->state != CS_FAIL || r->waived)
		return;
	if (g->failing++ == 0)
		g->first_sev = r->sev;
	g->critical_chain_fails |= r->def->chain && r->sev == SEV_CRITICAL;
}

/* Scoring, per category: 100 minus, for each check with failing objects,
 * a weight by the severity of its first (critical 30, high 15, medium 7,
 * low 3) plus one point per further failing object up to five. A >= 90,
 * B >= 80, C >= 65, D >= 50, else F. A failing critical chain caps the
 * grade at D, and so does one that could not be judged (error or
 * unknown): its worst case was not ruled out; those are named in
 * unjudged. Any "error" in the category, or an unjudged chain, marks the
 * grade incomplete with '*'. */
static void grade(const struct grade_acc *acc, enum chk_cat cat, char out[4], int *score,
                  bool *capped, char *unjudged, size_t unjudged_size)
{
	static const int weight[] = { 0, 3, 7, 15, 30 };
	int s = 100;
	bool error = false, chain = false, decided = false;

	unjudged[0] = '\0';
	for (size_t k = 0; k < chk_count(); k++) {
		const struct grade_acc *g = &acc[k];
		if (chk_at(k)->cat != cat)
			continue;
		error |= g->error;
		decided |= g->decided;
		if (g->unjudged) {
			size_t l = strlen(unjudged);
			snprintf(unjudged + l, unjudged_size - l, "%s%s", l ? "," : "", chk_at(k)->id);
		}
		if (g->failing)
			s -= weight[g->first_sev] + (int)(g->failing - 1 < 5 ? g->failing - 1 : 5);
		chain |= g->critical_chain_fails;
	}
	if (s < 0)
		s = 0;
	*score = s;
	out[0] = s >= 90 ? 'A' : s >= 80 ? 'B' : s >= 65 ? 'C' : s >= 50 ? 'D' : 'F';
	*capped = chain && out[0] < 'D';
	if ((chain || unjudged[0]) && out[0] < 'D')
		out[0] = 'D';
	out[1] = error || unjudged[0] ? '*' : '\0';
	out[2] = '\0';
	/* Nothing read, nothing judged: no grade at all, never a good one. */
	if (!decided) {
		out[0] = '?';
		out[1] = '\0';
		*score = -1;
		*capped = false;
	}
}

/* The previous run's failures, as a sorted set of 64-bit hashes of
 * "check|object": a lookup per result without a string or an allocation
 * per key (the association checks have hundreds of thousands). */
struct keyset {
	uint64_t *h;
	size_t n, cap;
	bool oom;
};

static uint64_t finding_hash(const char *id, const char *object_key)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ '|') * 1099511628211ULL;
	for (const char *p = object_key ? object_key : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

/* v (n items of size bytes, room for *cap) with room for one more: v
 * itself or its new place, NULL when out of memory (v is then intact). */
static void *room_for_one(void *v, size_t n, size_t *cap, size_t size)
{
	size_t want = *cap ? *cap * 2 : 1024;

	if (n < *cap)
		return v;
	if (!(v = realloc(v, want * size)))
		return NULL;
	*cap = want;
	return v;
}

static int remember_failure(void *ctx, const char *check_id, const char *object_key)
{
	struct keyset *set = ctx;
	uint64_t *h = room_for_one(set->h, set->n, &set->cap, sizeof *h);

	if (!h) {
		set->oom = true;
		return -1;
	}
	set->h = h;
	set->h[set->n++] = finding_hash(check_id, object_key);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static bool failed_before(const struct keyset *set, const char *id, const char *object_key)
{
	uint64_t h = finding_hash(id, object_key);
	return set->n && bsearch(&h, set->h, set->n, sizeof h, cmp_u64);
}

static bool is_finding(enum chk_state s)
{
	return s != CS_PASS && s != CS_NOTAPPLICABLE;
}

/* {"CHECK": {"state": count, ..., "waived": failures waived, "first":
 * {"TYPE": "NAME", ...}}, ...} for the trends and the dashboard, from the
 * counts per check (catalogue order) and state, and of a check's failures
 * no waiver covers, the first of each object type, as the run had them
 * ("" for a site-wide one; a name's bytes that are not UTF-8 as U+FFFD);
 * first[k] may be NULL. A new string, NULL when out of memory. */
static char *summary_json(size_t counts[][CS_FIXED + 1], const size_t *waived,
                          json_t *const *first)
{
	json_t *summary = json_object();
	char *s;

	for (size_t k = 0; k < chk_count(); k++) {
		json_t *per = NULL;
		for (int st = 0; st <= CS_FIXED; st++) {
			if (!counts[k][st])
				continue;
			if (!per)
				json_object_set_new(summary, chk_at(k)->id, per = json_object());
			json_object_set_new(per, chk_state_name((enum chk_state)st),
			                    json_integer((json_int_t)counts[k][st]));
		}
		if (waived[k])
			json_object_set_new(per, "waived", json_integer((json_int_t)waived[k]));
		if (per && first[k])
			json_object_set(per, "first", first[k]);
	}
	s = json_dumps(summary, JSON_COMPACT);
	json_decref(summary);
	return s;
}

/* The open findings (those of the latest stored run), as a run compares
 * itself with them, a check at a time. A result's finding that matches an
 * open one unmatched so far (the same key, state and digest) keeps it
 * open; one that matches none is stored; what is left unmatched when its
 * check ends is closed. The state is compared as it is, not only through
 * the digest, which site data could be made to collide with (see
 * db/checkstore.h).
 *
 * A check's findings without an ord are held while it runs: 24 bytes
 * each, sorted by key digest then the rest, and a bit each for "this run
 * has it too". An ordered check's (chk_def.ordered) are read with a
 * cursor in the order its results come (db/checkstore.h: inv_spans), and
 * only those of the object at hand are held: the group. */
struct open_span {
	uint64_t key, digest;
	uint64_t rest;            /* the state (enum chk_state) above OPEN_ID_BITS, the row id */
};
#define OPEN_ID_BITS 56
#define OPEN_ID_MASK (((uint64_t)1 << OPEN_ID_BITS) - 1)

static uint64_t rest_of(int64_t id, int state)
{
	return (uint64_t)state << OPEN_ID_BITS | ((uint64_t)id & OPEN_ID_MASK);
}

static int state_of(uint64_t rest)
{
	return (int)(rest >> OPEN_ID_BITS);
}

static int state_code(const char *state)
{
	enum chk_state st;

	return chk_state_parse(state, &st) == 0 ? (int)st : CS_UNKNOWN;
}

/* Where an ordered check's result or open finding is: (ord, type, key),
 * in the cursor's order (NULL first, strings byte by byte). */
struct place {
	int64_t ord;
	const char *type, *key;
};

static int cmp_str(const char *a, const char *b)
{
	if (!a || !b)
		return !b - !a;
	return strcmp(a, b);
}

static int cmp_place(const struct place *x, const struct place *y)
{
	int d;

	if (x->ord != y->ord)
		return x->ord < y->ord ? -1 : 1;
	if ((d = cmp_str(x->type, y->type)) != 0)
		return d;
	return cmp_str(x->key, y->key);
}

/* A place whose strings it owns. */
struct kept_place {
	struct place at;
	struct buf type, key;
};

static bool keep_place(struct kept_place *k, const struct place *at)
{
	buf_reset(&k->type);
	buf_reset(&k->key);
	if (at->type)
		buf_adds(&k->type, at->type);
	if (at->key)
		buf_adds(&k->key, at->key);
	k->at = (struct place){ at->ord, at->type ? buf_str(&k->type) : NULL,
		                at->key ? buf_str(&k->key) : NULL };
	return !k->type.failed && !k->key.failed;
}

struct group_span {
	int64_t id;
	uint64_t digest;
	int state;
	bool matched;
};

struct history {
	bool store;               /* the run is to be stored */
	struct eng_store *st;     /* its new findings, while the checks go on */
	bool in_txn;              /* end's transaction is open */
	int64_t latest;           /* the latest stored run when this one began */
	int64_t since;            /* the run the baseline is from, when not the open findings */
	struct keyset prev_fail;  /* its failures (since only) */
	/* the current check's open findings without an ord */
	struct open_span *open;
	size_t nopen, capopen;
	uint64_t *matched;        /* a bit per open finding */
	size_t capmatched;        /* words */
	uint32_t *bucket;         /* [b]: the first open finding whose key's top bits are >= b */
	/* an ordered check's: the cursor, its next row (ahead), and the open
	 * findings at the place of the last result (group) */
	struct inv_spans *spans;
	bool have_ahead;
	struct kept_place ahead;
	struct group_span ahead_span;
	bool have_at;
	struct kept_place at;
	struct group_span *group;
	size_t ngroup, capgroup;
	/* the open findings this run no longer has, closed at the end */
	int64_t *close;
	size_t nclose, capclose;
	bool oom, moved;          /* moved: a row id out of range (the table edited by hand) */
	struct grade_acc acc[CHK_MAX];
	/* per check, its first failure of each type no waiver covers, for the
	 * summary (summary_json); first_lost: a type JSON cannot hold */
	json_t *first[CHK_MAX];
	bool first_lost[CHK_MAX];
};

/* 8 bytes each, what changed; a run not stored keeps none. */
static void to_close(struct history *h, int64_t id)
{
	int64_t *v;

	if (!h->store)
		return;
	if (!(v = room_for_one(h->close, h->nclose, &h->capclose, sizeof *v))) {
		h->oom = true;
		return;
	}
	h->close = v;
	h->close[h->nclose++] = id;
}

static int cmp_span(const void *a, const void *b)
{
	const struct open_span *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->digest != y->digest)
		return x->digest < y->digest ? -1 : 1;
	return x->rest < y->rest ? -1 : x->rest > y->rest;
}

static int on_open(void *ctx, const struct inv_open_span *sp)
{
	struct history *h = ctx;
	struct open_span *o = room_for_one(h->open, h->nopen, &h->capopen, sizeof *o);

	if (!o) {
		h->oom = true;
		return -1;
	}
	h->open = o;
	if (sp->id < 0 || (uint64_t)sp->id > OPEN_ID_MASK) {
		h->moved = true;
		return -1;
	}
	h->open[h->nopen++] = (struct open_span){ sp->key, sp->digest,
		                                  rest_of(sp->id, state_code(sp->state)) };
	return 0;
}

/* A check no longer in the catalogue: its open findings are closed. */
static int on_gone_span(void *ctx, const struct inv_open_span *sp)
{
	to_close(ctx, sp->id);
	return 0;
}

struct gone {
	struct inv *db;
	struct history *h;
	struct ow_err *err;
};

static int on_open_check(void *ctx, const char *check_id)
{
	struct gone *g = ctx;

	if (chk_find(check_id))
		return 0;
	return inv_each_open_of(g->db, check_id, false, on_gone_span, g->h, g->err) != 0 ||
	       g->h->oom ? -1 : 0;
}

#define BUCKET_BITS 16
#define NBUCKETS (1u << BUCKET_BITS)

static size_t bucket_of(uint64_t key)
{
	return (size_t)(key >> (64 - BUCKET_BITS));
}

/* Sorted in place, without a copy as big as the array (a million open
 * findings at scale): each finding moved into its bucket by the key's
 * top bits (an American flag sort), then each bucket, a few findings,
 * by insertion. bucket[b] ends up the first finding of bucket b, and
 * bucket[NBUCKETS] is n. */
static int sort_spans(struct open_span *v, size_t n, uint32_t *bucket)
{
	uint32_t *next = calloc(NBUCKETS, sizeof *next);

	if (!next)
		return -1;
	memset(bucket, 0, (NBUCKETS + 1) * sizeof *bucket);
	for (size_t i = 0; i < n; i++)
		bucket[bucket_of(v[i].key) + 1]++;
	for (size_t b = 0; b < NBUCKETS; b++)
		bucket[b + 1] += bucket[b];
	memcpy(next, bucket, NBUCKETS * sizeof *next);
	for (size_t b = 0; b < NBUCKETS; b++) {
		while (next[b] < bucket[b + 1]) {
			size_t d = bucket_of(v[next[b]].key);
			if (d == b) {
				next[b]++;
				continue;
			}
			struct open_span t = v[next[b]];
			v[next[b]] = v[next[d]];
			v[next[d]++] = t;
		}
	}
	free(next);
	for (size_t b = 0; b < NBUCKETS; b++) {
		for (size_t i = bucket[b] + 1; i < bucket[b + 1]; i++) {
			struct open_span t = v[i];
			size_t j = i;
			for (; j > bucket[b] && cmp_span(&v[j - 1], &t) > 0; j--)
				v[j] = v[j - 1];
			v[j] = t;
		}
	}
	return 0;
}

/* The first open finding with this key, or nopen: a search within the
 * key's bucket (a few findings), not the whole array. */
static size_t first_open(const struct history *h, uint64_t key)
{
	size_t b = bucket_of(key);
	size_t lo, hi;

	if (!h->nopen)
		return 0;   /* the buckets are a check's before */
	lo = h->bucket[b];
	hi = h->bucket[b + 1];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (h->open[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool is_matched(const struct history *h, size_t i)
{
	return h->matched[i / 64] >> (i % 64) & 1;
}

int eng_history_begin(struct chk_ctx *c, int64_t since, bool keep, struct ow_err *err)
{
	struct inv *db = c->db;
	struct chk_run *run = c->run;
	struct history *h = calloc(1, sizeof *h);

	if (!h) {
		ow_err_set(err, OW_EINPUT, "out of memory");
		return -1;
	}
	c->hist = h;
	h->ahead.type = h->ahead.key = h->at.type = h->at.key = (struct buf)BUF_INIT;
	/* A read-only inventory is compared with, never written to. The
	 * run is stored in one transaction, which a run with few new
	 * findings begins at the end: the inventory is not locked while its
	 * checks run (seconds at scale); engine_store.c says when it is. */
	h->store = keep && !inv_read_only(c->run_db);
	h->since = since;
	if ((h->latest = inv_run_previous(db, INT64_MAX, err)) < 0)
		return -1;
	if (h->store && !(h->st = eng_store_new(c->run_db, h->latest, c->now))) {
		ow_err_set(err, OW_EINPUT, "out of memory");
		return -1;
	}
	run->previous = since > 0 ? since : h->latest;
	if ((since > 0 && inv_each_failure(db, since, remember_failure, &h->prev_fail, err) != 0) ||
	    h->prev_fail.oom) {
		if (h->prev_fail.oom)
			ow_err_set(err, OW_EINPUT, "out of memory");
		return -1;
	}
	if (h->prev_fail.n)
		qsort(h->prev_fail.h, h->prev_fail.n, sizeof *h->prev_fail.h, cmp_u64);
	if (!(h->bucket = malloc((NBUCKETS + 1) * sizeof *h->bucket))) {
		ow_err_set(err, OW_EINPUT, "out of memory");
		return -1;
	}
	/* A stored run is of every check (a run of one category is not
	 * stored): the open findings of a check the catalogue no longer has
	 * are no finding of it. */
	if (h->store) {
		struct gone g = { db, h, err };
		if (inv_each_open_check(db, on_open_check, &g, err) != 0) {
			if (h->oom)
				ow_err_set(err, OW_EINPUT, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* The cursor's next row into h->ahead (have_ahead false at its end). 0, or
 * -1 with err set. */
static int read_ahead(struct history *h, struct ow_err *err)
{
	struct inv_open_span sp;
	int rc = inv_spans_next(h->spans, &sp, err);

	h->have_ahead = rc == 1;
	if (rc <= 0)
		return rc;
	if (!keep_place(&h->ahead, &(struct place){ sp.ord, sp.object_type, sp.object_key })) {
		ow_err_set(err, OW_EINPUT, "out of memory");
		return -1;
	}
	h->ahead_span = (struct group_span){ sp.id, sp.digest, state_code(sp.state), false };
	return 0;
}

int eng_history_check_begin(struct chk_ctx *c, struct ow_err *err)
{
	struct history *h = c->hist;
	const struct chk_def *d = c->cur;

	h->nopen = 0;
	h->have_at = false;
	h->ngroup = 0;
	/* An ordered check's findings without an ord (an error, a finding
	 * stored before ords) are held; every other check's, all of them. */
	if (inv_each_open_of(c->db, d->id, d->ordered, on_open, h, err) != 0 || h->oom) {
		if (h->oom)
			ow_err_set(err, OW_EINPUT, "out of memory");
		else if (h->moved)
			ow_err_set(err, OW_EINPUT, "an open finding's row id is out of range: the "
			           "inventory's finding_spans table was changed outside osdwarden");
		return -1;
	}
	if (h->nopen / 64 + 1 > h->capmatched) {
		uint64_t *m = realloc(h->matched, (h->nopen / 64 + 1) * sizeof *m);
		if (!m) {
			ow_err_set(err, OW_EINPUT, "out of memory");
			return -1;
		}
		h->matched = m;
		h->capmatched = h->nopen / 64 + 1;
	}
	memset(h->matched, 0, (h->nopen / 64 + 1) * sizeof *h->matched);
	/* most checks hold none: no pass over the 65,536 buckets for them */
	if (h->nopen && sort_spans(h->open, h->nopen, h->bucket) != 0) {
		ow_err_set(err, OW_EINPUT, "out of memory");
		return -1;
	}
	if (d->ordered && (inv_spans_open(c->db, d->id, &h->spans, err) != 0 ||
	                   read_ahead(h, err) != 0))
		return -1;
	return 0;
}

/* The group's findings no result matched: closed. */
static void close_group(struct history *h)
{
	for (size_t i = 0; i < h->ngroup; i++)
		if (!h->group[i].matched)
			to_close(h, h->group[i].id);
	h->ngroup = 0;
}

int eng_history_check_end(struct chk_ctx *c, struct ow_err *err)
{
	struct history *h = c->hist;

	close_group(h);
	while (h->have_ahead) {
		to_close(h, h->ahead_span.id);
		if (read_ahead(h, err) != 0)
			return -1;
	}
	inv_spans_close(h->spans);
	h->spans = NULL;
	for (size_t i = 0; i < h->nopen; i++)
		if (!is_matched(h, i))
			to_close(h, (int64_t)(h->open[i].rest & OPEN_ID_MASK));
	h->nopen = 0;
	if (h->oom) {
		ow_err_set(err, OW_EINPUT, "out of memory");
		return -1;
	}
	return 0;
}

/* An ordered check's result at place p: the group becomes the open
 * findings at p, the cursor moved past them, those it passed closed. 0,
 * or -1 with c->flush_err set. */
static int move_to(struct chk_ctx *c, const struct place *p)
{
	struct history *h = c->hist;

	int d = h->have_at ? cmp_place(p, &h->at.at) : 1;

	if (d == 0)
		return 0;
	if (d < 0) {
		ow_err_set(&c->flush_err, OW_EINPUT, "evaluating %s failed: its results came out of "
		           "the order it declares (ord %lld after %lld), which a bug in osdwarden "
		           "would cause; nothing was stored", c->cur->id, (long long)p->ord,
		           (long long)h->at.at.ord);
		return -1;
	}
	close_group(h);
	if (!keep_place(&h->at, p)) {
		ow_err_set(&c->flush_err, OW_EINPUT, "out of memory");
		return -1;
	}
	h->have_at = true;
	while (h->have_ahead) {
		d = cmp_place(&h->ahead.at, p);
		if (d > 0)
			break;
		if (d < 0) {
			to_close(h, h->ahead_span.id);
		} else {
			struct group_span *g = room_for_one(h->group, h->ngroup, &h->capgroup, sizeof *g);
			if (!g) {
				h->oom = true;
				break;
			}
			h->group = g;
			h->group[h->ngroup++] = h->ahead_span;
		}
		if (read_ahead(h, &c->flush_err) != 0)
			return -1;
	}
	if (h->oom) {
		ow_err_set(&c->flush_err, OW_EINPUT, "out of memory");
		return -1;
	}
	return 0;
}

static struct inv_finding finding_of(const struct chk_result *r)
{
	return (struct inv_finding){ r->def->id, chk_state_name(r->state), chk_sev_name(r->sev),
		                     r->object_type, r->object_key, r->object_name, r->evidence,
		                     r->baseline, r->waived, r->has_ord, r->ord };
}

/* s as JSON can hold it: each byte that does not begin a UTF-8 sequence
 * is U+FFFD, as a sanitizer would show it anyway; NULL when out of memory. */
static json_t *utf8_string(const char *s)
{
	size_t n = strlen(s);
	struct buf b = BUF_INIT;
	json_t *v;

	if ((v = json_stringn(s, n)))
		return v;
	for (size_t i = 0; i < n;) {
		unsigned cp;
		size_t len = san_utf8_decode((const unsigned char *)s + i, n - i, &cp);
		if (len)
			buf_add(&b, s + i, len);
		else
			buf_adds(&b, "\xef\xbf\xbd");
		i += len ? len : 1;
	}
	v = b.failed ? NULL : json_stringn(buf_str(&b), b.len);
	buf_free(&b);
	return v;
}

/* The run's first failure of its check and type no waiver covers, kept
 * for the summary, so that the dashboard of a stored run names it without
 * reading the check's findings (a check's can be a million, and only the
 * order stored, which no index gives, says which came first). */
static void note_first(struct history *h, size_t k, const struct chk_result *r)
{
	const char *type = r->object_type ? r->object_type : "";
	json_t *name;

	if (h->first_lost[k])
		return;
	if (!h->first[k] && !(h->first[k] = json_object())) {
		h->oom = true;
		return;
	}
	if (json_object_get(h->first[k], type))
		return;
	name = r->object_name ? utf8_string(r->object_name) : json_null();
	if (!name) {
		h->oom = true;
		return;
	}
	/* a type is ours, but one not UTF-8 would be refused: then the
	 * summary names none of the check's, and the dashboard reads them */
	if (json_object_set_new(h->first[k], type, name) != 0) {
		h->first_lost[k] = true;
		json_decref(h->first[k]);
		h->first[k] = NULL;
	}
}

int eng_history_take(struct chk_ctx *c, struct chk_result *r)
{
	struct history *h = c->hist;
	struct chk_run *run = c->run;
	size_t k = chk_index(r->def);
	struct inv_finding f = finding_of(r);
	uint64_t key = inv_finding_digest(&f, true), digest;
	bool grouped = r->def->ordered && r->has_ord;
	size_t at = 0;
	bool before = false;

	if (grouped) {
		if (move_to(c, &(struct place){ r->ord, r->object_type, r->object_key }) != 0)
			return -1;
		/* none with its ord: one stored without (by hand, or before
		 * migration 16 where its object was not found) is held */
		grouped = h->ngroup > 0;
	}
	if (!grouped)
		at = first_open(h, key);
	if (h->since > 0)
		before = failed_before(&h->prev_fail, r->def->id, r->object_key);
	else if (grouped)
		for (size_t i = 0; i < h->ngroup && !before; i++)
			before = h->group[i].state == CS_FAIL;
	else
		for (size_t i = at; i < h->nopen && h->open[i].key == key && !before; i++)
			before = state_of(h->open[i].rest) == CS_FAIL;
	if (r->state == CS_FAIL)
		r->baseline = before ? "unchanged" : "new";
	else if ((r->state == CS_PASS || r->state == CS_INFORMATIONAL) && before) {
		r->state = CS_FIXED;
		r->baseline = "fixed";
	}
	run->counts[k][r->state]++;
	run->waived[k] += r->state == CS_FAIL && r->waived;
	grade_take(&h->acc[k], r);
	if (!h->store || !is_finding(r->state))
		return 0;
	if (r->state == CS_FAIL && !r->waived)
		note_first(h, k, r);
	f = finding_of(r);
	digest = inv_finding_digest(&f, false);
	if (grouped) {
		for (size_t i = 0; i < h->ngroup; i++) {
			struct group_span *g = &h->group[i];
			if (g->digest == digest && g->state == (int)r->state && !g->matched) {
				g->matched = true;
				return 0;
			}
		}
	} else {
		for (size_t i = at; i < h->nopen && h->open[i].key == key; i++) {
			if (h->open[i].digest == digest && state_of(h->open[i].rest) == (int)r->state &&
			    !is_matched(h, i)) {
				h->matched[i / 64] |= (uint64_t)1 << (i % 64);
				return 0;
			}
		}
	}
	int rc = eng_store_put(h->st, r);
	if (rc != 0)
		eng_store_error(h->st, &c->flush_err);
	return rc;
}

int eng_history_end(struct chk_ctx *c, struct ow_err *err)
{
	struct history *h = c->hist;
	struct chk_run *run = c->run;
	struct chk_grades *g = &run->grades;
	char *s;
	int frc;

	grade(h->acc, CAT_SECURITY, g->security, &g->security_score, &g->security_capped,
	      g->security_unjudged, sizeof g->security_unjudged);
	grade(h->acc, CAT_PRIVACY, g->privacy, &g->privacy_score, &g->privacy_capped,
	      g->privacy_unjudged, sizeof g->privacy_unjudged);
	if (!h->store)
		return 0;
	/* The transaction (the open findings it was compared with still
	 * those), the run's row and its new findings. */
	if ((frc = eng_store_finish(h->st, &run->id, err)) != 0)
		return frc;
	h->in_txn = true;
	/* what this run no longer has */
	if (inv_findings_close(c->run_db, run->id, h->close, h->nclose, err) != 0)
		return -1;
	s = h->oom ? NULL : summary_json(run->counts, run->waived, h->first);
	frc = s ? inv_run_finish(c->run_db, run->id, c->now, g->security, g->privacy, s, err)
	        : (ow_err_set(err, OW_EINPUT, "out of memory"), -1);
	free(s);
	if (frc != 0 ||
	    inv_history_prune(c->run_db, run->id, chk_policy(c, "history_runs_kept", 10), err) != 0 ||
	    inv_commit(c->run_db, err) != 0)
		return -1;
	h->in_txn = false;   /* committed: nothing to roll back */
	return 0;
}

void eng_history_abort(struct chk_ctx *c)
{
	struct history *h = c->hist;

	if (!h)
		return;
	/* the thread ended, and what it began rolled back unless handed on */
	eng_store_free(h->st);
	if (h->in_txn) {
		inv_rollback(c->run_db);
		c->run->id = 0;
	}
	free(h->prev_fail.h);
	free(h->open);
	free(h->matched);
	free(h->bucket);
	inv_spans_close(h->spans);
	buf_free(&h->ahead.type);
	buf_free(&h->ahead.key);
	buf_free(&h->at.type);
	buf_free(&h->at.key);
	free(h->group);
	free(h->close);
	for (size_t k = 0; k < CHK_MAX; k++)
		json_decref(h->first[k]);
	free(h);
	c->hist = NULL;
}
