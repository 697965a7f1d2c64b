// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: the MC146818 RTC and CMOS RAM (rtc.h), and its glue: ports
 * 0x70-0x71, a timerfd on the main loop for its interrupts, a lock
 * (vCPU threads and the main thread both reach it).
 *
 * What a guest sees:
 *   - the time from the host's UTC plus the offset the guest sets by
 *     writing the time registers (directly, or with SET in register B
 *     stopping updates while it writes), in BCD or binary, 24 or 12 hour,
 *     with the century at 0x32;
 *   - register A: UIP reads 1 during the 244 us before each update, so a
 *     reader that waits for it to clear waits at most that long; the
 *     divider (DV 11x holds the chain in reset and stops the time; the
 *     first update comes 500 ms after it is released, as the datasheet
 *     says) and the periodic rate;
 *   - register C: PF, AF (don't-care alarm bytes 0xc0-0xff) and UF, set
 *     whether or not enabled, IRQF when one of them is enabled in B,
 *     all cleared by reading C; IRQ 8 is driven high with IRQF and low
 *     when C is read (the PIC takes it as an edge); register D: VRT;
 *   - the memory sizes firmware reads (0x15-0x18, 0x30-0x31, 0x34-0x35,
 *     0x5b-0x5d); every other byte is plain RAM.
 * Daylight saving (DSE) and the square-wave pin are not emulated; the
 * day of the week is computed from the date (a written one is ignored).
 * Dates the guest writes out of range are normalized, not stored.
 */
#include <string.h>

#include "clock.h"
#include "dm.h"
#include "hw.h"
#include "rtc.h"

#define NS			DM_NS_PER_SEC
#define SECS_PER_DAY		86400
#define XTAL_HZ			32768	/* the divider chain's input */
#define KIB			1024ULL
#define MIB			(1024 * KIB)

/* ---- Arithmetic on times that may lie before an origin ---- */

static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floormod(int64_t a, int64_t b)
{
	return a - floordiv(a, b) * b;
}

/*
 * Days since 1970-01-01 of a proleptic Gregorian date, and back.  The
 * year is shifted to start in March so that February, the irregular
 * month, is its last; 400-year eras of 146097 days repeat exactly.
 */
static int64_t days_from_date(int64_t year, int month, int64_t mday)
{
	int64_t y = month <= 2 ? year - 1 : year;
	int64_t era = floordiv(y, 400);
	int64_t yoe = y - era * 400;			/* 0..399 */
	int64_t mp = month > 2 ? month - 3 : month + 9;	/* March is 0 */
	int64_t doy = (153 * mp + 2) / 5 + mday - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;		/* 0000-03-01 to 1970 */
}

struct rtc_date {
	int64_t year;
	int month, mday, wday;	/* wday: 1 is Sunday, as the chip counts */
};

static struct rtc_date date_from_days(int64_t days)
{
	int64_t z = days + 719468;
	int64_t era = floordiv(z, 146097);
	int64_t doe = z - era * 146097;			/* 0..146096 */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	struct rtc_date d;

	d.mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	d.month = (int)(mp < 10 ? mp + 3 : mp - 9);
	d.year = yoe + era * 400 + (d.month <= 2);
	/* 1970-01-01 was a Thursday. */
	d.wday = (int)floormod(days + 4, 7) + 1;
	return d;
}

/* ---- The divider chain ---- */

static bool divider_runs(const struct rtc *r)
{
	/* 000, 001 and 010 select a time base; we are always the right
	 * crystal.  11x is reset, the rest are test modes: stopped. */
	return ((r->cmos[RTC_REG_A] & RTC_A_DV) >> 4) <= 2;
}

static bool updates_run(const struct rtc *r)
{
	return divider_runs(r) && !(r->cmos[RTC_REG_B] & RTC_B_SET);
}

/* 32.768 kHz cycles since base_ns (the chain's origin) at @now. */
static int64_t cycles_at(const struct rtc *r, int64_t now)
{
	return dm_clock_cycles(now - r->base_ns, XTAL_HZ);
}

/* The first instant at which cycles_at() reaches @cycles. */
static int64_t ns_at_cycles(const struct rtc *r, int64_t cycles)
{
	return r->base_ns + dm_clock_ns_at(cycles, XTAL_HZ);
}

/* The periodic interrupt's period in crystal cycles, 0 for none:
 * rates 1 and 2 repeat 8 and 7 of the table (a quirk of the chip). */
static int64_t period_cycles(const struct rtc *r)
{
	unsigned int rs = r->cmos[RTC_REG_A] & RTC_A_RS;

	if (!rs)
		return 0;
	return rs <= 2 ? 1LL << (rs + 6) : 1LL << (rs - 1);
}

int64_t rtc_time(const struct rtc *r, int64_t now)
{
	if (!divider_runs(r))
		return r->base_sec;
	return r->base_sec + floordiv(now - r->base_ns, NS);
}

/* The guest's clock reads @secs at @now; the chain keeps its phase. */
static void set_time(struct rtc *r, int64_t secs, int64_t now)
{
	if (divider_runs(r))
		r->base_ns = now - floormod(now - r->base_ns, NS);
	r->base_sec = secs;
}

/* ---- Register formats ---- */

static bool binary(const struct rtc *r)
{
	return r->cmos[RTC_REG_B] & RTC_B_DM;
}

static uint8_t encode(const struct rtc *r, int64_t v)
{
	if (binary(r))
		return (uint8_t)v;
	v = floormod(v, 100);
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

/* Any byte decodes to something: invalid BCD digits count as their
 * value (0xff is 165), which the date arithmetic then normalizes. */
static int decode(const struct rtc *r, uint8_t b)
{
	return binary(r) ? b : (b >> 4) * 10 + (b & 0x0f);
}

static uint8_t encode_hour(const struct rtc *r, int hour)
{
	int h12 = hour % 12 ? hour % 12 : 12;

	if (r->cmos[RTC_REG_B] & RTC_B_24H)
		return encode(r, hour);
	return encode(r, h12) | (hour >= 12 ? 0x80 : 0);
}

static int decode_hour(const struct rtc *r, uint8_t b)
{
	if (r->cmos[RTC_REG_B] & RTC_B_24H)
		return decode(r, b);
	return decode(r, b & 0x7f) % 12 + ((b & 0x80) ? 12 : 0);
}

/* The time bytes of the guest's clock at @now. */
static void store_time(struct rtc *r, int64_t now)
{
	int64_t secs = rtc_time(r, now);
	int64_t sod = floormod(secs, SECS_PER_DAY);
	struct rtc_date d = date_from_days(floordiv(secs, SECS_PER_DAY));

	r->cmos[RTC_SEC] = encode(r, sod % 60);
	r->cmos[RTC_MIN] = encode(r, sod / 60 % 60);
	r->cmos[RTC_HOUR] = encode_hour(r, (int)(sod / 3600));
	r->cmos[RTC_WDAY] = encode(r, d.wday);
	r->cmos[RTC_MDAY] = encode(r, d.mday);
	r->cmos[RTC_MONTH] = encode(r, d.month);
	r->cmos[RTC_YEAR] = encode(r, floormod(d.year, 100));
	r->cmos[RTC_CENTURY] = encode(r, floordiv(d.year, 100));
}

/* The time the time bytes say, in seconds since 1970. */
static int64_t load_time(const struct rtc *r)
{
	int month = decode(r, r->cmos[RTC_MONTH]);
	int64_t year = (int64_t)decode(r, r->cmos[RTC_CENTURY]) * 100 +
		       decode(r, r->cmos[RTC_YEAR]);
	int64_t days;

	/* The only field the date arithmetic cannot carry over. */
	if (month < 1 || month > 12)
		month = 1;
	days = days_from_date(year, month, decode(r, r->cmos[RTC_MDAY]));
	return days * SECS_PER_DAY +
	       decode_hour(r, r->cmos[RTC_HOUR]) * 3600LL +
	       decode(r, r->cmos[RTC_MIN]) * 60LL +
	       decode(r, r->cmos[RTC_SEC]);
}

static bool is_time_byte(unsigned int idx)
{
	return idx == RTC_SEC || idx == RTC_MIN || idx == RTC_HOUR ||
	       (idx >= RTC_WDAY && idx <= RTC_YEAR) || idx == RTC_CENTURY;
}

/* ---- Interrupts ---- */

static void update_irq(struct rtc *r)
{
	uint8_t *c = &r->cmos[RTC_REG_C];
	bool level = *c & r->cmos[RTC_REG_B] &
		     (RTC_C_PF | RTC_C_AF | RTC_C_UF);

	*c = level ? *c | RTC_C_IRQF : *c & (uint8_t)~RTC_C_IRQF;
	if (level != r->irq_level) {
		r->irq_level = level;
		dm_irq->gsi(RTC_GSI, level);
	}
}

static bool alarm_byte_matches(uint8_t alarm, uint8_t now)
{
	return (alarm & RTC_ALARM_ANY) == RTC_ALARM_ANY || alarm == now;
}

/* Whether the alarm rang at one of the updates to seconds first..last.
 * The chip compares bytes, in the current format; the pattern repeats
 * each day, so more than a day of updates need not all be looked at. */
static bool alarm_rang(const struct rtc *r, int64_t first, int64_t last)
{
	uint8_t as = r->cmos[RTC_SEC_ALARM], am = r->cmos[RTC_MIN_ALARM];
	uint8_t ah = r->cmos[RTC_HOUR_ALARM];

	if (last - first >= SECS_PER_DAY)
		first = last - SECS_PER_DAY + 1;
	for (int64_t s = first; s <= last; s++) {
		int64_t sod = floormod(s, SECS_PER_DAY);

		if (alarm_byte_matches(as, encode(r, sod % 60)) &&
		    alarm_byte_matches(am, encode(r, sod / 60 % 60)) &&
		    alarm_byte_matches(ah, encode_hour(r, (int)(sod / 3600))))
			return true;
	}
	return false;
}

/* Sets the flags of what happened in (last, now]: a periodic tick, an
 * update, an alarm at an update. */
static void advance(struct rtc *r, int64_t now)
{
	int64_t c0, c1, p;
	uint8_t flags = 0;

	if (now <= r->last)
		return;
	c0 = cycles_at(r, r->last);
	c1 = cycles_at(r, now);
	r->last = now;
	if (!divider_runs(r))
		return;
	p = period_cycles(r);
	if (p && floordiv(c1, p) > floordiv(c0, p))
		flags |= RTC_C_PF;
	if (updates_run(r) && floordiv(c1, XTAL_HZ) > floordiv(c0, XTAL_HZ)) {
		flags |= RTC_C_UF;
		if (alarm_rang(r, r->base_sec + floordiv(c0, XTAL_HZ) + 1,
			       r->base_sec + floordiv(c1, XTAL_HZ)))
			flags |= RTC_C_AF;
	}
	r->cmos[RTC_REG_C] |= flags;
	update_irq(r);
}

int64_t rtc_update(struct rtc *r, int64_t now)
{
	uint8_t b = r->cmos[RTC_REG_B];
	int64_t next = DM_NEVER, c, p;

	advance(r, now);
	/* Until C is read, nothing more can change the line. */
	if ((r->cmos[RTC_REG_C] & RTC_C_IRQF) || !divider_runs(r))
		return DM_NEVER;
	c = cycles_at(r, now);
	p = period_cycles(r);
	if ((b & RTC_B_PIE) && p)
		next = ns_at_cycles(r, (floordiv(c, p) + 1) * p);
	/* The alarm is looked at each second: cheaper to wake once a second
	 * than to search for the next match, and rarely enabled anyway. */
	if ((b & (RTC_B_AIE | RTC_B_UIE)) && updates_run(r)) {
		int64_t update = ns_at_cycles(r, (floordiv(c, XTAL_HZ) + 1) *
					      XTAL_HZ);

		if (update < next)
			next = update;
	}
	return next;
}

/* ---- Registers ---- */

static bool uip(const struct rtc *r, int64_t now)
{
	return updates_run(r) &&
	       floormod(now - r->base_ns, NS) >= NS - RTC_UIP_NS;
}

static uint8_t reg_read(struct rtc *r, unsigned int idx, int64_t now)
{
	uint8_t v;

	if (is_time_byte(idx)) {
		/* While SET, the bytes are what the guest is writing. */
		if (!(r->cmos[RTC_REG_B] & RTC_B_SET))
			store_time(r, now);
		return r->cmos[idx];
	}
	switch (idx) {
	case RTC_REG_A:
		return (r->cmos[idx] & (uint8_t)~RTC_A_UIP) |
		       (uip(r, now) ? RTC_A_UIP : 0);
	case RTC_REG_C:
		advance(r, now);
		v = r->cmos[idx];
		r->cmos[idx] = 0;
		update_irq(r);
		return v;
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		return r->cmos[idx];
	}
}

static void write_a(struct rtc *r, uint8_t v, int64_t now)
{
	bool ran = divider_runs(r);
	int64_t secs = rtc_time(r, now);

	r->cmos[RTC_REG_A] = v & (uint8_t)~RTC_A_UIP;
	if (ran && !divider_runs(r)) {
		r->base_sec = secs;		/* frozen */
	} else if (!ran && divider_runs(r)) {
		/* Out of reset, the first update is half a second away. */
		r->base_ns = now - NS / 2;
		r->last = now;
	}
}

static void write_b(struct rtc *r, uint8_t v, int64_t now)
{
	uint8_t old = r->cmos[RTC_REG_B];

	/* Setting SET clears UIE: no update interrupts while stopped. */
	if (v & RTC_B_SET)
		v &= (uint8_t)~RTC_B_UIE;
	r->cmos[RTC_REG_B] = v;
	if ((v & RTC_B_SET) && !(old & RTC_B_SET))
		store_time(r, now);	/* what the guest edits, new format */
	else if (!(v & RTC_B_SET) && (old & RTC_B_SET))
		set_time(r, load_time(r), now);
	update_irq(r);
}

static void reg_write(struct rtc *r, unsigned int idx, uint8_t v,
		      int64_t now)
{
	/* Flags of the past are judged by the settings of the past. */
	advance(r, now);
	if (is_time_byte(idx)) {
		if (r->cmos[RTC_REG_B] & RTC_B_SET) {
			r->cmos[idx] = v;
			return;
		}
		/* A running clock takes the one field at once. */
		store_time(r, now);
		r->cmos[idx] = v;
		set_time(r, load_time(r), now);
		return;
	}
	switch (idx) {
	case RTC_REG_A:
		write_a(r, v, now);
		break;
	case RTC_REG_B:
		write_b(r, v, now);
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break;			/* read-only */
	default:
		r->cmos[idx] = v;
		break;
	}
}

uint8_t rtc_read(struct rtc *r, uint16_t port, int64_t now)
{
	/* The index register cannot be read back on most chipsets. */
	if (port != RTC_PORT_DATA)
		return 0xff;
	return reg_read(r, r->index, now);
}

void rtc_write(struct rtc *r, uint16_t port, uint8_t value, int64_t now)
{
	/* Bit 7 of the index port masks NMI on a PC; there is no NMI
	 * source here for it to mask. */
	if (port == RTC_PORT_INDEX)
		r->index = value & (RTC_CMOS_SIZE - 1);
	else if (port == RTC_PORT_DATA)
		reg_write(r, r->index, value, now);
}

static void put16(uint8_t *p, uint64_t v)
{
	v = v > 0xffff ? 0xffff : v;
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* What SeaBIOS and OVMF read to size memory (QEMU's layout). */
static void store_memory_sizes(struct rtc *r, uint64_t lowmem,
			       uint64_t highmem)
{
	uint64_t ext = lowmem > 64 * MIB ? 64 * MIB : lowmem;
	uint64_t above16 = lowmem > 16 * MIB ? lowmem - 16 * MIB : 0;
	uint64_t high = (highmem >> 16) > 0xffffff ? 0xffffff : highmem >> 16;

	ext = ext > MIB ? ext - MIB : 0;
	put16(&r->cmos[0x15], 640);		/* base memory, KiB */
	put16(&r->cmos[0x17], ext / KIB);	/* 1 MiB..64 MiB, KiB */
	put16(&r->cmos[0x30], ext / KIB);
	put16(&r->cmos[0x34], above16 >> 16);	/* 16 MiB..4 GiB, 64 KiB */
	r->cmos[0x5b] = (uint8_t)high;		/* from 4 GiB, 64 KiB */
	r->cmos[0x5c] = (uint8_t)(high >> 8);
	r->cmos[0x5d] = (uint8_t)(high >> 16);
}

void rtc_init(struct rtc *r, uint64_t lowmem, uint64_t highmem,
	      int64_t utc_ns, int64_t now)
{
	memset(r, 0, sizeof(*r));
	r->cmos[RTC_REG_A] = 0x26;		/* 32.768 kHz, 1024 Hz */
	r->cmos[RTC_REG_B] = RTC_B_24H;		/* BCD, as a BIOS leaves it */
	r->cmos[RTC_REG_D] = RTC_D_VRT;
	store_memory_sizes(r, lowmem, highmem);
	/* Second boundaries where the host's UTC has them. */
	r->base_sec = floordiv(utc_ns, NS);
	r->base_ns = now - floormod(utc_ns, NS);
	r->last = now;
}

void rtc_reset(struct rtc *r, int64_t now)
{
	r->cmos[RTC_REG_B] &= (uint8_t)~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE |
					  RTC_B_SQWE);
	r->cmos[RTC_REG_C] = 0;
	r->last = now;
	update_irq(r);
}

/* ---- Glue: ports, the timer, the lock (clock.h's dm_clocked) ---- */

static struct rtc rtc;

static uint8_t glue_read(void *model, uint16_t port, int64_t now)
{
	return rtc_read(model, port, now);
}

static void glue_write(void *model, uint16_t port, uint8_t value, int64_t now)
{
	rtc_write(model, port, value, now);
}

static int64_t glue_update(void *model, int64_t now)
{
	return rtc_update(model, now);
}

static const struct dm_clocked_port rtc_ports[] = {
	{ RTC_PORT_INDEX, 2, "rtc" },
};

/* Every access can move the next event (reading C clears its flags): no
 * .moves. */
static const struct dm_clocked_ops rtc_ops = {
	.name = "RTC",
	.ports = rtc_ports,
	.nports = sizeof(rtc_ports) / sizeof(rtc_ports[0]),
	.read = glue_read,
	.write = glue_write,
	.update = glue_update,
};

static struct dm_clocked dev = DM_CLOCKED_INIT(&rtc_ops, &rtc);

int dm_rtc_init(const struct dm_config *cfg, uint64_t lowmem,
		uint64_t highmem, struct dm_error *err)
{
	int64_t now = dm_clocked_lock(&dev);

	rtc_init(&rtc, lowmem, highmem, dm_clock_utc(), now);
	dm_clocked_unlock(&dev, false);
	return dm_clocked_start(&dev, err);
}

void dm_rtc_reset(void)
{
	rtc_reset(&rtc, dm_clocked_lock(&dev));
	dm_clocked_unlock(&dev, true);
}

void dm_rtc_deinit(void)
{
	dm_clocked_stop(&dev);
}
