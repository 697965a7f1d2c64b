# Guest test kernels (tests/guests/, doc/testing.md "Guest tests"): small
# freestanding multiboot kernels in the kvm-unit-tests model, and the
# runner that starts each as a User VM through /dev/acrn_hsm in the
# Service VM of the test machine (machine run islet-guests).
#
#   build/tests/guests/<test>.elf       a test kernel (ELF64, at 1 MiB)  (all)
#   build/tests/guests/<test>.flat      the same as ELF32, for QEMU's
#                                       -kernel (guests-qemu)            (all)
#   build/tests/guests/islet-guest-run  the runner, static                (all)
#   guests-qemu GUEST=<test>            one test under QEMU TCG, no Islet:
#                                       a check of the test itself

GUESTS_DIR	:= tests/guests
GUESTS_OUT	:= $(BUILD)/tests/guests
GUEST_TESTS	:= cpuid msr mmio ept exceptions hlt apic ipi smp ioapic pic msi \
		   nmi exitcost dm

# Freestanding, no SSE (the tests never set up XSAVE state), no red
# zone (interrupts run on the same stack), linked at 1 MiB.
GUEST_CFLAGS	:= -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wundef \
	-Wmissing-prototypes -Wstrict-prototypes -Wno-unused-parameter \
	-ffreestanding -fno-pic -fno-pie -fno-stack-protector -mno-red-zone \
	-mgeneral-regs-only -fno-asynchronous-unwind-tables -nostdlib -static \
	-I$(GUESTS_DIR)/lib -MMD -MP
GUEST_LIB_SRCS	:= $(wildcard $(GUESTS_DIR)/lib/*.c $(GUESTS_DIR)/lib/*.S)
GUEST_LIB_OBJS	:= $(patsubst $(GUESTS_DIR)/lib/%,$(GUESTS_OUT)/lib/%.o, \
	$(GUEST_LIB_SRCS)) \
	$(GUESTS_OUT)/lib/vsnprintf.o
GUEST_ELFS	:= $(addprefix $(GUESTS_OUT)/,$(addsuffix .elf,$(GUEST_TESTS)))
GUEST_FLATS	:= $(GUEST_ELFS:.elf=.flat)

# The formatting code is the hypervisor's (the same freestanding C).
$(GUESTS_OUT)/lib/vsnprintf.o: hypervisor/lib/vsnprintf.c | $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(HOSTCC) $(GUEST_CFLAGS) -Ihypervisor/include -c -o $@ $<
$(GUESTS_OUT)/lib/%.o: $(GUESTS_DIR)/lib/% | $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(HOSTCC) $(GUEST_CFLAGS) -c -o $@ $<
$(GUESTS_OUT)/%.o: $(GUESTS_DIR)/%.c | $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(HOSTCC) $(GUEST_CFLAGS) -c -o $@ $<
$(GUESTS_OUT)/%.elf: $(GUESTS_OUT)/%.o $(GUEST_LIB_OBJS) \
		$(GUESTS_DIR)/lib/guest.ld
	ld -m elf_x86_64 -static -nostdlib --build-id=none -z noexecstack \
		-z max-page-size=0x1000 --no-warn-rwx-segments \
		--defsym=mmio_alias=0x40000000 -T $(GUESTS_DIR)/lib/guest.ld -o $@ \
		$< $(GUEST_LIB_OBJS)
# Kept: the kernels' objects are not throw-away intermediates.
.SECONDARY: $(GUEST_LIB_OBJS) $(GUEST_ELFS:.elf=.o)
# QEMU's multiboot loader takes ELF32 only; the addresses fit.
$(GUESTS_OUT)/%.flat: $(GUESTS_OUT)/%.elf
	objcopy -O elf32-i386 $< $@

-include $(wildcard $(GUESTS_OUT)/*.d $(GUESTS_OUT)/lib/*.d)

# The runner links the HSM selftest's library (hsm_lib.c: VM creation,
# the request-serving loop) and islet-dm's multiboot/ELF loader with its
# own files.
GUEST_RUN	:= $(GUESTS_OUT)/islet-guest-run
GUEST_RUN_SRCS	:= $(wildcard $(GUESTS_DIR)/runner/*.c) \
	tests/hsm/selftest/hsm_lib.c devicemodel/boot/elf.c \
	devicemodel/core/mem.c devicemodel/core/config.c
$(GUEST_RUN): $(GUEST_RUN_SRCS) $(wildcard $(GUESTS_DIR)/runner/*.h) \
		$(wildcard tests/hsm/selftest/*.h) $(wildcard include/islet/*.h) \
		$(wildcard devicemodel/*/*.h) | $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -Iinclude -Itests/hsm/selftest \
		-I$(GUESTS_DIR)/runner -Idevicemodel/core -Idevicemodel/boot -ffunction-sections -Wl,--gc-sections \
		-static -s -o $@ $(GUEST_RUN_SRCS)

# What the test initramfs carries (tests/machine/machine.mk): the runner,
# its start script (run.sh), its configuration and the kernels under
# /guests.
GUESTS_INITRAMFS_DEPS	:= $(GUEST_RUN) $(GUEST_ELFS) $(GUESTS_DIR)/guests.cfg \
	$(GUESTS_DIR)/run.sh
GUESTS_INITRAMFS_FILES	:= --file $(GUEST_RUN):/bin/islet-guest-run \
	--file $(GUESTS_DIR)/run.sh:/bin/islet-guests-run:755 \
	--file $(GUESTS_DIR)/guests.cfg:/guests/guests.cfg:644 \
	$(foreach t,$(GUEST_TESTS),--file $(GUESTS_OUT)/$(t).elf:/guests/$(t).elf:644)

ALL += $(GUEST_ELFS) $(GUEST_FLATS) $(GUEST_RUN)

# One test under QEMU TCG (no hypervisor; the CPU model and devices are
# QEMU's): make guests-qemu GUEST=apic [GUEST_SMP=2] [GUEST_ARGS="..."]
GUEST_SMP	?= 1
guests-qemu: $(GUESTS_OUT)/$(GUEST).flat
	qemu-system-x86_64 -accel tcg -cpu max -smp $(GUEST_SMP) -m 64 \
		-nographic -no-reboot -monitor none -serial stdio \
		-device isa-debug-exit,iobase=0xf4,iosize=4 \
		-kernel $< $(if $(GUEST_ARGS),-append "$(GUEST_ARGS)") || true

.PHONY: guests-qemu
