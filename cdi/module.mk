PROGRAMS += $(BUILD)/erdma-cdi
$(BUILD)/erdma-cdi: $(BUILD)/cdi/main.o $(BUILD)/cdi/list.o $(LIBECT)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
