/* Operator decisions on the checklist: an attestation closes a manual
 * control, a waiver keeps a failure visible but out of the grade. Each is
 * written with its audit row (db/decision.h) in one transaction; the
 * checks honour it only as that row records it. */
#ifndef OW_CHECKS_DECIDE_H
#define OW_CHECKS_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* object "" = every object of the check. days > 0 (callers default an
 * attestation to the attestation_default_days setting). */
int chk_decide(struct inv *db, bool waiver, const char *check, const char *object,
               const char *text, long days, int64_t now, struct ow_err *err);

/* Evaluates the checklist (nothing stored) and writes the state of check
 * on object into state: its worst result that is not a pass, "pass" when
 * it was judged and passed, "not judged" when the check has no result for
 * it. Shaped as backend/workflows' recheck hook. */
int chk_recheck(void *ctx, struct inv *db, const char *check, const char *object, char *state,
                size_t n, struct ow_err *err);

#endif
