/* A CPU the Service VM gave up, running the User VM vCPU assigned to it,
 * and the I/O requests that vCPU sends to the Service VM.
 *
 * One vCPU per CPU, no time sharing: between VM exit and entry the CPU
 * looks at the requests the management side posted (core/user_vm.c), and
 * while a request of its vCPU is with the Service VM it spins on the slot
 * (completion_polling), so a completion costs the Service VM no
 * hypercall and the vCPU no wake-up. */
#include "insn.h"
#include "lib.h"
#include "printk.h"
#include "user_vm.h"
#include "vcpu_vendor.h"
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/percpu.h>

static u32 req(const struct vcpu *v)
{
	return __atomic_load_n(&v->run_req, __ATOMIC_SEQ_CST);
}

static void publish(struct vcpu *v, u32 state)
{
	__atomic_store_n(&v->run_state, state, __ATOMIC_SEQ_CST);
}

/* Started and not asked to stop.  A vCPU waiting for INIT-SIPI runs too:
 * its CPU holds it in the hypervisor until the SIPI (user_vmx.c). */
static bool runnable(const struct vcpu *v)
{
	return !(req(v) & (USER_REQ_STOP | USER_REQ_RELEASE)) &&
		__atomic_load_n(&v->vm->state, __ATOMIC_SEQ_CST) == USER_VM_RUNNING;
}

static u32 cpu_serving[MAX_CPUS];

void user_cpu_wait_serving(struct vcpu *sv_vcpu)
{
	for (u32 spins = 1; !__atomic_load_n(&cpu_serving[sv_vcpu->pcpu],
					     __ATOMIC_ACQUIRE); spins++) {
		if (spins % (1U << 20) == 0)
			apic_send_ipi(sv_vcpu->apic_id, ICR_ASSERT | (ICR_MODE_NMI << 8));
		cpu_relax();
	}
}

__noreturn void user_cpu_loop(u32 pcpu)
{
	vendor_user_cpu_init();
	__atomic_store_n(&cpu_serving[pcpu], 1, __ATOMIC_RELEASE);
	for (;;) {
		struct vcpu *v = user_vm_cpu_vcpu(pcpu);

		if (!v) {
			cpu_relax();
			continue;
		}
		if (req(v) & USER_REQ_RELEASE) {
			if (__atomic_load_n(&v->run_state, __ATOMIC_ACQUIRE) !=
			    USER_RUN_RELEASED) {
				if (v->vmcs_ready)
					vendor_user_vcpu_release(v);
				publish(v, USER_RUN_RELEASED);
			}
			cpu_relax();
			continue;
		}
		if (!runnable(v)) {
			if (__atomic_load_n(&v->run_state, __ATOMIC_RELAXED) !=
			    USER_RUN_STOPPED)
				publish(v, USER_RUN_STOPPED);
			cpu_relax();
			continue;
		}
		/* Published before run_req is read again: a stop posted
		 * meanwhile is seen here or its poster sees IN_GUEST and
		 * waits (user_vm.c, stop_vcpus). */
		publish(v, USER_RUN_IN_GUEST);
		if (runnable(v) && user_vm_cpu_vcpu(pcpu) == v)
			vendor_user_vcpu_run(v);
		publish(v, USER_RUN_STOPPED);
	}
}

bool user_vcpu_pre_entry(struct vcpu *v)
{
	struct vm *vm = v->vm;
	u64 gen;

	if (req(v) & (USER_REQ_STOP | USER_REQ_RELEASE))
		return false;
	gen = __atomic_load_n(&vm->ept_gen, __ATOMIC_SEQ_CST);
	if (gen != v->ept_gen_seen) {
		vendor_vm_flush(vm);
		__atomic_store_n(&v->ept_gen_seen, gen, __ATOMIC_RELEASE);
	}
	return true;
}

/* Polls rather than sleeps: the CPU has nothing else to do, and the
 * timer is a TSC comparison.  While halted nobody needs to kick it
 * (user_vcpu_kick_irq). */
void user_vcpu_halt(struct vcpu *v, bool irq_wakes)
{
	struct vlapic *l = &v->vlapic;

	__atomic_store_n(&v->halted, true, __ATOMIC_SEQ_CST);
	while (user_vcpu_pre_entry(v)) {
		u32 pend = __atomic_load_n(&l->pending, __ATOMIC_SEQ_CST);

		vlapic_timer_check(l, rdtsc());
		if ((pend & (VLAPIC_PEND_NMI | VLAPIC_PEND_INIT)) ||
		    (irq_wakes && ((pend & VLAPIC_PEND_EXTINT) ||
				   vlapic_pending_vector(l) >= 0)))
			break;
		cpu_relax();
	}
	__atomic_store_n(&v->halted, false, __ATOMIC_SEQ_CST);
}

