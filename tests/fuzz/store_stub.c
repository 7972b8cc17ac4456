/* SPDX-License-Identifier: ISC */
/*
 * store_stub.c - store.c for the session fuzzer: the same interface, no
 * file and no fork, so that one input costs microseconds, not a process
 * per message.  The grammar and the DATA decoder stay the real ones.
 *
 * It checks what the session hands over, the properties the real store
 * relies on: a store is opened once and then closed or aborted exactly
 * once, never written after; the envelope holds no control character, no
 * recipient or sender begins with '-', the HELO name is one printable
 * word.  A broken property aborts, which the fuzzer reports as a crash.
 * The verdict is taken from the message, so that text a delivery command
 * could choose (any octets) reaches reply_as().
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_stub.h"

#define STUB_FD 1000 /* never a real descriptor of ours */

static int open_stores;
static char first[DELIVERY_TEXT_MAX + 1];
static size_t first_len;
static int in_header; /* the Received header is being written */

int
stub_open_stores(void)
{
	return open_stores;
}

/* store_space - no file is written: room for any SIZE. */
uint64_t
store_space(const char *tmpdir)
{
	(void)tmpdir;
	return UINT64_MAX;
}

int
store_open(struct store *st, const char *tmpdir)
{
	(void)tmpdir;
	if (open_stores != 0)
		abort(); /* the previous message was never closed */
	open_stores++;
	st->fd = STUB_FD;
	st->error = 0;
	first_len = 0;
	return 0;
}

/* check_text - s has no control character and no DEL; with word, no space. */
static void
check_text(const char *s, int word)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || (word && *s == ' '))
			abort();
}

static void
check_envelope(const struct envelope *env)
{
	const char *r = env->rcpts;
	size_t k;

	check_text(env->helo, 1);
	check_text(env->sender, 0);
	if (env->sender[0] == '-' || env->mode == NULL)
		abort();
	for (k = 0; k < env->nrcpts; k++, r += strlen(r) + 1) {
		if (r[0] == '-' || r[0] == '\0')
			abort();
		check_text(r, 0);
	}
}

void
store_received(struct store *st, const struct envelope *env)
{
	if (st->fd != STUB_FD)
		abort();
	check_envelope(env);
	in_header = 1;
	store_write(st, "Received: stub\n", 15);
	in_header = 0;
}

void
store_write(struct store *st, const char *p, size_t len)
{
	size_t take;

	if (st->fd != STUB_FD)
		abort(); /* written after close or abort */
	if (in_header)
		return;
	take = sizeof(first) - 1 - first_len;
	if (take > len)
		take = len;
	memcpy(first + first_len, p, take);
	first_len += take;
}

void
store_abort(struct store *st)
{
	if (st->fd == STUB_FD)
		open_stores--;
	st->fd = -1;
}

/*
 * store_close - the verdict from the message's first line: "4..." a
 * temporary failure, "5..." a permanent one, each with that line as the
 * command's status and text; anything else is delivered.
 */
void
store_close(struct store *st, const struct envelope *env,
    char *const *command, int timeout, struct verdict *v)
{
	char *nl;

	(void)command;
	(void)timeout;
	if (st->fd != STUB_FD)
		abort();
	check_envelope(env);
	if (env->nrcpts == 0)
		abort(); /* DATA is allowed only after a recipient */
	store_abort(st);
	first[first_len] = '\0';
	if ((nl = strchr(first, '\n')) != NULL)
		*nl = '\0';
	v->id = R_QUEUED;
	v->status[0] = v->text[0] = '\0';
	if (first[0] == '4' || first[0] == '5') {
		v->id = first[0] == '4' ? R_DELIVERY_TEMPFAIL : R_NO_SUCH_USER;
		memcpy(v->status, first, sizeof(v->status) - 1);
		v->status[sizeof(v->status) - 1] = '\0';
		memcpy(v->text, first, sizeof(v->text));
	}
}

/* store_turn - never reached: the harness sets no --turn. */
int
store_turn(char *const *argv, int in_fd, int out_fd, const char *helo)
{
	(void)argv;
	(void)in_fd;
	(void)out_fd;
	(void)helo;
	abort();
}
