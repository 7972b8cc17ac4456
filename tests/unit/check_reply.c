/* SPDX-License-Identifier: ISC */
/*
 * check_reply.c - the reply table (every id has a sound row) and the
 * format: line format, multi-line replies, cleaning of foreign text, the
 * 512-octet limit, and replies longer than conn's buffer.
 */
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "reply.h"
#include "suites.h"

/*
 * The table.
 */

/* status_ok - st is "class.subject.detail" (RFC 3463) of class c. */
static int
status_ok(const char *st, char c)
{
	const char *p = st;
	int part;

	if (*p++ != c)
		return 0;
	for (part = 0; part < 2; part++) {
		int digits = 0;

		if (*p++ != '.')
			return 0;
		for (; *p >= '0' && *p <= '9'; p++)
			digits++;
		if (digits < 1 || digits > 3)
			return 0;
	}
	return *p == '\0';
}

/* RFC 2034: no enhanced status in the greeting, EHLO/HELO and 3xx. */
static int
has_no_status(enum reply_id id)
{
	return id == R_GREETING || id == R_HELLO || id == R_START_DATA ||
	    id == R_AUTH_CHALLENGE;
}

START_TEST(test_reply_row_is_well_formed)
{
	enum reply_id id = (enum reply_id)_i;
	const struct reply *r = reply_get(id);
	const char *p;
	int conversions = 0;

	ck_assert_ptr_nonnull(r);
	ck_assert_msg(
	    r->code >= 200 && r->code <= 599, "id %d: code %d", _i, r->code);
	ck_assert_msg(
	    r->text != NULL && r->text[0] != '\0', "id %d: no text", _i);
	ck_assert_msg(r->status != NULL, "id %d: status NULL", _i);
	if (has_no_status(id))
		ck_assert_msg(r->status[0] == '\0', "id %d: status \"%s\"", _i,
		    r->status);
	else
		ck_assert_msg(status_ok(r->status, (char)('0' + r->code / 100)),
		    "id %d: code %d with status \"%s\"", _i, r->code,
		    r->status);
	/* The text is not a format: its only directive is one %s. */
	for (p = r->text; (p = strchr(p, '%')) != NULL; p += 2) {
		ck_assert_msg(
		    p[1] == 's', "id %d: stray %% in \"%s\"", _i, r->text);
		conversions++;
	}
	ck_assert_msg(conversions <= 1, "id %d: %d %%s in \"%s\"", _i,
	    conversions, r->text);
}
END_TEST

START_TEST(test_greeting_hello_and_354_have_no_status)
{
	ck_assert_int_eq(reply_get(R_GREETING)->code, 220);
	ck_assert_str_eq(reply_get(R_GREETING)->status, "");
	ck_assert_int_eq(reply_get(R_HELLO)->code, 250);
	ck_assert_str_eq(reply_get(R_HELLO)->status, "");
	ck_assert_int_eq(reply_get(R_START_DATA)->code, 354);
	ck_assert_str_eq(reply_get(R_START_DATA)->status, "");
}
END_TEST

START_TEST(test_only_delivery_success_is_250_queued)
{
	ck_assert_int_eq(reply_get(R_QUEUED)->code, 250);
	ck_assert_int_eq(reply_get(R_DELIVERY_TEMPFAIL)->code / 100, 4);
	ck_assert_int_eq(reply_get(R_DELIVERY_NOT_STARTED)->code / 100, 4);
	ck_assert_int_eq(reply_get(R_STORAGE)->code / 100, 4);
	ck_assert_int_eq(reply_get(R_NO_SUCH_USER)->code / 100, 5);
	ck_assert_int_eq(reply_get(R_DELIVERY_REFUSED)->code / 100, 5);
	ck_assert_int_eq(reply_get(R_BARE_LINE_END)->code / 100, 5);
}
END_TEST

/*
 * The output.
 */

/* A reply stream whose bytes end up in a pipe we read back. */
struct capture {
	struct conn o;
	int rfd;
};

static void
capture_start(struct capture *c)
{
	int fds[2];

	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	c->rfd = fds[0];
	conn_init(&c->o, -1, fds[1], -1, 5, 5);
}

/* capture_end - flush, close, and read back everything that was sent. */
static size_t
capture_end(struct capture *c, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	ck_assert_int_eq(conn_flush(&c->o), 0);
	ck_assert_int_eq(c->o.failed, 0);
	ck_assert_int_eq(close(c->o.out_fd), 0);
	while ((n = read(c->rfd, buf + len, size - len)) > 0)
		len += (size_t)n;
	ck_assert_int_eq(n, 0);
	ck_assert_uint_lt(len, size);
	buf[len] = '\0';
	(void)close(c->rfd);
	return len;
}