/* ---- I/O requests --------------------------------------------------------- */

/*
 * Hand one access to the Service VM and wait for its answer: fill the
 * vCPU's slot, store PENDING, signal, spin until COMPLETE, take a read's
 * value, store FREE.  Returns 0, 1 if a stop request ended the wait (the
 * request is abandoned with the vCPU's state: only a reset follows), or
 * -EIO if the slot was not free (the Service VM broke the protocol).
 */
static int send_request(struct vcpu *v, const struct islet_io_request *in,
			u64 *val)
{
	struct islet_io_request *r = &v->vm->ioreq[v->id];
	u64 t0;
	u32 st;

	if (__atomic_load_n(&r->processed, __ATOMIC_ACQUIRE) !=
	    ISLET_IOREQ_STATE_FREE)
		return -EIO;
	r->type = in->type;
	r->completion_polling = 1;
	r->kernel_handled = 0;
	r->reqs = in->reqs;
	__atomic_store_n(&r->processed, ISLET_IOREQ_STATE_PENDING,
			 __ATOMIC_RELEASE);
	hsm_notify_raise();
	t0 = rdtsc();
	v->io_hv_ticks += t0 - v->t_exit;
	for (;;) {
		st = __atomic_load_n(&r->processed, __ATOMIC_ACQUIRE);
		if (st == ISLET_IOREQ_STATE_COMPLETE)
			break;
		/* Pause, reset and destroy do not wait for the device
		 * model; EPT changes are flushed while waiting. */
		if (!user_vcpu_pre_entry(v))
			return 1;
		cpu_relax();
	}
	v->t_done = rdtsc();
	v->io_sv_ticks += v->t_done - t0;
	v->io_count++;
	if (val)
		*val = in->type == ISLET_IOREQ_TYPE_MMIO ?
			r->reqs.mmio_request.value : r->reqs.pio_request.value;
	__atomic_store_n(&r->processed, ISLET_IOREQ_STATE_FREE, __ATOMIC_RELEASE);
	return 0;
}

int user_vcpu_pio(struct vcpu *v, u16 port, u8 size, bool in, u32 *val)
{
	struct islet_io_request r = { .type = ISLET_IOREQ_TYPE_PORTIO };
	u64 got = 0;
	int ret;

	r.reqs.pio_request.direction = in ? ISLET_IOREQ_DIR_READ :
		ISLET_IOREQ_DIR_WRITE;
	r.reqs.pio_request.address = port;
	r.reqs.pio_request.size = size;
	r.reqs.pio_request.value = in ? 0 : *val;
	ret = send_request(v, &r, in ? &got : NULL);
	if (!ret && in)
		*val = (u32)got;
	return ret;
}

/* One MMIO access of @size bytes at @gpa: a read's value in *@val, or a
 * write of *@val.  A range the hypervisor emulates (vm_register_mmio)
 * is served here; any other goes to the Service VM (send_request()'s
 * answers). */
static int mmio_access(struct vcpu *v, u64 gpa, u8 size, bool write, u64 *val)
{
	struct islet_io_request r = { .type = ISLET_IOREQ_TYPE_MMIO };
	u64 mask = size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
	const struct mmio_handler *h = vm_find_mmio(v->vm, gpa, size);

	if (h) {
		u64 x = write ? *val & mask : 0;
		int ret = h->handle(v, gpa - h->base, size, write, &x);

		if (!ret && !write)
			*val = x & mask;
		return ret;
	}

	r.reqs.mmio_request.address = gpa;
	r.reqs.mmio_request.size = size;
	r.reqs.mmio_request.direction = write ? ISLET_IOREQ_DIR_WRITE :
		ISLET_IOREQ_DIR_READ;
	r.reqs.mmio_request.value = write ? *val & mask : 0;
	if (write)
		return send_request(v, &r, NULL);
	return send_request(v, &r, val) ?: (*val &= mask, 0);
}

/* ---- MOVS and STOS ------------------------------------------------------- */

/* Iterations of a REP string instruction emulated per exit (core/
 * insn_string.c explains the batching): 64 MMIO round trips bound the
 * time the vCPU spends outside the guest on one exit. */
#define MMIO_REP_BATCH	64

struct string_ctx {
	struct vcpu *v;
	const struct guest_paging *paging;
	u32 user;		/* GUEST_ACCESS_USER at CPL 3 */
	u64 fault_addr;		/* a #PF the guest must get: address, */
	u32 pf_err;		/* error code */
	bool faulted;
};

