/* hypervisor/core/cpu_model.c: the User VM CPUID and MSR policy, against
 * a host CPU this file fakes.  cpuid_count() answers from a table the
 * test fills (the shim's asm/cpu.h declares it), rdtsc() and tsc_get_khz()
 * return what the test sets, and the vendor hooks keep "VMCS or CPU"
 * MSRs in an array, so that what the policy hands to the vendor code can
 * be checked.  The vLAPIC's MSR functions are renamed to this file's
 * fakes for cpu_model.o only (unit.mk). */
#include <string.h>
#include "unit.h"
#include "cpu_model.h"
#include "timer.h"
#include "vcpu_vendor.h"
#include "vm.h"
#include <asm/cpu.h>
#include <islet/cpuid.h>

/* ---- the fake host ---- */

#define MAX_LEAVES	32
#define SUB_ANY		0xffffffffU

static struct host_leaf {
	u32 leaf, sub;
	struct cpuid_regs r;
} host[MAX_LEAVES];
static u32 nr_host;
static u64 fake_khz;
#define fake_tsc unit_tsc	/* the shim's rdtsc() reads it */
static u64 guest_cr0, guest_cr4;
static u64 tsc_offset_set;
static u32 tsc_offset_writes;

static void host_set(u32 leaf, u32 sub, u32 a, u32 b, u32 c, u32 d)
{
	for (u32 i = 0; i < nr_host; i++) {
		if (host[i].leaf == leaf && host[i].sub == sub) {
			host[i].r = (struct cpuid_regs){ a, b, c, d };
			return;
		}
	}
	CU_ASSERT_FATAL(nr_host < MAX_LEAVES);
	host[nr_host++] = (struct host_leaf){ leaf, sub, { a, b, c, d } };
}

void cpuid_count(u32 leaf, u32 sub, struct cpuid_regs *r)
{
	for (u32 i = 0; i < nr_host; i++) {
		if (host[i].leaf == leaf &&
		    (host[i].sub == sub || host[i].sub == SUB_ANY)) {
			*r = host[i].r;
			return;
		}
	}
	*r = (struct cpuid_regs){ 0 };
}

u64 tsc_get_khz(void)
{
	return fake_khz;
}

/* MSRs the vendor code keeps: a small map. */
#define MAX_VMSRS	32
static struct { u32 msr; u64 val; } vmsr[MAX_VMSRS];
static u32 nr_vmsr, vendor_writes;
static bool vendor_fail;

static u64 *vmsr_slot(u32 msr, bool create)
{
	for (u32 i = 0; i < nr_vmsr; i++)
		if (vmsr[i].msr == msr)
			return &vmsr[i].val;
	if (!create || nr_vmsr == MAX_VMSRS)
		return NULL;
	vmsr[nr_vmsr].msr = msr;
	vmsr[nr_vmsr].val = 0;
	return &vmsr[nr_vmsr++].val;
}

int vendor_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	u64 *p = vmsr_slot(msr, false);

	*val = p ? *p : 0;
	return 0;
}

int vendor_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	if (vendor_fail)
		return -EINVAL;
	vendor_writes++;
	*vmsr_slot(msr, true) = val;
	return 0;
}

u64 vendor_guest_cr(struct vcpu *v, unsigned n)
{
	return n == 0 ? guest_cr0 : guest_cr4;
}

void vendor_set_tsc_offset(struct vcpu *v, u64 offset)
{
	tsc_offset_set = offset;
	tsc_offset_writes++;
}

static u32 vlapic_reads, vlapic_writes;

bool fake_vlapic_owns_msr(u32 msr);
int fake_vlapic_msr_read(struct vcpu *v, u32 msr, u64 *val);
int fake_vlapic_msr_write(struct vcpu *v, u32 msr, u64 val);

bool fake_vlapic_owns_msr(u32 msr)
{
	return msr == 0x1b || msr == 0x6e0 || (msr >= 0x800 && msr <= 0x8ff);
}

int fake_vlapic_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	vlapic_reads++;
	*val = 0xfee00900;
	return msr == 0x8ff ? -EINVAL : 0;
}

int fake_vlapic_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	vlapic_writes++;
	return 0;
}

/* ---- fixture ---- */

static struct vm vm;

/* A generous Intel host: every feature bit of the leaves the policy
 * filters is set, so that what is hidden shows. */
