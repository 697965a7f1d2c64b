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
		register_rtc_tests,
		register_pit_tests,
		register_pci_tests,
		register_virtqueue_tests,
		register_virtio_pci_tests,
		register_virtio_blk_tests,
		register_virtio_net_tests,
		register_virtio_console_tests,
		register_linux_tests,
		register_acpi_tests,
	};

	return unit_run(suites, sizeof(suites) / sizeof(suites[0]));
}
