/* SPDX-License-Identifier: ISC */
/*
 * aliases.c - the aliases(5) file: checked at start-up, parsed into a
 * hash table at the session's first question (or, when smtpd
 * --newaliases built one from the file as it is now, its index looked
 * up instead), and each entry's members split when an expansion reaches
 * them.  What the members mean, and what may be shown of them, is
 * lookup.c's: nothing here runs, writes or shows a member.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aliases.h"
#include "cdb.h"
#include "file.h"
#include "log.h"

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

struct aliases {
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
	/* The aliases index (aliases_build_index), when it is used. */
	struct cdb index;
	int have_index;
	/* Read at the first question, not for every connection. */
	char *later;	    /* an aliases file to load, or NULL */
	int later_logged;   /* that it failed to load */
	int index_logged;   /* that the index was passed over */
};

struct aliases *
aliases_new(void)
{
	struct aliases *al = calloc(1, sizeof(*al));

	if (al != NULL)
		al->index.fd = -1;
	return al;
}

/* clear_aliases - forget every alias. */
static void
clear_aliases(struct aliases *al)
{
	while (al->arena != NULL) {
		struct block *next = al->arena->next;

		free(al->arena);
		al->arena = next;
	}
	free(al->aliases);
	free(al->slots);
	if (al->index.fd >= 0)
		(void)close(al->index.fd);
	al->index.fd = -1;
	al->have_index = 0;
	al->aliases = NULL;
	al->slots = NULL;
	al->naliases = al->aliases_cap = al->nslots = 0;
}

void
aliases_free(struct aliases *al)
{
	if (al == NULL)
		return;
	clear_aliases(al);
	free(al->later);
	free(al);
}

/*
 * The aliases table.
 */

