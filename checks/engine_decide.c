/* Operator decisions, honoured only as the audit log records them: each
 * waiver and attestation is judged against the log once per run, the tags
 * it does not vouch for are dropped, and each result takes the live
 * decisions that cover it (an attestation closes it, a waiver keeps a
 * failure visible but out of the grade). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/engine_int.h"

/* Judges every waiver and attestation against the audit log, once per
 * run (a check-wide one may cover hundreds of thousands of results), and
 * counts the live ones that are set aside, and the settings. */
int eng_judge_decisions(struct chk_ctx *c, struct chk_ignored *ign, struct ow_err *err)
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

/* A decision covers a result when it names the check and either no
 * object ("") or this one, and has not expired. */
static bool covers(const char *check, const char *object, int64_t expires,
                   const struct chk_result *r, int64_t now)
{
	return expires > now && strcmp(check, r->def->id) == 0 &&
	       (!object || !object[0] || (r->object_key && strcmp(object, r->object_key) == 0));
}

/* Applies to r the first live waiver (or attestation) that covers it and
 * that the audit log vouches for: true then. Otherwise, when a live one
 * covers it unvouched, r's evidence says why it was not honoured. */
static bool decide(struct chk_ctx *c, struct chk_result *r, bool waiver)
{
	const struct chk_snap *s = &c->snap;
	const struct verdict *unvouched = NULL;
	char why[900];

	for (size_t i = 0; i < (waiver ? s->nwaivers : s->nattests); i++) {
		const struct inv_waiver *w = waiver ? &s->waivers[i] : NULL;
		const struct inv_attestation *a = waiver ? NULL : &s->attests[i];
		const struct verdict *v = waiver ? &c->wv[i] : &c->av[i];
		int64_t expires = waiver ? w->expires : a->expires;
		if (!covers(waiver ? w->check_id : a->check_id, waiver ? w->object_key : a->object_key,
		            expires, r, c->now))
			continue;
		if (v->v != DECISION_HONOURED) {
			unvouched = unvouched ? unvouched : v;
			continue;
		}
		if (waiver)
			r->waived = true;
		else
			r->state = CS_PASS;
		eng_add_evidence(r, waiver ? "waiver" : "attestation",
		                 json_pack("{s:s,s:s,s:I,s:I,s:I}", "by", v->row.operator_name,
		                           waiver ? "reason" : "note", waiver ? w->reason : a->note,
		                           "at", (json_int_t)v->row.ts, "until", (json_int_t)expires,
		                           "audit_seq", (json_int_t)v->row.seq));
		return true;
	}
	if (unvouched) {
		decision_explain(&c->log, waiver, (enum decision_verdict)unvouched->v, &unvouched->row,
		                 why, sizeof why);
		eng_add_evidence(r, waiver ? "waiver_not_honoured" : "attestation_not_honoured",
		                 json_string(why));
	}
	return false;
}

/* Attestations close manual controls; waivers keep a failure visible but
 * out of the grade and of --fail-on. Expired ones count for nothing, nor
 * do those the audit log does not record as they stand: "by" and "at"
 * come from the audit row that vouches for them. */
void eng_apply_decisions(struct chk_ctx *c, struct chk_result *r)
{
	if ((r->state == CS_NOTCHECKED || (r->state == CS_FAIL && r->attestable)) &&
	    decide(c, r, false))
		return;
	if (r->state == CS_FAIL)
		decide(c, r, true);
}
