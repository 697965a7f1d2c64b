/* hypervisor/core/insn.c: the read-modify-write and string forms a User VM
 * may use on emulated MMIO (ADD, ADC, SUB, SBB, INC, DEC, NOT, NEG, BTS,
 * BTR, BTC, MOVS, STOS), decoded from assembler output in 16-, 32- and
 * 64-bit code with their prefixes (REX, operand and address size,
 * segment, LOCK, REP), and insn_alu's results and flags for the
 * arithmetic operations checked against the host CPU.  Buffers are heap
 * blocks of exactly the bytes the decoder may read, so ASan reports a
 * read beyond @avail. */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "insn.h"

enum mode { M64, M32, M16 };

struct form {
	const char *text;	/* objdump's disassembly */
	enum mode mode;
	u8 len, op, size, reg_size;
	bool reg_first, store, has_imm, high8;
	u8 reg;
	u64 imm;
	bool rep;
	u8 asize, seg;
	u8 bytes[15];
};

#define B(...)	{ __VA_ARGS__ }
/* Memory destination with a register source; with an immediate; memory
 * only (INC, DEC, NOT, NEG); register destination; string forms. */
#define MR(t, m, l, o, s, r, sg, b)	{ t, m, l, o, s, s, false, true, false, false, r, 0, false, m == M64 ? 8 : m == M32 ? 4 : 2, sg, b }
#define MI(t, m, l, o, s, i, sg, b)	{ t, m, l, o, s, s, false, true, true, false, 0, i, false, m == M64 ? 8 : m == M32 ? 4 : 2, sg, b }
#define M1(t, m, l, o, s, sg, b)	{ t, m, l, o, s, s, false, true, false, false, 0, 0, false, m == M64 ? 8 : m == M32 ? 4 : 2, sg, b }
#define RM(t, m, l, o, s, r, h, b)	{ t, m, l, o, s, s, true, false, false, h, r, 0, false, m == M64 ? 8 : m == M32 ? 4 : 2, SEG_DS, b }
#define ST(t, m, l, o, s, rep, as, sg, b)	{ t, m, l, o, s, s, false, true, false, false, 0, 0, rep, as, sg, b }

/* GNU as 2.40 (--64, --32; .code16 for the 16-bit ones), listed with
 * objdump -d (-Maddr16,data16 for 16-bit code) while writing this test. */
