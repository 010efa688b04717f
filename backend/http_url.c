/* URLs, parsed by libcurl's own parser (the one that makes the
 * connection): a link a site hands back is followed only within the
 * provider's scheme, host, port and path; a URL's host, whether it is a
 * loopback one; escaping for a query value and unescaping without losing
 * what follows a %00. */
#include "backend/http.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yajl/yajl_version.h>

#include "backend/http_int.h"
#include "util/buf.h"
#include "util/sanitize.h"

struct url_parts {
	char *scheme, *host, *port, *path, *user;
};

static void parts_free(struct url_parts *p)
{
	curl_free(p->scheme);
	curl_free(p->host);
	curl_free(p->port);
	curl_free(p->path);
	curl_free(p->user);
	memset(p, 0, sizeof *p);
}

/* Parts of u; a part it lacks (a file: URL has no host) is NULL. */
static void parts_get(CURLU *u, struct url_parts *p)
{
	memset(p, 0, sizeof *p);
	curl_url_get(u, CURLUPART_SCHEME, &p->scheme, 0);
	curl_url_get(u, CURLUPART_HOST, &p->host, 0);
	curl_url_get(u, CURLUPART_PORT, &p->port, CURLU_DEFAULT_PORT);
	curl_url_get(u, CURLUPART_PATH, &p->path, 0);
	curl_url_get(u, CURLUPART_USER, &p->user, 0);
}

