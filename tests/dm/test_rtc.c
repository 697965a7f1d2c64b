/* The MC146818 RTC and CMOS model (devicemodel/hw/rtc.c), on a fake
 * clock: the tests pass the time to each call. */
#include "clock.h"
#include "dm.h"
#include "rtc.h"
#include "dm_unit.h"

#define NS		DM_NS_PER_SEC
#define MS		1000000LL
#define US		1000LL
/* The monotonic clock at the start, and the host's UTC then: 2024-02-29
 * (a Thursday) 13:45:30.25.  Guest seconds begin at NOW0 + 750 ms + k s. */
#define NOW0		(1000 * NS)
#define UTC0_SEC	1709214330LL
#define UTC0		(UTC0_SEC * NS + 250 * MS)
#define TICK0		(NOW0 + 750 * MS)	/* the first update */

static struct rtc r;
static const struct dm_irq_ops *saved_irq;
static bool line;
static unsigned int rises;

static void record_gsi(unsigned int gsi, bool level)
{
	CU_ASSERT_EQUAL(gsi, RTC_GSI);
	CU_ASSERT_NOT_EQUAL(level, line);	/* only changes are driven */
	line = level;
	rises += level;
}

static const struct dm_irq_ops recorder = { .gsi = record_gsi };

static void setup(uint64_t lowmem, uint64_t highmem)
{
	saved_irq = dm_irq;
	dm_irq = &recorder;
	line = false;
	rises = 0;
	rtc_init(&r, lowmem, highmem, UTC0, NOW0);
}

static void teardown(void)
{
	dm_irq = saved_irq;
}

/* What a guest does: the index to 0x70, then the data at 0x71. */
static uint8_t rd(unsigned int idx, int64_t now)
{
	rtc_write(&r, RTC_PORT_INDEX, (uint8_t)idx, now);
	return rtc_read(&r, RTC_PORT_DATA, now);
}

static void wr(unsigned int idx, uint8_t v, int64_t now)
{
	rtc_write(&r, RTC_PORT_INDEX, (uint8_t)idx, now);
	rtc_write(&r, RTC_PORT_DATA, v, now);
}