static int read8(void *ctx, u64 gpa, u64 *val)
{
	return gpa_read(ctx, gpa, val, sizeof(*val));
}

/* Through the guest's page tables, as the CPU would (vcpu_fetch_insn()
 * does the same for the instruction). */
static int string_translate(void *c, u64 lin, bool write, u64 *gpa)
{
	struct string_ctx *sc = c;
	u32 err;
	int ret = guest_translate_access(sc->paging, lin, sc->user |
					 (write ? GUEST_ACCESS_WRITE : 0),
					 read8, sc->v->vm, gpa, &err);

	/* Not present or not allowed: the #PF the CPU would raise. */
	if (ret && err != GUEST_PF_NONE) {
		sc->faulted = true;
		sc->fault_addr = lin;
		sc->pf_err = err;
	}
	return ret;
}

/* Either side of a MOVS may be RAM or MMIO: RAM where the VM's EPT maps
 * the page (as the exit handler decides for the CPU's own accesses: a
 * mapping without the needed right is the VM's fault, -EFAULT), MMIO
 * anywhere else, and in the ranges the hypervisor emulates even where
 * the EPT maps a page (the APIC-access page of APIC virtualization). */
static int string_access(void *c, u64 gpa, u8 size, bool write, u64 *val)
{
	struct vcpu *v = ((struct string_ctx *)c)->v;
	u8 probe;

	if (vm_find_mmio(v->vm, gpa, size) || gpa_read(v->vm, gpa, &probe, 1))
		return mmio_access(v, gpa, size, write, val);
	return write ? gpa_write(v->vm, gpa, val, size) :
		gpa_read(v->vm, gpa, val, size);
}

/* A segment's base as the instruction's linear addresses use it: in
 * 64-bit mode only FS and GS have one. */
static u64 seg_base(struct vcpu *v, const struct vcpu_insn_ctx *ctx, u8 seg)
{
	if (ctx->long_mode && seg != SEG_FS && seg != SEG_GS)
		return 0;
	return vendor_seg_base(v, seg);
}

/* One batch of MOVS or STOS (insn_string_run()), then the registers: RIP
 * moves on only once the instruction is finished.  Segment limits and the
 * guest's page protections are not checked (the CPU checked the access
 * that exited; the others are the guest's own memory). */
static int mmio_string(struct vcpu *v, const struct vcpu_insn_ctx *ctx,
		       const struct insn_mov *m)
{
	static const struct insn_mem_ops ops = {
		.translate = string_translate,
		.access = string_access,
	};
	struct string_ctx sc = {
		.v = v, .paging = &ctx->paging,
		.user = ctx->cpl == 3 ? GUEST_ACCESS_USER : 0,
	};
	struct insn_string_state s = {
		.rcx = vendor_gpr(v, 1),
		.rsi = vendor_gpr(v, 6),
		.rdi = vendor_gpr(v, 7),
		.rax = vendor_gpr(v, 0),
		.rflags = vendor_rflags(v),
		.src_base = seg_base(v, ctx, m->seg),
		.dst_base = seg_base(v, ctx, SEG_ES),
		.lin_mask = ctx->long_mode ? ~0ULL : 0xffffffffULL,
	};
	bool done;
	int ret = insn_string_run(m, &s, &ops, &sc, MMIO_REP_BATCH, &done);

	/* A fault before the first iteration is the guest's #PF (after
	 * one, insn_string_run stops there and the guest re-executes into
	 * the fault). */
	if (ret && sc.faulted) {
		vendor_inject_page_fault(v, sc.fault_addr, sc.pf_err);
		return 0;
	}
	if (ret)
		return ret;
	vendor_set_gpr(v, 1, s.rcx);
	vendor_set_gpr(v, 6, s.rsi);
	vendor_set_gpr(v, 7, s.rdi);
	if (done)
		vendor_advance_rip(v, m->len);
	return 0;
}

/* ---- The instructions with one memory operand ----------------------------- */

/* The result of @m on memory value @mem and @other (its register or
 * immediate), with RFLAGS updated as the CPU does. */
