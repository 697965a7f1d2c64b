# Islet: one make builds everything into build/, `make check` runs every
# suite, `make run` boots the stack in the test machine (see README.md).
# Each component contributes a fragment; there is no recursive make except
# Kbuild for the kernel module.

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

TOP	:= $(CURDIR)
BUILD	:= build
CC	?= gcc
HOSTCC	:= gcc
PYTHON	:= python3

# Installs what building needs; every compile depends on it (order-only).
DEPS_BUILD := $(BUILD)/.deps-build
DEPS_CHECK := $(BUILD)/.deps-check
$(DEPS_BUILD): misc/deps.sh
	@mkdir -p $(BUILD)
	misc/deps.sh build
	@touch $@
$(DEPS_CHECK): misc/deps.sh
	@mkdir -p $(BUILD)
	misc/deps.sh check
	@touch $@

# Warnings are errors everywhere.
HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wundef \
	-Wmissing-prototypes -Wstrict-prototypes -Wno-unused-parameter

ALL :=
CHECKS :=

include hypervisor/hypervisor.mk
-include hypervisor/efi/efi.mk
-include tests/unit/unit.mk
-include tests/abi/abi.mk
-include tests/efi/efi.mk
-include hsm-module/hsm.mk
-include devicemodel/devicemodel.mk
-include tests/guests/guests.mk
-include tests/dm/dm-unit.mk
-include tests/machine/machine.mk
-include tests/uservm/uservm.mk
-include tests/perf/perf.mk

all: $(ALL)

# Every suite runs even when an earlier one fails; the summary decides.
check: all $(DEPS_CHECK)
	@$(PYTHON) misc/run-checks.py $(CHECKS)

clean:
	rm -rf $(BUILD)

.PHONY: all check clean run
