/* hypervisor/core/user_vm_mem.c: every refusal of HC_VM_SET_MEMORY_REGIONS
 * (the batch, the VM, each field of a region, memory that is not the
 * Service VM's RAM, overlaps), each leaving the VM, the pool and the
 * flush count as they were; a batch with one bad region changes nothing.
 * On the fixture of user_vm_mem_fixture.h. */
#include <string.h>
#include "unit.h"
#include "fake_service_vm.h"
#include "mm.h"
#include "user_vm_mem_fixture.h"

static void test_refuse_batch(void)
{
	struct vm_memory_region r = add(0, SV_RAM, PAGE_SIZE);
	struct vm_memory_region_batch b;
	struct mem_snapshot *before;
	u16 id;

	mem_setup();
	id = mem_create_vm(1);
	before = mem_snap(id);
	/* misaligned batch */
	b = batch(id, 1);
	for (u64 off = 1; off < 8; off++)
		CU_ASSERT_EQUAL(mem_submit_raw(PAGE_SIZE * 6 + off, &b, &r, 1),
				-EINVAL);
	/* unreadable batch */
	CU_ASSERT_EQUAL(mem_submit_raw(sizeof(gmem), &b, &r, 1), -EFAULT);
	CU_ASSERT_EQUAL(mem_submit_raw(sizeof(gmem) - 16, &b, &r, 1), -EFAULT);
	CU_ASSERT_EQUAL(mem_submit_raw(1ULL << 62, &b, &r, 1), -EFAULT);
	/* reserved fields */
	for (int k = 0; k < 3; k++) {
		for (int bit = 0; bit < 16; bit++) {
			b = batch(id, 1);
			b.reserved0[k] = (u16)(1U << bit);
			CU_ASSERT_EQUAL(mem_submit_raw(BATCH_GPA, &b, &r, 1),
					-EINVAL);
		}
	}
	for (int bit = 0; bit < 32; bit++) {
		b = batch(id, 1);
		b.reserved1 = 1U << bit;
		CU_ASSERT_EQUAL(mem_submit_raw(BATCH_GPA, &b, &r, 1), -EINVAL);
	}
	/* no regions, too many */
	b = batch(id, 0);
	CU_ASSERT_EQUAL(mem_submit_raw(BATCH_GPA, &b, &r, 1), -EINVAL);
	b = batch(id, 513);
	CU_ASSERT_EQUAL(mem_submit_raw(BATCH_GPA, &b, &r, 1), -EINVAL);
	/* the region array: misaligned, unreadable, partly unreadable */
	for (u64 off = 1; off < 8; off++) {
		b = batch(id, 1);
		b.regions_gpa = REGIONS_GPA + off;
		CU_ASSERT_EQUAL(mem_submit_raw(BATCH_GPA, &b, &r, 1), -EINVAL);
	}
	b = batch(id, 1);
	b.regions_gpa = sizeof(gmem);
	CU_ASSERT_EQUAL(mem_submit_raw(BATCH_GPA, &b, &r, 1), -EFAULT);
	b = batch(id, 2);
	b.regions_gpa = sizeof(gmem) - sizeof(r);
	memcpy(gmem + b.regions_gpa, &r, sizeof(r));
	CU_ASSERT_EQUAL(mem_submit_raw(BATCH_GPA, &b, &r, 1), -EFAULT);
	b.regions_gpa = ~7ULL;
	CU_ASSERT_EQUAL(mem_submit_raw(BATCH_GPA, &b, &r, 1), -EFAULT);
	CU_ASSERT_TRUE(mem_same(id, before));
	CU_ASSERT_EQUAL(mem_nr_flushes, 0);
	/* the same region from a good batch goes in */
	CU_ASSERT_EQUAL(mem_submit1(id, r), 0);
	mem_teardown();
}

