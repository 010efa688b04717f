#include "backend/krb.h"

#include <arpa/inet.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool krb_host_is_ip(const char *host)
{
	unsigned char a[16];
	char h[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(host);

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof h) {
		memcpy(h, host + 1, n - 2);
		h[n - 2] = '\0';
		host = h;
	}
	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

static void krb_msg(krb5_context ctx, krb5_error_code code, char *out, size_t n)
{
	const char *m = krb5_get_error_message(ctx, code);

	snprintf(out, n, "%s", m ? m : "unknown Kerberos error");
	krb5_free_error_message(ctx, m);
}

/* The realm Kerberos will ask for host's service in: krb5.conf's
 * [domain_realm], else the default realm. */
static void host_realm(krb5_context ctx, const char *host, char *out, size_t n)
{
	char **realms = NULL, *def = NULL;

	out[0] = '\0';
	if (krb5_get_host_realm(ctx, host, &realms) == 0 && realms && realms[0] && realms[0][0])
		snprintf(out, n, "%s", realms[0]);
	if (realms)
		krb5_free_host_realm(ctx, realms);
	if (!out[0] && krb5_get_default_realm(ctx, &def) == 0) {
		snprintf(out, n, "%s", def);
		krb5_free_default_realm(ctx, def);
	}
	if (!out[0])
		snprintf(out, n, "(no default realm in krb5.conf)");
}

int krb_inspect(const char *host, struct krb_state *st, struct ow_err *err)
{
	krb5_context ctx;
	krb5_ccache cc = NULL;
	krb5_principal p = NULL;
	krb5_cc_cursor cur;
	krb5_creds creds;
	krb5_error_code code;
	char *name = NULL;
	time_t now = time(NULL);
	bool any_valid = false;

	memset(st, 0, sizeof *st);
	if ((code = krb5_init_context(&ctx)) != 0)
		return ow_err_set(err, OW_ESITE, "Kerberos cannot start (%d): check KRB5_CONFIG and "
		                  "/etc/krb5.conf", (int)code), -1;
	host_realm(ctx, host, st->host_realm, sizeof st->host_realm);
	snprintf(st->spn, sizeof st->spn, "HTTP/%s@%s", host, st->host_realm);
	if ((code = krb5_cc_default(ctx, &cc)) != 0) {
		krb_msg(ctx, code, st->why, sizeof st->why);
		goto out;
	}
	snprintf(st->ccache, sizeof st->ccache, "%s:%s", krb5_cc_get_type(ctx, cc),
	         krb5_cc_get_name(ctx, cc));
	if ((code = krb5_cc_get_principal(ctx, cc, &p)) != 0) {
		krb_msg(ctx, code, st->why, sizeof st->why);
		goto out;
	}
	if (krb5_unparse_name(ctx, p, &name) == 0) {
		snprintf(st->principal, sizeof st->principal, "%s", name);
		krb5_free_unparsed_name(ctx, name);
	}
	snprintf(st->realm, sizeof st->realm, "%.*s", (int)p->realm.length, p->realm.data);
	if (krb5_cc_start_seq_get(ctx, cc, &cur) == 0) {
		while (krb5_cc_next_cred(ctx, cc, &cur, &creds) == 0) {
			if (!krb5_is_config_principal(ctx, creds.server)) {
				bool tgt = creds.server->length == 2 &&
				           creds.server->data[0].length == 6 &&
				           memcmp(creds.server->data[0].data, "krbtgt", 6) == 0;
				if ((time_t)creds.times.endtime > now)
					any_valid = true;
				if (tgt && (time_t)creds.times.endtime > st->tgt_end)
					st->tgt_end = (time_t)creds.times.endtime;
			}
			krb5_free_cred_contents(ctx, &creds);
		}
		krb5_cc_end_seq_get(ctx, cc, &cur);
	}
	st->expired = !any_valid;
out:
	if (p)
		krb5_free_principal(ctx, p);
	if (cc)
		krb5_cc_close(ctx, cc);
	krb5_free_context(ctx);
	return 0;
}

int krb_preflight(const char *host, char *warn, size_t warnlen, struct ow_err *err)
{
	struct krb_state st;
	char end[64] = "";

	if (warn && warnlen)
		warn[0] = '\0';
	if (krb_inspect(host, &st, err) != 0)
		return OW_ESITE;
	if (!st.principal[0])
		return ow_err_set(err, OW_ESITE,
		                  "no Kerberos ticket (credential cache %s: %s). The site's service is "
		                  "%s: run `kinit user@%s` (or give --user user@%s and the password, "
		                  "for a ticket kept in memory) and retry. The --provider URL must "
		                  "name the SMS Provider by its FQDN, the name in its SPN: an IP address "
		                  "or a DNS alias (CNAME) asks the KDC for a service it does not know",
		                  st.ccache[0] ? st.ccache : "(none)", st.why, st.spn, st.host_realm,
		                  st.host_realm);
	if (st.expired) {
		if (st.tgt_end) {
			struct tm tm;
			gmtime_r(&st.tgt_end, &tm);
			strftime(end, sizeof end, " at %Y-%m-%d %H:%M:%S UTC", &tm);
		}
		return ow_err_set(err, OW_ESITE, "the Kerberos ticket of %s in %s expired%s: run "
		                  "`kinit %s` and retry (klist shows the ticket's times)", st.principal,
		                  st.ccache, end, st.principal);
	}
	if (warn && strcmp(st.realm, st.host_realm) != 0)
		snprintf(warn, warnlen, "the ticket in %s is for %s (realm %s), and the site's service "
		         "%s is in realm %s: unless the realms trust each other the site answers 401; "
		         "kinit as a user of %s, or map the host to its realm in krb5.conf "
		         "[domain_realm]", st.ccache, st.principal, st.realm, st.spn, st.host_realm,
		         st.host_realm);
	return 0;
}

struct krb_memory {
	krb5_context ctx;
	krb5_ccache cc;
	char *previous;     /* the thread's GSS default cache name before, or NULL */
	bool set;
};

int krb_memory_ticket(const char *principal, const char *password, struct krb_memory **out,
                      struct ow_err *err)
{
	struct krb_memory *m = calloc(1, sizeof *m);
	krb5_principal p = NULL;
	krb5_get_init_creds_opt *opt = NULL;
	krb5_creds creds;
	krb5_error_code code;
	char name[400], msg[256];
	const char *old = NULL;
	OM_uint32 minor;
	int rc = OW_ESITE;

	*out = NULL;
	memset(&creds, 0, sizeof creds);
	if (!m)
		return ow_err_set(err, OW_EINPUT, "out of memory");
	if ((code = krb5_init_context(&m->ctx)) != 0) {
		free(m);
		return ow_err_set(err, OW_ESITE, "Kerberos cannot start (%d): check KRB5_CONFIG and "
		                  "/etc/krb5.conf", (int)code);
	}
	if ((code = krb5_parse_name_flags(m->ctx, principal, KRB5_PRINCIPAL_PARSE_REQUIRE_REALM,
	                                  &p)) != 0) {
		ow_err_set(err, OW_EINPUT, "--user %s is not a Kerberos principal: give it as "
		           "user@REALM (the realm in capitals)", principal);
		rc = OW_EINPUT;
		goto out;
	}
	if ((code = krb5_get_init_creds_opt_alloc(m->ctx, &opt)) != 0 ||
	    (code = krb5_get_init_creds_password(m->ctx, &creds, p, password, NULL, NULL, 0, NULL,
	                                         opt)) != 0) {
		krb_msg(m->ctx, code, msg, sizeof msg);
		ow_err_set(err, OW_ESITE, "no Kerberos ticket for %s: %s (check the password and "
		           "the realm; `kinit %s` shows the same)", principal, msg, principal);
		goto out;
	}
	/* A MEMORY cache lives in this process only and dies with it. */
	if ((code = krb5_cc_new_unique(m->ctx, "MEMORY", NULL, &m->cc)) != 0 ||
	    (code = krb5_cc_initialize(m->ctx, m->cc, p)) != 0 ||
	    (code = krb5_cc_store_cred(m->ctx, m->cc, &creds)) != 0) {
		krb_msg(m->ctx, code, msg, sizeof msg);
		ow_err_set(err, OW_ESITE, "cannot keep the ticket of %s in memory: %s", principal, msg);
		goto out;
	}
	snprintf(name, sizeof name, "MEMORY:%s", krb5_cc_get_name(m->ctx, m->cc));
	if (GSS_ERROR(gss_krb5_ccache_name(&minor, name, &old))) {
		ow_err_set(err, OW_ESITE, "GSS-API refused the memory ticket cache of %s", principal);
		goto out;
	}
	m->set = true;
	if (old && !(m->previous = strdup(old))) {
		ow_err_set(err, OW_EINPUT, "out of memory");
		goto out;
	}
	rc = 0;
out:
	krb5_free_cred_contents(m->ctx, &creds);
	if (opt)
		krb5_get_init_creds_opt_free(m->ctx, opt);
	if (p)
		krb5_free_principal(m->ctx, p);
	if (rc != 0)
		krb_memory_free(m);
	else
		*out = m;
	return rc;
}

void krb_memory_free(struct krb_memory *m)
{
	OM_uint32 minor;

	if (!m)
		return;
	if (m->set)
		gss_krb5_ccache_name(&minor, m->previous, NULL);
	if (m->cc)
		krb5_cc_destroy(m->ctx, m->cc);
	krb5_free_context(m->ctx);
	free(m->previous);
	free(m);
}