static void host_full(void)
{
	nr_host = 0;
	host_set(0, SUB_ANY, 0x20, 0x756e6547, 0x6c65746e, 0x49656e69);
	host_set(1, SUB_ANY, 0x000906ea, 0x12345678, 0xffffffff, 0xffffffff);
	host_set(2, SUB_ANY, 0x00feff01, 0, 0, 0);
	host_set(3, SUB_ANY, 0, 0, 0x1111, 0x2222);
	host_set(4, 0, 0x1c004121, 0x01c0003f, 0x3f, 0);	/* L1d */
	host_set(4, 1, 0x1c004122, 0x01c0003f, 0x3f, 0);	/* L1i */
	host_set(4, 2, 0x1c004143, 0x00c0003f, 0x3ff, 0);	/* L2 */
	host_set(4, 3, 0x1c03c163, 0x03c0003f, 0x2fff, 6);	/* L3 */
	host_set(4, 4, 0, 0, 0, 0);
	host_set(5, SUB_ANY, 0x40, 0x40, 3, 0x11142120);
	host_set(6, SUB_ANY, 0x4f7, 2, 9, 0);
	host_set(7, 0, 2, 0xffffffff, 0xffffffff, 0xffffffff);
	host_set(7, 1, 0xffffffff, 0, 0, 0);
	host_set(0xa, SUB_ANY, 0x07300404, 0, 0, 0x603);
	host_set(0xb, 0, 1, 2, 0x100, 3);
	host_set(0xd, 0, 0x1f, 0x340, 0x440, 0);
	host_set(0xd, 1, 0x1f, 0, 0, 0);
	host_set(0x14, 0, 1, 0xf, 7, 0);
	host_set(0x15, SUB_ANY, 2, 0xe2, 0, 0);		/* no crystal Hz */
	host_set(0x16, SUB_ANY, 0xe10, 0x1194, 0x64, 0);
	host_set(0x20, SUB_ANY, 0x20202020, 0, 0, 0);
	host_set(0x80000000, SUB_ANY, 0x80000008, 0, 0, 0);
	host_set(0x80000001, SUB_ANY, 0, 0, 0x121, 0x2c100800);
	host_set(0x80000008, SUB_ANY, 0x3027, 0, 0, 0);	/* 39 phys, 48 virt */
}

static struct vcpu *setup_vm(u32 nr)
{
	memset(&vm, 0, sizeof(vm));
	vm.nr_vcpus = nr;
	for (u32 i = 0; i < nr; i++) {
		vm.vcpus[i].vm = &vm;
		vm.vcpus[i].id = i;
	}
	host_full();
	fake_tsc = 1000000;
	fake_khz = 2000000;		/* 2 GHz */
	guest_cr0 = guest_cr4 = 0;
	nr_vmsr = 0;
	vendor_fail = false;
	tsc_offset_writes = 0;
	vlapic_reads = vlapic_writes = 0;
	cpu_model_vm_reset(&vm);
	for (u32 i = 0; i < nr; i++)
		cpu_model_vcpu_reset(&vm.vcpus[i]);
	vendor_writes = 0;
	return &vm.vcpus[0];
}

static struct cpuid_regs cpuid(struct vcpu *v, u32 leaf, u32 sub)
{
	struct cpuid_regs r;

	cpu_model_cpuid(v, leaf, sub, &r);
	return r;
}

static bool gp_rd(struct vcpu *v, u32 msr)
{
	u64 val;

	return cpu_model_rdmsr(v, msr, &val) == -EINVAL;
}

static bool gp_wr(struct vcpu *v, u32 msr, u64 val)
{
	return cpu_model_wrmsr(v, msr, val) == -EINVAL;
}

static u64 rd(struct vcpu *v, u32 msr)
{
	u64 val = 0xdeadbeef;

	CU_ASSERT_EQUAL(cpu_model_rdmsr(v, msr, &val), 0);
	return val;
}

static u64 vmsr_val(u32 msr)
{
	u64 *p = vmsr_slot(msr, false);

	return p ? *p : 0xbad;
}

/* ---- CPUID ---- */

static void test_max_leaf(void)
{
	struct vcpu *v = setup_vm(1);
	struct cpuid_regs r = cpuid(v, 0, 0);

	CU_ASSERT_EQUAL(r.eax, CPU_MODEL_MAX_BASIC_LEAF);
	CU_ASSERT_EQUAL(r.ebx, 0x756e6547);	/* vendor string: the host's */
	host_set(0, SUB_ANY, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69);
	CU_ASSERT_EQUAL(cpuid(v, 0, 0).eax, 0xd);
	/* beyond the max: the highest basic leaf's data, as the CPU does */
	r = cpuid(v, 0x15, 0);
	CU_ASSERT_EQUAL(r.eax, cpuid(v, 0xd, 0).eax);
	CU_ASSERT_EQUAL(r.ebx, cpuid(v, 0xd, 0).ebx);
}

static void test_beyond_max(void)
{
	struct vcpu *v = setup_vm(1);
	struct cpuid_regs top = cpuid(v, 0x16, 0);
	struct cpuid_regs r = cpuid(v, 0x20, 0);	/* the host has it */

	CU_ASSERT_EQUAL(memcmp(&r, &top, sizeof(r)), 0);
	r = cpuid(v, 0x80000009, 0);			/* beyond host ext max */
	CU_ASSERT_EQUAL(memcmp(&r, &top, sizeof(r)), 0);
	r = cpuid(v, 0x50000000, 0);
	CU_ASSERT_EQUAL(memcmp(&r, &top, sizeof(r)), 0);
}