/* arena_alloc - size octets aligned for a pointer, until clear_aliases. */
static void *
arena_alloc(struct aliases *al, size_t size)
{
	const size_t align = _Alignof(char *);
	struct block *b = al->arena;
	size_t at = b != NULL ? (b->used + align - 1) / align * align : 0;

	_Static_assert(offsetof(struct block, data) % _Alignof(char *) == 0,
	    "block data aligned for a pointer");
	if (b == NULL || at > b->size || size > b->size - at) {
		size_t cap = size > ALIAS_BLOCK_SIZE ? size : ALIAS_BLOCK_SIZE;

		if (cap > SIZE_MAX - sizeof(*b) ||
		    (b = malloc(sizeof(*b) + cap)) == NULL)
			return NULL;
		b->next = al->arena;
		b->size = cap;
		al->arena = b;
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
place(struct aliases *al, size_t i)
{
	size_t mask = al->nslots - 1, k;

	for (k = al->aliases[i].hash & mask; al->slots[k] != 0;
	    k = (k + 1) & mask)
		;
	al->slots[k] = i + 1;
}

/*
 * reserve - room in the table for more aliases than it holds: 0, or -1
 * when memory ran out.  The parser reserves for all the entries a file
 * may hold at once, so that a large one is not rehashed as it grows.
 */
static int
reserve(struct aliases *al, size_t more)
{
	size_t want, i;

	if (more > SIZE_MAX / 4 / sizeof(*al->slots) - al->naliases)
		return -1;
	want = al->naliases + more;
	if (want > al->aliases_cap) {
		size_t cap = al->aliases_cap * 2 > want ? al->aliases_cap * 2 :
		    want < 256 ? 256 : want;
		struct alias *all = reallocarray(al->aliases, cap, sizeof(*all));

		if (all == NULL)
			return -1;
		al->aliases = all;
		al->aliases_cap = cap;
	}
	if (want * 2 > al->nslots) {
		size_t n = al->nslots > 0 ? al->nslots : 512;
		size_t *slots;

		while (n < want * 2)
			n *= 2;
		if ((slots = calloc(n, sizeof(*slots))) == NULL)
			return -1;
		free(al->slots);
		al->slots = slots;
		al->nslots = n;
		for (i = 0; i < al->naliases; i++)
			place(al, i);
	}
	return 0;
}

/* add_alias - append a to the table; 0, or -1 when memory ran out. */
static int
add_alias(struct aliases *al, const struct alias *a)
{
	if (reserve(al, 1) < 0)
		return -1;
	al->aliases[al->naliases] = *a;
	place(al, al->naliases++);
	return 0;
}

/* find_hashed - the alias named name, whose hash is h, or NULL. */
static const struct alias *
find_hashed(const struct aliases *al, const char *name, size_t h)
{
	size_t k, mask = al->nslots - 1;

	if (al->nslots == 0)
		return NULL;
	for (k = h & mask; al->slots[k] != 0; k = (k + 1) & mask) {
		const struct alias *a = &al->aliases[al->slots[k] - 1];

		if (a->hash == h && strcasecmp(a->name, name) == 0)
			return a;
	}
	return NULL;
}

/*
 * aliases_find - the alias named name, in any case, into f: 1, 0 none,
 * -1 the index could not be read.  free(f->owned) when done with it.
 */
int
aliases_find(const struct aliases *al, const char *name,
    struct alias_found *f)
{
	const struct alias *a;
	size_t i, len = strlen(name);
	int r;

	f->owned = NULL;
	if (!al->have_index) {
		if ((a = find_hashed(al, name, hash_name(name))) == NULL)
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
	r = cdb_find(&al->index, f->name, len, &f->owned, &f->a.len);
	if (r < 0)
		log_event(LOG_WARNING,
		    "event=lookup_failed what=aliases_index error=%s",
		    file_error(errno));
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
 * aliases_split - the comma-separated members in s[0, len), each whole:
 * a comma or blank inside quotes ("|cmd a, b", "x y"@example.net) is
 * part of it, and its quotes and backslashes are kept (see
 * expand_member); blanks around it dropped, a tab outside quotes made a
 * space, empty ones skipped.  Calls add for each; returns 0, -1 for an
 * unclosed quote, a control character or a member too long, -2 when add
 * failed.
 */
int
aliases_split(const char *s, size_t len,
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
 * aliases_split takes them whole and finds one.  Most entries are plain
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
		if (aliases_split(s, len, count_member, &n) < 0)
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
store(struct aliases *al, const char *name, size_t nlen, size_t h,
    const char *s, size_t len)
{
	struct alias a = { .len = len, .hash = h };
	char *text;

	if (nlen + 2 > SIZE_MAX - len ||
	    (text = arena_alloc(al, nlen + 1 + len + 1)) == NULL)
		return -1;
	memcpy(text, name, nlen + 1);
	memcpy(text + nlen + 1, s, len);
	text[nlen + 1 + len] = '\0';
	a.name = text;
	a.members = text + nlen + 1;
	return add_alias(al, &a);
}

/* entry - one logical aliases(5) entry; 1 added, 0 malformed, -1 ENOMEM. */
static int
entry(struct aliases *al, const char *s, size_t len, const char *file,
    unsigned lineno)
{
	const char *colon = memchr(s, ':', len);
	char name[SMTP_LOCAL_MAX + 1];
	uint64_t h = HASH_START;
	size_t nlen, i, mlen;
	const char *why;

	if (colon == NULL || colon == s) {
		file_malformed(file, lineno, "no name: before the members");
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
		file_malformed(file, lineno, "bad alias name");
		return 0;
	}
	name[nlen] = '\0';
	if (find_hashed(al, name, (size_t)h) != NULL) {
		file_malformed(file, lineno, "alias defined twice");
		return 0;
	}
	mlen = len - (size_t)(colon - s) - 1;
	if ((why = bad_members(colon + 1, mlen)) != NULL) {
		file_malformed(file, lineno, why);
		return 0;
	}
	return store(al, name, nlen, (size_t)h, colon + 1, mlen) < 0 ? -1 : 1;
}

/*
 * aliases_parse - aliases(5): "name: member, member", continued on
 * lines that begin with a blank; lines whose first non-blank is '#' are
 * comments.  Returns how many entries were malformed (reported with their
 * first line's number and skipped), or -1 when memory ran out.
 */
int
aliases_parse(struct aliases *al, const char *buf, size_t len,
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
	if (reserve(al, starts < len / 4 ? starts : len / 4) < 0)
		return -1;
	p = buf;

	for (;;) {
		const char *s = NULL;
		size_t n = 0, blank = 0;
		int nul = 0;

		if (p < end) {
			s = file_next_line(&p, end, &n);
			lineno++;
			/* Bounded: buf need not end in a NUL. */
			while (blank < n && (s[blank] == ' ' || s[blank] == '\t'))
				blank++;
			if (blank == n || s[blank] == '#')
				continue;
			nul = memchr(s, '\0', n) != NULL;
			if (nul) {
				file_malformed(name, lineno, "NUL byte");
				bad++;
			}
			if (nul && blank > 0) {
				broken = 1; /* and its continuation lines */
				continue;
			}
			if (blank > 0) {
				if (start == 0 && !broken) {
					file_malformed(name, lineno,
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
			if ((r = entry(al, text, tlen, name, start)) < 0)
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

/*
 * The aliases index: FILE.smtpd.cdb beside the aliases file FILE (not
 * FILE.cdb, which Postfix's cdb: tables and qmail's fastforward write in
 * their own ways), built by aliases_build_index with the entries the
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
 * built from it as it is now: 1 (al->index set), 0 there is none, -1
 * there is one that is not used (*why says why).
 */
static int
open_index(struct aliases *al, const char *path, const char **why)
{
	char name[PATH_MAX], want[INDEX_STAMP_MAX], *have = NULL;
	struct stat st, ist;
	size_t hlen = 0;
	int fd, r;

	if (index_path(name, sizeof(name), path) < 0)
		return 0;
	if ((fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
		*why = file_error(errno);
		return errno == ENOENT ? 0 : -1;
	}
	if (fstat(fd, &ist) < 0 || !S_ISREG(ist.st_mode) ||
	    stat(path, &st) < 0) {
		*why = "not a regular file, or the aliases file is gone";
		(void)close(fd);
		return -1;
	}
	al->index.fd = fd;
	al->index.size = (uint64_t)ist.st_size;
	stamp(want, sizeof(want), &st);
	r = cdb_check(&al->index) < 0 ? -1 :
	    cdb_find(&al->index, "", 0, &have, &hlen);
	if (r == 1 && strcmp(have, want) == 0) {
		free(have);
		al->have_index = 1;
		return 1;
	}
	*why = r < 0 ? "not an index" :
	    r == 0 ? "not built by smtpd --newaliases" :
		     "older than the aliases file: run smtpd --newaliases";
	free(have);
	(void)close(fd);
	al->index.fd = -1;
	return -1;
}

/* write_index - the aliases of al, stamped st, as a cdb on out. */
static int
write_index(const struct aliases *al, const struct stat *st, FILE *out)
{
	struct cdb_record *recs = calloc(al->naliases + 1, sizeof(*recs));
	char head[INDEX_STAMP_MAX];
	size_t i;
	int r;

	if (recs == NULL)
		return -1;
	stamp(head, sizeof(head), st);
	recs[0] = (struct cdb_record){ "", head, 0, strlen(head) };
	for (i = 0; i < al->naliases; i++) {
		const struct alias *a = &al->aliases[i];

		recs[i + 1] = (struct cdb_record){ a->name, a->members,
			strlen(a->name), a->len };
	}
	r = cdb_write(out, recs, al->naliases + 1);
	free(recs);
	return r;
}

/* sync_dir - the directory entry of path on disk. */
static int
sync_dir(const char *path)
{
	char copy[PATH_MAX];
	int fd, r;

	(void)snprintf(copy, sizeof(copy), "%s", path);
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	r = fsync(fd);
	(void)close(fd);
	return r;
}

/*
 * publish - the index of al, stamped st, written to a new file beside
 * name and renamed to it once on disk: a session opens the old index
 * or the new one, never half of one.  0, or -1 with errno.
 */
static int
publish(const struct aliases *al, const struct stat *st, const char *name)
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
	    (out = fdopen(fd, "w")) == NULL || write_index(al, st, out) < 0 ||
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
aliases_build_index(const char *path, size_t *count, int *bad)
{
	char name[PATH_MAX];
	struct aliases *al = NULL;
	struct stat st, now;
	char *buf;
	size_t len;
	int fd, r = -1, e;

	if (index_path(name, sizeof(name), path) < 0 ||
	    (fd = file_open(path, &st)) < 0)
		return -1;
	if (!S_ISREG(st.st_mode)) { /* /dev/null: nowhere to put an index */
		(void)close(fd);
		errno = EINVAL;
		return -1;
	}
	if ((buf = file_read_all(fd, &st, &len)) == NULL)
		return -1;
	/* An edit while it was read: the stamp would not say what is in it. */
	if (stat(path, &now) < 0 || now.st_ino != st.st_ino ||
	    now.st_size != st.st_size ||
	    now.st_mtim.tv_sec != st.st_mtim.tv_sec ||
	    now.st_mtim.tv_nsec != st.st_mtim.tv_nsec)
		errno = EAGAIN;
	else if ((al = aliases_new()) == NULL ||
	    (*bad = aliases_parse(al, buf, len, path)) < 0)
		errno = ENOMEM;
	else if ((r = publish(al, &st, name)) == 0)
		*count = al->naliases;
	e = errno;
	aliases_free(al);
	free(buf);
	errno = e;
	return r;
}

/*
 * aliases_defer - load the aliases file at path at the first question
 * (aliases_prepare), not now: most connections ask none.  It is checked
 * now, so that one that cannot be read (see file_open) is still a
 * start-up error: 0, or -1 with errno.
 */
int
aliases_defer(struct aliases *al, const char *path)
{
	struct stat st;
	int fd = file_open(path, &st);

	if (fd < 0)
		return -1;
	(void)close(fd);
	free(al->later);
	if ((al->later = strdup(path)) == NULL)
		return -1;
	return 0;
}

/* load - al->later read whole and parsed: 0, or -1 with errno. */
static int
load(struct aliases *al)
{
	size_t len;
	char *buf = file_slurp(al->later, &len);
	int r;

	if (buf == NULL)
		return -1;
	r = aliases_parse(al, buf, len, al->later);
	free(buf);
	if (r < 0)
		errno = ENOMEM;
	return r < 0 ? -1 : 0;
}

/*
 * aliases_prepare - load what aliases_defer put off: 0, or -1 (450).  An
 * aliases file that cannot be loaded now (it became a directory, too
 * large, unreadable since start-up; memory ran short) is tried again at
 * each question, and each is answered -1 until it loads: answering
 * without the aliases would say "no such user" for real lists.  The
 * failure is logged once a session.
 */
int
aliases_prepare(struct aliases *al)
{
	const char *why = NULL;
	int e, r;

	if (al->later == NULL)
		return 0;
	if ((r = open_index(al, al->later, &why)) < 0 && !al->index_logged) {
		log_event(LOG_WARNING,
		    "event=aliases_index_unused file=%s" ALIASES_INDEX_SUFFIX
		    " reason=%s",
		    al->later, why);
		al->index_logged = 1;
	}
	if (r == 1 || load(al) == 0) {
		free(al->later);
		al->later = NULL;
		return 0;
	}
	e = errno;
	clear_aliases(al); /* what a parse cut short by ENOMEM left */
	if (!al->later_logged)
		log_event(LOG_WARNING,
		    "event=lookup_failed what=aliases file=%s error=%s",
		    al->later, file_error(e));
	al->later_logged = 1;
	return -1;
}
