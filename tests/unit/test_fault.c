/* hypervisor/arch/x86/fault.c, the fault reporter, compiled for the host
 * through tests/unit/shim/asm/cpu.h: the control registers read test
 * values and cpu_halt_forever() longjmps back here.  printk() and
 * console_break_lock() are this file's, capturing the report in a buffer.
 * The hypervisor's range [__hv_start, __hv_end) is a test array holding
 * synthetic frame-pointer chains; the .ex_table is a test array too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "printk.h"
#include <asm/cpu.h>

/* The layout fault.c and isr.S agree on (pushed by isr_common). */
struct fault_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct fault_frame) == 22 * 8, "frame layout");
void fault_handler(struct fault_frame *f);

struct ex_entry {
	u64 insn, fixup;
};

/* ---- the symbols islet.ld provides ---- */

#define HV_SIZE		4096
#define EX_ENTRIES	2
#define STR_(x)		#x
#define STR(x)		STR_(x)

/* __hv_end and __ex_table_end are the ends of the arrays, as in the
 * linker script: aliases defined by the assembler, not separate objects
 * whose placement the compiler would choose. */
char __hv_start[HV_SIZE] __aligned(16);
extern char __hv_end[];
const struct ex_entry __ex_table_start[EX_ENTRIES] = {
	{ .insn = 0x8004020, .fixup = 0x8080000 },
	{ .insn = 0x8004044, .fixup = 0x8080010 },
};
extern const struct ex_entry __ex_table_end[];
asm(".globl __hv_end\n\t.set __hv_end, __hv_start + " STR(HV_SIZE) "\n\t"
    ".globl __ex_table_end\n\t"
    ".set __ex_table_end, __ex_table_start + " STR(EX_ENTRIES) " * 16\n");

/* ---- the shim's and printk's counterparts ---- */

u64 unit_cr0, unit_cr2, unit_cr3, unit_cr4;

static char out[16384];
static size_t out_len;
static bool out_truncated;
static int breaks;		/* console_break_lock() calls */
static long break_at;		/* out_len at the first call; -1: none */
static int halts;
static jmp_buf halt_env;

void printk(const char *fmt, ...)
{
	size_t room = sizeof(out) - out_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out + out_len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		out_truncated = true;
		out_len = sizeof(out) - 1;
	} else {
		out_len += (size_t)n;
	}
}

void console_break_lock(void)
{
	if (!breaks++)
		break_at = (long)out_len;
}

void cpu_halt_forever(void)
{
	halts++;
	longjmp(halt_env, 1);
}

/* ---- helpers ---- */

/* Static, so that it is intact after the longjmp. */
static struct fault_frame frame;

/* Runs fault_handler(&frame); returns whether it halted. */
static bool run_handler(void)
{
	out_len = 0;
	out[0] = '\0';
	out_truncated = false;
	breaks = 0;
	break_at = -1;
	halts = 0;
	if (setjmp(halt_env))
		return true;
	fault_handler(&frame);
	return false;
}

/* A frame with every register distinct and recognizable; rbp is 0 (no
 * stack trace beyond rip) unless the test sets one. */
static void init_frame(u64 vector, u64 error, u64 rip)
{
	frame = (struct fault_frame){
		.rax = 0xa0a0a0a0a0a0a001, .rbx = 0xb0b0b0b0b0b0b002,
		.rcx = 0x42, .rdx = 0xd0d0d0d0d0d0d004,
		.rsi = 0x5151515151515105, .rdi = 0xd1d1d1d1d1d1d106,
		.rbp = 0, .rsp = 0x81fff08,
		.r8 = 0x0808080808080808, .r9 = 0x0909090909090909,
		.r10 = 0x1010101010101010, .r11 = 0x1111111111111111,
		.r12 = 0x1212121212121212, .r13 = 0x1313131313131313,
		.r14 = 0x1414141414141414, .r15 = 0x1515151515151515,
		.vector = vector, .error = error, .rip = rip,
		.cs = 0x8, .ss = 0x10, .rflags = 0x10046,
	};
	unit_cr0 = 0x80050033;
	unit_cr2 = 0xdeadbeef000;
	unit_cr3 = 0x1c0000;
	unit_cr4 = 0x22a0;
}

static u64 hv_addr(size_t off)
{
	return (u64)(uintptr_t)__hv_start + off;
}

/* A frame at @off inside the fake hypervisor: {saved rbp, return address}. */
static void put_frame(size_t off, u64 saved_rbp, u64 ret)
{
	CU_ASSERT_FATAL(off + 16 <= HV_SIZE);
	memcpy(__hv_start + off, &saved_rbp, 8);
	memcpy(__hv_start + off + 8, &ret, 8);
}