static void test_leaf1_hidden_shown(void)
{
	struct vcpu *v = setup_vm(1);
	struct cpuid_regs r = cpuid(v, 1, 0);
	static const u8 ecx_hidden[] = { 3, 4, 5, 6, 7, 8, 11, 14, 15, 18, 27 };
	static const u8 edx_hidden[] = { 14, 18, 21, 22, 28, 29, 31 };

	for (u32 i = 0; i < ARRAY_SIZE(ecx_hidden); i++)
		CU_ASSERT_FALSE(r.ecx & BIT(ecx_hidden[i]));
	for (u32 i = 0; i < ARRAY_SIZE(edx_hidden); i++)
		CU_ASSERT_FALSE(r.edx & BIT(edx_hidden[i]));
	/* what is not filtered passes: SSE3, PCID, XSAVE, FPU, MTRR, APIC */
	CU_ASSERT(r.ecx & BIT(0) && r.ecx & BIT(17) && r.ecx & BIT(26));
	CU_ASSERT(r.edx & BIT(0) && r.edx & BIT(12) && r.edx & BIT(9));
	CU_ASSERT_EQUAL(r.eax, 0x000906ea);

	/* shown whatever the host says */
	host_set(1, SUB_ANY, 0x000906ea, 0x12345678, 0, 0);
	r = cpuid(v, 1, 0);
	CU_ASSERT_EQUAL(r.ecx, BIT(21) | BIT(24) | BIT(31));
	CU_ASSERT_EQUAL(r.edx, 0);
}

static void test_leaf1_osxsave(void)
{
	struct vcpu *v = setup_vm(1);

	CU_ASSERT_FALSE(cpuid(v, 1, 0).ecx & BIT(27));
	guest_cr4 = X86_CR4_OSXSAVE;
	CU_ASSERT(cpuid(v, 1, 0).ecx & BIT(27));
	/* no XSAVE on the host: no OSXSAVE whatever CR4 says */
	host_set(1, SUB_ANY, 0x000906ea, 0, (u32)~BIT(26), 0);
	CU_ASSERT_FALSE(cpuid(v, 1, 0).ecx & BIT(27));
}

static void test_leaf1_topology(void)
{
	struct vcpu *v = setup_vm(2);
	struct cpuid_regs r0 = cpuid(&vm.vcpus[0], 1, 0);
	struct cpuid_regs r1 = cpuid(&vm.vcpus[1], 1, 0);

	CU_ASSERT_EQUAL(r0.ebx, 0x00025678);	/* id 0, 2 CPUs, host low half */
	CU_ASSERT_EQUAL(r1.ebx, 0x01025678);
	CU_ASSERT(r0.edx & BIT(28));		/* HTT: the count is valid */
	v = setup_vm(1);
	CU_ASSERT_EQUAL(cpuid(v, 1, 0).ebx, 0x00015678);
	CU_ASSERT_FALSE(cpuid(v, 1, 0).edx & BIT(28));
}

static void test_leaf4_cache(void)
{
	struct vcpu *v = setup_vm(2);
	struct cpuid_regs l1 = cpuid(v, 4, 0), l3 = cpuid(v, 4, 3);

	CU_ASSERT_EQUAL(l1.eax >> 26, 1);		/* nr_vcpus - 1 */
	CU_ASSERT_EQUAL((l1.eax >> 14) & 0xfff, 0);	/* private L1 */
	CU_ASSERT_EQUAL(l1.eax & 0x3fff, 0x0121);
	CU_ASSERT_EQUAL(l1.ebx, 0x01c0003f);		/* geometry: the host's */
	CU_ASSERT_EQUAL(l3.eax >> 26, 1);
	CU_ASSERT_EQUAL((l3.eax >> 14) & 0xfff, 1);	/* shared by both */
	CU_ASSERT_EQUAL(cpuid(v, 4, 4).eax, 0);		/* end of list */
	v = setup_vm(1);
	CU_ASSERT_EQUAL(cpuid(v, 4, 3).eax >> 14, 0);
}

static void test_leaf7(void)
{
	struct vcpu *v = setup_vm(1);
	struct cpuid_regs r = cpuid(v, 7, 0);
	static const u8 ebx_hidden[] = { 2, 12, 14, 15, 25 };
	static const u8 ecx_hidden[] = { 5, 7, 13, 30, 31 };
	static const u8 edx_hidden[] = { 9, 13, 15, 18, 20, 30 };

	CU_ASSERT_EQUAL(r.eax, 0);		/* no sub-leaf 1 offered */
	for (u32 i = 0; i < ARRAY_SIZE(ebx_hidden); i++)
		CU_ASSERT_FALSE(r.ebx & BIT(ebx_hidden[i]));
	for (u32 i = 0; i < ARRAY_SIZE(ecx_hidden); i++)
		CU_ASSERT_FALSE(r.ecx & BIT(ecx_hidden[i]));
	for (u32 i = 0; i < ARRAY_SIZE(edx_hidden); i++)
		CU_ASSERT_FALSE(r.edx & BIT(edx_hidden[i]));
	/* kept: AVX2, SMEP, ERMS, RDPID, MD_CLEAR, SPEC_CTRL bits */
	CU_ASSERT(r.ebx & BIT(5) && r.ebx & BIT(7) && r.ebx & BIT(9));
	CU_ASSERT(r.ecx & BIT(22));
	CU_ASSERT(r.edx & BIT(10) && r.edx & BIT(26) && r.edx & BIT(29));
	r = cpuid(v, 7, 1);
	CU_ASSERT(!r.eax && !r.ebx && !r.ecx && !r.edx);
	/* TSC_ADJUST is emulated: shown even when the host lacks it */
	host_set(7, 0, 0, 0, 0, 0);
	CU_ASSERT_EQUAL(cpuid(v, 7, 0).ebx, BIT(1));
}

