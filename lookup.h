/* SPDX-License-Identifier: ISC */
/*
 * lookup.h - the questions about an address: RCPT, VRFY, EXPN and SEND's
 * terminal, answered from the users, the aliases and our domains.  Every
 * question is answered 1 (yes, found), 0 (no, not found) or -1 (could
 * not tell now: the caller answers 4xx, never 5xx).
 */
#ifndef SMTPD_LOOKUP_H
#define SMTPD_LOOKUP_H

#include <stddef.h>

#include "smtpd.h"

/* One line of a VRFY or EXPN answer: "Full Name <address>". */
#define LOOKUP_LINE_MAX 400

/* What VRFY and EXPN may show, and how many lines of it. */
struct lookup_lines {
	size_t n;
	char line[LOOKUP_LINES_MAX][LOOKUP_LINE_MAX];
};

/* The answers to VRFY. */
enum lookup_vrfy {
	VRFY_ONE,	/* 250: line[0] */
	VRFY_FORWARD,	/* 251: line[0] is the remote address */
	VRFY_HIDDEN,	/* 252: saying more would reveal what must not be */
	VRFY_AMBIGUOUS, /* 553: the candidates */
	VRFY_NONE,	/* 550 */
	VRFY_TEMPFAIL,	/* 450 */
};

/* What the questions are asked of; lookup_new makes and owns all three. */
struct lookup {
	struct access *access;
	struct users *users;
	struct aliases *aliases;
};

struct lookup *lookup_new(void);
void lookup_free(struct lookup *lk);
int lookup_defer(struct lookup *lk, const char *path, const char *login_defs);
int lookup_prepare(struct lookup *lk);

int lookup_domain_is_local(const struct lookup *lk, const char *domain);
int lookup_recipient(const struct lookup *lk, const char *local,
    char *forward, size_t size);
int lookup_at_terminal(const struct lookup *lk, const char *local);
enum lookup_vrfy lookup_vrfy(const struct lookup *lk, const char *query,
    struct lookup_lines *out);
int lookup_expn(const struct lookup *lk, const char *query,
    struct lookup_lines *out);

#endif
