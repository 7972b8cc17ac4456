/* SPDX-License-Identifier: ISC */
/*
 * users.h - the users of NSS or of a passwd file, the hidden ones, and
 * who is at a terminal.  Finding says 1 found, 0 not, -1 could not tell.
 */
#ifndef SMTPD_USERS_H
#define SMTPD_USERS_H

#include <stddef.h>

#include "smtpd.h"

/* Someone found: name, full name, uid. */
struct user {
	char name[SMTP_LOCAL_MAX + 1];
	char full[128];
	unsigned long uid;
};

struct users;

struct users *users_new(void);
void users_free(struct users *us);
void users_defer(struct users *us, const char *login_defs);
void users_prepare(struct users *us);
int users_parse_passwd(struct users *us, const char *buf, size_t len,
    const char *name);
int users_load_passwd(struct users *us, const char *path);

int users_find(const struct users *us, const char *name, struct user *w);
int users_hidden(const struct users *us, const struct user *w);
int users_each(const struct users *us,
    int (*fn)(void *, const struct user *), void *arg);
int users_at_terminal(const char *user);

#endif
