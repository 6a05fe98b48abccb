# SPDX-License-Identifier: Apache-2.0
# One non-recursive GNU Makefile (see ../shared/STYLE.md section 9).
# Objects go under $(BUILD) so that a sanitizer build can sit beside the
# normal one: `make BUILD=build-asan SANITIZE=address,undefined`.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DATADIR    ?= $(PREFIX)/share
# Fixed by the engines, not by PREFIX: Podman and CRI-O read hooks from here.
HOOKSDIR   ?= /usr/share/containers/oci/hooks.d
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
# udev reads /usr/lib/udev (or /lib/udev) and /etc/udev, never /usr/local.
UDEVRULESDIR   ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/udev/rules.d,$(SYSCONFDIR)/udev/rules.d)
BASHCOMPDIR    ?= $(DATADIR)/bash-completion/completions

# Target architecture: every cross-build setting is here, in one place.
# `make ARCH=arm64` cross-builds with Debian's aarch64-linux-gnu- toolchain
# (gcc-aarch64-linux-gnu) and pkg-config of the arm64 multiarch libraries
# (the :arm64 -dev packages, `dpkg --add-architecture arm64`; setup.sh
# installs both), into build-arm64/ so that it never mixes with build/. Test
# binaries of a cross build run under qemu-user, named explicitly
# ($(EMULATOR) prog): nothing depends on binfmt_misc. ARCH takes Debian's
# names or the kernel's/RPM's (arm64 or aarch64, amd64 or x86_64); the
# native architecture is the default. CROSS_COMPILE, PKG_CONFIG and EMULATOR
# can be overridden for another toolchain; a build-time tool that must
# know the target (a generator) reads ARCH or TRIPLET.
arch_name    = $(patsubst aarch64,arm64,$(patsubst x86_64,amd64,$(1)))
NATIVE_ARCH := $(call arch_name,$(shell uname -m))
ARCH        ?= $(NATIVE_ARCH)
override ARCH := $(call arch_name,$(ARCH))
TRIPLET_amd64 := x86_64-linux-gnu
TRIPLET_arm64 := aarch64-linux-gnu
TRIPLET       := $(TRIPLET_$(ARCH))
qemu_name = qemu-$(patsubst amd64,x86_64,$(patsubst arm64,aarch64,$(1)))-static
ifneq ($(ARCH),$(NATIVE_ARCH))
ifeq ($(TRIPLET),)
$(error cannot cross-build for ARCH '$(ARCH)': arm64 (aarch64) or amd64 (x86_64))
endif
CROSS         := 1
CROSS_COMPILE ?= $(TRIPLET)-
EMULATOR      ?= $(call qemu_name,$(ARCH))
PKG_CONFIG    ?= $(TRIPLET)-pkg-config
endif
# What runs the programs it built (engines, valgrind, libFuzzer) is native
# only; a cross build has check-unit and check-cross.
NATIVE_ONLY = $(if $(CROSS),$(error make $@ runs native programs: for ARCH=$(ARCH) use `make check-cross`))
ifneq ($(CROSS),)
ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
ifeq ($(origin AR),default)
AR := $(CROSS_COMPILE)ar
endif
endif

# The toolkit's version: every program's --version prints it (from here
# only; debian/changelog and the RPM spec must agree, tests/e2e/version.sh).
VERSION := 0.1.0

BUILD      ?= $(if $(CROSS),build-$(ARCH),build)
WERROR     ?= 1
CFLAGS     ?= -O2 -g
PKG_CONFIG ?= pkg-config

# libseccomp is not among them: the hook's filter is built at build time
# (hook/gen-filter.c, which finds it through HOST_PKG_CONFIG), and only
# the unit tests build filters at run time (UNIT_LIBS).
PKGS := yajl yaml-0.1 dbus-1
WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
        -Wpointer-arith -Wwrite-strings -Wswitch-enum -Wundef -Wno-format-nonliteral \
        $(if $(filter 1,$(WERROR)),-Werror)
SAN  := $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all)
FORTIFY := $(if $(SANITIZE),,-D_FORTIFY_SOURCE=2)

