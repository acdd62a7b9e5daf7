# mailcheck: build, install, test.
#   make                 release build (static Swift stdlib, stripped): .build/release/mailcheck
#   make install         installs the binary, one check_* symlink per check, the man pages and
#                        libmailcheck-curl.so beside the binary: a libcurl built from Debian's
#                        libcurl.a that needs only libssl, libcrypto and libz, so network checks
#                        start as fast as the C plugins (README "Install"), and
#                        libmailcheck-curl-plain.so, the same without TLS (only libz), for
#                        plain-text checks, and libmailcheck-curl-bundled.so, with Debian's
#                        static OpenSSL inside, which TLS checks load while the system's libssl3
#                        is the build it bundles; SLIM_LIBCURL=no leaves all three out and the
#                        checks load Debian's libcurl.so.4
#   make test            installs what the tests need, starts the test mail stack, runs all tests
#   make deb             mailcheck_<version>_<arch>.deb from a staged make install (scripts/build-deb.sh;
#                        scripts/deb-check.sh proves it: lintian, dpkg -i, icinga2 -C, purge)
#   make demo            the suite's main job: every check against the local mail stack
PREFIX     ?= /usr
PLUGINDIR  ?= $(PREFIX)/lib/nagios/plugins
MANDIR     ?= $(PREFIX)/share/man
LIBEXECDIR ?= $(PLUGINDIR)
DESTDIR    ?=
# The slim libcurl is the default: loading Debian's libcurl.so.4 and its thirty-odd libraries
# cost a network check more than the whole run of monitoring-plugins' C SMTP plugin (issue 14).
SLIM_LIBCURL ?= yes
SWIFT      ?= swift
# libstdc++ and libgcc linked statically too (the static Swift stdlib needs them): the binary
# then loads only libc and libm at start, two shared libraries fewer on every run (issue 14).
# The linker picks libstdc++.a over libstdc++.so because its directory is searched first.
STDCXX_DIR = $(CURDIR)/.build/static-libstdc++
# Linked by lld (the Swift toolchain's own) with packed relative relocations (DT_RELR, glibc
# 2.36): the static Swift stdlib needs 21,000 of them, which as RELA records were half a MiB the
# loader read on every run; packed they are 4 KiB, and a plain check starts 0.15 ms sooner. The
# binary stays position-independent (ASLR): a non-PIE link needs no relocations at all and was
# 0.1 ms faster still, but plugins parse what hostile servers send (issue 14).
# No $ORIGIN run path (--disable-local-rpath): the binary needs nothing beside it but what the
# curl loader opens by full path, and with the run path the loader first looked for libm and libc
# in eleven directories beside the plugin, 22 failed system calls on every start (issue 14).
# Type metadata by direct accessor calls, not by mangled names the runtime demangles and checks
# against every protocol conformance on first use: 0.3M instructions less per network check.
BUILD_FLAGS = -c release --static-swift-stdlib -Xlinker -s --disable-local-rpath \
              -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors \
              -Xswiftc -L -Xswiftc $(STDCXX_DIR) -Xswiftc -Xclang-linker -Xswiftc -static-libgcc \
              -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld -Xlinker -z -Xlinker pack-relative-relocs \
              $(if $(ORDER_FILE),-Xlinker --symbol-ordering-file=$(ORDER_FILE) -Xlinker --no-warn-symbol-ordering)
# The functions a check runs, placed side by side: fewer pages touched per run (scripts/startup-order.sh).
ORDER_FILE ?= $(wildcard $(CURDIR)/scripts/startup-order.txt)

# The checks are the binary's own list (CheckRegistry): never written out here.
CHECKS     = $$($(LIST_CHECKS))
LIST_CHECKS = .build/release/mailcheck --list

.PHONY: all build install uninstall deb test demo bench clean print-build-flags

all: build

build:
	@a=$$(gcc -print-file-name=libstdc++.a); case $$a in /*) ;; \
	    *) echo "make: libstdc++.a not found (apt-get install libstdc++-12-dev, or scripts/install-deps.sh)" >&2; exit 1 ;; esac; \
	    mkdir -p $(STDCXX_DIR) && ln -sfn "$$a" $(STDCXX_DIR)/libstdc++.a
	$(SWIFT) build $(BUILD_FLAGS) --product mailcheck

install: build
	install -d $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 .build/release/mailcheck $(DESTDIR)$(PLUGINDIR)/mailcheck
	if [ "$(SLIM_LIBCURL)" = yes ]; then \
	    libs=$$(scripts/build-slim-libcurl.sh .build-slim-curl) && \
	    rm -f $(DESTDIR)$(PLUGINDIR)/libmailcheck-curl-bundled.so && \
	    install -m 644 $$libs $(DESTDIR)$(PLUGINDIR)/; \
	else rm -f $(DESTDIR)$(PLUGINDIR)/libmailcheck-curl.so $(DESTDIR)$(PLUGINDIR)/libmailcheck-curl-plain.so \
	           $(DESTDIR)$(PLUGINDIR)/libmailcheck-curl-bundled.so; fi
	@# Never replace another package's plugin of the same name (monitoring-plugins ships its
	@# own there): only our own symlinks are overwritten, unless FORCE=yes.
	@for c in $(CHECKS); do t=$(DESTDIR)$(PLUGINDIR)/$$c; \
	    if [ -e "$$t" ] && [ "$$(readlink "$$t")" != mailcheck ] && [ "$(FORCE)" != yes ]; then \
	        echo "make install: $$t exists and is not ours (another package's plugin?);" \
	             "install elsewhere with PLUGINDIR=..., or replace it with FORCE=yes" >&2; exit 1; fi; \
	    ln -sf mailcheck "$$t"; done
	for c in $(CHECKS); do install -m 644 man/man1/$$c.1 $(DESTDIR)$(MANDIR)/man1/$$c.1; done

uninstall:
	@# The installed binary knows which checks it installed; ask it before removing it.
	checks=$$($(DESTDIR)$(PLUGINDIR)/mailcheck --list) && \
	    for c in $$checks; do rm -f $(DESTDIR)$(PLUGINDIR)/$$c $(DESTDIR)$(MANDIR)/man1/$$c.1; done
	rm -f $(DESTDIR)$(PLUGINDIR)/mailcheck $(DESTDIR)$(PLUGINDIR)/libmailcheck-curl.so \
	      $(DESTDIR)$(PLUGINDIR)/libmailcheck-curl-plain.so $(DESTDIR)$(PLUGINDIR)/libmailcheck-curl-bundled.so

deb:
	./scripts/build-deb.sh

test:
	./scripts/test.sh

demo:
	./scripts/demo.sh

bench:
	./scripts/bench.sh

print-build-flags:
	@echo $(BUILD_FLAGS)

clean:
	rm -rf .build
