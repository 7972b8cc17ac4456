/* SPDX-License-Identifier: ISC */
/*
 * session.c - the SMTP grammar: line reader, command table, states, path
 * and parameter parsing, and the DATA reader.
 *
 * It decides what to answer by naming a reply id; reply.c spells it and
 * store.c runs the delivery.  Input is read in large blocks into one fixed
 * buffer; replies are flushed only when no complete line is waiting, which
 * is all PIPELINING (RFC 2920) asks of a server.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "lookup.h"
#include "reply.h"
#include "session.h"
#include "store.h"

/* States, as bits so that a command can name the set it is allowed in. */
enum state {
	ST_START = 1, /* before HELO or EHLO */
	ST_READY = 2, /* greeted, no transaction */
	ST_MAIL = 4,  /* sender given, no recipient yet */
	ST_RCPT = 8,  /* at least one recipient accepted */
};
#define ST_ANY (ST_START | ST_READY | ST_MAIL | ST_RCPT)
#define ST_HELLO (ST_READY | ST_MAIL | ST_RCPT)

#define SYNC 1
#define EHLO 1

enum arg {
	ARG_NONE, /* 501 if one is given */
	ARG_REQ,  /* 501 if none is given */
	ARG_OPT,
};

/* What a line read gave. */
enum input {
	IN_LINE,
	IN_TOO_LONG,
	IN_EOF,
	IN_TIMEOUT,
	IN_TERM, /* SIGTERM arrived */
};

struct command;

struct session {
	const struct config *cfg;
	const struct command *cmd; /* the command being handled */
	struct out out;
	enum state state;
	int done;		/* end the session after this command */
	int exit_status;
	unsigned errors;	/* error replies so far */
	int64_t session_end;	/* monotonic ms: --session-timeout */
	unsigned unknown;	/* "no such user" answers so far */
	int esmtp;		/* the client said EHLO */
	char helo[SMTP_DOMAIN_MAX + 1];

	/* The transaction. */
	const char *mode;	/* MAIL, SEND, SOML, SAML */
	struct path sender;
	int smtputf8;
	unsigned rcpt_tries;	/* RCPT commands, accepted or not */
	size_t nrcpts;
	char *rcpts;		/* nrcpts NUL-terminated addresses */
	size_t rcpts_len;
	size_t rcpts_cap;

	/* Input: bytes [r, w) of buf are read but not yet used. */
	size_t r, w;
	int eof;
	char in[INBUF_SIZE];
	struct lookup_lines lines; /* VRFY and EXPN answers; not zeroed */
};

struct command {
	const char *verb;
	unsigned states;
	enum arg arg;
	int sync; /* ends a group (RFC 2920 3.1): nothing may follow it */
	int ehlo; /* a service extension (RFC 1869 4.5): EHLO lists it */
	void (*handler)(struct session *, char *, size_t);
	const char *syntax; /* for HELP and for 501 */
	const char *help;
};

static void cmd_helo(struct session *, char *, size_t);
static void cmd_ehlo(struct session *, char *, size_t);
static void cmd_mail(struct session *, char *, size_t);
static void cmd_rcpt(struct session *, char *, size_t);
static void cmd_data(struct session *, char *, size_t);
static void cmd_rset(struct session *, char *, size_t);
static void cmd_noop(struct session *, char *, size_t);
static void cmd_quit(struct session *, char *, size_t);
static void cmd_help(struct session *, char *, size_t);
static void cmd_vrfy(struct session *, char *, size_t);
static void cmd_expn(struct session *, char *, size_t);
static void cmd_turn(struct session *, char *, size_t);

/*
 * The grammar.  RFC 5321 4.1.4: NOOP, HELP, EXPN, VRFY and RSET are
 * allowed at any time; a transaction needs a greeting first.
 */
/* clang-format off */
static const struct command commands[] = {
	/* verb   allowed in          argument  sync  ehlo  handler   syntax, then what HELP adds */
	{ "HELO", ST_ANY,             ARG_REQ,  SYNC, 0,    cmd_helo, "HELO <domain>", "greet, start over" },
	{ "EHLO", ST_ANY,             ARG_REQ,  SYNC, 0,    cmd_ehlo, "EHLO <domain>", "greet, list extensions" },
	{ "MAIL", ST_READY,           ARG_REQ,  0,    0,    cmd_mail, "MAIL FROM:<address> [SIZE=n] [BODY=7BIT|8BITMIME] [SMTPUTF8]", "deliver to mailboxes" },
	{ "SEND", ST_READY,           ARG_REQ,  0,    EHLO, cmd_mail, "SEND FROM:<address> [parameters]", "deliver to terminals" },
	{ "SOML", ST_READY,           ARG_REQ,  0,    EHLO, cmd_mail, "SOML FROM:<address> [parameters]", "terminal, else mailbox" },
	{ "SAML", ST_READY,           ARG_REQ,  0,    EHLO, cmd_mail, "SAML FROM:<address> [parameters]", "terminal and mailbox" },
	{ "RCPT", ST_MAIL | ST_RCPT,  ARG_REQ,  0,    0,    cmd_rcpt, "RCPT TO:<address>", "add a recipient" },
	{ "DATA", ST_RCPT,            ARG_NONE, SYNC, 0,    cmd_data, "DATA", "send the message, end with a line of one dot" },
	{ "RSET", ST_ANY,             ARG_NONE, 0,    0,    cmd_rset, "RSET", "abort the transaction" },
	{ "NOOP", ST_ANY,             ARG_OPT,  SYNC, 0,    cmd_noop, "NOOP [<string>]", "do nothing" },
	{ "QUIT", ST_ANY,             ARG_NONE, 0,    0,    cmd_quit, "QUIT", "end the session" },
	{ "HELP", ST_ANY,             ARG_OPT,  0,    EHLO, cmd_help, "HELP [<command>]", "this help" },
	{ "VRFY", ST_ANY,             ARG_REQ,  SYNC, EHLO, cmd_vrfy, "VRFY <user>", "verify a user name" },
	{ "EXPN", ST_ANY,             ARG_REQ,  SYNC, EHLO, cmd_expn, "EXPN <list>", "expand a mailing list" },
	{ "TURN", ST_ANY,             ARG_NONE, SYNC, EHLO, cmd_turn, "TURN", "swap roles (trusted clients, with --turn)" },
};
/* clang-format on */
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/*
 * say_lines - a reply to a command, counted against DEFAULT_ERRORS_MAX
 * when it is an error.  Replies after the final dot judge the message,
 * not a command, and use reply() directly.
 */
