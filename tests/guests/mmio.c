/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmio: instruction forms on MMIO.  The runner backs the window at
 * 0xd0000000 with 4 KiB of memory, so a value written through one form
 * must read back through another; ALU forms must leave the same result
 * and arithmetic flags as on RAM.  One group per run (the command line:
 * mov, alu, bit, string, addr32), because a form the hypervisor cannot
 * emulate stops the VM.
 */
#include "desc.h"
#include "libguest.h"

#define W		((volatile u8 *)MMIO_WINDOW)
#define W64(off)	(*(volatile u64 *)(MMIO_WINDOW + (off)))
#define W32(off)	(*(volatile u32 *)(MMIO_WINDOW + (off)))
/* The window seen at 1 GiB too (a 2 MiB page of the identity map
 * redirected), so that RIP-relative addressing reaches it. */
#define ALIAS_VA	0x40000000UL
/* A 2 MiB page made read-only for the string test (no RAM behind it: the
 * CPU model must refuse the access before it is made). */
#define READONLY_VA	0x40400000UL

/* mmio_alias is ALIAS_VA, defined at link time (guests.mk --defsym) so
 * that "mmio_alias(%rip)" is a PC-relative relocation, not an absolute
 * displacement. */

static void check_mov(void)
{
	u64 q = 0;
	u32 l = 0;
	u16 w = 0;
	u8 b = 0;

	report_prefix_push("mov");
	__asm__ __volatile__("movb %1, (%2); movb (%2), %0" : "=&q"(b)
			     : "q"((u8)0x5a), "r"(W) : "memory");
	report(b == 0x5a, "MOV r8 store/load 0x%x", b);
	__asm__ __volatile__("movw %1, 2(%2); movw 2(%2), %0" : "=&r"(w)
			     : "r"((u16)0xbeef), "r"(W) : "memory");
	report(w == 0xbeef, "MOV r16 with disp8: 0x%x", w);
	__asm__ __volatile__("movl %1, 0x104(%2); movl 0x104(%2), %0"
			     : "=&r"(l) : "r"(0xdeadbeefU), "r"(W) : "memory");
	report(l == 0xdeadbeef, "MOV r32 with disp32: 0x%x", l);
	__asm__ __volatile__("movq %1, 8(%2); movq 8(%2), %0" : "=&r"(q)
			     : "r"(0x0123456789abcdefULL), "r"(W) : "memory");
	report(q == 0x0123456789abcdefULL, "MOV r64: 0x%lx", q);
	__asm__ __volatile__("movq %1, %%r9; movq %%r9, 16(%2); "
			     "movq 16(%2), %%r10; movq %%r10, %0" : "=&r"(q)
			     : "r"(0x1122334455667788ULL), "r"(W)
			     : "r9", "r10", "memory");
	report(q == 0x1122334455667788ULL, "MOV r64 with REX.R (r9, r10)");

	/* Immediates */
	__asm__ __volatile__("movb $0xa5, 0x20(%0)" : : "r"(W) : "memory");
	report(W[0x20] == 0xa5, "MOV imm8 to m8");
	__asm__ __volatile__("movw $0x1234, 0x22(%0)" : : "r"(W) : "memory");
	report(*(volatile u16 *)(W + 0x22) == 0x1234, "MOV imm16 to m16");
	__asm__ __volatile__("movl $0xcafef00d, 0x24(%0)" : : "r"(W) : "memory");
	report(W32(0x24) == 0xcafef00d, "MOV imm32 to m32");
	__asm__ __volatile__("movq $-2, 0x28(%0)" : : "r"(W) : "memory");
	report(W64(0x28) == 0xfffffffffffffffeULL, "MOV sign-extended imm32 "
	       "to m64: 0x%lx", W64(0x28));

	/* High-byte registers */
	__asm__ __volatile__("movl $0x1234, %%eax; movb %%ah, 0x30(%1); "
			     "xorl %%ecx, %%ecx; movb 0x30(%1), %%ch; "
			     "movl %%ecx, %0" : "=r"(l) : "r"(W)
			     : "rax", "rcx", "memory");
	report(W[0x30] == 0x12 && l == 0x1200, "MOV AH store, CH load (0x%x)",
	       l);

	/* SIB: base + index * scale + displacement */
	__asm__ __volatile__("movl %0, 0x10(%1, %2, 4)" : : "r"(0x5151U),
			     "r"(W), "r"(0x10UL) : "memory");
	report(W32(0x50) == 0x5151, "MOV with SIB (base, index*4, disp8)");
	W32(0x40) = 0x4242;
	__asm__ __volatile__("movl 0x10(, %1, 8), %0" : "=r"(l)
			     : "r"((MMIO_WINDOW + 0x40 - 0x10) / 8) : "memory");
	report(l == 0x4242, "MOV with SIB (no base, index*8, disp32): 0x%x", l);

	/* Accumulator moffs forms (A0-A3 with a 64-bit address) */
	__asm__ __volatile__("movl $0x77665544, %%eax; movabsl %%eax, "
			     "0xd0000060; movabsl 0xd0000060, %%eax; movl "
			     "%%eax, %0" : "=r"(l) : : "rax", "memory");
	report(l == 0x77665544, "MOV moffs32 (A3/A1): 0x%x", l);

	/* RIP-relative, through the alias of the window */
	*pde_of(ALIAS_VA) = MMIO_WINDOW | 0x9b;	/* P W PWT PCD PS */
	invlpg(ALIAS_VA);
	__asm__ __volatile__("movl %1, mmio_alias + 0x70(%%rip); "
			     "movl mmio_alias + 0x70(%%rip), %0" : "=&r"(l)
			     : "r"(0x31415926U) : "memory");
	report(l == 0x31415926 && W32(0x70) == 0x31415926, "MOV RIP-relative "
	       "(0x%x)", l);

	/* Segment overrides: FS and GS based at the window. */
	gdt_set_data(SEL_TEST_DATA0, MMIO_WINDOW);
	__asm__ __volatile__("movw %w0, %%fs; movw %w0, %%gs" : :
			     "r"(SEL_TEST_DATA0));
	__asm__ __volatile__("movl %1, %%fs:0x80; movl %%gs:0x80, %0"
			     : "=&r"(l) : "r"(0xf5f5a0a0U) : "memory");
	report(l == 0xf5f5a0a0 && W32(0x80) == 0xf5f5a0a0, "MOV with FS and "
	       "GS overrides (0x%x)", l);
	__asm__ __volatile__("movw %w0, %%fs; movw %w0, %%gs" : : "r"(0x10));

	/* MOVZX / MOVSX / MOVSXD */
	W64(0x90) = 0x80818283f4f5f6f7ULL;
	__asm__ __volatile__("movzbl 0x90(%1), %0" : "=r"(l) : "r"(W));
	report(l == 0xf7, "MOVZX m8: 0x%x", l);
	__asm__ __volatile__("movzwq 0x90(%1), %0" : "=r"(q) : "r"(W));
	report(q == 0xf6f7, "MOVZX m16 to r64: 0x%lx", q);
	__asm__ __volatile__("movsbl 0x90(%1), %0" : "=r"(l) : "r"(W));
	report(l == 0xfffffff7, "MOVSX m8: 0x%x", l);
	__asm__ __volatile__("movswq 0x90(%1), %0" : "=r"(q) : "r"(W));
	report(q == 0xfffffffffffff6f7ULL, "MOVSX m16 to r64: 0x%lx", q);
	__asm__ __volatile__("movslq 0x94(%1), %0" : "=r"(q) : "r"(W));
	report(q == 0xffffffff80818283ULL, "MOVSXD m32: 0x%lx", q);
	__asm__ __volatile__("movzbw 0x97(%1), %w0" : "=r"(w) : "r"(W));
	report(w == 0x80, "MOVZX m8 to r16: 0x%x", w);
	report_prefix_pop();
}

