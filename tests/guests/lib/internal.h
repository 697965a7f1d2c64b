/* SPDX-License-Identifier: BSD-3-Clause */
/* What the framework's own files share (not for tests). */
#ifndef GUEST_INTERNAL_H
#define GUEST_INTERNAL_H

#include "desc.h"
#include "smp.h"

/* Each CPU's stack, STACK_SIZE aligned; its lowest bytes hold the CPU's
 * struct percpu, so this_cpu() is the stack pointer rounded down. */
#define STACK_SIZE	0x4000

struct percpu {
	u32 id;
	bool x2apic;		/* the mode apic.c's accessors use */
	struct caught ex;	/* the last caught exception */
	u64 catch_rsp;		/* catch_call()'s frame, 0: none */
	/* on_cpu() mailbox */
	void (*volatile fn)(void *);
	void *volatile arg;
};

static inline struct percpu *this_cpu(void)
{
	u64 sp;

	__asm__ __volatile__("mov %%rsp, %0" : "=r"(sp));
	return (struct percpu *)(sp & ~(u64)(STACK_SIZE - 1));
}

extern u8 cpu_stacks[MAX_CPUS][STACK_SIZE];
struct percpu *cpu_data(u32 cpu);

/* boot.S */
extern u32 mb_magic, mb_info;
extern const u8 trampoline_start[], trampoline_end[];
extern u64 boot_pd[4 * 512];
/* isr.S: 256 stubs of ISR_STUB_SIZE bytes from isr_stubs */
extern const u8 isr_stubs[];
#define ISR_STUB_SIZE	16
u64 catch_enter(void (*fn)(void *), void *arg, u64 *rsp_slot);
extern const u8 catch_resume[];

/* C entry points called from boot.S */
void guest_start(void) __attribute__((noreturn));
void ap_start(u32 id) __attribute__((noreturn));
void handle_interrupt(struct ex_regs *regs);
int main(int argc, char **argv);

#endif /* GUEST_INTERNAL_H */
