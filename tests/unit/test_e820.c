/* hypervisor/boot/e820.c: canonical maps, range edits and queries. */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "e820.h"

static struct e820_map map_of(const struct e820_entry *e, u32 nr)
{
	struct e820_map m = { .nr = nr };

	memcpy(m.e, e, nr * sizeof(*e));
	return m;
}

static bool entry_is(const struct e820_map *m, u32 i, u64 addr, u64 size, u32 type)
{
	return i < m->nr && m->e[i].addr == addr && m->e[i].size == size &&
	       m->e[i].type == type;
}

/* Sorted, non-empty, non-overlapping, same-typed neighbours not touching. */
static bool canonical(const struct e820_map *m)
{
	for (u32 i = 0; i < m->nr; i++) {
		const struct e820_entry *e = &m->e[i];

		if (!e->size || !e->type || e->addr + e->size < e->addr)
			return false;
		if (i && (m->e[i - 1].addr + m->e[i - 1].size > e->addr ||
			  (m->e[i - 1].addr + m->e[i - 1].size == e->addr &&
			   m->e[i - 1].type == e->type)))
			return false;
	}
	return true;
}

static void test_sanitize_overlaps(void)
{
	/* Unsorted; reserved hole inside RAM; ACPI straddling RAM's end. */
	const struct e820_entry in[] = {
		{ 0x100000, 0x100000, E820_ACPI },
		{ 0x0, 0x180000, E820_RAM },
		{ 0x9f000, 0x1000, E820_RESERVED },
	};
	struct e820_map m = map_of(in, 3);

	CU_ASSERT_EQUAL(e820_sanitize(&m), 0);
	CU_ASSERT_EQUAL(m.nr, 4);
	CU_ASSERT(entry_is(&m, 0, 0x0, 0x9f000, E820_RAM));
	CU_ASSERT(entry_is(&m, 1, 0x9f000, 0x1000, E820_RESERVED));
	CU_ASSERT(entry_is(&m, 2, 0xa0000, 0x60000, E820_RAM));
	CU_ASSERT(entry_is(&m, 3, 0x100000, 0x100000, E820_ACPI));
}

static void test_sanitize_merge_and_drop(void)
{
	const struct e820_entry in[] = {
		{ 0x3000, 0x1000, E820_RAM },
		{ 0x1000, 0x1000, E820_RAM },
		{ 0x5000, 0, E820_RESERVED },		/* empty */
		{ 0x2000, 0x1000, E820_RAM },		/* joins both */
		{ 0x2800, 0x800, E820_RAM },		/* inside, same type */
		{ 0x8000, 0x1000, 0 },			/* no type */
		{ 0x1000, 0x1000, E820_RAM },		/* duplicate */
	};
	struct e820_map m = map_of(in, 7);

	CU_ASSERT_EQUAL(e820_sanitize(&m), 0);
	CU_ASSERT_EQUAL(m.nr, 1);
	CU_ASSERT(entry_is(&m, 0, 0x1000, 0x3000, E820_RAM));
}

static void test_sanitize_priority(void)
{
	/* The higher number wins: RAM inside reserved vanishes, and PMEM (7)
	 * takes the start of the ACPI (3) range. */
	const struct e820_entry in[] = {
		{ 0x10000, 0x10000, E820_RESERVED },
		{ 0x14000, 0x1000, E820_RAM },
		{ 0x18000, 0x10000, E820_ACPI },
		{ 0x18000, 0x4000, E820_PMEM },
	};
	struct e820_map m = map_of(in, 4);

	CU_ASSERT_EQUAL(e820_sanitize(&m), 0);
	CU_ASSERT_EQUAL(m.nr, 3);
	CU_ASSERT(entry_is(&m, 0, 0x10000, 0x8000, E820_RESERVED));
	CU_ASSERT(entry_is(&m, 1, 0x18000, 0x4000, E820_PMEM));
	CU_ASSERT(entry_is(&m, 2, 0x1c000, 0xc000, E820_ACPI));
}