static void
say_lines(struct session *s, enum reply_id id, const char *arg,
    const char *const *more, size_t n)
{
	int code = reply_get(id)->code;

	reply_lines(&s->out, id, arg, more, n);
	/*
	 * 452 for too many recipients is the normal way to ask for a second
	 * transaction (RFC 5321 4.5.3.1.10), not an error of the client.
	 */
	if (code < 400 || id == R_TOO_MANY_RCPTS || s->done)
		return;
	if (++s->errors >= DEFAULT_ERRORS_MAX) {
		reply(&s->out, R_TOO_MANY_ERRORS, s->cfg->hostname);
		log_event(LOG_NOTICE, "event=too_many_errors errors=%u",
		    s->errors);
		s->done = 1;
	}
}

static void
say(struct session *s, enum reply_id id, const char *arg)
{
	say_lines(s, id, arg, NULL, 0);
}

/* say_found - s->lines as one reply: its first line, then the others. */
static void
say_found(struct session *s, enum reply_id id, const char *first)
{
	const char *more[LOOKUP_LINES_MAX];
	size_t i, n = 0;

	for (i = first == NULL ? 0 : 1; i < s->lines.n; i++)
		more[n++] = s->lines.line[i];
	say_lines(s, id, first, more, n);
}

/*
 * unknown - one more answer that says "no such user".  Against address
 * harvesting, past DEFAULT_HARVEST_FREE each one waits
 * DEFAULT_HARVEST_DELAY seconds (SIGTERM cuts the wait short); the error
 * limit ends the session in the end.
 */
static void
unknown(struct session *s)
{
	struct pollfd pfd = { .fd = s->cfg->term_fd, .events = POLLIN };

	if (++s->unknown <= DEFAULT_HARVEST_FREE)
		return;
	if (s->unknown == DEFAULT_HARVEST_FREE + 1)
		log_event(LOG_NOTICE, "event=harvest_delay unknown=%u",
		    s->unknown);
	(void)reply_flush(&s->out);
	if (s->cfg->harvest_delay > 0)
		(void)poll(&pfd, 1, s->cfg->harvest_delay * 1000);
}

static void
session_enter(struct session *s, enum state st)
{
	s->state = st;
}

static void
transaction_clear(struct session *s)
{
	s->mode = NULL;
	s->sender.len = 0;
	s->sender.addr[0] = '\0';
	s->smtputf8 = 0;
	s->rcpt_tries = 0;
	s->nrcpts = 0;
	s->rcpts_len = 0;
	if (s->state != ST_START)
		session_enter(s, ST_READY);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * fill - read more input, waiting until deadline (ms, monotonic; never
 * past the session's end), or until SIGTERM arrives on cfg->term_fd.  Returns IN_LINE when bytes arrived,
 * else IN_EOF, IN_TIMEOUT or IN_TERM.  Replies are flushed first: the
 * client may be waiting for them.
 */
static enum input
fill(struct session *s, int64_t deadline)
{
	struct pollfd pfd[2] = {
		{ .fd = s->cfg->in_fd, .events = POLLIN },
		{ .fd = s->cfg->term_fd, .events = POLLIN },
	};
	ssize_t n;

	if (reply_flush(&s->out) < 0)
		return IN_EOF;
	if (s->r == s->w) {
		s->r = s->w = 0;
	} else if (s->r > 0 && sizeof(s->in) - s->w < SMTP_LINE_MAX) {
		memmove(s->in, s->in + s->r, s->w - s->r);
		s->w -= s->r;
		s->r = 0;
	}
	if (deadline > s->session_end)
		deadline = s->session_end;
	for (;;) {
		int64_t left = deadline - now_ms();
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
		n = read(s->cfg->in_fd, s->in + s->w, sizeof(s->in) - s->w);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			s->eof = 1;
			return IN_EOF;
		}
		s->w += (size_t)n;
		return IN_LINE;
	}
}

/*
 * early_input - the client sent more before it had our reply, when RFC
 * 2920 says it must wait (greeting, HELO, EHLO, DATA and the other
 * commands that end a group; every command without EHLO).  Checked only
 * with --sync-check: on a pipe the transcript is all there at once.
 */
static int
early_input(const struct session *s)
{
	struct pollfd pfd = { .fd = s->cfg->in_fd, .events = POLLIN };

	return s->cfg->sync_check && (s->r < s->w || poll(&pfd, 1, 0) > 0);
}

/* terminating - SIGTERM is pending; checked when we would not block. */
static int
terminating(const struct session *s)
{
	struct pollfd pfd = { .fd = s->cfg->term_fd, .events = POLLIN };

	return s->cfg->term_fd >= 0 && poll(&pfd, 1, 0) > 0;
}

/*
 * next_line - the next command line, without its line end, which may be
 * CRLF or a bare LF.  A line longer than SMTP_LINE_MAX is skipped to its
 * end and reported once as IN_TOO_LONG: memory never grows with it.
 */
static enum input
next_line(struct session *s, char **line, size_t *len)
{
	int64_t deadline = now_ms() + (int64_t)s->cfg->timeout * 1000;
	int too_long = 0;

	for (;;) {
		char *p = s->in + s->r;
		size_t avail = s->w - s->r;
		char *nl = memchr(p, '\n', avail);
		enum input got;

		if (nl != NULL) {
			size_t n = (size_t)(nl - p);

			s->r += n + 1;
			if (too_long || n + 1 > SMTP_LINE_MAX)
				return IN_TOO_LONG;
			if (n > 0 && p[n - 1] == '\r')
				n--;
			p[n] = '\0';
			*line = p;
			*len = n;
			return IN_LINE;
		}
		if (avail >= SMTP_LINE_MAX) {
			too_long = 1;
			s->r = s->w;
		}
		got = fill(s, deadline);
		if (got != IN_LINE)
			return got;
	}
}

/* Character classes of RFC 5321 4.1.2 and RFC 5322 3.2.3. */
static int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
is_atext(unsigned char c)
{
	return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* utf8_len - length of the well-formed UTF-8 sequence at p, or 0. */
static size_t
utf8_len(const unsigned char *p, size_t len)
{
	size_t n, i;
	unsigned cp;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static int
is_ldh(unsigned char c)
{
	return is_alnum(c) || c == '-';
}

/*
 * run - the length of the run at u of octets that ok() takes, or that
 * begin well-formed UTF-8 (RFC 6531: U-labels, non-ASCII atoms), which
 * sets *utf8.
 */
static size_t
run(const unsigned char *u, size_t len, int (*ok)(unsigned char), int *utf8)
{
	size_t i = 0, n;

	while (i < len) {
		if (ok(u[i])) {
			i++;
		} else if (u[i] >= 0x80 && (n = utf8_len(u + i, len - i)) > 0) {
			*utf8 = 1;
			i += n;
		} else {
			break;
		}
	}
	return i;
}

/*
 * domain - length of the Domain at s (RFC 5321 4.1.2, with RFC 6531
 * U-labels), or 0 if there is none.  Sets *utf8 for non-ASCII.
 */
static size_t
domain(const char *s, size_t len, int *utf8)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	for (;;) {
		size_t start = i;

		i += run(u + i, len - i, is_ldh, utf8);
		/* A label: letter or digit at both ends, at most 63. */
		if (i == start || s[start] == '-' || s[i - 1] == '-' ||
		    i - start > 63)
			return 0;
		if (i < len && s[i] == '.' && i + 1 < len) {
			i++;
			continue;
		}
		return i;
	}
}

/* snum - an IPv4 address literal's body "a.b.c.d", each 0-255. */
static int
ipv4_literal(const char *s, size_t len)
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;

		while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(s[i++] - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			return 0;
		if (part < 3 && (i >= len || s[i++] != '.'))
			return 0;
	}
	return i == len;
}

/*
 * ipv6_literal - "IPv6:" and an address in one of the forms of RFC 5321
 * 4.1.3: full, compressed ("::"), or ending in an IPv4 address.
 */
static int
ipv6_literal(const char *s, size_t len)
{
	size_t i = 5, groups = 0;
	int compressed = 0;

	if (len < 7 || strncasecmp(s, "IPv6:", 5) != 0)
		return 0;
	if (s[i] == ':') {
		if (s[i + 1] != ':')
			return 0;
		compressed = 1;
		i += 2;
		if (i == len)
			return 1;
	}
	for (;;) {
		size_t start = i, dots = 0, k;

		for (k = i; k < len && s[k] != ':'; k++)
			dots += s[k] == '.';
		if (dots > 0) {
			/* An IPv4 tail counts as two groups. */
			if (!ipv4_literal(s + i, len - i))
				return 0;
			groups += 2;
			break;
		}
		while (i < len && i - start < 4 &&
		    strchr("0123456789abcdefABCDEF", s[i]) != NULL && s[i])
			i++;
		if (i == start)
			return 0;
		groups++;
		if (i == len)
			break;
		if (s[i] != ':')
			return 0;
		i++;
		if (i < len && s[i] == ':') {
			if (compressed)
				return 0;
			compressed = 1;
			i++;
			if (i == len)
				break;
		} else if (i == len) {
			return 0;
		}
	}
	/* "::" stands for at least one group: at most six others. */
	return compressed ? groups <= 6 : groups == 8;
}

/*
 * address_literal - length of the address-literal "[...]" at s (RFC 5321
 * 4.1.3: an IPv4 or IPv6 address; no General-address-literal is known to
 * us), or 0.  The path parser and HELO/EHLO share it.
 */
static size_t
address_literal(const char *s, size_t len)
{
	const char *end;
	size_t body;

	if (len < 2 || s[0] != '[' || (end = memchr(s, ']', len)) == NULL)
		return 0;
	body = (size_t)(end - s) - 1;
	if (!ipv4_literal(s + 1, body) && !ipv6_literal(s + 1, body))
		return 0;
	return body + 2;
}

/*
 * has_c1 - s[0, len), well-formed UTF-8, holds a C1 control (U+0080 to
 * U+009F, encoded C2 80 to C2 9F): CSI, OSC and ST among them, escape
 * sequences for a terminal that shows the address.  RFC 5198 section 2
 * keeps them out of text on the net, which RFC 6530 asks of addresses.
 */
static int
has_c1(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	for (i = 0; i + 1 < len; i++)
		if (u[i] == 0xc2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)
			return 1;
	return 0;
}

/* local_part - length of the Local-part at s, or 0. */
static size_t
local_part(const char *s, size_t len, int *utf8)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	if (len > 0 && s[0] == '"') {
		/* Quoted-string: qtextSMTP and quoted-pairSMTP. */
		for (i = 1; i < len; i++) {
			if (u[i] == '"')
				return i + 1;
			if (u[i] == '\\') {
				if (++i >= len || u[i] < 32 || u[i] > 126)
					return 0;
			} else if (u[i] >= 0x80) {
				if ((n = utf8_len(u + i, len - i)) == 0)
					return 0;
				*utf8 = 1;
				i += n - 1;
			} else if (u[i] < 32 || u[i] > 126) {
				return 0;
			}
		}
		return 0;
	}
	/* Dot-string: atoms joined by single dots. */
	for (;;) {
		size_t start = i;

		i += run(u + i, len - i, is_atext, utf8);
		if (i == start)
			return 0;
		if (i < len && s[i] == '.') {
			i++;
			continue;
		}
		return i;
	}
}