static void test_read_formats(void)
{
	/* 10 h 14 min 30 s later it is 2024-03-01 00:00:00.25, a Friday. */
	int64_t midnight = NOW0 + (10 * 3600 + 14 * 60 + 30) * NS;

	setup(256 << 20, 0);
	/* Power-on: BCD, 24 hour, 32.768 kHz divider, 1024 Hz, VRT. */
	CU_ASSERT_EQUAL(rd(RTC_REG_A, NOW0), 0x26);
	CU_ASSERT_EQUAL(rd(RTC_REG_B, NOW0), RTC_B_24H);
	CU_ASSERT_EQUAL(rd(RTC_REG_D, NOW0), RTC_D_VRT);
	CU_ASSERT_EQUAL(rd(RTC_SEC, NOW0), 0x30);
	CU_ASSERT_EQUAL(rd(RTC_MIN, NOW0), 0x45);
	CU_ASSERT_EQUAL(rd(RTC_HOUR, NOW0), 0x13);
	CU_ASSERT_EQUAL(rd(RTC_WDAY, NOW0), 5);
	CU_ASSERT_EQUAL(rd(RTC_MDAY, NOW0), 0x29);
	CU_ASSERT_EQUAL(rd(RTC_MONTH, NOW0), 0x02);
	CU_ASSERT_EQUAL(rd(RTC_YEAR, NOW0), 0x24);
	CU_ASSERT_EQUAL(rd(RTC_CENTURY, NOW0), 0x20);
	/* The seconds advance at the guest's second boundaries. */
	CU_ASSERT_EQUAL(rd(RTC_SEC, TICK0 - 1), 0x30);
	CU_ASSERT_EQUAL(rd(RTC_SEC, TICK0), 0x31);
	CU_ASSERT_EQUAL(rtc_time(&r, TICK0 + 9 * NS), UTC0_SEC + 10);

	/* Binary. */
	wr(RTC_REG_B, RTC_B_24H | RTC_B_DM, NOW0);
	CU_ASSERT_EQUAL(rd(RTC_SEC, NOW0), 30);
	CU_ASSERT_EQUAL(rd(RTC_MIN, NOW0), 45);
	CU_ASSERT_EQUAL(rd(RTC_HOUR, NOW0), 13);
	CU_ASSERT_EQUAL(rd(RTC_MDAY, NOW0), 29);
	CU_ASSERT_EQUAL(rd(RTC_YEAR, NOW0), 24);
	CU_ASSERT_EQUAL(rd(RTC_CENTURY, NOW0), 20);
	/* 12 hour, binary: 1 PM. */
	wr(RTC_REG_B, RTC_B_DM, NOW0);
	CU_ASSERT_EQUAL(rd(RTC_HOUR, NOW0), 0x80 | 1);
	/* 12 hour, BCD: midnight is 12 AM; leap day to March 1st. */
	wr(RTC_REG_B, 0, NOW0);
	CU_ASSERT_EQUAL(rd(RTC_HOUR, NOW0), 0x81);
	CU_ASSERT_EQUAL(rd(RTC_HOUR, midnight), 0x12);
	CU_ASSERT_EQUAL(rd(RTC_MIN, midnight), 0x00);
	CU_ASSERT_EQUAL(rd(RTC_MDAY, midnight), 0x01);
	CU_ASSERT_EQUAL(rd(RTC_MONTH, midnight), 0x03);
	CU_ASSERT_EQUAL(rd(RTC_WDAY, midnight), 6);
	CU_ASSERT_EQUAL(rd(RTC_HOUR, midnight + 12 * 3600 * NS), 0x92);
	/* The index port: bit 7 masks NMI and is not part of the index;
	 * the port reads all-ones. */
	rtc_write(&r, RTC_PORT_INDEX, 0x80 | RTC_SEC, NOW0);
	CU_ASSERT_EQUAL(rtc_read(&r, RTC_PORT_DATA, NOW0), 0x30);
	CU_ASSERT_EQUAL(rtc_read(&r, RTC_PORT_INDEX, NOW0), 0xff);
	CU_ASSERT_EQUAL(rises, 0);
	teardown();
}

/* 1999-12-31 23:59:58 in BCD, as Linux's set_time writes it. */
static void write_1999(int64_t now)
{
	wr(RTC_SEC, 0x58, now);
	wr(RTC_MIN, 0x59, now);
	wr(RTC_HOUR, 0x23, now);
	wr(RTC_MDAY, 0x31, now);
	wr(RTC_MONTH, 0x12, now);
	wr(RTC_YEAR, 0x99, now);
	wr(RTC_CENTURY, 0x19, now);
}

