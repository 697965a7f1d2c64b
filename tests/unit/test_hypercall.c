/* hypervisor/core/user_vm.c (HC_CREATE_VM, HC_DESTROY_VM) and
 * hypervisor/core/hypercall.c (hypercall_dispatch) compiled for the host.
 * The Service VM is this file's: eight vCPUs, one per physical CPU, with
 * APIC ids that are not their CPU numbers.  gpa_read()/gpa_write() are
 * this file's too, over a host buffer standing for Service VM memory, and
 * fail on demand.  service_vm_given_up_cpu() answers from a mask the test
 * sets, or from the vCPU's real start-up state (vcpu_start.c, linked), so
 * that SERVICE_VM_OFFLINE_CPU followed by CREATE_VM goes through the real
 * give-up.  EPT roots come from the real page pool (core/page_alloc.c), so
 * page_pool_free() counts leaks.  test_user_vm_mem.c shares this fake
 * Service VM (fake_service_vm.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "fake_service_vm.h"
#include "mm.h"
#include "printk.h"
#include "vm.h"
#include "user_vm.h"
#include <asm/percpu.h>
#include <islet/hypercall.h>

#define NR_USER_VMS	7		/* vmid 1..7 */
#define GIVEN_UP_ALL	0xfeULL		/* CPUs 1..7; CPU 0 boots */

/* ---- the Service VM and its memory ---- */

struct vm sv;
u8 gmem[FAKE_SV_MEM_SIZE] __aligned(8);	/* Service VM GPA 0 .. */
static u8 gmem_ref[sizeof(gmem)];	/* what gmem should hold */
static bool fail_read, fail_write;
static u32 nr_reads, nr_writes, nr_given_up_queries;
static u64 last_len;
u64 given_up_mask;		/* forced given-up CPUs */

static u32 apic_of(u32 pcpu)
{
	return pcpu * 4 + 2;
}

static int gpa_check(struct vm *vm, u64 gpa, u64 len)
{
	CU_ASSERT_PTR_EQUAL(vm, &sv);
	last_len = len;
	if (gpa > sizeof(gmem) || len > sizeof(gmem) - gpa)
		return -EFAULT;
	return 0;
}

int gpa_read(struct vm *vm, u64 gpa, void *dst, u64 len)
{
	nr_reads++;
	if (gpa_check(vm, gpa, len) || fail_read)
		return -EFAULT;
	memcpy(dst, gmem + gpa, len);
	return 0;
}

int gpa_write(struct vm *vm, u64 gpa, const void *src, u64 len)
{
	nr_writes++;
	if (gpa_check(vm, gpa, len) || fail_write)
		return -EFAULT;
	memcpy(gmem + gpa, src, len);
	return 0;
}

struct vcpu *service_vm_given_up_cpu(u32 pcpu)
{
	nr_given_up_queries++;
	CU_ASSERT_FATAL(pcpu < MAX_CPUS);
	if ((given_up_mask & BIT(pcpu)) || vcpu_given_up(&sv.vcpus[pcpu]))
		return &sv.vcpus[pcpu];
	return NULL;
}

/* core/user_vcpu.c's wait for a given-up CPU to serve User VMs: no CPU
 * runs here, so there is nothing to wait for. */
static unsigned nr_serving_waits;
void user_cpu_wait_serving(struct vcpu *sv_vcpu)
{
	nr_serving_waits++;
	CU_ASSERT_TRUE(vcpu_given_up(sv_vcpu));
}

/* core/page_alloc.c reports a bad free this way. */
void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

/* ---- helpers ---- */

static void reset(void)
{
	/* whatever a failed test left behind */
	for (u64 id = 1; id <= NR_USER_VMS; id++)
		hc_destroy_vm(&sv.vcpus[0], id, 0);
	memset(&sv, 0, sizeof(sv));
	sv.name = "Service VM";
	sv.privileged = true;
	sv.nr_vcpus = MAX_CPUS;
	for (u32 i = 0; i < MAX_CPUS; i++) {
		sv.vcpus[i].vm = &sv;
		sv.vcpus[i].id = i;
		sv.vcpus[i].pcpu = i;
		sv.vcpus[i].apic_id = apic_of(i);
		sv.vcpus[i].start_state = VCPU_RUNNING;
	}
	for (size_t i = 0; i < sizeof(gmem); i++)
		gmem[i] = (u8)(i * 7 + 0x5a);
	memcpy(gmem_ref, gmem, sizeof(gmem));
	fail_read = fail_write = false;
	nr_reads = nr_writes = nr_given_up_queries = 0;
	given_up_mask = GIVEN_UP_ALL;
}

