/* Runs the device model's unit suites (tests/unit/unit_run.c). */
#include "dm_unit.h"

int main(void)
{
	int (*const suites[])(void) = {
		register_options_tests,
		register_config_file_tests,
		register_uart_tests,
		register_elf_tests,
		register_io_tests,
		register_mem_tests,
	};

	return unit_run(suites, sizeof(suites) / sizeof(suites[0]));
}
