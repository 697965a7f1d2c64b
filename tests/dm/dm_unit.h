/* The device model's host unit tests: one suite per concern of islet-dm's
 * pure logic (tests/dm/dm-unit.mk). */
#ifndef DM_UNIT_H
#define DM_UNIT_H

#include <stdbool.h>
#include <stdint.h>

#include "unit.h"

/*
 * The guest's accesses (dm_unit_io.c).  A port or MMIO access of @size
 * bytes at @port or @addr through io.c's dispatch, writing @value with
 * @write; what the request holds after it (a read's value).
 */
uint32_t dm_unit_pio(uint64_t port, unsigned int size, bool write,
		     uint32_t value);
uint64_t dm_unit_mmio(uint64_t addr, unsigned int size, bool write,
		      uint64_t value);
/* The virtio-pci function at @slot (function 0): its BAR VIRTIO_BAR (64
 * bits), with memory decoding and bus mastering turned on, as a driver
 * sets it up. */
uint64_t dm_unit_virtio_bar(unsigned int slot);

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
