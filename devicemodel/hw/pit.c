// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: the 8254 PIT and port 0x61 (pit.h), and their glue: ports,
 * a timerfd on the main loop for counter 0's interrupts, a lock (one
 * for all: port 0x61 reaches into counter 2).
 *
 * What a guest sees:
 *   - three counters with modes 0-5 (6 and 7 are 2 and 3), binary or
 *     BCD counts, LSB, MSB or LSB-then-MSB access with the flip-flops,
 *     the counter-latch and read-back commands (status: OUT, null count,
 *     access, mode, BCD);
 *   - counter 0 on IRQ 0: each rising edge of its OUT (every period in
 *     modes 2 and 3, once at the terminal count in modes 0 and 4) is a
 *     pulse of GSI 0, high then low, at most one per PIT_MIN_IRQ_NS;
 *   - counter 2's gate (bit 0 of 0x61) and OUT (bit 5), the speaker bit
 *     (stored: there is no sound), the refresh bit 4 that flips on each
 *     read (old delay loops wait for it to change).
 * Linux's TSC calibration runs counter 2 in mode 0 and polls bit 5 of
 * 0x61, or polls the count's MSB; both work whatever a port access costs,
 * since the count comes from the clock, not from the number of accesses.
 * Simplifications: the count is loaded at once rather than at the next
 * clock edge, and in mode 3 a new count takes effect at the end of the
 * whole period rather than of the half period.
 */
#include <string.h>

#include "clock.h"
#include "dm.h"
#include "hw.h"
#include "pit.h"

#define NONE		INT64_MAX	/* no tick */

/* ---- Counts ---- */

static uint32_t modulus(const struct pit_counter *c)
{
	return c->bcd ? 10000 : 65536;
}

/* The count register as a number of clocks: 0 is the largest count.
 * Invalid BCD digits count as their value, reduced into range. */
static uint32_t initial_count(const struct pit_counter *c)
{
	uint32_t v = c->cr;

	if (c->bcd)
		v = ((v >> 12) & 0xf) * 1000 + ((v >> 8) & 0xf) * 100 +
		    ((v >> 4) & 0xf) * 10 + (v & 0xf);
	v %= modulus(c);
	return v ? v : modulus(c);
}

static uint16_t to_reg(const struct pit_counter *c, uint32_t count)
{
	count %= modulus(c);
	if (!c->bcd)
		return (uint16_t)count;
	return (uint16_t)((count / 1000) << 12 | (count / 100 % 10) << 8 |
			  (count / 10 % 10) << 4 | (count % 10));
}

/* Ticks the counting element has counted since it was loaded. */
static int64_t elapsed(const struct pit_counter *c, int64_t tick)
{
	if (!c->running)
		return c->stopped_d;
	/* The clock is read under the lock, so it never goes back; but a
	 * count must not become negative if it did. */
	return tick > c->start ? tick - c->start : 0;
}

/* A new count written in mode 2 or 3 starts when its period is over. */
static void take_pending(struct pit_counter *c, int64_t tick)
{
	if (c->pending && tick >= c->switch_at) {
		c->start = c->switch_at;
		c->n = c->next_n;
		c->pending = false;
		c->null_count = false;
	}
}

