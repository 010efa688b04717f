/* osdwarden-lab: an AdminService emulator over a generated site. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

#include "lab/server.h"
#include "lab/site.h"
#include "util/num.h"
#include "util/opttab.h"

/* The options, declared once: getopt_long, --help and --man read them. */
static const struct ow_opt lab_opts[] = {
	{ "port", 0, 'p', "N", NULL, NULL,
	  "the port on 127.0.0.1 (0, the default: any free one, printed)" },
	{ "scale", 0, 's', "S", NULL, NULL, "how big the generated site is (1 to 100000; default 1)" },
	{ "seed", 0, 'S', "N", NULL, NULL, "the generator's seed: the same seed, the same site" },
	{ "now", 0, 'N', "EPOCH", NULL, NULL,
	  "the site's present, in Unix seconds (default today, 00:00 UTC)" },
	{ "tls", 0, 'T', NULL, NULL, NULL, "HTTPS, the default" },
	{ "plain", 0, 'P', NULL, NULL, NULL,
	  "plain HTTP, for osdwarden --plain-http-test-lab on this machine" },
	{ "ca-out", 0, 'c', "FILE", NULL, NULL, "write the lab's CA certificate (PEM) to FILE" },
	{ "auth", 0, 'a', "negotiate|basic|none", NULL, NULL,
	  "negotiate (the default) is the real service's only way in: Kerberos through SPNEGO, "
	  "checked on every request against the key of HTTP/localhost in --keytab (use "
	  "https://localhost:PORT, the name of the certificate and of the SPN); basic exists in "
	  "the lab only, never on a real site; NTLM is refused (401) as sites from 2509 on do" },
	{ "keytab", 0, 'k', "F", NULL, NULL, "the key of HTTP/localhost (default $KRB5_KTNAME)" },
	{ "user", 0, 'u', "U", NULL, NULL,
	  "the principal with a role (name or name@REALM; default labadmin); any other "
	  "authenticates without one and reads 404" },
	{ "password", 0, 'w', "P", NULL, NULL,
	  "--auth basic's password (a lab password only; random unless given)" },
	{ "password-file", 0, 'W', "F", NULL, NULL, "--auth basic's password from the file F" },
	{ "norole-user", 0, 'n', "U", NULL, NULL, "an account that authenticates and holds no role" },
	{ "deny", 0, 'D', "CLASS,...", NULL, NULL, "classes the user may not read (404)" },
	{ "deny-writes", 0, 0x100, NULL, NULL, NULL,
	  "the user may read but not write (404 on every write)" },
	{ "faults", 0, 'f', "SPEC", NULL, NULL,
	  "faults to inject, ',' separated, each KIND@P (a share of requests) or KIND@req=N "
	  "(the Nth request), e.g. 500@0.05,429@req=7 or reset@0.01, slow=2s@0.02, "
	  "truncate@req=3, badjson@0.01, repeat-page@req=4, oversize@req=9, lost@req=12 (a "
	  "write done, its answer never sent); the 401 challenge of Negotiate is logged but not "
	  "counted by @req=N" },
	{ "log", 0, 'l', "FILE", NULL, NULL, "one JSON line per request into FILE" },
	{ "state", 0, 't', "FILE", NULL, NULL, "the writes kept in FILE, so they survive a restart" },
	{ "next-link", 0, 'L', NULL, NULL, NULL,
	  "page with @odata.nextLink instead of relying on $top/$skip" },
	{ "page-max", 0, 'm', "N", NULL, NULL, "at most N rows a page, whatever $top asks" },
	{ "metadata-without", 0, 0x200, "CLASS|CLASS.METHOD,...", NULL, NULL,
	  "classes and actions the site does not expose: not in $metadata, 404 when asked" },
	{ "count-offset", 0, 0x201, "N", NULL, NULL,
	  "added to every $count: a site whose count is wrong" },
	{ "latency", 0, 0x210, "MS", NULL, NULL, "every request waits MS before its first byte" },
	{ "rows-per-s", 0, 0x211, "N", NULL, NULL,
	  "a read answers no faster than N rows a second on its connection (with --latency: a "
	  "provider behind WMI and a WAN, for the sync benchmark)" },
	{ "key-forms", 0, 0x202, "parens,segments", NULL, NULL,
	  "how an instance with a composite key may be named in a URL: Class(K=v,...) (parens) "
	  "and Class/v/... (segments, OData 4.01); both unless one is given; single keys take both" },
	{ "print-canaries", 0, 'C', NULL, NULL, NULL,
	  "print the secret canaries the site of --seed holds, one a line, and exit" },
	{ "help", 'h', 'h', NULL, NULL, NULL, "this help" },
	{ "man", 0, 0x300, NULL, NULL, NULL, "the manual page, as roff" },
	{ NULL, 0, 0, NULL, NULL, NULL, NULL },
};

