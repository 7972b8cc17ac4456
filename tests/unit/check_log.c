/* SPDX-License-Identifier: ISC */
/*
 * check_log.c - the text form of a log line: bare and quoted values, the
 * escapes that keep client text from forging a field or a line, empty
 * fields left out, and a line cut only between whole fields, in the text
 * and in the journal's fields.
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

START_TEST(test_log_long_value_is_dropped_whole)
{
	char buf[64], big[200];
	size_t n;

	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	n = log_line(buf, sizeof(buf), "event=x exit=75 stderr=%s", big);
	ck_assert_uint_lt(n, sizeof(buf));
	ck_assert_str_eq(buf, "event=x exit=75 cut=1");
}
END_TEST

/*
 * A bare value that does not fit is not cut to a prefix: "rcpts=1" for
 * 12 recipients, or "status=5" for 551, would read as a real value.
 */
START_TEST(test_log_cut_never_leaves_a_prefix)
{
	char buf[64], from[40];
	size_t len;

	memset(from, 'a', sizeof(from) - 1);
	from[sizeof(from) - 1] = '\0';
	/* "event=message from=<" is 20, the address 39, ">" 1: 60. */
	for (len = 8; len <= sizeof(buf); len++) {
		char *end;

		log_line(buf, len,
		    "event=message from=<%s> rcpts=%zu status=%d", from,
		    (size_t)12, 551);
		ck_assert_msg(strstr(buf, "rcpts=1 ") == NULL &&
		                  strstr(buf, "status=5 ") == NULL,
		    "a prefix of a value: %s", buf);
		ck_assert_msg(
		    strstr(buf, "= ") == NULL, "an empty key: %s", buf);
		if ((end = strstr(buf, " cut=1")) != NULL)
			ck_assert_msg(
			    end[6] == '\0', "cut=1 not last: %s", buf);
	}
	log_line(buf, sizeof(buf),
	    "event=message rcpts=%zu from=<%s> status=%d", (size_t)12, from,
	    551);
	ck_assert_str_eq(buf, "event=message rcpts=12 cut=1");
}
END_TEST

/* The fields the journal gets: a copy of what the fake sendv saw. */
static char journal_seen[4096];

static int
fake_sendv(const struct iovec *iov, int n)
{
	size_t len = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (len + iov[i].iov_len + 2 > sizeof(journal_seen))
			break;
		memcpy(journal_seen + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
		journal_seen[len++] = '\n';
	}
	journal_seen[len] = '\0';
	return 0;
}

/*
 * Values that fill the event's whole budget: the next one is dropped from
 * the journal's fields and from its MESSAGE, never kept as a prefix.
 */
START_TEST(test_log_journal_drops_a_value_that_does_not_fit)
{
	static char big[1100];

	memset(big, 'b', sizeof(big) - 1);
	big[1013] = '\0';
	log_init(LOG_SINK_JOURNAL, fake_sendv);
	log_event(6, "event=message helo=%s rcpts=%zu status=%d", big,
	    (size_t)12, 551);
	ck_assert_msg(strstr(journal_seen, "SMTP_RCPTS=1\n") == NULL &&
	                  strstr(journal_seen, "rcpts=1 ") == NULL,
	    "a prefix of rcpts: %s", journal_seen);
	ck_assert_ptr_nonnull(strstr(journal_seen, "SMTP_HELO=bbb"));
	ck_assert_msg(strstr(journal_seen, "SMTP_RCPTS=12\n") != NULL ||
	                  strstr(journal_seen, "SMTP_RCPTS") == NULL,
	    "%s", journal_seen);
	ck_assert_msg(strstr(journal_seen, "SMTP_STATUS=551\n") != NULL ||
	                  strstr(journal_seen, "SMTP_STATUS") == NULL,
	    "a prefix of status: %s", journal_seen);
	ck_assert_ptr_nonnull(strstr(journal_seen, " cut=1\n"));
	ck_assert_ptr_nonnull(strstr(journal_seen, "\nSMTP_CUT=1\n"));
	log_init(LOG_SINK_OFF, NULL);
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
	tcase_add_test(tc, test_log_long_value_is_dropped_whole);
	tcase_add_test(tc, test_log_cut_never_leaves_a_prefix);
	tcase_add_test(tc, test_log_journal_drops_a_value_that_does_not_fit);
	suite_add_tcase(s, tc);
	return s;
}
