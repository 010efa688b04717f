#include "checks/checks.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "db/checkstore.h"
#include "db/decision.h"
#include "util/who.h"

/* What the audit log says of one waiver or attestation of the snapshot. */
struct verdict {
	int v;                      /* enum decision_verdict */
	struct decision_row row;
};

struct chk_ctx {
	struct inv *db;
	struct chk_snap snap;
	/* Decisions count only as the audit log records them: the log's
	 * verdict on the settings, and one per waiver and attestation
	 * (parallel to snap.waivers and snap.attests). */
	struct decision_log log;
	struct verdict *wv, *av;
	int64_t now;
	const struct chk_def *cur;
	struct chk_result *res;
	size_t n, cap;
	size_t emitted;           /* results of the current check */
	/* Per catalogue entry, what its results said (IN_* bits), for the
	 * chains that combine them. */
	unsigned char seen[CHK_MAX];
	const char *undeclared;   /* an input a chain asked for without declaring it */
	struct {
		const char *name;
		void *p;
		void (*free_fn)(void *);
	} memo[4];
	bool oom;
};

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

int chk_emit_text(struct chk_ctx *c, enum chk_state st, int sev, const char *object_type,
                  const char *object_key, const char *object_name, const char *evidence_json)
{
	struct chk_result *r = new_result(c, st, sev, object_type, object_key, object_name);

	if (r && evidence_json)
		r->evidence = strdup(evidence_json);
	return r ? 0 : -1;
}

void chk_last_attestable(struct chk_ctx *c)
{
	if (c->n)
		c->res[c->n - 1].attestable = true;
}

static void add_to_evidence(struct chk_result *r, const char *name, json_t *v);

enum { IN_RAN = 1, IN_JUDGED = 2, IN_FAILED = 4, IN_UNSURE = 8, IN_ERROR = 16 };

/* What a check's results (after attestations) tell a chain. */
static unsigned char seen_of(const struct chk_result *r, size_t n)
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
static void chain_unread_inputs(struct chk_ctx *c, size_t first)
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
		add_to_evidence(r, "inputs_not_evaluated", json_deep_copy(unread));
		add_to_evidence(r, "reason", json_string("a check this chain combines could not be "
		                "evaluated (see its error): sync again with an account that can read "
		                "its classes"));
	}
	json_decref(unread);
}

static int load_snapshot(struct inv *db, struct chk_snap *s, struct ow_err *err)
{
	memset(s, 0, sizeof *s);
	return inv_load_site(db, false, &s->sites, &s->nsites, err) ||
	       inv_load_dp(db, false, &s->dps, &s->ndps, err) ||
	       inv_load_smp(db, true, &s->smps, &s->nsmps, err) ||
	       inv_load_smp_folder(db, false, &s->folders, &s->nfolders, err) ||
	       inv_load_cert(db, false, &s->certs, &s->ncerts, err) ||
	       inv_load_boot_image(db, false, &s->boots, &s->nboots, err) ||
	       inv_load_package(db, false, &s->pkgs, &s->npkgs, err) ||
	       inv_load_ts(db, false, &s->tss, &s->ntss, err) ||
	       inv_load_ts_run_as(db, false, &s->runas, &s->nrunas, err) ||
	       inv_load_deployment(db, false, &s->deps, &s->ndeps, err) ||
	       inv_load_collection(db, false, &s->colls, &s->ncolls, err) ||
	       inv_load_collection_var(db, false, &s->vars, &s->nvars, err) ||
	       inv_load_admin(db, false, &s->admins, &s->nadmins, err) ||
	       inv_load_role(db, false, &s->roles, &s->nroles, err) ||
	       inv_load_site_setting(db, false, &s->settings, &s->nsettings, err) ||
	       inv_load_waiver(db, false, &s->waivers, &s->nwaivers, err) ||
	       inv_load_attestation(db, false, &s->attests, &s->nattests, err) ||
	       inv_load_segment(db, false, &s->tags, &s->ntags, err)
	               ? -1 : 0;
}

/* Judges every waiver and attestation against the audit log, once per
 * run (a check-wide one may cover hundreds of thousands of results), and
 * counts the live ones that are set aside, and the settings. */
