/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * exceptions: the guest's own exceptions arrive through its IDT with the
 * right vector, error code, RIP and CR2: #UD, #GP, #DE, #BP, #PF (read
 * and write of a not-present page, write of a read-only one), and the
 * framework's handler installation.
 */
#include "desc.h"
#include "libguest.h"

/* Unused by anything else: the 2 MiB pages made absent or read-only. */
#define ABSENT_VA	0x40000000UL
#define READONLY_VA	0x40200000UL

static u64 bp_rip, bp_count;

static void bp_handler(struct ex_regs *r)
{
	bp_rip = r->rip;
	bp_count++;
}

/* Runs one faulting instruction (with its label) and checks vector,
 * error code and RIP. */
#define EXPECT_FAULT(vec, err, insn, ...) EXPECT_FAULT_AFTER(vec, err, "", insn, __VA_ARGS__)
/* @pre: set-up instructions before the one that faults. */
#define EXPECT_FAULT_AFTER(vec, err, pre, insn, ...)				\
	({								\
		u64 at_;						\
		exception_reset();					\
		__asm__ __volatile__(pre "\n\tlea 1f(%%rip), %0\n\t"	\
				     "1: " insn "\n2:\n"		\
				     ASM_EXTABLE(1b, 2b)		\
				     : "=&r"(at_) : __VA_ARGS__ : "memory",\
				     "cc", "rdx", "rax");		\
		report((vec) == -1 ? exception_vector() == -1 :	\
		       exception_vector() == (vec) &&			\
		       last_exception()->rip == at_ &&			\
		       exception_error_code() == (err),			\
		       "%s%s: vector %d (want %d), error code 0x%lx "	\
		       "(want 0x%x), at the instruction: %s", pre " ", insn, \
		       exception_vector(), vec, exception_error_code(),	\
		       (unsigned int)(err),				\
		       last_exception()->rip == at_ ? "yes" : "no");	\
		at_;							\
	})

static void deep_ud(void *arg)
{
	__asm__ __volatile__("ud2");
}

static void no_fault(void *arg)
{
	*(u32 *)arg = 1;
}

static void check_pf(void)
{
	u64 *absent = pde_of(ABSENT_VA), *ro = pde_of(READONLY_VA);
	u64 saved_a = *absent, saved_r = *ro;

	*absent &= ~PTE_P;
	*ro &= ~PTE_W;
	invlpg(ABSENT_VA);
	invlpg(READONLY_VA);

	EXPECT_FAULT(PF_VECTOR, 0, "movl (%1), %%eax", "r"(ABSENT_VA + 8));
	report(last_exception()->cr2 == ABSENT_VA + 8, "#PF read: CR2 0x%lx",
	       last_exception()->cr2);
	EXPECT_FAULT(PF_VECTOR, 2, "movl %%eax, (%1)", "r"(ABSENT_VA + 0x123));
	report(last_exception()->cr2 == ABSENT_VA + 0x123, "#PF write: CR2 "
	       "0x%lx", last_exception()->cr2);
	EXPECT_FAULT(PF_VECTOR, 3, "movb %%al, (%1)", "r"(READONLY_VA + 0x10));
	report(last_exception()->cr2 == READONLY_VA + 0x10, "#PF write to a "
	       "read-only page: CR2 0x%lx", last_exception()->cr2);
	EXPECT_FAULT(-1, 0, "movl (%1), %%eax", "r"(READONLY_VA + 0x10));

	*absent = saved_a;
	*ro = saved_r;
	invlpg(ABSENT_VA);
	invlpg(READONLY_VA);
	EXPECT_FAULT(-1, 0, "movl (%1), %%eax", "r"(ABSENT_VA + 8));
}

int main(int argc, char **argv)
{
	u32 flag = 0;
	u64 at;

	EXPECT_FAULT(UD_VECTOR, 0, "ud2", "r"(0));
	EXPECT_FAULT_AFTER(DE_VECTOR, 0, "xor %%edx, %%edx", "divl %1", "r"(0));
	/* A non-canonical address. */
	EXPECT_FAULT_AFTER(GP_VECTOR, 0, "movq %1, %%rax", "movq (%%rax), %%rax",
			   "r"(0x8000000000000000ULL));
	/* A selector past the GDT: #GP with the selector as error code. */
	EXPECT_FAULT_AFTER(GP_VECTOR, 0x1000, "movw %w1, %%ax",
			   "movw %%ax, %%fs", "r"(0x1000));
	EXPECT_FAULT(UD_VECTOR, 0, ".byte 0xf0, 0x90", "r"(0));	/* LOCK NOP */

	report(catch_call(deep_ud, NULL) == UD_VECTOR, "catch_call: #UD inside "
	       "a called function unwinds to the caller");
	report(catch_call(no_fault, &flag) == -1 && flag == 1, "catch_call: a "
	       "function without exception returns -1");

	/* #BP is a trap: the saved RIP is the next instruction. */
	handle_exception(BP_VECTOR, bp_handler);
	__asm__ __volatile__("lea 1f(%%rip), %0\n\tint3\n1:" : "=r"(at));
	report(bp_count == 1 && bp_rip == at, "#BP: handler ran once (%lu), "
	       "RIP after INT3", bp_count);
	__asm__ __volatile__("lea 1f(%%rip), %0\n\t.byte 0xcd, 0x03\n1:"
			     : "=r"(at));
	report(bp_count == 2 && bp_rip == at, "INT 3 (CD 03) too");
	handle_exception(BP_VECTOR, NULL);

	check_pf();
	return report_summary();
}
