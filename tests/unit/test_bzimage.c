/* hypervisor/boot/bzimage.c: synthetic bzImages built field by field
 * (Documentation/arch/x86/boot.rst offsets), plus the real kernel if the
 * build has one.  Images are parsed from exact-size heap copies so that
 * ASan catches reads past the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "bzimage.h"

#define SETUP_SECTS	4
#define SETUP_SIZE	((SETUP_SECTS + 1) * 512)
#define PM_SIZE		0x3000
#define IMG_SIZE	(SETUP_SIZE + PM_SIZE)
#define HDR_END		0x26c	/* 0x202 + jump offset 0x6a, as in Linux */

static u8 img[IMG_SIZE];
static u8 bp[BOOT_PARAMS_SIZE], want[BOOT_PARAMS_SIZE];
static struct bzimage_info info;

static void put(u8 *p, unsigned int off, u64 v, unsigned int len)
{
	memcpy(p + off, &v, len);
}

static u64 get(const u8 *p, unsigned int off, unsigned int len)
{
	u64 v = 0;

	memcpy(&v, p + off, len);
	return v;
}

static void make_image(u16 version)
{
	memset(img, 0, sizeof(img));
	img[0x1f1] = SETUP_SECTS;
	put(img, 0x1fa, 0xffff, 2);		/* vid_mode: normal */
	put(img, 0x1fe, 0xaa55, 2);
	img[0x200] = 0xeb;
	img[0x201] = HDR_END - 0x202;
	memcpy(img + 0x202, "HdrS", 4);
	put(img, 0x206, version, 2);
	/* Flags a loader must clear, to see that they are. */
	img[0x211] = 0x01 | 0x40 | 0x80;
	put(img, 0x214, 0x100000, 4);
	put(img, 0x22c, 0x7fffffff, 4);
	put(img, 0x230, 2 * MiB, 4);
	img[0x234] = 1;
	put(img, 0x236, 0x3, 2);		/* XLF_KERNEL_64 | ABOVE_4G */
	put(img, 0x238, 2047, 4);
	put(img, 0x250, 0xdeadbeef, 8);		/* stale setup_data */
	put(img, 0x258, 0x1000000, 8);
	put(img, 0x260, 0x800000, 4);
	memset(img + HDR_END, 0xcc, 0x290 - HDR_END);	/* not header */
	for (unsigned int i = SETUP_SIZE; i < IMG_SIZE; i++)
		img[i] = (u8)i;
}

static int parse_copy(u64 size)
{
	u8 *copy = malloc(size ? size : 1);
	int ret;

	memcpy(copy, img, size);
	ret = bzimage_parse(copy, size, &info);
	free(copy);
	return ret;
}

static void test_parse(void)
{
	make_image(0x020f);
	CU_ASSERT_EQUAL_FATAL(parse_copy(IMG_SIZE), 0);
	CU_ASSERT_EQUAL(info.version, 0x020f);
	CU_ASSERT_EQUAL(info.setup_size, SETUP_SIZE);
	CU_ASSERT_EQUAL(info.pm_offset, SETUP_SIZE);
	CU_ASSERT_EQUAL(info.pm_size, PM_SIZE);
	CU_ASSERT_EQUAL(info.pref_address, 0x1000000);
	CU_ASSERT_EQUAL(info.init_size, 0x800000);
	CU_ASSERT_EQUAL(info.kernel_alignment, 2 * MiB);
	CU_ASSERT(info.relocatable);
	CU_ASSERT_EQUAL(info.cmdline_size, 2047);
	CU_ASSERT_EQUAL(info.initrd_addr_max, 0x7fffffff);
	CU_ASSERT(info.xlf_can_be_loaded_above_4g);
	CU_ASSERT(info.xlf_kernel_64);

	/* setup_sects 0 means 4. */
	img[0x1f1] = 0;
	CU_ASSERT_EQUAL(parse_copy(IMG_SIZE), 0);
	CU_ASSERT_EQUAL(info.setup_size, 5 * 512);

	/* xloadflags does not exist before 2.12. */
	make_image(0x020b);
	CU_ASSERT_EQUAL(parse_copy(IMG_SIZE), 0);
	CU_ASSERT(!info.xlf_can_be_loaded_above_4g);
	CU_ASSERT(!info.xlf_kernel_64);

	/* A non-relocatable kernel need not state an alignment. */
	make_image(0x020a);
	img[0x234] = 0;
	put(img, 0x230, 0, 4);
	CU_ASSERT_EQUAL(parse_copy(IMG_SIZE), 0);
	CU_ASSERT(!info.relocatable);
}

