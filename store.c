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
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store.h"

extern char **environ;

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
	char hdr[2048], tcp[400], addr[64], host[256], date[64];
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
			first[*len] = '\0';
			if (nl != NULL)
				*len = size - 1; /* the first line is complete */
		}
	}
}

/*
 * status_reply - the reply for the command's end, following the sysexits
 * convention of sendmail and Postfix's pipe(8).  Permanent only when the
 * command said so; anything else, a signal included, is temporary.
 */
static enum reply_id
status_reply(int status)
{
	if (!WIFEXITED(status))
		return R_DELIVERY_TEMPFAIL;
	switch (WEXITSTATUS(status)) {
	case 0:
		return R_QUEUED;
	case 67: /* EX_NOUSER */
		return R_NO_SUCH_USER;
	case 68: /* EX_NOHOST */
		return R_NO_SUCH_HOST;
	case 65: /* EX_DATAERR */
	case 69: /* EX_UNAVAILABLE */
	case 76: /* EX_PROTOCOL */
	case 77: /* EX_NOPERM */
		return R_DELIVERY_REFUSED;
	default:
		return R_DELIVERY_TEMPFAIL;
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
 * time is up, then reap it.  Returns its wait status; on timeout the
 * command's process group is killed and the status says SIGKILL.
 */
static int
wait_job(pid_t pid, int out_fd, int err_fd, int timeout, char *text,
    size_t size)
{
	struct pollfd pfd[3];
	char junk[DELIVERY_TEXT_MAX + 1];
	size_t tlen = 0, jlen = 0;
	int status = 0, pidfd = open_pidfd(pid), open_pipes = 2;
	time_t deadline = time(NULL) + timeout;

	pfd[0] = (struct pollfd){ .fd = out_fd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = err_fd, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	for (;;) {
		time_t left = deadline - time(NULL);
		int r, exited = 0;

		/* XXX: without pidfd_open (Linux < 5.3) a command that
		 * closed its pipes is waited for without a time limit. */
		if (open_pipes == 0 && pidfd < 0)
			break;
		if (left <= 0) {
			(void)kill(-pid, SIGKILL);
			log_event(LOG_WARNING,
			    "event=delivery_timeout pid=%d seconds=%d",
			    (int)pid, timeout);
			break;
		}
		r = poll(pfd, 3, (int)(left > 60 ? 60000 : left * 1000));
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		if (pfd[2].revents != 0)
			exited = 1;
		if (pfd[0].revents != 0 &&
		    collect(out_fd, junk, sizeof(junk), &jlen) == 0) {
			pfd[0].fd = -1;
			open_pipes--;
		}
		if (pfd[1].revents != 0 &&
		    collect(err_fd, text, size, &tlen) == 0) {
			pfd[1].fd = -1;
			open_pipes--;
		}
		/* Exited: what it wrote is in the pipes already. */
		if (exited) {
			if (pfd[0].fd >= 0)
				(void)collect(out_fd, junk, sizeof(junk), &jlen);
			if (pfd[1].fd >= 0)
				(void)collect(err_fd, text, size, &tlen);
			break;
		}
	}
	if (pidfd >= 0)
		(void)close(pidfd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/*
 * store_close - deliver the stored message: run the command with it as
 * stdin, and say what came of it.  The file is closed in every case.
 */
enum reply_id
store_close(struct store *st, const struct envelope *env,
    char *const *command, int timeout)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	struct job job;
	int out[2] = { -1, -1 }, err[2] = { -1, -1 };
	char text[DELIVERY_TEXT_MAX + 1] = "";
	enum reply_id verdict = R_DELIVERY_NOT_STARTED;
	pid_t pid;
	int status, e;

	memset(&job, 0, sizeof(job));
	if (st->error != 0) {
		log_event(LOG_ERR, "event=store_failed error=%s",
		    strerror(st->error));
		store_abort(st);
		return R_STORAGE;
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
	status = wait_job(pid, out[0], err[0], timeout, text, sizeof(text));
	verdict = status_reply(status);
	if (verdict != R_QUEUED && WIFEXITED(status))
		log_event(LOG_WARNING,
		    "event=delivery_failed exit=%d stderr=%s",
		    WEXITSTATUS(status), text);
	else if (verdict != R_QUEUED)
		log_event(LOG_WARNING,
		    "event=delivery_failed signal=%d stderr=%s",
		    WTERMSIG(status), text);
done:
	job_free(&job);
	for (e = 0; e < 2; e++) {
		if (out[e] >= 0)
			(void)close(out[e]);
		if (err[e] >= 0)
			(void)close(err[e]);
	}
	store_abort(st);
	return verdict;
}
