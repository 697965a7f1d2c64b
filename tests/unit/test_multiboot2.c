/* hypervisor/boot/multiboot2.c: the loader's information block,
 * well-formed and malformed.  Blocks are parsed from heap copies of
 * their exact size, so ASan catches any read past the end. */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "bootinfo.h"

static u8 blk[16384] __aligned(8);
static u32 blen;
static struct boot_info bi;

struct mmap_ent {
	u64 base, len;
	u32 type;
};

static void mb_begin(void)
{
	memset(blk, 0, sizeof(blk));
	blen = 8;
}

/* Appends a tag with @plen payload bytes; returns the tag. */
static u8 *mb_tag(u32 type, const void *payload, u32 plen)
{
	u8 *t = blk + blen;
	u32 size = 8 + plen;

	memcpy(t, &type, 4);
	memcpy(t + 4, &size, 4);
	if (plen)
		memcpy(t + 8, payload, plen);
	blen += (size + 7) & ~7U;
	return t;
}

static void mb_string(u32 type, const char *s)
{
	mb_tag(type, s, strlen(s) + 1);
}

static void mb_module(u32 start, u32 end, const char *s)
{
	u8 p[256] = { 0 };

	memcpy(p, &start, 4);
	memcpy(p + 4, &end, 4);
	strcpy((char *)p + 8, s);
	mb_tag(3, p, 8 + strlen(s) + 1);
}

static void mb_mmap(const struct mmap_ent *e, u32 n, u32 esize)
{
	u8 p[4096] = { 0 };
	u32 version = 0;

	memcpy(p, &esize, 4);
	memcpy(p + 4, &version, 4);
	for (u32 i = 0; i < n; i++) {
		memcpy(p + 8 + i * esize, &e[i].base, 8);
		memcpy(p + 8 + i * esize + 8, &e[i].len, 8);
		memcpy(p + 8 + i * esize + 16, &e[i].type, 4);
	}
	mb_tag(6, p, 8 + n * esize);
}

/* Tag 17 with 40-byte EFI descriptors {type, start, pages}. */
static void mb_efi_mmap(const u64 (*d)[3], u32 n, u32 dsize)
{
	u8 p[4096] = { 0 };
	u32 version = 1;

	memcpy(p, &dsize, 4);
	memcpy(p + 4, &version, 4);
	for (u32 i = 0; i < n; i++) {
		u32 type = (u32)d[i][0];

		memcpy(p + 8 + i * dsize, &type, 4);
		memcpy(p + 8 + i * dsize + 8, &d[i][1], 8);
		memcpy(p + 8 + i * dsize + 24, &d[i][2], 8);
	}
	mb_tag(17, p, 8 + n * dsize);
}

static void mb_end(void)
{
	mb_tag(0, NULL, 0);
	memcpy(blk, &blen, 4);
}

static const struct mmap_ent std_mmap[] = {
	{ 0x100000, 0x3ff00000, 1 },
	{ 0x0, 0x9fc00, 1 },
	{ 0x9fc00, 0x400, 2 },
	{ 0xf0000, 0x10000, 2 },
	{ 0x3fff0000, 0x10000, 3 },	/* ACPI over the end of RAM */
};

/* Parses the first @len bytes of the block from an exact-size copy, with
 * @avail as the caller's bound. */
static int parse_copy(u32 len, u64 avail)
{
	u8 *copy = malloc(len ? len : 1);
	int ret;

	memcpy(copy, blk, len);
	ret = mb2_parse(copy, avail, &bi);
	free(copy);
	return ret;
}

static int parse(void)
{
	return parse_copy(blen, blen);
}

