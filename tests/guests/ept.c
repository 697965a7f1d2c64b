/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ept: guest-physical addresses the VM's EPT does not map.  A read
 * becomes an MMIO request that the runner answers with all ones (no
 * device), a write is dropped; each is one request (the runner's request
 * counter, port 0xe4, which counts its own reads too).  RAM stays RAM:
 * its accesses make no request.
 */
#include "libguest.h"

/* Above the 16 MiB of RAM, below the MMIO window; and one in the 3rd GiB. */
#define HOLE_LOW	0x08000000UL
#define HOLE_HIGH	0xb0000000UL

static u32 served(void)
{
	return inl(TESTDEV_SERVED);
}

int main(int argc, char **argv)
{
	static volatile u64 ram_word;
	volatile u32 *low = (volatile u32 *)HOLE_LOW;
	volatile u8 *high = (volatile u8 *)HOLE_HIGH;
	volatile u64 *q = (volatile u64 *)(HOLE_LOW + 0x1000);
	u32 a, b, v;
	u64 v64;
	u8 v8;

	a = served();
	b = served();
	report(b == a + 1, "the request counter counts its own read (%u, %u)",
	       a, b);

	a = served();
	v = *low;
	b = served();
	report(v == 0xffffffff, "a 4-byte read of unmapped GPA 0x%lx returns "
	       "all ones (0x%x)", HOLE_LOW, v);
	report(b - a == 2, "it was one request to the runner (%u)", b - a - 1);

	a = served();
	v8 = *high;
	v64 = *q;
	b = served();
	report(v8 == 0xff, "a 1-byte read at 0x%lx: 0x%x", HOLE_HIGH, v8);
	report(v64 == ~0ULL, "an 8-byte read at 0x%lx: 0x%lx",
	       HOLE_LOW + 0x1000, v64);
	report(b - a == 3, "two requests (%u)", b - a - 1);

	a = served();
	*low = 0x12345678;
	v = *low;
	b = served();
	report(v == 0xffffffff, "a write is dropped: read back 0x%x", v);
	report(b - a == 3, "the write and the read were requests (%u)",
	       b - a - 1);

	a = served();
	ram_word = 0x1122334455667788ULL;
	v64 = ram_word;
	b = served();
	report(v64 == 0x1122334455667788ULL && b == a + 1,
	       "RAM is not MMIO: no request for it (%u)", b - a - 1);
	return report_summary();
}
