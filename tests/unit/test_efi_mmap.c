/* hypervisor/boot/efi_mmap.c: UEFI memory map -> e820. */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "e820.h"

#define STRIDE	48	/* what most firmware reports: 40 + 8 bytes padding */

/* Writes one descriptor at @i with stride @stride; the pad bytes after
 * the struct are filled with junk to show they are skipped. */
static void put_desc(unsigned char *buf, u64 stride, unsigned int i, u32 type,
		     u64 start, u64 pages)
{
	unsigned char *d = buf + i * stride;

	memset(d, 0xa5, stride);
	memcpy(d + 0, &type, 4);
	memset(d + 4, 0, 4);
	memcpy(d + 8, &start, 8);
	memset(d + 16, 0, 8);
	memcpy(d + 24, &pages, 8);
	memset(d + 32, 0, 8);
}

static bool entry_is(const struct e820_map *m, u32 i, u64 addr, u64 size, u32 type)
{
	return i < m->nr && m->e[i].addr == addr && m->e[i].size == size &&
	       m->e[i].type == type;
}

static void test_types(void)
{
	/* One descriptor of each type, one page each at 16 KiB spacing so
	 * nothing merges: e820 type per EFI type 0..15 (15: unknown). */
	static const u32 want[] = { 2, 1, 1, 1, 1, 2, 2, 1, 5, 3, 4, 2, 2, 2, 7, 2 };
	unsigned char buf[16 * STRIDE];
	struct e820_map m;

	for (unsigned int t = 0; t < 16; t++)
		put_desc(buf, STRIDE, t, t, (u64)t << 14, 1);
	CU_ASSERT_EQUAL_FATAL(efi_mmap_to_e820(buf, sizeof(buf), STRIDE, &m), 0);
	CU_ASSERT_EQUAL_FATAL(m.nr, 16);
	for (unsigned int t = 0; t < 16; t++)
		CU_ASSERT(entry_is(&m, t, (u64)t << 14, 0x1000, want[t]));

	put_desc(buf, STRIDE, 0, 0x80000000, 0, 1);	/* OEM type */
	CU_ASSERT_EQUAL(efi_mmap_to_e820(buf, STRIDE, STRIDE, &m), 0);
	CU_ASSERT(entry_is(&m, 0, 0, 0x1000, E820_RESERVED));
}

static void test_merge_sort(void)
{
	unsigned char buf[5 * 40];
	struct e820_map m;

	/* Unsorted, the minimal 40-byte stride, boot-services memory
	 * between conventional memory joins it; empty descriptor dropped. */
	put_desc(buf, 40, 0, 7, 0x200000, 0x100);
	put_desc(buf, 40, 1, 7, 0x0, 0x9f);
	put_desc(buf, 40, 2, 4, 0x100000, 0x100);
	put_desc(buf, 40, 3, 3, 0x300000, 0x10);
	put_desc(buf, 40, 4, 6, 0x500000, 0);
	CU_ASSERT_EQUAL_FATAL(efi_mmap_to_e820(buf, sizeof(buf), 40, &m), 0);
	CU_ASSERT_EQUAL(m.nr, 2);
	CU_ASSERT(entry_is(&m, 0, 0x0, 0x9f000, E820_RAM));
	CU_ASSERT(entry_is(&m, 1, 0x100000, 0x210000, E820_RAM));

	CU_ASSERT_EQUAL(efi_mmap_to_e820(buf, 0, 40, &m), 0);	/* empty map */
	CU_ASSERT_EQUAL(m.nr, 0);
}

/* Real firmware maps often exceed 128 descriptors; contiguous runs of
 * RAM-like types must still fit. */
static void test_long_map(void)
{
	enum { N = 400 };
	unsigned char *buf = malloc(N * STRIDE);
	struct e820_map m;

	for (unsigned int i = 0; i < N; i++)
		put_desc(buf, STRIDE, i, i % 2 ? 4 : 7, (u64)i << 12, 1);
	CU_ASSERT_EQUAL(efi_mmap_to_e820(buf, N * STRIDE, STRIDE, &m), 0);
	CU_ASSERT_EQUAL(m.nr, 1);
	CU_ASSERT(entry_is(&m, 0, 0, (u64)N << 12, E820_RAM));

	/* Alternating RAM and reserved cannot merge: too many. */
	for (unsigned int i = 0; i < N; i++)
		put_desc(buf, STRIDE, i, i % 2 ? 0 : 7, (u64)i << 12, 1);
	CU_ASSERT_EQUAL(efi_mmap_to_e820(buf, N * STRIDE, STRIDE, &m), -E2BIG);
	free(buf);
}

static void test_malformed(void)
{
	unsigned char buf[2 * STRIDE];
	struct e820_map m;

	put_desc(buf, STRIDE, 0, 7, 0, 16);
	put_desc(buf, STRIDE, 1, 7, 0x100000, 16);
	CU_ASSERT_EQUAL(efi_mmap_to_e820(buf, sizeof(buf), 39, &m), -EINVAL);
	CU_ASSERT_EQUAL(efi_mmap_to_e820(buf, sizeof(buf), 0, &m), -EINVAL);
	CU_ASSERT_EQUAL(efi_mmap_to_e820(buf, sizeof(buf) - 8, STRIDE, &m), -EINVAL);
	CU_ASSERT_EQUAL(efi_mmap_to_e820(buf, STRIDE + 1, STRIDE, &m), -EINVAL);

	/* Page count whose byte size overflows 64 bits. */
	put_desc(buf, STRIDE, 1, 7, 0x100000, 1ULL << 52);
	CU_ASSERT_EQUAL(efi_mmap_to_e820(buf, sizeof(buf), STRIDE, &m), -EINVAL);
	/* Byte size fits, but the range wraps the address space. */
	put_desc(buf, STRIDE, 1, 7, 0xfffffffffff00000ULL, 0x200);
	CU_ASSERT_EQUAL(efi_mmap_to_e820(buf, sizeof(buf), STRIDE, &m), -EINVAL);
	/* Up to the last page below the top is fine. */
	put_desc(buf, STRIDE, 1, 7, 0xfffffffffff00000ULL, 0xff);
	CU_ASSERT_EQUAL(efi_mmap_to_e820(buf, sizeof(buf), STRIDE, &m), 0);
}

int register_efi_mmap_tests(void)
{
	static const struct unit_test tests[] = {
		{ "every EFI type maps to its e820 type", test_types },
		{ "unsorted map is sorted and merged", test_merge_sort },
		{ "more than E820_MAX descriptors", test_long_map },
		{ "bad desc_size, map_size, page counts", test_malformed },
	};

	return UNIT_SUITE("boot/efi_mmap", tests);
}