static struct vcpu *caller(void)
{
	return &sv.vcpus[0];
}

static struct islet_vm_creation creation(u64 affinity)
{
	struct islet_vm_creation c;

	memset(&c, 0, sizeof(c));
	c.vmid = 0xabcd;		/* out fields: overwritten */
	c.vcpu_num = 0x1234;
	for (int i = 0; i < 16; i++)
		c.uuid[i] = (u8)(0xa0 + i);
	c.ioreq_buf = 0x7f0012345000ULL;
	c.cpu_affinity = affinity;
	return c;
}

/* Puts @c at @gpa in Service VM memory (and in the reference). */
static void put(u64 gpa, const struct islet_vm_creation *c)
{
	memcpy(gmem + gpa, c, sizeof(*c));
	memcpy(gmem_ref + gpa, c, sizeof(*c));
}

/* Whether Service VM memory is what the test expects. */
static bool gmem_intact(void)
{
	return !memcmp(gmem, gmem_ref, sizeof(gmem));
}

/* HC_CREATE_VM of @affinity from GPA @gpa; on success checks the write
 * back and updates the reference.  Returns the result, *vmid the id. */
static s64 create_at(u64 gpa, u64 affinity, u16 *vmid)
{
	struct islet_vm_creation c = creation(affinity), got;
	s64 ret;

	put(gpa, &c);
	ret = hc_create_vm(caller(), gpa, 0);
	if (ret) {
		CU_ASSERT_TRUE(gmem_intact());
		return ret;
	}
	memcpy(&got, gmem + gpa, sizeof(got));
	CU_ASSERT(got.vmid >= 1 && got.vmid <= NR_USER_VMS);
	CU_ASSERT_EQUAL(got.vcpu_num, __builtin_popcountll(affinity));
	c.vmid = got.vmid;
	c.vcpu_num = got.vcpu_num;
	/* every other byte, uuid and ioreq_buf included, as it was */
	CU_ASSERT_EQUAL(memcmp(&got, &c, sizeof(c)), 0);
	memcpy(gmem_ref + gpa, &c, sizeof(c));
	CU_ASSERT_TRUE(gmem_intact());
	if (vmid)
		*vmid = got.vmid;
	return 0;
}

static s64 create(u64 affinity, u16 *vmid)
{
	return create_at(PAGE_SIZE, affinity, vmid);
}

/* Creates a VM on @affinity and returns its id (0 on failure). */
static u16 create_ok(u64 affinity)
{
	u16 vmid = 0;

	CU_ASSERT_EQUAL(create(affinity, &vmid), 0);
	return vmid;
}

/* ---- HC_CREATE_VM ---- */

static void test_create_success(void)
{
	unsigned before;
	u16 vmid;

	reset();
	before = page_pool_free();
	vmid = create_ok(0x06);
	CU_ASSERT_EQUAL(vmid, 1);
	CU_ASSERT_EQUAL(nr_reads, 1);
	CU_ASSERT_EQUAL(nr_writes, 1);
	CU_ASSERT_EQUAL(last_len, sizeof(struct islet_vm_creation));
	/* the EPT starts empty (its root only), and a VMCS and a virtual
	 * LAPIC page per vCPU */
	CU_ASSERT_EQUAL(page_pool_free(), before - 5);
	CU_ASSERT_EQUAL(hc_destroy_vm(caller(), vmid, 0), 0);
	CU_ASSERT_EQUAL(page_pool_free(), before);
}

/* vmid 1..7 in order, vcpu_num the popcount, any 8-aligned GPA. */
static void test_create_ids_and_counts(void)
{
	static const u64 aff[NR_USER_VMS] = {
		0x80, 0x06, 0x08, 0x10, 0x20, 0x40, 0x01,
	};
	u16 vmid;

	reset();
	given_up_mask = 0xff;
	for (u32 i = 0; i < NR_USER_VMS; i++) {
		CU_ASSERT_EQUAL(create_at(i * 8 * 7, aff[i], &vmid), 0);
		CU_ASSERT_EQUAL(vmid, i + 1);
	}
	reset();
	CU_ASSERT_EQUAL(create(0xfe, &vmid), 0);
	CU_ASSERT_EQUAL(vmid, 1);
	reset();
	given_up_mask = 0xff;
	/* at the very end of the buffer: exactly 48 bytes */
	CU_ASSERT_EQUAL(create_at(sizeof(gmem) - 48, 0xff, &vmid), 0);
	CU_ASSERT_EQUAL(vmid, 1);
	reset();
}

