# SPDX-License-Identifier: Apache-2.0
# erdma-probe runs inside arbitrary images (busybox, Alpine): it is linked
# statically, with the erdma provider built in, and rxe (soft-RoCE), the
# verbs device a real kernel without eRDMA hardware can have: the real-kernel
# test host (make check-vm) proves verbs contexts with it (probe/README says
# why and what that costs). A sanitizer build cannot be static: it links
# dynamically and libibverbs loads providers the usual way.
PROGRAMS += $(BUILD)/erdma-probe

PROBE_OBJS := $(addprefix $(BUILD)/probe/,probe.o collect.o check_devices.o check_verbs.o \
                                          verbs_one.o check_env.o report.o)
PROBE_VERBS_OBJ := $(BUILD)/probe/verbs.o

# DYNAMIC=1 links it dynamically without a sanitizer too: valgrind
# (tests/valgrind.sh) can only check the heap of a dynamic binary.
ifeq ($(SANITIZE)$(DYNAMIC),)
# glibc functions that need NSS (dlopen of the image's libnss_*) in a static
# binary; referenced by librdmacm/libnl/libibverbs code the probe never runs.
PROBE_NSS := getaddrinfo freeaddrinfo getnameinfo getprotobyname getprotobynumber
PROBE_PROVIDERS := erdma rxe
PROBE_LINK := -static-pie
PROBE_LIBS := -Wl,--start-group -l:libyajl_s.a -libverbs \
              $(PROBE_PROVIDERS:%=-l%-rdmav34) -lrdmacm \
              -lnl-route-3 -lnl-3 -Wl,--end-group -lpthread \
              $(addprefix -Wl$(comma)--wrap=,$(PROBE_NSS))
$(PROBE_VERBS_OBJ): ALL_CPPFLAGS += -DRDMA_STATIC_PROVIDERS=$(subst $(space),$(comma),$(PROBE_PROVIDERS)) \
                                    -DECT_PROBE_PROVIDERS='"$(subst $(space),$(comma) ,$(PROBE_PROVIDERS))"'
else
PROBE_LINK :=
PROBE_LIBS := $(LIBS) $(shell $(PKG_CONFIG) --libs libibverbs librdmacm)
endif

$(BUILD)/erdma-probe: $(BUILD)/probe/main.o $(PROBE_OBJS) $(PROBE_VERBS_OBJ) $(LIBECT)
	$(CC) $(ALL_LDFLAGS) $(PROBE_LINK) -o $@ $^ $(PROBE_LIBS)

# The unit test drives probe.o with a fake verbs layer: no libibverbs.
$(BUILD)/tests/test_probe: $(BUILD)/tests/unit/test_probe.o $(PROBE_OBJS) $(LIBECT)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(UNIT_LIBS)
$(BUILD)/tests/unit/test_probe.o: ALL_CPPFLAGS += -Iprobe
