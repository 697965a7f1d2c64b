/* 16550 UART console (polled) and the 0xE9 debug port.  The UART's port is
 * chosen on the command line ("uart=0x2f8", "uart=none"); COM1 otherwise. */
#include "printk.h"
#include "console.h"
#include <asm/pio.h>

#define UART_THR	0
#define UART_IER	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_LSR_THRE	0x20
#define UART_DLL	0
#define UART_DLM	1

static u16 uart_port;

static void uart_putc(char c)
{
	/* Bounded wait: a missing UART must not hang the hypervisor. */
	for (unsigned i = 0; i < 100000; i++)
		if (inb(uart_port + UART_LSR) & UART_LSR_THRE)
			break;
	outb(uart_port + UART_THR, (u8)c);
}

static void uart_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

static const struct console_ops uart_console = {
	.name = "uart",
	.write = uart_write,
};

void uart_init(u16 port)
{
	uart_port = port;
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, 0x80);	/* DLAB: 115200 baud */
	outb(port + UART_DLL, 1);
	outb(port + UART_DLM, 0);
	outb(port + UART_LCR, 0x03);	/* 8N1 */
	outb(port + UART_FCR, 0x07);	/* FIFOs on and cleared */
	outb(port + UART_MCR, 0x03);	/* DTR, RTS */
	console_register(&uart_console);
}

static void e9_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		outb(0xe9, (u8)s[i]);
}

static const struct console_ops e9_console = {
	.name = "e9",
	.write = e9_write,
};

void e9_console_init(void)
{
	console_register(&e9_console);
}
