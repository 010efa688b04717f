/* The configuration file: defaults and named provider profiles, INI-like,
 * read once before a command runs and validated in full, so a bad file
 * stops with its line number before anything (the console included)
 * starts. It never holds a secret: a password comes from a 0600 file it
 * may name (password_file), from the environment or from a prompt.
 *
 *   # comment
 *   [defaults]
 *   db = ~/osd/inventory.db
 *   color = auto | always | never
 *   format = text | json | sarif | markdown | html
 *   profile = cm01                    (used when a command names none)
 *
 *   [provider cm01]
 *   url = https://cm01.corp.example
 *   auth = negotiate | ntlm | basic | bearer | none
 *   user = osdaudit@CORP.EXAMPLE
 *   cacert = /etc/osdwarden/sms-issuing-root.pem
 *   site = HLD
 *   timeout = 300
 *   rate = 200
 *   proxy = http://proxy.corp.example:3128
 *   password_file = ~/.config/osdwarden/cm01.pw   (checked: 0600)
 *
 * Where: $OSDWARDEN_CONFIG (which must exist), else
 * $XDG_CONFIG_HOME/osdwarden/config (or ~/.config/osdwarden/config),
 * which may be absent. */
#ifndef OW_CLI_CONFIG_H
#define OW_CLI_CONFIG_H

#include <stddef.h>

#include "util/err.h"

struct cfg_profile {
	char *name;
	char *url, *auth, *user, *cacert, *site, *proxy, *password_file;
	long timeout;              /* 0: not set */
	long rate;                 /* requests a second; 0: not set */
	int line;                  /* where its section starts */
};

struct cfg {
	char *path;                /* the file read, NULL when there was none */
	char *db, *color, *format, *profile;
	struct cfg_profile *profiles;
	size_t nprofiles;
};

/* Reads and validates the file at path (NULL: the default place). A
 * missing default file is no configuration (0, out->path NULL); a missing
 * named one, an unreadable one or any error in it is OW_EINPUT with the
 * file, the line and what is wrong in err. *out is owned by the caller
 * (cfg_free), also after an error. */
int cfg_load(const char *path, struct cfg *out, struct ow_err *err);
/* Where the default file is (new string), or NULL when no HOME is set. */
char *cfg_default_path(void);
/* The profile called name (exact), or NULL. */
const struct cfg_profile *cfg_profile(const struct cfg *c, const char *name);
void cfg_free(struct cfg *c);
/* The keys the file takes, for osdwarden.conf(5): the i-th one's name,
 * with its section ("defaults" or "provider"), its allowed values (','
 * separated, NULL: free) and its help; NULL past the last. */
const char *cfg_key_at(size_t i, const char **section, const char **values, const char **help);

#endif
