/* The Service VM's local APIC is the physical one, with one filter: its
 * ICR writes.  INIT and SIPI to its own vCPUs go through the vCPU start-up
 * state machine, so a CPU is never started outside VMX non-root mode;
 * other IPIs are sent as written.  In xAPIC mode the APIC page is mapped
 * read-only in the Service VM's EPT: a write exits, is decoded (a plain
 * MOV store) and replayed on the physical APIC, except ICR writes. */
#include "insn.h"
#include "printk.h"
#include "vcpu_vendor.h"
#include <asm/apic.h>

static bool selects(const struct vcpu *self, const struct vcpu *t, u64 icr,
		    u32 dest)
{
	switch (ICR_SHORTHAND(icr)) {
	case ICR_DEST_FIELD:
		return t->apic_id == dest;
	case ICR_ALL:
		return true;
	case ICR_ALL_BUT_SELF:
		return t != self;
	default:
		return t == self;
	}
}

/* @icr in x2APIC layout: destination in bits 63:32. */
int service_vm_icr_write(struct vcpu *vcpu, u64 icr)
{
	struct vm *vm = vcpu->vm;
	u32 mode = ICR_MODE(icr), dest = (u32)(icr >> 32);

	if (mode == ICR_MODE_INIT || mode == ICR_MODE_SIPI) {
		if (icr & ICR_LOGICAL) {
			pr_info("Service VM: start-up IPI in logical mode dropped (ICR 0x%lx)\n", icr);
			return 0;
		}
		if (mode == ICR_MODE_INIT && !(icr & ICR_ASSERT))
			return 0;	/* INIT de-assert: nothing to do */
		for (u32 i = 0; i < vm->nr_vcpus; i++) {
			struct vcpu *t = &vm->vcpus[i];

			if (t == vcpu || !selects(vcpu, t, icr, dest))
				continue;
			if (mode == ICR_MODE_INIT)
				vcpu_send_init(t);
			else
				vcpu_send_sipi(t, (u8)ICR_VECTOR(icr));
		}
		return 0;
	}
	if (mode == ICR_MODE_SMI) {
		pr_info("Service VM: SMI IPI dropped (ICR 0x%lx)\n", icr);
		return 0;
	}
	apic_send_ipi(dest, (u32)icr & ~ICR_PENDING);
	return 0;
}

static u64 store_value(struct vcpu *vcpu, const struct insn_store *st)
{
	return st->has_imm ? st->imm : vendor_gpr(vcpu, st->src_reg);
}

int service_vm_apic_write(struct vcpu *vcpu, u64 gpa)
{
	u8 buf[15];
	struct vcpu_insn_ctx ctx;
	struct insn_store st;
	u32 offset = (u32)(gpa & 0xfff), val;
	int n = vcpu_fetch_insn(vcpu, buf), ret;

	vendor_insn_ctx(vcpu, &ctx);
	ret = n < 0 ? n : insn_decode_store(buf, (size_t)n, ctx.long_mode,
					    ctx.def32, &st);
	if (ret || st.size != 4 || (offset & 3)) {
		pr_err("Service VM: cannot emulate the write to APIC register 0x%x at RIP 0x%lx (%d)\n",
		       offset, ctx.rip_linear, ret);
		return ret ? ret : -EOPNOTSUPP;
	}
	val = (u32)store_value(vcpu, &st);
	if (offset == APIC_REG_ICR_HIGH)
		vcpu->icr_high = val;
	else if (offset == APIC_REG_ICR_LOW)
		ret = service_vm_icr_write(vcpu, ((u64)(vcpu->icr_high >> 24) << 32) | val);
	else
		apic_mmio_write(offset, val);
	if (!ret)
		vendor_advance_rip(vcpu, st.len);
	return ret;
}
