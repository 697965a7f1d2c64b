/* hypervisor/core/user_vm_mem.c (HC_VM_SET_MEMORY_REGIONS) compiled for
 * the host, on the fixture of user_vm_mem_fixture.h: what batches map,
 * with which pages, at what cost in pool pages, and that the pool gets
 * every page back (refusals: test_user_vm_mem_refuse.c).  User VM EPTs
 * come from the real page pool, so page_pool_free() counts every page a
 * batch takes, gives back or leaks. */
#include "unit.h"
#include "mm.h"
#include "user_vm_mem_fixture.h"

/* ---- round trips ---- */

/* ADD, MODIFY, MODIFY, DEL of a region in 4 KiB pages, through pt_lookup;
 * each DEL or MODIFY flushes the VM's EPT, an ADD does not. */
static void test_round_trip(void)
{
	unsigned base;
	u16 id;

	mem_setup();
	id = mem_create_vm(1);
	CU_ASSERT_EQUAL_FATAL(id, 1);
	base = page_pool_free();
	CU_ASSERT_EQUAL(mem_submit1(id, add(0x5000, SV_RAM + 0x3000, 0x7000)), 0);
	CU_ASSERT_TRUE(mem_maps(id, 0x5000, SV_RAM + 0x3000, 0x7000, PT_RWX));
	CU_ASSERT_TRUE(mem_unmapped(id, 0, 0x5000));
	CU_ASSERT_TRUE(mem_unmapped(id, 0xc000, 0x4000));
	CU_ASSERT_EQUAL(mem_nr_flushes, 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 3);	/* PDPT, PD, PT */

	CU_ASSERT_EQUAL(mem_submit1(id, modify(0x5000, 0x7000, R)), 0);
	CU_ASSERT_TRUE(mem_maps(id, 0x5000, SV_RAM + 0x3000, 0x7000, PT_R));
	CU_ASSERT_EQUAL(mem_nr_flushes, 1);
	CU_ASSERT_PTR_EQUAL(mem_flushed_vm, user_vm_get(id));
	user_vm_put(mem_flushed_vm);
	/* part of it, uncached and writable */
	CU_ASSERT_EQUAL(mem_submit1(id, modify(0x6000, 0x2000, R | W |
					    ISLET_MEM_TYPE_UC)), 0);
	CU_ASSERT_TRUE(mem_maps(id, 0x5000, SV_RAM + 0x3000, 0x1000, PT_R));
	CU_ASSERT_TRUE(mem_maps(id, 0x6000, SV_RAM + 0x4000, 0x2000,
			    PT_R | PT_W | PT_UC));
	CU_ASSERT_TRUE(mem_maps(id, 0x8000, SV_RAM + 0x6000, 0x4000, PT_R));
	CU_ASSERT_EQUAL(mem_nr_flushes, 2);
	CU_ASSERT_EQUAL(page_pool_free(), base - 3);

	/* DEL in two pieces; the last one frees the tables */
	CU_ASSERT_EQUAL(mem_submit1(id, del(0x5000, 0x3000)), 0);
	CU_ASSERT_TRUE(mem_unmapped(id, 0x5000, 0x3000));
	CU_ASSERT_TRUE(mem_maps(id, 0x8000, SV_RAM + 0x6000, 0x4000, PT_R));
	CU_ASSERT_EQUAL(mem_nr_flushes, 3);
	CU_ASSERT_EQUAL(mem_submit1(id, del(0x8000, 0x4000)), 0);
	CU_ASSERT_TRUE(mem_unmapped(id, 0, 0x10000));
	CU_ASSERT_EQUAL(mem_nr_flushes, 4);
	/* the tables went back to the pool after the flush, not before */
	CU_ASSERT_EQUAL(mem_pool_at_flush, base - 3);
	CU_ASSERT_EQUAL(page_pool_free(), base);
	mem_teardown();
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

	mem_setup();
	id = mem_create_vm(1);
	for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
		for (size_t a = 0; a < ARRAY_SIZE(access); a++) {
			u64 want = (access[a] & R ? PT_R : 0) |
				   (access[a] & W ? PT_W : 0) |
				   (access[a] & X ? PT_X : 0) |
				   (types[t] > ISLET_MEM_TYPE_WB ? PT_UC : 0);

			CU_ASSERT_EQUAL(mem_submit1(id, region(MR_ADD, 0x10000,
					SV_RAM, PAGE_SIZE,
					access[a] | types[t])), 0);
			CU_ASSERT_TRUE(mem_maps(id, 0x10000, SV_RAM, PAGE_SIZE,
					    want));
			CU_ASSERT_EQUAL(mem_submit1(id, modify(0x10000, PAGE_SIZE,
							   RWX)), 0);
			CU_ASSERT_TRUE(mem_maps(id, 0x10000, SV_RAM, PAGE_SIZE,
					    PT_RWX));
			CU_ASSERT_EQUAL(mem_submit1(id, modify(0x10000, PAGE_SIZE,
					access[a] | types[t])), 0);
			CU_ASSERT_TRUE(mem_maps(id, 0x10000, SV_RAM, PAGE_SIZE,
					    want));
			/* DEL ignores prot's access bits */
			CU_ASSERT_EQUAL(mem_submit1(id, region(MR_DEL, 0x10000, 0,
					PAGE_SIZE, types[t])), 0);
			CU_ASSERT_TRUE(mem_unmapped(id, 0x10000, PAGE_SIZE));
		}
	}
	mem_teardown();
}

