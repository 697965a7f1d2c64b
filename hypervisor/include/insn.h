/* Decoding the instruction behind a trapped memory write.  For now only
 * the forms compilers emit for 32-bit device-register stores (what the
 * Service VM's xAPIC writes are): MOV r/m32, r32 (89 /r) and MOV r/m32,
 * imm32 (C7 /0), with any ModRM/SIB/displacement form and REX.  The full
 * MMIO emulator extends this.  Pure logic, unit-tested on the host. */
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

/* A MOV between a register or an immediate and memory, as a User VM's
 * access to emulated MMIO: MOV (88, 89, 8A, 8B, C6 /0, C7 /0, A0-A3) and
 * MOVZX (0F B6, 0F B7), in every operand size and ModRM/SIB/displacement form,
 * with operand-size, address-size and segment prefixes and REX. */
struct insn_mov {
	u8 len;			/* instruction length in bytes */
	u8 size;		/* bytes accessed in memory: 1, 2, 4 or 8 */
	u8 reg_size;		/* bytes of the register operand */
	bool store;		/* memory is written (else read) */
	bool has_imm;		/* a store of imm (else of register reg) */
	bool high8;		/* reg is AH, CH, DH or BH (reg 0-3, bits 15:8) */
	u8 reg;			/* 0..15, x86 register number */
	u64 imm;		/* sign-extended to size */
};

/* CPU mode of the code: long mode (64-bit CS), else CS.D selects 32- or
 * 16-bit defaults (real mode is 16-bit). */
int insn_decode_mov(const u8 *buf, size_t avail, bool long_mode, bool def32,
		    struct insn_mov *out);

/* The register value after a load of @val (already zero-extended to
 * reg_size) into register @old, per the x86 rules: 8- and 16-bit writes
 * keep the other bits, 32-bit writes clear bits 63:32. */
u64 insn_mov_merge(const struct insn_mov *m, u64 old, u64 val);

#endif
