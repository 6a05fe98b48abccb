# SPDX-License-Identifier: Apache-2.0
# erdma-hook runs on every container start: linked statically (static-pie,
# so ASLR stays) it skips the dynamic loader's work, about half of its cost
# (bench/hook.sh). Sanitizer builds cannot link statically: dynamic there,
# and with DYNAMIC=1 (valgrind checks only the heap of a dynamic binary).
PROGRAMS += $(BUILD)/erdma-hook
HOOK_OBJS := $(BUILD)/hook/main.o $(BUILD)/hook/hook.o
ifeq ($(SANITIZE)$(DYNAMIC),)
# libdbus-1.a (lib/systemd.c) references libsystemd's socket-activation
# calls and glibc's NSS lookups from code the hook never runs:
# hook/static.c stands in for the first and the wrap fails the second.
HOOK_NSS := getpwnam_r getpwuid_r getgrouplist getaddrinfo freeaddrinfo getnameinfo
$(BUILD)/erdma-hook: $(HOOK_OBJS) $(BUILD)/hook/static.o $(LIBECT)
	$(CC) $(filter-out -pie,$(ALL_LDFLAGS)) -static-pie -o $@ $^ -lyajl_s -l:libseccomp.a \
		-l:libdbus-1.a $(addprefix -Wl$(comma)--wrap=,$(HOOK_NSS))
else
$(BUILD)/erdma-hook: $(HOOK_OBJS) $(LIBECT)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
endif

# The unit test checks the seccomp filter of the hook's sandbox, which
# hook.o defines (ect_hook_sandbox).
$(BUILD)/tests/test_sandbox: $(BUILD)/tests/unit/test_sandbox.o $(BUILD)/hook/hook.o $(LIBECT)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(UNIT_LIBS)
$(BUILD)/tests/unit/test_sandbox.o: ALL_CPPFLAGS += -Ihook
