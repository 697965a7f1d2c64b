// SPDX-License-Identifier: BSD-3-Clause
/*
 * libislet: a VM's life cycle, memory and vCPU state (libislet.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libislet.h"
#include "libislet_int.h"

int islet_ioctl(struct islet_vm *vm, unsigned long cmd, const void *arg)
{
	int ret;

	do {
		ret = ioctl(vm->fd, cmd, arg);
	} while (ret < 0 && errno == EINTR && cmd != ISLET_IOCTL_ATTACH_IOREQ_VCPU);
	return ret < 0 ? -errno : 0;
}

int islet_vm_create(const struct islet_vm_params *params,
		    struct islet_vm **out)
{
	struct islet_vm_creation c;
	struct islet_vm *vm;
	int err;

	*out = NULL;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->fd = open(ISLET_HSM_DEVICE, O_RDWR | O_CLOEXEC);
	if (vm->fd < 0) {
		err = -errno;
		goto err_free;
	}
	vm->ioreq = mmap(NULL, ISLET_IO_REQUEST_PAGE_SIZE,
			 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	if (vm->ioreq == MAP_FAILED) {
		err = -errno;
		goto err_close;
	}
	/* The HSM pins it: touch it first so that it is a real page. */
	memset(vm->ioreq, 0, ISLET_IO_REQUEST_PAGE_SIZE);

	memset(&c, 0, sizeof(c));
	memcpy(c.uuid, params->uuid, sizeof(c.uuid));
	c.vm_flag = params->flags;
	c.ioreq_buf = (uint64_t)(uintptr_t)vm->ioreq;
	c.cpu_affinity = params->cpu_affinity;
	err = islet_ioctl(vm, ISLET_IOCTL_CREATE_VM, &c);
	if (err)
		goto err_unmap;
	vm->vmid = c.vmid;
	vm->vcpus = c.vcpu_num;
	*out = vm;
	return 0;

err_unmap:
	munmap(vm->ioreq, ISLET_IO_REQUEST_PAGE_SIZE);
err_close:
	close(vm->fd);
err_free:
	free(vm);
	return err;
}

void islet_vm_close(struct islet_vm *vm)
{
	if (!vm)
		return;
	close(vm->fd);
	munmap(vm->ioreq, ISLET_IO_REQUEST_PAGE_SIZE);
	free(vm);
}

uint16_t islet_vm_id(const struct islet_vm *vm)
{
	return vm->vmid;
}

unsigned int islet_vm_vcpu_count(const struct islet_vm *vm)
{
	return vm->vcpus;
}

int islet_vm_fd(const struct islet_vm *vm)
{
	return vm->fd;
}

int islet_vm_start(struct islet_vm *vm)
{
	return islet_ioctl(vm, ISLET_IOCTL_START_VM, NULL);
}

int islet_vm_pause(struct islet_vm *vm)
{
	return islet_ioctl(vm, ISLET_IOCTL_PAUSE_VM, NULL);
}

int islet_vm_reset(struct islet_vm *vm)
{
	return islet_ioctl(vm, ISLET_IOCTL_RESET_VM, NULL);
}

void *islet_mem_alloc(size_t len)
{
	void *mem;

	if (!len || (len & 0xfff)) {
		errno = EINVAL;
		return NULL;
	}
	/* Not MAP_NORESERVE: the HSM pins every page anyway, and a guest
	 * that cannot get its memory should fail here, not later. */
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return mem == MAP_FAILED ? NULL : mem;
}

void islet_mem_free(void *mem, size_t len)
{
	if (mem)
		munmap(mem, len);
}

static int memseg(struct islet_vm *vm, unsigned long cmd, uint64_t gpa,
		  void *mem, uint64_t len)
{
	struct islet_vm_memmap m;

	if (((uintptr_t)mem | gpa | len) & 0xfff || !len)
		return -EINVAL;
	memset(&m, 0, sizeof(m));
	m.type = ISLET_MEMMAP_RAM;
	m.attr = ISLET_MEM_ACCESS_RWX;
	m.user_vm_pa = gpa;
	m.vma_base = (uint64_t)(uintptr_t)mem;
	m.len = len;
	return islet_ioctl(vm, cmd, &m);
}

int islet_vm_map_ram(struct islet_vm *vm, uint64_t gpa, void *mem,
		     uint64_t len)
{
	return memseg(vm, ISLET_IOCTL_SET_MEMSEG, gpa, mem, len);
}

int islet_vm_unmap_ram(struct islet_vm *vm, uint64_t gpa, void *mem,
		       uint64_t len)
{
	return memseg(vm, ISLET_IOCTL_UNSET_MEMSEG, gpa, mem, len);
}

int islet_vcpu_set_regs(struct islet_vm *vm, unsigned int vcpu,
			const struct islet_regs *regs)
{
	struct islet_vcpu_regs r;

	if (vcpu >= vm->vcpus)
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.vcpu_id = (uint16_t)vcpu;
	r.vcpu_regs = *regs;
	return islet_ioctl(vm, ISLET_IOCTL_SET_VCPU_REGS, &r);
}

void islet_regs_real_mode(struct islet_regs *regs, uint16_t ip, uint16_t sp)
{
	memset(regs, 0, sizeof(*regs));
	regs->rip = ip;
	regs->cr0 = 0x10;		/* ET; PE clear */
	regs->cs_limit = 0xffff;
	regs->cs_ar = 0x9b;		/* present, accessed code */
	regs->gdt.limit = 0xffff;
	regs->idt.limit = 0x3ff;	/* the real-mode vector table */
	regs->rflags = 0x2;		/* the reserved bit; IF clear */
	regs->gprs.rsp = sp;
}
