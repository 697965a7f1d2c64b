/* hypervisor/core/insn.c: decoding MOV r/m32,r32 (89 /r) and MOV r/m32,
 * imm32 (C7 /0) stores.  Every buffer handed to the decoder is a heap
 * block of exactly the bytes it may read, so ASan reports any read beyond
 * @avail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "insn.h"

struct sample {
	const char *text;	/* the assembler's disassembly */
	u8 len, size;
	bool has_imm;
	u8 reg;
	u32 imm;
	u8 bytes[15];
};

/* Assembled with GNU as 2.40 (`as --64`, resp. `as --32` after .code32)
 * and listed with `objdump -d` (binutils 2.40) while writing this test;
 * text, length and bytes are objdump's, the expected register / immediate
 * read off the source operand.  The first line is the Linux kernel's
 * xAPIC register write through the fixmap (89 04 25 disp32); 0x36 was
 * emitted with .byte (gas refuses `ss` in 64-bit code). */
static const struct sample samples64[] = {
	{ "mov %eax,0xffffffffff5fb300", 7, 4, false, 0, 0,
	  { 0x89, 0x04, 0x25, 0x00, 0xb3, 0x5f, 0xff } },
	{ "movl $0x12345678,0x100(%rip)", 10, 4, true, 0, 0x12345678u,
	  { 0xc7, 0x05, 0x00, 0x01, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12 } },
	{ "mov %eax,(%rax)", 2, 4, false, 0, 0,
	  { 0x89, 0x00 } },
	{ "mov %ecx,(%rbx)", 2, 4, false, 1, 0,
	  { 0x89, 0x0b } },
	{ "mov %edx,0x10(%rbp)", 3, 4, false, 2, 0,
	  { 0x89, 0x55, 0x10 } },
	{ "mov %esi,0x1000(%rdi)", 6, 4, false, 6, 0,
	  { 0x89, 0xb7, 0x00, 0x10, 0x00, 0x00 } },
	{ "mov %edi,(%rsp)", 3, 4, false, 7, 0,
	  { 0x89, 0x3c, 0x24 } },
	{ "mov %eax,0x8(%rsp)", 4, 4, false, 0, 0,
	  { 0x89, 0x44, 0x24, 0x08 } },
	{ "mov %eax,0x200(%rsp)", 7, 4, false, 0, 0,
	  { 0x89, 0x84, 0x24, 0x00, 0x02, 0x00, 0x00 } },
	{ "mov %ebx,(%rax,%rcx,4)", 3, 4, false, 3, 0,
	  { 0x89, 0x1c, 0x88 } },
	{ "mov %ebx,0x7f(%rax,%rcx,8)", 4, 4, false, 3, 0,
	  { 0x89, 0x5c, 0xc8, 0x7f } },
	{ "mov %ebx,0x80(%rax,%rcx,2)", 7, 4, false, 3, 0,
	  { 0x89, 0x9c, 0x48, 0x80, 0x00, 0x00, 0x00 } },
	{ "mov %eax,0x300(,%rcx,4)", 7, 4, false, 0, 0,
	  { 0x89, 0x04, 0x8d, 0x00, 0x03, 0x00, 0x00 } },
	{ "mov %eax,0x0(%rbp,%rcx,1)", 4, 4, false, 0, 0,
	  { 0x89, 0x44, 0x0d, 0x00 } },
	{ "mov %edx,0x310(,%r9,8)", 8, 4, false, 2, 0,
	  { 0x42, 0x89, 0x14, 0xcd, 0x10, 0x03, 0x00, 0x00 } },
	{ "mov %eax,(%rax,%r9,4)", 4, 4, false, 0, 0,
	  { 0x42, 0x89, 0x04, 0x88 } },
	{ "mov %r8d,(%rax)", 3, 4, false, 8, 0,
	  { 0x44, 0x89, 0x00 } },
	{ "mov %r15d,0x10(%r13)", 4, 4, false, 15, 0,
	  { 0x45, 0x89, 0x7d, 0x10 } },
	{ "mov %eax,(%r12)", 4, 4, false, 0, 0,
	  { 0x41, 0x89, 0x04, 0x24 } },
	{ "mov %eax,0x0(%r13)", 4, 4, false, 0, 0,
	  { 0x41, 0x89, 0x45, 0x00 } },
	{ "mov %eax,0x20(%r13,%r14,2)", 5, 4, false, 0, 0,
	  { 0x43, 0x89, 0x44, 0x75, 0x20 } },
	{ "mov %r12d,0x1000(%r12,%r12,1)", 8, 4, false, 12, 0,
	  { 0x47, 0x89, 0xa4, 0x24, 0x00, 0x10, 0x00, 0x00 } },
	{ "mov %rax,(%rdx)", 3, 8, false, 0, 0,
	  { 0x48, 0x89, 0x02 } },
	{ "mov %r9,0x18(%rsp)", 5, 8, false, 9, 0,
	  { 0x4c, 0x89, 0x4c, 0x24, 0x18 } },
	{ "mov %rsp,0x12345678(%r15)", 7, 8, false, 4, 0,
	  { 0x49, 0x89, 0xa7, 0x78, 0x56, 0x34, 0x12 } },
	{ "mov %esp,-0x4(%rbp)", 3, 4, false, 4, 0,
	  { 0x89, 0x65, 0xfc } },
	{ "mov %ebp,0x40(%rip)", 6, 4, false, 5, 0,
	  { 0x89, 0x2d, 0x40, 0x00, 0x00, 0x00 } },
	{ "mov %r11d,-0x10(%rip)", 7, 4, false, 11, 0,
	  { 0x44, 0x89, 0x1d, 0xf0, 0xff, 0xff, 0xff } },
	{ "mov %r14,0x7ffffff0(%rip)", 7, 8, false, 14, 0,
	  { 0x4c, 0x89, 0x35, 0xf0, 0xff, 0xff, 0x7f } },
	{ "movl $0xfee00000,(%rax)", 6, 4, true, 0, 0xfee00000u,
	  { 0xc7, 0x00, 0x00, 0x00, 0xe0, 0xfe } },
	{ "movl $0x1,0xb0(%rdi)", 10, 4, true, 0, 0x1u,
	  { 0xc7, 0x87, 0xb0, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00 } },
	{ "movl $0xffffffff,0x12345678(%rbx)", 10, 4, true, 0, 0xffffffffu,
	  { 0xc7, 0x83, 0x78, 0x56, 0x34, 0x12, 0xff, 0xff, 0xff, 0xff } },
	{ "movl $0x7,(%rsp)", 7, 4, true, 0, 0x7u,
	  { 0xc7, 0x04, 0x24, 0x07, 0x00, 0x00, 0x00 } },
	{ "movl $0x7,0x10(%rsp,%rax,8)", 8, 4, true, 0, 0x7u,
	  { 0xc7, 0x44, 0xc4, 0x10, 0x07, 0x00, 0x00, 0x00 } },
	{ "movl $0x55,0xffffffffff5fb0b0", 11, 4, true, 0, 0x55u,
	  { 0xc7, 0x04, 0x25, 0xb0, 0xb0, 0x5f, 0xff, 0x55, 0x00, 0x00, 0x00 } },
	{ "movq $0xfffffffffffffffe,0x8(%r12)", 9, 8, true, 0, 0xfffffffeu,
	  { 0x49, 0xc7, 0x44, 0x24, 0x08, 0xfe, 0xff, 0xff, 0xff } },
	{ "movl $0x3,0x0(%r13)", 8, 4, true, 0, 0x3u,
	  { 0x41, 0xc7, 0x45, 0x00, 0x03, 0x00, 0x00, 0x00 } },
	{ "movl $0x80000000,(%r8,%r9,1)", 8, 4, true, 0, 0x80000000u,
	  { 0x43, 0xc7, 0x04, 0x08, 0x00, 0x00, 0x00, 0x80 } },
	{ "movl $0xabcdef01,-0x80(%rbp)", 7, 4, true, 0, 0xabcdef01u,
	  { 0xc7, 0x45, 0x80, 0x01, 0xef, 0xcd, 0xab } },
	{ "movq $0x7fffffff,0x1234(,%r11,2)", 12, 8, true, 0, 0x7fffffffu,
	  { 0x4a, 0xc7, 0x04, 0x5d, 0x34, 0x12, 0x00, 0x00, 0xff, 0xff, 0xff, 0x7f } },
	{ "mov %eax,%fs:0x28", 8, 4, false, 0, 0,
	  { 0x64, 0x89, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00 } },
	{ "mov %eax,%gs:(%rax)", 3, 4, false, 0, 0,
	  { 0x65, 0x89, 0x00 } },
	{ "es movl $0x9,0x10(%rbx)", 8, 4, true, 0, 0x9u,
	  { 0x26, 0xc7, 0x43, 0x10, 0x09, 0x00, 0x00, 0x00 } },
	{ "ds mov %ecx,0x300(%rax,%rbx,1)", 8, 4, false, 1, 0,
	  { 0x3e, 0x89, 0x8c, 0x18, 0x00, 0x03, 0x00, 0x00 } },
	{ "ss mov %r10d,-0x80(%rsp)", 6, 4, false, 10, 0,
	  { 0x36, 0x44, 0x89, 0x54, 0x24, 0x80 } },
	{ "cs mov %eax,0x200(%rip)", 7, 4, false, 0, 0,
	  { 0x2e, 0x89, 0x05, 0x00, 0x02, 0x00, 0x00 } },
	{ "movq $0x11,%gs:0x18(%r15)", 9, 8, true, 0, 0x11u,
	  { 0x65, 0x49, 0xc7, 0x47, 0x18, 0x11, 0x00, 0x00, 0x00 } },
};

