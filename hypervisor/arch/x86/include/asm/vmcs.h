/* VMCS field encodings and typed accessors.  The accessor width is checked
 * against the encoding at compile time (bits 14:13 of a field encode its
 * width), and no VMfail is ignored: a failed VMREAD/VMWRITE is a hypervisor
 * bug that would leave a VM in an unknown state, so it panics with the
 * field and the VM-instruction error. */
#ifndef ISLET_ASM_VMCS_H
#define ISLET_ASM_VMCS_H

#include "types.h"

/* 16-bit */
#define VMCS_VPID			0x0000
#define VMCS_GUEST_ES_SEL		0x0800
#define VMCS_GUEST_CS_SEL		0x0802
#define VMCS_GUEST_SS_SEL		0x0804
#define VMCS_GUEST_DS_SEL		0x0806
#define VMCS_GUEST_FS_SEL		0x0808
#define VMCS_GUEST_GS_SEL		0x080a
#define VMCS_GUEST_LDTR_SEL		0x080c
#define VMCS_GUEST_TR_SEL		0x080e
#define VMCS_GUEST_INTR_STATUS		0x0810	/* RVI | SVI << 8 */
#define VMCS_HOST_ES_SEL		0x0c00
#define VMCS_HOST_CS_SEL		0x0c02
#define VMCS_HOST_SS_SEL		0x0c04
#define VMCS_HOST_DS_SEL		0x0c06
#define VMCS_HOST_FS_SEL		0x0c08
#define VMCS_HOST_GS_SEL		0x0c0a
#define VMCS_HOST_TR_SEL		0x0c0c
/* 64-bit */
#define VMCS_IO_BITMAP_A		0x2000
#define VMCS_IO_BITMAP_B		0x2002
#define VMCS_MSR_BITMAP			0x2004
#define VMCS_TSC_OFFSET			0x2010
#define VMCS_VIRTUAL_APIC_ADDR		0x2012
#define VMCS_APIC_ACCESS_ADDR		0x2014
#define VMCS_EPT_POINTER		0x201a
#define VMCS_EOI_EXIT_BITMAP0		0x201c	/* vectors 0-63 */
#define VMCS_EOI_EXIT_BITMAP1		0x201e
#define VMCS_EOI_EXIT_BITMAP2		0x2020
#define VMCS_EOI_EXIT_BITMAP3		0x2022
#define VMCS_GUEST_PHYS_ADDR		0x2400
#define VMCS_LINK_POINTER		0x2800
#define VMCS_GUEST_IA32_PAT		0x2804
#define VMCS_GUEST_IA32_EFER		0x2806
#define VMCS_HOST_IA32_PAT		0x2c00
#define VMCS_HOST_IA32_EFER		0x2c02
/* 32-bit */
#define VMCS_PIN_CONTROLS		0x4000
#define VMCS_PROC_CONTROLS		0x4002
#define VMCS_EXCEPTION_BITMAP		0x4004
#define VMCS_CR3_TARGET_COUNT		0x400a
#define VMCS_EXIT_CONTROLS		0x400c
#define VMCS_EXIT_MSR_STORE_COUNT	0x400e
#define VMCS_EXIT_MSR_LOAD_COUNT	0x4010
#define VMCS_ENTRY_CONTROLS		0x4012
#define VMCS_ENTRY_MSR_LOAD_COUNT	0x4014
#define VMCS_ENTRY_INTR_INFO		0x4016
#define VMCS_ENTRY_EXCEPTION_ERRCODE	0x4018
#define VMCS_ENTRY_INSTR_LEN		0x401a
#define VMCS_TPR_THRESHOLD		0x401c
#define VMCS_PROC_CONTROLS2		0x401e
#define VMCS_INSTR_ERROR		0x4400
#define VMCS_EXIT_REASON		0x4402
#define VMCS_EXIT_INTR_INFO		0x4404
#define VMCS_EXIT_INTR_ERRCODE		0x4406
#define VMCS_IDT_VECTORING_INFO		0x4408
#define VMCS_IDT_VECTORING_ERRCODE	0x440a
#define VMCS_EXIT_INSTR_LEN		0x440c
#define VMCS_EXIT_INSTR_INFO		0x440e
#define VMCS_GUEST_ES_LIMIT		0x4800
#define VMCS_GUEST_CS_LIMIT		0x4802
#define VMCS_GUEST_SS_LIMIT		0x4804
#define VMCS_GUEST_DS_LIMIT		0x4806
#define VMCS_GUEST_FS_LIMIT		0x4808
#define VMCS_GUEST_GS_LIMIT		0x480a
#define VMCS_GUEST_LDTR_LIMIT		0x480c
#define VMCS_GUEST_TR_LIMIT		0x480e
#define VMCS_GUEST_GDTR_LIMIT		0x4810
#define VMCS_GUEST_IDTR_LIMIT		0x4812
#define VMCS_GUEST_ES_AR		0x4814
#define VMCS_GUEST_CS_AR		0x4816
#define VMCS_GUEST_SS_AR		0x4818
#define VMCS_GUEST_DS_AR		0x481a
#define VMCS_GUEST_FS_AR		0x481c
#define VMCS_GUEST_GS_AR		0x481e
#define VMCS_GUEST_LDTR_AR		0x4820
#define VMCS_GUEST_TR_AR		0x4822
#define VMCS_GUEST_INTERRUPTIBILITY	0x4824
#define VMCS_GUEST_ACTIVITY_STATE	0x4826
#define VMCS_GUEST_SYSENTER_CS		0x482a
#define VMCS_PREEMPTION_TIMER		0x482e
#define VMCS_HOST_SYSENTER_CS		0x4c00
/* natural width */
#define VMCS_CR0_MASK			0x6000
#define VMCS_CR4_MASK			0x6002
#define VMCS_CR0_READ_SHADOW		0x6004
#define VMCS_CR4_READ_SHADOW		0x6006
#define VMCS_EXIT_QUALIFICATION		0x6400
#define VMCS_GUEST_LINEAR_ADDR		0x640a
#define VMCS_GUEST_CR0			0x6800
#define VMCS_GUEST_CR3			0x6802
#define VMCS_GUEST_CR4			0x6804
#define VMCS_GUEST_ES_BASE		0x6806
#define VMCS_GUEST_CS_BASE		0x6808
#define VMCS_GUEST_SS_BASE		0x680a
#define VMCS_GUEST_DS_BASE		0x680c
#define VMCS_GUEST_FS_BASE		0x680e
#define VMCS_GUEST_GS_BASE		0x6810
#define VMCS_GUEST_LDTR_BASE		0x6812
#define VMCS_GUEST_TR_BASE		0x6814
#define VMCS_GUEST_GDTR_BASE		0x6816
#define VMCS_GUEST_IDTR_BASE		0x6818
#define VMCS_GUEST_DR7			0x681a
#define VMCS_GUEST_RSP			0x681c
#define VMCS_GUEST_RIP			0x681e
#define VMCS_GUEST_RFLAGS		0x6820
#define VMCS_GUEST_PENDING_DBG		0x6822
#define VMCS_GUEST_SYSENTER_ESP		0x6824
#define VMCS_GUEST_SYSENTER_EIP		0x6826
#define VMCS_HOST_CR0			0x6c00
#define VMCS_HOST_CR3			0x6c02
#define VMCS_HOST_CR4			0x6c04
#define VMCS_HOST_FS_BASE		0x6c06
#define VMCS_HOST_GS_BASE		0x6c08
#define VMCS_HOST_TR_BASE		0x6c0a
#define VMCS_HOST_GDTR_BASE		0x6c0c
#define VMCS_HOST_IDTR_BASE		0x6c0e
#define VMCS_HOST_SYSENTER_ESP		0x6c10
#define VMCS_HOST_SYSENTER_EIP		0x6c12
#define VMCS_HOST_RSP			0x6c14
#define VMCS_HOST_RIP			0x6c16

