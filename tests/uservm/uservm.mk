# The Linux User VM of the test machine (tests/uservm/): what the Service
# VM needs to launch it with one islet-dm command, appended to the test
# initramfs as a second archive (the kernel unpacks both), so that only
# the islet-linux run carries its ~10 MiB:
#   /uservm/vmlinuz             the Service VM's own kernel, as a guest
#   /uservm/initramfs.cpio.gz   busybox, tests/uservm/init, islet-probe and
#                               the virtio modules
#   /uservm/disk.img            an empty ext4 image for virtio-blk
#   /uservm/{tun,loop}.ko       for the tap backend and the image check
#   /bin/islet-linux-run        tests/uservm/run.sh
# Included after tests/machine/machine.mk (it needs the kernel and the
# initramfs there).

UVM_OUT		:= $(BUILD)/uservm
UVM_INITRAMFS	:= $(UVM_OUT)/initramfs.cpio.gz
UVM_DISK	:= $(UVM_OUT)/disk.img
UVM_EXTRA	:= $(UVM_OUT)/svm-extra.cpio.gz
LINUX_INITRD	:= $(BUILD)/initramfs-linux.cpio.gz
# In load order (modinfo -F depends): virtio needs virtio_ring, virtio_net
# net_failover, which needs failover.
UVM_MODULES	:= virtio_ring virtio virtio_pci_modern_dev \
		   virtio_pci_legacy_dev virtio_pci virtio_blk failover \
		   net_failover virtio_net virtio_console virtio-rng
SVM_MODULES	:= tun loop

# A module of the fetched kernel package by name.
uvm_ko = $$(find $(KERNEL_DIR)/pkg/lib/modules -name '$(1).ko' | head -1)

# The init loads the modules in the order of /lib/modules/order.
$(UVM_INITRAMFS): tests/uservm/init tests/initramfs/mkinitramfs.py \
		tests/uservm/uservm.mk $(PROBE) $(SVM_KERNEL) | $(DEPS_CHECK)
	@mkdir -p $(@D)
	printf '%s\n' $(UVM_MODULES) > $(UVM_OUT)/modules.order
	$(PYTHON) tests/initramfs/mkinitramfs.py -o $@ --init tests/uservm/init \
		--file $(PROBE):/bin/islet-probe:755 \
		--file $(UVM_OUT)/modules.order:/lib/modules/order:644 \
		$(foreach m,$(UVM_MODULES),--file $(call uvm_ko,$(m)):/lib/modules/$(m).ko:644)

# 8 MiB of ext4 with nothing in it; the guest writes its file there.
$(UVM_DISK): | $(DEPS_CHECK)
	@mkdir -p $(@D)
	rm -f $@
	mke2fs -q -t ext4 -L uvm -U 6e1e7c0d-0000-4000-8000-000000000001 \
		-E root_owner=0:0 $@ 8M

$(UVM_EXTRA): $(UVM_INITRAMFS) $(UVM_DISK) tests/uservm/run.sh \
		tests/initramfs/mkinitramfs.py $(SVM_KERNEL) | $(DEPS_CHECK)
	$(PYTHON) tests/initramfs/mkinitramfs.py -o $@ --extra \
		--file $(SVM_KERNEL):/uservm/vmlinuz:644 \
		--file $(UVM_INITRAMFS):/uservm/initramfs.cpio.gz:644 \
		--file $(UVM_DISK):/uservm/disk.img:644 \
		$(foreach m,$(SVM_MODULES),--file $(call uvm_ko,$(m)):/uservm/$(m).ko:644) \
		--file tests/uservm/run.sh:/bin/islet-linux-run:755

$(LINUX_INITRD): $(INITRAMFS) $(UVM_EXTRA)
	cat $^ > $@

# check-machine's islet-linux run and `make run` boot with it
# (--linux-initrd, in machine.mk's recipes).
check-machine run: $(LINUX_INITRD)
