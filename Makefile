# One non-recursive GNU Makefile (see ../shared/STYLE.md section 9).
# Objects go under $(BUILD) so that a sanitizer build can sit beside the
# normal one: `make BUILD=build-asan SANITIZE=address,undefined`.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
BUILD      ?= build
WERROR     ?= 1
CFLAGS     ?= -O2 -g
PKG_CONFIG ?= pkg-config

PKGS := yajl yaml-0.1 libseccomp
WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
        -Wpointer-arith -Wwrite-strings -Wswitch-enum -Wundef -Wno-format-nonliteral \
        $(if $(filter 1,$(WERROR)),-Werror)
SAN  := $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all)
FORTIFY := $(if $(SANITIZE),,-D_FORTIFY_SOURCE=2)

# -iquote, not -I: lib/yaml.h must not hide libyaml's <yaml.h>.
ALL_CPPFLAGS := -D_GNU_SOURCE $(FORTIFY) -iquote lib $(shell $(PKG_CONFIG) --cflags $(PKGS)) $(CPPFLAGS)
ALL_CFLAGS   := -std=gnu11 $(WARN) -fstack-protector-strong -fPIE -MMD -MP $(SAN) $(CFLAGS)
ALL_LDFLAGS  := -pie -Wl,-z,relro,-z,now $(SAN) $(LDFLAGS)
LIBS         := $(shell $(PKG_CONFIG) --libs $(PKGS))

LIB_SRCS := $(sort $(wildcard lib/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIBECT   := $(BUILD)/libect.a

.DEFAULT_GOAL := all
PROGRAMS :=
# Each program directory describes itself in module.mk: it appends its binary
# to PROGRAMS and gives the link rule. Keeps program-specific flags (the
# static probe) out of this file.
include $(sort $(wildcard */module.mk))

UNIT_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_TESTS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_LIBS  := $(shell $(PKG_CONFIG) --libs check)

FUZZ_SRCS    := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_TARGETS := $(FUZZ_SRCS:%.c=$(BUILD)/%)
FUZZ_SECONDS ?= 60

.PHONY: all check check-unit check-e2e check-asan demo bench fuzz fuzz-targets install uninstall clean format
all: $(PROGRAMS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIBECT): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBECT)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBECT) $(LIBS) $(UNIT_LIBS)

# make check: everything CI runs. Unit tests and end-to-end tests on the normal
# build, then the whole suite again under ASan+UBSan.
check: check-unit check-e2e check-asan

check-unit: $(UNIT_TESTS) $(PROGRAMS)
	@tests/run-unit.sh $(UNIT_TESTS)

check-e2e: $(PROGRAMS) $(UNIT_TESTS)
	@ECT_BUILD=$(abspath $(BUILD)) tests/run-e2e.sh

check-asan:
	$(MAKE) BUILD=build-asan SANITIZE=address,undefined check-unit check-e2e

# libFuzzer (clang from Debian): every target for FUZZ_SECONDS each.
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang SANITIZE=fuzzer-no-link,address,undefined fuzz-targets
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_BUILD=build-fuzz fuzz/run.sh

fuzz-targets: $(FUZZ_TARGETS)

$(BUILD)/fuzz/%: $(BUILD)/fuzz/%.o $(LIBECT)
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $< $(LIBECT) $(LIBS)

demo: all
	@ECT_BUILD=$(abspath $(BUILD)) examples/demo.sh

bench: all $(BUILD)/bench/edit
	@ECT_BUILD=$(abspath $(BUILD)) bench/run.sh

# The shim's config.json edit in-process (bench/runtime.sh); never installed.
$(BUILD)/bench/edit: $(BUILD)/bench/edit.o $(BUILD)/runtime/shim.o $(LIBECT)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(wildcard man/*.1) $(DESTDIR)$(MANDIR)/man1/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(PROGRAMS)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(wildcard man/*.1)))

format:
	clang-format -i lib/*.[ch] */*.c tests/unit/*.c

clean:
	rm -rf build build-asan build-fuzz

.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
