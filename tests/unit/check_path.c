/* SPDX-License-Identifier: ISC */
/*
 * check_path.c - the path parser (RFC 5321 4.1.2 and the limits of
 * 4.5.3.1).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lit.h"
#include "path.h"
#include "suites.h"

#define A16 "aaaaaaaaaaaaaaaa"
#define A63 A16 A16 A16 "aaaaaaaaaaaaaaa"
#define A64 A16 A16 A16 A16

/* parse - path_parse() with p and *used spoiled first. */
static enum path_result
parse(const char *s, size_t len, int flags, struct path *p, size_t *used)
{
	memset(p, 'Z', sizeof(*p));
	*used = SIZE_MAX;
	return path_parse(s, len, flags, p, used);
}

/*
 * expect_ok - path parses under flags to the mailbox addr.  It is given
 * with parameters behind it, as in a MAIL command, so *used must stop
 * right after its '>'.
 */
static void
expect_ok(const char *path, int flags, const char *addr, int utf8)
{
	static const char params[] = " SIZE=1000 BODY=8BITMIME";
	char buf[1024];
	size_t n = strlen(path), used;
	struct path p;
	enum path_result r;

	ck_assert_uint_lt(n + sizeof(params), sizeof(buf));
	memcpy(buf, path, n);
	memcpy(buf + n, params, sizeof(params));
	r = parse(buf, strlen(buf), flags, &p, &used);
	ck_assert_msg(
	    r == PATH_OK, "%s: result %d, want PATH_OK", show(path, n), r);
	ck_assert_msg(
	    used == n, "%s: used %zu, want %zu", show(path, n), used, n);
	ck_assert_str_eq(p.addr, addr);
	ck_assert_uint_eq(p.len, strlen(addr));
	ck_assert_int_eq(p.utf8, utf8);
}

/* expect_result - s parses under flags to want, and p holds no mailbox. */
static void
expect_result(const char *s, size_t len, int flags, enum path_result want)
{
	struct path p;
	size_t used;
	enum path_result r = parse(s, len, flags, &p, &used);

	ck_assert_msg(
	    r == want, "%s: result %d, want %d", show(s, len), r, want);
	if (want != PATH_OK) {
		ck_assert_uint_eq(p.len, 0);
		ck_assert_str_eq(p.addr, "");
	}
}

/* fill_domain - a domain of n octets in valid labels of at most 50. */
static void
fill_domain(char *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		d[i] = i % 51 == 50 ? '.' : 'd';
	ck_assert_msg(n > 0 && d[n - 1] != '.', "bad domain length %zu", n);
}

/*
 * make_path - "<" local "@" domain ">" with a local part of local octets
 * and a domain of domain octets; returns the length.
 */
static size_t
make_path(char *buf, size_t size, size_t local, size_t domain)
{
	size_t n = 0;

	ck_assert_uint_lt(local + domain + 3, size);
	buf[n++] = '<';
	memset(buf + n, 'l', local);
	n += local;
	buf[n++] = '@';
	fill_domain(buf + n, domain);
	n += domain;
	buf[n++] = '>';
	buf[n] = '\0';
	return n;
}

START_TEST(test_null_path_accepted_only_as_reverse_path)
{
	struct path p;
	size_t used;

	ck_assert_int_eq(
	    parse("<> SIZE=10", 10, PATH_NULL_OK, &p, &used), PATH_OK);
	ck_assert_uint_eq(used, 2);
	ck_assert_uint_eq(p.len, 0);
	ck_assert_str_eq(p.addr, "");
	expect_result("<>", 2, 0, PATH_SYNTAX);
	expect_result("<>", 2, PATH_POSTMASTER_OK, PATH_SYNTAX);
}
END_TEST

START_TEST(test_plain_mailbox_accepted)
{
	expect_ok("<user@example.org>", 0, "user@example.org", 0);
	expect_ok("<user@example.org>", PATH_NULL_OK, "user@example.org", 0);
	expect_ok("<first.last+tag@sub-domain.example.org>", 0,
	    "first.last+tag@sub-domain.example.org", 0);
	expect_ok(
	    "<!#$%&'*+-/=?^_`{|}~@x.org>", 0, "!#$%&'*+-/=?^_`{|}~@x.org", 0);
	expect_ok("<user@" A63 ".org>", 0, "user@" A63 ".org", 0);
}
END_TEST

