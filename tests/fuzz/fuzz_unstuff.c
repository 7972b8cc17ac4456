/* SPDX-License-Identifier: ISC */
/*
 * fuzz_unstuff.c - libFuzzer harness for the DATA decoder,
 * data_unstuff(), under both --bare-lf policies.
 *
 * The input is the stream after "354", given whole, one octet at a time
 * and split at pseudo-random points, each call as data_read() makes it:
 * the octets left unused before, then the new ones, in a buffer of
 * exactly that size, with an output buffer of exactly that size too
 * (decoding never grows), so a write past either is caught.  The three
 * must agree on everything: the decoded octets, where the message ended,
 * whether a bare CR or LF was seen, the RFC 1870 size.  No call may leave
 * more than two octets undecided.
 *
 * Then the other way round: the input with its CRs dropped, as a message
 * body, dot-stuffed and sent with CRLF line ends and the final dot, must
 * decode to itself under both policies and end exactly at the final dot.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct result {
	char *out; /* the decoded octets */
	size_t outlen;
	size_t used; /* octets of input used, through the final dot */
	int done, bare;
	uint64_t size;
};

static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		abort();
	return p;
}

/*
 * decode - run the decoder over in[0, len) in chunks; step(i) is the
 * size of the chunk that starts at i.
 */
static void
decode(enum bare_lf policy, const char *in, size_t len,
    size_t (*step)(size_t, size_t, uint32_t *), uint32_t seed,
    struct result *res)
{
	struct unstuff u;
	char *pending = xmalloc(0);
	size_t plen = 0, at = 0;

	data_init(&u, policy);
	memset(res, 0, sizeof(*res));
	res->out = xmalloc(len);
	while (at < len && !u.done) {
		size_t n = step(at, len, &seed), blen, used, outlen = 0;
		char *buf, *out;

		if (n == 0 || n > len - at)
			n = len - at;
		blen = plen + n;
		buf = xmalloc(blen);
		out = xmalloc(blen);
		memcpy(buf, pending, plen);
		memcpy(buf + plen, in + at, n);
		at += n;
		used = data_unstuff(&u, buf, blen, out, &outlen);
		if (used > blen || outlen > blen)
			abort();
		if (!u.done && blen - used > 2)
			abort(); /* input stuck in the decoder */
		if (res->outlen + outlen > len)
			abort(); /* decoding grew */
		memcpy(res->out + res->outlen, out, outlen);
		res->outlen += outlen;
		res->used += used;
		free(pending);
		plen = blen - used;
		pending = xmalloc(plen);
		memcpy(pending, buf + used, plen);
		free(buf);
		free(out);
	}
	free(pending);
	res->done = u.done;
	res->bare = u.bare;
	res->size = u.size;
	if (!u.done)
		res->used = 0; /* where the message ended: nowhere */
	/* A CR comes out only as a bare CR that marks the message bad. */
	if (memchr(res->out, '\r', res->outlen) != NULL &&
	    (policy == BARE_LF_NORMALIZE || !u.bare))
		abort();
}

static size_t
whole(size_t at, size_t len, uint32_t *seed)
{
	(void)seed;
	return len - at;
}

static size_t
bytewise(size_t at, size_t len, uint32_t *seed)
{
	(void)at;
	(void)len;
	(void)seed;
	return 1;
}

/* random_split - chunks of 1 to 16 octets, from a small LCG. */
static size_t
random_split(size_t at, size_t len, uint32_t *seed)
{
	(void)at;
	(void)len;
	*seed = *seed * 1103515245u + 12345u;
	return 1 + (*seed >> 16) % 16;
}

static void
same(const struct result *a, const struct result *b)
{
	if (a->outlen != b->outlen || memcmp(a->out, b->out, a->outlen) != 0 ||
	    a->used != b->used || a->done != b->done || a->bare != b->bare ||
	    a->size != b->size)
		abort();
}

static uint32_t
fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n-- > 0)
		h = (h ^ *p++) * 16777619u;
	return h;
}

/* round_trip - a body, stuffed and sent as RFC 5321 4.5.2 says, decodes
 * back to itself. */
static void
round_trip(const uint8_t *data, size_t size, enum bare_lf policy)
{
	char *body = xmalloc(size + 1), *wire = xmalloc(2 * size + 11);
	size_t blen = 0, wlen = 0, i;
	int bol = 1;
	struct result r;

	for (i = 0; i < size; i++)
		if (data[i] != '\r')
			body[blen++] = (char)data[i];
	if (blen > 0 && body[blen - 1] != '\n')
		body[blen++] = '\n';
	for (i = 0; i < blen; i++) {
		if (bol && body[i] == '.')
			wire[wlen++] = '.';
		if (body[i] == '\n')
			wire[wlen++] = '\r';
		wire[wlen++] = body[i];
		bol = body[i] == '\n';
	}
	memcpy(wire + wlen, ".\r\nQUIT\r\n", 9);
	decode(policy, wire, wlen + 9, random_split, fnv1a(data, size), &r);
	if (!r.done || r.bare || r.used != wlen + 3 || r.outlen != blen ||
	    memcmp(r.out, body, blen) != 0)
		abort();
	free(r.out);
	free(body);
	free(wire);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	enum bare_lf policy;

	for (policy = BARE_LF_REJECT; policy <= BARE_LF_NORMALIZE; policy++) {
		struct result a, b, c;

		decode(policy, in, size, whole, 0, &a);
		decode(policy, in, size, bytewise, 0, &b);
		decode(policy, in, size, random_split, fnv1a(data, size), &c);
		same(&a, &b);
		same(&a, &c);
		free(a.out);
		free(b.out);
		free(c.out);
		round_trip(data, size, policy);
	}
	return 0;
}
