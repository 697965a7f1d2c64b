/* Console backends (arch/x86/uart.c). */
#ifndef ISLET_CONSOLE_H
#define ISLET_CONSOLE_H

#include "types.h"

void uart_init(u16 port);
void e9_console_init(void);

#endif
