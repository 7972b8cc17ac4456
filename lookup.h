/* SPDX-License-Identifier: ISC */
/*
 * lookup.h - who lives here: users (NSS or a passwd file), aliases(5),
 * local domains, terminals and trusted networks.  Every question is
 * answered 1 (yes, found), 0 (no, not found) or -1 (could not tell now:
 * the caller answers 4xx, never 5xx).
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

/* A --relay-net: an IPv4 or IPv6 prefix. */
struct lookup_net {
	int family;
	unsigned char addr[16];
	unsigned bits;
};

struct lookup;

struct lookup *lookup_new(void);
void lookup_free(struct lookup *lk);
unsigned long lookup_uid_min(const char *login_defs);
void lookup_set_uid_min(struct lookup *lk, unsigned long uid_min);
int lookup_add_domain(struct lookup *lk, const char *domain);
void lookup_set_local_addr(struct lookup *lk, const char *addr);
int lookup_load_passwd(struct lookup *lk, const char *path);
/* lookup_file_error - what a failed load's errno means, for a person. */
const char *lookup_file_error(int err);
int lookup_load_aliases(struct lookup *lk, const char *path);
/*
 * lookup_build_index - path's index, path.smtpd.cdb, built anew (what
 * --newaliases does): 0 with how many aliases it holds and how many
 * entries were malformed (reported and left out), or -1 with errno.
 */
int lookup_build_index(const char *path, size_t *count, int *bad);
int lookup_defer(struct lookup *lk, const char *path, const char *login_defs);
int lookup_prepare(struct lookup *lk);

/* Parsers on a buffer, for the loaders, the unit tests and fuzzers. */
int lookup_parse_passwd(struct lookup *lk, const char *buf, size_t len,
    const char *name);
int lookup_parse_aliases(struct lookup *lk, const char *buf, size_t len,
    const char *name);

/* The questions. */
int lookup_domain_is_local(const struct lookup *lk, const char *domain);
int lookup_recipient(const struct lookup *lk, const char *local,
    char *forward, size_t size);
int lookup_at_terminal(const struct lookup *lk, const char *local);
enum lookup_vrfy lookup_vrfy(const struct lookup *lk, const char *query,
    struct lookup_lines *out);
int lookup_expn(const struct lookup *lk, const char *query,
    struct lookup_lines *out);

int lookup_net_parse(const char *cidr, struct lookup_net *net);
int lookup_net_match(const struct lookup_net *nets, size_t n,
    const char *addr);

#endif
