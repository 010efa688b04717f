/* osdwarden doctor: what stands between this jump host and a working
 * sync, one layer at a time, with what to do about each failure. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backend/adminservice.h"
#include "backend/http.h"
#include "backend/krb.h"
#include "cli/cli.h"
#include "cli/siteopts.h"
#include "db/records.h"
#include "util/sanitize.h"

struct report {
	struct cli *c;
	int failures;
};

static void line(struct report *r, bool ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void line(struct report *r, bool ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	fprintf(r->c->out, "  %-4s %-9s ", ok ? "ok" : "FAIL", what);
	va_start(ap, fmt);
	vfprintf(r->c->out, fmt, ap);
	va_end(ap);
	fputc('\n', r->c->out);
	r->failures += !ok;
}

/* host and port of a URL like https://host[:port]/... */
static int split_url(const char *url, char *host, size_t hn, char *port, size_t pn)
{
	const char *p = strstr(url, "://"), *end, *colon;
	bool https = strncmp(url, "https", 5) == 0;

	if (!p)
		return -1;
	p += 3;
	end = p + strcspn(p, "/");
	colon = memchr(p, ':', (size_t)(end - p));
	if (p[0] == '[') {   /* [IPv6]:port */
		const char *rb = memchr(p, ']', (size_t)(end - p));
		if (!rb)
			return -1;
		snprintf(host, hn, "%.*s", (int)(rb - p - 1), p + 1);
		colon = rb[1] == ':' ? rb + 1 : NULL;
	} else {
		snprintf(host, hn, "%.*s", (int)((colon ? colon : end) - p), p);
	}
	if (colon)
		snprintf(port, pn, "%.*s", (int)(end - colon - 1), colon + 1);
	else
		snprintf(port, pn, "%s", https ? "443" : "80");
	return 0;
}

static bool tcp_connect(const struct addrinfo *ai, int timeout_ms, char *why, size_t wn)
{
	int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol), err = 0;
	struct pollfd p;
	socklen_t len = sizeof err;

	if (fd < 0) {
		snprintf(why, wn, "%s", strerror(errno));
		return false;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
		snprintf(why, wn, "%s", strerror(errno));
		close(fd);
		return false;
	}
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, timeout_ms) != 1) {
		snprintf(why, wn, "no answer within %d s", timeout_ms / 1000);
		close(fd);
		return false;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	close(fd);
	if (err)
		snprintf(why, wn, "%s", strerror(err));
	return err == 0;
}

