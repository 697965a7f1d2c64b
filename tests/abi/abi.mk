# The ABI headers (include/islet/): checked field by field against upstream
# <linux/acrn.h>, and compiled in each setting they serve.  See doc/abi.md.
#
#   abi_test.c check.c  hosted, beside <linux/acrn.h>; the CUnit runner
#   userspace.c         hosted, strict ISO C11, <islet/hsm.h> alone
#   freestanding.c      -ffreestanding -nostdinc: only the compiler's headers;
#                       built once with the hypervisor's code model (compile
#                       proof, hv-model.o) and once linkable into the runner
#
# -Wpadded everywhere: no ABI structure may contain padding the compiler
# inserts on its own.

ABI_DIR		:= tests/abi
ABI_OUT		:= $(BUILD)/tests/abi
ABI_UPSTREAM	:= /usr/include/linux/acrn.h

ABI_HOST_CFLAGS := $(HOST_CFLAGS) -Wpadded -Iinclude -MMD -MP
ABI_USER_CFLAGS := $(HOST_CFLAGS) -std=c11 -Wpedantic -Wpadded -Iinclude \
	-MMD -MP
ABI_FREE_CFLAGS := -std=gnu11 -O2 -ffreestanding -fno-builtin -nostdlib \
	-nostdinc -mno-red-zone -mgeneral-regs-only \
	-Wall -Wextra -Werror -Wshadow -Wundef -Wmissing-prototypes \
	-Wstrict-prototypes -Wpadded -Iinclude -MMD -MP
ABI_HV_MODEL	:= -mcmodel=kernel -fno-pic -fno-pie

ABI_TEST_OBJS	:= $(ABI_OUT)/abi_test.o $(ABI_OUT)/check.o \
	$(ABI_OUT)/userspace.o $(ABI_OUT)/freestanding.o

$(ABI_OUT)/abi_test.o $(ABI_OUT)/check.o: $(ABI_OUT)/%.o: $(ABI_DIR)/%.c \
		| $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(HOSTCC) $(ABI_HOST_CFLAGS) -c $< -o $@
$(ABI_OUT)/userspace.o: $(ABI_DIR)/userspace.c | $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(HOSTCC) $(ABI_USER_CFLAGS) -c $< -o $@
$(ABI_OUT)/freestanding.o: $(ABI_DIR)/freestanding.c | $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(HOSTCC) $(ABI_FREE_CFLAGS) \
		-isystem $(shell $(HOSTCC) -print-file-name=include) -c $< -o $@
$(ABI_OUT)/hv-model.o: $(ABI_DIR)/freestanding.c | $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(CC) $(ABI_FREE_CFLAGS) $(ABI_HV_MODEL) \
		-isystem $(shell $(CC) -print-file-name=include) -c $< -o $@

$(ABI_OUT)/abi-test: $(ABI_TEST_OBJS)
	$(HOSTCC) -o $@ $^ -lcunit

# The runner's exit status is non-zero on any failed assertion.
check-abi: $(ABI_OUT)/abi-test $(ABI_OUT)/hv-model.o
	$(ABI_OUT)/abi-test $(ABI_UPSTREAM)

ALL	+= $(ABI_OUT)/abi-test $(ABI_OUT)/hv-model.o
CHECKS	+= check-abi
.PHONY: check-abi
-include $(ABI_TEST_OBJS:.o=.d) $(ABI_OUT)/hv-model.d
