/* hypervisor/core/user_vm.c: the User VM life cycle and request
 * hypercalls (START/PAUSE/RESET_VM, SET_VCPU_REGS, SET_IOREQ_BUFFER,
 * NOTIFY_REQUEST_FINISH, INJECT_MSI, SET_IRQLINE, PM_GET_CPU_STATE), with
 * the fixture of the memory tests (a Service VM with an e820 map and an
 * EPT).  No CPU runs the vCPUs here, so every vCPU is out of the guest and
 * the management side never waits; the request page is a host page the
 * test adds to the Service VM's RAM, identity-mapped. */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "fake_service_vm.h"
#include "mm.h"
#include "user_vm_mem_fixture.h"
#include <asm/msr.h>

#define ARG_GPA		(2 * PAGE_SIZE)	/* where arguments go in gmem */

static struct islet_io_request *page;	/* the request page */

static u16 setup(void)
{
	mem_setup();
	page = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(page);
	memset(page, 0, PAGE_SIZE);	/* every slot PENDING (0) */
	CU_ASSERT_EQUAL(e820_set_range(&sv.e820, (u64)page, PAGE_SIZE, E820_RAM), 0);
	CU_ASSERT_EQUAL(pt_map(&sv.ept, (u64)page, (u64)page, PAGE_SIZE, PT_RWX), 0);
	return mem_create_vm(1);
}

static void teardown(void)
{
	mem_teardown();
	free(page);
	page = NULL;
}

static s64 hc(u64 id, u64 a1, u64 a2)
{
	return hypercall_dispatch(mem_caller(), id, a1, a2);
}

static s64 set_buffer(u16 vmid, u64 addr)
{
	struct islet_set_ioreq_buffer b = { .ioreq_buf = addr };

	memcpy(gmem + ARG_GPA, &b, sizeof(b));
	return hc(HC_SET_IOREQ_BUFFER, vmid, ARG_GPA);
}

static struct vm *vm_of(u16 vmid)
{
	struct vm *vm = user_vm_get(vmid);

	user_vm_put(vm);
	return vm;
}

static void test_ioreq_buffer(void)
{
	u16 id = setup();

	CU_ASSERT_EQUAL(hc(HC_START_VM, id, 0), -EINVAL);	/* no buffer */
	CU_ASSERT_EQUAL(hc(HC_SET_IOREQ_BUFFER, id, ARG_GPA + 4), -EINVAL);
	CU_ASSERT_EQUAL(hc(HC_SET_IOREQ_BUFFER, id, FAKE_SV_MEM_SIZE), -EFAULT);
	CU_ASSERT_EQUAL(set_buffer(id, (u64)page + 8), -EINVAL);
	CU_ASSERT_EQUAL(set_buffer(id, SV_RESERVED), -EINVAL);
	CU_ASSERT_EQUAL(set_buffer(id, SV_HOLE), -EINVAL);
	CU_ASSERT_EQUAL(set_buffer(id, SV_ALIAS), -EINVAL);
	CU_ASSERT_EQUAL(set_buffer(id, SV_RO), -EINVAL);
	CU_ASSERT_EQUAL(set_buffer(id, ALIGN_DOWN(hv_base(), PAGE_SIZE)), -EINVAL);
	CU_ASSERT_EQUAL(set_buffer(id, 1ULL << 52), -EINVAL);
	CU_ASSERT_EQUAL(set_buffer(0, (u64)page), -EINVAL);
	CU_ASSERT_EQUAL(set_buffer(id + 1, (u64)page), -EINVAL);
	CU_ASSERT_PTR_NULL(vm_of(id)->ioreq);
	CU_ASSERT_EQUAL(set_buffer(id, (u64)page), 0);
	CU_ASSERT_PTR_EQUAL(vm_of(id)->ioreq, page);
	for (u32 i = 0; i < ISLET_IO_REQUEST_MAX; i++)
		CU_ASSERT_EQUAL(page[i].processed, ISLET_IOREQ_STATE_FREE);
	/* running: the page cannot change under the vCPUs */
	CU_ASSERT_EQUAL(hc(HC_START_VM, id, 0), 0);
	CU_ASSERT_EQUAL(set_buffer(id, (u64)page), -EINVAL);
	CU_ASSERT_EQUAL(hc(HC_NOTIFY_REQUEST_FINISH, id, 0), 0);
	CU_ASSERT_EQUAL(hc(HC_NOTIFY_REQUEST_FINISH, id, 1), -EINVAL);
	CU_ASSERT_EQUAL(hc(HC_NOTIFY_REQUEST_FINISH, id + 1, 0), -EINVAL);
	teardown();
}

