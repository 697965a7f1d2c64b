/* SPDX-License-Identifier: BSD-3-Clause */
/* Instruction wrappers for the guest tests: ports, CPUID, MSRs (with #GP
 * caught), the TSC, control registers, interrupts. */
#ifndef GUEST_PROCESSOR_H
#define GUEST_PROCESSOR_H

#include "libguest.h"

/* MSRs the tests use. */
#define MSR_IA32_TSC		0x10
#define MSR_IA32_PLATFORM_ID	0x17
#define MSR_IA32_APIC_BASE	0x1b
#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_IA32_TSC_ADJUST	0x3b
#define MSR_IA32_MTRRCAP	0xfe
#define MSR_IA32_PMC0		0xc1
#define MSR_IA32_PERFEVTSEL0	0x186
#define MSR_IA32_MISC_ENABLE	0x1a0
#define MSR_IA32_PERF_GLOBAL_CTRL 0x38f
#define MSR_IA32_MTRR_DEF_TYPE	0x2ff
#define MSR_IA32_VMX_BASIC	0x480
#define MSR_IA32_VMX_PROCBASED	0x482
#define MSR_IA32_TSC_DEADLINE	0x6e0
#define MSR_X2APIC_BASE		0x800
#define MSR_IA32_EFER		0xc0000080
#define MSR_IA32_TSC_AUX	0xc0000103

#define APIC_BASE_BSP		BIT(8)
#define APIC_BASE_EXTD		BIT(10)
#define APIC_BASE_EN		BIT(11)

#define X86_EFLAGS_CF	BIT(0)
#define X86_EFLAGS_PF	BIT(2)
#define X86_EFLAGS_ZF	BIT(6)
#define X86_EFLAGS_SF	BIT(7)
#define X86_EFLAGS_IF	BIT(9)
#define X86_EFLAGS_OF	BIT(11)
#define X86_EFLAGS_ARITH (X86_EFLAGS_CF | X86_EFLAGS_PF | BIT(4) | \
			  X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)

struct cpuid { u32 a, b, c, d; };

static inline struct cpuid cpuid_count(u32 leaf, u32 sub)
{
	struct cpuid r;

	__asm__ __volatile__("cpuid"
			     : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d)
			     : "a"(leaf), "c"(sub));
	return r;
}

static inline struct cpuid cpuid(u32 leaf)
{
	return cpuid_count(leaf, 0);
}

static inline void outb(u16 port, u8 v)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(u16 port, u16 v)
{
	__asm__ __volatile__("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	__asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u16 inw(u16 port)
{
	u16 v;

	__asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (u64)hi << 32 | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ __volatile__("wrmsr" : : "c"(msr), "a"((u32)v),
			     "d"((u32)(v >> 32)) : "memory");
}

/*
 * The exception-table entry of an instruction at label @from: an
 * exception there resumes at @to, and exception_vector() says which.
 * (desc.c looks the faulting RIP up in the table.)
 */
#define ASM_EXTABLE(from, to)						\
	".pushsection .extable, \"a\"\n\t"				\
	".balign 8\n\t"							\
	".quad " #from ", " #to "\n\t"					\
	".popsection\n\t"

/* The vector of the last exception caught through the table on this CPU
 * since exception_reset(), or -1; its error code. */
int exception_vector(void);
u64 exception_error_code(void);
void exception_reset(void);

/* 0, or the vector of the exception (13 for #GP). */
static inline int rdmsr_safe(u32 msr, u64 *val)
{
	u32 lo = 0, hi = 0;

	exception_reset();
	__asm__ __volatile__("1: rdmsr\n2:\n" ASM_EXTABLE(1b, 2b)
			     : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*val = (u64)hi << 32 | lo;
	return exception_vector() < 0 ? 0 : exception_vector();
}

static inline int wrmsr_safe(u32 msr, u64 v)
{
	exception_reset();
	__asm__ __volatile__("1: wrmsr\n2:\n" ASM_EXTABLE(1b, 2b)
			     : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
			     : "memory");
	return exception_vector() < 0 ? 0 : exception_vector();
}

/* CR8, the task-priority class (TPR[7:4]). */
static inline u64 read_cr8(void)
{
	u64 v;

	__asm__ __volatile__("mov %%cr8, %0" : "=r"(v));
	return v;
}

static inline void write_cr8(u64 v)
{
	__asm__ __volatile__("mov %0, %%cr8" : : "r"(v) : "memory");
}

/* 0, or the vector of the exception the write raised. */
static inline int write_cr8_safe(u64 v)
{
	exception_reset();
	__asm__ __volatile__("1: mov %0, %%cr8\n2:\n" ASM_EXTABLE(1b, 2b)
			     : : "r"(v) : "memory");
	return exception_vector() < 0 ? 0 : exception_vector();
}

static inline u64 read_cr0(void)
{
	u64 v;

	__asm__ __volatile__("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline u64 read_cr2(void)
{
	u64 v;

	__asm__ __volatile__("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline u64 read_cr3(void)
{
	u64 v;

	__asm__ __volatile__("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline u64 read_rflags(void)
{
	u64 v;

	__asm__ __volatile__("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline void irq_enable(void)
{
	__asm__ __volatile__("sti" : : : "memory");
}

static inline void irq_disable(void)
{
	__asm__ __volatile__("cli" : : : "memory");
}

/* STI's shadow covers HLT: an interrupt pending now wakes it, none is
 * taken between the two. */
static inline void safe_halt(void)
{
	__asm__ __volatile__("sti; hlt" : : : "memory");
}

static inline void pause(void)
{
	__asm__ __volatile__("pause" : : : "memory");
}

static inline void invlpg(u64 va)
{
	__asm__ __volatile__("invlpg (%0)" : : "r"(va) : "memory");
}

#define barrier()	__asm__ __volatile__("" : : : "memory")

#endif /* GUEST_PROCESSOR_H */
