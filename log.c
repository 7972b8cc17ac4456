/* SPDX-License-Identifier: ISC */
/*
 * log.c - one line per event on stderr, "<level>key=value ...", the form
 * journald and most supervisors read.  main turns it off when stderr is
 * the client's connection (inetd): a diagnostic must never reach the
 * client.  Control characters in a line are replaced, so text that came
 * from the client can never forge a second line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"

static int log_enabled;

void
log_init(int enabled)
{
	log_enabled = enabled;
}

void
log_event(int level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n, len;

	if (!log_enabled)
		return;
	n = snprintf(buf, sizeof(buf), "<%d>", level);
	va_start(ap, fmt);
	len = vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	len += n;
	if (len > (int)sizeof(buf) - 2)
		len = (int)sizeof(buf) - 2;
	for (n = 0; n < len; n++)
		if ((unsigned char)buf[n] < ' ' || buf[n] == 127)
			buf[n] = '?';
	buf[len++] = '\n';
	/* A log that cannot be written must not end the session. */
	if (write(STDERR_FILENO, buf, (size_t)len) < 0)
		return;
}
