# islet.efi: a GNU-EFI application that embeds build/islet.bin and enters it
# with a multiboot2 information block, like GRUB does (see efi/main.c).

EFI_DIR	:= hypervisor/efi
EFI_OUT	:= $(BUILD)/efi
EFI_SRCS := $(sort $(wildcard $(EFI_DIR)/*.c $(EFI_DIR)/*.S))
EFI_OBJS := $(patsubst $(EFI_DIR)/%,$(EFI_OUT)/%.o,$(EFI_SRCS))

GNUEFI_INC := /usr/include/efi
GNUEFI_LIB := /usr/lib

EFI_CFLAGS := -std=gnu11 -O2 -g -fpic -fshort-wchar -mno-red-zone \
	-ffreestanding -fno-stack-protector -fno-strict-aliasing \
	-fno-asynchronous-unwind-tables -DEFI_FUNCTION_WRAPPER \
	-Wall -Wextra -Werror -Wshadow -Wundef -Wmissing-prototypes \
	-Wstrict-prototypes -Wno-unused-parameter \
	-isystem $(GNUEFI_INC) -isystem $(GNUEFI_INC)/x86_64 -I$(HV_DIR)/include \
	-MMD -MP
EFI_LDFLAGS := -nostdlib -znocombreloc -shared -Bsymbolic \
	-z noexecstack --no-warn-rwx-segments \
	-T $(GNUEFI_LIB)/elf_x86_64_efi.lds -L$(GNUEFI_LIB)
EFI_SECTIONS := .text .sdata .data .dynamic .dynsym .rel .rela .rel.* \
	.rela.* .reloc

$(EFI_OUT)/%.c.o: $(EFI_DIR)/%.c | $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(CC) $(EFI_CFLAGS) -c $< -o $@
$(EFI_OUT)/%.S.o: $(EFI_DIR)/%.S | $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(CC) $(EFI_CFLAGS) -D__ASSEMBLER__ -DISLET_BIN='"$(BUILD)/islet.bin"' \
		-c $< -o $@

# The payload is the hypervisor image itself.
$(EFI_OUT)/payload.S.o: $(BUILD)/islet.bin

$(EFI_OUT)/islet.so: $(EFI_OBJS)
	ld $(EFI_LDFLAGS) -o $@ $(GNUEFI_LIB)/crt0-efi-x86_64.o $(EFI_OBJS) \
		-lefi -lgnuefi
$(BUILD)/islet.efi: $(EFI_OUT)/islet.so
	objcopy $(foreach s,$(EFI_SECTIONS),-j '$(s)') --target efi-app-x86_64 \
		--subsystem=10 $< $@

ALL += $(BUILD)/islet.efi
-include $(EFI_OBJS:.o=.d)
