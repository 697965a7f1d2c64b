/* What the core needs from the virtualization vendor code.  One
 * implementation is linked (arch/x86/vmx/); there is no runtime switch. */
#ifndef ISLET_VCPU_VENDOR_H
#define ISLET_VCPU_VENDOR_H

#include "vm.h"
#include "guest_paging.h"

/* What the command line chose ("apicv=off"). */
struct vendor_options {
	bool apicv;		/* use the CPU's APIC virtualization if it has it */
};
/* Check the CPU can run Islet and pick the features to use; on failure
 * fill @why (a sentence). */
int vendor_check(const struct vendor_options *opt, char *why, size_t len);
/* Turn virtualization on for this CPU. */
int vendor_cpu_enable(void);
/* Prepare a VM's second-stage translation after its EPT is built. */
int vendor_vm_init(struct vm *vm);
/* Invalidate cached translations after the VM's EPT changed. */
void vendor_vm_flush(struct vm *vm);

struct vcpu_boot_state {
	bool parked;		/* an AP: halted until the guest INITs it */
	u64 rip, rsi;		/* otherwise: where and with what it starts */
	u64 gdt_base;
	u16 gdt_limit;
};
/* Set up the vCPU to start in 32-bit flat protected mode, paging off
 * (the Linux 32-bit boot protocol), or parked until INIT-SIPI. */
int vendor_vcpu_init(struct vcpu *vcpu, const struct vcpu_boot_state *st);
/* Run the vCPU until it stops; returns only when it cannot continue. */
void vendor_vcpu_run(struct vcpu *vcpu);

/* Start a vCPU held after INIT at the SIPI's real-mode address. */
void vendor_vcpu_sipi(struct vcpu *vcpu, u8 vector);

/* What instruction decoding needs from the vCPU's state. */
struct vcpu_insn_ctx {
	u64 rip_linear;		/* CS base + RIP */
	bool long_mode;		/* 64-bit code segment */
	bool def32;		/* CS.D outside long mode */
	u8 cpl;
	struct guest_paging paging;
};
void vendor_insn_ctx(struct vcpu *vcpu, struct vcpu_insn_ctx *ctx);
u64 vendor_gpr(struct vcpu *vcpu, unsigned n);	/* x86 register number */
/* Base of segment register @seg (x86 encoding: ES, CS, SS, DS, FS, GS). */
u64 vendor_seg_base(struct vcpu *vcpu, unsigned seg);
void vendor_advance_rip(struct vcpu *vcpu, u64 len);

void vendor_set_gpr(struct vcpu *vcpu, unsigned n, u64 val);
/* A #PF for the guest at its next entry: CR2 @addr, error code @err. */
void vendor_inject_page_fault(struct vcpu *vcpu, u64 addr, u32 err);
u64 vendor_rflags(struct vcpu *vcpu);
void vendor_set_rflags(struct vcpu *vcpu, u64 rflags);

/* User VM vCPUs on a CPU the Service VM gave up (arch/x86/vmx/user_vmx.c):
 * make this CPU take kick IPIs; run the vCPU until user_vcpu_pre_entry()
 * says stop or it fails (then reported through user_vcpu_failed()); drop
 * its VMCS and every cached translation of its VM. */
void vendor_user_cpu_init(void);
void vendor_user_vcpu_run(struct vcpu *v);
void vendor_user_vcpu_release(struct vcpu *v);
/* A User VM's virtual platform (core/vplatform.c): what the vendor code
 * adds to it (the APIC-access page), and its release. */
int vendor_vplatform_init(struct vm *vm);
void vendor_vplatform_release(struct vm *vm);

/* For the User VM CPU model (core/cpu_model.c), which has checked @msr
 * and @val against its policy: MSRs whose value the vendor code keeps (a
 * VMCS guest-state field, or the CPU's own MSR while the vCPU runs on it),
 * that act on the CPU (PRED_CMD, FLUSH_CMD) or describe it
 * (ARCH_CAPABILITIES).  0, or -EINVAL when the CPU refused (#GP). */
int vendor_msr_read(struct vcpu *v, u32 msr, u64 *val);
int vendor_msr_write(struct vcpu *v, u32 msr, u64 val);
/* CR0 or CR4 (@n) as the guest sees them. */
u64 vendor_guest_cr(struct vcpu *v, unsigned n);
/* From the next VM entry on: guest TSC = host TSC + @offset. */
void vendor_set_tsc_offset(struct vcpu *v, u64 offset);

/* Name of exit reason @r, for reports. */
const char *vendor_exit_name(u32 r);

#endif
