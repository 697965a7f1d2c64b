/* The fixture of the HC_VM_SET_MEMORY_REGIONS tests (see
 * user_vm_mem_fixture.h).  The Service VM's EPT is built by the real
 * page-table builder in host memory, not from the pool, so that the pool
 * counts User VM EPT pages only. */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "fake_service_vm.h"
#include "mm.h"
#include "user_vm_mem_fixture.h"
#include "vcpu_vendor.h"
#include <asm/percpu.h>

/* ---- the vendor hook and the Service VM's EPT ---- */

u32 mem_nr_flushes;
struct vm *mem_flushed_vm;
unsigned mem_pool_at_flush;	/* page_pool_free() when it came */

void vendor_vm_flush(struct vm *vm)
{
	mem_nr_flushes++;
	mem_flushed_vm = vm;
	mem_pool_at_flush = page_pool_free();
}

/* The vendor's part of the virtual platform (the APIC-access page of
 * APIC virtualization) is arch code: nothing to add here. */
int vendor_vplatform_init(struct vm *vm)
{
	return 0;
}

void vendor_vplatform_release(struct vm *vm)
{
}

static void *heap_alloc(void *ctx)
{
	void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memset(p, 0, PAGE_SIZE);
	return p;
}

static void heap_free(void *ctx, void *page)
{
	free(page);
}

static u64 heap_v2p(void *ctx, void *va)
{
	return (u64)va;
}

static void *heap_p2v(void *ctx, u64 pa)
{
	return (void *)pa;
}

static const struct pt_ops heap_ops = {
	.alloc_page = heap_alloc,
	.free_page = heap_free,
	.virt_to_phys = heap_v2p,
	.phys_to_virt = heap_p2v,
};

/* The hypervisor's range ([__hv_start, __hv_end), test_fault.c's array),
 * widened to 2 MiB pages with one more on each side: RAM in this e820 map
 * and identity-mapped, so that only the hypervisor check refuses it. */
u64 mem_hv_window_lo(void)
{
	return ALIGN_DOWN(hv_base(), WINDOW) - WINDOW;
}

u64 mem_hv_window_hi(void)
{
	return ALIGN_UP(hv_base() + hv_size(), WINDOW) + WINDOW;
}

void mem_teardown(void)
{
	for (u64 id = 1; id <= MAX_USER_VMS; id++)
		hc_destroy_vm(&sv.vcpus[0], id, 0);
	if (sv.ept.root)
		pt_destroy(&sv.ept);
}

/* A fresh Service VM with the memory above, CPUs 1-7 given up, no User
 * VM, no flush seen. */
void mem_setup(void)
{
	struct e820_map *m = &sv.e820;

	mem_teardown();
	memset(&sv, 0, sizeof(sv));
	sv.name = "Service VM";
	sv.privileged = true;
	sv.nr_vcpus = MAX_CPUS;
	for (u32 i = 0; i < MAX_CPUS; i++) {
		sv.vcpus[i].vm = &sv;
		sv.vcpus[i].id = i;
		sv.vcpus[i].pcpu = i;
		sv.vcpus[i].apic_id = i;
	}
	given_up_mask = 0xfe;
	memset(gmem, 0, sizeof(gmem));
	mem_nr_flushes = 0;
	mem_flushed_vm = NULL;

	CU_ASSERT_EQUAL(e820_add(m, 0, 0x9f000, E820_RAM), 0);
	CU_ASSERT_EQUAL(e820_add(m, 1 * MiB, SV_RAM_END - 1 * MiB, E820_RAM), 0);
	CU_ASSERT_EQUAL(e820_add(m, SV_RESERVED, SV_RESERVED_END - SV_RESERVED,
				 E820_RESERVED), 0);
	CU_ASSERT_EQUAL(e820_add(m, mem_hv_window_lo(),
				 mem_hv_window_hi() - mem_hv_window_lo(), E820_RAM), 0);
	CU_ASSERT_EQUAL(e820_sanitize(m), 0);

	CU_ASSERT_EQUAL_FATAL(pt_init(&sv.ept, &ept_format, &heap_ops), 0);
	CU_ASSERT_EQUAL(pt_map(&sv.ept, 0, 0, SV_RESERVED_END, PT_RWX), 0);
	CU_ASSERT_EQUAL(pt_unmap(&sv.ept, SV_HOLE, WINDOW), 0);
	CU_ASSERT_EQUAL(pt_map(&sv.ept, SV_ALIAS, SV_ALIAS_TO, WINDOW, PT_RWX),
			0);
	CU_ASSERT_EQUAL(pt_map(&sv.ept, SV_RO, SV_RO, WINDOW, PT_R | PT_X), 0);
	CU_ASSERT_EQUAL(pt_map(&sv.ept, SV_UC, SV_UC, WINDOW, PT_RWX | PT_UC),
			0);
	CU_ASSERT_EQUAL(pt_map(&sv.ept, mem_hv_window_lo(), mem_hv_window_lo(),
			       mem_hv_window_hi() - mem_hv_window_lo(), PT_RWX), 0);
}

struct vcpu *mem_caller(void)
{
	return &sv.vcpus[0];
}

