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
SYSUSERSDIR ?= $(shell $(PKG_CONFIG) --variable=sysusersdir \
	systemd 2>/dev/null || echo $(PREFIX)/lib/sysusers.d)

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

# The TLS program, which smtpd execs for STARTTLS (--tls-program).
TLS_PROGRAM ?= $(LIBEXECDIR)/smtpd-tls
SMTPD_CFLAGS = -std=c11 -D_GNU_SOURCE -MMD -MP $(WARN) $(SYSTEMD_CFLAGS) $(SAN) \
	-DSMTPD_TLS_PROGRAM='"$(TLS_PROGRAM)"'
GNUTLS_CFLAGS = $(shell $(PKG_CONFIG) --cflags gnutls 2>/dev/null)
GNUTLS_LIBS = $(shell $(PKG_CONFIG) --libs gnutls 2>/dev/null)
ALL_CFLAGS = $(SMTPD_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN) $(LDFLAGS)

MODULES = session session_cmds session_auth auth path data store lookup aliases users access file cdb reply conn log
OBJS = $(MODULES:%=$(B)/%.o)
UNIT_SRCS = $(wildcard tests/unit/*.c)
UNIT_OBJS = $(UNIT_SRCS:tests/unit/%.c=$(B)/unit/%.o)

SANITIZE = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all

# smtpd-tls alone links GnuTLS: smtpd never does.  (Set before all: is
# read, or all: would not name it.)
TLS_BIN ?= $(dir $(BIN))smtpd-tls

all: $(BIN) $(TLS_BIN)

$(BIN): $(B)/smtpd.o $(OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $(B)/smtpd.o $(OBJS) $(LDLIBS)

$(TLS_BIN): smtpd-tls.c | $(B)
	$(CC) $(ALL_CFLAGS) $(GNUTLS_CFLAGS) $(ALL_LDFLAGS) -o $@ smtpd-tls.c \
		$(GNUTLS_LIBS) $(LDLIBS)

$(B)/%.o: %.c | $(B)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/unit/%.o: tests/unit/%.c | $(B)/unit
	$(CC) $(ALL_CFLAGS) -I. $(shell $(PKG_CONFIG) --cflags check) -c -o $@ $<

$(B)/unit/run: $(UNIT_OBJS) $(OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $(UNIT_OBJS) $(OBJS) \
		$(shell $(PKG_CONFIG) --libs check) $(LDLIBS)

$(B) $(B)/unit:
	mkdir -p $@

# check: the unit tests, then the transcripts and the scripted tests
# (tests/hostile measures peak RSS, except under the sanitizers); then all
# again under AddressSanitizer and UndefinedBehaviorSanitizer.
check: deps
	$(MAKE) check-plain
	$(MAKE) B=build-san BIN=build-san/smtpd SAN="$(SANITIZE)" check-plain

check-plain: $(BIN) $(TLS_BIN) $(B)/unit/run
	$(B)/unit/run
	tests/run-sessions $(BIN)
	tests/sessions-timed $(BIN)
	tests/sync-check $(BIN)
	tests/turn-and-term $(BIN)
	tests/startup $(BIN)
	tests/faults $(BIN)
	tests/aliases-changed $(BIN)
	tests/aliases-index $(BIN)
	tests/tls-helper $(TLS_BIN)
	tests/tls $(BIN) $(TLS_BIN)
	tests/tls-mta $(BIN) $(TLS_BIN)
	tests/auth $(BIN) $(TLS_BIN)
	tests/kill-random $(BIN)
	tests/deliver-tty
	tests/install $(BIN)
	tests/hostile $(if $(SAN),--no-rss) $(BIN)

# Installs what the build and the tests need (Debian), if it is missing.
deps:
	@tests/install-deps pkg-config check libsystemd-dev python3 time \
	    systemd tinycdb libgnutls28-dev openssl curl swaks \
	    libnet-ssleay-perl ucspi-tcp dovecot-core msmtp

# valgrind: the transcripts once more, each smtpd under memcheck; an
# invalid access or a leak makes smtpd exit 1, which fails its test.
# valgrind does not know pidfd_open (syscall 434): it warns on stderr,
# which no test forbids, and smtpd waits for the delivery command without
# it, so every delivery here goes through that fallback.  Skipped:
# delivery-not-started-451, since under valgrind posix_spawn is a fork and
# exec whose failure is the child's exit 127, not an error smtpd sees.
VALGRIND = valgrind -q --error-exitcode=1 --leak-check=full
VALGRIND_SKIP = delivery-not-started-451
VALGRIND_TESTS = $(filter-out $(VALGRIND_SKIP), \
	$(basename $(notdir $(wildcard tests/sessions/*.in))))

valgrind: deps $(BIN)
	@tests/install-deps valgrind
	SMTPD_WRAPPER='$(VALGRIND)' tests/run-sessions $(BIN) $(VALGRIND_TESTS)

# fuzz: build the libFuzzer harnesses of tests/fuzz with clang, AddressSanitizer
# and UndefinedBehaviorSanitizer, and run each for FUZZ_SECONDS.  The
# session harness links tests/fuzz/store_stub.c instead of store.c: no
# file, no fork; the grammar and the DATA decoder are the real ones.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 10
FZ = build-fuzz
FUZZERS = session path unstuff aliases auth
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -MMD -MP $(WARN) -g -O1 $(FUZZ_SAN) \
	-fsanitize=fuzzer-no-link -I. $(CPPFLAGS)

fuzz: fuzz-deps $(FUZZERS:%=$(FZ)/fuzz-%)
	tests/fuzz/run $(FZ) $(FUZZ_SECONDS) $(FUZZERS)

fuzz-deps:
	@tests/install-deps clang libclang-rt-14-dev

FUZZ_LIB = $(FZ)/session.o $(FZ)/session_cmds.o $(FZ)/session_auth.o $(FZ)/auth.o $(FZ)/path.o $(FZ)/data.o $(FZ)/reply.o \
    $(FZ)/conn.o $(FZ)/lookup.o $(FZ)/aliases.o $(FZ)/users.o \
    $(FZ)/access.o $(FZ)/file.o $(FZ)/cdb.o $(FZ)/log.o $(FZ)/store_stub.o
$(FZ)/fuzz-session: $(FZ)/fuzz_session.o $(FUZZ_LIB)
$(FZ)/fuzz-path: $(FZ)/fuzz_path.o $(FUZZ_LIB)
$(FZ)/fuzz-unstuff: $(FZ)/fuzz_unstuff.o $(FUZZ_LIB)
$(FZ)/fuzz-aliases: $(FZ)/fuzz_aliases.o $(FUZZ_LIB)
$(FZ)/fuzz-auth: $(FZ)/fuzz_auth.o $(FUZZ_LIB)
$(FUZZERS:%=$(FZ)/fuzz-%):
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^

$(FZ)/%.o: %.c | $(FZ)
	$(FUZZ_CC) $(FUZZ_ALL_CFLAGS) -c -o $@ $<

$(FZ)/%.o: tests/fuzz/%.c | $(FZ)
	$(FUZZ_CC) $(FUZZ_ALL_CFLAGS) -Itests/fuzz -c -o $@ $<

$(FZ):
	mkdir -p $@

# lint: cppcheck over all the C (suppressions, with reasons, in
# .cppcheck-suppressions and marked inline), then clang-tidy with the
# checks of .clang-tidy over the program and the fuzzers; any finding
# fails.  The unit tests are left to cppcheck: Check's macros defeat
# clang-tidy's analyzer.
LINT_SRCS = smtpd.c smtpd-tls.c $(MODULES:%=%.c) $(wildcard tests/fuzz/*.c)
LINT_DEFS = -D_GNU_SOURCE $(SYSTEMD_CFLAGS) $(GNUTLS_CFLAGS) -I. -Itests/fuzz \
	-DSMTPD_TLS_PROGRAM='"$(TLS_PROGRAM)"'

lint: lint-deps
	cppcheck --std=c11 --enable=warning,style,performance,portability \
	    --library=posix --suppressions-list=.cppcheck-suppressions \
	    --inline-suppr --error-exitcode=1 --quiet $(LINT_DEFS) \
	    $(LINT_SRCS) $(UNIT_SRCS)
	@# One file a run: with several, clang-tidy 14 reports every va_list
	@# as uninitialized (LLVM bug 41311).
	@for f in $(LINT_SRCS); do \
		echo "clang-tidy $$f"; \
		clang-tidy --quiet $$f -- -std=c11 $(LINT_DEFS) || exit 1; \
	done

lint-deps:
	@tests/install-deps cppcheck clang-tidy libsystemd-dev

# run: a local catch-all on purpose, for trying clients: every recipient,
# of any domain, is filed into ./Maildir and nothing is ever sent on.  The
# recipes to deploy are in examples/ and units/ (smtpd(8), DEPLOYMENT).
run: $(BIN)
	@tests/install-deps ucspi-tcp
	@mkdir -p Maildir
	@echo "smtpd on 127.0.0.1:2525, a local catch-all: every message," \
		"for any domain, goes into $(CURDIR)/Maildir"
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

# The delivery commands the manual runs from LIBEXECDIR, and the hook
# that puts a renewed certificate where smtpd-tls.service reads it.
LIBEXEC_PROGS = deliver-maildir deliver-lda deliver-tty smtpd-tls-deploy-hook
UNITS = smtpd.socket smtpd@.service smtps.socket smtps@.service \
	smtpd-tls.socket smtpd-tls.service submission.socket submission@.service

install: $(BIN) $(TLS_BIN)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR)
	install -m 755 $(BIN) $(DESTDIR)$(SBINDIR)/smtpd
	install -m 755 $(TLS_BIN) $(DESTDIR)$(LIBEXECDIR)/smtpd-tls
	install -m 755 $(LIBEXEC_PROGS:%=examples/%) $(DESTDIR)$(LIBEXECDIR)
	install -m 644 man/smtpd.8 $(DESTDIR)$(MANDIR)/man8/smtpd.8
	install -m 644 units/smtpd-tls.sysusers \
		$(DESTDIR)$(SYSUSERSDIR)/smtpd-tls.conf
	for u in $(UNITS); do \
		sed $(UNIT_SED) units/$$u >$(DESTDIR)$(SYSTEMDUNITDIR)/$$u && \
		chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/smtpd $(DESTDIR)$(MANDIR)/man8/smtpd.8 \
		$(DESTDIR)$(LIBEXECDIR)/smtpd-tls \
		$(LIBEXEC_PROGS:%=$(DESTDIR)$(LIBEXECDIR)/%) \
		$(DESTDIR)$(SYSUSERSDIR)/smtpd-tls.conf \
		$(UNITS:%=$(DESTDIR)$(SYSTEMDUNITDIR)/%)

clean:
	rm -rf build build-san build-fuzz smtpd smtpd-tls smtpd-tls.d

.PHONY: all check check-plain deps valgrind fuzz fuzz-deps lint lint-deps \
	run bench install uninstall clean

-include $(B)/*.d $(B)/unit/*.d $(FZ)/*.d
