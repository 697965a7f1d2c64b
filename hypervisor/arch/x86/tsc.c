/* TSC frequency: CPUID leaf 0x15 when it gives one, else measured against
 * PIT channel 2 over 10 ms (the PIT's rate is fixed at 1.193182 MHz). */
#include "types.h"
#include "timer.h"
#include <asm/cpu.h>
#include <asm/pio.h>

#define PIT_HZ		1193182ULL
#define CAL_MS		10

static u64 tsc_khz;

static u64 tsc_from_cpuid(void)
{
	struct cpuid_regs r;

	cpuid_count(0, 0, &r);
	if (r.eax < 0x15)
		return 0;
	cpuid_count(0x15, 0, &r);
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return (u64)r.ecx * r.ebx / r.eax / 1000;
}

static u64 tsc_from_pit(void)
{
	u16 count = (u16)(PIT_HZ * CAL_MS / 1000);
	u64 t0, t1;
	u8 gate;

	gate = inb(0x61);
	outb(0x61, (gate & ~0x02) | 0x01);	/* speaker off, gate on */
	outb(0x43, 0xb0);			/* ch2, lo/hi, mode 0 */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	t0 = rdtsc();
	for (unsigned long i = 0; !(inb(0x61) & 0x20); i++)
		if (i > 100000000UL)
			return 0;	/* no PIT: leave the frequency unknown */
	t1 = rdtsc();
	outb(0x61, gate);
	return (t1 - t0) / CAL_MS;
}

u64 tsc_calibrate(void)
{
	tsc_khz = tsc_from_cpuid();
	if (!tsc_khz)
		tsc_khz = tsc_from_pit();
	return tsc_khz;
}

u64 tsc_get_khz(void)
{
	return tsc_khz;
}
