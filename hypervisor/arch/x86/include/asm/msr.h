/* MSR numbers and the rdmsr/wrmsr accessors. */
#ifndef ISLET_ASM_MSR_H
#define ISLET_ASM_MSR_H

#include "types.h"

#define MSR_IA32_FEATURE_CONTROL	0x03a
#define  FEATURE_CONTROL_LOCKED		BIT(0)
#define  FEATURE_CONTROL_VMX_IN_SMX	BIT(1)
#define  FEATURE_CONTROL_VMX_OUTSIDE_SMX BIT(2)
#define MSR_IA32_SYSENTER_CS		0x174
#define MSR_IA32_SYSENTER_ESP		0x175
#define MSR_IA32_SYSENTER_EIP		0x176
#define MSR_IA32_PAT			0x277
#define MSR_IA32_VMX_BASIC		0x480
#define MSR_IA32_VMX_PINBASED_CTLS	0x481
#define MSR_IA32_VMX_PROCBASED_CTLS	0x482
#define MSR_IA32_VMX_EXIT_CTLS		0x483
#define MSR_IA32_VMX_ENTRY_CTLS		0x484
#define MSR_IA32_VMX_MISC		0x485
#define MSR_IA32_VMX_CR0_FIXED0		0x486
#define MSR_IA32_VMX_CR0_FIXED1		0x487
#define MSR_IA32_VMX_CR4_FIXED0		0x488
#define MSR_IA32_VMX_CR4_FIXED1		0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2	0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP	0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS	0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS	0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS	0x490
#define MSR_IA32_VMX_VMFUNC		0x491
#define MSR_IA32_EFER			0xc0000080
#define  EFER_SCE			BIT(0)
#define  EFER_LME			BIT(8)
#define  EFER_LMA			BIT(10)
#define  EFER_NXE			BIT(11)
#define MSR_STAR			0xc0000081
#define MSR_LSTAR			0xc0000082
#define MSR_CSTAR			0xc0000083
#define MSR_SFMASK			0xc0000084
#define MSR_FS_BASE			0xc0000100
#define MSR_GS_BASE			0xc0000101
#define MSR_KERNEL_GS_BASE		0xc0000102
#define MSR_TSC_AUX			0xc0000103

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" :: "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
		     : "memory");
}

/* For MSRs that may not exist: a #GP is caught (see fault.c) and turned
 * into -EIO instead of a hypervisor fault. */
static inline int rdmsr_safe(u32 msr, u64 *v)
{
	u32 lo = 0, hi = 0;
	int err = 0;

	asm volatile("1: rdmsr\n2:\n"
		     ".pushsection .text.fixup, \"ax\"\n"
		     "3: movl %[eio], %[err]\n jmp 2b\n.popsection\n"
		     ".pushsection .ex_table, \"a\"\n.balign 8\n"
		     ".quad 1b, 3b\n.popsection"
		     : "+a"(lo), "+d"(hi), [err] "+r"(err)
		     : "c"(msr), [eio] "i"(-EIO));
	*v = ((u64)hi << 32) | lo;
	return err;
}

static inline int wrmsr_safe(u32 msr, u64 v)
{
	int err = 0;

	asm volatile("1: wrmsr\n2:\n"
		     ".pushsection .text.fixup, \"ax\"\n"
		     "3: movl %[eio], %[err]\n jmp 2b\n.popsection\n"
		     ".pushsection .ex_table, \"a\"\n.balign 8\n"
		     ".quad 1b, 3b\n.popsection"
		     : [err] "+r"(err)
		     : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)), [eio] "i"(-EIO)
		     : "memory");
	return err;
}

#endif
