/* UEFI memory map -> e820, for the EFI boot path (multiboot2 tag 17). */
#include "e820.h"
#include "lib.h"

/* EFI_MEMORY_DESCRIPTOR as UEFI 2.x defines it; firmware may append fields,
 * which is why the stride (desc_size) is given separately. */
struct efi_desc {
	u32 type;
	u32 pad;
	u64 phys_start;
	u64 virt_start;
	u64 nr_pages;
	u64 attribute;
};
_Static_assert(sizeof(struct efi_desc) == 40, "EFI memory descriptor");

#define EFI_PAGE_SHIFT	12

/* By EFI_MEMORY_TYPE.  The map is read after ExitBootServices, so loader and
 * boot-services memory is free RAM; runtime-services memory must stay
 * untouched for the firmware, hence reserved.  Types not listed (including
 * OEM/OS-defined ones) are reserved: unknown memory is never handed out. */
static const u32 efi_to_e820[] = {
	[0] = E820_RESERVED,	/* EfiReservedMemoryType */
	[1] = E820_RAM,		/* EfiLoaderCode */
	[2] = E820_RAM,		/* EfiLoaderData */
	[3] = E820_RAM,		/* EfiBootServicesCode */
	[4] = E820_RAM,		/* EfiBootServicesData */
	[5] = E820_RESERVED,	/* EfiRuntimeServicesCode */
	[6] = E820_RESERVED,	/* EfiRuntimeServicesData */
	[7] = E820_RAM,		/* EfiConventionalMemory */
	[8] = E820_UNUSABLE,	/* EfiUnusableMemory */
	[9] = E820_ACPI,	/* EfiACPIReclaimMemory */
	[10] = E820_NVS,	/* EfiACPIMemoryNVS */
	[11] = E820_RESERVED,	/* EfiMemoryMappedIO */
	[12] = E820_RESERVED,	/* EfiMemoryMappedIOPortSpace */
	[13] = E820_RESERVED,	/* EfiPalCode */
	[14] = E820_PMEM,	/* EfiPersistentMemory */
};

static u32 e820_type_of(u32 efi_type)
{
	if (efi_type < ARRAY_SIZE(efi_to_e820))
		return efi_to_e820[efi_type];
	return E820_RESERVED;
}

int efi_mmap_to_e820(const void *map, u64 map_size, u64 desc_size,
		     struct e820_map *out)
{
	const u8 *p = map;

	out->nr = 0;
	if (desc_size < sizeof(struct efi_desc) || map_size % desc_size)
		return -EINVAL;

	for (u64 off = 0; off < map_size; off += desc_size) {
		struct efi_desc d;
		int err;

		/* The stride need not keep descriptors 8-byte aligned. */
		memcpy(&d, p + off, sizeof(d));
		if (d.nr_pages > (UINT64_MAX >> EFI_PAGE_SHIFT))
			return -EINVAL;
		err = e820_add(out, d.phys_start, d.nr_pages << EFI_PAGE_SHIFT,
			       e820_type_of(d.type));
		if (err)
			return err;
	}
	return e820_sanitize(out);
}
