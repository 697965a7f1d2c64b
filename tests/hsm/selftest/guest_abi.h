/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the selftest's guests (guest.S) and the program that runs them
 * agree on: where the image goes, how its entry points are found, and the
 * ports and MMIO addresses the guests use.  Included by guest.S (through
 * the C preprocessor) and by the C files, so only #defines here.
 *
 * Guest-physical memory of every VM the selftest runs (RAM at GPA 0):
 *
 *   0x00000  unused (a NULL pointer in a guest lands here)
 *   0x01000  the image (GUEST_LOAD_GPA): a struct guest_header, the code,
 *            the strings and the GDT
 *   0x0c000  parameters the program writes before it starts the guest
 *            (GUEST_DATA_GPA), e.g. the string the print guest prints
 *   0x10000  top of the stack, end of RAM (GUEST_RAM_SIZE)
 *
 * The guests run in 32-bit protected mode with flat segments (CS 0x08,
 * the others 0x10, from the GDT in the image), paging off, interrupts off
 * and an empty IDT (limit 0): any exception in a guest becomes a triple
 * fault, which the hypervisor reports, instead of a silent hang.
 *
 * Each entry takes its parameters in registers (see guest.S):
 *   HELLO      EBX: round trips to time (0: none)
 *   PRINT      ESI: GPA of a NUL-terminated string; ECX: times to print it
 *   TICK       -
 *   HANG       -
 *   SPIN       -
 *   TRIPLE     -
 *   IOEVENTFD  ECX: writes per ioeventfd (at least 1)
 */
#ifndef HSM_SELFTEST_GUEST_ABI_H
#define HSM_SELFTEST_GUEST_ABI_H

#define GUEST_RAM_SIZE		0x10000
#define GUEST_LOAD_GPA		0x1000
#define GUEST_DATA_GPA		0xc000
#define GUEST_DATA_SIZE		0x2000
#define GUEST_STACK_TOP		GUEST_RAM_SIZE

/* The image starts with: magic, GDT address, GDT limit, number of
 * entries, then that many entry addresses (all 32-bit). */
#define GUEST_MAGIC		0x74734c49	/* "ILst" */

#define GUEST_CODE_SEL		0x08
#define GUEST_DATA_SEL		0x10

/* Entry points, indexes into the header's table. */
#define GUEST_HELLO		0	/* the guest-io guest */
#define GUEST_PRINT		1	/* print a string, exit 0 */
#define GUEST_TICK		2	/* write 0, 1, 2, ... to the tick port, forever */
#define GUEST_HANG		3	/* jmp . : runs, makes no request */
#define GUEST_SPIN		4	/* one write to the ready port, then jmp . */
#define GUEST_TRIPLE		5	/* a write to the ready port, then a triple fault */
#define GUEST_IOEVENTFD		6	/* writes for the ioeventfd test */
#define GUEST_IRQ		7	/* sti; hlt: reports each interrupt */
#define GUEST_REAL		8	/* real mode: a string, exit 0 */
#define GUEST_LONG		9	/* long mode: a string, an MMIO read-back */
#define GUEST_ALU		10	/* ALU, BT*, MOVS, STOS forms on MMIO */
#define GUEST_ENTRIES		11

/* Ports (32-bit accesses unless said otherwise). */
#define GUEST_PORT_CONSOLE	0x3f8	/* 8-bit writes: the guest's text */
#define GUEST_PORT_EXIT		0xf4	/* debug exit: 0 success, else GUEST_FAIL_* bits */
#define GUEST_PORT_SCRATCH	0x5f0	/* a register: reads return the last write ^ ~0 */
#define GUEST_PORT_REPORT	0x5f4	/* values the guest reports (the timing) */
#define GUEST_PORT_PERF		0x5f8	/* the write whose round trip is timed */
#define GUEST_PORT_TICK		0x5e0	/* GUEST_TICK's counter */
#define GUEST_PORT_READY	0x5e4	/* "I am running": GUEST_READY_* */
#define GUEST_PORT_EVFD		0x5d0	/* an ioeventfd without data match */
#define GUEST_PORT_EVFD_MATCH	0x5d4	/* an ioeventfd matching GUEST_EVFD_DATA */
#define GUEST_PORT_SYNC		0x5d8	/* the ioeventfd guest's phase change */
#define GUEST_PORT_IRQ		0x5dc	/* GUEST_IRQ: the vector it took */

/* MMIO: guest-physical addresses that are not RAM. */
#define GUEST_MMIO_REG		0xd0000000	/* like GUEST_PORT_SCRATCH */
#define GUEST_MMIO_EVFD		0xd0001000	/* an ioeventfd on MMIO */
#define GUEST_MMIO_ALU		0xd0002000	/* plain registers, byte-addressed */
#define GUEST_MMIO_ALU_SIZE	0x100

/* What the guests write; a read of a scratch register returns ^ ~0. */
#define GUEST_MMIO_VALUE	0x12345678
#define GUEST_SCRATCH_VALUE	0x5aa5c33c
#define GUEST_XOR		0xffffffff
#define GUEST_EVFD_DATA		0x0000abcd

/* PCI configuration (0xcf8/0xcfc, which the HSM folds into PCICFG
 * requests): a register of function 00:03.0 like GUEST_PORT_SCRATCH. */
#define GUEST_PCI_DEV		3
#define GUEST_PCI_REG		0x10
#define GUEST_PCI_ADDR		(0x80000000 | (GUEST_PCI_DEV << 11) | GUEST_PCI_REG)
#define GUEST_PCI_VALUE		0xc0ffee11

/* GUEST_PORT_READY values: which guest says it runs. */
#define GUEST_READY_SPIN	1
#define GUEST_READY_TRIPLE	2
#define GUEST_READY_IRQ		3

/* GUEST_IRQ takes vectors GUEST_IRQ_FIRST .. GUEST_IRQ_FIRST + 15. */
#define GUEST_IRQ_FIRST		0x40

/* Bits of the debug-exit value of the HELLO guest. */
#define GUEST_FAIL_MMIO		0x1	/* the MMIO read-back was wrong */
#define GUEST_FAIL_PIO		0x2	/* the port read-back was wrong */
#define GUEST_FAIL_PCI		0x4	/* a PCI configuration read was wrong */
#define GUEST_FAIL_ALU		0x8	/* an ALU form's result or flags were wrong */

#endif /* HSM_SELFTEST_GUEST_ABI_H */
