// SPDX-License-Identifier: BSD-3-Clause
/* A 16550A UART's register model (uart.h). */
#include <string.h>

#include "uart.h"

void uart_init(struct uart *u, void (*tx)(void *, uint8_t),
	       void (*irq)(void *, bool), void *arg)
{
	memset(u, 0, sizeof(*u));
	u->tx = tx;
	u->irq = irq;
	u->arg = arg;
	uart_reset(u);
}

void uart_reset(struct uart *u)
{
	u->ier = u->lcr = u->mcr = u->scr = u->fcr = 0;
	u->dll = 12;		/* 9600 baud, as a BIOS leaves it */
	u->dlm = 0;
	u->lsr = UART_LSR_THRE | UART_LSR_TEMT;
	u->msr = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	u->thre_pending = false;
	u->head = u->count = 0;
	if (u->irq_level) {
		u->irq_level = false;
		u->irq(u->arg, false);
	}
}

/* The highest-priority pending interrupt, as IIR shows it. */
static uint8_t pending(const struct uart *u)
{
	if ((u->ier & UART_IER_RLS) && (u->lsr & UART_LSR_OE))
		return UART_IIR_RLS;
	if ((u->ier & UART_IER_RDA) && u->count)
		return UART_IIR_RDA;
	if ((u->ier & UART_IER_THRE) && u->thre_pending)
		return UART_IIR_THRE;
	if ((u->ier & UART_IER_MS) && (u->msr & 0x0f))
		return UART_IIR_MS;
	return UART_IIR_NONE;
}

/* On a PC, OUT2 gates the UART's interrupt onto the ISA line. */
static void update_irq(struct uart *u)
{
	bool level = pending(u) != UART_IIR_NONE &&
		     (u->mcr & UART_MCR_OUT2);

	if (level != u->irq_level) {
		u->irq_level = level;
		u->irq(u->arg, level);
	}
}

/* The modem status lines: from MCR in loopback, else a cable that is
 * always connected (DCD, DSR, CTS). */
static void update_msr(struct uart *u)
{
	uint8_t lines, delta;

	if (u->mcr & UART_MCR_LOOP) {
		lines = ((u->mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
			((u->mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0) |
			((u->mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
			((u->mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0);
	} else {
		lines = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	}
	delta = (uint8_t)(((lines ^ u->msr) & 0xf0) >> 4);
	/* The trailing-edge RI bit is set on 1 -> 0 only. */
	if ((delta & 0x4) && (lines & UART_MSR_RI))
		delta &= (uint8_t)~0x4;
	u->msr = (uint8_t)(lines | (u->msr & 0x0f) | delta);
}

static bool fifo_put(struct uart *u, uint8_t b)
{
	if (u->count == UART_FIFO_SIZE) {
		u->lsr |= UART_LSR_OE;
		return false;
	}
	u->fifo[(u->head + u->count) % UART_FIFO_SIZE] = b;
	u->count++;
	u->lsr |= UART_LSR_DR;
	return true;
}

static uint8_t fifo_get(struct uart *u)
{
	uint8_t b;

	if (!u->count)
		return 0;
	b = u->fifo[u->head];
	u->head = (u->head + 1) % UART_FIFO_SIZE;
	if (!--u->count)
		u->lsr &= (uint8_t)~UART_LSR_DR;
	return b;
}

uint8_t uart_read(struct uart *u, unsigned int reg)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t v = 0xff, iir;

	switch (reg) {
	case UART_RBR:
		v = dlab ? u->dll : fifo_get(u);
		break;
	case UART_IER:
		v = dlab ? u->dlm : u->ier;
		break;
	case UART_IIR:
		iir = pending(u);
		v = iir | ((u->fcr & 1) ? UART_IIR_FIFO : 0);
		/* Reading IIR acknowledges a THRE interrupt it shows. */
		if (iir == UART_IIR_THRE)
			u->thre_pending = false;
		break;
	case UART_LCR:
		v = u->lcr;
		break;
	case UART_MCR:
		v = u->mcr;
		break;
	case UART_LSR:
		v = u->lsr;
		/* Errors clear on read. */
		u->lsr &= (uint8_t)~UART_LSR_OE;
		break;
	case UART_MSR:
		v = u->msr;
		u->msr &= 0xf0;
		break;
	case UART_SCR:
		v = u->scr;
		break;
	}
	update_irq(u);
	return v;
}

void uart_write(struct uart *u, unsigned int reg, uint8_t value)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_RBR:
		if (dlab) {
			u->dll = value;
			break;
		}
		if (u->mcr & UART_MCR_LOOP)
			fifo_put(u, value);
		else
			u->tx(u->arg, value);
		/* Sent at once: the holding register is empty again. */
		u->thre_pending = true;
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = value;
			break;
		}
		/* Enabling THRE with the register empty raises it. */
		if ((value & UART_IER_THRE) && !(u->ier & UART_IER_THRE))
			u->thre_pending = true;
		u->ier = value & 0x0f;
		break;
	case UART_IIR:	/* FCR */
		if (value & 0x02) {	/* clear the receive FIFO */
			u->head = u->count = 0;
			u->lsr &= (uint8_t)~UART_LSR_DR;
		}
		u->fcr = value & 0xc9;
		break;
	case UART_LCR:
		u->lcr = value;
		break;
	case UART_MCR:
		u->mcr = value & 0x1f;
		update_msr(u);
		break;
	case UART_LSR:
	case UART_MSR:
		/* Factory test registers: writes do nothing. */
		break;
	case UART_SCR:
		u->scr = value;
		break;
	}
	update_irq(u);
}

size_t uart_room(const struct uart *u)
{
	if (u->mcr & UART_MCR_LOOP)
		return 0;
	return UART_FIFO_SIZE - u->count;
}

size_t uart_receive(struct uart *u, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	if (!(u->mcr & UART_MCR_LOOP))
		while (n < len && u->count < UART_FIFO_SIZE)
			fifo_put(u, buf[n++]);
	update_irq(u);
	return n;
}
