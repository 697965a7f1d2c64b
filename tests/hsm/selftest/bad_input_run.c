/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bad-input, the running parts:
 *   VM states (CONTRACT: CREATED -> START -> RUNNING -> PAUSE -> PAUSED ->
 *   RESET -> CREATED): RESET of a CREATED VM, START twice, SET_VCPU_REGS
 *   and RESET while running, START of a PAUSED VM: EINVAL.
 *   Requests: ATTACH (and ATTACH_IOREQ_VCPU) without a client: ENODEV
 *   (upstream's answer); ATTACH_IOREQ_VCPU for a slot not the VM's: EINVAL; a
 *   second CREATE_IOREQ_CLIENT: EEXIST; NOTIFY_REQUEST_FINISH for a slot
 *   not in PROCESSING, for a vCPU the VM does not have, or with its
 *   reserved field set: EINVAL, and a slot in PROCESSING stays so (the
 *   guest stays parked) until the good NOTIFY.
 *   IOEVENTFD: bad length, flags, address range, reserved field: EINVAL;
 *   a closed fd: EBADF; a file that is not an eventfd: EINVAL; the same
 *   ioeventfd twice: EEXIST; deassigning one that does not exist: ENOENT.
 *   IRQFD: bad flags: EINVAL; a closed fd: EBADF; not an eventfd:
 *   EINVAL; deassigning one that does not exist: ENOENT.
 *   SET_IRQLINE with an operation that does not exist; PM_GET_CPU_STATE
 *   with a request type that does not exist: EINVAL.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hsm_lib.h"
#include "selftest.h"

static int vm_ioctl(struct hsm_vm *vm, unsigned long cmd)
{
	return hsm_ioctl(vm->fd, cmd, NULL);
}

void bad_input_states(void)
{
	struct islet_vcpu_regs regs;
	struct hsm_vm vm;

	step("VM state refusals");
	vm_create(&vm, test_cpu(0), 0);
	vm_load(&vm);
	vm_set_entry(&vm, GUEST_HANG, NULL);
	vm_guest_regs(GUEST_HANG, NULL, &regs);

	check_errno(vm_ioctl(&vm, ISLET_IOCTL_RESET_VM), EINVAL,
		    "RESET_VM of a VM never started (CREATED)");
	vm_start(&vm);
	check_errno(vm_ioctl(&vm, ISLET_IOCTL_START_VM), EINVAL,
		    "START_VM of the running VM (START twice)");
	check_errno(hsm_ioctl(vm.fd, ISLET_IOCTL_SET_VCPU_REGS, &regs), EINVAL,
		    "SET_VCPU_REGS while the VM runs");
	check_errno(vm_ioctl(&vm, ISLET_IOCTL_RESET_VM), EINVAL,
		    "RESET_VM while the VM runs");
	check_errno(vm_ioctl(&vm, ISLET_IOCTL_PAUSE_VM), 0, "PAUSE_VM");
	check_errno(vm_ioctl(&vm, ISLET_IOCTL_START_VM), EINVAL,
		    "START_VM of the paused VM (not CREATED)");
	check_errno(vm_ioctl(&vm, ISLET_IOCTL_RESET_VM), 0, "RESET_VM");
	check_errno(vm_ioctl(&vm, ISLET_IOCTL_RESET_VM), EINVAL,
		    "RESET_VM again (CREATED)");
	/* Nothing of the refusals stuck: it starts again. */
	check_errno(hsm_ioctl(vm.fd, ISLET_IOCTL_SET_VCPU_REGS, &regs), 0,
		    "SET_VCPU_REGS after the reset");
	check_errno(vm_ioctl(&vm, ISLET_IOCTL_START_VM), 0,
		    "START_VM after the reset");
	check_errno(vm_ioctl(&vm, ISLET_IOCTL_PAUSE_VM), 0,
		    "PAUSE_VM after the restart");
	vm_close(&vm);
}

static uint32_t slot_state(const struct hsm_vm *vm, unsigned int vcpu)
{
	return __atomic_load_n(&vm->ioreq->req_slot[vcpu].processed,
			       __ATOMIC_ACQUIRE);
}

static void expect_notify(struct hsm_vm *vm, struct islet_ioreq_notify n,
			  int want, const char *what)
{
	check_errno(hsm_ioctl(vm->fd, ISLET_IOCTL_NOTIFY_REQUEST_FINISH, &n),
		    want, "NOTIFY_REQUEST_FINISH %s", what);
}

void bad_input_ioreq(void)
{
	struct islet_ioreq_notify n;
	const struct islet_io_request *req;
	struct hsm_vm vm;
	int err;

	step("request refusals");
	vm_create(&vm, test_cpu(0), VM_NO_CLIENT);
	vm_load(&vm);
	vm_set_entry(&vm, GUEST_SPIN, NULL);
	check_errno(vm_ioctl(&vm, ISLET_IOCTL_ATTACH_IOREQ_CLIENT), ENODEV,
		    "ATTACH_IOREQ_CLIENT without a client");
	check_errno(hsm_ioctl_value(vm.fd, ISLET_IOCTL_ATTACH_IOREQ_VCPU, 0),
		    ENODEV, "ATTACH_IOREQ_VCPU 0 without a client");
	check_errno(vm_ioctl(&vm, ISLET_IOCTL_CREATE_IOREQ_CLIENT), 0,
		    "CREATE_IOREQ_CLIENT");
	check_errno(vm_ioctl(&vm, ISLET_IOCTL_CREATE_IOREQ_CLIENT), EEXIST,
		    "a second CREATE_IOREQ_CLIENT");

	memset(&n, 0, sizeof(n));
	n.vmid = vm.vmid;
	expect_notify(&vm, n, EINVAL, "for slot 0 before the VM ran (not "
		      "PROCESSING)");

	/* The SPIN guest makes one request and waits for it. */
	vm_start(&vm);
	step("waiting for the SPIN guest's request");
	do
		err = vm_ioctl(&vm, ISLET_IOCTL_ATTACH_IOREQ_CLIENT);
	while (!err && slot_state(&vm, 0) != ISLET_IOREQ_STATE_PROCESSING);
	require(!err, "ATTACH_IOREQ_CLIENT: %s", errno_name(err));
	req = &vm.ioreq->req_slot[0];
	check(req->type == ISLET_IOREQ_TYPE_PORTIO &&
	      req->reqs.pio_request.address == GUEST_PORT_READY &&
	      !req->kernel_handled, "the request in slot 0: type %u, port "
	      "0x%llx, kernel_handled %u; expected the ready port's write",
	      req->type, (unsigned long long)req->reqs.pio_request.address,
	      req->kernel_handled);

	/* Islet's per-vCPU wait: slot 0 is held, so it returns at once;
	 * other slots are not the VM's. */
	check_errno(hsm_ioctl_value(vm.fd, ISLET_IOCTL_ATTACH_IOREQ_VCPU, 0),
		    0, "ATTACH_IOREQ_VCPU 0 with slot 0 held");
	check_errno(hsm_ioctl_value(vm.fd, ISLET_IOCTL_ATTACH_IOREQ_VCPU, 1),
		    EINVAL, "ATTACH_IOREQ_VCPU 1 (the VM has 1 vCPU)");
	check_errno(hsm_ioctl_value(vm.fd, ISLET_IOCTL_ATTACH_IOREQ_VCPU,
				    ISLET_IO_REQUEST_MAX), EINVAL,
		    "ATTACH_IOREQ_VCPU 16");
	check_errno(hsm_ioctl_value(vm.fd, ISLET_IOCTL_ATTACH_IOREQ_VCPU,
				    ~0UL), EINVAL,
		    "ATTACH_IOREQ_VCPU ~0");

	n.vcpu = 1;
	expect_notify(&vm, n, EINVAL, "for vCPU 1 (the VM has 1)");
	n.vcpu = ISLET_IO_REQUEST_MAX;
	expect_notify(&vm, n, EINVAL, "for vCPU 16 (past the page)");
	n.vcpu = 0xffffffff;
	expect_notify(&vm, n, EINVAL, "for vCPU 0xffffffff");
	n.vcpu = 0;
	n.reserved = 1;
	expect_notify(&vm, n, EINVAL, "with reserved non-zero");
	check(slot_state(&vm, 0) == ISLET_IOREQ_STATE_PROCESSING, "after the "
	      "refused NOTIFYs, slot 0 is in state %u, not PROCESSING",
	      slot_state(&vm, 0));
	n.reserved = 0;
	expect_notify(&vm, n, 0, "for slot 0 in PROCESSING");
	check(slot_state(&vm, 0) != ISLET_IOREQ_STATE_PROCESSING,
	      "after NOTIFY_REQUEST_FINISH, slot 0 is still PROCESSING");
	expect_notify(&vm, n, EINVAL, "for slot 0 again (no longer "
		      "PROCESSING)");

	check_errno(vm_ioctl(&vm, ISLET_IOCTL_PAUSE_VM), 0, "PAUSE_VM");
	vm_close(&vm);
}

static struct islet_ioeventfd ioeventfd(int efd, uint32_t flags, uint64_t addr,
					uint32_t len, uint64_t data)
{
	struct islet_ioeventfd e;

	memset(&e, 0, sizeof(e));
	e.fd = (uint32_t)efd;
	e.flags = flags;
	e.addr = addr;
	e.len = len;
	e.data = data;
	return e;
}

static void expect_ioeventfd(struct hsm_vm *vm, struct islet_ioeventfd e,
			     int want, const char *what)
{
	check_errno(hsm_ioctl(vm->fd, ISLET_IOCTL_IOEVENTFD, &e), want,
		    "IOEVENTFD %s", what);
}

static void ioeventfd_refusals(struct hsm_vm *vm, int efd, int closed,
			       int notfd)
{
	const uint32_t pio = ISLET_IOEVENTFD_FLAG_PIO;
	const uint32_t match = pio | ISLET_IOEVENTFD_FLAG_DATAMATCH;
	const uint32_t deassign = ISLET_IOEVENTFD_FLAG_DEASSIGN;
	struct islet_ioeventfd e;

	expect_ioeventfd(vm, ioeventfd(efd, pio, GUEST_PORT_EVFD, 0, 0),
			 EINVAL, "with length 0");
	expect_ioeventfd(vm, ioeventfd(efd, pio, GUEST_PORT_EVFD, 3, 0),
			 EINVAL, "with length 3");
	expect_ioeventfd(vm, ioeventfd(efd, pio, GUEST_PORT_EVFD, 16, 0),
			 EINVAL, "with length 16");
	expect_ioeventfd(vm, ioeventfd(efd, pio | 0x80, GUEST_PORT_EVFD, 4, 0),
			 EINVAL, "with flag 0x80 (undefined)");
	expect_ioeventfd(vm, ioeventfd(efd, pio, 0x10000, 4, 0), EINVAL,
			 "on port 0x10000 (no such port)");
	expect_ioeventfd(vm, ioeventfd(efd, 0, 0xfffffffffffffffeULL, 4, 0),
			 EINVAL, "on an MMIO range that wraps");
	e = ioeventfd(efd, pio, GUEST_PORT_EVFD, 4, 0);
	e.reserved = 1;
	expect_ioeventfd(vm, e, EINVAL, "with reserved non-zero");
	expect_ioeventfd(vm, ioeventfd(closed, pio, GUEST_PORT_EVFD, 4, 0),
			 EBADF, "with a closed file descriptor");
	expect_ioeventfd(vm, ioeventfd(-1, pio, GUEST_PORT_EVFD, 4, 0),
			 EBADF, "with fd 0xffffffff");
	expect_ioeventfd(vm, ioeventfd(notfd, pio, GUEST_PORT_EVFD, 4, 0),
			 EINVAL, "with a file that is not an eventfd");

	expect_ioeventfd(vm, ioeventfd(efd, pio, GUEST_PORT_EVFD, 4, 0), 0,
			 "on a port");
	expect_ioeventfd(vm, ioeventfd(efd, pio, GUEST_PORT_EVFD, 4, 0),
			 EEXIST, "on the same port again");
	expect_ioeventfd(vm, ioeventfd(efd, match, GUEST_PORT_EVFD_MATCH, 4, 1),
			 0, "matching 1 on another port");
	expect_ioeventfd(vm, ioeventfd(efd, match, GUEST_PORT_EVFD_MATCH, 4, 2),
			 0, "matching 2 on that port");
	expect_ioeventfd(vm, ioeventfd(efd, match, GUEST_PORT_EVFD_MATCH, 4, 2),
			 EEXIST, "matching 2 on that port again");
	expect_ioeventfd(vm, ioeventfd(efd, deassign | pio, GUEST_PORT_SYNC, 4,
				       0), ENOENT, "deassign of one never "
			 "assigned");
	expect_ioeventfd(vm, ioeventfd(efd, deassign | pio, GUEST_PORT_EVFD, 4,
				       0), 0, "deassign");
	expect_ioeventfd(vm, ioeventfd(efd, deassign | pio, GUEST_PORT_EVFD, 4,
				       0), ENOENT, "deassign again");
	expect_ioeventfd(vm, ioeventfd(efd, pio, GUEST_PORT_EVFD, 4, 0), 0,
			 "on the port again after the deassign");
}

static struct islet_irqfd irqfd(int efd, uint32_t flags)
{
	struct islet_irqfd f;

	memset(&f, 0, sizeof(f));
	f.fd = efd;
	f.flags = flags;
	f.msi.msi_addr = 0xfee00000;
	f.msi.msi_data = 0x31;
	return f;
}

static void expect_irqfd(struct hsm_vm *vm, struct islet_irqfd f, int want,
			 const char *what)
{
	check_errno(hsm_ioctl(vm->fd, ISLET_IOCTL_IRQFD, &f), want, "IRQFD %s",
		    what);
}

static void irqfd_refusals(struct hsm_vm *vm, int efd, int closed, int notfd)
{
	expect_irqfd(vm, irqfd(efd, 0x2), EINVAL, "with flag 0x2 (undefined)");
	expect_irqfd(vm, irqfd(closed, 0), EBADF, "with a closed file "
		     "descriptor");
	expect_irqfd(vm, irqfd(-1, 0), EBADF, "with fd -1");
	expect_irqfd(vm, irqfd(notfd, 0), EINVAL, "with a file that is not "
		     "an eventfd");
	expect_irqfd(vm, irqfd(efd, ISLET_IRQFD_FLAG_DEASSIGN), ENOENT,
		     "deassign of one never assigned");
}

void bad_input_eventfds(void)
{
	int efd, closed, notfd;
	uint64_t pm[8];
	struct hsm_vm vm;

	step("IOEVENTFD, IRQFD, SET_IRQLINE, PM_GET_CPU_STATE refusals");
	vm_create(&vm, test_cpu(0), 0);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	closed = eventfd(0, EFD_CLOEXEC);
	require(efd >= 0 && closed >= 0, "eventfd: %s", strerror(errno));
	close(closed);
	/* Another file, not an eventfd: the HSM's own. */
	notfd = vm.fd;

	ioeventfd_refusals(&vm, efd, closed, notfd);
	irqfd_refusals(&vm, efd, closed, notfd);

	check_errno(hsm_ioctl_value(vm.fd, ISLET_IOCTL_SET_IRQLINE,
				    ISLET_IRQLINE(4, 4)), EINVAL,
		    "SET_IRQLINE with operation 4 (no such operation)");
	check_errno(hsm_ioctl_value(vm.fd, ISLET_IOCTL_SET_IRQLINE,
				    ISLET_IRQLINE(4, 0xffffffffU)), EINVAL,
		    "SET_IRQLINE with operation 0xffffffff");

	memset(pm, 0, sizeof(pm));
	pm[0] = (uint64_t)vm.vmid << ISLET_PMCMD_VMID_SHIFT | 0x7f;
	check_errno(hsm_ioctl(vm.fd, ISLET_IOCTL_PM_GET_CPU_STATE, pm), EINVAL,
		    "PM_GET_CPU_STATE with request type 0x7f (no such type)");

	close(efd);
	vm_close(&vm);
}
