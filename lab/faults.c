#include "lab/faults.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/site.h"

static const struct {
	const char *name;
	enum lab_fault_kind kind;
} names[] = {
	{ "500", FAULT_500 }, { "503", FAULT_503 }, { "429", FAULT_429 }, { "401", FAULT_401 },
	{ "reset", FAULT_RESET }, { "slow", FAULT_SLOW }, { "truncate", FAULT_TRUNCATE },
	{ "lost", FAULT_LOST },
	{ "badjson", FAULT_BADJSON }, { "repeat-page", FAULT_REPEAT_PAGE },
	{ "oversize", FAULT_OVERSIZE },
};

const char *lab_fault_name(enum lab_fault_kind k)
{
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].kind == k)
			return names[i].name;
	return "none";
}

/* "2s", "500ms", "1.5s" -> milliseconds; at most 600 s in either unit. */
static int duration_ms(const char *s, size_t n, unsigned *ms)
{
	char buf[32], *end;
	double v;

	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	v = strtod(buf, &end);
	if (errno || end == buf || !(v >= 0))
		return -1;
	if (strcmp(end, "s") == 0 || *end == '\0')
		v *= 1000;
	else if (strcmp(end, "ms") != 0)
		return -1;
	if (v > 600000)
		return -1;
	*ms = (unsigned)v;
	return 0;
}

static int parse_item(const char *item, size_t len, struct lab_fault *f)
{
	const char *at = memchr(item, '@', len), *eq;
	size_t head, i;
	char when[64], *end;

	if (!at)
		return -1;
	head = (size_t)(at - item);
	eq = memchr(item, '=', head);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t nl = strlen(names[i].name);
		if (nl == (eq ? (size_t)(eq - item) : head) && strncmp(item, names[i].name, nl) == 0)
			break;
	}
	if (i == sizeof names / sizeof names[0])
		return -1;
	memset(f, 0, sizeof *f);
	f->kind = names[i].kind;
	if (f->kind == FAULT_SLOW) {
		if (!eq || duration_ms(eq + 1, head - (size_t)(eq - item) - 1, &f->ms) != 0)
			return -1;
	} else if (eq) {
		return -1;
	}
	if (len - head - 1 == 0 || len - head - 1 >= sizeof when)
		return -1;
	memcpy(when, at + 1, len - head - 1);
	when[len - head - 1] = '\0';
	errno = 0;
	if (strncmp(when, "page=", 5) == 0) {
		char *colon = strrchr(when + 5, ':'), *hash = strchr(when + 5, '#');
		f->nth = 1;
		if (hash) {
			*hash = '\0';
			f->nth = strtoul(hash + 1, &end, 10);
			if (errno || *end || f->nth == 0)
				return -1;
		}
		if (!colon || colon == when + 5 || (hash && colon > hash))
			return -1;
		*colon = '\0';
		f->page = strtoul(colon + 1, &end, 10);
		if (errno || *end || f->page == 0 || strlen(when + 5) >= sizeof f->page_class)
			return -1;
		snprintf(f->page_class, sizeof f->page_class, "%s", when + 5);
	} else if (strncmp(when, "path=", 5) == 0) {
		char *hash = strchr(when + 5, '#');
		f->nth = 1;
		if (hash) {
			*hash = '\0';
			f->nth = strtoul(hash + 1, &end, 10);
			if (errno || *end || f->nth == 0)
				return -1;
		}
		if (!when[5] || strlen(when + 5) >= sizeof f->path)
			return -1;
		snprintf(f->path, sizeof f->path, "%s", when + 5);
	} else if (strncmp(when, "req=", 4) == 0) {
		unsigned long r = strtoul(when + 4, &end, 10);
		if (errno || *end || r == 0)
			return -1;
		f->req = r;
	} else {
		double rate = strtod(when, &end);
		if (errno || *end || rate <= 0 || rate > 1)
			return -1;
		f->rate = rate;
	}
	return 0;
}

int lab_faults_parse(const char *spec, uint64_t seed, struct lab_faults *out, char *err,
                     size_t errlen)
{
	const char *p = spec;

	memset(out, 0, sizeof *out);
	out->rng = seed ^ 0xFA017FA017ULL;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (out->n == sizeof out->f / sizeof out->f[0] || parse_item(p, n, &out->f[out->n]) != 0) {
			snprintf(err, errlen, "bad fault '%.*s': want KIND[=ARG]@RATE, KIND@req=N, "
			         "KIND@path=TEXT[#N] or KIND@page=CLASS:P[#N], "
			         "KIND one of 500, 503, 429, 401, reset, lost, slow=DURATION, truncate, badjson, "
			         "repeat-page, oversize", (int)n, p);
			return -1;
		}
		out->n++;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

/* TEXT anywhere in the path, or at its end when TEXT ends in '$'. */
static bool path_matches(const char *path, const char *text)
{
	size_t n = strlen(text), pn;

	if (!path)
		return false;
	if (n == 0 || text[n - 1] != '$')
		return strstr(path, text) != NULL;
	pn = strlen(path);
	return pn >= n - 1 && memcmp(path + pn - (n - 1), text, n - 1) == 0;
}

/* The value of option name ("$skip") in a raw query, or -1. */
static long query_number(const char *query, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = query; p && *p; p = strchr(p, '&'), p = p ? p + 1 : NULL) {
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			char *end;
			long v = strtol(p + n + 1, &end, 10);
			return end == p + n + 1 || v < 0 ? -1 : v;
		}
	}
	return -1;
}

/* A read of page `page` (1-based) of cls: the path ends in "/cls", and
 * $skip is (page - 1) x $top (no $skip: the first page). */
static bool page_matches(const char *path, const char *query, const char *cls,
                         unsigned long page)
{
	size_t pn = path ? strlen(path) : 0, cn = strlen(cls);
	long top = query_number(query, "$top"), skip = query_number(query, "$skip");

	if (pn <= cn || path[pn - cn - 1] != '/' || strcmp(path + pn - cn, cls) != 0)
		return false;
	if (skip < 0)
		skip = 0;
	if (top <= 0)
		return page == 1 && skip == 0;
	return skip % top == 0 && (unsigned long)(skip / top) + 1 == page;
}

struct lab_fault lab_faults_pick(struct lab_faults *fs, unsigned long req, const char *path,
                                 const char *query)
{
	struct lab_fault pick = { .kind = FAULT_NONE };

	for (size_t i = 0; i < fs->n; i++) {
		struct lab_fault *f = &fs->f[i];
		bool hit;
		/* Every placed fault counts every request it matches, whichever
		 * fault that request meets, so that "#2" is the second request
		 * for that place even when the first met another fault. */
		if (f->page_class[0] || f->path[0]) {
			bool at = f->page_class[0] ? page_matches(path, query, f->page_class, f->page)
			                           : path_matches(path, f->path);
			hit = at && ++f->seen == f->nth;
		} else if (pick.kind != FAULT_NONE) {
			continue;
		} else if (f->req) {
			hit = f->req == req;
		} else {
			/* One draw per rated fault per request, up to the first
			 * fault met, keeps the sequence the same for the same
			 * request order. */
			double x = (double)(lab_rng_next(&fs->rng) >> 11) / 9007199254740992.0;
			hit = x < f->rate;
		}
		if (hit && pick.kind == FAULT_NONE)
			pick = *f;
	}
	return pick;
}
