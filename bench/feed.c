/* SPDX-License-Identifier: ISC */
/*
 * feed.c - play one recorded client session against one handler over a
 * real TCP connection on 127.0.0.1, the way a launcher would hand it over,
 * and say how long the handler took and how much memory it used.
 *
 *   feed [-3] [-n] [-u user] FILE -- command [argument ...]
 *
 * The handler gets the connection as descriptors 0 and 1 with tcpserver's
 * variables (TCPREMOTEIP, ...), or with -3 as descriptor 3 with systemd's
 * (LISTEN_FDS=1, LISTEN_PID, REMOTE_ADDR) and /dev/null on 0 and 1.  With
 * -n the handler's output goes to /dev/null and FILE is just sent (for
 * cat, the floor).  With -u the handler runs as that user, as a launcher's
 * -u or User= would run it.
 *
 * The client pipelines as RFC 2920 allows: it waits for a reply only
 * after EHLO, DATA and QUIT, so a group is MAIL, the RCPTs and DATA, and
 * the message with its final dot opens the next group.  Every reply is
 * counted; the session fails unless every reply is 2xx or 3xx, so a
 * handler that refused mail cannot look fast.
 *
 * Prints one line: wall seconds from fork to the handler's exit, its peak
 * resident set (the largest process of its tree, as wait4(2) reports it,
 * the figure /usr/bin/time -v prints), its exit status, and the number of
 * messages accepted with 250.  Exits 0 only if all went well.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS 120000

/* A group of bytes sent before waiting for `replies` final replies. */
struct chunk {
	size_t off, len;
	unsigned replies;
	int verdict; /* its first reply judges a message */
};

static struct chunk *chunks;
static size_t nchunks;

static unsigned complaints;

/* complain - say what went wrong, the first few times only. */
static void
complain(const char *what, const char *line)
{
	if (++complaints <= 5)
		fprintf(stderr, "feed: %s%s", what, line);
}

