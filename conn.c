/* SPDX-License-Identifier: ISC */
/*
 * conn.c - the client connection: the only code that reads from the
 * client or writes to it.
 *
 * Input is read in large blocks into one fixed buffer, under a deadline
 * for each command line, one for the session, and in DATA one that moves
 * with the data rate; SIGTERM, on its own descriptor, cuts any wait short.
 * Output is buffered and written only when the session is about to wait
 * for input, or ends, so a pipelined batch of commands (RFC 2920) is
 * answered in one write.  What a line or a reply means is left to
 * session.c and reply.c.  TLS sits here, under both: the TLS program
 * (smtpd-tls) takes the client's connection, and from the handshake on
 * every read and write goes to the plaintext end it gives back.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"

/* conn_now_ms - monotonic milliseconds: every deadline of smtpd. */
int64_t
conn_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * conn_init - timeout: the seconds a command line or a write may take.
 * No read waits past session_timeout seconds from now, nor past SIGTERM
 * on term_fd (-1: none); a write, TERM_WRITE_GRACE seconds past it.
 */
void
conn_init(struct conn *c, int in_fd, int out_fd, int term_fd, int timeout,
    int session_timeout)
{
	c->in_fd = in_fd;
	c->out_fd = out_fd;
	c->term_fd = term_fd;
	c->timeout = timeout;
	c->session_end = conn_now_ms() + (int64_t)session_timeout * 1000;
	c->failed = 0;
	c->olen = c->r = c->w = 0;
	c->tls_fd = -1;
}

/* ready - fd is readable within ms; poll(2) waits them out for fd -1. */
static int
ready(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms) > 0;
}

/*
 * fill - read more input, waiting until deadline (ms, monotonic; never
 * past the session's end), or until SIGTERM arrives.  Returns IN_LINE
 * when bytes arrived, else IN_EOF, IN_TIMEOUT or IN_TERM.  Replies are
 * flushed first: the client may be waiting for them.
 */
