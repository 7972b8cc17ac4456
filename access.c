/* SPDX-License-Identifier: ISC */
/*
 * access.c - who may send what where: the domains we take mail for (the
 * first names our own addresses), our address on the connection, which
 * an address literal must be to be ours, and the --relay-net prefixes
 * that, with RELAYCLIENT, make a client trusted.  Pure functions of what
 * main gave it; AUTH and policy verdicts will join the decision here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "access.h"

/* A --relay-net: an IPv4 or IPv6 prefix. */
struct net {
	int family;
	unsigned char addr[16];
	unsigned bits;
};

/* The names and addresses are main's: kept, not copied. */
struct access {
	const char **domains;
	size_t ndomains;
	const char *local_addr; /* our address on the connection, or NULL */
	struct net *nets;
	size_t nnets;
};

struct access *
access_new(void)
{
	return calloc(1, sizeof(struct access));
}

void
access_free(struct access *ac)
{
	if (ac == NULL)
		return;
	free(ac->domains);
	free(ac->nets);
	free(ac);
}

int
access_add_domain(struct access *ac, const char *domain)
{
	const char **grown = reallocarray(ac->domains, ac->ndomains + 1,
	    sizeof(*grown));

	if (grown == NULL)
		return -1;
	ac->domains = grown;
	grown[ac->ndomains++] = domain;
	return 0;
}

void
access_set_local_addr(struct access *ac, const char *addr)
{
	ac->local_addr = addr;
}

/* access_primary - the domain our own addresses are shown in. */
const char *
access_primary(const struct access *ac)
{
	return ac->ndomains > 0 ? ac->domains[0] : "localhost";
}

/*
 * parse_addr - IPv4 or IPv6 text (only the one of them family names, or
 * either for AF_UNSPEC) into a, an IPv4-mapped IPv6 address as the IPv4
 * address it maps; its family, or 0.
 */
static int
parse_addr(const char *s, unsigned char *a, int family)
{
	if (family != AF_INET6 && inet_pton(AF_INET, s, a) == 1)
		return AF_INET;
	if (family == AF_INET || inet_pton(AF_INET6, s, a) != 1)
		return 0;
	if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)a)) {
		memmove(a, a + 12, 4);
		return AF_INET;
	}
	return AF_INET6;
}

int
access_domain_is_local(const struct access *ac, const char *domain)
{
	size_t i;

	if (domain[0] == '[') {
		/* An address literal is ours only if it is our address. */
		unsigned char a[16], b[16];
		char body[INET6_ADDRSTRLEN + 8];
		size_t n = strlen(domain);
		int fa;

		if (ac->local_addr == NULL || n < 3 || n - 2 >= sizeof(body))
			return 0;
		memcpy(body, domain + 1, n - 2);
		body[n - 2] = '\0';
		fa = strncasecmp(body, "IPv6:", 5) == 0 ?
		    parse_addr(body + 5, a, AF_INET6) :
		    parse_addr(body, a, AF_INET);
		return fa != 0 &&
		    fa == parse_addr(ac->local_addr, b, AF_UNSPEC) &&
		    memcmp(a, b, fa == AF_INET ? 4 : 16) == 0;
	}
	for (i = 0; i < ac->ndomains; i++)
		if (strcasecmp(ac->domains[i], domain) == 0)
			return 1;
	return 0;
}

/*
 * access_add_net - a --relay-net: "192.0.2.0/24", "2001:db8::/32" or one
 * address.  0, or -1 with errno: EINVAL not a prefix, ENOMEM.
 */
int
access_add_net(struct access *ac, const char *cidr)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(cidr, '/');
	size_t n = slash != NULL ? (size_t)(slash - cidr) : strlen(cidr);
	struct net *net = reallocarray(ac->nets, ac->nnets + 1, sizeof(*net));
	unsigned max;

	if (net == NULL)
		return -1;
	ac->nets = net;
	net += ac->nnets;
	errno = EINVAL;
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, cidr, n);
	buf[n] = '\0';
	memset(net, 0, sizeof(*net));
	net->family = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(net->family, buf, net->addr) != 1)
		return -1;
	max = net->family == AF_INET ? 32 : 128;
	net->bits = max;
	if (slash != NULL) {
		const char *p = slash + 1;
		unsigned v = 0;

		if (*p == '\0' || strspn(p, "0123456789") != strlen(p) ||
		    strlen(p) > 3)
			return -1;
		for (; *p != '\0'; p++)
			v = v * 10 + (unsigned)(*p - '0');
		if (v > max)
			return -1;
		net->bits = v;
	}
	ac->nnets++;
	return 0;
}

/*
 * access_trusted - may this client relay?  RELAYCLIENT in the
 * environment, as tcprules sets it per client (its value, even empty, is
 * ignored), or its address inside a --relay-net.  Asked once, for the
 * whole session.
 */
int
access_trusted(const struct access *ac, const char *peer)
{
	unsigned char a[16];
	size_t i;
	int family;

	if (getenv("RELAYCLIENT") != NULL)
		return 1;
	if (peer == NULL || (family = parse_addr(peer, a, AF_UNSPEC)) == 0)
		return 0;
	for (i = 0; i < ac->nnets; i++) {
		const struct net *net = &ac->nets[i];
		unsigned bytes = net->bits / 8, rest = net->bits % 8;

		if (net->family != family || memcmp(a, net->addr, bytes) != 0)
			continue;
		if (rest == 0 || ((a[bytes] ^ net->addr[bytes]) &
		    (0xff << (8 - rest)) & 0xff) == 0)
			return 1;
	}
	return 0;
}