static void build_full(void)
{
	u8 meminfo[8] = { 0 }, rsdp2[36], rsdp1[20], loadbase[4] = { 1 };
	u64 st = 0x7fe8e018;

	memset(rsdp2, 0x22, sizeof(rsdp2));
	memcpy(rsdp2, "RSD PTR ", 8);
	memset(rsdp1, 0x11, sizeof(rsdp1));
	mb_begin();
	mb_string(1, "console=ttyS0 loglvl=4");
	mb_string(2, "GRUB 2.06");
	mb_module(0x2000000, 0x2a00000, "vmlinuz root=/dev/vda");
	mb_module(0x3000000, 0x3100000, "initrd");
	mb_tag(4, meminfo, sizeof(meminfo));
	mb_mmap(std_mmap, 5, 24);
	mb_tag(12, &st, 8);
	mb_tag(15, rsdp2, sizeof(rsdp2));
	mb_tag(14, rsdp1, sizeof(rsdp1));	/* v2 already seen: ignored */
	mb_tag(21, loadbase, sizeof(loadbase));	/* unknown here, 12 bytes */
	mb_end();
}

static void test_full(void)
{
	build_full();
	CU_ASSERT_EQUAL_FATAL(parse(), 0);
	CU_ASSERT_STRING_EQUAL(bi.cmdline, "console=ttyS0 loglvl=4");
	CU_ASSERT_EQUAL(bi.nr_modules, 2);
	CU_ASSERT_EQUAL(bi.modules[0].start, 0x2000000);
	CU_ASSERT_EQUAL(bi.modules[0].end, 0x2a00000);
	CU_ASSERT_STRING_EQUAL(bi.modules[0].cmdline, "vmlinuz root=/dev/vda");
	CU_ASSERT_STRING_EQUAL(bi.modules[1].cmdline, "initrd");
	CU_ASSERT_EQUAL(bi.efi_system_table, 0x7fe8e018);
	CU_ASSERT_EQUAL(bi.rsdp_len, 36);
	CU_ASSERT(memcmp(bi.rsdp, "RSD PTR ", 8) == 0 && bi.rsdp[35] == 0x22);
	CU_ASSERT(!bi.from_efi_mmap);
	/* Canonical: sorted, merged, ACPI carved out of RAM. */
	CU_ASSERT_EQUAL_FATAL(bi.mem.nr, 5);
	CU_ASSERT(bi.mem.e[0].addr == 0 && bi.mem.e[0].size == 0x9fc00 && bi.mem.e[0].type == 1);
	CU_ASSERT(bi.mem.e[1].addr == 0x9fc00 && bi.mem.e[1].type == 2);
	CU_ASSERT(bi.mem.e[2].addr == 0xf0000 && bi.mem.e[2].type == 2);
	CU_ASSERT(bi.mem.e[3].addr == 0x100000 && bi.mem.e[3].size == 0x3fef0000);
	CU_ASSERT(bi.mem.e[4].addr == 0x3fff0000 && bi.mem.e[4].type == 3);
	/* The caller may know more memory is readable than the block uses. */
	CU_ASSERT_EQUAL(parse_copy(blen, blen), 0);
}

static void test_acpi_tags(void)
{
	u8 rsdp1[20], rsdp2[36];

	memset(rsdp1, 0x11, sizeof(rsdp1));
	memset(rsdp2, 0x22, sizeof(rsdp2));
	mb_begin();
	mb_mmap(std_mmap, 1, 24);
	mb_tag(14, rsdp1, sizeof(rsdp1));
	mb_end();
	CU_ASSERT_EQUAL_FATAL(parse(), 0);
	CU_ASSERT_EQUAL(bi.rsdp_len, 20);
	CU_ASSERT(bi.rsdp[19] == 0x11 && bi.rsdp[20] == 0);
	CU_ASSERT_EQUAL(bi.efi_system_table, 0);

	mb_begin();
	mb_mmap(std_mmap, 1, 24);
	mb_tag(14, rsdp1, sizeof(rsdp1));
	mb_tag(15, rsdp2, sizeof(rsdp2));	/* v2 replaces v1 */
	mb_end();
	CU_ASSERT_EQUAL_FATAL(parse(), 0);
	CU_ASSERT_EQUAL(bi.rsdp_len, 36);
	CU_ASSERT(bi.rsdp[0] == 0x22 && bi.rsdp[35] == 0x22);

	mb_begin();
	mb_mmap(std_mmap, 1, 24);
	mb_end();
	CU_ASSERT_EQUAL_FATAL(parse(), 0);
	CU_ASSERT_EQUAL(bi.rsdp_len, 0);
	CU_ASSERT_EQUAL(bi.nr_modules, 0);
	CU_ASSERT_STRING_EQUAL(bi.cmdline, "");
}