static void test_set_time(void)
{
	int64_t t = NOW0;

	setup(256 << 20, 0);
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H | RTC_B_UIE, t);
	/* SET clears UIE. */
	CU_ASSERT_EQUAL(rd(RTC_REG_B, t), RTC_B_SET | RTC_B_24H);
	write_1999(t);
	/* While SET, the bytes read back as written, and do not move. */
	t += 5 * NS;
	CU_ASSERT_EQUAL(rd(RTC_SEC, t), 0x58);
	CU_ASSERT_EQUAL(rd(RTC_YEAR, t), 0x99);
	CU_ASSERT_EQUAL(rd(RTC_REG_A, t) & RTC_A_UIP, 0);
	wr(RTC_REG_B, RTC_B_24H, t);
	CU_ASSERT_EQUAL(rtc_time(&r, t), 946684798);
	/* Two updates later: the year 2000, a Saturday. */
	t += 2 * NS;
	CU_ASSERT_EQUAL(rd(RTC_SEC, t), 0x00);
	CU_ASSERT_EQUAL(rd(RTC_HOUR, t), 0x00);
	CU_ASSERT_EQUAL(rd(RTC_MDAY, t), 0x01);
	CU_ASSERT_EQUAL(rd(RTC_MONTH, t), 0x01);
	CU_ASSERT_EQUAL(rd(RTC_YEAR, t), 0x00);
	CU_ASSERT_EQUAL(rd(RTC_CENTURY, t), 0x20);
	CU_ASSERT_EQUAL(rd(RTC_WDAY, t), 7);
	CU_ASSERT_EQUAL(rtc_time(&r, t), 946684800);

	/* One field written on a running clock takes effect at once. */
	wr(RTC_MIN, 0x10, t);
	CU_ASSERT_EQUAL(rd(RTC_MIN, t), 0x10);
	CU_ASSERT_EQUAL(rtc_time(&r, t), 946684800 + 600);
	CU_ASSERT_EQUAL(rd(RTC_SEC, t + 3 * NS), 0x03);

	/* The divider in reset stops the time; released, the first update
	 * is 500 ms away. */
	wr(RTC_REG_A, 0x70 | 0x06, t);
	CU_ASSERT_EQUAL(rd(RTC_SEC, t + 10 * NS), 0x00);
	t += 10 * NS;
	wr(RTC_REG_A, 0x26, t);
	CU_ASSERT_EQUAL(rd(RTC_SEC, t + 500 * MS - 1), 0x00);
	CU_ASSERT_EQUAL(rd(RTC_SEC, t + 500 * MS), 0x01);

	/* In 12-hour mode, 12 AM is hour 0 and 0x81 is 1 PM. */
	t += NS;
	wr(RTC_REG_B, RTC_B_SET, t);
	wr(RTC_HOUR, 0x12, t);
	wr(RTC_MIN, 0x00, t);
	wr(RTC_SEC, 0x00, t);
	wr(RTC_REG_B, 0, t);
	CU_ASSERT_EQUAL(rtc_time(&r, t) % 86400, 0);
	wr(RTC_HOUR, 0x81, t);
	CU_ASSERT_EQUAL(rtc_time(&r, t) % 86400, 13 * 3600);

	/* Garbage from a guest: any byte decodes, the date normalizes. */
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H, t);
	for (unsigned int i = RTC_SEC; i <= RTC_YEAR; i++)
		wr(i, 0xff, t);
	wr(RTC_CENTURY, 0xff, t);
	wr(RTC_REG_B, RTC_B_24H, t);
	CU_ASSERT(rd(RTC_MONTH, t) >= 0x01 && rd(RTC_MONTH, t) <= 0x12);
	CU_ASSERT(rd(RTC_MDAY, t) >= 0x01 && rd(RTC_MDAY, t) <= 0x31);
	CU_ASSERT(rd(RTC_HOUR, t) <= 0x23);
	teardown();
}

static void test_uip(void)
{
	int64_t t = TICK0 + 5 * NS - 300 * US;
	unsigned int reads = 0;

	setup(256 << 20, 0);
	CU_ASSERT_EQUAL(rd(RTC_REG_A, t) & RTC_A_UIP, 0);
	CU_ASSERT_EQUAL(rd(RTC_REG_A, TICK0 - RTC_UIP_NS - 1) & RTC_A_UIP, 0);
	CU_ASSERT_EQUAL(rd(RTC_REG_A, TICK0 - RTC_UIP_NS), RTC_A_UIP | 0x26);
	CU_ASSERT_EQUAL(rd(RTC_REG_A, TICK0 - 1) & RTC_A_UIP, RTC_A_UIP);
	CU_ASSERT_EQUAL(rd(RTC_REG_A, TICK0) & RTC_A_UIP, 0);
	/* A guest that waits for UIP to rise and fall, each read costing
	 * 10 us, sees both within a bounded number of reads. */
	while (!(rd(RTC_REG_A, t) & RTC_A_UIP) && reads < 1000) {
		t += 10 * US;
		reads++;
	}
	CU_ASSERT(reads > 0 && reads < 10);
	reads = 0;
	while ((rd(RTC_REG_A, t) & RTC_A_UIP) && reads < 1000) {
		t += 10 * US;
		reads++;
	}
	CU_ASSERT(reads > 20 && reads <= 25);
	/* Register A's UIP bit cannot be written. */
	wr(RTC_REG_A, 0xa6, t);
	CU_ASSERT_EQUAL(rd(RTC_REG_A, t), 0x26);
	teardown();
}