static u64 mmio_result(struct vcpu *v, const struct insn_mov *m, u64 mem,
		       u64 other)
{
	u64 fl, bit, res;

	switch (m->op) {
	case INSN_MOV:
		return m->reg_first ? mem : other;	/* load or store */
	case INSN_MOVSX: {
		u8 shift = (u8)(64 - 8 * m->size);

		res = (u64)((s64)(mem << shift) >> shift);
		if (m->reg_size < 8)
			res &= (1ULL << (8 * m->reg_size)) - 1;
		return res;
	}
	case INSN_XCHG:
		return other;
	case INSN_BT:
	case INSN_BTS:
	case INSN_BTR:
	case INSN_BTC:
		/* The GPA is the accessed unit: the offset's low bits. */
		bit = 1ULL << (other & (8 * m->size - 1));
		vendor_set_rflags(v, (vendor_rflags(v) & ~1ULL) | !!(mem & bit));
		return m->op == INSN_BTS ? mem | bit : m->op == INSN_BTR ?
			mem & ~bit : mem ^ bit;	/* BT writes nothing */
	default:
		fl = vendor_rflags(v);
		res = m->reg_first ? insn_alu(m->op, m->size, other, mem, &fl) :
			insn_alu(m->op, m->size, mem, other, &fl);
		vendor_set_rflags(v, fl);
		return res;
	}
}

/* An access to guest-physical memory the VM's EPT does not map: decode
 * the instruction and carry it out with MMIO requests: a read, a write,
 * or a read then a write (the ALU forms to memory, XCHG, BTS/BTR/BTC),
 * with the register and RFLAGS updated as the CPU would; MOVS and STOS
 * through mmio_string(). */
int user_vcpu_mmio(struct vcpu *v, u64 gpa)
{
	struct vcpu_insn_ctx ctx;
	struct insn_mov m;
	u8 buf[15];
	u64 mem = 0, other, res, reg;
	int n = vcpu_fetch_insn(v, buf), ret;

	vendor_insn_ctx(v, &ctx);
	ret = n < 0 ? n : insn_decode_mov(buf, (size_t)n, ctx.long_mode,
					  ctx.def32, &m);
	if (ret) {
		pr_info("%s: MMIO at GPA 0x%lx by an instruction not emulated (RIP 0x%lx, %d)\n",
			v->vm->name, gpa, ctx.rip_linear, ret);
		return -EOPNOTSUPP;
	}
	if (m.op == INSN_MOVS || m.op == INSN_STOS) {
		ret = mmio_string(v, &ctx, &m);
		if (ret < 0)
			pr_info("%s: MMIO at GPA 0x%lx by a string instruction failed (RIP 0x%lx, %d)\n",
				v->vm->name, gpa, ctx.rip_linear, ret);
		return ret;
	}
	if (insn_reads_mem(&m)) {
		ret = mmio_access(v, gpa, m.size, false, &mem);
		if (ret)
			return ret;
	}
	/* The other operand: the immediate, or the register (AH..BH:
	 * bits 15:8). */
	other = m.has_imm ? m.imm : vendor_gpr(v, m.reg) >> (m.high8 ? 8 : 0);
	res = mmio_result(v, &m, mem, other);
	if (insn_writes_mem(&m)) {
		ret = mmio_access(v, gpa, m.size, true, &res);
		if (ret)
			return ret;
	}
	if (insn_writes_reg(&m)) {
		reg = m.op == INSN_XCHG ? mem : res;
		vendor_set_gpr(v, m.reg, insn_mov_merge(&m, vendor_gpr(v, m.reg), reg));
	}
	vendor_advance_rip(v, m.len);
	return 0;
}

/*
 * The vCPU cannot go on (the cause is reported already): stop the whole
 * VM and tell the device model as ACRN does, with a power-off write in
 * the vCPU's slot (islet/hypercall.h).  Nothing waits for the answer: the
 * VM stays stopped until it is reset or destroyed.
 */
void user_vcpu_failed(struct vcpu *v)
{
	struct islet_io_request *r = v->vm->ioreq ? &v->vm->ioreq[v->id] : NULL;

	user_vm_stop_self(v->vm);
	pr_info("%s stopped (vCPU %u); reported to the Service VM as a power-off\n",
		v->vm->name, v->id);
	if (!r || __atomic_load_n(&r->processed, __ATOMIC_ACQUIRE) !=
	    ISLET_IOREQ_STATE_FREE)
		return;
	r->type = ISLET_IOREQ_TYPE_PORTIO;
	r->completion_polling = 1;
	r->kernel_handled = 0;
	memset(&r->reqs, 0, sizeof(r->reqs));
	r->reqs.pio_request.direction = ISLET_IOREQ_DIR_WRITE;
	r->reqs.pio_request.address = ISLET_VM_PM1A_CNT_PORT;
	r->reqs.pio_request.size = 2;
	r->reqs.pio_request.value = ISLET_VM_PM1A_SLP_EN | ISLET_VM_PM1A_SLP_TYP_S5;
	__atomic_store_n(&r->processed, ISLET_IOREQ_STATE_PENDING,
			 __ATOMIC_RELEASE);
	hsm_notify_raise();
}
