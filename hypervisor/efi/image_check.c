/* Validation of the embedded hypervisor image header (see image_check.h). */
#include "image_check.h"

static int bad(const char **why, const char *reason, int err)
{
	*why = reason;
	return err;
}

int image_check(const void *blob, u64 blob_size,
		struct islet_image_header *hdr, const char **why)
{
	const u8 *src = blob;
	u8 *dst = (u8 *)hdr;
	size_t i;

	*why = "";
	if (!blob || blob_size < sizeof(*hdr))
		return bad(why, "image smaller than its header", -ENOEXEC);
	for (i = 0; i < sizeof(*hdr); i++)
		dst[i] = src[i];
	if (hdr->magic != ISLET_IMAGE_MAGIC)
		return bad(why, "bad magic (not an ISLETHV1 image)", -ENOEXEC);
	if (hdr->file_size < sizeof(*hdr) || hdr->file_size > blob_size)
		return bad(why, "file_size outside the embedded image", -EINVAL);
	if (hdr->mem_size < hdr->file_size)
		return bad(why, "mem_size smaller than file_size", -EINVAL);
	if (!IS_ALIGNED(hdr->load_addr, PAGE_SIZE))
		return bad(why, "load_addr not page-aligned", -EINVAL);
	if (hdr->load_addr == 0 || hdr->load_addr >= 4 * GiB ||
	    hdr->mem_size > 4 * GiB - hdr->load_addr)
		return bad(why, "image not within (0, 4 GiB)", -ERANGE);
	if (hdr->entry64 < hdr->load_addr + sizeof(*hdr) ||
	    hdr->entry64 >= hdr->load_addr + hdr->file_size)
		return bad(why, "entry64 outside the loaded bytes", -EINVAL);
	return 0;
}
