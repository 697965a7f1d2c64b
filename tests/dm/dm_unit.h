/* The device model's host unit tests: one suite per concern of islet-dm's
 * pure logic (tests/dm/dm-unit.mk). */
#ifndef DM_UNIT_H
#define DM_UNIT_H

#include "unit.h"

int register_options_tests(void);
int register_config_file_tests(void);
int register_uart_tests(void);
int register_elf_tests(void);
int register_io_tests(void);
int register_mem_tests(void);
int register_rtc_tests(void);
int register_pit_tests(void);
int register_pci_tests(void);
int register_virtqueue_tests(void);
int register_virtio_pci_tests(void);
int register_virtio_blk_tests(void);
int register_virtio_net_tests(void);
int register_virtio_console_tests(void);
int register_linux_tests(void);
int register_acpi_tests(void);

#endif
