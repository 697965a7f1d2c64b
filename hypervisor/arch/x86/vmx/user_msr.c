/* The VMX side of the User VM CPU model (core/cpu_model.c decides which
 * MSRs exist and checks the values): where each MSR the policy allows is
 * kept, the MSR bitmap of User VMs, and the TSC offset.
 *
 * An MSR the guest reaches is kept in one of three places:
 *  - a VMCS guest-state field, loaded at VM entry and saved at VM exit
 *    (EFER, PAT, SYSENTER_*, FS and GS bases);
 *  - the CPU's own MSR, which the hypervisor does not use itself and
 *    which the guest reads and writes without exits (STAR, LSTAR, CSTAR,
 *    SFMASK, KERNEL_GS_BASE, TSC_AUX), or which exits so that its value
 *    is checked first (SPEC_CTRL): one vCPU per CPU and no time sharing,
 *    so while the vCPU owns the CPU the MSR is simply the guest's;
 *  - core/cpu_model.c's emulation, for everything else.
 */
#include "lib.h"
#include "vcpu_vendor.h"
#include "vlapic.h"
#include "vmx.h"
#include <asm/cpu.h>
#include <asm/msr.h>
#include <asm/vmcs.h>

/* MSRs whose guest value lives in a VMCS guest-state field. */
static const struct {
	u32 msr, field;
} vmcs_msrs[] = {
	{ MSR_IA32_EFER, VMCS_GUEST_IA32_EFER },
	{ MSR_IA32_PAT, VMCS_GUEST_IA32_PAT },	/* entry/exit load+save PAT */
	{ MSR_IA32_SYSENTER_CS, VMCS_GUEST_SYSENTER_CS },
	{ MSR_IA32_SYSENTER_ESP, VMCS_GUEST_SYSENTER_ESP },
	{ MSR_IA32_SYSENTER_EIP, VMCS_GUEST_SYSENTER_EIP },
	{ MSR_FS_BASE, VMCS_GUEST_FS_BASE },
	{ MSR_GS_BASE, VMCS_GUEST_GS_BASE },
};

/* Passed through in the bitmap (no exit on RDMSR or WRMSR): each is
 * either switched by the VMCS, or left alone by the hypervisor (no
 * SYSCALL, no SWAPGS, no RDTSCP in it) and then cleared before a User VM
 * first runs on the CPU (vmx_user_msrs_clear), so that nothing of the
 * Service VM or of a previous VM on that CPU is seen.  The CPU checks
 * the values (canonical addresses, reserved bits) as without VMX.
 * IA32_TSC (reads would see TSC + offset), EFER and PAT (checked first:
 * a bad PAT fails VM entry), SPEC_CTRL and the rest exit; so does the
 * x2APIC range 0x800-0x8ff, which belongs to the vLAPIC. */
static const struct {
	u32 msr;
	bool vmcs_switched;
} user_pass_msrs[] = {
	{ MSR_IA32_SYSENTER_CS, true },
	{ MSR_IA32_SYSENTER_ESP, true },
	{ MSR_IA32_SYSENTER_EIP, true },
	{ MSR_FS_BASE, true },
	{ MSR_GS_BASE, true },
	{ MSR_KERNEL_GS_BASE, false },
	{ MSR_STAR, false },
	{ MSR_LSTAR, false },
	{ MSR_CSTAR, false },
	{ MSR_SFMASK, false },
	{ MSR_TSC_AUX, false },	/* RDTSCP and RDPID read it, without exits */
};

static u8 user_msr_bitmap[PAGE_SIZE] __aligned(PAGE_SIZE);
static u8 user_msr_bitmap_x2[PAGE_SIZE] __aligned(PAGE_SIZE);
static u32 user_msr_bitmap_state;	/* 0 not built, 1 building, 2 built */

/* Bitmap layout (SDM 24.6.9): read low (0-0x1fff), read high
 * (0xc0000000-0xc0001fff), write low, write high, 1 KiB each; a set bit
 * makes the access exit. */
static void pass(u8 *bm, u32 msr, bool read, bool write)
{
	u32 base = msr >= 0xc0000000 ? 1024 : 0;
	u32 n = msr & 0x1fff;

	if (read)
		bm[base + n / 8] &= (u8)~BIT(n % 8);
	if (write)
		bm[2048 + base + n / 8] &= (u8)~BIT(n % 8);
}

