/* How the lab reads a URL's resource path: the target (Class, Class(key),
 * Class/v1/v2, Class.Method) and the key in it, and which object a key
 * names (an etag -> index map per class, built on the first lookup). */
#ifndef OW_LAB_KEYS_H
#define OW_LAB_KEYS_H

#include <stdbool.h>

#include "lab/classes.h"
#include "lab/server_int.h"
#include "util/buf.h"

/* Splits "Class(key)" / "Class/v1/v2" / "Class.Method" / "Class". */
struct lab_target {
	char cls[128];
	char key[2048];
	char method[64];
	bool has_key, has_method;
	bool segments;             /* key-as-segment: key holds the values, '/' between */
};

/* The path after "wmi/" -> t. 0, or -1 when it names no resource the lab
 * serves (too long, empty, or an instance method). */
int lab_keys_parse_target(const char *s, struct lab_target *t);

/* "'x'", "123" or "Name='x',Other=2" -> the etag form of the key
 * (values joined by ';', in key order). 0, or -1 if not a key of cls. */
int lab_keys_parse(const struct lab_class *cls, const char *text, struct buf *etag);
/* "v1/v2" (key-as-segment, bare values in key order) -> the etag form. */
int lab_keys_parse_segments(const struct lab_class *cls, const char *text, struct buf *etag);

/* Index of the live object whose etag is key, or -1. */
long lab_keys_lookup(struct lab_server *srv, const struct lab_class *cls, const char *key);
/* Frees the key maps lookups built. */
void lab_keys_free(struct lab_server *srv);

#endif
