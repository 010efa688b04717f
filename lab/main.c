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

static void usage(FILE *f)
{
	fputs("usage: osdwarden-lab [--port N] [--scale S] [--seed N] [--now EPOCH]\n"
	      "                     [--tls | --plain] [--ca-out FILE]\n"
	      "                     [--auth negotiate|basic|none] [--keytab F] [--user U]\n"
	      "                     [--password-file F]\n"
	      "                     [--norole-user U] [--deny CLASS,...] [--deny-writes]\n"
	      "                     [--faults SPEC]\n"
	      "                     [--log FILE]\n"
	      "                     [--state FILE] [--next-link] [--page-max N]\n"
	      "                     [--metadata-without CLASS|CLASS.METHOD,...] [--count-offset N]\n"
	      "                     [--key-forms parens,segments] [--latency MS] [--rows-per-s N]\n"
	      "       osdwarden-lab --seed N --print-canaries\n\n"
	      "Serves https://127.0.0.1:PORT/AdminService/ over a generated Configuration\n"
	      "Manager site (--port 0: any free port, printed).\n"
	      "--auth negotiate (the default) is the real service's only way in: Kerberos\n"
	      "through SPNEGO, checked on every request against the key of HTTP/localhost in\n"
	      "--keytab F (or $KRB5_KTNAME); use https://localhost:PORT, the name of the\n"
	      "certificate and of the SPN. --user names the principal with a role (name or\n"
	      "name@REALM); any other principal authenticates without one (404).\n"
	      "NTLM is refused (401, 'Rejecting NTLM authentication.'), as sites from 2509 do.\n"
	      "--auth basic exists in the lab only, never on a real site: the password is\n"
	      "random unless --password or --password-file gives one.\n"
	      "--key-forms: how an instance with a composite key may be named in a URL,\n"
	      "Class(K=v,...) (parens) and Class/v/... (segments, OData 4.01); both unless\n"
	      "one is given. Single keys take both.\n"
	      "--latency MS: every request waits MS before its first byte; --rows-per-s N: a\n"
	      "read answers no faster than N rows a second on its connection (a provider\n"
	      "behind WMI and a WAN, for the sync benchmark).\n"
	      "The 401 challenge of Negotiate is logged but not counted by --faults @req=N.\n"
	      "--faults, e.g.\n"
	      "  500@0.05,429@req=7,reset@0.01,slow=2s@0.02,truncate@req=3,badjson@0.01,\n"
	      "  repeat-page@req=4,oversize@req=9,lost@req=12 (a write done, its answer never sent)\n", f);
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
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "scale", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "now", required_argument, NULL, 'N' },
		{ "tls", no_argument, NULL, 'T' },
		{ "plain", no_argument, NULL, 'P' },
		{ "ca-out", required_argument, NULL, 'c' },
		{ "auth", required_argument, NULL, 'a' },
		{ "keytab", required_argument, NULL, 'k' },
		{ "user", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'w' },
		{ "password-file", required_argument, NULL, 'W' },
		{ "norole-user", required_argument, NULL, 'n' },
		{ "deny", required_argument, NULL, 'D' },
		{ "deny-writes", no_argument, NULL, 0x100 },
		{ "faults", required_argument, NULL, 'f' },
		{ "log", required_argument, NULL, 'l' },
		{ "state", required_argument, NULL, 't' },
		{ "next-link", no_argument, NULL, 'L' },
		{ "page-max", required_argument, NULL, 'm' },
		{ "metadata-without", required_argument, NULL, 0x200 },
		{ "count-offset", required_argument, NULL, 0x201 },
		{ "latency", required_argument, NULL, 0x210 },
		{ "rows-per-s", required_argument, NULL, 0x211 },
		{ "key-forms", required_argument, NULL, 0x202 },
		{ "print-canaries", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
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

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
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
		case 0x201: cfg.count_offset = number("--count-offset", optarg, -1000000, 1000000); break;
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
