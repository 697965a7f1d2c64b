/* The 8254 PIT and port 0x61 (devicemodel/hw/pit.c), on a fake clock:
 * the tests pass the time to each call. */
#include "clock.h"
#include "dm.h"
#include "pit.h"
#include "dm_unit.h"

#define NS		DM_NS_PER_SEC
#define US		1000LL
/* A whole number of PIT ticks: tick k after it is at(k). */
#define NOW0		(1000 * NS)

static struct pit p;
static const struct dm_irq_ops *saved_irq;
static bool line;
static unsigned int pulses;

static void record_gsi(unsigned int gsi, bool level)
{
	CU_ASSERT_EQUAL(gsi, PIT_GSI);
	CU_ASSERT_NOT_EQUAL(level, line);
	line = level;
	pulses += level;
}

static const struct dm_irq_ops recorder = { .gsi = record_gsi };

static void setup(void)
{
	saved_irq = dm_irq;
	dm_irq = &recorder;
	line = false;
	pulses = 0;
	pit_reset(&p);
}

static void teardown(void)
{
	CU_ASSERT_FALSE(line);			/* every pulse ended */
	dm_irq = saved_irq;
}

/* The first instant of PIT tick @k after NOW0. */
static int64_t at(int64_t k)
{
	return NOW0 + (k * NS + PIT_HZ - 1) / PIT_HZ;
}

static void out(uint16_t port, uint8_t v, int64_t t)
{
	pit_write(&p, port, v, t);
}

static uint8_t in(uint16_t port, int64_t t)
{
	return pit_read(&p, port, t);
}

/* Control word, then the count LSB and MSB. */
static void program(unsigned int ctr, uint8_t control, uint16_t count,
		    int64_t t)
{
	out(PIT_PORT_CONTROL, control, t);
	out((uint16_t)(PIT_PORT_COUNTER0 + ctr), (uint8_t)count, t);
	out((uint16_t)(PIT_PORT_COUNTER0 + ctr), (uint8_t)(count >> 8), t);
}

/* The counter-latch command and a two-byte read. */
static uint16_t latched(unsigned int ctr, int64_t t)
{
	uint16_t port = (uint16_t)(PIT_PORT_COUNTER0 + ctr);
	uint8_t lo;

	out(PIT_PORT_CONTROL, (uint8_t)(ctr << 6), t);
	lo = in(port, t);
	return (uint16_t)(lo | in(port, t) << 8);
}

/* Read-back of the status alone. */
static uint8_t status(unsigned int ctr, int64_t t)
{
	out(PIT_PORT_CONTROL, (uint8_t)(0xe0 | (2 << ctr)), t);
	return in((uint16_t)(PIT_PORT_COUNTER0 + ctr), t);
}

static bool out_of(unsigned int ctr, int64_t t)
{
	return status(ctr, t) & 0x80;
}

static void test_mode2_mode3(void)
{
	static const uint16_t even[] = { 10, 8, 6, 4, 2, 10, 8, 6, 4, 2, 10 };
	static const uint16_t odd[] = { 5, 3, 1, 4, 2, 5 };

	setup();
	/* Mode 2: 1000 down to 1, OUT low while at 1, then again. */
	program(0, 0x34, 1000, NOW0);
	CU_ASSERT_EQUAL(latched(0, at(0)), 1000);
	CU_ASSERT_EQUAL(latched(0, at(1)), 999);
	CU_ASSERT_EQUAL(latched(0, at(998)), 2);
	CU_ASSERT_EQUAL(latched(0, at(999)), 1);
	CU_ASSERT_EQUAL(latched(0, at(1000)), 1000);
	CU_ASSERT_EQUAL(latched(0, at(5 * 1000 + 17)), 983);
	CU_ASSERT_EQUAL(status(0, at(5998)), 0x80 | 0x34);
	CU_ASSERT_EQUAL(status(0, at(5999)), 0x34);	/* OUT low */
	CU_ASSERT_EQUAL(status(0, at(6000)), 0x80 | 0x34);

	/* Mode 3 on counter 1: down by two, OUT high then low. */
	program(1, 0x76, 10, NOW0);
	for (int k = 0; k < 11; k++) {
		CU_ASSERT_EQUAL(latched(1, at(k)), even[k]);
		CU_ASSERT_EQUAL(out_of(1, at(k)), k < 5 || k == 10);
	}
	/* An odd count: the high half is the longer. */
	program(1, 0x76, 5, at(20));
	for (int k = 0; k < 6; k++) {
		CU_ASSERT_EQUAL(latched(1, at(20 + k)), odd[k]);
		CU_ASSERT_EQUAL(out_of(1, at(20 + k)), k < 3 || k == 5);
	}
	/* Count 0 is 65536: it reads 0, then 65535 in mode 2. */
	program(1, 0x74, 0, at(100));
	CU_ASSERT_EQUAL(latched(1, at(100)), 0);
	CU_ASSERT_EQUAL(latched(1, at(101)), 65535);
	teardown();
}

