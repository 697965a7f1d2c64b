# islet_hsm.ko (hsm-module/, see doc/hsm.md) and its tests (tests/hsm/).
#
# Kbuild builds an external module inside its source directory, so the
# sources are staged into build/hsm-module/, with the ABI headers beside
# them in include/islet/, and built there: the source tree stays clean.
# The kernel is the Service VM kernel of the tests, Debian's cloud kernel,
# whose headers misc/fetch-kernel-headers.sh installs.  Another kernel:
#   make HSM_KDIR=/lib/modules/$(uname -r)/build
# (check-hsm-qemu boots the cloud kernel: it needs the default build).
#
#   build/hsm-module/islet_hsm.ko   the module                       (all)
#   build/tests/hsm/hsm-smoke       ioctl smoke test, static          (all)
#   build/tests/hsm/hsm-selftest    the ioctl selftest, static        (all)
#                                   (tests/hsm/selftest/selftest.mk)
#   check-hsm-build                 W=1 C=1 (sparse) rebuild; any warning fails
#   check-hsm-qemu                  without Islet (QEMU TCG) loading fails cleanly
#   hsm-dkms                        a DKMS source tree: build/islet-hsm-<version>/

HSM_SRC		:= hsm-module
HSM_OUT		:= $(BUILD)/hsm-module
HSM_KO		:= $(HSM_OUT)/islet_hsm.ko
HSM_KDIR_FILE	:= $(BUILD)/kernel/kdir
HSM_VMLINUZ	:= $(BUILD)/kernel/vmlinuz
# The sources: not Kbuild's products of an in-place build (*.mod.c).
HSM_FILES	:= Kbuild Makefile dkms.conf $(notdir $(filter-out %.mod.c, \
	$(wildcard $(HSM_SRC)/*.c $(HSM_SRC)/*.h)))
HSM_ABI		:= $(notdir $(wildcard include/islet/*.h))
HSM_STAGED	:= $(addprefix $(HSM_OUT)/,$(HSM_FILES)) \
	$(addprefix $(HSM_OUT)/include/islet/,$(HSM_ABI))
HSM_VERSION	:= $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' \
	$(HSM_SRC)/dkms.conf)

# The kernel build directory: HSM_KDIR when given, else the cloud kernel's
# headers (installed on first use).  The script fetches the kernel first to
# learn its version; ordering it after machine.mk's fetch of the same kernel
# (HSM_VMLINUZ) keeps the two from racing under make -j.
ifdef HSM_KDIR
$(if $(wildcard $(HSM_KDIR)/Makefile),,$(error HSM_KDIR=$(HSM_KDIR) is not \
	a kernel build directory (no Makefile); install the kernel's headers))
hsm_kdir	= $(HSM_KDIR)
HSM_KDIR_DEP	:=
else
hsm_kdir	= $(shell cat $(HSM_KDIR_FILE))
HSM_KDIR_DEP	:= $(HSM_KDIR_FILE)
endif

$(HSM_KDIR_FILE): misc/fetch-kernel-headers.sh misc/fetch-kernel.sh \
		| $(DEPS_BUILD) $(HSM_VMLINUZ)
	misc/fetch-kernel-headers.sh $(BUILD)/kernel
	@touch $@

$(addprefix $(HSM_OUT)/,$(HSM_FILES)): $(HSM_OUT)/%: $(HSM_SRC)/%
	@mkdir -p $(@D)
	cp $< $@
$(HSM_OUT)/include/islet/%.h: include/islet/%.h
	@mkdir -p $(@D)
	cp $< $@

# Which kernel the module is built for; rewritten (and so newer than the
# module) only when that changes.
$(HSM_OUT)/kdir: $(HSM_KDIR_DEP) hsm-kdir-force
	@mkdir -p $(@D)
	@echo '$(hsm_kdir)' | cmp -s - $@ || echo '$(hsm_kdir)' > $@
hsm-kdir-force:
.PHONY: hsm-kdir-force

# Kbuild decides what to rebuild; the touch records that the module is now
# up to date even when Kbuild found nothing to do (e.g. KDIR named the same
# tree through a symlink).
$(HSM_KO): $(HSM_STAGED) $(HSM_OUT)/kdir | $(DEPS_BUILD)
	$(MAKE) -C $(HSM_OUT) KDIR=$(hsm_kdir) modules
	@touch $@

# The smoke test run on Islet (tests/hsm/on-islet.sh): static, the
# initramfs has no libc.
HSM_TEST_OUT	:= $(BUILD)/tests/hsm
HSM_SMOKE	:= $(HSM_TEST_OUT)/hsm-smoke
$(HSM_SMOKE): tests/hsm/hsm_smoke.c $(wildcard include/islet/*.h) \
		| $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -Iinclude -static -s -o $@ $<

# The selftest with its guests (HSM_SELFTEST), likewise static.
include tests/hsm/selftest/selftest.mk

# What the Service VM initramfs of the test machine needs to run
# tests/hsm/on-islet.sh, tests/hsm/remove-cpu.sh and
# tests/hsm/selftest/run.sh (mkinitramfs.py arguments, and their files).
HSM_INITRAMFS_DEPS	:= $(HSM_KO) $(HSM_SMOKE) $(HSM_SELFTEST) \
	tests/hsm/on-islet.sh tests/hsm/remove-cpu.sh \
	tests/hsm/selftest/run.sh
HSM_INITRAMFS_FILES	:= --file $(HSM_KO):/lib/modules/islet_hsm.ko:644 \
	--file $(HSM_SMOKE):/bin/hsm-smoke \
	--file $(HSM_SELFTEST):/bin/hsm-selftest \
	--file tests/hsm/on-islet.sh:/bin/hsm-on-islet:755 \
	--file tests/hsm/remove-cpu.sh:/bin/hsm-remove-cpu:755 \
	--file tests/hsm/selftest/run.sh:/bin/hsm-selftest-run:755

ALL += $(HSM_KO) $(HSM_SMOKE)

# A fresh copy built with W=1 and sparse; also proves that the check sees a
# W=1 warning and a sparse warning planted in further copies.
check-hsm-build: $(HSM_KDIR_DEP) | $(DEPS_CHECK)
	$(PYTHON) tests/hsm/check_build.py --src $(HSM_SRC) --abi include/islet \
		--kdir $(hsm_kdir) --work $(BUILD)/tests/hsm/build-check

# Without the hypervisor: the cloud kernel under QEMU TCG, an initramfs
# whose init loads the module and reports.
HSM_QEMU_INITRD	:= $(HSM_TEST_OUT)/initramfs-qemu.cpio.gz
$(HSM_QEMU_INITRD): tests/initramfs/mkinitramfs.py tests/hsm/init-qemu.sh \
		$(HSM_KO) $(HSM_SMOKE) | $(DEPS_CHECK)
	@mkdir -p $(@D)
	$(PYTHON) tests/initramfs/mkinitramfs.py -o $@ \
		--init tests/hsm/init-qemu.sh \
		--file $(HSM_KO):/lib/modules/islet_hsm.ko:644 \
		--file $(HSM_SMOKE):/bin/hsm-smoke

check-hsm-qemu: $(HSM_QEMU_INITRD) $(HSM_VMLINUZ) | $(DEPS_CHECK)
	$(PYTHON) tests/hsm/test_hsm_qemu.py --kernel $(HSM_VMLINUZ) \
		--initrd $(HSM_QEMU_INITRD) --work $(HSM_TEST_OUT)/qemu

# The DKMS source tree: the sources and the ABI headers, no build products.
# Then: dkms add build/islet-hsm-$(HSM_VERSION) (see doc/hsm.md).
HSM_DKMS	:= $(BUILD)/islet-hsm-$(HSM_VERSION)
hsm-dkms: $(addprefix $(HSM_SRC)/,$(HSM_FILES)) \
		$(addprefix include/islet/,$(HSM_ABI))
	rm -rf $(HSM_DKMS)
	mkdir -p $(HSM_DKMS)/include/islet
	cp $(addprefix $(HSM_SRC)/,$(HSM_FILES)) $(HSM_DKMS)/
	cp $(addprefix include/islet/,$(HSM_ABI)) $(HSM_DKMS)/include/islet/
	@echo "hsm-dkms: $(HSM_DKMS)"

CHECKS += check-hsm-build check-hsm-qemu
.PHONY: check-hsm-build check-hsm-qemu hsm-dkms