/* A User VM on CPU @cpu (1..7): its vmid, or 0. */
u16 mem_create_vm(u32 cpu)
{
	struct islet_vm_creation c;

	memset(&c, 0, sizeof(c));
	c.cpu_affinity = BIT(cpu);
	memcpy(gmem + CREATE_GPA, &c, sizeof(c));
	if (hc_create_vm(mem_caller(), CREATE_GPA, 0))
		return 0;
	memcpy(&c, gmem + CREATE_GPA, sizeof(c));
	return c.vmid;
}

/* ---- batches ---- */

/* Writes @b at @gpa and its regions at REGIONS_GPA, and makes the
 * hypercall. */
s64 mem_submit_raw(u64 gpa, const struct vm_memory_region_batch *b,
		      const struct vm_memory_region *r, u32 n)
{
	CU_ASSERT_FATAL(n * sizeof(*r) <= 5 * PAGE_SIZE);
	if (gpa + sizeof(*b) <= sizeof(gmem))
		memcpy(gmem + gpa, b, sizeof(*b));
	memcpy(gmem + REGIONS_GPA, r, n * sizeof(*r));
	return hypercall_dispatch(mem_caller(), HC_VM_SET_MEMORY_REGIONS, gpa, 0);
}

s64 mem_submit(u16 vmid, const struct vm_memory_region *r, u32 n)
{
	struct vm_memory_region_batch b = batch(vmid, n);

	return mem_submit_raw(BATCH_GPA, &b, r, n);
}

s64 mem_submit1(u16 vmid, struct vm_memory_region r)
{
	return mem_submit(vmid, &r, 1);
}

/* ---- looking at a User VM's EPT ---- */

/* 0 and *pa, *attr, or -ENOENT. */
int mem_look(u16 vmid, u64 gpa, u64 *pa, u64 *attr)
{
	struct vm *vm = user_vm_get(vmid);
	int ret;

	CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
	ret = pt_lookup(&vm->ept, gpa, pa, attr);
	user_vm_put(vm);
	return ret;
}

/* Every page of [gpa, gpa + size) maps sgpa + offset with @attr. */
bool mem_maps(u16 vmid, u64 gpa, u64 sgpa, u64 size, u64 attr)
{
	for (u64 off = 0; off < size; off += PAGE_SIZE) {
		u64 pa, a;

		if (mem_look(vmid, gpa + off, &pa, &a) || pa != sgpa + off ||
		    a != attr)
			return false;
	}
	return true;
}

bool mem_unmapped(u16 vmid, u64 gpa, u64 size)
{
	for (u64 off = 0; off < size; off += PAGE_SIZE) {
		u64 pa;

		if (!mem_look(vmid, gpa + off, &pa, NULL))
			return false;
	}
	return true;
}

/* What a VM maps in the User VM GPAs the tests use: [0, 72 MiB) and the
 * last 4 MiB below the limit, one word per page. */
#define SNAP_LOW	(72 * MiB / PAGE_SIZE)
#define SNAP_PAGES	(SNAP_LOW + 4 * MiB / PAGE_SIZE)

struct mem_snapshot {
	u64 e[SNAP_PAGES];
	unsigned pool_free;
};

static u64 snap_gpa(u64 i)
{
	return i < SNAP_LOW ? i * PAGE_SIZE :
	       LIMIT - 4 * MiB + (i - SNAP_LOW) * PAGE_SIZE;
}

struct mem_snapshot *mem_snap(u16 vmid)
{
	struct mem_snapshot *s = malloc(sizeof(*s));
	struct vm *vm = user_vm_get(vmid);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
	for (u64 i = 0; i < SNAP_PAGES; i++) {
		u64 pa, attr;

		s->e[i] = pt_lookup(&vm->ept, snap_gpa(i), &pa, &attr) ?
			  ~0ULL : pa | attr;
	}
	user_vm_put(vm);
	s->pool_free = page_pool_free();
	return s;
}

/* Whether the VM still maps what @before saw (and the pool is as it
 * was); frees @before. */
bool mem_same(u16 vmid, struct mem_snapshot *before)
{
	struct mem_snapshot *now = mem_snap(vmid);
	bool eq = !memcmp(now, before, sizeof(*now));

	free(now);
	free(before);
	return eq;
}

/* Each refusal: @err, and nothing changed: mappings, pool, no flush. */
void mem_refused(u16 vmid, const struct vm_memory_region *r, u32 n,
		    s64 err)
{
	struct mem_snapshot *before = mem_snap(vmid);
	u32 flushes = mem_nr_flushes;

	CU_ASSERT_EQUAL(mem_submit(vmid, r, n), err);
	CU_ASSERT_TRUE(mem_same(vmid, before));
	CU_ASSERT_EQUAL(mem_nr_flushes, flushes);
}

void mem_refused1(u16 vmid, struct vm_memory_region r, s64 err)
{
	mem_refused(vmid, &r, 1, err);
}

/* ---- the pool ---- */

static void *held[1024];
static unsigned nr_held;

/* Take pool pages until @left remain. */
void mem_drain(unsigned left)
{
	while (page_pool_free() > left) {
		CU_ASSERT_FATAL(nr_held < ARRAY_SIZE(held));
		held[nr_held] = page_alloc();
		CU_ASSERT_PTR_NOT_NULL_FATAL(held[nr_held]);
		nr_held++;
	}
}

void mem_undrain(void)
{
	while (nr_held)
		page_free(held[--nr_held]);
}