static int judge_decisions(struct chk_ctx *c, struct chk_ignored *ign, struct ow_err *err)
{
	const struct chk_snap *s = &c->snap;

	if (decision_log_open(c->db, &c->log, err) != 0)
		return -1;
	c->wv = calloc(s->nwaivers ? s->nwaivers : 1, sizeof *c->wv);
	c->av = calloc(s->nattests ? s->nattests : 1, sizeof *c->av);
	if (!c->wv || !c->av) {
		ow_err_set(err, OW_EINPUT, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < s->nwaivers + s->nattests; i++) {
		bool waiver = i < s->nwaivers;
		const struct inv_waiver *w = waiver ? &s->waivers[i] : NULL;
		const struct inv_attestation *a = waiver ? NULL : &s->attests[i - s->nwaivers];
		struct verdict *v = waiver ? &c->wv[i] : &c->av[i - s->nwaivers];
		struct decision d = {
			waiver, waiver ? w->check_id : a->check_id, waiver ? w->object_key : a->object_key,
			waiver ? w->reason : a->note, waiver ? w->created : a->created,
			waiver ? w->expires : a->expires,
		};
		if (!d.object)
			d.object = "";
		v->v = decision_verify(c->db, &c->log, &d, &v->row, err);
		if (v->v < 0)
			return -1;
		if (v->v != DECISION_HONOURED && d.expires > c->now)
			*(waiver ? &ign->waivers : &ign->attestations) += 1;
	}
	for (size_t i = 0; i < c->log.nsettings; i++) {
		size_t l = strlen(ign->setting_keys);
		if (c->log.settings[i].honoured)
			continue;
		ign->settings++;
		snprintf(ign->setting_keys + l, sizeof ign->setting_keys - l, "%s%s", l ? "," : "",
		         c->log.settings[i].key);
	}
	/* A tag the log does not vouch for is dropped: the object counts as
	 * untagged (a sanctioned or trusted tag only ever makes a check pass). */
	size_t keep = 0;
	for (size_t i = 0; i < c->snap.ntags; i++) {
		struct inv_segment *t = &c->snap.tags[i];
		int v = decision_verify_tag(c->db, &c->log, t, err);
		if (v < 0) {
			for (size_t k = i; k < c->snap.ntags; k++)
				inv_free_segment(&c->snap.tags[k]);
			c->snap.ntags = keep;
			return -1;
		}
		if (v == DECISION_HONOURED) {
			c->snap.tags[keep++] = *t;
		} else {
			inv_free_segment(t);
			ign->tags++;
		}
	}
	c->snap.ntags = keep;
	ign->log_broken = !c->log.intact;
	snprintf(ign->why, sizeof ign->why, "%s", c->log.why);
	return 0;
}

static void free_snapshot(struct chk_snap *s)
{
	inv_unload_site(s->sites, s->nsites);
	inv_unload_dp(s->dps, s->ndps);
	inv_unload_smp(s->smps, s->nsmps);
	inv_unload_smp_folder(s->folders, s->nfolders);
	inv_unload_cert(s->certs, s->ncerts);
	inv_unload_boot_image(s->boots, s->nboots);
	inv_unload_package(s->pkgs, s->npkgs);
	inv_unload_ts(s->tss, s->ntss);
	inv_unload_ts_run_as(s->runas, s->nrunas);
	inv_unload_deployment(s->deps, s->ndeps);
	inv_unload_collection(s->colls, s->ncolls);
	inv_unload_collection_var(s->vars, s->nvars);
	inv_unload_admin(s->admins, s->nadmins);
	inv_unload_role(s->roles, s->nroles);
	inv_unload_site_setting(s->settings, s->nsettings);
	inv_unload_waiver(s->waivers, s->nwaivers);
	inv_unload_attestation(s->attests, s->nattests);
	inv_unload_segment(s->tags, s->ntags);
}

const struct inv_segment *chk_tag(const struct chk_snap *s, const char *type, const char *key)
{
	for (size_t i = 0; key && i < s->ntags; i++)
		if (strcmp(s->tags[i].object_type, type) == 0 && strcasecmp(s->tags[i].object_key, key) == 0)
			return &s->tags[i];
	return NULL;
}

/* A decision covers a result when it names the check and either no
 * object ("") or this one, and has not expired. */
static bool covers(const char *check, const char *object, int64_t expires, const struct chk_result *r,
                   int64_t now)
{
	return expires > now && strcmp(check, r->def->id) == 0 &&
	       (!object || !object[0] || (r->object_key && strcmp(object, r->object_key) == 0));
}

static void add_to_evidence(struct chk_result *r, const char *name, json_t *v)
{
	json_t *e = r->evidence ? json_loads(r->evidence, 0, NULL) : NULL;

	if (!e)
		e = json_object();
	json_object_set_new(e, name, v);
	free(r->evidence);
	r->evidence = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(e);
}

/* A live decision covers r but the audit log does not vouch for it. */
static void not_honoured(struct chk_ctx *c, struct chk_result *r, bool waiver,
                         const struct verdict *v)
{
	char why[900];

	decision_explain(&c->log, waiver, (enum decision_verdict)v->v, &v->row, why, sizeof why);
	add_to_evidence(r, waiver ? "waiver_not_honoured" : "attestation_not_honoured",
	                json_string(why));
}

/* Attestations close manual controls; waivers keep a failure visible but
 * out of the grade and of --fail-on. Expired ones count for nothing, nor
 * do those the audit log does not record as they stand: "by" and "at"
 * come from the audit row that vouches for them. */
static void apply_decisions(struct chk_ctx *c, struct chk_result *r)
{
	const struct chk_snap *s = &c->snap;
	const struct verdict *unvouched = NULL;

	if (r->state == CS_NOTCHECKED || (r->state == CS_FAIL && r->attestable)) {
		for (size_t i = 0; i < s->nattests; i++) {
			const struct inv_attestation *a = &s->attests[i];
			if (!covers(a->check_id, a->object_key, a->expires, r, c->now))
				continue;
			if (c->av[i].v != DECISION_HONOURED) {
				unvouched = unvouched ? unvouched : &c->av[i];
				continue;
			}
			r->state = CS_PASS;
			add_to_evidence(r, "attestation", json_pack("{s:s,s:s,s:I,s:I,s:I}", "by",
			                c->av[i].row.operator_name, "note", a->note, "at",
			                (json_int_t)c->av[i].row.ts, "until", (json_int_t)a->expires,
			                "audit_seq", (json_int_t)c->av[i].row.seq));
			return;
		}
		if (unvouched)
			not_honoured(c, r, false, unvouched);
	}
	if (r->state == CS_FAIL) {
		unvouched = NULL;
		for (size_t i = 0; i < s->nwaivers; i++) {
			const struct inv_waiver *w = &s->waivers[i];
			if (!covers(w->check_id, w->object_key, w->expires, r, c->now))
				continue;
			if (c->wv[i].v != DECISION_HONOURED) {
				unvouched = unvouched ? unvouched : &c->wv[i];
				continue;
			}
			r->waived = true;
			add_to_evidence(r, "waiver", json_pack("{s:s,s:s,s:I,s:I,s:I}", "by",
			                c->wv[i].row.operator_name, "reason", w->reason, "at",
			                (json_int_t)c->wv[i].row.ts, "until", (json_int_t)w->expires,
			                "audit_seq", (json_int_t)c->wv[i].row.seq));
			return;
		}
		if (unvouched)
			not_honoured(c, r, true, unvouched);
	}
}

/* A check whose classes were not read says so, once, as an error. */
static bool classes_readable(struct chk_ctx *c)
{
	char needs[512], *save = NULL;

	if (!c->cur->needs)
		return true;
	snprintf(needs, sizeof needs, "%s", c->cur->needs);
	for (char *cls = strtok_r(needs, ",", &save); cls; cls = strtok_r(NULL, ",", &save)) {
		char why[300];
		const char *st = inv_class_status(c->db, cls, why, sizeof why);
		if (strcmp(st, "ok") != 0) {
			/* What the sync said (not exposed by this site, no role), in
			 * its words where it left them. */
			chk_emit(c, CS_ERROR, 0, "class", cls, cls,
			         json_pack("{s:s,s:s}", "class", cls, "reason",
			                   why[0] ? why
			                   : strcmp(st, "no_access") == 0
			                           ? "no RBAC access: the sync account cannot read it"
			                           : "never synced: run osdwarden sync"));
			return false;
		}
	}
	return true;
}

/* Scoring, per category: 100 minus, for each check with failing objects,
 * a weight by severity (critical 30, high 15, medium 7, low 3) plus one
 * point per further failing object up to five. A >= 90, B >= 80, C >= 65,
 * D >= 50, else F. A failing critical chain caps the grade at D, and so
 * does one that could not be judged (error or unknown): its worst case
 * was not ruled out; those are named in unjudged. Any "error" in the
 * category, or an unjudged chain, marks the grade incomplete with '*'. */
static void grade(const struct chk_run *run, enum chk_cat cat, char out[4], int *score,
                  bool *capped, char *unjudged, size_t unjudged_size)
{
	static const int weight[] = { 0, 3, 7, 15, 30 };
	const struct chk_def *last = NULL;
	int s = 100, extra = 0;
	bool error = false, chain = false, decided = false;

	unjudged[0] = '\0';
	for (size_t i = 0; i < run->n; i++) {
		const struct chk_result *r = &run->results[i];
		if (r->def->cat != cat)
			continue;
		error |= r->state == CS_ERROR;
		/* something read from the site was judged */
		decided |= r->def->needs && r->state != CS_ERROR;
		if (r->def->chain && r->sev == SEV_CRITICAL &&
		    (r->state == CS_ERROR || r->state == CS_UNKNOWN) && !strstr(unjudged, r->def->id)) {
			size_t l = strlen(unjudged);
			snprintf(unjudged + l, unjudged_size - l, "%s%s", l ? "," : "", r->def->id);
		}
		if (r->state != CS_FAIL || r->waived)
			continue;
		if (r->def != last) {
			s -= weight[r->sev];
			extra = 0;
			last = r->def;
		} else if (extra < 5) {
			s--;
			extra++;
		}
		chain |= r->def->chain && r->sev == SEV_CRITICAL;
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

static int remember_failure(void *ctx, const char *check_id, const char *object_key)
{
	struct keyset *set = ctx;

	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 1024;
		uint64_t *h = realloc(set->h, cap * sizeof *h);
		if (!h) {
			set->oom = true;
			return -1;
		}
		set->h = h;
		set->cap = cap;
	}
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

int chk_evaluate(struct inv *db, int cat, int64_t now, struct chk_run *run, struct ow_err *err)
{
	return chk_evaluate_since(db, cat, now, 0, run, err);
}

static int evaluate(struct inv *db, int cat, int64_t now, int64_t since, bool keep,
                    struct chk_run *run, struct ow_err *err);

int chk_evaluate_since(struct inv *db, int cat, int64_t now, int64_t since, struct chk_run *run,
                       struct ow_err *err)
{
	return evaluate(db, cat, now, since, true, run, err);
}

int chk_evaluate_peek(struct inv *db, int64_t now, struct chk_run *run, struct ow_err *err)
{
	return evaluate(db, -1, now, 0, false, run, err);
}

static int evaluate(struct inv *db, int cat, int64_t now, int64_t since, bool keep,
                    struct chk_run *run, struct ow_err *err)
{
	struct chk_ctx c = { .db = db, .now = now };
	struct keyset prev_fail = { 0 };
	/* Per check (catalogue order) and state: how many results; and how
	 * many of its failures a waiver covers. */
	size_t counts[CHK_MAX][CS_FIXED + 1] = { { 0 } }, waived[CHK_MAX] = { 0 };
	int rc = -1;

	memset(run, 0, sizeof *run);
	run->started = now;
	if (load_snapshot(db, &c.snap, err) != 0 || judge_decisions(&c, &run->ignored, err) != 0)
		goto out;
	for (size_t i = 0; i < chk_count(); i++) {
		c.cur = chk_at(i);
		if (cat >= 0 && (int)c.cur->cat != cat)
			continue;
		c.emitted = 0;
		size_t first = c.n;
		if (classes_readable(&c) && c.cur->eval(&c) != 0) {
			ow_err_set(err, OW_EINPUT, "evaluating %s failed", c.cur->id);
			goto out;
		}
		if (c.undeclared) {
			ow_err_set(err, OW_EINPUT, "evaluating %s failed: it reads %s, which its catalogue "
			           "row does not declare as an input", c.cur->id, c.undeclared);
			goto out;
		}
		for (size_t k = first; k < c.n; k++)
			apply_decisions(&c, &c.res[k]);
		if (c.cur->inputs)
			chain_unread_inputs(&c, first);
		/* Nothing to judge is not a pass. */
		if (c.emitted == 0)
			chk_emit(&c, CS_NOTAPPLICABLE, 0, NULL, NULL, NULL,
			         json_pack("{s:s}", "reason", "no object of the kind it checks"));
		c.seen[i] = seen_of(&c.res[first], c.n - first);
		if (c.oom) {
			ow_err_set(err, OW_EINPUT, "out of memory");
			goto out;
		}
	}
	run->results = c.res;
	run->n = c.n;
	c.res = NULL;   /* the run owns them now */
	c.n = 0;
	grade(run, CAT_SECURITY, run->grades.security, &run->grades.security_score,
	      &run->grades.security_capped, run->grades.security_unjudged,
	      sizeof run->grades.security_unjudged);
	grade(run, CAT_PRIVACY, run->grades.privacy, &run->grades.privacy_score,
	      &run->grades.privacy_capped, run->grades.privacy_unjudged,
	      sizeof run->grades.privacy_unjudged);

	/* History: the run and its findings, compared with the last run. A
	 * read-only inventory is compared with, never written to. */
	bool store = keep && !inv_read_only(db);
	if (store && inv_begin(db, err) != 0)
		goto out;
	if ((store && (run->id = inv_run_begin(db, now, who_operator(), err)) < 0) ||
	    (run->previous = since > 0 ? since
	                               : inv_run_previous(db, store ? run->id : INT64_MAX, err)) < 0 ||
	    (run->previous && inv_each_failure(db, run->previous, remember_failure, &prev_fail, err) < 0))
		goto rollback;
	if (prev_fail.oom) {
		ow_err_set(err, OW_EINPUT, "out of memory");
		goto rollback;
	}
	if (prev_fail.n)
		qsort(prev_fail.h, prev_fail.n, sizeof *prev_fail.h, cmp_u64);
	for (size_t i = 0; i < run->n; i++) {
		struct chk_result *r = &run->results[i];
		bool before = failed_before(&prev_fail, r->def->id, r->object_key);
		if (r->state == CS_FAIL)
			r->baseline = before ? "unchanged" : "new";
		else if ((r->state == CS_PASS || r->state == CS_INFORMATIONAL) && before) {
			r->state = CS_FIXED;
			r->baseline = "fixed";
		}
		counts[chk_index(r->def)][r->state]++;
		waived[chk_index(r->def)] += r->state == CS_FAIL && r->waived;
		if (store && is_finding(r->state)) {
			struct inv_finding f = { r->def->id, chk_state_name(r->state), chk_sev_name(r->sev),
			                         r->object_type, r->object_key, r->object_name, r->evidence,
			                         r->baseline, r->waived };
			if (inv_finding_add(db, run->id, &f, err) != 0)
				goto rollback;
		}
	}
	if (store) {
		/* {"CHECK": {"state": count, ..., "waived": failures waived}, ...}
		 * for the trends and the dashboard. */
		json_t *summary = json_object();
		char *s;
		int frc;
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
		}
		s = json_dumps(summary, JSON_COMPACT);
		json_decref(summary);
		frc = s ? inv_run_finish(db, run->id, now, run->grades.security, run->grades.privacy,
		                         s, err) : (ow_err_set(err, OW_EINPUT, "out of memory"), -1);
		free(s);
		if (frc != 0 || inv_history_prune(db, run->id, chk_policy(&c, "history_runs_kept", 10), err) != 0 || inv_commit(db, err) != 0)
			goto rollback;
	}
	rc = 0;
	goto out;
rollback:
	if (store)
		inv_rollback(db);
out:
	free_snapshot(&c.snap);
	decision_log_close(&c.log);
	free(c.wv);
	free(c.av);
	for (size_t i = 0; i < c.n; i++) {
		free(c.res[i].strings);
		free(c.res[i].evidence);
	}
	free(c.res);
	free(prev_fail.h);
	for (size_t i = 0; i < sizeof c.memo / sizeof c.memo[0]; i++)
		if (c.memo[i].name)
			c.memo[i].free_fn(c.memo[i].p);
	if (rc)
		chk_run_free(run);
	return rc;
}

void chk_run_free(struct chk_run *run)
{
	for (size_t i = 0; i < run->n; i++) {
		free(run->results[i].strings);
		free(run->results[i].evidence);
	}
	free(run->results);
	run->results = NULL;
	run->n = 0;
}