static const struct form forms[] = {
	/* MOVSXD with REX.W: a sign-extending 32-bit load */
	{ "movslq 0x94(%rbx),%rdx", M64, 7, INSN_MOVSX, 4, 8, true, false, false,
	  false, 2, 0, false, 8, SEG_DS, B(0x48, 0x63, 0x93, 0x94, 0x00, 0x00, 0x00) },
	MR("add %eax,(%rdi)", M64, 2, INSN_ADD, 4, 0, SEG_DS, B(0x01, 0x07)),
	RM("add (%rsi),%r10d", M64, 3, INSN_ADD, 4, 10, false, B(0x44, 0x03, 0x16)),
	MI("addb $0x7f,(%rdx)", M64, 3, INSN_ADD, 1, 0x7f, SEG_DS, B(0x80, 0x02, 0x7f)),
	MI("addl $0x12345678,0x8(%rcx)", M64, 7, INSN_ADD, 4, 0x12345678, SEG_DS,
	   B(0x81, 0x41, 0x08, 0x78, 0x56, 0x34, 0x12)),
	MI("addq $-1,(%rax)", M64, 4, INSN_ADD, 8, ~0ULL, SEG_DS, B(0x48, 0x83, 0x00, 0xff)),
	MR("adc %cl,(%rbx)", M64, 2, INSN_ADC, 1, 1, SEG_DS, B(0x10, 0x0b)),
	RM("adc 0x10(%rip),%rdx", M64, 7, INSN_ADC, 8, 2, false,
	   B(0x48, 0x13, 0x15, 0x10, 0x00, 0x00, 0x00)),
	MI("adcw $0x1234,(%r8)", M64, 6, INSN_ADC, 2, 0x1234, SEG_DS,
	   B(0x66, 0x41, 0x81, 0x10, 0x34, 0x12)),
	MR("sbb %r9,(%rsp,%rcx,8)", M64, 4, INSN_SBB, 8, 9, SEG_DS, B(0x4c, 0x19, 0x0c, 0xcc)),
	RM("sbb (%rbx),%al", M64, 2, INSN_SBB, 1, 0, false, B(0x1a, 0x03)),
	MI("sbbl $1,(%rdi)", M64, 3, INSN_SBB, 4, 1, SEG_DS, B(0x83, 0x1f, 0x01)),
	MR("sub %ax,(%rdi)", M64, 3, INSN_SUB, 2, 0, SEG_DS, B(0x66, 0x29, 0x07)),
	RM("sub (%rdi),%ah", M64, 2, INSN_SUB, 1, 0, true, B(0x2a, 0x27)),
	MI("subb $0x80,(%rsi)", M64, 3, INSN_SUB, 1, 0x80, SEG_DS, B(0x80, 0x2e, 0x80)),
	MI("subq $0x7fffffff,0x1234(%rip)", M64, 11, INSN_SUB, 8, 0x7fffffff, SEG_DS,
	   B(0x48, 0x81, 0x2d, 0x34, 0x12, 0x00, 0x00, 0xff, 0xff, 0xff, 0x7f)),
	MI("subw $-2,%gs:(%rax)", M64, 5, INSN_SUB, 2, 0xfffe, SEG_GS,
	   B(0x65, 0x66, 0x83, 0x28, 0xfe)),
	MI("lock addl $1,(%rdi)", M64, 4, INSN_ADD, 4, 1, SEG_DS, B(0xf0, 0x83, 0x07, 0x01)),
	M1("incb (%rax)", M64, 2, INSN_INC, 1, SEG_DS, B(0xfe, 0x00)),
	M1("incl (%rbx)", M64, 2, INSN_INC, 4, SEG_DS, B(0xff, 0x03)),
	M1("incq 0x8(%rax,%rdx,4)", M64, 5, INSN_INC, 8, SEG_DS, B(0x48, 0xff, 0x44, 0x90, 0x08)),
	M1("decw (%rcx)", M64, 3, INSN_DEC, 2, SEG_DS, B(0x66, 0xff, 0x09)),
	M1("decl %fs:(%rdi)", M64, 3, INSN_DEC, 4, SEG_FS, B(0x64, 0xff, 0x0f)),
	M1("notb (%rdi)", M64, 2, INSN_NOT, 1, SEG_DS, B(0xf6, 0x17)),
	M1("notq (%rax)", M64, 3, INSN_NOT, 8, SEG_DS, B(0x48, 0xf7, 0x10)),
	M1("negl (%rsi)", M64, 2, INSN_NEG, 4, SEG_DS, B(0xf7, 0x1e)),
	M1("negw 0x4(%rbx)", M64, 4, INSN_NEG, 2, SEG_DS, B(0x66, 0xf7, 0x5b, 0x04)),
	MR("bts %ecx,(%rdi)", M64, 3, INSN_BTS, 4, 1, SEG_DS, B(0x0f, 0xab, 0x0f)),
	MR("btr %rdx,(%rax)", M64, 4, INSN_BTR, 8, 2, SEG_DS, B(0x48, 0x0f, 0xb3, 0x10)),
	MR("btc %ax,(%rsi)", M64, 4, INSN_BTC, 2, 0, SEG_DS, B(0x66, 0x0f, 0xbb, 0x06)),
	MI("btsl $0x5,(%rdi)", M64, 4, INSN_BTS, 4, 5, SEG_DS, B(0x0f, 0xba, 0x2f, 0x05)),
	MI("btrq $0x3f,0x8(%rax)", M64, 6, INSN_BTR, 8, 0x3f, SEG_DS,
	   B(0x48, 0x0f, 0xba, 0x70, 0x08, 0x3f)),
	MI("btcw $0xf,(%rbx)", M64, 5, INSN_BTC, 2, 0xf, SEG_DS, B(0x66, 0x0f, 0xba, 0x3b, 0x0f)),
	MI("lock btsl $1,0x100(%rip)", M64, 9, INSN_BTS, 4, 1, SEG_DS,
	   B(0xf0, 0x0f, 0xba, 0x2d, 0x00, 0x01, 0x00, 0x00, 0x01)),
	ST("movsb", M64, 1, INSN_MOVS, 1, false, 8, SEG_DS, B(0xa4)),
	ST("movsl", M64, 1, INSN_MOVS, 4, false, 8, SEG_DS, B(0xa5)),
	ST("movsq", M64, 2, INSN_MOVS, 8, false, 8, SEG_DS, B(0x48, 0xa5)),
	ST("movsw", M64, 2, INSN_MOVS, 2, false, 8, SEG_DS, B(0x66, 0xa5)),
	ST("rep movsb", M64, 2, INSN_MOVS, 1, true, 8, SEG_DS, B(0xf3, 0xa4)),
	ST("rep movsl", M64, 2, INSN_MOVS, 4, true, 8, SEG_DS, B(0xf3, 0xa5)),
	ST("rep movsq", M64, 3, INSN_MOVS, 8, true, 8, SEG_DS, B(0xf3, 0x48, 0xa5)),
	ST("addr32 rep movsl", M64, 3, INSN_MOVS, 4, true, 4, SEG_DS, B(0x67, 0xf3, 0xa5)),
	ST("rep movsl %fs:(%rsi),%es:(%rdi)", M64, 3, INSN_MOVS, 4, true, 8, SEG_FS,
	   B(0x64, 0xf3, 0xa5)),
	ST("repnz movsb", M64, 2, INSN_MOVS, 1, true, 8, SEG_DS, B(0xf2, 0xa4)),
	ST("stos %al", M64, 1, INSN_STOS, 1, false, 8, SEG_DS, B(0xaa)),
	ST("stos %eax", M64, 1, INSN_STOS, 4, false, 8, SEG_DS, B(0xab)),
	ST("stos %rax", M64, 2, INSN_STOS, 8, false, 8, SEG_DS, B(0x48, 0xab)),
	ST("rep stos %al", M64, 2, INSN_STOS, 1, true, 8, SEG_DS, B(0xf3, 0xaa)),
	ST("rep stos %ax", M64, 3, INSN_STOS, 2, true, 8, SEG_DS, B(0x66, 0xf3, 0xab)),
	ST("rep stos %rax", M64, 3, INSN_STOS, 8, true, 8, SEG_DS, B(0xf3, 0x48, 0xab)),
	ST("addr32 rep stos %eax", M64, 3, INSN_STOS, 4, true, 4, SEG_DS, B(0x67, 0xf3, 0xab)),
	MR("mov %eax,0x10(%rip)", M64, 6, INSN_MOV, 4, 0, SEG_DS,
	   B(0x89, 0x05, 0x10, 0x00, 0x00, 0x00)),
	MR("mov %eax,%gs:0x8(%rax,%rbx,2)", M64, 5, INSN_MOV, 4, 0, SEG_GS,
	   B(0x65, 0x89, 0x44, 0x58, 0x08)),
	MR("add %eax,0x0(,%rcx,4)", M64, 7, INSN_ADD, 4, 0, SEG_DS,
	   B(0x01, 0x04, 0x8d, 0x00, 0x00, 0x00, 0x00)),
	MI("cs addl $0x1,0x10(%rip)", M64, 8, INSN_ADD, 4, 1, SEG_CS,
	   B(0x2e, 0x83, 0x05, 0x10, 0x00, 0x00, 0x00, 0x01)),

	MR("add %eax,(%edi)", M32, 2, INSN_ADD, 4, 0, SEG_DS, B(0x01, 0x07)),
	MI("subl $0x1,0xd0000000", M32, 7, INSN_SUB, 4, 1, SEG_DS,
	   B(0x83, 0x2d, 0x00, 0x00, 0x00, 0xd0, 0x01)),
	MI("adcb $0x1,(%esi,%ebx,2)", M32, 4, INSN_ADC, 1, 1, SEG_DS, B(0x80, 0x14, 0x5e, 0x01)),
	RM("sbb 0x4(%ebp),%ecx", M32, 3, INSN_SBB, 4, 1, false, B(0x1b, 0x4d, 0x04)),
	M1("incl (%eax)", M32, 2, INSN_INC, 4, SEG_DS, B(0xff, 0x00)),
	M1("decb (%edi)", M32, 2, INSN_DEC, 1, SEG_DS, B(0xfe, 0x0f)),
	M1("negl 0xd0002000", M32, 6, INSN_NEG, 4, SEG_DS, B(0xf7, 0x1d, 0x00, 0x20, 0x00, 0xd0)),
	M1("notw (%ebx)", M32, 3, INSN_NOT, 2, SEG_DS, B(0x66, 0xf7, 0x13)),
	MR("bts %ecx,(%edi)", M32, 3, INSN_BTS, 4, 1, SEG_DS, B(0x0f, 0xab, 0x0f)),
	MI("btrl $0x3,(%eax)", M32, 4, INSN_BTR, 4, 3, SEG_DS, B(0x0f, 0xba, 0x30, 0x03)),
	MR("btc %dx,(%ebx)", M32, 4, INSN_BTC, 2, 2, SEG_DS, B(0x66, 0x0f, 0xbb, 0x13)),
	ST("rep movsb", M32, 2, INSN_MOVS, 1, true, 4, SEG_DS, B(0xf3, 0xa4)),
	ST("rep movsl", M32, 2, INSN_MOVS, 4, true, 4, SEG_DS, B(0xf3, 0xa5)),
	ST("movsw", M32, 2, INSN_MOVS, 2, false, 4, SEG_DS, B(0x66, 0xa5)),
	ST("rep movsl %es:(%esi),%es:(%edi)", M32, 3, INSN_MOVS, 4, true, 4, SEG_ES,
	   B(0x26, 0xf3, 0xa5)),
	ST("rep movsb %ds:(%si),%es:(%di)", M32, 3, INSN_MOVS, 1, true, 2, SEG_DS,
	   B(0x67, 0xf3, 0xa4)),
	ST("rep stos %eax", M32, 2, INSN_STOS, 4, true, 4, SEG_DS, B(0xf3, 0xab)),
	ST("stos %al", M32, 1, INSN_STOS, 1, false, 4, SEG_DS, B(0xaa)),
	ST("rep stos %ax,%es:(%di)", M32, 4, INSN_STOS, 2, true, 2, SEG_DS,
	   B(0x67, 0x66, 0xf3, 0xab)),

	MR("add %ax,(%bx)", M16, 2, INSN_ADD, 2, 0, SEG_DS, B(0x01, 0x07)),
	MI("subw $0x1,0x10(%bp,%si)", M16, 4, INSN_SUB, 2, 1, SEG_DS, B(0x83, 0x6a, 0x10, 0x01)),
	M1("incb (%di)", M16, 2, INSN_INC, 1, SEG_DS, B(0xfe, 0x05)),
	MI("btsw $0x1,(%bx)", M16, 4, INSN_BTS, 2, 1, SEG_DS, B(0x0f, 0xba, 0x2f, 0x01)),
	ST("rep movsb", M16, 2, INSN_MOVS, 1, true, 2, SEG_DS, B(0xf3, 0xa4)),
	ST("rep movsw", M16, 2, INSN_MOVS, 2, true, 2, SEG_DS, B(0xf3, 0xa5)),
	ST("rep movsl", M16, 3, INSN_MOVS, 4, true, 2, SEG_DS, B(0x66, 0xf3, 0xa5)),
	ST("rep movsw %ds:(%esi),%es:(%edi)", M16, 3, INSN_MOVS, 2, true, 4, SEG_DS,
	   B(0x67, 0xf3, 0xa5)),
	ST("rep stos %ax", M16, 2, INSN_STOS, 2, true, 2, SEG_DS, B(0xf3, 0xab)),
	ST("rep stos %al", M16, 2, INSN_STOS, 1, true, 2, SEG_DS, B(0xf3, 0xaa)),
	ST("movsb %cs:(%si),%es:(%di)", M16, 2, INSN_MOVS, 1, false, 2, SEG_CS, B(0x2e, 0xa4)),
};

