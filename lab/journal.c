#include "lab/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"

static void journal_save(struct lab_server *srv)
{
	char tmp[4096];
	FILE *f;
	int fd;

	if (!srv->cfg.state_path)
		return;
	snprintf(tmp, sizeof tmp, "%s.tmp", srv->cfg.state_path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "osdwarden-lab: cannot save state to %s: %s\n", tmp, strerror(errno));
		return;
	}
	json_dumpf(srv->journal, f, JSON_INDENT(1));
	if (fclose(f) != 0 || rename(tmp, srv->cfg.state_path) != 0)
		fprintf(stderr, "osdwarden-lab: cannot save state to %s: %s\n",
		        srv->cfg.state_path, strerror(errno));
}

void lab_journal_add(struct lab_server *srv, const char *method, const char *path,
                     const char *body)
{
	json_array_append_new(srv->journal, json_pack("{s:s,s:s,s:s}", "method", method,
	                                               "path", path, "body", body ? body : ""));
	journal_save(srv);
}

int lab_journal_replay(struct lab_server *srv, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j, *e;
	size_t i;

	if (!srv->cfg.state_path || access(srv->cfg.state_path, F_OK) != 0)
		return 0;
	j = json_load_file(srv->cfg.state_path, 0, &je);
	if (!json_is_array(j)) {
		snprintf(err, errlen, "state file %s is not a lab journal: %s",
		         srv->cfg.state_path, je.text);
		json_decref(j);
		return -1;
	}
	json_array_foreach(j, i, e) {
		struct answer a = { 0, BUF_INIT, NULL, 0, false, NULL, 0 };
		struct lab_fault none = { .kind = FAULT_NONE };
		const char *m = json_string_value(json_object_get(e, "method"));
		const char *p = json_string_value(json_object_get(e, "path"));
		const char *b = json_string_value(json_object_get(e, "body"));
		if (m && p) {
			lab_route(srv, NULL, m, p, "", b, &none, &a);
			json_array_append(srv->journal, e);
		}
		buf_free(&a.body);
	}
	json_decref(j);
	return 0;
}
