/* `osdwarden __complete WORD...`: the candidates for the last WORD (the
 * one being typed, "" for a new one), one a line, for the bash and zsh
 * scripts in contrib/completion/. Everything is derived: commands and
 * summaries from the command table, options from each command's getopt
 * table, option values from their rows, subcommands and the kind of each
 * positional argument from the command's synopsis, list names from
 * db/list, check IDs from the catalogue, and server names and SMSIDs
 * from the inventory, opened read-only (never created). A line "@file"
 * asks the shell for file names. */
#include <stdlib.h>
#include <string.h>

#include "checks/checks.h"
#include "cli/cli.h"
#include "cli/config.h"
#include "cli/siteopts.h"
#include "db/db.h"
#include "db/list.h"
#include "db/records.h"
#include "util/sanitize.h"

#define MAX_TOKENS 24
#define TOKEN_LEN 96

struct comp {
	struct cli *c;
	const char *cur;               /* the word being completed */
	const char *db_path;           /* --db before the command */
};

/* A candidate the shell prints as it is: one whose text the sanitizer
 * would change (a control or bidi character, a newline, bytes that are
 * not UTF-8 -- names from the site) is not offered at all, since
 * completing a cleaned copy would insert another value. */
static bool printable(const char *word, size_t len)
{
	char *copy = strndup(word, len), *safe = copy ? san_str(copy, len + 1, 0) : NULL;
	bool same = safe && strcmp(copy, safe) == 0;

	free(copy);
	free(safe);
	return same;
}

static void offer(struct comp *k, const char *word, size_t len)
{
	if (len >= strlen(k->cur) && strncmp(word, k->cur, strlen(k->cur)) == 0 &&
	    printable(word, len))
		fprintf(k->c->out, "%.*s\n", (int)len, word);
}

/* Each of "a|b|c" that starts with the current word. */
static void offer_alternatives(struct comp *k, const char *alts)
{
	for (const char *p = alts; *p;) {
		size_t n = strcspn(p, "|");
		offer(k, p, n);
		p += n;
		p += *p == '|';
	}
}

static void offer_options(struct comp *k, const struct ow_opt *t, const char *cmd)
{
	char word[TOKEN_LEN];

	for (const struct ow_opt *o = t; o && o->name; o++)
		if (ow_opt_for(o, cmd)) {
			snprintf(word, sizeof word, "--%s", o->name);
			offer(k, word, strlen(word));
		}
}

/* The row for --name or -l in t (or NULL). */
static const struct ow_opt *find_opt(const struct ow_opt *t, const char *word)
{
	bool is_long = strncmp(word, "--", 2) == 0;

	if (!t || word[0] != '-' || (!is_long && strlen(word) != 2))
		return NULL;
	for (const struct ow_opt *o = t; o->name; o++)
		if (is_long ? strcmp(o->name, word + 2) == 0 : o->letter == word[1])
			return o;
	return NULL;
}

static const struct ow_opt *command_opt(const struct cli_command *cmd, const char *word)
{
	const struct ow_opt *o = find_opt(cmd->opts, word);

	return o ? o : cmd->site ? find_opt(siteopts_opts, word) : NULL;
}

/* Object keys of an inventory list (the servers of "dps", the SMSIDs of
 * "certs"), from the inventory the words name; nothing when there is none. */
static void offer_objects(struct comp *k, const char *list)
{
	struct inv_open_opts o = { .path = k->db_path, .read_only = true };
	struct inv_page_req req = { .sort_col = -1, .anchor = INV_FIRST, .limit = 10000,
		                    .filter = k->cur };
	const struct inv_list *l = inv_list_find(list);
	struct inv_page page = { 0 };
	struct ow_err e = { 0 };
	struct inv *db;

	if (!l || inv_open(&o, &db, &e) != 0)
		return;
	if (inv_list_page(db, l, &req, &page, &e) == 0)
		for (size_t i = 0; i < page.nrows; i++)
			if (page.rows[i].object_key)
				offer(k, page.rows[i].object_key, strlen(page.rows[i].object_key));
	inv_page_free(&page);
	inv_close(db);
}

static int offer_setting(void *ctx, const char *key, const char *value, const char *description)
{
	offer(ctx, key, strlen(key));
	return 0;
}

