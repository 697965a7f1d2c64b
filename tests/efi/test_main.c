/* Host tests of islet.efi's pure parts: the islet.cfg parser, the
 * multiboot2 builder and the image header check. */
#include "types.h"
#include "tests.h"

int efi_add_suite(const char *name, const struct efi_test *tests, size_t n)
{
	CU_pSuite suite = CU_add_suite(name, NULL, NULL);
	size_t i;

	if (!suite)
		return -1;
	for (i = 0; i < n; i++)
		if (!CU_add_test(suite, tests[i].name, tests[i].fn))
			return -1;
	return 0;
}

int main(void)
{
	unsigned int failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (efi_config_tests() || efi_mb2_tests() || efi_image_tests()) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
