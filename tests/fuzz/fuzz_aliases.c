/* SPDX-License-Identifier: ISC */
/*
 * fuzz_aliases.c - libFuzzer harness for the aliases(5) parser: the input
 * is an aliases file, parsed into a fresh table; then every name the
 * input could define is expanded, as EXPN and VRFY would.  It looks for
 * what fuzzing finds: reads and writes out of bounds, leaks, hangs in the
 * expansion of loops.  That no answer shows a |command, /file or
 * :include: member is held by tests/unit/check_lookup.c and by the
 * transcript runner, which know which members those are; a harness fed
 * arbitrary names cannot tell a leaked member from the name it asked
 * about, which VRFY may echo.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "aliases.h"
#include "log.h"
#include "lookup.h"
#include "users.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "bob:x:1001:1001:Bob Smith:/home/bob:/bin/sh\n";


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lookup_lines lines; /* large: not on the stack */
	struct lookup *lk = lookup_new();
	char name[65];
	const uint8_t *p, *end = data + size;

	log_init(LOG_SINK_OFF, NULL);
	if (lk == NULL || access_add_domain(lk->access, "example.org") < 0 ||
	    users_parse_passwd(lk->users, passwd, sizeof(passwd) - 1, "p") < 0)
		abort();
	(void)aliases_parse(lk->aliases, (const char *)data, size, "fuzz");
	/* Each line's first word is a name to ask about. */
	for (p = data; p < end;) {
		size_t n = 0;

		while (p < end && *p != '\n' && *p != ':' && n < sizeof(name) - 1)
			name[n++] = (char)*p++;
		name[n] = '\0';
		while (p < end && *p++ != '\n')
			;
		if (n == 0 || memchr(name, '\0', n) != NULL)
			continue;
		lines.n = 0;
		(void)lookup_expn(lk, name, &lines);
		lines.n = 0;
		(void)lookup_vrfy(lk, name, &lines);
	}
	lookup_free(lk);
	return 0;
}
