/* SPDX-License-Identifier: ISC */
/*
 * check_cdb.c - the cdb writer and reader: what is written is found,
 * what is not is not, and a file cut short or not a cdb is an error,
 * never a read past its end.  (tests/aliases-index checks the format
 * against tinycdb's cdb(1).)
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdb.h"
#include "suites.h"

#define KEYS 3000

static char keys[KEYS][16], values[KEYS][40];

/* written - a cdb of KEYS records (and the empty key) in a temp file. */
static FILE *
written(struct cdb *db)
{
	static struct cdb_record recs[KEYS + 1];
	FILE *f = tmpfile();
	size_t i;

	ck_assert_ptr_nonnull(f);
	for (i = 0; i < KEYS; i++) {
		(void)snprintf(keys[i], sizeof(keys[i]), "key%zu", i * 7919);
		(void)snprintf(values[i], sizeof(values[i]), "value of %zu", i);
		recs[i] = (struct cdb_record){ keys[i], values[i],
			strlen(keys[i]), strlen(values[i]) };
	}
	recs[KEYS] = (struct cdb_record){ "", "stamp", 0, 5 };
	ck_assert_int_eq(cdb_write(f, recs, KEYS + 1), 0);
	db->fd = fileno(f);
	db->size = (uint64_t)lseek(db->fd, 0, SEEK_END);
	return f;
}

START_TEST(test_every_key_found_others_not)
{
	struct cdb db;
	FILE *f = written(&db);
	char *v = NULL;
	size_t i, n = 0;

	for (i = 0; i < KEYS; i++) {
		ck_assert_int_eq(cdb_find(&db, keys[i], strlen(keys[i]), &v, &n),
		    1);
		ck_assert_str_eq(v, values[i]);
		ck_assert_uint_eq(n, strlen(values[i]));
		free(v);
	}
	ck_assert_int_eq(cdb_find(&db, "", 0, &v, &n), 1);
	ck_assert_str_eq(v, "stamp");
	free(v);
	ck_assert_int_eq(cdb_find(&db, "key1", 4, &v, &n), 0);
	ck_assert_int_eq(cdb_find(&db, "key0x", 5, &v, &n), 0);
	ck_assert_int_eq(cdb_find(&db, "KEY0", 4, &v, &n), 0);
	(void)fclose(f);
}
END_TEST

START_TEST(test_empty_cdb_finds_nothing)
{
	FILE *f = tmpfile();
	struct cdb db;
	char *v = NULL;
	size_t n = 0;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(cdb_write(f, NULL, 0), 0);
	db.fd = fileno(f);
	db.size = (uint64_t)lseek(db.fd, 0, SEEK_END);
	ck_assert_uint_eq(db.size, 2048);
	ck_assert_int_eq(cdb_check(&db), 0);
	ck_assert_int_eq(cdb_find(&db, "a", 1, &v, &n), 0);
	(void)fclose(f);
}
END_TEST

/*
 * Cut short anywhere, the file answers -1 (EPROTO) or what was written;
 * never something else, and never from past its end (ASan watches).
 */
START_TEST(test_cut_short_is_an_error)
{
	struct cdb db;
	FILE *f = written(&db);
	uint64_t full = db.size, cut;
	char *v = NULL;
	size_t i, n = 0, errors = 0;

	for (cut = 0; cut < full; cut += 997) {
		db.size = cut;
		for (i = 0; i < KEYS; i += 131) {
			int r = cdb_find(&db, keys[i], strlen(keys[i]), &v, &n);

			if (r == 1) {
				ck_assert_str_eq(v, values[i]);
				free(v);
			} else {
				ck_assert_int_eq(r, -1);
				ck_assert_int_eq(errno, EPROTO);
				errors++;
			}
		}
	}
	ck_assert_uint_gt(errors, 0);
	db.size = full;
	ck_assert_int_eq(cdb_check(&db), 0);
	db.size = full - 8; /* the last slot */
	ck_assert_int_eq(cdb_check(&db), -1);
	ck_assert_int_eq(errno, EPROTO);
	db.size = 2047;
	ck_assert_int_eq(cdb_check(&db), -1);
	(void)fclose(f);
}
END_TEST

/* Garbage whose pointers lead past the end, or to huge lengths. */
START_TEST(test_garbage_is_an_error)
{
	FILE *f = tmpfile();
	unsigned char junk[4096];
	struct cdb db;
	char *v = NULL;
	size_t i, n = 0;

	ck_assert_ptr_nonnull(f);
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 37 + 11);
	ck_assert_uint_eq(fwrite(junk, 1, sizeof(junk), f), sizeof(junk));
	ck_assert_int_eq(fflush(f), 0);
	db.fd = fileno(f);
	db.size = sizeof(junk);
	for (i = 0; i < 200; i++) {
		char key[16];
		int r;

		(void)snprintf(key, sizeof(key), "k%zu", i);
		r = cdb_find(&db, key, strlen(key), &v, &n);
		if (r == 1)
			free(v);
		ck_assert_int_ne(r, 1);
	}
	(void)fclose(f);
}
END_TEST

Suite *
cdb_suite(void)
{
	Suite *s = suite_create("cdb");
	TCase *tc = tcase_create("cdb");

	tcase_add_test(tc, test_every_key_found_others_not);
	tcase_add_test(tc, test_empty_cdb_finds_nothing);
	tcase_add_test(tc, test_cut_short_is_an_error);
	tcase_add_test(tc, test_garbage_is_an_error);
	suite_add_tcase(s, tc);
	return s;
}