# -iquote, not -I: lib/yaml.h must not hide libyaml's <yaml.h>.
ALL_CPPFLAGS := -D_GNU_SOURCE $(FORTIFY) -DECT_VERSION='"$(VERSION)"' -iquote lib $(shell $(PKG_CONFIG) --cflags $(PKGS)) $(CPPFLAGS)
ALL_CFLAGS   := -std=gnu11 $(WARN) -fstack-protector-strong -fPIE -MMD -MP $(SAN) $(CFLAGS)
ALL_LDFLAGS  := -pie -Wl,-z,relro,-z,now $(SAN) $(LDFLAGS)
LIBS         := $(shell $(PKG_CONFIG) --libs $(PKGS))

LIB_SRCS := $(sort $(wildcard lib/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIBECT   := $(BUILD)/libect.a

.DEFAULT_GOAL := all
PROGRAMS :=
comma := ,
space := $(empty) $(empty)
# Each program directory describes itself in module.mk: it appends its binary
# to PROGRAMS and gives the link rule. Keeps program-specific flags (the
# static probe) out of this file.
include $(sort $(wildcard */module.mk))

UNIT_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_TESTS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_LIBS  := $(shell $(PKG_CONFIG) --libs check libseccomp)

FUZZ_SRCS    := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_TARGETS := $(FUZZ_SRCS:%.c=$(BUILD)/%)
# The same targets with a plain main (fuzz/replay.c): their seed corpora
# and kept crash inputs replayed as unit tests on every build.
REPLAY_TESTS := $(FUZZ_SRCS:fuzz/fuzz_%.c=$(BUILD)/tests/replay_%)
FUZZ_SECONDS ?= 60

.PHONY: all check check-spdx shellcheck check-format check-unit check-e2e check-asan check-valgrind check-cross check-vm clean-vm demo bench fuzz fuzz-targets install uninstall clean format
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

# make check: everything CI runs. The license lines, shellcheck, the format, unit tests and end-to-end tests on the normal
# build, then the whole suite again under ASan+UBSan, then each program's
# main invocations under valgrind (about 10 s), then the arm64 build
# (check-cross).
check: check-spdx shellcheck check-format check-unit check-e2e check-asan check-valgrind check-cross

# Every tracked source file carries the SPDX license line (tests/check-spdx.sh
# --fix adds it).
check-spdx:
	@tests/check-spdx.sh

# Every shell script of the tree through shellcheck (.shellcheckrc), notes
# included: a finding fails.
shellcheck:
	@tests/shellcheck.sh

# In a cross build (ARCH=arm64) the test binaries run under $(EMULATOR);
# tests that emulation cannot run say SKIP with the reason (README).
check-unit: $(UNIT_TESTS) $(REPLAY_TESTS) $(PROGRAMS)
	@EMULATOR=$(EMULATOR) tests/run-unit.sh $(UNIT_TESTS) $(REPLAY_TESTS)

check-e2e: $(PROGRAMS) $(UNIT_TESTS)
	$(NATIVE_ONLY)
	@ECT_BUILD=$(abspath $(BUILD)) tests/run-e2e.sh

check-asan:
	$(NATIVE_ONLY)
	$(MAKE) BUILD=build-asan SANITIZE=address,undefined check-unit check-e2e

# Every other architecture this host can build for (arm64 on amd64): the
# cross build, its unit tests and fuzz replays under qemu-user, then
# tests/cross/ (its programs under qemu-user against the fake host, compared
# with the native build's output; the .deb and the RPM for it).
CROSS_ARCHES ?= $(filter-out $(NATIVE_ARCH),arm64)
check-cross: $(addprefix check-cross-,$(CROSS_ARCHES))

check-cross-%: $(PROGRAMS)
	@if ! command -v $(TRIPLET_$*)-gcc >/dev/null; then \
		echo "SKIP check-cross-$*: no $(TRIPLET_$*)-gcc (./setup.sh installs the cross toolchain)"; \
		[ "$${CI:-}" != true ]; exit; \
	fi; \
	$(MAKE) ARCH=$* BUILD=build-$* all check-unit && \
	ECT_BUILD=$(abspath $(BUILD)) ECT_CROSS_ARCH=$* ECT_CROSS_BUILD=$(abspath build-$*) \
	ECT_EMULATOR=$(call qemu_name,$*) tests/run-e2e.sh tests/cross/*.sh

# valgrind memcheck over each program's main invocations: a normal build,
# the probe and the hook linked dynamically so that valgrind sees their heap.
check-valgrind:
	$(NATIVE_ONLY)
	$(MAKE) BUILD=build-valgrind DYNAMIC=1 all
	@ECT_BUILD=$(abspath build-valgrind) tests/valgrind.sh

# The real-kernel test host (tests/vm/README.md): Debian's kernel under qemu
# with systemd, cgroup v2 and soft-RoCE; every engine and way in, in two
# guests. Not part of make check (it boots VMs: minutes); .ci/run runs it.
# ECT_VM_GUESTS, ECT_VM_ONLY, ECT_VM_CACHE: see tests/vm/run.sh.
check-vm: all
	$(NATIVE_ONLY)
	@tests/vm/run.sh

# The VM cache (kernels, the trixie root, initramfs): about 1.2 GB.
clean-vm:
	rm -rf build-vm $${ECT_VM_CACHE:-/var/cache/erdma-container-toolkit-vm}

# libFuzzer (clang from Debian): every target for FUZZ_SECONDS each.
fuzz:
	$(NATIVE_ONLY)
	$(MAKE) BUILD=build-fuzz CC=clang SANITIZE=fuzzer-no-link,address,undefined fuzz-targets
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_BUILD=build-fuzz fuzz/run.sh

fuzz-targets: $(FUZZ_TARGETS)

$(BUILD)/tests/replay_%: $(BUILD)/fuzz/fuzz_%.o $(BUILD)/fuzz/replay.o $(LIBECT)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/fuzz/%: $(BUILD)/fuzz/%.o $(LIBECT)
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $< $(LIBECT) $(LIBS)

demo: all
	$(NATIVE_ONLY)
	@ECT_BUILD=$(abspath $(BUILD)) examples/demo.sh

bench: all $(BUILD)/bench/edit $(BUILD)/bench/systemd
	$(NATIVE_ONLY)
	@ECT_BUILD=$(abspath $(BUILD)) bench/run.sh

# The shim's config.json edit in-process (bench/runtime.sh); never installed.
$(BUILD)/bench/edit: $(BUILD)/bench/edit.o $(BUILD)/runtime/shim.o $(LIBECT)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# lib/systemd.c against a stand-in for systemd (bench/systemd.sh).
$(BUILD)/bench/systemd: $(BUILD)/bench/systemd.o $(LIBECT)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# make install [PREFIX=/usr/local] [DESTDIR=]: DESTDIR is only prepended
# here; the paths written into the hooks.d file and the units are the
# installed ones ($(BINDIR)). The host configuration is a conffile: an
# existing $(SYSCONFDIR)/erdma-container-toolkit/config.json is never
# overwritten (the shipped default is installed only when none is there), and
# uninstall removes it only when it is still the shipped default.
HOST_CONFIG := $(wildcard examples/erdma-container-toolkit/config.json)
HOOK_JSON   := $(wildcard examples/podman/erdma-hook.json)
UNITS       := $(wildcard packaging/systemd/*.service)
UDEV_RULES  := $(wildcard packaging/udev/*.rules)
BASHCOMP    := $(wildcard packaging/bash-completion/erdma-*)
CONFIG_DEST  = $(DESTDIR)$(SYSCONFDIR)/erdma-container-toolkit/config.json
BIN_SUBST    = sed -e 's|/usr/bin/erdma-|$(BINDIR)/erdma-|g'
# The hook's "path" may name any prefix in the example: point it at ours.
HOOK_SUBST   = sed -E 's|("path"[[:space:]]*:[[:space:]]*")[^"]*/erdma-hook"|\1$(BINDIR)/erdma-hook"|'

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	$(if $(wildcard man/*.1),install -m 0644 $(wildcard man/*.1) $(DESTDIR)$(MANDIR)/man1/)
ifneq ($(HOST_CONFIG),)
	install -d $(DESTDIR)$(SYSCONFDIR)/erdma-container-toolkit
	@if [ -e $(CONFIG_DEST) ]; then \
		echo "keeping existing $(CONFIG_DEST)"; \
	else \
		echo "install -m 0644 $(HOST_CONFIG) $(CONFIG_DEST)"; \
		install -m 0644 $(HOST_CONFIG) $(CONFIG_DEST); \
	fi
endif
ifneq ($(HOOK_JSON),)
	install -d $(DESTDIR)$(HOOKSDIR)
	$(HOOK_SUBST) $(HOOK_JSON) >$(DESTDIR)$(HOOKSDIR)/erdma-hook.json
	chmod 0644 $(DESTDIR)$(HOOKSDIR)/erdma-hook.json
endif
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(BASHCOMPDIR)
	for u in $(notdir $(UNITS)); do \
		$(BIN_SUBST) packaging/systemd/$$u >$(DESTDIR)$(SYSTEMDUNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
	done
	for r in $(notdir $(UDEV_RULES)); do \
		$(BIN_SUBST) packaging/udev/$$r >$(DESTDIR)$(UDEVRULESDIR)/$$r && \
		chmod 0644 $(DESTDIR)$(UDEVRULESDIR)/$$r || exit 1; \
	done
	install -m 0644 $(BASHCOMP) $(DESTDIR)$(BASHCOMPDIR)/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(PROGRAMS)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(wildcard man/*.1)))
	rm -f $(DESTDIR)$(HOOKSDIR)/erdma-hook.json
	rm -f $(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(notdir $(UNITS)))
	rm -f $(addprefix $(DESTDIR)$(UDEVRULESDIR)/,$(notdir $(UDEV_RULES)))
	rm -f $(addprefix $(DESTDIR)$(BASHCOMPDIR)/,$(notdir $(BASHCOMP)))
ifneq ($(HOST_CONFIG),)
	@if [ -e $(CONFIG_DEST) ] && ! cmp -s $(HOST_CONFIG) $(CONFIG_DEST); then \
		echo "keeping modified $(CONFIG_DEST)"; \
	else \
		rm -f $(CONFIG_DEST); \
		rmdir $(DESTDIR)$(SYSCONFDIR)/erdma-container-toolkit 2>/dev/null || true; \
	fi
endif

# Every C file of the tree (generated ones live under $(BUILD)), in one
# list: make format rewrites them with .clang-format, make check-format
# fails naming each one that differs (CI's clang-format is Debian 12's, 14;
# another version may format some lines differently).
FORMAT_SRCS  := $(sort $(wildcard $(addsuffix /*.[ch],lib hook runtime cdi ctk probe fuzz bench tests/unit tests/lib)))
CLANG_FORMAT ?= clang-format

format:
	$(CLANG_FORMAT) -i $(FORMAT_SRCS)

check-format:
	@if ! command -v $(CLANG_FORMAT) >/dev/null; then \
		echo "SKIP check-format: no $(CLANG_FORMAT) (./setup.sh installs clang-format)"; \
		[ "$${CI:-}" != true ]; exit; \
	fi; \
	out=$$($(CLANG_FORMAT) --dry-run --Werror --ferror-limit=1 $(FORMAT_SRCS) 2>&1) && \
		{ echo "check-format: $(words $(FORMAT_SRCS)) files, no difference"; exit 0; }; \
	bad=$$(printf '%s\n' "$$out" | sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p'); \
	if [ -z "$$bad" ]; then printf '%s\n' "$$out" >&2; exit 1; fi; \
	printf '%s\n' "$$bad" | sed 's/^/  /' >&2; \
	echo "check-format: $$(printf '%s\n' "$$bad" | wc -l) of $(words $(FORMAT_SRCS)) files differ from $(CLANG_FORMAT) ($$($(CLANG_FORMAT) --version)); make format rewrites them" >&2; \
	exit 1

clean:
	rm -rf build build-asan build-fuzz build-valgrind build-vm $(addprefix build-,$(CROSS_ARCHES))

.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
