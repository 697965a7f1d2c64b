/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The MC146818 real-time clock and its CMOS RAM, as a PC has it at ports
 * 0x70 (index; bit 7 masks NMI) and 0x71 (data), interrupting on IRQ 8.
 * This is the register model, pure but for the interrupt line (dm_irq):
 * every call takes @now, nanoseconds of a monotonic clock, so the host
 * unit tests drive time by hand; rtc.c's glue gives it ports, a timer on
 * the main loop and a lock.
 *
 * The guest's time is the host's UTC at rtc_init() plus whatever the
 * guest sets; it advances with @now.  It is kept as a count of seconds
 * (@base_sec at @base_ns) rather than as the time registers, which are
 * computed when read: the registers cannot drift, BCD and 12-hour
 * formats are a matter of reading, and flags that nobody looked at for
 * an hour cost nothing until someone reads register C.
 */
#ifndef DM_RTC_H
#define DM_RTC_H

#include <stdbool.h>
#include <stdint.h>

#define RTC_PORT_INDEX		0x70
#define RTC_PORT_DATA		0x71
#define RTC_GSI			8
#define RTC_CMOS_SIZE		128

/* Register indices */
#define RTC_SEC			0x00
#define RTC_SEC_ALARM		0x01
#define RTC_MIN			0x02
#define RTC_MIN_ALARM		0x03
#define RTC_HOUR		0x04
#define RTC_HOUR_ALARM		0x05
#define RTC_WDAY		0x06
#define RTC_MDAY		0x07
#define RTC_MONTH		0x08
#define RTC_YEAR		0x09
#define RTC_REG_A		0x0a
#define RTC_REG_B		0x0b
#define RTC_REG_C		0x0c
#define RTC_REG_D		0x0d
#define RTC_CENTURY		0x32

#define RTC_A_UIP		0x80	/* update in progress (read-only) */
#define RTC_A_DV		0x70	/* divider: 010 runs, 11x in reset */
#define RTC_A_RS		0x0f	/* periodic rate select */
#define RTC_B_SET		0x80	/* updates stopped while the time is set */
#define RTC_B_PIE		0x40
#define RTC_B_AIE		0x20
#define RTC_B_UIE		0x10
#define RTC_B_SQWE		0x08
#define RTC_B_DM		0x04	/* binary (else BCD) */
#define RTC_B_24H		0x02
#define RTC_C_IRQF		0x80
#define RTC_C_PF		0x40
#define RTC_C_AF		0x20
#define RTC_C_UF		0x10
#define RTC_D_VRT		0x80	/* the battery is good */

/* An alarm byte with its two top bits set matches any value. */
#define RTC_ALARM_ANY		0xc0

/* How long before an update UIP reads 1: 8 periods of 32.768 kHz. */
#define RTC_UIP_NS		244141

struct rtc {
	uint8_t cmos[RTC_CMOS_SIZE];	/* A-D and the time bytes too */
	uint8_t index;
	bool irq_level;
	/* Running: the guest's second base_sec began at base_ns, and each
	 * NS_PER_SEC after it another.  Divider in reset: base_sec is the
	 * time, frozen. */
	int64_t base_sec;
	int64_t base_ns;
	int64_t last;			/* register C is up to date to here */
};

/* A new VM's RTC: @utc_ns is the UTC time at @now; the memory-size bytes
 * describe @lowmem bytes at 0 and @highmem at 4 GiB. */
void rtc_init(struct rtc *r, uint64_t lowmem, uint64_t highmem,
	      int64_t utc_ns, int64_t now);
/* The RESET pin: interrupts off and acknowledged; time and RAM stay. */
void rtc_reset(struct rtc *r, int64_t now);
/* A byte from/to port 0x70 or 0x71. */
uint8_t rtc_read(struct rtc *r, uint16_t port, int64_t now);
void rtc_write(struct rtc *r, uint16_t port, uint8_t value, int64_t now);
/* Brings the flags of register C (and the line) up to @now, and returns
 * when next they may raise the interrupt, or DM_NEVER (clock.h). */
int64_t rtc_update(struct rtc *r, int64_t now);
/* The guest's time at @now, in seconds since 1970 (UTC). */
int64_t rtc_time(const struct rtc *r, int64_t now);

#endif /* DM_RTC_H */
