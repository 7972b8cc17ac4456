# Makefile for smtpd.  CC, CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS are yours;
# our own flags are added from separate variables, so `make CFLAGS=-O0`
# keeps the warnings.  WERROR=1 (as CI sets) turns warnings into errors.

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
LIBEXECDIR ?= $(PREFIX)/libexec
PKG_CONFIG ?= pkg-config
SYSTEMDUNITDIR ?= $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir \
	systemd 2>/dev/null || echo $(PREFIX)/lib/systemd/system)

CFLAGS ?= -O2 -g

# B is where objects go, BIN the program; the sanitizer build sets both.
B ?= build
BIN ?= smtpd

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wformat=2 -Wcast-qual -Wvla
ifeq ($(WERROR),1)
WARN += -Werror
endif

# libsystemd is optional and never linked: smtpd dlopen()s it only when
# systemd passed it a socket, so only its header is needed here.
ifeq ($(shell $(PKG_CONFIG) --exists libsystemd && echo yes),yes)
SYSTEMD_CFLAGS = -DHAVE_LIBSYSTEMD $(shell $(PKG_CONFIG) --cflags libsystemd)
endif

SMTPD_CFLAGS = -std=c11 -D_GNU_SOURCE -MMD -MP $(WARN) $(SYSTEMD_CFLAGS) $(SAN)
ALL_CFLAGS = $(SMTPD_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN) $(LDFLAGS)

MODULES = session reply store lookup log
OBJS = $(MODULES:%=$(B)/%.o)
UNIT_SRCS = $(wildcard tests/unit/*.c)
UNIT_OBJS = $(UNIT_SRCS:tests/unit/%.c=$(B)/unit/%.o)

SANITIZE = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all

all: $(BIN)

$(BIN): $(B)/smtpd.o $(OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $(B)/smtpd.o $(OBJS) $(LDLIBS)

$(B)/%.o: %.c | $(B)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/unit/%.o: tests/unit/%.c | $(B)/unit
	$(CC) $(ALL_CFLAGS) -I. $(shell $(PKG_CONFIG) --cflags check) -c -o $@ $<

$(B)/unit/run: $(UNIT_OBJS) $(OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $(UNIT_OBJS) $(OBJS) \
		$(shell $(PKG_CONFIG) --libs check) $(LDLIBS)

$(B) $(B)/unit:
	mkdir -p $@

# check: the unit tests, then the transcripts; then both again under
# AddressSanitizer and UndefinedBehaviorSanitizer.
check: deps
	$(MAKE) check-plain
	$(MAKE) B=build-san BIN=build-san/smtpd SAN="$(SANITIZE)" check-plain

check-plain: $(BIN) $(B)/unit/run
	$(B)/unit/run
	tests/run-sessions $(BIN)
	tests/sessions-timed $(BIN)
	tests/sync-check $(BIN)
	tests/faults $(BIN)
	tests/kill-random $(BIN)
	tests/deliver-tty

# Installs what the build and the tests need (Debian), if it is missing.
deps:
	@tests/install-deps pkg-config check libsystemd-dev python3

run: $(BIN)
	@tests/install-deps ucspi-tcp
	@mkdir -p Maildir
	@echo "smtpd on 127.0.0.1:2525, delivering into $(CURDIR)/Maildir"
	tcpserver -v -RHl localhost 127.0.0.1 2525 ./$(BIN) \
		--hostname localhost --any-recipient --relay-net 127.0.0.1 \
		-- ./examples/deliver-maildir Maildir

# The units name /usr/local/sbin and /usr/local/libexec; install puts in
# SBINDIR and LIBEXECDIR instead.
UNIT_SED = -e 's,/usr/local/sbin/,$(SBINDIR)/,g' \
	-e 's,/usr/local/libexec/,$(LIBEXECDIR)/,g'

# bench: smtpd next to exim, mailfront and cat (bench/run); installs
# the peers, takes some minutes, writes bench/results.md.  Not part of check.
bench:
	bench/run

install: $(BIN)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 755 $(BIN) $(DESTDIR)$(SBINDIR)/smtpd
	install -m 755 examples/deliver-maildir examples/deliver-lda \
		$(DESTDIR)$(LIBEXECDIR)
	install -m 644 man/smtpd.8 $(DESTDIR)$(MANDIR)/man8/smtpd.8
	sed $(UNIT_SED) units/smtpd.socket \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/smtpd.socket
	sed $(UNIT_SED) units/smtpd@.service \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/smtpd@.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/smtpd.socket \
		$(DESTDIR)$(SYSTEMDUNITDIR)/smtpd@.service

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/smtpd $(DESTDIR)$(MANDIR)/man8/smtpd.8 \
		$(DESTDIR)$(LIBEXECDIR)/deliver-maildir \
		$(DESTDIR)$(LIBEXECDIR)/deliver-lda \
		$(DESTDIR)$(SYSTEMDUNITDIR)/smtpd.socket \
		$(DESTDIR)$(SYSTEMDUNITDIR)/smtpd@.service

clean:
	rm -rf build build-san smtpd

.PHONY: all check check-plain deps run bench install uninstall clean

-include $(B)/*.d $(B)/unit/*.d
