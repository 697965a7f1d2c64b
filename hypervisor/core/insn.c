/* Decoder of register and immediate stores (see insn.h). */
#include "insn.h"
#include "lib.h"

int insn_decode_store(const u8 *buf, size_t avail, bool long_mode, bool def32,
		      struct insn_store *out)
{
	size_t i = 0;
	u8 rex = 0, op, modrm, mod, rm;
	bool opsize16 = false;

	memset(out, 0, sizeof(*out));
	/* Legacy prefixes: operand size and segment overrides only. */
	for (; i < avail; i++) {
		u8 p = buf[i];

		if (p == 0x66)
			opsize16 = true;
		else if (p == 0x26 || p == 0x2e || p == 0x36 || p == 0x3e ||
			 p == 0x64 || p == 0x65)
			continue;
		else
			break;
	}
	if (long_mode && i < avail && (buf[i] & 0xf0) == 0x40)
		rex = buf[i++];
	if (i + 2 > avail)
		return -EINVAL;
	op = buf[i++];
	modrm = buf[i++];
	mod = modrm >> 6;
	rm = modrm & 7;
	if (mod == 3)		/* register destination: not a store */
		return -EOPNOTSUPP;
	if (op == 0xc7 && ((modrm >> 3) & 7) != 0)
		return -EOPNOTSUPP;
	if (op != 0x89 && op != 0xc7)
		return -EOPNOTSUPP;
	/* Only 32-bit (and, with REX.W, 64-bit) stores: device registers
	 * here are 32 bits wide. */
	if (opsize16 || (!long_mode && !def32))
		return -EOPNOTSUPP;
	out->size = (rex & 0x08) ? 8 : 4;

	if (rm == 4) {		/* SIB */
		u8 sib;

		if (i >= avail)
			return -EINVAL;
		sib = buf[i++];
		if (mod == 0 && (sib & 7) == 5)
			i += 4;	/* no base: disp32 */
	} else if (mod == 0 && rm == 5) {
		i += 4;		/* disp32 (RIP-relative in long mode) */
	}
	if (mod == 1)
		i += 1;
	else if (mod == 2)
		i += 4;
	if (op == 0xc7) {
		if (i + 4 > avail)
			return -EINVAL;
		memcpy(&out->imm, buf + i, 4);
		out->has_imm = true;
		i += 4;		/* imm32, sign-extended for REX.W */
	} else {
		out->src_reg = (u8)(((modrm >> 3) & 7) | ((rex & 0x04) ? 8 : 0));
	}
	if (i > avail || i > 15)
		return -EINVAL;
	out->len = (u8)i;
	return 0;
}

/* Bytes of ModRM addressing after the ModRM byte (SIB and displacement). */
static int modrm_extra(const u8 *buf, size_t avail, size_t i, u8 modrm,
		       bool addr16)
{
	u8 mod = modrm >> 6, rm = modrm & 7;
	int n = 0;

	if (mod == 3)
		return -EOPNOTSUPP;	/* a register operand: no memory */
	if (addr16) {
		if (mod == 0 && rm == 6)
			return 2;
		return mod == 1 ? 1 : mod == 2 ? 2 : 0;
	}
	if (rm == 4) {
		if (i >= avail)
			return -EINVAL;
		n = 1;
		if (mod == 0 && (buf[i] & 7) == 5)
			n += 4;
	} else if (mod == 0 && rm == 5) {
		n = 4;
	}
	return n + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

int insn_decode_mov(const u8 *buf, size_t avail, bool long_mode, bool def32,
		    struct insn_mov *out)
{
	size_t i = 0;
	bool p66 = false, p67 = false, addr16;
	u8 rex = 0, op, modrm, osize;
	int extra;

	memset(out, 0, sizeof(*out));
	for (; i < avail && i < 14; i++) {
		u8 p = buf[i];

		if (p == 0x66)
			p66 = true;
		else if (p == 0x67)
			p67 = true;
		else if (p != 0x26 && p != 0x2e && p != 0x36 && p != 0x3e &&
			 p != 0x64 && p != 0x65)
			break;
	}
	/* A REX prefix counts only right before the opcode. */
	if (long_mode && i < avail && (buf[i] & 0xf0) == 0x40)
		rex = buf[i++];
	if (long_mode)
		osize = (rex & 8) ? 8 : p66 ? 2 : 4;
	else
		osize = (def32 != p66) ? 4 : 2;
	addr16 = !long_mode && (def32 == p67);
	if (i >= avail)
		return -EINVAL;
	op = buf[i++];
	if (op >= 0xa0 && op <= 0xa3) {
		/* MOV between AL/eAX and an absolute offset (moffs) as wide
		 * as the address size: what assemblers emit for a constant
		 * address with the accumulator. */
		u8 asize = long_mode ? (p67 ? 4 : 8) : addr16 ? 2 : 4;

		out->size = (op & 1) ? osize : 1;
		out->reg_size = out->size;
		out->store = op >= 0xa2;
		if (i + asize > avail)
			return -EINVAL;
		i += asize;
		if (i > 15)
			return -EOPNOTSUPP;
		out->len = (u8)i;
		return 0;
	}
	if (op == 0x0f) {
		if (i >= avail)
			return -EINVAL;
		op = buf[i++];
		if (op != 0xb6 && op != 0xb7)
			return -EOPNOTSUPP;
		out->size = op == 0xb6 ? 1 : 2;
		out->reg_size = osize;
		out->store = false;
	} else {
		switch (op) {
		case 0x88: case 0x8a: case 0xc6:
			out->size = 1;
			break;
		case 0x89: case 0x8b: case 0xc7:
			out->size = osize;
			break;
		default:
			return -EOPNOTSUPP;
		}
		out->reg_size = out->size;
		out->store = op != 0x8a && op != 0x8b;
	}
	if (i >= avail)
		return -EINVAL;
	modrm = buf[i++];
	if ((op == 0xc6 || op == 0xc7) && ((modrm >> 3) & 7))
		return -EOPNOTSUPP;
	extra = modrm_extra(buf, avail, i, modrm, addr16);
	if (extra < 0)
		return extra;
	i += (size_t)extra;
	if (op == 0xc6 || op == 0xc7) {
		u8 isize = out->size == 8 ? 4 : out->size;
		u64 imm = 0;

		if (i + isize > avail)
			return -EINVAL;
		for (u8 b = 0; b < isize; b++)
			imm |= (u64)buf[i + b] << (8 * b);
		if (out->size == 8)	/* imm32, sign-extended */
			imm = (u64)(s64)(s32)(u32)imm;
		out->imm = imm;
		out->has_imm = true;
		i += isize;
	} else {
		out->reg = (u8)(((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0));
		/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
		if (out->reg_size == 1 && !rex && out->reg >= 4) {
			out->high8 = true;
			out->reg -= 4;
		}
	}
	if (i > avail)
		return -EINVAL;
	if (i > 15)
		return -EOPNOTSUPP;	/* #GP on hardware */
	out->len = (u8)i;
	return 0;
}

u64 insn_mov_merge(const struct insn_mov *m, u64 old, u64 val)
{
	switch (m->reg_size) {
	case 1:
		if (m->high8)
			return (old & ~0xff00ULL) | ((val & 0xff) << 8);
		return (old & ~0xffULL) | (val & 0xff);
	case 2:
		return (old & ~0xffffULL) | (val & 0xffff);
	case 4:
		return val & 0xffffffffULL;
	default:
		return val;
	}
}
