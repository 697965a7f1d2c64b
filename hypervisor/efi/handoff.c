/* The end of boot services: the information block's memory, the final
 * memory map, ExitBootServices. */
#include "loader.h"

/* Descriptors the map may grow by between info_alloc() and the final
 * GetMemoryMap (this allocation itself, console output, ...). */
#define MMAP_SLACK_DESCS	32
#define EBS_TRIES		8

/* After the first ExitBootServices call, boot services may be partly shut
 * down: nothing may be printed, nor control given back to the firmware. */
static void __noreturn stop(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

EFI_STATUS info_alloc(UINTN tags_size, struct mb2_builder *b)
{
	EFI_PHYSICAL_ADDRESS addr = BELOW_4G;
	UINTN map_size = 0, key, desc_size = 0, pages;
	UINT32 desc_version;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->GetMemoryMap, 5, &map_size, NULL, &key,
			       &desc_size, &desc_version);
	if (st != EFI_BUFFER_TOO_SMALL || desc_size == 0) {
		Print(LOADER_TAG L"GetMemoryMap did not give its size: %r\n", st);
		return EFI_ERROR(st) ? st : EFI_DEVICE_ERROR;
	}
	pages = EFI_SIZE_TO_PAGES(tags_size + MB2_EFI_MMAP_HDR + map_size +
				  MMAP_SLACK_DESCS * desc_size);
	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress,
			       EfiLoaderData, pages, &addr);
	if (EFI_ERROR(st)) {
		Print(LOADER_TAG L"no room below 4 GiB for the boot "
		      L"information: %r\n", st);
		return st;
	}
	if (mb2_init(b, (void *)(uintptr_t)addr, pages * EFI_PAGE_SIZE)) {
		uefi_call_wrapper(BS->FreePages, 2, addr, pages);
		return EFI_INVALID_PARAMETER;
	}
	Print(LOADER_TAG L"boot information at 0x%lx (%lu bytes; memory map "
	      L"now %lu bytes, %lu per descriptor)\n", addr,
	      pages * EFI_PAGE_SIZE, map_size, desc_size);
	return EFI_SUCCESS;
}

EFI_STATUS exit_boot_services(EFI_HANDLE image, struct mb2_builder *b)
{
	UINTN map_size = 0, key, desc_size = 0, try;
	UINT32 desc_version = 0;
	u64 area_size;
	void *area;
	EFI_STATUS st = EFI_INVALID_PARAMETER;

	if (mb2_mmap_area(b, &area, &area_size)) {
		Print(LOADER_TAG L"boot information full before the memory map\n");
		return EFI_BUFFER_TOO_SMALL;
	}
	/* From here on, nothing allocates: the map written into @area must
	 * stay the current one until ExitBootServices accepts its key.  A
	 * stale key (EFI_INVALID_PARAMETER) means something changed the map
	 * in between (an event, a timer); fetch it again into the same area. */
	for (try = 0; try < EBS_TRIES; try++) {
		map_size = area_size;
		st = uefi_call_wrapper(BS->GetMemoryMap, 5, &map_size, area,
				       &key, &desc_size, &desc_version);
		if (EFI_ERROR(st) && try > 0)
			stop();
		if (EFI_ERROR(st)) {
			Print(LOADER_TAG L"final GetMemoryMap: %r (%lu bytes "
			      L"needed, %lu available)\n", st, map_size,
			      area_size);
			return st;
		}
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
		if (st != EFI_INVALID_PARAMETER)
			break;
	}
	if (EFI_ERROR(st))
		stop();

	/* Boot services are gone: no printing, no returning to the firmware.
	 * These cannot fail with the area from mb2_mmap_area() and a
	 * descriptor size the firmware gave; if they did, the block would be
	 * unusable, so stop here rather than enter with a broken one. */
	if (mb2_mmap_commit(b, map_size, (u32)desc_size, desc_version) ||
	    mb2_finish(b) < 0)
		stop();
	return EFI_SUCCESS;
}
