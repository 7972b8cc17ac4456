/* SPDX-License-Identifier: ISC */
/*
 * auth.c - SMTP AUTH's backends and the decoders of its exchange.
 *
 * smtpd never holds a password database: a user name and password that
 * the session collected (PLAIN or LOGIN) are handed to Dovecot, over its
 * auth-client socket and protocol (VERSION, CPID, MECH, AUTH, CONT, OK,
 * FAIL; doc.dovecot.org, "Dovecot Authentication Protocol"), or to a
 * checkpassword program (the qmail interface: "user\0password\0
 * timestamp\0" on descriptor 3, exit 0 accepts, 1 refuses).  Every wait
 * for either is bounded by the session's --timeout; what cannot be told
 * in time, or at all, is AUTH_TEMPFAIL (454), never a refusal.  The
 * Dovecot connection is opened only when the session first needs it
 * (EHLO where AUTH would be listed, or AUTH), so that a session without
 * --auth pays nothing.
 *
 * The decoders (base64 of RFC 4648 4, xtext of RFC 3461 4, the PLAIN
 * message of RFC 4616 2) are pure functions for the session, the unit
 * tests and the fuzzers.  What the client says, what reply it gets, and
 * the log are session_auth.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "conn.h"
#include "log.h"
#include "reply.h"

extern char **environ;

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * auth_b64_decode - strict base64 (RFC 4648 4): groups of four, padding
 * only at the end, no white space (RFC 4954 4 allows none).  Returns the
 * decoded length (out is NUL-terminated after it), or -1 if in is not
 * base64 or out cannot hold it.
 */
long
auth_b64_decode(const char *in, size_t len, char *out, size_t size)
{
	size_t i, n = 0;

	if (len % 4 != 0 || len / 4 * 3 >= size)
		return -1;
	for (i = 0; i < len; i += 4) {
		int v[4], k, pad = 0;
		unsigned long group = 0;

		for (k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)in[i + k];

			if (c == '=' && i + 4 == len && k >= 2 &&
			    (k == 3 || in[i + 3] == '=')) {
				v[k] = 0;
				pad++;
			} else if (pad > 0 || (v[k] = b64_value(c)) < 0) {
				return -1;
			}
			group = group << 6 | (unsigned long)v[k];
		}
		out[n++] = (char)(group >> 16 & 0xff);
		if (pad < 2)
			out[n++] = (char)(group >> 8 & 0xff);
		if (pad < 1)
			out[n++] = (char)(group & 0xff);
	}
	out[n] = '\0';
	return (long)n;
}

/*
 * auth_b64_encode - in as base64 into out, NUL-terminated; its length,
 * or 0 (out empty) if out is too small.
 */
size_t
auth_b64_encode(const char *in, size_t len, char *out, size_t size)
{
	size_t i, n = 0;

	if ((len + 2) / 3 * 4 >= size) {
		if (size > 0)
			out[0] = '\0';
		return 0;
	}
	for (i = 0; i < len; i += 3) {
		unsigned long g = (unsigned long)(unsigned char)in[i] << 16;

		if (i + 1 < len)
			g |= (unsigned long)(unsigned char)in[i + 1] << 8;
		if (i + 2 < len)
			g |= (unsigned char)in[i + 2];
		out[n++] = b64[g >> 18 & 63];
		out[n++] = b64[g >> 12 & 63];
		out[n++] = (char)(i + 1 < len ? b64[g >> 6 & 63] : '=');
		out[n++] = (char)(i + 2 < len ? b64[g & 63] : '=');
	}
	out[n] = '\0';
	return n;
}

static int
hex_upper(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * auth_xtext_decode - RFC 3461 4: "!" to "~" but "+" and "=" stand for
 * themselves, "+" and two upper-case hex digits for any octet.  A
 * decoded octet outside printable ASCII and space is refused: the result
 * goes into the delivery command's environment.  0, or -1 (bad xtext,
 * or too long for out).
 */
