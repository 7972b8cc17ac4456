/* SPDX-License-Identifier: ISC */
/*
 * session_cmds.c - the commands that ask or change rather than carry
 * mail: HELP, VRFY and EXPN (answered from lookup.c), TURN and STARTTLS
 * (which hand the connection on).  The other half of the session module;
 * session.c has the grammar, the states and the transaction.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "log.h"
#include "lookup.h"
#include "reply.h"
#include "session_int.h"
#include "store.h"

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

/* may_turn - TURN would be done for this client (RFC 5321 appendix F.1). */
int
may_turn(const struct session *s)
{
	/* Under TLS the connection is the TLS program's, not ours to give. */
	return s->cfg->turn != NULL && s->cfg->trusted && !s->tls_on;
}

void
cmd_help(struct session *s, char *arg, size_t len)
{
	char verbs[SMTP_REPLY_MAX], text[SMTP_REPLY_MAX];
	const char *more[] = { verbs, "For more on a command: HELP <command>" };
	const struct command *c, *commands;
	size_t i, n, ncommands;

	if (len == 0) {
		/* The list comes from the grammar table: it cannot drift. */
		commands = session_commands(&ncommands);
		memcpy(verbs, "Commands:", n = 9);
		for (i = 0; i < ncommands; i++) {
			size_t vlen = strlen(commands[i].verb);

			/* STARTTLS and AUTH only where they work. */
			if (((commands[i].handler == cmd_starttls ||
				 commands[i].handler == cmd_auth) &&
				!offered(s, &commands[i])) ||
			    n + 1 + vlen >= sizeof(verbs))
				continue;
			verbs[n++] = ' ';
			memcpy(verbs + n, commands[i].verb, vlen);
			n += vlen;
		}
		/* more[0] reads it: cppcheck does not see through the array. */
		/* cppcheck-suppress unreadVariable */
		verbs[n] = '\0';
		reply_lines(&s->conn, R_HELP, "smtpd " SMTPD_VERSION, more, 2);
		return;
	}
	if ((c = find_command(arg, len)) == NULL) {
		say(s, R_HELP_UNKNOWN, NULL);
		return;
	}
	(void)reply_fmt(text, sizeof(text), "%s: %s", c->syntax, c->help);
	reply(&s->conn, R_HELP, text);
}

/*
 * cmd_vrfy - RFC 5321 3.5.3: 250 for one mailbox, 553 with the
 * candidates, 550 for none; 252 where an answer would tell what must not
 * be told (another domain, a hidden account) or VRFY is off (7.3).
 */
void
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
void
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

void
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
	if (conn_give_back(&s->conn) < 0) {
		closing(s, R_OUT_OF_SYNC);
		return;
	}
	reply(&s->conn, R_TURNING, NULL);
	log_event(LOG_INFO, "event=turn helo=%s command=%s", s->helo,
	    s->cfg->turn[0]);
	if (conn_flush(&s->conn) == 0)
		(void)store_turn(s->cfg->turn, s->cfg->in_fd, s->cfg->out_fd,
		    s->helo);
	/* Still here: nothing was started; the client must not wait. */
	log_event(LOG_ERR, "event=turn_failed error=%s", strerror(errno));
	closing(s, R_TURN_FAILED);
}

/*
 * tls_begin - the handshake, once the TLS program is ready (and the 220
 * is out, for STARTTLS).  After it the session forgets what the client
 * said (RFC 3207 4.2): the greeting, the ESMTP state, a transaction,
 * an authentication (none can have happened without --auth-plaintext).  A
 * handshake that fails ends the session with no more said: the client
 * is in TLS, and nothing is read in plaintext again.
 */
void
tls_begin(struct session *s)
{
	if (conn_tls_handshake(&s->conn, &s->tls) < 0) {
		log_event(LOG_NOTICE, "event=tls_failed error=%s", s->tls.why);
		s->done = 1;
		return;
	}
	s->tls_on = 1;
	(void)reply_fmt(s->tls_note, sizeof(s->tls_note),
	    "(using %s with cipher %s (%u/%u bits))", s->tls.version,
	    s->tls.cipher, s->tls.bits, s->tls.bits);
	log_event(LOG_INFO, "event=tls version=%s cipher=%s bits=%u",
	    s->tls.version, s->tls.cipher, s->tls.bits);
	s->helo[0] = '\0';
	s->esmtp = 0;
	s->auth_user[0] = '\0';
	s->auth_failures = 0;
	session_enter(s, ST_START);
	transaction_clear(s);
}

/*
 * cmd_starttls - RFC 3207.  What the client sent after STARTTLS before
 * our 220 is never executed (the command injection of CVE-2011-0411):
 * the session ends, in plaintext.
 */
void
cmd_starttls(struct session *s, char *arg, size_t len)
{
	(void)arg;
	(void)len;
	if (s->tls_on) {
		say(s, R_TLS_ACTIVE, NULL);
		return;
	}
	if (s->tls_broken) {
		say(s, R_TLS_UNAVAILABLE, NULL);
		return;
	}
	if (!offered(s, s->cmd)) {
		say(s, R_NOT_AVAILABLE, "STARTTLS");
		return;
	}
	if (s->state & (ST_MAIL | ST_RCPT)) {
		say(s, R_TLS_NOT_NOW, NULL);
		return;
	}
	if (conn_waiting(&s->conn)) {
		closing(s, R_TLS_PIPELINED);
		log_event(LOG_NOTICE, "event=out_of_sync verb=STARTTLS");
		return;
	}
	if (conn_tls_start(&s->conn, s->cfg->tls, &s->tls) < 0) {
		log_event(LOG_WARNING, "event=tls_unavailable error=%s",
		    s->tls.why);
		s->tls_broken = 1; /* not offered again this session */
		say(s, R_TLS_UNAVAILABLE, NULL);
		return;
	}
	reply(&s->conn, R_TLS_READY, NULL);
	tls_begin(s);
}
