/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * triple-fault: a guest that triple-faults, while another VM runs.
 *
 * VM T (first CPU) runs the TICK guest, served by a thread: it writes
 * 0, 1, 2, ... to a port for ever.  Once it ticks, VM F (second CPU) runs
 * the TRIPLE guest: a write to the ready port, then INT3 with an empty
 * IDT.  The hypervisor must stop VM F and report it as ACRN does (CONTRACT
 * "A User VM that stopped"): a PORTIO write of size 2 to
 * ISLET_VM_PM1A_CNT_PORT with ISLET_VM_PM1A_SLP_EN |
 * ISLET_VM_PM1A_SLP_TYP_S5.  Checked: that report, exactly; VM T goes on
 * ticking, every number in order; VM F is PAUSED (START_VM: EINVAL),
 * RESET_VM brings it back, and it runs the PRINT guest to its exit; VM T
 * stops ticking at PAUSE_VM, and DESTROY_IOREQ_CLIENT ends its server
 * thread's ATTACH with ENODEV.  The harness also checks the hypervisor's
 * console line about the triple fault (tests/machine/run_tests.py).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "guest_dev.h"
#include "selftest.h"

#define WAIT_MS		30000

struct ticker {
	struct guest_dev dev;	/* first: the handlers' context */
	struct hsm_vm vm;
	enum serve_end end;
};

static void *serve_ticker(void *arg)
{
	struct ticker *t = arg;

	t->end = vm_serve(&t->vm, &guest_dev_handlers, &t->dev);
	return NULL;
}

static unsigned long ticks(const struct ticker *t)
{
	return __atomic_load_n(&t->dev.ticks, __ATOMIC_ACQUIRE);
}

/* Waits until the ticker has ticked @n times in all; false after WAIT_MS. */
static bool wait_ticks(const struct ticker *t, unsigned long n)
{
	uint64_t deadline = now_ms() + WAIT_MS;

	while (ticks(t) < n) {
		if (now_ms() > deadline)
			return false;
		usleep(2000);
	}
	return true;
}

static void check_stop_report(const struct hsm_vm *vm)
{
	const struct islet_pio_request *pio = &vm->stop.reqs.pio_request;
	const uint32_t want = ISLET_VM_PM1A_SLP_EN | ISLET_VM_PM1A_SLP_TYP_S5;

	check(vm->stop.type == ISLET_IOREQ_TYPE_PORTIO &&
	      pio->direction == ISLET_IOREQ_DIR_WRITE &&
	      pio->address == ISLET_VM_PM1A_CNT_PORT && pio->size == 2 &&
	      pio->value == want, "the stop report: type %u, direction %u, "
	      "port 0x%llx, size %llu, value 0x%x; expected a PORTIO write, "
	      "port 0x%x, size 2, value 0x%x", vm->stop.type, pio->direction,
	      (unsigned long long)pio->address,
	      (unsigned long long)pio->size, pio->value,
	      ISLET_VM_PM1A_CNT_PORT, want);
}

/* The stopped VM F: PAUSED; after RESET_VM it runs again. */
static void restart(struct hsm_vm *vm)
{
	static const char text[] = "back after the triple fault\n";
	struct guest_args args = { .ecx = 1, .esi = GUEST_DATA_GPA };
	static struct guest_dev dev;
	int err;

	err = hsm_ioctl(vm->fd, ISLET_IOCTL_START_VM, NULL);
	check_errno(err, EINVAL, "START_VM of the stopped VM (PAUSED, not "
		    "CREATED)");
	step("resetting the stopped VM %u", vm->vmid);
	err = hsm_ioctl(vm->fd, ISLET_IOCTL_RESET_VM, NULL);
	if (!check_errno(err, 0, "RESET_VM of the stopped VM"))
		return;
	vm->stopped = false;	/* that report is served; a new run starts */
	vm_put_string(vm, GUEST_DATA_GPA, text);
	vm_set_entry(vm, GUEST_PRINT, &args);
	vm_start(vm);
	if (guest_run_to_exit(vm, &dev, NULL, "after the reset"))
		check(!strcmp(dev.console, text), "after the reset the guest "
		      "printed %lu bytes, expected \"%.27s\\n\"",
		      dev.console_len, text);
	check_errno(hsm_ioctl(vm->fd, ISLET_IOCTL_PAUSE_VM, NULL), 0,
		    "PAUSE_VM of the restarted VM");
}

