/* SPDX-License-Identifier: ISC */
/*
 * check_store.c - the hand-off: the nameless temporary file, the delivery
 * command's stdin, argv, environment and descriptors, the map from its
 * exit to a reply, its time limit, and the Received header.
 *
 * The delivery commands are small sh scripts; one that must tell what it
 * saw writes it to the file named by $OUT, since smtpd reads and drops
 * the command's stdout.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "suites.h"

/* One directory per test case, made in the runner, removed after. */
static char base[256];
/* One directory per test, inside base: the test process's own. */
static char dir[300];
static char out_path[320];

static void
base_setup(void)
{
	const char *tmp = getenv("TMPDIR");

	ck_assert_int_gt(snprintf(base, sizeof(base), "%s/smtpd-unit.XXXXXX",
	                     tmp != NULL && *tmp != '\0' ? tmp : "/tmp"),
	    0);
	ck_assert_ptr_nonnull(mkdtemp(base));
}

static int
remove_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(path) < 0 ? -1 : 0;
}

static void
base_teardown(void)
{
	(void)nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
test_setup(void)
{
	ck_assert_int_gt(snprintf(dir, sizeof(dir), "%s/t.XXXXXX", base), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_gt(
	    snprintf(out_path, sizeof(out_path), "%s/out", dir), 0);
	ck_assert_int_eq(setenv("OUT", out_path, 1), 0);
}

static char one_rcpt[] = "rcpt@example.org";
static char two_rcpts[] = "a@example.org\0b@example.org";

/* envelope - a transaction with two recipients from 192.0.2.1. */
static struct envelope
envelope(void)
{
	struct envelope env = {
		.sender = "sender@example.org",
		.rcpts = two_rcpts,
		.nrcpts = 2,
		.mode = "MAIL",
		.proto = "ESMTP",
		.helo = "client.example",
		.hostname = "mx.example.org",
		.peer_addr = "192.0.2.1",
		.peer_host = NULL,
	};

	return env;
}

/* deliver_v - store msg and run command on it; the verdict in v. */
static void
deliver_v(const struct envelope *env, char *const *command, int timeout,
    const char *msg, size_t len, struct verdict *v)
{
	struct store st;

	ck_assert_int_eq(store_open(&st, dir), 0);
	store_write(&st, msg, len);
	store_close(&st, env, command, timeout, v);
	ck_assert_int_eq(st.fd, -1);
}

/* deliver - store msg and run command on it; the reply id. */
static enum reply_id
deliver(const struct envelope *env, char *const *command, int timeout,
    const char *msg, size_t len)
{
	struct verdict v;

	deliver_v(env, command, timeout, msg, len, &v);
	return v.id;
}

/* slurp - the whole file at path, terminated; returns its length. */
static size_t
slurp(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	while ((n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	ck_assert_int_eq(n, 0);
	buf[len] = '\0';
	(void)close(fd);
	return len;
}

/* entries - how many names dir holds besides "." and "..". */
static int
entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	(void)closedir(d);
	return n;
}

static double
now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The file.
 */

START_TEST(test_open_leaves_no_name_in_directory)
{
	struct store st;

	ck_assert_int_eq(store_open(&st, dir), 0);
	ck_assert_int_ge(st.fd, 0);
	ck_assert_int_eq(st.error, 0);
	store_write(&st, "hello\n", 6);
	ck_assert_int_eq(st.error, 0);
	ck_assert_int_eq(entries(dir), 0);
	store_abort(&st);
	ck_assert_int_eq(st.fd, -1);
	ck_assert_int_eq(entries(dir), 0);
}
END_TEST

START_TEST(test_open_in_missing_directory_fails)
{
	struct store st;
	char missing[400];

	ck_assert_int_gt(snprintf(missing, sizeof(missing), "%s/none", dir), 0);
	ck_assert_int_eq(store_open(&st, missing), -1);
}
END_TEST

START_TEST(test_command_reads_whole_message_from_first_byte)
{
	static const char msg[] = "Subject: hi\n\nline one\n\0binary\xff\n";
	char *const cmd[] = { "/bin/sh", "-c", "cat > \"$OUT\"", "sh", NULL };
	struct envelope env = envelope();
	struct store st;
	struct verdict v;
	char got[4096];
	size_t len;

	ck_assert_int_eq(store_open(&st, dir), 0);
	store_write(&st, msg, 13);
	store_write(&st, msg + 13, sizeof(msg) - 1 - 13);
	store_close(&st, &env, cmd, 10, &v);
	ck_assert_int_eq(v.id, R_QUEUED);
	ck_assert_int_eq(st.fd, -1);
	len = slurp(out_path, got, sizeof(got));
	ck_assert_uint_eq(len, sizeof(msg) - 1);
	ck_assert_int_eq(memcmp(got, msg, len), 0);
}
END_TEST

START_TEST(test_command_reads_received_header_first)
{
	static const char body[] = "Subject: hi\n\nbody\n";
	static const char head[] = "Received: from client.example "
	                           "([192.0.2.1])\n\tby mx.example.org "
	                           "(smtpd) with ESMTP\n\tfor "
	                           "<rcpt@example.org>; ";
	char *const cmd[] = { "/bin/sh", "-c", "cat > \"$OUT\"", "sh", NULL };
	struct envelope env = envelope();
	struct store st;
	struct verdict v;
	char got[4096], *nl;
	size_t len;

	env.rcpts = one_rcpt;
	env.nrcpts = 1;
	ck_assert_int_eq(store_open(&st, dir), 0);
	store_received(&st, &env);
	store_write(&st, body, sizeof(body) - 1);
	store_close(&st, &env, cmd, 10, &v);
	ck_assert_int_eq(v.id, R_QUEUED);
	len = slurp(out_path, got, sizeof(got));
	ck_assert_int_eq(strncmp(got, head, sizeof(head) - 1), 0);
	nl = strchr(got + sizeof(head) - 1, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_int_eq(strncmp(nl - 5, "+0000", 5), 0);
	ck_assert_uint_eq(len - (size_t)(nl + 1 - got), sizeof(body) - 1);
	ck_assert_str_eq(nl + 1, body);
}
END_TEST

/*
 * The command's exit.
 */

/* clang-format off */
static const struct {
	int code;
	enum reply_id want;
} exits[] = {
	{ 0, R_QUEUED },
	{ 64, R_DELIVERY_CONFIG },   /* EX_USAGE */
	{ 65, R_REFUSED_DATA },      /* EX_DATAERR */
	{ 66, R_DELIVERY_TEMPFAIL }, /* EX_NOINPUT */
	{ 67, R_NO_SUCH_USER },	     /* EX_NOUSER */
	{ 68, R_NO_SUCH_HOST },	     /* EX_NOHOST */
	{ 69, R_DELIVERY_REFUSED },  /* EX_UNAVAILABLE */
	{ 70, R_DELIVERY_TEMPFAIL }, /* EX_SOFTWARE */
	{ 71, R_DELIVERY_TEMPFAIL }, /* EX_OSERR */
	{ 72, R_DELIVERY_CONFIG },   /* EX_OSFILE */
	{ 73, R_DELIVERY_TEMPFAIL }, /* EX_CANTCREAT */
	{ 74, R_DELIVERY_TEMPFAIL }, /* EX_IOERR */
	{ 75, R_DELIVERY_TEMPFAIL }, /* EX_TEMPFAIL */
	{ 76, R_REFUSED_PROTOCOL },  /* EX_PROTOCOL */
	{ 77, R_REFUSED_PERM },	     /* EX_NOPERM */
	{ 78, R_DELIVERY_CONFIG },   /* EX_CONFIG */
	{ 1, R_DELIVERY_TEMPFAIL },
	{ 127, R_DELIVERY_TEMPFAIL },
};
/* clang-format on */
#define NEXITS (sizeof(exits) / sizeof(exits[0]))

START_TEST(test_exit_status_maps_to_reply)
{
	char script[64];
	char *const cmd[] = { "/bin/sh", "-c", script, "sh", NULL };
	struct envelope env = envelope();
	enum reply_id r;

	ck_assert_int_gt(snprintf(script, sizeof(script),
	                     "cat > /dev/null; exit %d", exits[_i].code),
	    0);
	r = deliver(&env, cmd, 10, "x\n", 2);
	ck_assert_msg(r == exits[_i].want, "exit %d: reply %d, want %d",
	    exits[_i].code, r, exits[_i].want);
}
END_TEST

/* clang-format off */
static const struct {
	char *script; /* stdout, stderr and exit of the command */
	enum reply_id want;
	const char *status, *text;
} said[] = {
	/* The command's own status and text, when the class agrees. */
	{ "echo '5.1.1 no such mailbox here'; exit 67", R_NO_SUCH_USER, "5.1.1", "no such mailbox here" },
	{ "printf '4.2.2 over quota\\r\\n'; exit 75", R_DELIVERY_TEMPFAIL, "4.2.2", "over quota" },
	{ "echo '2.0.0 queued as X1'; exit 0", R_QUEUED, "2.0.0", "queued as X1" },
	/* A class that disagrees is not honoured. */
	{ "echo '5.1.1 no'; exit 0", R_QUEUED, "", "" },
	{ "echo '5.1.1 no'; exit 75", R_DELIVERY_TEMPFAIL, "", "" },
	/* Not a status: the first stderr line joins an error's text. */
	{ "echo 'queued'; echo 'disk quota exceeded' >&2; echo more >&2; exit 75", R_DELIVERY_TEMPFAIL, "", "Local delivery failed for now; try again later: disk quota exceeded" },
	{ "echo '5.1.1' ; echo why >&2; exit 67", R_NO_SUCH_USER, "", "Mailbox unavailable: why" },
	{ "echo '5.1.1x bad'; exit 67", R_NO_SUCH_USER, "", "" },
	/* Never on a 250. */
	{ "echo 'all is well' >&2; exit 0", R_QUEUED, "", "" },
};
/* clang-format on */
#define NSAID (sizeof(said) / sizeof(said[0]))

START_TEST(test_command_words_used_only_when_they_fit)
{
	char *const cmd[] = { "/bin/sh", "-c", said[_i].script, "sh",
		NULL };
	struct envelope env = envelope();
	struct verdict v;

	deliver_v(&env, cmd, 10, "x\n", 2, &v);
	ck_assert_int_eq(v.id, said[_i].want);
	ck_assert_str_eq(v.status, said[_i].status);
	ck_assert_str_eq(v.text, said[_i].text);
}
END_TEST

START_TEST(test_killed_command_gets_tempfail)
{
	char *const cmd[] = { "/bin/sh", "-c", "kill -9 $$; exit 0", "sh",
		NULL };
	struct envelope env = envelope();

	ck_assert_int_eq(deliver(&env, cmd, 10, "x\n", 2), R_DELIVERY_CRASHED);
	ck_assert_int_eq(reply_get(R_DELIVERY_CRASHED)->code, 451);
}
END_TEST

START_TEST(test_missing_command_not_started)
{
	char *const path[] = { "/nonexistent/smtpd-deliver", NULL };
	char *const name[] = { "smtpd-unit-no-such-command", NULL };
	struct envelope env = envelope();

	ck_assert_int_eq(
	    deliver(&env, path, 10, "x\n", 2), R_DELIVERY_NOT_STARTED);
	ck_assert_int_eq(
	    deliver(&env, name, 10, "x\n", 2), R_DELIVERY_NOT_STARTED);
}
END_TEST

START_TEST(test_command_not_reading_stdin_is_queued)
{
	char *const cmd[] = { "/bin/true", NULL };
	struct envelope env = envelope();
	static char msg[256 * 1024];

	memset(msg, 'm', sizeof(msg));
	ck_assert_int_eq(deliver(&env, cmd, 10, msg, sizeof(msg)), R_QUEUED);
}
END_TEST

START_TEST(test_chatty_command_does_not_deadlock)
{
	char *const cmd[] = { "/bin/sh", "-c",
		"head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2; "
		"cat; cat >&2; exit 0",
		"sh", NULL };
	struct envelope env = envelope();
	static char msg[128 * 1024];

	memset(msg, 'm', sizeof(msg));
	ck_assert_int_eq(deliver(&env, cmd, 20, msg, sizeof(msg)), R_QUEUED);
}
END_TEST

/*
 * The command's time limit.
 */

START_TEST(test_slow_command_gets_tempfail_after_timeout)
{
	char *const cmd[] = { "/bin/sh", "-c", "sleep 30; exit 0", "sh", NULL };
	struct envelope env = envelope();
	double t0 = now();

	ck_assert_int_eq(deliver(&env, cmd, 1, "x\n", 2), R_DELIVERY_TIMEOUT);
	ck_assert_int_eq(reply_get(R_DELIVERY_TIMEOUT)->code, 451);
	ck_assert_msg(now() - t0 < 4, "took %.1f s", now() - t0);
}
END_TEST

/* gone - pid has exited (reaped, or a zombie nobody waited for yet). */
static int
gone(long pid)
{
	char path[64], stat[512];
	const char *p;
	ssize_t n;
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 1;
	n = read(fd, stat, sizeof(stat) - 1);
	(void)close(fd);
	if (n <= 0)
		return 1;
	stat[n] = '\0';
	p = strrchr(stat, ')');
	return p != NULL && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

START_TEST(test_timeout_kills_whole_process_group)
{
	char *const cmd[] = { "/bin/sh", "-c",
		"sleep 30 & echo $! > \"$OUT\"; wait; exit 0", "sh", NULL };
	struct envelope env = envelope();
	char pid[64];
	int i;

	ck_assert_int_eq(deliver(&env, cmd, 1, "x\n", 2), R_DELIVERY_TIMEOUT);
	ck_assert_uint_gt(slurp(out_path, pid, sizeof(pid)), 0);
	for (i = 0; i < 30 && !gone(atol(pid)); i++)
		(void)usleep(100000);
	ck_assert_msg(gone(atol(pid)), "sleep %ld still runs", atol(pid));
}
END_TEST

/*
 * The command's argv, environment and descriptors.
 */

START_TEST(test_argv_expands_sender_and_appends_recipients)
{
	char *const cmd[] = { "/bin/sh", "-c",
		"printf '%s\\n' \"$@\" > \"$OUT\"", "sh", "-f", "%F", "100%%",
		"%F%%F", "x%", "%%F", NULL };
	struct envelope env = envelope();
	char got[1024];

	ck_assert_int_eq(deliver(&env, cmd, 10, "x\n", 2), R_QUEUED);
	(void)slurp(out_path, got, sizeof(got));
	ck_assert_str_eq(got, "-f\n"
	                      "sender@example.org\n"
	                      "100%\n"
	                      "sender@example.org%F\n"
	                      "x%\n"
	                      "%F\n"
	                      "a@example.org\n"
	                      "b@example.org\n");
}
END_TEST

START_TEST(test_null_sender_expands_to_empty_argument)
{
	char *const cmd[] = { "/bin/sh", "-c",
		"printf '[%s]\\n' \"$@\" > \"$OUT\"", "sh", "%F", "-f%F",
		NULL };
	struct envelope env = envelope();
	char got[1024];

	env.sender = "";
	env.rcpts = one_rcpt;
	env.nrcpts = 1;
	ck_assert_int_eq(deliver(&env, cmd, 10, "x\n", 2), R_QUEUED);
	(void)slurp(out_path, got, sizeof(got));
	ck_assert_str_eq(got, "[]\n[-f]\n[rcpt@example.org]\n");
}
END_TEST

/* count_env - how many of the NUL-separated entries begin with prefix. */
static int
count_env(const char *env, size_t len, const char *prefix)
{
	const char *p;
	int n = 0;

	for (p = env; p < env + len; p += strlen(p) + 1)
		n += strncmp(p, prefix, strlen(prefix)) == 0;
	return n;
}

/* has_env - the entry var is in the NUL-separated env, exactly once. */
static void
expect_env(const char *env, size_t len, const char *var)
{
	const char *p, *eq = strchr(var, '=');
	char name[64];
	int found = 0;

	ck_assert_ptr_nonnull(eq);
	ck_assert_uint_lt((size_t)(eq - var) + 1, sizeof(name));
	memcpy(name, var, (size_t)(eq - var) + 1);
	name[eq - var + 1] = '\0';
	for (p = env; p < env + len; p += strlen(p) + 1)
		found += strcmp(p, var) == 0;
	ck_assert_msg(found == 1, "%s: found %d times", var, found);
	ck_assert_int_eq(count_env(env, len, name), 1);
}

/* The environment the shell itself was started with. */
#define DUMP_ENV "cat /proc/$$/environ > \"$OUT\"; exit 0"

START_TEST(test_environment_describes_envelope)
{
	char *const cmd[] = { "/bin/sh", "-c", DUMP_ENV, "sh", NULL };
	struct envelope env = envelope();
	char got[65536];
	size_t len;

	/* What the command is told overrides what it would inherit. */
	ck_assert_int_eq(setenv("SMTP_SENDER", "forged@evil.example", 1), 0);
	ck_assert_int_eq(setenv("SMTP_RECIPIENTS", "forged", 1), 0);
	ck_assert_int_eq(setenv("SMTPD_UNIT_KEPT", "yes", 1), 0);
	env.mode = "SAML";
	ck_assert_int_eq(deliver(&env, cmd, 10, "x\n", 2), R_QUEUED);
	len = slurp(out_path, got, sizeof(got));
	expect_env(got, len, "SMTP_SENDER=sender@example.org");
	expect_env(got, len, "SMTP_RECIPIENTS=a@example.org\nb@example.org");
	expect_env(got, len, "SMTP_HELO=client.example");
	expect_env(got, len, "SMTP_MODE=SAML");
	expect_env(got, len, "SMTP_REMOTE_ADDR=192.0.2.1");
	expect_env(got, len, "SMTPD_UNIT_KEPT=yes");
}
END_TEST

START_TEST(test_unknown_peer_leaves_remote_addr_unset)
{
	char *const cmd[] = { "/bin/sh", "-c", DUMP_ENV, "sh", NULL };
	struct envelope env = envelope();
	char got[65536];
	size_t len;

	ck_assert_int_eq(setenv("SMTP_REMOTE_ADDR", "203.0.113.9", 1), 0);
	env.peer_addr = NULL;
	env.sender = "";
	env.rcpts = one_rcpt;
	env.nrcpts = 1;
	ck_assert_int_eq(deliver(&env, cmd, 10, "x\n", 2), R_QUEUED);
	len = slurp(out_path, got, sizeof(got));
	ck_assert_int_eq(count_env(got, len, "SMTP_REMOTE_ADDR="), 0);
	expect_env(got, len, "SMTP_SENDER=");
	expect_env(got, len, "SMTP_RECIPIENTS=rcpt@example.org");
}
END_TEST

START_TEST(test_command_gets_only_stdin_stdout_stderr)
{
	char *const cmd[] = { "/bin/sh", "-c",
		"exec > \"$OUT\"; ls /proc/$$/fd; exit 0", "sh", NULL };
	struct envelope env = envelope();
	char got[1024];
	int leak;

	/* A descriptor the command would inherit if nothing closed it. */
	leak = open("/dev/null", O_RDONLY);
	ck_assert_int_ge(leak, 3);
	ck_assert_int_eq(deliver(&env, cmd, 10, "x\n", 2), R_QUEUED);
	(void)slurp(out_path, got, sizeof(got));
	ck_assert_str_eq(got, "0\n1\n2\n");
	(void)close(leak);
}
END_TEST

/*
 * The Received header.
 */

/* received - the header store_received() writes for env. */
static void
received(const struct envelope *env, char *buf, size_t size)
{
	struct store st;
	ssize_t n;

	ck_assert_int_eq(store_open(&st, dir), 0);
	store_received(&st, env);
	ck_assert_int_eq(st.error, 0);
	n = pread(st.fd, buf, size - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	store_abort(&st);
}

/* expect_date - s is an RFC 5322 date in UTC, now, then a line end. */
static void
expect_date(const char *s)
{
	struct tm tm;
	const char *end;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	ck_assert_msg(end != NULL, "date \"%s\"", s);
	ck_assert_str_eq(end, "\n");
	t = timegm(&tm);
	ck_assert_msg(t > time(NULL) - 60 && t <= time(NULL), "date \"%s\"", s);
}

START_TEST(test_received_names_the_one_recipient)
{
	static const char want[] = "Received: from client.example "
	                           "([192.0.2.1])\n"
	                           "\tby mx.example.org (smtpd) with ESMTP\n"
	                           "\tfor <rcpt@example.org>; ";
	struct envelope env = envelope();
	char got[2048];

	env.rcpts = one_rcpt;
	env.nrcpts = 1;
	received(&env, got, sizeof(got));
	ck_assert_int_eq(strncmp(got, want, sizeof(want) - 1), 0);
	expect_date(got + sizeof(want) - 1);
}
END_TEST

START_TEST(test_received_names_no_recipient_when_many)
{
	static const char want[] =
	    "Received: from client.example "
	    "([192.0.2.1])\n"
	    "\tby mx.example.org (smtpd) with ESMTP;\n\t";
	struct envelope env = envelope();
	char got[2048];

	received(&env, got, sizeof(got));
	ck_assert_ptr_null(strstr(got, "for <"));
	ck_assert_int_eq(strncmp(got, want, sizeof(want) - 1), 0);
	expect_date(got + sizeof(want) - 1);
}
END_TEST

START_TEST(test_received_shows_peer_host_and_cleans_it)
{
	static const char want[] =
	    "Received: from client.example "
	    "(host?.example [192.0.2.1])\n"
	    "\tby mx.example.org (smtpd) with UTF8SMTP;\n";
	struct envelope env = envelope();
	char got[2048];

	env.peer_host = "host\n.example";
	env.proto = "UTF8SMTP";
	received(&env, got, sizeof(got));
	ck_assert_int_eq(strncmp(got, want, sizeof(want) - 1), 0);
}
END_TEST

START_TEST(test_received_tags_ipv6_peer)
{
	static const char want[] = "Received: from client.example "
	                           "([IPv6:2001:db8::25])\n";
	struct envelope env = envelope();
	char got[2048];

	env.peer_addr = "2001:db8::25";
	received(&env, got, sizeof(got));
	ck_assert_int_eq(strncmp(got, want, sizeof(want) - 1), 0);
}
END_TEST

START_TEST(test_received_gives_postmaster_our_domain)
{
	static char postmaster[] = "Postmaster";
	struct envelope env = envelope();
	char got[2048];

	env.rcpts = postmaster;
	env.nrcpts = 1;
	received(&env, got, sizeof(got));
	ck_assert_ptr_nonnull(
	    strstr(got, "\tfor <Postmaster@mx.example.org>; "));
}
END_TEST

START_TEST(test_received_without_peer_has_no_address)
{
	static const char want[] = "Received: from client.example\n"
	                           "\tby mx.example.org (smtpd) with SMTP;\n";
	struct envelope env = envelope();
	char got[2048];

	env.peer_addr = NULL;
	env.proto = "SMTP";
	received(&env, got, sizeof(got));
	ck_assert_int_eq(strncmp(got, want, sizeof(want) - 1), 0);
}
END_TEST

Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc;

	tc = tcase_create("file");
	tcase_set_timeout(tc, 10);
	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, test_setup, NULL);
	tcase_add_test(tc, test_open_leaves_no_name_in_directory);
	tcase_add_test(tc, test_open_in_missing_directory_fails);
	tcase_add_test(tc, test_command_reads_whole_message_from_first_byte);
	tcase_add_test(tc, test_command_reads_received_header_first);
	suite_add_tcase(s, tc);

	tc = tcase_create("exit");
	tcase_set_timeout(tc, 10);
	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, test_setup, NULL);
	tcase_add_loop_test(tc, test_exit_status_maps_to_reply, 0, (int)NEXITS);
	tcase_add_loop_test(tc, test_command_words_used_only_when_they_fit, 0,
	    (int)NSAID);
	tcase_add_test(tc, test_killed_command_gets_tempfail);
	tcase_add_test(tc, test_missing_command_not_started);
	tcase_add_test(tc, test_command_not_reading_stdin_is_queued);
	tcase_add_test(tc, test_chatty_command_does_not_deadlock);
	suite_add_tcase(s, tc);

	tc = tcase_create("timeout");
	tcase_set_timeout(tc, 10);
	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, test_setup, NULL);
	tcase_add_test(tc, test_slow_command_gets_tempfail_after_timeout);
	tcase_add_test(tc, test_timeout_kills_whole_process_group);
	suite_add_tcase(s, tc);

	tc = tcase_create("command");
	tcase_set_timeout(tc, 10);
	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, test_setup, NULL);
	tcase_add_test(tc, test_argv_expands_sender_and_appends_recipients);
	tcase_add_test(tc, test_null_sender_expands_to_empty_argument);
	tcase_add_test(tc, test_environment_describes_envelope);
	tcase_add_test(tc, test_unknown_peer_leaves_remote_addr_unset);
	tcase_add_test(tc, test_command_gets_only_stdin_stdout_stderr);
	suite_add_tcase(s, tc);

	tc = tcase_create("received");
	tcase_set_timeout(tc, 5);
	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, test_setup, NULL);
	tcase_add_test(tc, test_received_names_the_one_recipient);
	tcase_add_test(tc, test_received_names_no_recipient_when_many);
	tcase_add_test(tc, test_received_shows_peer_host_and_cleans_it);
	tcase_add_test(tc, test_received_tags_ipv6_peer);
	tcase_add_test(tc, test_received_gives_postmaster_our_domain);
	tcase_add_test(tc, test_received_without_peer_has_no_address);
	suite_add_tcase(s, tc);
	return s;
}
