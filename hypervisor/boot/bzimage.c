/* Linux bzImage parsing and zero-page construction for the 32-bit boot
 * protocol entry (Documentation/arch/x86/boot.rst, zero-page.rst).  The
 * image is untrusted input to the extent that a corrupt file must not make
 * the hypervisor read or write outside the buffers it was given. */
#include "bzimage.h"
#include "lib.h"

/* Setup header fields (offsets in the image and in the zero page). */
#define HDR_SETUP_SECTS		0x1f1	/* u8 */
#define HDR_BOOT_FLAG		0x1fe	/* u16, 0xAA55 */
#define HDR_JUMP		0x200	/* u8 0xEB (jmp short) + u8 offset */
#define HDR_MAGIC		0x202	/* u32 "HdrS" */
#define HDR_VERSION		0x206	/* u16 */
#define HDR_TYPE_OF_LOADER	0x210	/* u8 */
#define HDR_LOADFLAGS		0x211	/* u8 */
#define HDR_CODE32_START	0x214	/* u32 */
#define HDR_RAMDISK_IMAGE	0x218	/* u32 */
#define HDR_RAMDISK_SIZE	0x21c	/* u32 */
#define HDR_CMD_LINE_PTR	0x228	/* u32 */
#define HDR_INITRD_ADDR_MAX	0x22c	/* u32 */
#define HDR_KERNEL_ALIGNMENT	0x230	/* u32 */
#define HDR_RELOCATABLE		0x234	/* u8 */
#define HDR_XLOADFLAGS		0x236	/* u16, protocol 2.12+ */
#define HDR_CMDLINE_SIZE	0x238	/* u32 */
#define HDR_SETUP_DATA		0x250	/* u64 */
#define HDR_PREF_ADDRESS	0x258	/* u64 */
#define HDR_INIT_SIZE		0x260	/* u32 */
#define HDR_MIN_END		0x264	/* end of init_size, the last field we read */

/* Zero-page fields outside the setup header. */
#define BP_ACPI_RSDP_ADDR	0x070	/* u64 */
#define BP_EXT_RAMDISK_IMAGE	0x0c0	/* u32 */
#define BP_EXT_RAMDISK_SIZE	0x0c4	/* u32 */
#define BP_EXT_CMD_LINE_PTR	0x0c8	/* u32 */
#define BP_E820_ENTRIES		0x1e8	/* u8 */
#define BP_HDR_LIMIT		0x290	/* edd_mbr_sig_buffer: the header ends before */
#define BP_E820_TABLE		0x2d0	/* 128 x 20 bytes */

#define HDRS_MAGIC		0x53726448U	/* "HdrS" */
#define BOOT_FLAG		0xaa55
#define JMP_SHORT		0xeb
#define LOADED_HIGH		BIT(0)
#define KEEP_SEGMENTS		BIT(6)
#define CAN_USE_HEAP		BIT(7)
#define XLF_KERNEL_64		BIT(0)
#define XLF_CAN_BE_LOADED_ABOVE_4G BIT(1)
#define LOADER_UNDEFINED	0xff	/* type_of_loader: no assigned ID */

static u32 rd(const u8 *p, size_t off, size_t len)
{
	u32 v = 0;

	memcpy(&v, p + off, len);	/* x86 is little-endian, like the format */
	return v;
}

