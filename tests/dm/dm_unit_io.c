// SPDX-License-Identifier: BSD-3-Clause
/*
 * The suites' guest accesses (dm_unit.h): a port or MMIO request built as
 * the HSM hands it to islet-dm and served by io.c's dispatch, and the
 * config-space steps by which a driver finds a virtio-pci function's
 * BAR.  One copy, so that every suite reaches the devices the same way.
 */
#include <string.h>

#include <islet/ioreq.h>

#include "dm.h"
#include "pci.h"
#include "virtio.h"
#include "dm_unit.h"

uint32_t dm_unit_pio(uint64_t port, unsigned int size, bool write,
		     uint32_t value)
{
	struct islet_io_request r;

	memset(&r, 0, sizeof(r));
	r.type = ISLET_IOREQ_TYPE_PORTIO;
	r.reqs.pio_request.direction = write ? ISLET_IOREQ_DIR_WRITE :
					       ISLET_IOREQ_DIR_READ;
	r.reqs.pio_request.address = port;
	r.reqs.pio_request.size = size;
	r.reqs.pio_request.value = value;
	dm_io_dispatch(&r);
	return r.reqs.pio_request.value;
}

uint64_t dm_unit_mmio(uint64_t addr, unsigned int size, bool write,
		      uint64_t value)
{
	struct islet_io_request r;

	memset(&r, 0, sizeof(r));
	r.type = ISLET_IOREQ_TYPE_MMIO;
	r.reqs.mmio_request.direction = write ? ISLET_IOREQ_DIR_WRITE :
						ISLET_IOREQ_DIR_READ;
	r.reqs.mmio_request.address = addr;
	r.reqs.mmio_request.size = size;
	r.reqs.mmio_request.value = value;
	dm_io_dispatch(&r);
	return r.reqs.mmio_request.value;
}

uint64_t dm_unit_virtio_bar(unsigned int slot)
{
	uint32_t lo = 0, hi = 0, cmd = DM_PCI_CMD_MEM | DM_PCI_CMD_MASTER;

	dm_pci_cfg_access(0, slot, 0, DM_PCIR_BAR(VIRTIO_BAR), 4, false, &lo);
	dm_pci_cfg_access(0, slot, 0, DM_PCIR_BAR(VIRTIO_BAR + 1), 4, false,
			  &hi);
	dm_pci_cfg_access(0, slot, 0, DM_PCIR_COMMAND, 2, true, &cmd);
	return (lo & ~0xfULL) | (uint64_t)hi << 32;
}
