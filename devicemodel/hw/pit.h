/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The 8254 programmable interval timer at ports 0x40-0x43 and the PC's
 * port 0x61 (gate and OUT of counter 2), as a register model: pure but
 * for the pulses of IRQ 0 (dm_irq), with the time passed in as @now,
 * nanoseconds of a monotonic clock; pit.c's glue gives it ports, a timer
 * on the main loop and a lock.
 *
 * A counter is not ticked: it remembers when its counting element was
 * loaded (in ticks of the 1.193182 MHz clock), and its count and OUT are
 * computed from the ticks since, as the datasheet's mode diagrams give
 * them.  So a guest that polls the count pays nothing between polls and
 * sees time at the clock's full resolution.
 */
#ifndef DM_PIT_H
#define DM_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ			1193182
#define PIT_PORT_COUNTER0	0x40
#define PIT_PORT_CONTROL	0x43
#define PIT_PORT_SPEAKER	0x61	/* PC system control port B */
#define PIT_GSI			0

/* Port 0x61 */
#define PIT_61_GATE2		0x01
#define PIT_61_SPEAKER		0x02
#define PIT_61_WRITABLE		0x0f	/* with the NMI check enables */
#define PIT_61_REFRESH		0x10
#define PIT_61_OUT2		0x20

/* Access modes (RW bits of the control word) */
#define PIT_RW_LATCH		0
#define PIT_RW_LSB		1
#define PIT_RW_MSB		2
#define PIT_RW_WORD		3

/* Counter 0's interrupts come at most this often, whatever count the
 * guest programs: a count of 2 in mode 2 must not make the main loop
 * wake 600,000 times a second (KVM clamps its PIT likewise). */
#define PIT_MIN_IRQ_NS		100000

struct pit_counter {
	uint8_t mode;		/* 0-5 */
	uint8_t rw;		/* PIT_RW_LSB, _MSB or _WORD */
	bool bcd;
	bool gate;
	uint16_t cr;		/* the count register, as written */
	bool cr_valid;		/* a count written since the control word */
	bool write_msb;		/* write flip-flop: the MSB comes next */
	bool read_msb;		/* the same for reads without a latch */
	bool null_count;	/* written but not yet in the counting element */
	bool count_latched, latch_msb, status_latched;
	uint16_t latch;
	uint8_t status;

	/* The counting element */
	bool loaded;		/* holds a count (else reads @hold) */
	bool running;		/* clock reaching it (gate, trigger) */
	uint32_t n;		/* initial count: 1..65536 (10000 in BCD) */
	int64_t start;		/* tick at which it was n, while running */
	int64_t stopped_d;	/* ticks it had counted when stopped */
	uint16_t hold;
	/* Modes 2 and 3 take a new count at the end of the period. */
	bool pending;
	uint32_t next_n;
	int64_t switch_at;	/* tick */
};

struct pit {
	struct pit_counter c[3];
	uint8_t port61;		/* the writable bits */
	bool refresh;		/* bit 4: toggles on each read */
	int64_t irq_next;	/* tick of counter 0's next rising OUT */
	int64_t quiet_until;	/* no pulse before (ns) */
};

/* Power-on and reset: counters idle (no interrupt until the guest
 * programs one), gates 0 and 1 high, port 0x61 clear. */
void pit_reset(struct pit *p);
/* A byte from/to port 0x40-0x43 or 0x61. */
uint8_t pit_read(struct pit *p, uint16_t port, int64_t now);
void pit_write(struct pit *p, uint16_t port, uint8_t value, int64_t now);
/* Pulses IRQ 0 if counter 0's OUT rose since the last pulse, and returns
 * when it next will, or DM_NEVER (clock.h). */
int64_t pit_update(struct pit *p, int64_t now);

#endif /* DM_PIT_H */