static void test_update_interrupt(void)
{
	int64_t t = NOW0;

	setup(256 << 20, 0);
	/* Flags are set whether or not enabled; IRQF only when enabled.
	 * The power-on rate (1024 Hz) sets PF as well. */
	CU_ASSERT_EQUAL(rtc_update(&r, t), DM_NEVER);
	CU_ASSERT_EQUAL(rd(RTC_REG_C, TICK0), RTC_C_UF | RTC_C_PF);
	wr(RTC_REG_A, 0x20, TICK0);		/* no periodic flag */
	CU_ASSERT_FALSE(line);
	CU_ASSERT_EQUAL(rd(RTC_REG_C, TICK0), 0);
	t = TICK0 + 100 * MS;
	wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE, t);
	CU_ASSERT_EQUAL(rtc_update(&r, t), TICK0 + NS);
	CU_ASSERT_EQUAL(rtc_update(&r, TICK0 + NS - 1), TICK0 + NS);
	CU_ASSERT_FALSE(line);
	/* The update raises IRQF and the line; nothing more to wait for
	 * until C is read. */
	CU_ASSERT_EQUAL(rtc_update(&r, TICK0 + NS), DM_NEVER);
	CU_ASSERT_TRUE(line);
	CU_ASSERT_EQUAL(rises, 1);
	CU_ASSERT_EQUAL(rd(RTC_REG_C, TICK0 + NS), RTC_C_IRQF | RTC_C_UF);
	CU_ASSERT_FALSE(line);
	CU_ASSERT_EQUAL(rd(RTC_REG_C, TICK0 + NS), 0);
	CU_ASSERT_EQUAL(rtc_update(&r, TICK0 + NS), TICK0 + 2 * NS);
	/* Several updates missed count as one flag and one edge. */
	rtc_update(&r, TICK0 + 5 * NS);
	CU_ASSERT_EQUAL(rises, 2);
	/* Disabling the source drops IRQF and the line; UF stays. */
	wr(RTC_REG_B, RTC_B_24H, TICK0 + 5 * NS);
	CU_ASSERT_FALSE(line);
	CU_ASSERT_EQUAL(rd(RTC_REG_C, TICK0 + 5 * NS), RTC_C_UF);
	teardown();
}

static void test_alarm(void)
{
	/* The update to 13:45:35 is at TICK0 + 4 s; a day later, t. */
	int64_t at35 = TICK0 + 4 * NS, t = at35 + 86400 * NS;

	setup(256 << 20, 0);
	wr(RTC_REG_A, 0x20, NOW0);		/* no periodic flag */
	wr(RTC_SEC_ALARM, 0x35, NOW0);
	wr(RTC_MIN_ALARM, 0x45, NOW0);
	wr(RTC_HOUR_ALARM, 0x13, NOW0);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_AIE, NOW0);
	CU_ASSERT_EQUAL(rtc_update(&r, NOW0), TICK0);
	rtc_update(&r, at35 - 1);
	CU_ASSERT_FALSE(line);
	CU_ASSERT_EQUAL(rd(RTC_REG_C, at35 - 1), RTC_C_UF);
	rtc_update(&r, at35);
	CU_ASSERT_TRUE(line);
	CU_ASSERT_EQUAL(rd(RTC_REG_C, at35), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
	CU_ASSERT_FALSE(line);
	/* Not again for a day; a day later it rings though nobody looked. */
	CU_ASSERT_EQUAL(rd(RTC_REG_C, at35 + 3600 * NS) & RTC_C_AF, 0);
	CU_ASSERT_EQUAL(rd(RTC_REG_C, t) & RTC_C_AF, RTC_C_AF);
	CU_ASSERT_EQUAL(rises, 2);

	/* Don't-care minutes and hours: each minute at :05. */
	wr(RTC_SEC_ALARM, 0x05, t);
	wr(RTC_MIN_ALARM, 0xff, t);
	wr(RTC_HOUR_ALARM, RTC_ALARM_ANY, t);
	/* 13:46:04, then 13:46:05. */
	CU_ASSERT_EQUAL(rd(RTC_REG_C, t + 29 * NS) & RTC_C_AF, 0);
	CU_ASSERT_EQUAL(rd(RTC_REG_C, t + 30 * NS) & RTC_C_AF, RTC_C_AF);
	/* A binary 12-hour alarm at 1:46:07 PM. */
	wr(RTC_REG_B, RTC_B_DM | RTC_B_AIE, t + 30 * NS);
	wr(RTC_SEC_ALARM, 7, t + 30 * NS);
	wr(RTC_MIN_ALARM, 46, t + 30 * NS);
	wr(RTC_HOUR_ALARM, 0x80 | 1, t + 30 * NS);
	CU_ASSERT_EQUAL(rd(RTC_REG_C, t + 31 * NS) & RTC_C_AF, 0);
	CU_ASSERT_EQUAL(rd(RTC_REG_C, t + 32 * NS) & RTC_C_AF, RTC_C_AF);
	teardown();
}

