#include "util/who.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *who_operator(void)
{
	/* Rebuilt on every call (the environment may change between calls
	 * in one process, as in the tests); one process, one thread writes. */
	static char op[256];
	const struct passwd *pw = getpwuid(getuid());
	const char *sudo = getenv("SUDO_USER");
	char account[128];

	/* The account is what the kernel says we run as; environment
	 * variables are claims anyone can set, so they are shown beside it
	 * (the SSH client goes in its own column), never in its place. */
	if (pw && pw->pw_name && pw->pw_name[0])
		snprintf(account, sizeof account, "%s", pw->pw_name);
	else
		snprintf(account, sizeof account, "uid %lu", (unsigned long)getuid());
	if (sudo && *sudo && strcmp(sudo, account) != 0)
		snprintf(op, sizeof op, "%s (sudo: %.100s)", account, sudo);
	else
		snprintf(op, sizeof op, "%s", account);
	return op;
}
