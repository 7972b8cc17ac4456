/* SPDX-License-Identifier: ISC */
/*
 * path.c - what MAIL, RCPT and HELO name: paths (RFC 5321 4.1.2, with
 * RFC 6531 UTF-8), address literals (4.1.3), the ESMTP parameters of MAIL
 * (RFC 1870, 6152, 6531), and the list of a transaction's recipients.
 *
 * Pure functions of their input, so that the unit tests and fuzzers reach
 * them directly; which reply a result gets is session.c's to say.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "path.h"

/* Character classes of RFC 5321 4.1.2 and RFC 5322 3.2.3. */
static int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
is_atext(unsigned char c)
{
	return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* utf8_len - length of the well-formed UTF-8 sequence at p, or 0. */
static size_t
utf8_len(const unsigned char *p, size_t len)
{
	size_t n, i;
	unsigned cp;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static int
is_ldh(unsigned char c)
{
	return is_alnum(c) || c == '-';
}

/*
 * run - the length of the run at u of octets that ok() takes, or that
 * begin well-formed UTF-8 (RFC 6531: U-labels, non-ASCII atoms), which
 * sets *utf8.
 */
static size_t
run(const unsigned char *u, size_t len, int (*ok)(unsigned char), int *utf8)
{
	size_t i = 0, n;

	while (i < len) {
		if (ok(u[i])) {
			i++;
		} else if (u[i] >= 0x80 && (n = utf8_len(u + i, len - i)) > 0) {
			*utf8 = 1;
			i += n;
		} else {
			break;
		}
	}
	return i;
}

/*
 * domain - length of the Domain at s (RFC 5321 4.1.2, with RFC 6531
 * U-labels), or 0 if there is none.  Sets *utf8 for non-ASCII.
 */
static size_t
domain(const char *s, size_t len, int *utf8)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	for (;;) {
		size_t start = i;

		i += run(u + i, len - i, is_ldh, utf8);
		/* A label: letter or digit at both ends, at most 63. */
		if (i == start || s[start] == '-' || s[i - 1] == '-' ||
		    i - start > 63)
			return 0;
		if (i < len && s[i] == '.' && i + 1 < len) {
			i++;
			continue;
		}
		return i;
	}
}

/* snum - an IPv4 address literal's body "a.b.c.d", each 0-255. */
static int
ipv4_literal(const char *s, size_t len)
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;

		while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(s[i++] - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			return 0;
		if (part < 3 && (i >= len || s[i++] != '.'))
			return 0;
	}
	return i == len;
}

/*
 * ipv6_literal - "IPv6:" and an address in one of the forms of RFC 5321
 * 4.1.3: full, compressed ("::"), or ending in an IPv4 address.
 */
static int
ipv6_literal(const char *s, size_t len)
{
	size_t i = 5, groups = 0;
	int compressed = 0;

	if (len < 7 || strncasecmp(s, "IPv6:", 5) != 0)
		return 0;
	if (s[i] == ':') {
		if (s[i + 1] != ':')
			return 0;
		compressed = 1;
		i += 2;
		if (i == len)
			return 1;
	}
	for (;;) {
		size_t start = i, dots = 0, k;

		for (k = i; k < len && s[k] != ':'; k++)
			dots += s[k] == '.';
		if (dots > 0) {
			/* An IPv4 tail counts as two groups. */
			if (!ipv4_literal(s + i, len - i))
				return 0;
			groups += 2;
			break;
		}
		while (i < len && i - start < 4 &&
		    strchr("0123456789abcdefABCDEF", s[i]) != NULL && s[i])
			i++;
		if (i == start)
			return 0;
		groups++;
		if (i == len)
			break;
		if (s[i] != ':')
			return 0;
		i++;
		if (i < len && s[i] == ':') {
			if (compressed)
				return 0;
			compressed = 1;
			i++;
			if (i == len)
				break;
		} else if (i == len) {
			return 0;
		}
	}
	/* "::" stands for at least one group: at most six others. */
	return compressed ? groups <= 6 : groups == 8;
}

/*
 * path_literal - length of the address-literal "[...]" at s (RFC 5321
 * 4.1.3: an IPv4 or IPv6 address; no General-address-literal is known to
 * us), or 0.  The path parser and HELO/EHLO share it.
 */
size_t
path_literal(const char *s, size_t len)
{
	const char *end;
	size_t body;

	if (len < 2 || s[0] != '[' || (end = memchr(s, ']', len)) == NULL)
		return 0;
	body = (size_t)(end - s) - 1;
	if (!ipv4_literal(s + 1, body) && !ipv6_literal(s + 1, body))
		return 0;
	return body + 2;
}

/*
 * has_c1 - s[0, len), well-formed UTF-8, holds a C1 control (U+0080 to
 * U+009F, encoded C2 80 to C2 9F): CSI, OSC and ST among them, escape
 * sequences for a terminal that shows the address.  RFC 5198 section 2
 * keeps them out of text on the net, which RFC 6530 asks of addresses.
 */
