/* SPDX-License-Identifier: ISC */
/*
 * floor-openssl.c - the least a per-connection TLS server does with
 * OpenSSL: load the certificate and key, handshake on descriptor 0 (a
 * socket), echo one line, close.  bench/tls-floor measures it.
 *
 * Usage: floor-openssl CERT KEY
 */
#include <openssl/ssl.h>

int
main(int argc, char **argv)
{
	SSL_CTX *ctx;
	SSL *s;
	char line[1024];
	int n;

	if (argc != 3)
		return 2;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_use_certificate_chain_file(ctx, argv[1]) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, argv[2], SSL_FILETYPE_PEM) != 1 ||
	    (s = SSL_new(ctx)) == NULL || SSL_set_fd(s, 0) != 1 ||
	    SSL_accept(s) != 1)
		return 1;
	if ((n = SSL_read(s, line, sizeof(line))) <= 0 ||
	    SSL_write(s, line, n) != n)
		return 1;
	(void)SSL_shutdown(s);
	return 0;
}