START_TEST(test_quoted_local_part_kept_with_its_quotes)
{
	expect_ok(
	    "<\"john doe\"@example.org>", 0, "\"john doe\"@example.org", 0);
	expect_ok("<\"a\\\"b\"@x.org>", 0, "\"a\\\"b\"@x.org", 0);
	expect_ok("<\"a>b\"@x.org>", 0, "\"a>b\"@x.org", 0);
}
END_TEST

START_TEST(test_address_literals_accepted)
{
	expect_ok("<user@[192.0.2.1]>", 0, "user@[192.0.2.1]", 0);
	expect_ok("<user@[IPv6:2001:db8::1]>", 0, "user@[IPv6:2001:db8::1]", 0);
	expect_ok("<user@[IPv6:::1]>", 0, "user@[IPv6:::1]", 0);
	expect_ok("<user@[IPv6:1:2:3:4:5:6:7:8]>", 0,
	    "user@[IPv6:1:2:3:4:5:6:7:8]", 0);
	expect_ok("<user@[IPv6:::ffff:192.0.2.1]>", 0,
	    "user@[IPv6:::ffff:192.0.2.1]", 0);
	/* RFC 5321 4.1.3: at most six groups beside "::". */
	expect_ok(
	    "<user@[IPv6:1:2:3:4:5:6::]>", 0, "user@[IPv6:1:2:3:4:5:6::]", 0);
	expect_ok("<user@[IPv6:1:2:3:4::192.0.2.1]>", 0,
	    "user@[IPv6:1:2:3:4::192.0.2.1]", 0);
	expect_ok("<user@[IPv6:1:2:3:4:5:6:192.0.2.1]>", 0,
	    "user@[IPv6:1:2:3:4:5:6:192.0.2.1]", 0);
}
END_TEST

START_TEST(test_source_route_dropped)
{
	expect_ok("<@a.org,@b.org:user@c.org>", 0, "user@c.org", 0);
	expect_ok("<@a.org:user@c.org>", PATH_NULL_OK, "user@c.org", 0);
}
END_TEST

START_TEST(test_postmaster_without_domain_only_as_forward_path)
{
	expect_ok("<Postmaster>", PATH_POSTMASTER_OK, "Postmaster", 0);
	expect_ok("<postmaster>", PATH_POSTMASTER_OK, "postmaster", 0);
	expect_ok("<POSTMASTER>", PATH_POSTMASTER_OK, "POSTMASTER", 0);
	expect_result("<Postmaster>", 12, 0, PATH_SYNTAX);
	expect_result("<postmaster>", 12, PATH_NULL_OK, PATH_SYNTAX);
	expect_result("<postmasters>", 13, PATH_POSTMASTER_OK, PATH_SYNTAX);
}
END_TEST

START_TEST(test_utf8_mailbox_sets_utf8)
{
	expect_ok("<us\xc3\xa9r@ex\xc3\xa4mple.org>", 0,
	    "us\xc3\xa9r@ex\xc3\xa4mple.org", 1);
	expect_ok("<us\xc3\xa9r@example.org>", 0, "us\xc3\xa9r@example.org", 1);
	expect_ok("<user@ex\xc3\xa4mple.org>", 0, "user@ex\xc3\xa4mple.org", 1);
	expect_ok("<\"j\xc3\xb6rg\"@x.org>", 0, "\"j\xc3\xb6rg\"@x.org", 1);
	expect_ok("<\xf0\x9f\x93\xa7@x.org>", 0, "\xf0\x9f\x93\xa7@x.org", 1);
}
END_TEST

