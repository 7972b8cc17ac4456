/* SPDX-License-Identifier: ISC */
/*
 * reply.c - every reply smtpd can send, and how it is spelled.
 *
 * The table below is the whole reply set: a call site names a reply by
 * its meaning and may pass one string for the %s in its text.  The lines
 * go to the connection's output buffer (conn.c), which writes them.  Text
 * that came from the client or from the delivery command is cleaned of
 * control characters here, and no line grows past SMTP_REPLY_MAX octets.
 */
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "reply.h"

/* clang-format off */
static const struct reply replies[R_COUNT] = {
	/* 2xx: done */
	[R_HELP]          = { 214, "2.0.0", "%s" },
	[R_GREETING]      = { 220, "", "%s ESMTP smtpd" },
	[R_TLS_READY]     = { 220, "2.0.0", "Ready to start TLS" }, /* RFC 3207 */
	[R_BYE]           = { 221, "2.0.0", "%s Service closing transmission channel" },
	[R_HELLO]         = { 250, "", "%s" },
	[R_ACTION_OK]            = { 250, "2.0.0", "OK" },
	[R_SENDER_OK]     = { 250, "2.1.0", "Sender OK" },
	[R_RCPT_OK]       = { 250, "2.1.5", "Recipient OK" },
	[R_QUEUED]        = { 250, "2.0.0", "Message accepted for delivery" },
	[R_TURNING]       = { 250, "2.0.0", "OK, turning the connection around" },
	[R_MAILBOX]       = { 250, "2.1.5", "%s" },
	[R_WILL_FORWARD]  = { 251, "2.1.5", "User not local; will forward to <%s>" },
	[R_CANNOT_VRFY]   = { 252, "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery" },
	[R_AUTH_OK]       = { 235, "2.7.0", "Authentication successful" }, /* RFC 4954 6 */
	/* 3xx: go on */
	[R_START_DATA]    = { 354, "", "End data with <CR><LF>.<CR><LF>" },
	/* RFC 4954 4: the base64 challenge alone, "334 " when empty. */
	[R_AUTH_CHALLENGE] = { 334, "", "%s" },
	/* 4xx: failed for now, the client keeps the message and retries */
	[R_SHUTDOWN]      = { 421, "4.3.2", "%s Service not available, closing transmission channel" },
	[R_TIMEOUT]       = { 421, "4.4.2", "%s Timeout, closing transmission channel" },
	[R_GOING_DOWN]    = { 421, "4.3.2", "%s Shutting down, closing transmission channel" },
	[R_TOO_MANY_ERRORS] = { 421, "4.7.0", "%s Too many errors, closing transmission channel" },
	[R_TURN_FAILED]   = { 421, "4.3.0", "%s TURN command could not be started; closing" },
	[R_NOT_SMTP]      = { 421, "4.7.0", "%s This is an SMTP server, not a web server; closing" },
	[R_AUTH_TOO_MANY] = { 421, "4.7.0", "%s Too many authentication failures, closing transmission channel" },
	[R_DELIVERY_TEMPFAIL] = { 451, "4.3.0", "Local delivery failed for now; try again later" },
	[R_DELIVERY_CONFIG] = { 451, "4.3.5", "Local configuration error; try again later" },
	[R_DELIVERY_CRASHED] = { 451, "4.3.0", "Delivery command crashed; try again later" },
	[R_DELIVERY_TIMEOUT] = { 451, "4.3.0", "Delivery took too long; try again later" },
	[R_DELIVERY_NOT_STARTED] = { 451, "4.3.0", "Delivery command could not be started; try again later" },
	[R_STORAGE]       = { 452, "4.3.1", "Insufficient system storage" },
	[R_TOO_MANY_RCPTS] = { 452, "4.5.3", "Too many recipients" },
	[R_MAILBOX_BUSY]  = { 450, "4.2.1", "User not at a terminal that accepts messages; try again later" },
	[R_LOOKUP_TEMPFAIL] = { 450, "4.3.0", "Cannot look up that user now; try again later" },
	[R_TLS_UNAVAILABLE] = { 454, "4.7.0", "TLS not available due to temporary reason" },
	[R_AUTH_TEMPFAIL] = { 454, "4.7.0", "Temporary authentication failure" }, /* RFC 4954 6 */
	/* 5xx: failed for good */
	[R_UNRECOGNIZED]  = { 500, "5.5.2", "Command unrecognized" },
	[R_LINE_TOO_LONG] = { 500, "5.5.2", "Line too long" },
	[R_BAD_CHAR]      = { 500, "5.5.2", "Invalid character in command" },
	[R_AUTH_LINE_TOO_LONG] = { 500, "5.5.6", "Authentication Exchange line is too long" }, /* RFC 4954 6 */
	[R_AUTH_CANCELLED] = { 501, "5.0.0", "Authentication cancelled" }, /* RFC 4954 4 */
	[R_AUTH_BAD_BASE64] = { 501, "5.5.2", "Cannot decode response" }, /* RFC 4954 4 */
	[R_USAGE]         = { 501, "5.5.4", "Syntax: %s" },
	[R_SENDER_SYNTAX] = { 501, "5.1.7", "Bad sender address syntax" },
	[R_RCPT_SYNTAX]   = { 501, "5.1.3", "Bad recipient address syntax" },
	[R_PATH_TOO_LONG] = { 501, "5.5.4", "Path too long" },
	[R_BAD_LITERAL]   = { 501, "5.5.4", "Invalid address literal" },
	[R_PARAM_SYNTAX]  = { 501, "5.5.4", "Bad parameter: %s" },
	[R_NOT_AVAILABLE] = { 502, "5.5.1", "%s not available" },
	[R_NEED_HELO]     = { 503, "5.5.1", "Send HELO or EHLO first" },
	[R_TLS_ACTIVE]    = { 503, "5.5.1", "TLS already active" },
	[R_TLS_NOT_NOW]   = { 503, "5.5.1", "STARTTLS not allowed during a mail transaction" },
	[R_AUTH_NEED_EHLO] = { 503, "5.5.1", "Send EHLO first" },
	[R_AUTH_ALREADY]  = { 503, "5.5.1", "Already authenticated" }, /* RFC 4954 4 */
	[R_AUTH_NOT_NOW]  = { 503, "5.5.1", "AUTH not allowed during a mail transaction" },
	[R_AUTH_UNKNOWN_MECH] = { 504, "5.5.4", "Unrecognized authentication type" }, /* RFC 4954 4 */
	[R_AUTH_REQUIRED] = { 530, "5.7.0", "Authentication required" }, /* RFC 4954 6 */
	[R_AUTH_FAILED]   = { 535, "5.7.8", "Authentication credentials invalid" }, /* RFC 4954 6 */
	[R_AUTH_NEED_TLS] = { 538, "5.7.11", "Encryption required for requested authentication mechanism" }, /* RFC 4954 6 */
	[R_NEED_TLS]      = { 530, "5.7.0", "Must issue a STARTTLS command first" },
	[R_NESTED_MAIL]   = { 503, "5.5.1", "Sender already given" },
	[R_NEED_MAIL]     = { 503, "5.5.1", "MAIL first" },
	[R_NEED_RCPT]     = { 503, "5.5.1", "RCPT first" },
	[R_TURN_NOT_NOW]  = { 503, "5.5.1", "TURN only after HELO and between transactions" },
	[R_HELP_UNKNOWN]  = { 504, "5.5.4", "No help on that topic" },
	[R_BARE_LINE_END] = { 550, "5.5.2", "Bare CR or LF in message; lines must end in CRLF" },
	[R_NO_SUCH_USER]  = { 550, "5.1.1", "Mailbox unavailable" },
	[R_NOT_A_LIST]    = { 550, "5.1.1", "No such mailing list" },
	/* RFC 5321 3.4 for a server that will not forward; RFC 3463 5.7.1. */
	[R_TRY_FORWARD]   = { 551, "5.7.1", "User not local; please try <%s>" },
	[R_NO_SUCH_HOST]  = { 550, "5.1.2", "Destination system unknown" },
	[R_TOO_BIG]       = { 552, "5.3.4", "Message size exceeds fixed maximum message size" },
	[R_SENDER_REFUSED] = { 553, "5.1.7", "Sender address not allowed: %s" },
	[R_RCPT_REFUSED]  = { 553, "5.1.3", "Recipient address not allowed: %s" },
	[R_NEED_SMTPUTF8] = { 553, "5.6.7", "Non-ASCII address needs SMTPUTF8" },
	[R_AMBIGUOUS]     = { 553, "5.1.4", "User ambiguous; possibilities are" },
	[R_NO_VALID_RCPTS] = { 554, "5.5.1", "No valid recipients" },
	[R_OUT_OF_SYNC]   = { 554, "5.5.0", "%s Input sent before its turn (RFC 2920); closing" },
	[R_TLS_PIPELINED] = { 554, "5.5.0", "%s Input sent after STARTTLS before its reply; closing" },
	[R_DELIVERY_REFUSED] = { 554, "5.3.0", "Delivery refused: service unavailable" },
	[R_REFUSED_DATA]  = { 554, "5.6.0", "Delivery refused: message data not accepted" },
	[R_REFUSED_PROTOCOL] = { 554, "5.5.0", "Delivery refused: protocol error" },
	[R_REFUSED_PERM]  = { 554, "5.7.0", "Delivery refused: permission denied" },
	[R_PARAM_UNKNOWN] = { 555, "5.5.4", "Parameter not recognized: %s" },
	/*
	 * Not sent yet (smtpd(8), REPLIES, says why): no status command
	 * exists, and the one temporary parameter condition, SIZE beyond
	 * free storage, is 452 by RFC 1870 6.1.
	 */
	[R_STATUS]        = { 211, "2.0.0", "%s" },
	[R_PARAMS_NOT_NOW] = { 455, "4.5.4", "Unable to accommodate parameters now" },
};
/* clang-format on */