/* The same ALU instruction on RAM and on MMIO: same memory result, same
 * register, same arithmetic flags.  @insn uses %[m] and %[r]. */
#define ALU_SAME(desc, insn, init, regv)				\
	do {								\
		u64 ram = (init), r1 = (regv), r2 = (regv), f1, f2;	\
		W64(0x200) = (init);					\
		__asm__ __volatile__(insn "\n\tpushfq\n\tpopq %[f]"	\
				     : [m] "+m"(ram), [r] "+r"(r1),	\
				       [f] "=r"(f1) : : "cc");		\
		__asm__ __volatile__(insn "\n\tpushfq\n\tpopq %[f]"	\
				     : [m] "+m"(W64(0x200)), [r] "+r"(r2),\
				       [f] "=r"(f2) : : "cc", "memory");\
		report(W64(0x200) == ram && r1 == r2 &&			\
		       !((f1 ^ f2) & X86_EFLAGS_ARITH), "%s: memory 0x%lx "\
		       "(RAM 0x%lx), register 0x%lx (0x%lx), flags 0x%lx " \
		       "(0x%lx)", desc, W64(0x200), ram, r2, r1,	\
		       (u64)(f2 & X86_EFLAGS_ARITH),			\
		       (u64)(f1 & X86_EFLAGS_ARITH));			\
	} while (0)

