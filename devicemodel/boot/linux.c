// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm's direct Linux boot (-k/-r/-B, boot.h): a bzImage entered at
 * its 64-bit entry point, as the x86 boot protocol describes it
 * (Documentation/arch/x86/boot.rst, "64-bit Boot Protocol").
 *
 * The bzImage parser and the zero-page builder are the hypervisor's own
 * (hypervisor/boot/bzimage.c, e820.c: pure code, and the Service VM boots
 * through them), built here for userspace; this file places the pieces
 * in the User VM's memory and makes the state the protocol asks for:
 * long mode, paging on with an identity map that covers the kernel, the
 * zero page and the command line, a GDT with __BOOT_CS 0x10 and
 * __BOOT_DS 0x18, RSI the zero page, interrupts off.
 *
 * The memory map the guest gets (its e820):
 *   [0, 640 KiB)              RAM (the boot structures live here)
 *   [640 KiB, 1 MiB)          reserved (the BIOS area: the ACPI tables)
 *   [1 MiB, lowmem)           RAM: the kernel at its preferred address,
 *                             the initrd at the top
 *   the ECAM window           reserved (Linux wants MCFG space reserved)
 *   [4 GiB, 4 GiB + highmem)  RAM
 */
#include <string.h>

#include "bzimage.h"
#include "e820.h"

#include "boot.h"
#include "pci.h"

/* Page-table entry bits. */
#define PTE_P		0x001ULL
#define PTE_W		0x002ULL
#define PTE_PS		0x080ULL
#define IDMAP_PDS	4		/* 2 MiB pages over 4 GiB */

#define CR0_PE		0x00000001ULL
#define CR0_ET		0x00000010ULL
#define CR0_PG		0x80000000ULL
#define CR4_PAE		0x00000020ULL
#define EFER_LME	0x00000100ULL
#define EFER_LMA	0x00000400ULL

/* The GDT the protocol names: null, null, __BOOT_CS, __BOOT_DS. */
static const uint64_t boot_gdt[] = {
	0,
	0,
	0x00af9b000000ffffULL,	/* 0x10: 64-bit code, DPL 0 */
	0x00cf93000000ffffULL,	/* 0x18: flat data */
};

int dm_linux_e820(const struct dm_mem *mem, struct e820_map *map)
{
	memset(map, 0, sizeof(*map));
	if (e820_add(map, 0, LINUX_BIOS_START, E820_RAM) ||
	    e820_add(map, LINUX_BIOS_START, MB_LOAD_MIN - LINUX_BIOS_START,
		     E820_RESERVED) ||
	    e820_add(map, MB_LOAD_MIN, mem->lowmem - MB_LOAD_MIN, E820_RAM) ||
	    e820_add(map, DM_PCI_ECAM_BASE, DM_PCI_ECAM_SIZE, E820_RESERVED) ||
	    (mem->highmem &&
	     e820_add(map, DM_HIGHMEM_BASE, mem->highmem, E820_RAM)))
		return -1;
	return e820_sanitize(map);
}

/* 4 GiB identity-mapped with 2 MiB pages: enough for everything the
 * kernel's first instructions touch, which all lies below 4 GiB. */
static void build_idmap(const struct dm_mem *mem)
{
	uint64_t *pml4 = dm_gpa(mem, LINUX_PML4_GPA, 4096);
	uint64_t *pdpt = dm_gpa(mem, LINUX_PDPT_GPA, 4096);
	uint64_t *pd = dm_gpa(mem, LINUX_PD_GPA, IDMAP_PDS * 4096);

	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = LINUX_PDPT_GPA | PTE_P | PTE_W;
	for (uint64_t i = 0; i < IDMAP_PDS; i++)
		pdpt[i] = (LINUX_PD_GPA + i * 4096) | PTE_P | PTE_W;
	for (uint64_t i = 0; i < IDMAP_PDS * 512; i++)
		pd[i] = (i << 21) | PTE_P | PTE_W | PTE_PS;
}

static void set_regs64(struct islet_regs *r, uint64_t entry)
{
	memset(r, 0, sizeof(*r));
	r->gprs.rsi = LINUX_ZERO_PAGE_GPA;
	r->gdt.base = LINUX_GDT_GPA;
	r->gdt.limit = sizeof(boot_gdt) - 1;
	r->rip = entry;
	r->cr0 = CR0_PE | CR0_ET | CR0_PG;
	r->cr4 = CR4_PAE;
	r->cr3 = LINUX_PML4_GPA;
	r->ia32_efer = EFER_LME | EFER_LMA;
	r->rflags = 0x2;
	r->cs_sel = 0x10;
	r->cs_ar = 0xa09b;	/* present, code, L: the GDT entry's */
	r->cs_limit = 0xffffffff;
	r->ds_sel = r->es_sel = r->ss_sel = r->fs_sel = r->gs_sel = 0x18;
}

