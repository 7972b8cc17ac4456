/* SPDX-License-Identifier: ISC */
/*
 * floor-gnutls.c - the least a per-connection TLS server does with
 * GnuTLS: load the certificate and key, handshake on descriptor 0 (a
 * socket), echo one line, close.  bench/tls-floor measures it: the floor
 * under any TLS session that execs a program per connection.
 *
 * Usage: floor-gnutls CERT KEY
 */
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	char line[1024];
	ssize_t n;
	int r;

	if (argc != 3)
		return 2;
	if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_certificate_set_x509_key_file(cred, argv[1], argv[2],
		GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_init(&s, GNUTLS_SERVER) < 0 ||
	    gnutls_set_default_priority(s) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) < 0)
		return 1;
	gnutls_transport_set_int2(s, 0, 0);
	do
		r = gnutls_handshake(s);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0)
		return 1;
	if ((n = gnutls_record_recv(s, line, sizeof(line))) <= 0 ||
	    gnutls_record_send(s, line, (size_t)n) != n)
		return 1;
	(void)gnutls_bye(s, GNUTLS_SHUT_WR);
	return 0;
}
