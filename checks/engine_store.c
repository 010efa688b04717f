/* Storing a run's new findings while its checks go on (engine_int.h,
 * eng_store_*). A first run at a million associations stores a million
 * findings: in the inventory's B-trees that is seconds, and so is
 * evaluating, so the two overlap, on two cores: the checks read on a
 * connection of their own, and a thread stores on the run's.
 *
 * Each finding to store is copied into the filling chunk (the result it
 * came from is freed once handed on). Nothing is written while fewer than
 * CHK_CHUNK wait: a run that stores less does it all at the end, on the
 * calling thread, as it always did, and leaves the inventory writable
 * while its checks read. The first full chunk starts the thread, which
 * begins the transaction: from then on the run holds the inventory's
 * write lock, as storing that many holds it for seconds anyway. It checks
 * that no run was stored since this one read the open findings (else the
 * run is stale: nothing is stored, and the engine compares again), writes
 * the run's row and then each chunk while the next one fills; two chunks
 * at most, so the memory does not grow with the run. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "checks/engine_int.h"
#include "db/checkstore.h"
#include "util/buf.h"
#include "util/relay.h"
#include "util/who.h"

#define NO_TEXT UINT32_MAX

/* One finding waiting, its strings in the chunk's text. */
struct pending {
	const struct chk_def *def;
	uint32_t text[4];         /* type, key, name, evidence: offsets, or NO_TEXT */
	uint8_t state, sev, baseline, waived;
	bool has_ord;
	int64_t ord;
};

struct chunk {
	struct pending *p;
	size_t n;
	struct buf text;
};

struct eng_store {
	struct inv *db;           /* the run's connection: the worker's while it has a chunk */
	int64_t latest, started, run_id;
	char *operator_name;      /* who_operator() as the calling thread read it */
	struct chunk chunk[2];    /* by the relay's slot */
	struct relay *relay;      /* util/relay.h: its worker stores the chunks handed on */
	bool began;               /* the transaction is open */
	bool handed;              /* eng_store_finish handed it on */
	struct ow_err err;        /* the store's error (the worker's while it runs) */
	struct ow_err put_err;    /* eng_store_put's own */
};

/* The transaction, the check that the run is not stale (then rolled back
 * at once: the inventory is not kept locked by a run that stores
 * nothing), the run's row. */
static int store_begin(struct eng_store *s)
{
	int64_t latest;

	if (inv_begin(s->db, &s->err) != 0)
		return -1;
	s->began = true;
	if ((latest = inv_run_previous(s->db, INT64_MAX, &s->err)) < 0)
		return -1;
	if (latest != s->latest) {
		inv_rollback(s->db);
		s->began = false;
		ow_err_set(&s->err, OW_EINPUT, "another check run was stored while this one ran, so "
		           "its comparison with the last run is out of date; nothing was stored: run "
		           "the check again");
		return ENG_STALE;
	}
	return (s->run_id = inv_run_begin(s->db, s->started, s->operator_name, &s->err)) < 0 ? -1
	                                                                                   : 0;
}

static const char *text_at(const struct chunk *c, uint32_t at)
{
	return at == NO_TEXT ? NULL : buf_str(&c->text) + at;
}

/* The chunk's findings into the inventory (the transaction begun first). */
static int store_chunk(struct eng_store *s, struct chunk *c)
{
	int rc = s->began ? 0 : store_begin(s);

	for (size_t i = 0; i < c->n && rc == 0; i++) {
		const struct pending *p = &c->p[i];
		struct inv_finding f = { p->def->id, chk_state_name((enum chk_state)p->state),
			                 chk_sev_name((enum chk_sev)p->sev), text_at(c, p->text[0]),
			                 text_at(c, p->text[1]), text_at(c, p->text[2]),
			                 text_at(c, p->text[3]), eng_baseline_name(p->baseline), p->waived,
			                 p->has_ord, p->ord };
		rc = inv_finding_add(s->db, s->run_id, &f, &s->err) ? -1 : 0;
	}
	c->n = 0;
	buf_reset(&c->text);
	return rc;
}

