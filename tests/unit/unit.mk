# Host unit tests: the hypervisor's pure logic (boot-info parsing, e820,
# page-table builder, bzImage loader, guest page walk, store decoder, fault
# reporter, IPI destinations, vCPU start-up state machine, User VM slots,
# hypercall dispatch, page pool, User VM memory regions and life cycle,
# the HSM notification device, the virtual LAPIC, PIC and IOAPIC, the
# User VM CPU model) compiled for the host against CUnit, with ASan/UBSan
# so that an out-of-bounds read on malformed input fails the test
# instead of passing silently.
# $(UNIT_DIR)/shim comes before the arch headers: its asm/cpu.h replaces
# the privileged instructions (control registers, halt, pause) with hooks
# the tests define.  The start-up tests race threads, hence -pthread.

UNIT_DIR	:= tests/unit
UNIT_OUT	:= $(BUILD)/tests/unit
# The hypervisor files under test, built unchanged from their sources.
UNIT_HV_SRCS	:= hypervisor/boot/multiboot2.c hypervisor/boot/cmdline.c \
		   hypervisor/boot/e820.c hypervisor/boot/efi_mmap.c \
		   hypervisor/boot/bzimage.c hypervisor/lib/paging.c \
		   hypervisor/arch/x86/paging_fmt.c \
		   hypervisor/core/guest_paging.c hypervisor/core/insn.c \
		   hypervisor/core/insn_string.c \
		   hypervisor/arch/x86/fault.c hypervisor/arch/x86/ipi_dest.c \
		   hypervisor/arch/x86/vcpu_start.c hypervisor/core/user_vm.c \
		   hypervisor/core/hypercall.c hypervisor/core/page_alloc.c \
		   hypervisor/core/user_vm_mem.c \
		   hypervisor/core/vpci_notify.c hypervisor/core/vplatform.c \
		   hypervisor/core/vlapic.c hypervisor/core/vm_mmio.c \
		   hypervisor/core/vpic.c hypervisor/core/vioapic.c \
		   hypervisor/core/cpu_model.c \
		   hypervisor/core/user_vcpu.c
UNIT_SRCS	:= $(sort $(wildcard $(UNIT_DIR)/*.c))
UNIT_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=all
UNIT_CFLAGS	:= $(HOST_CFLAGS) $(UNIT_SAN) -Ihypervisor/include \
		   -I$(UNIT_DIR)/shim -Ihypervisor/arch/x86/include -Iinclude \
		   -MMD -MP \
		   -DUNIT_KERNEL='"$(BUILD)/kernel/vmlinuz"'
# lib/string.c would clash with libc, so it is linked under hv_* names.
UNIT_STR_DEFS	:= $(foreach f,memcpy memmove memset memcmp strlen strnlen strncmp strcmp,-D$(f)=hv_$(f))
UNIT_OBJS	:= $(patsubst $(UNIT_DIR)/%.c,$(UNIT_OUT)/%.o,$(UNIT_SRCS)) \
		   $(patsubst hypervisor/%.c,$(UNIT_OUT)/hv/%.o,$(UNIT_HV_SRCS)) \
		   $(UNIT_OUT)/hv/lib/string.o

$(UNIT_OUT)/%.o: $(UNIT_DIR)/%.c | $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(HOSTCC) $(UNIT_CFLAGS) -c $< -o $@
$(UNIT_OUT)/hv/lib/string.o: hypervisor/lib/string.c | $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(HOSTCC) $(UNIT_CFLAGS) -fno-builtin $(UNIT_STR_DEFS) -c $< -o $@
$(UNIT_OUT)/hv/%.o: hypervisor/%.c | $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(HOSTCC) $(UNIT_CFLAGS) -c $< -o $@

# The virtual LAPIC's neighbours are fakes in test_vlapic.c.
$(UNIT_OUT)/hv/core/vlapic.o: UNIT_CFLAGS += -Duser_vcpu_kick_irq=fake_kick \
	-Dvioapic_eoi=fake_vioapic_eoi -Dvpic_intr_pending=fake_vpic_intr_pending \
	-Dvpic_intack=fake_vpic_intack
# The interrupt controllers' calls out of their concern go to fakes in
# the tests (fake_irqchip.h); the real functions stay linkable for others.
$(UNIT_OUT)/hv/core/vpic.o: UNIT_CFLAGS += -Dvm_pic_intr_raised=fake_vm_pic_intr_raised
$(UNIT_OUT)/hv/core/vioapic.o: UNIT_CFLAGS += -Dvlapic_deliver=fake_vlapic_deliver
$(UNIT_OUT)/hv/core/vplatform.o: UNIT_CFLAGS += -Dvm_register_io=fake_vm_register_io \
	-Dvm_register_mmio=fake_vm_register_mmio
# The CPU model reaches the vLAPIC's MSRs through fakes (test_cpu_model.c).
$(UNIT_OUT)/hv/core/cpu_model.o: UNIT_CFLAGS += \
	-Dvlapic_owns_msr=fake_vlapic_owns_msr \
	-Dvlapic_msr_read=fake_vlapic_msr_read \
	-Dvlapic_msr_write=fake_vlapic_msr_write
# core/user_vcpu.c reaches the vendor code, guest memory, the instruction
# fetch, the MMIO ranges and the Service VM's notification: for its object
# only, those calls go to test_user_vcpu.c's fakes (and its
# user_cpu_wait_serving, which test_hypercall.c fakes, is renamed away).
UNIT_USER_VCPU_FAKES := vendor_user_cpu_init vendor_user_vcpu_run \
		   vendor_user_vcpu_release vendor_vm_flush vendor_insn_ctx \
		   vendor_gpr vendor_set_gpr vendor_seg_base vendor_rflags \
		   vendor_set_rflags vendor_advance_rip vcpu_fetch_insn gpa_read \
		   gpa_write vm_find_mmio hsm_notify_raise \
		   vendor_inject_page_fault
$(UNIT_OUT)/hv/core/user_vcpu.o: UNIT_CFLAGS += \
	$(foreach f,$(UNIT_USER_VCPU_FAKES),-D$(f)=fake_$(f)) \
	-Duser_cpu_wait_serving=unit_user_cpu_wait_serving

$(UNIT_OUT)/unit-tests: $(UNIT_OBJS)
	$(HOSTCC) $(UNIT_SAN) -pthread -o $@ $^ -lcunit

# CUnit's basic interface, verbose; the program exits non-zero on any
# failure.  Run from the top directory (the real-kernel test looks for
# build/kernel/vmlinuz and skips when it is absent).
check-unit: $(UNIT_OUT)/unit-tests
	$(UNIT_OUT)/unit-tests

ALL	+= $(UNIT_OUT)/unit-tests
CHECKS	+= check-unit
.PHONY: check-unit
-include $(UNIT_OBJS:.o=.d)