/* 32-bit code.  Not here: gas encodes `mov %eax, 0xfee000b0` (an absolute
 * address with EAX as source) as A3 moffs32, which the decoder does not
 * handle (see test_other_opcodes). */
static const struct sample samples32[] = {
	{ "mov %eax,-0x11fff50(,%eax,1)", 7, 4, false, 0, 0,
	  { 0x89, 0x04, 0x05, 0xb0, 0x00, 0xe0, 0xfe } },
	{ "movl $0x12345678,0x100(%ebx)", 10, 4, true, 0, 0x12345678u,
	  { 0xc7, 0x83, 0x00, 0x01, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12 } },
	{ "mov %ecx,(%eax)", 2, 4, false, 1, 0,
	  { 0x89, 0x08 } },
	{ "mov %edx,0x10(%ebp)", 3, 4, false, 2, 0,
	  { 0x89, 0x55, 0x10 } },
	{ "mov %esi,0x1000(%edi)", 6, 4, false, 6, 0,
	  { 0x89, 0xb7, 0x00, 0x10, 0x00, 0x00 } },
	{ "mov %edi,(%esp)", 3, 4, false, 7, 0,
	  { 0x89, 0x3c, 0x24 } },
	{ "mov %ebx,0x7f(%eax,%ecx,8)", 4, 4, false, 3, 0,
	  { 0x89, 0x5c, 0xc8, 0x7f } },
	{ "mov %eax,0x300(,%ecx,4)", 7, 4, false, 0, 0,
	  { 0x89, 0x04, 0x8d, 0x00, 0x03, 0x00, 0x00 } },
	{ "mov %ebp,-0x20(%esp,%esi,2)", 4, 4, false, 5, 0,
	  { 0x89, 0x6c, 0x74, 0xe0 } },
	{ "movl $0x1,0xb0(%edi)", 10, 4, true, 0, 0x1u,
	  { 0xc7, 0x87, 0xb0, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00 } },
	{ "movl $0x55,0xfee00300", 10, 4, true, 0, 0x55u,
	  { 0xc7, 0x05, 0x00, 0x03, 0xe0, 0xfe, 0x55, 0x00, 0x00, 0x00 } },
	{ "mov %esp,0xfee00310", 6, 4, false, 4, 0,
	  { 0x89, 0x25, 0x10, 0x03, 0xe0, 0xfe } },
	{ "mov %eax,%fs:(%ebx)", 3, 4, false, 0, 0,
	  { 0x64, 0x89, 0x03 } },
	{ "movl $0x0,%gs:0x14", 11, 4, true, 0, 0x0u,
	  { 0x65, 0xc7, 0x05, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 } },
};

