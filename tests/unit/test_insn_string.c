/* hypervisor/core/insn_string.c: MOVS and STOS on fake memory.  The fake
 * maps linear addresses to guest-physical ones page by page (identity
 * unless a test remaps or unmaps a page), and its access hook reads and
 * writes a byte array while logging every access, so a test sees each
 * iteration, in order: batching, rCX/rSI/rDI updates, DF, the address-
 * size wrap, segment bases, and what ends a batch early. */
#include <string.h>
#include "unit.h"
#include "insn.h"

#define MEM_SIZE	0x20000
#define NO_PAGE		~0ULL

static struct fake {
	u8 mem[MEM_SIZE];
	u64 map[MEM_SIZE / 0x1000];	/* linear page -> GPA page, NO_PAGE */
	u32 nr_access, nr_translate;
	u64 last_gpa[4];		/* the latest accesses, newest first */
	int fail_access_at;		/* the Nth access (1-based) returns ... */
	int fail_ret;			/* ... this */
} f;

static void fake_reset(void)
{
	memset(&f, 0, sizeof(f));
	for (u64 p = 0; p < ARRAY_SIZE(f.map); p++)
		f.map[p] = p << 12;
	for (u32 i = 0; i < MEM_SIZE; i++)
		f.mem[i] = (u8)(i * 7 + 3);
}

static int fake_translate(void *ctx, u64 lin, bool write, u64 *gpa)
{
	CU_ASSERT_PTR_EQUAL(ctx, &f);
	f.nr_translate++;
	if ((lin >> 12) >= ARRAY_SIZE(f.map) || f.map[lin >> 12] == NO_PAGE)
		return -EFAULT;
	*gpa = f.map[lin >> 12] | (lin & 0xfff);
	return 0;
}

static int fake_access(void *ctx, u64 gpa, u8 size, bool write, u64 *val)
{
	f.nr_access++;
	memmove(f.last_gpa + 1, f.last_gpa, sizeof(f.last_gpa) - sizeof(u64));
	f.last_gpa[0] = gpa;
	if ((int)f.nr_access == f.fail_access_at)
		return f.fail_ret;
	CU_ASSERT_FATAL(gpa + size <= MEM_SIZE);
	if (write) {
		CU_ASSERT(size == 8 || !(*val >> (8 * size)));	/* masked */
		memcpy(f.mem + gpa, val, size);
	} else {
		*val = 0;
		memcpy(val, f.mem + gpa, size);
	}
	return 0;
}

static const struct insn_mem_ops ops = {
	.translate = fake_translate,
	.access = fake_access,
};

static struct insn_mov string(u8 op, u8 size, bool rep, u8 asize)
{
	struct insn_mov m = {
		.op = op, .size = size, .reg_size = size, .rep = rep,
		.addr_size = asize, .seg = SEG_DS, .store = true, .len = 2,
	};

	return m;
}

static struct insn_string_state state(u64 rcx, u64 rsi, u64 rdi)
{
	struct insn_string_state s = {
		.rcx = rcx, .rsi = rsi, .rdi = rdi, .rax = 0x1122334455667788ULL,
		.rflags = 0x202, .lin_mask = ~0ULL,
	};

	return s;
}

static void test_rep_movs_forward(void)
{
	struct insn_mov m = string(INSN_MOVS, 1, true, 8);
	struct insn_string_state s = state(10, 0x1000, 0x3000);
	u8 want[10];
	bool done;

	fake_reset();
	memcpy(want, f.mem + 0x1000, 10);
	CU_ASSERT_EQUAL(insn_string_run(&m, &s, &ops, &f, 64, &done), 0);
	CU_ASSERT_TRUE(done);
	CU_ASSERT_EQUAL(s.rcx, 0);
	CU_ASSERT_EQUAL(s.rsi, 0x100a);
	CU_ASSERT_EQUAL(s.rdi, 0x300a);
	CU_ASSERT_EQUAL(memcmp(f.mem + 0x3000, want, 10), 0);
	CU_ASSERT_EQUAL(f.nr_access, 20);	/* a read and a write each */
}

/* More than a batch: the first call stops after @max iterations with
 * the registers where the CPU would have them, the second finishes. */
