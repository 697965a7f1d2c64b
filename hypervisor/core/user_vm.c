/* User VMs: the slots the Service VM creates them in, the CPUs they own,
 * and their life cycle (create, start, pause, reset, destroy), driven by
 * the Service VM's management hypercalls.  A User VM runs only on CPUs the
 * Service VM gave up, and no CPU belongs to two VMs.
 *
 * The management side (a Service VM CPU, in a hypercall, under
 * user_vm_lock) never touches a VMCS: it posts requests in vcpu.run_req and
 * kicks the vCPU's CPU, which acts on them between VM exit and entry
 * (core/user_vcpu.c) and publishes what it did in vcpu.run_state.  Pause
 * and destroy wait for that answer, so when they return no vCPU of the VM
 * is in the guest. */
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "spinlock.h"
#include "user_vm.h"
#include "vcpu_vendor.h"
#include "vm.h"
#include <asm/percpu.h>
#include <islet/hypercall.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/msr.h>

static struct vm user_vms[MAX_USER_VMS];
static bool slot_used[MAX_USER_VMS];
static u16 cpu_owner[MAX_CPUS];		/* vmid, 0 when free */
static struct vcpu *cpu_vcpu[MAX_CPUS];	/* the User VM vCPU of each CPU */
static spinlock_t user_vm_lock;

static const char *const vm_names[MAX_USER_VMS] = {
	"User VM 1", "User VM 2", "User VM 3", "User VM 4",
	"User VM 5", "User VM 6", "User VM 7",
};

/* The VM's exits by reason, all vCPUs together, on one line ("reason:
 * count"; the names would cost serial time): what a run of the test
 * machine checks to see which path its interrupts took. */
static void print_exit_counts(const struct vm *vm)
{
	char buf[384];
	size_t n = 0;
	u64 total = 0;

	for (u32 r = 0; r < NR_EXIT_REASONS; r++) {
		u64 c = 0;

		for (u32 i = 0; i < vm->nr_vcpus; i++)
			c += vm->vcpus[i].exits[r];
		total += c;
		if (c && n < sizeof(buf))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, " %u:%lu", r, c);
	}
	if (total)
		pr_info("VM %u exits: %lu (reason:count%s)\n", vm->vmid, total,
			n ? buf : "");
}

/* Free what claim() allocated; the vCPUs are out of the guest. */
static void release_pages(struct vm *vm)
{
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		page_free(vm->vcpus[i].vmcs);
		vm->vcpus[i].vmcs = NULL;
	}
	vplatform_release(vm);
	pt_destroy(&vm->ept);
}

/* Called with the lock held. */
static int claim(u64 affinity, struct vcpu **sv_vcpus, u16 *vmid)
{
	u32 slot = MAX_USER_VMS;
	struct vm *vm;
	int ret;

	for (u32 n = 0; n < MAX_CPUS; n++)
		if ((affinity & BIT(n)) && cpu_owner[n])
			return -EBUSY;
	for (u32 i = 0; i < MAX_USER_VMS && slot == MAX_USER_VMS; i++)
		if (!slot_used[i])
			slot = i;
	if (slot == MAX_USER_VMS)
		return -ENOSPC;
	vm = &user_vms[slot];
	memset(vm, 0, sizeof(*vm));
	vm->name = vm_names[slot];
	vm->vmid = (u16)(slot + 1);
	ret = pt_init(&vm->ept, &ept_format, &hv_pt_ops);
	if (ret)
		return ret;
	for (u32 n = 0; n < MAX_CPUS; n++) {
		struct vcpu *v;

		if (!(affinity & BIT(n)))
			continue;
		v = &vm->vcpus[vm->nr_vcpus];
		v->vm = vm;
		v->id = vm->nr_vcpus++;
		v->pcpu = n;
		v->apic_id = sv_vcpus[n]->apic_id;
		v->run_req = USER_REQ_STOP;
		v->vmcs = page_alloc();
		if (!v->vmcs) {
			vm->nr_vcpus--;
			release_pages(vm);
			return -ENOMEM;
		}
	}
	ret = vplatform_init(vm);
	if (ret) {
		release_pages(vm);
		return ret;
	}
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		cpu_owner[vm->vcpus[i].pcpu] = vm->vmid;
		__atomic_store_n(&cpu_vcpu[vm->vcpus[i].pcpu], &vm->vcpus[i],
				 __ATOMIC_RELEASE);
	}
	vm->state = USER_VM_CREATED;
	slot_used[slot] = true;
	*vmid = vm->vmid;
	return 0;
}

