/* SPDX-License-Identifier: ISC */
/*
 * main.c - runs every unit suite, each test in its own process, and exits
 * non-zero if any test failed.
 */
#include <stdlib.h>

#include "suites.h"

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(path_suite());
	srunner_add_suite(sr, data_suite());
	srunner_add_suite(sr, reply_suite());
	srunner_add_suite(sr, store_suite());
	srunner_add_suite(sr, lookup_suite());
	srunner_add_suite(sr, conn_suite());
	srunner_add_suite(sr, aliases_suite());
	srunner_add_suite(sr, users_suite());
	srunner_add_suite(sr, access_suite());
	srunner_add_suite(sr, log_suite());
	srunner_add_suite(sr, cdb_suite());
	srunner_add_suite(sr, auth_suite());
	/* The tests change the environment, signals and descriptors. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
