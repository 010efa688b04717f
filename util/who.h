/* Who is at the keyboard: the operator behind sudo, else the login. Used
 * for check runs, waivers, attestations, tags (and the audit log). */
#ifndef OW_UTIL_WHO_H
#define OW_UTIL_WHO_H

/* A string that lives as long as the environment; "unknown" at worst. */
const char *who_operator(void);

#endif
