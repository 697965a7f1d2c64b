# check-efi: islet.efi's pure parts on the host (CUnit), then the EFI boot
# path under QEMU + OVMF (tests/efi/test_efi.py).

EFI_TEST_OUT := $(BUILD)/tests/efi
# The host test links islet.efi's pure files and, for the round trip, the
# hypervisor's own multiboot2 parser.
EFI_TEST_SRCS := $(sort $(wildcard tests/efi/test_*.c)) \
	$(addprefix hypervisor/efi/,config.c mb2.c image_check.c) \
	$(addprefix hypervisor/boot/,multiboot2.c efi_mmap.c e820.c)

$(EFI_TEST_OUT)/test_efi_loader: $(EFI_TEST_SRCS) tests/efi/tests.h \
		$(wildcard hypervisor/efi/*.h hypervisor/include/*.h) \
		| $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -Ihypervisor/include -Ihypervisor/efi \
		-o $@ $(EFI_TEST_SRCS) -lcunit

check-efi: $(BUILD)/islet.efi $(EFI_TEST_OUT)/test_efi_loader | $(DEPS_CHECK)
	$(PYTHON) tests/efi/test_efi.py --efi $(BUILD)/islet.efi \
		--unit $(EFI_TEST_OUT)/test_efi_loader \
		--work $(EFI_TEST_OUT)/work --kernel $(BUILD)/kernel/vmlinuz

CHECKS += check-efi
.PHONY: check-efi
