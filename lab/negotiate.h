/* The lab's Kerberos side: HTTP Negotiate (SPNEGO over GSS-API, RFC 4559)
 * checked against a keytab, one request at a time -- like the real
 * AdminService, nothing authenticated is remembered between requests. */
#ifndef OW_LAB_NEGOTIATE_H
#define OW_LAB_NEGOTIATE_H

#include <stddef.h>

enum lab_nego {
	LAB_NEGO_OK,        /* a Kerberos ticket for our service, accepted */
	LAB_NEGO_ABSENT,    /* no Authorization header, or not Negotiate/NTLM */
	LAB_NEGO_NTLM,      /* NTLM, bare or inside Negotiate: refused as a 2509 site does */
	LAB_NEGO_FAILED,    /* a token GSS-API did not accept */
};

struct lab_negotiate;

/* Acceptor for the keys in keytab (any principal it holds, HTTP/localhost
 * in the tests); the replay cache goes beside it (keytab + ".rcache").
 * 0 and *out (lab_negotiate_close frees it), or -1 with a message in err. */
int lab_negotiate_open(const char *keytab, struct lab_negotiate **out, char *err, size_t errlen);
void lab_negotiate_close(struct lab_negotiate *n);

/* Judges one Authorization header value (may be NULL). On LAB_NEGO_OK,
 * *principal is the client ("user@REALM") and *reply the base64 token for
 * WWW-Authenticate (or NULL); both malloc'ed, the caller frees them. On
 * any other result, why says what was wrong (for the lab's log). */
enum lab_nego lab_negotiate_check(struct lab_negotiate *n, const char *authorization,
                                  char **principal, char **reply, char *why, size_t whylen);

#endif
