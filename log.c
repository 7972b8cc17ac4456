/* SPDX-License-Identifier: ISC */
/*
 * log.c - one line per event: "event=NAME key=value ...".
 *
 * On stderr each line is prefixed by its syslog level ("<6>"), the form
 * journald and most supervisors read.  When stderr is the journal, the
 * same event goes through sd_journal_sendv() with every key as a field of
 * its own and a MESSAGE_ID per event kind; when stderr is the client's
 * connection (inetd), through syslog(3), so that no diagnostic ever
 * reaches the client.  main picks the sink; this file never loads a
 * library.
 *
 * Values may come from the client, so every one is escaped: a value is
 * written bare only when it is printable ASCII without a space, a quote
 * or a backslash; any other is put in double quotes, with '"'
 * and '\' escaped by a backslash and every other byte outside printable
 * ASCII written as \xHH.  A field whose value is empty is left out.  A
 * line can therefore be split into its fields
 * without doubt, and no client can forge a line or a field.
 *
 * A field is written whole or not at all: one that does not fit (in the
 * line, or in the room the values are expanded in) is dropped with every
 * field after it, and the line ends in " cut=1", so that no line ends in
 * a prefix of a value ("rcpts=1" for 12) that reads as a real one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX   1024 /* with the "<6>" and the newline */
#define LOG_FIELDS_MAX 16
#define LOG_KEY_MAX    24

/*
 * The events, each with the MESSAGE_ID the journal gets, so that
 * "journalctl MESSAGE_ID=..." finds one kind.  The names and ids are an
 * interface: add, never change.
 */
/* clang-format off */
static const struct {
	const char *event;
	const char *id;
} events[] = {
	{ "session_start",    "d7be4faeb79b4dcb803ac8fea3163640" },
	{ "session_end",      "8e645f770bfd4ac084dc51701a84f1c9" },
	{ "message",          "3b021b5726444594907775d43ff9e890" },
	{ "timeout",          "4fc4c0fc4ef04980b8a2a4d6beefb27d" },
	{ "sigterm",          "7f9a5334b68e446495870f309167a087" },
	{ "data_aborted",     "6ca26ac58f054e38bc5b137293c3cc91" },
	{ "too_many_errors",  "c6ec920abef2468fa6c6892fffac7535" },
	{ "delivery_failed",  "8d9395de526e478fa2153560da78514a" },
	{ "delivery_timeout", "00d642ff39ee4844b5f75899e687abb5" },
	{ "delivery_setup",   "c6d655ebbf4241aa8c2ccc3cd052370f" },
	{ "delivery_spawn",   "d5e4c234658f485da9729dab1597ff82" },
	{ "store_open",       "f236d8c7fd5f4750b8a14cc71f9e9772" },
	{ "store_failed",     "0479b3d7ef5d4532a7ebcdb3b62e0059" },
	{ "internal",         "c485a51ff4ad473bbfbb3999407d1ec1" },
	{ "rcpt_refused",    "b373e179b91947ff98e073c158630c0b" },
	{ "harvest_delay",   "8b7e32575ed94a5cace921a6e55a22d1" },
	{ "lookup_malformed","62f0860dc5bc4533aa879be49a37b7eb" },
	{ "lookup_failed",   "f9a21f565a254226964cc941f7c120b0" },
	{ "out_of_sync",     "a20b2a3877684e6b8f43fc020aecd992" },
	{ "http_refused",    "61ebb1dec5dc44cb9ba180918e952257" },
	{ "turn",            "47bb1faedb1c4e24a9946489898ab2d3" },
	{ "turn_failed",     "e3166efe0d634c7ba4b603bdc6b458f6" },
	{ "aliases_index_unused", "9ee06e6692b04cf5822e1e17635a9a94" },
	{ "tls",             "94496db335484598b2a1ef73d14b9bdc" },
	{ "tls_failed",      "17af48f825f54e91acd07d1a636dc4fb" },
	{ "tls_unavailable", "4c4e7a70648c42fc9b42aa31f7295d9d" },
	{ "auth",            "31a4601daa2341b39a6997e95915f1a1" },
	{ "auth_backend",    "3f118bfe1fc84085a5e2c02844618606" },
};

/* Journal field names that are not SMTP_ and the key in capitals. */
static const struct {
	const char *key;
	const char *field;
} fields[] = {
	{ "peer",      "REMOTE_ADDR" },
	{ "peer_port", "REMOTE_PORT" },
	{ "peer_host", "REMOTE_HOST" },
	{ "local",     "LOCAL_ADDR" },
};
/* clang-format on */

/*
 * One event taken apart: keys, and values as the arguments made them;
 * cut when a field did not fit in raw, or there were too many.
 */
struct rec {
	size_t n;
	int cut;
	char key[LOG_FIELDS_MAX][LOG_KEY_MAX];
	const char *val[LOG_FIELDS_MAX];
	char raw[LOG_LINE_MAX];
};

