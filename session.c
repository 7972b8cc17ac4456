/* SPDX-License-Identifier: ISC */
/*
 * session.c - the SMTP protocol: the command table, the states, and the
 * handlers of the greeting and the transaction (HELO, EHLO, MAIL, RCPT,
 * DATA, RSET, NOOP, QUIT); session_cmds.c has the others, and
 * session_auth.c SMTP AUTH.
 *
 * It decides what to answer by naming a reply id; reply.c spells it,
 * conn.c reads the client's lines and writes the replies, path.c and
 * data.c parse, lookup.c answers who is who, and store.c runs the
 * delivery.  Replies are flushed only when no complete line is waiting,
 * which is all PIPELINING (RFC 2920) asks of a server.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "data.h"
#include "log.h"
#include "lookup.h"
#include "path.h"
#include "reply.h"
#include "session.h"
#include "session_int.h"
#include "store.h"

#define SYNC 1
#define EHLO 1

static void cmd_helo(struct session *, char *, size_t);
static void cmd_ehlo(struct session *, char *, size_t);
static void cmd_mail(struct session *, char *, size_t);
static void cmd_rcpt(struct session *, char *, size_t);
static void cmd_data(struct session *, char *, size_t);
static void cmd_rset(struct session *, char *, size_t);
static void cmd_noop(struct session *, char *, size_t);
static void cmd_quit(struct session *, char *, size_t);
static const char *proto(const struct session *);

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
	{ "STARTTLS", ST_ANY,         ARG_NONE, SYNC, EHLO, cmd_starttls, "STARTTLS", "encrypt the session (RFC 3207)" },
	{ "AUTH", ST_ANY,             ARG_REQ,  0,    0,    cmd_auth, "AUTH <mechanism> [<initial-response>]", "authenticate (RFC 4954)" },
};
/* clang-format on */
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* session_commands - the grammar table, for HELP; n its length. */
const struct command *
session_commands(size_t *n)
{
	*n = NCOMMANDS;
	return commands;
}

/* closing - the last reply, which names us; the session ends after it. */
void
closing(struct session *s, enum reply_id id)
{
	reply(&s->conn, id, s->cfg->hostname);
	s->done = 1;
}

/*
 * say_lines - a reply to a command, counted against DEFAULT_ERRORS_MAX
 * when it is an error.  Replies after the final dot judge the message,
 * not a command, and use reply() directly.
 */
void
say_lines(struct session *s, enum reply_id id, const char *arg,
    const char *const *more, size_t n)
{
	int code = reply_get(id)->code;

	reply_lines(&s->conn, id, arg, more, n);
	/*
	 * 452 for too many recipients is the normal way to ask for a second
	 * transaction (RFC 5321 4.5.3.1.10), not an error of the client.
	 */
	if (code < 400 || id == R_TOO_MANY_RCPTS || s->done)
		return;
	if (++s->errors >= DEFAULT_ERRORS_MAX) {
		closing(s, R_TOO_MANY_ERRORS);
		log_event(LOG_NOTICE, "event=too_many_errors errors=%u",
		    s->errors);
	}
}

void
say(struct session *s, enum reply_id id, const char *arg)
{
	say_lines(s, id, arg, NULL, 0);
}

/*
 * unknown - one more answer that says "no such user".  Against address
 * harvesting, past DEFAULT_HARVEST_FREE each one waits
 * DEFAULT_HARVEST_DELAY seconds (SIGTERM cuts the wait short); the error
 * limit ends the session in the end.
 */
void
unknown(struct session *s)
{
	if (++s->unknown <= DEFAULT_HARVEST_FREE)
		return;
	if (s->unknown == DEFAULT_HARVEST_FREE + 1)
		log_event(LOG_NOTICE, "event=harvest_delay unknown=%u",
		    s->unknown);
	conn_pause(&s->conn, s->cfg->harvest_delay);
}

void
session_enter(struct session *s, enum state st)
{
	s->state = st;
}

