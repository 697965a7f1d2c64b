/* The -E loader (devicemodel/boot/elf.c): real test kernels, and files
 * broken in each way the loader checks. */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "dm_unit.h"

#define RAM_SIZE	(8U << 20)
#define ENTRY		0x100040U

static struct dm_mem mem;
static struct islet_regs regs;
static struct dm_error err;

/* A minimal ELF64 kernel: one segment of 0x100 bytes at 1 MiB with a
 * multiboot header at its start (file offset 0x100), 0x80 more of BSS. */
static size_t make_elf(uint8_t *img, bool multiboot)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint32_t mb[3] = { 0x1badb002, 0, 0 };

	memset(img, 0, 0x200);
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_machine = EM_X86_64;
	eh.e_entry = ENTRY;
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = 1;
	memcpy(img, &eh, sizeof(eh));
	memset(&ph, 0, sizeof(ph));
	ph.p_type = PT_LOAD;
	ph.p_offset = 0x100;
	ph.p_paddr = 0x100000;
	ph.p_filesz = 0x100;
	ph.p_memsz = 0x180;
	memcpy(img + sizeof(eh), &ph, sizeof(ph));
	mb[2] = -(mb[0] + mb[1]);
	if (multiboot)
		memcpy(img + 0x100, mb, sizeof(mb));
	memset(img + 0x110, 0xcc, 0xf0);
	return 0x200;
}

static void setup(void)
{
	static uint8_t *ram;

	if (!ram)
		ram = malloc(RAM_SIZE);
	memset(ram, 0x55, RAM_SIZE);
	memset(&mem, 0, sizeof(mem));
	dm_mem_layout(&mem, RAM_SIZE);
	mem.base = ram;
	memset(&err, 0, sizeof(err));
	memset(&regs, 0, sizeof(regs));
}

static void test_multiboot(void)
{
	uint8_t img[0x200];
	size_t n = make_elf(img, true);
	uint32_t info[13];
	uint8_t *ram;

	setup();
	ram = mem.base;
	CU_ASSERT_EQUAL_FATAL(dm_load_elf(&mem, img, n, "hello world", &regs,
					  &err), 0);
	CU_ASSERT_EQUAL(memcmp(ram + 0x100010, img + 0x110, 0xf0), 0);
	CU_ASSERT_EQUAL(ram[0x100100], 0);	/* BSS cleared */
	CU_ASSERT_EQUAL(ram[0x10017f], 0);
	CU_ASSERT_EQUAL(ram[0x100180], 0x55);	/* and no more */
	CU_ASSERT_EQUAL(regs.rip, ENTRY);
	CU_ASSERT_EQUAL(regs.gprs.rax, 0x2badb002);
	CU_ASSERT_EQUAL(regs.gprs.rbx, MB_INFO_GPA);
	CU_ASSERT_EQUAL(regs.cr0 & 1, 1);	/* protected mode, no paging */
	CU_ASSERT_EQUAL(regs.cr0 >> 31, 0);
	CU_ASSERT_EQUAL(regs.cs_sel, 0x08);
	CU_ASSERT_EQUAL(regs.ds_sel, 0x10);
	CU_ASSERT_EQUAL(regs.gdt.base, MB_GDT_GPA);
	memcpy(info, ram + MB_INFO_GPA, sizeof(info));
	CU_ASSERT_EQUAL(info[0], 0x1 | 0x4 | 0x40);
	CU_ASSERT_EQUAL(info[2], (RAM_SIZE - 0x100000) >> 10);
	CU_ASSERT_EQUAL(info[4], MB_CMDLINE_GPA);
	CU_ASSERT_STRING_EQUAL((char *)ram + MB_CMDLINE_GPA, "hello world");
	/* mmap_length and mmap_addr at offsets 44 and 48 (spec 3.3) */
	CU_ASSERT_EQUAL(info[11], 2 * 24);	/* two entries, no high RAM */
	CU_ASSERT_EQUAL(info[12], MB_MMAP_GPA);
}

static void test_plain_elf(void)
{
	uint8_t img[0x200];
	size_t n = make_elf(img, false);

	setup();
	CU_ASSERT_EQUAL(dm_load_elf(&mem, img, n, "", &regs, &err), 0);
	CU_ASSERT_EQUAL(regs.gprs.rax, 0);
	CU_ASSERT_EQUAL(regs.gprs.rbx, 0);
	CU_ASSERT_EQUAL(regs.rip, ENTRY);
}

