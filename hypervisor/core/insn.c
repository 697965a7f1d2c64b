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

static u64 size_mask(u8 size)
{
	return size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* Opcodes with an immediate (0xba: 0F BA, BT r/m, imm8). */
static bool has_imm(u8 op)
{
	return op == 0xc6 || op == 0xc7 || op == 0x80 || op == 0x81 ||
	       op == 0x83 || op == 0xf6 || op == 0xf7 || op == 0xba;
}

/* The one-byte opcodes with a ModRM memory operand that this emulates:
 * what they do and with which operand size.  Even opcodes of the ALU rows
 * are byte operations. */
static bool decode_opcode(u8 op, u8 osize, struct insn_mov *out)
{
	static const u8 alu_row[8] = {
		[0] = 0, [1] = INSN_OR, [4] = INSN_AND, [6] = INSN_XOR,
		[7] = INSN_CMP,
	};
	u8 size = (op & 1) ? osize : 1;

	out->op = INSN_MOV;
	if (op < 0x40 && (op & 7) < 4 && alu_row[op >> 3]) {
		/* 08-0B OR, 20-23 AND, 30-33 XOR, 38-3B CMP: bit 1 set is
		 * "register, r/m" (the register is the destination) */
		out->op = alu_row[op >> 3];
		out->reg_first = op & 2;
	} else if (op == 0x84 || op == 0x85) {
		out->op = INSN_TEST;
	} else if (op == 0x86 || op == 0x87) {
		out->op = INSN_XCHG;
	} else if (op == 0x8a || op == 0x8b) {
		out->reg_first = true;	/* a load */
	} else if (op != 0x88 && op != 0x89 && !has_imm(op)) {
		return false;
	}
	out->size = size;
	out->reg_size = size;
	out->store = insn_writes_mem(out);
	return true;
}

/* Opcodes with an immediate: the operation from ModRM.reg. */
static bool decode_group(u8 op, u8 reg, struct insn_mov *out)
{
	static const u8 group1[8] = {
		[1] = INSN_OR, [4] = INSN_AND, [6] = INSN_XOR, [7] = INSN_CMP,
	};

	if (op == 0xc6 || op == 0xc7)
		out->op = reg == 0 ? INSN_MOV : 0xff;
	else if (op == 0xba)	/* BTS, BTR, BTC not emulated yet */
		out->op = reg == 4 ? INSN_BT : 0xff;
	else if (op == 0xf6 || op == 0xf7)
		out->op = reg == 0 ? INSN_TEST : 0xff;
	else	/* 80, 81, 83: ADD, ADC, SBB, SUB not emulated yet */
		out->op = group1[reg] ? group1[reg] : 0xff;
	if (out->op == 0xff)
		return false;
	out->store = insn_writes_mem(out);
	return true;
}

bool insn_writes_mem(const struct insn_mov *m)
{
	if (m->reg_first)
		return false;
	return m->op == INSN_MOV || m->op == INSN_OR || m->op == INSN_AND ||
	       m->op == INSN_XOR || m->op == INSN_XCHG;
}

bool insn_writes_reg(const struct insn_mov *m)
{
	return m->op == INSN_XCHG || (m->reg_first && m->op != INSN_CMP);
}

bool insn_reads_mem(const struct insn_mov *m)
{
	return m->op != INSN_MOV || m->reg_first;
}

#define FL_CF	BIT(0)
#define FL_PF	BIT(2)
#define FL_AF	BIT(4)
#define FL_ZF	BIT(6)
#define FL_SF	BIT(7)
#define FL_OF	BIT(11)

u64 insn_alu(u8 op, u8 size, u64 dst, u64 src, u64 *rflags)
{
	u64 mask = size_mask(size), sign = 1ULL << (8 * size - 1), res, fl = 0;
	u8 low;

	dst &= mask;
	src &= mask;
	switch (op) {
	case INSN_OR:
		res = dst | src;
		break;
	case INSN_XOR:
		res = dst ^ src;
		break;
	case INSN_CMP:
		res = (dst - src) & mask;
		if (dst < src)
			fl |= FL_CF;
		if ((dst ^ src ^ res) & 0x10)
			fl |= FL_AF;
		if ((dst ^ src) & (dst ^ res) & sign)
			fl |= FL_OF;
		break;
	default:	/* AND, TEST */
		res = dst & src;
		break;
	}
	if (!res)
		fl |= FL_ZF;
	if (res & sign)
		fl |= FL_SF;
	low = (u8)res;
	low ^= low >> 4;
	low ^= low >> 2;
	low ^= low >> 1;
	if (!(low & 1))
		fl |= FL_PF;
	/* The logical operations clear CF and OF and leave AF undefined:
	 * cleared here. */
	*rflags = (*rflags & ~(u64)(FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)) | fl;
	return res;
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
		out->reg_first = !out->store;
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
		out->size = osize;
		out->reg_size = osize;
		switch (op) {
		case 0xb6: case 0xb7: case 0xbe: case 0xbf:
			out->op = op >= 0xbe ? INSN_MOVSX : INSN_MOV;
			out->size = (op & 1) ? 2 : 1;
			out->reg_first = true;
			op = 0x8b;	/* a load from here on */
			break;
		case 0xa3:		/* BT r/m, r */
			out->op = INSN_BT;
			op = 0x89;	/* a register operand from here on */
			break;
		case 0xba:		/* BT r/m, imm8 (group 8 /4) */
			break;
		default:
			return -EOPNOTSUPP;
		}
	} else if (!decode_opcode(op, osize, out)) {
		return -EOPNOTSUPP;
	}
	if (i >= avail)
		return -EINVAL;
	modrm = buf[i++];
	if (has_imm(op) && !decode_group(op, (modrm >> 3) & 7, out))
		return -EOPNOTSUPP;
	extra = modrm_extra(buf, avail, i, modrm, addr16);
	if (extra < 0)
		return extra;
	i += (size_t)extra;
	if (has_imm(op)) {
		/* imm8 for byte operations and 83; else imm16/imm32, which a
		 * 64-bit operation sign-extends */
		u8 isize = (out->size == 1 || op == 0x83 || op == 0xba) ? 1 :
			out->size == 8 ? 4 : out->size;
		u64 imm = 0;

		if (i + isize > avail)
			return -EINVAL;
		for (u8 b = 0; b < isize; b++)
			imm |= (u64)buf[i + b] << (8 * b);
		if (isize == 1)
			imm = (u64)(s64)(s8)(u8)imm;
		else if (isize == 2)
			imm = (u64)(s64)(s16)(u16)imm;
		else
			imm = (u64)(s64)(s32)(u32)imm;
		out->imm = imm & size_mask(out->size);
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