static void test_latch_and_access(void)
{
	setup();
	program(0, 0x34, 0x1234, NOW0);
	/* A latched count holds; a second latch waits for its reading. */
	out(PIT_PORT_CONTROL, 0x00, at(4));
	out(PIT_PORT_CONTROL, 0x00, at(9));
	CU_ASSERT_EQUAL(in(0x40, at(50)), 0x30);
	CU_ASSERT_EQUAL(in(0x40, at(60)), 0x12);
	/* Unlatched: LSB then MSB, each of its own moment. */
	CU_ASSERT_EQUAL(in(0x40, at(0x34)), 0x00);
	CU_ASSERT_EQUAL(in(0x40, at(0x34)), 0x12);
	CU_ASSERT_EQUAL(in(0x40, at(0x35)), 0xff);
	/* Read-back of count and status: status first. */
	out(PIT_PORT_CONTROL, 0xc2, at(0x100));
	CU_ASSERT_EQUAL(in(0x40, at(0x200)), 0x80 | 0x34);
	CU_ASSERT_EQUAL(in(0x40, at(0x200)), 0x34);
	CU_ASSERT_EQUAL(in(0x40, at(0x200)), 0x11);
	/* LSB-only: the MSB is 0; MSB-only: the LSB is 0. */
	out(PIT_PORT_CONTROL, 0x54, NOW0);
	out(0x41, 200, NOW0);			/* the whole count: 200 */
	CU_ASSERT_EQUAL(in(0x41, at(50)), 150);
	CU_ASSERT_EQUAL(in(0x41, at(50)), 150);
	out(PIT_PORT_CONTROL, 0x64, at(50));
	out(0x41, 0x02, at(50));		/* 0x0200 */
	CU_ASSERT_EQUAL(in(0x41, at(50 + 0x100)), 0x01);
	/* The control word resets the flip-flops: a half-written count
	 * and a half-read one are forgotten. */
	out(PIT_PORT_CONTROL, 0x74, at(400));
	out(0x41, 0x99, at(400));
	(void)in(0x41, at(400));
	program(1, 0x74, 0x0300, at(400));
	CU_ASSERT_EQUAL(in(0x41, at(400)), 0x00);
	CU_ASSERT_EQUAL(in(0x41, at(400)), 0x03);
	/* The null-count status bit: set by a control word, clear once the
	 * count is loaded. */
	out(PIT_PORT_CONTROL, 0x74, at(500));
	CU_ASSERT_EQUAL(status(1, at(500)) & 0x40, 0x40);
	program(1, 0x74, 0x0300, at(500));
	CU_ASSERT_EQUAL(status(1, at(500)) & 0x40, 0);
	/* The control register reads all-ones. */
	CU_ASSERT_EQUAL(in(PIT_PORT_CONTROL, at(500)), 0xff);
	teardown();
}

static void test_bcd(void)
{
	setup();
	program(0, 0x35, 0x1000, NOW0);		/* mode 2, BCD 1000 */
	CU_ASSERT_EQUAL(latched(0, at(0)), 0x1000);
	CU_ASSERT_EQUAL(latched(0, at(1)), 0x0999);
	CU_ASSERT_EQUAL(latched(0, at(999)), 0x0001);
	CU_ASSERT_EQUAL(latched(0, at(1000)), 0x1000);
	CU_ASSERT_EQUAL(status(0, at(1000)) & 1, 1);
	/* 0 is 10000 in BCD; invalid digits count as their value, reduced
	 * into range: 0xffff is 15 * 1111 = 16665, a count of 6665. */
	program(0, 0x35, 0x0000, at(2000));
	CU_ASSERT_EQUAL(latched(0, at(2001)), 0x9999);
	CU_ASSERT_EQUAL(pit_update(&p, at(2001)), at(2000 + 10000));
	program(0, 0x35, 0xffff, at(3000));
	CU_ASSERT_EQUAL(latched(0, at(3000)), 0x6665);
	CU_ASSERT_EQUAL(pit_update(&p, at(3000)), at(3000 + 6665));
	teardown();
}