static void test_periodic(void)
{
	/* The divider chain began at NOW0 - 250 ms, a whole number of
	 * periods for every rate. */
	int64_t t2 = NOW0 + 750 * MS;

	setup(256 << 20, 0);
	wr(RTC_REG_A, 0x20 | 15, NOW0);		/* 2 Hz */
	wr(RTC_REG_B, RTC_B_24H | RTC_B_PIE, NOW0);
	CU_ASSERT_EQUAL(rtc_update(&r, NOW0), NOW0 + 250 * MS);
	CU_ASSERT_EQUAL(rtc_update(&r, NOW0 + 250 * MS), DM_NEVER);
	CU_ASSERT_TRUE(line);
	CU_ASSERT_EQUAL(rd(RTC_REG_C, NOW0 + 250 * MS), RTC_C_IRQF | RTC_C_PF);
	CU_ASSERT_FALSE(line);
	CU_ASSERT_EQUAL(rtc_update(&r, NOW0 + 250 * MS), NOW0 + 750 * MS);
	/* 1024 Hz: a period of 976562.5 ns. */
	wr(RTC_REG_A, 0x26, NOW0 + 250 * MS);
	CU_ASSERT_EQUAL(rtc_update(&r, NOW0 + 250 * MS),
			NOW0 + 250 * MS + 976563);
	CU_ASSERT_EQUAL(rd(RTC_REG_C, NOW0 + 250 * MS + 976562), 0);
	CU_ASSERT_EQUAL(rd(RTC_REG_C, NOW0 + 250 * MS + 976563),
			RTC_C_IRQF | RTC_C_PF);
	/* Rates 1 and 2 are 256 and 128 Hz.  From t2, a whole second
	 * after the chain began (the flag of the last rate cleared). */
	wr(RTC_REG_A, 0x21, t2);
	rd(RTC_REG_C, t2);
	CU_ASSERT_EQUAL(rtc_update(&r, t2), t2 + 3906250);
	wr(RTC_REG_A, 0x22, t2);
	CU_ASSERT_EQUAL(rtc_update(&r, t2), t2 + 7812500);
	/* Rate 0, or the divider in reset: no periodic interrupt. */
	wr(RTC_REG_A, 0x20, t2);
	CU_ASSERT_EQUAL(rtc_update(&r, t2), DM_NEVER);
	CU_ASSERT_EQUAL(rd(RTC_REG_C, t2 + 5 * NS), RTC_C_UF);
	wr(RTC_REG_A, 0x76, t2 + 5 * NS);
	CU_ASSERT_EQUAL(rtc_update(&r, t2 + 5 * NS), DM_NEVER);
	CU_ASSERT_EQUAL(rd(RTC_REG_C, t2 + 6 * NS), 0);
	CU_ASSERT_FALSE(line);
	teardown();
}

