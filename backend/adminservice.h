/* The AdminService contract: the ONE place that knows routes, class
 * names, $select lists, key forms, lazy properties and the writes'
 * verbs, paths and bodies. Everything unverified about the real service
 * (reference §6) is a value in this file, so a finding on a real site
 * changes one line. */
#ifndef OW_BACKEND_ADMINSERVICE_H
#define OW_BACKEND_ADMINSERVICE_H

#include <jansson.h>
#include <stdbool.h>

#include "backend/http.h"
#include "db/records.h"
#include "util/buf.h"
#include "util/err.h"

enum as_key_form {
	AS_KEY_QUOTED,      /* Class('value') */
	AS_KEY_NUMBER,      /* Class(123) */
	AS_KEY_COMPOSITE,   /* Class(A=1,B='x') -- unverified for SysResUse */
};


/* How a property's value becomes a record field: text, a number, 0/1,
 * Unix seconds from an ISO 8601 date, or an array of strings joined with
 * ", ". One converter (as_conv_json / as_conv_text) serves the DOM and the
 * streaming parser, so both read a value the same way. */
enum as_conv { AS_TEXT, AS_INT, AS_BOOL, AS_DATE, AS_LIST };

#define AS_KEY  1u   /* a key property: URLs, $orderby and the paging checks, in order */
#define AS_LAZY 2u   /* lazy in the SDK: never in $select, read by a keyed GET */
#define AS_NEED 4u   /* a row without it is not kept */
#define AS_HOOK 8u   /* selected for the sync's code of this class; no record field */
#define AS_STABLE 16u /* lazy, and never changes for its object: read once, then kept
                       * (the record's column keeps it when a put does not know it) */

/* One property of a class, named once: everything else ($select, the lazy
 * list, the keys, the row mapping, the streamed field table) is derived. */
struct as_prop {
	const char *name;          /* the wire name (matched without regard to case) */
	enum as_conv conv;
	unsigned flags;            /* AS_* */
	long off;                  /* its field in the class's record; -1: none */
};

/* One class the sync reads, end to end: the site's side (its name, its
 * properties, key form, paging) and the inventory's (the record its rows
 * become, what a complete read proves gone). Classes are read in the
 * table's order (site-control rows before DPs: the PXE password flag and
 * the owning site of a certificate come from earlier classes). */
struct as_class {
	const char *name;
	const struct as_prop *props;
	size_t nprops;
	enum as_key_form key_form;
	int page_size;
	bool site_scoped;          /* has SiteCode: `sync --site` filters on it */
	bool stream;               /* many flat rows: parsed straight into records (no DOM) */
	enum inv_record record;    /* what a row becomes; INV_REC_NONE: the sync's code decides */
	long raw_off;              /* the record's raw_json field; -1: none kept */
	enum inv_record gone[3];   /* proven gone by a complete read; default: the record */
	const char *why;           /* what osdwarden needs it for (doctor) */
	/* Not every site exposes it nor every account reads it, and no check
	 * depends on it alone: unread, it leaves the sync complete (its
	 * sync_classes row still says why, for the checks that consult it). */
	bool optional;
	/* Derived from props, ',' separated (empty string: none). */
	const char *select;        /* the non-lazy properties: never a secret */
	const char *keys;
	size_t nkeys;              /* how many properties keys names */
	const char *lazy;          /* NULL when none */
};

/* A property of c by wire name (any case), or NULL. */
const struct as_prop *as_class_prop(const struct as_class *c, const char *name);

/* The converter: a JSON value, or a scalar as text (kind: what the text
 * was on the wire), into the form conv stores. Numbers and booleans land
 * in *num (INV_NULL when unknown), text is returned borrowed (AS_TEXT) or
 * new (AS_LIST, caller frees) in *str. */
enum as_wire { AS_W_NULL, AS_W_BOOL, AS_W_NUMBER, AS_W_STRING };
int64_t as_conv_text(enum as_conv conv, const char *text, size_t len, enum as_wire kind);
int64_t as_conv_json(enum as_conv conv, const json_t *v);
/* A JSON list's strings joined with sep (a lone string copied): new, the caller frees. */
char *as_conv_list(const json_t *v, const char *sep);

const struct as_class *as_class_find(const char *name);
size_t as_class_count(void);
const struct as_class *as_class_at(size_t i);

/* The base URL, ".../AdminService", from what the operator typed: an
 * origin ("https://cm01.corp.example[:port]") or a full base ending in
 * /AdminService (CMG routes). New string, or NULL with err set. */
char *as_base_url(const char *provider, struct ow_err *err);

/* URLs (new strings). The page URL always carries a stable
 * $orderby=<keys> and $top/$skip (top <= 0: the class's page size); site,
 * when set, adds a SiteCode filter for site-scoped classes. The count URL
 * is <Class>/$count with the same filter: a bare number. */
char *as_page_url(const char *base, const struct as_class *c, long skip, const char *site);
char *as_page_url_top(const char *base, const struct as_class *c, long skip, long top,
                      const char *site);
char *as_count_url(const char *base, const struct as_class *c, const char *site);
/* The number a $count answer holds: 0 and *n, or -1 when it is not one. */
int as_parse_count(const struct http_resp *r, long long *n);
/* values: the key values in the order of c->keys. */
/* as_instance_url and as_metadata_url: new strings, the caller frees them. */
char *as_instance_url(const char *base, const struct as_class *c, const char *const *values);
char *as_metadata_url(const char *base, const char *route);

/* Writes. */
enum as_write_kind {
	AS_BLOCK_CERTIFICATE,      /* body: {"SMSID":..,"Blocked":..} */
	AS_DELETE_ASSOCIATION,     /* body: {"SourceClientResourceID":..,"RestoreClientResourceID":..} */
	AS_UPDATE_SITE_ROLE,       /* PUT SysResUse row (whole object) */
	AS_REMOVE_SITE_ROLE,       /* DELETE SysResUse row */
	AS_UPDATE_BOOT_IMAGE,      /* PUT boot image */
};

/* How a write names its instance in the URL. OData 4.0's form is
 * Class('v') / Class(K1=1,K2='x'); 4.01 adds key-as-segment, Class/v /
 * Class/1/x in key order, which public scripts use for single keys. No
 * public capture shows a composite-key URL on a real site (reference §6),
 * so an instance write lists the forms to try, in order: after a refusal
 * (400, 404, 405, 501) the re-read decides whether the next is sent. */
enum as_addr {
	AS_ADDR_END,        /* ends the list */
	AS_ADDR_PARENS,     /* Class(...) */
	AS_ADDR_SEGMENTS,   /* Class/v1/v2 */
};
#define AS_ADDR_MAX 3

struct as_write {
	enum as_write_kind kind;
	const char *verb;
	const char *path;          /* relative to the base; %s = instance key part */
	const char *cls;           /* the class whose instance a %s names */
	bool idempotent;           /* may be resent after a timeout */
	const char *method;        /* the $metadata action name to look for, or NULL */
	const char *params;        /* the method's body members, ',' separated (SDK names) */
	const char *types;         /* one per member: 's' text, 'b' boolean, 'i' integer */
	/* Where an operator does the same when the site does not expose it. */
	const char *console;       /* the console path */
	const char *cmdlet;        /* the PowerShell cmdlet */
	enum as_addr forms[AS_ADDR_MAX]; /* an instance write's URL forms, in order */
};

const struct as_write *as_write_find(enum as_write_kind k);
/* How a form reads in a message: "Class(K=v,...)" or "Class/v/...". */
const char *as_addr_name(enum as_addr a);

/* Flag bits of the site's classes that osdwarden interprets. Unverified
 * ones (verified false) are guesses to confirm on a real site: checks may
 * scope a question by them, never pass on them. */
struct as_flag {
	const char *cls, *property, *meaning;
	unsigned long mask;
	bool verified;
	const char *source;
};
/* The bit of cls.property with that meaning, or NULL when none is known. */
const struct as_flag *as_flag_find(const char *cls, const char *property, const char *meaning);

/* A value (compared whole, not a bit) of cls.property with that meaning,
 * e.g. the State of an installed update. verified as for as_flag. */
struct as_value {
	const char *cls, *property, *meaning;
	long value;
	bool verified;
	const char *source;
};
const struct as_value *as_value_find(const char *cls, const char *property, const char *meaning);

/* A right of the RBAC model: the bit of SMS_ARoleOperation.GrantedOperations
 * on one object type. The same bit means other rights on other types
 * ("Recover User State" on StateMigration is "Deploy Task Sequences" on
 * collections), so a bit is never tested without its type, and the type's
 * number is resolved at run time from SMS_RbacSecuredObject by its name
 * (types: the ObjectTypeName spellings to accept, ',' separated). */
struct as_right {
	const char *name;          /* "Recover User State" */
	const char *types;
	unsigned long bit;
	const char *source;
};
const struct as_right *as_right_find(const char *name);
/* Whether ObjectTypeName name is one of r's spellings (any case). */
bool as_right_type_is(const struct as_right *r, const char *name);

/* Product versions by the build SMS_Site.BuildNumber reports. */
struct as_version {
	const char *version;       /* "2509" */
	long build;                /* 9141 */
	bool verified;             /* from Microsoft's own pages (else public field material) */
	const char *source;
};
/* The build of a version, or 0 when the table does not know it. */
long as_build_of(const char *version);
/* The newest known version whose build is at most build ("2503"), or NULL. */
const struct as_version *as_version_of(long build);
/* The URL a write is sent to; key_values as for as_instance_url (in the
 * order of the class's keys) when the write names an instance, in the
 * write's form number `form` (0 the first): NULL when it has no such form
 * (a write that names no instance has one). */
/* A new string: the caller frees it. */
char *as_write_url(const char *base, enum as_write_kind k, const char *const *key_values,
                   size_t form);

/* Methods that hand out secrets (the key that decrypts stored user state,
 * task sequence and client policies with their account passwords): never
 * called, whoever asks. Returns the denied method a URL names (its path or
 * query, percent-decoded, any case), or NULL. backend/http refuses every
 * such URL before anything is sent. */
const char *as_url_denied(const char *url);

/* What a site says it exposes, read off its wmi/$metadata (CSDL): a JSON
 * object {"sets": [EntitySet names], "actions": {"Class.Method": [parameter
 * names]}} holding the static methods (ActionImport, with the parameters
 * of the Action it names) and the bound ones (Action IsBound="true", named
 * Class.Method after their binding parameter, which is not listed). New
 * reference, or NULL when the text is not CSDL. Names compare without
 * regard to case, as the service does. */
json_t *as_caps_parse(const char *xml, size_t len);
bool as_caps_has_class(const json_t *caps, const char *cls);
/* The parameter names of an exposed action (borrowed), or NULL. */
json_t *as_caps_action(const json_t *caps, const char *name);

/* GETs wmi/$metadata and reads it: 0 with *caps (NULL when the answer is
 * not CSDL: the site's capabilities stay unknown), or an error kind with a
 * message (transport, or an HTTP status other than 200). */
/* *caps is a new reference: the caller decrefs it. */
int as_caps_fetch(struct http_client *h, const char *base, json_t **caps, struct ow_err *err);

/* How old cached capabilities may be before a sync reads them again. */
#define AS_CAPS_MAX_AGE_S (7 * 86400)

/* Whether the site, by its capabilities, takes write w: 1 yes, 0 no
 * (why: what is missing, and where else to do it), -1 unknown (caps
 * NULL). A method must be listed with every member of w->params among its
 * parameters; a PUT or DELETE needs its class's EntitySet. */
int as_caps_allows(const json_t *caps, const struct as_write *w, char *why, size_t n);
/* The spelling the site's $metadata gives a parameter of method (borrowed),
 * or name itself when the site's list does not say. */
const char *as_caps_param(const json_t *caps, const char *method, const char *name);

/* Appends v as an OData string literal ('' for a quote). */
void as_add_literal(struct buf *b, const char *v);

/* $filter expressions, built here so that quoting lives in one place.
 * Each appends to f, after " and " when f already holds a condition.
 * eq: `Prop eq <literal>`, the literal typed by the property's conversion
 * in class cls (a number bare, anything else quoted); fn: a string
 * function, `startswith(Prop,'v')` / `endswith(...)`. */
void as_filter_eq(struct buf *f, const char *cls, const char *prop, const char *value);
void as_filter_fn(struct buf *f, const char *fn, const char *prop, const char *value);

/* The JSON body of a method write: its members (as_write.params) named
 * as the site's $metadata spells them (caps may be NULL) and typed by
 * as_write.types, from values given as text in the same order. New
 * string (the caller frees), or NULL when k is not a method. */
char *as_method_body(const json_t *caps, enum as_write_kind k, const char *const *values);

/* The one reader. as_read: one GET of url, checked and parsed: 0 with
 * *root (new reference, the caller decrefs), *rows (borrowed from it) and
 * *next (its nextLink, borrowed, or NULL); for an instance a 404 means no
 * such object: 0 with *root and *rows NULL. Otherwise as_check_read's
 * kinds. as_read_each: every row of a collection, fn per row (non-zero
 * stops), following nextLinks only within base (http_follow_url). */
int as_read(struct http_client *h, const char *url, bool instance, json_t **root, json_t **rows,
            const char **next, struct ow_err *err);
int as_read_each(struct http_client *h, const char *base, const char *url,
                 int (*fn)(void *ctx, json_t *row), void *ctx, struct ow_err *err);
/* A collection URL with a $filter expression (percent-encoded here). */
/* A new string: the caller frees it. */
char *as_filter_url(const char *base, const char *cls, const char *filter);
/* The site's own error message from a response, sanitized and bounded
 * (new string, "" when there is none). */
char *as_site_message(const struct http_resp *r);

/* A page body into rows. Repairs what strict JSON parsers refuse but real
 * services send (lone UTF-16 surrogate escapes and \u0000 become U+FFFD,
 * so a NUL never truncates a string nor fails a page; raw bytes that are
 * not UTF-8 become '?'), in place, then parses. The streaming path makes
 * the same repair, so both store the same text. *rows is the
 * "value" array (owned by *root). *next_link is borrowed from *root or
 * NULL. Returns 0 or OW_ESITE with a message. */
int as_parse_page(struct buf *body, json_t **root, json_t **rows, const char **next_link,
                  struct ow_err *err);

/* The repair alone (exposed for tests and fuzzing). Returns the number of
 * repairs made. */
size_t as_repair_json(char *s, size_t len);

/* Judges a response to a read: 0 for 200; AS_NO_ACCESS for a 404 on a
 * collection (no RBAC role); otherwise an error kind with a message that
 * names the URL and the site's own (sanitized) words. */
#define AS_NO_ACCESS 100
int as_check_read(const struct http_resp *r, const char *url, bool collection,
                  struct ow_err *err);

/* Case-insensitive property lookup: the service answers in its own casing. */
/* The value is borrowed from row (NULL when absent). */
json_t *as_get(json_t *row, const char *name);

/* Site control rows (SMS_SCI_*), read the same way by the sync and the
 * actions: an embedded property (Props, by PropertyName) or property list
 * (PropLists, by PropertyListName), borrowed, or NULL; a property's Value
 * as a number (INV_NULL when absent) and its Value1 as text (borrowed);
 * a list's Values joined with sep (new string; NULL when absent). */
json_t *as_sci_prop(json_t *row, const char *name);
json_t *as_sci_list(json_t *row, const char *name);
int64_t as_sci_value(json_t *row, const char *name);
const char *as_sci_value1(json_t *row, const char *name);
char *as_sci_joined(json_t *row, const char *name, const char *sep);
/* For a PUT: sets a property's Value, or a list's Values from a comma
 * list, adding the entry (typed as the service types it) when missing. */
void as_sci_set_value(json_t *row, const char *name, int64_t v);
void as_sci_set_list(json_t *row, const char *name, const char *csv);

#endif
