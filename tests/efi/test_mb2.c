/* The multiboot2 builder (hypervisor/efi/mb2.c), and a round trip of a
 * built block through the hypervisor's own parser (boot/multiboot2.c), so
 * the two ends of the EFI handoff are checked against each other. */
#include <string.h>

#include "bootinfo.h"
#include "mb2.h"
#include "tests.h"

static u64 buf[512];	/* 4 KiB, 8-byte aligned */
static struct mb2_builder b;

static u32 rd32(const void *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return v;
}

/* The tag of @type in a finished block, checking the walk on the way. */
static const u8 *find_tag(const void *block, u32 type)
{
	const u8 *p = block;
	u32 total = rd32(p), off = 8;

	while (off + 8 <= total) {
		u32 t = rd32(p + off), size = rd32(p + off + 4);

		CU_ASSERT_EQUAL(off % 8, 0);
		if (t == type)
			return p + off;
		if (t == MB2_TAG_END)
			break;
		off += (size + 7) & ~7u;
	}
	return NULL;
}

/* A valid RSDP: revision 2 (36 bytes) or 0 (20 bytes). */
static void make_rsdp(u8 *r, int rev)
{
	u8 sum = 0;
	u32 len = 36;
	int i;

	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "ISLET ", 6);
	r[15] = (u8)rev;
	r[16] = 0x00;
	r[17] = 0xe0;
	r[18] = 0x0f;
	for (i = 0; i < 20; i++)
		sum += r[i];
	r[8] = (u8)-sum;
	if (rev >= 2) {
		memcpy(r + 20, &len, 4);
		r[24] = 0x40;
		sum = 0;
		for (i = 0; i < 36; i++)
			sum += r[i];
		r[32] = (u8)-sum;
	}
}

