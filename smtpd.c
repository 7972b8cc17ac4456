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
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
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

#include "access.h"
#include "aliases.h"
#include "conn.h"
#include "file.h"
#include "log.h"
#include "lookup.h"
#include "reply.h"
#include "session.h"
#include "users.h"

static char *default_command[] = { "/usr/sbin/sendmail", "-oi", "-f", "%F",
	"--", NULL };

/* Options without a letter. */
enum {
	OPT_ANY_RECIPIENT = 256,
	OPT_NO_VRFY,
	OPT_NO_EXPN,
	OPT_TURN,
	OPT_NEWALIASES,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_TLS_IMPLICIT,
	OPT_REQUIRE_TLS,
	OPT_TLS_SERVICE,
	OPT_TLS_PROGRAM,
	OPT_AUTH,
	OPT_AUTH_PLAINTEXT,
	OPT_AUTH_HEADER,
	OPT_SUBMISSION,
};

static const struct option options[] = {
	{ "hostname", required_argument, NULL, 'H' },
	{ "max-size", required_argument, NULL, 's' },
	{ "max-recipients", required_argument, NULL, 'r' },
	{ "timeout", required_argument, NULL, 't' },
	{ "delivery-timeout", required_argument, NULL, 'T' },
	{ "bare-lf", required_argument, NULL, 'b' },
	{ "session-timeout", required_argument, NULL, 'S' },
	{ "min-data-rate", required_argument, NULL, 'm' },
	{ "sync-check", required_argument, NULL, 'y' },
	{ "passwd", required_argument, NULL, 'p' },
	{ "aliases", required_argument, NULL, 'a' },
	{ "domain", required_argument, NULL, 'd' },
	{ "relay-net", required_argument, NULL, 'R' },
	{ "any-recipient", no_argument, NULL, OPT_ANY_RECIPIENT },
	{ "no-vrfy", no_argument, NULL, OPT_NO_VRFY },
	{ "no-expn", no_argument, NULL, OPT_NO_EXPN },
	{ "turn", required_argument, NULL, OPT_TURN },
	{ "newaliases", no_argument, NULL, OPT_NEWALIASES },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	{ "tls-implicit", no_argument, NULL, OPT_TLS_IMPLICIT },
	{ "require-tls", no_argument, NULL, OPT_REQUIRE_TLS },
	{ "tls-service", required_argument, NULL, OPT_TLS_SERVICE },
	{ "tls-program", required_argument, NULL, OPT_TLS_PROGRAM },
	{ "auth", required_argument, NULL, OPT_AUTH },
	{ "auth-plaintext", no_argument, NULL, OPT_AUTH_PLAINTEXT },
	{ "auth-header", no_argument, NULL, OPT_AUTH_HEADER },
	{ "submission", no_argument, NULL, OPT_SUBMISSION },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char usage[] =
    "usage: smtpd [-H name] [-s bytes] [-r count] [-t seconds] "
    "[-T seconds] [-b reject|normalize]\n"
    "             [-S seconds] [-m bytes] [-y auto|on|off] [-p file] "
    "[-a file] [-d domain]\n"
    "             [-R cidr] [--any-recipient] [--no-vrfy] [--no-expn] "
    "[--turn program]\n"
    "             [--tls-cert file --tls-key file] [--tls-implicit] "
    "[--require-tls]\n"
    "             [--tls-service socket] [--tls-program file]\n"
    "             [--auth dovecot:socket|checkpassword:program] "
    "[--auth-plaintext]\n"
    "             [--auth-header] [--submission]\n"
    "             [--] [command [argument ...]]\n";

static const char help[] =
    "Options:\n"
    "  -H, --hostname NAME          name in the greeting and Received header\n"
    "  -s, --max-size BYTES         largest message accepted (0: no limit)\n"
    "  -r, --max-recipients N       recipients per message\n"
    "  -t, --timeout SECONDS        time to receive one command line\n"
    "  -T, --delivery-timeout SECONDS  time the delivery command may run\n"
    "  -b, --bare-lf reject|normalize  bare CR or LF in a message\n"
    "  -S, --session-timeout SECONDS   time the whole session may last\n"
    "  -m, --min-data-rate BYTES    octets per second a message must flow\n"
    "  -y, --sync-check auto|on|off  refuse input sent before its turn\n"
    "  -p, --passwd FILE            users from FILE, not the system's\n"
    "  -a, --aliases FILE           aliases(5) file (default /etc/aliases)\n"
    "  -d, --domain DOMAIN          a domain we take mail for (repeatable)\n"
    "  -R, --relay-net CIDR         clients that may relay (repeatable)\n"
    "      --any-recipient          take every local part of our domains\n"
    "      --no-vrfy, --no-expn     turn VRFY (252) or EXPN (502) off\n"
    "      --turn 'PROGRAM [ARG...]'  what TURN runs, for trusted clients\n"
    "      --newaliases             build the index FILE.smtpd.cdb, exit\n"
    "      --auth dovecot:SOCKET    SMTP AUTH checked by Dovecot, or\n"
    "      --auth 'checkpassword:PROGRAM [ARG...]'  by a checkpassword program\n"
    "      --auth-plaintext         AUTH without TLS too (tests, loopback)\n"
    "      --auth-header            the Received header names the user\n"
    "      --submission             no mail before AUTH (ports 587, 465)\n"
    "  -h, --help, -V, --version\n"
    "The command (default: /usr/sbin/sendmail -oi -f %F --) gets the\n"
    "message on stdin; %F is the sender, %% is %, recipients follow.\n";

static int
fd_is_socket(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

/*
 * stderr_is_client - under inetd, and under systemd with
 * StandardInput=socket and no StandardError=, fd 2 is the connection
 * itself.  1 also when fd 2 is closed: there is nowhere to write.
 */
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

/* Where a start-up 421 goes: the connection, once main knows it. */
static int client_fd = STDOUT_FILENO;

/*
 * refuse - a start-up failure: say "why: what: reason" and the hint
 * (each part only if given) on stderr, tell the client 421 so that it
 * retries, and exit with status.  Does not return.
 */
static _Noreturn void
refuse(const char *hostname, int status, const char *why, const char *what,
    const char *reason, const char *hint)
{
	static struct conn c; /* its 64 KiB of input: not for the stack */

	/*
	 * Under inetd stderr is the client: it gets only the 421, and the
	 * reason goes to syslog.  A diagnostic that cannot be written
	 * changes nothing: 421 anyway.
	 */
	if (!stderr_is_client(
		client_fd == STDOUT_FILENO ? STDIN_FILENO : client_fd)) {
		(void)fprintf(stderr, "smtpd: %s%s%s%s%s%s\n", why,
		    what ? ": " : "", what ? what : "", reason ? ": " : "",
		    reason ? reason : "", hint ? hint : "");
	} else {
		openlog("smtpd", LOG_PID, LOG_MAIL);
		syslog(LOG_ERR, "%s%s%s%s%s", why, what ? ": " : "",
		    what ? what : "", reason ? ": " : "", reason ? reason : "");
	}
	conn_init(&c, -1, client_fd, -1, 5, 5);
	reply(&c, R_SHUTDOWN, hostname);
	(void)conn_flush(&c);
	exit(status);
}

/*
 * fail - refuse for why and what; a usage error (EXIT_USAGE) points to
 * --help.
 */
static _Noreturn void
fail(const char *hostname, int status, const char *why, const char *what)
{
	refuse(hostname, status, why, what, NULL,
	    status == EXIT_USAGE ? " (see smtpd --help)" : NULL);
}

/*
 * fail_file - refuse for a file that cannot be used: its name and the
 * reason, errno err; --help could not say more.
 */
static void
fail_file(const char *hostname, const char *why, const char *path, int err)
{
	refuse(hostname, EXIT_USAGE, why, path, file_error(err), NULL);
}

/*
 * build_index - --newaliases: the index of the aliases file at path
 * built anew; how many aliases it holds on stdout, malformed entries
 * (left out) on stderr.  An exit status.
 */
static int
build_index(const char *path)
{
	size_t n = 0;
	int bad = 0;

	log_init(LOG_SINK_STDERR, NULL); /* the malformed entries */
	if (aliases_build_index(path, &n, &bad) < 0) {
		(void)fprintf(stderr, "smtpd: cannot build the index of %s: %s\n",
		    path,
		    errno == EAGAIN ? "it changed while it was read, run again" :
				      file_error(errno));
		return EXIT_INTERNAL;
	}
	if (printf("%s" ALIASES_INDEX_SUFFIX
		": %zu aliases, %d malformed entries left out\n", path,
		n, bad) < 0 ||
	    fflush(stdout) == EOF)
		return EXIT_INTERNAL;
	return EXIT_OK;
}

/*
 * tls_config - the TLS program's configuration, or NULL for none.  The
 * pair is --tls-cert and --tls-key, else systemd's credentials tls.crt
 * and tls.key (LoadCredential=); or, with --tls-service, the service's.
 * smtpd only looks that the files are there (it never reads the key):
 * without them STARTTLS is not offered, which is logged; with
 * --tls-implicit or --require-tls they are needed, and their absence is
 * a start-up error.
 */
static const struct conn_tls_cfg *
tls_config(const struct config *cfg, struct conn_tls_cfg *t, char (*cred)[PATH_MAX],
    size_t size)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	const int needed = cfg->tls_implicit || cfg->require_tls;
	struct stat st;
	const char *missing = NULL;

	if (t->service != NULL)
		return t;
	if (t->cert == NULL && t->key == NULL && dir != NULL && dir[0] != '\0') {
		(void)snprintf(cred[0], size, "%s/tls.crt", dir);
		(void)snprintf(cred[1], size, "%s/tls.key", dir);
		if (stat(cred[0], &st) == 0 && stat(cred[1], &st) == 0) {
			t->cert = cred[0];
			t->key = cred[1];
		}
	}
	if (t->cert == NULL && t->key == NULL) {
		if (needed)
			fail(cfg->hostname, EXIT_USAGE,
			    "--tls-implicit and --require-tls need",
			    "--tls-cert and --tls-key");
		return NULL;
	}
	if (t->cert == NULL || t->key == NULL)
		fail(cfg->hostname, EXIT_USAGE, "give both of",
		    "--tls-cert and --tls-key");
	if (stat(t->cert, &st) < 0 || !S_ISREG(st.st_mode))
		missing = t->cert;
	else if (stat(t->key, &st) < 0 || !S_ISREG(st.st_mode))
		missing = t->key;
	else if (access(t->program, X_OK) < 0)
		missing = t->program;
	if (missing == NULL)
		return t;
	if (needed)
		fail_file(cfg->hostname, "cannot use for TLS", missing, errno);
	log_event(LOG_WARNING, "event=tls_unavailable file=%s error=%s",
	    missing, strerror(errno != 0 ? errno : EINVAL));
	return NULL;
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

#ifdef HAVE_LIBSYSTEMD
/* libsystemd - loaded once, and only by the two paths that use it. */
static void *
libsystemd(void)
{
	static void *lib;

	if (lib == NULL)
		lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
	return lib;
}
#endif

/*
 * connection - the descriptor of the client's connection: the socket
 * systemd passed, else stdin.  systemd's side of it is the protocol of
 * sd_listen_fds(3): LISTEN_PID names us, LISTEN_FDS counts descriptors
 * from 3.  It is read here by hand, as sd_listen_fds() and sd_is_socket()
 * would: loading libsystemd for that would cost every connection about
 * 0.9 M instructions, three times the rest of a session.  Returns -1
 * with *why set when LISTEN_FDS cannot be honoured, as when the socket
 * is one that listens (Accept=no).
 */
static int
connection(const char **why)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	uint64_t n, owner;
	int type = 0;
	socklen_t len = sizeof(type);
	struct stat st;

	/* Meant for another process (one that exec'ed us): not ours. */
	if (fds == NULL || pid == NULL || number(pid, 1, INT32_MAX, &owner) <
	    0 || owner != (uint64_t)getpid())
		return STDIN_FILENO;
	/* The delivery command must not see them. */
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_FDNAMES");
	if (number(fds, 1, 1, &n) < 0 || fstat(LISTEN_FDS_START, &st) < 0 ||
	    !S_ISSOCK(st.st_mode) ||
	    getsockopt(LISTEN_FDS_START, SOL_SOCKET, SO_TYPE, &type, &len) <
		0 ||
	    type != SOCK_STREAM) {
		*why = "LISTEN_FDS: expected one stream socket on descriptor 3";
		return -1;
	}
	/*
	 * A socket unit with Accept=no hands over the listening socket:
	 * taken for the connection, it would wait for --timeout.
	 */
	len = sizeof(type);
	if (getsockopt(
	        LISTEN_FDS_START, SOL_SOCKET, SO_ACCEPTCONN, &type, &len) < 0 ||
	    type != 0) {
		*why = "LISTEN_FDS: descriptor 3 is a listening socket, not a "
		       "connection: use Accept=yes in the .socket unit";
		return -1;
	}
	(void)fcntl(LISTEN_FDS_START, F_SETFD, FD_CLOEXEC);
	return LISTEN_FDS_START;
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

/* sockaddr_port - the port in ss as text, or NULL. */
static const char *
sockaddr_port(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	unsigned port;

	if (ss->ss_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	else if (ss->ss_family == AF_INET6)
		port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	else
		return NULL;
	return snprintf(buf, size, "%u", port) > 0 ? buf : NULL;
}

/*
 * addresses - the client's address and port, and ours: from the launcher
 * (tcpserver's TCPREMOTEIP, TCPREMOTEPORT and TCPLOCALIP, systemd's
 * REMOTE_ADDR and REMOTE_PORT), else from the socket; NULL when the
 * connection is a pipe.  The port is only logged.
 */
static void
addresses(struct config *cfg, const char **port)
{
	static char peer_buf[INET6_ADDRSTRLEN], local_buf[INET6_ADDRSTRLEN];
	static char port_buf[8];
	struct sockaddr_storage ss = { 0 }; /* read only if filled */
	socklen_t len = sizeof(ss);
	const char *a;

	if ((a = getenv("TCPREMOTEIP")) != NULL) {
		cfg->peer_addr = a;
		cfg->peer_host = getenv("TCPREMOTEHOST");
		*port = getenv("TCPREMOTEPORT");
	} else if ((a = getenv("REMOTE_ADDR")) != NULL) {
		cfg->peer_addr = a;
		*port = getenv("REMOTE_PORT");
	} else if (getpeername(cfg->in_fd, (struct sockaddr *)&ss, &len) ==
	    0) {
		cfg->peer_addr = sockaddr_text(&ss, peer_buf, sizeof(peer_buf));
		*port = sockaddr_port(&ss, port_buf, sizeof(port_buf));
	}
	len = sizeof(ss);
	if ((a = getenv("TCPLOCALIP")) != NULL)
		cfg->local_addr = a;
	else if (getsockname(cfg->in_fd, (struct sockaddr *)&ss, &len) == 0)
		cfg->local_addr =
		    sockaddr_text(&ss, local_buf, sizeof(local_buf));
}

/*
 * words - s split at spaces into a NULL-terminated argv (no shell, no
 * quoting), in one allocation that free() releases; NULL if there is no
 * word or no memory.
 */
static char **
words(const char *s)
{
	size_t n = 0, i, len = strlen(s);
	char **argv, *copy, *w, *save = NULL;

	for (i = 0; i < len; i++)
		n += s[i] != ' ' && (i == 0 || s[i - 1] == ' ');
	if (n == 0 ||
	    (argv = malloc((n + 1) * sizeof(*argv) + len + 1)) == NULL)
		return NULL;
	copy = (char *)(argv + n + 1);
	memcpy(copy, s, len + 1);
	for (i = 0, w = strtok_r(copy, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save))
		argv[i++] = w;
	argv[i] = NULL;
	return argv;
}

/*
 * auth_spec - --auth's value into a: "dovecot:PATH" or
 * "checkpassword:PROGRAM [ARG...]" (split at spaces, as --turn); 0, or
 * -1 for anything else.
 */
static int
auth_spec(const char *v, struct auth_cfg *a)
{
	size_t n;

	free(a->checkpassword);
	a->checkpassword = NULL;
	a->dovecot = NULL;
	if (strncmp(v, "dovecot:", 8) == 0 && v[8] == '/') {
		a->dovecot = v + 8;
		return 0;
	}
	if (strncmp(v, "checkpassword:", 14) != 0 ||
	    (a->checkpassword = words(v + 14)) == NULL)
		return -1;
	for (n = 0; a->checkpassword[n] != NULL; n++)
		;
	return n <= AUTH_ARGS_MAX ? 0 : -1;
}

/*
 * load - users and aliases, read once.  A file that cannot be read is a
 * configuration error, told with its name and the reason, except a
 * missing default aliases file.
 */
static void
load(struct lookup *lk, const char *hostname, const char *passwd,
    const char *aliases)
{
	const char *a = aliases ? aliases : DEFAULT_ALIASES;

	if (passwd != NULL && users_load_passwd(lk->users, passwd) < 0)
		fail_file(
		    hostname, "cannot read the --passwd file", passwd, errno);
	if (lookup_defer(lk, a, DEFAULT_LOGIN_DEFS) < 0 &&
	    (aliases != NULL || errno != ENOENT))
		fail_file(hostname, "cannot read the aliases file", a, errno);
}

/*
 * stderr_is_journal - JOURNAL_STREAM is "device:inode" of the stream
 * systemd connected to fd 2; a child whose fd 2 was redirected inherits
 * the variable, hence the check.
 */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	if (js == NULL || *js < '0' || *js > '9')
		return 0;
	errno = 0;
	dev = strtoull(js, &end, 10);
	if (errno != 0 || *end != ':' || end[1] < '0' || end[1] > '9')
		return 0;
	ino = strtoull(end + 1, &end, 10);
	if (errno != 0 || *end != '\0' || fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/*
 * log_start - where the log goes: syslog when fd 2 is the client, the
 * journal (libsystemd loaded for it, and only then) when fd 2 is the
 * journal, else stderr.
 */
static void
log_start(int conn)
{
	struct stat st;
	log_sendv_fn sendv = NULL;

	if (fstat(STDERR_FILENO, &st) < 0) {
		log_init(LOG_SINK_OFF, NULL);
	} else if (stderr_is_client(conn)) {
		log_init(LOG_SINK_SYSLOG, NULL);
	} else if (stderr_is_journal()) {
#ifdef HAVE_LIBSYSTEMD
		void *lib = libsystemd();

		if (lib != NULL)
			*(void **)&sendv = dlsym(lib, "sd_journal_sendv");
#endif
		log_init(LOG_SINK_JOURNAL, sendv);
	} else {
		log_init(LOG_SINK_STDERR, NULL);
	}
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
		.harvest_delay = DEFAULT_HARVEST_DELAY,
		.min_data_rate = DEFAULT_MIN_DATA_RATE,
		.bare_lf = BARE_LF_REJECT,
		.command = default_command,
		.term_fd = -1,
	};
	const char *bad = NULL, *why = NULL, *sync = "auto", *port = NULL;
	const char *passwd = NULL, *aliases = NULL;
	struct conn_tls_cfg tls = { .program = SMTPD_TLS_PROGRAM };
	struct auth_cfg auth = { NULL, NULL };
	struct session_report rep = { "" };
	char cred[2][PATH_MAX];
	struct lookup *lk = lookup_new();
	size_t ndomains = 0;
	sigset_t term;
	uint64_t v = 0; /* number() leaves it alone on a bad value */
	int c, status, newaliases = 0;

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

	/*
	 * The connection first, so that every later failure tells the
	 * client, on systemd's descriptor 3 too (stdout is the journal).
	 */
	if ((cfg.in_fd = connection(&why)) >= 0) {
		cfg.out_fd =
		    cfg.in_fd == STDIN_FILENO ? STDOUT_FILENO : cfg.in_fd;
		client_fd = cfg.out_fd;
	}
	if (lk == NULL)
		fail(fqdn(), EXIT_INTERNAL, "out of memory", NULL);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+H:s:r:t:T:b:S:m:y:p:a:d:R:hV",
		    options, NULL)) != -1) {
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
			if (number(optarg, 1, RECIPIENTS_MAX, &v) < 0)
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
		case 'm':
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
		case 'p':
			passwd = optarg;
			break;
		case 'a':
			aliases = optarg;
			break;
		case 'd':
			if (!valid_hostname(optarg) || optarg[0] == '[')
				bad = "--domain";
			else if (access_add_domain(lk->access, optarg) < 0)
				fail(fqdn(), EXIT_INTERNAL, "out of memory",
				    NULL);
			ndomains++;
			break;
		case 'R':
			if (access_add_net(lk->access, optarg) == 0)
				break;
			if (errno == ENOMEM)
				fail(fqdn(), EXIT_INTERNAL, "out of memory",
				    NULL);
			bad = "--relay-net";
			break;
		case OPT_ANY_RECIPIENT:
			cfg.any_recipient = 1;
			break;
		case OPT_NO_VRFY:
			cfg.no_vrfy = 1;
			break;
		case OPT_NO_EXPN:
			cfg.no_expn = 1;
			break;
		case OPT_TURN:
			if ((cfg.turn = words(optarg)) == NULL)
				bad = "--turn";
			break;
		case OPT_NEWALIASES:
			newaliases = 1;
			break;
		case OPT_TLS_CERT:
			tls.cert = optarg;
			break;
		case OPT_TLS_KEY:
			tls.key = optarg;
			break;
		case OPT_TLS_IMPLICIT:
			cfg.tls_implicit = 1;
			break;
		case OPT_REQUIRE_TLS:
			cfg.require_tls = 1;
			break;
		case OPT_TLS_SERVICE:
			tls.service = optarg;
			break;
		case OPT_TLS_PROGRAM:
			tls.program = optarg;
			break;
		case OPT_AUTH:
			if (auth_spec(optarg, &auth) < 0)
				bad = "--auth";
			cfg.auth = &auth;
			break;
		case OPT_AUTH_PLAINTEXT:
			cfg.auth_plaintext = 1;
			break;
		case OPT_AUTH_HEADER:
			cfg.auth_header = 1;
			break;
		case OPT_SUBMISSION:
			cfg.submission = 1;
			break;
		case 'h':
		case 'V':
			lookup_free(lk);
			free(cfg.turn);
			free(auth.checkpassword);
			/* Output that could not be written is a failure. */
			if ((c == 'h' ? fputs(usage, stdout) == EOF ||
				    fputs(help, stdout) == EOF :
					puts("smtpd " SMTPD_VERSION) == EOF) ||
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
	if (cfg.submission && cfg.auth == NULL)
		fail(cfg.hostname, EXIT_USAGE, "--submission needs", "--auth");
	if (newaliases) {
		lookup_free(lk);
		free(cfg.turn);
		free(auth.checkpassword);
		return build_index(aliases != NULL ? aliases : DEFAULT_ALIASES);
	}
	if (optind < argc)
		cfg.command = argv + optind;
	/* Without --domain: our own name, and localhost. */
	if (ndomains == 0 && (access_add_domain(lk->access, cfg.hostname) < 0 ||
	    access_add_domain(lk->access, "localhost") < 0))
		fail(cfg.hostname, EXIT_INTERNAL, "out of memory", NULL);

	cfg.tmpdir = getenv("TMPDIR");
	if (cfg.tmpdir == NULL || cfg.tmpdir[0] == '\0')
		cfg.tmpdir = "/tmp";
	if (cfg.in_fd < 0)
		fail(cfg.hostname, EXIT_INTERNAL, why, NULL);
	cfg.sync_check = strcmp(sync, "on") == 0 ||
	    (strcmp(sync, "auto") == 0 && fd_is_socket(cfg.in_fd));
	addresses(&cfg, &port);
	access_set_local_addr(lk->access, cfg.local_addr);
	cfg.trusted = access_trusted(lk->access, cfg.peer_addr);
	cfg.lookup = lk;
	log_start(cfg.in_fd);
	load(lk, cfg.hostname, passwd, aliases);
	cfg.tls = tls_config(&cfg, &tls, cred, sizeof(cred[0]));
	log_event(LOG_INFO,
	    "event=session_start peer=%s peer_port=%s peer_host=%s local=%s",
	    cfg.peer_addr ? cfg.peer_addr : "unknown", port ? port : "",
	    cfg.peer_host ? cfg.peer_host : "",
	    cfg.local_addr ? cfg.local_addr : "");
	status = session_run(&cfg, &rep);
	log_event(LOG_INFO, "event=session_end status=%d tls=%s", status,
	    rep.tls);
	lookup_free(lk);
	free(cfg.turn);
	free(auth.checkpassword);
	return status;
}