void test_triple_fault(void)
{
	static struct ticker tk;
	static struct guest_dev dev;
	struct hsm_vm vm;
	enum serve_end end;
	unsigned long before, after;
	pthread_t th;

	step("starting the ticking VM on CPU %u", test_cpu(0));
	vm_launch(&tk.vm, test_cpu(0), GUEST_TICK, NULL);
	require(!pthread_create(&th, NULL, serve_ticker, &tk),
		"pthread_create");
	require(wait_ticks(&tk, 10), "the ticking VM %u: %lu ticks in %d s, "
		"expected 10", tk.vm.vmid, ticks(&tk), WAIT_MS / 1000);

	step("starting the faulting VM on CPU %u", test_cpu(1));
	vm_launch(&vm, test_cpu(1), GUEST_TRIPLE, NULL);
	info("VM %u on CPU %u triple-faults now; VM %u on CPU %u ticks on",
	     vm.vmid, vm.cpu, tk.vm.vmid, tk.vm.cpu);
	step("waiting for the stop report of VM %u", vm.vmid);
	end = vm_serve(&vm, &guest_dev_handlers, &dev);
	check(dev.ready == 1 && dev.ready_value == GUEST_READY_TRIPLE,
	      "the faulting guest ran up to its fault: %lu writes to the "
	      "ready port, last value %u", dev.ready, dev.ready_value);
	check(end == SERVE_VM_STOPPED, "serving the faulting VM ended with "
	      "its stop report: %s", serve_end_name(end, &vm));
	check(!dev.unexpected, "the faulting VM: %lu accesses no device "
	      "claims; the first: %s", dev.unexpected, dev.first_unexpected);
	if (vm.stopped) {
		check_stop_report(&vm);
		info("VM %u stopped: port 0x%llx, size %llu, value 0x%x",
		     vm.vmid,
		     (unsigned long long)vm.stop.reqs.pio_request.address,
		     (unsigned long long)vm.stop.reqs.pio_request.size,
		     vm.stop.reqs.pio_request.value);
	}

	step("watching the ticking VM after the stop");
	before = ticks(&tk);
	check(wait_ticks(&tk, before + 100), "the ticking VM goes on after "
	      "the other's triple fault: %lu ticks in %d s, expected 100",
	      ticks(&tk) - before, WAIT_MS / 1000);

	if (vm.stopped)
		restart(&vm);
	vm_close(&vm);

	/* Pause while the thread still serves (a vCPU waiting for its
	 * request is then let go), then end the thread. */
	step("pausing the ticking VM %u", tk.vm.vmid);
	check_errno(hsm_ioctl(tk.vm.fd, ISLET_IOCTL_PAUSE_VM, NULL), 0,
		    "PAUSE_VM of the ticking VM");
	before = ticks(&tk);
	usleep(300000);
	after = ticks(&tk);
	check(after - before <= 1, "the ticking VM ticked %lu times in the "
	      "0.3 s after PAUSE_VM returned", after - before);
	step("destroying the ticking VM's client");
	check_errno(hsm_ioctl(tk.vm.fd, ISLET_IOCTL_DESTROY_IOREQ_CLIENT,
			      NULL), 0, "DESTROY_IOREQ_CLIENT of the ticking VM");
	pthread_join(th, NULL);
	check(tk.end == SERVE_CLIENT_GONE, "the ticking VM's server thread "
	      "ended with ENODEV from ATTACH_IOREQ_CLIENT: %s",
	      serve_end_name(tk.end, &tk.vm));
	check(!tk.dev.tick_errors, "%lu of %lu ticks out of sequence "
	      "(a request lost or served twice)", tk.dev.tick_errors,
	      ticks(&tk));
	check(!tk.dev.unexpected, "the ticking VM: %lu accesses no device "
	      "claims; the first: %s", tk.dev.unexpected,
	      tk.dev.first_unexpected);
	info("VM %u ticked %lu times", tk.vm.vmid, ticks(&tk));
	vm_close(&tk.vm);
}
