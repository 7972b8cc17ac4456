/* SPDX-License-Identifier: ISC */
/*
 * workload.c - write one of the benchmark's client sessions to stdout,
 * exactly the bytes a client sends: CRLF line ends, dot-stuffed bodies.
 *
 *   W1  EHLO, MAIL, one RCPT, a 4 KiB message, QUIT
 *   W2  the same with 100 RCPT
 *   W3  one message of 64 MiB
 *   W4  100 transactions of the W1 message in one session
 *
 * A message is a few header lines and lines of 78 characters; every 50th
 * line starts with a dot, so the server has to unstuff it.  The sizes
 * count the message as it travels, stuffing dots and CRLFs included.  The
 * text comes from a fixed generator: every run sends the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_CHARS 78

static unsigned long seed = 1;

static char
text_char(void)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz      "
				  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,.";

	seed = seed * 1103515245 + 12345;
	return set[(seed >> 16) % (sizeof(set) - 1)];
}

/* message - one message of exactly size octets on the wire, final dot
 * not counted. */
static void
message(unsigned long size, unsigned n)
{
	char line[LINE_CHARS + 3];
	unsigned long left;
	unsigned lineno = 0;
	int h;

	h = printf("From: <sender@bench.example>\r\n"
		   "To: <rcpt@bench.example>\r\n"
		   "Subject: benchmark message %u\r\n"
		   "Message-ID: <%u.bench@bench.example>\r\n"
		   "\r\n",
	    n, n);
	left = size - (unsigned long)h;
	while (left > 0) {
		size_t len = LINE_CHARS, i;

		if (len + 2 > left)
			len = left - 2;
		if (left - (len + 2) == 1 || left - (len + 2) == 2)
			len = left - 5 > LINE_CHARS ? LINE_CHARS : left - 5;
		for (i = 0; i < len; i++)
			line[i] = text_char();
		/* Never a line of one dot; every 50th line stuffed. */
		if (len > 1 && ++lineno % 50 == 0)
			line[0] = line[1] = '.';
		else if (len > 0 && line[0] == '.')
			line[0] = 'x';
		line[len] = '\r';
		line[len + 1] = '\n';
		fwrite(line, 1, len + 2, stdout);
		left -= len + 2;
	}
	fputs(".\r\n", stdout);
}

static void
transaction(unsigned rcpts, unsigned long size, unsigned n)
{
	unsigned i;

	printf("MAIL FROM:<sender@bench.example> SIZE=%lu\r\n", size);
	if (rcpts == 1)
		fputs("RCPT TO:<rcpt@bench.example>\r\n", stdout);
	else
		for (i = 1; i <= rcpts; i++)
			printf("RCPT TO:<rcpt%03u@bench.example>\r\n", i);
	fputs("DATA\r\n", stdout);
	message(size, n);
}

int
main(int argc, char **argv)
{
	const char *w = argc == 2 ? argv[1] : "";
	unsigned i;

	if (strcmp(w, "W1") && strcmp(w, "W2") && strcmp(w, "W3") &&
	    strcmp(w, "W4")) {
		fputs("usage: workload W1|W2|W3|W4\n", stderr);
		return 2;
	}
	fputs("EHLO client.bench.example\r\n", stdout);
	if (strcmp(w, "W1") == 0)
		transaction(1, 4096, 1);
	else if (strcmp(w, "W2") == 0)
		transaction(100, 4096, 1);
	else if (strcmp(w, "W3") == 0)
		transaction(1, 64UL << 20, 1);
	else
		for (i = 1; i <= 100; i++)
			transaction(1, 4096, i);
	fputs("QUIT\r\n", stdout);
	return fflush(stdout) == 0 ? 0 : 1;
}