static void test_rep_batches(void)
{
	struct insn_mov m = string(INSN_MOVS, 4, true, 8);
	struct insn_string_state s = state(100, 0x1000, 0x8000);
	u8 want[400];
	bool done;

	fake_reset();
	memcpy(want, f.mem + 0x1000, sizeof(want));
	CU_ASSERT_EQUAL(insn_string_run(&m, &s, &ops, &f, 64, &done), 0);
	CU_ASSERT_FALSE(done);
	CU_ASSERT_EQUAL(s.rcx, 36);
	CU_ASSERT_EQUAL(s.rsi, 0x1000 + 64 * 4);
	CU_ASSERT_EQUAL(s.rdi, 0x8000 + 64 * 4);
	CU_ASSERT_EQUAL(f.nr_access, 128);
	CU_ASSERT_EQUAL(insn_string_run(&m, &s, &ops, &f, 64, &done), 0);
	CU_ASSERT_TRUE(done);
	CU_ASSERT_EQUAL(s.rcx, 0);
	CU_ASSERT_EQUAL(s.rdi, 0x8000 + 400);
	CU_ASSERT_EQUAL(memcmp(f.mem + 0x8000, want, sizeof(want)), 0);
	/* exactly one batch's worth: finished, no third call needed */
	s = state(64, 0x1000, 0x8000);
	CU_ASSERT_EQUAL(insn_string_run(&m, &s, &ops, &f, 64, &done), 0);
	CU_ASSERT_TRUE(done);
	CU_ASSERT_EQUAL(s.rcx, 0);
}

/* DF set: downwards, each element still copied whole. */
static void test_rep_movs_backward(void)
{
	struct insn_mov m = string(INSN_MOVS, 4, true, 8);
	struct insn_string_state s = state(3, 0x1008, 0x4008);
	u8 want[12];
	bool done;

	fake_reset();
	s.rflags |= BIT(10);
	memcpy(want, f.mem + 0x1000, 12);
	CU_ASSERT_EQUAL(insn_string_run(&m, &s, &ops, &f, 64, &done), 0);
	CU_ASSERT_TRUE(done);
	CU_ASSERT_EQUAL(s.rsi, 0xffc);
	CU_ASSERT_EQUAL(s.rdi, 0x3ffc);
	CU_ASSERT_EQUAL(memcmp(f.mem + 0x4000, want, 12), 0);
	CU_ASSERT_EQUAL(f.last_gpa[0], 0x4000);	/* the last write */
}

/* STOS: rAX's low @size bytes; without REP one store, rCX untouched. */
static void test_stos(void)
{
	struct insn_mov m = string(INSN_STOS, 2, false, 8);
	struct insn_string_state s = state(5, 0, 0x2000);
	bool done;

	fake_reset();
	CU_ASSERT_EQUAL(insn_string_run(&m, &s, &ops, &f, 64, &done), 0);
	CU_ASSERT_TRUE(done);
	CU_ASSERT_EQUAL(s.rcx, 5);
	CU_ASSERT_EQUAL(s.rdi, 0x2002);
	CU_ASSERT_EQUAL(f.mem[0x2000], 0x88);
	CU_ASSERT_EQUAL(f.mem[0x2001], 0x77);
	CU_ASSERT_EQUAL(f.nr_access, 1);

	m = string(INSN_STOS, 8, true, 8);
	s = state(3, 0, 0x2000);
	CU_ASSERT_EQUAL(insn_string_run(&m, &s, &ops, &f, 64, &done), 0);
	CU_ASSERT_TRUE(done);
	CU_ASSERT_EQUAL(s.rdi, 0x2018);
	for (int i = 0; i < 3; i++) {
		u64 q;

		memcpy(&q, f.mem + 0x2000 + 8 * i, 8);
		CU_ASSERT_EQUAL(q, 0x1122334455667788ULL);
	}
}

/* REP with rCX 0 (at the address size): nothing, finished. */
static void test_rep_zero(void)
{
	struct insn_mov m = string(INSN_MOVS, 1, true, 4);
	struct insn_string_state s = state(0xffffffff00000000ULL, 0x1000, 0x2000);
	bool done;

	fake_reset();
	CU_ASSERT_EQUAL(insn_string_run(&m, &s, &ops, &f, 64, &done), 0);
	CU_ASSERT_TRUE(done);
	CU_ASSERT_EQUAL(f.nr_access + f.nr_translate, 0);
	CU_ASSERT_EQUAL(s.rsi, 0x1000);
}

/* 16-bit addresses wrap at 64 KiB and keep bits 63:16 of the registers;
 * 32-bit ones wrap at 4 GiB and clear bits 63:32 (a 32-bit write). */
