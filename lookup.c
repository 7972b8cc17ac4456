/* SPDX-License-Identifier: ISC */
/*
 * lookup.c - the questions a receiving server asks about an address:
 * does this user exist (RCPT, VRFY), what does this list expand to
 * (EXPN), is this user at a terminal (SEND).  The answers combine the
 * users (users.c), the aliases (aliases.c) and our domains (access.c).
 *
 * Nothing here runs a |command, writes a /file or shows either, or an
 * :include: path: such members are "local delivery" to the alias's own
 * mailbox.  Hidden users (see users_hidden) take mail, but no answer
 * shows their name, full name, or that an alias leads to them.  Answers
 * are 1 found, 0 not found, -1 could not tell (4xx).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "access.h"
#include "aliases.h"
#include "file.h"
#include "log.h"
#include "lookup.h"
#include "users.h"

struct lookup *
lookup_new(void)
{
	struct lookup *lk = calloc(1, sizeof(*lk));

	if (lk != NULL && ((lk->access = access_new()) == NULL ||
	    (lk->users = users_new()) == NULL ||
	    (lk->aliases = aliases_new()) == NULL)) {
		lookup_free(lk);
		lk = NULL;
	}
	return lk;
}

void
lookup_free(struct lookup *lk)
{
	if (lk == NULL)
		return;
	access_free(lk->access);
	users_free(lk->users);
	aliases_free(lk->aliases);
	free(lk);
}

/*
 * lookup_defer - the aliases file at path and UID_MIN from login_defs
 * read at the first question (lookup_prepare), not now: most connections
 * ask none.  0, or -1 with errno: the aliases file cannot be read.
 */
int
lookup_defer(struct lookup *lk, const char *path, const char *login_defs)
{
	users_defer(lk->users, login_defs);
	return aliases_defer(lk->aliases, path);
}

/* lookup_prepare - load what lookup_defer put off: 0, or -1 (450). */
int
lookup_prepare(struct lookup *lk)
{
	users_prepare(lk->users);
	return aliases_prepare(lk->aliases);
}

int
lookup_domain_is_local(const struct lookup *lk, const char *domain)
{
	return access_domain_is_local(lk->access, domain);
}

static void
add_line(struct lookup_lines *out, const char *line)
{
	size_t i;

	if (out == NULL)
		return;
	for (i = 0; i < out->n; i++)
		if (strcmp(out->line[i], line) == 0)
			return;
	if (out->n < LOOKUP_LINES_MAX) {
		(void)snprintf(out->line[out->n], LOOKUP_LINE_MAX, "%s", line);
		out->n++;
	}
}

/*
 * dot_atom - local is an RFC 5322 dot-atom (RFC 6531: UTF-8 allowed):
 * atoms of atext joined by single dots.
 */
static int
dot_atom(const char *local)
{
	const char *p;

	if (local[0] == '\0' || local[0] == '.')
		return 0;
	for (p = local; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '.' ? p[1] == '.' || p[1] == '\0' :
		    !isalnum(c) && c < 0x80 && strchr("!#$%&'*+-/=?^_`{|}~", c) ==
		    NULL)
			return 0;
	}
	return 1;
}

/*
 * mailbox - "<local@domain>", local quoted when it is not a dot-atom
 * (RFC 5321 4.1.2): "x y" is one address only in its quotes.
 */
static void
mailbox(char *buf, size_t size, const char *local, const char *domain)
{
	char q[SMTP_LOCAL_MAX * 2 + 3];
	size_t n = 0;

	if (dot_atom(local)) {
		(void)snprintf(buf, size, "<%s@%s>", local, domain);
		return;
	}
	q[n++] = '"';
	for (; *local != '\0' && n + 3 < sizeof(q); local++) {
		if (*local == '"' || *local == '\\')
			q[n++] = '\\';
		q[n++] = *local;
	}
	q[n++] = '"';
	q[n] = '\0';
	(void)snprintf(buf, size, "<%s@%s>", q, domain);
}

