#include "lab/tls.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *datum_string(gnutls_datum_t *d)
{
	char *s = malloc(d->size + 1);

	if (s) {
		memcpy(s, d->data, d->size);
		s[d->size] = '\0';
	}
	gnutls_free(d->data);
	return s;
}

static int new_key(gnutls_x509_privkey_t *k)
{
	if (gnutls_x509_privkey_init(k) < 0)
		return -1;
	return gnutls_x509_privkey_generate(*k, GNUTLS_PK_ECDSA,
	                                    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0
	               ? -1 : 0;
}

static int base_cert(gnutls_x509_crt_t *c, gnutls_x509_privkey_t key, const char *cn,
                     unsigned char serial)
{
	time_t now = time(NULL);
	unsigned char ser[8] = { 0x4f, 0x57, 0, 0, 0, 0, 0, serial };

	ser[2] = (unsigned char)(now >> 24);
	ser[3] = (unsigned char)(now >> 16);
	if (gnutls_x509_crt_init(c) < 0)
		return -1;
	return gnutls_x509_crt_set_version(*c, 3) < 0 ||
	       gnutls_x509_crt_set_serial(*c, ser, sizeof ser) < 0 ||
	       gnutls_x509_crt_set_activation_time(*c, now - 3600) < 0 ||
	       gnutls_x509_crt_set_expiration_time(*c, now + 30 * 86400) < 0 ||
	       gnutls_x509_crt_set_dn_by_oid(*c, GNUTLS_OID_X520_COMMON_NAME, 0, cn, (unsigned)strlen(cn)) < 0 ||
	       gnutls_x509_crt_set_key(*c, key) < 0
	               ? -1 : 0;
}

int lab_tls_generate(struct lab_tls *t, char *err, size_t errlen)
{
	gnutls_x509_privkey_t ca_key = NULL, key = NULL;
	gnutls_x509_crt_t ca = NULL, crt = NULL;
	gnutls_datum_t d;
	static const unsigned char loopback[4] = { 127, 0, 0, 1 };
	int rc = -1;

	memset(t, 0, sizeof *t);
	if (new_key(&ca_key) || base_cert(&ca, ca_key, "osdwarden-lab throwaway CA", 1) ||
	    gnutls_x509_crt_set_basic_constraints(ca, 1, 0) < 0 ||
	    gnutls_x509_crt_set_key_usage(ca, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN) < 0 ||
	    gnutls_x509_crt_sign2(ca, ca, ca_key, GNUTLS_DIG_SHA256, 0) < 0)
		goto out;
	if (new_key(&key) || base_cert(&crt, key, "localhost", 2) ||
	    gnutls_x509_crt_set_basic_constraints(crt, 0, -1) < 0 ||
	    gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE) < 0 ||
	    gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0) < 0 ||
	    gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
	                                         GNUTLS_FSAN_APPEND) < 0 ||
	    gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, loopback, 4,
	                                         GNUTLS_FSAN_APPEND) < 0 ||
	    gnutls_x509_crt_sign2(crt, ca, ca_key, GNUTLS_DIG_SHA256, 0) < 0)
		goto out;
	if (gnutls_x509_crt_export2(ca, GNUTLS_X509_FMT_PEM, &d) < 0 || !(t->ca_pem = datum_string(&d)) ||
	    gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d) < 0 || !(t->cert_pem = datum_string(&d)) ||
	    gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &d) < 0 || !(t->key_pem = datum_string(&d)))
		goto out;
	rc = 0;
out:
	if (rc) {
		snprintf(err, errlen, "could not generate the lab's TLS certificates with GnuTLS");
		lab_tls_free(t);
	}
	gnutls_x509_crt_deinit(ca);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(ca_key);
	gnutls_x509_privkey_deinit(key);
	return rc;
}

void lab_tls_free(struct lab_tls *t)
{
	free(t->ca_pem);
	free(t->cert_pem);
	if (t->key_pem) {
		/* A throwaway key, but still a key: do not leave it in freed memory. */
		memset(t->key_pem, 0, strlen(t->key_pem));
		free(t->key_pem);
	}
	memset(t, 0, sizeof *t);
}
