/* SPDX-License-Identifier: ISC */
/*
 * store.c - the hand-off to the delivery command.
 *
 * The message is written, as it arrives, to a temporary file that has no
 * name (O_TMPFILE, or unlinked at once), so nothing is left behind
 * whatever happens to smtpd.  Only after the final dot is the delivery
 * command started, with that file as its standard input from its first
 * byte: it sees the whole message or nothing.  Its exit status decides the
 * reply, and only an exit status of 0 gives R_QUEUED.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "store.h"

extern char **environ;

/*
 * store_space - octets that can still be stored in tmpdir, or UINT64_MAX
 * if that cannot be told.
 */
uint64_t
store_space(const char *tmpdir)
{
	struct statvfs sv;

	if (statvfs(tmpdir, &sv) < 0)
		return UINT64_MAX;
	return (uint64_t)sv.f_bavail * sv.f_frsize;
}

int
store_open(struct store *st, const char *tmpdir)
{
	st->error = 0;
#ifdef O_TMPFILE
	st->fd = open(tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (st->fd >= 0)
		return 0;
#endif
	{
		char path[4096];

		if (reply_fmt(path, sizeof(path), "%s/smtpd.XXXXXX", tmpdir) <
		    0) {
			errno = ENAMETOOLONG;
			return -1;
		}
		st->fd = mkostemp(path, O_CLOEXEC);
		if (st->fd < 0)
			return -1;
		(void)unlink(path);
	}
	return 0;
}

/* store_write - append; the first failure is kept and later ones skipped. */
void
store_write(struct store *st, const char *p, size_t len)
{
	while (len > 0 && st->error == 0) {
		ssize_t n = write(st->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			st->error = n < 0 ? errno : ENOSPC;
			return;
		}
		p += n;
		len -= (size_t)n;
	}
}

/*
 * store_received - the trace header of RFC 5321 4.4, first in the file:
 * from the HELO name and the peer, by us, with the protocol, for the
 * recipient when there is only one, and the date (in UTC: no time zone
 * file is read per connection).
 */
void
store_received(struct store *st, const struct envelope *env)
{
	/* Room for the longest HELO, host, hostname and path: never cut. */
	char hdr[2400], tcp[900], addr[64], host[256], date[64];
	struct tm tm;
	time_t now = time(NULL);

	tcp[0] = '\0';
	if (env->peer_addr != NULL) {
		/* TCP-info is an address literal (RFC 5321 4.1.3). */
		const char *tag = strchr(env->peer_addr, ':') ? "IPv6:" : "";

		(void)reply_clean(addr, sizeof(addr), env->peer_addr,
		    strlen(env->peer_addr));
		if (env->peer_host != NULL) {
			(void)reply_clean(host, sizeof(host), env->peer_host,
			    strlen(env->peer_host));
			(void)reply_fmt(tcp, sizeof(tcp), " (%s [%s%s])", host,
			    tag, addr);
		} else {
			(void)reply_fmt(tcp, sizeof(tcp), " ([%s%s])", tag, addr);
		}
	}
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm) ==
		0)
		date[0] = '\0';
	/* Under TLS, its protocol and cipher as Postfix writes them. */
	if (env->tls != NULL) {
		size_t n = strlen(tcp);

		(void)reply_fmt(tcp + n, sizeof(tcp) - n, "\n\t%s", env->tls);
	}
	/*
	 * The user only with --auth-header, as Postfix's
	 * smtpd_sasl_authenticated_header: who sent it is the sender's
	 * business.  The protocol (ESMTPSA) says that someone did.
	 */
	if (env->auth_user != NULL && env->auth_header) {
		char user[AUTH_USER_MAX + 1];
		size_t n = strlen(tcp);

		(void)reply_clean(user, sizeof(user), env->auth_user,
		    strlen(env->auth_user));
		(void)reply_fmt(tcp + n, sizeof(tcp) - n,
		    "\n\t(Authenticated sender: %s)", user);
	}
	if (env->nrcpts == 1)
		/* <Postmaster> has no domain, a Path in a header needs one. */
		(void)reply_fmt(hdr, sizeof(hdr),
		    "Received: from %s%s\n\tby %s (smtpd) with %s\n"
		    "\tfor <%s%s%s>; %s\n",
		    env->helo, tcp, env->hostname, env->proto, env->rcpts,
		    strchr(env->rcpts, '@') ? "" : "@",
		    strchr(env->rcpts, '@') ? "" : env->hostname, date);
	else
		(void)reply_fmt(hdr, sizeof(hdr),
		    "Received: from %s%s\n\tby %s (smtpd) with %s;\n\t%s\n",
		    env->helo, tcp, env->hostname, env->proto, date);
	store_write(st, hdr, strlen(hdr));
}