/*
 * session_parse_path - parse the Path or "<>" at s (RFC 5321 4.1.2).
 * A source route is checked and dropped (RFC 5321 appendix C); the
 * mailbox goes to p.  *used is the length of the path with its brackets.
 */
enum path_result
session_parse_path(const char *s, size_t len, int flags, struct path *p,
    size_t *used)
{
	size_t i = 1, lp, dom, start;
	int utf8 = 0;

	p->len = 0;
	p->addr[0] = '\0';
	p->utf8 = 0;
	if (len < 2 || s[0] != '<')
		return PATH_SYNTAX;
	if (s[1] == '>') {
		*used = 2;
		return (flags & PATH_NULL_OK) ? PATH_OK : PATH_SYNTAX;
	}
	/* A-d-l ":" */
	if (s[i] == '@') {
		for (;;) {
			size_t d = domain(s + i + 1, len - i - 1, &utf8);

			if (d == 0)
				return PATH_SYNTAX;
			i += 1 + d;
			if (i < len && s[i] == ',' && i + 1 < len &&
			    s[i + 1] == '@') {
				i++;
				continue;
			}
			if (i >= len || s[i] != ':')
				return PATH_SYNTAX;
			i++;
			break;
		}
	}
	start = i;
	lp = local_part(s + i, len - i, &utf8);
	if (lp == 0)
		return PATH_SYNTAX;
	i += lp;
	if (i < len && s[i] == '>' && start == 1 && lp == 10 &&
	    (flags & PATH_POSTMASTER_OK) &&
	    strncasecmp(s + 1, "postmaster", 10) == 0) {
		/* RFC 5321 4.1.1.3: <Postmaster> needs no domain. */
		dom = 0;
	} else {
		const char *d;

		if (i >= len || s[i] != '@')
			return PATH_SYNTAX;
		i++;
		d = s + i;
		if (i < len && *d == '[') {
			if ((dom = address_literal(d, len - i)) == 0)
				return PATH_SYNTAX;
		} else {
			dom = domain(d, len - i, &utf8);
			if (dom == 0)
				return PATH_SYNTAX;
		}
		i += dom;
	}
	if (i >= len || s[i] != '>')
		return PATH_SYNTAX;
	*used = i + 1;
	if (lp > SMTP_LOCAL_MAX)
		return PATH_LOCAL_TOO_LONG;
	if (dom > SMTP_DOMAIN_MAX)
		return PATH_DOMAIN_TOO_LONG;
	if (*used > SMTP_PATH_MAX)
		return PATH_TOO_LONG;
	/* The mailbox becomes a delivery argument: never an option. */
	if (s[start] == '-')
		return PATH_DASH;
	if (utf8 && has_c1(s, *used))
		return PATH_CONTROL;
	p->len = i - start;
	memcpy(p->addr, s + start, p->len);
	p->addr[p->len] = '\0';
	p->utf8 = utf8;
	return PATH_OK;
}

