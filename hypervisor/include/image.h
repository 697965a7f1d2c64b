/* The header at offset 0 of islet.bin, read by islet.efi to load the same
 * image that GRUB loads through the multiboot2 header that follows it. */
#ifndef ISLET_IMAGE_H
#define ISLET_IMAGE_H

#define ISLET_IMAGE_MAGIC	0x31564854454c5349ULL	/* "ISLETHV1" as a little-endian u64 */

#ifndef __ASSEMBLER__
#include "types.h"

/* Contract of the 64-bit entry (entry64): long mode, identity-mapped paging
 * that covers the image and the information block, interrupts disabled,
 * RDI = MB2_BOOTLOADER_MAGIC, RSI = physical address (< 4 GiB) of a
 * multiboot2 information block.  The hypervisor sets up its own stack, GDT,
 * IDT and page tables and never returns. */
struct islet_image_header {
	u64 magic;		/* ISLET_IMAGE_MAGIC */
	u64 load_addr;		/* physical address the image is linked at */
	u64 file_size;		/* bytes of islet.bin to copy to load_addr */
	u64 mem_size;		/* bytes to reserve from load_addr (bss too) */
	u64 entry64;		/* physical address of the 64-bit entry */
};
_Static_assert(sizeof(struct islet_image_header) == 40, "image header");
#endif

#endif
