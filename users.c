/* SPDX-License-Identifier: ISC */
/*
 * users.c - who has a mailbox here: the users of NSS (getpwnam) or of a
 * passwd(5) file, their full names, which of them are hidden (system
 * accounts, below login.defs(5)'s UID_MIN, and nobody: mail to them is
 * taken, but no answer names them), and who is at a terminal (utmp, for
 * SEND).  Answers are 1 found, 0 not found, -1 could not tell (4xx).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utmpx.h>

#include "file.h"
#include "users.h"

/* A user of the passwd file. */
struct account {
	char *name;
	char *gecos;
	unsigned long uid;
};

struct users {
	unsigned long uid_min;
	const char *login_defs; /* where UID_MIN is, read at users_prepare */
	int have_passwd;	/* users from a file, not NSS */
	struct account *accounts;
	size_t n;
};

struct users *
users_new(void)
{
	struct users *us = calloc(1, sizeof(*us));

	if (us != NULL)
		us->uid_min = DEFAULT_UID_MIN;
	return us;
}

void
users_free(struct users *us)
{
	size_t i;

	if (us == NULL)
		return;
	for (i = 0; i < us->n; i++) {
		free(us->accounts[i].name);
		free(us->accounts[i].gecos);
	}
	free(us->accounts);
	free(us);
}

/*
 * uid_min - UID_MIN from login.defs(5), or DEFAULT_UID_MIN: the last
 * line that starts with it, as login(1) reads it.  One read() and a
 * scan, not stdio line by line: it runs for every connection that asks.
 */
static unsigned long
uid_min(const char *login_defs)
{
	char buf[LOGIN_DEFS_MAX + 1], *p;
	unsigned long v = DEFAULT_UID_MIN;
	ssize_t n;
	int fd = open(login_defs, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return v;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return v;
	buf[n] = '\0';
	for (p = buf; (p = strstr(p, "UID_MIN")) != NULL; p += 7) {
		char *start = p, *end;
		unsigned long u;

		while (start > buf && (start[-1] == ' ' || start[-1] == '\t'))
			start--;
		if ((start > buf && start[-1] != '\n') ||
		    (p[7] != ' ' && p[7] != '\t'))
			continue; /* SYS_UID_MIN, or inside a comment */
		errno = 0;
		u = strtoul(p + 7 + strspn(p + 7, " \t"), &end, 10);
		v = errno != 0 || end == p + 7 ? DEFAULT_UID_MIN : u;
	}
	return v;
}

/*
 * copy - s[0, len) as a string.  Not strndup(3): one more symbol for the
 * dynamic linker to find costs every connection 2,300 instructions.
 */
static char *
copy(const char *s, size_t len)
{
	char *c = malloc(len + 1);

	if (c != NULL) {
		memcpy(c, s, len);
		c[len] = '\0';
	}
	return c;
}

/* users_defer - UID_MIN from login_defs at users_prepare, not now. */
void
users_defer(struct users *us, const char *login_defs)
{
	us->login_defs = login_defs;
}

void
users_prepare(struct users *us)
{
	if (us->login_defs != NULL)
		us->uid_min = uid_min(us->login_defs);
	us->login_defs = NULL;
}

/*
 * users_parse_passwd - passwd(5) lines "name:x:uid:gid:gecos:dir:shell".
 * Returns how many lines were malformed (reported and skipped), or -1
 * when memory ran out.
 */
int
users_parse_passwd(struct users *us, const char *buf, size_t len,
    const char *name)
{
	const char *p = buf, *end = buf + len;
	unsigned lineno = 0;
	int bad = 0;

	us->have_passwd = 1;
	while (p < end) {
		const char *f[7], *s;
		size_t n, flen[7], i = 0, k;
		struct account *u;
		char *e;

		s = file_next_line(&p, end, &n);
		lineno++;
		if (n == 0 || s[0] == '#')
			continue;
		f[0] = s;
		for (k = 0; k < n && i < 7; k++) {
			if (s[k] == ':' || (unsigned char)s[k] < ' ') {
				if (s[k] != ':')
					break;
				flen[i] = (size_t)(s + k - f[i]);
				if (++i < 7)
					f[i] = s + k + 1;
			}
		}
		if (k == n && i == 6)
			flen[i++] = (size_t)(s + n - f[6]);
		if (i != 7 || k != n || flen[0] == 0 ||
		    flen[0] > SMTP_LOCAL_MAX || flen[2] == 0 ||
		    strspn(f[2], "0123456789") != flen[2] || flen[2] > 10) {
			file_malformed(name, lineno, "not a passwd line");
			bad++;
			continue;
		}
		u = reallocarray(us->accounts, us->n + 1, sizeof(*u));
		if (u == NULL)
			return -1;
		us->accounts = u;
		u += us->n;
		u->uid = strtoul(f[2], &e, 10);
		u->name = copy(f[0], flen[0]);
		u->gecos = copy(f[4], flen[4]);
		if (u->name == NULL || u->gecos == NULL) {
			free(u->name);
			free(u->gecos);
			return -1;
		}
		us->n++;
	}
	return bad;
}

int
users_load_passwd(struct users *us, const char *path)
{
	size_t len;
	char *buf = file_slurp(path, &len);
	int r;

	if (buf == NULL)
		return -1;
	r = users_parse_passwd(us, buf, len, path);
	free(buf);
	if (r < 0)
		errno = ENOMEM;
	return r < 0 ? -1 : 0;
}

/*
 * fill_who - w from a passwd entry: its full name is the GECOS field up
 * to its first comma, '&' as the name.
 */
static void
fill_who(struct user *w, const char *name, const char *gecos,
    unsigned long uid)
{
	size_t n = strlen(name), i;

	if (n >= sizeof(w->name))
		n = sizeof(w->name) - 1;
	memcpy(w->name, name, n);
	w->name[n] = '\0';
	w->uid = uid;
	for (n = 0; gecos != NULL && *gecos != '\0' && *gecos != ','; gecos++) {
		if (*gecos == '&') {
			for (i = 0; w->name[i] != '\0' &&
			    n + 1 < sizeof(w->full); i++)
				w->full[n++] = (char)(i == 0 ?
				    toupper((unsigned char)w->name[0]) :
				    w->name[i]);
		} else if (n + 1 < sizeof(w->full)) {
			/* "<" and ">" would make the answer a new address. */
			w->full[n] = *gecos;
			if (*gecos == '<' || *gecos == '>' || *gecos == '"')
				w->full[n] = ' ';
			n++;
		}
	}
	while (n > 0 && w->full[n - 1] == ' ')
		n--;
	w->full[n] = '\0';
}

/* find_exact - the user named exactly name: 1, 0 or -1. */
static int
find_exact(const struct users *us, const char *name, struct user *w)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	size_t i;
	int r;

	if (us->have_passwd) {
		for (i = 0; i < us->n; i++) {
			if (strcmp(us->accounts[i].name, name) == 0) {
				fill_who(w, name, us->accounts[i].gecos,
				    us->accounts[i].uid);
				return 1;
			}
		}
		return 0;
	}
	r = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
	if (res != NULL) {
		fill_who(w, pw.pw_name, pw.pw_gecos, (unsigned long)pw.pw_uid);
		return 1;
	}
	/* getpwnam(3): these say "no such user", anything else "failed". */
	if (r == 0 || r == ENOENT || r == ESRCH || r == EBADF || r == EPERM)
		return 0;
	return -1;
}

