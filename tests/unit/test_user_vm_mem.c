/* hypervisor/core/user_vm_mem.c (HC_VM_SET_MEMORY_REGIONS) compiled for
 * the host, on the fake Service VM of test_hypercall.c (fake_service_vm.h):
 * batches are written into its memory and sent through
 * hypercall_dispatch(), User VMs come from the real HC_CREATE_VM
 * (core/user_vm.c), and their EPTs from the real page pool, so
 * page_pool_free() counts every page a batch takes, gives back or leaks.
 * The Service VM's e820 map and EPT are this file's; its EPT is built by
 * the real page-table builder in host memory (not the pool).  Service VM
 * addresses are only numbers here: the hypercall never touches the memory
 * it maps. */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "fake_service_vm.h"
#include "mm.h"
#include "user_vm.h"
#include "vcpu_vendor.h"
#include <asm/percpu.h>
#include <islet/hypercall.h>

/* Where batches go in the fake Service VM's memory. */
#define BATCH_GPA	0UL
#define REGIONS_GPA	PAGE_SIZE		/* up to 512 * 32 bytes */
#define CREATE_GPA	(7 * PAGE_SIZE)

/* The Service VM's physical memory, 2 MiB windows of each kind. */
#define SV_RAM		(256 * MiB)	/* RAM, identity-mapped RWX, WB */
#define SV_RAM_END	(1 * GiB)
#define SV_HOLE		(512 * MiB)	/* RAM in e820, not in the EPT */
#define SV_ALIAS	(520 * MiB)	/* mapped to another address */
#define SV_ALIAS_TO	(100 * MiB)
#define SV_RO		(524 * MiB)	/* mapped read + execute only */
#define SV_UC		(528 * MiB)	/* mapped uncached */
#define SV_RESERVED	(1 * GiB)	/* identity-mapped, e820 reserved */
#define SV_RESERVED_END	(1 * GiB + 16 * MiB)
#define WINDOW		(2 * MiB)

#define LIMIT		USER_VM_GPA_LIMIT
#define RWX		ISLET_MEM_ACCESS_RWX
#define R		ISLET_MEM_ACCESS_READ
#define W		ISLET_MEM_ACCESS_WRITE
#define X		ISLET_MEM_ACCESS_EXEC

/* ---- the vendor hook and the Service VM's EPT ---- */

static u32 nr_flushes;
static struct vm *flushed_vm;

