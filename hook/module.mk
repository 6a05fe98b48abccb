PROGRAMS += $(BUILD)/erdma-hook
$(BUILD)/erdma-hook: $(BUILD)/hook/main.o $(BUILD)/hook/hook.o $(LIBECT)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
