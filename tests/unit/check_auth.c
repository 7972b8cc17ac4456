/* SPDX-License-Identifier: ISC */
/*
 * check_auth.c - SMTP AUTH's decoders (base64, xtext, the PLAIN
 * message) and its two backends: a checkpassword program (the script of
 * the transcripts, tests/data/checkpassword, and small sh ones) and a
 * Dovecot auth-client socket played by a child process that answers as
 * the protocol says (tests/auth talks to a real Dovecot).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "suites.h"

START_TEST(test_b64_round_trip)
{
	static const char *const cases[] = { "", "a", "ab", "abc", "abcd",
		"\0alice\0wonderland" };
	static const size_t lens[] = { 0, 1, 2, 3, 4, 17 };
	char enc[64], dec[64];
	size_t i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = auth_b64_encode(cases[i], lens[i], enc, sizeof(enc));

		ck_assert_uint_eq(n, (lens[i] + 2) / 3 * 4);
		ck_assert_int_eq(
		    auth_b64_decode(enc, n, dec, sizeof(dec)), (long)lens[i]);
		ck_assert_mem_eq(dec, cases[i], lens[i]);
	}
	ck_assert_str_eq(
	    (auth_b64_encode("\0alice\0wonderland", 17, enc, sizeof(enc)), enc),
	    "AGFsaWNlAHdvbmRlcmxhbmQ=");
}
END_TEST

START_TEST(test_b64_refuses_what_is_not_base64)
{
	static const char *const bad[] = { "YWxpY2U",
		"YWxp Y2U=", "YW=pY2U=", "YWxpY2U=YWxp", "YWxpY2U*", "=AAA",
		"A===", "YWxpY2U=\r" };
	char dec[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(auth_b64_decode(bad[i], strlen(bad[i]), dec,
		                  sizeof(dec)) == -1,
		    "%s decoded", bad[i]);
	/* Output that does not fit is refused, not cut. */
	ck_assert_int_eq(auth_b64_decode("YWxpY2U=", 8, dec, 5), -1);
	ck_assert_int_eq(auth_b64_decode("YWxpY2U=", 8, dec, 7), 5);
}
END_TEST