/* On the relay's worker: the chunk in its slot. */
static int store_slot(void *ctx, int slot)
{
	struct eng_store *s = ctx;

	return store_chunk(s, &s->chunk[slot]);
}

struct eng_store *eng_store_new(struct inv *db, int64_t latest, int64_t started)
{
	struct eng_store *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->db = db;
	s->latest = latest;
	s->started = started;
	for (int i = 0; i < 2; i++) {
		s->chunk[i].text = (struct buf)BUF_INIT;
		s->chunk[i].p = malloc(CHK_CHUNK * sizeof *s->chunk[i].p);
	}
	s->operator_name = strdup(who_operator());
	s->relay = relay_new(store_slot, s);
	if (!s->chunk[0].p || !s->chunk[1].p || !s->operator_name || !s->relay) {
		free(s->chunk[0].p);
		free(s->chunk[1].p);
		free(s->operator_name);
		relay_free(s->relay);
		free(s);
		return NULL;
	}
	return s;
}

/* The filling chunk to the relay's worker, once it has stored the one
 * before; after a failure or a stale start, the chunk is dropped. 0, or
 * what stopped the store: -1 or ENG_STALE. */
static int hand_on(struct eng_store *s)
{
	struct chunk *c = &s->chunk[relay_filling(s->relay)];
	int state = relay_hand_on(s->relay);

	if (state == RELAY_NO_THREAD) {
		ow_err_set(&s->put_err, OW_EINPUT, "starting the thread that stores the findings "
		           "failed: %s", strerror(errno));
		return -1;
	}
	if (state != 0) {
		c->n = 0;
		buf_reset(&c->text);
	}
	return state;
}

/* s's offset of a copy of str in the chunk's text, or NO_TEXT. */
static uint32_t keep_text(struct chunk *c, const char *str)
{
	size_t at = c->text.len;

	if (!str)
		return NO_TEXT;
	buf_add(&c->text, str, strlen(str) + 1);
	return at < NO_TEXT ? (uint32_t)at : NO_TEXT;
}

int eng_store_put(struct eng_store *s, const struct chk_result *r)
{
	struct chunk *c = &s->chunk[relay_filling(s->relay)];
	struct pending *p = &c->p[c->n];

	/* A failure of the thread's is seen when the chunk is handed on. */
	*p = (struct pending){ .def = r->def, .state = (uint8_t)r->state, .sev = (uint8_t)r->sev,
		               .baseline = eng_baseline_code(r->baseline), .waived = r->waived,
		               .has_ord = r->has_ord, .ord = r->ord };
	p->text[0] = keep_text(c, r->object_type);
	p->text[1] = keep_text(c, r->object_key);
	p->text[2] = keep_text(c, r->object_name);
	p->text[3] = keep_text(c, r->evidence);
	if (c->text.failed || c->text.len >= NO_TEXT) {
		ow_err_set(&s->put_err, OW_EINPUT, "out of memory");
		return -1;
	}
	if (++c->n < CHK_CHUNK)
		return 0;
	return hand_on(s);
}

void eng_store_error(const struct eng_store *s, struct ow_err *err)
{
	/* the worker's, which hand_on saw it return: it waits now */
	*err = s->put_err.kind != OW_OK ? s->put_err : s->err;
}

int eng_store_finish(struct eng_store *s, int64_t *run_id, struct ow_err *err)
{
	/* the worker ended, after the chunk it has; the last chunk, part
	 * full, stored on this thread */
	int last = relay_filling(s->relay), state = relay_free(s->relay);

	s->relay = NULL;
	if (!state)
		state = store_chunk(s, &s->chunk[last]);
	if (state != 0) {
		*err = s->err;
		return state;
	}
	s->handed = true;
	*run_id = s->run_id;
	return 0;
}

void eng_store_free(struct eng_store *s)
{
	if (!s)
		return;
	relay_free(s->relay);
	if (s->began && !s->handed)
		inv_rollback(s->db);
	for (int i = 0; i < 2; i++) {
		free(s->chunk[i].p);
		buf_free(&s->chunk[i].text);
	}
	free(s->operator_name);
	free(s);
}
