/* SPDX-License-Identifier: ISC */
/*
 * session.h - one SMTP session: configuration in, exit status out.
 */
#ifndef SMTPD_SESSION_H
#define SMTPD_SESSION_H

#include <stdint.h>

#include "auth.h"
#include "conn.h"
#include "data.h"
#include "lookup.h"

/* Filled once by main; read-only afterwards. */
struct config {
	const char *hostname;	/* greeting, 221, Received header */
	uint64_t max_size;	/* octets; 0 for no limit */
	unsigned max_rcpts;	/* recipients per transaction */
	int timeout;		/* seconds to receive one command line */
	int session_timeout;	/* seconds the whole session may last */
	unsigned min_data_rate;	/* octets a second in DATA; 0: no minimum */
	int delivery_timeout;	/* seconds the delivery command may run */
	int harvest_delay;	/* seconds per unknown user past the free ones */
	int sync_check;		/* refuse input sent before its turn */
	enum bare_lf bare_lf;
	char *const *command;	/* delivery argv, %F and %% expanded */
	const char *tmpdir;	/* where messages are stored */
	const char *peer_addr;	/* client's IP address, NULL if unknown */
	const char *peer_host;	/* client's host name, NULL if unknown */
	const char *local_addr;	/* our address on the connection, or NULL */
	struct lookup *lookup;	/* users, aliases, local domains */
	int trusted;		/* RELAYCLIENT, or the peer in a --relay-net */
	char **turn;		/* --turn: argv for TURN, or NULL */
	int any_recipient;	/* every local part of a local domain is ours */
	int no_vrfy;		/* VRFY answers 252 */
	int no_expn;		/* EXPN answers 502 */
	int in_fd;		/* the connection */
	int out_fd;
	int term_fd;		/* readable when SIGTERM arrived, or -1 */
	const struct conn_tls_cfg *tls; /* the TLS program, or NULL */
	int tls_implicit;	/* the handshake first (RFC 8314 3) */
	int require_tls;	/* no mail before STARTTLS */
	const struct auth_cfg *auth; /* --auth: SMTP AUTH's backend, or NULL */
	int auth_plaintext;	/* AUTH without TLS too */
	int auth_header;	/* the Received header names the user */
	int submission;		/* no mail before AUTH (RFC 6409) */
};

/* What main logs of a session when it has ended. */
struct session_report {
	char tls[96];		/* "TLSv1.3 TLS_AES_256_GCM_SHA384", or "" */
};

int session_run(const struct config *cfg, struct session_report *rep);

#endif
