/* Per-CPU set-up: GDT, TSS, IDT and the CR4 features the hypervisor needs.  The IDT routes the 32 exception vectors to the fault
 * reporter; #DF and NMI run on their own stack so that a stack overflow is
 * still reported. */
#include "types.h"
#include <asm/cpu.h>
#include <asm/msr.h>
#include <asm/percpu.h>

struct percpu percpu[MAX_CPUS];

struct idt_gate {
	u16 off0;
	u16 sel;
	u8 ist;
	u8 type;
	u16 off1;
	u32 off2;
	u32 reserved;
} __packed;

static struct idt_gate idt[32] __aligned(16);
extern const u64 isr_table[32];	/* isr.S */

#define VEC_NMI	2
#define VEC_DF	8

static void idt_init(void)
{
	for (unsigned v = 0; v < ARRAY_SIZE(idt); v++) {
		u64 a = isr_table[v];

		idt[v] = (struct idt_gate){
			.off0 = (u16)a, .sel = GDT_CS,
			.ist = (v == VEC_DF || v == VEC_NMI) ? 1 : 0,
			.type = 0x8e,	/* present, DPL 0, interrupt gate */
			.off1 = (u16)(a >> 16), .off2 = (u32)(a >> 32),
		};
	}
}

void cpu_tables_init(struct percpu *pc)
{
	u64 tss = (u64)&pc->tss;
	u64 limit = sizeof(pc->tss) - 1;
	struct desc_ptr gdtr = { sizeof(pc->gdt) - 1, (u64)pc->gdt };
	struct desc_ptr idtr = { sizeof(idt) - 1, (u64)idt };

	if (pc == &percpu[0])
		idt_init();
	pc->gdt[0] = 0;
	pc->gdt[1] = 0x00af9a000000ffffULL;	/* 64-bit code */
	pc->gdt[2] = 0x00cf92000000ffffULL;	/* data */
	pc->gdt[3] = (limit & 0xffff) | ((tss & 0xffffff) << 16) |
		     (0x89ULL << 40) | (((tss >> 24) & 0xff) << 56);
	pc->gdt[4] = tss >> 32;
	pc->tss.ist[0] = (u64)pc->fault_stack + sizeof(pc->fault_stack);
	pc->tss.iomap_base = sizeof(pc->tss);

	asm volatile("lgdt %0" :: "m"(gdtr));
	asm volatile("pushq %0; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:"
		     :: "i"(GDT_CS) : "rax", "memory");
	asm volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss; "
		     "mov %0, %%fs; mov %0, %%gs" :: "r"(GDT_DS));
	/* Loading GS cleared its base: point it at this CPU's data (the
	 * VMCS host GS base is the same). */
	wrmsr(MSR_GS_BASE, (u64)pc);
	asm volatile("ltr %w0" :: "r"(GDT_TSS));
	asm volatile("lidt %0" :: "m"(idtr));

	/* Extended state on, so that the hypervisor can execute XSETBV for
	 * its guests on every CPU. */
	if (cpuid_ecx(1) & BIT(26))
		write_cr4(read_cr4() | X86_CR4_OSXSAVE);
}
