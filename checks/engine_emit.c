/* What an evaluator calls while the engine runs it: results with their
 * evidence, the memo one check leaves for a later one, the policy
 * thresholds, and a chain's view of the checks it combines (and the
 * engine's rule that a chain never passes on an input it could not read).
 * The names of states, severities and categories live here too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/engine_int.h"

void *chk_memo_get(struct chk_ctx *c, const char *name)
{
	for (size_t i = 0; i < sizeof c->memo / sizeof c->memo[0]; i++)
		if (c->memo[i].name && strcmp(c->memo[i].name, name) == 0)
			return c->memo[i].p;
	return NULL;
}

int chk_memo_put(struct chk_ctx *c, const char *name, void *p, void (*free_fn)(void *))
{
	for (size_t i = 0; i < sizeof c->memo / sizeof c->memo[0]; i++) {
		if (!c->memo[i].name) {
			c->memo[i].name = name;
			c->memo[i].p = p;
			c->memo[i].free_fn = free_fn;
			return 0;
		}
	}
	free_fn(p);
	return -1;
}

static const char *const state_names[] = {
	"pass", "fail", "error", "unknown", "notapplicable", "notchecked", "informational", "fixed",
};
static const char *const sev_names[] = { "info", "low", "medium", "high", "critical" };

const char *chk_state_name(enum chk_state s) { return state_names[s]; }
const char *chk_sev_name(enum chk_sev s) { return sev_names[s]; }
const char *chk_cat_name(enum chk_cat c) { return c == CAT_PRIVACY ? "privacy" : "security"; }

const char *chk_auto_name(enum chk_auto a)
{
	return a == AUTO_AUTO ? "auto" : a == AUTO_HYBRID ? "hybrid" : "attest";
}

int chk_sev_parse(const char *name, enum chk_sev *out)
{
	for (int i = 0; i <= SEV_CRITICAL; i++) {
		if (strcasecmp(name, sev_names[i]) == 0) {
			*out = (enum chk_sev)i;
			return 0;
		}
	}
	return -1;
}

int chk_state_parse(const char *name, enum chk_state *out)
{
	for (int i = 0; name && i <= CS_FIXED; i++) {
		if (strcmp(name, state_names[i]) == 0) {
			*out = (enum chk_state)i;
			return 0;
		}
	}
	return -1;
}

struct inv *chk_db(struct chk_ctx *c) { return c->db; }
const struct chk_snap *chk_data(struct chk_ctx *c) { return &c->snap; }
int64_t chk_now(struct chk_ctx *c) { return c->now; }

long chk_policy(struct chk_ctx *c, const char *key, long def)
{
	return decision_setting_long(&c->log, key, def, NULL);
}

static struct chk_result *new_result(struct chk_ctx *c, enum chk_state st, int sev,
                                     const char *object_type, const char *object_key,
                                     const char *object_name)
{
	struct chk_result *r;

	/* A big check's results go on as they come (a chain's wait: its
	 * rule on unread inputs looks at all of them). The last one stays,
	 * for chk_last_attestable. */
	if (c->n >= CHK_CHUNK && !c->cur->chain && eng_flush(c, false) != 0)
		return NULL;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct chk_result *n = realloc(c->res, cap * sizeof *n);
		if (!n) {
			c->oom = true;
			return NULL;
		}
		c->res = n;
		c->cap = cap;
	}
	r = &c->res[c->n++];
	memset(r, 0, sizeof *r);
	r->def = c->cur;
	r->state = st;
	r->sev = sev ? (enum chk_sev)sev : c->cur->sev;
	/* The three strings share one allocation (hundreds of thousands of
	 * results at scale): object_type leads it, r->strings owns it. */
	{
		size_t lt = object_type ? strlen(object_type) + 1 : 0;
		size_t lk = object_key ? strlen(object_key) + 1 : 0;
		size_t ln = object_name ? strlen(object_name) + 1 : 0;
		char *b = lt + lk + ln ? malloc(lt + lk + ln) : NULL;
		if (lt + lk + ln && !b) {
			c->n--;
			c->oom = true;
			return NULL;
		}
		r->strings = b;
		if (object_type)
			r->object_type = memcpy(b, object_type, lt);
		if (object_key)
			r->object_key = memcpy(b + lt, object_key, lk);
		if (object_name)
			r->object_name = memcpy(b + lt + lk, object_name, ln);
	}
	c->emitted++;
	return r;
}