/* Which reply a path error gets, for a sender and for a recipient. */
static const struct {
	enum reply_id sender, rcpt;
	const char *why;
} path_replies[] = {
	[PATH_SYNTAX] = { R_SENDER_SYNTAX, R_RCPT_SYNTAX, NULL },
	[PATH_TOO_LONG] = { R_PATH_TOO_LONG, R_PATH_TOO_LONG, NULL },
	[PATH_LOCAL_TOO_LONG] = { R_SENDER_REFUSED, R_RCPT_REFUSED,
	    "local part over 64 octets" },
	[PATH_DOMAIN_TOO_LONG] = { R_SENDER_REFUSED, R_RCPT_REFUSED,
	    "domain over 255 octets" },
	[PATH_DASH] = { R_SENDER_REFUSED, R_RCPT_REFUSED,
	    "begins with '-'" },
	[PATH_CONTROL] = { R_SENDER_REFUSED, R_RCPT_REFUSED,
	    "C1 control character" },
};

/*
 * path_arg - parse "FROM:<path> params" (or "TO:"), accepting spaces
 * after the colon as most senders' peers do.  Returns 0 with *params set
 * to the rest of the line, or -1 after replying.
 */
static int
path_arg(struct session *s, char *arg, size_t len, const char *prefix,
    int flags, struct path *p, char **params)
{
	size_t plen = strlen(prefix), used = 0;
	enum path_result res;
	int sender = flags & PATH_NULL_OK;

	if (len < plen || strncasecmp(arg, prefix, plen) != 0) {
		say(s, R_USAGE, s->cmd->syntax);
		return -1;
	}
	arg += plen;
	len -= plen;
	while (len > 0 && *arg == ' ') {
		arg++;
		len--;
	}
	res = session_parse_path(arg, len, flags, p, &used);
	if (res == PATH_OK && used < len && arg[used] != ' ')
		res = PATH_SYNTAX;
	if (res != PATH_OK) {
		say(s, sender ? path_replies[res].sender :
		    path_replies[res].rcpt, path_replies[res].why);
		return -1;
	}
	*params = arg + used;
	return 0;
}

/*
 * next_param - split the next "KEYWORD[=value]" off *rest (RFC 5321
 * 4.1.2 esmtp-param).  Returns 1 with key and value (NULL if none), 0 at
 * the end, -1 on bad syntax.
 */
static int
next_param(char **rest, char **key, char **value)
{
	char *p = *rest, *k;

	while (*p == ' ')
		p++;
	if (*p == '\0')
		return 0;
	k = p;
	if (!is_alnum((unsigned char)*p))
		return -1;
	while (is_alnum((unsigned char)*p) || *p == '-')
		p++;
	*value = NULL;
	if (*p == '=') {
		*p++ = '\0';
		*value = p;
		while (*p > ' ' && *p < 127 && *p != '=')
			p++;
		if (p == *value)
			return -1;
	}
	if (*p != '\0' && *p != ' ')
		return -1;
	if (*p == ' ')
		*p++ = '\0';
	*key = k;
	*rest = p;
	return 1;
}

/*
 * free_space - octets that can still be stored in the temporary directory,
 * or UINT64_MAX if that cannot be told.
 */
static uint64_t
free_space(const char *dir)
{
	struct statvfs sv;

	if (statvfs(dir, &sv) < 0)
		return UINT64_MAX;
	return (uint64_t)sv.f_bavail * sv.f_frsize;
}

/* mail_params - the MAIL parameters; 0, or -1 after replying. */
static int
mail_params(struct session *s, char *rest)
{
	char *key, *value;
	int r, seen_size = 0, seen_body = 0;
	uint64_t size = 0;

	while ((r = next_param(&rest, &key, &value)) > 0) {
		/* RFC 5321 4.1.1.11: after HELO there are no extensions. */
		if (!s->esmtp) {
			say(s, R_PARAM_UNKNOWN, key);
			return -1;
		}
		if (strcasecmp(key, "SIZE") == 0) {
			size_t n = value ? strlen(value) : 0;
			size_t i;

			if (seen_size++ || n == 0 || n > SMTP_SIZE_DIGITS_MAX ||
			    strspn(value, "0123456789") != n) {
				say(s, R_PARAM_SYNTAX, "SIZE");
				return -1;
			}
			for (i = 0; i < n; i++) {
				unsigned d = (unsigned)(value[i] - '0');

				size = size > (UINT64_MAX - d) / 10 ?
				    UINT64_MAX : size * 10 + d;
			}
		} else if (strcasecmp(key, "BODY") == 0) {
			if (seen_body++ || value == NULL ||
			    (strcasecmp(value, "7BIT") != 0 &&
				strcasecmp(value, "8BITMIME") != 0)) {
				say(s, R_PARAM_SYNTAX, "BODY");
				return -1;
			}
		} else if (strcasecmp(key, "SMTPUTF8") == 0) {
			if (s->smtputf8++ || value != NULL) {
				say(s, R_PARAM_SYNTAX, "SMTPUTF8");
				return -1;
			}
		} else {
			say(s, R_PARAM_UNKNOWN, key);
			return -1;
		}
	}
	if (r < 0) {
		say(s, R_PARAM_SYNTAX, "syntax");
		return -1;
	}
	/* RFC 1870 6.1: refuse before any data is sent. */
	if (seen_size && s->cfg->max_size > 0 && size > s->cfg->max_size) {
		say(s, R_TOO_BIG, NULL);
		return -1;
	}
	if (seen_size && size > free_space(s->cfg->tmpdir)) {
		say(s, R_STORAGE, NULL); /* 6.1: 452, the client retries */
		return -1;
	}
	return 0;
}

static void
cmd_mail(struct session *s, char *arg, size_t len)
{
	char *rest;

	s->smtputf8 = 0;
	if (path_arg(s, arg, len, "FROM:", PATH_NULL_OK, &s->sender,
		&rest) < 0 ||
	    mail_params(s, rest) < 0) {
		transaction_clear(s);
		return;
	}
	if (s->sender.utf8 && !s->smtputf8) {
		say(s, R_NEED_SMTPUTF8, NULL);
		transaction_clear(s);
		return;
	}
	s->mode = s->cmd->verb; /* MAIL, SEND, SOML or SAML */
	session_enter(s, ST_MAIL);
	say(s, R_SENDER_OK, NULL);
}