static void
expect_sent(struct capture *c, const char *want)
{
	char buf[16384];
	size_t len = capture_end(c, buf, sizeof(buf));

	ck_assert_msg(len == strlen(want) && memcmp(buf, want, len) == 0,
	    "sent \"%s\", want \"%s\"", buf, want);
}

START_TEST(test_single_line_has_code_status_and_text)
{
	struct capture c;

	capture_start(&c);
	reply(&c.o, R_ACTION_OK, NULL);
	expect_sent(&c, "250 2.0.0 OK\r\n");
}
END_TEST

START_TEST(test_reply_without_status_has_no_gap)
{
	struct capture c;

	capture_start(&c);
	reply(&c.o, R_GREETING, "mx.example.org");
	reply(&c.o, R_START_DATA, NULL);
	expect_sent(&c, "220 mx.example.org ESMTP smtpd\r\n"
	                "354 End data with <CR><LF>.<CR><LF>\r\n");
}
END_TEST

START_TEST(test_argument_fills_percent_s)
{
	struct capture c;

	capture_start(&c);
	reply(&c.o, R_USAGE, "HELO <domain>");
	reply(&c.o, R_BYE, "mx.example.org");
	reply(&c.o, R_USAGE, NULL);
	expect_sent(&c, "501 5.5.4 Syntax: HELO <domain>\r\n"
	                "221 2.0.0 mx.example.org Service closing transmission "
	                "channel\r\n"
	                "501 5.5.4 Syntax: \r\n");
}
END_TEST

START_TEST(test_multiline_continues_with_dash_and_ends_with_space)
{
	static const char *const help[] = { "one", "two" };
	static const char *const ext[] = { "PIPELINING", "SIZE 0" };
	struct capture c;

	capture_start(&c);
	reply_lines(&c.o, R_HELP, "smtpd", help, 2);
	reply_lines(&c.o, R_HELLO, "mx.example.org", ext, 2);
	reply_lines(&c.o, R_ACTION_OK, NULL, NULL, 0);
	expect_sent(&c, "214-2.0.0 smtpd\r\n"
	                "214-2.0.0 one\r\n"
	                "214 2.0.0 two\r\n"
	                "250-mx.example.org\r\n"
	                "250-PIPELINING\r\n"
	                "250 SIZE 0\r\n"
	                "250 2.0.0 OK\r\n");
}
END_TEST

START_TEST(test_control_and_8bit_octets_in_argument_become_question_marks)
{
	static const char *const more[] = { "x\ry\nz\x80\xc3\xa9" };
	struct capture c;

	capture_start(&c);
	reply(&c.o, R_USAGE, "a\r\n250 forged\tb\x1b\x7f\x80\xffz");
	reply_lines(&c.o, R_HELP, "\x01", more, 1);
	expect_sent(&c, "501 5.5.4 Syntax: a??250 forged?b????z\r\n"
	                "214-2.0.0 ?\r\n"
	                "214 2.0.0 x?y?z???\r\n");
}
END_TEST

/* expect_one_line - buf[0, len) is one reply line of at most 512 octets. */
static void
expect_one_line(const char *buf, size_t len, const char *prefix)
{
	size_t i;

	ck_assert_uint_le(len, 512);
	ck_assert_uint_gt(len, 500); /* the argument filled the room */
	ck_assert_int_eq(strncmp(buf, prefix, strlen(prefix)), 0);
	ck_assert_int_eq(buf[len - 2], '\r');
	ck_assert_int_eq(buf[len - 1], '\n');
	for (i = 0; i + 2 < len; i++)
		ck_assert_msg(
		    buf[i] != '\r' && buf[i] != '\n', "line end at %zu", i);
}

START_TEST(test_long_argument_cut_to_512_octets)
{
	char arg[2001], buf[4096];
	const char *more[1] = { arg };
	struct capture c;
	size_t len, first;

	memset(arg, 'x', sizeof(arg) - 1);
	arg[sizeof(arg) - 1] = '\0';
	capture_start(&c);
	reply(&c.o, R_USAGE, arg);
	reply_lines(&c.o, R_HELP, "first", more, 1);
	len = capture_end(&c, buf, sizeof(buf));
	first = (size_t)(strchr(buf, '\n') + 1 - buf);
	expect_one_line(buf, first, "501 5.5.4 Syntax: xxx");
	ck_assert_int_eq(strncmp(buf + first, "214-2.0.0 first\r\n", 17), 0);
	expect_one_line(buf + first + 17, len - first - 17, "214 2.0.0 xxx");
}
END_TEST

