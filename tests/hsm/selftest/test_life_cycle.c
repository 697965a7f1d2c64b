/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * life-cycle: what a VM goes through when everything is right.
 *
 * Files and VMs (from the former hsm-vm-test): CREATE_VM on a given-up
 * CPU (vmid 1..7, one vCPU, input fields unchanged); a second file on the
 * same CPU gets EBUSY and a second CREATE_VM on one file EEXIST, each
 * leaving its struct as it was; DESTROY_VM, after which DESTROY_VM gets
 * EINVAL and the CPU is free for the other file; close() destroys, so a
 * new file has the CPU at once.
 *
 * Running (hypercall states CREATED -> RUNNING -> PAUSED -> CREATED): the
 * new VM's request slots are all FREE; a guest runs to its exit; PAUSE_VM,
 * and PAUSE_VM again (no error: only a missing VM is one); RESET_VM, after
 * which every slot is FREE; new registers and START_VM run a guest again from the same
 * memory (RESET keeps it: the image is not copied again).
 *
 * The client: ATTACH_IOREQ_CLIENT blocks while nothing is pending, and a
 * blocked ATTACH returns ENODEV when DESTROY_IOREQ_CLIENT or DESTROY_VM
 * takes its client away (islet_drv.h).  A client can be created again
 * after DESTROY_IOREQ_CLIENT.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest_dev.h"
#include "selftest.h"

static void files_and_vms(void)
{
	uint64_t cpu = 1ULL << test_cpu(0);
	void *page = hsm_map(ISLET_IO_REQUEST_PAGE_SIZE);
	void *page2 = hsm_map(ISLET_IO_REQUEST_PAGE_SIZE);
	int fd = hsm_open(), fd2 = hsm_open();
	unsigned int vmid;

	step("CREATE_VM and DESTROY_VM");
	vmid = expect_create_ok(fd, cpu, page, "create on the given-up CPU");
	if (vmid)
		info("created VM %u on CPU %u", vmid, test_cpu(0));
	expect_create_fails(fd2, hsm_creation(cpu, page2), EBUSY,
			    "a second file, same CPU");
	expect_create_fails(fd, hsm_creation(cpu, page), EEXIST,
			    "a second CREATE_VM on the same file");

	check_errno(hsm_ioctl(fd, ISLET_IOCTL_DESTROY_VM, NULL), 0,
		    "DESTROY_VM");
	check_errno(hsm_ioctl(fd, ISLET_IOCTL_DESTROY_VM, NULL), EINVAL,
		    "DESTROY_VM again (no VM)");
	check_errno(hsm_ioctl(fd2, ISLET_IOCTL_DESTROY_VM, NULL), EINVAL,
		    "DESTROY_VM on a file that never had a VM");

	/* The CPU is free again, for the other file too. */
	expect_create_ok(fd2, cpu, page2, "create on the other file after "
			 "DESTROY_VM");
	check_errno(hsm_ioctl(fd2, ISLET_IOCTL_DESTROY_VM, NULL), 0,
		    "DESTROY_VM of that one");
	expect_create_ok(fd, cpu, page, "create again on the first file");

	/* close() destroys: a new file can have the CPU right away. */
	check(close(fd) == 0, "close a file with a VM: %s", strerror(errno));
	fd = hsm_open();
	expect_create_ok(fd, cpu, page2, "create on a new file right after "
			 "the close");
	close(fd);
	close(fd2);
	munmap(page, ISLET_IO_REQUEST_PAGE_SIZE);
	munmap(page2, ISLET_IO_REQUEST_PAGE_SIZE);
}

/* PRINT guest with @text, served to its exit; checks the text. */
static void print_run(struct hsm_vm *vm, const char *text, const char *what)
{
	struct guest_args args = { .ecx = 1, .esi = GUEST_DATA_GPA };
	static struct guest_dev dev;

	memset(&dev, 0, sizeof(dev));
	vm_put_string(vm, GUEST_DATA_GPA, text);
	vm_set_entry(vm, GUEST_PRINT, &args);
	step("%s: running VM %u", what, vm->vmid);
	vm_start(vm);
	if (guest_run_to_exit(vm, &dev, NULL, what))
		check(!strcmp(dev.console, text), "%s: the guest printed %lu "
		      "bytes, not its text", what, dev.console_len);
}

/* Every slot of the request page FREE.  The device model hands in a
 * zeroed page, and 0 is PENDING: the hypervisor sets the slots FREE when
 * it gets the page (as ACRN's does) and again at RESET_VM (CONTRACT). */
static void slots_free(const struct hsm_vm *vm, const char *when)
{
	unsigned int i, state;

	for (i = 0; i < ISLET_IO_REQUEST_MAX; i++) {
		state = __atomic_load_n(&vm->ioreq->req_slot[i].processed,
					__ATOMIC_ACQUIRE);
		if (!check(state == ISLET_IOREQ_STATE_FREE, "%s, request slot "
			   "%u is in state %u, not FREE (%u)", when, i, state,
			   ISLET_IOREQ_STATE_FREE))
			return;
	}
}

