/* The -k loader (devicemodel/boot/linux.c): a synthetic bzImage laid out
 * field by field, the state it starts in and the layout it gets, and
 * each refusal; plus the real kernel when the build fetched one.  Built
 * with the hypervisor's headers (e820.h), as linux.c is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e820.h"

#include "boot.h"
#include "dm_unit.h"
#include "pci.h"

#define RAM_SIZE	(64U << 20)
#define SETUP_SIZE	(5 * 512)
#define PM_SIZE		0x3000
#define IMG_SIZE	(SETUP_SIZE + PM_SIZE)
#define PREF		0x1000000ULL
#define INIT_SIZE	0x800000U

static struct dm_mem mem;
static struct islet_regs regs;
static struct dm_error err;
static uint8_t img[IMG_SIZE];
static uint8_t initrd[0x2345];
static struct dm_linux_boot lb;

static void put(uint8_t *p, unsigned int off, uint64_t v, unsigned int len)
{
	memcpy(p + off, &v, len);
}

static uint64_t get(const void *p, unsigned int off, unsigned int len)
{
	uint64_t v = 0;

	memcpy(&v, (const uint8_t *)p + off, len);
	return v;
}

/* Protocol 2.15 with the 64-bit entry, relocatable, 2 MiB aligned. */
static void make_image(void)
{
	memset(img, 0, sizeof(img));
	img[0x1f1] = 4;
	put(img, 0x1fe, 0xaa55, 2);
	img[0x200] = 0xeb;
	img[0x201] = 0x6a;
	memcpy(img + 0x202, "HdrS", 4);
	put(img, 0x206, 0x020f, 2);
	img[0x211] = 0x01;
	put(img, 0x22c, 0x7fffffff, 4);
	put(img, 0x230, 2U << 20, 4);
	img[0x234] = 1;
	put(img, 0x236, 0x3, 2);
	put(img, 0x238, 2047, 4);
	put(img, 0x258, PREF, 8);
	put(img, 0x260, INIT_SIZE, 4);
	for (unsigned int i = SETUP_SIZE; i < IMG_SIZE; i++)
		img[i] = (uint8_t)(i * 7);
}

static void setup(uint64_t ram)
{
	static uint8_t *buf;

	free(buf);
	buf = malloc(ram);
	memset(buf, 0x55, ram);
	memset(&mem, 0, sizeof(mem));
	dm_mem_layout(&mem, ram);
	mem.base = buf;
	memset(&err, 0, sizeof(err));
	make_image();
	for (unsigned int i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i ^ 0x5a);
	lb = (struct dm_linux_boot){
		.kernel = img, .kernel_size = sizeof(img),
		.initrd = initrd, .initrd_size = sizeof(initrd),
		.cmdline = "console=ttyS0 quiet", .rsdp = 0xf0000,
	};
}

static uint8_t *at(uint64_t gpa, uint64_t len)
{
	return dm_gpa(&mem, gpa, len);
}

