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

#endif
