/* SPDX-License-Identifier: ISC */
/*
 * fuzz_path.c - libFuzzer harness for the address parser,
 * path_parse(), under each combination of its flags.  The input
 * is what follows "MAIL FROM:" or "RCPT TO:", in a buffer of exactly its
 * size, so that a read past it is caught.
 *
 * A mailbox it accepts becomes an argument of the delivery command, so
 * beyond the sanitizers it checks: the path ends in '>' at *used, which is
 * at most SMTP_PATH_MAX; the mailbox is a C string of p->len octets with
 * no control character, DEL, C1 control (UTF-8 C2 80 to C2 9F: CSI, OSC
 * and ST for a terminal) or (unless SMTPUTF8 is needed) 8-bit octet,
 * does not begin with '-', and is empty only for "<>" as a reverse-path.
 * A refused path leaves p empty.
 *
 * The same input, as a C string, goes to the ESMTP parameter parser,
 * path_params(), with MAIL's parameters known and with none: an error
 * names what was wrong, and nothing is known when none may be.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const char *s, size_t len, int flags)
{
	struct path p;
	size_t used = SIZE_MAX, i;
	enum path_result r;

	memset(&p, 'Z', sizeof(p));
	r = path_parse(s, len, flags, &p, &used);
	if (r != PATH_OK) {
		if (p.len != 0 || p.addr[0] != '\0' || p.utf8 != 0)
			abort();
		return;
	}
	if (used < 2 || used > len || used > SMTP_PATH_MAX ||
	    s[used - 1] != '>' || s[0] != '<')
		abort();
	if (p.len >= sizeof(p.addr) || strlen(p.addr) != p.len)
		abort();
	if (p.len == 0) {
		if (!(flags & PATH_NULL_OK) || used != 2)
			abort();
		return;
	}
	if (p.addr[0] == '-')
		abort();
	for (i = 0; i < p.len; i++) {
		unsigned char c = (unsigned char)p.addr[i];

		if (c < 0x20 || c == 0x7f || (c >= 0x80 && !p.utf8))
			abort();
		if (c == 0xc2 && i + 1 < p.len &&
		    (unsigned char)p.addr[i + 1] >= 0x80 &&
		    (unsigned char)p.addr[i + 1] <= 0x9f)
			abort();
	}
	/* Only <Postmaster> may go without a domain. */
	if (memchr(p.addr, '@', p.len) == NULL &&
	    (!(flags & PATH_POSTMASTER_OK) || p.len != 10))
		abort();
}

static void
check_params(const char *s, size_t len)
{
	char *buf = malloc(len + 1);
	struct params pm;
	int mail;

	if (buf == NULL)
		abort();
	for (mail = 0; mail < 2; mail++) {
		memcpy(buf, s, len);
		buf[len] = '\0';
		switch (path_params(buf, mail, &pm)) {
		case PARAM_OK:
			if (!mail && (pm.has_size || pm.smtputf8))
				abort();
			break;
		case PARAM_UNKNOWN:
		case PARAM_SYNTAX:
			if (pm.bad == NULL || pm.bad[0] == '\0')
				abort();
			break;
		default:
			abort();
		}
	}
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);
	int flags;

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	for (flags = 0; flags < 4; flags++)
		check(s, size, flags);
	check_params(s, size);
	free(s);
	return 0;
}