/* clang-format off */
static const struct lit bad_paths[] = {
	LIT(""),
	LIT("<"),
	LIT("user@example.org"),
	LIT("user@example.org>"),
	LIT("<user@example.org"),
	LIT("<user@example.org "),
	LIT("<user>"),
	LIT("<user@>"),
	LIT("<@example.org>"),
	LIT("<@x.org:>"),
	LIT("<@x.org,user@y.org>"),
	LIT("<@x.org user@y.org>"),
	LIT("<.user@x.org>"),
	LIT("<us..er@x.org>"),
	LIT("<user.@x.org>"),
	LIT("<us er@x.org>"),
	LIT("<user@-x.org>"),
	LIT("<user@x-.org>"),
	LIT("<user@x..org>"),
	LIT("<user@.x.org>"),
	LIT("<user@x.org.>"),
	LIT("<user@x_y.org>"),
	LIT("<user@" A64 ".org>"),
	LIT("<user@[300.1.1.1]>"),
	LIT("<user@[1.2.3]>"),
	LIT("<user@[1.2.3.4.5]>"),
	LIT("<user@[1.2.3.0004]>"),
	LIT("<user@[]>"),
	LIT("<user@[1.2.3.4>"),
	LIT("<user@[IPv6:1::2::3]>"),
	LIT("<user@[IPv6:1:2:3:4:5:6:7]>"),
	LIT("<user@[IPv6:1:2:3:4:5:6:7:8:9]>"),
	LIT("<user@[IPv6:1:2:3:4:5:6:7::]>"),
	LIT("<user@[IPv6:1:2:3:4:5::192.0.2.1]>"),
	LIT("<user@[IPv6:1:2:3:4:5:192.0.2.1]>"),
	LIT("<user@[IPv6:1:2:3:4:5:6:7:192.0.2.1]>"),
	LIT("<user@[IPv6:12345::1]>"),
	LIT("<user@[IPv6::1]>"),
	LIT("<user@[IPv6:1:]>"),
	LIT("<user@[foo:bar]>"),
	LIT("<\"john doe@x.org>"),
	LIT("<\"john\\"),
	LIT("<us\x01" "er@x.org>"),
	LIT("<us\x7f" "er@x.org>"),
	LIT("<us\0er@x.org>"),
	LIT("<user@x\0.org>"),
	LIT("<\"a\x01\"@x.org>"),
	LIT("<\"a\\\x01\"@x.org>"),
	LIT("<user@x.org\r\n>"),
};
/* clang-format on */
#define NBAD_PATHS (sizeof(bad_paths) / sizeof(bad_paths[0]))

START_TEST(test_malformed_path_gets_syntax)
{
	const struct lit *b = &bad_paths[_i];

	expect_result(
	    b->s, b->len, PATH_NULL_OK | PATH_POSTMASTER_OK, PATH_SYNTAX);
}
END_TEST

/* clang-format off */
static const struct lit bad_utf8[] = {
	LIT("<us\xc3\x28" "er@x.org>"),		/* no continuation */
	LIT("<us\xc0\xaf" "er@x.org>"),		/* overlong '/' */
	LIT("<us\xe0\x80\xaf" "er@x.org>"),	/* overlong, 3 octets */
	LIT("<us\xed\xa0\x80" "er@x.org>"),	/* surrogate U+D800 */
	LIT("<us\xf4\x90\x80\x80" "er@x.org>"), /* past U+10FFFF */
	LIT("<us\x80" "er@x.org>"),		/* lone continuation */
	LIT("<us\xc3@x.org>"),			/* cut short */
	LIT("<user@x\xc3\x28" ".org>"),
	LIT("<user@x\xed\xa0\x80" ".org>"),
	LIT("<\"us\xc0\xaf\"@x.org>"),
};
/* clang-format on */
#define NBAD_UTF8 (sizeof(bad_utf8) / sizeof(bad_utf8[0]))

START_TEST(test_invalid_utf8_gets_syntax)
{
	const struct lit *b = &bad_utf8[_i];

	expect_result(b->s, b->len, 0, PATH_SYNTAX);
}
END_TEST

/* RFC 5198 section 2: C1 controls (CSI, OSC, ST) drive terminals. */
START_TEST(test_c1_control_refused)
{
	/* Octal, as a hex escape would take the digit after it. */
	expect_result("<\"\302\2332J\302\2350;x\302\234\"@evil.example>", 28,
	    PATH_NULL_OK, PATH_CONTROL);
	expect_result("<a\xc2\x80@x.org>", 11, 0, PATH_CONTROL);
	expect_result("<a@x\xc2\x9f.org>", 11, 0, PATH_CONTROL);
	expect_result("<@x\xc2\x85.org:a@y.org>", 18, 0, PATH_CONTROL);
	/* U+00A0 and U+00C0 are not C1 controls. */
	expect_ok("<a\xc2\xa0@x.org>", 0, "a\xc2\xa0@x.org", 1);
	expect_ok("<a\xc3\x80@x.org>", 0, "a\xc3\x80@x.org", 1);
}
END_TEST

