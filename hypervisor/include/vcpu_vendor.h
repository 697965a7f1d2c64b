/* What the core needs from the virtualization vendor code.  One
 * implementation is linked (arch/x86/vmx/); there is no runtime switch. */
#ifndef ISLET_VCPU_VENDOR_H
#define ISLET_VCPU_VENDOR_H

#include "vm.h"

/* Check the CPU can run Islet; on failure fill @why (a sentence). */
int vendor_check(char *why, size_t len);
/* Turn virtualization on for this CPU. */
int vendor_cpu_enable(void);
/* Prepare a VM's second-stage translation after its EPT is built. */
int vendor_vm_init(struct vm *vm);
/* Invalidate cached translations after the VM's EPT changed. */
void vendor_vm_flush(struct vm *vm);

struct vcpu_boot_state {
	u64 rip, rsi;
	u64 gdt_base;
	u16 gdt_limit;
};
/* Set up the vCPU to start in 32-bit flat protected mode, paging off
 * (the Linux 32-bit boot protocol). */
int vendor_vcpu_init(struct vcpu *vcpu, const struct vcpu_boot_state *st);
/* Run the vCPU until it stops; returns only when it cannot continue. */
void vendor_vcpu_run(struct vcpu *vcpu);

/* Name of exit reason @r, for reports. */
const char *vendor_exit_name(u32 r);

#endif
