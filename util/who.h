/* Who is at the keyboard: the account the process runs as (getuid), with
 * $SUDO_USER beside it as a claim ("root (sudo: bob)"). Used for check
 * runs, waivers, attestations, tags and the audit log. */
#ifndef OW_UTIL_WHO_H
#define OW_UTIL_WHO_H

/* A static string, valid until the next call: the account name, the uid
 * number ("uid 1234") when the account has no name. Never "unknown". */
const char *who_operator(void);

#endif
