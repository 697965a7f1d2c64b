/* Reading files from the volume islet.efi was loaded from. */
#include "loader.h"
#include "config.h"

EFI_STATUS file_open_volume(EFI_HANDLE image, EFI_FILE_HANDLE *root)
{
	EFI_LOADED_IMAGE *li;
	EFI_FILE_IO_INTERFACE *fs;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image,
			       &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st)) {
		Print(LOADER_TAG L"no LoadedImage protocol: %r\n", st);
		return st;
	}
	st = uefi_call_wrapper(BS->HandleProtocol, 3, li->DeviceHandle,
			       &FileSystemProtocol, (void **)&fs);
	if (EFI_ERROR(st)) {
		Print(LOADER_TAG L"boot device has no file system: %r\n", st);
		return st;
	}
	st = uefi_call_wrapper(fs->OpenVolume, 2, fs, root);
	if (EFI_ERROR(st))
		Print(LOADER_TAG L"cannot open the boot volume: %r\n", st);
	return st;
}

/* Open @path for reading and return its size; prints failures. */
static EFI_STATUS file_open(EFI_FILE_HANDLE root, const char *path,
			    EFI_FILE_HANDLE *fh, UINTN *size)
{
	CHAR16 name[CONFIG_PATH_MAX];
	EFI_FILE_INFO *info;
	EFI_STATUS st;
	UINTN i;

	for (i = 0; path[i] && i < ARRAY_SIZE(name) - 1; i++)
		name[i] = path[i] == '/' ? L'\\' : (CHAR16)(u8)path[i];
	if (path[i]) {
		Print(LOADER_TAG L"path too long: %a\n", path);
		return EFI_INVALID_PARAMETER;
	}
	name[i] = 0;

	st = uefi_call_wrapper(root->Open, 5, root, fh, name,
			       EFI_FILE_MODE_READ, 0ULL);
	if (EFI_ERROR(st)) {
		Print(LOADER_TAG L"cannot open %s: %r\n", name, st);
		return st;
	}
	info = LibFileInfo(*fh);
	if (!info) {
		Print(LOADER_TAG L"cannot get the size of %s\n", name);
		st = EFI_DEVICE_ERROR;
	} else if (info->Attribute & EFI_FILE_DIRECTORY) {
		Print(LOADER_TAG L"%s is a directory\n", name);
		st = EFI_INVALID_PARAMETER;
	} else {
		*size = info->FileSize;
	}
	if (info)
		FreePool(info);
	if (EFI_ERROR(st))
		uefi_call_wrapper((*fh)->Close, 1, *fh);
	return st;
}

/* Read exactly @size bytes into @buf, then close @fh. */
static EFI_STATUS file_read_close(EFI_FILE_HANDLE fh, const char *path,
				  void *buf, UINTN size)
{
	EFI_STATUS st = EFI_SUCCESS;
	UINTN done = 0, n;

	while (done < size) {
		n = size - done;
		st = uefi_call_wrapper(fh->Read, 3, fh, &n, (u8 *)buf + done);
		if (EFI_ERROR(st))
			break;
		if (n == 0) {
			st = EFI_END_OF_FILE;
			break;
		}
		done += n;
	}
	uefi_call_wrapper(fh->Close, 1, fh);
	if (EFI_ERROR(st))
		Print(LOADER_TAG L"reading %a failed after %lu of %lu bytes: %r\n",
		      path, (u64)done, (u64)size, st);
	return st;
}

EFI_STATUS file_read_pool(EFI_FILE_HANDLE root, const char *path,
			  void **buf, UINTN *size, UINTN max_size)
{
	EFI_FILE_HANDLE fh;
	EFI_STATUS st;

	st = file_open(root, path, &fh, size);
	if (EFI_ERROR(st))
		return st;
	if (*size > max_size) {
		Print(LOADER_TAG L"%a is too big (%lu bytes, at most %lu)\n",
		      path, (u64)*size, (u64)max_size);
		uefi_call_wrapper(fh->Close, 1, fh);
		return EFI_BAD_BUFFER_SIZE;
	}
	*buf = AllocatePool(*size ? *size : 1);
	if (!*buf) {
		uefi_call_wrapper(fh->Close, 1, fh);
		return EFI_OUT_OF_RESOURCES;
	}
	st = file_read_close(fh, path, *buf, *size);
	if (EFI_ERROR(st))
		FreePool(*buf);
	return st;
}

EFI_STATUS file_load_low(EFI_FILE_HANDLE root, const char *path,
			 EFI_PHYSICAL_ADDRESS *addr, UINTN *size)
{
	EFI_FILE_HANDLE fh;
	EFI_STATUS st;
	UINTN pages;

	st = file_open(root, path, &fh, size);
	if (EFI_ERROR(st))
		return st;
	pages = EFI_SIZE_TO_PAGES(*size ? *size : 1);
	*addr = BELOW_4G;
	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress,
			       EfiLoaderData, pages, addr);
	if (EFI_ERROR(st)) {
		Print(LOADER_TAG L"no room below 4 GiB for %a (%lu bytes): %r\n",
		      path, (u64)*size, st);
		uefi_call_wrapper(fh->Close, 1, fh);
		return st;
	}
	st = file_read_close(fh, path, (void *)(uintptr_t)*addr, *size);
	if (EFI_ERROR(st)) {
		uefi_call_wrapper(BS->FreePages, 2, *addr, pages);
		return st;
	}
	return EFI_SUCCESS;
}