/* labelled - "label <local@domain>" into buf, or without the label. */
static void
labelled(char *buf, size_t size, const char *label, const char *local,
    const char *domain)
{
	int n = label[0] != '\0' ? snprintf(buf, size, "%s ", label) : 0;

	if (n < 0 || (size_t)n >= size)
		n = 0;
	mailbox(buf + n, size - (size_t)n, local, domain);
}

/* user_line - "Full Name <name@domain>", or "<name@domain>". */
static void
user_line(const struct lookup *lk, const struct user *w, char *buf)
{
	labelled(buf, LOOKUP_LINE_MAX, w->full, w->name,
	    access_primary(lk->access));
}

/*
 * unquote - the local part of addr[0, len) as a name: a quoted string
 * loses its quotes and backslashes.  Returns 0, or -1 if it is too long.
 */
static int
unquote(const char *s, size_t len, char *dst, size_t size)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			continue;
		if (s[i] == '\\' && i + 1 < len)
			i++;
		if (n + 1 >= size)
			return -1;
		dst[n++] = s[i];
	}
	dst[n] = '\0';
	return 0;
}

/* What an expansion found. */
struct expansion {
	const char *query;	    /* the alias asked about */
	struct lookup_lines *out;   /* lines for EXPN, or NULL */
	const char *stack[ALIAS_DEPTH_MAX + 1]; /* names being expanded */
	size_t depth;
	size_t visited;		    /* members, against ALIAS_MEMBERS_MAX */
	size_t users, remotes, others;
	char one[LOOKUP_LINE_MAX];  /* the line of the one user or remote */
	int terminals;		    /* count users at a terminal */
	int at_terminal;
};

static int expand_alias(const struct lookup *, struct expansion *,
    const struct alias *);

/* own - "<query@domain>": what a hidden or program member shows. */
static void
own(const struct lookup *lk, struct expansion *ex, const char *label)
{
	char buf[LOOKUP_LINE_MAX];

	labelled(buf, sizeof(buf), label, ex->query,
	    access_primary(lk->access));
	ex->others++;
	add_line(ex->out, buf);
}

static int
on_stack(const struct expansion *ex, const struct alias *a)
{
	size_t i;

	for (i = 0; i < ex->depth; i++)
		if (strcmp(ex->stack[i], a->name) == 0)
			return 1;
	return 0;
}

static int expand_member(const struct lookup *, struct expansion *,
    const char *);

/* each_member - expand_member for aliases_split: arg is {lk, ex}. */
static int
each_member(void *arg, char *m, size_t len)
{
	void **pair = arg;

	(void)len;
	return expand_member(pair[0], pair[1], m) < 0 ? -1 : 0;
}

/* expand_include - the members listed in file, one level deeper. */
static int
expand_include(const struct lookup *lk, struct expansion *ex,
    const char *file)
{
	const void *pair[2] = { lk, ex };
	const char *p, *end;
	size_t len, n;
	char *buf;
	int r = 0;

	if (ex->depth >= ALIAS_DEPTH_MAX)
		return 0;
	if ((buf = file_slurp(file, &len)) == NULL) {
		log_event(LOG_WARNING, "event=lookup_failed what=include error=%s",
		    file_error(errno));
		return -1;
	}
	ex->depth++;
	for (p = buf, end = buf + len; p < end && r == 0;) {
		const char *s = file_next_line(&p, end, &n);

		if (n > 0 && s[strspn(s, " \t")] != '#' &&
		    aliases_split(s, n, each_member, (void *)pair) == -2)
			r = -1;
	}
	ex->depth--;
	free(buf);
	return r;
}

/*
 * whole_quoted - m[0, len) is one quoted string: "|cmd arg", "x y".
 */
static int
whole_quoted(const char *m, size_t len)
{
	size_t i;

	if (len < 2 || m[0] != '"')
		return 0;
	for (i = 1; i < len && m[i] != '"'; i++)
		if (m[i] == '\\')
			i++;
	return i == len - 1;
}

