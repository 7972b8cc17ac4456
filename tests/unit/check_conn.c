/* SPDX-License-Identifier: ISC */
/*
 * check_conn.c - the client connection: lines and their limit, the
 * deadlines, SIGTERM, the peek of the sync check, the DATA hand-off,
 * output flushed before a read, and a client that went away.
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "suites.h"

/* A connection on two pipes: the test writes to in[1], reads out[0]. */
struct client {
	int in[2], out[2];
	struct conn *c;
};

/* Each test runs in a process of its own: one connection will do. */
static struct conn the_conn;

static void
client_start(struct client *cl, int timeout, int term_fd, int session_timeout)
{
	ck_assert_int_eq(pipe2(cl->in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(cl->out, O_CLOEXEC), 0);
	cl->c = &the_conn;
	conn_init(
	    cl->c, cl->in[0], cl->out[1], term_fd, timeout, session_timeout);
}

static void
client_send(struct client *cl, const char *s, size_t len)
{
	ck_assert_int_eq(write(cl->in[1], s, len), (ssize_t)len);
}

/* expect_line - the next line is want. */
static void
expect_line(struct client *cl, const char *want)
{
	char *line;
	size_t len;

	ck_assert_int_eq(conn_line(cl->c, &line, &len), IN_LINE);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert_str_eq(line, want);
}

START_TEST(test_crlf_and_bare_lf_end_a_line)
{
	struct client cl;

	client_start(&cl, 5, -1, 3600);
	client_send(&cl, "HELO a\r\nNOOP\n\r\nQUIT\r\n", 21);
	expect_line(&cl, "HELO a");
	expect_line(&cl, "NOOP");
	expect_line(&cl, "");
	expect_line(&cl, "QUIT");
	ck_assert_int_eq(close(cl.in[1]), 0);
	{
		char *line;
		size_t len;

		ck_assert_int_eq(conn_line(cl.c, &line, &len), IN_EOF);
	}
}
END_TEST

START_TEST(test_line_over_limit_reported_once_and_skipped)
{
	static char big[3 * SMTP_LINE_MAX];
	struct client cl;
	char *line;
	size_t len;

	client_start(&cl, 5, -1, 3600);
	/* 510 octets and CRLF fit; one more does not. */
	memset(big, 'x', 510);
	client_send(&cl, big, 510);
	client_send(&cl, "\r\n", 2);
	memset(big, 'y', sizeof(big));
	client_send(&cl, big, 511);
	client_send(&cl, "\r\n", 2);
	client_send(&cl, big, sizeof(big));
	client_send(&cl, "\r\nNOOP\r\n", 8);
	ck_assert_int_eq(conn_line(cl.c, &line, &len), IN_LINE);
	ck_assert_uint_eq(len, 510);
	ck_assert_int_eq(conn_line(cl.c, &line, &len), IN_TOO_LONG);
	ck_assert_int_eq(conn_line(cl.c, &line, &len), IN_TOO_LONG);
	expect_line(&cl, "NOOP");
}
END_TEST

START_TEST(test_silent_client_times_out)
{
	struct client cl;
	char *line;
	size_t len;

	client_start(&cl, 1, -1, 3600);
	client_send(&cl, "NOOP", 4); /* no line end: not a line */
	ck_assert_int_eq(conn_line(cl.c, &line, &len), IN_TIMEOUT);
}
END_TEST

START_TEST(test_session_deadline_cuts_the_line_timeout_short)
{
	struct client cl;
	char *line;
	size_t len;

	client_start(&cl, 300, -1, 1);
	ck_assert_int_eq(conn_line(cl.c, &line, &len), IN_TIMEOUT);
}
END_TEST

START_TEST(test_sigterm_descriptor_ends_the_wait)
{
	struct client cl;
	int term[2];
	char *line;
	size_t len;

	ck_assert_int_eq(pipe2(term, O_CLOEXEC), 0);
	client_start(&cl, 300, term[0], 3600);
	ck_assert_int_eq(conn_terminating(cl.c), 0);
	ck_assert_int_eq(write(term[1], "x", 1), 1);
	ck_assert_int_eq(conn_terminating(cl.c), 1);
	ck_assert_int_eq(conn_line(cl.c, &line, &len), IN_TERM);
}
END_TEST

START_TEST(test_peek_sees_input_read_or_waiting)
{
	struct client cl;

	client_start(&cl, 5, -1, 3600);
	ck_assert_int_eq(conn_waiting(cl.c), 0);
	client_send(&cl, "EHLO a\r\n", 8);
	ck_assert_int_eq(conn_waiting(cl.c), 1); /* in the pipe */
	client_send(&cl, "MAIL FROM:<>\r\n", 14);
	expect_line(&cl, "EHLO a");
	ck_assert_int_eq(conn_waiting(cl.c), 1); /* in the buffer */
	expect_line(&cl, "MAIL FROM:<>");
	ck_assert_int_eq(conn_waiting(cl.c), 0);
}
END_TEST

START_TEST(test_output_flushed_before_a_read)
{
	struct client cl;
	char buf[16];

	client_start(&cl, 5, -1, 3600);
	conn_write(cl.c, "250 OK\r\n", 8);
	client_send(&cl, "QUIT\r\n", 6);
	expect_line(&cl, "QUIT");
	ck_assert_int_eq(read(cl.out[0], buf, sizeof(buf)), 8);
	ck_assert_int_eq(memcmp(buf, "250 OK\r\n", 8), 0);
}
END_TEST

/* take_upto_z - a DATA decoder whose end of data is a 'Z'. */
static int
take_upto_z(void *arg, const char *p, size_t len, size_t *used)
{
	const char *z = memchr(p, 'Z', len);
	size_t *total = arg;

	*used = z != NULL ? (size_t)(z - p) + 1 : len;
	*total += *used;
	return z != NULL;
}

/*
 * data_after - a client that sent in: conn_data() gives want, and has
 * handed over used octets by then.
 */
static struct client *
data_after(const char *in, int timeout, enum conn_input want, size_t used)
{
	static struct client cl;
	size_t total = 0;

	client_start(&cl, timeout, -1, 3600);
	client_send(&cl, in, strlen(in));
	ck_assert_int_eq(conn_data(cl.c, 500, take_upto_z, &total), want);
	ck_assert_uint_eq(total, used);
	return &cl;
}

START_TEST(test_data_handed_over_until_its_end_and_no_further)
{
	expect_line(data_after("abcZQUIT\r\n", 5, IN_LINE, 4), "QUIT");
}
END_TEST

START_TEST(test_data_from_a_silent_client_times_out)
{
	(void)data_after("abc", 1, IN_TIMEOUT, 3);
}
END_TEST

START_TEST(test_flush_to_closed_reader_fails)
{
	struct conn *c = &the_conn;
	int fds[2];

	ck_assert(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	ck_assert_int_eq(close(fds[0]), 0);
	conn_init(c, -1, fds[1], -1, 2, 2);
	ck_assert_int_eq(conn_flush(c), 0); /* nothing to write yet */
	conn_write(c, "250 OK\r\n", 8);
	ck_assert_int_eq(conn_flush(c), -1);
	ck_assert_int_eq(c->failed, 1);
	ck_assert_uint_eq(c->olen, 0);
	/* The failure sticks: later output is dropped, not written. */
	conn_write(c, "221 Bye\r\n", 9);
	ck_assert_int_eq(conn_flush(c), -1);
	ck_assert_uint_eq(c->olen, 0);
	(void)close(fds[1]);
}
END_TEST

Suite *
conn_suite(void)
{
	Suite *s = suite_create("conn");
	TCase *tc;

	tc = tcase_create("input");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_crlf_and_bare_lf_end_a_line);
	tcase_add_test(tc, test_line_over_limit_reported_once_and_skipped);
	tcase_add_test(tc, test_silent_client_times_out);
	tcase_add_test(tc, test_session_deadline_cuts_the_line_timeout_short);
	tcase_add_test(tc, test_sigterm_descriptor_ends_the_wait);
	tcase_add_test(tc, test_peek_sees_input_read_or_waiting);
	tcase_add_test(tc, test_data_handed_over_until_its_end_and_no_further);
	tcase_add_test(tc, test_data_from_a_silent_client_times_out);
	suite_add_tcase(s, tc);

	tc = tcase_create("output");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_output_flushed_before_a_read);
	tcase_add_test(tc, test_flush_to_closed_reader_fails);
	suite_add_tcase(s, tc);
	return s;
}