int chk_emit(struct chk_ctx *c, enum chk_state st, int sev, const char *object_type,
             const char *object_key, const char *object_name, json_t *evidence)
{
	struct chk_result *r = new_result(c, st, sev, object_type, object_key, object_name);

	/* ASCII-only from the start, so exports can embed it as it is. */
	if (r && evidence)
		r->evidence = json_dumps(evidence, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(evidence);
	return r ? 0 : -1;
}

static struct chk_result *emit_text(struct chk_ctx *c, enum chk_state st, int sev,
                                    const char *object_type, const char *object_key,
                                    const char *object_name, const char *evidence_json)
{
	struct chk_result *r = new_result(c, st, sev, object_type, object_key, object_name);

	if (r && evidence_json && !(r->evidence = strdup(evidence_json)))
		c->oom = true;
	return r;
}

int chk_emit_text(struct chk_ctx *c, enum chk_state st, int sev, const char *object_type,
                  const char *object_key, const char *object_name, const char *evidence_json)
{
	return emit_text(c, st, sev, object_type, object_key, object_name, evidence_json) ? 0 : -1;
}

int chk_emit_text_ord(struct chk_ctx *c, int64_t ord, enum chk_state st, int sev,
                      const char *object_type, const char *object_key, const char *object_name,
                      const char *evidence_json)
{
	struct chk_result *r = emit_text(c, st, sev, object_type, object_key, object_name,
	                                 evidence_json);

	if (!r)
		return -1;
	/* an ord means something only in the order its check declares */
	r->has_ord = c->cur->ordered;
	r->ord = r->has_ord ? ord : 0;
	return 0;
}

void chk_last_attestable(struct chk_ctx *c)
{
	if (c->n)
		c->res[c->n - 1].attestable = true;
}

enum { IN_RAN = 1, IN_JUDGED = 2, IN_FAILED = 4, IN_UNSURE = 8, IN_ERROR = 16 };

/* What a check's results (after attestations) tell a chain. */
unsigned char eng_seen_of(const struct chk_result *r, size_t n)
{
	unsigned char f = IN_RAN;

	for (size_t i = 0; i < n; i++) {
		enum chk_state st = r[i].state;
		f |= st != CS_NOTAPPLICABLE ? IN_JUDGED : 0;
		f |= st == CS_FAIL ? IN_FAILED : 0;
		f |= st == CS_UNKNOWN || st == CS_NOTCHECKED ? IN_UNSURE : 0;
		f |= st == CS_ERROR ? IN_ERROR : 0;
	}
	return f;
}

static enum chk_in in_of(unsigned char f)
{
	/* A failure that was read stands even when something else was not. */
	return f & IN_FAILED ? CHK_IN_FAILED
	       : !(f & IN_RAN) || (f & IN_ERROR) ? CHK_IN_UNREAD
	       : f & IN_UNSURE ? CHK_IN_UNSURE
	       : f & IN_JUDGED ? CHK_IN_CLEAR : CHK_IN_NONE;
}

enum chk_in chk_input(struct chk_ctx *c, const char *id)
{
	const struct chk_def *d = chk_find(id);

	if (!d || !chk_reads_input(c->cur, id)) {
		c->undeclared = id;
		return CHK_IN_UNREAD;
	}
	return in_of(c->seen[chk_index(d)]);
}

/* The engine's half of "a chain never passes on unread inputs": when an
 * input could not be evaluated, a pass or an unknown of the chain is an
 * error naming the inputs; a failure shown by what was read stays. */
void eng_chain_unread_inputs(struct chk_ctx *c, size_t first)
{
	json_t *unread = json_array();
	char id[64];

	for (const char *p = c->cur->inputs; p && *p; p += strcspn(p, ","), p += *p == ',') {
		const struct chk_def *in;
		snprintf(id, sizeof id, "%.*s", (int)strcspn(p, ","), p);
		in = chk_find(id);
		if (!in || in_of(c->seen[chk_index(in)]) == CHK_IN_UNREAD)
			json_array_append_new(unread, json_string(id));
	}
	for (size_t k = first; json_array_size(unread) && k < c->n; k++) {
		struct chk_result *r = &c->res[k];
		if (r->state != CS_PASS && r->state != CS_UNKNOWN)
			continue;
		r->state = CS_ERROR;
		eng_add_evidence(r, "inputs_not_evaluated", json_deep_copy(unread));
		eng_add_evidence(r, "reason", json_string("a check this chain combines could not be "
		                "evaluated (see its error): sync again with an account that can read "
		                "its classes"));
	}
	json_decref(unread);
}

void eng_add_evidence(struct chk_result *r, const char *name, json_t *v)
{
	json_t *e = r->evidence ? json_loads(r->evidence, 0, NULL) : NULL;

	if (!e)
		e = json_object();
	json_object_set_new(e, name, v);
	free(r->evidence);
	r->evidence = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(e);
}
