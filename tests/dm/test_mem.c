/* Guest memory layout and translation (devicemodel/core/mem.c). */
#include "dm.h"
#include "dm_unit.h"

static void test_layout(void)
{
	struct dm_mem m = { 0 };

	dm_mem_layout(&m, 256ULL << 20);
	CU_ASSERT_EQUAL(m.lowmem, 256ULL << 20);
	CU_ASSERT_EQUAL(m.highmem, 0);
	dm_mem_layout(&m, 4ULL << 30);
	CU_ASSERT_EQUAL(m.lowmem, DM_LOWMEM_TOP);
	CU_ASSERT_EQUAL(m.highmem, (4ULL << 30) - DM_LOWMEM_TOP);
}

static void test_gpa(void)
{
	static uint8_t ram[64];
	struct dm_mem m = { 0 };

	CU_ASSERT_PTR_NULL(dm_gpa(&m, 0, 1));	/* no memory yet */
	/* A fake split: 32 bytes low, 32 high. */
	m.base = ram;
	m.size = 64;
	m.lowmem = 32;
	m.highmem = 32;
	CU_ASSERT_PTR_EQUAL(dm_gpa(&m, 0, 32), ram);
	CU_ASSERT_PTR_EQUAL(dm_gpa(&m, 31, 1), ram + 31);
	CU_ASSERT_PTR_NULL(dm_gpa(&m, 31, 2));
	CU_ASSERT_PTR_NULL(dm_gpa(&m, 32, 1));
	CU_ASSERT_PTR_NULL(dm_gpa(&m, DM_LOWMEM_TOP, 1));
	CU_ASSERT_PTR_EQUAL(dm_gpa(&m, DM_HIGHMEM_BASE, 32), ram + 32);
	CU_ASSERT_PTR_EQUAL(dm_gpa(&m, DM_HIGHMEM_BASE + 31, 1), ram + 63);
	CU_ASSERT_PTR_NULL(dm_gpa(&m, DM_HIGHMEM_BASE + 31, 2));
	CU_ASSERT_PTR_NULL(dm_gpa(&m, DM_HIGHMEM_BASE - 1, 2));
	CU_ASSERT_PTR_NULL(dm_gpa(&m, ~0ULL, 2));
	CU_ASSERT_PTR_NULL(dm_gpa(&m, 8, ~0ULL));
}

static const struct unit_test tests[] = {
	{ "split around the PCI hole", test_layout },
	{ "guest-physical to host", test_gpa },
};

int register_mem_tests(void)
{
	return UNIT_SUITE("dm guest memory", tests);
}
