/* SPDX-License-Identifier: ISC */
/*
 * check_lookup.c - the questions: alias expansion (includes, loops,
 * depth), and what VRFY, EXPN and RCPT may show of users and aliases.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.h"
#include "aliases.h"
#include "lookup.h"
#include "suites.h"
#include "users.h"

static const char passwd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "daemon:x:1:1:Daemon Smith:/:/bin/false\n"
    "nobody:x:65534:65534:nobody:/:/bin/false\n"
    "alice:x:5001:5001:Alice Liddell,Room 1,,:/home/alice:/bin/sh\n"
    "bob:x:5002:5002:Bob Smith:/home/bob:/bin/sh\n"
    "carol:x:5003:5003:Carol Smith:/home/carol:/bin/sh\n"
    "erin:x:5005:5005:&:/home/erin:/bin/sh\n";

static struct lookup *lk;
static char include_path[] = "/tmp/check_lookup.XXXXXX";
static struct lookup_lines out;

/* setup - users from passwd, example.org ours, our address 192.0.2.1. */
static void
setup(void)
{
	lk = lookup_new();
	ck_assert_ptr_nonnull(lk);
	ck_assert_int_eq(access_add_domain(lk->access, "example.org"), 0);
	access_set_local_addr(lk->access, "192.0.2.1");
	ck_assert_int_eq(users_parse_passwd(lk->users, passwd,
	    sizeof(passwd) - 1, "passwd"), 0);
}

static void
teardown(void)
{
	lookup_free(lk);
	lk = NULL;
}

/* aliases - parse text as the aliases file; returns malformed entries. */
static int
aliases(const char *text)
{
	return aliases_parse(lk->aliases, text, strlen(text), "aliases");
}

/* has - out holds exactly line. */
static int
has(const char *line)
{
	size_t i;

	for (i = 0; i < out.n; i++)
		if (strcmp(out.line[i], line) == 0)
			return 1;
	return 0;
}

/* shows - some line of out contains s. */
static int
shows(const char *s)
{
	size_t i;

	for (i = 0; i < out.n; i++)
		if (strstr(out.line[i], s) != NULL)
			return 1;
	return 0;
}

/*
 * Quoting: what the members are, and how they are shown.
 */

START_TEST(test_quoted_member_keeps_its_comma)
{
	char fwd[256];

	ck_assert_int_eq(aliases("q: \"x, y\"@example.net\n"), 0);
	ck_assert_int_eq(lookup_recipient(lk, "q", fwd, sizeof(fwd)), 1);
	ck_assert_str_eq(fwd, "\"x, y\"@example.net");
}
END_TEST

/*
 * aliases(5) members may be quoted: each stays whole, and a quoted local
 * part keeps its quotes where it is shown as an address.
 */
START_TEST(test_quoted_members_stay_whole)
{
	char fwd[256];

	ck_assert_int_eq(aliases("sales: \"alice\", bob@example.org\n"
	    "q: \"x y\"@example.net\n"
	    "esc: \"a\\\"b\"@example.net\n"
	    "odd: \"no such\", \"carol\"@example.org, \\\"erin\"\n"), 0);
	ck_assert_int_eq(lookup_expn(lk, "sales", &out), 1);
	ck_assert_uint_eq(out.n, 2);
	ck_assert(has("Alice Liddell <alice@example.org>"));
	ck_assert(has("Bob Smith <bob@example.org>"));

	ck_assert_int_eq(lookup_recipient(lk, "q", fwd, sizeof(fwd)), 1);
	ck_assert_str_eq(fwd, "\"x y\"@example.net");
	ck_assert_int_eq(lookup_vrfy(lk, "q", &out), VRFY_FORWARD);
	ck_assert_str_eq(out.line[0], "\"x y\"@example.net");
	ck_assert_int_eq(lookup_expn(lk, "q", &out), 1);
	ck_assert(has("<\"x y\"@example.net>"));
	ck_assert_int_eq(lookup_recipient(lk, "esc", fwd, sizeof(fwd)), 1);
	ck_assert_str_eq(fwd, "\"a\\\"b\"@example.net");

	/* A local name that is no dot-atom is shown quoted, as RFC 5321
	 * 4.1.2 requires; one that is stays as it is. */
	ck_assert_int_eq(lookup_expn(lk, "odd", &out), 1);
	ck_assert_uint_eq(out.n, 3);
	ck_assert(has("<\"no such\"@example.org>"));
	ck_assert(has("Carol Smith <carol@example.org>"));
	ck_assert(has("Erin <erin@example.org>"));
}
END_TEST