/* Each refused creation: -EINVAL, nothing written back, nothing taken. */
static void expect_einval(u64 gpa, const struct islet_vm_creation *c)
{
	unsigned before = page_pool_free();
	u32 writes = nr_writes;

	if (gpa + sizeof(*c) <= sizeof(gmem) && !(gpa & 7))
		put(gpa, c);
	CU_ASSERT_EQUAL(hc_create_vm(caller(), gpa, 0), -EINVAL);
	CU_ASSERT_EQUAL(nr_writes, writes);
	CU_ASSERT_EQUAL(page_pool_free(), before);
	CU_ASSERT_TRUE(gmem_intact());
}

static void test_create_misaligned(void)
{
	struct islet_vm_creation c = creation(0x02);

	reset();
	put(PAGE_SIZE, &c);
	for (u64 off = 1; off < 8; off++)
		expect_einval(PAGE_SIZE + off, &c);
	expect_einval(~0ULL, &c);
	CU_ASSERT_EQUAL(nr_reads, 0);	/* refused before reading */
	CU_ASSERT_EQUAL(create_ok(0x02), 1);	/* nothing was taken */
	reset();
}

static void test_create_reserved(void)
{
	struct islet_vm_creation c;

	reset();
	for (int bit = 0; bit < 16; bit++) {
		c = creation(0x02);
		c.reserved0 = (u16)(1U << bit);
		expect_einval(PAGE_SIZE, &c);
		c = creation(0x02);
		c.reserved1 = (u16)(1U << bit);
		expect_einval(PAGE_SIZE, &c);
	}
	CU_ASSERT_EQUAL(create_ok(0x02), 1);
	reset();
}

static void test_create_vm_flag(void)
{
	struct islet_vm_creation c;
	static const u64 named[] = {
		ISLET_VM_FLAG_LAPIC_PASSTHROUGH,
		ISLET_VM_FLAG_IO_COMPLETION_POLLING, ISLET_VM_FLAG_RT,
		~0ULL,
	};

	reset();
	for (int bit = 0; bit < 64; bit++) {
		c = creation(0x02);
		c.vm_flag = 1ULL << bit;
		expect_einval(PAGE_SIZE, &c);
	}
	for (size_t i = 0; i < ARRAY_SIZE(named); i++) {
		c = creation(0x02);
		c.vm_flag = named[i];
		expect_einval(PAGE_SIZE, &c);
	}
	CU_ASSERT_EQUAL(create_ok(0x02), 1);
	reset();
}

static void test_create_affinity(void)
{
	struct islet_vm_creation c;

	reset();
	given_up_mask = 0xff;
	c = creation(0);
	expect_einval(PAGE_SIZE, &c);
	for (int bit = MAX_CPUS; bit < 64; bit++) {
		c = creation(1ULL << bit);
		expect_einval(PAGE_SIZE, &c);
		/* with valid CPUs too */
		c = creation((1ULL << bit) | 0x06);
		expect_einval(PAGE_SIZE, &c);
	}
	c = creation(~0ULL);
	expect_einval(PAGE_SIZE, &c);
	CU_ASSERT_EQUAL(nr_given_up_queries, 0);
	CU_ASSERT_EQUAL(create_ok(0xff), 1);
	reset();
}

/* A CPU the Service VM still runs on, alone or among given-up ones. */
static void test_create_not_given_up(void)
{
	struct islet_vm_creation c;

	reset();
	given_up_mask = 0xf6;		/* CPUs 0 and 3 still the Service VM's */
	for (u64 aff = 1; aff < 0x100; aff++) {
		if (!(aff & 0x09))
			continue;
		c = creation(aff);
		expect_einval(PAGE_SIZE, &c);
	}
	CU_ASSERT_EQUAL(create_ok(0xf6), 1);
	reset();
}