static void test_address_size(void)
{
	struct insn_mov m = string(INSN_STOS, 2, true, 2);
	struct insn_string_state s = state(0xabcd0002, 0, 0x5678fffe);
	bool done;

	fake_reset();
	CU_ASSERT_EQUAL(insn_string_run(&m, &s, &ops, &f, 64, &done), 0);
	CU_ASSERT_TRUE(done);
	CU_ASSERT_EQUAL(s.rcx, 0xabcd0000);
	CU_ASSERT_EQUAL(s.rdi, 0x56780002);
	CU_ASSERT_EQUAL(f.last_gpa[1], 0xfffe);	/* then 0: wrapped */
	CU_ASSERT_EQUAL(f.last_gpa[0], 0);

	m = string(INSN_MOVS, 4, true, 4);
	s = state(0x100000002ULL, 0xfffffffcULL, 0x1234500001000ULL);
	s.lin_mask = 0xffffffff;
	fake_reset();
	/* 0xfffffffc is beyond the fake memory: not translated, nothing
	 * accessed, and the destination used only bits 31:0 of rDI */
	CU_ASSERT_EQUAL(insn_string_run(&m, &s, &ops, &f, 64, &done), -EFAULT);
	CU_ASSERT_EQUAL(f.nr_access, 0);
	s = state(0x100000002ULL, 0x1ffc, 0x1234500001000ULL);
	s.lin_mask = 0xffffffff;
	s.rflags |= BIT(10);
	CU_ASSERT_EQUAL(insn_string_run(&m, &s, &ops, &f, 64, &done), 0);
	CU_ASSERT_TRUE(done);
	CU_ASSERT_EQUAL(s.rcx, 0);		/* bits 63:32 cleared */
	CU_ASSERT_EQUAL(s.rsi, 0x1ff4);
	CU_ASSERT_EQUAL(s.rdi, 0xff8);		/* wrapped to 32 bits */
}

/* The source's segment base (DS or an override) and ES's. */
static void test_segment_bases(void)
{
	struct insn_mov m = string(INSN_MOVS, 1, false, 2);
	struct insn_string_state s = state(0, 0x10, 0x20);
	bool done;

	fake_reset();
	s.src_base = 0x10000;
	s.dst_base = 0x5000;
	CU_ASSERT_EQUAL(insn_string_run(&m, &s, &ops, &f, 64, &done), 0);
	CU_ASSERT_EQUAL(f.last_gpa[1], 0x10010);	/* read */
	CU_ASSERT_EQUAL(f.last_gpa[0], 0x5020);		/* write */
	CU_ASSERT_EQUAL(f.mem[0x5020], f.mem[0x10010]);
}

/* A page the guest does not map: the first iteration reports it (the
 * VM stops with a report); a later one ends the batch with the registers
 * of the iterations done, so the guest's re-execution takes its fault.
 * An access failure or a stop request ends everything. */
static void test_faults(void)
{
	struct insn_mov m = string(INSN_MOVS, 4, true, 8);
	struct insn_string_state s = state(10, 0x1ff8, 0x3000);
	bool done;

	fake_reset();
	f.map[2] = NO_PAGE;
	CU_ASSERT_EQUAL(insn_string_run(&m, &s, &ops, &f, 64, &done), 0);
	CU_ASSERT_FALSE(done);
	CU_ASSERT_EQUAL(s.rcx, 8);
	CU_ASSERT_EQUAL(s.rsi, 0x2000);
	CU_ASSERT_EQUAL(f.nr_access, 4);
	CU_ASSERT_EQUAL(insn_string_run(&m, &s, &ops, &f, 64, &done), -EFAULT);
	CU_ASSERT_EQUAL(f.nr_access, 4);	/* nothing touched */

	/* the destination unmapped: no read of the source either */
	fake_reset();
	f.map[3] = NO_PAGE;
	s = state(1, 0x1000, 0x3000);
	CU_ASSERT_EQUAL(insn_string_run(&m, &s, &ops, &f, 64, &done), -EFAULT);
	CU_ASSERT_EQUAL(f.nr_access, 0);

	/* an element across pages that are not contiguous */
	fake_reset();
	f.map[2] = 0x9000;
	s = state(1, 0x1ffe, 0x3000);
	CU_ASSERT_EQUAL(insn_string_run(&m, &s, &ops, &f, 64, &done), -EOPNOTSUPP);
	/* ... and one across contiguous pages */
	f.map[2] = 0x2000;
	CU_ASSERT_EQUAL(insn_string_run(&m, &s, &ops, &f, 64, &done), 0);
	CU_ASSERT_TRUE(done);

	for (int ret = -EIO; ret <= 1; ret += 1 + EIO) {	/* -EIO, then 1 */
		fake_reset();
		f.fail_access_at = 3;	/* the second iteration's read */
		f.fail_ret = ret;
		s = state(5, 0x1000, 0x3000);
		CU_ASSERT_EQUAL(insn_string_run(&m, &s, &ops, &f, 64, &done), ret);
		CU_ASSERT_FALSE(done);
		CU_ASSERT_EQUAL(f.nr_access, 3);
	}
}

int register_insn_string_tests(void)
{
	static const struct unit_test tests[] = {
		{ "REP MOVSB forwards", test_rep_movs_forward },
		{ "REP MOVSD in batches", test_rep_batches },
		{ "REP MOVSD with DF set", test_rep_movs_backward },
		{ "STOS and REP STOSQ", test_stos },
		{ "REP with rCX 0", test_rep_zero },
		{ "16- and 32-bit address sizes wrap", test_address_size },
		{ "segment bases", test_segment_bases },
		{ "faults, access errors, stop requests", test_faults },
	};

	return UNIT_SUITE("core/insn_string", tests);
}