/* last_at - the last '@' of m[0, len) outside quotes, or NULL. */
static const char *
last_at(const char *m, size_t len)
{
	const char *at = NULL;
	size_t i;
	int quoted = 0;

	for (i = 0; i < len; i++) {
		if (m[i] == '"')
			quoted = !quoted;
		else if (m[i] == '\\' && quoted)
			i++;
		else if (m[i] == '@' && !quoted)
			at = m + i;
	}
	return at;
}

/*
 * expand_member - one member of an alias or :include: list, as
 * aliases_split keeps it.  "\name" is the user, never an alias; a member
 * that is one quoted string ("|cmd arg", "x y") is its content.  An
 * address in another domain is shown as it is written, quotes and all.
 * Otherwise the local part, unquoted, is a |command or /file (local
 * delivery, never shown), an :include: list (bare or quoted, not as an
 * address of ours), or a name.
 */
static int
expand_member(const struct lookup *lk, struct expansion *ex, const char *m)
{
	char text[ALIAS_MEMBER_MAX], line[LOOKUP_LINE_MAX];
	const char *name = text, *at = NULL;
	struct alias_found f;
	size_t len;
	struct user w;
	int noalias = 0, r;

	if (++ex->visited > ALIAS_MEMBERS_MAX)
		return 0;
	if (m[0] == '\\') {
		noalias = 1; /* "\user": the user, not an alias of that name */
		m++;
	}
	len = strlen(m);
	if (len >= sizeof(text)) /* aliases_split made it shorter */
		return 0;
	if (whole_quoted(m, len)) {
		(void)unquote(m, len, text, sizeof(text));
	} else if (m[0] == '|' || m[0] == '/' ||
	    strncasecmp(m, ":include:", 9) == 0) {
		name = m; /* a program or file may hold an '@' */
	} else {
		if ((at = last_at(m, len)) != NULL &&
		    !access_domain_is_local(lk->access, at + 1)) {
			(void)snprintf(line, sizeof(line), "<%s>", m);
			ex->remotes++;
			(void)snprintf(ex->one, sizeof(ex->one), "%s", m);
			add_line(ex->out, line);
			return 0;
		}
		(void)unquote(m, at != NULL ? (size_t)(at - m) : len, text,
		    sizeof(text));
	}
	if (name[0] == '|' || name[0] == '/' ||
	    (at != NULL && strncasecmp(name, ":include:", 9) == 0)) {
		own(lk, ex, "local delivery");
		return 0;
	}
	if (strncasecmp(name, ":include:", 9) == 0)
		return expand_include(lk, ex, name + 9 + strspn(name + 9, " "));
	if (name[0] == '\0' || strlen(name) > SMTP_LOCAL_MAX) {
		own(lk, ex, "");
		return 0;
	}
	if (!noalias && (r = aliases_find(lk->aliases, name, &f)) != 0) {
		if (r == 1 && !on_stack(ex, &f.a))
			r = expand_alias(lk, ex, &f.a);
		else
			r = r < 0 ? -1 : 1;
		free(f.owned);
		if (r <= 0)
			return r;
	}
	if ((r = users_find(lk->users, name, &w)) < 0)
		return -1;
	if (r == 0) {
		/* A name nobody has: shown as the address it is. */
		mailbox(line, sizeof(line), name, access_primary(lk->access));
		ex->others++;
		add_line(ex->out, line);
		return 0;
	}
	if (ex->at_terminal && users_at_terminal(w.name))
		ex->terminals++;
	if (users_hidden(lk->users, &w)) {
		own(lk, ex, "");
		return 0;
	}
	user_line(lk, &w, line);
	ex->users++;
	(void)snprintf(ex->one, sizeof(ex->one), "%s", line);
	add_line(ex->out, line);
	return 0;
}

/* expand_alias - a's members, split as the parser checked they split. */
static int
expand_alias(const struct lookup *lk, struct expansion *ex,
    const struct alias *a)
{
	const void *pair[2] = { lk, ex };
	int r;

	if (ex->depth >= ALIAS_DEPTH_MAX) {
		log_event(LOG_WARNING, "event=lookup_failed what=alias error=%s",
		    "nested too deep");
		return 0;
	}
	ex->stack[ex->depth++] = a->name;
	r = aliases_split(a->members, a->len, each_member, (void *)pair);
	ex->depth--;
	return r == -2 ? -1 : 0;
}

