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

#endif
