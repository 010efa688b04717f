/* Provider rows beyond what a sync writes: moving a provider to a new URL
 * when it is known to be the same provider (the demo's lab on a new port),
 * so the sites, the per-class sync results and the history keep one row. */
#ifndef OW_DB_PROVIDERS_H
#define OW_DB_PROVIDERS_H

#include <stdint.h>

#include "db/db.h"
#include "util/err.h"

/* Gives the provider row id the URL url (a base URL as a sync stores it).
 * 0; INV_NOTFOUND (-1) when no row has that id; OW_EINPUT with a message
 * when another row already has url (two rows would then be one). */
int inv_provider_move(struct inv *db, int64_t id, const char *url, struct ow_err *err);

#endif