/* Clock skew from the Date header; Kerberos fails beyond 5 minutes. */
static void clock_skew(struct report *r, const char *date)
{
	struct tm tm = { 0 };
	time_t theirs;
	long skew;

	if (!date[0] || !strptime(date, "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
		line(r, true, "clock", "the site sent no Date header; skew not measured");
		return;
	}
	theirs = timegm(&tm);
	skew = (long)(theirs - time(NULL));
	line(r, labs(skew) <= 300, "clock", "the site's clock is %+ld s from this host's%s", skew,
	     labs(skew) > 300 ? " (Kerberos refuses more than 5 minutes: fix NTP)" : "");
}

/* Keeps the capabilities in the inventory, when there is one to keep them
 * in (doctor never creates an inventory, and --read-only writes nothing). */
static bool keep_capabilities(struct report *r, const char *base, const json_t *caps)
{
	struct inv_open_opts o = { .path = r->c->db_path };
	struct ow_err e = { 0 };
	struct inv *db = NULL;
	char *path = r->c->db_path ? NULL : inv_default_path(&e);
	char *text = json_dumps(caps, JSON_COMPACT);
	bool kept = false;

	if (!r->c->read_only && text && access(r->c->db_path ? r->c->db_path : path ? path : "",
	                                       F_OK) == 0) {
		o.path = r->c->db_path ? r->c->db_path : path;
		if (inv_open(&o, &db, &e) == 0 && inv_begin(db, &e) == 0) {
			if (inv_put_capabilities(db, base, inv_now(), text, &e) == 0 && inv_commit(db, &e) == 0)
				kept = true;
			else
				inv_rollback(db);
		}
		inv_close(db);
	}
	free(text);
	free(path);
	return kept;
}

/* What the site's own wmi/$metadata exposes: the classes osdwarden reads,
 * and the methods its writes call with the parameters the site declares. */
static void check_metadata(struct report *r, struct http_client *h, const char *base)
{
	struct ow_err e = { 0 };
	json_t *caps = NULL;
	size_t missing = 0;

	if (as_caps_fetch(h, base, &caps, &e) != 0 || !caps) {
		line(r, false, "metadata", "%s/wmi/$metadata: %s", base,
		     e.msg[0] ? e.msg : "not CSDL: what the site exposes stays unknown");
		return;
	}
	for (size_t i = 0; i < as_class_count(); i++) {
		const struct as_class *c = as_class_at(i);
		if (as_caps_has_class(caps, c->name))
			continue;
		/* An optional class missing is worth knowing, not a failure. */
		if (c->optional)
			line(r, true, "class", "%s is not exposed by this site (optional: %s): the checks "
			     "that consult it ask for an attestation instead", c->name, c->why);
		else
			line(r, false, "class", "%s is not exposed by this site (needed for %s): sync skips "
			     "it and the checks that need it say error", c->name, c->why);
		missing += !c->optional;
	}
	line(r, missing == 0, "classes", "%zu of %zu classes osdwarden reads are exposed by the "
	     "site's $metadata", as_class_count() - missing, as_class_count());
	for (int k = AS_BLOCK_CERTIFICATE; k <= AS_UPDATE_BOOT_IMAGE; k++) {
		const struct as_write *w = as_write_find((enum as_write_kind)k);
		char why[400] = "";
		json_t *params = w && w->method ? as_caps_action(caps, w->method) : NULL, *v;
		size_t i;

		if (!w || !w->method)
			continue;
		if (as_caps_allows(caps, w, why, sizeof why) == 1) {
			struct buf b = BUF_INIT;
			json_array_foreach(params, i, v)
				buf_addf(&b, "%s%s", i ? ", " : "", json_string_value(v));
			fprintf(r->c->out, "  %-4s %-9s %s(%s) is exposed over REST\n", "ok", "method",
			        w->method, buf_str(&b));
			buf_free(&b);
		} else {
			fprintf(r->c->out, "  %-4s %-9s %s: that write is refused, nothing sent. Instead, "
			        "the console: %s; PowerShell: %s\n", "n/a", "method", why, w->console,
			        w->cmdlet);
		}
	}
	if (keep_capabilities(r, base, caps))
		fprintf(r->c->out, "  %-4s %-9s what the site exposes is kept in the inventory for the "
		        "writes and the next sync\n", "info", "metadata");
	json_decref(caps);
}

/* The canonical name of host when DNS gives it under another name (a
 * CNAME): Kerberos asks for HTTP/<the name in the URL>. */
static bool dns_alias_of(const char *host, char *canon, size_t n)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_CANONNAME }, *ai = NULL;
	bool alias = false;

	canon[0] = '\0';
	if (getaddrinfo(host, NULL, &hints, &ai) == 0 && ai && ai->ai_canonname) {
		snprintf(canon, n, "%s", ai->ai_canonname);
		alias = strcasecmp(canon, host) != 0;
	}
	if (ai)
		freeaddrinfo(ai);
	return alias;
}