static void test_mb2_layout(void)
{
	const u8 *t;
	s64 total;

	CU_ASSERT_EQUAL(mb2_init(&b, buf, sizeof(buf)), 0);
	CU_ASSERT_EQUAL(mb2_add_string(&b, MB2_TAG_CMDLINE, "console=ttyS0"), 0);
	CU_ASSERT_EQUAL(mb2_add_module(&b, 0x1000000, 0x1000123, "kernel",
				       "root=/dev/vda"), 0);
	CU_ASSERT_EQUAL(mb2_add_module(&b, 0x2000000, 0x2000000, "initrd", NULL),
			0);
	CU_ASSERT_EQUAL(mb2_add_efi64(&b, 0x1f000018ULL), 0);
	total = mb2_finish(&b);
	CU_ASSERT_EQUAL(total, (s64)b.len);
	CU_ASSERT_EQUAL(rd32(buf), (u32)total);
	CU_ASSERT_EQUAL(rd32((u8 *)buf + 4), 0);
	CU_ASSERT_EQUAL(total % 8, 0);

	t = find_tag(buf, MB2_TAG_CMDLINE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(rd32(t + 4), 8 + sizeof("console=ttyS0"));
	CU_ASSERT_STRING_EQUAL((const char *)t + 8, "console=ttyS0");

	t = find_tag(buf, MB2_TAG_MODULE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(rd32(t + 8), 0x1000000);
	CU_ASSERT_EQUAL(rd32(t + 12), 0x1000123);
	CU_ASSERT_STRING_EQUAL((const char *)t + 16, "kernel root=/dev/vda");
	CU_ASSERT_EQUAL(rd32(t + 4), 16 + sizeof("kernel root=/dev/vda"));
	t += (rd32(t + 4) + 7) & ~7u;	/* the next tag is the initrd */
	CU_ASSERT_EQUAL(rd32(t), MB2_TAG_MODULE);
	CU_ASSERT_STRING_EQUAL((const char *)t + 16, "initrd");

	t = find_tag(buf, MB2_TAG_EFI64);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(rd32(t + 4), 16);
	CU_ASSERT_EQUAL(rd32(t + 8), 0x1f000018);

	t = find_tag(buf, MB2_TAG_END);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(rd32(t + 4), 8);
	CU_ASSERT_EQUAL(t + 8, (u8 *)buf + total);

	/* Nothing can follow the end tag. */
	CU_ASSERT_EQUAL(mb2_add_efi64(&b, 1), -ENOSPC);
	CU_ASSERT_EQUAL(mb2_finish(&b), -ENOSPC);
}

static void test_mb2_module_args(void)
{
	const u8 *t;

	mb2_init(&b, buf, sizeof(buf));
	CU_ASSERT_EQUAL(mb2_add_module(&b, 0, 4096, "kernel", ""), 0);
	/* mod_end is a u32: the module must end below 4 GiB. */
	CU_ASSERT_EQUAL(mb2_add_module(&b, 0xfffff000ULL, 0xffffffffULL,
				       "kernel", "x"), 0);
	CU_ASSERT_EQUAL(mb2_add_module(&b, 0xfffff000ULL, 0x100000000ULL,
				       "kernel", "x"), -ERANGE);
	CU_ASSERT_EQUAL(mb2_add_module(&b, 8192, 4096, "kernel", "x"), -ERANGE);
	mb2_finish(&b);
	t = find_tag(buf, MB2_TAG_MODULE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_STRING_EQUAL((const char *)t + 16, "kernel");
}

static void test_mb2_acpi(void)
{
	u8 r2[36], r0[36];
	const u8 *t;

	make_rsdp(r2, 2);
	make_rsdp(r0, 0);
	mb2_init(&b, buf, sizeof(buf));
	CU_ASSERT_EQUAL(mb2_add_acpi(&b, r2), 0);
	mb2_finish(&b);
	t = find_tag(buf, MB2_TAG_ACPI_NEW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(rd32(t + 4), 8 + 36);
	CU_ASSERT_EQUAL(memcmp(t + 8, r2, 36), 0);
	CU_ASSERT_PTR_NULL(find_tag(buf, MB2_TAG_ACPI_OLD));

	mb2_init(&b, buf, sizeof(buf));
	CU_ASSERT_EQUAL(mb2_add_acpi(&b, r0), 0);
	mb2_finish(&b);
	t = find_tag(buf, MB2_TAG_ACPI_OLD);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(rd32(t + 4), 8 + 20);
	CU_ASSERT_EQUAL(memcmp(t + 8, r0, 20), 0);
}

static void test_mb2_acpi_bad(void)
{
	u8 r[72];
	u32 len = 80;

	mb2_init(&b, buf, sizeof(buf));
	make_rsdp(r, 2);
	r[0] = 'X';
	CU_ASSERT_EQUAL(mb2_add_acpi(&b, r), -EINVAL);	/* signature */
	make_rsdp(r, 2);
	r[8]++;
	CU_ASSERT_EQUAL(mb2_add_acpi(&b, r), -EINVAL);	/* v1 checksum */
	make_rsdp(r, 2);
	r[32]++;
	CU_ASSERT_EQUAL(mb2_add_acpi(&b, r), -EINVAL);	/* extended checksum */
	make_rsdp(r, 2);
	memcpy(r + 20, &len, 4);
	CU_ASSERT_EQUAL(mb2_add_acpi(&b, r), -EINVAL);	/* Length > 64 */
	CU_ASSERT_EQUAL(mb2_add_acpi(&b, NULL), -EINVAL);
	CU_ASSERT_EQUAL(b.len, 8);			/* nothing added */
}

static void test_mb2_full(void)
{
	static char s[200];
	u64 len;

	memset(s, 'a', sizeof(s) - 1);
	CU_ASSERT_EQUAL(mb2_init(&b, buf, 256), 0);
	CU_ASSERT_EQUAL(mb2_add_string(&b, MB2_TAG_CMDLINE, s), 0);
	len = b.len;
	CU_ASSERT_EQUAL(mb2_add_string(&b, MB2_TAG_CMDLINE, s), -ENOSPC);
	CU_ASSERT_EQUAL(mb2_add_module(&b, 0, 1, "kernel", s), -ENOSPC);
	CU_ASSERT_EQUAL(b.len, len);			/* left as it was */
	/* The end tag always still fits. */
	CU_ASSERT(mb2_finish(&b) > 0);
	CU_ASSERT(b.len <= 256);

	CU_ASSERT_EQUAL(mb2_init(&b, (u8 *)buf + 4, 256), -EINVAL);
	CU_ASSERT_EQUAL(mb2_init(&b, buf, 8), -EINVAL);
	CU_ASSERT_EQUAL(mb2_add_efi64(&b, 1), -ENOSPC);	/* failed init */
}

static void test_mb2_mmap(void)
{
	void *area;
	u64 area_size;
	const u8 *t;

	mb2_init(&b, buf, sizeof(buf));
	mb2_add_string(&b, MB2_TAG_CMDLINE, "x");
	CU_ASSERT_EQUAL(mb2_mmap_area(&b, &area, &area_size), 0);
	CU_ASSERT_EQUAL((u8 *)area - (u8 *)buf, b.len + MB2_EFI_MMAP_HDR);
	CU_ASSERT_EQUAL((uintptr_t)area % 8, 0);
	/* Everything up to the end of the buffer but the end tag. */
	CU_ASSERT_EQUAL((u8 *)area + area_size + 8, (u8 *)buf + sizeof(buf));

	CU_ASSERT_EQUAL(mb2_mmap_commit(&b, 100, 48, 1), -EINVAL); /* stride */
	CU_ASSERT_EQUAL(mb2_mmap_commit(&b, 96, 0, 1), -EINVAL);
	CU_ASSERT_EQUAL(mb2_mmap_commit(&b, area_size + 48, 48, 1), -ENOSPC);
	/* The largest map that fits still leaves room for the end tag. */
	CU_ASSERT_EQUAL(mb2_mmap_commit(&b, area_size - area_size % 48, 48, 1),
			0);
	CU_ASSERT(mb2_finish(&b) > 0);
	CU_ASSERT(b.len <= sizeof(buf));

	mb2_init(&b, buf, sizeof(buf));
	CU_ASSERT_EQUAL(mb2_mmap_area(&b, &area, &area_size), 0);
	memset(area, 0xab, 96);
	CU_ASSERT_EQUAL(mb2_mmap_commit(&b, 96, 48, 1), 0);
	CU_ASSERT(mb2_finish(&b) > 0);
	t = find_tag(buf, MB2_TAG_EFI_MMAP);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(rd32(t + 4), 16 + 96);
	CU_ASSERT_EQUAL(rd32(t + 8), 48);
	CU_ASSERT_EQUAL(rd32(t + 12), 1);
	CU_ASSERT_EQUAL(t[16], 0xab);
	CU_ASSERT_EQUAL(t[16 + 95], 0xab);
}

/* Builder -> mb2_parse(). */

struct efi_desc {			/* EFI_MEMORY_DESCRIPTOR */
	u32 type, pad;
	u64 phys, virt, pages, attr;
};

static void test_round_trip(void)
{
	static const struct { u32 type; u64 start, pages; } map[] = {
		{ 7, 0x0, 0xa0 },		/* conventional */
		{ 0, 0xa0000, 0x60 },		/* reserved */
		{ 4, 0x100000, 0x700 },		/* boot services data */
		{ 7, 0x800000, 0x7800 },
		{ 2, 0x8000000, 0x200 },	/* loader data: the image */
		{ 7, 0x8200000, 0x15df0 },
		{ 9, 0x1dff0000, 0x10 },	/* ACPI reclaim */
		{ 6, 0x1e000000, 0x100 },	/* runtime data */
	};
	static struct boot_info bi;
	const u32 stride = 48;		/* wider than the struct, as OVMF's */
	u8 rsdp[36];
	void *area;
	u64 area_size, i, ram = 0;
	s64 total;

	make_rsdp(rsdp, 2);
	mb2_init(&b, buf, sizeof(buf));
	CU_ASSERT_EQUAL(mb2_add_string(&b, MB2_TAG_CMDLINE, "loglevel=debug"), 0);
	CU_ASSERT_EQUAL(mb2_add_string(&b, MB2_TAG_LOADER_NAME, "islet.efi"), 0);
	CU_ASSERT_EQUAL(mb2_add_module(&b, 0x1d000000, 0x1d800123, "kernel",
				       "console=ttyS0 quiet"), 0);
	CU_ASSERT_EQUAL(mb2_add_module(&b, 0x1c000000, 0x1c001000, "initrd",
				       NULL), 0);
	CU_ASSERT_EQUAL(mb2_add_efi64(&b, 0x1f9ee018ULL), 0);
	CU_ASSERT_EQUAL(mb2_add_acpi(&b, rsdp), 0);
	CU_ASSERT_EQUAL(mb2_mmap_area(&b, &area, &area_size), 0);
	CU_ASSERT_FATAL(area_size >= ARRAY_SIZE(map) * stride);
	memset(area, 0, ARRAY_SIZE(map) * stride);
	for (i = 0; i < ARRAY_SIZE(map); i++) {
		struct efi_desc d = { .type = map[i].type, .phys = map[i].start,
				      .pages = map[i].pages };

		memcpy((u8 *)area + i * stride, &d, sizeof(d));
		if (map[i].type == 7 || map[i].type == 4 || map[i].type == 2)
			ram += map[i].pages * 4096;
	}
	CU_ASSERT_EQUAL(mb2_mmap_commit(&b, ARRAY_SIZE(map) * stride, stride, 1),
			0);
	total = mb2_finish(&b);
	CU_ASSERT_FATAL(total > 0);

	CU_ASSERT_EQUAL_FATAL(mb2_parse(buf, (u64)total, &bi), 0);
	CU_ASSERT_STRING_EQUAL(bi.cmdline, "loglevel=debug");
	CU_ASSERT_EQUAL_FATAL(bi.nr_modules, 2);
	CU_ASSERT_EQUAL(bi.modules[0].start, 0x1d000000);
	CU_ASSERT_EQUAL(bi.modules[0].end, 0x1d800123);
	CU_ASSERT_STRING_EQUAL(bi.modules[0].cmdline, "kernel console=ttyS0 quiet");
	CU_ASSERT_STRING_EQUAL(bi.modules[1].cmdline, "initrd");
	CU_ASSERT_EQUAL(bi.efi_system_table, 0x1f9ee018ULL);
	CU_ASSERT_EQUAL(bi.rsdp_len, 36);
	CU_ASSERT_EQUAL(memcmp(bi.rsdp, rsdp, 36), 0);
	CU_ASSERT(bi.from_efi_mmap);
	CU_ASSERT_EQUAL(e820_total(&bi.mem, E820_RAM), ram);
	CU_ASSERT(e820_range_is(&bi.mem, 0x1dff0000, 0x10000, E820_ACPI));
	CU_ASSERT(e820_range_is(&bi.mem, 0x1e000000, 0x100000, E820_RESERVED));

	/* A block cut short is refused by the parser. */
	CU_ASSERT_NOT_EQUAL(mb2_parse(buf, (u64)total - 8, &bi), 0);
}

int efi_mb2_tests(void)
{
	static const struct efi_test tests[] = {
		{ "layout", test_mb2_layout },
		{ "module strings and range", test_mb2_module_args },
		{ "ACPI tags", test_mb2_acpi },
		{ "bad RSDP", test_mb2_acpi_bad },
		{ "buffer full", test_mb2_full },
		{ "EFI memory map", test_mb2_mmap },
		{ "round trip through mb2_parse", test_round_trip },
	};

	return efi_add_suite("mb2", tests, ARRAY_SIZE(tests));
}