static const char lab_synopsis[] =
	"osdwarden-lab [--port N] [--scale S] [--seed N] [--now EPOCH]\n"
	"              [--tls | --plain] [--ca-out FILE]\n"
	"              [--auth negotiate|basic|none] [--keytab F] [--user U]\n"
	"              [--password-file F]\n"
	"              [--norole-user U] [--deny CLASS,...] [--deny-writes]\n"
	"              [--faults SPEC]\n"
	"              [--log FILE]\n"
	"              [--state FILE] [--next-link] [--page-max N]\n"
	"              [--metadata-without CLASS|CLASS.METHOD,...] [--count-offset N]\n"
	"              [--key-forms parens,segments] [--latency MS] [--rows-per-s N]\n"
	"osdwarden-lab --seed N --print-canaries";

static const char lab_description[] =
	"Serves https://127.0.0.1:PORT/AdminService/ over a generated Configuration Manager "
	"site, the way the AdminService does (OData rows, lazy properties, paging, Negotiate, "
	"404 for an account without a role), with seeded misconfigurations, hostile strings, "
	"secret canaries and injectable faults. It prints its URL, its CA and 'ready' when it "
	"serves, and stops on SIGINT or SIGTERM. It is for trying and testing osdwarden.";

static void usage(FILE *f)
{
	const char *line = lab_synopsis;

	for (bool first = true; *line; first = false) {
		size_t n = strcspn(line, "\n");
		fprintf(f, "%s%.*s\n", first ? "usage: " : "       ", (int)n, line);
		line += n + (line[n] == '\n');
	}
	fputc('\n', f);
	ow_text_print(f, lab_description, 0, 80);
	fputs("\noptions:\n", f);
	ow_opt_print(f, lab_opts, NULL, 80);
}

static void man_page(FILE *f)
{
	char date[32];

	ow_man_date(date, sizeof date);
	fprintf(f, ".TH OSDWARDEN\\-LAB 1 %s \"osdwarden %s\" \"User Commands\"\n", date,
	        OSDWARDEN_VERSION);
	fputs(".SH NAME\nosdwarden\\-lab \\- an emulator of the Configuration Manager "
	      "AdminService, for osdwarden\n.SH SYNOPSIS\n.nf\n", f);
	ow_roff_text(f, lab_synopsis);
	fputs("\n.fi\n.SH DESCRIPTION\n", f);
	ow_roff_text(f, lab_description);
	fputs("\n.SH OPTIONS\n", f);
	ow_opt_roff(f, lab_opts, NULL);
	fputs(".SH EXIT STATUS\n0 when stopped by a signal (or after --print-canaries); 2 for "
	      "a bad option or when it cannot serve.\n.SH SEE ALSO\n.BR osdwarden (1).\n"
	      "For --auth negotiate, \\fBosdwarden\\-krbrealm start\\fR \\fIDIR\\fR starts a "
	      "throwaway Kerberos realm on loopback (its usage is the script's header).\n", f);
}

static long number(const char *opt, const char *v, long min, long max)
{
	long x;

	if (num_parse_long(v, min, max, &x) != 0) {
		fprintf(stderr, "osdwarden-lab: %s wants a number from %ld to %ld, not '%s'\n",
		        opt, min, max, v);
		exit(2);
	}
	return x;
}

static char *read_password_file(const char *path)
{
	char buf[256];
	FILE *f = fopen(path, "r");

	if (!f || !fgets(buf, sizeof buf, f)) {
		fprintf(stderr, "osdwarden-lab: cannot read a password from %s\n", path);
		exit(2);
	}
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return strdup(buf);
}

static char *random_password(void)
{
	unsigned char r[12];
	char *p = malloc(25);
	FILE *f = fopen("/dev/urandom", "rb");

	if (!p || !f || fread(r, 1, sizeof r, f) != sizeof r) {
		fprintf(stderr, "osdwarden-lab: cannot read /dev/urandom\n");
		exit(2);
	}
	fclose(f);
	for (int i = 0; i < 12; i++)
		snprintf(p + 2 * i, 3, "%02x", r[i]);
	return p;
}