START_TEST(test_local_part_of_64_accepted_65_refused)
{
	char buf[600];
	size_t n;

	n = make_path(buf, sizeof(buf), 64, 5);
	expect_result(buf, n, 0, PATH_OK);
	n = make_path(buf, sizeof(buf), 65, 5);
	expect_result(buf, n, 0, PATH_LOCAL_TOO_LONG);
	expect_result("<\"" A63 "\"@x.org>", 73, 0, PATH_LOCAL_TOO_LONG);
}
END_TEST

START_TEST(test_domain_over_255_refused)
{
	char buf[600];
	size_t n;

	n = make_path(buf, sizeof(buf), 1, 256);
	expect_result(buf, n, 0, PATH_DOMAIN_TOO_LONG);
	/* The longest domain a path of 256 octets can hold. */
	n = make_path(buf, sizeof(buf), 1, 252);
	expect_result(buf, n, 0, PATH_OK);
}
END_TEST

START_TEST(test_path_over_256_refused_256_accepted)
{
	char buf[600];
	struct path p;
	size_t n, used;

	n = make_path(buf, sizeof(buf), 64, 190);
	ck_assert_uint_eq(n, 257);
	expect_result(buf, n, 0, PATH_TOO_LONG);

	n = make_path(buf, sizeof(buf), 64, 189);
	ck_assert_uint_eq(n, 256);
	ck_assert_int_eq(parse(buf, n, 0, &p, &used), PATH_OK);
	ck_assert_uint_eq(used, 256);
	ck_assert_uint_eq(p.len, 254);
	ck_assert_uint_eq(strlen(p.addr), 254);
	ck_assert_int_eq(memcmp(p.addr, buf + 1, 254), 0);

	/* A source route counts: the limit is on the whole path. */
	memcpy(buf, "<@", 2);
	fill_domain(buf + 2, 248);
	memcpy(buf + 250, ":u@x.org>", 9);
	expect_result(buf, 259, 0, PATH_TOO_LONG);
}
END_TEST

START_TEST(test_leading_dash_refused)
{
	expect_result("<-user@x.org>", 13, 0, PATH_DASH);
	expect_result("<-user@x.org>", 13, PATH_NULL_OK, PATH_DASH);
	expect_result("<@a.org:-user@x.org>", 20, 0, PATH_DASH);
	expect_ok("<u-ser@x.org>", 0, "u-ser@x.org", 0);
}
END_TEST

/* parse_params - path_params() on a copy of line, which it cuts. */
static enum param_result
parse_params(const char *line, int mail, struct params *pm)
{
	static char buf[1024];

	ck_assert_uint_lt(strlen(line), sizeof(buf));
	memcpy(buf, line, strlen(line) + 1);
	return path_params(buf, mail, pm);
}

START_TEST(test_mail_parameters_read)
{
	struct params pm;

	ck_assert_int_eq(parse_params("", 1, &pm), PARAM_OK);
	ck_assert_int_eq(pm.has_size, 0);
	ck_assert_int_eq(pm.smtputf8, 0);
	ck_assert_int_eq(
	    parse_params(" size=1000  BODY=8bitmime SMTPUTF8 ", 1, &pm),
	    PARAM_OK);
	ck_assert_int_eq(pm.has_size, 1);
	ck_assert_uint_eq(pm.size, 1000);
	ck_assert_int_eq(pm.smtputf8, 1);
	ck_assert_int_eq(
	    parse_params("SIZE=99999999999999999999", 1, &pm), PARAM_OK);
	ck_assert(pm.size == UINT64_MAX); /* 20 digits, saturated */
}
END_TEST

START_TEST(test_bad_mail_parameter_named)
{
	static const struct {
		const char *line, *bad;
		enum param_result r;
	} cases[] = {
		{ "SIZE=", "syntax", PARAM_SYNTAX },
		{ "SIZE=1x", "SIZE", PARAM_SYNTAX },
		{ "SIZE=123456789012345678901", "SIZE", PARAM_SYNTAX },
		{ "SIZE=1 SIZE=2", "SIZE", PARAM_SYNTAX },
		{ "BODY=BINARYMIME", "BODY", PARAM_SYNTAX },
		{ "SMTPUTF8=yes", "SMTPUTF8", PARAM_SYNTAX },
		{ "RET=FULL", "RET", PARAM_UNKNOWN },
		{ "AUTH", "AUTH", PARAM_SYNTAX },
		{ "AUTH=<> AUTH=<>", "AUTH", PARAM_SYNTAX },
		{ "-X", "syntax", PARAM_SYNTAX },
	};
	struct params pm;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(
		    parse_params(cases[i].line, 1, &pm), cases[i].r);
		ck_assert_str_eq(pm.bad, cases[i].bad);
	}
}
END_TEST