static void test_life_cycle(void)
{
	u16 id = setup();
	struct vm *vm = vm_of(id);
	struct vcpu *v = &vm->vcpus[0];

	CU_ASSERT_EQUAL(vm->state, USER_VM_CREATED);
	CU_ASSERT_TRUE(v->run_req & USER_REQ_STOP);	/* not started */
	CU_ASSERT_EQUAL(hc(HC_RESET_VM, id, 0), -EINVAL);	/* not paused */
	CU_ASSERT_EQUAL(set_buffer(id, (u64)page), 0);
	CU_ASSERT_EQUAL(hc(HC_START_VM, id, 0), 0);
	CU_ASSERT_EQUAL(vm->state, USER_VM_RUNNING);
	CU_ASSERT_FALSE(v->run_req & USER_REQ_STOP);
	CU_ASSERT_EQUAL(hc(HC_START_VM, id, 0), -EINVAL);	/* twice */
	CU_ASSERT_EQUAL(hc(HC_RESET_VM, id, 0), -EINVAL);	/* running */
	CU_ASSERT_EQUAL(hc(HC_PAUSE_VM, id, 0), 0);
	CU_ASSERT_EQUAL(vm->state, USER_VM_PAUSED);
	CU_ASSERT_TRUE(v->run_req & USER_REQ_STOP);
	CU_ASSERT_EQUAL(hc(HC_PAUSE_VM, id, 0), 0);		/* idempotent */
	CU_ASSERT_EQUAL(hc(HC_START_VM, id, 0), -EINVAL);	/* reset first */
	page[0].processed = ISLET_IOREQ_STATE_PROCESSING;	/* in flight */
	v->vlapic.regs[APIC_IRR / 4 + 4] = 1;	/* vector 0x20 pending */
	CU_ASSERT_EQUAL(hc(HC_RESET_VM, id, 0), 0);
	CU_ASSERT_EQUAL(vm->state, USER_VM_CREATED);
	CU_ASSERT_TRUE(v->run_req & USER_REQ_RESET);
	CU_ASSERT_EQUAL(page[0].processed, ISLET_IOREQ_STATE_FREE);
	CU_ASSERT_EQUAL(v->vlapic.regs[APIC_IRR / 4 + 4], 0);
	CU_ASSERT_EQUAL(hc(HC_START_VM, id, 0), 0);
	/* unknown VMs */
	for (u64 bad = 0; bad < 10; bad++) {
		if (bad == id)
			continue;
		CU_ASSERT_EQUAL(hc(HC_START_VM, bad, 0), -EINVAL);
		CU_ASSERT_EQUAL(hc(HC_PAUSE_VM, bad, 0), -EINVAL);
		CU_ASSERT_EQUAL(hc(HC_RESET_VM, bad, 0), -EINVAL);
	}
	CU_ASSERT_EQUAL(hc_destroy_vm(mem_caller(), id, 0), 0);
	CU_ASSERT_EQUAL(hc(HC_PAUSE_VM, id, 0), -EINVAL);
	teardown();
}

/* A valid 64-bit state: long mode, paging, flat code segment. */
static struct islet_vcpu_regs good_regs(void)
{
	struct islet_vcpu_regs r;

