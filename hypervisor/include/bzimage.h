/* The Linux x86 boot protocol (Documentation/arch/x86/boot.rst): parse a
 * bzImage and build the zero page for the 32-bit entry.  Pure logic: the
 * caller places the pieces in guest memory. */
#ifndef ISLET_BZIMAGE_H
#define ISLET_BZIMAGE_H

#include "types.h"
#include "e820.h"

#define BOOT_PARAMS_SIZE	4096
#define BP_SETUP_HDR_OFF	0x1f1	/* setup header inside the image and zero page */

struct bzimage_info {
	u16 version;		/* boot protocol, e.g. 0x020f */
	u32 setup_size;		/* bytes of real-mode setup, (setup_sects+1)*512 */
	u64 pm_offset;		/* offset of the protected-mode kernel in the file */
	u64 pm_size;		/* its size */
	u64 pref_address;	/* preferred load address */
	u32 init_size;		/* memory needed from the load address */
	u32 kernel_alignment;
	bool relocatable;
	u32 cmdline_size;	/* max command line length, without the NUL */
	u32 initrd_addr_max;
	bool xlf_can_be_loaded_above_4g;
	bool xlf_kernel_64;	/* has the 64-bit entry at pm start + 0x200 */
};

/* Check and parse a bzImage of @size bytes.  Requires the "HdrS" magic,
 * protocol >= 2.10 (for pref_address/init_size), the 0xAA55 boot flag,
 * LOADED_HIGH, and a setup size and protected-mode payload inside the file.
 * Also refused: a header (0x202 + the jump offset at 0x201) that ends
 * before init_size or runs past 0x290 into the zero page, init_size below
 * the payload size, and a relocatable kernel whose kernel_alignment is not
 * a power of two.  Returns 0, or -ENOEXEC for anything else. */
int bzimage_parse(const void *image, u64 size, struct bzimage_info *info);

struct boot_params_in {
	u64 load_addr;		/* where the protected-mode kernel was copied */
	u64 cmdline_addr;	/* guest-physical address of the command line */
	u32 cmdline_len;	/* without NUL; must be <= cmdline_size */
	u64 initrd_addr, initrd_size;	/* 0, 0 for none */
	u64 rsdp_addr;		/* 0 for none */
	const struct e820_map *e820;
};

/* Build the zero page in @bp (BOOT_PARAMS_SIZE bytes) from the image's
 * setup header: zeroed, header copied, type_of_loader 0xff, loadflags
 * (LOADED_HIGH, KEEP_SEGMENTS clear, CAN_USE_HEAP clear), code32_start,
 * cmd_line_ptr (+ext), ramdisk (+ext), acpi_rsdp_addr (protocol >= 2.14),
 * e820_table and e820_entries; setup_data is cleared.  Returns 0, -EINVAL
 * if the command line is too long, the initrd lies above initrd_addr_max,
 * the load address is not aligned to kernel_alignment when the kernel is
 * relocatable (or not pref_address when it is not), the kernel's
 * [load_addr, load_addr + max(init_size, pm_size)) does not fit below
 * 4 GiB (the 32-bit entry runs unpaged), or @in->e820 is missing. */
int bootparams_build(const void *image, const struct bzimage_info *info,
		     const struct boot_params_in *in, void *bp);

#endif