void
store_abort(struct store *st)
{
	if (st->fd >= 0)
		(void)close(st->fd);
	st->fd = -1;
}

/* expand - one argument with %F as the sender and %% as %; malloc'd. */
static char *
expand(const char *arg, const char *sender)
{
	size_t n = 0, slen = strlen(sender);
	const char *p;
	char *r, *q;

	for (p = arg; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 'F') {
			n += slen;
			p++;
		} else {
			n++;
			p += p[0] == '%' && p[1] == '%';
		}
	}
	if ((r = malloc(n + 1)) == NULL)
		return NULL;
	for (p = arg, q = r; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 'F') {
			memcpy(q, sender, slen);
			q += slen;
			p++;
		} else {
			*q++ = *p;
			p += p[0] == '%' && p[1] == '%';
		}
	}
	*q = '\0';
	return r;
}

/* env_var - "name=value" in a new allocation. */
static char *
env_var(const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 2;
	char *r = malloc(n);

	if (r != NULL && reply_fmt(r, n, "%s=%s", name, value) < 0) {
		free(r);
		r = NULL;
	}
	return r;
}

static const char *const our_vars[] = {
	"SMTP_SENDER=",
	"SMTP_RECIPIENTS=",
	"SMTP_HELO=",
	"SMTP_MODE=",
	"SMTP_REMOTE_ADDR=",
	"SMTP_TLS_VERSION=",
	"SMTP_TLS_CIPHER=",
	"SMTP_AUTH_USER=",
	"SMTP_AUTH_SENDER=",
};
#define NOUR_VARS (sizeof(our_vars) / sizeof(our_vars[0]))

/* The delivery command's argv and environment, and what to free. */
struct job {
	char **argv;
	char **envp;
	size_t nargs;	/* malloc'd strings at the start of argv */
	size_t nenv;	/* malloc'd strings at the end of envp */
	size_t envfirst;
};

static void
job_free(struct job *j)
{
	size_t i;

	if (j->argv != NULL)
		for (i = 0; i < j->nargs; i++)
			free(j->argv[i]);
	if (j->envp != NULL)
		for (i = 0; i < j->nenv; i++)
			free(j->envp[j->envfirst + i]);
	free(j->argv);
	free(j->envp);
}

static int
inherited(const char *var)
{
	size_t i;

	for (i = 0; i < NOUR_VARS; i++)
		if (strncmp(var, our_vars[i], strlen(our_vars[i])) == 0)
			return 0;
	return 1;
}