static void test_refuse_vmid(void)
{
	static const u16 ids[] = { 0, 2, 3, 7, 8, 0x100, 0xffff };
	struct vm_memory_region r = add(0, SV_RAM, PAGE_SIZE);
	unsigned base;

	mem_setup();
	CU_ASSERT_EQUAL(mem_create_vm(1), 1);
	base = page_pool_free();
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		CU_ASSERT_EQUAL(mem_submit1(ids[i], r), -EINVAL);
	CU_ASSERT_EQUAL(page_pool_free(), base);
	CU_ASSERT_TRUE(mem_unmapped(1, 0, PAGE_SIZE));
	/* a destroyed VM is gone */
	CU_ASSERT_EQUAL(hc_destroy_vm(mem_caller(), 1, 0), 0);
	CU_ASSERT_EQUAL(mem_submit1(1, r), -EINVAL);
	mem_teardown();
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

	mem_setup();
	id = mem_create_vm(1);
	CU_ASSERT_EQUAL(mem_submit1(id, add(m, SV_RAM, PAGE_SIZE)), 0);
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		mem_refused1(id, region(types[i], a, SV_RAM, PAGE_SIZE, RWX),
			 -EINVAL);
		mem_refused1(id, region(types[i], m, 0, PAGE_SIZE, RWX), -EINVAL);
	}
	/* a bit outside the access rights and memory types, any type */
	for (int bit = 0; bit < 32; bit++) {
		u32 p = 1U << bit;

		if (p & (ISLET_MEM_ACCESS_RIGHT_MASK | ISLET_MEM_TYPE_MASK))
			continue;
		mem_refused1(id, region(MR_ADD, a, SV_RAM, PAGE_SIZE, RWX | p),
			 -EINVAL);
		mem_refused1(id, region(MR_DEL, m, 0, PAGE_SIZE, p), -EINVAL);
		mem_refused1(id, modify(m, PAGE_SIZE, R | p), -EINVAL);
	}
	/* two memory types, or all five */
	for (int i = 6; i <= 10; i++) {
		for (int j = i + 1; j <= 10; j++) {
			u32 two = (1U << i) | (1U << j);

			mem_refused1(id, region(MR_ADD, a, SV_RAM, PAGE_SIZE,
					    RWX | two), -EINVAL);
			mem_refused1(id, modify(m, PAGE_SIZE, RWX | two), -EINVAL);
			mem_refused1(id, region(MR_DEL, m, 0, PAGE_SIZE, two),
				 -EINVAL);
		}
	}
	mem_refused1(id, region(MR_ADD, a, SV_RAM, PAGE_SIZE,
			    RWX | ISLET_MEM_TYPE_MASK), -EINVAL);
	/* no read access */
	for (size_t i = 0; i < ARRAY_SIZE(noread); i++) {
		mem_refused1(id, region(MR_ADD, a, SV_RAM, PAGE_SIZE, noread[i]),
			 -EINVAL);
		mem_refused1(id, modify(m, PAGE_SIZE, noread[i]), -EINVAL);
	}
	CU_ASSERT_TRUE(mem_maps(id, m, SV_RAM, PAGE_SIZE, PT_RWX));
	CU_ASSERT_TRUE(mem_unmapped(id, a, PAGE_SIZE));
	mem_teardown();
}

