/* SPDX-License-Identifier: ISC */
/*
 * sink.c - the delivery side of every handler in the benchmark: read the
 * message on stdin to its end, discard it, exit 0.
 *
 * Under mailfront's qmail backend (qmail-queue's protocol) the envelope
 * comes on a second pipe, descriptor 1; it is read to its end too, so the
 * handler never writes into a closed pipe.  Everywhere else descriptor 1
 * is open for writing only, and the read fails at once.
 */
#include <errno.h>
#include <unistd.h>

static char buf[65536];

static void
drain(int fd)
{
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) != 0)
		if (n < 0 && errno != EINTR)
			return;
}

int
main(void)
{
	drain(0);
	drain(1);
	return 0;
}