static void test_leaf_b_topology(void)
{
	struct vcpu *v;
	struct cpuid_regs r;

	for (u32 nr = 1; nr <= 5; nr++) {
		setup_vm(nr);
		for (u32 id = 0; id < nr; id++) {
			v = &vm.vcpus[id];
			r = cpuid(v, 0xb, 0);
			CU_ASSERT_EQUAL(r.eax, 0);
			CU_ASSERT_EQUAL(r.ebx, 1);
			CU_ASSERT_EQUAL(r.ecx, 0x100);
			CU_ASSERT_EQUAL(r.edx, id);
			r = cpuid(v, 0xb, 1);
			CU_ASSERT_EQUAL(r.eax, nr <= 1 ? 0 : nr <= 2 ? 1 : nr <= 4 ? 2 : 3);
			CU_ASSERT_EQUAL(r.ebx, nr);
			CU_ASSERT_EQUAL(r.ecx, 0x201);
			CU_ASSERT_EQUAL(r.edx, id);
			r = cpuid(v, 0xb, 2);
			CU_ASSERT_EQUAL(r.eax, 0);
			CU_ASSERT_EQUAL(r.ebx, 0);
			CU_ASSERT_EQUAL(r.ecx, 2);
			CU_ASSERT_EQUAL(r.edx, id);
		}
	}
}

static void test_zero_leaves(void)
{
	struct vcpu *v = setup_vm(1);
	static const u32 zero[] = { 3, 5, 6, 8, 9, 0xa, 0xc, 0xe, 0xf, 0x10,
				    0x11, 0x12, 0x13, 0x14 };

	for (u32 i = 0; i < ARRAY_SIZE(zero); i++) {
		struct cpuid_regs r = cpuid(v, zero[i], 0);

		CU_ASSERT(!r.eax && !r.ebx && !r.ecx && !r.edx);
	}
	/* passed on as the host's */
	CU_ASSERT_EQUAL(cpuid(v, 2, 0).eax, 0x00feff01);
	CU_ASSERT_EQUAL(cpuid(v, 0xd, 0).ebx, 0x340);
}

static void test_xsave_leaf(void)
{
	struct vcpu *v = setup_vm(1);

	CU_ASSERT_EQUAL(cpuid(v, 0xd, 1).eax, 0x7);	/* XSAVES, XFD hidden */
	CU_ASSERT_EQUAL(cpuid(v, 0xd, 0).eax, 0x1f);
}

static void test_tsc_leaves(void)
{
	struct vcpu *v = setup_vm(1);
	struct cpuid_regs r = cpuid(v, 0x15, 0);

	CU_ASSERT_EQUAL(r.eax, 1);
	CU_ASSERT_EQUAL(r.ebx, 1);
	CU_ASSERT_EQUAL(r.ecx, 2000000000U);
	r = cpuid(v, 0x16, 0);
	CU_ASSERT_EQUAL(r.eax, 2000);
	CU_ASSERT(!r.ebx && !r.ecx && !r.edx);
	r = cpuid(v, ISLET_CPUID_LEAF_TSC_KHZ, 0);
	CU_ASSERT_EQUAL(r.eax, 2000000);
	CU_ASSERT_EQUAL(r.ebx, 2000000);	/* vLAPIC timer = TSC rate */
	CU_ASSERT(!r.ecx && !r.edx);
	/* above 4.29 GHz the crystal is said to run at half the rate */
	fake_khz = 5000000;
	r = cpuid(v, 0x15, 0);
	CU_ASSERT_EQUAL((u64)r.ecx * r.ebx / r.eax, 5000000000ULL);
	/* unknown rate: nothing claimed */
	fake_khz = 0;
	r = cpuid(v, 0x15, 0);
	CU_ASSERT(!r.eax && !r.ebx && !r.ecx && !r.edx);
}

static void test_hypervisor_leaves(void)
{
	struct vcpu *v = setup_vm(1);
	struct cpuid_regs r = cpuid(v, ISLET_CPUID_LEAF_SIGNATURE, 0);

	CU_ASSERT_EQUAL(r.eax, ISLET_CPUID_MAX_LEAF);
	CU_ASSERT_EQUAL(r.ebx, ISLET_CPUID_SIGNATURE_EBX);
	CU_ASSERT_EQUAL(r.ecx, ISLET_CPUID_SIGNATURE_ECX);
	CU_ASSERT_EQUAL(r.edx, ISLET_CPUID_SIGNATURE_EDX);
	r = cpuid(v, ISLET_CPUID_LEAF_FEATURES, 0);
	CU_ASSERT_EQUAL(r.eax, 0);		/* not privileged */
	r = cpuid(v, 0x40000005, 0);
	CU_ASSERT(!r.eax && !r.ebx && !r.ecx && !r.edx);
	r = cpuid(v, 0x40000100, 0);
	CU_ASSERT(!r.eax && !r.ebx && !r.ecx && !r.edx);
}

static void test_extended_leaves(void)
{
	struct vcpu *v = setup_vm(1);
	struct cpuid_regs r = cpuid(v, 0x80000001, 0);

	CU_ASSERT_EQUAL(r.ecx, 0x121);
	CU_ASSERT_EQUAL(r.edx, 0x2c100800);	/* LM, NX, RDTSCP kept */
	CU_ASSERT_EQUAL(cpuid(v, 0x80000008, 0).eax, 0x3027);
}

/* ---- MSRs ---- */

