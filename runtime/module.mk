# SPDX-License-Identifier: Apache-2.0
PROGRAMS += $(BUILD)/erdma-container-runtime
$(BUILD)/erdma-container-runtime: $(BUILD)/runtime/main.o $(BUILD)/runtime/shim.o $(LIBECT)
	$(CC) $(ALL_LDFLAGS) -Wl,--as-needed -o $@ $^ $(LIBS)
