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

/* Opcodes whose immediate size follows from the opcode alone (0xba: 0F BA,
 * group 8, imm8).  F6/F7 have one only with /0 (TEST): decode_group. */
static bool has_imm(u8 op)
{
	return op == 0xc6 || op == 0xc7 || op == 0x80 || op == 0x81 ||
	       op == 0x83 || op == 0xba;
}

/* Opcodes whose ModRM.reg selects the operation. */
static bool is_group(u8 op)
{
	return has_imm(op) || op == 0xf6 || op == 0xf7 || op == 0xfe ||
	       op == 0xff;
}

/* The ALU rows 00-3F and group 1 (80, 81, 83), by ModRM.reg or row. */
static const u8 alu_ops[8] = {
	INSN_ADD, INSN_OR, INSN_ADC, INSN_SBB, INSN_AND, INSN_SUB, INSN_XOR,
	INSN_CMP,
};

/* The one-byte opcodes with a ModRM memory operand that this emulates:
 * what they do and with which operand size.  Even opcodes of the ALU rows
 * (and of the other pairs) are byte operations. */
static bool decode_opcode(u8 op, u8 osize, struct insn_mov *out)
{
	u8 size = (op & 1) ? osize : 1;

	out->op = INSN_MOV;
	if (op < 0x40 && (op & 7) < 4) {
		/* 00-03 ADD, 08-0B OR, ... 38-3B CMP: bit 1 set is
		 * "register, r/m" (the register is the destination) */
		out->op = alu_ops[op >> 3];
		out->reg_first = op & 2;
	} else if (op == 0x84 || op == 0x85) {
		out->op = INSN_TEST;
	} else if (op == 0x86 || op == 0x87) {
		out->op = INSN_XCHG;
	} else if (op == 0x8a || op == 0x8b) {
		out->reg_first = true;	/* a load */
	} else if (op != 0x88 && op != 0x89 && !is_group(op)) {
		return false;
	}
	out->size = size;
	out->reg_size = size;
	out->store = insn_writes_mem(out);
	return true;
}

/* Opcodes whose ModRM.reg selects the operation: that operation. */
static bool decode_group(u8 op, u8 reg, struct insn_mov *out)
{
	static const u8 group3[8] = {	/* F6, F7 (MUL, DIV: not emulated) */
		[0] = INSN_TEST, [1] = 0xff, [2] = INSN_NOT, [3] = INSN_NEG,
		[4] = 0xff, [5] = 0xff, [6] = 0xff, [7] = 0xff,
	};
	static const u8 group8[8] = {	/* 0F BA */
		[0] = 0xff, [1] = 0xff, [2] = 0xff, [3] = 0xff,
		[4] = INSN_BT, [5] = INSN_BTS, [6] = INSN_BTR, [7] = INSN_BTC,
	};

	if (op == 0xc6 || op == 0xc7)
		out->op = reg == 0 ? INSN_MOV : 0xff;
	else if (op == 0xba)
		out->op = group8[reg];
	else if (op == 0xf6 || op == 0xf7)
		out->op = group3[reg];
	else if (op == 0xfe || op == 0xff)	/* FF /2-/6: CALL, JMP, PUSH */
		out->op = reg == 0 ? INSN_INC : reg == 1 ? INSN_DEC : 0xff;
	else	/* 80, 81, 83 */
		out->op = alu_ops[reg];
	if (out->op == 0xff)
		return false;
	/* only TEST takes an immediate in group 3 */
	out->has_imm = has_imm(op) || out->op == INSN_TEST;
	out->store = insn_writes_mem(out);
	return true;
}

