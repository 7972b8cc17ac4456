/* SPDX-License-Identifier: ISC */
/*
 * smtpd.c - main: options, the connection (stdin and stdout, or the
 * socket systemd passes), the peer's address, signals, logging; then one
 * session.
 *
 * A launcher (systemd with Accept=yes, inetd, tcpserver) starts one smtpd
 * per connection.  Whatever goes wrong before the session starts, the
 * client is told 421 so that it retries later instead of waiting.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <dlfcn.h>
#include <systemd/sd-daemon.h>
#endif

#include "log.h"
#include "reply.h"
#include "session.h"

static char *default_command[] = { "/usr/sbin/sendmail", "-oi", "-f", "%F",
	"--", NULL };

static const struct option options[] = {
	{ "hostname", required_argument, NULL, 'H' },
	{ "max-size", required_argument, NULL, 's' },
	{ "max-recipients", required_argument, NULL, 'r' },
	{ "timeout", required_argument, NULL, 't' },
	{ "delivery-timeout", required_argument, NULL, 'T' },
	{ "bare-lf", required_argument, NULL, 'b' },
	{ "session-timeout", required_argument, NULL, 'S' },
	{ "min-data-rate", required_argument, NULL, 'R' },
	{ "sync-check", required_argument, NULL, 'y' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char usage[] =
    "usage: smtpd [-H name] [-s bytes] [-r count] [-t seconds] "
    "[-S seconds] [-R bytes]\n"
    "             [-T seconds] [-b reject|normalize] [-y auto|on|off] "
    "[--] [command [argument ...]]\n";

static const char help[] =
    "Options:\n"
    "  -H, --hostname NAME          name in the greeting and Received header\n"
    "  -s, --max-size BYTES         largest message accepted (0: no limit)\n"
    "  -r, --max-recipients N       recipients per message\n"
    "  -t, --timeout SECONDS        time to receive one command line\n"
    "  -T, --delivery-timeout SECONDS  time the delivery command may run\n"
    "  -b, --bare-lf reject|normalize  bare CR or LF in a message\n"
    "  -S, --session-timeout SECONDS   time the whole session may last\n"
    "  -R, --min-data-rate BYTES    octets per second a message must flow\n"
    "  -y, --sync-check auto|on|off  refuse input sent before its turn\n"
    "  -h, --help, -V, --version\n"
    "The command (default: /usr/sbin/sendmail -oi -f %F --) gets the\n"
    "message on stdin; %F is the sender, %% is %, recipients follow.\n";

static int
fd_is_socket(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* stderr_is_client - under inetd fd 2 is the connection itself. */
static int
stderr_is_client(int conn)
{
	struct stat e, c;

	if (fstat(STDERR_FILENO, &e) < 0)
		return 1; /* closed: nowhere to log */
	if (fstat(conn, &c) < 0 || !S_ISSOCK(e.st_mode))
		return 0;
	return e.st_dev == c.st_dev && e.st_ino == c.st_ino;
}

/*
 * fail - a start-up failure: tell the client 421 so that it retries,
 * and say why on stderr.  Does not return.
 */
static void
fail(const char *hostname, int status, const char *why, const char *what)
{
	struct out o;

	/*
	 * Under inetd stderr is the client: it gets only the 421.  A
	 * diagnostic that cannot be written changes nothing: 421 anyway.
	 */
	if (!stderr_is_client(STDIN_FILENO))
		(void)fprintf(stderr, "smtpd: %s%s%s%s\n", why,
		    what ? ": " : "", what ? what : "",
		    status == EXIT_USAGE ? " (see smtpd --help)" : "");
	reply_init(&o, STDOUT_FILENO, 5);
	reply(&o, R_SHUTDOWN, hostname);
	(void)reply_flush(&o);
	exit(status);
}

/* number - a decimal option value within [min, max]; -1 if it is not. */
static int
number(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	uint64_t n = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || n > (max - (unsigned)(*s - '0')) / 10)
			return -1;
		n = n * 10 + (unsigned)(*s - '0');
	}
	if (n < min)
		return -1;
	*v = n;
	return 0;
}

/* valid_hostname - one word of printable ASCII, as HELO takes. */
static int
valid_hostname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > SMTP_DOMAIN_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s >= 127)
			return 0;
	return 1;
}

/*
 * fqdn - the host's fully qualified name: gethostname, and if that has
 * no dot, its canonical name (from /etc/hosts or DNS).
 */
