/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * guest-io: a User VM on a given-up CPU, its port and MMIO accesses
 * served by this program.
 *
 * The HELLO guest (guest.S) prints "Hello from a User VM\n" one byte per
 * port write; stores a value to an MMIO address that is not RAM and loads
 * it back; does the same through a port (OUT, then IN); times
 * opts.perf_exits port writes with RDTSC; and writes its verdict to the
 * debug-exit port.  The fake registers answer a load with the stored
 * value ^ ~0, so a load that was not served cannot pass.  Checked: the
 * text, the exact sequence of scratch accesses (direction, address, size,
 * value), the exit value, that every request had completion_polling set,
 * and that PAUSE_VM then succeeds.  Printed: the round trip of one port
 * write in emulated ticks.
 */
#include "guest_dev.h"
#include "selftest.h"

void test_guest_io(void)
{
	struct guest_args args = { .ebx = (uint32_t)opts.perf_exits };
	static struct guest_dev dev;
	struct hsm_vm vm;
	uint64_t ticks;
	int err;

	step("creating and starting a VM on CPU %u", test_cpu(0));
	vm_launch(&vm, test_cpu(0), GUEST_HELLO, &args);
	info("VM %u started on CPU %u", vm.vmid, vm.cpu);

	if (guest_run_to_exit(&vm, &dev, NULL, "guest-io")) {
		ticks = guest_check_hello(&dev, opts.perf_exits);
		if (ticks)
			perf("pio round trip: %llu ticks/exit (%lu exits, "
			     "%llu ticks)",
			     (unsigned long long)(ticks / opts.perf_exits),
			     opts.perf_exits, (unsigned long long)ticks);
		if (vm.user_reqs)
			perf("pio round trip, userspace part: %llu ticks/request "
			     "(ATTACH_IOREQ_CLIENT's return to "
			     "NOTIFY_REQUEST_FINISH, %lu requests)",
			     (unsigned long long)(vm.user_ticks / vm.user_reqs),
			     vm.user_reqs);
	}
	info("VM %u: %lu requests served", vm.vmid, vm.served);

	step("pausing VM %u", vm.vmid);
	err = hsm_ioctl(vm.fd, ISLET_IOCTL_PAUSE_VM, NULL);
	check_errno(err, 0, "PAUSE_VM after the guest's exit");
	vm_close(&vm);
}