/* Where the kernel goes: its preferred address when that is possible,
 * else the first aligned address from 1 MiB (relocatable kernels). */
static uint64_t place_kernel(const struct bzimage_info *bi)
{
	uint64_t align = bi->kernel_alignment;	/* a power of two: parsed */

	if (bi->pref_address >= MB_LOAD_MIN || !bi->relocatable)
		return bi->pref_address;
	return (MB_LOAD_MIN + align - 1) & ~(align - 1);
}

int dm_load_linux(const struct dm_mem *mem, const struct dm_linux_boot *lb,
		  struct islet_regs *regs, struct dm_error *err)
{
	struct bzimage_info bi;
	struct boot_params_in in = { 0 };
	struct e820_map map;
	uint64_t load, footprint, initrd = 0, top;
	size_t cmdlen = strlen(lb->cmdline);
	uint8_t *dst;
	int ret;

	if (bzimage_parse(lb->kernel, lb->kernel_size, &bi))
		return dm_fail(err, "not a bzImage with boot protocol 2.10 or "
			       "later");
	if (!bi.xlf_kernel_64)
		return dm_fail(err, "the bzImage has no 64-bit entry point "
			       "(XLF_KERNEL_64, boot protocol 2.12)");
	if (cmdlen > bi.cmdline_size || cmdlen >= LINUX_CMDLINE_MAX)
		return dm_fail(err, "the command line is %zu bytes; the kernel "
			       "takes %u at most", cmdlen,
			       bi.cmdline_size < LINUX_CMDLINE_MAX - 1 ?
			       bi.cmdline_size : LINUX_CMDLINE_MAX - 1);

	load = place_kernel(&bi);
	footprint = bi.init_size;	/* >= pm_size: bzimage_parse() checks */
	if (load < MB_LOAD_MIN || !dm_gpa(mem, load, footprint))
		return dm_fail(err, "the kernel needs %llu MiB of RAM from "
			       "0x%llx; the VM has %llu MiB below the PCI hole",
			       (unsigned long long)(footprint >> 20) + 1,
			       (unsigned long long)load,
			       (unsigned long long)(mem->lowmem >> 20));

	/* The initrd at the top of low RAM, below what the kernel can
	 * reach, above the kernel's footprint. */
	if (lb->initrd_size) {
		top = mem->lowmem;
		if (top > (uint64_t)bi.initrd_addr_max + 1)
			top = (uint64_t)bi.initrd_addr_max + 1;
		initrd = (top - lb->initrd_size) & ~0xfffULL;
		if (lb->initrd_size > top || initrd < load + footprint)
			return dm_fail(err, "the initrd (%zu MiB) does not fit "
				       "between the kernel and the top of low "
				       "RAM: give the VM more memory (-m)",
				       lb->initrd_size >> 20);
	}
	if (dm_linux_e820(mem, &map))
		return dm_fail(err, "building the memory map");

	in.load_addr = load;
	in.cmdline_addr = LINUX_CMDLINE_GPA;
	in.cmdline_len = (uint32_t)cmdlen;
	in.initrd_addr = initrd;
	in.initrd_size = lb->initrd_size;
	in.rsdp_addr = lb->rsdp;
	in.e820 = &map;
	ret = bootparams_build(lb->kernel, &bi, &in,
			       dm_gpa(mem, LINUX_ZERO_PAGE_GPA,
				      BOOT_PARAMS_SIZE));
	if (ret)
		return dm_fail(err, "the kernel's header refuses this layout "
			       "(kernel at 0x%llx, initrd at 0x%llx)",
			       (unsigned long long)load,
			       (unsigned long long)initrd);

	dst = dm_gpa(mem, load, footprint);
	memcpy(dst, lb->kernel + bi.pm_offset, bi.pm_size);
	memset(dst + bi.pm_size, 0, footprint - bi.pm_size);
	if (lb->initrd_size)
		memcpy(dm_gpa(mem, initrd, lb->initrd_size), lb->initrd,
		       lb->initrd_size);
	dst = dm_gpa(mem, LINUX_CMDLINE_GPA, LINUX_CMDLINE_MAX);
	memset(dst, 0, LINUX_CMDLINE_MAX);
	memcpy(dst, lb->cmdline, cmdlen);
	memcpy(dm_gpa(mem, LINUX_GDT_GPA, sizeof(boot_gdt)), boot_gdt,
	       sizeof(boot_gdt));
	build_idmap(mem);
	set_regs64(regs, load + 0x200);
	return 0;
}