static bool has(const char *s)
{
	return strstr(out, s) != NULL;
}

static bool hasf(const char *fmt, ...) __printf(1, 2);
static bool hasf(const char *fmt, ...)
{
	char want[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	return has(want);
}

/* Parses the captured stack trace (rip first) into @pc; returns the number
 * of entries, or -1 if the trace is malformed. */
static int trace(u64 *pc, int max)
{
	const char *p = strstr(out, "  stack trace:\n");
	int n = 0;

	if (!p)
		return -1;
	p += strlen("  stack trace:\n");
	while (strncmp(p, "    0x", 6) == 0) {
		char *end;

		if (n == max)
			return -1;
		pc[n++] = strtoull(p + 6, &end, 16);
		if (end == p + 6 || *end != '\n')
			return -1;
		p = end + 1;
	}
	return strcmp(p, "islet: halted.\n") == 0 ? n : -1;
}

/* Runs the handler and checks the trace is @rip followed by @want. */
static void expect_trace(const u64 *want, int n)
{
	u64 got[40];
	int len;

	CU_ASSERT_TRUE_FATAL(run_handler());
	CU_ASSERT_FALSE(out_truncated);
	len = trace(got, 40);
	CU_ASSERT_EQUAL_FATAL(len, n + 1);
	CU_ASSERT_EQUAL(got[0], frame.rip);
	for (int i = 0; i < n; i++)
		CU_ASSERT_EQUAL(got[i + 1], want[i]);
}

#define RIP	0x8001234UL
#define RET(i)	(0x8002000UL + 0x10 * (i))

/* ---- the report ---- */

static void test_vector_names(void)
{
	static const struct { u64 vec; const char *name; } v[] = {
		{ 14, "#PF" }, { 13, "#GP" }, { 8, "#DF" }, { 0, "#DE" },
		{ 6, "#UD" }, { 18, "#MC" }, { 21, "#CP" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		char want[128];

		init_frame(v[i].vec, 0, RIP);
		CU_ASSERT_TRUE(run_handler());
		snprintf(want, sizeof(want),
			 "\nislet: FAULT: vector %lu %s error 0x0 at rip 0x%lx\n",
			 v[i].vec, v[i].name, RIP);
		CU_ASSERT_EQUAL(strncmp(out, want, strlen(want)), 0);
	}
}

/* Vectors without a name (a "" entry, a missing entry past #CP, or past
 * the 32 exceptions) print an empty name: no garbage, no "(null)". */
static void test_unnamed_vector(void)
{
	static const u64 vecs[] = { 15, 9, 22, 31, 32, 255 };

	for (size_t i = 0; i < ARRAY_SIZE(vecs); i++) {
		char want[128];

		init_frame(vecs[i], 0, RIP);
		CU_ASSERT_TRUE(run_handler());
		snprintf(want, sizeof(want),
			 "\nislet: FAULT: vector %lu  error 0x0 at rip 0x%lx\n",
			 vecs[i], RIP);
		CU_ASSERT_EQUAL(strncmp(out, want, strlen(want)), 0);
		CU_ASSERT_FALSE(has("null"));
	}
}

static void test_error_and_rip(void)
{
	init_frame(14, 0x1b, 0x800abcd);
	CU_ASSERT_TRUE(run_handler());
	CU_ASSERT_TRUE(has("vector 14 #PF error 0x1b at rip 0x800abcd\n"));

	/* The full 64-bit error code, as pushed. */
	init_frame(13, 0xfffffffffffffff8, RIP);
	CU_ASSERT_TRUE(run_handler());
	CU_ASSERT_TRUE(hasf("error 0xfffffffffffffff8 at rip 0x%lx\n", RIP));
}

static void test_registers(void)
{
	init_frame(14, 2, RIP);
	frame.rbp = 0x7777777777777770;	/* outside: no walk */
	CU_ASSERT_TRUE(run_handler());
	CU_ASSERT_FALSE(out_truncated);
	CU_ASSERT_TRUE(hasf("rax %016lx rbx %016lx rcx %016lx rdx %016lx\n",
			    frame.rax, frame.rbx, frame.rcx, frame.rdx));
	CU_ASSERT_TRUE(has("rcx 0000000000000042 "));
	CU_ASSERT_TRUE(hasf("rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n",
			    frame.rsi, frame.rdi, frame.rbp, frame.rsp));
	CU_ASSERT_TRUE(hasf("r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n",
			    frame.r8, frame.r9, frame.r10, frame.r11));
	CU_ASSERT_TRUE(hasf("r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n",
			    frame.r12, frame.r13, frame.r14, frame.r15));
	CU_ASSERT_TRUE(hasf("cs %lx ss %lx rflags %lx cr0 %lx cr2 %lx cr3 %lx cr4 %lx\n",
			    frame.cs, frame.ss, frame.rflags, unit_cr0, unit_cr2,
			    unit_cr3, unit_cr4));
	CU_ASSERT_TRUE(has("cs 8 ss 10 rflags 10046 cr0 80050033 cr2 deadbeef000 "
			   "cr3 1c0000 cr4 22a0\n"));
}

/* The console lock is broken before anything is printed (the fault may
 * have been taken while holding it), and the report ends in a halt. */
static void test_break_lock_and_halt(void)
{
	init_frame(14, 0, RIP);
	CU_ASSERT_TRUE(run_handler());
	CU_ASSERT_EQUAL(breaks, 1);
	CU_ASSERT_EQUAL(break_at, 0);
	CU_ASSERT_EQUAL(halts, 1);
	CU_ASSERT_TRUE(out_len > 0 && strcmp(out + out_len - strlen("islet: halted.\n"),
					     "islet: halted.\n") == 0);
}

/* ---- the stack trace ---- */

static void test_trace_chain(void)
{
	const u64 want[] = { RET(0), RET(1), RET(2), RET(3) };

	memset(__hv_start, 0, HV_SIZE);
	put_frame(0x100, hv_addr(0x180), RET(0));
	put_frame(0x180, hv_addr(0x200), RET(1));
	put_frame(0x200, hv_addr(0x400), RET(2));
	put_frame(0x400, 0, RET(3));		/* outermost frame */
	init_frame(14, 0, RIP);
	frame.rbp = hv_addr(0x100);
	expect_trace(want, 4);
}

/* No frame pointer, or one outside [__hv_start, __hv_end): rip only.
 * Dereferencing any of these would crash or trip ASan. */
static void test_trace_rbp_outside(void)
{
	const u64 bad[] = {
		0, hv_addr(0) - 16, hv_addr(0) - 8, hv_addr(HV_SIZE),
		hv_addr(HV_SIZE) - 8, 0xdead000000000000,
		0xfffffffffffffff8, 0xfffffffffffffff0,	/* + 16 wraps */
		(u64)(uintptr_t)&frame,
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		init_frame(14, 0, RIP);
		frame.rbp = bad[i];
		expect_trace(NULL, 0);
	}
}

/* A chain leaving the range mid-walk stops there; the last 16 bytes of
 * the range are still a frame. */
static void test_trace_leaves_range(void)
{
	const u64 want[] = { RET(0), RET(1) };
	const u64 want_edge[] = { RET(0), RET(5) };

	memset(__hv_start, 0, HV_SIZE);
	put_frame(0x100, hv_addr(0x200), RET(0));
	put_frame(0x200, hv_addr(HV_SIZE), RET(1));
	init_frame(14, 0, RIP);
	frame.rbp = hv_addr(0x100);
	expect_trace(want, 2);

	memset(__hv_start, 0, HV_SIZE);
	put_frame(0x100, hv_addr(HV_SIZE - 16), RET(0));
	put_frame(HV_SIZE - 16, hv_addr(HV_SIZE - 8), RET(5));
	init_frame(14, 0, RIP);
	frame.rbp = hv_addr(0x100);
	expect_trace(want_edge, 2);

	memset(__hv_start, 0, HV_SIZE);
	put_frame(0x100, 0xffff800000000000, RET(0));
	init_frame(14, 0, RIP);
	frame.rbp = hv_addr(0x100);
	expect_trace(want, 1);

	put_frame(0x100, 0xfffffffffffffff0, RET(0));	/* + 16 wraps */
	expect_trace(want, 1);
}

/* A misaligned frame pointer is not followed (UBSan would flag the read). */
static void test_trace_misaligned(void)
{
	const u64 want[] = { RET(0) };

	memset(__hv_start, 0, HV_SIZE);
	put_frame(0x200, hv_addr(0x300), RET(7));
	init_frame(14, 0, RIP);
	frame.rbp = hv_addr(0x204);
	expect_trace(NULL, 0);

	put_frame(0x100, hv_addr(0x204), RET(0));
	frame.rbp = hv_addr(0x100);
	expect_trace(want, 1);

	put_frame(0x100, hv_addr(0x201), RET(0));
	expect_trace(want, 1);
}

/* Frames grow upward: a saved rbp at or below its frame ends the walk
 * after that frame's return address, so a corrupt loop cannot spin. */
static void test_trace_loop(void)
{
	const u64 want[] = { RET(0), RET(1) };

	memset(__hv_start, 0, HV_SIZE);
	put_frame(0x100, hv_addr(0x100), RET(0));	/* points to itself */
	init_frame(14, 0, RIP);
	frame.rbp = hv_addr(0x100);
	expect_trace(want, 1);

	put_frame(0x100, hv_addr(0x80), RET(0));	/* points backwards */
	put_frame(0x80, hv_addr(0x200), RET(9));
	expect_trace(want, 1);

	put_frame(0x100, hv_addr(0x200), RET(0));	/* A -> B -> A */
	put_frame(0x200, hv_addr(0x100), RET(1));
	expect_trace(want, 2);
}

/* At most 16 frames beyond rip, even along a valid increasing chain. */
static void test_trace_depth(void)
{
	u64 want[20];

	memset(__hv_start, 0, HV_SIZE);
	for (int i = 0; i < 20; i++) {
		put_frame(0x100 + 0x40 * i, hv_addr(0x100 + 0x40 * (i + 1)), RET(i));
		want[i] = RET(i);
	}
	init_frame(14, 0, RIP);
	frame.rbp = hv_addr(0x100);
	expect_trace(want, 16);

	/* Exactly 16 frames: all of them. */
	put_frame(0x100 + 0x40 * 15, 0, RET(15));
	expect_trace(want, 16);
}

/* ---- the .ex_table ---- */

/* A #GP at a listed instruction resumes at its fixup: rip rewritten,
 * nothing else touched, nothing printed, no halt. */
static void test_fixup_gp(void)
{
	for (int i = 0; i < EX_ENTRIES; i++) {
		struct fault_frame want;

		init_frame(13, 0, __ex_table_start[i].insn);
		frame.rbp = hv_addr(0x100);
		want = frame;
		want.rip = __ex_table_start[i].fixup;
		CU_ASSERT_FALSE(run_handler());
		CU_ASSERT_EQUAL(memcmp(&frame, &want, sizeof(want)), 0);
		CU_ASSERT_EQUAL(out_len, 0);
		CU_ASSERT_EQUAL(breaks, 0);
		CU_ASSERT_EQUAL(halts, 0);
	}
}

/* Only #GP is fixed up: another vector at a listed instruction is a bug. */
static void test_fixup_other_vector(void)
{
	static const u64 vecs[] = { 14, 6, 0, 12, 8 };
	const u64 insn = __ex_table_start[0].insn;

	for (size_t i = 0; i < ARRAY_SIZE(vecs); i++) {
		init_frame(vecs[i], 0, insn);
		CU_ASSERT_TRUE(run_handler());
		CU_ASSERT_EQUAL(frame.rip, insn);
		CU_ASSERT_TRUE(hasf("vector %lu ", vecs[i]));
		CU_ASSERT_TRUE(hasf("at rip 0x%lx\n", insn));
		CU_ASSERT_EQUAL(halts, 1);
	}
}

/* A #GP elsewhere (including at a fixup, or next to a listed
 * instruction) is reported. */
static void test_unlisted_gp(void)
{
	const u64 rips[] = {
		RIP, __ex_table_start[0].insn + 1, __ex_table_start[1].insn - 1,
		__ex_table_start[0].fixup, 0,
	};

	for (size_t i = 0; i < ARRAY_SIZE(rips); i++) {
		init_frame(13, 0x10, rips[i]);
		CU_ASSERT_TRUE(run_handler());
		CU_ASSERT_EQUAL(frame.rip, rips[i]);
		CU_ASSERT_TRUE(hasf("vector 13 #GP error 0x10 at rip 0x%lx\n", rips[i]));
		CU_ASSERT_EQUAL(halts, 1);
	}
}

static const struct unit_test tests[] = {
	{ "vector names", test_vector_names },
	{ "unnamed vector prints no name", test_unnamed_vector },
	{ "error code and rip", test_error_and_rip },
	{ "every register and control register", test_registers },
	{ "console lock broken first, then halt", test_break_lock_and_halt },
	{ "trace walks the frame chain in order", test_trace_chain },
	{ "trace: frame pointer outside the hypervisor", test_trace_rbp_outside },
	{ "trace: chain leaving the hypervisor", test_trace_leaves_range },
	{ "trace: misaligned frame pointer", test_trace_misaligned },
	{ "trace: non-increasing chain (loop)", test_trace_loop },
	{ "trace: at most 16 frames", test_trace_depth },
	{ "ex_table: #GP resumes at the fixup", test_fixup_gp },
	{ "ex_table: other vector is reported", test_fixup_other_vector },
	{ "ex_table: unlisted #GP is reported", test_unlisted_gp },
};

int register_fault_tests(void)
{
	return UNIT_SUITE("fault", tests);
}
