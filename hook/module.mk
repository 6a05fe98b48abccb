# SPDX-License-Identifier: Apache-2.0
# erdma-hook runs on every container start: linked statically (static-pie,
# so ASLR stays) it skips the dynamic loader's work, about half of its cost
# (bench/hook.sh). Sanitizer builds cannot link statically: dynamic there,
# and with DYNAMIC=1 (valgrind checks only the heap of a dynamic binary).
PROGRAMS += $(BUILD)/erdma-hook
HOOK_OBJS := $(BUILD)/hook/main.o $(BUILD)/hook/hook.o $(BUILD)/hook/filter.o

# The sandbox's seccomp filter is built by libseccomp at build time
# (hook/gen-filter.c), for the target architecture: the generator runs on
# the build machine (HOSTCC, and the build machine's libseccomp through
# HOST_PKG_CONFIG), named ARCH, so `make ARCH=arm64` gets arm64's filter.
# A sanitizer build's filter also allows what LeakSanitizer needs at exit.
HOSTCC          ?= cc
HOST_PKG_CONFIG ?= pkg-config
FILTER_LSAN := $(if $(filter address,$(subst $(comma),$(space),$(SANITIZE))),--lsan)
$(BUILD)/hook/gen-filter: hook/gen-filter.c hook/filter.h lib/sandbox.h lib/sandbox_calls.h lib/error.h
	@mkdir -p $(@D)
	$(HOSTCC) -std=gnu11 -O2 $(WARN) -D_GNU_SOURCE -iquote lib -iquote hook \
		$(shell $(HOST_PKG_CONFIG) --cflags libseccomp) -o $@ $< \
		$(shell $(HOST_PKG_CONFIG) --libs libseccomp)
# The options the filter was made with are part of its name in the
# dependency: a BUILD directory reused with other SANITIZE values rebuilds it.
$(BUILD)/hook/filter.c: $(BUILD)/hook/gen-filter $(BUILD)/hook/filter.opts
	$< $(ARCH) $(FILTER_LSAN) >$@.tmp && mv $@.tmp $@
$(BUILD)/hook/filter.opts: FORCE
	@mkdir -p $(@D)
	@echo '$(ARCH) $(FILTER_LSAN)' | cmp -s - $@ || echo '$(ARCH) $(FILTER_LSAN)' >$@
$(BUILD)/hook/filter.o: $(BUILD)/hook/filter.c
	$(CC) $(ALL_CPPFLAGS) -iquote hook $(ALL_CFLAGS) -c -o $@ $<
.PHONY: FORCE
FORCE:
ifeq ($(SANITIZE)$(DYNAMIC),)
# DT_RELR packs the static-pie's 1,600 relative relocations (39 KiB of
# .rela.dyn) into 400 bytes: fewer pages read and about 6,000 fewer
# instructions on each start. Only where the linker packs them (binutils
# 2.38 on x86-64, 2.41 on arm64) and glibc's static start-up applies them
# (2.36); elsewhere the hook links as before.
HOOK_RELR_PROBE := '\#include <features.h>\n\#if !__GLIBC_PREREQ(2, 36)\n\#error\n\#endif\nint main(void) { return 0; }\n'
HOOK_RELR = $(shell printf $(HOOK_RELR_PROBE) | $(CC) -xc - -static-pie -Wl,-z,pack-relative-relocs \
	-Wl,--fatal-warnings -o /dev/null 2>/dev/null && echo -Wl,-z,pack-relative-relocs)
# libdbus-1.a (lib/systemd.c) references libsystemd's socket-activation
# calls and glibc's NSS lookups from code the hook never runs:
# hook/static.c stands in for the first and the wrap fails the second.
HOOK_NSS := getpwnam_r getpwuid_r getgrouplist getaddrinfo freeaddrinfo getnameinfo
# hook/hot.ld (written by bench/hook-hot.sh) puts the code a run executes
# together, ahead of the rest: fewer page faults on every start. Only where
# the linker takes a script that augments its own (INSERT: GNU ld, lld);
# the map is what bench/hook-hot.sh reads.
HOOK_HOT = $(shell printf 'int main(void) { return 0; }\n' | $(CC) -xc - -static-pie \
	-Wl,-T,hook/hot.ld -o /dev/null 2>/dev/null && echo -Wl,-T,hook/hot.ld)
$(BUILD)/erdma-hook: $(HOOK_OBJS) $(BUILD)/hook/static.o $(LIBECT) hook/hot.ld
	$(CC) $(filter-out -pie,$(ALL_LDFLAGS)) -static-pie $(HOOK_RELR) $(HOOK_HOT) -Wl,-Map=$@.map \
		-o $@ $(filter-out %.ld,$^) -lyajl_s -l:libdbus-1.a $(addprefix -Wl$(comma)--wrap=,$(HOOK_NSS))
else
$(BUILD)/erdma-hook: $(HOOK_OBJS) $(LIBECT)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
endif

# The unit test checks the seccomp filter of the hook's sandbox, which
# hook.o defines (ect_hook_sandbox).
$(BUILD)/tests/test_sandbox: $(BUILD)/tests/unit/test_sandbox.o $(BUILD)/hook/hook.o \
		$(BUILD)/hook/filter.o $(LIBECT)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(UNIT_LIBS)
$(BUILD)/tests/unit/test_sandbox.o: ALL_CPPFLAGS += -Ihook
