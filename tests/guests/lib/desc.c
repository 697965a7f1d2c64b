/* SPDX-License-Identifier: BSD-3-Clause */
/* The IDT, per-vector handlers and the ways of catching an exception
 * (desc.h). */
#include "internal.h"

struct idt_gate {
	u16 off0, sel;
	u8 ist, type;
	u16 off1;
	u32 off2, zero;
};

struct extable_entry {
	u64 from, to;
};
extern const struct extable_entry __extable_start[], __extable_end[];

static struct idt_gate idt[256] __attribute__((aligned(16)));
static irq_handler_t handlers[256];

static const char *const vector_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "9",
	"#TS", "#NP", "#SS", "#GP", "#PF", "15", "#MF", "#AC", "#MC", "#XM",
	"#VE", "#CP",
};

void idt_init(void)
{
	for (unsigned int v = 0; v < 256; v++) {
		u64 a = (u64)(isr_stubs + v * ISR_STUB_SIZE);

		idt[v] = (struct idt_gate){
			.off0 = (u16)a, .sel = 0x08, .type = 0x8e,
			.off1 = (u16)(a >> 16), .off2 = (u32)(a >> 32),
		};
	}
}

void idt_load(void)
{
	struct __attribute__((packed)) { u16 limit; u64 base; } d = {
		sizeof(idt) - 1, (u64)idt,
	};

	__asm__ __volatile__("lidt %0" : : "m"(d));
}

irq_handler_t handle_irq(u8 vector, irq_handler_t h)
{
	irq_handler_t old = handlers[vector];

	handlers[vector] = h;
	barrier();
	return old;
}

static void record(struct percpu *c, const struct ex_regs *r)
{
	c->ex.vector = (int)r->vector;
	c->ex.error_code = r->error_code;
	c->ex.rip = r->rip;
	c->ex.cr2 = r->vector == PF_VECTOR ? read_cr2() : 0;
}

static bool fixup(struct ex_regs *r)
{
	for (const struct extable_entry *e = __extable_start;
	     e < __extable_end; e++) {
		if (e->from == r->rip) {
			record(this_cpu(), r);
			r->rip = e->to;
			return true;
		}
	}
	return false;
}

void handle_interrupt(struct ex_regs *r)
{
	struct percpu *c = this_cpu();

	if (r->vector < 32 && fixup(r))
		return;
	if (handlers[r->vector]) {
		handlers[r->vector](r);
		return;
	}
	/* Inside catch_call(): unwind to it with the vector. */
	if (r->vector < 32 && c->catch_rsp) {
		record(c, r);
		r->rsp = c->catch_rsp;
		r->rip = (u64)catch_resume;
		r->rax = r->vector;
		c->catch_rsp = 0;
		return;
	}
	printf("unexpected %s %s (vector %lu) on CPU %u at RIP 0x%lx, error "
	       "code 0x%lx, CR2 0x%lx, RSP 0x%lx, RFLAGS 0x%lx\n",
	       r->vector < 32 ? "exception" : "interrupt",
	       r->vector < 32 && vector_names[r->vector] ?
	       vector_names[r->vector] : "", r->vector, c->id, r->rip,
	       r->error_code, read_cr2(), r->rsp, r->rflags);
	report(false, "no unexpected exception or interrupt");
	exit(report_summary() | 1);
}

int catch_call(void (*fn)(void *), void *arg)
{
	struct percpu *c = this_cpu();
	u64 saved = c->catch_rsp;
	u64 ret;

	c->ex.vector = -1;
	ret = catch_enter(fn, arg, &c->catch_rsp);
	c->catch_rsp = saved;
	return ret == ~0ULL ? -1 : (int)ret;
}

const struct caught *last_exception(void)
{
	return &this_cpu()->ex;
}

int exception_vector(void)
{
	return this_cpu()->ex.vector;
}

u64 exception_error_code(void)
{
	return this_cpu()->ex.error_code;
}

void exception_reset(void)
{
	this_cpu()->ex.vector = -1;
}

extern u64 gdt[];

void gdt_set_data(u16 sel, u32 base)
{
	gdt[sel / 8] = 0x00cf93000000ffffULL | (u64)(base & 0xffffff) << 16 |
		       (u64)(base >> 24) << 56;
}

u64 *pde_of(u64 va)
{
	return &boot_pd[(va >> 21) & 2047];
}
