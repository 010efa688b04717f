/* Roles and rights: who holds OS Deployment Manager, and who holds the
 * rights that matter for deployment, resolved from each role's operations
 * by object type (never a bit without its type). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend/adminservice.h"
#include "checks/eval.h"
#include "util/jsonci.h"

/* Whether the ", "-joined list has item (any case). */
static bool list_has(const char *list, const char *item)
{
	size_t n = item ? strlen(item) : 0;

	for (const char *p = list; n && p && *p;) {
		const char *end = strstr(p, ", ");
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && strncasecmp(p, item, n) == 0)
			return true;
		p = end ? end + 2 : NULL;
	}
	return false;
}

static bool at_scope_all(const struct inv_admin *a)
{
	return list_has(a->categories, "All");
}

int eval_rbac_001(struct chk_ctx *c)
{
	const struct chk_snap *s = chk_data(c);
	long max = chk_policy(c, "osd_manager_max_holders", 5);
	json_t *holders;
	size_t n = 0;

	/* A site always has administrators: none read is not "few holders". */
	if (s->nadmins == 0)
		return chk_emit(c, CS_UNKNOWN, 0, "role", "SMS000AR", "Operating System Deployment Manager",
		                json_pack("{s:s}", "reason", "no administrative users were read"));
	holders = json_array();
	for (size_t i = 0; i < s->nadmins; i++) {
		const struct inv_admin *a = &s->admins[i];
		if (!list_has(a->role_names, "Operating System Deployment Manager"))
			continue;
		n++;
		json_array_append_new(holders, json_string(a->logon_name));
		if ((a->account_type == 0 || a->account_type == INV_NULL) && at_scope_all(a)) {
			char key[64];
			bool user = a->account_type == 0;
			snprintf(key, sizeof key, "%lld", (long long)a->admin_id);
			if (chk_emit(c, user ? CS_FAIL : CS_UNKNOWN, 0, "admin", key, a->logon_name,
			             json_pack("{s:s,s:s}", "reason", user ? "an individual user holds OS "
			                       "Deployment Manager at scope All" : "holds OS Deployment "
			                       "Manager at scope All; whether a user or a group was not read",
			                       "scopes", a->categories))) {
				json_decref(holders);
				return -1;
			}
		}
	}
	return chk_emit(c, (long)n > max ? CS_FAIL : CS_PASS, 0, "role", "SMS000AR",
	                "Operating System Deployment Manager",
	                json_pack("{s:I,s:o,s:{s:s,s:i}}", "holders", (json_int_t)n, "names", holders,
	                          "policy", "setting", "osd_manager_max_holders", "value", (int)max));
}

/* The number SMS_RbacSecuredObject gives r's object type, or -1 when the
 * site's types name none of its spellings. */
static int64_t type_id_of(const struct chk_snap *s, const struct as_right *r)
{
	for (size_t i = 0; i < s->ntypes; i++)
		if (as_right_type_is(r, s->types[i].object_type_name))
			return s->types[i].object_type_id;
	return -1;
}

/* A number as the service may send it: a JSON integer, or (OData's
 * IEEE754Compatible form for Int64) a string of digits. */
static bool number_of(json_t *v, long long *out)
{
	char *end;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return true;
	}
	if (!json_is_string(v) || !*json_string_value(v))
		return false;
	*out = strtoll(json_string_value(v), &end, 10);
	return *end == '\0';
}

/* Whether a role's operations (the JSON list the sync kept) grant bit on
 * object type id: 1 yes, 0 no, -1 not readable (not read, or no entry
 * with a usable type and bits: never "grants nothing"). */
static int role_grants(const struct inv_role *role, int64_t type, unsigned long bit)
{
	json_t *ops = role->operations ? json_loads(role->operations, 0, NULL) : NULL, *op;
	size_t i, usable = 0;
	int yes = 0;

	if (!json_is_array(ops)) {
		json_decref(ops);
		return -1;
	}
	json_array_foreach(ops, i, op) {
		long long t, g;
		if (!number_of(json_member_ci(op, "ObjectTypeID"), &t) ||
		    !number_of(json_member_ci(op, "GrantedOperations"), &g))
			continue;
		usable++;
		if (t == type && ((unsigned long long)g & bit))
			yes = 1;
	}
	i = json_array_size(ops);
	json_decref(ops);
	return i && !usable ? -1 : yes;
}

/* The holders of one right. Per role that grants it: individual users at
 * scope All fail it; otherwise it passes (hybrid: awaits the operator's
 * review of its holders). Then the right itself: more distinct holders
 * than the policy allows fails. The type unresolved is an error. */
