/* Shared declarations of the host unit tests: each test_*.c file registers
 * one CUnit suite for one concern of the hypervisor's pure logic. */
#ifndef ISLET_UNIT_H
#define ISLET_UNIT_H

#include <stddef.h>
#include <CUnit/CUnit.h>

struct unit_test {
	const char *name;
	CU_TestFunc fn;
};

/* Adds a suite; returns 0 or a CUnit error code. */
int unit_add_suite(const char *name, const struct unit_test *tests, size_t n);

/* Registers @suites, runs them; 0 when all passed, 1 on failures, 2 when
 * CUnit itself failed. */
int unit_run(int (*const suites[])(void), size_t n);

#define UNIT_SUITE(name, tests) \
	unit_add_suite(name, tests, sizeof(tests) / sizeof((tests)[0]))

int register_string_tests(void);
int register_e820_tests(void);
int register_efi_mmap_tests(void);
int register_multiboot2_tests(void);
int register_cmdline_tests(void);
int register_paging_tests(void);
int register_bzimage_tests(void);
int register_guest_paging_tests(void);
int register_insn_tests(void);
int register_insn_mov_tests(void);
int register_insn_forms_tests(void);
int register_insn_string_tests(void);
int register_user_vcpu_tests(void);
int register_user_vm_life_tests(void);
int register_fault_tests(void);
int register_ipi_tests(void);
int register_vcpu_start_tests(void);
int register_user_vm_tests(void);
int register_hypercall_tests(void);
int register_user_vm_mem_tests(void);
int register_user_vm_mem_refuse_tests(void);
int register_hsm_notify_tests(void);
int register_vlapic_tests(void);
int register_vpic_tests(void);
int register_vioapic_tests(void);
int register_irqline_tests(void);
int register_cpu_model_tests(void);

#endif
