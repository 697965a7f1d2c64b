/* hypervisor/core/user_vcpu.c compiled for the host: the request slot's
 * state machine (send_request(): FREE -> PENDING -> COMPLETE -> FREE, a
 * busy slot refused with -EIO, a stop request while waiting abandons the
 * request and returns 1, read values masked to the access size) and MMIO
 * emulation end to end (decode, requests, registers, RIP), including REP
 * MOVS in batches between RAM and MMIO.
 *
 * unit.mk renames, for user_vcpu.o only, what it calls in other parts to
 * the fake_* functions here: the vendor hooks (a vCPU whose registers are
 * plain variables, 32-bit flat code with paging off), guest memory (64
 * KiB of RAM at GPA 0, nothing else mapped), the instruction fetch (a
 * buffer the test fills), the hypervisor's MMIO ranges (none) and the
 * notification of the Service VM, which plays the Service VM: it answers
 * at once, leaves the request pending, posts a stop, or lets a second
 * thread answer. */
#include <pthread.h>
#include <string.h>
#include "unit.h"
#include "insn.h"
#include "user_vm.h"
#include "vcpu_vendor.h"

#define RAM_SIZE	0x10000
#define MMIO_GPA	0xd0000000ULL
#define DEV_VALUE	0xdeadbeefcafef00dULL	/* what device reads return */

static struct vm vm;
static struct islet_io_request slots[1] __attribute__((aligned(256)));
static u8 ram[RAM_SIZE];
static u8 insn[15];
static u8 insn_len;
static u64 rip, rflags;

/* ---- the Service VM ---- */

enum sv_mode { SV_ANSWER, SV_IGNORE, SV_STOP, SV_THREAD };
static enum sv_mode sv_mode;
static u32 nr_notify, nr_answered;
static struct islet_io_request seen[256];	/* requests as posted */
static u64 dev_writes[256];

static void answer(struct islet_io_request *r)
{
	if (nr_answered < ARRAY_SIZE(seen))
		seen[nr_answered] = *r;
	if (r->type == ISLET_IOREQ_TYPE_MMIO) {
		if (r->reqs.mmio_request.direction == ISLET_IOREQ_DIR_READ)
			r->reqs.mmio_request.value = DEV_VALUE;
		else if (nr_answered < ARRAY_SIZE(dev_writes))
			dev_writes[nr_answered] = r->reqs.mmio_request.value;
	} else if (r->reqs.pio_request.direction == ISLET_IOREQ_DIR_READ) {
		r->reqs.pio_request.value = (u32)DEV_VALUE;
	}
	nr_answered++;
	__atomic_store_n(&r->processed, ISLET_IOREQ_STATE_COMPLETE,
			 __ATOMIC_RELEASE);
}

void fake_hsm_notify_raise(void);
void fake_hsm_notify_raise(void)
{
	struct islet_io_request *r = &slots[0];

	nr_notify++;
	/* With a thread answering, the request may be COMPLETE already. */
	if (sv_mode != SV_THREAD)
		CU_ASSERT_EQUAL(__atomic_load_n(&r->processed, __ATOMIC_ACQUIRE),
				ISLET_IOREQ_STATE_PENDING);
	CU_ASSERT_EQUAL(r->completion_polling, 1);
	if (sv_mode == SV_ANSWER)
		answer(r);
	else if (sv_mode == SV_STOP)	/* a pause arrives while waiting */
		__atomic_or_fetch(&vm.vcpus[0].run_req, USER_REQ_STOP,
				  __ATOMIC_SEQ_CST);
}

/* ---- the vendor hooks and the rest of the hypervisor ---- */

void fake_vendor_user_cpu_init(void);
void fake_vendor_user_cpu_init(void) { }
void fake_vendor_user_vcpu_run(struct vcpu *v);
void fake_vendor_user_vcpu_run(struct vcpu *v) { }
void fake_vendor_user_vcpu_release(struct vcpu *v);
void fake_vendor_user_vcpu_release(struct vcpu *v) { }
void fake_vendor_vm_flush(struct vm *m);
void fake_vendor_vm_flush(struct vm *m) { }