static void test_efi_mmap_tag(void)
{
	static const u64 d[][3] = {
		{ 7, 0x0, 0x9f },
		{ 3, 0x100000, 0x100 },		/* boot services code: RAM */
		{ 7, 0x200000, 0x100 },
		{ 6, 0x300000, 0x10 },		/* runtime data: reserved */
		{ 9, 0x310000, 0x10 },		/* ACPI reclaim */
	};

	mb_begin();
	mb_efi_mmap(d, 5, 48);
	mb_end();
	CU_ASSERT_EQUAL_FATAL(parse(), 0);
	CU_ASSERT(bi.from_efi_mmap);
	CU_ASSERT_EQUAL_FATAL(bi.mem.nr, 4);
	CU_ASSERT(bi.mem.e[1].addr == 0x100000 && bi.mem.e[1].size == 0x200000 &&
		  bi.mem.e[1].type == E820_RAM);
	CU_ASSERT(bi.mem.e[2].type == E820_RESERVED && bi.mem.e[3].type == E820_ACPI);

	/* With both, the mmap tag is used, whatever the order. */
	mb_begin();
	mb_efi_mmap(d, 5, 48);
	mb_mmap(std_mmap, 2, 24);
	mb_end();
	CU_ASSERT_EQUAL_FATAL(parse(), 0);
	CU_ASSERT(!bi.from_efi_mmap);
	CU_ASSERT_EQUAL(bi.mem.nr, 2);

	/* A bad EFI map is an error when it is the one used. */
	mb_begin();
	mb_efi_mmap(d, 5, 32);
	mb_end();
	CU_ASSERT_EQUAL(parse(), -EINVAL);
}

static void test_mmap_entry_size(void)
{
	/* A larger entry_size than 24 is allowed; the extra is skipped. */
	mb_begin();
	mb_mmap(std_mmap, 5, 32);
	mb_end();
	CU_ASSERT_EQUAL_FATAL(parse(), 0);
	CU_ASSERT_EQUAL(bi.mem.nr, 5);

	mb_begin();
	mb_mmap(std_mmap, 5, 20);
	mb_end();
	CU_ASSERT_EQUAL(parse(), -EINVAL);

	mb_begin();
	mb_mmap(std_mmap, 5, 24);
	mb_end();
	/* Tag size not a whole number of entries: 5 * 24 - 4. */
	*(u32 *)(blk + 8 + 4) -= 4;
	CU_ASSERT_EQUAL(parse(), -EINVAL);

	mb_begin();
	mb_mmap(std_mmap, 0, 24);	/* a map with nothing in it */
	mb_end();
	CU_ASSERT_EQUAL(parse(), -EINVAL);

	{
		const struct mmap_ent wrap = { 0xfffffffffffff000ULL, 0x2000, 1 };

		mb_begin();
		mb_mmap(&wrap, 1, 24);
		mb_end();
		CU_ASSERT_EQUAL(parse(), -EINVAL);
	}
	{
		const struct mmap_ent zero_type = { 0x1000, 0x1000, 0 };

		mb_begin();
		mb_mmap(&zero_type, 1, 24);
		mb_end();
		CU_ASSERT_EQUAL_FATAL(parse(), 0);
		CU_ASSERT_EQUAL(bi.mem.e[0].type, E820_RESERVED);
	}
}

