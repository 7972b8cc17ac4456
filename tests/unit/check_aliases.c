/* SPDX-License-Identifier: ISC */
/*
 * check_aliases.c - the aliases(5) parser (continuations, comments,
 * malformed entries, NUL bytes, scale), how members split, and the
 * file: checked at start, read at the first question.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aliases.h"
#include "suites.h"

static struct aliases *al;
static char got[4096];

static void
setup(void)
{
	al = aliases_new();
	ck_assert_ptr_nonnull(al);
}

static void
teardown(void)
{
	aliases_free(al);
	al = NULL;
}

/* aliases - parse text as the aliases file; returns malformed entries. */
static int
aliases(const char *text)
{
	return aliases_parse(al, text, strlen(text), "aliases");
}

static int
add_member(void *arg, char *m, size_t len)
{
	size_t n = strlen(got);

	(void)arg;
	(void)snprintf(got + n, sizeof(got) - n, "%s%.*s", n > 0 ? "|" : "",
	    (int)len, m);
	return 0;
}

/* members - the members of name as split, joined by "|"; NULL if none. */
static const char *
members(const char *name)
{
	struct alias_found f;
	int r = aliases_find(al, name, &f);

	got[0] = '\0';
	if (r != 1)
		return NULL;
	ck_assert_int_eq(aliases_split(f.a.members, f.a.len, add_member,
	    NULL), 0);
	free(f.owned);
	return got;
}

/*
 * The parser.
 */

START_TEST(test_continuation_lines_join_their_entry)
{
	ck_assert_int_eq(aliases("staff: alice,\n\tbob,\n  carol\n"), 0);
	ck_assert_pstr_eq(members("staff"), "alice|bob|carol");
}
END_TEST

START_TEST(test_comments_and_blank_lines_are_skipped)
{
	ck_assert_int_eq(aliases("# the list\n\nstaff: alice,\n"
	    "# inside the entry\n\n\tbob\n#x: y\n"), 0);
	ck_assert_pstr_eq(members("staff"), "alice|bob");
	ck_assert_pstr_eq(members("#x"), NULL);
}
END_TEST

START_TEST(test_quoted_members_split_whole)
{
	ck_assert_int_eq(aliases("q: \"x, y\"@example.net,\t\"|cmd a, b\", "
	    "\\bob , \"a\\\"b\"@example.net\n"), 0);
	ck_assert_pstr_eq(members("q"),
	    "\"x, y\"@example.net|\"|cmd a, b\"|\\bob|\"a\\\"b\"@example.net");
}
END_TEST

START_TEST(test_alias_names_are_case_insensitive)
{
	ck_assert_int_eq(aliases("Staff: alice\n"), 0);
	ck_assert_pstr_eq(members("STAFF"), "alice");
}
END_TEST

START_TEST(test_malformed_lines_are_counted_and_skipped)
{
	/* No colon; continuation first; bad name; no members; unclosed
	 * quote; defined twice: six, and the good ones survive. */
	ck_assert_int_eq(aliases("\tstray\nno colon here\nbad name: x\n"
	    "empty:\nq: \"open\ngood: alice\ngood: bob\nlast: carol\n"), 6);
	ck_assert_pstr_eq(members("good"), "alice");
	ck_assert_pstr_eq(members("last"), "carol");
	ck_assert_pstr_eq(members("empty"), NULL);
	ck_assert_pstr_eq(members("q"), NULL);
}
END_TEST

START_TEST(test_nul_byte_line_is_malformed)
{
	static const char text[] = "a: al\0ice\n\tbob\nb: carol\n";

	ck_assert_int_eq(aliases_parse(al, text, sizeof(text) - 1, "aliases"),
	    1);
	ck_assert_pstr_eq(members("a"), NULL);
	ck_assert_pstr_eq(members("b"), "carol");
}
END_TEST

/*
 * A NUL line that begins an entry ends the one before it: its
 * continuation lines ("\tcarol") were joined to that entry, and mail
 * for x went to a member nobody wrote there.
 */
START_TEST(test_nul_byte_entry_ends_the_entry_before_it)
{
	static const char text[] = "x: alice\ny: b\0ob\n\tcarol\nz: erin\n";

	ck_assert_int_eq(aliases_parse(al, text, sizeof(text) - 1, "aliases"),
	    1);
	ck_assert_pstr_eq(members("x"), "alice");
	ck_assert_pstr_eq(members("y"), NULL);
	ck_assert_pstr_eq(members("z"), "erin");
}
END_TEST

/*
 * Found by fuzz-aliases: a buffer that does not end in a NUL, here a
 * lone tab of exactly one octet, was read past its end while the parser
 * measured the line's leading blanks.  AddressSanitizer sees the octet
 * after the allocation.
 */
START_TEST(test_buffer_without_nul_is_read_within_its_length)
{
	static const char *const inputs[] = { "\t", " ", "a:", "a: b\n\t" };
	size_t i;

	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		size_t n = strlen(inputs[i]);
		char *text = malloc(n); /* exactly: no NUL after it */

		ck_assert_ptr_nonnull(text);
		memcpy(text, inputs[i], n);
		ck_assert_int_ge(aliases_parse(al, text, n, "aliases"), 0);
		free(text);
	}
}
END_TEST

