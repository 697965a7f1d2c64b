/* Report a fault taken inside the hypervisor: vector, error code, all
 * registers and a frame-pointer stack trace, then halt.  The hypervisor
 * never resets silently; a fault here is a bug to be read off the console
 * (addresses resolve with addr2line -e build/hypervisor/islet.elf). */
#include "printk.h"
#include <asm/cpu.h>

struct fault_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};

extern char __hv_start[], __hv_end[];

static const char *const vector_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "",
	"#TS", "#NP", "#SS", "#GP", "#PF", "", "#MF", "#AC", "#MC", "#XM",
	"#VE", "#CP",
};

/* A 16-byte frame at @a lies inside the hypervisor (written so that a
 * frame pointer near the top of the address space cannot wrap). */
static bool in_hv(u64 a)
{
	return a >= (u64)__hv_start && a <= (u64)__hv_end - 16;
}

/* Instructions allowed to fault (rdmsr_safe and friends) are listed in
 * .ex_table with the address to resume at. */
struct ex_entry {
	u64 insn, fixup;
};
extern const struct ex_entry __ex_table_start[], __ex_table_end[];

static void fault_report(const struct fault_frame *f);

void fault_handler(struct fault_frame *f);
void fault_handler(struct fault_frame *f)
{
	for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == f->rip && f->vector == 13) {
			f->rip = e->fixup;
			return;
		}
	}
	fault_report(f);
}

static void fault_report(const struct fault_frame *f)
{
	const char *name = f->vector < 32 ? vector_names[f->vector] : "";
	u64 rbp = f->rbp;

	console_break_lock();
	printk("\nislet: FAULT: vector %lu %s error 0x%lx at rip 0x%lx\n",
	       f->vector, name ? name : "", f->error, f->rip);
	printk("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n",
	       f->rax, f->rbx, f->rcx, f->rdx);
	printk("  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n",
	       f->rsi, f->rdi, f->rbp, f->rsp);
	printk("  r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n",
	       f->r8, f->r9, f->r10, f->r11);
	printk("  r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n",
	       f->r12, f->r13, f->r14, f->r15);
	printk("  cs %lx ss %lx rflags %lx cr0 %lx cr2 %lx cr3 %lx cr4 %lx\n",
	       f->cs, f->ss, f->rflags, read_cr0(), read_cr2(), read_cr3(),
	       read_cr4());
	printk("  stack trace:\n    0x%lx\n", f->rip);
	for (int depth = 0; depth < 16 && rbp && in_hv(rbp) &&
	     IS_ALIGNED(rbp, 8); depth++) {
		const u64 *frame = (const u64 *)rbp;

		printk("    0x%lx\n", frame[1]);
		if (frame[0] <= rbp)	/* frames grow upward; stop on loops */
			break;
		rbp = frame[0];
	}
	printk("islet: halted.\n");
	cpu_halt_forever();
}