START_TEST(test_quoted_programs_and_files_stay_hidden)
{
	ck_assert_int_eq(aliases("p: alice, \"|/usr/bin/filter -x, -y\", "
	    "\"/var/spool/my archive\", \"|/bin/mailer\"@example.org, "
	    "\":include:/etc/mail/list\"@example.org\n"), 0);
	ck_assert_int_eq(lookup_expn(lk, "p", &out), 1);
	ck_assert(has("Alice Liddell <alice@example.org>"));
	ck_assert(has("local delivery <p@example.org>"));
	ck_assert(!shows("/") && !shows("|") && !shows("filter"));
	ck_assert(!shows("archive") && !shows("include") && !shows("-y"));
}
END_TEST

START_TEST(test_alias_names_are_case_insensitive)
{
	ck_assert_int_eq(aliases("Staff: alice\n"), 0);
	ck_assert_int_eq(lookup_expn(lk, "STAFF", &out), 1);
	ck_assert(has("Alice Liddell <alice@example.org>"));
	ck_assert_int_eq(lookup_expn(lk, "<staff@EXAMPLE.ORG>", &out), 1);
	ck_assert_int_eq(lookup_expn(lk, "staff@example.net", &out), 0);
}
END_TEST

/*
 * Expansion.
 */

START_TEST(test_include_lists_are_expanded)
{
	char text[256];
	FILE *f;
	int fd = mkstemp(include_path);

	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(f = fdopen(fd, "w"));
	fputs("# members\ncarol\ngina@example.net, |/bin/secret\n", f);
	ck_assert_int_eq(fclose(f), 0);
	(void)snprintf(text, sizeof(text), "list: alice, :include:%s\n",
	    include_path);
	ck_assert_int_eq(aliases(text), 0);
	ck_assert_int_eq(lookup_expn(lk, "list", &out), 1);
	(void)unlink(include_path);
	ck_assert(has("Carol Smith <carol@example.org>"));
	ck_assert(has("<gina@example.net>"));
	ck_assert(has("local delivery <list@example.org>"));
	ck_assert(!shows(include_path));
	ck_assert(!shows("secret"));
}
END_TEST

START_TEST(test_unreadable_include_cannot_tell)
{
	char fwd[256];

	ck_assert_int_eq(aliases("list: :include:/nonexistent/list\n"), 0);
	ck_assert_int_eq(lookup_expn(lk, "list", &out), -1);
	ck_assert_int_eq(lookup_vrfy(lk, "list", &out), VRFY_TEMPFAIL);
	ck_assert_int_eq(lookup_recipient(lk, "list", fwd, sizeof(fwd)), -1);
}
END_TEST

START_TEST(test_alias_loop_ends)
{
	ck_assert_int_eq(aliases("a: b\nb: a, erin\n"), 0);
	ck_assert_int_eq(lookup_expn(lk, "a", &out), 1);
	ck_assert(has("Erin <erin@example.org>"));
	ck_assert(has("<a@example.org>"));
}
END_TEST

START_TEST(test_deep_nesting_is_bounded)
{
	char text[4096];
	size_t n = 0;
	int i;

	for (i = 0; i < 30; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "a%d: a%d\n", i, i + 1);
	(void)snprintf(text + n, sizeof(text) - n, "a30: bob\n");
	ck_assert_int_eq(aliases(text), 0);
	ck_assert_int_eq(lookup_expn(lk, "a0", &out), 1);
	ck_assert(!shows("bob"));
	ck_assert_int_eq(lookup_expn(lk, "a25", &out), 1);
	ck_assert(has("Bob Smith <bob@example.org>"));
}
END_TEST