static void test_create_read_fault(void)
{
	struct islet_vm_creation c = creation(0x02);
	unsigned before;

	reset();
	before = page_pool_free();
	put(PAGE_SIZE, &c);
	fail_read = true;
	CU_ASSERT_EQUAL(hc_create_vm(caller(), PAGE_SIZE, 0), -EFAULT);
	fail_read = false;
	/* beyond the memory the VM owns */
	CU_ASSERT_EQUAL(hc_create_vm(caller(), sizeof(gmem), 0), -EFAULT);
	CU_ASSERT_EQUAL(hc_create_vm(caller(), sizeof(gmem) - 40, 0), -EFAULT);
	CU_ASSERT_EQUAL(hc_create_vm(caller(), 1ULL << 63, 0), -EFAULT);
	CU_ASSERT_EQUAL(nr_writes, 0);
	CU_ASSERT_EQUAL(page_pool_free(), before);
	CU_ASSERT_TRUE(gmem_intact());
	CU_ASSERT_EQUAL(create_ok(0x02), 1);
	reset();
}

static void test_create_busy(void)
{
	static const u64 overlap[] = { 0x02, 0x04, 0x06, 0x0c, 0x03, 0xfe };
	unsigned before;
	u16 a, b;

	reset();
	given_up_mask = 0xff;
	a = create_ok(0x06);
	CU_ASSERT_EQUAL(a, 1);
	before = page_pool_free();
	for (size_t i = 0; i < ARRAY_SIZE(overlap); i++)
		CU_ASSERT_EQUAL(create(overlap[i], NULL), -EBUSY);
	CU_ASSERT_EQUAL(page_pool_free(), before);
	b = create_ok(0x19);		/* CPUs 0, 3, 4 */
	CU_ASSERT_EQUAL(b, 2);
	CU_ASSERT_EQUAL(create(0x10, NULL), -EBUSY);
	CU_ASSERT_EQUAL(create(0xe1, NULL), -EBUSY);
	CU_ASSERT_EQUAL(create_ok(0xe0), 3);
	/* every CPU owned now */
	for (u64 aff = 1; aff < 0x100; aff++)
		CU_ASSERT_EQUAL(create(aff, NULL), -EBUSY);
	/* freeing VM 1 frees CPUs 1 and 2 only */
	CU_ASSERT_EQUAL(hc_destroy_vm(caller(), a, 0), 0);
	CU_ASSERT_EQUAL(create(0x0e, NULL), -EBUSY);
	CU_ASSERT_EQUAL(create_ok(0x06), 1);
	reset();
}

static void test_create_no_space(void)
{
	u16 vmid;

	reset();
	given_up_mask = 0xff;
	for (u32 i = 0; i < NR_USER_VMS; i++)
		CU_ASSERT_EQUAL(create_ok(BIT(i + 1)), i + 1);
	CU_ASSERT_EQUAL(create(0x01, NULL), -ENOSPC);
	CU_ASSERT_EQUAL(create(0x01, NULL), -ENOSPC);
	/* the lowest free slot is reused */
	CU_ASSERT_EQUAL(hc_destroy_vm(caller(), 4, 0), 0);
	CU_ASSERT_EQUAL(hc_destroy_vm(caller(), 6, 0), 0);
	CU_ASSERT_EQUAL(create(0x01, &vmid), 0);
	CU_ASSERT_EQUAL(vmid, 4);
	CU_ASSERT_EQUAL(create(0x10, &vmid), 0);
	CU_ASSERT_EQUAL(vmid, 6);
	CU_ASSERT_EQUAL(create(0x40, NULL), -ENOSPC);
	reset();
}

/* The write-back fails: the VM is gone again, its slot and CPUs free. */
static void test_create_write_fault(void)
{
	struct islet_vm_creation c = creation(0x0e);
	unsigned before;

	reset();
	before = page_pool_free();
	put(PAGE_SIZE, &c);
	fail_write = true;
	CU_ASSERT_EQUAL(hc_create_vm(caller(), PAGE_SIZE, 0), -EFAULT);
	CU_ASSERT_EQUAL(nr_writes, 1);
	fail_write = false;
	CU_ASSERT_EQUAL(page_pool_free(), before);
	CU_ASSERT_TRUE(gmem_intact());
	CU_ASSERT_EQUAL(hc_destroy_vm(caller(), 1, 0), -EINVAL);
	CU_ASSERT_EQUAL(create_ok(0x0e), 1);
	reset();
}

