/* SPDX-License-Identifier: ISC */
/*
 * feed.c - play one recorded client session against one handler over a
 * real TCP connection on 127.0.0.1, the way a launcher would hand it over,
 * and say how long the handler took and how much memory it used; or play
 * it many times against a server already listening, for sessions/s.
 *
 *   feed [-3] [-n] [-s|-i] [-p] [-P pid] [-u user] FILE -- command [arg ...]
 *   feed [-s|-i] -a PORT -m SESSIONS -c CONCURRENCY [-T SECONDS] FILE
 *
 * The handler gets the connection as descriptors 0 and 1 with tcpserver's
 * variables (TCPREMOTEIP, ...), or with -3 as descriptor 3 with systemd's
 * (LISTEN_FDS=1, LISTEN_PID, REMOTE_ADDR) and /dev/null on 0 and 1.  With
 * -n the handler's output goes to /dev/null and FILE is just sent (for
 * cat, the floor).  With -u the handler runs as that user, as a launcher's
 * -u or User= would run it.
 *
 * TLS (GnuTLS as the client; TLS 1.3 and X25519 only, the certificate
 * not checked): -s says EHLO (FILE's first line) and STARTTLS first,
 * then plays FILE inside TLS; -i (implicit TLS) makes the handshake
 * first.  With -n -i FILE is sent inside TLS and must come back whole
 * (bench/tls/floor-*.c echo it), which ends the session.
 *
 * The client pipelines as RFC 2920 allows: it waits for a reply only
 * after EHLO, DATA, STARTTLS and QUIT, so a group is MAIL, the RCPTs and
 * DATA, and the message with its final dot opens the next group.  Every
 * reply is counted; the session fails unless every reply is 2xx or 3xx,
 * so a handler that refused mail cannot look fast.
 *
 * Prints one line: wall seconds from fork to the handler's exit, its peak
 * resident set (the largest process of its tree, as wait4(2) reports it,
 * the figure /usr/bin/time -v prints), its exit status, and the number of
 * messages accepted with 250.  With -p the message's end is a group of
 * its own, and before QUIT the peak resident set (VmHWM) of each process
 * of the handler's tree, and of process -P and its children, is printed
 * too, one "hwm PID NAME KB" line each.  Exits 0 only if all went well.
 *
 * With -a there is no handler: CONCURRENCY processes connect to PORT on
 * 127.0.0.1 and play FILE SESSIONS times in all, within -T seconds
 * (default 300); prints "sessions=N failed=F wall=S rate=R".
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

#define TIMEOUT_MS   120000
#define TLS_PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-X25519"

/* A group of bytes sent before waiting for `replies` final replies. */
struct chunk {
	size_t off, len;
	unsigned replies;
	int verdict;   /* its first reply judges a message */
	int tls_after; /* STARTTLS: the handshake once its reply is in */
};

static struct chunk *chunks;
static size_t nchunks;

static unsigned complaints;

/* The connection: plain, or TLS once s is set. */
struct io {
	int fd;
	gnutls_session_t s;
	char tls[128]; /* "TLS1.3/TLS_AES_256_GCM_SHA384" */
};

static gnutls_certificate_credentials_t cred;

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
	chunks[nchunks++] = (struct chunk){ off, len, replies, verdict, 0 };
}

static int
is_verb(const char *p, size_t len, const char *verb)
{
	size_t n = strlen(verb);

	return len >= n && strncasecmp(p, verb, n) == 0;
}

/*
 * split - cut the session into the chunks a pipelining client sends;
 * with dot_alone the end of a message is a group of its own.
 */
