/* SPDX-License-Identifier: GPL-2.0 */
/*
 * islet_hsm: hypercalls to the Islet hypervisor.
 *
 * ACRN's convention (<islet/hypercall.h>): vmcall at CPL 0, the id in R8,
 * the first argument in RDI, the second in RSI, the result in RAX (0 or a
 * negative errno); every other register is preserved.  A structure is
 * passed by its physical address (the Service VM is identity-mapped), so
 * it must be in directly mapped memory (kmalloc, never the stack, which
 * may be vmalloc'ed).
 *
 * Only call these on Islet (islet_detect() checks the CPUID signature
 * before its first hypercall): without a hypervisor
 * vmcall raises #UD.
 */
#ifndef ISLET_HSM_HYPERCALL_H
#define ISLET_HSM_HYPERCALL_H

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/types.h>
#include <islet/hypercall.h>

static inline long islet_hypercall1(unsigned long id, unsigned long arg1)
{
	register unsigned long r8 asm("r8") = id;
	long result;

	asm volatile("vmcall"
		     : "=a" (result)
		     : "r" (r8), "D" (arg1)
		     : "memory");
	return result;
}

static inline long islet_hypercall2(unsigned long id, unsigned long arg1,
				    unsigned long arg2)
{
	register unsigned long r8 asm("r8") = id;
	long result;

	asm volatile("vmcall"
		     : "=a" (result)
		     : "r" (r8), "D" (arg1), "S" (arg2)
		     : "memory");
	return result;
}

/* Fills the struct hc_api_version at physical address @version. */
static inline long hcall_get_api_version(phys_addr_t version)
{
	return islet_hypercall1(HC_GET_API_VERSION, version);
}

/*
 * Gives up the Service VM CPU whose local APIC id is @apic_id; Linux must
 * have taken it offline.  -EINVAL: no such CPU, or the boot CPU or the
 * calling one; -EBUSY: already given up.
 */
static inline long hcall_service_vm_offline_cpu(u32 apic_id)
{
	return islet_hypercall1(HC_SERVICE_VM_OFFLINE_CPU, apic_id);
}

/*
 * Creates a User VM from the struct islet_vm_creation at physical address
 * @param (8-byte aligned), and writes its vmid and vcpu_num there.
 * -EINVAL: a reserved field or vm_flag bit set, an empty cpu_affinity, or
 * one naming a CPU the Service VM has not given up; -EBUSY: a CPU of
 * cpu_affinity belongs to another User VM; -ENOSPC: no free VM slot.
 */
static inline long hcall_create_vm(phys_addr_t param)
{
	return islet_hypercall1(HC_CREATE_VM, param);
}

/* Destroys User VM @vmid, freeing its slot and CPUs.  -EINVAL: no such VM. */
static inline long hcall_destroy_vm(u16 vmid)
{
	return islet_hypercall1(HC_DESTROY_VM, vmid);
}

/* The VM life cycle: -EINVAL for no such VM or the wrong state (START
 * needs a created VM with a request buffer, RESET a paused one). */
static inline long hcall_start_vm(u16 vmid)
{
	return islet_hypercall1(HC_START_VM, vmid);
}

static inline long hcall_pause_vm(u16 vmid)
{
	return islet_hypercall1(HC_PAUSE_VM, vmid);
}

static inline long hcall_reset_vm(u16 vmid)
{
	return islet_hypercall1(HC_RESET_VM, vmid);
}

/* The struct islet_vcpu_regs at physical address @regs, for a VM that is
 * not running. */
static inline long hcall_set_vcpu_regs(u16 vmid, phys_addr_t regs)
{
	return islet_hypercall2(HC_SET_VCPU_REGS, vmid, regs);
}

/* The struct islet_set_ioreq_buffer at physical address @buffer. */
static inline long hcall_set_ioreq_buffer(u16 vmid, phys_addr_t buffer)
{
	return islet_hypercall2(HC_SET_IOREQ_BUFFER, vmid, buffer);
}

static inline long hcall_notify_req_finish(u16 vmid, u16 vcpu)
{
	return islet_hypercall2(HC_NOTIFY_REQUEST_FINISH, vmid, vcpu);
}

/* The struct vm_memory_region_batch at physical address @batch. */
static inline long hcall_set_memory_regions(phys_addr_t batch)
{
	return islet_hypercall1(HC_VM_SET_MEMORY_REGIONS, batch);
}

/* The struct islet_msi_entry at physical address @msi. */
static inline long hcall_inject_msi(u16 vmid, phys_addr_t msi)
{
	return islet_hypercall2(HC_INJECT_MSI, vmid, msi);
}

/* @op: ISLET_IRQLINE(gsi, operation), by value. */
static inline long hcall_set_irqline(u16 vmid, u64 op)
{
	return islet_hypercall2(HC_SET_IRQLINE, vmid, op);
}

/* @cmd: an ISLET_PMCMD_* command word; the result goes to physical
 * address @result. */
static inline long hcall_get_cpu_state(u64 cmd, phys_addr_t result)
{
	return islet_hypercall2(HC_PM_GET_CPU_STATE, cmd, result);
}

/*
 * A failed hypercall's result (not 0) as the errno the module returns.
 * The hypervisor answers with negative Linux errnos, passed on as they
 * are, except -ENOTTY (no such hypercall: an older hypervisor), which
 * means EOPNOTSUPP to a caller that made no ioctl.  Anything else is not
 * an errno: -EIO.
 */
static inline int islet_hcall_errno(long ret)
{
	if (ret == -ENOTTY)
		return -EOPNOTSUPP;
	if (ret < 0 && ret >= -MAX_ERRNO)
		return (int)ret;
	return -EIO;
}

#endif /* ISLET_HSM_HYPERCALL_H */
