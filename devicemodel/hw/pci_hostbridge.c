// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm's PCI host bridge, device type "hostbridge" (pci.h): the
 * function at 0:0 that tells software this is a PC's root bus.  It has
 * the ids of QEMU's i440FX host bridge because stock OVMF picks its
 * platform code by them (it knows i440FX and Q35, and i440FX's is the one
 * without the Q35 chipset registers we do not emulate).  No BARs, no
 * interrupt: configuration space is all there is.
 */
#include "pci.h"

#define HB_VENDOR	0x8086	/* Intel */
#define HB_DEVICE	0x1237	/* 440FX host bridge */
#define HB_CLASS	0x060000	/* bridge, host */
#define HB_REVISION	0x02

static int hostbridge_init(struct dm_pci_dev *d, const char *conf,
			   struct dm_error *err)
{
	if (conf[0])
		return dm_fail(err, "takes no options (\"%s\")", conf);
	dm_pci_set_ids(d, HB_VENDOR, HB_DEVICE, HB_CLASS, HB_REVISION, 0, 0);
	return 0;
}

static const struct dm_pci_ops hostbridge_ops = {
	.name = "hostbridge",
	.init = hostbridge_init,
};
DM_PCI_DEVICE(hostbridge_ops);