/* The pool is empty: -ENOMEM, and neither the slot nor the CPUs stay
 * taken. */
static void test_create_no_memory(void)
{
	static void *pages[1024];
	unsigned n = 0;

	reset();
	while (n < ARRAY_SIZE(pages) && (pages[n] = page_alloc()))
		n++;
	CU_ASSERT_EQUAL(page_pool_free(), 0);
	CU_ASSERT_EQUAL(create(0x06, NULL), -ENOMEM);
	CU_ASSERT_EQUAL(hc_destroy_vm(caller(), 1, 0), -EINVAL);
	/* Two vCPUs need five pages: with one to four it fails whole. */
	for (int k = 0; k < 4; k++) {
		page_free(pages[--n]);
		CU_ASSERT_EQUAL(create(0x06, NULL), -ENOMEM);
		CU_ASSERT_EQUAL(page_pool_free(), (unsigned)k + 1);
		CU_ASSERT_EQUAL(hc_destroy_vm(caller(), 1, 0), -EINVAL);
	}
	page_free(pages[--n]);
	CU_ASSERT_EQUAL(create_ok(0x06), 1);
	CU_ASSERT_EQUAL(page_pool_free(), 0);
	CU_ASSERT_EQUAL(hc_destroy_vm(caller(), 1, 0), 0);
	while (n)
		page_free(pages[--n]);
	CU_ASSERT_EQUAL(page_pool_free(), page_pool_total());
	reset();
}

/* ---- HC_DESTROY_VM ---- */

static void test_destroy_invalid(void)
{
	static const u64 ids[] = {
		0, NR_USER_VMS + 1, 0xff, 0x10001, 1ULL << 32 | 1, ~0ULL,
	};
	unsigned before;

	reset();
	CU_ASSERT_EQUAL(create_ok(0x02), 1);
	before = page_pool_free();
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		CU_ASSERT_EQUAL(hc_destroy_vm(caller(), ids[i], 0), -EINVAL);
	for (u64 id = 2; id <= NR_USER_VMS; id++)	/* unused slots */
		CU_ASSERT_EQUAL(hc_destroy_vm(caller(), id, 0), -EINVAL);
	CU_ASSERT_EQUAL(page_pool_free(), before);
	CU_ASSERT_EQUAL(create(0x02, NULL), -EBUSY);	/* VM 1 still there */
	CU_ASSERT_EQUAL(hc_destroy_vm(caller(), 1, 0), 0);
	CU_ASSERT_EQUAL(hc_destroy_vm(caller(), 1, 0), -EINVAL);
	CU_ASSERT_EQUAL(page_pool_free(), before + 3);
	reset();
}

static void test_destroy_frees(void)
{
	unsigned before;

	reset();
	before = page_pool_free();
	CU_ASSERT_EQUAL(create_ok(0x02), 1);
	CU_ASSERT_EQUAL(create_ok(0xfc), 2);
	CU_ASSERT_EQUAL(page_pool_free(), before - 3 - 13);
	CU_ASSERT_EQUAL(hc_destroy_vm(caller(), 1, 0), 0);
	CU_ASSERT_EQUAL(page_pool_free(), before - 13);
	/* slot 1 and CPU 1 are free; VM 2 keeps its CPUs */
	CU_ASSERT_EQUAL(create(0x06, NULL), -EBUSY);
	CU_ASSERT_EQUAL(create_ok(0x02), 1);
	CU_ASSERT_EQUAL(hc_destroy_vm(caller(), 2, 0), 0);
	CU_ASSERT_EQUAL(create_ok(0x0c), 2);
	CU_ASSERT_EQUAL(hc_destroy_vm(caller(), 1, 0), 0);
	CU_ASSERT_EQUAL(hc_destroy_vm(caller(), 2, 0), 0);
	CU_ASSERT_EQUAL(page_pool_free(), before);
	reset();
}

/* 1000 rounds of creating VMs on every CPU and destroying them, in
 * varying order, with a failed write-back now and then: no page of the
 * pool is lost and the ids stay 1..7. */
