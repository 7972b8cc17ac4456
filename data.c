/* SPDX-License-Identifier: ISC */
/*
 * data.c - the message after DATA: the decoder undoes dot-stuffing,
 * turns CRLF into LF, finds the one end of data that counts, marks bare CR
 * and LF, and counts the size as RFC 1870 does; the reader feeds it the
 * input as conn.c reads it, and the store what it decodes.
 *
 * The decoder is a pure function of its input, so that the unit tests and
 * fuzzers reach it directly.  BDAT will read its chunks here too.
 */
#include <string.h>

#include "data.h"
#include "store.h"

void
data_init(struct unstuff *u, enum bare_lf policy)
{
	memset(u, 0, sizeof(*u));
	u->policy = policy;
	u->bol = 1;
	u->bol_crlf = 1; /* the CRLF that ended the DATA command */
}

/*
 * data_unstuff - decode in[0, len) into out, which has room for len
 * bytes (decoding never grows).  Returns how many bytes were used: the
 * rest, at most two bytes, cannot be decided without more input.
 *
 * Only <CRLF>.<CRLF> ends the message.  Every other end-of-data look-alike
 * (<LF>.<LF>, <CR>.<CR>, <LF>.<CRLF>, ...) is content, so that a message
 * can never smuggle a second one past a server that reads it differently
 * (SMTP smuggling, CVE-2023-51764/51765/51766).  Under BARE_LF_REJECT a
 * bare CR or LF marks the message bad; under BARE_LF_NORMALIZE a bare LF
 * ends a line and a bare CR becomes a space.
 */
size_t
data_unstuff(struct unstuff *u, const char *in, size_t len, char *out,
    size_t *outlen)
{
	size_t i = 0, o = 0, crlfs = 0;

	while (i < len && !u->done) {
		const char *nl;
		size_t end;
		int crlf = 0;

		if (u->bol) {
			if (in[i] == '.') {
				if (len - i < 2 || (in[i + 1] == '\r' && len - i < 3))
					break;
				if (in[i + 1] == '\r' && in[i + 2] == '\n' &&
				    u->bol_crlf) {
					i += 3;
					u->done = 1;
					break;
				}
				/* RFC 5321 4.5.2: drop a leading dot that has
				 * company; a lone dot that ends nothing stays. */
				if (in[i + 1] != '\n' &&
				    !(in[i + 1] == '\r' && in[i + 2] == '\n'))
					i++;
			}
			u->bol = 0;
		}
		nl = memchr(in + i, '\n', len - i);
		end = nl != NULL ? (size_t)(nl - in) : len;
		while (i < end) {
			const char *cr = memchr(in + i, '\r', end - i);
			size_t stop = cr != NULL ? (size_t)(cr - in) : end;

			memcpy(out + o, in + i, stop - i);
			o += stop - i;
			i = stop;
			if (cr == NULL)
				break;
			if (nl != NULL && stop + 1 == end) {
				crlf = 1;
				i = end;
				break;
			}
			if (stop + 1 == len)
				goto undecided; /* is an LF coming? */
			if (u->policy == BARE_LF_NORMALIZE) {
				out[o++] = ' ';
			} else {
				u->bare = 1;
				out[o++] = '\r';
			}
			i = stop + 1;
		}
		if (nl == NULL)
			break;
		i = end + 1;
		out[o++] = '\n';
		if (crlf) {
			crlfs++;
			u->bol = 1;
			u->bol_crlf = 1;
		} else if (u->policy == BARE_LF_NORMALIZE) {
			u->bol = 1;
			u->bol_crlf = 0;
		} else {
			u->bare = 1; /* a bare LF ends no line */
		}
	}
undecided:
	/* RFC 1870: the size counts each line end as the CRLF it was. */
	u->size += o + crlfs;
	*outlen = o;
	return i;
}

/* A message being read: the decoder, its limit, where it goes. */
struct message {
	struct unstuff *u;
	uint64_t max_size;
	struct store *st;
	char *out; /* as long as conn's input buffer */
};

/* take - conn_data()'s DATA decoder: the message into the store. */
static int
take(void *arg, const char *p, size_t len, size_t *used)
{
	struct message *m = arg;
	size_t outlen;

	*used = data_unstuff(m->u, p, len, m->out, &outlen);
	if (m->max_size > 0 && m->u->size > m->max_size)
		m->u->too_big = 1;
	if (!m->u->bare && !m->u->too_big)
		store_write(m->st, m->out, outlen);
	return m->u->done;
}

/*
 * data_read - the message after 354 into st, at min_rate octets a second
 * (conn_data), until the final dot.  Returns IN_LINE then, else IN_EOF,
 * IN_TIMEOUT or IN_TERM; u tells what was wrong with the message.
 */
enum conn_input
data_read(struct conn *c, struct unstuff *u, uint64_t max_size,
    unsigned min_rate, struct store *st)
{
	char out[INBUF_SIZE];
	struct message m = { .u = u, .max_size = max_size, .st = st,
		.out = out };

	return conn_data(c, min_rate, take, &m);
}
