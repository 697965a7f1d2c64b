/* hypervisor/core/insn.c: decoding the instructions a User VM uses on
 * emulated MMIO (insn_decode_mov: MOV, MOVZX, MOVSX, OR, AND, XOR, CMP,
 * TEST), their ALU results and flags (insn_alu, checked against the host
 * CPU) and merging a loaded value into its register (insn_mov_merge).  Buffers are heap blocks of exactly the bytes
 * the decoder may read, so ASan reports a read beyond @avail. */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "insn.h"

enum mode { M64, M32, M16 };

struct mov_sample {
	const char *text;	/* objdump's disassembly */
	enum mode mode;
	u8 len, size, reg_size;
	bool store, has_imm, high8;
	u8 reg;
	u64 imm;
	u8 bytes[15];
};

/* Assembled with GNU as 2.40 (--64; --32 after .code32 or .code16) and
 * listed with objdump -d (-Mdata16,addr16 for the 16-bit ones) while
 * writing this test. */
static const struct mov_sample samples[] = {
	{ "mov %al,(%rbx)", M64, 2, 1, 1, true, false, false, 0, 0, { 0x88, 0x03 } },
	{ "mov %ah,0x10(%rcx)", M64, 3, 1, 1, true, false, true, 0, 0, { 0x88, 0x61, 0x10 } },
	{ "mov %sil,(%rdi)", M64, 3, 1, 1, true, false, false, 6, 0, { 0x40, 0x88, 0x37 } },
	{ "mov %r9b,(%rax)", M64, 3, 1, 1, true, false, false, 9, 0, { 0x44, 0x88, 0x08 } },
	{ "movb $0x5a,0x1234(%rip)", M64, 7, 1, 1, true, true, false, 0, 0x5a,
	  { 0xc6, 0x05, 0x34, 0x12, 0x00, 0x00, 0x5a } },
	{ "mov %ax,(%rdx)", M64, 3, 2, 2, true, false, false, 0, 0, { 0x66, 0x89, 0x02 } },
	{ "movw $0xbeef,(%rdx)", M64, 5, 2, 2, true, true, false, 0, 0xbeef,
	  { 0x66, 0xc7, 0x02, 0xef, 0xbe } },
	{ "mov %rax,0x8(%rsp,%rcx,8)", M64, 5, 8, 8, true, false, false, 0, 0,
	  { 0x48, 0x89, 0x44, 0xcc, 0x08 } },
	{ "movq $-2,(%rax)", M64, 7, 8, 8, true, true, false, 0, 0xfffffffffffffffeULL,
	  { 0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff } },
	{ "mov (%rbx),%cl", M64, 2, 1, 1, false, false, false, 1, 0, { 0x8a, 0x0b } },
	{ "mov 0x10(%rcx),%bh", M64, 3, 1, 1, false, false, true, 3, 0, { 0x8a, 0x79, 0x10 } },
	{ "mov (%rdx),%r10w", M64, 4, 2, 2, false, false, false, 10, 0, { 0x66, 0x44, 0x8b, 0x12 } },
	{ "mov (%rsi),%r11d", M64, 3, 4, 4, false, false, false, 11, 0, { 0x44, 0x8b, 0x1e } },
	{ "mov (%rdi),%r12", M64, 3, 8, 8, false, false, false, 12, 0, { 0x4c, 0x8b, 0x27 } },
	{ "movzbl (%rax),%ecx", M64, 3, 1, 4, false, false, false, 1, 0, { 0x0f, 0xb6, 0x08 } },
	{ "movzwl 0x4(%rax),%edx", M64, 4, 2, 4, false, false, false, 2, 0, { 0x0f, 0xb7, 0x50, 0x04 } },
	{ "movzbw (%rax),%si", M64, 4, 1, 2, false, false, false, 6, 0, { 0x66, 0x0f, 0xb6, 0x30 } },
	{ "movzwq (%rbx),%r8", M64, 4, 2, 8, false, false, false, 8, 0, { 0x4c, 0x0f, 0xb7, 0x03 } },
	{ "mov %fs:(%rax),%eax", M64, 3, 4, 4, false, false, false, 0, 0, { 0x64, 0x8b, 0x00 } },
	{ "addr32 mov %eax,(%eax)", M64, 3, 4, 4, true, false, false, 0, 0, { 0x67, 0x89, 0x00 } },
	{ "movabs %eax,0xd0000000 (a3 moffs64)", M64, 9, 4, 4, true, false, false, 0, 0,
	  { 0xa3, 0x00, 0x00, 0x00, 0xd0, 0x00, 0x00, 0x00, 0x00 } },
	{ "mov %al,(%ebx)", M32, 2, 1, 1, true, false, false, 0, 0, { 0x88, 0x03 } },
	{ "mov %ax,(%ebx)", M32, 3, 2, 2, true, false, false, 0, 0, { 0x66, 0x89, 0x03 } },
	{ "mov %eax,0xd0000000", M32, 5, 4, 4, true, false, false, 0, 0,
	  { 0xa3, 0x00, 0x00, 0x00, 0xd0 } },
	{ "mov 0xd0000000,%ecx", M32, 6, 4, 4, false, false, false, 1, 0,
	  { 0x8b, 0x0d, 0x00, 0x00, 0x00, 0xd0 } },
	{ "movzbl 0xd0000004,%edx", M32, 7, 1, 4, false, false, false, 2, 0,
	  { 0x0f, 0xb6, 0x15, 0x04, 0x00, 0x00, 0xd0 } },
	{ "movw $0x1234,(%eax)", M32, 5, 2, 2, true, true, false, 0, 0x1234,
	  { 0x66, 0xc7, 0x00, 0x34, 0x12 } },
	{ "mov %dx,0x10(%bx)", M32, 5, 2, 2, true, false, false, 2, 0,
	  { 0x67, 0x66, 0x89, 0x57, 0x10 } },
	{ "mov %al,(%bx)", M16, 2, 1, 1, true, false, false, 0, 0, { 0x88, 0x07 } },
	{ "mov %ax,0x10(%bx,%si)", M16, 3, 2, 2, true, false, false, 0, 0, { 0x89, 0x40, 0x10 } },
	{ "mov %eax,0xd000", M16, 4, 4, 4, true, false, false, 0, 0, { 0x66, 0xa3, 0x00, 0xd0 } },
	{ "movl $0x12345678,(%di)", M16, 7, 4, 4, true, true, false, 0, 0x12345678,
	  { 0x66, 0xc7, 0x05, 0x78, 0x56, 0x34, 0x12 } },
	{ "movw $0x1234,0x1234", M16, 6, 2, 2, true, true, false, 0, 0x1234,
	  { 0xc7, 0x06, 0x34, 0x12, 0x34, 0x12 } },
	{ "mov 0x2(%bp),%dx", M16, 3, 2, 2, false, false, false, 2, 0, { 0x8b, 0x56, 0x02 } },
	{ "mov (%bx),%ah", M16, 2, 1, 1, false, false, true, 0, 0, { 0x8a, 0x27 } },
	{ "movzbw (%si),%cx", M16, 3, 1, 2, false, false, false, 1, 0, { 0x0f, 0xb6, 0x0c } },
	{ "mov %eax,(%eax)", M16, 4, 4, 4, true, false, false, 0, 0, { 0x67, 0x66, 0x89, 0x00 } },
	{ "mov %es:(%bx,%di),%ax", M16, 3, 2, 2, false, false, false, 0, 0, { 0x26, 0x8b, 0x01 } },
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

static void test_mov_samples(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(samples); i++) {
		const struct mov_sample *s = &samples[i];
		struct insn_mov m;
		int ret = decode(s->bytes, s->len, s->mode, &m);

		CU_ASSERT_EQUAL(ret, 0);
		if (ret) {
			fprintf(stderr, "\n  %s: %d", s->text, ret);
			continue;
		}
		if (m.len != s->len || m.size != s->size || m.reg_size != s->reg_size ||
		    m.store != s->store || m.has_imm != s->has_imm ||
		    (!s->has_imm && (m.reg != s->reg || m.high8 != s->high8)) ||
		    (s->has_imm && m.imm != s->imm)) {
			fprintf(stderr, "\n  %s: len %u size %u/%u store %d imm %d/0x%llx reg %u high8 %d",
				s->text, m.len, m.size, m.reg_size, m.store, m.has_imm,
				(unsigned long long)m.imm, m.reg, m.high8);
			CU_FAIL("sample decoded wrongly");
		}
		/* every shorter buffer is refused, never over-read */
		for (u8 n = 0; n < s->len; n++)
			CU_ASSERT_EQUAL(decode(s->bytes, n, s->mode, &m), -EINVAL);
	}
}