int
auth_xtext_decode(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;

		if (c == '+') {
			int hi = hex_upper((unsigned char)in[1]), lo;

			if (hi < 0 ||
			    (lo = hex_upper((unsigned char)in[2])) < 0)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			in += 2;
			if (c < ' ' || c > '~')
				return -1;
		} else if (c <= ' ' || c > '~' || c == '=') {
			return -1;
		}
		if (n + 1 >= size)
			return -1;
		out[n++] = (char)c;
	}
	if (size == 0)
		return -1;
	out[n] = '\0';
	return 0;
}

/*
 * auth_plain_split - RFC 4616 2: [authzid] NUL authcid NUL passwd, with
 * no other NUL.  0 with p's fields pointing into msg, or -1.
 */
int
auth_plain_split(const char *msg, size_t len, struct auth_plain *p)
{
	const char *a = memchr(msg, '\0', len), *b;

	if (a == NULL ||
	    (b = memchr(a + 1, '\0', len - (size_t)(a + 1 - msg))) == NULL ||
	    memchr(b + 1, '\0', len - (size_t)(b + 1 - msg)) != NULL)
		return -1;
	p->authzid = msg;
	p->authzid_len = (size_t)(a - msg);
	p->authcid = a + 1;
	p->authcid_len = (size_t)(b - (a + 1));
	p->passwd = b + 1;
	p->passwd_len = len - (size_t)(b + 1 - msg);
	return 0;
}

void
auth_init(struct auth *a, const struct auth_cfg *cfg, int timeout)
{
	a->cfg = cfg;
	a->timeout = timeout;
	a->fd = -1;
	a->tried = 0;
	a->mechs = 0;
	a->id = 0;
	a->r = a->w = 0;
}

void
auth_end(struct auth *a)
{
	if (a->fd >= 0)
		(void)close(a->fd);
	a->fd = -1;
	a->mechs = 0;
	a->r = a->w = 0;
}

/* backend_error - log why Dovecot failed us, and drop the connection. */
static void
backend_error(struct auth *a, const char *what)
{
	log_event(LOG_WARNING,
	    "event=auth_backend backend=dovecot socket=%s "
	    "error=%s",
	    a->cfg->dovecot, what);
	auth_end(a);
}