static int decode(const u8 *bytes, size_t n, enum mode m, struct insn_mov *out)
{
	u8 *buf = malloc(n ? n : 1);
	int ret;

	memcpy(buf, bytes, n);
	ret = insn_decode_mov(buf, n, m == M64, m == M32, out);
	free(buf);
	return ret;
}

static void test_forms(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		const struct form *f = &forms[i];
		struct insn_mov m;
		int ret = decode(f->bytes, f->len, f->mode, &m);
		bool string = f->op == INSN_MOVS || f->op == INSN_STOS;

		if (ret || m.len != f->len || m.op != f->op || m.size != f->size ||
		    m.reg_size != f->reg_size || m.reg_first != f->reg_first ||
		    m.store != f->store || m.has_imm != f->has_imm ||
		    (f->has_imm ? m.imm != f->imm : m.reg != f->reg) ||
		    m.high8 != f->high8 || m.rep != f->rep ||
		    m.addr_size != f->asize || m.seg != f->seg) {
			fprintf(stderr, "\n  %s: ret %d len %u op %u size %u/%u first %d store %d imm %d/0x%llx reg %u high8 %d rep %d asize %u seg %u",
				f->text, ret, m.len, m.op, m.size, m.reg_size,
				m.reg_first, m.store, m.has_imm,
				(unsigned long long)m.imm, m.reg, m.high8, m.rep,
				m.addr_size, m.seg);
			CU_FAIL("form decoded wrongly");
			continue;
		}
		CU_ASSERT_EQUAL(insn_writes_mem(&m), f->store);
		CU_ASSERT_EQUAL(insn_writes_reg(&m), f->reg_first);
		if (!string)	/* all but a MOV store read memory first */
			CU_ASSERT_EQUAL(insn_reads_mem(&m), f->op != INSN_MOV);
		/* every shorter buffer is refused, never over-read */
		for (u8 n = 0; n < f->len; n++)
			CU_ASSERT_EQUAL(decode(f->bytes, n, f->mode, &m), -EINVAL);
	}
}

