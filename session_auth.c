/* SPDX-License-Identifier: ISC */
/*
 * session_auth.c - SMTP AUTH (RFC 4954) in the session: the AUTH
 * command and its exchange (PLAIN, RFC 4616; LOGIN), what EHLO offers,
 * MAIL's AUTH= parameter, and the trust an authenticated client earns.
 * auth.c asks the backend and decodes; session.c calls in here.
 *
 * What the client sends in the exchange is never logged nor echoed, and
 * the buffers that held it (the input line, the decoded response) are
 * wiped once used.  The log names the user, the mechanism and the reply.
 */
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "conn.h"
#include "log.h"
#include "reply.h"
#include "session_int.h"

/* The decoded response of a line of SMTP_AUTH_LINE_MAX octets. */
#define RESPONSE_MAX (SMTP_AUTH_LINE_MAX / 4 * 3)

/* auth_trusted - the client may relay: it authenticated. */
int
auth_trusted(const struct session *s)
{
	return s->auth_user[0] != '\0';
}

/*
 * auth_offer - the EHLO line "AUTH PLAIN LOGIN" (or the part of it the
 * backend offers), or NULL: only with --auth, under TLS unless
 * --auth-plaintext.  With Dovecot this is when its socket is opened.
 */
const char *
auth_offer(struct session *s)
{
	static const char *const lines[] = { NULL, "AUTH PLAIN", "AUTH LOGIN",
		"AUTH PLAIN LOGIN" };

	if (s->cfg->auth == NULL || (!s->tls_on && !s->cfg->auth_plaintext))
		return NULL;
	return lines[auth_mechs(&s->auth) & (AUTH_PLAIN | AUTH_LOGIN)];
}

/*
 * auth_mail_param - MAIL's AUTH=<xtext> or AUTH=<> (RFC 4954 5), value
 * still encoded.  Only an authenticated client's is kept (for
 * SMTP_AUTH_SENDER); any other is taken as AUTH=<>, as 5 asks.  0, or
 * -1 after replying.
 */
int
auth_mail_param(struct session *s, const char *value)
{
	s->auth_sender[0] = '\0';
	if (value == NULL)
		return 0;
	if (s->cfg->auth == NULL) {
		say(s, R_PARAM_UNKNOWN, "AUTH");
		return -1;
	}
	if (strcmp(value, "<>") == 0)
		return 0;
	if (auth_xtext_decode(value, s->auth_sender, sizeof(s->auth_sender)) <
	    0) {
		s->auth_sender[0] = '\0';
		say(s, R_PARAM_SYNTAX, "AUTH");
		return -1;
	}
	if (!auth_trusted(s))
		s->auth_sender[0] = '\0';
	return 0;
}

/*
 * response - one response of the exchange into out (size RESPONSE_MAX
 * + 1): the initial one, ir, if the client gave it, else the line after
 * "334 challenge".  "=" is empty.  The length, or -1 after replying
 * (or ending the session).  The line read is wiped.
 */
static long
response(struct session *s, char *ir, const char *challenge, char *out)
{
	char *line = ir;
	size_t len = ir != NULL ? strlen(ir) : 0;
	long n;

	if (line == NULL) {
		reply(&s->conn, R_AUTH_CHALLENGE, challenge);
		switch (
		    conn_line_max(&s->conn, SMTP_AUTH_LINE_MAX, &line, &len)) {
		case IN_LINE:
			break;
		case IN_TOO_LONG:
			say(s, R_AUTH_LINE_TOO_LONG, NULL);
			return -1;
		case IN_TIMEOUT:
			closing(s, R_TIMEOUT);
			log_event(LOG_NOTICE, "event=timeout");
			return -1;
		case IN_TERM:
			closing(s, R_GOING_DOWN);
			log_event(LOG_NOTICE, "event=sigterm");
			return -1;
		case IN_EOF:
			s->done = 1;
			return -1;
		}
	}
	if (len == 1 && line[0] == '*') {
		say(s, R_AUTH_CANCELLED, NULL);
		return -1;
	}
	if (len == 1 && line[0] == '=')
		n = 0;
	else
		n = auth_b64_decode(line, len, out, RESPONSE_MAX + 1);
	explicit_bzero(line, len);
	if (n < 0) {
		say(s, R_AUTH_BAD_BASE64, NULL);
		return -1;
	}
	out[n] = '\0';
	return n;
}

/*
 * verdict - ask the backend about user and pass, answer, log.  A refusal
 * waits as the harvesting delay does (conn_pause), and the third ends
 * the session.
 */