const struct reply *
reply_get(enum reply_id id)
{
	return &replies[id];
}

/*
 * reply_fmt - snprintf that says when it cut: 0, or -1 if the result was
 * truncated (dst still holds a terminated prefix).
 */
int
reply_fmt(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return 0;
}

/*
 * reply_clean - copy at most len bytes of src into dst, each control
 * character or non-ASCII byte replaced by '?'; returns the length written.
 * dst is always terminated.
 */
size_t
reply_clean(char *dst, size_t size, const char *src, size_t len)
{
	size_t i;

	if (size == 0)
		return 0;
	if (len > size - 1)
		len = size - 1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = (char)((c < 0x20 || c >= 0x7f) ? '?' : c);
	}
	dst[len] = '\0';
	return len;
}

/* line - one reply line: code, '-' or ' ', status, text; CRLF added. */
static void
line(struct conn *c, const struct reply *r, int last, const char *text,
    const char *arg)
{
	char buf[SMTP_REPLY_MAX];
	const size_t room = sizeof(buf) - 2; /* keep space for CRLF */
	size_t n = 4, slen = strlen(r->status);

	/*
	 * "%03d%c%s " by hand: an snprintf per line was a tenth of the
	 * instructions of a one-message session.  Codes are 200-599, as
	 * the unit test of the table checks.
	 */
	buf[0] = (char)('0' + r->code / 100 % 10);
	buf[1] = (char)('0' + r->code / 10 % 10);
	buf[2] = (char)('0' + r->code % 10);
	buf[3] = last ? ' ' : '-';
	if (slen > 0 && n + slen + 1 <= room) {
		memcpy(buf + n, r->status, slen);
		n += slen;
		buf[n++] = ' ';
	}
	for (; *text != '\0' && n < room; text++) {
		if (text[0] == '%' && text[1] == 's') {
			n += reply_clean(buf + n, room + 1 - n, arg,
			    strlen(arg));
			text++;
		} else {
			buf[n++] = *text;
		}
	}
	buf[n++] = '\r';
	buf[n++] = '\n';
	conn_write(c, buf, n);
}

