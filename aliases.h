/* SPDX-License-Identifier: ISC */
/*
 * aliases.h - the aliases(5) file, its index, and the members of an
 * entry.  What the members mean is the expansion's (lookup.h).
 */
#ifndef SMTPD_ALIASES_H
#define SMTPD_ALIASES_H

#include <stddef.h>

#include "smtpd.h"

/*
 * An alias: its name, and its members as the file writes them, the
 * entry's lines joined; aliases_split splits them when an expansion
 * reaches them, so that a session pays for the entries it asks about,
 * not for every member of a large file.
 */
struct alias {
	const char *name; /* lower case */
	const char *members;
	size_t len;  /* of members */
	size_t hash; /* of name, for the table */
};

/* An alias found, in the table or in the index (then its own copy). */
struct alias_found {
	struct alias a;
	char name[SMTP_LOCAL_MAX + 1];
	char *owned;
};

struct aliases;

struct aliases *aliases_new(void);
void aliases_free(struct aliases *al);
int aliases_parse(struct aliases *al, const char *buf, size_t len,
    const char *name);
int aliases_defer(struct aliases *al, const char *path);
int aliases_prepare(struct aliases *al);
/*
 * aliases_build_index - path's index, path.smtpd.cdb, built anew (what
 * --newaliases does): 0 with how many aliases it holds and how many
 * entries were malformed (reported and left out), or -1 with errno.
 */
int aliases_build_index(const char *path, size_t *count, int *bad);

int aliases_find(const struct aliases *al, const char *name,
    struct alias_found *f);
int aliases_split(const char *s, size_t len,
    int (*add)(void *, char *, size_t), void *arg);

#endif
