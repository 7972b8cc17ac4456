/* SPDX-License-Identifier: ISC */
/*
 * path.h - RFC 5321 paths, address literals, ESMTP parameters, and the
 * list of a transaction's recipients; for session.c, tests and fuzzers.
 */
#ifndef SMTPD_PATH_H
#define SMTPD_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "smtpd.h"

enum path_flags {
	PATH_NULL_OK = 1,	/* "<>" is allowed: a reverse-path */
	PATH_POSTMASTER_OK = 2, /* "<Postmaster>" is allowed: a forward-path */
};

enum path_result {
	PATH_OK,
	PATH_SYNTAX,	      /* 501: not a path */
	PATH_TOO_LONG,	      /* 501: over SMTP_PATH_MAX */
	PATH_LOCAL_TOO_LONG,  /* 553: local part over SMTP_LOCAL_MAX */
	PATH_DOMAIN_TOO_LONG, /* 553: domain over SMTP_DOMAIN_MAX */
	PATH_DASH,	      /* 553: mailbox begins with '-' */
	PATH_CONTROL,	      /* 553: a C1 control (U+0080-U+009F) */
};

struct path {
	char addr[SMTP_PATH_MAX]; /* mailbox without route and brackets */
	size_t len;		  /* 0 for the null path */
	int utf8;		  /* it holds non-ASCII (RFC 6531) */
};

/* Mailboxes, each NUL-terminated, one after the other. */
struct paths {
	char *buf;
	size_t n, len, cap; /* mailboxes; octets used, allocated */
};

enum param_result {
	PARAM_OK,
	PARAM_UNKNOWN, /* 555: not a parameter known here */
	PARAM_SYNTAX,  /* 501 */
};

/* What the parameters of MAIL asked for. */
struct params {
	uint64_t size;	 /* SIZE (RFC 1870), UINT64_MAX past that */
	int has_size;	 /* SIZE was given */
	int smtputf8;	 /* SMTPUTF8 (RFC 6531) was given */
	const char *auth; /* AUTH= (RFC 4954 5), still xtext; or NULL */
	const char *bad; /* on an error: what was wrong */
};

enum path_result path_parse(const char *s, size_t len, int flags,
    struct path *p, size_t *used);
size_t path_literal(const char *s, size_t len);
enum param_result path_params(char *rest, int mail, struct params *pm);
int path_add(struct paths *l, const struct path *p);
int path_seen(const struct paths *l, const struct path *p, int fold);

#endif
