/* Runs every suite with CUnit's basic interface; the exit status is what
 * `make check-unit` (and so CI) goes by. */
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

int main(void)
{
	int (*const suites[])(void) = {
		register_string_tests,
		register_e820_tests,
		register_efi_mmap_tests,
		register_multiboot2_tests,
		register_cmdline_tests,
		register_paging_tests,
		register_bzimage_tests,
		register_guest_paging_tests,
		register_insn_tests,
		register_insn_mov_tests,
		register_insn_forms_tests,
		register_insn_string_tests,
		register_user_vcpu_tests,
		register_user_vm_life_tests,
		register_fault_tests,
		register_ipi_tests,
		register_vcpu_start_tests,
		register_user_vm_tests,
		register_hypercall_tests,
		register_user_vm_mem_tests,
		register_user_vm_mem_refuse_tests,
		register_hsm_notify_tests,
		register_vlapic_tests,
		register_vpic_tests,
		register_vioapic_tests,
		register_irqline_tests,
		register_cpu_model_tests,
	};
	unsigned int failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
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
