# The hypervisor: a freestanding x86_64 ELF (islet.elf) linked at a fixed
# physical address, with a multiboot2 header for GRUB (islet.bin is the same
# image, flat, for islet.efi to embed).

HV_DIR	:= hypervisor
HV_OUT	:= $(BUILD)/hypervisor
HV_SRCS	:= $(shell find $(HV_DIR)/arch $(HV_DIR)/boot $(HV_DIR)/core $(HV_DIR)/lib \
		-name '*.c' -o -name '*.S' 2>/dev/null | sort)
HV_OBJS	:= $(patsubst $(HV_DIR)/%,$(HV_OUT)/%.o,$(HV_SRCS))

HV_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdlib \
	-fno-pic -fno-pie -mcmodel=small -mno-red-zone -mno-sse -mno-mmx \
	-mno-sse2 -mno-avx -mgeneral-regs-only -fno-stack-protector \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-fno-strict-aliasing -fno-common \
	-Wall -Wextra -Werror -Wshadow -Wundef -Wmissing-prototypes \
	-Wstrict-prototypes -Wno-unused-parameter \
	-I$(HV_DIR)/include -I$(HV_DIR)/arch/x86/include -Iinclude \
	-MMD -MP
HV_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=4096 \
	-z noexecstack --no-warn-rwx-segments

$(HV_OUT)/%.c.o: $(HV_DIR)/%.c | $(DEPS_BUILD)
	@mkdir -p $(@D)
	@echo "  CC $<"; $(CC) $(HV_CFLAGS) -c $< -o $@
$(HV_OUT)/%.S.o: $(HV_DIR)/%.S | $(DEPS_BUILD)
	@mkdir -p $(@D)
	@echo "  CC $<"; $(CC) $(HV_CFLAGS) -D__ASSEMBLER__ -c $< -o $@

$(HV_OUT)/islet.elf: $(HV_OBJS) $(HV_DIR)/islet.ld
	ld $(HV_LDFLAGS) -T $(HV_DIR)/islet.ld -Map=$(HV_OUT)/islet.map -o $@ $(HV_OBJS)
$(BUILD)/islet.bin: $(HV_OUT)/islet.elf
	objcopy -O binary $< $@
	@size $< | tee $(HV_OUT)/size.txt

ALL += $(BUILD)/islet.bin
-include $(HV_OBJS:.o=.d)
