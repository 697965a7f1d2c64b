/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libislet: the C API for running a User VM on Islet from the Service VM,
 * over /dev/acrn_hsm (the upstream ACRN ioctl ABI, <islet/hsm.h>).  It is
 * the API for custom device backends; islet-dm is built on it.  Reference:
 * doc/devicemodel.md, "libislet".
 *
 * A VM's life, in calls:
 *
 *   struct islet_vm *vm;
 *   islet_vm_create(&params, &vm);          one VM, one vCPU per CPU of
 *                                           params.cpu_affinity
 *   ram = islet_mem_alloc(len);             memory the guest will own
 *   islet_vm_map_ram(vm, 0, ram, len);      ... at guest-physical 0
 *   islet_vcpu_set_regs(vm, 0, &regs);      where vCPU 0 starts (the
 *                                           others wait for INIT-SIPI)
 *   islet_ioreq_client_create(vm);          the device model serves I/O
 *   islet_vm_start(vm);
 *   -- in one thread per vCPU:
 *   while (!islet_ioreq_wait(vm, vcpu, &req)) {
 *           ... emulate *req (a read's value goes into it) ...
 *           islet_ioreq_complete(vm, vcpu);
 *   }
 *   islet_vm_close(vm);                     destroys the VM; its CPUs go
 *                                           back to the hypervisor's pool
 *
 * Conventions.  Functions that can fail return 0 or a negative errno (the
 * ioctl's, or EINVAL for arguments the library refuses before asking the
 * kernel); they never print and never exit.  A struct islet_vm is used by
 * one thread for set-up and tear-down; islet_ioreq_wait/complete, the
 * interrupt calls and islet_vm_pause may be called from any thread at any
 * time between create and close.  Guest-physical addresses are uint64_t.
 */
#ifndef LIBISLET_H
#define LIBISLET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <islet/hsm.h>
#include <islet/hypercall.h>
#include <islet/ioreq.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The HSM's device node. */
#define ISLET_HSM_DEVICE	"/dev/acrn_hsm"

struct islet_vm;

/* ---- Life cycle ----------------------------------------------------- */

struct islet_vm_params {
	/* Physical CPUs the Service VM gave up (bit n = CPU n); the VM gets
	 * one vCPU per set bit, vCPU 0 on the lowest. */
	uint64_t cpu_affinity;
	/* The VM's UUID (ACRN's vm uuid); may be all zeros. */
	uint8_t uuid[16];
	/* ISLET_VM_FLAG_*; the hypervisor refuses bits it lacks. */
	uint64_t flags;
};

/*
 * Opens the HSM, allocates the VM's I/O request page and creates the VM.
 * -ENOENT: no /dev/acrn_hsm (module not loaded); -EINVAL: a CPU of the
 * affinity is not given up, or a bad flag; -EBUSY: a CPU is another VM's.
 */
int islet_vm_create(const struct islet_vm_params *params,
		    struct islet_vm **vm);
/* Destroys the VM (closing the HSM file does it), frees what the library
 * allocated.  Memory from islet_mem_alloc() is the caller's to free. */
void islet_vm_close(struct islet_vm *vm);

uint16_t islet_vm_id(const struct islet_vm *vm);
unsigned int islet_vm_vcpu_count(const struct islet_vm *vm);
/* The HSM file, for ioctls the library does not wrap. */
int islet_vm_fd(const struct islet_vm *vm);

int islet_vm_start(struct islet_vm *vm);
/* Stops every vCPU; a paused VM can be reset or started again. */
int islet_vm_pause(struct islet_vm *vm);
/* A paused VM back to its power-on state: every slot FREE, vCPU 0 waiting
 * for registers, the others for INIT-SIPI.  Memory stays mapped. */
int islet_vm_reset(struct islet_vm *vm);

/* ---- Memory and vCPU state ------------------------------------------ */

/* @len bytes (a multiple of 4 KiB) of zeroed anonymous memory for guest
 * RAM; NULL with errno set on failure.  Free with islet_mem_free(). */
void *islet_mem_alloc(size_t len);
void islet_mem_free(void *mem, size_t len);

/* Guest RAM at @gpa, backed by @mem (page aligned, @len a multiple of
 * 4 KiB): the HSM pins the pages for the VM's life.  -EINVAL also for a
 * range over the hypervisor's own emulated pages (LAPIC, IOAPIC). */
int islet_vm_map_ram(struct islet_vm *vm, uint64_t gpa, void *mem,
		     uint64_t len);
int islet_vm_unmap_ram(struct islet_vm *vm, uint64_t gpa, void *mem,
		       uint64_t len);

/* The initial state of vCPU @vcpu (before start, or after reset). */
int islet_vcpu_set_regs(struct islet_vm *vm, unsigned int vcpu,
			const struct islet_regs *regs);
/* Fills @regs for real mode at CS 0, IP @ip, SP @sp, interrupts off:
 * the simplest start for code copied into the first 64 KiB of RAM. */
void islet_regs_real_mode(struct islet_regs *regs, uint16_t ip, uint16_t sp);

/* ---- Interrupts ----------------------------------------------------- */

/* GSI @gsi of the VM's vIOAPIC/vPIC: ISLET_IRQLINE_SET_HIGH, _SET_LOW,
 * _RAISING_PULSE or _FALLING_PULSE. */
int islet_vm_set_irqline(struct islet_vm *vm, uint32_t gsi, uint32_t op);
/* An MSI as a PCI device would write it. */
int islet_vm_inject_msi(struct islet_vm *vm, uint64_t addr, uint64_t data);

/* ioeventfd: a guest write of @len bytes (1, 2, 4, 8) to port or MMIO
 * address @addr, equal to @data when @datamatch, signals @fd in the
 * kernel; the request never reaches the device model. */
struct islet_ioeventfd_params {
	int fd;
	bool pio;
	bool datamatch;
	uint32_t len;
	uint64_t addr;
	uint64_t data;
};
int islet_vm_ioeventfd(struct islet_vm *vm,
		       const struct islet_ioeventfd_params *p, bool assign);
/* irqfd: a write to eventfd @fd injects MSI (@addr, @data). */
int islet_vm_irqfd(struct islet_vm *vm, int fd, uint64_t addr,
		   uint64_t data, bool assign);

/* ---- I/O requests --------------------------------------------------- */

/* The device model's request client: without it, accesses nothing
 * emulates complete at once (reads return all-ones). */
int islet_ioreq_client_create(struct islet_vm *vm);
/* Takes the client away: every islet_ioreq_wait() returns -ENODEV, which
 * is how a device model stops its vCPU threads. */
int islet_ioreq_client_destroy(struct islet_vm *vm);
/* Before a reset of a paused VM: completes whatever is still pending. */
int islet_ioreq_clear(struct islet_vm *vm);

/*
 * Blocks until vCPU @vcpu's slot holds a request for the device model and
 * points @req at it.  The request is the caller's until
 * islet_ioreq_complete(): a read's result goes into its value field.
 * -ENODEV: the client or the VM went away; -EINTR: a signal.
 */
int islet_ioreq_wait(struct islet_vm *vm, unsigned int vcpu,
		     struct islet_io_request **req);
/* Hands slot @vcpu back; the vCPU resumes. */
int islet_ioreq_complete(struct islet_vm *vm, unsigned int vcpu);

/* Was @req the hypervisor's report that the VM stopped or the guest asked
 * for S5 (an SLP_EN | SLP_TYP(S5) write to the PM1a control port)? */
bool islet_ioreq_is_poweroff(const struct islet_io_request *req);

/*
 * A serving loop for simple backends: waits on slot @vcpu and calls
 * @handle for each request, then completes it, until @handle returns
 * non-zero (returned) or waiting fails (its negative errno returned).
 */
typedef int (*islet_ioreq_handler)(struct islet_vm *vm, unsigned int vcpu,
				   struct islet_io_request *req, void *ctx);
int islet_ioreq_serve(struct islet_vm *vm, unsigned int vcpu,
		      islet_ioreq_handler handle, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* LIBISLET_H */
