/* Figures for osdwarden-lab: site generation time and rows served per
 * second for SMS_StateMigration, paged with $top/$skip over HTTPS and over
 * plain HTTP. Prints numbers; it is not a pass/fail test.
 *
 *   bench_lab [SCALE]      (default 1000: ~200k associations) */
/* memmem: the build sets _XOPEN_SOURCE=700, which hides it. */
#define _GNU_SOURCE 1
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lab/server.h"
#include "lab/site.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct count {
	size_t bytes;
	size_t rows;   /* counted by "@odata.etag" occurrences across chunk edges */
	char tail[16];
};

static size_t sink(char *p, size_t size, size_t n, void *ud)
{
	struct count *c = ud;
	size_t len = size * n;
	char joined[32 + 16];
	const char *needle = "\"@odata.etag\"";
	size_t nl = strlen(needle);

	/* Count rows, including a needle split over two chunks. */
	size_t tl = strlen(c->tail);
	size_t head = len < nl - 1 ? len : nl - 1;
	memcpy(joined, c->tail, tl);
	memcpy(joined + tl, p, head);
	joined[tl + head] = '\0';
	if (tl && strstr(joined, needle))
		c->rows++;
	for (const char *q = p; (q = memmem(q, len - (size_t)(q - p), needle, nl)) != NULL; q += nl)
		c->rows++;
	size_t keep = len < nl - 1 ? len : nl - 1;
	memcpy(c->tail, p + len - keep, keep);
	c->tail[keep] = '\0';
	c->bytes += len;
	return len;
}

static void serve_and_fetch(struct lab_site *site, bool plain, const char *ca_path, int page)
{
	struct lab_config cfg = { .port = 0, .plain = plain, .auth_none = true,
	                          .ca_out = plain ? NULL : ca_path };
	struct lab_server *srv;
	char err[256], url[256];
	struct count c = { 0, 0, "" };
	CURL *h = curl_easy_init();
	double t0, t1;
	long requests = 0;

	if (lab_server_start(site, &cfg, &srv, err, sizeof err) != 0) {
		fprintf(stderr, "bench_lab: %s\n", err);
		exit(1);
	}
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &c);
	if (!plain)
		curl_easy_setopt(h, CURLOPT_CAINFO, ca_path);
	t0 = now_s();
	for (long skip = 0;; skip += page) {
		size_t before = c.rows;
		snprintf(url, sizeof url, "%s://127.0.0.1:%u/AdminService/wmi/SMS_StateMigration"
		         "?$top=%d&$skip=%ld", plain ? "http" : "https",
		         (unsigned)lab_server_port(srv), page, skip);
		curl_easy_setopt(h, CURLOPT_URL, url);
		if (curl_easy_perform(h) != CURLE_OK) {
			fprintf(stderr, "bench_lab: request failed\n");
			break;
		}
		requests++;
		if (c.rows - before < (size_t)page)
			break;
	}
	t1 = now_s();
	printf("%-6s  %8zu rows  %5ld pages of %d  %7.2f s  %9.0f rows/s  %7.1f MB/s\n",
	       plain ? "http" : "https", c.rows, requests, page, t1 - t0,
	       (double)c.rows / (t1 - t0), (double)c.bytes / (t1 - t0) / 1e6);
	curl_easy_cleanup(h);
	lab_server_stop(srv);
}

int main(int argc, char **argv)
{
	int scale = argc > 1 ? atoi(argv[1]) : 1000;
	struct lab_site site;
	char ca[] = "/tmp/bench-lab-ca-XXXXXX";
	double t0, t1;
	int fd = mkstemp(ca);

	if (fd < 0)
		return 1;
	close(fd);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	t0 = now_s();
	if (lab_site_generate(&site, 1, scale, 1780000000000LL) != 0)
		return 1;
	t1 = now_s();
	printf("osdwarden-lab, scale %d: %zu associations, %zu certificates, %zu DPs, %zu SMPs\n",
	       scale, site.nassocs, site.ncerts, site.ndps, site.nsmps);
	printf("generation  %.3f s\n", t1 - t0);
	printf("SMS_StateMigration served, one keep-alive connection:\n");
	serve_and_fetch(&site, false, ca, 1000);
	serve_and_fetch(&site, true, ca, 1000);
	lab_site_free(&site);
	unlink(ca);
	curl_global_cleanup();
	return 0;
}
