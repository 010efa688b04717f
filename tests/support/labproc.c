#include "labproc.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

static const char *lab_binary(void)
{
	static char path[4096];
	const char *b = getenv("OW_BUILD_DIR");

	snprintf(path, sizeof path, "%s/osdwarden-lab", b ? b : "build");
	return path;
}

void labproc_start(struct labproc *lp, const char *const *args)
{
	const char *base = getenv("TMPDIR");
	char *argv[64], line[512];
	int fds[2], argc = 0;
	FILE *out;
	bool ready = false;

	memset(lp, 0, sizeof *lp);
	snprintf(lp->dir, sizeof lp->dir, "%s/osdwarden-lab-XXXXXX", base && *base ? base : "/tmp");
	assert_non_null(mkdtemp(lp->dir));
	snprintf(lp->ca, sizeof lp->ca, "%s/ca.pem", lp->dir);
	snprintf(lp->log, sizeof lp->log, "%s/requests.log", lp->dir);
	argv[argc++] = (char *)lab_binary();
	argv[argc++] = (char *)"--port";
	argv[argc++] = (char *)"0";
	argv[argc++] = (char *)"--ca-out";
	argv[argc++] = lp->ca;
	/* The lab's own default is Negotiate, which needs a realm: the suites
	 * that have one pass --auth negotiate --keytab F after this, and the
	 * last --auth wins. */
	argv[argc++] = (char *)"--auth";
	argv[argc++] = (char *)"basic";
	for (; args && *args && argc < 62; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	assert_int_equal(pipe(fds), 0);
	lp->pid = fork();
	assert_true(lp->pid >= 0);
	if (lp->pid == 0) {
		/* Die with the test, whatever way it ends; keep stderr out of
		 * the test's own output (it goes to a file beside the CA). */
		char errlog[400];
		int efd;
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		snprintf(errlog, sizeof errlog, "%s/stderr.log", lp->dir);
		efd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (efd >= 0)
			dup2(efd, STDERR_FILENO);
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	out = fdopen(fds[0], "r");
	assert_non_null(out);
	/* Read until "ready", picking up the URL on the way. The lab either
	 * prints it or exits (EOF); meson's timeout covers a hang. */
	while (!ready && fgets(line, sizeof line, out)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "url ", 4) == 0) {
			char *colon;
			snprintf(lp->url, sizeof lp->url, "%s", line + 4);
			colon = strrchr(lp->url, ':');
			if (colon)
				snprintf(lp->port, sizeof lp->port, "%.*s", (int)strcspn(colon + 1, "/"), colon + 1);
		}
		ready = strcmp(line, "ready") == 0;
	}
	fclose(out);
	if (!ready) {
		labproc_stop(lp);
		fail_msg("osdwarden-lab did not start (%s)", lab_binary());
	}
}

void labproc_stop(struct labproc *lp)
{
	char cmd[400];
	int status;

	if (lp->pid > 0) {
		kill(lp->pid, SIGTERM);
		waitpid(lp->pid, &status, 0);
		lp->pid = 0;
		/* A clean stop on SIGTERM; under ASan this also means no leak. */
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("osdwarden-lab did not exit cleanly (status %d)", status);
	}
	if (lp->dir[0]) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", lp->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", lp->dir);
		lp->dir[0] = '\0';
	}
}

struct sink {
	char *data;
	size_t len, cap;
};

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
	struct sink *s = ud;
	size_t add = size * n;

	if (s->len + add + 1 > s->cap) {
		/* Doubling keeps an 80 MiB body linear, even under ASan. */
		size_t cap = s->cap ? s->cap : 65536;
		while (cap < s->len + add + 1)
			cap *= 2;
		char *d = realloc(s->data, cap);
		if (!d)
			return 0;
		s->data = d;
		s->cap = cap;
	}
	memcpy(s->data + s->len, p, add);
	s->len += add;
	s->data[s->len] = '\0';
	return add;
}

static size_t header(char *p, size_t size, size_t n, void *ud)
{
	struct http *h = ud;
	size_t len = size * n;

	if (len > 13 && strncasecmp(p, "Retry-After: ", 13) == 0)
		snprintf(h->retry_after, sizeof h->retry_after, "%.*s", (int)strcspn(p + 13, "\r\n"), p + 13);
	if (len > 18 && strncasecmp(p, "WWW-Authenticate: ", 18) == 0 && !h->www_authenticate[0])
		snprintf(h->www_authenticate, sizeof h->www_authenticate, "%.*s",
		         (int)strcspn(p + 18, "\r\n"), p + 18);
	if (len > 14 && strncasecmp(p, "Content-Type: ", 14) == 0)
		snprintf(h->content_type, sizeof h->content_type, "%.*s", (int)strcspn(p + 14, "\r\n"), p + 14);
	return len;
}

struct http labproc_http(const struct labproc *lp, const char *method, const char *path,
                         const char *body, const char *userpwd)
{
	struct http h = { 0 };
	struct sink s = { NULL, 0, 0 };
	struct curl_slist *hdrs = NULL;
	char url[8192];
	CURL *c = curl_easy_init();

	snprintf(url, sizeof url, "%s%s", lp->url, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, lp->ca);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	if (userpwd) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERPWD, userpwd);
	}
	if (body) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	h.rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &h.status);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &h.secs);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	h.body = s.data ? s.data : strdup("");
	h.len = s.len;
	return h;
}

void http_free(struct http *h)
{
	free(h->body);
	h->body = NULL;
}

char *labproc_normalize(const struct labproc *lp, const char *body)
{
	char needle[32];
	size_t nl, out_len = 0;
	char *out = malloc(strlen(body) + 1);
	const char *p = body, *hit;

	/* The lab names itself as the URL it printed: localhost under
	 * Negotiate (the SPN's host), 127.0.0.1 otherwise. */
	snprintf(needle, sizeof needle, "%s:%s", strstr(lp->url, "//localhost:") ? "localhost"
	                                                                        : "127.0.0.1",
	         lp->port);
	nl = strlen(needle);
	while ((hit = strstr(p, needle)) != NULL) {
		memcpy(out + out_len, p, (size_t)(hit - p));
		out_len += (size_t)(hit - p);
		memcpy(out + out_len, "HOST", 4);
		out_len += 4;
		p = hit + nl;
	}
	strcpy(out + out_len, p);
	return out;
}
