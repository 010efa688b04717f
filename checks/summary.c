#include "checks/summary.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "checks/stored.h"
#include "db/checkstore.h"
#include "db/records.h"

/* The components the dashboard lists: what the inventory calls their
 * table, and the object types of the findings about them. */
static const struct {
	const char *label, *table;
	const char *types[3];
} comps[CHK_SUMMARY_COMPS] = {
	{ "distribution points", "dps", { "dp" } },
	{ "state migration points", "smps", { "smp", "smp_folder" } },
	{ "boot media and images", "boot_images", { "boot_image", "media", "package" } },
	{ "certificates", "certificates", { "certificate" } },
	{ "computer associations", "associations", { "association" } },
};

static int component_of(const char *type)
{
	for (int i = 0; type && i < CHK_SUMMARY_COMPS; i++)
		for (int k = 0; k < 3 && comps[i].types[k]; k++)
			if (strcmp(type, comps[i].types[k]) == 0)
				return i;
	return -1;
}

static void start(struct chk_summary *out)
{
	memset(out, 0, sizeof *out);
	for (int c = 0; c < 2; c++)
		snprintf(out->cat[c].grade, sizeof out->cat[c].grade, "?");
	for (int i = 0; i < CHK_SUMMARY_COMPS; i++) {
		out->comp[i].label = comps[i].label;
		out->comp[i].total = -1;
	}
}

/* What one check's results add to its category: n failures no waiver
 * covers, attest awaiting an attestation, and whether it could not be
 * judged (an error or unknown result). The one rule both sources use. */
static void add_check(struct chk_summary *out, const struct chk_def *d, long failing, long attest,
                      bool unjudged)
{
	struct chk_summary_cat *c = &out->cat[d->cat == CAT_PRIVACY];

	c->failing[d->sev] += failing;
	c->to_attest += attest;
	if (d->chain && d->sev == SEV_CRITICAL && unjudged && !c->unjudged)
		c->unjudged = d;
	for (int k = 0; d->chain && failing && k < CHK_SUMMARY_CHAINS; k++) {
		if (c->chains[k] == d)
			break;
		if (!c->chains[k]) {
			c->chains[k] = d;
			break;
		}
	}
}

static void set_first(struct chk_summary_comp *comp, const char *object, const struct chk_def *d)
{
	if (!comp->first[0])
		snprintf(comp->first, sizeof comp->first, "%s: %s", object ? object : "?", d->title);
}

/* The failures no waiver covers of one check, each counted for its
 * component; stops once all of them were seen. */
struct comp_ctx {
	struct chk_summary *out;
	const struct chk_def *d;
	size_t left;              /* failing results of the check not yet seen */
};

static int count_component(void *ctx, const struct chk_result *r)
{
	struct comp_ctx *cc = ctx;
	int comp;

	if (r->state != CS_FAIL)
		return 0;
	if (!r->waived && (comp = component_of(r->object_type)) >= 0) {
		cc->out->comp[comp].attention++;
		set_first(&cc->out->comp[comp], r->object_name, cc->d);
	}
	return --cc->left == 0;
}

void chk_summary_of_run(const struct chk_run *run, struct chk_summary *out)
{
	start(out);
	out->evaluated = true;
	for (int c = 0; c < 2; c++) {
		snprintf(out->cat[c].grade, sizeof out->cat[c].grade, "%.3s",
		         c ? run->grades.privacy : run->grades.security);
		out->cat[c].capped = c ? run->grades.privacy_capped : run->grades.security_capped;
	}
	/* The categories from the counts; the components need each failure's
	 * object type, so only failing checks' results are read. */
	bool unread = false;
	for (size_t k = 0; k < chk_count(); k++) {
		const struct chk_def *d = chk_at(k);
		const size_t *n = run->counts[k];
		long failing = (long)(n[CS_FAIL] - run->waived[k]);
		struct comp_ctx cc = { out, d, n[CS_FAIL] };
		add_check(out, d, failing, (long)n[CS_NOTCHECKED], n[CS_ERROR] || n[CS_UNKNOWN]);
		if (failing > 0 && !unread)
			unread = chk_run_each(run, (int)k, count_component, &cc) < 0;
	}
	/* results that could not be read back: some failures, not counted */
	for (int i = 0; unread && i < CHK_SUMMARY_COMPS; i++)
		out->comp[i].attention = -1;
}