static const char *
fqdn(void)
{
	static char name[SMTP_DOMAIN_MAX + 1];
	struct addrinfo hints = { .ai_flags = AI_CANONNAME }, *ai;

	if (gethostname(name, sizeof(name)) < 0 || name[0] == '\0')
		return "localhost";
	name[sizeof(name) - 1] = '\0';
	if (strchr(name, '.') == NULL && getaddrinfo(name, NULL, &hints,
		&ai) == 0) {
		if (ai->ai_canonname != NULL &&
		    strchr(ai->ai_canonname, '.') != NULL &&
		    strlen(ai->ai_canonname) < sizeof(name))
			memcpy(name, ai->ai_canonname,
			    strlen(ai->ai_canonname) + 1);
		freeaddrinfo(ai);
	}
	return valid_hostname(name) ? name : "localhost";
}

/*
 * connection - the descriptor of the client's connection: the socket
 * systemd passed (LISTEN_FDS), else stdin.  libsystemd is loaded only
 * when systemd passed one, so other connections do not pay its start-up
 * cost.  Returns -1 with *why set when LISTEN_FDS cannot be honoured.
 */
static int
connection(const char **why)
{
	if (getenv("LISTEN_FDS") == NULL)
		return STDIN_FILENO;
#ifdef HAVE_LIBSYSTEMD
	{
		void *lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
		int (*listen_fds)(int);
		int (*is_socket)(int, int, int, int);

		if (lib == NULL) {
			*why = "LISTEN_FDS is set but libsystemd.so.0 is missing";
			return -1;
		}
		*(void **)&listen_fds = dlsym(lib, "sd_listen_fds");
		*(void **)&is_socket = dlsym(lib, "sd_is_socket");
		if (listen_fds == NULL || is_socket == NULL) {
			*why = "libsystemd.so.0 lacks sd_listen_fds";
			return -1;
		}
		/* Unset LISTEN_*: the delivery command must not see them. */
		if (listen_fds(1) != 1 ||
		    is_socket(SD_LISTEN_FDS_START, AF_UNSPEC, SOCK_STREAM, -1) <=
			0) {
			*why = "LISTEN_FDS: expected one stream socket";
			return -1;
		}
		return SD_LISTEN_FDS_START;
	}
#else
	*why = "LISTEN_FDS is set but smtpd was built without libsystemd";
	return -1;
#endif
}

/*
 * sockaddr_text - the address in sa as text (an IPv4 client on an IPv6
 * socket shown as IPv4), or NULL.
 */
static const char *
sockaddr_text(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		return inet_ntop(AF_INET, &sin->sin_addr, buf, (socklen_t)size);
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)ss;

		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			return inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12],
			    buf, (socklen_t)size);
		return inet_ntop(AF_INET6, &sin6->sin6_addr, buf,
		    (socklen_t)size);
	}
	return NULL;
}

/*
 * addresses - the client's address and ours: from the launcher
 * (tcpserver's TCPREMOTEIP and TCPLOCALIP, systemd's REMOTE_ADDR), else
 * from the socket; NULL when the connection is a pipe.
 */
static void
addresses(struct config *cfg)
{
	static char peer_buf[INET6_ADDRSTRLEN], local_buf[INET6_ADDRSTRLEN];
	struct sockaddr_storage ss = { 0 }; /* read only if filled */
	socklen_t len = sizeof(ss);
	const char *a;

	if ((a = getenv("TCPREMOTEIP")) != NULL ||
	    (a = getenv("REMOTE_ADDR")) != NULL) {
		cfg->peer_addr = a;
		cfg->peer_host = getenv("TCPREMOTEHOST");
	} else if (getpeername(cfg->in_fd, (struct sockaddr *)&ss, &len) ==
	    0) {
		cfg->peer_addr = sockaddr_text(&ss, peer_buf, sizeof(peer_buf));
	}
	len = sizeof(ss);
	if ((a = getenv("TCPLOCALIP")) != NULL)
		cfg->local_addr = a;
	else if (getsockname(cfg->in_fd, (struct sockaddr *)&ss, &len) == 0)
		cfg->local_addr =
		    sockaddr_text(&ss, local_buf, sizeof(local_buf));
}