/* Kick a vCPU's CPU out of the guest with an NMI, which exits whatever
 * the guest does (an external interrupt does not end a halt with IF clear
 * in Bochs).  The CPU looks at run_req before every VM entry; an NMI that
 * finds it in the hypervisor just before an entry is lost, so whoever
 * waits for an answer kicks again now and then (kick_wait). */
static void kick(const struct vcpu *v)
{
	apic_send_ipi(v->apic_id, ICR_ASSERT | (ICR_MODE_NMI << 8));
}

#define KICK_AGAIN	(1U << 20)	/* spins between kicks */

static void kick_wait(const struct vcpu *v, u32 *spins)
{
	if (++*spins % KICK_AGAIN == 0)
		kick(v);
	cpu_relax();
}

static u32 run_state(const struct vcpu *v)
{
	return __atomic_load_n(&v->run_state, __ATOMIC_SEQ_CST);
}

/* Post @req to every vCPU and return when none is in the guest.  The
 * vCPU's CPU publishes IN_GUEST before it looks at run_req, and this side
 * posts before it looks at run_state (both sequentially consistent), so
 * one of the two sees the other. */
static void stop_vcpus(struct vm *vm, u32 req)
{
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		__atomic_or_fetch(&v->run_req, req, __ATOMIC_SEQ_CST);
		if (run_state(v) == USER_RUN_IN_GUEST)
			kick(v);
	}
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		u32 spins = 0;

		while (run_state(&vm->vcpus[i]) == USER_RUN_IN_GUEST)
			kick_wait(&vm->vcpus[i], &spins);
	}
}

static void release(u16 vmid)
{
	struct vm *vm = &user_vms[vmid - 1];

	stop_vcpus(vm, USER_REQ_STOP | USER_REQ_RELEASE);
	/* A CPU that loaded a vCPU's VMCS clears it and flushes the VM's
	 * translations before it says RELEASED: only then may the VMCS and
	 * EPT pages be reused. */
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (__atomic_load_n(&v->vmcs_ready, __ATOMIC_ACQUIRE))
			while (run_state(v) != USER_RUN_RELEASED)
				cpu_relax();	/* out of the guest: no kick needed */
		__atomic_store_n(&cpu_vcpu[v->pcpu], NULL, __ATOMIC_RELEASE);
		cpu_owner[v->pcpu] = 0;
	}
	print_exit_counts(vm);
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu *v = &vm->vcpus[i];

		if (v->io_count)
			pr_info("VM %u vCPU %u: %lu I/O requests, ticks each: hypervisor %lu, Service VM %lu\n",
				vm->vmid, i, v->io_count, v->io_hv_ticks / v->io_count,
				v->io_sv_ticks / v->io_count);
	}
	release_pages(vm);
	vm->state = USER_VM_FREE;
	vm->ioreq = NULL;
	slot_used[vmid - 1] = false;
}

struct vcpu *user_vm_cpu_vcpu(u32 pcpu)
{
	return pcpu < MAX_CPUS ?
		__atomic_load_n(&cpu_vcpu[pcpu], __ATOMIC_ACQUIRE) : NULL;
}

struct vm *user_vm_get(u64 vmid)
{
	spin_lock(&user_vm_lock);
	if (vmid >= 1 && vmid <= MAX_USER_VMS && slot_used[vmid - 1])
		return &user_vms[vmid - 1];
	spin_unlock(&user_vm_lock);
	return NULL;
}

void user_vm_put(struct vm *vm)
{
	(void)vm;
	spin_unlock(&user_vm_lock);
}

void user_vm_flush_ept(struct vm *vm)
{
	u64 gen = __atomic_add_fetch(&vm->ept_gen, 1, __ATOMIC_SEQ_CST);

	vendor_vm_flush(vm);	/* this CPU's, should it hold any */
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		u32 spins = 0;

		if (run_state(v) != USER_RUN_IN_GUEST)
			continue;	/* it flushes before it enters */
		kick(v);
		while (run_state(v) == USER_RUN_IN_GUEST &&
		       __atomic_load_n(&v->ept_gen_seen, __ATOMIC_ACQUIRE) != gen)
			kick_wait(v, &spins);
	}
}