START_TEST(test_xtext_decodes_hex_and_refuses_the_rest)
{
	char out[64];

	ck_assert_int_eq(
	    auth_xtext_decode("alice+40example.org", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "alice@example.org");
	ck_assert_int_eq(auth_xtext_decode("a+2Bb+3Dc", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "a+b=c");
	/* Lower-case hex, a bare + or =, a control, too long: refused. */
	ck_assert_int_eq(auth_xtext_decode("a+2bb", out, sizeof(out)), -1);
	ck_assert_int_eq(auth_xtext_decode("a+4", out, sizeof(out)), -1);
	ck_assert_int_eq(auth_xtext_decode("a=b", out, sizeof(out)), -1);
	ck_assert_int_eq(auth_xtext_decode("a+0Ab", out, sizeof(out)), -1);
	ck_assert_int_eq(auth_xtext_decode("abcdef", out, 6), -1);
	ck_assert_int_eq(auth_xtext_decode("abcde", out, 6), 0);
}
END_TEST

START_TEST(test_plain_split_takes_three_fields)
{
	struct auth_plain p;

	ck_assert_int_eq(auth_plain_split("\0alice\0pw", 9, &p), 0);
	ck_assert_uint_eq(p.authzid_len, 0);
	ck_assert_uint_eq(p.authcid_len, 5);
	ck_assert_mem_eq(p.authcid, "alice", 5);
	ck_assert_uint_eq(p.passwd_len, 2);
	ck_assert_mem_eq(p.passwd, "pw", 2);
	ck_assert_int_eq(auth_plain_split("zid\0alice\0pw", 12, &p), 0);
	ck_assert_uint_eq(p.authzid_len, 3);
	/* One NUL, or three: not a PLAIN message. */
	ck_assert_int_eq(auth_plain_split("alice\0pw", 8, &p), -1);
	ck_assert_int_eq(auth_plain_split("\0alice\0pw\0", 10, &p), -1);
	ck_assert_int_eq(auth_plain_split("", 0, &p), -1);
}
END_TEST

static enum auth_result
check(struct auth_cfg *cfg, int timeout, const char *user, const char *pass,
    char *name, size_t size)
{
	struct auth a;
	struct auth_request rq = { .mech = "PLAIN",
		.user = user,
		.pass = pass,
		.peer_addr = "192.0.2.1",
		.local_addr = "192.0.2.25",
		.secured = 1 };
	enum auth_result r;

	auth_init(&a, cfg, timeout);
	r = auth_verify(&a, &rq, name, size);
	auth_end(&a);
	return r;
}

START_TEST(test_checkpassword_exit_status_is_the_verdict)
{
	char *argv[] = { "tests/data/checkpassword", NULL };
	struct auth_cfg cfg = { .checkpassword = argv };
	char name[AUTH_USER_MAX + 1];

	ck_assert_int_eq(
	    check(&cfg, 10, "alice", "wonderland", name, sizeof(name)),
	    AUTH_OK);
	ck_assert_str_eq(name, "alice");
	ck_assert_int_eq(check(&cfg, 10, "alice", "wrong", name, sizeof(name)),
	    AUTH_REFUSED);
	ck_assert_str_eq(name, "");
	ck_assert_int_eq(check(&cfg, 10, "tempfail", "x", name, sizeof(name)),
	    AUTH_TEMPFAIL);
	ck_assert_int_eq(
	    check(&cfg, 10, "crash", "x", name, sizeof(name)), AUTH_TEMPFAIL);
}
END_TEST

START_TEST(test_checkpassword_past_its_time_is_tempfail)
{
	char *argv[] = { "tests/data/checkpassword", NULL };
	struct auth_cfg cfg = { .checkpassword = argv };
	char name[AUTH_USER_MAX + 1];
	time_t t0 = time(NULL);

	ck_assert_int_eq(
	    check(&cfg, 1, "slow", "x", name, sizeof(name)), AUTH_TEMPFAIL);
	ck_assert_int_le(time(NULL) - t0, 3);
}
END_TEST

START_TEST(test_checkpassword_missing_is_tempfail)
{
	char *argv[] = { "/nonexistent/checkpassword", NULL };
	struct auth_cfg cfg = { .checkpassword = argv };
	char name[AUTH_USER_MAX + 1];

	ck_assert_int_eq(
	    check(&cfg, 5, "alice", "wonderland", name, sizeof(name)),
	    AUTH_TEMPFAIL);
}
END_TEST

START_TEST(test_checkpassword_gets_the_pair_on_fd_3)
{
	/* It checks what it read, and that /bin/true came last. */
	char *argv[] = { "/bin/sh", "-c",
		"tr '\\0' : <&3 | grep -q '^us er:p w:[0-9]*:$' && "
		"[ \"$1\" = /bin/true ] && exec \"$1\"",
		"sh", NULL };
	struct auth_cfg cfg = { .checkpassword = argv };
	char name[AUTH_USER_MAX + 1];

	ck_assert_int_eq(
	    check(&cfg, 10, "us er", "p w", name, sizeof(name)), AUTH_OK);
	ck_assert_int_eq(
	    check(&cfg, 10, "us er", "p x", name, sizeof(name)), AUTH_REFUSED);
}
END_TEST

/*
 * The fake Dovecot: a child that listens on sock, takes one connection,
 * reads the client's handshake, sends its own (with the MECH lines
 * given), then reads one AUTH line and answers it as told: "%u" in the
 * answer is the request's id.  It records the AUTH line in got.
 */
static char sock[108], got[4096];
static int got_pipe[2];

static pid_t
fake_dovecot(const char *mechs, const char *answer)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int l;
	pid_t pid;

	(void)snprintf(
	    sock, sizeof(sock), "/tmp/check-auth.%ld", (long)getpid());
	(void)unlink(sock);
	memcpy(sun.sun_path, sock, strlen(sock) + 1);
	ck_assert_int_ge(l = socket(AF_UNIX, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(pipe(got_pipe), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		char buf[4096] = "", out[512];
		size_t n = 0;
		ssize_t r;
		int c = accept(l, NULL, NULL);
		unsigned id = 0;
		char *auth;

		if (c < 0)
			_exit(1);
		(void)dprintf(c,
		    "VERSION\t1\t2\n%sSPID\t1\nCUID\t1\n"
		    "COOKIE\tabc\nDONE\n",
		    mechs);
		/* Read until the AUTH line is whole. */
		while ((auth = strstr(buf, "AUTH\t")) == NULL ||
		       strchr(auth, '\n') == NULL) {
			r = read(c, buf + n, sizeof(buf) - 1 - n);
			if (r <= 0)
				_exit(1);
			n += (size_t)r;
			buf[n] = '\0';
		}
		(void)write(got_pipe[1], auth, strcspn(auth, "\n"));
		(void)sscanf(auth, "AUTH\t%u", &id);
		if (answer == NULL)
			_exit(0); /* hang up */
		if (strcmp(answer, "sleep") == 0) {
			(void)sleep(30);
			_exit(0);
		}
		/* The answer with its "%u" as the id. */
		(void)snprintf(out, sizeof(out), "%.*s%u%s",
		    (int)(strstr(answer, "%u") - answer), answer, id,
		    strstr(answer, "%u") + 2);
		(void)write(c, out, strlen(out));
		(void)sleep(1);
		_exit(0);
	}
	(void)close(l);
	(void)close(got_pipe[1]);
	return pid;
}

static void
fake_done(pid_t pid)
{
	ssize_t n = read(got_pipe[0], got, sizeof(got) - 1);

	got[n > 0 ? n : 0] = '\0';
	(void)close(got_pipe[0]);
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
	(void)unlink(sock);
}

START_TEST(test_dovecot_ok_gives_its_user_name)
{
	struct auth_cfg cfg = { .dovecot = sock };
	char name[AUTH_USER_MAX + 1];
	pid_t pid = fake_dovecot("MECH\tPLAIN\tplaintext\nMECH\tLOGIN\t"
	                         "plaintext\n",
	    "OK\t%u\tuser=alice@example.org\n");

	ck_assert_int_eq(
	    check(&cfg, 5, "alice", "wonderland", name, sizeof(name)), AUTH_OK);
	ck_assert_str_eq(name, "alice@example.org");
	fake_done(pid);
	ck_assert_str_eq(got, "AUTH\t1\tPLAIN\tservice=smtp\tnologin\t"
	                      "lip=192.0.2.25\trip=192.0.2.1\tsecured\t"
	                      "resp=AGFsaWNlAHdvbmRlcmxhbmQ=");
}
END_TEST

START_TEST(test_dovecot_fail_is_refused_and_temp_is_tempfail)
{
	struct auth_cfg cfg = { .dovecot = sock };
	char name[AUTH_USER_MAX + 1];
	pid_t pid =
	    fake_dovecot("MECH\tPLAIN\tplaintext\n", "FAIL\t%u\tuser=alice\n");

	ck_assert_int_eq(
	    check(&cfg, 5, "alice", "x", name, sizeof(name)), AUTH_REFUSED);
	fake_done(pid);
	pid = fake_dovecot(
	    "MECH\tPLAIN\tplaintext\n", "FAIL\t%u\tcode=temp_fail\n");
	ck_assert_int_eq(
	    check(&cfg, 5, "alice", "x", name, sizeof(name)), AUTH_TEMPFAIL);
	fake_done(pid);
	pid = fake_dovecot("MECH\tPLAIN\tplaintext\n", "FAIL\t%u\ttemp\n");
	ck_assert_int_eq(
	    check(&cfg, 5, "alice", "x", name, sizeof(name)), AUTH_TEMPFAIL);
	fake_done(pid);
}
END_TEST

START_TEST(test_dovecot_gone_or_silent_is_tempfail)
{
	struct auth_cfg cfg = { .dovecot = sock };
	char name[AUTH_USER_MAX + 1];
	time_t t0;
	pid_t pid = fake_dovecot("MECH\tPLAIN\tplaintext\n", NULL);

	ck_assert_int_eq(
	    check(&cfg, 5, "alice", "wonderland", name, sizeof(name)),
	    AUTH_TEMPFAIL);
	fake_done(pid);
	pid = fake_dovecot("MECH\tPLAIN\tplaintext\n", "sleep");
	t0 = time(NULL);
	ck_assert_int_eq(
	    check(&cfg, 1, "alice", "wonderland", name, sizeof(name)),
	    AUTH_TEMPFAIL);
	ck_assert_int_le(time(NULL) - t0, 3);
	fake_done(pid);
	/* No socket at all. */
	ck_assert_int_eq(
	    check(&cfg, 1, "alice", "wonderland", name, sizeof(name)),
	    AUTH_TEMPFAIL);
}
END_TEST

START_TEST(test_dovecot_mechs_are_its_plaintext_ones)
{
	struct auth_cfg cfg = { .dovecot = sock };
	struct auth a;
	pid_t pid = fake_dovecot("MECH\tPLAIN\tplaintext\nMECH\tCRAM-MD5\t"
	                         "dictionary\nMECH\tLOGIN\tprivate\n",
	    NULL);

	auth_init(&a, &cfg, 5);
	ck_assert_uint_eq(auth_mechs(&a), AUTH_PLAIN);
	auth_end(&a);
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
	(void)unlink(sock);
	/* Unreachable: both, so that AUTH can say 454. */
	auth_init(&a, &cfg, 5);
	ck_assert_uint_eq(auth_mechs(&a), AUTH_PLAIN | AUTH_LOGIN);
	auth_end(&a);
}
END_TEST

Suite *
auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc;

	tc = tcase_create("decoders");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_b64_round_trip);
	tcase_add_test(tc, test_b64_refuses_what_is_not_base64);
	tcase_add_test(tc, test_xtext_decodes_hex_and_refuses_the_rest);
	tcase_add_test(tc, test_plain_split_takes_three_fields);
	suite_add_tcase(s, tc);

	tc = tcase_create("checkpassword");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_checkpassword_exit_status_is_the_verdict);
	tcase_add_test(tc, test_checkpassword_past_its_time_is_tempfail);
	tcase_add_test(tc, test_checkpassword_missing_is_tempfail);
	tcase_add_test(tc, test_checkpassword_gets_the_pair_on_fd_3);
	suite_add_tcase(s, tc);

	tc = tcase_create("dovecot");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_dovecot_ok_gives_its_user_name);
	tcase_add_test(tc, test_dovecot_fail_is_refused_and_temp_is_tempfail);
	tcase_add_test(tc, test_dovecot_gone_or_silent_is_tempfail);
	tcase_add_test(tc, test_dovecot_mechs_are_its_plaintext_ones);
	suite_add_tcase(s, tc);
	return s;
}