/* expand - a's members, into out if it is not NULL; terminals counted. */
static int
expand(const struct lookup *lk, const struct alias *a, struct expansion *ex,
    struct lookup_lines *out, int terminals)
{
	memset(ex, 0, sizeof(*ex));
	ex->query = a->name;
	ex->out = out;
	ex->at_terminal = terminals;
	if (out != NULL)
		out->n = 0;
	return expand_alias(lk, ex, a);
}

/* only_remote - the expansion is exactly one remote address. */
static int
only_remote(const struct expansion *ex)
{
	return ex->remotes == 1 && ex->users == 0 && ex->others == 0;
}

/*
 * local_name - the local part of "local" or "local@our.domain", each
 * perhaps in angle brackets: 1 a name, 2 a name with our domain, 0 not
 * ours.
 */
static int
local_name(const struct lookup *lk, const char *q, char *name)
{
	size_t len = strlen(q);
	const char *at;

	if (len >= 2 && q[0] == '<' && q[len - 1] == '>') {
		q++;
		len -= 2;
	}
	if ((at = last_at(q, len)) != NULL) {
		char dom[SMTP_DOMAIN_MAX + 1];
		size_t dlen = len - (size_t)(at - q) - 1;

		if (dlen == 0 || dlen >= sizeof(dom))
			return 0;
		memcpy(dom, at + 1, dlen);
		dom[dlen] = '\0';
		if (!access_domain_is_local(lk->access, dom))
			return 0;
		len = (size_t)(at - q);
	}
	return unquote(q, len, name, SMTP_LOCAL_MAX + 1) == 0 &&
	    name[0] != '\0' ? 1 + (at != NULL) : 0;
}

/*
 * lookup_recipient - will we take mail for local?  1 yes (forward set to
 * the one remote address it goes to, or ""), 0 no, -1 could not tell.
 * Postmaster always exists (RFC 5321 4.5.1).
 */
int
lookup_recipient(const struct lookup *lk, const char *local, char *forward,
    size_t size)
{
	char name[SMTP_LOCAL_MAX + 1];
	struct alias_found f;
	struct expansion ex;
	struct user w;
	int r;

	forward[0] = '\0';
	if (unquote(local, strlen(local), name, sizeof(name)) < 0)
		return 0;
	if ((r = aliases_find(lk->aliases, name, &f)) != 0) {
		if (r == 1 && (r = expand(lk, &f.a, &ex, NULL, 0)) == 0 &&
		    only_remote(&ex))
			(void)snprintf(forward, size, "%s", ex.one);
		free(f.owned);
		return r < 0 ? -1 : 1;
	}
	if (strcasecmp(name, "postmaster") == 0)
		return 1;
	return users_find(lk->users, name, &w);
}

/*
 * lookup_at_terminal - is the user local (or a user its alias leads to)
 * logged in at a terminal that accepts messages?  1, 0, or -1.
 */
int
lookup_at_terminal(const struct lookup *lk, const char *local)
{
	char name[SMTP_LOCAL_MAX + 1];
	struct alias_found f;
	struct expansion ex;
	struct user w;
	int r;

	if (unquote(local, strlen(local), name, sizeof(name)) < 0)
		return 0;
	if ((r = aliases_find(lk->aliases, name, &f)) != 0) {
		if (r == 1)
			r = expand(lk, &f.a, &ex, NULL, 1);
		free(f.owned);
		return r != 0 ? -1 : ex.terminals > 0;
	}
	if ((r = users_find(lk->users, name, &w)) != 1)
		return r;
	return users_at_terminal(w.name);
}

/* What a full-name search found. */
struct search {
	const struct lookup *lk;
	const char *query;
	struct lookup_lines *out;
	size_t found;
};

