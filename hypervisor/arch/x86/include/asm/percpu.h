/* Per-CPU state of the hypervisor: descriptor tables, TSS and stacks. */
#ifndef ISLET_ASM_PERCPU_H
#define ISLET_ASM_PERCPU_H

#include "types.h"

#define MAX_CPUS	8
#define HV_STACK_SIZE	(16 * 1024)

#define GDT_CS		0x08
#define GDT_DS		0x10
#define GDT_TSS		0x18	/* 16-byte system descriptor */
#define GDT_ENTRIES	5

struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;

struct percpu {
	u64 gdt[GDT_ENTRIES] __aligned(16);
	struct tss64 tss __aligned(16);
	u32 cpu_id;		/* index, 0 = boot CPU */
	u8 stack[HV_STACK_SIZE] __aligned(16);
	u8 fault_stack[4096] __aligned(16);	/* IST for #DF and #NMI */
};

extern struct percpu percpu[MAX_CPUS];

/* Load this CPU's GDT, TSS and the shared IDT; enable CR4 features. */
void cpu_tables_init(struct percpu *pc);

#endif
