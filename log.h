/* SPDX-License-Identifier: ISC */
/*
 * log.h - one line per event on stderr, prefixed by its syslog level.
 */
#ifndef SMTPD_LOG_H
#define SMTPD_LOG_H

#include <syslog.h>

void log_init(int enabled);
void log_event(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