/* Output that stops, and says so, rather than overflow or cut a field. */
struct buf {
	char *p;
	size_t len, size;
	int cut;
};

static enum log_sink log_sink;
static log_sendv_fn log_sendv;

void
log_init(enum log_sink sink, log_sendv_fn sendv)
{
	log_sink = sink;
	log_sendv = sendv;
	if (sink == LOG_SINK_JOURNAL && sendv == NULL)
		log_sink = LOG_SINK_STDERR; /* the stream reads "<6>" too */
	if (log_sink == LOG_SINK_SYSLOG)
		openlog("smtpd", LOG_PID, LOG_MAIL);
}

/*
 * conv - one conversion of fmt at *f (just after '%') into out; returns
 * the length it needed, which is size or more when it was cut.
 */
static size_t
conv(const char **f, va_list *ap, char *out, size_t size)
{
	const char *s = *f;
	int n = 0;

	if (strncmp(s, "llu", 3) == 0) {
		n = snprintf(
		    out, size, "%llu", va_arg(*ap, unsigned long long));
		s += 3;
	} else if (strncmp(s, "zu", 2) == 0) {
		n = snprintf(out, size, "%zu", va_arg(*ap, size_t));
		s += 2;
	} else if (*s == 'u') {
		n = snprintf(out, size, "%u", va_arg(*ap, unsigned));
		s++;
	} else if (*s == 'd') {
		n = snprintf(out, size, "%d", va_arg(*ap, int));
		s++;
	} else if (*s == 's') {
		const char *a = va_arg(*ap, const char *);

		n = snprintf(out, size, "%s", a != NULL ? a : "");
		s++;
	} else if (*s == '%') {
		n = snprintf(out, size, "%%");
		s++;
	}
	*f = s;
	return n < 0 ? 0 : (size_t)n;
}

/*
 * parse - split "key=value key=value" into r, expanding the conversions
 * of each value; a value too long for what is left ends r, cut.
 */
static void
parse(struct rec *r, const char *fmt, va_list *ap)
{
	size_t used = 0;

	r->n = 0;
	r->cut = 0;
	while (*fmt == ' ')
		fmt++;
	while (*fmt != '\0') {
		size_t k = 0, start = used;
		char *v = r->raw + used;

		if (r->n == LOG_FIELDS_MAX) {
			r->cut = 1;
			return;
		}

		while (*fmt == ' ')
			fmt++;
		while (*fmt != '\0' && *fmt != '=' && *fmt != ' ') {
			if (k < LOG_KEY_MAX - 1)
				r->key[r->n][k++] = *fmt;
			fmt++;
		}
		r->key[r->n][k] = '\0';
		if (*fmt == '=')
			fmt++;
		while (*fmt != '\0' && *fmt != ' ') {
			size_t room = sizeof(r->raw) - used, n = 1;

			if (*fmt == '%') {
				fmt++;
				n = conv(&fmt, ap, r->raw + used, room);
			} else if (room > 1) {
				r->raw[used] = *fmt++;
			}
			/* The value and its NUL must fit. */
			if (n >= room) {
				r->raw[start] = '\0';
				r->cut = 1;
				return;
			}
			used += n;
		}
		r->raw[used++] = '\0';
		r->val[r->n++] = v;
		while (*fmt == ' ')
			fmt++;
	}
}

