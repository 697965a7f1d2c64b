/* What the hypervisor learns from its loader.  Both entry paths produce a
 * multiboot2 information block (GRUB natively, islet.efi by building one),
 * and boot/multiboot2.c turns it into this structure. */
#ifndef ISLET_BOOTINFO_H
#define ISLET_BOOTINFO_H

#include "types.h"
#include "e820.h"

#define BOOT_MAX_MODULES	8
#define BOOT_CMDLINE_MAX	512

struct boot_module {
	u64 start;		/* physical, inclusive */
	u64 end;		/* physical, exclusive */
	char cmdline[BOOT_CMDLINE_MAX];	/* GRUB's module string */
};

struct boot_info {
	char cmdline[BOOT_CMDLINE_MAX];	/* hypervisor command line */
	u32 nr_modules;
	struct boot_module modules[BOOT_MAX_MODULES];
	struct e820_map mem;	/* canonical e820 of the machine */
	u8 rsdp[64];		/* copy of the ACPI RSDP (v1 20 bytes, v2 36) */
	u32 rsdp_len;		/* 0 if the loader passed none */
	u64 efi_system_table;	/* 0 if not booted by EFI */
	bool from_efi_mmap;	/* mem came from the EFI memory map tag */
};

#define MB2_BOOTLOADER_MAGIC	0x36d76289U

/* Parse a multiboot2 information block of at most @avail bytes (the
 * caller's bound on readable memory; the block's own total_size must fit
 * in it).  The memory map comes from the mmap tag (6), else from the EFI
 * memory map tag (17); it is an error if neither is present.  The RSDP is
 * copied out of the ACPI tag (15 preferred over 14), since the loader's
 * block lives in memory the Service VM will reuse.  Every tag is checked: sizes, alignment, module ranges, string
 * termination.  *bi is zeroed first and only meaningful on success.
 * Returns 0 or -EINVAL/-E2BIG. */
int mb2_parse(const void *mbi, u64 avail, struct boot_info *bi);

/* The value of "key=value" in a command line of blank-separated words,
 * copied into @val (at most @len bytes with the NUL).  A bare "key" has the
 * empty value; a repeated key takes its last value.  Returns the value
 * length, -ENOENT if the key is absent, or -E2BIG if the value does not fit
 * (@val untouched).  With @val NULL only the length is returned. */
int cmdline_get(const char *cmdline, const char *key, char *val, size_t len);

#endif
