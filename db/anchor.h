/* The audit log's anchor: what the inventory's owner last saw at the head
 * of the chain, kept outside the inventory (in the state directory, see
 * util/statedir) and MAC'd with a per-user key that lives there too, so
 * that someone who can write the inventory but not the state directory
 * cannot truncate or recompute the chain unnoticed.
 *
 * Files, all 0600 in a 0700 directory:
 *   audit.key             32 random bytes, hex (HMAC-SHA256 key)
 *   anchor-<sha256(realpath of the inventory)>
 *                         text: the inventory's path, the rows that
 *                         predate the key, the committed head and the
 *                         pending head, and a MAC over all of it
 *
 * Crash ordering: an append writes the anchor *before* its transaction
 * commits, with the new row as "pending" beside the committed head, and
 * moves pending to committed after the commit. Whatever the crash point,
 * the log's last row is one of the two, so verify never reports a false
 * tampering, and no row is ever outside the MAC. */
#ifndef OW_DB_ANCHOR_H
#define OW_DB_ANCHOR_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct anchor_key {
	unsigned char k[32];
	char id[17];   /* first 16 hex digits of SHA-256(key): names the key */
};

struct anchor {
	char *path;          /* the inventory, absolute (owned) */
	int64_t since;       /* rows 1..since were written before the key */
	int64_t created;     /* when the anchor was first made */
	int64_t seq;         /* committed head */
	char hash[65];
	int64_t pend_seq;    /* pending head, 0 when none */
	char pend_hash[65];
};

enum anchor_state {
	ANCHOR_OK,
	ANCHOR_NONE,      /* no anchor file for this inventory */
	ANCHOR_FORGED,    /* its MAC does not match the key */
	ANCHOR_DAMAGED,   /* unreadable or not in the expected form */
};

/* Loads the key; with create, makes a new one when there is none.
 * Returns 0, 1 when it does not exist (and create is false), or an error
 * kind. */
int anchor_key_load(bool create, struct anchor_key *key, struct ow_err *err);

/* The anchor file's path for the inventory at inv_path, and the path
 * key (realpath) in *abs; both new strings. */
int anchor_file_for(const char *inv_path, char **file, char **abs, struct ow_err *err);

/* Reads file into *a (a->path owned by a; anchor_clear). */
enum anchor_state anchor_read(const struct anchor_key *key, const char *file,
                              struct anchor *a);
void anchor_clear(struct anchor *a);

/* Writes *a to file atomically (a temporary file renamed over it). */
int anchor_write(const struct anchor_key *key, const char *file, const struct anchor *a,
                 struct ow_err *err);

/* HMAC-SHA256 of data under key, hex. 0 or -1. */
int anchor_mac(const struct anchor_key *key, const char *data, size_t len, char out[65]);

#endif
