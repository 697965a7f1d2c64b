# The device model's host unit tests (tests/dm/): its pure logic (command
# line and configuration file, the 16550A, the ELF/multiboot loader, I/O
# dispatch, memory layout) against CUnit, with ASan/UBSan as the
# hypervisor's (tests/unit/unit.mk).  The whole device model but main.c
# is linked, with libislet: what a test does not call is never reached.

DM_UNIT_DIR	:= tests/dm
DM_UNIT_OUT	:= $(BUILD)/tests/dm
DM_UNIT_CFLAGS	:= $(HOST_CFLAGS) $(UNIT_SAN) -D_GNU_SOURCE -pthread -Iinclude \
		   -I$(DM_DIR)/include -I$(DM_DIR)/core -I$(DM_DIR)/boot \
		   -I$(DM_DIR)/hw -I$(DM_DIR)/virtio -Itests/unit -MMD -MP
DM_UNIT_SRCS	:= $(wildcard $(DM_UNIT_DIR)/*.c) tests/unit/unit_run.c
DM_UNIT_DM_SRCS	:= $(filter-out $(DM_DIR)/core/main.c,$(DM_SRCS)) \
		   $(LIBISLET_SRCS) $(DM_HV_SRCS)
DM_UNIT_OBJS	:= $(patsubst %.c,$(DM_UNIT_OUT)/%.o,$(DM_UNIT_SRCS) \
		   $(DM_UNIT_DM_SRCS))

$(DM_UNIT_OUT)/%.o: %.c | $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(HOSTCC) $(DM_UNIT_CFLAGS) -c -o $@ $<
$(DM_UNIT_OUT)/hypervisor/%.o $(DM_UNIT_OUT)/devicemodel/boot/linux.o: \
	DM_UNIT_CFLAGS += $(DM_HV_CFLAGS)
# The Linux loader's tests also load the kernel the build fetched, if any.
$(DM_UNIT_OUT)/tests/dm/test_linux.o: DM_UNIT_CFLAGS += $(DM_HV_CFLAGS) \
	-DDM_UNIT_KERNEL='"$(abspath $(BUILD))/kernel/vmlinuz"'
$(DM_UNIT_OUT)/dm-unit-tests: $(DM_UNIT_OBJS) $(DM_DSDT_OBJ)
	$(HOSTCC) $(UNIT_SAN) -pthread -o $@ $^ -lcunit

# The examples' own Makefile must build them from the library (the way a
# user builds a backend).
check-dm-unit: $(DM_UNIT_OUT)/dm-unit-tests $(GUEST_ELFS) $(LIBISLET)
	$(DM_UNIT_OUT)/dm-unit-tests
	@mkdir -p $(DM_UNIT_OUT)/example
	make -s -C $(DM_DIR)/examples OUT=$(abspath $(DM_UNIT_OUT)/example) \
		LIBISLET_DIR=$(abspath $(DM_OUT))
	test -x $(DM_UNIT_OUT)/example/islet-example-counter
	test -x $(DM_UNIT_OUT)/example/islet-example-doorbell

ALL	+= $(DM_UNIT_OUT)/dm-unit-tests
CHECKS	+= check-dm-unit
.PHONY: check-dm-unit
-include $(DM_UNIT_OBJS:.o=.d)
