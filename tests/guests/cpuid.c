/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpuid: what a User VM's CPUID says about the virtual machine (CONTRACT
 * "CPU model"): a hypervisor present with the ACRN signature, no VMX,
 * the APIC id of each leaf equal to the vCPU id, the TSC rate in leaf
 * 0x40000010 and, when leaf 0x15 exists, the same rate there.
 */
#include "libguest.h"
#include "smp.h"

#define SIG_EBX	0x4e524341	/* "ACRN" */
#define SIG_ECX	0x4e524341
#define SIG_EDX	0x4e524341

static u32 ids_leaf1[MAX_CPUS], ids_leaf_b[MAX_CPUS];
static volatile u32 seen[MAX_CPUS];

static void collect_ids(void *unused)
{
	u32 me = smp_id();

	ids_leaf1[me] = cpuid(1).b >> 24;
	ids_leaf_b[me] = cpuid(0).a >= 0xb ? cpuid_count(0xb, 0).d : ~0U;
	seen[me] = 1;
}

static void check_leaf_b(void)
{
	struct cpuid c;

	if (cpuid(0).a < 0xb) {
		report_skip("leaf 0xB: max basic leaf %u", cpuid(0).a);
		return;
	}
	c = cpuid_count(0xb, 0);
	report((c.c & 0xff) == 0 && ((c.c >> 8) & 0xff) == 1,
	       "leaf 0xB subleaf 0 is the SMT level (ECX 0x%x)", c.c);
	report((c.b & 0xffff) == 1, "leaf 0xB: one thread per core (EBX 0x%x)",
	       c.b);
	c = cpuid_count(0xb, 1);
	report(((c.c >> 8) & 0xff) == 2, "leaf 0xB subleaf 1 is the core "
	       "level (ECX 0x%x)", c.c);
}

static void check_tsc_leaves(void)
{
	u32 max_hv = cpuid(0x40000000).a;
	u32 khz;

	if (!report(max_hv >= 0x40000010, "hypervisor leaves reach 0x40000010 "
		    "(max 0x%x)", max_hv))
		return;
	khz = cpuid(0x40000010).a;
	report(khz != 0, "0x40000010 EAX: TSC %u kHz", khz);
	report(cpuid(0x40000010).b != 0, "0x40000010 EBX: APIC timer %u kHz",
	       cpuid(0x40000010).b);
	if (cpuid(0).a >= 0x15) {
		struct cpuid c = cpuid(0x15);

		report(c.a && c.b && c.c, "leaf 0x15 gives a ratio and a crystal "
		       "(%u/%u, %u Hz)", c.b, c.a, c.c);
		if (c.a && c.b && c.c) {
			u64 hz = (u64)c.c * c.b / c.a;

			report(hz / 1000 == khz, "leaf 0x15's TSC %lu Hz matches "
			       "0x40000010's %u kHz", hz, khz);
		}
	} else {
		report_skip("leaf 0x15: max basic leaf %u", cpuid(0).a);
	}
	if (cpuid(0).a >= 0x16)
		report((cpuid(0x16).a & 0xffff) == khz / 1000, "leaf 0x16 EAX "
		       "%u MHz matches", cpuid(0x16).a & 0xffff);
}

int main(int argc, char **argv)
{
	struct cpuid c = cpuid(1);
	struct cpuid s = cpuid(0x40000000);
	u32 n;

	report(cpuid(0).a >= 1, "max basic leaf %u", cpuid(0).a);
	report(c.c & BIT(31), "leaf 1 ECX[31]: a hypervisor is present");
	report(!(c.c & BIT(5)), "leaf 1 ECX[5]: VMX hidden");
	report(!(c.c & BIT(6)), "leaf 1 ECX[6]: SMX hidden");
	report(!(c.c & BIT(3)), "leaf 1 ECX[3]: MONITOR hidden");
	report(c.c & BIT(21), "leaf 1 ECX[21]: x2APIC offered");
	report(c.c & BIT(24), "leaf 1 ECX[24]: TSC deadline offered");
	report(!(c.c & BIT(27)), "leaf 1 ECX[27]: OSXSAVE follows CR4 (clear)");
	report(c.d & BIT(9), "leaf 1 EDX[9]: APIC present");
	report(c.d & BIT(4), "leaf 1 EDX[4]: TSC present");
	report(s.b == SIG_EBX && s.c == SIG_ECX && s.d == SIG_EDX,
	       "0x40000000: signature ACRNACRNACRN (0x%x 0x%x 0x%x)", s.b, s.c,
	       s.d);
	report(cpuid(0x40000001).a == 0, "0x40000001: no privileged-VM "
	       "feature for a User VM (EAX 0x%x)", cpuid(0x40000001).a);
	report(cpuid(6).a == 0 && cpuid(6).c == 0, "leaf 6 (power) is zero");
	if (cpuid(0).a >= 0xa)
		report(cpuid(0xa).a == 0, "leaf 0xA (perfmon) is zero");
	check_leaf_b();
	check_tsc_leaves();

	/* The APIC id each vCPU sees is its index. */
	n = smp_init(cpus_announced());
	report(n == cpus_announced(), "%u of %u vCPUs started", n,
	       cpus_announced());
	collect_ids(NULL);
	for (u32 cpu = 1; cpu < n; cpu++)
		on_cpu(cpu, collect_ids, NULL);
	for (u32 cpu = 0; cpu < n; cpu++) {
		report(seen[cpu] && ids_leaf1[cpu] == cpu, "vCPU %u: leaf 1 "
		       "APIC id %u", cpu, ids_leaf1[cpu]);
		if (cpuid(0).a >= 0xb)
			report(seen[cpu] && ids_leaf_b[cpu] == cpu, "vCPU %u: leaf "
			       "0xB x2APIC id %u", cpu, ids_leaf_b[cpu]);
	}
	return report_summary();
}
