/* APIC virtualization for User VM vCPUs ("APICv"), where the CPU has it
 * (vmx_cfg.apicv; vmx_caps.c decides).  Without it the local APIC is
 * emulated entirely by core/vlapic.c through exits, and interrupts are
 * injected one by one (user_vmx.c).
 *
 * With it, the vLAPIC's register page is the VMCS virtual-APIC page:
 *  - reads of most registers, TPR and EOI writes, CR8 and, in x2APIC mode,
 *    the TPR/EOI/SELF IPI MSRs are done by the CPU without an exit;
 *  - the CPU delivers fixed interrupts from the page's IRR itself
 *    (virtual-interrupt delivery): before each entry the hypervisor only
 *    tells it the highest requested and in-service vectors (RVI/SVI);
 *  - the other register writes land in the page and exit afterwards
 *    (APIC write, trap-like): core/vlapic.c acts on the stored value;
 *  - what the CPU does not virtualize (the timer's current count, odd
 *    sizes) exits before the access (APIC access) and is emulated as any
 *    other MMIO;
 *  - the EOI of a level-triggered vector exits (EOI-exit bitmap = TMR) so
 *    that it reaches the virtual IOAPIC.
 * There are no posted interrupts (the test machine lacks them): a vector
 * set in IRR by another CPU is noticed at the next exit, which the kick
 * IPI forces (core/user_vm.c).
 *
 * xAPIC MMIO goes through the APIC-access page, which each VM's EPT maps
 * at 0xfee00000.  In x2APIC mode, or with the APIC disabled, the CPU does
 * not virtualize that page and accesses reach its memory: a page of the
 * VM's own, so nothing crosses between VMs. */
#include "lib.h"
#include "mm.h"
#include "paging.h"
#include "printk.h"
#include "user_vm.h"
#include "vcpu_vendor.h"
#include "vlapic.h"
#include "vmx.h"
#include <asm/vmcs.h>

int vendor_vplatform_init(struct vm *vm)
{
	int ret;

	if (!vmx_cfg.apicv)
		return 0;
	vm->apic_access = page_alloc();
	if (!vm->apic_access)
		return -ENOMEM;
	spin_lock(&vm->ept_lock);
	ret = pt_map(&vm->ept, VLAPIC_DEFAULT_BASE, (u64)vm->apic_access,
		     PAGE_SIZE, PT_R | PT_W);
	spin_unlock(&vm->ept_lock);
	if (ret) {
		page_free(vm->apic_access);
		vm->apic_access = NULL;
	}
	return ret;
}

/* The VM's vCPUs are out of the guest and its EPT goes next. */
void vendor_vplatform_release(struct vm *vm)
{
	if (vm->apic_access)
		page_free(vm->apic_access);
	vm->apic_access = NULL;
}

/* The controls and MSR bitmap for the APIC's mode: the APIC-access page
 * in xAPIC mode, the x2APIC MSRs in x2APIC mode, neither when disabled
 * (then every APIC MSR exits and #GPs, as emulated). */
static void set_mode(struct vcpu *v)
{
	enum vlapic_mode m = vlapic_mode(&v->vlapic);
	u32 p2 = vmcs_read32(VMCS_PROC_CONTROLS2) &
		~(PROC2_VAPIC_ACCESS | PROC2_VX2APIC);

	if (m == VLAPIC_MODE_XAPIC)
		p2 |= PROC2_VAPIC_ACCESS;
	else if (m == VLAPIC_MODE_X2APIC)
		p2 |= PROC2_VX2APIC;
	vmcs_write32(VMCS_PROC_CONTROLS2, p2);
	vmcs_write64(VMCS_MSR_BITMAP, (u64)(m == VLAPIC_MODE_X2APIC ?
					    vmx_user_msr_bitmap_x2apic() :
					    v->vm->msr_bitmap));
}

