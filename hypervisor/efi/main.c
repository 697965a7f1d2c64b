/* islet.efi: load the hypervisor image embedded at build time (the same
 * islet.bin that GRUB loads), the Service VM kernel and initrd named in
 * \islet.cfg, and enter the hypervisor with a multiboot2 information
 * block, as GRUB would. */
#include "loader.h"
#include "config.h"
#include "image_check.h"
#include "bootinfo.h"

#define CONFIG_FILE		"\\islet.cfg"
#define CONFIG_FILE_MAX		(64 * KiB)
/* Bound on the tags other than the memory map: header, cmdline and loader
 * name, two modules with BOOT_CMDLINE_MAX strings, EFI64, a 64-byte RSDP,
 * end tag, each padded to 8 bytes. */
#define TAGS_MAX		(8 + 2 * (8 + BOOT_CMDLINE_MAX + 8) + \
				 2 * (16 + BOOT_CMDLINE_MAX + 8) + 16 + \
				 (8 + 64) + 8)

struct loaded_file {
	EFI_PHYSICAL_ADDRESS addr;
	UINTN size;
	bool present;
};

static void free_file(struct loaded_file *f)
{
	if (f->present)
		uefi_call_wrapper(BS->FreePages, 2, f->addr,
				  EFI_SIZE_TO_PAGES(f->size ? f->size : 1));
	f->present = false;
}

static EFI_STATUS read_config(EFI_FILE_HANDLE root, struct efi_config *cfg)
{
	struct config_error err;
	EFI_STATUS st;
	UINTN size;
	void *text;
	int ret;

	st = file_read_pool(root, CONFIG_FILE, &text, &size, CONFIG_FILE_MAX);
	if (EFI_ERROR(st)) {
		Print(LOADER_TAG L"cannot read the configuration %a\n",
		      CONFIG_FILE);
		return st;
	}
	ret = config_parse(text, size, cfg, &err);
	FreePool(text);
	if (ret == 0)
		return EFI_SUCCESS;
	if (err.line)
		Print(LOADER_TAG L"%a line %u: %a '%a'\n", CONFIG_FILE,
		      err.line, err.what, err.key);
	else
		Print(LOADER_TAG L"%a: %a\n", CONFIG_FILE, err.what);
	return EFI_INVALID_PARAMETER;
}

static EFI_STATUS load_module(EFI_FILE_HANDLE root, const char *what,
			      const char *path, struct loaded_file *f)
{
	EFI_STATUS st = file_load_low(root, path, &f->addr, &f->size);

	if (EFI_ERROR(st)) {
		Print(LOADER_TAG L"cannot load the %a %a\n", what, path);
		return st;
	}
	f->present = true;
	Print(LOADER_TAG L"%a %a: %lu bytes at 0x%lx\n", what, path,
	      (u64)f->size, f->addr);
	return EFI_SUCCESS;
}

/* Add the RSDP from the configuration table, ACPI 2.0 preferred. */
static void add_rsdp(struct mb2_builder *b)
{
	static EFI_GUID guids[] = { ACPI_20_TABLE_GUID, ACPI_TABLE_GUID };
	UINTN g, i;

	for (g = 0; g < ARRAY_SIZE(guids); g++)
		for (i = 0; i < ST->NumberOfTableEntries; i++) {
			EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];

			if (CompareGuid(&t->VendorGuid, &guids[g]))
				continue;
			if (mb2_add_acpi(b, t->VendorTable) == 0) {
				Print(LOADER_TAG L"ACPI RSDP at 0x%lx "
				      L"(ACPI %a table)\n",
				      (u64)(uintptr_t)t->VendorTable,
				      g == 0 ? "2.0" : "1.0");
				return;
			}
			Print(LOADER_TAG L"ignoring a bad RSDP at 0x%lx\n",
			      (u64)(uintptr_t)t->VendorTable);
		}
	Print(LOADER_TAG L"warning: no ACPI RSDP in the configuration table\n");
}

static EFI_STATUS build_info(struct mb2_builder *b, const struct efi_config *cfg,
			     const struct loaded_file *kernel,
			     const struct loaded_file *initrd)
{
	int ret;

	ret = mb2_add_string(b, MB2_TAG_CMDLINE, cfg->hypervisor);
	if (!ret)
		ret = mb2_add_string(b, MB2_TAG_LOADER_NAME, "islet.efi");
	if (!ret)
		ret = mb2_add_module(b, kernel->addr, kernel->addr + kernel->size,
				     CONFIG_MODULE_PREFIX, cfg->cmdline);
	if (!ret && initrd->present)
		ret = mb2_add_module(b, initrd->addr, initrd->addr + initrd->size,
				     "initrd", NULL);
	if (!ret)
		ret = mb2_add_efi64(b, (u64)(uintptr_t)ST);
	if (ret) {
		Print(LOADER_TAG L"cannot build the boot information (%d)\n", ret);
		return EFI_BUFFER_TOO_SMALL;
	}
	add_rsdp(b);
	return EFI_SUCCESS;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	u64 blob_size = (u64)(islet_payload_end - islet_payload_start);
	struct loaded_file kernel = { 0 }, initrd = { 0 };
	struct islet_image_header hdr;
	static struct efi_config cfg;
	struct mb2_builder info;
	EFI_FILE_HANDLE root;
	const char *why;
	EFI_STATUS st;

	InitializeLib(image, systab);
	Print(LOADER_TAG L"Islet EFI loader, hypervisor image of %lu bytes\n",
	      blob_size);

	if (image_check(islet_payload_start, blob_size, &hdr, &why)) {
		Print(LOADER_TAG L"embedded hypervisor image is unusable: %a\n",
		      why);
		return EFI_LOAD_ERROR;
	}
	st = file_open_volume(image, &root);
	if (EFI_ERROR(st))
		return st;
	st = read_config(root, &cfg);
	if (!EFI_ERROR(st))
		st = load_module(root, "kernel", cfg.kernel, &kernel);
	if (!EFI_ERROR(st) && cfg.initrd[0])
		st = load_module(root, "initrd", cfg.initrd, &initrd);
	uefi_call_wrapper(root->Close, 1, root);
	if (EFI_ERROR(st))
		goto err_files;

	st = place_hypervisor(&hdr, islet_payload_start);
	if (EFI_ERROR(st))
		goto err_files;
	st = info_alloc(TAGS_MAX, &info);
	if (EFI_ERROR(st))
		goto err_hv;
	st = build_info(&info, &cfg, &kernel, &initrd);
	if (EFI_ERROR(st))
		goto err_info;

	Print(LOADER_TAG L"exiting boot services, entering the hypervisor\n");
	st = exit_boot_services(image, &info);
	if (EFI_ERROR(st))
		goto err_info;
	islet_enter(hdr.entry64, MB2_BOOTLOADER_MAGIC, (u64)(uintptr_t)info.buf);

err_info:
	uefi_call_wrapper(BS->FreePages, 2, (EFI_PHYSICAL_ADDRESS)(uintptr_t)info.buf,
			  EFI_SIZE_TO_PAGES(info.cap));
err_hv:
	uefi_call_wrapper(BS->FreePages, 2, hdr.load_addr,
			  EFI_SIZE_TO_PAGES(hdr.mem_size));
err_files:
	free_file(&initrd);
	free_file(&kernel);
	Print(LOADER_TAG L"not starting the hypervisor: %r\n", st);
	return st;
}
