/* SPDX-License-Identifier: ISC */
/*
 * suites.h - the suite constructors of the unit tests, one per module,
 * for main.c to collect.
 */
#ifndef SMTPD_TESTS_SUITES_H
#define SMTPD_TESTS_SUITES_H

#include <check.h>

Suite *path_suite(void);
Suite *data_suite(void);
Suite *reply_suite(void);
Suite *store_suite(void);
Suite *lookup_suite(void);
Suite *conn_suite(void);
Suite *aliases_suite(void);
Suite *users_suite(void);
Suite *access_suite(void);
Suite *log_suite(void);
Suite *cdb_suite(void);
Suite *auth_suite(void);

#endif
