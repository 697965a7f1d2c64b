/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A 16550A UART's registers (pure; the LPC glue in lpc.c gives it a port
 * range, an interrupt line and a backend).  What is emulated: the
 * receive FIFO (16 bytes), transmit that completes at once, the divisor
 * latch, the scratch register, modem control with loopback (Linux's
 * 8250 probe checks it), and the interrupt identification with the
 * priorities of the datasheet: line status, received data, transmitter
 * empty, modem status.
 */
#ifndef DM_UART_H
#define DM_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_FIFO_SIZE	16

/* Register offsets */
#define UART_RBR	0	/* read, DLAB 0 (THR on write) */
#define UART_IER	1
#define UART_IIR	2	/* read (FCR on write) */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define UART_IER_RDA	0x01
#define UART_IER_THRE	0x02
#define UART_IER_RLS	0x04
#define UART_IER_MS	0x08

#define UART_IIR_NONE	0x01
#define UART_IIR_MS	0x00
#define UART_IIR_THRE	0x02
#define UART_IIR_RDA	0x04
#define UART_IIR_RLS	0x06
#define UART_IIR_FIFO	0xc0

#define UART_LCR_DLAB	0x80

#define UART_MCR_DTR	0x01
#define UART_MCR_RTS	0x02
#define UART_MCR_OUT1	0x04
#define UART_MCR_OUT2	0x08
#define UART_MCR_LOOP	0x10

#define UART_LSR_DR	0x01
#define UART_LSR_OE	0x02
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40

#define UART_MSR_CTS	0x10
#define UART_MSR_DSR	0x20
#define UART_MSR_RI	0x40
#define UART_MSR_DCD	0x80

struct uart {
	uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
	uint8_t dll, dlm;
	bool thre_pending;	/* a THRE interrupt not yet acknowledged */
	uint8_t fifo[UART_FIFO_SIZE];
	unsigned int head, count;

	/* The other side: a byte the guest sent, and the interrupt line
	 * (true: asserted).  Both called under the caller's lock. */
	void (*tx)(void *arg, uint8_t byte);
	void (*irq)(void *arg, bool level);
	void *arg;
	bool irq_level;
};

void uart_init(struct uart *u, void (*tx)(void *, uint8_t),
	       void (*irq)(void *, bool), void *arg);
/* Power-on state (the backend stays). */
void uart_reset(struct uart *u);
uint8_t uart_read(struct uart *u, unsigned int reg);
void uart_write(struct uart *u, unsigned int reg, uint8_t value);
/* Bytes from the other side into the receive FIFO; returns how many it
 * took (it is full, or in loopback, for the rest). */
size_t uart_receive(struct uart *u, const uint8_t *buf, size_t len);
/* Room in the receive FIFO. */
size_t uart_room(const struct uart *u);

#endif /* DM_UART_H */