int
main(int argc, char **argv)
{
	struct config cfg = {
		.max_size = DEFAULT_MAX_SIZE,
		.max_rcpts = DEFAULT_MAX_RECIPIENTS,
		.timeout = DEFAULT_TIMEOUT,
		.delivery_timeout = DEFAULT_DELIVERY_TIMEOUT,
		.session_timeout = DEFAULT_SESSION_TIMEOUT,
		.min_data_rate = DEFAULT_MIN_DATA_RATE,
		.bare_lf = BARE_LF_REJECT,
		.command = default_command,
		.term_fd = -1,
	};
	const char *bad = NULL, *why = NULL, *sync = "auto";
	sigset_t term;
	uint64_t v = 0; /* number() leaves it alone on a bad value */
	int c, status;

	/*
	 * A vanished client, or a file over RLIMIT_FSIZE, must be an error
	 * from write(), not a signal that ends us; a launcher's ignored
	 * SIGCHLD would break waitpid().  SIGTERM is read from a signalfd
	 * wherever the session waits, so it is answered with 421 at a
	 * moment that loses nothing.
	 */
	(void)signal(SIGPIPE, SIG_IGN);
	(void)signal(SIGXFSZ, SIG_IGN);
	(void)signal(SIGCHLD, SIG_DFL);
	(void)sigemptyset(&term);
	(void)sigaddset(&term, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &term, NULL) == 0)
		cfg.term_fd = signalfd(-1, &term, SFD_CLOEXEC | SFD_NONBLOCK);

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+H:s:r:t:T:b:S:R:y:hV", options,
		    NULL)) != -1) {
		switch (c) {
		case 'H':
			cfg.hostname = optarg;
			if (!valid_hostname(optarg))
				bad = "--hostname";
			break;
		case 's':
			if (number(optarg, 0, UINT64_MAX, &v) < 0)
				bad = "--max-size";
			cfg.max_size = v;
			break;
		case 'r':
			if (number(optarg, 1, 1000000, &v) < 0)
				bad = "--max-recipients";
			cfg.max_rcpts = (unsigned)v;
			break;
		case 't':
			if (number(optarg, 1, 86400, &v) < 0)
				bad = "--timeout";
			cfg.timeout = (int)v;
			break;
		case 'T':
			if (number(optarg, 1, 86400, &v) < 0)
				bad = "--delivery-timeout";
			cfg.delivery_timeout = (int)v;
			break;
		case 'b':
			if (strcmp(optarg, "reject") == 0)
				cfg.bare_lf = BARE_LF_REJECT;
			else if (strcmp(optarg, "normalize") == 0)
				cfg.bare_lf = BARE_LF_NORMALIZE;
			else
				bad = "--bare-lf";
			break;
		case 'S':
			if (number(optarg, 1, 7UL * 86400, &v) < 0)
				bad = "--session-timeout";
			cfg.session_timeout = (int)v;
			break;
		case 'R':
			if (number(optarg, 0, 1000000000, &v) < 0)
				bad = "--min-data-rate";
			cfg.min_data_rate = (unsigned)v;
			break;
		case 'y':
			sync = optarg;
			if (strcmp(sync, "auto") != 0 && strcmp(sync, "on") != 0 &&
			    strcmp(sync, "off") != 0)
				bad = "--sync-check";
			break;
		case 'h':
			/* Output that could not be written is a failure. */
			if (fputs(usage, stdout) == EOF ||
			    fputs(help, stdout) == EOF || fflush(stdout) == EOF)
				return EXIT_INTERNAL;
			return EXIT_OK;
		case 'V':
			if (puts("smtpd " SMTPD_VERSION) == EOF ||
			    fflush(stdout) == EOF)
				return EXIT_INTERNAL;
			return EXIT_OK;
		default:
			fail(cfg.hostname && valid_hostname(cfg.hostname) ?
				cfg.hostname : fqdn(),
			    EXIT_USAGE, "unknown option or missing value",
			    argv[optind - 1]);
		}
	}
	if (cfg.hostname == NULL || bad != NULL)
		cfg.hostname = (cfg.hostname && valid_hostname(cfg.hostname)) ?
		    cfg.hostname : fqdn();
	if (bad != NULL)
		fail(cfg.hostname, EXIT_USAGE, "bad value for", bad);
	if (optind < argc)
		cfg.command = argv + optind;

	cfg.tmpdir = getenv("TMPDIR");
	if (cfg.tmpdir == NULL || cfg.tmpdir[0] == '\0')
		cfg.tmpdir = "/tmp";
	if ((cfg.in_fd = connection(&why)) < 0)
		fail(cfg.hostname, EXIT_INTERNAL, why, NULL);
	cfg.out_fd = cfg.in_fd == STDIN_FILENO ? STDOUT_FILENO : cfg.in_fd;
	cfg.sync_check = strcmp(sync, "on") == 0 ||
	    (strcmp(sync, "auto") == 0 && fd_is_socket(cfg.in_fd));
	addresses(&cfg);
	log_init(!stderr_is_client(cfg.in_fd));
	log_event(LOG_INFO, "event=session_start peer=%s",
	    cfg.peer_addr ? cfg.peer_addr : "unknown");
	status = session_run(&cfg);
	log_event(LOG_INFO, "event=session_end status=%d", status);
	return status;
}
