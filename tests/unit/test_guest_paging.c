/* hypervisor/core/guest_paging.c: the guest page walk.  A host buffer
 * stands in for guest-physical memory from address 0; the page tables are
 * built in it by hand (not with lib/paging.c, so that the walker is checked
 * against an independent encoding of the formats).  Mapped frames need not
 * lie in the buffer: the walker only reads the tables. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "guest_paging.h"

#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define CR4_LA57	(1ULL << 12)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

#define P		0x001ULL	/* present */
#define RW		0x002ULL
#define US		0x004ULL
#define PWT		0x008ULL
#define PCD		0x010ULL
#define A		0x020ULL
#define D		0x040ULL
#define PS		0x080ULL
#define G		0x100ULL
#define PAT_LARGE	0x1000ULL	/* PAT bit of a 2 MiB / 1 GiB entry */
#define NX		(1ULL << 63)
#define PKEY(k)		((u64)(k) << 59)

#define MEM_PAGES	1024		/* 4 MiB of "guest memory" */
#define MEM_SIZE	(MEM_PAGES * PAGE_SIZE)
#define READ_ERR	(-ERANGE)	/* what the callback returns, to tell apart */

/* Guest-physical memory: the buffer, a bump allocator for table pages,
 * and read accounting / fault injection. */
struct gmem {
	u8 *buf;
	u64 next;		/* next free page (gpa) */
	long reads;
	long fail_after;	/* fail the read after this many; -1: never */
	bool misaligned;	/* the walker read an unaligned entry */
};

static struct gmem gm;

static int read8(void *ctx, u64 gpa, u64 *val)
{
	struct gmem *g = ctx;

	if (g->fail_after >= 0 && g->reads >= g->fail_after)
		return READ_ERR;
	g->reads++;
	if (gpa & 7)
		g->misaligned = true;
	if (gpa >= MEM_SIZE || MEM_SIZE - gpa < 8)
		return READ_ERR;
	memcpy(val, g->buf + gpa, 8);
	return 0;
}

static void gm_reset(void)
{
	if (!gm.buf)
		gm.buf = aligned_alloc(PAGE_SIZE, MEM_SIZE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(gm.buf);
	memset(gm.buf, 0, MEM_SIZE);
	gm.next = PAGE_SIZE;	/* keep page 0 empty: gpa 0 is never a table */
	gm.reads = 0;
	gm.fail_after = -1;
	gm.misaligned = false;
}

static u64 new_table(void)
{
	u64 pa = gm.next;

	CU_ASSERT_FATAL(pa + PAGE_SIZE <= MEM_SIZE);
	gm.next += PAGE_SIZE;
	return pa;
}

static u64 *entry(u64 table, unsigned idx)
{
	return (u64 *)(gm.buf + table) + idx;
}

static int translate(const struct guest_paging *gp, u64 gva, u64 *gpa)
{
	return guest_translate(gp, gva, read8, &gm, gpa);
}

static struct guest_paging mode_4level(u64 cr3)
{
	return (struct guest_paging){ .cr0 = CR0_PG | 1, .cr3 = cr3,
				      .cr4 = CR4_PAE, .efer = EFER_LME | EFER_LMA };
}

static struct guest_paging mode_pae(u64 cr3)
{
	return (struct guest_paging){ .cr0 = CR0_PG | 1, .cr3 = cr3, .cr4 = CR4_PAE };
}

/* Table builder.  @levels is 4 (IA-32e, root = PML4) or 3 (PAE, root =
 * the 4-entry PDPT, 32-byte aligned).  Maps [gva, gva + size) to gpa with
 * a single leaf of @size (4 KiB, 2 MiB or 1 GiB) and flags @flags;
 * intermediate tables get @tflags.  Returns false, changing nothing that a
 * later walk could see, if the range overlaps an existing mapping. */
struct builder {
	int levels;
	u64 root;
	u64 tflags;
};

static int leaf_level(u64 size)
{
	return size == PAGE_SIZE ? 1 : size == 2 * MiB ? 2 : 3;
}

static bool map(const struct builder *b, u64 gva, u64 gpa, u64 size, u64 flags)
{
	int target = leaf_level(size);
	u64 table = b->root;

	for (int l = b->levels; ; l--) {
		unsigned shift = 12 + 9 * (unsigned)(l - 1);
		unsigned idx = (unsigned)(gva >> shift) & (l == 3 && b->levels == 3 ? 3 : 511);
		u64 *e = entry(table, idx);

		if (l == target) {
			if (*e & P)
				return false;
			*e = gpa | flags | P | (l > 1 ? PS : 0);
			return true;
		}
		if (*e & P) {
			if (l != 3 || b->levels != 3) {
				if (*e & PS)
					return false;
			}
		} else {
			/* PAE PDPTEs carry P only (RW/US are reserved there). */
			*e = new_table() | P | (l == 3 && b->levels == 3 ? 0 : b->tflags);
		}
		table = *e & 0x000ffffffffff000ULL;
	}
}

static struct builder new_4level(void)
{
	return (struct builder){ .levels = 4, .root = new_table(), .tflags = RW | US | A };
}

/* --- paging off, unsupported modes ------------------------------------- */

static void test_paging_off(void)
{
	static const u64 cases[][2] = {
		{ 0, 0 },
		{ 0x12345678, 0x12345678 },
		{ 0xfffffff0, 0xfffffff0 },
		{ 0x100000000ULL, 0 },				/* truncated */
		{ 0xffffffff81000123ULL, 0x81000123 },
		{ 0xdeadbeefcafef00dULL, 0xcafef00d },
	};
	/* PG clear: identity whatever CR3, CR4 and EFER say. */
	const struct guest_paging modes[] = {
		{ .cr0 = 0 },
		{ .cr0 = 1, .cr3 = ~0ULL, .cr4 = CR4_PAE | CR4_LA57 },
		{ .cr0 = 0x60000011, .cr3 = 0x1000, .cr4 = CR4_PAE, .efer = EFER_LME },
	};

	gm_reset();
	for (size_t m = 0; m < ARRAY_SIZE(modes); m++) {
		for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
			u64 gpa = 0x5a5a;

			CU_ASSERT_EQUAL(translate(&modes[m], cases[i][0], &gpa), 0);
			CU_ASSERT_EQUAL(gpa, cases[i][1]);
		}
	}
	CU_ASSERT_EQUAL(gm.reads, 0);
}

