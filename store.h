/* SPDX-License-Identifier: ISC */
/*
 * store.h - the hand-off: store a message, then pipe it to the delivery
 * command.
 */
#ifndef SMTPD_STORE_H
#define SMTPD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "reply.h"

/* Who sent what to whom: what the delivery command is told. */
struct envelope {
	const char *sender;	/* "" for the null path <> */
	char *rcpts;		/* nrcpts strings, each NUL-terminated */
	size_t nrcpts;
	const char *mode;	/* MAIL, SEND, SOML or SAML */
	const char *proto;	/* ESMTP, ESMTPSA, UTF8SMTP... (RFC 3848, 6531) */
	const char *helo;
	const char *hostname;
	const char *peer_addr;	/* NULL if unknown */
	const char *peer_host;	/* NULL if unknown */
	const char *tls;	/* "(using ...)" for Received, NULL without */
	const char *tls_version, *tls_cipher; /* NULL without TLS */
	const char *auth_user;	/* SMTP AUTH's user, NULL without */
	const char *auth_sender; /* MAIL's AUTH=, decoded; NULL without */
	int auth_header;	/* Received names auth_user */
};

/* What came of a delivery: the reply, in the command's words if it gave
 * usable ones (see reply_as). */
struct verdict {
	enum reply_id id;
	char status[16];		     /* its RFC 3463 status, or "" */
	char text[DELIVERY_TEXT_MAX + 1];    /* its text, or "" */
};

struct store {
	int fd;		/* the unlinked temporary file, or -1 */
	int error;	/* errno of the first failure, 0 if none */
};

uint64_t store_space(const char *tmpdir);
int store_open(struct store *st, const char *tmpdir);
void store_received(struct store *st, const struct envelope *env);
void store_write(struct store *st, const char *p, size_t len);
void store_abort(struct store *st);
int store_turn(char *const *argv, int in_fd, int out_fd, const char *helo);
void store_close(struct store *st, const struct envelope *env,
    char *const *command, int timeout, struct verdict *v);

#endif
