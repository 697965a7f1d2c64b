/* The host tests of islet.efi's pure parts (hypervisor/efi): each file
 * registers its suite, test_main.c runs them all. */
#ifndef ISLET_TESTS_EFI_TESTS_H
#define ISLET_TESTS_EFI_TESTS_H

#include <CUnit/Basic.h>

struct efi_test {
	const char *name;
	void (*fn)(void);
};

/* Add a suite of @n tests; 0 or -1. */
int efi_add_suite(const char *name, const struct efi_test *tests, size_t n);

int efi_config_tests(void);
int efi_mb2_tests(void);
int efi_image_tests(void);

#endif
