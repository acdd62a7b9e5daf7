# mailcheck: build, install, test.
#   make                 release build (static Swift stdlib, stripped): .build/release/mailcheck
#   make install         installs the binary, one check_* symlink per check, the man pages
#                        (SLIM_LIBCURL=yes adds libmailcheck-curl.so beside it: network checks
#                        then load a libcurl built from Debian's libcurl.a that needs only
#                        libssl, libcrypto and libz; see README "Performance")
#   make test            installs what the tests need, starts the test mail stack, runs all tests
#   make demo            the suite's main job: every check against the local mail stack
PREFIX     ?= /usr
PLUGINDIR  ?= $(PREFIX)/lib/nagios/plugins
MANDIR     ?= $(PREFIX)/share/man
LIBEXECDIR ?= $(PLUGINDIR)
DESTDIR    ?=
SWIFT      ?= swift
BUILD_FLAGS = -c release --static-swift-stdlib -Xlinker -s

CHECKS = check_smtp_session check_mta_queue check_disk_growth check_imap_login check_pop3_login check_delivery_latency check_caldav check_carddav

.PHONY: all build install uninstall test demo bench clean

all: build

build:
	$(SWIFT) build $(BUILD_FLAGS) --product mailcheck

install: build
	install -d $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 .build/release/mailcheck $(DESTDIR)$(PLUGINDIR)/mailcheck
	if [ "$(SLIM_LIBCURL)" = yes ]; then \
	    install -m 644 "$$(scripts/build-slim-libcurl.sh .build-slim-curl)" $(DESTDIR)$(PLUGINDIR)/libmailcheck-curl.so; \
	else rm -f $(DESTDIR)$(PLUGINDIR)/libmailcheck-curl.so; fi
	@# Never replace another package's plugin of the same name (monitoring-plugins ships a
	@# check_smtp): only our own symlinks are overwritten, unless FORCE=yes.
	@for c in $(CHECKS); do t=$(DESTDIR)$(PLUGINDIR)/$$c; \
	    if [ -e "$$t" ] && [ "$$(readlink "$$t")" != mailcheck ] && [ "$(FORCE)" != yes ]; then \
	        echo "make install: $$t exists and is not ours (another package's plugin?);" \
	             "install elsewhere with PLUGINDIR=..., or replace it with FORCE=yes" >&2; exit 1; fi; \
	    ln -sf mailcheck "$$t"; done
	for c in $(CHECKS); do install -m 644 man/man1/$$c.1 $(DESTDIR)$(MANDIR)/man1/$$c.1; done

uninstall:
	rm -f $(DESTDIR)$(PLUGINDIR)/mailcheck $(DESTDIR)$(PLUGINDIR)/libmailcheck-curl.so
	for c in $(CHECKS); do rm -f $(DESTDIR)$(PLUGINDIR)/$$c $(DESTDIR)$(MANDIR)/man1/$$c.1; done

test:
	./scripts/test.sh

demo:
	./scripts/demo.sh

bench:
	./scripts/bench.sh

clean:
	rm -rf .build