START_TEST(test_no_parameter_known_without_mail)
{
	struct params pm;

	ck_assert_int_eq(parse_params("", 0, &pm), PARAM_OK);
	ck_assert_int_eq(parse_params("SIZE=10", 0, &pm), PARAM_UNKNOWN);
	ck_assert_str_eq(pm.bad, "SIZE");
	ck_assert_int_eq(parse_params("=", 0, &pm), PARAM_SYNTAX);
	ck_assert_str_eq(pm.bad, "syntax");
}
END_TEST

/* add - the mailbox of path s to l. */
static void
add(struct paths *l, const char *s)
{
	struct path p;
	size_t used;

	ck_assert_int_eq(
	    path_parse(s, strlen(s), PATH_POSTMASTER_OK, &p, &used), PATH_OK);
	ck_assert_int_eq(path_add(l, &p), 0);
}

/* seen - the mailbox of path s is in l. */
static int
seen(const struct paths *l, const char *s, int fold)
{
	struct path p;
	size_t used;

	ck_assert_int_eq(
	    path_parse(s, strlen(s), PATH_POSTMASTER_OK, &p, &used), PATH_OK);
	return path_seen(l, &p, fold);
}

START_TEST(test_same_recipient_seen_once_quoted_or_not)
{
	struct paths l = { 0 };
	int i;

	for (i = 0; i < 300; i++) /* past the first allocation */
		add(&l, "<someone.with.a.longer.name@example.org>");
	add(&l, "<bob@Example.ORG>");
	add(&l, "<Postmaster>");
	ck_assert_uint_eq(l.n, 302);
	ck_assert_int_eq(seen(&l, "<\"bob\"@example.org>", 0), 1);
	ck_assert_int_eq(seen(&l, "<\"b\\ob\"@EXAMPLE.org>", 0), 1);
	ck_assert_int_eq(seen(&l, "<BOB@example.org>", 0), 0);
	ck_assert_int_eq(seen(&l, "<BOB@example.org>", 1), 1);
	ck_assert_int_eq(seen(&l, "<postmaster>", 1), 1);
	ck_assert_int_eq(seen(&l, "<bob@example.net>", 1), 0);
	free(l.buf);
}
END_TEST

Suite *
path_suite(void)
{
	Suite *s = suite_create("path");
	TCase *tc;

	tc = tcase_create("paths");
	tcase_set_timeout(tc, 5);
	tcase_add_test(tc, test_null_path_accepted_only_as_reverse_path);
	tcase_add_test(tc, test_plain_mailbox_accepted);
	tcase_add_test(tc, test_quoted_local_part_kept_with_its_quotes);
	tcase_add_test(tc, test_address_literals_accepted);
	tcase_add_test(tc, test_source_route_dropped);
	tcase_add_test(tc, test_postmaster_without_domain_only_as_forward_path);
	tcase_add_test(tc, test_utf8_mailbox_sets_utf8);
	tcase_add_loop_test(
	    tc, test_malformed_path_gets_syntax, 0, (int)NBAD_PATHS);
	tcase_add_loop_test(
	    tc, test_invalid_utf8_gets_syntax, 0, (int)NBAD_UTF8);
	tcase_add_test(tc, test_c1_control_refused);
	tcase_add_test(tc, test_local_part_of_64_accepted_65_refused);
	tcase_add_test(tc, test_domain_over_255_refused);
	tcase_add_test(tc, test_path_over_256_refused_256_accepted);
	tcase_add_test(tc, test_leading_dash_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("parameters");
	tcase_set_timeout(tc, 5);
	tcase_add_test(tc, test_mail_parameters_read);
	tcase_add_test(tc, test_bad_mail_parameter_named);
	tcase_add_test(tc, test_no_parameter_known_without_mail);
	suite_add_tcase(s, tc);

	tc = tcase_create("recipients");
	tcase_set_timeout(tc, 5);
	tcase_add_test(tc, test_same_recipient_seen_once_quoted_or_not);
	suite_add_tcase(s, tc);
	return s;
}