void
reply(struct conn *c, enum reply_id id, const char *arg)
{
	reply_lines(c, id, arg, NULL, 0);
}

/*
 * reply_lines - a reply of 1 + n lines: the table's text (with arg for
 * its %s), then each of more[] as a line of the same code and status.
 */
void
reply_lines(struct conn *c, enum reply_id id, const char *arg,
    const char *const *more, size_t n)
{
	const struct reply *r = &replies[id];
	size_t i;

	line(c, r, n == 0, r->text, arg != NULL ? arg : "");
	for (i = 0; i < n; i++)
		line(c, r, i + 1 == n, "%s", more[i]);
}

/*
 * reply_status_len - the length of the RFC 3463 status code (class "."
 * subject "." detail, each of 1 to 3 digits, class 2, 4 or 5) that s
 * begins with, if a space or the end follows it; else 0.
 */
int
reply_status_len(const char *s)
{
	int i = 2, part;

	if ((s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	for (part = 0; part < 2; part++) {
		int start = i;

		while (s[i] >= '0' && s[i] <= '9' && i - start < 3)
			i++;
		if (i == start ||
		    (part == 0 ? s[i] != '.' : s[i] != ' ' && s[i] != '\0'))
			return 0;
		i++;
	}
	return i - 1;
}

/*
 * reply_as - reply id in words that someone else chose (the delivery
 * command): status replaces the table's if it is a status of the same
 * class as the code, text replaces the table's if not empty.  The code
 * itself always comes from the table.
 */
void
reply_as(struct conn *c, enum reply_id id, const char *status,
    const char *text)
{
	struct reply r = replies[id];
	char st[16];
	int n = reply_status_len(status != NULL ? status : "");

	if (n > 0 && status[0] - '0' == r.code / 100) {
		memcpy(st, status, (size_t)n);
		st[n] = '\0';
		r.status = st;
	}
	line(c, &r, 1, text != NULL && *text != '\0' ? "%s" : r.text,
	    text != NULL ? text : "");
}
