/* A throwaway certificate authority and server certificate, made at start
 * with GnuTLS, so the lab speaks HTTPS like a real provider and clients
 * verify it with --cacert exactly as they would the site's own root. */
#ifndef OW_LAB_TLS_H
#define OW_LAB_TLS_H

#include <stddef.h>

struct lab_tls {
	char *ca_pem, *cert_pem, *key_pem;   /* NUL-terminated PEM */
};

/* 0, or -1 with a message in err. The server certificate names
 * localhost and 127.0.0.1. */
int lab_tls_generate(struct lab_tls *t, char *err, size_t errlen);
void lab_tls_free(struct lab_tls *t);

#endif
