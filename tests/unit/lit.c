/* SPDX-License-Identifier: ISC */
/*
 * lit.c - show(), for the messages of the parsers' tests.
 */
#include <stdio.h>

#include "lit.h"

/* show - s[0, len) with octets other than printable ASCII as \xNN. */
const char *
show(const char *s, size_t len)
{
	static char bufs[2][4 * 600 + 8];
	static int which;
	char *buf = bufs[which ^= 1];
	size_t i, n = 0;

	for (i = 0; i < len && n + 5 < sizeof(bufs[0]); i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[n++] = (char)c;
		else
			n += (size_t)snprintf(
			    buf + n, sizeof(bufs[0]) - n, "\\x%02x", c);
	}
	buf[n] = '\0';
	return buf;
}
