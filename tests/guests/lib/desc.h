/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interrupts and exceptions of the guest tests: one IDT for all CPUs
 * (interrupt gates, every vector), handlers a test installs per vector,
 * and three ways to expect an exception:
 *   - ASM_EXTABLE (processor.h) around one instruction, then
 *     exception_vector();
 *   - catch_call(fn, arg): run a function, get the vector it faulted
 *     with (-1: none) and where (struct caught), like kvm-unit-tests'
 *     test_for_exception();
 *   - handle_exception(vector, handler): a handler of one's own.
 * An exception nobody expects prints its state and fails the test.
 */
#ifndef GUEST_DESC_H
#define GUEST_DESC_H

#include "libguest.h"

#define DE_VECTOR	0
#define DB_VECTOR	1
#define NMI_VECTOR	2
#define BP_VECTOR	3
#define UD_VECTOR	6
#define DF_VECTOR	8
#define GP_VECTOR	13
#define PF_VECTOR	14

/* The stack of an interrupt, as isr.S leaves it. */
struct ex_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rdi, rsi, rbp, rbx, rdx, rcx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

typedef void (*irq_handler_t)(struct ex_regs *regs);

/* Installs @h for @vector (all CPUs); returns the previous one.  NULL:
 * the default (fail the test). */
irq_handler_t handle_irq(u8 vector, irq_handler_t h);
#define handle_exception handle_irq

/* What the last caught exception was (this CPU). */
struct caught {
	int vector;		/* -1: none */
	u64 error_code;
	u64 rip;		/* where it happened */
	u64 cr2;		/* at the time (for #PF) */
};

/* Runs fn(arg) on this CPU; an exception in it (at any depth) unwinds
 * back here.  Returns the vector, or -1 when fn returned normally. */
int catch_call(void (*fn)(void *), void *arg);
/* The details of the last exception caught by catch_call() or an
 * ASM_EXTABLE entry on this CPU. */
const struct caught *last_exception(void);

/* Called once per CPU by the start-up code. */
void idt_load(void);
void idt_init(void);

/* GDT slots 0x30 and 0x38: a flat-limit, writable data segment based at
 * @base, e.g. for FS/GS (their base is the descriptor's in long mode). */
#define SEL_TEST_DATA0	0x30
#define SEL_TEST_DATA1	0x38
void gdt_set_data(u16 sel, u32 base);

/* The 2 MiB page-table entry that maps @va (identity map, boot.S). */
u64 *pde_of(u64 va);
#define PTE_P		BIT(0)
#define PTE_W		BIT(1)

#endif /* GUEST_DESC_H */
