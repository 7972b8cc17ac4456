/* SPDX-License-Identifier: ISC */
/*
 * file.c - reading the files users.c, aliases.c and lookup.c ask about:
 * only a regular file of bounded size, so that a directory or a FIFO
 * named by mistake is an error, not a session that waits; read whole in
 * one buffer, then walked line by line; a malformed line logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "log.h"
#include "smtpd.h"

/*
 * file_open - path opened for reading, if it is a regular file of at most
 * LOOKUP_FILE_MAX octets (or /dev/null, which is empty): a directory
 * cannot be read, and a FIFO would block the session.  The descriptor, or
 * -1 with errno (EISDIR, EINVAL for another type, EFBIG).
 */
int
file_open(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), e;

	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0)
		e = errno;
	else if (S_ISDIR(st->st_mode))
		e = EISDIR;
	else if (!S_ISREG(st->st_mode) && strcmp(path, "/dev/null") != 0)
		e = EINVAL;
	else if ((uint64_t)st->st_size > LOOKUP_FILE_MAX)
		e = EFBIG;
	else
		return fd;
	(void)close(fd);
	errno = e;
	return -1;
}

/* file_error - what a load's errno means, for a log line. */
const char *
file_error(int e)
{
	return e == EINVAL ? "not a regular file" : strerror(e);
}

/*
 * file_read_all - the st->st_size octets of fd, NUL-terminated; closes fd.
 * NULL with errno (EIO when the file was shorter than fstat said).
 */
char *
file_read_all(int fd, const struct stat *st, size_t *len)
{
	char *buf = malloc((size_t)st->st_size + 1);
	size_t n = 0;

	while (buf != NULL && n < (size_t)st->st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st->st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	(void)close(fd);
	if (buf != NULL && n < (size_t)st->st_size) {
		free(buf);
		buf = NULL;
		errno = EIO;
	}
	if (buf != NULL) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

/* file_slurp - the whole file at path, NUL-terminated (see file_open). */
char *
file_slurp(const char *path, size_t *len)
{
	struct stat st;
	int fd = file_open(path, &st);

	return fd < 0 ? NULL : file_read_all(fd, &st, len);
}

void
file_malformed(const char *file, unsigned line, const char *why)
{
	log_event(LOG_WARNING, "event=lookup_malformed file=%s line=%u reason=%s",
	    file, line, why);
}

/* file_next_line - the line at *p (without its LF); *p the next one. */
const char *
file_next_line(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *nl = memchr(s, '\n', (size_t)(end - s));

	*len = (size_t)((nl != NULL ? nl : end) - s);
	*p = nl != NULL ? nl + 1 : end;
	if (*len > 0 && s[*len - 1] == '\r')
		(*len)--;
	return s;
}
