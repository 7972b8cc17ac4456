/* SPDX-License-Identifier: ISC */
/*
 * file.h - the files the lookups read whole: passwd, aliases(5) and
 * :include: lists.  Opened with care, read whole, walked line by line.
 */
#ifndef SMTPD_FILE_H
#define SMTPD_FILE_H

#include <stddef.h>
#include <sys/stat.h>

int file_open(const char *path, struct stat *st);
char *file_read_all(int fd, const struct stat *st, size_t *len);
char *file_slurp(const char *path, size_t *len);
const char *file_error(int err);
const char *file_next_line(const char **p, const char *end, size_t *len);
/* file_malformed - log that line of file is skipped, and why. */
void file_malformed(const char *file, unsigned line, const char *why);

#endif