void
transaction_clear(struct session *s)
{
	s->mode = NULL;
	s->sender.len = 0;
	s->sender.addr[0] = '\0';
	s->smtputf8 = 0;
	s->auth_sender[0] = '\0';
	s->rcpt_tries = 0;
	s->rcpts.n = s->rcpts.len = 0;
	if (s->state != ST_START)
		session_enter(s, ST_READY);
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
	return s->cfg->sync_check && conn_waiting(&s->conn);
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
	res = path_parse(arg, len, flags, p, &used);
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
 * params - the parameters of MAIL, or (mail 0) of RCPT, which has none we
 * advertise; 0, or -1 after replying.
 */
static int
params(struct session *s, char *rest, int mail)
{
	struct params pm;
	enum param_result r = path_params(rest, mail && s->esmtp, &pm);

	if (r != PARAM_OK) {
		say(s, r == PARAM_UNKNOWN ? R_PARAM_UNKNOWN : R_PARAM_SYNTAX,
		    pm.bad);
		return -1;
	}
	if (!mail)
		return 0;
	s->smtputf8 = pm.smtputf8;
	if (auth_mail_param(s, pm.auth) < 0)
		return -1;
	/* RFC 1870 6.1: refuse before any data is sent. */
	if (pm.has_size && s->cfg->max_size > 0 && pm.size > s->cfg->max_size) {
		say(s, R_TOO_BIG, NULL);
		return -1;
	}
	if (pm.has_size && pm.size > store_space(s->cfg->tmpdir)) {
		say(s, R_STORAGE, NULL); /* 6.1: 452, the client retries */
		return -1;
	}
	return 0;
}

static void
cmd_mail(struct session *s, char *arg, size_t len)
{
	char *rest;

	if (s->cfg->require_tls && !s->tls_on) {
		say(s, R_NEED_TLS, NULL);
		return;
	}
	/* RFC 6409 4.3: a submission server takes mail from users it knows. */
	if (s->cfg->submission && !auth_trusted(s)) {
		say(s, R_AUTH_REQUIRED, NULL);
		return;
	}
	if (path_arg(s, arg, len, "FROM:", PATH_NULL_OK, &s->sender,
		&rest) < 0 ||
	    params(s, rest, 1) < 0) {
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
 * rcpt_seen - p is already a recipient of this transaction.  The local
 * part of a local domain (or of <Postmaster>) compares without case, as
 * the lookups take it.  XXX: two accounts whose names differ only in case
 * (Bob, bob) are taken as one; the lookups find the exact name first.
 */
static int
rcpt_seen(const struct session *s, const struct path *p)
{
	const char *at = strrchr(p->addr, '@');

	return s->rcpts.n > 0 &&
	    path_seen(&s->rcpts, p,
		at == NULL || lookup_domain_is_local(s->cfg->lookup, at + 1));
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
		 * 551 with the path.  An authenticated client is trusted.
		 */
		if (s->cfg->trusted || auth_trusted(s))
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
	char *rest;
	int seen;

	s->rcpt_tries++;
	if (path_arg(s, arg, len, "TO:", PATH_POSTMASTER_OK, &p, &rest) < 0 ||
	    params(s, rest, 0) < 0)
		return;
	if (p.utf8 && !s->smtputf8) {
		say(s, R_NEED_SMTPUTF8, NULL);
		return;
	}
	/*
	 * A repeated recipient is answered as the first time but delivered
	 * once, and it takes no second place under --max-recipients.
	 */
	seen = rcpt_seen(s, &p);
	if (!seen && s->rcpts.n >= s->cfg->max_rcpts) {
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
	if (!seen && path_add(&s->rcpts, &p) < 0) {
		say(s, R_STORAGE, NULL);
		return;
	}
	session_enter(s, ST_RCPT);
	say(s, id, forward);
}

static void
cmd_data(struct session *s, char *arg, size_t len)
{
	struct store st;
	struct unstuff u;
	struct envelope env = {
		.sender = s->sender.addr,
		.rcpts = s->rcpts.buf,
		.nrcpts = s->rcpts.n,
		.mode = s->mode,
		.proto = proto(s),
		.tls = s->tls_on ? s->tls_note : NULL,
		.tls_version = s->tls_on ? s->tls.version : NULL,
		.tls_cipher = s->tls_on ? s->tls.cipher : NULL,
		.helo = s->helo,
		.hostname = s->cfg->hostname,
		.peer_addr = s->cfg->peer_addr,
		.peer_host = s->cfg->peer_host,
		.auth_user = auth_trusted(s) ? s->auth_user : NULL,
		.auth_sender = s->auth_sender[0] != '\0' ? s->auth_sender : NULL,
		.auth_header = s->cfg->auth_header,
	};
	struct verdict v = { .status = "", .text = "" };
	enum conn_input got;

	(void)arg;
	(void)len;
	if (store_open(&st, s->cfg->tmpdir) < 0) {
		log_event(LOG_ERR, "event=store_open error=%s",
		    strerror(errno));
		say(s, R_STORAGE, NULL);
		return;
	}
	store_received(&st, &env);
	reply(&s->conn, R_START_DATA, NULL);
	data_init(&u, s->cfg->bare_lf);
	got = data_read(&s->conn, &u, s->cfg->max_size, s->cfg->min_data_rate,
	    &st);
	if (got != IN_LINE) {
		/* Never deliver part of a message. */
		store_abort(&st);
		log_event(LOG_NOTICE, "event=data_aborted reason=%s size=%llu",
		    got == IN_TIMEOUT ? "timeout" : got == IN_TERM ? "sigterm" :
		    "eof", (unsigned long long)u.size);
		if (got != IN_EOF)
			closing(s,
			    got == IN_TIMEOUT ? R_TIMEOUT : R_GOING_DOWN);
		s->done = 1;
		return;
	}
	if (u.bare || u.too_big) {
		store_abort(&st);
		v.id = u.bare ? R_BARE_LINE_END : R_TOO_BIG;
	} else {
		store_close(&st, &env, s->cfg->command,
		    s->cfg->delivery_timeout, &v);
	}
	log_event(LOG_INFO,
	    "event=message from=<%s> rcpts=%zu size=%llu mode=%s helo=%s "
	    "status=%d tls=%s",
	    s->sender.addr, s->rcpts.n, (unsigned long long)u.size, s->mode,
	    s->helo, reply_get(v.id)->code, s->tls_on ? s->tls.version : "");
	reply_as(&s->conn, v.id, v.status, v.text);
	transaction_clear(s);
	/* SIGTERM while the command ran: it was waited for and answered. */
	if (conn_terminating(&s->conn))
		closing(s, R_GOING_DOWN);
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
	if (arg[0] == '[' && path_literal(arg, len) != len) {
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

/* offered - c works here, in this configuration, for this client. */
int
offered(const struct session *s, const struct command *c)
{
	if (c->handler == cmd_vrfy)
		return !s->cfg->no_vrfy;
	if (c->handler == cmd_expn)
		return !s->cfg->no_expn;
	if (c->handler == cmd_turn)
		return may_turn(s);
	if (c->handler == cmd_starttls)
		return s->cfg->tls != NULL && !s->tls_on && !s->tls_broken;
	if (c->handler == cmd_auth)
		return s->cfg->auth != NULL;
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
	const char *ext[6 + NCOMMANDS] = { size, "PIPELINING", "8BITMIME",
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
	if ((ext[n] = auth_offer(s)) != NULL)
		n++;
	reply_lines(&s->conn, R_HELLO, s->cfg->hostname, ext, n);
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
	closing(s, R_BYE);
}

const struct command *
find_command(const char *verb, size_t len)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strlen(commands[i].verb) == len &&
		    strncasecmp(commands[i].verb, verb, len) == 0)
			return &commands[i];
	return NULL;
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
	/*
	 * With --auth, lines are read up to SMTP_AUTH_LINE_MAX for AUTH's
	 * initial response (RFC 4954 4); any other command keeps 512.
	 */
	c = find_command(line, vlen);
	if (s->cfg->auth != NULL && len + 2 > SMTP_LINE_MAX &&
	    (c == NULL || c->handler != cmd_auth)) {
		say(s, R_LINE_TOO_LONG, NULL);
		return;
	}
	if (c == NULL) {
		if (is_http(line, len)) {
			closing(s, R_NOT_SMTP);
			log_event(LOG_NOTICE, "event=http_refused");
			return;
		}
		say(s, R_UNRECOGNIZED, NULL);
		return;
	}
	if ((c->sync || !s->esmtp) && c->handler != cmd_quit &&
	    early_input(s)) {
		closing(s, R_OUT_OF_SYNC);
		log_event(LOG_NOTICE, "event=out_of_sync verb=%s", c->verb);
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

/*
 * proto - the Received header's protocol (RFC 3848, RFC 6531 4.3): an
 * S for TLS, an A for AUTH (which needs EHLO).
 */
static const char *
proto(const struct session *s)
{
	static const char *const names[2][2] = {
		{ "ESMTP", "ESMTPA" }, { "ESMTPS", "ESMTPSA" } };
	static const char *const utf8[2][2] = {
		{ "UTF8SMTP", "UTF8SMTPA" }, { "UTF8SMTPS", "UTF8SMTPSA" } };

	if (s->smtputf8)
		return utf8[s->tls_on != 0][auth_trusted(s)];
	if (s->esmtp)
		return names[s->tls_on != 0][auth_trusted(s)];
	return s->tls_on ? "SMTPS" : "SMTP";
}

int
session_run(const struct config *cfg, struct session_report *rep)
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
	memset(s, 0, offsetof(struct session, conn));
	s->cfg = cfg;
	s->state = ST_START;
	conn_init(&s->conn, cfg->in_fd, cfg->out_fd, cfg->term_fd, cfg->timeout,
	    cfg->session_timeout);
	auth_init(&s->auth, cfg->auth, cfg->timeout);
	/* Implicit TLS (RFC 8314 3): the handshake, then the greeting. */
	if (cfg->tls_implicit) {
		if (conn_tls_start(&s->conn, cfg->tls, &s->tls) < 0) {
			log_event(LOG_ERR, "event=tls_unavailable error=%s",
			    s->tls.why);
			s->done = 1; /* no plaintext to say it in */
		} else {
			tls_begin(s);
		}
	}
	/* A client that talks before the greeting is not waiting for us. */
	if (s->done) {
		/* implicit TLS failed: nothing to say */
	} else if (early_input(s)) {
		closing(s, R_OUT_OF_SYNC);
		log_event(LOG_NOTICE, "event=out_of_sync verb=greeting");
	} else {
		reply(&s->conn, R_GREETING, cfg->hostname);
	}
	while (!s->done) {
		char *line;
		size_t len;

		switch (conn_line_max(&s->conn,
		    cfg->auth != NULL ? SMTP_AUTH_LINE_MAX : SMTP_LINE_MAX,
		    &line, &len)) {
		case IN_LINE:
			dispatch(s, line, len);
			break;
		case IN_TOO_LONG:
			say(s, R_LINE_TOO_LONG, NULL);
			break;
		case IN_TIMEOUT:
			closing(s, R_TIMEOUT);
			log_event(LOG_NOTICE, "event=timeout");
			break;
		case IN_TERM:
			closing(s, R_GOING_DOWN);
			log_event(LOG_NOTICE, "event=sigterm");
			break;
		case IN_EOF:
			s->done = 1;
			break;
		}
	}
	(void)conn_flush(&s->conn);
	if (rep != NULL)
		(void)reply_fmt(rep->tls, sizeof(rep->tls), "%s%s%s",
		    s->tls_on ? s->tls.version : "", s->tls_on ? " " : "",
		    s->tls_on ? s->tls.cipher : "");
	status = s->exit_status;
	auth_end(&s->auth);
	free(s->rcpts.buf);
	free(s);
	return status;
}
