/* MOVS and STOS on emulated MMIO (see insn.h): pure logic, reaching memory
 * through the caller's ops, so the host unit tests run it on fake memory.
 *
 * REP forms are done in bounded batches.  The CPU itself executes a REP
 * string instruction as a sequence of iterations that can be interrupted:
 * rSI, rDI and rCX reflect the iterations done, RIP stays on the
 * instruction until rCX reaches 0.  The caller emulates at most a batch of
 * iterations per exit and leaves RIP alone while rCX is not 0, so the
 * guest re-executes the instruction: interrupts are delivered between
 * batches, iterations on RAM run natively, and the next MMIO access exits
 * again.  Each MMIO iteration is a round trip to the Service VM, so the
 * bound (the caller's @max) is what limits the time a vCPU spends in the
 * hypervisor on one exit, whatever rCX the guest asked for. */
#include "insn.h"
#include "lib.h"

#define RFLAGS_DF	BIT(10)

static u64 amask(u8 addr_size)
{
	return addr_size == 8 ? ~0ULL : (1ULL << (8 * addr_size)) - 1;
}

/* A register after adding @delta at address size @as: 16-bit updates keep
 * bits 63:16, 32-bit ones clear bits 63:32 (a 32-bit register write). */
static u64 reg_add(u64 reg, s64 delta, u8 as)
{
	u64 v = reg + (u64)delta;

	if (as == 2)
		return (reg & ~0xffffULL) | (v & 0xffff);
	return v & amask(as);
}

/* The guest-physical address of @size bytes at linear @lin: one that
 * crosses a page boundary must stay contiguous (where it does not, this
 * refuses it, as nothing here splits an access). */
static int translate(const struct insn_mem_ops *ops, void *ctx, u64 lin,
		     u8 size, bool write, u64 lin_mask, u64 *gpa)
{
	u64 last = (lin + size - 1) & lin_mask, gpa2;
	int ret = ops->translate(ctx, lin & lin_mask, write, gpa);

	if (ret || (last & ~0xfffULL) == ((lin & lin_mask) & ~0xfffULL))
		return ret;
	ret = ops->translate(ctx, last, write, &gpa2);
	if (ret)
		return ret;
	return gpa2 == *gpa + size - 1 ? 0 : -EOPNOTSUPP;
}

int insn_string_run(const struct insn_mov *m, struct insn_string_state *s,
		    const struct insn_mem_ops *ops, void *ctx, u32 max,
		    bool *done)
{
	u8 as = m->addr_size;
	s64 step = (s->rflags & RFLAGS_DF) ? -(s64)m->size : (s64)m->size;
	u64 mask = m->size == 8 ? ~0ULL : (1ULL << (8 * m->size)) - 1;
	u32 n = 0;
	int ret = 0;

	*done = false;
	if (m->op != INSN_MOVS && m->op != INSN_STOS)
		return -EOPNOTSUPP;
	for (; !m->rep || (s->rcx & amask(as)); n++) {
		u64 src = 0, dst, val;

		if (n == max)
			return 0;	/* the guest re-executes for more */
		ret = translate(ops, ctx, s->dst_base + (s->rdi & amask(as)),
				m->size, true, s->lin_mask, &dst);
		if (!ret && m->op == INSN_MOVS)
			ret = translate(ops, ctx, s->src_base + (s->rsi & amask(as)),
					m->size, false, s->lin_mask, &src);
		if (ret)	/* not reachable: the guest's fault, if any done */
			return n ? 0 : ret;
		if (m->op == INSN_MOVS) {
			val = 0;
			ret = ops->access(ctx, src, m->size, false, &val);
			if (ret)
				return ret;
		} else {
			val = s->rax;
		}
		val &= mask;
		ret = ops->access(ctx, dst, m->size, true, &val);
		if (ret)
			return ret;
		s->rdi = reg_add(s->rdi, step, as);
		if (m->op == INSN_MOVS)
			s->rsi = reg_add(s->rsi, step, as);
		if (!m->rep)
			break;
		s->rcx = reg_add(s->rcx, -1, as);
	}
	*done = true;
	return 0;
}