#define VMCS_WIDTH(f)	(((f) >> 13) & 3)
#define VMCS_W16	0
#define VMCS_W64	1
#define VMCS_W32	2
#define VMCS_WNAT	3

/* Out of line: they report the failing field before panicking. */
__noreturn void vmcs_fail(const char *op, u32 field);

static inline u64 __vmcs_read(u32 field)
{
	u64 v;
	bool ok;

	asm volatile("vmread %2, %1" : "=@cca"(ok), "=r"(v) : "r"((u64)field)
		     : "cc");
	if (!ok)
		vmcs_fail("vmread", field);
	return v;
}

static inline void __vmcs_write(u32 field, u64 v)
{
	bool ok;

	asm volatile("vmwrite %2, %1" : "=@cca"(ok) : "r"((u64)field), "rm"(v)
		     : "cc");
	if (!ok)
		vmcs_fail("vmwrite", field);
}

#define VMCS_CHECK(f, w) \
	_Static_assert(VMCS_WIDTH(f) == (w), "VMCS accessor width mismatch")

#define vmcs_read16(f)	 ({ VMCS_CHECK(f, VMCS_W16);  (u16)__vmcs_read(f); })
#define vmcs_read32(f)	 ({ VMCS_CHECK(f, VMCS_W32);  (u32)__vmcs_read(f); })
#define vmcs_read64(f)	 ({ VMCS_CHECK(f, VMCS_W64);  __vmcs_read(f); })
#define vmcs_readnat(f)	 ({ VMCS_CHECK(f, VMCS_WNAT); __vmcs_read(f); })
#define vmcs_write16(f, v)  ({ VMCS_CHECK(f, VMCS_W16);  __vmcs_write(f, (u16)(v)); })
#define vmcs_write32(f, v)  ({ VMCS_CHECK(f, VMCS_W32);  __vmcs_write(f, (u32)(v)); })
#define vmcs_write64(f, v)  ({ VMCS_CHECK(f, VMCS_W64);  __vmcs_write(f, (u64)(v)); })
#define vmcs_writenat(f, v) ({ VMCS_CHECK(f, VMCS_WNAT); __vmcs_write(f, (u64)(v)); })

#endif
