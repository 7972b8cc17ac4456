/* SPDX-License-Identifier: ISC */
/*
 * fuzz_auth.c - libFuzzer harness for the decoders of SMTP AUTH
 * (auth.c): base64 as a response of the exchange, xtext as MAIL's AUTH=
 * value, and the PLAIN message split into its fields.
 *
 * Beyond what the sanitizers catch: what base64 decodes is at most three
 * octets for four, and any input encodes and decodes back to itself;
 * xtext decodes to printable ASCII no longer than its input; the PLAIN
 * fields lie inside the message, with exactly the two NULs between them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX 16384

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char in[MAX + 1], out[MAX + 1], enc[MAX / 3 * 4 + 8];
	struct auth_plain p;
	long n;
	size_t i, e;

	if (size > MAX)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';

	n = auth_b64_decode(in, size, out, sizeof(out));
	if (n >= 0 && ((size_t)n > size / 4 * 3 || out[n] != '\0'))
		abort();

	e = auth_b64_encode(in, size, enc, sizeof(enc));
	if (e != (size + 2) / 3 * 4 ||
	    auth_b64_decode(enc, e, out, sizeof(out)) != (long)size ||
	    memcmp(out, in, size) != 0)
		abort();

	if (auth_xtext_decode(in, out, sizeof(out)) == 0) {
		if (strlen(out) > strlen(in))
			abort();
		for (i = 0; out[i] != '\0'; i++)
			if (out[i] < ' ' || out[i] > '~')
				abort();
	}

	if (auth_plain_split(in, size, &p) == 0) {
		if (p.authzid != in ||
		    p.authzid_len + p.authcid_len + p.passwd_len + 2 != size ||
		    p.authcid != in + p.authzid_len + 1 ||
		    p.passwd != p.authcid + p.authcid_len + 1 ||
		    in[p.authzid_len] != '\0' ||
		    p.authcid[p.authcid_len] != '\0' ||
		    memchr(p.passwd, '\0', p.passwd_len) != NULL)
			abort();
	}
	return 0;
}