START_TEST(test_many_replies_flushed_whole_and_in_order)
{
	char arg[600], want[16384], buf[16384];
	struct capture c;
	size_t i, wlen = 0, len;

	/* 30 lines of 512 octets: more than the buffer holds. */
	capture_start(&c);
	for (i = 0; i < 30; i++) {
		memset(arg, (int)('a' + i % 26), sizeof(arg) - 1);
		arg[sizeof(arg) - 1] = '\0';
		reply(&c.o, R_USAGE, arg);
		memcpy(want + wlen, "501 5.5.4 Syntax: ", 18);
		memset(want + wlen + 18, (int)('a' + i % 26), 492);
		memcpy(want + wlen + 510, "\r\n", 2);
		wlen += 512;
	}
	len = capture_end(&c, buf, sizeof(buf));
	ck_assert_uint_eq(len, wlen);
	ck_assert_int_eq(memcmp(buf, want, len), 0);
}
END_TEST

START_TEST(test_others_words_keep_our_code_and_need_the_same_class)
{
	struct capture c;

	capture_start(&c);
	reply_as(&c.o, R_NO_SUCH_USER, "5.1.1", "no such mailbox here");
	reply_as(&c.o, R_QUEUED, "5.1.1", "");
	reply_as(&c.o, R_DELIVERY_TEMPFAIL, "4.2.2", "over\tquota");
	reply_as(&c.o, R_DELIVERY_TEMPFAIL, "bogus", NULL);
	expect_sent(&c, "550 5.1.1 no such mailbox here\r\n"
	                "250 2.0.0 Message accepted for delivery\r\n"
	                "451 4.2.2 over?quota\r\n"
	                "451 4.3.0 Local delivery failed for now; try again "
	                "later\r\n");
}
END_TEST

/* clang-format off */
static const struct {
	const char *s;
	int len;
} statuses[] = {
	{ "5.1.1 text", 5 }, { "4.2.22 x", 6 }, { "2.123.456 y", 9 },
	{ "5.1.1", 5 }, { "5.1.1x", 0 }, { "3.1.1 x", 0 }, { "5.1234.1 x", 0 },
	{ "5..1 x", 0 }, { "5.1. x", 0 }, { "51.1.1 x", 0 }, { "", 0 },
};
/* clang-format on */

START_TEST(test_status_code_recognized_only_in_rfc3463_form)
{
	ck_assert_int_eq(reply_status_len(statuses[_i].s), statuses[_i].len);
}
END_TEST

START_TEST(test_fmt_reports_truncation)
{
	char buf[5];

	ck_assert_int_eq(reply_fmt(buf, sizeof(buf), "%s", "abcd"), 0);
	ck_assert_str_eq(buf, "abcd");
	ck_assert_int_eq(reply_fmt(buf, sizeof(buf), "%s%d", "abc", 42), -1);
	ck_assert_str_eq(buf, "abc4");
	ck_assert_int_eq(reply_fmt(buf, sizeof(buf), "%s", ""), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(test_clean_cuts_to_size_and_terminates)
{
	char buf[4];

	ck_assert_uint_eq(reply_clean(buf, sizeof(buf), "ab\ncdef", 7), 3);
	ck_assert_str_eq(buf, "ab?");
	ck_assert_uint_eq(reply_clean(buf, sizeof(buf), "abcd", 4), 3);
	ck_assert_str_eq(buf, "abc");
	ck_assert_uint_eq(reply_clean(buf, sizeof(buf), "a\0b", 3), 3);
	ck_assert_str_eq(buf, "a?b");
	ck_assert_uint_eq(reply_clean(buf, 0, "abc", 3), 0);
}
END_TEST

Suite *
reply_suite(void)
{
	Suite *s = suite_create("reply");
	TCase *tc;

	tc = tcase_create("table");
	tcase_set_timeout(tc, 5);
	tcase_add_loop_test(tc, test_reply_row_is_well_formed, 0, R_COUNT);
	tcase_add_test(tc, test_greeting_hello_and_354_have_no_status);
	tcase_add_test(tc, test_only_delivery_success_is_250_queued);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_set_timeout(tc, 5);
	tcase_add_test(tc, test_single_line_has_code_status_and_text);
	tcase_add_test(tc, test_others_words_keep_our_code_and_need_the_same_class);
	tcase_add_loop_test(tc, test_status_code_recognized_only_in_rfc3463_form,
	    0, (int)(sizeof(statuses) / sizeof(statuses[0])));
	tcase_add_test(tc, test_reply_without_status_has_no_gap);
	tcase_add_test(tc, test_argument_fills_percent_s);
	tcase_add_test(
	    tc, test_multiline_continues_with_dash_and_ends_with_space);
	tcase_add_test(
	    tc, test_control_and_8bit_octets_in_argument_become_question_marks);
	tcase_add_test(tc, test_long_argument_cut_to_512_octets);
	tcase_add_test(tc, test_many_replies_flushed_whole_and_in_order);
	tcase_add_test(tc, test_fmt_reports_truncation);
	tcase_add_test(tc, test_clean_cuts_to_size_and_terminates);
	suite_add_tcase(s, tc);
	return s;
}