static void test_msr_refused(void)
{
	struct vcpu *v = setup_vm(1);
	static const u32 refused[] = {
		0xc1, 0xc2, 0x186, 0x187, 0x38d, 0x38f, 0x390,	/* perfmon */
		0x400, 0x401, 0x402, 0x403, 0x280,		/* MCi_* */
		0x480, 0x481, 0x48b, 0x48d, 0x491,		/* VMX */
		0x19a, 0x19b, 0x19c, 0x1a2, 0x1b1,		/* thermal */
		0xe2, 0xe7, 0xe8, 0x198, 0x199, 0x1b0,		/* power */
		0x606, 0x610, 0x611, 0x639,			/* RAPL */
		0xda0, 0x1c4, 0x6a0, 0x6a2, 0xd90, 0x122, 0x123,
		0x1d9, 0xcf, 0x10f, 0x570, 0xc8f, 0x3f1, 0x345, 0xce,
		0x1234, 0x1fff, 0x2000, 0xc0010000, 0xc0010114,
		0x4b564d00, 0x40000000, 0xffffffff,
	};

	for (u32 i = 0; i < ARRAY_SIZE(refused); i++) {
		CU_ASSERT_TRUE(gp_rd(v, refused[i]));
		CU_ASSERT_TRUE(gp_wr(v, refused[i], 0));
	}
	CU_ASSERT_EQUAL(vendor_writes, 0);
}

static void test_msr_constants(void)
{
	struct vcpu *v = setup_vm(1);

	CU_ASSERT_EQUAL(rd(v, 0x17), 0);		/* PLATFORM_ID */
	CU_ASSERT_TRUE(gp_wr(v, 0x17, 0));
	CU_ASSERT_EQUAL(rd(v, 0x179), 0);		/* MCG_CAP: no banks */
	CU_ASSERT_TRUE(gp_wr(v, 0x179, 0));
	CU_ASSERT_EQUAL(rd(v, 0x17a), 0);		/* MCG_STATUS */
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0x17a, 0), 0);
	CU_ASSERT_TRUE(gp_wr(v, 0x17a, 1));
	CU_ASSERT_EQUAL(rd(v, 0x8b), 0);		/* BIOS_SIGN_ID */
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0x8b, 0x1234), 0);
	CU_ASSERT_EQUAL(rd(v, 0x8b), 0);
	CU_ASSERT_EQUAL(rd(v, 0xfe), 0x508);		/* MTRRcap */
	CU_ASSERT_TRUE(gp_wr(v, 0xfe, 0x508));
}

static void test_feature_control(void)
{
	struct vcpu *v = setup_vm(1);

	CU_ASSERT_EQUAL(rd(v, 0x3a), 1);	/* locked, VMX off */
	CU_ASSERT_TRUE(gp_wr(v, 0x3a, 1));
	CU_ASSERT_TRUE(gp_wr(v, 0x3a, 5));
	CU_ASSERT_EQUAL(rd(v, 0x3a), 1);
}

static void test_misc_enable(void)
{
	struct vcpu *v = setup_vm(1);

	CU_ASSERT_EQUAL(rd(v, 0x1a0), CPU_MODEL_MISC_ENABLE_RESET);
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0x1a0, CPU_MODEL_MISC_ENABLE_RESET), 0);
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0x1a0, CPU_MODEL_MISC_ENABLE_RESET & ~1ULL), 0);
	CU_ASSERT_EQUAL(rd(v, 0x1a0), CPU_MODEL_MISC_ENABLE_RESET & ~1ULL);
	CU_ASSERT_TRUE(gp_wr(v, 0x1a0, CPU_MODEL_MISC_ENABLE_RESET | BIT(18)));
	CU_ASSERT_TRUE(gp_wr(v, 0x1a0, BIT(0)));	/* clears bit 11 */
	cpu_model_vcpu_reset(v);
	CU_ASSERT_EQUAL(rd(v, 0x1a0), CPU_MODEL_MISC_ENABLE_RESET);
}

