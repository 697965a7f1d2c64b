/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bad-input: every class of bad input on every ioctl, with the errno of
 * CONTRACT.md's rules:
 *   a file without a VM                 EINVAL (every ioctl but CREATE_VM)
 *   a bad user pointer                  EFAULT
 *   a reserved field not zero, a bad flag, size, alignment, range or
 *   vCPU id                             EINVAL
 *   a second of something unique        EEXIST (also overlapping memory)
 *   an unknown number, a wrong encoding ENOTTY
 * and after each refusal nothing is left behind: the next good call works.
 * This file: the parts in order, no VM, bad pointers, ioctl numbers.  The
 * other parts: bad_input_create.c (CREATE_VM, including the former
 * hsm-vm-test's checks), bad_input_regs.c (SET_VCPU_REGS),
 * bad_input_memseg.c (SET_MEMSEG, UNSET_MEMSEG), bad_input_run.c (VM
 * states, requests, eventfds, IRQ lines).
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hsm_lib.h"
#include "selftest.h"

/* ---- Arguments that would be right, but for what each check breaks ------- */

union good_arg {
	struct islet_vcpu_regs regs;
	struct islet_msi_entry msi;
	struct islet_ioreq_notify notify;
	struct islet_vm_memmap memmap;
	struct islet_ioeventfd ioeventfd;
	struct islet_irqfd irqfd;
	uint64_t pm[8];		/* the command word; room for any result */
};

enum arg_kind { ARG_NONE, ARG_PTR, ARG_VALUE };

struct ioctl_case {
	const char *name;
	unsigned long cmd;
	enum arg_kind kind;
};

#define CASE(n, kind)	{ #n, ISLET_IOCTL_##n, kind }

/* Every ioctl the HSM implements, but CREATE_VM. */
static const struct ioctl_case vm_ioctls[] = {
	CASE(DESTROY_VM, ARG_NONE),
	CASE(START_VM, ARG_NONE),
	CASE(PAUSE_VM, ARG_NONE),
	CASE(RESET_VM, ARG_NONE),
	CASE(SET_VCPU_REGS, ARG_PTR),
	CASE(INJECT_MSI, ARG_PTR),
	CASE(SET_IRQLINE, ARG_VALUE),
	CASE(NOTIFY_REQUEST_FINISH, ARG_PTR),
	CASE(CREATE_IOREQ_CLIENT, ARG_NONE),
	CASE(ATTACH_IOREQ_CLIENT, ARG_NONE),
	CASE(DESTROY_IOREQ_CLIENT, ARG_NONE),
	CASE(CLEAR_VM_IOREQ, ARG_NONE),
	CASE(SET_MEMSEG, ARG_PTR),
	CASE(UNSET_MEMSEG, ARG_PTR),
	CASE(PM_GET_CPU_STATE, ARG_PTR),
	CASE(IOEVENTFD, ARG_PTR),
	CASE(IRQFD, ARG_PTR),
	CASE(ATTACH_IOREQ_VCPU, ARG_VALUE),
};
#define N_VM_IOCTLS	(sizeof(vm_ioctls) / sizeof(vm_ioctls[0]))

/* A correct argument for @cmd (given a VM @vmid, memory @ram, an eventfd
 * @efd); *value for ARG_VALUE ioctls. */
static void good_arg(unsigned long cmd, union good_arg *a, unsigned long *value,
		     void *ram, int efd, unsigned int vmid)
{
	memset(a, 0, sizeof(*a));
	*value = 0;
	if (cmd == ISLET_IOCTL_SET_VCPU_REGS) {
		vm_guest_regs(GUEST_HANG, NULL, &a->regs);
	} else if (cmd == ISLET_IOCTL_INJECT_MSI) {
		a->msi.msi_addr = 0xfee00000;
		a->msi.msi_data = 0x30;
	} else if (cmd == ISLET_IOCTL_SET_IRQLINE) {
		*value = ISLET_IRQLINE(4, ISLET_IRQLINE_SET_LOW);
	} else if (cmd == ISLET_IOCTL_NOTIFY_REQUEST_FINISH) {
		a->notify.vmid = (uint16_t)vmid;
	} else if (cmd == ISLET_IOCTL_SET_MEMSEG ||
		   cmd == ISLET_IOCTL_UNSET_MEMSEG) {
		a->memmap = hsm_ram(0, ram, GUEST_RAM_SIZE);
	} else if (cmd == ISLET_IOCTL_PM_GET_CPU_STATE) {
		a->pm[0] = (uint64_t)vmid << ISLET_PMCMD_VMID_SHIFT |
			   ISLET_PMCMD_GET_PX_CNT;
	} else if (cmd == ISLET_IOCTL_IOEVENTFD) {
		a->ioeventfd.fd = (uint32_t)efd;
		a->ioeventfd.flags = ISLET_IOEVENTFD_FLAG_PIO;
		a->ioeventfd.addr = GUEST_PORT_EVFD;
		a->ioeventfd.len = 4;
	} else if (cmd == ISLET_IOCTL_IRQFD) {
		a->irqfd.fd = efd;
		a->irqfd.msi.msi_addr = 0xfee00000;
		a->irqfd.msi.msi_data = 0x31;
	}
}

static int call(int fd, const struct ioctl_case *c, const union good_arg *a,
		unsigned long value)
{
	switch (c->kind) {
	case ARG_PTR:
		return hsm_ioctl(fd, c->cmd, a);
	case ARG_VALUE:
		return hsm_ioctl_value(fd, c->cmd, value);
	default:
		return hsm_ioctl(fd, c->cmd, NULL);
	}
}

/* ---- A file without a VM: EINVAL ------------------------------------------- */

static void no_vm_file(int fd, const char *which)
{
	void *ram = hsm_map(GUEST_RAM_SIZE);
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	union good_arg a;
	unsigned long value;
	size_t i;

	require(efd >= 0, "eventfd: %s", strerror(errno));
	for (i = 0; i < N_VM_IOCTLS; i++) {
		good_arg(vm_ioctls[i].cmd, &a, &value, ram, efd, 1);
		check_errno(call(fd, &vm_ioctls[i], &a, value), EINVAL,
			    "%s on %s", vm_ioctls[i].name, which);
	}
	close(efd);
	munmap(ram, GUEST_RAM_SIZE);
}

void bad_input_no_vm(void)
{
	void *page = hsm_map(ISLET_IO_REQUEST_PAGE_SIZE);
	int fd = hsm_open();

	step("ioctls on a file without a VM");
	no_vm_file(fd, "a new file (no VM)");
	if (expect_create_ok(fd, 1ULL << test_cpu(0), page, "a VM to destroy")) {
		check_errno(hsm_ioctl(fd, ISLET_IOCTL_DESTROY_VM, NULL), 0,
			    "DESTROY_VM");
		no_vm_file(fd, "a file whose VM was destroyed");
	}
	close(fd);
	munmap(page, ISLET_IO_REQUEST_PAGE_SIZE);
}

/* ---- Bad pointers: EFAULT -------------------------------------------------- */

void bad_input_pointers(void)
{
	struct hsm_vm vm;
	uint8_t *guard;
	void *bad[3];
	const char *bad_name[3] = {
		"address 8", "a kernel address",
		"a struct running into an unmapped page",
	};
	size_t i, j;
	int fd;

	/* The VM first: its own mappings must not land in the hole below. */
	vm_create(&vm, test_cpu(0), 0);
	/* Two pages, the second unmapped: a struct that starts 4 bytes
	 * before the end of the first runs into it (the smallest, 8). */
	guard = hsm_map(2 * 4096);
	munmap(guard + 4096, 4096);
	bad[0] = (void *)8;
	bad[1] = (void *)0xffff888000000000ULL;
	bad[2] = guard + 4096 - 4;

	step("bad pointers");
	fd = hsm_open();
	memset(bad[2], 0, 4);
	for (j = 0; j < 3; j++)
		check_errno(hsm_ioctl(fd, ISLET_IOCTL_CREATE_VM, bad[j]),
			    EFAULT, "CREATE_VM with %s", bad_name[j]);
	check_errno(hsm_ioctl(fd, ISLET_IOCTL_DESTROY_VM, NULL), EINVAL,
		    "... and the file has no VM");
	close(fd);

	for (i = 0; i < N_VM_IOCTLS; i++) {
		if (vm_ioctls[i].kind != ARG_PTR)
			continue;
		for (j = 0; j < 3; j++)
			check_errno(hsm_ioctl(vm.fd, vm_ioctls[i].cmd, bad[j]),
				    EFAULT, "%s with %s", vm_ioctls[i].name,
				    bad_name[j]);
	}
	vm_close(&vm);
	munmap(guard, 4096);
}

/* ---- Numbers the HSM does not answer: ENOTTY -------------------------------- */

struct islet_bytes16 {
	uint8_t b[16];
};

void bad_input_numbers(void)
{
	static const struct ioctl_case cases[] = {
		{ "number 0x00", _IO(ISLET_IOCTL_TYPE, 0x00), ARG_NONE },
		{ "number 0x7f", _IO(ISLET_IOCTL_TYPE, 0x7f), ARG_NONE },
		{ "number 0xff (past the table)", _IO(ISLET_IOCTL_TYPE, 0xff),
		  ARG_NONE },
		{ "another type, CREATE_VM's number",
		  _IOWR('K', 0x10, struct islet_vm_creation), ARG_PTR },
		{ "CREATE_VM encoded write-only",
		  _IOW(ISLET_IOCTL_TYPE, 0x10, struct islet_vm_creation),
		  ARG_PTR },
		{ "SET_VCPU_REGS with CREATE_VM's size",
		  _IOW(ISLET_IOCTL_TYPE, 0x16, struct islet_vm_creation),
		  ARG_PTR },
		{ "SET_MEMSEG with 8 bytes",
		  _IOW(ISLET_IOCTL_TYPE, 0x41, uint64_t), ARG_PTR },
		{ "SET_MEMSEG with 16 bytes",
		  _IOW(ISLET_IOCTL_TYPE, 0x41, struct islet_bytes16), ARG_PTR },
		{ "SET_MEMSEG encoded read-only",
		  _IOR(ISLET_IOCTL_TYPE, 0x41, struct islet_vm_memmap),
		  ARG_PTR },
		{ "START_VM with an argument size",
		  _IOW(ISLET_IOCTL_TYPE, 0x12, uint32_t), ARG_PTR },
		{ "IOEVENTFD without a size", _IO(ISLET_IOCTL_TYPE, 0x70),
		  ARG_NONE },
	};
	union good_arg arg;
	struct hsm_vm vm;
	size_t i;
	int fd;

	memset(&arg, 0, sizeof(arg));
	step("unknown ioctl numbers and encodings");
	fd = hsm_open();
	vm_create(&vm, test_cpu(0), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_errno(call(fd, &cases[i], &arg, 0), ENOTTY,
			    "%s (0x%08lx) on a file without a VM",
			    cases[i].name, cases[i].cmd);
		check_errno(call(vm.fd, &cases[i], &arg, 0), ENOTTY,
			    "%s (0x%08lx) on a file with a VM",
			    cases[i].name, cases[i].cmd);
	}
	vm_close(&vm);
	close(fd);
}

void test_bad_input(void)
{
	bad_input_no_vm();
	bad_input_create();
	bad_input_pointers();
	bad_input_vcpu_regs();
	bad_input_memseg();
	bad_input_states();
	bad_input_ioreq();
	bad_input_eventfds();
	bad_input_numbers();
}