void vendor_vm_flush(struct vm *vm)
{
	nr_flushes++;
	flushed_vm = vm;
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
static u64 hv_window_lo(void)
{
	return ALIGN_DOWN(hv_base(), WINDOW) - WINDOW;
}

static u64 hv_window_hi(void)
{
	return ALIGN_UP(hv_base() + hv_size(), WINDOW) + WINDOW;
}

static void destroy_all(void)
{
	for (u64 id = 1; id <= MAX_USER_VMS; id++)
		hc_destroy_vm(&sv.vcpus[0], id, 0);
	if (sv.ept.root)
		pt_destroy(&sv.ept);
}

/* A fresh Service VM with the memory above, CPUs 1-7 given up, no User
 * VM, no flush seen. */
static void setup(void)
{
	struct e820_map *m = &sv.e820;

	destroy_all();
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
	nr_flushes = 0;
	flushed_vm = NULL;

	CU_ASSERT_EQUAL(e820_add(m, 0, 0x9f000, E820_RAM), 0);
	CU_ASSERT_EQUAL(e820_add(m, 1 * MiB, SV_RAM_END - 1 * MiB, E820_RAM), 0);
	CU_ASSERT_EQUAL(e820_add(m, SV_RESERVED, SV_RESERVED_END - SV_RESERVED,
				 E820_RESERVED), 0);
	CU_ASSERT_EQUAL(e820_add(m, hv_window_lo(),
				 hv_window_hi() - hv_window_lo(), E820_RAM), 0);
	CU_ASSERT_EQUAL(e820_sanitize(m), 0);

	CU_ASSERT_EQUAL_FATAL(pt_init(&sv.ept, &ept_format, &heap_ops), 0);
	CU_ASSERT_EQUAL(pt_map(&sv.ept, 0, 0, SV_RESERVED_END, PT_RWX), 0);
	CU_ASSERT_EQUAL(pt_unmap(&sv.ept, SV_HOLE, WINDOW), 0);
	CU_ASSERT_EQUAL(pt_map(&sv.ept, SV_ALIAS, SV_ALIAS_TO, WINDOW, PT_RWX),
			0);
	CU_ASSERT_EQUAL(pt_map(&sv.ept, SV_RO, SV_RO, WINDOW, PT_R | PT_X), 0);
	CU_ASSERT_EQUAL(pt_map(&sv.ept, SV_UC, SV_UC, WINDOW, PT_RWX | PT_UC),
			0);
	CU_ASSERT_EQUAL(pt_map(&sv.ept, hv_window_lo(), hv_window_lo(),
			       hv_window_hi() - hv_window_lo(), PT_RWX), 0);
}

static struct vcpu *caller(void)
{
	return &sv.vcpus[0];
}

/* A User VM on CPU @cpu (1..7): its vmid, or 0. */
static u16 create_vm(u32 cpu)
{
	struct islet_vm_creation c;

	memset(&c, 0, sizeof(c));
	c.cpu_affinity = BIT(cpu);
	memcpy(gmem + CREATE_GPA, &c, sizeof(c));
	if (hc_create_vm(caller(), CREATE_GPA, 0))
		return 0;
	memcpy(&c, gmem + CREATE_GPA, sizeof(c));
	return c.vmid;
}

/* ---- batches ---- */

static struct vm_memory_region region(u32 type, u64 gpa, u64 sgpa, u64 size,
				      u32 prot)
{
	return (struct vm_memory_region){
		.type = type, .prot = prot, .gpa = gpa,
		.service_vm_gpa = sgpa, .size = size,
	};
}

static struct vm_memory_region add(u64 gpa, u64 sgpa, u64 size)
{
	return region(MR_ADD, gpa, sgpa, size, RWX);
}

static struct vm_memory_region del(u64 gpa, u64 size)
{
	return region(MR_DEL, gpa, 0, size, 0);
}

static struct vm_memory_region modify(u64 gpa, u64 size, u32 prot)
{
	return region(MR_MODIFY, gpa, 0, size, prot);
}

static struct vm_memory_region_batch batch(u16 vmid, u32 n)
{
	struct vm_memory_region_batch b;

	memset(&b, 0, sizeof(b));
	b.vmid = vmid;
	b.regions_num = n;
	b.regions_gpa = REGIONS_GPA;
	return b;
}

/* Writes @b at @gpa and its regions at REGIONS_GPA, and makes the
 * hypercall. */
static s64 submit_raw(u64 gpa, const struct vm_memory_region_batch *b,
		      const struct vm_memory_region *r, u32 n)
{
	CU_ASSERT_FATAL(n * sizeof(*r) <= 5 * PAGE_SIZE);
	if (gpa + sizeof(*b) <= sizeof(gmem))
		memcpy(gmem + gpa, b, sizeof(*b));
	memcpy(gmem + REGIONS_GPA, r, n * sizeof(*r));
	return hypercall_dispatch(caller(), HC_VM_SET_MEMORY_REGIONS, gpa, 0);
}

static s64 submit(u16 vmid, const struct vm_memory_region *r, u32 n)
{
	struct vm_memory_region_batch b = batch(vmid, n);

	return submit_raw(BATCH_GPA, &b, r, n);
}

static s64 submit1(u16 vmid, struct vm_memory_region r)
{
	return submit(vmid, &r, 1);
}

/* ---- looking at a User VM's EPT ---- */

/* 0 and *pa, *attr, or -ENOENT. */
static int look(u16 vmid, u64 gpa, u64 *pa, u64 *attr)
{
	struct vm *vm = user_vm_get(vmid);
	int ret;

	CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
	ret = pt_lookup(&vm->ept, gpa, pa, attr);
	user_vm_put(vm);
	return ret;
}

/* Every page of [gpa, gpa + size) maps sgpa + offset with @attr. */
static bool maps(u16 vmid, u64 gpa, u64 sgpa, u64 size, u64 attr)
{
	for (u64 off = 0; off < size; off += PAGE_SIZE) {
		u64 pa, a;

		if (look(vmid, gpa + off, &pa, &a) || pa != sgpa + off ||
		    a != attr)
			return false;
	}
	return true;
}

static bool unmapped(u16 vmid, u64 gpa, u64 size)
{
	for (u64 off = 0; off < size; off += PAGE_SIZE) {
		u64 pa;

		if (!look(vmid, gpa + off, &pa, NULL))
			return false;
	}
	return true;
}

/* What a VM maps in the User VM GPAs the tests use: [0, 72 MiB) and the
 * last 4 MiB below the limit, one word per page. */
#define SNAP_LOW	(72 * MiB / PAGE_SIZE)
#define SNAP_PAGES	(SNAP_LOW + 4 * MiB / PAGE_SIZE)

struct snapshot {
	u64 e[SNAP_PAGES];
	unsigned pool_free;
};

static u64 snap_gpa(u64 i)
{
	return i < SNAP_LOW ? i * PAGE_SIZE :
	       LIMIT - 4 * MiB + (i - SNAP_LOW) * PAGE_SIZE;
}

static struct snapshot *snap(u16 vmid)
{
	struct snapshot *s = malloc(sizeof(*s));
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
static bool same(u16 vmid, struct snapshot *before)
{
	struct snapshot *now = snap(vmid);
	bool eq = !memcmp(now, before, sizeof(*now));

	free(now);
	free(before);
	return eq;
}

/* Each refusal: @err, and nothing changed: mappings, pool, no flush. */
static void refused(u16 vmid, const struct vm_memory_region *r, u32 n,
		    s64 err)
{
	struct snapshot *before = snap(vmid);
	u32 flushes = nr_flushes;

	CU_ASSERT_EQUAL(submit(vmid, r, n), err);
	CU_ASSERT_TRUE(same(vmid, before));
	CU_ASSERT_EQUAL(nr_flushes, flushes);
}

static void refused1(u16 vmid, struct vm_memory_region r, s64 err)
{
	refused(vmid, &r, 1, err);
}

/* ---- the pool ---- */

static void *held[1024];
static unsigned nr_held;

/* Take pool pages until @left remain. */
static void drain(unsigned left)
{
	while (page_pool_free() > left) {
		CU_ASSERT_FATAL(nr_held < ARRAY_SIZE(held));
		held[nr_held] = page_alloc();
		CU_ASSERT_PTR_NOT_NULL_FATAL(held[nr_held]);
		nr_held++;
	}
}

static void undrain(void)
{
	while (nr_held)
		page_free(held[--nr_held]);
}

/* ---- round trips ---- */

/* ADD, MODIFY, MODIFY, DEL of a region in 4 KiB pages, through pt_lookup;
 * each DEL or MODIFY flushes the VM's EPT, an ADD does not. */
static void test_round_trip(void)
{
	unsigned base;
	u16 id;

	setup();
	id = create_vm(1);
	CU_ASSERT_EQUAL_FATAL(id, 1);
	base = page_pool_free();
	CU_ASSERT_EQUAL(submit1(id, add(0x5000, SV_RAM + 0x3000, 0x7000)), 0);
	CU_ASSERT_TRUE(maps(id, 0x5000, SV_RAM + 0x3000, 0x7000, PT_RWX));
	CU_ASSERT_TRUE(unmapped(id, 0, 0x5000));
	CU_ASSERT_TRUE(unmapped(id, 0xc000, 0x4000));
	CU_ASSERT_EQUAL(nr_flushes, 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 3);	/* PDPT, PD, PT */

	CU_ASSERT_EQUAL(submit1(id, modify(0x5000, 0x7000, R)), 0);
	CU_ASSERT_TRUE(maps(id, 0x5000, SV_RAM + 0x3000, 0x7000, PT_R));
	CU_ASSERT_EQUAL(nr_flushes, 1);
	CU_ASSERT_PTR_EQUAL(flushed_vm, user_vm_get(id));
	user_vm_put(flushed_vm);
	/* part of it, uncached and writable */
	CU_ASSERT_EQUAL(submit1(id, modify(0x6000, 0x2000, R | W |
					    ISLET_MEM_TYPE_UC)), 0);
	CU_ASSERT_TRUE(maps(id, 0x5000, SV_RAM + 0x3000, 0x1000, PT_R));
	CU_ASSERT_TRUE(maps(id, 0x6000, SV_RAM + 0x4000, 0x2000,
			    PT_R | PT_W | PT_UC));
	CU_ASSERT_TRUE(maps(id, 0x8000, SV_RAM + 0x6000, 0x4000, PT_R));
	CU_ASSERT_EQUAL(nr_flushes, 2);
	CU_ASSERT_EQUAL(page_pool_free(), base - 3);

	/* DEL in two pieces; the last one frees the tables */
	CU_ASSERT_EQUAL(submit1(id, del(0x5000, 0x3000)), 0);
	CU_ASSERT_TRUE(unmapped(id, 0x5000, 0x3000));
	CU_ASSERT_TRUE(maps(id, 0x8000, SV_RAM + 0x6000, 0x4000, PT_R));
	CU_ASSERT_EQUAL(nr_flushes, 3);
	CU_ASSERT_EQUAL(submit1(id, del(0x8000, 0x4000)), 0);
	CU_ASSERT_TRUE(unmapped(id, 0, 0x10000));
	CU_ASSERT_EQUAL(nr_flushes, 4);
	CU_ASSERT_EQUAL(page_pool_free(), base);
	destroy_all();
}

/* The memory types: none and WB are write-back, the others uncached
 * (the strictest the builder knows); every access combination with
 * read. */
static void test_prot(void)
{
	static const u32 types[] = {
		0, ISLET_MEM_TYPE_WB, ISLET_MEM_TYPE_WT, ISLET_MEM_TYPE_UC,
		ISLET_MEM_TYPE_WC, ISLET_MEM_TYPE_WP,
	};
	static const u32 access[] = { R, R | W, R | X, R | W | X };
	u16 id;

	setup();
	id = create_vm(1);
	for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
		for (size_t a = 0; a < ARRAY_SIZE(access); a++) {
			u64 want = (access[a] & R ? PT_R : 0) |
				   (access[a] & W ? PT_W : 0) |
				   (access[a] & X ? PT_X : 0) |
				   (types[t] > ISLET_MEM_TYPE_WB ? PT_UC : 0);

			CU_ASSERT_EQUAL(submit1(id, region(MR_ADD, 0x10000,
					SV_RAM, PAGE_SIZE,
					access[a] | types[t])), 0);
			CU_ASSERT_TRUE(maps(id, 0x10000, SV_RAM, PAGE_SIZE,
					    want));
			CU_ASSERT_EQUAL(submit1(id, modify(0x10000, PAGE_SIZE,
							   RWX)), 0);
			CU_ASSERT_TRUE(maps(id, 0x10000, SV_RAM, PAGE_SIZE,
					    PT_RWX));
			CU_ASSERT_EQUAL(submit1(id, modify(0x10000, PAGE_SIZE,
					access[a] | types[t])), 0);
			CU_ASSERT_TRUE(maps(id, 0x10000, SV_RAM, PAGE_SIZE,
					    want));
			/* DEL ignores prot's access bits */
			CU_ASSERT_EQUAL(submit1(id, region(MR_DEL, 0x10000, 0,
					PAGE_SIZE, types[t])), 0);
			CU_ASSERT_TRUE(unmapped(id, 0x10000, PAGE_SIZE));
		}
	}
	destroy_all();
}

/* 2 MiB EPT pages where both sides are 2 MiB aligned, else 4 KiB; the
 * page-pool figures of a 64 MiB guest. */
static void test_page_sizes(void)
{
	struct vm_memory_region r[2];
	unsigned base;
	u16 id;

	setup();
	id = create_vm(1);
	base = page_pool_free();

	/* 64 MiB, both aligned: 32 large pages, a PDPT and a PD */
	CU_ASSERT_EQUAL(submit1(id, add(0, SV_RAM, 64 * MiB)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 2);
	CU_ASSERT_TRUE(maps(id, 0, SV_RAM, 64 * MiB, PT_RWX));
	CU_ASSERT_EQUAL(submit1(id, del(0, 64 * MiB)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base);

	/* the Service VM side 4 KiB off: 4 KiB pages, 32 page tables more */
	CU_ASSERT_EQUAL(submit1(id, add(0, SV_RAM + PAGE_SIZE, 64 * MiB)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 34);
	CU_ASSERT_TRUE(maps(id, 0, SV_RAM + PAGE_SIZE, 64 * MiB, PT_RWX));
	CU_ASSERT_EQUAL(submit1(id, del(0, 64 * MiB)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base);

	/* the guest side off: the same */
	CU_ASSERT_EQUAL(submit1(id, add(PAGE_SIZE, SV_RAM, 64 * MiB)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 35);	/* 33 tables */
	CU_ASSERT_EQUAL(submit1(id, del(PAGE_SIZE, 64 * MiB)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base);

	/* both 4 KiB off the same way: 4 KiB pages up to the first 2 MiB
	 * boundary, then large ones, then 4 KiB again */
	CU_ASSERT_EQUAL(submit1(id, add(2 * MiB + PAGE_SIZE,
					SV_RAM + PAGE_SIZE, 4 * MiB)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 4);	/* PDPT, PD, 2 PTs */
	CU_ASSERT_TRUE(maps(id, 2 * MiB + PAGE_SIZE, SV_RAM + PAGE_SIZE,
			    4 * MiB, PT_RWX));
	CU_ASSERT_EQUAL(submit1(id, del(2 * MiB + PAGE_SIZE, 4 * MiB)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base);

	/* under 2 MiB, aligned: 4 KiB pages */
	CU_ASSERT_EQUAL(submit1(id, add(0, SV_RAM, 2 * MiB - PAGE_SIZE)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 3);
	/* the rest as its own region: still 4 KiB pages, one table */
	CU_ASSERT_EQUAL(submit1(id, add(2 * MiB - PAGE_SIZE,
					SV_RAM + 2 * MiB - PAGE_SIZE,
					PAGE_SIZE)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 3);
	/* MODIFY of the whole 2 MiB, contiguous: merged into one large
	 * page, the table freed */
	CU_ASSERT_EQUAL(submit1(id, modify(0, 2 * MiB, R | X)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 2);
	CU_ASSERT_TRUE(maps(id, 0, SV_RAM, 2 * MiB, PT_R | PT_X));
	/* MODIFY inside it: split again, the rest keeps its rights */
	CU_ASSERT_EQUAL(submit1(id, modify(0x3000, 0x2000, RWX)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 3);
	CU_ASSERT_TRUE(maps(id, 0, SV_RAM, 0x3000, PT_R | PT_X));
	CU_ASSERT_TRUE(maps(id, 0x3000, SV_RAM + 0x3000, 0x2000, PT_RWX));
	CU_ASSERT_TRUE(maps(id, 0x5000, SV_RAM + 0x5000, 2 * MiB - 0x5000,
			    PT_R | PT_X));
	CU_ASSERT_EQUAL(submit1(id, del(0, 2 * MiB)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base);

	/* two large pages that are not contiguous on the Service VM side:
	 * MODIFY keeps each where it is */
	r[0] = add(0, SV_RAM + 4 * MiB, 2 * MiB);
	r[1] = add(2 * MiB, SV_RAM, 2 * MiB);
	CU_ASSERT_EQUAL(submit(id, r, 2), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 2);
	CU_ASSERT_EQUAL(submit1(id, modify(0, 4 * MiB, R)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 2);
	CU_ASSERT_TRUE(maps(id, 0, SV_RAM + 4 * MiB, 2 * MiB, PT_R));
	CU_ASSERT_TRUE(maps(id, 2 * MiB, SV_RAM, 2 * MiB, PT_R));
	/* DEL of one 4 KiB page inside a large page splits it */
	CU_ASSERT_EQUAL(submit1(id, del(3 * MiB, PAGE_SIZE)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 3);
	CU_ASSERT_TRUE(maps(id, 2 * MiB, SV_RAM, 1 * MiB, PT_R));
	CU_ASSERT_TRUE(unmapped(id, 3 * MiB, PAGE_SIZE));
	CU_ASSERT_TRUE(maps(id, 3 * MiB + PAGE_SIZE, SV_RAM + 1 * MiB +
			    PAGE_SIZE, 1 * MiB - PAGE_SIZE, PT_R));
	CU_ASSERT_TRUE(maps(id, 0, SV_RAM + 4 * MiB, 2 * MiB, PT_R));
	/* DEL across both, edges inside each */
	CU_ASSERT_EQUAL(submit1(id, del(1 * MiB, 2 * MiB)), 0);
	CU_ASSERT_TRUE(maps(id, 0, SV_RAM + 4 * MiB, 1 * MiB, PT_R));
	CU_ASSERT_TRUE(unmapped(id, 1 * MiB, 2 * MiB));
	CU_ASSERT_TRUE(maps(id, 3 * MiB + PAGE_SIZE, SV_RAM + 1 * MiB +
			    PAGE_SIZE, 1 * MiB - PAGE_SIZE, PT_R));
	CU_ASSERT_EQUAL(page_pool_free(), base - 4);
	r[0] = del(0, 1 * MiB);
	r[1] = del(3 * MiB + PAGE_SIZE, 1 * MiB - PAGE_SIZE);
	CU_ASSERT_EQUAL(submit(id, r, 2), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base);
	destroy_all();
}

/* The last pages below the limit; two VMs map the same GPAs apart. */
static void test_limit_and_two_vms(void)
{
	unsigned base;
	u16 a, b;

	setup();
	a = create_vm(1);
	b = create_vm(2);
	CU_ASSERT_EQUAL_FATAL(b, 2);
	base = page_pool_free();
	CU_ASSERT_EQUAL(submit1(a, add(LIMIT - 2 * MiB, SV_RAM, 2 * MiB)), 0);
	CU_ASSERT_EQUAL(submit1(a, add(LIMIT - 4 * MiB, SV_RAM, PAGE_SIZE)),
			0);
	CU_ASSERT_EQUAL(submit1(b, add(LIMIT - 2 * MiB, SV_RAM + 2 * MiB,
				       2 * MiB)), 0);
	CU_ASSERT_TRUE(maps(a, LIMIT - 2 * MiB, SV_RAM, 2 * MiB, PT_RWX));
	CU_ASSERT_TRUE(maps(b, LIMIT - 2 * MiB, SV_RAM + 2 * MiB, 2 * MiB,
			    PT_RWX));
	CU_ASSERT_TRUE(unmapped(b, LIMIT - 4 * MiB, PAGE_SIZE));
	CU_ASSERT_EQUAL(submit1(a, del(LIMIT - 2 * MiB, 2 * MiB)), 0);
	CU_ASSERT_EQUAL(nr_flushes, 1);
	CU_ASSERT_PTR_EQUAL(flushed_vm, user_vm_get(a));
	user_vm_put(flushed_vm);
	CU_ASSERT_TRUE(maps(b, LIMIT - 2 * MiB, SV_RAM + 2 * MiB, 2 * MiB,
			    PT_RWX));
	/* destroying a VM with mappings frees all its tables */
	CU_ASSERT_EQUAL(hc_destroy_vm(caller(), a, 0), 0);
	CU_ASSERT_EQUAL(hc_destroy_vm(caller(), b, 0), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base + 2);	/* the roots too */
	destroy_all();
}

/* 512 regions in a batch; 513 refused before anything is read. */
static void test_batch_size(void)
{
	static struct vm_memory_region r[512];
	unsigned base;
	u16 id;

	setup();
	id = create_vm(1);
	base = page_pool_free();
	for (u32 i = 0; i < 512; i++)
		r[i] = add(i * 2 * PAGE_SIZE, SV_RAM + i * PAGE_SIZE,
			   PAGE_SIZE);
	CU_ASSERT_EQUAL(submit(id, r, 512), 0);
	for (u32 i = 0; i < 512; i++) {
		CU_ASSERT_TRUE(maps(id, i * 2 * PAGE_SIZE,
				    SV_RAM + i * PAGE_SIZE, PAGE_SIZE,
				    PT_RWX));
		CU_ASSERT_TRUE(unmapped(id, (i * 2 + 1) * PAGE_SIZE,
					PAGE_SIZE));
		r[i] = del(i * 2 * PAGE_SIZE, PAGE_SIZE);
	}
	CU_ASSERT_EQUAL(submit(id, r, 512), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base);
	CU_ASSERT_EQUAL(nr_flushes, 1);		/* one per batch */
	for (u32 i = 0; i < 512; i++)
		r[i] = add(i * PAGE_SIZE, SV_RAM + i * PAGE_SIZE, PAGE_SIZE);
	refused(id, r, 0, -EINVAL);
	{
		struct vm_memory_region_batch b = batch(id, 513);
		struct snapshot *before = snap(id);

		CU_ASSERT_EQUAL(submit_raw(BATCH_GPA, &b, r, 512), -EINVAL);
		CU_ASSERT_TRUE(same(id, before));
		b = batch(id, 0xffffffff);
		before = snap(id);
		CU_ASSERT_EQUAL(submit_raw(BATCH_GPA, &b, r, 512), -EINVAL);
		CU_ASSERT_TRUE(same(id, before));
	}
	destroy_all();
}

/* ---- refusals ---- */

static void test_refuse_batch(void)
{
	struct vm_memory_region r = add(0, SV_RAM, PAGE_SIZE);
	struct vm_memory_region_batch b;
	struct snapshot *before;
	u16 id;

	setup();
	id = create_vm(1);
	before = snap(id);
	/* misaligned batch */
	b = batch(id, 1);
	for (u64 off = 1; off < 8; off++)
		CU_ASSERT_EQUAL(submit_raw(PAGE_SIZE * 6 + off, &b, &r, 1),
				-EINVAL);
	/* unreadable batch */
	CU_ASSERT_EQUAL(submit_raw(sizeof(gmem), &b, &r, 1), -EFAULT);
	CU_ASSERT_EQUAL(submit_raw(sizeof(gmem) - 16, &b, &r, 1), -EFAULT);
	CU_ASSERT_EQUAL(submit_raw(1ULL << 62, &b, &r, 1), -EFAULT);
	/* reserved fields */
	for (int k = 0; k < 3; k++) {
		for (int bit = 0; bit < 16; bit++) {
			b = batch(id, 1);
			b.reserved0[k] = (u16)(1U << bit);
			CU_ASSERT_EQUAL(submit_raw(BATCH_GPA, &b, &r, 1),
					-EINVAL);
		}
	}
	for (int bit = 0; bit < 32; bit++) {
		b = batch(id, 1);
		b.reserved1 = 1U << bit;
		CU_ASSERT_EQUAL(submit_raw(BATCH_GPA, &b, &r, 1), -EINVAL);
	}
	/* no regions, too many */
	b = batch(id, 0);
	CU_ASSERT_EQUAL(submit_raw(BATCH_GPA, &b, &r, 1), -EINVAL);
	b = batch(id, 513);
	CU_ASSERT_EQUAL(submit_raw(BATCH_GPA, &b, &r, 1), -EINVAL);
	/* the region array: misaligned, unreadable, partly unreadable */
	for (u64 off = 1; off < 8; off++) {
		b = batch(id, 1);
		b.regions_gpa = REGIONS_GPA + off;
		CU_ASSERT_EQUAL(submit_raw(BATCH_GPA, &b, &r, 1), -EINVAL);
	}
	b = batch(id, 1);
	b.regions_gpa = sizeof(gmem);
	CU_ASSERT_EQUAL(submit_raw(BATCH_GPA, &b, &r, 1), -EFAULT);
	b = batch(id, 2);
	b.regions_gpa = sizeof(gmem) - sizeof(r);
	memcpy(gmem + b.regions_gpa, &r, sizeof(r));
	CU_ASSERT_EQUAL(submit_raw(BATCH_GPA, &b, &r, 1), -EFAULT);
	b.regions_gpa = ~7ULL;
	CU_ASSERT_EQUAL(submit_raw(BATCH_GPA, &b, &r, 1), -EFAULT);
	CU_ASSERT_TRUE(same(id, before));
	CU_ASSERT_EQUAL(nr_flushes, 0);
	/* the same region from a good batch goes in */
	CU_ASSERT_EQUAL(submit1(id, r), 0);
	destroy_all();
}

static void test_refuse_vmid(void)
{
	static const u16 ids[] = { 0, 2, 3, 7, 8, 0x100, 0xffff };
	struct vm_memory_region r = add(0, SV_RAM, PAGE_SIZE);
	unsigned base;

	setup();
	CU_ASSERT_EQUAL(create_vm(1), 1);
	base = page_pool_free();
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		CU_ASSERT_EQUAL(submit1(ids[i], r), -EINVAL);
	CU_ASSERT_EQUAL(page_pool_free(), base);
	CU_ASSERT_TRUE(unmapped(1, 0, PAGE_SIZE));
	/* a destroyed VM is gone */
	CU_ASSERT_EQUAL(hc_destroy_vm(caller(), 1, 0), 0);
	CU_ASSERT_EQUAL(submit1(1, r), -EINVAL);
	destroy_all();
}

/* Unknown types; prot with other bits, two memory types, or (to map)
 * without read access.  ADDs go to an unmapped GPA, DELs and MODIFYs to a
 * mapped one, so only the field itself can be refused. */
static void test_refuse_type_prot(void)
{
	static const u32 types[] = { 1, 4, 5, 0x100, 0x80000000, ~0U };
	static const u32 noread[] = { 0, W, X, W | X, ISLET_MEM_TYPE_WB };
	const u64 m = 0, a = 0x10000;	/* mapped, unmapped */
	u16 id;

	setup();
	id = create_vm(1);
	CU_ASSERT_EQUAL(submit1(id, add(m, SV_RAM, PAGE_SIZE)), 0);
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		refused1(id, region(types[i], a, SV_RAM, PAGE_SIZE, RWX),
			 -EINVAL);
		refused1(id, region(types[i], m, 0, PAGE_SIZE, RWX), -EINVAL);
	}
	/* a bit outside the access rights and memory types, any type */
	for (int bit = 0; bit < 32; bit++) {
		u32 p = 1U << bit;

		if (p & (ISLET_MEM_ACCESS_RIGHT_MASK | ISLET_MEM_TYPE_MASK))
			continue;
		refused1(id, region(MR_ADD, a, SV_RAM, PAGE_SIZE, RWX | p),
			 -EINVAL);
		refused1(id, region(MR_DEL, m, 0, PAGE_SIZE, p), -EINVAL);
		refused1(id, modify(m, PAGE_SIZE, R | p), -EINVAL);
	}
	/* two memory types, or all five */
	for (int i = 6; i <= 10; i++) {
		for (int j = i + 1; j <= 10; j++) {
			u32 two = (1U << i) | (1U << j);

			refused1(id, region(MR_ADD, a, SV_RAM, PAGE_SIZE,
					    RWX | two), -EINVAL);
			refused1(id, modify(m, PAGE_SIZE, RWX | two), -EINVAL);
			refused1(id, region(MR_DEL, m, 0, PAGE_SIZE, two),
				 -EINVAL);
		}
	}
	refused1(id, region(MR_ADD, a, SV_RAM, PAGE_SIZE,
			    RWX | ISLET_MEM_TYPE_MASK), -EINVAL);
	/* no read access */
	for (size_t i = 0; i < ARRAY_SIZE(noread); i++) {
		refused1(id, region(MR_ADD, a, SV_RAM, PAGE_SIZE, noread[i]),
			 -EINVAL);
		refused1(id, modify(m, PAGE_SIZE, noread[i]), -EINVAL);
	}
	CU_ASSERT_TRUE(maps(id, m, SV_RAM, PAGE_SIZE, PT_RWX));
	CU_ASSERT_TRUE(unmapped(id, a, PAGE_SIZE));
	destroy_all();
}

static void test_refuse_alignment_range(void)
{
	static const u64 offs[] = { 1, 8, 0x800, 0xfff };
	const u64 m = 0x10000, a = 0x20000;	/* mapped, unmapped */
	u16 id;

	setup();
	id = create_vm(1);
	CU_ASSERT_EQUAL(submit1(id, add(m, SV_RAM, 2 * PAGE_SIZE)), 0);
	for (size_t i = 0; i < ARRAY_SIZE(offs); i++) {
		u64 o = offs[i];

		refused1(id, add(a + o, SV_RAM, PAGE_SIZE), -EINVAL);
		refused1(id, add(a, SV_RAM + o, PAGE_SIZE), -EINVAL);
		refused1(id, add(a, SV_RAM, PAGE_SIZE + o), -EINVAL);
		refused1(id, add(a, SV_RAM, o), -EINVAL);
		refused1(id, del(m + o, PAGE_SIZE), -EINVAL);
		refused1(id, del(m, PAGE_SIZE + o), -EINVAL);
		refused1(id, region(MR_DEL, m, o, PAGE_SIZE, 0), -EINVAL);
		refused1(id, modify(m + o, PAGE_SIZE, R), -EINVAL);
		refused1(id, modify(m, PAGE_SIZE + o, R), -EINVAL);
	}
	/* size 0 */
	refused1(id, add(a, SV_RAM, 0), -EINVAL);
	refused1(id, del(m, 0), -EINVAL);
	refused1(id, modify(m, 0, R), -EINVAL);
	/* wrapping, on either side */
	refused1(id, add(~0xfffULL, SV_RAM, PAGE_SIZE), -EINVAL);
	refused1(id, add(PAGE_SIZE, SV_RAM, ~0xfffULL), -EINVAL);
	refused1(id, add(a, ~0xfffULL, 2 * PAGE_SIZE), -EINVAL);
	refused1(id, add(a, SV_RAM, 1ULL << 63), -EINVAL);
	refused1(id, del(~0xfffULL, PAGE_SIZE), -EINVAL);
	refused1(id, region(MR_DEL, m, ~0xfffULL, 2 * PAGE_SIZE, 0), -EINVAL);
	/* past the User VM's 512 GiB */
	refused1(id, add(LIMIT, SV_RAM, PAGE_SIZE), -EINVAL);
	refused1(id, add(LIMIT - PAGE_SIZE, SV_RAM, 2 * PAGE_SIZE), -EINVAL);
	refused1(id, add(1ULL << 47, SV_RAM, PAGE_SIZE), -EINVAL);
	refused1(id, del(LIMIT, PAGE_SIZE), -EINVAL);
	refused1(id, modify(LIMIT - PAGE_SIZE, 2 * PAGE_SIZE, R), -EINVAL);
	/* right up to it is fine */
	CU_ASSERT_EQUAL(submit1(id, add(LIMIT - PAGE_SIZE, SV_RAM,
					PAGE_SIZE)), 0);
	CU_ASSERT_EQUAL(submit1(id, del(LIMIT - PAGE_SIZE, PAGE_SIZE)), 0);
	CU_ASSERT_TRUE(maps(id, m, SV_RAM, 2 * PAGE_SIZE, PT_RWX));
	destroy_all();
}

/* MR_ADD of what is not the Service VM's RAM to give. */
static void test_refuse_not_service_vm_ram(void)
{
	static const u64 bad[] = {
		0x9f000, 0xa0000, 0xf0000,		/* not RAM in e820 */
		SV_HOLE, SV_HOLE + WINDOW - PAGE_SIZE,	/* not in its EPT */
		SV_ALIAS, SV_RO, SV_UC,			/* mapped otherwise */
		SV_RESERVED, SV_RESERVED_END - PAGE_SIZE,	/* reserved */
		SV_RESERVED_END, 4 * GiB, 1ULL << 51,	/* nothing there */
	};
	u64 hv_page = ALIGN_DOWN(hv_base(), PAGE_SIZE);
	u64 hv_end = ALIGN_UP(hv_base() + hv_size(), PAGE_SIZE);
	u16 id;

	setup();
	id = create_vm(1);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		refused1(id, add(0, bad[i], PAGE_SIZE), -EINVAL);
		/* or its last page only */
		if (bad[i] >= 2 * MiB)
			refused1(id, add(0, bad[i] - 2 * MiB + PAGE_SIZE,
					 2 * MiB), -EINVAL);
	}
	/* straddling the end of RAM, and the start of the hole */
	refused1(id, add(0, SV_RAM_END - PAGE_SIZE, 2 * PAGE_SIZE), -EINVAL);
	refused1(id, add(0, SV_HOLE - 2 * MiB, 2 * MiB + PAGE_SIZE), -EINVAL);
	refused1(id, add(0, SV_RAM, 1 * GiB), -EINVAL);
	/* the hypervisor's own memory: RAM and mapped here, still refused,
	 * in whole or in part */
	refused1(id, add(0, hv_page, PAGE_SIZE), -EINVAL);
	refused1(id, add(0, hv_end - PAGE_SIZE, PAGE_SIZE), -EINVAL);
	refused1(id, add(0, hv_page - PAGE_SIZE, 2 * PAGE_SIZE), -EINVAL);
	refused1(id, add(0, hv_window_lo(), hv_window_hi() - hv_window_lo()),
		 -EINVAL);
	/* right beside it is fine */
	CU_ASSERT_EQUAL(submit1(id, add(0, hv_page - PAGE_SIZE, PAGE_SIZE)),
			0);
	CU_ASSERT_EQUAL(submit1(id, add(PAGE_SIZE, hv_end, PAGE_SIZE)), 0);
	/* the edges of RAM are fine */
	CU_ASSERT_EQUAL(submit1(id, add(2 * PAGE_SIZE, SV_RAM_END - PAGE_SIZE,
					PAGE_SIZE)), 0);
	CU_ASSERT_EQUAL(submit1(id, add(3 * PAGE_SIZE, 0x9e000, PAGE_SIZE)),
			0);
	CU_ASSERT_EQUAL(submit1(id, add(4 * PAGE_SIZE, 1 * MiB, PAGE_SIZE)),
			0);
	destroy_all();
}

/* ADD over what is mapped: -EEXIST; DEL or MODIFY of what is not
 * (entirely) mapped: -EINVAL; regions of a batch overlapping: -EINVAL. */
static void test_refuse_overlap(void)
{
	struct vm_memory_region r[3];
	u16 id;

	setup();
	id = create_vm(1);
	CU_ASSERT_EQUAL(submit1(id, add(0x10000, SV_RAM, 0x4000)), 0);
	CU_ASSERT_EQUAL(submit1(id, add(4 * MiB, SV_RAM, 2 * MiB)), 0);
	refused1(id, add(0x10000, SV_RAM, 0x4000), -EEXIST);
	refused1(id, add(0xf000, SV_RAM, 0x2000), -EEXIST);
	refused1(id, add(0x13000, SV_RAM, 0x2000), -EEXIST);
	refused1(id, add(0x11000, SV_RAM, 0x1000), -EEXIST);
	refused1(id, add(0, SV_RAM, 1 * MiB), -EEXIST);
	refused1(id, add(5 * MiB, SV_RAM, PAGE_SIZE), -EEXIST);
	refused1(id, add(6 * MiB - PAGE_SIZE, SV_RAM, 2 * PAGE_SIZE),
		 -EEXIST);
	refused1(id, del(0xf000, 0x2000), -EINVAL);
	refused1(id, del(0x13000, 0x2000), -EINVAL);
	refused1(id, del(0x20000, PAGE_SIZE), -EINVAL);
	refused1(id, del(0, 8 * MiB), -EINVAL);
	refused1(id, modify(0x10000, 0x5000, R), -EINVAL);
	refused1(id, modify(6 * MiB, PAGE_SIZE, R), -EINVAL);
	refused1(id, modify(LIMIT - PAGE_SIZE, PAGE_SIZE, R), -EINVAL);
	/* within one batch: two ADDs, ADD and DEL, DEL and MODIFY */
	r[0] = add(0x100000, SV_RAM, 0x2000);
	r[1] = add(0x101000, SV_RAM, 0x2000);
	refused(id, r, 2, -EINVAL);
	r[1] = add(0x200000, SV_RAM, 0x1000);
	r[2] = add(0xff000, SV_RAM, 0x2000);
	refused(id, r, 3, -EINVAL);
	r[0] = del(0x10000, 0x4000);
	r[1] = add(0x10000, SV_RAM, 0x4000);	/* a re-map: not in one batch */
	refused(id, r, 2, -EINVAL);
	r[1] = modify(0x13000, 0x1000, R);
	refused(id, r, 2, -EINVAL);
	/* apart, they are fine */
	r[0] = del(0x10000, 0x2000);
	r[1] = modify(0x12000, 0x2000, R);
	r[2] = add(0x14000, SV_RAM, 0x1000);
	CU_ASSERT_EQUAL(submit(id, r, 3), 0);
	CU_ASSERT_TRUE(unmapped(id, 0x10000, 0x2000));
	CU_ASSERT_TRUE(maps(id, 0x12000, SV_RAM + 0x2000, 0x2000, PT_R));
	CU_ASSERT_TRUE(maps(id, 0x14000, SV_RAM, 0x1000, PT_RWX));
	destroy_all();
}

/* One bad region anywhere in a batch: nothing of the batch happens. */
static void test_one_bad_region(void)
{
	static const struct {
		struct vm_memory_region r;
		s64 err;
	} bad[] = {
		{ { .type = MR_ADD, .prot = RWX, .gpa = 0x800000,
		    .service_vm_gpa = SV_HOLE, .size = PAGE_SIZE }, -EINVAL },
		{ { .type = 1, .prot = RWX, .gpa = 0x800000,
		    .service_vm_gpa = SV_RAM, .size = PAGE_SIZE }, -EINVAL },
		{ { .type = MR_ADD, .prot = RWX, .gpa = 0x1f000,
		    .service_vm_gpa = SV_RAM, .size = PAGE_SIZE }, -EEXIST },
		{ { .type = MR_DEL, .gpa = 0x900000, .size = PAGE_SIZE },
		  -EINVAL },
		{ { .type = MR_MODIFY, .prot = 0x10 | R, .gpa = 0x1e000,
		    .size = PAGE_SIZE }, -EINVAL },
		{ { .type = MR_ADD, .prot = RWX, .gpa = 0x800001,
		    .service_vm_gpa = SV_RAM, .size = PAGE_SIZE }, -EINVAL },
	};
	struct vm_memory_region r[8];
	u16 id;

	setup();
	id = create_vm(1);
	CU_ASSERT_EQUAL(submit1(id, add(0x10000, SV_RAM, 0x10000)), 0);
	CU_ASSERT_EQUAL(submit1(id, add(8 * MiB + 2 * MiB, SV_RAM, 2 * MiB)),
			0);
	for (size_t b = 0; b < ARRAY_SIZE(bad); b++) {
		for (u32 pos = 0; pos < 8; pos++) {
			/* good ones: ADDs that need new tables, a DEL that
			 * splits a large page, a MODIFY */
			r[0] = add(0x2000000, SV_RAM + PAGE_SIZE, 4 * MiB);
			r[1] = del(0x18000, 0x4000);
			r[2] = add(LIMIT - 4 * MiB, SV_RAM, 2 * MiB);
			r[3] = modify(0x10000, 0x2000, R);
			r[4] = del(11 * MiB, PAGE_SIZE);
			r[5] = add(0x40000, SV_RAM, PAGE_SIZE);
			r[6] = add(0x3000000, SV_RAM + 8 * MiB, 8 * MiB);
			r[7] = modify(10 * MiB + 0x3000, 0x1000, RWX);
			r[pos] = bad[b].r;
			refused(id, r, 8, bad[b].err);
		}
	}
	CU_ASSERT_TRUE(maps(id, 0x10000, SV_RAM, 0x10000, PT_RWX));
	CU_ASSERT_TRUE(maps(id, 10 * MiB, SV_RAM, 2 * MiB, PT_RWX));
	CU_ASSERT_EQUAL(nr_flushes, 0);
	destroy_all();
}

/* ---- the pool runs out ---- */

/* A batch needing 6 pool pages fails at every point before: -ENOMEM, the
 * VM as it was, the pages back; with 6 it goes in. */
static void test_pool_exhaustion_add(void)
{
	struct vm_memory_region r[4];
	unsigned need;
	u16 id;

	setup();
	id = create_vm(1);
	CU_ASSERT_EQUAL(submit1(id, add(60 * MiB, SV_RAM, 0x3000)), 0);
	r[0] = add(8 * MiB, SV_RAM + PAGE_SIZE, 8 * MiB);	/* 4 PTs */
	r[1] = add(32 * MiB, SV_RAM, 4 * MiB);			/* 0 */
	/* the last GB below the limit: a PD and a PT (the PDPT exists) */
	r[2] = add(LIMIT - 4 * MiB, SV_RAM, 0x2000);
	r[3] = add(LIMIT - 2 * MiB, SV_RAM, 2 * MiB);		/* 0 */
	need = 6;
	for (unsigned left = 0; left < need; left++) {
		struct snapshot *before;

		drain(left);
		before = snap(id);
		CU_ASSERT_EQUAL(submit(id, r, 4), -ENOMEM);
		CU_ASSERT_TRUE(same(id, before));
		CU_ASSERT_EQUAL(page_pool_free(), left);
		undrain();
	}
	CU_ASSERT_EQUAL(nr_flushes, 0);
	drain(need);
	CU_ASSERT_EQUAL(submit(id, r, 4), 0);
	CU_ASSERT_EQUAL(page_pool_free(), 0);
	undrain();
	CU_ASSERT_TRUE(maps(id, 8 * MiB, SV_RAM + PAGE_SIZE, 8 * MiB, PT_RWX));
	CU_ASSERT_TRUE(maps(id, LIMIT - 2 * MiB, SV_RAM, 2 * MiB, PT_RWX));
	CU_ASSERT_TRUE(maps(id, 60 * MiB, SV_RAM, 0x3000, PT_RWX));
	destroy_all();
}

/* DEL and MODIFY need a page only to split a large page at their edges:
 * without it, -ENOMEM and the same translations; a batch whose ADD runs
 * out keeps what its DEL was to remove. */
static void test_pool_exhaustion_del(void)
{
	struct vm_memory_region r[2];
	struct snapshot *before;
	u16 id;

	setup();
	id = create_vm(1);
	CU_ASSERT_EQUAL(submit1(id, add(0, SV_RAM, 4 * MiB)), 0);
	CU_ASSERT_EQUAL(submit1(id, add(8 * MiB, SV_RAM, 0x3000)), 0);

	drain(0);
	before = snap(id);
	CU_ASSERT_EQUAL(submit1(id, del(0x1000, 0x1000)), -ENOMEM);
	CU_ASSERT_TRUE(same(id, before));
	before = snap(id);
	CU_ASSERT_EQUAL(submit1(id, modify(2 * MiB, 0x1000, R)), -ENOMEM);
	CU_ASSERT_TRUE(same(id, before));
	/* whole large pages and 4 KiB pages need nothing */
	CU_ASSERT_EQUAL(submit1(id, modify(2 * MiB, 2 * MiB, R)), 0);
	CU_ASSERT_TRUE(maps(id, 2 * MiB, SV_RAM + 2 * MiB, 2 * MiB, PT_R));
	CU_ASSERT_EQUAL(submit1(id, modify(8 * MiB + 0x1000, 0x1000, R)), 0);
	CU_ASSERT_TRUE(maps(id, 8 * MiB + 0x1000, SV_RAM + 0x1000, 0x1000,
			    PT_R));
	/* DEL of the existing 4 KiB pages with an ADD that cannot fit */
	r[0] = del(8 * MiB, 0x3000);
	r[1] = add(64 * MiB + PAGE_SIZE, SV_RAM, PAGE_SIZE);
	before = snap(id);
	CU_ASSERT_EQUAL(submit(id, r, 2), -ENOMEM);
	CU_ASSERT_TRUE(same(id, before));
	CU_ASSERT_TRUE(maps(id, 8 * MiB, SV_RAM, 0x1000, PT_RWX));
	undrain();

	/* with one page, the split goes through */
	drain(1);
	CU_ASSERT_EQUAL(submit1(id, del(0x1000, 0x1000)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), 0);
	CU_ASSERT_TRUE(unmapped(id, 0x1000, 0x1000));
	CU_ASSERT_TRUE(maps(id, 0, SV_RAM, 0x1000, PT_RWX));
	CU_ASSERT_TRUE(maps(id, 0x2000, SV_RAM + 0x2000, 2 * MiB - 0x2000,
			    PT_RWX));
	undrain();
	CU_ASSERT_EQUAL(submit(id, r, 2), 0);
	CU_ASSERT_TRUE(unmapped(id, 8 * MiB, 0x3000));
	destroy_all();
}

/* A VM left with mappings when its batch ran out: destroying it gives
 * every page back. */
static void test_pool_exhaustion_destroy(void)
{
	unsigned full;
	u16 id;

	setup();
	full = page_pool_free();
	id = create_vm(1);
	CU_ASSERT_EQUAL(submit1(id, add(0, SV_RAM, 4 * MiB)), 0);
	drain(0);
	CU_ASSERT_EQUAL(submit1(id, del(0x1000, 0x1000)), -ENOMEM);
	CU_ASSERT_EQUAL(submit1(id, add(16 * MiB, SV_RAM, 0x1000)), -ENOMEM);
	undrain();
	CU_ASSERT_EQUAL(hc_destroy_vm(caller(), id, 0), 0);
	CU_ASSERT_EQUAL(page_pool_free(), full);
	destroy_all();
}

/* ---- leaks ---- */

/* 1000 rounds of ADD, MODIFY and DEL in varying shapes, over two VMs,
 * with a refused batch now and then: every page comes back. */
static void test_cycles(void)
{
	struct vm_memory_region r[6];
	unsigned base;
	u16 a, b;

	setup();
	a = create_vm(1);
	b = create_vm(3);
	base = page_pool_free();
	for (u32 round = 0; round < 1000; round++) {
		u64 off = (round % 7) * PAGE_SIZE;
		u64 big = (1 + round % 5) * 2 * MiB;
		u16 id = (round & 1) ? a : b;

		r[0] = add(off, SV_RAM + off, big);
		r[1] = add(32 * MiB, SV_RAM + 64 * MiB + off, big);
		r[2] = add(LIMIT - 2 * MiB, SV_RAM, 2 * MiB - off);
		CU_ASSERT_EQUAL(submit(id, r, 3), 0);
		CU_ASSERT_EQUAL(submit1(id, modify(off + PAGE_SIZE,
						   big - PAGE_SIZE, R)), 0);
		if (round % 10 == 3)
			CU_ASSERT_EQUAL(submit1(id, add(off, SV_RAM, PAGE_SIZE)),
					-EEXIST);
		if (round % 10 == 5) {
			drain(1);
			CU_ASSERT_EQUAL(submit1(id, add(20 * MiB + PAGE_SIZE,
							SV_RAM,
							4 * MiB)), -ENOMEM);
			undrain();
		}
		r[0] = del(off, big / 2);
		r[1] = del(off + big / 2, big / 2);
		r[2] = del(32 * MiB, PAGE_SIZE);
		r[3] = del(32 * MiB + PAGE_SIZE, big - PAGE_SIZE);
		r[4] = del(LIMIT - 2 * MiB, 2 * MiB - off);
		CU_ASSERT_EQUAL(submit(id, r, 5), 0);
		CU_ASSERT_EQUAL(page_pool_free(), base);
		if (page_pool_free() != base)
			break;
	}
	destroy_all();
}

int register_user_vm_mem_tests(void)
{
	static const struct unit_test tests[] = {
		{ "add, modify, del round trip", test_round_trip },
		{ "access rights, memory types", test_prot },
		{ "2 MiB vs 4 KiB pages, pool cost", test_page_sizes },
		{ "limit, two VMs, destroy", test_limit_and_two_vms },
		{ "512 regions, 513 refused", test_batch_size },
		{ "refused: batch header, arrays", test_refuse_batch },
		{ "refused: vmid", test_refuse_vmid },
		{ "refused: type, prot", test_refuse_type_prot },
		{ "refused: alignment, overflow, limit",
		  test_refuse_alignment_range },
		{ "refused: not Service VM RAM, hypervisor",
		  test_refuse_not_service_vm_ram },
		{ "refused: overlaps", test_refuse_overlap },
		{ "one bad region changes nothing", test_one_bad_region },
		{ "pool runs out: ADD rolled back",
		  test_pool_exhaustion_add },
		{ "pool runs out: DEL, MODIFY", test_pool_exhaustion_del },
		{ "pool runs out: destroy frees all",
		  test_pool_exhaustion_destroy },
		{ "1000 add/modify/del cycles", test_cycles },
	};

	return UNIT_SUITE("core/user_vm_mem", tests);
}
