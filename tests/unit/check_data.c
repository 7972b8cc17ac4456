/* SPDX-License-Identifier: ISC */
/*
 * check_data.c - the DATA decoder: dot-unstuffing, the end of data, bare
 * CR and LF, SMTP smuggling.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "lit.h"
#include "suites.h"

struct decoded {
	struct unstuff u;
	size_t used; /* input octets used */
	size_t outlen;
	char out[2048];
};

/*
 * unstuff - one data_unstuff() call with an output buffer exactly as
 * long as the input, on the heap so that the sanitizer sees an overrun.
 * At most two octets may be left undecided, unless the message ended.
 */
static void
unstuff(struct decoded *d, const char *in, size_t len)
{
	char *out = malloc(len > 0 ? len : 1);
	size_t used, outlen = SIZE_MAX;

	ck_assert_ptr_nonnull(out);
	used = data_unstuff(&d->u, in, len, out, &outlen);
	ck_assert_uint_le(used, len);
	ck_assert_uint_le(outlen, len);
	ck_assert_uint_le(d->outlen + outlen, sizeof(d->out));
	if (!d->u.done)
		ck_assert_uint_le(len - used, 2);
	memcpy(d->out + d->outlen, out, outlen);
	d->outlen += outlen;
	d->used += used;
	free(out);
}

static void
decode_init(struct decoded *d, enum bare_lf policy)
{
	memset(d, 0, sizeof(*d));
	data_init(&d->u, policy);
}

/* decode - in[0, len) in one call. */
static void
decode(struct decoded *d, enum bare_lf policy, const char *in, size_t len)
{
	decode_init(d, policy);
	unstuff(d, in, len);
}

/*
 * feed - in[0, len) in pieces ending at ends[0, n), as data_read() gets
 * it: the octets a call leaves unused come first in the next call.
 */
static void
feed(struct decoded *d, enum bare_lf policy, const char *in, size_t len,
    const size_t *ends, size_t n)
{
	char pending[2048];
	size_t plen = 0, start = 0, k, before;

	decode_init(d, policy);
	ck_assert_uint_le(len, sizeof(pending));
	for (k = 0; k < n; k++) {
		ck_assert_uint_le(ends[k], len);
		memcpy(pending + plen, in + start, ends[k] - start);
		plen += ends[k] - start;
		start = ends[k];
		before = d->used;
		unstuff(d, pending, plen);
		memmove(pending, pending + (d->used - before),
		    plen - (d->used - before));
		plen -= d->used - before;
	}
	ck_assert_uint_eq(start, len);
}

static void
expect_same(const struct decoded *got, const struct decoded *want,
    const char *how, size_t at)
{
	ck_assert_msg(got->outlen == want->outlen &&
	                  memcmp(got->out, want->out, want->outlen) == 0,
	    "%s %zu: output differs", how, at);
	ck_assert_msg(got->u.size == want->u.size,
	    "%s %zu: size %llu, want %llu", how, at,
	    (unsigned long long)got->u.size, (unsigned long long)want->u.size);
	ck_assert_msg(got->u.done == want->u.done, "%s %zu: done %d", how, at,
	    got->u.done);
	ck_assert_msg(got->u.bare == want->u.bare, "%s %zu: bare %d", how, at,
	    got->u.bare);
	ck_assert_msg(got->used == want->used, "%s %zu: used %zu, want %zu",
	    how, at, got->used, want->used);
}

static void
expect_output(const struct decoded *d, const char *out, size_t len)
{
	ck_assert_msg(d->outlen == len && memcmp(d->out, out, len) == 0,
	    "output \"%s\", want \"%s\"", show(d->out, d->outlen),
	    show(out, len));
}

/* crlfs - how many CRLF pairs in[0, len) holds. */
static size_t
crlfs(const char *in, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i + 1 < len; i++)
		n += in[i] == '\r' && in[i + 1] == '\n';
	return n;
}

START_TEST(test_crlf_lines_become_lf_and_count_as_crlf)
{
	static const char in[] = "a\r\nb\r\n.\r\n";
	struct decoded d;

	decode(&d, BARE_LF_REJECT, in, sizeof(in) - 1);
	expect_output(&d, "a\nb\n", 4);
	ck_assert_int_eq(d.u.done, 1);
	ck_assert_int_eq(d.u.bare, 0);
	ck_assert_uint_eq(d.u.size, 6);
	ck_assert_uint_eq(d.used, sizeof(in) - 1);
}
END_TEST

START_TEST(test_leading_dot_unstuffed)
{
	static const char in[] = "..x\r\n..\r\n.x\r\n.\r\n";
	struct decoded d;

	decode(&d, BARE_LF_REJECT, in, sizeof(in) - 1);
	expect_output(&d, ".x\n.\nx\n", 7);
	ck_assert_int_eq(d.u.done, 1);
	ck_assert_int_eq(d.u.bare, 0);
	ck_assert_uint_eq(d.u.size, 10);
	ck_assert_uint_eq(d.used, sizeof(in) - 1);
}
END_TEST