int main(int argc, char **argv)
{
	struct ow_getopt g;
	struct lab_config cfg = { .user = "labadmin" };
	struct lab_site site;
	struct lab_server *srv;
	uint64_t seed = 1;
	int scale = 1, opt, sig;
	int64_t now = (int64_t)time(NULL) / 86400 * 86400;   /* today, 00:00 UTC */
	bool canaries = false;
	char *password = NULL, err[512];
	struct timespec t0, t1;
	sigset_t set;

	ow_getopt_init(&g, lab_opts, NULL);
	while ((opt = getopt_long(argc, argv, g.shorts, g.longopts, NULL)) != -1) {
		switch (opt) {
		case 'p': cfg.port = (uint16_t)number("--port", optarg, 0, 65535); break;
		case 's': scale = (int)number("--scale", optarg, 1, 100000); break;
		case 'S': seed = (uint64_t)number("--seed", optarg, 0, 2147483647L); break;
		case 'N': now = number("--now", optarg, 86400, 253402300799L); break;
		case 'T': cfg.plain = false; break;
		case 'P': cfg.plain = true; break;
		case 'c': cfg.ca_out = optarg; break;
		case 'a':
			cfg.auth_none = strcmp(optarg, "none") == 0;
			cfg.auth_basic = strcmp(optarg, "basic") == 0;
			if (!cfg.auth_none && !cfg.auth_basic && strcmp(optarg, "negotiate") != 0) {
				fprintf(stderr, "osdwarden-lab: --auth is negotiate (the default), "
				        "basic (lab only) or none, not '%s'%s\n", optarg,
				        strcmp(optarg, "ntlm") == 0
				                ? ": sites from 2509 on refuse NTLM, and so does the lab"
				                : "");
				return 2;
			}
			break;
		case 'k': cfg.keytab = optarg; break;
		case 'u': cfg.user = optarg; break;
		case 'w': password = strdup(optarg); break;
		case 'W': password = read_password_file(optarg); break;
		case 'n': cfg.norole_user = optarg; break;
		case 'D': cfg.deny = optarg; break;
		case 0x100: cfg.deny_writes = true; break;
		case 'f': cfg.faults = optarg; break;
		case 'l': cfg.log_path = optarg; break;
		case 't': cfg.state_path = optarg; break;
		case 'L': cfg.next_link = true; break;
		case 'm': cfg.page_max = number("--page-max", optarg, 1, 1000000); break;
		case 0x200: cfg.metadata_without = optarg; break;
		case 0x201: cfg.count_offset = number("--count-offset", optarg, -1000000, 1000000000000L); break;
		case 0x210: cfg.latency_ms = number("--latency", optarg, 0, 60000); break;
		case 0x211: cfg.rows_per_s = number("--rows-per-s", optarg, 1, 100000000); break;
		case 0x202:
			cfg.key_forms = (strstr(optarg, "parens") ? LAB_KEY_PARENS : 0) |
			                (strstr(optarg, "segments") ? LAB_KEY_SEGMENTS : 0);
			if (!cfg.key_forms || strspn(optarg, "parensgmt,") != strlen(optarg)) {
				fprintf(stderr, "osdwarden-lab: --key-forms is parens, segments or both, "
				        "not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'C': canaries = true; break;
		case 'h': usage(stdout); return 0;
		case 0x300: man_page(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (lab_site_generate(&site, seed, scale, now * 1000) != 0) {
		fprintf(stderr, "osdwarden-lab: out of memory generating scale %d\n", scale);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (canaries) {
		printf("%s\n%s\n%s\n%s\n%s\n", site.canary.pxe_blob, site.canary.reserved2,
		       site.canary.variable, site.canary.ts_password, site.canary.masked_value);
		lab_site_free(&site);
		return 0;
	}
	if (!password)
		password = random_password();
	cfg.password = password;
	if (!cfg.auth_none && !cfg.auth_basic && !cfg.keytab)
		cfg.keytab = getenv("KRB5_KTNAME");
	if (cfg.keytab && strncmp(cfg.keytab, "FILE:", 5) == 0)
		cfg.keytab += 5;

	/* Signals are taken by sigwait below; the server threads inherit the
	 * blocked mask so SIGINT/SIGTERM always reach this thread. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (lab_server_start(&site, &cfg, &srv, err, sizeof err) != 0) {
		fprintf(stderr, "osdwarden-lab: %s\n", err);
		lab_site_free(&site);
		free(password);
		return 2;
	}
	printf("osdwarden-lab: seed %llu scale %d: %zu sites, %zu DPs, %zu SMPs, %zu certificates, "
	       "%zu associations (generated in %.0f ms)\n", (unsigned long long)seed, scale,
	       site.nsites, site.ndps, site.nsmps, site.ncerts, site.nassocs,
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	/* Kerberos names the service by host: the client must ask for
	 * HTTP/localhost, so the URL says localhost (which the certificate
	 * names too). */
	printf("url %s://%s:%u/AdminService/\n", cfg.plain ? "http" : "https",
	       cfg.auth_none || cfg.auth_basic ? "127.0.0.1" : "localhost",
	       (unsigned)lab_server_port(srv));
	if (!cfg.plain)
		printf("ca %s\n", cfg.ca_out ? cfg.ca_out : "(not written: use --ca-out FILE)");
	if (cfg.auth_none)
		printf("auth none\n");
	else if (cfg.auth_basic)
		printf("auth basic (lab only)\nuser %s\npassword %s\n", cfg.user, cfg.password);
	else
		printf("auth negotiate (keytab %s)\nuser %s\n", cfg.keytab, cfg.user);
	printf("ready\n");
	fflush(stdout);
	sigwait(&set, &sig);
	fprintf(stderr, "osdwarden-lab: %s, stopping\n", sig == SIGINT ? "interrupted" : "terminated");
	lab_server_stop(srv);
	lab_site_free(&site);
	memset(password, 0, strlen(password));
	free(password);
	return 0;
}
