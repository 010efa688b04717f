/* A throwaway Kerberos realm for a test: scripts/krbrealm.sh (built as
 * osdwarden-krbrealm) in a private temp dir, the KDC on a free loopback
 * port. krbrealm_start points this process's KRB5_CONFIG, KRB5_KDC_PROFILE
 * and KRB5CCNAME at it, so every osdwarden and osdwarden-lab the test runs
 * uses this realm and never the system's. */
#ifndef OW_TESTS_KRBREALM_H
#define OW_TESTS_KRBREALM_H

#define KR_REALM "OSDWARDEN.TEST"

struct krbrealm {
	char dir[256];
	char keytab[300];     /* HTTP/localhost's key, for osdwarden-lab --keytab */
	char ccache[300];     /* the FILE ccache KRB5CCNAME names: dir/ccache */
};

/* Creates the realm with HTTP/localhost and the given users (random keys,
 * NULL-terminated list). Fails the test if the KDC does not come up. */
void krbrealm_start(struct krbrealm *kr, const char *const *users);
/* A ticket for user (one of those given to start) into kr->ccache, for
 * lifetime (kinit -l, e.g. "3s"; NULL: the realm's 10 hours). */
void krbrealm_kinit(struct krbrealm *kr, const char *user, const char *lifetime);
/* A ticket from user's password, given to kinit on its standard input. */
int krbrealm_kinit_password(struct krbrealm *kr, const char *user, const char *password);
/* Adds user with this password (given on kadmin.local's standard input). */
void krbrealm_add_user(struct krbrealm *kr, const char *user, const char *password);
/* Removes the ticket cache: the next run has no ticket. */
void krbrealm_kdestroy(struct krbrealm *kr);
/* Stops the KDC, removes the directory and unsets the environment. */
void krbrealm_stop(struct krbrealm *kr);

#endif
