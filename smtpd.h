/* SPDX-License-Identifier: ISC */
/*
 * smtpd.h - limits, defaults and exit codes shared by every file.
 *
 * Each limit names its source.  Nothing else lives here: types and
 * functions belong to the module that owns them.
 */
#ifndef SMTPD_H
#define SMTPD_H

#define SMTPD_VERSION "0.1"

/* RFC 5321 4.5.3.1: sizes of protocol objects, in octets. */
#define SMTP_LINE_MAX	 512 /* 4.5.3.1.4: command line with its CRLF */
#define SMTP_LOCAL_MAX	 64  /* 4.5.3.1.1: local part */
#define SMTP_DOMAIN_MAX	 255 /* 4.5.3.1.2: domain */
#define SMTP_PATH_MAX	 256 /* 4.5.3.1.3: path, with its angle brackets */
#define SMTP_REPLY_MAX	 512 /* 4.5.3.1.5: reply line with its CRLF */
#define SMTP_TIMEOUT_MIN 300 /* 4.5.3.2.7: server timeout for a command */

/* RFC 1870: the SIZE value is 1*20DIGIT. */
#define SMTP_SIZE_DIGITS_MAX 20

/* Our defaults: each can be changed by an option. */
#define DEFAULT_MAX_SIZE	 (25UL * 1024 * 1024) /* --max-size */
#define DEFAULT_MAX_RECIPIENTS	 100		      /* --max-recipients */
/*
 * The most --max-recipients may be: SMTP_RECIPIENTS holds them all, and
 * Linux refuses to exec with one string over 128 KiB (MAX_ARG_STRLEN):
 * 500 paths of SMTP_PATH_MAX octets fit, with room to spare.  RFC 5321
 * 4.5.3.1.8 asks for at least 100.
 */
#define RECIPIENTS_MAX 500
#define DEFAULT_TIMEOUT		 SMTP_TIMEOUT_MIN     /* --timeout */
#define DEFAULT_DELIVERY_TIMEOUT 300 /* --delivery-timeout, below 4.5.3.2.6 */
#define DEFAULT_SESSION_TIMEOUT	 3600 /* --session-timeout */
#define DEFAULT_MIN_DATA_RATE	 500  /* --min-data-rate, as Postfix's */

/*
 * Error replies a client may earn before the session ends with 421, as
 * Postfix's smtpd_hard_error_limit: a client that keeps failing is a
 * harvester, a spammer, or broken.
 */
#define DEFAULT_ERRORS_MAX 20

/*
 * Lookups (users.c, aliases.c, lookup.c).  Alias depth as sendmail's
 * MAXALIASDEPTH; the rest bound what one query may cost or show.
 */
#define ALIAS_DEPTH_MAX	    10	 /* nested aliases and :include: lists */
#define ALIAS_MEMBERS_MAX   1000 /* members visited by one expansion */
#define ALIAS_MEMBER_MAX    1024 /* octets of one member, with its NUL */
#define LOOKUP_LINES_MAX    50	 /* EXPN members, VRFY candidates shown */
#define LOOKUP_FILE_MAX	    (16UL * 1024 * 1024) /* passwd, aliases */
#define DEFAULT_UID_MIN	    1000 /* login.defs(5) UID_MIN when unset */
#define DEFAULT_ALIASES	    "/etc/aliases"
#define ALIASES_INDEX_SUFFIX ".smtpd.cdb" /* --newaliases: FILE.smtpd.cdb */
#define DEFAULT_LOGIN_DEFS  "/etc/login.defs"
#define LOGIN_DEFS_MAX	    32768 /* octets of it read; Debian's is 12 KiB */
#define ALIAS_BLOCK_SIZE    65536 /* the aliases' strings are kept in blocks */

/*
 * Address harvesting: VRFY, EXPN and RCPT answers that say "no such
 * user" are free this many times a session; each further one is answered
 * after DEFAULT_HARVEST_DELAY seconds.  DEFAULT_ERRORS_MAX still ends
 * the session.
 */
#define DEFAULT_HARVEST_FREE  3
#define DEFAULT_HARVEST_DELAY 2

/*
 * SMTP AUTH (RFC 4954).  A line of the exchange, and the AUTH command
 * with its initial response, may be 12,288 octets with the CRLF (4);
 * Dovecot's auth protocol lines fit 16,384 (its
 * AUTH_CLIENT_MAX_LINE_LENGTH).  A user name or password longer than
 * ours is refused without asking the backend; the third failure ends
 * the session (issue 13, as Postfix's smtpd_hard_error_limit would
 * later).  AUTH_ARGS_MAX bounds --auth checkpassword:'PROGRAM ARG...'.
 */
#define SMTP_AUTH_LINE_MAX    12288
#define AUTH_BACKEND_LINE_MAX 16384
#define AUTH_USER_MAX	      255
#define AUTH_PASS_MAX	      1023
#define AUTH_FAILURES_MAX     3
#define AUTH_ARGS_MAX	      32

/* Buffers: input is read in large blocks for PIPELINING (RFC 2920). */
#define INBUF_SIZE    65536
#define OUTBUF_SIZE   4096

/*
 * Seconds a write to the client may still wait once SIGTERM arrived: a
 * client that stopped reading must not hold up shutdown for --timeout.
 */
#define TERM_WRITE_GRACE 2

/* What the delivery command may tell us on its stdout or stderr. */
#define DELIVERY_TEXT_MAX 200

/* sd_listen_fds(3): the first descriptor systemd passes. */
#define LISTEN_FDS_START 3

/* Exit codes of smtpd itself. */
#define EXIT_OK	      0 /* the session ended: QUIT, EOF, timeout, 421 */
#define EXIT_INTERNAL 1 /* we failed: out of memory, a broken descriptor */
#define EXIT_USAGE    2 /* bad option or option value */

#endif
