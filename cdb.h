/* SPDX-License-Identifier: ISC */
/*
 * cdb.h - the constant database format of D. J. Bernstein's cdb, as
 * qmail and tinycdb write it: build one from records in memory, look a
 * key up in one by pread(2).  The aliases index is one.
 */
#ifndef SMTPD_CDB_H
#define SMTPD_CDB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cdb_record {
	const char *key, *value;
	size_t klen, vlen;
};

/*
 * cdb_write - the n records as a cdb on out: 0, or -1 with errno
 * (EFBIG when they do not fit in its 4 GiB).
 */
int cdb_write(FILE *out, const struct cdb_record *recs, size_t n);

/* An open cdb: its descriptor and size. */
struct cdb {
	int fd;
	uint64_t size;
};

/*
 * cdb_check - db's 256 tables lie inside it, after their pointers: 0, or
 * -1 with errno (EPROTO): a file cut short, or not a cdb.
 */
int cdb_check(const struct cdb *db);

/*
 * cdb_find - the value of the first record whose key is key[0, klen):
 * 1 with *value (malloc'd, NUL-terminated, vlen octets before the NUL)
 * and *vlen; 0 not there; -1 with errno (EPROTO for a file that is not a
 * cdb, or is cut short; ENOMEM; a read error).
 */
int cdb_find(const struct cdb *db, const char *key, size_t klen,
    char **value, size_t *vlen);

#endif
