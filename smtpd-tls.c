/* SPDX-License-Identifier: ISC */
/*
 * smtpd-tls - the TLS end of one SMTP session, so that the process that
 * parses SMTP never holds the private key nor links the TLS library.
 *
 * Usage: smtpd-tls [--timeout SECONDS] CERT KEY
 *        smtpd-tls [--timeout SECONDS] --service SOCKET CERT KEY
 *
 * Descriptor 0 is the client's connection (a socket), descriptor 1 the
 * plaintext end that smtpd reads and writes (a socketpair).  smtpd-tls
 * loads the certificate (a chain in CERT is sent whole) and the key and
 * says so on descriptor 1 ("ready", so that smtpd answers STARTTLS with
 * 220 only when the handshake can happen), runs the server handshake on
 * descriptor 0 within the timeout (default 300 s), and writes one status
 * line to descriptor 1:
 *
 *	tls TLSv1.3 TLS_AES_256_GCM_SHA384 256
 *	fail REASON
 *
 * ("fail" instead of "ready" when the pair cannot be loaded)
 * (protocol as Postfix names it, cipher suite by its IANA name, which
 * OpenSSL uses for TLS 1.3 but not for 1.2, and key bits); after "tls" it carries the session
 * both ways until either side ends it, then closes the TLS session
 * (close_notify) and exits 0.  After "fail" it exits 1 at once: the
 * client's bytes are never passed on as plaintext.  TLS 1.2 and 1.3 only,
 * GnuTLS's secure defaults, no compression (GnuTLS has none), no
 * renegotiation (a client that asks for one ends the session).
 */
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define CLIENT		  0
#define PLAIN		  1
#define DEFAULT_TIMEOUT	  300
#define RELAY_BUF	  16384 /* one TLS record's worth */
#define SERVICE_BACKLOG	  64
#define PRIORITY	  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE"

/* PRIORITY parsed once (by main): the service's sessions share it. */
static gnutls_priority_t priority;

/* plain_all - buf[0, len) to smtpd: 0, or -1 when smtpd is gone. */
static int
plain_all(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(PLAIN, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* fail - tell smtpd the handshake did not happen, and why; exit 1. */
static int
fail(const char *why)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "fail %s\n", why);

	if (n > 0 && (size_t)n < sizeof(line))
		(void)plain_all(line, (size_t)n);
	return 1;
}

/*
 * from_client - what the client sent, decrypted, to smtpd, including
 * what GnuTLS holds already: 1 more to come, 0 the client ended, -1.
 */
static int
from_client(gnutls_session_t s)
{
	char buf[RELAY_BUF];

	do {
		ssize_t n = gnutls_record_recv(s, buf, sizeof(buf));

		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			return 1;
		/* Most clients close without close_notify after QUIT. */
		if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION)
			return 0;
		if (n < 0) /* GNUTLS_E_REHANDSHAKE too: no renegotiation */
			return -1;
		if (plain_all(buf, (size_t)n) < 0)
			return -1;
	} while (gnutls_record_check_pending(s) > 0);
	return 1;
}

/* to_client - what smtpd wrote, encrypted: 1, 0 smtpd ended, -1. */
static int
to_client(gnutls_session_t s)
{
	char buf[RELAY_BUF];
	ssize_t n = read(PLAIN, buf, sizeof(buf)), done = 0;

	if (n < 0 && errno == EINTR)
		return 1;
	if (n <= 0)
		return n == 0 ? 0 : -1;
	while (done < n) {
		ssize_t w = gnutls_record_send(s, buf + done, (size_t)(n - done));

		if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED)
			continue;
		if (w < 0)
			return -1;
		done += w;
	}
	return 1;
}

/* relay - both ways until one side ends; 0 cleanly, -1 an error. */
static int
relay(gnutls_session_t s)
{
	for (;;) {
		struct pollfd pfd[2] = { { CLIENT, POLLIN, 0 },
			{ PLAIN, POLLIN, 0 } };
		int r;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd[0].revents != 0 && (r = from_client(s)) <= 0)
			return r;
		if (pfd[1].revents != 0 && (r = to_client(s)) <= 0) {
			if (r == 0)
				(void)gnutls_bye(s, GNUTLS_SHUT_WR);
			return r;
		}
	}
}

/*
 * pair_load - the certificate (a chain) and the key into cred: 0, or a
 * GnuTLS error.  gnutls_certificate_set_x509_key_file() checks that
 * they match by signing and verifying a test message with them, 3.6 M
 * instructions, a third of a session exec'd for STARTTLS
 * (bench/NOTES.md); comparing the certificate's key ID with the key's
 * (SHA-1 of the public key) finds the same mismatch for far less.
 */
