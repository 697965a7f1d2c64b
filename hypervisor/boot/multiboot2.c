/* The multiboot2 information block -> struct boot_info.  The block comes
 * from the loader (GRUB or islet.efi), so it is parsed defensively: every
 * read is bounds-checked against the block's own size, and the block's
 * size against what the caller says is readable. */
#include "bootinfo.h"
#include "lib.h"

enum {
	MB2_TAG_END		= 0,
	MB2_TAG_CMDLINE		= 1,
	MB2_TAG_MODULE		= 3,
	MB2_TAG_MMAP		= 6,
	MB2_TAG_EFI64		= 12,
	MB2_TAG_ACPI_OLD	= 14,
	MB2_TAG_ACPI_NEW	= 15,
	MB2_TAG_EFI_MMAP	= 17,
};

#define MB2_TAG_HDR	8	/* u32 type, u32 size */
#define MB2_TAG_ALIGN	8
#define MB2_MMAP_ENTRY	24	/* u64 base, u64 len, u32 type, u32 reserved */
#define RSDP_V1_LEN	20
#define RSDP_V2_LEN	36

/* Tags are only 8-byte aligned relative to the block, and the caller's
 * pointer may be anything, so all fields are read by copy. */
static u32 rd32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static u64 rd64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* A NUL-terminated string filling at most @len bytes at @s. */
static int copy_string(char dst[BOOT_CMDLINE_MAX], const u8 *s, u64 len)
{
	size_t n = strnlen((const char *)s, len);

	if (n == len)
		return -EINVAL;		/* no terminator inside the tag */
	if (n >= BOOT_CMDLINE_MAX)
		return -E2BIG;
	memcpy(dst, s, n + 1);
	return 0;
}

static int parse_module(struct boot_info *bi, const u8 *tag, u32 size)
{
	struct boot_module *mod;
	u32 start, end;
	int err;

	if (size < MB2_TAG_HDR + 8)
		return -EINVAL;
	if (bi->nr_modules == BOOT_MAX_MODULES)
		return -E2BIG;
	start = rd32(tag + 8);
	end = rd32(tag + 12);
	if (start > end)
		return -EINVAL;
	mod = &bi->modules[bi->nr_modules];
	err = copy_string(mod->cmdline, tag + 16, size - 16);
	if (err)
		return err;
	mod->start = start;
	mod->end = end;
	bi->nr_modules++;
	return 0;
}

/* Tag 6: the BIOS e820 map as GRUB saw it.  Types pass through (multiboot2
 * uses the e820 numbering), except 0, which is not a type at all. */
static int parse_mmap(struct e820_map *mem, const u8 *tag, u32 size)
{
	u32 esize = rd32(tag + 8);

	mem->nr = 0;
	for (u32 off = 16; off < size; off += esize) {
		const u8 *e = tag + off;
		u32 type = rd32(e + 16);
		int err;

		err = e820_add(mem, rd64(e), rd64(e + 8),
			       type ? type : E820_RESERVED);
		if (err)
			return err;
	}
	return e820_sanitize(mem);
}

/* Where the memory-map tags are, remembered during the walk so that the
 * preferred one can be chosen whatever the tag order. */
struct mb2_maps {
	const u8 *mmap, *efi_mmap;
	u32 mmap_size, efi_mmap_size;
};

static int check_mmap_tag(const u8 *tag, u32 size)
{
	u32 esize;

	if (size < 16)
		return -EINVAL;
	esize = rd32(tag + 8);
	if (esize < MB2_MMAP_ENTRY || (size - 16) % esize)
		return -EINVAL;
	return 0;
}

static int parse_tag(struct boot_info *bi, struct mb2_maps *maps,
		     const u8 *tag, u32 type, u32 size)
{
	int err;

	switch (type) {
	case MB2_TAG_CMDLINE:
		return copy_string(bi->cmdline, tag + 8, size - 8);
	case MB2_TAG_MODULE:
		return parse_module(bi, tag, size);
	case MB2_TAG_MMAP:
		err = check_mmap_tag(tag, size);
		if (err)
			return err;
		maps->mmap = tag;
		maps->mmap_size = size;
		return 0;
	case MB2_TAG_EFI_MMAP:
		if (size < 16)
			return -EINVAL;
		maps->efi_mmap = tag;
		maps->efi_mmap_size = size;
		return 0;
	case MB2_TAG_EFI64:
		if (size < 16)
			return -EINVAL;
		bi->efi_system_table = rd64(tag + 8);
		return 0;
	case MB2_TAG_ACPI_OLD:
		if (size < MB2_TAG_HDR + RSDP_V1_LEN)
			return -EINVAL;
		if (bi->rsdp_len == RSDP_V2_LEN)
			return 0;	/* the v2 copy is better */
		memcpy(bi->rsdp, tag + 8, RSDP_V1_LEN);
		bi->rsdp_len = RSDP_V1_LEN;
		return 0;
	case MB2_TAG_ACPI_NEW:
		if (size < MB2_TAG_HDR + RSDP_V2_LEN)
			return -EINVAL;
		memcpy(bi->rsdp, tag + 8, RSDP_V2_LEN);
		bi->rsdp_len = RSDP_V2_LEN;
		return 0;
	default:
		return 0;	/* basic meminfo, framebuffer, ...: not needed */
	}
}

int mb2_parse(const void *mbi, u64 avail, struct boot_info *bi)
{
	const u8 *base = mbi;
	struct mb2_maps maps = { 0 };
	u32 total, off;
	int err;

	memset(bi, 0, sizeof(*bi));
	if (!mbi || avail < 16)
		return -EINVAL;
	total = rd32(base);
	if (total < 16 || total > avail)
		return -EINVAL;

	/* Tags follow the 8-byte fixed part; off never exceeds total. */
	for (off = 8;;) {
		const u8 *tag = base + off;
		u32 type, size;

		if (total - off < MB2_TAG_HDR)
			return -EINVAL;		/* ran out before the end tag */
		type = rd32(tag);
		size = rd32(tag + 4);
		if (size < MB2_TAG_HDR || size > total - off)
			return -EINVAL;
		if (type == MB2_TAG_END) {
			if (size != MB2_TAG_HDR)
				return -EINVAL;
			break;
		}
		err = parse_tag(bi, &maps, tag, type, size);
		if (err)
			return err;
		/* 64-bit so that a size near 4 GiB cannot wrap the offset. */
		if (ALIGN_UP((u64)size, MB2_TAG_ALIGN) > total - off)
			return -EINVAL;
		off += ALIGN_UP(size, MB2_TAG_ALIGN);
	}

	if (maps.mmap) {
		err = parse_mmap(&bi->mem, maps.mmap, maps.mmap_size);
	} else if (maps.efi_mmap) {
		err = efi_mmap_to_e820(maps.efi_mmap + 16, maps.efi_mmap_size - 16,
				       rd32(maps.efi_mmap + 8), &bi->mem);
		bi->from_efi_mmap = true;
	} else {
		err = -EINVAL;
	}
	if (err)
		return err;
	/* A map without a single entry is as useless as no map. */
	return bi->mem.nr ? 0 : -EINVAL;
}
