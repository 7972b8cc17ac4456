/* SPDX-License-Identifier: ISC */
/*
 * fuzz_session.c - libFuzzer harness for a whole session: the input is
 * the bytes a client sends, played through session_run() from a memfd,
 * once under each --bare-lf policy (the second with small limits, so that
 * 452 and 552 are in reach).  Messages go to store_stub.c.  AUTH works
 * without TLS (--auth-plaintext) with a checkpassword program that
 * refuses everyone (/bin/false) in the first run, and one that accepts
 * everyone (/bin/true, which exits 0) in the second.
 *
 * Beyond what the sanitizers catch, it checks what a client sees: every
 * reply line is "[2-5]dd" then ' ' or '-', printable ASCII, at most 512
 * octets with its CRLF (RFC 5321 4.5.3.1.5), the lines of one reply share
 * its code, and nothing follows a 221 or a 421.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "access.h"
#include "aliases.h"
#include "log.h"
#include "lookup.h"
#include "session.h"
#include "store_stub.h"
#include "users.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *const command[] = { "/bin/true", NULL };
static char *refuse[] = { "/bin/false", NULL }, *accept_all[] = { "/bin/true",
	NULL };
static const struct auth_cfg auth_refuse = { .checkpassword = refuse };
static const struct auth_cfg auth_accept = { .checkpassword = accept_all };

/* Users and aliases from the test data's kind, so RCPT, VRFY and EXPN
 * answer from the real lookup module without touching NSS. */
static const char passwd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "bob:x:1001:1001:Bob Smith:/home/bob:/bin/sh\n"
    "carol:x:1002:1002:Carol Smith,Room 1:/home/carol:/bin/sh\n";
static const char aliases[] =
    "postmaster: root\n"
    "list: bob, carol, \"|/usr/bin/prog\", /var/spool/file\n"
    "away: someone@elsewhere.example\n"
    "loop: loop2\nloop2: loop\n";

static struct lookup *
lookup_once(void)
{
	static struct lookup *lk;

	if (lk == NULL) {
		if ((lk = lookup_new()) == NULL ||
		    access_add_domain(lk->access, "example.org") < 0 ||
		    access_add_domain(lk->access, "mx.example.org") < 0 ||
		    users_parse_passwd(lk->users, passwd, sizeof(passwd) - 1,
			"p") < 0 ||
		    aliases_parse(lk->aliases, aliases, sizeof(aliases) - 1,
			"a") < 0)
			abort();
	}
	return lk;
}

static int
memfd_with(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	while (size > 0) {
		ssize_t n = write(fd, data, size);

		if (n <= 0)
			abort();
		data += n;
		size -= (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

/* check_replies - the properties above, over everything smtpd wrote. */
static void
check_replies(int fd)
{
	off_t end = lseek(fd, 0, SEEK_END);
	char *buf, *p, *stop;
	int closed = 0, code = 0;

	if (end < 0 || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	if (end == 0)
		abort(); /* not even a greeting */
	if ((buf = malloc((size_t)end)) == NULL ||
	    read(fd, buf, (size_t)end) != end)
		abort();
	stop = buf + end;
	for (p = buf; p < stop;) {
		char *nl = memchr(p, '\n', (size_t)(stop - p));
		size_t len, i;
		int c;

		if (nl == NULL || closed)
			abort(); /* a cut line, or a reply after the last */
		len = (size_t)(nl - p) + 1;
		if (len > SMTP_REPLY_MAX || len < 6 || p[len - 2] != '\r')
			abort();
		if (p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '9' ||
		    p[2] < '0' || p[2] > '9' || (p[3] != ' ' && p[3] != '-'))
			abort();
		for (i = 4; i < len - 2; i++)
			if (p[i] < 0x20 || p[i] > 0x7e)
				abort();
		c = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		if (code != 0 && c != code)
			abort(); /* a multi-line reply changed its code */
		code = p[3] == '-' ? c : 0;
		if (p[3] == ' ' && (c == 221 || c == 421))
			closed = 1;
		p = nl + 1;
	}
	if (code != 0)
		abort(); /* the last reply was left unfinished */
	free(buf);
}

static void
play(const uint8_t *data, size_t size, enum bare_lf policy)
{
	struct config cfg = {
		.hostname = "mx.example.org",
		.max_size = policy == BARE_LF_REJECT ? 0 : 2000,
		.max_rcpts = policy == BARE_LF_REJECT ? 100 : 3,
		.timeout = 300,
		.session_timeout = 3600,
		.min_data_rate = 500,
		.delivery_timeout = 300,
		.harvest_delay = 0, /* a sleep would read as a hang */
		.sync_check = 0, /* a memfd is always readable */
		.bare_lf = policy,
		.command = command,
		.tmpdir = "/tmp",
		.term_fd = -1,
		.lookup = lookup_once(),
		.trusted = policy == BARE_LF_NORMALIZE, /* both relay rules */
		.auth = policy == BARE_LF_REJECT ? &auth_refuse : &auth_accept,
		.auth_plaintext = 1,
	};

	cfg.in_fd = memfd_with(data, size);
	cfg.out_fd = memfd_create("replies", MFD_CLOEXEC);
	if (cfg.out_fd < 0)
		abort();
	(void)session_run(&cfg, NULL);
	if (stub_open_stores() != 0)
		abort(); /* a message was neither delivered nor dropped */
	check_replies(cfg.out_fd);
	(void)close(cfg.in_fd);
	(void)close(cfg.out_fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	log_init(LOG_SINK_OFF, NULL);
	play(data, size, BARE_LF_REJECT);
	play(data, size, BARE_LF_NORMALIZE);
	return 0;
}
