/* Inside backend/actions (actions.c: the sequence every write goes
 * through; actions_ops.c: the writes themselves). An action is a struct
 * op: how to re-read its object, how to judge what was read, how to
 * write, and how to bring the inventory in line. */
#ifndef OW_BACKEND_ACTIONS_INT_H
#define OW_BACKEND_ACTIONS_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "backend/actions.h"
#include "backend/adminservice.h"
#include "db/records.h"
#include "util/err.h"

/* What a re-read says about the object. */
enum judgement {
	J_DONE,       /* already as the action wants it */
	J_AS_SEEN,    /* as the inventory showed it: the write may go ahead */
	J_CHANGED,    /* neither: the site changed since the last sync */
};

struct op {
	struct inv *db;
	struct act_site *site;
	const char *action;          /* audit action name, e.g. "cert.block" */
	char target[300];            /* audit target, sanitized */
	char observed[300];          /* what the last re-read showed, for messages */
	char change[200];            /* the change asked for, for the audit row */
	/* The object and the wanted state. */
	const char *smsid;
	bool flag;
	int64_t a, b;
	int days;
	const struct act_pxe *pxe;
	const char *role;            /* SysResUse RoleName */
	struct inv_cert cert;
	struct inv_assoc assoc;
	struct inv_smp smp;
	struct inv_dp dp;
	struct inv_boot_image boot;
	bool locked;                 /* inside the inventory's write transaction */
	bool sent;                   /* the write went out: its outcome must be recorded */
	size_t form;                 /* which of the write's URL forms (as_write.forms) */
	const struct as_write *write; /* the write it sends, when the contract names it */
	json_t *caps;                /* what the site's $metadata exposes; NULL: unknown */
	int64_t caps_at;             /* when it was read */
	/* Steps. read: *row = the object's current JSON, NULL if the site no
	 * longer has it. */
	int (*read)(struct op *o, json_t **row, struct ow_err *err);
	enum judgement (*judge)(struct op *o, json_t *row);
	/* The request: verb, URL and body (new strings) from the read row. */
	int (*request)(struct op *o, json_t *row, const char **verb, char **url, char **body);
	/* The inventory, once the site is known to be as wanted. */
	int (*record)(struct op *o, int64_t now, struct ow_err *err);
};

/* The outcome and the operator's message of r. */
void op_say(struct act_result *r, enum act_outcome o, const char *fmt, ...) OW_PRINTF(3, 4);
/* The audit target, sanitized. */
void op_target(struct op *o, const char *fmt, ...) OW_PRINTF(2, 3);
/* The first row of a GET (NULL when it has none; for an instance a 404
 * is "no such object"): *row a new reference. */
int op_get_row(struct op *o, const char *url, bool instance, json_t **row, struct ow_err *err);
int op_get_filtered(struct op *o, const char *cls, const char *filter, json_t **row,
                    struct ow_err *err);
/* A number or a boolean as 0/1 (the contract's converter); INV_NULL when absent. */
int64_t op_int(json_t *v);
/* Whether the site's value is what the inventory showed (an unknown on
 * either side cannot say otherwise). */
bool op_seen_as(int64_t inventory, int64_t site);
/* Wipes every string of v before it is freed (a row may carry values no
 * one else should see in freed memory). */
void op_wipe(json_t *v);
/* The sequence, unless the site's own contract says it does not take this
 * write: then nothing is read or sent, and the refusal names the console
 * path and the cmdlet that do the same. */
int op_run(struct op *o, bool dry_run, struct act_result *res, struct ow_err *err);

#endif
