/* SPDX-License-Identifier: ISC */
/*
 * access.h - who may send what where: our domains and our own address,
 * the relay networks, and the trusted-client decision.  It knows no user
 * and no alias: the expansion of an alias asks it, from above, whether a
 * member's domain is ours.
 */
#ifndef SMTPD_ACCESS_H
#define SMTPD_ACCESS_H

struct access;

struct access *access_new(void);
void access_free(struct access *ac);
int access_add_domain(struct access *ac, const char *domain);
void access_set_local_addr(struct access *ac, const char *addr);
int access_add_net(struct access *ac, const char *cidr);

int access_domain_is_local(const struct access *ac, const char *domain);
const char *access_primary(const struct access *ac);
int access_trusted(const struct access *ac, const char *peer);

#endif