static void test_sanitize_wrap_and_full(void)
{
	struct e820_map m = { .nr = 1 };

	m.e[0] = (struct e820_entry){ UINT64_MAX - 0xfff, 0x2000, E820_RESERVED };
	CU_ASSERT_EQUAL(e820_sanitize(&m), 0);
	CU_ASSERT(entry_is(&m, 0, UINT64_MAX - 0xfff, 0xfff, E820_RESERVED));

	/* 64 separate RAM blocks, each with a reserved hole: 192 results. */
	m.nr = 0;
	for (u64 i = 0; i < 64; i++) {
		m.e[m.nr++] = (struct e820_entry){ i << 20, 0x10000, E820_RAM };
		m.e[m.nr++] = (struct e820_entry){ (i << 20) + 0x4000, 0x1000, E820_RESERVED };
	}
	CU_ASSERT_EQUAL(e820_sanitize(&m), -E2BIG);

	m.nr = E820_MAX + 1;
	CU_ASSERT_EQUAL(e820_sanitize(&m), -E2BIG);
}

/* Against a brute-force model: per 4 KiB page, the highest type covering
 * it.  Small random maps on a 64-page grid hit every overlap shape. */
static void test_sanitize_random(void)
{
	enum { PAGES = 64 };

	srand(820);
	for (int iter = 0; iter < 3000; iter++) {
		u32 want[PAGES] = { 0 }, got[PAGES] = { 0 };
		struct e820_map m = { .nr = 1 + rand() % 24 };

		for (u32 i = 0; i < m.nr; i++) {
			u64 a = rand() % PAGES, n = rand() % (PAGES - a + 1);
			u32 t = 1 + rand() % 5;

			m.e[i] = (struct e820_entry){ a << 12, n << 12, t };
			for (u64 p = a; p < a + n; p++)
				want[p] = MAX(want[p], t);
		}
		CU_ASSERT_EQUAL_FATAL(e820_sanitize(&m), 0);
		CU_ASSERT_FATAL(canonical(&m));
		for (u32 i = 0; i < m.nr; i++)
			for (u64 p = m.e[i].addr >> 12; p < (m.e[i].addr + m.e[i].size) >> 12; p++)
				got[p] = m.e[i].type;
		CU_ASSERT_FATAL(memcmp(want, got, sizeof(want)) == 0);
	}
}

static void test_add(void)
{
	struct e820_map m = { 0 };

	CU_ASSERT_EQUAL(e820_add(&m, 0x1000, 0x1000, E820_RAM), 0);
	CU_ASSERT_EQUAL(e820_add(&m, 0x2000, 0x1000, E820_RAM), 0);	/* merged */
	CU_ASSERT_EQUAL(e820_add(&m, 0x9000, 0, E820_RAM), 0);		/* ignored */
	CU_ASSERT_EQUAL(m.nr, 1);
	CU_ASSERT(entry_is(&m, 0, 0x1000, 0x2000, E820_RAM));
	CU_ASSERT_EQUAL(e820_add(&m, UINT64_MAX - 0xfff, 0x2000, E820_RAM), -EINVAL);
	CU_ASSERT_EQUAL(e820_add(&m, 0x5000, 0x1000, 0), -EINVAL);

	/* A full map of mergeable pieces makes room by sanitizing. */
	m.nr = 0;
	for (u64 i = 0; i < E820_MAX; i++)
		CU_ASSERT_EQUAL(e820_add(&m, (E820_MAX - i) << 12, 0x1000, E820_RAM), 0);
	CU_ASSERT_EQUAL(m.nr, E820_MAX);
	CU_ASSERT_EQUAL(e820_add(&m, 0x100000, 0x1000, E820_RESERVED), 0);
	CU_ASSERT_EQUAL(m.nr, 2);

	/* Disjoint entries cannot be merged: really full. */
	m.nr = 0;
	for (u64 i = 0; i < E820_MAX; i++)
		CU_ASSERT_EQUAL(e820_add(&m, i << 13, 0x1000, E820_RAM), 0);
	CU_ASSERT_EQUAL(e820_add(&m, 1ULL << 40, 0x1000, E820_RAM), -E2BIG);
}