static void
die(const char *what)
{
	fprintf(stderr, "feed: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
add_chunk(size_t off, size_t len, unsigned replies, int verdict)
{
	chunks = realloc(chunks, (nchunks + 1) * sizeof(*chunks));
	if (chunks == NULL)
		die("realloc");
	chunks[nchunks++] = (struct chunk){ off, len, replies, verdict };
}

/* split - cut the session into the chunks a pipelining client sends. */
static void
split(const char *p, size_t size)
{
	size_t off = 0, start = 0;
	unsigned cmds = 0;
	int in_data = 0, verdict = 0;

	add_chunk(0, 0, 1, 0); /* the greeting */
	while (off < size) {
		const char *nl = memchr(p + off, '\n', size - off);
		size_t end = nl ? (size_t)(nl - p) + 1 : size;
		size_t len = end - off;

		if (in_data) {
			if (len == 3 && memcmp(p + off, ".\r\n", 3) == 0) {
				in_data = 0;
				verdict = 1;
				cmds = 1;
			}
		} else {
			cmds++;
			if (len >= 4 && (strncasecmp(p + off, "EHLO", 4) == 0 ||
			    strncasecmp(p + off, "HELO", 4) == 0 ||
			    strncasecmp(p + off, "QUIT", 4) == 0 ||
			    strncasecmp(p + off, "DATA", 4) == 0)) {
				add_chunk(start, end - start, cmds, verdict);
				in_data = strncasecmp(p + off, "DATA", 4) == 0;
				start = end;
				cmds = 0;
				verdict = 0;
			}
		}
		off = end;
	}
	if (start < size || cmds > 0)
		add_chunk(start, size - start, cmds, verdict);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
setenv_num(const char *name, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", v);
	setenv(name, buf, 1);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	const char *user = NULL;
	int fd3 = 0, raw = 0, c, lfd, cfd, sfd, fd, status, bad = 0;
	unsigned accepted = 0, refused = 0;
	struct rusage ru;
	struct stat stb;
	const char *p;
	double t0, t1;
	pid_t pid;

	while ((c = getopt(argc, argv, "+3nu:")) != -1) {
		if (c == '3')
			fd3 = 1;
		else if (c == 'n')
			raw = 1;
		else if (c == 'u')
			user = optarg;
		else
			return 2;
	}
	if (argc - optind < 3 || strcmp(argv[optind + 1], "--") != 0) {
		fputs("usage: feed [-3] [-n] [-u user] FILE -- command "
		      "[argument ...]\n",
		    stderr);
		return 2;
	}
	if ((fd = open(argv[optind], O_RDONLY)) < 0 || fstat(fd, &stb) < 0)
		die(argv[optind]);
	p = mmap(NULL, (size_t)stb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	close(fd);
	if (raw)
		add_chunk(0, (size_t)stb.st_size, 0, 0);
	else
		split(p, (size_t)stb.st_size);

	/* A real TCP connection on 127.0.0.1, as tcpserver or systemd would
	 * hand over. */
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) < 0)
		die("listen");
	if ((cfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(cfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    (sfd = accept(lfd, NULL, NULL)) < 0)
		die("connect");
	close(lfd);
	signal(SIGPIPE, SIG_IGN);

	t0 = now();
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		long port = ntohs(sin.sin_port);

		signal(SIGPIPE, SIG_DFL);
		if (fd3) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(sfd, 3);
			setenv("LISTEN_FDS", "1", 1);
			setenv_num("LISTEN_PID", (long)getpid());
			setenv("REMOTE_ADDR", "127.0.0.1", 1);
			setenv_num("REMOTE_PORT", port);
		} else {
			dup2(sfd, 0);
			dup2(raw ? null : sfd, 1);
			setenv("PROTO", "TCP", 1);
			setenv("TCPLOCALIP", "127.0.0.1", 1);
			setenv_num("TCPLOCALPORT", port);
			setenv("TCPLOCALHOST", "localhost", 1);
			setenv("TCPREMOTEIP", "127.0.0.1", 1);
			setenv_num("TCPREMOTEPORT", port);
		}
		for (fd = fd3 ? 4 : 3; fd < 64; fd++)
			close(fd);
		if (user != NULL) {
			struct passwd *pw = getpwnam(user);

			if (pw == NULL || setgroups(0, NULL) < 0 ||
			    setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
				_exit(126);
		}
		execvp(argv[optind + 2], argv + optind + 2);
		_exit(127);
	}
	close(sfd);
	fcntl(cfd, F_SETFL, O_NONBLOCK);

	{
		char in[8192], line[1024];
		size_t g = 0, sent = 0, llen = 0;
		unsigned got = 0, verdict_pending = 0;
		int eof = 0;

		while (!eof) {
			struct pollfd pfd = { .fd = cfd, .events = POLLIN };
			int want_write = g < nchunks && sent < chunks[g].len;
			ssize_t n;

			if (want_write)
				pfd.events |= POLLOUT;
			if (poll(&pfd, 1, TIMEOUT_MS) <= 0) {
				fprintf(stderr, "feed: no progress for %d s\n",
				    TIMEOUT_MS / 1000);
				bad = 1;
				break;
			}
			if (want_write && (pfd.revents & POLLOUT)) {
				n = write(cfd, p + chunks[g].off + sent,
				    chunks[g].len - sent);
				if (n < 0 && errno != EAGAIN) {
					bad = 1;
					break;
				}
				if (n > 0)
					sent += (size_t)n;
				if (sent == chunks[g].len && raw)
					shutdown(cfd, SHUT_WR);
			}
			if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(cfd, in, sizeof(in));
			if (n < 0 && errno == EAGAIN)
				continue;
			if (n <= 0) {
				eof = 1;
				break;
			}
			for (ssize_t i = 0; i < n; i++) {
				if (llen < sizeof(line) - 1)
					line[llen++] = in[i];
				if (in[i] != '\n')
					continue;
				line[llen] = '\0';
				llen = 0;
				if (raw || strlen(line) < 4 || line[3] != ' ')
					continue; /* not a final line */
				if (g >= nchunks || sent < chunks[g].len) {
					complain("unasked: ", line);
					bad = 1;
					continue;
				}
				if (got == 0)
					verdict_pending = chunks[g].verdict;
				if (verdict_pending) {
					verdict_pending = 0;
					if (line[0] == '2')
						accepted++;
					else
						refused++;
				}
				if (line[0] != '2' && line[0] != '3') {
					complain("", line);
					bad = 1;
				}
				if (++got == chunks[g].replies) {
					g++;
					sent = 0;
					got = 0;
				}
			}
		}
		if (!raw && g < nchunks) {
			fprintf(stderr, "feed: session ended early\n");
			bad = 1;
		}
	}
	close(cfd);
	if (wait4(pid, &status, 0, &ru) < 0)
		die("wait4");
	t1 = now();
	printf("wall=%.6f rss_kb=%ld status=%d accepted=%u refused=%u\n",
	    t1 - t0, ru.ru_maxrss,
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	    accepted, refused);
	return bad || refused > 0 || !WIFEXITED(status) ? 1 : 0;
}