void fake_vendor_insn_ctx(struct vcpu *v, struct vcpu_insn_ctx *ctx);
void fake_vendor_insn_ctx(struct vcpu *v, struct vcpu_insn_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->rip_linear = rip;
	ctx->def32 = true;	/* paging off: guest_translate is identity */
}

u64 fake_vendor_gpr(struct vcpu *v, unsigned n);
u64 fake_vendor_gpr(struct vcpu *v, unsigned n)
{
	return ((u64 *)&v->regs)[n & 15];
}

void fake_vendor_set_gpr(struct vcpu *v, unsigned n, u64 val);
void fake_vendor_set_gpr(struct vcpu *v, unsigned n, u64 val)
{
	((u64 *)&v->regs)[n & 15] = val;
}

u64 fake_vendor_seg_base(struct vcpu *v, unsigned seg);
u64 fake_vendor_seg_base(struct vcpu *v, unsigned seg) { return 0; }
u64 fake_vendor_rflags(struct vcpu *v);
u64 fake_vendor_rflags(struct vcpu *v) { return rflags; }
void fake_vendor_set_rflags(struct vcpu *v, u64 val);
void fake_vendor_set_rflags(struct vcpu *v, u64 val) { rflags = val; }
void fake_vendor_advance_rip(struct vcpu *v, u64 len);
void fake_vendor_advance_rip(struct vcpu *v, u64 len) { rip += len; }

/* No test here makes a string instruction fault (paging is off); a
 * call would be a bug. */
void fake_vendor_inject_page_fault(struct vcpu *v, u64 addr, u32 err);
void fake_vendor_inject_page_fault(struct vcpu *v, u64 addr, u32 err)
{
	CU_FAIL("unexpected #PF injection");
}

int fake_vcpu_fetch_insn(struct vcpu *v, u8 *buf);
int fake_vcpu_fetch_insn(struct vcpu *v, u8 *buf)
{
	memcpy(buf, insn, insn_len);
	return insn_len;
}

int fake_gpa_read(struct vm *m, u64 gpa, void *dst, u64 len);
int fake_gpa_read(struct vm *m, u64 gpa, void *dst, u64 len)
{
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -EFAULT;
	memcpy(dst, ram + gpa, len);
	return 0;
}

int fake_gpa_write(struct vm *m, u64 gpa, const void *src, u64 len);
int fake_gpa_write(struct vm *m, u64 gpa, const void *src, u64 len)
{
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -EFAULT;
	memcpy(ram + gpa, src, len);
	return 0;
}

const struct mmio_handler *fake_vm_find_mmio(const struct vm *m, u64 gpa, u8 size);
const struct mmio_handler *fake_vm_find_mmio(const struct vm *m, u64 gpa, u8 size)
{
	return NULL;
}

/* ---- helpers ---- */

static struct vcpu *setup(enum sv_mode mode)
{
	struct vcpu *v = &vm.vcpus[0];

	memset(&vm, 0, sizeof(vm));
	memset(slots, 0, sizeof(slots));
	memset(seen, 0, sizeof(seen));
	slots[0].processed = ISLET_IOREQ_STATE_FREE;
	vm.name = "unit";
	vm.ioreq = slots;
	vm.nr_vcpus = 1;
	vm.state = USER_VM_RUNNING;
	v->vm = &vm;
	sv_mode = mode;
	nr_notify = nr_answered = 0;
	rip = 0x1000;
	rflags = 0x202;
	for (u32 i = 0; i < RAM_SIZE; i++)
		ram[i] = (u8)(i * 13 + 1);
	return v;
}

static void set_insn(const u8 *b, u8 n)
{
	memcpy(insn, b, n);
	insn_len = n;
}

static u32 slot_state(void)
{
	return __atomic_load_n(&slots[0].processed, __ATOMIC_ACQUIRE);
}

/* ---- the request slot ---- */