static void test_create_destroy_cycles(void)
{
	unsigned before;
	u16 ids[NR_USER_VMS];

	reset();
	given_up_mask = 0xff;
	before = page_pool_free();
	for (u32 round = 0; round < 1000; round++) {
		u32 n = 1 + round % NR_USER_VMS;

		for (u32 i = 0; i < n; i++) {
			ids[i] = create_ok(BIT(i) | (i == n - 1 ? 0x80 : 0));
			CU_ASSERT_EQUAL(ids[i], i + 1);
		}
		if (round % 10 == 0 && n < NR_USER_VMS) {
			/* CPU 6 is free below seven VMs */
			fail_write = true;
			CU_ASSERT_EQUAL(create(BIT(6), NULL), -EFAULT);
			fail_write = false;
		}
		/* per VM an EPT root, and a VMCS and a vLAPIC page per
		 * vCPU; the last VM has two vCPUs */
		CU_ASSERT_EQUAL(page_pool_free(), before - 3 * n - 2);
		for (u32 i = 0; i < n; i++) {
			u32 k = (round & 1) ? n - 1 - i : i;

			CU_ASSERT_EQUAL(hc_destroy_vm(caller(), ids[k], 0), 0);
		}
		CU_ASSERT_EQUAL(page_pool_free(), before);
		if (page_pool_free() != before)
			break;
	}
	reset();
}

/* ---- hypercall_dispatch ---- */

static bool dispatched(u64 idx)
{
	return idx == HC_INDEX(HC_GET_API_VERSION) ||
	       idx == HC_INDEX(HC_SERVICE_VM_OFFLINE_CPU) ||
	       idx == HC_INDEX(HC_CREATE_VM) ||
	       idx == HC_INDEX(HC_DESTROY_VM) ||
	       idx == HC_INDEX(HC_START_VM) || idx == HC_INDEX(HC_PAUSE_VM) ||
	       idx == HC_INDEX(HC_RESET_VM) || idx == HC_INDEX(HC_SET_VCPU_REGS) ||
	       idx == HC_INDEX(HC_INJECT_MSI) || idx == HC_INDEX(HC_SET_IRQLINE) ||
	       idx == HC_INDEX(HC_SET_IOREQ_BUFFER) ||
	       idx == HC_INDEX(HC_NOTIFY_REQUEST_FINISH) ||
	       idx == HC_INDEX(HC_PM_GET_CPU_STATE) ||
	       idx == HC_INDEX(HC_VM_SET_MEMORY_REGIONS);
}

static void test_dispatch_unknown(void)
{
	reset();
	for (u64 idx = 0; idx < 0x100; idx++) {
		if (dispatched(idx))
			continue;
		CU_ASSERT_EQUAL(hypercall_dispatch(caller(), HC_ID(idx),
						   PAGE_SIZE, 0), -ENOTTY);
	}
	CU_ASSERT_EQUAL(nr_reads + nr_writes, 0);
	CU_ASSERT_TRUE(gmem_intact());
}

/* The right index under the wrong high bits is not a hypercall. */
static void test_dispatch_not_hc_id(void)
{
	static const u64 high[] = {
		0, 0x100, 0x8000, 0x00800000, 0x7f000000, 0x81000000,
		0xc0000000, 0x80000100, 0x80ff0000, 1ULL << 32,
		0x180000000ULL, 1ULL << 63, ~0xffULL,
	};
	static const u64 ids[] = {
		HC_GET_API_VERSION, HC_SERVICE_VM_OFFLINE_CPU, HC_CREATE_VM,
		HC_DESTROY_VM,
	};

	reset();
	CU_ASSERT_EQUAL(create_ok(0x02), 1);
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		u64 idx = HC_INDEX(ids[i]);

		for (size_t j = 0; j < ARRAY_SIZE(high); j++) {
			u64 id = (high[j] & ~0xffULL) | idx;

			if (id == ids[i])
				continue;
			CU_ASSERT_EQUAL(hypercall_dispatch(caller(), id,
					idx == HC_INDEX(HC_DESTROY_VM) ? 1 :
					idx == HC_INDEX(HC_SERVICE_VM_OFFLINE_CPU) ?
					apic_of(2) : PAGE_SIZE, 0), -ENOTTY);
		}
	}
	CU_ASSERT_EQUAL(nr_reads, 1);		/* create_ok's only */
	CU_ASSERT_EQUAL(nr_writes, 1);
	CU_ASSERT_FALSE(vcpu_given_up(&sv.vcpus[2]));
	CU_ASSERT_EQUAL(sv.nr_given_up, 0);
	CU_ASSERT_EQUAL(create(0x02, NULL), -EBUSY);	/* not destroyed */
	reset();
}