static enum conn_input
fill(struct conn *c, int64_t deadline)
{
	struct pollfd pfd[2] = {
		{ .fd = c->in_fd, .events = POLLIN },
		{ .fd = c->term_fd, .events = POLLIN },
	};
	ssize_t n;

	if (conn_flush(c) < 0)
		return IN_EOF;
	if (c->r == c->w) {
		c->r = c->w = 0;
	} else if (c->r > 0 && sizeof(c->in) - c->w < SMTP_AUTH_LINE_MAX) {
		memmove(c->in, c->in + c->r, c->w - c->r);
		/* No stale copy of a partial line (an AUTH response) stays. */
		memset(c->in + (c->w - c->r), 0, c->r);
		c->w -= c->r;
		c->r = 0;
	}
	if (deadline > c->session_end)
		deadline = c->session_end;
	for (;;) {
		int64_t left = deadline - conn_now_ms();
		int r;

		if (left <= 0)
			return IN_TIMEOUT;
		r = poll(pfd, 2, left > 3600000 ? 3600000 : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return IN_EOF;
		if (pfd[1].revents != 0)
			return IN_TERM;
		if (r == 0)
			continue; /* the loop checks the deadline */
		n = read(c->in_fd, c->in + c->w, sizeof(c->in) - c->w);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return IN_EOF;
		c->w += (size_t)n;
		return IN_LINE;
	}
}

/*
 * conn_line - the next command line, without its line end, which may be
 * CRLF or a bare LF; NUL-terminated in place.  A line longer than
 * SMTP_LINE_MAX is skipped to its end and reported once as IN_TOO_LONG:
 * memory never grows with it.  It must come within the timeout.
 */
enum conn_input
conn_line(struct conn *c, char **line, size_t *len)
{
	return conn_line_max(c, SMTP_LINE_MAX, line, len);
}

/*
 * conn_line_max - conn_line with lines of up to max octets (with the
 * line end; at most SMTP_AUTH_LINE_MAX), for SMTP AUTH (RFC 4954 4).
 */
enum conn_input
conn_line_max(struct conn *c, size_t max, char **line, size_t *len)
{
	int64_t deadline = conn_now_ms() + (int64_t)c->timeout * 1000;
	int too_long = 0;

	for (;;) {
		char *p = c->in + c->r;
		size_t avail = c->w - c->r;
		char *nl = memchr(p, '\n', avail);
		enum conn_input got;

		if (nl != NULL) {
			size_t n = (size_t)(nl - p);

			c->r += n + 1;
			if (too_long || n + 1 > max)
				return IN_TOO_LONG;
			if (n > 0 && p[n - 1] == '\r')
				n--;
			p[n] = '\0';
			*line = p;
			*len = n;
			return IN_LINE;
		}
		if (avail >= max) {
			too_long = 1;
			c->r = c->w;
		}
		got = fill(c, deadline);
		if (got != IN_LINE)
			return got;
	}
}

/*
 * conn_data - the input after 354, handed to take() as it arrives until
 * take() says the end of data was in it.  Returns IN_LINE then, else
 * IN_EOF, IN_TIMEOUT or IN_TERM.
 *
 * A sender has the timeout to send anything at all, and each octet it
 * sends buys it 1/min_rate seconds more, never more than the timeout
 * ahead: a client that dribbles a byte at a time cannot hold the session
 * open (as Postfix's smtpd_min_data_rate).  min_rate 0: no minimum.
 */
enum conn_input
conn_data(struct conn *c, unsigned min_rate,
    int (*take)(void *arg, const char *p, size_t len, size_t *used), void *arg)
{
	const int64_t window = (int64_t)c->timeout * 1000;
	int64_t deadline = conn_now_ms() + window;

	for (;;) {
		size_t used;
		enum conn_input got;
		int64_t now;
		int done = take(arg, c->in + c->r, c->w - c->r, &used);

		c->r += used;
		if (done)
			return IN_LINE;
		now = conn_now_ms();
		if (min_rate == 0)
			deadline = now + window;
		else
			deadline += (int64_t)used * 1000 / min_rate;
		if (deadline > now + window)
			deadline = now + window;
		got = fill(c, deadline);
		if (got != IN_LINE)
			return got;
	}
}

/* conn_waiting - input is waiting, read or not (the sync check). */
int
conn_waiting(const struct conn *c)
{
	return c->r < c->w || ready(c->in_fd, 0);
}

/* conn_terminating - SIGTERM is pending; asked when we would not block. */
int
conn_terminating(const struct conn *c)
{
	return c->term_fd >= 0 && ready(c->term_fd, 0);
}

/* conn_pause - flush, then wait seconds or until SIGTERM. */
void
conn_pause(struct conn *c, int seconds)
{
	(void)conn_flush(c);
	if (seconds > 0)
		(void)ready(c->term_fd, seconds * 1000);
}

/*
 * conn_give_back - the input read but not used back to the descriptor,
 * for what TURN starts; 0, or -1 if it cannot be (a pipe or a socket).
 */
int
conn_give_back(struct conn *c)
{
	off_t n = (off_t)(c->w - c->r);

	if (n == 0)
		return 0;
	if (lseek(c->in_fd, -n, SEEK_CUR) < 0)
		return -1;
	c->r = c->w;
	return 0;
}

/*
 * write_all - write len bytes, waiting at most the timeout for the client
 * each time it does not read.  Once SIGTERM is pending on term_fd (it is
 * left there for the session to see), the write has TERM_WRITE_GRACE
 * seconds more: a client that stopped reading cannot hold up shutdown.
 */
static int
write_all(struct conn *c, const char *p, size_t len)
{
	struct pollfd pfd[2] = {
		{ .fd = c->out_fd, .events = POLLOUT },
		{ .fd = c->term_fd, .events = POLLIN },
	};
	int64_t grace_end = -1;

	while (len > 0) {
		ssize_t n;
		int64_t wait = (int64_t)c->timeout * 1000;
		int r;

		if (grace_end >= 0 && grace_end - conn_now_ms() < wait)
			wait = grace_end - conn_now_ms();
		if (wait < 0)
			wait = 0;
		r = poll(pfd, 2, (int)wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0 && grace_end >= 0 && conn_now_ms() >= grace_end)
			log_event(LOG_NOTICE, "event=sigterm blocked=write");
		if (r <= 0)
			return -1;
		if (pfd[1].revents != 0) {
			grace_end =
			    conn_now_ms() + (int64_t)TERM_WRITE_GRACE * 1000;
			pfd[1].fd = -1; /* still readable: poll it no more */
		}
		if (pfd[0].revents == 0)
			continue;
		n = write(c->out_fd, p, len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* conn_flush - write what waits; 0, or -1 from the first failure on. */
int
conn_flush(struct conn *c)
{
	if (!c->failed && c->olen > 0 && write_all(c, c->out, c->olen) < 0)
		c->failed = 1;
	c->olen = 0;
	return c->failed ? -1 : 0;
}

/* conn_write - queue len bytes, len at most OUTBUF_SIZE. */
void
conn_write(struct conn *c, const char *p, size_t len)
{
	if (c->olen + len > sizeof(c->out))
		(void)conn_flush(c); /* a failure is kept in c->failed */
	memcpy(c->out + c->olen, p, len);
	c->olen += len;
}

/*
 * The TLS program.  Exec'd per session, it gets the client's connection
 * as descriptor 0 and one end of a socketpair as descriptor 1; its
 * service instead gets the connection over its UNIX socket (SCM_RIGHTS)
 * and the connection made to it is the plaintext end.  Either says
 * "ready" when the certificate and key are loaded, then, after the
 * handshake, "tls VERSION CIPHER BITS" (or "fail REASON") before the
 * client's plaintext.  It reads the key; smtpd never does.
 */
extern char **environ;

/* spawn - the program on the connection; its plaintext end, or -1. */
static int
spawn(const struct conn *c, const struct conn_tls_cfg *t)
{
	char timeout[16], *argv[7];
	posix_spawn_file_actions_t fa;
	int sp[2], r;
	pid_t pid;

	(void)snprintf(timeout, sizeof(timeout), "%d", c->timeout);
	argv[0] = (char *)(uintptr_t)t->program;
	argv[1] = (char *)(uintptr_t)"--timeout";
	argv[2] = timeout;
	argv[3] = (char *)(uintptr_t)t->cert;
	argv[4] = (char *)(uintptr_t)t->key;
	argv[5] = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return -1;
	if ((r = posix_spawn_file_actions_init(&fa)) == 0) {
		if ((r = posix_spawn_file_actions_adddup2(&fa, c->in_fd, 0)) ==
			0 &&
		    (r = posix_spawn_file_actions_adddup2(&fa, sp[1], 1)) == 0)
			r = posix_spawn(&pid, t->program, &fa, NULL, argv,
			    environ);
		(void)posix_spawn_file_actions_destroy(&fa);
	}
	(void)close(sp[1]);
	if (r != 0) {
		(void)close(sp[0]);
		errno = r;
		return -1;
	}
	return sp[0];
}

/* service - the connection handed to the service; its end, or -1. */
static int
service(const struct conn *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char octet = 'c', space[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &octet, 1 };
	struct msghdr m = { .msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = space,
		.msg_controllen = sizeof(space) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	int fd, e;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &c->in_fd, sizeof(int));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    sendmsg(fd, &m, MSG_NOSIGNAL) == 1)
		return fd;
	e = errno;
	(void)close(fd);
	errno = e;
	return -1;
}

/*
 * said - what the program says before the handshake, one line into buf
 * within ms: 0, or -1.  Only that line is taken from the socket: with
 * implicit TLS the client's hello is there at once, and the "tls" line
 * can follow "ready" before smtpd reads (it is conn_tls_handshake's).
 */
static int
said(int fd, char *buf, size_t size, int ms)
{
	int64_t end = conn_now_ms() + ms;
	size_t n = 0;

	while (n + 1 < size) {
		int64_t left = end - conn_now_ms();
		const char *nl;
		ssize_t r;

		if (left <= 0 || !ready(fd, (int)left))
			return -1;
		if ((r = recv(fd, buf + n, size - 1 - n, MSG_PEEK)) < 0 &&
		    errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if ((nl = memchr(buf + n, '\n', (size_t)r)) != NULL)
			r = nl - (buf + n) + 1;
		if (read(fd, buf + n, (size_t)r) != r)
			return -1;
		n += (size_t)r;
		if (nl != NULL) {
			buf[n - 1] = '\0';
			return 0;
		}
	}
	return -1;
}

/*
 * conn_tls_start - the TLS program started, with its key loaded, for
 * STARTTLS (before the 220) or implicit TLS: 0; -1 with info->why (the
 * client may go on in plaintext).
 */
int
conn_tls_start(struct conn *c, const struct conn_tls_cfg *t,
    struct conn_tls *info)
{
	char line[sizeof(info->why) + 5] = "";
	int fd;

	memset(info, 0, sizeof(*info));
	fd = t->service != NULL ? service(c, t->service) : spawn(c, t);
	if (fd < 0) {
		(void)snprintf(info->why, sizeof(info->why), "%s: %s",
		    t->service != NULL ? t->service : t->program,
		    strerror(errno));
		return -1;
	}
	if (said(fd, line, sizeof(line), c->timeout * 1000) < 0 ||
	    strcmp(line, "ready") != 0) {
		(void)snprintf(info->why, sizeof(info->why), "%s",
		    strncmp(line, "fail ", 5) == 0 ? line + 5 : "no answer");
		(void)close(fd);
		return -1;
	}
	c->tls_fd = fd;
	return 0;
}

/*
 * conn_tls_handshake - once the 220 is out (or at once, for implicit
 * TLS): the handshake's outcome.  0 with info, and the session goes on
 * through the TLS program; -1 with info->why, and nothing more is ever
 * read from the client or written to it.
 */
/* tls_said - "tls VERSION CIPHER BITS" into info: 0, or -1. */
static int
tls_said(char *line, struct conn_tls *info)
{
	char *save = NULL, *v, *cipher, *b, *end;
	unsigned long bits;

	if (strncmp(line, "tls ", 4) != 0 ||
	    (v = strtok_r(line + 4, " ", &save)) == NULL ||
	    (cipher = strtok_r(NULL, " ", &save)) == NULL ||
	    (b = strtok_r(NULL, " ", &save)) == NULL ||
	    strlen(v) >= sizeof(info->version) ||
	    strlen(cipher) >= sizeof(info->cipher))
		return -1;
	errno = 0;
	bits = strtoul(b, &end, 10);
	if (errno != 0 || *end != '\0' || bits > 65536)
		return -1;
	memcpy(info->version, v, strlen(v) + 1);
	memcpy(info->cipher, cipher, strlen(cipher) + 1);
	info->bits = (unsigned)bits;
	return 0;
}

int
conn_tls_handshake(struct conn *c, struct conn_tls *info)
{
	char *line;
	size_t len;

	if (conn_flush(c) < 0)
		return -1;
	c->in_fd = c->out_fd = c->tls_fd;
	c->r = c->w = 0;
	if (conn_line(c, &line, &len) != IN_LINE || tls_said(line, info) < 0) {
		(void)snprintf(info->why, sizeof(info->why), "%s",
		    c->w > 0 && strncmp(c->in, "fail ", 5) == 0 ? c->in + 5 :
								    "no answer");
		c->failed = 1;
		return -1;
	}
	return 0;
}