/* The count (as the guest reads it) and OUT at @tick; pending counts taken. */
static void state(const struct pit_counter *c, int64_t tick,
		  uint16_t *count, bool *out)
{
	uint64_t d, r, n = c->n, m = modulus(c), half;
	uint64_t v;

	if (!c->loaded) {
		*count = c->hold;
		*out = c->mode != 0;	/* after the control word */
		return;
	}
	d = (uint64_t)elapsed(c, tick);
	switch (c->mode) {
	case 0:
	case 1:
		/* Down to 0, OUT high from there; the count wraps on. */
		v = (n + m - d % m) % m;
		*out = d >= n;
		break;
	case 2:
		/* n..1, OUT low while the count is 1, then reloads. */
		r = d % n;
		v = n - r;
		*out = r != n - 1 || !c->gate;
		break;
	case 3:
		/* Down by two, OUT high for the first half (the longer one
		 * when n is odd) and low for the second. */
		r = d % n;
		half = (n + 1) / 2;
		if (r < half) {
			v = n - 2 * r;
			*out = true;
		} else {
			v = (n & ~1ULL) - 2 * (r - half);
			*out = !c->gate;
		}
		break;
	default:	/* 4, 5 */
		/* Down to 0, OUT low for that one clock only. */
		v = (n + m - d % m) % m;
		*out = d != n;
		break;
	}
	*count = to_reg(c, (uint32_t)v);
}

static uint16_t count_now(const struct pit_counter *c, int64_t tick)
{
	uint16_t count;
	bool out;

	state(c, tick, &count, &out);
	return count;
}

static bool out_now(const struct pit_counter *c, int64_t tick)
{
	uint16_t count;
	bool out;

	state(c, tick, &count, &out);
	return out;
}

/* The tick after @tick at which OUT next rises; pending counts taken. */
static int64_t next_rise(const struct pit_counter *c, int64_t tick)
{
	int64_t d, n = c->n;

	if (!c->loaded || !c->running)
		return NONE;
	d = tick - c->start;
	switch (c->mode) {
	case 0:
	case 1:
		return d < n ? c->start + n : NONE;
	case 2:
	case 3:
		if (c->pending)
			return c->switch_at;
		return c->start + (d / n + 1) * n;
	default:
		return d < n + 1 ? c->start + n + 1 : NONE;
	}
}

/* ---- Loading, gating ---- */

static void start_counting(struct pit_counter *c, int64_t tick)
{
	c->loaded = true;
	c->n = initial_count(c);
	c->start = tick;
	c->stopped_d = 0;
	c->pending = false;
	c->null_count = false;
}

/* The count register is complete. */
static void count_written(struct pit_counter *c, int64_t tick)
{
	c->cr_valid = true;
	c->null_count = true;
	/* Modes 1 and 5 load it at the next trigger on the gate. */
	if (c->mode == 1 || c->mode == 5)
		return;
	if ((c->mode == 2 || c->mode == 3) && c->loaded && c->running) {
		int64_t d = tick - c->start, n = c->n;

		c->pending = true;
		c->next_n = initial_count(c);
		c->switch_at = c->start + (d / n + 1) * n;
		return;
	}
	start_counting(c, tick);
	c->running = c->gate;
}

static void set_gate(struct pit_counter *c, bool gate, int64_t tick)
{
	if (gate == c->gate)
		return;
	take_pending(c, tick);
	c->gate = gate;
	switch (c->mode) {
	case 0:
	case 4:
		/* The gate pauses counting. */
		if (!c->loaded)
			break;
		if (gate)
			c->start = tick - c->stopped_d;
		else
			c->stopped_d = tick - c->start;
		c->running = gate;
		break;
	case 1:
	case 5:
		/* A rising edge (re)starts the one-shot. */
		if (gate && c->cr_valid) {
			start_counting(c, tick);
			c->running = true;
		}
		break;
	default:
		/* Low stops it; a rising edge reloads the count. */
		if (!c->loaded)
			break;
		if (gate) {
			start_counting(c, tick);
		} else {
			c->stopped_d = tick - c->start;
		}
		c->running = gate;
		break;
	}
}

/* ---- Ports ---- */