#define ARITH_FLAGS	0x8d5ULL	/* CF PF AF ZF SF OF */

/* The host CPU's result and flags for @insn on @a, @b with CF = @cf in. */
#define HOST2(insn, type, cons)						\
	do {								\
		type x = (type)a, y = (type)b;				\
		__asm__("pushfq; andq $~0x8d5, (%%rsp); orq %3, (%%rsp); popfq\n\t" \
			insn " %2, %0\n\tpushfq; popq %1"		\
			: "+" cons(x), "=r"(fl) : cons(y), "r"(cf) : "cc"); \
		res = (u64)x;						\
	} while (0)
#define HOST1(insn, type, cons)						\
	do {								\
		type x = (type)a;					\
		__asm__("pushfq; andq $~0x8d5, (%%rsp); orq %2, (%%rsp); popfq\n\t" \
			insn " %0\n\tpushfq; popq %1"			\
			: "+" cons(x), "=r"(fl) : "r"(cf) : "cc");	\
		res = (u64)x;						\
	} while (0)
#define HOST_SIZES(op, name, H)						\
	case 1 * 32 + op: H(name "b", u8, "q"); break;			\
	case 2 * 32 + op: H(name "w", u16, "r"); break;			\
	case 4 * 32 + op: H(name "l", u32, "r"); break;			\
	case 8 * 32 + op: H(name "q", u64, "r"); break

