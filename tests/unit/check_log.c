/* SPDX-License-Identifier: ISC */
/*
 * check_log.c - the text form of a log line: bare and quoted values, the
 * escapes that keep client text from forging a field or a line, empty
 * fields left out, and a line cut without breaking a quoted value.
 */
#include <check.h>
#include <string.h>

#include "log.h"
#include "suites.h"

START_TEST(test_log_plain_values_stay_bare)
{
	char buf[256];

	log_line(buf, sizeof(buf),
	    "event=message from=<%s> rcpts=%zu size=%llu", "a@example.org",
	    (size_t)2, 22ULL);
	ck_assert_str_eq(
	    buf, "event=message from=<a@example.org> rcpts=2 size=22");
}
END_TEST

START_TEST(test_log_space_and_quote_are_quoted)
{
	char buf[256];

	log_line(buf, sizeof(buf), "event=message from=<%s> status=%d",
	    "\"a b\\\"c\"@x", 250);
	ck_assert_str_eq(
	    buf, "event=message from=\"<\\\"a b\\\\\\\"c\\\"@x>\" status=250");
}
END_TEST

START_TEST(test_log_control_and_8bit_are_escaped)
{
	char buf[256];

	log_line(
	    buf, sizeof(buf), "event=x helo=%s", "a\r\nevent=forged\xc3\xa9");
	ck_assert_str_eq(
	    buf, "event=x helo=\"a\\x0d\\x0aevent=forged\\xc3\\xa9\"");
}
END_TEST

START_TEST(test_log_empty_value_is_left_out)
{
	char buf[256];

	log_line(buf, sizeof(buf), "event=x stderr=%s exit=%d", "", 75);
	ck_assert_str_eq(buf, "event=x exit=75");
}
END_TEST

START_TEST(test_log_long_value_is_cut_and_closed)
{
	char buf[64], big[200];
	size_t n;

	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	n = log_line(buf, sizeof(buf), "event=x stderr=%s", big);
	ck_assert_uint_lt(n, sizeof(buf));
	ck_assert_str_eq(buf + n - 7, "\" cut=1");
	ck_assert_int_eq(strncmp(buf, "event=x stderr=\"  ", 18), 0);
}
END_TEST

Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("format");

	tcase_set_timeout(tc, 5);
	tcase_add_test(tc, test_log_plain_values_stay_bare);
	tcase_add_test(tc, test_log_space_and_quote_are_quoted);
	tcase_add_test(tc, test_log_control_and_8bit_are_escaped);
	tcase_add_test(tc, test_log_empty_value_is_left_out);
	tcase_add_test(tc, test_log_long_value_is_cut_and_closed);
	suite_add_tcase(s, tc);
	return s;
}
