/* islet.efi's EFI-side helpers: one file per concern (fileio.c, place.c,
 * handoff.c), called in order by main.c.  The pure parts (config.c, mb2.c,
 * image_check.c) have their own headers and no EFI types. */
#ifndef ISLET_EFI_LOADER_H
#define ISLET_EFI_LOADER_H

#include <efi.h>
#include <efilib.h>
#include "types.h"
#include "image.h"
#include "mb2.h"

/* Every line islet.efi prints starts with this. */
#define LOADER_TAG	L"islet.efi: "

/* Allocations that the multiboot2 block points at must be below 4 GiB. */
#define BELOW_4G	0xffffffffULL

/* main.c: the entry point, called by GNU-EFI's crt0. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

/* fileio.c: files on the volume islet.efi was loaded from.  Paths are
 * ASCII, '/' or '\' separated.  Failures are printed with the path. */
EFI_STATUS file_open_volume(EFI_HANDLE image, EFI_FILE_HANDLE *root);
EFI_STATUS file_read_pool(EFI_FILE_HANDLE root, const char *path,
			  void **buf, UINTN *size, UINTN max_size);
EFI_STATUS file_load_low(EFI_FILE_HANDLE root, const char *path,
			 EFI_PHYSICAL_ADDRESS *addr, UINTN *size);

/* place.c: reserve [load_addr, load_addr + mem_size) with
 * AllocatePages(AllocateAddress), copy file_size bytes of @image there and
 * zero the rest.  If the range is taken, prints the memory map entries in
 * the way. */
EFI_STATUS place_hypervisor(const struct islet_image_header *hdr,
			    const void *image);

/* handoff.c: allocate the information block below 4 GiB, big enough for
 * @tags_size bytes of tags plus the EFI memory map. */
EFI_STATUS info_alloc(UINTN tags_size, struct mb2_builder *b);

/* handoff.c: fill the EFI memory map tag from the final GetMemoryMap,
 * ExitBootServices (retrying while the map key goes stale) and close the
 * block.  Returns an error (printed) only if GetMemoryMap fails before
 * ExitBootServices was first called; once it has been, any failure halts
 * the CPU, since the firmware may be half shut down.  On success boot
 * services are gone: print nothing afterwards. */
EFI_STATUS exit_boot_services(EFI_HANDLE image, struct mb2_builder *b);

/* entry.S: disable interrupts and jump to @entry with RDI = @magic and
 * RSI = @info.  The stack is left as it is. */
void __noreturn islet_enter(u64 entry, u64 magic, u64 info);

/* payload.S: build/islet.bin, embedded. */
extern const u8 islet_payload_start[] __attribute__((visibility("hidden")));
extern const u8 islet_payload_end[] __attribute__((visibility("hidden")));

#endif