static void test_bad_header(void)
{
	make_image(0x020f);
	memcpy(img + 0x202, "HdrZ", 4);
	CU_ASSERT_EQUAL(parse_copy(IMG_SIZE), -ENOEXEC);

	make_image(0x020f);
	put(img, 0x1fe, 0x55aa, 2);
	CU_ASSERT_EQUAL(parse_copy(IMG_SIZE), -ENOEXEC);

	make_image(0x020f);
	img[0x200] = 0xe9;			/* near jump: not the header */
	CU_ASSERT_EQUAL(parse_copy(IMG_SIZE), -ENOEXEC);

	make_image(0x0209);			/* too old: no pref_address */
	CU_ASSERT_EQUAL(parse_copy(IMG_SIZE), -ENOEXEC);

	make_image(0x020f);
	img[0x211] = 0;				/* zImage */
	CU_ASSERT_EQUAL(parse_copy(IMG_SIZE), -ENOEXEC);

	make_image(0x020f);
	img[0x201] = 0x50;			/* ends before init_size */
	CU_ASSERT_EQUAL(parse_copy(IMG_SIZE), -ENOEXEC);
	img[0x201] = 0x90;			/* runs into the zero page */
	CU_ASSERT_EQUAL(parse_copy(IMG_SIZE), -ENOEXEC);

	make_image(0x020f);
	put(img, 0x260, PM_SIZE - 1, 4);	/* init_size below the payload */
	CU_ASSERT_EQUAL(parse_copy(IMG_SIZE), -ENOEXEC);

	make_image(0x020f);
	put(img, 0x230, 0, 4);
	CU_ASSERT_EQUAL(parse_copy(IMG_SIZE), -ENOEXEC);
	put(img, 0x230, 3 * MiB, 4);
	CU_ASSERT_EQUAL(parse_copy(IMG_SIZE), -ENOEXEC);

	make_image(0x020f);
	img[0x1f1] = 60;			/* setup larger than the file */
	CU_ASSERT_EQUAL(parse_copy(IMG_SIZE), -ENOEXEC);
}

static void test_truncated(void)
{
	make_image(0x020f);
	for (u64 size = 0; size <= SETUP_SIZE; size++)
		CU_ASSERT_EQUAL(parse_copy(size), -ENOEXEC);
	CU_ASSERT_EQUAL(parse_copy(SETUP_SIZE + 1), 0);
	CU_ASSERT_EQUAL(info.pm_size, 1);
}

static const struct e820_map e820 = {
	.nr = 3,
	.e = {
		{ 0x0, 0x9f000, E820_RAM },
		{ 0x100000, 0x3ff00000, E820_RAM },
		{ 0xfee00000, 0x1000, E820_RESERVED },
	},
};

static struct boot_params_in std_in(void)
{
	return (struct boot_params_in){
		.load_addr = 0x1000000,
		.cmdline_addr = 0x120000000ULL,	/* above 4 GiB: uses ext */
		.cmdline_len = 100,
		.initrd_addr = 0x7000000,
		.initrd_size = 0x123456,
		.rsdp_addr = 0xf05b0,
		.e820 = &e820,
	};
}

static void test_build(void)
{
	struct boot_params_in in = std_in();

	make_image(0x020f);
	CU_ASSERT_EQUAL_FATAL(parse_copy(IMG_SIZE), 0);
	memset(bp, 0x77, sizeof(bp));
	CU_ASSERT_EQUAL_FATAL(bootparams_build(img, &info, &in, bp), 0);

	/* The whole page, byte for byte. */
	memset(want, 0, sizeof(want));
	memcpy(want + 0x1f1, img + 0x1f1, HDR_END - 0x1f1);
	want[0x210] = 0xff;
	want[0x211] = 0x01;
	put(want, 0x214, 0x1000000, 4);
	put(want, 0x218, 0x7000000, 4);
	put(want, 0x21c, 0x123456, 4);
	put(want, 0x228, 0x20000000, 4);
	put(want, 0x0c8, 0x1, 4);
	put(want, 0x250, 0, 8);
	put(want, 0x070, 0xf05b0, 8);
	want[0x1e8] = 3;
	memcpy(want + 0x2d0, e820.e, 3 * 20);
	CU_ASSERT(memcmp(bp, want, sizeof(bp)) == 0);
	CU_ASSERT_EQUAL(get(bp, 0x2d0 + 20 + 8, 8), 0x3ff00000);	/* entry 1 size */
	CU_ASSERT_EQUAL(get(bp, 0x26c, 4), 0);		/* junk past the header not copied */

	/* Initrd above 4 GiB uses the ext fields; no initrd, none at all. */
	info.initrd_addr_max = UINT32_MAX;
	in.initrd_addr = 0x7fff0000;
	in.initrd_size = 0x100010000ULL - 0x7fff0000;
	CU_ASSERT_EQUAL(bootparams_build(img, &info, &in, bp), -EINVAL);
	in = std_in();
	in.initrd_addr = in.initrd_size = 0;
	CU_ASSERT_EQUAL(bootparams_build(img, &info, &in, bp), 0);
	CU_ASSERT_EQUAL(get(bp, 0x218, 4) | get(bp, 0x21c, 4) | get(bp, 0x0c0, 4) | get(bp, 0x0c4, 4), 0);

	/* Before 2.14 the RSDP field is left alone. */
	make_image(0x020d);
	CU_ASSERT_EQUAL_FATAL(parse_copy(IMG_SIZE), 0);
	in = std_in();
	CU_ASSERT_EQUAL(bootparams_build(img, &info, &in, bp), 0);
	CU_ASSERT_EQUAL(get(bp, 0x070, 8), 0);
}

