/* Sync: read a site through its AdminService into the inventory, in one
 * transaction, so a failure leaves the previous inventory exactly as it
 * was. No secret is ever stored. */
#ifndef OW_BACKEND_SYNC_H
#define OW_BACKEND_SYNC_H

#include <stdbool.h>
#include <stddef.h>

#include "backend/http.h"
#include "db/db.h"
#include "util/err.h"

struct sync_progress {
	const char *cls;      /* the class being read */
	size_t rows;          /* rows of it so far */
	long long total;      /* what the site's $count said, -1 when unknown */
	double rows_per_s;
	bool done;            /* this class is finished */
};

/* Called as pages arrive and when a class is done. A non-zero return
 * aborts the sync: it stops and writes nothing, like any failure. */
typedef int (*sync_progress_fn)(void *ctx, const struct sync_progress *p);

struct sync_opts {
	const char *provider;       /* as the operator typed it */
	const char *site;           /* NULL: every site the provider shows */
	const char *profile;        /* the configuration profile used, recorded on the provider */
	struct http_opts http;
	int concurrency;            /* requests in flight at once, all classes, default 4 */
	int prefetch;               /* pages of one class in flight, default concurrency */
	sync_progress_fn progress;
	void *progress_ctx;
};

struct sync_result {
	size_t rows;                /* rows stored, all classes */
	size_t classes;             /* classes read */
	size_t denied;              /* classes refused for lack of a role (404) */
	char denied_names[512];
	size_t unexposed;           /* classes the site's $metadata does not list: not read */
	char unexposed_names[512];
	double seconds;
};

/* Returns 0 (everything read), OW_EPARTIAL (committed, but some classes
 * were refused: their checks will say "error"), or an error kind with a
 * message naming the class, the URL and the reason; then nothing was
 * written. */
int sync_run(struct inv *db, const struct sync_opts *o, struct sync_result *res,
             struct ow_err *err);

/* The row mapping alone, for the fixture tests: maps every row of `rows`
 * (a JSON array in the shape of class cls) into db inside the caller's
 * transaction, as a sync would. Lazy properties present in the rows are
 * used. Returns 0 or an error kind. */
int sync_map_rows(struct inv *db, const char *cls, void *rows_json, int64_t now,
                  struct ow_err *err);
/* The same for a whole page (the service's JSON envelope) through the
 * parser a sync uses for that class: the streaming one for the big flat
 * classes, the DOM for the rest. The tests and the fuzzer drive both
 * paths with it. Returns 0 or an error kind (the page stays unparsed). */
int sync_map_page(struct inv *db, const char *cls, const char *body, size_t len, int64_t now,
                  bool stream, struct ow_err *err);

#endif