/* Before the first request: what the default credential cache holds. */
static void kerberos_ticket(struct report *r, const struct siteopts *so, const char *host)
{
	struct krb_state st;
	struct ow_err e = { 0 };
	char end[64] = "";

	if (so->ticket) {
		line(r, true, "ticket", "%s: a ticket obtained from the password, kept in memory",
		     so->http.user);
		return;
	}
	if (krb_inspect(host, &st, &e) != 0) {
		line(r, false, "ticket", "%s", e.msg);
		return;
	}
	if (st.tgt_end) {
		struct tm tm;
		gmtime_r(&st.tgt_end, &tm);
		strftime(end, sizeof end, "%Y-%m-%d %H:%M UTC", &tm);
	}
	if (!st.principal[0])
		line(r, false, "ticket", "no Kerberos ticket in %s (%s): kinit user@%s",
		     st.ccache[0] ? st.ccache : "the default cache", st.why, st.host_realm);
	else if (st.expired)
		line(r, false, "ticket", "the ticket of %s in %s expired (%s): kinit %s", st.principal,
		     st.ccache, end[0] ? end : "no valid ticket left", st.principal);
	else
		line(r, true, "ticket", "%s in %s, valid until %s", st.principal, st.ccache,
		     end[0] ? end : "(no ticket-granting ticket)");
	if (st.principal[0] && strcmp(st.realm, st.host_realm) != 0)
		line(r, false, "realm", "the ticket is for realm %s, the site's service %s is in %s "
		     "(a trust between them is needed)", st.realm, st.spn, st.host_realm);
	if (krb_host_is_ip(host))
		line(r, false, "SPN", "%s is an IP address: Kerberos asks for HTTP/%s, which no KDC "
		     "knows; use the provider's FQDN", host, host);
}

/* A 401: the causes, most likely first, each with what to do. */
static void explain_401(struct report *r, const struct siteopts *so, const char *host)
{
	FILE *o = r->c->out;
	char canon[256];

	line(r, false, "auth", "HTTP 401 with --auth %s", http_auth_name(so->http.auth));
	if (so->http.auth == HTTP_AUTH_NEGOTIATE) {
		struct krb_state st;
		struct ow_err e = { 0 };
		bool have = so->ticket || (krb_inspect(host, &st, &e) == 0 && st.principal[0]);
		fprintf(o, "       in order, what makes a Kerberos site answer 401:\n");
		fprintf(o, "       1. no ticket, or an expired one: %s (klist; kinit user@REALM)\n",
		        !have ? "there is NO ticket" : so->ticket ? "a ticket is in memory"
		        : st.expired ? "the ticket has EXPIRED" : "a valid ticket is there");
		fprintf(o, "       2. the wrong realm: the ticket's realm must be the site's or "
		        "trusted by it%s%s%s\n", have && !so->ticket ? " (ticket: " : "",
		        have && !so->ticket ? st.realm : "", have && !so->ticket ? ")" : "");
		fprintf(o, "       3. the wrong SPN: this URL asks the KDC for HTTP/%s; the SMS "
		        "Provider's SPN is HTTP/<its FQDN>", host);
		if (krb_host_is_ip(host))
			fprintf(o, " -- %s is an IP address, which never matches", host);
		else if (dns_alias_of(host, canon, sizeof canon))
			fprintf(o, " -- %s is a DNS alias (CNAME) of %s: use that name", host, canon);
		fprintf(o, "\n");
	} else {
		fprintf(o, "       check --user and the password or token\n");
	}
	fprintf(o, "       %s NTLM: sites from 2509 (build 9141) on refuse it (AdminService.log: "
	        "\"Rejecting NTLM authentication.\"); only Kerberos gets in\n",
	        so->http.auth == HTTP_AUTH_NEGOTIATE ? "4." : "-");
	fprintf(o, "       %s a site whose SMS Provider authentication level is \"Windows Hello for "
	        "Business\" or \"Certificate\" requires an MFA claim that a ticket from a Linux "
	        "kinit does not carry: such a site refuses this host whatever the ticket\n",
	        so->http.auth == HTTP_AUTH_NEGOTIATE ? "5." : "-");
}