static void test_build_bad(void)
{
	struct boot_params_in in;
	struct e820_map big = { .nr = E820_MAX + 1 };

	make_image(0x020f);
	CU_ASSERT_EQUAL_FATAL(parse_copy(IMG_SIZE), 0);

	in = std_in();
	in.cmdline_len = 2047;			/* exactly cmdline_size */
	CU_ASSERT_EQUAL(bootparams_build(img, &info, &in, bp), 0);
	in.cmdline_len = 2048;
	CU_ASSERT_EQUAL(bootparams_build(img, &info, &in, bp), -EINVAL);

	in = std_in();
	in.initrd_addr = 0x7fffffff - 0xfff;	/* last byte at initrd_addr_max */
	in.initrd_size = 0x1000;
	CU_ASSERT_EQUAL(bootparams_build(img, &info, &in, bp), 0);
	in.initrd_size = 0x1001;
	CU_ASSERT_EQUAL(bootparams_build(img, &info, &in, bp), -EINVAL);
	in.initrd_addr = ~0xfffULL;		/* wraps */
	in.initrd_size = 0x2000;
	CU_ASSERT_EQUAL(bootparams_build(img, &info, &in, bp), -EINVAL);

	in = std_in();
	in.load_addr = 0x1000000 + 0x1000;	/* not 2 MiB aligned */
	CU_ASSERT_EQUAL(bootparams_build(img, &info, &in, bp), -EINVAL);
	in.load_addr = 0x2000000;		/* aligned, not preferred: fine */
	CU_ASSERT_EQUAL(bootparams_build(img, &info, &in, bp), 0);
	in.load_addr = 4 * GiB;			/* above the 32-bit entry's reach */
	CU_ASSERT_EQUAL(bootparams_build(img, &info, &in, bp), -EINVAL);
	in.load_addr = 4 * GiB - 4 * MiB;	/* init_size (8 MiB) crosses 4 GiB */
	CU_ASSERT_EQUAL(bootparams_build(img, &info, &in, bp), -EINVAL);

	info.relocatable = false;		/* then only pref_address will do */
	in.load_addr = 0x2000000;
	CU_ASSERT_EQUAL(bootparams_build(img, &info, &in, bp), -EINVAL);
	in.load_addr = 0x1000000;
	CU_ASSERT_EQUAL(bootparams_build(img, &info, &in, bp), 0);
	info.relocatable = true;

	in = std_in();
	in.e820 = NULL;
	CU_ASSERT_EQUAL(bootparams_build(img, &info, &in, bp), -EINVAL);
	in.e820 = &big;
	CU_ASSERT_EQUAL(bootparams_build(img, &info, &in, bp), -EINVAL);
}

/* The kernel the stack really boots, when the build has fetched one. */
static void test_real_kernel(void)
{
	struct boot_params_in in = std_in();
	FILE *f = fopen(UNIT_KERNEL, "rb");
	u8 *k;
	long size;

	if (!f) {
		printf("(skipped: no %s) ", UNIT_KERNEL);
		return;
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	k = malloc(size);
	CU_ASSERT_FATAL(fread(k, 1, size, f) == (size_t)size);
	fclose(f);

	CU_ASSERT_EQUAL_FATAL(bzimage_parse(k, size, &info), 0);
	CU_ASSERT(info.version >= 0x020a);
	CU_ASSERT(info.relocatable);
	CU_ASSERT(info.cmdline_size >= 255);
	CU_ASSERT_EQUAL(info.pm_offset + info.pm_size, (u64)size);
	CU_ASSERT(info.init_size >= info.pm_size);
	in.load_addr = info.pref_address;
	in.initrd_addr = in.initrd_size = 0;
	CU_ASSERT_EQUAL(bootparams_build(k, &info, &in, bp), 0);
	CU_ASSERT(memcmp(bp + 0x202, "HdrS", 4) == 0);
	CU_ASSERT_EQUAL(get(bp, 0x214, 4), info.pref_address);
	free(k);
}

int register_bzimage_tests(void)
{
	static const struct unit_test tests[] = {
		{ "parse a good image", test_parse },
		{ "bad magic, flag, jump, protocol, sizes", test_bad_header },
		{ "truncated setup refused", test_truncated },
		{ "zero page, byte for byte", test_build },
		{ "cmdline, initrd, load address, e820 checks", test_build_bad },
		{ "real kernel (build/kernel/vmlinuz)", test_real_kernel },
	};

	return UNIT_SUITE("boot/bzimage", tests);
}