static void test_bad_block(void)
{
	u8 tiny[16] = { 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0 };

	/* The smallest valid block has no memory map. */
	CU_ASSERT_EQUAL(mb2_parse(tiny, 16, &bi), -EINVAL);
	CU_ASSERT_EQUAL(mb2_parse(NULL, 4096, &bi), -EINVAL);

	build_full();
	CU_ASSERT_EQUAL(parse_copy(blen, blen - 8), -EINVAL);	/* total > avail */
	CU_ASSERT_EQUAL(parse_copy(8, 8), -EINVAL);		/* avail < 16 */
	memcpy(blk, &(u32){ 8 }, 4);				/* total < 16 */
	CU_ASSERT_EQUAL(parse(), -EINVAL);

	/* Missing end tag: total stops right after the last real tag. */
	build_full();
	memcpy(blk, &(u32){ blen - 8 }, 4);
	CU_ASSERT_EQUAL(parse_copy(blen - 8, blen - 8), -EINVAL);

	/* End tag with the wrong size. */
	build_full();
	*(u32 *)(blk + blen - 4) = 16;
	CU_ASSERT_EQUAL(parse(), -EINVAL);

	/* First tag smaller than its header / running past the end. */
	build_full();
	*(u32 *)(blk + 12) = 4;
	CU_ASSERT_EQUAL(parse(), -EINVAL);
	*(u32 *)(blk + 12) = blen;
	CU_ASSERT_EQUAL(parse(), -EINVAL);
	*(u32 *)(blk + 12) = 0xfffffff9;	/* would wrap when aligned */
	CU_ASSERT_EQUAL(parse(), -EINVAL);

	/* No memory map at all. */
	mb_begin();
	mb_string(1, "x");
	mb_end();
	CU_ASSERT_EQUAL(parse(), -EINVAL);
}

/* A tag whose aligned size leaves no room for the end tag: here the
 * block ends exactly at the unpadded end of a 12-byte tag. */
static void test_padding_past_end(void)
{
	u32 v = 1;

	mb_begin();
	mb_mmap(std_mmap, 1, 24);
	mb_tag(21, &v, 4);
	memcpy(blk, &(u32){ blen - 4 }, 4);
	CU_ASSERT_EQUAL(parse_copy(blen - 4, blen - 4), -EINVAL);
}

static void test_bad_strings(void)
{
	char s[BOOT_CMDLINE_MAX + 1];

	memset(s, 'a', sizeof(s));
	s[BOOT_CMDLINE_MAX - 1] = 0;		/* 511 chars: fits */
	mb_begin();
	mb_mmap(std_mmap, 1, 24);
	mb_string(1, s);
	mb_end();
	CU_ASSERT_EQUAL(parse(), 0);
	CU_ASSERT_EQUAL(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);

	s[BOOT_CMDLINE_MAX - 1] = 'a';		/* 512 chars: too long */
	s[BOOT_CMDLINE_MAX] = 0;
	mb_begin();
	mb_mmap(std_mmap, 1, 24);
	mb_string(1, s);
	mb_end();
	CU_ASSERT_EQUAL(parse(), -E2BIG);

	/* Unterminated command line (no NUL within the tag). */
	mb_begin();
	mb_mmap(std_mmap, 1, 24);
	mb_tag(1, "abcd", 4);
	mb_end();
	CU_ASSERT_EQUAL(parse(), -EINVAL);

	/* Unterminated module string; module tag without a string. */
	mb_begin();
	mb_mmap(std_mmap, 1, 24);
	mb_tag(3, "\0\0\0\0\0\x10\0\0abc", 11);
	mb_end();
	CU_ASSERT_EQUAL(parse(), -EINVAL);
	mb_begin();
	mb_mmap(std_mmap, 1, 24);
	mb_tag(3, "\0\0\0\0\0\x10\0\0", 8);
	mb_end();
	CU_ASSERT_EQUAL(parse(), -EINVAL);
}

