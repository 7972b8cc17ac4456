/* SPDX-License-Identifier: ISC */
/*
 * lookup.c - the questions a receiving server asks about an address: is
 * this domain ours, does this user exist (VRFY, RCPT), what does this
 * list expand to (EXPN), is this user at a terminal (SEND), may this
 * client relay.
 *
 * Users come from NSS (getpwnam) or from a passwd(5) file; aliases from
 * an aliases(5) file checked at start-up and read, into a hash table, at
 * the session's first question about them.  Nothing here runs a
 * |command, writes a /file or shows either, or an :include: path: such
 * members are "local delivery" to the alias's own mailbox.  System
 * accounts (below UID_MIN, and nobody) are hidden: mail to them is taken,
 * but no answer shows their name, full name, or that an alias leads to
 * them.  Answers are 1 found, 0 not found, -1 could not tell (4xx).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libgen.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utmpx.h>

#include "cdb.h"
#include "log.h"
#include "lookup.h"

struct user {
	char *name;
	char *gecos;
	unsigned long uid;
};

/*
 * An alias: its name, and its members as the file writes them, the
 * entry's lines joined; split_members splits them when an expansion
 * reaches them, so that a session pays for the entries it asks about,
 * not for every member of a large file.
 */
struct alias {
	const char *name; /* lower case */
	const char *members;
	size_t len;  /* of members */
	size_t hash; /* of name: see hash_name */
};

/*
 * A block of the arena that holds the aliases' names and members: a few
 * large allocations, freed at once, instead of one for each string of a
 * file that may hold 100,000 entries.
 */
struct block {
	struct block *next;
	size_t used, size;
	char data[];
};

struct lookup {
	char **domains; /* the first names our own addresses */
	size_t ndomains;
	const char *local_addr; /* our address on the connection, or NULL */
	unsigned long uid_min;
	int have_passwd; /* users from a file, not NSS */
	struct user *users;
	size_t nusers;
	/*
	 * The aliases in file order, and a hash table of their indices
	 * (index + 1, 0 for a free slot; linear probing, at most half
	 * full): parsing is linear, a lookup constant on average.
	 */
	struct alias *aliases;
	size_t naliases, aliases_cap;
	size_t *slots;
	size_t nslots; /* a power of two, or 0 */
	struct block *arena;
	/* The aliases index (lookup_build_index), when it is used. */
	struct cdb index;
	int have_index;
	/* Read at the first question, not for every connection. */
	char *aliases_later;	  /* an aliases file to load, or NULL */
	const char *login_defs_later; /* where UID_MIN is, or NULL */
	int aliases_logged;	      /* that they failed to load */
	int index_logged;	      /* that the index was passed over */
};

/* Someone found: name, full name, uid. */
struct who {
	char name[SMTP_LOCAL_MAX + 1];
	char full[128];
	unsigned long uid;
};

struct lookup *
lookup_new(void)
{
	struct lookup *lk = calloc(1, sizeof(*lk));

	if (lk != NULL) {
		lk->uid_min = DEFAULT_UID_MIN;
		lk->index.fd = -1;
	}
	return lk;
}

/* clear_aliases - forget every alias. */
static void
clear_aliases(struct lookup *lk)
{
	while (lk->arena != NULL) {
		struct block *next = lk->arena->next;

		free(lk->arena);
		lk->arena = next;
	}
	free(lk->aliases);
	free(lk->slots);
	if (lk->index.fd >= 0)
		(void)close(lk->index.fd);
	lk->index.fd = -1;
	lk->have_index = 0;
	lk->aliases = NULL;
	lk->slots = NULL;
	lk->naliases = lk->aliases_cap = lk->nslots = 0;
}

void
lookup_free(struct lookup *lk)
{
	size_t i;

	if (lk == NULL)
		return;
	for (i = 0; i < lk->ndomains; i++)
		free(lk->domains[i]);
	for (i = 0; i < lk->nusers; i++) {
		free(lk->users[i].name);
		free(lk->users[i].gecos);
	}
	clear_aliases(lk);
	free(lk->domains);
	free(lk->users);
	free(lk->aliases_later);
	free(lk);
}

/*
 * lookup_uid_min - UID_MIN from login.defs(5), or DEFAULT_UID_MIN: the
 * last line that starts with it, as login(1) reads it.  One read() and a
 * scan, not stdio line by line: it runs for every connection.
 */
unsigned long
lookup_uid_min(const char *login_defs)
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

void
lookup_set_uid_min(struct lookup *lk, unsigned long uid_min)
{
	lk->uid_min = uid_min;
}

