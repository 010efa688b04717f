/* osdwarden-lab's HTTP(S) front: routes AdminService URLs to the generated
 * site, enforces the lab's auth, injects faults, logs and journals writes. */
#ifndef OW_LAB_SERVER_H
#define OW_LAB_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab/site.h"

struct lab_config {
	uint16_t port;              /* 0: any free port */
	bool plain;                 /* HTTP instead of HTTPS */
	bool auth_none;
	bool auth_basic;            /* Basic (lab only); neither flag: Negotiate against keytab */
	const char *keytab;         /* HTTP/localhost's key, for Negotiate */
	const char *user, *password; /* Negotiate: user is the principal (name, or name@REALM) */
	const char *norole_user;    /* authenticates, holds no role: 404 everywhere */
	const char *deny;           /* classes (',' separated) the lab's user may not read: 404 */
	bool deny_writes;           /* the lab's user may read but not write: 404 on every write */
	const char *ca_out;         /* where to write the CA (PEM) */
	const char *faults;
	const char *log_path;
	const char *state_path;
	bool next_link;             /* emit @odata.nextLink instead of relying on $top/$skip */
	long page_max;              /* rows per page without $top in next-link mode; when given,
	                             * the cap of every page whatever $top asks (--page-max) */
	const char *metadata_without; /* classes and Class.Method actions (',' separated) the
	                               * site does not expose: not in $metadata, 404 when asked */
	long count_offset;          /* added to every Class/$count: a site whose count is wrong */
	unsigned key_forms;         /* LAB_KEY_* a composite key may use in a URL; 0: both */
	/* A provider behind WMI and a WAN: every request waits latency_ms
	 * before its first byte, and a read answers no faster than rows_per_s
	 * rows a second on its connection (0: as fast as it can). */
	long latency_ms, rows_per_s;
};

/* How an instance may be named in a URL: Class('v') / Class(K1=1,K2='x')
 * (OData 4.0), and Class/v / Class/1/x in key order (4.01 key-as-segment).
 * Single keys take both (the parens form is confirmed on real sites);
 * key_forms limits what a composite key takes, the form no public capture
 * shows. A form the site does not take answers 400 (parens) or 404
 * (segments: no such resource). */
enum { LAB_KEY_PARENS = 1, LAB_KEY_SEGMENTS = 2 };

struct lab_server;

/* Starts serving on 127.0.0.1 in background threads. The site must outlive
 * the server. 0 and *out (lab_server_stop ends and frees it), or -1 with a
 * message in err. */
int lab_server_start(struct lab_site *site, const struct lab_config *cfg,
                     struct lab_server **out, char *err, size_t errlen);
uint16_t lab_server_port(const struct lab_server *srv);
void lab_server_stop(struct lab_server *srv);

#endif