/* A real test kernel, if the build made one. */
static void test_guest_kernel(void)
{
	struct dm_error e = { { 0 } };
	uint8_t *img;
	size_t n;

	if (dm_read_file("build/tests/guests/cpuid.elf", 1 << 20, &img, &n,
			 &e)) {
		fprintf(stderr, "(no build/tests/guests/cpuid.elf: skipped) ");
		return;
	}
	setup();
	CU_ASSERT_EQUAL(dm_load_elf(&mem, img, n, "", &regs, &err), 0);
	CU_ASSERT_EQUAL(regs.gprs.rax, 0x2badb002);
	CU_ASSERT(regs.rip >= 0x100000 && regs.rip < RAM_SIZE);
	free(img);

	memset(&e, 0, sizeof(e));
	CU_ASSERT_EQUAL(dm_read_file("/nonexistent.elf", 1 << 20, &img, &n,
				     &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "cannot open /nonexistent.elf"));
}

static void expect(const uint8_t *img, size_t n, const char *msg)
{
	setup();
	CU_ASSERT_EQUAL(dm_load_elf(&mem, img, n, "", &regs, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, msg));
	if (!strstr(err.msg, msg))
		fprintf(stderr, "\n  got \"%s\", wanted \"%s\"\n", err.msg,
			msg);
}

static Elf64_Phdr *phdr(uint8_t *img)
{
	return (Elf64_Phdr *)(img + sizeof(Elf64_Ehdr));
}

static void test_hostile(void)
{
	uint8_t img[0x200], bad[0x200];
	size_t n = make_elf(img, true);
	char longline[DM_BOOTARGS_MAX + 1];
	Elf64_Ehdr *eh = (Elf64_Ehdr *)bad;

	expect(img, 16, "not a little-endian ELF file");
	memcpy(bad, img, n);
	bad[0] = 0;
	expect(bad, n, "not a little-endian ELF file");
	memcpy(bad, img, n);
	eh->e_machine = EM_ARM;
	expect(bad, n, "not x86-64");
	memcpy(bad, img, n);
	eh->e_phnum = 60000;
	expect(bad, n, "bad ELF program headers");
	memcpy(bad, img, n);
	eh->e_phoff = ~0ULL;
	expect(bad, n, "bad ELF program headers");
	memcpy(bad, img, n);
	phdr(bad)->p_paddr = 0x1000;	/* below 1 MiB */
	expect(bad, n, "not in the guest's RAM above 1 MiB");
	memcpy(bad, img, n);
	phdr(bad)->p_paddr = RAM_SIZE - 0x100;	/* runs off the end */
	expect(bad, n, "not in the guest's RAM");
	memcpy(bad, img, n);
	phdr(bad)->p_paddr = ~0ULL - 0x10;	/* wraps */
	expect(bad, n, "not in the guest's RAM");
	memcpy(bad, img, n);
	phdr(bad)->p_filesz = 0x1000;	/* past the file, and > memsz */
	expect(bad, n, "not inside the file");
	memcpy(bad, img, n);
	phdr(bad)->p_offset = ~0ULL;
	expect(bad, n, "not inside the file");
	memcpy(bad, img, n);
	phdr(bad)->p_type = PT_NOTE;
	expect(bad, n, "no loadable segment");
	memcpy(bad, img, n);
	eh->e_entry = 0x40000000;
	expect(bad, n, "entry point");
	memcpy(bad, img, n);
	((uint32_t *)(bad + 0x100))[1] = 0x10000;	/* a.out kludge */
	((uint32_t *)(bad + 0x100))[2] = -(0x1badb002 + 0x10000);
	expect(bad, n, "a.out kludge");

	memset(longline, 'x', DM_BOOTARGS_MAX);
	longline[DM_BOOTARGS_MAX] = 0;
	setup();
	CU_ASSERT_EQUAL(dm_load_elf(&mem, img, n, longline, &regs, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "command line is too long"));
}

static const struct unit_test tests[] = {
	{ "multiboot ELF64: segments, information, registers",
	  test_multiboot },
	{ "plain ELF: no multiboot registers", test_plain_elf },
	{ "a guest test kernel", test_guest_kernel },
	{ "hostile files are refused", test_hostile },
};

int register_elf_tests(void)
{
	return UNIT_SUITE("dm ELF/multiboot loader", tests);
}
