/* The lab's GETs on a class: a collection page ($filter, $select, $orderby,
 * $top/$skip, @odata.nextLink), its $count, and one instance, answered in
 * the shape the real AdminService sends. */
#ifndef OW_LAB_READS_H
#define OW_LAB_READS_H

#include "lab/classes.h"
#include "lab/faults.h"
#include "lab/server_int.h"

/* GET Class/$count: the number of live objects the $filter matches, as a
 * bare number (what the community reports the service answers). */
void lab_reads_count(struct lab_server *srv, const struct lab_class *cls, const char *query,
                     struct answer *a);
/* GET Class?query: one page of the collection; fault may repeat the first
 * page or add an oversized field. */
void lab_reads_collection(struct lab_server *srv, struct MHD_Connection *c,
                          const struct lab_class *cls, const char *query,
                          const struct lab_fault *fault, struct answer *a);
/* GET Class(key): object i, lazy properties filled. */
void lab_reads_instance(struct lab_server *srv, struct MHD_Connection *c,
                        const struct lab_class *cls, long i, struct answer *a);
/* Frees the $orderby orders kept for paging. */
void lab_reads_free(struct lab_server *srv);

#endif
