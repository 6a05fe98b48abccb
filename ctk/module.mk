# SPDX-License-Identifier: Apache-2.0
# erdma-ctk: registers the toolkit in the engines' configuration files and
# checks the CDI specs they will see. The shim's default path is the one
# `make install` puts it at.
PROGRAMS += $(BUILD)/erdma-ctk
$(BUILD)/ctk/main.o: ALL_CPPFLAGS += -DECT_BINDIR='"$(BINDIR)"'
$(BUILD)/erdma-ctk: $(BUILD)/ctk/main.o $(LIBECT)
	$(CC) $(ALL_LDFLAGS) -Wl,--as-needed -o $@ $^ $(LIBS)