static bool same_ci(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

/* base's path, without trailing '/', followed by '/' begins path. */
static bool under_path(const char *base, const char *path)
{
	size_t n = base ? strlen(base) : 0;

	while (n && base[n - 1] == '/')
		n--;
	return path && strncasecmp(base, path, n) == 0 && path[n] == '/';
}

/* %2e, %2f, %5c in any case: the path check sees them as text, while a
 * server (IIS does) may decode them to '.', '/' and '\\' and so leave the
 * base path ("/AdminService/%2e%2e/x"). No link the service makes needs
 * them in its path. */
static bool encoded_separator(const char *link)
{
	size_t path_end = strcspn(link, "?#");

	for (size_t i = 0; i + 2 < path_end; i++)
		if (link[i] == '%' && ((link[i + 1] == '2' && strchr("eEfF", link[i + 2])) ||
		                       (link[i + 1] == '5' && strchr("cC", link[i + 2]))))
			return true;
	return false;
}

char *http_follow_url(const char *base, const char *link, struct ow_err *err)
{
	CURLU *b = curl_url(), *l = curl_url();
	struct url_parts bp = { 0 }, lp = { 0 };
	const char *why = NULL;
	char *url = NULL, *out = NULL;

	if (!b || !l) {
		ow_err_set(err, OW_EINPUT, "out of memory");
		goto done;
	}
	if (curl_url_set(b, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(l, CURLUPART_URL, base, 0) != CURLUE_OK) {
		ow_err_set(err, OW_EINPUT, "the provider URL %s does not parse", base);
		goto done;
	}
	/* Set over the base: a relative link resolves against it. */
	if (curl_url_set(l, CURLUPART_URL, link, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
		char *shown = san_str(link, 120, 0);
		ow_err_set(err, OW_ESITE, "the site's @odata.nextLink (%s) is not a URL that can be "
		           "followed from the provider %s; nothing was requested with it",
		           shown ? shown : "?", base);
		free(shown);
		goto done;
	}
	parts_get(b, &bp);
	parts_get(l, &lp);
	if (!same_ci(bp.scheme, lp.scheme))
		why = "another scheme";
	else if (!same_ci(bp.host, lp.host))
		why = "another host";
	else if (!bp.port || !lp.port || strcmp(bp.port, lp.port) != 0)
		why = "another port";
	else if (lp.user)
		why = "a user name in it";
	else if (!under_path(bp.path, lp.path))
		why = "another path";
	else if (encoded_separator(link))
		why = "an encoded dot, slash or backslash in its path, which a server may decode "
		      "into another path";
	if (why) {
		char shown[512], *clean;
		snprintf(shown, sizeof shown, "%s://%s%s%s%s", lp.scheme ? lp.scheme : "?",
		         lp.host ? lp.host : "", lp.port ? ":" : "", lp.port ? lp.port : "",
		         lp.path ? lp.path : "");
		clean = san_str(shown, 200, 0);
		ow_err_set(err, OW_ESITE, "the site's @odata.nextLink leads to %s (%s), outside the "
		           "provider %s://%s:%s%s; osdwarden follows a paging link only to the "
		           "provider's own scheme, host, port and path, so nothing was requested "
		           "there. If a proxy in front of the SMS Provider rewrites links, give "
		           "--provider as the links name it", clean ? clean : "?", why, bp.scheme,
		           bp.host ? bp.host : "", bp.port ? bp.port : "", bp.path ? bp.path : "");
		free(clean);
		goto done;
	}
	if (curl_url_get(l, CURLUPART_URL, &url, 0) != CURLUE_OK || !(out = strdup(url)))
		ow_err_set(err, OW_EINPUT, "out of memory");
done:
	curl_free(url);
	parts_free(&bp);
	parts_free(&lp);
	curl_url_cleanup(b);
	curl_url_cleanup(l);
	return out;
}

bool http_url_is_loopback(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	bool yes = false;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		struct in_addr a4;
		if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0)
			yes = true;
		else if (inet_pton(AF_INET, host, &a4) == 1)
			yes = (ntohl(a4.s_addr) >> 24) == 127;
	}
	curl_free(host);
	curl_url_cleanup(u);
	return yes;
}

int http_url_host(const char *url, char *out, size_t n)
{
	CURLU *u = curl_url();
	char *host = NULL;
	int rc = -1;

	out[0] = '\0';
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host &&
	    (size_t)snprintf(out, n, "%s", host) < n)
		rc = 0;
	if (rc != 0 && n > 0)
		out[0] = '\0';   /* no half host name: a truncated one could name another machine */
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/* libcurl's strings are released with curl_free(); the copies handed out
 * here are plain malloc() ones, so a caller never needs to know which
 * library made them. */
static char *plain_copy(char *curl_owned)
{
	char *copy = curl_owned ? strdup(curl_owned) : NULL;

	curl_free(curl_owned);
	return copy;
}

char *http_escape(const char *s)
{
	return plain_copy(curl_easy_escape(NULL, s, 0));
}

char *http_unescape(const char *s)
{
	int len = 0;
	char *plain = curl_easy_unescape(NULL, s, 0, &len);
	struct buf b = BUF_INIT;

	if (!plain)
		return NULL;
	/* A decoded NUL stays "%00": the text after it is decoded too, not
	 * cut off (a denylist reading the result must see all of it). */
	for (const char *p = plain, *end = plain + len; p < end;) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t run = nul ? (size_t)(nul - p) : (size_t)(end - p);

		buf_add(&b, p, run);
		p += run;
		if (nul) {
			buf_adds(&b, "%00");
			p++;
		}
	}
	curl_free(plain);
	return buf_detach(&b);
}

const char *http_library_versions(void)
{
	static char text[600];
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	unsigned y = (unsigned)yajl_version();

	/* What a bug report needs: libcurl, its TLS backend, whether it can
	 * speak Kerberos (SPNEGO over GSS-API), and the streaming parser. */
	snprintf(text, sizeof text, "libcurl %s (TLS %s, GSS-API %s, SPNEGO %s), yajl %u.%u.%u",
	         v->version, v->ssl_version ? v->ssl_version : "none",
	         (v->features & CURL_VERSION_GSSAPI) ? "yes" : "no",
	         (v->features & CURL_VERSION_SPNEGO) ? "yes" : "no", y / 10000, y / 100 % 100,
	         y % 100);
	return text;
}