/* job_make - argv from the template and the recipients; the environment. */
static int
job_make(struct job *j, const struct envelope *env, char *const *command)
{
	size_t ncmd = 0, nenviron = 0, i, k;
	char *r, *list, *q;

	memset(j, 0, sizeof(*j));
	while (command[ncmd] != NULL)
		ncmd++;
	while (environ[nenviron] != NULL)
		nenviron++;
	j->argv = calloc(ncmd + env->nrcpts + 1, sizeof(char *));
	j->envp = calloc(nenviron + NOUR_VARS + 1, sizeof(char *));
	if (j->argv == NULL || j->envp == NULL)
		return -1;
	for (i = 0; i < ncmd; i++) {
		if ((j->argv[i] = expand(command[i], env->sender)) == NULL)
			return -1;
		j->nargs++;
	}
	/* The recipients point into the envelope: not ours to free. */
	for (k = 0, r = env->rcpts; k < env->nrcpts; k++, r += strlen(r) + 1)
		j->argv[i++] = r;

	for (i = 0, k = 0; i < nenviron; i++)
		if (inherited(environ[i]))
			j->envp[k++] = environ[i];
	j->envfirst = k;
	if ((list = malloc(env->nrcpts > 0 ? (size_t)(r - env->rcpts) : 1)) ==
	    NULL)
		return -1;
	for (k = 0, r = env->rcpts, q = list; k < env->nrcpts; k++) {
		size_t n = strlen(r);

		memcpy(q, r, n);
		q[n] = k + 1 < env->nrcpts ? '\n' : '\0';
		q += n + 1;
		r += n + 1;
	}
	if (env->nrcpts == 0)
		list[0] = '\0';
	j->envp[j->envfirst + j->nenv++] = env_var("SMTP_SENDER", env->sender);
	j->envp[j->envfirst + j->nenv++] = env_var("SMTP_RECIPIENTS", list);
	j->envp[j->envfirst + j->nenv++] = env_var("SMTP_HELO", env->helo);
	j->envp[j->envfirst + j->nenv++] = env_var("SMTP_MODE", env->mode);
	if (env->peer_addr != NULL)
		j->envp[j->envfirst + j->nenv++] =
		    env_var("SMTP_REMOTE_ADDR", env->peer_addr);
	if (env->tls_version != NULL) {
		j->envp[j->envfirst + j->nenv++] =
		    env_var("SMTP_TLS_VERSION", env->tls_version);
		j->envp[j->envfirst + j->nenv++] =
		    env_var("SMTP_TLS_CIPHER", env->tls_cipher);
	}
	if (env->auth_user != NULL)
		j->envp[j->envfirst + j->nenv++] =
		    env_var("SMTP_AUTH_USER", env->auth_user);
	if (env->auth_sender != NULL)
		j->envp[j->envfirst + j->nenv++] =
		    env_var("SMTP_AUTH_SENDER", env->auth_sender);
	free(list);
	for (i = 0; i < j->nenv; i++)
		if (j->envp[j->envfirst + i] == NULL)
			return -1;
	return 0;
}

/*
 * collect - keep the first line the command writes to this pipe, drop
 * the rest; returns 0 at end of file or when nothing more is ready.
 */
static int
collect(int fd, char *first, size_t size, size_t *len)
{
	char buf[4096];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 && errno == EAGAIN ? 1 : 0;
		if (*len < size - 1) {
			size_t take = (size_t)n;
			char *nl;

			if (take > size - 1 - *len)
				take = size - 1 - *len;
			memcpy(first + *len, buf, take);
			if ((nl = memchr(first + *len, '\n', take)) != NULL)
				take = (size_t)(nl - (first + *len));
			*len += take;
			if (nl != NULL && *len > 0 && first[*len - 1] == '\r')
				(*len)--;
			first[*len] = '\0';
			if (nl != NULL)
				*len = size - 1; /* the first line is complete */
		}
	}
}

/*
 * The exit statuses of <sysexits.h>, as sendmail and Postfix's pipe(8)
 * read them, with one difference: what points at our own configuration
 * or software (64, 70, 72, 78) is temporary, so that a mistake of ours
 * is fixed and retried rather than bounced.  A status not listed here,
 * and death by a signal, are temporary too.
 */
/* clang-format off */
static const struct {
	int status;
	enum reply_id id;
} exits[] = {
	{ 0,  R_QUEUED },
	{ 64, R_DELIVERY_CONFIG },	/* EX_USAGE: our command line */
	{ 65, R_REFUSED_DATA },		/* EX_DATAERR */
	{ 66, R_DELIVERY_TEMPFAIL },	/* EX_NOINPUT */
	{ 67, R_NO_SUCH_USER },		/* EX_NOUSER */
	{ 68, R_NO_SUCH_HOST },		/* EX_NOHOST */
	{ 69, R_DELIVERY_REFUSED },	/* EX_UNAVAILABLE */
	{ 70, R_DELIVERY_TEMPFAIL },	/* EX_SOFTWARE */
	{ 71, R_DELIVERY_TEMPFAIL },	/* EX_OSERR */
	{ 72, R_DELIVERY_CONFIG },	/* EX_OSFILE */
	{ 73, R_DELIVERY_TEMPFAIL },	/* EX_CANTCREAT */
	{ 74, R_DELIVERY_TEMPFAIL },	/* EX_IOERR */
	{ 75, R_DELIVERY_TEMPFAIL },	/* EX_TEMPFAIL */
	{ 76, R_REFUSED_PROTOCOL },	/* EX_PROTOCOL */
	{ 77, R_REFUSED_PERM },		/* EX_NOPERM */
	{ 78, R_DELIVERY_CONFIG },	/* EX_CONFIG */
};
/* clang-format on */