/* send_all - the whole of p to Dovecot before deadline; 0 or -1. */
static int
send_all(struct auth *a, const char *p, size_t len, int64_t deadline)
{
	struct pollfd pfd = { .fd = a->fd, .events = POLLOUT };

	while (len > 0) {
		int64_t left = deadline - conn_now_ms();
		ssize_t n;

		if (left <= 0)
			return -1;
		n = send(a->fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (poll(&pfd, 1, (int)(left > 60000 ? 60000 : left)) < 0 &&
		    errno != EINTR)
			return -1;
	}
	return 0;
}

/*
 * get_line - Dovecot's next line, without its LF, NUL-terminated in
 * a->in, before deadline.  A line that does not fit is an error: none
 * that smtpd needs is that long.  0, or -1.
 */
static int
get_line(struct auth *a, char **line, int64_t deadline)
{
	struct pollfd pfd = { .fd = a->fd, .events = POLLIN };

	for (;;) {
		char *p = a->in + a->r, *nl = memchr(p, '\n', a->w - a->r);
		int64_t left;
		ssize_t n;

		if (nl != NULL) {
			*nl = '\0';
			a->r = (size_t)(nl + 1 - a->in);
			*line = p;
			return 0;
		}
		if (a->r > 0) {
			memmove(a->in, p, a->w - a->r);
			a->w -= a->r;
			a->r = 0;
		}
		if (a->w >= sizeof(a->in) - 1)
			return -1;
		if ((left = deadline - conn_now_ms()) <= 0)
			return -1;
		n = recv(a->fd, a->in + a->w, sizeof(a->in) - 1 - a->w, 0);
		if (n > 0) {
			a->w += (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
		if (poll(&pfd, 1, (int)(left > 60000 ? 60000 : left)) < 0 &&
		    errno != EINTR)
			return -1;
	}
}

/* word - the next TAB-separated field of *p, or NULL at the end. */
static char *
word(char **p)
{
	char *w = *p, *tab;

	if (w == NULL)
		return NULL;
	if ((tab = strchr(w, '\t')) != NULL) {
		*tab = '\0';
		*p = tab + 1;
	} else {
		*p = NULL;
	}
	return w;
}

/*
 * dovecot_open - connect and shake hands: our VERSION and CPID, its
 * VERSION, MECH lines and DONE.  a->mechs gets the mechanisms of PLAIN
 * and LOGIN it marks "plaintext".  0, or -1 (logged, nothing open).
 */
static int
dovecot_open(struct auth *a)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int64_t deadline = conn_now_ms() + (int64_t)a->timeout * 1000;
	char hello[64], *line;
	unsigned lines;
	int major = 0;

	if (strlen(a->cfg->dovecot) >= sizeof(sun.sun_path)) {
		log_event(LOG_ERR,
		    "event=auth_backend backend=dovecot "
		    "socket=%s error=%s",
		    a->cfg->dovecot, "path too long");
		return -1;
	}
	memcpy(sun.sun_path, a->cfg->dovecot, strlen(a->cfg->dovecot) + 1);
	/* Non-blocking: a full listen queue is EAGAIN, not a wait. */
	a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (a->fd < 0 ||
	    connect(a->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		backend_error(a, strerror(errno));
		return -1;
	}
	a->r = a->w = 0;
	a->mechs = 0;
	(void)reply_fmt(
	    hello, sizeof(hello), "VERSION\t1\t2\nCPID\t%ld\n", (long)getpid());
	if (send_all(a, hello, strlen(hello), deadline) < 0) {
		backend_error(a, "cannot send the handshake");
		return -1;
	}
	/* Bounded: a server that never says DONE is given up on. */
	for (lines = 0; lines < 1000; lines++) {
		char *rest, *cmd;

		if (get_line(a, &line, deadline) < 0) {
			backend_error(a, "no complete handshake");
			return -1;
		}
		rest = line;
		cmd = word(&rest);
		if (strcmp(cmd, "VERSION") == 0) {
			const char *v = word(&rest);

			major = v != NULL ? (int)strtol(v, NULL, 10) : 0;
		} else if (strcmp(cmd, "MECH") == 0) {
			const char *name = word(&rest), *flag;
			unsigned bit = 0;

			if (name != NULL && strcmp(name, "PLAIN") == 0)
				bit = AUTH_PLAIN;
			else if (name != NULL && strcmp(name, "LOGIN") == 0)
				bit = AUTH_LOGIN;
			while ((flag = word(&rest)) != NULL)
				if (strcmp(flag, "plaintext") == 0)
					a->mechs |= bit;
		} else if (strcmp(cmd, "DONE") == 0) {
			break;
		}
	}
	if (major != 1 || lines == 1000) {
		backend_error(a, "not Dovecot's auth protocol version 1");
		return -1;
	}
	return 0;
}

/*
 * auth_mechs - the mechanisms to offer: PLAIN and LOGIN with a
 * checkpassword program; with Dovecot, those of the two it offers as
 * plaintext mechanisms, asked once per connection.  When Dovecot cannot
 * be reached (tried once a session here) both are offered all the same: AUTH
 * then answers 454, which tells a client more than an EHLO without AUTH would.
 */
unsigned
auth_mechs(struct auth *a)
{
	if (a->cfg->dovecot == NULL)
		return AUTH_PLAIN | AUTH_LOGIN;
	/* Once a session: AUTH itself tries again. */
	if (a->fd < 0 && (a->tried++ || dovecot_open(a) < 0))
		return AUTH_PLAIN | AUTH_LOGIN;
	return a->mechs;
}

/*
 * unescape - Dovecot's tab-escaping undone in place: \001 then any
 * character but 0, 1, t, r, n and l stands for that character; those
 * six stand for control characters (NUL, \001, TAB, CR, LF), which no
 * user name smtpd passes on may hold, so they are -1, as is any other
 * control character.
 */
static int
unescape(char *s)
{
	char *q = s;

	for (; *s != '\0'; s++) {
		char c = *s;

		if (c == '\001') {
			c = *++s;
			if (c == '\0' || strchr("01trnl", c) != NULL)
				return -1;
		}
		if ((unsigned char)c < ' ' || c == 127)
			return -1;
		*q++ = c;
	}
	*q = '\0';
	return 0;
}

/*
 * answer - Dovecot's answer to request a->id: OK (user= into user, if
 * it gave a usable one), FAIL (temporary if it says "temp" or
 * code=temp_fail), or CONT, for which *cont is set.  -1 when the
 * connection failed.
 */
static int
answer(struct auth *a, int64_t deadline, enum auth_result *res, int *cont,
    char *user, size_t size)
{
	unsigned lines;

	*cont = 0;
	for (lines = 0; lines < 100; lines++) {
		char *line, *rest, *cmd, *id, *arg;
		char want[16];

		if (get_line(a, &line, deadline) < 0)
			return -1;
		rest = line;
		cmd = word(&rest);
		id = word(&rest);
		(void)reply_fmt(want, sizeof(want), "%u", a->id);
		if (id == NULL || strcmp(id, want) != 0)
			continue; /* not ours: ignored, as the protocol says */
		if (strcmp(cmd, "CONT") == 0) {
			*cont = 1;
			return 0;
		}
		if (strcmp(cmd, "OK") == 0) {
			*res = AUTH_OK;
			while ((arg = word(&rest)) != NULL)
				if (strncmp(arg, "user=", 5) == 0 &&
				    unescape(arg + 5) == 0 && arg[5] != '\0' &&
				    strlen(arg + 5) < size)
					memcpy(
					    user, arg + 5, strlen(arg + 5) + 1);
			return 0;
		}
		if (strcmp(cmd, "FAIL") == 0) {
			*res = AUTH_REFUSED;
			while ((arg = word(&rest)) != NULL)
				if (strcmp(arg, "temp") == 0 ||
				    strcmp(arg, "code=temp_fail") == 0)
					*res = AUTH_TEMPFAIL;
			return 0;
		}
		return -1;
	}
	return -1;
}

/*
 * dovecot_verify - one request: PLAIN with the whole message as resp=
 * when Dovecot offers PLAIN, else LOGIN, the user name and the password
 * each given when it asks (CONT).  Whatever the client used, only the
 * user name and password travel.  secured says the client is under TLS;
 * rip and lip are the addresses, for Dovecot's own penalties and logs.
 */
static enum auth_result
dovecot_verify(
    struct auth *a, const struct auth_request *rq, char *user, size_t size)
{
	/* Room for the AUTH line with PLAIN's resp= of the longest pair. */
	char msg[AUTH_USER_MAX + AUTH_PASS_MAX + 3];
	char enc[(sizeof(msg) + 2) / 3 * 4 + 1];
	char line[sizeof(enc) + 256];
	int64_t deadline;
	enum auth_result res = AUTH_TEMPFAIL;
	size_t ulen = strlen(rq->user), plen = strlen(rq->pass), n = 0;
	int cont, step, plain;

	if ((a->fd < 0 && dovecot_open(a) < 0) ||
	    (a->mechs & (AUTH_PLAIN | AUTH_LOGIN)) == 0) {
		if (a->fd >= 0)
			log_event(LOG_WARNING,
			    "event=auth_backend "
			    "backend=dovecot socket=%s error=%s",
			    a->cfg->dovecot, "neither PLAIN nor LOGIN offered");
		return AUTH_TEMPFAIL;
	}
	plain = (a->mechs & AUTH_PLAIN) != 0;
	if (ulen > AUTH_USER_MAX || plen > AUTH_PASS_MAX)
		return AUTH_REFUSED;
	deadline = conn_now_ms() + (int64_t)a->timeout * 1000;
	if (plain) {
		msg[n++] = '\0';
		memcpy(msg + n, rq->user, ulen);
		n += ulen;
		msg[n++] = '\0';
		memcpy(msg + n, rq->pass, plen);
		n += plen;
		(void)auth_b64_encode(msg, n, enc, sizeof(enc));
	}
	a->id++;
	(void)reply_fmt(line, sizeof(line),
	    "AUTH\t%u\t%s\tservice=smtp\tnologin%s%s%s%s%s%s%s\n", a->id,
	    plain ? "PLAIN" : "LOGIN", rq->local_addr ? "\tlip=" : "",
	    rq->local_addr ? rq->local_addr : "", rq->peer_addr ? "\trip=" : "",
	    rq->peer_addr ? rq->peer_addr : "", rq->secured ? "\tsecured" : "",
	    plain ? "\tresp=" : "", plain ? enc : "");
	if (send_all(a, line, strlen(line), deadline) < 0)
		goto broken;
	/* LOGIN: the user name at the first CONT, the password at the next. */
	for (step = 0; step < 3; step++) {
		if (answer(a, deadline, &res, &cont, user, size) < 0)
			goto broken;
		if (!cont)
			break;
		if (plain || step == 2) {
			res = AUTH_TEMPFAIL; /* more asked than we have */
			break;
		}
		(void)auth_b64_encode(step == 0 ? rq->user : rq->pass,
		    step == 0 ? ulen : plen, enc, sizeof(enc));
		(void)reply_fmt(
		    line, sizeof(line), "CONT\t%u\t%s\n", a->id, enc);
		if (send_all(a, line, strlen(line), deadline) < 0)
			goto broken;
	}
	explicit_bzero(msg, sizeof(msg));
	explicit_bzero(enc, sizeof(enc));
	explicit_bzero(line, sizeof(line));
	return res;
broken:
	explicit_bzero(msg, sizeof(msg));
	explicit_bzero(enc, sizeof(enc));
	explicit_bzero(line, sizeof(line));
	backend_error(a, "no answer to AUTH");
	return AUTH_TEMPFAIL;
}

static int
open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * reap - wait for pid until deadline; past it, its process group is
 * killed.  Its wait status, or -1 if it had to be killed.
 */
static int
reap(pid_t pid, int64_t deadline)
{
	int status = 0, pidfd = open_pidfd(pid);

	for (;;) {
		int64_t left = deadline - conn_now_ms();
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			break;
		if (left <= 0) {
			(void)kill(-pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			status = -1;
			break;
		}
		if (pidfd >= 0) {
			struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

			(void)poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
		} else {
			/* No pidfd (valgrind, old kernels): look again soon. */
			(void)poll(NULL, 0, left > 20 ? 20 : (int)left);
		}
	}
	if (pidfd >= 0)
		(void)close(pidfd);
	return status;
}

/*
 * checkpassword_verify - the program, with "/bin/true" as the program it
 * runs on success, gets user, password and a timestamp on descriptor 3
 * (written whole into the pipe before it starts: they fit the pipe's
 * buffer), /dev/null as 0, 1 and 2, its own process group and no signal
 * blocked.  Exit 0 accepts, 1 refuses; any other status, a signal, or
 * no exit within the timeout is temporary.
 */
static enum auth_result
checkpassword_verify(struct auth *a, const struct auth_request *rq)
{
	char buf[AUTH_USER_MAX + AUTH_PASS_MAX + 32];
	char *argv[AUTH_ARGS_MAX + 2];
	size_t ulen = strlen(rq->user), plen = strlen(rq->pass), n = 0, i;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	int p[2], e, status;
	pid_t pid;

	if (ulen > AUTH_USER_MAX || plen > AUTH_PASS_MAX)
		return AUTH_REFUSED;
	for (i = 0; i < AUTH_ARGS_MAX && a->cfg->checkpassword[i] != NULL; i++)
		argv[i] = a->cfg->checkpassword[i];
	argv[i++] = "/bin/true";
	argv[i] = NULL;
	memcpy(buf, rq->user, ulen + 1);
	n = ulen + 1;
	memcpy(buf + n, rq->pass, plen + 1);
	n += plen + 1;
	(void)reply_fmt(
	    buf + n, sizeof(buf) - n, "%lld", (long long)time(NULL));
	n += strlen(buf + n) + 1;
	if (pipe2(p, O_CLOEXEC) < 0) {
		explicit_bzero(buf, sizeof(buf));
		log_event(LOG_ERR,
		    "event=auth_backend backend=checkpassword "
		    "error=%s",
		    strerror(errno));
		return AUTH_TEMPFAIL;
	}
	e = write(p[1], buf, n) == (ssize_t)n ? 0 : errno != 0 ? errno : EIO;
	explicit_bzero(buf, sizeof(buf));
	(void)close(p[1]);
	if (e != 0) {
		(void)close(p[0]);
		log_event(LOG_ERR,
		    "event=auth_backend backend=checkpassword "
		    "error=%s",
		    strerror(e));
		return AUTH_TEMPFAIL;
	}
	(void)posix_spawn_file_actions_init(&fa);
	(void)posix_spawn_file_actions_adddup2(&fa, p[0], 3);
	(void)posix_spawn_file_actions_addopen(
	    &fa, 0, "/dev/null", O_RDONLY, 0);
	(void)posix_spawn_file_actions_addopen(
	    &fa, 1, "/dev/null", O_WRONLY, 0);
	(void)posix_spawn_file_actions_addopen(
	    &fa, 2, "/dev/null", O_WRONLY, 0);
	(void)posix_spawn_file_actions_addclosefrom_np(&fa, 4);
	(void)posix_spawnattr_init(&attr);
	(void)sigemptyset(&none);
	(void)sigemptyset(&dfl);
	(void)sigaddset(&dfl, SIGPIPE);
	(void)sigaddset(&dfl, SIGXFSZ);
	(void)posix_spawnattr_setsigmask(&attr, &none);
	(void)posix_spawnattr_setsigdefault(&attr, &dfl);
	(void)posix_spawnattr_setpgroup(&attr, 0);
	(void)posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	                                          POSIX_SPAWN_SETSIGMASK |
	                                          POSIX_SPAWN_SETSIGDEF);
	e = (strchr(argv[0], '/') != NULL ? posix_spawn : posix_spawnp)(
	    &pid, argv[0], &fa, &attr, argv, environ);
	(void)posix_spawn_file_actions_destroy(&fa);
	(void)posix_spawnattr_destroy(&attr);
	(void)close(p[0]);
	if (e != 0) {
		log_event(LOG_ERR,
		    "event=auth_backend backend=checkpassword "
		    "program=%s error=%s",
		    argv[0], strerror(e));
		return AUTH_TEMPFAIL;
	}
	status = reap(pid, conn_now_ms() + (int64_t)a->timeout * 1000);
	if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) <= 1)
		return WEXITSTATUS(status) == 0 ? AUTH_OK : AUTH_REFUSED;
	if (status == -1)
		log_event(LOG_WARNING,
		    "event=auth_backend "
		    "backend=checkpassword program=%s error=%s",
		    argv[0], "timeout");
	else if (WIFEXITED(status))
		log_event(LOG_WARNING,
		    "event=auth_backend "
		    "backend=checkpassword program=%s exit=%d",
		    argv[0], WEXITSTATUS(status));
	else
		log_event(LOG_WARNING,
		    "event=auth_backend "
		    "backend=checkpassword program=%s signal=%d",
		    argv[0], WTERMSIG(status));
	return AUTH_TEMPFAIL;
}

/*
 * auth_verify - is rq's password right?  On AUTH_OK user holds the name
 * to pass on: the backend's (Dovecot's user=), else the one given.
 */
enum auth_result
auth_verify(
    struct auth *a, const struct auth_request *rq, char *user, size_t size)
{
	enum auth_result r;

	if (strlen(rq->user) >= size)
		return AUTH_REFUSED;
	memcpy(user, rq->user, strlen(rq->user) + 1);
	r = a->cfg->dovecot != NULL ? dovecot_verify(a, rq, user, size)
	                            : checkpassword_verify(a, rq);
	if (r != AUTH_OK)
		user[0] = '\0';
	return r;
}
