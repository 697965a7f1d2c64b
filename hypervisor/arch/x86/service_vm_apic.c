/* The Service VM's local APIC is the physical one, with one filter: its
 * ICR writes.  INIT and SIPI to its own vCPUs go through the vCPU start-up
 * state machine, so a CPU is never started outside VMX non-root mode;
 * other IPIs are sent as written, except that no IPI reaches a CPU the
 * Service VM gave up.  In xAPIC mode the APIC page is mapped
 * read-only in the Service VM's EPT: a write exits, is decoded (a plain
 * MOV store) and replayed on the physical APIC, except ICR writes. */
#include "insn.h"
#include "printk.h"
#include "vcpu_vendor.h"
#include <asm/apic.h>
#include <asm/ipi.h>

#define XAPIC_LDR	0xd0
#define XAPIC_DFR	0xe0

static int start_up_ipi(struct vcpu *vcpu, u64 icr, u32 dest)
{
	struct vm *vm = vcpu->vm;
	u32 mode = ICR_MODE(icr);

	if (icr & ICR_LOGICAL) {
		pr_info("Service VM: start-up IPI in logical mode dropped (ICR 0x%lx)\n", icr);
		return 0;
	}
	if (mode == ICR_MODE_INIT && !(icr & ICR_ASSERT))
		return 0;	/* INIT de-assert: nothing to do */
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *t = &vm->vcpus[i];
		int ret;

		if (t == vcpu || !ipi_selects(vcpu, t, icr, dest, apic_is_x2apic()))
			continue;
		ret = mode == ICR_MODE_INIT ? vcpu_send_init(t) :
			vcpu_send_sipi(t, (u8)ICR_VECTOR(icr));
		if (ret && mode == ICR_MODE_INIT)
			pr_info("Service VM: refused INIT to given-up CPU %u (APIC id %u)\n",
				t->pcpu, t->apic_id);
	}
	return 0;
}

/* @icr in x2APIC layout: destination in bits 63:32. */
int service_vm_icr_write(struct vcpu *vcpu, u64 icr)
{
	struct vm *vm = vcpu->vm;
	u32 mode = ICR_MODE(icr), dest = (u32)(icr >> 32);
	u32 low = (u32)icr & ~ICR_PENDING;

	if (mode == ICR_MODE_INIT || mode == ICR_MODE_SIPI)
		return start_up_ipi(vcpu, icr, dest);
	if (mode == ICR_MODE_SMI) {
		pr_info("Service VM: SMI IPI dropped (ICR 0x%lx)\n", icr);
		return 0;
	}
	if (!__atomic_load_n(&vm->nr_given_up, __ATOMIC_ACQUIRE) ||
	    ICR_SHORTHAND(icr) == ICR_SELF) {
		apic_send_ipi(dest, low);	/* as written */
		return 0;
	}
	/* Some CPUs are no longer the Service VM's: send to each of its own
	 * destinations, in physical mode, never to a given-up CPU. */
	low &= ~(ICR_LOGICAL | (3U << 18));
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *t = &vm->vcpus[i];

		if (!ipi_selects(vcpu, t, icr, dest, apic_is_x2apic()) || vcpu_given_up(t))
			continue;
		apic_send_ipi(t->apic_id, low);
		if (mode == ICR_MODE_LOWEST)	/* one destination */
			break;
	}
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
	if (offset == APIC_REG_ICR_HIGH) {
		vcpu->icr_high = val;
	} else if (offset == APIC_REG_ICR_LOW) {
		ret = service_vm_icr_write(vcpu, ((u64)(vcpu->icr_high >> 24) << 32) | val);
	} else {
		/* the logical destination, for the IPI filter */
		if (offset == XAPIC_LDR)
			vcpu->apic_ldr = val;
		else if (offset == XAPIC_DFR)
			vcpu->apic_dfr = val;
		apic_mmio_write(offset, val);
	}
	if (!ret)
		vendor_advance_rip(vcpu, st.len);
	return ret;
}