/* Linux's pit_calibrate_tsc(): counter 2 in mode 0, gate through port
 * 0x61, polling OUT2 in bit 5 with ~10 us per port access. */
static void test_calibration_loop(void)
{
	const uint16_t latch = PIT_HZ / 100;	/* 10 ms */
	int64_t t = NOW0;
	unsigned int loops = 0;

	setup();
	out(PIT_PORT_SPEAKER, (uint8_t)((in(PIT_PORT_SPEAKER, t) &
					 ~PIT_61_SPEAKER) | PIT_61_GATE2), t);
	out(PIT_PORT_CONTROL, 0xb0, t);
	CU_ASSERT_EQUAL(in(PIT_PORT_SPEAKER, t) & PIT_61_OUT2, 0);
	out(0x42, latch & 0xff, t);
	out(0x42, latch >> 8, t);
	while (!(in(PIT_PORT_SPEAKER, t) & PIT_61_OUT2) && loops < 100000) {
		t += 10 * US;
		loops++;
	}
	CU_ASSERT(loops >= 998 && loops <= 1000);
	/* OUT stays high; the count wraps on. */
	CU_ASSERT_EQUAL(in(PIT_PORT_SPEAKER, t + NS) & PIT_61_OUT2,
			PIT_61_OUT2);

	/* The gate pauses mode 0: a count of 1000, 400 ticks counted, then
	 * the gate low for a long time, then 600 more. */
	t = at(100000);
	out(PIT_PORT_CONTROL, 0xb0, t);
	out(0x42, 1000 & 0xff, t);
	out(0x42, 1000 >> 8, t);
	out(PIT_PORT_SPEAKER, 0x00, at(100400));
	CU_ASSERT_EQUAL(latched(2, at(150000)), 600);
	CU_ASSERT_EQUAL(in(PIT_PORT_SPEAKER, at(150000)) & PIT_61_OUT2, 0);
	out(PIT_PORT_SPEAKER, PIT_61_GATE2, at(150000));
	CU_ASSERT_EQUAL(in(PIT_PORT_SPEAKER, at(150599)) & PIT_61_OUT2, 0);
	CU_ASSERT_EQUAL(in(PIT_PORT_SPEAKER, at(150600)) & PIT_61_OUT2,
			PIT_61_OUT2);
	/* Counter 2 never interrupts. */
	CU_ASSERT_EQUAL(pulses, 0);
	teardown();
}

/* Linux's quick_pit_calibrate(): the count's MSB, read without a latch
 * (LSB then MSB), must fall by one each 256 ticks and be seen more than
 * five times at each value when a read costs ~10 us. */
static void test_quick_calibration(void)
{
	unsigned int seen[256] = { 0 };
	int64_t t = NOW0;
	uint8_t prev = 0xff;

	setup();
	out(PIT_PORT_SPEAKER, PIT_61_GATE2, t);
	out(PIT_PORT_CONTROL, 0xb0, t);
	out(0x42, 0xff, t);
	out(0x42, 0xff, t);
	while (t < at(256 * 16)) {
		uint8_t msb;

		(void)in(0x42, t);
		t += 10 * US;
		msb = in(0x42, t);
		t += 10 * US;
		CU_ASSERT(msb == prev || msb == prev - 1);
		prev = msb;
		seen[msb]++;
	}
	for (unsigned int v = 0xf0; v <= 0xff; v++)
		CU_ASSERT(seen[v] > 5);
	teardown();
}