static u64 rd64(const u8 *p, size_t off)
{
	u64 v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static void wr(u8 *p, size_t off, u64 v, size_t len)
{
	memcpy(p + off, &v, len);
}

/* The header's own length: the jump at 0x200 skips over it. */
static u32 header_end(const u8 *img)
{
	return 0x202 + img[HDR_JUMP + 1];
}

static bool is_pow2(u64 x)
{
	return x && !(x & (x - 1));
}

int bzimage_parse(const void *image, u64 size, struct bzimage_info *info)
{
	const u8 *img = image;
	u32 sects, hend;

	memset(info, 0, sizeof(*info));
	if (!img || size < HDR_MIN_END)
		return -ENOEXEC;
	if (rd(img, HDR_BOOT_FLAG, 2) != BOOT_FLAG ||
	    rd(img, HDR_MAGIC, 4) != HDRS_MAGIC || img[HDR_JUMP] != JMP_SHORT)
		return -ENOEXEC;
	info->version = rd(img, HDR_VERSION, 2);
	/* 2.10 brought pref_address and init_size, which placement needs. */
	if (info->version < 0x020a)
		return -ENOEXEC;
	/* The header must contain every field read here and must not run
	 * into the zero page's fields that follow it when copied. */
	hend = header_end(img);
	if (hend < HDR_MIN_END || hend > BP_HDR_LIMIT)
		return -ENOEXEC;
	if (!(img[HDR_LOADFLAGS] & LOADED_HIGH))
		return -ENOEXEC;	/* a zImage, loaded at 0x10000 */

	sects = img[HDR_SETUP_SECTS];
	if (!sects)
		sects = 4;		/* the protocol's historical default */
	info->setup_size = (sects + 1) * 512;
	if (info->setup_size >= size)
		return -ENOEXEC;	/* no protected-mode kernel in the file */
	info->pm_offset = info->setup_size;
	info->pm_size = size - info->setup_size;

	info->pref_address = rd64(img, HDR_PREF_ADDRESS);
	info->init_size = rd(img, HDR_INIT_SIZE, 4);
	info->kernel_alignment = rd(img, HDR_KERNEL_ALIGNMENT, 4);
	info->relocatable = img[HDR_RELOCATABLE] != 0;
	info->cmdline_size = rd(img, HDR_CMDLINE_SIZE, 4);
	info->initrd_addr_max = rd(img, HDR_INITRD_ADDR_MAX, 4);
	if (info->version >= 0x020c) {
		u32 xlf = rd(img, HDR_XLOADFLAGS, 2);

		info->xlf_can_be_loaded_above_4g = xlf & XLF_CAN_BE_LOADED_ABOVE_4G;
		info->xlf_kernel_64 = xlf & XLF_KERNEL_64;
	}

	/* init_size covers the copied kernel too; less means a corrupt
	 * header, and a loader trusting it would place things over the
	 * kernel. */
	if (info->init_size < info->pm_size)
		return -ENOEXEC;
	if (info->relocatable && !is_pow2(info->kernel_alignment))
		return -ENOEXEC;
	return 0;
}

static int check_in(const struct bzimage_info *info,
		    const struct boot_params_in *in)
{
	u64 footprint = MAX((u64)info->init_size, info->pm_size);

	if (in->cmdline_len > info->cmdline_size)
		return -EINVAL;
	if (info->relocatable) {
		if (!is_pow2(info->kernel_alignment) ||
		    !IS_ALIGNED(in->load_addr, info->kernel_alignment))
			return -EINVAL;
	} else if (in->load_addr != info->pref_address) {
		return -EINVAL;
	}
	/* The 32-bit entry runs without paging: the kernel and the room it
	 * decompresses in must lie below 4 GiB (code32_start is 32 bits). */
	if (in->load_addr > 4 * GiB || footprint > 4 * GiB - in->load_addr)
		return -EINVAL;
	if (in->initrd_size) {
		u64 last = in->initrd_addr + in->initrd_size - 1;

		if (last < in->initrd_addr || last > info->initrd_addr_max)
			return -EINVAL;
	}
	if (!in->e820 || in->e820->nr > E820_MAX)
		return -EINVAL;
	return 0;
}

int bootparams_build(const void *image, const struct bzimage_info *info,
		     const struct boot_params_in *in, void *bp)
{
	const u8 *img = image;
	u8 *z = bp;
	u32 hend = header_end(img);
	int err;

	err = check_in(info, in);
	if (err)
		return err;
	/* bzimage_parse checked this; the image is read again here. */
	if (hend < HDR_MIN_END || hend > BP_HDR_LIMIT)
		return -EINVAL;

	memset(z, 0, BOOT_PARAMS_SIZE);
	memcpy(z + BP_SETUP_HDR_OFF, img + BP_SETUP_HDR_OFF, hend - BP_SETUP_HDR_OFF);

	z[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	/* No real-mode setup code runs (32-bit entry), so it has no heap, and
	 * the kernel must load its own segments. */
	z[HDR_LOADFLAGS] = (z[HDR_LOADFLAGS] | LOADED_HIGH) &
			   ~(KEEP_SEGMENTS | CAN_USE_HEAP);
	wr(z, HDR_CODE32_START, in->load_addr, 4);
	/* A setup_data list in the image file would be followed as pointers. */
	wr(z, HDR_SETUP_DATA, 0, 8);

	wr(z, HDR_CMD_LINE_PTR, in->cmdline_addr, 4);
	wr(z, BP_EXT_CMD_LINE_PTR, in->cmdline_addr >> 32, 4);
	if (in->initrd_size) {
		wr(z, HDR_RAMDISK_IMAGE, in->initrd_addr, 4);
		wr(z, BP_EXT_RAMDISK_IMAGE, in->initrd_addr >> 32, 4);
		wr(z, HDR_RAMDISK_SIZE, in->initrd_size, 4);
		wr(z, BP_EXT_RAMDISK_SIZE, in->initrd_size >> 32, 4);
	}
	/* Older kernels do not read the field (2.14 itself is "burnt" in
	 * boot.rst, but the zero-page slot is the same). */
	if (info->version >= 0x020e)
		wr(z, BP_ACPI_RSDP_ADDR, in->rsdp_addr, 8);

	z[BP_E820_ENTRIES] = in->e820->nr;
	memcpy(z + BP_E820_TABLE, in->e820->e,
	       in->e820->nr * sizeof(struct e820_entry));
	return 0;
}
