/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * msr: the User VM's MSRs (CONTRACT "CPU model"): what it must refuse
 * with #GP (performance counters, VMX capabilities, an unknown MSR), and
 * what it emulates (TSC write and read, MTRR default type round trip,
 * MISC_ENABLE, FEATURE_CONTROL locked with VMX off, TSC_AUX).
 */
#include "libguest.h"

static void expect_gp_read(u32 msr, const char *what)
{
	u64 v;

	report(rdmsr_safe(msr, &v) == 13, "RDMSR 0x%x (%s) raises #GP", msr,
	       what);
}

static void expect_gp_write(u32 msr, u64 val, const char *what)
{
	report(wrmsr_safe(msr, val) == 13, "WRMSR 0x%x (%s) raises #GP", msr,
	       what);
}

static void check_tsc(void)
{
	u64 before, after, v = 0;
	int err;

	err = wrmsr_safe(MSR_IA32_TSC, 1ULL << 40);
	report(!err, "WRMSR IA32_TSC accepted (vector %d)", err);
	if (err)
		return;
	before = rdtsc();
	report(before >= 1ULL << 40 && before < (1ULL << 40) + (1ULL << 32),
	       "RDTSC after writing 2^40: 0x%lx", before);
	err = rdmsr_safe(MSR_IA32_TSC, &v);
	after = rdtsc();
	report(!err && v >= before && v <= after, "RDMSR IA32_TSC 0x%lx lies "
	       "between two RDTSCs", v);
}

static void check_mtrr(void)
{
	u64 cap = 0, def = 0, v = 0;
	int err;

	err = rdmsr_safe(MSR_IA32_MTRRCAP, &cap);
	report(!err && (cap & 0xff) == 8 &&
	       (cap & BIT(8)) && (cap & BIT(10)), "MTRRcap: 8 variable, fixed, "
	       "WC (0x%lx)", cap);
	err = rdmsr_safe(MSR_IA32_MTRR_DEF_TYPE, &def);
	if (!report(!err, "RDMSR MTRR_DEF_TYPE (0x%lx)", def))
		return;
	err = wrmsr_safe(MSR_IA32_MTRR_DEF_TYPE, BIT(11) | 6) ||
	      rdmsr_safe(MSR_IA32_MTRR_DEF_TYPE, &v);
	report(!err && v == (BIT(11) | 6), "MTRR_DEF_TYPE round trip (E, WB): "
	       "0x%lx", v);
	err = wrmsr_safe(MSR_IA32_MTRR_DEF_TYPE, def) ||
	      rdmsr_safe(MSR_IA32_MTRR_DEF_TYPE, &v);
	report(!err && v == def, "MTRR_DEF_TYPE restored: 0x%lx", v);
	expect_gp_write(MSR_IA32_MTRR_DEF_TYPE, BIT(20), "reserved bit");
}

int main(int argc, char **argv)
{
	u64 v = 0;
	int err;

	expect_gp_read(MSR_IA32_PMC0, "performance counter 0");
	expect_gp_read(MSR_IA32_PERFEVTSEL0, "event select 0");
	expect_gp_read(MSR_IA32_PERF_GLOBAL_CTRL, "perf global control");
	expect_gp_write(MSR_IA32_PERFEVTSEL0, 0x43003c, "event select 0");
	expect_gp_read(MSR_IA32_VMX_BASIC, "VMX_BASIC");
	expect_gp_read(MSR_IA32_VMX_PROCBASED, "VMX procbased controls");
	expect_gp_write(MSR_IA32_VMX_BASIC, 0, "VMX_BASIC");
	expect_gp_read(0x12345678, "unknown");
	expect_gp_write(0x12345678, 0, "unknown");
	expect_gp_read(0xc0011234, "unknown, AMD range");

	err = rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &v);
	report(!err && (v & 1) && !(v & 6), "FEATURE_CONTROL locked, VMX off "
	       "(0x%lx)", v);
	expect_gp_write(MSR_IA32_FEATURE_CONTROL, 5, "FEATURE_CONTROL");

	err = rdmsr_safe(MSR_IA32_MISC_ENABLE, &v);
	report(!err, "MISC_ENABLE readable (0x%lx)", v);
	if (!err)
		report(!wrmsr_safe(MSR_IA32_MISC_ENABLE, v), "MISC_ENABLE: "
		       "writing back the same value");
	err = rdmsr_safe(MSR_IA32_PLATFORM_ID, &v);
	report(!err && v == 0, "PLATFORM_ID reads 0 (0x%lx)", v);

	err = wrmsr_safe(MSR_IA32_TSC_AUX, 0x1234) ||
	      rdmsr_safe(MSR_IA32_TSC_AUX, &v);
	report(!err && v == 0x1234,
	       "TSC_AUX round trip (0x%lx)", v);
	check_tsc();
	check_mtrr();
	return report_summary();
}