/* Decodes @n bytes from a heap block of exactly @n bytes (for n = 0, a
 * pointer one past a 1-byte block), so that ASan catches an overread. */
static int decode(const u8 *bytes, size_t n, bool long_mode, bool def32,
		  struct insn_store *out)
{
	u8 *blk = malloc(n ? n : 1);
	u8 *buf = n ? blk : blk + 1;
	int ret;

	CU_ASSERT_PTR_NOT_NULL_FATAL(blk);
	if (n)
		memcpy(buf, bytes, n);
	memset(out, 0xa5, sizeof(*out));
	ret = insn_decode_store(buf, n, long_mode, def32, out);
	free(blk);
	return ret;
}

static bool matches(const struct insn_store *st, const struct sample *s)
{
	return st->len == s->len && st->size == s->size &&
	       st->has_imm == s->has_imm &&
	       (s->has_imm ? st->imm == s->imm : st->src_reg == s->reg);
}

static void check_samples(const struct sample *s, size_t n, bool long_mode)
{
	struct insn_store st;

	for (size_t i = 0; i < n; i++) {
		u8 padded[15];
		bool ok;

		/* exactly the instruction */
		ok = decode(s[i].bytes, s[i].len, long_mode, true, &st) == 0 &&
		     matches(&st, &s[i]);
		CU_ASSERT(ok);
		if (!ok)
			fprintf(stderr, "\n  %s: len %u size %u imm %d reg %u 0x%x\n",
				s[i].text, st.len, st.size, st.has_imm, st.src_reg, st.imm);
		/* followed by more code */
		memset(padded, 0x90, sizeof(padded));
		memcpy(padded, s[i].bytes, s[i].len);
		CU_ASSERT(decode(padded, sizeof(padded), long_mode, true, &st) == 0 &&
			  matches(&st, &s[i]));
		/* CS.D is meaningless in 64-bit mode (and clear there) */
		if (long_mode)
			CU_ASSERT(decode(s[i].bytes, s[i].len, true, false, &st) == 0 &&
				  matches(&st, &s[i]));
	}
}