static void test_refuse_alignment_range(void)
{
	static const u64 offs[] = { 1, 8, 0x800, 0xfff };
	const u64 m = 0x10000, a = 0x20000;	/* mapped, unmapped */
	u16 id;

	mem_setup();
	id = mem_create_vm(1);
	CU_ASSERT_EQUAL(mem_submit1(id, add(m, SV_RAM, 2 * PAGE_SIZE)), 0);
	for (size_t i = 0; i < ARRAY_SIZE(offs); i++) {
		u64 o = offs[i];

		mem_refused1(id, add(a + o, SV_RAM, PAGE_SIZE), -EINVAL);
		mem_refused1(id, add(a, SV_RAM + o, PAGE_SIZE), -EINVAL);
		mem_refused1(id, add(a, SV_RAM, PAGE_SIZE + o), -EINVAL);
		mem_refused1(id, add(a, SV_RAM, o), -EINVAL);
		mem_refused1(id, del(m + o, PAGE_SIZE), -EINVAL);
		mem_refused1(id, del(m, PAGE_SIZE + o), -EINVAL);
		mem_refused1(id, region(MR_DEL, m, o, PAGE_SIZE, 0), -EINVAL);
		mem_refused1(id, modify(m + o, PAGE_SIZE, R), -EINVAL);
		mem_refused1(id, modify(m, PAGE_SIZE + o, R), -EINVAL);
	}
	/* size 0 */
	mem_refused1(id, add(a, SV_RAM, 0), -EINVAL);
	mem_refused1(id, del(m, 0), -EINVAL);
	mem_refused1(id, modify(m, 0, R), -EINVAL);
	/* wrapping, on either side */
	mem_refused1(id, add(~0xfffULL, SV_RAM, PAGE_SIZE), -EINVAL);
	mem_refused1(id, add(PAGE_SIZE, SV_RAM, ~0xfffULL), -EINVAL);
	mem_refused1(id, add(a, ~0xfffULL, 2 * PAGE_SIZE), -EINVAL);
	mem_refused1(id, add(a, SV_RAM, 1ULL << 63), -EINVAL);
	mem_refused1(id, del(~0xfffULL, PAGE_SIZE), -EINVAL);
	mem_refused1(id, region(MR_DEL, m, ~0xfffULL, 2 * PAGE_SIZE, 0), -EINVAL);
	/* past the User VM's 512 GiB */
	mem_refused1(id, add(LIMIT, SV_RAM, PAGE_SIZE), -EINVAL);
	mem_refused1(id, add(LIMIT - PAGE_SIZE, SV_RAM, 2 * PAGE_SIZE), -EINVAL);
	mem_refused1(id, add(1ULL << 47, SV_RAM, PAGE_SIZE), -EINVAL);
	mem_refused1(id, del(LIMIT, PAGE_SIZE), -EINVAL);
	mem_refused1(id, modify(LIMIT - PAGE_SIZE, 2 * PAGE_SIZE, R), -EINVAL);
	/* right up to it is fine */
	CU_ASSERT_EQUAL(mem_submit1(id, add(LIMIT - PAGE_SIZE, SV_RAM,
					PAGE_SIZE)), 0);
	CU_ASSERT_EQUAL(mem_submit1(id, del(LIMIT - PAGE_SIZE, PAGE_SIZE)), 0);
	CU_ASSERT_TRUE(mem_maps(id, m, SV_RAM, 2 * PAGE_SIZE, PT_RWX));
	mem_teardown();
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

	mem_setup();
	id = mem_create_vm(1);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		mem_refused1(id, add(0, bad[i], PAGE_SIZE), -EINVAL);
		/* or its last page only */
		if (bad[i] >= 2 * MiB)
			mem_refused1(id, add(0, bad[i] - 2 * MiB + PAGE_SIZE,
					 2 * MiB), -EINVAL);
	}
	/* straddling the end of RAM, and the start of the hole */
	mem_refused1(id, add(0, SV_RAM_END - PAGE_SIZE, 2 * PAGE_SIZE), -EINVAL);
	mem_refused1(id, add(0, SV_HOLE - 2 * MiB, 2 * MiB + PAGE_SIZE), -EINVAL);
	mem_refused1(id, add(0, SV_RAM, 1 * GiB), -EINVAL);
	/* the hypervisor's own memory: RAM and mapped here, still refused,
	 * in whole or in part */
	mem_refused1(id, add(0, hv_page, PAGE_SIZE), -EINVAL);
	mem_refused1(id, add(0, hv_end - PAGE_SIZE, PAGE_SIZE), -EINVAL);
	mem_refused1(id, add(0, hv_page - PAGE_SIZE, 2 * PAGE_SIZE), -EINVAL);
	mem_refused1(id, add(0, mem_hv_window_lo(), mem_hv_window_hi() - mem_hv_window_lo()),
		 -EINVAL);
	/* right beside it is fine */
	CU_ASSERT_EQUAL(mem_submit1(id, add(0, hv_page - PAGE_SIZE, PAGE_SIZE)),
			0);
	CU_ASSERT_EQUAL(mem_submit1(id, add(PAGE_SIZE, hv_end, PAGE_SIZE)), 0);
	/* the edges of RAM are fine */
	CU_ASSERT_EQUAL(mem_submit1(id, add(2 * PAGE_SIZE, SV_RAM_END - PAGE_SIZE,
					PAGE_SIZE)), 0);
	CU_ASSERT_EQUAL(mem_submit1(id, add(3 * PAGE_SIZE, 0x9e000, PAGE_SIZE)),
			0);
	CU_ASSERT_EQUAL(mem_submit1(id, add(4 * PAGE_SIZE, 1 * MiB, PAGE_SIZE)),
			0);
	mem_teardown();
}