static void test_pio_cycle(void)
{
	struct vcpu *v = setup(SV_ANSWER);
	u32 val = 0x12345678;

	CU_ASSERT_EQUAL(user_vcpu_pio(v, 0x3f8, 1, false, &val), 0);
	CU_ASSERT_EQUAL(nr_notify, 1);
	CU_ASSERT_EQUAL(seen[0].type, ISLET_IOREQ_TYPE_PORTIO);
	CU_ASSERT_EQUAL(seen[0].reqs.pio_request.direction, ISLET_IOREQ_DIR_WRITE);
	CU_ASSERT_EQUAL(seen[0].reqs.pio_request.address, 0x3f8);
	CU_ASSERT_EQUAL(seen[0].reqs.pio_request.size, 1);
	CU_ASSERT_EQUAL(seen[0].reqs.pio_request.value, 0x12345678);
	CU_ASSERT_EQUAL(seen[0].kernel_handled, 0);
	CU_ASSERT_EQUAL(slot_state(), ISLET_IOREQ_STATE_FREE);
	CU_ASSERT_EQUAL(v->io_count, 1);

	CU_ASSERT_EQUAL(user_vcpu_pio(v, 0x60, 4, true, &val), 0);
	CU_ASSERT_EQUAL(seen[1].reqs.pio_request.direction, ISLET_IOREQ_DIR_READ);
	CU_ASSERT_EQUAL(seen[1].reqs.pio_request.value, 0);	/* not leaked */
	CU_ASSERT_EQUAL(val, (u32)DEV_VALUE);
	CU_ASSERT_EQUAL(slot_state(), ISLET_IOREQ_STATE_FREE);
	CU_ASSERT_EQUAL(v->io_count, 2);
}

/* A slot not FREE (the Service VM broke the protocol): refused, left as
 * it was, nothing signalled. */
static void test_busy_slot(void)
{
	static const u32 states[] = {
		ISLET_IOREQ_STATE_PENDING, ISLET_IOREQ_STATE_COMPLETE,
		ISLET_IOREQ_STATE_PROCESSING,
	};
	u32 val = 1;

	for (size_t i = 0; i < ARRAY_SIZE(states); i++) {
		struct vcpu *v = setup(SV_ANSWER);

		slots[0].processed = states[i];
		CU_ASSERT_EQUAL(user_vcpu_pio(v, 0x80, 1, false, &val), -EIO);
		CU_ASSERT_EQUAL(slot_state(), states[i]);
		CU_ASSERT_EQUAL(nr_notify, 0);
		/* MMIO emulation passes the failure on, RIP unchanged */
		set_insn((const u8[]){ 0x89, 0x03 }, 2);	/* mov %eax,(%ebx) */
		v->regs.rbx = MMIO_GPA;
		CU_ASSERT_EQUAL(user_vcpu_mmio(v, MMIO_GPA), -EIO);
		CU_ASSERT_EQUAL(rip, 0x1000);
	}
}

/* A stop request while the vCPU waits: the wait ends with 1 and the
 * request is abandoned (left PENDING: only a reset follows); a read's
 * destination is untouched. */
static void test_stop_while_waiting(void)
{
	struct vcpu *v = setup(SV_STOP);
	u32 val = 0x5555;

	CU_ASSERT_EQUAL(user_vcpu_pio(v, 0x60, 2, true, &val), 1);
	CU_ASSERT_EQUAL(val, 0x5555);
	CU_ASSERT_EQUAL(slot_state(), ISLET_IOREQ_STATE_PENDING);
	CU_ASSERT_EQUAL(v->io_count, 0);

	v = setup(SV_STOP);
	set_insn((const u8[]){ 0x8b, 0x03 }, 2);	/* mov (%ebx),%eax */
	v->regs.rbx = MMIO_GPA;
	v->regs.rax = 0x77;
	CU_ASSERT_EQUAL(user_vcpu_mmio(v, MMIO_GPA), 1);
	CU_ASSERT_EQUAL(v->regs.rax, 0x77);
	CU_ASSERT_EQUAL(rip, 0x1000);

	/* a stop already posted: no request even starts waiting */
	v = setup(SV_IGNORE);
	v->run_req = USER_REQ_STOP;
	CU_ASSERT_EQUAL(user_vcpu_pio(v, 0x60, 2, false, &val), 1);
	CU_ASSERT_EQUAL(nr_notify, 1);
}

