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

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void number(struct out *o, u64 v, unsigned int base, bool neg,
		   bool upper, int width, bool zero, bool left)
{
	char tmp[24];
	int n = 0, pad;

	do {
		unsigned int d = (unsigned int)(v % base);

		tmp[n++] = (char)(d < 10 ? '0' + d : (upper ? 'A' : 'a') + d - 10);
		v /= base;
	} while (v);
	pad = width - n - neg;
	if (!left && !zero)
		for (; pad > 0; pad--)
			put(o, ' ');
	if (neg)
		put(o, '-');
	if (!left && zero)
		for (; pad > 0; pad--)
			put(o, '0');
	while (n)
		put(o, tmp[--n]);
	for (; left && pad > 0; pad--)
		put(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		bool zero = false, left = false;
		int width = 0, longs = 0;
		u64 v;
		const char *s;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '0')
				zero = true;
			else if (*fmt == '-')
				left = true;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		while (*fmt == 'l' || *fmt == 'z') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			long long sv = longs ? va_arg(ap, long long) :
				       va_arg(ap, int);

			number(&o, sv < 0 ? -(u64)sv : (u64)sv, 10, sv < 0,
			       false, width, zero, left);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			v = longs ? va_arg(ap, u64) : va_arg(ap, unsigned int);
			number(&o, v, *fmt == 'u' ? 10 : 16, false, *fmt == 'X',
			       width, zero, left);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			number(&o, (u64)va_arg(ap, void *), 16, false, false,
			       width, zero, left);
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			width -= (int)strlen(s);
			for (; !left && width > 0; width--)
				put(&o, ' ');
			while (*s)
				put(&o, *s++);
			for (; left && width > 0; width--)
				put(&o, ' ');
			break;
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case '%':
			put(&o, '%');
			break;
		case 0:
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

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