	memset(&r, 0, sizeof(r));
	r.vcpu_regs.rip = 0x100000;
	r.vcpu_regs.cr0 = 0x80000031;	/* PG NE ET PE */
	r.vcpu_regs.cr4 = 0x20;		/* PAE */
	r.vcpu_regs.cr3 = 0x2000;
	r.vcpu_regs.ia32_efer = EFER_LME | EFER_LMA;
	r.vcpu_regs.rflags = 2;
	r.vcpu_regs.cs_ar = 0xa09b;
	r.vcpu_regs.cs_limit = 0xffffffff;
	r.vcpu_regs.cs_sel = 8;
	r.vcpu_regs.gprs.rsi = 0x7000;
	return r;
}

static s64 set_regs(u16 vmid, const struct islet_vcpu_regs *r)
{
	memcpy(gmem + ARG_GPA, r, sizeof(*r));
	return hc(HC_SET_VCPU_REGS, vmid, ARG_GPA);
}

static void test_vcpu_regs(void)
{
	u16 id = setup();
	struct vm *vm = vm_of(id);
	struct islet_vcpu_regs r = good_regs(), bad;

	CU_ASSERT_EQUAL(set_regs(id, &r), 0);
	CU_ASSERT_TRUE(vm->vcpus[0].regs_set);
	CU_ASSERT_TRUE(vm->vcpus[0].run_req & USER_REQ_RESET);
	CU_ASSERT_EQUAL(vm->vcpus[0].init_regs.gprs.rsi, 0x7000);
	CU_ASSERT_EQUAL(hc(HC_SET_VCPU_REGS, id, ARG_GPA + 4), -EINVAL);
	CU_ASSERT_EQUAL(hc(HC_SET_VCPU_REGS, id, FAKE_SV_MEM_SIZE - 8), -EFAULT);
	CU_ASSERT_EQUAL(set_regs(id + 1, &r), -EINVAL);

#define REFUSED(stmt) do { bad = r; stmt; CU_ASSERT_EQUAL(set_regs(id, &bad), -EINVAL); } while (0)
	REFUSED(bad.vcpu_id = 1);			/* one vCPU */
	REFUSED(bad.reserved[1] = 1);
	REFUSED(bad.vcpu_regs.reserved_64[3] = 1);
	REFUSED(bad.vcpu_regs.reserved_32[0] = 1);
	REFUSED(bad.vcpu_regs.gdt.reserved[2] = 1);
	REFUSED(bad.vcpu_regs.idt.reserved[0] = 1);
	REFUSED(bad.vcpu_regs.cr0 = 0x80000000);	/* PG without PE */
	REFUSED(bad.vcpu_regs.cr0 |= 1ULL << 32);
	REFUSED(bad.vcpu_regs.cr4 |= 1U << 13);		/* VMXE */
	REFUSED(bad.vcpu_regs.cr4 = 0);			/* long mode, no PAE */
	REFUSED(bad.vcpu_regs.ia32_efer |= 1U << 12);
	REFUSED(bad.vcpu_regs.rflags |= 1U << 17);	/* VM86 */
	REFUSED(bad.vcpu_regs.rflags |= 1U << 3);
	REFUSED(bad.vcpu_regs.rflags |= 1ULL << 40);
	REFUSED(bad.vcpu_regs.cs_ar = 0x93);		/* data, not code */
	REFUSED(bad.vcpu_regs.cs_ar = 0x1b);		/* not present */
	REFUSED(bad.vcpu_regs.cs_ar |= 1U << 16);	/* unusable */
#undef REFUSED
	/* real mode is fine */
	bad = r;
	bad.vcpu_regs.cr0 = 0x10;
	bad.vcpu_regs.cr4 = 0;
	bad.vcpu_regs.ia32_efer = 0;
	bad.vcpu_regs.cs_ar = 0x9b;
	CU_ASSERT_EQUAL(set_regs(id, &bad), 0);
	/* not while running */
	CU_ASSERT_EQUAL(set_buffer(id, (u64)page), 0);
	CU_ASSERT_EQUAL(hc(HC_START_VM, id, 0), 0);
	CU_ASSERT_EQUAL(set_regs(id, &r), -EINVAL);
	CU_ASSERT_EQUAL(hc(HC_PAUSE_VM, id, 0), 0);
	CU_ASSERT_EQUAL(set_regs(id, &r), 0);
	teardown();
}