static void test_mtrr(void)
{
	struct vcpu *v = setup_vm(2);
	struct vcpu *v1 = &vm.vcpus[1];
	static const u32 fixed[] = { 0x250, 0x258, 0x259, 0x268, 0x269, 0x26a,
				     0x26b, 0x26c, 0x26d, 0x26e, 0x26f };

	/* stored per vCPU */
	for (u32 i = 0; i < 16; i++) {
		u64 val = i % 2 ? 0x7fff000800ULL | i << 12 : (u64)i << 12 | 6;

		CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0x200 + i, val), 0);
		CU_ASSERT_EQUAL(rd(v, 0x200 + i), val);
		CU_ASSERT_EQUAL(rd(v1, 0x200 + i), 0);
	}
	CU_ASSERT_TRUE(gp_rd(v, 0x210));	/* 8 ranges only */
	for (u32 i = 0; i < ARRAY_SIZE(fixed); i++) {
		static const u8 types[] = { 0, 1, 4, 5, 6 };
		u64 val = 0x0606060605050400ULL | types[i % 5];

		CU_ASSERT_EQUAL(cpu_model_wrmsr(v, fixed[i], val), 0);
		CU_ASSERT_EQUAL(rd(v, fixed[i]), val);
	}
	CU_ASSERT_TRUE(gp_rd(v, 0x251));
	CU_ASSERT_TRUE(gp_rd(v, 0x25a));
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0x2ff, 0xc06), 0);
	CU_ASSERT_EQUAL(rd(v, 0x2ff), 0xc06);

	/* invalid types and reserved bits fault, and change nothing */
	CU_ASSERT_TRUE(gp_wr(v, 0x2ff, 0xc02));		/* type 2 */
	CU_ASSERT_TRUE(gp_wr(v, 0x2ff, 0xe06));		/* bit 9 */
	CU_ASSERT_TRUE(gp_wr(v, 0x2ff, 0x1000 | 6));
	CU_ASSERT_TRUE(gp_wr(v, 0x200, 0x1000 | 3));	/* type 3 */
	CU_ASSERT_TRUE(gp_wr(v, 0x200, 0x1000 | 0x106));	/* bit 8 */
	CU_ASSERT_TRUE(gp_wr(v, 0x200, (1ULL << 39) | 6));	/* > MAXPHYADDR */
	CU_ASSERT_TRUE(gp_wr(v, 0x201, 0x800 | 1));	/* mask bits 10:0 */
	CU_ASSERT_TRUE(gp_wr(v, 0x201, (1ULL << 39) | 0x800));
	CU_ASSERT_TRUE(gp_wr(v, 0x250, 0x0606060606060602ULL));
	CU_ASSERT_TRUE(gp_wr(v, 0x26f, 0x0706060606060606ULL));
	CU_ASSERT_EQUAL(rd(v, 0x2ff), 0xc06);
	CU_ASSERT_EQUAL(rd(v, 0x200), 6);

	/* gone at reset */
	cpu_model_vcpu_reset(v);
	CU_ASSERT_EQUAL(rd(v, 0x2ff), 0);
	CU_ASSERT_EQUAL(rd(v, 0x203), 0);
	CU_ASSERT_EQUAL(rd(v, 0x26f), 0);

	/* no MTRR in CPUID: none of them exist */
	host_set(1, SUB_ANY, 0x000906ea, 0, 0, (u32)~BIT(12));
	CU_ASSERT_TRUE(gp_rd(v, 0xfe));
	CU_ASSERT_TRUE(gp_rd(v, 0x2ff));
	CU_ASSERT_TRUE(gp_wr(v, 0x200, 6));
}

static void test_tsc_start(void)
{
	struct vcpu *v0 = setup_vm(2), *v1 = &vm.vcpus[1];

	/* setup_vm reset both vCPUs at TSC 1000000: guest TSC 0 */
	CU_ASSERT_EQUAL(v0->tsc_offset, (u64)-1000000);
	CU_ASSERT_EQUAL(rd(v0, 0x10), 0);
	fake_tsc += 5000;
	CU_ASSERT_EQUAL(rd(v0, 0x10), 5000);
	/* a vCPU reset later gets the same offset: same clock */
	cpu_model_vcpu_reset(v1);
	CU_ASSERT_EQUAL(v1->tsc_offset, v0->tsc_offset);
	CU_ASSERT_EQUAL(tsc_offset_set, v0->tsc_offset);
	CU_ASSERT_EQUAL(rd(v1, 0x10), 5000);
	/* after a VM reset, the next vCPU reset chooses anew */
	cpu_model_vm_reset(&vm);
	fake_tsc = 9000000;
	cpu_model_vcpu_reset(v1);
	cpu_model_vcpu_reset(v0);
	CU_ASSERT_EQUAL(rd(v0, 0x10), 0);
	CU_ASSERT_EQUAL(rd(v1, 0x10), 0);
	CU_ASSERT_EQUAL(rd(v0, 0x3b), 0);
}

static void test_tsc_write(void)
{
	struct vcpu *v0 = setup_vm(2), *v1 = &vm.vcpus[1];
	u32 writes = tsc_offset_writes;

	fake_tsc += 100;				/* guest TSC 100 */
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v0, 0x10, 1100), 0);
	CU_ASSERT_EQUAL(rd(v0, 0x10), 1100);
	CU_ASSERT_EQUAL(tsc_offset_writes, writes + 1);
	CU_ASSERT_EQUAL(tsc_offset_set, v0->tsc_offset);
	CU_ASSERT_EQUAL(rd(v0, 0x3b), 1000);		/* moved by +1000 */
	CU_ASSERT_EQUAL(rd(v1, 0x10), 100);		/* only this vCPU */
	CU_ASSERT_EQUAL(rd(v1, 0x3b), 0);
	/* backwards: TSC_ADJUST takes the negative difference */
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v0, 0x10, 50), 0);
	CU_ASSERT_EQUAL(rd(v0, 0x10), 50);
	CU_ASSERT_EQUAL(rd(v0, 0x3b), (u64)-50);
	/* writing TSC_ADJUST moves the TSC by the difference */
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v0, 0x3b, 0), 0);
	CU_ASSERT_EQUAL(rd(v0, 0x10), 100);
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v1, 0x3b, 400), 0);
	CU_ASSERT_EQUAL(rd(v1, 0x10), 500);
	CU_ASSERT_EQUAL(rd(v1, 0x3b), 400);
	CU_ASSERT_EQUAL(tsc_offset_set, v1->tsc_offset);
	/* both: the sum of the adjustments is what separates the vCPUs */
	CU_ASSERT_EQUAL(v1->tsc_offset - v0->tsc_offset,
			rd(v1, 0x3b) - rd(v0, 0x3b));
}