START_TEST(test_final_dot_at_once_gives_empty_message)
{
	struct decoded d;

	decode(&d, BARE_LF_REJECT, ".\r\n", 3);
	ck_assert_int_eq(d.u.done, 1);
	ck_assert_uint_eq(d.outlen, 0);
	ck_assert_uint_eq(d.u.size, 0);
	ck_assert_uint_eq(d.used, 3);
}
END_TEST

START_TEST(test_empty_line_before_final_dot_kept)
{
	struct decoded d;

	decode(&d, BARE_LF_REJECT, "\r\n.\r\n", 5);
	expect_output(&d, "\n", 1);
	ck_assert_int_eq(d.u.done, 1);
	ck_assert_int_eq(d.u.bare, 0);
	ck_assert_uint_eq(d.u.size, 2);
	ck_assert_uint_eq(d.used, 5);
}
END_TEST

START_TEST(test_octets_after_final_dot_left_unused)
{
	static const char in[] = "a\r\n.\r\nMAIL FROM:<x>\r\n";
	struct decoded d;

	decode(&d, BARE_LF_REJECT, in, sizeof(in) - 1);
	expect_output(&d, "a\n", 2);
	ck_assert_int_eq(d.u.done, 1);
	ck_assert_uint_eq(d.used, 6);
	/* Once done, nothing more is taken. */
	unstuff(&d, in + 6, sizeof(in) - 7);
	ck_assert_uint_eq(d.used, 6);
	ck_assert_uint_eq(d.outlen, 2);
}
END_TEST

START_TEST(test_undecided_tail_left_for_next_call)
{
	struct decoded d;

	decode(&d, BARE_LF_REJECT, "a\r", 2);
	expect_output(&d, "a", 1);
	ck_assert_uint_eq(d.used, 1);
	decode(&d, BARE_LF_REJECT, "a\r\n.", 4);
	expect_output(&d, "a\n", 2);
	ck_assert_uint_eq(d.used, 3);
	decode(&d, BARE_LF_REJECT, "a\r\n.\r", 5);
	expect_output(&d, "a\n", 2);
	ck_assert_uint_eq(d.used, 3);
	ck_assert_int_eq(d.u.done, 0);
	ck_assert_int_eq(d.u.bare, 0);
}
END_TEST

START_TEST(test_nul_and_8bit_octets_pass_through)
{
	static const char in[] = "x\0\xff\x80y\r\n.\r\n";
	struct decoded d;

	decode(&d, BARE_LF_REJECT, in, sizeof(in) - 1);
	expect_output(&d, "x\0\xff\x80y\n", 6);
	ck_assert_int_eq(d.u.done, 1);
	ck_assert_int_eq(d.u.bare, 0);
}
END_TEST

/* After each look-alike: a second transaction, then the real end. */
#define SMUGGLED    "MAIL FROM:<x>\r\nRCPT TO:<y>\r\nDATA\r\nevil\r\n.\r\n"
#define SMUGGLED_LF "MAIL FROM:<x>\nRCPT TO:<y>\nDATA\nevil\n"

/* clang-format off */
static const struct {
	struct lit in;
	const char *normalized; /* the output under BARE_LF_NORMALIZE */
} smuggling[] = {
	{ LIT("a\n.\n" SMUGGLED), "a\n.\n" SMUGGLED_LF },
	{ LIT("a\n.\r\n" SMUGGLED), "a\n.\n" SMUGGLED_LF },
	{ LIT("a\r\n.\n" SMUGGLED), "a\n.\n" SMUGGLED_LF },
	{ LIT("a\r.\r" SMUGGLED), "a . " SMUGGLED_LF },
	{ LIT("a\r\n.\r" SMUGGLED), "a\n " SMUGGLED_LF },
	{ LIT("a\r.\r\n" SMUGGLED), "a .\n" SMUGGLED_LF },
};
/* clang-format on */
#define NSMUGGLING (sizeof(smuggling) / sizeof(smuggling[0]))

START_TEST(test_smuggled_end_is_content_and_bare_under_reject)
{
	const struct lit *in = &smuggling[_i].in;
	struct decoded d;

	decode(&d, BARE_LF_REJECT, in->s, in->len);
	ck_assert_int_eq(d.u.done, 1);
	ck_assert_int_eq(d.u.bare, 1);
	ck_assert_uint_eq(d.used, in->len);
}
END_TEST

START_TEST(test_smuggled_end_is_content_under_normalize)
{
	const struct lit *in = &smuggling[_i].in;
	const char *want = smuggling[_i].normalized;
	struct decoded d;

	decode(&d, BARE_LF_NORMALIZE, in->s, in->len);
	ck_assert_int_eq(d.u.done, 1);
	ck_assert_int_eq(d.u.bare, 0);
	ck_assert_uint_eq(d.used, in->len);
	expect_output(&d, want, strlen(want));
	ck_assert_ptr_null(memchr(d.out, '\r', d.outlen));
	/* Every CRLF but the one of the final dot counts two octets. */
	ck_assert_uint_eq(d.u.size, d.outlen + crlfs(in->s, in->len) - 1);
}
END_TEST