static void test_cmos_memory(void)
{
	struct dm_mem m = { 0 };

	setup(256 << 20, 0);
	CU_ASSERT_EQUAL(rd(0x15, NOW0), 0x80);	/* 640 KiB */
	CU_ASSERT_EQUAL(rd(0x16, NOW0), 0x02);
	CU_ASSERT_EQUAL(rd(0x17, NOW0), 0x00);	/* 63 MiB in KiB: 0xfc00 */
	CU_ASSERT_EQUAL(rd(0x18, NOW0), 0xfc);
	CU_ASSERT_EQUAL(rd(0x30, NOW0), 0x00);
	CU_ASSERT_EQUAL(rd(0x31, NOW0), 0xfc);
	CU_ASSERT_EQUAL(rd(0x34, NOW0), 0x00);	/* 240 MiB / 64 KiB */
	CU_ASSERT_EQUAL(rd(0x35, NOW0), 0x0f);
	CU_ASSERT_EQUAL(rd(0x5b, NOW0), 0);
	CU_ASSERT_EQUAL(rd(0x5c, NOW0), 0);
	CU_ASSERT_EQUAL(rd(0x5d, NOW0), 0);
	teardown();

	/* 5 GiB: 3 GiB below the PCI hole, 2 GiB from 4 GiB. */
	dm_mem_layout(&m, 5ULL << 30);
	setup(m.lowmem, m.highmem);
	CU_ASSERT_EQUAL(rd(0x17, NOW0), 0x00);
	CU_ASSERT_EQUAL(rd(0x18, NOW0), 0xfc);
	CU_ASSERT_EQUAL(rd(0x34, NOW0), 0x00);	/* 3056 MiB: 0xbf00 */
	CU_ASSERT_EQUAL(rd(0x35, NOW0), 0xbf);
	CU_ASSERT_EQUAL(rd(0x5b, NOW0), 0x00);	/* 2 GiB: 0x008000 */
	CU_ASSERT_EQUAL(rd(0x5c, NOW0), 0x80);
	CU_ASSERT_EQUAL(rd(0x5d, NOW0), 0x00);
	teardown();
}

static void test_reset(void)
{
	setup(256 << 20, 0);
	wr(0x40, 0x5a, NOW0);
	wr(0x0f, 0x0a, NOW0);			/* shutdown status */
	wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE | RTC_B_PIE, NOW0);
	rtc_update(&r, TICK0);
	CU_ASSERT_TRUE(line);
	/* Reset: interrupts off and the line low; RAM and time stay. */
	rtc_reset(&r, TICK0);
	CU_ASSERT_FALSE(line);
	CU_ASSERT_EQUAL(rd(RTC_REG_B, TICK0), RTC_B_24H);
	CU_ASSERT_EQUAL(rd(RTC_REG_C, TICK0), 0);
	CU_ASSERT_EQUAL(rtc_update(&r, TICK0), DM_NEVER);
	CU_ASSERT_EQUAL(rd(0x40, TICK0), 0x5a);
	CU_ASSERT_EQUAL(rd(0x0f, TICK0), 0x0a);
	CU_ASSERT_EQUAL(rd(RTC_SEC, TICK0), 0x31);
	/* Registers C and D cannot be written. */
	wr(RTC_REG_C, 0xff, TICK0);
	wr(RTC_REG_D, 0x00, TICK0);
	CU_ASSERT_FALSE(line);
	CU_ASSERT_EQUAL(rd(RTC_REG_D, TICK0), RTC_D_VRT);
	teardown();
	/* A new VM: clear RAM. */
	setup(256 << 20, 0);
	CU_ASSERT_EQUAL(rd(0x40, NOW0), 0);
	CU_ASSERT_EQUAL(rd(0x0f, NOW0), 0);
	teardown();
}

static const struct unit_test tests[] = {
	{ "time in BCD, binary, 12 hour; leap day", test_read_formats },
	{ "SET, a written time advances, divider reset", test_set_time },
	{ "UIP before each update, bounded", test_uip },
	{ "update-ended flag, IRQF and IRQ 8", test_update_interrupt },
	{ "alarm, with don't-care bytes", test_alarm },
	{ "periodic interrupt rates", test_periodic },
	{ "CMOS memory size for 256 MiB and 5 GiB", test_cmos_memory },
	{ "reset keeps RAM and time, stops interrupts", test_reset },
};

int register_rtc_tests(void)
{
	return UNIT_SUITE("rtc", tests);
}