struct first_ctx {
	struct chk_summary *out;
	const struct chk_def *d;
};

/* The first failure of a check no waiver covers names its component;
 * then -1 stops the read (an error would be a positive kind). */
static int first_failure(void *ctx, const struct inv_finding *f)
{
	struct first_ctx *fc = ctx;
	int comp;

	if (f->waived)
		return 0;
	if ((comp = component_of(f->object_type)) >= 0)
		set_first(&fc->out->comp[comp], f->object_name, fc->d);
	return -1;
}

/* The first failures the stored run's summary names for one check
 * (checks/engine_history.c): true when it names them, each then naming
 * its component. */
static bool first_named(json_t *sum, const struct chk_def *d, struct chk_summary *out)
{
	json_t *first = json_object_get(json_object_get(sum, d->id), "first"), *name;
	const char *type;
	int comp;

	if (!json_is_object(first))
		return false;
	json_object_foreach(first, type, name) {
		if ((comp = component_of(type[0] ? type : NULL)) >= 0)
			set_first(&out->comp[comp], json_string_value(name), d);
	}
	return true;
}

/* From the stored per-check counts and the first failures its summary
 * names; a run stored before summaries named them has one finding read
 * per failing check. */
static int of_stored(struct inv *db, const struct chk_stored *s, json_t *sum,
                     struct chk_summary *out, struct ow_err *err)
{
	out->evaluated = true;
	out->stored_run = s->run_id;
	out->finished = s->finished;
	snprintf(out->cat[CAT_SECURITY].grade, sizeof out->cat[0].grade, "%.3s", s->security);
	snprintf(out->cat[CAT_PRIVACY].grade, sizeof out->cat[0].grade, "%.3s", s->privacy);
	for (int i = 0; i < CHK_SUMMARY_COMPS; i++)
		out->comp[i].attention = -1;
	for (size_t k = 0; k < chk_count(); k++) {
		const struct chk_def *d = chk_at(k);
		long failing = s->counts[k][CS_FAIL] - s->waived[k];
		struct first_ctx fc = { out, d };
		int rc;
		add_check(out, d, failing, s->counts[k][CS_NOTCHECKED],
		          s->counts[k][CS_ERROR] || s->counts[k][CS_UNKNOWN]);
		if (failing > 0 && !first_named(sum, d, out) &&
		    (rc = inv_each_finding(db, s->run_id, d->id, NULL, "fail", 0, first_failure, &fc,
		                           err)) > 0)
			return rc;
	}
	return 0;
}

int chk_summary_load(struct inv *db, int64_t now, struct chk_summary *out, struct ow_err *err)
{
	struct chk_stored s;
	struct chk_run run;
	json_t *sum;
	int rc = chk_stored_load_summary(db, &s, &sum, err);

	start(out);
	if (rc == 0) {
		rc = of_stored(db, &s, sum, out, err);
		json_decref(sum);
	} else if (rc == INV_NOTFOUND) {
		if ((rc = chk_evaluate_peek(db, now, &run, err)) == 0) {
			chk_summary_of_run(&run, out);
			chk_run_free(&run);
		}
	}
	/* after the run's figures: chk_summary_of_run starts the summary anew */
	for (int i = 0; i < CHK_SUMMARY_COMPS; i++)
		out->comp[i].total = (long)inv_count(db, comps[i].table, err);
	if (rc)
		out->evaluated = false;
	return rc;
}

void chk_summary_severities(const struct chk_summary_cat *c, char *out, size_t n)
{
	snprintf(out, n, "crit %ld  high %ld  med %ld  low %ld", c->failing[SEV_CRITICAL],
	         c->failing[SEV_HIGH], c->failing[SEV_MEDIUM], c->failing[SEV_LOW]);
}
