/* The writes the lab carries out, as two tables the router walks: what a
 * PUT or DELETE on an instance does per class, and the class methods a
 * POST calls. Adding a write is adding a row. */
#ifndef OW_LAB_WRITES_H
#define OW_LAB_WRITES_H

#include <jansson.h>
#include <stddef.h>

#include "lab/server_int.h"

/* A write on object i of the row's class; body is the parsed request body
 * (NULL when there was none). */
typedef void lab_instance_write(struct lab_server *srv, size_t i, json_t *body,
                                struct answer *a);
/* A class method called with POST; c is NULL on a journal replay. */
typedef void lab_method_call(struct lab_server *srv, struct MHD_Connection *c, json_t *body,
                             struct answer *a);

struct lab_write_route {
	const char *method;        /* HTTP method, as sent (case matters) */
	const char *cls;           /* lab_class_find name */
	lab_instance_write *handler;
};

struct lab_call_route {
	const char *cls;           /* both compared without case, as the service does */
	const char *method;
	lab_method_call *handler;
};

/* Both end with a row whose handler is NULL. */
extern const struct lab_write_route lab_write_routes[];
extern const struct lab_call_route lab_call_routes[];

#endif