static void test_unsupported_modes(void)
{
	struct builder b;
	struct guest_paging gp;
	u64 gpa = 0x5a5a;

	gm_reset();
	b = new_4level();
	CU_ASSERT(map(&b, 0x400000, 0x800000, PAGE_SIZE, RW));

	/* 32-bit paging (PG without PAE), with and without PSE */
	gp = (struct guest_paging){ .cr0 = CR0_PG | 1, .cr3 = b.root };
	CU_ASSERT_EQUAL(translate(&gp, 0x400000, &gpa), -EOPNOTSUPP);
	gp.cr4 = 1ULL << 4;	/* PSE */
	CU_ASSERT_EQUAL(translate(&gp, 0x400000, &gpa), -EOPNOTSUPP);

	/* 5-level paging */
	gp = mode_4level(b.root);
	gp.cr4 |= CR4_LA57;
	CU_ASSERT_EQUAL(translate(&gp, 0x400000, &gpa), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(translate(&gp, 0xff00000000000000ULL, &gpa), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(gm.reads, 0);
	CU_ASSERT_EQUAL(gpa, 0x5a5a);	/* untouched on failure */

	/* The same tables without LA57 do translate. */
	gp.cr4 &= ~CR4_LA57;
	CU_ASSERT_EQUAL(translate(&gp, 0x400123, &gpa), 0);
	CU_ASSERT_EQUAL(gpa, 0x800123);
}

/* --- IA-32e 4-level ----------------------------------------------------- */

static void test_4k_pages(void)
{
	struct builder b;
	struct guest_paging gp;
	u64 gpa;

	gm_reset();
	b = new_4level();
	CU_ASSERT(map(&b, 0x0000, 0x7000, PAGE_SIZE, RW));
	CU_ASSERT(map(&b, 0x1000, 0xfee00000, PAGE_SIZE, RW | PCD | PWT | NX));
	CU_ASSERT(map(&b, 0x7ffff000, 0x123456789000ULL, PAGE_SIZE, G | D | A | US));
	/* Flag and ignored bits above the address, including bits 62:52. */
	CU_ASSERT(map(&b, 0x40000000, 0xabc000, PAGE_SIZE, NX | PKEY(15) | (0x7fULL << 52)));
	CU_ASSERT(map(&b, 0x00007ffffffff000ULL, 0x000ffffffffff000ULL, PAGE_SIZE, RW));
	gp = mode_4level(b.root);

	static const u64 cases[][2] = {
		{ 0x0000, 0x7000 }, { 0x0001, 0x7001 }, { 0x0fff, 0x7fff },
		{ 0x1000, 0xfee00000 }, { 0x10b0, 0xfee000b0 }, { 0x1ffc, 0xfee00ffc },
		{ 0x7ffff000, 0x123456789000ULL }, { 0x7fffffff, 0x123456789fffULL },
		{ 0x40000000, 0xabc000 }, { 0x40000abc, 0xabcabc },
		{ 0x00007fffffffffffULL, 0x000fffffffffffffULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		gpa = 0;
		CU_ASSERT_EQUAL(translate(&gp, cases[i][0], &gpa), 0);
		CU_ASSERT_EQUAL(gpa, cases[i][1]);
	}
	/* Neighbours of the mappings are not mapped. */
	CU_ASSERT_EQUAL(translate(&gp, 0x2000, &gpa), -EFAULT);
	CU_ASSERT_EQUAL(translate(&gp, 0x7fffe000, &gpa), -EFAULT);
	CU_ASSERT_EQUAL(translate(&gp, 0x80000000, &gpa), -EFAULT);
	CU_ASSERT_EQUAL(translate(&gp, 0x40001000, &gpa), -EFAULT);
	CU_ASSERT(!gm.misaligned);

	/* A 4-level walk of a 4 KiB page reads exactly four entries. */
	gm.reads = 0;
	CU_ASSERT_EQUAL(translate(&gp, 0x1234, &gpa), 0);
	CU_ASSERT_EQUAL(gm.reads, 4);

	/* CR3's low bits (PCID, or PWT/PCD) and bits above 51 do not move
	 * the root. */
	gp.cr3 = b.root | 0xfff;
	CU_ASSERT_EQUAL(translate(&gp, 0x10b0, &gpa), 0);
	CU_ASSERT_EQUAL(gpa, 0xfee000b0);
	gp.cr3 = b.root | (1ULL << 63);	/* the no-flush bit of MOV to CR3 */
	CU_ASSERT_EQUAL(translate(&gp, 0x10b0, &gpa), 0);
	CU_ASSERT_EQUAL(gpa, 0xfee000b0);
}

static void test_2m_pages(void)
{
	struct builder b;
	struct guest_paging gp;
	u64 gpa, *pde;

	gm_reset();
	b = new_4level();
	CU_ASSERT(map(&b, 0x200000, 0x40000000, 2 * MiB, RW));
	CU_ASSERT(map(&b, 0xffffffff80000000ULL, 0x1000000, 2 * MiB, RW | G | NX));
	/* The PAT bit (12) of a large page is not an address bit. */
	CU_ASSERT(map(&b, 0x600000, 0xe00000, 2 * MiB, PAT_LARGE | PCD));
	/* 4 KiB pages beside 2 MiB ones in the same page directory */
	CU_ASSERT(map(&b, 0x400000, 0x9000, PAGE_SIZE, RW));
	gp = mode_4level(b.root);

	static const u64 cases[][2] = {
		{ 0x200000, 0x40000000 }, { 0x212345, 0x40012345 },
		{ 0x3fffff, 0x401fffff },
		{ 0xffffffff80000000ULL, 0x1000000 }, { 0xffffffff801fffffULL, 0x11fffff },
		{ 0xffffffff80123456ULL, 0x1123456 },
		{ 0x600000, 0xe00000 }, { 0x7ff001, 0xfff001 },
		{ 0x400000, 0x9000 }, { 0x400fff, 0x9fff },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		gpa = 0;
		CU_ASSERT_EQUAL(translate(&gp, cases[i][0], &gpa), 0);
		CU_ASSERT_EQUAL(gpa, cases[i][1]);
	}
	CU_ASSERT_EQUAL(translate(&gp, 0x401000, &gpa), -EFAULT);
	CU_ASSERT_EQUAL(translate(&gp, 0x800000, &gpa), -EFAULT);
	CU_ASSERT_EQUAL(translate(&gp, 0x1fffff, &gpa), -EFAULT);
	/* a 2 MiB walk stops after three reads */
	gm.reads = 0;
	CU_ASSERT_EQUAL(translate(&gp, 0x212345, &gpa), 0);
	CU_ASSERT_EQUAL(gm.reads, 3);

	/* Reserved address bits 20:13 of a 2 MiB entry: -EFAULT, each one. */
	pde = entry(entry(entry(b.root, 0)[0] & ~0xfffULL, 0)[0] & ~0xfffULL, 1);
	CU_ASSERT_EQUAL(*pde, 0x40000000 | RW | PS | P);
	for (int bit = 13; bit <= 20; bit++) {
		u64 saved = *pde;

		*pde |= 1ULL << bit;
		gpa = 0x5a5a;
		CU_ASSERT_EQUAL(translate(&gp, 0x212345, &gpa), -EFAULT);
		CU_ASSERT_EQUAL(gpa, 0x5a5a);
		*pde = saved | PAT_LARGE;
		CU_ASSERT_EQUAL(translate(&gp, 0x212345, &gpa), 0);
		CU_ASSERT_EQUAL(gpa, 0x40012345);
		*pde = saved;
	}
}

static void test_1g_pages(void)
{
	struct builder b;
	struct guest_paging gp;
	u64 gpa, *pdpte;

	gm_reset();
	b = new_4level();
	CU_ASSERT(map(&b, 0, 0, 1 * GiB, RW));
	CU_ASSERT(map(&b, 3 * GiB, 0x7c0000000ULL, 1 * GiB, RW | PCD | PAT_LARGE));
	CU_ASSERT(map(&b, 0xffff888000000000ULL, 0x40000000, 1 * GiB, RW | NX | G));
	/* 2 MiB and 4 KiB pages in the next gigabyte, same PDPT */
	CU_ASSERT(map(&b, 1 * GiB, 0x200000, 2 * MiB, RW));
	CU_ASSERT(map(&b, 1 * GiB + 2 * MiB, 0x5000, PAGE_SIZE, RW));
	gp = mode_4level(b.root);

	static const u64 cases[][2] = {
		{ 0, 0 }, { 0x3fffffff, 0x3fffffff }, { 0x12345678, 0x12345678 },
		{ 3 * GiB, 0x7c0000000ULL }, { 3 * GiB + 0x2345678, 0x7c2345678ULL },
		{ 4 * GiB - 1, 0x7ffffffffULL },
		{ 0xffff888000000000ULL, 0x40000000 },
		{ 0xffff88803fffffffULL, 0x7fffffff },
		{ 0xffff888012345678ULL, 0x52345678 },
		{ 1 * GiB + 0x1234, 0x201234 },
		{ 1 * GiB + 2 * MiB + 0x10, 0x5010 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		gpa = 0;
		CU_ASSERT_EQUAL(translate(&gp, cases[i][0], &gpa), 0);
		CU_ASSERT_EQUAL(gpa, cases[i][1]);
	}
	CU_ASSERT_EQUAL(translate(&gp, 2 * GiB, &gpa), -EFAULT);
	CU_ASSERT_EQUAL(translate(&gp, 4 * GiB, &gpa), -EFAULT);
	CU_ASSERT_EQUAL(translate(&gp, 0xffff888040000000ULL, &gpa), -EFAULT);
	gm.reads = 0;
	CU_ASSERT_EQUAL(translate(&gp, 3 * GiB + 5, &gpa), 0);
	CU_ASSERT_EQUAL(gm.reads, 2);

	/* Reserved address bits 29:13 of a 1 GiB entry: -EFAULT, each one. */
	pdpte = entry(entry(b.root, 0)[0] & ~0xfffULL, 3);
	CU_ASSERT_EQUAL(*pdpte, 0x7c0000000ULL | RW | PCD | PAT_LARGE | PS | P);
	for (int bit = 13; bit <= 29; bit++) {
		u64 saved = *pdpte;

		*pdpte |= 1ULL << bit;
		CU_ASSERT_EQUAL(translate(&gp, 3 * GiB + 5, &gpa), -EFAULT);
		*pdpte = saved;
	}
	CU_ASSERT_EQUAL(translate(&gp, 3 * GiB + 5, &gpa), 0);
	CU_ASSERT_EQUAL(gpa, 0x7c0000005ULL);
}

/* The kernel's text mapping: 0xffffffff81000000 is PML4 511, PDPT 510,
 * PD 8.  The tables are written by hand, with no builder, and decoy
 * entries beside the right ones. */
static void test_canonical_high(void)
{
	u64 pml4, pdpt, pd, pt, decoy, gpa;
	struct guest_paging gp;

	gm_reset();
	pml4 = new_table();
	pdpt = new_table();
	pd = new_table();
	pt = new_table();
	decoy = new_table();
	/* Every decoy entry is a leaf at 0xdec0000000 (1 GiB aligned, so
	 * valid at every level: a 1 GiB, 2 MiB or 4 KiB page). */
	for (unsigned i = 0; i < 512; i++)
		*entry(decoy, i) = 0xdec0000000ULL | PS | RW | P;
	*entry(pml4, 511) = pdpt | RW | P;
	*entry(pml4, 510) = decoy | RW | P;
	*entry(pml4, 255) = decoy | RW | P;	/* 0x00007f8000000000 */
	*entry(pml4, 0) = decoy | RW | P;
	*entry(pdpt, 510) = pd | RW | P;
	*entry(pdpt, 511) = decoy | RW | P;
	*entry(pdpt, 509) = decoy | RW | P;
	*entry(pd, 8) = 0x1000000 | PS | RW | G | P;	/* 2 MiB */
	*entry(pd, 9) = pt | RW | P;			/* 4 KiB pages */
	*entry(pd, 7) = decoy | RW | P;
	*entry(pt, 0) = 0x3000000 | RW | P;
	*entry(pt, 511) = 0x3fff000 | RW | P;
	gp = mode_4level(pml4);

	CU_ASSERT_EQUAL(translate(&gp, 0xffffffff81000000ULL, &gpa), 0);
	CU_ASSERT_EQUAL(gpa, 0x1000000);
	CU_ASSERT_EQUAL(translate(&gp, 0xffffffff811fffffULL, &gpa), 0);
	CU_ASSERT_EQUAL(gpa, 0x11fffff);
	CU_ASSERT_EQUAL(translate(&gp, 0xffffffff81200abcULL, &gpa), 0);
	CU_ASSERT_EQUAL(gpa, 0x3000abc);
	CU_ASSERT_EQUAL(translate(&gp, 0xffffffff813ffff0ULL, &gpa), 0);
	CU_ASSERT_EQUAL(gpa, 0x3fffff0);
	CU_ASSERT_EQUAL(translate(&gp, 0xffffffff81201000ULL, &gpa), -EFAULT);
	/* Decoys, one level off: PML4 510 (decoy as PDPT: 1 GiB page),
	 * PDPT 509 and 511 (as PD: 2 MiB), PD 7 (as PT: 4 KiB). */
	CU_ASSERT_EQUAL(translate(&gp, 0xffffff0000000000ULL + 0x12345678, &gpa), 0);
	CU_ASSERT_EQUAL(gpa, 0xded2345678ULL);
	CU_ASSERT_EQUAL(translate(&gp, 0xffffffff40000000ULL + 0x1fffff, &gpa), 0);
	CU_ASSERT_EQUAL(gpa, 0xdec01fffffULL);
	CU_ASSERT_EQUAL(translate(&gp, 0xffffffffc0000000ULL + 0x123, &gpa), 0);
	CU_ASSERT_EQUAL(gpa, 0xdec0000123ULL);
	CU_ASSERT_EQUAL(translate(&gp, 0xffffffff80e00456ULL, &gpa), 0);
	CU_ASSERT_EQUAL(gpa, 0xdec0000456ULL);
	/* The low half: PML4 0 and 255 (decoy as PDPT) */
	CU_ASSERT_EQUAL(translate(&gp, 0x00007fffffffffffULL, &gpa), 0);
	CU_ASSERT_EQUAL(gpa, 0xdeffffffffULL);
	CU_ASSERT_EQUAL(translate(&gp, 0x1234, &gpa), 0);
	CU_ASSERT_EQUAL(gpa, 0xdec0001234ULL);
	/* PML4 256 (0xffff800000000000) is empty */
	CU_ASSERT_EQUAL(translate(&gp, 0xffff800000000000ULL, &gpa), -EFAULT);
}

static void test_not_present(void)
{
	struct builder b;
	struct guest_paging gp;
	u64 gpa, pml4e, pdpte, pde, pte, *e[4];
	const u64 gva = 0x8040201000ULL + 0x123;	/* indices 1, 1, 1, 1 */

	gm_reset();
	b = new_4level();
	CU_ASSERT(map(&b, gva & ~0xfffULL, 0x77000, PAGE_SIZE, RW));
	gp = mode_4level(b.root);
	CU_ASSERT_EQUAL(translate(&gp, gva, &gpa), 0);
	CU_ASSERT_EQUAL(gpa, 0x77123);

	e[3] = entry(b.root, 1);
	pml4e = *e[3];
	e[2] = entry(pml4e & ~0xfffULL, 1);
	pdpte = *e[2];
	e[1] = entry(pdpte & ~0xfffULL, 1);
	pde = *e[1];
	e[0] = entry(pde & ~0xfffULL, 1);
	pte = *e[0];
	CU_ASSERT_EQUAL(pte, 0x77000 | RW | P);

	/* Clearing P at each level, whatever else the entry holds, and with
	 * every other level present. */
	for (int l = 0; l < 4; l++) {
		u64 saved = *e[l];

		for (int k = 0; k < 3; k++) {
			/* P clear, address intact; P clear, all else set;
			 * an all-zero entry */
			*e[l] = k == 0 ? saved & ~P : k == 1 ? ~P : 0;
			gpa = 0x5a5a;
			gm.reads = 0;
			CU_ASSERT_EQUAL(translate(&gp, gva, &gpa), -EFAULT);
			CU_ASSERT_EQUAL(gpa, 0x5a5a);
			CU_ASSERT_EQUAL(gm.reads, 4 - l);	/* stops there */
		}
		*e[l] = saved;
		CU_ASSERT_EQUAL(translate(&gp, gva, &gpa), 0);
	}
	CU_ASSERT_EQUAL(gpa, 0x77123);

	/* Not present at a large-page level too */
	*e[1] = (pde & ~0xfffULL & ~(2 * MiB - 1)) | PS | RW;
	CU_ASSERT_EQUAL(translate(&gp, gva, &gpa), -EFAULT);
	*e[2] = PS | RW;
	CU_ASSERT_EQUAL(translate(&gp, gva, &gpa), -EFAULT);
}

/* Errors of the read callback come back unchanged, from every read of
 * the walk; and a table pointer outside guest memory is one such error. */
static void test_read_errors(void)
{
	struct builder b;
	struct guest_paging gp;
	u64 gpa, *pde;

	gm_reset();
	b = new_4level();
	CU_ASSERT(map(&b, 0x1000, 0x2000, PAGE_SIZE, RW));
	CU_ASSERT(map(&b, 0x40000000, 0x80000000, 1 * GiB, RW));
	gp = mode_4level(b.root);

	for (long n = 0; n < 4; n++) {
		gm.reads = 0;
		gm.fail_after = n;
		gpa = 0x5a5a;
		CU_ASSERT_EQUAL(translate(&gp, 0x1000, &gpa), READ_ERR);
		CU_ASSERT_EQUAL(gpa, 0x5a5a);
	}
	gm.reads = 0;
	gm.fail_after = 4;	/* the walk needs only four */
	CU_ASSERT_EQUAL(translate(&gp, 0x1000, &gpa), 0);
	gm.reads = 0;
	gm.fail_after = 2;	/* the 1 GiB walk needs only two */
	CU_ASSERT_EQUAL(translate(&gp, 0x40000010, &gpa), 0);
	CU_ASSERT_EQUAL(gpa, 0x80000010);
	gm.fail_after = -1;

	/* CR3 beyond guest memory */
	gp.cr3 = MEM_SIZE;
	CU_ASSERT_EQUAL(translate(&gp, 0x1000, &gpa), READ_ERR);
	gp.cr3 = 0x000ffffffffff000ULL;
	CU_ASSERT_EQUAL(translate(&gp, 0x1000, &gpa), READ_ERR);
	gp.cr3 = b.root;

	/* A PDE pointing outside guest memory */
	pde = entry(entry(entry(b.root, 0)[0] & ~0xfffULL, 0)[0] & ~0xfffULL, 0);
	*pde = (MEM_SIZE + 0x10000) | RW | P;
	CU_ASSERT_EQUAL(translate(&gp, 0x1000, &gpa), READ_ERR);
	/* ... while a 2 MiB leaf there may point anywhere */
	*pde = 0x7fe00000ULL | PS | RW | P;
	CU_ASSERT_EQUAL(translate(&gp, 0x1000, &gpa), 0);
	CU_ASSERT_EQUAL(gpa, 0x7fe01000ULL);
}

/* --- PAE ---------------------------------------------------------------- */

static void test_pae(void)
{
	u64 page, pdpt, pd0, pd3, pt, gpa;
	struct guest_paging gp;

	gm_reset();
	/* The PDPT need only be 32-byte aligned: put it mid-page, after
	 * decoy entries that a page-aligned reading would pick up. */
	page = new_table();
	pdpt = page + 0x40;
	for (unsigned i = 0; i < 8; i++)
		*entry(page, i) = 0xbad000ULL | P;
	pd0 = new_table();
	pd3 = new_table();
	pt = new_table();
	*entry(pdpt, 0) = pd0 | P;
	*entry(pdpt, 1) = 0;			/* 1-2 GiB: nothing */
	*entry(pdpt, 2) = ~P & 0x000ffffffffff000ULL;	/* not present */
	*entry(pdpt, 3) = pd3 | P | PWT;
	*entry(pd0, 0) = pt | RW | P;
	*entry(pd0, 1) = 0x400000 | PS | RW | P | NX;	/* 0x200000: 2 MiB */
	*entry(pt, 0) = 0xb8000 | RW | P;
	*entry(pt, 0xb8) = 0x1234000ULL | RW | P | NX;
	*entry(pt, 511) = 0xfffff000ULL | RW | P;
	/* 0xc0000000 (the 3 GiB split of a 32-bit kernel) */
	*entry(pd3, 0) = 0x1000000 | PS | RW | G | P;
	*entry(pd3, 511) = pt | RW | P;		/* 0xffe00000: shares pt */
	*entry(pd3, 510) = 0xfee00000ULL | PS | PCD | P;
	gp = mode_pae(pdpt);

	static const u64 cases[][2] = {
		{ 0x0000, 0xb8000 }, { 0x0fff, 0xb8fff },
		{ 0xb8010, 0x1234010 },
		{ 0x1ff123, 0xfffff123 },
		{ 0x200000, 0x400000 }, { 0x3fffff, 0x5fffff },
		{ 0xc0000000, 0x1000000 }, { 0xc01fffff, 0x11fffff },
		{ 0xc0123456, 0x1123456 },
		{ 0xffe00000, 0xb8000 }, { 0xfffffffc, 0xffffffff - 3 },
		{ 0xffc000b0, 0xfee000b0 },
		/* bits above 31 of the linear address are ignored */
		{ 0x1c0000010ULL, 0x1000010 },
		{ 0xffffffff00000005ULL, 0xb8005 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		gpa = 0;
		CU_ASSERT_EQUAL(translate(&gp, cases[i][0], &gpa), 0);
		CU_ASSERT_EQUAL(gpa, cases[i][1]);
	}
	/* PDPTE, PDE, PTE not present */
	CU_ASSERT_EQUAL(translate(&gp, 0x40000000, &gpa), -EFAULT);
	CU_ASSERT_EQUAL(translate(&gp, 0x80001000, &gpa), -EFAULT);
	CU_ASSERT_EQUAL(translate(&gp, 0x400000, &gpa), -EFAULT);
	CU_ASSERT_EQUAL(translate(&gp, 0xc0200000, &gpa), -EFAULT);
	CU_ASSERT_EQUAL(translate(&gp, 0x1000, &gpa), -EFAULT);
	/* a walk reads the PDPTE, PDE and PTE */
	gm.reads = 0;
	CU_ASSERT_EQUAL(translate(&gp, 0xb8010, &gpa), 0);
	CU_ASSERT_EQUAL(gm.reads, 3);
	/* reserved bits 20:13 of a 2 MiB PAE entry */
	*entry(pd3, 0) |= 1ULL << 13;
	CU_ASSERT_EQUAL(translate(&gp, 0xc0000000, &gpa), -EFAULT);
	*entry(pd3, 0) &= ~(1ULL << 13);
	CU_ASSERT(!gm.misaligned);

	/* CR3 bits 4:0 (PWT, PCD, ignored) do not move the PDPT */
	gp.cr3 = pdpt | 0x18;
	CU_ASSERT_EQUAL(translate(&gp, 0xc0000001, &gpa), 0);
	CU_ASSERT_EQUAL(gpa, 0x1000001);

	/* LME set but LMA not yet: still PAE paging */
	gp.efer = EFER_LME;
	CU_ASSERT_EQUAL(translate(&gp, 0xc0000002, &gpa), 0);
	CU_ASSERT_EQUAL(gpa, 0x1000002);

	/* CR4.LA57 only selects 5-level paging in IA-32e mode; PAE paging
	 * ignores it (it may be set outside IA-32e mode). */
	gp.cr4 |= CR4_LA57;
	CU_ASSERT_EQUAL(translate(&gp, 0xc0000003, &gpa), 0);
	CU_ASSERT_EQUAL(gpa, 0x1000003);

	/* read errors: the PDPT read and later ones */
	gp.cr4 &= ~CR4_LA57;
	for (long n = 0; n < 3; n++) {
		gm.reads = 0;
		gm.fail_after = n;
		CU_ASSERT_EQUAL(translate(&gp, 0xb8010, &gpa), READ_ERR);
	}
	gm.fail_after = -1;
	gp.cr3 = (MEM_SIZE & 0xffffffe0) | 0x20;
	CU_ASSERT_EQUAL(translate(&gp, 0xb8010, &gpa), READ_ERR);
}

/* --- randomized cross-check --------------------------------------------- */

struct ref_map {
	u64 gva, gpa, size;
};

static u64 rng_state;

static u64 rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static u64 canonical(u64 va)
{
	return (u64)((s64)(va << 16) >> 16);
}

/* The reference: a linear search of the mappings made. */
static int ref_lookup(const struct ref_map *m, size_t n, u64 gva, u64 *gpa)
{
	for (size_t i = 0; i < n; i++) {
		if (gva - m[i].gva < m[i].size) {
			*gpa = m[i].gpa + (gva - m[i].gva);
			return 0;
		}
	}
	return -EFAULT;
}

static void cross_check(int levels, u64 seed)
{
	enum { NMAPS = 300, NPROBES = 20000 };
	static struct ref_map m[NMAPS];
	static const u64 sizes[] = { 4 * KiB, 2 * MiB, 1 * GiB };
	/* A few indices per level, so that tables are shared and leaves of
	 * all sizes sit side by side. */
	static const unsigned idx4[] = { 0, 1, 255, 256, 511 };
	static const unsigned idx3[] = { 0, 1, 2, 3, 510, 511 };
	static const unsigned idx21[] = { 0, 1, 7, 8, 255, 510, 511 };
	struct builder b;
	struct guest_paging gp;
	size_t n = 0;
	long hits = 0, misses = 0;

	gm_reset();
	rng_state = seed;
	if (levels == 4) {
		b = new_4level();
		gp = mode_4level(b.root);
	} else {
		u64 page = new_table();

		b = (struct builder){ .levels = 3, .root = page + 32 * (rnd() % 128),
				      .tflags = RW | US };
		gp = mode_pae(b.root);
	}

	for (int tries = 0; tries < 4 * NMAPS && n < NMAPS; tries++) {
		u64 size = sizes[rnd() % (levels == 4 ? 3 : 2)];
		u64 va = 0, pa;

		if (levels == 4)
			va |= (u64)idx4[rnd() % ARRAY_SIZE(idx4)] << 39;
		va |= (u64)(levels == 4 ? idx3[rnd() % ARRAY_SIZE(idx3)] : rnd() % 4) << 30;
		if (size < 1 * GiB)
			va |= (u64)idx21[rnd() % ARRAY_SIZE(idx21)] << 21;
		if (size < 2 * MiB)
			va |= (u64)idx21[rnd() % ARRAY_SIZE(idx21)] << 12;
		/* any frame below 2^52, aligned to the page size */
		pa = rnd() & 0x000ffffffffff000ULL & ~(size - 1);
		if (!map(&b, va, pa, size, (rnd() & (RW | US | PWT | PCD | A | D | G)) |
					   (rnd() & 1 ? NX : 0)))
			continue;
		m[n++] = (struct ref_map){ .gva = levels == 4 ? canonical(va) : va,
					   .gpa = pa, .size = size };
	}
	CU_ASSERT(n > NMAPS / 4);

	for (int i = 0; i < NPROBES; i++) {
		u64 gva, want = 0, got = 0x5a5a;
		int want_ret, ret;

		switch (rnd() % 3) {
		case 0:		/* inside a mapping */
		case 1: {
			const struct ref_map *r = &m[rnd() % n];

			gva = r->gva + rnd() % r->size;
			break;
		}
		default:	/* anywhere, mostly unmapped */
			gva = levels == 4 ? canonical(rnd()) : rnd();
			break;
		}
		/* PAE ignores bits 63:32 of the address */
		if (levels == 3 && rnd() % 2)
			gva |= rnd() << 32;
		want_ret = ref_lookup(m, n, levels == 3 ? gva & 0xffffffffULL : gva, &want);
		ret = translate(&gp, gva, &got);
		CU_ASSERT_EQUAL(ret, want_ret);
		if (ret == 0 && want_ret == 0)
			CU_ASSERT_EQUAL(got, want);
		if (ret != want_ret || (ret == 0 && got != want))
			break;	/* one report is enough */
		if (want_ret == 0)
			hits++;
		else
			misses++;
	}
	CU_ASSERT(hits > NPROBES / 2);
	CU_ASSERT(misses > 0);
	CU_ASSERT(!gm.misaligned);
}

static void test_random_4level(void)
{
	cross_check(4, 0x9e3779b97f4a7c15ULL);
	cross_check(4, 12345);
}

static void test_random_pae(void)
{
	cross_check(3, 0xdeadbeef);
	cross_check(3, 777);
}

/* The checks of a data access made for the guest (SDM 4.6): R/W and U/S
 * of every level, CR0.WP, and the #PF error code of each refusal. */
static int access(const struct guest_paging *gp, u64 gva, u32 acc, u32 *err)
{
	u64 gpa;

	return guest_translate_access(gp, gva, acc, read8, &gm, &gpa, err);
}

static void test_access_checks(void)
{
	const u32 W = GUEST_ACCESS_WRITE, U = GUEST_ACCESS_USER;
	struct builder b, sup;
	struct guest_paging gp;
	u32 err;

	gm_reset();
	b = new_4level();
	CU_ASSERT(map(&b, 0x1000, 0x11000, PAGE_SIZE, RW | US));
	CU_ASSERT(map(&b, 0x2000, 0x12000, PAGE_SIZE, US));
	CU_ASSERT(map(&b, 0x3000, 0x13000, PAGE_SIZE, RW));
	CU_ASSERT(map(&b, 0x4000, 0x14000, PAGE_SIZE, 0));
	CU_ASSERT(map(&b, 0x200000, 0x400000, 2 * MiB, US));	/* large, RO */
	gp = mode_4level(b.root);
	gp.cr0 |= 1ULL << 16;					/* WP */

	CU_ASSERT_EQUAL(access(&gp, 0x1000, U | W, &err), 0);
	CU_ASSERT_EQUAL(err, GUEST_PF_NONE);
	CU_ASSERT_EQUAL(access(&gp, 0x2000, U, &err), 0);
	CU_ASSERT_EQUAL(access(&gp, 0x2000, U | W, &err), -EACCES);
	CU_ASSERT_EQUAL(err, 7);		/* P | W | U */
	CU_ASSERT_EQUAL(access(&gp, 0x3000, U, &err), -EACCES);
	CU_ASSERT_EQUAL(err, 5);		/* P | U */
	CU_ASSERT_EQUAL(access(&gp, 0x3000, W, &err), 0);
	CU_ASSERT_EQUAL(access(&gp, 0x4000, 0, &err), 0);
	CU_ASSERT_EQUAL(access(&gp, 0x4000, W, &err), -EACCES);
	CU_ASSERT_EQUAL(err, 3);		/* P | W */
	CU_ASSERT_EQUAL(access(&gp, 0x2000, W, &err), -EACCES);
	CU_ASSERT_EQUAL(access(&gp, 0x234567, U | W, &err), -EACCES);
	CU_ASSERT_EQUAL(access(&gp, 0x234567, U, &err), 0);
	/* CR0.WP clear: supervisor writes ignore R/W, user ones do not */
	gp.cr0 &= ~(1ULL << 16);
	CU_ASSERT_EQUAL(access(&gp, 0x4000, W, &err), 0);
	CU_ASSERT_EQUAL(access(&gp, 0x2000, W, &err), 0);
	CU_ASSERT_EQUAL(access(&gp, 0x2000, U | W, &err), -EACCES);
	/* not present: the error code has P clear */
	CU_ASSERT_EQUAL(access(&gp, 0x5000, U | W, &err), -EFAULT);
	CU_ASSERT_EQUAL(err, 6);
	CU_ASSERT_EQUAL(access(&gp, 0x5000, 0, &err), -EFAULT);
	CU_ASSERT_EQUAL(err, 0);
	/* a failed table read is no #PF */
	gm.reads = 0;
	gm.fail_after = 1;
	CU_ASSERT_EQUAL(access(&gp, 0x1000, U, &err), READ_ERR);
	CU_ASSERT_EQUAL(err, GUEST_PF_NONE);
	gm.fail_after = -1;
	/* an upper level without U/S or R/W restricts the whole subtree */
	sup = (struct builder){ .levels = 4, .root = new_table(), .tflags = RW | A };
	CU_ASSERT(map(&sup, 0x1000, 0x11000, PAGE_SIZE, RW | US));
	gp = mode_4level(sup.root);
	CU_ASSERT_EQUAL(access(&gp, 0x1000, U, &err), -EACCES);
	CU_ASSERT_EQUAL(access(&gp, 0x1000, W, &err), 0);
	sup = (struct builder){ .levels = 4, .root = new_table(), .tflags = US | A };
	CU_ASSERT(map(&sup, 0x1000, 0x11000, PAGE_SIZE, RW | US));
	gp = mode_4level(sup.root);
	gp.cr0 |= 1ULL << 16;
	CU_ASSERT_EQUAL(access(&gp, 0x1000, U | W, &err), -EACCES);
	CU_ASSERT_EQUAL(access(&gp, 0x1000, U, &err), 0);
}

static void test_cleanup(void)
{
	free(gm.buf);
	gm.buf = NULL;
}

int register_guest_paging_tests(void)
{
	static const struct unit_test tests[] = {
		{ "paging off: identity, 32 bits", test_paging_off },
		{ "32-bit and 5-level paging refused", test_unsupported_modes },
		{ "4-level, 4 KiB pages", test_4k_pages },
		{ "4-level, 2 MiB pages, reserved bits", test_2m_pages },
		{ "4-level, 1 GiB pages, reserved bits", test_1g_pages },
		{ "canonical high addresses", test_canonical_high },
		{ "not present at each level", test_not_present },
		{ "read errors propagate", test_read_errors },
		{ "access checks: R/W, U/S, CR0.WP, #PF error codes", test_access_checks },
		{ "PAE paging", test_pae },
		{ "random mappings vs reference, 4-level", test_random_4level },
		{ "random mappings vs reference, PAE", test_random_pae },
		{ "cleanup", test_cleanup },
	};

	return UNIT_SUITE("core/guest_paging", tests);
}