static int run_doctor(struct report *r, struct siteopts *so)
{
	struct ow_err e = { 0 };
	char host[256], port[16], why[256], addr[INET6_ADDRSTRLEN] = "?";
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	struct http_client *h = NULL;
	struct http_resp resp;
	char *base = as_base_url(so->provider, &e), *url;
	int rc;

	if (!base)
		return cli_fail(r->c, &e);
	fprintf(r->c->out, "osdwarden doctor: %s\n", base);
	if (split_url(base, host, sizeof host, port, sizeof port) != 0)
		return cli_usage(r->c, "doctor", "cannot read a host out of %s", base);
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		line(r, false, "DNS", "%s does not resolve (%s)", host, gai_strerror(rc));
		free(base);
		return OW_ESITE;
	}
	getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof addr, NULL, 0, NI_NUMERICHOST);
	line(r, true, "DNS", "%s -> %s", host, addr);
	if (!tcp_connect(ai, 5000, why, sizeof why)) {
		line(r, false, "TCP", "%s port %s: %s (firewall? is the SMS Provider running?)",
		     addr, port, why);
		freeaddrinfo(ai);
		free(base);
		return OW_ESITE;
	}
	freeaddrinfo(ai);
	line(r, true, "TCP", "port %s answers", port);
	if (so->http.auth == HTTP_AUTH_NEGOTIATE)
		kerberos_ticket(r, so, host);
	so->http.max_attempts = 1;
	if (http_client_new(&so->http, &h, &e) != 0) {
		free(base);
		return cli_fail(r->c, &e);
	}
	url = as_metadata_url(base, "v1.0");
	if (http_request(h, "GET", url, NULL, true, &resp, &e) != 0) {
		line(r, false, "TLS", "%s", e.msg);
		rc = OW_ESITE;
		goto out;
	}
	line(r, true, "TLS", so->http.insecure & HTTP_INSECURE_TLS ? "NOT VERIFIED (--insecure)" :
	                     strncmp(base, "https", 5) == 0 ? "the certificate chain verifies"
	                                                     : "plain HTTP (no TLS)");
	clock_skew(r, resp.date);
	if (resp.status == 401) {
		explain_401(r, so, host);
		rc = OW_ESITE;
		goto out;
	}
	line(r, resp.status == 200, "auth", "authenticated with --auth %s (HTTP %ld)",
	     http_auth_name(so->http.auth), resp.status);
	http_resp_free(&resp);
	free(url);
	url = as_page_url(base, as_class_find("SMS_Site"), 0, NULL);
	if (http_request(h, "GET", url, NULL, true, &resp, &e) == 0) {
		rc = as_check_read(&resp, url, true, &e);
		if (rc == AS_NO_ACCESS)
			line(r, false, "RBAC", "%s; the site knows who you are (authenticated) but gives "
			     "this identity no role: ask for a Configuration Manager role for it, in the "
			     "form the site knows it (DOMAIN\\user for user@REALM)", e.msg);
		else
			line(r, rc == 0, "RBAC", rc == 0 ? "the account can read SMS_Site" : "%s", e.msg);
		if (rc == 0) {
			json_t *root, *rows;
			const char *next;
			if (as_parse_page(&resp.body, &root, &rows, &next, &e) == 0) {
				fprintf(r->c->out, "  %-4s %-9s %s\n", "info", "paging",
				        next ? "the service sends @odata.nextLink" :
				               "no @odata.nextLink: osdwarden pages with $top/$skip");
				json_decref(root);
			}
		}
	} else {
		line(r, false, "RBAC", "%s", e.msg);
	}
	http_resp_free(&resp);
	check_metadata(r, h, base);
	fputs("  known unknowns (reference §6): the composite key form of SMS_SCI_SysResUse; "
	      "whether a PUT of SMS_SCI_* commits;\n  the PkgFlags bit for encrypted multicast. "
	      "osdwarden re-reads after every write and reports \"not applied\" when nothing changed.\n",
	      r->c->out);
	rc = r->failures ? OW_ESITE : 0;
out:
	http_resp_free(&resp);
	http_client_free(h);
	free(url);
	free(base);
	return rc;
}

int cmd_doctor(struct cli *c, int argc, char **argv)
{
	struct siteopts so;
	struct report r = { c, 0 };
	int rc = siteopts_parse(c, "doctor", &so, argc, argv);

	if (rc == 0)
		rc = run_doctor(&r, &so);
	siteopts_done(&so);
	return rc < 0 ? 0 : rc;
}
