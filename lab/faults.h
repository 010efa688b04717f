/* Fault injection: --faults "500@0.05,429@req=7,reset@0.01,slow=2s@0.02,
 * truncate@req=3,badjson@0.01,repeat-page@req=4,oversize@req=9". Each
 * "lost@req=N" carries a write out and never answers it. Each
 * fault fires at a rate (deterministic from the seed and the request
 * order), on one request number (1-based, counting every request), on
 * the Nth request (default the first) whose path holds a text
 * ("slow=7s@path=SMS_StateMigration#2": that class in the second sync, a
 * place that does not move when the number of requests does), or on the
 * Nth request (default the first) for one page of a class, by its $skip
 * and $top ("500@page=SMS_StateMigration:3#2": the second time its third
 * page is asked for). A client that reads classes and pages at once
 * reorders requests: by path or page, a fault stays where it was put. */
#ifndef OW_LAB_FAULTS_H
#define OW_LAB_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lab_fault_kind {
	FAULT_NONE,
	FAULT_500, FAULT_503, FAULT_429,
	FAULT_RESET,        /* close the connection without an answer */
	FAULT_SLOW,         /* the body trickles out over `ms` */
	FAULT_TRUNCATE,     /* half the body, then the connection drops */
	FAULT_BADJSON,      /* 200 with a body that is not JSON */
	FAULT_REPEAT_PAGE,  /* the first page again, whatever was asked */
	FAULT_OVERSIZE,     /* a row with a field far over any sane cap */
	FAULT_LOST,         /* the request is carried out, then the connection
	                       closes without an answer (a timeout after sending) */
	FAULT_401,          /* an authentication failure in the middle of a session */
};

struct lab_fault {
	enum lab_fault_kind kind;
	unsigned ms;        /* FAULT_SLOW */
	double rate;        /* 0 when req or path is used */
	unsigned long req;
	char path[48];      /* "@path=TEXT[#N]": the Nth request whose path holds TEXT
	                       (ends with it, when TEXT ends in '$') */
	char page_class[48];  /* "@page=CLASS:P[#N]": the Nth request for page P of CLASS */
	unsigned long page;
	unsigned long nth, seen;
};

struct lab_faults {
	struct lab_fault f[16];
	size_t n;
	uint64_t rng;
};

/* 0, or -1 with a message naming the bad item. */
int lab_faults_parse(const char *spec, uint64_t seed, struct lab_faults *out, char *err,
                     size_t errlen);

/* The fault for request number req to path with query (the raw text
 * after '?', or ""); first match wins, or FAULT_NONE. Not thread-safe:
 * call under the server lock. */
struct lab_fault lab_faults_pick(struct lab_faults *fs, unsigned long req, const char *path,
                                 const char *query);

const char *lab_fault_name(enum lab_fault_kind k);

#endif
