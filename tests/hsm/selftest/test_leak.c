/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * leak: opts.leak_cycles times (open, CREATE_VM with a fresh request page,
 * SET_MEMSEG of a fresh 64 KiB buffer, close, unmap).  Each close must
 * destroy the VM, give its CPU and hypervisor slot back and unpin its
 * pages: with one CPU, a VM left behind makes the next CREATE_VM fail
 * (EBUSY), and a page left pinned stays allocated after its munmap, so
 * MemFree (/proc/meminfo) would fall by 68 KiB per cycle.  Checked: every
 * cycle succeeds, MemFree ends within 512 kB of where it started, and a
 * VM is created on the same CPU afterwards.  Printed: the cycle time in
 * emulated ticks.  (The former hsm-vm-test's 1000-cycle loop, with the
 * request page and the memory added.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hsm_lib.h"
#include "selftest.h"

#define LEAK_RAM		0x10000
#define TOLERANCE_KB		512

static long mem_free_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* One cycle; 0, or the errno of the step named in *what. */
static int cycle(unsigned int cpu, const char **what)
{
	struct islet_vm_creation c;
	struct islet_vm_memmap m;
	void *page, *ram;
	int fd, err = 0;

	*what = "open";
	fd = open(opts.device, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno;
	*what = "mmap";
	page = mmap(NULL, ISLET_IO_REQUEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ram = mmap(NULL, LEAK_RAM, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED || ram == MAP_FAILED) {
		err = errno;
		goto out;
	}
	*what = "CREATE_VM";
	c = hsm_creation(1ULL << cpu, page);
	if (ioctl(fd, ISLET_IOCTL_CREATE_VM, &c) < 0) {
		err = errno;
		goto out;
	}
	*what = "SET_MEMSEG";
	m = hsm_ram(0, ram, LEAK_RAM);
	if (ioctl(fd, ISLET_IOCTL_SET_MEMSEG, &m) < 0)
		err = errno;
out:
	close(fd);
	if (page != MAP_FAILED)
		munmap(page, ISLET_IO_REQUEST_PAGE_SIZE);
	if (ram != MAP_FAILED)
		munmap(ram, LEAK_RAM);
	return err;
}

void test_leak(void)
{
	unsigned int cpu = test_cpu(0);
	unsigned long i, n = opts.leak_cycles;
	const char *what = "";
	long before, after;
	uint64_t t0, t1;
	struct hsm_vm vm;
	int err;

	/* A first cycle outside the count: what the first VM allocates for
	 * good (slab caches, the module's first use) is no leak. */
	step("a first cycle");
	err = cycle(cpu, &what);
	require(!err, "the first cycle: %s: %s", what, errno_name(err));

	step("%lu cycles of open, CREATE_VM, SET_MEMSEG, close", n);
	sync();
	before = mem_free_kb();
	t0 = rdtsc();
	for (i = 0; i < n; i++) {
		err = cycle(cpu, &what);
		if (err)
			break;
	}
	t1 = rdtsc();
	check(!err, "cycle %lu of %lu: %s: %s", i + 1, n, what,
	      errno_name(err));
	info("loop: %lu iterations", i);
	after = mem_free_kb();
	info("MemFree before %ld kB, after %ld kB (tolerance %d kB)", before,
	     after, TOLERANCE_KB);
	check(before > 0 && after > 0 && after > before - TOLERANCE_KB,
	      "MemFree back within %d kB: lost %ld kB", TOLERANCE_KB,
	      before - after);
	if (i)
		perf("leak cycle: %llu ticks/cycle (open, CREATE_VM, "
		     "SET_MEMSEG 64 KiB, close; %lu cycles)",
		     (unsigned long long)((t1 - t0) / i), i);

	step("a VM on CPU %u after the loop", cpu);
	vm_create(&vm, cpu, 0);
	vm_close(&vm);
}