/*
 * next_char - the next character of the value of a local part at *p,
 * which ends at end: quotes dropped, quoted pairs undone, so that
 * "bob" and bob compare equal (RFC 5321 4.1.2); -1 at the end.
 */
static int
next_char(const char **p, const char *end, int *quoted)
{
	while (*p < end && **p == '"') {
		*quoted = !*quoted;
		(*p)++;
	}
	if (*p >= end)
		return -1;
	if (*quoted && **p == '\\' && *p + 1 < end)
		(*p)++;
	return (unsigned char)*(*p)++;
}

/*
 * same_rcpt - a and b (mailboxes as the parser left them) name the same
 * recipient.  Domains compare without case (RFC 5321 2.4).  The local
 * part of a local domain (or of <Postmaster>) compares without case, as
 * the lookups take it; any other compares exactly, as its own server may
 * tell case apart.
 */
static int
same_rcpt(const struct session *s, const char *a, const char *b)
{
	const char *at_a = strrchr(a, '@'), *at_b = strrchr(b, '@');
	const char *end_a = at_a != NULL ? at_a : a + strlen(a);
	const char *end_b = at_b != NULL ? at_b : b + strlen(b);
	int qa = 0, qb = 0, ca, cb, fold;

	if ((at_a == NULL) != (at_b == NULL) ||
	    (at_a != NULL && strcasecmp(at_a + 1, at_b + 1) != 0))
		return 0;
	/*
	 * XXX: two accounts whose names differ only in case (Bob, bob)
	 * are taken as one; the lookups find the exact name first.
	 */
	fold = at_a == NULL || lookup_domain_is_local(s->cfg->lookup, at_a + 1);
	do {
		ca = next_char(&a, end_a, &qa);
		cb = next_char(&b, end_b, &qb);
		if (fold && ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (fold && cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
	} while (ca == cb && ca >= 0);
	return ca == cb;
}

/* rcpt_seen - p is already a recipient of this transaction. */
static int
rcpt_seen(const struct session *s, const struct path *p)
{
	const char *r = s->rcpts;
	size_t k;

	for (k = 0; k < s->nrcpts; k++, r += strlen(r) + 1)
		if (same_rcpt(s, r, p->addr))
			return 1;
	return 0;
}

static int
rcpt_add(struct session *s, const struct path *p)
{
	size_t need = s->rcpts_len + p->len + 1;

	if (need > s->rcpts_cap) {
		size_t cap = s->rcpts_cap ? s->rcpts_cap * 2 : 1024;
		char *n;

		while (cap < need)
			cap *= 2;
		if ((n = realloc(s->rcpts, cap)) == NULL)
			return -1;
		s->rcpts = n;
		s->rcpts_cap = cap;
	}
	memcpy(s->rcpts + s->rcpts_len, p->addr, p->len + 1);
	s->rcpts_len = need;
	s->nrcpts++;
	return 0;
}

/*
 * recipient - will we take mail for p?  The reply that says so, or why
 * not; forward gets the address a 251 or 551 names.  The final mailbox
 * decides, never a source route (the parser dropped it).
 */
static enum reply_id
recipient(struct session *s, const struct path *p, char *forward,
    size_t size)
{
	const struct lookup *lk = s->cfg->lookup;
	const char *at = strrchr(p->addr, '@');
	char local[SMTP_LOCAL_MAX + 1];
	size_t n = at != NULL ? (size_t)(at - p->addr) : p->len;
	int r;

	forward[0] = '\0';
	if (at != NULL && !lookup_domain_is_local(lk, at + 1)) {
		/*
		 * Relaying.  A trusted client gets 250, as from any relay:
		 * 251 (RFC 5321 3.4) is for a local name that forwards, and
		 * some clients (swaks) take it for a failure.  Others get
		 * 551 with the path.
		 */
		if (s->cfg->trusted)
			return R_RCPT_OK;
		(void)reply_fmt(forward, size, "%s", p->addr);
		return R_TRY_FORWARD;
	}
	if (s->cfg->any_recipient)
		return R_RCPT_OK;
	if (n >= sizeof(local))
		return R_NO_SUCH_USER;
	memcpy(local, p->addr, n);
	local[n] = '\0';
	if (lookup_prepare(s->cfg->lookup) < 0)
		return R_LOOKUP_TEMPFAIL;
	if ((r = lookup_recipient(lk, local, forward, size)) <= 0)
		return r < 0 ? R_LOOKUP_TEMPFAIL : R_NO_SUCH_USER;
	if (forward[0] != '\0')
		return R_WILL_FORWARD; /* an alias for one remote address */
	/* RFC 821 3.5: SEND needs the user at a terminal. */
	if (strcmp(s->mode, "SEND") == 0 &&
	    (r = lookup_at_terminal(lk, local)) <= 0)
		return r < 0 ? R_LOOKUP_TEMPFAIL : R_MAILBOX_BUSY;
	return R_RCPT_OK;
}

static void
cmd_rcpt(struct session *s, char *arg, size_t len)
{
	char forward[SMTP_PATH_MAX];
	enum reply_id id;
	struct path p;
	char *rest, *key, *value;
	int seen;

	s->rcpt_tries++;
	if (path_arg(s, arg, len, "TO:", PATH_POSTMASTER_OK, &p, &rest) < 0)
		return;
	/* We advertise no extension that defines a RCPT parameter. */
	switch (next_param(&rest, &key, &value)) {
	case 0:
		break;
	case 1:
		say(s, R_PARAM_UNKNOWN, key);
		return;
	default:
		say(s, R_PARAM_SYNTAX, "syntax");
		return;
	}
	if (p.utf8 && !s->smtputf8) {
		say(s, R_NEED_SMTPUTF8, NULL);
		return;
	}
	/*
	 * A repeated recipient is answered as the first time but delivered
	 * once, and it takes no second place under --max-recipients.
	 */
	seen = rcpt_seen(s, &p);
	if (!seen && s->nrcpts >= s->cfg->max_rcpts) {
		say(s, R_TOO_MANY_RCPTS, NULL);
		return;
	}
	id = recipient(s, &p, forward, sizeof(forward));
	if (reply_get(id)->code >= 400) {
		log_event(LOG_INFO, "event=rcpt_refused rcpt=<%s> status=%d",
		    p.addr, reply_get(id)->code);
		if (id == R_NO_SUCH_USER)
			unknown(s);
		say(s, id, forward);
		return;
	}
	if (!seen && rcpt_add(s, &p) < 0) {
		say(s, R_STORAGE, NULL);
		return;
	}
	session_enter(s, ST_RCPT);
	say(s, id, forward);
}

void
session_unstuff_init(struct unstuff *u, enum bare_lf policy)
{
	memset(u, 0, sizeof(*u));
	u->policy = policy;
	u->bol = 1;
	u->bol_crlf = 1; /* the CRLF that ended the DATA command */
}

/*
 * session_unstuff - decode in[0, len) into out, which has room for len
 * bytes (decoding never grows).  Returns how many bytes were used: the
 * rest, at most two bytes, cannot be decided without more input.
 *
 * Only <CRLF>.<CRLF> ends the message.  Every other end-of-data look-alike
 * (<LF>.<LF>, <CR>.<CR>, <LF>.<CRLF>, ...) is content, so that a message
 * can never smuggle a second one past a server that reads it differently
 * (SMTP smuggling, CVE-2023-51764/51765/51766).  Under BARE_LF_REJECT a
 * bare CR or LF marks the message bad; under BARE_LF_NORMALIZE a bare LF
 * ends a line and a bare CR becomes a space.
 */
size_t
session_unstuff(struct unstuff *u, const char *in, size_t len, char *out,
    size_t *outlen)
{
	size_t i = 0, o = 0, crlfs = 0;

	while (i < len && !u->done) {
		const char *nl;
		size_t end;
		int crlf = 0;

		if (u->bol) {
			if (in[i] == '.') {
				if (len - i < 2 || (in[i + 1] == '\r' && len - i < 3))
					break;
				if (in[i + 1] == '\r' && in[i + 2] == '\n' &&
				    u->bol_crlf) {
					i += 3;
					u->done = 1;
					break;
				}
				/* RFC 5321 4.5.2: drop a leading dot that has
				 * company; a lone dot that ends nothing stays. */
				if (in[i + 1] != '\n' &&
				    !(in[i + 1] == '\r' && in[i + 2] == '\n'))
					i++;
			}
			u->bol = 0;
		}
		nl = memchr(in + i, '\n', len - i);
		end = nl != NULL ? (size_t)(nl - in) : len;
		while (i < end) {
			const char *cr = memchr(in + i, '\r', end - i);
			size_t stop = cr != NULL ? (size_t)(cr - in) : end;

			memcpy(out + o, in + i, stop - i);
			o += stop - i;
			i = stop;
			if (cr == NULL)
				break;
			if (nl != NULL && stop + 1 == end) {
				crlf = 1;
				i = end;
				break;
			}
			if (stop + 1 == len)
				goto undecided; /* is an LF coming? */
			if (u->policy == BARE_LF_NORMALIZE) {
				out[o++] = ' ';
			} else {
				u->bare = 1;
				out[o++] = '\r';
			}
			i = stop + 1;
		}
		if (nl == NULL)
			break;
		i = end + 1;
		out[o++] = '\n';
		if (crlf) {
			crlfs++;
			u->bol = 1;
			u->bol_crlf = 1;
		} else if (u->policy == BARE_LF_NORMALIZE) {
			u->bol = 1;
			u->bol_crlf = 0;
		} else {
			u->bare = 1; /* a bare LF ends no line */
		}
	}
undecided:
	/* RFC 1870: the size counts each line end as the CRLF it was. */
	u->size += o + crlfs;
	*outlen = o;
	return i;
}

/*
 * read_data - read the message after 354 into st until the final dot.
 * Returns IN_LINE at the final dot, else IN_EOF, IN_TIMEOUT or IN_TERM;
 * u tells what was wrong with the message.
 *
 * A sender has --timeout to send anything at all, and each octet it
 * sends buys it 1/--min-data-rate seconds more, never more than
 * --timeout ahead: a client that dribbles a byte at a time cannot hold
 * the session open (as Postfix's smtpd_min_data_rate).
 */
static enum input
read_data(struct session *s, struct store *st, struct unstuff *u,
    int *too_big)
{
	const int64_t window = (int64_t)s->cfg->timeout * 1000;
	int64_t deadline = now_ms() + window;
	char out[INBUF_SIZE];

	for (;;) {
		size_t outlen, used;
		enum input got;
		int64_t now;

		used = session_unstuff(u, s->in + s->r, s->w - s->r, out,
		    &outlen);
		s->r += used;
		if (s->cfg->max_size > 0 && u->size > s->cfg->max_size)
			*too_big = 1;
		if (!u->bare && !*too_big)
			store_write(st, out, outlen);
		if (u->done)
			return IN_LINE;
		now = now_ms();
		if (s->cfg->min_data_rate == 0)
			deadline = now + window;
		else
			deadline += (int64_t)used * 1000 / s->cfg->min_data_rate;
		if (deadline > now + window)
			deadline = now + window;
		got = fill(s, deadline);
		if (got != IN_LINE)
			return got;
	}
}

static void
cmd_data(struct session *s, char *arg, size_t len)
{
	struct store st;
	struct unstuff u;
	struct envelope env = {
		.sender = s->sender.addr,
		.rcpts = s->rcpts,
		.nrcpts = s->nrcpts,
		.mode = s->mode,
		.proto = s->smtputf8 ? "UTF8SMTP" : s->esmtp ? "ESMTP" : "SMTP",
		.helo = s->helo,
		.hostname = s->cfg->hostname,
		.peer_addr = s->cfg->peer_addr,
		.peer_host = s->cfg->peer_host,
	};
	struct verdict v = { .status = "", .text = "" };
	enum input got;
	int too_big = 0;

	(void)arg;
	(void)len;
	if (store_open(&st, s->cfg->tmpdir) < 0) {
		log_event(LOG_ERR, "event=store_open error=%s",
		    strerror(errno));
		say(s, R_STORAGE, NULL);
		return;
	}
	store_received(&st, &env);
	reply(&s->out, R_START_DATA, NULL);
	session_unstuff_init(&u, s->cfg->bare_lf);
	got = read_data(s, &st, &u, &too_big);
	if (got != IN_LINE) {
		/* Never deliver part of a message. */
		store_abort(&st);
		log_event(LOG_NOTICE, "event=data_aborted reason=%s size=%llu",
		    got == IN_TIMEOUT ? "timeout" : got == IN_TERM ? "sigterm" :
		    "eof", (unsigned long long)u.size);
		if (got == IN_TIMEOUT)
			reply(&s->out, R_TIMEOUT, s->cfg->hostname);
		else if (got == IN_TERM)
			reply(&s->out, R_GOING_DOWN, s->cfg->hostname);
		s->done = 1;
		return;
	}
	if (u.bare || too_big) {
		store_abort(&st);
		v.id = u.bare ? R_BARE_LINE_END : R_TOO_BIG;
	} else {
		store_close(&st, &env, s->cfg->command,
		    s->cfg->delivery_timeout, &v);
	}
	log_event(LOG_INFO,
	    "event=message from=<%s> rcpts=%zu size=%llu mode=%s helo=%s "
	    "status=%d",
	    s->sender.addr, s->nrcpts, (unsigned long long)u.size, s->mode,
	    s->helo, reply_get(v.id)->code);
	reply_as(&s->out, v.id, v.status, v.text);
	transaction_clear(s);
	/* SIGTERM while the command ran: it was waited for and answered. */
	if (terminating(s)) {
		reply(&s->out, R_GOING_DOWN, s->cfg->hostname);
		s->done = 1;
	}
}

/*
 * hello - a HELO or EHLO argument: one word of printable ASCII, and if it
 * is an address literal (RFC 5321 4.1.1.1), one the path parser takes.
 * A name is not checked further: many clients send one that is not a
 * domain, and it is only shown.
 */
static int
hello(struct session *s, const char *arg, size_t len, const char *verb)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (arg[i] <= ' ' || arg[i] >= 127)
			break;
	if (i != len || len > SMTP_DOMAIN_MAX) {
		say(s, R_USAGE, verb);
		return -1;
	}
	if (arg[0] == '[' && address_literal(arg, len) != len) {
		say(s, R_BAD_LITERAL, NULL);
		return -1;
	}
	memcpy(s->helo, arg, len);
	s->helo[len] = '\0';
	session_enter(s, ST_READY);
	transaction_clear(s);
	return 0;
}

static void
cmd_helo(struct session *s, char *arg, size_t len)
{
	if (hello(s, arg, len, "HELO <domain>") < 0)
		return;
	s->esmtp = 0;
	say(s, R_HELLO, s->cfg->hostname);
}

/* may_turn - TURN would be done for this client (RFC 5321 appendix F.1). */
static int
may_turn(const struct session *s)
{
	return s->cfg->turn != NULL && s->cfg->trusted;
}

/* offered - c works here, in this configuration, for this client. */
static int
offered(const struct session *s, const struct command *c)
{
	if (c->handler == cmd_vrfy)
		return !s->cfg->no_vrfy;
	if (c->handler == cmd_expn)
		return !s->cfg->no_expn;
	if (c->handler == cmd_turn)
		return may_turn(s);
	return 1;
}

/*
 * cmd_ehlo - the extensions: the parameters first, then the commands
 * of the grammar table that are registered service extensions (RFC 1869
 * 4.5), those that work here, in table order.
 */
static void
cmd_ehlo(struct session *s, char *arg, size_t len)
{
	char size[32];
	const char *ext[5 + NCOMMANDS] = { size, "PIPELINING", "8BITMIME",
		"ENHANCEDSTATUSCODES", "SMTPUTF8" };
	size_t i, n = 5;

	if (hello(s, arg, len, "EHLO <domain>") < 0)
		return;
	s->esmtp = 1;
	/* RFC 1870: "SIZE 0" says there is no fixed limit. */
	(void)reply_fmt(size, sizeof(size), "SIZE %llu",
	    (unsigned long long)s->cfg->max_size);
	for (i = 0; i < NCOMMANDS; i++)
		if (commands[i].ehlo && offered(s, &commands[i]))
			ext[n++] = commands[i].verb;
	reply_lines(&s->out, R_HELLO, s->cfg->hostname, ext, n);
}

static void
cmd_rset(struct session *s, char *arg, size_t len)
{
	(void)arg;
	(void)len;
	transaction_clear(s);
	say(s, R_ACTION_OK, NULL);
}

static void
cmd_noop(struct session *s, char *arg, size_t len)
{
	(void)arg;
	(void)len;
	say(s, R_ACTION_OK, NULL);
}

static void
cmd_quit(struct session *s, char *arg, size_t len)
{
	(void)arg;
	(void)len;
	reply(&s->out, R_BYE, s->cfg->hostname);
	s->done = 1;
}

static const struct command *
find_command(const char *verb, size_t len)
{
	size_t i;

	if (len != 4)
		return NULL;
	for (i = 0; i < NCOMMANDS; i++)
		if (strncasecmp(commands[i].verb, verb, 4) == 0)
			return &commands[i];
	return NULL;
}

static void
cmd_help(struct session *s, char *arg, size_t len)
{
	char verbs[NCOMMANDS * 5 + 16], text[SMTP_REPLY_MAX];
	const char *more[] = { verbs, "For more on a command: HELP <command>" };
	const struct command *c;
	size_t i, n;

	if (len == 0) {
		/* The list comes from the grammar table: it cannot drift. */
		memcpy(verbs, "Commands:", n = 9);
		for (i = 0; i < NCOMMANDS; i++) {
			verbs[n++] = ' ';
			memcpy(verbs + n, commands[i].verb, 4);
			n += 4;
		}
		/* more[0] reads it: cppcheck does not see through the array. */
		/* cppcheck-suppress unreadVariable */
		verbs[n] = '\0';
		reply_lines(&s->out, R_HELP, "smtpd " SMTPD_VERSION, more, 2);
		return;
	}
	if ((c = find_command(arg, len)) == NULL) {
		say(s, R_HELP_UNKNOWN, NULL);
		return;
	}
	(void)reply_fmt(text, sizeof(text), "%s: %s", c->syntax, c->help);
	reply(&s->out, R_HELP, text);
}

/*
 * cmd_vrfy - RFC 5321 3.5.3: 250 for one mailbox, 553 with the
 * candidates, 550 for none; 252 where an answer would tell what must not
 * be told (another domain, a hidden account) or VRFY is off (7.3).
 */
static void
cmd_vrfy(struct session *s, char *arg, size_t len)
{
	(void)len;
	if (s->cfg->no_vrfy) {
		say(s, R_CANNOT_VRFY, NULL);
		return;
	}
	switch (lookup_prepare(s->cfg->lookup) < 0 ? VRFY_TEMPFAIL :
		lookup_vrfy(s->cfg->lookup, arg, &s->lines)) {
	case VRFY_ONE:
		say(s, R_MAILBOX, s->lines.line[0]);
		break;
	case VRFY_FORWARD:
		say(s, R_WILL_FORWARD, s->lines.line[0]);
		break;
	case VRFY_HIDDEN:
		say(s, R_CANNOT_VRFY, NULL);
		break;
	case VRFY_AMBIGUOUS:
		unknown(s);
		say_found(s, R_AMBIGUOUS, NULL);
		break;
	case VRFY_NONE:
		unknown(s);
		say(s, R_NO_SUCH_USER, NULL);
		break;
	case VRFY_TEMPFAIL:
		say(s, R_LOOKUP_TEMPFAIL, NULL);
		break;
	}
}

/* cmd_expn - RFC 5321 3.5.2: a list's members, one a line. */
static void
cmd_expn(struct session *s, char *arg, size_t len)
{
	(void)len;
	if (s->cfg->no_expn) {
		say(s, R_NOT_AVAILABLE, "EXPN");
		return;
	}
	switch (lookup_prepare(s->cfg->lookup) < 0 ? -1 :
		lookup_expn(s->cfg->lookup, arg, &s->lines)) {
	case 1:
		say_found(s, R_MAILBOX, s->lines.line[0]);
		break;
	case 0:
		unknown(s);
		say(s, R_NOT_A_LIST, NULL);
		break;
	default:
		say(s, R_LOOKUP_TEMPFAIL, NULL);
		break;
	}
}

/*
 * give_back - return the input we read but did not use to the
 * connection, so that what TURN starts reads it; 0, or -1 if it cannot
 * be done (a pipe or socket with input already waiting).
 */
static int
give_back(struct session *s)
{
	off_t n = (off_t)(s->w - s->r);

	if (n == 0)
		return 0;
	if (lseek(s->cfg->in_fd, -n, SEEK_CUR) < 0)
		return -1;
	s->r = s->w;
	return 0;
}

static void
cmd_turn(struct session *s, char *arg, size_t len)
{
	(void)arg;
	(void)len;
	/*
	 * RFC 5321 appendix F.1: TURN hands the mail queued for the client
	 * to whoever asks, so it is only for trusted clients (RELAYCLIENT,
	 * --relay-net), and only when --turn names what to run.
	 */
	if (!may_turn(s)) {
		say(s, R_NOT_AVAILABLE, "TURN");
		return;
	}
	if (s->state != ST_READY) {
		say(s, R_TURN_NOT_NOW, NULL);
		return;
	}
	if (give_back(s) < 0) {
		reply(&s->out, R_OUT_OF_SYNC, s->cfg->hostname);
		s->done = 1;
		return;
	}
	reply(&s->out, R_TURNING, NULL);
	log_event(LOG_INFO, "event=turn helo=%s command=%s", s->helo,
	    s->cfg->turn[0]);
	if (reply_flush(&s->out) == 0)
		(void)store_turn(s->cfg->turn, s->cfg->in_fd, s->cfg->out_fd,
		    s->helo);
	/* Still here: nothing was started; the client must not wait. */
	log_event(LOG_ERR, "event=turn_failed error=%s", strerror(errno));
	reply(&s->out, R_TURN_FAILED, s->cfg->hostname);
	s->done = 1;
}

/* wrong_state - the 503 (or 554) for a command not allowed now. */
static void
wrong_state(struct session *s, const struct command *c)
{
	if (s->state == ST_START)
		say(s, R_NEED_HELO, NULL);
	else if (c->handler == cmd_mail)
		say(s, R_NESTED_MAIL, NULL);
	else if (s->state == ST_READY)
		say(s, R_NEED_MAIL, NULL);
	else if (s->rcpt_tries > 0) /* RFC 5321 3.3: all were refused */
		say(s, R_NO_VALID_RCPTS, NULL);
	else
		say(s, R_NEED_RCPT, NULL);
}

/*
 * is_http - the line is an HTTP request or header: a browser or a
 * cross-protocol trick, never a mail client (as Postfix refuses them).
 */
static int
is_http(const char *line, size_t len)
{
	static const char *const starts[] = { "GET /", "HEAD /", "POST /",
		"PUT /", "DELETE /", "OPTIONS ", "PATCH /", "TRACE /",
		"CONNECT ", "Host:", "User-Agent:" };
	size_t i, n;

	for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		n = strlen(starts[i]);
		if (len >= n && strncasecmp(line, starts[i], n) == 0)
			return 1;
	}
	return 0;
}

