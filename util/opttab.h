/* Option tables: a program's or command's options declared once, with
 * their help. getopt_long's table, --help, the manual page and the shell
 * completion are all derived from the same rows, so they cannot drift. */
#ifndef OW_UTIL_OPTTAB_H
#define OW_UTIL_OPTTAB_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

struct ow_opt {
	const char *name;     /* the long name without "--"; NULL ends a table */
	char letter;          /* its short form (-o), or 0 */
	int code;             /* what getopt_long returns for it */
	const char *arg;      /* the value's name in help (FILE, N), or NULL: takes none */
	/* What completion offers for the value: "a|b|c", or a kind the
	 * completer knows ("@file", "@check", "@dir"); NULL: nothing. */
	const char *values;
	/* The commands of a shared table the option is meant for, space
	 * separated; NULL: all of them. Only help, manual and completion read
	 * it: getopt accepts every row of the table. */
	const char *only;
	const char *help;
};

/* The most rows one getopt_long call takes (every table in the tree is
 * checked against it by test_opttab). */
#define OW_OPT_MAX 48

struct ow_getopt {
	struct option longopts[OW_OPT_MAX + 1];
	char shorts[2 * OW_OPT_MAX + 1];
};

/* Fills g from the tables a then b (b may be NULL), in that order: the
 * long options and the short-option string ("o:" for a letter taking a
 * value). Returns the number of rows, or -1 when they exceed OW_OPT_MAX
 * (g then holds the first OW_OPT_MAX, still terminated). */
int ow_getopt_init(struct ow_getopt *g, const struct ow_opt *a, const struct ow_opt *b);

/* Rows in a table. */
size_t ow_opt_count(const struct ow_opt *t);

/* Whether row o is for the command cmd (NULL: any). */
bool ow_opt_for(const struct ow_opt *o, const char *cmd);

/* "-o, --output FILE" / "--db FILE" into out (always terminated). */
void ow_opt_label(const struct ow_opt *o, char *out, size_t n);

/* The rows for cmd as help lines: the label, then the help wrapped to
 * width columns, indented. */
void ow_opt_print(FILE *f, const struct ow_opt *t, const char *cmd, int width);

/* text wrapped to width columns, every line indented by indent. */
void ow_text_print(FILE *f, const char *text, int indent, int width);

/* A manual page's date (YYYY-MM-DD): SOURCE_DATE_EPOCH's, which a package
 * build sets from its changelog so the page is the same at every build;
 * else today's. */
void ow_man_date(char *out, size_t n);

/* Text as roff: backslashes and hyphens escaped, a leading '.' or '\''
 * made harmless; nothing else changes. */
void ow_roff_text(FILE *f, const char *s);

/* The rows for cmd as a roff list (.TP per option, label in bold, the
 * value's name in italics). */
void ow_opt_roff(FILE *f, const struct ow_opt *t, const char *cmd);

#endif