/* 2 MiB EPT pages where both sides are 2 MiB aligned, else 4 KiB; the
 * page-pool figures of a 64 MiB guest. */
static void test_page_sizes(void)
{
	struct vm_memory_region r[2];
	unsigned base;
	u16 id;

	mem_setup();
	id = mem_create_vm(1);
	base = page_pool_free();

	/* 64 MiB, both aligned: 32 large pages, a PDPT and a PD */
	CU_ASSERT_EQUAL(mem_submit1(id, add(0, SV_RAM, 64 * MiB)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 2);
	CU_ASSERT_TRUE(mem_maps(id, 0, SV_RAM, 64 * MiB, PT_RWX));
	CU_ASSERT_EQUAL(mem_submit1(id, del(0, 64 * MiB)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base);

	/* the Service VM side 4 KiB off: 4 KiB pages, 32 page tables more */
	CU_ASSERT_EQUAL(mem_submit1(id, add(0, SV_RAM + PAGE_SIZE, 64 * MiB)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 34);
	CU_ASSERT_TRUE(mem_maps(id, 0, SV_RAM + PAGE_SIZE, 64 * MiB, PT_RWX));
	CU_ASSERT_EQUAL(mem_submit1(id, del(0, 64 * MiB)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base);

	/* the guest side off: the same */
	CU_ASSERT_EQUAL(mem_submit1(id, add(PAGE_SIZE, SV_RAM, 64 * MiB)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 35);	/* 33 tables */
	CU_ASSERT_EQUAL(mem_submit1(id, del(PAGE_SIZE, 64 * MiB)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base);

	/* both 4 KiB off the same way: 4 KiB pages up to the first 2 MiB
	 * boundary, then large ones, then 4 KiB again */
	CU_ASSERT_EQUAL(mem_submit1(id, add(2 * MiB + PAGE_SIZE,
					SV_RAM + PAGE_SIZE, 4 * MiB)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 4);	/* PDPT, PD, 2 PTs */
	CU_ASSERT_TRUE(mem_maps(id, 2 * MiB + PAGE_SIZE, SV_RAM + PAGE_SIZE,
			    4 * MiB, PT_RWX));
	CU_ASSERT_EQUAL(mem_submit1(id, del(2 * MiB + PAGE_SIZE, 4 * MiB)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base);

	/* under 2 MiB, aligned: 4 KiB pages */
	CU_ASSERT_EQUAL(mem_submit1(id, add(0, SV_RAM, 2 * MiB - PAGE_SIZE)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 3);
	/* the rest as its own region: still 4 KiB pages, one table */
	CU_ASSERT_EQUAL(mem_submit1(id, add(2 * MiB - PAGE_SIZE,
					SV_RAM + 2 * MiB - PAGE_SIZE,
					PAGE_SIZE)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 3);
	/* MODIFY of the whole 2 MiB, contiguous: merged into one large
	 * page, the table freed */
	CU_ASSERT_EQUAL(mem_submit1(id, modify(0, 2 * MiB, R | X)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 2);
	CU_ASSERT_TRUE(mem_maps(id, 0, SV_RAM, 2 * MiB, PT_R | PT_X));
	/* MODIFY inside it: split again, the rest keeps its rights */
	CU_ASSERT_EQUAL(mem_submit1(id, modify(0x3000, 0x2000, RWX)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 3);
	CU_ASSERT_TRUE(mem_maps(id, 0, SV_RAM, 0x3000, PT_R | PT_X));
	CU_ASSERT_TRUE(mem_maps(id, 0x3000, SV_RAM + 0x3000, 0x2000, PT_RWX));
	CU_ASSERT_TRUE(mem_maps(id, 0x5000, SV_RAM + 0x5000, 2 * MiB - 0x5000,
			    PT_R | PT_X));
	CU_ASSERT_EQUAL(mem_submit1(id, del(0, 2 * MiB)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base);

	/* two large pages that are not contiguous on the Service VM side:
	 * MODIFY keeps each where it is */
	r[0] = add(0, SV_RAM + 4 * MiB, 2 * MiB);
	r[1] = add(2 * MiB, SV_RAM, 2 * MiB);
	CU_ASSERT_EQUAL(mem_submit(id, r, 2), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 2);
	CU_ASSERT_EQUAL(mem_submit1(id, modify(0, 4 * MiB, R)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 2);
	CU_ASSERT_TRUE(mem_maps(id, 0, SV_RAM + 4 * MiB, 2 * MiB, PT_R));
	CU_ASSERT_TRUE(mem_maps(id, 2 * MiB, SV_RAM, 2 * MiB, PT_R));
	/* DEL of one 4 KiB page inside a large page splits it */
	CU_ASSERT_EQUAL(mem_submit1(id, del(3 * MiB, PAGE_SIZE)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base - 3);
	CU_ASSERT_TRUE(mem_maps(id, 2 * MiB, SV_RAM, 1 * MiB, PT_R));
	CU_ASSERT_TRUE(mem_unmapped(id, 3 * MiB, PAGE_SIZE));
	CU_ASSERT_TRUE(mem_maps(id, 3 * MiB + PAGE_SIZE, SV_RAM + 1 * MiB +
			    PAGE_SIZE, 1 * MiB - PAGE_SIZE, PT_R));
	CU_ASSERT_TRUE(mem_maps(id, 0, SV_RAM + 4 * MiB, 2 * MiB, PT_R));
	/* DEL across both, edges inside each */
	CU_ASSERT_EQUAL(mem_submit1(id, del(1 * MiB, 2 * MiB)), 0);
	CU_ASSERT_TRUE(mem_maps(id, 0, SV_RAM + 4 * MiB, 1 * MiB, PT_R));
	CU_ASSERT_TRUE(mem_unmapped(id, 1 * MiB, 2 * MiB));
	CU_ASSERT_TRUE(mem_maps(id, 3 * MiB + PAGE_SIZE, SV_RAM + 1 * MiB +
			    PAGE_SIZE, 1 * MiB - PAGE_SIZE, PT_R));
	CU_ASSERT_EQUAL(page_pool_free(), base - 4);
	r[0] = del(0, 1 * MiB);
	r[1] = del(3 * MiB + PAGE_SIZE, 1 * MiB - PAGE_SIZE);
	CU_ASSERT_EQUAL(mem_submit(id, r, 2), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base);
	mem_teardown();
}

/* The last pages below the limit; two VMs map the same GPAs apart. */
static void test_limit_and_two_vms(void)
{
	unsigned base;
	u16 a, b;

	mem_setup();
	a = mem_create_vm(1);
	b = mem_create_vm(2);
	CU_ASSERT_EQUAL_FATAL(b, 2);
	base = page_pool_free();
	CU_ASSERT_EQUAL(mem_submit1(a, add(LIMIT - 2 * MiB, SV_RAM, 2 * MiB)), 0);
	CU_ASSERT_EQUAL(mem_submit1(a, add(LIMIT - 4 * MiB, SV_RAM, PAGE_SIZE)),
			0);
	CU_ASSERT_EQUAL(mem_submit1(b, add(LIMIT - 2 * MiB, SV_RAM + 2 * MiB,
				       2 * MiB)), 0);
	CU_ASSERT_TRUE(mem_maps(a, LIMIT - 2 * MiB, SV_RAM, 2 * MiB, PT_RWX));
	CU_ASSERT_TRUE(mem_maps(b, LIMIT - 2 * MiB, SV_RAM + 2 * MiB, 2 * MiB,
			    PT_RWX));
	CU_ASSERT_TRUE(mem_unmapped(b, LIMIT - 4 * MiB, PAGE_SIZE));
	CU_ASSERT_EQUAL(mem_submit1(a, del(LIMIT - 2 * MiB, 2 * MiB)), 0);
	CU_ASSERT_EQUAL(mem_nr_flushes, 1);
	CU_ASSERT_PTR_EQUAL(mem_flushed_vm, user_vm_get(a));
	user_vm_put(mem_flushed_vm);
	CU_ASSERT_TRUE(mem_maps(b, LIMIT - 2 * MiB, SV_RAM + 2 * MiB, 2 * MiB,
			    PT_RWX));
	/* destroying a VM with mappings frees all its tables */
	CU_ASSERT_EQUAL(hc_destroy_vm(mem_caller(), a, 0), 0);
	CU_ASSERT_EQUAL(hc_destroy_vm(mem_caller(), b, 0), 0);
	/* the roots and the one-vCPU VMs' VMCS and vLAPIC pages too */
	CU_ASSERT_EQUAL(page_pool_free(), base + 6);
	mem_teardown();
}

/* 512 regions in a batch; 513 refused before anything is read. */
static void test_batch_size(void)
{
	static struct vm_memory_region r[512];
	unsigned base;
	u16 id;

	mem_setup();
	id = mem_create_vm(1);
	base = page_pool_free();
	for (u32 i = 0; i < 512; i++)
		r[i] = add(i * 2 * PAGE_SIZE, SV_RAM + i * PAGE_SIZE,
			   PAGE_SIZE);
	CU_ASSERT_EQUAL(mem_submit(id, r, 512), 0);
	for (u32 i = 0; i < 512; i++) {
		CU_ASSERT_TRUE(mem_maps(id, i * 2 * PAGE_SIZE,
				    SV_RAM + i * PAGE_SIZE, PAGE_SIZE,
				    PT_RWX));
		CU_ASSERT_TRUE(mem_unmapped(id, (i * 2 + 1) * PAGE_SIZE,
					PAGE_SIZE));
		r[i] = del(i * 2 * PAGE_SIZE, PAGE_SIZE);
	}
	CU_ASSERT_EQUAL(mem_submit(id, r, 512), 0);
	CU_ASSERT_EQUAL(page_pool_free(), base);
	CU_ASSERT_EQUAL(mem_nr_flushes, 1);		/* one per batch */
	for (u32 i = 0; i < 512; i++)
		r[i] = add(i * PAGE_SIZE, SV_RAM + i * PAGE_SIZE, PAGE_SIZE);
	mem_refused(id, r, 0, -EINVAL);
	{
		struct vm_memory_region_batch b = batch(id, 513);
		struct mem_snapshot *before = mem_snap(id);

		CU_ASSERT_EQUAL(mem_submit_raw(BATCH_GPA, &b, r, 512), -EINVAL);
		CU_ASSERT_TRUE(mem_same(id, before));
		b = batch(id, 0xffffffff);
		before = mem_snap(id);
		CU_ASSERT_EQUAL(mem_submit_raw(BATCH_GPA, &b, r, 512), -EINVAL);
		CU_ASSERT_TRUE(mem_same(id, before));
	}
	mem_teardown();
}

/* ---- the pool runs out ---- */

/* A batch needing 6 pool pages fails at every point before: -ENOMEM, the
 * VM as it was, the pages back; with 6 it goes in. */
static void test_pool_exhaustion_add(void)
{
	struct vm_memory_region r[4];
	unsigned need;
	u16 id;

	mem_setup();
	id = mem_create_vm(1);
	CU_ASSERT_EQUAL(mem_submit1(id, add(60 * MiB, SV_RAM, 0x3000)), 0);
	r[0] = add(8 * MiB, SV_RAM + PAGE_SIZE, 8 * MiB);	/* 4 PTs */
	r[1] = add(32 * MiB, SV_RAM, 4 * MiB);			/* 0 */
	/* the last GB below the limit: a PD and a PT (the PDPT exists) */
	r[2] = add(LIMIT - 4 * MiB, SV_RAM, 0x2000);
	r[3] = add(LIMIT - 2 * MiB, SV_RAM, 2 * MiB);		/* 0 */
	need = 6;
	for (unsigned left = 0; left < need; left++) {
		struct mem_snapshot *before;

		mem_drain(left);
		before = mem_snap(id);
		CU_ASSERT_EQUAL(mem_submit(id, r, 4), -ENOMEM);
		CU_ASSERT_TRUE(mem_same(id, before));
		CU_ASSERT_EQUAL(page_pool_free(), left);
		/* a vCPU may have used what was undone: flushed, and the
		 * tables held until then */
		CU_ASSERT_EQUAL(mem_nr_flushes, left + 1);
		CU_ASSERT_EQUAL(mem_pool_at_flush, 0);
		mem_undrain();
	}
	mem_nr_flushes = 0;
	mem_drain(need);
	CU_ASSERT_EQUAL(mem_submit(id, r, 4), 0);
	CU_ASSERT_EQUAL(page_pool_free(), 0);
	CU_ASSERT_EQUAL(mem_nr_flushes, 0);		/* only added */
	mem_undrain();
	CU_ASSERT_TRUE(mem_maps(id, 8 * MiB, SV_RAM + PAGE_SIZE, 8 * MiB, PT_RWX));
	CU_ASSERT_TRUE(mem_maps(id, LIMIT - 2 * MiB, SV_RAM, 2 * MiB, PT_RWX));
	CU_ASSERT_TRUE(mem_maps(id, 60 * MiB, SV_RAM, 0x3000, PT_RWX));
	mem_teardown();
}

/* DEL and MODIFY need a page only to split a large page at their edges:
 * without it, -ENOMEM and the same translations; a batch whose ADD runs
 * out keeps what its DEL was to remove. */
static void test_pool_exhaustion_del(void)
{
	struct vm_memory_region r[2];
	struct mem_snapshot *before;
	u16 id;

	mem_setup();
	id = mem_create_vm(1);
	CU_ASSERT_EQUAL(mem_submit1(id, add(0, SV_RAM, 4 * MiB)), 0);
	CU_ASSERT_EQUAL(mem_submit1(id, add(8 * MiB, SV_RAM, 0x3000)), 0);

	mem_drain(0);
	before = mem_snap(id);
	CU_ASSERT_EQUAL(mem_submit1(id, del(0x1000, 0x1000)), -ENOMEM);
	CU_ASSERT_TRUE(mem_same(id, before));
	before = mem_snap(id);
	CU_ASSERT_EQUAL(mem_submit1(id, modify(2 * MiB, 0x1000, R)), -ENOMEM);
	CU_ASSERT_TRUE(mem_same(id, before));
	/* whole large pages and 4 KiB pages need nothing */
	CU_ASSERT_EQUAL(mem_submit1(id, modify(2 * MiB, 2 * MiB, R)), 0);
	CU_ASSERT_TRUE(mem_maps(id, 2 * MiB, SV_RAM + 2 * MiB, 2 * MiB, PT_R));
	CU_ASSERT_EQUAL(mem_submit1(id, modify(8 * MiB + 0x1000, 0x1000, R)), 0);
	CU_ASSERT_TRUE(mem_maps(id, 8 * MiB + 0x1000, SV_RAM + 0x1000, 0x1000,
			    PT_R));
	/* DEL of the existing 4 KiB pages with an ADD that cannot fit */
	r[0] = del(8 * MiB, 0x3000);
	r[1] = add(64 * MiB + PAGE_SIZE, SV_RAM, PAGE_SIZE);
	before = mem_snap(id);
	CU_ASSERT_EQUAL(mem_submit(id, r, 2), -ENOMEM);
	CU_ASSERT_TRUE(mem_same(id, before));
	CU_ASSERT_TRUE(mem_maps(id, 8 * MiB, SV_RAM, 0x1000, PT_RWX));
	mem_undrain();

	/* with one page, the split goes through */
	mem_drain(1);
	CU_ASSERT_EQUAL(mem_submit1(id, del(0x1000, 0x1000)), 0);
	CU_ASSERT_EQUAL(page_pool_free(), 0);
	CU_ASSERT_TRUE(mem_unmapped(id, 0x1000, 0x1000));
	CU_ASSERT_TRUE(mem_maps(id, 0, SV_RAM, 0x1000, PT_RWX));
	CU_ASSERT_TRUE(mem_maps(id, 0x2000, SV_RAM + 0x2000, 2 * MiB - 0x2000,
			    PT_RWX));
	mem_undrain();
	CU_ASSERT_EQUAL(mem_submit(id, r, 2), 0);
	CU_ASSERT_TRUE(mem_unmapped(id, 8 * MiB, 0x3000));
	mem_teardown();
}

/* A VM left with mappings when its batch ran out: destroying it gives
 * every page back. */
static void test_pool_exhaustion_destroy(void)
{
	unsigned full;
	u16 id;

	mem_setup();
	full = page_pool_free();
	id = mem_create_vm(1);
	CU_ASSERT_EQUAL(mem_submit1(id, add(0, SV_RAM, 4 * MiB)), 0);
	mem_drain(0);
	CU_ASSERT_EQUAL(mem_submit1(id, del(0x1000, 0x1000)), -ENOMEM);
	CU_ASSERT_EQUAL(mem_submit1(id, add(16 * MiB, SV_RAM, 0x1000)), -ENOMEM);
	mem_undrain();
	CU_ASSERT_EQUAL(hc_destroy_vm(mem_caller(), id, 0), 0);
	CU_ASSERT_EQUAL(page_pool_free(), full);
	mem_teardown();
}

/* ---- leaks ---- */

/* 1000 rounds of ADD, MODIFY and DEL in varying shapes, over two VMs,
 * with a refused batch now and then: every page comes back. */
static void test_cycles(void)
{
	struct vm_memory_region r[6];
	unsigned base;
	u16 a, b;

	mem_setup();
	a = mem_create_vm(1);
	b = mem_create_vm(3);
	base = page_pool_free();
	for (u32 round = 0; round < 1000; round++) {
		u64 off = (round % 7) * PAGE_SIZE;
		u64 big = (1 + round % 5) * 2 * MiB;
		u16 id = (round & 1) ? a : b;

		r[0] = add(off, SV_RAM + off, big);
		r[1] = add(32 * MiB, SV_RAM + 64 * MiB + off, big);
		r[2] = add(LIMIT - 2 * MiB, SV_RAM, 2 * MiB - off);
		CU_ASSERT_EQUAL(mem_submit(id, r, 3), 0);
		CU_ASSERT_EQUAL(mem_submit1(id, modify(off + PAGE_SIZE,
						   big - PAGE_SIZE, R)), 0);
		if (round % 10 == 3)
			CU_ASSERT_EQUAL(mem_submit1(id, add(off, SV_RAM, PAGE_SIZE)),
					-EEXIST);
		if (round % 10 == 5) {
			mem_drain(1);
			CU_ASSERT_EQUAL(mem_submit1(id, add(20 * MiB + PAGE_SIZE,
							SV_RAM,
							4 * MiB)), -ENOMEM);
			mem_undrain();
		}
		r[0] = del(off, big / 2);
		r[1] = del(off + big / 2, big / 2);
		r[2] = del(32 * MiB, PAGE_SIZE);
		r[3] = del(32 * MiB + PAGE_SIZE, big - PAGE_SIZE);
		r[4] = del(LIMIT - 2 * MiB, 2 * MiB - off);
		CU_ASSERT_EQUAL(mem_submit(id, r, 5), 0);
		CU_ASSERT_EQUAL(page_pool_free(), base);
		if (page_pool_free() != base)
			break;
	}
	mem_teardown();
}

int register_user_vm_mem_tests(void)
{
	static const struct unit_test tests[] = {
		{ "add, modify, del round trip", test_round_trip },
		{ "access rights, memory types", test_prot },
		{ "2 MiB vs 4 KiB pages, pool cost", test_page_sizes },
		{ "limit, two VMs, destroy", test_limit_and_two_vms },
		{ "512 regions, 513 refused", test_batch_size },
		{ "pool runs out: ADD rolled back",
		  test_pool_exhaustion_add },
		{ "pool runs out: DEL, MODIFY", test_pool_exhaustion_del },
		{ "pool runs out: destroy frees all",
		  test_pool_exhaustion_destroy },
		{ "1000 add/modify/del cycles", test_cycles },
	};

	return UNIT_SUITE("core/user_vm_mem", tests);
}

