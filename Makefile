# roster — one GNU Makefile.  Quiet unless V=1; overrides in config.mk.
#
#   make          build build/roster
#   make run      install what is missing, build, serve a local stack on :8080
#   make test     install what is missing, build, run every test
#   make test-cluster  the scale-out test: Galera cluster, two hosts, kills
#   make asan     build build/roster-asan (AddressSanitizer + UBSan)
#   make bench    install what is missing, build, run the wrk benchmark
#   make check-layers  dependencies between app/'s layer folders point down
#   make docs     rewrite the configuration's documentation from the code
#   make check-docs  fail when it differs from what the code makes
#   make install  PREFIX, DESTDIR: binary, man pages, units, roster.conf
#   make deb      build/roster_VERSION_ARCH.deb (dpkg-deb)
#   make test-package  the .deb in a fresh Debian 12 root (run by make test)
#   make format   rewrite the C sources in the style of .clang-format
#   make check-format  fail, naming the files, where `make format` would
#                 change something (run by make test)

-include config.mk

CC       ?= cc
PKGS     := fcgi libmariadb jansson libsodium libcurl libmemcached
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# libfcgi ships no .pc file on Debian 12.
ifeq ($(PKG_LIBS),)
PKG_CFLAGS := $(shell pkg-config --cflags libmariadb jansson libsodium libcurl libmemcached 2>/dev/null)
PKG_LIBS   := -lfcgi $(shell pkg-config --libs libmariadb jansson libsodium libcurl libmemcached 2>/dev/null)
endif

WARN     := -Wall -Wextra -Werror -Wformat-security -Wstrict-prototypes \
            -Wvla -Wwrite-strings -Wshadow
CFLAGS   ?= -O2 -g
ALL_CFLAGS := -std=c17 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Iinclude $(PKG_CFLAGS) -MMD -MP
LDLIBS   := $(PKG_LIBS)
ASAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
              -fno-sanitize-recover=undefined -DROSTER_ASAN

ifeq ($(V),1)
Q :=
else
Q := @
endif

# app/LAYER/NAME.c, one folder per layer (tests/lint/check_layers.py).
SRCS     := $(wildcard app/*/*.c)
LIB_SRCS := $(filter-out app/proc/main.c,$(SRCS))
# Generated sources: the migrations and the API reference, embedded.
GEN      := migrations docs_api
OBJS     := $(SRCS:app/%.c=build/obj/%.o) $(GEN:%=build/obj/%.o)
LIB_OBJS := $(LIB_SRCS:app/%.c=build/obj/%.o) $(GEN:%=build/obj/%.o)
ASAN_OBJS := $(SRCS:app/%.c=build/obj-asan/%.o) $(GEN:%=build/obj-asan/%.o)
ASAN_LIB_OBJS := $(LIB_SRCS:app/%.c=build/obj-asan/%.o) $(GEN:%=build/obj-asan/%.o)
# tests/unit/LAYER/test_NAME.c tests app/LAYER/NAME.c.
UNIT_SRCS := $(wildcard tests/unit/*/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/tests/%)
MIGRATIONS := $(sort $(wildcard sql/[0-9][0-9][0-9][0-9]_*.sql))

.PHONY: all asan run test test-cluster unit e2e check-layers check-docs docs deps format check-format install clean bench fuzz man deb test-package check-deps

all: build/roster