/* In x2APIC mode with APIC virtualization (apicv.c): the CPU reads the
 * registers from the virtual-APIC page, except the timer's current count
 * (computed) and the ICR (the CPU would read its high half at 0x304, the
 * page keeps it at 0x310); it does TPR, EOI and SELF IPI writes itself.
 * Everything else, and every MSR of the range that is no register,
 * exits to the vLAPIC as before. */
static void build_x2apic(u8 *bm)
{
	memcpy(bm, user_msr_bitmap, PAGE_SIZE);
	for (u32 off = 0; off < 0x1000; off += 0x10)
		if (vlapic_x2apic_readable(off) && off != APIC_TMCCT &&
		    off != APIC_ICR)
			pass(bm, 0x800 + off / 16, true, false);
	pass(bm, 0x800 + APIC_TPR / 16, false, true);
	pass(bm, 0x800 + APIC_EOI / 16, false, true);
	pass(bm, 0x800 + APIC_SELF_IPI / 16, false, true);
}

/* Built by the first CPU that serves User VMs; the others wait for it,
 * so that no entry ever sees a half-built bitmap. */
u8 *vmx_user_msr_bitmap(void)
{
	u32 expect = 0;

	if (__atomic_compare_exchange_n(&user_msr_bitmap_state, &expect, 1,
					false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
		memset(user_msr_bitmap, 0xff, sizeof(user_msr_bitmap));
		for (u32 i = 0; i < ARRAY_SIZE(user_pass_msrs); i++)
			pass(user_msr_bitmap, user_pass_msrs[i].msr, true, true);
		build_x2apic(user_msr_bitmap_x2);
		__atomic_store_n(&user_msr_bitmap_state, 2, __ATOMIC_RELEASE);
	}
	while (__atomic_load_n(&user_msr_bitmap_state, __ATOMIC_ACQUIRE) != 2)
		cpu_relax();
	return user_msr_bitmap;
}

u8 *vmx_user_msr_bitmap_x2apic(void)
{
	vmx_user_msr_bitmap();
	return user_msr_bitmap_x2;
}

void vmx_user_msrs_clear(void)
{
	for (u32 i = 0; i < ARRAY_SIZE(user_pass_msrs); i++)
		if (!user_pass_msrs[i].vmcs_switched)
			wrmsr_safe(user_pass_msrs[i].msr, 0);	/* TSC_AUX may not exist */
	/* XCR0 is not switched either: back to x87 only, its reset value. */
	if (read_cr4() & X86_CR4_OSXSAVE)
		write_xcr(0, 1);
}

static int vmcs_msr_field(u32 msr)
{
	for (u32 i = 0; i < ARRAY_SIZE(vmcs_msrs); i++)
		if (vmcs_msrs[i].msr == msr)
			return (int)vmcs_msrs[i].field;
	return -1;
}

int vendor_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	int field = vmcs_msr_field(msr);

	if (field >= 0) {
		*val = __vmcs_read((u32)field);
		return 0;
	}
	return rdmsr_safe(msr, val) ? -EINVAL : 0;
}

int vendor_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	int field = vmcs_msr_field(msr);

	if (field >= 0) {
		__vmcs_write((u32)field, val);
		return 0;
	}
	return wrmsr_safe(msr, val) ? -EINVAL : 0;
}

/* Bits in the guest/host mask read from the shadow (what the guest
 * wrote), the others from the guest field (what it changed without an
 * exit, such as CR0.PG). */
u64 vendor_guest_cr(struct vcpu *v, unsigned n)
{
	if (n == 0)
		return (vmcs_readnat(VMCS_GUEST_CR0) & ~vmcs_readnat(VMCS_CR0_MASK)) |
			(vmcs_readnat(VMCS_CR0_READ_SHADOW) & vmcs_readnat(VMCS_CR0_MASK));
	return (vmcs_readnat(VMCS_GUEST_CR4) & ~vmcs_readnat(VMCS_CR4_MASK)) |
		(vmcs_readnat(VMCS_CR4_READ_SHADOW) & vmcs_readnat(VMCS_CR4_MASK));
}

void vendor_set_tsc_offset(struct vcpu *v, u64 offset)
{
	vmcs_write64(VMCS_TSC_OFFSET, offset);
}
