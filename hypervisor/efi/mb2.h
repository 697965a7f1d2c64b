/* Building a multiboot2 information block, the boot information that GRUB
 * gives the hypervisor, so that islet.efi enters it the same way.
 *
 * Layout: u32 total_size, u32 reserved, then tags, each starting on an
 * 8-byte boundary with u32 type, u32 size (size excludes the padding), and
 * an end tag (type 0, size 8).  All functions are pure (they only write the
 * caller's buffer) and return 0 or a negative errno; on error the block is
 * left as it was before the call.
 *
 * The EFI memory map must be the one current at ExitBootServices, so its tag
 * is filled in two steps: mb2_mmap_area() gives the space left in the
 * buffer, where GetMemoryMap writes the descriptors directly (no allocation
 * in between), and mb2_mmap_commit() writes the tag header around them. */
#ifndef ISLET_EFI_MB2_H
#define ISLET_EFI_MB2_H

#include "types.h"

#define MB2_TAG_END		0
#define MB2_TAG_CMDLINE		1
#define MB2_TAG_LOADER_NAME	2
#define MB2_TAG_MODULE		3
#define MB2_TAG_EFI64		12
#define MB2_TAG_ACPI_OLD	14
#define MB2_TAG_ACPI_NEW	15
#define MB2_TAG_EFI_MMAP	17

#define MB2_TAG_ALIGN		8
#define MB2_EFI_MMAP_HDR	16	/* type, size, descr_size, descr_vers */

struct mb2_builder {
	u8 *buf;
	u64 cap;		/* bytes in buf */
	u64 len;		/* bytes used: header and complete tags */
	bool done;		/* end tag written */
};

/* Start a block in @buf (8-byte aligned, @cap bytes). */
int mb2_init(struct mb2_builder *b, void *buf, u64 cap);

/* A tag holding one NUL-terminated string (cmdline, loader name). */
int mb2_add_string(struct mb2_builder *b, u32 type, const char *s);

/* A module [start, end) below 4 GiB, with the string "<name> <args>", or
 * just "<name>" when @args is NULL or empty. */
int mb2_add_module(struct mb2_builder *b, u64 start, u64 end,
		   const char *name, const char *args);

/* The EFI64 system table pointer (tag 12). */
int mb2_add_efi64(struct mb2_builder *b, u64 system_table);

/* A copy of the ACPI RSDP at @rsdp: tag 15 with the whole structure
 * (Length bytes) for revision 2 or later, else tag 14 with the 20-byte
 * ACPI 1.0 part.  The signature and checksums are checked (-EINVAL). */
int mb2_add_acpi(struct mb2_builder *b, const void *rsdp);

/* Where the EFI memory map's descriptors go and how many bytes fit there,
 * leaving room for the end tag.  Does not change the block; the memory map
 * tag must be the last one, so add no other tag before committing it. */
int mb2_mmap_area(struct mb2_builder *b, void **area, u64 *area_size);

/* Close the EFI memory map tag over @map_size bytes of descriptors written
 * at the area that mb2_mmap_area() returned. */
int mb2_mmap_commit(struct mb2_builder *b, u64 map_size, u32 desc_size,
		    u32 desc_version);

/* Write the end tag and total_size; returns the total size (> 0) or a
 * negative errno.  No tag can be added after this. */
s64 mb2_finish(struct mb2_builder *b);

#endif