static int
pair_load(gnutls_certificate_credentials_t cred, const char *cert,
    const char *key)
{
	gnutls_datum_t c = { NULL, 0 }, k = { NULL, 0 };
	gnutls_x509_crt_t *crts = NULL;
	gnutls_x509_privkey_t pk = NULL;
	unsigned char cid[64], kid[64];
	size_t clen = sizeof(cid), klen = sizeof(kid);
	unsigned n = 0, i;
	int r;

	if ((r = gnutls_load_file(cert, &c)) < 0 ||
	    (r = gnutls_load_file(key, &k)) < 0 ||
	    (r = gnutls_x509_crt_list_import2(&crts, &n, &c,
		 GNUTLS_X509_FMT_PEM, 0)) < 0 ||
	    (r = gnutls_x509_privkey_init(&pk)) < 0 ||
	    (r = gnutls_x509_privkey_import2(pk, &k, GNUTLS_X509_FMT_PEM, NULL,
		 0)) < 0 ||
	    (r = gnutls_x509_crt_get_key_id(crts[0], 0, cid, &clen)) < 0 ||
	    (r = gnutls_x509_privkey_get_key_id(pk, 0, kid, &klen)) < 0)
		goto out;
	if (clen != klen || memcmp(cid, kid, clen) != 0) {
		r = GNUTLS_E_CERTIFICATE_KEY_MISMATCH;
		goto out;
	}
	gnutls_certificate_set_flags(cred,
	    GNUTLS_CERTIFICATE_SKIP_KEY_CERT_MATCH);
	r = gnutls_certificate_set_x509_key(cred, crts, (int)n, pk);
out:
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	if (pk != NULL)
		gnutls_x509_privkey_deinit(pk);
	if (k.data != NULL)
		gnutls_memset(k.data, 0, k.size);
	gnutls_free(k.data);
	gnutls_free(c.data);
	return r < 0 ? r : 0;
}

/*
 * session - the handshake on CLIENT with cred, the status line, then the
 * relay: an exit status.
 */
static int
session(gnutls_certificate_credentials_t cred, long timeout)
{
	gnutls_session_t s;
	const char *suite, *version;
	char line[256];
	int r, n;

	if (gnutls_init(&s, GNUTLS_SERVER | GNUTLS_NO_SIGNAL) < 0 ||
	    gnutls_priority_set(s, priority) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) < 0)
		return fail("cannot set up the TLS session");
	if (plain_all("ready\n", 6) < 0)
		return 1;
	gnutls_transport_set_int2(s, CLIENT, CLIENT);
	gnutls_handshake_set_timeout(s, (unsigned)timeout * 1000);
	do
		r = gnutls_handshake(s);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0)
		return fail(gnutls_strerror(r));
	/* "TLSv1.3", as Postfix writes it; the suite by its IANA name. */
	suite = gnutls_ciphersuite_get(s);
	version = gnutls_protocol_get_name(gnutls_protocol_get_version(s));
	n = snprintf(line, sizeof(line), "tls TLSv%s %s %u\n",
	    version != NULL && strncmp(version, "TLS", 3) == 0 ? version + 3 :
								 "?",
	    suite != NULL ? suite : "unknown",
	    (unsigned)gnutls_cipher_get_key_size(gnutls_cipher_get(s)) * 8);
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    plain_all(line, (size_t)n) < 0)
		return 1;
	r = relay(s);
	gnutls_deinit(s);
	return r < 0 ? 1 : 0;
}

/*
 * The service: one process that has loaded the library, certificate and
 * key once, listening on a UNIX socket (systemd's descriptor 3, or one
 * it binds).  smtpd connects, sends the client's connection as
 * SCM_RIGHTS with one octet, and the connection it made is the
 * plaintext end; a child forked for it runs the session.  Before each
 * session the certificate and key files are looked at: when either
 * changed, the pair is loaded anew, and if it does not load the old one
 * goes on serving (renewal needs no restart, and a bad renewal breaks
 * nothing).
 */