static int
has_c1(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	for (i = 0; i + 1 < len; i++)
		if (u[i] == 0xc2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)
			return 1;
	return 0;
}

/* local_part - length of the Local-part at s, or 0. */
static size_t
local_part(const char *s, size_t len, int *utf8)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	if (len > 0 && s[0] == '"') {
		/* Quoted-string: qtextSMTP and quoted-pairSMTP. */
		for (i = 1; i < len; i++) {
			if (u[i] == '"')
				return i + 1;
			if (u[i] == '\\') {
				if (++i >= len || u[i] < 32 || u[i] > 126)
					return 0;
			} else if (u[i] >= 0x80) {
				if ((n = utf8_len(u + i, len - i)) == 0)
					return 0;
				*utf8 = 1;
				i += n - 1;
			} else if (u[i] < 32 || u[i] > 126) {
				return 0;
			}
		}
		return 0;
	}
	/* Dot-string: atoms joined by single dots. */
	for (;;) {
		size_t start = i;

		i += run(u + i, len - i, is_atext, utf8);
		if (i == start)
			return 0;
		if (i < len && s[i] == '.') {
			i++;
			continue;
		}
		return i;
	}
}

/*
 * path_parse - parse the Path or "<>" at s (RFC 5321 4.1.2).
 * A source route is checked and dropped (RFC 5321 appendix C); the
 * mailbox goes to p.  *used is the length of the path with its brackets.
 */
enum path_result
path_parse(const char *s, size_t len, int flags, struct path *p, size_t *used)
{
	size_t i = 1, lp, dom, start;
	int utf8 = 0;

	p->len = 0;
	p->addr[0] = '\0';
	p->utf8 = 0;
	if (len < 2 || s[0] != '<')
		return PATH_SYNTAX;
	if (s[1] == '>') {
		*used = 2;
		return (flags & PATH_NULL_OK) ? PATH_OK : PATH_SYNTAX;
	}
	/* A-d-l ":" */
	if (s[i] == '@') {
		for (;;) {
			size_t d = domain(s + i + 1, len - i - 1, &utf8);

			if (d == 0)
				return PATH_SYNTAX;
			i += 1 + d;
			if (i < len && s[i] == ',' && i + 1 < len &&
			    s[i + 1] == '@') {
				i++;
				continue;
			}
			if (i >= len || s[i] != ':')
				return PATH_SYNTAX;
			i++;
			break;
		}
	}
	start = i;
	lp = local_part(s + i, len - i, &utf8);
	if (lp == 0)
		return PATH_SYNTAX;
	i += lp;
	if (i < len && s[i] == '>' && start == 1 && lp == 10 &&
	    (flags & PATH_POSTMASTER_OK) &&
	    strncasecmp(s + 1, "postmaster", 10) == 0) {
		/* RFC 5321 4.1.1.3: <Postmaster> needs no domain. */
		dom = 0;
	} else {
		const char *d;

		if (i >= len || s[i] != '@')
			return PATH_SYNTAX;
		i++;
		d = s + i;
		if (i < len && *d == '[') {
			if ((dom = path_literal(d, len - i)) == 0)
				return PATH_SYNTAX;
		} else {
			dom = domain(d, len - i, &utf8);
			if (dom == 0)
				return PATH_SYNTAX;
		}
		i += dom;
	}
	if (i >= len || s[i] != '>')
		return PATH_SYNTAX;
	*used = i + 1;
	if (lp > SMTP_LOCAL_MAX)
		return PATH_LOCAL_TOO_LONG;
	if (dom > SMTP_DOMAIN_MAX)
		return PATH_DOMAIN_TOO_LONG;
	if (*used > SMTP_PATH_MAX)
		return PATH_TOO_LONG;
	/* The mailbox becomes a delivery argument: never an option. */
	if (s[start] == '-')
		return PATH_DASH;
	if (utf8 && has_c1(s, *used))
		return PATH_CONTROL;
	p->len = i - start;
	memcpy(p->addr, s + start, p->len);
	p->addr[p->len] = '\0';
	p->utf8 = utf8;
	return PATH_OK;
}

/*
 * next_param - split the next "KEYWORD[=value]" off *rest (RFC 5321
 * 4.1.2 esmtp-param).  Returns 1 with key and value (NULL if none), 0 at
 * the end, -1 on bad syntax.
 */
static int
next_param(char **rest, char **key, char **value)
{
	char *p = *rest, *k;

	while (*p == ' ')
		p++;
	if (*p == '\0')
		return 0;
	k = p;
	if (!is_alnum((unsigned char)*p))
		return -1;
	while (is_alnum((unsigned char)*p) || *p == '-')
		p++;
	*value = NULL;
	if (*p == '=') {
		*p++ = '\0';
		*value = p;
		while (*p > ' ' && *p < 127 && *p != '=')
			p++;
		if (p == *value)
			return -1;
	}
	if (*p != '\0' && *p != ' ')
		return -1;
	if (*p == ' ')
		*p++ = '\0';
	*key = k;
	*rest = p;
	return 1;
}

