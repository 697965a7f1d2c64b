# The device model (devicemodel/, doc/devicemodel.md):
#   build/devicemodel/libislet.a   the library over /dev/acrn_hsm
#   build/devicemodel/islet-dm     the device model, static (it runs in the
#                                  test machine's busybox initramfs)
# Hardening as ACRN's device model: FORTIFY_SOURCE, stack protector, PIE
# (static-pie), full RELRO.

DM_DIR		:= devicemodel
DM_OUT		:= $(BUILD)/devicemodel
DM_CFLAGS	:= $(HOST_CFLAGS) -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 \
		   -fstack-protector-strong -fPIE -pthread -Iinclude \
		   -I$(DM_DIR)/include -I$(DM_DIR)/core -I$(DM_DIR)/boot \
		   -I$(DM_DIR)/hw -I$(DM_DIR)/virtio -MMD -MP
DM_LDFLAGS	:= -static-pie -pthread -Wl,-z,relro,-z,now

LIBISLET_SRCS	:= $(wildcard $(DM_DIR)/lib/*.c)
LIBISLET_OBJS	:= $(patsubst $(DM_DIR)/%.c,$(DM_OUT)/%.o,$(LIBISLET_SRCS))
LIBISLET	:= $(DM_OUT)/libislet.a

# The parts the host unit tests (tests/dm/) link too: everything but main.
DM_SRCS		:= $(wildcard $(DM_DIR)/core/*.c $(DM_DIR)/boot/*.c \
		   $(DM_DIR)/hw/*.c $(DM_DIR)/virtio/*.c)
# The hypervisor's bzImage parser and e820 code, pure C, serve the Linux
# loader too (devicemodel/boot/linux.c); only that file sees their headers.
DM_HV_SRCS	:= hypervisor/boot/bzimage.c hypervisor/boot/e820.c
DM_HV_CFLAGS	:= -idirafter hypervisor/include
DM_OBJS		:= $(patsubst $(DM_DIR)/%.c,$(DM_OUT)/%.o,$(DM_SRCS)) \
		   $(patsubst hypervisor/%.c,$(DM_OUT)/hv/%.o,$(DM_HV_SRCS))
ISLET_DM	:= $(DM_OUT)/islet-dm

# The DSDT (hw/dsdt.asl): compiled by iasl with warnings as errors into the
# build tree, embedded by hw/dsdt_aml.S (.incbin finds it through -Wa,-I);
# islet-dm and the unit tests (tests/dm/dm-unit.mk) link that object.
DM_DSDT_AML	:= $(DM_OUT)/hw/dsdt.aml
DM_DSDT_OBJ	:= $(DM_OUT)/hw/dsdt_aml.o
DM_OBJS		+= $(DM_DSDT_OBJ)
$(DM_DSDT_AML): $(DM_DIR)/hw/dsdt.asl | $(DEPS_BUILD)
	@mkdir -p $(@D)
	iasl -vs -we -p $(basename $@) $< >/dev/null
$(DM_DSDT_OBJ): $(DM_DIR)/hw/dsdt_aml.S $(DM_DSDT_AML)
	$(HOSTCC) -c -Wa,-I$(@D) -o $@ $<

$(DM_OUT)/%.o: $(DM_DIR)/%.c | $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(HOSTCC) $(DM_CFLAGS) -c -o $@ $<
$(DM_OUT)/hv/%.o: hypervisor/%.c | $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(HOSTCC) $(DM_CFLAGS) $(DM_HV_CFLAGS) -c -o $@ $<
$(DM_OUT)/boot/linux.o: DM_CFLAGS += $(DM_HV_CFLAGS)
$(LIBISLET): $(LIBISLET_OBJS)
	rm -f $@
	ar rcs $@ $^
$(ISLET_DM): $(DM_OBJS) $(LIBISLET)
	$(HOSTCC) $(DM_LDFLAGS) -o $@ $(DM_OBJS) $(LIBISLET)

-include $(wildcard $(DM_OUT)/*/*.d $(DM_OUT)/hv/*/*.d)

# The example backends (devicemodel/examples/), built as their own Makefile
# builds them; check-dm-unit also runs that Makefile (tests/dm/dm-unit.mk).
# The doorbell's guest is a .S linked in as data.
DM_EXAMPLE	:= $(DM_OUT)/islet-example-counter
DM_EXAMPLE_BELL	:= $(DM_OUT)/islet-example-doorbell
$(DM_EXAMPLE): $(DM_DIR)/examples/counter.c $(LIBISLET) \
		$(DM_DIR)/include/libislet.h
	$(HOSTCC) $(HOST_CFLAGS) -Iinclude -I$(DM_DIR)/include -static \
		-o $@ $< $(LIBISLET)
$(DM_EXAMPLE_BELL): $(DM_DIR)/examples/doorbell.c \
		$(DM_DIR)/examples/doorbell_guest.S $(LIBISLET) \
		$(DM_DIR)/include/libislet.h
	$(HOSTCC) $(HOST_CFLAGS) -Iinclude -I$(DM_DIR)/include -static \
		-pthread -o $@ $(filter %.c %.S,$^) $(LIBISLET)

# What the test initramfs carries (tests/machine/machine.mk).
DM_INITRAMFS_DEPS	:= $(ISLET_DM) $(DM_EXAMPLE) $(DM_EXAMPLE_BELL)
DM_INITRAMFS_FILES	:= --file $(ISLET_DM):/bin/islet-dm:755 \
	--file $(DM_EXAMPLE):/bin/islet-example-counter:755 \
	--file $(DM_EXAMPLE_BELL):/bin/islet-example-doorbell:755

ALL += $(LIBISLET) $(ISLET_DM) $(DM_EXAMPLE) $(DM_EXAMPLE_BELL)