static void check_alu(void)
{
	report_prefix_push("alu");
	ALU_SAME("AND r64 to m64", "andq %[r], %[m]", 0xff00ff00ff00ff00ULL,
		 0x0ff00ff00ff00ff0ULL);
	ALU_SAME("AND m32 to r32", "andl %[m], %k[r]", 0x8000ffffULL, 0xf00f);
	ALU_SAME("AND imm8 to m8", "andb $0x0f, %[m]", 0x3c, 0);
	ALU_SAME("OR r32 to m32", "orl %k[r], %[m]", 0x80000000ULL, 0x1);
	ALU_SAME("OR imm32 to m64", "orq $0x7fff0000, %[m]", 0x1234, 0);
	ALU_SAME("OR m16 to r16", "orw %[m], %w[r]", 0x0, 0x0);
	ALU_SAME("XOR r8 to m8", "xorb %b[r], %[m]", 0xaa, 0xaa);
	ALU_SAME("XOR imm16 to m16", "xorw $0x8001, %[m]", 0x7fff, 0);
	ALU_SAME("XOR m64 to r64", "xorq %[m], %[r]", 0x5555, 0xaaaa);
	ALU_SAME("TEST r32, m32 (zero)", "testl %k[r], %[m]", 0xf0f0, 0x0f0f);
	ALU_SAME("TEST imm8, m8 (sign)", "testb $0x80, %[m]", 0x80, 0);
	ALU_SAME("CMP r64, m64 (below)", "cmpq %[r], %[m]", 1, 2);
	ALU_SAME("CMP m32, r32 (equal)", "cmpl %[m], %k[r]", 7, 7);
	ALU_SAME("CMP imm8, m8 (overflow)", "cmpb $1, %[m]", 0x80, 0);
	ALU_SAME("CMP imm32, m64", "cmpq $-1, %[m]", 0, 0);
	ALU_SAME("XCHG r64, m64", "xchgq %[r], %[m]", 0x1111, 0x2222);
	ALU_SAME("XCHG r16, m16", "xchgw %w[r], %[m]", 0xabcd, 0x1234);
	ALU_SAME("XCHG r8, m8", "xchgb %b[r], %[m]", 0x12, 0x34);
	ALU_SAME("BT imm8, m32 (set)", "btl $5, %[m]", 0x20, 0);
	ALU_SAME("BT imm8, m64 (clear)", "btq $40, %[m]", 0x20, 0);
	ALU_SAME("BT r32, m32", "btl %k[r], %[m]", 0x80000000ULL, 31);
	report_prefix_pop();
}

static void check_bit(void)
{
	report_prefix_push("bit");
	ALU_SAME("BTS imm8, m32", "btsl $3, %[m]", 0x1, 0);
	ALU_SAME("BTS r64, m64 (already set)", "btsq %[r], %[m]", 0x100, 8);
	ALU_SAME("BTR imm8, m32", "btrl $0, %[m]", 0x3, 0);
	ALU_SAME("BTR r32, m32", "btrl %k[r], %[m]", 0x0, 4);
	ALU_SAME("BTC imm8, m16", "btcw $15, %[m]", 0x8000, 0);
	ALU_SAME("BTC r64, m64", "btcq %[r], %[m]", 0x0, 63);
	report_prefix_pop();
}

