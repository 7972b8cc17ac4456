/* SPDX-License-Identifier: ISC */
/*
 * session_int.h - what session.c and session_cmds.c, the two halves of
 * the session module, share: the session's state and the command table's
 * row, the reply helpers, and the handlers session_cmds.c holds.  No
 * other file includes it.
 */
#ifndef SMTPD_SESSION_INT_H
#define SMTPD_SESSION_INT_H

#include <stddef.h>

#include "auth.h"
#include "conn.h"
#include "lookup.h"
#include "path.h"
#include "reply.h"
#include "session.h"

/* States, as bits so that a command can name the set it is allowed in. */
enum state {
	ST_START = 1, /* before HELO or EHLO */
	ST_READY = 2, /* greeted, no transaction */
	ST_MAIL = 4,  /* sender given, no recipient yet */
	ST_RCPT = 8,  /* at least one recipient accepted */
};
#define ST_ANY (ST_START | ST_READY | ST_MAIL | ST_RCPT)
#define ST_HELLO (ST_READY | ST_MAIL | ST_RCPT)

enum arg {
	ARG_NONE, /* 501 if one is given */
	ARG_REQ,  /* 501 if none is given */
	ARG_OPT,
};

struct command;

struct session {
	const struct config *cfg;
	const struct command *cmd; /* the command being handled */
	enum state state;
	int done;		/* end the session after this command */
	int exit_status;
	unsigned errors;	/* error replies so far */
	unsigned unknown;	/* "no such user" answers so far */
	int esmtp;		/* the client said EHLO */
	char helo[SMTP_DOMAIN_MAX + 1];

	/* The transaction. */
	const char *mode;	/* MAIL, SEND, SOML, SAML */
	struct path sender;
	int smtputf8;
	unsigned rcpt_tries;	/* RCPT commands, accepted or not */
	struct paths rcpts;

	/* SMTP AUTH: who the client proved to be, and its failures. */
	char auth_user[AUTH_USER_MAX + 1]; /* "" until AUTH succeeded */
	unsigned auth_failures;
	char auth_sender[SMTP_PATH_MAX]; /* MAIL's AUTH=, decoded, or "" */

	/* TLS, once the handshake is done; or why STARTTLS is off. */
	int tls_on, tls_broken;
	struct conn_tls tls;
	char tls_note[160];	/* the Received header's "(using ...)" */

	struct conn conn; /* from here on not zeroed */
	struct lookup_lines lines; /* VRFY and EXPN answers */
	struct auth auth;	   /* the backend's connection */
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

/* session.c */
void closing(struct session *s, enum reply_id id);
void say_lines(struct session *s, enum reply_id id, const char *arg,
    const char *const *more, size_t n);
void say(struct session *s, enum reply_id id, const char *arg);
void unknown(struct session *s);
void session_enter(struct session *s, enum state st);
void transaction_clear(struct session *s);
int offered(const struct session *s, const struct command *c);
const struct command *find_command(const char *verb, size_t len);
const struct command *session_commands(size_t *n);

/* session_auth.c: AUTH, and what it changes elsewhere */
void cmd_auth(struct session *s, char *arg, size_t len);
const char *auth_offer(struct session *s);
int auth_trusted(const struct session *s);
int auth_mail_param(struct session *s, const char *value);

/* session_cmds.c: HELP, VRFY, EXPN, TURN, STARTTLS */
int may_turn(const struct session *s);
void tls_begin(struct session *s);
void cmd_help(struct session *s, char *arg, size_t len);
void cmd_vrfy(struct session *s, char *arg, size_t len);
void cmd_expn(struct session *s, char *arg, size_t len);
void cmd_turn(struct session *s, char *arg, size_t len);
void cmd_starttls(struct session *s, char *arg, size_t len);

#endif