static void test_dispatch_api_version(void)
{
	struct hc_api_version v;

	reset();
	for (u64 gpa = 0; gpa < 64; gpa += 4) {
		CU_ASSERT_EQUAL(hypercall_dispatch(caller(), HC_GET_API_VERSION,
						   gpa, 0), 0);
		memcpy(&v, gmem + gpa, sizeof(v));
		CU_ASSERT_EQUAL(v.major_version, 1);
		CU_ASSERT_EQUAL(v.minor_version, 0);
		CU_ASSERT_EQUAL(last_len, sizeof(v));
		memcpy(gmem_ref + gpa, &v, sizeof(v));
	}
	CU_ASSERT_TRUE(gmem_intact());
	for (u64 gpa = 1; gpa < 64; gpa++) {
		if (!(gpa & 3))
			continue;
		CU_ASSERT_EQUAL(hypercall_dispatch(caller(), HC_GET_API_VERSION,
						   PAGE_SIZE + gpa, 0), -EINVAL);
	}
	CU_ASSERT_TRUE(gmem_intact());
	fail_write = true;
	CU_ASSERT_EQUAL(hypercall_dispatch(caller(), HC_GET_API_VERSION,
					   PAGE_SIZE, 0), -EFAULT);
	fail_write = false;
	CU_ASSERT_EQUAL(hypercall_dispatch(caller(), HC_GET_API_VERSION,
					   sizeof(gmem) - 4, 0), -EFAULT);
	CU_ASSERT_EQUAL(nr_reads, 0);
	CU_ASSERT_TRUE(gmem_intact());
}

static s64 offline(struct vcpu *from, u64 apic_id)
{
	return hypercall_dispatch(from, HC_SERVICE_VM_OFFLINE_CPU, apic_id, 0);
}

static bool none_given_up(void)
{
	for (u32 i = 0; i < MAX_CPUS; i++)
		if (vcpu_given_up(&sv.vcpus[i]))
			return false;
	return sv.nr_given_up == 0;
}

static void test_offline_cpu_invalid(void)
{
	reset();
	given_up_mask = 0;
	/* no vCPU has these APIC ids */
	CU_ASSERT_EQUAL(offline(caller(), 0), -EINVAL);
	CU_ASSERT_EQUAL(offline(caller(), 1), -EINVAL);
	CU_ASSERT_EQUAL(offline(caller(), apic_of(MAX_CPUS)), -EINVAL);
	CU_ASSERT_EQUAL(offline(caller(), 0xffffffff), -EINVAL);
	/* the boot CPU's */
	CU_ASSERT_EQUAL(offline(caller(), apic_of(0)), -EINVAL);
	CU_ASSERT_EQUAL(offline(&sv.vcpus[3], apic_of(0)), -EINVAL);
	/* the caller's own */
	CU_ASSERT_EQUAL(offline(&sv.vcpus[3], apic_of(3)), -EINVAL);
	/* a valid id in the low 32 bits, more above */
	for (int bit = 32; bit < 64; bit++)
		CU_ASSERT_EQUAL(offline(caller(), (1ULL << bit) | apic_of(2)),
				-EINVAL);
	CU_ASSERT_EQUAL(offline(caller(), ~0ULL), -EINVAL);
	CU_ASSERT_TRUE(none_given_up());
	/* a vCPU beyond nr_vcpus does not count */
	sv.nr_vcpus = 4;
	CU_ASSERT_EQUAL(offline(caller(), apic_of(5)), -EINVAL);
	CU_ASSERT_TRUE(none_given_up());
	reset();
}

/* Giving up CPU 2 then 5: each once; the second time -EBUSY, and the count
 * of given-up CPUs stays right.  The CPU can then host a User VM. */
