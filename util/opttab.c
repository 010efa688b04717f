#include "util/opttab.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/num.h"

static int add_row(struct ow_getopt *g, size_t *n, size_t *ns, const struct ow_opt *o)
{
	if (*n == OW_OPT_MAX)
		return -1;
	g->longopts[*n] = (struct option){ o->name, o->arg ? required_argument : no_argument,
		                           NULL, o->code };
	(*n)++;
	if (o->letter) {
		g->shorts[(*ns)++] = o->letter;
		if (o->arg)
			g->shorts[(*ns)++] = ':';
	}
	return 0;
}

int ow_getopt_init(struct ow_getopt *g, const struct ow_opt *a, const struct ow_opt *b)
{
	const struct ow_opt *tables[] = { a, b };
	size_t n = 0, ns = 0;
	int rc = 0;

	memset(g, 0, sizeof *g);
	for (size_t t = 0; t < 2 && rc == 0; t++)
		for (const struct ow_opt *o = tables[t]; o && o->name && rc == 0; o++)
			rc = add_row(g, &n, &ns, o);
	return rc ? -1 : (int)n;
}

size_t ow_opt_count(const struct ow_opt *t)
{
	size_t n = 0;

	while (t && t[n].name)
		n++;
	return n;
}

bool ow_opt_for(const struct ow_opt *o, const char *cmd)
{
	size_t len;

	if (!o->only || !cmd)
		return true;
	len = strlen(cmd);
	for (const char *p = o->only; (p = strstr(p, cmd)) != NULL; p += len)
		if ((p == o->only || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
			return true;
	return false;
}

void ow_opt_label(const struct ow_opt *o, char *out, size_t n)
{
	char letter[8] = "";

	if (o->letter)
		snprintf(letter, sizeof letter, "-%c, ", o->letter);
	snprintf(out, n, "%s--%s%s%s", letter, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

/* Words of s from column col on, broken before width; every new line
 * starts at indent. */
static void wrap(FILE *f, const char *s, int col, int indent, int width)
{
	while (*s) {
		size_t w = strcspn(s, " ");

		if (col > indent && col + 1 + (int)w > width) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fwrite(s, 1, w, f);
		col += (int)w;
		s += w;
		s += strspn(s, " ");
	}
	fputc('\n', f);
}

void ow_opt_print(FILE *f, const struct ow_opt *t, const char *cmd, int width)
{
	enum { LABEL_COL = 2, HELP_COL = 24 };
	char label[128];

	for (const struct ow_opt *o = t; o && o->name; o++) {
		if (!ow_opt_for(o, cmd))
			continue;
		ow_opt_label(o, label, sizeof label);
		fprintf(f, "%*s%s", LABEL_COL, "", label);
		if (LABEL_COL + (int)strlen(label) + 2 <= HELP_COL) {
			fprintf(f, "%*s", HELP_COL - LABEL_COL - (int)strlen(label), "");
		} else {
			fprintf(f, "\n%*s", HELP_COL, "");
		}
		/* wrap() starts a line at HELP_COL as "already indented" */
		wrap(f, o->help ? o->help : "", HELP_COL, HELP_COL, width);
	}
}

void ow_text_print(FILE *f, const char *text, int indent, int width)
{
	fprintf(f, "%*s", indent, "");
	wrap(f, text, indent, indent, width);
}

void ow_man_date(char *out, size_t n)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	long secs;
	time_t t = sde && num_parse_long(sde, 0, 253402300799L, &secs) == 0 ? (time_t)secs
	                                                                     : time(NULL);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, n, "%Y-%m-%d", &tm) == 0)
		snprintf(out, n, "1970-01-01");
}

void ow_roff_text(FILE *f, const char *s)
{
	bool bol = true;

	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		bol = *s == '\n';
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
	}
}

void ow_opt_roff(FILE *f, const struct ow_opt *t, const char *cmd)
{
	for (const struct ow_opt *o = t; o && o->name; o++) {
		if (!ow_opt_for(o, cmd))
			continue;
		fputs(".TP\n", f);
		if (o->letter)
			fprintf(f, "\\fB\\-%c\\fR, ", o->letter);
		fputs("\\fB\\-\\-", f);
		ow_roff_text(f, o->name);
		fputs("\\fR", f);
		if (o->arg) {
			fputs(" \\fI", f);
			ow_roff_text(f, o->arg);
			fputs("\\fR", f);
		}
		fputc('\n', f);
		ow_roff_text(f, o->help ? o->help : "");
		fputc('\n', f);
	}
}