/* Register operands, other opcodes and too-long instructions are not
 * accesses this emulates. */
static void test_mov_refused(void)
{
	static const struct { enum mode m; u8 n; u8 b[15]; } bad[] = {
		{ M64, 2, { 0x89, 0xc0 } },		/* mov %eax,%eax */
		{ M64, 2, { 0x8b, 0xc8 } },		/* mov %eax,%ecx */
		{ M64, 3, { 0x0f, 0xb6, 0xc1 } },	/* movzbl %cl,%eax */
		{ M64, 3, { 0xc7, 0x08, 0 } },		/* C7 /1 */
		{ M64, 3, { 0xc6, 0x38, 0 } },		/* C6 /7 */
		{ M64, 2, { 0x01, 0xc0 } },		/* add %eax,%eax */
		{ M64, 2, { 0xf6, 0x20 } },		/* f6 /4: mul */
		{ M64, 2, { 0xf7, 0x38 } },		/* f7 /7: idiv */
		{ M64, 3, { 0xf7, 0x08, 0 } },		/* f7 /1 */
		{ M64, 2, { 0xff, 0x10 } },		/* ff /2: call */
		{ M64, 2, { 0xff, 0x30 } },		/* ff /6: push */
		{ M64, 2, { 0xfe, 0x10 } },		/* fe /2 */
		{ M64, 4, { 0x0f, 0xba, 0x07, 0x01 } },	/* 0f ba /0 */
		{ M64, 4, { 0xf3, 0x0f, 0xb8, 0x07 } },	/* popcnt (%rdi),%eax */
		{ M64, 3, { 0xf3, 0x89, 0x07 } },	/* rep with a non-string */
		{ M64, 1, { 0xac } },			/* lods */
		{ M64, 1, { 0xa6 } },			/* cmps */
		{ M64, 2, { 0xf3, 0xae } },		/* rep scas */
		{ M64, 1, { 0x6c } },			/* ins: port I/O, not here */
		/* 14 prefixes: the instruction would pass 15 bytes */
		{ M64, 15, { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
			     0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x89 } },
	};
	struct insn_mov m;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = decode(bad[i].b, bad[i].n, bad[i].m, &m);

		CU_ASSERT(ret == -EOPNOTSUPP || ret == -EINVAL);
	}
}