static void test_layout(void)
{
	const uint8_t *zp;
	uint64_t rd_addr;

	setup(RAM_SIZE);
	CU_ASSERT_EQUAL_FATAL(dm_load_linux(&mem, &lb, &regs, &err), 0);
	/* The protected-mode kernel at its preferred address, the rest of
	 * init_size cleared. */
	CU_ASSERT(!memcmp(at(PREF, PM_SIZE), img + SETUP_SIZE, PM_SIZE));
	CU_ASSERT_EQUAL(at(PREF, INIT_SIZE)[PM_SIZE], 0);
	CU_ASSERT_EQUAL(at(PREF, INIT_SIZE)[INIT_SIZE - 1], 0);

	zp = at(LINUX_ZERO_PAGE_GPA, 4096);
	CU_ASSERT_EQUAL(get(zp, 0x202, 4), 0x53726448);	/* header copied */
	CU_ASSERT_EQUAL(get(zp, 0x210, 1), 0xff);	/* type_of_loader */
	CU_ASSERT_EQUAL(get(zp, 0x214, 4), PREF);	/* code32_start */
	CU_ASSERT_EQUAL(get(zp, 0x228, 4), LINUX_CMDLINE_GPA);
	CU_ASSERT_STRING_EQUAL((char *)at(LINUX_CMDLINE_GPA, 32),
			       "console=ttyS0 quiet");
	CU_ASSERT_EQUAL(get(zp, 0x070, 8), 0xf0000);	/* acpi_rsdp_addr */

	/* The initrd page-aligned at the top of RAM. */
	rd_addr = get(zp, 0x218, 4);
	CU_ASSERT_EQUAL(get(zp, 0x21c, 4), sizeof(initrd));
	CU_ASSERT_EQUAL(rd_addr & 0xfff, 0);
	CU_ASSERT(rd_addr + sizeof(initrd) <= RAM_SIZE);
	CU_ASSERT(rd_addr + sizeof(initrd) > RAM_SIZE - 4096);
	CU_ASSERT(rd_addr >= PREF + INIT_SIZE);
	CU_ASSERT(!memcmp(at(rd_addr, sizeof(initrd)), initrd,
			  sizeof(initrd)));

	/* e820: low RAM, the BIOS area reserved, RAM from 1 MiB, ECAM. */
	CU_ASSERT_EQUAL_FATAL(get(zp, 0x1e8, 1), 4);
	CU_ASSERT_EQUAL(get(zp, 0x2d0, 8), 0);
	CU_ASSERT_EQUAL(get(zp, 0x2d8, 8), 0xa0000);
	CU_ASSERT_EQUAL(get(zp, 0x2e0, 4), 1);
	CU_ASSERT_EQUAL(get(zp, 0x2e4, 8), 0xa0000);
	CU_ASSERT_EQUAL(get(zp, 0x2f4, 4), 2);
	CU_ASSERT_EQUAL(get(zp, 0x2f8, 8), 0x100000);
	CU_ASSERT_EQUAL(get(zp, 0x300, 8), RAM_SIZE - 0x100000);
	CU_ASSERT_EQUAL(get(zp, 0x308, 4), 1);
	CU_ASSERT_EQUAL(get(zp, 0x30c, 8), 0xe0000000);
	CU_ASSERT_EQUAL(get(zp, 0x31c, 4), 2);
}

static void test_state(void)
{
	const uint64_t *pml4, *pdpt, *pd, *gdt;

	setup(RAM_SIZE);
	CU_ASSERT_EQUAL_FATAL(dm_load_linux(&mem, &lb, &regs, &err), 0);
	/* The 64-bit entry: 0x200 into the protected-mode kernel. */
	CU_ASSERT_EQUAL(regs.rip, PREF + 0x200);
	CU_ASSERT_EQUAL(regs.gprs.rsi, LINUX_ZERO_PAGE_GPA);
	CU_ASSERT_EQUAL(regs.cs_sel, 0x10);
	CU_ASSERT_EQUAL(regs.ds_sel, 0x18);
	CU_ASSERT_EQUAL(regs.ss_sel, 0x18);
	CU_ASSERT(regs.cs_ar & 0x2000);			/* L */
	CU_ASSERT_EQUAL(regs.cr0 & 0x80000001, 0x80000001);
	CU_ASSERT(regs.cr4 & 0x20);			/* PAE */
	CU_ASSERT_EQUAL(regs.ia32_efer & 0x500, 0x500);	/* LME, LMA */
	CU_ASSERT_EQUAL(regs.rflags & 0x200, 0);	/* IF off */
	CU_ASSERT_EQUAL(regs.cr3, LINUX_PML4_GPA);

	gdt = (const uint64_t *)at(regs.gdt.base, regs.gdt.limit + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(gdt);
	CU_ASSERT_EQUAL(regs.gdt.limit, 31);
	CU_ASSERT_EQUAL((gdt[2] >> 40) & 0xff, 0x9b);	/* present code */
	CU_ASSERT((gdt[2] & (1ULL << 53)) != 0);	/* L */
	CU_ASSERT_EQUAL((gdt[3] >> 40) & 0xff, 0x93);	/* present data */

	/* Walk the identity map for a few addresses, the last 2 MiB page
	 * below 4 GiB among them. */
	pml4 = (const uint64_t *)at(regs.cr3, 4096);
	CU_ASSERT_EQUAL(pml4[0] & 1, 1);
	CU_ASSERT_EQUAL(pml4[1], 0);
	pdpt = (const uint64_t *)at(pml4[0] & ~0xfffULL, 4096);
	for (uint64_t va = 0; va < (4ULL << 30); va += 0x3fe00000ULL) {
		uint64_t e = pdpt[va >> 30];

		CU_ASSERT_EQUAL_FATAL(e & 1, 1);
		pd = (const uint64_t *)at(e & ~0xfffULL, 4096);
		e = pd[(va >> 21) & 511];
		CU_ASSERT_EQUAL(e & 0x83, 0x83);	/* P, W, PS */
		CU_ASSERT_EQUAL(e & ~0x1fffffULL, va & ~0x1fffffULL);
	}
}

static void test_highmem_e820(void)
{
	static struct e820_map map;
	struct dm_mem m = { 0 };

	/* 5 GiB: 3 below the hole, 2 above 4 GiB.  The map is pure: no RAM
	 * behind the layout is needed. */
	dm_mem_layout(&m, 5ULL << 30);
	CU_ASSERT_EQUAL_FATAL(dm_linux_e820(&m, &map), 0);
	CU_ASSERT_EQUAL_FATAL(map.nr, 5);
	CU_ASSERT_EQUAL(map.e[2].addr, 0x100000);
	CU_ASSERT_EQUAL(map.e[2].size, (3ULL << 30) - 0x100000);
	CU_ASSERT_EQUAL(map.e[3].addr, DM_PCI_ECAM_BASE);
	CU_ASSERT_EQUAL(map.e[3].type, E820_RESERVED);
	CU_ASSERT_EQUAL(map.e[4].addr, 1ULL << 32);
	CU_ASSERT_EQUAL(map.e[4].size, 2ULL << 30);
	CU_ASSERT_EQUAL(map.e[4].type, E820_RAM);
}

static void refused(const char *why, const char *words)
{
	memset(&err, 0, sizeof(err));
	CU_ASSERT_NOT_EQUAL(dm_load_linux(&mem, &lb, &regs, &err), 0);
	if (!strstr(err.msg, words))
		fprintf(stderr, "\n%s: message \"%s\" lacks \"%s\"\n", why,
			err.msg, words);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, words));
}

