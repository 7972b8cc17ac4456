/* SPDX-License-Identifier: ISC */
/*
 * floor-wolfssl.c - the least a per-connection TLS server does with
 * wolfSSL: load the certificate and key, handshake on descriptor 0 (a
 * socket), echo one line, close.  bench/tls-floor measures it.
 *
 * Usage: floor-wolfssl CERT KEY
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

int
main(int argc, char **argv)
{
	WOLFSSL_CTX *ctx;
	WOLFSSL *s;
	char line[1024];
	int n;

	if (argc != 3 || wolfSSL_Init() != WOLFSSL_SUCCESS)
		return 2;
	if ((ctx = wolfSSL_CTX_new(wolfSSLv23_server_method())) == NULL ||
	    wolfSSL_CTX_use_certificate_chain_file(ctx, argv[1]) !=
		WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_use_PrivateKey_file(ctx, argv[2], WOLFSSL_FILETYPE_PEM) !=
		WOLFSSL_SUCCESS ||
	    (s = wolfSSL_new(ctx)) == NULL || wolfSSL_set_fd(s, 0) !=
		WOLFSSL_SUCCESS ||
	    wolfSSL_accept(s) != WOLFSSL_SUCCESS)
		return 1;
	if ((n = wolfSSL_read(s, line, sizeof(line))) <= 0 ||
	    wolfSSL_write(s, line, n) != n)
		return 1;
	(void)wolfSSL_shutdown(s);
	return 0;
}