/* A fresh VMCS (setup_vmcs(), after the common controls). */
void vmx_apicv_setup(struct vcpu *v)
{
	vmcs_write64(VMCS_VIRTUAL_APIC_ADDR, (u64)v->vlapic.regs);
	vmcs_write64(VMCS_APIC_ACCESS_ADDR, (u64)v->vm->apic_access);
	vmcs_write32(VMCS_TPR_THRESHOLD, 0);
	vmcs_write32(VMCS_PROC_CONTROLS2, vmcs_read32(VMCS_PROC_CONTROLS2) |
		     PROC2_APIC_REG_VIRT | PROC2_VINTR_DELIVERY);
	vmcs_write16(VMCS_GUEST_INTR_STATUS, 0);
	v->vlapic.status_gen = __atomic_load_n(&v->vlapic.irq_gen,
					       __ATOMIC_SEQ_CST) - 1;
	__atomic_or_fetch(&v->vlapic.sync, VLAPIC_SYNC_MODE | VLAPIC_SYNC_TMR,
			  __ATOMIC_SEQ_CST);
}

/* Before each entry: what changed outside the CPU's view (the mode, TMR:
 * rare), and RVI/SVI from the page, which other CPUs' IRR bits and the
 * emulated paths (reset, EOI of an odd access) may have changed. */
void vmx_apicv_pre_entry(struct vcpu *v)
{
	struct vlapic *l = &v->vlapic;
	u32 gen;
	u16 status;

	if (__builtin_expect(__atomic_load_n(&l->sync, __ATOMIC_ACQUIRE), 0)) {
		u32 sync = __atomic_exchange_n(&l->sync, 0, __ATOMIC_SEQ_CST);

		if (sync & VLAPIC_SYNC_MODE)
			set_mode(v);
		if (sync & VLAPIC_SYNC_TMR) {
			u64 level[4];

			vlapic_level_vectors(l, level);
			vmcs_write64(VMCS_EOI_EXIT_BITMAP0, level[0]);
			vmcs_write64(VMCS_EOI_EXIT_BITMAP1, level[1]);
			vmcs_write64(VMCS_EOI_EXIT_BITMAP2, level[2]);
			vmcs_write64(VMCS_EOI_EXIT_BITMAP3, level[3]);
		}
	}
	/* RVI/SVI change with the CPU's own deliveries and EOIs, which
	 * keep them right; only what changed IRR or ISR here (irq_gen)
	 * needs a new look at the page.  A vector that arrives after that
	 * look comes with a kick, whose IPI makes the entry exit at once. */
	gen = __atomic_load_n(&l->irq_gen, __ATOMIC_SEQ_CST);
	if (gen == l->status_gen)
		return;
	l->status_gen = gen;
	status = vlapic_intr_status(l);
	if (status != vmcs_read16(VMCS_GUEST_INTR_STATUS))
		vmcs_write16(VMCS_GUEST_INTR_STATUS, status);
}

/* An access to the APIC-access page the CPU does not virtualize, before
 * it happens: an instruction's read or write is emulated as MMIO; a fetch
 * or an event delivery through the page (an IDT or a stack there) cannot
 * be, and stops the VM. */
int vmx_handle_apic_access(struct vcpu *v)
{
	u64 q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
	u32 type = (q >> 12) & 0xf;
	int ret;

	if (type > 1) {
		pr_info("%s: vCPU %u: APIC page access of type %u (not a data access by an instruction) at offset 0x%lx\n",
			v->vm->name, v->id, type, q & 0xfff);
		return -EOPNOTSUPP;
	}
	ret = user_vcpu_mmio(v, VLAPIC_DEFAULT_BASE + (q & 0xfff));
	return ret < 0 ? ret : 0;
}

/* A register write the CPU stored in the page; the instruction is done. */
int vmx_handle_apic_write(struct vcpu *v)
{
	vlapic_apic_write(v, (u32)vmcs_readnat(VMCS_EXIT_QUALIFICATION) & 0xfff);
	return 0;
}

/* The EOI of a vector in the EOI-exit bitmap; the CPU did the rest. */
int vmx_handle_eoi_induced(struct vcpu *v)
{
	vlapic_eoi_exit(v, (u8)vmcs_readnat(VMCS_EXIT_QUALIFICATION));
	return 0;
}
