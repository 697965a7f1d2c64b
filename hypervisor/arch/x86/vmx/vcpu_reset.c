/* The architectural INIT state of a vCPU, and its start by SIPI. */
#include "lib.h"
#include "vcpu_vendor.h"
#include "vmx.h"
#include <asm/cpu.h>
#include <asm/vmcs.h>

#define ACTIVITY_ACTIVE		0

static void real_mode_segment(u32 sel_f, u32 base_f, u32 limit_f, u32 ar_f,
			      u16 sel, u32 ar)
{
	__vmcs_write(sel_f, sel);
	__vmcs_write(base_f, (u64)sel << 4);
	__vmcs_write(limit_f, 0xffff);
	__vmcs_write(ar_f, ar);
}

/* The architectural state after INIT, with CS:IP as given. */
void vmx_set_reset_state(struct vcpu *vcpu, u16 cs, u64 rip)
{
	struct cpuid_regs r;

	real_mode_segment(VMCS_GUEST_CS_SEL, VMCS_GUEST_CS_BASE,
			  VMCS_GUEST_CS_LIMIT, VMCS_GUEST_CS_AR, cs, 0x9b);
	real_mode_segment(VMCS_GUEST_DS_SEL, VMCS_GUEST_DS_BASE,
			  VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR, 0, 0x93);
	real_mode_segment(VMCS_GUEST_ES_SEL, VMCS_GUEST_ES_BASE,
			  VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR, 0, 0x93);
	real_mode_segment(VMCS_GUEST_SS_SEL, VMCS_GUEST_SS_BASE,
			  VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR, 0, 0x93);
	real_mode_segment(VMCS_GUEST_FS_SEL, VMCS_GUEST_FS_BASE,
			  VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR, 0, 0x93);
	real_mode_segment(VMCS_GUEST_GS_SEL, VMCS_GUEST_GS_BASE,
			  VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR, 0, 0x93);
	real_mode_segment(VMCS_GUEST_TR_SEL, VMCS_GUEST_TR_BASE,
			  VMCS_GUEST_TR_LIMIT, VMCS_GUEST_TR_AR, 0, 0x8b);
	real_mode_segment(VMCS_GUEST_LDTR_SEL, VMCS_GUEST_LDTR_BASE,
			  VMCS_GUEST_LDTR_LIMIT, VMCS_GUEST_LDTR_AR, 0, 0x82);
	vmcs_writenat(VMCS_GUEST_GDTR_BASE, 0);
	vmcs_write32(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmcs_writenat(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write32(VMCS_GUEST_IDTR_LIMIT, 0xffff);
	vmcs_writenat(VMCS_CR0_READ_SHADOW, X86_CR0_ET | X86_CR0_CD | X86_CR0_NW);
	vmcs_writenat(VMCS_GUEST_CR0, X86_CR0_ET | X86_CR0_CD | X86_CR0_NW |
		      X86_CR0_NE);
	vmcs_writenat(VMCS_GUEST_CR3, 0);
	vmcs_writenat(VMCS_CR4_READ_SHADOW, 0);
	vmcs_writenat(VMCS_GUEST_CR4, X86_CR4_VMXE);
	vmcs_write64(VMCS_GUEST_IA32_EFER, 0);
	vmcs_write32(VMCS_ENTRY_CONTROLS,
		     vmcs_read32(VMCS_ENTRY_CONTROLS) & ~ENTRY_IA32E_GUEST);
	vmcs_writenat(VMCS_GUEST_DR7, 0x400);
	vmcs_writenat(VMCS_GUEST_RSP, 0);
	vmcs_writenat(VMCS_GUEST_RIP, rip);
	vmcs_writenat(VMCS_GUEST_RFLAGS, X86_RFLAGS_FIXED);
	/* Bochs saves "blocking by SMI" with an INIT exit, which VM entry
	 * refuses outside SMM. */
	vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_writenat(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write32(VMCS_ENTRY_INTR_INFO, 0);
	memset(&vcpu->regs, 0, sizeof(vcpu->regs));
	cpuid_count(1, 0, &r);
	vcpu->regs.rdx = r.eax;		/* family/model/stepping, as at reset */
}

/* An INIT holds the vCPU in the hypervisor until its VM sends a SIPI
 * (vcpu_start.c); then it starts in real mode at the SIPI's page, as the
 * hardware would.  The wait-for-SIPI activity state is not used: Bochs
 * re-delivers the INIT after a SIPI exit, and the hypervisor sees the
 * guest's SIPIs itself anyway. */
int vmx_handle_init(struct vcpu *vcpu)
{
	int vec;

	/* A User VM's CPU gets no physical INIT meant for its guest (its
	 * start-up IPIs are virtual); one left pending from the give-up of
	 * the CPU exits at its first VM entry and means nothing. */
	if (!vcpu->vm->privileged)
		return 0;
	vec = vcpu_wait_for_sipi(vcpu);
	if (vec < 0)
		user_cpu_loop(vcpu->pcpu);
	vendor_vcpu_sipi(vcpu, (u8)vec);
	return 0;
}

void vendor_vcpu_sipi(struct vcpu *vcpu, u8 vector)
{
	vmx_set_reset_state(vcpu, (u16)(vector << 8), 0);
	vmcs_write32(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
}