/* MMIO reads: the device's answer masked to the access size, merged into
 * the register by the x86 rules. */
static void test_read_masked(void)
{
	struct vcpu *v = setup(SV_ANSWER);

	v->regs.rbx = MMIO_GPA;
	v->regs.rax = 0x1111111111111111ULL;
	set_insn((const u8[]){ 0x8a, 0x03 }, 2);	/* mov (%ebx),%al */
	CU_ASSERT_EQUAL(user_vcpu_mmio(v, MMIO_GPA), 0);
	CU_ASSERT_EQUAL(seen[0].reqs.mmio_request.size, 1);
	CU_ASSERT_EQUAL(seen[0].reqs.mmio_request.address, MMIO_GPA);
	CU_ASSERT_EQUAL(v->regs.rax, 0x111111111111110dULL);
	CU_ASSERT_EQUAL(rip, 0x1002);

	set_insn((const u8[]){ 0x66, 0x8b, 0x03 }, 3);	/* mov (%ebx),%ax */
	CU_ASSERT_EQUAL(user_vcpu_mmio(v, MMIO_GPA), 0);
	CU_ASSERT_EQUAL(v->regs.rax, 0x111111111111f00dULL);

	set_insn((const u8[]){ 0x8b, 0x03 }, 2);	/* mov (%ebx),%eax */
	CU_ASSERT_EQUAL(user_vcpu_mmio(v, MMIO_GPA), 0);
	CU_ASSERT_EQUAL(v->regs.rax, 0xcafef00dULL);
	CU_ASSERT_EQUAL(slot_state(), ISLET_IOREQ_STATE_FREE);
	CU_ASSERT_EQUAL(v->io_count, 3);

	/* ... and a write's value masked to its size */
	v->regs.rax = 0x1122334455667788ULL;
	set_insn((const u8[]){ 0x66, 0x89, 0x03 }, 3);	/* mov %ax,(%ebx) */
	CU_ASSERT_EQUAL(user_vcpu_mmio(v, MMIO_GPA), 0);
	CU_ASSERT_EQUAL(seen[3].reqs.mmio_request.direction, ISLET_IOREQ_DIR_WRITE);
	CU_ASSERT_EQUAL(seen[3].reqs.mmio_request.value, 0x7788);
}

/* A second thread as the Service VM: it sees PENDING, answers, and the
 * vCPU takes the value and frees the slot, many times over. */
static volatile bool sv_quit;

static void *sv_thread(void *arg)
{
	while (!sv_quit) {
		if (slot_state() == ISLET_IOREQ_STATE_PENDING)
			answer(&slots[0]);
	}
	return NULL;
}

static void test_threaded(void)
{
	struct vcpu *v = setup(SV_THREAD);
	pthread_t t;
	u32 val, bad = 0;

	sv_quit = false;
	CU_ASSERT_FATAL(pthread_create(&t, NULL, sv_thread, NULL) == 0);
	for (u32 i = 0; i < 2000; i++) {
		val = 0;
		if (user_vcpu_pio(v, 0x60, 4, true, &val) || val != (u32)DEV_VALUE ||
		    slot_state() != ISLET_IOREQ_STATE_FREE)
			bad++;
	}
	sv_quit = true;
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(v->io_count, 2000);
}

/* ---- MMIO emulation end to end ---- */

/* BTS on MMIO: a read, then the write of the bit set, CF the old bit. */
static void test_mmio_bts(void)
{
	struct vcpu *v = setup(SV_ANSWER);

	v->regs.rdi = MMIO_GPA;
	set_insn((const u8[]){ 0x0f, 0xba, 0x2f, 0x05 }, 4);	/* btsl $5,(%edi) */
	CU_ASSERT_EQUAL(user_vcpu_mmio(v, MMIO_GPA), 0);
	CU_ASSERT_EQUAL(nr_answered, 2);
	CU_ASSERT_EQUAL(dev_writes[1], 0xcafef02dULL);	/* bit 5 set */
	CU_ASSERT_EQUAL(rflags & 1, 0);			/* was clear */
	CU_ASSERT_EQUAL(rip, 0x1004);

	set_insn((const u8[]){ 0x29, 0x07 }, 2);	/* sub %eax,(%edi) */
	v->regs.rax = 0xcafef00e;
	CU_ASSERT_EQUAL(user_vcpu_mmio(v, MMIO_GPA), 0);
	CU_ASSERT_EQUAL(dev_writes[3], 0xffffffffULL);
	CU_ASSERT_EQUAL(rflags & 0x81, 0x81);		/* CF, SF */
}