static void test_refusals(void)
{
	char *longline;

	setup(RAM_SIZE);
	lb.kernel_size = 0x100;
	refused("truncated", "not a bzImage");
	setup(RAM_SIZE);
	memcpy(img + 0x202, "HdrX", 4);
	refused("no HdrS", "not a bzImage");
	setup(RAM_SIZE);
	put(img, 0x236, 0x2, 2);
	refused("no 64-bit entry", "64-bit entry");
	setup(RAM_SIZE);
	put(img, 0x206, 0x020b, 2);	/* no xloadflags before 2.12 */
	refused("protocol 2.11", "64-bit entry");

	longline = malloc(3000);
	memset(longline, 'x', 2999);
	longline[2999] = 0;
	setup(RAM_SIZE);
	lb.cmdline = longline;
	refused("long command line", "takes 2047 at most");
	free(longline);

	/* 16 MiB: the kernel's preferred address is the end of RAM. */
	setup(16U << 20);
	refused("small VM", "the kernel needs");
	/* An initrd that would reach down into the kernel. */
	setup(RAM_SIZE);
	lb.initrd_size = RAM_SIZE - (20U << 20);
	{
		uint8_t *big = calloc(1, lb.initrd_size);

		lb.initrd = big;
		refused("big initrd", "initrd");
		free(big);
	}
}

/* The kernel the test machine boots, when the build has fetched it. */
static void test_real_kernel(void)
{
	uint8_t *k;
	size_t size;

	if (dm_read_file(DM_UNIT_KERNEL, 64U << 20, &k, &size, &err)) {
		fprintf(stderr, "\n(no %s: real-kernel case skipped) ",
			DM_UNIT_KERNEL);
		return;
	}
	setup(256U << 20);
	lb.kernel = k;
	lb.kernel_size = size;
	CU_ASSERT_EQUAL(dm_load_linux(&mem, &lb, &regs, &err), 0);
	CU_ASSERT_EQUAL(regs.rip, 0x1000000 + 0x200);
	free(k);
}

int register_linux_tests(void)
{
	CU_pSuite s = CU_add_suite("linux-loader", NULL, NULL);

	if (!s)
		return -1;
	if (!CU_add_test(s, "layout: kernel, zero page, initrd, e820",
			 test_layout) ||
	    !CU_add_test(s, "64-bit entry state and identity map",
			 test_state) ||
	    !CU_add_test(s, "e820 with RAM above 4 GiB", test_highmem_e820) ||
	    !CU_add_test(s, "refusals", test_refusals) ||
	    !CU_add_test(s, "the Debian kernel", test_real_kernel))
		return -1;
	return 0;
}
