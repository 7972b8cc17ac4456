/* SPDX-License-Identifier: ISC */
/*
 * check_users.c - the passwd reader, full names, and who is hidden:
 * UID_MIN from login.defs, and nobody.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suites.h"
#include "users.h"

static const char passwd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/:/bin/false\n"
    "alice:x:5001:5001:Alice Liddell,Room 1,,:/home/alice:/bin/sh\n"
    "bob:x:5002:5002:Bob <Smith>:/home/bob:/bin/sh\n"
    "erin:x:5005:5005:&:/home/erin:/bin/sh\n";

static struct users *us;
static struct user w;

static void
setup(void)
{
	us = users_new();
	ck_assert_ptr_nonnull(us);
	ck_assert_int_eq(users_parse_passwd(us, passwd, sizeof(passwd) - 1,
	    "passwd"), 0);
}

static void
teardown(void)
{
	users_free(us);
	us = NULL;
}

/* hidden - the user name is found, and hidden. */
static int
hidden(const char *name)
{
	ck_assert_int_eq(users_find(us, name, &w), 1);
	return users_hidden(us, &w);
}

START_TEST(test_passwd_malformed_lines_are_skipped)
{
	static const char text[] = "ok:x:6000:6000:Okay:/:/bin/sh\n"
				   "short:x:6001\n"
				   "baduid:x:abc:1::/:/bin/sh\n"
				   ":x:6002:1::/:/bin/sh\n"
				   "also:x:6003:6003:Also:/:/bin/sh\n";
	struct users *u = users_new();

	ck_assert_int_eq(users_parse_passwd(u, text, sizeof(text) - 1,
	    "passwd"), 3);
	ck_assert_int_eq(users_find(u, "ok", &w), 1);
	ck_assert_int_eq(users_find(u, "also", &w), 1);
	ck_assert_int_eq(users_find(u, "short", &w), 0);
	ck_assert_int_eq(users_find(u, "root", &w), 0); /* not NSS's */
	users_free(u);
}
END_TEST

START_TEST(test_full_names_from_gecos)
{
	ck_assert_int_eq(users_find(us, "alice", &w), 1);
	ck_assert_str_eq(w.full, "Alice Liddell");
	ck_assert_uint_eq(w.uid, 5001);
	ck_assert_int_eq(users_find(us, "erin", &w), 1);
	ck_assert_str_eq(w.full, "Erin");
	/* Angle brackets would make the answer another address. */
	ck_assert_int_eq(users_find(us, "BOB", &w), 1);
	ck_assert_str_eq(w.name, "bob");
	ck_assert_str_eq(w.full, "Bob  Smith");
	ck_assert_int_eq(users_find(us, "nosuch", &w), 0);
}
END_TEST

START_TEST(test_system_accounts_and_nobody_are_hidden)
{
	ck_assert(hidden("root"));
	ck_assert(hidden("nobody"));
	ck_assert(!hidden("alice"));
}
END_TEST

START_TEST(test_uid_min_from_login_defs_decides_who_is_hidden)
{
	char path[] = "/tmp/check_users.XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(f = fdopen(fd, "w"));
	fputs("SYS_UID_MIN 100\n# UID_MIN 1\nUID_MIN 4000\n"
	      "  UID_MIN\t5002\n", f);
	ck_assert_int_eq(fclose(f), 0);
	users_defer(us, path);
	ck_assert(!hidden("alice")); /* not read yet */
	users_prepare(us);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert(hidden("alice"));
	ck_assert(!hidden("bob"));
	users_defer(us, "/nonexistent");
	users_prepare(us);
	ck_assert(!hidden("alice")); /* DEFAULT_UID_MIN */
}
END_TEST

Suite *
users_suite(void)
{
	Suite *s = suite_create("users");
	TCase *tc;

	tc = tcase_create("passwd");
	tcase_set_timeout(tc, 5);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_passwd_malformed_lines_are_skipped);
	tcase_add_test(tc, test_full_names_from_gecos);
	suite_add_tcase(s, tc);

	tc = tcase_create("hidden");
	tcase_set_timeout(tc, 5);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_system_accounts_and_nobody_are_hidden);
	tcase_add_test(tc, test_uid_min_from_login_defs_decides_who_is_hidden);
	suite_add_tcase(s, tc);
	return s;
}