static void test_samples64(void)
{
	check_samples(samples64, ARRAY_SIZE(samples64), true);
}

static void test_samples32(void)
{
	check_samples(samples32, ARRAY_SIZE(samples32), false);
}

/* All 64-bit samples back to back, as the assembler laid them out: the
 * decoded lengths must step from one to the next. */
static void test_stream(void)
{
	u8 stream[ARRAY_SIZE(samples64) * 15];
	size_t off = 0, at = 0;
	struct insn_store st;

	for (size_t i = 0; i < ARRAY_SIZE(samples64); i++) {
		memcpy(stream + off, samples64[i].bytes, samples64[i].len);
		off += samples64[i].len;
	}
	for (size_t i = 0; i < ARRAY_SIZE(samples64); i++) {
		CU_ASSERT_EQUAL_FATAL(decode(stream + at, off - at, true, true, &st), 0);
		CU_ASSERT_EQUAL_FATAL(st.len, samples64[i].len);
		at += st.len;
	}
	CU_ASSERT_EQUAL(at, off);
}

/* Every proper prefix of every sample is -EINVAL, read within bounds. */
static void test_truncated(void)
{
	struct insn_store st;

	for (size_t i = 0; i < ARRAY_SIZE(samples64); i++)
		for (size_t n = 0; n < samples64[i].len; n++)
			CU_ASSERT_EQUAL(decode(samples64[i].bytes, n, true, true, &st), -EINVAL);
	for (size_t i = 0; i < ARRAY_SIZE(samples32); i++)
		for (size_t n = 0; n < samples32[i].len; n++)
			CU_ASSERT_EQUAL(decode(samples32[i].bytes, n, false, true, &st), -EINVAL);
}

/* The length of opcode, ModRM, SIB, displacement and immediate as the
 * SDM's ModRM/SIB tables give it (vol. 2, tables 2-2 and 2-3): the
 * reference for the exhaustive tests. */
