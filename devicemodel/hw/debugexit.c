// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: the debug-exit port (--debugexit), QEMU's isa-debug-exit as
 * kvm-unit-tests and the guest tests use it: a write of v to port 0xf4
 * ends islet-dm with exit status (v << 1) | 1, so a guest's 0 ("pass")
 * is 1 and no guest value can look like islet-dm's own success, 0.
 */
#include "dm.h"
#include "hw.h"

#define DEBUGEXIT_PORT	0xf4

static void debugexit_write(void *dev, uint64_t addr, unsigned int size,
			    uint64_t value)
{
	dm_request(DM_REQ_EXIT, (int)((((uint32_t)value & 0x7f) << 1) | 1));
}

static const struct dm_io_ops debugexit_ops = {
	.write = debugexit_write,
};

int dm_debugexit_init(const struct dm_config *cfg, struct dm_error *err)
{
	if (cfg->debugexit &&
	    dm_io_register(DM_PIO, DEBUGEXIT_PORT, 4, &debugexit_ops, NULL,
			   "debugexit"))
		return dm_fail(err, "port 0x%x taken", DEBUGEXIT_PORT);
	return 0;
}
