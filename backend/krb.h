/* What the client checks of Kerberos itself, before and beside libcurl's
 * Negotiate: is there a ticket, is it still valid, is it for the realm of
 * the site's service principal; and, with --user name@REALM and a
 * password, a ticket obtained into a MEMORY credential cache that never
 * touches the disk. */
#ifndef OW_BACKEND_KRB_H
#define OW_BACKEND_KRB_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "util/err.h"

/* The default credential cache as Kerberos sees it for a site host. */
struct krb_state {
	char ccache[300];        /* TYPE:residual */
	char principal[256];     /* "" when the cache holds none */
	char realm[128];         /* the principal's realm */
	char host_realm[128];    /* the realm the host maps to (krb5.conf, or the default) */
	char spn[400];           /* HTTP/host@host_realm */
	time_t tgt_end;          /* end of the ticket-granting ticket; 0 when none */
	bool expired;            /* a principal, and no ticket valid now */
	char why[256];           /* why there is no principal (the library's words) */
};

/* Fills st for host (the provider's host name). 0, or -1 when Kerberos
 * itself could not be set up (message in err). */
int krb_inspect(const char *host, struct krb_state *st, struct ow_err *err);

/* Before a request: a ticket for host's service can be had from the
 * default cache. 0, or OW_ESITE with the message that says what to run
 * (no ticket / expired / a ticket of another realm is only a warning,
 * written to warn when not NULL). */
int krb_preflight(const char *host, char *warn, size_t warnlen, struct ow_err *err);

/* true when host is an IPv4 or IPv6 address literal (brackets allowed). */
bool krb_host_is_ip(const char *host);

struct krb_memory;

/* A ticket for principal ("name@REALM") from password, into a new MEMORY
 * cache made this thread's default for GSS-API (libcurl's Negotiate uses
 * it). 0 and *out (release it with krb_memory_free), or OW_ESITE with a
 * message (the KDC's refusal). */
int krb_memory_ticket(const char *principal, const char *password, struct krb_memory **out,
                      struct ow_err *err);
/* Destroys the memory cache and restores the previous default. NULL ok. */
void krb_memory_free(struct krb_memory *m);

#endif
