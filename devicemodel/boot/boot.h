/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * islet-dm's virtual bootloader: a kernel into guest memory and the state
 * vCPU 0 starts in.  The loaders are pure (memory in, registers out) and
 * report the first problem as one sentence.
 *
 * Where the multiboot loader puts its structures (below 1 MiB; test
 * kernels keep 0x8000 for their AP trampoline):
 *   0x07000        top of the initial stack
 *   0x09000        the multiboot information
 *   0x09100        its memory map
 *   0x09400        the command line (DM_BOOTARGS_MAX bytes)
 *   0x09c00        a flat GDT: null, code 0x08, data 0x10
 *
 * and the Linux loader (linux.c):
 *   0x10000        the GDT of the 64-bit boot protocol
 *   0x11000        the zero page (struct boot_params)
 *   0x12000        the command line (LINUX_CMDLINE_MAX bytes)
 *   0x13000        the identity map: PML4, PDPT, then four PDs
 *   0xa0000-1 MiB  reserved, the ACPI tables among it
 */
#ifndef DM_BOOT_H
#define DM_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include <islet/hypercall.h>

#include "config.h"
#include "dm.h"

#define MB_STACK_TOP		0x7000U
#define MB_INFO_GPA		0x9000U
#define MB_MMAP_GPA		0x9100U
#define MB_CMDLINE_GPA		0x9400U
#define MB_GDT_GPA		0x9c00U
#define MB_LOAD_MIN		0x100000U

#define LINUX_GDT_GPA		0x10000U
#define LINUX_ZERO_PAGE_GPA	0x11000U
#define LINUX_CMDLINE_GPA	0x12000U
#define LINUX_CMDLINE_MAX	4096U
#define LINUX_PML4_GPA		0x13000U
#define LINUX_PDPT_GPA		0x14000U
#define LINUX_PD_GPA		0x15000U
#define LINUX_BIOS_START	0xa0000U

struct e820_map;

/* A file into a fresh buffer of at most @max bytes (free() it). */
int dm_read_file(const char *path, size_t max, uint8_t **buf, size_t *size,
		 struct dm_error *err);

/*
 * -E: an ELF32 or ELF64 kernel's PT_LOAD segments at their physical
 * addresses (from 1 MiB, in RAM).  With a multiboot v1 header it gets the
 * multiboot information (memory map, @cmdline) and EAX 0x2BADB002; without
 * one EAX and EBX are 0.  vCPU 0 starts in 32-bit protected mode with flat
 * segments, paging and interrupts off, at the entry point.
 */
int dm_load_elf(const struct dm_mem *mem, const uint8_t *img, size_t size,
		const char *cmdline, struct islet_regs *regs,
		struct dm_error *err);

/* What -k, -r and -B give the Linux loader. */
struct dm_linux_boot {
	const uint8_t *kernel;	/* the bzImage file */
	size_t kernel_size;
	const uint8_t *initrd;	/* NULL, 0: none */
	size_t initrd_size;
	const char *cmdline;
	uint64_t rsdp;		/* the ACPI RSDP's address, 0: none */
};

/*
 * -k: a bzImage (boot protocol 2.12+, with the 64-bit entry) at its
 * preferred address, the initrd at the top of RAM below the PCI hole,
 * the zero page with the memory map and the RSDP; vCPU 0 starts in long
 * mode at the 64-bit entry with RSI the zero page.
 */
int dm_load_linux(const struct dm_mem *mem, const struct dm_linux_boot *lb,
		  struct islet_regs *regs, struct dm_error *err);
/* The memory map the Linux loader gives (pure; 0 or -1). */
int dm_linux_e820(const struct dm_mem *mem, struct e820_map *map);

#endif /* DM_BOOT_H */
