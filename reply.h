/* SPDX-License-Identifier: ISC */
/*
 * reply.h - the reply set and its formatting; conn.c sends it.
 */
#ifndef SMTPD_REPLY_H
#define SMTPD_REPLY_H

#include <stdarg.h>
#include <stddef.h>

#include "smtpd.h"

struct conn; /* conn.h: where the lines go */

/* Reply ids are named for their meaning; numbers live only in reply.c. */
enum reply_id {
	R_GREETING,
	R_HELP,
	R_BYE,
	R_HELLO,
	R_ACTION_OK,
	R_SENDER_OK,
	R_RCPT_OK,
	R_QUEUED,
	R_TURNING,
	R_MAILBOX,
	R_WILL_FORWARD,
	R_CANNOT_VRFY,
	R_START_DATA,
	R_SHUTDOWN,
	R_TIMEOUT,
	R_GOING_DOWN,
	R_TOO_MANY_ERRORS,
	R_TURN_FAILED,
	R_NOT_SMTP,
	R_DELIVERY_TEMPFAIL,
	R_DELIVERY_CONFIG,
	R_DELIVERY_CRASHED,
	R_DELIVERY_TIMEOUT,
	R_DELIVERY_NOT_STARTED,
	R_STORAGE,
	R_TOO_MANY_RCPTS,
	R_MAILBOX_BUSY,
	R_LOOKUP_TEMPFAIL,
	R_UNRECOGNIZED,
	R_LINE_TOO_LONG,
	R_BAD_CHAR,
	R_USAGE,
	R_SENDER_SYNTAX,
	R_RCPT_SYNTAX,
	R_PATH_TOO_LONG,
	R_BAD_LITERAL,
	R_PARAM_SYNTAX,
	R_NOT_AVAILABLE,
	R_NEED_HELO,
	R_NESTED_MAIL,
	R_NEED_MAIL,
	R_NEED_RCPT,
	R_TURN_NOT_NOW,
	R_HELP_UNKNOWN,
	R_BARE_LINE_END,
	R_NO_SUCH_USER,
	R_NOT_A_LIST,
	R_TRY_FORWARD,
	R_NO_SUCH_HOST,
	R_TOO_BIG,
	R_SENDER_REFUSED,
	R_RCPT_REFUSED,
	R_NEED_SMTPUTF8,
	R_AMBIGUOUS,
	R_NO_VALID_RCPTS,
	R_OUT_OF_SYNC,
	R_DELIVERY_REFUSED,
	R_REFUSED_DATA,
	R_REFUSED_PROTOCOL,
	R_REFUSED_PERM,
	R_PARAM_UNKNOWN,
	R_TLS_READY,
	R_TLS_UNAVAILABLE,
	R_TLS_ACTIVE,
	R_TLS_NOT_NOW,
	R_NEED_TLS,
	R_TLS_PIPELINED,
	R_AUTH_OK,
	R_AUTH_CHALLENGE,
	R_AUTH_TOO_MANY,
	R_AUTH_TEMPFAIL,
	R_AUTH_LINE_TOO_LONG,
	R_AUTH_CANCELLED,
	R_AUTH_BAD_BASE64,
	R_AUTH_NEED_EHLO,
	R_AUTH_ALREADY,
	R_AUTH_NOT_NOW,
	R_AUTH_UNKNOWN_MECH,
	R_AUTH_REQUIRED,
	R_AUTH_FAILED,
	R_AUTH_NEED_TLS,
	/* In the table, not sent yet: see smtpd(8), REPLIES. */
	R_STATUS,
	R_PARAMS_NOT_NOW,
	R_COUNT
};

/* One row of the reply table. */
struct reply {
	int code;	    /* RFC 5321 reply code */
	const char *status; /* RFC 3463 enhanced status, "" where none */
	const char *text;   /* default text; at most one %s */
};

const struct reply *reply_get(enum reply_id id);
void reply(struct conn *c, enum reply_id id, const char *arg);
void reply_lines(struct conn *c, enum reply_id id, const char *arg,
    const char *const *more, size_t n);
void reply_as(struct conn *c, enum reply_id id, const char *status,
    const char *text);
int reply_status_len(const char *s);
int reply_fmt(char *dst, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
size_t reply_clean(char *dst, size_t size, const char *src, size_t len);

#endif