START_TEST(test_programs_files_and_hidden_never_show)
{
	ck_assert_int_eq(aliases("postmaster: root\n"
	    "staff: alice, \\root, daemon, nobody, |/usr/bin/filter -x, "
	    "/var/spool/archive, \"|/bin/quoted prog\"\n"), 0);
	ck_assert_int_eq(lookup_expn(lk, "staff", &out), 1);
	ck_assert(has("Alice Liddell <alice@example.org>"));
	ck_assert(has("<staff@example.org>"));
	ck_assert(has("local delivery <staff@example.org>"));
	ck_assert_uint_eq(out.n, 3);
	ck_assert(!shows("root") && !shows("daemon") && !shows("nobody"));
	ck_assert(!shows("/") && !shows("|") && !shows("Daemon Smith"));
	ck_assert_int_eq(lookup_vrfy(lk, "postmaster", &out), VRFY_ONE);
	ck_assert_str_eq(out.line[0], "<postmaster@example.org>");
}
END_TEST

START_TEST(test_expn_of_a_user_is_not_a_list)
{
	ck_assert_int_eq(lookup_expn(lk, "alice", &out), 0);
	ck_assert_int_eq(lookup_expn(lk, "nosuch", &out), 0);
}
END_TEST

/*
 * The answers of VRFY and RCPT.
 */

START_TEST(test_vrfy_user_shows_full_name)
{
	ck_assert_int_eq(lookup_vrfy(lk, "alice", &out), VRFY_ONE);
	ck_assert_str_eq(out.line[0], "Alice Liddell <alice@example.org>");
	ck_assert_int_eq(lookup_vrfy(lk, "<Alice@Example.ORG>", &out),
	    VRFY_ONE);
	ck_assert_int_eq(lookup_vrfy(lk, "erin", &out), VRFY_ONE);
	ck_assert_str_eq(out.line[0], "Erin <erin@example.org>");
}
END_TEST

START_TEST(test_vrfy_full_name_one_or_ambiguous)
{
	ck_assert_int_eq(lookup_vrfy(lk, "\"Alice Liddell\"", &out),
	    VRFY_ONE);
	ck_assert_int_eq(lookup_vrfy(lk, "Smith", &out), VRFY_AMBIGUOUS);
	ck_assert_uint_eq(out.n, 2);
	ck_assert(has("Bob Smith <bob@example.org>"));
	ck_assert(has("Carol Smith <carol@example.org>"));
	ck_assert(!shows("daemon")); /* "Daemon Smith" is hidden */
	ck_assert_int_eq(lookup_vrfy(lk, "Nobody Here", &out), VRFY_NONE);
}
END_TEST

START_TEST(test_vrfy_hidden_and_foreign_get_252)
{
	ck_assert_int_eq(lookup_vrfy(lk, "root", &out), VRFY_HIDDEN);
	ck_assert_int_eq(lookup_vrfy(lk, "nobody", &out), VRFY_HIDDEN);
	ck_assert_int_eq(lookup_vrfy(lk, "bob@example.net", &out),
	    VRFY_HIDDEN);
	ck_assert_int_eq(lookup_vrfy(lk, "nosuch@example.org", &out),
	    VRFY_NONE);
}
END_TEST

START_TEST(test_alias_to_one_remote_address_forwards)
{
	char fwd[256];

	ck_assert_int_eq(aliases("frank: frank@example.net\n"
	    "both: frank@example.net, alice\n"), 0);
	ck_assert_int_eq(lookup_recipient(lk, "frank", fwd, sizeof(fwd)), 1);
	ck_assert_str_eq(fwd, "frank@example.net");
	ck_assert_int_eq(lookup_vrfy(lk, "frank", &out), VRFY_FORWARD);
	ck_assert_str_eq(out.line[0], "frank@example.net");
	ck_assert_int_eq(lookup_recipient(lk, "both", fwd, sizeof(fwd)), 1);
	ck_assert_str_eq(fwd, "");
}
END_TEST