static enum reply_id
status_reply(int status, int timed_out)
{
	size_t i;

	if (timed_out)
		return R_DELIVERY_TIMEOUT;
	if (!WIFEXITED(status))
		return R_DELIVERY_CRASHED;
	for (i = 0; i < sizeof(exits) / sizeof(exits[0]); i++)
		if (exits[i].status == WEXITSTATUS(status))
			return exits[i].id;
	return R_DELIVERY_TEMPFAIL;
}

/*
 * words - put the command's words into v: its first stdout line when it
 * begins with a status of the reply's class (as pipe(8) honours them),
 * else, on an error, the reply's text with the first stderr line added,
 * so that the sender's bounce says why.
 */
static void
words(struct verdict *v, const char *out, const char *err)
{
	int code = reply_get(v->id)->code, n = reply_status_len(out);

	if (n > 0 && out[0] - '0' == code / 100 && out[n] == ' ' &&
	    out[n + 1] != '\0') {
		memcpy(v->status, out, (size_t)n);
		v->status[n] = '\0';
		(void)reply_fmt(v->text, sizeof(v->text), "%s", out + n + 1);
	} else if (code >= 400 && *err != '\0') {
		(void)reply_fmt(v->text, sizeof(v->text), "%s: %s",
		    reply_get(v->id)->text, err);
	}
}

static int
open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * wait_job - read the command's stdout and stderr until it exits or its
 * time is up, then reap it; keep the first line of each.  Returns its
 * wait status.  When the time is up and the command still runs, its
 * process group is killed and *timed_out set; a command that exited in
 * time is never called late, whatever order its pipes and its exit are
 * seen in.
 */
