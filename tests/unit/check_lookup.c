/* SPDX-License-Identifier: ISC */
/*
 * check_lookup.c - the passwd and aliases(5) parsers, alias expansion
 * (includes, loops, depth), what VRFY, EXPN and RCPT may show, local
 * domains and address literals, and --relay-net prefixes.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lookup.h"
#include "suites.h"

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
	ck_assert_int_eq(lookup_add_domain(lk, "example.org"), 0);
	lookup_set_local_addr(lk, "192.0.2.1");
	ck_assert_int_eq(lookup_parse_passwd(lk, passwd, sizeof(passwd) - 1,
	    "passwd"), 0);
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
	return lookup_parse_aliases(lk, text, strlen(text), "aliases");
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
 * The aliases parser.
 */

START_TEST(test_continuation_lines_join_their_entry)
{
	ck_assert_int_eq(aliases("staff: alice,\n\tbob,\n  carol\n"), 0);
	ck_assert_int_eq(lookup_expn(lk, "staff", &out), 1);
	ck_assert_uint_eq(out.n, 3);
	ck_assert(has("Carol Smith <carol@example.org>"));
}
END_TEST

START_TEST(test_comments_and_blank_lines_are_skipped)
{
	ck_assert_int_eq(aliases("# the list\n\nstaff: alice,\n"
	    "# inside the entry\n\n\tbob\n#x: y\n"), 0);
	ck_assert_int_eq(lookup_expn(lk, "staff", &out), 1);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_int_eq(lookup_expn(lk, "#x", &out), 0);
}
END_TEST

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
}
END_TEST

START_TEST(test_malformed_lines_are_counted_and_skipped)
{
	/* No colon; continuation first; bad name; no members; unclosed
	 * quote; defined twice: six, and the good ones survive. */
	ck_assert_int_eq(aliases("\tstray\nno colon here\nbad name: x\n"
	    "empty:\nq: \"open\ngood: alice\ngood: bob\nlast: carol\n"), 6);
	ck_assert_int_eq(lookup_expn(lk, "good", &out), 1);
	ck_assert(has("Alice Liddell <alice@example.org>"));
	ck_assert_int_eq(lookup_expn(lk, "last", &out), 1);
	ck_assert_int_eq(lookup_expn(lk, "empty", &out), 0);
}
END_TEST

