/* The embedded image header check (hypervisor/efi/image_check.c). */
#include <string.h>

#include "image_check.h"
#include "tests.h"

static u8 blob[8192];

static struct islet_image_header *make_image(void)
{
	struct islet_image_header *h = (void *)blob;

	memset(blob, 0, sizeof(blob));
	h->magic = ISLET_IMAGE_MAGIC;
	h->load_addr = 0x8000000;
	h->file_size = sizeof(blob);
	h->mem_size = 0x200000;
	h->entry64 = 0x8000040;
	return h;
}

static int check(void)
{
	struct islet_image_header hdr;
	const char *why;
	int ret = image_check(blob, sizeof(blob), &hdr, &why);

	CU_ASSERT_PTR_NOT_NULL(why);
	if (ret == 0)
		CU_ASSERT_EQUAL(memcmp(&hdr, blob, sizeof(hdr)), 0);
	return ret;
}

static void test_image_good(void)
{
	make_image();
	CU_ASSERT_EQUAL(check(), 0);
	CU_ASSERT_EQUAL(memcmp(blob, "ISLETHV1", 8), 0);
	make_image()->mem_size = sizeof(blob);	/* no bss */
	CU_ASSERT_EQUAL(check(), 0);
}

static void test_image_bad(void)
{
	struct islet_image_header hdr;
	const char *why;

	make_image()->magic ^= 1;
	CU_ASSERT_EQUAL(check(), -ENOEXEC);
	make_image();
	CU_ASSERT_EQUAL(image_check(blob, 39, &hdr, &why), -ENOEXEC);
	make_image()->file_size = sizeof(blob) + 1;
	CU_ASSERT_EQUAL(check(), -EINVAL);
	make_image()->file_size = 8;
	CU_ASSERT_EQUAL(check(), -EINVAL);
	make_image()->mem_size = 4096;
	CU_ASSERT_EQUAL(check(), -EINVAL);
	make_image()->load_addr = 0x8000800;
	CU_ASSERT_EQUAL(check(), -EINVAL);
	make_image()->load_addr = 0;
	CU_ASSERT_EQUAL(check(), -ERANGE);
	make_image()->mem_size = 0xf8000001ULL;		/* crosses 4 GiB */
	CU_ASSERT_EQUAL(check(), -ERANGE);
	make_image()->entry64 = 0x8000000 + sizeof(blob);
	CU_ASSERT_EQUAL(check(), -EINVAL);
	make_image()->entry64 = 0x8000000;		/* the header itself */
	CU_ASSERT_EQUAL(check(), -EINVAL);
}

int efi_image_tests(void)
{
	static const struct efi_test tests[] = {
		{ "good header", test_image_good },
		{ "bad headers", test_image_bad },
	};

	return efi_add_suite("image", tests, ARRAY_SIZE(tests));
}