s64 hc_create_vm(struct vcpu *vcpu, u64 gpa, u64 unused)
{
	struct islet_vm_creation c;
	struct vcpu *sv_vcpus[MAX_CPUS] = { 0 };
	u16 vmid = 0;
	int ret;

	if (gpa & 7)
		return -EINVAL;
	if (gpa_read(vcpu->vm, gpa, &c, sizeof(c)))
		return -EFAULT;
	/* No VM flag is implemented yet: refuse them all rather than
	 * pretend. */
	if (c.reserved0 || c.reserved1 || c.vm_flag || !c.cpu_affinity ||
	    (c.cpu_affinity >> MAX_CPUS))
		return -EINVAL;
	for (u32 n = 0; n < MAX_CPUS; n++) {
		if (!(c.cpu_affinity & BIT(n)))
			continue;
		sv_vcpus[n] = service_vm_given_up_cpu(n);
		if (!sv_vcpus[n])
			return -EINVAL;	/* still the Service VM's */
	}
	/* The lock covers the write-back too: a failed one releases this
	 * very slot, which nobody else can have destroyed and reused. */
	spin_lock(&user_vm_lock);
	ret = claim(c.cpu_affinity, sv_vcpus, &vmid);
	if (!ret) {
		c.vmid = vmid;
		c.vcpu_num = (u16)user_vms[vmid - 1].nr_vcpus;
		if (gpa_write(vcpu->vm, gpa, &c, sizeof(c))) {
			release(vmid);
			ret = -EFAULT;
		}
	}
	spin_unlock(&user_vm_lock);
	if (ret)
		return ret;
	pr_info("created VM %u on CPUs 0x%lx\n", vmid, c.cpu_affinity);
	return 0;
}

s64 hc_destroy_vm(struct vcpu *vcpu, u64 vmid, u64 unused)
{
	int ret = -EINVAL;

	spin_lock(&user_vm_lock);
	if (vmid >= 1 && vmid <= MAX_USER_VMS && slot_used[vmid - 1]) {
		release((u16)vmid);
		ret = 0;
	}
	spin_unlock(&user_vm_lock);
	if (!ret)
		pr_info("destroyed VM %lu\n", vmid);
	return ret;
}

/* ---- Life cycle --------------------------------------------------------- */

s64 hc_start_vm(struct vcpu *vcpu, u64 vmid, u64 unused)
{
	struct vm *vm = user_vm_get(vmid);
	s64 ret = -EINVAL;

	if (!vm)
		return -EINVAL;
	/* As in ACRN: only a created VM starts, and only once it can send
	 * I/O requests; a paused one is reset first. */
	if (vm->state == USER_VM_CREATED && vm->ioreq) {
		for (u32 i = 0; i < vm->nr_vcpus; i++)
			__atomic_and_fetch(&vm->vcpus[i].run_req, ~USER_REQ_STOP,
					   __ATOMIC_SEQ_CST);
		__atomic_store_n(&vm->state, USER_VM_RUNNING, __ATOMIC_SEQ_CST);
		ret = 0;
	}
	user_vm_put(vm);
	return ret;
}

s64 hc_pause_vm(struct vcpu *vcpu, u64 vmid, u64 unused)
{
	struct vm *vm = user_vm_get(vmid);

	if (!vm)
		return -EINVAL;
	__atomic_store_n(&vm->state, USER_VM_PAUSED, __ATOMIC_SEQ_CST);
	/* Also for a VM that stopped itself, whose other vCPUs were only
	 * asked to stop. */
	stop_vcpus(vm, USER_REQ_STOP);
	user_vm_put(vm);
	return 0;
}

s64 hc_reset_vm(struct vcpu *vcpu, u64 vmid, u64 unused)
{
	struct vm *vm = user_vm_get(vmid);
	s64 ret = -EINVAL;

	if (!vm)
		return -EINVAL;
	if (__atomic_load_n(&vm->state, __ATOMIC_SEQ_CST) == USER_VM_PAUSED) {
		stop_vcpus(vm, USER_REQ_STOP);
		for (u32 i = 0; i < vm->nr_vcpus; i++) {
			struct vcpu *v = &vm->vcpus[i];

			v->regs_set = false;
			__atomic_or_fetch(&v->run_req, USER_REQ_RESET,
					  __ATOMIC_SEQ_CST);
		}
		/* Requests in flight are dropped with the state they were
		 * for; the device model clears its side (CLEAR_VM_IOREQ). */
		for (u32 i = 0; vm->ioreq && i < ISLET_IO_REQUEST_MAX; i++)
			__atomic_store_n(&vm->ioreq[i].processed,
					 ISLET_IOREQ_STATE_FREE, __ATOMIC_RELEASE);
		vplatform_reset(vm);	/* the PIC's and IOAPIC's lines too */
		vm->state = USER_VM_CREATED;
		ret = 0;
	}
	user_vm_put(vm);
	return ret;
}