static void test_set_range(void)
{
	const struct e820_entry in[] = {
		{ 0x0, 0x9f000, E820_RAM },
		{ 0x100000, 0x7ff00000, E820_RAM },
		{ 0xfee00000, 0x1000, E820_RESERVED },
	};
	struct e820_map m = map_of(in, 3);

	/* Punch reserved into the middle of RAM. */
	CU_ASSERT_EQUAL(e820_set_range(&m, 0x1000000, 0x200000, E820_RESERVED), 0);
	CU_ASSERT_EQUAL(m.nr, 5);
	CU_ASSERT(entry_is(&m, 1, 0x100000, 0xf00000, E820_RAM));
	CU_ASSERT(entry_is(&m, 2, 0x1000000, 0x200000, E820_RESERVED));
	CU_ASSERT(entry_is(&m, 3, 0x1200000, 0x7ee00000, E820_RAM));
	/* Give it back: RAM merges into one entry again. */
	CU_ASSERT_EQUAL(e820_set_range(&m, 0x1000000, 0x200000, E820_RAM), 0);
	CU_ASSERT_EQUAL(m.nr, 3);
	CU_ASSERT(entry_is(&m, 1, 0x100000, 0x7ff00000, E820_RAM));
	/* Lower type over higher: set_range forces it, unlike sanitize. */
	CU_ASSERT_EQUAL(e820_set_range(&m, 0xfee00000, 0x1000, E820_RAM), 0);
	CU_ASSERT(entry_is(&m, 2, 0xfee00000, 0x1000, E820_RAM));
	/* Across a gap and two entries, partly uncovered. */
	CU_ASSERT_EQUAL(e820_set_range(&m, 0x90000, 0x80000, E820_NVS), 0);
	CU_ASSERT(canonical(&m));
	CU_ASSERT(entry_is(&m, 0, 0x0, 0x90000, E820_RAM));
	CU_ASSERT(entry_is(&m, 1, 0x90000, 0x80000, E820_NVS));
	CU_ASSERT(entry_is(&m, 2, 0x110000, 0x7fef0000, E820_RAM));
	/* Beyond everything. */
	CU_ASSERT_EQUAL(e820_set_range(&m, 1ULL << 40, 0x1000, E820_PMEM), 0);
	CU_ASSERT(entry_is(&m, m.nr - 1, 1ULL << 40, 0x1000, E820_PMEM));

	CU_ASSERT_EQUAL(e820_set_range(&m, 0x1000, 0, E820_RAM), -EINVAL);
	CU_ASSERT_EQUAL(e820_set_range(&m, UINT64_MAX - 0xfff, 0x2000, E820_RAM), -EINVAL);
	CU_ASSERT_EQUAL(e820_set_range(&m, 0x1000, 0x1000, 0), -EINVAL);
}

static void test_set_range_full(void)
{
	struct e820_map m = { 0 }, before;

	for (u64 i = 0; i < E820_MAX; i++)
		m.e[m.nr++] = (struct e820_entry){ i << 20, 0x10000, E820_RAM };
	before = m;
	/* A split needs two more slots: refused, map unchanged. */
	CU_ASSERT_EQUAL(e820_set_range(&m, 0x4000, 0x1000, E820_RESERVED), -E2BIG);
	CU_ASSERT(memcmp(&m, &before, sizeof(m)) == 0);
	/* Already so: nothing to do even when full. */
	CU_ASSERT_EQUAL(e820_set_range(&m, 0x4000, 0x1000, E820_RAM), 0);
	/* Replacing a whole entry needs no room. */
	CU_ASSERT_EQUAL(e820_set_range(&m, 0x100000, 0x10000, E820_RESERVED), 0);
	CU_ASSERT(entry_is(&m, 1, 0x100000, 0x10000, E820_RESERVED));
}