static u64 host_arith(u8 op, u8 size, u64 a, u64 b, u64 cf, u64 *flags)
{
	u64 res = a, fl = 0;

	switch (size * 32 + op) {
	HOST_SIZES(INSN_ADD, "add", HOST2);
	HOST_SIZES(INSN_ADC, "adc", HOST2);
	HOST_SIZES(INSN_SUB, "sub", HOST2);
	HOST_SIZES(INSN_SBB, "sbb", HOST2);
	HOST_SIZES(INSN_INC, "inc", HOST1);
	HOST_SIZES(INSN_DEC, "dec", HOST1);
	HOST_SIZES(INSN_NEG, "neg", HOST1);
	HOST_SIZES(INSN_NOT, "not", HOST1);
	}
	*flags = fl;
	return res;
}

/* insn_alu against the host CPU for the arithmetic operations, every size,
 * carry in clear and set, on edge values and random ones: the result and
 * all six flags (INC and DEC keep CF; NOT keeps them all). */
static void test_arith_flags(void)
{
	static const u64 edges[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x0f, 0x10,
		0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffULL,
		0x8000000000000000ULL, ~0ULL, 0x5555555555555555ULL,
	};
	static const u8 sizes[] = { 1, 2, 4, 8 };
	static const u8 ops[] = {
		INSN_ADD, INSN_ADC, INSN_SUB, INSN_SBB, INSN_INC, INSN_DEC,
		INSN_NEG, INSN_NOT,
	};
	u64 seed = 88172645463325252ULL;
	unsigned bad = 0;

	for (int n = 0; n < 30000; n++) {
		u64 a, b;

		if (n < (int)(ARRAY_SIZE(edges) * ARRAY_SIZE(edges))) {
			a = edges[n / ARRAY_SIZE(edges)];
			b = edges[n % ARRAY_SIZE(edges)];
		} else {
			seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
			a = seed;
			seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
			b = (n & 1) ? seed : a ^ (seed & 0xff);
		}
		for (size_t s = 0; s < ARRAY_SIZE(sizes); s++)
			for (size_t o = 0; o < ARRAY_SIZE(ops); o++)
				for (u64 cf = 0; cf < 2; cf++) {
					u64 mask = sizes[s] == 8 ? ~0ULL : (1ULL << (8 * sizes[s])) - 1;
					/* IF, bit 1, and the carry in; the
					 * other five set, to see which are
					 * kept */
					u64 in = 0x202 | cf | (0x8d4 & (seed >> 3));
					u64 got_fl = in, want_fl;
					u64 want = host_arith(ops[o], sizes[s], a, b, cf, &want_fl);
					u64 got = insn_alu(ops[o], sizes[s], a, b, &got_fl);

					/* the host ran with the other flags
					 * clear: what it kept is 0 */
					if (ops[o] == INSN_NOT)
						want_fl = in;
					else if (ops[o] == INSN_INC || ops[o] == INSN_DEC)
						want_fl = (want_fl & ~1ULL) | cf;
					if ((got & mask) != (want & mask) ||
					    ((got_fl ^ want_fl) & ARITH_FLAGS) ||
					    (got_fl & ~ARITH_FLAGS) != 0x202) {
						if (!bad++)
							fprintf(stderr, "\n  op %u size %u cf %llu 0x%llx, 0x%llx: got 0x%llx fl 0x%llx, host 0x%llx fl 0x%llx",
								ops[o], sizes[s], (unsigned long long)cf,
								(unsigned long long)a, (unsigned long long)b,
								(unsigned long long)got, (unsigned long long)got_fl,
								(unsigned long long)want, (unsigned long long)want_fl);
					}
				}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

int register_insn_forms_tests(void)
{
	static const struct unit_test tests[] = {
		{ "ADD..NEG, BTS/BTR/BTC, MOVS, STOS: assembler output", test_forms },
		{ "ADD/ADC/SUB/SBB/INC/DEC/NEG/NOT vs the host CPU", test_arith_flags },
	};

	return UNIT_SUITE("core/insn arithmetic and string forms", tests);
}