START_TEST(test_nul_byte_line_is_malformed)
{
	static const char text[] = "a: al\0ice\n\tbob\nb: carol\n";

	ck_assert_int_eq(lookup_parse_aliases(lk, text, sizeof(text) - 1,
	    "aliases"), 1);
	ck_assert_int_eq(lookup_expn(lk, "a", &out), 0);
	ck_assert_int_eq(lookup_expn(lk, "b", &out), 1);
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

	ck_assert_int_eq(lookup_parse_aliases(lk, text, sizeof(text) - 1,
	    "aliases"), 1);
	ck_assert_int_eq(lookup_expn(lk, "x", &out), 1);
	ck_assert_uint_eq(out.n, 1);
	ck_assert(has("Alice Liddell <alice@example.org>"));
	ck_assert_int_eq(lookup_expn(lk, "y", &out), 0);
	ck_assert_int_eq(lookup_expn(lk, "z", &out), 1);
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
		ck_assert_int_ge(lookup_parse_aliases(lk, text, n, "aliases"),
		    0);
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
	char *text = malloc(size), fwd[256], name[32];

	ck_assert_ptr_nonnull(text);
	for (i = 0; i < N; i++)
		n += (size_t)snprintf(text + n, size - n,
		    "a%06zu: alice, u%zu@example.net\n", i, i);
	/* Defined again, in another case: each is skipped and counted. */
	for (i = 0; i < DUPS; i++)
		n += (size_t)snprintf(text + n, size - n, "A%06zu: bob\n",
		    i * (N / DUPS));
	ck_assert_uint_lt(n, size);
	ck_assert_int_eq(lookup_parse_aliases(lk, text, n, "aliases"), DUPS);
	free(text);

	for (i = 0; i < N; i += N / 4 - 1) {
		char member[64];

		(void)snprintf(name, sizeof(name), "a%06zu", i);
		(void)snprintf(member, sizeof(member), "<u%zu@example.net>", i);
		ck_assert_int_eq(lookup_expn(lk, name, &out), 1);
		ck_assert_uint_eq(out.n, 2);
		ck_assert(has("Alice Liddell <alice@example.org>"));
		ck_assert(has(member));
	}
	ck_assert_int_eq(lookup_expn(lk, "A099999", &out), 1);
	ck_assert(has("<u99999@example.net>"));
	ck_assert_int_eq(lookup_expn(lk, "a000000@EXAMPLE.ORG", &out), 1);
	ck_assert(!has("Bob Smith <bob@example.org>")); /* the first one won */
	ck_assert_int_eq(lookup_recipient(lk, "a050000", fwd, sizeof(fwd)),
	    1);
	ck_assert_int_eq(lookup_expn(lk, "a100000", &out), 0);
	ck_assert_int_eq(lookup_recipient(lk, "a100000", fwd, sizeof(fwd)),
	    0);
	ck_assert_int_eq(lookup_expn(lk, "a00000", &out), 0);
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
 * The passwd reader and VRFY.
 */

START_TEST(test_passwd_malformed_lines_are_skipped)
{
	static const char text[] = "ok:x:6000:6000:Okay:/:/bin/sh\n"
				   "short:x:6001\n"
				   "baduid:x:abc:1::/:/bin/sh\n"
				   ":x:6002:1::/:/bin/sh\n"
				   "also:x:6003:6003:Also:/:/bin/sh\n";
	struct lookup *l = lookup_new();

	ck_assert_int_eq(lookup_add_domain(l, "example.org"), 0);
	ck_assert_int_eq(lookup_parse_passwd(l, text, sizeof(text) - 1,
	    "passwd"), 3);
	ck_assert_int_eq(lookup_vrfy(l, "ok", &out), VRFY_ONE);
	ck_assert_int_eq(lookup_vrfy(l, "also", &out), VRFY_ONE);
	ck_assert_int_eq(lookup_vrfy(l, "short", &out), VRFY_NONE);
	lookup_free(l);
}
END_TEST

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

START_TEST(test_uid_min_decides_who_is_hidden)
{
	lookup_set_uid_min(lk, 5002);
	ck_assert_int_eq(lookup_vrfy(lk, "alice", &out), VRFY_HIDDEN);
	ck_assert_int_eq(lookup_vrfy(lk, "bob", &out), VRFY_ONE);
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
	char dir[] = "/tmp/check_lookup.XXXXXX", fifo[64], big[64];
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
	ck_assert_int_eq(lookup_defer(lk, dir, "/nonexistent"), -1);
	ck_assert_int_eq(errno, EISDIR);
	errno = 0;
	ck_assert_int_eq(lookup_defer(lk, fifo, "/nonexistent"), -1);
	ck_assert_int_eq(errno, EINVAL); /* and did not wait for a writer */
	errno = 0;
	ck_assert_int_eq(lookup_defer(lk, big, "/nonexistent"), -1);
	ck_assert_int_eq(errno, EFBIG);
	errno = 0;
	ck_assert_int_eq(lookup_defer(lk, "/nonexistent/aliases",
	    "/nonexistent"), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* /dev/null is no aliases, as ever. */
	ck_assert_int_eq(lookup_defer(lk, "/dev/null", "/nonexistent"), 0);
	ck_assert_int_eq(lookup_prepare(lk), 0);
	ck_assert_int_eq(lookup_expn(lk, "staff", &out), 0);

	ck_assert_int_eq(unlink(fifo), 0);
	ck_assert_int_eq(unlink(big), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_aliases_lost_after_start_cannot_tell_until_back)
{
	char path[] = "/tmp/check_lookup.XXXXXX", fwd[256];

	ck_assert_int_eq(close(mkstemp(path)), 0);
	write_file(path, "staff: alice, bob\n");
	ck_assert_int_eq(lookup_defer(lk, path, "/nonexistent"), 0);
	ck_assert_int_eq(unlink(path), 0);
	/* Every question, not just the first: never "no such user". */
	ck_assert_int_eq(lookup_prepare(lk), -1);
	ck_assert_int_eq(lookup_prepare(lk), -1);
	ck_assert_int_eq(lookup_prepare(lk), -1);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(lookup_prepare(lk), -1);
	ck_assert_int_eq(rmdir(path), 0);
	/* Back again: the aliases are read, once. */
	write_file(path, "staff: alice, bob\n");
	ck_assert_int_eq(lookup_prepare(lk), 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(lookup_prepare(lk), 0);
	ck_assert_int_eq(lookup_expn(lk, "staff", &out), 1);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_int_eq(lookup_recipient(lk, "staff", fwd, sizeof(fwd)), 1);
}
END_TEST

/*
 * Domains and networks.
 */

START_TEST(test_literal_is_local_only_when_it_is_our_address)
{
	ck_assert(lookup_domain_is_local(lk, "EXAMPLE.org"));
	ck_assert(!lookup_domain_is_local(lk, "mx.example.org"));
	ck_assert(lookup_domain_is_local(lk, "[192.0.2.1]"));
	ck_assert(lookup_domain_is_local(lk, "[IPv6:::ffff:192.0.2.1]"));
	ck_assert(!lookup_domain_is_local(lk, "[192.0.2.2]"));
	lookup_set_local_addr(lk, NULL);
	ck_assert(!lookup_domain_is_local(lk, "[192.0.2.1]"));
	lookup_set_local_addr(lk, "2001:db8::1");
	ck_assert(lookup_domain_is_local(lk,
	    "[IPv6:2001:db8:0:0:0:0:0:1]"));
}
END_TEST

START_TEST(test_relay_nets_match_ipv4_and_ipv6)
{
	struct lookup_net nets[3];

	ck_assert_int_eq(lookup_net_parse("192.0.2.0/25", &nets[0]), 0);
	ck_assert_int_eq(lookup_net_parse("2001:db8::/33", &nets[1]), 0);
	ck_assert_int_eq(lookup_net_parse("198.51.100.7", &nets[2]), 0);
	ck_assert(lookup_net_match(nets, 3, "192.0.2.127"));
	ck_assert(!lookup_net_match(nets, 3, "192.0.2.128"));
	ck_assert(lookup_net_match(nets, 3, "::ffff:192.0.2.1"));
	ck_assert(lookup_net_match(nets, 3, "2001:db8:7fff::1"));
	ck_assert(!lookup_net_match(nets, 3, "2001:db8:8000::1"));
	ck_assert(lookup_net_match(nets, 3, "198.51.100.7"));
	ck_assert(!lookup_net_match(nets, 3, "198.51.100.8"));
	ck_assert(!lookup_net_match(nets, 3, NULL));
	ck_assert(!lookup_net_match(nets, 3, "not an address"));
}
END_TEST

START_TEST(test_bad_relay_nets_are_refused)
{
	struct lookup_net net;

	ck_assert_int_eq(lookup_net_parse("192.0.2.0/33", &net), -1);
	ck_assert_int_eq(lookup_net_parse("2001:db8::/129", &net), -1);
	ck_assert_int_eq(lookup_net_parse("192.0.2.0/", &net), -1);
	ck_assert_int_eq(lookup_net_parse("192.0.2/24", &net), -1);
	ck_assert_int_eq(lookup_net_parse("example.org/24", &net), -1);
	ck_assert_int_eq(lookup_net_parse("10.0.0.0/-1", &net), -1);
}
END_TEST

Suite *
lookup_suite(void)
{
	Suite *s = suite_create("lookup");
	TCase *tc;

	tc = tcase_create("aliases");
	tcase_set_timeout(tc, 5);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_continuation_lines_join_their_entry);
	tcase_add_test(tc, test_comments_and_blank_lines_are_skipped);
	tcase_add_test(tc, test_quoted_member_keeps_its_comma);
	tcase_add_test(tc, test_quoted_members_stay_whole);
	tcase_add_test(tc, test_quoted_programs_and_files_stay_hidden);
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

	tc = tcase_create("users");
	tcase_set_timeout(tc, 5);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_passwd_malformed_lines_are_skipped);
	tcase_add_test(tc, test_vrfy_user_shows_full_name);
	tcase_add_test(tc, test_vrfy_full_name_one_or_ambiguous);
	tcase_add_test(tc, test_vrfy_hidden_and_foreign_get_252);
	tcase_add_test(tc, test_uid_min_decides_who_is_hidden);
	tcase_add_test(tc, test_alias_to_one_remote_address_forwards);
	tcase_add_test(tc, test_recipient_user_postmaster_and_unknown);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_set_timeout(tc, 5);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_start_refuses_what_cannot_be_read);
	tcase_add_test(tc, test_aliases_lost_after_start_cannot_tell_until_back);
	suite_add_tcase(s, tc);

	tc = tcase_create("networks");
	tcase_set_timeout(tc, 5);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_literal_is_local_only_when_it_is_our_address);
	tcase_add_test(tc, test_relay_nets_match_ipv4_and_ipv6);
	tcase_add_test(tc, test_bad_relay_nets_are_refused);
	suite_add_tcase(s, tc);
	return s;
}