static void test_port61(void)
{
	uint8_t a, b;

	setup();
	a = in(PIT_PORT_SPEAKER, NOW0);
	b = in(PIT_PORT_SPEAKER, NOW0);
	CU_ASSERT_EQUAL((a ^ b) & PIT_61_REFRESH, PIT_61_REFRESH);
	CU_ASSERT_EQUAL((a ^ in(PIT_PORT_SPEAKER, NOW0)) & PIT_61_REFRESH, 0);
	/* Gate and speaker data stored; the status bits are read-only. */
	out(PIT_PORT_SPEAKER, 0xff, NOW0);
	CU_ASSERT_EQUAL(in(PIT_PORT_SPEAKER, NOW0) & 0xcf, 0x0f);
	out(PIT_PORT_SPEAKER, 0x00, NOW0);
	CU_ASSERT_EQUAL(in(PIT_PORT_SPEAKER, NOW0) & 0x0f, 0);
	/* A reset clears them. */
	out(PIT_PORT_SPEAKER, 0x03, NOW0);
	pit_reset(&p);
	CU_ASSERT_EQUAL(in(PIT_PORT_SPEAKER, NOW0) & 0x0f, 0);
	teardown();
}

static void test_one_shots(void)
{
	setup();
	/* Mode 1 on counter 2: OUT high until the gate triggers it. */
	out(PIT_PORT_SPEAKER, 0, NOW0);
	program(2, 0xb2, 100, NOW0);
	CU_ASSERT_TRUE(out_of(2, at(500)));
	out(PIT_PORT_SPEAKER, PIT_61_GATE2, at(500));
	CU_ASSERT_FALSE(out_of(2, at(500)));
	CU_ASSERT_EQUAL(latched(2, at(510)), 90);
	CU_ASSERT_FALSE(out_of(2, at(599)));
	CU_ASSERT_TRUE(out_of(2, at(600)));
	/* The gate's falling edge does not trigger. */
	out(PIT_PORT_SPEAKER, 0, at(550));
	CU_ASSERT_TRUE(out_of(2, at(600)));
	/* Triggered again: again 100 ticks low. */
	out(PIT_PORT_SPEAKER, 0, at(700));
	out(PIT_PORT_SPEAKER, PIT_61_GATE2, at(700));
	CU_ASSERT_FALSE(out_of(2, at(799)));
	CU_ASSERT_TRUE(out_of(2, at(800)));

	/* Mode 5: a one-tick low strobe 100 ticks after the trigger. */
	out(PIT_PORT_SPEAKER, 0, at(1000));
	program(2, 0xba, 100, at(1000));
	out(PIT_PORT_SPEAKER, PIT_61_GATE2, at(1000));
	CU_ASSERT_TRUE(out_of(2, at(1099)));
	CU_ASSERT_FALSE(out_of(2, at(1100)));
	CU_ASSERT_TRUE(out_of(2, at(1101)));

	/* Mode 4 on counter 1: the strobe at the count, then wrapping. */
	program(1, 0x78, 100, at(2000));
	CU_ASSERT_TRUE(out_of(1, at(2099)));
	CU_ASSERT_FALSE(out_of(1, at(2100)));
	CU_ASSERT_TRUE(out_of(1, at(2101)));
	CU_ASSERT_EQUAL(latched(1, at(2101)), 0xffff);
	/* Mode 0 OUT: low from the control word until the count. */
	program(1, 0x70, 100, at(3000));
	CU_ASSERT_FALSE(out_of(1, at(3099)));
	CU_ASSERT_TRUE(out_of(1, at(3100)));
	/* In mode 0 the first byte of a new count stops the counter, OUT
	 * low; the second starts the new count. */
	program(1, 0x70, 1000, at(4000));
	out(0x41, 50, at(4010));
	CU_ASSERT_EQUAL(latched(1, at(4500)), 990);
	CU_ASSERT_FALSE(out_of(1, at(5500)));
	out(0x41, 0, at(5500));
	CU_ASSERT_EQUAL(latched(1, at(5510)), 40);
	CU_ASSERT_TRUE(out_of(1, at(5550)));
	CU_ASSERT_EQUAL(pulses, 0);		/* counters 1, 2: no IRQ */
	teardown();
}

