/* SPDX-License-Identifier: ISC */
/*
 * store_stub.h - what the session fuzzer asks of store_stub.c beyond
 * store.h.
 */
#ifndef SMTPD_STORE_STUB_H
#define SMTPD_STORE_STUB_H

/* stub_open_stores - stores opened and not yet closed or aborted. */
int stub_open_stores(void);

#endif