static void
split(const char *p, size_t size, int greeting, int dot_alone)
{
	size_t off = 0, start = 0;
	unsigned cmds = 0;
	int in_data = 0, verdict = 0;

	if (greeting)
		add_chunk(0, 0, 1, 0);
	while (off < size) {
		const char *nl = memchr(p + off, '\n', size - off);
		size_t end = nl ? (size_t)(nl - p) + 1 : size;
		size_t len = end - off;

		if (in_data) {
			if (len == 3 && memcmp(p + off, ".\r\n", 3) == 0) {
				in_data = 0;
				verdict = 1;
				cmds = 1;
				if (dot_alone) {
					add_chunk(start, end - start, 1, 1);
					start = end;
					cmds = 0;
					verdict = 0;
				}
			}
		} else {
			cmds++;
			if (is_verb(p + off, len, "EHLO") ||
			    is_verb(p + off, len, "HELO") ||
			    is_verb(p + off, len, "QUIT") ||
			    is_verb(p + off, len, "DATA") ||
			    is_verb(p + off, len, "STARTTLS")) {
				add_chunk(start, end - start, cmds, verdict);
				chunks[nchunks - 1].tls_after =
				    is_verb(p + off, len, "STARTTLS");
				in_data = is_verb(p + off, len, "DATA");
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

/* io_read, io_write - read(2) and write(2), through TLS once it is on. */
static ssize_t
io_read(struct io *io, void *buf, size_t n)
{
	ssize_t r;

	if (io->s == NULL)
		return read(io->fd, buf, n);
	r = gnutls_record_recv(io->s, buf, n);
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
		errno = EAGAIN;
		return -1;
	}
	if (r == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	if (r < 0) {
		fprintf(stderr, "feed: TLS: %s\n", gnutls_strerror((int)r));
		errno = EPROTO;
		return -1;
	}
	return r;
}

static ssize_t
io_write(struct io *io, const void *buf, size_t n)
{
	ssize_t r;

	if (io->s == NULL)
		return write(io->fd, buf, n);
	r = gnutls_record_send(io->s, buf, n);
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
		errno = EAGAIN;
		return -1;
	}
	if (r < 0) {
		errno = EPROTO;
		return -1;
	}
	return r;
}

/* handshake - TLS on io->fd (non-blocking), within TIMEOUT_MS: 0 or -1. */
static int
handshake(struct io *io)
{
	double end = now() + TIMEOUT_MS / 1000.0;
	char *desc;
	int r, one = 1;

	if (cred == NULL && gnutls_certificate_allocate_credentials(&cred) < 0)
		return -1;
	if (gnutls_init(&io->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0 ||
	    gnutls_priority_set_direct(io->s, TLS_PRIORITY, NULL) < 0 ||
	    gnutls_credentials_set(io->s, GNUTLS_CRD_CERTIFICATE, cred) < 0 ||
	    gnutls_server_name_set(
	        io->s, GNUTLS_NAME_DNS, "bench.example", 13) < 0)
		return -1;
	/* The Finished and the first command go out back to back: without
	 * this, Nagle holds the second until the server's delayed ACK (40
	 * ms), a cost of this client, not of the server. */
	(void)setsockopt(io->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	gnutls_transport_set_int(io->s, io->fd);
	while ((r = gnutls_handshake(io->s)) < 0) {
		struct pollfd pfd = { .fd = io->fd };

		if (gnutls_error_is_fatal(r) || now() > end) {
			fprintf(stderr, "feed: handshake: %s\n",
			    gnutls_strerror(r));
			return -1;
		}
		pfd.events =
		    gnutls_record_get_direction(io->s) ? POLLOUT : POLLIN;
		(void)poll(&pfd, 1, 1000);
	}
	desc = gnutls_session_get_desc(io->s);
	snprintf(io->tls, sizeof(io->tls), "%s", desc ? desc : "?");
	gnutls_free(desc);
	return 0;
}

/* name - the command name of pid (/proc/PID/comm) into buf. */
static void
name(long pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	snprintf(buf, size, "?");
	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fgets(buf, (int)size, f) != NULL)
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* ppid_of - the parent of pid, from /proc/PID/stat, or -1. */
static long
ppid_of(long pid)
{
	char path[64], buf[512], *p;
	long ppid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL)
		(void)sscanf(p + 2, "%*c %ld", &ppid);
	fclose(f);
	return ppid;
}

/* hwm_one - "hwm PID NAME KB" for pid, from /proc/PID/status. */
static void
hwm_one(long pid)
{
	char path[64], line[256], comm[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	name(pid, comm, sizeof(comm));
	while (fgets(line, sizeof(line), f) != NULL) {
		long kb;

		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			printf("hwm %ld %s %ld\n", pid, comm, kb);
	}
	fclose(f);
}

/* hwm_tree - hwm_one for root and each of its descendants. */
static void
hwm_tree(long root)
{
	long tree[256];
	size_t n = 0, i, before;
	DIR *d;
	struct dirent *e;

	if (root <= 0)
		return;
	tree[n++] = root;
	do { /* each pass adds the children of what is known; bounded */
		before = n;
		if ((d = opendir("/proc")) == NULL)
			return;
		while ((e = readdir(d)) != NULL && n < 256) {
			long pid, ppid;
			int known = 0;

			if (!isdigit((unsigned char)e->d_name[0]))
				continue;
			pid = strtol(e->d_name, NULL, 10);
			ppid = ppid_of(pid);
			for (i = 0; i < n; i++)
				if (tree[i] == pid)
					known = 1;
			for (i = 0; i < before && !known; i++)
				if (tree[i] == ppid) {
					tree[n++] = pid;
					break;
				}
		}
		closedir(d);
	} while (n > before && n < 256);
	for (i = 0; i < n; i++)
		hwm_one(tree[i]);
}

/*
 * play - the session on io->fd (non-blocking): 0 if every reply was
 * 2xx or 3xx and nothing went wrong, else 1.  implicit: the handshake
 * first; raw: send all, read to the end (with TLS: the echo of it).
 */
struct play {
	int implicit, raw, hwm;
	long hwm_a, hwm_b;
	unsigned accepted, refused;
};

static int
play(struct io *io, const char *p, struct play *pl)
{
	char in[8192], line[1024];
	size_t g = 0, sent = 0, llen = 0, echoed = 0;
	unsigned got = 0, verdict_pending = 0;
	int eof = 0, bad = 0;

	if (pl->implicit && handshake(io) < 0)
		return 1;
	while (!eof) {
		struct pollfd pfd = { .fd = io->fd, .events = POLLIN };
		int want_write = g < nchunks && sent < chunks[g].len;
		ssize_t n;

		if (want_write)
			pfd.events |= POLLOUT;
		if (io->s != NULL && gnutls_record_check_pending(io->s) > 0) {
			pfd.revents = POLLIN;
		} else if (poll(&pfd, 1, TIMEOUT_MS) <= 0) {
			fprintf(stderr, "feed: no progress for %d s\n",
			    TIMEOUT_MS / 1000);
			bad = 1;
			break;
		}
		if (want_write && (pfd.revents & POLLOUT)) {
			n = io_write(
			    io, p + chunks[g].off + sent, chunks[g].len - sent);
			if (n < 0 && errno != EAGAIN) {
				bad = 1;
				break;
			}
			if (n > 0)
				sent += (size_t)n;
			/* With TLS the echo ends it: a close_notify the
			 * server never reads could turn its close into a
			 * reset that loses the echo. */
			if (sent == chunks[g].len && pl->raw && io->s == NULL)
				shutdown(io->fd, SHUT_WR);
		}
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = io_read(io, in, sizeof(in));
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0) {
			eof = 1;
			break;
		}
		echoed += (size_t)n;
		if (pl->raw && io->s != NULL && echoed >= chunks[0].len)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (llen < sizeof(line) - 1)
				line[llen++] = in[i];
			if (in[i] != '\n')
				continue;
			line[llen] = '\0';
			llen = 0;
			if (pl->raw || strlen(line) < 4 || line[3] != ' ')
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
					pl->accepted++;
				else
					pl->refused++;
			}
			if (line[0] != '2' && line[0] != '3') {
				complain("", line);
				bad = 1;
			}
			if (++got < chunks[g].replies)
				continue;
			if (chunks[g].tls_after &&
			    (i + 1 < n || handshake(io) < 0)) {
				bad = 1; /* nothing may follow the 220 */
				eof = 1;
				break;
			}
			g++;
			sent = 0;
			got = 0;
			if (pl->hwm && g + 1 == nchunks) {
				hwm_tree(pl->hwm_a);
				hwm_tree(pl->hwm_b);
			}
		}
	}
	if (!pl->raw && g < nchunks) {
		fprintf(stderr, "feed: session ended early\n");
		bad = 1;
	}
	if (pl->raw && io->s != NULL && echoed != chunks[0].len) {
		fprintf(stderr, "feed: %zu octets echoed of %zu\n", echoed,
		    chunks[0].len);
		bad = 1;
	}
	if (io->s != NULL) {
		gnutls_deinit(io->s);
		io->s = NULL;
	}
	return bad;
}

/* rate - sessions sessions against port, conc at a time, within secs. */
static int
rate(const char *p, struct play *tmpl, long port, long sessions, long conc,
    long secs)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	double t0 = now(), deadline = t0 + (double)secs;
	long w, failed = 0;
	int status;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((unsigned short)port);
	for (w = 0; w < conc; w++) {
		long mine = sessions / conc + (w < sessions % conc);
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid > 0)
			continue;
		for (long k = 0; k < mine; k++) {
			struct play pl = *tmpl;
			struct io io = { .fd = -1 };

			if (now() > deadline)
				_exit(mine - k > 255 ? 255 : (int)(mine - k));
			if ((io.fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
			    connect(io.fd, (struct sockaddr *)&sin,
			        sizeof(sin)) < 0 ||
			    fcntl(io.fd, F_SETFL, O_NONBLOCK) < 0 ||
			    play(&io, p, &pl) != 0 || pl.accepted != 1)
				_exit(1);
			close(io.fd);
		}
		_exit(0);
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed += WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	t0 = now() - t0;
	printf("sessions=%ld failed=%ld wall=%.3f rate=%.1f\n", sessions,
	    failed, t0, (double)(sessions - failed) / t0);
	return failed > 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	const char *user = NULL;
	int fd3 = 0, tls = 0, c, lfd, cfd, sfd, fd, status, bad = 0;
	long port = 0, sessions = 1, conc = 1, secs = 300;
	struct play pl = { 0 };
	struct io io = { .fd = -1 };
	struct rusage ru;
	struct stat stb;
	char *p;
	size_t size;
	double t0, t1;
	pid_t pid;

	while ((c = getopt(argc, argv, "+3nsipP:u:a:m:c:T:")) != -1) {
		if (c == '3')
			fd3 = 1;
		else if (c == 'n')
			pl.raw = 1;
		else if (c == 's' || c == 'i')
			tls = c;
		else if (c == 'p')
			pl.hwm = 1;
		else if (c == 'P')
			pl.hwm_b = strtol(optarg, NULL, 10);
		else if (c == 'u')
			user = optarg;
		else if (c == 'a')
			port = strtol(optarg, NULL, 10);
		else if (c == 'm')
			sessions = strtol(optarg, NULL, 10);
		else if (c == 'c')
			conc = strtol(optarg, NULL, 10);
		else if (c == 'T')
			secs = strtol(optarg, NULL, 10);
		else
			return 2;
	}
	if (port > 0
	        ? argc - optind != 1 || sessions < 1 || conc < 1
	        : argc - optind < 3 || strcmp(argv[optind + 1], "--") != 0) {
		fputs("usage: feed [-3] [-n] [-s|-i] [-p] [-P pid] [-u user] "
		      "FILE -- command [argument ...]\n"
		      "       feed [-s|-i] -a PORT -m SESSIONS -c CONCURRENCY "
		      "[-T SECONDS] FILE\n",
		    stderr);
		return 2;
	}
	if ((fd = open(argv[optind], O_RDONLY)) < 0 || fstat(fd, &stb) < 0)
		die(argv[optind]);
	size = (size_t)stb.st_size;
	p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	close(fd);
	pl.implicit = tls == 'i';
	if (tls == 's') {
		/* EHLO (the file's first line), STARTTLS, then the file. */
		const char *nl = memchr(p, '\n', size);
		size_t first = nl ? (size_t)(nl - p) + 1 : size;
		char *all = malloc(first + 10 + size);

		if (all == NULL)
			die("malloc");
		memcpy(all, p, first);
		memcpy(all + first, "STARTTLS\r\n", 10);
		memcpy(all + first + 10, p, size);
		p = all;
		size += first + 10;
	}
	if (pl.raw)
		add_chunk(0, size, 0, 0);
	else
		split(p, size, 1, pl.hwm);
	signal(SIGPIPE, SIG_IGN);
	if (port > 0)
		return rate(p, &pl, port, sessions, conc, secs);

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

	t0 = now();
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		port = ntohs(sin.sin_port);
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
			dup2(pl.raw ? null : sfd, 1);
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
	io.fd = cfd;
	pl.hwm_a = pid;
	bad = play(&io, p, &pl);
	close(cfd);
	if (wait4(pid, &status, 0, &ru) < 0)
		die("wait4");
	t1 = now();
	printf("wall=%.6f rss_kb=%ld status=%d accepted=%u refused=%u%s%s\n",
	    t1 - t0, ru.ru_maxrss,
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	    pl.accepted, pl.refused, tls ? " tls=" : "", tls ? io.tls : "");
	return bad || pl.refused > 0 || !WIFEXITED(status) ? 1 : 0;
}
