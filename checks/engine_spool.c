/* Where a run's results wait for the reports: an append-only log of
 * records, in memory while it is small and in an unlinked temporary file
 * once it is not (past 2 MiB), so a run over a million associations
 * holds a few MiB of its results, not all of them. Results arrive one
 * check at a time, in catalogue order, so each check's records are one
 * byte range and a report that wants one check reads only that range. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks/engine_int.h"

/* One record: this head, then the strings it has, each with its NUL. */
struct rec {
	uint32_t len[4];          /* type, key, name, evidence incl. NUL; 0: no value */
	uint8_t def, state, sev, flags, baseline;
	uint8_t pad[3];
};
enum { F_WAIVED = 1, F_ATTESTABLE = 2 };
static const char *const baselines[] = { NULL, "new", "unchanged", "fixed" };

uint8_t eng_baseline_code(const char *baseline)
{
	for (uint8_t b = 1; b < 4; b++)
		if (baseline && strcmp(baseline, baselines[b]) == 0)
			return b;
	return 0;
}

const char *eng_baseline_name(uint8_t code)
{
	return code < 4 ? baselines[code] : NULL;
}

#define SPOOL_MEMORY (2u << 20)   /* bytes kept in memory before the file */
#define SPOOL_WRITE (256u << 10)  /* writes to the file go in pieces this big */

struct chk_spool {
	char *mem;                /* the records while in memory, then the write buffer */
	size_t len, cap;
	int fd;                   /* -1 while in memory */
	uint64_t flushed;         /* bytes in the file */
	size_t limit;
	uint64_t first[CHK_MAX], end[CHK_MAX];
	int error;                /* errno of a failed write: the spool cannot be read */
};

struct chk_spool *eng_spool_new(void)
{
	struct chk_spool *sp = calloc(1, sizeof *sp);
	const char *env = getenv("OSDWARDEN_SPOOL_MEMORY");

	if (!sp)
		return NULL;
	sp->fd = -1;
	/* (a test knob: how much stays in memory; at least one record's room) */
	sp->limit = env && *env ? (size_t)strtoul(env, NULL, 10) : SPOOL_MEMORY;
	if (sp->limit < 64)
		sp->limit = 64;
	for (size_t k = 0; k < CHK_MAX; k++)
		sp->first[k] = sp->end[k] = UINT64_MAX;
	return sp;
}

