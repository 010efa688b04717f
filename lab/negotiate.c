#include "lab/negotiate.h"

#include <gnutls/gnutls.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Tokens larger than this are refused before decoding (a Windows ticket
 * with a large PAC is a few KiB; IIS's own header limit is 16 KiB). */
#define MAX_TOKEN_B64 65536

struct lab_negotiate {
	char *keytab;
	char *rcache;
};

/* The NTLMSSP mechanism's OID (1.3.6.1.4.1.311.2.2.10), DER-encoded as it
 * appears in a SPNEGO NegTokenInit's mechanism list. */
static const unsigned char ntlm_oid[] = { 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01,
	                                  0x82, 0x37, 0x02, 0x02, 0x0a };

int lab_negotiate_open(const char *keytab, struct lab_negotiate **out, char *err, size_t errlen)
{
	struct lab_negotiate *n;
	size_t len;

	*out = NULL;
	if (!keytab || !*keytab) {
		snprintf(err, errlen, "--auth negotiate needs --keytab FILE (a key for HTTP/localhost; "
		         "scripts/krbrealm.sh makes a throwaway realm with one), or --auth basic "
		         "for a lab without Kerberos");
		return -1;
	}
	if (access(keytab, R_OK) != 0) {
		snprintf(err, errlen, "cannot read the keytab %s", keytab);
		return -1;
	}
	n = calloc(1, sizeof *n);
	len = strlen(keytab) + 16;
	if (!n || !(n->keytab = strdup(keytab)) || !(n->rcache = malloc(len))) {
		lab_negotiate_close(n);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* The replay cache is the lab's own, never the system's /var/tmp one. */
	snprintf(n->rcache, len, "file2:%s.rcache", keytab);
	*out = n;
	return 0;
}

void lab_negotiate_close(struct lab_negotiate *n)
{
	if (!n)
		return;
	free(n->keytab);
	free(n->rcache);
	free(n);
}

/* "major: minor" text of a GSS-API failure. */
static void gss_why(OM_uint32 major, OM_uint32 minor, char *why, size_t whylen)
{
	OM_uint32 ctx = 0, min;
	gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
	size_t used = 0;

	why[0] = '\0';
	for (int pass = 0; pass < 2; pass++) {
		int type = pass == 0 ? GSS_C_GSS_CODE : GSS_C_MECH_CODE;
		OM_uint32 code = pass == 0 ? major : minor;
		if (pass == 1 && !minor)
			break;
		ctx = 0;
		do {
			if (GSS_ERROR(gss_display_status(&min, code, type, GSS_C_NO_OID, &ctx, &text)))
				break;
			if (used < whylen)
				used += (size_t)snprintf(why + used, whylen - used, "%s%.*s",
				                         used ? ": " : "", (int)text.length,
				                         (const char *)text.value);
			gss_release_buffer(&min, &text);
		} while (ctx != 0);
	}
}

static bool memmem_has(const unsigned char *p, size_t n, const unsigned char *needle, size_t nn)
{
	for (size_t i = 0; nn <= n && i <= n - nn; i++)
		if (memcmp(p + i, needle, nn) == 0)
			return true;
	return false;
}

static char *b64_encode(const void *data, size_t len)
{
	gnutls_datum_t in = { (unsigned char *)data, (unsigned)len }, out = { NULL, 0 };
	char *s;

	if (gnutls_base64_encode2(&in, &out) < 0)
		return NULL;
	s = malloc(out.size + 1);
	if (s) {
		memcpy(s, out.data, out.size);
		s[out.size] = '\0';
	}
	gnutls_free(out.data);
	return s;
}

enum lab_nego lab_negotiate_check(struct lab_negotiate *n, const char *authorization,
                                  char **principal, char **reply, char *why, size_t whylen)
{
	gss_key_value_element_desc el[2];
	gss_key_value_set_desc store = { 2, el };
	gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	gss_name_t src = GSS_C_NO_NAME;
	gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER, name = GSS_C_EMPTY_BUFFER;
	gnutls_datum_t b64, raw = { NULL, 0 };
	OM_uint32 major, minor, min;
	enum lab_nego rc = LAB_NEGO_FAILED;
	const char *tok;
	size_t toklen;

	*principal = NULL;
	*reply = NULL;
	snprintf(why, whylen, "no credentials");
	if (!authorization)
		return LAB_NEGO_ABSENT;
	if (strncasecmp(authorization, "NTLM", 4) == 0 &&
	    (authorization[4] == ' ' || authorization[4] == '\0')) {
		snprintf(why, whylen, "Rejecting NTLM authentication. (Authorization: NTLM)");
		return LAB_NEGO_NTLM;
	}
	if (strncasecmp(authorization, "Negotiate ", 10) != 0)
		return LAB_NEGO_ABSENT;
	tok = authorization + 10;
	tok += strspn(tok, " ");
	toklen = strcspn(tok, " \t\r\n");
	if (toklen == 0 || toklen > MAX_TOKEN_B64) {
		snprintf(why, whylen, "a Negotiate header with %s token", toklen ? "an oversized" : "no");
		return LAB_NEGO_FAILED;
	}
	b64.data = (unsigned char *)tok;
	b64.size = (unsigned)toklen;
	if (gnutls_base64_decode2(&b64, &raw) < 0) {
		snprintf(why, whylen, "a Negotiate token that is not base64");
		return LAB_NEGO_FAILED;
	}
	/* What Windows falls back to when it has no ticket: raw NTLMSSP in a
	 * Negotiate header, or SPNEGO offering NTLM. A 2509 site refuses it. */
	if ((raw.size >= 8 && memcmp(raw.data, "NTLMSSP", 8) == 0)) {
		snprintf(why, whylen, "Rejecting NTLM authentication. (NTLMSSP in a Negotiate header)");
		gnutls_free(raw.data);
		return LAB_NEGO_NTLM;
	}
	el[0].key = "keytab";
	el[0].value = n->keytab;
	el[1].key = "rcache";
	el[1].value = n->rcache;
	/* Acquired per request: nothing of one request's authentication is
	 * kept for the next, as on the real service. */
	major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, GSS_C_NO_OID_SET,
	                              GSS_C_ACCEPT, &store, &cred, NULL, NULL);
	if (GSS_ERROR(major)) {
		gss_why(major, minor, why, whylen);
		goto out;
	}
	in.value = raw.data;
	in.length = raw.size;
	major = gss_accept_sec_context(&minor, &ctx, cred, &in, GSS_C_NO_CHANNEL_BINDINGS, &src,
	                               NULL, &out, NULL, NULL, NULL);
	if (major == GSS_S_COMPLETE) {
		if (GSS_ERROR(gss_display_name(&min, src, &name, NULL)) ||
		    !(*principal = strndup(name.value, name.length))) {
			snprintf(why, whylen, "the client's name could not be read");
			goto out;
		}
		if (out.length && !(*reply = b64_encode(out.value, out.length))) {
			free(*principal);
			*principal = NULL;
			snprintf(why, whylen, "out of memory");
			goto out;
		}
		rc = LAB_NEGO_OK;
	} else if (GSS_ERROR(major) &&
	           memmem_has(raw.data, raw.size, ntlm_oid, sizeof ntlm_oid)) {
		snprintf(why, whylen, "Rejecting NTLM authentication. (SPNEGO offering NTLM only)");
		rc = LAB_NEGO_NTLM;
	} else if (GSS_ERROR(major)) {
		gss_why(major, minor, why, whylen);
	} else {
		/* A second leg would need the context kept until the next
		 * request, which the service does not do. */
		snprintf(why, whylen, "a Negotiate exchange that needs more than one round trip");
	}
out:
	gss_release_buffer(&min, &name);
	gss_release_buffer(&min, &out);
	gss_release_name(&min, &src);
	if (ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&min, &ctx, GSS_C_NO_BUFFER);
	gss_release_cred(&min, &cred);
	gnutls_free(raw.data);
	return rc;
}