static void control_word(struct pit *p, uint8_t v, int64_t tick)
{
	unsigned int sc = v >> 6, rw = (v >> 4) & 3, mode = (v >> 1) & 7;
	struct pit_counter *c;

	if (sc == 3) {
		/* Read-back: bit 5 clear latches counts, bit 4 statuses. */
		for (unsigned int i = 0; i < 3; i++) {
			c = &p->c[i];
			if (!(v & (2 << i)))
				continue;
			take_pending(c, tick);
			if (!(v & 0x20) && !c->count_latched) {
				c->latch = count_now(c, tick);
				c->count_latched = true;
				c->latch_msb = false;
			}
			if (!(v & 0x10) && !c->status_latched) {
				c->status = (uint8_t)((out_now(c, tick) << 7) |
					     (c->null_count << 6) |
					     (c->rw << 4) | (c->mode << 1) |
					     c->bcd);
				c->status_latched = true;
			}
		}
		return;
	}
	c = &p->c[sc];
	take_pending(c, tick);
	if (rw == PIT_RW_LATCH) {
		/* A second latch before the first is read is ignored. */
		if (!c->count_latched) {
			c->latch = count_now(c, tick);
			c->count_latched = true;
			c->latch_msb = false;
		}
		return;
	}
	/* A new mode: the counter waits for its count, OUT at its start
	 * level (low in mode 0, high otherwise). */
	c->hold = count_now(c, tick);
	c->mode = (uint8_t)(mode > 5 ? mode - 4 : mode);
	c->rw = (uint8_t)rw;
	c->bcd = v & 1;
	c->write_msb = c->read_msb = false;
	c->count_latched = c->status_latched = false;
	c->cr_valid = c->loaded = c->running = c->pending = false;
	c->null_count = true;
}

static void counter_write(struct pit_counter *c, uint8_t v, int64_t tick)
{
	take_pending(c, tick);
	switch (c->rw) {
	case PIT_RW_LSB:
		c->cr = v;
		break;
	case PIT_RW_MSB:
		c->cr = (uint16_t)(v << 8);
		break;
	default:
		if (!c->write_msb) {
			c->cr = (uint16_t)((c->cr & 0xff00) | v);
			c->write_msb = true;
			/* In mode 0 the first byte stops the count. */
			if (c->mode == 0 && c->loaded) {
				c->hold = count_now(c, tick);
				c->loaded = c->running = false;
			}
			return;
		}
		c->cr = (uint16_t)((c->cr & 0x00ff) | (v << 8));
		c->write_msb = false;
		break;
	}
	count_written(c, tick);
}

static uint8_t counter_read(struct pit_counter *c, int64_t tick)
{
	uint16_t v;
	bool msb;

	take_pending(c, tick);
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->count_latched) {
		v = c->latch;
		if (c->rw == PIT_RW_WORD && !c->latch_msb) {
			c->latch_msb = true;
			return (uint8_t)v;
		}
		c->count_latched = false;
		return (uint8_t)(c->rw == PIT_RW_LSB ? v : v >> 8);
	}
	v = count_now(c, tick);
	switch (c->rw) {
	case PIT_RW_LSB:
		return (uint8_t)v;
	case PIT_RW_MSB:
		return (uint8_t)(v >> 8);
	default:
		/* Without a latch the two bytes come from two instants, as
		 * on the chip. */
		msb = c->read_msb;
		c->read_msb = !msb;
		return (uint8_t)(msb ? v >> 8 : v);
	}
}

/* Counter 0's OUT rose at irq_next: one pulse for any number of rises
 * since the last (the PIC would merge them too). */
static void deliver(struct pit *p, int64_t now)
{
	int64_t tick = dm_clock_cycles(now, PIT_HZ);
	struct pit_counter *c = &p->c[0];

	take_pending(c, tick);
	if (p->irq_next <= tick) {
		dm_irq->gsi(PIT_GSI, true);
		dm_irq->gsi(PIT_GSI, false);
		p->quiet_until = now + PIT_MIN_IRQ_NS;
	}
	p->irq_next = next_rise(c, tick);
}