static s64 msi(u16 vmid, u64 addr, u64 data)
{
	struct islet_msi_entry m = { .msi_addr = addr, .msi_data = data };

	memcpy(gmem + ARG_GPA, &m, sizeof(m));
	return hc(HC_INJECT_MSI, vmid, ARG_GPA);
}

/* Word @w of the vCPU's IRR (vectors 32w..32w+31). */
static u32 irr(const struct vcpu *v, u32 w)
{
	return v->vlapic.regs[APIC_IRR / 4 + 4 * w];
}

static void test_interrupts(void)
{
	u16 id = setup();
	struct vm *vm = vm_of(id);
	struct vcpu *v = &vm->vcpus[0];
	u64 cmd;

	/* a software-disabled APIC (as at reset) drops fixed interrupts */
	CU_ASSERT_EQUAL(msi(id, 0xfee00000, 0x41), 0);
	CU_ASSERT_EQUAL(irr(v, 2), 0);
	v->vlapic.regs[APIC_SVR / 4] |= APIC_SVR_ENABLE;
	v->vlapic.regs[APIC_LDR / 4] = 1U << 24;	/* flat logical id 1 */
	CU_ASSERT_EQUAL(msi(id, 0xfee00000, 0x41), 0);
	CU_ASSERT_EQUAL(irr(v, 2), BIT(1));
	CU_ASSERT_EQUAL(msi(id, 0xfeeff000, 0xf0), 0);	/* broadcast */
	CU_ASSERT_EQUAL(irr(v, 7), BIT(0x10));
	CU_ASSERT_EQUAL(msi(id, 0xfee01004, 0x100 | 0x42), 0);	/* logical, lowest */
	CU_ASSERT_EQUAL(irr(v, 2), BIT(1) | BIT(2));
	CU_ASSERT_EQUAL(msi(id, 0xfee00000, 0x8000 | 0x50), 0);	/* level */
	CU_ASSERT_EQUAL(v->vlapic.regs[APIC_TMR / 4 + 2 * 4], BIT(0x10));
	CU_ASSERT_EQUAL(msi(id, 0xfee00000, 0x400), 0);	/* NMI */
	CU_ASSERT_TRUE(v->vlapic.pending & VLAPIC_PEND_NMI);
	CU_ASSERT_EQUAL(msi(id, 0xfee01000, 0x43), -EINVAL);	/* APIC id 1 */
	CU_ASSERT_EQUAL(msi(id, 0xfee02004, 0x43), -EINVAL);	/* logical bit 1 */
	CU_ASSERT_EQUAL(msi(id, 0xfed00000, 0x43), -EINVAL);	/* not an MSI */
	CU_ASSERT_EQUAL(msi(id, 0x1fee00000ULL, 0x43), -EINVAL);
	CU_ASSERT_EQUAL(msi(id, 0xfee00000, 0x0f), -EINVAL);	/* vector < 16 */
	CU_ASSERT_EQUAL(msi(id, 0xfee00000, 0x500 | 0x43), -EINVAL);	/* INIT */
	CU_ASSERT_EQUAL(msi(id, 0xfee00000, 0x700 | 0x43), -EINVAL);	/* ExtINT */
	CU_ASSERT_EQUAL(msi(id, 0xfee00000, 0x10043), -EINVAL);	/* reserved */
	CU_ASSERT_EQUAL(msi(id + 1, 0xfee00000, 0x43), -EINVAL);
	CU_ASSERT_EQUAL(hc(HC_INJECT_MSI, id, ARG_GPA + 2), -EINVAL);
	/* delivery picks the highest first, then the next above PPR */
	CU_ASSERT_EQUAL(vlapic_pending_vector(&v->vlapic), 0xf0);
	vlapic_accept_vector(&v->vlapic, 0xf0);
	CU_ASSERT_EQUAL(vlapic_pending_vector(&v->vlapic), -1);	/* PPR 0xf0 */

	/* the line levels the IOAPIC keeps (routing: test_irqline.c) */
	CU_ASSERT_EQUAL(hc(HC_SET_IRQLINE, id, ISLET_IRQLINE(4, ISLET_IRQLINE_SET_HIGH)), 0);
	CU_ASSERT_EQUAL(vm->vioapic.line, BIT(4));
	CU_ASSERT_EQUAL(hc(HC_SET_IRQLINE, id, ISLET_IRQLINE(4, ISLET_IRQLINE_RAISING_PULSE)), 0);
	CU_ASSERT_EQUAL(vm->vioapic.line, 0);	/* high, then low */
	CU_ASSERT_EQUAL(hc(HC_SET_IRQLINE, id, ISLET_IRQLINE(4, ISLET_IRQLINE_FALLING_PULSE)), 0);
	CU_ASSERT_EQUAL(vm->vioapic.line, BIT(4));	/* low, then high */
	CU_ASSERT_EQUAL(hc(HC_SET_IRQLINE, id, ISLET_IRQLINE(4, ISLET_IRQLINE_SET_LOW)), 0);
	CU_ASSERT_EQUAL(vm->vioapic.line, 0);
	CU_ASSERT_EQUAL(hc(HC_SET_IRQLINE, id, ISLET_IRQLINE(48, 0)), -EINVAL);
	CU_ASSERT_EQUAL(hc(HC_SET_IRQLINE, id, ISLET_IRQLINE(4, 4)), -EINVAL);
	CU_ASSERT_EQUAL(hc(HC_SET_IRQLINE, id + 1, ISLET_IRQLINE(4, 0)), -EINVAL);

	/* no P- or C-states: counts 0, no entry */
	cmd = ((u64)id << ISLET_PMCMD_VMID_SHIFT) | ISLET_PMCMD_GET_PX_CNT;
	memset(gmem + ARG_GPA, 0xff, 8);
	CU_ASSERT_EQUAL(hc(HC_PM_GET_CPU_STATE, cmd, ARG_GPA), 0);
	CU_ASSERT_EQUAL(*(u64 *)(gmem + ARG_GPA), 0);
	cmd = ((u64)id << ISLET_PMCMD_VMID_SHIFT) | ISLET_PMCMD_GET_CX_CNT;
	CU_ASSERT_EQUAL(hc(HC_PM_GET_CPU_STATE, cmd, ARG_GPA), 0);
	CU_ASSERT_EQUAL(hc(HC_PM_GET_CPU_STATE, cmd | ISLET_PMCMD_GET_PX_DATA, ARG_GPA), -EINVAL);
	CU_ASSERT_EQUAL(hc(HC_PM_GET_CPU_STATE, cmd | 0x10000, ARG_GPA), -EINVAL);	/* vCPU 1 */
	CU_ASSERT_EQUAL(hc(HC_PM_GET_CPU_STATE, cmd | 7, ARG_GPA), -EINVAL);
	CU_ASSERT_EQUAL(hc(HC_PM_GET_CPU_STATE, cmd | (1ULL << 32), ARG_GPA), -EINVAL);
	CU_ASSERT_EQUAL(hc(HC_PM_GET_CPU_STATE, cmd, ARG_GPA + 4), -EINVAL);
	CU_ASSERT_EQUAL(hc(HC_PM_GET_CPU_STATE, cmd, FAKE_SV_MEM_SIZE), -EFAULT);
	CU_ASSERT_EQUAL(hc(HC_PM_GET_CPU_STATE, ISLET_PMCMD_GET_PX_CNT, ARG_GPA), -EINVAL);
	teardown();
}

int register_user_vm_life_tests(void)
{
	static const struct unit_test tests[] = {
		{ "request buffer: refusals, slots FREE", test_ioreq_buffer },
		{ "start, pause, reset, states", test_life_cycle },
		{ "vCPU registers: checks", test_vcpu_regs },
		{ "MSI, IRQ lines, power states", test_interrupts },
	};

	return UNIT_SUITE("core/user_vm life cycle", tests);
}
