/* Checking the hypervisor image embedded in islet.efi (build/islet.bin,
 * header in image.h) before anything is placed in memory.  Pure, so it is
 * tested on the host by tests/efi. */
#ifndef ISLET_EFI_IMAGE_CHECK_H
#define ISLET_EFI_IMAGE_CHECK_H

#include "types.h"
#include "image.h"

/* Check the header at the start of @blob (@blob_size bytes): magic,
 * file_size within the blob and not above mem_size, a page-aligned
 * load_addr, the whole range [load_addr, load_addr + mem_size) below
 * 4 GiB, and entry64 inside the copied bytes.  Returns 0 and copies the
 * header to @hdr, or returns -ENOEXEC/-EINVAL/-ERANGE and sets @why to a
 * static reason. */
int image_check(const void *blob, u64 blob_size,
		struct islet_image_header *hdr, const char **why);

#endif