static void
verdict(struct session *s, const char *mech, const char *user, const char *pass,
    int ok)
{
	struct auth_request rq = {
		.mech = mech,
		.user = user,
		.pass = pass,
		.peer_addr = s->cfg->peer_addr,
		.local_addr = s->cfg->local_addr,
		.secured = s->tls_on,
	};
	char name[AUTH_USER_MAX + 1];
	enum auth_result r = AUTH_REFUSED;

	name[0] = '\0';
	if (ok)
		r = auth_verify(&s->auth, &rq, name, sizeof(name));
	log_event(r == AUTH_OK ? LOG_INFO : LOG_NOTICE,
	    "event=auth user=%s mech=%s status=%d", user, mech,
	    reply_get(r == AUTH_OK         ? R_AUTH_OK
	              : r == AUTH_TEMPFAIL ? R_AUTH_TEMPFAIL
	                                   : R_AUTH_FAILED)
	        ->code);
	if (r == AUTH_OK) {
		memcpy(s->auth_user, name, strlen(name) + 1);
		say(s, R_AUTH_OK, NULL);
		return;
	}
	if (r == AUTH_TEMPFAIL) {
		say(s, R_AUTH_TEMPFAIL, NULL);
		return;
	}
	s->auth_failures++;
	conn_pause(&s->conn, s->cfg->harvest_delay);
	say(s, R_AUTH_FAILED, NULL);
	if (s->auth_failures >= AUTH_FAILURES_MAX && !s->done) {
		closing(s, R_AUTH_TOO_MANY);
		log_event(LOG_NOTICE,
		    "event=too_many_errors errors=%u "
		    "auth_failures=%u",
		    s->errors, s->auth_failures);
	}
}

/* mechanism - the bit of the mechanism named arg[0, len), or 0. */
static unsigned
mechanism(const char *arg, size_t len)
{
	if (len == 5 && strncasecmp(arg, "PLAIN", 5) == 0)
		return AUTH_PLAIN;
	if (len == 5 && strncasecmp(arg, "LOGIN", 5) == 0)
		return AUTH_LOGIN;
	return 0;
}

/*
 * cmd_auth - "AUTH mechanism [initial-response]".  PLAIN's message is
 * one response; LOGIN asks for the user name (unless it came as the
 * initial response), then the password.  An authorization identity
 * other than the user's own is refused: nobody may act as another here.
 */
void
cmd_auth(struct session *s, char *arg, size_t len)
{
	char buf[RESPONSE_MAX + 1], pass[RESPONSE_MAX + 1];
	char *ir = NULL, *sp = memchr(arg, ' ', len);
	size_t mlen = sp != NULL ? (size_t)(sp - arg) : len;
	unsigned mech;
	struct auth_plain p;
	long n;
	int ok;

	if (s->cfg->auth == NULL) {
		say(s, R_NOT_AVAILABLE, "AUTH");
		return;
	}
	if (s->state == ST_START) {
		say(s, R_NEED_HELO, NULL);
		return;
	}
	if (!s->esmtp) {
		say(s, R_AUTH_NEED_EHLO, NULL);
		return;
	}
	if (auth_trusted(s)) {
		say(s, R_AUTH_ALREADY, NULL);
		return;
	}
	if (s->state != ST_READY) {
		say(s, R_AUTH_NOT_NOW, NULL);
		return;
	}
	if (!s->tls_on && !s->cfg->auth_plaintext) {
		say(s, R_AUTH_NEED_TLS, NULL);
		return;
	}
	if (sp != NULL) {
		ir = sp + 1;
		if (*ir == '\0' || strchr(ir, ' ') != NULL) {
			explicit_bzero(sp, len - mlen);
			say(s, R_USAGE, s->cmd->syntax);
			return;
		}
	}
	mech = mechanism(arg, mlen);
	if (mech == 0 || !(auth_mechs(&s->auth) & mech)) {
		if (ir != NULL)
			explicit_bzero(ir, strlen(ir));
		say(s, R_AUTH_UNKNOWN_MECH, NULL);
		return;
	}
	if (mech == AUTH_PLAIN) {
		if ((n = response(s, ir, "", buf)) < 0)
			return;
		if (auth_plain_split(buf, (size_t)n, &p) < 0) {
			explicit_bzero(buf, sizeof(buf));
			say(s, R_AUTH_BAD_BASE64, NULL);
			return;
		}
		/* PLAIN's fields end in NULs, or the buffer's own. */
		ok = p.authcid_len > 0 && p.passwd_len > 0 &&
		     (p.authzid_len == 0 ||
		         (p.authzid_len == p.authcid_len &&
		             memcmp(p.authzid, p.authcid, p.authcid_len) == 0));
		verdict(s, "PLAIN", p.authcid, p.passwd, ok);
		explicit_bzero(buf, sizeof(buf));
		return;
	}
	if ((n = response(s, ir, "VXNlcm5hbWU6", buf)) < 0)
		return;
	ok = n > 0 && memchr(buf, '\0', (size_t)n) == NULL;
	if ((n = response(s, NULL, "UGFzc3dvcmQ6", pass)) < 0) {
		explicit_bzero(buf, sizeof(buf));
		return;
	}
	ok = ok && n > 0 && memchr(pass, '\0', (size_t)n) == NULL;
	verdict(s, "LOGIN", buf, pass, ok);
	explicit_bzero(buf, sizeof(buf));
	explicit_bzero(pass, sizeof(pass));
}
