/* SPDX-License-Identifier: ISC */
/*
 * data.h - the message after DATA: the decoder, for session.c, the unit
 * tests and the fuzzers, and the reader that feeds it into the store.
 */
#ifndef SMTPD_DATA_H
#define SMTPD_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "conn.h"

struct store; /* store.h: where the message goes */

/* What to do with a bare CR or LF inside DATA. */
enum bare_lf {
	BARE_LF_REJECT,	  /* read to the end, deliver nothing, 550 5.5.2 */
	BARE_LF_NORMALIZE /* LF is a line end, a lone CR becomes a space */
};

/* The decoder's state between two blocks of input. */
struct unstuff {
	enum bare_lf policy;
	int bol;	/* at the beginning of a line */
	int bol_crlf;	/* ... and the line before ended in CRLF */
	int bare;	/* a bare CR or LF was seen (policy reject) */
	int done;	/* the final <CRLF>.<CRLF> was read */
	uint64_t size;	/* RFC 1870 size so far */
	int too_big;	/* over the limit (data_read): nothing stored */
};

void data_init(struct unstuff *u, enum bare_lf policy);
size_t data_unstuff(struct unstuff *u, const char *in, size_t len,
    char *out, size_t *outlen);
enum conn_input data_read(struct conn *c, struct unstuff *u,
    uint64_t max_size, unsigned min_rate, struct store *st);

#endif