/*
 * path_params - the ESMTP parameters in rest, into pm.  mail: MAIL's are
 * known (after EHLO); 0: none is (RCPT, or MAIL after HELO: RFC 5321
 * 4.1.1.11).  On an error pm->bad names the parameter at fault, or is
 * "syntax".
 */
enum param_result
path_params(char *rest, int mail, struct params *pm)
{
	char *key, *value;
	int r, seen_body = 0;

	memset(pm, 0, sizeof(*pm));
	while ((r = next_param(&rest, &key, &value)) > 0) {
		pm->bad = key;
		if (!mail)
			return PARAM_UNKNOWN;
		if (strcasecmp(key, "SIZE") == 0) {
			size_t n = value ? strlen(value) : 0;
			size_t i;

			pm->bad = "SIZE";
			if (pm->has_size++ || n == 0 ||
			    n > SMTP_SIZE_DIGITS_MAX ||
			    strspn(value, "0123456789") != n)
				return PARAM_SYNTAX;
			for (i = 0; i < n; i++) {
				unsigned d = (unsigned)(value[i] - '0');

				pm->size = pm->size > (UINT64_MAX - d) / 10 ?
				    UINT64_MAX : pm->size * 10 + d;
			}
		} else if (strcasecmp(key, "BODY") == 0) {
			pm->bad = "BODY";
			if (seen_body++ || value == NULL ||
			    (strcasecmp(value, "7BIT") != 0 &&
				strcasecmp(value, "8BITMIME") != 0))
				return PARAM_SYNTAX;
		} else if (strcasecmp(key, "SMTPUTF8") == 0) {
			pm->bad = "SMTPUTF8";
			if (pm->smtputf8++ || value != NULL)
				return PARAM_SYNTAX;
		} else if (strcasecmp(key, "AUTH") == 0) {
			/* Decoded, and taken or not, by the session. */
			pm->bad = "AUTH";
			if (pm->auth != NULL || value == NULL)
				return PARAM_SYNTAX;
			pm->auth = value;
		} else {
			return PARAM_UNKNOWN;
		}
	}
	pm->bad = "syntax";
	return r < 0 ? PARAM_SYNTAX : PARAM_OK;
}

/*
 * next_char - the next character of the value of a local part at *p,
 * which ends at end: quotes dropped, quoted pairs undone, so that
 * "bob" and bob compare equal (RFC 5321 4.1.2); -1 at the end.
 */
static int
next_char(const char **p, const char *end, int *quoted)
{
	while (*p < end && **p == '"') {
		*quoted = !*quoted;
		(*p)++;
	}
	if (*p >= end)
		return -1;
	if (*quoted && **p == '\\' && *p + 1 < end)
		(*p)++;
	return (unsigned char)*(*p)++;
}

/*
 * same - mailboxes a and b, as path_parse() left them, name the same
 * recipient.  Domains compare without case (RFC 5321 2.4); local parts
 * without case if fold, else exactly, as their own server may tell case
 * apart.
 */
static int
same(const char *a, const char *b, int fold)
{
	const char *at_a = strrchr(a, '@'), *at_b = strrchr(b, '@');
	const char *end_a = at_a != NULL ? at_a : a + strlen(a);
	const char *end_b = at_b != NULL ? at_b : b + strlen(b);
	int qa = 0, qb = 0, ca, cb;

	if ((at_a == NULL) != (at_b == NULL) ||
	    (at_a != NULL && strcasecmp(at_a + 1, at_b + 1) != 0))
		return 0;
	do {
		ca = next_char(&a, end_a, &qa);
		cb = next_char(&b, end_b, &qb);
		if (fold && ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (fold && cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
	} while (ca == cb && ca >= 0);
	return ca == cb;
}

/* path_seen - the list holds p's mailbox, local parts folded if fold. */
int
path_seen(const struct paths *l, const struct path *p, int fold)
{
	const char *r = l->buf;
	size_t k;

	for (k = 0; k < l->n; k++, r += strlen(r) + 1)
		if (same(r, p->addr, fold))
			return 1;
	return 0;
}

/* path_add - p's mailbox at the end of the list; 0, or -1 without memory. */
int
path_add(struct paths *l, const struct path *p)
{
	size_t need = l->len + p->len + 1;

	if (need > l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		char *n;

		while (cap < need)
			cap *= 2;
		if ((n = realloc(l->buf, cap)) == NULL)
			return -1;
		l->buf = n;
		l->cap = cap;
	}
	memcpy(l->buf + l->len, p->addr, p->len + 1);
	l->len = need;
	l->n++;
	return 0;
}