/* dispatch - the checks every command shares, then its handler. */
static void
dispatch(struct session *s, char *line, size_t len)
{
	const struct command *c;
	size_t i, vlen;
	char *arg;

	for (i = 0; i < len; i++) {
		if ((unsigned char)line[i] < ' ' || line[i] == 127) {
			say(s, R_BAD_CHAR, NULL);
			return;
		}
	}
	/* RFC 5321 4.1.1: tolerate white space before the line end. */
	while (len > 0 && line[len - 1] == ' ')
		line[--len] = '\0';
	for (vlen = 0; vlen < len && line[vlen] != ' '; vlen++)
		;
	if ((c = find_command(line, vlen)) == NULL) {
		if (is_http(line, len)) {
			reply(&s->out, R_NOT_SMTP, s->cfg->hostname);
			log_event(LOG_NOTICE, "event=http_refused");
			s->done = 1;
			return;
		}
		say(s, R_UNRECOGNIZED, NULL);
		return;
	}
	if ((c->sync || !s->esmtp) && c->handler != cmd_quit &&
	    early_input(s)) {
		reply(&s->out, R_OUT_OF_SYNC, s->cfg->hostname);
		log_event(LOG_NOTICE, "event=out_of_sync verb=%s", c->verb);
		s->done = 1;
		return;
	}
	if (!(c->states & s->state)) {
		wrong_state(s, c);
		return;
	}
	arg = line + vlen;
	while (*arg == ' ')
		arg++;
	len -= (size_t)(arg - line);
	if ((c->arg == ARG_NONE && len > 0) || (c->arg == ARG_REQ && len == 0)) {
		say(s, R_USAGE, c->syntax);
		return;
	}
	s->cmd = c;
	c->handler(s, arg, len);
}