static void test_mov_merge(void)
{
	struct insn_mov m = { 0 };
	const u64 old = 0x1122334455667788ULL;

	m.reg_size = 1;
	CU_ASSERT_EQUAL(insn_mov_merge(&m, old, 0xab), 0x11223344556677abULL);
	m.high8 = true;
	CU_ASSERT_EQUAL(insn_mov_merge(&m, old, 0xab), 0x112233445566ab88ULL);
	m.high8 = false;
	m.reg_size = 2;
	CU_ASSERT_EQUAL(insn_mov_merge(&m, old, 0xabcd), 0x112233445566abcdULL);
	m.reg_size = 4;	/* a 32-bit write clears bits 63:32 */
	CU_ASSERT_EQUAL(insn_mov_merge(&m, old, 0xdeadbeef), 0xdeadbeefULL);
	m.reg_size = 8;
	CU_ASSERT_EQUAL(insn_mov_merge(&m, old, 0x0123456789abcdefULL),
			0x0123456789abcdefULL);
}

/* Random bytes in every mode: never a crash or over-read, and a success
 * is a length within the buffer and 15 bytes (one byte: MOVS, STOS). */
static void test_mov_random(void)
{
	u32 seed = 12345;

	for (int i = 0; i < 200000; i++) {
		u8 b[15];
		size_t n;
		struct insn_mov m;

		for (size_t k = 0; k < sizeof(b); k++) {
			seed = seed * 1103515245 + 12345;
			b[k] = (u8)(seed >> 16);
		}
		n = 1 + (seed >> 8) % 15;
		if (!decode(b, n, (enum mode)(i % 3), &m)) {
			CU_ASSERT(m.len >= 1 && m.len <= n);
			CU_ASSERT(m.size == 1 || m.size == 2 || m.size == 4 || m.size == 8);
		}
	}
}

