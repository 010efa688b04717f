/* A page from the site: the repair, the parser and the row mapping of
 * every class osdwarden reads, into an inventory (rolled back each time);
 * for the streamed classes the streaming parser too.
 * The first byte picks the class. Never a crash, never a leak. */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/adminservice.h"
#include "backend/sync.h"
#include "db/db.h"
#include "fuzz.h"
#include "util/buf.h"

static struct inv *db;
static char dir[] = "/tmp/osdwarden-fuzz-XXXXXX";

static void remove_inventory(void)
{
	static const char *const files[] = { "inv.db", "inv.db-wal", "inv.db-shm" };
	char path[64];

	inv_close(db);
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void open_inventory(void)
{
	char path[64];
	struct inv_open_opts o = { 0 };
	struct ow_err e = { 0 };

	if (db || !mkdtemp(dir))
		return;
	snprintf(path, sizeof path, "%s/inv.db", dir);
	o.path = path;
	if (inv_open(&o, &db, &e) != 0)
		abort();
	atexit(remove_inventory);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf body = BUF_INIT;
	json_t *root = NULL, *rows = NULL;
	const char *next = NULL;
	struct ow_err e = { 0 };
	const struct as_class *c;

	if (size < 1)
		return 0;
	open_inventory();
	c = as_class_at(data[0] % as_class_count());
	buf_add(&body, data + 1, size - 1);
	if (as_parse_page(&body, &root, &rows, &next, &e) == 0 && db) {
		if (inv_begin(db, &e) == 0) {
			sync_map_rows(db, c->name, rows, 1700000000, &e);
			inv_rollback(db);
		}
	}
	json_decref(root);
	buf_free(&body);
	/* the streaming parser of the big flat classes, on the same bytes */
	if (db && c->stream && inv_begin(db, &e) == 0) {
		sync_map_page(db, c->name, (const char *)data + 1, size - 1, 1700000000, true, &e);
		inv_rollback(db);
	}
	return 0;
}
