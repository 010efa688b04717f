#include <locale.h>
#include <stdio.h>

#include "cli/cli.h"

int main(int argc, char **argv)
{
	/* The locale decides UTF-8 glyphs vs ASCII and character widths. */
	setlocale(LC_ALL, "");
	return cli_main(argc, argv, stdout, stderr);
}