/* ADD over what is mapped: -EEXIST; DEL or MODIFY of what is not
 * (entirely) mapped: -EINVAL; regions of a batch overlapping: -EINVAL. */
static void test_refuse_overlap(void)
{
	struct vm_memory_region r[3];
	u16 id;

	mem_setup();
	id = mem_create_vm(1);
	CU_ASSERT_EQUAL(mem_submit1(id, add(0x10000, SV_RAM, 0x4000)), 0);
	CU_ASSERT_EQUAL(mem_submit1(id, add(4 * MiB, SV_RAM, 2 * MiB)), 0);
	mem_refused1(id, add(0x10000, SV_RAM, 0x4000), -EEXIST);
	mem_refused1(id, add(0xf000, SV_RAM, 0x2000), -EEXIST);
	mem_refused1(id, add(0x13000, SV_RAM, 0x2000), -EEXIST);
	mem_refused1(id, add(0x11000, SV_RAM, 0x1000), -EEXIST);
	mem_refused1(id, add(0, SV_RAM, 1 * MiB), -EEXIST);
	mem_refused1(id, add(5 * MiB, SV_RAM, PAGE_SIZE), -EEXIST);
	mem_refused1(id, add(6 * MiB - PAGE_SIZE, SV_RAM, 2 * PAGE_SIZE),
		 -EEXIST);
	mem_refused1(id, del(0xf000, 0x2000), -EINVAL);
	mem_refused1(id, del(0x13000, 0x2000), -EINVAL);
	mem_refused1(id, del(0x20000, PAGE_SIZE), -EINVAL);
	mem_refused1(id, del(0, 8 * MiB), -EINVAL);
	mem_refused1(id, modify(0x10000, 0x5000, R), -EINVAL);
	mem_refused1(id, modify(6 * MiB, PAGE_SIZE, R), -EINVAL);
	mem_refused1(id, modify(LIMIT - PAGE_SIZE, PAGE_SIZE, R), -EINVAL);
	/* within one batch: two ADDs, ADD and DEL, DEL and MODIFY */
	r[0] = add(0x100000, SV_RAM, 0x2000);
	r[1] = add(0x101000, SV_RAM, 0x2000);
	mem_refused(id, r, 2, -EINVAL);
	r[1] = add(0x200000, SV_RAM, 0x1000);
	r[2] = add(0xff000, SV_RAM, 0x2000);
	mem_refused(id, r, 3, -EINVAL);
	r[0] = del(0x10000, 0x4000);
	r[1] = add(0x10000, SV_RAM, 0x4000);	/* a re-map: not in one batch */
	mem_refused(id, r, 2, -EINVAL);
	r[1] = modify(0x13000, 0x1000, R);
	mem_refused(id, r, 2, -EINVAL);
	/* apart, they are fine */
	r[0] = del(0x10000, 0x2000);
	r[1] = modify(0x12000, 0x2000, R);
	r[2] = add(0x14000, SV_RAM, 0x1000);
	CU_ASSERT_EQUAL(mem_submit(id, r, 3), 0);
	CU_ASSERT_TRUE(mem_unmapped(id, 0x10000, 0x2000));
	CU_ASSERT_TRUE(mem_maps(id, 0x12000, SV_RAM + 0x2000, 0x2000, PT_R));
	CU_ASSERT_TRUE(mem_maps(id, 0x14000, SV_RAM, 0x1000, PT_RWX));
	mem_teardown();
}

