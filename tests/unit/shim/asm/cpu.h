/* Host replacement for hypervisor/arch/x86/include/asm/cpu.h, found first
 * on the unit tests' include path (tests/unit/shim before the arch
 * headers).  Only what the sources under test use: the control registers
 * read back test values and halting returns to the test (test_fault.c);
 * the spin-wait hint is a hook, so a test sees (and can act on, or end)
 * every iteration of a wait loop (test_vcpu_start.c); CPUID and RDTSC
 * answer what the CPU model's test fakes (test_cpu_model.c). */
#ifndef ISLET_ASM_CPU_H
#define ISLET_ASM_CPU_H

#include "types.h"

/* Set by the test; read_crN() returns unit_crN. */
extern u64 unit_cr0, unit_cr2, unit_cr3, unit_cr4;

static inline u64 read_cr0(void) { return unit_cr0; }
static inline u64 read_cr2(void) { return unit_cr2; }
static inline u64 read_cr3(void) { return unit_cr3; }
static inline u64 read_cr4(void) { return unit_cr4; }

/* Defined by the test: longjmps back to it, so it never returns. */
__noreturn void cpu_halt_forever(void);

/* The time stamp counter is the test's clock: rdtsc() returns unit_tsc
 * (test_vlapic.c), so timers fire exactly when a test says. */
extern u64 unit_tsc;
static inline u64 rdtsc(void) { return unit_tsc; }

/* Defined by the test: called once per iteration of a spin-wait. */
void cpu_relax(void);

/* CPUID: defined by the test that fakes the host CPU
 * (test_cpu_model.c). */
#define X86_CR4_OSXSAVE	BIT(18)

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

void cpuid_count(u32 leaf, u32 sub, struct cpuid_regs *r);

#endif