bool insn_writes_mem(const struct insn_mov *m)
{
	switch (m->op) {
	case INSN_CMP:
	case INSN_TEST:
	case INSN_BT:
	case INSN_MOVSX:
		return false;
	case INSN_XCHG:
	case INSN_MOVS:
	case INSN_STOS:
		return true;
	default:	/* MOV and the ALU forms: unless memory is the source */
		return !m->reg_first;
	}
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

/* dst + src + carry, or dst - src - borrow: CF, AF and OF. */
static u64 add_sub(bool sub, u64 dst, u64 src, u64 cin, u64 mask, u64 sign,
		   u64 *fl)
{
	u64 res = (sub ? dst - src - cin : dst + src + cin) & mask;
	/* carry (borrow) out of the top bit, from the bits of the inputs
	 * and the result: exact for every size with the carry in */
	u64 cout = sub ? (~dst & src) | ((~dst | src) & res) :
		(dst & src) | ((dst | src) & ~res);

	if (cout & sign)
		*fl |= FL_CF;
	if ((dst ^ src ^ res) & 0x10)
		*fl |= FL_AF;
	if ((sub ? (dst ^ src) & (dst ^ res) : ~(dst ^ src) & (dst ^ res)) & sign)
		*fl |= FL_OF;
	return res;
}

u64 insn_alu(u8 op, u8 size, u64 dst, u64 src, u64 *rflags)
{
	const u64 arith = FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF;
	u64 mask = size_mask(size), sign = 1ULL << (8 * size - 1), res, fl = 0;
	u64 cf = *rflags & FL_CF, keep = ~arith;
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
	case INSN_ADD:
	case INSN_ADC:
		res = add_sub(false, dst, src, op == INSN_ADC ? cf : 0, mask, sign, &fl);
		break;
	case INSN_CMP:
	case INSN_SUB:
	case INSN_SBB:
		res = add_sub(true, dst, src, op == INSN_SBB ? cf : 0, mask, sign, &fl);
		break;
	case INSN_INC:
	case INSN_DEC:
		res = add_sub(op == INSN_DEC, dst, 1, 0, mask, sign, &fl);
		fl &= ~FL_CF;
		keep |= FL_CF;
		break;
	case INSN_NEG:	/* 0 - dst: CF unless dst is 0 */
		res = add_sub(true, 0, dst, 0, mask, sign, &fl);
		break;
	case INSN_NOT:
		return ~dst & mask;
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
	*rflags = (*rflags & keep) | fl;
	return res;
}

/* The two-byte opcodes (after 0F) this emulates.  @op becomes the one-byte
 * opcode whose operand handling the rest of the decoding follows. */
static bool decode_0f(u8 *op, u8 osize, struct insn_mov *out)
{
	out->size = osize;
	out->reg_size = osize;
	switch (*op) {
	case 0xb6: case 0xb7: case 0xbe: case 0xbf:
		out->op = *op >= 0xbe ? INSN_MOVSX : INSN_MOV;
		out->size = (*op & 1) ? 2 : 1;
		out->reg_first = true;
		*op = 0x8b;	/* a load from here on */
		return true;
	case 0xa3:		/* BT r/m, r */
	case 0xab:		/* BTS */
	case 0xb3:		/* BTR */
	case 0xbb:		/* BTC */
		out->op = *op == 0xa3 ? INSN_BT : *op == 0xab ? INSN_BTS :
			*op == 0xb3 ? INSN_BTR : INSN_BTC;
		out->store = insn_writes_mem(out);
		*op = 0x89;	/* a register operand from here on */
		return true;
	case 0xba:		/* group 8 /4-/7, imm8 */
		return true;
	default:
		return false;
	}
}

/* MOVS (A4, A5) and STOS (AA, AB): no ModRM; the memory operands are
 * [seg:rSI] and [ES:rDI]. */
static void decode_string(u8 op, u8 osize, struct insn_mov *out)
{
	out->op = op <= 0xa5 ? INSN_MOVS : INSN_STOS;
	out->size = (op & 1) ? osize : 1;
	out->reg_size = out->size;
	out->reg = 0;		/* STOS: rAX */
	out->store = true;
}

int insn_decode_mov(const u8 *buf, size_t avail, bool long_mode, bool def32,
		    struct insn_mov *out)
{
	size_t i = 0;
	bool p66 = false, p67 = false, addr16;
	u8 rex = 0, op, modrm, osize, rep = 0;
	int extra;

	memset(out, 0, sizeof(*out));
	out->seg = SEG_DS;
	for (; i < avail && i < 14; i++) {
		/* Segment overrides in SEG_* order; the last one counts. */
		static const u8 seg_prefix[6] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };
		u8 p = buf[i], s;

		for (s = 0; s < 6 && seg_prefix[s] != p; s++)
			;
		if (s < 6)
			out->seg = s;
		else if (p == 0x66)
			p66 = true;
		else if (p == 0x67)
			p67 = true;
		else if (p == 0xf2 || p == 0xf3)
			rep = p;
		else if (p != 0xf0)	/* LOCK: #UD, not an exit, where invalid */
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
	out->addr_size = long_mode ? (p67 ? 4 : 8) : addr16 ? 2 : 4;
	if (i >= avail)
		return -EINVAL;
	op = buf[i++];
	/* F2 and F3 make other opcodes different instructions (PAUSE,
	 * POPCNT, ...): only the string forms take them here. */
	if (rep && op != 0xa4 && op != 0xa5 && op != 0xaa && op != 0xab)
		return -EOPNOTSUPP;
	if (op == 0xa4 || op == 0xa5 || op == 0xaa || op == 0xab) {
		out->rep = rep != 0;
		decode_string(op, osize, out);
		if (i > 15)
			return -EOPNOTSUPP;
		out->len = (u8)i;
		return 0;
	}
	if (op >= 0xa0 && op <= 0xa3) {
		/* MOV between AL/eAX and an absolute offset (moffs) as wide
		 * as the address size: what assemblers emit for a constant
		 * address with the accumulator. */
		u8 asize = out->addr_size;

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
		if (!decode_0f(&op, osize, out))
			return -EOPNOTSUPP;
	} else if (op == 0x63 && long_mode) {
		/* MOVSXD: a 32-bit load sign-extended with REX.W, a plain
		 * load of the operand size without (compilers emit the
		 * former for int -> long). */
		out->op = osize == 8 ? INSN_MOVSX : INSN_MOV;
		out->size = osize == 8 ? 4 : osize;
		out->reg_size = osize;
		out->reg_first = true;
		op = 0x8b;
	} else if (!decode_opcode(op, osize, out)) {
		return -EOPNOTSUPP;
	}
	if (i >= avail)
		return -EINVAL;
	modrm = buf[i++];
	if (is_group(op) && !decode_group(op, (modrm >> 3) & 7, out))
		return -EOPNOTSUPP;
	extra = modrm_extra(buf, avail, i, modrm, addr16);
	if (extra < 0)
		return extra;
	i += (size_t)extra;
	if (out->has_imm) {
		/* imm8 for byte operations, 83 and 0F BA; else imm16/imm32,
		 * which a 64-bit operation sign-extends */
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
		i += isize;
	} else if (!is_group(op)) {
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