int
session_run(const struct config *cfg)
{
	struct session *s;
	int status;

	/* The session holds a 64 KiB input buffer: not for the stack, and
	 * not worth zeroing on every connection. */
	if ((s = malloc(sizeof(*s))) == NULL) {
		log_event(LOG_ERR, "event=internal error=%s",
		    strerror(errno));
		return EXIT_INTERNAL;
	}
	memset(s, 0, offsetof(struct session, in));
	s->cfg = cfg;
	s->state = ST_START;
	s->session_end = now_ms() + (int64_t)cfg->session_timeout * 1000;
	reply_init(&s->out, cfg->out_fd, cfg->timeout);
	reply_set_term(&s->out, cfg->term_fd);
	/* A client that talks before the greeting is not waiting for us. */
	if (early_input(s)) {
		reply(&s->out, R_OUT_OF_SYNC, cfg->hostname);
		log_event(LOG_NOTICE, "event=out_of_sync verb=greeting");
		s->done = 1;
	} else {
		reply(&s->out, R_GREETING, cfg->hostname);
	}
	while (!s->done) {
		char *line;
		size_t len;

		switch (next_line(s, &line, &len)) {
		case IN_LINE:
			dispatch(s, line, len);
			break;
		case IN_TOO_LONG:
			say(s, R_LINE_TOO_LONG, NULL);
			break;
		case IN_TIMEOUT:
			reply(&s->out, R_TIMEOUT, cfg->hostname);
			log_event(LOG_NOTICE, "event=timeout");
			s->done = 1;
			break;
		case IN_TERM:
			reply(&s->out, R_GOING_DOWN, cfg->hostname);
			log_event(LOG_NOTICE, "event=sigterm");
			s->done = 1;
			break;
		case IN_EOF:
			s->done = 1;
			break;
		}
	}
	(void)reply_flush(&s->out);
	status = s->exit_status;
	free(s->rcpts);
	free(s);
	return status;
}
