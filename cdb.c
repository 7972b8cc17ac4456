/* SPDX-License-Identifier: ISC */
/*
 * cdb.c - constant databases (cdb(5), as tinycdb documents it): 256
 * pointers of 8 octets, the records (key length, value length, key,
 * value), then 256 open hash tables of (hash, position) slots, each
 * twice as long as the records it points to; every number 32 bits,
 * little-endian.  Written here from records in memory; read by pread,
 * checking every position against the file's size, so that a file cut
 * short or not a cdb is an error and never a read past its end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdb.h"

#define TABLES	   256
#define TOC_SIZE   ((size_t)TABLES * 8)
#define HASH_START 5381u

static uint32_t
cdb_hash(const char *s, size_t len)
{
	uint32_t h = HASH_START;

	while (len-- > 0)
		h = (h + (h << 5)) ^ (unsigned char)*s++;
	return h;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* A record's hash and position, as its table's slot will hold them. */
struct slot {
	uint32_t hash, pos;
};

/*
 * write_tables - the 256 tables after the records, which end at pos;
 * toc gets where each is.  at[] is each record's slot, by record.
 */
static int
write_tables(FILE *out, const struct slot *at, size_t n, uint64_t pos,
    unsigned char *toc)
{
	size_t count[TABLES] = { 0 }, t, i, most = 0;
	struct slot *table;
	unsigned char buf[8];

	for (i = 0; i < n; i++)
		count[at[i].hash % TABLES]++;
	for (t = 0; t < TABLES; t++)
		most = count[t] > most ? count[t] : most;
	if ((table = calloc(most * 2 + 1, sizeof(*table))) == NULL)
		return -1;
	for (t = 0; t < TABLES; t++) {
		size_t len = count[t] * 2, k;

		if (pos + len * 8 > UINT32_MAX) {
			free(table);
			errno = EFBIG;
			return -1;
		}
		put32(toc + t * 8, (uint32_t)pos);
		put32(toc + t * 8 + 4, (uint32_t)len);
		memset(table, 0, len * sizeof(*table));
		for (i = 0; i < n && len > 0; i++) {
			if (at[i].hash % TABLES != t)
				continue;
			for (k = (at[i].hash / TABLES) % len; table[k].pos != 0;
			    k = (k + 1) % len)
				;
			table[k] = at[i];
		}
		for (k = 0; k < len; k++) {
			put32(buf, table[k].hash);
			put32(buf + 4, table[k].pos);
			(void)fwrite(buf, 1, sizeof(buf), out);
		}
		pos += len * 8;
	}
	free(table);
	return 0;
}

int
cdb_write(FILE *out, const struct cdb_record *recs, size_t n)
{
	unsigned char toc[TOC_SIZE] = { 0 }, buf[8];
	struct slot *slots = calloc(n + 1, sizeof(*slots));
	uint64_t pos = TOC_SIZE;
	size_t i;

	if (slots == NULL)
		return -1;
	(void)fwrite(toc, 1, sizeof(toc), out);
	for (i = 0; i < n; i++) {
		const struct cdb_record *r = &recs[i];

		if (r->klen > UINT32_MAX || r->vlen > UINT32_MAX ||
		    pos + 8 + r->klen + r->vlen > UINT32_MAX) {
			free(slots);
			errno = EFBIG;
			return -1;
		}
		slots[i].hash = cdb_hash(r->key, r->klen);
		slots[i].pos = (uint32_t)pos;
		put32(buf, (uint32_t)r->klen);
		put32(buf + 4, (uint32_t)r->vlen);
		(void)fwrite(buf, 1, sizeof(buf), out);
		(void)fwrite(r->key, 1, r->klen, out);
		(void)fwrite(r->value, 1, r->vlen, out);
		pos += 8 + r->klen + r->vlen;
	}
	if (write_tables(out, slots, n, pos, toc) < 0) {
		free(slots);
		return -1;
	}
	free(slots);
	if (fseek(out, 0, SEEK_SET) < 0)
		return -1;
	(void)fwrite(toc, 1, sizeof(toc), out);
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}

/* at - len octets at pos of db into buf: 0, or -1 (EPROTO past its end). */
static int
at(const struct cdb *db, uint64_t pos, void *buf, size_t len)
{
	size_t got = 0;

	if (pos > db->size || len > db->size - pos) {
		errno = EPROTO;
		return -1;
	}
	while (got < len) {
		ssize_t r = pread(db->fd, (char *)buf + got, len - got,
		    (off_t)(pos + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			errno = r < 0 ? errno : EPROTO;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

int
cdb_check(const struct cdb *db)
{
	unsigned char toc[TOC_SIZE];
	size_t t;

	if (at(db, 0, toc, sizeof(toc)) < 0)
		return -1;
	for (t = 0; t < TABLES; t++) {
		uint64_t pos = get32(toc + t * 8), len = get32(toc + t * 8 + 4);

		if (pos < TOC_SIZE || pos > db->size || len * 8 > db->size - pos) {
			errno = EPROTO;
			return -1;
		}
	}
	return 0;
}

/*
 * same_key - the record at pos has key[0, klen): 1 with its value's
 * position and length, 0 not, -1 with errno.
 */
static int
same_key(const struct cdb *db, uint32_t pos, const char *key, size_t klen,
    uint32_t *vlen)
{
	unsigned char head[8];
	char buf[256];
	size_t done = 0;

	if (at(db, pos, head, sizeof(head)) < 0)
		return -1;
	if (get32(head) != klen)
		return 0;
	*vlen = get32(head + 4);
	while (done < klen) {
		size_t n = klen - done < sizeof(buf) ? klen - done : sizeof(buf);

		if (at(db, (uint64_t)pos + 8 + done, buf, n) < 0)
			return -1;
		if (memcmp(buf, key + done, n) != 0)
			return 0;
		done += n;
	}
	return 1;
}

int
cdb_find(const struct cdb *db, const char *key, size_t klen, char **value,
    size_t *vlen)
{
	uint32_t h = cdb_hash(key, klen), tpos, len, k, tried, dlen = 0;
	unsigned char buf[8];

	if (at(db, (uint64_t)(h % TABLES) * 8, buf, sizeof(buf)) < 0)
		return -1;
	tpos = get32(buf);
	len = get32(buf + 4);
	for (tried = 0, k = len > 0 ? (h / TABLES) % len : 0; tried < len;
	    tried++, k = (k + 1) % len) {
		uint32_t pos;
		int r;

		if (at(db, (uint64_t)tpos + (uint64_t)k * 8, buf, sizeof(buf)) < 0)
			return -1;
		if ((pos = get32(buf + 4)) == 0)
			return 0;
		if (get32(buf) != h)
			continue;
		if ((r = same_key(db, pos, key, klen, &dlen)) < 0)
			return -1;
		if (r == 0)
			continue;
		if ((uint64_t)pos + 8 + klen + dlen > db->size) {
			errno = EPROTO;
			return -1;
		}
		if ((*value = malloc((size_t)dlen + 1)) == NULL)
			return -1;
		if (at(db, (uint64_t)pos + 8 + klen, *value, dlen) < 0) {
			free(*value);
			*value = NULL;
			return -1;
		}
		(*value)[dlen] = '\0';
		*vlen = dlen;
		return 1;
	}
	return 0;
}
