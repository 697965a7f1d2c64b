# hsm-selftest (tests/hsm/selftest/): the userspace tests of /dev/acrn_hsm
# and their guests.  Static, for the busybox initramfs of the test machine
# (machine test islet-hsm, through tests/hsm/selftest/run.sh).  Included by
# hsm-module/hsm.mk.
#
#   build/tests/hsm/hsm-selftest          the program                (all)
#   build/tests/hsm/selftest/guest.bin    the guests' flat image, embedded

SELFTEST_SRC	:= tests/hsm/selftest
SELFTEST_OUT	:= $(BUILD)/tests/hsm/selftest
HSM_SELFTEST	:= $(BUILD)/tests/hsm/hsm-selftest
SELFTEST_C	:= $(sort $(wildcard $(SELFTEST_SRC)/*.c))
SELFTEST_H	:= $(wildcard $(SELFTEST_SRC)/*.h) $(wildcard include/islet/*.h)

# The guests: 32-bit code assembled by gas (through the preprocessor, for
# guest_abi.h), linked at GUEST_LOAD_GPA (0x1000; hsm_lib.c checks the
# entry addresses against it), and cut to a flat binary.
$(SELFTEST_OUT)/guest.o: $(SELFTEST_SRC)/guest.S $(SELFTEST_SRC)/guest_abi.h \
		| $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(HOSTCC) -c -o $@ $<
$(SELFTEST_OUT)/guest.elf: $(SELFTEST_OUT)/guest.o
	ld -m elf_x86_64 -static -nostdlib --build-id=none -e header \
		-Ttext=0x1000 -o $@ $<
$(SELFTEST_OUT)/guest.bin: $(SELFTEST_OUT)/guest.elf
	objcopy -O binary -j .text $< $@
# .incbin finds guest.bin through the assembler's include path.
$(SELFTEST_OUT)/guest_image.o: $(SELFTEST_SRC)/guest_image.S \
		$(SELFTEST_OUT)/guest.bin
	$(HOSTCC) -c -Wa,-I$(SELFTEST_OUT) -o $@ $<

$(HSM_SELFTEST): $(SELFTEST_C) $(SELFTEST_H) $(SELFTEST_OUT)/guest_image.o \
		| $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -Iinclude -static -pthread -s -o $@ \
		$(SELFTEST_C) $(SELFTEST_OUT)/guest_image.o

ALL += $(HSM_SELFTEST)