static int right_holders(struct chk_ctx *c, const char *right, const char *policy, bool hybrid)
{
	const struct chk_snap *s = chk_data(c);
	const struct as_right *r = as_right_find(right);
	long max = chk_policy(c, policy, 5);
	int64_t type = r ? type_id_of(s, r) : -1;
	bool *holds;
	size_t holders = 0, granting = 0;
	json_t *names;
	char bit[24];

	if (type < 0)
		return chk_emit(c, CS_ERROR, 0, "right", right, right,
		                json_pack("{s:s,s:s}", "reason", "the site's RBAC object types "
		                          "(SMS_RbacSecuredObject) name none of its types, so the right "
		                          "cannot be resolved", "object_type", r ? r->types : "?"));
	/* A site always has roles (Full Administrator): none read is not "nobody holds it". */
	if (s->nroles == 0)
		return chk_emit(c, CS_UNKNOWN, 0, "right", right, right,
		                json_pack("{s:s}", "reason", "no security roles were read"));
	snprintf(bit, sizeof bit, "0x%08lx", r->bit);
	if (!(holds = calloc(s->nadmins + 1, sizeof *holds)))
		return -1;
	for (size_t k = 0; k < s->nroles; k++) {
		const struct inv_role *role = &s->roles[k];
		int g = role_grants(role, type, r->bit);
		json_t *users;
		size_t n = 0, unsure = 0;
		int rc;
		if (g < 0) {
			if (chk_emit(c, CS_UNKNOWN, 0, "role", role->role_id, role->role_name,
			             json_pack("{s:s,s:s}", "right", right, "reason",
			                       "the role's operations were not read")))
				goto oom;
			continue;
		}
		if (!g)
			continue;
		granting++;
		users = json_array();
		for (size_t i = 0; i < s->nadmins; i++) {
			const struct inv_admin *a = &s->admins[i];
			if (!list_has(a->role_names, role->role_name))
				continue;
			holds[i] = true;
			n++;
			if (a->account_type == 0 && at_scope_all(a))
				json_array_append_new(users, json_string(a->logon_name));
			else if (a->account_type == INV_NULL && at_scope_all(a))
				unsure++;   /* a user or a group: not known */
		}
		if (!json_array_size(users) && unsure) {
			json_decref(users);
			rc = chk_emit(c, CS_UNKNOWN, 0, "role", role->role_id, role->role_name,
			              json_pack("{s:s,s:s,s:I}", "right", right, "reason", "holders at scope "
			                        "All whose account type (user or group) was not read",
			                        "holders", (json_int_t)n));
		} else if (json_array_size(users))
			rc = chk_emit(c, CS_FAIL, 0, "role", role->role_id, role->role_name,
			              json_pack("{s:s,s:s,s:s,s:o,s:I}", "right", right, "bit", bit, "reason",
			                        "individual users hold it at security scope All", "users",
			                        users, "holders", (json_int_t)n));
		else if (hybrid) {
			json_decref(users);
			rc = chk_attest_needed(c, "role", role->role_id, role->role_name,
			                       "only the intended, reviewed group holds this right");
		} else
			rc = chk_emit(c, CS_PASS, 0, "role", role->role_id, role->role_name,
			              json_pack("{s:s,s:s,s:I,s:o}", "right", right, "bit", bit, "holders",
			                        (json_int_t)n, "users_at_scope_all", users));
		if (rc)
			goto oom;
	}
	names = json_array();
	for (size_t i = 0; i < s->nadmins; i++)
		if (holds[i]) {
			holders++;
			json_array_append_new(names, json_string(s->admins[i].logon_name));
		}
	free(holds);
	/* Full Administrator holds every right: operations read yet no role
	 * granting it means they were not read the way this check reads them. */
	if (!granting) {
		json_decref(names);
		return chk_emit(c, CS_UNKNOWN, 0, "right", right, right,
		                json_pack("{s:s,s:s}", "reason", "no role's operations grant it, not "
		                          "even Full Administrator's: they were not read as expected",
		                          "object_type", r->types));
	}
	/* Within the policy, a reviewed right is its roles' attestations. */
	if (hybrid && granting && (long)holders <= max) {
		json_decref(names);
		return 0;
	}
	return chk_emit(c, (long)holders > max ? CS_FAIL : CS_PASS, 0, "right", right, right,
	                json_pack("{s:I,s:o,s:s,s:{s:s,s:i}}", "holders", (json_int_t)holders, "names",
	                          names, "object_type", r->types, "policy", "setting", policy,
	                          "value", (int)max));
oom:
	free(holds);
	return -1;
}

int eval_rbac_002(struct chk_ctx *c)
{
	return right_holders(c, "Recover User State", "recovery_max_holders", true);
}

int eval_rbac_003(struct chk_ctx *c)
{
	return right_holders(c, "Manage OSD Certificate", "osd_certificate_max_holders", false);
}

int eval_rbac_004(struct chk_ctx *c)
{
	return right_holders(c, "Create Task Sequence Media", "ts_media_max_holders", false);
}