build/roster: $(OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(OBJS) $(LDLIBS)

build/roster-asan: $(ASAN_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -o $@ $(ASAN_OBJS) $(LDLIBS)

asan: build/roster-asan

build/obj/%.o: app/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/obj-asan/%.o: app/%.c
	@mkdir -p $(@D)
	@echo "  CC-ASAN $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -c -o $@ $<

# The migrations are embedded, so the binary needs no sql/ at run time.
build/migrations.c: $(MIGRATIONS) Makefile
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	$(Q){ echo '#include <stddef.h>'; echo '#include "roster/migrate.h"'; \
	  echo 'const struct migration migrations[] = {'; \
	  for f in $(MIGRATIONS); do \
	    b=$$(basename $$f .sql); v=$$(echo $$b | cut -c1-4 | sed 's/^0*//'); \
	    printf '{ %s, "%s",\n' "$$v" "$$b"; \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $$f; \
	    echo '},'; \
	  done; \
	  echo '};'; \
	  echo 'const size_t nmigrations = sizeof(migrations) / sizeof(migrations[0]);'; \
	} > $@.tmp && mv $@.tmp $@

# The API reference (docs/api-reference.md), which roster serves at /docs/api-reference.md: the
# DatoCMS dialect's errors link there (doc_url), so the page is the one of
# the binary that answered.
build/docs_api.c: docs/api-reference.md Makefile
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	$(Q){ echo '#include <stddef.h>'; echo '#include "roster/docs.h"'; \
	  echo 'const char docs_api_md[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' docs/api-reference.md; \
	  echo ';'; \
	  echo 'const size_t docs_api_md_len = sizeof(docs_api_md) - 1;'; \
	} > $@.tmp && mv $@.tmp $@

build/obj/%.o: build/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/obj-asan/%.o: build/%.c
	@mkdir -p $(@D)
	@echo "  CC-ASAN $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -c -o $@ $<

# Unit tests (cmocka) link the application objects under the sanitizers;
# tests/unit/ itself is on the include path for the helpers the layers'
# tests share (dispatch.h).  TEST_LDFLAGS_test_NAME adds a test's own link
# flags: test_ratelimit and test_idempotent put a fake in place of the
# database (--wrap), test_usage a recorder in place of cred_touch.
TEST_LDFLAGS_test_ratelimit := -Wl,--wrap=db_exec
TEST_LDFLAGS_test_idempotent := -Wl,--wrap=db_begin,--wrap=db_commit,--wrap=db_rollback,--wrap=idem_lookup,--wrap=idem_store
TEST_LDFLAGS_test_usage := -Wl,--wrap=cred_touch
build/tests/%: tests/unit/%.c $(ASAN_LIB_OBJS)
	@mkdir -p $(@D)
	@echo "  CC-TEST $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -Itests/unit -o $@ $< $(ASAN_LIB_OBJS) $(LDLIBS) -lcmocka \
	  $(TEST_LDFLAGS_$(notdir $*))

# Each task installs what it needs and no more (deploy/local/deps.sh).
deps:
	$(Q)deploy/local/deps.sh run

run: deps
	$(Q)$(MAKE) --no-print-directory build/roster
	$(Q)deploy/local/run.sh

# Issue 6's benchmark: a private stack on 127.0.0.1:19700, bounded wrk loads,
# build/bench/{results.csv,bench.png}; stops everything it started.
bench:
	$(Q)deploy/local/deps.sh run bench
	$(Q)$(MAKE) --no-print-directory build/roster
	$(Q)deploy/bench/bench.sh

unit: unit-mirror $(UNIT_BINS)
	$(Q)set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

# A unit test whose module moved or went away is named, not left behind.
UNIT_ORPHANS := $(strip $(foreach t,$(UNIT_SRCS),$(if $(wildcard \
  $(subst tests/unit/,app/,$(dir $t))$(patsubst test_%,%,$(notdir $t))),,$t)))
.PHONY: unit-mirror
unit-mirror:
	$(Q)test -z "$(UNIT_ORPHANS)" || { echo "no app/LAYER/NAME.c for" \
	  "$(UNIT_ORPHANS): move the test with its module" >&2; exit 1; }

# The browser test's npm dependencies (playwright-core, pinned by the lock file).
tests/browser/node_modules/.installed: tests/browser/package.json tests/browser/package-lock.json
	$(Q)cd tests/browser && npm ci --no-audit --no-fund
	$(Q)touch $@

# The DatoCMS client test's npm dependencies (@datocms/cma-client-node,
# pinned by the lock file), run by tests/e2e/test_cma.py.
tests/cma/node_modules/.installed: tests/cma/package.json tests/cma/package-lock.json
	$(Q)cd tests/cma && npm ci --no-audit --no-fund
	$(Q)touch $@

e2e: build/roster-asan tests/browser/node_modules/.installed tests/cma/node_modules/.installed
	$(Q)/usr/bin/python3 tests/e2e/run.py --binary build/roster-asan

test:
	$(Q)deploy/local/deps.sh run test
	$(Q)$(MAKE) --no-print-directory check-format
	$(Q)$(MAKE) --no-print-directory all build/roster-asan check-layers check-deps check-docs
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory fuzz-regress
	$(Q)$(MAKE) --no-print-directory e2e
	$(Q)$(MAKE) --no-print-directory test-package

# libFuzzer targets, tests/fuzz/fuzz_NAME.c (README "Fuzzing").  The
# application objects are built again with clang, coverage instrumentation
# and the sanitizers in build/obj-fuzz/; --wrap gives every arena allocation
# its own heap block so AddressSanitizer sees its bounds (tests/fuzz/common.c).
# `make fuzz` runs each target FUZZ_TIME seconds; `make fuzz-regress` replays
# tests/fuzz/regress/NAME/ and the seed corpus tests/fuzz/corpus/NAME/.
FUZZ_CC    ?= clang
FUZZ_TIME  ?= 60
FUZZ_CFLAGS := -std=c17 -D_GNU_SOURCE $(WARN) -g -O1 -fno-omit-frame-pointer \
               -fsanitize=address,undefined -fno-sanitize-recover=all \
               -Iinclude $(PKG_CFLAGS)
FUZZ_WRAP  := -Wl,--wrap=arena_alloc,--wrap=arena_strdup,--wrap=arena_strndup,--wrap=arena_printf
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS  := $(FUZZ_NAMES:%=build/fuzz/fuzz_%)
FUZZ_OBJS  := $(LIB_SRCS:app/%.c=build/obj-fuzz/%.o) $(GEN:%=build/obj-fuzz/%.o)

.PHONY: fuzz fuzz-regress
# Only pattern rules name the objects: keep make from deleting them.
.SECONDARY: $(FUZZ_OBJS)

build/obj-fuzz/%.o: app/%.c
	@mkdir -p $(@D)
	@echo "  CC-FUZZ $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

build/obj-fuzz/%.o: build/%.c
	@mkdir -p $(@D)
	@echo "  CC-FUZZ $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/common.c tests/fuzz/common.h $(FUZZ_OBJS)
	@mkdir -p $(@D)
	@echo "  LD-FUZZ $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< tests/fuzz/common.c \
	  $(FUZZ_OBJS) $(LDLIBS) $(FUZZ_WRAP)

fuzz: $(FUZZ_BINS)
	$(Q)tests/fuzz/run.sh fuzz $(FUZZ_TIME) $(FUZZ_NAMES)

fuzz-regress: $(FUZZ_BINS)
	$(Q)tests/fuzz/run.sh regress $(FUZZ_NAMES)

# Scale-out (issue 7): a 3-node MariaDB Galera cluster on loopback, two roster
# hosts behind one nginx upstream, a node and then a host SIGKILLed under load,
# nothing lost (tests/cluster/run.py; about 45 s; ports 19400-19499).
test-cluster:
	$(Q)deploy/local/deps.sh run cluster
	$(Q)$(MAKE) --no-print-directory build/roster-asan
	$(Q)/usr/bin/python3 tests/cluster/run.py --binary build/roster-asan

# The layering rule over app/'s folders: dependencies point down
# (lib, db, core, http, api, proc) and the core includes no FastCGI, MySQL
# or JSON header, even through another header.
check-layers:
	$(Q)/usr/bin/python3 tests/lint/check_layers.py

# What each task's deps.sh call installs: `make run` no test tools, every
# packaged service it brings kept off at boot (tests/lint/check_deps.py).
check-deps:
	$(Q)/usr/bin/python3 tests/lint/check_deps.py

# Every configuration key is one line of CONFIG_KEYS (include/roster/config.h);
# `roster config-keys` prints them as docs/configuration.md's table and as
# deploy/roster.conf.example.  check-docs fails when the committed ones differ
# (or a second table of keys appears in the Markdown); docs rewrites them.
check-docs: build/roster
	$(Q)/usr/bin/python3 tests/lint/check_docs.py --binary build/roster

docs: build/roster
	$(Q)/usr/bin/python3 tests/lint/check_docs.py --binary build/roster --write

# The C sources in .clang-format's style (clang-format 14, Debian's package;
# another version may lay out the same code differently).  check-format
# names each file that differs, with its first differing line.
CLANG_FORMAT ?= clang-format
FORMAT_SRCS := $(wildcard app/*/*.c include/roster/*.h tests/unit/*/*.c \
  tests/unit/*.h tests/fuzz/*.c tests/fuzz/*.h)

format:
	$(Q)$(CLANG_FORMAT) -i $(FORMAT_SRCS)

check-format:
	$(Q)$(CLANG_FORMAT) --dry-run --Werror --ferror-limit=1 $(FORMAT_SRCS) || { \
	  echo "check-format: clang-format would change the files above;" \
	    "make format rewrites them" >&2; \
	  $(CLANG_FORMAT) --version | grep -q ' version 14\.' || echo "check-format:" \
	    ".clang-format is written for clang-format 14, not" \
	    "$$($(CLANG_FORMAT) --version)" >&2; \
	  exit 1; }

# The manual pages, made by the binary from its tables of commands and keys
# (so they cannot drift from them); make install installs them.
MANPAGES := build/man/roster.8 build/man/roster.conf.5
build/man/roster.8: build/roster
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	$(Q)build/roster man-page > $@.tmp && mv $@.tmp $@
build/man/roster.conf.5: build/roster
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	$(Q)build/roster config-keys --format man > $@.tmp && mv $@.tmp $@
man: $(MANPAGES)

# `make install [PREFIX=/usr/local] [DESTDIR=]`: the binary, the manual pages,
# the systemd units and tmpfiles.d entry (with this layout's paths), the
# examples, and SYSCONFDIR/roster/roster.conf, which is never overwritten:
# the example with the service's socket group and pid file set, mode 0640,
# group roster when that group exists.  docs/install.md has the rest.
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/roster
SYSCONFDIR  ?= /etc
UNITDIR     ?= $(PREFIX)/lib/systemd/system
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
ifneq ($(SYSCONFDIR),/etc)
ALL_CFLAGS += -DROSTER_CONFIG_DEFAULT='"$(SYSCONFDIR)/roster/roster.conf"'
endif
CONF := $(DESTDIR)$(SYSCONFDIR)/roster/roster.conf

build/roster.conf: deploy/roster.conf.example
	@mkdir -p $(@D)
	$(Q)sed -e 's|^#listen_group =.*|listen_group = www-data|' \
	  -e 's|^#pidfile =.*|pidfile = /run/roster/roster.pid|' $< > $@.tmp && mv $@.tmp $@

install: build/roster $(MANPAGES) build/roster.conf
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 \
	  $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DOCDIR)/examples \
	  $(DESTDIR)$(UNITDIR) $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(SYSCONFDIR)/roster
	install -m 0755 build/roster $(DESTDIR)$(BINDIR)/roster
	install -m 0644 build/man/roster.8 $(DESTDIR)$(MANDIR)/man8/roster.8
	install -m 0644 build/man/roster.conf.5 $(DESTDIR)$(MANDIR)/man5/roster.conf.5
	install -m 0644 deploy/roster.conf.example $(DESTDIR)$(DOCDIR)/roster.conf.example
	install -m 0644 deploy/nginx/roster.conf $(DESTDIR)$(DOCDIR)/examples/nginx-roster.conf
	for u in roster.service roster.socket; do \
	  sed -e 's|/usr/local/bin/roster|$(BINDIR)/roster|g' \
	      -e 's|/etc/roster/|$(SYSCONFDIR)/roster/|g' deploy/systemd/$$u > build/$$u && \
	  install -m 0644 build/$$u $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -m 0644 deploy/systemd/roster.tmpfiles $(DESTDIR)$(TMPFILESDIR)/roster.conf
	@if [ -e $(CONF) ]; then \
	  echo "  KEEP    $(CONF) (the installed configuration is never overwritten)"; \
	else \
	  install -m 0640 build/roster.conf $(CONF) && \
	  if [ -z "$(DESTDIR)" ] && getent group roster >/dev/null; then \
	    chgrp roster $(CONF); fi; \
	fi

# `make deb`: build/roster_VERSION_ARCH.deb, with dpkg-deb (deploy/debian/).
# `make test-package` installs it into a fresh Debian 12 root and serves
# with it (tests/package/run.py: root, Debian's mirror; a few minutes the
# first time, the debootstrapped base is kept in build/debian12).
VERSION  := $(shell sed -n 's/^\#define ROSTER_VERSION "\(.*\)"$$/\1/p' include/roster/version.h)
DEB_ARCH := $(shell dpkg-architecture -qDEB_HOST_ARCH 2>/dev/null || echo unknown)
DEB      := build/roster_$(VERSION)_$(DEB_ARCH).deb
deb: $(DEB)
$(DEB): build/roster $(MANPAGES) build/roster.conf $(wildcard deploy/debian/*) \
  $(wildcard deploy/systemd/*) deploy/nginx/roster.conf LICENSE
	@echo "  DEB     $@"
	$(Q)deploy/debian/mkdeb.sh build/roster build >/dev/null

test-package: $(DEB)
	$(Q)/usr/bin/python3 tests/package/run.py --deb $(DEB)

clean:
	rm -rf build

-include $(OBJS:.o=.d) $(ASAN_OBJS:.o=.d) $(UNIT_BINS:=.d)
-include $(FUZZ_OBJS:.o=.d)