static void test_bad_modules(void)
{
	mb_begin();
	mb_mmap(std_mmap, 1, 24);
	mb_module(0x2000000, 0x1000000, "backwards");
	mb_end();
	CU_ASSERT_EQUAL(parse(), -EINVAL);

	mb_begin();
	mb_mmap(std_mmap, 1, 24);
	mb_module(0x2000000, 0x2000000, "empty is fine");
	mb_end();
	CU_ASSERT_EQUAL(parse(), 0);

	mb_begin();
	mb_mmap(std_mmap, 1, 24);
	for (int i = 0; i < BOOT_MAX_MODULES; i++)
		mb_module(i << 20, (i + 1) << 20, "m");
	mb_end();
	CU_ASSERT_EQUAL(parse(), 0);
	CU_ASSERT_EQUAL(bi.nr_modules, BOOT_MAX_MODULES);

	mb_begin();
	mb_mmap(std_mmap, 1, 24);
	for (int i = 0; i <= BOOT_MAX_MODULES; i++)
		mb_module(i << 20, (i + 1) << 20, "m");
	mb_end();
	CU_ASSERT_EQUAL(parse(), -E2BIG);
}

static void test_short_tags(void)
{
	static const u32 types[] = { 12, 14, 15, 6, 17 };
	u8 junk[40] = { 0 };

	/* Each fixed-size tag one byte short of what it must hold. */
	static const u32 need[] = { 8, 20, 36, 8, 8 };

	for (unsigned int i = 0; i < 5; i++) {
		mb_begin();
		mb_mmap(std_mmap, 1, 24);
		mb_tag(types[i], junk, need[i] - 1);
		mb_end();
		CU_ASSERT_EQUAL(parse(), -EINVAL);
	}
}

/* Every truncation of a valid block is refused without reading past it. */
static void test_truncated(void)
{
	build_full();
	for (u32 t = 0; t < blen; t++) {
		u32 total = blen;

		if (t >= 4) {
			memcpy(blk, &t, 4);
			CU_ASSERT_EQUAL(parse_copy(t, t), -EINVAL);
			memcpy(blk, &total, 4);
		}
		CU_ASSERT_EQUAL(parse_copy(t, t), -EINVAL);	/* total > avail */
	}
}

/* Random corruption: whatever the result, no out-of-bounds access (ASan)
 * and a successful parse still yields sane output. */
static void test_corrupted(void)
{
	u8 good[sizeof(blk)];
	u32 len;

	build_full();
	len = blen;
	memcpy(good, blk, len);
	srand(2);
	for (int iter = 0; iter < 20000; iter++) {
		memcpy(blk, good, len);
		for (int k = 1 + rand() % 3; k; k--)
			blk[rand() % len] ^= (u8)(1 + rand() % 255);
		if (parse_copy(len, len))
			continue;
		CU_ASSERT_FATAL(bi.nr_modules <= BOOT_MAX_MODULES);
		CU_ASSERT_FATAL(memchr(bi.cmdline, 0, sizeof(bi.cmdline)) != NULL);
		CU_ASSERT_FATAL(bi.rsdp_len == 0 || bi.rsdp_len == 20 || bi.rsdp_len == 36);
		CU_ASSERT_FATAL(bi.mem.nr > 0 && bi.mem.nr <= E820_MAX);
		for (u32 i = 1; i < bi.mem.nr; i++)
			CU_ASSERT_FATAL(bi.mem.e[i - 1].addr + bi.mem.e[i - 1].size <= bi.mem.e[i].addr);
	}
}

int register_multiboot2_tests(void)
{
	static const struct unit_test tests[] = {
		{ "full GRUB-like block", test_full },
		{ "ACPI RSDP tags, v2 preferred", test_acpi_tags },
		{ "EFI memory map tag, mmap tag preferred", test_efi_mmap_tag },
		{ "mmap entry_size and contents", test_mmap_entry_size },
		{ "bad total size, tag sizes, end tag, no map", test_bad_block },
		{ "tag padding runs past the block", test_padding_past_end },
		{ "unterminated and too-long strings", test_bad_strings },
		{ "module ranges and count", test_bad_modules },
		{ "fixed-size tags too short", test_short_tags },
		{ "every truncation refused", test_truncated },
		{ "random corruption (ASan)", test_corrupted },
	};

	return UNIT_SUITE("boot/multiboot2", tests);
}
