/* What the lab server's parts share, inside lab/ only (lab/server.h is the
 * public face for lab/main.c and the tests): the server's state, the answer
 * a request builds, the helpers that shape an answer, and the router the
 * journal replays writes through. The router, and all it calls, runs with
 * srv->lock held. */
#ifndef OW_LAB_SERVER_INT_H
#define OW_LAB_SERVER_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "lab/classes.h"
#include "lab/faults.h"
#include "lab/server.h"
#include "lab/tls.h"
#include "util/buf.h"

struct MHD_Connection;
struct MHD_Daemon;
struct lab_negotiate;

/* etag -> object index for one class, built on the first lookup. */
struct keymap {
	const struct lab_class *cls;
	char **keys;
	size_t *idx;
	size_t cap;
};

struct lab_server {
	struct MHD_Daemon *d;
	struct lab_site *site;
	struct lab_config cfg;
	struct lab_tls tls;
	struct lab_faults faults;
	struct lab_negotiate *nego; /* NULL unless --auth negotiate */
	pthread_mutex_t lock;       /* the site, key maps, counters, journal */
	unsigned long requests;
	unsigned inflight;          /* requests being answered now (the log's "inflight") */
	struct timespec started;    /* CLOCK_MONOTONIC: the log's "at" counts from it */
	struct keymap maps[32];
	size_t nmaps;
	json_t *journal;            /* successful writes, replayed from --state */
	FILE *log;
	pthread_mutex_t log_lock;
	uint16_t port;
	bool page_max_set;          /* --page-max given: it caps every page, whatever $top says */
	/* $orderby on key properties only: the order is computed once (keys
	 * never change and objects are never added), so paging a big class
	 * costs no sort per page. */
	struct order_cache { const struct lab_class *cls; char by[256]; size_t *perm; } orders[32];
	size_t norders;
};

/* A response before it goes on the wire. */
struct answer {
	unsigned status;
	struct buf body;
	const char *type;
	int retry_after;           /* seconds; 0 = no header */
	bool www_auth;
	char *nego_reply;          /* the acceptor's token for a 2xx/4xx after Negotiate */
	size_t rows;               /* rows a read served (--rows-per-s paces them) */
};

/* An OData error body ({"error":{"code":"<status>","message":msg}}). */
void lab_answer_error(struct answer *a, unsigned status, const char *msg);
/* j as the answer's JSON body, the lab's lone-surrogate token written as
 * the escape a .NET service sends; j stays the caller's. */
void lab_answer_json(struct answer *a, json_t *j);
/* "http[s]://<Host>/AdminService" as the client addressed it. */
void lab_base_url(struct MHD_Connection *c, const struct lab_server *srv, struct buf *out);

/* Handles one request whose auth has passed; the caller holds the lock.
 * c is NULL when a journal entry is replayed at start. */
void lab_route(struct lab_server *srv, struct MHD_Connection *c, const char *method,
               const char *path, const char *query, const char *upload,
               const struct lab_fault *fault, struct answer *a);

#endif
