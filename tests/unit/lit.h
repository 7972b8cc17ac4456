/* SPDX-License-Identifier: ISC */
/*
 * lit.h - byte strings that may hold NUL, and a way to show them, for the
 * parsers' tests.
 */
#ifndef SMTPD_TESTS_LIT_H
#define SMTPD_TESTS_LIT_H

#include <stddef.h>

/* A byte string with its length, so that it may hold NUL. */
struct lit {
	const char *s;
	size_t len;
};
/* clang-format off */
#define LIT(s) { s, sizeof(s) - 1 }
/* clang-format on */

const char *show(const char *s, size_t len);

#endif
