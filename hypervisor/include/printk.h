/* Console output.  The hypervisor prints to its UART (COM1 by default,
 * shared with the Service VM's console) and to the Bochs/QEMU debug port
 * 0xE9 when enabled.  Never print on hot exit paths: a COM1 character costs
 * ~17,000 emulated ticks. */
#ifndef ISLET_PRINTK_H
#define ISLET_PRINTK_H

#include "types.h"
#include <stdarg.h>

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
void printk(const char *fmt, ...) __printf(1, 2);
__noreturn void panic(const char *fmt, ...) __printf(1, 2);

/* Console backends are registered at boot; each gets every string. */
struct console_ops {
	const char *name;
	void (*write)(const char *s, size_t n);
};
void console_register(const struct console_ops *ops);
void console_break_lock(void);

#define pr_info(fmt, ...)	printk("islet: " fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...)	printk("islet: error: " fmt, ##__VA_ARGS__)

#endif