static size_t ref_len(u8 op, u8 modrm, u8 sib)
{
	unsigned mod = modrm >> 6, rm = modrm & 7;
	size_t len = 2;

	if (rm == 4)
		len += 1;
	if (mod == 1)
		len += 1;
	else if (mod == 2)
		len += 4;
	else if (rm == 5 || (rm == 4 && (sib & 7) == 5))
		len += 4;
	return len + (op == 0xc7 ? 4 : 0);
}

/* Every ModRM and (where used) SIB byte, both opcodes, in 64-bit mode
 * with every REX prefix and in 32-bit mode without. */
static void test_modrm_exhaustive(void)
{
	static const u8 ops[] = { 0x89, 0xc7 };
	struct insn_store st;
	long checked = 0, bad = 0;

	for (int mode = 0; mode < 2; mode++) {
		bool lm = mode == 0;

		for (int rex = lm ? 0x3f : 0; rex <= (lm ? 0x4f : 0); rex++) {
			for (size_t o = 0; o < ARRAY_SIZE(ops); o++) {
				for (int modrm = 0; modrm < 256; modrm++) {
					unsigned mod = (unsigned)modrm >> 6, reg = ((unsigned)modrm >> 3) & 7;
					int nsib = (modrm & 7) == 4 && mod != 3 ? 256 : 1;

					for (int sib = 0; sib < nsib; sib++) {
						u8 b[16];
						size_t pre = rex >= 0x40, n = 0, want;
						int ret;

						if (pre)
							b[n++] = (u8)rex;
						b[n++] = ops[o];
						b[n++] = (u8)modrm;
						want = pre + ref_len(ops[o], (u8)modrm, (u8)sib);
						/* SIB, displacement, immediate: distinct bytes */
						for (size_t k = n; k < sizeof(b); k++)
							b[k] = (u8)(0x11 * k);
						if ((modrm & 7) == 4)
							b[n] = (u8)sib;
						ret = decode(b, want, lm, true, &st);
						checked++;
						if (mod == 3 || (ops[o] == 0xc7 && reg != 0)) {
							bad += ret != -EOPNOTSUPP;
							continue;
						}
						if (ret != 0 || st.len != want ||
						    st.size != ((rex & 0x48) == 0x48 ? 8 : 4) ||
						    st.has_imm != (ops[o] == 0xc7)) {
							bad++;
							continue;
						}
						if (ops[o] == 0xc7) {
							u32 imm;

							memcpy(&imm, b + want - 4, 4);
							bad += st.imm != imm;
						} else {
							bad += st.src_reg != (reg | ((rex & 0x44) == 0x44 ? 8 : 0));
						}
						/* one byte short */
						bad += decode(b, want - 1, lm, true, &st) != -EINVAL;
					}
				}
			}
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(checked > 200000);
}

/* What outside of 64-bit mode is different: 40-4F are INC/DEC, so not
 * REX; and with a 16-bit default operand size, 89 stores 16 bits. */
static void test_legacy_modes(void)
{
	static const u8 rexw[] = { 0x48, 0x89, 0x00 };
	static const u8 rexr[] = { 0x44, 0x89, 0x00 };
	static const u8 mov[] = { 0x89, 0x00 };
	static const u8 movi[] = { 0xc7, 0x00, 1, 2, 3, 4 };
	struct insn_store st;

	CU_ASSERT_EQUAL(decode(rexw, 3, false, true, &st), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(decode(rexr, 3, false, true, &st), -EOPNOTSUPP);
	for (u8 r = 0x40; r <= 0x4f; r++) {
		u8 b[] = { r, 0x89, 0x00 };

		CU_ASSERT_EQUAL(decode(b, 3, false, true, &st), -EOPNOTSUPP);
		CU_ASSERT_EQUAL(decode(b, 3, true, true, &st), 0);
		CU_ASSERT_EQUAL(st.len, 3);
	}
	CU_ASSERT_EQUAL(decode(mov, 2, false, true, &st), 0);
	CU_ASSERT_EQUAL(st.len, 2);
	CU_ASSERT_EQUAL(decode(mov, 2, false, false, &st), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(decode(movi, 6, false, false, &st), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(decode(samples32[0].bytes, samples32[0].len, false, false, &st),
			-EOPNOTSUPP);
	/* in 64-bit mode def32 is ignored */
	CU_ASSERT_EQUAL(decode(movi, 6, true, false, &st), 0);
	CU_ASSERT_EQUAL(st.imm, 0x04030201);
}

static void test_prefixes(void)
{
	static const u8 segs[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };
	struct insn_store st;
	u8 b[32];

	/* each segment override, in front of a REX and ModRM+SIB+disp32
	 * store, and of a 32-bit-mode one */
	for (size_t i = 0; i < ARRAY_SIZE(segs); i++) {
		const u8 x[] = { segs[i], 0x45, 0x89, 0x7c, 0x24, 0xf8 };
		const u8 y[] = { segs[i], 0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe, 9, 0, 0, 0 };

		CU_ASSERT_EQUAL(decode(x, sizeof(x), true, true, &st), 0);
		CU_ASSERT(st.len == 6 && st.src_reg == 15 && st.size == 4);
		CU_ASSERT_EQUAL(decode(y, sizeof(y), false, true, &st), 0);
		CU_ASSERT(st.len == 11 && st.has_imm && st.imm == 9);
	}
	/* several, repeated: up to the 15-byte limit */
	for (size_t n = 0; n <= 16; n++) {
		for (size_t k = 0; k < n; k++)
			b[k] = segs[k % ARRAY_SIZE(segs)];
		b[n] = 0x89;
		b[n + 1] = 0x00;
		if (n + 2 <= 15) {
			CU_ASSERT_EQUAL(decode(b, n + 2, true, true, &st), 0);
			CU_ASSERT_EQUAL(st.len, n + 2);
		} else {
			CU_ASSERT(decode(b, n + 2, true, true, &st) < 0);
		}
	}
	/* the longest form, 12 bytes, with 3 prefixes is 15; with 4, 16 */
	{
		const u8 l[] = { 0x64, 0x3e, 0x2e, 0x26, 0x48, 0xc7, 0x84, 0x24,
				 1, 2, 3, 4, 5, 6, 7, 8 };

		CU_ASSERT_EQUAL(decode(l + 1, 15, true, true, &st), 0);
		CU_ASSERT(st.len == 15 && st.size == 8 && st.imm == 0x08070605);
		CU_ASSERT(decode(l, 16, true, true, &st) < 0);
	}

	/* 0x66 (16-bit operand): refused wherever it is, whatever follows,
	 * even with REX.W (which would win over it) */
	{
		static const u8 r66[][8] = {
			{ 0x66, 0x89, 0x00 },
			{ 0x66, 0x89, 0x04, 0x25, 0x00, 0xb3, 0x5f, 0xff },
			{ 0x64, 0x66, 0x89, 0x00 },
			{ 0x66, 0x64, 0x89, 0x00 },
			{ 0x66, 0x66, 0x89, 0x00 },
			{ 0x66, 0x44, 0x89, 0x00 },
			{ 0x66, 0x48, 0x89, 0x00 },
			{ 0x66, 0xc7, 0x00, 0x34, 0x12 },	/* imm16 */
			{ 0x66, 0xc7, 0x05, 0, 0, 0, 0, 0x34 },
		};
		static const u8 n66[] = { 3, 8, 4, 4, 4, 4, 4, 5, 8 };

		for (size_t i = 0; i < ARRAY_SIZE(r66); i++) {
			CU_ASSERT_EQUAL(decode(r66[i], n66[i], true, true, &st), -EOPNOTSUPP);
			CU_ASSERT_EQUAL(decode(r66[i], n66[i], false, true, &st), -EOPNOTSUPP);
			CU_ASSERT_EQUAL(decode(r66[i], n66[i], false, false, &st), -EOPNOTSUPP);
		}
	}
	/* other prefixes: address size, LOCK, REP; a REX that is not
	 * immediately before the opcode, or two of them */
	{
		static const u8 other[][4] = {
			{ 0x67, 0x89, 0x00 }, { 0xf0, 0x89, 0x00 }, { 0xf2, 0x89, 0x00 },
			{ 0xf3, 0x89, 0x00 }, { 0x48, 0x64, 0x89, 0x00 },
			{ 0x41, 0x66, 0x89, 0x00 }, { 0x48, 0x41, 0x89, 0x00 },
		};

		for (size_t i = 0; i < ARRAY_SIZE(other); i++)
			CU_ASSERT_EQUAL(decode(other[i], other[i][0] >> 4 == 4 ? 4 : 3,
					       true, true, &st), -EOPNOTSUPP);
	}
}

static void test_other_opcodes(void)
{
	static const u8 insns[][15] = {
		{ 0x88, 0x00 },					/* mov %al,(%rax) */
		{ 0x8b, 0x00 },					/* mov (%rax),%eax */
		{ 0x8a, 0x00 },
		{ 0xc6, 0x00, 0x11 },				/* movb $0x11,(%rax) */
		{ 0xa3, 0xb0, 0x00, 0xe0, 0xfe },		/* 32-bit mov %eax,0xfee000b0 */
		{ 0x87, 0x00 },					/* xchg %eax,(%rax) */
		{ 0x01, 0x00 },					/* add %eax,(%rax) */
		{ 0xff, 0x00 },					/* incl (%rax) */
		{ 0x0f, 0x11, 0x00 },				/* movups %xmm0,(%rax) */
		{ 0x0f, 0xc3, 0x00 },				/* movnti %eax,(%rax) */
		{ 0x90, 0x89, 0x00 },
		{ 0x00, 0x00 },
		{ 0x48, 0x8b, 0x00 },
		{ 0x64, 0x8b, 0x04, 0x25, 0, 0, 0, 0 },
	};
	struct insn_store st;

	for (size_t i = 0; i < ARRAY_SIZE(insns); i++) {
		CU_ASSERT_EQUAL(decode(insns[i], 15, true, true, &st), -EOPNOTSUPP);
		CU_ASSERT_EQUAL(decode(insns[i], 15, false, true, &st), -EOPNOTSUPP);
	}
	/* register destinations */
	for (int m = 0xc0; m <= 0xff; m++) {
		const u8 r[] = { 0x89, (u8)m };
		const u8 ri[] = { 0x49, 0xc7, (u8)m, 1, 2, 3, 4 };

		CU_ASSERT_EQUAL(decode(r, sizeof(r), true, true, &st), -EOPNOTSUPP);
		CU_ASSERT_EQUAL(decode(ri, sizeof(ri), true, true, &st), -EOPNOTSUPP);
	}
	/* C7 /1../7 are not MOV */
	for (int reg = 1; reg < 8; reg++) {
		const u8 c[] = { 0xc7, (u8)(reg << 3), 1, 2, 3, 4 };
		const u8 c64[] = { 0x4c, 0xc7, (u8)(0x80 | reg << 3), 0, 0, 0, 0, 1, 2, 3, 4 };

		CU_ASSERT_EQUAL(decode(c, sizeof(c), true, true, &st), -EOPNOTSUPP);
		CU_ASSERT_EQUAL(decode(c, sizeof(c), false, true, &st), -EOPNOTSUPP);
		CU_ASSERT_EQUAL(decode(c64, sizeof(c64), true, true, &st), -EOPNOTSUPP);
	}
}

/* --- random ----------------------------------------------------------- */

static u64 rng_state;

static u64 rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Stores put together from random parts, the expected result known by
 * construction. */
static void test_random_stores(void)
{
	static const u8 segs[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };
	struct insn_store st;
	long bad = 0;

	rng_state = 0x243f6a8885a308d3ULL;
	for (int t = 0; t < 50000; t++) {
		bool lm = rnd() % 4 != 0, imm = rnd() % 2;
		u8 b[24], rex = 0, mod, rm, reg;
		size_t n = 0, npre = rnd() % 5;	/* 4: may exceed 15 bytes */
		u32 v = (u32)rnd();

		for (size_t k = 0; k < npre; k++)
			b[n++] = segs[rnd() % ARRAY_SIZE(segs)];
		if (lm && rnd() % 2)
			b[n++] = rex = (u8)(0x40 | (rnd() & 15));
		b[n++] = imm ? 0xc7 : 0x89;
		mod = (u8)(rnd() % 3);
		rm = (u8)(rnd() % 8);
		reg = imm ? 0 : (u8)(rnd() % 8);
		b[n++] = (u8)(mod << 6 | reg << 3 | rm);
		if (rm == 4) {
			u8 sib = (u8)rnd();

			b[n++] = sib;
			if (mod == 0 && (sib & 7) == 5)
				for (int k = 0; k < 4; k++)
					b[n++] = (u8)rnd();
		}
		if (mod == 0 && rm == 5)
			for (int k = 0; k < 4; k++)
				b[n++] = (u8)rnd();
		for (int k = 0; k < (mod == 1 ? 1 : mod == 2 ? 4 : 0); k++)
			b[n++] = (u8)rnd();
		if (imm) {
			memcpy(b + n, &v, 4);
			n += 4;
		}
		if (n > 15) {
			bad += decode(b, n, lm, true, &st) == 0;
			continue;
		}
		if (decode(b, n, lm, true, &st) != 0 || st.len != n ||
		    st.size != (rex & 8 ? 8 : 4) || st.has_imm != imm ||
		    (imm ? st.imm != v : st.src_reg != (reg | (rex & 4 ? 8 : 0)))) {
			bad++;
			continue;
		}
		/* with code after it, and cut short by one */
		for (size_t k = n; k < sizeof(b); k++)
			b[k] = (u8)rnd();
		bad += decode(b, sizeof(b), lm, true, &st) != 0 || st.len != n;
		bad += decode(b, n - 1, lm, true, &st) != -EINVAL;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* Random bytes: any answer must be one of the three, self-consistent, and
 * depend on nothing past the length it reports. */
static void test_random_bytes(void)
{
	struct insn_store st, again;
	long ok = 0, bad = 0;

	rng_state = 0x13198a2e03707344ULL;
	for (int t = 0; t < 200000; t++) {
		u8 b[20];
		size_t n = rnd() % 21;
		bool lm = rnd() % 2;
		int ret;

		for (size_t k = 0; k < n; k++) {
			/* bias towards the bytes that matter */
			static const u8 hot[] = { 0x89, 0xc7, 0x66, 0x64, 0x65, 0x2e,
						  0x48, 0x41, 0x4c, 0x04, 0x25, 0x05 };
			b[k] = rnd() % 2 ? hot[rnd() % ARRAY_SIZE(hot)] : (u8)rnd();
		}
		ret = decode(b, n, lm, rnd() % 2, &st);
		if (ret == -EINVAL || ret == -EOPNOTSUPP)
			continue;
		if (ret != 0 || st.len > n || st.len > 15 || st.len < 2 ||
		    (st.size != 4 && st.size != 8) ||
		    (!st.has_imm && st.src_reg > 15)) {
			bad++;
			continue;
		}
		ok++;
		bad += decode(b, st.len, lm, true, &again) != 0 ||
		       again.len != st.len || again.size != st.size ||
		       again.has_imm != st.has_imm ||
		       (st.has_imm ? again.imm != st.imm : again.src_reg != st.src_reg);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(ok > 1000);
}

int register_insn_tests(void)
{
	static const struct unit_test tests[] = {
		{ "64-bit assembler output", test_samples64 },
		{ "32-bit assembler output", test_samples32 },
		{ "assembler stream, lengths chain", test_stream },
		{ "truncated at every byte", test_truncated },
		{ "every ModRM/SIB, every REX", test_modrm_exhaustive },
		{ "no REX outside 64-bit mode, def32", test_legacy_modes },
		{ "segment overrides, 0x66 and others", test_prefixes },
		{ "other opcodes, mod 3, C7 /1-7", test_other_opcodes },
		{ "random stores vs construction", test_random_stores },
		{ "random bytes", test_random_bytes },
	};

	return UNIT_SUITE("core/insn", tests);
}