uint8_t pit_read(struct pit *p, uint16_t port, int64_t now)
{
	int64_t tick = dm_clock_cycles(now, PIT_HZ);
	uint8_t v;

	if (port == PIT_PORT_SPEAKER) {
		take_pending(&p->c[2], tick);
		v = (uint8_t)(p->port61 | (p->refresh ? PIT_61_REFRESH : 0) |
			      (out_now(&p->c[2], tick) ? PIT_61_OUT2 : 0));
		p->refresh = !p->refresh;
		return v;
	}
	if (port >= PIT_PORT_COUNTER0 && port < PIT_PORT_CONTROL)
		return counter_read(&p->c[port - PIT_PORT_COUNTER0], tick);
	return 0xff;		/* the control word cannot be read */
}

void pit_write(struct pit *p, uint16_t port, uint8_t value, int64_t now)
{
	int64_t tick = dm_clock_cycles(now, PIT_HZ);

	if (port == PIT_PORT_SPEAKER) {
		p->port61 = value & PIT_61_WRITABLE;
		set_gate(&p->c[2], value & PIT_61_GATE2, tick);
		return;
	}
	if (port < PIT_PORT_COUNTER0 || port > PIT_PORT_CONTROL)
		return;
	/* Rises due before the change are the old setting's. */
	deliver(p, now);
	if (port == PIT_PORT_CONTROL)
		control_word(p, value, tick);
	else
		counter_write(&p->c[port - PIT_PORT_COUNTER0], value, tick);
	p->irq_next = next_rise(&p->c[0], tick);
}

int64_t pit_update(struct pit *p, int64_t now)
{
	int64_t rise;

	deliver(p, now);
	if (p->irq_next == NONE)
		return DM_NEVER;
	rise = dm_clock_ns_at(p->irq_next, PIT_HZ);
	return rise > p->quiet_until ? rise : p->quiet_until;
}

void pit_reset(struct pit *p)
{
	for (unsigned int i = 0; i < 3; i++) {
		struct pit_counter *c = &p->c[i];

		memset(c, 0, sizeof(*c));
		c->rw = PIT_RW_WORD;
		c->gate = i != 2;	/* counter 2's gate is port 0x61's */
		c->null_count = true;
	}
	p->port61 = 0;
	p->refresh = false;
	p->irq_next = NONE;
	p->quiet_until = INT64_MIN;
}

/* ---- Glue: ports, the timer, the lock (clock.h's dm_clocked) ---- */

static struct pit pit;

static uint8_t glue_read(void *model, uint16_t port, int64_t now)
{
	return pit_read(model, port, now);
}

static void glue_write(void *model, uint16_t port, uint8_t value, int64_t now)
{
	pit_write(model, port, value, now);
}

static int64_t glue_update(void *model, int64_t now)
{
	return pit_update(model, now);
}

/* Only counter 0 has a timer; reads and port 0x61 leave it. */
static bool glue_moves(uint16_t port, bool write)
{
	return write && port != PIT_PORT_SPEAKER;
}

static const struct dm_clocked_port pit_ports[] = {
	{ PIT_PORT_COUNTER0, 4, "pit" },
	{ PIT_PORT_SPEAKER, 1, "port61" },
};

static const struct dm_clocked_ops pit_ops = {
	.name = "PIT",
	.ports = pit_ports,
	.nports = sizeof(pit_ports) / sizeof(pit_ports[0]),
	.read = glue_read,
	.write = glue_write,
	.update = glue_update,
	.moves = glue_moves,
};

static struct dm_clocked dev = DM_CLOCKED_INIT(&pit_ops, &pit);

int dm_pit_init(const struct dm_config *cfg, struct dm_error *err)
{
	dm_clocked_lock(&dev);
	pit_reset(&pit);
	dm_clocked_unlock(&dev, false);
	return dm_clocked_start(&dev, err);
}

void dm_pit_reset(void)
{
	dm_clocked_lock(&dev);
	pit_reset(&pit);
	dm_clocked_unlock(&dev, true);
}

void dm_pit_deinit(void)
{
	dm_clocked_stop(&dev);
}
