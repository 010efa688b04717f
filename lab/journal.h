/* The lab's state journal (--state): every successful write, kept as a
 * JSON array of {method, path, body} and replayed through the router at
 * start, so a restarted lab serves the site its clients left. */
#ifndef OW_LAB_JOURNAL_H
#define OW_LAB_JOURNAL_H

#include <stddef.h>

#include "lab/server_int.h"

/* Appends one write and rewrites the state file (a failure is reported on
 * stderr; the write stands). */
void lab_journal_add(struct lab_server *srv, const char *method, const char *path,
                     const char *body);
/* Replays the state file, if there is one, into srv. 0, or -1 with a
 * message in err. */
int lab_journal_replay(struct lab_server *srv, char *err, size_t errlen);

#endif
