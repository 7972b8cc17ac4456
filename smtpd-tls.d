smtpd-tls: smtpd-tls.c
