/* hypervisor/core/insn.c: decoding the MOV and MOVZX forms a User VM uses
 * on emulated MMIO (insn_decode_mov) and merging a loaded value into its
 * register (insn_mov_merge).  Buffers are heap blocks of exactly the bytes
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
		{ M64, 2, { 0x01, 0x00 } },		/* add */
		{ M64, 3, { 0x0f, 0xbe, 0x00 } },	/* movsx: later */
		{ M64, 2, { 0xf3, 0xa5 } },		/* rep movs: later */
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
 * is a length within the buffer and 15 bytes. */
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
			CU_ASSERT(m.len >= 2 && m.len <= n);
			CU_ASSERT(m.size == 1 || m.size == 2 || m.size == 4 || m.size == 8);
		}
	}
}

int register_insn_mov_tests(void)
{
	static const struct unit_test tests[] = {
		{ "MOV/MOVZX: assembler output, 16/32/64-bit", test_mov_samples },
		{ "MOV/MOVZX: other forms refused", test_mov_refused },
		{ "MOV/MOVZX: register merge rules", test_mov_merge },
		{ "MOV/MOVZX: random bytes", test_mov_random },
	};

	return UNIT_SUITE("core/insn mov", tests);
}
