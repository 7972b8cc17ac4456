/* SPDX-License-Identifier: ISC */
/*
 * check_access.c - local domains and address literals, --relay-net
 * prefixes, and the trusted-client decision.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "access.h"
#include "suites.h"

static struct access *ac;

/* setup - example.org ours, our address 192.0.2.1, no RELAYCLIENT. */
static void
setup(void)
{
	ac = access_new();
	ck_assert_ptr_nonnull(ac);
	ck_assert_int_eq(access_add_domain(ac, "example.org"), 0);
	access_set_local_addr(ac, "192.0.2.1");
	ck_assert_int_eq(unsetenv("RELAYCLIENT"), 0);
}

static void
teardown(void)
{
	access_free(ac);
	ac = NULL;
}

START_TEST(test_literal_is_local_only_when_it_is_our_address)
{
	ck_assert(access_domain_is_local(ac, "EXAMPLE.org"));
	ck_assert(!access_domain_is_local(ac, "mx.example.org"));
	ck_assert(access_domain_is_local(ac, "[192.0.2.1]"));
	ck_assert(access_domain_is_local(ac, "[IPv6:::ffff:192.0.2.1]"));
	ck_assert(!access_domain_is_local(ac, "[192.0.2.2]"));
	ck_assert(!access_domain_is_local(ac, "[IPv6:192.0.2.1]"));
	access_set_local_addr(ac, NULL);
	ck_assert(!access_domain_is_local(ac, "[192.0.2.1]"));
	access_set_local_addr(ac, "2001:db8::1");
	ck_assert(access_domain_is_local(ac, "[IPv6:2001:db8:0:0:0:0:0:1]"));
	ck_assert(!access_domain_is_local(ac, "[2001:db8::1]"));
}
END_TEST

START_TEST(test_relay_nets_match_ipv4_and_ipv6)
{
	ck_assert_int_eq(access_add_net(ac, "192.0.2.0/25"), 0);
	ck_assert_int_eq(access_add_net(ac, "2001:db8::/33"), 0);
	ck_assert_int_eq(access_add_net(ac, "198.51.100.7"), 0);
	ck_assert(access_trusted(ac, "192.0.2.127"));
	ck_assert(!access_trusted(ac, "192.0.2.128"));
	ck_assert(access_trusted(ac, "::ffff:192.0.2.1"));
	ck_assert(access_trusted(ac, "2001:db8:7fff::1"));
	ck_assert(!access_trusted(ac, "2001:db8:8000::1"));
	ck_assert(access_trusted(ac, "198.51.100.7"));
	ck_assert(!access_trusted(ac, "198.51.100.8"));
	ck_assert(!access_trusted(ac, NULL));
	ck_assert(!access_trusted(ac, "not an address"));
}
END_TEST

START_TEST(test_bad_relay_nets_are_refused)
{
	static const char *const bad[] = { "192.0.2.0/33", "2001:db8::/129",
		"192.0.2.0/", "192.0.2/24", "example.org/24", "10.0.0.0/-1" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		ck_assert_int_eq(access_add_net(ac, bad[i]), -1);
		ck_assert_int_eq(errno, EINVAL);
	}
	ck_assert(!access_trusted(ac, "192.0.2.1"));
}
END_TEST

/* RELAYCLIENT, as tcprules sets it, trusts whatever its value. */
START_TEST(test_relayclient_trusts_any_peer)
{
	ck_assert_int_eq(setenv("RELAYCLIENT", "", 1), 0);
	ck_assert(access_trusted(ac, NULL));
	ck_assert(access_trusted(ac, "203.0.113.9"));
}
END_TEST

Suite *
access_suite(void)
{
	Suite *s = suite_create("access");
	TCase *tc;

	tc = tcase_create("domains");
	tcase_set_timeout(tc, 5);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_literal_is_local_only_when_it_is_our_address);
	suite_add_tcase(s, tc);

	tc = tcase_create("networks");
	tcase_set_timeout(tc, 5);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_relay_nets_match_ipv4_and_ipv6);
	tcase_add_test(tc, test_bad_relay_nets_are_refused);
	tcase_add_test(tc, test_relayclient_trusts_any_peer);
	suite_add_tcase(s, tc);
	return s;
}