/*
 * At scale: 100,000 aliases, as a big site's file may hold.  Parsing
 * them was quadratic (each new name compared with every earlier one);
 * this case took 15 s then.  No time is asserted: the timeout of the
 * case is the bound, and bench/aliases measures.
 */
START_TEST(test_100k_aliases_parse_and_look_up)
{
	enum { N = 100000, DUPS = 5 };
	size_t size = (size_t)N * 48 + 1024, n = 0, i;
	char *text = malloc(size), name[32], want[64];

	ck_assert_ptr_nonnull(text);
	for (i = 0; i < N; i++)
		n += (size_t)snprintf(text + n, size - n,
		    "a%06zu: alice, u%zu@example.net\n", i, i);
	/* Defined again, in another case: each is skipped and counted. */
	for (i = 0; i < DUPS; i++)
		n += (size_t)snprintf(text + n, size - n, "A%06zu: bob\n",
		    i * (N / DUPS));
	ck_assert_uint_lt(n, size);
	ck_assert_int_eq(aliases_parse(al, text, n, "aliases"), DUPS);
	free(text);

	for (i = 0; i < N; i += N / 4 - 1) {
		(void)snprintf(name, sizeof(name), "a%06zu", i);
		(void)snprintf(want, sizeof(want), "alice|u%zu@example.net", i);
		ck_assert_pstr_eq(members(name), want);
	}
	ck_assert_pstr_eq(members("A099999"), "alice|u99999@example.net");
	ck_assert_pstr_eq(members("A000000"), "alice|u0@example.net");
	ck_assert_pstr_eq(members("a100000"), NULL);
	ck_assert_pstr_eq(members("a00000"), NULL);
}
END_TEST

/*
 * The aliases file: checked at start, read at the first question.
 */

/* write_file - path, created if need be, holds text. */
static void
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
}

START_TEST(test_start_refuses_what_cannot_be_read)
{
	char dir[] = "/tmp/check_aliases.XXXXXX", fifo[64], big[64];
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	(void)snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	(void)snprintf(big, sizeof(big), "%s/big", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	fd = open(big, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 16L * 1024 * 1024 + 1), 0);
	ck_assert_int_eq(close(fd), 0);

	errno = 0;
	ck_assert_int_eq(aliases_defer(al, dir), -1);
	ck_assert_int_eq(errno, EISDIR);
	errno = 0;
	ck_assert_int_eq(aliases_defer(al, fifo), -1);
	ck_assert_int_eq(errno, EINVAL); /* and did not wait for a writer */
	errno = 0;
	ck_assert_int_eq(aliases_defer(al, big), -1);
	ck_assert_int_eq(errno, EFBIG);
	errno = 0;
	ck_assert_int_eq(aliases_defer(al, "/nonexistent/aliases"), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* /dev/null is no aliases, as ever. */
	ck_assert_int_eq(aliases_defer(al, "/dev/null"), 0);
	ck_assert_int_eq(aliases_prepare(al), 0);
	ck_assert_pstr_eq(members("staff"), NULL);

	ck_assert_int_eq(unlink(fifo), 0);
	ck_assert_int_eq(unlink(big), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_aliases_lost_after_start_cannot_tell_until_back)
{
	char path[] = "/tmp/check_aliases.XXXXXX";

	ck_assert_int_eq(close(mkstemp(path)), 0);
	write_file(path, "staff: alice, bob\n");
	ck_assert_int_eq(aliases_defer(al, path), 0);
	ck_assert_int_eq(unlink(path), 0);
	/* Every question, not just the first: never "no such user". */
	ck_assert_int_eq(aliases_prepare(al), -1);
	ck_assert_int_eq(aliases_prepare(al), -1);
	ck_assert_int_eq(aliases_prepare(al), -1);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(aliases_prepare(al), -1);
	ck_assert_int_eq(rmdir(path), 0);
	/* Back again: the aliases are read, once. */
	write_file(path, "staff: alice, bob\n");
	ck_assert_int_eq(aliases_prepare(al), 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(aliases_prepare(al), 0);
	ck_assert_pstr_eq(members("staff"), "alice|bob");
}
END_TEST

Suite *
aliases_suite(void)
{
	Suite *s = suite_create("aliases");
	TCase *tc;

	tc = tcase_create("parser");
	tcase_set_timeout(tc, 5);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_continuation_lines_join_their_entry);
	tcase_add_test(tc, test_comments_and_blank_lines_are_skipped);
	tcase_add_test(tc, test_quoted_members_split_whole);
	tcase_add_test(tc, test_alias_names_are_case_insensitive);
	tcase_add_test(tc, test_malformed_lines_are_counted_and_skipped);
	tcase_add_test(tc, test_nul_byte_line_is_malformed);
	tcase_add_test(tc, test_nul_byte_entry_ends_the_entry_before_it);
	tcase_add_test(tc, test_buffer_without_nul_is_read_within_its_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("scale");
	tcase_set_timeout(tc, 10);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_100k_aliases_parse_and_look_up);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_set_timeout(tc, 5);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_start_refuses_what_cannot_be_read);
	tcase_add_test(tc, test_aliases_lost_after_start_cannot_tell_until_back);
	suite_add_tcase(s, tc);
	return s;
}
