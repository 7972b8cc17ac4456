/* SPDX-License-Identifier: ISC */
/*
 * conn.h - the client connection, the only way to read from the client or
 * write to it; and the monotonic clock its deadlines are kept in.
 */
#ifndef SMTPD_CONN_H
#define SMTPD_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "smtpd.h"

/* What a read gave. */
enum conn_input {
	IN_LINE,     /* a line; for conn_data, the end of data */
	IN_TOO_LONG, /* a line over SMTP_LINE_MAX, skipped to its end */
	IN_EOF,
	IN_TIMEOUT,
	IN_TERM, /* SIGTERM arrived */
};

/*
 * Its fields are conn.c's: the rest call the functions below, so that
 * TLS (conn_starttls(), to come) or a PROXY header read before the
 * greeting changes nothing above.  in[] is last, and never zeroed.
 */
struct conn {
	int in_fd, out_fd, term_fd, timeout;
	int tls_fd;	     /* the TLS program's plaintext end, or -1 */
	int64_t session_end; /* monotonic ms */
	int failed;          /* a write failed: the client is gone */
	size_t olen, r, w;   /* out[0, olen) to send, in[r, w) to use */
	char out[OUTBUF_SIZE];
	char in[INBUF_SIZE];
};

/* How to reach the TLS program: exec'd per session, or its service. */
struct conn_tls_cfg {
	const char *program; /* smtpd-tls */
	const char *service; /* its --service socket, or NULL */
	const char *cert, *key;
};

/* What the TLS program said: the session's TLS, or why there is none. */
struct conn_tls {
	char version[16]; /* "TLSv1.3" */
	char cipher[64];  /* the suite's IANA name */
	unsigned bits;
	char why[128];
};

int64_t conn_now_ms(void);
void conn_init(struct conn *c, int in_fd, int out_fd, int term_fd, int timeout,
    int session_timeout);
enum conn_input conn_line(struct conn *c, char **line, size_t *len);
enum conn_input conn_line_max(struct conn *c, size_t max, char **line,
    size_t *len);
enum conn_input conn_data(struct conn *c, unsigned min_rate,
    int (*take)(void *arg, const char *p, size_t len, size_t *used), void *arg);
int conn_waiting(const struct conn *c);
int conn_terminating(const struct conn *c);
void conn_pause(struct conn *c, int seconds);
int conn_give_back(struct conn *c);
void conn_write(struct conn *c, const char *p, size_t len);
int conn_tls_start(struct conn *c, const struct conn_tls_cfg *t,
    struct conn_tls *info);
int conn_tls_handshake(struct conn *c, struct conn_tls *info);
int conn_flush(struct conn *c);

#endif