void eng_spool_free(struct chk_spool *sp)
{
	if (!sp)
		return;
	if (sp->fd >= 0)
		close(sp->fd);
	free(sp->mem);
	free(sp);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Moves what is in memory to the file (created unlinked on first use). */
static int spill(struct chk_spool *sp)
{
	if (sp->fd < 0) {
		const char *dir = getenv("TMPDIR");
		char path[4096];
		int n = snprintf(path, sizeof path, "%s/osdwarden-results-XXXXXX",
		                 dir && *dir ? dir : "/tmp");
		if (n < 0 || (size_t)n >= sizeof path) {
			errno = ENAMETOOLONG;
			return -1;
		}
		/* 0600, created anew (O_EXCL), gone from the directory at once,
		 * and not handed to a program osdwarden runs */
		if ((sp->fd = mkstemp(path)) < 0)
			return -1;
		unlink(path);
		fcntl(sp->fd, F_SETFD, FD_CLOEXEC);
	}
	if (write_all(sp->fd, sp->mem, sp->len) != 0)
		return -1;
	sp->flushed += sp->len;
	sp->len = 0;
	/* From now on the memory is only a write buffer: give back the rest. */
	if (sp->cap > 2 * SPOOL_WRITE) {
		free(sp->mem);
		sp->mem = NULL;
		sp->cap = 0;
	}
	return 0;
}

int eng_spool_seal(struct chk_spool *sp)
{
	if (sp->error)
		return -1;
	if (sp->fd >= 0 && sp->len && spill(sp) != 0) {
		sp->error = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

const char *eng_spool_error(const struct chk_spool *sp)
{
	return sp->error ? strerror(sp->error) : NULL;
}

int eng_spool_put(struct chk_spool *sp, const struct chk_result *r)
{
	const char *s[4] = { r->object_type, r->object_key, r->object_name, r->evidence };
	struct rec h = { .def = (uint8_t)chk_index(r->def), .state = (uint8_t)r->state,
		         .sev = (uint8_t)r->sev };
	size_t need = sizeof h;
	uint64_t at;

	if (sp->error)
		return -1;
	for (int i = 0; i < 4; i++) {
		h.len[i] = s[i] ? (uint32_t)strlen(s[i]) + 1 : 0;
		need += h.len[i];
	}
	h.flags = (r->waived ? F_WAIVED : 0) | (r->attestable ? F_ATTESTABLE : 0);
	h.baseline = eng_baseline_code(r->baseline);
	/* In memory up to the limit; past it, the memory is a write buffer. */
	if (sp->len + need > (sp->fd >= 0 ? SPOOL_WRITE : sp->limit) && sp->len + need > need &&
	    spill(sp) != 0) {
		sp->error = errno ? errno : EIO;
		return -1;
	}
	if (sp->len + need > sp->cap) {
		size_t cap = sp->cap ? sp->cap : 64u << 10;
		while (cap < sp->len + need)
			cap *= 2;
		char *m = realloc(sp->mem, cap);
		if (!m) {
			sp->error = ENOMEM;
			return -1;
		}
		sp->mem = m;
		sp->cap = cap;
	}
	at = sp->flushed + sp->len;
	memcpy(sp->mem + sp->len, &h, sizeof h);
	sp->len += sizeof h;
	for (int i = 0; i < 4; i++) {
		memcpy(sp->mem + sp->len, s[i] ? s[i] : "", h.len[i]);
		sp->len += h.len[i];
	}
	if (sp->first[h.def] == UINT64_MAX)
		sp->first[h.def] = at;
	sp->end[h.def] = at + need;
	return 0;
}

/* A reader's window on the spool: records from [pos, end), through a
 * buffer of its own when the records are in the file. */
struct cursor {
	const struct chk_spool *sp;
	uint64_t pos, end;
	char *buf;
	size_t cap, have, at;     /* buffer holds [pos - at, pos - at + have) */
};

/* need bytes at the cursor, or NULL (I/O error or out of memory). */
static const char *window(struct cursor *c, size_t need)
{
	const struct chk_spool *sp = c->sp;

	if (sp->fd < 0)
		return sp->mem + c->pos;
	if (c->at + need <= c->have)
		return c->buf + c->at;
	if (need > c->cap) {
		size_t cap = c->cap ? c->cap : 256u << 10;
		while (cap < need)
			cap *= 2;
		char *b = malloc(cap);
		if (!b)
			return NULL;
		free(c->buf);
		c->buf = b;
		c->cap = cap;
	}
	/* refill from the record's start */
	c->have = 0;
	c->at = 0;
	uint64_t left = c->end - c->pos;
	size_t want = left < c->cap ? (size_t)left : c->cap;
	while (c->have < want) {
		ssize_t r = pread(sp->fd, c->buf + c->have, want - c->have, (off_t)(c->pos + c->have));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return NULL;
		c->have += (size_t)r;
	}
	return c->have >= need ? c->buf : NULL;
}

static int each_range(const struct chk_spool *sp, uint64_t from, uint64_t to,
                      int (*fn)(void *ctx, const struct chk_result *r), void *ctx)
{
	struct cursor c = { .sp = sp, .pos = from, .end = to };
	int rc = 0;

	while (rc == 0 && c.pos < c.end) {
		const char *p = window(&c, sizeof(struct rec));
		struct rec h;
		size_t need = sizeof h;
		if (!p) {
			rc = -1;
			break;
		}
		memcpy(&h, p, sizeof h);
		for (int i = 0; i < 4; i++)
			need += h.len[i];
		if (h.def >= chk_count() || !(p = window(&c, need))) {
			rc = -1;
			break;
		}
		struct chk_result r = { .def = chk_at(h.def), .state = (enum chk_state)h.state,
			                .sev = (enum chk_sev)h.sev, .waived = h.flags & F_WAIVED,
			                .attestable = h.flags & F_ATTESTABLE,
			                .baseline = eng_baseline_name(h.baseline) };
		char *field[4];
		const char *q = p + sizeof h;
		for (int i = 0; i < 4; i++) {
			field[i] = h.len[i] ? (char *)q : NULL;
			q += h.len[i];
		}
		r.object_type = field[0];
		r.object_key = field[1];
		r.object_name = field[2];
		r.evidence = field[3];
		c.pos += need;
		c.at += need;
		rc = fn(ctx, &r);
	}
	free(c.buf);
	return rc;
}

int chk_run_each(const struct chk_run *run, int check,
                 int (*fn)(void *ctx, const struct chk_result *r), void *ctx)
{
	const struct chk_spool *sp = run->spool;

	if (!sp)
		return 0;   /* a run that failed or was freed: no results */
	if (sp->error)
		return -1;
	if (check >= (int)CHK_MAX)
		return 0;
	if (check >= 0)
		return sp->first[check] == UINT64_MAX
		               ? 0 : each_range(sp, sp->first[check], sp->end[check], fn, ctx);
	return each_range(sp, 0, sp->flushed + (sp->fd >= 0 ? 0 : sp->len), fn, ctx);
}