/* push - append a copy of s to the array *v of *n strings; 0, or -1. */
static int
push(char ***v, size_t *n, const char *s)
{
	char **grown = realloc(*v, (*n + 1) * sizeof(**v));

	if (grown == NULL)
		return -1;
	*v = grown;
	if ((grown[*n] = strdup(s)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

int
lookup_add_domain(struct lookup *lk, const char *domain)
{
	return push(&lk->domains, &lk->ndomains, domain);
}

void
lookup_set_local_addr(struct lookup *lk, const char *addr)
{
	lk->local_addr = addr;
}

/* primary - the domain our own addresses are shown in. */
static const char *
primary(const struct lookup *lk)
{
	return lk->ndomains > 0 ? lk->domains[0] : "localhost";
}

/*
 * Files.
 */

/*
 * open_file - path opened for reading, if it is a regular file of at most
 * LOOKUP_FILE_MAX octets (or /dev/null, which is empty): a directory
 * cannot be read, and a FIFO would block the session.  The descriptor, or
 * -1 with errno (EISDIR, EINVAL for another type, EFBIG).
 */
static int
open_file(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), e;

	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0)
		e = errno;
	else if (S_ISDIR(st->st_mode))
		e = EISDIR;
	else if (!S_ISREG(st->st_mode) && strcmp(path, "/dev/null") != 0)
		e = EINVAL;
	else if ((uint64_t)st->st_size > LOOKUP_FILE_MAX)
		e = EFBIG;
	else
		return fd;
	(void)close(fd);
	errno = e;
	return -1;
}

/* lookup_file_error - what a load's errno means, for a log line. */
const char *
lookup_file_error(int e)
{
	return e == EINVAL ? "not a regular file" : strerror(e);
}

/*
 * read_all - the st->st_size octets of fd, NUL-terminated; closes fd.
 * NULL with errno (EIO when the file was shorter than fstat said).
 */
static char *
read_all(int fd, const struct stat *st, size_t *len)
{
	char *buf = malloc((size_t)st->st_size + 1);
	size_t n = 0;

	while (buf != NULL && n < (size_t)st->st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st->st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	(void)close(fd);
	if (buf != NULL && n < (size_t)st->st_size) {
		free(buf);
		buf = NULL;
		errno = EIO;
	}
	if (buf != NULL) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

/* slurp - the whole file at path, NUL-terminated (see open_file). */
static char *
slurp(const char *path, size_t *len)
{
	struct stat st;
	int fd = open_file(path, &st);

	return fd < 0 ? NULL : read_all(fd, &st, len);
}

static void
malformed(const char *file, unsigned line, const char *why)
{
	log_event(LOG_WARNING, "event=lookup_malformed file=%s line=%u reason=%s",
	    file, line, why);
}

/* next_line - the line at *p (without its LF) and where the next begins. */
static const char *
next_line(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *nl = memchr(s, '\n', (size_t)(end - s));

	*len = (size_t)((nl != NULL ? nl : end) - s);
	*p = nl != NULL ? nl + 1 : end;
	if (*len > 0 && s[*len - 1] == '\r')
		(*len)--;
	return s;
}

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

/*
 * lookup_parse_passwd - passwd(5) lines "name:x:uid:gid:gecos:dir:shell".
 * Returns how many lines were malformed (reported and skipped), or -1
 * when memory ran out.
 */
int
lookup_parse_passwd(struct lookup *lk, const char *buf, size_t len,
    const char *name)
{
	const char *p = buf, *end = buf + len;
	unsigned lineno = 0;
	int bad = 0;

	lk->have_passwd = 1;
	while (p < end) {
		const char *f[7], *s;
		size_t n, flen[7], i = 0, k;
		struct user *u;
		char *e;

		s = next_line(&p, end, &n);
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
			malformed(name, lineno, "not a passwd line");
			bad++;
			continue;
		}
		u = realloc(lk->users, (lk->nusers + 1) * sizeof(*u));
		if (u == NULL)
			return -1;
		lk->users = u;
		u += lk->nusers;
		u->uid = strtoul(f[2], &e, 10);
		u->name = copy(f[0], flen[0]);
		u->gecos = copy(f[4], flen[4]);
		if (u->name == NULL || u->gecos == NULL) {
			free(u->name);
			free(u->gecos);
			return -1;
		}
		lk->nusers++;
	}
	return bad;
}

/*
 * The aliases table.
 */

/* arena_alloc - size octets aligned for a pointer, until clear_aliases. */
static void *
arena_alloc(struct lookup *lk, size_t size)
{
	const size_t align = _Alignof(char *);
	struct block *b = lk->arena;
	size_t at = b != NULL ? (b->used + align - 1) / align * align : 0;

	_Static_assert(offsetof(struct block, data) % _Alignof(char *) == 0,
	    "block data aligned for a pointer");
	if (b == NULL || at > b->size || size > b->size - at) {
		size_t cap = size > ALIAS_BLOCK_SIZE ? size : ALIAS_BLOCK_SIZE;

		if (cap > SIZE_MAX - sizeof(*b) ||
		    (b = malloc(sizeof(*b) + cap)) == NULL)
			return NULL;
		b->next = lk->arena;
		b->size = cap;
		lk->arena = b;
		at = 0;
	}
	b->used = at + size;
	return b->data + at;
}

/*
 * fold - c in lower case, as strcasecmp compares names: smtpd never calls
 * setlocale, so only ASCII letters fold.
 */
static unsigned char
fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/*
 * The hash of a name is FNV-1a of its octets folded: the file is the
 * administrator's, so there is no flooding to fear from it.
 */
#define HASH_START 14695981039346656037ULL

static uint64_t
hash_step(uint64_t h, unsigned char folded)
{
	return (h ^ folded) * 1099511628211ULL;
}

static size_t
hash_name(const char *name)
{
	uint64_t h = HASH_START;

	for (; *name != '\0'; name++)
		h = hash_step(h, fold((unsigned char)*name));
	return (size_t)h;
}

/* place - put alias i in the first free slot for its hash. */
static void
place(struct lookup *lk, size_t i)
{
	size_t mask = lk->nslots - 1, k;

	for (k = lk->aliases[i].hash & mask; lk->slots[k] != 0;
	    k = (k + 1) & mask)
		;
	lk->slots[k] = i + 1;
}

/*
 * reserve - room in the table for more aliases than it holds: 0, or -1
 * when memory ran out.  The parser reserves for all the entries a file
 * may hold at once, so that a large one is not rehashed as it grows.
 */
static int
reserve(struct lookup *lk, size_t more)
{
	size_t want, i;

	if (more > SIZE_MAX / 4 / sizeof(*lk->slots) - lk->naliases)
		return -1;
	want = lk->naliases + more;
	if (want > lk->aliases_cap) {
		size_t cap = lk->aliases_cap * 2 > want ? lk->aliases_cap * 2 :
		    want < 256 ? 256 : want;
		struct alias *all = reallocarray(lk->aliases, cap, sizeof(*all));

		if (all == NULL)
			return -1;
		lk->aliases = all;
		lk->aliases_cap = cap;
	}
	if (want * 2 > lk->nslots) {
		size_t n = lk->nslots > 0 ? lk->nslots : 512;
		size_t *slots;

		while (n < want * 2)
			n *= 2;
		if ((slots = calloc(n, sizeof(*slots))) == NULL)
			return -1;
		free(lk->slots);
		lk->slots = slots;
		lk->nslots = n;
		for (i = 0; i < lk->naliases; i++)
			place(lk, i);
	}
	return 0;
}

/* add_alias - append a to the table; 0, or -1 when memory ran out. */
static int
add_alias(struct lookup *lk, const struct alias *a)
{
	if (reserve(lk, 1) < 0)
		return -1;
	lk->aliases[lk->naliases] = *a;
	place(lk, lk->naliases++);
	return 0;
}

/* find_hashed - the alias named name, whose hash is h, or NULL. */
static const struct alias *
find_hashed(const struct lookup *lk, const char *name, size_t h)
{
	size_t k, mask = lk->nslots - 1;

	if (lk->nslots == 0)
		return NULL;
	for (k = h & mask; lk->slots[k] != 0; k = (k + 1) & mask) {
		const struct alias *a = &lk->aliases[lk->slots[k] - 1];

		if (a->hash == h && strcasecmp(a->name, name) == 0)
			return a;
	}
	return NULL;
}

/* An alias found, in the table or in the index (then its own copy). */
struct found {
	struct alias a;
	char name[SMTP_LOCAL_MAX + 1];
	char *owned;
};

/*
 * find_alias - the alias named name, in any case, into f: 1, 0 none, -1
 * the index could not be read.  free(f->owned) when done with it.
 */
static int
find_alias(const struct lookup *lk, const char *name, struct found *f)
{
	const struct alias *a;
	size_t i, len = strlen(name);
	int r;

	f->owned = NULL;
	f->a = (struct alias){ 0 };
	if (!lk->have_index) {
		if ((a = find_hashed(lk, name, hash_name(name))) == NULL)
			return 0;
		f->a = *a;
		return 1;
	}
	if (len >= sizeof(f->name))
		return 0;
	for (i = 0; i <= len; i++)
		f->name[i] = (char)fold((unsigned char)name[i]);
	if (len == 0)
		return 0; /* the key of the index's own record */
	r = cdb_find(&lk->index, f->name, len, &f->owned, &f->a.len);
	if (r < 0)
		log_event(LOG_WARNING,
		    "event=lookup_failed what=aliases_index error=%s",
		    lookup_file_error(errno));
	if (r <= 0)
		return r;
	f->a.name = f->name;
	f->a.members = f->owned;
	return 1;
}

/*
 * The octets of an aliases file, by what the parser makes of them:
 * PLAIN in a member is copied as it is (not a control, blank, quote,
 * comma, backslash or DEL; octets above 127, UTF-8, are); NAME may be in
 * an alias name (the same, and a backslash); SEP, a blank or a comma,
 * separates members.  A table, since the parser looks at every octet of
 * the file in every session that asks.
 */
#define PLAIN 1
#define NAME  2
#define SEP   4

/* clang-format off */
static const unsigned char octet[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, /* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
	4, 3, 0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 3, 3, 3, /* 0x20 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0x30 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0x40 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 3, 3, 3, /* 0x50 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0x60 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, /* 0x70 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0x80 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0x90 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0xa0 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0xb0 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0xc0 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0xd0 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0xe0 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0xf0 */
};
/* clang-format on */

/*
 * split_members - the comma-separated members in s[0, len), each whole:
 * a comma or blank inside quotes ("|cmd a, b", "x y"@example.net) is
 * part of it, and its quotes and backslashes are kept (see
 * expand_member); blanks around it dropped, a tab outside quotes made a
 * space, empty ones skipped.  Calls add for each; returns 0, -1 for an
 * unclosed quote, a control character or a member too long, -2 when add
 * failed.
 */
static int
split_members(const char *s, size_t len,
    int (*add)(void *, char *, size_t), void *arg)
{
	char m[ALIAS_MEMBER_MAX];
	size_t i = 0;

	while (i <= len) {
		size_t n = 0, stop;
		int quoted = 0;
		size_t content = 0; /* length without trailing blanks */

		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		/* Each octet of m comes from one of s: stop bounds both. */
		stop = len - i < sizeof(m) ? len : i + sizeof(m) - 1;
		while (i < stop && (quoted || s[i] != ',')) {
			unsigned char c = (unsigned char)s[i++];

			if (octet[c] & PLAIN) {
				m[n++] = (char)c;
				while (i < stop && (octet[(unsigned char)s[i]] & PLAIN))
					m[n++] = s[i++];
				content = n;
				continue;
			}
			if (c == '"') {
				quoted = !quoted;
			} else if (quoted && c == '\\' && i < stop) {
				m[n++] = (char)c; /* and the octet it quotes */
				c = (unsigned char)s[i++];
			} else if (c == '\t') {
				c = ' ';
			}
			if (c < ' ' || c == 127)
				return -1;
			m[n++] = (char)c;
			if (c != ' ' || quoted)
				content = n;
		}
		if (quoted || (i < len && s[i] != ','))
			return -1; /* unclosed, or longer than m */
		m[content] = '\0';
		if (content > 0 && add(arg, m, content) < 0)
			return -2;
		i++;
	}
	return 0;
}

static int
count_member(void *arg, char *m, size_t len)
{
	(void)m;
	(void)len;
	++*(size_t *)arg;
	return 0;
}

/*
 * bad_members - what is wrong with the members s[0, len), or NULL when
 * split_members takes them whole and finds one.  Most entries are plain
 * names and addresses, short, with commas and blanks between them: those
 * are seen on one pass of the table; the rest are split to tell.
 */
static const char *
bad_members(const char *s, size_t len)
{
	unsigned char seen = 0;
	size_t i, n = 0;

	for (i = 0; i < len && (octet[(unsigned char)s[i]] & (PLAIN | SEP)); i++)
		seen |= octet[(unsigned char)s[i]];
	if (i < len || len >= ALIAS_MEMBER_MAX) {
		if (split_members(s, len, count_member, &n) < 0)
			return "bad quoting or character";
		seen = n > 0 ? PLAIN : 0;
	}
	return seen & PLAIN ? NULL : "no members";
}

/*
 * store - the alias name (lower case, nlen octets, hash h) and its
 * members, s[0, len), in one piece of the arena: 0, or -1 when memory
 * ran out.
 */
static int
store(struct lookup *lk, const char *name, size_t nlen, size_t h,
    const char *s, size_t len)
{
	struct alias a = { .len = len, .hash = h };
	char *text;

	if (nlen + 2 > SIZE_MAX - len ||
	    (text = arena_alloc(lk, nlen + 1 + len + 1)) == NULL)
		return -1;
	memcpy(text, name, nlen + 1);
	memcpy(text + nlen + 1, s, len);
	text[nlen + 1 + len] = '\0';
	a.name = text;
	a.members = text + nlen + 1;
	return add_alias(lk, &a);
}

/* entry - one logical aliases(5) entry; 1 added, 0 malformed, -1 ENOMEM. */
static int
entry(struct lookup *lk, const char *s, size_t len, const char *file,
    unsigned lineno)
{
	const char *colon = memchr(s, ':', len);
	char name[SMTP_LOCAL_MAX + 1];
	uint64_t h = HASH_START;
	size_t nlen, i, mlen;
	const char *why;

	if (colon == NULL || colon == s) {
		malformed(file, lineno, "no name: before the members");
		return 0;
	}
	nlen = (size_t)(colon - s);
	while (nlen > 0 && (s[nlen - 1] == ' ' || s[nlen - 1] == '\t'))
		nlen--;
	if (nlen == 0 || nlen > SMTP_LOCAL_MAX)
		i = 0;
	else
		for (i = 0; i < nlen; i++) {
			unsigned char c = (unsigned char)s[i];

			if (!(octet[c] & NAME))
				break;
			name[i] = (char)fold(c);
			h = hash_step(h, (unsigned char)name[i]);
		}
	if (nlen == 0 || i < nlen) {
		malformed(file, lineno, "bad alias name");
		return 0;
	}
	name[nlen] = '\0';
	if (find_hashed(lk, name, (size_t)h) != NULL) {
		malformed(file, lineno, "alias defined twice");
		return 0;
	}
	mlen = len - (size_t)(colon - s) - 1;
	if ((why = bad_members(colon + 1, mlen)) != NULL) {
		malformed(file, lineno, why);
		return 0;
	}
	return store(lk, name, nlen, (size_t)h, colon + 1, mlen) < 0 ? -1 : 1;
}

/*
 * lookup_parse_aliases - aliases(5): "name: member, member", continued on
 * lines that begin with a blank; lines whose first non-blank is '#' are
 * comments.  Returns how many entries were malformed (reported with their
 * first line's number and skipped), or -1 when memory ran out.
 */
int
lookup_parse_aliases(struct lookup *lk, const char *buf, size_t len,
    const char *name)
{
	const char *p = buf, *end = buf + len, *nl;
	char *text = NULL;
	size_t tlen = 0, cap = 0, starts = 0;
	unsigned lineno = 0, start = 0;
	int bad = 0, r = 0, broken = 0;

	/* Room for each line that may begin an entry ("a:b\n" at least). */
	for (; p < end; p = nl + 1) {
		starts += *p != ' ' && *p != '\t' && *p != '#' && *p != '\n';
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
	}
	if (reserve(lk, starts < len / 4 ? starts : len / 4) < 0)
		return -1;
	p = buf;

	for (;;) {
		const char *s = NULL;
		size_t n = 0, blank = 0;
		int nul = 0;

		if (p < end) {
			s = next_line(&p, end, &n);
			lineno++;
			/* Bounded: buf need not end in a NUL. */
			while (blank < n && (s[blank] == ' ' || s[blank] == '\t'))
				blank++;
			if (blank == n || s[blank] == '#')
				continue;
			nul = memchr(s, '\0', n) != NULL;
			if (nul) {
				malformed(name, lineno, "NUL byte");
				bad++;
			}
			if (nul && blank > 0) {
				broken = 1; /* and its continuation lines */
				continue;
			}
			if (blank > 0) {
				if (start == 0 && !broken) {
					malformed(name, lineno,
					    "continuation without an entry");
					bad++;
					broken = 1;
				}
				if (start == 0)
					continue;
			}
		}
		/* A new entry, or the end: the one gathered is complete. */
		if ((s == NULL || blank == 0) && start > 0) {
			if ((r = entry(lk, text, tlen, name, start)) < 0)
				break;
			bad += r == 0;
			start = 0;
			tlen = 0;
		}
		if (s == NULL)
			break;
		if (nul) {
			/* An entry of its own: it ended the one before it. */
			broken = 1; /* and its continuation lines */
			continue;
		}
		if (blank == 0) {
			start = lineno;
			broken = 0;
		}
		if (text == NULL || tlen + n + 1 > cap) {
			char *t;

			cap = (tlen + n + 1) * 2;
			if ((t = realloc(text, cap)) == NULL) {
				r = -1;
				break;
			}
			text = t;
		}
		/* A continuation joins its entry as if after a space. */
		if (tlen > 0)
			text[tlen++] = ' ';
		memcpy(text + tlen, s, n);
		tlen += n;
	}
	free(text);
	return r < 0 ? -1 : bad;
}

/* load - read path whole and give it to parse; 0, or -1 with errno. */
static int
load(struct lookup *lk, const char *path,
    int (*parse)(struct lookup *, const char *, size_t, const char *))
{
	size_t len;
	char *buf = slurp(path, &len);
	int r;

	if (buf == NULL)
		return -1;
	r = parse(lk, buf, len, path);
	free(buf);
	if (r < 0)
		errno = ENOMEM;
	return r < 0 ? -1 : 0;
}

int
lookup_load_passwd(struct lookup *lk, const char *path)
{
	return load(lk, path, lookup_parse_passwd);
}

int
lookup_load_aliases(struct lookup *lk, const char *path)
{
	return load(lk, path, lookup_parse_aliases);
}

/*
 * The aliases index: FILE.smtpd.cdb beside the aliases file FILE (not
 * FILE.cdb, which Postfix's cdb: tables and qmail's fastforward write in
 * their own ways), built by lookup_build_index with the entries the
 * parser keeps (name: the members' text).  Its record with the empty
 * key, which no alias has, is the stamp of the FILE it was built from: a
 * session uses the index only while FILE is still that file (same inode,
 * size and modification time; not the device, which may be numbered anew
 * at boot), and reads FILE itself otherwise, so that an edit not yet
 * followed by --newaliases is never answered from the old index.
 */
#define INDEX_STAMP_MAX 128

static void
stamp(char *buf, size_t size, const struct stat *st)
{
	(void)snprintf(buf, size, "smtpd-aliases 1 %ju %jd %jd.%09ld",
	    (uintmax_t)st->st_ino, (intmax_t)st->st_size, (intmax_t)st->st_mtim.tv_sec,
	    st->st_mtim.tv_nsec);
}

static int
index_path(char *buf, size_t size, const char *path)
{
	int n = snprintf(buf, size, "%s" ALIASES_INDEX_SUFFIX, path);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * open_index - the index of the aliases file path, when there is one
 * built from it as it is now: 1 (lk->index set), 0 there is none, -1
 * there is one that is not used (*why says why).
 */
static int
open_index(struct lookup *lk, const char *path, const char **why)
{
	char name[PATH_MAX], want[INDEX_STAMP_MAX], *have = NULL;
	struct stat st, ist;
	size_t hlen = 0;
	int fd, r;

	if (index_path(name, sizeof(name), path) < 0)
		return 0;
	if ((fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
		*why = lookup_file_error(errno);
		return errno == ENOENT ? 0 : -1;
	}
	if (fstat(fd, &ist) < 0 || !S_ISREG(ist.st_mode) ||
	    stat(path, &st) < 0) {
		*why = "not a regular file, or the aliases file is gone";
		(void)close(fd);
		return -1;
	}
	lk->index.fd = fd;
	lk->index.size = (uint64_t)ist.st_size;
	stamp(want, sizeof(want), &st);
	r = cdb_check(&lk->index) < 0 ? -1 :
	    cdb_find(&lk->index, "", 0, &have, &hlen);
	if (r == 1 && strcmp(have, want) == 0) {
		free(have);
		lk->have_index = 1;
		return 1;
	}
	*why = r < 0 ? "not an index" :
	    r == 0 ? "not built by smtpd --newaliases" :
		     "older than the aliases file: run smtpd --newaliases";
	free(have);
	(void)close(fd);
	lk->index.fd = -1;
	return -1;
}

/* write_index - the aliases of lk, stamped st, as a cdb on out. */
static int
write_index(const struct lookup *lk, const struct stat *st, FILE *out)
{
	struct cdb_record *recs = calloc(lk->naliases + 1, sizeof(*recs));
	char head[INDEX_STAMP_MAX];
	size_t i;
	int r;

	if (recs == NULL)
		return -1;
	stamp(head, sizeof(head), st);
	recs[0] = (struct cdb_record){ "", head, 0, strlen(head) };
	for (i = 0; i < lk->naliases; i++) {
		const struct alias *a = &lk->aliases[i];

		recs[i + 1] = (struct cdb_record){ a->name, a->members,
			strlen(a->name), a->len };
	}
	r = cdb_write(out, recs, lk->naliases + 1);
	free(recs);
	return r;
}

/* sync_dir - the directory entry of path on disk. */
static int
sync_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd, r;

	(void)snprintf(dir, sizeof(dir), "%s", path);
	if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	r = fsync(fd);
	(void)close(fd);
	return r;
}

/*
 * publish - the index of lk, stamped st, written to a new file beside
 * name and renamed to it once on disk: a session opens the old index
 * or the new one, never half of one.  0, or -1 with errno.
 */
static int
publish(const struct lookup *lk, const struct stat *st, const char *name)
{
	char tmp[PATH_MAX];
	FILE *out = NULL;
	int fd, e;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", name) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkstemp(tmp)) < 0)
		return -1;
	/* Readable by whom the aliases file is readable by. */
	if (fchown(fd, st->st_uid, st->st_gid) < 0 && errno != EPERM)
		goto fail;
	if (fchmod(fd, st->st_mode & 0666) < 0 ||
	    (out = fdopen(fd, "w")) == NULL || write_index(lk, st, out) < 0 ||
	    fsync(fd) < 0)
		goto fail;
	e = fclose(out);
	out = NULL;
	fd = -1;
	if (e != 0 || rename(tmp, name) < 0 || sync_dir(name) < 0)
		goto fail;
	return 0;
fail:
	e = errno;
	if (out != NULL)
		(void)fclose(out);
	else if (fd >= 0)
		(void)close(fd);
	(void)unlink(tmp);
	errno = e;
	return -1;
}

int
lookup_build_index(const char *path, size_t *count, int *bad)
{
	char name[PATH_MAX];
	struct lookup *lk = NULL;
	struct stat st, now;
	char *buf;
	size_t len;
	int fd, r = -1, e;

	if (index_path(name, sizeof(name), path) < 0 ||
	    (fd = open_file(path, &st)) < 0)
		return -1;
	if (!S_ISREG(st.st_mode)) { /* /dev/null: nowhere to put an index */
		(void)close(fd);
		errno = EINVAL;
		return -1;
	}
	if ((buf = read_all(fd, &st, &len)) == NULL)
		return -1;
	/* An edit while it was read: the stamp would not say what is in it. */
	if (stat(path, &now) < 0 || now.st_ino != st.st_ino ||
	    now.st_size != st.st_size ||
	    now.st_mtim.tv_sec != st.st_mtim.tv_sec ||
	    now.st_mtim.tv_nsec != st.st_mtim.tv_nsec)
		errno = EAGAIN;
	else if ((lk = lookup_new()) == NULL ||
	    (*bad = lookup_parse_aliases(lk, buf, len, path)) < 0)
		errno = ENOMEM;
	else if ((r = publish(lk, &st, name)) == 0)
		*count = lk->naliases;
	e = errno;
	lookup_free(lk);
	free(buf);
	errno = e;
	return r;
}

/*
 * lookup_defer - load the aliases file at path and UID_MIN from
 * login_defs at the first question (lookup_prepare), not now: most
 * connections ask none.  The aliases file is checked now, so that one
 * that cannot be read (see open_file) is still a start-up error: 0, or
 * -1 with errno.
 */
int
lookup_defer(struct lookup *lk, const char *path, const char *login_defs)
{
	struct stat st;
	int fd = open_file(path, &st);

	lk->login_defs_later = login_defs;
	if (fd < 0)
		return -1;
	(void)close(fd);
	free(lk->aliases_later);
	if ((lk->aliases_later = strdup(path)) == NULL)
		return -1;
	return 0;
}

/*
 * lookup_prepare - load what lookup_defer put off: 0, or -1 (450).  An
 * aliases file that cannot be loaded now (it became a directory, too
 * large, unreadable since start-up; memory ran short) is tried again at
 * each question, and each is answered -1 until it loads: answering
 * without the aliases would say "no such user" for real lists.  The
 * failure is logged once a session.
 */
int
lookup_prepare(struct lookup *lk)
{
	const char *why = NULL;
	int e, r;

	if (lk->login_defs_later != NULL) {
		lk->uid_min = lookup_uid_min(lk->login_defs_later);
		lk->login_defs_later = NULL;
	}
	if (lk->aliases_later == NULL)
		return 0;
	if ((r = open_index(lk, lk->aliases_later, &why)) < 0 &&
	    !lk->index_logged) {
		log_event(LOG_WARNING,
		    "event=aliases_index_unused file=%s" ALIASES_INDEX_SUFFIX
		    " reason=%s",
		    lk->aliases_later, why);
		lk->index_logged = 1;
	}
	if (r == 1 || lookup_load_aliases(lk, lk->aliases_later) == 0) {
		free(lk->aliases_later);
		lk->aliases_later = NULL;
		return 0;
	}
	e = errno;
	clear_aliases(lk); /* what a parse cut short by ENOMEM left */
	if (!lk->aliases_logged)
		log_event(LOG_WARNING,
		    "event=lookup_failed what=aliases file=%s error=%s",
		    lk->aliases_later, lookup_file_error(e));
	lk->aliases_logged = 1;
	return -1;
}

/*
 * Users.
 */

/* full_name - the GECOS field up to its first comma, '&' as the name. */
static void
full_name(struct who *w, const char *gecos)
{
	size_t n = 0, i;

	for (; *gecos != '\0' && *gecos != ','; gecos++) {
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

static void
fill_who(struct who *w, const char *name, const char *gecos,
    unsigned long uid)
{
	size_t n = strlen(name);

	if (n >= sizeof(w->name))
		n = sizeof(w->name) - 1;
	memcpy(w->name, name, n);
	w->name[n] = '\0';
	w->uid = uid;
	full_name(w, gecos != NULL ? gecos : "");
}

/* find_exact - the user named exactly name: 1, 0 or -1. */
static int
find_exact(const struct lookup *lk, const char *name, struct who *w)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	size_t i;
	int r;

	if (lk->have_passwd) {
		for (i = 0; i < lk->nusers; i++) {
			if (strcmp(lk->users[i].name, name) == 0) {
				fill_who(w, name, lk->users[i].gecos,
				    lk->users[i].uid);
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
 * find_user - the user named name, or its lower-case form (local parts
 * are taken case-insensitively, as most MTAs do): 1, 0 or -1.
 */
static int
find_user(const struct lookup *lk, const char *name, struct who *w)
{
	char lower[SMTP_LOCAL_MAX + 1];
	size_t i, n = strlen(name);
	int r;

	if (n == 0 || n > SMTP_LOCAL_MAX)
		return 0;
	if ((r = find_exact(lk, name, w)) != 0)
		return r;
	for (i = 0; name[i] != '\0'; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[i] = '\0';
	if (strcmp(lower, name) == 0)
		return 0;
	return find_exact(lk, lower, w);
}

static int
hidden(const struct lookup *lk, const struct who *w)
{
	return w->uid < lk->uid_min || strcmp(w->name, "nobody") == 0;
}

/* each_user - fn for every user until it returns non-zero; -1 on error. */
static int
each_user(const struct lookup *lk, int (*fn)(void *, const struct who *),
    void *arg)
{
	struct passwd pwbuf = { 0 }, *pw; /* filled by getpwent_r */
	char buf[4096]; /* the strings of one entry */
	struct who w;
	size_t i;
	int r = 0;

	if (lk->have_passwd) {
		for (i = 0; i < lk->nusers && r == 0; i++) {
			fill_who(&w, lk->users[i].name, lk->users[i].gecos,
			    lk->users[i].uid);
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
 * Answers.
 */

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
user_line(const struct lookup *lk, const struct who *w, char *buf)
{
	labelled(buf, LOOKUP_LINE_MAX, w->full, w->name, primary(lk));
}

int
lookup_domain_is_local(const struct lookup *lk, const char *domain)
{
	size_t i;

	if (domain[0] == '[') {
		/* An address literal is ours only if it is our address. */
		unsigned char a[16], b[16];
		char body[INET6_ADDRSTRLEN + 8];
		size_t n = strlen(domain);
		int fa, fb;

		if (lk->local_addr == NULL || n < 3 || n - 2 >= sizeof(body))
			return 0;
		memcpy(body, domain + 1, n - 2);
		body[n - 2] = '\0';
		fa = strncasecmp(body, "IPv6:", 5) == 0 ?
		    inet_pton(AF_INET6, body + 5, a) == 1 ? 6 : 0 :
		    inet_pton(AF_INET, body, a) == 1 ? 4 : 0;
		fb = inet_pton(AF_INET6, lk->local_addr, b) == 1 ? 6 :
		    inet_pton(AF_INET, lk->local_addr, b) == 1 ? 4 : 0;
		if (fa == 0 || fb == 0)
			return 0;
		if (fa == 6 && IN6_IS_ADDR_V4MAPPED((struct in6_addr *)a)) {
			memmove(a, a + 12, 4);
			fa = 4;
		}
		if (fb == 6 && IN6_IS_ADDR_V4MAPPED((struct in6_addr *)b)) {
			memmove(b, b + 12, 4);
			fb = 4;
		}
		return fa == fb && memcmp(a, b, fa == 4 ? 4 : 16) == 0;
	}
	for (i = 0; i < lk->ndomains; i++)
		if (strcasecmp(lk->domains[i], domain) == 0)
			return 1;
	return 0;
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
static int at_terminal(const char *user);

/* own - "<query@domain>": what a hidden or program member shows. */
static void
own(const struct lookup *lk, struct expansion *ex, const char *label)
{
	char buf[LOOKUP_LINE_MAX];

	labelled(buf, sizeof(buf), label, ex->query, primary(lk));
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

/* each_member - expand_member for split_members: arg is {lk, ex}. */
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
	if ((buf = slurp(file, &len)) == NULL) {
		log_event(LOG_WARNING, "event=lookup_failed what=include error=%s",
		    lookup_file_error(errno));
		return -1;
	}
	ex->depth++;
	for (p = buf, end = buf + len; p < end && r == 0;) {
		const char *s = next_line(&p, end, &n);

		if (n > 0 && s[strspn(s, " \t")] != '#' &&
		    split_members(s, n, each_member, (void *)pair) == -2)
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
 * split_members keeps it.  "\name" is the user, never an alias; a member
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
	struct found f;
	size_t len;
	struct who w;
	int noalias = 0, r;

	if (++ex->visited > ALIAS_MEMBERS_MAX)
		return 0;
	if (m[0] == '\\') {
		noalias = 1; /* "\user": the user, not an alias of that name */
		m++;
	}
	len = strlen(m);
	if (len >= sizeof(text)) /* split_members made it shorter */
		return 0;
	if (whole_quoted(m, len)) {
		(void)unquote(m, len, text, sizeof(text));
	} else if (m[0] == '|' || m[0] == '/' ||
	    strncasecmp(m, ":include:", 9) == 0) {
		name = m; /* a program or file may hold an '@' */
	} else {
		if ((at = last_at(m, len)) != NULL &&
		    !lookup_domain_is_local(lk, at + 1)) {
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
	if (!noalias && (r = find_alias(lk, name, &f)) != 0) {
		if (r == 1 && !on_stack(ex, &f.a))
			r = expand_alias(lk, ex, &f.a);
		else
			r = r < 0 ? -1 : 1;
		free(f.owned);
		if (r <= 0)
			return r;
	}
	if ((r = find_user(lk, name, &w)) < 0)
		return -1;
	if (r == 0) {
		/* A name nobody has: shown as the address it is. */
		mailbox(line, sizeof(line), name, primary(lk));
		ex->others++;
		add_line(ex->out, line);
		return 0;
	}
	if (ex->at_terminal && at_terminal(w.name))
		ex->terminals++;
	if (hidden(lk, &w)) {
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
	r = split_members(a->members, a->len, each_member, (void *)pair);
	ex->depth--;
	return r == -2 ? -1 : 0;
}

static int
expand(const struct lookup *lk, const struct alias *a, struct expansion *ex,
    struct lookup_lines *out)
{
	memset(ex, 0, sizeof(*ex));
	ex->query = a->name;
	ex->out = out;
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

/* local_name - the local part of "local" or "local@our.domain". */
static int
local_name(const struct lookup *lk, const char *q, size_t len, char *name)
{
	const char *at = last_at(q, len);

	if (at != NULL) {
		char dom[SMTP_DOMAIN_MAX + 1];
		size_t dlen = len - (size_t)(at - q) - 1;

		if (dlen == 0 || dlen >= sizeof(dom))
			return 0;
		memcpy(dom, at + 1, dlen);
		dom[dlen] = '\0';
		if (!lookup_domain_is_local(lk, dom))
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
	char name[SMTP_LOCAL_MAX + 1] = "";
	struct found f;
	struct expansion ex;
	struct who w;
	int r;

	forward[0] = '\0';
	if (unquote(local, strlen(local), name, sizeof(name)) < 0)
		return 0;
	if ((r = find_alias(lk, name, &f)) != 0) {
		if (r == 1 && (r = expand(lk, &f.a, &ex, NULL)) == 0 &&
		    only_remote(&ex))
			(void)snprintf(forward, size, "%s", ex.one);
		free(f.owned);
		return r < 0 ? -1 : 1;
	}
	if (strcasecmp(name, "postmaster") == 0)
		return 1;
	return find_user(lk, name, &w);
}

/* at_terminal - user is logged in on a terminal that takes messages. */
static int
at_terminal(const char *user)
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

/*
 * lookup_at_terminal - is the user local (or a user its alias leads to)
 * logged in at a terminal that accepts messages?  1, 0, or -1.
 */
int
lookup_at_terminal(const struct lookup *lk, const char *local)
{
	char name[SMTP_LOCAL_MAX + 1] = "";
	struct found f;
	struct expansion ex;
	struct who w;
	int r;

	if (unquote(local, strlen(local), name, sizeof(name)) < 0)
		return 0;
	if ((r = find_alias(lk, name, &f)) != 0) {
		memset(&ex, 0, sizeof(ex));
		ex.at_terminal = 1;
		if (r == 1) {
			ex.query = f.a.name;
			r = expand_alias(lk, &ex, &f.a);
		}
		free(f.owned);
		return r < 0 ? -1 : ex.terminals > 0;
	}
	if ((r = find_user(lk, name, &w)) != 1)
		return r;
	return at_terminal(w.name);
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
names_match(const char *query, const struct who *w)
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
search_one(void *arg, const struct who *w)
{
	struct search *s = arg;
	char line[LOOKUP_LINE_MAX];

	if (hidden(s->lk, w) || !names_match(s->query, w))
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
	struct who w;

	if (expand(lk, a, &ex, NULL) < 0)
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
	struct found f;
	struct search se = { lk, name, out, 0 };
	struct who w;
	size_t len = strlen(query);
	int r, kind;

	out->n = 0;
	if (len >= 2 && query[0] == '<' && query[len - 1] == '>') {
		query++;
		len -= 2;
	}
	/* 1 a name, 2 a name with our domain, 0 someone else's domain. */
	if ((kind = local_name(lk, query, len, name)) == 0)
		return strchr(query, '@') != NULL ? VRFY_HIDDEN : VRFY_NONE;
	if ((r = find_alias(lk, name, &f)) != 0) {
		v = r < 0 ? VRFY_TEMPFAIL : vrfy_alias(lk, &f.a, out);
		free(f.owned);
		return v;
	}
	if ((r = find_user(lk, name, &w)) < 0)
		return VRFY_TEMPFAIL;
	if (r == 1) {
		if (hidden(lk, &w))
			return VRFY_HIDDEN;
		user_line(lk, &w, out->line[0]);
		out->n = 1;
		return VRFY_ONE;
	}
	if (strcasecmp(name, "postmaster") == 0) {
		(void)snprintf(out->line[0], LOOKUP_LINE_MAX, "<postmaster@%s>",
		    primary(lk));
		out->n = 1;
		return VRFY_ONE;
	}
	if (kind == 2)
		return VRFY_NONE;
	if (each_user(lk, search_one, &se) < 0)
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
	char name[SMTP_LOCAL_MAX + 1] = "";
	struct found f;
	struct expansion ex;
	size_t len = strlen(query);
	int r;

	out->n = 0;
	if (len >= 2 && query[0] == '<' && query[len - 1] == '>') {
		query++;
		len -= 2;
	}
	if (local_name(lk, query, len, name) == 0 ||
	    (r = find_alias(lk, name, &f)) == 0)
		return 0;
	if (r == 1 && (r = expand(lk, &f.a, &ex, out)) == 0 && out->n == 0)
		own(lk, &ex, "");
	free(f.owned);
	return r < 0 ? -1 : 1;
}

/*
 * Networks.
 */

/* parse_addr - IPv4 or IPv6 text into a; its family, or 0. */
static int
parse_addr(const char *s, unsigned char *a)
{
	if (inet_pton(AF_INET, s, a) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, a) != 1)
		return 0;
	if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)a)) {
		memmove(a, a + 12, 4);
		return AF_INET;
	}
	return AF_INET6;
}

/* lookup_net_parse - "192.0.2.0/24", "2001:db8::/32" or one address. */
int
lookup_net_parse(const char *cidr, struct lookup_net *net)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(cidr, '/');
	size_t n = slash != NULL ? (size_t)(slash - cidr) : strlen(cidr);
	unsigned max;

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, cidr, n);
	buf[n] = '\0';
	memset(net, 0, sizeof(*net));
	if (strchr(buf, ':') != NULL)
		net->family = inet_pton(AF_INET6, buf, net->addr) == 1 ?
		    AF_INET6 : 0;
	else
		net->family = inet_pton(AF_INET, buf, net->addr) == 1 ?
		    AF_INET : 0;
	if (net->family == 0)
		return -1;
	max = net->family == AF_INET ? 32 : 128;
	net->bits = max;
	if (slash != NULL) {
		const char *p = slash + 1;
		unsigned v = 0;

		if (*p == '\0' || strspn(p, "0123456789") != strlen(p) ||
		    strlen(p) > 3)
			return -1;
		for (; *p != '\0'; p++)
			v = v * 10 + (unsigned)(*p - '0');
		if (v > max)
			return -1;
		net->bits = v;
	}
	return 0;
}

/* lookup_net_match - addr is inside one of nets: 1, else 0. */
int
lookup_net_match(const struct lookup_net *nets, size_t n, const char *addr)
{
	unsigned char a[16];
	size_t i;
	int family;

	if (addr == NULL || (family = parse_addr(addr, a)) == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned bytes = nets[i].bits / 8, rest = nets[i].bits % 8;

		if (nets[i].family != family ||
		    memcmp(a, nets[i].addr, bytes) != 0)
			continue;
		if (rest == 0 || ((a[bytes] ^ nets[i].addr[bytes]) &
		    (0xff << (8 - rest)) & 0xff) == 0)
			return 1;
	}
	return 0;
}