static int
wait_job(pid_t pid, int out_fd, int err_fd, int timeout, char *out,
    char *err, size_t size, int *timed_out)
{
	struct pollfd pfd[3];
	size_t olen = 0, elen = 0;
	int status = 0, pidfd = open_pidfd(pid), open_pipes = 2, reaped = 0;
	int64_t deadline = conn_now_ms() + (int64_t)timeout * 1000;

	pfd[0] = (struct pollfd){ .fd = out_fd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = err_fd, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	for (;;) {
		int64_t left = deadline - conn_now_ms();
		int r;

		/* XXX: without pidfd_open (Linux < 5.3) a command that
		 * closed its pipes is waited for without a time limit. */
		if (open_pipes == 0 && pidfd < 0)
			break;
		if (left <= 0) {
			if (waitpid(pid, &status, WNOHANG) == pid) {
				reaped = 1; /* it had exited: not late */
				break;
			}
			(void)kill(-pid, SIGKILL);
			*timed_out = 1;
			log_event(LOG_WARNING,
			    "event=delivery_timeout pid=%d seconds=%d",
			    (int)pid, timeout);
			break;
		}
		r = poll(pfd, 3, (int)(left > 60000 ? 60000 : left));
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		if (pfd[0].revents != 0 &&
		    collect(out_fd, out, size, &olen) == 0) {
			pfd[0].fd = -1;
			open_pipes--;
		}
		if (pfd[1].revents != 0 &&
		    collect(err_fd, err, size, &elen) == 0) {
			pfd[1].fd = -1;
			open_pipes--;
		}
		/* Exited: what it wrote is in the pipes already. */
		if (pfd[2].revents != 0) {
			if (pfd[0].fd >= 0)
				(void)collect(out_fd, out, size, &olen);
			if (pfd[1].fd >= 0)
				(void)collect(err_fd, err, size, &elen);
			break;
		}
	}
	if (pidfd >= 0)
		(void)close(pidfd);
	while (!reaped && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/*
 * store_close - deliver the stored message: run the command with it as
 * stdin, and say in v what came of it.  The file is closed in every case.
 */
void
store_close(struct store *st, const struct envelope *env,
    char *const *command, int timeout, struct verdict *v)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	struct job job;
	int out[2] = { -1, -1 }, err[2] = { -1, -1 };
	char out_line[DELIVERY_TEXT_MAX + 1] = "";
	char err_line[DELIVERY_TEXT_MAX + 1] = "";
	pid_t pid;
	int status, e, timed_out = 0;

	memset(&job, 0, sizeof(job));
	v->id = R_DELIVERY_NOT_STARTED;
	v->status[0] = v->text[0] = '\0';
	if (st->error != 0) {
		log_event(LOG_ERR, "event=store_failed error=%s",
		    strerror(st->error));
		store_abort(st);
		v->id = R_STORAGE;
		return;
	}
	if (lseek(st->fd, 0, SEEK_SET) < 0 || job_make(&job, env, command) < 0 ||
	    pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		log_event(LOG_ERR, "event=delivery_setup error=%s",
		    strerror(errno));
		goto done;
	}
	(void)fcntl(out[0], F_SETFL, O_NONBLOCK);
	(void)fcntl(err[0], F_SETFL, O_NONBLOCK);

	/*
	 * The command gets the message as stdin, our pipes as stdout and
	 * stderr, and nothing else: not the connection, not our log.  It
	 * runs in its own process group, so a timeout can stop all of it,
	 * with no signal blocked and SIGPIPE and SIGXFSZ at their defaults.
	 */
	(void)posix_spawn_file_actions_init(&fa);
	(void)posix_spawn_file_actions_adddup2(&fa, st->fd, 0);
	(void)posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	(void)posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	(void)posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	(void)posix_spawnattr_init(&attr);
	(void)sigemptyset(&none);
	(void)sigemptyset(&dfl);
	(void)sigaddset(&dfl, SIGPIPE);
	(void)sigaddset(&dfl, SIGXFSZ);
	(void)posix_spawnattr_setsigmask(&attr, &none);
	(void)posix_spawnattr_setsigdefault(&attr, &dfl);
	(void)posix_spawnattr_setpgroup(&attr, 0);
	(void)posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
		POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	e = (strchr(job.argv[0], '/') != NULL ? posix_spawn : posix_spawnp)(
	    &pid, job.argv[0], &fa, &attr, job.argv, job.envp);
	(void)posix_spawn_file_actions_destroy(&fa);
	(void)posix_spawnattr_destroy(&attr);
	(void)close(out[1]);
	(void)close(err[1]);
	out[1] = err[1] = -1;
	if (e != 0) {
		log_event(LOG_ERR, "event=delivery_spawn command=%s error=%s",
		    job.argv[0], strerror(e));
		goto done;
	}
	status = wait_job(pid, out[0], err[0], timeout, out_line, err_line,
	    sizeof(err_line), &timed_out);
	v->id = status_reply(status, timed_out);
	words(v, out_line, err_line);
	if (v->id != R_QUEUED && WIFEXITED(status))
		log_event(LOG_WARNING, "event=delivery_failed exit=%d stderr=%s",
		    WEXITSTATUS(status), err_line);
	else if (v->id != R_QUEUED)
		log_event(LOG_WARNING,
		    "event=delivery_failed signal=%d stderr=%s",
		    WTERMSIG(status), err_line);
done:
	job_free(&job);
	for (e = 0; e < 2; e++) {
		if (out[e] >= 0)
			(void)close(out[e]);
		if (err[e] >= 0)
			(void)close(err[e]);
	}
	store_abort(st);
}

/*
 * store_turn - hand the connection itself to argv (TURN): the connection
 * becomes its stdin and stdout, SMTP_HELO names the client, and it runs
 * in our place, with no other descriptor and no signal blocked.  Returns
 * only on failure, -1 with errno set, with the connection still open
 * where it was and our signal dispositions back, so the caller can still
 * answer 421 (under systemd the connection is fd 3: closing it before
 * execv() left the client a 250 and then EOF).
 */
int
store_turn(char *const *argv, int in_fd, int out_fd, const char *helo)
{
	sigset_t none, old;
	int e;

	/*
	 * Descriptors from 3 up are closed by a successful exec, not
	 * before it (Linux 5.11 and later; an older kernel fails the TURN
	 * here, before anything changed).
	 */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0 ||
	    setenv("SMTP_HELO", helo, 1) < 0 ||
	    (in_fd != 0 && dup2(in_fd, 0) < 0) ||
	    (out_fd != 1 && dup2(out_fd, 1) < 0))
		return -1;
	(void)signal(SIGPIPE, SIG_DFL);
	(void)signal(SIGXFSZ, SIG_DFL);
	(void)sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, &old);
	if (strchr(argv[0], '/') != NULL)
		(void)execv(argv[0], argv);
	else
		(void)execvp(argv[0], argv);
	e = errno;
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)signal(SIGXFSZ, SIG_IGN);
	errno = e;
	return -1;
}
