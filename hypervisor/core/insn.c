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