struct pair {
	const char *cert, *key;
	struct stat cst, kst;
	gnutls_certificate_credentials_t cred;
};

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* load - the pair's files into a credential: 0, or -1 (said on stderr). */
static int
load(struct pair *p)
{
	gnutls_certificate_credentials_t cred;
	struct stat cst, kst;
	int r;

	if (stat(p->cert, &cst) < 0 || stat(p->key, &kst) < 0) {
		(void)fprintf(stderr, "smtpd-tls: %s or %s: %s\n", p->cert,
		    p->key, strerror(errno));
		return -1;
	}
	if (p->cred != NULL && same_file(&cst, &p->cst) &&
	    same_file(&kst, &p->kst))
		return 0;
	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return -1;
	if ((r = pair_load(cred, p->cert, p->key)) < 0) {
		(void)fprintf(stderr, "smtpd-tls: cannot load %s and %s%s: %s\n",
		    p->cert, p->key,
		    p->cred != NULL ? ", serving the pair loaded before" : "",
		    gnutls_strerror(r));
		gnutls_certificate_free_credentials(cred);
		p->cst = cst; /* said once, until they change again */
		p->kst = kst;
		return -1;
	}
	if (p->cred != NULL) {
		(void)fprintf(stderr, "smtpd-tls: loaded %s and %s anew\n",
		    p->cert, p->key);
		gnutls_certificate_free_credentials(p->cred);
	}
	p->cred = cred;
	p->cst = cst;
	p->kst = kst;
	return 0;
}

/* listener - systemd's socket, or path bound and listened on; or -1. */
static int
listener(const char *path)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (pid != NULL && fds != NULL && strtol(pid, NULL, 10) == getpid() &&
	    strcmp(fds, "1") == 0)
		return 3;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, SERVICE_BACKLOG) < 0) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* take - the client's connection sent on conn, or -1. */
static int
take(int conn)
{
	char octet, space[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &octet, 1 };
	struct msghdr m = { .msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = space,
		.msg_controllen = sizeof(space) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(conn, &m, MSG_CMSG_CLOEXEC) != 1 ||
	    (m.msg_flags & MSG_CTRUNC) != 0 || (c = CMSG_FIRSTHDR(&m)) == NULL ||
	    c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

static int
serve(const char *path, struct pair *p, long timeout)
{
	struct sigaction sa = { .sa_handler = SIG_IGN,
		.sa_flags = SA_NOCLDWAIT };
	int lfd = listener(path);

	if (lfd < 0) {
		(void)fprintf(stderr, "smtpd-tls: cannot listen on %s: %s\n",
		    path, strerror(errno));
		return 1;
	}
	(void)sigaction(SIGCHLD, &sa, NULL); /* no zombies, no waiting */
	for (;;) {
		int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC), client;
		pid_t pid;

		if (conn < 0) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EMFILE || errno == ENFILE)
				continue;
			return 1;
		}
		(void)load(p); /* renewed? */
		if ((pid = fork()) == 0) {
			struct timeval tv = { timeout, 0 }, none = { 0, 0 };

			(void)close(lfd);
			/* A peer that sends nothing gets the handshake's time. */
			if (dup2(conn, PLAIN) < 0)
				_exit(1);
			(void)setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv,
			    sizeof(tv));
			client = take(conn);
			(void)setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &none,
			    sizeof(none));
			if (client < 0 || dup2(client, CLIENT) < 0)
				_exit(fail("no client connection received"));
			(void)close(client);
			(void)close(conn);
			_exit(session(p->cred, timeout));
		}
		if (pid < 0)
			(void)fprintf(stderr, "smtpd-tls: fork: %s\n",
			    strerror(errno));
		(void)close(conn);
	}
}

int
main(int argc, char **argv)
{
	struct pair p = { 0 };
	long timeout = DEFAULT_TIMEOUT;
	const char *service = NULL;
	char *end;
	int r;

	/* smtpd gone must be an error from write(), not the end of us. */
	(void)signal(SIGPIPE, SIG_IGN);
	for (;;) {
		if (argc >= 3 && strcmp(argv[1], "--timeout") == 0) {
			errno = 0;
			timeout = strtol(argv[2], &end, 10);
			if (errno != 0 || *end != '\0' || timeout < 1 ||
			    timeout > 86400)
				return fail("bad --timeout");
		} else if (argc >= 3 && strcmp(argv[1], "--service") == 0) {
			service = argv[2];
		} else {
			break;
		}
		argv += 2;
		argc -= 2;
	}
	if (argc != 3) {
		(void)fprintf(stderr, "usage: smtpd-tls [--timeout SECONDS] "
				      "[--service SOCKET] CERT KEY\n");
		return 2;
	}
	p.cert = argv[1];
	p.key = argv[2];
	if (gnutls_priority_init(&priority, PRIORITY, NULL) < 0)
		return fail("cannot set up the TLS session");
	if (service != NULL)
		return load(&p) < 0 ? 1 : serve(service, &p, timeout);
	if (gnutls_certificate_allocate_credentials(&p.cred) < 0)
		return fail("out of memory");
	if ((r = pair_load(p.cred, p.cert, p.key)) < 0)
		return fail(gnutls_strerror(r));
	r = session(p.cred, timeout);
	gnutls_certificate_free_credentials(p.cred);
	return r;
}
