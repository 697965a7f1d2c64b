/* Decoding the instruction behind a trapped memory write.  For now only
 * the forms compilers emit for 32-bit device-register stores (what the
 * Service VM's xAPIC writes are): MOV r/m32, r32 (89 /r) and MOV r/m32,
 * imm32 (C7 /0), with any ModRM/SIB/displacement form and REX; and the
 * instructions a User VM uses on emulated MMIO (insn_decode_mov), which
 * core/user_vcpu.c carries out (string forms: core/insn_string.c).  Pure
 * logic, unit-tested on the host. */
#ifndef ISLET_INSN_H
#define ISLET_INSN_H

#include "types.h"

struct insn_store {
	u8 len;			/* instruction length in bytes */
	u8 size;		/* operand size: 4 (8 with REX.W) */
	bool has_imm;		/* the value is imm, else register src_reg */
	u8 src_reg;		/* 0..15, x86 register number */
	u32 imm;
};

/* Decode the store at @buf (@avail bytes readable).  @long_mode selects
 * 64-bit decoding (REX prefixes, RIP-relative addressing); @def32 the
 * default operand size outside long mode.  Returns 0, -EOPNOTSUPP for any
 * other instruction, -EINVAL if it does not fit in @avail. */
int insn_decode_store(const u8 *buf, size_t avail, bool long_mode, bool def32,
		      struct insn_store *out);

/* An instruction with a memory operand, as a User VM's access to emulated
 * MMIO, in every operand size and ModRM/SIB/displacement form (RIP-
 * relative included), with operand-size, address-size, segment, LOCK and
 * (string forms) REP prefixes and REX:
 *   MOV (88, 89, 8A, 8B, C6 /0, C7 /0, A0-A3), MOVZX and MOVSX (0F B6, B7,
 *   BE, BF);
 *   ADD, OR, ADC, SBB, AND, SUB, XOR, CMP in both directions and with
 *   immediates (00-03, 08-0B, ... 38-3B; 80/81/83 /0-/7), TEST (84, 85,
 *   F6/F7 /0), NOT and NEG (F6/F7 /2 /3), INC and DEC (FE/FF /0 /1);
 *   XCHG (86, 87);
 *   BT, BTS, BTR, BTC (0F A3, AB, B3, BB; 0F BA /4-/7);
 *   MOVS (A4, A5) and STOS (AA, AB), REP (F3, and F2, which the CPU
 *   treats the same for these) or not.
 */
/* What an emulated MMIO instruction does (insn_mov.op). */
enum {
	INSN_MOV,	/* MOV, MOVZX: load or store */
	INSN_MOVSX,	/* a load, sign-extended to reg_size */
	INSN_OR, INSN_AND, INSN_XOR,	/* memory or register destination */
	INSN_CMP, INSN_TEST,	/* flags only */
	INSN_XCHG,	/* memory and register swapped */
	INSN_BT,	/* CF = a bit of memory */
	INSN_BTS, INSN_BTR, INSN_BTC,	/* ... and that bit set, reset, flipped */
	INSN_ADD, INSN_ADC, INSN_SUB, INSN_SBB,
	INSN_INC, INSN_DEC, INSN_NOT, INSN_NEG,	/* memory only */
	INSN_MOVS,	/* memory to memory: [seg:rSI] to [ES:rDI] */
	INSN_STOS,	/* rAX to [ES:rDI] */
};

/* Segment registers, in the x86 encoding (the VMCS field order). */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };

struct insn_mov {
	u8 op;			/* INSN_* */
	bool reg_first;		/* the register is the first operand (a
				 * load's destination; for the ALU forms,
				 * the destination, memory the source) */
	u8 len;			/* instruction length in bytes */
	u8 size;		/* bytes accessed in memory: 1, 2, 4 or 8 */
	u8 reg_size;		/* bytes of the register operand */
	bool store;		/* memory is written */
	bool has_imm;		/* the other operand is imm (else reg) */
	bool high8;		/* reg is AH, CH, DH or BH (reg 0-3, bits 15:8) */
	u8 reg;			/* 0..15, x86 register number */
	u64 imm;		/* sign-extended to size */
	/* For MOVS and STOS: */
	bool rep;		/* F3 or F2 prefix */
	u8 addr_size;		/* 2, 4 or 8: the width of rSI, rDI, rCX */
	u8 seg;			/* SEG_*: the source of MOVS (DS unless
				 * overridden; the destination is ES) */
};

/* CPU mode of the code: long mode (64-bit CS), else CS.D selects 32- or
 * 16-bit defaults (real mode is 16-bit). */
int insn_decode_mov(const u8 *buf, size_t avail, bool long_mode, bool def32,
		    struct insn_mov *out);

/* What the instruction does with memory and its register. */
bool insn_reads_mem(const struct insn_mov *m);
bool insn_writes_mem(const struct insn_mov *m);
bool insn_writes_reg(const struct insn_mov *m);

/* The result of ALU operation @op (INSN_OR ... INSN_TEST, INSN_ADD ...
 * INSN_NEG; CMP: dst - src; the one-operand ones use @dst) on @size-byte
 * operands, and RFLAGS with CF, PF, AF, ZF, SF and OF as the CPU sets
 * them: AF, undefined for the logical ones, cleared; ADC and SBB take
 * their carry from *@rflags; INC and DEC keep CF; NOT changes no flag. */
u64 insn_alu(u8 op, u8 size, u64 dst, u64 src, u64 *rflags);

/* The register value after a load of @val (already zero-extended to
 * reg_size) into register @old, per the x86 rules: 8- and 16-bit writes
 * keep the other bits, 32-bit writes clear bits 63:32. */
u64 insn_mov_merge(const struct insn_mov *m, u64 old, u64 val);

/* ---- MOVS and STOS (core/insn_string.c) ---------------------------------
 * The registers a string instruction reads and updates, and the linear
 * addresses of its operands' segments. */
struct insn_string_state {
	u64 rcx, rsi, rdi, rax, rflags;
	u64 src_base, dst_base;	/* segment bases: the source's, ES */
	u64 lin_mask;		/* ~0 in long mode, else 0xffffffff */
};

/* How the executor reaches memory: translate a linear address to a
 * guest-physical one (0, or -EFAULT when the guest's paging does not map
 * it), and access @size bytes at a guest-physical address (0, a negative
 * errno, or 1 when a stop request ended an MMIO wait). */
struct insn_mem_ops {
	int (*translate)(void *ctx, u64 lin, bool write, u64 *gpa);
	int (*access)(void *ctx, u64 gpa, u8 size, bool write, u64 *val);
};

/* Carry out up to @max iterations of MOVS or STOS @m (one without REP),
 * updating @s as the CPU does.  *@done: the instruction is finished (RIP
 * moves past it), else rCX is not yet 0 and the guest re-executes it.
 * Returns 0, or the first failure of an access or (before any iteration
 * was done) a translation: later ones end the batch early instead, so the
 * guest's own execution meets the fault. */
int insn_string_run(const struct insn_mov *m, struct insn_string_state *s,
		    const struct insn_mem_ops *ops, void *ctx, u32 max,
		    bool *done);

#endif
