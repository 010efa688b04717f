/* Starting osdwarden-lab from a test: a child process on a free loopback
 * port, and HTTP requests to it through libcurl with its CA. */
#ifndef OW_TESTS_LABPROC_H
#define OW_TESTS_LABPROC_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct labproc {
	pid_t pid;
	char dir[256];       /* private temp dir: CA, log, state */
	char url[600];       /* https://127.0.0.1:PORT/AdminService/ (localhost: Negotiate) */
	char ca[300];
	char log[300];
	char port[8];
};

/* Starts the lab with the given extra arguments (NULL-terminated); --port 0,
 * --ca-out and --auth basic (which the arguments may override) are added.
 * Fails the test if it does not come up. */
void labproc_start(struct labproc *lp, const char *const *args);
void labproc_stop(struct labproc *lp);

struct http {
	CURLcode rc;
	long status;
	char *body;
	size_t len;
	double secs;
	char retry_after[32];
	char content_type[128];
	char www_authenticate[128];   /* the first WWW-Authenticate header */
};

/* path is relative to .../AdminService/ (e.g. "wmi/SMS_Site?$top=1");
 * userpwd NULL = no credentials. */
struct http labproc_http(const struct labproc *lp, const char *method, const char *path,
                         const char *body, const char *userpwd);
void http_free(struct http *h);

/* The body with the lab's "host:port" replaced by "HOST", for comparing
 * two labs byte for byte. New string. */
char *labproc_normalize(const struct labproc *lp, const char *body);

#endif