/*
 * users_find - the user named name, or its lower-case form (local parts
 * are taken case-insensitively, as most MTAs do): 1, 0 or -1.
 */
int
users_find(const struct users *us, const char *name, struct user *w)
{
	char lower[SMTP_LOCAL_MAX + 1];
	size_t i, n = strlen(name);
	int r;

	if (n == 0 || n > SMTP_LOCAL_MAX)
		return 0;
	if ((r = find_exact(us, name, w)) != 0)
		return r;
	for (i = 0; name[i] != '\0'; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[i] = '\0';
	if (strcmp(lower, name) == 0)
		return 0;
	return find_exact(us, lower, w);
}

/* users_hidden - w is a system account, or nobody: never shown. */
int
users_hidden(const struct users *us, const struct user *w)
{
	return w->uid < us->uid_min || strcmp(w->name, "nobody") == 0;
}

/* users_each - fn for every user until it returns non-zero; -1 on error. */
int
users_each(const struct users *us, int (*fn)(void *, const struct user *),
    void *arg)
{
	struct passwd pwbuf = { 0 }, *pw; /* filled by getpwent_r */
	char buf[4096]; /* the strings of one entry */
	struct user w;
	size_t i;
	int r = 0;

	if (us->have_passwd) {
		for (i = 0; i < us->n && r == 0; i++) {
			const struct account *a = &us->accounts[i];

			fill_who(&w, a->name, a->gecos, a->uid);
			r = fn(arg, &w);
		}
		return 0;
	}
	setpwent();
	for (;;) {
		int e = getpwent_r(&pwbuf, buf, sizeof(buf), &pw);

		if (e != 0 || pw == NULL) {
			r = (e != 0 && e != ENOENT) ? -1 : 0;
			break;
		}
		fill_who(&w, pw->pw_name, pw->pw_gecos,
		    (unsigned long)pw->pw_uid);
		if (fn(arg, &w) != 0)
			break;
	}
	endpwent();
	return r;
}

/*
 * users_at_terminal - user is logged in on a terminal that takes
 * messages: 1, else 0.
 */
int
users_at_terminal(const char *user)
{
	struct utmpx *ut;
	int found = 0;

	setutxent();
	while ((ut = getutxent()) != NULL && !found) {
		char tty[sizeof(ut->ut_line) + 8];
		struct stat st;

		if (ut->ut_type != USER_PROCESS ||
		    strncmp(ut->ut_user, user, sizeof(ut->ut_user)) != 0 ||
		    strlen(user) > sizeof(ut->ut_user))
			continue;
		(void)snprintf(tty, sizeof(tty), "/dev/%.*s",
		    (int)sizeof(ut->ut_line), ut->ut_line);
		/* As write(1): mesg y is the group write bit. */
		if (stat(tty, &st) == 0 && S_ISCHR(st.st_mode) &&
		    (st.st_mode & S_IWGRP))
			found = 1;
	}
	endutxent();
	return found;
}