/* The ALU forms and MOVSX: what they do with memory and the register
 * (GNU as 2.40 --64, objdump -d). */
static const struct {
	const char *text;
	u8 len, size, reg_size, op;
	bool reg_first, store, has_imm;
	u8 reg;
	u64 imm;
	u8 bytes[15];
} alu_samples[] = {
	{ "movsbl (%rax),%ecx", 3, 1, 4, INSN_MOVSX, true, false, false, 1, 0, { 0x0f, 0xbe, 0x08 } },
	{ "movswq 0x4(%rbx),%r9", 5, 2, 8, INSN_MOVSX, true, false, false, 9, 0, { 0x4c, 0x0f, 0xbf, 0x4b, 0x04 } },
	{ "or %eax,(%rdi)", 2, 4, 4, INSN_OR, false, true, false, 0, 0, { 0x09, 0x07 } },
	{ "and (%rsi),%r10d", 3, 4, 4, INSN_AND, true, false, false, 10, 0, { 0x44, 0x23, 0x16 } },
	{ "xorb $0x5a,(%rdx)", 3, 1, 1, INSN_XOR, false, true, true, 0, 0x5a, { 0x80, 0x32, 0x5a } },
	{ "orl $0x12345678,0x8(%rcx)", 7, 4, 4, INSN_OR, false, true, true, 0, 0x12345678,
	  { 0x81, 0x49, 0x08, 0x78, 0x56, 0x34, 0x12 } },
	{ "andq $-16,(%rax)", 4, 8, 8, INSN_AND, false, true, true, 0, 0xfffffffffffffff0ULL,
	  { 0x48, 0x83, 0x20, 0xf0 } },
	{ "cmp %ecx,(%rdi)", 2, 4, 4, INSN_CMP, false, false, false, 1, 0, { 0x39, 0x0f } },
	{ "cmp (%rdi),%ecx", 2, 4, 4, INSN_CMP, true, false, false, 1, 0, { 0x3b, 0x0f } },
	{ "cmpb $0x7f,(%rsi)", 3, 1, 1, INSN_CMP, false, false, true, 0, 0x7f, { 0x80, 0x3e, 0x7f } },
	{ "test %edx,(%rax)", 2, 4, 4, INSN_TEST, false, false, false, 2, 0, { 0x85, 0x10 } },
	{ "testl $0x80000000,(%rbx)", 6, 4, 4, INSN_TEST, false, false, true, 0, 0x80000000,
	  { 0xf7, 0x03, 0x00, 0x00, 0x00, 0x80 } },
	{ "testb $0x1,(%rcx)", 3, 1, 1, INSN_TEST, false, false, true, 0, 1, { 0xf6, 0x01, 0x01 } },
	{ "xor %r8b,(%r9)", 3, 1, 1, INSN_XOR, false, true, false, 8, 0, { 0x45, 0x30, 0x01 } },
	{ "xchg %eax,(%rdi)", 2, 4, 4, INSN_XCHG, false, true, false, 0, 0, { 0x87, 0x07 } },
	{ "xchg %r9,(%rsi)", 3, 8, 8, INSN_XCHG, false, true, false, 9, 0, { 0x4c, 0x87, 0x0e } },
	{ "xchg %cl,(%rbx)", 2, 1, 1, INSN_XCHG, false, true, false, 1, 0, { 0x86, 0x0b } },
	{ "bt %ecx,(%rdi)", 3, 4, 4, INSN_BT, false, false, false, 1, 0, { 0x0f, 0xa3, 0x0f } },
	{ "btl $0x5,(%rdi)", 4, 4, 4, INSN_BT, false, false, true, 0, 5, { 0x0f, 0xba, 0x27, 0x05 } },
	{ "btq $0x3f,0x8(%rax)", 6, 8, 8, INSN_BT, false, false, true, 0, 0x3f,
	  { 0x48, 0x0f, 0xba, 0x60, 0x08, 0x3f } },
	{ "bt %dx,(%rsi)", 4, 2, 2, INSN_BT, false, false, false, 2, 0, { 0x66, 0x0f, 0xa3, 0x16 } },
};

