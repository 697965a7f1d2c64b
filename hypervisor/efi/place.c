/* Putting the embedded hypervisor image at the address it is linked at. */
#include "loader.h"

/* Print the memory map entries that overlap [base, end), which is why
 * AllocateAddress failed. */
static void print_conflicts(EFI_PHYSICAL_ADDRESS base, EFI_PHYSICAL_ADDRESS end)
{
	EFI_MEMORY_DESCRIPTOR *map, *d;
	UINTN entries, key, desc_size, i;
	UINT32 desc_version;
	u64 d_end;

	map = LibMemoryMap(&entries, &key, &desc_size, &desc_version);
	if (!map)
		return;
	for (i = 0; i < entries; i++) {
		d = (EFI_MEMORY_DESCRIPTOR *)((u8 *)map + i * desc_size);
		d_end = d->PhysicalStart + d->NumberOfPages * EFI_PAGE_SIZE;
		if (d->PhysicalStart >= end || d_end <= base)
			continue;
		Print(LOADER_TAG L"  in the way: [0x%lx, 0x%lx) type %u%a\n",
		      d->PhysicalStart, d_end, d->Type,
		      d->Type == EfiConventionalMemory ? " (free)" : "");
	}
	FreePool(map);
}

EFI_STATUS place_hypervisor(const struct islet_image_header *hdr,
			    const void *image)
{
	EFI_PHYSICAL_ADDRESS addr = hdr->load_addr;
	UINTN pages = EFI_SIZE_TO_PAGES(hdr->mem_size);
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAddress,
			       EfiLoaderData, pages, &addr);
	if (EFI_ERROR(st)) {
		Print(LOADER_TAG L"the hypervisor's range [0x%lx, 0x%lx) "
		      L"is not free: %r\n", hdr->load_addr,
		      hdr->load_addr + pages * EFI_PAGE_SIZE, st);
		print_conflicts(hdr->load_addr,
				hdr->load_addr + pages * EFI_PAGE_SIZE);
		return st;
	}
	CopyMem((void *)(uintptr_t)addr, image, hdr->file_size);
	ZeroMem((u8 *)(uintptr_t)addr + hdr->file_size,
		pages * EFI_PAGE_SIZE - hdr->file_size);
	Print(LOADER_TAG L"hypervisor at [0x%lx, 0x%lx), entry 0x%lx\n",
	      hdr->load_addr, hdr->load_addr + hdr->mem_size, hdr->entry64);
	return EFI_SUCCESS;
}
