/* The 16550A model (devicemodel/hw/uart.c). */
#include <string.h>

#include "uart.h"
#include "dm_unit.h"

static struct uart u;
static uint8_t sent[64];
static unsigned int nsent, irq_changes;
static bool line;

static void tx(void *arg, uint8_t b)
{
	if (nsent < sizeof(sent))
		sent[nsent++] = b;
}

static void irq(void *arg, bool level)
{
	CU_ASSERT_NOT_EQUAL(level, line);	/* only changes are reported */
	line = level;
	irq_changes++;
}

static void setup(void)
{
	nsent = irq_changes = 0;
	line = false;
	uart_init(&u, tx, irq, NULL);
}

static void test_registers(void)
{
	setup();
	CU_ASSERT_EQUAL(uart_read(&u, UART_LSR), 0x60);
	CU_ASSERT_EQUAL(uart_read(&u, UART_IIR), UART_IIR_NONE);
	uart_write(&u, UART_SCR, 0x5a);
	CU_ASSERT_EQUAL(uart_read(&u, UART_SCR), 0x5a);
	uart_write(&u, UART_LCR, 0x83);
	uart_write(&u, UART_RBR, 0x01);
	uart_write(&u, UART_IER, 0x02);
	CU_ASSERT_EQUAL(uart_read(&u, UART_RBR), 0x01);
	CU_ASSERT_EQUAL(uart_read(&u, UART_IER), 0x02);
	CU_ASSERT_EQUAL(nsent, 0);		/* DLAB: no byte went out */
	uart_write(&u, UART_LCR, 0x03);
	CU_ASSERT_EQUAL(uart_read(&u, UART_IER), 0);	/* IER untouched */
	uart_write(&u, UART_RBR, 'h');
	uart_write(&u, UART_RBR, 'i');
	CU_ASSERT_EQUAL(nsent, 2);
	CU_ASSERT_EQUAL(memcmp(sent, "hi", 2), 0);
	uart_write(&u, UART_IIR, 0x01);		/* FIFOs on */
	CU_ASSERT_EQUAL(uart_read(&u, UART_IIR), 0xc1);
	CU_ASSERT_EQUAL(irq_changes, 0);
}

static void test_loopback(void)
{
	setup();
	uart_write(&u, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR |
		   UART_MCR_OUT2);
	CU_ASSERT_EQUAL(uart_read(&u, UART_MSR) & 0xf0,
			UART_MSR_DSR | UART_MSR_DCD);
	uart_write(&u, UART_RBR, 'x');
	CU_ASSERT_EQUAL(nsent, 0);
	CU_ASSERT_EQUAL(uart_read(&u, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
	CU_ASSERT_EQUAL(uart_read(&u, UART_RBR), 'x');
	CU_ASSERT_EQUAL(uart_read(&u, UART_LSR) & UART_LSR_DR, 0);
	/* The other side's bytes are not taken in loopback. */
	CU_ASSERT_EQUAL(uart_room(&u), 0);
	CU_ASSERT_EQUAL(uart_receive(&u, (const uint8_t *)"ab", 2), 0);
	/* Leaving loopback: a delta for each line that changed. */
	uart_write(&u, UART_MCR, 0);
	CU_ASSERT_EQUAL(uart_read(&u, UART_MSR),
			UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS | 0x01);
	CU_ASSERT_EQUAL(uart_read(&u, UART_MSR) & 0x0f, 0);
}

static void test_receive_interrupts(void)
{
	uint8_t many[20];

	setup();
	memset(many, 'm', sizeof(many));
	uart_write(&u, UART_IER, UART_IER_RDA | UART_IER_RLS);
	CU_ASSERT_EQUAL(uart_receive(&u, (const uint8_t *)"ok", 2), 2);
	CU_ASSERT_FALSE(line);			/* OUT2 clear: gated */
	CU_ASSERT_EQUAL(uart_read(&u, UART_IIR), UART_IIR_RDA);
	uart_write(&u, UART_MCR, UART_MCR_OUT2);
	CU_ASSERT_TRUE(line);
	CU_ASSERT_EQUAL(uart_read(&u, UART_RBR), 'o');
	CU_ASSERT_TRUE(line);
	CU_ASSERT_EQUAL(uart_read(&u, UART_RBR), 'k');
	CU_ASSERT_FALSE(line);
	/* 16 fit, then the FIFO is full; no overrun from uart_receive. */
	CU_ASSERT_EQUAL(uart_receive(&u, many, sizeof(many)), UART_FIFO_SIZE);
	CU_ASSERT_EQUAL(uart_room(&u), 0);
	CU_ASSERT_EQUAL(uart_read(&u, UART_LSR) & UART_LSR_OE, 0);
	/* The FIFO reset empties it. */
	uart_write(&u, UART_IIR, 0x03);
	CU_ASSERT_EQUAL(uart_read(&u, UART_LSR) & UART_LSR_DR, 0);
	CU_ASSERT_FALSE(line);
	/* Overrun in loopback: line status outranks data. */
	uart_write(&u, UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);
	for (int i = 0; i < UART_FIFO_SIZE + 1; i++)
		uart_write(&u, UART_RBR, 'z');
	CU_ASSERT_EQUAL(uart_read(&u, UART_IIR) & 0x0f, UART_IIR_RLS);
	CU_ASSERT_EQUAL(uart_read(&u, UART_LSR) & UART_LSR_OE, UART_LSR_OE);
	CU_ASSERT_EQUAL(uart_read(&u, UART_LSR) & UART_LSR_OE, 0);
	CU_ASSERT_EQUAL(uart_read(&u, UART_IIR) & 0x0f, UART_IIR_RDA);
}

static void test_thre_interrupt(void)
{
	setup();
	uart_write(&u, UART_MCR, UART_MCR_OUT2);
	uart_write(&u, UART_IER, UART_IER_THRE);
	CU_ASSERT_TRUE(line);
	CU_ASSERT_EQUAL(uart_read(&u, UART_IIR), UART_IIR_THRE);
	CU_ASSERT_FALSE(line);			/* reading IIR acknowledged */
	CU_ASSERT_EQUAL(uart_read(&u, UART_IIR), UART_IIR_NONE);
	uart_write(&u, UART_RBR, 'a');		/* sent: empty again */
	CU_ASSERT_TRUE(line);
	uart_write(&u, UART_IER, 0);
	CU_ASSERT_FALSE(line);
	uart_reset(&u);
	CU_ASSERT_FALSE(line);
	CU_ASSERT_EQUAL(uart_read(&u, UART_IER), 0);
}

static const struct unit_test tests[] = {
	{ "registers, divisor latch, transmit", test_registers },
	{ "loopback and modem status", test_loopback },
	{ "receive FIFO and its interrupts", test_receive_interrupts },
	{ "THRE interrupt", test_thre_interrupt },
};

int register_uart_tests(void)
{
	return UNIT_SUITE("dm 16550A", tests);
}