void user_vm_stop_self(struct vm *vm)
{
	u32 old = USER_VM_RUNNING;

	__atomic_compare_exchange_n(&vm->state, &old, USER_VM_PAUSED, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		__atomic_or_fetch(&v->run_req, USER_REQ_STOP, __ATOMIC_SEQ_CST);
		if (run_state(v) == USER_RUN_IN_GUEST)
			kick(v);	/* the caller's own IPI is harmless */
	}
}

/* ---- Initial vCPU state -------------------------------------------------- */


/* What the architecture refuses whatever the CPU; the rest (CR4 bits this
 * CPU lacks, say) is refused by VM entry, which stops only this VM. */
static bool regs_valid(const struct islet_regs *r)
{
	static const u64 zero64[4];
	static const u32 zero32[3];
	static const u16 zero16[3];

	if (memcmp(r->reserved_64, zero64, sizeof(zero64)) ||
	    memcmp(r->reserved_32, zero32, sizeof(zero32)) ||
	    memcmp(r->gdt.reserved, zero16, sizeof(zero16)) ||
	    memcmp(r->idt.reserved, zero16, sizeof(zero16)))
		return false;
	if ((r->cr0 >> 32) || ((r->cr0 & BIT(31)) && !(r->cr0 & BIT(0))))
		return false;
	if ((r->cr4 & BIT(13)) || (r->cr4 >> 32))	/* VMXE is the host's */
		return false;
	if (r->ia32_efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
		return false;
	/* Long mode with paging needs PAE. */
	if ((r->ia32_efer & EFER_LME) && (r->cr0 & BIT(31)) && !(r->cr4 & BIT(5)))
		return false;
	/* RFLAGS: no reserved bit, no virtual-8086 mode. */
	if ((r->rflags >> 22) || (r->rflags & (BIT(3) | BIT(5) | BIT(15) | BIT(17))))
		return false;
	/* CS: a present code segment, usable. */
	if ((r->cs_ar & 0x98) != 0x98 || (r->cs_ar >> 16))
		return false;
	return true;
}

s64 hc_set_vcpu_regs(struct vcpu *vcpu, u64 vmid, u64 gpa)
{
	static struct islet_vcpu_regs in;	/* under user_vm_lock */
	struct vm *vm;
	s64 ret = -EINVAL;

	if (gpa & 7)
		return -EINVAL;
	vm = user_vm_get(vmid);
	if (!vm)
		return -EINVAL;
	if (gpa_read(vcpu->vm, gpa, &in, sizeof(in))) {
		ret = -EFAULT;
	} else if (!in.reserved[0] && !in.reserved[1] && !in.reserved[2] &&
		   in.vcpu_id < vm->nr_vcpus && regs_valid(&in.vcpu_regs) &&
		   __atomic_load_n(&vm->state, __ATOMIC_SEQ_CST) != USER_VM_RUNNING) {
		struct vcpu *v = &vm->vcpus[in.vcpu_id];

		/* Not running, so its CPU reads these only after the next
		 * START, which orders them. */
		v->init_regs = in.vcpu_regs;
		v->regs_set = true;
		__atomic_or_fetch(&v->run_req, USER_REQ_RESET, __ATOMIC_SEQ_CST);
		ret = 0;
	}
	user_vm_put(vm);
	return ret;
}

/* ---- I/O requests -------------------------------------------------------- */

s64 hc_set_ioreq_buffer(struct vcpu *vcpu, u64 vmid, u64 gpa)
{
	struct islet_set_ioreq_buffer b;
	struct vm *vm;
	s64 ret = -EINVAL;

	if (gpa & 7)
		return -EINVAL;
	if (gpa_read(vcpu->vm, gpa, &b, sizeof(b)))
		return -EFAULT;
	if ((b.ioreq_buf & (PAGE_SIZE - 1)) ||
	    !service_vm_owns_ram(vcpu->vm, b.ioreq_buf, PAGE_SIZE))
		return -EINVAL;
	vm = user_vm_get(vmid);
	if (!vm)
		return -EINVAL;
	if (__atomic_load_n(&vm->state, __ATOMIC_SEQ_CST) != USER_VM_RUNNING) {
		/* The Service VM is identity-mapped: its GPA is the HPA. */
		vm->ioreq = (struct islet_io_request *)b.ioreq_buf;
		for (u32 i = 0; i < ISLET_IO_REQUEST_MAX; i++)
			__atomic_store_n(&vm->ioreq[i].processed,
					 ISLET_IOREQ_STATE_FREE, __ATOMIC_RELEASE);
		ret = 0;
	}
	user_vm_put(vm);
	return ret;
}

/* The vCPU's CPU polls its slot for COMPLETE itself (completion_polling
 * is always set), so there is nothing to wake: the call is checked and
 * answered for HSMs that make it anyway. */
s64 hc_notify_request_finish(struct vcpu *vcpu, u64 vmid, u64 vcpu_id)
{
	struct vm *vm = user_vm_get(vmid);
	s64 ret;

	if (!vm)
		return -EINVAL;
	ret = vcpu_id < vm->nr_vcpus && vm->ioreq ? 0 : -EINVAL;
	user_vm_put(vm);
	return ret;
}

/* ---- Interrupts ---------------------------------------------------------- */

/* An MSI for the VM, through its virtual LAPICs (core/vlapic.c). */
s64 hc_inject_msi(struct vcpu *vcpu, u64 vmid, u64 gpa)
{
	struct islet_msi_entry m;
	struct vm *vm;
	s64 ret;

	if (gpa & 7)
		return -EINVAL;
	if (gpa_read(vcpu->vm, gpa, &m, sizeof(m)))
		return -EFAULT;
	vm = user_vm_get(vmid);
	if (!vm)
		return -EINVAL;
	ret = vlapic_deliver_msi(vm, m.msi_addr, m.msi_data);
	user_vm_put(vm);
	return ret;
}

/* The vCPU's CPU takes this vector like any external interrupt: it exits
 * the guest, or waits in the CPU's IRR (the hypervisor runs with
 * interrupts off) and makes the next VM entry exit at once, so unlike an
 * NMI kick it cannot be lost between the CPU's last look and its entry.
 * A halted vCPU polls instead (user_vcpu_halt). */
void user_vcpu_kick_irq(struct vcpu *v)
{
	if (run_state(v) == USER_RUN_IN_GUEST &&
	    !__atomic_load_n(&v->halted, __ATOMIC_SEQ_CST))
		apic_send_ipi(v->apic_id, ICR_ASSERT | USER_KICK_VECTOR);
}

/* A GSI input of the virtual platform, ACRN's way: GSI 0-15 are the
 * ISA IRQs, wired both to the PIC (IRQ n) and to IOAPIC pin n, so the
 * guest may use either; GSI 16-47 reach the IOAPIC only.  A pulse is
 * the two level changes in a row. */
s64 hc_set_irqline(struct vcpu *vcpu, u64 vmid, u64 ops)
{
	u32 gsi = (u32)ops, op = (u32)(ops >> 32);
	struct vm *vm;

	if (gsi >= VIOAPIC_PINS || op > ISLET_IRQLINE_FALLING_PULSE)
		return -EINVAL;
	vm = user_vm_get(vmid);
	if (!vm)
		return -EINVAL;
	if (gsi < VPIC_NR_IRQS)
		vpic_set_line(vm, gsi, op);
	vioapic_set_line(vm, gsi, op);
	user_vm_put(vm);
	return 0;
}

/* ---- Power states -------------------------------------------------------- */

/* Islet gives User VMs no P-states or C-states of their own: the counts
 * are 0 and there is no entry to ask about. */
s64 hc_pm_get_cpu_state(struct vcpu *vcpu, u64 cmd, u64 gpa)
{
	u32 vmid = (cmd & ISLET_PMCMD_VMID_MASK) >> ISLET_PMCMD_VMID_SHIFT;
	u32 vid = (cmd & ISLET_PMCMD_VCPUID_MASK) >> ISLET_PMCMD_VCPUID_SHIFT;
	u32 type = cmd & ISLET_PMCMD_TYPE_MASK;
	struct vm *vm;
	u64 count = 0;
	s64 ret = -EINVAL;

	if ((cmd >> 32) || (gpa & 7))
		return -EINVAL;
	vm = user_vm_get(vmid);
	if (!vm)
		return -EINVAL;
	if (vid < vm->nr_vcpus &&
	    (type == ISLET_PMCMD_GET_PX_CNT || type == ISLET_PMCMD_GET_CX_CNT))
		ret = gpa_write(vcpu->vm, gpa, &count, sizeof(count)) ? -EFAULT : 0;
	user_vm_put(vm);
	return ret;
}