static void run_pause_reset(void)
{
	struct hsm_vm vm;
	int err;

	vm_create(&vm, test_cpu(0), 0);
	slots_free(&vm, "after CREATE_VM");
	vm_load(&vm);
	print_run(&vm, "first run\n", "first run");

	check_errno(hsm_ioctl(vm.fd, ISLET_IOCTL_PAUSE_VM, NULL), 0,
		    "PAUSE_VM of the running VM");
	check_errno(hsm_ioctl(vm.fd, ISLET_IOCTL_PAUSE_VM, NULL), 0,
		    "PAUSE_VM of the paused VM");
	err = hsm_ioctl(vm.fd, ISLET_IOCTL_RESET_VM, NULL);
	if (check_errno(err, 0, "RESET_VM of the paused VM")) {
		slots_free(&vm, "after RESET_VM");
		/* The image is still in the VM's memory: only the string
		 * and the registers are new. */
		print_run(&vm, "second run, after RESET_VM\n", "second run");
		check_errno(hsm_ioctl(vm.fd, ISLET_IOCTL_PAUSE_VM, NULL), 0,
			    "PAUSE_VM after the second run");
	}
	vm_close(&vm);
}

struct attacher {
	int fd;
	unsigned long cmd;	/* ATTACH_IOREQ_CLIENT, or _VCPU for vCPU 0 */
	int err;
	bool done;
};

static void *attach(void *arg)
{
	struct attacher *a = arg;
	int err = hsm_ioctl(a->fd, a->cmd, NULL);

	a->err = err;
	__atomic_store_n(&a->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static bool attach_done(struct attacher *a, unsigned int ms)
{
	uint64_t deadline = now_ms() + ms;

	while (!__atomic_load_n(&a->done, __ATOMIC_ACQUIRE)) {
		if (now_ms() > deadline)
			return false;
		usleep(2000);
	}
	return true;
}

/* A thread blocks in ATTACH (@wait: ATTACH_IOREQ_CLIENT, or Islet's
 * ATTACH_IOREQ_VCPU for vCPU 0); @cmd (DESTROY_IOREQ_CLIENT or
 * DESTROY_VM) from this thread must let it go with ENODEV. */
static void attach_woken_by(struct hsm_vm *vm, unsigned long wait,
			    unsigned long cmd, const char *name)
{
	struct attacher a = { .fd = vm->fd, .cmd = wait };
	pthread_t th;

	step("%s, then %s", wait == ISLET_IOCTL_ATTACH_IOREQ_VCPU ?
	     "ATTACH_IOREQ_VCPU 0" : "ATTACH_IOREQ_CLIENT", name);
	require(!pthread_create(&th, NULL, attach, &a), "pthread_create");
	check(!attach_done(&a, 300), "ATTACH_IOREQ_CLIENT with nothing "
	      "pending returned (%s) instead of waiting", errno_name(a.err));
	check_errno(hsm_ioctl(vm->fd, cmd, NULL), 0, "%s while a thread "
		    "waits in ATTACH_IOREQ_CLIENT", name);
	/* A thread stuck in the kernel cannot be joined: the test ends, and
	 * with it the process. */
	require(attach_done(&a, 10000), "ATTACH_IOREQ_CLIENT still waits "
		"10 s after %s", name);
	pthread_join(th, NULL);
	check_errno(a.err, ENODEV, "the waiting ATTACH_IOREQ_CLIENT after %s",
		    name);
}

static void attach_wakeups(void)
{
	struct hsm_vm vm;

	vm_create(&vm, test_cpu(0), VM_NO_RAM);
	attach_woken_by(&vm, ISLET_IOCTL_ATTACH_IOREQ_CLIENT,
			ISLET_IOCTL_DESTROY_IOREQ_CLIENT,
			"DESTROY_IOREQ_CLIENT");
	check_errno(hsm_ioctl(vm.fd, ISLET_IOCTL_CREATE_IOREQ_CLIENT, NULL), 0,
		    "CREATE_IOREQ_CLIENT after DESTROY_IOREQ_CLIENT");
	attach_woken_by(&vm, ISLET_IOCTL_ATTACH_IOREQ_VCPU,
			ISLET_IOCTL_DESTROY_IOREQ_CLIENT,
			"DESTROY_IOREQ_CLIENT");
	check_errno(hsm_ioctl(vm.fd, ISLET_IOCTL_CREATE_IOREQ_CLIENT, NULL), 0,
		    "CREATE_IOREQ_CLIENT after DESTROY_IOREQ_CLIENT");
	attach_woken_by(&vm, ISLET_IOCTL_ATTACH_IOREQ_CLIENT,
			ISLET_IOCTL_DESTROY_VM, "DESTROY_VM");
	vm_close(&vm);
}

void test_life_cycle(void)
{
	files_and_vms();
	run_pause_reset();
	attach_wakeups();
}