static void test_queries(void)
{
	const struct e820_entry in[] = {
		{ 0x0, 0x9f000, E820_RAM },
		{ 0x9f000, 0x1000, E820_RESERVED },
		{ 0x100000, 0x100000, E820_RAM },
		{ 0x200000, 0x100000, E820_RAM },	/* touching RAM, unmerged */
		{ 0xfee00000, 0x1000, E820_RESERVED },
	};
	struct e820_map m = map_of(in, 5);

	CU_ASSERT(e820_range_is(&m, 0x1000, 0x2000, E820_RAM));
	CU_ASSERT(e820_range_is(&m, 0x180000, 0x100000, E820_RAM));	/* across both */
	CU_ASSERT(!e820_range_is(&m, 0x9e000, 0x2000, E820_RAM));	/* into reserved */
	CU_ASSERT(!e820_range_is(&m, 0x2ff000, 0x2000, E820_RAM));	/* past the end */
	CU_ASSERT(!e820_range_is(&m, 0xa0000, 0x1000, E820_RAM));	/* hole */
	CU_ASSERT(!e820_range_is(&m, 0x1000, 0, E820_RAM));
	CU_ASSERT(!e820_range_is(&m, UINT64_MAX, 2, E820_RAM));
	CU_ASSERT(e820_range_is(&m, 0x9f000, 0x1000, E820_RESERVED));

	CU_ASSERT_EQUAL(e820_top(&m, E820_RAM), 0x300000);
	CU_ASSERT_EQUAL(e820_top(&m, 0), 0xfee01000);
	CU_ASSERT_EQUAL(e820_top(&m, E820_ACPI), 0);
	CU_ASSERT_EQUAL(e820_total(&m, E820_RAM), 0x9f000 + 0x200000);
	CU_ASSERT_EQUAL(e820_total(&m, E820_RESERVED), 0x2000);
	CU_ASSERT_EQUAL(e820_total(&m, 0), 0x9f000 + 0x200000 + 0x2000);
}

static void test_service_vm(void)
{
	const struct e820_entry in[] = {
		{ 0x0, 0x9f000, E820_RAM },
		{ 0x100000, 0x3ff00000, E820_RAM },
	};
	struct e820_map machine = map_of(in, 2), sos;

	CU_ASSERT_EQUAL(e820_service_vm(&machine, 0x1000000, 0x400000, &sos), 0);
	CU_ASSERT_EQUAL(machine.nr, 2);	/* input untouched */
	CU_ASSERT_EQUAL(sos.nr, 4);
	CU_ASSERT(entry_is(&sos, 2, 0x1000000, 0x400000, E820_RESERVED));
	CU_ASSERT(!e820_range_is(&sos, 0x1000000, 0x1000, E820_RAM));
	CU_ASSERT_EQUAL(e820_total(&sos, E820_RAM), e820_total(&machine, E820_RAM) - 0x400000);
	CU_ASSERT_EQUAL(e820_service_vm(&machine, 0x1000000, 0, &sos), -EINVAL);
}

int register_e820_tests(void)
{
	static const struct unit_test tests[] = {
		{ "sanitize splits overlaps, higher type wins", test_sanitize_overlaps },
		{ "sanitize merges, drops empty and untyped", test_sanitize_merge_and_drop },
		{ "sanitize type priority", test_sanitize_priority },
		{ "sanitize wrapping entry, -E2BIG", test_sanitize_wrap_and_full },
		{ "sanitize matches a per-page model (random)", test_sanitize_random },
		{ "add merges, makes room, rejects bad ranges", test_add },
		{ "set_range splits, merges, overrides", test_set_range },
		{ "set_range on a full map", test_set_range_full },
		{ "range_is, top, total", test_queries },
		{ "service VM map reserves the hypervisor", test_service_vm },
	};

	return UNIT_SUITE("boot/e820", tests);
}