static void test_alu_samples(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(alu_samples); i++) {
		struct insn_mov m;
		int ret = decode(alu_samples[i].bytes, alu_samples[i].len, M64, &m);

		CU_ASSERT_EQUAL(ret, 0);
		if (ret || m.len != alu_samples[i].len || m.size != alu_samples[i].size ||
		    m.reg_size != alu_samples[i].reg_size || m.op != alu_samples[i].op ||
		    m.reg_first != alu_samples[i].reg_first ||
		    m.store != alu_samples[i].store ||
		    m.has_imm != alu_samples[i].has_imm ||
		    (m.has_imm ? m.imm != alu_samples[i].imm : m.reg != alu_samples[i].reg)) {
			fprintf(stderr, "\n  %s: ret %d len %u size %u/%u op %u first %d store %d imm %d/0x%llx reg %u",
				alu_samples[i].text, ret, m.len, m.size, m.reg_size, m.op,
				m.reg_first, m.store, m.has_imm, (unsigned long long)m.imm, m.reg);
			CU_FAIL("ALU sample decoded wrongly");
			continue;
		}
		CU_ASSERT_EQUAL(insn_writes_mem(&m), m.store);
		CU_ASSERT_EQUAL(insn_writes_reg(&m), m.op == INSN_XCHG ||
				(m.reg_first && m.op != INSN_CMP));
		CU_ASSERT_TRUE(insn_reads_mem(&m));
	}
}

#define ARITH_FLAGS	0x8d5ULL	/* CF PF AF ZF SF OF */
#define LOGIC_FLAGS	0x8c5ULL	/* AF undefined after OR/AND/XOR/TEST */

/* The host CPU's own result and flags for @op on @size-byte @a, @b. */
#define HOST_OP(insn, type, cons)					\
	do {								\
		type x = (type)a, y = (type)b;				\
		__asm__("pushfq; andq $~0x8d5, (%%rsp); popfq\n\t"	\
			insn " %2, %0\n\tpushfq; popq %1"		\
			: "+" cons(x), "=r"(fl) : cons(y) : "cc");	\
		res = (u64)x;						\
	} while (0)