/* The LAPIC and IOAPIC pages are the hypervisor's (core/vplatform.c):
 * no region may touch them, while the pages around them are the VM's. */
static void test_refuse_irqchip_pages(void)
{
	u16 id;

	mem_setup();
	id = mem_create_vm(1);
	mem_refused1(id, add(0xfee00000, SV_RAM, PAGE_SIZE), -EINVAL);
	mem_refused1(id, add(0xfec00000, SV_RAM, PAGE_SIZE), -EINVAL);
	mem_refused1(id, add(0xfedff000, SV_RAM, 2 * PAGE_SIZE), -EINVAL);
	mem_refused1(id, add(0xfec00000 - PAGE_SIZE, SV_RAM, 2 * PAGE_SIZE),
		     -EINVAL);
	mem_refused1(id, del(0xfee00000, PAGE_SIZE), -EINVAL);
	mem_refused1(id, modify(0xfee00000, PAGE_SIZE, R), -EINVAL);
	CU_ASSERT_EQUAL(mem_submit1(id, add(0xfec01000, SV_RAM, PAGE_SIZE)), 0);
	CU_ASSERT_EQUAL(mem_submit1(id, add(0xfee01000, SV_RAM + PAGE_SIZE,
					     PAGE_SIZE)), 0);
	CU_ASSERT_TRUE(mem_unmapped(id, 0xfec00000, PAGE_SIZE));
	CU_ASSERT_TRUE(mem_unmapped(id, 0xfee00000, PAGE_SIZE));
	mem_teardown();
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

	mem_setup();
	id = mem_create_vm(1);
	CU_ASSERT_EQUAL(mem_submit1(id, add(0x10000, SV_RAM, 0x10000)), 0);
	CU_ASSERT_EQUAL(mem_submit1(id, add(8 * MiB + 2 * MiB, SV_RAM, 2 * MiB)),
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
			mem_refused(id, r, 8, bad[b].err);
		}
	}
	CU_ASSERT_TRUE(mem_maps(id, 0x10000, SV_RAM, 0x10000, PT_RWX));
	CU_ASSERT_TRUE(mem_maps(id, 10 * MiB, SV_RAM, 2 * MiB, PT_RWX));
	CU_ASSERT_EQUAL(mem_nr_flushes, 0);
	mem_teardown();
}


int register_user_vm_mem_refuse_tests(void)
{
	static const struct unit_test tests[] = {
		{ "refused: batch header, arrays", test_refuse_batch },
		{ "refused: vmid", test_refuse_vmid },
		{ "refused: type, prot", test_refuse_type_prot },
		{ "refused: alignment, overflow, limit",
		  test_refuse_alignment_range },
		{ "refused: not Service VM RAM, hypervisor",
		  test_refuse_not_service_vm_ram },
		{ "refused: overlaps", test_refuse_overlap },
		{ "refused: the LAPIC and IOAPIC pages", test_refuse_irqchip_pages },
		{ "one bad region changes nothing", test_one_bad_region },
	};

	return UNIT_SUITE("core/user_vm_mem: refusals", tests);
}
