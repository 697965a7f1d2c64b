/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Formatted output to COM1 and the few string functions the tests need.
 * The printf subset: %d %i %u %x %X %p %s %c %%, flags '-' and '0', a
 * width, and the l, ll, z length modifiers.
 */
#include "internal.h"

void *memset(void *s, int c, size_t n)
{
	u8 *p = s;

	while (n--)
		*p++ = (u8)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *a = d;
	const u8 *b = s;

	while (n--)
		*a++ = *b++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (u8)*a - (u8)*b;
}

long strtol(const char *s, char **end, int base)
{
	long v = 0;
	bool neg = *s == '-';

	if (neg || *s == '+')
		s++;
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] | 0x20) == 'x') {
		s += 2;
		base = 16;
	}
	if (!base)
		base = 10;
	for (;; s++) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' :
			(*s | 0x20) >= 'a' && (*s | 0x20) <= 'z' ?
			(*s | 0x20) - 'a' + 10 : 99;

		if (d >= base)
			break;
		v = v * base + d;
	}
	if (end)
		*end = (char *)s;
	return neg ? -v : v;
}

/* vsnprintf() and snprintf() are the hypervisor's own
 * (hypervisor/lib/vsnprintf.c, built into this library by guests.mk). */

static struct spinlock print_lock;

/* THR writes only: the runner takes every byte (its LSR says empty
 * always), and each extra port access is a round trip. */
void puts_serial(const char *s)
{
	while (*s)
		outb(COM1_PORT, (u8)*s++);
}

int printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	u64 flags;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Interrupts off while holding the lock: a handler that prints on
	 * this CPU would wait for itself. */
	flags = read_rflags();
	irq_disable();
	spin_lock(&print_lock);
	puts_serial(buf);
	spin_unlock(&print_lock);
	if (flags & X86_EFLAGS_IF)
		irq_enable();
	return n;
}