START_TEST(test_recipient_user_postmaster_and_unknown)
{
	char fwd[256];

	ck_assert_int_eq(lookup_recipient(lk, "bob", fwd, sizeof(fwd)), 1);
	ck_assert_int_eq(lookup_recipient(lk, "BOB", fwd, sizeof(fwd)), 1);
	ck_assert_int_eq(lookup_recipient(lk, "root", fwd, sizeof(fwd)), 1);
	ck_assert_int_eq(lookup_recipient(lk, "PostMaster", fwd,
	    sizeof(fwd)), 1);
	ck_assert_int_eq(lookup_recipient(lk, "\"bob\"", fwd, sizeof(fwd)),
	    1);
	ck_assert_int_eq(lookup_recipient(lk, "nosuch", fwd, sizeof(fwd)),
	    0);
}
END_TEST

/*
 * lookup_defer puts off both the aliases and UID_MIN; lookup_prepare,
 * at the first question, reads them.
 */
START_TEST(test_deferred_load_answers_the_first_question)
{
	char path[] = "/tmp/check_lookup.XXXXXX";
	char defs[] = "/tmp/check_lookup.XXXXXX";
	int fd = mkstemp(path), fd2 = mkstemp(defs);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(fd2, 0);
	ck_assert_int_eq(write(fd, "staff: alice, bob\n", 18), 18);
	ck_assert_int_eq(write(fd2, "UID_MIN 5002\n", 13), 13);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(close(fd2), 0);
	ck_assert_int_eq(lookup_defer(lk, path, defs), 0);
	ck_assert_int_eq(lookup_expn(lk, "staff", &out), 0); /* not yet */
	ck_assert_int_eq(lookup_prepare(lk), 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(unlink(defs), 0);
	ck_assert_int_eq(lookup_expn(lk, "staff", &out), 1);
	ck_assert_uint_eq(out.n, 2);
	ck_assert(has("<staff@example.org>")); /* alice is hidden now */
	ck_assert(has("Bob Smith <bob@example.org>"));
	ck_assert_int_eq(lookup_vrfy(lk, "alice", &out), VRFY_HIDDEN);
}
END_TEST

Suite *
lookup_suite(void)
{
	Suite *s = suite_create("lookup");
	TCase *tc;

	tc = tcase_create("quoting");
	tcase_set_timeout(tc, 5);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_quoted_member_keeps_its_comma);
	tcase_add_test(tc, test_quoted_members_stay_whole);
	tcase_add_test(tc, test_quoted_programs_and_files_stay_hidden);
	tcase_add_test(tc, test_alias_names_are_case_insensitive);
	suite_add_tcase(s, tc);

	tc = tcase_create("expansion");
	tcase_set_timeout(tc, 5);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_include_lists_are_expanded);
	tcase_add_test(tc, test_unreadable_include_cannot_tell);
	tcase_add_test(tc, test_alias_loop_ends);
	tcase_add_test(tc, test_deep_nesting_is_bounded);
	tcase_add_test(tc, test_programs_files_and_hidden_never_show);
	tcase_add_test(tc, test_expn_of_a_user_is_not_a_list);
	suite_add_tcase(s, tc);

	tc = tcase_create("answers");
	tcase_set_timeout(tc, 5);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_vrfy_user_shows_full_name);
	tcase_add_test(tc, test_vrfy_full_name_one_or_ambiguous);
	tcase_add_test(tc, test_vrfy_hidden_and_foreign_get_252);
	tcase_add_test(tc, test_alias_to_one_remote_address_forwards);
	tcase_add_test(tc, test_recipient_user_postmaster_and_unknown);
	tcase_add_test(tc, test_deferred_load_answers_the_first_question);
	suite_add_tcase(s, tc);
	return s;
}
