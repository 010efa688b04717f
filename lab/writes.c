#include "lab/writes.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lab/classes.h"
#include "lab/keys.h"
#include "lab/odata.h"
#include "util/buf.h"

static void method_ok(struct lab_server *srv, struct MHD_Connection *c, struct answer *a)
{
	struct buf url = BUF_INIT;
	json_t *j = json_object();

	if (c)
		lab_base_url(c, srv, &url);
	else
		buf_adds(&url, "https://localhost/AdminService");
	buf_adds(&url, "/wmi/$metadata#__PARAMETERS");
	json_object_set_new(j, "@odata.context", json_string(buf_str(&url)));
	json_object_set_new(j, "ReturnValue", json_integer(0));
	a->status = 201;
	lab_answer_json(a, j);
	json_decref(j);
	buf_free(&url);
}

static bool json_bool_of(json_t *v, bool *out)
{
	if (json_is_boolean(v))
		*out = json_is_true(v);
	else if (json_is_integer(v))
		*out = json_integer_value(v) != 0;
	else
		return false;
	return true;
}

static void block_certificate(struct lab_server *srv, struct MHD_Connection *c, json_t *body,
                              struct answer *a)
{
	const char *smsid = json_string_value(lab_get_ci(body, "SMSID"));
	bool blocked;
	long i;

	if (!smsid || !json_bool_of(lab_get_ci(body, "Blocked"), &blocked)) {
		lab_answer_error(a, 400, "BlockCertificate needs SMSID (string) and Blocked (boolean).");
		return;
	}
	i = lab_keys_lookup(srv, lab_class_find("SMS_Certificate"), smsid);
	if (i < 0) {
		lab_answer_error(a, 404, "No certificate with that SMSID.");
		return;
	}
	srv->site->certs[i].blocked = blocked;
	method_ok(srv, c, a);
}

static void delete_association(struct lab_server *srv, struct MHD_Connection *c, json_t *body,
                               struct answer *a)
{
	json_t *src = lab_get_ci(body, "SourceClientResourceID");
	json_t *dst = lab_get_ci(body, "RestoreClientResourceID");
	char key[64];
	long i;

	if (!json_is_integer(src) || !json_is_integer(dst)) {
		lab_answer_error(a, 400, "DeleteAssociation needs SourceClientResourceID and "
		            "RestoreClientResourceID (integers).");
		return;
	}
	snprintf(key, sizeof key, "%lld;%lld", (long long)json_integer_value(dst),
	         (long long)json_integer_value(src));
	i = lab_keys_lookup(srv, lab_class_find("SMS_StateMigration"), key);
	if (i < 0) {
		lab_answer_error(a, 404, "No such computer association.");
		return;
	}
	srv->site->assocs[i].removed = true;
	srv->site->assocs[i].deleted = srv->site->now_ms;
	method_ok(srv, c, a);
}

/* The embedded property called name in a PUT body's Props, or NULL. */
static json_t *embedded(json_t *body, const char *list, const char *key, const char *name)
{
	json_t *arr = lab_get_ci(body, list), *e;
	size_t i;

	json_array_foreach(arr, i, e) {
		const char *n = json_string_value(lab_get_ci(e, key));
		if (n && strcasecmp(n, name) == 0)
			return e;
	}
	return NULL;
}

static bool prop_value(json_t *body, const char *name, int *out)
{
	json_t *e = embedded(body, "Props", "PropertyName", name), *v;

	if (!e || !json_is_integer(v = lab_get_ci(e, "Value")))
		return false;
	*out = (int)json_integer_value(v);
	return true;
}

/* Joins a PropList's Values with ','; NULL if the list is absent. */
static const char *proplist_joined(struct lab_site *s, json_t *body, const char *name)
{
	json_t *e = embedded(body, "PropLists", "PropertyListName", name), *v;
	struct buf b = BUF_INIT;
	const char *kept;
	size_t i;

	if (!e)
		return NULL;
	json_array_foreach(lab_get_ci(e, "Values"), i, v) {
		if (json_is_string(v))
			buf_addf(&b, "%s%s", b.len ? "," : "", json_string_value(v));
	}
	kept = lab_site_strdup(s, buf_str(&b));
	buf_free(&b);
	return kept;
}

static void put_sysres(struct lab_server *srv, size_t i, json_t *body, struct answer *a)
{
	struct lab_site *s = srv->site;
	size_t base = 2 * s->nsites;
	int v;

	if (!json_is_object(body) || !json_is_array(lab_get_ci(body, "Props"))) {
		lab_answer_error(a, 400, "PUT needs the whole object, with its Props.");
		return;
	}
	if (i >= base && i - base < s->ndps) {
		struct lab_dp *d = &s->dps[i - base];
		const char *macs = proplist_joined(s, body, "BindExcept");
		if (prop_value(body, "IsActive", &v)) d->active = v != 0;
		if (prop_value(body, "IsPXE", &v)) d->pxe = v != 0;
		if (prop_value(body, "SupportUnknownMachines", &v)) d->unknown = v != 0;
		if (prop_value(body, "BindPolicy", &v)) d->bind_policy = v;
		if (macs) d->bind_except = macs;
	} else if (i >= base + s->ndps) {
		struct lab_smp *m = &s->smps[i - base - s->ndps];
		if (prop_value(body, "SMPQuiesceState", &v)) m->quiesce = v;
		if (prop_value(body, "SMPStoreDeletionDelayTimeInMinutes", &v)) m->delay_min = v;
		if (prop_value(body, "SMPStoreDeletionCycleTimeInMinutes", &v)) m->cycle_min = v;
	}
	/* Other site control rows accept the PUT and change nothing the lab
	 * models, like a provider that ignores unknown properties. */
	a->status = 204;
	buf_reset(&a->body);
}

static void put_boot_image(struct lab_server *srv, size_t i, json_t *body, struct answer *a)
{
	bool on;

	if (!json_bool_of(lab_get_ci(body, "EnableLabShell"), &on)) {
		lab_answer_error(a, 400, "PUT needs EnableLabShell (boolean).");
		return;
	}
	srv->site->boots[i].lab_shell = on;
	a->status = 204;
	buf_reset(&a->body);
}

static void delete_sysres(struct lab_server *srv, size_t i, json_t *body, struct answer *a)
{
	struct lab_site *s = srv->site;
	size_t base = 2 * s->nsites;

	(void)body;
	if (i < base) {
		lab_answer_error(a, 400, "The site server and SMS Provider roles cannot be removed here.");
		return;
	}
	if (i - base < s->ndps)
		s->dps[i - base].removed = true;
	else
		s->smps[i - base - s->ndps].removed = true;
	a->status = 204;
	buf_reset(&a->body);
}

const struct lab_write_route lab_write_routes[] = {
	{ "PUT", "SMS_SCI_SysResUse", put_sysres },
	{ "PUT", "SMS_BootImagePackage", put_boot_image },
	{ "DELETE", "SMS_SCI_SysResUse", delete_sysres },
	{ NULL, NULL, NULL },
};

const struct lab_call_route lab_call_routes[] = {
	{ "SMS_CertificateInfo", "BlockCertificate", block_certificate },
	{ "SMS_StateMigration", "DeleteAssociation", delete_association },
	{ NULL, NULL, NULL },
};
