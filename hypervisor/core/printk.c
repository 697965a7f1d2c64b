/* printk and panic over the registered consoles. */
#include "printk.h"
#include "lib.h"
#include "spinlock.h"
#include <asm/cpu.h>

#define MAX_CONSOLES 2

static const struct console_ops *consoles[MAX_CONSOLES];
static spinlock_t console_lock;	/* keeps lines from different CPUs whole */

void console_register(const struct console_ops *ops)
{
	for (unsigned i = 0; i < MAX_CONSOLES; i++) {
		if (!consoles[i]) {
			consoles[i] = ops;
			return;
		}
	}
}

static void console_write(const char *s, size_t n)
{
	for (unsigned i = 0; i < MAX_CONSOLES; i++)
		if (consoles[i])
			consoles[i]->write(s, n);
}

void printk(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	spin_lock(&console_lock);
	console_write(buf, MIN((size_t)n, sizeof(buf) - 1));
	spin_unlock(&console_lock);
}

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write("islet: PANIC: ", 14);
	console_write(buf, MIN((size_t)n, sizeof(buf) - 1));
	console_write("islet: halted.\n", 15);
	cpu_halt_forever();
}
