/* Runs every suite with CUnit's basic interface; the exit status is what
 * `make check-unit` (and so CI) goes by. */
#include "unit.h"

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
	return unit_run(suites, sizeof(suites) / sizeof(suites[0]));
}