static void test_irq0(void)
{
	const uint16_t hz100 = 11932;		/* Linux's LATCH for HZ=100 */
	unsigned int n;
	int64_t t;

	setup();
	CU_ASSERT_EQUAL(pit_update(&p, NOW0), DM_NEVER);
	program(0, 0x34, hz100, NOW0);
	CU_ASSERT_EQUAL(pit_update(&p, NOW0), at(hz100));
	CU_ASSERT_EQUAL(pit_update(&p, at(hz100) - 1), at(hz100));
	CU_ASSERT_EQUAL(pulses, 0);
	CU_ASSERT_EQUAL(pit_update(&p, at(hz100)), at(2 * hz100));
	CU_ASSERT_EQUAL(pulses, 1);
	CU_ASSERT_EQUAL(pit_update(&p, at(2 * hz100)), at(3 * hz100));
	CU_ASSERT_EQUAL(pulses, 2);
	/* Late by three periods: one pulse, and back on the period. */
	CU_ASSERT_EQUAL(pit_update(&p, at(5 * hz100 + 7)), at(6 * hz100));
	CU_ASSERT_EQUAL(pulses, 3);

	/* Reprogrammed mid-period: the new period counts from there and
	 * the old one's edge does not come. */
	t = at(6 * hz100 + 100);
	CU_ASSERT_EQUAL(pit_update(&p, at(6 * hz100)), at(7 * hz100));
	CU_ASSERT_EQUAL(pulses, 4);
	program(0, 0x34, 20000, t);
	CU_ASSERT_EQUAL(pit_update(&p, t), at(6 * hz100 + 20100));
	CU_ASSERT_EQUAL(pit_update(&p, at(7 * hz100)), at(6 * hz100 + 20100));
	CU_ASSERT_EQUAL(pulses, 4);
	/* A new count without a control word waits for the period's end. */
	out(0x40, 0x00, at(6 * hz100 + 2000));
	out(0x40, 0x01, at(6 * hz100 + 2000));	/* 256 */
	CU_ASSERT_EQUAL(latched(0, at(6 * hz100 + 2000)), 20000 - 1900);
	CU_ASSERT_EQUAL(status(0, at(6 * hz100 + 2000)) & 0x40, 0x40);
	CU_ASSERT_EQUAL(pit_update(&p, at(6 * hz100 + 20100)),
			at(6 * hz100 + 20100 + 256));
	CU_ASSERT_EQUAL(pulses, 5);
	CU_ASSERT_EQUAL(latched(0, at(6 * hz100 + 20100 + 6)), 250);
	CU_ASSERT_EQUAL(status(0, at(6 * hz100 + 20100 + 6)) & 0x40, 0);

	/* Mode 0: one pulse at the terminal count.  (Programming it first
	 * delivers the rise of the old period that was due.) */
	t = at(100000);
	program(0, 0x30, 1000, t);
	n = pulses;
	CU_ASSERT_EQUAL(pit_update(&p, t), at(101000));
	CU_ASSERT_EQUAL(pit_update(&p, at(101000) - 1), at(101000));
	CU_ASSERT_EQUAL(pulses, n);
	CU_ASSERT_EQUAL(pit_update(&p, at(101000)), DM_NEVER);
	CU_ASSERT_EQUAL(pulses, n + 1);
	CU_ASSERT_EQUAL(pit_update(&p, at(200000)), DM_NEVER);
	CU_ASSERT_EQUAL(pulses, n + 1);

	/* A tiny period cannot make the main loop spin. */
	t = at(300000);
	program(0, 0x34, 2, t);
	CU_ASSERT_EQUAL(pit_update(&p, t), at(300002));
	CU_ASSERT_EQUAL(pit_update(&p, at(300002)),
			at(300002) + PIT_MIN_IRQ_NS);
	CU_ASSERT_EQUAL(pulses, n + 2);

	/* Reset: counter 0 idle, no interrupt. */
	pit_reset(&p);
	CU_ASSERT_EQUAL(pit_update(&p, at(400000)), DM_NEVER);
	CU_ASSERT_EQUAL(pulses, n + 2);
	CU_ASSERT_EQUAL(in(PIT_PORT_SPEAKER, at(400000)) & 0x2f, 0);
	teardown();
}

static const struct unit_test tests[] = {
	{ "modes 2 and 3: counts and OUT", test_mode2_mode3 },
	{ "latch, read-back, LSB/MSB access", test_latch_and_access },
	{ "BCD counts", test_bcd },
	{ "mode 0, gate and OUT2 via port 0x61 (pit_calibrate_tsc)",
	  test_calibration_loop },
	{ "MSB polling (quick_pit_calibrate)", test_quick_calibration },
	{ "port 0x61: refresh toggle, stored bits", test_port61 },
	{ "modes 1, 4, 5 and mode 0 OUT", test_one_shots },
	{ "IRQ 0 pulses, reprogramming, clamp, reset", test_irq0 },
};

int register_pit_tests(void)
{
	return UNIT_SUITE("pit", tests);
}
