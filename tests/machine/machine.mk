# The test machine: the Service VM kernel (Debian's cloud kernel, fetched),
# the test initramfs (busybox + /init + islet-probe), and the Bochs suite
# (check-machine) and console (run).  See tests/machine/bochs.py.

KERNEL_DIR	:= $(BUILD)/kernel
SVM_KERNEL	:= $(KERNEL_DIR)/vmlinuz
INITRAMFS	:= $(BUILD)/initramfs.cpio.gz
PROBE		:= $(BUILD)/initramfs/islet-probe
MACHINE_PY	:= tests/machine/bochs.py

# Cached: the script does nothing when the kernel is there.
$(SVM_KERNEL): | $(DEPS_CHECK)
	misc/fetch-kernel.sh $(KERNEL_DIR)

# Static: the initramfs has no libc.  Stripped: it is copied into every
# test ISO and read through the emulated CD.
$(PROBE): tests/initramfs/probe.c | $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -static -s -o $@ $<

# The HSM module and its on-Islet check come from hsm-module/hsm.mk, the
# guest tests from tests/guests/guests.mk, both included before this file.
$(INITRAMFS): tests/initramfs/mkinitramfs.py tests/initramfs/init $(PROBE) \
		$(HSM_INITRAMFS_DEPS) $(GUESTS_INITRAMFS_DEPS) $(DM_INITRAMFS_DEPS) \
		tests/dm/machine.sh | $(DEPS_CHECK)
	$(PYTHON) tests/initramfs/mkinitramfs.py -o $@ \
		--init tests/initramfs/init --file $(PROBE):/bin/islet-probe \
		$(HSM_INITRAMFS_FILES) $(GUESTS_INITRAMFS_FILES) $(DM_INITRAMFS_FILES) \
		--file tests/dm/machine.sh:/bin/islet-dm-run:755

# Preloaded into Bochs: a fixed rand() seed, so that runs repeat exactly
# (tests/machine/fixed_seed.c says why).  bochs.py finds it here.
FIXED_SEED	:= $(BUILD)/tests/machine/fixed_seed.so
$(FIXED_SEED): tests/machine/fixed_seed.c | $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -shared -fPIC -o $@ $< -ldl

ALL += $(PROBE) $(INITRAMFS) $(FIXED_SEED)

MACHINE_INPUTS := $(SVM_KERNEL) $(INITRAMFS) $(FIXED_SEED) $(BUILD)/islet.bin

check-machine: $(MACHINE_INPUTS) | $(DEPS_CHECK)
	$(PYTHON) tests/machine/run_tests.py --kernel $(SVM_KERNEL) \
		--initrd $(INITRAMFS) --islet $(BUILD)/islet.bin \
		--elf $(BUILD)/hypervisor/islet.elf --work $(BUILD)/tests/machine \
		--linux-initrd $(LINUX_INITRD)

# The main job: Islet + Service VM in Bochs, which launches a Linux User
# VM; both consoles on this terminal.  RUN_ARGS="--shell" stops at the
# Service VM's shell, "--bare" boots Linux without the hypervisor, "--cpus
# 3" gives the machine three CPUs.
run: $(MACHINE_INPUTS) | $(DEPS_CHECK)
	@$(PYTHON) tests/machine/run.py --kernel $(SVM_KERNEL) \
		--initrd $(INITRAMFS) --islet $(BUILD)/islet.bin \
		--linux-initrd $(LINUX_INITRD) --work $(BUILD)/run $(RUN_ARGS)

CHECKS += check-machine
.PHONY: check-machine run