static void test_apic_msrs(void)
{
	struct vcpu *v = setup_vm(1);
	u64 val;

	CU_ASSERT_EQUAL(cpu_model_rdmsr(v, 0x1b, &val), 0);
	CU_ASSERT_EQUAL(val, 0xfee00900);
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0x6e0, 123), 0);
	CU_ASSERT_EQUAL(cpu_model_rdmsr(v, 0x800, &val), 0);
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0x830, 1), 0);
	CU_ASSERT_EQUAL(cpu_model_rdmsr(v, 0x8ff, &val), -EINVAL);
	CU_ASSERT_EQUAL(vlapic_reads, 3);
	CU_ASSERT_EQUAL(vlapic_writes, 2);
	CU_ASSERT_TRUE(gp_rd(v, 0x900));
	CU_ASSERT_TRUE(gp_rd(v, 0x7ff));
	CU_ASSERT_EQUAL(vlapic_reads, 3);
}

static void test_pat(void)
{
	struct vcpu *v = setup_vm(1);

	CU_ASSERT_EQUAL(vmsr_val(0x277), CPU_MODEL_PAT_RESET);	/* at reset */
	CU_ASSERT_EQUAL(rd(v, 0x277), CPU_MODEL_PAT_RESET);
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0x277, 0x0001040506070000ULL), 0);
	CU_ASSERT_EQUAL(vmsr_val(0x277), 0x0001040506070000ULL);
	CU_ASSERT_TRUE(gp_wr(v, 0x277, 0x0000000000000002ULL));
	CU_ASSERT_TRUE(gp_wr(v, 0x277, 0x0300000000000000ULL));
	CU_ASSERT_TRUE(gp_wr(v, 0x277, 0x0000000000000800ULL));
	CU_ASSERT_EQUAL(vmsr_val(0x277), 0x0001040506070000ULL);
}

static void test_efer(void)
{
	struct vcpu *v = setup_vm(1);

	CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0xc0000080, 0x901), 0);	/* SCE LME NXE */
	CU_ASSERT_EQUAL(rd(v, 0xc0000080), 0x901);
	CU_ASSERT_TRUE(gp_wr(v, 0xc0000080, 0x901 | BIT(2)));		/* reserved */
	CU_ASSERT_TRUE(gp_wr(v, 0xc0000080, 0x901 | BIT(12)));		/* SVME */
	CU_ASSERT_TRUE(gp_wr(v, 0xc0000080, 0x901 | BIT(63)));
	/* LMA is the CPU's: kept as it was, whatever is written */
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0xc0000080, 0xd01), 0);
	CU_ASSERT_EQUAL(rd(v, 0xc0000080), 0x901);
	vendor_msr_write(v, 0xc0000080, 0xd01);
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0xc0000080, 0x901), 0);
	CU_ASSERT_EQUAL(rd(v, 0xc0000080), 0xd01);
	/* LME does not change while paging is on */
	guest_cr0 = BIT(31) | BIT(0);
	CU_ASSERT_TRUE(gp_wr(v, 0xc0000080, 0x801));
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0xc0000080, 0x100), 0);	/* NXE off */
	/* no NX, no LM in CPUID: those bits are reserved */
	host_set(0x80000001, SUB_ANY, 0, 0, 0, 0);
	guest_cr0 = 0;
	CU_ASSERT_TRUE(gp_wr(v, 0xc0000080, 0x800));
	CU_ASSERT_TRUE(gp_wr(v, 0xc0000080, 0x100));
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0xc0000080, 1), 0);
}

static void test_switched_msrs(void)
{
	struct vcpu *v = setup_vm(1);
	static const u32 reset_zero[] = { 0x174, 0x175, 0x176, 0xc0000081,
		0xc0000082, 0xc0000083, 0xc0000084, 0xc0000102, 0xc0000103 };
	static const u32 canon[] = { 0x175, 0x176, 0xc0000082, 0xc0000083,
		0xc0000100, 0xc0000101, 0xc0000102 };

	for (u32 i = 0; i < ARRAY_SIZE(reset_zero); i++) {
		*vmsr_slot(reset_zero[i], true) = 0x1234;	/* a previous VM */
	}
	cpu_model_vcpu_reset(v);
	for (u32 i = 0; i < ARRAY_SIZE(reset_zero); i++)
		CU_ASSERT_EQUAL(vmsr_val(reset_zero[i]), 0);
	for (u32 i = 0; i < ARRAY_SIZE(canon); i++) {
		CU_ASSERT_EQUAL(cpu_model_wrmsr(v, canon[i], 0xffff800000001000ULL), 0);
		CU_ASSERT_EQUAL(rd(v, canon[i]), 0xffff800000001000ULL);
		CU_ASSERT_TRUE(gp_wr(v, canon[i], 0x0000800000000000ULL));
		CU_ASSERT_TRUE(gp_wr(v, canon[i], 0xff00000000000000ULL));
		CU_ASSERT_EQUAL(vmsr_val(canon[i]), 0xffff800000001000ULL);
	}
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0xc0000081, 0x0023001000000000ULL), 0);
	CU_ASSERT_EQUAL(vmsr_val(0xc0000081), 0x0023001000000000ULL);
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0xc0000084, 0x47700), 0);
	CU_ASSERT_TRUE(gp_wr(v, 0xc0000084, 1ULL << 32));
	/* TSC_AUX: 32 bits, and only with RDTSCP or RDPID */
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0xc0000103, 7), 0);
	CU_ASSERT_EQUAL(rd(v, 0xc0000103), 7);
	CU_ASSERT_TRUE(gp_wr(v, 0xc0000103, 1ULL << 32));
	host_set(0x80000001, SUB_ANY, 0, 0, 0, 0);
	CU_ASSERT_EQUAL(rd(v, 0xc0000103), 7);		/* RDPID still */
	host_set(7, 0, 0, 0, 0, 0);
	CU_ASSERT_TRUE(gp_rd(v, 0xc0000103));
	/* the CPU refuses: #GP */
	vendor_fail = true;
	CU_ASSERT_TRUE(gp_wr(v, 0xc0000081, 0));
}

