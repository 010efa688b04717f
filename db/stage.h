/* A sync's staging area: a private copy of the tables a sync owns, beside
 * the inventory, so that the network read never holds the inventory's
 * write lock. The sync writes into the stage as if it were the inventory;
 * at the end the stage replaces those tables in one short transaction,
 * unless something that changes them (an action, another sync) committed
 * since the copy was taken: then the stage is stale and must be read again.
 *
 *   inv_stage_open      copy the sync's tables out of the inventory
 *   ... sync into the stage (an ordinary struct inv) ...
 *   inv_stage_apply     lock the inventory, check, replace the tables; the
 *                       caller's transaction stays open for its audit row
 *   inv_commit(live) or inv_rollback(live)
 *   inv_stage_close     detach, close and delete the stage
 */
#ifndef OW_DB_STAGE_H
#define OW_DB_STAGE_H

#include <stdbool.h>

#include "db/db.h"

/* A new stage for live: a private file beside it (0600, removed by
 * inv_stage_close) holding the tables a sync writes, copied from one
 * consistent read of live. *stage is owned by the caller. */
int inv_stage_open(struct inv *live, struct inv **stage, struct ow_err *err);

/* Takes live's write lock (BEGIN IMMEDIATE) and replaces the sync's
 * tables with the stage's. Returns 0 with the transaction open; on any
 * failure the transaction is rolled back. *stale is set (and the error
 * says who) when an action or another sync changed those tables since
 * inv_stage_open: nothing was replaced and the site should be read again. */
int inv_stage_apply(struct inv *live, struct inv *stage, bool *stale, struct ow_err *err);

/* Detaches and deletes the stage (NULL is fine). Call after live's
 * transaction ended. */
void inv_stage_close(struct inv *live, struct inv *stage);

#endif
