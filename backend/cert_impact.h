/* What blocking (or unblocking) one certificate does, said from the
 * inventory alone before anything is sent: the console's typed
 * confirmation, the guided task's first step and `cert block --dry-run`
 * all show this one block. No request is made. */
#ifndef OW_BACKEND_CERT_IMPACT_H
#define OW_BACKEND_CERT_IMPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "util/err.h"

#define CERT_IMPACT_ROWS 12

struct cert_impact_row {
	const char *label;        /* static */
	char *value;              /* owned; site strings in it are sanitized */
};

struct cert_impact {
	char *headline;           /* "Block the PXE certificate of X: ...", owned */
	struct cert_impact_row rows[CERT_IMPACT_ROWS];
	size_t n;
	size_t closes;            /* open findings of the last check run blocking closes */
	bool ascii;               /* built for an ASCII terminal */
};

/* Builds the impact of blocking (block) or unblocking certificate smsid,
 * judged at `now`, into *out (cert_impact_free releases it). ascii: site
 * strings escaped to ASCII as well. 0, or OW_EINPUT when the certificate
 * is not in the inventory (err says how to find it), or another error
 * kind; *out is empty on error. */
int cert_impact_build(struct inv *db, const char *smsid, bool block, int64_t now, bool ascii,
                      struct cert_impact *out, struct ow_err *err);
void cert_impact_free(struct cert_impact *ci);

/* The headline, then one "label  value" line per row, values wrapped to
 * `width` columns under their label (0: not wrapped). New string. */
char *cert_impact_text(const struct cert_impact *ci, size_t width);

/* cert_impact_build, then cert_impact_text: a new string, or NULL with
 * err set. */
char *cert_impact_describe(struct inv *db, const char *smsid, bool block, int64_t now,
                           bool ascii, size_t width, struct ow_err *err);

/* The same on one line, rows as "label: value" apart by "; " (a task
 * step's result, a status line). New string. */
char *cert_impact_line(const struct cert_impact *ci);

/* Whether blocking a certificate closes a finding of check: the checks
 * that pass a blocked certificate (checks/eval_media.c); the unit test
 * holds this against the evaluator. */
bool cert_impact_block_closes(const char *check_id);

#endif
