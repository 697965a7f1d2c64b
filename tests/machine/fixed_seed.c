// SPDX-License-Identifier: BSD-3-Clause
/*
 * LD_PRELOAD'ed into Bochs by the test harness: makes its srand() always
 * seed with 1.
 *
 * Bochs 2.7 seeds the C library's rand() with the host time at start-up and
 * answers the guest's RDRAND from rand().  Linux mixes RDRAND into its
 * random pool (hash seeds, stack canaries, address randomisation), so two
 * runs of the same image differed by ~100K ticks out of ~1G.  With a fixed
 * seed, and clock sync=none with a fixed time0, runs repeat tick for tick.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

void srand(unsigned int seed)
{
	void (*real_srand)(unsigned int);

	(void)seed;
	*(void **)&real_srand = dlsym(RTLD_NEXT, "srand");
	if (real_srand)
		real_srand(1);
}
