/* The request table (internal.h) as data: lookups by key and by name. */
#include <stdio.h>
#include <string.h>

#include "tui/internal.h"

static const struct tui_req_info table[] = {
#define REQ_ROW(id, name, k1, k2, views, help, flags) { REQ_##id, name, k1, k2, views, help, flags },
	TUI_REQUESTS(REQ_ROW)
#undef REQ_ROW
};

const struct tui_req_info *tui_req_at(size_t i)
{
	return i < sizeof table / sizeof table[0] ? &table[i] : NULL;
}

const struct tui_req_info *tui_req_info(enum tui_req r)
{
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (table[i].req == r)
			return &table[i];
	return NULL;
}

/* Whether view is one of the space-separated names in list. */
static bool in_views(const char *list, const char *view)
{
	size_t n = strlen(view);

	for (const char *p = list; p && *p;) {
		size_t m = strcspn(p, " ");
		if (m == n && strncmp(p, view, n) == 0)
			return true;
		p += m + (p[m] == ' ');
	}
	return false;
}

enum tui_req tui_req_for_key(int key, const char *view)
{
	if (key == '\r')
		key = '\n';
	for (int scoped = 1; scoped >= 0; scoped--)
		for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
			const struct tui_req_info *r = &table[i];
			if ((r->key1 != key && r->key2 != key) || (scoped != (r->views != NULL)))
				continue;
			if (!r->views || in_views(r->views, view))
				return r->req;
		}
	return REQ_NONE;
}

const char *tui_key_name(int key, char *buf, size_t n)
{
	switch (key) {
	case KEY_UP: return "Up";
	case KEY_DOWN: return "Down";
	case KEY_LEFT: return "Left";
	case KEY_RIGHT: return "Right";
	case KEY_PPAGE: return "PgUp";
	case KEY_NPAGE: return "PgDn";
	case KEY_HOME: return "Home";
	case KEY_END: return "End";
	case KEY_ENTER: case '\n': return "Enter";
	case 27: return "Esc";
	case '\t': return "Tab";
	case ' ': return "Space";
	case KEY_F(1): return "F1";
	default: break;
	}
	if (key > 0 && key < 32)
		snprintf(buf, n, "^%c", key + '@');
	else
		snprintf(buf, n, "%c", key);
	return buf;
}