static void offer_settings(struct comp *k)
{
	struct inv_open_opts o = { .path = k->db_path, .read_only = true };
	struct ow_err e = { 0 };
	struct inv *db;

	if (inv_open(&o, &db, &e) != 0)
		return;
	inv_each_setting(db, offer_setting, k, &e);
	inv_close(db);
}

static void offer_value(struct comp *k, const char *values)
{
	if (!values)
		return;
	if (strcmp(values, "@file") == 0) {
		fputs("@file\n", k->c->out);
	} else if (strcmp(values, "@check") == 0) {
		for (size_t i = 0; i < chk_count(); i++)
			offer(k, chk_at(i)->id, strlen(chk_at(i)->id));
	} else if (strcmp(values, "@profile") == 0) {
		for (size_t i = 0; k->c->cfg && i < k->c->cfg->nprofiles; i++)
			offer(k, k->c->cfg->profiles[i].name, strlen(k->c->cfg->profiles[i].name));
	} else if (values[0] != '@') {
		offer_alternatives(k, values);
	}
}

/* What a placeholder of a synopsis stands for, in the command cmd. */
static void offer_placeholder(struct comp *k, const char *cmd, const char *ph)
{
	if (strcmp(ph, "CHECK") == 0)
		offer_value(k, "@check");
	else if (strcmp(ph, "SMSID") == 0)
		offer_objects(k, "certs");
	else if (strcmp(ph, "SERVER") == 0)
		offer_objects(k, strcmp(cmd, "smp") == 0 ? "smps" : "dps");
	else if (strcmp(ph, "KEY") == 0 && strcmp(cmd, "settings") == 0)
		offer_settings(k);
	else if (strcmp(ph, "FILE") == 0)
		offer_value(k, "@file");
}

static bool is_placeholder(const char *t)
{
	bool upper = false;

	for (; *t; t++) {
		if (*t >= 'a' && *t <= 'z')
			return false;
		upper |= *t >= 'A' && *t <= 'Z';
	}
	return upper;
}

/* One way of calling cmd, from its synopsis: the positional tokens
 * ("pxe", "SERVER"), options and what is in brackets left out (a bracket
 * holding one word that is not an option is an optional positional). */
struct form {
	char tok[MAX_TOKENS][TOKEN_LEN];
	size_t n;
};

/* The forms of cmd's synopsis: alternatives split at " | " and new lines;
 * one that does not start with the command's name goes on from the one
 * before it, in place of that one's last literal ("task start cert-block
 * SMSID | assoc-prune [DAYS]"). Returns how many. */
static size_t forms_of(const struct cli_command *cmd, struct form *forms, size_t max)
{
	char text[1024], *save = NULL;
	size_t nf = 0, namelen = strlen(cmd->name);
	int carry = 0;   /* brackets still open where the last alternative ended */

	/* Alternatives end at a new line or at " | " (a '|' inside a word,
	 * "block|unblock", is the word's own). */
	snprintf(text, sizeof text, "%s", cmd->usage);
	for (char *p = text; *p; p++)
		if (*p == '\n')
			*p = '\x1f';
		else if (strncmp(p, " | ", 3) == 0)
			p[1] = '\x1f';
	for (char *alt = strtok_r(text, "\x1f", &save); alt && nf < max;
	     alt = strtok_r(NULL, "\x1f", &save)) {
		struct form *f = &forms[nf];
		char *t2 = NULL, *w;
		int depth = carry;
		bool skip_value = false, cont = false;

		alt += strspn(alt, " ");
		if (strncmp(alt, cmd->name, namelen) == 0 && (alt[namelen] == ' ' || !alt[namelen])) {
			alt += namelen;
			f->n = 0;
		} else if (nf > 0) {
			*f = forms[nf - 1];
			while (f->n > 0 && is_placeholder(f->tok[f->n - 1]))
				f->n--;
			if (f->n > 0)
				f->n--;
			cont = true;
		} else {
			continue;
		}
		size_t before = f->n;
		for (w = strtok_r(alt, " ", &t2); w; w = strtok_r(NULL, " ", &t2)) {
			size_t open = strspn(w, "["), len = strlen(w), close = 0;

			while (close < len && w[len - 1 - close] == ']')
				close++;
			if (skip_value && depth == 0 && !open && is_placeholder(w)) {
				skip_value = false;
				continue;
			}
			skip_value = false;
			if (depth == 0 && open == 1 && close == 1 && w[1] != '-' && f->n < MAX_TOKENS) {
				snprintf(f->tok[f->n++], TOKEN_LEN, "%.*s", (int)(len - 2), w + 1);
			} else if (depth == 0 && !open && w[0] == '-') {
				const struct ow_opt *o = command_opt(cmd, w);
				skip_value = o && o->arg;
			} else if (depth == 0 && !open && f->n < MAX_TOKENS) {
				snprintf(f->tok[f->n++], TOKEN_LEN, "%s", w);
			}
			depth += (int)open - (int)close;
			if (depth < 0)
				depth = 0;
		}
		carry = depth;
		/* A line of options only ("[--fail-on SEVERITY] ...") is no form. */
		if (!cont || f->n > before)
			nf++;
	}
	return nf;
}

