/* The detail of one list row (Enter): its findings and its fields as
 * text for the pager, in the console's words. */
#ifndef OW_TUI_LIST_DETAIL_H
#define OW_TUI_LIST_DETAIL_H

#include <stdint.h>

#include "db/list.h"
#include "tui/internal.h"

/* Appends to out the row's findings: those of run run_id (the latest
 * stored, what STATE says; run_started tells an object synced after it;
 * unread, when not NULL, the class the run could not read, lf_run_unread),
 * or with run_id 0 (none stored) those of an evaluation made now and not
 * stored, as the checklist does. */
void ld_findings(struct tui_app *a, const struct inv_list *l, const struct inv_row *row,
                 int64_t run_id, int64_t run_started, const char *unread, struct buf *out);
/* Appends to out the row's fields, "label: value" in words; a column
 * without a field goes by its title. */
void ld_fields(const struct inv_list *l, const struct inv_row *row, struct buf *out);

#endif
