/* User VMs as the rest of the hypervisor sees them (core/user_vm.c,
 * core/user_vcpu.c, core/user_vm_mem.c, core/ioreq.c). */
#ifndef ISLET_USER_VM_H
#define ISLET_USER_VM_H

#include "vm.h"

#define MAX_USER_VMS	7	/* vmid 1..7; 0 is the Service VM */

/* Highest User VM guest-physical address + 1 (39 bits: 512 GiB). */
#define USER_VM_GPA_LIMIT	(1ULL << 39)

/*
 * The management hypercalls (create, destroy, start, pause, reset, vCPU
 * registers, request buffer, memory regions) run under one lock, taken by
 * user_vm_get() and dropped by user_vm_put().  user_vm_get() returns VM
 * @vmid with the lock held, or NULL (lock not held) if there is no such
 * VM.  The CPUs that run User VM vCPUs never take this lock.
 */
struct vm *user_vm_get(u64 vmid);
void user_vm_put(struct vm *vm);

/* With the lock held, after mappings of @vm were removed or narrowed:
 * returns once no CPU can use a stale translation of @vm's EPT (CPUs
 * running its vCPUs flush before they enter the guest again). */
void user_vm_flush_ept(struct vm *vm);

/* HC_VM_SET_MEMORY_REGIONS (core/user_vm_mem.c). */
s64 hc_vm_set_memory_regions(struct vcpu *vcpu, u64 gpa, u64 unused);

/* The Service VM's notification device (core/hsm_notify.c): set up its
 * virtual PCI function before the Service VM starts, and deliver its MSI
 * (any CPU, any time; a no-op while the Service VM has not enabled it). */
int hsm_notify_init(struct vm *service_vm);
void hsm_notify_raise(void);

#endif