/* put - append n bytes, keeping room for the closing quote and " cut=1". */
static int
put(struct buf *b, const char *s, size_t n)
{
	if (b->cut || b->len + n + 8 > b->size) {
		b->cut = 1;
		return -1;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

/*
 * escape - one value: quoted and escaped for a text line (quote set), or
 * only its control characters escaped, for a journal field.
 */
static void
escape(struct buf *b, const char *v, int quote)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t i;
	int bare = *v != '\0';

	for (i = 0; s[i] != '\0' && bare; i++)
		if (s[i] <= ' ' || s[i] >= 127 || s[i] == '"' || s[i] == '\\')
			bare = 0;
	if (bare || !quote) {
		for (i = 0; s[i] != '\0'; i++) {
			char hex[5];

			if (s[i] >= ' ' && s[i] != 127)
				(void)put(b, v + i, 1);
			else if (snprintf(hex, sizeof(hex), "\\x%02x", s[i]) ==
			         4)
				(void)put(b, hex, 4);
		}
		return;
	}
	(void)put(b, "\"", 1);
	for (i = 0; s[i] != '\0' && !b->cut; i++) {
		char e[5];

		if (s[i] == '"' || s[i] == '\\') {
			e[0] = '\\';
			e[1] = (char)s[i];
			(void)put(b, e, 2);
		} else if (s[i] < ' ' || s[i] >= 127) {
			if (snprintf(e, sizeof(e), "\\x%02x", s[i]) == 4)
				(void)put(b, e, 4);
		} else {
			(void)put(b, v + i, 1);
		}
	}
	/* The room put() kept: a cut value is still closed. */
	b->p[b->len++] = '"';
}

/*
 * text - the line "key=value ..." of r into b, whole fields only, then
 * " cut=1" if one was left out; put() kept the room for it.
 */
static void
text(struct buf *b, const struct rec *r)
{
	size_t i, base = b->len;

	for (i = 0; i < r->n && !b->cut; i++) {
		size_t start = b->len;

		if (r->val[i][0] == '\0')
			continue; /* unknown, or none: left out */
		if (b->len > base)
			(void)put(b, " ", 1);
		(void)put(b, r->key[i], strlen(r->key[i]));
		(void)put(b, "=", 1);
		escape(b, r->val[i], 1);
		if (b->cut)
			b->len = start; /* a field is whole, or not there */
	}
	if (b->cut || r->cut) {
		b->cut = 1;
		if (b->len > base)
			b->p[b->len++] = ' ';
		memcpy(b->p + b->len, "cut=1", 5);
		b->len += 5;
	}
}

size_t
log_line(char *out, size_t size, const char *fmt, ...)
{
	struct rec r;
	struct buf b = { out, 0, size, 0 };
	va_list ap;

	if (size < 8)
		return 0;
	va_start(ap, fmt);
	parse(&r, fmt, &ap);
	va_end(ap);
	b.size = size - 1;
	text(&b, &r);
	out[b.len] = '\0';
	return b.len;
}

/* field_name - the journal's name for a key: a table, else SMTP_KEY. */
static void
field_name(struct buf *b, const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strcmp(key, fields[i].key) == 0) {
			(void)put(b, fields[i].field, strlen(fields[i].field));
			return;
		}
	}
	(void)put(b, "SMTP_", 5);
	for (; *key != '\0'; key++) {
		char c = *key;

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		(void)put(b, &c, 1);
	}
}

/*
 * journal - the event as journal fields: MESSAGE (the text line),
 * PRIORITY, MESSAGE_ID, SYSLOG_IDENTIFIER, SYSLOG_FACILITY (mail), and
 * one field per key, whole, then SMTP_CUT=1 if one was left out.
 * Returns what sd_journal_sendv returned.
 */
static int
journal(int level, const struct rec *r, const char *line, size_t len)
{
	struct iovec iov[LOG_FIELDS_MAX + 6];
	char store[LOG_LINE_MAX * 3], head[64];
	struct buf b = { store, 0, sizeof(store), 0 };
	const char *id = NULL;
	size_t i, n = 0, start;

	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (r->n > 0 && strcmp(r->val[0], events[i].event) == 0)
			id = events[i].id;
	start = b.len;
	(void)put(&b, "MESSAGE=", 8);
	(void)put(&b, line, len);
	iov[n++] = (struct iovec){ store + start, b.len - start };
	start = b.len;
	if (snprintf(head, sizeof(head), "PRIORITY=%d", level) > 0)
		(void)put(&b, head, strlen(head));
	iov[n++] = (struct iovec){ store + start, b.len - start };
	iov[n++] = (struct iovec){ "SYSLOG_IDENTIFIER=smtpd", 23 };
	iov[n++] = (struct iovec){ "SYSLOG_FACILITY=2", 17 };
	if (id != NULL) {
		start = b.len;
		(void)put(&b, "MESSAGE_ID=", 11);
		(void)put(&b, id, strlen(id));
		iov[n++] = (struct iovec){ store + start, b.len - start };
	}
	for (i = 0; i < r->n && !b.cut; i++) {
		if (r->val[i][0] == '\0')
			continue;
		start = b.len;
		field_name(&b, r->key[i]);
		(void)put(&b, "=", 1);
		escape(&b, r->val[i], 0);
		if (!b.cut)
			iov[n++] =
			    (struct iovec){ store + start, b.len - start };
	}
	if (b.cut || r->cut)
		iov[n++] = (struct iovec){ "SMTP_CUT=1", 10 };
	return log_sendv(iov, (int)n);
}

void
log_event(int level, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	struct rec r;
	struct buf b = { line, 0, sizeof(line) - 1, 0 };
	va_list ap;
	int n;

	if (log_sink == LOG_SINK_OFF)
		return;
	va_start(ap, fmt);
	parse(&r, fmt, &ap);
	va_end(ap);
	n = snprintf(line, sizeof(line), "<%d>", level);
	if (n < 0)
		return;
	b.len = (size_t)n;
	text(&b, &r);
	switch (log_sink) {
	case LOG_SINK_SYSLOG:
		line[b.len] = '\0';
		syslog(level, "%s", line + n);
		return;
	case LOG_SINK_JOURNAL:
		if (journal(level, &r, line + n, b.len - (size_t)n) >= 0)
			return;
		break; /* the journal refused: the stream may not */
	default:
		break;
	}
	line[b.len++] = '\n';
	/* A log that cannot be written must not end the session. */
	if (write(STDERR_FILENO, line, b.len) < 0)
		return;
}
