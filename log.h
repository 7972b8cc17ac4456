/* SPDX-License-Identifier: ISC */
/*
 * log.h - one event per line, "key=value ...", on stderr, in the journal
 * or in syslog.
 */
#ifndef SMTPD_LOG_H
#define SMTPD_LOG_H

#include <stddef.h>
#include <sys/uio.h>
#include <syslog.h>

/* Where the lines go; main decides once, before the session. */
enum log_sink {
	LOG_SINK_OFF,     /* stderr is closed */
	LOG_SINK_STDERR,  /* "<6>event=..." lines */
	LOG_SINK_JOURNAL, /* stderr is the journal: sd_journal_sendv() */
	LOG_SINK_SYSLOG,  /* stderr is the client: syslog(3), LOG_MAIL */
};

/* libsystemd's sd_journal_sendv, as main found it with dlsym. */
typedef int (*log_sendv_fn)(const struct iovec *, int);

void log_init(enum log_sink sink, log_sendv_fn sendv);

/*
 * log_event - fmt is "event=NAME key=value ...": keys are literal, each
 * value may hold %s, %d, %u, %zu, %llu; a value is quoted and escaped as
 * needed (see log_line), whatever the arguments hold.
 */
void log_event(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * log_line - the text form of one event into buf (NUL-terminated, cut
 * to size), without the "<level>" prefix; for the unit tests.  Returns
 * its length.
 */
size_t log_line(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
