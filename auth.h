/* SPDX-License-Identifier: ISC */
/*
 * auth.h - SMTP AUTH's backends (Dovecot's auth-client socket, a qmail
 * checkpassword program) behind one small interface, and the decoders
 * of the exchange (base64, xtext, the PLAIN message) for the session,
 * the unit tests and the fuzzers.
 */
#ifndef SMTPD_AUTH_H
#define SMTPD_AUTH_H

#include <stddef.h>

#include "smtpd.h"

/* --auth: one of the two, filled once by main. */
struct auth_cfg {
	const char *dovecot;  /* dovecot:PATH, its auth-client socket */
	char **checkpassword; /* checkpassword:PROGRAM [ARG...], its argv */
};

/* The mechanisms, as bits of auth_mechs(). */
enum auth_mech {
	AUTH_PLAIN = 1, /* RFC 4616 */
	AUTH_LOGIN = 2, /* draft-murchison-sasl-login */
};

enum auth_result {
	AUTH_OK,       /* 235 */
	AUTH_REFUSED,  /* 535: bad credentials */
	AUTH_TEMPFAIL, /* 454: the backend could not tell */
};

/* One attempt: what the client gave, and where it came from. */
struct auth_request {
	const char *mech;        /* "PLAIN" or "LOGIN", as the client asked */
	const char *user, *pass; /* NUL-terminated, neither holds a NUL */
	const char *peer_addr;   /* or NULL */
	const char *local_addr;  /* or NULL */
	int secured;             /* under TLS */
};

/* A session's backend: its Dovecot connection, opened when first needed. */
struct auth {
	const struct auth_cfg *cfg;
	int timeout;    /* seconds for each answer of the backend */
	int fd;         /* the Dovecot connection, or -1 */
	int tried;      /* auth_mechs() tried to connect */
	unsigned mechs; /* what Dovecot offers of PLAIN and LOGIN */
	unsigned id;    /* the last request's id */
	size_t r, w;    /* in[r, w): read from Dovecot, not used */
	char in[AUTH_BACKEND_LINE_MAX];
};

void auth_init(struct auth *a, const struct auth_cfg *cfg, int timeout);
unsigned auth_mechs(struct auth *a);
enum auth_result auth_verify(
    struct auth *a, const struct auth_request *rq, char *user, size_t size);
void auth_end(struct auth *a);

/* The decoders: pure functions of their input. */
long auth_b64_decode(const char *in, size_t len, char *out, size_t size);
size_t auth_b64_encode(const char *in, size_t len, char *out, size_t size);
int auth_xtext_decode(const char *in, char *out, size_t size);

/* The three fields of a PLAIN message (RFC 4616 2), each in the buffer. */
struct auth_plain {
	const char *authzid, *authcid, *passwd;
	size_t authzid_len, authcid_len, passwd_len;
};

int auth_plain_split(const char *msg, size_t len, struct auth_plain *p);

#endif
