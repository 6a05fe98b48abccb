# SPDX-License-Identifier: Apache-2.0
PROGRAMS += $(BUILD)/erdma-cdi
$(BUILD)/erdma-cdi: $(BUILD)/cdi/main.o $(BUILD)/cdi/list.o $(BUILD)/cdi/watcher.o $(LIBECT)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