/* names_match - query is the full name, one word of it, or the login. */
static int
names_match(const char *query, const struct user *w)
{
	size_t n = strlen(query);
	const char *p = w->full;

	if (strcasecmp(query, w->name) == 0 || strcasecmp(query, w->full) == 0)
		return 1;
	while (*p != '\0') {
		size_t len = strcspn(p, " ");

		if (len == n && strncasecmp(p, query, n) == 0)
			return 1;
		p += len;
		p += strspn(p, " ");
	}
	return 0;
}

static int
search_one(void *arg, const struct user *w)
{
	struct search *s = arg;
	char line[LOOKUP_LINE_MAX];

	if (users_hidden(s->lk->users, w) || !names_match(s->query, w))
		return 0;
	user_line(s->lk, w, line);
	s->found++;
	add_line(s->out, line);
	return 0;
}

/* vrfy_alias - what VRFY shows of the alias a. */
static enum lookup_vrfy
vrfy_alias(const struct lookup *lk, const struct alias *a,
    struct lookup_lines *out)
{
	struct expansion ex;
	struct user w;

	if (expand(lk, a, &ex, NULL, 0) < 0)
		return VRFY_TEMPFAIL;
	if (only_remote(&ex)) {
		add_line(out, ex.one);
		return VRFY_FORWARD;
	}
	if (ex.users == 1 && ex.remotes == 0 && ex.others == 0) {
		add_line(out, ex.one);
		return VRFY_ONE;
	}
	memset(&w, 0, sizeof(w));
	(void)snprintf(w.name, sizeof(w.name), "%s", a->name);
	user_line(lk, &w, out->line[0]);
	out->n = 1;
	return VRFY_ONE;
}

/*
 * lookup_vrfy - VRFY query: "user", "user@our.domain", "<...>", or a
 * full name (quoted or not) or one word of it.
 */
enum lookup_vrfy
lookup_vrfy(const struct lookup *lk, const char *query,
    struct lookup_lines *out)
{
	char name[SMTP_LOCAL_MAX + 1];
	enum lookup_vrfy v;
	struct alias_found f;
	struct search se = { lk, name, out, 0 };
	struct user w;
	int r, kind;

	out->n = 0;
	if ((kind = local_name(lk, query, name)) == 0)
		return strchr(query, '@') != NULL ? VRFY_HIDDEN : VRFY_NONE;
	if ((r = aliases_find(lk->aliases, name, &f)) != 0) {
		v = r < 0 ? VRFY_TEMPFAIL : vrfy_alias(lk, &f.a, out);
		free(f.owned);
		return v;
	}
	if ((r = users_find(lk->users, name, &w)) < 0)
		return VRFY_TEMPFAIL;
	if (r == 1) {
		if (users_hidden(lk->users, &w))
			return VRFY_HIDDEN;
		user_line(lk, &w, out->line[0]);
		out->n = 1;
		return VRFY_ONE;
	}
	if (strcasecmp(name, "postmaster") == 0) {
		(void)snprintf(out->line[0], LOOKUP_LINE_MAX, "<postmaster@%s>",
		    access_primary(lk->access));
		out->n = 1;
		return VRFY_ONE;
	}
	if (kind == 2)
		return VRFY_NONE;
	if (users_each(lk->users, search_one, &se) < 0)
		return VRFY_TEMPFAIL;
	if (se.found == 0)
		return VRFY_NONE;
	return se.found == 1 ? VRFY_ONE : VRFY_AMBIGUOUS;
}

/* lookup_expn - the members of the list query: 1, 0 not a list, -1. */
int
lookup_expn(const struct lookup *lk, const char *query,
    struct lookup_lines *out)
{
	char name[SMTP_LOCAL_MAX + 1];
	struct alias_found f;
	struct expansion ex;
	int r;

	out->n = 0;
	if (local_name(lk, query, name) == 0 ||
	    (r = aliases_find(lk->aliases, name, &f)) == 0)
		return 0;
	if (r == 1 && (r = expand(lk, &f.a, &ex, out, 0)) == 0 && out->n == 0)
		own(lk, &ex, "");
	free(f.owned);
	return r < 0 ? -1 : 1;
}