static u64 host_alu(u8 op, u8 size, u64 a, u64 b, u64 *flags)
{
	u64 res = a, fl = 0;

	switch (size * 32 + op) {
	case 1 * 32 + INSN_OR:   HOST_OP("orb", u8, "q"); break;
	case 1 * 32 + INSN_AND:  HOST_OP("andb", u8, "q"); break;
	case 1 * 32 + INSN_XOR:  HOST_OP("xorb", u8, "q"); break;
	case 1 * 32 + INSN_CMP:  HOST_OP("subb", u8, "q"); break;
	case 2 * 32 + INSN_OR:   HOST_OP("orw", u16, "r"); break;
	case 2 * 32 + INSN_AND:  HOST_OP("andw", u16, "r"); break;
	case 2 * 32 + INSN_XOR:  HOST_OP("xorw", u16, "r"); break;
	case 2 * 32 + INSN_CMP:  HOST_OP("subw", u16, "r"); break;
	case 4 * 32 + INSN_OR:   HOST_OP("orl", u32, "r"); break;
	case 4 * 32 + INSN_AND:  HOST_OP("andl", u32, "r"); break;
	case 4 * 32 + INSN_XOR:  HOST_OP("xorl", u32, "r"); break;
	case 4 * 32 + INSN_CMP:  HOST_OP("subl", u32, "r"); break;
	case 8 * 32 + INSN_OR:   HOST_OP("orq", u64, "r"); break;
	case 8 * 32 + INSN_AND:  HOST_OP("andq", u64, "r"); break;
	case 8 * 32 + INSN_XOR:  HOST_OP("xorq", u64, "r"); break;
	case 8 * 32 + INSN_CMP:  HOST_OP("subq", u64, "r"); break;
	}
	*flags = fl;
	return res;
}

/* insn_alu against the host CPU, for every size and operation, on edge
 * values and random ones: the result (for CMP, the subtraction's) and the
 * flags the architecture defines. */
static void test_alu_flags(void)
{
	static const u64 edges[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x0f, 0x10,
		0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffULL,
		0x8000000000000000ULL, ~0ULL, 0x5555555555555555ULL,
	};
	static const u8 sizes[] = { 1, 2, 4, 8 };
	static const u8 ops[] = { INSN_OR, INSN_AND, INSN_XOR, INSN_CMP };
	u64 seed = 88172645463325252ULL;
	unsigned bad = 0;

	for (int n = 0; n < 40000; n++) {
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
			for (size_t o = 0; o < ARRAY_SIZE(ops); o++) {
				u64 mask = sizes[s] == 8 ? ~0ULL : (1ULL << (8 * sizes[s])) - 1;
				u64 want_fl, got_fl = 0x202;	/* IF, bit 1 */
				u64 want = host_alu(ops[o], sizes[s], a, b, &want_fl);
				u64 got = insn_alu(ops[o], sizes[s], a, b, &got_fl);
				u64 defined = ops[o] == INSN_CMP ? ARITH_FLAGS : LOGIC_FLAGS;

				if ((got & mask) != (want & mask) ||
				    ((got_fl ^ want_fl) & defined) ||
				    (got_fl & ~ARITH_FLAGS) != 0x202) {
					if (!bad++)
						fprintf(stderr, "\n  op %u size %u 0x%llx, 0x%llx: got 0x%llx fl 0x%llx, host 0x%llx fl 0x%llx",
							ops[o], sizes[s], (unsigned long long)a,
							(unsigned long long)b, (unsigned long long)got,
							(unsigned long long)got_fl, (unsigned long long)want,
							(unsigned long long)want_fl);
				}
			}
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* TEST is AND without the write */
	{
		u64 f1 = 0, f2 = 0;

		CU_ASSERT_EQUAL(insn_alu(INSN_TEST, 4, 0xf0, 0x0f, &f1),
				insn_alu(INSN_AND, 4, 0xf0, 0x0f, &f2));
		CU_ASSERT_EQUAL(f1, f2);
	}
}

int register_insn_mov_tests(void)
{
	static const struct unit_test tests[] = {
		{ "MOV/MOVZX: assembler output, 16/32/64-bit", test_mov_samples },
		{ "MOV/MOVZX: other forms refused", test_mov_refused },
		{ "MOV/MOVZX: register merge rules", test_mov_merge },
		{ "MOV/MOVZX: random bytes", test_mov_random },
		{ "ALU forms, MOVSX: assembler output", test_alu_samples },
		{ "ALU results and flags vs the host CPU", test_alu_flags },
	};

	return UNIT_SUITE("core/insn mov", tests);
}
