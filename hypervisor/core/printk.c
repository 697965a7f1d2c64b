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

/* A fault may have been taken with the lock held: the reporter, which
 * never returns, takes the console over. */
void console_break_lock(void)
{
	spin_unlock(&console_lock);
}

static void vprintk(const char *prefix, const char *fmt, va_list ap)
{
	char buf[256];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	spin_lock(&console_lock);
	if (prefix)
		console_write(prefix, strlen(prefix));
	console_write(buf, MIN((size_t)n, sizeof(buf) - 1));
	spin_unlock(&console_lock);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(NULL, fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk("islet: PANIC: ", fmt, ap);
	va_end(ap);
	printk("islet: halted.\n");
	cpu_halt_forever();
}