/* REP MOVSB from RAM to MMIO, 100 bytes: a batch of 64 with RIP kept,
 * then the rest and RIP past the instruction. */
static void test_mmio_rep_movs(void)
{
	struct vcpu *v = setup(SV_ANSWER);

	v->regs.rsi = 0x2000;
	v->regs.rdi = MMIO_GPA;
	v->regs.rcx = 100;
	set_insn((const u8[]){ 0xf3, 0xa4 }, 2);
	CU_ASSERT_EQUAL(user_vcpu_mmio(v, MMIO_GPA), 0);
	CU_ASSERT_EQUAL(nr_answered, 64);
	CU_ASSERT_EQUAL(rip, 0x1000);
	CU_ASSERT_EQUAL(v->regs.rcx, 36);
	CU_ASSERT_EQUAL(v->regs.rsi, 0x2040);
	CU_ASSERT_EQUAL(v->regs.rdi, MMIO_GPA + 64);
	CU_ASSERT_EQUAL(user_vcpu_mmio(v, MMIO_GPA + 64), 0);
	CU_ASSERT_EQUAL(nr_answered, 100);
	CU_ASSERT_EQUAL(rip, 0x1002);
	CU_ASSERT_EQUAL(v->regs.rcx, 0);
	for (u32 i = 0; i < 100; i++) {
		if (seen[i].reqs.mmio_request.address != MMIO_GPA + i ||
		    dev_writes[i] != ram[0x2000 + i]) {
			CU_FAIL("REP MOVSB wrote the wrong byte or address");
			break;
		}
	}

	/* from MMIO to RAM, dwords: the device's value, masked */
	v = setup(SV_ANSWER);
	v->regs.rsi = MMIO_GPA;
	v->regs.rdi = 0x3000;
	v->regs.rcx = 2;
	set_insn((const u8[]){ 0xf3, 0xa5 }, 2);
	CU_ASSERT_EQUAL(user_vcpu_mmio(v, MMIO_GPA), 0);
	CU_ASSERT_EQUAL(rip, 0x1002);
	CU_ASSERT_EQUAL(seen[1].reqs.mmio_request.address, MMIO_GPA + 4);
	CU_ASSERT_EQUAL(seen[1].reqs.mmio_request.size, 4);
	CU_ASSERT_EQUAL(memcmp(ram + 0x3000, "\x0d\xf0\xfe\xca\x0d\xf0\xfe\xca", 8), 0);
}

/* Not decodable: -EOPNOTSUPP, no request, RIP where it was. */
static void test_mmio_refused(void)
{
	struct vcpu *v = setup(SV_ANSWER);

	set_insn((const u8[]){ 0xf7, 0x20 }, 2);	/* mull (%eax) */
	CU_ASSERT_EQUAL(user_vcpu_mmio(v, MMIO_GPA), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(nr_notify, 0);
	CU_ASSERT_EQUAL(rip, 0x1000);
}

int register_user_vcpu_tests(void)
{
	static const struct unit_test tests[] = {
		{ "request slot: FREE, PENDING, COMPLETE, FREE", test_pio_cycle },
		{ "request slot: busy slot refused", test_busy_slot },
		{ "request slot: stop while waiting", test_stop_while_waiting },
		{ "request slot: reads and writes masked to size", test_read_masked },
		{ "request slot: answered by another thread", test_threaded },
		{ "MMIO: BTS and SUB", test_mmio_bts },
		{ "MMIO: REP MOVS in batches, RAM and MMIO", test_mmio_rep_movs },
		{ "MMIO: an instruction not emulated", test_mmio_refused },
	};

	return UNIT_SUITE("core/user_vcpu", tests);
}