START_TEST(test_cr_before_crlf_ends_message_as_bare)
{
	static const char in[] = "a\r\r\n.\r\n";
	struct decoded d;

	decode(&d, BARE_LF_REJECT, in, sizeof(in) - 1);
	ck_assert_int_eq(d.u.done, 1);
	ck_assert_int_eq(d.u.bare, 1);
	ck_assert_uint_eq(d.used, sizeof(in) - 1);

	decode(&d, BARE_LF_NORMALIZE, in, sizeof(in) - 1);
	ck_assert_int_eq(d.u.done, 1);
	ck_assert_int_eq(d.u.bare, 0);
	expect_output(&d, "a \n", 3);
}
END_TEST

START_TEST(test_dot_after_bare_lf_ends_nothing_under_reject)
{
	static const char in[] = "a\n.\r\nb\r\n";
	struct decoded d;

	decode(&d, BARE_LF_REJECT, in, sizeof(in) - 1);
	ck_assert_int_eq(d.u.done, 0);
	ck_assert_int_eq(d.u.bare, 1);
	ck_assert_uint_eq(d.used, sizeof(in) - 1);
}
END_TEST

/* Inputs for the chunking property: every path through the decoder. */
/* clang-format off */
static const struct lit chunked[] = {
	LIT("a\r\nb\r\n.\r\n"),
	LIT("..x\r\n..\r\n.x\r\n.\r\n"),
	LIT(".\r\n"),
	LIT("\r\n.\r\n"),
	LIT("a\r\n.\r\nMAIL FROM:<x>\r\n"),
	LIT("a\n.\n" SMUGGLED),
	LIT("a\n.\r\n" SMUGGLED),
	LIT("a\r\n.\n" SMUGGLED),
	LIT("a\r.\r" SMUGGLED),
	LIT("a\r\n.\r" SMUGGLED),
	LIT("a\r.\r\n" SMUGGLED),
	LIT("a\r\r\n.\r\n"),
	LIT("\r\r\n\n\n..\r\r\n.\rx\r\n.\n.\r\n"),
	LIT(".\n.\r\n.\r\n"),
	LIT("x\0\xff\r\n.\r\n"),
	LIT("no end yet\r\n.."),
	LIT("ends in CR\r"),
	LIT("\r\n.\r"),
};
/* clang-format on */
#define NCHUNKED (sizeof(chunked) / sizeof(chunked[0]))

START_TEST(test_split_anywhere_decodes_the_same)
{
	static const enum bare_lf policies[] = { BARE_LF_REJECT,
		BARE_LF_NORMALIZE };
	const struct lit *in = &chunked[_i];
	struct decoded want, got;
	size_t p, k;

	for (p = 0; p < 2; p++) {
		decode(&want, policies[p], in->s, in->len);
		for (k = 0; k <= in->len; k++) {
			size_t ends[2] = { k, in->len };

			feed(&got, policies[p], in->s, in->len, ends, 2);
			expect_same(&got, &want, "split at", k);
		}
	}
}
END_TEST

START_TEST(test_byte_by_byte_decodes_the_same)
{
	static const enum bare_lf policies[] = { BARE_LF_REJECT,
		BARE_LF_NORMALIZE };
	const struct lit *in = &chunked[_i];
	struct decoded want, got;
	size_t ends[2048], p, k;

	ck_assert_uint_le(in->len, sizeof(ends) / sizeof(ends[0]));
	for (k = 0; k < in->len; k++)
		ends[k] = k + 1;
	for (p = 0; p < 2; p++) {
		decode(&want, policies[p], in->s, in->len);
		feed(&got, policies[p], in->s, in->len, ends, in->len);
		expect_same(&got, &want, "policy", p);
	}
}
END_TEST

Suite *
data_suite(void)
{
	Suite *s = suite_create("data");
	TCase *tc;

	tc = tcase_create("unstuff");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_crlf_lines_become_lf_and_count_as_crlf);
	tcase_add_test(tc, test_leading_dot_unstuffed);
	tcase_add_test(tc, test_final_dot_at_once_gives_empty_message);
	tcase_add_test(tc, test_empty_line_before_final_dot_kept);
	tcase_add_test(tc, test_octets_after_final_dot_left_unused);
	tcase_add_test(tc, test_undecided_tail_left_for_next_call);
	tcase_add_test(tc, test_nul_and_8bit_octets_pass_through);
	tcase_add_loop_test(tc,
	    test_smuggled_end_is_content_and_bare_under_reject, 0,
	    (int)NSMUGGLING);
	tcase_add_loop_test(tc, test_smuggled_end_is_content_under_normalize, 0,
	    (int)NSMUGGLING);
	tcase_add_test(tc, test_cr_before_crlf_ends_message_as_bare);
	tcase_add_test(tc, test_dot_after_bare_lf_ends_nothing_under_reject);
	tcase_add_loop_test(
	    tc, test_split_anywhere_decodes_the_same, 0, (int)NCHUNKED);
	tcase_add_loop_test(
	    tc, test_byte_by_byte_decodes_the_same, 0, (int)NCHUNKED);
	suite_add_tcase(s, tc);
	return s;
}
