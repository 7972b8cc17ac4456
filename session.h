/* SPDX-License-Identifier: ISC */
/*
 * session.h - one SMTP session: configuration in, exit status out; and
 * the two parsers the unit tests and fuzzers reach directly.
 */
#ifndef SMTPD_SESSION_H
#define SMTPD_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "lookup.h"
#include "smtpd.h"

/* What to do with a bare CR or LF inside DATA. */
enum bare_lf {
	BARE_LF_REJECT,	  /* read to the end, deliver nothing, 550 5.5.2 */
	BARE_LF_NORMALIZE /* LF is a line end, a lone CR becomes a space */
};

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
};

int session_run(const struct config *cfg);

/* Path parsing (RFC 5321 4.1.2), exported for tests and fuzzers. */
enum path_flags {
	PATH_NULL_OK = 1,	/* "<>" is allowed: a reverse-path */
	PATH_POSTMASTER_OK = 2, /* "<Postmaster>" is allowed: a forward-path */
};

enum path_result {
	PATH_OK,
	PATH_SYNTAX,	      /* 501: not a path */
	PATH_TOO_LONG,	      /* 501: over SMTP_PATH_MAX */
	PATH_LOCAL_TOO_LONG,  /* 553: local part over SMTP_LOCAL_MAX */
	PATH_DOMAIN_TOO_LONG, /* 553: domain over SMTP_DOMAIN_MAX */
	PATH_DASH,	      /* 553: mailbox begins with '-' */
	PATH_CONTROL,	      /* 553: a C1 control (U+0080-U+009F) */
};

struct path {
	char addr[SMTP_PATH_MAX]; /* mailbox without route and brackets */
	size_t len;		  /* 0 for the null path */
	int utf8;		  /* it holds non-ASCII (RFC 6531) */
};

enum path_result session_parse_path(const char *s, size_t len, int flags,
    struct path *p, size_t *used);

/*
 * The DATA decoder: undoes dot-stuffing, turns CRLF into LF, finds the
 * end of data; exported for tests and fuzzers.
 */
struct unstuff {
	enum bare_lf policy;
	int bol;	/* at the beginning of a line */
	int bol_crlf;	/* ... and the line before ended in CRLF */
	int bare;	/* a bare CR or LF was seen (policy reject) */
	int done;	/* the final <CRLF>.<CRLF> was read */
	uint64_t size;	/* RFC 1870 size so far */
};

void session_unstuff_init(struct unstuff *u, enum bare_lf policy);
size_t session_unstuff(struct unstuff *u, const char *in, size_t len,
    char *out, size_t *outlen);

#endif
