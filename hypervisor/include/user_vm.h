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

/* On a Service VM CPU, after @sv_vcpu was given up: return once its CPU
 * serves User VMs (user_cpu_loop), kicking it again now and then, since
 * the NMI that stops it can be lost (core/user_vcpu.c). */
void user_cpu_wait_serving(struct vcpu *sv_vcpu);

/* The User VM vCPU that physical CPU @pcpu runs, or NULL. */
struct vcpu *user_vm_cpu_vcpu(u32 pcpu);

/* The life-cycle and request hypercalls (core/user_vm.c). */
s64 hc_start_vm(struct vcpu *vcpu, u64 vmid, u64 unused);
s64 hc_pause_vm(struct vcpu *vcpu, u64 vmid, u64 unused);
s64 hc_reset_vm(struct vcpu *vcpu, u64 vmid, u64 unused);
s64 hc_set_vcpu_regs(struct vcpu *vcpu, u64 vmid, u64 gpa);
s64 hc_set_ioreq_buffer(struct vcpu *vcpu, u64 vmid, u64 gpa);
s64 hc_notify_request_finish(struct vcpu *vcpu, u64 vmid, u64 vcpu_id);
s64 hc_inject_msi(struct vcpu *vcpu, u64 vmid, u64 gpa);
s64 hc_set_irqline(struct vcpu *vcpu, u64 vmid, u64 ops);
s64 hc_pm_get_cpu_state(struct vcpu *vcpu, u64 cmd, u64 gpa);

/* Does the Service VM (@sv) own [gpa, gpa + size) as RAM: mapped to
 * itself in its EPT, E820 RAM, and not the hypervisor's? */
bool service_vm_owns_ram(struct vm *sv, u64 gpa, u64 size);

/* Called by a User VM's CPU when the VM cannot go on (core/user_vcpu.c):
 * stop all its vCPUs, without waiting. */
void user_vm_stop_self(struct vm *vm);

/* The CPU side of a User VM vCPU (core/user_vcpu.c), for the vendor code:
 * before each VM entry (false: leave the guest loop); a port access or an
 * access to unmapped guest-physical memory sent to the Service VM (0 done,
 * 1 abandoned for a stop request, negative: the vCPU cannot go on); the
 * vCPU cannot go on (stops the VM, reports it); MSI vectors to deliver. */
bool user_vcpu_pre_entry(struct vcpu *v);
int user_vcpu_pio(struct vcpu *v, u16 port, u8 size, bool in, u32 *val);
int user_vcpu_mmio(struct vcpu *v, u64 gpa);
void user_vcpu_failed(struct vcpu *v);
/* The guest halted: wait for an interrupt it can take (@irq_wakes: IF
 * set) or a stop request. */
void user_vcpu_halt(struct vcpu *v, bool irq_wakes);
/* Something arrived for @v's virtual LAPIC (any CPU): make its CPU look
 * before it runs the guest on (an IPI that exits the guest, or stays
 * pending until the next VM entry makes it exit at once). */
void user_vcpu_kick_irq(struct vcpu *v);

/* The VM's virtual platform (core/vplatform.c): interrupt controllers
 * and timers, set up at creation (0 or a negative errno), back to their
 * power-on state at HC_RESET_VM.  The management lock is held. */
int vplatform_init(struct vm *vm);
void vplatform_reset(struct vm *vm);
/* Free what vplatform_init() took, once no CPU uses the VM. */
void vplatform_release(struct vm *vm);

/* HC_VM_SET_MEMORY_REGIONS (core/user_vm_mem.c). */
s64 hc_vm_set_memory_regions(struct vcpu *vcpu, u64 gpa, u64 unused);

/* The Service VM's notification device (core/hsm_notify.c): set up its
 * virtual PCI function before the Service VM starts, and deliver its MSI
 * (any CPU, any time; a no-op while the Service VM has not enabled it). */
int hsm_notify_init(struct vm *service_vm);
void hsm_notify_raise(void);

#endif