static void test_offline_cpu(void)
{
	u16 vmid;

	reset();
	given_up_mask = 0;
	CU_ASSERT_EQUAL(create(0x04, NULL), -EINVAL);
	CU_ASSERT_EQUAL(offline(caller(), apic_of(2)), 0);
	CU_ASSERT_TRUE(vcpu_given_up(&sv.vcpus[2]));
	CU_ASSERT_EQUAL(sv.nr_given_up, 1);
	CU_ASSERT_EQUAL(offline(caller(), apic_of(2)), -EBUSY);
	CU_ASSERT_EQUAL(offline(&sv.vcpus[5], apic_of(2)), -EBUSY);
	CU_ASSERT_EQUAL(sv.nr_given_up, 1);
	/* from another vCPU than the boot one */
	CU_ASSERT_EQUAL(offline(&sv.vcpus[7], apic_of(5)), 0);
	CU_ASSERT_EQUAL(sv.nr_given_up, 2);
	CU_ASSERT_EQUAL(offline(caller(), apic_of(5)), -EBUSY);
	CU_ASSERT_EQUAL(sv.nr_given_up, 2);
	for (u32 i = 0; i < MAX_CPUS; i++)
		CU_ASSERT_EQUAL(vcpu_given_up(&sv.vcpus[i]), i == 2 || i == 5);
	/* a held vCPU (after INIT) is given up too */
	CU_ASSERT_EQUAL(vcpu_send_init(&sv.vcpus[6]), 0);
	CU_ASSERT_EQUAL(offline(caller(), apic_of(6)), 0);
	CU_ASSERT_EQUAL(sv.nr_given_up, 3);

	/* now through HC_CREATE_VM: CPUs 2, 5, 6 only */
	put(PAGE_SIZE, &(struct islet_vm_creation){ .cpu_affinity = 0x0c });
	CU_ASSERT_EQUAL(hypercall_dispatch(caller(), HC_CREATE_VM, PAGE_SIZE,
					   0), -EINVAL);
	CU_ASSERT_EQUAL(create(0x64, &vmid), 0);
	CU_ASSERT_EQUAL(vmid, 1);
	CU_ASSERT_EQUAL(hypercall_dispatch(caller(), HC_DESTROY_VM, 2, 0),
			-EINVAL);
	CU_ASSERT_EQUAL(hypercall_dispatch(caller(), HC_DESTROY_VM, vmid, 0),
			0);
	put(PAGE_SIZE, &(struct islet_vm_creation){ .cpu_affinity = 0x20 });
	CU_ASSERT_EQUAL(hypercall_dispatch(caller(), HC_CREATE_VM, PAGE_SIZE,
					   0), 0);
	CU_ASSERT_EQUAL(((struct islet_vm_creation *)(gmem + PAGE_SIZE))->vmid,
			1);
	CU_ASSERT_EQUAL(((struct islet_vm_creation *)(gmem + PAGE_SIZE))
			->vcpu_num, 1);
	CU_ASSERT_EQUAL(hypercall_dispatch(caller(), HC_DESTROY_VM, 1, 0), 0);
	reset();
}

int register_user_vm_tests(void)
{
	static const struct unit_test tests[] = {
		{ "create: success, write-back", test_create_success },
		{ "create: ids 1..7, vcpu_num", test_create_ids_and_counts },
		{ "create: misaligned GPA", test_create_misaligned },
		{ "create: reserved fields", test_create_reserved },
		{ "create: vm_flag refused", test_create_vm_flag },
		{ "create: cpu_affinity range", test_create_affinity },
		{ "create: CPU not given up", test_create_not_given_up },
		{ "create: read fault", test_create_read_fault },
		{ "create: CPU owned elsewhere", test_create_busy },
		{ "create: eighth VM", test_create_no_space },
		{ "create: write-back fault", test_create_write_fault },
		{ "create: page pool empty", test_create_no_memory },
		{ "destroy: invalid ids", test_destroy_invalid },
		{ "destroy: frees CPUs, slot", test_destroy_frees },
		{ "create/destroy: 1000 cycles", test_create_destroy_cycles },
	};

	return UNIT_SUITE("core/user_vm", tests);
}

int register_hypercall_tests(void)
{
	static const struct unit_test tests[] = {
		{ "dispatch: unknown index", test_dispatch_unknown },
		{ "dispatch: not an HC_ID", test_dispatch_not_hc_id },
		{ "GET_API_VERSION", test_dispatch_api_version },
		{ "OFFLINE_CPU: refused ids", test_offline_cpu_invalid },
		{ "OFFLINE_CPU: give up, then CREATE_VM",
		  test_offline_cpu },
	};

	return UNIT_SUITE("core/hypercall", tests);
}
