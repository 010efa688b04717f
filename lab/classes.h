/* The WMI classes osdwarden-lab serves: how each object of the generated
 * site becomes a row in the exact shape of the real AdminService. */
#ifndef OW_LAB_CLASSES_H
#define OW_LAB_CLASSES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "lab/site.h"
#include "util/buf.h"

struct lab_class;
struct lab_row;

/* Case-insensitive, as the service is since version 2006. */
const struct lab_class *lab_class_find(const char *name);
const char *lab_class_name(const struct lab_class *c);
size_t lab_class_nkeys(const struct lab_class *c);
const char *lab_class_key(const struct lab_class *c, size_t i);

/* Objects of the class, including removed ones (see lab_class_live). */
size_t lab_class_count(const struct lab_site *s, const struct lab_class *c);
bool lab_class_live(const struct lab_site *s, const struct lab_class *c, size_t i);

/* The full row of object i; full = a single-instance GET (lazy properties
 * filled). The caller owns the result. */
json_t *lab_class_row(const struct lab_site *s, const struct lab_class *c, size_t i, bool full);

/* The key of object i as the etag writes it: values joined by ';'. */
void lab_class_etag(const struct lab_site *s, const struct lab_class *c, size_t i,
                    struct buf *out);

/* Appends the CSDL of every entity set and method the lab supports, but
 * those named in without (classes and Class.Method, ',' separated). Lazy
 * properties carry the lab's annotation, as the SDK marks them. */
void lab_class_metadata(const struct lab_site *s, struct buf *out, const char *route,
                        const char *without);

/* Properties a $select may name for this class (from a schema pass):
 * returns the server's casing of name, or NULL if the class has none.
 * *lazy tells whether it is a lazy property. */
const char *lab_class_property(const struct lab_site *s, const struct lab_class *c,
                               const char *name, bool *lazy);

#endif