static void check_string(void)
{
	static u8 src[64], dst[64];
	u64 n;

	report_prefix_push("string");
	for (unsigned int i = 0; i < sizeof(src); i++)
		src[i] = (u8)(i * 7 + 1);
	{
		const u8 *s = src;
		volatile u8 *d = W + 0x300;

		n = sizeof(src);
		__asm__ __volatile__("cld; rep movsb" : "+S"(s), "+D"(d),
				     "+c"(n) : : "memory");
	}
	report(!memcmp((const void *)(W + 0x300), src, sizeof(src)),
	       "REP MOVSB RAM to MMIO (64 bytes)");
	{
		volatile u8 *s = W + 0x300;
		u8 *d = dst;

		n = sizeof(dst) / 4;
		__asm__ __volatile__("cld; rep movsl" : "+S"(s), "+D"(d),
				     "+c"(n) : : "memory");
	}
	report(!memcmp(dst, src, sizeof(src)), "REP MOVSD MMIO to RAM");
	{
		volatile u8 *d = W + 0x380;

		n = 4;
		__asm__ __volatile__("cld; rep stosq" : "+D"(d), "+c"(n)
				     : "a"(0x0102030405060708ULL) : "memory");
	}
	report(W64(0x380) == 0x0102030405060708ULL &&
	       W64(0x398) == 0x0102030405060708ULL, "REP STOSQ to MMIO");
	{
		volatile u8 *d = W + 0x3a0;

		__asm__ __volatile__("cld; stosb" : "+D"(d) : "a"(0x99)
				     : "memory");
	}
	report(W[0x3a0] == 0x99, "STOSB to MMIO");
	{
		volatile u8 *s = W + 0x380;
		u8 *d = dst;

		__asm__ __volatile__("cld; movsw" : "+S"(s), "+D"(d) : : "memory");
	}
	report(dst[0] == 0x08 && dst[1] == 0x07, "MOVSW MMIO to RAM");
	{
		/* The memory side is checked as the CPU checks it: into a
		 * read-only page (CR0.WP set) the first iteration faults,
		 * #PF with P|W and CR2 the destination, nothing moved. */
		u64 *pde = pde_of(READONLY_VA), saved = *pde;
		volatile u8 *s = W + 0x300;
		u8 *d = (u8 *)READONLY_VA + 0x40;

		*pde &= ~PTE_W;
		invlpg(READONLY_VA);
		n = 4;
		exception_reset();
		__asm__ __volatile__("cld\n1: rep movsb\n2:\n" ASM_EXTABLE(1b, 2b)
				     : "+S"(s), "+D"(d), "+c"(n) : : "memory");
		*pde = saved;
		invlpg(READONLY_VA);
		report(exception_vector() == 14 && exception_error_code() == 3 &&
		       last_exception()->cr2 == READONLY_VA + 0x40 && n == 4,
		       "REP MOVSB MMIO to a read-only page: #PF %d, error "
		       "code 0x%lx, CR2 0x%lx, RCX %lu", exception_vector(),
		       exception_error_code(), last_exception()->cr2, n);
	}
	report_prefix_pop();
}

static void check_addr32(void)
{
	u32 l = 0;

	report_prefix_push("addr32");
	__asm__ __volatile__("movl %1, 0x400(%k2); movl 0x400(%k2), %0"
			     : "=&r"(l) : "r"(0x600dcafeU), "r"(MMIO_WINDOW)
			     : "memory");
	report(l == 0x600dcafe && W32(0x400) == 0x600dcafe, "MOV with a 32-bit "
	       "address (67 prefix): 0x%x", l);
	__asm__ __volatile__("movzbl 0x401(%k1), %0" : "=r"(l)
			     : "r"(MMIO_WINDOW) : "memory");
	report(l == 0xca, "MOVZX with a 32-bit address: 0x%x", l);
	report_skip("16-bit address size: not reachable from long mode");
	report_prefix_pop();
}

static const struct {
	const char *name;
	void (*fn)(void);
} groups[] = {
	{ "mov", check_mov },
	{ "alu", check_alu },
	{ "bit", check_bit },
	{ "string", check_string },
	{ "addr32", check_addr32 },
};

int main(int argc, char **argv)
{
	bool any = false;

	for (unsigned int i = 0; i < ARRAY_SIZE(groups); i++) {
		if (argc > 1 && !test_arg(argc, argv, groups[i].name))
			continue;
		groups[i].fn();
		any = true;
	}
	report(any, "a group was chosen (mov, alu, bit, string, addr32)");
	return report_summary();
}
