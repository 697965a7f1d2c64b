/* The CUnit driver shared by the hypervisor's unit tests (main.c) and the
 * device model's (tests/dm/main.c): suite registration, a verbose run, the
 * exit status CI goes by. */
#include <stdio.h>
#include <CUnit/Basic.h>
#include "unit.h"

int unit_add_suite(const char *name, const struct unit_test *tests, size_t n)
{
	CU_pSuite suite = CU_add_suite(name, NULL, NULL);

	if (!suite)
		return CU_get_error();
	for (size_t i = 0; i < n; i++) {
		if (!CU_add_test(suite, tests[i].name, tests[i].fn))
			return CU_get_error();
	}
	return 0;
}

int unit_run(int (*const suites[])(void), size_t n)
{
	unsigned int failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (size_t i = 0; i < n; i++) {
		if (suites[i]()) {
			fprintf(stderr, "unit: registering suite %zu: %s\n", i,
				CU_get_error_msg());
			CU_cleanup_registry();
			return 2;
		}
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS) {
		fprintf(stderr, "unit: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
