/* MAC address lists as the site keeps them (the BindExcept PropList of a
 * distribution point): six hex pairs, upper case, joined by ':'. */
#ifndef OW_UTIL_MAC_H
#define OW_UTIL_MAC_H

#include "util/err.h"

#define MAC_LIST_MAX 64

/* Checks a comma-separated list of MAC addresses, each six hex pairs
 * separated by ':' or by '-' (one kind per address), and writes it in the
 * site's form (00:15:5D:0A:0B:0C, commas between, no spaces). An empty
 * entry, a repeated address or more than MAC_LIST_MAX are refused. ""
 * gives "" (an empty list: whether that is allowed is the caller's call).
 * *out is a new string (free it); -1 with err set (OW_EINPUT) otherwise. */
int mac_list_normalise(const char *in, char **out, struct ow_err *err);

#endif