/* Whether a word typed matches a literal token ("block|unblock") or a
 * placeholder (anything). */
static bool token_matches(const char *tok, const char *word)
{
	size_t n = strlen(word);

	if (is_placeholder(tok))
		return true;
	for (const char *p = tok; *p;) {
		size_t len = strcspn(p, "|");
		if (len == n && strncmp(p, word, n) == 0)
			return true;
		p += len;
		p += *p == '|';
	}
	return false;
}

/* Whether the words typed so far fit form f, which goes on after them. */
static bool form_fits(const struct form *f, char **pos, size_t npos)
{
	if (f->n <= npos)
		return false;
	for (size_t j = 0; j < npos; j++)
		if (!token_matches(f->tok[j], pos[j]))
			return false;
	return true;
}

static void offer_positional(struct comp *k, const struct cli_command *cmd, char **pos,
                             size_t npos)
{
	struct form forms[8];
	size_t nf = forms_of(cmd, forms, sizeof forms / sizeof forms[0]);

	if (strcmp(cmd->name, "help") == 0)
		return;
	for (size_t i = 0; i < nf; i++) {
		bool fits = form_fits(&forms[i], pos, npos);
		/* forms that share a start ("task start ...") offer it once */
		for (size_t j = 0; fits && j < i; j++)
			fits = !(form_fits(&forms[j], pos, npos) &&
			         strcmp(forms[j].tok[npos], forms[i].tok[npos]) == 0);
		if (!fits)
			continue;
		if (is_placeholder(forms[i].tok[npos]))
			offer_placeholder(k, cmd->name, forms[i].tok[npos]);
		else
			offer_alternatives(k, forms[i].tok[npos]);
	}
}

static void offer_commands(struct comp *k)
{
	for (size_t i = 0; i < cli_command_count(); i++)
		offer(k, cli_command_at(i)->name, strlen(cli_command_at(i)->name));
	offer(k, "help", 4);
}

int cli_complete(struct cli *c, int argc, char **argv)
{
	struct comp k = { c, argc > 0 ? argv[argc - 1] : "", c->db_path };
	const struct cli_command *cmd = NULL;
	char *pos[MAX_TOKENS];
	size_t npos = 0;
	int i = 0;

	/* The global options before the command; --db is the inventory to
	 * read names from. */
	for (; i < argc - 1 && argv[i][0] == '-'; i++) {
		const struct ow_opt *o = find_opt(cli_global_opts, argv[i]);
		if (o && o->arg && i + 1 < argc - 1) {
			if (o->code == 'd')
				k.db_path = argv[i + 1];
			i++;
		} else if (o && o->arg) {
			offer_value(&k, o->values);   /* the value of the last option */
			return 0;
		}
	}
	if (i >= argc - 1) {
		if (k.cur[0] == '-')
			offer_options(&k, cli_global_opts, NULL);
		else
			offer_commands(&k);
		return 0;
	}
	if (strcmp(argv[i], "help") == 0) {
		if (i + 2 == argc)
			offer_commands(&k);
		return 0;
	}
	if (!(cmd = cli_command_find(argv[i])))
		return 0;
	for (i++; i < argc - 1; i++) {
		const struct ow_opt *o = command_opt(cmd, argv[i]);
		if (o && o->arg && i + 1 == argc - 1) {
			offer_value(&k, o->values);
			return 0;
		}
		if (o && o->arg)
			i++;
		else if (argv[i][0] != '-' && npos < MAX_TOKENS)
			pos[npos++] = argv[i];
	}
	if (k.cur[0] == '-') {
		offer_options(&k, cmd->opts, cmd->name);
		if (cmd->site)
			offer_options(&k, siteopts_opts, cmd->name);
		return 0;
	}
	offer_positional(&k, cmd, pos, npos);
	return 0;
}
