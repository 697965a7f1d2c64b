/* Host replacement for hypervisor/arch/x86/include/asm/cpu.h, found first
 * on the unit tests' include path (tests/unit/shim before the arch
 * headers).  Only what the sources under test use: the control registers
 * read back test values and halting returns to the test (test_fault.c);
 * the spin-wait hint is a hook, so a test sees (and can act on, or end)
 * every iteration of a wait loop (test_vcpu_start.c). */
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

/* Defined by the test: called once per iteration of a spin-wait. */
void cpu_relax(void);

/* The host's own counter: only differences are used (core/user_vcpu.c's
 * request timing). */
static inline u64 rdtsc(void)
{
	return __builtin_ia32_rdtsc();
}

#endif
