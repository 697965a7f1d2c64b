# Benchmarks: they print figures and assert nothing about them (the checks
# are in `make check`).  tests/perf/boot_overhead.py boots the stack in the
# test machine bare and under Islet, on 1 and 2 CPUs, and prints marker
# ticks, their ratio and the exits by reason.  PERF_ARGS="--cpus 1" for the
# 1-CPU pair only.  Needs tests/machine/machine.mk (MACHINE_INPUTS).

perf: $(MACHINE_INPUTS) | $(DEPS_CHECK)
	$(PYTHON) tests/perf/boot_overhead.py --kernel $(SVM_KERNEL) \
		--initrd $(INITRAMFS) --islet $(BUILD)/islet.bin \
		--elf $(BUILD)/hypervisor/islet.elf --work $(BUILD)/perf \
		$(PERF_ARGS)

.PHONY: perf