static void test_speculation_msrs(void)
{
	struct vcpu *v = setup_vm(1);
	u32 writes;

	CU_ASSERT_EQUAL(vmsr_val(0x48), 0);		/* zeroed at reset */
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0x48, 7), 0);	/* IBRS STIBP SSBD */
	CU_ASSERT_EQUAL(rd(v, 0x48), 7);
	CU_ASSERT_EQUAL(vmsr_val(0x48), 7);
	CU_ASSERT_TRUE(gp_wr(v, 0x48, 8));
	/* PRED_CMD and FLUSH_CMD: commands, write-only, bit 0 */
	writes = vendor_writes;
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0x49, 1), 0);
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0x10b, 1), 0);
	CU_ASSERT_EQUAL(vendor_writes, writes + 2);
	CU_ASSERT_TRUE(gp_wr(v, 0x49, 2));
	CU_ASSERT_TRUE(gp_wr(v, 0x10b, 2));
	CU_ASSERT_TRUE(gp_rd(v, 0x49));
	CU_ASSERT_TRUE(gp_rd(v, 0x10b));
	/* ARCH_CAPABILITIES: the host's, without bits announcing MSRs */
	*vmsr_slot(0x10a, true) = BIT(0) | BIT(5) | BIT(7) | BIT(18) | BIT(23);
	CU_ASSERT_EQUAL(rd(v, 0x10a), BIT(0) | BIT(5));
	CU_ASSERT_TRUE(gp_wr(v, 0x10a, 0));
	/* without STIBP and SSBD only IBRS may be set */
	host_set(7, 0, 0, 0, 0, BIT(26));
	CU_ASSERT_TRUE(gp_wr(v, 0x48, 2));
	CU_ASSERT_TRUE(gp_wr(v, 0x48, 4));
	CU_ASSERT_EQUAL(cpu_model_wrmsr(v, 0x48, 1), 0);
	CU_ASSERT_TRUE(gp_rd(v, 0x10a));
	CU_ASSERT_TRUE(gp_wr(v, 0x10b, 1));
	/* none in CPUID: none exist */
	host_set(7, 0, 0, 0, 0, 0);
	CU_ASSERT_TRUE(gp_rd(v, 0x48));
	CU_ASSERT_TRUE(gp_wr(v, 0x48, 0));
	CU_ASSERT_TRUE(gp_wr(v, 0x49, 1));
}

static const struct unit_test cpu_model_tests[] = {
	{ "CPUID max basic leaf capped at 0x16", test_max_leaf },
	{ "CPUID beyond the maxima: highest basic leaf", test_beyond_max },
	{ "CPUID.1 bits hidden and shown", test_leaf1_hidden_shown },
	{ "CPUID.1 OSXSAVE follows the guest CR4", test_leaf1_osxsave },
	{ "CPUID.1 APIC id and count per vCPU", test_leaf1_topology },
	{ "CPUID.4 cache sharing", test_leaf4_cache },
	{ "CPUID.7 structured features", test_leaf7 },
	{ "CPUID.0xB topology per vCPU id", test_leaf_b_topology },
	{ "CPUID zero leaves (MWAIT, thermal, perfmon...)", test_zero_leaves },
	{ "CPUID.0xD XSAVES and XFD hidden", test_xsave_leaf },
	{ "CPUID 0x15/0x16/0x40000010 TSC rate", test_tsc_leaves },
	{ "CPUID hypervisor leaves", test_hypervisor_leaves },
	{ "CPUID extended leaves as the host's", test_extended_leaves },
	{ "MSR refused list", test_msr_refused },
	{ "MSR constants", test_msr_constants },
	{ "MSR FEATURE_CONTROL locked", test_feature_control },
	{ "MSR MISC_ENABLE", test_misc_enable },
	{ "MSR MTRR storage and checks", test_mtrr },
	{ "TSC starts at 0, same on all vCPUs", test_tsc_start },
	{ "TSC and TSC_ADJUST writes", test_tsc_write },
	{ "APIC MSRs go to the vLAPIC", test_apic_msrs },
	{ "MSR PAT", test_pat },
	{ "MSR EFER", test_efer },
	{ "MSRs kept by the vendor code", test_switched_msrs },
	{ "MSR SPEC_CTRL, PRED_CMD, FLUSH_CMD, ARCH_CAPABILITIES",
	  test_speculation_msrs },
};

int register_cpu_model_tests(void)
{
	return UNIT_SUITE("cpu_model", cpu_model_tests);
}
